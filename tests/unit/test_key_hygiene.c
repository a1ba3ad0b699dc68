// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_key_hygiene.c - where SA keys live in memory, and that they are
 * gone once the SA is.
 *
 *   - The SA (which holds the AEAD salt) and the libsodium engine state
 *     (expanded keys) sit on pages marked MADV_DONTDUMP ("dd" in
 *     /proc/self/smaps) and, when the process may lock memory, mlock'ed
 *     ("lo").
 *   - Every byte of the process's writable memory is searched for the key
 *     (read through /proc/self/mem, so ASan's poisoned and freed memory is
 *     searched too): it is found while the SA is installed (the search
 *     works), and nowhere once the SA was deleted and reclaimed, removed by
 *     hard expiry, or freed stand-alone - for every ESP/AH algorithm on
 *     every engine that supports it, after the SA has processed packets.
 *   - A failed xfp_sa_new (key of the wrong length) leaves no copy either.
 * The needle is kept XOR-masked so the test does not find its own copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "crypto/ipsec.h"
#include "tests/unit/data/crypto/testutil.h"

#define MASK 0x5a
#define SCAN_CHUNK (1u << 20)
#define SCAN_MAX_REGION (512ul << 20) /* skip ASan's shadow reservations */

static uint8_t *scan_buf; /* mmap'ed, excluded from the scan */
static unsigned long n_scans, n_bytes_scanned;

/* The keys searched for, XOR-masked. */
struct needle {
	uint8_t masked[XFP_ALG_MAX_KEY_LEN];
	size_t len;
	bool found;
};

/*
 * Search every writable mapping for every needle at once (a table from
 * first byte to the needles starting with it keeps it one pass).
 */
static void scan(struct needle *nd, int n)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDONLY);
	uint64_t first[256] = { 0 };
	char line[512];

	assert_true(n <= 64);
	assert_non_null(maps);
	assert_true(mem >= 0);
	for (int k = 0; k < n; k++) {
		nd[k].found = false;
		first[nd[k].masked[0] ^ MASK] |= 1ull << k;
	}
	n_scans++;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		if (perms[0] != 'r' || perms[1] != 'w')
			continue;
		if (hi - lo > SCAN_MAX_REGION || strstr(line, "[vvar]"))
			continue;
		if (lo == (unsigned long)scan_buf)
			continue;
		for (unsigned long a = lo; a < hi;) {
			size_t len = hi - a > SCAN_CHUNK ? SCAN_CHUNK : hi - a;
			ssize_t got = pread(mem, scan_buf, len, (off_t)a);

			if (got <= 0)
				break; /* not backed / not readable */
			n_bytes_scanned += (unsigned long)got;
			for (ssize_t i = 0; i < got; i++) {
				uint64_t m = first[scan_buf[i]];

				while (m) {
					int k = __builtin_ctzll(m);
					size_t j;

					m &= m - 1;
					if (i + (ssize_t)nd[k].len > got)
						continue;
					for (j = 1; j < nd[k].len; j++)
						if (scan_buf[i + j] !=
						    (uint8_t)(nd[k].masked[j] ^
							      MASK))
							break;
					if (j == nd[k].len)
						nd[k].found = true;
				}
			}
			/* keys straddling chunks: overlap by a key length */
			if ((size_t)got <= XFP_ALG_MAX_KEY_LEN)
				break;
			a += (size_t)got - XFP_ALG_MAX_KEY_LEN;
			if ((size_t)got < len)
				break;
		}
	}
	sodium_memzero(scan_buf, SCAN_CHUNK);
	close(mem);
	fclose(maps);
}

/* VmFlags of the mapping holding @p. */
static bool vm_flags(const void *p, char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, ok = false;
	unsigned long a = (unsigned long)p;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, cap, "%s", line + 8);
			ok = true;
			break;
		}
	}
	fclose(f);
	return ok;
}

/*
 * ASan turns mlock() into a no-op (its interceptor does nothing), so a
 * sanitized build can only check MADV_DONTDUMP; the plain build of this
 * file checks the lock too.
 */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static bool may_lock(void)
{
	struct rlimit rl;

	if (UNDER_ASAN)
		return false;
	return geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
				  rl.rlim_cur == RLIM_INFINITY);
}

