/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * finalize.c - whole-policy steps after parsing: the automatic IKE
 * exemptions, automatic and effective weights, the evaluation order and
 * the binding of SAs to filters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/policy_int.h"

/* ---- automatic weights -------------------------------------------------- */

static unsigned bitlen64(uint64_t x)
{
	unsigned n = 0;

	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* Bit length of hi - lo for two addresses (hi >= lo). */
static unsigned addr_span_bits(const struct xfp_addr *lo,
			       const struct xfp_addr *hi)
{
	uint8_t d[16];
	int borrow = 0;

	for (int i = 15; i >= 0; i--) {
		int v = hi->b[i] - lo->b[i] - borrow;

		borrow = v < 0;
		d[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
	for (int i = 0; i < 16; i++)
		if (d[i])
			return (unsigned)(15 - i) * 8 + bitlen64(d[i]);
	return 0;
}

static unsigned popcount32(uint32_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/*
 * Narrowness of one field in bits: the field's width W minus the bits
 * needed to count what it admits (the widest value's span, plus
 * ceil(log2(number of values)) for the OR-list).  A not-equal value admits
 * almost everything and counts as the full width.
 */
static unsigned field_narrowness(enum xfp_field fld, const struct xfp_cond *c)
{
	unsigned width, free_bits = 0, n;

	switch (fld) {
	case XFP_FIELD_LOCAL_ADDR:
	case XFP_FIELD_REMOTE_ADDR:
		width = 32;
		for (unsigned i = 0; i < c->n; i++)
			if (c->v[i].family == 6)
				width = 128;
		break;
	case XFP_FIELD_LOCAL_PORT:
	case XFP_FIELD_REMOTE_PORT:
		width = 16;
		break;
	case XFP_FIELD_IPSEC_FLAGS: {
		/* The fewest flags any OR-ed value pins down. */
		unsigned best = 2;

		for (unsigned i = 0; i < c->n; i++) {
			unsigned k = c->v[i].match == XFP_MATCH_FLAGS_ANY_SET ?
					     1 :
					     popcount32((uint32_t)c->v[i].lo);
			if (k < best)
				best = k;
		}
		return best;
	}
	case XFP_FIELD_INTERFACE:
	case XFP_FIELD_REMOTE_MACHINE_ID:
	case XFP_FIELD_REMOTE_USER_ID:
		width = 32;
		break;
	default:
		width = 8;
		break;
	}
	for (unsigned i = 0; i < c->n; i++) {
		const struct xfp_cond_val *v = &c->v[i];
		unsigned b;

		if (v->match == XFP_MATCH_NOT_EQUAL)
			b = width;
		else if ((fld == XFP_FIELD_REMOTE_MACHINE_ID ||
			  fld == XFP_FIELD_REMOTE_USER_ID) &&
			 v->idref == XFP_IDREF_ANY)
			b = width; /* "*" spans every identity */
		else if (fld == XFP_FIELD_LOCAL_ADDR ||
			 fld == XFP_FIELD_REMOTE_ADDR)
			b = addr_span_bits(&v->addr_lo, &v->addr_hi);
		else
			b = bitlen64(v->hi - v->lo);
		if (b > free_bits)
			free_bits = b;
	}
	n = c->n ? bitlen64(c->n - 1) : 0;
	free_bits += n;
	return free_bits >= width ? 0 : width - free_bits;
}

uint64_t xfp_filter_auto_weight(const struct xfp_filter *f)
{
	uint64_t fields = 0, narrow = 0;

	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		if (!(f->cond_mask & (1u << i)))
			continue;
		fields++;
		narrow += field_narrowness((enum xfp_field)i, &f->conds[i]);
	}
	if (narrow > 0xfff)
		narrow = 0xfff;
	return (fields << 56) | (narrow << 44);
}

static uint64_t effective_weight(const struct xfp_filter *f)
{
	if (f->has & XFP_FILTER_HAS_WEIGHT)
		return f->weight;
	if (f->has & XFP_FILTER_HAS_WEIGHT_RANGE)
		return ((uint64_t)f->weight_range << XFP_AUTO_WEIGHT_BITS) |
		       f->auto_weight;
	return f->auto_weight;
}

int xfp_filter_order_cmp(const struct xfp_filter *a, const struct xfp_filter *b)
{
	if (a->layer != b->layer)
		return a->layer < b->layer ? -1 : 1;
	if (a->sublayer_weight != b->sublayer_weight)
		return a->sublayer_weight > b->sublayer_weight ? -1 : 1;
	if (a->sublayer != b->sublayer)
		return a->sublayer < b->sublayer ? -1 : 1;
	if (a->effective_weight != b->effective_weight)
		return a->effective_weight > b->effective_weight ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	return 0;
}

static int order_qsort(const void *a, const void *b)
{
	return xfp_filter_order_cmp(a, b);
}

/* ---- IKE exemptions ----------------------------------------------------- */

static int add_exemption(struct xfp_policy *p, enum xfp_layer layer,
			 uint16_t port, enum xfp_family fam, const char *name)
{
	struct xfp_filter f, *nf;
	struct xfp_cond_val *v;

	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "%s", name);
	f.has = XFP_FILTER_HAS_WEIGHT_RANGE | XFP_FILTER_HAS_FAMILY |
		XFP_FILTER_AUTO_EXEMPTION;
	f.layer = layer;
	f.family = fam;
	f.sublayer = 0;
	f.weight_range = XFP_WEIGHT_RANGE_IKE_EXEMPTIONS;
	f.action = XFP_ACTION_PERMIT;
	f.ctx = -1;
	f.sa = -1;
	for (int k = 0; k < 2; k++) {
		enum xfp_field fld = k ? XFP_FIELD_LOCAL_PORT :
					 XFP_FIELD_PROTOCOL;

		v = calloc(1, sizeof(*v));
		if (!v) {
			xfp_filter_release(&f);
			return -ENOMEM;
		}
		v->match = XFP_MATCH_EQUAL;
		v->lo = v->hi = k ? port : 17 /* udp */;
		f.conds[fld].v = v;
		f.conds[fld].n = 1;
		f.cond_mask |= 1u << fld;
	}
	nf = xfp_filter_slot(p);
	if (!nf) {
		xfp_filter_release(&f);
		return -ENOMEM;
	}
	p->filters = nf;
	f.id = p->next_filter_id++;
	nf[p->n_filters++] = f;
	return 0;
}

/*
 * WFP adds the IKE/AuthIP exemptions with the first main-mode policy
 * filter and removes them with the last one: UDP 500 (v4 and v6) and UDP
 * 4500 (v4) permitted at both transport layers, weight range 0xC.
 */
static int sync_exemptions(struct xfp_policy *p)
{
	bool need = false, have = false;

	for (unsigned i = 0; i < p->n_filters; i++) {
		if (p->filters[i].layer == XFP_LAYER_IKEEXT &&
		    p->filters[i].ctx_kind == XFP_CTX_MM)
			need = true;
		if (p->filters[i].has & XFP_FILTER_AUTO_EXEMPTION)
			have = true;
	}
	if (need && !have) {
		if (add_exemption(p, XFP_LAYER_INBOUND_TRANSPORT, 500,
				  XFP_FAMILY_INET, "ike-exempt-500-in") ||
		    add_exemption(p, XFP_LAYER_INBOUND_TRANSPORT, 4500,
				  XFP_FAMILY_IP, "ike-exempt-4500-in") ||
		    add_exemption(p, XFP_LAYER_OUTBOUND_TRANSPORT, 500,
				  XFP_FAMILY_INET, "ike-exempt-500-out") ||
		    add_exemption(p, XFP_LAYER_OUTBOUND_TRANSPORT, 4500,
				  XFP_FAMILY_IP, "ike-exempt-4500-out"))
			return -ENOMEM;
	} else if (!need && have) {
		unsigned j = 0;

		for (unsigned i = 0; i < p->n_filters; i++) {
			if (p->filters[i].has & XFP_FILTER_AUTO_EXEMPTION) {
				xfp_filter_release(&p->filters[i]);
				continue;
			}
			p->filters[j++] = p->filters[i];
		}
		p->n_filters = j;
	}
	return 0;
}

/* ---- finalize ----------------------------------------------------------- */

int xfp_policy_finalize(struct xfp_policy *p, struct xfp_errors *err)
{
	int nerr = 0;

	if (sync_exemptions(p)) {
		xfp_errors_add(err, "policy", 0, 0,
			       "out of memory adding the IKE exemptions");
		return 1;
	}
	for (unsigned i = 0; i < p->n_filters; i++) {
		struct xfp_filter *f = &p->filters[i];

		f->sublayer_weight = p->sublayers[f->sublayer].weight;
		f->auto_weight = xfp_filter_auto_weight(f);
		f->effective_weight = effective_weight(f);
		f->sa = -1;
	}
	if (p->n_filters > 1)
		qsort(p->filters, p->n_filters, sizeof(p->filters[0]),
		      order_qsort);
	xfp_index_rebuild(p);
	for (unsigned s = 0; s < p->n_sas; s++) {
		struct xfp_sa *sa = &p->sas[s];

		sa->filter = sa->inbound_filter = -1;
		if (sa->filter_id) {
			sa->filter =
				xfp_policy_find_filter_id(p, sa->filter_id);
			if (sa->filter < 0) {
				xfp_errors_add(err, "policy", sa->line, sa->col,
					       "sa '%s' is bound to a filter "
					       "that no longer exists",
					       sa->name);
				nerr++;
				continue;
			}
			p->filters[sa->filter].sa = (int)s;
		}
		if (sa->has & XFP_SA_HAS_INBOUND_FILTER) {
			sa->inbound_filter = xfp_policy_find_filter_id(
				p, sa->inbound_filter_id);
			if (sa->inbound_filter < 0) {
				xfp_errors_add(
					err, "policy", sa->line, sa->col,
					"sa '%s' names an inbound filter "
					"that no longer exists",
					sa->name);
				nerr++;
				continue;
			}
			p->filters[sa->inbound_filter].sa = (int)s;
		}
	}
	p->finalized = nerr == 0;
	return nerr;
}
