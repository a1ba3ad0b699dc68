// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_fuzz_ah.c - tests/fuzz/fuzz_ah.c in `make check`: its corpus
 * (seeds, crash regressions) and seeded mutations of it, under
 * ASan+UBSan (see fuzz_replay.h).
 */
#include "tests/fuzz/fuzz_ah.c"
#include "tests/unit/fuzz_replay.h"

int main(void)
{
	return fr_main("ah", 200000);
}
