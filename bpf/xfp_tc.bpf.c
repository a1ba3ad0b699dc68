// SPDX-License-Identifier: GPL-2.0
/*
 * xfp_tc.bpf.c - TC egress program attached to every xfp device.
 *
 * Classifies every outgoing packet at outbound-transport and, for a new
 * connection, at ale-auth-connect (bpf/lib/dp.h).  The verdict is pass
 * (clear), block, or secure.  Secure traffic goes to the crypto worker
 * with the outbound SA of its peer (bpf/lib/xsk.h xfp_xsk_secure()); no
 * SA yet is an acquire event and a drop (no-sa); no worker ever started
 * on the device is a drop (no-worker), and so is a worker that died (on
 * the worker's veth, where the hand-off finds no socket).  It is never
 * sent in clear.
 *
 * One exit point: every return goes through `out:`, which counts the
 * verdict and, for a drop, its reason.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/ctx.h"
#include "bpf/lib/maps.h"
#include "bpf/lib/stats.h"
#include "bpf/lib/parse.h"
#include "bpf/lib/dp.h"

char LICENSE[] SEC("license") = "GPL";

/* Headers we parse must be in the linear part of the skb. */
#define XFP_TC_PULL 256

SEC("tc")
int xfp_tc_egress(struct __sk_buff *skb)
{
	__u32 len = skb->len, want = len < XFP_TC_PULL ? len : XFP_TC_PULL;
	struct xfp_parsed p = {};
	__u32 reason, verdict = XFP_VERDICT_PASS;
	void *data, *data_end;
	int action = TC_ACT_OK;

	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want); /* on failure, parsing says why */
	data = ctx_data(skb);
	data_end = ctx_data_end(skb);

	reason = xfp_parse_frame_len(data, data_end, len, &p);
	if (reason) {
		verdict = XFP_VERDICT_DROP;
		goto out;
	}
	p.ifindex = skb->ifindex;
	verdict = xfp_dp_packet(&p, XFP_DIR_OUT, XFP_CTX_CLEAR, &reason);
	if (verdict == XFP_VERDICT_DROP &&
	    (reason == XFP_DROP_NO_WORKER || reason == XFP_DROP_NO_SA)) {
		/* "secure": the compiled decision says this packet must
		 * leave protected, with the policy's SA (no-worker) or with
		 * one the policy does not hold (no-sa: an IPsec callout
		 * without a manual SA; the SA may come from `xfp sa add` or
		 * a keying module).  The SA was chosen by the datapath: the
		 * one the worker installed for the deciding filter (manual
		 * and tunnel SAs of the policy), else the one for the peer;
		 * none: acquire event, no-sa. */
		struct xfp_worker_cfg *cfg = xfp_xsk_cfg();
		struct xfp_conn_scratch *ss;
		__u32 zero = 0, sa = 0;

		if (!cfg || !cfg->stack_ifindex) {
			/* no worker was ever started on this device: the
			 * drop keeps the policy's reason */
			if (reason == XFP_DROP_NO_SA)
				xfp_xsk_acquire(&p, skb->ifindex);
			verdict = XFP_VERDICT_DROP;
			goto out;
		}
		/* the SA xfp_dp_packet() found for the decision (per-CPU
		 * scratch of this very run); 0: none, acquire */
		ss = bpf_map_lookup_elem(&xfp_conn_scratch, &zero);
		if (ss && reason == XFP_DROP_NO_WORKER)
			sa = ss->ac_sa;
		action = xfp_xsk_secure(skb, &p, sa, &reason);
		verdict = action == TC_ACT_REDIRECT ? XFP_VERDICT_REDIRECT :
						      XFP_VERDICT_DROP;
		goto out;
	}
	action = verdict == XFP_VERDICT_DROP ? TC_ACT_SHOT : TC_ACT_OK;
out:
	if (verdict == XFP_VERDICT_DROP)
		action = TC_ACT_SHOT;
	xfp_count_verdict(XFP_PROG_TC_EGRESS, verdict, reason, len);
	return action;
}
