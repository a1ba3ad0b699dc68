// SPDX-License-Identifier: GPL-2.0
/*
 * test_flows_full.c - the flow cache full: eviction (a new flow taking
 * the slot of another) never turns a block into a permit, nor a permit
 * into a block.
 *
 * The policy blocks UDP to local port 7777 (filter-block) and permits the
 * rest (WFP's default).  The blocked flow is sent first, so its drop is
 * cached; then twice the cache's capacity (per CPU) of distinct permitted
 * flows goes through the ingress program, evicting everything many times
 * over.  Every 1024 permitted flows (every eighth of the cache, if
 * smaller) the blocked flow comes again, and a permitted flow seen before
 * (whose entry is long evicted) too: each must get its policy verdict,
 * counted with its reason.  The same then on egress (TC) with a block on
 * remote port 7777.  Finally the policy is replaced by its opposite while
 * the cache is full of entries of the old generation: the formerly blocked
 * flow passes and a formerly permitted one is blocked, both on the first
 * packet.
 *
 * All of it twice: with the default cache (XFP_FLOWS_DEFAULT slots) and
 * with the smallest `xfp attach --flow-cache` takes (XFP_FLOWS_MIN), where
 * the test also checks that the map has that size and that a flow's
 * second packet is served from the cache (the size and the slot mask
 * given to the programs agree).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/bpf/dp_env.h"

static struct dp_env env;
static unsigned long n_runs;
static uint32_t slots; /* flow cache slots of this round */

static void udp_frame(struct pkt *p, int dir, uint32_t i, uint16_t port)
{
	char a[32];

	snprintf(a, sizeof(a), "198.19.%u.%u", (i >> 8) & 255, i & 255);
	pkt_init(p);
	pkt_eth(p, ETH_P_IP);
	if (dir)
		pkt_ipv4(p, 17, "198.18.0.2", a);
	else
		pkt_ipv4(p, 17, a, "198.18.0.2");
	pkt_udp(p, (uint16_t)(1024 + (i >> 16)), port);
	if (dir) { /* egress: the remote port is the destination */
		p->data[p->l4] = 0x1f;
		p->data[p->l4 + 1] = 0x90; /* local port 8080 */
		p->data[p->l4 + 2] = (uint8_t)(port >> 8);
		p->data[p->l4 + 3] = (uint8_t)port;
	}
	pkt_payload(p, 8);
	pkt_finish(p);
}

/* 0 pass, or the drop reason; -1 if the run failed. */
static int run(int dir, const struct pkt *p)
{
	uint32_t prog = dir ? XFP_PROG_TC_EGRESS : XFP_PROG_XDP_INGRESS;
	uint64_t fb = percpu_packets(
		env.stats, XFP_STAT_INDEX(prog, XFP_STAT_DROP_BASE +
							XFP_DROP_FILTER_BLOCK));
	struct run_result r;
	int drop;

	n_runs++;
	if ((dir ? run_tc : run_xdp)(dir ? env.tc : env.xdp, p, &r))
		return -1;
	drop = dir ? r.retval == 2 : r.retval == 1;
	if (!drop)
		return 0;
	/* a drop: by the filter, counted once */
	if (percpu_packets(env.stats,
			   XFP_STAT_INDEX(prog,
					  XFP_STAT_DROP_BASE +
						  XFP_DROP_FILTER_BLOCK)) !=
	    fb + 1)
		return 100;
	return XFP_DROP_FILTER_BLOCK;
}

static int commit(const char *text)
{
	char err[256];

	if (dp_env_commit_text(&env, text, err, sizeof(err))) {
		printf("# commit failed: %s\n", err);
		return -1;
	}
	return 0;
}

