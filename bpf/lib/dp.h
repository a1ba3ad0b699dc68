/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dp.h - policy enforcement shared by the XDP ingress and TC egress
 * programs: IPsec SPI check, flow cache, and the decision-tree walk of the
 * compiled policy (bpf/xfp_abi.h "datapath classification",
 * docs/datapath.md).
 *
 * Everything here works on a parsed packet (struct xfp_parsed), never on a
 * program context, and returns a verdict plus a drop reason; the entry
 * programs count both at their single exit point.
 */
#ifndef XFP_BPF_DP_H
#define XFP_BPF_DP_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/ctx.h"
#include "bpf/lib/flow.h"
#include "bpf/lib/maps.h"
#include "bpf/lib/parse.h"
#include "bpf/lib/xsk.h"

/*
 * Open-coded numeric iterator (kernel 6.4+ kfuncs).  The verifier checks
 * a bpf_for() body until its state converges instead of once per
 * iteration as it does for a bounded loop: the tree walk (up to 48
 * levels, each a hash probe or a bucket) would otherwise cost hundreds
 * of thousands of verifier steps per call site.  The UAPI headers of the
 * build machine may predate the type, so it is declared here.
 */
struct bpf_iter_num {
	__u64 __opaque[1];
} __attribute__((aligned(8)));
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start,
			    int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

#define xfp_for(i, start, end)                                           \
	for (struct bpf_iter_num ___it                                   \
	     __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___p __attribute__((unused)) =                             \
		     (bpf_iter_num_new(&___it, (start), (end)),          \
		      (void)bpf_iter_num_destroy, (void *)0);            \
	     ({                                                          \
		     int *___t = bpf_iter_num_next(&___it);              \
		     (___t && ((i) = *___t, 1));                         \
	     });)

#define XFP_DIR_IN 0
#define XFP_DIR_OUT 1

/* Set by the loader before load; 0 in attached programs. */
const volatile __u32 xfp_cfg = 0;
/* Idle timeout of connectionless ALE flows (`xfp attach --idle-timeout`). */
const volatile __u64 xfp_conn_idle_ns = XFP_CONN_IDLE_DEFAULT_S * 1000000000ull;
/* Flow cache slots less one (`xfp attach --flow-cache SLOTS` sizes
 * xfp_flows to SLOTS and sets this to SLOTS - 1). */
const volatile __u32 xfp_flow_mask = XFP_FLOWS_DEFAULT - 1;

#define xfp_key xfp_dp_key

static __always_inline void xfp_addr_key(const struct xfp_parsed *p,
					 const __u32 *a, __u64 *hi, __u64 *lo)
{
	if (p->family == 4) {
		*hi = 0;
		*lo = bpf_ntohl(a[0]);
	} else {
		*hi = ((__u64)bpf_ntohl(a[0]) << 32) | bpf_ntohl(a[1]);
		*lo = ((__u64)bpf_ntohl(a[2]) << 32) | bpf_ntohl(a[3]);
	}
}

static __always_inline void xfp_key_build(const struct xfp_parsed *p, __u8 dir,
					  struct xfp_key *k)
{
	const __u32 *local = dir == XFP_DIR_IN ? p->daddr : p->saddr;
	const __u32 *remote = dir == XFP_DIR_IN ? p->saddr : p->daddr;
	__be16 lport = dir == XFP_DIR_IN ? p->dport : p->sport;
	__be16 rport = dir == XFP_DIR_IN ? p->sport : p->dport;
	bool later = p->flags & XFP_PKT_F_LATER_FRAG;
	bool ports = !later && (p->l4_proto == IPPROTO_TCP ||
				p->l4_proto == IPPROTO_UDP ||
				p->l4_proto == IPPROTO_SCTP ||
				p->l4_proto == 136 /* UDP-Lite */);
	bool icmp = !later && (p->l4_proto == IPPROTO_ICMP ||
			       p->l4_proto == IPPROTO_ICMPV6);
	__u64 lhi, llo, atype;

