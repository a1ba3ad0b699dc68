// SPDX-License-Identifier: GPL-2.0
/*
 * xfp_xdp.bpf.c - XDP ingress program attached to every xfp device.
 *
 * Parses the frame, counts it per protocol, and enforces the policy:
 * IPsec packets with an SPI the crypto worker holds go to its AF_XDP
 * socket of this rx queue (none there: dropped, no-worker), clear text is
 * classified at inbound-transport and, for a new connection, at
 * ale-auth-recv-accept (bpf/lib/dp.h).  Malformed IP is dropped with the
 * reason that names the fault.
 *
 * One exit point: every return goes through `out:`, which counts the
 * verdict and, for a drop, its reason.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/ctx.h"
#include "bpf/lib/maps.h"
#include "bpf/lib/stats.h"
#include "bpf/lib/parse.h"
#include "bpf/lib/dp.h"

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xfp_xdp_ingress(struct xdp_md *ctx)
{
	void *data = ctx_data(ctx);
	void *data_end = ctx_data_end(ctx);
	__u64 bytes = data_end - data;
	struct xfp_parsed p = {};
	__u32 reason, verdict = XFP_VERDICT_PASS;
	int action = XDP_PASS;

	reason = xfp_parse_frame(data, data_end, &p);
	if (!reason && p.family)
		reason = xfp_parse_natt(data, data_end, &p);
	if (reason) {
		verdict = XFP_VERDICT_DROP;
		goto out;
	}
	if (p.family == 4)
		xfp_count_proto(XFP_PROTO_IPV4, bytes);
	else if (p.family == 6)
		xfp_count_proto(XFP_PROTO_IPV6, bytes);
	else if (p.eth_proto == 0x0806 /* ETH_P_ARP */)
		xfp_count_proto(XFP_PROTO_ARP, bytes);
	if (p.family)
		xfp_count_proto(xfp_proto_of(&p), bytes);
	else if (p.eth_proto != 0x0806)
		xfp_count_proto(XFP_PROTO_OTHER, bytes);

	verdict = xfp_dp_packet(&p, XFP_DIR_IN, XFP_CTX_CLEAR, &reason);
	if (verdict == XFP_VERDICT_REDIRECT) {
		/* IPsec for one of the worker's SAs: to its socket of this
		 * rx queue; no socket (no worker, or it died) is a drop. */
		action = bpf_redirect_map(&xfp_xsks, ctx->rx_queue_index,
					  XDP_DROP);
		if (action != XDP_REDIRECT) {
			verdict = XFP_VERDICT_DROP;
			reason = XFP_DROP_NO_WORKER;
		}
	}
out:
	if (verdict == XFP_VERDICT_DROP)
		action = XDP_DROP;
	xfp_count_verdict(XFP_PROG_XDP_INGRESS, verdict, reason, bytes);
	return action;
}
