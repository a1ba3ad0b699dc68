// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_stats.c - `xfp stats DEV`: counters from the pinned per-CPU maps.
 *
 * Without -i it prints totals since attach.  With -i SEC it prints, every
 * SEC seconds, rates computed from the difference between two readings
 * and the time between them (never from totals).
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

struct snapshot {
	struct xfp_counter stat[XFP_STAT_ENTRIES];
	struct xfp_counter proto[XFP_PROTO__MAX];
	double when;
};

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sum one per-CPU array map into out[0..n). */
static int read_percpu(int fd, struct xfp_counter *out, __u32 n)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xfp_counter *vals;
	__u32 k;
	int c;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < n; k++) {
		out[k].packets = out[k].bytes = 0;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (c = 0; c < ncpu; c++) {
			out[k].packets += vals[c].packets;
			out[k].bytes += vals[c].bytes;
		}
	}
	free(vals);
	return 0;
}

static int take(int sfd, int pfd, struct snapshot *s)
{
	int err = read_percpu(sfd, s->stat, XFP_STAT_ENTRIES);

	if (!err)
		err = read_percpu(pfd, s->proto, XFP_PROTO__MAX);
	s->when = now_sec();
	return err;
}

static void stats_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s stats DEV [-j] [-i SEC [-c COUNT]]\n"
		"\n"
		"Counters of the xfp programs on DEV: packets and bytes per verdict,\n"
		"per drop reason and per protocol.\n"
		"  -j, --json         JSON output\n"
		"  -i, --interval SEC print rates every SEC seconds (from deltas)\n"
		"  -c, --count N      stop after N intervals (default: run until ^C)\n",
		prog_name);
}

/* cur - prev over dt; with prev NULL, cur as totals (dt 0). */
static void print_text(const char *dev, const struct snapshot *cur,
		       const struct snapshot *prev)
{
	double dt = prev ? cur->when - prev->when : 0;
	const char *unit = prev ? "/s" : "";
	int v, r, p;

#define DELTA(field)                                                     \
	(prev ? (double)(cur->field - prev->field) / (dt > 0 ? dt : 1) : \
		(double)cur->field)

	if (prev) {
		double pass = DELTA(
			stat[XFP_STAT_INDEX(0, XFP_VERDICT_PASS)].packets);
		double drop = DELTA(
			stat[XFP_STAT_INDEX(0, XFP_VERDICT_DROP)].packets);
		double redir = DELTA(
			stat[XFP_STAT_INDEX(0, XFP_VERDICT_REDIRECT)].packets);
		double tx =
			DELTA(stat[XFP_STAT_INDEX(0, XFP_VERDICT_TX)].packets);
		double ab = DELTA(
			stat[XFP_STAT_INDEX(0, XFP_VERDICT_ABORTED)].packets);

		printf("%-10s %'14.0f rx/s %'14.0f drop/s %'14.0f pass/s %'14.0f redirect/s\n",
		       "Summary", pass + drop + redir + tx + ab, drop, pass,
		       redir);
		return;
	}
	printf("%s: xdp ingress\n", dev);
	printf("  %-16s %16s %16s\n", "verdict", "packets", "bytes");
	for (v = 0; v < XFP_VERDICT__MAX; v++)
		printf("  %-16s %16.0f %16.0f\n", xfp_verdict_names[v],
		       DELTA(stat[XFP_STAT_INDEX(0, v)].packets),
		       DELTA(stat[XFP_STAT_INDEX(0, v)].bytes));
	printf("  %-16s %16s %16s\n", "drop reason", "packets", "bytes");
	for (r = 1; r < XFP_DROP__MAX; r++) {
		const struct xfp_counter *c =
			&cur->stat[XFP_STAT_INDEX(0, XFP_STAT_DROP_BASE + r)];

		if (c->packets)
			printf("  %-16s %16.0f %16.0f\n", xfp_drop_names[r],
			       DELTA(stat[XFP_STAT_INDEX(0, XFP_STAT_DROP_BASE +
								    r)]
					     .packets),
			       DELTA(stat[XFP_STAT_INDEX(0, XFP_STAT_DROP_BASE +
								    r)]
					     .bytes));
	}
	printf("  %-16s %16s %16s%s\n", "protocol", "packets", "bytes", unit);
	for (p = 0; p < XFP_PROTO__MAX; p++)
		printf("  %-16s %16.0f %16.0f\n", xfp_proto_names[p],
		       DELTA(proto[p].packets), DELTA(proto[p].bytes));
	printf("%s: tc egress\n", dev);
	printf("  %-16s %16s %16s\n", "verdict", "packets", "bytes");
	for (v = 0; v < XFP_VERDICT__MAX; v++)
		printf("  %-16s %16.0f %16.0f\n", xfp_verdict_names[v],
		       DELTA(stat[XFP_STAT_INDEX(XFP_PROG_TC_EGRESS, v)]
				     .packets),
		       DELTA(stat[XFP_STAT_INDEX(XFP_PROG_TC_EGRESS, v)].bytes));
	for (r = 1; r < XFP_DROP__MAX; r++) {
		const struct xfp_counter *c = &cur->stat[XFP_STAT_INDEX(
			XFP_PROG_TC_EGRESS, XFP_STAT_DROP_BASE + r)];

		if (c->packets)
			printf("  %-16s %16.0f %16.0f\n", xfp_drop_names[r],
			       (double)c->packets, (double)c->bytes);
	}
#undef DELTA
}

