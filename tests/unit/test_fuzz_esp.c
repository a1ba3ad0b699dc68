// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_fuzz_esp.c - tests/fuzz/fuzz_esp.c in `make check`: its corpus
 * (seeds, crash regressions) and seeded mutations of it, under
 * ASan+UBSan (see fuzz_replay.h).
 */
#include "tests/fuzz/fuzz_esp.c"
#include "tests/unit/fuzz_replay.h"

int main(void)
{
	return fr_main("esp", 50000);
}