static void assert_key_pages(const void *p, const char *what)
{
	char flags[512];

	if (!vm_flags(p, flags, sizeof(flags)))
		fail_msg("%s: no mapping found for %p", what, p);
	if (!strstr(flags, " dd"))
		fail_msg("%s: page not MADV_DONTDUMP (VmFlags:%s)", what,
			 flags);
	if (may_lock() && !strstr(flags, " lo"))
		fail_msg("%s: page not locked (VmFlags:%s)", what, flags);
}

struct combo {
	enum xfp_alg alg;
	enum xfp_engine_id eng;
};

static const enum xfp_alg ALGS[] = {
	XFP_ALG_AES128GCM16, XFP_ALG_AES256GCM16, XFP_ALG_CHACHA20POLY1305,
	XFP_ALG_AES128GMAC,  XFP_ALG_AES256GMAC,  XFP_ALG_NULL_SHA256,
	XFP_ALG_AH_SHA1,     XFP_ALG_AH_SHA256,	  XFP_ALG_AH_SHA512,
};
#define N_ALGS (sizeof(ALGS) / sizeof(ALGS[0]))
static const enum xfp_engine_id ENGS[] = { XFP_ENGINE_SODIUM,
					   XFP_ENGINE_OPENSSL };

/* A config with a fresh random key; the key is also returned masked. */
static void cfg_random(struct xfp_sa_config *c, enum xfp_alg alg,
		       enum xfp_engine_id eng, uint8_t dir, uint32_t spi,
		       uint8_t *masked)
{
	tu_cfg(c, alg, dir, XFP_MODE_TUNNEL, spi);
	c->engine = eng;
	randombytes_buf(masked, c->key_len);
	for (unsigned i = 0; i < c->key_len; i++)
		c->key[i] = masked[i] ^ MASK;
}

enum how { BY_DEL, BY_EXPIRY, STANDALONE };

static unsigned n_combos;

static const char *eng_name(enum xfp_engine_id e)
{
	return e == XFP_ENGINE_SODIUM ? "sodium" : "openssl";
}

/* The packet clock, on which hard lifetimes in seconds count. */
static uint64_t fake_ns;

static uint64_t fake_clock(void)
{
	return fake_ns;
}

/*
 * Install an SA for every algorithm on every engine that has it, run
 * traffic through each, find every key in memory, remove them all (@how),
 * and find none.
 */
