// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_ah.c - AH: known-answer packets (the HMAC-SHA-256 AH tunnel and
 * transport packets of DPDK's app/test/test_cryptodev_security_ipsec_
 * test_vectors.h), round trips for every AH algorithm/mode/family/ESN and both
 * engines, which header fields are covered and which are not (mutable
 * fields, IPv4 options, IPv6 options), tampering, truncation, AH+ESP
 * bundles through xfp_ipsec_input, and the datapath's AH length check
 * (bpf/lib/parse.h) against the worker's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/ah.h"
#include "crypto/ipsec.h"
#include "tests/unit/data/crypto/testutil.h"
/* After <netinet/in.h>; parse.h carries clang's `#pragma unroll`. */
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#include "bpf/lib/parse.h"

static const enum xfp_alg AH_ALGS[] = { XFP_ALG_AH_SHA256, XFP_ALG_AH_SHA512,
					XFP_ALG_AH_SHA1 };

static const char ICMP_128[] =
	"450000800000000040 01ac27c0a86f02c0a8de02"
	"0800fb3712340000babe01234567cafe"
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b";

static const char AH_TUNNEL_OUT[] = "450000b00001000000335916"
				    "0a006f02"
				    "0a00de02"
				    "040500000000007b00000001"
				    "59fdb4db70574f2772fec9dcb2f0abea";

static const char AH_TRANSPORT_OUT[] = "4500009c000000004033abd9"
				       "c0a86f02"
				       "c0a8de02"
				       "010500000000007b00000001"
				       "6c2ef71f7c7039a34a7701479e457351";

static struct xfp_sa *dpdk_sa(uint8_t dir, uint8_t mode, enum xfp_engine_id eng)
{
	struct xfp_sa_config c;

	tu_cfg(&c, XFP_ALG_AH_SHA256, dir, mode, 0x7b);
	memset(c.key, 0x5a, 32);
	c.engine = eng;
	/* The SA's endpoints are those of the published tunnel packet (its
	 * ICV covers them), taken from the vector rather than written again. */
	{
		uint8_t hdr[300];

		tu_hex(AH_TUNNEL_OUT, hdr, sizeof(hdr));
		memset(&c.src, 0, sizeof(c.src));
		memset(&c.dst, 0, sizeof(c.dst));
		c.src.family = c.dst.family = AF_INET;
		memcpy(c.src.a, hdr + 12, 4);
		memcpy(c.dst.a, hdr + 16, 4);
	}
	return tu_sa(&c);
}

static void test_vector_ah_tunnel(void **state)
{
	static const enum xfp_engine_id engs[] = { XFP_ENGINE_SODIUM,
						   XFP_ENGINE_OPENSSL };
	uint8_t inner[200], want[300];
	size_t il = tu_hex(ICMP_128, inner, sizeof(inner));
	size_t wl = tu_hex(AH_TUNNEL_OUT, want, sizeof(want));
	struct tu_frame f;

	(void)state;
	memcpy(want + wl, inner, il);
	wl += il;
	for (int e = 0; e < 2; e++) {
		struct xfp_sa *in =
			dpdk_sa(XFP_SA_IN, XFP_MODE_TUNNEL, engs[e]);
		struct xfp_sa *out =
			dpdk_sa(XFP_SA_OUT, XFP_MODE_TUNNEL, engs[e]);

		tu_frame_set(&f, want, wl);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, il);
		assert_memory_equal(f.pkt.data, inner, il);

		out->ip_id = 1;
		tu_frame_set(&f, inner, il);
		assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
		assert_int_equal(f.pkt.len, wl);
		/* Same bytes except the TTL (and so the checksum), which the
		 * ICV does not cover: the vector was made with TTL 0. */
		assert_int_equal(f.pkt.data[8], 64);
		assert_memory_equal(f.pkt.data, want, 8);
		assert_memory_equal(f.pkt.data + 9, want + 9, 1);
		assert_memory_equal(f.pkt.data + 12, want + 12, wl - 12);
		xfp_sa_free(in);
		xfp_sa_free(out);
	}
}

