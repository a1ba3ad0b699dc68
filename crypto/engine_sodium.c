// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine_sodium.c - the libsodium engine: AES-256-GCM (when the CPU has
 * AES-NI and PCLMUL), ChaCha20-Poly1305-IETF, HMAC-SHA-256 and HMAC-SHA-512.
 *
 * Per SA: the AES key schedule is expanded once (beforenm) and the HMAC
 * state after absorbing the padded key is kept, so a packet costs one copy
 * of that state plus the hashing of the packet.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "crypto/engine.h"

struct sodium_chacha {
	uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
};

static size_t priv_size(enum xfp_alg alg)
{
	switch (alg) {
	case XFP_ALG_AES256GCM16:
		return sizeof(crypto_aead_aes256gcm_state);
	case XFP_ALG_CHACHA20POLY1305:
		return sizeof(struct sodium_chacha);
	case XFP_ALG_NULL_SHA256:
	case XFP_ALG_AH_SHA256:
		return sizeof(crypto_auth_hmacsha256_state);
	case XFP_ALG_AH_SHA512:
		return sizeof(crypto_auth_hmacsha512_state);
	default:
		return 0;
	}
}

/* Set by xfp__engine_pretend_no_aesni() in tests. */
bool xfp__sodium_no_aesni;

static bool sodium_supports(enum xfp_alg alg)
{
	if (alg == XFP_ALG_AES256GCM16)
		return !__atomic_load_n(&xfp__sodium_no_aesni,
					__ATOMIC_RELAXED) &&
		       crypto_aead_aes256gcm_is_available() == 1;
	return priv_size(alg) != 0;
}

static int sodium_init_ctx(struct xfp_cipher *c, const uint8_t *key,
			   size_t key_len)
{
	enum xfp_alg alg = c->alg->alg;
	size_t sz = priv_size(alg);

	if (!sodium_supports(alg))
		return -ENOTSUP;
	c->priv = xfp__priv_alloc(sz);
	if (!c->priv)
		return -ENOMEM;
	switch (alg) {
	case XFP_ALG_AES256GCM16:
		if (key_len != crypto_aead_aes256gcm_KEYBYTES)
			goto inval;
		crypto_aead_aes256gcm_beforenm(c->priv, key);
		return 0;
	case XFP_ALG_CHACHA20POLY1305:
		if (key_len != crypto_aead_chacha20poly1305_ietf_KEYBYTES)
			goto inval;
		memcpy(((struct sodium_chacha *)c->priv)->key, key, key_len);
		return 0;
	case XFP_ALG_NULL_SHA256:
	case XFP_ALG_AH_SHA256:
		crypto_auth_hmacsha256_init(c->priv, key, key_len);
		return 0;
	case XFP_ALG_AH_SHA512:
		crypto_auth_hmacsha512_init(c->priv, key, key_len);
		return 0;
	default:
		break;
	}
inval:
	xfp__priv_free(c->priv, sz);
	c->priv = NULL;
	return -EINVAL;
}

static void sodium_fini(struct xfp_cipher *c)
{
	xfp__priv_free(c->priv, priv_size(c->alg->alg));
	c->priv = NULL;
}

/* libsodium wants the AAD in one piece; ESP's is at most 12 bytes. */
static const uint8_t *flat_aad(const struct xfp_iov *aad, unsigned naad,
			       uint8_t *tmp, size_t tmp_len, size_t *len)
{
	size_t n = 0;

	if (naad == 1) {
		*len = aad[0].len;
		return aad[0].base;
	}
	for (unsigned i = 0; i < naad; i++) {
		if (aad[i].len > tmp_len - n)
			return NULL;
		memcpy(tmp + n, aad[i].base, aad[i].len);
		n += aad[i].len;
	}
	*len = n;
	return tmp;
}

static int sodium_seal(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		       const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		       size_t len, uint8_t *tag)
{
	uint8_t tmp[64];
	size_t alen;
	const uint8_t *a = flat_aad(aad, naad, tmp, sizeof(tmp), &alen);

	if (!a)
		return -EINVAL;
	switch (c->alg->alg) {
	case XFP_ALG_AES256GCM16:
		return crypto_aead_aes256gcm_encrypt_detached_afternm(
			buf, tag, NULL, buf, len, a, alen, NULL, nonce,
			c->priv);
	case XFP_ALG_CHACHA20POLY1305:
		return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			buf, tag, NULL, buf, len, a, alen, NULL, nonce,
			((struct sodium_chacha *)c->priv)->key);
	default:
		return -ENOTSUP;
	}
}

static int sodium_open(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		       const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		       size_t len, const uint8_t *tag)
{
	uint8_t tmp[64];
	size_t alen;
	const uint8_t *a = flat_aad(aad, naad, tmp, sizeof(tmp), &alen);
	int r;

	if (!a)
		return -EINVAL;
	switch (c->alg->alg) {
	case XFP_ALG_AES256GCM16:
		r = crypto_aead_aes256gcm_decrypt_detached_afternm(
			buf, NULL, buf, len, tag, a, alen, nonce, c->priv);
		break;
	case XFP_ALG_CHACHA20POLY1305:
		r = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
			buf, NULL, buf, len, tag, a, alen, nonce,
			((struct sodium_chacha *)c->priv)->key);
		break;
	default:
		return -ENOTSUP;
	}
	return r == 0 ? 0 : -EBADMSG;
}

static int sodium_mac(struct xfp_cipher *c, const struct xfp_iov *parts,
		      unsigned nparts, uint8_t out[XFP_MAX_DIGEST])
{
	switch (c->alg->alg) {
	case XFP_ALG_NULL_SHA256:
	case XFP_ALG_AH_SHA256: {
		crypto_auth_hmacsha256_state st;

		memcpy(&st, c->priv, sizeof(st));
		for (unsigned i = 0; i < nparts; i++)
			crypto_auth_hmacsha256_update(&st, parts[i].base,
						      parts[i].len);
		crypto_auth_hmacsha256_final(&st, out);
		sodium_memzero(&st, sizeof(st));
		return 0;
	}
	case XFP_ALG_AH_SHA512: {
		crypto_auth_hmacsha512_state st;

		memcpy(&st, c->priv, sizeof(st));
		for (unsigned i = 0; i < nparts; i++)
			crypto_auth_hmacsha512_update(&st, parts[i].base,
						      parts[i].len);
		crypto_auth_hmacsha512_final(&st, out);
		sodium_memzero(&st, sizeof(st));
		return 0;
	}
	default:
		return -ENOTSUP;
	}
}

const struct xfp_engine xfp_engine_sodium = {
	.name = "sodium",
	.id = XFP_ENGINE_SODIUM,
	.supports = sodium_supports,
	.init = sodium_init_ctx,
	.fini = sodium_fini,
	.seal = sodium_seal,
	.open = sodium_open,
	.mac = sodium_mac,
};
