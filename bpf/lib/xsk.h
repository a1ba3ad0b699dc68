/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xsk.h - the hooks that hand packets to the AF_XDP crypto worker.
 *
 * Self-contained helpers for the datapath's programs (and the worker's
 * own stand-in programs in bpf/xfp_xsk.bpf.c):
 *
 *   xfp_xsk_ipsec_in()  XDP ingress: ESP, AH or NAT-T ESP with a known SPI
 *                       goes to the worker's socket of this rx queue; an
 *                       unknown SPI is dropped (no-sa), no socket is a drop
 *                       (no-worker).  Never XDP_PASS for an IPsec packet.
 *   xfp_xsk_secure()    TC egress "secure" verdict: the SA id is written
 *                       over the Ethernet source address and the packet is
 *                       redirected to the stack side of xfp's veth pair,
 *                       whose peer's XDP feeds the worker.  A missing SA
 *                       emits an acquire event and drops (no-sa).
 *
 * Both return an action and set *reason for drops; the caller counts at its
 * single exit point.  Layouts and the data flow: bpf/xfp_abi.h.
 */
#ifndef XFP_BPF_XSK_H
#define XFP_BPF_XSK_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bpf/xfp_abi.h"
#include "bpf/lib/ctx.h"
#include "bpf/lib/parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XFP_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xfp_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XFP_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xfp_xsks_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xfp_spi_key);
	__type(value, struct xfp_sa_ref);
} xfp_spi_in SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xfp_peer_key);
	__type(value, struct xfp_sa_ref);
} xfp_peer_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XFP_FILTER_SA_MAX);
	__type(key, __u64);
	__type(value, struct xfp_sa_ref);
} xfp_filter_sa SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xfp_worker_cfg);
} xfp_worker_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} xfp_acquire SEC(".maps");

static __always_inline struct xfp_worker_cfg *xfp_xsk_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xfp_worker_cfg, &zero);
}

/*
 * Is this parsed packet IPsec the worker must see?  Returns 1 and fills
 * @key for ESP, AH and UDP-encapsulated ESP (RFC 3948: a non-zero first
 * word after the UDP header on the NAT-T port); 0 for anything else,
 * including IKE on the NAT-T port (non-ESP marker) and keepalives (0xff).
 */
static __always_inline int xfp_xsk_ipsec_key(void *data, void *data_end,
					     const struct xfp_parsed *p,
					     struct xfp_spi_key *key)
{
	struct xfp_worker_cfg *cfg;
	__u32 natt = 4500, off;
	__be32 *w;

	if (p->flags & XFP_PKT_F_LATER_FRAG)
		return 0;
	if (p->l4_proto == IPPROTO_ESP || p->l4_proto == IPPROTO_AH) {
		key->spi = p->spi;
		key->proto = p->l4_proto;
		return 1;
	}
	if (p->l4_proto != IPPROTO_UDP)
		return 0;
	cfg = xfp_xsk_cfg();
	if (cfg && cfg->natt_port)
		natt = cfg->natt_port;
	if (p->dport != bpf_htons(natt))
		return 0;
	off = p->l4_off + 8;
	if (off > 1500)
		return 0;
	w = data + off;
	if ((void *)(w + 2) > data_end)
		return 0; /* keepalive (1 byte) or too short for ESP */
	if (*w == 0)
		return 0; /* non-ESP marker: IKE */
	key->spi = *w;
	key->proto = IPPROTO_ESP;
	return 1;
}

/*
 * XDP ingress hook.  Returns -1 when the packet is not IPsec (the caller
 * goes on classifying it), else the XDP action with *@reason set on drop.
 */
static __always_inline int
xfp_xsk_ipsec_in(struct xdp_md *ctx, const struct xfp_parsed *p, __u32 *reason)
{
	struct xfp_spi_key key = {};
	struct xfp_sa_ref *ref;
	int act;

	if (!xfp_xsk_ipsec_key(ctx_data(ctx), ctx_data_end(ctx), p, &key))
		return -1;
	ref = bpf_map_lookup_elem(&xfp_spi_in, &key);
	if (!ref || !ref->sa_id) {
		*reason = XFP_DROP_NO_SA;
		return XDP_DROP;
	}
	act = bpf_redirect_map(&xfp_xsks, ctx->rx_queue_index, XDP_DROP);
	if (act == XDP_DROP)
		*reason = XFP_DROP_NO_WORKER;
	return act;
}

/* Is the peer at the packet's (src if @inbound, else dst) address one whose
 * traffic must be secured?  Returns the reference or NULL. */
static __always_inline struct xfp_sa_ref *
xfp_xsk_peer(const struct xfp_parsed *p, int inbound)
{
	struct xfp_peer_key k = {};

	k.family = p->family;
	if (p->family == 4) {
		k.addr[0] = inbound ? p->saddr[0] : p->daddr[0];
	} else if (p->family == 6) {
		if (inbound)
			__builtin_memcpy(k.addr, p->saddr, 16);
		else
			__builtin_memcpy(k.addr, p->daddr, 16);
	} else {
		return NULL;
	}
	return bpf_map_lookup_elem(&xfp_peer_out, &k);
}

/* Neighbour discovery stays in clear (as WFP's default exemptions do). */
static __always_inline int xfp_xsk_exempt(const struct xfp_parsed *p)
{
	return p->l4_proto == IPPROTO_ICMPV6 && p->icmp_type >= 133 &&
	       p->icmp_type <= 137;
}

static __always_inline void xfp_xsk_acquire(const struct xfp_parsed *p,
					    __u32 ifindex)
{
	struct xfp_acquire_event *ev;

	ev = bpf_ringbuf_reserve(&xfp_acquire, sizeof(*ev), 0);
	if (!ev)
		return; /* ring full: the drop is still counted */
	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = ifindex;
	ev->family = p->family;
	ev->l4_proto = p->l4_proto;
	ev->sport = p->sport;
	ev->dport = p->dport;
	ev->pad = 0;
	__builtin_memcpy(ev->saddr, p->saddr, 16);
	__builtin_memcpy(ev->daddr, p->daddr, 16);
	bpf_ringbuf_submit(ev, 0);
}

/*
 * TC egress "secure" verdict for the packet in @skb to be protected with
 * outbound SA @sa_id (0: none yet).  Returns TC_ACT_REDIRECT or TC_ACT_SHOT
 * with *@reason.  The frame's Ethernet header must be at the start of the
 * packet (an Ethernet device's egress); the worker restores the source.
 */
static __always_inline int xfp_xsk_secure(struct __sk_buff *skb,
					  const struct xfp_parsed *p,
					  __u32 sa_id, __u32 *reason)
{
	struct xfp_worker_cfg *cfg;
	__u8 src[6];

	if (!sa_id) {
		xfp_xsk_acquire(p, skb->ifindex);
		*reason = XFP_DROP_NO_SA;
		return TC_ACT_SHOT;
	}
	cfg = xfp_xsk_cfg();
	if (!cfg || !cfg->stack_ifindex) {
		*reason = XFP_DROP_NO_WORKER;
		return TC_ACT_SHOT;
	}
	src[0] = XFP_OUT_MAGIC0;
	src[1] = XFP_OUT_MAGIC1;
	src[2] = sa_id >> 24;
	src[3] = sa_id >> 16;
	src[4] = sa_id >> 8;
	src[5] = sa_id;
	if (bpf_skb_store_bytes(skb, 6, src, 6, 0)) {
		*reason = XFP_DROP_INTERNAL;
		return TC_ACT_SHOT;
	}
	return bpf_redirect(cfg->stack_ifindex, 0);
}

#endif
