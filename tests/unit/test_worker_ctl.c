// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_worker_ctl.c - the worker's control protocol (crypto/worker_ctl.h):
 * requests that must parse into exactly this SA configuration, requests
 * that must be refused with a message naming the bad key, framing, and
 * the SA description that must never contain key material.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "crypto/sadb.h"
#include "crypto/worker_ctl.h"

#define KEY36 \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"

static int parse(const char *s, struct xfp_ctl_req *r)
{
	return xfp_ctl_parse(s, strlen(s), r);
}

static void add_full(void **state)
{
	struct xfp_ctl_req r;
	const char *req = "add_sa=1\nid=7\nspi=0x1001\ndir=out\nproto=esp\n"
			  "mode=transport\nalg=aes256gcm16\nengine=sodium\n"
			  "key=" KEY36 "\nsrc=198.18.0.1\ndst=2001:db8::2\n"
			  "natt=1\nnatt_sport=4501\nnatt_dport=4502\n"
			  "replay_window=2048\nesn=1\nsoft_bytes=100\n"
			  "hard_packets=5\nidle_seconds=30\n"
			  "seq=0x100000005\n\n";
	int i;

	(void)state;
	assert_int_equal(parse(req, &r), 0);
	assert_int_equal(r.op, XFP_CTL_ADD_SA);
	assert_int_equal(r.sa.id, 7);
	assert_int_equal(r.sa.spi, 0x1001);
	assert_int_equal(r.sa.dir, XFP_SA_OUT);
	assert_int_equal(r.sa.proto, XFP_IPSEC_ESP);
	assert_int_equal(r.sa.mode, XFP_MODE_TRANSPORT);
	assert_int_equal(r.sa.alg, XFP_ALG_AES256GCM16);
	assert_int_equal(r.sa.engine, XFP_ENGINE_SODIUM);
	assert_int_equal(r.sa.key_len, 36);
	for (i = 0; i < 36; i++)
		assert_int_equal(r.sa.key[i], i);
	assert_int_equal(r.sa.src.family, AF_INET);
	assert_int_equal(r.sa.src.a[0], 198);
	assert_int_equal(r.sa.dst.family, AF_INET6);
	assert_int_equal(r.sa.dst.a[0], 0x20);
	assert_int_equal(r.sa.dst.a[15], 2);
	assert_true(r.sa.natt);
	assert_int_equal(r.sa.natt_sport, 4501);
	assert_int_equal(r.sa.natt_dport, 4502);
	assert_int_equal(r.sa.replay_window, 2048);
	assert_true(r.sa.esn);
	assert_int_equal(r.sa.soft.bytes, 100);
	assert_int_equal(r.sa.hard.packets, 5);
	assert_int_equal(r.sa.idle_seconds, 30);
	assert_true(r.sa.seq_start == 0x100000005ull);
	xfp_ctl_req_wipe(&r);
	for (i = 0; i < (int)sizeof(r.sa.key); i++)
		assert_int_equal(r.sa.key[i], 0);
}

static void add_defaults(void **state)
{
	struct xfp_ctl_req r;

	(void)state;
	/* proto follows the algorithm when not given. */
	assert_int_equal(
		parse("add_sa=1\nspi=300\ndir=in\nalg=sha256\nkey="
		      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n\n",
		      &r),
		0);
	assert_int_equal(r.sa.proto, XFP_IPSEC_AH);
	assert_int_equal(r.sa.dir, XFP_SA_IN);
	assert_int_equal(r.sa.id, 0);
	xfp_ctl_req_wipe(&r);
}

