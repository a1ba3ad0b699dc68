/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sa.h - one security association: configuration, runtime state, per-SA
 * counters, lifetimes and the inbound selector check.
 *
 * An SA is created from a `struct xfp_sa_config` (the key goes straight
 * into the engine context; the caller wipes its config), lives in the SA
 * database (sadb.h) or stand-alone (tests, fuzzers, benchmarks), and is
 * processed by esp.c / ah.c.
 *
 * Threads: any thread may look an SA up and read its counters.  Packet
 * processing on one SA (sequence numbers, replay window, cipher contexts)
 * belongs to ONE worker thread at a time: the first thread that processes a
 * packet on the SA claims it, and a packet from any other thread is refused
 * with -XFP_E_HANDOFF (the worker should steer by SPI so this never
 * happens; the check makes a mis-steer visible instead of corrupting the
 * window).  xfp_sa_unclaim() hands an SA over.
 */
#ifndef XFP_CRYPTO_SA_H
#define XFP_CRYPTO_SA_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto/alg.h"
#include "crypto/engine.h"
#include "crypto/replay.h"

/*
 * Result codes of the packet functions, returned negated (-XFP_E_ICV).
 * X(name, number, text)
 */
#define XFP_ERRORS(X)                                                 \
	X(OK, 0, "ok")                                                \
	X(TRUNC, 1, "truncated or malformed packet")                  \
	X(NOSA, 2, "no SA")                                           \
	X(REPLAY_DUP, 3, "replayed sequence number")                  \
	X(REPLAY_WINDOW, 4, "sequence number left of the window")     \
	X(ICV, 5, "ICV does not verify")                              \
	X(PAD, 6, "bad ESP padding")                                  \
	X(NEXTHDR, 7, "unexpected next header")                       \
	X(SELECTOR, 8, "inner packet does not match the SA selector") \
	X(EXPIRED, 9, "SA expired")                                   \
	X(SEQ_OVERFLOW, 10, "sequence number space exhausted")        \
	X(NOROOM, 11, "not enough head- or tailroom")                 \
	X(HANDOFF, 12, "SA is owned by another thread")               \
	X(DUMMY, 13, "dummy packet (next header 59)")                 \
	X(FRAGMENT, 14, "outer packet is a fragment")                 \
	X(IKE, 15, "IKE packet on the NAT-T port (non-ESP marker)")   \
	X(KEEPALIVE, 16, "NAT-T keepalive")                           \
	X(PROTO, 17, "packet is for another IPsec protocol or mode")  \
	X(INTERNAL, 18, "crypto library error")

enum xfp_err {
#define XFP__ERR(e, n, s) XFP_E_##e = n,
	XFP_ERRORS(XFP__ERR)
#undef XFP__ERR
		XFP_E__MAX
};

const char *xfp_strerror(int err); /* accepts err or -err */

/*
 * Per-SA counters, named like the kernel's xfrm statistics.
 * X(name, string)
 */
#define XFP_SA_COUNTERS(X)                            \
	X(IN_PACKETS, "InPackets")                    \
	X(IN_BYTES, "InBytes")                        \
	X(OUT_PACKETS, "OutPackets")                  \
	X(OUT_BYTES, "OutBytes")                      \
	X(IN_HDR_ERROR, "InHdrError")                 \
	X(IN_REPLAY_DUP, "InReplayDup")               \
	X(IN_REPLAY_WINDOW, "InReplayWindow")         \
	X(IN_ICV_FAIL, "InIcvFail")                   \
	X(IN_BAD_PAD, "InBadPad")                     \
	X(IN_PROTO_ERROR, "InProtoError")             \
	X(IN_SELECTOR_MISMATCH, "InSelectorMismatch") \
	X(IN_SA_EXPIRED, "InSaExpired")               \
	X(IN_DUMMY, "InDummy")                        \
	X(IN_HANDOFF, "InHandoff")                    \
	X(IN_INTERNAL_ERROR, "InInternalError")       \
	X(OUT_SEQ_OVERFLOW, "OutSeqOverflow")         \
	X(OUT_SA_EXPIRED, "OutSaExpired")             \
	X(OUT_NO_ROOM, "OutNoRoom")                   \
	X(OUT_HDR_ERROR, "OutHdrError")               \
	X(OUT_HANDOFF, "OutHandoff")                  \
	X(OUT_INTERNAL_ERROR, "OutInternalError")

enum xfp_sa_counter {
#define XFP__C(e, s) XFP_SA_##e,
	XFP_SA_COUNTERS(XFP__C)
#undef XFP__C
		XFP_SA_CTR__MAX
};

const char *xfp_sa_counter_name(enum xfp_sa_counter c);

enum xfp_sa_dir { XFP_SA_IN = 0, XFP_SA_OUT = 1 };
enum xfp_sa_mode { XFP_MODE_TRANSPORT = 0, XFP_MODE_TUNNEL = 1 };

