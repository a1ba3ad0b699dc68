/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * compile.c - policy IR to datapath table (see compile.h, docs/datapath.md).
 *
 * The classifier is a decision tree over an 8-dimensional key (local and
 * remote address, local and remote port, protocol, ICMP type and code,
 * local address type), one tree per (packet layer, family, packet kind).
 * Its leaves hold the complete WFP decision, computed here, so the packet
 * path is a walk of at most XFP_DP_DEPTH_MAX nodes followed by one record
 * read, whatever the number of filters.
 *
 * Building a tree:
 *  1. Every filter of the layer becomes one or more boxes: the cross product
 *     of its conditions' OR-lists, each value turned into closed integer
 *     intervals (NOT_EQUAL is two intervals).  Conditions that are constant
 *     in the datapath are folded first: the interface (the table is per
 *     device), the IPsec flags (clear text: none set) and the remote
 *     identities (none).  A filter whose folded conditions are false, or
 *     one of whose fields cannot occur in this family/kind, is left out.
 *  2. In WFP every matching filter of a sublayer decides it (all our
 *     actions return permit or block), so within a region R of key space a
 *     sublayer is settled when the first box (in evaluation order) that
 *     overlaps R covers R entirely; boxes after it can never matter in R.
 *     When every sublayer is settled, R is a leaf.
 *  3. Otherwise R is cut in two at a boundary of one of the boxes that
 *     overlap R only partly and come before their sublayer's first covering
 *     box.  The cut is the median of the distinct boundaries of the
 *     dimension with the most of them (as HyperSplit does), so trees stay
 *     shallow.  Lists are pruned at every level.
 *  4. A leaf's decision is a function of the deciding filter of each
 *     sublayer only.  It is computed by running the reference classifier
 *     on a policy reduced to those filters (at most one per sublayer),
 *     with a packet taken from the region, and cached per set of deciders.
 *     The full arbitration (sublayer order, hard/soft, veto, callout
 *     results, drop reasons) therefore comes from the oracle itself; the
 *     compiler only has to get the geometry right, which the differential
 *     tests check.  As a guard, the reduced run must name the same
 *     deciders the tree found, or the compile fails.
 *  5. In the table, leaves with the same decision are one shared record,
 *     and hash nodes place their keys Robin Hood style (see try_hash()).
 *
 * Speed (a commit of 10,000 filters is meant to take well under 50 ms):
 * cut points are chosen from small per-region lists with an inline sort,
 * each region's list is filtered into a stack-like arena instead of being
 * copied, only a box's narrow dimensions are compared, decisions are
 * cached per set of deciders, and the large arrays are reserved up front
 * and backed by huge pages (see xfp_big_realloc()).  First-touch page faults
 * were still most of a cold compile (a 4 KiB fault costs ~20 us on the
 * VMs this runs on, a huge page 0.2-2 ms), so the presized arrays of a
 * build share one block (struct cc's arena, and main_alloc() for the
 * numbering), scratch buffers are kept between hash nodes, and the small
 * arrays no longer take a huge page each: 19 huge pages and ~125 faults
 * for 10,000 filters became 10 and ~60.  The trees are independent and
 * can be built by several workers (dp_compile_threads(), build_all());
 * the table is the same byte for byte.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "policy/compile.h"
#include "policy/dp_commit.h"
#include "policy/policy_int.h"

typedef unsigned __int128 u128;

/* Large compile-time arrays (tree nodes, boxes, lists, the table itself)
 * come from xfp_big_realloc() (policy_int.h): 2 MiB aligned, in
 * transparent huge pages. */
static void *big_calloc(size_t n, size_t size)
{
	void *q = xfp_big_realloc(NULL, 0, n * size);

	if (q)
		memset(q, 0, n * size);
	return q;
}

struct cc;
static bool in_arena(const struct cc *c, const void *p);

/* xfp_big_realloc() for arrays that may live in the arena (never freed). */
static void *cc_grow(const struct cc *c, void *p, size_t used, size_t want)
{
	void *q;

	if (!p || !in_arena(c, p))
		return xfp_big_realloc(p, used, want);
	q = xfp_big_realloc(NULL, 0, want);
	if (q && used)
		memcpy(q, p, used);
	return q;
}

static void cc_free(const struct cc *c, void *p)
{
	if (p && !in_arena(c, p))
		free(p);
}

_Static_assert(XFP_DP_ATYPE_UNICAST == XFP_ADDR_TYPE_UNICAST &&
		       XFP_DP_ATYPE_MULTICAST == XFP_ADDR_TYPE_MULTICAST &&
		       XFP_DP_ATYPE_BROADCAST == XFP_ADDR_TYPE_BROADCAST,
	       "the datapath derives the policy's address types");

#define FOLD_MASK                                                      \
	((1u << XFP_FIELD_INTERFACE) | (1u << XFP_FIELD_IPSEC_FLAGS) | \
	 (1u << XFP_FIELD_REMOTE_MACHINE_ID) |                         \
	 (1u << XFP_FIELD_REMOTE_USER_ID))

/* ---- shared helpers ----------------------------------------------------- */

bool dp_proto_has_ports(uint8_t proto)
{
	/* The oracle's explain tool and the parser agree on these four. */
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

bool dp_proto_is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

uint8_t dp_local_addr_type(int family, const uint8_t a[16])
{
	if (family == 4) {
		const uint8_t *v4 = a + 12;

		if ((v4[0] & 0xf0) == 0xe0)
			return XFP_ADDR_TYPE_MULTICAST;
		if (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 &&
		    v4[3] == 255)
			return XFP_ADDR_TYPE_BROADCAST;
		return XFP_ADDR_TYPE_UNICAST;
	}
	if (a[0] == 0xff)
		return XFP_ADDR_TYPE_MULTICAST;
	return XFP_ADDR_TYPE_UNICAST;
}

void dp_outcome(const struct xfp_decision *d, uint8_t *verdict, uint8_t *reason,
		uint8_t *flags)
{
	uint8_t fl = 0;

	if (d->matched)
		fl |= XFP_DEC_F_MATCHED;
	if (d->hard)
		fl |= XFP_DEC_F_HARD;
	if (d->secure)
		fl |= XFP_DEC_F_SECURE;
	if (d->clear_ok)
		fl |= XFP_DEC_F_CLEAR_OK;
	if (d->acquire)
		fl |= XFP_DEC_F_ACQUIRE;
	if (d->veto)
		fl |= XFP_DEC_F_VETO;
	if (d->layer == XFP_LAYER_INBOUND_TRANSPORT &&
	    d->action == XFP_ACTION_PERMIT && d->reason == XFP_REASON_ND_CLEAR)
		fl |= XFP_DEC_F_ND_IN;
	if (flags)
		*flags = fl;
	if (d->action == XFP_ACTION_BLOCK) {
		*verdict = XFP_VERDICT_DROP;
		*reason = d->drop_reason != XFP_DROP_NONE ?
				  (uint8_t)d->drop_reason :
				  XFP_DROP_FILTER_BLOCK;
	} else if (d->secure && !d->clear_ok) {
		/* Must leave protected; the crypto worker does not exist yet,
		 * so the packet is dropped, never sent in clear. */
		*verdict = XFP_VERDICT_DROP;
		*reason = XFP_DROP_NO_WORKER;
	} else {
		*verdict = XFP_VERDICT_PASS;
		*reason = XFP_DROP_NONE;
	}
}

void dp_pkt_to_ref(const struct dp_pkt *in, const struct dp_device *dev,
		   struct xfp_pkt *out)
{
	memset(out, 0, sizeof(*out));
	out->family = in->family;
	out->protocol = in->proto;
	out->local = in->local;
	out->remote = in->remote;
	out->sa = -1;
	out->local_addr_type = dp_local_addr_type(in->family, in->local.b);
	if (!in->later_frag && dp_proto_has_ports(in->proto)) {
		out->has |= XFP_PKT_HAS_PORTS;
		out->local_port = in->local_port;
		out->remote_port = in->remote_port;
	}
	if (!in->later_frag && dp_proto_is_icmp(in->proto)) {
		out->has |= XFP_PKT_HAS_ICMP;
		out->icmp_type = in->icmp_type;
		out->icmp_code = in->icmp_code;
	}
	if (dev) {
		out->has |= XFP_PKT_HAS_IFINDEX | XFP_PKT_HAS_IFNAME;
		out->ifindex = dev->ifindex;
		memcpy(out->ifname, dev->ifname, sizeof(out->ifname));
	}
}

void dp_ctx_to_ref(const struct xfp_policy *p, unsigned ctx,
		   struct xfp_pkt *out)
{
	out->ipsec_flags = 0;
	out->sa = -1;
	if (!ctx)
		return;
	out->ipsec_flags = XFP_COND_FLAG_SECURED;
	if (ctx == XFP_CTX_ENCRYPTED)
		out->ipsec_flags |= XFP_COND_FLAG_ENCRYPTED;
	if (ctx >= XFP_CTX_SA_BASE && p && ctx - XFP_CTX_SA_BASE < p->n_sas)
		out->sa = (int)(ctx - XFP_CTX_SA_BASE);
}

unsigned dp_table_n_ctx(const struct dp_table *t)
{
	if (!t || !t->recs || t->n < XFP_DP_HDR_RECS)
		return 0;
	return ((const struct xfp_dp_header *)(const void *)&t->recs[0])->n_ctx;
}

/* ---- keys --------------------------------------------------------------- */

struct key {
	u128 v[XFP_DIM__MAX];
	int kind;
};

static u128 addr_val(int family, const struct xfp_addr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->b, sizeof(hi));
	memcpy(&lo, a->b + 8, sizeof(lo));
	hi = be64toh(hi);
	lo = be64toh(lo);
	if (family == 4)
		return lo & 0xffffffffu;
	return ((u128)hi << 64) | lo;
}

static void addr_from(int family, u128 v, struct xfp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == 4) {
		a->b[10] = a->b[11] = 0xff;
		for (int i = 15; i >= 12; i--, v >>= 8)
			a->b[i] = (uint8_t)v;
	} else {
		for (int i = 15; i >= 0; i--, v >>= 8)
			a->b[i] = (uint8_t)v;
	}
}

static void key_of(const struct dp_pkt *p, struct key *k)
{
	bool ports = !p->later_frag && dp_proto_has_ports(p->proto);
	bool icmp = !p->later_frag && dp_proto_is_icmp(p->proto);

	k->v[XFP_DIM_LADDR] = addr_val(p->family, &p->local);
	k->v[XFP_DIM_RADDR] = addr_val(p->family, &p->remote);
	k->v[XFP_DIM_LPORT] = ports ? p->local_port : XFP_DIM_ABSENT_PORT;
	k->v[XFP_DIM_RPORT] = ports ? p->remote_port : XFP_DIM_ABSENT_PORT;
	k->v[XFP_DIM_PROTO] = p->proto;
	k->v[XFP_DIM_ITYPE] = icmp ? p->icmp_type : XFP_DIM_ABSENT_ICMP;
	k->v[XFP_DIM_ICODE] = icmp ? p->icmp_code : XFP_DIM_ABSENT_ICMP;
	k->v[XFP_DIM_ATYPE] = dp_local_addr_type(p->family, p->local.b);
	k->kind = ports ? XFP_KIND_PORTS :
		  icmp	? XFP_KIND_ICMP :
			  XFP_KIND_OTHER;
}

/* Run-time arbitration of a bucket, as classify.c merges sublayers. */
struct merge {
	bool have;
	uint8_t flags, reason, sublayer;
	uint32_t nd_timeout;
	uint64_t fid;
};

static void merge_box(struct merge *m, const struct xfp_dp_box_d *d)
{
	bool r_block = d->flags & XFP_BOX_F_BLOCK;
	bool w_block = m->flags & XFP_BOX_F_BLOCK;
	bool w_hard = m->flags & XFP_BOX_F_HARD;
	bool take = false;

	if (!m->have)
		take = true;
	else if (w_block && w_hard)
		take = false; /* hard block is final */
	else if (!w_block && w_hard) {
		if (r_block && (d->flags & XFP_BOX_F_CALLOUT)) {
			take = true; /* veto */
		}
	} else if (r_block)
		take = !w_block || (d->flags & XFP_BOX_F_HARD);
	else
		take = w_block || (d->flags & XFP_BOX_F_HARD);
	if (!take)
		return;
	if (m->have && !w_block && w_hard)
		m->flags = d->flags | XFP_BOX_F_HARD;
	else
		m->flags = d->flags;
	m->have = true;
	m->reason = d->drop_reason;
	m->fid = d->filter_id;
	m->sublayer = d->sublayer;
	m->nd_timeout = d->nd_timeout;
}

static void merge_outcome(const struct merge *m, struct xfp_dp_decision *o)
{
	memset(o, 0, sizeof(*o));
	o->kind = XFP_REC_DECISION;
	o->sublayer = 0xff;
	o->filter_index = UINT32_MAX;
	if (!m->have) {
		o->verdict = XFP_VERDICT_PASS;
		o->action = XFP_ACTION_PERMIT;
		return;
	}
	o->flags = XFP_DEC_F_MATCHED;
	o->filter_id = m->fid;
	o->sublayer = m->sublayer;
	if (m->flags & XFP_BOX_F_ACQUIRE)
		o->flags |= XFP_DEC_F_ACQUIRE;
	if (m->flags & XFP_BOX_F_HARD)
		o->flags |= XFP_DEC_F_HARD;
	if (m->flags & XFP_BOX_F_BLOCK) {
		o->action = XFP_ACTION_BLOCK;
		o->verdict = XFP_VERDICT_DROP;
		o->reason = m->reason ? m->reason : XFP_DROP_FILTER_BLOCK;
		return;
	}
	o->action = XFP_ACTION_PERMIT;
	if (m->flags & XFP_BOX_F_SECURE)
		o->flags |= XFP_DEC_F_SECURE;
	if (m->flags & XFP_BOX_F_CLEAR_OK)
		o->flags |= XFP_DEC_F_CLEAR_OK;
	if (m->flags & XFP_BOX_F_ND_IN) {
		o->flags |= XFP_DEC_F_ND_IN;
		o->nd_timeout = (uint16_t)m->nd_timeout;
	}
	if ((m->flags & XFP_BOX_F_SECURE) && !(m->flags & XFP_BOX_F_CLEAR_OK)) {
		o->verdict = XFP_VERDICT_DROP;
		o->reason = XFP_DROP_NO_WORKER;
	} else {
		o->verdict = XFP_VERDICT_PASS;
	}
}

