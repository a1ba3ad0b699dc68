// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * alg.c - the table behind alg.h and name lookups in it.
 */
#include <string.h>

#include "crypto/alg.h"

static const struct xfp_alg_info alg_table[XFP_ALG__MAX] = {
#define XFP__ALG(e, n, s, p, enc, k, salt, iv, icv, bs) \
	[n] = { .alg = XFP_ALG_##e,                     \
		.name = s,                              \
		.proto = p,                             \
		.encrypts = enc,                        \
		.aead = (salt) != 0,                    \
		.key_len = k,                           \
		.salt_len = salt,                       \
		.iv_len = iv,                           \
		.icv_len = icv,                         \
		.block_size = bs },
	XFP_ALGS(XFP__ALG)
#undef XFP__ALG
};

const struct xfp_alg_info *xfp_alg_info(enum xfp_alg alg)
{
	if ((unsigned)alg >= XFP_ALG__MAX || alg == XFP_ALG_NONE)
		return NULL;
	return &alg_table[alg];
}

enum xfp_alg xfp_alg_by_name_n(const char *name, size_t len, uint8_t proto)
{
	if (!name)
		return XFP_ALG_NONE;
	for (unsigned i = 1; i < XFP_ALG__MAX; i++) {
		const struct xfp_alg_info *a = &alg_table[i];

		if (proto && a->proto != proto)
			continue;
		if (strlen(a->name) == len && memcmp(a->name, name, len) == 0)
			return a->alg;
	}
	return XFP_ALG_NONE;
}

enum xfp_alg xfp_alg_by_name(const char *name, uint8_t proto)
{
	if (!name)
		return XFP_ALG_NONE;
	return xfp_alg_by_name_n(name, strlen(name), proto);
}

const char *xfp_alg_name(enum xfp_alg alg)
{
	if ((unsigned)alg >= XFP_ALG__MAX)
		return "unknown";
	return alg_table[alg].name;
}

bool xfp_alg_encrypts(enum xfp_alg alg)
{
	const struct xfp_alg_info *a = xfp_alg_info(alg);

	return a && a->encrypts;
}

uint8_t xfp_alg_proto(enum xfp_alg alg)
{
	const struct xfp_alg_info *a = xfp_alg_info(alg);

	return a ? a->proto : 0;
}
