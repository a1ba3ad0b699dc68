/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * xfp_abi.h - the one header shared by the BPF programs and userspace.
 *
 * Every struct, enum, flag and map name that crosses the kernel/user
 * boundary is defined here and nowhere else.  Layouts are pinned with
 * _Static_assert so that a change on one side that the other side does not
 * see breaks the build instead of the datapath.
 *
 * Rules:
 *  - Drop reasons and verdicts are numbered once.  A reason that is no
 *    longer used is renamed XFP_DROP_UNUSEDn; its number is never reused.
 *  - Every struct has explicit padding; no implicit holes.
 *  - Map names carry the xfp_ prefix so `bpftool map show` tells what
 *    they are.
 */
#ifndef XFP_ABI_H
#define XFP_ABI_H

#ifdef __bpf__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stddef.h>
#endif

#define XFP_ABI_VERSION 1

/* Where the loader pins its state (a bpffs mount). */
#define XFP_PIN_ROOT "/sys/fs/bpf/xfp"

/* Map names (the name field of the BPF map, at most 15 characters). */
#define XFP_MAP_STATS "xfp_stats"
#define XFP_MAP_PROTO_STATS "xfp_proto_stats"

/*
 * Verdicts: what a program did with a packet.  Counted at each program's
 * single exit point.
 */
#define XFP_VERDICTS(X)            \
	X(PASS, 0, "pass")         \
	X(DROP, 1, "drop")         \
	X(REDIRECT, 2, "redirect") \
	X(TX, 3, "tx")             \
	X(ABORTED, 4, "aborted")

enum xfp_verdict {
#define XFP__V(name, num, str) XFP_VERDICT_##name = num,
	XFP_VERDICTS(XFP__V)
#undef XFP__V
		XFP_VERDICT__MAX
};

/*
 * Drop reasons: why a packet was dropped.  Every drop in every program
 * carries exactly one of these.  Numbered once, never renumbered: append
 * new reasons at the end, retire old ones as UNUSEDn.
 */
#define XFP_DROP_REASONS(X)                     \
	X(NONE, 0, "none")                      \
	X(PARSE_ETH, 1, "parse-eth")            \
	X(PARSE_VLAN, 2, "parse-vlan")          \
	X(PARSE_IPV4, 3, "parse-ipv4")          \
	X(PARSE_IPV6, 4, "parse-ipv6")          \
	X(IPV6_EXT_LIMIT, 5, "ipv6-ext-limit")  \
	X(PARSE_L4, 6, "parse-l4")              \
	X(PARSE_ESP, 7, "parse-esp")            \
	X(PARSE_AH, 8, "parse-ah")              \
	X(FILTER_BLOCK, 9, "filter-block")      \
	X(ALE_BLOCK, 10, "ale-block")           \
	X(NO_SA, 11, "no-sa")                   \
	X(NO_WORKER, 12, "no-worker")           \
	X(CLEAR_TEXT, 13, "clear-text")         \
	X(FLOW_DOWNGRADE, 14, "flow-downgrade") \
	X(NO_POLICY, 15, "no-policy")           \
	X(INTERNAL, 16, "internal")

enum xfp_drop_reason {
#define XFP__D(name, num, str) XFP_DROP_##name = num,
	XFP_DROP_REASONS(XFP__D)
#undef XFP__D
		XFP_DROP__MAX
};

/* Protocols counted by the per-protocol statistics. */
#define XFP_PROTOS(X)          \
	X(OTHER, 0, "other")   \
	X(IPV4, 1, "ipv4")     \
	X(IPV6, 2, "ipv6")     \
	X(TCP, 3, "tcp")       \
	X(UDP, 4, "udp")       \
	X(ICMP, 5, "icmp")     \
	X(ICMPV6, 6, "icmpv6") \
	X(ESP, 7, "esp")       \
	X(AH, 8, "ah")         \
	X(ARP, 9, "arp")

enum xfp_proto {
#define XFP__P(name, num, str) XFP_PROTO_##name = num,
	XFP_PROTOS(XFP__P)
#undef XFP__P
		XFP_PROTO__MAX
};

/*
 * Programs that own counters.  The stats map is indexed by
 * XFP_STAT_INDEX(prog, slot) where slot is a verdict (0..XFP_VERDICT__MAX)
 * or XFP_STAT_DROP_BASE + drop reason.
 */
enum xfp_prog {
	XFP_PROG_XDP_INGRESS = 0,
	XFP_PROG_TC_EGRESS = 1,
	XFP_PROG__MAX = 4,
};

#define XFP_STAT_DROP_BASE 8
#define XFP_STAT_SLOTS 64
#define XFP_STAT_INDEX(prog, slot) ((prog)*XFP_STAT_SLOTS + (slot))
#define XFP_STAT_ENTRIES (XFP_PROG__MAX * XFP_STAT_SLOTS)

