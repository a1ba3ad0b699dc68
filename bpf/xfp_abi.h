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
	X(INTERNAL, 16, "internal")             \
	X(BAD_HANDOFF, 17, "bad-handoff")       \
	X(NO_FRAME_ROOM, 18, "no-frame-room")

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
	XFP_PROG_XSK = 2, /* the hand-off programs on xfp's own veth pair */
	XFP_PROG_XSK_TC = 3, /* TC ingress on the stack side: hand-off seen */
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

/*
 * ---- AF_XDP crypto worker (issue 6) ------------------------------------
 *
 * Per NIC the worker owns a veth pair: the "worker side" (its AF_XDP
 * sockets are bound there) and the "stack side" (in the host stack).
 *
 *  inbound:  NIC XDP --(known SPI)--> xfp_xsks[rx queue] --> worker
 *            decapsulates --> AF_XDP TX on the worker side, frame
 *            [eth type XFP_ETH_P_HANDOFF][struct xfp_handoff][IP packet]
 *            --> stack-side XDP moves the hand-off into XDP metadata
 *            (TC and the ALE programs read it from data_meta) --> stack.
 *  outbound: NIC TC egress "secure" --> the SA id is written over the
 *            Ethernet source address (XFP_OUT_MAGIC0/1 + id, big endian);
 *            redirect to the stack side's egress --> worker-side XDP -->
 *            xfp_xsks_out[rx queue] --> worker encrypts, restores the NIC's
 *            source address and transmits on the NIC (AF_XDP TX).
 *  Both redirects fall back to XDP_DROP, counted as no-worker: with no
 *  worker socket nothing passes in either direction.
 */
#define XFP_MAP_XSKS "xfp_xsks" /* XSKMAP: NIC rx queue */
#define XFP_MAP_XSKS_OUT "xfp_xsks_out" /* XSKMAP: worker-side rx queue */
#define XFP_MAP_SPI_IN "xfp_spi_in" /* struct xfp_spi_key -> xfp_sa_ref */
#define XFP_MAP_PEER_OUT "xfp_peer_out" /* struct xfp_peer_key -> xfp_sa_ref */
/* __u64 policy filter id -> xfp_sa_ref: the outbound SA a filter's secure
 * decision uses (a manual SA bound to the filter, a tunnel SA of its
 * qm-policy); filled by the worker, looked up before xfp_peer_out. */
#define XFP_MAP_FILTER_SA "xfp_filter_sa"
#define XFP_FILTER_SA_MAX 4096
#define XFP_MAP_WORKER "xfp_worker_cfg" /* [0] struct xfp_worker_cfg */
#define XFP_MAP_ACQUIRE "xfp_acquire" /* ring buffer of xfp_acquire_event */
#define XFP_MAP_SEQ "xfp_sa_seq" /* struct xfp_seq_key -> __u64 */
#define XFP_MAP_META_SA "xfp_meta_sa" /* SA id -> packets TC saw with it */

#define XFP_XSK_MAX_QUEUES 64
#define XFP_ETH_P_HANDOFF 0x88B5 /* IEEE 802 local experimental 1 */
#define XFP_OUT_MAGIC0 0x5a /* Ethernet source of a "secure" frame: */
#define XFP_OUT_MAGIC1 0x58 /* 5a:58:<SA id, 4 bytes big endian> */
#define XFP_HANDOFF_MAGIC 0x58
#define XFP_HANDOFF_VERSION 1

#define XFP_HO_F_SECURED (1u << 0) /* arrived under an SA */
#define XFP_HO_F_ENCRYPTED (1u << 1) /* ... whose transform encrypts */
#define XFP_HO_F_NATT (1u << 2) /* ... UDP-encapsulated */

/*
 * The hand-off header between the worker and the stack-side XDP program,
 * and afterwards the XDP metadata (data_meta .. data) of the packet in TC.
 */
