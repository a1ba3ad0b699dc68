// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c - `xfp stats DEV`: counters from the pinned per-CPU maps.
 *
 * Without -i it prints totals since attach.  With -i SEC it prints, every
 * SEC seconds, rates computed from the difference between two readings
 * of the per-CPU counters and the monotonic time between them (never from
 * totals), in the shape of xdp-bench:
 *
 *   Summary         1,234,567 rx/s     1,234,000 drop/s   567 pass/s ...
 *
 * -e adds, per program (XDP ingress, TC egress, and the worker's XSK
 * programs when the worker's counters exist), the per-CPU receive rates,
 * every verdict and every drop reason by its name from bpf/xfp_abi.h.
 *
 * Zero rows in the text view: verdict rows are always shown; a drop
 * reason row and a cpu row are shown once the counter is non-zero since
 * attach (so a reason that stopped reads "0 pkt/s" instead of vanishing,
 * and reasons that never happened do not fill the screen).  JSON always
 * carries every key, zeros included.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/xfp_abi.h"
#include "loader/json.h"
#include "loader/pin.h"
#include "loader/subcommands.h"

/* The programs that own slots in the stats map, in display order. */
static const struct {
	int prog;
	const char *name; /* text */
	const char *key; /* JSON object (XDP ingress: the top level) */
} progs[XFP_PROG__MAX] = {
	{ XFP_PROG_XDP_INGRESS, "xdp ingress", NULL },
	{ XFP_PROG_TC_EGRESS, "tc egress", "tc_egress" },
	{ XFP_PROG_XSK, "xsk (worker veth xdp)", "xsk" },
	{ XFP_PROG_XSK_TC, "xsk tc (hand-off)", "xsk_tc" },
};

/*
 * One reading of one source (a stats map and its proto map), per CPU:
 * stat[idx * ncpu + cpu].
 */
struct reading {
	struct xfp_counter *stat;
	struct xfp_counter *proto;
	double when;
};

struct source {
	const char *label; /* NULL: the device's own counters */
	int sfd, pfd; /* pfd < 0: no protocol counters (read as zeros) */
	int show_xsk; /* the worker's programs have counters here */
	struct reading r[2];
};

struct ctx {
	const char *dev;
	int ncpu;
	int json, ext;
	double interval;
	struct source src[2];
	int nsrc;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read entries 0..n) of a per-CPU array of struct xfp_counter. */
static int read_percpu(int fd, int ncpu, struct xfp_counter *out, __u32 n)
{
	__u32 k;

	memset(out, 0, sizeof(*out) * n * ncpu);
	if (fd < 0)
		return 0;
	for (k = 0; k < n; k++)
		if (bpf_map_lookup_elem(fd, &k, &out[(size_t)k * ncpu]) &&
		    errno != ENOENT)
			return -errno;
	return 0;
}

static int take(struct ctx *c, int slot)
{
	int i, err = 0;

	for (i = 0; i < c->nsrc && !err; i++) {
		struct reading *r = &c->src[i].r[slot];
		double t0 = now_sec();

		err = read_percpu(c->src[i].sfd, c->ncpu, r->stat,
				  XFP_STAT_ENTRIES);
		if (!err)
			err = read_percpu(c->src[i].pfd, c->ncpu, r->proto,
					  XFP_PROTO__MAX);
		/* The middle of the reading is when it was taken. */
		r->when = (t0 + now_sec()) / 2;
	}
	return err;
}

/* Sum over CPUs (cpu < 0) or one CPU of a counter array. */
static struct xfp_counter sum(const struct xfp_counter *a, int ncpu, int idx,
			      int cpu)
{
	struct xfp_counter s = { 0, 0 };
	int i;

	for (i = 0; i < ncpu; i++) {
		if (cpu >= 0 && i != cpu)
			continue;
		s.packets += a[(size_t)idx * ncpu + i].packets;
		s.bytes += a[(size_t)idx * ncpu + i].bytes;
	}
	return s;
}

/*
 * A value to print: a rate (cur - prev over dt) when prev is given, the
 * total otherwise.  Counters only grow; a map re-created under the same
 * pin (detach + attach between two readings) would go back: clamp to 0.
 */
struct view {
	const struct ctx *c;
	const struct reading *cur, *prev;
	double dt;
};

/* The counter's growth since the previous reading (with prev), or its
 * total (without). */
static __u64 cnt(const struct view *v, int idx, int cpu, int bytes)
{
	struct xfp_counter a = sum(v->cur->stat, v->c->ncpu, idx, cpu), b;
	__u64 x = bytes ? a.bytes : a.packets, y;

	if (!v->prev)
		return x;
	b = sum(v->prev->stat, v->c->ncpu, idx, cpu);
	y = bytes ? b.bytes : b.packets;
	return x >= y ? x - y : 0;
}

static __u64 pcnt(const struct view *v, int p, int bytes)
{
	struct xfp_counter a = sum(v->cur->proto, v->c->ncpu, p, -1), b;
	__u64 x = bytes ? a.bytes : a.packets, y;

	if (!v->prev)
		return x;
	b = sum(v->prev->proto, v->c->ncpu, p, -1);
	y = bytes ? b.bytes : b.packets;
	return x >= y ? x - y : 0;
}

/* A rate (growth over the time between the readings) or a total. */
static double val(const struct view *v, int idx, int cpu, int bytes)
{
	return (double)cnt(v, idx, cpu, bytes) / (v->prev ? v->dt : 1);
}

static double pval(const struct view *v, int p, int bytes)
{
	return (double)pcnt(v, p, bytes) / (v->prev ? v->dt : 1);
}

/* Packets of all verdicts of a program (what it received). */
static double prog_rx(const struct view *v, int prog, int cpu)
{
	double t = 0;
	int k;

	for (k = 0; k < XFP_VERDICT__MAX; k++)
		t += val(v, XFP_STAT_INDEX(prog, k), cpu, 0);
	return t;
}

static __u64 total(const struct view *v, int idx, int cpu)
{
	return sum(v->cur->stat, v->c->ncpu, idx, cpu).packets;
}

static __u64 prog_total(const struct view *v, int prog, int cpu)
{
	__u64 t = 0;
	int k;

	for (k = 0; k < XFP_VERDICT__MAX; k++)
		t += total(v, XFP_STAT_INDEX(prog, k), cpu);
	return t;
}

static int prog_shown(const struct source *s, const struct view *v, int i)
{
	return i < 2 || s->show_xsk || prog_total(v, progs[i].prog, -1);
}

/* 1234567.4 -> "1,234,567" (independent of the locale, like xdp-bench). */
static const char *fmt(char *buf, size_t len, double x)
{
	char digits[32];
	int n, i, o = 0, neg = x < 0;

	n = snprintf(digits, sizeof(digits), "%.0f", neg ? -x : x);
	if (n <= 0 || (size_t)(n + n / 3 + 2) > len) {
		snprintf(buf, len, "%.0f", x);
		return buf;
	}
	if (neg && strcmp(digits, "0"))
		buf[o++] = '-';
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = 0;
	return buf;
}

#define F(x) fmt((char[40]){ 0 }, 40, (x))

static void stats_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s stats DEV [-j] [-e] [-i SEC [-c COUNT]]\n"
		"\n"
		"Counters of the xfp programs on DEV (XDP ingress, TC egress, and the\n"
		"worker's XSK programs when they have counters), read from the pinned\n"
		"per-CPU maps.\n"
		"\n"
		"Without -i: totals since attach, per verdict, per drop reason and per\n"
		"protocol.  With -i: every SEC seconds one line per interval, as\n"
		"xdp-bench prints it, with rates from the difference of two readings\n"
		"and the time between them (never from totals):\n"
		"  Summary  N rx/s  N drop/s  N pass/s  N redirect/s  N egress/s  N egress-drop/s\n"
		"(rx, drop, pass, redirect: XDP ingress; egress: packets TC egress saw).\n"
		"\n"
		"  -i, --interval SEC  print rates every SEC seconds (fractions allowed,\n"
		"                      0.1 to 86400)\n"
		"  -c, --count N       with -i: stop after N intervals (default: until ^C)\n"
		"  -e, --extended      per program: per-CPU rates, every verdict, and each\n"
		"                      drop reason by name; in text, a drop reason or CPU\n"
		"                      row appears once its counter is non-zero since\n"
		"                      attach (verdict rows always)\n"
		"  -j, --json          one JSON object per reading (one line per interval\n"
		"                      with -i); every key present, zeros included; with\n"
		"                      -i each counter has pps and bps, and packets and\n"
		"                      bytes are the growth within the interval\n"
		"  -h, --help          this text\n",
		prog_name);
}