static void test_vector_ah_transport(void **state)
{
	static const enum xfp_engine_id engs[] = { XFP_ENGINE_SODIUM,
						   XFP_ENGINE_OPENSSL };
	uint8_t plain[200], want[300];
	size_t pl = tu_hex(ICMP_128, plain, sizeof(plain));
	size_t wl = tu_hex(AH_TRANSPORT_OUT, want, sizeof(want));
	struct tu_frame f;

	(void)state;
	memcpy(want + wl, plain + 20, pl - 20);
	wl += pl - 20;
	for (int e = 0; e < 2; e++) {
		struct xfp_sa *in =
			dpdk_sa(XFP_SA_IN, XFP_MODE_TRANSPORT, engs[e]);
		struct xfp_sa *out =
			dpdk_sa(XFP_SA_OUT, XFP_MODE_TRANSPORT, engs[e]);

		tu_frame_set(&f, plain, pl);
		assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
		assert_int_equal(f.pkt.len, wl);
		assert_memory_equal(f.pkt.data, want, wl);

		tu_frame_set(&f, want, wl);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, pl);
		assert_memory_equal(f.pkt.data, plain, pl);
		xfp_sa_free(in);
		xfp_sa_free(out);
	}
}

static void pair(enum xfp_alg alg, uint8_t mode, bool outer6, bool esn,
		 enum xfp_engine_id eo, enum xfp_engine_id ei,
		 struct xfp_sa **out, struct xfp_sa **in)
{
	struct xfp_sa_config c;

	tu_cfg(&c, alg, XFP_SA_OUT, mode, 0x2000 + alg);
	if (outer6) {
		tu_addr6(&c.src, "2001:db8::a");
		tu_addr6(&c.dst, "2001:db8::b");
	}
	c.esn = esn;
	c.engine = eo;
	*out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.engine = ei;
	*in = tu_sa(&c);
}

static size_t inner_pkt(uint8_t *p, bool v6, size_t len, unsigned seed)
{
	if (v6)
		return tu_udp_packet(p, true, "2001:db8:1::1", "2001:db8:2::2",
				     len, seed);
	return tu_udp_packet(p, false, "198.18.1.1", "198.18.2.2", len, seed);
}

static void test_roundtrip_matrix(void **state)
{
	unsigned n = 0;

	(void)state;
	for (size_t a = 0; a < 3; a++)
		for (unsigned bits = 0; bits < 16; bits++) {
			uint8_t mode = bits & 1;
			bool in6 = bits & 2, out6 = bits & 4, esn = bits & 8;
			enum xfp_alg alg = AH_ALGS[a];
			enum xfp_engine_id eo = XFP_ENGINE_OPENSSL;
			enum xfp_engine_id ei =
				xfp_engine_sodium.supports(alg) ?
					XFP_ENGINE_SODIUM :
					XFP_ENGINE_OPENSSL;
			struct xfp_sa *out, *in;

			if (mode == XFP_MODE_TRANSPORT && in6 != out6)
				continue;
			pair(alg, mode, out6, esn, eo, ei, &out, &in);
			if (esn) {
				out->oseq = 0xfffffffeULL;
				xfp_replay_advance(&in->replay, 0xfffffff0ULL);
			}
			for (size_t len = 0; len < 1400; len += 233) {
				uint8_t p[1600];
				size_t l =
					inner_pkt(p, in6, len, (unsigned)len);
				struct tu_frame f;
				size_t ahl = xfp_ah_len(
					out, mode == XFP_MODE_TUNNEL ?
						     (out6 ? 6 : 4) :
						     (in6 ? 6 : 4));

				tu_frame_set(&f, p, l);
				assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
				assert_int_equal(
					f.pkt.len,
					l + ahl +
						(mode == XFP_MODE_TUNNEL ?
							 (out6 ? 40 : 20) :
							 0));
				assert_int_equal(
					ahl % ((mode ? out6 : in6) ? 8 : 4), 0);
				if (xfp_ah_decap(in, &f.pkt))
					fail_msg("%s %s in6 %d out6 %d esn %d",
						 xfp_alg_name(alg),
						 tu_mode_name(mode), in6, out6,
						 esn);
				assert_int_equal(f.pkt.len, l);
				assert_memory_equal(f.pkt.data, p, l);
				n++;
			}
			if (esn)
				assert_true(in->replay.top > 0xffffffffULL);
			xfp_sa_free(out);
			xfp_sa_free(in);
		}
	assert_int_equal(n, 3 * 12 * 7);
}

