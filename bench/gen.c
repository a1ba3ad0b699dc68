// SPDX-License-Identifier: GPL-2.0
/*
 * gen.c - xfp-gen, the benchmark traffic generator.
 *
 * Runs bench/gen.bpf.c with BPF_PROG_TEST_RUN and BPF_F_TEST_XDP_LIVE_FRAMES
 * bound to DEV (a veth): every run turns the template packet into a real
 * frame that leaves DEV and reaches its peer, where the program under test
 * is attached.  It must run in the network namespace that holds DEV.
 *
 * It reports what it sent; what arrived is counted at the receiver.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench/gen.skel.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

struct opts {
	const char *dev;
	unsigned size;
	int family;
	int proto;
	unsigned flows;
	uint64_t count;
	double duration;
	uint64_t rate;
	uint32_t spi;
	uint16_t dport;
	const char *src, *dst;
	uint8_t dst_mac[6];
	int json;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xfp-gen --dev DEV [options]\n"
		"Send generated frames out of DEV (a veth) to its peer with XDP live frames.\n"
		"  --dev DEV          the sending device (run in its namespace)\n"
		"  --size N           frame length without FCS, 60..1514 (default 64)\n"
		"  -6                 IPv6 (default IPv4)\n"
		"  --proto P          udp, tcp (SYN) or esp (default udp)\n"
		"  --flows N          distinct flows, round robin (default 1)\n"
		"  --count N          packets to send (default: --duration)\n"
		"  --duration SEC     seconds to send for (default 5)\n"
		"  --rate PPS         approximate packet rate (default: as fast as possible)\n"
		"  --spi SPI          ESP SPI (default 0x100)\n"
		"  --dport N          destination port (default 9)\n"
		"  --src A --dst B    addresses (default 198.18.0.1 -> 198.18.0.2,\n"
		"                     2001:db8::1 -> 2001:db8::2 with -6)\n"
		"  --dst-mac MAC      destination MAC (default ff:ff:ff:ff:ff:ff)\n"
		"  -j                 print the report as JSON\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Build the template frame; returns its length, sets offsets. */
