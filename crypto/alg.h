/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * alg.h - the IPsec transforms xfp knows, by their strongSwan-style names.
 *
 * This file contains the one table of algorithms shared by the policy
 * compiler (which refers to transforms by name, and asks whether a transform
 * encrypts for the ALE "require encryption" check) and the crypto library
 * (which needs key, salt, IV, ICV and block sizes to lay out packets).
 *
 * Names are the strongSwan proposal keywords:
 *   ESP: aes128gcm16 aes256gcm16 chacha20poly1305 aes128gmac aes256gmac
 *        null-sha256
 *   AH:  sha256 sha512 sha1
 * The numbers of enum xfp_alg are part of the control interface; append new
 * algorithms, never renumber.
 */
#ifndef XFP_CRYPTO_ALG_H
#define XFP_CRYPTO_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xfp_ipsec_proto {
	XFP_IPSEC_ESP =
		50, /* IP protocol numbers, so they can go on the wire */
	XFP_IPSEC_AH = 51,
};

/*
 * X(enum suffix, number, name, proto, encrypts, key_len, salt_len, iv_len,
 *   icv_len, block_size)
 *
 * key_len is the length of the keying material the SA is configured with,
 * INCLUDING the salt (RFC 4106/4543/7634 take the last 4 bytes of the key as
 * salt).  block_size is what the ESP payload is padded to (before the 4-byte
 * alignment rule); 1 for stream/AEAD modes, 4 for ESP-NULL.
 */
#define XFP_ALGS(X)                                                            \
	X(NONE, 0, "none", 0, false, 0, 0, 0, 0, 1)                            \
	X(AES128GCM16, 1, "aes128gcm16", XFP_IPSEC_ESP, true, 20, 4, 8, 16, 1) \
	X(AES256GCM16, 2, "aes256gcm16", XFP_IPSEC_ESP, true, 36, 4, 8, 16, 1) \
	X(CHACHA20POLY1305, 3, "chacha20poly1305", XFP_IPSEC_ESP, true, 36, 4, \
	  8, 16, 1)                                                            \
	X(AES128GMAC, 4, "aes128gmac", XFP_IPSEC_ESP, false, 20, 4, 8, 16, 1)  \
	X(AES256GMAC, 5, "aes256gmac", XFP_IPSEC_ESP, false, 36, 4, 8, 16, 1)  \
	X(NULL_SHA256, 6, "null-sha256", XFP_IPSEC_ESP, false, 32, 0, 0, 16,   \
	  4)                                                                   \
	X(AH_SHA256, 7, "sha256", XFP_IPSEC_AH, false, 32, 0, 0, 16, 1)        \
	X(AH_SHA512, 8, "sha512", XFP_IPSEC_AH, false, 64, 0, 0, 32, 1)        \
	X(AH_SHA1, 9, "sha1", XFP_IPSEC_AH, false, 20, 0, 0, 12, 1)

enum xfp_alg {
#define XFP__ALG(e, n, s, p, enc, k, salt, iv, icv, bs) XFP_ALG_##e = n,
	XFP_ALGS(XFP__ALG)
#undef XFP__ALG
		XFP_ALG__MAX
};

/* Largest values over the table, for stack buffers. */
#define XFP_ALG_MAX_KEY_LEN 64
#define XFP_ALG_MAX_ICV_LEN 32
#define XFP_ALG_MAX_IV_LEN 8

struct xfp_alg_info {
	enum xfp_alg alg;
	const char *name; /* strongSwan keyword */
	uint8_t proto; /* XFP_IPSEC_ESP or XFP_IPSEC_AH */
	bool encrypts; /* confidentiality (ALE require-encryption) */
	bool aead; /* one AEAD call does cipher + integrity */
	uint8_t key_len; /* configured key bytes, salt included */
	uint8_t salt_len; /* trailing bytes of the key used as salt */
	uint8_t iv_len; /* explicit IV carried in each packet */
	uint8_t icv_len; /* integrity check value on the wire */
	uint8_t block_size; /* ESP padding unit (before 4-byte alignment) */
};

/* Properties of @alg, or NULL if @alg is out of range or XFP_ALG_NONE. */
const struct xfp_alg_info *xfp_alg_info(enum xfp_alg alg);

/*
 * Look an algorithm up by its exact name (case-sensitive, as strongSwan
 * writes them).  @proto restricts the search to XFP_IPSEC_ESP or
 * XFP_IPSEC_AH; 0 searches both (the names do not overlap).  Returns
 * XFP_ALG_NONE when the name is unknown.
 */
enum xfp_alg xfp_alg_by_name(const char *name, uint8_t proto);

/* Same, for a name that is not NUL-terminated (a token in a config line). */
enum xfp_alg xfp_alg_by_name_n(const char *name, size_t len, uint8_t proto);

/* The strongSwan name of @alg, or "none"/"unknown". */
const char *xfp_alg_name(enum xfp_alg alg);

/* Shorthands for the policy compiler. */
bool xfp_alg_encrypts(enum xfp_alg alg);
uint8_t xfp_alg_proto(enum xfp_alg alg);

#endif /* XFP_CRYPTO_ALG_H */