/* An address of either family; IPv4 in the first 4 bytes of a[]. */
struct xfp_addr {
	uint8_t family; /* AF_INET, AF_INET6, or 0 = unset */
	uint8_t a[16];
};

/*
 * The traffic an SA carries, checked on the decapsulated packet.  A zero
 * prefix length matches any address; ports are inclusive ranges in host
 * order, and for ICMP/ICMPv6 sport is the type and dport the code (as
 * xfrm does).  proto 0 is any protocol.  family 0 is either family.
 */
struct xfp_selector {
	uint8_t family;
	uint8_t proto;
	uint8_t src_plen, dst_plen;
	uint8_t src[16], dst[16];
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
};

/* Lifetime limits; 0 means no limit. */
struct xfp_lifetime {
	uint64_t seconds; /* since install (hard: since xfp_sa_new, see
			   * xfp_sa_expired) */
	uint64_t bytes; /* bytes of the IP packets protected */
	uint64_t packets;
};

#define XFP_NATT_PORT 4500

#define XFP_SA_FILTERS_MAX 8

struct xfp_sa_config {
	uint32_t id; /* unique, nonzero; the outbound handle */
	uint32_t spi; /* host order; 0 is refused (RFC 4303 2.1) */
	uint8_t proto; /* XFP_IPSEC_ESP or XFP_IPSEC_AH */
	uint8_t dir; /* enum xfp_sa_dir */
	uint8_t mode; /* enum xfp_sa_mode */
	enum xfp_alg alg;
	enum xfp_engine_id engine; /* DEFAULT, SODIUM or OPENSSL */
	uint8_t key[XFP_ALG_MAX_KEY_LEN]; /* salt at the end for AEAD */
	uint8_t key_len;
	bool esn;
	bool no_replay; /* inbound: disable anti-replay */
	uint32_t replay_window; /* 0 = XFP_REPLAY_DEFAULT */
	/* Tunnel endpoints (tunnel mode, and NAT-T), and for inbound SAs the
	 * destination used in the lookup (family 0: match any). */
	struct xfp_addr src, dst;
	/* UDP encapsulation (RFC 3948).  Ports as they appear in this SA's
	 * packets: outbound, the source and destination written; inbound,
	 * natt_dport is the local port checked on arrival (the source port
	 * is not checked: a NAT may change it). */
	bool natt;
	uint16_t natt_sport; /* 0 = 4500 */
	uint16_t natt_dport; /* 0 = 4500 */
	uint8_t tunnel_ttl; /* outer TTL / hop limit, 0 = 64 */
	bool clear_df; /* tunnel, IPv4 outer: DF 0 (else copied, ip.h) */
	struct xfp_selector sel; /* inbound check of the inner packet */
	struct xfp_lifetime soft, hard;
	uint64_t idle_seconds; /* 0 = no idle timeout */
	uint64_t seq_start; /* first outbound packet gets seq_start + 1 */
	uint32_t ctx; /* protection context (bpf/xfp_abi.h XFP_CTX_*), 0 = generic */
	/* outbound: the policy filters whose secure decision uses this SA */
	uint64_t filters[XFP_SA_FILTERS_MAX];
	unsigned n_filters;
};

enum xfp_sa_state {
	XFP_SA_LIVE = 0,
	XFP_SA_SOFT = 1, /* soft limit reached: rekey, still usable */
	XFP_SA_EXPIRED = 2, /* hard limit reached: refuses packets */
	XFP_SA_DEAD = 3, /* deleted from the database */
};

struct xfp_sa {
	/* Set at creation, read-only afterwards. */
	uint32_t id, spi;
	uint32_t ctx; /* protection context, never 0 (generic filled in) */
	uint8_t proto, dir, mode, esn;
	uint8_t replay_on, natt, tunnel_ttl, clear_df;
	uint16_t natt_sport, natt_dport;
	const struct xfp_alg_info *alg;
	struct xfp_cipher cipher;
	struct xfp_addr src, dst;
	struct xfp_selector sel;
	struct xfp_lifetime soft, hard;
	uint64_t idle_seconds;
	uint64_t add_time;
	uint64_t hard_time; /* packet clock (ns) of the hard seconds limit,
			     * 0 = none */
	uint64_t iv_mask; /* random; IV = seq XOR iv_mask */
	uint16_t hdr_len; /* ESP/AH header bytes incl. IV / ICV */
	const uint64_t *clock; /* coarse seconds, maintained by the db */

	/* Written by the owning worker (relaxed atomics). */
	uint32_t owner;
	uint32_t state; /* enum xfp_sa_state */
	uint64_t oseq; /* last outbound sequence number used */
	uint64_t last_used; /* clock value at the last packet */
	uint16_t ip_id; /* tunnel-mode outer IPv4 ID */
	uint64_t ctr[XFP_SA_CTR__MAX];

