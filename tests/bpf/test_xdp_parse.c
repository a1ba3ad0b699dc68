// SPDX-License-Identifier: GPL-2.0
/*
 * test_xdp_parse.c - the ingress XDP program parses what it should, counts
 * every packet once per protocol and once per verdict, and drops
 * malformed IP with the drop reason that names the fault.
 *
 * Table-driven: each case builds a packet, runs the program once with
 * BPF_PROG_TEST_RUN and checks the return code, the output bytes (a pass
 * must not modify the frame) and the per-CPU counters' deltas.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "bpf/xfp_abi.h"
#include "bpf/xfp_xdp.skel.h"
#include "policy/compile.h"
#include "policy/dp_commit.h"
#include "tests/bpf/harness.h"

#define V4A "198.18.0.1"
#define V4B "198.18.0.2"
#define V6A "2001:db8::1"
#define V6B "2001:db8::2"

typedef void (*build_fn)(struct pkt *p);

struct tcase {
	const char *name;
	build_fn build;
	int action; /* expected XDP_* */
	int reason; /* expected drop reason when action is XDP_DROP */
	int proto_l3; /* expected XFP_PROTO_* counted, or -1 */
	int proto_l4; /* expected XFP_PROTO_* counted, or -1 */
};

static void udp4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	pkt_udp(p, 1000, 2000);
	pkt_payload(p, 18);
}

static void tcp4_syn(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_TCP, V4A, V4B);
	pkt_tcp(p, 40000, 80, 0x02);
}

static void icmp4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_ICMP, V4A, V4B);
	pkt_icmp(p, 8, 0);
	pkt_payload(p, 56);
}

static void udp6(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_UDP, V6A, V6B);
	pkt_udp(p, 1000, 2000);
	pkt_payload(p, 10);
}

static void icmp6(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_ICMPV6, V6A, V6B);
	pkt_icmp(p, 128, 0);
}

static void tcp6_hopopts(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_HOPOPTS, V6A, V6B);
	pkt_ipv6_ext(p, IPPROTO_DSTOPTS);
	pkt_ipv6_ext(p, IPPROTO_TCP);
	pkt_tcp(p, 40000, 443, 0x02);
}

static void esp4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_ESP, V4A, V4B);
	pkt_esp(p, 0x1000, 1);
	pkt_payload(p, 48);
}

/* IPv6 AH with length field @hdrlen, 12 fixed bytes and 12 more
 * (a 12-byte ICV when @hdrlen is 4), lengths consistent. */
static void ah6_len(struct pkt *p, unsigned char hdrlen)
{
	unsigned char ah[12] = { IPPROTO_UDP, hdrlen, 0, 0, 0, 0,
				 0x20,	      0x01,   0, 0, 0, 1 };

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_AH, V6A, V6B);
	pkt_bytes(p, ah, sizeof(ah));
	pkt_payload(p, 12);
	pkt_finish(p);
}

static void ah6(struct pkt *p)
{
	ah6_len(p, 4); /* 24 bytes: to the end of the datagram */
}

static void ah6_too_short(struct pkt *p)
{
	ah6_len(p, 0); /* 8 bytes, below the fixed 12 */
}

static void ah6_not_8(struct pkt *p)
{
	ah6_len(p, 3); /* 20 bytes: IPv6 wants a multiple of 8 */
}

static void ah6_beyond_datagram(struct pkt *p)
{
	ah6_len(p, 6); /* 32 bytes in a 24-byte payload */
}