static void flood(int dir, uint16_t blocked_port, uint16_t open_port)
{
	const uint32_t total = 2 * slots;
	const uint32_t every = slots >= 8192 ? 1024 : slots / 8;
	unsigned bad_block = 0, bad_pass = 0, bad_run = 0, probes = 0;
	struct pkt blocked, p;
	char name[160];
	int r;

	udp_frame(&blocked, dir, 0, blocked_port);
	r = run(dir, &blocked);
	snprintf(name, sizeof(name), "%s: blocked flow dropped (filter-block)",
		 dir ? "egress" : "ingress");
	tap_result(r == XFP_DROP_FILTER_BLOCK, name, "got %d", r);
	for (uint32_t i = 1; i <= total; i++) {
		udp_frame(&p, dir, i, open_port);
		r = run(dir, &p);
		if (r < 0)
			bad_run++;
		else if (r)
			bad_pass++;
		if (i % every)
			continue;
		probes++;
		/* the blocked flow, its entry evicted long ago */
		r = run(dir, &blocked);
		if (r != XFP_DROP_FILTER_BLOCK)
			bad_block++;
		/* a permitted flow seen before (1000 back at 1024) */
		udp_frame(&p, dir, i - every * 1000 / 1024, open_port);
		if (run(dir, &p) != 0)
			bad_pass++;
	}
	snprintf(name, sizeof(name),
		 "%s: %u permitted flows (2x the %u-entry cache) all pass",
		 dir ? "egress" : "ingress", total, slots);
	tap_result(!bad_pass && !bad_run, name, "%u dropped, %u failed runs",
		   bad_pass, bad_run);
	snprintf(name, sizeof(name),
		 "%s: blocked flow still blocked at each of %u probes while "
		 "the cache churns",
		 dir ? "egress" : "ingress", probes);
	tap_result(!bad_block && probes == total / every, name,
		   "%u probes passed", bad_block);
}

/* One round with a cache of n slots. */
static void round_with(uint32_t n)
{
	struct pkt p;
	char name[160];
	int r;

	slots = n;
	printf("# flow cache of %u slots per CPU\n", n);
	if (dp_env_open_flows(&env, XFP_CFG_TRACE, n) ||
	    commit("filter add b-in layer inbound-transport action block "
		   "protocol udp local-port 7777\n"
		   "filter add b-out layer outbound-transport action block "
		   "protocol udp remote-port 7777\n")) {
		tap_result(false, "load and commit the policy", "%s",
			   strerror(errno));
		dp_env_close(&env);
		return;
	}
	tap_result(true, "load and commit the policy", " ");
	snprintf(name, sizeof(name), "xfp_flows has %u slots", n);
	tap_result(bpf_map__max_entries(env.x->maps.xfp_flows) == n &&
			   bpf_map__max_entries(env.t->maps.xfp_flows) == n,
		   name, "xdp %u, tc %u",
		   bpf_map__max_entries(env.x->maps.xfp_flows),
		   bpf_map__max_entries(env.t->maps.xfp_flows));
	for (int dir = 0; dir < 2; dir++) {
		struct xfp_trace t = { 0 };

		udp_frame(&p, dir, 3, 5353);
		r = run(dir, &p);
		r = r == 0 ? run(dir, &p) : r;
		snprintf(name, sizeof(name),
			 "%s: a flow's second packet is a cache hit",
			 dir ? "egress" : "ingress");
		tap_result(r == 0 && !dp_env_trace(&env, &t) &&
				   (t.flags & XFP_TRACE_F_CACHE_HIT),
			   name, "verdict %d, trace flags 0x%x", r, t.flags);
	}
	flood(0, 7777, 5353);
	flood(1, 7777, 5353);

	/* Opposite policy, cache full of old-generation entries. */
	r = commit("filter add b-in layer inbound-transport action block "
		   "protocol udp local-port 5353\n"
		   "filter add b-out layer outbound-transport action block "
		   "protocol udp remote-port 5353\n");
	tap_result(r == 0, "commit the opposite policy", " ");
	for (int dir = 0; dir < 2; dir++) {
		udp_frame(&p, dir, 0, 7777);
		r = run(dir, &p);
		snprintf(name, sizeof(name),
			 "%s: formerly blocked flow now passes on its first "
			 "packet",
			 dir ? "egress" : "ingress");
		tap_result(r == 0, name, "got %d", r);
		udp_frame(&p, dir, 2 * slots, 5353);
		r = run(dir, &p);
		snprintf(name, sizeof(name),
			 "%s: formerly permitted (cached) flow now blocked on "
			 "its first packet",
			 dir ? "egress" : "ingress");
		tap_result(r == XFP_DROP_FILTER_BLOCK, name, "got %d", r);
	}
	dp_env_close(&env);
}

int main(void)
{
	harness_quiet_libbpf();
	round_with(XFP_FLOWS_DEFAULT);
	round_with(XFP_FLOWS_MIN);
	printf("# %lu program runs\n", n_runs);
	return tap_done();
}