static unsigned build(const struct opts *o, const uint8_t *src_mac, uint8_t *f,
		      unsigned *l3, unsigned *l4)
{
	unsigned len = o->size, hl = o->family == 4 ? 20 : 40, i;
	uint8_t *ip = f + 14, *t;

	memset(f, 0, len);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, o->family == 4 ? ETH_P_IP : ETH_P_IPV6);
	*l3 = 14;
	*l4 = 14 + hl;
	if (o->family == 4) {
		ip[0] = 0x45;
		put16(ip + 2, len - 14);
		ip[8] = 64;
		ip[9] = o->proto;
		inet_pton(AF_INET, o->src, ip + 12);
		inet_pton(AF_INET, o->dst, ip + 16);
	} else {
		ip[0] = 0x60;
		put16(ip + 4, len - 14 - 40);
		ip[6] = o->proto;
		ip[7] = 64;
		inet_pton(AF_INET6, o->src, ip + 8);
		inet_pton(AF_INET6, o->dst, ip + 24);
	}
	t = f + *l4;
	if (o->proto == IPPROTO_UDP) {
		put16(t, 1024);
		put16(t + 2, o->dport);
		put16(t + 4, len - *l4);
	} else if (o->proto == IPPROTO_TCP) {
		put16(t, 1024);
		put16(t + 2, o->dport);
		t[12] = 5 << 4;
		t[13] = 0x02; /* SYN */
		put16(t + 14, 65535);
	} else {
		t[0] = o->spi >> 24;
		t[1] = o->spi >> 16;
		t[2] = o->spi >> 8;
		t[3] = o->spi;
	}
	for (i = *l4 + 20; i < len; i++)
		f[i] = (uint8_t)i;
	return len;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned v[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = v[i];
	}
	return 0;
}

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "xfp-gen: %s '%s' is wrong: expected %s\n", opt, val,
		want);
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "proto", required_argument, NULL, 'p' },
		{ "flows", required_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "spi", required_argument, NULL, 'S' },
		{ "dport", required_argument, NULL, 'P' },
		{ "src", required_argument, NULL, 'a' },
		{ "dst", required_argument, NULL, 'b' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .size = 64,
			  .family = 4,
			  .proto = IPPROTO_UDP,
			  .flows = 1,
			  .duration = 5,
			  .spi = 0x100,
			  .dport = 9,
			  .dst_mac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint8_t frame[1514], src_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
	unsigned len, l3, l4, ifindex, min;
	uint64_t sent = 0;
	struct gen *skel;
	struct ifreq ifr;
	double t0, t1;
	char *end;
	int c, fd;

	while ((c = getopt_long(argc, argv, "6jh", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.dev = optarg;
			break;
		case 's':
			o.size = strtoul(optarg, &end, 0);
			if (*end || o.size < 60 || o.size > 1514)
				return bad("--size", optarg, "60..1514");
			break;
		case '6':
			o.family = 6;
			break;
		case 'p':
			if (!strcmp(optarg, "udp"))
				o.proto = IPPROTO_UDP;
			else if (!strcmp(optarg, "tcp"))
				o.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "esp"))
				o.proto = IPPROTO_ESP;
			else
				return bad("--proto", optarg,
					   "udp, tcp or esp");
			break;
		case 'f':
			o.flows = strtoul(optarg, &end, 0);
			if (*end || o.flows < 1 || o.flows > 4000000)
				return bad("--flows", optarg, "1..4000000");
			break;
		case 'n':
			o.count = strtoull(optarg, &end, 0);
			if (*end || !o.count)
				return bad("--count", optarg,
					   "a positive number");
			break;
		case 't':
			o.duration = strtod(optarg, &end);
			if (*end || o.duration <= 0 || o.duration > 3600)
				return bad("--duration", optarg,
					   "seconds, 0..3600");
			break;
		case 'r':
			o.rate = strtoull(optarg, &end, 0);
			if (*end || !o.rate)
				return bad("--rate", optarg,
					   "packets per second");
			break;
		case 'S':
			o.spi = strtoul(optarg, &end, 0);
			if (*end)
				return bad("--spi", optarg, "a 32-bit number");
			break;
		case 'P':
			o.dport = strtoul(optarg, &end, 0);
			if (*end)
				return bad("--dport", optarg, "a port");
			break;
		case 'a':
			o.src = optarg;
			break;
		case 'b':
			o.dst = optarg;
			break;
		case 'm':
			if (parse_mac(optarg, o.dst_mac))
				return bad("--dst-mac", optarg,
					   "aa:bb:cc:dd:ee:ff");
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!o.dev || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!o.src)
		o.src = o.family == 4 ? "198.18.0.1" : "2001:db8::1";
	if (!o.dst)
		o.dst = o.family == 4 ? "198.18.0.2" : "2001:db8::2";
	min = 14 + (o.family == 4 ? 20 : 40) + 20;
	if (o.size < min) {
		fprintf(stderr,
			"xfp-gen: --size %u is too small for this packet: at least %u\n",
			o.size, min);
		return 2;
	}
	ifindex = if_nametoindex(o.dev);
	if (!ifindex) {
		fprintf(stderr, "xfp-gen: device '%s' not found\n", o.dev);
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", o.dev);
	if (fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(src_mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);

	len = build(&o, src_mac, frame, &l3, &l4);
	skel = gen__open();
	if (!skel) {
		fprintf(stderr,
			"xfp-gen: opening the generator program failed: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->nflows = o.flows;
	skel->rodata->l3_off = l3;
	skel->rodata->l4_off = l4;
	skel->rodata->family = o.family;
	skel->rodata->l4_proto = o.proto;
	if (gen__load(skel)) {
		fprintf(stderr,
			"xfp-gen: loading the generator program failed: %s\n",
			strerror(errno));
		gen__destroy(skel);
		return 1;
	}

	t0 = now();
	for (;;) {
		struct xdp_md ctx = { .data_end = len,
				      .ingress_ifindex = ifindex };
		uint64_t chunk = 1 << 20;
		LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = frame,
			    .data_size_in = len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = 64);
		double el = now() - t0;

		if (o.count && sent >= o.count)
			break;
		if (!o.count && el >= o.duration)
			break;
		if (o.rate) {
			double due = (double)o.rate * el;

			if ((double)sent >= due) {
				usleep(1000);
				continue;
			}
			chunk = (uint64_t)(due - sent) + 1;
			if (chunk > o.rate / 100 + 1)
				chunk = o.rate / 100 + 1;
		}
		if (o.count && chunk > o.count - sent)
			chunk = o.count - sent;
		r.repeat = (int)chunk;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xfp_gen),
					   &r)) {
			fprintf(stderr, "xfp-gen: test run failed: %s\n",
				strerror(errno));
			gen__destroy(skel);
			return 1;
		}
		sent += chunk;
	}
	t1 = now();
	if (o.json)
		printf("{\"dev\":\"%s\",\"sent\":%llu,\"seconds\":%.3f,\"pps\":%.0f,\"size\":%u,\"flows\":%u,\"family\":%d}\n",
		       o.dev, (unsigned long long)sent, t1 - t0,
		       sent / (t1 - t0), len, o.flows, o.family);
	else
		printf("xfp-gen: sent %llu packets of %u bytes (%u flows, IPv%d) in %.3f s: %.0f pps\n",
		       (unsigned long long)sent, len, o.flows, o.family,
		       t1 - t0, sent / (t1 - t0));
	gen__destroy(skel);
	return 0;
}
