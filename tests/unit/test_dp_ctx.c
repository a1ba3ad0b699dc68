// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_ctx.c - protection contexts of the compiled table against the
 * reference classifier.  A packet the worker decrypted is judged in the
 * context of its SA (bpf/xfp_abi.h XFP_CTX_*): secured, encrypted or not,
 * the policy SA it came over (filter binding) and the identities that SA
 * authenticated.  Random policies (tests/bpf/dp_gen.h) get manual SAs,
 * identity access lists, require-encryption callouts and ipsec-flags
 * conditions added; for random packets, every context and every packet
 * layer, the table walked in userspace (dp_table_lookup(), the walk of
 * bpf/lib/dp.h) must decide exactly what xfp_ref_classify() decides for
 * the same packet with that protection state.  Seeds are printed on a
 * mismatch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/compile.h"
#include "tests/bpf/dp_gen.h"

static const struct dp_device dev = { .ifindex = GEN_DEV_INDEX,
				      .ifname = GEN_DEV_NAME };

static void addr_text(struct gen_rng *r, int fam, char *buf, size_t len)
{
	uint8_t a[16];

	if (fam == 4) {
		gen_v4(r, a);
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else {
		gen_v6(r, a);
		snprintf(buf, len, "2001:db8::%x:%x", a[14], a[15]);
	}
}

/* The IPsec part appended to a random policy. */
static void ipsec_text(struct gen_rng *r, struct gen_buf *b)
{
	static const char *const algs[] = { "aes128gcm16", "sha256",
					     "aes128gmac", "chacha20poly1305" };
	static const char *const ids[] = { "machine:m1", "machine:m2",
					   "machine:m3", "user:u1", "user:u2",
					   "user:u3" };
	unsigned nsa = 1 + gen_below(r, 4);

	gen_printf(b, "group add g1 { machine:m1, machine:m2 }\n");
	gen_printf(b, "group add g2 { user:u1, group:g1 }\n");
	for (unsigned i = 0; i < nsa; i++) {
		int fam = gen_chance(r, 50) ? 4 : 6;
		char l[64], rm[64];

		addr_text(r, fam, l, sizeof(l));
		addr_text(r, fam, rm, sizeof(rm));
		gen_printf(b,
			   "filter add sa%u-in layer inbound-transport "
			   "local-addr %s remote-addr %s action "
			   "inbound-transport%s\n",
			   i, l, rm,
			   gen_chance(r, 50) ?
				   " context persist-connection-security" :
				   "");
		gen_printf(b,
			   "filter add sa%u-out layer outbound-transport "
			   "local-addr %s remote-addr %s action "
			   "outbound-transport\n",
			   i, l, rm);
		gen_printf(b,
			   "sa add s%u filter sa%u-out inbound-filter sa%u-in "
			   "spi-in %u spi-out %u alg %s key-file none",
			   i, i, i, 0x1000 + i, 0x2000 + i,
			   algs[gen_below(r, 4)]);
		if (gen_chance(r, 70))
			gen_printf(b, " remote-id { %s, %s }",
				   ids[gen_below(r, 3)],
				   ids[3 + gen_below(r, 3)]);
		gen_printf(b, "\n");
	}
	for (unsigned i = 0; i < 3; i++) {
		unsigned port = gen_port(r);

		gen_printf(b,
			   "filter add id%u layer ale-auth-recv-accept "
			   "protocol tcp local-port %u remote-machine-id { "
			   "deny m3, allow group:g1 } remote-user-id { allow "
			   "group:g2 } action inbound-initiate-secure%s\n",
			   i, port,
			   gen_chance(r, 50) ? " context require-encryption" :
					       "");
		gen_printf(b,
			   "filter add idb%u layer ale-auth-recv-accept "
			   "protocol tcp local-port %u action block\n",
			   i, port);
		gen_printf(b,
			   "filter add enc%u layer ale-auth-connect protocol "
			   "tcp local-port %u action ale-connect context "
			   "require-encryption\n",
			   i, gen_port(r));
		gen_printf(b,
			   "filter add fl%u layer %s ipsec-flags %s secured "
			   "action %s\n",
			   i,
			   gen_chance(r, 50) ? "inbound-transport" :
					       "ale-auth-recv-accept",
			   gen_chance(r, 50) ? "all-set" : "none-set",
			   gen_chance(r, 50) ? "permit" : "block");
	}
}

static unsigned compare(uint64_t seed, unsigned nfilters, unsigned npk)
{
	struct gen_rng r = { seed, 0 };
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	struct dp_table t;
	char err[256];
	unsigned bad = 0, nctx;

	gen_policy_text(&r, nfilters, &b);
	ipsec_text(&r, &b);
	p = gen_load(b.s ? b.s : "", b.n);
	if (!p) {
		print_message("seed %llu: policy refused\n",
			      (unsigned long long)seed);
		free(b.s);
		return 1;
	}
	if (dp_compile(p, &dev, b.s, b.n, 7, &t, err, sizeof(err))) {
		print_message("seed %llu: compile failed: %s\n",
			      (unsigned long long)seed, err);
		xfp_policy_free(p);
		free(b.s);
		return 1;
	}
	nctx = dp_table_n_ctx(&t);
	if (nctx != XFP_CTX_SA_BASE + p->n_sas) {
		print_message("seed %llu: %u contexts for %u SAs\n",
			      (unsigned long long)seed, nctx, p->n_sas);
		bad++;
	}
	for (unsigned i = 0; i < npk; i++) {
		struct gen_pkt g;

		gen_packet(&r, &g);
		for (unsigned c = 0; c < nctx; c++) {
			for (int layer = 0; layer < XFP_DP_LAYERS; layer++) {
				int dir = layer == XFP_LAYER_OUTBOUND_TRANSPORT ||
					  layer == XFP_LAYER_ALE_AUTH_CONNECT;
				struct xfp_dp_decision got;
				struct xfp_decision want;
				struct xfp_pkt rp;
				struct dp_pkt dp;
				uint8_t v, why;

				/* outbound transport is judged clear only */
				if (c && layer == XFP_LAYER_OUTBOUND_TRANSPORT)
					continue;
				gen_dp_pkt(&g, dir, &dp);
				dp.ctx = (uint8_t)c;
				dp_pkt_to_ref(&dp, &dev, &rp);
				dp_ctx_to_ref(p, c, &rp);
				assert_int_equal(
					xfp_ref_classify(p, layer, &rp, &want),
					0);
				dp_outcome(&want, &v, &why, NULL);
				if (dp_table_lookup(&t, layer, &dp, &got,
						    NULL) ||
				    got.verdict != v || got.reason != why ||
				    got.filter_id != want.filter_id) {
					if (++bad <= 3)
						print_message(
							"seed %llu packet %u ctx %u "
							"layer %s: table %u/%u "
							"filter %llu, ref %u/%u "
							"filter %llu\n",
							(unsigned long long)seed,
							i, c,
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
	}
	dp_table_free(&t);
	xfp_policy_free(p);
	free(b.s);
	return bad;
}

static void contexts_match_reference(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 40; s++)
		bad += compare(s * 6700417, 1 + (unsigned)(s % 60), 300);
	assert_int_equal(bad, 0);
}

static void larger_policies_contexts(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 3; s++)
		bad += compare(s * 2147483647ull, 300 * (unsigned)s, 800);
	assert_int_equal(bad, 0);
}

/* Without SAs and without a worker asking for them: no contexts (the
 * commit of a large clear-text policy pays nothing for them); with
 * dev.contexts, the generic ones. */
static void contexts_only_when_needed(void **state)
{
	static const char text[] =
		"filter add a layer inbound-transport protocol tcp action "
		"inbound-transport\n"
		"filter add b layer ale-auth-recv-accept protocol tcp action "
		"inbound-initiate-secure context require-encryption\n";
	struct dp_device d2 = dev;
	struct xfp_policy *p = gen_load(text, sizeof(text) - 1);
	struct dp_table t;
	char err[256];

	(void)state;
	assert_non_null(p);
	assert_int_equal(dp_compile(p, &dev, text, sizeof(text) - 1, 1, &t,
				    err, sizeof(err)),
			 0);
	assert_int_equal(dp_table_n_ctx(&t), 0);
	dp_table_free(&t);
	d2.contexts = true;
	assert_int_equal(dp_compile(p, &d2, text, sizeof(text) - 1, 1, &t, err,
				    sizeof(err)),
			 0);
	assert_int_equal(dp_table_n_ctx(&t), XFP_CTX_SA_BASE);
	{
		/* encrypted: the ALE filter permits; secured only: blocks */
		struct dp_pkt dp = { .family = 4, .proto = 6,
				     .local_port = 80, .remote_port = 999 };
		struct xfp_dp_decision got;

		dp.local.b[10] = dp.local.b[11] = 0xff;
		dp.remote.b[10] = dp.remote.b[11] = 0xff;
		dp.local.b[12] = 198;
		dp.remote.b[12] = 198;
		dp.ctx = XFP_CTX_ENCRYPTED;
		assert_int_equal(dp_table_lookup(&t,
						 XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
						 &dp, &got, NULL),
				 0);
		assert_int_equal(got.verdict, XFP_VERDICT_PASS);
		dp.ctx = XFP_CTX_SECURED;
		assert_int_equal(dp_table_lookup(&t,
						 XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
						 &dp, &got, NULL),
				 0);
		assert_int_equal(got.verdict, XFP_VERDICT_DROP);
		assert_int_equal(got.reason, XFP_DROP_ALE_BLOCK);
		dp.ctx = XFP_CTX_CLEAR;
		assert_int_equal(dp_table_lookup(&t,
						 XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
						 &dp, &got, NULL),
				 0);
		assert_int_equal(got.verdict, XFP_VERDICT_DROP);
		/* a context the table does not have: refused */
		dp.ctx = XFP_CTX_SA_BASE;
		assert_int_not_equal(
			dp_table_lookup(&t, XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
					&dp, &got, NULL),
			0);
	}
	dp_table_free(&t);
	xfp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contexts_match_reference),
		cmocka_unit_test(larger_policies_contexts),
		cmocka_unit_test(contexts_only_when_needed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
