// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sadb.c - SA database: RCU-style chains with QSBR reclamation (the
 * scheme is described in sadb.h), lifetimes and expiry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/sadb.h"

struct reader {
	uint64_t epoch; /* 0 = offline or unused */
	uint8_t used;
	uint8_t pad[64 - sizeof(uint64_t) - 1];
};

struct xfp_sadb {
	pthread_mutex_t lock; /* writers */
	uint32_t mask;
	struct xfp_sa **in_tab;
	struct xfp_sa **id_tab;
	uint64_t epoch; /* global epoch, starts at 1 */
	uint64_t clock; /* coarse seconds, set by expire() */
	struct xfp_sa *retired;
	unsigned nretired, nsas;
	uint16_t natt_port;
	uint32_t max_readers;
	struct reader *readers;
	uint64_t ctr[XFP_SADB_CTR__MAX];
};

static const char *const db_ctr_names[XFP_SADB_CTR__MAX] = {
#define XFP__C(e, s) [XFP_SADB_##e] = s,
	XFP_SADB_COUNTERS(XFP__C)
#undef XFP__C
};

static inline uint32_t hash_in(uint32_t spi, uint8_t proto)
{
	uint32_t h = (spi ^ (uint32_t)proto << 24) * 0x9e3779b1u;

	return h ^ (h >> 15);
}

static inline uint32_t hash_id(uint32_t id)
{
	uint32_t h = id * 0x85ebca6bu;

	return h ^ (h >> 13);
}

struct xfp_sadb *xfp_sadb_new(const struct xfp_sadb_opts *opts)
{
	uint32_t want = opts && opts->buckets ? opts->buckets : 1024, n = 1;
	uint32_t readers = opts && opts->max_readers ? opts->max_readers : 64;
	struct xfp_sadb *db;

	if (xfp_engine_init())
		return NULL;
	if (want > (1u << 24))
		want = 1u << 24;
	while (n < want)
		n <<= 1;
	db = calloc(1, sizeof(*db));
	if (!db)
		return NULL;
	db->mask = n - 1;
	db->in_tab = calloc(n, sizeof(*db->in_tab));
	db->id_tab = calloc(n, sizeof(*db->id_tab));
	db->readers = calloc(readers, sizeof(*db->readers));
	if (!db->in_tab || !db->id_tab || !db->readers) {
		free(db->in_tab);
		free(db->id_tab);
		free(db->readers);
		free(db);
		return NULL;
	}
	db->max_readers = readers;
	db->epoch = 1;
	db->natt_port = XFP_NATT_PORT;
	pthread_mutex_init(&db->lock, NULL);
	return db;
}

void xfp_sadb_free(struct xfp_sadb *db)
{
	if (!db)
		return;
	for (uint32_t b = 0; b <= db->mask; b++) {
		struct xfp_sa *sa = db->id_tab[b], *n;

		for (; sa; sa = n) {
			n = sa->id_next;
			xfp_sa_free(sa);
		}
	}
	while (db->retired) {
		struct xfp_sa *n = db->retired->retire_next;

		xfp_sa_free(db->retired);
		db->retired = n;
	}
	pthread_mutex_destroy(&db->lock);
	free(db->in_tab);
	free(db->id_tab);
	free(db->readers);
	free(db);
}

