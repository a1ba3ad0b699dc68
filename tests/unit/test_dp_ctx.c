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
					   "machine:m3", "user:u1",
					   "user:u2",	 "user:u3" };
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

/* Packet dp in protection context c at layer: the compiled table's
 * decision (*got) against the reference's (*want, outcome *v / *why);
 * true when they differ in verdict, reason or deciding filter. */
static bool ctx_differs(const struct xfp_policy *p, const struct dp_table *t,
			const struct dp_device *d, enum xfp_layer layer,
			struct dp_pkt *dp, unsigned c,
			struct xfp_dp_decision *got, struct xfp_decision *want,
			uint8_t *v, uint8_t *why)
{
	struct xfp_pkt rp;

	dp->ctx = (uint8_t)c;
	dp_pkt_to_ref(dp, d, &rp);
	dp_ctx_to_ref(p, c, &rp);
	assert_int_equal(xfp_ref_classify(p, layer, &rp, want), 0);
	dp_outcome(want, v, why, NULL);
	return dp_table_lookup(t, layer, dp, got, NULL) || got->verdict != *v ||
	       got->reason != *why || got->filter_id != want->filter_id;
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
				int dir =
					layer == XFP_LAYER_OUTBOUND_TRANSPORT ||
					layer == XFP_LAYER_ALE_AUTH_CONNECT;
				struct xfp_dp_decision got;
				struct xfp_decision want;
				struct dp_pkt dp;
				uint8_t v, why;

				/* outbound transport is judged clear only */
				if (c && layer == XFP_LAYER_OUTBOUND_TRANSPORT)
					continue;
				gen_dp_pkt(&g, dir, &dp);
				if (ctx_differs(p, &t, &dev,
						(enum xfp_layer)layer, &dp, c,
						&got, &want, &v, &why)) {
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
	assert_int_equal(dp_compile(p, &dev, text, sizeof(text) - 1, 1, &t, err,
				    sizeof(err)),
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
		struct dp_pkt dp = { .family = 4,
				     .proto = 6,
				     .local_port = 80,
				     .remote_port = 999 };
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
			dp_table_lookup(&t, XFP_LAYER_ALE_AUTH_RECV_ACCEPT, &dp,
					&got, NULL),
			0);
	}
	dp_table_free(&t);
	xfp_policy_free(p);
}

/*
 * The example policies of the WFP scenarios (docs/scenarios.md), each with
 * the manual SAs its *_sa.sh test adds: every context of the compiled
 * table decides as the reference does for a grid of the scenarios'
 * addresses, protocols and ports, at every layer.
 */
struct scn {
	const char *file, *extra;
};

#define SA_PAIR(ALG, ID)                                                      \
	"filter add p-in layer inbound-transport local-addr-type unicast "    \
	"local-addr 198.18.0.1 remote-addr 198.18.0.2 action "                \
	"inbound-transport context persist-connection-security\n"             \
	"filter add p-out layer outbound-transport local-addr-type unicast "  \
	"local-addr 198.18.0.1 remote-addr 198.18.0.2 action "                \
	"outbound-transport context negotiate-discover\n"                     \
	"sa add peer filter p-out inbound-filter p-in spi-in 0x1101 spi-out " \
	"0x1102 alg " ALG " key-file none " ID "\n"

static const struct scn scns[] = {
	{ "transport.pol", SA_PAIR("aes128gcm16", "") },
	{ "nd-transport.pol", SA_PAIR("aes128gcm16", "") },
	{ "nd-boundary.pol", SA_PAIR("aes128gcm16", "") },
	{ "guaranteed-encryption.pol", SA_PAIR("sha256", "") },
	{ "remote-identity.pol",
	  SA_PAIR("aes128gcm16",
		  "remote-id { machine:host-b.corp, user:alice@corp }") },
	{ "isolation.pol", SA_PAIR("sha1", "") },
	{ "manual-sa.pol", "" },
	{ "ike-icmp-exemptions.pol", "" },
	{ "tunnel.pol",
	  "sa add sb tunnel-policy site-b spi-in 0x3001 spi-out 0x3002 alg "
	  "aes128gcm16 key-file none\n"
	  "sa add sc tunnel-policy site-c spi-in 0x3003 spi-out 0x3004 alg "
	  "aes256gcm16 key-file none\n" },
};

