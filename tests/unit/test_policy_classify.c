// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy_classify.c - WFP arbitration truth tables for the reference
 * classifier: weight order, sublayer order, block beats permit, hard
 * permit, veto, clear-action-right, OR within a field, AND across fields,
 * automatic-weight specificity, per-layer allowed conditions, and what
 * each built-in callout decides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/policy.h"

/* ---- helpers ------------------------------------------------------------ */

static struct xfp_policy *pol(const char *text)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	int n;

	assert_non_null(p);
	n = xfp_policy_parse_string(p, "t", text, strlen(text),
				    XFP_PARSE_NO_KEYS, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	if (n) {
		xfp_errors_print(&e, stderr);
		fail_msg("policy did not parse");
	}
	xfp_errors_free(&e);
	return p;
}

/* A TCP/UDP (ports), ICMP or other packet between two addresses. */
static struct xfp_pkt pkt(const char *local, const char *remote, int proto,
			  int lport, int rport)
{
	struct xfp_pkt k;

	memset(&k, 0, sizeof(k));
	k.sa = -1;
	k.family = (uint8_t)xfp_addr_parse(local, &k.local);
	assert_int_equal(xfp_addr_parse(remote, &k.remote), k.family);
	k.protocol = (uint8_t)proto;
	k.local_addr_type = XFP_ADDR_TYPE_UNICAST;
	if (proto == 6 || proto == 17) {
		k.has |= XFP_PKT_HAS_PORTS;
		k.local_port = (uint16_t)lport;
		k.remote_port = (uint16_t)rport;
	} else if (proto == 1 || proto == 58) {
		k.has |= XFP_PKT_HAS_ICMP;
		k.icmp_type = (uint8_t)lport;
		k.icmp_code = (uint8_t)rport;
	}
	return k;
}

static struct xfp_pkt tcp4(int lport, int rport)
{
	return pkt("198.18.0.1", "198.18.0.2", 6, lport, rport);
}

static struct xfp_decision run(const struct xfp_policy *p, enum xfp_layer l,
			       const struct xfp_pkt *k)
{
	struct xfp_decision d;

	assert_int_equal(xfp_ref_classify(p, l, k, &d), 0);
	return d;
}

static const char *who(const struct xfp_policy *p, const struct xfp_decision *d)
{
	return d->filter >= 0 ? p->filters[d->filter].name : "(none)";
}

#define IN XFP_LAYER_INBOUND_TRANSPORT
#define OUT XFP_LAYER_OUTBOUND_TRANSPORT
#define ACCEPT XFP_LAYER_ALE_AUTH_RECV_ACCEPT
#define CONNECT XFP_LAYER_ALE_AUTH_CONNECT
#define PERMIT XFP_ACTION_PERMIT
#define BLOCK XFP_ACTION_BLOCK

/* Decision check: action, hard, deciding filter name. */
#define EXPECT(p, dec, act, hrd, name)                  \
	do {                                            \
		struct xfp_decision d_ = (dec);         \
		assert_int_equal(d_.action, act);       \
		assert_int_equal(d_.hard, hrd);         \
		assert_string_equal(who(p, &d_), name); \
	} while (0)

/* ---- weights and sublayers ---------------------------------------------- */

