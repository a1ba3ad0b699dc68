// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_replay.c - libFuzzer harness for the anti-replay window.
 *
 * Input: window size (2 bytes), ESN flag, then 4-byte sequence numbers.
 * Without ESN every verdict is compared with a naive model that remembers
 * every accepted number (numbers are folded into 20 bits for that).  With
 * ESN the invariants are checked: check() never changes the window, an
 * accepted number keeps its low 32 bits, a number just advanced is a
 * duplicate, and the top only grows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/replay.h"

#define SPAN (1u << 20)

static uint8_t seen[SPAN / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t mem[(sizeof(struct xfp_replay) + 8 * 520) / 8];
	struct xfp_replay *r = (struct xfp_replay *)mem;
	uint32_t w;
	bool esn;
	uint64_t top = 0;

	if (size < 3)
		return 0;
	w = XFP_REPLAY_MIN + ((uint32_t)(data[0] << 8 | data[1]) %
			      (XFP_REPLAY_MAX - XFP_REPLAY_MIN + 1));
	esn = data[2] & 1;
	if (xfp_replay_size(w) > sizeof(mem) || xfp_replay_init(r, w, esn))
		abort();
	memset(seen, 0, sizeof(seen));
	data += 3;
	size -= 3;
	for (; size >= 4; data += 4, size -= 4) {
		uint32_t lo = (uint32_t)data[0] << 24 |
			      (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 |
			      data[3];
		uint64_t s = 0, s2 = 0, before = r->top;
		enum xfp_replay_verdict v;

		if (!esn)
			lo %= SPAN;
		v = xfp_replay_check(r, lo, &s);
		if (r->top != before)
			abort();
		if (!esn) {
			enum xfp_replay_verdict want;

			if (lo == 0 || (lo <= top && top - lo >= w))
				want = XFP_REPLAY_WINDOW;
			else if (seen[lo / 8] & (1u << (lo % 8)))
				want = XFP_REPLAY_DUP;
			else
				want = XFP_REPLAY_OK;
			if (v != want)
				abort();
			if (v == XFP_REPLAY_OK) {
				seen[lo / 8] |= (uint8_t)(1u << (lo % 8));
				if (lo > top)
					top = lo;
			}
		}
		if (v != XFP_REPLAY_OK)
			continue;
		if ((uint32_t)s != lo)
			abort();
		/* With ESN, let only even numbers "authenticate" (advance). */
		if (!esn || (lo & 1) == 0) {
			xfp_replay_advance(r, s);
			if (r->top < before || r->top < s)
				abort();
			if (xfp_replay_check(r, lo, &s2) != XFP_REPLAY_DUP)
				abort();
		}
	}
	if (!esn && r->top != top)
		abort();
	return 0;
}