static void run_all(enum how how)
{
	struct xfp_sadb *db = xfp_sadb_new(NULL);
	struct needle nd[N_ALGS * 2];
	struct {
		const struct xfp_alg_info *ai;
		enum xfp_engine_id eng;
		struct xfp_sa *in;
		bool visible;
	} sa[N_ALGS * 2];
	int n = 0;

	assert_non_null(db);
	fake_ns = 0;
	xfp_clock_set_source(fake_clock);
	for (size_t a = 0; a < N_ALGS; a++) {
		for (size_t e = 0; e < 2; e++) {
			const struct xfp_alg_info *ai = xfp_alg_info(ALGS[a]);
			uint32_t id = 0x100 + (uint32_t)n;
			struct xfp_sa_config c;
			struct xfp_sa *out, *in;
			uint8_t inner[200];
			struct tu_frame f;
			int err;

			cfg_random(&c, ALGS[a], ENGS[e], XFP_SA_OUT,
				   0x4000 + id, nd[n].masked);
			nd[n].len = ai->key_len - ai->salt_len;
			out = xfp_sa_new(&c, &err);
			if (!out) {
				/* this engine lacks this algorithm here */
				assert_int_equal(err, -ENOTSUP);
				xfp_wipe(&c, sizeof(c));
				continue;
			}
			c.dir = XFP_SA_IN;
			c.id = id;
			c.hard.seconds = 100;
			if (how == STANDALONE) {
				in = xfp_sa_new(&c, &err);
				assert_non_null(in);
			} else {
				assert_int_equal(xfp_sadb_add(db, &c), 0);
				in = xfp_sadb_lookup_id(db, id);
			}
			xfp_wipe(&c, sizeof(c));
			assert_key_pages(in, "SA");
			if (ENGS[e] == XFP_ENGINE_SODIUM)
				assert_key_pages(in->cipher.priv,
						 "sodium engine state");
			/* Traffic, so the key schedule has been used. */
			for (unsigned k = 0; k < 3; k++) {
				size_t il = tu_udp_packet(inner, false,
							  "198.18.1.1",
							  "198.18.1.2", 64, k);
				struct xfp_sa *got;

				tu_frame_set(&f, inner, il);
				assert_int_equal(xfp_ipsec_output(out, &f.pkt),
						 0);
				if (how == STANDALONE)
					assert_int_equal(
						ai->proto == XFP_IPSEC_ESP ?
							xfp_esp_decap(in,
								      &f.pkt) :
							xfp_ah_decap(in,
								     &f.pkt),
						0);
				else
					assert_int_equal(xfp_ipsec_input(db,
									 &f.pkt,
									 &got),
							 0);
				assert_memory_equal(f.pkt.data, inner, il);
			}
			xfp_sa_free(out);
			sa[n].ai = ai;
			sa[n].eng = ENGS[e];
			sa[n].in = in;
			/* libsodium's HMAC state holds only the hashed pads */
			sa[n].visible =
				!(ENGS[e] == XFP_ENGINE_SODIUM && !ai->aead);
			n++;
		}
	}
	n_combos += (unsigned)n;
	scan(nd, n);
	for (int k = 0; k < n; k++)
		if (sa[k].visible && !nd[k].found)
			fail_msg("%s/%s: key not found while the SA is "
				 "installed: the search is broken",
				 sa[k].ai->name, eng_name(sa[k].eng));
	switch (how) {
	case BY_DEL:
		for (int k = 0; k < n; k++)
			assert_int_equal(xfp_sadb_del(db, 0x100 + (uint32_t)k),
					 0);
		xfp_sadb_reclaim(db);
		break;
	case BY_EXPIRY:
		fake_ns = 1000 * 1000000000ull; /* past the 100 s */
		assert_int_equal(xfp_sadb_expire(db, 1000, NULL, NULL), n);
		xfp_sadb_reclaim(db);
		break;
	case STANDALONE:
		for (int k = 0; k < n; k++)
			xfp_sa_free(sa[k].in);
		break;
	}
	assert_int_equal(xfp_sadb_pending(db), 0);
	assert_null(xfp_sadb_lookup_id(db, 0x100));
	scan(nd, n);
	for (int k = 0; k < n; k++)
		if (nd[k].found)
			fail_msg("%s/%s: key still in memory after the SA is "
				 "gone",
				 sa[k].ai->name, eng_name(sa[k].eng));
	xfp_sadb_free(db);
	xfp_clock_set_source(NULL);
}

static void test_wiped_on_delete(void **state)
{
	(void)state;
	run_all(BY_DEL);
}

static void test_wiped_on_hard_expiry(void **state)
{
	(void)state;
	run_all(BY_EXPIRY);
}

static void test_wiped_on_free(void **state)
{
	(void)state;
	run_all(STANDALONE);
}

static void test_refused_key_leaves_nothing(void **state)
{
	struct needle nd;
	struct xfp_sa_config c;
	int err;

	(void)state;
	cfg_random(&c, XFP_ALG_AES256GCM16, XFP_ENGINE_OPENSSL, XFP_SA_IN, 9,
		   nd.masked);
	c.key_len--; /* wrong length: refused */
	assert_null(xfp_sa_new(&c, &err));
	assert_int_equal(err, -EINVAL);
	xfp_wipe(&c, sizeof(c));
	nd.len = 16;
	scan(&nd, 1);
	assert_false(nd.found);
}

static void test_counts(void **state)
{
	(void)state;
	/* every algorithm ran on at least one engine, three ways */
	assert_true(n_combos >= 3 * N_ALGS);
	printf("# %u algorithm/engine/removal combinations, %lu scans, "
	       "%lu MiB searched\n",
	       n_combos, n_scans, n_bytes_scanned >> 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wiped_on_delete),
		cmocka_unit_test(test_wiped_on_hard_expiry),
		cmocka_unit_test(test_wiped_on_free),
		cmocka_unit_test(test_refused_key_leaves_nothing),
		cmocka_unit_test(test_counts),
	};

	scan_buf = mmap(NULL, SCAN_CHUNK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scan_buf == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