struct xfp_handoff {
	__u8 magic; /* XFP_HANDOFF_MAGIC */
	__u8 version; /* XFP_HANDOFF_VERSION */
	__u8 flags; /* XFP_HO_F_* */
	__u8 proto; /* outermost IPsec protocol removed: 50 or 51 */
	__u32 sa_id; /* the inbound SA that authenticated the packet */
	__u32 spi; /* its SPI, host order */
	__u32 ifindex; /* the NIC the packet arrived on */
	/* Protection context (XFP_CTX_*) the policy compiled for this SA:
	 * its flags, its policy SA and the identities it authenticated. */
	__u32 ctx;
	__u32 pad;
};

struct xfp_spi_key {
	__u32 spi; /* network order, as on the wire */
	__u8 proto; /* 50 or 51 */
	__u8 pad[3];
};

/* Stand-in SPD until the datapath's TC verdict lands: per remote host. */
struct xfp_peer_key {
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u32 addr[4]; /* network order, IPv4 in addr[0] */
};

/* No keys ever: an SA is referred to by its id only. */
struct xfp_sa_ref {
	__u32 sa_id; /* 0: traffic must be secured but no SA exists */
	__u32 ctx; /* the SA's protection context (XFP_CTX_*) */
};

struct xfp_worker_cfg {
	__u32 stack_ifindex; /* stack side of the veth pair (TC target) */
	__u32 worker_ifindex; /* worker side */
	__u32 natt_port; /* UDP port of NAT-T ESP, host order */
	__u32 idle_s; /* ALE idle timeout of the datapath (`attach
		       * --idle-timeout`), for the worker's programs */
};

/* An outbound SA as its peer knows it: SPI and destination. */
struct xfp_seq_key {
	__u32 spi;
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u32 dst[4];
};

struct xfp_acquire_event {
	__u64 ts_ns;
	__u32 ifindex;
	__u8 family;
	__u8 l4_proto;
	__be16 sport;
	__be16 dport;
	__u16 pad;
	__u32 saddr[4];
	__u32 daddr[4];
};

/*
 * ---- datapath classification (issue 4) ---------------------------------
 *
 * A committed policy is ONE array map of 32-byte records (struct
 * xfp_dp_rec), created by the loader for each commit and installed in
 * slot 0 of the outer map XFP_MAP_POLICY (an array of maps).  Replacing
 * that slot is the single generation switch: a packet looks the slot up
 * once and sees either the whole old or the whole new table.
 *
 *  rec 0            struct xfp_dp_header (generation, sections)
 *  rec 1..3         struct xfp_dp_roots: 24 tree roots, index
 *                   XFP_DP_ROOT(layer, family, kind)
 *  rec 4            struct xfp_dp_info (counts, for `xfp status`)
 *  nodes            struct xfp_dp_node: a binary decision tree per root;
 *                   a leaf names a decision record; a bucket names a
 *                   short list of boxes checked one by one (see below)
 *  boxes            4 records each (struct xfp_dp_box_a..d): one filter's
 *                   hyper-rectangle and what that filter returns
 *  lists            box numbers of buckets, 8 per record
 *  slots            hash-node slots (struct xfp_dp_slot)
 *  decisions        struct xfp_dp_decision: verdict + deciding filter
 *  spis             struct xfp_dp_spi, sorted by SPI (inbound SAs)
 *  source           the policy text the table was compiled from (for
 *                   `xfp filter add/del`); never read by BPF
 *
 * docs/datapath.md explains the tree and how it is built.
 */
#define XFP_MAP_POLICY "xfp_policy" /* ARRAY_OF_MAPS[1] -> table */
#define XFP_MAP_POLICY_TAB "xfp_policy_tab" /* name of each table */
/* Flags of every table: the outer map accepts only tables created with
 * the template's flags. */
