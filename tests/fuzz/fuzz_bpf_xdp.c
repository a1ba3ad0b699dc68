// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_bpf_xdp.c - libFuzzer harness for the real XDP ingress program:
 * build/bpf/xfp_xdp.bpf.o (embedded through its skeleton), loaded and
 * verified by the kernel as in production, run on fuzzer-made frames with
 * BPF_PROG_TEST_RUN.  Needs root (CAP_BPF + CAP_NET_ADMIN).
 *
 * Set up once: the program is loaded with tracing on (XFP_CFG_TRACE: the
 * xfp_trace map records each policy decision, nothing else changes) and
 * a small policy is committed through policy/dp_commit.c: a permit, a
 * block, an ALE block and an IPsec filter pair with a manual SA (inbound
 * SPI 0x01020304, the SPI of the RFC 7634 seeds).  When the program has
 * the worker's xfp_spi_in map (the AF_XDP redirect path), SPI 0x1001 (ESP
 * and AH, the AH seeds' SPI) is entered there as a worker-held SA; no
 * AF_XDP socket exists, so such packets must end as drop/no-worker (or
 * XDP_REDIRECT, should a socket ever be there).
 *
 * Every input is a frame (zero-padded to 14 bytes; cut at 3,000, below
 * what BPF_PROG_TEST_RUN takes for XDP: a page less head- and tailroom).
 * After each run:
 *   - the test run itself succeeded;
 *   - the return code is XDP_PASS, XDP_DROP or XDP_REDIRECT, nothing else
 *     (no XDP_ABORTED, no XDP_TX);
 *   - the program's verdict counters (xfp_stats, XDP ingress slots) moved
 *     by exactly one packet in total, and that verdict is the return code;
 *   - a drop moved exactly one drop-reason counter, by one, and that
 *     reason is named: 0 < reason < XFP_DROP__MAX and not "internal" (the
 *     counting helper files a drop without a reason as internal, and a
 *     well-formed table never yields it); a pass or redirect moved none;
 *   - when the policy path traced the packet, the trace agrees: the same
 *     verdict and, for a drop, the same non-zero reason (a traced redirect
 *     may end as drop/no-worker: no socket).
 * The outcome (verdict, reason, trace flags, tree kind, deciding filters,
 * the set of protocol counters that moved) is fed back to libFuzzer as
 * extra coverage counters: the BPF program itself is not instrumented.
 *
 * Setup runs in LLVMFuzzerInitialize(): the verifier may take seconds on
 * a busy machine, which must not count against the per-input timeout.
 *
 * Seeds: tests/fuzz/corpus/bpf_xdp (tests/fuzz/seed_bpf_xdp.py: the
 * parser's frames, plus one frame per outcome of the policy above).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/xfp_abi.h"
#include "bpf/xfp_xdp.skel.h"
#include "policy/compile.h"
#include "policy/dp_commit.h"
#include "policy/policy.h"

#define FRAME_MIN 14
#define FRAME_MAX 3000
#define NSLOTS XFP_STAT_SLOTS /* XDP ingress: XFP_STAT_INDEX(0, slot) */
_Static_assert(XFP_PROG_XDP_INGRESS == 0, "XDP ingress slots are keys 0..63");
_Static_assert(XFP_PROTO__MAX <= NSLOTS, "read_counters() key buffer");

static const char policy_text[] =
	"filter add web-in layer inbound-transport protocol tcp "
	"local-port 80 action permit\n"
	"filter add dns-block layer inbound-transport protocol udp "
	"local-port 53 action block\n"
	"filter add ale-udp layer ale-auth-recv-accept protocol udp "
	"local-port 9001 action block\n"
	"filter add b-in layer inbound-transport local-addr 198.18.0.2 "
	"remote-addr 198.18.0.1 action inbound-transport\n"
	"filter add b-out layer outbound-transport local-addr 198.18.0.2 "
	"remote-addr 198.18.0.1 action outbound-transport\n"
	"sa add b filter b-out inbound-filter b-in spi-in 0x01020304 "
	"spi-out 0x00002001 alg aes256gcm16 key-file /nonexistent.keys\n";

static struct xfp_xdp *skel;
static int prog_fd, stats_fd, proto_fd, trace_fd, ncpu;
static struct xfp_counter *vals; /* NSLOTS x ncpu */
static uint64_t last[NSLOTS], last_proto[XFP_PROTO__MAX];
static uint64_t last_trace_seq;

/* Outcomes as extra coverage for libFuzzer. */
#define XC_TRACE (XFP_VERDICT__MAX * 32) /* trace flags x kind */
#define XC_FILTER (XC_TRACE + 512) /* deciding filters */
#define XC_PROTO (XC_FILTER + 256) /* protocol counters that moved */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t
	xc[XC_PROTO + (1u << XFP_PROTO__MAX)];

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_bpf_xdp: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	abort();
}

