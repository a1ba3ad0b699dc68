// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_sadb.c - the SA database: install/lookup/delete, the RFC 4303
 * lookup order, QSBR reclamation, soft/hard/idle lifetimes reported through
 * xfp_sadb_expire(), a hard lifetime in seconds refusing packets on the
 * packet path (an injected packet clock), and reader threads looking SAs up while the control
 * thread installs and deletes them (run under ASan, a use-after-free in the
 * scheme would abort the test).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/ipsec.h"
#include "crypto/sadb.h"
#include "tests/unit/data/crypto/testutil.h"

static void in_cfg(struct xfp_sa_config *c, uint32_t id, uint32_t spi,
		   const char *dst)
{
	tu_cfg(c, XFP_ALG_AES256GCM16, XFP_SA_IN, XFP_MODE_TUNNEL, spi);
	c->id = id;
	if (dst)
		tu_addr4(&c->dst, dst);
	else
		memset(&c->dst, 0, sizeof(c->dst));
}

static void sum_ids(void *arg, const struct xfp_sa *sa)
{
	*(uint32_t *)arg += sa->id;
}

static void test_add_lookup_del(void **state)
{
	struct xfp_sadb *db =
		xfp_sadb_new(&(struct xfp_sadb_opts){ .buckets = 4 });
	struct xfp_sa_config c;
	uint8_t d2[4], d3[4];
	struct xfp_sa *sa;

	(void)state;
	assert_non_null(db);
	inet_pton(AF_INET, "198.18.0.2", d2);
	inet_pton(AF_INET, "198.18.0.3", d3);
	in_cfg(&c, 1, 0x1111, "198.18.0.2");
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	assert_int_equal(xfp_sadb_add(db, &c), -EEXIST); /* same id */
	c.id = 2;
	assert_int_equal(xfp_sadb_add(db, &c), -EEXIST); /* same SPI/dst */
	in_cfg(&c, 2, 0x1111, "198.18.0.3");
	assert_int_equal(xfp_sadb_add(db, &c), 0); /* other destination */
	in_cfg(&c, 3, 0x1111, NULL);
	assert_int_equal(xfp_sadb_add(db, &c), 0); /* any destination */
	tu_cfg(&c, XFP_ALG_AH_SHA1, XFP_SA_IN, XFP_MODE_TRANSPORT, 0x1111);
	c.id = 4;
	assert_int_equal(xfp_sadb_add(db, &c), 0); /* other protocol */
	tu_cfg(&c, XFP_ALG_AES128GCM16, XFP_SA_OUT, XFP_MODE_TUNNEL, 0x2222);
	c.id = 5;
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	c.key_len = 3;
	c.id = 6;
	assert_int_equal(xfp_sadb_add(db, &c), -EINVAL);
	assert_int_equal(xfp_sadb_count_sas(db), 5);
	{
		uint32_t sum = 0;

		assert_int_equal(xfp_sadb_foreach(db, sum_ids, &sum), 5);
		assert_int_equal(sum, 1 + 2 + 3 + 4 + 5);
	}

	sa = xfp_sadb_lookup_in(db, 0x1111, XFP_IPSEC_ESP, AF_INET, d2);
	assert_non_null(sa);
	assert_int_equal(sa->id, 1);
	sa = xfp_sadb_lookup_in(db, 0x1111, XFP_IPSEC_ESP, AF_INET, d3);
	assert_int_equal(sa->id, 2);
	inet_pton(AF_INET, "198.18.0.9", d3);
	sa = xfp_sadb_lookup_in(db, 0x1111, XFP_IPSEC_ESP, AF_INET, d3);
	assert_int_equal(sa->id, 3); /* wildcard */
	sa = xfp_sadb_lookup_in(db, 0x1111, XFP_IPSEC_AH, AF_INET, d2);
	assert_int_equal(sa->id, 4);
	assert_null(xfp_sadb_lookup_in(db, 0x1112, XFP_IPSEC_ESP, AF_INET, d2));
	/* Outbound SAs are found by id only. */
	assert_null(xfp_sadb_lookup_in(db, 0x2222, XFP_IPSEC_ESP, AF_INET, d2));
	sa = xfp_sadb_lookup_id(db, 5);
	assert_non_null(sa);
	assert_int_equal(sa->spi, 0x2222);
	assert_null(xfp_sadb_lookup_id(db, 77));

	assert_int_equal(xfp_sadb_del(db, 3), 0);
	assert_int_equal(xfp_sadb_del(db, 3), -ENOENT);
	assert_null(xfp_sadb_lookup_in(db, 0x1111, XFP_IPSEC_ESP, AF_INET, d3));
	assert_null(xfp_sadb_lookup_id(db, 3));
	assert_int_equal(xfp_sadb_count_sas(db), 4);
	/* No readers: freed right away. */
	assert_int_equal(xfp_sadb_pending(db), 0);
	xfp_sadb_free(db);
}