#define XFP_DP_TAB_FLAGS (BPF_F_INNER_MAP | BPF_F_MMAPABLE)
#define XFP_MAP_FLOWS "xfp_flows" /* PERCPU_ARRAY flow cache */
#define XFP_MAP_TRACE "xfp_trace" /* ARRAY[1], explain/tests only */
#define XFP_PIN_PROG_TC "tc_egress" /* pinned TC program */
#define XFP_PIN_LINK_TC "tc_egress_link" /* pinned tcx link */
#define XFP_PIN_STATE "xfp_state" /* pinned attach record */

#define XFP_DP_MAGIC 0x58465044u /* "XFPD" */
#define XFP_DP_HDR_RECS 5 /* records before the first node */
#define XFP_DP_DEPTH_MAX 48 /* tree depth bound (verifier loop) */
#define XFP_DP_SPI_STEPS 24 /* binary search steps: 2^24 SPIs */
#define XFP_SUBLAYERS_MAX_ABI 32 /* policy.h XFP_SUBLAYERS_MAX */
#define XFP_DP_BUCKET_MAX 32 /* boxes checked at most in a bucket */
/* Flow cache slots per CPU: `xfp attach --flow-cache SLOTS`, a power of
 * two from XFP_FLOWS_MIN to XFP_FLOWS_LIMIT, XFP_FLOWS_DEFAULT without. */
#define XFP_FLOWS_DEFAULT 65536
#define XFP_FLOWS_MIN 1024
#define XFP_FLOWS_LIMIT 4194304 /* 224 MiB per CPU */

/* Dimensions of the classification key. */
enum xfp_dim {
	XFP_DIM_LADDR = 0, /* local address, 128-bit (IPv4: low 32 bits) */
	XFP_DIM_RADDR = 1, /* remote address */
	XFP_DIM_LPORT = 2, /* local port, XFP_DIM_ABSENT_PORT when none */
	XFP_DIM_RPORT = 3,
	XFP_DIM_PROTO = 4,
	XFP_DIM_ITYPE = 5, /* ICMP type, XFP_DIM_ABSENT_ICMP when none */
	XFP_DIM_ICODE = 6,
	XFP_DIM_ATYPE = 7, /* local address type (XFP_ADDR_TYPE_*) */
	XFP_DIM__MAX = 8,
};
/* Local address types the datapath derives (WFP NL_ADDRESS_TYPE values,
 * the same as policy.h's XFP_ADDR_TYPE_*). */
#define XFP_DP_ATYPE_UNICAST 1
#define XFP_DP_ATYPE_MULTICAST 3
#define XFP_DP_ATYPE_BROADCAST 4
#define XFP_DIM_ABSENT_PORT 65536u
#define XFP_DIM_ABSENT_ICMP 256u

/* Packet kinds: which optional fields a packet carries. */
enum xfp_kind {
	XFP_KIND_PORTS = 0, /* TCP/UDP/SCTP/UDP-Lite with ports */
	XFP_KIND_ICMP = 1, /* ICMP/ICMPv6 with type and code */
	XFP_KIND_OTHER = 2, /* anything else, incl. later fragments */
	XFP_KIND__MAX = 3,
};
/* Only the packet layers are compiled: layer numbers 0..3. */
#define XFP_DP_LAYERS 4
#define XFP_DP_ROOT(layer, fam6, kind) \
	((((layer)*2 + (fam6)) * XFP_KIND__MAX) + (kind))
#define XFP_DP_ROOTS (XFP_DP_LAYERS * 2 * XFP_KIND__MAX)

enum xfp_rec_kind {
	XFP_REC_NODE = 1,
	XFP_REC_LEAF = 2,
	XFP_REC_DECISION = 3,
	XFP_REC_SPI = 4,
	XFP_REC_HEADER = 5,
	XFP_REC_OTHER = 6,
	XFP_REC_BUCKET = 7,
	XFP_REC_HASH = 8,
};

struct xfp_dp_rec {
	__u64 w[4];
};

