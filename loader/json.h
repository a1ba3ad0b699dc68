/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a minimal streaming JSON writer for `-j` output.  It tracks
 * nesting and commas so callers only say what to emit.
 */
#ifndef XFP_JSON_H
#define XFP_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	unsigned char need_comma[32];
};

void json_begin(struct json *j, FILE *f);
void json_end(struct json *j); /* prints the final newline */
void json_obj_open(struct json *j, const char *key); /* key NULL in arrays */
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_double(struct json *j, const char *key, double v);
void json_str(struct json *j, const char *key, const char *v);
void json_bool(struct json *j, const char *key, int v);

#endif
