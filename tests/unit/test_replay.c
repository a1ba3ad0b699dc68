// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_replay.c - the anti-replay window: fixed cases (first packet,
 * duplicate, in-window out of order, window edge, far ahead, ESN wrap of
 * the low 32 bits) and a differential test against a naive model for
 * window sizes 32..16384, with and without ESN.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/replay.h"

static struct xfp_replay *new_window(uint32_t w, bool esn)
{
	size_t sz = xfp_replay_size(w);
	struct xfp_replay *r;

	assert_true(sz > 0);
	r = malloc(sz);
	assert_non_null(r);
	assert_int_equal(xfp_replay_init(r, w, esn), 0);
	return r;
}

/* check() then advance() as the packet path does; returns the verdict. */
static enum xfp_replay_verdict receive(struct xfp_replay *r, uint32_t lo,
				       uint64_t *full)
{
	uint64_t s = 0;
	enum xfp_replay_verdict v = xfp_replay_check(r, lo, &s);

	if (v == XFP_REPLAY_OK) {
		xfp_replay_advance(r, s);
		if (full)
			*full = s;
	}
	return v;
}

static void test_sizes(void **state)
{
	struct xfp_replay r;

	(void)state;
	assert_int_equal(xfp_replay_size(0), 0);
	assert_int_equal(xfp_replay_size(31), 0);
	assert_int_equal(xfp_replay_size(XFP_REPLAY_MAX + 1), 0);
	assert_int_equal(xfp_replay_init(&r, 16, false), -EINVAL);
	for (uint32_t w = 32; w <= XFP_REPLAY_MAX; w *= 2) {
		size_t sz = xfp_replay_size(w);

		/* At least w bits plus one spare word. */
		assert_true((sz - sizeof(struct xfp_replay)) * 8 >= w + 64);
	}
	assert_true(XFP_REPLAY_MAX >= 4096);
	assert_int_equal(XFP_REPLAY_DEFAULT, 1024);
}

