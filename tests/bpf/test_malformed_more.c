// SPDX-License-Identifier: GPL-2.0
/*
 * test_malformed_more.c - the malformed and unusual frames that
 * test_dp_malformed.c (truncation at every byte of five shapes) does not
 * build, through BOTH programs: XDP ingress and TC egress, loaded and
 * verified as in production, with the empty policy committed (WFP's
 * default permit, so any drop is the parser's or the SA check's).
 *
 * Each case has the verdict and drop reason docs/datapath.md gives it
 * ("Fail-closed behaviour"), and checks that exactly that one counter
 * (pass, or the reason's drop counter) moved by one: no silent drop, no
 * double count.  Egress differs by design for IPsec traffic: leaving
 * packets are classified by the policy like any other (no SPI check, no
 * look into UDP 4500), so with the empty policy they pass; the parse
 * drops are the same both ways.  Covered: IPv4 options of every length, IHL and total
 * length against the frame, link-layer padding, IPv6 Hop-by-Hop loops and
 * long/oversized/cut extension headers and fragment headers, NAT-T
 * keepalives (good and almost), empty and inconsistent UDP on 4500, ESP
 * shorter than SPI+sequence, AH length fields (below 12 bytes, beyond the
 * datagram, not a multiple of 8 on IPv6, and good ones), TCP data offset,
 * ICMP cut short, stacked VLAN tags, non-IP frames.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/bpf/dp_env.h"

static struct dp_env env;
static unsigned n_runs;

/* One run through program @dir (0 XDP, 1 TC); 0 when as expected. */
static int expect_dir(const struct pkt *p, int dir, int reason, char *why,
		      size_t n)
{
	uint32_t prog = dir ? XFP_PROG_TC_EGRESS : XFP_PROG_XDP_INGRESS;
	uint32_t slot = XFP_STAT_INDEX(
		prog, reason ? XFP_STAT_DROP_BASE + reason : XFP_VERDICT_PASS);
	uint32_t other = XFP_STAT_INDEX(prog, reason ? XFP_VERDICT_PASS :
						       XFP_VERDICT_DROP);
	uint64_t before = percpu_packets(env.stats, slot), after;
	uint64_t obefore = percpu_packets(env.stats, other);
	unsigned want_ret = dir ? (reason ? 2u : 0u) /* TC_ACT_SHOT/OK */ :
				  (reason ? 1u : 2u); /* XDP_DROP/PASS */
	struct run_result r;

	n_runs++;
	if ((dir ? run_tc : run_xdp)(dir ? env.tc : env.xdp, p, &r)) {
		snprintf(why, n, "%s: test run failed: %s", dir ? "tc" : "xdp",
			 strerror(-r.err));
		return -1;
	}
	after = percpu_packets(env.stats, slot);
	if (r.retval != want_ret || after != before + 1 ||
	    percpu_packets(env.stats, other) != obefore) {
		snprintf(why, n, "%s: ret %u (want %u), counter %s moved %llu",
			 dir ? "tc" : "xdp", r.retval, want_ret,
			 reason ? xfp_drop_names[reason] : "pass",
			 (unsigned long long)(after - before));
		return -1;
	}
	return 0;
}

/* @reason on ingress; on egress @tc_reason (EGRESS_SAME: the same). */
#define EGRESS_SAME (-1)

static void check(const char *name, void (*build)(struct pkt *p), int reason,
		  int tc_reason)
{
	char why[256] = "";
	struct pkt p;
	int bad;

	pkt_init(&p);
	build(&p);
	bad = expect_dir(&p, 0, reason, why, sizeof(why));
	if (!bad)
		bad = expect_dir(&p, 1,
				 tc_reason == EGRESS_SAME ? reason : tc_reason,
				 why, sizeof(why));
	tap_result(!bad, name, "%s", why);
}

static void set16(struct pkt *p, size_t off, uint16_t v)
{
	p->data[off] = (uint8_t)(v >> 8);
	p->data[off + 1] = (uint8_t)v;
}

/* IPv4 checksum is not checked by the parser; keep it right anyway. */
static void v4_csum(struct pkt *p)
{
	uint8_t *ip = p->data + p->l3;
	size_t hl = (size_t)(ip[0] & 15) * 4;
	uint32_t s = 0;

	ip[10] = ip[11] = 0;
	for (size_t i = 0; i + 1 < hl; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	set16(p, p->l3 + 10, (uint16_t)~s);
}

/* IPv4 header with @optlen bytes of options (NOPs, then EOL). */
static void v4_opts(struct pkt *p, uint8_t proto, size_t optlen)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, proto, "198.18.0.1", "198.18.0.2");
	memset(p->data + p->len, 1, optlen);
	if (optlen)
		p->data[p->len + optlen - 1] = 0;
	p->len += optlen;
	p->l4 = p->len;
	p->data[p->l3] = (uint8_t)(0x45 + optlen / 4);
}

