// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_compile.c - the datapath compiler against the reference
 * classifier, without the kernel: random policies (tests/bpf/dp_gen.h)
 * are compiled and the table is walked in userspace with dp_table_lookup()
 * (the same walk and bucket merge as bpf/lib/dp.h); the decision and the
 * deciding filter must equal xfp_ref_classify() at every packet layer.
 * Also: limits are refused with a message, and the table layout holds
 * (header, roots in range, the policy text stored).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/compile.h"
#include "tests/bpf/dp_gen.h"

static const struct dp_device dev = { .ifindex = GEN_DEV_INDEX,
				      .ifname = GEN_DEV_NAME };

/* Compare every layer for n packets; returns the number of mismatches. */
static unsigned compare(uint64_t seed, unsigned nfilters, unsigned npk,
			int peers)
{
	struct gen_rng r = { seed, peers };
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	struct dp_table t;
	char err[256];
	unsigned bad = 0;

	gen_policy_text(&r, nfilters, &b);
	p = gen_load(b.s ? b.s : "", b.n);
	assert_non_null(p);
	if (dp_compile(p, &dev, b.s, b.n, 7, &t, err, sizeof(err))) {
		print_message("seed %llu: compile failed: %s\n",
			      (unsigned long long)seed, err);
		xfp_policy_free(p);
		free(b.s);
		return 1;
	}
	for (unsigned i = 0; i < npk; i++) {
		struct gen_pkt g;

		gen_packet(&r, &g);
		for (int layer = 0; layer < XFP_DP_LAYERS; layer++) {
			int dir = layer == XFP_LAYER_OUTBOUND_TRANSPORT ||
				  layer == XFP_LAYER_ALE_AUTH_CONNECT;
			struct xfp_dp_decision got;
			struct xfp_decision want;
			struct xfp_pkt rp;
			struct dp_pkt dp;
			uint8_t v, why;

			gen_dp_pkt(&g, dir, &dp);
			dp_pkt_to_ref(&dp, &dev, &rp);
			assert_int_equal(xfp_ref_classify(p, layer, &rp, &want),
					 0);
			dp_outcome(&want, &v, &why, NULL);
			if (dp_table_lookup(&t, layer, &dp, &got, NULL) ||
			    got.verdict != v || got.reason != why ||
			    got.filter_id != want.filter_id) {
				if (++bad <= 3)
					print_message(
						"seed %llu packet %u layer %s: "
						"table %u/%u filter %llu, ref "
						"%u/%u filter %llu\n",
						(unsigned long long)seed, i,
						xfp_layer_name(layer),
						got.verdict, got.reason,
						(unsigned long long)
							got.filter_id,
						v, why,
						(unsigned long long)
							want.filter_id);
			}
		}
	}
	dp_table_free(&t);
	xfp_policy_free(p);
	free(b.s);
	return bad;
}

static void small_policies_match_reference(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 60; s++)
		bad += compare(s * 7919, 1 + (unsigned)(s % 40), 400, 0);
	assert_int_equal(bad, 0);
}

static void medium_policies_match_reference(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 4; s++)
		bad += compare(s * 104729, 150 + 50 * (unsigned)s, 1500, 0);
	assert_int_equal(bad, 0);
}

/* Mostly one filter per peer: the tree uses hash nodes. */
static void per_peer_policies_match_reference(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 4; s++)
		bad += compare(s * 15485863, 100 + 150 * (unsigned)s, 1500, 2);
	assert_int_equal(bad, 0);
}

static void table_layout(void **state)
{
	static const char text[] =
		"filter add a layer inbound-transport action block "
		"protocol tcp local-port 22\n";
	struct xfp_policy *p = gen_load(text, strlen(text));
	const struct xfp_dp_header *h;
	struct dp_table t;
	char err[256];

	(void)state;
	assert_non_null(p);
	assert_int_equal(dp_compile(p, &dev, text, strlen(text), 42, &t, err,
				    sizeof(err)),
			 0);
	h = (const void *)&t.recs[0];
	assert_int_equal(h->magic, XFP_DP_MAGIC);
	assert_int_equal(h->generation, 42);
	assert_int_equal(h->n_recs, t.n);
	for (int i = 0; i < XFP_DP_ROOTS; i++) {
		const struct xfp_dp_roots *r = (const void *)&t.recs[1 + i / 8];

		assert_true(r->root[i % 8] >= XFP_DP_HDR_RECS &&
			    r->root[i % 8] < t.n);
	}
	assert_int_equal(t.info.src_len, strlen(text));
	assert_memory_equal(&t.recs[t.info.src_base], text, strlen(text));
	assert_int_equal(t.info.n_compiled, 1);
	dp_table_free(&t);
	xfp_policy_free(p);
}

static void too_many_boxes_refused(void **state)
{
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	struct dp_table t;
	char err[256];

	(void)state;
	/* 300 x 300 OR-values: 90,000 boxes for one filter. */
	gen_printf(&b, "filter add big layer inbound-transport action permit "
		       "local-port { ");
	for (int i = 0; i < 300; i++)
		gen_printf(&b, "%s%d", i ? ", " : "", i * 3);
	gen_printf(&b, " } remote-port { ");
	for (int i = 0; i < 300; i++)
		gen_printf(&b, "%s%d", i ? ", " : "", i * 3);
	gen_printf(&b, " }\n");
	p = gen_load(b.s, b.n);
	assert_non_null(p);
	assert_int_not_equal(
		dp_compile(p, &dev, NULL, 0, 1, &t, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "'big'"));
	assert_null(t.recs);
	xfp_policy_free(p);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_layout),
		cmocka_unit_test(too_many_boxes_refused),
		cmocka_unit_test(small_policies_match_reference),
		cmocka_unit_test(medium_policies_match_reference),
		cmocka_unit_test(per_peer_policies_match_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
