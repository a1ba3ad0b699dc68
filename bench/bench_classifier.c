// SPDX-License-Identifier: GPL-2.0
/*
 * bench_classifier.c - cost of the datapath classifier.
 *
 * For policies of 10, 1,000, 10,000 and 50,000 filters it measures, with
 * BPF_PROG_TEST_RUN (1,000,000 runs: the best of 5 interleaved rounds of
 * 200,000; --quick 100,000 in all):
 *   - ns per packet on the flow-cache MISS path (program loaded with the
 *     cache off: every run walks inbound-transport and, for the SYN,
 *     ale-auth-recv-accept),
 *   - ns per packet on the flow-cache HIT path,
 *   for IPv4 and IPv6 TCP SYNs to a peer in the middle of the policy
 *   whose filter permits them at inbound-transport (so every size walks
 *   both layers: probe_peer()), and the commit time (compile + create, fill and install the
 *   table; --threads N compiles with N tree-building threads instead of
 *   dp_compile()'s choice).  It prints the table with the ratio to the
 *   10-filter case and writes JSON with --json FILE.
 *
 * The policies look like an IPsec host policy at scale: per-peer filters
 * (remote /32 or /128 plus a service port and protocol, permit or block,
 * some at the ALE layer), in three sublayers, plus a handful of broad
 * filters (ICMP exemption, default block of a port range).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>

#include "bpf/xfp_xdp.skel.h"
#include "policy/compile.h"
#include "policy/dp_commit.h"
#include "policy/policy.h"

static const unsigned sizes[] = { 10, 1000, 10000, 50000 };
static unsigned threads; /* --threads: 0 = dp_compile()'s choice */
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

struct row {
	unsigned filters;
	double miss4, miss6, hit4, hit6; /* ns per packet */
	double commit_ms, compile_ms; /* median of COMMITS */
	double commit_min, commit_max, install_ms;
	unsigned nodes, depth, records;
	struct xfp_xdp *miss, *hit; /* loaded programs sharing the table */
	uint8_t f4[128], f6[128];
	int len4, len6;
};

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, f, ap) : 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Peer i's address: 198.18.0.0/15 and 2001:db8::/32 (test ranges). */
static void peer4(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "198.%u.%u.%u", 18 + (i >> 16 & 1), i >> 8 & 255,
		 i & 255);
}

static void peer6(unsigned i, char *b, size_t n)
{
	snprintf(b, n, "2001:db8::%x:%x", i >> 16, i & 0xffff);
}

static char *policy_text(unsigned n)
{
	static const unsigned ports[] = { 22,	25,   53,   80,	 110,  143,
					  443,	445,  993,  995, 3306, 5432,
					  6379, 8080, 8443, 9000 };
	size_t cap = (size_t)n * 160 + 4096, len = 0;
	char *s = malloc(cap), a[64];

	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len,
				"sublayer add peers weight 40000\n"
				"sublayer add ops weight 20000\n"
				"filter add icmp-ex layer inbound-transport "
				"action permit protocol icmp,icmpv6 "
				"weight-range ike-exemptions\n"
				"filter add hi-block layer inbound-transport "
				"action block protocol tcp local-port "
				"10000-20000 sublayer ops\n");
	for (unsigned i = 0; i + 2 < n; i++) {
		bool v6 = i & 1;
		unsigned layer = i % 5 == 4; /* every fifth at ALE */

		if (v6)
			peer6(i, a, sizeof(a));
		else
			peer4(i, a, sizeof(a));
		len += (size_t)snprintf(
			s + len, cap - len,
			"filter add p%u layer %s action %s remote-addr %s "
			"protocol %s local-port %u sublayer %s\n",
			i, layer ? "ale-auth-recv-accept" : "inbound-transport",
			i % 3 == 2 ? "block" : "permit", a,
			i % 7 == 6 ? "udp" : "tcp", ports[i % 16],
			i % 4 == 3 ? "ops" : "peers");
	}
	return s;
}