static const struct {
	const char *req, *msg;
} bad_reqs[] = {
	{ "", "empty request" },
	{ "\n", "empty request" },
	{ "hello\n\n", "expected key=value" },
	{ "set=1\n\n", "unknown operation 'set'" },
	{ "get=2\n\n", "expected get=1" },
	{ "get=1\nspi=300\n\n", "get takes no arguments" },
	{ "add_sa=1\nspi=300\nspi=301\n\n", "duplicate key 'spi'" },
	{ "add_sa=1\nbogus=1\n\n", "unknown key 'bogus'" },
	{ "add_sa=1\nspi=255\n\n", "spi=255" },
	{ "add_sa=1\nspi=0x100000000\n\n", "spi=0x100000000" },
	{ "add_sa=1\nspi=-5\n\n", "spi=-5" },
	{ "add_sa=1\nspi=12ab\n\n", "spi=12ab" },
	{ "add_sa=1\nid=0\n\n", "id=0" },
	{ "add_sa=1\ndir=sideways\n\n", "dir=sideways" },
	{ "add_sa=1\nalg=rot13\n\n", "alg=rot13" },
	{ "add_sa=1\nengine=gpu\n\n", "engine=gpu" },
	{ "add_sa=1\nkey=abc\n\n", "key: expected hex" },
	{ "add_sa=1\nkey=zz\n\n", "key: expected hex" },
	{ "add_sa=1\ndst=198.18.0.300\n\n", "dst=198.18.0.300" },
	{ "add_sa=1\nnatt=2\n\n", "natt=2" },
	{ "add_sa=1\nnatt_dport=70000\n\n", "natt_dport=70000" },
	{ "add_sa=1\nhard_bytes=lots\n\n", "hard_bytes=lots" },
	{ "add_sa=1\nspi=300\ndir=in\nalg=sha256\n\n", "missing 'key'" },
	{ "add_sa=1\nspi=300\ndir=in\nkey=00\n\n", "missing 'alg'" },
	{ "add_sa=1\nspi=300\ndir=in\nproto=esp\nalg=sha256\nkey=00\n\n",
	  "alg=sha256 is not an ESP algorithm" },
	{ "del_sa=1\nspi=300\n\n", "expected id=N, or spi=S and dir=" },
	{ "add_sa=1\nseq=-1\n\n", "seq=-1: expected a number" },
	{ "add_sa=1\nseq=lots\n\n", "seq=lots: expected a number" },
	{ "add_sa=1\nseq=0x10000000000000000\n\n",
	  "seq=0x10000000000000000: expected a number" },
	{ "add_sa=1\nseq=1\nseq=2\n\n", "duplicate key 'seq'" },
	{ "add_sa=1\nspi=300\ndir=in\nalg=sha256\nseq=5\nkey=00\n\n",
	  "seq=5: only an outbound SA (dir=out)" },
	{ "add_sa=1\nspi=300\ndir=out\nalg=sha256\nseq=4294967296\nkey=00\n\n",
	  "seq=4294967296: beyond 4294967295 needs esn=1" },
};

static void refused(void **state)
{
	struct xfp_ctl_req r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_reqs) / sizeof(bad_reqs[0]); i++) {
		int e = parse(bad_reqs[i].req, &r);

		if (e != -EINVAL || !strstr(r.err, bad_reqs[i].msg))
			fail_msg(
				"request %zu: got %d '%s', expected EINVAL '%s'",
				i, e, r.err, bad_reqs[i].msg);
		xfp_ctl_req_wipe(&r);
	}
}

/* The keys of the datapath's binding: protection context and filters;
 * the policy flush takes no argument. */
static void ctx_filters_flush(void **state)
{
	struct xfp_ctl_req r;

	(void)state;
	assert_int_equal(
		parse("add_sa=1\nspi=4096\ndir=out\nalg=aes256gcm16\n"
		      "dst=198.18.0.2\nctx=5\nfilter=12,7,9\nkey=" KEY36 "\n\n",
		      &r),
		0);
	assert_int_equal(r.sa.ctx, 5);
	assert_int_equal(r.sa.n_filters, 3);
	assert_int_equal(r.sa.filters[0], 12);
	assert_int_equal(r.sa.filters[1], 7);
	assert_int_equal(r.sa.filters[2], 9);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=4096\ndir=out\nalg=aes256gcm16\n"
			       "filter=1,,2\nkey=" KEY36 "\n\n",
			       &r),
			 -EINVAL);
	assert_non_null(strstr(r.err, "filter="));
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=4096\ndir=out\nalg=aes256gcm16\n"
			       "filter=1,2,3,4,5,6,7,8,9\nkey=" KEY36 "\n\n",
			       &r),
			 -EINVAL);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=4096\ndir=out\nalg=aes256gcm16\n"
			       "ctx=300\nkey=" KEY36 "\n\n",
			       &r),
			 -EINVAL);
	assert_non_null(strstr(r.err, "ctx=300"));
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("flush_policy_sas=1\n\n", &r), 0);
	assert_int_equal(r.op, XFP_CTL_FLUSH_POLICY);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("flush_policy_sas=1\nspi=4096\n\n", &r),
			 -EINVAL);
	assert_non_null(strstr(r.err, "takes no arguments"));
	xfp_ctl_req_wipe(&r);
}

static void long_line(void **state)
{
	char req[1200];
	struct xfp_ctl_req r;

	(void)state;
	memset(req, 'a', sizeof(req));
	memcpy(req, "add_sa=1\nkey=", 13);
	req[sizeof(req) - 2] = '\n';
	req[sizeof(req) - 1] = '\n';
	assert_int_equal(xfp_ctl_parse(req, sizeof(req), &r), -EINVAL);
	assert_non_null(strstr(r.err, "longer than"));
	xfp_ctl_req_wipe(&r);
}

