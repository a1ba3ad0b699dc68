// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_esp.c - ESP encapsulation/decapsulation: published packets
 * (RFC 7634 appendix A, draft-mcgrew-gcm-test-01) through the full packet
 * path, round trips over every algorithm/mode/family/NAT-T/ESN and both
 * engines crossed, and the refusals: tampered ICV, truncation, bad padding,
 * unknown next header, selectors, sequence overflow, lifetimes, no room.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/esp.h"
#include "crypto/ipsec.h"
#include "tests/unit/data/crypto/testutil.h"

static const enum xfp_alg ESP_ALGS[] = {
	XFP_ALG_AES128GCM16, XFP_ALG_AES256GCM16, XFP_ALG_CHACHA20POLY1305,
	XFP_ALG_AES128GMAC,  XFP_ALG_AES256GMAC,  XFP_ALG_NULL_SHA256,
};
#define N_ESP_ALGS (sizeof(ESP_ALGS) / sizeof(ESP_ALGS[0]))

/* An outer IPv4 header (198.18.0.1 -> 198.18.0.2, proto 50) + @esp. */
static size_t v4_wrap(uint8_t *p, const uint8_t *esp, size_t esp_len,
		      uint8_t proto)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, "198.18.0.1", p + 12);
	inet_pton(AF_INET, "198.18.0.2", p + 16);
	memcpy(p + 20, esp, esp_len);
	xfp_ip_set_len(p, 20 + esp_len);
	return 20 + esp_len;
}

static struct xfp_sa *vec_sa(enum xfp_alg alg, uint8_t dir, uint8_t mode,
			     uint32_t spi, const char *keyhex, bool esn,
			     enum xfp_engine_id eng)
{
	struct xfp_sa_config c;

	tu_cfg(&c, alg, dir, mode, spi);
	c.key_len = (uint8_t)tu_hex(keyhex, c.key, sizeof(c.key));
	c.esn = esn;
	c.engine = eng;
	return tu_sa(&c);
}

static const char RFC7634_KEY[] =
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3";
static const char RFC7634_ESP[] =
	"0102030400000005"
	"1011121314151617"
	"24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	"14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	"cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	"76aaa8266b7fb0f7b11b369907e1ad43";
static const char RFC7634_INNER[] =
	"45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	"0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	"2425262728292a2b2c2d2e2f3031323334353637";

/* RFC 7634 appendix A is a tunnel-mode packet: open it, and rebuild it. */
static void test_vector_rfc7634_tunnel(void **state)
{
	static const enum xfp_engine_id engs[] = { XFP_ENGINE_SODIUM,
						   XFP_ENGINE_OPENSSL };
	uint8_t esp[200], inner[100], pkt[300];
	size_t el = tu_hex(RFC7634_ESP, esp, sizeof(esp));
	size_t il = tu_hex(RFC7634_INNER, inner, sizeof(inner));
	struct tu_frame f;

	(void)state;
	for (int e = 0; e < 2; e++) {
		struct xfp_sa *in = vec_sa(XFP_ALG_CHACHA20POLY1305, XFP_SA_IN,
					   XFP_MODE_TUNNEL, 0x01020304,
					   RFC7634_KEY, false, engs[e]);
		struct xfp_sa *out = vec_sa(XFP_ALG_CHACHA20POLY1305,
					    XFP_SA_OUT, XFP_MODE_TUNNEL,
					    0x01020304, RFC7634_KEY, false,
					    engs[e]);
		size_t pl = v4_wrap(pkt, esp, el, XFP_IPSEC_ESP);

		tu_frame_set(&f, pkt, pl);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, il);
		assert_memory_equal(f.pkt.data, inner, il);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PACKETS), 1);
		/* Seen once: a second copy is a replay. */
		tu_frame_set(&f, pkt, pl);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_REPLAY_DUP);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_REPLAY_DUP), 1);

		/* Sender side: sequence 5, IV 1011121314151617. */
		out->oseq = 4;
		out->iv_mask = 5 ^ 0x1011121314151617ULL;
		tu_frame_set(&f, inner, il);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
		assert_int_equal(f.pkt.len, 20 + el);
		assert_int_equal(f.pkt.data[9], XFP_IPSEC_ESP);
		assert_int_equal(xfp_get_be16(f.pkt.data + 2), 20 + el);
		assert_memory_equal(f.pkt.data + 12, pkt + 12, 8);
		assert_memory_equal(f.pkt.data + 20, esp, el);
		assert_int_equal(xfp_csum_fold(xfp_csum_add(0, f.pkt.data, 20)),
				 0);
		xfp_sa_free(in);
		xfp_sa_free(out);
	}
}

