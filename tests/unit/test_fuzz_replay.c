// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_fuzz_replay.c - tests/fuzz/fuzz_replay.c in `make check`: its corpus
 * (seeds, crash regressions) and seeded mutations of it, under
 * ASan+UBSan (see fuzz_replay.h).
 */
#include "tests/fuzz/fuzz_replay.c"
#include "tests/unit/fuzz_replay.h"

int main(void)
{
	return fr_main("replay", 200000);
}