static void test_weight_order(void **state)
{
	struct xfp_policy *p;
	struct xfp_pkt k = tcp4(22, 40000);
	struct xfp_decision d;

	(void)state;
	/* Inside a sublayer the highest weight decides, whatever the order. */
	p = pol("filter add lo layer inbound-transport weight 5 action block\n"
		"filter add hi layer inbound-transport weight 10 action permit\n");
	d = run(p, IN, &k);
	EXPECT(p, d, PERMIT, false, "hi");
	assert_int_equal(d.sub[0].n_matched, 2);
	xfp_policy_free(p);
	p = pol("filter add hi layer inbound-transport weight 10 action block\n"
		"filter add lo layer inbound-transport weight 5 action permit\n");
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, true, "hi");
	assert_int_equal(d.drop_reason, XFP_DROP_FILTER_BLOCK);
	xfp_policy_free(p);
	/* A weight range outranks any explicit weight below 2^60... */
	p = pol("filter add big layer inbound-transport weight 0x0fffffffffffffff action block\n"
		"filter add r1 layer inbound-transport weight-range 1 action permit\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "r1");
	xfp_policy_free(p);
	/* ...and an explicit weight above it outranks the range. */
	p = pol("filter add r1 layer inbound-transport weight-range 1 action permit\n"
		"filter add big layer inbound-transport weight 0x2000000000000000 action block\n");
	EXPECT(p, run(p, IN, &k), BLOCK, true, "big");
	xfp_policy_free(p);
	/* Equal weights: the lower filter id (defined first) is evaluated first. */
	p = pol("filter add first layer inbound-transport weight 7 action block\n"
		"filter add second layer inbound-transport weight 7 action permit\n");
	EXPECT(p, run(p, IN, &k), BLOCK, true, "first");
	assert_string_equal(p->filters[0].name, "first");
	xfp_policy_free(p);
	p = pol("filter add first layer inbound-transport weight 7 action permit\n"
		"filter add second layer inbound-transport weight 7 action block\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "first");
	xfp_policy_free(p);
	/* A filter that does not match is skipped, however heavy. */
	p = pol("filter add heavy layer inbound-transport weight 100 local-port 23 action block\n"
		"filter add light layer inbound-transport weight 1 action permit\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "light");
	xfp_policy_free(p);
}

static void test_sublayer_order(void **state)
{
	struct xfp_policy *p;
	struct xfp_pkt k = tcp4(22, 40000);
	struct xfp_decision d;

	(void)state;
	p = pol("sublayer add lo weight 100\n"
		"sublayer add hi weight 200\n"
		"filter add a layer inbound-transport sublayer lo action permit\n"
		"filter add b layer inbound-transport sublayer hi action permit\n");
	d = run(p, IN, &k);
	/* every sublayer is reported, highest weight first */
	assert_int_equal(d.n_sublayers, 3);
	assert_string_equal(p->sublayers[d.sub[0].sublayer].name, "default");
	assert_string_equal(p->sublayers[d.sub[1].sublayer].name, "hi");
	assert_string_equal(p->sublayers[d.sub[2].sublayer].name, "lo");
	assert_false(d.sub[0].decided);
	assert_int_equal(d.sub[0].reason, XFP_REASON_NO_MATCH);
	assert_true(d.sub[1].decided);
	assert_true(d.sub[2].decided);
	/* two soft permits: the first sublayer that decided is the decider */
	EXPECT(p, d, PERMIT, false, "b");
	assert_string_equal(p->sublayers[d.sublayer].name, "hi");
	xfp_policy_free(p);

	/* equal sublayer weights: in order of definition */
	p = pol("sublayer add x weight 5\n"
		"sublayer add y weight 5\n"
		"filter add in-y layer inbound-transport sublayer y action permit flags clear-action-right\n"
		"filter add in-x layer inbound-transport sublayer x action permit flags clear-action-right\n");
	d = run(p, IN, &k);
	assert_string_equal(p->sublayers[d.sub[1].sublayer].name, "x");
	EXPECT(p, d, PERMIT, true, "in-x");
	xfp_policy_free(p);

	/* The weight of a filter never crosses sublayers. */
	p = pol("sublayer add hi weight 0x9000\n"
		"filter add heavy layer inbound-transport weight 0xffffffffffffffff action permit flags clear-action-right\n"
		"filter add light layer inbound-transport sublayer hi weight 0 action block\n");
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, true, "light");
	assert_true(d.sub[1].decided);
	assert_int_equal(d.sub[1].verdict, PERMIT);
	xfp_policy_free(p);
}

/* Sublayer merge table; "hi" is evaluated before "lo". */
static void test_merge_table(void **state)
{
	static const struct {
		const char *hi, *lo; /* filter tails: action + flags */
		bool clear; /* packet clear (else secured) */
		enum xfp_action act;
		bool hard, veto;
		const char *by;
	} rows[] = {
		/* block beats a soft permit, either order */
		{ "action permit", "action block", true, BLOCK, true, false,
		  "lo" },
		{ "action block", "action permit", true, BLOCK, true, false,
		  "hi" },
		/* hard permit: a plain block does not override it */
		{ "action permit flags clear-action-right", "action block",
		  true, PERMIT, true, false, "hi" },
		/* ... a callout block does: a veto */
		{ "action permit flags clear-action-right",
		  "action inbound-transport", true, BLOCK, true, true, "lo" },
		/* ... a callout permit leaves it */
		{ "action permit flags clear-action-right",
		  "action inbound-transport", false, PERMIT, true, false,
		  "hi" },
		/* a soft (callout) block is lifted by a later permit */
		{ "action inbound-transport", "action permit", true, PERMIT,
		  false, false, "lo" },
		/* unless it is made hard with clear-action-right */
		{ "action inbound-transport flags clear-action-right",
		  "action permit", true, BLOCK, true, false, "hi" },
		/* a hard block is final even against a hard permit */
		{ "action block", "action permit flags clear-action-right",
		  true, BLOCK, true, false, "hi" },
		/* a soft block followed by a hard block: the hard one decides */
		{ "action inbound-transport", "action block", true, BLOCK, true,
		  false, "lo" },
		/* two soft blocks: the first stays the decider */
		{ "action inbound-transport", "action inbound-tunnel policy t",
		  true, BLOCK, false, false, "hi" },
		/* soft permit, then hard permit: the hard one decides */
		{ "action permit", "action permit flags clear-action-right",
		  true, PERMIT, true, false, "lo" },
		/* soft permit then soft permit: the first */
		{ "action permit", "action inbound-transport", false, PERMIT,
		  false, false, "hi" },
		/* soft permit then callout block: block (not a veto) */
		{ "action permit", "action inbound-transport", true, BLOCK,
		  false, false, "lo" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[1024];
		struct xfp_policy *p;
		struct xfp_pkt k = tcp4(22, 40000);
		struct xfp_decision d;

		snprintf(
			text, sizeof(text),
			"sublayer add shi weight 200\n"
			"sublayer add slo weight 100\n"
			"qm-policy add t tunnel proposal esp aes128gcm16 "
			"local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2\n"
			"filter add hi layer inbound-transport sublayer shi %s\n"
			"filter add lo layer inbound-transport sublayer slo %s\n",
			rows[i].hi, rows[i].lo);
		p = pol(text);
		if (!rows[i].clear)
			k.ipsec_flags = XFP_COND_FLAG_SECURED;
		d = run(p, IN, &k);
		if (d.action != rows[i].act || d.hard != rows[i].hard ||
		    d.veto != rows[i].veto || strcmp(who(p, &d), rows[i].by))
			fail_msg("row %zu: got %s hard=%d veto=%d by %s", i,
				 d.action == BLOCK ? "block" : "permit", d.hard,
				 d.veto, who(p, &d));
		xfp_policy_free(p);
	}
}

static void test_no_match(void **state)
{
	struct xfp_policy *p = pol(
		"filter add x layer inbound-transport local-port 80 action block\n"
		"filter add y layer outbound-transport action block\n");
	struct xfp_pkt k = tcp4(22, 40000);
	struct xfp_decision d = run(p, IN, &k);

	(void)state;
	/* nothing matched: the layer's default permit */
	assert_int_equal(d.action, PERMIT);
	assert_false(d.matched);
	assert_int_equal(d.filter, -1);
	assert_int_equal(d.sublayer, -1);
	assert_int_equal(d.reason, XFP_REASON_NO_MATCH);
	/* no arbitration across layers: the outbound block stays outbound */
	d = run(p, ACCEPT, &k);
	assert_false(d.matched);
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, true, "y");
	xfp_policy_free(p);
}

/* ---- conditions --------------------------------------------------------- */

static bool permits(const struct xfp_policy *p, enum xfp_layer l,
		    const struct xfp_pkt *k)
{
	struct xfp_decision d = run(p, l, k);

	return d.matched && d.action == PERMIT;
}

static void test_or_and(void **state)
{
	struct xfp_policy *p;
	struct xfp_pkt k;

	(void)state;
	/* OR inside a field: braces, commas and a repeated keyword */
	p = pol("filter add f layer inbound-transport remote-port { 22, 80 } "
		"remote-port 1000-1001 action permit\n");
	for (int port = 0; port < 2000; port++) {
		k = tcp4(5, port);
		assert_int_equal(permits(p, IN, &k), port == 22 || port == 80 ||
							     port == 1000 ||
							     port == 1001);
	}
	xfp_policy_free(p);
	/* AND across fields */
	p = pol("filter add f layer inbound-transport protocol tcp local-port 22 "
		"remote-addr 198.18.0.0/30 action permit\n");
	k = tcp4(22, 1);
	assert_true(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.2", 17, 22, 1); /* udp */
	assert_false(permits(p, IN, &k));
	k = tcp4(23, 1);
	assert_false(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.3", 6, 22, 1); /* in the /30 */
	assert_true(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.4", 6, 22, 1);
	assert_false(permits(p, IN, &k)); /* .4 is outside 198.18.0.0/30 */
	xfp_policy_free(p);
	/* An empty condition list matches everything. */
	p = pol("filter add f layer inbound-transport action permit\n");
	k = pkt("2001:db8::1", "2001:db8::2", 47, 0, 0);
	assert_true(permits(p, IN, &k));
	xfp_policy_free(p);
}

static void test_match_types(void **state)
{
	struct xfp_policy *p;
	struct xfp_pkt k;

	(void)state;
	/* not-equal, range, prefix, equal on addresses */
	p = pol("filter add ne layer inbound-transport remote-port != 22 action permit\n"
		"filter add r layer ale-auth-recv-accept remote-addr 198.18.0.10-198.18.0.20 action permit\n"
		"filter add px layer outbound-transport remote-addr 2001:db8:5::/48 action permit\n"
		"filter add eq layer ale-auth-connect remote-addr 198.18.0.2 action permit\n");
	k = tcp4(1, 22);
	assert_false(permits(p, IN, &k));
	k = tcp4(1, 23);
	assert_true(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.9", 6, 1, 1);
	assert_false(permits(p, ACCEPT, &k));
	k = pkt("198.18.0.1", "198.18.0.10", 6, 1, 1);
	assert_true(permits(p, ACCEPT, &k));
	k = pkt("198.18.0.1", "198.18.0.20", 6, 1, 1);
	assert_true(permits(p, ACCEPT, &k));
	k = pkt("198.18.0.1", "198.18.0.21", 6, 1, 1);
	assert_false(permits(p, ACCEPT, &k));
	k = pkt("2001:db8::1", "2001:db8:5:ffff::1", 6, 1, 1);
	assert_true(permits(p, OUT, &k));
	k = pkt("2001:db8::1", "2001:db8:6::1", 6, 1, 1);
	assert_false(permits(p, OUT, &k));
	k = tcp4(1, 1);
	assert_true(permits(p, CONNECT, &k));
	k = pkt("198.18.0.1", "198.18.0.3", 6, 1, 1);
	assert_false(permits(p, CONNECT, &k));
	xfp_policy_free(p);

	/* ipsec-flags all-set / any-set / none-set over the 4 flag states */
	p = pol("filter add all layer inbound-transport ipsec-flags all-set secured,encrypted action permit\n"
		"filter add any layer ale-auth-recv-accept ipsec-flags any-set secured,encrypted action permit\n"
		"filter add none layer ale-auth-connect ipsec-flags none-set encrypted action permit\n");
	for (uint32_t fl = 0; fl < 4; fl++) {
		k = tcp4(1, 1);
		k.ipsec_flags = fl;
		assert_int_equal(permits(p, IN, &k), fl == 3);
		assert_int_equal(permits(p, ACCEPT, &k), fl != 0);
		assert_int_equal(permits(p, CONNECT, &k), !(fl & 2));
	}
	xfp_policy_free(p);

	/* interface by name and by index */
	p = pol("filter add n layer inbound-transport interface eth1 action permit\n"
		"filter add i layer outbound-transport interface 4 action permit\n"
		"filter add x layer ale-auth-connect interface != eth1 action permit\n");
	k = tcp4(1, 1);
	assert_false(permits(p, IN, &k)); /* no interface known */
	assert_false(permits(p, CONNECT, &k));
	strcpy(k.ifname, "eth1");
	k.has |= XFP_PKT_HAS_IFNAME;
	assert_true(permits(p, IN, &k));
	assert_false(permits(p, CONNECT, &k));
	strcpy(k.ifname, "eth2");
	assert_false(permits(p, IN, &k));
	assert_true(permits(p, CONNECT, &k));
	assert_false(permits(p, OUT, &k));
	k.ifindex = 4;
	k.has |= XFP_PKT_HAS_IFINDEX;
	assert_true(permits(p, OUT, &k));
	xfp_policy_free(p);

	/* icmp type/code, address type, protocol range */
	p = pol("filter add ic layer inbound-transport protocol icmp icmp-type 8 icmp-code 0 action permit\n"
		"filter add at layer outbound-transport local-addr-type { multicast, broadcast } action permit\n"
		"filter add pr layer ale-auth-recv-accept protocol 50-51 action permit\n");
	k = pkt("198.18.0.1", "198.18.0.2", 1, 8, 0);
	assert_true(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.2", 1, 8, 1);
	assert_false(permits(p, IN, &k));
	k = pkt("198.18.0.1", "198.18.0.2", 1, 0, 0);
	assert_false(permits(p, IN, &k));
	k = tcp4(1, 1);
	assert_false(permits(p, OUT, &k));
	k.local_addr_type = XFP_ADDR_TYPE_BROADCAST;
	assert_true(permits(p, OUT, &k));
	k.local_addr_type = 0; /* unknown: the field is absent */
	assert_false(permits(p, OUT, &k));
	k = pkt("198.18.0.1", "198.18.0.2", 51, 0, 0);
	assert_true(permits(p, ACCEPT, &k));
	k = pkt("198.18.0.1", "198.18.0.2", 52, 0, 0);
	assert_false(permits(p, ACCEPT, &k));
	xfp_policy_free(p);
}

/* A condition on a field the packet lacks is false, != included. */
static void test_absent_fields_and_families(void **state)
{
	struct xfp_policy *p = pol(
		"filter add port layer inbound-transport local-port != 22 action permit\n"
		"filter add v4 layer outbound-transport remote-addr != 198.18.0.1 action permit\n"
		"filter add fam layer ale-auth-connect family ip6 action permit\n"
		"filter add id layer ale-auth-recv-accept remote-user-id != mallory@corp action permit\n");
	struct xfp_pkt k;

	(void)state;
	k = pkt("198.18.0.1", "198.18.0.2", 1, 8, 0); /* ICMP: no ports */
	assert_false(permits(p, IN, &k));
	k = tcp4(23, 1);
	assert_true(permits(p, IN, &k));
	/* an IPv4 value never matches an IPv6 packet */
	k = pkt("2001:db8::1", "2001:db8::2", 6, 1, 1);
	assert_false(permits(p, OUT, &k));
	k = pkt("198.18.0.1", "198.18.0.3", 6, 1, 1);
	assert_true(permits(p, OUT, &k));
	/* family ip6 filter: v6 only */
	assert_false(permits(p, CONNECT, &k));
	k = pkt("2001:db8::1", "2001:db8::2", 6, 1, 1);
	assert_true(permits(p, CONNECT, &k));
	/* no authenticated identity: identity conditions are false */
	k = tcp4(1, 1);
	assert_false(permits(p, ACCEPT, &k));
	k.remote_user = "alice@corp";
	assert_true(permits(p, ACCEPT, &k));
	k.remote_user = "mallory@corp";
	assert_false(permits(p, ACCEPT, &k));
	xfp_policy_free(p);
}

/* ---- automatic weights -------------------------------------------------- */

static void test_auto_weight(void **state)
{
	struct xfp_policy *p;
	struct xfp_pkt k = tcp4(22, 40000);
	const struct xfp_filter *f;

	(void)state;
	/* The formula on one filter: 2 fields; protocol 8 + port 16 bits. */
	p = pol("filter add f layer inbound-transport protocol tcp local-port 22 action permit\n");
	f = &p->filters[0];
	assert_true(f->auto_weight ==
		    ((UINT64_C(2) << 56) | (UINT64_C(24) << 44)));
	assert_true(f->effective_weight == f->auto_weight);
	xfp_policy_free(p);

	/* More conditions outrank fewer, whatever the definition order. */
	p = pol("filter add generic layer inbound-transport local-addr-type unicast action block\n"
		"filter add specific layer inbound-transport local-addr-type unicast protocol tcp local-port 22 action permit\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "specific");
	xfp_policy_free(p);
	p = pol("filter add specific layer inbound-transport local-addr-type unicast protocol tcp local-port 22 action permit\n"
		"filter add generic layer inbound-transport local-addr-type unicast action block\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "specific");
	xfp_policy_free(p);
	/* Same count: narrower values win (/24 over /16, port over range). */
	p = pol("filter add wide layer inbound-transport remote-addr 198.18.0.0/16 action block\n"
		"filter add narrow layer inbound-transport remote-addr 198.18.0.0/24 action permit\n"
		"filter add prange layer outbound-transport local-port 1-1000 action block\n"
		"filter add pone layer outbound-transport local-port 22 action permit\n"
		"filter add list layer ale-auth-recv-accept local-port { 22, 23, 24, 25 } action block\n"
		"filter add one layer ale-auth-recv-accept local-port 22 action permit\n"
		"filter add ne layer ale-auth-connect local-port != 23 action block\n"
		"filter add eq layer ale-auth-connect local-port 22 action permit\n");
	EXPECT(p, run(p, IN, &k), PERMIT, false, "narrow");
	EXPECT(p, run(p, OUT, &k), PERMIT, false, "pone");
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "one");
	EXPECT(p, run(p, CONNECT, &k), PERMIT, false, "eq");
	assert_true(xfp_filter_auto_weight(
			    &p->filters[xfp_policy_find_filter(p, "ne")]) ==
		    (UINT64_C(1) << 56)); /* != pins nothing down */
	xfp_policy_free(p);
	/* The remote-identity shape: 5 conditions beat the 3-condition block. */
	p = pol("filter add block3 layer ale-auth-recv-accept local-addr-type unicast protocol tcp local-port 5555 action block\n"
		"filter add allow5 layer ale-auth-recv-accept local-addr-type unicast protocol tcp local-port 5555 "
		"remote-machine-id host-b.corp remote-user-id alice@corp action permit\n");
	k = tcp4(5555, 40000);
	k.remote_machine = "host-b.corp";
	k.remote_user = "alice@corp";
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "allow5");
	k.remote_user = "bob@corp";
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "block3");
	xfp_policy_free(p);
	/* Deterministic: the evaluation order is a total order. */
	p = pol("filter add a layer inbound-transport action permit\n"
		"filter add b layer inbound-transport action permit\n"
		"filter add c layer outbound-transport weight 3 action permit\n");
	for (unsigned i = 0; i < p->n_filters; i++)
		for (unsigned j = 0; j < p->n_filters; j++) {
			int c = xfp_filter_order_cmp(&p->filters[i],
						     &p->filters[j]);

			assert_int_equal(c < 0, i < j);
			assert_int_equal(c == 0, i == j);
		}
	xfp_policy_free(p);
}

/* Shuffling the definition order changes nothing when weights differ. */
static void test_order_independence(void **state)
{
	enum { NF = 24, NP = 400 };
	char lines[NF][256];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 20; round++) {
		char a[NF * 256 + 256] =
			"sublayer add s1 weight 10\nsublayer add s2 weight 20\n";
		char b[sizeof(a)];
		struct xfp_policy *p, *q;
		int perm[NF];

		strcpy(b, a);
		for (int i = 0; i < NF; i++) {
			static const char *const acts[] = {
				"action permit",
				"action block",
				"action permit flags clear-action-right",
				"action inbound-transport",
				"action inbound-transport context persist-connection-security",
			};
			static const char *const subs[] = { "default", "s1",
							    "s2" };
			char cond[128] = "";

			if (rand_r(&seed) % 2)
				snprintf(cond + strlen(cond),
					 sizeof(cond) - strlen(cond),
					 " local-port %d-%d", rand_r(&seed) % 8,
					 8 + rand_r(&seed) % 8);
			if (rand_r(&seed) % 2)
				snprintf(cond + strlen(cond),
					 sizeof(cond) - strlen(cond),
					 " remote-addr 198.18.0.%d/%d", 0,
					 29 + rand_r(&seed) % 4);
			if (rand_r(&seed) % 3 == 0)
				snprintf(cond + strlen(cond),
					 sizeof(cond) - strlen(cond),
					 " ipsec-flags %s secured",
					 rand_r(&seed) % 2 ? "all-set" :
							     "none-set");
			snprintf(
				lines[i], sizeof(lines[i]),
				"filter add f%d layer inbound-transport sublayer %s "
				"weight %d%s %s\n",
				i, subs[rand_r(&seed) % 3], i * 7 + 1, cond,
				acts[rand_r(&seed) % 5]);
			perm[i] = i;
		}
		for (int i = NF - 1; i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)),
			    t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int i = 0; i < NF; i++) {
			strcat(a, lines[i]);
			strcat(b, lines[perm[i]]);
		}
		p = pol(a);
		q = pol(b);
		for (int n = 0; n < NP; n++) {
			char r[32];
			struct xfp_pkt k;
			struct xfp_decision d1, d2;

			snprintf(r, sizeof(r), "198.18.0.%d",
				 rand_r(&seed) % 16);
			k = pkt("198.18.0.1", r, 6, rand_r(&seed) % 20, 1);
			k.ipsec_flags =
				rand_r(&seed) % 2 ? XFP_COND_FLAG_SECURED : 0;
			if (rand_r(&seed) % 2)
				k.has |= XFP_PKT_FLOW_WAS_SECURED;
			d1 = run(p, IN, &k);
			d2 = run(q, IN, &k);
			assert_int_equal(d1.action, d2.action);
			assert_int_equal(d1.hard, d2.hard);
			assert_int_equal(d1.veto, d2.veto);
			assert_string_equal(who(p, &d1), who(q, &d2));
			assert_int_equal(d1.n_sublayers, d2.n_sublayers);
			for (unsigned s = 0; s < d1.n_sublayers; s++)
				assert_int_equal(d1.sub[s].n_matched,
						 d2.sub[s].n_matched);
		}
		xfp_policy_free(p);
		xfp_policy_free(q);
	}
}

/* ---- per-layer allowed conditions --------------------------------------- */

static void test_allowed_conditions(void **state)
{
	/* The WFP field sets (spec 4.3), as a table to compare against. */
	static const char *const values[XFP_FIELD__MAX] = {
		"198.18.0.1", "198.18.0.2", "1",	   "2",
		"tcp",	      "8",	    "0",	   "unicast",
		"eth0",	      "secured",    "host-b.corp", "alice@corp",
	};
	static const char allowed[XFP_LAYER__MAX][XFP_FIELD__MAX + 1] = {
		/* one char per field, in enum xfp_field order: local-addr,
		 * remote-addr, local-port, remote-port, protocol, icmp-type,
		 * icmp-code, local-addr-type, interface, ipsec-flags,
		 * remote-machine-id, remote-user-id */
		[XFP_LAYER_INBOUND_TRANSPORT] = "111111111100",
		[XFP_LAYER_OUTBOUND_TRANSPORT] = "111111111000",
		[XFP_LAYER_ALE_AUTH_RECV_ACCEPT] = "111111111111",
		[XFP_LAYER_ALE_AUTH_CONNECT] = "111111111111",
		[XFP_LAYER_IPSEC] = "111111101000",
		[XFP_LAYER_IKEEXT] = "110000001000",
	};

	(void)state;
	for (int l = 0; l < XFP_LAYER__MAX; l++)
		for (int f = 0; f < XFP_FIELD__MAX; f++) {
			char text[512];
			struct xfp_policy *p = xfp_policy_new();
			struct xfp_errors e = { 0 };
			bool ok = allowed[l][f] == '1';
			int n;

			assert_int_equal(
				!!(xfp_layer_allowed_fields((enum xfp_layer)l) &
				   (1u << f)),
				ok);
			snprintf(
				text, sizeof(text),
				"qm-policy add q transport proposal esp aes128gcm16\n"
				"mm-policy add m auth cert proposal aes128-sha1-modp2048\n"
				"filter add x layer %s %s %s action permit%s\n",
				xfp_layer_name((enum xfp_layer)l),
				xfp_field_name((enum xfp_field)f), values[f],
				l == XFP_LAYER_IPSEC  ? " policy q" :
				l == XFP_LAYER_IKEEXT ? " policy m" :
							"");
			n = xfp_policy_parse_string(p, "t", text, strlen(text),
						    0, &e);
			if (ok != (n == 0))
				fail_msg("layer %s field %s: %d errors",
					 xfp_layer_name((enum xfp_layer)l),
					 xfp_field_name((enum xfp_field)f), n);
			if (!ok) {
				assert_int_equal(e.v[0].line, 3);
				assert_non_null(strstr(
					e.v[0].msg, "is not allowed at layer"));
			}
			xfp_errors_free(&e);
			xfp_policy_free(p);
		}
}

/* ---- callouts ----------------------------------------------------------- */

static void test_callouts_inbound(void **state)
{
	struct xfp_policy *p = pol(
		"filter add req layer inbound-transport local-port 1 action inbound-transport\n"
		"filter add nd layer inbound-transport local-port 2 action inbound-transport "
		"context persist-connection-security\n"
		"qm-policy add t tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2\n"
		"filter add tun layer inbound-transport local-port 3 action inbound-tunnel policy t\n"
		"filter add ipip layer ale-auth-recv-accept protocol ipip action inbound-tunnel-ale-accept\n");
	struct xfp_pkt k;
	struct xfp_decision d;

	(void)state;
	/* required transport: secured permits, clear blocks */
	k = tcp4(1, 9);
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, false, "req");
	assert_int_equal(d.reason, XFP_REASON_CLEAR_TEXT);
	assert_int_equal(d.drop_reason, XFP_DROP_CLEAR_TEXT);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, IN, &k);
	EXPECT(p, d, PERMIT, false, "req");
	assert_int_equal(d.reason, XFP_REASON_SECURED);
	/* negotiation discovery: clear allowed until the flow was secured */
	k = tcp4(2, 9);
	d = run(p, IN, &k);
	EXPECT(p, d, PERMIT, false, "nd");
	assert_int_equal(d.reason, XFP_REASON_ND_CLEAR);
	k.has |= XFP_PKT_FLOW_WAS_SECURED;
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, false, "nd");
	assert_int_equal(d.reason, XFP_REASON_DOWNGRADE);
	assert_int_equal(d.drop_reason, XFP_DROP_FLOW_DOWNGRADE);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	EXPECT(p, run(p, IN, &k), PERMIT, false, "nd");
	/* tunnel */
	k = tcp4(3, 9);
	EXPECT(p, run(p, IN, &k), BLOCK, false, "tun");
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	EXPECT(p, run(p, IN, &k), PERMIT, false, "tun");
	/* IP-in-IP at ALE accept */
	k = pkt("198.18.0.1", "198.18.0.2", 4, 0, 0);
	d = run(p, ACCEPT, &k);
	EXPECT(p, d, BLOCK, false, "ipip");
	assert_int_equal(d.drop_reason, XFP_DROP_ALE_BLOCK);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "ipip");
	xfp_policy_free(p);
}