/* ---- text ----------------------------------------------------------- */

static void text_summary(const struct view *v)
{
	int x = XFP_PROG_XDP_INGRESS, t = XFP_PROG_TC_EGRESS;
	const char *u = v->prev ? "/s" : "";

	printf("%-26s %13s rx%-3s %13s drop%-2s %13s pass%-2s %13s redirect%-2s %13s egress%-2s %13s egress-drop%s\n",
	       "Summary", F(prog_rx(v, x, -1)), u,
	       F(val(v, XFP_STAT_INDEX(x, XFP_VERDICT_DROP), -1, 0)), u,
	       F(val(v, XFP_STAT_INDEX(x, XFP_VERDICT_PASS), -1, 0)), u,
	       F(val(v, XFP_STAT_INDEX(x, XFP_VERDICT_REDIRECT), -1, 0)), u,
	       F(prog_rx(v, t, -1)), u,
	       F(val(v, XFP_STAT_INDEX(t, XFP_VERDICT_DROP), -1, 0)), u);
}

static double prog_bytes(const struct view *v, int prog, int cpu)
{
	double t = 0;
	int k;

	for (k = 0; k < XFP_VERDICT__MAX; k++)
		t += val(v, XFP_STAT_INDEX(prog, k), cpu, 1);
	return t;
}