static bool in128(u128 v, uint64_t lh, uint64_t ll, uint64_t hh, uint64_t hl)
{
	u128 lo = ((u128)lh << 64) | ll, hi = ((u128)hh << 64) | hl;

	return v >= lo && v <= hi;
}

static int bucket_eval(const struct xfp_dp_rec *recs, uint32_t n,
		       const struct xfp_dp_node *nd, const struct key *k,
		       struct xfp_dp_decision *out)
{
	const struct xfp_dp_header *h = (const void *)&recs[0];
	struct merge m = { 0 };
	int decided = -1;

	if (nd->dim > XFP_DP_BUCKET_MAX)
		return -EBADMSG;
	for (unsigned i = 0; i < nd->dim; i++) {
		uint32_t li = nd->left + i / 8, bi, base;
		const struct xfp_dp_box_a *a, *b;
		const struct xfp_dp_box_c *cc;
		const struct xfp_dp_box_d *d;

		if (li >= n)
			return -EBADMSG;
		bi = ((const uint32_t *)&recs[li])[i % 8];
		base = h->box_base + 4 * bi;
		if (base + 3 >= n)
			return -EBADMSG;
		a = (const void *)&recs[base];
		b = (const void *)&recs[base + 1];
		cc = (const void *)&recs[base + 2];
		d = (const void *)&recs[base + 3];
		if (d->slpos == decided)
			continue;
		if (!in128(k->v[XFP_DIM_LADDR], a->lo_hi, a->lo_lo, a->hi_hi,
			   a->hi_lo) ||
		    !in128(k->v[XFP_DIM_RADDR], b->lo_hi, b->lo_lo, b->hi_hi,
			   b->hi_lo) ||
		    k->v[XFP_DIM_LPORT] < cc->lport_lo ||
		    k->v[XFP_DIM_LPORT] > cc->lport_hi ||
		    k->v[XFP_DIM_RPORT] < cc->rport_lo ||
		    k->v[XFP_DIM_RPORT] > cc->rport_hi ||
		    k->v[XFP_DIM_PROTO] < cc->proto_lo ||
		    k->v[XFP_DIM_PROTO] > cc->proto_hi ||
		    k->v[XFP_DIM_ITYPE] < cc->itype_lo ||
		    k->v[XFP_DIM_ITYPE] > cc->itype_hi ||
		    k->v[XFP_DIM_ICODE] < d->icode_lo ||
		    k->v[XFP_DIM_ICODE] > d->icode_hi ||
		    k->v[XFP_DIM_ATYPE] < d->atype_lo ||
		    k->v[XFP_DIM_ATYPE] > d->atype_hi)
			continue;
		decided = d->slpos;
		merge_box(&m, d);
	}
	merge_outcome(&m, out);
	return 0;
}

int dp_recs_lookup(const struct xfp_dp_rec *recs, uint32_t n,
		   enum xfp_layer layer, const struct dp_pkt *pkt,
		   struct xfp_dp_decision *out, unsigned *depth)
{
	const struct xfp_dp_roots *roots;
	const struct xfp_dp_node *nd;
	struct key k;
	uint32_t idx, slot;

	if (n < XFP_DP_HDR_RECS || (unsigned)layer >= XFP_DP_LAYERS)
		return -EBADMSG;
	key_of(pkt, &k);
	slot = XFP_DP_ROOT(layer, pkt->family == 6, k.kind);
	if (pkt->ctx) {
		const struct xfp_dp_header *h = (const void *)&recs[0];
		uint32_t base;

		/* contexts judge arriving packets and ALE; outbound
		 * transport is decided in clear (bpf/lib/dp.h) */
		if (pkt->ctx >= h->n_ctx ||
		    layer == XFP_LAYER_OUTBOUND_TRANSPORT ||
		    h->spi_base <
			    XFP_DP_CTX_RECS * (uint32_t)(h->n_ctx - pkt->ctx))
			return -ENOENT;
		base = h->spi_base -
		       XFP_DP_CTX_RECS * (uint32_t)(h->n_ctx - pkt->ctx);
		if (base + slot / 8 >= n)
			return -EBADMSG;
		roots = (const void *)&recs[base + slot / 8];
	} else {
		roots = (const void *)&recs[1 + slot / 8];
	}
	idx = roots->root[slot % 8];
	for (unsigned i = 0; i < XFP_DP_DEPTH_MAX; i++) {
		if (idx >= n)
			return -EBADMSG;
		nd = (const void *)&recs[idx];
		if (depth)
			*depth = i;
		if (nd->kind == XFP_REC_LEAF) {
			if (nd->right >= n ||
			    ((const struct xfp_dp_decision *)&recs[nd->right])
					    ->kind != XFP_REC_DECISION)
				return -EBADMSG;
			memcpy(out, &recs[nd->right], sizeof(*out));
			return 0;
		}
		if (nd->kind == XFP_REC_BUCKET)
			return bucket_eval(recs, n, nd, &k, out);
		if (nd->dim >= XFP_DIM__MAX)
			return -EBADMSG;
		if (nd->kind == XFP_REC_HASH) {
			uint64_t hi = (uint64_t)(k.v[nd->dim] >> 64);
			uint64_t lo = (uint64_t)k.v[nd->dim];
			uint64_t h = xfp_dp_hash(hi, lo);
			uint32_t next = nd->right;

			for (unsigned j = 0; j < XFP_DP_HASH_PROBES; j++) {
				uint32_t si = nd->left +
					      (uint32_t)((h + j) & nd->pad2);
				const struct xfp_dp_slot *sl;

				if (si >= n)
					return -EBADMSG;
				sl = (const void *)&recs[si];
				if (!sl->used)
					break;
				if (sl->key_hi == hi && sl->key_lo == lo) {
					next = sl->child;
					break;
				}
			}
			idx = next;
			continue;
		}
		if (nd->kind != XFP_REC_NODE)
			return -EBADMSG;
		u128 thr = ((u128)nd->thr_hi << 64) | nd->thr_lo;
		idx = k.v[nd->dim] >= thr ? nd->right : nd->left;
	}
	return -EBADMSG;
}

int dp_table_lookup(const struct dp_table *t, enum xfp_layer layer,
		    const struct dp_pkt *pkt, struct xfp_dp_decision *out,
		    unsigned *depth)
{
	return dp_recs_lookup(t->recs, t->n, layer, pkt, out, depth);
}

/* ---- the compiler ------------------------------------------------------- */

struct ival {
	u128 lo, hi;
};

struct ilist {
	unsigned n, cap;
	struct ival *v;
};

struct box {
	u128 lo[XFP_DIM__MAX], hi[XFP_DIM__MAX];
	uint32_t fidx; /* index into p->filters */
	uint16_t slpos; /* position of its sublayer in evaluation order */
	uint8_t dmask; /* dimensions where it is narrower than the tree's
			* key space; on the others it covers every region */
};

/* A single-value box on a hash dimension: its value and box number. */
struct sv {
	u128 v;
	uint32_t box;
};

struct cc {
	const struct xfp_policy *p;
	/* A shallow copy of p whose filter array the oracle calls replace
	 * with a reduced one (copied once, not per call). */
	struct xfp_policy q;
	const struct dp_device *dev;
	char *err;
	size_t errlen;
	int sl_pos[XFP_SUBLAYERS_MAX]; /* sublayer index -> position */
	int sl_order[XFP_SUBLAYERS_MAX];
	unsigned n_sl;
	/* output */
	struct xfp_dp_node *nodes;
	uint32_t n_nodes, cap_nodes;
	struct xfp_dp_decision *decs;
	uint32_t n_decs, cap_decs;
	unsigned max_depth;
	/* decision cache: deciders (per sublayer, -1 none) -> decision.
	 * Open addressing (power-of-two size); the sets live in one pool. */
	struct dcache {
		uint64_t hash;
		uint32_t set; /* offset of n_sl entries in dc_pool */
		uint32_t dec;
	} * dc;
	uint32_t dc_cap, dc_n;
	int32_t *dc_pool;
	uint32_t n_pool, cap_pool;
	/* box lists of the pending regions: one stack-like arena (a region
	 * popped from the work stack releases everything above its list) */
	uint32_t *la;
	uint32_t la_top, la_cap;
	/* scratch reused by every node */
	u128 *pts;
	uint32_t cap_pts;
	struct sv *sv;
	uint32_t cap_sv;
	uint32_t *tmp; /* as many entries as sv */
	void *htab; /* hash node being built (hash_scratch()) */
	size_t cap_htab;
	uint32_t cap_box_g;
	/* regions waiting to be built (depth first) */
	struct work *stk;
	uint32_t cap_stk;
	/* buckets (leaves checked box by box at run time) */
	unsigned bucket_max;
	uint32_t node_budget;
	uint32_t n_buckets;
	struct xfp_dp_rec *gbox; /* 4 records per emitted box */
	uint32_t n_gbox, cap_gbox;
	int32_t *box_g; /* per tree: box -> emitted box number or -1 */
	uint32_t *lists; /* bucket lists, each padded to 8 entries */
	uint32_t n_lists, cap_lists;
	struct xfp_dp_slot *slots; /* hash-node slots */
	uint32_t n_slots, cap_slots;
	uint32_t n_hash;
	struct fres {
		bool have;
		uint8_t flags, drop_reason;
		uint32_t nd_timeout;
	} * fres; /* per filter: what it returns in the datapath */
	/* filters of each (layer, sublayer position) in policy order:
	 * ord[bstart[k] .. bstart[k + 1]), k = layer * n_sl + position */
	uint32_t *ord;
	uint32_t bstart[XFP_DP_LAYERS * XFP_SUBLAYERS_MAX + 1];
	/* build state */
	struct box *boxes;
	uint32_t n_boxes, cap_boxes;
	uint32_t n_compiled;
	bool *compiled;
	int layer, family, kind;
	/* protection context being built (0: clear text) and what the
	 * oracle's packet says of it (ipsec flags, policy SA) */
	unsigned pctx;
	uint32_t pflags;
	int psa;
	unsigned layer_mask; /* layers build_all() builds */
	/* One block (c->arena .. c->arena_end) holds the presized arrays, so
	 * that the small ones share huge pages instead of touching one each;
	 * an array that outgrows its part moves out (cc_grow()). */
	char *arena, *arena_end;
	/* The decisions each tree uses, in order of first use in the tree
	 * (dlog), so that trees built by several workers are numbered as one
	 * serial build numbers them; dstamp: tree that logged a decision. */
	uint32_t *dlog, n_dlog, cap_dlog;
	uint32_t *dstamp, cap_dstamp;
	uint32_t tree_no;
	/* main context only: the trees built so far, in build order */
	struct tree_res *trees;
	uint32_t n_trees, cap_trees;
	struct cc **wk; /* workers whose arrays the trees point into */
	uint32_t n_wk, cap_wk;
	uint32_t tot_nodes, tot_slots, tot_gbox, tot_lists;
	unsigned threads; /* workers for build_all() (1: serial) */
	uint32_t wid; /* a worker's index in the main context's wk[] */
	/* main context: one block for its own arrays (main_alloc()) */
	char *marena, *marena_end;
	size_t moff;
};

/* One built tree: ranges in its worker's arrays and its place in the
 * table (g*: first global node, slot, box record and list entry). */
struct tree_res {
	struct cc *w;
	uint32_t wi; /* index of w in the main context's wk[] */
	int layer, family, kind;
	uint32_t root;
	uint32_t node0, node1, slot0, slot1, gbox0, gbox1, list0, list1;
	uint32_t dlog0, dlog1;
	uint32_t gnode, gslot, ggbox, glist;
	int err;
	char msg[256];
};

static bool in_arena(const struct cc *c, const void *p)
{
	return (c->arena && (const char *)p >= c->arena &&
		(const char *)p < c->arena_end) ||
	       (c->marena && (const char *)p >= c->marena &&
		(const char *)p < c->marena_end);
}

/* Memory for the main context's arrays: from its block while it lasts
 * (never freed one by one), then from malloc(); release with cc_free(). */
static void *main_alloc(struct cc *c, size_t bytes)
{
	size_t a = (c->moff + 63) & ~(size_t)63;

	if (c->marena && a + bytes <= (size_t)(c->marena_end - c->marena)) {
		c->moff = a + bytes;
		return c->marena + a;
	}
	return malloc(bytes ? bytes : 1);
}

__attribute__((format(printf, 2, 3))) static int fail(struct cc *c,
						      const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int il_add(struct ilist *l, u128 lo, u128 hi)
{
	if (lo > hi)
		return 0;
	if (l->n == l->cap) {
		unsigned nc = l->cap ? l->cap * 2 : 8;
		struct ival *v = realloc(l->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = nc;
	}
	l->v[l->n].lo = lo;
	l->v[l->n].hi = hi;
	l->n++;
	return 0;
}

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge overlapping or adjacent intervals. */
static void il_norm(struct ilist *l)
{
	unsigned o = 0;

	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), ival_cmp);
	for (unsigned i = 1; i < l->n; i++) {
		if (l->v[i].lo <= l->v[o].hi + 1 || l->v[o].hi == (u128)-1) {
			if (l->v[i].hi > l->v[o].hi)
				l->v[o].hi = l->v[i].hi;
		} else {
			l->v[++o] = l->v[i];
		}
	}
	l->n = o + 1;
}

/* Values of one numeric condition value within [dlo, dhi], as the oracle's
 * val_num_match() accepts them. */