struct mcgrew_pkt {
	const char *name;
	enum xfp_alg alg;
	uint32_t spi;
	uint64_t seq;
	bool esn;
	const char *key; /* with salt */
	const char *iv;
	const char *plain; /* payload || pad || padlen || nh */
	const char *ctag;
};

/* draft-mcgrew-gcm-test-01 packets as whole ESP packets (transport). */
static const struct mcgrew_pkt mcgrew[] = {
	{ "aes256 spi 4a2cbfe3 seq 2", XFP_ALG_AES256GCM16, 0x4a2cbfe3, 2,
	  false,
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  "11223344",
	  "0102030405060708",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8e"
	  "b335f4eecfdbf831824b4c4915956c96" },
	{ "aes128 spi 4321 esn 8765432100000000", XFP_ALG_AES128GCM16, 0x4321,
	  0x8765432100000000ULL, true,
	  "4c80cdefbb5d10da906ac73c3613a634"
	  "2e443b68",
	  "4956ed7e3b244cfe",
	  "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	  "00000000045f736970045f756470037369700963796265726369747902646b00"
	  "0021000101020201",
	  "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	  "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	  "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4" },
	{ "aes128 spi 335467ae seq ffffffff", XFP_ALG_AES128GCM16, 0x335467ae,
	  0xffffffff, false,
	  "7d773d00c144c525ac619d18c84a3f47"
	  "d9664267",
	  "43457e9182443bc6", "01020201",
	  "437f866bcb3f699fe9b0822bac961c4504bef270" },
	{ "aes256 spi 796b6963 esn ffffffffffffffff", XFP_ALG_AES256GCM16,
	  0x796b6963, 0xffffffffffffffffULL, true,
	  "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961"
	  "7475726e",
	  "333021696765746d",
	  "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	  "65666768696a6b6c6d6e6f707172737401020201",
	  "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86"
	  "4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9d0937ba2945f669368661a32"
	  "9fb4c053" },
	/* The GMAC case: nothing encrypted, the payload is in clear. */
	{ "aes128gmac spi 4321 seq 7", XFP_ALG_AES128GMAC, 0x4321, 7, false,
	  "4c80cdefbb5d10da906ac73c3613a634"
	  "22433c64",
	  "0000000000000000",
	  "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	  "65666768696a6b6c6d6e6f707172737401020201",
	  "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	  "65666768696a6b6c6d6e6f707172737401020201"
	  "f2a9a836e155106aa8dcd618e4099aaa" },
};

static void test_vector_mcgrew_packets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mcgrew) / sizeof(mcgrew[0]); i++) {
		const struct mcgrew_pkt *v = &mcgrew[i];
		uint8_t esp[300], plain[200], pkt[400], iv[8];
		size_t pl = tu_hex(v->plain, plain, sizeof(plain));
		size_t el = 16, inner;
		struct xfp_sa *in, *out;
		struct tu_frame f;
		uint64_t ivv;

		xfp_put_be32(esp, v->spi);
		xfp_put_be32(esp + 4, (uint32_t)v->seq);
		tu_hex(v->iv, iv, sizeof(iv));
		memcpy(esp + 8, iv, 8);
		el += tu_hex(v->ctag, esp + 16, sizeof(esp) - 16);
		in = vec_sa(v->alg, XFP_SA_IN, XFP_MODE_TRANSPORT, v->spi,
			    v->key, v->esn, 0);
		/* Put the window where the ESN high half is inferred right. */
		if (v->esn)
			xfp_replay_advance(&in->replay, v->seq - 1);
		tu_frame_set(&f, pkt, v4_wrap(pkt, esp, el, XFP_IPSEC_ESP));
		if (xfp_esp_decap(in, &f.pkt))
			fail_msg("%s: decap refused", v->name);
		inner = pl - 2 - plain[pl - 2];
		assert_int_equal(f.pkt.len, 20 + inner);
		assert_int_equal(f.pkt.data[9], plain[pl - 1]);
		assert_memory_equal(f.pkt.data + 20, plain, inner);
		assert_int_equal(in->replay.top, v->seq);

		/* And the sender builds the same bytes (the vectors all use
		 * the minimal RFC 4303 padding xfp uses). */
		out = vec_sa(v->alg, XFP_SA_OUT, XFP_MODE_TRANSPORT, v->spi,
			     v->key, v->esn, 0);
		out->oseq = v->seq - 1;
		ivv = (uint64_t)xfp_get_be32(iv) << 32 | xfp_get_be32(iv + 4);
		out->iv_mask = v->seq ^ ivv;
		memcpy(pkt + 20, plain, inner);
		pkt[9] = plain[pl - 1];
		xfp_ip_set_len(pkt, 20 + inner);
		tu_frame_set(&f, pkt, 20 + inner);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
		assert_int_equal(f.pkt.len, 20 + el);
		if (memcmp(f.pkt.data + 20, esp, el))
			fail_msg("%s: encap differs", v->name);
		xfp_sa_free(in);
		xfp_sa_free(out);
	}
}

