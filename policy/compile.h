/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * compile.h - the datapath compiler: a finalized policy becomes the table
 * of records (bpf/xfp_abi.h, struct xfp_dp_rec) that the XDP and TC
 * programs walk, plus the helpers that the loader, the tests and the
 * benchmark share so that they all build packets and outcomes the same way.
 *
 * The table holds, per packet layer (inbound-transport, outbound-transport,
 * ale-auth-recv-accept, ale-auth-connect), family and packet kind, one
 * binary decision tree whose leaves are precomputed WFP decisions.  The
 * algorithm is described in compile.c and docs/datapath.md.
 *
 * Nothing here touches the kernel; policy/dp_commit.c installs a table.
 */
#ifndef XFP_POLICY_COMPILE_H
#define XFP_POLICY_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/xfp_abi.h"
#include "policy/policy.h"

/* The device a table is compiled for: interface conditions are folded. */
struct dp_device {
	uint32_t ifindex;
	char ifname[XFP_IFNAME_MAX];
	/* compile the protection contexts (bpf/xfp_abi.h XFP_CTX_*) even
	 * when the policy has no manual SA: a worker runs on the device */
	bool contexts;
};

/* Limits; a policy beyond them is refused with a message (fail closed). */
#define DP_MAX_RECS (8u << 20) /* 256 MiB of records */
#define DP_MAX_BOXES_PER_FILTER 65536 /* product of a filter's OR-lists */

struct dp_table {
	struct xfp_dp_rec *recs;
	uint32_t n;
	/* dp_compile_map(): recs is a mapping of table map fd (map_len
	 * bytes), writable until dp_commit() freezes the map;
	 * dp_table_read_all(): a read-only mapping (fd -1); map_len 0: recs
	 * is heap memory */
	int fd;
	size_t map_len;
	struct xfp_dp_info info;
	unsigned bucket_max; /* 0: every leaf precomputed */
	uint32_t n_buckets;
	uint32_t n_hash; /* hash nodes (exact-address jumps) */
};

/*
 * Compile p (finalized) for dev.  src/src_len is the policy text stored in
 * the table (may be NULL/0).  On failure returns -errno and writes one line
 * saying why into err; *out is left empty.
 */
int dp_compile(const struct xfp_policy *p, const struct dp_device *dev,
	       const char *src, size_t src_len, uint64_t generation,
	       struct dp_table *out, char *err, size_t errlen);
void dp_table_free(struct dp_table *t);

/*
 * dp_compile() writing the records straight into a new table map
 * (dp_commit.h) instead of heap memory, for a commit: dp_commit() then
 * freezes and installs that map.  A 10,000-filter table is 4 MiB; this
 * saves faulting in a heap copy of it and copying it over.
 */
int dp_compile_map(const struct xfp_policy *p, const struct dp_device *dev,
		   const char *src, size_t src_len, uint64_t generation,
		   struct dp_table *out, char *err, size_t errlen);

/*
 * dp_compile() with the number of threads that build the trees (0: as
 * dp_compile() does, one; see auto_threads() in compile.c).  The table is
 * the same, byte for byte, whatever the number.
 */
int dp_compile_threads(const struct xfp_policy *p, const struct dp_device *dev,
		       const char *src, size_t src_len, uint64_t generation,
		       unsigned threads, struct dp_table *out, char *err,
		       size_t errlen);

/* The datapath's view of a decision: pass, or drop with a reason. */
void dp_outcome(const struct xfp_decision *d, uint8_t *verdict, uint8_t *reason,
		uint8_t *flags);

/* Local address type as the datapath computes it (never 0). */
uint8_t dp_local_addr_type(int family, const uint8_t addr[16]);

/* Does the protocol carry ports / ICMP type+code in the datapath? */
bool dp_proto_has_ports(uint8_t proto);
bool dp_proto_is_icmp(uint8_t proto);

/*
 * A packet as one layer sees it (local/remote already chosen by
 * direction).  Addresses v4-mapped for IPv4 like the IR.
 */
struct dp_pkt {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	bool later_frag; /* no transport header in this packet */
	uint8_t icmp_type, icmp_code;
	uint16_t local_port, remote_port;
	struct xfp_addr local, remote;
	uint8_t ctx; /* protection context it arrived in (0: clear) */
};

/* Fill an oracle packet from a dp_pkt for dev (same folding rules). */
void dp_pkt_to_ref(const struct dp_pkt *in, const struct dp_device *dev,
		   struct xfp_pkt *out);
/* The protection state of context ctx in the oracle's terms: IPsec flags
 * and the policy SA (XFP_CTX_SA_BASE + i is p's SA i). */
void dp_ctx_to_ref(const struct xfp_policy *p, unsigned ctx,
		   struct xfp_pkt *out);
/* Protection contexts a table holds (0: none; else incl. context 0). */
unsigned dp_table_n_ctx(const struct dp_table *t);

/*
 * Walk the table in userspace exactly as the BPF programs do and fill
 * *out with the layer's decision (for a bucket, the run-time merge of its
 * boxes).  Returns 0, or -EBADMSG when the table is malformed.
 */
int dp_table_lookup(const struct dp_table *t, enum xfp_layer layer,
		    const struct dp_pkt *pkt, struct xfp_dp_decision *out,
		    unsigned *depth);

/* Same walk over a bare record array (e.g. read back from the kernel). */
int dp_recs_lookup(const struct xfp_dp_rec *recs, uint32_t n,
		   enum xfp_layer layer, const struct dp_pkt *pkt,
		   struct xfp_dp_decision *out, unsigned *depth);

#endif