	/* Owned by the database. */
	struct xfp_sa *in_next, *id_next, *retire_next;
	uint64_t retire_epoch;
	uint64_t own_clock;
	uint32_t events; /* XFP_SA_EV_* already reported */

	struct xfp_replay replay; /* must be last: variable size */
};

/*
 * Create an SA from @cfg (validated: lengths, SPI range, mode/family
 * combinations).  Returns NULL with *@err = -errno.  The caller should
 * wipe its copy of the key (the library wipes everything it holds).
 */
struct xfp_sa *xfp_sa_new(const struct xfp_sa_config *cfg, int *err);

/* The protection context an SA of @cfg gets: cfg->ctx, or the generic one
 * of its algorithm (XFP_CTX_ENCRYPTED when it encrypts, else
 * XFP_CTX_SECURED; 0 when the algorithm is unknown). */
uint32_t xfp_sa_config_ctx(const struct xfp_sa_config *cfg);
/* Wipe the keys and free.  Stand-alone SAs only; the db frees its own. */
void xfp_sa_free(struct xfp_sa *sa);

/* Claim @sa for the calling thread; false if another thread owns it. */
bool xfp_sa_claim(struct xfp_sa *sa);
void xfp_sa_unclaim(struct xfp_sa *sa);

/* Read one counter (any thread). */
static inline uint64_t xfp_sa_counter(const struct xfp_sa *sa,
				      enum xfp_sa_counter c)
{
	return __atomic_load_n(&sa->ctr[c], __ATOMIC_RELAXED);
}

/* Bump a counter from the owning thread (single writer). */
static inline void xfp_sa_count(struct xfp_sa *sa, enum xfp_sa_counter c,
				uint64_t n)
{
	__atomic_store_n(&sa->ctr[c],
			 __atomic_load_n(&sa->ctr[c], __ATOMIC_RELAXED) + n,
			 __ATOMIC_RELAXED);
}

static inline enum xfp_sa_state xfp_sa_state(const struct xfp_sa *sa)
{
	return __atomic_load_n(&sa->state, __ATOMIC_ACQUIRE);
}

/* Raise the state (never lowers it). */
void xfp_sa_set_state(struct xfp_sa *sa, enum xfp_sa_state st);

/*
 * The packet clock: CLOCK_MONOTONIC in nanoseconds.  A hard lifetime in
 * seconds counts on it from the SA's creation in xfp_sa_new() (for an SA
 * of the database that is just before it is published, so never later
 * than its install).  Tests replace the source with
 * xfp_clock_set_source(); NULL restores CLOCK_MONOTONIC.
 */
uint64_t xfp_clock_ns(void);
void xfp_clock_set_source(uint64_t (*now_ns)(void));

/*
 * A thread that processes packets in batches reads the packet clock once
 * at the start of each (begin) and its packet functions use that reading
 * until end; outside a batch they read the clock for each packet.  A
 * batch that begins before an SA's hard time may finish on it: the bound
 * is the batch's duration.
 */
void xfp_clock_batch_begin(void);
void xfp_clock_batch_end(void);
uint64_t xfp_clock_packet_ns(void); /* the batch's reading, or the clock */

/*
 * Has @sa reached a hard limit?  Its state says so, or the packet clock is
 * at or past its hard time, which expires it here.  Every packet function
 * asks this before it touches the packet (the clock is only read for an
 * SA with a hard seconds limit): no packet is protected or accepted on an
 * SA whose hard time the packet clock has reached.
 */
static inline bool xfp_sa_expired(struct xfp_sa *sa)
{
	if (xfp_sa_state(sa) >= XFP_SA_EXPIRED)
		return true;
	if (sa->hard_time && xfp_clock_packet_ns() >= sa->hard_time) {
		xfp_sa_set_state(sa, XFP_SA_EXPIRED);
		return true;
	}
	return false;
}

/*
 * Packet-path lifetime accounting after a packet of @bytes went through:
 * counts it, moves the SA to SOFT/EXPIRED when a byte or packet limit is
 * crossed and stamps last_used.
 */
void xfp_sa_account(struct xfp_sa *sa, size_t bytes);

/*
 * Does the IP packet at @pkt (@len bytes, starting at its IP header) fall
 * under @sel?  Used on the inner packet after decapsulation.
 */
bool xfp_selector_match(const struct xfp_selector *sel, const uint8_t *pkt,
			size_t len);

/* Copy of a counter set, for printing: name/value pairs in enum order. */
void xfp_sa_counters_read(const struct xfp_sa *sa,
			  uint64_t out[XFP_SA_CTR__MAX]);

#endif /* XFP_CRYPTO_SA_H */