	xfp_addr_key(p, local, &lhi, &llo);
	k->v[XFP_DIM_LADDR * 2] = lhi;
	k->v[XFP_DIM_LADDR * 2 + 1] = llo;
	xfp_addr_key(p, remote, &k->v[XFP_DIM_RADDR * 2],
		     &k->v[XFP_DIM_RADDR * 2 + 1]);
	k->v[XFP_DIM_LPORT * 2] = 0;
	k->v[XFP_DIM_LPORT * 2 + 1] = ports ? bpf_ntohs(lport) :
					      XFP_DIM_ABSENT_PORT;
	k->v[XFP_DIM_RPORT * 2] = 0;
	k->v[XFP_DIM_RPORT * 2 + 1] = ports ? bpf_ntohs(rport) :
					      XFP_DIM_ABSENT_PORT;
	k->v[XFP_DIM_PROTO * 2] = 0;
	k->v[XFP_DIM_PROTO * 2 + 1] = p->l4_proto;
	k->v[XFP_DIM_ITYPE * 2] = 0;
	k->v[XFP_DIM_ITYPE * 2 + 1] = icmp ? p->icmp_type : XFP_DIM_ABSENT_ICMP;
	k->v[XFP_DIM_ICODE * 2] = 0;
	k->v[XFP_DIM_ICODE * 2 + 1] = icmp ? p->icmp_code : XFP_DIM_ABSENT_ICMP;
	/* Local address type as policy/compile.c dp_local_addr_type(). */
	if (p->family == 4)
		atype = (llo >> 28) == 0xe   ? XFP_DP_ATYPE_MULTICAST :
			llo == 0xffffffffull ? XFP_DP_ATYPE_BROADCAST :
					       XFP_DP_ATYPE_UNICAST;
	else
		atype = (lhi >> 56) == 0xff ? XFP_DP_ATYPE_MULTICAST :
					      XFP_DP_ATYPE_UNICAST;
	k->v[XFP_DIM_ATYPE * 2] = 0;
	k->v[XFP_DIM_ATYPE * 2 + 1] = atype;
	k->kind = ports ? XFP_KIND_PORTS :
		  icmp	? XFP_KIND_ICMP :
			  XFP_KIND_OTHER;
}

static __always_inline bool xfp_in128(__u64 khi, __u64 klo,
				      const struct xfp_dp_box_a *a)
{
	if (khi < a->lo_hi || (khi == a->lo_hi && klo < a->lo_lo))
		return false;
	if (khi > a->hi_hi || (khi == a->hi_hi && klo > a->hi_lo))
		return false;
	return true;
}

/*
 * A bucket: its boxes in evaluation order; the first matching box of a
 * sublayer decides that sublayer, and the sublayers are merged as WFP
 * does (policy/classify.c; mirrored in policy/compile.c merge_box()).
 */
static __noinline int xfp_bucket(void *tab, __u32 box_base,
				 struct xfp_dp_node *n, const struct xfp_key *k,
				 struct xfp_res *res)
{
	__u32 cnt = n->dim, list = n->left;
	__u8 m_have = 0, m_flags = 0, m_reason = 0;
	__u32 m_nd = 0;
	__u64 m_fid = 0;
	int decided = -1;
	__u32 i;

	xfp_for(i, 0, XFP_DP_BUCKET_MAX)
	{
		struct xfp_dp_box_a *a, *b;
		struct xfp_dp_box_c *c;
		struct xfp_dp_box_d *d;
		__u32 li = list + i / 8, idx, *lr;
		bool take, wb, wh, rb;

		if (i >= cnt)
			break;
		lr = bpf_map_lookup_elem(tab, &li);
		if (!lr)
			return XFP_DROP_INTERNAL;
		idx = box_base + 4 * lr[i & 7];
		a = bpf_map_lookup_elem(tab, &idx);
		idx++;
		b = bpf_map_lookup_elem(tab, &idx);
		idx++;
		c = bpf_map_lookup_elem(tab, &idx);
		idx++;
		d = bpf_map_lookup_elem(tab, &idx);
		if (!a || !b || !c || !d)
			return XFP_DROP_INTERNAL;
		if (d->slpos == decided)
			continue; /* its sublayer is decided */
		if (!xfp_in128(k->v[0], k->v[1], a) ||
		    !xfp_in128(k->v[2], k->v[3], b) || k->v[5] < c->lport_lo ||
		    k->v[5] > c->lport_hi || k->v[7] < c->rport_lo ||
		    k->v[7] > c->rport_hi || k->v[9] < c->proto_lo ||
		    k->v[9] > c->proto_hi || k->v[11] < c->itype_lo ||
		    k->v[11] > c->itype_hi || k->v[13] < d->icode_lo ||
		    k->v[13] > d->icode_hi || k->v[15] < d->atype_lo ||
		    k->v[15] > d->atype_hi)
			continue;
		decided = d->slpos;
		wb = m_flags & XFP_BOX_F_BLOCK;
		wh = m_flags & XFP_BOX_F_HARD;
		rb = d->flags & XFP_BOX_F_BLOCK;
		if (!m_have)
			take = true;
		else if (wb && wh)
			take = false;
		else if (!wb && wh)
			take = rb && (d->flags & XFP_BOX_F_CALLOUT);
		else if (rb)
			take = !wb || (d->flags & XFP_BOX_F_HARD);
		else
			take = wb || (d->flags & XFP_BOX_F_HARD);
		if (!take)
			continue;
		m_flags = (m_have && !wb && wh) ? d->flags | XFP_BOX_F_HARD :
						  d->flags;
		m_have = 1;
		m_reason = d->drop_reason;
		m_fid = d->filter_id;
		m_nd = d->nd_timeout;
	}
	res->filter_id = m_fid;
	res->bucket = 1;
	res->flags = 0;
	res->nd_timeout = 0;
	if (m_have && (m_flags & XFP_BOX_F_ACQUIRE))
		res->flags |= XFP_DEC_F_ACQUIRE;
	if (m_have && !(m_flags & XFP_BOX_F_BLOCK)) {
		if (m_flags & XFP_BOX_F_SECURE)
			res->flags |= XFP_DEC_F_SECURE;
		if (m_flags & XFP_BOX_F_CLEAR_OK)
			res->flags |= XFP_DEC_F_CLEAR_OK;
		if (m_flags & XFP_BOX_F_ND_IN) {
			res->flags |= XFP_DEC_F_ND_IN;
			res->nd_timeout = m_nd;
		}
	}
	if (!m_have) {
		res->verdict = XFP_VERDICT_PASS;
		res->reason = XFP_DROP_NONE;
	} else if (m_flags & XFP_BOX_F_BLOCK) {
		res->verdict = XFP_VERDICT_DROP;
		res->reason = m_reason ? m_reason : XFP_DROP_FILTER_BLOCK;
	} else if ((m_flags & XFP_BOX_F_SECURE) &&
		   !(m_flags & XFP_BOX_F_CLEAR_OK)) {
		res->verdict = XFP_VERDICT_DROP;
		res->reason = XFP_DROP_NO_WORKER;
	} else {
		res->verdict = XFP_VERDICT_PASS;
		res->reason = XFP_DROP_NONE;
	}
	return XFP_DROP_NONE;
}