static int make_frame(int v6, unsigned peer, unsigned port, uint8_t *f)
{
	char a[64];
	size_t l3 = 14, l4;

	memset(f, 0, 128);
	f[0] = 2;
	f[6] = 2;
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (!v6) {
		f[l3] = 0x45;
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		peer4(peer, a, sizeof(a));
		inet_pton(AF_INET, a, f + l3 + 12);
		inet_pton(AF_INET, "198.18.255.1", f + l3 + 16);
		l4 = l3 + 20;
		f[l3 + 2] = 0;
		f[l3 + 3] = 40;
	} else {
		f[l3] = 0x60;
		f[l3 + 5] = 20;
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		peer6(peer, a, sizeof(a));
		inet_pton(AF_INET6, a, f + l3 + 8);
		inet_pton(AF_INET6, "2001:db8:ffff::1", f + l3 + 24);
		l4 = l3 + 40;
	}
	f[l4] = 0x9c;
	f[l4 + 1] = 0x40; /* source port 40000 */
	f[l4 + 2] = (uint8_t)(port >> 8);
	f[l4 + 3] = (uint8_t)port;
	f[l4 + 12] = 5 << 4;
	f[l4 + 13] = 0x02; /* SYN */
	return (int)(l4 + 20);
}

static double run_ns(int prog, const uint8_t *f, int len, unsigned repeat)
{
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog, &o))
		return -1;
	return o.duration;
}

static void keep_min(double *best, double v)
{
	if (v >= 0 && (*best <= 0 || v < *best))
		*best = v;
}

/*
 * The machine is shared, so the sizes are measured in interleaved rounds
 * (every size once per round) and each figure is the best round: the
 * least disturbed one, as microbenchmarks usually report.
 */
static int measure(struct row *rows, size_t n, unsigned repeat)
{
	const unsigned rounds = 5;

	for (unsigned k = 0; k < rounds; k++)
		for (size_t i = 0; i < n; i++) {
			struct row *r = &rows[i];
			int mp =
				bpf_program__fd(r->miss->progs.xfp_xdp_ingress);
			int hp = bpf_program__fd(r->hit->progs.xfp_xdp_ingress);

			keep_min(&r->miss4,
				 run_ns(mp, r->f4, r->len4, repeat / rounds));
			keep_min(&r->hit4,
				 run_ns(hp, r->f4, r->len4, repeat / rounds));
			keep_min(&r->miss6,
				 run_ns(mp, r->f6, r->len6, repeat / rounds));
			keep_min(&r->hit6,
				 run_ns(hp, r->f6, r->len6, repeat / rounds));
		}
	for (size_t i = 0; i < n; i++)
		if (rows[i].miss4 <= 0 || rows[i].hit4 <= 0 ||
		    rows[i].miss6 <= 0 || rows[i].hit6 <= 0)
			return -1;
	return 0;
}

/*
 * The peer probed for a policy of n filters: near the middle of the
 * policy, and the same role at every size, so that the miss path does the
 * same work and the sizes compare: its TCP filter permits at
 * inbound-transport, so the SYN goes on to ale-auth-recv-accept and
 * creates its connection entry (the longest path).  See policy_text().
 */
static unsigned probe_peer(unsigned n, int v6)
{
	unsigned i = ((n / 2) & ~1u) + (v6 ? 1 : 0);

	while (i >= 2 && (i + 2 >= n || i % 5 == 4 || i % 3 == 2 || i % 7 == 6))
		i -= 2;
	return i;
}

struct commit_res {
	double commit_ms, compile_ms; /* median of COMMITS */
	double commit_min, commit_max, install_ms;
	uint32_t nodes, depth, records;
	int ok;
};

/* One commit = compile (into a new table map, as `xfp policy load` does)
 * + freeze + switch, in a child process: every commit starts, like the
 * CLI's, with only the parsed policy in memory, and pays for the memory
 * it touches as a fresh process does. */
