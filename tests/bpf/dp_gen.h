/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dp_gen.h - seeded random policies and packets for the datapath's
 * differential tests (tests/bpf/test_dp_diff.c against the BPF programs,
 * tests/unit/test_dp_compile.c against the compiled table in userspace).
 *
 * Policies are generated as policy TEXT and go through the real parser and
 * finalize, so the IR under test is exactly what `xfp policy load` makes.
 * Values are drawn from small pools around the packet pools so that
 * filters overlap and match often; weights, weight ranges, sublayers
 * (some of equal weight), hard permits, callouts, folded conditions
 * (interface, ipsec-flags, identities) and both families are mixed.
 *
 * Header-only: the bpf tier links only harness.c.
 */
#ifndef XFP_TESTS_DP_GEN_H
#define XFP_TESTS_DP_GEN_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile.h"
#include "policy/policy.h"

#define GEN_DEV_NAME "xfp-test0"
#define GEN_DEV_INDEX 7

struct gen_rng {
	uint64_t s;
	int peers; /* 1: most filters name one exact remote address among
		    * random conditions; 2: mostly plain per-peer filters */
};

static inline uint32_t gen_u32(struct gen_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static inline uint32_t gen_below(struct gen_rng *r, uint32_t n)
{
	return n ? gen_u32(r) % n : 0;
}

static inline int gen_chance(struct gen_rng *r, unsigned pct)
{
	return gen_below(r, 100) < pct;
}

struct gen_buf {
	char *s;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3))) static inline void