static int num_ivals(const struct xfp_cond_val *v, u128 dlo, u128 dhi,
		     struct ilist *l)
{
	switch (v->match) {
	case XFP_MATCH_EQUAL:
	case XFP_MATCH_RANGE:
	case XFP_MATCH_PREFIX: {
		u128 lo = v->lo, hi = v->hi;

		if (lo < dlo)
			lo = dlo;
		if (hi > dhi)
			hi = dhi;
		return il_add(l, lo, hi);
	}
	case XFP_MATCH_NOT_EQUAL: {
		u128 x = v->lo;
		int r = 0;

		if (x < dlo || x > dhi)
			return il_add(l, dlo, dhi);
		if (x > dlo)
			r = il_add(l, dlo, x - 1);
		if (!r && x < dhi)
			r = il_add(l, x + 1, dhi);
		return r;
	}
	case XFP_MATCH_FLAGS_ALL_SET:
	case XFP_MATCH_FLAGS_ANY_SET:
	case XFP_MATCH_FLAGS_NONE_SET:
		for (uint64_t x = (uint64_t)dlo; x <= (uint64_t)dhi; x++) {
			bool ok = v->match == XFP_MATCH_FLAGS_ALL_SET ?
					  (x & v->lo) == v->lo :
				  v->match == XFP_MATCH_FLAGS_ANY_SET ?
					  (x & v->lo) != 0 :
					  (x & v->lo) == 0;
			if (ok && il_add(l, x, x) < 0)
				return -ENOMEM;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * The intervals of one field of filter f for the current family/kind.
 * Returns 0 with l->n == 0 when the field can never match here.
 */
static int field_ivals(struct cc *c, const struct xfp_filter *f, int field,
		       struct ilist *l)
{
	const struct xfp_cond *cd = &f->conds[field];
	u128 amax = c->family == 4 ? (u128)0xffffffffu : ~(u128)0;
	int r = 0;

	l->n = 0;
	for (unsigned i = 0; i < cd->n && r == 0; i++) {
		const struct xfp_cond_val *v = &cd->v[i];

		switch (field) {
		case XFP_FIELD_LOCAL_ADDR:
		case XFP_FIELD_REMOTE_ADDR: {
			u128 lo, hi;

			if (v->family != c->family)
				break;
			lo = addr_val(c->family, &v->addr_lo);
			hi = addr_val(c->family, &v->addr_hi);
			if (v->match == XFP_MATCH_NOT_EQUAL) {
				if (lo > 0)
					r = il_add(l, 0, lo - 1);
				if (!r && lo < amax)
					r = il_add(l, lo + 1, amax);
			} else {
				r = il_add(l, lo, hi);
			}
			break;
		}
		case XFP_FIELD_LOCAL_PORT:
		case XFP_FIELD_REMOTE_PORT:
			if (c->kind == XFP_KIND_PORTS)
				r = num_ivals(v, 0, 65535, l);
			break;
		case XFP_FIELD_ICMP_TYPE:
		case XFP_FIELD_ICMP_CODE:
			if (c->kind == XFP_KIND_ICMP)
				r = num_ivals(v, 0, 255, l);
			break;
		case XFP_FIELD_PROTOCOL:
			r = num_ivals(v, 0, 255, l);
			break;
		case XFP_FIELD_LOCAL_ADDR_TYPE:
			r = num_ivals(v, 1, 255, l);
			break;
		default:
			return fail(c, "internal: field %d is not compiled",
				    field);
		}
	}
	if (r)
		return fail(c, "out of memory");
	il_norm(l);
	return 0;
}

static const int field_dim[XFP_FIELD__MAX] = {
	[XFP_FIELD_LOCAL_ADDR] = XFP_DIM_LADDR,
	[XFP_FIELD_REMOTE_ADDR] = XFP_DIM_RADDR,
	[XFP_FIELD_LOCAL_PORT] = XFP_DIM_LPORT,
	[XFP_FIELD_REMOTE_PORT] = XFP_DIM_RPORT,
	[XFP_FIELD_PROTOCOL] = XFP_DIM_PROTO,
	[XFP_FIELD_ICMP_TYPE] = XFP_DIM_ITYPE,
	[XFP_FIELD_ICMP_CODE] = XFP_DIM_ICODE,
	[XFP_FIELD_LOCAL_ADDR_TYPE] = XFP_DIM_ATYPE,
	[XFP_FIELD_INTERFACE] = -1,
	[XFP_FIELD_IPSEC_FLAGS] = -1,
	[XFP_FIELD_REMOTE_MACHINE_ID] = -1,
	[XFP_FIELD_REMOTE_USER_ID] = -1,
};

/* The whole key space of the current tree. */
static void space(const struct cc *c, u128 *lo, u128 *hi)
{
	for (int d = 0; d < XFP_DIM__MAX; d++)
		lo[d] = 0;
	hi[XFP_DIM_LADDR] = hi[XFP_DIM_RADDR] =
		c->family == 4 ? (u128)0xffffffffu : ~(u128)0;
	hi[XFP_DIM_PROTO] = 255;
	lo[XFP_DIM_ATYPE] = 1;
	hi[XFP_DIM_ATYPE] = 255;
	if (c->kind == XFP_KIND_PORTS) {
		hi[XFP_DIM_LPORT] = hi[XFP_DIM_RPORT] = 65535;
	} else {
		lo[XFP_DIM_LPORT] = hi[XFP_DIM_LPORT] = XFP_DIM_ABSENT_PORT;
		lo[XFP_DIM_RPORT] = hi[XFP_DIM_RPORT] = XFP_DIM_ABSENT_PORT;
	}
	if (c->kind == XFP_KIND_ICMP) {
		hi[XFP_DIM_ITYPE] = hi[XFP_DIM_ICODE] = 255;
	} else {
		lo[XFP_DIM_ITYPE] = hi[XFP_DIM_ITYPE] = XFP_DIM_ABSENT_ICMP;
		lo[XFP_DIM_ICODE] = hi[XFP_DIM_ICODE] = XFP_DIM_ABSENT_ICMP;
	}
}

/* Are the folded conditions (interface, IPsec flags, identities) true for
 * clear-text traffic on this device?  Asked of the oracle itself. */
static bool folded_true(struct cc *c, const struct xfp_filter *f)
{
	struct xfp_filter g;
	struct xfp_pkt pkt;
	struct dp_pkt dp;

	if (!(f->cond_mask & FOLD_MASK))
		return true;
	g = *f;
	g.cond_mask &= FOLD_MASK;
	g.family = XFP_FAMILY_INET;
	memset(&dp, 0, sizeof(dp));
	dp.family = (uint8_t)c->family;
	dp_pkt_to_ref(&dp, c->dev, &pkt);
	pkt.ipsec_flags = c->pflags;
	pkt.sa = c->psa;
	return xfp_filter_matches(c->p, &g, &pkt);
}

static int push_box(struct cc *c, const struct box *b)
{
	if (c->n_boxes == c->cap_boxes) {
		uint32_t nc = c->cap_boxes ? c->cap_boxes * 2 : 256;
		struct box *v = cc_grow(c, c->boxes,
					(size_t)c->n_boxes * sizeof(*v),
					(size_t)nc * sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		c->boxes = v;
		c->cap_boxes = nc;
	}
	c->boxes[c->n_boxes++] = *b;
	return 0;
}

/* All boxes of the current (layer, family, kind), in evaluation order. */
static int make_boxes(struct cc *c)
{
	const struct xfp_policy *p = c->p;
	struct ilist il[XFP_FIELD__MAX];
	int r = 0;

	u128 slo[XFP_DIM__MAX], shi[XFP_DIM__MAX];

	uint32_t kind_off = 0;

	if (c->kind != XFP_KIND_PORTS)
		kind_off |= (1u << XFP_FIELD_LOCAL_PORT) |
			    (1u << XFP_FIELD_REMOTE_PORT);
	if (c->kind != XFP_KIND_ICMP)
		kind_off |= (1u << XFP_FIELD_ICMP_TYPE) |
			    (1u << XFP_FIELD_ICMP_CODE);
	memset(il, 0, sizeof(il));
	space(c, slo, shi);
	c->n_boxes = 0;
	for (unsigned s = 0; s < c->n_sl && !r; s++) {
		uint32_t kb = (uint32_t)c->layer * c->n_sl + s;

		for (uint32_t oi = c->bstart[kb]; oi < c->bstart[kb + 1] && !r;
		     oi++) {
			uint32_t i = c->ord[oi];
			const struct xfp_filter *f = &p->filters[i];
			int fields[XFP_FIELD__MAX], nf = 0, idx[XFP_FIELD__MAX];
			uint64_t count = 1;
			bool empty = false;
			struct box b;

			if ((int)f->layer != c->layer ||
			    f->sublayer != c->sl_order[s])
				continue;
			if ((f->family == XFP_FAMILY_IP && c->family != 4) ||
			    (f->family == XFP_FAMILY_IP6 && c->family != 6))
				continue;
			/* A port or ICMP condition has no values (never
			 * matches) in a tree of another packet kind; what
			 * field_ivals() would find, decided up front. */
			if (f->cond_mask & kind_off)
				continue;
			if (!folded_true(c, f))
				continue;
			for (int fld = 0; fld < XFP_FIELD__MAX; fld++) {
				if (!(f->cond_mask & (1u << fld)) ||
				    field_dim[fld] < 0)
					continue;
				r = field_ivals(c, f, fld, &il[fld]);
				if (r)
					break;
				if (!il[fld].n) {
					empty = true;
					break;
				}
				fields[nf++] = fld;
				count *= il[fld].n;
			}
			if (r)
				break;
			if (empty)
				continue;
			if (count > DP_MAX_BOXES_PER_FILTER) {
				r = fail(c,
					 "filter '%s' expands to %llu boxes "
					 "(limit %u): too many OR-values",
					 f->name, (unsigned long long)count,
					 DP_MAX_BOXES_PER_FILTER);
				break;
			}
			c->compiled[i] = true;
			space(c, b.lo, b.hi);
			b.fidx = i;
			b.slpos = (uint16_t)s;
			memset(idx, 0, sizeof(idx));
			for (;;) {
				int k;

				for (k = 0; k < nf; k++) {
					int d = field_dim[fields[k]];
					const struct ival *v =
						&il[fields[k]].v[idx[k]];

					b.lo[d] = v->lo;
					b.hi[d] = v->hi;
				}
				b.dmask = 0;
				for (int d = 0; d < XFP_DIM__MAX; d++)
					if (b.lo[d] != slo[d] ||
					    b.hi[d] != shi[d])
						b.dmask |= (uint8_t)(1u << d);
				r = push_box(c, &b);
				if (r)
					break;
				for (k = 0; k < nf; k++) {
					if (++idx[k] < (int)il[fields[k]].n)
						break;
					idx[k] = 0;
				}
				if (k == nf)
					break;
			}
		}
	}
	for (int i = 0; i < XFP_FIELD__MAX; i++)
		free(il[i].v);
	return r;
}

static uint32_t new_node(struct cc *c)
{
	if (c->n_nodes == c->cap_nodes) {
		uint32_t nc = c->cap_nodes ? c->cap_nodes * 2 : 1024;
		struct xfp_dp_node *v;

		if (nc > DP_MAX_RECS)
			return UINT32_MAX;
		v = cc_grow(c, c->nodes, (size_t)c->n_nodes * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return UINT32_MAX;
		c->nodes = v;
		c->cap_nodes = nc;
	}
	memset(&c->nodes[c->n_nodes], 0, sizeof(c->nodes[0]));
	return c->n_nodes++;
}

static uint64_t set_hash(const int32_t *set, unsigned n)
{
	uint64_t h = 1469598103934665603ull;

	for (unsigned i = 0; i < n; i++) {
		h ^= (uint32_t)set[i];
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

/* An oracle packet at point `at` of the current tree's key space. */
static void rep_pkt(const struct cc *c, const u128 *at, struct xfp_pkt *pkt)
{
	struct dp_pkt dp;

	memset(&dp, 0, sizeof(dp));
	dp.family = (uint8_t)c->family;
	addr_from(c->family, at[XFP_DIM_LADDR], &dp.local);
	addr_from(c->family, at[XFP_DIM_RADDR], &dp.remote);
	dp.proto = (uint8_t)at[XFP_DIM_PROTO];
	dp_pkt_to_ref(&dp, c->dev, pkt);
	/* The region's own values, not what the protocol would imply. */
	pkt->has &= ~(uint32_t)(XFP_PKT_HAS_PORTS | XFP_PKT_HAS_ICMP);
	if (c->kind == XFP_KIND_PORTS) {
		pkt->has |= XFP_PKT_HAS_PORTS;
		pkt->local_port = (uint16_t)at[XFP_DIM_LPORT];
		pkt->remote_port = (uint16_t)at[XFP_DIM_RPORT];
	} else if (c->kind == XFP_KIND_ICMP) {
		pkt->has |= XFP_PKT_HAS_ICMP;
		pkt->icmp_type = (uint8_t)at[XFP_DIM_ITYPE];
		pkt->icmp_code = (uint8_t)at[XFP_DIM_ICODE];
	}
	pkt->local_addr_type = (uint8_t)at[XFP_DIM_ATYPE];
	pkt->ipsec_flags = c->pflags;
	pkt->sa = c->psa;
}

/*
 * What filter b->fidx returns in the datapath (for buckets, whose
 * sublayers are merged at run time): asked of the oracle on a policy
 * holding that filter only, with a packet inside the box.
 */
static int filter_result(struct cc *c, const struct box *b)
{
	const struct xfp_filter *f = &c->p->filters[b->fidx];
	struct fres *fr = &c->fres[b->fidx];
	struct xfp_policy *q = &c->q;
	struct xfp_decision d;
	struct xfp_pkt pkt;

	if (fr->have)
		return 0;
	q->filters = (struct xfp_filter *)f;
	q->n_filters = 1;
	rep_pkt(c, b->lo, &pkt);
	if (xfp_ref_classify(q, (enum xfp_layer)c->layer, &pkt, &d) ||
	    d.filter_id != f->id)
		return fail(c,
			    "internal: compiler and reference disagree on "
			    "filter '%s' alone",
			    f->name);
	fr->flags = 0;
	if (d.action == XFP_ACTION_BLOCK)
		fr->flags |= XFP_BOX_F_BLOCK;
	if (d.hard)
		fr->flags |= XFP_BOX_F_HARD;
	if (f->action != XFP_ACTION_PERMIT && f->action != XFP_ACTION_BLOCK)
		fr->flags |= XFP_BOX_F_CALLOUT;
	if (d.secure)
		fr->flags |= XFP_BOX_F_SECURE;
	if (d.clear_ok)
		fr->flags |= XFP_BOX_F_CLEAR_OK;
	if (d.acquire)
		fr->flags |= XFP_BOX_F_ACQUIRE;
	fr->nd_timeout = 0;
	if (c->layer == XFP_LAYER_INBOUND_TRANSPORT &&
	    d.action == XFP_ACTION_PERMIT && d.reason == XFP_REASON_ND_CLEAR) {
		fr->flags |= XFP_BOX_F_ND_IN;
		fr->nd_timeout = xfp_nd_clear_timeout(c->p, &pkt);
	}
	fr->drop_reason = (uint8_t)d.drop_reason;
	fr->have = true;
	return 0;
}

static void u128_split(u128 v, __u64 *hi, __u64 *lo)
{
	*hi = (__u64)(v >> 64);
	*lo = (__u64)v;
}

/* Number of box i of the current tree in the emitted box area. */
static int emit_box(struct cc *c, uint32_t i, uint32_t *out)
{
	const struct box *b = &c->boxes[i];
	struct xfp_dp_box_a *a, *r;
	struct xfp_dp_box_c *x;
	struct xfp_dp_box_d *d;
	int err;

	if (c->box_g[i] >= 0) {
		*out = (uint32_t)c->box_g[i];
		return 0;
	}
	err = filter_result(c, b);
	if (err)
		return err;
	if (c->n_gbox + 4 > c->cap_gbox) {
		uint32_t nc = c->cap_gbox ? c->cap_gbox * 2 : 256;
		struct xfp_dp_rec *v = cc_grow(c, c->gbox,
					       (size_t)c->n_gbox * sizeof(*v),
					       (size_t)nc * sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		c->gbox = v;
		c->cap_gbox = nc;
	}
	memset(&c->gbox[c->n_gbox], 0, 4 * sizeof(*c->gbox));
	a = (void *)&c->gbox[c->n_gbox];
	r = (void *)&c->gbox[c->n_gbox + 1];
	x = (void *)&c->gbox[c->n_gbox + 2];
	d = (void *)&c->gbox[c->n_gbox + 3];
	u128_split(b->lo[XFP_DIM_LADDR], &a->lo_hi, &a->lo_lo);
	u128_split(b->hi[XFP_DIM_LADDR], &a->hi_hi, &a->hi_lo);
	u128_split(b->lo[XFP_DIM_RADDR], &r->lo_hi, &r->lo_lo);
	u128_split(b->hi[XFP_DIM_RADDR], &r->hi_hi, &r->hi_lo);
	x->lport_lo = (uint32_t)b->lo[XFP_DIM_LPORT];
	x->lport_hi = (uint32_t)b->hi[XFP_DIM_LPORT];
	x->rport_lo = (uint32_t)b->lo[XFP_DIM_RPORT];
	x->rport_hi = (uint32_t)b->hi[XFP_DIM_RPORT];
	x->proto_lo = (uint32_t)b->lo[XFP_DIM_PROTO];
	x->proto_hi = (uint32_t)b->hi[XFP_DIM_PROTO];
	x->itype_lo = (uint32_t)b->lo[XFP_DIM_ITYPE];
	x->itype_hi = (uint32_t)b->hi[XFP_DIM_ITYPE];
	d->icode_lo = (uint32_t)b->lo[XFP_DIM_ICODE];
	d->icode_hi = (uint32_t)b->hi[XFP_DIM_ICODE];
	d->atype_lo = (uint32_t)b->lo[XFP_DIM_ATYPE];
	d->atype_hi = (uint32_t)b->hi[XFP_DIM_ATYPE];
	d->filter_id = c->p->filters[b->fidx].id;
	d->flags = c->fres[b->fidx].flags;
	d->drop_reason = c->fres[b->fidx].drop_reason;
	d->nd_timeout = c->fres[b->fidx].nd_timeout;
	d->slpos = (uint8_t)b->slpos;
	d->sublayer = (uint8_t)c->p->filters[b->fidx].sublayer;
	*out = c->n_gbox / 4;
	c->box_g[i] = (int32_t)*out;
	c->n_gbox += 4;
	return 0;
}

/* Make node `node` a bucket over the (pruned) box list. */
static int make_bucket(struct cc *c, uint32_t node, const uint32_t *list,
		       uint32_t n)
{
	uint32_t need = (n + 7) / 8 * 8;
	struct xfp_dp_node *nd;
	int err;

	if (c->n_lists + need > c->cap_lists) {
		uint32_t nc = c->cap_lists ? c->cap_lists * 2 : 1024;
		uint32_t *v;

		while (nc < c->n_lists + need)
			nc *= 2;
		v = cc_grow(c, c->lists, (size_t)c->n_lists * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		c->lists = v;
		c->cap_lists = nc;
	}
	memset(&c->lists[c->n_lists], 0, need * sizeof(*c->lists));
	for (uint32_t i = 0; i < n; i++) {
		err = emit_box(c, list[i], &c->lists[c->n_lists + i]);
		if (err)
			return err;
	}
	nd = &c->nodes[node];
	nd->kind = XFP_REC_BUCKET;
	nd->dim = (uint8_t)n;
	nd->left = c->n_lists / 8; /* list record, fixed up later */
	c->n_lists += need;
	c->n_buckets++;
	return 0;
}

/* The decision for a leaf whose sublayers are decided by `set`. */
static int leaf_decision(struct cc *c, const int32_t *set, const u128 *at,
			 uint32_t *out)
{
	const struct xfp_policy *p = c->p;
	uint64_t h = set_hash(set, c->n_sl);
	struct xfp_filter sub[XFP_SUBLAYERS_MAX];
	struct xfp_policy *q = &c->q;
	struct xfp_decision d;
	struct xfp_pkt pkt;
	struct xfp_dp_decision *rec;
	unsigned nsub = 0, slot;
	uint8_t fl;

	if (c->dc_n * 2 >= c->dc_cap) {
		uint32_t nc = c->dc_cap ? c->dc_cap * 2 : 1024;
		struct dcache *v = big_calloc(nc, sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		for (uint32_t i = 0; i < c->dc_cap; i++) {
			if (!c->dc[i].hash)
				continue;
			slot = (unsigned)(c->dc[i].hash & (nc - 1));
			while (v[slot].hash)
				slot = (slot + 1) & (nc - 1);
			v[slot] = c->dc[i];
		}
		cc_free(c, c->dc);
		c->dc = v;
		c->dc_cap = nc;
	}
	slot = (unsigned)(h & (c->dc_cap - 1));
	while (c->dc[slot].hash) {
		if (c->dc[slot].hash == h &&
		    !memcmp(&c->dc_pool[c->dc[slot].set], set,
			    c->n_sl * sizeof(*set))) {
			*out = c->dc[slot].dec;
			return 0;
		}
		slot = (slot + 1) & (c->dc_cap - 1);
	}
	if (c->n_pool + c->n_sl >= c->cap_pool) {
		uint32_t nc = c->cap_pool ? c->cap_pool * 2 : 4096;
		int32_t *v;

		while (nc <= c->n_pool + c->n_sl)
			nc *= 2;
		v = cc_grow(c, c->dc_pool, (size_t)c->n_pool * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		c->dc_pool = v;
		c->cap_pool = nc;
	}

	/* Reduced policy: the deciders only, in evaluation order. */
	for (unsigned s = 0; s < c->n_sl; s++)
		if (set[s] >= 0)
			sub[nsub++] = p->filters[set[s]];
	q->filters = sub;
	q->n_filters = nsub;

	rep_pkt(c, at, &pkt);
	if (xfp_ref_classify(q, (enum xfp_layer)c->layer, &pkt, &d))
		return fail(c, "internal: reference classifier refused a "
			       "reduced policy");
	/* Guard: the reduced run must see exactly our deciders. */
	for (unsigned k = 0; k < d.n_sublayers; k++) {
		int s = c->sl_pos[d.sub[k].sublayer];
		uint64_t want = set[s] >= 0 ? p->filters[set[s]].id : 0;

		if (d.sub[k].filter_id != want)
			return fail(c,
				    "internal: compiler and reference disagree "
				    "in sublayer '%s' (filter %llu vs %llu)",
				    p->sublayers[d.sub[k].sublayer].name,
				    (unsigned long long)want,
				    (unsigned long long)d.sub[k].filter_id);
	}

	if (c->n_decs == c->cap_decs) {
		uint32_t nc = c->cap_decs ? c->cap_decs * 2 : 64;
		struct xfp_dp_decision *v =
			cc_grow(c, c->decs, (size_t)c->n_decs * sizeof(*v),
				(size_t)nc * sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		c->decs = v;
		c->cap_decs = nc;
	}
	rec = &c->decs[c->n_decs];
	memset(rec, 0, sizeof(*rec));
	rec->kind = XFP_REC_DECISION;
	dp_outcome(&d, &rec->verdict, &rec->reason, &fl);
	rec->flags = fl;
	if (fl & XFP_DEC_F_ND_IN) {
		uint32_t to = xfp_nd_clear_timeout(p, &pkt);

		rec->nd_timeout = (uint16_t)(to > 65535 ? 65535 : to);
	}
	rec->action = (uint8_t)d.action;
	rec->sublayer = d.sublayer >= 0 ? (uint8_t)d.sublayer : 0xff;
	rec->filter_id = d.filter_id;
	rec->filter_index = UINT32_MAX;
	if (d.filter_id)
		for (unsigned s = 0; s < c->n_sl; s++)
			if (set[s] >= 0 && p->filters[set[s]].id == d.filter_id)
				rec->filter_index = (uint32_t)set[s];
	*out = c->n_decs++;

	c->dc[slot].hash = h;
	c->dc[slot].set = c->n_pool;
	memcpy(&c->dc_pool[c->n_pool], set, c->n_sl * sizeof(*set));
	c->n_pool += c->n_sl;
	c->dc[slot].dec = *out;
	c->dc_n++;
	return 0;
}

/* Note the first use of decision dec in the current tree (see dlog). */
static int log_decision(struct cc *c, uint32_t dec)
{
	if (dec >= c->cap_dstamp) {
		uint32_t nc = c->cap_dstamp ? c->cap_dstamp : 1024;
		uint32_t *v;

		while (nc <= dec)
			nc *= 2;
		v = cc_grow(c, c->dstamp, (size_t)c->cap_dstamp * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		memset(v + c->cap_dstamp, 0xff,
		       (size_t)(nc - c->cap_dstamp) * sizeof(*v));
		c->dstamp = v;
		c->cap_dstamp = nc;
	}
	if (c->dstamp[dec] == c->tree_no)
		return 0;
	c->dstamp[dec] = c->tree_no;
	if (c->n_dlog == c->cap_dlog) {
		uint32_t nc = c->cap_dlog ? c->cap_dlog * 2 : 1024;
		uint32_t *v = cc_grow(c, c->dlog,
				      (size_t)c->n_dlog * sizeof(*v),
				      (size_t)nc * sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		c->dlog = v;
		c->cap_dlog = nc;
	}
	c->dlog[c->n_dlog++] = dec;
	return 0;
}

/* Only the box's narrow dimensions can make these false. */
static bool overlaps(const struct box *b, const u128 *lo, const u128 *hi)
{
	for (unsigned m = b->dmask; m; m &= m - 1) {
		int d = __builtin_ctz(m);

		if (b->hi[d] < lo[d] || b->lo[d] > hi[d])
			return false;
	}
	return true;
}

static bool covers(const struct box *b, const u128 *lo, const u128 *hi)
{
	for (unsigned m = b->dmask; m; m &= m - 1) {
		int d = __builtin_ctz(m);

		if (b->lo[d] > lo[d] || b->hi[d] < hi[d])
			return false;
	}
	return true;
}

/*
 * A region waiting to be built.  Its box list is list..list+n in the
 * arena c->la; lists are allocated at the arena top, so when a region is
 * taken off the work stack everything above its list is free again.
 */
struct work {
	u128 lo[XFP_DIM__MAX], hi[XFP_DIM__MAX];
	uint32_t list, n;
	uint32_t node, depth;
};

/* Room for n more entries at the top of the list arena. */
static int la_reserve(struct cc *c, uint64_t n)
{
	uint64_t need = (uint64_t)c->la_top + n + 1, nc;
	uint32_t *v;

	if (need <= c->la_cap)
		return 0;
	for (nc = c->la_cap ? c->la_cap : 4096; nc < need; nc *= 2)
		;
	if (nc > UINT32_MAX)
		return fail(c, "out of memory");
	v = cc_grow(c, c->la, (size_t)c->la_top * sizeof(*v), nc * sizeof(*v));
	if (!v)
		return fail(c, "out of memory");
	c->la = v;
	c->la_cap = (uint32_t)nc;
	return 0;
}

/* Scratch arrays of at least n entries (contents not kept). */
static int need_pts(struct cc *c, uint32_t n)
{
	u128 *v;

	if (n <= c->cap_pts)
		return 0;
	v = realloc(c->pts, (size_t)n * 2 * sizeof(*v));
	if (!v)
		return fail(c, "out of memory");
	c->pts = v;
	c->cap_pts = n * 2;
	return 0;
}

static int need_sv(struct cc *c, uint32_t n)
{
	struct sv *v;
	uint32_t *t;

	if (n <= c->cap_sv)
		return 0;
	v = realloc(c->sv, (size_t)n * 2 * sizeof(*v));
	if (!v)
		return fail(c, "out of memory");
	c->sv = v;
	t = realloc(c->tmp, (size_t)n * 2 * sizeof(*t));
	if (!t)
		return fail(c, "out of memory");
	c->tmp = t;
	c->cap_sv = n * 2;
	return 0;
}

/*
 * Prune `list` for region (lo, hi): keep per sublayer the overlapping boxes
 * up to and including the first one that covers the region.  Fills set[]
 * with the deciders and returns whether every sublayer is settled.
 */
static bool prune(struct cc *c, const u128 *lo, const u128 *hi, uint32_t *list,
		  uint32_t *n, int32_t *set)
{
	bool done[XFP_SUBLAYERS_MAX] = { false }, partial = false;
	bool blocked[XFP_SUBLAYERS_MAX] = { false };
	uint32_t o = 0;

	for (unsigned s = 0; s < c->n_sl; s++)
		set[s] = -1;
	for (uint32_t i = 0; i < *n; i++) {
		const struct box *b = &c->boxes[list[i]];

		if (done[b->slpos] || !overlaps(b, lo, hi))
			continue;
		list[o++] = list[i];
		if (covers(b, lo, hi)) {
			done[b->slpos] = true;
			if (!blocked[b->slpos])
				set[b->slpos] = (int32_t)b->fidx;
		} else {
			blocked[b->slpos] = true;
			partial = true;
		}
	}
	*n = o;
	return !partial;
}

/* In-place sort of cut points (quicksort, insertion sort for short runs). */
static void sort_u128(u128 *a, uint32_t n)
{
	while (n > 16) {
		u128 x = a[0], y = a[n / 2], z = a[n - 1], p, t;
		int64_t i = -1, j = n;

		p = x < y ? (y < z ? y :
			     x < z ? z :
				     x) :
			    (x < z ? x :
			     y < z ? z :
				     y);
		for (;;) {
			do
				i++;
			while (a[i] < p);
			do
				j--;
			while (a[j] > p);
			if (i >= j)
				break;
			t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		/* a[0..j] <= p <= a[j+1..n-1]; recurse into the smaller */
		if ((uint32_t)j + 1 < n - (uint32_t)j - 1) {
			sort_u128(a, (uint32_t)j + 1);
			a += j + 1;
			n -= (uint32_t)j + 1;
		} else {
			sort_u128(a + j + 1, n - (uint32_t)j - 1);
			n = (uint32_t)j + 1;
		}
	}
	for (uint32_t i = 1; i < n; i++) {
		u128 v = a[i];
		uint32_t k = i;

		for (; k > 0 && a[k - 1] > v; k--)
			a[k] = a[k - 1];
		a[k] = v;
	}
}

static bool sv_less(const struct sv *x, const struct sv *y)
{
	return x->v < y->v || (x->v == y->v && x->box < y->box);
}

/* Sort single values by (value, box number). */
static void sort_sv(struct sv *a, uint32_t n)
{
	while (n > 16) {
		struct sv x = a[0], y = a[n / 2], z = a[n - 1], p, t;
		int64_t i = -1, j = n;

		p = sv_less(&x, &y) ? (sv_less(&y, &z) ? y :
				       sv_less(&x, &z) ? z :
							 x) :
				      (sv_less(&x, &z) ? x :
				       sv_less(&y, &z) ? z :
							 y);
		for (;;) {
			do
				i++;
			while (sv_less(&a[i], &p));
			do
				j--;
			while (sv_less(&p, &a[j]));
			if (i >= j)
				break;
			t = a[i];
			a[i] = a[j];
			a[j] = t;
		}
		if ((uint32_t)j + 1 < n - (uint32_t)j - 1) {
			sort_sv(a, (uint32_t)j + 1);
			a += j + 1;
			n -= (uint32_t)j + 1;
		} else {
			sort_sv(a + j + 1, n - (uint32_t)j - 1);
			n = (uint32_t)j + 1;
		}
	}
	for (uint32_t i = 1; i < n; i++) {
		struct sv v = a[i];
		uint32_t k = i;

		for (; k > 0 && sv_less(&v, &a[k - 1]); k--)
			a[k] = a[k - 1];
		a[k] = v;
	}
}

/* The median of the distinct values among pts[0..np) (np > 0). */
static u128 median_distinct(u128 *pts, uint32_t np)
{
	uint32_t u = 0;

	sort_u128(pts, np);
	for (uint32_t i = 0; i < np; i++)
		if (!u || pts[i] != pts[u - 1])
			pts[u++] = pts[i];
	return pts[(u - 1) / 2];
}

/*
 * What the cut and hash choices need to know about a region, in one pass
 * over its (pruned) list: per dimension the number of boxes that end
 * inside the region, and per address dimension that is not yet a single
 * value the number of single-address boxes.
 */
static const int adims[2] = { XFP_DIM_RADDR, XFP_DIM_LADDR };

struct scan {
	uint32_t cnt[XFP_DIM__MAX];
	uint32_t single[2]; /* per adims[] entry */
	bool open[2]; /* the region spans more than one value there */
};

static void scan_region(const struct cc *c, const struct work *w,
			struct scan *sc)
{
	const uint32_t *list = c->la + w->list;

	memset(sc, 0, sizeof(*sc));
	for (int i = 0; i < 2; i++)
		sc->open[i] = w->lo[adims[i]] != w->hi[adims[i]];
	for (uint32_t j = 0; j < w->n; j++) {
		const struct box *b = &c->boxes[list[j]];

		for (unsigned m = b->dmask; m; m &= m - 1) {
			int d = __builtin_ctz(m);

			sc->cnt[d] += b->lo[d] > w->lo[d] ||
				      b->hi[d] < w->hi[d];
		}
		for (int i = 0; i < 2; i++)
			sc->single[i] += b->lo[adims[i]] == b->hi[adims[i]];
	}
	for (int i = 0; i < 2; i++)
		if (!sc->open[i])
			sc->single[i] = 0;
}

/*
 * Choose a cut for a region that is not settled: the dimension that the
 * most unsettled boxes cut (their interval ends inside the region), at the
 * median of those boxes' distinct boundaries on it.  Covering boxes end
 * their sublayer's list and have no boundary inside the region.
 */
static int choose_cut(struct cc *c, const struct work *w, const struct scan *sc,
		      int *dim, u128 *at)
{
	const uint32_t *list;
	uint32_t np = 0;
	int d, best = -1;

	for (d = 0; d < XFP_DIM__MAX; d++)
		if (sc->cnt[d] && (best < 0 || sc->cnt[d] > sc->cnt[best]))
			best = d;
	if (best < 0)
		return fail(c, "internal: no cut for an unsettled region");
	if (need_pts(c, sc->cnt[best] * 2))
		return -ENOMEM;
	d = best;
	list = c->la + w->list;
	for (uint32_t i = 0; i < w->n; i++) {
		const struct box *b = &c->boxes[list[i]];

		if (b->lo[d] > w->lo[d])
			c->pts[np++] = b->lo[d];
		if (b->hi[d] < w->hi[d])
			c->pts[np++] = b->hi[d] + 1;
	}
	*dim = d;
	*at = median_distinct(c->pts, np);
	return 0;
}

/* A cleared table of `size` slots (and a byte each) for try_hash(), in a
 * buffer kept for the next hash node: fresh memory costs page faults. */
static struct xfp_dp_slot *hash_scratch(struct cc *c, uint32_t size)
{
	size_t need = (size_t)size * (sizeof(struct xfp_dp_slot) + 1);

	if (need > c->cap_htab) {
		void *v = xfp_big_realloc(NULL, 0, need);

		if (!v)
			return NULL;
		cc_free(c, c->htab);
		c->htab = v;
		c->cap_htab = need;
	}
	memset(c->htab, 0, need);
	return c->htab;
}

/*
 * Exact addresses are the common case of large policies (one filter per
 * peer).  Instead of ~log2(peers) cuts, a hash node sends each exact value
 * of an address dimension to its own subtree in one step, and every other
 * value to a default subtree that no longer holds those single-address
 * boxes.  Used when at least 16 distinct single values are unsettled and
 * the wide boxes that every child must carry stay few.
 * Returns 1 with the children pushed on the work stack (default last),
 * 0 when not used.
 */
static int try_hash(struct cc *c, struct work *w, const struct scan *sc,
		    struct work **stackp, uint32_t *sp, uint32_t *capp)
{
	uint32_t best_cnt = 0, nsv = 0, nns = 0, m = 0, size, mask, first;
	struct xfp_dp_slot *tab = NULL;
	struct sv *sv;
	uint32_t *ns, *vstart;
	int d = -1;

	for (int i = 0; i < 2; i++) {
		if (!sc->open[i])
			continue;
		if (sc->single[i] > best_cnt) {
			best_cnt = sc->single[i];
			d = adims[i];
		}
	}
	if (d < 0 || best_cnt < 16)
		return 0;
	if (need_sv(c, w->n + 1))
		return -ENOMEM;
	sv = c->sv;
	ns = c->tmp;
	{
		const uint32_t *list = c->la + w->list;

		for (uint32_t j = 0; j < w->n; j++) {
			const struct box *b = &c->boxes[list[j]];

			if (b->lo[d] == b->hi[d]) {
				sv[nsv].v = b->lo[d];
				sv[nsv++].box = list[j];
			} else {
				ns[nns++] = list[j];
			}
		}
	}
	sort_sv(sv, nsv);
	/* distinct values: group starts, after the non-single boxes */
	vstart = ns + nns;
	for (uint32_t j = 0; j < nsv; j++)
		if (!j || sv[j].v != sv[j - 1].v)
			vstart[m++] = j;
	vstart[m] = nsv;
	if (m < 16 || (uint64_t)m * nns > 4000000u)
		return 0; /* not worth it */

	/* Open addressing with at most XFP_DP_HASH_PROBES probes, at most a
	 * quarter full.  Robin Hood placement (a key that is further from
	 * its home slot takes the place of one that is closer) keeps the
	 * longest probe sequence short, so the table rarely has to grow.
	 * It is still linear probing: every slot between a key's home and
	 * its place is used, which the lookup (stop at an empty slot)
	 * relies on. */
	for (size = 16; size < 4 * m; size *= 2)
		;
	for (int tries = 0;; tries++, size *= 2) {
		bool ok = true;
		uint8_t *dist;

		if (tries == 4)
			return 0;
		tab = hash_scratch(c, size);
		if (!tab)
			return fail(c, "out of memory");
		dist = (uint8_t *)(tab + size);
		mask = size - 1;
		for (uint32_t j = 0; j < m && ok; j++) {
			u128 v = sv[vstart[j]].v;
			struct xfp_dp_slot e = { 0 }, t;
			uint32_t pos;
			uint8_t dd = 0, td;

			e.used = 1;
			e.key_hi = (uint64_t)(v >> 64);
			e.key_lo = (uint64_t)v;
			e.child = j; /* child number for now */
			pos = (uint32_t)(xfp_dp_hash(e.key_hi, e.key_lo) &
					 mask);
			for (;;) {
				if (!tab[pos].used) {
					tab[pos] = e;
					dist[pos] = dd;
					break;
				}
				if (dist[pos] < dd) {
					t = tab[pos];
					tab[pos] = e;
					e = t;
					td = dist[pos];
					dist[pos] = dd;
					dd = td;
				}
				pos = (pos + 1) & mask;
				if (++dd >= XFP_DP_HASH_PROBES) {
					ok = false;
					break;
				}
			}
		}
		if (ok)
			break;
	}

	/* The children's nodes, numbered in order (default last). */
	first = c->n_nodes;
	for (uint32_t j = 0; j <= m; j++)
		if (new_node(c) == UINT32_MAX) {
			return fail(c, "out of memory");
		}
	if (c->n_nodes > c->node_budget) {
		fail(c,
		     "policy too large for the classifier: more than %u "
		     "tree nodes",
		     c->node_budget);
		return -E2BIG;
	}
	if (*sp + m + 1 > *capp) {
		uint32_t nc = *capp ? *capp * 2 : 64;
		struct work *v;

		while (nc < *sp + m + 1)
			nc *= 2;
		v = cc_grow(c, *stackp, (size_t)*sp * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		*stackp = v;
		*capp = nc;
	}
	/* Their lists, at the arena top in push order. */
	for (uint32_t j = 0; j <= m; j++) {
		struct work *x = &(*stackp)[(*sp)++];
		uint32_t a = 0, bi = 0, o = 0, n1, *out;
		u128 v;

		*x = *w;
		x->depth = w->depth + 1;
		x->node = first + j;
		x->list = c->la_top;
		if (j == m) { /* default: no single-value boxes of d */
			if (la_reserve(c, nns)) {
				return -ENOMEM;
			}
			memcpy(c->la + c->la_top, ns,
			       (size_t)nns * sizeof(*ns));
			x->n = nns;
			c->la_top += nns;
			continue;
		}
		n1 = vstart[j + 1] - vstart[j];
		if (la_reserve(c, (uint64_t)n1 + nns)) {
			return -ENOMEM;
		}
		v = sv[vstart[j]].v;
		x->lo[d] = x->hi[d] = v;
		out = c->la + c->la_top;
		/* Merge in evaluation (box number) order. */
		while (a < n1 || bi < nns) {
			if (bi < nns) {
				const struct box *wb = &c->boxes[ns[bi]];

				if (wb->hi[d] < v || wb->lo[d] > v) {
					bi++;
					continue;
				}
			}
			if (a < n1 &&
			    (bi >= nns || sv[vstart[j] + a].box < ns[bi]))
				out[o++] = sv[vstart[j] + a++].box;
			else
				out[o++] = ns[bi++];
		}
		x->n = o;
		c->la_top += o;
	}
	/* The node and its slots. */
	if (c->n_slots + size > c->cap_slots) {
		uint32_t nc = c->cap_slots ? c->cap_slots : 1024;
		struct xfp_dp_slot *v;

		while (nc < c->n_slots + size)
			nc *= 2;
		v = cc_grow(c, c->slots, (size_t)c->n_slots * sizeof(*v),
			    (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		c->slots = v;
		c->cap_slots = nc;
	}
	for (uint32_t j = 0; j < size; j++)
		if (tab[j].used)
			tab[j].child = first + tab[j].child;
	memcpy(&c->slots[c->n_slots], tab, (size_t)size * sizeof(*tab));
	{
		struct xfp_dp_node *nd = &c->nodes[w->node];

		nd->kind = XFP_REC_HASH;
		nd->dim = (uint8_t)d;
		nd->left = c->n_slots; /* slot record, fixed up later */
		nd->right = first + m;
		nd->pad2 = mask;
	}
	c->n_slots += size;
	c->n_hash++;
	return 1;
}

/*
 * Before a hash node on an address dimension: if the boxes that are not
 * single addresses (which every hash child would carry) still need cuts
 * in other dimensions, make those cuts first, once, above the hash node
 * instead of again below each of its children.  Returns 1 with the cut.
 */
static int ns_cut(struct cc *c, const struct work *w, const struct scan *sc,
		  int *dim, u128 *at)
{
	uint32_t cnt[XFP_DIM__MAX] = { 0 }, np = 0;
	const uint32_t *list = c->la + w->list;
	int hd = -1, best = -1, e;

	for (int i = 0; i < 2 && hd < 0; i++)
		if (sc->open[i] && sc->single[i] >= 16)
			hd = adims[i];
	if (hd < 0)
		return 0;
	for (uint32_t j = 0; j < w->n; j++) {
		const struct box *b = &c->boxes[list[j]];

		if (b->lo[hd] == b->hi[hd])
			continue;
		for (unsigned m = b->dmask; m; m &= m - 1) {
			e = __builtin_ctz(m);
			if (e != hd &&
			    (b->lo[e] > w->lo[e] || b->hi[e] < w->hi[e]))
				cnt[e]++;
		}
	}
	for (e = 0; e < XFP_DIM__MAX; e++)
		if (cnt[e] && (best < 0 || cnt[e] > cnt[best]))
			best = e;
	if (best < 0)
		return 0;
	if (need_pts(c, cnt[best] * 2))
		return -ENOMEM;
	list = c->la + w->list;
	for (uint32_t j = 0; j < w->n; j++) {
		const struct box *b = &c->boxes[list[j]];

		if (b->lo[hd] == b->hi[hd])
			continue;
		if (b->lo[best] > w->lo[best])
			c->pts[np++] = b->lo[best];
		if (b->hi[best] < w->hi[best])
			c->pts[np++] = b->hi[best] + 1;
	}
	*dim = best;
	*at = median_distinct(c->pts, np);
	return 1;
}

static int grow_stack(struct cc *c, uint32_t need)
{
	uint32_t nc = c->cap_stk ? c->cap_stk * 2 : 64;
	struct work *v;

	while (nc < need)
		nc *= 2;
	v = cc_grow(c, c->stk, (size_t)c->cap_stk * sizeof(*v),
		    (size_t)nc * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->stk = v;
	c->cap_stk = nc;
	return 0;
}

static int build_tree(struct cc *c, uint32_t *root_out)
{
	uint32_t sp = 0;
	int32_t set[XFP_SUBLAYERS_MAX];
	int r = 0;
	struct work w;

	memset(&w, 0, sizeof(w));
	space(c, w.lo, w.hi);
	c->la_top = 0;
	if (la_reserve(c, c->n_boxes))
		return -ENOMEM;
	for (uint32_t i = 0; i < c->n_boxes; i++)
		c->la[i] = i;
	w.list = 0;
	w.n = c->n_boxes;
	c->la_top = c->n_boxes;
	if (c->n_boxes + 1 > c->cap_box_g) {
		cc_free(c, c->box_g);
		c->box_g = xfp_big_realloc(
			NULL, 0, ((size_t)c->n_boxes + 1) * sizeof(*c->box_g));
		c->cap_box_g = c->box_g ? c->n_boxes + 1 : 0;
	}
	w.node = new_node(c);
	if (w.node == UINT32_MAX || !c->box_g)
		return fail(c, "out of memory");
	for (uint32_t i = 0; i < c->n_boxes; i++)
		c->box_g[i] = -1;
	*root_out = w.node;

	for (;;) {
		struct xfp_dp_node *nd;
		struct work *rr;
		struct scan sc;
		uint32_t ln;
		uint32_t dec = 0, *list, nl = 0, nr = 0;
		int dim = 0, have_cut = 0;
		u128 cut = 0;

		if (w.depth > c->max_depth)
			c->max_depth = w.depth;
		if (prune(c, w.lo, w.hi, c->la + w.list, &w.n, set)) {
			r = leaf_decision(c, set, w.lo, &dec);
			if (!r)
				r = log_decision(c, dec);
			if (r)
				goto out;
			nd = &c->nodes[w.node];
			nd->kind = XFP_REC_LEAF;
			nd->right = dec; /* fixed up to a record index later */
			goto next;
		}
		scan_region(c, &w, &sc);
		if (!c->bucket_max) {
			have_cut = ns_cut(c, &w, &sc, &dim, &cut);
			if (have_cut < 0) {
				r = have_cut;
				goto out;
			}
			if (!have_cut) {
				r = try_hash(c, &w, &sc, &c->stk, &sp,
					     &c->cap_stk);
				if (r < 0)
					goto out;
				if (r > 0) {
					r = 0;
					goto next;
				}
			}
		}
		if (c->bucket_max &&
		    (w.n <= c->bucket_max || (w.depth + 1 >= XFP_DP_DEPTH_MAX &&
					      w.n <= XFP_DP_BUCKET_MAX))) {
			r = make_bucket(c, w.node, c->la + w.list, w.n);
			if (r)
				goto out;
			goto next;
		}
		if (w.depth + 1 >= XFP_DP_DEPTH_MAX) {
			r = fail(c,
				 "policy too complex: decision tree "
				 "deeper than %d in layer %s",
				 XFP_DP_DEPTH_MAX,
				 xfp_layer_name((enum xfp_layer)c->layer));
			goto out;
		}
		if (!have_cut) {
			r = choose_cut(c, &w, &sc, &dim, &cut);
			if (r)
				goto out;
		}
		/* Split the list: the right part goes to the arena top, the
		 * left one stays in place (both keep evaluation order). */
		if (la_reserve(c, w.n)) {
			r = -ENOMEM;
			goto out;
		}
		list = c->la + w.list;
		{
			uint32_t *rl = c->la + c->la_top;

			for (uint32_t i = 0; i < w.n; i++) {
				uint32_t bn = list[i];
				const struct box *b = &c->boxes[bn];

				if (b->hi[dim] >= cut)
					rl[nr++] = bn;
				if (b->lo[dim] < cut)
					list[nl++] = bn;
			}
		}
		/* The right part waits on the stack; the left one is built
		 * next, in w itself (no copies of the region). */
		if (sp == c->cap_stk && grow_stack(c, sp + 1)) {
			r = fail(c, "out of memory");
			goto out;
		}
		rr = &c->stk[sp];
		*rr = w;
		rr->lo[dim] = cut;
		rr->depth = w.depth + 1;
		rr->list = c->la_top;
		rr->n = nr;
		c->la_top += nr;
		ln = new_node(c);
		rr->node = new_node(c);
		if (ln == UINT32_MAX || rr->node == UINT32_MAX ||
		    c->n_nodes > c->node_budget) {
			fail(c,
			     "policy too large for the classifier: "
			     "more than %u tree nodes even with buckets "
			     "of %u filters",
			     c->node_budget, c->bucket_max);
			r = -E2BIG;
			goto out;
		}
		nd = &c->nodes[w.node];
		nd->kind = XFP_REC_NODE;
		nd->dim = (uint8_t)dim;
		nd->thr_hi = (uint64_t)(cut >> 64);
		nd->thr_lo = (uint64_t)cut;
		nd->left = ln;
		nd->right = rr->node;
		sp++;
		w.hi[dim] = cut - 1;
		w.depth++;
		w.n = nl;
		w.node = ln;
		continue;
next:
		if (!sp)
			break;
		w = c->stk[--sp];
		c->la_top = w.list + w.n;
	}
out:
	return r;
}

static int spi_cmp(const void *a, const void *b)
{
	const struct xfp_dp_spi *x = a, *y = b;

	return x->spi < y->spi ? -1 : x->spi > y->spi;
}

/* Free what one build attempt made in c (a worker or the main context). */
static void cc_release(struct cc *c)
{
	cc_free(c, c->nodes);
	cc_free(c, c->decs);
	cc_free(c, c->boxes);
	cc_free(c, c->box_g);
	c->cap_box_g = 0;
	cc_free(c, c->gbox);
	cc_free(c, c->lists);
	cc_free(c, c->slots);
	cc_free(c, c->dc);
	cc_free(c, c->dc_pool);
	cc_free(c, c->la);
	free(c->pts);
	free(c->sv);
	free(c->tmp);
	cc_free(c, c->htab);
	c->htab = NULL;
	c->cap_htab = 0;
	cc_free(c, c->stk);
	cc_free(c, c->dlog);
	cc_free(c, c->dstamp);
	free(c->arena);
	c->arena = c->arena_end = NULL;
	c->dlog = c->dstamp = NULL;
	c->n_dlog = c->cap_dlog = c->cap_dstamp = 0;
	c->stk = NULL;
	c->cap_stk = 0;
	c->slots = NULL;
	c->n_slots = c->cap_slots = c->n_hash = 0;
	c->dc_pool = NULL;
	c->n_pool = c->cap_pool = 0;
	c->la = NULL;
	c->la_top = c->la_cap = 0;
	c->pts = NULL;
	c->sv = NULL;
	c->tmp = NULL;
	c->cap_pts = c->cap_sv = 0;
	c->nodes = NULL;
	c->decs = NULL;
	c->boxes = NULL;
	c->box_g = NULL;
	c->gbox = NULL;
	c->lists = NULL;
	c->dc = NULL;
	c->n_nodes = c->cap_nodes = c->n_decs = c->cap_decs = 0;
	c->n_boxes = c->cap_boxes = c->n_gbox = c->cap_gbox = 0;
	c->n_lists = c->cap_lists = c->dc_cap = c->dc_n = 0;
	c->n_buckets = 0;
	c->max_depth = 0;
}

/* Free what one build attempt made: the workers and the tree list. */
static void cc_reset(struct cc *c)
{
	for (uint32_t i = 0; i < c->n_wk; i++) {
		cc_release(c->wk[i]);
		free(c->wk[i]);
	}
	free(c->wk);
	c->wk = NULL;
	c->n_wk = c->cap_wk = 0;
	free(c->trees);
	c->trees = NULL;
	c->n_trees = c->cap_trees = 0;
	c->tot_nodes = c->tot_slots = c->tot_gbox = c->tot_lists = 0;
	cc_release(c);
}

/*
 * Start the large arrays at the size a policy of this many filters
 * usually needs, so that they rarely move while they grow.  They are
 * carved from one block (the arena): this is address space, pages are
 * only touched as the arrays fill, and the small arrays share huge pages.
 */
static int presize(struct cc *c)
{
	uint32_t nf = c->p->n_filters < 131072 ? c->p->n_filters : 131072;
	/* A worker builds its share of the trees; arrays that outgrow
	 * their part move out of the arena (cc_grow()). */
	uint32_t nfw = c->threads > 1 ? nf / c->threads : nf;
	uint32_t nn = 8 * nfw + 256, nd = 1024, ns = 10 * nfw + 256;
	uint32_t nh = 8 * nfw + 64; /* hash_scratch() slots */
	size_t off = 0, o_dc, o_pool, o_decs, o_stamp, o_dlog, o_la, o_boxes,
	       o_stk, o_nodes, o_slots, o_comp, o_fres, o_boxg, o_htab;

	if (nn > c->node_budget + 1)
		nn = c->node_budget + 1;
	while (nd < 2 * (nfw + 256))
		nd *= 2;
	c->cap_nodes = nn;
	c->cap_decs = nfw + 256;
	c->cap_boxes = nf + 64;
	c->la_cap = 4 * nf + 1024;
	c->cap_stk = nfw / 2 + 64;
	c->cap_pool = (nfw + 256) * (c->n_sl + 1);
	c->dc_cap = nd;
	c->cap_dstamp = nfw + 256;
	c->cap_dlog = nfw + 256;
	c->cap_slots = ns;
#define CARVE(o, bytes)                                   \
	do {                                              \
		o = off;                                  \
		off = (off + (bytes) + 63) & ~(size_t)63; \
	} while (0)
	CARVE(o_comp, ((size_t)c->p->n_filters + 1) * sizeof(*c->compiled));
	CARVE(o_fres, ((size_t)c->p->n_filters + 1) * sizeof(*c->fres));
	CARVE(o_dc, (size_t)nd * sizeof(*c->dc));
	CARVE(o_pool, (size_t)c->cap_pool * sizeof(*c->dc_pool));
	CARVE(o_decs, (size_t)c->cap_decs * sizeof(*c->decs));
	CARVE(o_stamp, (size_t)c->cap_dstamp * sizeof(*c->dstamp));
	CARVE(o_dlog, (size_t)c->cap_dlog * sizeof(*c->dlog));
	CARVE(o_la, (size_t)c->la_cap * sizeof(*c->la));
	CARVE(o_boxg, ((size_t)c->cap_boxes + 1) * sizeof(*c->box_g));
	CARVE(o_boxes, (size_t)c->cap_boxes * sizeof(*c->boxes));
	CARVE(o_nodes, (size_t)nn * sizeof(*c->nodes));
	CARVE(o_stk, (size_t)c->cap_stk * sizeof(*c->stk));
	CARVE(o_slots, (size_t)ns * sizeof(*c->slots));
	CARVE(o_htab, (size_t)nh * (sizeof(*c->slots) + 1));
#undef CARVE
	/* small policies: plain heap memory (see xfp_big_realloc()) */
	c->arena = xfp_big_realloc(NULL, 0, off);
	if (!c->arena)
		return fail(c, "out of memory");
	c->arena_end = c->arena + off;
	c->compiled = (void *)(c->arena + o_comp);
	c->fres = (void *)(c->arena + o_fres);
	c->box_g = (void *)(c->arena + o_boxg);
	c->cap_box_g = c->cap_boxes + 1;
	c->htab = c->arena + o_htab;
	c->cap_htab = (size_t)nh * (sizeof(*c->slots) + 1);
	memset(c->compiled, 0,
	       ((size_t)c->p->n_filters + 1) * sizeof(*c->compiled));
	memset(c->fres, 0, ((size_t)c->p->n_filters + 1) * sizeof(*c->fres));
	c->dc = (void *)(c->arena + o_dc);
	c->dc_pool = (void *)(c->arena + o_pool);
	c->decs = (void *)(c->arena + o_decs);
	c->dstamp = (void *)(c->arena + o_stamp);
	c->dlog = (void *)(c->arena + o_dlog);
	c->la = (void *)(c->arena + o_la);
	c->boxes = (void *)(c->arena + o_boxes);
	c->stk = (void *)(c->arena + o_stk);
	c->nodes = (void *)(c->arena + o_nodes);
	c->slots = (void *)(c->arena + o_slots);
	memset(c->dc, 0, (size_t)nd * sizeof(*c->dc));
	memset(c->dstamp, 0xff, (size_t)c->cap_dstamp * sizeof(*c->dstamp));
	return 0;
}

/* A worker: shares c's read-only inputs, has build state of its own. */
static struct cc *new_worker(struct cc *c)
{
	struct cc *w = malloc(sizeof(*w) + 256);

	if (!w)
		return NULL;
	*w = *c;
	w->err = (char *)(w + 1);
	w->errlen = 256;
	w->err[0] = 0;
	w->arena = w->arena_end = NULL;
	w->trees = NULL;
	w->wk = NULL;
	w->n_trees = w->cap_trees = w->n_wk = w->cap_wk = 0;
	w->nodes = NULL;
	w->decs = NULL;
	w->boxes = NULL;
	w->box_g = NULL;
	w->gbox = NULL;
	w->lists = NULL;
	w->slots = NULL;
	w->dc = NULL;
	w->dc_pool = NULL;
	w->la = NULL;
	w->pts = NULL;
	w->sv = NULL;
	w->tmp = NULL;
	w->htab = NULL;
	w->stk = NULL;
	w->dlog = w->dstamp = NULL;
	w->compiled = NULL;
	w->fres = NULL;
	w->marena = w->marena_end = NULL;
	w->moff = 0;
	cc_release(w);
	/* the node budget left by the trees built before */
	w->node_budget = c->node_budget > c->tot_nodes ?
				 c->node_budget - c->tot_nodes :
				 0;
	if (presize(w)) {
		cc_release(w);
		free(w);
		return NULL;
	}
	return w;
}

/* Build tree t in worker w (k: its number in this build_all()). */
static void build_one(struct cc *w, struct tree_res *t, uint32_t k)
{
	int r;

	w->layer = t->layer;
	w->family = t->family;
	w->kind = t->kind;
	w->tree_no = k;
	w->err[0] = 0;
	t->w = w;
	t->wi = w->wid;
	t->node0 = w->n_nodes;
	t->slot0 = w->n_slots;
	t->gbox0 = w->n_gbox;
	t->list0 = w->n_lists;
	t->dlog0 = w->n_dlog;
	r = make_boxes(w);
	if (!r)
		r = build_tree(w, &t->root);
	t->node1 = w->n_nodes;
	t->slot1 = w->n_slots;
	t->gbox1 = w->n_gbox;
	t->list1 = w->n_lists;
	t->dlog1 = w->n_dlog;
	t->err = r;
	if (r)
		snprintf(t->msg, sizeof(t->msg), "%s", w->err);
}

struct job {
	struct cc *w;
	struct tree_res *trees; /* this build_all()'s trees */
	uint32_t n;
	uint32_t *next; /* next tree to take */
	uint32_t *fail_at; /* lowest tree that failed (n: none) */
};

static void *run_job(void *arg)
{
	struct job *j = arg;

	for (;;) {
		uint32_t k = __atomic_fetch_add(j->next, 1, __ATOMIC_RELAXED);
		uint32_t f;

		/* Trees after one that failed are not needed. */
		if (k >= j->n ||
		    k > __atomic_load_n(j->fail_at, __ATOMIC_RELAXED))
			break;
		build_one(j->w, &j->trees[k], k);
		if (!j->trees[k].err)
			continue;
		f = __atomic_load_n(j->fail_at, __ATOMIC_RELAXED);
		while (k < f && !__atomic_compare_exchange_n(
					j->fail_at, &f, k, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

/*
 * Build the trees of every (layer, family, kind) into roots[].  The trees
 * are independent: c->threads workers take them in order, each with its
 * own build state, and they are then numbered as a serial build numbers
 * them (tree by tree), so the table does not depend on the worker count.
 * May be called again (e.g. for another packet context): the new trees
 * follow the ones built before.
 */
static int build_all(struct cc *c, uint32_t *roots)
{
	unsigned mask = c->layer_mask ? c->layer_mask :
					(1u << XFP_DP_LAYERS) - 1;
	uint32_t n = 0;
	struct job jobs[8];
	pthread_t th[8];
	bool started[8] = { false };
	uint32_t first = c->n_trees, nw, next = 0, fail_at = n, i;
	struct tree_res *trees;
	int r = 0;

	for (int layer = 0; layer < XFP_DP_LAYERS; layer++)
		if (mask & (1u << layer))
			n += 2 * XFP_KIND__MAX;
	fail_at = n;
	if (c->n_trees + n > c->cap_trees) {
		uint32_t nc = c->cap_trees ? c->cap_trees * 2 : 32;
		struct tree_res *v;

		while (nc < c->n_trees + n)
			nc *= 2;
		v = realloc(c->trees, (size_t)nc * sizeof(*v));
		if (!v)
			return fail(c, "out of memory");
		c->trees = v;
		c->cap_trees = nc;
	}
	trees = c->trees + first;
	memset(trees, 0, (size_t)n * sizeof(*trees));
	i = 0;
	for (int layer = 0; layer < XFP_DP_LAYERS; layer++)
		for (int f6 = 0; f6 < 2 && (mask & (1u << layer)); f6++)
			for (int kind = 0; kind < XFP_KIND__MAX; kind++, i++) {
				trees[i].layer = layer;
				trees[i].family = f6 ? 6 : 4;
				trees[i].kind = kind;
			}
	c->n_trees += n;

	nw = c->threads < 1 ? 1 : c->threads > 8 ? 8 : c->threads;
	if (nw > n)
		nw = n;
	if (c->n_wk + nw > c->cap_wk) {
		struct cc **v = realloc(c->wk, (c->n_wk + nw) * sizeof(*v));

		if (!v)
			return fail(c, "out of memory");
		c->wk = v;
		c->cap_wk = c->n_wk + nw;
	}
	for (i = 0; i < nw; i++) {
		struct cc *w = new_worker(c);

		if (!w) {
			if (i)
				break; /* fewer workers */
			return fail(c, "out of memory");
		}
		w->wid = c->n_wk;
		c->wk[c->n_wk++] = w;
		jobs[i].w = w;
		jobs[i].trees = trees;
		jobs[i].n = n;
		jobs[i].next = &next;
		jobs[i].fail_at = &fail_at;
	}
	nw = i;
	for (i = 1; i < nw; i++)
		started[i] = !pthread_create(&th[i], NULL, run_job, &jobs[i]);
	run_job(&jobs[0]);
	for (i = 1; i < nw; i++)
		if (started[i])
			pthread_join(th[i], NULL);

	/* Number the trees in order; errors and the node budget as a
	 * serial build would see them. */
	for (i = 0; i < n && !r; i++) {
		struct tree_res *t = &trees[i];
		uint32_t local = t->node1 - t->node0;

		if (!t->w) { /* a worker stopped early (cannot happen) */
			r = fail(c, "internal: tree %u was not built", i);
			break;
		}
		if (t->err) {
			r = t->err;
			if (r != -E2BIG &&
			    (uint64_t)c->tot_nodes + local > c->node_budget)
				r = -E2BIG;
			if (r == -E2BIG && t->err != -E2BIG)
				fail(c,
				     "policy too large for the classifier: "
				     "more than %u tree nodes even with buckets "
				     "of %u filters",
				     c->node_budget, c->bucket_max);
			else
				fail(c, "%s", t->msg);
			break;
		}
		t->gnode = c->tot_nodes;
		t->gslot = c->tot_slots;
		t->ggbox = c->tot_gbox;
		t->glist = c->tot_lists;
		c->tot_nodes += local;
		c->tot_slots += t->slot1 - t->slot0;
		c->tot_gbox += t->gbox1 - t->gbox0;
		c->tot_lists += t->list1 - t->list0;
		if (c->tot_nodes > c->node_budget) {
			fail(c,
			     "policy too large for the classifier: more than "
			     "%u tree nodes even with buckets of %u filters",
			     c->node_budget, c->bucket_max);
			r = -E2BIG;
			break;
		}
		roots[XFP_DP_ROOT(t->layer, t->family == 6, t->kind)] =
			t->gnode + (t->root - t->node0);
	}
	if (r)
		return r;
	for (i = c->n_wk - nw; i < c->n_wk; i++) {
		const struct cc *w = c->wk[i];

		if (w->max_depth > c->max_depth)
			c->max_depth = w->max_depth;
		c->n_buckets += w->n_buckets;
		c->n_hash += w->n_hash;
		for (uint32_t f = 0; f < c->p->n_filters; f++)
			c->compiled[f] |= w->compiled[f];
	}
	return 0;
}

/* Decisions numbered as a serial build numbers them: in tree order, in
 * order of first use, one record per set of deciders. */
struct dnum {
	uint32_t n;
	uint32_t **gmap; /* per worker: its decision -> number */
	const struct xfp_dp_decision **src; /* number -> record */
	const int32_t **set; /* number -> deciders */
	unsigned *pctx; /* number -> protection context */
	uint32_t n_gmap;
};

static void dnum_free(struct cc *c, struct dnum *dn)
{
	for (uint32_t i = 0; dn->gmap && i < dn->n_gmap; i++)
		cc_free(c, dn->gmap[i]);
	cc_free(c, dn->gmap);
	cc_free(c, dn->src);
	cc_free(c, dn->set);
	cc_free(c, dn->pctx);
	memset(dn, 0, sizeof(*dn));
}

static int number_decisions(struct cc *c, struct dnum *dn)
{
	uint32_t max = 0, cap = 16, *ht;
	size_t sl_bytes = c->n_sl * sizeof(int32_t);

	memset(dn, 0, sizeof(*dn));
	dn->gmap = main_alloc(c, (c->n_wk + 1) * sizeof(*dn->gmap));
	if (!dn->gmap)
		return fail(c, "out of memory");
	memset(dn->gmap, 0, (c->n_wk + 1) * sizeof(*dn->gmap));
	dn->n_gmap = c->n_wk;
	for (uint32_t i = 0; i < c->n_wk; i++) {
		uint32_t nd = c->wk[i]->n_decs;

		max += nd;
		dn->gmap[i] =
			main_alloc(c, ((size_t)nd + 1) * sizeof(uint32_t));
		if (!dn->gmap[i])
			return fail(c, "out of memory");
		memset(dn->gmap[i], 0xff, ((size_t)nd + 1) * sizeof(uint32_t));
	}
	while (cap < 2 * (uint64_t)max + 2)
		cap *= 2;
	ht = main_alloc(c,
			(size_t)cap * sizeof(*ht)); /* number + 1, 0: empty */
	dn->src = main_alloc(c, ((size_t)max + 1) * sizeof(*dn->src));
	dn->set = main_alloc(c, ((size_t)max + 1) * sizeof(*dn->set));
	dn->pctx = main_alloc(c, ((size_t)max + 1) * sizeof(*dn->pctx));
	if (!ht || !dn->src || !dn->set || !dn->pctx) {
		cc_free(c, ht);
		return fail(c, "out of memory");
	}
	memset(ht, 0, (size_t)cap * sizeof(*ht));
	for (uint32_t k = 0; k < c->n_trees; k++) {
		const struct tree_res *t = &c->trees[k];
		const struct cc *w = t->w;
		uint32_t *gm = dn->gmap[t->wi];

		for (uint32_t j = t->dlog0; j < t->dlog1; j++) {
			uint32_t l = w->dlog[j], slot, g = 0;
			const int32_t *set;

			if (gm[l] != UINT32_MAX)
				continue;
			set = w->dc_pool + (size_t)l * c->n_sl;
			/* the same deciders decide differently in another
			 * protection context */
			slot = (uint32_t)(set_hash(set, c->n_sl) ^
					  (w->pctx * 0x9e3779b97f4a7c15ull)) &
			       (cap - 1);
			for (; ht[slot]; slot = (slot + 1) & (cap - 1)) {
				g = ht[slot] - 1;
				if (dn->pctx[g] == w->pctx &&
				    !memcmp(dn->set[g], set, sl_bytes))
					break;
			}
			if (!ht[slot]) {
				g = dn->n++;
				dn->src[g] = &w->decs[l];
				dn->set[g] = set;
				dn->pctx[g] = w->pctx;
				ht[slot] = g + 1;
			}
			gm[l] = g;
		}
	}
	cc_free(c, ht);
	return 0;
}

/*
 * Workers when the caller leaves it to us: one.  Every worker has build
 * state of its own, i.e. fresh memory, and on the shared 2-vCPU VM this
 * was measured on, a second worker's first-touch page faults cost more
 * than it saved in one cold compile (10,000 filters: median 21.6 ms with
 * two, 16.5 ms with one; 50,000: 111 vs 98 ms), the other CPU being busy
 * more often than not.  Warm (compiles repeated in one process, memory
 * already faulted in) two were faster (8 vs 12 ms at 10,000 filters), so
 * callers that know better ask dp_compile_threads() for more.
 */
static unsigned auto_threads(uint32_t n)
{
	(void)n;
	return 1;
}

int dp_compile(const struct xfp_policy *p, const struct dp_device *dev,
	       const char *src, size_t src_len, uint64_t generation,
	       struct dp_table *out, char *err, size_t errlen)
{
	return dp_compile_threads(p, dev, src, src_len, generation, 0, out, err,
				  errlen);
}

static int compile_impl(const struct xfp_policy *p, const struct dp_device *dev,
			const char *src, size_t src_len, uint64_t generation,
			unsigned threads, bool to_map, struct dp_table *out,
			char *err, size_t errlen);

int dp_compile_threads(const struct xfp_policy *p, const struct dp_device *dev,
		       const char *src, size_t src_len, uint64_t generation,
		       unsigned threads, struct dp_table *out, char *err,
		       size_t errlen)
{
	return compile_impl(p, dev, src, src_len, generation, threads, false,
			    out, err, errlen);
}

int dp_compile_map(const struct xfp_policy *p, const struct dp_device *dev,
		   const char *src, size_t src_len, uint64_t generation,
		   struct dp_table *out, char *err, size_t errlen)
{
	return compile_impl(p, dev, src, src_len, generation, 0, true, out, err,
			    errlen);
}

static int compile_impl(const struct xfp_policy *p, const struct dp_device *dev,
			const char *src, size_t src_len, uint64_t generation,
			unsigned threads, bool to_map, struct dp_table *out,
			char *err, size_t errlen)
{
	/* First every leaf precomputed (with hash nodes); when that grows
	 * past the node budget, leaves of up to N boxes are checked at run
	 * time instead, and hash nodes are not used (their children each
	 * carry the wide boxes, which is what overlapping policies have). */
	static const unsigned buckets[] = { 0, 4, 8, 16, XFP_DP_BUCKET_MAX };
	struct cc c;
	uint32_t roots[XFP_DP_ROOTS];
	/* roots of protection context k >= 1 (bpf/xfp_abi.h XFP_CTX_*) */
	static __thread uint32_t croots[XFP_CTX_MAX][XFP_DP_ROOTS];
	unsigned n_ctx = 0;
	uint32_t n_spi = 0, n_src, total, base_dec, base_box, base_list,
		 base_slot, base_ctx, base_spi, base_src;
	struct xfp_dp_spi *spis = NULL;
	uint32_t *nmap = NULL, *lmap = NULL, n_out = 0;
	struct dnum dn = { 0 };
	struct timespec t0, t1;
	int r = 0;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.psa = -1;
	c.p = p;
	if (p)
		c.q = *p;
	c.dev = dev;
	c.err = err;
	c.errlen = errlen;
	if (err && errlen)
		err[0] = 0;
	if (!p || !p->finalized)
		return fail(&c, "the policy is not finalized");
	c.threads = threads ? threads : auto_threads(p->n_filters);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Sublayers in the oracle's order: weight desc, then definition. */
	for (unsigned i = 0; i < p->n_sublayers; i++) {
		unsigned j = c.n_sl++;

		while (j > 0 && p->sublayers[c.sl_order[j - 1]].weight <
					p->sublayers[i].weight) {
			c.sl_order[j] = c.sl_order[j - 1];
			j--;
		}
		c.sl_order[j] = (int)i;
	}
	for (unsigned s = 0; s < c.n_sl; s++)
		c.sl_pos[c.sl_order[s]] = (int)s;
	/* Packets that arrive over an SA (or leave over one) are judged in
	 * the SA's protection context: one set of trees per context, built
	 * when the policy has SAs or the device runs a worker. */
	if (p->n_sas || (dev && dev->contexts))
		n_ctx = XFP_CTX_SA_BASE + p->n_sas;
	if (n_ctx > XFP_CTX_MAX)
		return fail(&c,
			    "%u manual SAs: the datapath holds at most %u (one "
			    "protection context each)",
			    p->n_sas, XFP_CTX_MAX - XFP_CTX_SA_BASE);
	c.node_budget = (16384 + 48 * p->n_filters) * (n_ctx ? n_ctx : 1);
	if (c.node_budget > DP_MAX_RECS / 2)
		c.node_budget = DP_MAX_RECS / 2;
	{
		/* address space for everything main_alloc() hands out: the
		 * filter order and, after the build, the numbering maps */
		size_t want = 256 * (size_t)p->n_filters + ((size_t)64 << 10);

		c.marena = xfp_big_realloc(NULL, 0, want);
		if (c.marena)
			c.marena_end = c.marena + want;
	}
	c.compiled = main_alloc(&c, p->n_filters + 1);
	c.ord = main_alloc(&c, ((size_t)p->n_filters + 1) * sizeof(*c.ord));
	if (!c.compiled || !c.ord) {
		r = fail(&c, "out of memory");
		goto out;
	}
	/* Group the filters by (layer, sublayer position), keeping policy
	 * order within a group (a counting sort), so that each tree visits
	 * only its layer's filters. */
	for (uint32_t i = 0; i < p->n_filters; i++) {
		const struct xfp_filter *f = &p->filters[i];

		if ((unsigned)f->layer < XFP_DP_LAYERS &&
		    (unsigned)f->sublayer < p->n_sublayers)
			c.bstart[(unsigned)f->layer * c.n_sl +
				 (unsigned)c.sl_pos[f->sublayer] + 1]++;
	}
	for (unsigned k = 0; k < XFP_DP_LAYERS * c.n_sl; k++)
		c.bstart[k + 1] += c.bstart[k];
	{
		uint32_t fill[XFP_DP_LAYERS * XFP_SUBLAYERS_MAX];

		memcpy(fill, c.bstart, sizeof(fill));
		for (uint32_t i = 0; i < p->n_filters; i++) {
			const struct xfp_filter *f = &p->filters[i];

			if ((unsigned)f->layer < XFP_DP_LAYERS &&
			    (unsigned)f->sublayer < p->n_sublayers)
				c.ord[fill[(unsigned)f->layer * c.n_sl +
					   (unsigned)c.sl_pos[f->sublayer]]++] =
					i;
		}
	}
	for (size_t a = 0; a < sizeof(buckets) / sizeof(buckets[0]); a++) {
		cc_reset(&c);
		memset(c.compiled, 0, p->n_filters + 1);
		c.bucket_max = buckets[a];
		c.pctx = 0;
		c.pflags = 0;
		c.psa = -1;
		c.layer_mask = 0;
		r = build_all(&c, roots);
		for (unsigned k = 1; !r && k < n_ctx; k++) {
			c.pctx = k;
			c.pflags = XFP_COND_FLAG_SECURED |
				   (k == XFP_CTX_ENCRYPTED ?
					    XFP_COND_FLAG_ENCRYPTED :
					    0);
			c.psa = k >= XFP_CTX_SA_BASE ?
					(int)(k - XFP_CTX_SA_BASE) :
					-1;
			/* outbound transport is decided in clear */
			c.layer_mask = (1u << XFP_LAYER_INBOUND_TRANSPORT) |
				       (1u << XFP_LAYER_ALE_AUTH_RECV_ACCEPT) |
				       (1u << XFP_LAYER_ALE_AUTH_CONNECT);
			memset(croots[k], 0, sizeof(croots[k]));
			r = build_all(&c, croots[k]);
		}
		c.pctx = 0;
		c.pflags = 0;
		c.psa = -1;
		c.layer_mask = 0;
		if (r != -E2BIG)
			break;
	}
	if (r)
		goto out;

	/* Inbound SPIs of the policy's SAs, sorted for a binary search. */
	spis = main_alloc(&c, ((size_t)p->n_sas + 1) * sizeof(*spis));
	if (spis)
		memset(spis, 0, ((size_t)p->n_sas + 1) * sizeof(*spis));
	if (!spis) {
		r = fail(&c, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < p->n_sas; i++) {
		if (!p->sas[i].spi_in)
			continue;
		spis[n_spi].kind = XFP_REC_SPI;
		spis[n_spi].spi = p->sas[i].spi_in;
		spis[n_spi].sa_index = i;
		n_spi++;
	}
	qsort(spis, n_spi, sizeof(*spis), spi_cmp);

	r = number_decisions(&c, &dn);
	if (r)
		goto out;

	/* Leaves with the same decision become one record: a walk reads a
	 * leaf only for its decision, so they may be shared.  nmap: node
	 * number -> output node number. */
	nmap = main_alloc(&c, ((size_t)c.tot_nodes + 1) * sizeof(*nmap));
	lmap = main_alloc(&c, ((size_t)dn.n + 1) * sizeof(*lmap));
	if (!nmap || !lmap) {
		r = fail(&c, "out of memory");
		goto out;
	}
	memset(lmap, 0xff, ((size_t)dn.n + 1) * sizeof(*lmap));
	for (uint32_t k = 0; k < c.n_trees; k++) {
		const struct tree_res *t = &c.trees[k];
		const uint32_t *gm = dn.gmap[t->wi];
		uint32_t gi = t->gnode;

		for (uint32_t i = t->node0; i < t->node1; i++, gi++) {
			const struct xfp_dp_node *nd = &t->w->nodes[i];

			if (nd->kind == XFP_REC_LEAF) {
				uint32_t g = gm[nd->right];

				if (lmap[g] == UINT32_MAX)
					lmap[g] = n_out++;
				nmap[gi] = lmap[g];
			} else {
				nmap[gi] = n_out++;
			}
		}
	}
	n_src = (uint32_t)((src_len + sizeof(struct xfp_dp_rec) - 1) /
			   sizeof(struct xfp_dp_rec));
	base_dec = XFP_DP_HDR_RECS + n_out;
	base_box = base_dec + dn.n;
	base_list = base_box + c.tot_gbox;
	base_slot = base_list + c.tot_lists / 8;
	base_ctx = base_slot + c.tot_slots;
	base_spi = base_ctx + (n_ctx ? XFP_DP_CTX_RECS * (n_ctx - 1) : 0);
	base_src = base_spi + n_spi;
	total = base_src + n_src;
	if ((uint64_t)base_src + n_src > DP_MAX_RECS) {
		r = fail(&c, "policy too large: %llu records (limit %u)",
			 (unsigned long long)base_src + n_src, DP_MAX_RECS);
		goto out;
	}
	/* Every record below is written whole, except the header ones, the
	 * bucket lists and the end of the source text, which are cleared
	 * first. */
	if (to_map) {
		/* Straight into the kernel's table: no heap copy of it to
		 * fault in and copy over (dp_commit.h). */
		void *m;
		size_t len;
		int fd = dp_table_map_new(total, &m, &len);

		if (fd < 0) {
			r = fail(&c,
				 "cannot create the policy table (%u records): "
				 "%s",
				 total, strerror(-fd));
			goto out;
		}
		out->recs = m;
		out->fd = fd;
		out->map_len = len;
	} else {
		out->recs = xfp_big_realloc(NULL, 0,
					    (size_t)total * sizeof(*out->recs));
	}
	if (!out->recs) {
		r = fail(&c, "out of memory");
		goto out;
	}
	memset(out->recs, 0, XFP_DP_HDR_RECS * sizeof(*out->recs));
	if (c.tot_lists)
		memset(&out->recs[base_list], 0,
		       (size_t)(c.tot_lists / 8) * sizeof(*out->recs));
	if (base_spi > base_ctx)
		memset(&out->recs[base_ctx], 0,
		       (size_t)(base_spi - base_ctx) * sizeof(*out->recs));
	if (n_src)
		memset(&out->recs[total - 1], 0, sizeof(*out->recs));
	out->n = total;
	out->bucket_max = c.bucket_max;
	out->n_buckets = c.n_buckets;
	out->n_hash = c.n_hash;
	{
		struct xfp_dp_header *h = (void *)&out->recs[0];
		struct xfp_dp_info *in = (void *)&out->recs[4];

		h->kind = XFP_REC_HEADER;
		h->abi = XFP_ABI_VERSION;
		h->magic = XFP_DP_MAGIC;
		h->generation = generation;
		h->n_recs = total;
		h->spi_base = base_spi;
		h->n_spi = n_spi;
		h->box_base = base_box;
		h->n_ctx = (__u16)n_ctx;
		for (int i = 0; i < XFP_DP_ROOTS; i++) {
			struct xfp_dp_roots *rt = (void *)&out->recs[1 + i / 8];

			rt->root[i % 8] = XFP_DP_HDR_RECS + nmap[roots[i]];
		}
		for (unsigned k = 1; k < n_ctx; k++)
			for (int i = 0; i < XFP_DP_ROOTS; i++) {
				struct xfp_dp_roots *rt =
					(void *)&out->recs[base_ctx +
							   XFP_DP_CTX_RECS *
								   (k - 1) +
							   i / 8];
				int layer = i / (2 * XFP_KIND__MAX);

				/* outbound transport has no context trees */
				rt->root[i % 8] =
					layer == XFP_LAYER_OUTBOUND_TRANSPORT ?
						0 :
						XFP_DP_HDR_RECS +
							nmap[croots[k][i]];
			}
		in->n_filters = p->n_filters;
		for (unsigned i = 0; i < p->n_filters; i++)
			in->n_compiled += c.compiled[i];
		in->n_nodes = n_out;
		in->n_decisions = dn.n;
		in->src_base = base_src;
		in->src_len = (uint32_t)src_len;
		in->max_depth = c.max_depth;
	}
	for (uint32_t k = 0; k < c.n_trees; k++) {
		const struct tree_res *t = &c.trees[k];
		const uint32_t *gm = dn.gmap[t->wi];
		const uint32_t *wl = t->w->lists;
		uint32_t *ol = (uint32_t *)(void *)&out->recs[base_list];
		uint32_t gi = t->gnode;
		/* local -> global: nodes, slots, emitted boxes, list entries */
		uint32_t dn_ = t->gnode - t->node0, ds = t->gslot - t->slot0;
		uint32_t db = t->ggbox / 4 - t->gbox0 / 4;
		uint32_t dl = t->glist - t->list0;

		for (uint32_t i = t->node0; i < t->node1; i++, gi++) {
			struct xfp_dp_node nd = t->w->nodes[i];

			if (nd.kind == XFP_REC_LEAF) {
				nd.right = base_dec + gm[nd.right];
			} else if (nd.kind == XFP_REC_BUCKET) {
				for (uint32_t e = 0; e < nd.dim; e++)
					ol[nd.left * 8 + dl + e] =
						wl[nd.left * 8 + e] + db;
				nd.left +=
					base_list + t->glist / 8 - t->list0 / 8;
			} else if (nd.kind == XFP_REC_HASH) {
				nd.left += base_slot + ds;
				nd.right =
					XFP_DP_HDR_RECS + nmap[nd.right + dn_];
			} else {
				nd.left = XFP_DP_HDR_RECS + nmap[nd.left + dn_];
				nd.right =
					XFP_DP_HDR_RECS + nmap[nd.right + dn_];
			}
			/* shared leaves are written once per use, identically */
			memcpy(&out->recs[XFP_DP_HDR_RECS + nmap[gi]], &nd,
			       sizeof(nd));
		}
		for (uint32_t i = t->slot0; i < t->slot1; i++) {
			struct xfp_dp_slot sl = t->w->slots[i];

			if (sl.used)
				sl.child =
					XFP_DP_HDR_RECS + nmap[sl.child + dn_];
			memcpy(&out->recs[base_slot + ds + i], &sl, sizeof(sl));
		}
		if (t->gbox1 > t->gbox0)
			memcpy(&out->recs[base_box + t->ggbox],
			       &t->w->gbox[t->gbox0],
			       (size_t)(t->gbox1 - t->gbox0) *
				       sizeof(*out->recs));
	}
	for (uint32_t g = 0; g < dn.n; g++)
		memcpy(&out->recs[base_dec + g], dn.src[g], sizeof(*out->recs));
	memcpy(&out->recs[base_spi], spis, (size_t)n_spi * sizeof(*spis));
	if (src_len)
		memcpy(&out->recs[base_src], src, src_len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	((struct xfp_dp_info *)(void *)&out->recs[4])->build_us =
		(uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
			   (t1.tv_nsec - t0.tv_nsec) / 1000);
	memcpy(&out->info, &out->recs[4], sizeof(out->info));
out:
	cc_free(&c, spis);
	cc_free(&c, nmap);
	cc_free(&c, lmap);
	dnum_free(&c, &dn);
	cc_reset(&c);
	cc_free(&c, c.compiled);
	cc_free(&c, c.ord);
	free(c.marena);
	if (r)
		dp_table_free(out);
	return r;
}

void dp_table_free(struct dp_table *t)
{
	if (!t)
		return;
	if (t->map_len) {
		if (t->recs)
			munmap(t->recs, t->map_len);
		if (t->fd >= 0)
			close(t->fd);
	} else {
		free(t->recs);
	}
	memset(t, 0, sizeof(*t));
}