/*
 * The -e block of one program, in the manner of xdp-bench -e: the
 * program's receive total, its CPUs, its verdicts, its drop reasons.
 */
static void text_extended(const struct source *s, const struct view *v, int i)
{
	int p = progs[i].prog, k, cpu;
	const char *pk = v->prev ? "pkt/s" : "pkt";
	const char *u = v->prev ? "/s" : "";
	char name[64];

	snprintf(name, sizeof(name), "%s%s%s", s->label ? s->label : "",
		 s->label ? " " : "", progs[i].name);
	printf("  %-24s %13s %-5s %13s drop%-2s %13s pass%-2s %13.3f Mbit%s\n",
	       name, F(prog_rx(v, p, -1)), pk,
	       F(val(v, XFP_STAT_INDEX(p, XFP_VERDICT_DROP), -1, 0)), u,
	       F(val(v, XFP_STAT_INDEX(p, XFP_VERDICT_PASS), -1, 0)), u,
	       8e-6 * prog_bytes(v, p, -1), u);
	for (cpu = 0; cpu < v->c->ncpu; cpu++) {
		char cname[32];

		if (!prog_total(v, p, cpu))
			continue;
		snprintf(cname, sizeof(cname), "cpu:%d", cpu);
		printf("    %-22s %13s %-5s %13s drop%-2s %13s pass%-2s\n",
		       cname, F(prog_rx(v, p, cpu)), pk,
		       F(val(v, XFP_STAT_INDEX(p, XFP_VERDICT_DROP), cpu, 0)),
		       u,
		       F(val(v, XFP_STAT_INDEX(p, XFP_VERDICT_PASS), cpu, 0)),
		       u);
	}
	for (k = 0; k < XFP_VERDICT__MAX; k++)
		printf("    verdict %-14s %13s %-5s %13.3f Mbit%s\n",
		       xfp_verdict_names[k],
		       F(val(v, XFP_STAT_INDEX(p, k), -1, 0)), pk,
		       8e-6 * val(v, XFP_STAT_INDEX(p, k), -1, 1), u);
	for (k = 1; k < XFP_DROP__MAX; k++) {
		int idx = XFP_STAT_INDEX(p, XFP_STAT_DROP_BASE + k);

		if (!total(v, idx, -1))
			continue;
		printf("    drop %-17s %13s %-5s %13.3f Mbit%s\n",
		       xfp_drop_names[k], F(val(v, idx, -1, 0)), pk,
		       8e-6 * val(v, idx, -1, 1), u);
	}
}

