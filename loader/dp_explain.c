// SPDX-License-Identifier: GPL-2.0
/*
 * dp_explain.c - `xfp explain DEV PACKET... [-j]`: run one packet through
 * the COMPILED tables of DEV and show the verdict and deciding filters next
 * to what the reference classifier says for the running policy.
 *
 * The packet runs with BPF_PROG_TEST_RUN through a private instance of the
 * same XDP (direction in) or TC (direction out) program, loaded with the
 * trace on and the flow cache off, that shares only DEV's pinned policy
 * map; live traffic, counters and the flow cache are not touched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <net/if.h>

#include "bpf/xfp_tc.skel.h"
#include "bpf/xfp_xdp.skel.h"
#include "loader/dp_load.h"
#include "loader/json.h"
#include "loader/pin.h"
#include "loader/subcommands.h"
#include "policy/compile.h"
#include "policy/policy.h"

struct xpkt {
	int dir; /* 0 in, 1 out */
	int family;
	uint8_t proto;
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	uint8_t itype, icode, tcp_flags;
	uint32_t spi; /* ESP / AH */
	bool later_frag, have_local, have_remote;
};

static void explain_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s explain DEV [direction in|out] PACKET... [-j]\n"
		"\n"
		"PACKET := local-addr ADDR remote-addr ADDR [ protocol PROTO ]\n"
		"          [ local-port N ] [ remote-port N ] [ icmp-type N ]\n"
		"          [ icmp-code N ] [ tcp-flags syn|syn-ack|ack ]\n"
		"          [ spi N ] [ later-fragment ]\n"
		"Runs the packet through DEV's compiled tables (XDP for in, TC for\n"
		"out) and prints the verdict and deciding filters beside the\n"
		"reference classifier's answer for the running policy.\n",
		prog_name);
}

