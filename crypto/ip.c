// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ip.c - IP header walking and Internet checksums for ESP/AH.
 */
#include <string.h>

#include "crypto/ip.h"
#include "crypto/pkt.h"

enum {
	NH_HOPOPTS = 0,
	NH_TCP = 6,
	NH_UDP = 17,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_DSTOPTS = 60,
};

static int parse_v4(const uint8_t *p, size_t len, struct xfp_ip_info *ii)
{
	size_t ihl, tot;

	if (len < XFP_IPV4_HLEN)
		return -1;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = xfp_get_be16(p + 2);
	if (ihl < XFP_IPV4_HLEN || tot < ihl || tot > len)
		return -1;
	ii->version = 4;
	ii->proto = p[9];
	ii->frag = (xfp_get_be16(p + 6) & 0x3fff) != 0;
	ii->l3_len = ihl;
	ii->tot_len = tot;
	ii->nh_off = 9;
	return 0;
}

static int parse_v6(const uint8_t *p, size_t len, bool outbound,
		    struct xfp_ip_info *ii)
{
	size_t off = XFP_IPV6_HLEN, nh_off = 6, tot;
	bool seen_rh = false;
	uint8_t nh;

	if (len < XFP_IPV6_HLEN)
		return -1;
	tot = XFP_IPV6_HLEN + (size_t)xfp_get_be16(p + 4);
	if (tot > len)
		return -1;
	nh = p[6];
	ii->version = 6;
	ii->frag = false;
	for (int i = 0; i < XFP_IPV6_MAX_EXT; i++) {
		size_t elen;

		if (nh == NH_FRAGMENT) {
			ii->frag = true;
			break;
		}
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS)
			break;
		if (outbound && nh == NH_DSTOPTS && seen_rh)
			break;
		if (nh == NH_ROUTING)
			seen_rh = true;
		if (off + 8 > tot)
			return -1;
		elen = ((size_t)p[off + 1] + 1) * 8;
		if (off + elen > tot)
			return -1;
		nh_off = off;
		nh = p[off];
		off += elen;
		if (i == XFP_IPV6_MAX_EXT - 1 &&
		    (nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_DSTOPTS))
			return -1;
	}
	ii->proto = nh;
	ii->l3_len = off;
	ii->tot_len = tot;
	ii->nh_off = nh_off;
	return 0;
}

int xfp_ip_parse(const uint8_t *p, size_t len, bool outbound,
		 struct xfp_ip_info *ii)
{
	if (len < 1)
		return -1;
	switch (p[0] >> 4) {
	case 4:
		return parse_v4(p, len, ii);
	case 6:
		return parse_v6(p, len, outbound, ii);
	default:
		return -1;
	}
}

int xfp_ip_fixed(const uint8_t *p, size_t len, unsigned *version,
		 size_t *tot_len)
{
	size_t tot;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		if (len < XFP_IPV4_HLEN || (p[0] & 0x0f) < 5)
			return -1;
		tot = xfp_get_be16(p + 2);
		if (tot < (size_t)(p[0] & 0x0f) * 4)
			return -1;
		*version = 4;
	} else if ((p[0] >> 4) == 6) {
		if (len < XFP_IPV6_HLEN)
			return -1;
		tot = XFP_IPV6_HLEN + (size_t)xfp_get_be16(p + 4);
		*version = 6;
	} else {
		return -1;
	}
	if (tot > len)
		return -1;
	*tot_len = tot;
	return 0;
}

uint32_t xfp_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;

	while (len > 1) {
		s += xfp_get_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t xfp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void xfp_ipv4_set_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	ip[10] = ip[11] = 0;
	xfp_put_be16(ip + 10, xfp_csum_fold(xfp_csum_add(0, ip, ihl)));
}

uint16_t xfp_tunnel_frag_off(const uint8_t *inner, bool clear_df)
{
	if (clear_df)
		return 0;
	if ((inner[0] >> 4) == 4)
		return (uint16_t)(xfp_get_be16(inner + 6) & XFP_IPV4_DF);
	return XFP_IPV4_DF;
}

void xfp_ip_set_len(uint8_t *ip, size_t len)
{
	if ((ip[0] >> 4) == 4) {
		xfp_put_be16(ip + 2, (uint16_t)len);
		xfp_ipv4_set_csum(ip);
	} else {
		xfp_put_be16(ip + 4, (uint16_t)(len - XFP_IPV6_HLEN));
	}
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t s;

	if ((ip[0] >> 4) == 4)
		s = xfp_csum_add(0, ip + 12, 8);
	else
		s = xfp_csum_add(0, ip + 8, 32);
	s += proto;
	s += (uint32_t)(l4_len >> 16) + (uint32_t)(l4_len & 0xffff);
	return s;
}

int xfp_l4_fix_csum(const uint8_t *ip, uint8_t proto, uint8_t *l4,
		    size_t l4_len)
{
	size_t off;
	uint16_t c;

	if (proto == NH_TCP && l4_len >= 20)
		off = 16;
	else if (proto == NH_UDP && l4_len >= XFP_UDP_HLEN)
		off = 6;
	else
		return -1;
	if (proto == NH_UDP && (ip[0] >> 4) == 4 && xfp_get_be16(l4 + 6) == 0)
		return 0;
	l4[off] = l4[off + 1] = 0;
	c = xfp_csum_fold(
		xfp_csum_add(pseudo_sum(ip, proto, l4_len), l4, l4_len));
	if (proto == NH_UDP && c == 0)
		c = 0xffff;
	xfp_put_be16(l4 + off, c);
	return 0;
}

void xfp_udp_set_csum(const uint8_t *ip, uint8_t *udp, size_t udp_len)
{
	uint16_t c;

	udp[6] = udp[7] = 0;
	c = xfp_csum_fold(
		xfp_csum_add(pseudo_sum(ip, NH_UDP, udp_len), udp, udp_len));
	xfp_put_be16(udp + 6, c ? c : 0xffff);
}
