// SPDX-License-Identifier: GPL-2.0
/*
 * baseline.bpf.c - the reference programs xfp is measured against, in the
 * manner of xdp-bench: plain XDP_DROP, plain XDP_PASS, and XDP_DROP after
 * parsing Ethernet and the IP header (xdp-bench's parse-ip).  Each counts
 * what it sees in a per-CPU counter, as xfp does, so that the receiver's
 * rate is read the same way for both.
 *
 * flow-drop is the floor of any classifier that remembers flows: it
 * parses IPv4/IPv6 and the ports, probes one slot of a per-CPU flow
 * table with xfp's slot layout, hash and size (struct xfp_flow_slot,
 * bpf/lib/flow.h; the 44-byte key compared in full), writes the key on a
 * miss, and drops.  It decides
 * nothing; what xfp costs above it is classification and bookkeeping.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/flow.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} base_rx SEC(".maps");

static __always_inline void count(void)
{
	__u32 k = 0;
	__u64 *c = bpf_map_lookup_elem(&base_rx, &k);

	if (c)
		(*c)++;
}

SEC("xdp")
int base_drop(struct xdp_md *ctx)
{
	(void)ctx;
	count();
	return XDP_DROP;
}

SEC("xdp")
int base_pass(struct xdp_md *ctx)
{
	(void)ctx;
	count();
	return XDP_PASS;
}

SEC("xdp")
int base_parse_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	volatile __u32 sink;

	count();
	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		sink = ip->daddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		sink = ip6->daddr.in6_u.u6_addr32[3];
	}
	(void)sink;
	return XDP_DROP;
}

/* Slots less one; xfp-baseline --flow-slots sizes base_flows to match. */
const volatile __u32 flow_mask = 65536 - 1; /* as XFP_FLOWS_DEFAULT */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct xfp_flow_slot);
} base_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xfp_flow_key);
} base_key SEC(".maps");

SEC("xdp")
int base_flow_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xfp_flow_slot *slot;
	struct xfp_flow_key *k;
	__u16 *ports = NULL;
	__u32 zero = 0, i;

	count();
	k = bpf_map_lookup_elem(&base_key, &zero);
	if (!k || (void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memset(k, 0, sizeof(*k));
	k->generation = 1;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_DROP;
		k->family = 4;
		k->proto = ip->protocol;
		k->saddr[0] = ip->saddr;
		k->daddr[0] = ip->daddr;
		ports = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_DROP;
		k->family = 6;
		k->proto = ip6->nexthdr;
		__builtin_memcpy(k->saddr, &ip6->saddr, 16);
		__builtin_memcpy(k->daddr, &ip6->daddr, 16);
		ports = (void *)(ip6 + 1);
	} else {
		return XDP_DROP;
	}
	if ((k->proto == IPPROTO_UDP || k->proto == IPPROTO_TCP) &&
	    (void *)(ports + 2) <= end) {
		k->sport = ports[0];
		k->dport = ports[1];
	}
	i = xfp_flow_mix(k) & flow_mask;
	slot = bpf_map_lookup_elem(&base_flows, &i);
	if (slot && !xfp_flow_key_eq(&slot->key, k)) { /* a miss: insert */
		__builtin_memcpy(&slot->key, k, sizeof(*k));
		slot->val.verdict = XFP_VERDICT_DROP;
	}
	return XDP_DROP;
}