static void udp4_vlan(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_vlan(p, ETH_P_8021Q, 10, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	pkt_udp(p, 1, 2);
}

static void udp6_qinq(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_vlan(p, ETH_P_8021AD, 100, ETH_P_8021Q);
	pkt_vlan(p, ETH_P_8021Q, 10, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_UDP, V6A, V6B);
	pkt_udp(p, 1, 2);
}

static void udp4_options(struct pkt *p)
{
	udp4(p);
	/* Rebuild with IHL 6: one 4-byte option (NOP x4) before UDP. */
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	p->data[p->l3] = 0x46;
	pkt_bytes(p, "\x01\x01\x01\x01", 4);
	p->l4 = p->len;
	pkt_udp(p, 5, 6);
}

static void arp(struct pkt *p)
{
	pkt_eth(p, ETH_P_ARP);
	pkt_payload(p, 28);
}

static void ipv4_bad_ihl(struct pkt *p)
{
	udp4(p);
	pkt_finish(p);
	p->data[p->l3] = 0x44; /* IHL 4: below the minimum of 5 */
}

static void ipv4_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_bytes(p, "\x45\x00\x00\x30\x00\x00", 6); /* 6 of 20 bytes */
}

static void ipv4_totlen_beyond_frame(struct pkt *p)
{
	udp4(p);
	pkt_finish(p);
	p->data[p->l3 + 2] = 0x05; /* tot_len 0x05xx > frame */
}

static void udp4_truncated_l4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	pkt_bytes(p, "\x00\x01\x00", 3); /* 3 of 8 UDP bytes */
	pkt_finish(p);
}

static void udp4_later_fragment(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	p->data[p->l3 + 6] = 0x00;
	p->data[p->l3 + 7] = 0x10; /* offset 16 * 8: no UDP header here */
	pkt_payload(p, 3);
}

static void ipv6_ext_too_long(struct pkt *p)
{
	int i;

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_DSTOPTS, V6A, V6B);
	for (i = 0; i < 7; i++)
		pkt_ipv6_ext(p, IPPROTO_DSTOPTS);
	pkt_ipv6_ext(p, IPPROTO_UDP);
	pkt_udp(p, 1, 2);
	pkt_finish(p);
}

static void ipv6_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_bytes(p, "\x60\x00\x00\x00\x00\x08\x11\x40", 8);
}

static void ipv6_ext_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_HOPOPTS, V6A, V6B);
	pkt_bytes(p, "\x11", 1); /* one byte of an 8-byte header */
}

static void esp4_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_ESP, V4A, V4B);
	pkt_bytes(p, "\x00\x00\x10", 3); /* SPI cut short */
	pkt_finish(p);
}

static void vlan_truncated(struct pkt *p)
{
	pkt_eth(p, ETH_P_8021Q);
	pkt_bytes(p, "\x00\x0a", 2); /* tag without its inner type */
}

/* A UDP header that lies only in link-layer padding after the datagram. */
static void udp4_header_in_padding(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, IPPROTO_UDP, V4A, V4B);
	pkt_finish(p); /* tot_len 20: the datagram ends here */
	pkt_udp(p, 1000, 2000);
	pkt_payload(p, 18);
}

/* An ESP SPI that lies only in the padding of an IPv6 frame. */
static void esp6_spi_in_padding(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, IPPROTO_ESP, V6A, V6B);
	pkt_finish(p); /* payload_len 0 */
	pkt_esp(p, 0x1000, 1);
}

