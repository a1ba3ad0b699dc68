/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pkt.h - the view of a packet buffer that the crypto library works on.
 *
 * The AF_XDP worker owns the frame; it hands the library a window into it.
 * `data` points at the first byte of the IP header (the worker has already
 * stripped the link-layer header, or will put it back after the call), `len`
 * bytes of packet follow, and the frame has `headroom` writable bytes before
 * `data` and `tailroom` writable bytes after `data + len`.  Encapsulation
 * grows the packet into the head and tail room; decapsulation shrinks it.
 * Nothing here allocates: every transform is in place.
 */
#ifndef XFP_CRYPTO_PKT_H
#define XFP_CRYPTO_PKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct xfp_pkt_buf {
	uint8_t *data; /* first byte of the IP header */
	size_t len; /* bytes of packet from data */
	size_t headroom; /* writable bytes before data */
	size_t tailroom; /* writable bytes after data + len */
};

/* Wrap a frame of @size bytes whose packet starts @off bytes in. */
static inline void xfp_pkt_init(struct xfp_pkt_buf *b, uint8_t *frame,
				size_t size, size_t off, size_t len)
{
	b->data = frame + off;
	b->len = len;
	b->headroom = off;
	b->tailroom = size - off - len;
}

/* Grow at the front by @n bytes; returns the new data pointer or NULL. */
static inline uint8_t *xfp_pkt_push(struct xfp_pkt_buf *b, size_t n)
{
	if (n > b->headroom)
		return NULL;
	b->data -= n;
	b->len += n;
	b->headroom -= n;
	return b->data;
}

/* Drop @n bytes from the front. */
static inline uint8_t *xfp_pkt_pull(struct xfp_pkt_buf *b, size_t n)
{
	if (n > b->len)
		return NULL;
	b->data += n;
	b->len -= n;
	b->headroom += n;
	return b->data;
}

/* Grow at the back by @n bytes; returns a pointer to the new bytes. */
static inline uint8_t *xfp_pkt_put(struct xfp_pkt_buf *b, size_t n)
{
	uint8_t *p;

	if (n > b->tailroom)
		return NULL;
	p = b->data + b->len;
	b->len += n;
	b->tailroom -= n;
	return p;
}

/* Drop @n bytes from the back. */
static inline int xfp_pkt_trim(struct xfp_pkt_buf *b, size_t n)
{
	if (n > b->len)
		return -1;
	b->len -= n;
	b->tailroom += n;
	return 0;
}

static inline uint16_t xfp_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t xfp_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void xfp_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void xfp_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void xfp_put_be64(uint8_t *p, uint64_t v)
{
	xfp_put_be32(p, (uint32_t)(v >> 32));
	xfp_put_be32(p + 4, (uint32_t)v);
}

#endif /* XFP_CRYPTO_PKT_H */
