// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_monitor.c - `xfp monitor DEV`: print the acquire events of DEV as
 * they happen (traffic that must be secured found no SA; the keying module
 * will consume the same ring buffer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
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

struct mon {
	int json;
	unsigned long seen, count;
};

static volatile sig_atomic_t mon_stop;

static void mon_signal(int sig)
{
	(void)sig;
	mon_stop = 1;
}

static const char *proto_name(unsigned p, char *buf, size_t len)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct xfp_acquire_event *ev = data;
	struct mon *m = ctx;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pb[8], ifn[IF_NAMESIZE];
	int af;

	if (size < sizeof(*ev))
		return 0;
	af = ev->family == 6 ? AF_INET6 : AF_INET;
	inet_ntop(af, ev->saddr, s, sizeof(s));
	inet_ntop(af, ev->daddr, d, sizeof(d));
	if (!if_indextoname(ev->ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "%u", ev->ifindex);
	if (m->json) {
		struct json j;

		json_begin(&j, stdout);
		json_str(&j, "event", "acquire");
		json_str(&j, "dev", ifn);
		json_u64(&j, "family", ev->family);
		json_str(&j, "proto", proto_name(ev->l4_proto, pb, sizeof(pb)));
		json_str(&j, "src", s);
		json_str(&j, "dst", d);
		json_u64(&j, "sport", ntohs(ev->sport));
		json_u64(&j, "dport", ntohs(ev->dport));
		json_u64(&j, "ts_ns", ev->ts_ns);
		json_end(&j);
	} else {
		printf("acquire %s %s %s:%u -> %s:%u\n", ifn,
		       proto_name(ev->l4_proto, pb, sizeof(pb)), s,
		       ntohs(ev->sport), d, ntohs(ev->dport));
	}
	fflush(stdout);
	m->seen++;
	if (m->count && m->seen >= m->count)
		mon_stop = 1;
	return 0;
}

static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s monitor DEV [-j] [-c COUNT] [-t SECONDS]\n"
		"\n"
		"Print acquire events of DEV: traffic that must be secured and\n"
		"found no SA (it was dropped).  -c stops after COUNT events, -t\n"
		"after SECONDS (exit status 1 if no event arrived).\n",
		prog_name);
}

int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct mon m = {};
	struct ring_buffer *rb;
	struct sigaction sa = { .sa_handler = mon_signal };
	char path[512], *end;
	double timeout = 0;
	struct timespec t0, t;
	int c, fd;

	while ((c = getopt_long(argc, argv, "jc:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			m.json = 1;
			break;
		case 'c':
			m.count = strtoul(optarg, &end, 10);
			if (*end || !m.count) {
				fprintf(stderr,
					"%s: -c '%s': expected a count\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0) {
				fprintf(stderr,
					"%s: -t '%s': expected seconds\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 'h':
			monitor_usage(stdout);
			return 0;
		default:
			monitor_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		monitor_usage(stderr);
		return 2;
	}
	if (pin_worker_path(path, sizeof(path), argv[optind], XFP_MAP_ACQUIRE))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr,
			"%s: no acquire ring for %s (%s: %s); is a worker installed?\n",
			prog_name, argv[optind], path, strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(fd, on_event, &m, NULL);
	if (!rb) {
		fprintf(stderr, "%s: ring buffer: %s\n", prog_name,
			strerror(errno));
		close(fd);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!mon_stop) {
		int r = ring_buffer__poll(rb, 200);

		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "%s: polling: %s\n", prog_name,
				strerror(-r));
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (timeout > 0 &&
		    (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >=
			    timeout)
			break;
	}
	ring_buffer__free(rb);
	close(fd);
	return (m.count || timeout > 0) && !m.seen ? 1 : 0;
}
