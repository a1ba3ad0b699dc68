/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * classify.c - the reference classifier: WFP arbitration done the slow,
 * obvious way.  It is the oracle the eBPF datapath is tested against, so
 * every rule is written out plainly; do not optimise it.
 *
 * For a layer: take the sublayers by weight (highest first, then in order
 * of definition); in each, walk the layer's filters of that sublayer in
 * evaluation order, and the first matching filter whose action (or callout
 * verdict) is permit or block decides the sublayer.  Then merge the
 * sublayer verdicts: hard block is final; a hard permit yields only to a
 * callout block (a veto); otherwise a block beats a soft permit and a
 * later permit turns a soft block into a permit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/alg.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

#define EFF_IDS_MAX 16

/* The packet with what an SA implies filled in. */
struct eff_pkt {
	const struct xfp_pkt *pkt;
	uint32_t flags; /* XFP_COND_FLAG_* */
	const struct xfp_identity *ids; /* the connection's identity set */
	unsigned n_ids;
	struct xfp_identity own[EFF_IDS_MAX]; /* when built here */
};

static bool val_num_match(const struct xfp_cond_val *v, uint64_t x)
{
	switch (v->match) {
	case XFP_MATCH_EQUAL:
	case XFP_MATCH_RANGE:
	case XFP_MATCH_PREFIX:
		return x >= v->lo && x <= v->hi;
	case XFP_MATCH_NOT_EQUAL:
		return x != v->lo;
	case XFP_MATCH_FLAGS_ALL_SET:
		return (x & v->lo) == v->lo;
	case XFP_MATCH_FLAGS_ANY_SET:
		return (x & v->lo) != 0;
	case XFP_MATCH_FLAGS_NONE_SET:
		return (x & v->lo) == 0;
	default:
		return false;
	}
}

static bool val_addr_match(const struct xfp_cond_val *v, int family,
			   const struct xfp_addr *a)
{
	if (v->family != family)
		return false;
	if (v->match == XFP_MATCH_NOT_EQUAL)
		return xfp_addr_cmp(a, &v->addr_lo) != 0;
	return xfp_addr_cmp(a, &v->addr_lo) >= 0 &&
	       xfp_addr_cmp(a, &v->addr_hi) <= 0;
}

static bool val_iface_match(const struct xfp_cond_val *v,
			    const struct xfp_pkt *pkt)
{
	bool eq;

	if (v->by_name) {
		if (!(pkt->has & XFP_PKT_HAS_IFNAME))
			return false;
		eq = strncmp(v->ifname, pkt->ifname, XFP_IFNAME_MAX) == 0;
	} else {
		if (!(pkt->has & XFP_PKT_HAS_IFINDEX))
			return false;
		eq = pkt->ifindex == v->lo;
	}
	return v->match == XFP_MATCH_NOT_EQUAL ? !eq : eq;
}

/* ---- identities ---------------------------------------------------------- */

bool xfp_group_contains(const struct xfp_policy *p, int g, bool user,
			int principal)
{
	const struct xfp_group *gr;

	if (!p || g < 0 || (unsigned)g >= p->n_groups || principal < 0)
		return false;
	gr = &p->groups[g];
	for (unsigned i = 0; i < gr->n; i++) {
		const struct xfp_group_member *m = &gr->m[i];

		switch (m->kind) {
		case XFP_MEMBER_MACHINE:
		case XFP_MEMBER_USER:
			if ((m->kind == XFP_MEMBER_USER) == user &&
			    m->ref == principal)
				return true;
			break;
		case XFP_MEMBER_GROUP:
			/* Members are defined before the group: no loop. */
			if (m->ref < g &&
			    xfp_group_contains(p, m->ref, user, principal))
				return true;
			break;
		}
	}
	return false;
}

/* Does one ACE name this identity? */
static bool ace_names(const struct xfp_policy *p, const struct xfp_cond_val *v,
		      const struct xfp_identity *id)
{
	switch (v->idref) {
	case XFP_IDREF_ANY:
		return true;
	case XFP_IDREF_PRINCIPAL:
		return id->principal >= 0 && v->lo == (uint64_t)id->principal;
	case XFP_IDREF_GROUP:
		return v->lo < p->n_groups &&
		       xfp_group_contains(p, (int)v->lo, id->user,
					  id->principal);
	default:
		return false;
	}
}