static void test_basic(void **state)
{
	struct xfp_replay *r = new_window(64, false);
	uint64_t s;

	(void)state;
	assert_int_equal(receive(r, 0, NULL),
			 XFP_REPLAY_WINDOW); /* never sent */
	assert_int_equal(receive(r, 1, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, 1, NULL), XFP_REPLAY_DUP);
	assert_int_equal(receive(r, 3, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, 2, NULL), XFP_REPLAY_OK); /* late, fine */
	assert_int_equal(receive(r, 2, NULL), XFP_REPLAY_DUP);
	assert_int_equal(receive(r, 100, NULL), XFP_REPLAY_OK);
	/* Window is [37, 100]. */
	assert_int_equal(receive(r, 36, NULL), XFP_REPLAY_WINDOW);
	assert_int_equal(receive(r, 37, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, 37, NULL), XFP_REPLAY_DUP);
	assert_int_equal(receive(r, 3, NULL), XFP_REPLAY_WINDOW);
	/* check() alone changes nothing. */
	assert_int_equal(xfp_replay_check(r, 50, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 50);
	assert_int_equal(xfp_replay_check(r, 50, &s), XFP_REPLAY_OK);
	assert_int_equal(xfp_replay_check(r, 1000, &s), XFP_REPLAY_OK);
	assert_int_equal(r->top, 100);
	/* Far ahead: the whole window is new. */
	assert_int_equal(receive(r, 1000000, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, 1000000 - 63, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, 1000000 - 64, NULL), XFP_REPLAY_WINDOW);
	assert_int_equal(receive(r, 100, NULL), XFP_REPLAY_WINDOW);
	/* The last 32-bit number. */
	assert_int_equal(receive(r, UINT32_MAX, NULL), XFP_REPLAY_OK);
	assert_int_equal(receive(r, UINT32_MAX, NULL), XFP_REPLAY_DUP);
	/* Without ESN nothing comes after it. */
	assert_int_equal(receive(r, 5, NULL), XFP_REPLAY_WINDOW);
	free(r);
}

static void test_esn_wrap(void **state)
{
	struct xfp_replay *r = new_window(128, true);
	uint64_t s = 0;

	(void)state;
	/* Start: Th = 0, a low value in the upper part of the space would be
	 * before the first packet. */
	assert_int_equal(receive(r, 0xffffff00, NULL), XFP_REPLAY_OK);
	assert_int_equal(r->top, 0xffffff00ULL);
	/* Wrap: low 5 after 0xffffff00 is 2^32 + 5 (case A). */
	assert_int_equal(receive(r, 5, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 0x100000005ULL);
	/* Late packets from before the wrap (case B) are still accepted. */
	assert_int_equal(receive(r, 0xffffffc0, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 0xffffffc0ULL);
	assert_int_equal(receive(r, 0xffffffc0, NULL), XFP_REPLAY_DUP);
	/* Below the window of the old subspace: RFC 4303 A2.3 takes it for
	 * the next subspace (2^33 - 256); the ICV computed with that guess
	 * is what rejects a real replay, so check() must not advance. */
	assert_int_equal(xfp_replay_check(r, 0xffffff00, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 0x1ffffff00ULL);
	assert_int_equal(r->top, 0x100000005ULL);
	/* Sequence number 2^32 exactly (low half 0). */
	assert_int_equal(receive(r, 0, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 0x100000000ULL);
	assert_int_equal(receive(r, 0, NULL), XFP_REPLAY_DUP);
	assert_int_equal(receive(r, 5, NULL), XFP_REPLAY_DUP);
	/* Second wrap much later. */
	xfp_replay_advance(r, 0x1fffffff0ULL);
	assert_int_equal(receive(r, 0x10, &s), XFP_REPLAY_OK);
	assert_int_equal(s, 0x200000010ULL);
	free(r);

	/* Inference alone (used when anti-replay is off). */
	r = new_window(64, true);
	assert_true(xfp_replay_infer(r, 1, &s));
	assert_int_equal(s, 1);
	assert_false(xfp_replay_infer(r, 0xfffffff0, &s));
	xfp_replay_advance(r, UINT64_MAX - 1);
	assert_false(xfp_replay_infer(r, 3, &s)); /* beyond 2^64 */
	assert_true(xfp_replay_infer(r, 0xffffffff, &s));
	assert_int_equal(s, UINT64_MAX);
	free(r);
}

/* Reference: remembers every accepted number in a plain bitmap. */
struct naive {
	uint64_t top, base;
	uint32_t w;
	uint8_t *seen; /* bit per number from base */
	size_t span;
};

static enum xfp_replay_verdict naive_rx(struct naive *n, uint64_t s)
{
	uint64_t i;

	if (s == 0 || (s <= n->top && n->top - s >= n->w))
		return XFP_REPLAY_WINDOW;
	i = s - n->base;
	assert_true(i < n->span * 8);
	if (n->seen[i / 8] & (1u << (i % 8)))
		return XFP_REPLAY_DUP;
	n->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	if (s > n->top)
		n->top = s;
	return XFP_REPLAY_OK;
}

static void differential(uint32_t w, bool esn, unsigned seed)
{
	struct xfp_replay *r = new_window(w, esn);
	struct naive n = { 0 };
	uint64_t next = 1;
	unsigned iters = 200000;

	srand(seed);
	n.w = w;
	n.span = 1u << 21; /* 16 M numbers */
	n.seen = calloc(n.span, 1);
	assert_non_null(n.seen);
	if (esn) {
		/* Start just below the 2^32 boundary so the run wraps. */
		n.base = 0xffff0000ULL;
		xfp_replay_advance(r, n.base);
		n.top = n.base;
		n.seen[0] = 1;
		next = n.base + 1;
	}
	for (unsigned i = 0; i < iters; i++) {
		uint64_t s;
		enum xfp_replay_verdict got, want;
		uint64_t full = 0;

		switch (rand() % 8) {
		case 0: /* jump ahead, sometimes beyond the window */
			next += (uint64_t)(rand() % (3 * w)) + 1;
			s = next;
			break;
		case 1: /* an old number, maybe far outside */
			s = next > 4ULL * w ?
				    next - (uint64_t)(rand() % (4 * w)) :
				    next;
			break;
		case 2: /* right at the window edge */
			s = n.top >= w ? n.top - w + (uint64_t)(rand() % 2) : 1;
			break;
		default: /* mostly in order, a little reordering */
			s = next + (uint64_t)(rand() % 8);
			if (s > next)
				next = s;
			next++;
			break;
		}
		if (s < n.base + 1)
			s = n.base + 1;
		if (s - n.base >= n.span * 8)
			break;
		if (esn && s <= n.top && n.top - s >= w) {
			/* With ESN a number left of the window is inferred
			 * to be in the next 2^32 subspace (RFC 4303 A2.3);
			 * its ICV then fails, so nothing is advanced. */
			got = xfp_replay_check(r, (uint32_t)s, &full);
			assert_int_equal(got, XFP_REPLAY_OK);
			assert_true(full > n.top);
			assert_int_equal((uint32_t)full, (uint32_t)s);
			continue;
		}
		want = naive_rx(&n, s);
		got = xfp_replay_check(r, (uint32_t)s, &full);
		if (got == XFP_REPLAY_OK) {
			assert_int_equal(full, esn ? s : (uint32_t)s);
			xfp_replay_advance(r, full);
		}
		if (got != want)
			fail_msg(
				"w=%u esn=%d i=%u seq=%#llx top=%#llx: got %d want %d",
				w, esn, i, (unsigned long long)s,
				(unsigned long long)r->top, got, want);
	}
	assert_int_equal(r->top, n.top);
	if (esn)
		assert_true(n.top > 0xffffffffULL); /* the run did wrap */
	free(n.seen);
	free(r);
}

static void test_differential_sizes(void **state)
{
	static const uint32_t sizes[] = { 32,	33,   64,   100,  128,	1000,
					  1024, 2048, 4096, 8192, 16384 };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		differential(sizes[i], false, 7 + (unsigned)i);
		differential(sizes[i], true, 99 + (unsigned)i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_esn_wrap),
		cmocka_unit_test(test_differential_sizes),
	};

	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