static void framing(void **state)
{
	(void)state;
	assert_int_equal(xfp_ctl_complete("get=1\n", 6), 0);
	assert_int_equal(xfp_ctl_complete("get=1\n\n", 7), 7);
	assert_int_equal(xfp_ctl_complete("get=1\n\nrest", 11), 7);
	assert_int_equal(xfp_ctl_complete("\n", 1), 1);
	assert_int_equal(xfp_ctl_complete("", 0), 0);
}

static void hex(void **state)
{
	uint8_t out[4];

	(void)state;
	assert_int_equal(xfp_hex_decode("0aFf 10\n2b", 10, out, sizeof(out)),
			 4);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[3], 0x2b);
	assert_int_equal(xfp_hex_decode("001122334455", 12, out, sizeof(out)),
			 -EINVAL); /* too long */
	assert_int_equal(xfp_hex_decode("0g", 2, out, sizeof(out)), -EINVAL);
}

/*
 * seq: the outbound SA's starting point (the last sequence number taken as
 * used), up to 2^32 - 1 without ESN and 2^64 - 1 with it; it reaches the
 * SA: `get` reports it, and the next packet would be the last one.
 */
static void seq_start(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_ctl_req r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(db);
	assert_int_equal(parse("add_sa=1\nid=4\nspi=0x4343\ndir=out\n"
			       "alg=aes256gcm16\ndst=198.18.0.9\n"
			       "seq=4294967294\nkey=" KEY36 "\n\n",
			       &r),
			 0);
	assert_true(r.sa.seq_start == 4294967294ull);
	assert_false(r.sa.esn);
	assert_int_equal(xfp_sadb_add(db, &r.sa), 0);
	xfp_ctl_req_wipe(&r);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	xfp_ctl_write_sa(f, xfp_sadb_lookup_id(db, 4));
	fclose(f);
	assert_non_null(strstr(buf, "\nseq=4294967294\n"));
	free(buf);
	xfp_sadb_free(db);

	/* Bounds: 2^32 - 1 without ESN, 2^64 - 1 with; 0 is the default. */
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=out\nalg=sha256\n"
			       "seq=0xffffffff\nkey=00\n\n",
			       &r),
			 0);
	assert_true(r.sa.seq_start == 0xffffffffull);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=out\nalg=sha256\n"
			       "esn=1\nseq=18446744073709551615\nkey=00\n\n",
			       &r),
			 0);
	assert_true(r.sa.seq_start == UINT64_MAX);
	xfp_ctl_req_wipe(&r);
	assert_int_equal(parse("add_sa=1\nspi=300\ndir=out\nalg=sha256\n"
			       "seq=0\nkey=00\n\n",
			       &r),
			 0);
	assert_true(r.sa.seq_start == 0);
	xfp_ctl_req_wipe(&r);
}

/* The description of an installed SA names everything but the key. */
static void show_hides_key(void **state)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct xfp_ctl_req r;
	char *buf = NULL, keyhex[80];
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(db);
	assert_int_equal(
		parse("add_sa=1\nid=3\nspi=0x4242\ndir=in\nalg=aes256gcm16\n"
		      "dst=198.18.0.9\nkey=" KEY36 "\n\n",
		      &r),
		0);
	assert_int_equal(xfp_sadb_add(db, &r.sa), 0);
	xfp_ctl_req_wipe(&r);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	xfp_ctl_write_sa(f, xfp_sadb_lookup_id(db, 3));
	fclose(f);
	assert_non_null(strstr(buf, "sa=3\n"));
	assert_non_null(strstr(buf, "spi=0x00004242\n"));
	assert_non_null(strstr(buf, "dir=in\n"));
	assert_non_null(strstr(buf, "dst=198.18.0.9\n"));
	assert_non_null(strstr(buf, "key=<hidden>\n"));
	assert_non_null(strstr(buf, "InReplayDup=0\n"));
	assert_non_null(strstr(buf, "replay_window=1024\n"));
	/* Neither the hex text nor any 8-byte run of the raw key. */
	for (i = 0; i < 36; i++)
		snprintf(keyhex + 2 * i, 3, "%02x", i);
	assert_null(strstr(buf, "0001020304050607"));
	for (i = 0; i + 8 <= 36; i++) {
		uint8_t run[8];
		int k;

		for (k = 0; k < 8; k++)
			run[k] = (uint8_t)(i + k);
		assert_null(memmem(buf, len, run, sizeof(run)));
	}
	free(buf);
	xfp_sadb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_full),
		cmocka_unit_test(add_defaults),
		cmocka_unit_test(seq_start),
		cmocka_unit_test(refused),
		cmocka_unit_test(ctx_filters_flush),
		cmocka_unit_test(long_line),
		cmocka_unit_test(framing),
		cmocka_unit_test(hex),
		cmocka_unit_test(show_hides_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
