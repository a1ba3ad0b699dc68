/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * sadb.h - the SA database: lock-free lookups for worker threads, install
 * and delete from a control thread, lifetimes and idle timeouts.
 *
 * Concurrency scheme (RCU-style lists with quiescent-state-based
 * reclamation, QSBR):
 *
 *  - Two fixed-size hash tables of singly linked chains: inbound SAs by
 *    (SPI, protocol) with the destination compared in the chain, and all
 *    SAs by id (the outbound handle the policy refers to).
 *  - Writers (xfp_sadb_add/del/expire/reclaim) serialise on one mutex.
 *    Insertion fills the SA completely, then publishes it with a release
 *    store of the chain head; deletion unlinks with a release store.  The
 *    chains are never rewritten in any other way, so a reader walking a
 *    chain with acquire loads always sees a consistent list.
 *  - Unlinked SAs are not freed at once: each is tagged with the global
 *    epoch after the unlink, and freed (keys wiped) by xfp_sadb_reclaim()
 *    once every online reader has announced a later epoch.
 *  - Readers register once (xfp_sadb_reader_add) and call
 *    xfp_sadb_quiescent() between packet batches, i.e. at a point where
 *    they hold no SA pointer obtained from a lookup.  A pointer from a
 *    lookup is valid until that reader's next quiescent() or offline().
 *    A reader that sleeps for long calls xfp_sadb_reader_offline() so it
 *    does not hold reclamation up; quiescent() brings it back online.
 *
 * The lookup cost is one hash, a few pointer loads and compares; no
 * atomics read-modify-write and no shared cache line is written.
 *
 * Inbound lookup follows RFC 4303 section 2.1 in the form the datapath
 * needs: an SA bound to the packet's destination wins over one installed
 * with no destination (family 0), which matches any.
 */
#ifndef XFP_CRYPTO_SADB_H
#define XFP_CRYPTO_SADB_H

#include <stdint.h>

#include "crypto/sa.h"

#define XFP_SADB_COUNTERS(X)                    \
	X(IN_NO_SA, "InNoSa")                   \
	X(IN_HDR_ERROR, "InHdrError")           \
	X(IN_NATT_KEEPALIVE, "InNattKeepalive") \
	X(IN_NATT_IKE, "InNattIke")

enum xfp_sadb_counter {
#define XFP__C(e, s) XFP_SADB_##e,
	XFP_SADB_COUNTERS(XFP__C)
#undef XFP__C
		XFP_SADB_CTR__MAX
};

struct xfp_sadb_opts {
	uint32_t buckets; /* per table, rounded up to a power of 2;
			       * 0 = 1024 */
	uint32_t max_readers; /* 0 = 64 */
};

/* Lifetime events reported by xfp_sadb_expire(). */
enum xfp_sa_event {
	XFP_SA_EV_SOFT = 1 << 0, /* soft limit: time to rekey */
	XFP_SA_EV_HARD = 1 << 1, /* hard limit: the SA is deleted */
	XFP_SA_EV_IDLE = 1 << 2, /* idle timeout: the SA is deleted */
};

struct xfp_sadb;

typedef void (*xfp_sa_event_cb)(void *arg, const struct xfp_sa *sa,
				enum xfp_sa_event ev);

struct xfp_sadb *xfp_sadb_new(const struct xfp_sadb_opts *opts);
/* Free everything.  No reader may use the database any more. */
void xfp_sadb_free(struct xfp_sadb *db);

/*
 * Control thread.  add() creates the SA from @cfg and publishes it; the
 * install time is the database clock (xfp_sadb_expire's @now).  Returns 0,
 * -EEXIST (id, or inbound SPI/proto/destination, already present),
 * -EINVAL, -ENOTSUP or -ENOMEM.  del() returns 0 or -ENOENT.
 */
int xfp_sadb_add(struct xfp_sadb *db, const struct xfp_sa_config *cfg);
int xfp_sadb_del(struct xfp_sadb *db, uint32_t id);

/*
 * Control thread, periodically: set the database clock to @now (seconds,
 * any monotonic origin), report soft/hard/idle events through @cb (which
 * must not call back into the database), delete hard-expired and idle SAs,
 * and reclaim memory.  Returns the number of SAs deleted.  Soft lifetimes
 * in seconds and idle timeouts count on the database clock; hard lifetimes
 * in seconds on the packet clock (xfp_sa_expired() in sa.h), so the tick
 * deletes an SA exactly when its packets start to be refused.
 */
int xfp_sadb_expire(struct xfp_sadb *db, uint64_t now, xfp_sa_event_cb cb,
		    void *arg);

/* Free unlinked SAs whose grace period is over; returns how many. */
int xfp_sadb_reclaim(struct xfp_sadb *db);
/* SAs unlinked but not yet freed. */
unsigned xfp_sadb_pending(struct xfp_sadb *db);

/* Reader registration (a worker thread).  Returns a slot or -ENOSPC. */
int xfp_sadb_reader_add(struct xfp_sadb *db);
void xfp_sadb_reader_del(struct xfp_sadb *db, int slot);
void xfp_sadb_quiescent(struct xfp_sadb *db, int slot);
void xfp_sadb_reader_offline(struct xfp_sadb *db, int slot);

/*
 * Readers.  @dst points at 4 (AF_INET) or 16 (AF_INET6) address bytes.
 * Lookups return SAs in any state but DEAD; the packet functions refuse
 * expired ones and count it.
 */
struct xfp_sa *xfp_sadb_lookup_in(struct xfp_sadb *db, uint32_t spi,
				  uint8_t proto, uint8_t family,
				  const uint8_t *dst);
struct xfp_sa *xfp_sadb_lookup_id(struct xfp_sadb *db, uint32_t id);

/* Database-wide counters (packets that never reached an SA). */
uint64_t xfp_sadb_counter(const struct xfp_sadb *db, enum xfp_sadb_counter c);
void xfp_sadb_count(struct xfp_sadb *db, enum xfp_sadb_counter c);
const char *xfp_sadb_counter_name(enum xfp_sadb_counter c);

/* UDP destination port treated as NAT-T on input (default 4500). */
void xfp_sadb_set_natt_port(struct xfp_sadb *db, uint16_t port);
uint16_t xfp_sadb_natt_port(const struct xfp_sadb *db);

/*
 * Control thread: call @fn for every installed SA (under the writer lock,
 * so @fn must not call back into the database).  For listing SAs and
 * their counters.  Returns the number of SAs visited.
 */
unsigned xfp_sadb_foreach(struct xfp_sadb *db,
			  void (*fn)(void *arg, const struct xfp_sa *sa),
			  void *arg);

/* Number of SAs currently installed. */
unsigned xfp_sadb_count_sas(struct xfp_sadb *db);

#endif /* XFP_CRYPTO_SADB_H */
