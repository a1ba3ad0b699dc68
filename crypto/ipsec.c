// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ipsec.c - per-packet entry points: inbound demultiplexing to SAs,
 * outbound dispatch and NAT-T keepalives.
 */
#include <string.h>
#include <sys/socket.h>

#include "crypto/ip.h"
#include "crypto/ipsec.h"

#define NH_UDP 17

/* Find SPI, protocol and destination of the IPsec header in @pkt. */
static int classify(struct xfp_sadb *db, const struct xfp_pkt_buf *pkt,
		    uint32_t *spi, uint8_t *proto, uint8_t *family,
		    const uint8_t **dst)
{
	const uint8_t *p = pkt->data;
	struct xfp_ip_info ii;
	size_t off;

	if (xfp_ip_parse(p, pkt->len, false, &ii))
		return -XFP_E_TRUNC;
	if (ii.frag)
		return -XFP_E_FRAGMENT; /* the worker reassembles first */
	off = ii.l3_len;
	*family = ii.version == 4 ? AF_INET : AF_INET6;
	*dst = ii.version == 4 ? p + 16 : p + 24;
	switch (ii.proto) {
	case XFP_IPSEC_ESP:
		if (ii.tot_len < off + 8)
			return -XFP_E_TRUNC;
		*proto = XFP_IPSEC_ESP;
		*spi = xfp_get_be32(p + off);
		return 0;
	case XFP_IPSEC_AH:
		if (ii.tot_len < off + XFP_AH_FIXED_LEN)
			return -XFP_E_TRUNC;
		*proto = XFP_IPSEC_AH;
		*spi = xfp_get_be32(p + off + 4);
		return 0;
	case NH_UDP:
		if (ii.tot_len < off + XFP_UDP_HLEN)
			return -XFP_E_TRUNC;
		if (xfp_get_be16(p + off + 2) != xfp_sadb_natt_port(db))
			return -XFP_E_PROTO;
		off += XFP_UDP_HLEN;
		if (ii.tot_len == off + 1 && p[off] == 0xff)
			return -XFP_E_KEEPALIVE;
		if (ii.tot_len < off + 8)
			return -XFP_E_TRUNC;
		*spi = xfp_get_be32(p + off);
		if (*spi == 0)
			return -XFP_E_IKE;
		*proto = XFP_IPSEC_ESP;
		return 0;
	default:
		return -XFP_E_PROTO;
	}
}

int xfp_ipsec_input(struct xfp_sadb *db, struct xfp_pkt_buf *pkt,
		    struct xfp_sa **sa_out)
{
	int depth;

	*sa_out = NULL;
	for (depth = 0; depth < XFP_MAX_NESTING; depth++) {
		const uint8_t *dst;
		struct xfp_sa *sa;
		uint8_t proto, family;
		uint32_t spi;
		int r = classify(db, pkt, &spi, &proto, &family, &dst);

		if (r == -XFP_E_PROTO && depth > 0)
			return 0; /* plain packet after the last layer */
		if (r == -XFP_E_KEEPALIVE)
			xfp_sadb_count(db, XFP_SADB_IN_NATT_KEEPALIVE);
		else if (r == -XFP_E_IKE)
			xfp_sadb_count(db, XFP_SADB_IN_NATT_IKE);
		else if (r == -XFP_E_TRUNC)
			xfp_sadb_count(db, XFP_SADB_IN_HDR_ERROR);
		if (r)
			return r;
		sa = xfp_sadb_lookup_in(db, spi, proto, family, dst);
		if (!sa || sa->dir != XFP_SA_IN) {
			xfp_sadb_count(db, XFP_SADB_IN_NO_SA);
			return -XFP_E_NOSA;
		}
		if (proto == XFP_IPSEC_ESP)
			r = xfp_esp_decap(sa, pkt);
		else
			r = xfp_ah_decap(sa, pkt);
		if (r)
			return r;
		*sa_out = sa;
		if (sa->mode == XFP_MODE_TUNNEL)
			return 0;
	}
	return 0;
}

int xfp_ipsec_output(struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	if (sa->proto == XFP_IPSEC_ESP)
		return xfp_esp_encap(sa, pkt);
	return xfp_ah_encap(sa, pkt);
}

int xfp_natt_keepalive(const struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	size_t l3, len;
	uint8_t *ip;

	if (!sa->natt || !sa->src.family || sa->src.family != sa->dst.family)
		return -XFP_E_PROTO;
	l3 = sa->src.family == AF_INET ? XFP_IPV4_HLEN : XFP_IPV6_HLEN;
	len = l3 + XFP_UDP_HLEN + 1;
	if (pkt->len + pkt->tailroom < len)
		return -XFP_E_NOROOM;
	ip = pkt->data;
	memset(ip, 0, l3);
	if (sa->src.family == AF_INET) {
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = NH_UDP;
		memcpy(ip + 12, sa->src.a, 4);
		memcpy(ip + 16, sa->dst.a, 4);
	} else {
		ip[0] = 0x60;
		ip[6] = NH_UDP;
		ip[7] = 64;
		memcpy(ip + 8, sa->src.a, 16);
		memcpy(ip + 24, sa->dst.a, 16);
	}
	xfp_put_be16(ip + l3, sa->natt_sport);
	xfp_put_be16(ip + l3 + 2, sa->natt_dport);
	xfp_put_be16(ip + l3 + 4, XFP_UDP_HLEN + 1);
	xfp_put_be16(ip + l3 + 6, 0);
	ip[l3 + XFP_UDP_HLEN] = 0xff;
	pkt->tailroom = pkt->tailroom + pkt->len - len;
	pkt->len = len;
	xfp_ip_set_len(ip, len);
	if (sa->src.family == AF_INET6)
		xfp_udp_set_csum(ip, ip + l3, XFP_UDP_HLEN + 1);
	return 0;
}
