// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_parse.c - libFuzzer harness for the datapath's packet parser,
 * bpf/lib/parse.h, compiled for userspace: the very functions every BPF
 * program inlines (Ethernet/VLAN, IPv4, IPv6 extension chain, L4, NAT-T),
 * fed whole frames.
 *
 * The frame is copied into a buffer of exactly its size, so ASan sees any
 * read past data_end.  Invariants checked on every input:
 *   - the result is NONE or one of the parse drop reasons;
 *   - offsets the parser reports lie inside the frame and in order;
 *   - at most one NAT-T classification is made, only for UDP to 4500;
 *   - IPv4: the datapath and the crypto library's independent parser
 *     (crypto/ip.c, which the worker uses) agree on whether the IP header
 *     is well-formed, on the protocol, the header length and on "fragment";
 *   - IPv6 without extension headers: the same agreement;
 *   - a NAT-T keepalive in the datapath is a keepalive for the worker too
 *     (xfp_ipsec_input on an empty SA database), an ESP-in-UDP packet is an
 *     unknown SPI there, and IKE is IKE, when the frame ends where the IP
 *     and UDP lengths say.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/lib/parse.h"
#include "crypto/ip.h"
#include "crypto/ipsec.h"

static struct xfp_sadb *db;

static void check(int cond)
{
	if (!cond)
		abort();
}

static int ext_hdr(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfp_parsed p;
	struct xfp_ip_info ii;
	uint8_t *buf, *f;
	int r, rn = XFP_DROP_NONE, cr = -1;

	if (!db && !(db = xfp_sadb_new(NULL)))
		abort();
	if (size > 4096)
		return 0;
	/* Like a driver (NET_IP_ALIGN): the frame starts 2 bytes into an
	 * aligned buffer so the IP header is 4-byte aligned; the buffer ends
	 * exactly where the frame does. */
	buf = malloc(size + 2);
	if (!buf)
		return 0;
	f = buf + 2;
	memcpy(f, data, size);
	memset(&p, 0, sizeof(p));
	r = xfp_parse_frame(f, f + size, &p);
	check(r == XFP_DROP_NONE || r == XFP_DROP_PARSE_ETH ||
	      r == XFP_DROP_PARSE_VLAN || r == XFP_DROP_PARSE_IPV4 ||
	      r == XFP_DROP_PARSE_IPV6 || r == XFP_DROP_IPV6_EXT_LIMIT ||
	      r == XFP_DROP_PARSE_L4 || r == XFP_DROP_PARSE_ESP ||
	      r == XFP_DROP_PARSE_AH);
	if (size < 14)
		check(r == XFP_DROP_PARSE_ETH);
	if (r != XFP_DROP_PARSE_ETH && r != XFP_DROP_PARSE_VLAN) {
		/* Where the IP header starts: after up to two VLAN tags. */
		size_t l3 = 14;
		uint16_t ep = xfp_get_be16(f + 12);

		for (int i = 0; i < 2 && (ep == 0x8100 || ep == 0x88a8); i++) {
			ep = xfp_get_be16(f + l3 + 2);
			l3 += 4;
		}
		check(p.eth_proto == ep);
		if (ep == ETH_P_IP) {
			int ok = l3 < size && (f[l3] >> 4) == 4 &&
				 xfp_ip_parse(f + l3, size - l3, false, &ii) ==
					 0;

			/* Same verdict on the IPv4 header from both. */
			check(ok == (r != XFP_DROP_PARSE_IPV4));
			if (ok) {
				cr = 0;
				check(p.family == 4 && p.l3_off == l3);
				check(ii.proto == p.l4_proto);
				check(ii.l3_len == p.l4_off - l3);
				check(ii.frag ==
				      !!(p.flags & XFP_PKT_F_FRAGMENT));
			}
		} else if (ep == ETH_P_IPV6) {
			if (l3 + 40 <= size && (f[l3] >> 4) == 6 &&
			    !ext_hdr(f[l3 + 6])) {
				int ok = xfp_ip_parse(f + l3, size - l3, false,
						      &ii) == 0;

				check(ok == (r != XFP_DROP_PARSE_IPV6));
				if (ok)
					check(ii.proto == p.l4_proto &&
					      p.l4_off == l3 + 40);
			}
			if (r != XFP_DROP_PARSE_IPV6 &&
			    r != XFP_DROP_IPV6_EXT_LIMIT)
				check(p.family == 6 && p.l3_off == l3 &&
				      p.l4_off >= l3 + 40 && p.l4_off <= size);
		} else {
			check(r == XFP_DROP_NONE && p.family == 0);
		}
		if (r == XFP_DROP_NONE && p.family)
			check(p.l4_off <= size);
	}
	if (r == XFP_DROP_NONE && p.family) {
		unsigned kinds;

		rn = xfp_parse_natt(f, f + size, &p);
		check(rn == XFP_DROP_NONE || rn == XFP_DROP_PARSE_L4 ||
		      rn == XFP_DROP_PARSE_ESP);
		kinds = !!(p.flags & XFP_PKT_F_NATT_KEEPALIVE) +
			!!(p.flags & XFP_PKT_F_NATT_IKE) +
			!!(p.flags & XFP_PKT_F_UDP_ESP);
		check(kinds <= 1);
		if (kinds)
			check(rn == XFP_DROP_NONE && p.l4_proto == 17 &&
			      p.dport == bpf_htons(XFP_NATT_PORT));
		/* The worker's view of the same packet, when the frame
		 * ends exactly where IP and UDP say it does. */
		if (kinds && !(p.flags & XFP_PKT_F_FRAGMENT) && p.family == 4 &&
		    cr == 0 && p.l3_off + ii.tot_len == size &&
		    p.l4_off + 8 <= size &&
		    xfp_get_be16(f + p.l4_off + 4) == size - p.l4_off) {
			struct xfp_pkt_buf b;
			struct xfp_sa *sa;
			int e;

			xfp_pkt_init(&b, f, size, p.l3_off, size - p.l3_off);
			e = xfp_ipsec_input(db, &b, &sa);
			if (p.flags & XFP_PKT_F_NATT_KEEPALIVE)
				check(e == -XFP_E_KEEPALIVE);
			else if (p.flags & XFP_PKT_F_NATT_IKE)
				check(e == -XFP_E_IKE);
			else
				check(e == -XFP_E_NOSA);
		}
	}
	free(buf);
	return 0;
}
