/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ipsec.h - what the AF_XDP worker calls per packet.
 *
 *   inbound:  xfp_ipsec_input(db, &pkt, &sa)  - SA lookup by (SPI, protocol,
 *             destination), ESP or AH decapsulation, nested once more for
 *             AH+ESP bundles, NAT-T demultiplexing (IKE and keepalives are
 *             reported, not consumed).
 *   outbound: sa = xfp_sadb_lookup_id(db, id); xfp_ipsec_output(sa, &pkt)
 *             (for a bundle: ESP SA first, then the AH SA).
 *   keepalive: xfp_natt_keepalive(sa, &pkt) builds the one-byte packet.
 *
 * Between batches the worker calls xfp_sadb_quiescent(db, slot).
 */
#ifndef XFP_CRYPTO_IPSEC_H
#define XFP_CRYPTO_IPSEC_H

#include "crypto/ah.h"
#include "crypto/esp.h"
#include "crypto/pkt.h"
#include "crypto/sa.h"
#include "crypto/sadb.h"

#define XFP_MAX_NESTING 2 /* AH around ESP, or ESP around AH */

/*
 * Decapsulate every IPsec layer at the front of @pkt (an IP packet).
 * Returns 0 with *@sa_out the innermost SA that was removed; -XFP_E_IKE or
 * -XFP_E_KEEPALIVE for NAT-T traffic that is not ESP (pass it to the
 * stack / drop it); -XFP_E_PROTO if the packet is not ESP/AH at all;
 * -XFP_E_FRAGMENT for a fragment (reassemble, then call again); other
 * -XFP_E_* for drops (already counted, per SA or in the db).
 */
int xfp_ipsec_input(struct xfp_sadb *db, struct xfp_pkt_buf *pkt,
		    struct xfp_sa **sa_out);

/* Apply @sa (ESP or AH) to the plaintext packet. */
int xfp_ipsec_output(struct xfp_sa *sa, struct xfp_pkt_buf *pkt);

/*
 * Build an RFC 3948 NAT-keepalive (IP/UDP/0xFF) from @sa's addresses and
 * ports into @pkt (which needs room for 49 bytes from data).  Returns 0 or
 * -XFP_E_NOROOM / -XFP_E_PROTO (no NAT-T or no addresses on the SA).
 */
int xfp_natt_keepalive(const struct xfp_sa *sa, struct xfp_pkt_buf *pkt);

#endif /* XFP_CRYPTO_IPSEC_H */
