/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy.c - life cycle of struct xfp_policy, diagnostics, name tables,
 * look-ups and the per-layer condition schema.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <sodium.h>

#include "policy/policy.h"
#include "policy/policy_int.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const field_names[] = {
#define XFP__F(name, num, str) [num] = str,
	XFP_FIELDS(XFP__F)
#undef XFP__F
};
static const char *const match_names[] = {
#define XFP__M(name, num, str) [num] = str,
	XFP_MATCHES(XFP__M)
#undef XFP__M
};
static const char *const reason_texts[] = {
#define XFP__R(name, num, str) [num] = str,
	XFP_REASONS(XFP__R)
#undef XFP__R
};

const char *xfp_field_name(enum xfp_field f)
{
	return (unsigned)f < N(field_names) ? field_names[f] : NULL;
}
const char *xfp_match_name(enum xfp_match m)
{
	return (unsigned)m < N(match_names) ? match_names[m] : NULL;
}
const char *xfp_reason_text(enum xfp_reason r)
{
	return (unsigned)r < N(reason_texts) ? reason_texts[r] : NULL;
}
const char *xfp_layer_name(enum xfp_layer l)
{
	return (unsigned)l < XFP_LAYER__MAX ? xfp_layer_names[l] : NULL;
}
const char *xfp_action_name(enum xfp_action a)
{
	return (unsigned)a < XFP_ACTION__MAX ? xfp_action_names[a] : NULL;
}
int xfp_layer_from_name(const char *s)
{
	for (int i = 0; i < XFP_LAYER__MAX; i++)
		if (!strcmp(xfp_layer_names[i], s))
			return i;
	return -1;
}
int xfp_action_from_name(const char *s)
{
	for (int i = 0; i < XFP_ACTION__MAX; i++)
		if (!strcmp(xfp_action_names[i], s))
			return i;
	return -1;
}
int xfp_field_from_name(const char *s)
{
	for (int i = 0; i < XFP_FIELD__MAX; i++)
		if (!strcmp(field_names[i], s))
			return i;
	return -1;
}

#define F(x) (1u << XFP_FIELD_##x)
#define ADDRS (F(LOCAL_ADDR) | F(REMOTE_ADDR))
#define TUPLE                                                                  \
	(ADDRS | F(LOCAL_PORT) | F(REMOTE_PORT) | F(PROTOCOL) | F(ICMP_TYPE) | \
	 F(ICMP_CODE))

/* The WFP per-layer field sets (spec section 4.3), on our field list. */
uint32_t xfp_layer_allowed_fields(enum xfp_layer layer)
{
	switch (layer) {
	case XFP_LAYER_IKEEXT:
		return ADDRS | F(INTERFACE);
	case XFP_LAYER_IPSEC:
		return TUPLE | F(INTERFACE);
	case XFP_LAYER_INBOUND_TRANSPORT:
		return TUPLE | F(LOCAL_ADDR_TYPE) | F(INTERFACE) |
		       F(IPSEC_FLAGS);
	case XFP_LAYER_OUTBOUND_TRANSPORT:
		return TUPLE | F(LOCAL_ADDR_TYPE) | F(INTERFACE);
	case XFP_LAYER_ALE_AUTH_RECV_ACCEPT:
	case XFP_LAYER_ALE_AUTH_CONNECT:
		return TUPLE | F(LOCAL_ADDR_TYPE) | F(INTERFACE) |
		       F(IPSEC_FLAGS) | F(REMOTE_MACHINE_ID) |
		       F(REMOTE_USER_ID);
	default:
		return 0;
	}
}

/* ---- diagnostics -------------------------------------------------------- */

int xfp_errors_add(struct xfp_errors *e, const char *file, unsigned line,
		   unsigned col, const char *fmt, ...)
{
	struct xfp_error *v;
	va_list ap;
	char *msg = NULL;
	int r;

	if (!e)
		return -1;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	v = xfp_grow(e->v, e->n, sizeof(*v));
	if (!v) {
		free(msg);
		return -1;
	}
	e->v = v;
	v[e->n].file = strdup(file ? file : "<input>");
	v[e->n].line = line;
	v[e->n].col = col;
	v[e->n].msg = msg;
	e->n++;
	return -1;
}

void xfp_errors_print(const struct xfp_errors *e, FILE *out)
{
	for (unsigned i = 0; e && i < e->n; i++) {
		const struct xfp_error *x = &e->v[i];

		if (x->line)
			fprintf(out, "%s:%u:%u: %s\n", x->file ? x->file : "",
				x->line, x->col, x->msg);
		else
			fprintf(out, "%s: %s\n", x->file ? x->file : "",
				x->msg);
	}
}

void xfp_errors_free(struct xfp_errors *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].msg);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

/* ---- life cycle --------------------------------------------------------- */

struct xfp_policy *xfp_policy_new(void)
{
	struct xfp_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	strcpy(p->sublayers[0].name, XFP_DEFAULT_SUBLAYER);
	p->sublayers[0].weight = XFP_DEFAULT_SUBLAYER_WEIGHT;
	p->n_sublayers = 1;
	p->next_filter_id = 1;
	return p;
}

void xfp_filter_release(struct xfp_filter *f)
{
	for (unsigned i = 0; i < XFP_FIELD__MAX; i++) {
		free(f->conds[i].v);
		f->conds[i].v = NULL;
		f->conds[i].n = 0;
	}
	f->cond_mask = 0;
}

void xfp_sa_wipe(struct xfp_sa *sa)
{
	sodium_memzero(sa->key_in, sizeof(sa->key_in));
	sodium_memzero(sa->key_out, sizeof(sa->key_out));
	sa->key_len = 0;
	sa->has &= ~(uint32_t)XFP_SA_HAS_KEYS;
}

