/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ip.h - the little IPv4/IPv6 parsing and checksum code ESP and AH need.
 *
 * Parsers are bounds-checked against the buffer and against the length the
 * IP header claims; they never read past either.
 */
#ifndef XFP_CRYPTO_IP_H
#define XFP_CRYPTO_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XFP_IPV4_HLEN 20
#define XFP_IPV6_HLEN 40
#define XFP_UDP_HLEN 8
#define XFP_IPV6_MAX_EXT 8 /* extension headers walked before giving up */

struct xfp_ip_info {
	uint8_t version; /* 4 or 6 */
	uint8_t proto; /* protocol of the header at l3_len */
	bool frag; /* IPv4 MF/offset set, or an IPv6 fragment header */
	size_t l3_len; /* IP header plus the extension headers kept */
	size_t tot_len; /* packet length according to the IP header */
	size_t nh_off; /* offset of the byte that holds `proto` */
};

/*
 * Parse the IP header at @p.  @outbound chooses where IPv6 extension
 * headers end: for inserting ESP/AH the walk keeps Hop-by-Hop, Routing and
 * the Destination Options that precede a Routing header (as Linux and
 * scapy do); for receiving it walks every Hop-by-Hop/Routing/DestOpts
 * header to the next protocol.  A fragment header ends the walk with
 * frag = true.  Returns 0 or -1 when the packet is malformed.
 */
int xfp_ip_parse(const uint8_t *p, size_t len, bool outbound,
		 struct xfp_ip_info *ii);

/*
 * Check only the fixed IPv4/IPv6 header at @p and return its version and
 * the packet length it claims (what tunnel mode needs: the inner packet is
 * opaque beyond that).  Returns 0 or -1.
 */
int xfp_ip_fixed(const uint8_t *p, size_t len, unsigned *version,
		 size_t *tot_len);

/*
 * The flags/fragment-offset field of the outer IPv4 header of a tunnel
 * packet that wraps the IP packet @inner (RFC 4301 8.1, RFC 4303 tunnel
 * mode).  @clear_df (WFP's IPSEC_POLICY_FLAG_CLEAR_DF_ON_TUNNEL): 0, the
 * outer packet may be fragmented.  Else DF is copied from an IPv4 inner
 * header and set for an IPv6 one (routers never fragment IPv6), as Linux
 * xfrm does.  Host order; the caller writes it big-endian at offset 6.
 */
#define XFP_IPV4_DF 0x4000
uint16_t xfp_tunnel_frag_off(const uint8_t *inner, bool clear_df);

/* One's-complement sum helpers (RFC 1071). */
uint32_t xfp_csum_add(uint32_t sum, const uint8_t *p, size_t len);
uint16_t xfp_csum_fold(uint32_t sum);

/* Recompute the IPv4 header checksum in place. */
void xfp_ipv4_set_csum(uint8_t *ip);

/* Set the length fields of the IP header at @ip for a packet of @len
 * bytes (IPv4 total length + checksum, IPv6 payload length). */
void xfp_ip_set_len(uint8_t *ip, size_t len);

/*
 * Recompute the TCP or UDP checksum of the transport header at @l4
 * (@l4_len bytes up to the end of the packet) against the addresses of the
 * IP header @ip.  An IPv4 UDP checksum of 0 (none) is left alone.
 * Returns 0, or -1 for other protocols or a truncated header.
 */
int xfp_l4_fix_csum(const uint8_t *ip, uint8_t proto, uint8_t *l4,
		    size_t l4_len);

/* UDP checksum for a UDP header at @udp, used for NAT-T over IPv6. */
void xfp_udp_set_csum(const uint8_t *ip, uint8_t *udp, size_t udp_len);

#endif /* XFP_CRYPTO_IP_H */