static void finish4(struct pkt *p)
{
	pkt_finish(p);
	v4_csum(p);
}

static void opts_udp(struct pkt *p, size_t optlen)
{
	v4_opts(p, 17, optlen);
	pkt_udp(p, 1000, 53);
	pkt_payload(p, 10);
	finish4(p);
}

static void opts4_udp(struct pkt *p)
{
	opts_udp(p, 4);
}
static void opts20_udp(struct pkt *p)
{
	opts_udp(p, 20);
}
static void opts40_udp(struct pkt *p)
{
	opts_udp(p, 40);
}

static void opts40_esp(struct pkt *p)
{
	v4_opts(p, 50, 40);
	pkt_esp(p, 0x4242, 1);
	pkt_payload(p, 16);
	finish4(p);
}

static void opts40_no_l4(struct pkt *p)
{
	/* IHL 15 with options, total length = header: UDP header missing */
	v4_opts(p, 17, 40);
	finish4(p);
}

static void opts_cut(struct pkt *p)
{
	/* IHL says 60 bytes, 40 there, nothing after */
	v4_opts(p, 17, 20);
	p->data[p->l3] = 0x4f;
	finish4(p);
}

static void ihl4(struct pkt *p)
{
	opts_udp(p, 0);
	p->data[p->l3] = 0x44;
}

static void tot_beyond(struct pkt *p)
{
	opts_udp(p, 0);
	set16(p, p->l3 + 2, (uint16_t)(p->len - p->l3 + 1));
	v4_csum(p);
}

static void tot_zero(struct pkt *p)
{
	opts_udp(p, 0);
	set16(p, p->l3 + 2, 0);
	v4_csum(p);
}

static void padded_min_frame(struct pkt *p)
{
	/* 42-byte frame padded to 60 by the sender: padding is not data */
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 1000, 53);
	finish4(p);
	memset(p->data + p->len, 0, 60 - p->len);
	p->len = 60;
}

static void padded_keepalive(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 4500, 4500);
	pkt_bytes(p, "\xff", 1);
	finish4(p);
	memset(p->data + p->len, 0, 60 - p->len);
	p->len = 60;
}

static void natt(struct pkt *p, int v6, const void *pl, size_t n)
{
	pkt_eth(p, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6)
		pkt_ipv6(p, 17, "2001:db8::1", "2001:db8::2");
	else
		pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 4500, 4500);
	pkt_bytes(p, pl, n);
	if (v6)
		pkt_finish(p);
	else
		finish4(p);
}

static void ka4(struct pkt *p)
{
	natt(p, 0, "\xff", 1);
}
static void ka6(struct pkt *p)
{
	natt(p, 1, "\xff", 1);
}
static void ka_not_ff(struct pkt *p)
{
	natt(p, 0, "\x00", 1);
}
static void ka_two(struct pkt *p)
{
	natt(p, 0, "\xff\xff", 2);
}
static void udp0_4500(struct pkt *p)
{
	natt(p, 0, "", 0);
}
static void udp0_4500_v6(struct pkt *p)
{
	natt(p, 1, "", 0);
}
static void marker_only(struct pkt *p)
{
	natt(p, 0, "\0\0\0\0", 4);
}
static void ike(struct pkt *p)
{
	static const char m[] = "\0\0\0\0an IKE header of 28 bytes...";

	natt(p, 0, m, sizeof(m) - 1);
}
static void esp_in_udp_7(struct pkt *p)
{
	natt(p, 0, "\0\0\x42\x42\0\0\0", 7);
}
static void esp_in_udp_8(struct pkt *p)
{
	natt(p, 0, "\0\0\x42\x42\0\0\0\1", 8);
}

static void udp_len_long_4500(struct pkt *p)
{
	natt(p, 0, "\xff", 1);
	set16(p, p->l4 + 4, 10);
}

static void udp_len_below_8_4500(struct pkt *p)
{
	natt(p, 0, "\0\0\x42\x42\0\0\0\1", 8);
	set16(p, p->l4 + 4, 7);
}

static void udp0_other(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 1000, 53);
	finish4(p);
}

static void udp_hdr_cut(struct pkt *p)
{
	udp0_other(p);
	p->len -= 1;
	set16(p, p->l3 + 2, (uint16_t)(p->len - p->l3));
	v4_csum(p);
}

