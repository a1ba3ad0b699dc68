/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* alg.c - main-mode name tables and algorithm name lists (see alg.h). */
#include <string.h>

#include "policy/alg.h"
#include "policy/policy.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *xfp_policy_alg_list(uint8_t proto)
{
	static char lists[2][256];
	char *buf = lists[proto == XFP_IPSEC_AH];

	if (!buf[0]) {
		for (unsigned i = 1; i < XFP_ALG__MAX; i++) {
			const struct xfp_alg_info *ai =
				xfp_alg_info((enum xfp_alg)i);

			if (!ai || ai->proto != proto)
				continue;
			if (buf[0])
				strcat(buf, ", ");
			strcat(buf, ai->name);
		}
	}
	return buf;
}

static const char *const mm_ciphers[] = { "aes128",	 "aes192",
					  "aes256",	 "aes128gcm16",
					  "aes256gcm16", "3des" };
static const char *const mm_integrities[] = { "sha1", "sha256", "sha384",
					      "md5" };
static const char *const dh_groups[] = { "none",     "modp768", "modp1024",
					 "modp2048", "ecp256",	"ecp384" };

static int lookup(const char *const *t, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(t[i], name))
			return (int)i;
	return -1;
}

int xfp_mm_cipher_lookup(const char *name)
{
	return lookup(mm_ciphers, N(mm_ciphers), name);
}
const char *xfp_mm_cipher_name(int idx)
{
	return idx >= 0 && (unsigned)idx < N(mm_ciphers) ? mm_ciphers[idx] :
							   NULL;
}
int xfp_mm_integrity_lookup(const char *name)
{
	return lookup(mm_integrities, N(mm_integrities), name);
}
const char *xfp_mm_integrity_name(int idx)
{
	return idx >= 0 && (unsigned)idx < N(mm_integrities) ?
		       mm_integrities[idx] :
		       NULL;
}
int xfp_dh_lookup(const char *name)
{
	return lookup(dh_groups, N(dh_groups), name);
}
const char *xfp_dh_name(int idx)
{
	return idx >= 0 && (unsigned)idx < N(dh_groups) ? dh_groups[idx] : NULL;
}

enum xfp_transform xfp_alg_transform(enum xfp_alg alg)
{
	if (xfp_alg_proto(alg) == XFP_IPSEC_AH)
		return XFP_TRANSFORM_AH;
	return xfp_alg_encrypts(alg) ? XFP_TRANSFORM_ESP_AUTH_AND_CIPHER :
				       XFP_TRANSFORM_ESP_AUTH;
}
