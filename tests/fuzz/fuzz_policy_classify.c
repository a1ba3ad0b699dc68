// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_policy_classify.c - libFuzzer harness for the reference classifier,
 * the identity access lists and the flow inputs of negotiation discovery.
 *
 * Input: a policy text, optionally followed by a NUL byte and "packet
 * bytes" (without a NUL, the last 32 bytes of the text serve).  The policy
 * is parsed (no key files) and finalized; when that succeeds, packets and
 * identity sets built from the packet bytes are classified at every layer
 * and these invariants are checked:
 *
 *  1. classification is deterministic and self-consistent (permit/block,
 *     a matching decider of the layer, a block has a drop reason, a veto
 *     blocks, every sublayer reported);
 *  2. identities: xfp_identity_cond_eval() agrees with an independent
 *     evaluation of the access list (group membership by a bottom-up pass
 *     over the groups, not by recursion); the identity set is a set (its
 *     order does not matter); no identity of a kind makes that condition
 *     false; a filter matches iff its other conditions match and
 *     xfp_identity_filter_eval() says 1;
 *  3. negotiation discovery: at the transport layers, marking the flow as
 *     secured before (FLOW_WAS_SECURED) or its clear allowance as expired
 *     (ND_CLEAR_EXPIRED) never turns a block into a permit;
 *  4. tunnels: each filter made by `tunnel add` names its tunnel, and each
 *     tunnel has its outbound, inbound, connect and ip-in-ip filters.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define IDS_MAX 6

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_policy_classify: invariant broken: %s\n",
			what);
		abort();
	}
}

/* Packet bytes, read cyclically. */
struct bytes {
	const uint8_t *b;
	size_t n, i;
};

static uint8_t next(struct bytes *s)
{
	return s->n ? s->b[s->i++ % s->n] : 0;
}

/* ---- an independent access check --------------------------------------- */

/* member[g]: some identity of ids (of kind `user`) is in group g.  Groups
 * only contain earlier groups, so one pass in order is enough. */
static void members(const struct xfp_policy *p, bool user,
		    const struct xfp_identity *ids, unsigned n, bool *member)
{
	for (unsigned g = 0; g < p->n_groups; g++) {
		const struct xfp_group *gr = &p->groups[g];

		member[g] = false;
		for (unsigned j = 0; j < gr->n && !member[g]; j++) {
			const struct xfp_group_member *m = &gr->m[j];

			if (m->kind == XFP_MEMBER_GROUP) {
				member[g] = m->ref >= 0 &&
					    (unsigned)m->ref < g &&
					    member[m->ref];
				continue;
			}
			if ((m->kind == XFP_MEMBER_USER) != user)
				continue;
			for (unsigned k = 0; k < n; k++)
				if (ids[k].user == user &&
				    ids[k].principal == m->ref &&
				    ids[k].principal >= 0)
					member[g] = true;
		}
	}
}

static int naive_acl(const struct xfp_policy *p, const struct xfp_filter *f,
		     enum xfp_field fld, const struct xfp_identity *ids,
		     unsigned n, bool *member)
{
	bool user = fld == XFP_FIELD_REMOTE_USER_ID, have = false;
	const struct xfp_cond *c = &f->conds[fld];

	if (!(f->cond_mask & (1u << fld)))
		return 1;
	for (unsigned k = 0; k < n; k++)
		have |= ids[k].user == user;
	if (!have)
		return 0;
	members(p, user, ids, n, member);
	for (unsigned i = 0; i < c->n; i++) {
		const struct xfp_cond_val *v = &c->v[i];
		bool hit = false;

		if (v->idref == XFP_IDREF_ANY)
			hit = true;
		else if (v->idref == XFP_IDREF_GROUP)
			hit = v->lo < p->n_groups && member[v->lo];
		else
			for (unsigned k = 0; k < n; k++)
				hit |= ids[k].user == user &&
				       ids[k].principal >= 0 &&
				       v->lo == (uint64_t)ids[k].principal;
		if (hit)
			return v->ace == XFP_ACE_DENY ? 0 : 1;
	}
	return 0;
}