/* ------------------------------------------------------------ round trips */

struct rt {
	enum xfp_alg alg;
	uint8_t mode;
	bool inner6, outer6, natt, esn;
	enum xfp_engine_id eo, ei;
};

static void make_pair(const struct rt *t, struct xfp_sa **out,
		      struct xfp_sa **in)
{
	struct xfp_sa_config c;

	tu_cfg(&c, t->alg, XFP_SA_OUT, t->mode, 0x1000 + t->alg);
	if (t->outer6) {
		tu_addr6(&c.src, "2001:db8::1");
		tu_addr6(&c.dst, "2001:db8::2");
	}
	c.natt = t->natt;
	c.natt_sport = 4500;
	c.natt_dport = t->natt ? 4501 : 0;
	c.esn = t->esn;
	c.engine = t->eo;
	*out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.engine = t->ei;
	*in = tu_sa(&c);
}

static size_t inner_pkt(uint8_t *p, bool v6, size_t len, unsigned seed)
{
	if (v6)
		return tu_udp_packet(p, true, "2001:db8:1::10",
				     "2001:db8:2::20", len, seed);
	return tu_udp_packet(p, false, "198.18.1.10", "198.18.2.20", len, seed);
}

static void roundtrip(const struct rt *t, unsigned *count)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 64, 511, 1400 };
	struct xfp_sa *out, *in;

	make_pair(t, &out, &in);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint8_t orig[1600];
		struct tu_frame f;
		size_t ol = inner_pkt(orig, t->inner6, sizes[s], (unsigned)s);
		struct xfp_ip_info ii;
		int r;

		tu_frame_set(&f, orig, ol);
		r = xfp_esp_encap(out, &f.pkt);
		if (r)
			fail_msg("encap %s %s in%d out%d natt%d: %s",
				 xfp_alg_name(t->alg), tu_mode_name(t->mode),
				 t->inner6, t->outer6, t->natt,
				 xfp_strerror(r));
		/* The outer packet is well formed and the ESP part aligned. */
		assert_int_equal(
			xfp_ip_parse(f.pkt.data, f.pkt.len, false, &ii), 0);
		assert_int_equal(ii.tot_len, f.pkt.len);
		assert_int_equal(ii.version, t->mode == XFP_MODE_TUNNEL ?
						     (t->outer6 ? 6 : 4) :
						     (t->inner6 ? 6 : 4));
		assert_int_equal(ii.proto, t->natt ? 17 : XFP_IPSEC_ESP);
		assert_int_equal(
			(f.pkt.len - ii.l3_len - (t->natt ? 8 : 0)) % 4, 0);
		if (t->natt) {
			assert_int_equal(xfp_get_be16(f.pkt.data + ii.l3_len),
					 4500);
			assert_int_equal(
				xfp_get_be16(f.pkt.data + ii.l3_len + 2), 4501);
		}
		/* The plaintext must not be visible when it is encrypted. */
		if (xfp_alg_encrypts(t->alg) && sizes[s] >= 64)
			assert_null(memmem(f.pkt.data, f.pkt.len,
					   orig + ol - 32, 32));
		r = xfp_esp_decap(in, &f.pkt);
		if (r)
			fail_msg("decap %s %s in%d out%d natt%d esn%d: %s",
				 xfp_alg_name(t->alg), tu_mode_name(t->mode),
				 t->inner6, t->outer6, t->natt, t->esn,
				 xfp_strerror(r));
		assert_int_equal(f.pkt.len, ol);
		assert_memory_equal(f.pkt.data, orig, ol);
		(*count)++;
	}
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_PACKETS), 7);
	assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PACKETS), 7);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

static enum xfp_engine_id other_engine(enum xfp_alg alg, enum xfp_engine_id e)
{
	enum xfp_engine_id o = e == XFP_ENGINE_SODIUM ? XFP_ENGINE_OPENSSL :
							XFP_ENGINE_SODIUM;

	return xfp_engine_get(o)->supports(alg) ? o : e;
}

