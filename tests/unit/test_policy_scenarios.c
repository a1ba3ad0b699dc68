// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy_scenarios.c - every file of policy/examples/ is a valid
 * policy (key files included), and each scenario decides as the WFP
 * scenario pages say: at least three permitted and three blocked packets
 * per scenario, run through the reference classifier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "policy/policy.h"

#define EX "policy/examples/"

static const char *const scenarios[] = {
	"transport", "nd-transport",	      "nd-boundary",
	"tunnel",    "guaranteed-encryption", "remote-identity",
	"manual-sa", "ike-icmp-exemptions",   "isolation",
};
#define N_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

static char tmpdir[64];
static struct xfp_policy *loaded[N_SCENARIOS];

static void copy(const char *from, const char *to, mode_t mode)
{
	FILE *a = fopen(from, "r"), *b;
	char buf[4096];
	size_t n;

	assert_non_null(a);
	b = fopen(to, "w");
	assert_non_null(b);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
	assert_int_equal(chmod(to, mode), 0);
}

/*
 * Load every example as `xfp policy check` does, key files included.  The
 * examples are copied (mode 0644, as a clone has them) to a private folder
 * and policy/examples/make-keys.sh writes the key files there (0600).
 */
static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/xfp-scenarios-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	for (size_t i = 0; i < N_SCENARIOS; i++) {
		char from[256], to[256];

		snprintf(from, sizeof(from), EX "%s.pol", scenarios[i]);
		snprintf(to, sizeof(to), "%s/%s.pol", tmpdir, scenarios[i]);
		copy(from, to, 0644);
	}
	{
		/* Key files are not committed: make them as a user does. */
		char cmd[256];

		snprintf(cmd, sizeof(cmd), EX "make-keys.sh '%s' >/dev/null",
			 tmpdir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	for (size_t i = 0; i < N_SCENARIOS; i++)
		xfp_policy_free(loaded[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every example passes check: no errors, keys read where there are SAs. */
static void test_examples_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_SCENARIOS; i++) {
		char path[256];
		struct xfp_policy *p = xfp_policy_new();
		struct xfp_errors e = { 0 };
		int n;

		snprintf(path, sizeof(path), "%s/%s.pol", tmpdir, scenarios[i]);
		n = xfp_policy_parse_file(p, path, 0, &e);
		if (!n)
			n = xfp_policy_finalize(p, &e);
		if (n) {
			xfp_errors_print(&e, stderr);
			fail_msg("%s does not pass check", scenarios[i]);
		}
		xfp_errors_free(&e);
		for (unsigned s = 0; s < p->n_sas; s++)
			assert_true(p->sas[s].has & XFP_SA_HAS_KEYS);
		loaded[i] = p;
	}
	assert_int_equal(loaded[6]->n_sas, 2);
}

/*
 * One packet: "PROTO LOCAL LPORT REMOTE RPORT [WORD...]".  For icmp the
 * ports are type and code.  Words: secured, encrypted (implies secured),
 * was-secured, nd-expired, sa=NAME, machine=NAME, user=NAME.
 */
static struct xfp_pkt parse_pkt(const struct xfp_policy *p, const char *desc)
{
	static char machine[256], user[256]; /* valid until the next call */
	char buf[256], *w[16], *save = NULL;
	struct xfp_pkt k;
	int n = 0;

	memset(&k, 0, sizeof(k));
	k.sa = -1;
	k.local_addr_type = XFP_ADDR_TYPE_UNICAST;
	snprintf(buf, sizeof(buf), "%s", desc);
	for (char *t = strtok_r(buf, " ", &save); t && n < 16;
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	assert_true(n >= 5);
	k.protocol = (uint8_t)xfp_protocol_parse(w[0]);
	k.family = (uint8_t)xfp_addr_parse(w[1], &k.local);
	assert_true(k.family == 4 || k.family == 6);
	assert_int_equal(xfp_addr_parse(w[3], &k.remote), k.family);
	if (k.protocol == 6 || k.protocol == 17) {
		k.has |= XFP_PKT_HAS_PORTS;
		k.local_port = (uint16_t)atoi(w[2]);
		k.remote_port = (uint16_t)atoi(w[4]);
	} else if (k.protocol == 1 || k.protocol == 58) {
		k.has |= XFP_PKT_HAS_ICMP;
		k.icmp_type = (uint8_t)atoi(w[2]);
		k.icmp_code = (uint8_t)atoi(w[4]);
	}
	for (int i = 5; i < n; i++) {
		if (!strcmp(w[i], "secured"))
			k.ipsec_flags |= XFP_COND_FLAG_SECURED;
		else if (!strcmp(w[i], "encrypted"))
			k.ipsec_flags |= XFP_COND_FLAG_SECURED |
					 XFP_COND_FLAG_ENCRYPTED;
		else if (!strcmp(w[i], "was-secured"))
			k.has |= XFP_PKT_FLOW_WAS_SECURED;
		else if (!strcmp(w[i], "nd-expired"))
			k.has |= XFP_PKT_ND_CLEAR_EXPIRED;
		else if (!strncmp(w[i], "sa=", 3))
			k.sa = xfp_policy_find_sa(p, w[i] + 3);
		else if (!strncmp(w[i], "machine=", 8))
			k.remote_machine = strcpy(machine, w[i] + 8);
		else if (!strncmp(w[i], "user=", 5))
			k.remote_user = strcpy(user, w[i] + 5);
		else
			fail_msg("bad packet word '%s'", w[i]);
	}
	return k;
}

#define IN XFP_LAYER_INBOUND_TRANSPORT
#define OUT XFP_LAYER_OUTBOUND_TRANSPORT
#define ACC XFP_LAYER_ALE_AUTH_RECV_ACCEPT
#define CON XFP_LAYER_ALE_AUTH_CONNECT
#define P XFP_ACTION_PERMIT
#define B XFP_ACTION_BLOCK

/* Extra checks on a decision. */
enum { SECURE = 1, CLEAR_OK = 2, ACQUIRE = 4, VIA_SA = 8 };

struct row {
	int scenario;
	enum xfp_layer layer;
	const char *pkt;
	enum xfp_action act;
	const char *by; /* deciding filter, "-" for none */
	unsigned extra;
};

#define V4A "198.18.0.1"
#define V4B "198.18.0.2"
#define V6A "2001:db8::1"
#define V6B "2001:db8::2"

static const struct row rows[] = {
	/* 0 transport: IPsec required both ways */
	{ 0, IN, "tcp " V4A " 22 " V4B " 40000 secured", P, "secure-in", 0 },
	{ 0, IN, "tcp " V6A " 22 " V6B " 40000 secured", P, "secure-in", 0 },
	{ 0, IN, "icmp " V4A " 8 " V4B " 0", P, "icmp-in", 0 },
	{ 0, IN, "udp " V4A " 500 " V4B " 500", P, "ike-exempt-500-in", 0 },
	{ 0, OUT, "tcp " V4A " 40000 " V4B " 22 secured", P, "secure-out",
	  SECURE },
	{ 0, OUT, "udp " V4A " 4500 " V4B " 4500", P, "ike-exempt-4500-out",
	  0 },
	{ 0, IN, "tcp " V4A " 22 " V4B " 40000", B, "secure-in", 0 },
	{ 0, IN, "udp " V6A " 4500 " V6B " 4500", B, "secure-in", 0 },
	{ 0, IN, "udp " V4A " 53 " V4B " 53", B, "secure-in", 0 },
	{ 0, OUT, "tcp " V4A " 40000 " V4B " 22", B, "secure-out", ACQUIRE },

	/* 1 negotiation discovery: inbound must be secure, outbound may fall back */
	{ 1, OUT, "tcp " V4A " 40000 " V4B " 22", P, "nd-out",
	  CLEAR_OK | ACQUIRE },
	{ 1, OUT, "tcp " V4A " 40000 " V4B " 22 secured", P, "nd-out", SECURE },
	{ 1, IN, "tcp " V4A " 40000 " V4B " 22", P, "nd-in", 0 },
	{ 1, ACC, "tcp " V4A " 22 " V4B " 40000 secured", P, "nd-accept", 0 },
	{ 1, ACC, "icmp " V4A " 8 " V4B " 0", P, "icmp-accept", 0 },
	{ 1, ACC, "tcp " V4A " 22 " V4B " 40000", B, "nd-accept", 0 },
	{ 1, ACC, "udp " V6A " 53 " V6B " 40000", B, "nd-accept", 0 },
	{ 1, IN, "tcp " V4A " 40000 " V4B " 22 was-secured", B, "nd-in", 0 },
	{ 1, OUT, "tcp " V4A " 40000 " V4B " 22 was-secured", B, "nd-out",
	  ACQUIRE },
	/* the clear allowance: inbound clear stops, outbound ND goes on */
	{ 1, IN, "tcp " V4A " 40000 " V4B " 22 nd-expired", B, "nd-in", 0 },
	{ 1, OUT, "tcp " V4A " 40000 " V4B " 22 nd-expired", P, "nd-out",
	  CLEAR_OK | ACQUIRE },
	{ 1, IN, "tcp " V4A " 40000 " V4B " 22 secured nd-expired", P, "nd-in",
	  0 },
	/* a secured flow stays secured */
	{ 1, OUT, "tcp " V4A " 40000 " V4B " 22 secured was-secured", P,
	  "nd-out", SECURE },
	{ 1, IN, "tcp " V4A " 40000 " V4B " 22 secured was-secured", P, "nd-in",
	  0 },

	/* 2 boundary: everything may fall back, nothing is downgraded */
	{ 2, ACC, "tcp " V4A " 22 " V4B " 40000", P, "-", 0 },
	{ 2, IN, "tcp " V4A " 22 " V4B " 40000", P, "nd-in", 0 },
	{ 2, OUT, "tcp " V4A " 40000 " V4B " 22", P, "nd-out",
	  CLEAR_OK | ACQUIRE },
	{ 2, IN, "tcp " V4A " 22 " V4B " 40000 was-secured", B, "nd-in", 0 },
	{ 2, IN, "udp " V6A " 53 " V6B " 40000 was-secured", B, "nd-in", 0 },
	{ 2, OUT, "tcp " V4A " 40000 " V4B " 22 was-secured", B, "nd-out",
	  ACQUIRE },
	{ 2, IN, "tcp " V4A " 22 " V4B " 40000 nd-expired", B, "nd-in", 0 },
	{ 2, IN, "tcp " V4A " 22 " V4B " 40000 secured was-secured", P, "nd-in",
	  0 },
	{ 2, OUT, "tcp " V4A " 40000 " V4B " 22 secured was-secured", P,
	  "nd-out", SECURE },

	/* 3 tunnel: 198.18.1.0/24 <-> 198.19.1.0/24 through gateway B (v4
	 * outer) and <-> 198.19.3.0/24 through gateway C (v6 outer) */
	{ 3, OUT, "tcp 198.18.1.5 40000 198.19.1.7 80 secured", P, "site-b-out",
	  SECURE },
	{ 3, IN, "tcp 198.18.1.5 80 198.19.1.7 40000 secured", P, "site-b-in",
	  0 },
	{ 3, ACC, "ipip 198.18.0.1 0 198.19.0.1 0 secured", P, "site-b-ipip",
	  0 },
	{ 3, CON, "tcp 198.18.1.5 40000 198.19.1.7 80 secured", P,
	  "site-b-connect", 0 },
	{ 3, OUT, "tcp 198.18.1.5 40000 198.19.2.1 80", P, "-", 0 },
	{ 3, OUT, "udp 198.18.1.5 5000 198.19.3.9 53 secured", P, "site-c-out",
	  SECURE },
	{ 3, ACC, "ipip 2001:db8:a::1 0 2001:db8:c::1 0 secured", P,
	  "site-c-ipip", 0 },
	{ 3, IN, "udp 198.18.1.5 53 198.19.3.9 5000 secured", P, "site-c-in",
	  0 },
	{ 3, OUT, "tcp 198.18.1.5 40000 198.19.1.7 80", B, "site-b-out",
	  ACQUIRE },
	{ 3, IN, "tcp 198.18.1.5 80 198.19.1.7 40000", B, "site-b-in", 0 },
	{ 3, CON, "tcp 198.18.1.5 40000 198.19.1.7 80", B, "site-b-connect",
	  ACQUIRE },
	{ 3, ACC, "ipv6 198.18.0.1 0 198.19.0.1 0", B, "site-b-ipip", 0 },
	{ 3, OUT, "udp 198.18.1.5 5000 198.19.3.9 53", B, "site-c-out",
	  ACQUIRE },
	{ 3, ACC, "ipip 2001:db8:a::1 0 2001:db8:c::1 0", B, "site-c-ipip", 0 },

	/* 4 guaranteed encryption on TCP 5555 */
	{ 4, ACC, "tcp " V4A " 5555 " V4B " 40000 encrypted", P, "enc-accept",
	  0 },
	{ 4, ACC, "tcp " V4A " 80 " V4B " 40000 secured", P, "nd-accept", 0 },
	{ 4, CON, "tcp " V4A " 5555 " V4B " 80 encrypted", P, "enc-connect",
	  0 },
	{ 4, CON, "tcp " V4A " 6000 " V4B " 80", P, "-", 0 },
	{ 4, ACC, "tcp " V4A " 5555 " V4B " 40000 secured", B, "enc-accept",
	  0 },
	{ 4, ACC, "tcp " V6A " 5555 " V6B " 40000", B, "enc-accept", 0 },
	{ 4, CON, "tcp " V4A " 5555 " V4B " 80 secured", B, "enc-connect", 0 },
	{ 4, ACC, "tcp " V4A " 80 " V4B " 40000", B, "nd-accept", 0 },

	/* 5 remote identity on TCP 5555 */
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-b.corp user=alice@corp",
	  P, "app-allowed", 0 },
	{ 5, ACC,
	  "tcp " V6A " 5555 " V6B
	  " 40000 encrypted machine=host-b.corp user=bob@corp",
	  P, "app-allowed", 0 },
	{ 5, ACC, "tcp " V4A " 80 " V4B " 40000 secured machine=host-c.corp", P,
	  "nd-accept", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-c.corp user=alice@corp",
	  B, "app-others", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-b.corp user=mallory@corp",
	  B, "app-others", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B " 40000 machine=host-b.corp user=alice@corp",
	  B, "app-allowed", 0 },
	{ 5, ACC, "tcp " V4A " 5555 " V4B " 40000 secured", B, "app-others",
	  0 },
	/* groups: nested contractors allowed, except the denied dave */
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-b.corp user=erin@corp",
	  P, "app-allowed", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-b.corp user=carol@corp",
	  P, "app-allowed", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-b.corp user=dave@corp",
	  B, "app-others", 0 },
	{ 5, ACC,
	  "tcp " V4A " 5555 " V4B
	  " 40000 secured machine=host-z.corp user=alice@corp",
	  B, "app-others", 0 },
	{ 5, ACC, "tcp " V4A " 5555 " V4B " 40000 secured user=alice@corp", B,
	  "app-others", 0 },

	/* 6 manual SAs with host-b (.2) and host-c (.3) */
	{ 6, OUT, "tcp " V4A " 40000 " V4B " 22", P, "b-out", SECURE | VIA_SA },
	{ 6, IN, "tcp " V4A " 22 " V4B " 40000 sa=host-b", P, "b-in", VIA_SA },
	{ 6, IN, "tcp " V4A " 22 198.18.0.3 40000 sa=host-c", P, "c-in",
	  VIA_SA },
	{ 6, IN, "icmp " V4A " 8 " V4B " 0", P, "icmp-in", 0 },
	{ 6, OUT, "tcp " V4A " 40000 198.18.0.4 22", P, "-", 0 },
	{ 6, IN, "tcp " V4A " 22 " V4B " 40000", B, "b-in", 0 },
	{ 6, IN, "tcp " V4A " 22 " V4B " 40000 sa=host-c", B, "b-in", 0 },
	{ 6, IN, "udp " V4A " 53 198.18.0.3 53", B, "c-in", 0 },
	{ 6, OUT, "tcp " V4A " 40000 " V4B " 22 sa=host-c", B, "b-out", 0 },

	/* 7 IKE and ICMP exemptions on a default-deny host */
	{ 7, IN, "udp " V4A " 500 " V4B " 500", P, "ike-exempt-500-in", 0 },
	{ 7, IN, "udp " V6A " 500 " V6B " 500", P, "ike-exempt-500-in", 0 },
	{ 7, OUT, "udp " V4A " 4500 " V4B " 4500", P, "ike-exempt-4500-out",
	  0 },
	{ 7, IN, "icmp " V4A " 8 " V4B " 0", P, "icmp-in", 0 },
	{ 7, OUT, "icmpv6 " V6A " 128 " V6B " 0", P, "icmp-out", 0 },
	{ 7, IN, "udp " V6A " 4500 " V6B " 4500", B, "deny-in", 0 },
	{ 7, IN, "tcp " V4A " 22 " V4B " 40000", B, "deny-in", 0 },
	{ 7, OUT, "udp " V4A " 501 " V4B " 500", B, "deny-out", 0 },

	/* 8 sample isolation: AH, ND everywhere, IPsec required at accept */
	{ 8, OUT, "tcp " V4A " 40000 " V4B " 445", P, "nd-out",
	  CLEAR_OK | ACQUIRE },
	{ 8, IN, "tcp " V4A " 40000 " V4B " 445", P, "nd-in", 0 },
	{ 8, ACC, "tcp " V4A " 445 " V4B " 40000 secured", P, "require-accept",
	  0 },
	{ 8, ACC, "icmp " V4A " 8 " V4B " 0", P, "icmp-accept", 0 },
	{ 8, ACC, "tcp " V4A " 445 " V4B " 40000", B, "require-accept", 0 },
	{ 8, ACC, "udp " V6A " 53 " V6B " 40000", B, "require-accept", 0 },
	{ 8, IN, "tcp " V4A " 40000 " V4B " 445 was-secured", B, "nd-in", 0 },
};

static void test_scenario_decisions(void **state)
{
	int permitted[N_SCENARIOS] = { 0 }, blocked[N_SCENARIOS] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		const struct xfp_policy *p = loaded[r->scenario];
		struct xfp_pkt k;
		struct xfp_decision d;
		const char *by;

		assert_non_null(p);
		k = parse_pkt(p, r->pkt);
		assert_int_equal(xfp_ref_classify(p, r->layer, &k, &d), 0);
		by = d.filter >= 0 ? p->filters[d.filter].name : "-";
		if (d.action != r->act || strcmp(by, r->by) ||
		    !!(r->extra & SECURE) != d.secure ||
		    !!(r->extra & CLEAR_OK) != d.clear_ok ||
		    !!(r->extra & ACQUIRE) != d.acquire ||
		    !!(r->extra & VIA_SA) != (d.sa >= 0)) {
			xfp_decision_print(p, &d, &k, false, stderr);
			fail_msg("%s: row %zu (%s at %s): got %s by %s",
				 scenarios[r->scenario], i, r->pkt,
				 xfp_layer_name(r->layer),
				 d.action == XFP_ACTION_PERMIT ? "permit" :
								 "block",
				 by);
		}
		if (d.action == XFP_ACTION_PERMIT)
			permitted[r->scenario]++;
		else
			blocked[r->scenario]++;
	}
	for (size_t s = 0; s < N_SCENARIOS; s++) {
		if (permitted[s] < 3 || blocked[s] < 3)
			fail_msg("%s: %d permitted, %d blocked; want 3 each",
				 scenarios[s], permitted[s], blocked[s]);
	}
}

