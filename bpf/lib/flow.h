/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flow.h - hashing and comparing flow-cache keys (struct xfp_flow_key,
 * bpf/xfp_abi.h).  Shared by the datapath (bpf/lib/dp.h) and the bench's
 * flow-drop baseline, which probes a table shaped like xfp's.
 */
#ifndef XFP_BPF_FLOW_H
#define XFP_BPF_FLOW_H

#include <stdbool.h>
#include <linux/types.h>
#include "bpf/xfp_abi.h"

/* Multiply-xor over the key's eleven words, two chains; the caller masks
 * the result to its table's size. */
static __always_inline __u32 xfp_flow_mix(const struct xfp_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u64 a = 0x9e3779b97f4a7c15ull, b = 0xc2b2ae3d27d4eb4full;

	a = (a ^ w[0] ^ ((__u64)w[1] << 32)) * 0xff51afd7ed558ccdull;
	b = (b ^ w[2] ^ ((__u64)w[3] << 32)) * 0xc4ceb9fe1a85ec53ull;
	a = (a ^ w[4] ^ ((__u64)w[5] << 32)) * 0xff51afd7ed558ccdull;
	b = (b ^ w[6] ^ ((__u64)w[7] << 32)) * 0xc4ceb9fe1a85ec53ull;
	a = (a ^ w[8] ^ ((__u64)w[9] << 32)) * 0xff51afd7ed558ccdull;
	b = (b ^ w[10]) * 0xc4ceb9fe1a85ec53ull;
	a ^= b ^ (a >> 29);
	return (__u32)(a >> 32);
}

static __always_inline bool xfp_flow_key_eq(const struct xfp_flow_key *x,
					    const struct xfp_flow_key *y)
{
	const __u32 *a = (const __u32 *)x, *b = (const __u32 *)y;

	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3] &&
	       a[4] == b[4] && a[5] == b[5] && a[6] == b[6] && a[7] == b[7] &&
	       a[8] == b[8] && a[9] == b[9] && a[10] == b[10];
}

#endif