static void test_roundtrip_matrix(void **state)
{
	unsigned count = 0;

	(void)state;
	for (size_t a = 0; a < N_ESP_ALGS; a++)
		for (unsigned m = 0; m < 2; m++)
			for (unsigned bits = 0; bits < 16; bits++) {
				struct rt t = {
					.alg = ESP_ALGS[a],
					.mode = (uint8_t)m,
					.inner6 = bits & 1,
					.outer6 = bits & 2,
					.natt = bits & 4,
					.esn = bits & 8,
				};

				/* Transport: the outer is the inner. */
				if (m == XFP_MODE_TRANSPORT &&
				    t.outer6 != t.inner6)
					continue;
				t.eo = xfp_engine_default(t.alg);
				t.ei = other_engine(t.alg, t.eo);
				roundtrip(&t, &count);
			}
	/* 6 algorithms x (8 transport + 16 tunnel) x 7 sizes */
	assert_int_equal(count, 6 * 24 * 7);
}

/* Sealed with one engine, opened with the other, at the packet level. */
static void test_cross_engine_packets(void **state)
{
	unsigned count = 0, pairs = 0;

	(void)state;
	for (size_t a = 0; a < N_ESP_ALGS; a++) {
		struct rt t = { .alg = ESP_ALGS[a], .mode = XFP_MODE_TUNNEL };

		if (!xfp_engine_sodium.supports(t.alg) ||
		    !xfp_engine_openssl.supports(t.alg))
			continue;
		t.eo = XFP_ENGINE_SODIUM;
		t.ei = XFP_ENGINE_OPENSSL;
		roundtrip(&t, &count);
		t.eo = XFP_ENGINE_OPENSSL;
		t.ei = XFP_ENGINE_SODIUM;
		t.esn = true;
		roundtrip(&t, &count);
		pairs++;
	}
	assert_true(pairs >= 2); /* chacha20poly1305, null-sha256 at least */
}

/* ------------------------------------------------------------ refusals */

static size_t sealed(struct xfp_sa *out, uint8_t *dst, size_t plen)
{
	uint8_t p[1600];
	struct tu_frame f;
	size_t l = inner_pkt(p, false, plen, 3);

	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	memcpy(dst, f.pkt.data, f.pkt.len);
	return f.pkt.len;
}

static void test_tampered_icv(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_ESP_ALGS; a++) {
		struct rt t = { .alg = ESP_ALGS[a], .mode = XFP_MODE_TUNNEL };
		struct xfp_sa *out, *in;
		uint8_t good[400], bad[400];
		size_t len, fails = 0;
		struct tu_frame f;

		make_pair(&t, &out, &in);
		len = sealed(out, good, 100);
		/* Every byte after the SPI, one bit at a time. */
		for (size_t i = 24; i < len; i++) {
			memcpy(bad, good, len);
			bad[i] ^= (uint8_t)(1u << (i % 8));
			tu_frame_set(&f, bad, len);
			assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_ICV);
			fails++;
		}
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_ICV_FAIL), fails);
		/* Failures did not move the window: the real one passes. */
		tu_frame_set(&f, good, len);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
		/* A wrong SPI is not this SA's packet. */
		memcpy(bad, good, len);
		bad[20] ^= 1;
		tu_frame_set(&f, bad, len);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_NOSA);
		xfp_sa_free(out);
		xfp_sa_free(in);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_ESP_ALGS; a++) {
		struct rt t = { .alg = ESP_ALGS[a], .mode = XFP_MODE_TUNNEL };
		struct xfp_sa *out, *in;
		uint8_t good[400], p[400];
		size_t len;
		struct tu_frame f;

		make_pair(&t, &out, &in);
		len = sealed(out, good, 40);
		for (size_t cut = 0; cut < len; cut++) {
			int r;

			/* Buffer shorter than the IP header says. */
			tu_frame_set(&f, good, cut);
			r = xfp_esp_decap(in, &f.pkt);
			assert_int_equal(r, -XFP_E_TRUNC);
			/* IP length consistent, ESP cut short. */
			if (cut >= 20) {
				memcpy(p, good, cut);
				xfp_ip_set_len(p, cut);
				tu_frame_set(&f, p, cut);
				r = xfp_esp_decap(in, &f.pkt);
				assert_true(r == -XFP_E_TRUNC ||
					    r == -XFP_E_ICV ||
					    r == -XFP_E_NOSA);
			}
		}
		assert_true(xfp_sa_counter(in, XFP_SA_IN_HDR_ERROR) >= len);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PACKETS), 0);
		xfp_sa_free(out);
		xfp_sa_free(in);
	}
}