static void test_qsbr(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct xfp_sa *sa;
	uint8_t d[4];
	int r1, r2;

	(void)state;
	inet_pton(AF_INET, "198.18.0.2", d);
	r1 = xfp_sadb_reader_add(db);
	r2 = xfp_sadb_reader_add(db);
	assert_true(r1 >= 0 && r2 >= 0 && r1 != r2);
	in_cfg(&c, 10, 0x5000, "198.18.0.2");
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	sa = xfp_sadb_lookup_in(db, 0x5000, XFP_IPSEC_ESP, AF_INET, d);
	assert_non_null(sa);
	assert_int_equal(xfp_sadb_del(db, 10), 0);
	/* Both readers may still hold it. */
	assert_int_equal(xfp_sadb_pending(db), 1);
	assert_int_equal(xfp_sa_state(sa), XFP_SA_DEAD);
	assert_int_equal(sa->spi, 0x5000); /* still valid memory */
	xfp_sadb_quiescent(db, r1);
	assert_int_equal(xfp_sadb_reclaim(db), 0);
	xfp_sadb_reader_offline(db, r2);
	assert_int_equal(xfp_sadb_reclaim(db), 1);
	assert_int_equal(xfp_sadb_pending(db), 0);
	/* Offline readers do not hold anything back. */
	in_cfg(&c, 11, 0x5001, "198.18.0.2");
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	xfp_sadb_quiescent(db, r1);
	assert_int_equal(xfp_sadb_del(db, 11), 0);
	assert_int_equal(xfp_sadb_pending(db), 1);
	xfp_sadb_quiescent(db, r1);
	assert_int_equal(xfp_sadb_reclaim(db), 1);
	xfp_sadb_reader_del(db, r1);
	xfp_sadb_reader_del(db, r2);
	/* Reader slots are limited and reusable. */
	{
		struct xfp_sadb *small = xfp_sadb_new(
			&(struct xfp_sadb_opts){ .max_readers = 1 });
		int a = xfp_sadb_reader_add(small);

		assert_int_equal(a, 0);
		assert_int_equal(xfp_sadb_reader_add(small), -ENOSPC);
		xfp_sadb_reader_del(small, a);
		assert_int_equal(xfp_sadb_reader_add(small), 0);
		xfp_sadb_free(small);
	}
	xfp_sadb_free(db);
}

struct events {
	unsigned soft, hard, idle;
	uint32_t last_id;
};

static void on_event(void *arg, const struct xfp_sa *sa, enum xfp_sa_event ev)
{
	struct events *e = arg;

	e->last_id = sa->id;
	if (ev == XFP_SA_EV_SOFT)
		e->soft++;
	else if (ev == XFP_SA_EV_HARD)
		e->hard++;
	else if (ev == XFP_SA_EV_IDLE)
		e->idle++;
}

/* The packet clock, moved by hand (xfp_clock_set_source). */
static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/* The database tick at @sec seconds, the packet clock moved along. */
static int tick(struct xfp_sadb *db, uint64_t sec, struct events *ev)
{
	fake_ns = sec * 1000000000ull;
	return xfp_sadb_expire(db, sec, on_event, ev);
}

static int real_clock(void **state)
{
	(void)state;
	xfp_clock_batch_end();
	xfp_clock_set_source(NULL);
	return 0;
}