static void check_identities(const struct xfp_policy *p, struct bytes *s,
			     const struct xfp_pkt *base)
{
	struct xfp_identity ids[IDS_MAX], rev[IDS_MAX];
	bool *member = calloc(p->n_groups + 1, sizeof(*member));
	unsigned n = next(s) % (IDS_MAX + 1);

	check(member != NULL, "memory");
	for (unsigned k = 0; k < n; k++) {
		uint8_t x = next(s);

		ids[k].user = x & 1;
		ids[k].principal = p->n_principals && (x & 2) ?
					   (int)(next(s) % p->n_principals) :
					   -1;
	}
	for (unsigned k = 0; k < n; k++)
		rev[k] = ids[n - 1 - k];
	for (unsigned i = 0; i < p->n_filters; i++) {
		const struct xfp_filter *f = &p->filters[i];
		struct xfp_filter g = *f;
		struct xfp_pkt k = *base;
		int both = 1;

		for (int fld = XFP_FIELD_REMOTE_MACHINE_ID;
		     fld <= XFP_FIELD_REMOTE_USER_ID; fld++) {
			int a = xfp_identity_cond_eval(
				p, i, (enum xfp_field)fld, ids, n);
			int r = xfp_identity_cond_eval(
				p, i, (enum xfp_field)fld, rev, n);

			check(a == 0 || a == 1, "eval returns 0 or 1");
			check(a == naive_acl(p, f, (enum xfp_field)fld, ids, n,
					     member),
			      "eval agrees with the independent access check");
			check(a == r,
			      "the identity set's order does not matter");
			if (f->cond_mask & (1u << fld))
				check(xfp_identity_cond_eval(
					      p, i, (enum xfp_field)fld, NULL,
					      0) == 0,
				      "no identity: the condition is false");
			both &= a;
		}
		check(xfp_identity_filter_eval(p, i, ids, n) == both,
		      "filter eval is the AND of both conditions");
		/* The classifier matches the same way.  With n == 0 it would
		 * fall back to the names and the SA's identities, so those
		 * go (regression: crash-b2db7e52 in the corpus). */
		k.ids = ids;
		k.n_ids = n;
		k.remote_machine = k.remote_user = NULL;
		k.sa = -1;
		g.cond_mask &= ~((1u << XFP_FIELD_REMOTE_MACHINE_ID) |
				 (1u << XFP_FIELD_REMOTE_USER_ID));
		check(xfp_filter_matches(p, f, &k) ==
			      (xfp_filter_matches(p, &g, &k) && both),
		      "match = other conditions AND identity eval");
	}
	check(xfp_identity_cond_eval(p, p->n_filters, XFP_FIELD_REMOTE_USER_ID,
				     ids, n) == -EINVAL,
	      "a bad filter index is refused");
	free(member);
}

/* ---- decisions ---------------------------------------------------------- */

static void check_decision(const struct xfp_policy *p, enum xfp_layer l,
			   const struct xfp_pkt *k, struct xfp_decision *dec)
{
	struct xfp_decision again;

	check(xfp_ref_classify(p, l, k, dec) == 0,
	      "classify accepts a valid packet");
	check(xfp_ref_classify(p, l, k, &again) == 0 &&
		      again.action == dec->action &&
		      again.filter == dec->filter &&
		      again.reason == dec->reason,
	      "classification is deterministic");
	check(dec->action == XFP_ACTION_PERMIT ||
		      dec->action == XFP_ACTION_BLOCK,
	      "final action is permit or block");
	check(dec->matched == (dec->filter >= 0),
	      "matched iff a deciding filter");
	check(dec->filter < 0 ||
		      (p->filters[dec->filter].layer == l &&
		       xfp_filter_matches(p, &p->filters[dec->filter], k)),
	      "the decider is a matching filter of the layer");
	check(!dec->veto || dec->action == XFP_ACTION_BLOCK, "a veto blocks");
	check(dec->n_sublayers == p->n_sublayers, "every sublayer reported");
	check((dec->action == XFP_ACTION_BLOCK) ==
		      (dec->drop_reason != XFP_DROP_NONE),
	      "a block has a drop reason");
	check(!dec->clear_ok || dec->action == XFP_ACTION_PERMIT,
	      "clear_ok only on a permit");
	check(dec->reason != XFP_REASON_ND_TIMEOUT ||
		      (k->has & XFP_PKT_ND_CLEAR_EXPIRED),
	      "ND timeout only when the allowance ran out");
	check(dec->reason != XFP_REASON_DOWNGRADE ||
		      (k->has & XFP_PKT_FLOW_WAS_SECURED),
	      "downgrade only on a flow that was secured");
}

static void make_pkt(const struct xfp_policy *p, struct bytes *s,
		     struct xfp_pkt *k)
{
	uint8_t x = next(s), y = next(s), z = next(s);

	memset(k, 0, sizeof(*k));
	k->family = (x & 1) ? 6 : 4;
	if (k->family == 4) {
		k->local.b[10] = k->local.b[11] = 0xff;
		k->remote.b[10] = k->remote.b[11] = 0xff;
		k->local.b[12] = 198;
		k->local.b[13] = (uint8_t)(18 + (z & 1));
		k->local.b[14] = (uint8_t)((z >> 1) & 3);
		k->local.b[15] = (uint8_t)(z >> 3);
		k->remote.b[12] = 198;
		k->remote.b[13] = (uint8_t)(18 + (y & 1));
		k->remote.b[14] = (uint8_t)((y >> 1) & 3);
		k->remote.b[15] = y;
	} else {
		k->local.b[0] = k->remote.b[0] = 0x20;
		k->local.b[1] = k->remote.b[1] = 0x01;
		k->local.b[2] = k->remote.b[2] = 0x0d;
		k->local.b[3] = k->remote.b[3] = 0xb8;
		k->local.b[5] = z & 0xf;
		k->local.b[15] = (uint8_t)(z >> 4);
		k->remote.b[5] = y & 0xf;
		k->remote.b[15] = y;
	}
	k->protocol = (uint8_t[]){ 6, 17, 1, 58, 4, 41, 50, 132 }[x % 8];
	if (k->protocol == 6 || k->protocol == 17 || k->protocol == 132) {
		k->has |= XFP_PKT_HAS_PORTS;
		k->local_port = (uint16_t)(next(s) << 8 | next(s));
		k->remote_port = (uint16_t)(next(s) << 8 | next(s));
	} else if (k->protocol == 1 || k->protocol == 58) {
		k->has |= XFP_PKT_HAS_ICMP;
		k->icmp_type = next(s);
		k->icmp_code = next(s);
	}
	k->local_addr_type = (uint8_t)(z % 5);
	k->ipsec_flags = (x >> 3) & 3;
	if (x & 0x20)
		k->has |= XFP_PKT_FLOW_WAS_SECURED;
	if (x & 0x40)
		k->has |= XFP_PKT_ND_CLEAR_EXPIRED;
	k->sa = p->n_sas && (y & 0x80) ? (int)(y % p->n_sas) : -1;
	if (p->n_principals && (x & 0x80))
		k->remote_machine = p->principals[z % p->n_principals];
	if (p->n_principals && (z & 0x80))
		k->remote_user = p->principals[y % p->n_principals];
}

