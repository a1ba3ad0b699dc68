// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - see harness.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "bpf/xfp_abi.h"
#include "tests/bpf/harness.h"

static int tap_n, tap_failed;

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
}

static void *put(struct pkt *p, size_t n)
{
	void *at = p->data + p->len;

	if (p->len + n > sizeof(p->data)) {
		fprintf(stderr, "harness: packet too long\n");
		abort();
	}
	memset(at, 0, n);
	p->len += n;
	return at;
}

static void put16(uint8_t *at, uint16_t v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

void pkt_eth(struct pkt *p, uint16_t ethertype)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t *h = put(p, 14);

	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	put16(h + 12, ethertype);
}

void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid, uint16_t inner)
{
	uint8_t *h;

	/* Rewrite the previous ethertype to the tag's TPID. */
	put16(p->data + p->len - 2, tpid);
	h = put(p, 4);
	put16(h, vid & 0x0fff);
	put16(h + 2, inner);
}

void pkt_ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst)
{
	uint8_t *h = put(p, 20);

	p->l3 = h - p->data;
	p->ip_ver = 4;
	p->l4_proto = proto;
	h[0] = 0x45;
	h[8] = 64;
	h[9] = proto;
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	p->l4 = p->len;
}

void pkt_ipv6(struct pkt *p, uint8_t nexthdr, const char *src, const char *dst)
{
	uint8_t *h = put(p, 40);

	p->l3 = h - p->data;
	p->ip_ver = 6;
	p->l4_proto = nexthdr;
	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	p->l4 = p->len;
}

void pkt_ipv6_ext(struct pkt *p, uint8_t nexthdr)
{
	uint8_t *h = put(p, 8);

	h[0] = nexthdr;
	h[1] = 0; /* (0 + 1) * 8 bytes; for a fragment header: offset 0 */
	p->l4_proto = nexthdr;
	p->l4 = p->len;
}

void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *h = put(p, 8);

	put16(h, sport);
	put16(h + 2, dport);
}

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *h = put(p, 20);

	put16(h, sport);
	put16(h + 2, dport);
	h[12] = 5 << 4;
	h[13] = flags;
	put16(h + 14, 65535);
}

void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code)
{
	uint8_t *h = put(p, 8);

	h[0] = type;
	h[1] = code;
}

void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq)
{
	uint8_t *h = put(p, 8);
	uint32_t v[2] = { htonl(spi), htonl(seq) };

	memcpy(h, v, sizeof(v));
}

void pkt_payload(struct pkt *p, size_t n)
{
	uint8_t *h = put(p, n);
	size_t i;

	for (i = 0; i < n; i++)
		h[i] = (uint8_t)i;
}

void pkt_bytes(struct pkt *p, const void *b, size_t n)
{
	memcpy(put(p, n), b, n);
}

static uint16_t csum16(const uint8_t *b, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (n & 1)
		s += b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void pkt_finish(struct pkt *p)
{
	uint8_t *ip = p->data + p->l3;

	if (p->ip_ver == 4) {
		size_t hl = (ip[0] & 0xf) * 4;

		put16(ip + 2, (uint16_t)(p->len - p->l3));
		put16(ip + 10, 0);
		put16(ip + 10, csum16(ip, hl));
	} else if (p->ip_ver == 6) {
		put16(ip + 4, (uint16_t)(p->len - p->l3 - 40));
	}
	if (p->l4_proto == 17 && p->l4 + 8 <= p->len)
		put16(p->data + p->l4 + 4, (uint16_t)(p->len - p->l4));
}

static int run(int prog_fd, const struct pkt *p, struct run_result *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data,
		    .data_size_in = (__u32)p->len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .repeat = 1);
	int err;

	memset(r, 0, sizeof(*r));
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	r->err = err ? -errno : 0;
	r->retval = opts.retval;
	r->out_len = opts.data_size_out;
	return r->err;
}

int run_xdp(int prog_fd, const struct pkt *p, struct run_result *r)
{
	return run(prog_fd, p, r);
}

int run_tc(int prog_fd, const struct pkt *p, struct run_result *r)
{
	return run(prog_fd, p, r);
}

uint64_t percpu_packets(int map_fd, uint32_t key)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct xfp_counter *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));
	uint64_t sum = 0;

	if (v && bpf_map_lookup_elem(map_fd, &key, v) == 0)
		for (i = 0; i < ncpu; i++)
			sum += v[i].packets;
	free(v);
	return sum;
}

void tap_result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (ok) {
		printf("ok %d - %s\n", tap_n, name);
		return;
	}
	tap_failed++;
	printf("not ok %d - %s: ", tap_n, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

static int print_warn(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level > LIBBPF_WARN && !getenv("XFP_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void harness_quiet_libbpf(void)
{
	libbpf_set_print(print_warn);
}
