/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * testutil.h - helpers shared by the crypto unit tests (header-only so it
 * is not linked into other engineers' test binaries): hex decoding, frames
 * with head/tail room, packet builders and SA configs.
 */
#ifndef XFP_TESTS_CRYPTO_TESTUTIL_H
#define XFP_TESTS_CRYPTO_TESTUTIL_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/ip.h"
#include "crypto/ipsec.h"
#include "crypto/pkt.h"

#define TU_FRAME 4096
#define TU_HEAD 256

/* Decode @hex (whitespace ignored) into @out; returns the length. */
static inline size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			abort();
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		abort();
	return n;
}

/* A frame holding a packet with TU_HEAD bytes of headroom. */
struct tu_frame {
	uint8_t buf[TU_FRAME];
	struct xfp_pkt_buf pkt;
};

static inline void tu_frame_set(struct tu_frame *f, const uint8_t *p,
				size_t len)
{
	memset(f->buf, 0xee, sizeof(f->buf));
	memcpy(f->buf + TU_HEAD, p, len);
	xfp_pkt_init(&f->pkt, f->buf, sizeof(f->buf), TU_HEAD, len);
}

static inline void tu_addr4(struct xfp_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	inet_pton(AF_INET, s, a->a);
}

static inline void tu_addr6(struct xfp_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	inet_pton(AF_INET6, s, a->a);
}

/*
 * Build an IPv4 (@v6 false) or IPv6 packet from @src to @dst carrying a UDP
 * datagram (sport 1000+seed, dport 53) with @payload_len bytes of a pattern
 * derived from @seed.  Returns the packet length.
 */
static inline size_t tu_udp_packet(uint8_t *p, bool v6, const char *src,
				   const char *dst, size_t payload_len,
				   unsigned seed)
{
	size_t l3 = v6 ? XFP_IPV6_HLEN : XFP_IPV4_HLEN;
	size_t len = l3 + XFP_UDP_HLEN + payload_len;
	uint8_t *u = p + l3;

	memset(p, 0, l3);
	if (v6) {
		p[0] = 0x60;
		p[1] = 0x20; /* traffic class 2 */
		p[6] = 17;
		p[7] = 63;
		inet_pton(AF_INET6, src, p + 8);
		inet_pton(AF_INET6, dst, p + 24);
	} else {
		p[0] = 0x45;
		p[1] = 0x08;
		xfp_put_be16(p + 4, (uint16_t)(0x1234 + seed));
		p[8] = 63;
		p[9] = 17;
		inet_pton(AF_INET, src, p + 12);
		inet_pton(AF_INET, dst, p + 16);
	}
	xfp_put_be16(u, (uint16_t)(1000 + seed % 1000));
	xfp_put_be16(u + 2, 53);
	xfp_put_be16(u + 4, (uint16_t)(XFP_UDP_HLEN + payload_len));
	for (size_t i = 0; i < payload_len; i++)
		u[XFP_UDP_HLEN + i] = (uint8_t)(i * 7 + seed);
	xfp_ip_set_len(p, len);
	u[6] = 0xff; /* any non-zero value: "has a checksum" */
	xfp_l4_fix_csum(p, 17, u, XFP_UDP_HLEN + payload_len);
	return len;
}

/* A filled-in SA config with a deterministic key. */
static inline void tu_cfg(struct xfp_sa_config *c, enum xfp_alg alg,
			  uint8_t dir, uint8_t mode, uint32_t spi)
{
	const struct xfp_alg_info *ai = xfp_alg_info(alg);

	memset(c, 0, sizeof(*c));
	c->id = spi;
	c->spi = spi;
	c->proto = ai->proto;
	c->dir = dir;
	c->mode = mode;
	c->alg = alg;
	c->key_len = ai->key_len;
	for (unsigned i = 0; i < ai->key_len; i++)
		c->key[i] = (uint8_t)(0x40 + i * 3 + spi);
	tu_addr4(&c->src, "198.18.0.1");
	tu_addr4(&c->dst, "198.18.0.2");
}

/* Make an inbound twin of an outbound config (same key, SPI, mode). */
static inline struct xfp_sa *tu_sa(const struct xfp_sa_config *c)
{
	int err;
	struct xfp_sa *sa = xfp_sa_new(c, &err);

	if (!sa) {
		fprintf(stderr, "xfp_sa_new: %d\n", err);
		abort();
	}
	return sa;
}

static inline const char *tu_mode_name(unsigned m)
{
	return m == XFP_MODE_TUNNEL ? "tunnel" : "transport";
}

#endif /* XFP_TESTS_CRYPTO_TESTUTIL_H */