static void esp7(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 50, "198.18.0.1", "198.18.0.2");
	pkt_bytes(p, "\0\0\x42\x42\0\0\0", 7);
	finish4(p);
}

/* AH with length field @hdrlen: the fixed 12 bytes and 12 more, so the
 * datagram holds an AH header of up to 24 bytes (length field 4). */
static void ah(struct pkt *p, int v6, uint8_t hdrlen)
{
	uint8_t h[12] = { 59, hdrlen, 0, 0, 0, 0, 0x42, 0x42, 0, 0, 0, 1 };

	pkt_eth(p, v6 ? ETH_P_IPV6 : ETH_P_IP);
	if (v6)
		pkt_ipv6(p, 51, "2001:db8::1", "2001:db8::2");
	else
		pkt_ipv4(p, 51, "198.18.0.1", "198.18.0.2");
	pkt_bytes(p, h, sizeof(h));
	pkt_payload(p, 12);
	if (v6)
		pkt_finish(p);
	else
		finish4(p);
}

static void ah_len0(struct pkt *p)
{
	ah(p, 0, 0); /* 8 bytes: below the fixed 12 */
}
static void ah6_len0(struct pkt *p)
{
	ah(p, 1, 0);
}
static void ah_len255(struct pkt *p)
{
	ah(p, 0, 255); /* 1,028 bytes in a 24-byte payload */
}
static void ah_len5(struct pkt *p)
{
	ah(p, 0, 5); /* 28 bytes: one word beyond the datagram */
}
static void ah_len5_padded(struct pkt *p)
{
	/* The same, with the missing word (and 2 bytes more) in link-layer
	 * padding: in the frame, not in the datagram. */
	ah(p, 0, 5);
	memset(p->data + p->len, 0, 6);
	p->len += 6;
}
static void ah6_len1(struct pkt *p)
{
	ah(p, 1, 1); /* 12 bytes: not a multiple of 8 */
}
static void ah6_len3(struct pkt *p)
{
	ah(p, 1, 3); /* 20 bytes */
}
static void ah_len1(struct pkt *p)
{
	ah(p, 0, 1); /* 12 bytes, no ICV: well-formed for the parser */
}
static void ah_len2(struct pkt *p)
{
	ah(p, 0, 2); /* 16 bytes: a multiple of 4 is enough on IPv4 */
}
static void ah_len4(struct pkt *p)
{
	ah(p, 0, 4); /* 24 bytes, to the end of the datagram */
}
static void ah6_len4(struct pkt *p)
{
	ah(p, 1, 4);
}

static void ah11(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 51, "198.18.0.1", "198.18.0.2");
	pkt_bytes(p, "\x3b\x01\0\0\0\0\x42\x42\0\0\0", 11);
	finish4(p);
}

static void tcp_doff4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 6, "198.18.0.1", "198.18.0.2");
	pkt_tcp(p, 1000, 80, 0x02);
	finish4(p);
	p->data[p->l4 + 12] = 0x40;
}

static void icmp3(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 1, "198.18.0.1", "198.18.0.2");
	pkt_bytes(p, "\x08\0\0", 3);
	finish4(p);
}

/* IPv6 with @n extension headers of type @type each pointing to @type
 * (a loop), the last one to UDP. */
static void v6_chain(struct pkt *p, uint8_t type, int n)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, type, "2001:db8::1", "2001:db8::2");
	for (int i = 0; i < n; i++)
		pkt_ipv6_ext(p, i == n - 1 ? 17 : type);
	pkt_udp(p, 1, 2);
	pkt_finish(p);
}

static void hbh_loop_7(struct pkt *p)
{
	v6_chain(p, 0, 7);
}
static void hbh_loop_6(struct pkt *p)
{
	v6_chain(p, 0, 6);
}
static void rh_loop_7(struct pkt *p)
{
	v6_chain(p, 43, 7);
}

static void hbh_loop_to_end(struct pkt *p)
{
	/* Hop-by-Hop headers pointing to Hop-by-Hop until the frame ends */
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 0, "2001:db8::1", "2001:db8::2");
	memset(p->data + p->len, 0, 24);
	p->len += 24;
	pkt_finish(p);
}

static void ext_oversized(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 60, "2001:db8::1", "2001:db8::2");
	pkt_ipv6_ext(p, 17);
	pkt_udp(p, 1, 2);
	pkt_finish(p);
	p->data[p->l3 + 41] = 200; /* 1608 bytes claimed */
}

static void ext_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 60, "2001:db8::1", "2001:db8::2");
	pkt_bytes(p, "\x11", 1); /* one byte of a Destination Options hdr */
	pkt_finish(p);
}