static void test_callouts_outbound(void **state)
{
	struct xfp_policy *p = pol(
		"filter add req layer outbound-transport local-port 1 action outbound-transport\n"
		"filter add nd layer outbound-transport local-port 2 action outbound-transport "
		"context negotiate-discover\n"
		"qm-policy add t tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2\n"
		"filter add tun layer outbound-transport local-port 3 action outbound-tunnel policy t\n");
	struct xfp_pkt k;
	struct xfp_decision d;

	(void)state;
	/* required: no SA -> block + acquire; SA -> permit + secure */
	k = tcp4(1, 9);
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, false, "req");
	assert_true(d.acquire);
	assert_false(d.secure);
	assert_int_equal(d.drop_reason, XFP_DROP_NO_SA);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "req");
	assert_true(d.secure);
	assert_false(d.acquire);
	assert_int_equal(d.reason, XFP_REASON_SECURE);
	/* ND: clear while negotiating, never after the flow was secured */
	k = tcp4(2, 9);
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "nd");
	assert_true(d.clear_ok);
	assert_true(d.acquire);
	assert_false(d.secure);
	assert_int_equal(d.ctx_flags, XFP_CTX_NEGOTIATE_DISCOVER);
	k.has |= XFP_PKT_FLOW_WAS_SECURED;
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, false, "nd");
	assert_int_equal(d.drop_reason, XFP_DROP_FLOW_DOWNGRADE);
	assert_false(d.clear_ok);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "nd");
	assert_true(d.secure);
	/* tunnel: the decision names the tunnel policy */
	k = tcp4(3, 9);
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, false, "tun");
	assert_true(d.acquire);
	assert_int_equal(d.ctx_kind, XFP_CTX_QM);
	assert_int_equal(d.ctx, 0);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "tun");
	assert_true(d.secure);
	xfp_policy_free(p);
}