static void broken(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_bpf_xdp: invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Packets of keys 0..n-1 of a per-CPU counter array, summed over CPUs
 * (one syscall).  For xfp_stats these are the XDP ingress slots. */
static void read_counters(int fd, uint32_t n, uint64_t *out)
{
	uint32_t keys[NSLOTS], count = n, out_batch = 0, s;
	int c;

	LIBBPF_OPTS(bpf_map_batch_opts, o);
	if (bpf_map_lookup_batch(fd, NULL, &out_batch, keys, vals, &count,
				 &o) &&
	    errno != ENOENT)
		die("reading counters", strerror(errno));
	if (count != n)
		die("reading counters", "short batch");
	for (s = 0; s < n; s++) {
		if (keys[s] != s)
			die("reading counters", "unexpected key order");
		out[s] = 0;
		for (c = 0; c < ncpu; c++)
			out[s] += vals[(size_t)s * ncpu + c].packets;
	}
}

static void setup(void)
{
	struct dp_device dev = { .ifindex = 7, .ifname = "xfp-fuzz0" };
	struct xfp_errors perr = { 0 };
	struct xfp_policy *p;
	struct dp_table t;
	struct bpf_map *spi_in;
	char err[256];
	int r;

	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		die("number of CPUs", NULL);
	vals = calloc((size_t)NSLOTS * ncpu, sizeof(*vals));
	if (!vals)
		die("out of memory", NULL);
	skel = xfp_xdp__open();
	if (!skel)
		die("opening xfp_xdp.bpf.o", strerror(errno));
	skel->rodata->xfp_cfg = XFP_CFG_TRACE;
	if (xfp_xdp__load(skel))
		die(errno == EPERM ?
			    "loading xfp_xdp.bpf.o (needs root)" :
			    "loading xfp_xdp.bpf.o (verifier log above)",
		    strerror(errno));
	prog_fd = bpf_program__fd(skel->progs.xfp_xdp_ingress);
	stats_fd = bpf_map__fd(skel->maps.xfp_stats);
	proto_fd = bpf_map__fd(skel->maps.xfp_proto_stats);
	trace_fd = bpf_map__fd(skel->maps.xfp_trace);

	p = xfp_policy_new();
	if (!p)
		die("out of memory", NULL);
	if (xfp_policy_parse_string(p, "fuzz", policy_text, strlen(policy_text),
				    XFP_PARSE_NO_KEYS, &perr) ||
	    xfp_policy_finalize(p, &perr)) {
		fprintf(stderr, "%u:%u: %s\n", perr.n ? perr.v[0].line : 0,
			perr.n ? perr.v[0].col : 0,
			perr.n ? perr.v[0].msg : "?");
		die("the harness policy does not parse", NULL);
	}
	xfp_errors_free(&perr);
	r = dp_compile(p, &dev, policy_text, strlen(policy_text), 1, &t, err,
		       sizeof(err));
	if (r)
		die("compiling the policy", err);
	r = dp_commit(bpf_map__fd(skel->maps.xfp_policy), &t, err, sizeof(err));
	dp_table_free(&t);
	xfp_policy_free(p);
	if (r)
		die("committing the policy", err);

	/* The worker's SAs, when the program knows the worker's map. */
	spi_in = bpf_object__find_map_by_name(skel->obj, XFP_MAP_SPI_IN);
	if (spi_in) {
		struct xfp_sa_ref ref = { .sa_id = 1 };
		struct xfp_spi_key k = { .spi = htonl(0x1001) };

		k.proto = 50;
		if (bpf_map_update_elem(bpf_map__fd(spi_in), &k, &ref, 0))
			die("xfp_spi_in", strerror(errno));
		k.proto = 51;
		if (bpf_map_update_elem(bpf_map__fd(spi_in), &k, &ref, 0))
			die("xfp_spi_in", strerror(errno));
	}
	read_counters(stats_fd, NSLOTS, last);
	read_counters(proto_fd, XFP_PROTO__MAX, last_proto);
}

/* Loading (the verifier) and committing take seconds on a busy machine:
 * done here, outside the per-input timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[FRAME_MAX];
	uint64_t now[NSLOTS], pnow[XFP_PROTO__MAX], moved = 0, rmoved = 0;
	unsigned pmask = 0, verdict = XFP_VERDICT__MAX, reason = 0, want, s;
	struct xfp_trace tr;
	uint32_t zero = 0;
	size_t len = size < FRAME_MAX ? size : FRAME_MAX;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	memset(frame, 0, FRAME_MIN);
	memcpy(frame, data, len);
	if (len < FRAME_MIN)
		len = FRAME_MIN;
	o.data_in = frame;
	o.data_size_in = (uint32_t)len;
	o.repeat = 1;
	if (bpf_prog_test_run_opts(prog_fd, &o))
		die("BPF_PROG_TEST_RUN", strerror(errno));

	if (o.retval != XDP_PASS && o.retval != XDP_DROP &&
	    o.retval != XDP_REDIRECT)
		broken("return code %u (want XDP_PASS, XDP_DROP or "
		       "XDP_REDIRECT)",
		       o.retval);
	read_counters(stats_fd, NSLOTS, now);
	read_counters(proto_fd, XFP_PROTO__MAX, pnow);
	for (s = 0; s < XFP_PROTO__MAX; s++)
		if (pnow[s] != last_proto[s])
			pmask |= 1u << s;
	memcpy(last_proto, pnow, sizeof(last_proto));
	xc[XC_PROTO + pmask]++;
	for (s = 0; s < NSLOTS; s++) {
		uint64_t d = now[s] - last[s];

		if (!d)
			continue;
		if (d != 1)
			broken("slot %u moved by %u", s, (unsigned)d);
		if (s < XFP_STAT_DROP_BASE) {
			moved++;
			verdict = s;
		} else {
			rmoved++;
			reason = s - XFP_STAT_DROP_BASE;
		}
	}
	memcpy(last, now, sizeof(last));
	if (moved != 1)
		broken("%u verdict counters moved (want 1)", (unsigned)moved);
	want = o.retval == XDP_PASS ? XFP_VERDICT_PASS :
	       o.retval == XDP_DROP ? XFP_VERDICT_DROP :
				      XFP_VERDICT_REDIRECT;
	if (verdict != want)
		broken("verdict counter %u for return code %u", verdict,
		       o.retval);
	if (verdict == XFP_VERDICT_DROP) {
		if (rmoved != 1)
			broken("a drop moved %u reason counters (want 1)",
			       (unsigned)rmoved);
		if (reason == XFP_DROP_NONE || reason >= XFP_DROP__MAX ||
		    reason == XFP_DROP_INTERNAL)
			broken("drop with reason %u (want a named one, "
			       "1..%u, not internal)",
			       reason, XFP_DROP__MAX - 1);
	} else if (rmoved) {
		broken("verdict %u moved %u drop-reason counters", verdict,
		       (unsigned)rmoved);
	}

	if (bpf_map_lookup_elem(trace_fd, &zero, &tr))
		die("reading xfp_trace", strerror(errno));
	if (tr.seq != last_trace_seq) {
		last_trace_seq = tr.seq;
		if (tr.verdict == XFP_VERDICT_REDIRECT) {
			if (verdict != XFP_VERDICT_REDIRECT &&
			    !(verdict == XFP_VERDICT_DROP &&
			      reason == XFP_DROP_NO_WORKER))
				broken("traced redirect counted as verdict %u "
				       "reason %u",
				       verdict, reason);
		} else if (tr.verdict != verdict) {
			broken("traced verdict %u, counted %u", tr.verdict,
			       verdict);
		} else if (verdict == XFP_VERDICT_DROP && tr.reason != reason) {
			broken("traced reason %u, counted %u", tr.reason,
			       reason);
		}
		xc[XC_TRACE + (tr.flags & 0x3f) * 8 + (tr.kind & 7)]++;
		xc[XC_FILTER + (tr.tfilter & 15) * 16 + (tr.afilter & 15)]++;
	}
	xc[(verdict % XFP_VERDICT__MAX) * 32 + reason % 32]++;
	return 0;
}