struct xfp_dp_header {
	__u8 kind; /* XFP_REC_HEADER */
	__u8 abi; /* XFP_ABI_VERSION */
	__u16 n_ctx; /* protection contexts compiled, incl. 0 (clear); the
		      * roots of context c >= 1 are the XFP_DP_CTX_RECS
		      * records at spi_base - XFP_DP_CTX_RECS * (n_ctx - c) */
	__u32 magic; /* XFP_DP_MAGIC */
	__u64 generation;
	__u32 n_recs;
	__u32 spi_base; /* first SPI record */
	__u32 n_spi;
	__u32 box_base; /* first box record */
};

struct xfp_dp_roots {
	__u32 root[8];
};

/*
 * Protection contexts: what the policy sees of a packet's IPsec state.
 * Context 0 is clear text, compiled into the header's roots.  A packet
 * the worker decrypted carries its SA's context in the hand-off; an
 * outbound packet that leaves over an SA is authorized at ALE connect in
 * that SA's context.  Generic contexts stand for SAs the policy does not
 * define (`xfp sa add`); the policy's manual SA i is XFP_CTX_SA_BASE + i,
 * with its own flags, filter binding and identities.
 */
#define XFP_CTX_CLEAR 0
#define XFP_CTX_SECURED 1 /* an SA that does not encrypt (AH, GMAC) */
#define XFP_CTX_ENCRYPTED 2 /* an SA that encrypts */
#define XFP_CTX_SA_BASE 3
#define XFP_CTX_MAX 64
#define XFP_DP_CTX_RECS 3 /* root records per context (24 roots) */

struct xfp_dp_info {
	__u32 n_filters; /* filters of the policy (all layers) */
	__u32 n_compiled; /* filters that reached a packet layer */
	__u32 n_nodes; /* tree nodes incl. leaves */
	__u32 n_decisions;
	__u32 src_base; /* first source record */
	__u32 src_len; /* bytes of source text */
	__u32 max_depth;
	__u32 build_us; /* compile time */
};

/* Inner node: go right when key[dim] >= (thr_hi:thr_lo), else left.
 * Leaf (kind XFP_REC_LEAF): `right` is the decision record index.
 * Bucket (kind XFP_REC_BUCKET): `dim` boxes whose numbers start at list
 * record `left`; the first matching box of each sublayer decides it and
 * the sublayers are merged at run time (bpf/lib/dp.h). */
struct xfp_dp_node {
	__u8 kind;
	__u8 dim;
	__u16 pad;
	__u32 left;
	__u32 right;
	__u32 pad2;
	__u64 thr_hi;
	__u64 thr_lo;
};

#define XFP_DEC_F_MATCHED (1u << 0) /* some filter decided */
#define XFP_DEC_F_HARD (1u << 1)
#define XFP_DEC_F_SECURE (1u << 2) /* must leave IPsec-protected */
#define XFP_DEC_F_CLEAR_OK (1u << 3) /* negotiation discovery: clear ok */
#define XFP_DEC_F_ACQUIRE (1u << 4)
#define XFP_DEC_F_VETO (1u << 5)
/* inbound clear text permitted by negotiation discovery (persist
 * connection security): not once the flow was secured, not after the
 * allowance (nd_timeout seconds, 0 = none) */
#define XFP_DEC_F_ND_IN (1u << 6)

struct xfp_dp_decision {
	__u8 kind; /* XFP_REC_DECISION */
	__u8 verdict; /* XFP_VERDICT_PASS or XFP_VERDICT_DROP */
	__u8 reason; /* enum xfp_drop_reason when DROP */
	__u8 flags; /* XFP_DEC_F_* */
	__u8 action; /* enum xfp_action of the layer: PERMIT or BLOCK */
	__u8 sublayer; /* deciding sublayer index, 0xff when none */
	__u16 nd_timeout; /* XFP_DEC_F_ND_IN: allowance in seconds */
	__u32 filter_index; /* in the finalized policy, ~0 when none */
	__u32 pad2;
	__u64 filter_id; /* 0 when no filter decided */
	__u64 pad3;
};

