/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - bounded, cursor-style packet parsing shared by every program.
 *
 * Each helper takes a cursor over [pos, end), checks that the header it
 * wants fits before touching it, advances the cursor past it and returns
 * XFP_DROP_NONE or the drop reason that names what was wrong.  Loops
 * (VLAN tags, IPv6 extension headers) have compile-time bounds so the
 * verifier sees a finite program.
 *
 * Fragments: the first fragment (offset 0) is parsed like any packet and
 * carries its ports.  Later fragments carry no transport header; they are
 * reported with l4_proto set, ports 0 and XFP_PKT_F_LATER_FRAG, and the
 * classifier treats them as matching no port condition.
 *
 * UDP to port 4500 (NAT traversal, RFC 3948) is looked at further by
 * xfp_parse_natt(): a one-byte 0xff payload is a NAT keepalive, a payload
 * starting with four zero bytes (the non-ESP marker) is IKE, anything else
 * of at least 8 bytes is ESP whose SPI is the first four bytes; other
 * payloads are malformed (XFP_DROP_PARSE_ESP).
 */
#ifndef XFP_BPF_PARSE_H
#define XFP_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_endian.h>
#include "bpf/lib/ctx.h"
#include "bpf/xfp_abi.h"

#ifndef XFP_VLAN_MAX
#define XFP_VLAN_MAX 2 /* 802.1Q and 802.1ad: one outer, one inner tag */
#endif
#ifndef XFP_IPV6_EXT_MAX
#define XFP_IPV6_EXT_MAX 6 /* more extension headers than this: dropped */
#endif

#define XFP_PKT_F_FRAGMENT (1u << 0) /* any fragment */
#define XFP_PKT_F_LATER_FRAG (1u << 1) /* fragment with offset != 0 */
#define XFP_PKT_F_UDP_ESP (1u << 2) /* ESP in UDP 4500; spi is set */
#define XFP_PKT_F_NATT_KEEPALIVE (1u << 3) /* UDP 4500 keepalive */
#define XFP_PKT_F_NATT_IKE (1u << 4) /* UDP 4500 with non-ESP marker */

#define XFP_NATT_PORT 4500
#define XFP_TCP_SYN 0x02
#define XFP_TCP_ACK 0x10

struct xfp_cursor {
	void *pos;
	void *end; /* end of the readable (linear) data */
	__u32 flen; /* length of the whole frame: larger than end - start
		     * for a TC skb with paged data (GSO, big frames) */
};

struct vlan_hdr_x {
	__be16 tci;
	__be16 proto;
};

/* What the parser learned; addresses and ports in network byte order. */
struct xfp_parsed {
	__u16 eth_proto; /* host order; ETH_P_IP, ETH_P_IPV6, ... */
	__u8 family; /* 4, 6 or 0 for non-IP */
	__u8 l4_proto; /* IPPROTO_* of the transport header */
	__u8 flags; /* XFP_PKT_F_* */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tcp_flags; /* TCP: the flags byte (SYN 0x02, ACK 0x10) */
	__be16 sport;
	__be16 dport;
	__be32 spi; /* ESP/AH */
	__u32 saddr[4]; /* IPv4 in saddr[0] */
	__u32 daddr[4];
	__u32 l3_off; /* offsets from the start of the frame */
	__u32 l4_off;
	__u32 l3_end; /* end of the IP datagram (excludes link padding) */
	__u32 ifindex; /* set by the caller: for acquire events */
};

/*
 * Headers after the IP header must lie inside the IP datagram, not in the
 * link-layer padding that may follow it.  The verifier still needs the
 * checks against the frame end; this one is a plain offset comparison.
 */
static __always_inline int xfp_in_datagram(const struct xfp_cursor *c,
					   const void *frame,
					   const struct xfp_parsed *p,
					   __u32 need)
{
	return (__u32)(c->pos - frame) + need <= p->l3_end;
}

static __always_inline int xfp_parse_eth(struct xfp_cursor *c,
					 struct xfp_parsed *p)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return XFP_DROP_PARSE_ETH;
	proto = bpf_ntohs(eth->h_proto);
	c->pos = eth + 1;

#pragma unroll
	for (i = 0; i < XFP_VLAN_MAX; i++) {
		struct vlan_hdr_x *vh = c->pos;

		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if ((void *)(vh + 1) > c->end)
			return XFP_DROP_PARSE_VLAN;
		proto = bpf_ntohs(vh->proto);
		c->pos = vh + 1;
	}
	/* A third tag is more than we parse: not IP as far as we know. */
	p->eth_proto = proto;
	return XFP_DROP_NONE;
}