/* Value of the per-CPU stats and proto_stats arrays. */
struct xfp_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * WFP layers.  Each exists for IPv4 and IPv6; the family is part of the
 * compiled tables' key, not of the layer number.
 */
#define XFP_LAYERS(X)                                      \
	X(INBOUND_TRANSPORT, 0, "inbound-transport")       \
	X(OUTBOUND_TRANSPORT, 1, "outbound-transport")     \
	X(ALE_AUTH_RECV_ACCEPT, 2, "ale-auth-recv-accept") \
	X(ALE_AUTH_CONNECT, 3, "ale-auth-connect")         \
	X(IPSEC, 4, "ipsec")                               \
	X(IKEEXT, 5, "ikeext")

enum xfp_layer {
#define XFP__L(name, num, str) XFP_LAYER_##name = num,
	XFP_LAYERS(XFP__L)
#undef XFP__L
		XFP_LAYER__MAX
};

/*
 * Filter actions.  PERMIT and BLOCK are plain; the others are the built-in
 * IPsec callouts of WFP, which decide at run time from the packet's IPsec
 * state and the filter's context flags.
 */
#define XFP_ACTIONS(X)                                           \
	X(PERMIT, 0, "permit")                                   \
	X(BLOCK, 1, "block")                                     \
	X(INBOUND_TRANSPORT, 2, "inbound-transport")             \
	X(OUTBOUND_TRANSPORT, 3, "outbound-transport")           \
	X(INBOUND_TUNNEL, 4, "inbound-tunnel")                   \
	X(OUTBOUND_TUNNEL, 5, "outbound-tunnel")                 \
	X(INBOUND_INITIATE_SECURE, 6, "inbound-initiate-secure") \
	X(ALE_CONNECT, 7, "ale-connect")                         \
	X(INBOUND_TUNNEL_ALE_ACCEPT, 8, "inbound-tunnel-ale-accept")

enum xfp_action {
#define XFP__A(name, num, str) XFP_ACTION_##name = num,
	XFP_ACTIONS(XFP__A)
#undef XFP__A
		XFP_ACTION__MAX
};

/* Callout raw-context flags (values follow WFP's FWPM_CONTEXT_*). */
#define XFP_CTX_NEGOTIATE_DISCOVER \
	(1u << 0) /* outbound: send clear + acquire */
#define XFP_CTX_PERSIST_CONN_SECURITY (1u << 1) /* inbound: never downgrade */
#define XFP_CTX_REQUIRE_ENCRYPTION (1u << 3) /* ALE: SA must have a cipher */

/* Filter flags. */
#define XFP_FILTER_CLEAR_ACTION_RIGHT (1u << 3) /* permit becomes hard */

/* IPsec condition flags (the FLAGS condition field). */
#define XFP_COND_FLAG_SECURED (1u << 0)
#define XFP_COND_FLAG_ENCRYPTED (1u << 1)

#ifndef __bpf__
_Static_assert(sizeof(struct xfp_counter) == 16, "xfp_counter layout");
_Static_assert(XFP_VERDICT__MAX <= XFP_STAT_DROP_BASE,
	       "verdict slots overlap drop slots");
_Static_assert(XFP_STAT_DROP_BASE + XFP_DROP__MAX <= XFP_STAT_SLOTS,
	       "too many drop reasons for the stats layout");
_Static_assert(XFP_DROP_NO_SA == 11 && XFP_DROP_NO_WORKER == 12,
	       "drop reasons are never renumbered");

/* Userspace-only name tables, generated from the same lists. */
static const char *const xfp_verdict_names[] __attribute__((unused)) = {
#define XFP__V(name, num, str) [num] = str,
	XFP_VERDICTS(XFP__V)
#undef XFP__V
};
static const char *const xfp_drop_names[] __attribute__((unused)) = {
#define XFP__D(name, num, str) [num] = str,
	XFP_DROP_REASONS(XFP__D)
#undef XFP__D
};
static const char *const xfp_proto_names[] __attribute__((unused)) = {
#define XFP__P(name, num, str) [num] = str,
	XFP_PROTOS(XFP__P)
#undef XFP__P
};
static const char *const xfp_layer_names[] __attribute__((unused)) = {
#define XFP__L(name, num, str) [num] = str,
	XFP_LAYERS(XFP__L)
#undef XFP__L
};
static const char *const xfp_action_names[] __attribute__((unused)) = {
#define XFP__A(name, num, str) [num] = str,
	XFP_ACTIONS(XFP__A)
#undef XFP__A
};
#endif /* !__bpf__ */

#endif /* XFP_ABI_H */
