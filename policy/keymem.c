/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keymem.c - memory for key material (the SA array of a policy, the key
 * file reader's buffers).
 *
 * libsodium's sodium_malloc() puts the allocation on its own pages with
 * guard pages around it, locks them in RAM (mlock: never swapped) and
 * marks them MADV_DONTDUMP (never in a core dump); sodium_free() wipes
 * them before unmapping.  mlock can fail under a small RLIMIT_MEMLOCK:
 * sodium_malloc() then still returns the memory (dump exclusion and wiping
 * hold, locking does not), which is the best that can be done unprivileged.
 */
#include <string.h>

#include <sodium.h>

#include "policy/policy_int.h"

void *xfp_key_alloc(size_t n)
{
	void *p;

	if (sodium_init() < 0)
		return NULL;
	p = sodium_malloc(n ? n : 1);
	if (p)
		memset(p, 0, n ? n : 1); /* sodium_malloc fills with 0xdb */
	return p;
}

void xfp_key_free(void *p)
{
	sodium_free(p); /* wipes; NULL is fine */
}