static int num(const char *kw, const char *s, long max, long *v)
{
	char *end;

	*v = strtol(s, &end, 0);
	if (!*s || *end || *v < 0 || *v > max) {
		fprintf(stderr, "%s explain: bad %s '%s': expected 0-%ld\n",
			prog_name, kw, s, max);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct xpkt *x, bool *json)
{
	long v;

	x->proto = 6;
	x->tcp_flags = 0x02;
	for (int i = 0; i < argc; i++) {
		const char *kw = argv[i],
			   *a = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(kw, "-j") || !strcmp(kw, "--json")) {
			*json = true;
			continue;
		}
		if (!strcmp(kw, "later-fragment")) {
			x->later_frag = true;
			continue;
		}
		if (!a) {
			fprintf(stderr, "%s explain: '%s' needs a value\n",
				prog_name, kw);
			return 2;
		}
		i++;
		if (!strcmp(kw, "direction")) {
			if (strcmp(a, "in") && strcmp(a, "out")) {
				fprintf(stderr,
					"%s explain: bad direction '%s': expected in or out\n",
					prog_name, a);
				return 2;
			}
			x->dir = !strcmp(a, "out");
		} else if (!strcmp(kw, "local-addr") ||
			   !strcmp(kw, "remote-addr")) {
			uint8_t *d = kw[0] == 'l' ? x->local : x->remote;
			int fam = strchr(a, ':') ? 6 : 4;

			if (inet_pton(fam == 4 ? AF_INET : AF_INET6, a, d) !=
				    1 ||
			    (x->family && x->family != fam)) {
				fprintf(stderr,
					"%s explain: bad %s '%s': expected an "
					"address of the packet's family\n",
					prog_name, kw, a);
				return 2;
			}
			x->family = fam;
			if (kw[0] == 'l')
				x->have_local = true;
			else
				x->have_remote = true;
		} else if (!strcmp(kw, "protocol")) {
			int p = xfp_protocol_parse(a);

			if (p < 0) {
				fprintf(stderr,
					"%s explain: bad protocol '%s': expected "
					"0-255 or icmp, igmp, ipip, tcp, udp, ipv6, "
					"gre, esp, ah, icmpv6, sctp, udplite\n",
					prog_name, a);
				return 2;
			}
			x->proto = (uint8_t)p;
		} else if (!strcmp(kw, "local-port") ||
			   !strcmp(kw, "remote-port")) {
			if (num(kw, a, 65535, &v))
				return 2;
			*(kw[0] == 'l' ? &x->lport : &x->rport) = (uint16_t)v;
		} else if (!strcmp(kw, "icmp-type") ||
			   !strcmp(kw, "icmp-code")) {
			if (num(kw, a, 255, &v))
				return 2;
			*(kw[5] == 't' ? &x->itype : &x->icode) = (uint8_t)v;
		} else if (!strcmp(kw, "spi")) {
			if (num(kw, a, 0x7fffffffL, &v))
				return 2;
			x->spi = (uint32_t)v;
		} else if (!strcmp(kw, "tcp-flags")) {
			if (!strcmp(a, "syn"))
				x->tcp_flags = 0x02;
			else if (!strcmp(a, "syn-ack"))
				x->tcp_flags = 0x12;
			else if (!strcmp(a, "ack"))
				x->tcp_flags = 0x10;
			else {
				fprintf(stderr,
					"%s explain: bad tcp-flags '%s': expected "
					"syn, syn-ack or ack\n",
					prog_name, a);
				return 2;
			}
		} else {
			fprintf(stderr,
				"%s explain: unknown keyword '%s' (see '%s "
				"explain --help')\n",
				prog_name, kw, prog_name);
			return 2;
		}
	}
	if (!x->have_local || !x->have_remote) {
		fprintf(stderr,
			"%s explain: local-addr and remote-addr are required\n",
			prog_name);
		return 2;
	}
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The frame as it is on the wire in the packet's direction. */
static size_t build_frame(const struct xpkt *x, uint8_t *f)
{
	const uint8_t *src = x->dir ? x->local : x->remote;
	const uint8_t *dst = x->dir ? x->remote : x->local;
	uint16_t sport = x->dir ? x->lport : x->rport;
	uint16_t dport = x->dir ? x->rport : x->lport;
	size_t l3 = 14, l4, len;

	memset(f, 0, 256);
	f[0] = 0x02;
	f[6] = 0x02;
	f[11] = 1;
	put16(f + 12, x->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (x->family == 4) {
		f[l3] = 0x45;
		f[l3 + 8] = 64;
		f[l3 + 9] = x->proto;
		if (x->later_frag)
			f[l3 + 7] = 0x20;
		memcpy(f + l3 + 12, src, 4);
		memcpy(f + l3 + 16, dst, 4);
		l4 = l3 + 20;
	} else {
		f[l3] = 0x60;
		f[l3 + 6] = x->later_frag ? 44 : x->proto;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, src, 16);
		memcpy(f + l3 + 24, dst, 16);
		l4 = l3 + 40;
		if (x->later_frag) {
			f[l4] = x->proto;
			f[l4 + 3] = 0x40;
			l4 += 8;
		}
	}
	len = l4 + 40; /* room for any transport header and a payload */
	if (!x->later_frag) {
		put16(f + l4, sport);
		put16(f + l4 + 2, dport);
		if (x->proto == 1 || x->proto == 58) {
			f[l4] = x->itype;
			f[l4 + 1] = x->icode;
			f[l4 + 2] = f[l4 + 3] = 0;
		} else if (x->proto == 6) {
			f[l4 + 12] = 5 << 4;
			f[l4 + 13] = x->tcp_flags;
		} else if (x->proto == 17) {
			put16(f + l4 + 4, (uint16_t)(len - l4));
		} else if (x->proto == 50 || x->proto == 51) {
			size_t at = l4 + (x->proto == 51 ? 4 : 0);

			if (x->proto == 51) {
				f[l4] = 59; /* no next header */
				f[l4 + 1] = 1; /* 12-byte AH */
				f[l4 + 2] = f[l4 + 3] = 0;
			}
			put16(f + at, (uint16_t)(x->spi >> 16));
			put16(f + at + 2, (uint16_t)x->spi);
			put16(f + at + 4, 0);
			put16(f + at + 6, 1); /* sequence number */
		}
	}
	if (x->family == 4)
		put16(f + l3 + 2, (uint16_t)(len - l3));
	else
		put16(f + l3 + 4, (uint16_t)(len - l3 - 40));
	return len;
}

static int run_dp(const char *dev, const struct xpkt *x, struct xfp_trace *t,
		  uint32_t *retval)
{
	uint8_t frame[256], out[256];
	size_t len = build_frame(x, frame);
	struct xfp_xdp *xs = NULL;
	struct xfp_tc *ts = NULL;
	int outer, prog, trace, r = -1;
	uint32_t k = 0;

	outer = pin_open_map(dev, XFP_MAP_POLICY);
	if (outer < 0)
		return outer;
	if (!x->dir) {
		xs = xfp_xdp__open();
		if (!xs)
			goto out;
		xs->rodata->xfp_cfg = XFP_CFG_TRACE | XFP_CFG_NO_CACHE;
		if (bpf_map__reuse_fd(xs->maps.xfp_policy, outer) ||
		    xfp_xdp__load(xs))
			goto out;
		prog = bpf_program__fd(xs->progs.xfp_xdp_ingress);
		trace = bpf_map__fd(xs->maps.xfp_trace);
	} else {
		ts = xfp_tc__open();
		if (!ts)
			goto out;
		ts->rodata->xfp_cfg = XFP_CFG_TRACE | XFP_CFG_NO_CACHE;
		if (bpf_map__reuse_fd(ts->maps.xfp_policy, outer) ||
		    xfp_tc__load(ts))
			goto out;
		prog = bpf_program__fd(ts->progs.xfp_tc_egress);
		trace = bpf_map__fd(ts->maps.xfp_trace);
	}
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = (__u32)len, .data_out = out,
			    .data_size_out = sizeof(out), .repeat = 1);

		if (bpf_prog_test_run_opts(prog, &o))
			goto out;
		*retval = o.retval;
	}
	r = bpf_map_lookup_elem(trace, &k, t) ? -errno : 0;
