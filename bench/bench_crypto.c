// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_crypto.c - ESP/AH packet processing against the raw primitive.
 *
 * For every algorithm and every engine that offers it, at 64, 512 and 1400
 * byte packets, measure in the same run:
 *   esp  - xfp_esp_encap/decap (or xfp_ah_*) on a tunnel-mode SA, in place
 *          on a frame, one packet at a time;
 *   raw  - the library call the engine wraps, on a payload of the same
 *          size with the same AAD, key set up once (what the engine could
 *          do at best).
 * and print packets/s, Gbit/s (of the plaintext packet) and esp/raw.
 *
 * Decryption needs an authentic packet each time and works in place, so
 * both the esp and the raw decrypt loops copy the sealed bytes back before
 * every call; the encrypt loops re-encrypt in place (esp restores the IP
 * header only, so that the packet parses).
 *
 *   bench_crypto [--quick] [--json FILE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "crypto/ip.h"
#include "crypto/ipsec.h"

static double budget = 0.12; /* seconds per measurement */
static int reps = 5; /* best of, interleaved */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ raw calls */

struct raw {
	enum xfp_alg alg;
	enum xfp_engine_id eng;
	uint8_t key[64];
	crypto_aead_aes256gcm_state *gcm;
	crypto_auth_hmacsha256_state h256;
	crypto_auth_hmacsha512_state h512;
	EVP_CIPHER_CTX *enc, *dec;
	EVP_MAC_CTX *mac;
	EVP_MAC *hmac;
};

static const EVP_CIPHER *ossl_cipher(enum xfp_alg alg)
{
	switch (alg) {
	case XFP_ALG_AES128GCM16:
	case XFP_ALG_AES128GMAC:
		return EVP_aes_128_gcm();
	case XFP_ALG_AES256GCM16:
	case XFP_ALG_AES256GMAC:
		return EVP_aes_256_gcm();
	case XFP_ALG_CHACHA20POLY1305:
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

static const char *ossl_md(enum xfp_alg alg)
{
	return alg == XFP_ALG_AH_SHA512 ? "SHA512" :
	       alg == XFP_ALG_AH_SHA1	? "SHA1" :
					  "SHA256";
}

static void raw_init(struct raw *r, enum xfp_alg alg, enum xfp_engine_id eng)
{
	const struct xfp_alg_info *ai = xfp_alg_info(alg);
	size_t kl = ai->key_len - ai->salt_len;

	memset(r, 0, sizeof(*r));
	r->alg = alg;
	r->eng = eng;
	randombytes_buf(r->key, sizeof(r->key));
	if (eng == XFP_ENGINE_SODIUM) {
		if (alg == XFP_ALG_AES256GCM16) {
			r->gcm = sodium_malloc(sizeof(*r->gcm));
			crypto_aead_aes256gcm_beforenm(r->gcm, r->key);
		} else if (alg == XFP_ALG_AH_SHA512) {
			crypto_auth_hmacsha512_init(&r->h512, r->key, kl);
		} else {
			crypto_auth_hmacsha256_init(&r->h256, r->key, kl);
		}
		return;
	}
	if (ossl_cipher(alg)) {
		r->enc = EVP_CIPHER_CTX_new();
		r->dec = EVP_CIPHER_CTX_new();
		EVP_EncryptInit_ex(r->enc, ossl_cipher(alg), NULL, r->key,
				   NULL);
		EVP_DecryptInit_ex(r->dec, ossl_cipher(alg), NULL, r->key,
				   NULL);
	} else {
		OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string(
					    OSSL_MAC_PARAM_DIGEST,
					    (char *)ossl_md(alg), 0),
				    OSSL_PARAM_construct_end() };

		r->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		r->mac = EVP_MAC_CTX_new(r->hmac);
		EVP_MAC_init(r->mac, r->key, kl, p);
	}
}

static void raw_fini(struct raw *r)
{
	if (r->gcm)
		sodium_free(r->gcm);
	EVP_CIPHER_CTX_free(r->enc);
	EVP_CIPHER_CTX_free(r->dec);
	EVP_MAC_CTX_free(r->mac);
	EVP_MAC_free(r->hmac);
	sodium_memzero(r, sizeof(*r));
}

/* One raw operation on @len bytes at @buf; returns 0 when it verified. */
static int raw_op(struct raw *r, bool seal, uint8_t *buf, size_t len,
		  uint8_t *tag)
{
	static const uint8_t aad[8] = { 1, 2, 3, 4, 0, 0, 0, 9 };
	static const uint8_t nonce[12] = { 7 };
	const struct xfp_alg_info *ai = xfp_alg_info(r->alg);
	uint8_t out[64], fin[16];
	int ol;

	if (r->eng == XFP_ENGINE_SODIUM) {
		switch (r->alg) {
		case XFP_ALG_AES256GCM16:
			if (seal)
				return crypto_aead_aes256gcm_encrypt_detached_afternm(
					buf, tag, NULL, buf, len, aad, 8, NULL,
					nonce, r->gcm);
			return crypto_aead_aes256gcm_decrypt_detached_afternm(
				buf, NULL, buf, len, tag, aad, 8, nonce,
				r->gcm);
		case XFP_ALG_CHACHA20POLY1305:
			if (seal)
				return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
					buf, tag, NULL, buf, len, aad, 8, NULL,
					nonce, r->key);
			return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
				buf, NULL, buf, len, tag, aad, 8, nonce,
				r->key);
		case XFP_ALG_AH_SHA512: {
			crypto_auth_hmacsha512_state st = r->h512;

			crypto_auth_hmacsha512_update(&st, buf, len);
			crypto_auth_hmacsha512_final(&st, out);
			if (seal) {
				memcpy(tag, out, ai->icv_len);
				return 0;
			}
			return sodium_memcmp(out, tag, ai->icv_len);
		}
		default: {
			crypto_auth_hmacsha256_state st = r->h256;

			crypto_auth_hmacsha256_update(&st, buf, len);
			crypto_auth_hmacsha256_final(&st, out);
			if (seal) {
				memcpy(tag, out, ai->icv_len);
				return 0;
			}
			return sodium_memcmp(out, tag, ai->icv_len);
		}
		}
	}
	if (r->enc) {
		EVP_CIPHER_CTX *x = seal ? r->enc : r->dec;
		bool gmac = !ai->encrypts;

		if (seal) {
			EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce);
			EVP_EncryptUpdate(x, NULL, &ol, aad, 8);
			if (gmac)
				EVP_EncryptUpdate(x, NULL, &ol, buf, (int)len);
			else
				EVP_EncryptUpdate(x, buf, &ol, buf, (int)len);
			EVP_EncryptFinal_ex(x, fin, &ol);
			EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, tag);
			return 0;
		}
		EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce);
		EVP_DecryptUpdate(x, NULL, &ol, aad, 8);
		if (gmac)
			EVP_DecryptUpdate(x, NULL, &ol, buf, (int)len);
		else
			EVP_DecryptUpdate(x, buf, &ol, buf, (int)len);
		EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, tag);
		return EVP_DecryptFinal_ex(x, fin, &ol) == 1 ? 0 : -1;
	}
	{
		size_t outl;

		EVP_MAC_init(r->mac, NULL, 0, NULL);
		EVP_MAC_update(r->mac, buf, len);
		EVP_MAC_final(r->mac, out, &outl, sizeof(out));
		if (seal) {
			memcpy(tag, out, ai->icv_len);
			return 0;
		}
		return CRYPTO_memcmp(out, tag, ai->icv_len) ? -1 : 0;
	}
}