/*
 * Build an authentic packet on @in's key whose plaintext is @pt (payload,
 * padding, pad length, next header as given) with sequence @seq.
 */
static size_t forge(struct xfp_sa *sealer, const uint8_t *pt, size_t ptl,
		    uint64_t seq, uint8_t *pkt)
{
	size_t hl = sealer->hdr_len, icv = sealer->alg->icv_len;
	uint8_t esp[600];

	memcpy(esp + hl, pt, ptl);
	assert_int_equal(xfp_esp_seal_raw(sealer, esp, hl + ptl + icv, seq), 0);
	return v4_wrap(pkt, esp, hl + ptl + icv, XFP_IPSEC_ESP);
}

static void test_bad_padding_and_next_header(void **state)
{
	(void)state;
	for (size_t a = 0; a < N_ESP_ALGS; a++) {
		struct rt t = { .alg = ESP_ALGS[a], .mode = XFP_MODE_TUNNEL };
		struct xfp_sa *out, *in, *tin;
		uint8_t inner[200], pt[300], pkt[600];
		size_t il = inner_pkt(inner, false, 32, 1), n;
		struct tu_frame f;
		uint64_t seq = 1;
		struct xfp_sa_config c;

		make_pair(&t, &out, &in);
		/* Correct: inner (60 bytes) + pad 1,2 + padlen 2 + nh 4. */
		memcpy(pt, inner, il);
		memcpy(pt + il, "\x01\x02\x02\x04", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
		assert_memory_equal(f.pkt.data, inner, il);
		/* Pad bytes not 1, 2, ... */
		memcpy(pt + il, "\x01\x03\x02\x04", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_PAD);
		/* Pad length beyond the payload. */
		memcpy(pt + il, "\x01\x02\xf0\x04", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_PAD);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_BAD_PAD), 2);
		/* Tunnel mode carrying UDP (17) directly: unknown here. */
		memcpy(pt + il, "\x01\x02\x02\x11", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_NEXTHDR);
		/* Next header IPv6 but an IPv4 packet inside. */
		memcpy(pt + il, "\x01\x02\x02\x29", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_NEXTHDR);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PROTO_ERROR), 2);
		/* Dummy packet (RFC 4303 next header 59). */
		memcpy(pt + il, "\x01\x02\x02\x3b", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_DUMMY);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_DUMMY), 1);
		/* Authentic packets with bad content still burned their
		 * sequence numbers. */
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, 2, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_REPLAY_DUP);
		/* Payload not a multiple of 4 is malformed before crypto. */
		n = forge(out, pt, il + 3, seq++, pkt);
		tu_frame_set(&f, pkt, n);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_TRUNC);
		/* TFC padding after the inner packet is removed. */
		memcpy(pt + il, "\0\0\0\0\0\0\0\0\x01\x02\x02\x04", 12);
		tu_frame_set(&f, pkt, forge(out, pt, il + 12, seq++, pkt));
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, il);
		/* A transport SA carrying IP-in-IP is just another
		 * payload protocol: the outer header says 4 afterwards. */
		c = (struct xfp_sa_config){ 0 };
		tu_cfg(&c, t.alg, XFP_SA_IN, XFP_MODE_TRANSPORT,
		       0x1000 + t.alg);
		tin = tu_sa(&c);
		memcpy(pt + il, "\x01\x02\x02\x04", 4);
		tu_frame_set(&f, pkt, forge(out, pt, il + 4, 1, pkt));
		assert_int_equal(xfp_esp_decap(tin, &f.pkt), 0);
		assert_int_equal(f.pkt.data[9], 4);
		assert_int_equal(f.pkt.len, 20 + il);
		assert_memory_equal(f.pkt.data + 20, inner, il);
		xfp_sa_free(tin);
		xfp_sa_free(out);
		xfp_sa_free(in);
	}
}

static void test_selector(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	uint8_t p[200];
	struct tu_frame f;
	size_t l;

	(void)state;
	tu_cfg(&c, XFP_ALG_AES256GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0x777);
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.sel.family = AF_INET;
	c.sel.proto = 17;
	c.sel.dst_plen = 24;
	inet_pton(AF_INET, "198.18.2.0", c.sel.dst);
	c.sel.dport_lo = 53;
	c.sel.dport_hi = 53;
	in = tu_sa(&c);

	l = tu_udp_packet(p, false, "198.18.1.1", "198.18.2.99", 10, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	/* Wrong destination network. */
	l = tu_udp_packet(p, false, "198.18.1.1", "198.18.3.1", 10, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_SELECTOR);
	/* Wrong port. */
	l = tu_udp_packet(p, false, "198.18.1.1", "198.18.2.1", 10, 0);
	xfp_put_be16(p + 22, 54);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_SELECTOR);
	/* Wrong family. */
	l = tu_udp_packet(p, true, "2001:db8::1", "2001:db8::2", 10, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_SELECTOR);
	/* Wrong protocol (ICMP). */
	l = tu_udp_packet(p, false, "198.18.1.1", "198.18.2.1", 10, 0);
	p[9] = 1;
	xfp_ipv4_set_csum(p);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_SELECTOR);
	assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_SELECTOR_MISMATCH), 4);
	assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PACKETS), 1);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

