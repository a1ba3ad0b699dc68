/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * replay.h - anti-replay window (RFC 4303 section 3.4.3) with extended
 * sequence numbers (RFC 4304, RFC 4303 appendix A).
 *
 * The window is an RFC 6479 ring of 64-bit words: bit (seq & 63) of word
 * ((seq >> 6) mod nwords).  Moving the window forward clears only the words
 * it passes over, so no bitmap is ever shifted.  One spare word beyond the
 * window keeps the oldest in-window bits alive while the newest word is
 * being filled.
 *
 * Contract (as in the kernel's xfrm_replay): xfp_replay_check() runs
 * BEFORE the ICV is verified and does not modify the window; only after the
 * packet authenticated does the caller run xfp_replay_advance() with the
 * full sequence number that check() inferred.  Not thread-safe: a window
 * belongs to the one thread that processes its SA.
 */
#ifndef XFP_CRYPTO_REPLAY_H
#define XFP_CRYPTO_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XFP_REPLAY_MIN 32
#define XFP_REPLAY_MAX 16384
#define XFP_REPLAY_DEFAULT 1024

enum xfp_replay_verdict {
	XFP_REPLAY_OK = 0,
	XFP_REPLAY_DUP = 1, /* seen before (InReplayDup) */
	XFP_REPLAY_WINDOW = 2, /* left of the window, or 0 (InReplayWindow) */
};

struct xfp_replay {
	uint64_t top; /* highest authenticated sequence number, 64 bits */
	uint32_t window; /* configured size in packets */
	uint32_t mask; /* nwords - 1 (nwords is a power of two) */
	bool esn;
	uint64_t bitmap[]; /* nwords words */
};

/* Bytes a window of @window packets needs (struct plus bitmap); 0 if the
 * size is out of range. */
size_t xfp_replay_size(uint32_t window);

/* Set up a window in memory of xfp_replay_size(window) bytes.  Returns 0
 * or -EINVAL for a size outside XFP_REPLAY_MIN..XFP_REPLAY_MAX. */
int xfp_replay_init(struct xfp_replay *r, uint32_t window, bool esn);

/*
 * Is the packet with on-wire sequence number @seq_lo new?  With ESN the
 * high 32 bits are inferred from the window (RFC 4303 A2.3); without ESN
 * they are 0.  The full number goes to *@seq on XFP_REPLAY_OK.
 */
enum xfp_replay_verdict xfp_replay_check(const struct xfp_replay *r,
					 uint32_t seq_lo, uint64_t *seq);

/* Record @seq (from check()) as received; moves the window if needed. */
void xfp_replay_advance(struct xfp_replay *r, uint64_t seq);

/*
 * ESN high bits for @seq_lo given the window state, per RFC 4303 A2.3,
 * without judging replay.  Returns false if the inference lands before the
 * start of the sequence space.  Also used when anti-replay is disabled but
 * ESN is on.
 */
bool xfp_replay_infer(const struct xfp_replay *r, uint32_t seq_lo,
		      uint64_t *seq);

#endif /* XFP_CRYPTO_REPLAY_H */