static size_t addr_len(uint8_t family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static bool same_dst(const struct xfp_sa *sa, uint8_t family,
		     const uint8_t *dst)
{
	return sa->dst.family == family &&
	       memcmp(sa->dst.a, dst, addr_len(family)) == 0;
}

static struct xfp_sa *find_id_locked(struct xfp_sadb *db, uint32_t id)
{
	struct xfp_sa *sa = db->id_tab[hash_id(id) & db->mask];

	for (; sa; sa = sa->id_next)
		if (sa->id == id)
			return sa;
	return NULL;
}

int xfp_sadb_add(struct xfp_sadb *db, const struct xfp_sa_config *cfg)
{
	struct xfp_sa *sa, **ih, **dh;
	int err;

	sa = xfp_sa_new(cfg, &err);
	if (!sa)
		return err;
	pthread_mutex_lock(&db->lock);
	if (find_id_locked(db, cfg->id)) {
		err = -EEXIST;
		goto out_free;
	}
	ih = &db->in_tab[hash_in(sa->spi, sa->proto) & db->mask];
	if (sa->dir == XFP_SA_IN) {
		for (struct xfp_sa *o = *ih; o; o = o->in_next) {
			if (o->spi == sa->spi && o->proto == sa->proto &&
			    same_dst(o, sa->dst.family, sa->dst.a)) {
				err = -EEXIST;
				goto out_free;
			}
		}
	}
	sa->clock = &db->clock;
	sa->add_time = db->clock;
	sa->last_used = db->clock;
	/* Publish: the SA is complete before a reader can reach it. */
	dh = &db->id_tab[hash_id(sa->id) & db->mask];
	sa->id_next = *dh;
	__atomic_store_n(dh, sa, __ATOMIC_RELEASE);
	if (sa->dir == XFP_SA_IN) {
		sa->in_next = *ih;
		__atomic_store_n(ih, sa, __ATOMIC_RELEASE);
	}
	db->nsas++;
	pthread_mutex_unlock(&db->lock);
	return 0;
out_free:
	pthread_mutex_unlock(&db->lock);
	xfp_sa_free(sa);
	return err;
}

/* Unlink @sa from both tables and queue it for reclamation. */
static void unlink_locked(struct xfp_sadb *db, struct xfp_sa *sa)
{
	struct xfp_sa **pp;

	pp = &db->id_tab[hash_id(sa->id) & db->mask];
	for (; *pp; pp = &(*pp)->id_next) {
		if (*pp == sa) {
			__atomic_store_n(pp, sa->id_next, __ATOMIC_RELEASE);
			break;
		}
	}
	if (sa->dir == XFP_SA_IN) {
		pp = &db->in_tab[hash_in(sa->spi, sa->proto) & db->mask];
		for (; *pp; pp = &(*pp)->in_next) {
			if (*pp == sa) {
				__atomic_store_n(pp, sa->in_next,
						 __ATOMIC_RELEASE);
				break;
			}
		}
	}
	xfp_sa_set_state(sa, XFP_SA_DEAD);
	/* Readers that announce this epoch or later have let go of it. */
	sa->retire_epoch = __atomic_add_fetch(&db->epoch, 1, __ATOMIC_SEQ_CST);
	sa->retire_next = db->retired;
	db->retired = sa;
	db->nretired++;
	db->nsas--;
}

static int reclaim_locked(struct xfp_sadb *db)
{
	uint64_t min = UINT64_MAX;
	struct xfp_sa **pp = &db->retired;
	int freed = 0;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (uint32_t i = 0; i < db->max_readers; i++) {
		uint64_t e = __atomic_load_n(&db->readers[i].epoch,
					     __ATOMIC_ACQUIRE);

		if (e && e < min)
			min = e;
	}
	while (*pp) {
		struct xfp_sa *sa = *pp;

		if (sa->retire_epoch <= min) {
			*pp = sa->retire_next;
			xfp_sa_free(sa);
			db->nretired--;
			freed++;
		} else {
			pp = &sa->retire_next;
		}
	}
	return freed;
}

int xfp_sadb_del(struct xfp_sadb *db, uint32_t id)
{
	struct xfp_sa *sa;

	pthread_mutex_lock(&db->lock);
	sa = find_id_locked(db, id);
	if (!sa) {
		pthread_mutex_unlock(&db->lock);
		return -ENOENT;
	}
	unlink_locked(db, sa);
	reclaim_locked(db);
	pthread_mutex_unlock(&db->lock);
	return 0;
}

int xfp_sadb_reclaim(struct xfp_sadb *db)
{
	int n;

	pthread_mutex_lock(&db->lock);
	n = reclaim_locked(db);
	pthread_mutex_unlock(&db->lock);
	return n;
}

unsigned xfp_sadb_pending(struct xfp_sadb *db)
{
	unsigned n;

	pthread_mutex_lock(&db->lock);
	n = db->nretired;
	pthread_mutex_unlock(&db->lock);
	return n;
}

unsigned xfp_sadb_foreach(struct xfp_sadb *db,
			  void (*fn)(void *arg, const struct xfp_sa *sa),
			  void *arg)
{
	unsigned n = 0;

	pthread_mutex_lock(&db->lock);
	for (uint32_t b = 0; b <= db->mask; b++)
		for (struct xfp_sa *sa = db->id_tab[b]; sa; sa = sa->id_next) {
			fn(arg, sa);
			n++;
		}
	pthread_mutex_unlock(&db->lock);
	return n;
}

unsigned xfp_sadb_count_sas(struct xfp_sadb *db)
{
	unsigned n;

	pthread_mutex_lock(&db->lock);
	n = db->nsas;
	pthread_mutex_unlock(&db->lock);
	return n;
}

static bool over(uint64_t limit, uint64_t value)
{
	return limit && value >= limit;
}

int xfp_sadb_expire(struct xfp_sadb *db, uint64_t now, xfp_sa_event_cb cb,
		    void *arg)
{
	int deleted = 0;

	pthread_mutex_lock(&db->lock);
	__atomic_store_n(&db->clock, now, __ATOMIC_RELAXED);
	for (uint32_t b = 0; b <= db->mask; b++) {
		struct xfp_sa *sa = db->id_tab[b], *next;

		for (; sa; sa = next) {
			uint64_t used = __atomic_load_n(&sa->last_used,
							__ATOMIC_RELAXED);
			uint64_t age = now > sa->add_time ? now - sa->add_time :
							    0;
			uint64_t idle = now > used ? now - used : 0;
			enum xfp_sa_event ev = 0;

			next = sa->id_next;
			/* Hard seconds on the packet clock, as the packet
			 * path sees them (the database clock could end an SA
			 * up to a second early: add_time is the previous
			 * tick's); soft seconds and idle on this one. */
			if (!xfp_sa_expired(sa) && over(sa->soft.seconds, age))
				xfp_sa_set_state(sa, XFP_SA_SOFT);
			if (xfp_sa_state(sa) >= XFP_SA_SOFT &&
			    !(sa->events & XFP_SA_EV_SOFT))
				ev = XFP_SA_EV_SOFT;
			if (xfp_sa_state(sa) >= XFP_SA_EXPIRED)
				ev |= XFP_SA_EV_HARD;
			else if (over(sa->idle_seconds, idle))
				ev |= XFP_SA_EV_IDLE;
			if (!ev)
				continue;
			sa->events |= ev;
			if (cb)
				for (unsigned bit = 1; bit <= XFP_SA_EV_IDLE;
				     bit <<= 1)
					if (ev & bit)
						cb(arg, sa, bit);
			if (ev & (XFP_SA_EV_HARD | XFP_SA_EV_IDLE)) {
				unlink_locked(db, sa);
				deleted++;
			}
		}
	}
	reclaim_locked(db);
	pthread_mutex_unlock(&db->lock);
	return deleted;
}

int xfp_sadb_reader_add(struct xfp_sadb *db)
{
	int slot = -ENOSPC;

	pthread_mutex_lock(&db->lock);
	for (uint32_t i = 0; i < db->max_readers; i++) {
		if (!db->readers[i].used) {
			db->readers[i].used = 1;
			slot = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&db->lock);
	if (slot >= 0)
		xfp_sadb_quiescent(db, slot);
	return slot;
}

void xfp_sadb_reader_del(struct xfp_sadb *db, int slot)
{
	xfp_sadb_reader_offline(db, slot);
	pthread_mutex_lock(&db->lock);
	db->readers[slot].used = 0;
	pthread_mutex_unlock(&db->lock);
}

void xfp_sadb_quiescent(struct xfp_sadb *db, int slot)
{
	uint64_t e = __atomic_load_n(&db->epoch, __ATOMIC_ACQUIRE);

	/* Everything this thread read before is done with; the fence keeps
	 * the next lookups after the announcement. */
	__atomic_store_n(&db->readers[slot].epoch, e, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void xfp_sadb_reader_offline(struct xfp_sadb *db, int slot)
{
	__atomic_store_n(&db->readers[slot].epoch, 0, __ATOMIC_RELEASE);
}

struct xfp_sa *xfp_sadb_lookup_in(struct xfp_sadb *db, uint32_t spi,
				  uint8_t proto, uint8_t family,
				  const uint8_t *dst)
{
	struct xfp_sa *sa, *any = NULL;

	sa = __atomic_load_n(&db->in_tab[hash_in(spi, proto) & db->mask],
			     __ATOMIC_ACQUIRE);
	for (; sa; sa = __atomic_load_n(&sa->in_next, __ATOMIC_ACQUIRE)) {
		if (sa->spi != spi || sa->proto != proto)
			continue;
		if (sa->dst.family == 0)
			any = sa;
		else if (dst && same_dst(sa, family, dst))
			return sa;
	}
	return any;
}

struct xfp_sa *xfp_sadb_lookup_id(struct xfp_sadb *db, uint32_t id)
{
	struct xfp_sa *sa;

	sa = __atomic_load_n(&db->id_tab[hash_id(id) & db->mask],
			     __ATOMIC_ACQUIRE);
	for (; sa; sa = __atomic_load_n(&sa->id_next, __ATOMIC_ACQUIRE))
		if (sa->id == id)
			return sa;
	return NULL;
}

uint64_t xfp_sadb_counter(const struct xfp_sadb *db, enum xfp_sadb_counter c)
{
	return __atomic_load_n(&db->ctr[c], __ATOMIC_RELAXED);
}

void xfp_sadb_count(struct xfp_sadb *db, enum xfp_sadb_counter c)
{
	__atomic_fetch_add(&db->ctr[c], 1, __ATOMIC_RELAXED);
}

const char *xfp_sadb_counter_name(enum xfp_sadb_counter c)
{
	if ((unsigned)c >= XFP_SADB_CTR__MAX)
		return "unknown";
	return db_ctr_names[c];
}

void xfp_sadb_set_natt_port(struct xfp_sadb *db, uint16_t port)
{
	__atomic_store_n(&db->natt_port, port, __ATOMIC_RELAXED);
}

uint16_t xfp_sadb_natt_port(const struct xfp_sadb *db)
{
	return __atomic_load_n(&db->natt_port, __ATOMIC_RELAXED);
}