/* The access check of one identity condition (policy.h). */
static bool acl_match(const struct xfp_policy *p, enum xfp_field fld,
		      const struct xfp_cond *c, const struct xfp_identity *ids,
		      unsigned n)
{
	bool user = fld == XFP_FIELD_REMOTE_USER_ID;
	bool any = false;

	for (unsigned k = 0; k < n; k++)
		if (ids[k].user == user)
			any = true;
	if (!any)
		return false; /* the field is absent */
	for (unsigned i = 0; i < c->n; i++) {
		const struct xfp_cond_val *v = &c->v[i];

		for (unsigned k = 0; k < n; k++) {
			if (ids[k].user != user || !ace_names(p, v, &ids[k]))
				continue;
			return v->ace != XFP_ACE_DENY;
		}
	}
	return false; /* no ACE matched */
}

static bool ids_valid(const struct xfp_policy *p,
		      const struct xfp_identity *ids, unsigned n)
{
	if (n && !ids)
		return false;
	for (unsigned k = 0; k < n; k++)
		if (ids[k].principal < -1 ||
		    (ids[k].principal >= 0 &&
		     (unsigned)ids[k].principal >= p->n_principals))
			return false;
	return true;
}

int xfp_identity_cond_eval(const struct xfp_policy *p, unsigned filter_idx,
			   enum xfp_field field, const struct xfp_identity *ids,
			   unsigned n)
{
	const struct xfp_filter *f;

	if (!p || filter_idx >= p->n_filters ||
	    (field != XFP_FIELD_REMOTE_MACHINE_ID &&
	     field != XFP_FIELD_REMOTE_USER_ID) ||
	    !ids_valid(p, ids, n))
		return -EINVAL;
	f = &p->filters[filter_idx];
	if (!(f->cond_mask & (1u << field)))
		return 1;
	return acl_match(p, field, &f->conds[field], ids, n) ? 1 : 0;
}

int xfp_identity_filter_eval(const struct xfp_policy *p, unsigned filter_idx,
			     const struct xfp_identity *ids, unsigned n)
{
	int a = xfp_identity_cond_eval(p, filter_idx,
				       XFP_FIELD_REMOTE_MACHINE_ID, ids, n);
	int b = xfp_identity_cond_eval(p, filter_idx, XFP_FIELD_REMOTE_USER_ID,
				       ids, n);

	if (a < 0 || b < 0)
		return -EINVAL;
	return a && b;
}

/* One field: true if any value matches; false if the packet lacks it. */
static bool field_match(const struct xfp_policy *p, enum xfp_field fld,
			const struct xfp_cond *c, const struct eff_pkt *e)
{
	const struct xfp_pkt *pkt = e->pkt;
	bool have = true;
	uint64_t x = 0;

	switch (fld) {
	case XFP_FIELD_LOCAL_ADDR:
	case XFP_FIELD_REMOTE_ADDR:
		for (unsigned i = 0; i < c->n; i++)
			if (val_addr_match(&c->v[i], pkt->family,
					   fld == XFP_FIELD_LOCAL_ADDR ?
						   &pkt->local :
						   &pkt->remote))
				return true;
		return false;
	case XFP_FIELD_INTERFACE:
		for (unsigned i = 0; i < c->n; i++)
			if (val_iface_match(&c->v[i], pkt))
				return true;
		return false;
	case XFP_FIELD_REMOTE_MACHINE_ID:
	case XFP_FIELD_REMOTE_USER_ID:
		return acl_match(p, fld, c, e->ids, e->n_ids);
	case XFP_FIELD_LOCAL_PORT:
		have = pkt->has & XFP_PKT_HAS_PORTS;
		x = pkt->local_port;
		break;
	case XFP_FIELD_REMOTE_PORT:
		have = pkt->has & XFP_PKT_HAS_PORTS;
		x = pkt->remote_port;
		break;
	case XFP_FIELD_PROTOCOL:
		x = pkt->protocol;
		break;
	case XFP_FIELD_ICMP_TYPE:
		have = pkt->has & XFP_PKT_HAS_ICMP;
		x = pkt->icmp_type;
		break;
	case XFP_FIELD_ICMP_CODE:
		have = pkt->has & XFP_PKT_HAS_ICMP;
		x = pkt->icmp_code;
		break;
	case XFP_FIELD_LOCAL_ADDR_TYPE:
		have = pkt->local_addr_type != 0;
		x = pkt->local_addr_type;
		break;
	case XFP_FIELD_IPSEC_FLAGS:
		x = e->flags;
		break;
	default:
		return false;
	}
	if (!have)
		return false;
	for (unsigned i = 0; i < c->n; i++)
		if (val_num_match(&c->v[i], x))
			return true;
	return false;
}