/*
 * Walk one tree from `root` to its leaf or bucket.  The compiler
 * guarantees depth < XFP_DP_DEPTH_MAX; a table that breaks that (or any
 * malformed record) is an internal error: fail closed.
 */
static __noinline int xfp_walk(void *tab, __u32 root, __u32 box_base,
			       const struct xfp_key *k, struct xfp_res *res)
{
	__u32 idx = root;
	int i;

	xfp_for(i, 0, XFP_DP_DEPTH_MAX)
	{
		struct xfp_dp_node *n = bpf_map_lookup_elem(tab, &idx);
		struct xfp_dp_decision *dec;
		__u32 d;
		__u64 khi, klo;

		if (!n)
			return XFP_DROP_INTERNAL;
		if (n->kind == XFP_REC_LEAF) {
			idx = n->right;
			dec = bpf_map_lookup_elem(tab, &idx);
			if (!dec || dec->kind != XFP_REC_DECISION)
				return XFP_DROP_INTERNAL;
			res->dec = idx;
			res->verdict = dec->verdict;
			res->reason = dec->reason;
			res->filter_id = dec->filter_id;
			res->bucket = 0;
			res->flags = dec->flags;
			res->nd_timeout = dec->nd_timeout;
			return XFP_DROP_NONE;
		}
		if (n->kind == XFP_REC_BUCKET) {
			res->dec = idx;
			return xfp_bucket(tab, box_base, n, k, res);
		}
		d = n->dim & (XFP_DIM__MAX - 1);
		khi = k->v[d * 2];
		klo = k->v[d * 2 + 1];
		if (n->kind == XFP_REC_HASH) {
			__u64 h = xfp_dp_hash(khi, klo);
			__u32 next = n->right, base = n->left, mask = n->pad2;
			int j;

			for (j = 0; j < XFP_DP_HASH_PROBES; j++) {
				__u32 si = base + (__u32)((h + j) & mask);
				struct xfp_dp_slot *s =
					bpf_map_lookup_elem(tab, &si);

				if (!s)
					return XFP_DROP_INTERNAL;
				if (!s->used)
					break;
				if (s->key_hi == khi && s->key_lo == klo) {
					next = s->child;
					break;
				}
			}
			idx = next;
			continue;
		}
		if (khi > n->thr_hi || (khi == n->thr_hi && klo >= n->thr_lo))
			idx = n->right;
		else
			idx = n->left;
	}
	return XFP_DROP_INTERNAL;
}

/* Record holding the roots of protection context `ctx` for root slot
 * `slot` (0: the context is not in the table).  A subprogram: its caller
 * continues with one unknown index instead of a branch per case, which
 * keeps the verifier's state count down. */
static __noinline __u32 xfp_root_rec(const struct xfp_dp_header *h, __u32 ctx,
				     __u32 slot)
{
	if (!ctx)
		return 1 + slot / 8;
	/* a context the committed policy does not have (an SA of an
	 * older policy): nothing to judge it by, fail closed */
	if (ctx >= h->n_ctx || ctx >= XFP_CTX_MAX)
		return 0;
	return h->spi_base - XFP_DP_CTX_RECS * (h->n_ctx - ctx) + slot / 8;
}

/* Root of a tree of protection context `ctx` (0: clear text, the
 * header's roots; others: the context records before the SPIs). */