static void test_callouts_ale(void **state)
{
	struct xfp_policy *p = pol(
		"filter add sec layer ale-auth-recv-accept local-port 1 action inbound-initiate-secure\n"
		"filter add enc layer ale-auth-recv-accept local-port 2 action inbound-initiate-secure "
		"context require-encryption\n"
		"filter add con layer ale-auth-connect local-port 2 action ale-connect "
		"context require-encryption\n"
		"filter add con1 layer ale-auth-connect local-port 1 action ale-connect\n");
	static const struct {
		int port;
		enum xfp_layer l;
		uint32_t flags;
		enum xfp_action act;
		enum xfp_reason why;
	} rows[] = {
		{ 1, ACCEPT, 0, BLOCK, XFP_REASON_CLEAR_TEXT },
		{ 1, ACCEPT, 1, PERMIT, XFP_REASON_SECURED },
		{ 1, ACCEPT, 3, PERMIT, XFP_REASON_SECURED },
		{ 2, ACCEPT, 0, BLOCK, XFP_REASON_CLEAR_TEXT },
		{ 2, ACCEPT, 1, BLOCK, XFP_REASON_NOT_ENCRYPTED },
		{ 2, ACCEPT, 3, PERMIT, XFP_REASON_SECURED },
		{ 2, CONNECT, 0, BLOCK, XFP_REASON_NO_SA },
		{ 2, CONNECT, 1, BLOCK, XFP_REASON_NOT_ENCRYPTED },
		{ 2, CONNECT, 3, PERMIT, XFP_REASON_SECURED },
		{ 1, CONNECT, 0, BLOCK, XFP_REASON_NO_SA },
		{ 1, CONNECT, 1, PERMIT, XFP_REASON_SECURED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct xfp_pkt k = tcp4(rows[i].port, 9);
		struct xfp_decision d;

		k.ipsec_flags = rows[i].flags;
		d = run(p, rows[i].l, &k);
		if (d.action != rows[i].act || d.reason != rows[i].why)
			fail_msg("row %zu: action %d reason %d", i, d.action,
				 d.reason);
		assert_false(d.hard);
		if (d.action == BLOCK)
			assert_int_equal(d.drop_reason,
					 rows[i].why == XFP_REASON_NO_SA ?
						 XFP_DROP_NO_SA :
						 XFP_DROP_ALE_BLOCK);
		assert_int_equal(d.acquire, rows[i].why == XFP_REASON_NO_SA);
	}
	xfp_policy_free(p);
}

/* Manual SAs: the SA secures its filter; arrival over the wrong SA. */
static void test_callouts_sa(void **state)
{
	struct xfp_policy *p = pol(
		"filter add b-in layer inbound-transport remote-addr 198.18.0.2 action inbound-transport\n"
		"filter add b-out layer outbound-transport remote-addr 198.18.0.2 action outbound-transport\n"
		"filter add c-in layer inbound-transport remote-addr 198.18.0.3 action inbound-transport\n"
		"filter add c-out layer outbound-transport remote-addr 198.18.0.3 action outbound-transport\n"
		"filter add acc layer ale-auth-recv-accept action inbound-initiate-secure context require-encryption\n"
		"filter add who layer ale-auth-recv-accept local-port 7 remote-machine-id host-b.corp action permit\n"
		"filter add deny7 layer ale-auth-recv-accept local-port 7 action block\n"
		"sa add b filter b-out inbound-filter b-in spi-in 300 spi-out 301 alg aes128gcm16 key-file k "
		"remote-id machine:host-b.corp\n"
		"sa add c filter c-out inbound-filter c-in spi-in 302 spi-out 303 alg null-sha256 key-file k\n");
	struct xfp_pkt k;
	struct xfp_decision d;

	(void)state;
	/* outbound to b: the bound SA is used, no acquire */
	k = tcp4(1, 9);
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "b-out");
	assert_true(d.secure);
	assert_int_equal(d.sa, xfp_policy_find_sa(p, "b"));
	assert_false(d.acquire);
	/* leaving through the other peer's SA is refused */
	k.sa = xfp_policy_find_sa(p, "c");
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, false, "b-out");
	assert_int_equal(d.reason, XFP_REASON_SA_MISMATCH);
	/* inbound from b over b's SA; over c's SA is a mismatch */
	k = tcp4(1, 9);
	k.sa = xfp_policy_find_sa(p, "b");
	d = run(p, IN, &k);
	EXPECT(p, d, PERMIT, false, "b-in");
	assert_int_equal(d.sa, k.sa);
	k.sa = xfp_policy_find_sa(p, "c");
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, false, "b-in");
	assert_int_equal(d.reason, XFP_REASON_SA_MISMATCH);
	assert_int_equal(d.drop_reason, XFP_DROP_FILTER_BLOCK);
	/* at ALE the SA supplies secured/encrypted and the identity */
	k = tcp4(1, 9);
	k.sa = xfp_policy_find_sa(p, "b");
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "acc");
	k.sa = xfp_policy_find_sa(p, "c"); /* ESP-NULL: not encrypted */
	d = run(p, ACCEPT, &k);
	EXPECT(p, d, BLOCK, false, "acc");
	assert_int_equal(d.reason, XFP_REASON_NOT_ENCRYPTED);
	/* a packet's ENCRYPTED claim does not override the SA's algorithm */
	k.ipsec_flags = XFP_COND_FLAG_SECURED | XFP_COND_FLAG_ENCRYPTED;
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, false, "acc");
	k = tcp4(7, 9);
	k.sa = xfp_policy_find_sa(p, "b");
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "who");
	k.sa = xfp_policy_find_sa(p, "c");
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "deny7");
	xfp_policy_free(p);
}