static const struct tcase cases[] = {
	{ "ipv4 udp passes", udp4, XDP_PASS, 0, XFP_PROTO_IPV4, XFP_PROTO_UDP },
	{ "ipv4 tcp syn passes", tcp4_syn, XDP_PASS, 0, XFP_PROTO_IPV4,
	  XFP_PROTO_TCP },
	{ "ipv4 icmp echo passes", icmp4, XDP_PASS, 0, XFP_PROTO_IPV4,
	  XFP_PROTO_ICMP },
	{ "ipv6 udp passes", udp6, XDP_PASS, 0, XFP_PROTO_IPV6, XFP_PROTO_UDP },
	{ "ipv6 icmpv6 echo passes", icmp6, XDP_PASS, 0, XFP_PROTO_IPV6,
	  XFP_PROTO_ICMPV6 },
	{ "ipv6 tcp behind two extension headers", tcp6_hopopts, XDP_PASS, 0,
	  XFP_PROTO_IPV6, XFP_PROTO_TCP },
	{ "ipv4 esp with an unknown spi is counted and dropped as no-sa", esp4,
	  XDP_DROP, XFP_DROP_NO_SA, XFP_PROTO_IPV4, XFP_PROTO_ESP },
	{ "ipv6 ah with an unknown spi is counted and dropped as no-sa", ah6,
	  XDP_DROP, XFP_DROP_NO_SA, XFP_PROTO_IPV6, XFP_PROTO_AH },
	{ "ipv6 ah length field below 12 bytes dropped", ah6_too_short,
	  XDP_DROP, XFP_DROP_PARSE_AH, -1, -1 },
	{ "ipv6 ah length not a multiple of 8 dropped", ah6_not_8, XDP_DROP,
	  XFP_DROP_PARSE_AH, -1, -1 },
	{ "ipv6 ah length beyond the datagram dropped", ah6_beyond_datagram,
	  XDP_DROP, XFP_DROP_PARSE_AH, -1, -1 },
	{ "802.1q tagged ipv4 udp", udp4_vlan, XDP_PASS, 0, XFP_PROTO_IPV4,
	  XFP_PROTO_UDP },
	{ "802.1ad+802.1q tagged ipv6 udp", udp6_qinq, XDP_PASS, 0,
	  XFP_PROTO_IPV6, XFP_PROTO_UDP },
	{ "ipv4 with options", udp4_options, XDP_PASS, 0, XFP_PROTO_IPV4,
	  XFP_PROTO_UDP },
	{ "arp passes, counted as arp", arp, XDP_PASS, 0, XFP_PROTO_ARP, -1 },
	{ "ipv4 later fragment passes without l4", udp4_later_fragment,
	  XDP_PASS, 0, XFP_PROTO_IPV4, XFP_PROTO_UDP },
	{ "ipv4 ihl below 5 dropped", ipv4_bad_ihl, XDP_DROP,
	  XFP_DROP_PARSE_IPV4, -1, -1 },
	{ "ipv4 header truncated dropped", ipv4_truncated, XDP_DROP,
	  XFP_DROP_PARSE_IPV4, -1, -1 },
	{ "ipv4 total length beyond frame dropped", ipv4_totlen_beyond_frame,
	  XDP_DROP, XFP_DROP_PARSE_IPV4, -1, -1 },
	{ "udp header truncated dropped", udp4_truncated_l4, XDP_DROP,
	  XFP_DROP_PARSE_L4, -1, -1 },
	{ "ipv6 header truncated dropped", ipv6_truncated, XDP_DROP,
	  XFP_DROP_PARSE_IPV6, -1, -1 },
	{ "ipv6 extension header truncated dropped", ipv6_ext_truncated,
	  XDP_DROP, XFP_DROP_PARSE_IPV6, -1, -1 },
	{ "ipv6 chain of 8 extension headers dropped", ipv6_ext_too_long,
	  XDP_DROP, XFP_DROP_IPV6_EXT_LIMIT, -1, -1 },
	{ "esp shorter than spi+seq dropped", esp4_truncated, XDP_DROP,
	  XFP_DROP_PARSE_ESP, -1, -1 },
	{ "vlan tag truncated dropped", vlan_truncated, XDP_DROP,
	  XFP_DROP_PARSE_VLAN, -1, -1 },
	{ "udp header only in link padding dropped", udp4_header_in_padding,
	  XDP_DROP, XFP_DROP_PARSE_L4, -1, -1 },
	{ "esp spi only in link padding dropped", esp6_spi_in_padding, XDP_DROP,
	  XFP_DROP_PARSE_ESP, -1, -1 },
};