/* Totals since attach: the historical table, packets and bytes. */
static void text_totals(const struct source *s, const struct view *v, int i)
{
	int p = progs[i].prog, k;

	printf("%s: %s%s%s\n", v->c->dev, s->label ? s->label : "",
	       s->label ? " " : "", progs[i].name);
	printf("  %-16s %16s %16s\n", "verdict", "packets", "bytes");
	for (k = 0; k < XFP_VERDICT__MAX; k++)
		printf("  %-16s %16.0f %16.0f\n", xfp_verdict_names[k],
		       val(v, XFP_STAT_INDEX(p, k), -1, 0),
		       val(v, XFP_STAT_INDEX(p, k), -1, 1));
	printf("  %-16s %16s %16s\n", "drop reason", "packets", "bytes");
	for (k = 1; k < XFP_DROP__MAX; k++) {
		int idx = XFP_STAT_INDEX(p, XFP_STAT_DROP_BASE + k);

		if (total(v, idx, -1))
			printf("  %-16s %16.0f %16.0f\n", xfp_drop_names[k],
			       val(v, idx, -1, 0), val(v, idx, -1, 1));
	}
	if (p == XFP_PROG_XDP_INGRESS && s->pfd >= 0) {
		printf("  %-16s %16s %16s\n", "protocol", "packets", "bytes");
		for (k = 0; k < XFP_PROTO__MAX; k++)
			printf("  %-16s %16.0f %16.0f\n", xfp_proto_names[k],
			       pval(v, k, 0), pval(v, k, 1));
	}
	if (v->c->ext) {
		int cpu;

		printf("  %-16s %16s %16s\n", "cpu", "packets", "bytes");
		for (cpu = 0; cpu < v->c->ncpu; cpu++) {
			char cname[32];

			if (!prog_total(v, p, cpu))
				continue;
			snprintf(cname, sizeof(cname), "cpu:%d", cpu);
			printf("  %-16s %16.0f %16.0f\n", cname,
			       prog_rx(v, p, cpu), prog_bytes(v, p, cpu));
		}
	}
}

static void print_text(const struct ctx *c, int cur, int prev)
{
	int n, i;

	for (n = 0; n < c->nsrc; n++) {
		const struct source *s = &c->src[n];
		struct view v = { c, &s->r[cur], prev < 0 ? NULL : &s->r[prev],
				  0 };

		if (v.prev) {
			v.dt = v.cur->when - v.prev->when;
			if (v.dt <= 0)
				v.dt = 1e-9;
			if (n == 0)
				text_summary(&v);
			if (!c->ext)
				continue;
			for (i = 0; i < XFP_PROG__MAX; i++)
				if (prog_shown(s, &v, i))
					text_extended(s, &v, i);
			continue;
		}
		for (i = 0; i < XFP_PROG__MAX; i++)
			if (prog_shown(s, &v, i))
				text_totals(s, &v, i);
	}
}

/* ---- JSON ----------------------------------------------------------- */

/* {pps, bps, packets, bytes} of one interval (packets and bytes: the
 * growth in the interval), or {packets, bytes} since attach. */
static void json_pair(struct json *j, const struct view *v, const char *key,
		      int idx, int cpu)
{
	json_obj_open(j, key);
	if (v->prev) {
		json_double(j, "pps", val(v, idx, cpu, 0));
		json_double(j, "bps", 8 * val(v, idx, cpu, 1));
	}
	json_u64(j, "packets", cnt(v, idx, cpu, 0));
	json_u64(j, "bytes", cnt(v, idx, cpu, 1));
	json_obj_close(j);
}

static void json_num(struct json *j, const struct view *v, const char *key,
		     double x)
{
	if (v->prev)
		json_double(j, key, x);
	else
		json_u64(j, key, (__u64)x);
}

/* verdicts, drop_reasons (and per_cpu with -e) of one program. */
static void json_prog(struct json *j, const struct view *v, int p)
{
	int k, cpu;

	json_obj_open(j, "verdicts");
	for (k = 0; k < XFP_VERDICT__MAX; k++)
		json_pair(j, v, xfp_verdict_names[k], XFP_STAT_INDEX(p, k), -1);
	json_obj_close(j);
	json_obj_open(j, "drop_reasons");
	for (k = 1; k < XFP_DROP__MAX; k++)
		json_pair(j, v, xfp_drop_names[k],
			  XFP_STAT_INDEX(p, XFP_STAT_DROP_BASE + k), -1);
	json_obj_close(j);
	if (!v->c->ext)
		return;
	json_arr_open(j, "per_cpu");
	for (cpu = 0; cpu < v->c->ncpu; cpu++) {
		if (!prog_total(v, p, cpu))
			continue;
		json_obj_open(j, NULL);
		json_u64(j, "cpu", cpu);
		json_num(j, v, "rx", prog_rx(v, p, cpu));
		json_num(j, v, "drop",
			 val(v, XFP_STAT_INDEX(p, XFP_VERDICT_DROP), cpu, 0));
		json_num(j, v, "pass",
			 val(v, XFP_STAT_INDEX(p, XFP_VERDICT_PASS), cpu, 0));
		json_num(j, v, "redirect",
			 val(v, XFP_STAT_INDEX(p, XFP_VERDICT_REDIRECT), cpu,
			     0));
		json_obj_close(j);
	}
	json_arr_close(j);
}

