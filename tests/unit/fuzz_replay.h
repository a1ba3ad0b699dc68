/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fuzz_replay.h - run a libFuzzer harness without libFuzzer, so that
 * `make check` exercises it (gcc, ASan+UBSan): every input of its committed
 * corpus (seeds and crash regressions, tests/fuzz/corpus/NAME), then a
 * fixed number of inputs mutated from them with a seeded generator (bit
 * flips, random bytes, truncation, insertion, duplication, splicing of two
 * inputs).  The harness aborts on any broken invariant; ASan/UBSan stop on
 * any memory error; either fails the test.  Header-only: included by one
 * tests/unit/test_fuzz_NAME.c per harness, after the harness source.
 */
#ifndef XFP_TESTS_FUZZ_REPLAY_H
#define XFP_TESTS_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FR_MAX_INPUT 8192
#define FR_MAX_FILES 4096

struct fr_input {
	uint8_t *d;
	size_t n;
};

static uint64_t fr_state = 0x9e3779b97f4a7c15ull;

static uint64_t fr_rand(void)
{
	fr_state ^= fr_state << 13;
	fr_state ^= fr_state >> 7;
	fr_state ^= fr_state << 17;
	return fr_state;
}

static size_t fr_load(const char *dir, struct fr_input *in)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < FR_MAX_FILES) {
		char path[4096 + 256 + 2];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		in[n].d = malloc(FR_MAX_INPUT);
		in[n].n = in[n].d ? fread(in[n].d, 1, FR_MAX_INPUT, f) : 0;
		fclose(f);
		if (in[n].d)
			n++;
	}
	closedir(d);
	return n;
}

/* One mutation of @b (@n bytes, room for FR_MAX_INPUT) in place. */
static size_t fr_mutate(uint8_t *b, size_t n, const struct fr_input *in,
			size_t nin)
{
	size_t at = n ? fr_rand() % n : 0, k;

	switch (fr_rand() % 7) {
	case 0: /* flip a bit */
		if (n)
			b[at] ^= (uint8_t)(1u << (fr_rand() % 8));
		break;
	case 1: /* random byte */
		if (n)
			b[at] = (uint8_t)fr_rand();
		break;
	case 2: /* interesting byte */
		if (n) {
			static const uint8_t v[] = { 0, 1,  0x7f, 0x80, 0xff, 4,
						     6, 17, 41,	  50,	51 };
			b[at] = v[fr_rand() % sizeof(v)];
		}
		break;
	case 3: /* truncate */
		n = n ? fr_rand() % n : 0;
		break;
	case 4: /* insert a byte */
		if (n < FR_MAX_INPUT) {
			memmove(b + at + 1, b + at, n - at);
			b[at] = (uint8_t)fr_rand();
			n++;
		}
		break;
	case 5: /* duplicate a chunk */
		k = n ? 1 + fr_rand() % (n < 16 ? n : 16) : 0;
		if (n && n + k <= FR_MAX_INPUT && at + k <= n) {
			memmove(b + at + k, b + at, n - at);
			n += k;
		}
		break;
	default: /* splice: the tail of another input */
		if (nin) {
			const struct fr_input *o = &in[fr_rand() % nin];
			size_t from = o->n ? fr_rand() % o->n : 0;

			k = o->n - from;
			if (at + k > FR_MAX_INPUT)
				k = FR_MAX_INPUT - at;
			memcpy(b + at, o->d + from, k);
			n = at + k;
		}
		break;
	}
	return n;
}

static int fr_main(const char *name, unsigned mutations)
{
	static struct fr_input in[FR_MAX_FILES];
	const char *src = getenv("XFP_SRCDIR");
	uint8_t *buf = malloc(FR_MAX_INPUT), *exact;
	char dir[4096];
	size_t nin;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src ? src : ".",
		 name);
	nin = fr_load(dir, in);
	printf("1..2\n");
	if (!nin || !buf) {
		printf("not ok 1 - %s: corpus %s: missing or empty\n", name,
		       dir);
		return 1;
	}
	for (size_t i = 0; i < nin; i++) {
		/* exact-size copy: ASan sees a read one past the end */
		exact = malloc(in[i].n ? in[i].n : 1);
		memcpy(exact, in[i].d, in[i].n);
		LLVMFuzzerTestOneInput(exact, in[i].n);
		free(exact);
	}
	printf("ok 1 - %s: %zu corpus inputs replayed\n", name, nin);
	for (unsigned m = 0; m < mutations; m++) {
		const struct fr_input *s = &in[fr_rand() % nin];
		size_t n = s->n;
		unsigned steps = 1 + (unsigned)(fr_rand() % 4);

		memcpy(buf, s->d, n);
		while (steps--)
			n = fr_mutate(buf, n, in, nin);
		exact = malloc(n ? n : 1);
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	printf("ok 2 - %s: %u mutated inputs (seed %#llx)\n", name, mutations,
	       0x9e3779b97f4a7c15ull);
	for (size_t i = 0; i < nin; i++)
		free(in[i].d);
	free(buf);
	return 0;
}

#endif /* XFP_TESTS_FUZZ_REPLAY_H */