/* Run @fn for about `budget` seconds; packets per second. */
static double timed(void (*fn)(void *), void *arg)
{
	unsigned long n = 0;
	double t0 = now(), t1;

	do {
		for (int i = 0; i < 64; i++)
			fn(arg);
		n += 64;
		t1 = now();
	} while (t1 - t0 < budget);
	return n / (t1 - t0);
}

struct raw_run {
	struct raw r;
	bool seal;
	size_t size;
	uint8_t buf[2048], sealed[2048], tag[64], stag[64];
};

static void raw_step(void *arg)
{
	struct raw_run *x = arg;

	if (x->seal) {
		raw_op(&x->r, true, x->buf, x->size, x->tag);
		return;
	}
	memcpy(x->buf, x->sealed, x->size);
	if (raw_op(&x->r, false, x->buf, x->size, x->stag)) {
		fprintf(stderr, "bench_crypto: raw open failed\n");
		exit(1);
	}
}

static void raw_setup(struct raw_run *x, enum xfp_alg alg,
		      enum xfp_engine_id eng, size_t size, bool seal)
{
	raw_init(&x->r, alg, eng);
	x->seal = seal;
	x->size = size;
	randombytes_buf(x->buf, size);
	memcpy(x->sealed, x->buf, size);
	raw_op(&x->r, true, x->sealed, size, x->stag);
}