static __always_inline int xfp_parse_ipv4(struct xfp_cursor *c,
					  struct xfp_parsed *p, void *frame)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(ip + 1) > c->end)
		return XFP_DROP_PARSE_IPV4;
	if (ip->version != 4 || ip->ihl < 5)
		return XFP_DROP_PARSE_IPV4;
	hlen = ip->ihl * 4;
	if (bpf_ntohs(ip->tot_len) < hlen)
		return XFP_DROP_PARSE_IPV4;
	if (c->pos + hlen > c->end)
		return XFP_DROP_PARSE_IPV4;
	/* The frame may carry link-layer padding, never less than tot_len
	 * (measured on the whole frame: TC sees only its linear part). */
	if ((__u32)(c->pos - frame) + bpf_ntohs(ip->tot_len) > c->flen)
		return XFP_DROP_PARSE_IPV4;

	p->family = 4;
	p->l3_off = c->pos - frame;
	p->l3_end = p->l3_off + bpf_ntohs(ip->tot_len);
	p->l4_proto = ip->protocol;
	p->saddr[0] = ip->saddr;
	p->daddr[0] = ip->daddr;
	frag = bpf_ntohs(ip->frag_off);
	if (frag & 0x3fff) { /* MF set or offset != 0 */
		p->flags |= XFP_PKT_F_FRAGMENT;
		if (frag & 0x1fff)
			p->flags |= XFP_PKT_F_LATER_FRAG;
	}
	c->pos += hlen;
	return XFP_DROP_NONE;
}

struct ipv6_opt_x {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag_x {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

static __always_inline int xfp_parse_ipv6(struct xfp_cursor *c,
					  struct xfp_parsed *p, void *frame)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return XFP_DROP_PARSE_IPV6;
	if (ip6->version != 6)
		return XFP_DROP_PARSE_IPV6;
	if ((__u32)((void *)(ip6 + 1) - frame) + bpf_ntohs(ip6->payload_len) >
	    c->flen)
		return XFP_DROP_PARSE_IPV6;

	p->family = 6;
	p->l3_off = c->pos - frame;
	p->l3_end = p->l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	nh = ip6->nexthdr;
	c->pos = ip6 + 1;

#pragma unroll
	for (i = 0; i < XFP_IPV6_EXT_MAX; i++) {
		struct ipv6_opt_x *opt = c->pos;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(opt + 1) > c->end)
				return XFP_DROP_PARSE_IPV6;
			nh = opt->nexthdr;
			c->pos += (opt->hdrlen + 1) * 8;
			/* The whole extension header must be there. */
			if (c->pos > c->end || !xfp_in_datagram(c, frame, p, 0))
				return XFP_DROP_PARSE_IPV6;
			break;
		case IPPROTO_FRAGMENT: {
			struct ipv6_frag_x *fh = c->pos;

			if ((void *)(fh + 1) > c->end ||
			    !xfp_in_datagram(c, frame, p, sizeof(*fh)))
				return XFP_DROP_PARSE_IPV6;
			nh = fh->nexthdr;
			p->flags |= XFP_PKT_F_FRAGMENT;
			if (bpf_ntohs(fh->frag_off) & 0xfff8)
				p->flags |= XFP_PKT_F_LATER_FRAG;
			c->pos = fh + 1;
			break;
		}
		default:
			p->l4_proto = nh;
			return XFP_DROP_NONE;
		}
	}
	/* Still an extension header after XFP_IPV6_EXT_MAX of them. */
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_FRAGMENT:
		return XFP_DROP_IPV6_EXT_LIMIT;
	}
	p->l4_proto = nh;
	return XFP_DROP_NONE;
}

struct ah_hdr_x {
	__u8 nexthdr;
	__u8 hdrlen; /* in 4-octet units, minus 2 */
	__be16 reserved;
	__be32 spi;
	__be32 seq;
};

static __always_inline int xfp_parse_l4(struct xfp_cursor *c,
					struct xfp_parsed *p, void *frame)
{
	p->l4_off = c->pos - frame;
	if (p->flags & XFP_PKT_F_LATER_FRAG)
		return XFP_DROP_NONE; /* no transport header in this packet */

	switch (p->l4_proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = c->pos;

		if ((void *)(th + 1) > c->end || th->doff < 5 ||
		    !xfp_in_datagram(c, frame, p, sizeof(*th)))
			return XFP_DROP_PARSE_L4;
		p->sport = th->source;
		p->dport = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		break;
	}
	case IPPROTO_SCTP:
	case 136: /* IPPROTO_UDPLITE */ {
		/* Both start with source and destination port; SCTP's
		 * common header is 12 bytes, UDP-Lite's 8. */
		__be16 *ports = c->pos;
		__u32 need = p->l4_proto == IPPROTO_SCTP ? 12 : 8;

		if (c->pos + need > c->end ||
		    !xfp_in_datagram(c, frame, p, need))
			return XFP_DROP_PARSE_L4;
		p->sport = ports[0];
		p->dport = ports[1];
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = c->pos;

		if ((void *)(uh + 1) > c->end ||
		    !xfp_in_datagram(c, frame, p, sizeof(*uh)))
			return XFP_DROP_PARSE_L4;
		p->sport = uh->source;
		p->dport = uh->dest;
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: {
		__u8 *ic = c->pos;

		if ((void *)(ic + 4) > c->end ||
		    !xfp_in_datagram(c, frame, p, 4))
			return XFP_DROP_PARSE_L4;
		p->icmp_type = ic[0];
		p->icmp_code = ic[1];
		break;
	}
	case IPPROTO_ESP: {
		__be32 *esp = c->pos;

		if ((void *)(esp + 2) > c->end || /* SPI + sequence number */
		    !xfp_in_datagram(c, frame, p, 8))
			return XFP_DROP_PARSE_ESP;
		p->spi = esp[0];
		break;
	}
	case IPPROTO_AH: {
		struct ah_hdr_x *ah = c->pos;
		__u32 ahlen;

		if ((void *)(ah + 1) > c->end ||
		    !xfp_in_datagram(c, frame, p, sizeof(*ah)))
			return XFP_DROP_PARSE_AH;
		/* RFC 4302 2.2: the header is (hdrlen + 2) 32-bit words,
		 * the fixed 12 bytes and the ICV, a multiple of 8 bytes on
		 * IPv6.  The ICV's length is the SA's, checked by the
		 * worker.  The whole header must lie in the datagram (and
		 * so in the frame: l3_end <= flen); on TC it may reach into
		 * paged data, which is never read here. */
		ahlen = ((__u32)ah->hdrlen + 2) * 4;
		if (ahlen < sizeof(*ah) || (p->family == 6 && (ahlen & 7)) ||
		    !xfp_in_datagram(c, frame, p, ahlen))
			return XFP_DROP_PARSE_AH;
		p->spi = ah->spi;
		break;
	}
	default:
		break;
	}
	return XFP_DROP_NONE;
}

