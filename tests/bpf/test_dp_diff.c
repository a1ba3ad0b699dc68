// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_diff.c - differential test of the datapath against the reference
 * classifier.
 *
 * For seeded random policies of 1 to 10,000 filters (dp_gen.h) the policy
 * is compiled and committed, then random packets are run through the real
 * XDP ingress and TC egress programs with BPF_PROG_TEST_RUN (trace on,
 * flow cache off).  For every packet the program's verdict, drop reason,
 * deciding filter at the transport layer and at the ALE layer must equal
 * what xfp_ref_classify() says for the same packet.  The seed is printed
 * with every result; XFP_SEED=N reproduces a run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bpf/dp_env.h"

struct plan {
	unsigned filters, policies, packets;
	int peers; /* per-peer policies: exact remote addresses */
};

/* Sizes and packet counts: well over 200,000 runs in all, with the big
 * policies given fewer packets because the oracle is linear. */
static const struct plan plans[] = {
	{ 1, 4, 5000, 0 },    { 5, 4, 5000, 0 },     { 20, 4, 5000, 0 },
	{ 100, 4, 5000, 0 },  { 300, 3, 4000, 0 },   { 1000, 3, 2500, 0 },
	{ 3000, 2, 1500, 0 }, { 10000, 1, 1200, 0 }, { 500, 2, 2500, 1 },
	{ 3000, 1, 2000, 1 }, { 300, 2, 3000, 2 },   { 3000, 2, 3000, 2 },
};

static unsigned long long runs_total, n_hash, n_buckets;

static int run_policy(struct dp_env *e, uint64_t seed, unsigned nf,
		      unsigned npk, int peers)
{
	struct gen_rng r = { seed, peers };
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	char err[512], name[160];
	unsigned bad = 0, build_us = 0;
	uint32_t shape[3] = { 0 };
	int ret;

	gen_policy_text(&r, nf, &b);
	snprintf(
		name, sizeof(name),
		"differential: seed %llu, %u %sfilters, %u packets x 2 directions",
		(unsigned long long)seed, nf,
		peers == 2 ? "per-peer " :
		peers	   ? "peer-heavy " :
			     "",
		npk);
	p = gen_load(b.s ? b.s : "", b.n);
	if (!p) {
		tap_result(false, name, "generated policy did not load");
		free(b.s);
		return 1;
	}
	ret = dp_env_commit(e, p, NULL, err, sizeof(err), &build_us, shape);
	if (ret) {
		tap_result(false, name, "commit failed: %s", err);
		goto out;
	}
	for (unsigned i = 0; i < npk; i++) {
		struct gen_pkt g;
		struct pkt f;

		gen_packet(&r, &g);
		dp_frame(&g, &f);
		for (int dir = 0; dir < 2; dir++) {
			struct gen_expect x;
			struct run_result rr;
			struct xfp_trace t0, t;
			uint32_t want_ret;

			if (gen_expected(p, &e->dev, &g, dir, &x)) {
				tap_result(false, name, "oracle failed");
				goto out;
			}
			dp_env_trace(e, &t0);
			if ((dir ? run_tc : run_xdp)(dir ? e->tc : e->xdp, &f,
						     &rr)) {
				tap_result(false, name, "test run: %s",
					   strerror(-rr.err));
				goto out;
			}
			runs_total++;
			dp_env_trace(e, &t);
			want_ret = x.verdict == XFP_VERDICT_DROP ?
					   (dir ? 2u /* TC_ACT_SHOT */ : 1u) :
					   (dir ? 0u : 2u /* XDP_PASS */);
			if (rr.retval == want_ret && t.seq == t0.seq + 1 &&
			    t.verdict == x.verdict && t.reason == x.reason &&
			    t.tfilter == x.tfilter && t.afilter == x.afilter &&
			    !!(t.flags & XFP_TRACE_F_ALE) == x.ale &&
			    t.generation == e->generation)
				continue;
			if (++bad <= 3) {
				char sa[64], da[64];

				inet_ntop(g.family == 4 ? AF_INET : AF_INET6,
					  g.saddr, sa, sizeof(sa));
				inet_ntop(g.family == 4 ? AF_INET : AF_INET6,
					  g.daddr, da, sizeof(da));
				printf("# seed %llu packet %u %s: %s > %s proto %u "
				       "ports %u>%u icmp %u/%u tcp 0x%02x frag %d/%d\n"
				       "#   bpf: ret %u verdict %u reason %u "
				       "filters %llu/%llu ale %d seq+%llu\n"
				       "#   ref: ret %u verdict %u reason %u "
				       "filters %llu/%llu ale %d\n",
				       (unsigned long long)seed, i,
				       dir ? "egress" : "ingress", sa, da,
				       g.proto, g.sport, g.dport, g.icmp_type,
				       g.icmp_code, g.tcp_flags, g.first_frag,
				       g.later_frag, rr.retval, t.verdict,
				       t.reason, (unsigned long long)t.tfilter,
				       (unsigned long long)t.afilter,
				       !!(t.flags & XFP_TRACE_F_ALE),
				       (unsigned long long)(t.seq - t0.seq),
				       want_ret, x.verdict, x.reason,
				       (unsigned long long)x.tfilter,
				       (unsigned long long)x.afilter, x.ale);
			}
		}
	}
	if (bad)
		tap_result(false, name,
			   "%u packets differ from the reference (rerun with "
			   "XFP_SEED=%llu)",
			   bad, (unsigned long long)seed);
	else
		tap_result(true, name, " ");
	printf("#   compiled in %u us: %u nodes, %u hash nodes, %u buckets\n",
	       build_us, shape[0], shape[1], shape[2]);
	n_hash += shape[1];
	n_buckets += shape[2];
out:
	xfp_policy_free(p);
	free(b.s);
	return bad ? 1 : 0;
}

int main(void)
{
	const char *env = getenv("XFP_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL);
	struct dp_env e;
	int r;

	harness_quiet_libbpf();
	printf("# base seed %llu (XFP_SEED=%llu to repeat)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	r = dp_env_open(&e, XFP_CFG_TRACE | XFP_CFG_NO_CACHE);
	if (r) {
		tap_result(false, "load xfp_xdp and xfp_tc with trace", "%s",
			   strerror(-r));
		return tap_done();
	}
	tap_result(true, "load xfp_xdp and xfp_tc with trace (verifier)", " ");
	for (size_t i = 0; i < sizeof(plans) / sizeof(plans[0]); i++)
		for (unsigned k = 0; k < plans[i].policies; k++)
			run_policy(&e, seed * 1000003ull + i * 100 + k,
				   plans[i].filters, plans[i].packets,
				   plans[i].peers);
	tap_result(runs_total >= 200000,
		   "at least 200,000 packets compared with the reference",
		   "only %llu", runs_total);
	printf("# %llu packets run through BPF and compared\n", runs_total);
	/* The comparison must have covered every kind of tree node. */
	tap_result(n_hash > 0 && n_buckets > 0,
		   "hash nodes and buckets were exercised",
		   "hash nodes %llu, buckets %llu", n_hash, n_buckets);
	dp_env_close(&e);
	return tap_done();
}
