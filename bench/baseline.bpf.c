// SPDX-License-Identifier: GPL-2.0
/*
 * baseline.bpf.c - the reference programs xfp is measured against, in the
 * manner of xdp-bench: plain XDP_DROP, plain XDP_PASS, and XDP_DROP after
 * parsing Ethernet and the IP header (xdp-bench's parse-ip).  Each counts
 * what it sees in a per-CPU counter, as xfp does, so that the receiver's
 * rate is read the same way for both.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

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
