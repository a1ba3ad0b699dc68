// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_malformed.c - the ingress program on malformed packets, as a
 * table.  Every base packet is truncated at every byte, twice:
 *   raw:        the length fields still claim the whole packet, so once
 *               the IP header is there it is the IP length check that
 *               fails (parse-ipv4 / parse-ipv6);
 *   consistent: the IP (and UDP) lengths are rewritten to the cut, so the
 *               header that is cut short names the reason (parse-l4,
 *               parse-esp, parse-ah, parse-ipv6 for an extension header).
 * (From 14 bytes on: shorter frames never reach XDP.)  Each run must
 * return the expected verdict, move the drop counter of the
 * expected reason by exactly one (no silent drop), and never fail to run.
 * Then single cases: bad IHL, IHL beyond the frame, total length below
 * the header, too many IPv6 extension headers, fragments of every kind.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/bpf/dp_env.h"

struct base {
	const char *name;
	void (*build)(struct pkt *p);
	/* header ends and the reason for a cut before each (consistent) */
	struct {
		size_t end;
		int reason;
	} b[6];
	int nb;
	int l3_reason; /* raw cut after the IP header starts */
	int full; /* verdict reason of the whole packet (0 = pass) */
};

static void b_tcp4(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 6, "198.18.0.1", "198.18.0.2");
	pkt_tcp(p, 1000, 80, 0x02);
	pkt_payload(p, 6);
}

static void b_udp6_ext(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 0, "2001:db8::1", "2001:db8::2");
	pkt_ipv6_ext(p, 60);
	pkt_ipv6_ext(p, 17);
	pkt_udp(p, 1000, 53);
	pkt_payload(p, 6);
}

static void b_esp4_vlan(struct pkt *p)
{
	pkt_eth(p, ETH_P_IP);
	pkt_vlan(p, ETH_P_8021Q, 5, ETH_P_IP);
	pkt_ipv4(p, 50, "198.18.0.1", "198.18.0.2");
	pkt_esp(p, 0x4242, 1);
	pkt_payload(p, 6);
}

static void b_natt4(struct pkt *p)
{
	static const uint8_t esp[8] = { 0, 0, 0x42, 0x42, 0, 0, 0, 1 };

	pkt_eth(p, ETH_P_IP);
	pkt_ipv4(p, 17, "198.18.0.1", "198.18.0.2");
	pkt_udp(p, 4500, 4500);
	pkt_bytes(p, esp, sizeof(esp));
	pkt_payload(p, 4);
}

static void b_ah6(struct pkt *p)
{
	/* Length field 4: 24 bytes, the fixed 12 and a 12-byte ICV. */
	static const uint8_t ah[24] = { 59,   4,    0, 0, 0, 0,
					0x42, 0x42, 0, 0, 0, 1 };

	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 51, "2001:db8::1", "2001:db8::2");
	pkt_bytes(p, ah, sizeof(ah));
	pkt_payload(p, 4);
}

static const struct base bases[] = {
	{ "ipv4 tcp",
	  b_tcp4,
	  { { 14, XFP_DROP_PARSE_ETH },
	    { 34, XFP_DROP_PARSE_IPV4 },
	    { 54, XFP_DROP_PARSE_L4 } },
	  3,
	  XFP_DROP_PARSE_IPV4,
	  0 },
	{ "ipv6 udp behind two extension headers",
	  b_udp6_ext,
	  { { 14, XFP_DROP_PARSE_ETH },
	    { 54, XFP_DROP_PARSE_IPV6 },
	    { 70, XFP_DROP_PARSE_IPV6 },
	    { 78, XFP_DROP_PARSE_L4 } },
	  4,
	  XFP_DROP_PARSE_IPV6,
	  0 },
	{ "802.1q ipv4 esp",
	  b_esp4_vlan,
	  { { 14, XFP_DROP_PARSE_ETH },
	    { 18, XFP_DROP_PARSE_VLAN },
	    { 38, XFP_DROP_PARSE_IPV4 },
	    { 46, XFP_DROP_PARSE_ESP } },
	  4,
	  XFP_DROP_PARSE_IPV4,
	  XFP_DROP_NO_SA },
	{ "ipv4 esp in udp 4500",
	  b_natt4,
	  { { 14, XFP_DROP_PARSE_ETH },
	    { 34, XFP_DROP_PARSE_IPV4 },
	    { 42, XFP_DROP_PARSE_L4 },
	    { 50, XFP_DROP_PARSE_ESP } },
	  4,
	  XFP_DROP_PARSE_IPV4,
	  XFP_DROP_NO_SA },
	{ "ipv6 ah",
	  b_ah6,
	  { { 14, XFP_DROP_PARSE_ETH },
	    { 54, XFP_DROP_PARSE_IPV6 },
	    { 78, XFP_DROP_PARSE_AH } },
	  3,
	  XFP_DROP_PARSE_IPV6,
	  XFP_DROP_NO_SA },
};