/* Which header bits the ICV covers. */
static void test_mutable_fields(void **state)
{
	struct xfp_sa *out, *in;
	uint8_t p[300], enc[400], bad[400];
	size_t l, el;
	struct tu_frame f;

	(void)state;
	/* IPv4 transport. */
	pair(XFP_ALG_AH_SHA256, XFP_MODE_TRANSPORT, false, false,
	     XFP_ENGINE_OPENSSL, XFP_ENGINE_OPENSSL, &out, &in);
	in->replay_on = 0;
	l = inner_pkt(p, false, 50, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
	el = f.pkt.len;
	memcpy(enc, f.pkt.data, el);
	/* Routers may change TOS, flags/offset, TTL, checksum. */
	memcpy(bad, enc, el);
	bad[1] = 0xb8;
	bad[6] = 0x40;
	bad[8] = 3;
	xfp_ipv4_set_csum(bad);
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
	/* ... but not the ID, addresses, protocol or payload. */
	{
		static const size_t covered[] = { 4, 5, 12, 15, 19, 22, 50 };

		for (size_t i = 0; i < sizeof(covered) / sizeof(covered[0]);
		     i++) {
			int r;

			memcpy(bad, enc, el);
			bad[covered[i]] ^= 0x01;
			xfp_ipv4_set_csum(bad);
			tu_frame_set(&f, bad, el);
			r = xfp_ah_decap(in, &f.pkt);
			if (r != -XFP_E_ICV)
				fail_msg("byte %zu: %d", covered[i], r);
		}
	}
	xfp_sa_free(out);
	xfp_sa_free(in);

	/* IPv6 transport: traffic class, flow label, hop limit. */
	pair(XFP_ALG_AH_SHA512, XFP_MODE_TRANSPORT, true, false,
	     XFP_ENGINE_SODIUM, XFP_ENGINE_OPENSSL, &out, &in);
	in->replay_on = 0;
	l = inner_pkt(p, true, 50, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
	el = f.pkt.len;
	memcpy(enc, f.pkt.data, el);
	assert_int_equal(enc[6], XFP_IPSEC_AH);
	assert_int_equal(enc[40 + 1], 48 / 4 - 2); /* 44 padded to 48 */
	memcpy(bad, enc, el);
	bad[0] = 0x6f;
	bad[1] = 0xff;
	bad[2] = 0x12;
	bad[3] = 0x34;
	bad[7] = 1;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
	memcpy(bad, enc, el);
	bad[4] ^= 0; /* payload length is covered, via the packet length */
	bad[10] ^= 0x80;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_ICV);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

/* IPv4 options: Record Route is mutable, Router Alert is not. */
static void test_ipv4_options(void **state)
{
	struct xfp_sa *out, *in;
	uint8_t base[200], p[300], enc[400], bad[400];
	size_t bl = inner_pkt(base, false, 20, 0), l, el;
	struct tu_frame f;

	(void)state;
	/* ihl 8: RR (type 7, len 7, ptr 4, one address) + NOP + RA. */
	memcpy(p, base, 20);
	memcpy(p + 20, "\x07\x07\x04\xc6\x12\x00\x01\x01\x94\x04\x00\x00", 12);
	memcpy(p + 32, base + 20, bl - 20);
	p[0] = 0x48;
	l = bl + 12;
	xfp_ip_set_len(p, l);
	pair(XFP_ALG_AH_SHA1, XFP_MODE_TRANSPORT, false, false,
	     XFP_ENGINE_OPENSSL, XFP_ENGINE_OPENSSL, &out, &in);
	in->replay_on = 0;
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
	el = f.pkt.len;
	memcpy(enc, f.pkt.data, el);
	assert_int_equal(enc[9], XFP_IPSEC_AH);
	assert_memory_equal(enc + 20, p + 20, 12);
	tu_frame_set(&f, enc, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
	assert_memory_equal(f.pkt.data, p, l);
	/* A router records its address: still authentic. */
	memcpy(bad, enc, el);
	bad[23] = 0xc7;
	bad[22] = 8;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
	/* Router Alert value changed: not authentic. */
	memcpy(bad, enc, el);
	bad[31] = 1;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_ICV);
	/* A malformed option list is a header error, not a crash. */
	memcpy(bad, enc, el);
	bad[21] = 40;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_TRUNC);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

/* IPv6 Hop-by-Hop option with the may-change bit. */
static void test_ipv6_options(void **state)
{
	struct xfp_sa *out, *in;
	uint8_t base[200], p[300], enc[400], bad[400];
	size_t bl = inner_pkt(base, true, 20, 0), l, el;
	struct tu_frame f;

	(void)state;
	/* HbH: option 0x3e (may change) len 2, option 0x1e len 0, PadN 0. */
	memcpy(p, base, 40);
	p[6] = 0;
	memcpy(p + 40, "\x11\x00\x3e\x02\xaa\xbb\x1e\x00", 8);
	memcpy(p + 48, base + 40, bl - 40);
	l = bl + 8;
	xfp_ip_set_len(p, l);
	pair(XFP_ALG_AH_SHA256, XFP_MODE_TRANSPORT, true, false,
	     XFP_ENGINE_SODIUM, XFP_ENGINE_OPENSSL, &out, &in);
	in->replay_on = 0;
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
	el = f.pkt.len;
	memcpy(enc, f.pkt.data, el);
	assert_int_equal(enc[40], XFP_IPSEC_AH); /* after the HbH header */
	memcpy(bad, enc, el);
	bad[44] = 0x11;
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
	assert_memory_equal(f.pkt.data + 48, p + 48, l - 48);
	memcpy(bad, enc, el);
	bad[46] = 0x1f; /* option type of an immutable option */
	tu_frame_set(&f, bad, el);
	assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_ICV);
	xfp_sa_free(out);
	xfp_sa_free(in);
}

static void test_tamper_truncate_replay(void **state)
{
	(void)state;
	for (size_t a = 0; a < 3; a++) {
		struct xfp_sa *out, *in;
		uint8_t p[300], enc[400], bad[400];
		size_t l = inner_pkt(p, false, 64, 0), el, icv_fails = 0;
		struct tu_frame f;

		pair(AH_ALGS[a], XFP_MODE_TUNNEL, false, false,
		     XFP_ENGINE_OPENSSL, XFP_ENGINE_OPENSSL, &out, &in);
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
		el = f.pkt.len;
		memcpy(enc, f.pkt.data, el);
		/* Every bit of the ICV and the payload. */
		for (size_t i = 32; i < el; i++) {
			memcpy(bad, enc, el);
			bad[i] ^= (uint8_t)(0x80 >> (i % 8));
			tu_frame_set(&f, bad, el);
			assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_ICV);
			icv_fails++;
		}
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_ICV_FAIL),
				 icv_fails);
		for (size_t cut = 0; cut < el; cut++) {
			memcpy(bad, enc, cut);
			if (cut >= 20)
				xfp_ip_set_len(bad, cut);
			tu_frame_set(&f, bad, cut);
			assert_int_not_equal(xfp_ah_decap(in, &f.pkt), 0);
		}
		/* Wrong AH length field. */
		memcpy(bad, enc, el);
		bad[21]++;
		tu_frame_set(&f, bad, el);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_TRUNC);
		tu_frame_set(&f, enc, el);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
		tu_frame_set(&f, enc, el);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_REPLAY_DUP);
		/* An ESP packet is not for an AH SA. */
		memcpy(bad, enc, el);
		bad[9] = XFP_IPSEC_ESP;
		xfp_ipv4_set_csum(bad);
		tu_frame_set(&f, bad, el);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), -XFP_E_PROTO);
		xfp_sa_free(out);
		xfp_sa_free(in);
	}
}