/* Facts of the scenarios that are not about one packet. */
static void test_scenario_objects(void **state)
{
	const struct xfp_policy *p;
	const struct xfp_sa *sa;
	int i;

	(void)state;
	/* ND policies carry the flags and timeouts of the WFP sample. */
	p = loaded[1];
	assert_int_equal(p->qm[0].flags, XFP_QM_ND_SECURE);
	assert_int_equal(p->qm[0].nd_allow_clear_timeout, 10);
	assert_int_equal(p->qm[0].idle_timeout, 300);
	assert_int_equal(p->qm[0].idle_timeout_failover, 60);
	assert_int_equal(loaded[2]->qm[0].flags, XFP_QM_ND_BOUNDARY);
	/* boundary mode has no ALE filter */
	for (unsigned f = 0; f < loaded[2]->n_filters; f++)
		assert_int_not_equal(loaded[2]->filters[f].layer, ACC);
	/* tunnel: endpoints, clear-df, its own sublayer above the default */
	p = loaded[3];
	assert_true(p->qm[0].tunnel);
	assert_true(p->qm[0].flags & XFP_QM_CLEAR_DF_ON_TUNNEL);
	i = xfp_policy_find_filter(p, "site-b-out");
	assert_true(p->filters[i].sublayer_weight >
		    XFP_DEFAULT_SUBLAYER_WEIGHT);
	assert_true(p->filters[i].has & XFP_FILTER_FROM_TUNNEL);
	assert_int_equal(p->n_tunnels, 2);
	/* IPv6 outer, IPv4 inner */
	assert_int_equal(p->qm[1].endpoint_family, 6);
	i = xfp_policy_find_filter(p, "site-c-out");
	assert_int_equal(p->filters[i].family, XFP_FAMILY_IP);
	assert_false(p->qm[1].flags & XFP_QM_CLEAR_DF_ON_TUNNEL);
	/* ND: the timeout an ND flow of this policy gets */
	{
		struct xfp_pkt k =
			parse_pkt(loaded[1], "tcp " V4A " 1 " V4B " 2");

		assert_int_equal(xfp_nd_clear_timeout(loaded[1], &k), 10);
	}
	/* remote identity: groups, nested */
	p = loaded[5];
	assert_int_equal(p->n_groups, 4);
	/* guaranteed encryption: one proposal encrypts */
	p = loaded[4];
	assert_int_equal(p->qm[0].proposals[2].esp_alg, XFP_ALG_AES128GCM16);
	assert_true(xfp_alg_encrypts(p->qm[0].proposals[2].esp_alg));
	/* manual SA: bound both ways, keys read, identities */
	p = loaded[6];
	sa = &p->sas[xfp_policy_find_sa(p, "host-b")];
	assert_string_equal(p->filters[sa->filter].name, "b-out");
	assert_string_equal(p->filters[sa->inbound_filter].name, "b-in");
	assert_int_equal(sa->spi_in, 0x1001);
	assert_int_equal(sa->spi_out, 0x2001);
	assert_int_equal(sa->flags, XFP_SA_GUARANTEE_ENCRYPTION);
	assert_int_equal(sa->key_len, 20);
	assert_int_equal(sa->n_ids, 2);
	assert_int_equal(sa->lifetime.soft_seconds, 3000);
	/* exemptions appear because of the ikeext filter, in range 12 */
	p = loaded[7];
	i = xfp_policy_find_filter(p, "ike-exempt-500-out");
	assert_true(i >= 0);
	assert_int_equal(p->filters[i].effective_weight >> 60, 12);
	assert_true(p->filters[i].has & XFP_FILTER_AUTO_EXEMPTION);
	/* isolation: AH with HMAC-SHA1-96, AuthIP with Kerberos */
	p = loaded[8];
	assert_int_equal(p->qm[0].proposals[0].ah_alg, XFP_ALG_AH_SHA1);
	assert_int_equal(p->qm[0].proposals[0].esp_alg, XFP_ALG_NONE);
	assert_int_equal(p->mm[0].keying, XFP_KEYING_AUTHIP);
	assert_int_equal(p->mm[0].auth[0], XFP_MM_AUTH_KERBEROS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples_check),
		cmocka_unit_test(test_scenario_decisions),
		cmocka_unit_test(test_scenario_objects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