static void frag_hdr_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 44, "2001:db8::1", "2001:db8::2");
	pkt_bytes(p, "\x11\0\0\0\0\0", 6);
	pkt_finish(p);
}

static void frag_frag_loop(struct pkt *p)
{
	/* fragment headers chained to fragment headers */
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 44, "2001:db8::1", "2001:db8::2");
	for (int i = 0; i < 7; i++)
		pkt_bytes(p, "\x2c\0\0\0\0\0\0\1", 8);
	pkt_finish(p);
}

static void v6_plen_beyond(struct pkt *p)
{
	v6_chain(p, 60, 1);
	set16(p, p->l3 + 4, (uint16_t)(p->len - p->l3 - 40 + 1));
}

static void v6_version4(struct pkt *p)
{
	v6_chain(p, 60, 1);
	p->data[p->l3] = 0x40;
}

static void vlan3(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, ETH_P_8021AD, 1, ETH_P_8021Q);
	pkt_vlan(p, ETH_P_8021Q, 2, ETH_P_8021Q);
	pkt_vlan(p, ETH_P_8021Q, 3, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 1, 2);
	pkt_finish(p);
}

static void qinq_udp(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021AD);
	pkt_vlan(p, ETH_P_8021AD, 1, ETH_P_8021Q);
	pkt_vlan(p, ETH_P_8021Q, 2, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 1, 2);
	finish4(p);
}

static void vlan_cut(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_bytes(p, "\0\5", 2);
}

static void arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_payload(p, 28);
}

static void ipv4_ethertype_v6_inside(struct pkt *p)
{
	v6_chain(p, 60, 1);
	p->data[12] = 0x08;
	p->data[13] = 0x00;
}

