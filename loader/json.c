// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - see json.h.
 */
#include <inttypes.h>
#include "loader/json.h"

static void sep(struct json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = 1;
	if (key) {
		fputc('"', j->f);
		fputs(key, j->f);
		fputs("\":", j->f);
	}
}

static void put_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void json_begin(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = 0;
	fputc('{', f);
	j->depth = 1;
	j->need_comma[1] = 0;
}

void json_end(struct json *j)
{
	fputs("}\n", j->f);
	j->depth = 0;
}

static void open_any(struct json *j, const char *key, char ch)
{
	sep(j, key);
	fputc(ch, j->f);
	if (j->depth < (int)sizeof(j->need_comma) - 1)
		j->depth++;
	j->need_comma[j->depth] = 0;
}

void json_obj_open(struct json *j, const char *key)
{
	open_any(j, key, '{');
}

void json_arr_open(struct json *j, const char *key)
{
	open_any(j, key, '[');
}

void json_obj_close(struct json *j)
{
	fputc('}', j->f);
	j->depth--;
}

void json_arr_close(struct json *j)
{
	fputc(']', j->f);
	j->depth--;
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_double(struct json *j, const char *key, double v)
{
	sep(j, key);
	fprintf(j->f, "%.3f", v);
}

void json_str(struct json *j, const char *key, const char *v)
{
	sep(j, key);
	put_escaped(j->f, v);
}

void json_bool(struct json *j, const char *key, int v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}
