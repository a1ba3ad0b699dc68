// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_esp_tunnel.c - tunnel-mode framing against hand-computed headers:
 * the outer IPv4 header of IPv4-in-IPv4 with the DF bit copied from the
 * inner packet or cleared (clear_df, WFP's CLEAR_DF_ON_TUNNEL), IPv6 inner
 * in IPv4 outer (DF set), IPv4 inner in IPv6 outer (the site-to-site
 * "IPv6 outer, IPv4 inner" tunnel) through xfp_ipsec_input() and the SA
 * database, AH tunnel mode's DF, and the control keys that configure it
 * (clear_df, sel_src, sel_dst).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/esp.h"
#include "crypto/ipsec.h"
#include "crypto/sadb.h"
#include "crypto/worker_ctl.h"
#include "tests/unit/data/crypto/testutil.h"

/* Inner IPv4 UDP 198.18.1.2 -> 198.19.1.2, 30 bytes of data (58 bytes,
 * tos 0x08, ttl 63), DF set or not. */
static size_t inner4(uint8_t *p, bool df)
{
	size_t n = tu_udp_packet(p, false, "198.18.1.2", "198.19.1.2", 30, 0);

	if (df) {
		p[6] |= 0x40;
		xfp_ipv4_set_csum(p);
	}
	return n;
}

static struct xfp_sa *out_sa(enum xfp_alg alg, bool v6, bool clear_df,
			     uint32_t spi)
{
	struct xfp_sa_config c;
	struct xfp_sa *sa;

	tu_cfg(&c, alg, XFP_SA_OUT, XFP_MODE_TUNNEL, spi);
	if (v6) {
		tu_addr6(&c.src, "2001:db8:a::1");
		tu_addr6(&c.dst, "2001:db8:c::1");
	} else {
		tu_addr4(&c.src, "198.18.0.1");
		tu_addr4(&c.dst, "198.19.0.1");
	}
	c.clear_df = clear_df;
	sa = tu_sa(&c);
	sa->ip_id = 0x0100; /* random at creation: fixed for the test */
	return sa;
}

/* Outer headers computed by hand (checksums included) for AES-128-GCM:
 * ESP = 8 (SPI, seq) + 8 (IV) + inner + pad to 4 + 2 + 16 (ICV). */
static const char OUT4_DF[] = "45080070010040004032ad2cc6120001c6130001";
static const char OUT4_NODF[] = "45080070010000004032ed2cc6120001c6130001";
static const char OUT4_V6IN[] = "45020084010040004032ad1ec6120001c6130001";

static void check_outer4(struct xfp_sa *sa, const uint8_t *inner, size_t il,
			 const char *want_hex)
{
	uint8_t want[20];
	struct tu_frame f;

	tu_hex(want_hex, want, sizeof(want));
	tu_frame_set(&f, inner, il);
	assert_int_equal(xfp_esp_encap(sa, &f.pkt), 0);
	assert_memory_equal(f.pkt.data, want, 20);
	assert_int_equal(f.pkt.len, xfp_get_be16(want + 2));
	/* SPI and sequence number 1 follow. */
	assert_int_equal(xfp_get_be32(f.pkt.data + 20), sa->spi);
	assert_int_equal(xfp_get_be32(f.pkt.data + 24), 1);
}

/* IPv4 in IPv4: DF copied from the inner packet unless clear_df. */
static void test_v4_df(void **state)
{
	uint8_t in_df[100], in_nodf[100];
	size_t l1 = inner4(in_df, true), l2 = inner4(in_nodf, false);
	struct xfp_sa *keep, *clear;
	struct tu_frame f;

	(void)state;
	assert_int_equal(l1, 58);
	/* not clear-df, inner DF: outer DF set */
	keep = out_sa(XFP_ALG_AES128GCM16, false, false, 0x5001);
	check_outer4(keep, in_df, l1, OUT4_DF);
	/* not clear-df, inner without DF: outer DF clear (copied) */
	keep->ip_id = 0x0100;
	tu_frame_set(&f, in_nodf, l2);
	assert_int_equal(xfp_esp_encap(keep, &f.pkt), 0);
	assert_int_equal(xfp_get_be16(f.pkt.data + 6), 0);
	/* clear-df: DF clear although the inner packet has it */
	clear = out_sa(XFP_ALG_AES128GCM16, false, true, 0x5002);
	check_outer4(clear, in_df, l1, OUT4_NODF);
	/* the inner packet itself is untouched: decrypt and compare */
	{
		struct xfp_sa_config c;
		struct xfp_sa *in;

		tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_IN, XFP_MODE_TUNNEL,
		       0x5002);
		tu_addr4(&c.dst, "198.19.0.1");
		in = tu_sa(&c);
		tu_frame_set(&f, in_df, l1);
		clear->ip_id = 0x0100;
		assert_int_equal(xfp_esp_encap(clear, &f.pkt), 0);
		assert_int_equal(xfp_esp_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, l1);
		assert_memory_equal(f.pkt.data, in_df, l1);
		xfp_sa_free(in);
	}
	xfp_sa_free(keep);
	xfp_sa_free(clear);
}