/* A box: records box_base + 4 * n + 0..3. */
struct xfp_dp_box_a { /* local (a) or remote (b) address range */
	__u64 lo_hi, lo_lo, hi_hi, hi_lo;
};

struct xfp_dp_box_c {
	__u32 lport_lo, lport_hi, rport_lo, rport_hi;
	__u32 proto_lo, proto_hi, itype_lo, itype_hi;
};

#define XFP_BOX_F_BLOCK (1u << 0) /* the filter returns block */
#define XFP_BOX_F_HARD (1u << 1)
#define XFP_BOX_F_CALLOUT (1u << 2)
#define XFP_BOX_F_SECURE (1u << 3)
#define XFP_BOX_F_CLEAR_OK (1u << 4)
#define XFP_BOX_F_ACQUIRE (1u << 5)
#define XFP_BOX_F_ND_IN (1u << 6) /* as XFP_DEC_F_ND_IN */

struct xfp_dp_box_d {
	__u32 icode_lo, icode_hi, atype_lo, atype_hi;
	__u64 filter_id;
	__u8 flags; /* XFP_BOX_F_* */
	__u8 drop_reason; /* when it blocks */
	__u8 slpos; /* position of its sublayer in evaluation order */
	__u8 sublayer; /* sublayer index */
	__u32 nd_timeout; /* XFP_BOX_F_ND_IN: allowance in seconds */
};

/*
 * Hash node (kind XFP_REC_HASH): exact values of dimension `dim` (an
 * address) -> child.  Slot records start at `left`; the slot of probe i is
 * left + ((xfp_dp_hash(key) + i) & pad2), i < XFP_DP_HASH_PROBES; an empty
 * slot or no match goes to `right`, the child for every other value.
 */
#define XFP_DP_HASH_PROBES 4

struct xfp_dp_slot {
	__u64 key_hi, key_lo;
	__u32 child;
	__u32 used;
	__u64 pad;
};

static inline __u64 xfp_dp_hash(__u64 hi, __u64 lo)
{
	__u64 h = (hi * 0x9e3779b97f4a7c15ULL) ^ (lo * 0xc2b2ae3d27d4eb4fULL);

	return h ^ (h >> 29);
}

struct xfp_dp_spi {
	__u8 kind; /* XFP_REC_SPI */
	__u8 pad[3];
	__u32 spi; /* host order */
	__u32 sa_index;
	__u32 pad2;
	__u64 pad3[2];
};

/* The classification key of one packet: XFP_DIM__MAX (hi, lo) pairs in
 * host order (BPF scratch map; userspace has its own form). */
struct xfp_dp_key {
	__u64 v[XFP_DIM__MAX * 2];
	__u32 kind;
	__u32 pad;
};

/* Flow cache: generation + direction + 5-tuple (ICMP: type/code in sport). */
struct xfp_flow_key {
	__u32 generation; /* low 32 bits of the policy generation */
	__u8 dir; /* 0 ingress, 1 egress */
	__u8 family;
	__u8 proto;
	__u8 pad;
	__u32 saddr[4];
	__u32 daddr[4];
	__be16 sport;
	__be16 dport;
};

/* Settled for a new connection too: the ALE layer was evaluated, or the
 * transport layer dropped (then a SYN is dropped the same way). */
#define XFP_FLOW_F_ALE (1u << 0)
/* Set in every value the program writes.  In a per-CPU hash an entry
 * created on one CPU reads as zeros on the others: without this bit a
 * zeroed value would read as "pass". */
#define XFP_FLOW_F_VALID (1u << 1)
/* The pass verdict relies on an ALE connection entry (connectionless
 * flows): a hit is only good while that entry is alive (idle timeout). */
#define XFP_FLOW_F_CONN (1u << 2)