static __always_inline int xfp_root(void *tab, const struct xfp_dp_header *h,
				    __u32 ctx, __u32 layer, __u8 family,
				    __u32 kind, __u32 *root)
{
	__u32 slot = XFP_DP_ROOT(layer, family == 6, kind);
	__u32 idx = xfp_root_rec(h, ctx, slot);
	struct xfp_dp_roots *r;

	if (!idx)
		return XFP_DROP_NO_POLICY;
	r = bpf_map_lookup_elem(tab, &idx);
	if (!r)
		return XFP_DROP_INTERNAL;
	*root = r->root[slot & 7];
	return XFP_DROP_NONE;
}

/* Is this SPI one of the policy's inbound SAs? (binary search) */
static __always_inline bool
xfp_spi_known(void *tab, const struct xfp_dp_header *h, __u32 spi)
{
	__u32 lo = 0, hi = h->n_spi, base = h->spi_base;
	int i;

	for (i = 0; i < XFP_DP_SPI_STEPS; i++) {
		__u32 mid, idx;
		struct xfp_dp_spi *s;

		if (lo >= hi)
			break;
		mid = lo + (hi - lo) / 2;
		idx = base + mid;
		s = bpf_map_lookup_elem(tab, &idx);
		if (!s)
			break;
		if (s->spi == spi)
			return true;
		if (s->spi < spi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static __always_inline bool xfp_icmp_error(const struct xfp_parsed *p)
{
	if (p->l4_proto == IPPROTO_ICMP)
		return p->icmp_type == 3 || p->icmp_type == 4 ||
		       p->icmp_type == 5 || p->icmp_type == 11 ||
		       p->icmp_type == 12;
	if (p->l4_proto == IPPROTO_ICMPV6)
		return p->icmp_type >= 1 && p->icmp_type <= 4;
	return false;
}

static __always_inline void xfp_flow_key_of(const struct xfp_parsed *p,
					    __u8 dir, __u64 gen,
					    struct xfp_flow_key *fk)
{
	fk->generation = (__u32)gen;
	fk->dir = dir;
	fk->family = p->family;
	fk->proto = p->l4_proto;
	fk->pad = 0;
	__builtin_memcpy(fk->saddr, p->saddr, sizeof(fk->saddr));
	__builtin_memcpy(fk->daddr, p->daddr, sizeof(fk->daddr));
	if (p->l4_proto == IPPROTO_ICMP || p->l4_proto == IPPROTO_ICMPV6) {
		fk->sport =
			bpf_htons(((__u16)p->icmp_type << 8) | p->icmp_code);
		fk->dport = 0;
	} else {
		fk->sport = p->sport;
		fk->dport = p->dport;
	}
}

/* Slot of a flow key in this device's flow cache. */
static __always_inline __u32 xfp_flow_hash(const struct xfp_flow_key *k)
{
	return xfp_flow_mix(k) & xfp_flow_mask;
}

static __always_inline void xfp_trace_put(__u64 gen, __u64 tf, __u64 af,
					  __u32 td, __u32 ad, __u32 verdict,
					  __u32 reason, __u32 flags, __u32 kind,
					  __u32 spi)
{
	__u32 zero = 0;
	struct xfp_trace *t;

	if (!(xfp_cfg & XFP_CFG_TRACE))
		return;
	t = bpf_map_lookup_elem(&xfp_trace, &zero);
	if (!t)
		return;
	t->generation = gen;
	t->seq++;
	t->tfilter = tf;
	t->afilter = af;
	t->tdec = td;
	t->adec = ad;
	t->verdict = verdict;
	t->reason = reason;
	t->flags = flags;
	t->kind = kind;
	t->spi = spi;
}

static __always_inline void xfp_conn_key_of(const struct xfp_parsed *p,
					    __u8 dir, struct xfp_conn_key *ck)
{
	bool ports = p->l4_proto == IPPROTO_TCP || p->l4_proto == IPPROTO_UDP ||
		     p->l4_proto == IPPROTO_SCTP || p->l4_proto == 136;

	ck->family = p->family;
	ck->proto = p->l4_proto;
	ck->pad = 0;
	if (dir == XFP_DIR_IN) {
		__builtin_memcpy(ck->laddr, p->daddr, sizeof(ck->laddr));
		__builtin_memcpy(ck->raddr, p->saddr, sizeof(ck->raddr));
		ck->lport = ports ? p->dport : 0;
		ck->rport = ports ? p->sport : 0;
	} else {
		__builtin_memcpy(ck->laddr, p->saddr, sizeof(ck->laddr));
		__builtin_memcpy(ck->raddr, p->daddr, sizeof(ck->raddr));
		ck->lport = ports ? p->sport : 0;
		ck->rport = ports ? p->dport : 0;
	}
}

/* For a cached connectionless pass: is its ALE connection still there,
 * of this policy and not idle too long?  Refreshes its time. */
static __always_inline bool xfp_conn_alive(const struct xfp_parsed *p, __u8 dir,
					   __u64 gen,
					   struct xfp_conn_scratch *cs)
{
	struct xfp_conn_val *c;
	__u64 now;

	xfp_conn_key_of(p, dir, &cs->key);
	c = bpf_map_lookup_elem(&xfp_conns, &cs->key);
	if (!c || c->generation != (__u32)gen || c->verdict != XFP_VERDICT_PASS)
		return false;
	now = bpf_ktime_get_ns();
	if (now - c->last_ns > xfp_conn_idle_ns)
		return false;
	if (now - c->last_ns > XFP_CONN_REFRESH_NS)
		c->last_ns = now;
	return true;
}

/* ALE at the layer of direction `odir` for the packet whose key is in
 * kp; verdict/reason/decision into *a. */
static __always_inline __u32 xfp_ale(void *tab, struct xfp_dp_header *h,
				     const struct xfp_parsed *p, __u8 odir,
				     __u32 ctx, const struct xfp_key *kp,
				     struct xfp_res *a)
{
	__u32 al = odir == XFP_DIR_IN ? XFP_LAYER_ALE_AUTH_RECV_ACCEPT :
					XFP_LAYER_ALE_AUTH_CONNECT;
	__u32 root, r;

	r = xfp_root(tab, h, ctx, al, p->family, kp->kind, &root);
	if (!r)
		r = xfp_walk(tab, root, h->box_base, kp, a);
	return r;
}

/* ac_flags of the scratch */
#define XFP_AC_OPENER 1
#define XFP_AC_SYN 2
#define XFP_AC_STATEFUL 4
#define XFP_AC_SECURED 8

/*
 * IPsec state of the connection for a transport decision that depends on
 * it (bpf/lib/dp.h callers set ac_dir, ac_flags; the decision is ss->t):
 *
 *  outbound, secure or negotiation discovery: the worker holds an SA for
 *    the peer -> ac_secure (and its context in ac_sctx): the packet leaves
 *    over it, also when ND would have allowed clear (upgrade).  No SA and
 *    ND: clear, unless a packet of the connection already went over an SA
 *    (flow-downgrade); an acquire event for an opener or a downgrade.
 *  inbound clear text that ND permits (persist connection security):
 *    refused once the connection was secured (flow-downgrade), and after
 *    the allowance of the decision counted from the connection's first
 *    packet (clear-text).
 *
 * Returns 0 or a drop reason (policy/README.md "Negotiation discovery,
 * exactly").  A subprogram: its caller sees one result, not its branches.
 */
static __noinline __u32 xfp_ipsec_state(struct xfp_parsed *p,
					struct xfp_conn_scratch *cs)
{
	struct xfp_conn_val *c;
	struct xfp_sa_ref *ref;
	__u8 dir = cs->ac_dir & 1;
	__u32 r = XFP_DROP_NONE;

	cs->ac_secure = 0;
	cs->ac_sctx = 0;
	if (dir == XFP_DIR_OUT) {
		/* the SA of the deciding filter (a manual SA bound to it, a
		 * tunnel SA of its qm-policy), else the peer's */
		ref = bpf_map_lookup_elem(&xfp_filter_sa, &cs->t.filter_id);
		if (!ref || !ref->sa_id)
			ref = xfp_xsk_peer(p, 0);
		if (ref && ref->sa_id) {
			cs->ac_secure = 1;
			cs->ac_sctx = ref->ctx;
			cs->ac_sa = ref->sa_id;
			return XFP_DROP_NONE;
		}
		if (!(cs->t.flags & XFP_DEC_F_CLEAR_OK))
			return XFP_DROP_NONE; /* the decision's own no-sa */
	}
	xfp_conn_key_of(p, dir, &cs->key);
	c = bpf_map_lookup_elem(&xfp_conns, &cs->key);
	if (c && (c->flags & XFP_CONN_F_SECURED))
		r = XFP_DROP_FLOW_DOWNGRADE;
	else if (c && dir == XFP_DIR_IN && cs->t.nd_timeout &&
		 bpf_ktime_get_ns() - c->first_ns >
			 (__u64)cs->t.nd_timeout * 1000000000ull)
		r = XFP_DROP_CLEAR_TEXT;
	if (dir == XFP_DIR_OUT && (r || (cs->ac_flags & XFP_AC_OPENER)))
		xfp_xsk_acquire(p, p->ifindex);
	return r;
}

/*
 * The ALE part of a packet that passed the transport layer, in two
 * subprograms around the ALE walk (which stays in the caller: the stack
 * of nested calls is limited to 512 bytes).  Inputs and outputs travel in
 * the scratch (ac_*); being subprograms keeps the verifier's state count
 * of the callers down.
 *
 * xfp_conn_pre(): the connection entry, if any, refreshed (and marked
 * secured when this packet goes over an SA); whether ALE must be asked
 * (ac_eval) and at which layer (ac_odir: who opened the connection, after
 * a commit).  Returns the verdict when the entry decides without ALE.
 */

static __noinline __u32 xfp_conn_pre(struct xfp_dp_header *h,
				     struct xfp_parsed *p,
				     struct xfp_conn_scratch *cs)
{
	struct xfp_conn_val *c;
	__u8 dir = cs->ac_dir & 1, fl = cs->ac_flags;
	bool opener = fl & XFP_AC_OPENER, syn = fl & XFP_AC_SYN;
	bool secured = fl & XFP_AC_SECURED;
	bool connless = p->l4_proto != IPPROTO_TCP, have = false;
	__u64 now;

	cs->ac_reason = XFP_DROP_NONE;
	cs->ac_tflags = 0;
	cs->ac_odir = dir;
	cs->ac_have = 0;
	cs->ac_eval = opener;
	if (!(fl & XFP_AC_STATEFUL))
		return XFP_VERDICT_PASS;
	/* Is the packet part of a connection ALE already authorized (opened
	 * from either side)?  The entry is copied: no map pointer lives
	 * across the walk. */
	xfp_conn_key_of(p, dir, &cs->key);
	now = bpf_ktime_get_ns();
	cs->ac_now = now;
	c = bpf_map_lookup_elem(&xfp_conns, &cs->key);
	if (c && !(connless && now - c->last_ns > xfp_conn_idle_ns)) {
		have = true;
		cs->val = *c;
		if (now - c->last_ns > XFP_CONN_REFRESH_NS)
			c->last_ns = now;
		/* only ever set: a plain store is enough */
		if (secured && !(c->flags & XFP_CONN_F_SECURED))
			c->flags |= XFP_CONN_F_SECURED;
	}
	if (syn || !have) {
		/* a SYN always opens; without an entry TCP goes on transport
		 * alone, others open */
		cs->ac_eval = syn || (opener && connless);
		return XFP_VERDICT_PASS;
	}
	cs->ac_have = 1;
	if (cs->val.generation != (__u32)h->generation) {
		/* policy changed: authorize again where the connection was
		 * opened */
		cs->ac_eval = 1;
		cs->ac_odir = cs->val.dir & 1;
		cs->ac_tflags |= XFP_TRACE_F_REAUTH;
		return XFP_VERDICT_PASS;
	}
	cs->ac_eval = 0;
	cs->ac_reason = cs->val.reason;
	cs->ac_tflags |= XFP_TRACE_F_CONN;
	return cs->val.verdict;
}

/* After ALE decided (cs->a): create or renew the connection entry. */
static __noinline int xfp_conn_post(struct xfp_dp_header *h,
				    struct xfp_conn_scratch *cs)
{
	bool have = cs->ac_have;

	cs->ac_reason = cs->a.reason;
	cs->ac_tflags |= XFP_TRACE_F_ALE;
	if (!(cs->ac_flags & XFP_AC_STATEFUL) ||
	    (!have && cs->a.verdict != XFP_VERDICT_PASS))
		return 0;
	if (!have) {
		cs->val.last_ns = cs->ac_now;
		cs->val.first_ns = cs->ac_now;
		cs->val.dir = cs->ac_dir & 1;
		cs->val.flags = 0;
	}
	if (cs->ac_flags & XFP_AC_SECURED)
		cs->val.flags |= XFP_CONN_F_SECURED;
	cs->val.generation = (__u32)h->generation;
	cs->val.verdict = cs->a.verdict;
	cs->val.reason = cs->a.reason;
	bpf_map_update_elem(&xfp_conns, &cs->key, &cs->val, BPF_ANY);
	cs->ac_tflags |= XFP_TRACE_F_CONN;
	return 0;
}

/*
 * The policy decision for one parsed packet in direction `dir`, in
 * protection context `ctx` (XFP_CTX_CLEAR on the NIC; the SA's context
 * for a packet the worker decrypted).  Returns XFP_VERDICT_PASS or
 * XFP_VERDICT_DROP and sets *reason for a drop.
 *
 *  ingress: IPsec (ESP, AH, ESP in UDP 4500) -> SPI check: an SPI the
 *           worker holds (xfp_spi_in) returns XFP_VERDICT_REDIRECT (the
 *           caller hands the packet to the worker's socket); an SPI only
 *           the policy names is no-worker; any other SPI is no-sa.
 *  egress:  a "secure" decision comes back as drop/no-worker (an SA for
 *           the peer exists, or the policy names one) or drop/no-sa; the
 *           TC program turns it into the hand-off (xfp_tc.bpf.c).  With
 *           negotiation discovery a packet goes out clear only while no
 *           SA exists and the connection was never secured.
 *  both:    flow cache hit -> cached verdict.  Otherwise the transport
 *           layer (inbound/outbound-transport); if that passes and the
 *           packet opens a connection, the ALE layer (recv-accept/
 *           connect) decides, in the context of the SA the connection
 *           uses.  The result is cached for the flow, except where it
 *           depends on the connection's IPsec state (ND).
 */
static __always_inline __u32 xfp_dp_packet(struct xfp_parsed *p, __u8 dir,
					   __u32 ctx, __u32 *reason)
{
	__u32 zero = 0, tl, root, tdec = 0, adec = 0, tflags = 0, actx = ctx;
	struct xfp_res *t, *a;
	struct xfp_dp_header *h;
	struct xfp_conn_scratch *ss;
	struct xfp_flow_slot *slot = NULL;
	struct xfp_flow_val *cv;
	struct xfp_key *kp;
	__u64 tf = 0, af = 0;
	bool cache, stateful, opener, syn = false, secure_out = false;
	void *tab;
	__u32 verdict, r;

	if (!p->family) { /* not IP: not ours to judge */
		xfp_trace_put(0, 0, 0, 0, 0, XFP_VERDICT_PASS, 0,
			      XFP_TRACE_F_NON_IP, 0, 0);
		return XFP_VERDICT_PASS;
	}
	tab = bpf_map_lookup_elem(&xfp_policy, &zero);
	if (!tab) {
		*reason = XFP_DROP_NO_POLICY;
		return XFP_VERDICT_DROP;
	}
	h = bpf_map_lookup_elem(tab, &zero);
	if (!h || h->magic != XFP_DP_MAGIC) {
		*reason = XFP_DROP_INTERNAL;
		return XFP_VERDICT_DROP;
	}

	if (dir == XFP_DIR_IN && !ctx && !(p->flags & XFP_PKT_F_LATER_FRAG) &&
	    (p->l4_proto == IPPROTO_ESP || p->l4_proto == IPPROTO_AH ||
	     (p->flags & XFP_PKT_F_UDP_ESP))) {
		struct xfp_spi_key sk = { .spi = p->spi };
		struct xfp_sa_ref *ref;
		__u32 spi = bpf_ntohl(p->spi);

		/* The worker's SAs (xfp_spi_in, filled by the worker) are
		 * the truth: a hit goes to the worker.  An SPI only the
		 * policy names has no worker holding its keys yet. */
		sk.proto = p->l4_proto == IPPROTO_AH ? IPPROTO_AH : IPPROTO_ESP;
		ref = bpf_map_lookup_elem(&xfp_spi_in, &sk);
		if (ref && ref->sa_id) {
			*reason = XFP_DROP_NONE;
			xfp_trace_put(h->generation, 0, 0, 0, 0,
				      XFP_VERDICT_REDIRECT, 0, XFP_TRACE_F_SPI,
				      0, spi);
			return XFP_VERDICT_REDIRECT;
		}
		*reason = xfp_spi_known(tab, h, spi) ? XFP_DROP_NO_WORKER :
						       XFP_DROP_NO_SA;
		xfp_trace_put(h->generation, 0, 0, 0, 0, XFP_VERDICT_DROP,
			      *reason, XFP_TRACE_F_SPI, 0, spi);
		return XFP_VERDICT_DROP;
	}

	if (p->l4_proto == IPPROTO_TCP) {
		syn = (p->tcp_flags & (XFP_TCP_SYN | XFP_TCP_ACK)) ==
		      XFP_TCP_SYN;
		opener = syn;
	} else {
		opener = !(p->flags & XFP_PKT_F_LATER_FRAG) &&
			 !xfp_icmp_error(p);
	}
	stateful = !(xfp_cfg & XFP_CFG_NO_CACHE);
	/* Decrypted packets are few and carry their SA: no cache. */
	cache = stateful && !ctx && !(p->flags & XFP_PKT_F_FRAGMENT);
	ss = bpf_map_lookup_elem(&xfp_conn_scratch, &zero);
	if (!ss) {
		*reason = XFP_DROP_INTERNAL;
		return XFP_VERDICT_DROP;
	}
	/* the results live in the scratch: the TC stack is tight */
	t = &ss->t;
	a = &ss->a;
	__builtin_memset(t, 0, sizeof(*t));
	__builtin_memset(a, 0, sizeof(*a));
	ss->ac_sa = 0; /* the SA a "secure" verdict leaves over (TC reads it) */
	if (cache) {
		__u32 si;

		xfp_flow_key_of(p, dir, h->generation, &ss->fk);
		si = xfp_flow_hash(&ss->fk);
		slot = bpf_map_lookup_elem(&xfp_flows, &si);
		cv = slot && xfp_flow_key_eq(&slot->key, &ss->fk) ? &slot->val :
								    NULL;
		/* A cached TCP flow that never went through ALE does not
		 * let a SYN skip it; a connectionless pass needs its ALE
		 * connection alive. */
		if (cv && (cv->flags & XFP_FLOW_F_VALID) &&
		    (!syn || (cv->flags & XFP_FLOW_F_ALE)) &&
		    (!(cv->flags & XFP_FLOW_F_CONN) ||
		     xfp_conn_alive(p, dir, h->generation, ss))) {
			*reason = cv->reason;
			xfp_trace_put(h->generation, 0, 0, cv->decision, 0,
				      cv->verdict, cv->reason,
				      XFP_TRACE_F_CACHE_HIT, 0, 0);
			return cv->verdict;
		}
	}

	kp = bpf_map_lookup_elem(&xfp_scratch, &zero);
	if (!kp) {
		*reason = XFP_DROP_INTERNAL;
		return XFP_VERDICT_DROP;
	}
	xfp_key_build(p, dir, kp);
	tl = dir == XFP_DIR_IN ? XFP_LAYER_INBOUND_TRANSPORT :
				 XFP_LAYER_OUTBOUND_TRANSPORT;
	r = xfp_root(tab, h, ctx, tl, p->family, kp->kind, &root);
	if (!r)
		r = xfp_walk(tab, root, h->box_base, kp, t);
	if (r) {
		*reason = r;
		return XFP_VERDICT_DROP;
	}
	verdict = t->verdict;
	*reason = t->reason;
	tf = t->filter_id;
	tdec = t->dec;
	if (opener)
		tflags |= XFP_TRACE_F_NEW_CONN;
	/* Not cached: what depends on the connection's IPsec state (ND),
	 * and what leaves over an SA (the SA is looked up per packet; the
	 * worker costs far more than the walk). */
	if (t->flags & (XFP_DEC_F_CLEAR_OK | XFP_DEC_F_ND_IN |
			XFP_DEC_F_SECURE | XFP_DEC_F_ACQUIRE))
		cache = false;
	/* outbound: secure, negotiation discovery, or an IPsec callout
	 * without a policy SA (no-sa + acquire: an SA from `xfp sa add` or
	 * a keying module may exist) */
	if ((dir == XFP_DIR_OUT &&
	     (t->flags &
	      (XFP_DEC_F_SECURE | XFP_DEC_F_CLEAR_OK | XFP_DEC_F_ACQUIRE))) ||
	    (dir == XFP_DIR_IN && !ctx && verdict == XFP_VERDICT_PASS &&
	     (t->flags & XFP_DEC_F_ND_IN))) {
		ss->ac_dir = dir;
		ss->ac_flags = opener ? XFP_AC_OPENER : 0;
		r = xfp_ipsec_state(p, ss);
		if (r) {
			verdict = XFP_VERDICT_DROP;
			*reason = r;
		} else if (ss->ac_secure) {
			/* ALE, below, in the SA's context */
			secure_out = true;
			actx = ss->ac_sctx;
			verdict = XFP_VERDICT_PASS;
		}
	}
	if (verdict == XFP_VERDICT_PASS) {
		ss->ac_dir = dir;
		ss->ac_flags = (opener ? XFP_AC_OPENER : 0) |
			       (syn ? XFP_AC_SYN : 0) |
			       (stateful ? XFP_AC_STATEFUL : 0) |
			       (ctx || secure_out ? XFP_AC_SECURED : 0);
		verdict = xfp_conn_pre(h, p, ss);
		if (ss->ac_eval) {
			r = xfp_ale(tab, h, p, ss->ac_odir & 1, actx, kp, a);
			if (r) {
				*reason = r;
				return XFP_VERDICT_DROP;
			}
			verdict = a->verdict;
			xfp_conn_post(h, ss);
		}
		*reason = ss->ac_reason;
		tflags |= ss->ac_tflags;
		af = a->filter_id;
		adec = a->dec;
		if (secure_out && verdict == XFP_VERDICT_PASS) {
			/* authorized: to the worker with the peer's SA */
			verdict = XFP_VERDICT_DROP;
			*reason = XFP_DROP_NO_WORKER;
		}
	}
	/* An ALE refusal of a connectionless flow is not cached: the host
	 * may open the same flow from its side later, and then the answer
	 * must not meet a cached drop. */
	if (cache && verdict != XFP_VERDICT_PASS &&
	    t->verdict == XFP_VERDICT_PASS && p->l4_proto != IPPROTO_TCP)
		cache = false;
	if (cache && slot) {
		/* the slot is this CPU's: a plain overwrite */
		struct xfp_flow_val *fvp = &slot->val;

		fvp->verdict = verdict;
		fvp->reason = *reason;
		fvp->flags = XFP_FLOW_F_VALID;
		if ((tflags & XFP_TRACE_F_ALE) ||
		    t->verdict != XFP_VERDICT_PASS)
			fvp->flags |= XFP_FLOW_F_ALE;
		if ((tflags & XFP_TRACE_F_CONN) && p->l4_proto != IPPROTO_TCP &&
		    verdict == XFP_VERDICT_PASS)
			fvp->flags |= XFP_FLOW_F_CONN;
		fvp->pad = 0;
		fvp->decision = adec ? adec : tdec;
		__builtin_memcpy(&slot->key, &ss->fk, sizeof(slot->key));
	}
	xfp_trace_put(h->generation, tf, af, tdec, adec, verdict, *reason,
		      tflags, kp->kind, 0);
	return verdict;
}

#endif