static struct dp_env env;

/* Run one frame; check verdict and that exactly one reason counter
 * (and the drop counter) moved.  Returns 0 when as expected. */
static int expect(const struct pkt *p, int reason, char *why, size_t n)
{
	uint32_t slot = XFP_STAT_INDEX(XFP_PROG_XDP_INGRESS,
				       reason ? XFP_STAT_DROP_BASE + reason :
						XFP_VERDICT_PASS);
	uint64_t before = percpu_packets(env.stats, slot), after;
	struct run_result r;

	if (run_xdp(env.xdp, p, &r)) {
		snprintf(why, n, "test run failed: %s", strerror(-r.err));
		return -1;
	}
	after = percpu_packets(env.stats, slot);
	if (r.retval != (reason ? 1u : 2u) || after != before + 1) {
		snprintf(why, n, "len %zu: ret %u, counter %s +%llu (want %s)",
			 p->len, r.retval,
			 reason ? xfp_drop_names[reason] : "pass",
			 (unsigned long long)(after - before),
			 reason ? xfp_drop_names[reason] : "pass");
		return -1;
	}
	return 0;
}

static void fix_lengths(struct pkt *p, size_t l3, int v6)
{
	size_t len = p->len;

	if (!v6 && len >= l3 + 4) {
		p->data[l3 + 2] = (uint8_t)((len - l3) >> 8);
		p->data[l3 + 3] = (uint8_t)(len - l3);
	}
	if (v6 && len >= l3 + 6 && len >= l3 + 40) {
		p->data[l3 + 4] = (uint8_t)((len - l3 - 40) >> 8);
		p->data[l3 + 5] = (uint8_t)(len - l3 - 40);
	}
	if (p->l4_proto == 17 && len >= p->l4 + 6) {
		p->data[p->l4 + 4] = (uint8_t)((len - p->l4) >> 8);
		p->data[p->l4 + 5] = (uint8_t)(len - p->l4);
	}
}

static void truncations(const struct base *b)
{
	struct pkt full, p;
	char why[256], name[160];
	int bad_raw = 0, bad_con = 0;
	char first_raw[256] = "", first_con[256] = "";
	size_t l3;
	int v6;

	pkt_init(&full);
	b->build(&full);
	pkt_finish(&full);
	l3 = full.l3;
	v6 = full.ip_ver == 6;
	snprintf(name, sizeof(name), "%s: whole packet", b->name);
	tap_result(!expect(&full, b->full, why, sizeof(why)), name, "%s", why);

	/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet
	 * header (the kernel never hands those to XDP), so start there. */
	for (size_t cut = 14; cut < full.len; cut++) {
		int want_raw, want_con = 0;

		p = full;
		p.len = cut;
		want_raw = cut < 14 ? XFP_DROP_PARSE_ETH :
				      (cut < l3 ? XFP_DROP_PARSE_VLAN :
						  b->l3_reason);
		if (expect(&p, want_raw, why, sizeof(why)) && !bad_raw++)
			snprintf(first_raw, sizeof(first_raw), "%s", why);

		for (int i = 0; i < b->nb; i++)
			if (cut < b->b[i].end) {
				want_con = b->b[i].reason;
				break;
			}
		if (!want_con)
			want_con = b->full == XFP_DROP_NO_SA && cut < full.len ?
					   XFP_DROP_NO_SA :
					   b->full;
		fix_lengths(&p, l3, v6);
		if (expect(&p, want_con, why, sizeof(why)) && !bad_con++)
			snprintf(first_con, sizeof(first_con), "%s", why);
	}
	snprintf(name, sizeof(name),
		 "%s: cut at each of bytes 14..%zu, raw lengths", b->name,
		 full.len - 1);
	tap_result(!bad_raw, name, "%d wrong, first: %s", bad_raw, first_raw);
	snprintf(name, sizeof(name),
		 "%s: cut at each of bytes 14..%zu, consistent lengths",
		 b->name, full.len - 1);
	tap_result(!bad_con, name, "%d wrong, first: %s", bad_con, first_con);
}

