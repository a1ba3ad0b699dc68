/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stats.h - counting helpers used at each program's single exit point.
 * Counters are per-CPU, so no atomics are needed on the packet path.
 */
#ifndef XFP_BPF_STATS_H
#define XFP_BPF_STATS_H

#include "bpf/lib/maps.h"

static __always_inline void xfp_count_slot(__u32 prog, __u32 slot, __u64 bytes)
{
	__u32 key = XFP_STAT_INDEX(prog, slot);
	struct xfp_counter *c = bpf_map_lookup_elem(&xfp_stats, &key);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/*
 * Count a verdict and, for drops, the reason.  A drop without a reason is
 * a bug; it is counted as XFP_DROP_INTERNAL so that it is still visible.
 */
static __always_inline void xfp_count_verdict(__u32 prog, __u32 verdict,
					      __u32 reason, __u64 bytes)
{
	xfp_count_slot(prog, verdict, bytes);
	if (verdict == XFP_VERDICT_DROP) {
		if (reason == XFP_DROP_NONE || reason >= XFP_DROP__MAX)
			reason = XFP_DROP_INTERNAL;
		xfp_count_slot(prog, XFP_STAT_DROP_BASE + reason, bytes);
	}
}

static __always_inline void xfp_count_proto(__u32 proto, __u64 bytes)
{
	struct xfp_counter *c = bpf_map_lookup_elem(&xfp_proto_stats, &proto);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

#endif