static void effective(const struct xfp_policy *p, const struct xfp_pkt *pkt,
		      struct eff_pkt *e)
{
	const struct xfp_sa *sa = NULL;

	e->pkt = pkt;
	e->flags = pkt->ipsec_flags;
	e->ids = e->own;
	e->n_ids = 0;
	if (pkt->sa >= 0 && (unsigned)pkt->sa < p->n_sas) {
		sa = &p->sas[pkt->sa];
		e->flags |= XFP_COND_FLAG_SECURED;
		if (xfp_alg_encrypts(sa->alg))
			e->flags |= XFP_COND_FLAG_ENCRYPTED;
		else
			e->flags &= ~(uint32_t)XFP_COND_FLAG_ENCRYPTED;
	}
	if (pkt->n_ids) {
		e->ids = pkt->ids;
		e->n_ids = pkt->n_ids;
		return;
	}
	/* The packet's names, then the SA's identities of the kinds the
	 * packet did not name.  A name the policy does not know is -1. */
	if (pkt->remote_machine) {
		e->own[e->n_ids].user = false;
		e->own[e->n_ids++].principal =
			xfp_policy_find_principal(p, pkt->remote_machine);
	}
	if (pkt->remote_user) {
		e->own[e->n_ids].user = true;
		e->own[e->n_ids++].principal =
			xfp_policy_find_principal(p, pkt->remote_user);
	}
	for (unsigned i = 0; sa && i < sa->n_ids && e->n_ids < EFF_IDS_MAX;
	     i++) {
		if (sa->ids[i].user ? pkt->remote_user != NULL :
				      pkt->remote_machine != NULL)
			continue;
		e->own[e->n_ids++] = sa->ids[i];
	}
}

static bool matches(const struct xfp_policy *p, const struct xfp_filter *f,
		    const struct eff_pkt *e)
{
	if (f->family == XFP_FAMILY_IP && e->pkt->family != 4)
		return false;
	if (f->family == XFP_FAMILY_IP6 && e->pkt->family != 6)
		return false;
	for (int i = 0; i < XFP_FIELD__MAX; i++)
		if ((f->cond_mask & (1u << i)) &&
		    !field_match(p, (enum xfp_field)i, &f->conds[i], e))
			return false;
	return true;
}

bool xfp_filter_matches(const struct xfp_policy *p, const struct xfp_filter *f,
			const struct xfp_pkt *pkt)
{
	struct eff_pkt e;

	effective(p, pkt, &e);
	return matches(p, f, &e);
}

/* What one filter returns for the packet. */
struct result {
	enum xfp_action verdict; /* PERMIT or BLOCK */
	bool hard;
	enum xfp_reason reason;
	bool secure, acquire, clear_ok;
	int sa;
};

static void set(struct result *r, enum xfp_action v, enum xfp_reason why)
{
	r->verdict = v;
	r->reason = why;
}