/* One source's objects; XDP ingress at the level of the caller. */
static void json_source(struct json *j, const struct source *s,
			const struct view *v)
{
	int i, k, x = XFP_PROG_XDP_INGRESS, t = XFP_PROG_TC_EGRESS;

	json_obj_open(j, "summary");
	json_num(j, v, "rx", prog_rx(v, x, -1));
	json_num(j, v, "drop",
		 val(v, XFP_STAT_INDEX(x, XFP_VERDICT_DROP), -1, 0));
	json_num(j, v, "pass",
		 val(v, XFP_STAT_INDEX(x, XFP_VERDICT_PASS), -1, 0));
	json_num(j, v, "redirect",
		 val(v, XFP_STAT_INDEX(x, XFP_VERDICT_REDIRECT), -1, 0));
	json_num(j, v, "tx", val(v, XFP_STAT_INDEX(x, XFP_VERDICT_TX), -1, 0));
	json_num(j, v, "aborted",
		 val(v, XFP_STAT_INDEX(x, XFP_VERDICT_ABORTED), -1, 0));
	json_num(j, v, "egress", prog_rx(v, t, -1));
	json_num(j, v, "egress_drop",
		 val(v, XFP_STAT_INDEX(t, XFP_VERDICT_DROP), -1, 0));
	json_obj_close(j);
	json_prog(j, v, x);
	json_obj_open(j, "protocols");
	for (k = 0; k < XFP_PROTO__MAX; k++) {
		json_obj_open(j, xfp_proto_names[k]);
		if (v->prev) {
			json_double(j, "pps", pval(v, k, 0));
			json_double(j, "bps", 8 * pval(v, k, 1));
		}
		json_u64(j, "packets", pcnt(v, k, 0));
		json_u64(j, "bytes", pcnt(v, k, 1));
		json_obj_close(j);
	}
	json_obj_close(j);
	for (i = 1; i < XFP_PROG__MAX; i++) {
		if (!prog_shown(s, v, i))
			continue;
		json_obj_open(j, progs[i].key);
		json_prog(j, v, progs[i].prog);
		json_obj_close(j);
	}
}

static void print_json(const struct ctx *c, int cur, int prev)
{
	struct json j;
	int n;

	json_begin(&j, stdout);
	json_str(&j, "dev", c->dev);
	for (n = 0; n < c->nsrc; n++) {
		const struct source *s = &c->src[n];
		struct view v = { c, &s->r[cur], prev < 0 ? NULL : &s->r[prev],
				  0 };

		if (v.prev) {
			v.dt = v.cur->when - v.prev->when;
			if (v.dt <= 0)
				v.dt = 1e-9;
			if (n == 0)
				json_double(&j, "interval", v.dt);
		}
		if (s->label)
			json_obj_open(&j, s->label);
		json_source(&j, s, &v);
		if (s->label)
			json_obj_close(&j);
	}
	json_end(&j);
	fflush(stdout);
}

/* ---- command -------------------------------------------------------- */

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) ? info.id :
								     0;
}

static int alloc_readings(struct ctx *c, struct source *s)
{
	int k;

	for (k = 0; k < 2; k++) {
		s->r[k].stat = calloc((size_t)XFP_STAT_ENTRIES * c->ncpu,
				      sizeof(struct xfp_counter));
		s->r[k].proto = calloc((size_t)XFP_PROTO__MAX * c->ncpu,
				       sizeof(struct xfp_counter));
		if (!s->r[k].stat || !s->r[k].proto)
			return -ENOMEM;
	}
	return 0;
}

