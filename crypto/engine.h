/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * engine.h - one interface in front of the crypto libraries.
 *
 * An engine wraps a library (libsodium or OpenSSL libcrypto).  Per SA the
 * caller sets up a `struct xfp_cipher` once (key schedule expanded, HMAC
 * inner/outer state precomputed), then calls seal/open/mac per packet.
 * Nothing on the per-packet path allocates.
 *
 * Operations by algorithm:
 *   AEAD (AES-GCM, ChaCha20-Poly1305): seal/open encrypt or decrypt @len
 *     bytes at @buf in place, authenticating the AAD pieces as well.
 *   AES-GMAC: seal/open with @len = 0; everything is AAD (RFC 4543).
 *   HMAC (null-sha256, AH): mac() writes the FULL digest of the pieces;
 *     the caller truncates to the ICV length and compares in constant time
 *     (xfp_ct_equal).
 *
 * Thread safety: a cipher context belongs to the one thread that processes
 * the SA (see sadb.h, "owner").  The sodium contexts happen to be read-only
 * per packet, the OpenSSL ones are not.
 *
 * Engine choice: each algorithm has a default engine - the faster one on
 * this machine among those that support it (a static table measured on the
 * target CPU, refreshed by xfp_engine_calibrate()).  A global override
 * (xfp_engine_set_global) and a per-SA choice beat the default; a forced
 * engine that cannot do the algorithm is an error, never a silent switch.
 */
#ifndef XFP_CRYPTO_ENGINE_H
#define XFP_CRYPTO_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/alg.h"

#define XFP_ENGINES(X)           \
	X(DEFAULT, 0, "default") \
	X(SODIUM, 1, "sodium")   \
	X(OPENSSL, 2, "openssl")

enum xfp_engine_id {
#define XFP__E(e, n, s) XFP_ENGINE_##e = n,
	XFP_ENGINES(XFP__E)
#undef XFP__E
		XFP_ENGINE__MAX
};

#define XFP_NONCE_LEN 12 /* salt (4) || IV (8) for every AEAD we carry */
#define XFP_MAX_DIGEST 64

/* One piece of data to authenticate. */
struct xfp_iov {
	const uint8_t *base;
	size_t len;
};

struct xfp_engine;

/* Per-SA crypto context. */
struct xfp_cipher {
	const struct xfp_engine *eng;
	const struct xfp_alg_info *alg;
	uint8_t salt[4];
	void *priv; /* engine state, aligned to 64, wiped on fini */
};

struct xfp_engine {
	const char *name;
	enum xfp_engine_id id;
	/* Can this engine do @alg on this machine? */
	bool (*supports)(enum xfp_alg alg);
	int (*init)(struct xfp_cipher *c, const uint8_t *key, size_t key_len);
	void (*fini)(struct xfp_cipher *c);
	int (*seal)(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		    const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		    size_t len, uint8_t *tag);
	/* Returns 0, or -EBADMSG when the tag does not verify. */
	int (*open)(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		    const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		    size_t len, const uint8_t *tag);
	int (*mac)(struct xfp_cipher *c, const struct xfp_iov *parts,
		   unsigned nparts, uint8_t out[XFP_MAX_DIGEST]);
};

extern const struct xfp_engine xfp_engine_sodium;
extern const struct xfp_engine xfp_engine_openssl;

/*
 * Initialise the libraries (sodium_init), probe CPU support (libsodium's
 * AES-GCM needs AES-NI and PCLMUL).  Idempotent and thread-safe; every other
 * function calls it.  Returns 0 or -errno.
 */
int xfp_engine_init(void);

const struct xfp_engine *xfp_engine_get(enum xfp_engine_id id);
/* Engine by name ("sodium", "openssl", "default"); XFP_ENGINE__MAX if not. */
enum xfp_engine_id xfp_engine_by_name(const char *name);
const char *xfp_engine_name(enum xfp_engine_id id);

/*
 * Which engine serves @alg when the SA asks for @want.  @want DEFAULT means
 * the global override if one is set, else the per-algorithm default.
 * Returns NULL if the requested engine cannot do @alg.
 */
const struct xfp_engine *xfp_engine_pick(enum xfp_alg alg,
					 enum xfp_engine_id want);

/* Force every SA installed from now on to @id (DEFAULT clears). */
int xfp_engine_set_global(enum xfp_engine_id id);
enum xfp_engine_id xfp_engine_get_global(void);

/* The per-algorithm default (what pick() returns with no override). */
enum xfp_engine_id xfp_engine_default(enum xfp_alg alg);

/*
 * Time both engines on 1400-byte seals for each algorithm both support
 * (about @budget_ms per engine and algorithm) and make the faster one the
 * default.  Returns the number of algorithms timed.
 */
int xfp_engine_calibrate(unsigned budget_ms);

/*
 * Set up @c for @alg with the SA's keying material (salt included, as
 * alg.h key_len says).  Returns 0, -EINVAL (wrong key length), -ENOTSUP
 * (the engine cannot do @alg) or -ENOMEM.
 */
int xfp_cipher_init(struct xfp_cipher *c, enum xfp_alg alg,
		    enum xfp_engine_id want, const uint8_t *key,
		    size_t key_len);
/* Wipe and release; safe on a zeroed or already finished context. */
void xfp_cipher_fini(struct xfp_cipher *c);

/* Constant-time comparison of @n bytes; true when equal. */
bool xfp_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);
/* Wipe @n bytes in a way the compiler keeps. */
void xfp_wipe(void *p, size_t n);

/*
 * Test hook: behave as if the CPU had no AES-NI/PCLMUL (@off true) or as
 * it really is (@off false), and redo the per-algorithm defaults.  Lets
 * the unit tests check the fallback on a machine that has AES-NI.  Only
 * for SAs installed afterwards; not for use on a running datapath.
 */
void xfp__engine_pretend_no_aesni(bool off);

/* Engine-private helpers. */
extern bool xfp__sodium_no_aesni;
void *xfp__priv_alloc(size_t size);
void xfp__priv_free(void *p, size_t size);

#endif /* XFP_CRYPTO_ENGINE_H */