static unsigned scenario(const struct scn *sc)
{
	static const char *const v4[] = { "198.18.0.1", "198.18.0.2",
					  "198.18.0.3", "198.18.1.2",
					  "198.19.1.2", "198.19.3.1",
					  "198.19.0.1" };
	static const char *const v6[] = { "2001:db8::1", "2001:db8::2",
					  "2001:db8::3", "2001:db8:a::1",
					  "2001:db8:c::1" };
	static const uint8_t protos[] = { 6, 17, 1, 58, 50, 4 };
	static const uint16_t ports[] = { 5555, 5001, 6000, 500, 4500, 80 };
	struct dp_device d2 = dev;
	struct xfp_policy *p;
	struct dp_table t;
	char path[256], err[256], *text;
	unsigned bad = 0, nctx;
	size_t n = 0, cap = 1 << 16;
	FILE *fp;

	snprintf(path, sizeof(path), "policy/examples/%s", sc->file);
	fp = fopen(path, "r");
	text = malloc(cap);
	assert_non_null(fp);
	assert_non_null(text);
	n = fread(text, 1, cap - 4096, fp);
	fclose(fp);
	n += (size_t)snprintf(text + n, cap - n, "%s", sc->extra);
	p = gen_load(text, n);
	if (!p) {
		print_message("%s: policy refused\n", sc->file);
		free(text);
		return 1;
	}
	d2.contexts = true;
	if (dp_compile(p, &d2, text, n, 3, &t, err, sizeof(err))) {
		print_message("%s: compile failed: %s\n", sc->file, err);
		xfp_policy_free(p);
		free(text);
		return 1;
	}
	nctx = dp_table_n_ctx(&t);
	/* every (family, local, remote, protocol, port, context, layer) */
	for (unsigned k = 0; k < 2 * 7 * 7 * 6 * 6 * nctx * XFP_DP_LAYERS;
	     k++) {
		unsigned x = k, layer = x % XFP_DP_LAYERS, c, po, pi, r, l;
		int fam;
		const char *const *as;
		struct dp_pkt dp = { 0 };
		struct xfp_dp_decision got;
		struct xfp_decision want;
		uint8_t v, why;

		x /= XFP_DP_LAYERS;
		c = x % nctx;
		x /= nctx;
		po = x % 6;
		x /= 6;
		pi = x % 6;
		x /= 6;
		r = x % 7;
		x /= 7;
		l = x % 7;
		fam = x / 7 ? 6 : 4;
		as = fam == 4 ? v4 : v6;
		if (l == r || (fam == 6 && (l >= 5 || r >= 5)) ||
		    (c && layer == XFP_LAYER_OUTBOUND_TRANSPORT))
			continue;
		dp.family = (uint8_t)fam;
		dp.proto = fam == 6 && protos[pi] == 1 ? 58 : protos[pi];
		xfp_addr_parse(as[l], &dp.local);
		xfp_addr_parse(as[r], &dp.remote);
		dp.local_port = ports[po];
		dp.remote_port = (uint16_t)(40000 + po);
		dp.icmp_type = (uint8_t)(po * 3);
		if (ctx_differs(p, &t, &dev, (enum xfp_layer)layer, &dp, c,
				&got, &want, &v, &why)) {
			if (++bad <= 3)
				print_message(
					"%s: %s -> %s proto %u port %u ctx %u "
					"layer %s: table %u/%u filter %llu, "
					"ref %u/%u filter %llu\n",
					sc->file, as[l], as[r], dp.proto,
					dp.local_port, c,
					xfp_layer_name((enum xfp_layer)layer),
					got.verdict, got.reason,
					(unsigned long long)got.filter_id, v,
					why,
					(unsigned long long)want.filter_id);
		}
	}
	dp_table_free(&t);
	xfp_policy_free(p);
	free(text);
	return bad;
}

static void scenario_policies_agree(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(scns) / sizeof(scns[0]); i++)
		bad += scenario(&scns[i]);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contexts_match_reference),
		cmocka_unit_test(larger_policies_contexts),
		cmocka_unit_test(contexts_only_when_needed),
		cmocka_unit_test(scenario_policies_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