out:
	if (r && !errno)
		errno = EINVAL;
	if (r == -1)
		r = -errno;
	xfp_xdp__destroy(xs);
	xfp_tc__destroy(ts);
	close(outer);
	return r;
}

static const char *fname(const struct xfp_policy *p, uint64_t id)
{
	int i = id ? xfp_policy_find_filter_id(p, id) : -1;

	return i >= 0 ? p->filters[i].name : "-";
}

int cmd_dp_explain(int argc, char **argv)
{
	const char *dev;
	struct xfp_errors err = { 0 };
	struct xfp_policy *p = NULL;
	struct xfp_decision dt, da;
	struct xfp_trace t;
	struct dp_device dv = { 0 };
	struct dp_table tab;
	struct dp_pkt dp;
	struct xfp_pkt rp;
	bool json = false, ale = false, agree;
	uint8_t rv, rr, fl;
	uint32_t retval = 0;
	char *src = NULL;
	int r;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		explain_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	dev = argv[1];
	struct xpkt x = { 0 };

	r = parse_args(argc - 2, argv + 2, &x, &json);
	if (r)
		return r;
	if (!dp_dev_attached(dev)) {
		fprintf(stderr, "%s: %s: xfp is not attached\n", prog_name,
			dev);
		return 1;
	}
	libbpf_set_print(NULL);
	r = run_dp(dev, &x, &t, &retval);
	if (r) {
		fprintf(stderr, "%s: %s: running the packet failed: %s\n",
			prog_name, dev, strerror(-r));
		return 1;
	}
	/* The reference: the running policy's text, parsed again. */
	if (dp_dev_table(dev, &tab) || !(src = dp_table_source(&tab))) {
		fprintf(stderr, "%s: %s: cannot read the running policy\n",
			prog_name, dev);
		dp_table_free(&tab);
		return 1;
	}
	dp_table_free(&tab);
	p = xfp_policy_new();
	if (!p ||
	    xfp_policy_parse_string(p, "running policy", src, strlen(src),
				    XFP_PARSE_NO_KEYS, &err) ||
	    xfp_policy_finalize(p, &err)) {
		xfp_errors_print(&err, stderr);
		free(src);
		xfp_errors_free(&err);
		xfp_policy_free(p);
		return 1;
	}
	free(src);
	memset(&dp, 0, sizeof(dp));
	dp.family = (uint8_t)x.family;
	dp.proto = x.proto;
	dp.later_frag = x.later_frag;
	dp.icmp_type = x.itype;
	dp.icmp_code = x.icode;
	dp.local_port = x.lport;
	dp.remote_port = x.rport;
	if (x.family == 4) {
		dp.local.b[10] = dp.local.b[11] = 0xff;
		dp.remote.b[10] = dp.remote.b[11] = 0xff;
		memcpy(dp.local.b + 12, x.local, 4);
		memcpy(dp.remote.b + 12, x.remote, 4);
	} else {
		memcpy(dp.local.b, x.local, 16);
		memcpy(dp.remote.b, x.remote, 16);
	}
	dv.ifindex = if_nametoindex(dev);
	snprintf(dv.ifname, sizeof(dv.ifname), "%s", dev);
	dp_pkt_to_ref(&dp, &dv, &rp);
	memset(&da, 0, sizeof(da));
	xfp_ref_classify(p,
			 x.dir ? XFP_LAYER_OUTBOUND_TRANSPORT :
				 XFP_LAYER_INBOUND_TRANSPORT,
			 &rp, &dt);
	dp_outcome(&dt, &rv, &rr, &fl);
	if (rv == XFP_VERDICT_PASS && (t.flags & XFP_TRACE_F_NEW_CONN)) {
		xfp_ref_classify(p,
				 x.dir ? XFP_LAYER_ALE_AUTH_CONNECT :
					 XFP_LAYER_ALE_AUTH_RECV_ACCEPT,
				 &rp, &da);
		dp_outcome(&da, &rv, &rr, &fl);
		ale = true;
	}
	if (t.flags & XFP_TRACE_F_SPI) {
		/* The reference for IPsec arriving: is the SPI an inbound SA
		 * of the running policy? */
		bool known = false;

		for (unsigned i = 0; i < p->n_sas; i++)
			known |= p->sas[i].spi_in == x.spi;
		rv = XFP_VERDICT_DROP;
		rr = known ? XFP_DROP_NO_WORKER : XFP_DROP_NO_SA;
		ale = false;
		memset(&dt, 0, sizeof(dt));
	}
	agree = (t.flags & XFP_TRACE_F_SPI) ?
			t.verdict == rv && t.reason == rr && t.spi == x.spi :
			(t.verdict == rv && t.reason == rr &&
			 t.tfilter == dt.filter_id &&
			 t.afilter == (ale ? da.filter_id : 0) &&
			 !!(t.flags & XFP_TRACE_F_ALE) == ale);
	if (json) {
		struct json j;

		json_begin(&j, stdout);
		json_str(&j, "dev", dev);
		json_str(&j, "direction", x.dir ? "out" : "in");
		json_u64(&j, "generation", t.generation);
		json_obj_open(&j, "datapath");
		json_str(&j, "verdict",
			 xfp_verdict_names[t.verdict % XFP_VERDICT__MAX]);
		json_str(&j, "drop_reason",
			 xfp_drop_names[t.reason % XFP_DROP__MAX]);
		json_u64(&j, "transport_filter_id", t.tfilter);
		json_str(&j, "transport_filter", fname(p, t.tfilter));
		json_bool(&j, "ale_evaluated", !!(t.flags & XFP_TRACE_F_ALE));
		json_u64(&j, "ale_filter_id", t.afilter);
		json_str(&j, "ale_filter", fname(p, t.afilter));
		json_bool(&j, "ipsec_spi_path", !!(t.flags & XFP_TRACE_F_SPI));
		json_u64(&j, "retval", retval);
		json_obj_close(&j);
		json_obj_open(&j, "reference");
		json_str(&j, "verdict", xfp_verdict_names[rv]);
		json_str(&j, "drop_reason", xfp_drop_names[rr]);
		json_u64(&j, "transport_filter_id", dt.filter_id);
		json_str(&j, "transport_filter", fname(p, dt.filter_id));
		json_bool(&j, "ale_evaluated", ale);
		json_u64(&j, "ale_filter_id", ale ? da.filter_id : 0);
		json_str(&j, "ale_filter", fname(p, ale ? da.filter_id : 0));
		json_obj_close(&j);
		json_bool(&j, "agree", agree);
		json_end(&j);
	} else {
		const char *tl = x.dir ? "outbound-transport" :
					 "inbound-transport";
		const char *al = x.dir ? "ale-auth-connect" :
					 "ale-auth-recv-accept";

		printf("%s, direction %s, policy generation %llu\n", dev,
		       x.dir ? "out" : "in", (unsigned long long)t.generation);
		printf("  %-22s %-34s %s\n", "", "datapath (compiled)",
		       "reference classifier");
		if (t.flags & XFP_TRACE_F_SPI) {
			printf("  %-22s SPI 0x%08x: %-19s %s\n",
			       "inbound SA lookup", t.spi,
			       t.reason == XFP_DROP_NO_WORKER ? "known" :
								"unknown",
			       rr == XFP_DROP_NO_WORKER ? "known" : "unknown");
		} else {
			printf("  %-22s filter %-27s filter %s\n", tl,
			       fname(p, t.tfilter), fname(p, dt.filter_id));
			printf("  %-22s %-34s %s\n", al,
			       t.flags & XFP_TRACE_F_ALE ? fname(p, t.afilter) :
							   "(not evaluated)",
			       ale ? fname(p, da.filter_id) :
				     "(not evaluated)");
		}
		printf("  %-22s %s%s%-*s %s%s%s\n", "verdict",
		       xfp_verdict_names[t.verdict % XFP_VERDICT__MAX],
		       t.verdict ? " " : "",
		       t.verdict ? 33 - (int)strlen(xfp_verdict_names[1]) : 30,
		       t.verdict ? xfp_drop_names[t.reason % XFP_DROP__MAX] :
				   "",
		       xfp_verdict_names[rv], rv ? " " : "",
		       rv ? xfp_drop_names[rr] : "");
		printf("  %s\n",
		       agree ? "the datapath agrees with the reference" :
			       "MISMATCH between datapath and reference");
	}
	xfp_errors_free(&err);
	xfp_policy_free(p);
	return agree ? 0 : 1;
}