/* The SA an outbound callout filter can use, or -1. */
static int outbound_sa(const struct xfp_policy *p, const struct xfp_filter *f,
		       const struct xfp_pkt *pkt, bool *mismatch)
{
	*mismatch = false;
	if (pkt->sa >= 0) {
		const struct xfp_sa *sa = &p->sas[pkt->sa];
		bool ok = f->action == XFP_ACTION_OUTBOUND_TUNNEL ?
				  sa->tunnel && sa->qm_policy == f->ctx :
				  !sa->tunnel && sa->filter_id == f->id;

		if (!ok)
			*mismatch = true;
		return ok ? pkt->sa : -1;
	}
	if (f->action == XFP_ACTION_OUTBOUND_TRANSPORT)
		return f->sa;
	for (unsigned i = 0; i < p->n_sas; i++)
		if (p->sas[i].tunnel && p->sas[i].qm_policy == f->ctx)
			return (int)i;
	return -1;
}

/* Inbound: may the SA the packet came over carry this filter's traffic? */
static bool inbound_sa_ok(const struct xfp_policy *p,
			  const struct xfp_filter *f, int sa_idx)
{
	const struct xfp_sa *sa;

	if (sa_idx < 0)
		return true; /* negotiated SA: the keying module checked it */
	sa = &p->sas[sa_idx];
	if (f->action == XFP_ACTION_INBOUND_TUNNEL)
		return sa->tunnel && sa->qm_policy == f->ctx;
	if (sa->tunnel)
		return false;
	if (sa->has & XFP_SA_HAS_INBOUND_FILTER)
		return sa->inbound_filter_id == f->id;
	return true;
}

static void run_filter(const struct xfp_policy *p, const struct xfp_filter *f,
		       const struct eff_pkt *e, struct result *r)
{
	const struct xfp_pkt *pkt = e->pkt;
	bool secured = e->flags & XFP_COND_FLAG_SECURED;
	bool encrypted = e->flags & XFP_COND_FLAG_ENCRYPTED;
	bool was_secured = pkt->has & XFP_PKT_FLOW_WAS_SECURED;
	bool nd_expired = pkt->has & XFP_PKT_ND_CLEAR_EXPIRED;
	bool need_enc = f->ctx_flags & XFP_CTX_REQUIRE_ENCRYPTION;
	bool mismatch;
	int sa;

	memset(r, 0, sizeof(*r));
	r->sa = -1;
	switch (f->action) {
	case XFP_ACTION_PERMIT:
		set(r, XFP_ACTION_PERMIT,
		    f->layer == XFP_LAYER_IPSEC ||
				    f->layer == XFP_LAYER_IKEEXT ?
			    XFP_REASON_POLICY :
			    XFP_REASON_FILTER);
		break;
	case XFP_ACTION_BLOCK:
		set(r, XFP_ACTION_BLOCK, XFP_REASON_FILTER);
		r->hard = true; /* a filter's block is hard by default */
		break;
	case XFP_ACTION_INBOUND_TRANSPORT:
	case XFP_ACTION_INBOUND_TUNNEL:
		if (secured) {
			if (inbound_sa_ok(p, f, pkt->sa)) {
				set(r, XFP_ACTION_PERMIT, XFP_REASON_SECURED);
				r->sa = pkt->sa;
			} else {
				set(r, XFP_ACTION_BLOCK,
				    XFP_REASON_SA_MISMATCH);
			}
		} else if (f->action == XFP_ACTION_INBOUND_TRANSPORT &&
			   (f->ctx_flags & XFP_CTX_PERSIST_CONN_SECURITY)) {
			if (was_secured)
				set(r, XFP_ACTION_BLOCK, XFP_REASON_DOWNGRADE);
			else if (nd_expired)
				set(r, XFP_ACTION_BLOCK, XFP_REASON_ND_TIMEOUT);
			else
				set(r, XFP_ACTION_PERMIT, XFP_REASON_ND_CLEAR);
		} else {
			set(r, XFP_ACTION_BLOCK, XFP_REASON_CLEAR_TEXT);
		}
		break;
	case XFP_ACTION_OUTBOUND_TRANSPORT:
	case XFP_ACTION_OUTBOUND_TUNNEL:
		sa = outbound_sa(p, f, pkt, &mismatch);
		if (mismatch) {
			set(r, XFP_ACTION_BLOCK, XFP_REASON_SA_MISMATCH);
		} else if (sa >= 0 || secured) {
			set(r, XFP_ACTION_PERMIT, XFP_REASON_SECURE);
			r->secure = true;
			r->sa = sa;
		} else if (f->ctx_flags & XFP_CTX_NEGOTIATE_DISCOVER) {
			r->acquire = true;
			if (was_secured) {
				set(r, XFP_ACTION_BLOCK, XFP_REASON_DOWNGRADE);
			} else {
				set(r, XFP_ACTION_PERMIT, XFP_REASON_ND_CLEAR);
				r->clear_ok = true;
			}
		} else {
			r->acquire = true;
			set(r, XFP_ACTION_BLOCK, XFP_REASON_NO_SA);
		}
		break;
	case XFP_ACTION_INBOUND_INITIATE_SECURE:
	case XFP_ACTION_ALE_CONNECT:
		if (!secured) {
			if (f->action == XFP_ACTION_ALE_CONNECT) {
				r->acquire = true;
				set(r, XFP_ACTION_BLOCK, XFP_REASON_NO_SA);
			} else {
				set(r, XFP_ACTION_BLOCK, XFP_REASON_CLEAR_TEXT);
			}
		} else if (need_enc && !encrypted) {
			set(r, XFP_ACTION_BLOCK, XFP_REASON_NOT_ENCRYPTED);
		} else {
			set(r, XFP_ACTION_PERMIT, XFP_REASON_SECURED);
			r->sa = pkt->sa;
		}
		break;
	case XFP_ACTION_INBOUND_TUNNEL_ALE_ACCEPT:
		if (secured)
			set(r, XFP_ACTION_PERMIT, XFP_REASON_SECURED);
		else
			set(r, XFP_ACTION_BLOCK, XFP_REASON_CLEAR_TEXT);
		break;
	default:
		set(r, XFP_ACTION_BLOCK, XFP_REASON_FILTER);
		r->hard = true;
		break;
	}
	/* Callout verdicts are soft unless the filter clears the right. */
	if (f->flags & XFP_FILTER_CLEAR_ACTION_RIGHT)
		r->hard = true;
}