void xfp_policy_free(struct xfp_policy *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_filters; i++)
		xfp_filter_release(&p->filters[i]);
	free(p->filters);
	for (unsigned i = 0; i < p->n_sas; i++)
		xfp_sa_wipe(&p->sas[i]);
	xfp_key_free(p->sas); /* key pages: wiped, unlocked, unmapped */
	free(p->qm);
	free(p->mm);
	for (unsigned i = 0; i < p->n_principals; i++)
		free(p->principals[i]);
	free(p->principals);
	free(p->filter_index);
	for (unsigned i = 0; i < p->n_groups; i++)
		free(p->groups[i].m);
	free(p->groups);
	free(p->tunnels);
	free(p);
}

/* ---- the filter array ---------------------------------------------------- */

#define BIG_BYTES ((size_t)2 << 20)
#define BIG_MIN ((size_t)128 << 10) /* smaller ones: plain realloc() */

void *xfp_big_realloc(void *p, size_t used, size_t want)
{
	void *q;

	if (want < BIG_MIN)
		return realloc(p, want);
	want = (want + BIG_BYTES - 1) & ~(BIG_BYTES - 1);
	if (posix_memalign(&q, BIG_BYTES, want))
		return NULL;
	(void)madvise(q, want, MADV_HUGEPAGE);
	if (used)
		memcpy(q, p, used);
	free(p);
	return q;
}

/*
 * 10,000 filters are 3.6 MiB.  Grown by doubling with realloc(), the
 * array was moved (remapped) a dozen times while parsing, and every first
 * touch of a page after a move faulted again: most of the parse time.  So
 * the parser reserves the array once from a count of the statements.
 */
int xfp_filters_reserve(struct xfp_policy *p, unsigned n)
{
	void *q;

	if (n <= p->filters_cap)
		return 0;
	q = xfp_big_realloc(p->filters, p->n_filters * sizeof(*p->filters),
			    (size_t)n * sizeof(*p->filters));
	if (!q)
		return -ENOMEM;
	p->filters = q;
	p->filters_cap = n;
	return 0;
}

struct xfp_filter *xfp_filter_slot(struct xfp_policy *p)
{
	if (p->n_filters < p->filters_cap)
		return p->filters;
	if (xfp_filters_reserve(p, p->filters_cap ? 2 * p->filters_cap : 16))
		return NULL;
	return p->filters;
}

/* ---- look-ups ----------------------------------------------------------- */

/* ---- filter name index --------------------------------------------------- */

struct xfp_name_index {
	unsigned cap; /* power of two */
	unsigned used;
	int32_t slot[]; /* filter index + 1; 0 = empty */
};

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static void index_put(struct xfp_name_index *x, const struct xfp_policy *p,
		      unsigned i)
{
	uint32_t h = name_hash(p->filters[i].name) & (x->cap - 1);

	while (x->slot[h])
		h = (h + 1) & (x->cap - 1);
	x->slot[h] = (int32_t)i + 1;
	x->used++;
}

void xfp_index_rebuild(struct xfp_policy *p)
{
	unsigned cap = 64;

	while (cap < 2 * (p->n_filters + 1))
		cap *= 2;
	free(p->filter_index);
	p->filter_index =
		calloc(1, sizeof(*p->filter_index) +
				  cap * sizeof(p->filter_index->slot[0]));
	if (!p->filter_index)
		return;
	p->filter_index->cap = cap;
	for (unsigned i = 0; i < p->n_filters; i++)
		index_put(p->filter_index, p, i);
}

void xfp_index_add(struct xfp_policy *p, unsigned i)
{
	struct xfp_name_index *x = p->filter_index;

	if (!x || 2 * (x->used + 1) > x->cap || x->used != i) {
		xfp_index_rebuild(p);
		return;
	}
	index_put(x, p, i);
}

int xfp_policy_find_filter(const struct xfp_policy *p, const char *name)
{
	const struct xfp_name_index *x = p->filter_index;

	if (x && x->used == p->n_filters) {
		uint32_t h = name_hash(name) & (x->cap - 1);

		for (; x->slot[h]; h = (h + 1) & (x->cap - 1))
			if (!strcmp(p->filters[x->slot[h] - 1].name, name))
				return x->slot[h] - 1;
		return -1;
	}
	for (unsigned i = 0; i < p->n_filters; i++)
		if (!strcmp(p->filters[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_filter_id(const struct xfp_policy *p, uint64_t id)
{
	for (unsigned i = 0; i < p->n_filters; i++)
		if (p->filters[i].id == id)
			return (int)i;
	return -1;
}

int xfp_policy_find_sublayer(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_sublayers; i++)
		if (!strcmp(p->sublayers[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_sa(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_sas; i++)
		if (!strcmp(p->sas[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_principal(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_principals; i++)
		if (!strcmp(p->principals[i], name))
			return (int)i;
	return -1;
}

int xfp_policy_find_group(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_groups; i++)
		if (!strcmp(p->groups[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_tunnel(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_tunnels; i++)
		if (!strcmp(p->tunnels[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_qm(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_qm; i++)
		if (!strcmp(p->qm[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_find_mm(const struct xfp_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_mm; i++)
		if (!strcmp(p->mm[i].name, name))
			return (int)i;
	return -1;
}

int xfp_policy_intern(struct xfp_policy *p, const char *name)
{
	int i = xfp_policy_find_principal(p, name);
	char **v;

	if (i >= 0)
		return i;
	v = xfp_grow(p->principals, p->n_principals, sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->principals = v;
	v[p->n_principals] = strdup(name);
	if (!v[p->n_principals])
		return -ENOMEM;
	return (int)p->n_principals++;
}
