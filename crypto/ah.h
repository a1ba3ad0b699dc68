/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ah.h - AH (RFC 4302) with HMAC-SHA-256-128, HMAC-SHA-512-256 and
 * HMAC-SHA1-96, transport and tunnel mode, IPv4 and IPv6, in place.
 *
 * The ICV covers the IP header with its mutable fields zeroed (IPv4: TOS,
 * flags + fragment offset, TTL, checksum and every option not in RFC 4302
 * appendix A's immutable list, zeroed whole; IPv6: traffic class, flow
 * label, hop limit, and the data of Hop-by-Hop/Destination options whose
 * type has the may-change bit 0x20), the AH header with the ICV zeroed, the
 * payload, and with ESN the high 32 bits of the sequence number.
 *
 * Not supported (refused, never mis-authenticated): outbound IPv6 routing
 * headers with segments left, IPv4 source-route options on send.
 * Return values as esp.h.
 */
#ifndef XFP_CRYPTO_AH_H
#define XFP_CRYPTO_AH_H

#include <stddef.h>

#include "crypto/pkt.h"
#include "crypto/sa.h"

#define XFP_AH_FIXED_LEN 12 /* nh, len, reserved, SPI, seq */

int xfp_ah_encap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt);
int xfp_ah_decap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt);

/* AH header length on @sa for an IP header of @version (4 or 6). */
size_t xfp_ah_len(const struct xfp_sa *sa, unsigned version);
size_t xfp_ah_headroom(const struct xfp_sa *sa);

#endif /* XFP_CRYPTO_AH_H */