/*
 * The datapath's parser (bpf/lib/parse.h compiled for userspace) on @ip
 * behind an Ethernet header, the frame ending with the packet: its drop
 * reason; *dp the parse.
 */
static int dp_parse(const uint8_t *ip, size_t len, struct xfp_parsed *dp)
{
	/* The frame starts 2 bytes in, as a driver's (NET_IP_ALIGN). */
	static uint64_t buf[(2 + 14 + TU_FRAME + 7) / 8];
	uint8_t *fr = (uint8_t *)buf + 2;
	uint16_t et = (ip[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP;

	memset(fr, 0, 12);
	fr[12] = (uint8_t)(et >> 8);
	fr[13] = (uint8_t)et;
	memcpy(fr + 14, ip, len);
	memset(dp, 0, sizeof(*dp));
	return xfp_parse_frame(fr, fr + 14 + len, dp);
}

/*
 * The datapath never drops as parse-ah an AH packet the worker accepts:
 * every packet xfp_ah_encap() makes (each algorithm, mode and family)
 * reaches the datapath's SPI check, and of the 256 values of its length
 * field the worker takes only its own, which the datapath takes too.  The
 * datapath refuses exactly the lengths RFC 4302 rules out: below 12
 * bytes, not a multiple of 8 on IPv6, beyond the datagram.
 */
static void test_datapath_ah_length(void **state)
{
	unsigned n = 0;

	(void)state;
	for (size_t a = 0; a < 3; a++)
		for (unsigned bits = 0; bits < 4; bits++) {
			uint8_t mode = bits & 1;
			bool v6 = bits & 2; /* inner and outer */
			struct xfp_sa *out, *in;
			uint8_t p[300], enc[400];
			size_t l = inner_pkt(p, v6, 100, bits), el, off;
			struct xfp_parsed dp;
			unsigned own;
			struct tu_frame f;

			pair(AH_ALGS[a], mode, v6, false, XFP_ENGINE_OPENSSL,
			     XFP_ENGINE_OPENSSL, &out, &in);
			tu_frame_set(&f, p, l);
			assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
			el = f.pkt.len;
			memcpy(enc, f.pkt.data, el);
			off = v6 ? 40 : 20;
			own = enc[off + 1];
			assert_int_equal(dp_parse(enc, el, &dp), XFP_DROP_NONE);
			assert_int_equal(dp.l4_proto, XFP_IPSEC_AH);
			assert_int_equal(bpf_ntohl(dp.spi), out->spi);
			for (unsigned h = 0; h < 256; h++) {
				size_t hl = ((size_t)h + 2) * 4;
				bool rfc = hl >= 12 && !(v6 && hl % 8) &&
					   off + hl <= el;
				int r;

				enc[off + 1] = (uint8_t)h;
				r = dp_parse(enc, el, &dp);
				if (r !=
				    (rfc ? XFP_DROP_NONE : XFP_DROP_PARSE_AH))
					fail_msg("%s %s v%d: length field %u: "
						 "datapath %s, RFC 4302 %s",
						 xfp_alg_name(AH_ALGS[a]),
						 tu_mode_name(mode), v6 ? 6 : 4,
						 h, xfp_drop_names[r],
						 rfc ? "valid" : "invalid");
				if (h == own)
					continue;
				tu_frame_set(&f, enc, el);
				assert_int_equal(xfp_ah_decap(in, &f.pkt),
						 -XFP_E_TRUNC);
				n++;
			}
			enc[off + 1] = (uint8_t)own;
			tu_frame_set(&f, enc, el);
			assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
			xfp_sa_free(out);
			xfp_sa_free(in);
		}
	assert_int_equal(n, 3 * 4 * 255);
}

/* AH around ESP, through the inbound entry point and the SA database. */
static void test_bundle_ah_esp(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct xfp_sa *esp_out, *ah_out, *last;
	uint8_t p[300];
	size_t l;
	struct tu_frame f;

	(void)state;
	for (unsigned esp_mode = 0; esp_mode < 2; esp_mode++) {
		tu_cfg(&c, XFP_ALG_AES256GCM16, XFP_SA_OUT, esp_mode, 0x3000);
		c.id = 0x3000 + esp_mode * 10;
		esp_out = tu_sa(&c);
		c.dir = XFP_SA_IN;
		c.id++;
		assert_int_equal(xfp_sadb_add(db, &c), 0);
		tu_cfg(&c, XFP_ALG_AH_SHA256, XFP_SA_OUT, XFP_MODE_TRANSPORT,
		       0x4000);
		c.id = 0x4000 + esp_mode * 10;
		ah_out = tu_sa(&c);
		c.dir = XFP_SA_IN;
		c.id++;
		assert_int_equal(xfp_sadb_add(db, &c), 0);

		l = tu_udp_packet(p, false, "198.18.0.1", "198.18.0.2", 77, 1);
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ipsec_output(esp_out, &f.pkt), 0);
		assert_int_equal(xfp_ipsec_output(ah_out, &f.pkt), 0);
		assert_int_equal(f.pkt.data[9], XFP_IPSEC_AH);
		assert_int_equal(f.pkt.data[20], XFP_IPSEC_ESP);
		assert_int_equal(xfp_ipsec_input(db, &f.pkt, &last), 0);
		assert_non_null(last);
		assert_int_equal(last->proto, XFP_IPSEC_ESP);
		assert_int_equal(f.pkt.len, l);
		assert_memory_equal(f.pkt.data, p, l);
		xfp_sa_free(esp_out);
		xfp_sa_free(ah_out);
		assert_int_equal(xfp_sadb_del(db, 0x3001 + esp_mode * 10), 0);
		assert_int_equal(xfp_sadb_del(db, 0x4001 + esp_mode * 10), 0);
	}
	xfp_sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector_ah_tunnel),
		cmocka_unit_test(test_vector_ah_transport),
		cmocka_unit_test(test_roundtrip_matrix),
		cmocka_unit_test(test_mutable_fields),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv6_options),
		cmocka_unit_test(test_tamper_truncate_replay),
		cmocka_unit_test(test_bundle_ah_esp),
		cmocka_unit_test(test_datapath_ah_length),
	};

	return cmocka_run_group_tests_name("ah", tests, NULL, NULL);
}