static void print_json(const char *dev, const struct snapshot *cur,
		       const struct snapshot *prev)
{
	double dt = prev ? cur->when - prev->when : 0;
	struct json j;
	int v, r, p;

#define PAIR(key, field)                                                       \
	do {                                                                   \
		json_obj_open(&j, key);                                        \
		if (prev) {                                                    \
			json_double(                                           \
				&j, "pps",                                     \
				(cur->field.packets - prev->field.packets) /   \
					(dt > 0 ? dt : 1));                    \
			json_double(                                           \
				&j, "bps",                                     \
				8.0 * (cur->field.bytes - prev->field.bytes) / \
					(dt > 0 ? dt : 1));                    \
		} else {                                                       \
			json_u64(&j, "packets", cur->field.packets);           \
			json_u64(&j, "bytes", cur->field.bytes);               \
		}                                                              \
		json_obj_close(&j);                                            \
	} while (0)

	json_begin(&j, stdout);
	json_str(&j, "dev", dev);
	if (prev)
		json_double(&j, "interval", dt);
	json_obj_open(&j, "verdicts");
	for (v = 0; v < XFP_VERDICT__MAX; v++)
		PAIR(xfp_verdict_names[v], stat[XFP_STAT_INDEX(0, v)]);
	json_obj_close(&j);
	json_obj_open(&j, "drop_reasons");
	for (r = 1; r < XFP_DROP__MAX; r++)
		PAIR(xfp_drop_names[r],
		     stat[XFP_STAT_INDEX(0, XFP_STAT_DROP_BASE + r)]);
	json_obj_close(&j);
	json_obj_open(&j, "protocols");
	for (p = 0; p < XFP_PROTO__MAX; p++)
		PAIR(xfp_proto_names[p], proto[p]);
	json_obj_close(&j);
	/* The TC egress program's counters (same layout, own slots). */
	json_obj_open(&j, "tc_egress");
	json_obj_open(&j, "verdicts");
	for (v = 0; v < XFP_VERDICT__MAX; v++)
		PAIR(xfp_verdict_names[v],
		     stat[XFP_STAT_INDEX(XFP_PROG_TC_EGRESS, v)]);
	json_obj_close(&j);
	json_obj_open(&j, "drop_reasons");
	for (r = 1; r < XFP_DROP__MAX; r++)
		PAIR(xfp_drop_names[r],
		     stat[XFP_STAT_INDEX(XFP_PROG_TC_EGRESS,
					 XFP_STAT_DROP_BASE + r)]);
	json_obj_close(&j);
	json_obj_close(&j);
	json_end(&j);
	fflush(stdout);
#undef PAIR
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct snapshot a, b, *cur = &a, *prev = &b, *t;
	long interval = 0, count = -1;
	int c, sfd, pfd, json = 0, ret = 1;
	const char *dev;
	char *end;

	while ((c = getopt_long(argc, argv, "ji:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'i':
		case 'c':
			errno = 0;
			{
				long v = strtol(optarg, &end, 10);

				if (errno || *end || v <= 0 || v > 86400) {
					fprintf(stderr,
						"%s: -%c '%s' is wrong: expected a whole number from 1 to 86400\n",
						prog_name, c, optarg);
					return 2;
				}
				if (c == 'i')
					interval = v;
				else
					count = v;
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
	dev = argv[optind];
	sfd = pin_open_map(dev, XFP_MAP_STATS);
	pfd = pin_open_map(dev, XFP_MAP_PROTO_STATS);
	if (sfd < 0 || pfd < 0) {
		char path[512];

		pin_path(path, sizeof(path), dev, NULL);
		fprintf(stderr,
			"%s: %s: xfp is not attached (no maps under %s)\n",
			prog_name, dev, path);
		goto out;
	}
	if (take(sfd, pfd, cur)) {
		fprintf(stderr, "%s: reading counters failed\n", prog_name);
		goto out;
	}
	if (!interval) {
		(json ? print_json : print_text)(dev, cur, NULL);
		ret = 0;
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (count < 0 || count-- > 0) {
		t = prev;
		prev = cur;
		cur = t;
		sleep(interval);
		if (take(sfd, pfd, cur)) {
			fprintf(stderr, "%s: reading counters failed\n",
				prog_name);
			goto out;
		}
		(json ? print_json : print_text)(dev, cur, prev);
	}
	ret = 0;
out:
	if (sfd >= 0)
		close(sfd);
	if (pfd >= 0)
		close(pfd);
	return ret;
}