struct xfp_flow_val {
	__u8 verdict;
	__u8 reason;
	__u8 flags; /* XFP_FLOW_F_* */
	__u8 pad;
	__u32 decision; /* decision record that settled the flow */
};

/*
 * The flow cache is direct-mapped: a per-CPU array of slots (as many as
 * `xfp attach --flow-cache` says, XFP_FLOWS_DEFAULT without), the slot
 * chosen by xfp_flow_hash() of the key, the full key stored and compared.
 * A new flow overwrites whatever held its slot.  No locks, no hash-table
 * walk, and the lookup of an array slot is a few instructions.
 */
struct xfp_flow_slot {
	struct xfp_flow_key key;
	struct xfp_flow_val val;
	__u32 pad;
};

/*
 * ALE connection state (map XFP_MAP_CONNS, one LRU hash shared by XDP
 * ingress and TC egress, not per CPU): a connection that ALE authorized,
 * keyed from the host's side (local/remote), so a packet in either
 * direction finds it.  `generation` is the policy the verdict came from:
 * a commit makes every entry stale, and the next packet of the connection
 * is authorized again at the layer that opened it (WFP's
 * reauthorization).  UDP, ICMP and other connectionless flows expire
 * after xfp_conn_idle_ns without a packet; TCP entries live until the
 * LRU evicts them.  ICMP flows are per address pair and protocol.
 */
struct xfp_conn_key {
	__u8 family;
	__u8 proto;
	__be16 lport; /* host order of the wire: as in the packet */
	__be16 rport;
	__u16 pad;
	__u32 laddr[4];
	__u32 raddr[4];
};

struct xfp_conn_val {
	__u64 last_ns; /* bpf_ktime_get_ns() of a recent packet */
	__u32 generation; /* policy the verdict belongs to */
	__u8 verdict; /* ALE's verdict: XFP_VERDICT_PASS or _DROP */
	__u8 reason;
	__u8 dir; /* who opened it: 0 inbound (recv-accept), 1 outbound */
	__u8 flags; /* XFP_CONN_F_* */
	__u64 first_ns; /* when it was opened (ND clear allowance) */
};

/* A packet of the connection went over an SA: never clear again. */
#define XFP_CONN_F_SECURED (1u << 0)

#define XFP_MAP_CONNS "xfp_conns"
#define XFP_CONNS_MAX 65536
#define XFP_CONN_IDLE_DEFAULT_S 60 /* UDP/ICMP idle timeout */
#define XFP_CONN_REFRESH_NS 1000000000ull /* last_ns written at most 1/s */

/* What the last packet went through; written only by trace builds. */
#define XFP_TRACE_F_CACHE_HIT (1u << 0)
#define XFP_TRACE_F_ALE (1u << 1) /* ALE layer evaluated */
#define XFP_TRACE_F_SPI (1u << 2) /* IPsec SPI path */
#define XFP_TRACE_F_NEW_CONN (1u << 3)
#define XFP_TRACE_F_NON_IP (1u << 4)
#define XFP_TRACE_F_CONN (1u << 5) /* an ALE connection entry decided */
#define XFP_TRACE_F_REAUTH (1u << 6) /* authorized again after a commit */

struct xfp_trace {
	__u64 generation;
	__u64 seq; /* incremented by every traced packet */
	__u64 tfilter; /* transport layer's deciding filter id */
	__u64 afilter; /* ALE layer's deciding filter id */
	__u32 tdec, adec; /* decision records used */
	__u8 verdict, reason, flags, kind;
	__u32 spi;
};

/* Read-only configuration of a loaded program (set before load). */
#define XFP_CFG_TRACE (1u << 0) /* fill xfp_trace */
#define XFP_CFG_NO_CACHE (1u << 1) /* bypass the flow cache */