static void test_lifetimes(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct events ev = { 0 };
	struct xfp_sa *sa, *out;
	uint8_t p[200];
	struct tu_frame f;
	size_t l;

	(void)state;
	xfp_clock_set_source(fake_clock);
	assert_int_equal(tick(db, 1000, &ev), 0);
	/* Time: soft at 60 s, hard at 100 s. */
	in_cfg(&c, 20, 0x6000, "198.18.0.2");
	c.soft.seconds = 60;
	c.hard.seconds = 100;
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	assert_int_equal(tick(db, 1059, &ev), 0);
	assert_int_equal(ev.soft, 0);
	assert_int_equal(tick(db, 1060, &ev), 0);
	assert_int_equal(ev.soft, 1);
	assert_int_equal(xfp_sa_state(xfp_sadb_lookup_id(db, 20)), XFP_SA_SOFT);
	assert_int_equal(tick(db, 1070, &ev), 0);
	assert_int_equal(ev.soft, 1); /* reported once */
	assert_int_equal(tick(db, 1099, &ev), 0);
	assert_int_equal(tick(db, 1100, &ev), 1);
	assert_int_equal(ev.hard, 1);
	assert_int_equal(ev.last_id, 20);
	assert_null(xfp_sadb_lookup_id(db, 20));

	/* Idle: 30 s without traffic. */
	tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT, XFP_MODE_TUNNEL,
	       0x6001);
	c.id = 21;
	out = tu_sa(&c);
	c.dir = XFP_SA_IN;
	c.idle_seconds = 30;
	c.hard.bytes = 300;
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	sa = xfp_sadb_lookup_id(db, 21);
	l = tu_udp_packet(p, false, "198.18.1.1", "198.18.2.2", 80, 0);
	assert_int_equal(tick(db, 1120, &ev), 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(sa, &f.pkt), 0); /* used at 1120 */
	assert_int_equal(sa->last_used, 1120);
	assert_int_equal(tick(db, 1149, &ev), 0);
	assert_int_equal(ev.idle, 0);
	/* Bytes: the third packet crosses 300 and expires the SA. */
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(sa, &f.pkt), 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(sa, &f.pkt), 0);
	assert_int_equal(xfp_sa_state(sa), XFP_SA_EXPIRED);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	assert_int_equal(xfp_esp_decap(sa, &f.pkt), -XFP_E_EXPIRED);
	assert_int_equal(xfp_sa_counter(sa, XFP_SA_IN_SA_EXPIRED), 1);
	assert_int_equal(tick(db, 1150, &ev), 1);
	assert_int_equal(ev.hard, 2);
	xfp_sa_free(out);

	/* An idle SA goes away. */
	in_cfg(&c, 22, 0x6002, "198.18.0.2");
	c.idle_seconds = 30;
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	assert_int_equal(tick(db, 1179, &ev), 0);
	assert_int_equal(tick(db, 1180, &ev), 1);
	assert_int_equal(ev.idle, 1);
	assert_int_equal(xfp_sadb_count_sas(db), 0);
	xfp_sadb_free(db);
	xfp_clock_set_source(NULL);
}

/*
 * A hard lifetime in seconds is enforced on the packet path, not only by
 * the tick: with the packet clock at an SA's hard time, the next packet is
 * refused (outbound and inbound, ESP and AH, through the entry points the
 * worker calls) although no xfp_sadb_expire() has run since; one
 * nanosecond before, packets still go through.  The tick then deletes the
 * SAs, also when its own clock says they are young, and also an SA no
 * packet has seen since its hard time.
 */
