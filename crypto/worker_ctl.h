/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * worker_ctl.h - the text protocol of the worker's control socket.
 *
 * Modelled on WireGuard's cross-platform UAPI: a request is lines of
 * `key=value`, the first line names the operation, an empty line ends
 * it.  The reply is zero or more `key=value` lines, then `errno=N` (0 on
 * success, a positive errno otherwise) and an empty line.
 *
 *   add_sa=1            install an SA; keys below, `key=` in hex
 *   del_sa=1            id=N, or spi=S with dir=in|out
 *   get=1               every SA (keys never), then the worker counters
 *   flush_policy_sas=1  delete every SA installed for a policy (ctx >= 3):
 *                       `xfp policy load` sends it before the new SAs, so
 *                       no SA, context or filter binding of the old policy
 *                       outlives it
 *
 * SA keys: id spi dir proto mode alg engine key src dst natt natt_sport
 * natt_dport replay_window no_replay esn soft_bytes hard_bytes
 * soft_packets hard_packets soft_seconds hard_seconds idle_seconds seq ctx
 * filter.  filter=ID[,ID...] (outbound, up to 8) names the policy filters
 * whose "secure" decision uses the SA (`xfp policy load` sets it).
 * clear_df=1 (tunnel, IPv4 outer) clears DF in the outer header (else it is
 * copied from the inner packet, crypto/ip.h xfp_tunnel_frag_off);
 * sel_src / sel_dst = ADDR[/PLEN] (inbound) restrict the decapsulated
 * packets' source / destination (struct xfp_selector; both of one family).
 * ctx is the protection context the committed policy compiled for the SA
 * (`xfp policy load` sets it; 0: derived from the algorithm, see
 * bpf/xfp_abi.h XFP_CTX_*); it travels in the hand-off and the SA refs.
 * seq (outbound only; at most 2^32 - 1 without esn) is the last sequence
 * number taken as used: the first packet gets seq + 1.  It exists for
 * tests (sequence number exhaustion) and interop; the worker raises it
 * to the SPI's recorded high-water mark, never lowers it.
 * Unknown keys, repeated keys and bad values are errors (EINVAL) and the
 * message names the key and value (never a key's value).
 *
 * This file has no dependency on libbpf/libxdp, so the parser is unit
 * tested and fuzzed on its own (tests/unit/test_worker_ctl.c,
 * tests/fuzz/fuzz_ctl.c).
 */
#ifndef XFP_CRYPTO_WORKER_CTL_H
#define XFP_CRYPTO_WORKER_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto/sa.h"

#define XFP_CTL_MAX_REQ 8192 /* bytes in one request, blank line included */

enum xfp_ctl_op {
	XFP_CTL_NONE = 0,
	XFP_CTL_ADD_SA,
	XFP_CTL_DEL_SA,
	XFP_CTL_GET,
	XFP_CTL_FLUSH_POLICY, /* delete the SAs a policy installed (ctx >= 3) */
};

struct xfp_ctl_req {
	enum xfp_ctl_op op;
	struct xfp_sa_config sa; /* add_sa; del_sa uses id or spi+dir */
	uint32_t seen; /* bit per key already given */
	char err[160]; /* why parsing failed */
};

/*
 * Parse one complete request (@len bytes; need not be NUL-terminated).
 * Returns 0 or -errno with req->err set.  The caller wipes the request
 * with xfp_ctl_req_wipe() in every case: it may hold a key.
 */
int xfp_ctl_parse(const char *buf, size_t len, struct xfp_ctl_req *req);
void xfp_ctl_req_wipe(struct xfp_ctl_req *req);

/* Length of a complete request at the start of @buf ("\n\n" included), or
 * 0 when more bytes are needed. */
size_t xfp_ctl_complete(const char *buf, size_t len);

/* Hex to bytes, whitespace ignored; returns the length or -EINVAL. */
int xfp_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t max);

/* Text of an address (family 0: "any"). */
const char *xfp_ctl_addr_str(const struct xfp_addr *a, char *buf, size_t len);
/* Parse an IPv4/IPv6 literal; 0 or -EINVAL. */
int xfp_ctl_addr_parse(const char *s, struct xfp_addr *a);

/* The `key=value` lines describing @sa (keys are never written). */
void xfp_ctl_write_sa(FILE *f, const struct xfp_sa *sa);

#endif