/* IPsec/IKEEXT layers select a policy: the most specific filter wins. */
static void test_policy_selection(void **state)
{
	struct xfp_policy *p = pol(
		"qm-policy add gen transport proposal esp aes128gcm16\n"
		"qm-policy add web transport proposal esp aes256gcm16\n"
		"mm-policy add m1 auth cert proposal aes128-sha256-modp2048\n"
		"mm-policy add m2 auth psk proposal aes128-sha256-modp2048\n"
		"filter add qgen layer ipsec action permit policy gen\n"
		"filter add qweb layer ipsec protocol tcp local-port 443 action permit policy web\n"
		"filter add mgen layer ikeext action permit policy m1\n"
		"filter add mpeer layer ikeext remote-addr 198.18.0.9 action permit policy m2\n");
	struct xfp_pkt k = tcp4(443, 9);
	struct xfp_decision d;

	(void)state;
	d = run(p, XFP_LAYER_IPSEC, &k);
	EXPECT(p, d, PERMIT, false, "qweb");
	assert_int_equal(d.reason, XFP_REASON_POLICY);
	assert_int_equal(d.ctx_kind, XFP_CTX_QM);
	assert_string_equal(p->qm[d.ctx].name, "web");
	k = tcp4(80, 9);
	d = run(p, XFP_LAYER_IPSEC, &k);
	assert_string_equal(p->qm[d.ctx].name, "gen");
	d = run(p, XFP_LAYER_IKEEXT, &k);
	assert_int_equal(d.ctx_kind, XFP_CTX_MM);
	assert_string_equal(p->mm[d.ctx].name, "m1");
	k = pkt("198.18.0.1", "198.18.0.9", 6, 1, 1);
	d = run(p, XFP_LAYER_IKEEXT, &k);
	assert_string_equal(p->mm[d.ctx].name, "m2");
	xfp_policy_free(p);
}

static void test_bad_arguments(void **state)
{
	struct xfp_policy *p =
		pol("filter add a layer inbound-transport action permit\n");
	struct xfp_pkt k = tcp4(1, 1);
	struct xfp_decision d;

	(void)state;
	assert_int_equal(xfp_ref_classify(p, XFP_LAYER__MAX, &k, &d), -22);
	k.family = 5;
	assert_int_equal(xfp_ref_classify(p, IN, &k, &d), -22);
	k = tcp4(1, 1);
	k.sa = 0; /* the policy has no SA */
	assert_int_equal(xfp_ref_classify(p, IN, &k, &d), -22);
	k.sa = -2;
	assert_int_equal(xfp_ref_classify(p, IN, &k, &d), -22);
	k.sa = -1;
	assert_int_equal(xfp_ref_classify(NULL, IN, &k, &d), -22);
	/* parsed but not finalized */
	{
		const char *more =
			"filter add b layer outbound-transport action permit";

		assert_int_equal(xfp_policy_parse_string(p, "t", more,
							 strlen(more), 0, NULL),
				 0);
	}
	assert_int_equal(xfp_ref_classify(p, IN, &k, &d), -22);
	assert_int_equal(xfp_policy_finalize(p, NULL), 0);
	assert_int_equal(xfp_ref_classify(p, IN, &k, &d), 0);
	xfp_policy_free(p);
}

/* explain output: both forms name every sublayer and the decider. */
static void test_decision_print(void **state)
{
	struct xfp_policy *p = pol(
		"sublayer add hi weight 0x9000\n"
		"filter add hp layer inbound-transport sublayer hi action permit flags clear-action-right\n"
		"filter add req layer inbound-transport action inbound-transport\n");
	struct xfp_pkt k = tcp4(1, 9);
	struct xfp_decision d = run(p, IN, &k);
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	m = open_memstream(&buf, &len);
	xfp_decision_print(p, &d, &k, false, m);
	fclose(m);
	assert_string_equal(
		buf,
		"layer: inbound-transport (ipv4)\n"
		"packet: ipv4 198.18.0.1 port 1 <-> 198.18.0.2 port 9 protocol tcp "
		"local-addr-type unicast\n"
		"sublayer hi (weight 36864): permit (hard) by filter 1 'hp' "
		"(action permit): filter action\n"
		"sublayer default (weight 32768): block (soft) by filter 2 'req' "
		"(action inbound-transport): clear text where IPsec is required\n"
		"decision: block (hard) by filter 2 'req' in sublayer default: clear "
		"text where IPsec is required; veto of a hard permit\n"
		"drop reason: clear-text\n");
	free(buf);
	buf = NULL;
	m = open_memstream(&buf, &len);
	xfp_decision_print(p, &d, &k, true, m);
	fclose(m);
	assert_string_equal(
		buf,
		"{\"layer\":\"inbound-transport\",\"family\":4,\"action\":\"block\","
		"\"hard\":true,\"veto\":true,\"matched\":true,\"filter\":{\"id\":2,"
		"\"name\":\"req\",\"action\":\"inbound-transport\"},\"sublayer\":"
		"\"default\",\"reason\":\"clear text where IPsec is required\","
		"\"drop_reason\":\"clear-text\",\"secure\":false,\"acquire\":false,"
		"\"clear_ok\":false,\"context\":[],\"policy\":null,\"sa\":null,"
		"\"sublayers\":[{\"name\":\"hi\",\"weight\":36864,\"decided\":true,"
		"\"verdict\":\"permit\",\"hard\":true,\"filter\":{\"id\":1,\"name\":"
		"\"hp\",\"action\":\"permit\"},\"reason\":\"filter action\","
		"\"matching_filters\":1},{\"name\":\"default\",\"weight\":32768,"
		"\"decided\":true,\"verdict\":\"block\",\"hard\":false,\"filter\":"
		"{\"id\":2,\"name\":\"req\",\"action\":\"inbound-transport\"},"
		"\"reason\":\"clear text where IPsec is required\","
		"\"matching_filters\":1}]}\n");
	free(buf);
	xfp_policy_free(p);
}

