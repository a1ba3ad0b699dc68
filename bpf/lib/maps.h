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

#endif