/* IPv6 inner in IPv4 outer: DF set (IPv6 is never fragmented on the
 * way), cleared by clear_df. */
static void test_v6_in_v4_df(void **state)
{
	uint8_t inner[120];
	size_t il = tu_udp_packet(inner, true, "2001:db8:1::2", "2001:db8:2::2",
				  30, 0);
	struct xfp_sa *keep = out_sa(XFP_ALG_AES128GCM16, false, false, 0x5003);
	struct xfp_sa *clear = out_sa(XFP_ALG_AES128GCM16, false, true, 0x5004);
	struct tu_frame f;

	(void)state;
	check_outer4(keep, inner, il, OUT4_V6IN);
	tu_frame_set(&f, inner, il);
	assert_int_equal(xfp_esp_encap(clear, &f.pkt), 0);
	assert_int_equal(xfp_get_be16(f.pkt.data + 6), 0);
	assert_int_equal(xfp_csum_fold(xfp_csum_add(0, f.pkt.data, 20)), 0);
	xfp_sa_free(keep);
	xfp_sa_free(clear);
}

/* IPv4 inner in IPv6 outer, through the SA database: outer header by
 * hand, the inbound SA found by (SPI, ESP, outer destination), the inner
 * packet back byte for byte, next header 4 (IPv4). */
static void test_v4_in_v6_roundtrip(void **state)
{
	uint8_t inner[100], want[40];
	size_t il = inner4(inner, true);
	struct xfp_sa *out = out_sa(XFP_ALG_AES256GCM16, true, true, 0x6001);
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct xfp_sa *got = NULL;
	struct tu_frame f;
	int slot;

	(void)state;
	assert_non_null(db);
	slot = xfp_sadb_reader_add(db);
	assert_true(slot >= 0);
	/* version 6, traffic class 0x08 (the inner TOS), flow label 0;
	 * payload 16 + 58 + 0 pad + 2 + 16 = 92 (0x5c), ESP, hop limit 64 */
	tu_hex("60800000005c3240"
	       "20010db8000a0000000000000000000120010db8000c0000000000000000"
	       "0001",
	       want, sizeof(want));
	tu_frame_set(&f, inner, il);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(f.pkt.len, 40 + 92);
	assert_memory_equal(f.pkt.data, want, 40);
	assert_int_equal(xfp_get_be32(f.pkt.data + 40), 0x6001);

	/* the receiving gateway: dst = its own (outer) address */
	tu_cfg(&c, XFP_ALG_AES256GCM16, XFP_SA_IN, XFP_MODE_TUNNEL, 0x6001);
	c.id = 77;
	tu_addr6(&c.src, "2001:db8:a::1");
	tu_addr6(&c.dst, "2001:db8:c::1");
	/* inner selector: 198.18.1.0/24 -> 198.19.1.0/24, IPv4 */
	c.sel.family = AF_INET;
	c.sel.src_plen = 24;
	c.sel.dst_plen = 24;
	inet_pton(AF_INET, "198.18.1.0", c.sel.src);
	inet_pton(AF_INET, "198.19.1.0", c.sel.dst);
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	{
		struct tu_frame g = f;

		g.pkt.data = g.buf + (f.pkt.data - f.buf);
		assert_int_equal(xfp_ipsec_input(db, &g.pkt, &got), 0);
		assert_non_null(got);
		assert_int_equal(got->id, 77);
		assert_int_equal(g.pkt.len, il);
		assert_memory_equal(g.pkt.data, inner, il);
	}
	/* an inner packet outside the selector is refused */
	{
		uint8_t other[100];
		size_t ol = tu_udp_packet(other, false, "198.18.1.2",
					  "198.19.3.2", 30, 1);

		tu_frame_set(&f, other, ol);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
		assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got),
				 -XFP_E_SELECTOR);
	}
	/* the same packet addressed to another outer destination: no SA */
	tu_frame_set(&f, inner, il);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	f.pkt.data[39] ^= 1;
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_NOSA);
	xfp_sa_free(out);
	xfp_sadb_free(db);
}

/* AH tunnel mode takes the same DF rule (the field is mutable for the
 * ICV, so the receiver verifies either way). */
