// SPDX-License-Identifier: GPL-2.0
/*
 * xfp_xsk.bpf.c - the programs around the AF_XDP crypto worker.
 *
 *   xfp_xsk_worker  XDP on the worker side of xfp's veth pair: frames the
 *                   TC "secure" verdict redirected (Ethernet source
 *                   5a:58:<SA id>) go to the worker's socket of this rx
 *                   queue.  No socket: dropped, counted no-worker.
 *   xfp_xsk_stack   XDP on the stack side: a decapsulated packet from the
 *                   worker carries a struct xfp_handoff after its Ethernet
 *                   header; it is moved into XDP metadata (TC reads it from
 *                   data_meta) and the packet goes up the stack.
 *   xfp_xsk_meta    TC ingress on the stack side: every packet must carry
 *                   the hand-off in its metadata (else bad-handoff), and
 *                   is counted per SA id.  With the datapath, the
 *                   decrypted packet is classified here against the
 *                   device's committed policy in its SA's protection
 *                   context: inbound-transport (is it the SA the filter
 *                   binds?) and, for a new connection, ALE recv-accept
 *                   (initiate-secure, require-encryption, remote
 *                   identities).  Its connection is marked secured.
 *   xfp_xsk_nic     XDP on the NIC for a worker running without the
 *                   datapath's programs ("standalone"): IPsec with a known
 *                   SPI to the worker, clear text from a peer that must be
 *                   secured dropped, everything else passed.
 *   xfp_xsk_tc      TC egress on the NIC, standalone: traffic to a peer
 *                   that must be secured gets the "secure" verdict.
 *
 * Every program has one exit point that counts its verdict and drop reason.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/ctx.h"
#include "bpf/lib/maps.h"
#include "bpf/lib/stats.h"
#include "bpf/lib/parse.h"
#include "bpf/lib/xsk.h"
#include "bpf/lib/dp.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the worker's loader when it runs with xfp's datapath: the
 * policy maps are the device's own (pins reused). */
const volatile __u32 xfp_xsk_dp = 0;

/*
 * Outbound sequence numbers reserved per SA (userspace only): the worker
 * records a high-water mark ahead of the numbers it uses, so a restarted
 * worker given the same manual SA never reuses a sequence number (and the
 * IV derived from it).  Holds no key material.  One record per (SPI,
 * peer) ever used, never removed: the worker refuses an outbound SA whose
 * record finds no room.  Not preallocated: 4 MiB of buckets, then about
 * 96 bytes a record (24 MiB when full).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xfp_seq_key);
	__type(value, __u64);
} xfp_sa_seq SEC(".maps");

SEC("xdp")
int xfp_xsk_worker(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	__u64 bytes = data_end - data;
	struct ethhdr *eth = data;
	__u32 reason = XFP_DROP_NONE, verdict = XFP_VERDICT_REDIRECT;
	int action;

	if ((void *)(eth + 1) > data_end ||
	    eth->h_source[0] != XFP_OUT_MAGIC0 ||
	    eth->h_source[1] != XFP_OUT_MAGIC1) {
		reason = XFP_DROP_BAD_HANDOFF;
		action = XDP_DROP;
		goto out;
	}
	action = bpf_redirect_map(&xfp_xsks_out, ctx->rx_queue_index, XDP_DROP);
	if (action == XDP_DROP)
		reason = XFP_DROP_NO_WORKER;
out:
	if (action == XDP_DROP)
		verdict = XFP_VERDICT_DROP;
	xfp_count_verdict(XFP_PROG_XSK, verdict, reason, bytes);
	return action;
}

SEC("xdp")
int xfp_xsk_stack(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	__u64 bytes = data_end - data;
	__u32 reason = XFP_DROP_NONE, verdict = XFP_VERDICT_PASS;
	const __u32 hl = sizeof(struct xfp_handoff);
	struct xfp_handoff ho, *meta;
	struct ethhdr *eth = data, *neth;
	int action = XDP_PASS;
	__u8 ver;

	if (data + sizeof(*eth) + hl + 1 > data_end ||
	    eth->h_proto != bpf_htons(XFP_ETH_P_HANDOFF)) {
		reason = XFP_DROP_BAD_HANDOFF;
		goto drop;
	}
	__builtin_memcpy(&ho, data + sizeof(*eth), hl);
	if (ho.magic != XFP_HANDOFF_MAGIC ||
	    ho.version != XFP_HANDOFF_VERSION) {
		reason = XFP_DROP_BAD_HANDOFF;
		goto drop;
	}
	ver = *(__u8 *)(data + sizeof(*eth) + hl) >> 4;
	if (ver != 4 && ver != 6) {
		reason = XFP_DROP_BAD_HANDOFF;
		goto drop;
	}
	/* The Ethernet header moves next to the IP header. */
	neth = data + hl;
	__builtin_memmove(neth->h_source, eth->h_source, ETH_ALEN);
	__builtin_memmove(neth->h_dest, eth->h_dest, ETH_ALEN);
	neth->h_proto = bpf_htons(ver == 4 ? ETH_P_IP : ETH_P_IPV6);
	if (bpf_xdp_adjust_head(ctx, hl) ||
	    bpf_xdp_adjust_meta(ctx, -(int)hl)) {
		reason = XFP_DROP_NO_FRAME_ROOM;
		goto drop;
	}
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) > ctx_data(ctx)) {
		reason = XFP_DROP_NO_FRAME_ROOM;
		goto drop;
	}
	*meta = ho;
	goto out;
drop:
	action = XDP_DROP;
	verdict = XFP_VERDICT_DROP;
out:
	xfp_count_verdict(XFP_PROG_XSK, verdict, reason, bytes);
	return action;
}

