// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * replay.c - RFC 6479 ring-bitmap anti-replay window with ESN inference.
 */
#include <errno.h>
#include <string.h>

#include "crypto/replay.h"

/* W consecutive numbers touch at most ceil(W / 64) + 1 words. */
static uint32_t words_for(uint32_t window)
{
	uint32_t need = (window + 63) / 64 + 1, n = 2;

	while (n < need)
		n <<= 1;
	return n;
}

size_t xfp_replay_size(uint32_t window)
{
	if (window < XFP_REPLAY_MIN || window > XFP_REPLAY_MAX)
		return 0;
	return sizeof(struct xfp_replay) + words_for(window) * sizeof(uint64_t);
}

int xfp_replay_init(struct xfp_replay *r, uint32_t window, bool esn)
{
	size_t sz = xfp_replay_size(window);

	if (!sz)
		return -EINVAL;
	memset(r, 0, sz);
	r->window = window;
	r->mask = words_for(window) - 1;
	r->esn = esn;
	return 0;
}

bool xfp_replay_infer(const struct xfp_replay *r, uint32_t seq_lo,
		      uint64_t *seq)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t w = r->window, hi;

	if (!r->esn) {
		*seq = seq_lo;
		return true;
	}
	if (tl >= w - 1) {
		/* Case A: the window sits inside one 2^32 subspace. */
		if (seq_lo >= tl - w + 1) {
			hi = th;
		} else {
			if (th == UINT32_MAX)
				return false;
			hi = th + 1;
		}
	} else {
		/* Case B: the window straddles a subspace boundary. */
		if (seq_lo >= tl - w + 1) { /* wraps, on purpose */
			if (th == 0)
				return false;
			hi = th - 1;
		} else {
			hi = th;
		}
	}
	*seq = (uint64_t)hi << 32 | seq_lo;
	return true;
}

enum xfp_replay_verdict xfp_replay_check(const struct xfp_replay *r,
					 uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s;

	if (!xfp_replay_infer(r, seq_lo, &s) || s == 0)
		return XFP_REPLAY_WINDOW;
	if (s > r->top) {
		*seq = s;
		return XFP_REPLAY_OK;
	}
	if (r->top - s >= r->window)
		return XFP_REPLAY_WINDOW;
	if (r->bitmap[(s >> 6) & r->mask] & (1ULL << (s & 63)))
		return XFP_REPLAY_DUP;
	*seq = s;
	return XFP_REPLAY_OK;
}

void xfp_replay_advance(struct xfp_replay *r, uint64_t seq)
{
	if (seq > r->top) {
		uint64_t cur = r->top >> 6, nxt = seq >> 6;
		uint64_t n = nxt - cur;

		if (n > (uint64_t)r->mask + 1)
			n = (uint64_t)r->mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			r->bitmap[(cur + i) & r->mask] = 0;
		r->top = seq;
	} else if (r->top - seq >= r->window) {
		return;
	}
	r->bitmap[(seq >> 6) & r->mask] |= 1ULL << (seq & 63);
}