int main(void)
{
	struct xfp_xdp *skel;
	int prog, stats, protos;
	size_t i;

	harness_quiet_libbpf();
	skel = xfp_xdp__open_and_load();
	if (!skel) {
		tap_result(false, "load xfp_xdp", "open_and_load failed: %s",
			   strerror(errno));
		return tap_done();
	}
	tap_result(true, "load xfp_xdp (verifier accepts it)", " ");
	{
		/* The empty policy: no filter, everything clear is permitted
		 * (WFP's default), no SA. */
		struct xfp_policy *pol = xfp_policy_new();
		struct xfp_errors errs = { 0 };
		struct dp_device dev = { .ifindex = 1, .ifname = "lo" };
		struct dp_table tab;
		char why[256];
		int r = -1;

		if (pol && !xfp_policy_finalize(pol, &errs) &&
		    !dp_compile(pol, &dev, NULL, 0, 1, &tab, why,
				sizeof(why))) {
			r = dp_commit(bpf_map__fd(skel->maps.xfp_policy), &tab,
				      why, sizeof(why));
			dp_table_free(&tab);
		}
		xfp_errors_free(&errs);
		xfp_policy_free(pol);
		tap_result(r == 0, "commit the empty policy", "failed");
	}
	prog = bpf_program__fd(skel->progs.xfp_xdp_ingress);
	stats = bpf_map__fd(skel->maps.xfp_stats);
	protos = bpf_map__fd(skel->maps.xfp_proto_stats);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *t = &cases[i];
		uint64_t before[XFP_PROTO__MAX], pass0, drop0, why0, d;
		struct run_result r;
		struct pkt p;
		int k, bad = 0;
		char why[256] = "";

		pkt_init(&p);
		t->build(&p);
		/* Well-formed packets get their lengths fixed; the malformed
		 * ones are tested as built. */
		if (t->action == XDP_PASS || t->reason > XFP_DROP_PARSE_AH)
			pkt_finish(&p);
		for (k = 0; k < XFP_PROTO__MAX; k++)
			before[k] = percpu_packets(protos, k);
		pass0 = percpu_packets(stats,
				       XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
						      XFP_VERDICT_PASS));
		drop0 = percpu_packets(stats,
				       XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
						      XFP_VERDICT_DROP));
		why0 = percpu_packets(
			stats, XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
					      XFP_STAT_DROP_BASE + t->reason));

		if (run_xdp(prog, &p, &r)) {
			tap_result(false, t->name, "test run failed: %s",
				   strerror(-r.err));
			continue;
		}
		if ((int)r.retval != t->action) {
			snprintf(why, sizeof(why), "action %u, expected %d",
				 r.retval, t->action);
			bad = 1;
		} else if (r.out_len != p.len || memcmp(r.out, p.data, p.len)) {
			snprintf(why, sizeof(why),
				 "frame modified (%u bytes out, %zu in)",
				 r.out_len, p.len);
			bad = 1;
		}
		if (!bad && t->action == XDP_PASS) {
			d = percpu_packets(stats,
					   XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
							  XFP_VERDICT_PASS)) -
			    pass0;
			if (d != 1) {
				snprintf(
					why, sizeof(why),
					"pass counter moved by %lu, expected 1",
					(unsigned long)d);
				bad = 1;
			}
		}
		if (!bad && t->action == XDP_DROP) {
			d = percpu_packets(stats,
					   XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
							  XFP_VERDICT_DROP)) -
			    drop0;
			uint64_t dr =
				percpu_packets(
					stats,
					XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
						       XFP_STAT_DROP_BASE +
							       t->reason)) -
				why0;

			if (d != 1 || dr != 1) {
				snprintf(
					why, sizeof(why),
					"drop counter +%lu and reason %s +%lu, expected 1 and 1",
					(unsigned long)d,
					xfp_drop_names[t->reason],
					(unsigned long)dr);
				bad = 1;
			}
		}
		for (k = 0; !bad && k < XFP_PROTO__MAX; k++) {
			uint64_t want =
				(k == t->proto_l3 || k == t->proto_l4) ? 1 : 0;

			d = percpu_packets(protos, k) - before[k];
			if (d != want) {
				snprintf(
					why, sizeof(why),
					"protocol counter %s moved by %lu, expected %lu",
					xfp_proto_names[k], (unsigned long)d,
					(unsigned long)want);
				bad = 1;
			}
		}
		tap_result(!bad, t->name, "%s", why);
	}
	xfp_xdp__destroy(skel);
	return tap_done();
}