static void test_hard_seconds_packet_path(void **state)
{
	static const enum xfp_alg algs[] = { XFP_ALG_AES256GCM16,
					     XFP_ALG_AH_SHA256 };
	const uint64_t t0 = 5000000000000ull, hard = 30;
	const uint64_t t_hard = t0 + hard * 1000000000ull;

	(void)state;
	xfp_clock_set_source(fake_clock);
	for (size_t a = 0; a < 2; a++) {
		struct xfp_sadb *db = xfp_sadb_new(NULL);
		struct events ev = { 0 };
		struct xfp_sa_config c;
		struct xfp_sa *out, *in, *got;
		uint8_t p[200], late[400];
		size_t l, ll;
		struct tu_frame f;

		fake_ns = t0;
		assert_int_equal(xfp_sadb_expire(db, 5000, on_event, &ev), 0);
		tu_cfg(&c, algs[a], XFP_SA_OUT, XFP_MODE_TUNNEL, 0x7000);
		c.id = 30;
		c.hard.seconds = hard;
		assert_int_equal(xfp_sadb_add(db, &c), 0);
		c.dir = XFP_SA_IN;
		c.id = 31;
		assert_int_equal(xfp_sadb_add(db, &c), 0);
		out = xfp_sadb_lookup_id(db, 30);
		in = xfp_sadb_lookup_id(db, 31);
		l = tu_udp_packet(p, false, "198.18.1.1", "198.18.2.2", 60, 0);

		/* One nanosecond before the hard time: both ways work. */
		fake_ns = t_hard - 1;
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ipsec_output(out, &f.pkt), 0);
		assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), 0);
		assert_ptr_equal(got, in);
		/* A packet protected now, received at the hard time. */
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ipsec_output(out, &f.pkt), 0);
		ll = f.pkt.len;
		memcpy(late, f.pkt.data, ll);

		fake_ns = t_hard;
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ipsec_output(out, &f.pkt), -XFP_E_EXPIRED);
		assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_SA_EXPIRED), 1);
		assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_PACKETS), 2);
		tu_frame_set(&f, late, ll);
		assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got),
				 -XFP_E_EXPIRED);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_SA_EXPIRED), 1);
		assert_int_equal(xfp_sa_counter(in, XFP_SA_IN_PACKETS), 1);
		assert_int_equal(xfp_sa_state(out), XFP_SA_EXPIRED);
		assert_int_equal(xfp_sa_state(in), XFP_SA_EXPIRED);
		/* Later packets too; nothing else moved. */
		fake_ns = t_hard + 1000000000ull;
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_ipsec_output(out, &f.pkt), -XFP_E_EXPIRED);
		assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_SA_EXPIRED), 2);
		assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_PACKETS), 2);

		/* Still installed until the tick, which deletes both: its
		 * clock (5001 s) says one second old. */
		assert_int_equal(xfp_sadb_count_sas(db), 2);
		assert_int_equal(xfp_sadb_expire(db, 5001, on_event, &ev), 2);
		assert_int_equal(ev.hard, 2);
		assert_null(xfp_sadb_lookup_id(db, 30));

		/* No packet since its hard time: the tick reads the packet
		 * clock itself. */
		c.id = 32;
		c.spi = 0x7001;
		fake_ns = t0;
		assert_int_equal(xfp_sadb_add(db, &c), 0);
		fake_ns = t_hard - 1;
		assert_int_equal(xfp_sadb_expire(db, 5002, on_event, &ev), 0);
		fake_ns = t_hard;
		assert_int_equal(xfp_sadb_expire(db, 5002, on_event, &ev), 1);
		assert_int_equal(ev.hard, 3);
		assert_int_equal(xfp_sadb_count_sas(db), 0);
		xfp_sadb_free(db);
	}
	xfp_clock_set_source(NULL);
}

/*
 * In a batch (the worker's rx batch) the packet clock is read once, at its
 * start: a batch begun before the hard time finishes on the SA, the next
 * one is refused.  Outside a batch every packet reads the clock.
 */
static void test_hard_seconds_batch(void **state)
{
	const uint64_t t_hard = 7000000000000ull + 5 * 1000000000ull;
	struct xfp_sa_config c;
	struct xfp_sa *out;
	uint8_t p[200];
	struct tu_frame f;
	size_t l;

	(void)state;
	xfp_clock_set_source(fake_clock);
	fake_ns = t_hard - 5 * 1000000000ull;
	tu_cfg(&c, XFP_ALG_CHACHA20POLY1305, XFP_SA_OUT, XFP_MODE_TUNNEL,
	       0x7100);
	c.hard.seconds = 5;
	out = tu_sa(&c);
	assert_int_equal(out->hard_time, t_hard);
	l = tu_udp_packet(p, true, "2001:db8:1::1", "2001:db8:2::2", 60, 0);

	fake_ns = t_hard - 1;
	xfp_clock_batch_begin();
	fake_ns = t_hard;
	for (int i = 0; i < 3; i++) {
		tu_frame_set(&f, p, l);
		assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	}
	xfp_clock_batch_end();
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_EXPIRED);
	/* A batch begun at the hard time refuses from its first packet. */
	xfp_clock_batch_begin();
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), -XFP_E_EXPIRED);
	xfp_clock_batch_end();
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_PACKETS), 3);
	assert_int_equal(xfp_sa_counter(out, XFP_SA_OUT_SA_EXPIRED), 2);
	xfp_sa_free(out);
	xfp_clock_set_source(NULL);
}

/* ------------------------------------------------------------ threads */

struct stress {
	struct xfp_sadb *db;
	volatile int stop;
	unsigned long found[2];
};

struct reader_arg {
	struct stress *s;
	int idx;
};