/* A random condition for layer l, in the language. */
static void rand_cond(unsigned *seed, enum xfp_layer l, char *out, size_t len)
{
	uint32_t ok = xfp_layer_allowed_fields(l);
	int f;

	do
		f = (int)(rand_r(seed) % XFP_FIELD__MAX);
	while (!(ok & (1u << f)));
	switch (f) {
	case XFP_FIELD_LOCAL_ADDR:
	case XFP_FIELD_REMOTE_ADDR:
		switch (rand_r(seed) % 5) {
		case 0:
			snprintf(out, len, "%s 198.18.0.%u", xfp_field_name(f),
				 rand_r(seed) % 8);
			break;
		case 1:
			snprintf(out, len, "%s 198.18.0.0/%u",
				 xfp_field_name(f), 29 + rand_r(seed) % 4);
			break;
		case 2:
			snprintf(out, len, "%s 198.18.0.%u-198.18.0.7",
				 xfp_field_name(f), rand_r(seed) % 8);
			break;
		case 3:
			snprintf(out, len, "%s { 2001:db8::/126, 198.18.0.%u }",
				 xfp_field_name(f), rand_r(seed) % 8);
			break;
		default:
			snprintf(out, len, "%s != 198.18.0.%u",
				 xfp_field_name(f), rand_r(seed) % 8);
		}
		break;
	case XFP_FIELD_LOCAL_PORT:
	case XFP_FIELD_REMOTE_PORT:
	case XFP_FIELD_ICMP_TYPE:
	case XFP_FIELD_ICMP_CODE:
		if (rand_r(seed) % 3 == 0)
			snprintf(out, len, "%s != %u", xfp_field_name(f),
				 rand_r(seed) % 4);
		else
			snprintf(out, len, "%s %u-%u", xfp_field_name(f),
				 rand_r(seed) % 3, 2 + rand_r(seed) % 3);
		break;
	case XFP_FIELD_PROTOCOL:
		snprintf(out, len, "protocol %s",
			 (const char *[]){
				 "tcp", "udp", "icmp",
				 "{ tcp, icmpv6 }" }[rand_r(seed) % 4]);
		break;
	case XFP_FIELD_LOCAL_ADDR_TYPE:
		snprintf(out, len, "local-addr-type %s",
			 rand_r(seed) % 2 ? "unicast" : "!= multicast");
		break;
	case XFP_FIELD_INTERFACE:
		snprintf(out, len, "interface %s",
			 rand_r(seed) % 2 ? "eth0" : "{ 2, eth1 }");
		break;
	case XFP_FIELD_IPSEC_FLAGS:
		snprintf(out, len, "ipsec-flags %s %s",
			 (const char *[]){ "all-set", "any-set",
					   "none-set" }[rand_r(seed) % 3],
			 rand_r(seed) % 2 ? "secured" : "secured,encrypted");
		break;
	default:
		snprintf(out, len, "%s %s", xfp_field_name(f),
			 (const char *[]){ "a", "b", "{ a, c }",
					   "!= b" }[rand_r(seed) % 4]);
		break;
	}
}

/*
 * `policy show` prints a policy that decides exactly like the original:
 * random policies with automatic weights (so ties and the id tie-break
 * matter), re-parsed from their text form, classify random packets alike.
 */
static void test_show_preserves_decisions(void **state)
{
	static const char *const acts[XFP_LAYER__MAX][3] = {
		[XFP_LAYER_INBOUND_TRANSPORT] = { "block", "inbound-transport",
						  "inbound-transport context "
						  "persist-connection-security" },
		[XFP_LAYER_OUTBOUND_TRANSPORT] = { "block",
						   "outbound-transport",
						   "outbound-transport context "
						   "negotiate-discover" },
		[XFP_LAYER_ALE_AUTH_RECV_ACCEPT] = { "block",
						     "inbound-initiate-secure",
						     "inbound-initiate-secure "
						     "context require-encryption" },
		[XFP_LAYER_ALE_AUTH_CONNECT] = { "block", "ale-connect",
						 "ale-connect context "
						 "require-encryption" },
	};
	unsigned seed = 777, matched = 0, blocked = 0, total = 0;
	char *text = malloc(64 * 1024);

	(void)state;
	assert_non_null(text);
	for (int round = 0; round < 30; round++) {
		struct xfp_policy *p, *q;
		char *shown = NULL;
		size_t len = 0, o;
		FILE *m;

		o = (size_t)sprintf(text, "sublayer add s1 weight 100\n"
					  "sublayer add s2 weight 40000\n");
		for (int i = 0; i < 40; i++) {
			enum xfp_layer l = (enum xfp_layer)(rand_r(&seed) % 4);
			int nc = (int)(rand_r(&seed) % 4);
			unsigned a = rand_r(&seed) % 4;

			o += (size_t)sprintf(
				text + o, "filter add f%d layer %s sublayer %s",
				i, xfp_layer_name(l),
				(const char *[]){ "default", "s1",
						  "s2" }[rand_r(&seed) % 3]);
			for (int c = 0; c < nc; c++) {
				char cond[128];

				rand_cond(&seed, l, cond, sizeof(cond));
				o += (size_t)sprintf(text + o, " %s", cond);
			}
			if (rand_r(&seed) % 4 == 0)
				o += (size_t)sprintf(text + o,
						     " weight-range %u",
						     rand_r(&seed) % 3);
			o += (size_t)sprintf(
				text + o, " action %s%s\n",
				a == 3 ? "permit" : acts[l][a],
				rand_r(&seed) % 5 == 0 ?
					" flags clear-action-right" :
					"");
		}
		p = pol(text);
		m = open_memstream(&shown, &len);
		xfp_policy_print(p, false, m);
		fclose(m);
		q = pol(shown);
		for (int n = 0; n < 300; n++) {
			char r[32];
			struct xfp_pkt k;
			enum xfp_layer l = (enum xfp_layer)(rand_r(&seed) % 4);
			struct xfp_decision d1, d2;
			int proto = (int[]){ 6, 17, 1, 58 }[rand_r(&seed) % 4];

			if (rand_r(&seed) % 4 == 0) {
				snprintf(r, sizeof(r), "2001:db8::%u",
					 rand_r(&seed) % 5);
				k = pkt("2001:db8::1", r, proto, 0, 0);
			} else {
				snprintf(r, sizeof(r), "198.18.0.%u",
					 rand_r(&seed) % 9);
				k = pkt("198.18.0.1", r, proto, 0, 0);
			}
			k.local_port = k.icmp_type =
				(uint8_t)(rand_r(&seed) % 5);
			k.remote_port = k.icmp_code =
				(uint8_t)(rand_r(&seed) % 5);
			k.local_addr_type = (uint8_t)(rand_r(&seed) % 4);
			k.ipsec_flags = rand_r(&seed) % 4;
			if (rand_r(&seed) % 2)
				k.has |= XFP_PKT_FLOW_WAS_SECURED;
			if (rand_r(&seed) % 2) {
				strcpy(k.ifname,
				       rand_r(&seed) % 2 ? "eth0" : "eth1");
				k.has |= XFP_PKT_HAS_IFNAME;
			}
			if (rand_r(&seed) % 2) {
				k.ifindex = 2;
				k.has |= XFP_PKT_HAS_IFINDEX;
			}
			k.remote_machine =
				(const char *[]){ NULL, "a", "b",
						  "c" }[rand_r(&seed) % 4];
			k.remote_user =
				(const char *[]){ NULL, "a", "b",
						  "c" }[rand_r(&seed) % 4];
			d1 = run(p, l, &k);
			d2 = run(q, l, &k);
			assert_int_equal(d1.action, d2.action);
			assert_int_equal(d1.hard, d2.hard);
			assert_int_equal(d1.veto, d2.veto);
			assert_int_equal(d1.reason, d2.reason);
			assert_string_equal(who(p, &d1), who(q, &d2));
			total++;
			matched += d1.matched;
			blocked += d1.action == BLOCK;
		}
		free(shown);
		xfp_policy_free(p);
		xfp_policy_free(q);
	}
	free(text);
	/* the comparison is not vacuous */
	assert_true(matched * 4 > total);
	assert_true(blocked * 10 > total);
	print_message("# %u packets, %u matched, %u blocked\n", total, matched,
		      blocked);
}

/* ---- identities: groups and access lists -------------------------------- */

static const char *const acl_policy =
	"group add contractors user:dave@corp\n"
	"group add staff { user:alice@corp, user:bob@corp, group:contractors }\n"
	"group add admins { user:carol@corp, group:staff }\n"
	"group add hosts { machine:host-b.corp, machine:host-c.corp }\n"
	"group add mixed { machine:alice@corp }\n"
	"filter add staff layer ale-auth-recv-accept remote-user-id group:staff action permit\n"
	"filter add deny-first layer ale-auth-recv-accept remote-user-id { deny dave@corp, allow group:staff } action permit\n"
	"filter add allow-first layer ale-auth-recv-accept remote-user-id { allow group:staff, deny dave@corp } action permit\n"
	"filter add sd layer ale-auth-recv-accept remote-machine-id { deny host-c.corp, allow group:hosts } remote-user-id allow group:admins action permit\n"
	"filter add any layer ale-auth-recv-accept remote-user-id * action permit\n"
	"filter add not-bob layer ale-auth-recv-accept remote-user-id != bob@corp action permit\n"
	"filter add no-contractors layer ale-auth-recv-accept remote-user-id { deny group:contractors, * } action permit\n"
	"filter add machine-group layer ale-auth-recv-accept remote-machine-id group:mixed action permit\n"
	"filter add plain layer ale-auth-recv-accept protocol tcp action permit\n";

/* "m:NAME u:NAME ..." -> identity set; unknown names get principal -1. */
static unsigned ids_of(const struct xfp_policy *p, const char *spec,
		       struct xfp_identity *ids)
{
	char buf[256], *save = NULL;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *t = strtok_r(buf, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		assert_true(t[0] == 'm' || t[0] == 'u');
		ids[n].user = t[0] == 'u';
		ids[n].principal = xfp_policy_find_principal(p, t + 2);
		n++;
	}
	return n;
}

