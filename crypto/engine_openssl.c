// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * engine_openssl.c - the OpenSSL libcrypto engine: AES-128/256-GCM,
 * AES-128/256-GMAC, ChaCha20-Poly1305 and HMAC-SHA-1/256/512.
 *
 * Per SA two EVP_CIPHER_CTX (one keyed for sealing, one for opening) or
 * one keyed EVP_MAC_CTX are set up once; per packet only the nonce is set
 * (EVP_*Init_ex with a NULL cipher and key keeps the key schedule) and an
 * HMAC is restarted with EVP_MAC_init(ctx, NULL, ...), which in OpenSSL 3
 * restores the precomputed inner state instead of rehashing the key.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/engine.h"

struct ossl_priv {
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
	EVP_MAC_CTX *mac;
};

static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;
static EVP_MAC *hmac_alg;

static void fetch_hmac(void)
{
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

static const EVP_CIPHER *cipher_of(enum xfp_alg alg)
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

static const char *digest_of(enum xfp_alg alg)
{
	switch (alg) {
	case XFP_ALG_NULL_SHA256:
	case XFP_ALG_AH_SHA256:
		return "SHA256";
	case XFP_ALG_AH_SHA512:
		return "SHA512";
	case XFP_ALG_AH_SHA1:
		return "SHA1";
	default:
		return NULL;
	}
}

static bool ossl_supports(enum xfp_alg alg)
{
	if (cipher_of(alg))
		return true;
	if (digest_of(alg)) {
		pthread_once(&hmac_once, fetch_hmac);
		return hmac_alg != NULL;
	}
	return false;
}

static void ossl_fini(struct xfp_cipher *c)
{
	struct ossl_priv *p = c->priv;

	if (!p)
		return;
	/* The _free functions cleanse the key schedules they own. */
	EVP_CIPHER_CTX_free(p->enc);
	EVP_CIPHER_CTX_free(p->dec);
	EVP_MAC_CTX_free(p->mac);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
	c->priv = NULL;
}

static int ossl_init(struct xfp_cipher *c, const uint8_t *key, size_t key_len)
{
	enum xfp_alg alg = c->alg->alg;
	const EVP_CIPHER *ciph = cipher_of(alg);
	const char *md = digest_of(alg);
	struct ossl_priv *p;

	if (!ossl_supports(alg))
		return -ENOTSUP;
	/* Only pointers here: the key schedules are in OpenSSL's own
	 * allocations (cleansed by the _free functions). */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->priv = p;
	if (ciph) {
		if ((size_t)EVP_CIPHER_get_key_length(ciph) != key_len)
			goto inval;
		p->enc = EVP_CIPHER_CTX_new();
		p->dec = EVP_CIPHER_CTX_new();
		if (!p->enc || !p->dec)
			goto nomem;
		if (EVP_EncryptInit_ex(p->enc, ciph, NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(p->enc, EVP_CTRL_AEAD_SET_IVLEN,
					XFP_NONCE_LEN, NULL) != 1 ||
		    EVP_EncryptInit_ex(p->enc, NULL, NULL, key, NULL) != 1)
			goto inval;
		if (EVP_DecryptInit_ex(p->dec, ciph, NULL, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_ctrl(p->dec, EVP_CTRL_AEAD_SET_IVLEN,
					XFP_NONCE_LEN, NULL) != 1 ||
		    EVP_DecryptInit_ex(p->dec, NULL, NULL, key, NULL) != 1)
			goto inval;
		return 0;
	}
	{
		OSSL_PARAM params[2];

		p->mac = EVP_MAC_CTX_new(hmac_alg);
		if (!p->mac)
			goto nomem;
		params[0] = OSSL_PARAM_construct_utf8_string(
			OSSL_MAC_PARAM_DIGEST, (char *)md, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_MAC_init(p->mac, key, key_len, params) != 1)
			goto inval;
	}
	return 0;
nomem:
	ossl_fini(c);
	return -ENOMEM;
inval:
	ossl_fini(c);
	return -EINVAL;
}

static int ossl_seal(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		     const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		     size_t len, uint8_t *tag)
{
	struct ossl_priv *p = c->priv;
	EVP_CIPHER_CTX *x = p->enc;
	uint8_t fin[16]; /* GCM and ChaCha20-Poly1305 output nothing here */
	int outl;

	if (!x || len > INT32_MAX)
		return -ENOTSUP;
	if (EVP_EncryptInit_ex(x, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	for (unsigned i = 0; i < naad; i++)
		if (aad[i].len && EVP_EncryptUpdate(x, NULL, &outl, aad[i].base,
						    (int)aad[i].len) != 1)
			return -EIO;
	if (len && EVP_EncryptUpdate(x, buf, &outl, buf, (int)len) != 1)
		return -EIO;
	if (EVP_EncryptFinal_ex(x, fin, &outl) != 1)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, c->alg->icv_len,
				tag) != 1)
		return -EIO;
	return 0;
}

static int ossl_open(struct xfp_cipher *c, const uint8_t nonce[XFP_NONCE_LEN],
		     const struct xfp_iov *aad, unsigned naad, uint8_t *buf,
		     size_t len, const uint8_t *tag)
{
	struct ossl_priv *p = c->priv;
	EVP_CIPHER_CTX *x = p->dec;
	uint8_t fin[16];
	int outl;

	if (!x || len > INT32_MAX)
		return -ENOTSUP;
	if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) != 1)
		return -EIO;
	for (unsigned i = 0; i < naad; i++)
		if (aad[i].len && EVP_DecryptUpdate(x, NULL, &outl, aad[i].base,
						    (int)aad[i].len) != 1)
			return -EIO;
	if (len && EVP_DecryptUpdate(x, buf, &outl, buf, (int)len) != 1)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, c->alg->icv_len,
				(void *)tag) != 1)
		return -EIO;
	if (EVP_DecryptFinal_ex(x, fin, &outl) != 1)
		return -EBADMSG;
	return 0;
}

static int ossl_mac(struct xfp_cipher *c, const struct xfp_iov *parts,
		    unsigned nparts, uint8_t out[XFP_MAX_DIGEST])
{
	struct ossl_priv *p = c->priv;
	size_t outl;

	if (!p->mac)
		return -ENOTSUP;
	if (EVP_MAC_init(p->mac, NULL, 0, NULL) != 1)
		return -EIO;
	for (unsigned i = 0; i < nparts; i++)
		if (EVP_MAC_update(p->mac, parts[i].base, parts[i].len) != 1)
			return -EIO;
	if (EVP_MAC_final(p->mac, out, &outl, XFP_MAX_DIGEST) != 1)
		return -EIO;
	return 0;
}

const struct xfp_engine xfp_engine_openssl = {
	.name = "openssl",
	.id = XFP_ENGINE_OPENSSL,
	.supports = ossl_supports,
	.init = ossl_init,
	.fini = ossl_fini,
	.seal = ossl_seal,
	.open = ossl_open,
	.mac = ossl_mac,
};