static void check_nd_monotonic(const struct xfp_policy *p,
			       const struct xfp_pkt *base)
{
	static const uint32_t bits[] = { XFP_PKT_FLOW_WAS_SECURED,
					 XFP_PKT_ND_CLEAR_EXPIRED };

	for (int l = XFP_LAYER_INBOUND_TRANSPORT;
	     l <= XFP_LAYER_OUTBOUND_TRANSPORT; l++)
		for (size_t b = 0; b < 2; b++) {
			struct xfp_pkt a = *base, c = *base;
			struct xfp_decision da, dc;

			a.has &= ~bits[b];
			c.has |= bits[b];
			check_decision(p, (enum xfp_layer)l, &a, &da);
			check_decision(p, (enum xfp_layer)l, &c, &dc);
			check(!(da.action == XFP_ACTION_BLOCK &&
				dc.action == XFP_ACTION_PERMIT),
			      "a flow input never turns a block into a "
			      "permit");
		}
}

static void check_tunnels(const struct xfp_policy *p)
{
	for (unsigned t = 0; t < p->n_tunnels; t++) {
		unsigned have = 0;

		for (unsigned i = 0; i < p->n_filters; i++) {
			const struct xfp_filter *f = &p->filters[i];

			if (!(f->has & XFP_FILTER_FROM_TUNNEL) ||
			    f->tunnel != (int)t)
				continue;
			check(!strncmp(f->name, p->tunnels[t].name,
				       strlen(p->tunnels[t].name)),
			      "a tunnel's filters carry its name");
			if (f->action == XFP_ACTION_OUTBOUND_TUNNEL ||
			    f->action == XFP_ACTION_INBOUND_TUNNEL)
				check(f->ctx == p->tunnels[t].qm &&
					      f->sublayer ==
						      p->tunnels[t].sublayer,
				      "tunnel callouts use its policy and "
				      "sublayer");
			have |= 1u << f->action;
		}
		check((have & (1u << XFP_ACTION_OUTBOUND_TUNNEL)) &&
			      (have & (1u << XFP_ACTION_INBOUND_TUNNEL)) &&
			      (have & (1u << XFP_ACTION_ALE_CONNECT)) &&
			      (have &
			       (1u << XFP_ACTION_INBOUND_TUNNEL_ALE_ACCEPT)),
		      "a tunnel has all its filters");
	}
	for (unsigned i = 0; i < p->n_filters; i++)
		check(!(p->filters[i].has & XFP_FILTER_FROM_TUNNEL) ||
			      (unsigned)p->filters[i].tunnel < p->n_tunnels,
		      "a tunnel filter's tunnel exists");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	struct bytes s;
	struct xfp_policy *p;
	struct xfp_errors e = { 0 };
	int n;

	if (size > 1 << 16)
		return 0;
	if (nul) {
		s.b = nul + 1;
		s.n = size - tlen - 1;
	} else {
		s.b = data + (size > 32 ? size - 32 : 0);
		s.n = size > 32 ? 32 : size;
	}
	s.i = 0;
	p = xfp_policy_new();
	if (!p)
		return 0;
	n = xfp_policy_parse_string(p, "fuzz", (const char *)data, tlen,
				    XFP_PARSE_NO_KEYS, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	xfp_errors_free(&e);
	if (n) {
		xfp_policy_free(p);
		return 0;
	}
	check_tunnels(p);
	for (int i = 0; i < 6; i++) {
		struct xfp_pkt k;
		struct xfp_decision d;

		make_pkt(p, &s, &k);
		for (int l = 0; l < XFP_LAYER__MAX; l++)
			check_decision(p, (enum xfp_layer)l, &k, &d);
		check_nd_monotonic(p, &k);
		check_identities(p, &s, &k);
		(void)xfp_nd_clear_timeout(p, &k);
	}
	xfp_policy_free(p);
	return 0;
}
