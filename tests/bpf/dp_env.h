/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dp_env.h - load the XDP ingress and TC egress programs as one datapath
 * (shared policy, flow cache, trace and counters), commit policies into
 * it, and build frames from dp_gen.h packets.  Header-only: the bpf tier
 * links only harness.c.
 */
#ifndef XFP_TESTS_DP_ENV_H
#define XFP_TESTS_DP_ENV_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include "bpf/xfp_abi.h"
#include "bpf/xfp_tc.skel.h"
#include "bpf/xfp_xdp.skel.h"
#include "policy/compile.h"
#include "policy/dp_commit.h"
#include "tests/bpf/dp_gen.h"
#include "tests/bpf/harness.h"

struct dp_env {
	struct xfp_xdp *x;
	struct xfp_tc *t;
	int xdp, tc; /* program fds */
	int outer; /* xfp_policy */
	int trace; /* xfp_trace */
	int stats; /* xfp_stats */
	uint64_t generation;
	struct dp_device dev;
};

/* Load both programs as `xfp attach --flow-cache flow_slots` does. */
static inline int dp_env_open_flows(struct dp_env *e, uint32_t cfg,
				    uint32_t flow_slots)
{
	memset(e, 0, sizeof(*e));
	e->dev.ifindex = GEN_DEV_INDEX;
	snprintf(e->dev.ifname, sizeof(e->dev.ifname), "%s", GEN_DEV_NAME);
	e->x = xfp_xdp__open();
	if (!e->x)
		return -errno;
	e->x->rodata->xfp_cfg = cfg;
	e->x->rodata->xfp_flow_mask = flow_slots - 1;
	if (bpf_map__set_max_entries(e->x->maps.xfp_flows, flow_slots) ||
	    xfp_xdp__load(e->x))
		return -errno;
	e->t = xfp_tc__open();
	if (!e->t)
		return -errno;
	e->t->rodata->xfp_cfg = cfg;
	e->t->rodata->xfp_flow_mask = flow_slots - 1;
	if (bpf_map__reuse_fd(e->t->maps.xfp_policy,
			      bpf_map__fd(e->x->maps.xfp_policy)) ||
	    bpf_map__reuse_fd(e->t->maps.xfp_flows,
			      bpf_map__fd(e->x->maps.xfp_flows)) ||
	    bpf_map__reuse_fd(e->t->maps.xfp_trace,
			      bpf_map__fd(e->x->maps.xfp_trace)) ||
	    bpf_map__reuse_fd(e->t->maps.xfp_stats,
			      bpf_map__fd(e->x->maps.xfp_stats)) ||
	    bpf_map__reuse_fd(e->t->maps.xfp_proto_stats,
			      bpf_map__fd(e->x->maps.xfp_proto_stats)) ||
	    bpf_map__reuse_fd(e->t->maps.xfp_conns,
			      bpf_map__fd(e->x->maps.xfp_conns)))
		return -errno;
	if (xfp_tc__load(e->t))
		return -errno;
	e->xdp = bpf_program__fd(e->x->progs.xfp_xdp_ingress);
	e->tc = bpf_program__fd(e->t->progs.xfp_tc_egress);
	e->outer = bpf_map__fd(e->x->maps.xfp_policy);
	e->trace = bpf_map__fd(e->x->maps.xfp_trace);
	e->stats = bpf_map__fd(e->x->maps.xfp_stats);
	return 0;
}

static inline int dp_env_open(struct dp_env *e, uint32_t cfg)
{
	return dp_env_open_flows(e, cfg, XFP_FLOWS_DEFAULT);
}

static inline void dp_env_close(struct dp_env *e)
{
	xfp_tc__destroy(e->t);
	xfp_xdp__destroy(e->x);
}

/* Compile and commit p; 0 or -errno with the reason in err. */
static inline int dp_env_commit(struct dp_env *e, const struct xfp_policy *p,
				const char *src, char *err, size_t errlen,
				unsigned *build_us, uint32_t *shape)
{
	struct dp_table t;
	int r;

	r = dp_compile(p, &e->dev, src, src ? strlen(src) : 0,
		       e->generation + 1, &t, err, errlen);
	if (r)
		return r;
	if (build_us)
		*build_us = t.info.build_us;
	if (shape) { /* nodes, hash nodes, buckets */
		shape[0] = t.info.n_nodes;
		shape[1] = t.n_hash;
		shape[2] = t.n_buckets;
	}
	r = dp_commit(e->outer, &t, err, errlen);
	dp_table_free(&t);
	if (!r)
		e->generation++;
	return r;
}

