/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* policy_int.h - helpers shared by the files of policy/, not public API. */
#ifndef XFP_POLICY_INT_H
#define XFP_POLICY_INT_H

#include <stdlib.h>

#include "policy/policy.h"

/* Appends "FILE:LINE:COL: msg" to e; always returns -1. */
int xfp_errors_add(struct xfp_errors *e, const char *file, unsigned line,
		   unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

int xfp_field_from_name(const char *s);
int xfp_policy_find_qm(const struct xfp_policy *p, const char *name);
int xfp_policy_find_mm(const struct xfp_policy *p, const char *name);
/* Index of the principal, added when new; -ENOMEM on failure. */
int xfp_policy_intern(struct xfp_policy *p, const char *name);
/* The filter name index: add filters[i] after appending it; rebuild after
 * anything reorders or removes filters.  On allocation failure the index
 * is dropped and look-ups fall back to a linear search. */
void xfp_index_add(struct xfp_policy *p, unsigned i);
void xfp_index_rebuild(struct xfp_policy *p);
/* Frees a filter's condition arrays. */
void xfp_filter_release(struct xfp_filter *f);
/* Wipes an SA's key material. */
void xfp_sa_wipe(struct xfp_sa *sa);
/* Zeroed memory for key material: locked, excluded from core dumps,
 * guard pages around it; xfp_key_free wipes it (keymem.c). */
void *xfp_key_alloc(size_t n);
void xfp_key_free(void *p);

/*
 * Make room for element n of an array of n elements: the arrays of the IR
 * keep no capacity, so they grow to powers of two and are reallocated only
 * when n is 0 or a power of two (capacity >= max(1, 2^ceil(log2 n)) holds
 * because arrays never shrink).  Returns the (maybe moved) array or NULL
 * with the old one untouched.
 */
static inline void *xfp_grow(void *v, unsigned n, size_t size)
{
	if (n && (n & (n - 1)))
		return v;
	return realloc(v, (n ? 2 * (size_t)n : 1) * size);
}

/*
 * realloc() for large arrays: from 128 KiB on, 2 MiB aligned and marked
 * for transparent huge pages (first-touch page faults were most of a
 * large compile or parse: in VMs with shadow paging a 4 KiB fault costs
 * 10-25 us).  `used` bytes are kept; NULL leaves p untouched.
 */
void *xfp_big_realloc(void *p, size_t used, size_t want);

/*
 * Room for filter n_filters: returns p->filters (maybe moved) or NULL with
 * the array untouched.  The filter array keeps a capacity
 * (p->filters_cap): it is the largest array of a big policy, and
 * xfp_filters_reserve() sizes it once from the text before parsing.
 */
struct xfp_filter *xfp_filter_slot(struct xfp_policy *p);
int xfp_filters_reserve(struct xfp_policy *p, unsigned n);

/* 128-bit compare of two addresses in network order. */
static inline int xfp_addr_cmp(const struct xfp_addr *a,
			       const struct xfp_addr *b)
{
	for (int i = 0; i < 16; i++)
		if (a->b[i] != b->b[i])
			return a->b[i] < b->b[i] ? -1 : 1;
	return 0;
}

/* Format an address of `family` into buf (INET6_ADDRSTRLEN at least). */
const char *xfp_addr_str(const struct xfp_addr *a, int family, char *buf,
			 size_t len);

/* Protocol name for a number ("tcp"), or NULL. */
const char *xfp_proto_str(unsigned n);
/* "unicast", ... indexed by XFP_ADDR_TYPE_*; [0] is NULL. */
extern const char *const xfp_addr_type_names[5];

#endif