static void test_seq_overflow(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	uint8_t p[200];
	struct tu_frame f;
	size_t l = inner_pkt(p, false, 20, 0);

	(void)state;
	/* 32-bit: 0xffffffff is the last number, then the SA expires. */
	tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT, XFP_MODE_TUNNEL,
	       0x900);
	c.seq_start = 0xfffffffe;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.seq_start = 0;
	in = tu_sa(&c);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_get_be32(f.pkt.data + 24), 0xffffffff);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_SEQ_OVERFLOW);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_SEQ_OVERFLOW), 1);
	assert_int_equal(xfp_sa_state(out), XFP_SA_EXPIRED);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_EXPIRED);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_SA_EXPIRED), 1);
	xfp_sa_free(out);
	xfp_sa_free(in);

	/* ESN: the low half wraps, the receiver infers the high half. */
	tu_cfg(&c, XFP_ALG_AES256GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0x901);
	c.esn = true;
	c.seq_start = 0xfffffff0;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.seq_start = 0;
	in = tu_sa(&c);
	xfp_replay_advance(&in->replay, 0xfffffff0);
	for (int i = 0; i < 40; i++) {
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	}
	assert_int_equal(in->replay.top, 0xfffffff0ULL + 40);
	assert_int_equal(out->oseq, 0xfffffff0ULL + 40);
	/* 2^64 - 1 is the last one. */
	out->oseq = UINT64_MAX - 1;
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_SEQ_OVERFLOW);
	xfp_sa_free(out);
	xfp_sa_free(in);

	/* A non-ESN SA cannot start beyond 32 bits. */
	{
		int err;

		tu_cfg(&c, XFP_ALG_AES256GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL,
		       0x902);
		c.seq_start = 1ULL << 32;
		assert_null(xfp_sa_new(&c, &err));
		assert_int_equal(err, -EINVAL);
	}
}

static void test_lifetime_and_room(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	uint8_t p[200];
	struct tu_frame f;
	size_t l = inner_pkt(p, false, 100, 0);

	(void)state;
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0xa00);
	c.hard.packets = 3;
	c.soft.bytes = 200;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	in = tu_sa(&c);
	for (int i = 0; i < 3; i++) {
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
		assert_int_equal(xfp_sa_state(out), i == 0 ? XFP_SA_LIVE :
						    i == 1 ? XFP_SA_SOFT :
							     XFP_SA_EXPIRED);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	}
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_EXPIRED);
	assert_int_equal(xfp_sa_state(in), XFP_SA_EXPIRED);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_BYTES), 3 * l);
	xfp_sa_free(out);
	xfp_sa_free(in);

	/* Not enough room in the frame. */
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0xa01);
	out = tu_sa(&c);
	assert_int_equal(xfp_esp_headroom(out), 20 + 8 + 8);
	assert_int_equal(xfp_esp_tailroom(out), 3 + 2 + 16);
	{
		uint8_t fr[300];
		struct xfp_pkt_buf b;

		memcpy(fr + 10, p, l);
		xfp_pkt_init(&b, fr, l + 10 + 100, 10, l);
		assert_int_equal(xfp_esp_encap(out, &b), -XFP_E_NOROOM);
		memcpy(fr + 40, p, l);
		xfp_pkt_init(&b, fr, l + 40 + 5, 40, l);
		assert_int_equal(xfp_esp_encap(out, &b), -XFP_E_NOROOM);
		assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_NO_ROOM), 2);
		xfp_pkt_init(&b, fr, l + 40 + 21, 40, l);
		assert_int_equal(xfp_esp_encap(out, &b), 0);
	}
	xfp_sa_free(out);

	/* Both ends count the bytes of the protected packet. */
	tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT, XFP_MODE_TRANSPORT,
	       0xa04);
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	in = tu_sa(&c);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_BYTES), l);
	assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_BYTES), l);
	xfp_sa_free(out);
	xfp_sa_free(in);

	/* Transport mode does not take fragments; tunnel mode does. */
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TRANSPORT, 0xa02);
	out = tu_sa(&c);
	p[6] = 0x20; /* more fragments */
	xfp_ipv4_set_csum(p);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_FRAGMENT);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_HDR_ERROR), 1);
	xfp_sa_free(out);
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0xa03);
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	in = tu_sa(&c);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	/* ... and an outer fragment is for the worker to reassemble. */
	f.pkt.data[6] = 0x20;
	xfp_ipv4_set_csum(f.pkt.data);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), -XFP_E_FRAGMENT);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