#ifndef __bpf__
_Static_assert(sizeof(struct xfp_dp_rec) == 32, "xfp_dp_rec layout");
_Static_assert(sizeof(struct xfp_dp_header) == 32, "xfp_dp_header layout");
_Static_assert(sizeof(struct xfp_dp_roots) == 32, "xfp_dp_roots layout");
_Static_assert(sizeof(struct xfp_dp_info) == 32, "xfp_dp_info layout");
_Static_assert(sizeof(struct xfp_dp_node) == 32, "xfp_dp_node layout");
_Static_assert(sizeof(struct xfp_dp_decision) == 32, "xfp_dp_decision layout");
_Static_assert(sizeof(struct xfp_dp_spi) == 32, "xfp_dp_spi layout");
_Static_assert(sizeof(struct xfp_dp_slot) == 32, "xfp_dp_slot layout");
_Static_assert(sizeof(struct xfp_dp_box_a) == 32 &&
		       sizeof(struct xfp_dp_box_c) == 32 &&
		       sizeof(struct xfp_dp_box_d) == 32,
	       "box records");
_Static_assert(XFP_SUBLAYERS_MAX_ABI <= 255, "slpos fits a byte");
_Static_assert(XFP_DP_ROOTS <= 24, "roots fit records 1..3");
_Static_assert(sizeof(struct xfp_dp_key) == 136, "xfp_dp_key layout");
_Static_assert(sizeof(struct xfp_flow_key) == 44, "xfp_flow_key layout");
_Static_assert(sizeof(struct xfp_flow_val) == 8, "xfp_flow_val layout");
_Static_assert(sizeof(struct xfp_flow_slot) == 56, "xfp_flow_slot layout");
_Static_assert((XFP_FLOWS_DEFAULT & (XFP_FLOWS_DEFAULT - 1)) == 0 &&
		       (XFP_FLOWS_MIN & (XFP_FLOWS_MIN - 1)) == 0 &&
		       (XFP_FLOWS_LIMIT & (XFP_FLOWS_LIMIT - 1)) == 0 &&
		       XFP_FLOWS_MIN <= XFP_FLOWS_DEFAULT &&
		       XFP_FLOWS_DEFAULT <= XFP_FLOWS_LIMIT,
	       "flow cache sizes are powers of two");
_Static_assert(sizeof(struct xfp_conn_key) == 40, "xfp_conn_key layout");
_Static_assert(sizeof(struct xfp_conn_val) == 24, "xfp_conn_val layout");
_Static_assert(sizeof(struct xfp_trace) == 48, "xfp_trace layout");
_Static_assert(sizeof(struct xfp_counter) == 16, "xfp_counter layout");
_Static_assert(XFP_VERDICT__MAX <= XFP_STAT_DROP_BASE,
	       "verdict slots overlap drop slots");
_Static_assert(XFP_STAT_DROP_BASE + XFP_DROP__MAX <= XFP_STAT_SLOTS,
	       "too many drop reasons for the stats layout");
_Static_assert(XFP_DROP_NO_SA == 11 && XFP_DROP_NO_WORKER == 12,
	       "drop reasons are never renumbered");
_Static_assert(sizeof(struct xfp_handoff) == 24, "xfp_handoff layout");
_Static_assert(sizeof(struct xfp_handoff) % 4 == 0,
	       "XDP metadata must be a multiple of 4 bytes");
_Static_assert(sizeof(struct xfp_spi_key) == 8, "xfp_spi_key layout");
_Static_assert(sizeof(struct xfp_peer_key) == 20, "xfp_peer_key layout");
_Static_assert(sizeof(struct xfp_sa_ref) == 8, "xfp_sa_ref layout");
_Static_assert(sizeof(struct xfp_worker_cfg) == 16, "xfp_worker_cfg layout");
_Static_assert(sizeof(struct xfp_seq_key) == 24, "xfp_seq_key layout");
_Static_assert(sizeof(struct xfp_acquire_event) == 56,
	       "xfp_acquire_event layout");

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
