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
#include <string.h>

#include "policy/alg.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

/* The packet with what an SA implies filled in. */
struct eff_pkt {
	const struct xfp_pkt *pkt;
	uint32_t flags; /* XFP_COND_FLAG_* */
	const char *machine, *user;
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

static bool val_principal_match(const struct xfp_policy *p,
				const struct xfp_cond_val *v, const char *name)
{
	bool eq = v->lo < p->n_principals &&
		  strcmp(p->principals[v->lo], name) == 0;

	return v->match == XFP_MATCH_NOT_EQUAL ? !eq : eq;
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
	case XFP_FIELD_REMOTE_USER_ID: {
		const char *name = fld == XFP_FIELD_REMOTE_MACHINE_ID ?
					   e->machine :
					   e->user;

		if (!name)
			return false;
		for (unsigned i = 0; i < c->n; i++)
			if (val_principal_match(p, &c->v[i], name))
				return true;
		return false;
	}
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
	e->pkt = pkt;
	e->flags = pkt->ipsec_flags;
	e->machine = pkt->remote_machine;
	e->user = pkt->remote_user;
	if (pkt->sa >= 0 && (unsigned)pkt->sa < p->n_sas) {
		const struct xfp_sa *sa = &p->sas[pkt->sa];
		e->flags |= XFP_COND_FLAG_SECURED;
		if (xfp_alg_encrypts(sa->alg))
			e->flags |= XFP_COND_FLAG_ENCRYPTED;
		else
			e->flags &= ~(uint32_t)XFP_COND_FLAG_ENCRYPTED;
		for (unsigned i = 0; i < sa->n_ids; i++) {
			const char *n = p->principals[sa->ids[i].principal];

			if (sa->ids[i].user && !e->user)
				e->user = n;
			if (!sa->ids[i].user && !e->machine)
				e->machine = n;
		}
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
	    !p->finalized)
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