/* ------------------------------------------------------------ xfp path */

static struct xfp_sa *bench_sa(enum xfp_alg alg, enum xfp_engine_id eng,
			       uint8_t dir)
{
	const struct xfp_alg_info *ai = xfp_alg_info(alg);
	struct xfp_sa_config c = { 0 };
	struct xfp_sa *sa;
	int err;

	c.id = 1;
	c.spi = 0x1234;
	c.proto = ai->proto;
	c.dir = dir;
	c.mode = XFP_MODE_TUNNEL;
	c.alg = alg;
	c.engine = eng;
	c.key_len = ai->key_len;
	memset(c.key, 0x42, c.key_len);
	c.no_replay = true; /* the same packet is opened again and again */
	c.src.family = c.dst.family = AF_INET;
	c.src.a[0] = c.dst.a[0] = 198;
	c.src.a[1] = c.dst.a[1] = 18;
	c.dst.a[3] = 1;
	sa = xfp_sa_new(&c, &err);
	sodium_memzero(&c, sizeof(c));
	if (!sa) {
		fprintf(stderr, "bench_crypto: SA for %s/%s: %d\n", ai->name,
			xfp_engine_name(eng), err);
		exit(1);
	}
	return sa;
}

/* A UDP/IPv4 packet of @size bytes. */
static void make_packet(uint8_t *p, size_t size)
{
	memset(p, 0, size);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = 17;
	p[12] = 198;
	p[13] = 18;
	p[14] = 1;
	p[16] = 198;
	p[17] = 18;
	p[18] = 2;
	randombytes_buf(p + 28, size - 28);
	xfp_ip_set_len(p, size);
}

struct xfp_run {
	struct xfp_sa *out, *in;
	bool esp, seal;
	size_t size, slen;
	struct xfp_pkt_buf pkt;
	uint8_t frame[4096], plain[2048], sealed[2048];
};

static void xfp_step(void *arg)
{
	struct xfp_run *x = arg;
	int r;

	if (x->seal) {
		/* Re-encrypt in place; only the IP header has to be valid. */
		xfp_pkt_init(&x->pkt, x->frame, sizeof(x->frame), 256, x->size);
		memcpy(x->pkt.data, x->plain, 20);
		r = x->esp ? xfp_esp_encap(x->out, &x->pkt) :
			     xfp_ah_encap(x->out, &x->pkt);
	} else {
		xfp_pkt_init(&x->pkt, x->frame, sizeof(x->frame), 256, x->slen);
		memcpy(x->pkt.data, x->sealed, x->slen);
		r = x->esp ? xfp_esp_decap(x->in, &x->pkt) :
			     xfp_ah_decap(x->in, &x->pkt);
	}
	if (r) {
		fprintf(stderr, "bench_crypto: %s\n", xfp_strerror(r));
		exit(1);
	}
}

static void xfp_setup(struct xfp_run *x, enum xfp_alg alg,
		      enum xfp_engine_id eng, size_t size, bool seal)
{
	x->out = bench_sa(alg, eng, XFP_SA_OUT);
	x->in = bench_sa(alg, eng, XFP_SA_IN);
	x->esp = xfp_alg_info(alg)->proto == XFP_IPSEC_ESP;
	x->seal = seal;
	x->size = size;
	make_packet(x->plain, size);
	xfp_pkt_init(&x->pkt, x->frame, sizeof(x->frame), 256, size);
	memcpy(x->pkt.data, x->plain, size);
	if ((x->esp ? xfp_esp_encap(x->out, &x->pkt) :
		      xfp_ah_encap(x->out, &x->pkt)) != 0)
		exit(2);
	x->slen = x->pkt.len;
	memcpy(x->sealed, x->pkt.data, x->slen);
}