static void single(const char *name, void (*edit)(struct pkt *p), int reason)
{
	char why[256];
	struct pkt p;

	pkt_init(&p);
	edit(&p);
	tap_result(!expect(&p, reason, why, sizeof(why)), name, "%s", why);
}

static void ihl15(struct pkt *p)
{
	b_tcp4(p);
	pkt_finish(p);
	p->data[p->l3] = 0x4f; /* 60-byte header in a 46-byte packet */
}

static void totlen_below_ihl(struct pkt *p)
{
	b_tcp4(p);
	pkt_finish(p);
	p->data[p->l3 + 2] = 0;
	p->data[p->l3 + 3] = 19;
}

static void version5(struct pkt *p)
{
	b_tcp4(p);
	pkt_finish(p);
	p->data[p->l3] = 0x55;
}

static void ext_chain_7(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 60, "2001:db8::1", "2001:db8::2");
	for (int i = 0; i < 6; i++)
		pkt_ipv6_ext(p, 60);
	pkt_ipv6_ext(p, 17);
	pkt_udp(p, 1, 2);
	pkt_finish(p);
}

static void ext_chain_6(struct pkt *p)
{
	pkt_eth(p, ETH_P_IPV6);
	pkt_ipv6(p, 60, "2001:db8::1", "2001:db8::2");
	for (int i = 0; i < 4; i++)
		pkt_ipv6_ext(p, 60);
	pkt_ipv6_ext(p, 17);
	pkt_udp(p, 1, 2);
	pkt_finish(p);
}

static void frag(struct pkt *p, int v6, uint8_t proto, bool later)
{
	struct gen_pkt g;

	memset(&g, 0, sizeof(g));
	g.family = v6 ? 6 : 4;
	g.proto = proto;
	g.saddr[0] = v6 ? 0x20 : 198;
	g.daddr[0] = v6 ? 0x20 : 198;
	g.later_frag = later;
	g.first_frag = !later;
	g.tcp_flags = 0x02;
	g.spi = 0x4242;
	dp_frame(&g, p);
}

static void f4_first_tcp(struct pkt *p)
{
	frag(p, 0, 6, false);
}
static void f4_later_tcp(struct pkt *p)
{
	frag(p, 0, 6, true);
}
static void f6_first_udp(struct pkt *p)
{
	frag(p, 1, 17, false);
}
static void f6_later_udp(struct pkt *p)
{
	frag(p, 1, 17, true);
}
static void f4_later_esp(struct pkt *p)
{
	frag(p, 0, 50, true);
}
static void f4_first_esp(struct pkt *p)
{
	frag(p, 0, 50, false);
}

int main(void)
{
	char err[256];

	harness_quiet_libbpf();
	if (dp_env_open(&env, 0) ||
	    dp_env_commit_text(&env, "", err, sizeof(err))) {
		tap_result(false, "load and commit the empty policy", "%s",
			   strerror(errno));
		return tap_done();
	}
	tap_result(true, "load and commit the empty policy", " ");
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		truncations(&bases[i]);
	single("ipv4 ihl 15 beyond the frame: parse-ipv4", ihl15,
	       XFP_DROP_PARSE_IPV4);
	single("ipv4 total length below the header: parse-ipv4",
	       totlen_below_ihl, XFP_DROP_PARSE_IPV4);
	single("ip version 5 in an ipv4 frame: parse-ipv4", version5,
	       XFP_DROP_PARSE_IPV4);
	single("ipv6 chain of 7 extension headers: ipv6-ext-limit", ext_chain_7,
	       XFP_DROP_IPV6_EXT_LIMIT);
	single("ipv6 chain of 6 extension headers passes", ext_chain_6, 0);
	single("ipv4 first fragment of tcp passes (ports parsed)", f4_first_tcp,
	       0);
	single("ipv4 later fragment of tcp passes (no ports)", f4_later_tcp, 0);
	single("ipv6 first fragment of udp passes", f6_first_udp, 0);
	single("ipv6 later fragment of udp passes", f6_later_udp, 0);
	single("ipv4 first fragment of esp: spi checked, no-sa", f4_first_esp,
	       XFP_DROP_NO_SA);
	single("ipv4 later fragment of esp: no spi, classified as clear",
	       f4_later_esp, 0);
	dp_env_close(&env);
	return tap_done();
}