static void test_ah_tunnel_df(void **state)
{
	uint8_t inner[100];
	size_t il = inner4(inner, true);
	struct xfp_sa_config c;
	struct xfp_sa *out, *in;
	struct tu_frame f;

	(void)state;
	for (int clear = 0; clear < 2; clear++) {
		tu_cfg(&c, XFP_ALG_AH_SHA256, XFP_SA_OUT, XFP_MODE_TUNNEL,
		       0x7001);
		c.clear_df = clear;
		out = tu_sa(&c);
		c.dir = XFP_SA_IN;
		in = tu_sa(&c);
		tu_frame_set(&f, inner, il);
		assert_int_equal(xfp_ah_encap(out, &f.pkt), 0);
		assert_int_equal(f.pkt.data[9], XFP_IPSEC_AH);
		assert_int_equal(xfp_get_be16(f.pkt.data + 6),
				 clear ? 0 : 0x4000);
		assert_int_equal(xfp_csum_fold(xfp_csum_add(0, f.pkt.data, 20)),
				 0);
		assert_int_equal(xfp_ah_decap(in, &f.pkt), 0);
		assert_int_equal(f.pkt.len, il);
		assert_memory_equal(f.pkt.data, inner, il);
		xfp_sa_free(out);
		xfp_sa_free(in);
	}
}

/* The rule itself. */
static void test_frag_off_rule(void **state)
{
	uint8_t v4[100], v6[100];

	(void)state;
	inner4(v4, true);
	tu_udp_packet(v6, true, "2001:db8:1::2", "2001:db8:2::2", 0, 0);
	assert_int_equal(xfp_tunnel_frag_off(v4, false), XFP_IPV4_DF);
	assert_int_equal(xfp_tunnel_frag_off(v4, true), 0);
	assert_int_equal(xfp_tunnel_frag_off(v6, false), XFP_IPV4_DF);
	assert_int_equal(xfp_tunnel_frag_off(v6, true), 0);
	/* MF and the offset of an inner fragment are not copied */
	v4[6] = 0x20;
	v4[7] = 0x10;
	assert_int_equal(xfp_tunnel_frag_off(v4, false), 0);
	v4[6] = 0x60;
	assert_int_equal(xfp_tunnel_frag_off(v4, false), XFP_IPV4_DF);
}

static int parse(const char *s, struct xfp_ctl_req *r)
{
	return xfp_ctl_parse(s, strlen(s), r);
}

#define KEY20 "0102030405060708090a0b0c0d0e0f1011121314"

/* The control keys `xfp policy load` sends for a tunnel SA. */
static void test_ctl_keys(void **state)
{
	struct xfp_ctl_req r;
	uint8_t want[16];

	(void)state;
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=out\nmode=tunnel\n"
			       "alg=aes128gcm16\nsrc=198.18.0.1\n"
			       "dst=198.19.0.1\nclear_df=1\nkey=" KEY20 "\n\n",
			       &r),
			 0);
	assert_true(r.sa.clear_df);
	assert_int_equal(r.sa.mode, XFP_MODE_TUNNEL);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=in\nmode=tunnel\n"
			       "alg=aes128gcm16\nsrc=2001:db8:c::1\n"
			       "dst=2001:db8:a::1\nsel_src=198.19.3.0/24\n"
			       "sel_dst=198.18.1.2\nkey=" KEY20 "\n\n",
			       &r),
			 0);
	assert_false(r.sa.clear_df);
	assert_int_equal(r.sa.sel.family, AF_INET);
	assert_int_equal(r.sa.sel.src_plen, 24);
	assert_int_equal(r.sa.sel.dst_plen, 32);
	memset(want, 0, sizeof(want));
	inet_pton(AF_INET, "198.19.3.0", want);
	assert_memory_equal(r.sa.sel.src, want, 16);
	inet_pton(AF_INET, "198.18.1.2", want);
	assert_memory_equal(r.sa.sel.dst, want, 16);
	xfp_ctl_req_wipe(&r);
	/* the two sides of one family, prefix lengths of that family */
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=in\nalg=aes128gcm16\n"
			       "sel_src=198.19.3.0/24\nsel_dst=2001:db8::/32\n"
			       "key=" KEY20 "\n\n",
			       &r),
			 -EINVAL);
	assert_non_null(strstr(r.err, "sel_dst"));
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=in\nalg=aes128gcm16\n"
			       "sel_src=198.19.3.0/33\nkey=" KEY20 "\n\n",
			       &r),
			 -EINVAL);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=out\nalg=aes128gcm16\n"
			       "clear_df=2\nkey=" KEY20 "\n\n",
			       &r),
			 -EINVAL);
	xfp_ctl_req_wipe(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frag_off_rule),
		cmocka_unit_test(test_v4_df),
		cmocka_unit_test(test_v6_in_v4_df),
		cmocka_unit_test(test_v4_in_v6_roundtrip),
		cmocka_unit_test(test_ah_tunnel_df),
		cmocka_unit_test(test_ctl_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