static void test_identity_acl(void **state)
{
	static const struct {
		const char *filter, *ids;
		int want;
	} rows[] = {
		/* allow through a group, nested groups */
		{ "staff", "u:alice@corp", 1 },
		{ "staff", "u:dave@corp", 1 }, /* staff > contractors */
		{ "staff", "u:carol@corp", 0 }, /* admins is not in staff */
		{ "staff", "u:eve@corp", 0 }, /* unknown principal */
		{ "staff", "m:host-b.corp", 0 }, /* no user identity */
		{ "staff", "", 0 }, /* no identity at all */
		/* deny before allow: the first matching ACE decides */
		{ "deny-first", "u:dave@corp", 0 },
		{ "deny-first", "u:alice@corp", 1 },
		{ "allow-first", "u:dave@corp", 1 },
		/* several identities are one token */
		{ "deny-first", "u:alice@corp u:dave@corp", 0 },
		{ "allow-first", "u:eve@corp u:dave@corp", 1 },
		{ "staff", "u:eve@corp u:bob@corp", 1 },
		/* SD1 (machine) AND SD2 (user) */
		{ "sd", "m:host-b.corp u:carol@corp", 1 },
		{ "sd", "m:host-b.corp u:dave@corp", 1 }, /* admins>staff>c. */
		{ "sd", "m:host-c.corp u:carol@corp", 0 }, /* denied host */
		{ "sd", "m:host-x.corp u:carol@corp", 0 }, /* unknown host */
		{ "sd", "m:host-b.corp u:eve@corp", 0 },
		{ "sd", "m:host-b.corp", 0 }, /* user required too */
		{ "sd", "u:carol@corp", 0 }, /* machine required too */
		{ "sd", "m:host-c.corp m:host-b.corp u:carol@corp", 0 },
		{ "sd", "m:host-b.corp m:host-c.corp u:carol@corp", 0 },
		/* "*" matches any identity of the kind, unknown included */
		{ "any", "u:eve@corp", 1 },
		{ "any", "m:host-b.corp", 0 },
		{ "not-bob", "u:alice@corp", 1 },
		{ "not-bob", "u:bob@corp", 0 },
		{ "not-bob", "u:eve@corp", 1 },
		{ "not-bob", "", 0 },
		{ "no-contractors", "u:dave@corp", 0 },
		{ "no-contractors", "u:alice@corp", 1 },
		/* members count for their own kind only */
		{ "machine-group", "u:alice@corp", 0 },
		{ "machine-group", "m:alice@corp", 1 },
		/* no identity condition: no constraint */
		{ "plain", "", 1 },
		{ "plain", "u:eve@corp", 1 },
	};
	struct xfp_policy *p = pol(acl_policy);

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct xfp_identity ids[8];
		unsigned n = ids_of(p, rows[i].ids, ids);
		int fi = xfp_policy_find_filter(p, rows[i].filter);
		int got = xfp_identity_filter_eval(p, (unsigned)fi, ids, n);
		struct xfp_pkt k = tcp4(22, 40000);
		struct xfp_decision d;
		bool m;

		assert_true(fi >= 0);
		if (got != rows[i].want)
			fail_msg("row %zu: %s with {%s}: got %d, want %d", i,
				 rows[i].filter, rows[i].ids, got,
				 rows[i].want);
		/* the classifier agrees, through xfp_pkt.ids */
		k.ids = ids;
		k.n_ids = n;
		k.ipsec_flags = XFP_COND_FLAG_SECURED;
		m = xfp_filter_matches(p, &p->filters[fi], &k);
		assert_int_equal(m, rows[i].want);
		assert_int_equal(xfp_ref_classify(p, ACCEPT, &k, &d), 0);
	}
	xfp_policy_free(p);
}

static void test_identity_api(void **state)
{
	struct xfp_policy *p = pol(acl_policy);
	struct xfp_identity bad = { .user = true, .principal = 9999 };
	struct xfp_identity alice = { .user = true, .principal = -1 };
	int fi = xfp_policy_find_filter(p, "sd");
	int g;

	(void)state;
	alice.principal = xfp_policy_find_principal(p, "alice@corp");
	assert_true(alice.principal >= 0);
	/* one condition at a time */
	assert_int_equal(xfp_identity_cond_eval(p, (unsigned)fi,
						XFP_FIELD_REMOTE_USER_ID,
						&alice, 1),
			 1);
	assert_int_equal(xfp_identity_cond_eval(p, (unsigned)fi,
						XFP_FIELD_REMOTE_MACHINE_ID,
						&alice, 1),
			 0);
	assert_int_equal(xfp_identity_filter_eval(p, (unsigned)fi, &alice, 1),
			 0);
	/* a field the filter has no condition on: no constraint */
	fi = xfp_policy_find_filter(p, "staff");
	assert_int_equal(xfp_identity_cond_eval(p, (unsigned)fi,
						XFP_FIELD_REMOTE_MACHINE_ID,
						NULL, 0),
			 1);
	/* bad arguments */
	assert_int_equal(xfp_identity_cond_eval(
				 p, 9999, XFP_FIELD_REMOTE_USER_ID, &alice, 1),
			 -EINVAL);
	assert_int_equal(xfp_identity_cond_eval(p, (unsigned)fi,
						XFP_FIELD_PROTOCOL, &alice, 1),
			 -EINVAL);
	assert_int_equal(xfp_identity_filter_eval(p, (unsigned)fi, &bad, 1),
			 -EINVAL);
	assert_int_equal(xfp_identity_filter_eval(p, (unsigned)fi, NULL, 1),
			 -EINVAL);
	{
		struct xfp_pkt k = tcp4(1, 2);
		struct xfp_decision d;

		k.ids = &bad;
		k.n_ids = 1;
		assert_int_equal(xfp_ref_classify(p, ACCEPT, &k, &d), -EINVAL);
	}
	/* membership */
	g = xfp_policy_find_group(p, "admins");
	assert_true(xfp_group_contains(
		p, g, true, xfp_policy_find_principal(p, "dave@corp")));
	assert_false(xfp_group_contains(p, g, false, alice.principal));
	assert_false(xfp_group_contains(p, -1, true, alice.principal));
	assert_false(xfp_group_contains(p, g, true, -1));
	xfp_policy_free(p);
}

/* An SA's identities are the connection's identity set. */
static void test_identity_sa(void **state)
{
	struct xfp_policy *p = pol(
		"group add staff { user:alice@corp }\n"
		"filter add out layer outbound-transport action outbound-transport\n"
		"filter add out2 layer outbound-transport remote-addr 198.18.0.9 action outbound-transport\n"
		"sa add a filter out spi-in 256 spi-out 257 alg aes128gcm16 key-file k remote-id { machine:host-b.corp, user:alice@corp }\n"
		"sa add b filter out2 spi-in 258 spi-out 259 alg aes128gcm16 key-file k remote-id machine:host-b.corp\n"
		"filter add ok layer ale-auth-recv-accept protocol tcp remote-machine-id host-b.corp remote-user-id group:staff action inbound-initiate-secure\n"
		"filter add rest layer ale-auth-recv-accept protocol tcp action block\n");
	struct xfp_pkt k = tcp4(5555, 40000);
	struct xfp_identity u = { .user = true, .principal = -1 };
	struct xfp_sa *sa;

	(void)state;
	k.sa = xfp_policy_find_sa(p, "a");
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "ok");
	/* the compiler's view: the SA's identity set */
	sa = &p->sas[k.sa];
	assert_int_equal(xfp_identity_filter_eval(
				 p, (unsigned)xfp_policy_find_filter(p, "ok"),
				 sa->ids, sa->n_ids),
			 1);
	/* an SA without a user identity fails the user condition */
	k.sa = xfp_policy_find_sa(p, "b");
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "rest");
	sa = &p->sas[k.sa];
	assert_int_equal(xfp_identity_filter_eval(
				 p, (unsigned)xfp_policy_find_filter(p, "ok"),
				 sa->ids, sa->n_ids),
			 0);
	/* a name on the packet overrides the SA's identity of that kind */
	k.sa = xfp_policy_find_sa(p, "a");
	k.remote_user = "mallory@corp";
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "rest");
	/* n_ids == 0 is "no explicit set": the names and the SA are used
	 * (fuzz regression regress-empty-ids-names) */
	k.ids = &u;
	k.n_ids = 0;
	k.remote_user = "alice@corp";
	EXPECT(p, run(p, ACCEPT, &k), PERMIT, false, "ok");
	k.sa = -1;
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "rest"); /* no machine */
	k.remote_user = NULL;
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "rest");
	k.sa = xfp_policy_find_sa(p, "a");
	k.remote_user = "mallory@corp";
	/* and an explicit identity set overrides both */
	u.principal = xfp_policy_find_principal(p, "alice@corp");
	k.ids = &u;
	k.n_ids = 1;
	EXPECT(p, run(p, ACCEPT, &k), BLOCK, true, "rest"); /* no machine */
	xfp_policy_free(p);
}

/* ---- negotiation discovery ---------------------------------------------- */