/* IPv6 transport with Hop-by-Hop and Destination Options before ESP. */
static void test_v6_extension_headers(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	uint8_t p[300], q[300];
	struct tu_frame f;
	size_t l = tu_udp_packet(p, true, "2001:db8::1", "2001:db8::2", 40, 0);

	(void)state;
	/* Insert HbH (8 bytes, PadN) and DestOpts (8 bytes) after the
	 * fixed header. */
	memcpy(q, p, 40);
	q[6] = 0;
	memcpy(q + 40, "\x3c\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(q + 48, "\x11\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(q + 56, p + 40, l - 40);
	l += 16;
	xfp_ip_set_len(q, l);
	tu_cfg(&c, XFP_ALG_AES256GMAC, XFP_SA_OUT, XFP_MODE_TRANSPORT, 0xb00);
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	in = tu_sa(&c);
	tu_frame_set(&f, q, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(f.pkt.data[6], 0); /* still HbH */
	assert_int_equal(f.pkt.data[48], XFP_IPSEC_ESP); /* DestOpts -> ESP */
	assert_int_equal(xfp_get_be32(f.pkt.data + 56), 0xb00);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	assert_int_equal(f.pkt.len, l);
	assert_memory_equal(f.pkt.data, q, l);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

/* NAT-T demultiplexing through xfp_ipsec_input and keepalives. */
static void test_natt_input(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct xfp_sa *out, *got;
	uint8_t p[300];
	struct tu_frame f;
	size_t l;

	(void)state;
	assert_non_null(db);
	tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT, XFP_MODE_TUNNEL,
	       0xc00);
	c.natt = true;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.id = 0xc01;
	assert_int_equal(xfp_sadb_add(db, &c), 0);

	l = inner_pkt(p, false, 50, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(f.pkt.data[9], 17);
	assert_int_equal(xfp_get_be16(f.pkt.data + 26), 0); /* v4: no csum */
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), 0);
	assert_non_null(got);
	assert_int_equal(got->id, 0xc01);
	assert_memory_equal(f.pkt.data, p, l);

	/* Keepalive: built from the SA, recognised on input. */
	xfp_pkt_init(&f.pkt, f.buf, sizeof(f.buf), TU_HEAD, 0);
	assert_int_equal(xfp_natt_keepalive(out, &f.pkt), 0);
	assert_int_equal(f.pkt.len, 29);
	assert_int_equal(f.pkt.data[28], 0xff);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_KEEPALIVE);
	assert_int_equal(xfp_sadb_counter(db, XFP_SADB_IN_NATT_KEEPALIVE), 1);
	/* IKE on 4500: non-ESP marker. */
	memcpy(p, f.pkt.data, 28);
	memset(p + 28, 0, 4);
	memset(p + 32, 0x21, 24);
	xfp_put_be16(p + 24, 8 + 28);
	xfp_ip_set_len(p, 56);
	tu_frame_set(&f, p, 56);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_IKE);
	assert_int_equal(xfp_sadb_counter(db, XFP_SADB_IN_NATT_IKE), 1);
	/* Unknown SPI. */
	xfp_put_be32(p + 28, 0xdead);
	tu_frame_set(&f, p, 56);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_NOSA);
	assert_int_equal(xfp_sadb_counter(db, XFP_SADB_IN_NO_SA), 1);
	/* Other UDP is not ours. */
	xfp_put_be16(p + 22, 53);
	tu_frame_set(&f, p, 56);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_PROTO);
	/* IPv6 NAT-T carries a real UDP checksum. */
	{
		struct xfp_sa *o6;

		tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT,
		       XFP_MODE_TUNNEL, 0xc02);
		tu_addr6(&c.src, "2001:db8::1");
		tu_addr6(&c.dst, "2001:db8::2");
		c.natt = true;
		o6 = tu_sa(&c);
		l = inner_pkt(p, false, 50, 0);
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_esp_encap(o6, &f.pkt), 0);
		assert_int_not_equal(xfp_get_be16(f.pkt.data + 46), 0);
		{
			uint32_t s = xfp_csum_add(0, f.pkt.data + 8, 32);

			s += 17 + (uint32_t)(f.pkt.len - 40);
			s = xfp_csum_add(s, f.pkt.data + 40, f.pkt.len - 40);
			assert_int_equal(xfp_csum_fold(s), 0);
		}
		xfp_sa_free(o6);
	}
	xfp_sa_free(out);
	xfp_sadb_free(db);
}

