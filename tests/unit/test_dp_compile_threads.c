// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_compile_threads.c - the datapath compiler builds its trees on
 * several threads (dp_compile_threads()); the table must not depend on
 * how many: for seeded random policies (tests/bpf/dp_gen.h) of every
 * shape the differential tests use (overlapping, per-peer with hash
 * nodes, large overlapping ones that need buckets), the records of a
 * serial build and of builds with 2, 3 and 7 workers are identical byte
 * for byte (except the compile time stored in the info record), and a
 * refused policy is refused with the same message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/compile.h"
#include "tests/bpf/dp_gen.h"

static const struct dp_device dev = { .ifindex = GEN_DEV_INDEX,
				      .ifname = GEN_DEV_NAME };

static const unsigned workers[] = { 2, 3, 7 };

/* The records without the compile time (the only field that may vary). */
static void clear_build_time(struct dp_table *t)
{
	struct xfp_dp_info *in = (void *)&t->recs[4];

	in->build_us = 0;
	t->info.build_us = 0;
}

/* Compile one policy serially and in parallel; 0 when all are equal. */
static unsigned same_tables(uint64_t seed, unsigned nfilters, int peers,
			    unsigned *bucket_max)
{
	struct gen_rng r = { seed, peers };
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	struct dp_table ser, par;
	char err[256];
	unsigned bad = 0;

	gen_policy_text(&r, nfilters, &b);
	p = gen_load(b.s ? b.s : "", b.n);
	assert_non_null(p);
	assert_int_equal(dp_compile_threads(p, &dev, b.s, b.n, 9, 1, &ser, err,
					    sizeof(err)),
			 0);
	clear_build_time(&ser);
	if (bucket_max)
		*bucket_max = ser.bucket_max;
	for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		assert_int_equal(dp_compile_threads(p, &dev, b.s, b.n, 9,
						    workers[i], &par, err,
						    sizeof(err)),
				 0);
		clear_build_time(&par);
		if (par.n != ser.n || par.bucket_max != ser.bucket_max ||
		    par.n_buckets != ser.n_buckets ||
		    par.n_hash != ser.n_hash ||
		    memcmp(&par.info, &ser.info, sizeof(par.info)) ||
		    memcmp(par.recs, ser.recs,
			   (size_t)ser.n * sizeof(*ser.recs))) {
			uint32_t k = 0;

			while (k < ser.n && k < par.n &&
			       !memcmp(&par.recs[k], &ser.recs[k],
				       sizeof(ser.recs[k])))
				k++;
			print_message("seed %llu, %u filters, %u workers: "
				      "%u vs %u records, first difference "
				      "at record %u\n",
				      (unsigned long long)seed, nfilters,
				      workers[i], par.n, ser.n, k);
			bad++;
		}
		dp_table_free(&par);
	}
	dp_table_free(&ser);
	xfp_policy_free(p);
	free(b.s);
	return bad;
}

static void small_policies(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 12; s++)
		bad += same_tables(s * 7919, 1 + (unsigned)(s * 3 % 40), 0,
				   NULL);
	assert_int_equal(bad, 0);
}

static void medium_policies(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 3; s++)
		bad += same_tables(s * 104729, 150 + 50 * (unsigned)s, 0, NULL);
	for (uint64_t s = 1; s <= 3; s++)
		bad += same_tables(s * 6700417, 200 + 100 * (unsigned)s, 1,
				   NULL);
	assert_int_equal(bad, 0);
}

/* Mostly one filter per peer: hash nodes. */
static void per_peer_policies(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (uint64_t s = 1; s <= 3; s++)
		bad += same_tables(s * 15485863, 300 + 300 * (unsigned)s, 2,
				   NULL);
	assert_int_equal(bad, 0);
}

/* Heavily overlapping: the first builds exceed the node budget and the
 * compiler retries with buckets; the retries must agree too. */
static void bucket_policies(void **state)
{
	unsigned bad = 0, bmax = 0, with_buckets = 0;

	(void)state;
	for (uint64_t s = 1; s <= 2; s++) {
		bad += same_tables(s * 32452843, 1000 + 500 * (unsigned)s, 0,
				   &bmax);
		with_buckets += bmax != 0;
	}
	assert_int_equal(bad, 0);
	/* the seeds are meant to reach the bucket path */
	assert_true(with_buckets > 0);
}

/* A refused policy: the same error whatever the number of workers. */
static void refused_alike(void **state)
{
	struct gen_buf b = { 0 };
	struct xfp_policy *p;
	struct dp_table t;
	char err1[256], err2[256];

	(void)state;
	gen_printf(&b, "filter add ok layer outbound-transport action block "
		       "protocol udp\n");
	gen_printf(&b, "filter add big layer ale-auth-connect action permit "
		       "local-port { ");
	for (int i = 0; i < 300; i++)
		gen_printf(&b, "%s%d", i ? ", " : "", i * 3);
	gen_printf(&b, " } remote-port { ");
	for (int i = 0; i < 300; i++)
		gen_printf(&b, "%s%d", i ? ", " : "", i * 3);
	gen_printf(&b, " }\n");
	p = gen_load(b.s, b.n);
	assert_non_null(p);
	assert_int_not_equal(dp_compile_threads(p, &dev, NULL, 0, 1, 1, &t,
						err1, sizeof(err1)),
			     0);
	assert_null(t.recs);
	for (size_t i = 0; i < sizeof(workers) / sizeof(workers[0]); i++) {
		assert_int_not_equal(dp_compile_threads(p, &dev, NULL, 0, 1,
							workers[i], &t, err2,
							sizeof(err2)),
				     0);
		assert_null(t.recs);
		assert_string_equal(err1, err2);
	}
	assert_non_null(strstr(err1, "'big'"));
	xfp_policy_free(p);
	free(b.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_policies),
		cmocka_unit_test(medium_policies),
		cmocka_unit_test(per_peer_policies),
		cmocka_unit_test(bucket_policies),
		cmocka_unit_test(refused_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
