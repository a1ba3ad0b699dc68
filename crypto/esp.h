/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * esp.h - ESP (RFC 4303) encapsulation and decapsulation on a packet
 * buffer, in place, in transport and tunnel mode, IPv4 and IPv6 (tunnel
 * outer and inner families may differ), optionally UDP-encapsulated
 * (RFC 3948).
 *
 * Transforms: AES-GCM-16 (RFC 4106), ChaCha20-Poly1305 (RFC 7634),
 * AES-GMAC (RFC 4543) and ESP-NULL with HMAC-SHA-256-128 (RFC 4868).
 * The 8-byte IV is the 64-bit sequence number XORed with a random per-SA
 * constant, so it never repeats under one key (sequence numbers never
 * wrap: the SA expires first).
 *
 * Both functions return 0 or a negated enum xfp_err, and count the outcome
 * in the SA's counters.  On error the buffer content is unspecified (the
 * packet is to be dropped), but pkt still describes valid memory.
 */
#ifndef XFP_CRYPTO_ESP_H
#define XFP_CRYPTO_ESP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pkt.h"
#include "crypto/sa.h"

#define XFP_ESP_HLEN 8 /* SPI + sequence number */

/*
 * Outbound: @pkt holds a plaintext IP packet; on return it holds the ESP
 * packet (new outer header in tunnel mode, UDP header if NAT-T).
 * Needs headroom for ESP header + IV (+ 8 for UDP, + 20/40 for a tunnel
 * header) and tailroom for padding, trailer and ICV: see
 * xfp_esp_headroom() / xfp_esp_tailroom().
 */
int xfp_esp_encap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt);

/*
 * Inbound: @pkt holds the received packet from its outer IP header on; on
 * return it holds the inner packet (tunnel) or the original packet with
 * ESP removed (transport).  The order is: header checks, anti-replay
 * check, ICV, replay window update, padding, next header, selector.
 */
int xfp_esp_decap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt);

/* Worst-case room an encapsulation on @sa needs. */
size_t xfp_esp_headroom(const struct xfp_sa *sa);
size_t xfp_esp_tailroom(const struct xfp_sa *sa);

/*
 * Low level: seal an ESP packet laid out at @esp (@esp_len bytes: header,
 * IV space, plaintext including pad/padlen/next-header, ICV space) with
 * sequence number @seq.  Writes SPI, sequence number and IV.  Does not
 * touch the SA's sequence counter.  For tests and fuzzers that need a
 * correctly sealed packet with an arbitrary plaintext.
 */
int xfp_esp_seal_raw(struct xfp_sa *sa, uint8_t *esp, size_t esp_len,
		     uint64_t seq);

#endif /* XFP_CRYPTO_ESP_H */
