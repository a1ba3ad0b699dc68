// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine.c - engine registry, default choice per algorithm, per-SA cipher
 * set-up and tear-down, and the small constant-time helpers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "crypto/engine.h"

/* LeakSanitizer builds: see xfp__priv_alloc(). */
#if defined(__SANITIZE_ADDRESS__)
#define XFP_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XFP_LSAN 1
#endif
#endif
#ifdef XFP_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result;

/*
 * Per-algorithm default engine.  On the project's VM bench_crypto measured
 * OpenSSL 3.0 faster than libsodium 1.0.18 for every algorithm both offer
 * (1400-byte packets: AES-256-GCM about 21 vs 13 Gbit/s, ChaCha20-Poly1305
 * 10 vs 7, HMAC-SHA-256 11 vs 3, HMAC-SHA-512 5 vs 3), so OpenSSL is the
 * static default; xfp_engine_calibrate() re-measures on the machine it
 * runs on.  Accessed with relaxed atomics.
 */
static enum xfp_engine_id default_engine[XFP_ALG__MAX] = {
	[XFP_ALG_AES128GCM16] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AES256GCM16] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_CHACHA20POLY1305] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AES128GMAC] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AES256GMAC] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_NULL_SHA256] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AH_SHA256] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AH_SHA512] = XFP_ENGINE_OPENSSL,
	[XFP_ALG_AH_SHA1] = XFP_ENGINE_OPENSSL,
};
static enum xfp_engine_id global_engine = XFP_ENGINE_DEFAULT;

static const struct xfp_engine *const engines[XFP_ENGINE__MAX] = {
	[XFP_ENGINE_SODIUM] = &xfp_engine_sodium,
	[XFP_ENGINE_OPENSSL] = &xfp_engine_openssl,
};

static const char *const engine_names[XFP_ENGINE__MAX] = {
#define XFP__E(e, n, s) [n] = s,
	XFP_ENGINES(XFP__E)
#undef XFP__E
};

/* If the preferred engine cannot do an algorithm here, use the other one
 * (libsodium AES-GCM without AES-NI/PCLMUL, say). */
static void fix_defaults(void)
{
	for (unsigned a = 1; a < XFP_ALG__MAX; a++) {
		enum xfp_engine_id d =
			__atomic_load_n(&default_engine[a], __ATOMIC_RELAXED);

		if (d && engines[d]->supports(a))
			continue;
		for (unsigned e = 1; e < XFP_ENGINE__MAX; e++) {
			if (engines[e]->supports(a)) {
				__atomic_store_n(&default_engine[a], e,
						 __ATOMIC_RELAXED);
				break;
			}
		}
	}
}

static void do_init(void)
{
	if (sodium_init() < 0) {
		init_result = -EIO;
		return;
	}
	fix_defaults();
	init_result = 0;
}

void xfp__engine_pretend_no_aesni(bool off)
{
	xfp_engine_init();
	__atomic_store_n(&xfp__sodium_no_aesni, off, __ATOMIC_RELAXED);
	fix_defaults();
}

int xfp_engine_init(void)
{
	pthread_once(&init_once, do_init);
	return init_result;
}

const struct xfp_engine *xfp_engine_get(enum xfp_engine_id id)
{
	if ((unsigned)id >= XFP_ENGINE__MAX)
		return NULL;
	return engines[id];
}

enum xfp_engine_id xfp_engine_by_name(const char *name)
{
	for (unsigned i = 0; name && i < XFP_ENGINE__MAX; i++)
		if (strcmp(name, engine_names[i]) == 0)
			return i;
	return XFP_ENGINE__MAX;
}

const char *xfp_engine_name(enum xfp_engine_id id)
{
	if ((unsigned)id >= XFP_ENGINE__MAX)
		return "unknown";
	return engine_names[id];
}

enum xfp_engine_id xfp_engine_default(enum xfp_alg alg)
{
	if (xfp_engine_init() || !xfp_alg_info(alg))
		return XFP_ENGINE_DEFAULT;
	return __atomic_load_n(&default_engine[alg], __ATOMIC_RELAXED);
}

int xfp_engine_set_global(enum xfp_engine_id id)
{
	if ((unsigned)id >= XFP_ENGINE__MAX)
		return -EINVAL;
	__atomic_store_n(&global_engine, id, __ATOMIC_RELAXED);
	return 0;
}

enum xfp_engine_id xfp_engine_get_global(void)
{
	return __atomic_load_n(&global_engine, __ATOMIC_RELAXED);
}

const struct xfp_engine *xfp_engine_pick(enum xfp_alg alg,
					 enum xfp_engine_id want)
{
	const struct xfp_engine *e;

	if (xfp_engine_init() || !xfp_alg_info(alg))
		return NULL;
	if (want == XFP_ENGINE_DEFAULT)
		want = xfp_engine_get_global();
	if (want == XFP_ENGINE_DEFAULT)
		want = xfp_engine_default(alg);
	e = xfp_engine_get(want);
	if (!e || !e->supports(alg))
		return NULL;
	return e;
}

int xfp_cipher_init(struct xfp_cipher *c, enum xfp_alg alg,
		    enum xfp_engine_id want, const uint8_t *key, size_t key_len)
{
	const struct xfp_alg_info *ai = xfp_alg_info(alg);
	const struct xfp_engine *e;
	int err;