gen_printf(struct gen_buf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(b->s ? b->s + b->n : NULL,
				 b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->s && (size_t)need < b->cap - b->n) {
			b->n += (size_t)need;
			return;
		}
		b->cap = (b->cap + (size_t)need + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
}

/* Address pools: 198.18.0.0/22 and 2001:db8::/118 (the test ranges). */
static inline void gen_v4(struct gen_rng *r, uint8_t a[4])
{
	a[0] = 198;
	a[1] = 18;
	a[2] = (uint8_t)gen_below(r, 4);
	a[3] = (uint8_t)(gen_chance(r, 70) ? gen_below(r, 16) :
					     gen_below(r, 256));
	if (gen_chance(r, 2)) { /* now and then multicast or broadcast */
		a[0] = gen_chance(r, 50) ? 224 : 255;
		a[1] = a[2] = a[3] = a[0] == 255 ? 255 : 1;
	}
}

static inline void gen_v6(struct gen_rng *r, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[14] = (uint8_t)gen_below(r, 4);
	a[15] = (uint8_t)(gen_chance(r, 70) ? gen_below(r, 16) :
					      gen_below(r, 256));
	if (gen_chance(r, 2)) {
		a[0] = 0xff;
		a[1] = 0x02;
	}
}

static inline void gen_addr_text(struct gen_rng *r, int fam, char *out,
				 size_t len)
{
	char a[64], b[64];
	uint8_t x[16], y[16];
	int kind = (int)gen_below(r, 3), plen;

	if (fam == 4) {
		gen_v4(r, x);
		if (x[0] != 198)
			kind = 0;
		if (kind == 1) { /* prefix, host bits cleared */
			plen = 22 + (int)gen_below(r, 11);
			uint32_t v = ((uint32_t)x[0] << 24) | (x[1] << 16) |
				     (x[2] << 8) | x[3];
			v &= plen ? ~0u << (32 - plen) : 0;
			x[0] = (uint8_t)(v >> 24);
			x[1] = (uint8_t)(v >> 16);
			x[2] = (uint8_t)(v >> 8);
			x[3] = (uint8_t)v;
			inet_ntop(AF_INET, x, a, sizeof(a));
			snprintf(out, len, "%s/%d", a, plen);
			return;
		}
		inet_ntop(AF_INET, x, a, sizeof(a));
		if (kind == 2) {
			memcpy(y, x, 4);
			y[3] = (uint8_t)(x[3] + gen_below(r, 256 - x[3]));
			inet_ntop(AF_INET, y, b, sizeof(b));
			snprintf(out, len, "%s-%s", a, b);
			return;
		}
		snprintf(out, len, "%s", a);
		return;
	}
	gen_v6(r, x);
	if (x[0] != 0x20)
		kind = 0;
	if (kind == 1) {
		plen = 118 + (int)gen_below(r, 11);
		for (int i = plen; i < 128; i++)
			x[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
		inet_ntop(AF_INET6, x, a, sizeof(a));
		snprintf(out, len, "%s/%d", a, plen);
		return;
	}
	inet_ntop(AF_INET6, x, a, sizeof(a));
	if (kind == 2) {
		memcpy(y, x, 16);
		y[15] = (uint8_t)(x[15] + gen_below(r, 256 - x[15]));
		inet_ntop(AF_INET6, y, b, sizeof(b));
		snprintf(out, len, "%s-%s", a, b);
		return;
	}
	snprintf(out, len, "%s", a);
}

static inline uint16_t gen_port(struct gen_rng *r)
{
	static const uint16_t well[] = { 22, 53, 80, 443, 500, 4500, 8080 };

	if (gen_chance(r, 30))
		return well[gen_below(r, 7)];
	return (uint16_t)gen_below(r, 64);
}

static inline void gen_num_cond(struct gen_rng *r, struct gen_buf *b,
				const char *field, unsigned max_small,
				unsigned max)
{
	unsigned n = 1 + (gen_chance(r, 30) ? gen_below(r, 3) : 0);

	if (gen_chance(r, 10)) {
		gen_printf(b, " %s != %u", field, gen_below(r, max_small));
		return;
	}
	gen_printf(b, " %s ", field);
	if (n > 1)
		gen_printf(b, "{ ");
	for (unsigned i = 0; i < n; i++) {
		unsigned lo = gen_below(r, max_small);

		if (i)
			gen_printf(b, ", ");
		if (gen_chance(r, 35)) {
			unsigned hi = lo + gen_below(r, max - lo + 1 < 40 ?
								max - lo + 1 :
								40);
			gen_printf(b, "%u-%u", lo, hi);
		} else {
			gen_printf(b, "%u", lo);
		}
	}
	if (n > 1)
		gen_printf(b, " }");
}

static inline void gen_port_cond(struct gen_rng *r, struct gen_buf *b,
				 const char *field)
{
	unsigned n = 1 + (gen_chance(r, 30) ? gen_below(r, 3) : 0);

	if (gen_chance(r, 10)) {
		gen_printf(b, " %s != %u", field, gen_port(r));
		return;
	}
	gen_printf(b, " %s ", field);
	if (n > 1)
		gen_printf(b, "{ ");
	for (unsigned i = 0; i < n; i++) {
		unsigned lo = gen_port(r);

		if (i)
			gen_printf(b, ", ");
		if (gen_chance(r, 35))
			gen_printf(b, "%u-%u", lo, lo + gen_below(r, 100));
		else
			gen_printf(b, "%u", lo);
	}
	if (n > 1)
		gen_printf(b, " }");
}

static const char *const gen_layers[4] = { "inbound-transport",
					   "outbound-transport",
					   "ale-auth-recv-accept",
					   "ale-auth-connect" };

/*
 * A random policy of n_filters filters (plus the sublayers) as text.
 * The caller frees b->s.
 */
static inline void gen_policy_text(struct gen_rng *r, unsigned n_filters,
				   struct gen_buf *b)
{
	unsigned n_sub = gen_below(r, 5);
	uint16_t w[8];

	for (unsigned s = 0; s < n_sub; s++) {
		/* Some equal weights: order of definition then decides. */
		w[s] = s && gen_chance(r, 25) ? w[s - 1] :
						(uint16_t)gen_below(r, 65536);
		gen_printf(b, "sublayer add s%u weight %u\n", s, w[s]);
	}
	for (unsigned i = 0; i < n_filters; i++) {
		unsigned layer = gen_below(r, 4);
		int fam = gen_chance(r, 50) ? 4 : 6;
		bool inet = gen_chance(r, 15);
		const char *act = gen_chance(r, 55) ? "permit" : "block";
		bool callout = gen_chance(r, 12);

		if (r->peers == 2 && gen_chance(r, 92)) {
			/* A host policy at scale: one exact peer, a service
			 * port, a protocol; weights and sublayers mixed. */
			uint8_t x[16];
			char a[64];

			if (fam == 4)
				gen_v4(r, x);
			else
				gen_v6(r, x);
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, x, a,
				  sizeof(a));
			gen_printf(b,
				   "filter add f%u layer %s action %s "
				   "remote-addr %s protocol %s local-port %u",
				   i, gen_layers[layer],
				   gen_chance(r, 50) ? "permit" : "block", a,
				   gen_chance(r, 70) ? "tcp" : "udp",
				   gen_port(r));
			if (n_sub && gen_chance(r, 50))
				gen_printf(b, " sublayer s%u",
					   gen_below(r, n_sub));
			if (gen_chance(r, 20))
				gen_printf(b, " weight-range %u",
					   gen_below(r, 16));
			gen_printf(b, "\n");
			continue;
		}
		gen_printf(b, "filter add f%u layer %s", i, gen_layers[layer]);
		if (callout) {
			switch (layer) {
			case 0:
				act = "inbound-transport";
				break;
			case 1:
				act = "outbound-transport";
				break;
			case 2:
				act = "inbound-initiate-secure";
				break;
			default:
				act = "ale-connect";
			}
		}
		gen_printf(b, " action %s", act);
		if (callout && layer == 0 && gen_chance(r, 50))
			gen_printf(b, " context persist-connection-security");
		if (callout && layer == 1 && gen_chance(r, 50))
			gen_printf(b, " context negotiate-discover");
		if (callout && layer >= 2 && gen_chance(r, 30))
			gen_printf(b, " context require-encryption");
		if (n_sub && gen_chance(r, 70))
			gen_printf(b, " sublayer s%u", gen_below(r, n_sub));
		if (gen_chance(r, 20))
			gen_printf(b, " weight %u", gen_below(r, 1000));
		else if (gen_chance(r, 20))
			gen_printf(b, " weight-range %u", gen_below(r, 16));
		if (gen_chance(r, 10))
			gen_printf(b, " flags clear-action-right");
		if (inet)
			gen_printf(b, " family inet");
		else if (gen_chance(r, 60))
			gen_printf(b, " family %s", fam == 4 ? "ip" : "ip6");
		if (r->peers && !inet && gen_chance(r, 80)) {
			/* One filter per peer, as large host policies are. */
			uint8_t x[16];
			char a[64];

			if (fam == 4)
				gen_v4(r, x);
			else
				gen_v6(r, x);
			inet_ntop(fam == 4 ? AF_INET : AF_INET6, x, a,
				  sizeof(a));
			gen_printf(b, " remote-addr %s", a);
		}
		for (int k = 0; k < 2; k++) {
			const char *field = k ? "remote-addr" : "local-addr";
			unsigned n;

			if (r->peers && k &&
			    strstr(b->s + b->n - 80 > b->s ? b->s + b->n - 80 :
							     b->s,
				   "remote-addr"))
				continue;

			if (!gen_chance(r, k ? 45 : 30))
				continue;
			n = 1 + (gen_chance(r, 25) ? gen_below(r, 3) : 0);
			if (!inet && gen_chance(r, 10)) {
				char a[128];

				gen_addr_text(r, fam, a, sizeof(a));
				if (!strchr(a, '/') && !strchr(a + 1, '-')) {
					gen_printf(b, " %s != %s", field, a);
					continue;
				}
			}
			gen_printf(b, " %s %s", field, n > 1 ? "{ " : "");
			for (unsigned v = 0; v < n; v++) {
				char a[128];
				int f = inet ? (gen_chance(r, 50) ? 4 : 6) :
					       fam;

				gen_addr_text(r, f, a, sizeof(a));
				gen_printf(b, "%s%s", v ? ", " : "", a);
			}
			if (n > 1)
				gen_printf(b, " }");
		}
		if (gen_chance(r, 45)) {
			static const char *const protos[] = {
				"tcp",	"udp",	   "icmp", "icmpv6",
				"sctp", "udplite", "esp",  "47",
				"6-17", "0-5",	   "1",	   "58"
			};
			gen_printf(b, " protocol %s", protos[gen_below(r, 12)]);
		}
		if (gen_chance(r, 25))
			gen_port_cond(r, b, "local-port");
		if (gen_chance(r, 25))
			gen_port_cond(r, b, "remote-port");
		if (gen_chance(r, 8))
			gen_num_cond(r, b, "icmp-type", 12, 255);
		if (gen_chance(r, 5))
			gen_num_cond(r, b, "icmp-code", 4, 255);
		if (gen_chance(r, 6)) {
			static const char *const t[] = { "unicast", "multicast",
							 "broadcast" };
			if (gen_chance(r, 30))
				gen_printf(b, " local-addr-type != %s",
					   t[gen_below(r, 3)]);
			else
				gen_printf(b, " local-addr-type %s",
					   t[gen_below(r, 3)]);
		}
		if (gen_chance(r, 5)) {
			if (gen_chance(r, 50))
				gen_printf(b, " interface %s",
					   gen_chance(r, 50) ? GEN_DEV_NAME :
							       "other0");
			else
				gen_printf(b, " interface %s%u",
					   gen_chance(r, 30) ? "!= " : "",
					   gen_chance(r, 50) ? GEN_DEV_INDEX :
							       99);
		}
		if ((layer == 0 || layer >= 2) && gen_chance(r, 5))
			gen_printf(b, " ipsec-flags %s secured",
				   gen_chance(r, 50) ? "none-set" : "any-set");
		if (layer >= 2 && gen_chance(r, 4))
			gen_printf(b, " remote-machine-id host-%u.corp",
				   gen_below(r, 3));
		gen_printf(b, "\n");
	}
}

/* One random packet (direction-independent fields). */
struct gen_pkt {
	int family;
	uint8_t proto;
	uint8_t saddr[16], daddr[16]; /* v4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;
	bool later_frag, first_frag;
	uint32_t spi;
};

static inline void gen_packet(struct gen_rng *r, struct gen_pkt *g)
{
	static const uint8_t protos[] = { 6,   6,   6,	17, 17, 17, 1, 58,
					  132, 136, 47, 0,  2,	50, 51 };

	memset(g, 0, sizeof(*g));
	g->family = gen_chance(r, 50) ? 4 : 6;
	g->proto = protos[gen_below(r, sizeof(protos))];
	if (g->family == 6 && g->proto == 0)
		g->proto = 2; /* next header 0 is hop-by-hop in IPv6 */
	if (g->family == 4) {
		gen_v4(r, g->saddr);
		gen_v4(r, g->daddr);
	} else {
		gen_v6(r, g->saddr);
		gen_v6(r, g->daddr);
	}
	g->sport = gen_port(r);
	g->dport = gen_port(r);
	g->icmp_type = (uint8_t)gen_below(r, 14);
	g->icmp_code = (uint8_t)gen_below(r, 5);
	g->tcp_flags = gen_chance(r, 50) ? 0x02 :
		       gen_chance(r, 50) ? 0x12 :
					   0x10;
	g->later_frag = gen_chance(r, 4);
	g->first_frag = !g->later_frag && gen_chance(r, 3);
	g->spi = gen_chance(r, 50) ? 0x1000 + gen_below(r, 4) : gen_u32(r);
}

/* The packet as layer `dir` (0 in, 1 out) sees it. */
static inline void gen_dp_pkt(const struct gen_pkt *g, int dir,
			      struct dp_pkt *d)
{
	const uint8_t *l = dir ? g->saddr : g->daddr;
	const uint8_t *rm = dir ? g->daddr : g->saddr;

	memset(d, 0, sizeof(*d));
	d->family = (uint8_t)g->family;
	d->proto = g->proto;
	d->later_frag = g->later_frag;
	d->icmp_type = g->icmp_type;
	d->icmp_code = g->icmp_code;
	d->local_port = dir ? g->sport : g->dport;
	d->remote_port = dir ? g->dport : g->sport;
	if (g->family == 4) {
		d->local.b[10] = d->local.b[11] = 0xff;
		d->remote.b[10] = d->remote.b[11] = 0xff;
		memcpy(d->local.b + 12, l, 4);
		memcpy(d->remote.b + 12, rm, 4);
	} else {
		memcpy(d->local.b, l, 16);
		memcpy(d->remote.b, rm, 16);
	}
}

static inline bool gen_icmp_error(const struct gen_pkt *g)
{
	if (g->proto == 1)
		return g->icmp_type == 3 || g->icmp_type == 4 ||
		       g->icmp_type == 5 || g->icmp_type == 11 ||
		       g->icmp_type == 12;
	if (g->proto == 58)
		return g->icmp_type >= 1 && g->icmp_type <= 4;
	return false;
}

/* Does the packet open a connection (and so meet the ALE layer)? */
static inline bool gen_new_conn(const struct gen_pkt *g)
{
	if (g->proto == 6 && !g->later_frag)
		return (g->tcp_flags & 0x12) == 0x02;
	if (g->proto == 6)
		return false; /* a later fragment has no flags: not SYN */
	return !g->later_frag && !gen_icmp_error(g);
}

/* What the datapath must do, per the reference classifier. */
struct gen_expect {
	uint8_t verdict, reason;
	uint64_t tfilter, afilter;
	bool ale;
};

static inline int gen_expected(const struct xfp_policy *p,
			       const struct dp_device *dev,
			       const struct gen_pkt *g, int dir,
			       struct gen_expect *e)
{
	struct xfp_decision d;
	struct xfp_pkt rp;
	struct dp_pkt dp;
	uint8_t fl;

	memset(e, 0, sizeof(*e));
	if (dir == 0 && !g->later_frag && (g->proto == 50 || g->proto == 51)) {
		/* IPsec: the SPI decides, not the filters. */
		bool known = false;

		for (unsigned i = 0; i < p->n_sas; i++)
			known |= p->sas[i].spi_in == g->spi;
		e->verdict = XFP_VERDICT_DROP;
		e->reason = known ? XFP_DROP_NO_WORKER : XFP_DROP_NO_SA;
		return 0;
	}
	gen_dp_pkt(g, dir, &dp);
	dp_pkt_to_ref(&dp, dev, &rp);
	if (xfp_ref_classify(p,
			     dir ? XFP_LAYER_OUTBOUND_TRANSPORT :
				   XFP_LAYER_INBOUND_TRANSPORT,
			     &rp, &d))
		return -1;
	dp_outcome(&d, &e->verdict, &e->reason, &fl);
	e->tfilter = d.filter_id;
	if (e->verdict == XFP_VERDICT_PASS && gen_new_conn(g)) {
		if (xfp_ref_classify(p,
				     dir ? XFP_LAYER_ALE_AUTH_CONNECT :
					   XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
				     &rp, &d))
			return -1;
		dp_outcome(&d, &e->verdict, &e->reason, &fl);
		e->afilter = d.filter_id;
		e->ale = true;
	}
	return 0;
}

/* Parse + finalize policy text; NULL (errors printed as TAP comments). */
static inline struct xfp_policy *gen_load(const char *text, size_t len)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors err = { 0 };

	if (!p)
		return NULL;
	if (xfp_policy_parse_string(p, "gen", text, len, XFP_PARSE_NO_KEYS,
				    &err) ||
	    xfp_policy_finalize(p, &err)) {
		for (unsigned i = 0; i < err.n && i < 5; i++)
			printf("# policy error: %u:%u: %s\n", err.v[i].line,
			       err.v[i].col, err.v[i].msg);
		xfp_errors_free(&err);
		xfp_policy_free(p);
		return NULL;
	}
	xfp_errors_free(&err);
	return p;
}

#endif