static void commit_child(const struct xfp_policy *p,
			 const struct dp_device *dev, const char *text,
			 int outer, uint64_t gen, int wfd)
{
	struct commit_res res = { 0 };
	struct dp_table t;
	char msg[256];
	double t0, t1;

	t0 = now_ms();
	if (threads ? dp_compile_threads(p, dev, text, strlen(text), gen,
					 threads, &t, msg, sizeof(msg)) :
		      dp_compile_map(p, dev, text, strlen(text), gen, &t, msg,
				     sizeof(msg))) {
		fprintf(stderr, "bench: compile: %s\n", msg);
	} else {
		t1 = now_ms();
		if (dp_commit(outer, &t, msg, sizeof(msg))) {
			fprintf(stderr, "bench: commit: %s\n", msg);
		} else {
			res.commit_ms = now_ms() - t0;
			res.compile_ms = t1 - t0;
			res.nodes = t.info.n_nodes;
			res.depth = t.info.max_depth;
			res.records = t.n;
			res.ok = 1;
		}
		dp_table_free(&t);
	}
	_exit(write(wfd, &res, sizeof(res)) == sizeof(res) && res.ok ? 0 : 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* COMMITS commits of the policy; the row gets the median (and the
 * fastest and slowest), the machine being shared. */
#define COMMITS 5
static int measure_commits(const struct xfp_policy *p,
			   const struct dp_device *dev, const char *text,
			   int outer, struct row *r)
{
	double all[COMMITS], comp[COMMITS];

	for (int k = 0; k < COMMITS; k++) {
		struct commit_res res = { 0 };
		int fds[2], st = 0;
		pid_t pid;

		if (pipe(fds))
			return -1;
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
		if (!pid) {
			close(fds[0]);
			commit_child(p, dev, text, outer, (uint64_t)k + 1,
				     fds[1]);
		}
		close(fds[1]);
		if (read(fds[0], &res, sizeof(res)) != sizeof(res))
			res.ok = 0;
		close(fds[0]);
		waitpid(pid, &st, 0);
		if (!res.ok || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "bench: commit of %u filters failed\n",
				r->filters);
			return -1;
		}
		all[k] = res.commit_ms;
		comp[k] = res.compile_ms;
		r->nodes = res.nodes;
		r->depth = res.depth;
		r->records = res.records;
	}
	/* the compile share of the median commit */
	for (int k = 0; k < COMMITS; k++)
		comp[k] = all[k] - comp[k];
	qsort(all, COMMITS, sizeof(all[0]), cmp_double);
	qsort(comp, COMMITS, sizeof(comp[0]), cmp_double);
	r->commit_ms = all[COMMITS / 2];
	r->commit_min = all[0];
	r->commit_max = all[COMMITS - 1];
	r->install_ms = comp[COMMITS / 2];
	r->compile_ms = r->commit_ms - r->install_ms;
	return 0;
}

static int bench_size(unsigned n, struct row *r)
{
	struct xfp_xdp *miss = NULL, *hit = NULL;
	struct xfp_errors err = { 0 };
	struct xfp_policy *p = NULL;
	struct dp_device dev = { .ifindex = 1, .ifname = "bench0" };
	char *text = policy_text(n);
	int ret = -1;
	/* The peer in the middle of the policy, on a port it filters. */
	static const unsigned ports[] = { 22,	25,   53,   80,	 110,  143,
					  443,	445,  993,  995, 3306, 5432,
					  6379, 8080, 8443, 9000 };
	unsigned mid4 = probe_peer(n, 0), mid6 = probe_peer(n, 1);

	memset(r, 0, sizeof(*r));
	r->filters = n;
	miss = xfp_xdp__open();
	hit = xfp_xdp__open();
	if (!text || !miss || !hit)
		goto out;
	miss->rodata->xfp_cfg = XFP_CFG_NO_CACHE;
	if (xfp_xdp__load(miss) ||
	    bpf_map__reuse_fd(hit->maps.xfp_policy,
			      bpf_map__fd(miss->maps.xfp_policy)) ||
	    xfp_xdp__load(hit)) {
		fprintf(stderr, "bench: loading the XDP program failed: %s\n",
			strerror(errno));
		goto out;
	}
	p = xfp_policy_new();
	if (!p ||
	    xfp_policy_parse_string(p, "bench", text, strlen(text), 0, &err) ||
	    xfp_policy_finalize(p, &err)) {
		xfp_errors_print(&err, stderr);
		goto out;
	}
	if (measure_commits(p, &dev, text, bpf_map__fd(miss->maps.xfp_policy),
			    r))
		goto out;

	r->len4 = make_frame(0, mid4, ports[mid4 % 16], r->f4);
	r->len6 = make_frame(1, mid6, ports[mid6 % 16], r->f6);
	r->miss = miss;
	r->hit = hit;
	miss = hit = NULL;
	ret = 0;
out:
	xfp_errors_free(&err);
	xfp_policy_free(p);
	xfp_xdp__destroy(miss);
	xfp_xdp__destroy(hit);
	free(text);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *json = NULL;
	unsigned repeat = 1000000;
	struct row rows[NSIZES];
	FILE *jf;
	int c;

	while ((c = getopt_long(argc, argv, "j:qt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 'q':
			repeat = 100000;
			break;
		case 't':
			threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: %s [--quick] [--threads N] [--json FILE]\n",
				argv[0]);
			return c == 'h' ? 0 : 2;
		}
	}
	libbpf_set_print(quiet);
	printf("classifier: BPF_PROG_TEST_RUN, repeat %u, TCP SYN to a peer in "
	       "the middle of the policy (transport permits, ALE decides)\n",
	       repeat);
	printf("%8s %9s %9s %9s %9s %11s %8s %6s  %s\n", "filters", "miss4",
	       "miss6", "hit4", "hit6", "commit(ms)", "nodes", "depth",
	       "ratio to 10 (miss4 miss6 hit4 hit6)");
	for (size_t i = 0; i < NSIZES; i++) {
		if (bench_size(sizes[i], &rows[i])) {
			fprintf(stderr, "bench: %u filters failed\n", sizes[i]);
			return 1;
		}
	}
	if (measure(rows, NSIZES, repeat)) {
		fprintf(stderr, "bench: a test run failed\n");
		return 1;
	}
	for (size_t i = 0; i < NSIZES; i++) {
		struct row *r = &rows[i];

		printf("%8u %9.1f %9.1f %9.1f %9.1f %11.1f %8u %6u  %.2f %.2f "
		       "%.2f %.2f\n",
		       r->filters, r->miss4, r->miss6, r->hit4, r->hit6,
		       r->commit_ms, r->nodes, r->depth,
		       r->miss4 / rows[0].miss4, r->miss6 / rows[0].miss6,
		       r->hit4 / rows[0].hit4, r->hit6 / rows[0].hit6);
		xfp_xdp__destroy(r->miss);
		xfp_xdp__destroy(r->hit);
	}
	printf("commit(ms): median of %d, each in a fresh child process "
	       "(fastest-slowest:",
	       COMMITS);
	for (size_t i = 0; i < NSIZES; i++)
		printf(" %u: %.1f-%.1f", rows[i].filters, rows[i].commit_min,
		       rows[i].commit_max);
	printf(")\n");
	printf("goals: miss path at 10,000 filters within 1.5x of 10 (%.2fx v4, "
	       "%.2fx v6); commit of 10,000 filters under 50 ms (%.1f ms: "
	       "compile into the table %.1f, freeze and switch %.1f)\n",
	       rows[2].miss4 / rows[0].miss4, rows[2].miss6 / rows[0].miss6,
	       rows[2].commit_ms, rows[2].compile_ms, rows[2].install_ms);
	if (!json)
		return 0;
	jf = fopen(json, "w");
	if (!jf) {
		fprintf(stderr, "bench: %s: %s\n", json, strerror(errno));
		return 1;
	}
	fprintf(jf, "{\"repeat\":%u,\"unit\":\"ns/packet\",\"rows\":[", repeat);
	for (size_t i = 0; i < NSIZES; i++)
		fprintf(jf,
			"%s{\"filters\":%u,\"miss_v4\":%.2f,\"miss_v6\":%.2f,"
			"\"hit_v4\":%.2f,\"hit_v6\":%.2f,\"commit_ms\":%.3f,"
			"\"commit_min_ms\":%.3f,\"commit_max_ms\":%.3f,"
			"\"commits\":%d,"
			"\"compile_ms\":%.3f,\"tree_nodes\":%u,\"depth\":%u,"
			"\"records\":%u,\"miss_v4_ratio\":%.3f,"
			"\"miss_v6_ratio\":%.3f}",
			i ? "," : "", rows[i].filters, rows[i].miss4,
			rows[i].miss6, rows[i].hit4, rows[i].hit6,
			rows[i].commit_ms, rows[i].commit_min,
			rows[i].commit_max, COMMITS, rows[i].compile_ms,
			rows[i].nodes, rows[i].depth, rows[i].records,
			rows[i].miss4 / rows[0].miss4,
			rows[i].miss6 / rows[0].miss6);
	fprintf(jf, "]}\n");
	fclose(jf);
	return 0;
}