static inline int dp_env_commit_text(struct dp_env *e, const char *text,
				     char *err, size_t errlen)
{
	struct xfp_policy *p = gen_load(text, strlen(text));
	int r;

	if (!p) {
		snprintf(err, errlen, "policy text did not parse");
		return -EINVAL;
	}
	r = dp_env_commit(e, p, text, err, errlen, NULL, NULL);
	xfp_policy_free(p);
	return r;
}

static inline int dp_env_trace(struct dp_env *e, struct xfp_trace *t)
{
	uint32_t k = 0;

	return bpf_map_lookup_elem(e->trace, &k, t) ? -errno : 0;
}

/*
 * The frame of a generated packet in direction dir (0: arriving, built
 * src=remote; 1: leaving).  The packet's saddr/daddr are wire order, so
 * the frame is the same either way; only the program differs.
 */
static inline void dp_frame(const struct gen_pkt *g, struct pkt *p)
{
	char s[64], d[64];
	uint8_t l4 = g->proto;

	pkt_init(p);
	if (g->family == 4) {
		inet_ntop(AF_INET, g->saddr, s, sizeof(s));
		inet_ntop(AF_INET, g->daddr, d, sizeof(d));
		pkt_eth(p, ETH_P_IP);
		pkt_ipv4(p, l4, s, d);
		if (g->later_frag) {
			p->data[p->l3 + 6] = 0x00;
			p->data[p->l3 + 7] = 0x20; /* offset 32 * 8 */
		} else if (g->first_frag) {
			p->data[p->l3 + 6] = 0x20; /* MF, offset 0 */
		}
	} else {
		inet_ntop(AF_INET6, g->saddr, s, sizeof(s));
		inet_ntop(AF_INET6, g->daddr, d, sizeof(d));
		pkt_eth(p, ETH_P_IPV6);
		if (g->later_frag || g->first_frag) {
			uint8_t fh[8] = { l4, 0, 0, 0, 0, 0, 0, 42 };

			if (g->later_frag)
				fh[3] = 0x40; /* offset 8 * 8 */
			else
				fh[3] = 0x01; /* M flag */
			pkt_ipv6(p, 44, s, d);
			pkt_bytes(p, fh, sizeof(fh));
			p->l4 = p->len;
		} else {
			pkt_ipv6(p, l4, s, d);
		}
	}
	p->l4_proto = l4;
	if (g->later_frag) {
		pkt_payload(p, 24);
		p->l4_proto = 0; /* no UDP length to fix */
		pkt_finish(p);
		return;
	}
	switch (l4) {
	case 6:
		pkt_tcp(p, g->sport, g->dport, g->tcp_flags);
		break;
	case 17: {
		static const uint8_t marker[12] = { 0 }; /* non-ESP marker */

		pkt_udp(p, g->sport, g->dport);
		pkt_bytes(p, marker, sizeof(marker));
		break;
	}
	case 136: {
		uint8_t h[8] = { (uint8_t)(g->sport >> 8),
				 (uint8_t)g->sport,
				 (uint8_t)(g->dport >> 8),
				 (uint8_t)g->dport,
				 0,
				 8,
				 0,
				 0 };
		pkt_bytes(p, h, sizeof(h));
		break;
	}
	case 132: {
		uint8_t h[12] = { (uint8_t)(g->sport >> 8), (uint8_t)g->sport,
				  (uint8_t)(g->dport >> 8), (uint8_t)g->dport };
		pkt_bytes(p, h, sizeof(h));
		break;
	}
	case 1:
	case 58:
		pkt_icmp(p, g->icmp_type, g->icmp_code);
		break;
	case 50:
		pkt_esp(p, g->spi, 1);
		pkt_payload(p, 16);
		break;
	case 51: {
		/* 24 bytes (length field 4): the fixed 12 and a 12-byte ICV,
		 * the payload below; valid on IPv4 and IPv6. */
		uint8_t ah[12] = { 59,
				   4,
				   0,
				   0,
				   (uint8_t)(g->spi >> 24),
				   (uint8_t)(g->spi >> 16),
				   (uint8_t)(g->spi >> 8),
				   (uint8_t)g->spi,
				   0,
				   0,
				   0,
				   1 };
		pkt_bytes(p, ah, sizeof(ah));
		pkt_payload(p, 12);
		break;
	}
	default:
		pkt_payload(p, 16);
	}
	pkt_finish(p);
}

#endif
