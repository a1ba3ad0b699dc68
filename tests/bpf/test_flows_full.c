// SPDX-License-Identifier: GPL-2.0
/*
 * test_flows_full.c - the flow cache full: eviction (a new flow taking
 * the slot of another) never turns a block into a permit, nor a permit
 * into a block.
 *
 * The policy blocks UDP to local port 7777 (filter-block) and permits the
 * rest (WFP's default).  The blocked flow is sent first, so its drop is
 * cached; then twice the cache's capacity (XFP_FLOWS_MAX per CPU) of
 * distinct permitted flows goes through the ingress program, evicting
 * everything many times over.  Every 1024 permitted flows the blocked flow
 * comes again, and a permitted flow seen before (whose entry is long
 * evicted) too: each must get its policy verdict, counted with its reason.
 * The same then on egress (TC) with a block on remote port 7777.  Finally
 * the policy is replaced by its opposite while the cache is full of
 * entries of the old generation: the formerly blocked flow passes and a
 * formerly permitted one is blocked, both on the first packet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/bpf/dp_env.h"

static struct dp_env env;
static unsigned long n_runs;

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
	const uint32_t total = 2 * XFP_FLOWS_MAX;
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
		if (i % 1024)
			continue;
		probes++;
		/* the blocked flow, its entry evicted long ago */
		r = run(dir, &blocked);
		if (r != XFP_DROP_FILTER_BLOCK)
			bad_block++;
		/* a permitted flow from 1000 flows back */
		udp_frame(&p, dir, i - 1000, open_port);
		if (run(dir, &p) != 0)
			bad_pass++;
	}
	snprintf(name, sizeof(name),
		 "%s: %u permitted flows (2x the %u-entry cache) all pass",
		 dir ? "egress" : "ingress", total, XFP_FLOWS_MAX);
	tap_result(!bad_pass && !bad_run, name, "%u dropped, %u failed runs",
		   bad_pass, bad_run);
	snprintf(name, sizeof(name),
		 "%s: blocked flow still blocked at each of %u probes while "
		 "the cache churns",
		 dir ? "egress" : "ingress", probes);
	tap_result(!bad_block && probes == total / 1024, name,
		   "%u probes passed", bad_block);
}

int main(void)
{
	struct pkt p;
	int r;

	harness_quiet_libbpf();
	if (dp_env_open(&env, 0) ||
	    commit("filter add b-in layer inbound-transport action block "
		   "protocol udp local-port 7777\n"
		   "filter add b-out layer outbound-transport action block "
		   "protocol udp remote-port 7777\n")) {
		tap_result(false, "load and commit the policy", "%s",
			   strerror(errno));
		return tap_done();
	}
	tap_result(true, "load and commit the policy", " ");
	flood(0, 7777, 5353);
	flood(1, 7777, 5353);

	/* Opposite policy, cache full of old-generation entries. */
	r = commit("filter add b-in layer inbound-transport action block "
		   "protocol udp local-port 5353\n"
		   "filter add b-out layer outbound-transport action block "
		   "protocol udp remote-port 5353\n");
	tap_result(r == 0, "commit the opposite policy", " ");
	for (int dir = 0; dir < 2; dir++) {
		char name[128];

		udp_frame(&p, dir, 0, 7777);
		r = run(dir, &p);
		snprintf(name, sizeof(name),
			 "%s: formerly blocked flow now passes on its first "
			 "packet",
			 dir ? "egress" : "ingress");
		tap_result(r == 0, name, "got %d", r);
		udp_frame(&p, dir, 2 * XFP_FLOWS_MAX, 5353);
		r = run(dir, &p);
		snprintf(name, sizeof(name),
			 "%s: formerly permitted (cached) flow now blocked on "
			 "its first packet",
			 dir ? "egress" : "ingress");
		tap_result(r == XFP_DROP_FILTER_BLOCK, name, "got %d", r);
	}
	printf("# %lu program runs\n", n_runs);
	dp_env_close(&env);
	return tap_done();
}
