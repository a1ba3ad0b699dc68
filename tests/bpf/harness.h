/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - the BPF test tier: craft packets, run a loaded program on
 * them with BPF_PROG_TEST_RUN, compare verdict, output bytes and counters,
 * print one TAP line per case.
 */
#ifndef XFP_TEST_HARNESS_H
#define XFP_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------ packets */
struct pkt {
	uint8_t data[4096];
	size_t len;
	size_t l3; /* offset of the IP header, for pkt_finish() */
	size_t l4; /* offset of the transport header */
	int ip_ver;
	int l4_proto;
};

void pkt_init(struct pkt *p);
void pkt_eth(struct pkt *p, uint16_t ethertype);
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid, uint16_t inner);
void pkt_ipv4(struct pkt *p, uint8_t proto, const char *src, const char *dst);
void pkt_ipv6(struct pkt *p, uint8_t nexthdr, const char *src, const char *dst);
/* An 8-byte hop-by-hop/routing/dest-options header (or fragment header). */
void pkt_ipv6_ext(struct pkt *p, uint8_t nexthdr);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags);
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code);
void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq);
void pkt_payload(struct pkt *p, size_t n);
void pkt_bytes(struct pkt *p, const void *b, size_t n);
/* Fix IPv4 total length and checksum, IPv6 payload length, UDP length. */
void pkt_finish(struct pkt *p);

/* ------------------------------------------------------------ running */
struct run_result {
	int err; /* 0 or -errno from the syscall */
	uint32_t retval;
	uint8_t out[4096];
	uint32_t out_len;
};

int run_xdp(int prog_fd, const struct pkt *p, struct run_result *r);
int run_tc(int prog_fd, const struct pkt *p, struct run_result *r);

/* Sum of one key of a per-CPU array of struct xfp_counter. */
uint64_t percpu_packets(int map_fd, uint32_t key);

/* ------------------------------------------------------------ reporting */
/* Record one case; prints "ok N - name" or "not ok N - name: why". */
void tap_result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print the plan trailer; returns the process exit status. */
int tap_done(void);

/* Silence libbpf below warnings (XFP_DEBUG=1 shows everything). */
void harness_quiet_libbpf(void);

#endif