static void *reader(void *argp)
{
	struct reader_arg *a = argp;
	struct xfp_sadb *db = a->s->db;
	int slot = xfp_sadb_reader_add(db);
	uint8_t d[4];
	unsigned long found = 0;

	inet_pton(AF_INET, "198.18.0.2", d);
	if (slot < 0)
		return (void *)1;
	while (!__atomic_load_n(&a->s->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t spi = 0x7000; spi < 0x7010; spi++) {
			struct xfp_sa *sa = xfp_sadb_lookup_in(
				db, spi, XFP_IPSEC_ESP, AF_INET, d);

			/* Touch the SA the way the datapath would. */
			if (sa) {
				if (sa->spi != spi || sa->alg == NULL)
					return (void *)2;
				found += sa->cipher.alg->key_len == 36;
				(void)xfp_sa_counter(sa, XFP_SA_IN_PACKETS);
			}
			sa = xfp_sadb_lookup_id(db, spi);
			if (sa && sa->id != spi)
				return (void *)3;
		}
		xfp_sadb_quiescent(db, slot);
	}
	xfp_sadb_reader_del(db, slot);
	a->s->found[a->idx] = found;
	return NULL;
}

static void test_concurrent_readers(void **state)
{
	struct stress s = { .db = xfp_sadb_new(
				    &(struct xfp_sadb_opts){ .buckets = 8 }) };
	struct reader_arg args[2] = { { &s, 0 }, { &s, 1 } };
	pthread_t t[2];
	void *r;
	unsigned adds = 0;

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, &args[i]),
				 0);
	for (unsigned round = 0; round < 3000; round++) {
		struct xfp_sa_config c;
		uint32_t spi = 0x7000 + round % 16;

		in_cfg(&c, spi, spi, "198.18.0.2");
		if (xfp_sadb_add(&*s.db, &c) == 0)
			adds++;
		else
			assert_int_equal(xfp_sadb_del(s.db, spi), 0);
		xfp_sadb_reclaim(s.db);
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &r);
		assert_null(r);
	}
	assert_true(adds > 1000);
	assert_true(s.found[0] + s.found[1] > 0);
	/* Readers are gone: everything can be reclaimed now. */
	xfp_sadb_reclaim(s.db);
	assert_int_equal(xfp_sadb_pending(s.db), 0);
	xfp_sadb_free(s.db);
}

static void test_input_demux(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_sa_config c;
	struct xfp_sa *out, *got;
	uint8_t p[200];
	struct tu_frame f;
	size_t l;

	(void)state;
	tu_cfg(&c, XFP_ALG_AES128GMAC, XFP_SA_OUT, XFP_MODE_TRANSPORT, 0x8000);
	out = tu_sa(&c);
	l = tu_udp_packet(p, false, "198.18.0.1", "198.18.0.2", 20, 0);
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	/* No SA yet. */
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_NOSA);
	assert_int_equal(xfp_sadb_counter(db, XFP_SADB_IN_NO_SA), 1);
	/* SA bound to another destination. */
	c.dir = XFP_SA_IN;
	c.id = 0x8001;
	tu_addr4(&c.dst, "198.18.0.99");
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_NOSA);
	c.id = 0x8002;
	tu_addr4(&c.dst, "198.18.0.2");
	assert_int_equal(xfp_sadb_add(db, &c), 0);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), 0);
	assert_int_equal(got->id, 0x8002);
	assert_memory_equal(f.pkt.data, p, l);
	/* A fragment of an ESP packet is for the worker to reassemble. */
	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_esp_encap(out, &f.pkt), 0);
	f.pkt.data[6] = 0x20;
	xfp_ipv4_set_csum(f.pkt.data);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_FRAGMENT);
	f.pkt.data[6] = 0;
	xfp_ipv4_set_csum(f.pkt.data);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), 0);
	/* Plain traffic is not IPsec. */
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_PROTO);
	/* Garbage. */
	memset(p, 0x45, 8);
	tu_frame_set(&f, p, 8);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &got), -XFP_E_TRUNC);
	assert_int_equal(xfp_sadb_counter(db, XFP_SADB_IN_HDR_ERROR), 1);
	xfp_sadb_set_natt_port(db, 4600);
	assert_int_equal(xfp_sadb_natt_port(db), 4600);
	xfp_sa_free(out);
	xfp_sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_del),
		cmocka_unit_test(test_qsbr),
		cmocka_unit_test_teardown(test_lifetimes, real_clock),
		cmocka_unit_test_teardown(test_hard_seconds_packet_path,
					  real_clock),
		cmocka_unit_test_teardown(test_hard_seconds_batch, real_clock),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_input_demux),
	};

	return cmocka_run_group_tests_name("sadb", tests, NULL, NULL);
}