/*
 * Parse a whole frame.  Non-IP frames are not an error: family stays 0.
 */
/*
 * Parse a frame of @flen bytes whose first data_end - data bytes are
 * readable (XDP: all of them; TC: the linear part, the rest is paged).
 */
static __always_inline int xfp_parse_frame_len(void *data, void *data_end,
					       __u32 flen, struct xfp_parsed *p)
{
	struct xfp_cursor c = { .pos = data, .end = data_end, .flen = flen };
	int r;

	r = xfp_parse_eth(&c, p);
	if (r)
		return r;
	if (p->eth_proto == ETH_P_IP)
		r = xfp_parse_ipv4(&c, p, data);
	else if (p->eth_proto == ETH_P_IPV6)
		r = xfp_parse_ipv6(&c, p, data);
	else
		return XFP_DROP_NONE;
	if (r)
		return r;
	return xfp_parse_l4(&c, p, data);
}

static __always_inline int xfp_parse_frame(void *data, void *data_end,
					   struct xfp_parsed *p)
{
	return xfp_parse_frame_len(data, data_end, (__u32)(data_end - data), p);
}

/*
 * Look into UDP to port 4500 (see the header comment).  The cursor is the
 * start of the frame; p must come from xfp_parse_frame().
 */
static __always_inline int xfp_parse_natt(void *data, void *data_end,
					  struct xfp_parsed *p)
{
	struct udphdr *uh = data + (p->l4_off & 0x3fff); /* verifier: bound */
	__u8 *pl = (__u8 *)(uh + 1);
	__u32 len;

	if (p->l4_proto != IPPROTO_UDP || (p->flags & XFP_PKT_F_LATER_FRAG) ||
	    p->dport != bpf_htons(XFP_NATT_PORT))
		return XFP_DROP_NONE;
	if ((void *)(uh + 1) > data_end)
		return XFP_DROP_PARSE_L4;
	len = bpf_ntohs(uh->len);
	if (len < sizeof(*uh) || (void *)uh + len > data_end ||
	    p->l4_off + len > p->l3_end)
		return XFP_DROP_PARSE_L4;
	len -= sizeof(*uh);
	if (len == 1) {
		if ((void *)(pl + 1) > data_end || pl[0] != 0xff)
			return XFP_DROP_PARSE_ESP;
		p->flags |= XFP_PKT_F_NATT_KEEPALIVE;
		return XFP_DROP_NONE;
	}
	if (len < 4 || (void *)(pl + 8) > data_end) {
		/* Four bytes of non-ESP marker and nothing else is an empty
		 * IKE message: malformed too. */
		return XFP_DROP_PARSE_ESP;
	}
	if (*(__u32 *)pl == 0) {
		p->flags |= XFP_PKT_F_NATT_IKE;
		return XFP_DROP_NONE;
	}
	if (len < 8)
		return XFP_DROP_PARSE_ESP;
	p->spi = *(__be32 *)pl;
	p->flags |= XFP_PKT_F_UDP_ESP;
	return XFP_DROP_NONE;
}

/* The per-protocol counter a parsed packet belongs to (its L4, or L3). */
static __always_inline __u32 xfp_proto_of(const struct xfp_parsed *p)
{
	switch (p->l4_proto) {
	case IPPROTO_TCP:
		return XFP_PROTO_TCP;
	case IPPROTO_UDP:
		return XFP_PROTO_UDP;
	case IPPROTO_ICMP:
		return XFP_PROTO_ICMP;
	case IPPROTO_ICMPV6:
		return XFP_PROTO_ICMPV6;
	case IPPROTO_ESP:
		return XFP_PROTO_ESP;
	case IPPROTO_AH:
		return XFP_PROTO_AH;
	}
	return XFP_PROTO_OTHER;
}

#endif
