/* SPDX-License-Identifier: GPL-2.0 */
/*
 * maps.h - the maps every xfp program shares.  Their key and value types
 * and their names come from bpf/xfp_abi.h.
 */
#ifndef XFP_BPF_MAPS_H
#define XFP_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/xfp_abi.h"

/* Per-CPU verdict and drop-reason counters, indexed by XFP_STAT_INDEX(). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XFP_STAT_ENTRIES);
	__type(key, __u32);
	__type(value, struct xfp_counter);
} xfp_stats SEC(".maps");

/* Per-CPU packet counts per protocol seen by the ingress parser. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XFP_PROTO__MAX);
	__type(key, __u32);
	__type(value, struct xfp_counter);
} xfp_proto_stats SEC(".maps");

/*
 * The running policy: slot 0 holds the compiled table (bpf/xfp_abi.h,
 * "datapath classification").  The loader replaces the slot to commit.
 * BPF_F_INNER_MAP lets every commit bring a table of its own size;
 * BPF_F_MMAPABLE lets the loader fill it with one copy (XFP_DP_TAB_FLAGS).
 */
struct xfp_policy_tab_t {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	/* Sizes, not BTF types: clang emits the record type of a map used
	 * only as an inner-map template as a forward declaration. */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct xfp_dp_rec));
	__uint(map_flags, XFP_DP_TAB_FLAGS);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct xfp_policy_tab_t);
} xfp_policy SEC(".maps");

/* Per-CPU flow cache: generation + direction + 5-tuple -> verdict, in a
 * direct-mapped array (bpf/xfp_abi.h struct xfp_flow_slot).  A commit
 * changes the generation, so old entries stop matching; nothing walks the
 * cache. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XFP_FLOWS_DEFAULT);
	__type(key, __u32);
	__type(value, struct xfp_flow_slot);
} xfp_flows SEC(".maps");

/* ALE connections, shared by ingress and egress (bpf/xfp_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XFP_CONNS_MAX);
	__type(key, struct xfp_conn_key);
	__type(value, struct xfp_conn_val);
} xfp_conns SEC(".maps");

/* Scratch space for the flow-cache key and the ALE connection key and
 * entry (the stack is shared with the tree walk's frames: 512 bytes in
 * all). */
/* What a layer decided. */
struct xfp_res {
	__u64 filter_id;
	__u32 dec; /* decision record, or the bucket node */
	__u8 verdict;
	__u8 reason;
	__u8 bucket; /* 1: merged at run time */
	__u8 flags; /* XFP_DEC_F_SECURE, _CLEAR_OK, _ND_IN */
	__u32 nd_timeout; /* XFP_DEC_F_ND_IN: allowance, seconds */
	__u32 pad;
};

struct xfp_conn_scratch {
	struct xfp_res t, a; /* transport and ALE results */
	/* xfp_conn_pre/post()'s inputs and outputs (bpf/lib/dp.h) */
	__u64 ac_now;
	__u32 ac_reason, ac_tflags;
	__u32 ac_sctx, ac_sa;
	__u8 ac_dir, ac_flags, ac_odir, ac_eval, ac_have, ac_secure;
	struct xfp_conn_key key;
	struct xfp_conn_val val;
	struct xfp_flow_key fk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xfp_conn_scratch);
} xfp_conn_scratch SEC(".maps");

/* Scratch space for the classification key (too big for the 512-byte
 * stack together with the parser state and the tree walk). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xfp_dp_key);
} xfp_scratch SEC(".maps");

/* The path of the last packet, for `xfp explain` and the tests; only
 * programs loaded with XFP_CFG_TRACE write it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xfp_trace);
} xfp_trace SEC(".maps");

#endif
