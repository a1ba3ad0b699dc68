// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz_parse.c - tests/fuzz/fuzz_parse.c (the datapath's packet
 * parser, bpf/lib/parse.h, against the crypto library's) in `make check`:
 * its corpus and 500,000 seeded mutations of it, under ASan+UBSan (see
 * fuzz_replay.h).
 */
/* parse.h carries clang's `#pragma unroll` for the BPF build. */
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#include "tests/fuzz/fuzz_parse.c"
#include "tests/unit/fuzz_replay.h"

int main(void)
{
	return fr_main("parse", 500000);
}