/* Packets per SA id whose hand-off reached TC on the stack side. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} xfp_meta_sa SEC(".maps");

SEC("tc")
int xfp_xsk_meta(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct xfp_handoff *ho = (void *)(long)skb->data_meta;
	__u32 reason = XFP_DROP_NONE, verdict = XFP_VERDICT_PASS;
	__u32 len = skb->len, sa_id, pctx;
	struct xfp_parsed p = {};
	__u64 one = 1, *n;
	int action = TC_ACT_OK;

	if ((void *)(ho + 1) > data || ho->magic != XFP_HANDOFF_MAGIC ||
	    ho->version != XFP_HANDOFF_VERSION ||
	    !(ho->flags & XFP_HO_F_SECURED)) {
		reason = XFP_DROP_BAD_HANDOFF;
		action = TC_ACT_SHOT;
		verdict = XFP_VERDICT_DROP;
		goto out;
	}
	sa_id = ho->sa_id;
	pctx = ho->ctx				? ho->ctx :
	       (ho->flags & XFP_HO_F_ENCRYPTED) ? XFP_CTX_ENCRYPTED :
						  XFP_CTX_SECURED;
	n = bpf_map_lookup_elem(&xfp_meta_sa, &sa_id);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&xfp_meta_sa, &sa_id, &one, BPF_NOEXIST);
	if (!xfp_xsk_dp)
		goto out;
	/* The headers in the linear area, as the NIC's TC program does. */
	if (skb->data_end - skb->data < (len < 256 ? len : 256))
		bpf_skb_pull_data(skb, len < 256 ? len : 256);
	reason = xfp_parse_frame_len(ctx_data(skb), ctx_data_end(skb), len, &p);
	if (reason) {
		verdict = XFP_VERDICT_DROP;
		action = TC_ACT_SHOT;
		goto out;
	}
	verdict = xfp_dp_packet(&p, XFP_DIR_IN, pctx, &reason);
	if (verdict != XFP_VERDICT_PASS) {
		verdict = XFP_VERDICT_DROP;
		action = TC_ACT_SHOT;
	}
out:
	xfp_count_verdict(XFP_PROG_XSK_TC, verdict, reason, skb->len);
	return action;
}

SEC("xdp")
int xfp_xsk_nic(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	__u64 bytes = data_end - data;
	struct xfp_parsed p = {};
	__u32 reason, verdict = XFP_VERDICT_PASS;
	int action = XDP_PASS, r;

	reason = xfp_parse_frame(data, data_end, &p);
	if (reason) {
		action = XDP_DROP;
		goto out;
	}
	if (p.family)
		xfp_count_proto(xfp_proto_of(&p), bytes);
	r = xfp_xsk_ipsec_in(ctx, &p, &reason);
	if (r >= 0) {
		action = r;
		goto out;
	}
	/* Clear text from a peer whose traffic must be secured. */
	if (p.family && !xfp_xsk_exempt(&p) && xfp_xsk_peer(&p, 1)) {
		reason = XFP_DROP_CLEAR_TEXT;
		action = XDP_DROP;
	}
out:
	if (action == XDP_DROP)
		verdict = XFP_VERDICT_DROP;
	else if (action == XDP_REDIRECT)
		verdict = XFP_VERDICT_REDIRECT;
	xfp_count_verdict(XFP_PROG_XDP_INGRESS, verdict, reason, bytes);
	return action;
}

/*
 * Only what the decision needs: the destination and, for the ND
 * exemption, the ICMPv6 type.  Not parse.h's xfp_parse_frame(): it wants
 * the whole IP packet in the linear area, and a TSO packet at egress is
 * mostly in fragments.
 */
static __always_inline int tc_parse(struct __sk_buff *skb, struct xfp_parsed *p)
{
	void *data = ctx_data(skb), *data_end = ctx_data_end(skb);
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XFP_DROP_PARSE_ETH;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->version != 4)
			return XFP_DROP_PARSE_IPV4;
		p->family = 4;
		p->l4_proto = ip->protocol;
		p->saddr[0] = ip->saddr;
		p->daddr[0] = ip->daddr;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		__u8 *icmp = (void *)(ip6 + 1);

		if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
			return XFP_DROP_PARSE_IPV6;
		p->family = 6;
		p->l4_proto = ip6->nexthdr;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		if (p->l4_proto == IPPROTO_ICMPV6) {
			if ((void *)(icmp + 1) > data_end)
				return XFP_DROP_PARSE_L4;
			p->icmp_type = icmp[0];
		}
	}
	return XFP_DROP_NONE;
}

SEC("tc")
int xfp_xsk_tc(struct __sk_buff *skb)
{
	__u64 bytes = skb->len;
	struct xfp_parsed p = {};
	struct xfp_sa_ref *ref;
	__u32 reason, verdict = XFP_VERDICT_PASS;
	int action = TC_ACT_OK;

	/* Ethernet + IPv6 + 4 bytes of ICMPv6 in the linear area. */
	bpf_skb_pull_data(skb, skb->len < 58 ? skb->len : 58);
	reason = tc_parse(skb, &p);
	if (reason) {
		action = TC_ACT_SHOT;
		goto out;
	}
	if (!p.family || xfp_xsk_exempt(&p))
		goto out;
	ref = xfp_xsk_peer(&p, 0);
	if (!ref)
		goto out;
	action = xfp_xsk_secure(skb, &p, ref->sa_id, &reason);
out:
	if (action == TC_ACT_SHOT)
		verdict = XFP_VERDICT_DROP;
	else if (action == TC_ACT_REDIRECT)
		verdict = XFP_VERDICT_REDIRECT;
	xfp_count_verdict(XFP_PROG_TC_EGRESS, verdict, reason, bytes);
	return action;
}
