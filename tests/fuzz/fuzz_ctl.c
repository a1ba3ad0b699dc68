// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_ctl.c - libFuzzer harness for the worker's control protocol parser
 * (crypto/worker_ctl.c), which reads what any root client writes.
 *
 * Invariants: never a crash, a leak or undefined behaviour; a refused
 * request always says why; an accepted add_sa has the keys the protocol
 * requires and a key of at most XFP_ALG_MAX_KEY_LEN bytes, and a starting
 * sequence number only when outbound, beyond 2^32 - 1 only with ESN;
 * wiping leaves no key byte behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/worker_ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfp_ctl_req r;
	size_t n = xfp_ctl_complete((const char *)data, size), i;
	int e = xfp_ctl_parse((const char *)data, n ? n : size, &r);

	if (n > size)
		abort();
	if (e && !r.err[0])
		abort();
	if (!e && r.op == XFP_CTL_ADD_SA &&
	    (!r.sa.spi || !r.sa.key_len || r.sa.key_len > XFP_ALG_MAX_KEY_LEN))
		abort();
	if (!e && r.op == XFP_CTL_ADD_SA && r.sa.seq_start &&
	    (r.sa.dir != XFP_SA_OUT ||
	     (!r.sa.esn && r.sa.seq_start > UINT32_MAX)))
		abort();
	xfp_ctl_req_wipe(&r);
	for (i = 0; i < sizeof(r.sa.key); i++)
		if (r.sa.key[i])
			abort();
	return 0;
}