/* Raw and xfp, interleaved `reps` times (best of each): a load change on
 * a shared machine hits both sides alike. */
static void measure(enum xfp_alg alg, enum xfp_engine_id eng, size_t size,
		    bool seal, double *raw_pps, double *xfp_pps)
{
	static struct raw_run rr;
	static struct xfp_run xr;

	raw_setup(&rr, alg, eng, size, seal);
	xfp_setup(&xr, alg, eng, size, seal);
	*raw_pps = *xfp_pps = 0;
	for (int rep = 0; rep < reps; rep++) {
		double a = timed(raw_step, &rr), b = timed(xfp_step, &xr);

		if (a > *raw_pps)
			*raw_pps = a;
		if (b > *xfp_pps)
			*xfp_pps = b;
	}
	raw_fini(&rr.r);
	xfp_sa_free(xr.out);
	xfp_sa_free(xr.in);
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = { 64, 512, 1400 };
	const char *json = NULL;
	FILE *jf = NULL;
	bool first = true;
	double worst1400 = 1e9;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			budget = 0.02;
			reps = 2;
		} else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
			json = argv[++i];
		} else {
			fprintf(stderr,
				"usage: %s [--quick] [--json FILE]\n"
				"unknown argument '%s'\n",
				argv[0], argv[i]);
			return 2;
		}
	}
	if (xfp_engine_init())
		return 1;
	if (json) {
		jf = fopen(json, "w");
		if (!jf) {
			fprintf(stderr, "bench_crypto: %s: %s\n", json,
				strerror(errno));
			return 1;
		}
		fprintf(jf,
			"{\n  \"benchmark\": \"crypto\",\n"
			"  \"seconds_per_point\": %.3f,\n"
			"  \"aesni_pclmul\": %s,\n  \"results\": [\n",
			budget,
			crypto_aead_aes256gcm_is_available() ? "true" :
							       "false");
	}
	printf("%-17s %-8s %5s %-8s %9s %9s %9s %9s %6s\n", "algorithm",
	       "engine", "bytes", "dir", "xfp Mpps", "xfp Gb/s", "raw Mpps",
	       "raw Gb/s", "ratio");
	for (unsigned a = 1; a < XFP_ALG__MAX; a++) {
		for (unsigned e = 1; e < XFP_ENGINE__MAX; e++) {
			if (!xfp_engine_get(e)->supports(a))
				continue;
			for (size_t s = 0; s < 3; s++) {
				for (int seal = 1; seal >= 0; seal--) {
					size_t sz = sizes[s];
					double raw, x, ratio;

					measure(a, e, sz, seal, &raw, &x);
					ratio = x / raw;

					if (sz == 1400 && ratio < worst1400)
						worst1400 = ratio;
					printf("%-17s %-8s %5zu %-8s %9.3f %9.2f %9.3f %9.2f %6.2f\n",
					       xfp_alg_name(a),
					       xfp_engine_name(e), sz,
					       seal ? "encrypt" : "decrypt",
					       x / 1e6, x * sz * 8 / 1e9,
					       raw / 1e6, raw * sz * 8 / 1e9,
					       ratio);
					fflush(stdout);
					if (jf) {
						fprintf(jf,
							"%s    {\"alg\": \"%s\", \"engine\": \"%s\", "
							"\"bytes\": %zu, \"dir\": \"%s\", "
							"\"xfp_pps\": %.0f, \"xfp_gbps\": %.3f, "
							"\"raw_pps\": %.0f, \"raw_gbps\": %.3f, "
							"\"ratio\": %.3f}",
							first ? "" : ",\n",
							xfp_alg_name(a),
							xfp_engine_name(e), sz,
							seal ? "encrypt" :
							       "decrypt",
							x, x * sz * 8 / 1e9,
							raw, raw * sz * 8 / 1e9,
							ratio);
						first = false;
					}
				}
			}
		}
	}
	printf("lowest xfp/raw ratio at 1400 bytes: %.2f (goal >= 0.80)\n",
	       worst1400);
	if (jf) {
		fprintf(jf, "\n  ],\n  \"lowest_ratio_1400\": %.3f\n}\n",
			worst1400);
		fclose(jf);
	}
	return 0;
}