/* A NAT rewrote the outer addresses of a transport-mode packet: the
 * inner UDP checksum is recomputed on decapsulation (RFC 3948 3.1.2). */
static void test_natt_transport_checksum(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	uint8_t p[300];
	struct tu_frame f;
	size_t l = tu_udp_packet(p, false, "198.18.0.1", "198.18.0.2", 33, 0);
	uint16_t want = xfp_get_be16(p + 26);

	(void)state;
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TRANSPORT, 0xd00);
	c.natt = true;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	in = tu_sa(&c);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	/* The NAT changes the source address. */
	inet_pton(AF_INET, "198.19.7.7", f.pkt.data + 12);
	xfp_ipv4_set_csum(f.pkt.data);
	assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
	assert_int_not_equal(xfp_get_be16(f.pkt.data + 26), want);
	{
		uint32_t s = xfp_csum_add(0, f.pkt.data + 12, 8);

		s += 17 + (uint32_t)(f.pkt.len - 20);
		s = xfp_csum_add(s, f.pkt.data + 20, f.pkt.len - 20);
		assert_int_equal(xfp_csum_fold(s), 0);
	}
	xfp_sa_free(out);
	xfp_sa_free(in);
}

static void *other_thread(void *arg)
{
	struct xfp_sa *sa = arg;
	uint8_t p[200];
	struct tu_frame f;
	size_t l = inner_pkt(p, false, 10, 0);
	intptr_t r;

	tu_frame_set(&f, p, l);
	r = xfp_esp_encap(sa, &f.pkt);
	return (void *)r;
}

static void test_owner_handoff(void **state)
{
	struct xfp_sa_config c;
	struct xfp_sa *out;
	uint8_t p[200];
	struct tu_frame f;
	size_t l = inner_pkt(p, false, 10, 0);
	pthread_t t;
	void *r;

	(void)state;
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0xe00);
	out = tu_sa(&c);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(pthread_create(&t, NULL, other_thread, out), 0);
	pthread_join(t, &r);
	assert_int_equal((intptr_t)r, -XFP_E_HANDOFF);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_HANDOFF), 1);
	xfp_sa_unclaim(out);
	assert_int_equal(pthread_create(&t, NULL, other_thread, out), 0);
	pthread_join(t, &r);
	assert_int_equal((intptr_t)r, 0);
	xfp_sa_free(out);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(xfp_sa_counter_name(XFP_SA_IN_REPLAY_DUP),
			    "InReplayDup");
	assert_string_equal(xfp_sa_counter_name(XFP_SA_IN_REPLAY_WINDOW),
			    "InReplayWindow");
	assert_string_equal(xfp_sa_counter_name(XFP_SA_IN_ICV_FAIL),
			    "InIcvFail");
	assert_string_equal(xfp_sa_counter_name(XFP_SA_IN_BAD_PAD), "InBadPad");
	assert_string_equal(xfp_sa_counter_name(XFP_SA_IN_SELECTOR_MISMATCH),
			    "InSelectorMismatch");
	assert_string_equal(xfp_sa_counter_name(XFP_SA_OUT_SEQ_OVERFLOW),
			    "OutSeqOverflow");
	assert_string_equal(xfp_sadb_counter_name(XFP_SADB_IN_NO_SA), "InNoSa");
	for (unsigned i = 0; i < XFP_SA_CTR__MAX; i++)
		assert_non_null(xfp_sa_counter_name(i));
	assert_string_equal(xfp_strerror(-XFP_E_ICV), "ICV does not verify");
	assert_string_equal(xfp_strerror(999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_rfc7634_tunnel),
		cmocka_unit_test(test_vector_mcgrew_packets),
		cmocka_unit_test(test_roundtrip_matrix),
		cmocka_unit_test(test_cross_engine_packets),
		cmocka_unit_test(test_tampered_icv),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_padding_and_next_header),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_seq_overflow),
		cmocka_unit_test(test_lifetime_and_room),
		cmocka_unit_test(test_v6_extension_headers),
		cmocka_unit_test(test_natt_input),
		cmocka_unit_test(test_natt_transport_checksum),
		cmocka_unit_test(test_owner_handoff),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("esp", tests, NULL, NULL);
}