static bool is_callout(enum xfp_action a)
{
	return a != XFP_ACTION_PERMIT && a != XFP_ACTION_BLOCK;
}

static enum xfp_drop_reason drop_reason(enum xfp_layer l, enum xfp_reason r)
{
	bool ale = l == XFP_LAYER_ALE_AUTH_RECV_ACCEPT ||
		   l == XFP_LAYER_ALE_AUTH_CONNECT;

	switch (r) {
	case XFP_REASON_NO_SA:
		return XFP_DROP_NO_SA;
	case XFP_REASON_CLEAR_TEXT:
	case XFP_REASON_ND_TIMEOUT:
		return ale ? XFP_DROP_ALE_BLOCK : XFP_DROP_CLEAR_TEXT;
	case XFP_REASON_DOWNGRADE:
		return XFP_DROP_FLOW_DOWNGRADE;
	default:
		return ale ? XFP_DROP_ALE_BLOCK : XFP_DROP_FILTER_BLOCK;
	}
}

int xfp_ref_classify(const struct xfp_policy *p, enum xfp_layer layer,
		     const struct xfp_pkt *pkt, struct xfp_decision *out)
{
	int order[XFP_SUBLAYERS_MAX];
	unsigned n = 0;
	struct eff_pkt e;
	bool have = false;
	struct result win = { 0 };
	const struct xfp_filter *wf = NULL;

	if (!p || !pkt || !out || (unsigned)layer >= XFP_LAYER__MAX ||
	    (pkt->family != 4 && pkt->family != 6) ||
	    (pkt->sa >= 0 && (unsigned)pkt->sa >= p->n_sas) || pkt->sa < -1 ||
	    !p->finalized || !ids_valid(p, pkt->ids, pkt->n_ids))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->layer = layer;
	out->filter = out->sublayer = out->ctx = out->sa = -1;
	effective(p, pkt, &e);

	/* Sublayers by weight, highest first; equal weights by definition. */
	for (unsigned i = 0; i < p->n_sublayers; i++) {
		unsigned j = n++;

		while (j > 0 && p->sublayers[order[j - 1]].weight <
					p->sublayers[i].weight) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (int)i;
	}

	for (unsigned k = 0; k < n; k++) {
		struct xfp_sublayer_verdict *sv = &out->sub[k];
		struct result r = { 0 }, first = { 0 };
		const struct xfp_filter *df = NULL;

		sv->sublayer = order[k];
		sv->filter = -1;
		sv->reason = XFP_REASON_NO_MATCH;
		for (unsigned i = 0; i < p->n_filters; i++) {
			const struct xfp_filter *f = &p->filters[i];

			if (f->layer != layer || f->sublayer != order[k] ||
			    !matches(p, f, &e))
				continue;
			sv->n_matched++;
			if (df)
				continue; /* decided; only counting */
			run_filter(p, f, &e, &r);
			/* Every action we have returns permit or block, so
			 * the first matching filter decides the sublayer. */
			df = f;
			first = r;
			sv->decided = true;
			sv->filter = (int)i;
			sv->filter_id = f->id;
			sv->verdict = r.verdict;
			sv->hard = r.hard;
			sv->reason = r.reason;
		}
		out->n_sublayers = k + 1;
		if (!df)
			continue;

		/* Merge into the layer's verdict. */
		if (!have) {
			have = true;
			win = first;
			wf = df;
			out->sublayer = order[k];
			continue;
		}
		if (win.verdict == XFP_ACTION_BLOCK && win.hard)
			continue; /* hard block is final */
		if (win.verdict == XFP_ACTION_PERMIT && win.hard) {
			if (first.verdict == XFP_ACTION_BLOCK &&
			    is_callout(df->action)) {
				win = first;
				win.hard = true;
				wf = df;
				out->sublayer = order[k];
				out->veto = true;
			}
			continue;
		}
		if (first.verdict == XFP_ACTION_BLOCK) {
			/* block beats a soft permit; a soft block stays the
			 * decider unless this block is hard */
			if (win.verdict == XFP_ACTION_PERMIT || first.hard) {
				win = first;
				wf = df;
				out->sublayer = order[k];
			}
		} else if (win.verdict == XFP_ACTION_BLOCK || first.hard) {
			/* a permit lifts a soft block; a hard permit
			 * replaces a soft one */
			win = first;
			wf = df;
			out->sublayer = order[k];
		}
	}

	if (!have) {
		out->action = XFP_ACTION_PERMIT;
		out->reason = XFP_REASON_NO_MATCH;
		out->drop_reason = XFP_DROP_NONE;
		return 0;
	}
	out->matched = true;
	out->action = win.verdict;
	out->hard = win.hard;
	out->reason = win.reason;
	out->filter = (int)(wf - p->filters);
	out->filter_id = wf->id;
	out->drop_reason = win.verdict == XFP_ACTION_BLOCK ?
				   drop_reason(layer, win.reason) :
				   XFP_DROP_NONE;
	out->secure = win.secure && win.verdict == XFP_ACTION_PERMIT;
	out->acquire = win.acquire;
	out->clear_ok = win.clear_ok && win.verdict == XFP_ACTION_PERMIT;
	out->ctx_flags = wf->ctx_flags;
	out->ctx_kind = wf->ctx_kind;
	out->ctx = (wf->has & XFP_FILTER_HAS_POLICY) ? wf->ctx : -1;
	out->sa = win.sa;
	return 0;
}

uint32_t xfp_nd_clear_timeout(const struct xfp_policy *p,
			      const struct xfp_pkt *pkt)
{
	struct xfp_decision *d = calloc(1, sizeof(*d));
	uint32_t t = 0;

	if (!d)
		return 0;
	if (!xfp_ref_classify(p, XFP_LAYER_IPSEC, pkt, d) && d->matched &&
	    d->action == XFP_ACTION_PERMIT && d->ctx_kind == XFP_CTX_QM &&
	    d->ctx >= 0 && (unsigned)d->ctx < p->n_qm) {
		const struct xfp_qm_policy *q = &p->qm[d->ctx];

		if (q->has & XFP_QM_HAS_ND_TIMEOUT)
			t = q->nd_allow_clear_timeout;
	}
	free(d);
	return t;
}