/* Sleep until the absolute monotonic time `until` (no drift). */
static void sleep_until(double until)
{
	struct timespec ts;

	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "extended", no_argument, NULL, 'e' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct ctx c = { 0 };
	long count = -1;
	int opt, n, cur = 0, ret = 1;
	double next;
	char *end, path[512];

	c.src[0].sfd = c.src[0].pfd = c.src[1].sfd = c.src[1].pfd = -1;
	while ((opt = getopt_long(argc, argv, "jei:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = 1;
			break;
		case 'e':
			c.ext = 1;
			break;
		case 'i':
			errno = 0;
			c.interval = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(c.interval >= 0.1 && c.interval <= 86400)) {
				fprintf(stderr,
					"%s: -i '%s' is wrong: expected seconds from 0.1 to 86400\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 'c':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count <= 0) {
				fprintf(stderr,
					"%s: -c '%s' is wrong: expected a whole number of intervals >= 1\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 'h':
			stats_usage(stdout);
			return 0;
		default:
			stats_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		stats_usage(stderr);
		return 2;
	}
	if (count > 0 && !c.interval) {
		fprintf(stderr, "%s: -c counts intervals: it needs -i SEC\n",
			prog_name);
		return 2;
	}
	c.dev = argv[optind];
	c.ncpu = libbpf_num_possible_cpus();
	if (c.ncpu <= 0) {
		fprintf(stderr, "%s: cannot tell the number of CPUs\n",
			prog_name);
		return 1;
	}
	c.src[0].sfd = pin_open_map(c.dev, XFP_MAP_STATS);
	c.src[0].pfd = pin_open_map(c.dev, XFP_MAP_PROTO_STATS);
	if (c.src[0].sfd < 0 || c.src[0].pfd < 0) {
		pin_path(path, sizeof(path), c.dev, NULL);
		fprintf(stderr,
			"%s: %s: xfp is not attached (no maps under %s)\n",
			prog_name, c.dev, path);
		goto out;
	}
	c.nsrc = 1;
	/* An installed worker pins its counters under DEV/worker/; a
	 * standalone worker pins the same map as DEV's own.  A different
	 * map there is a second source, shown under "worker". */
	if (pin_worker_installed(c.dev)) {
		int fd = pin_open_map(c.dev, "worker/" XFP_MAP_STATS);

		if (fd >= 0 && map_id(fd) != map_id(c.src[0].sfd)) {
			c.src[1].label = "worker";
			c.src[1].sfd = fd;
			c.src[1].pfd = pin_open_map(
				c.dev, "worker/" XFP_MAP_PROTO_STATS);
			c.src[1].show_xsk = 1;
			c.nsrc = 2;
		} else {
			c.src[0].show_xsk = 1;
			if (fd >= 0)
				close(fd);
		}
	}
	for (n = 0; n < c.nsrc; n++)
		if (alloc_readings(&c, &c.src[n])) {
			fprintf(stderr, "%s: out of memory\n", prog_name);
			goto out;
		}
	if (take(&c, cur)) {
		fprintf(stderr, "%s: reading counters failed: %s\n", prog_name,
			strerror(errno));
		goto out;
	}
	if (!c.interval) {
		(c.json ? print_json : print_text)(&c, cur, -1);
		ret = 0;
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!c.json)
		printf("xfp on %s: rates every %g s from per-CPU counter deltas%s\n",
		       c.dev, c.interval, count > 0 ? "" : " (^C to stop)");
	next = c.src[0].r[cur].when;
	while (count < 0 || count-- > 0) {
		next += c.interval;
		sleep_until(next);
		cur ^= 1;
		if (take(&c, cur)) {
			fprintf(stderr, "%s: reading counters failed: %s\n",
				prog_name, strerror(errno));
			goto out;
		}
		(c.json ? print_json : print_text)(&c, cur, cur ^ 1);
	}
	ret = 0;
out:
	for (n = 0; n < 2; n++) {
		if (c.src[n].sfd >= 0)
			close(c.src[n].sfd);
		if (c.src[n].pfd >= 0)
			close(c.src[n].pfd);
		free(c.src[n].r[0].stat);
		free(c.src[n].r[0].proto);
		free(c.src[n].r[1].stat);
		free(c.src[n].r[1].proto);
	}
	return ret;
}