static void test_nd_inputs(void **state)
{
	struct xfp_policy *p = pol(
		"qm-policy add qm-nd transport proposal esp aes128gcm16 flags nd-secure nd-allow-clear-timeout 10s\n"
		"qm-policy add qm-other transport proposal esp aes128gcm16\n"
		"filter add qm layer ipsec remote-addr 198.18.0.2 action permit policy qm-nd\n"
		"filter add qm2 layer ipsec remote-addr 198.18.0.3 action permit policy qm-other\n"
		"filter add nd-in layer inbound-transport action inbound-transport context persist-connection-security\n"
		"filter add nd-out layer outbound-transport action outbound-transport context negotiate-discover\n");
	struct xfp_pkt k = tcp4(40000, 22);
	struct xfp_decision d;

	(void)state;
	/* outbound, no SA: clear and acquire */
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "nd-out");
	assert_true(d.clear_ok && d.acquire && !d.secure);
	assert_int_equal(d.reason, XFP_REASON_ND_CLEAR);
	/* the clear allowance does not limit outbound */
	k.has |= XFP_PKT_ND_CLEAR_EXPIRED;
	d = run(p, OUT, &k);
	assert_true(d.action == PERMIT && d.clear_ok && d.acquire);
	k.has &= ~(uint32_t)XFP_PKT_ND_CLEAR_EXPIRED;
	/* outbound with an SA: secure, no acquire */
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, OUT, &k);
	assert_true(d.action == PERMIT && d.secure && !d.clear_ok &&
		    !d.acquire);
	/* a secured flow never downgrades, either direction */
	k.ipsec_flags = 0;
	k.has |= XFP_PKT_FLOW_WAS_SECURED;
	d = run(p, OUT, &k);
	assert_int_equal(d.action, BLOCK);
	assert_int_equal(d.reason, XFP_REASON_DOWNGRADE);
	assert_int_equal(d.drop_reason, XFP_DROP_FLOW_DOWNGRADE);
	d = run(p, IN, &k);
	assert_int_equal(d.action, BLOCK);
	assert_int_equal(d.drop_reason, XFP_DROP_FLOW_DOWNGRADE);
	/* ... but its protected packets pass */
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	assert_int_equal(run(p, IN, &k).action, PERMIT);
	assert_true(run(p, OUT, &k).secure);
	/* inbound clear: accepted until the allowance runs out */
	k.ipsec_flags = 0;
	k.has &= ~(uint32_t)XFP_PKT_FLOW_WAS_SECURED;
	d = run(p, IN, &k);
	assert_int_equal(d.action, PERMIT);
	assert_int_equal(d.reason, XFP_REASON_ND_CLEAR);
	k.has |= XFP_PKT_ND_CLEAR_EXPIRED;
	d = run(p, IN, &k);
	EXPECT(p, d, BLOCK, false, "nd-in");
	assert_int_equal(d.reason, XFP_REASON_ND_TIMEOUT);
	assert_int_equal(d.drop_reason, XFP_DROP_CLEAR_TEXT);
	/* downgrade outranks the timeout */
	k.has |= XFP_PKT_FLOW_WAS_SECURED;
	assert_int_equal(run(p, IN, &k).reason, XFP_REASON_DOWNGRADE);
	/* secured inbound is unaffected by the bit */
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	assert_int_equal(run(p, IN, &k).action, PERMIT);
	/* the timeout of the qm-policy the ipsec layer selects */
	k = tcp4(40000, 22);
	assert_int_equal(xfp_nd_clear_timeout(p, &k), 10);
	k = pkt("198.18.0.1", "198.18.0.3", 6, 1, 2);
	assert_int_equal(xfp_nd_clear_timeout(p, &k), 0);
	k = pkt("198.18.0.1", "198.18.0.4", 6, 1, 2);
	assert_int_equal(xfp_nd_clear_timeout(p, &k), 0);
	xfp_policy_free(p);
}

/* ---- tunnels ------------------------------------------------------------ */

static void test_tunnel_expansion(void **state)
{
	struct xfp_policy *p = pol(
		"mm-policy add mm auth psk proposal aes128-sha256-modp2048\n"
		"qm-policy add t6 tunnel proposal esp aes128gcm16 flags clear-df local-endpoint 2001:db8::1 remote-endpoint 2001:db8:2::1\n"
		"tunnel add t policy t6 mm-policy mm local-addr 198.18.1.0/24 remote-addr 198.19.1.0/24\n"
		"qm-policy add p2p tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2\n"
		"tunnel add q policy p2p flags point-to-point local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp remote-port 22\n");
	static const char *const names[] = { "t-mm", "t-qm",	  "t-out",
					     "t-in", "t-connect", "t-ipip" };
	struct xfp_pkt k = pkt("198.18.1.5", "198.19.1.7", 6, 40000, 80);
	struct xfp_pkt o;
	struct xfp_decision d;
	int fi;

	(void)state;
	assert_int_equal(p->n_tunnels, 2);
	for (size_t i = 0; i < 6; i++) {
		fi = xfp_policy_find_filter(p, names[i]);
		assert_true(fi >= 0);
		assert_true(p->filters[fi].has & XFP_FILTER_FROM_TUNNEL);
		assert_int_equal(p->filters[fi].tunnel, 0);
	}
	/* no mm-policy: no -mm filter */
	assert_int_equal(xfp_policy_find_filter(p, "q-mm"), -1);
	assert_true(xfp_policy_find_filter(p, "q-out") >= 0);
	/* the transport tunnel filters sit in ipsec-tunnel, above default */
	fi = xfp_policy_find_filter(p, "t-out");
	assert_string_equal(p->sublayers[p->filters[fi].sublayer].name,
			    "ipsec-tunnel");
	assert_int_equal(p->filters[fi].family, XFP_FAMILY_IP); /* inner */
	fi = xfp_policy_find_filter(p, "t-ipip");
	assert_int_equal(p->filters[fi].family, XFP_FAMILY_IP6); /* outer */
	/* IPv4 inner traffic goes out over the IPv6 tunnel */
	d = run(p, OUT, &k);
	EXPECT(p, d, BLOCK, false, "t-out");
	assert_true(d.acquire);
	k.ipsec_flags = XFP_COND_FLAG_SECURED;
	d = run(p, OUT, &k);
	EXPECT(p, d, PERMIT, false, "t-out");
	assert_true(d.secure);
	assert_int_equal(
		d.ctx,
		xfp_policy_find_filter(p, "t-out") >= 0 ?
			p->filters[xfp_policy_find_filter(p, "t-out")].ctx :
			-1);
	assert_true(p->qm[d.ctx].flags & XFP_QM_CLEAR_DF_ON_TUNNEL);
	EXPECT(p, run(p, CONNECT, &k), PERMIT, false, "t-connect");
	k.ipsec_flags = 0;
	EXPECT(p, run(p, IN, &k), BLOCK, false, "t-in");
	/* decrypted IP-in-IP between the IPv6 endpoints */
	o = pkt("2001:db8::1", "2001:db8:2::1", 4, 0, 0);
	EXPECT(p, run(p, ACCEPT, &o), BLOCK, false, "t-ipip");
	o.ipsec_flags = XFP_COND_FLAG_SECURED;
	EXPECT(p, run(p, ACCEPT, &o), PERMIT, false, "t-ipip");
	o.protocol = 41;
	EXPECT(p, run(p, ACCEPT, &o), PERMIT, false, "t-ipip");
	o.protocol = 6;
	EXPECT(p, run(p, ACCEPT, &o), PERMIT, false, "(none)");
	/* keying: the tunnel's qm-policy for the inner selectors */
	k.ipsec_flags = 0;
	d = run(p, XFP_LAYER_IPSEC, &k);
	EXPECT(p, d, PERMIT, false, "t-qm");
	/* point-to-point: ports select */
	k = pkt("198.18.0.1", "198.18.0.2", 6, 40000, 22);
	EXPECT(p, run(p, OUT, &k), BLOCK, false, "q-out");
	k.remote_port = 23;
	EXPECT(p, run(p, OUT, &k), PERMIT, false, "(none)");
	xfp_policy_free(p);
}

static void test_tunnel_delete(void **state)
{
	struct xfp_policy *p = pol(
		"qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2\n"
		"tunnel add t1 policy a local-addr 198.18.1.0/24\n"
		"tunnel add t2 policy a remote-addr 198.18.2.0/24\n"
		"filter add keep layer inbound-transport action block\n"
		"tunnel delete t1\n");
	struct xfp_errors e = { 0 };
	const char *more = "filter delete t2-out\n";

	(void)state;
	assert_int_equal(p->n_tunnels, 1);
	assert_string_equal(p->tunnels[0].name, "t2");
	assert_int_equal(p->n_filters, 6); /* t2's five + keep */
	assert_int_equal(xfp_policy_find_filter(p, "t1-out"), -1);
	assert_int_equal(p->filters[xfp_policy_find_filter(p, "t2-in")].tunnel,
			 0);
	assert_int_equal(
		xfp_policy_parse_string(p, "t", more, strlen(more), 0, &e), 1);
	assert_string_equal(e.v[0].msg,
			    "filter 't2-out' belongs to tunnel 't2'; delete "
			    "the tunnel with 'tunnel delete t2'");
	xfp_errors_free(&e);
	xfp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight_order),
		cmocka_unit_test(test_sublayer_order),
		cmocka_unit_test(test_merge_table),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_or_and),
		cmocka_unit_test(test_match_types),
		cmocka_unit_test(test_absent_fields_and_families),
		cmocka_unit_test(test_auto_weight),
		cmocka_unit_test(test_order_independence),
		cmocka_unit_test(test_allowed_conditions),
		cmocka_unit_test(test_callouts_inbound),
		cmocka_unit_test(test_callouts_outbound),
		cmocka_unit_test(test_callouts_ale),
		cmocka_unit_test(test_callouts_sa),
		cmocka_unit_test(test_policy_selection),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_decision_print),
		cmocka_unit_test(test_show_preserves_decisions),
		cmocka_unit_test(test_identity_acl),
		cmocka_unit_test(test_identity_api),
		cmocka_unit_test(test_identity_sa),
		cmocka_unit_test(test_nd_inputs),
		cmocka_unit_test(test_tunnel_expansion),
		cmocka_unit_test(test_tunnel_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
