// SPDX-License-Identifier: GPL-2.0
/*
 * gen.bpf.c - the packet generator's XDP program.
 *
 * bench/gen.c runs this program with BPF_PROG_TEST_RUN and the live-frames
 * flag on a template packet.  Each run rewrites the flow fields (source
 * port and the low bits of the source address, or the ESP sequence
 * number) from a per-CPU sequence counter, so that N flows are generated
 * round robin, then returns XDP_TX: the frame leaves through the veth the
 * run is bound to and arrives at its peer, the device under test.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

/* Set by bench/gen.c before the run. */
const volatile __u32 nflows = 1;
const volatile __u32 l3_off = 14;
const volatile __u32 l4_off = 34;
const volatile __u8 family = 4;
const volatile __u8 l4_proto = IPPROTO_UDP;
const volatile __u16 sport_base = 1024;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gen_seq SEC(".maps");

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int xfp_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 key = 0, flow, sp, off;
	__u64 *seq = bpf_map_lookup_elem(&gen_seq, &key);

	if (!seq)
		return XDP_ABORTED;
	flow = nflows > 1 ? (__u32)(*seq % nflows) : 0;
	(*seq)++;
	/* 16384 source ports per source address, then the next address. */
	sp = sport_base + (flow & 0x3fff);
	off = flow >> 14;

	if (family == 4) {
		struct iphdr *ip = data + 14;
		__u16 *w = (void *)ip;
		__u32 s = 0;
		int i;

		if ((void *)(ip + 1) > end)
			return XDP_ABORTED;
		ip->saddr =
			bpf_htonl(bpf_ntohl(ip->saddr) & ~0xffu | (off & 0xff));
		ip->check = 0;
#pragma unroll
		for (i = 0; i < 10; i++)
			s += w[i];
		ip->check = csum_fold(s);
	} else {
		struct ipv6hdr *ip6 = data + 14;

		if ((void *)(ip6 + 1) > end)
			return XDP_ABORTED;
		ip6->saddr.in6_u.u6_addr8[15] = off & 0xff;
	}

	if (l4_proto == IPPROTO_UDP || l4_proto == IPPROTO_TCP) {
		__be16 *ports = data + (l4_off & 0xff);

		if ((void *)(ports + 2) > end)
			return XDP_ABORTED;
		ports[0] = bpf_htons(sp);
	} else if (l4_proto == IPPROTO_ESP) {
		__be32 *esp = data + (l4_off & 0xff);

		if ((void *)(esp + 2) > end)
			return XDP_ABORTED;
		esp[1] = bpf_htonl((__u32)*seq);
	}
	return XDP_TX;
}
