// SPDX-License-Identifier: GPL-2.0
/*
 * baseline.c - xfp-baseline: attach one of the reference programs of
 * baseline.bpf.c (drop, pass, parse-drop, flow-drop) to DEV, measure the receive rate
 * over a window from the difference of its per-CPU counter, detach.
 *
 *   xfp-baseline --dev DEV --prog drop|pass|parse-drop|flow-drop [--flow-slots N] [--warmup S] [--window S] [-j]
 *
 * The program is attached in native mode with UPDATE_IF_NOEXIST, so an XDP
 * program already on DEV is an error, never replaced.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench/baseline.skel.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long long total(int fd)
{
	int n = libbpf_num_possible_cpus(), i;
	unsigned long long *v = calloc(n, sizeof(*v)), s = 0;
	__u32 k = 0;

	if (v && !bpf_map_lookup_elem(fd, &k, v))
		for (i = 0; i < n; i++)
			s += v[i];
	free(v);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "prog", required_argument, NULL, 'p' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "window", required_argument, NULL, 't' },
		{ "flow-slots", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *dev = NULL, *pname = "drop";
	double warm = 1, win = 3, t0, t1;
	unsigned long long c0, c1;
	struct bpf_program *prog;
	struct baseline *skel;
	unsigned long slots = 65536;
	char *end;
	int c, json = 0, ifindex, err;

	while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'p':
			pname = optarg;
			break;
		case 'w':
			warm = atof(optarg);
			break;
		case 't':
			win = atof(optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			errno = 0;
			slots = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || slots < 1024 ||
			    slots > (1ul << 22) || (slots & (slots - 1))) {
				fprintf(stderr,
					"xfp-baseline: --flow-slots '%s' is wrong: expected a power of two from 1024 to 4194304\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			printf("Usage: xfp-baseline --dev DEV --prog drop|pass|parse-drop|flow-drop [--flow-slots N] [--warmup S] [--window S] [-j]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!dev || win <= 0 || warm < 0) {
		fprintf(stderr,
			"xfp-baseline: --dev is required; --window must be > 0\n");
		return 2;
	}
	ifindex = if_nametoindex(dev);
	if (!ifindex) {
		fprintf(stderr, "xfp-baseline: device '%s' not found\n", dev);
		return 1;
	}
	skel = baseline__open();
	if (skel) {
		skel->rodata->flow_mask = (__u32)slots - 1;
		if (bpf_map__set_max_entries(skel->maps.base_flows,
					     (__u32)slots) ||
		    baseline__load(skel)) {
			baseline__destroy(skel);
			skel = NULL;
		}
	}
	if (!skel) {
		fprintf(stderr, "xfp-baseline: loading failed: %s\n",
			strerror(errno));
		return 1;
	}
	if (!strcmp(pname, "drop"))
		prog = skel->progs.base_drop;
	else if (!strcmp(pname, "pass"))
		prog = skel->progs.base_pass;
	else if (!strcmp(pname, "parse-drop"))
		prog = skel->progs.base_parse_drop;
	else if (!strcmp(pname, "flow-drop"))
		prog = skel->progs.base_flow_drop;
	else {
		fprintf(stderr,
			"xfp-baseline: --prog '%s' is wrong: expected drop, pass, parse-drop or flow-drop\n",
			pname);
		baseline__destroy(skel);
		return 2;
	}
	err = bpf_xdp_attach(ifindex, bpf_program__fd(prog),
			     XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err) {
		fprintf(stderr, "xfp-baseline: attach to %s failed: %s\n", dev,
			strerror(-err));
		baseline__destroy(skel);
		return 1;
	}
	/* Tell a waiting script that the receiver is ready. */
	fprintf(stderr, "xfp-baseline: %s attached to %s\n", pname, dev);
	usleep((useconds_t)(warm * 1e6));
	c0 = total(bpf_map__fd(skel->maps.base_rx));
	t0 = now();
	usleep((useconds_t)(win * 1e6));
	c1 = total(bpf_map__fd(skel->maps.base_rx));
	t1 = now();
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (json)
		printf("{\"prog\":\"%s\",\"packets\":%llu,\"seconds\":%.3f,\"pps\":%.0f}\n",
		       pname, c1 - c0, t1 - t0, (c1 - c0) / (t1 - t0));
	else
		printf("%-12s %12.0f rx/s (%llu packets in %.3f s)\n", pname,
		       (c1 - c0) / (t1 - t0), c1 - c0, t1 - t0);
	baseline__destroy(skel);
	return 0;
}