	memset(c, 0, sizeof(*c));
	if (!ai || !key || key_len != ai->key_len)
		return -EINVAL;
	e = xfp_engine_pick(alg, want);
	if (!e)
		return -ENOTSUP;
	c->eng = e;
	c->alg = ai;
	if (ai->salt_len)
		memcpy(c->salt, key + key_len - ai->salt_len, ai->salt_len);
	err = e->init(c, key, key_len - ai->salt_len);
	if (err) {
		xfp_wipe(c, sizeof(*c));
		return err;
	}
	return 0;
}

void xfp_cipher_fini(struct xfp_cipher *c)
{
	if (c->eng && c->priv)
		c->eng->fini(c);
	xfp_wipe(c, sizeof(*c));
}

bool xfp_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void xfp_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/*
 * Engine state holds expanded keys, so it lives in libsodium's guarded
 * allocations: own pages with guard pages around them, MADV_DONTDUMP (never
 * in a core dump) and mlock'ed (never swapped; best effort - under a small
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK the pages are still excluded from
 * dumps, just not locked).  sodium_free() wipes them before unmapping.
 *
 * Layout: a 64-byte header holding the size, then the block.  Sizes are
 * rounded up to 64 and sodium_malloc() ends the allocation at the end of
 * its last page, so the block is 64-byte aligned and any overrun hits the
 * guard page at once.
 *
 * Under LeakSanitizer the blocks are registered as root regions: they are
 * mmap'ed, so LSan would otherwise not see the heap pointers kept in them
 * (OpenSSL contexts) and call those leaks.
 */
#define PRIV_HDR 64

void *xfp__priv_alloc(size_t size)
{
	size_t n = (size + 63) & ~(size_t)63;
	uint8_t *p;

	if (!n)
		n = 64;
	if (sodium_init() < 0)
		return NULL;
	p = sodium_malloc(PRIV_HDR + n);
	if (!p)
		return NULL;
	memset(p, 0, PRIV_HDR + n);
	memcpy(p, &n, sizeof(n));
#ifdef XFP_LSAN
	__lsan_register_root_region(p + PRIV_HDR, n);
#endif
	return p + PRIV_HDR;
}

void xfp__priv_free(void *p, size_t size)
{
	uint8_t *base;
	size_t n;

	(void)size;
	if (!p)
		return;
	base = (uint8_t *)p - PRIV_HDR;
	memcpy(&n, base, sizeof(n));
#ifdef XFP_LSAN
	__lsan_unregister_root_region(p, n);
#endif
	(void)n;
	sodium_free(base); /* wipes the whole block */
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes sealed per second by @id for @alg on 1400-byte payloads, or 0. */
static double time_engine(enum xfp_alg alg, enum xfp_engine_id id,
			  unsigned budget_ms)
{
	uint8_t key[XFP_ALG_MAX_KEY_LEN], nonce[XFP_NONCE_LEN] = { 0 };
	uint8_t buf[1400], tag[XFP_MAX_DIGEST], hdr[8] = { 0 };
	struct xfp_cipher c;
	struct xfp_iov aad[2] = { { hdr, sizeof(hdr) }, { buf, sizeof(buf) } };
	const struct xfp_alg_info *ai = xfp_alg_info(alg);
	double t0, t1, bytes = 0;

	randombytes_buf(key, sizeof(key));
	memset(buf, 0xa5, sizeof(buf));
	if (xfp_cipher_init(&c, alg, id, key, ai->key_len)) {
		xfp_wipe(key, sizeof(key));
		return 0;
	}
	t0 = now_sec();
	do {
		for (int i = 0; i < 64; i++) {
			if (ai->aead && ai->encrypts)
				c.eng->seal(&c, nonce, aad, 1, buf, sizeof(buf),
					    tag);
			else if (ai->aead)
				c.eng->seal(&c, nonce, aad, 2, buf, 0, tag);
			else
				c.eng->mac(&c, aad, 2, tag);
			bytes += sizeof(buf);
		}
		t1 = now_sec();
	} while (t1 - t0 < budget_ms / 1000.0);
	xfp_cipher_fini(&c);
	xfp_wipe(key, sizeof(key));
	return bytes / (t1 - t0);
}

int xfp_engine_calibrate(unsigned budget_ms)
{
	int timed = 0;

	if (xfp_engine_init())
		return -EIO;
	for (unsigned a = 1; a < XFP_ALG__MAX; a++) {
		double best = 0;
		enum xfp_engine_id best_id = XFP_ENGINE_DEFAULT;
		unsigned both = 0;

		for (unsigned e = 1; e < XFP_ENGINE__MAX; e++)
			both += engines[e]->supports(a);
		if (both < 2)
			continue;
		for (unsigned e = 1; e < XFP_ENGINE__MAX; e++) {
			double r = time_engine(a, e, budget_ms);

			if (r > best) {
				best = r;
				best_id = e;
			}
		}
		if (best_id != XFP_ENGINE_DEFAULT) {
			__atomic_store_n(&default_engine[a], best_id,
					 __ATOMIC_RELAXED);
			timed++;
		}
	}
	return timed;
}