int main(void)
{
	static const struct {
		const char *name;
		void (*build)(struct pkt *p);
		int reason, tc_reason;
	} cases[] = {
		{ "ipv4 4 bytes of options, udp: pass", opts4_udp, 0,
		  EGRESS_SAME },
		{ "ipv4 20 bytes of options, udp: pass", opts20_udp, 0,
		  EGRESS_SAME },
		{ "ipv4 40 bytes of options (ihl 15), udp: pass", opts40_udp, 0,
		  EGRESS_SAME },
		{ "ipv4 ihl 15, esp unknown spi: no-sa", opts40_esp,
		  XFP_DROP_NO_SA, 0 },
		{ "ipv4 ihl 15, udp header missing: parse-l4", opts40_no_l4,
		  XFP_DROP_PARSE_L4, EGRESS_SAME },
		{ "ipv4 options cut by the frame: parse-ipv4", opts_cut,
		  XFP_DROP_PARSE_IPV4, EGRESS_SAME },
		{ "ipv4 ihl 4: parse-ipv4", ihl4, XFP_DROP_PARSE_IPV4,
		  EGRESS_SAME },
		{ "ipv4 total length one beyond the frame: parse-ipv4",
		  tot_beyond, XFP_DROP_PARSE_IPV4, EGRESS_SAME },
		{ "ipv4 total length 0: parse-ipv4", tot_zero,
		  XFP_DROP_PARSE_IPV4, EGRESS_SAME },
		{ "ipv4 udp padded to 60 bytes: pass", padded_min_frame, 0,
		  EGRESS_SAME },
		{ "nat-t keepalive padded to 60 bytes: pass", padded_keepalive,
		  0, EGRESS_SAME },
		{ "nat-t keepalive v4: pass", ka4, 0, EGRESS_SAME },
		{ "nat-t keepalive v6: pass", ka6, 0, EGRESS_SAME },
		{ "udp 4500 one byte not 0xff: parse-esp", ka_not_ff,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "udp 4500 two bytes 0xff 0xff: parse-esp", ka_two,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "zero-length udp to 4500 v4: parse-esp", udp0_4500,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "zero-length udp to 4500 v6: parse-esp", udp0_4500_v6,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "udp 4500 non-esp marker alone: parse-esp", marker_only,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "udp 4500 ike: pass", ike, 0, EGRESS_SAME },
		{ "udp 4500 esp of 7 bytes: parse-esp", esp_in_udp_7,
		  XFP_DROP_PARSE_ESP, 0 },
		{ "udp 4500 esp of 8 bytes, unknown spi: no-sa", esp_in_udp_8,
		  XFP_DROP_NO_SA, 0 },
		{ "udp 4500 length beyond the frame: parse-l4",
		  udp_len_long_4500, XFP_DROP_PARSE_L4, 0 },
		{ "udp 4500 length below 8: parse-l4", udp_len_below_8_4500,
		  XFP_DROP_PARSE_L4, 0 },
		{ "zero-length udp to port 53: pass", udp0_other, 0,
		  EGRESS_SAME },
		{ "udp header cut at 7 bytes: parse-l4", udp_hdr_cut,
		  XFP_DROP_PARSE_L4, EGRESS_SAME },
		{ "esp of 7 bytes: parse-esp", esp7, XFP_DROP_PARSE_ESP,
		  EGRESS_SAME },
		{ "ah of 11 bytes: parse-ah", ah11, XFP_DROP_PARSE_AH,
		  EGRESS_SAME },
		{ "ah length field 0 (8 bytes): parse-ah", ah_len0,
		  XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah v6 length field 0 (8 bytes): parse-ah", ah6_len0,
		  XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah length field 255, beyond the datagram: parse-ah",
		  ah_len255, XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah length one word beyond the datagram: parse-ah", ah_len5,
		  XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah length beyond the datagram, into link padding: parse-ah",
		  ah_len5_padded, XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah v6 length 12 bytes, not a multiple of 8: parse-ah",
		  ah6_len1, XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah v6 length 20 bytes, not a multiple of 8: parse-ah",
		  ah6_len3, XFP_DROP_PARSE_AH, EGRESS_SAME },
		{ "ah length 12 bytes, unknown spi: no-sa", ah_len1,
		  XFP_DROP_NO_SA, 0 },
		{ "ah length 16 bytes (v4: multiple of 4), unknown spi: no-sa",
		  ah_len2, XFP_DROP_NO_SA, 0 },
		{ "ah length to the datagram's end, unknown spi: no-sa",
		  ah_len4, XFP_DROP_NO_SA, 0 },
		{ "ah v6 length 24 bytes, unknown spi: no-sa", ah6_len4,
		  XFP_DROP_NO_SA, 0 },
		{ "tcp data offset 4: parse-l4", tcp_doff4, XFP_DROP_PARSE_L4,
		  EGRESS_SAME },
		{ "icmp of 3 bytes: parse-l4", icmp3, XFP_DROP_PARSE_L4,
		  EGRESS_SAME },
		{ "ipv6 hop-by-hop loop of 7: ipv6-ext-limit", hbh_loop_7,
		  XFP_DROP_IPV6_EXT_LIMIT, EGRESS_SAME },
		{ "ipv6 hop-by-hop loop of 6 then udp: pass", hbh_loop_6, 0,
		  EGRESS_SAME },
		{ "ipv6 routing header loop of 7: ipv6-ext-limit", rh_loop_7,
		  XFP_DROP_IPV6_EXT_LIMIT, EGRESS_SAME },
		{ "ipv6 hop-by-hop loop to the end of the frame: parse-ipv6",
		  hbh_loop_to_end, XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv6 extension header length beyond the frame: parse-ipv6",
		  ext_oversized, XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv6 extension header of 1 byte: parse-ipv6", ext_cut,
		  XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv6 fragment header of 6 bytes: parse-ipv6", frag_hdr_cut,
		  XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv6 fragment header loop of 7: ipv6-ext-limit",
		  frag_frag_loop, XFP_DROP_IPV6_EXT_LIMIT, EGRESS_SAME },
		{ "ipv6 payload length beyond the frame: parse-ipv6",
		  v6_plen_beyond, XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv6 ethertype with version 4: parse-ipv6", v6_version4,
		  XFP_DROP_PARSE_IPV6, EGRESS_SAME },
		{ "ipv4 ethertype with an ipv6 packet: parse-ipv4",
		  ipv4_ethertype_v6_inside, XFP_DROP_PARSE_IPV4, EGRESS_SAME },
		{ "802.1ad+802.1q udp: pass", qinq_udp, 0, EGRESS_SAME },
		{ "three vlan tags: not ip, pass", vlan3, 0, EGRESS_SAME },
		{ "vlan tag cut at 2 bytes: parse-vlan", vlan_cut,
		  XFP_DROP_PARSE_VLAN, EGRESS_SAME },
		{ "arp: pass", arp, 0, EGRESS_SAME },
	};
	char err[256];

	harness_quiet_libbpf();
	if (dp_env_open(&env, 0) ||
	    dp_env_commit_text(&env, "", err, sizeof(err))) {
		tap_result(false, "load, verify and commit the empty policy",
			   "%s", strerror(errno));
		return tap_done();
	}
	tap_result(true, "load, verify and commit the empty policy", " ");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].name, cases[i].build, cases[i].reason,
		      cases[i].tc_reason);
	printf("# %zu frames, %u program runs\n",
	       sizeof(cases) / sizeof(cases[0]), n_runs);
	dp_env_close(&env);
	return tap_done();
}
