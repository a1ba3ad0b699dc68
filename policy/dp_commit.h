/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * dp_commit.h - install a compiled table (policy/compile.h) in the kernel
 * with one atomic switch, and read the running one back.
 *
 * The commit protocol:
 *   1. a new array map sized to the table is created (BPF_F_INNER_MAP, so
 *      every commit may have another size),
 *   2. all records are written into it, then it is frozen (read-only from
 *      userspace from then on),
 *   3. slot 0 of the outer array-of-maps is pointed at it: that single
 *      update is the generation switch.  A packet looks the slot up once,
 *      so it sees either the old table or the new one, never a mix,
 *   4. the old table is released when the last program run using it ends.
 * Any failure before step 3 leaves the running policy untouched.
 *
 * Raw bpf(2) calls are used (no libbpf) so that every binary, including the
 * unit tests, can link this file.
 */
#ifndef XFP_POLICY_DP_COMMIT_H
#define XFP_POLICY_DP_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "policy/compile.h"

/* Create, fill and freeze a table map; returns its fd or -errno. */
int dp_table_create(const struct dp_table *t);

/* An empty table map of n records mapped writable at *mem (*len bytes);
 * returns its fd or -errno (dp_compile_map() fills it). */
int dp_table_map_new(uint32_t n, void **mem, size_t *len);

/* Install table fd `tab_fd` in outer map slot 0; 0 or -errno. */
int dp_table_install(int outer_fd, int tab_fd);

/* dp_table_create + dp_table_install; err gets one line on failure.  A
 * table of dp_compile_map() is unmapped, frozen and installed as it is,
 * and mapped again read-only (t->recs stays readable). */
int dp_commit(int outer_fd, struct dp_table *t, char *err, size_t errlen);

/* fd of the table in outer slot 0, -ENOENT when there is none. */
int dp_table_current(int outer_fd);

/* Read records [first, first+n) of a table map into out; 0 or -errno. */
int dp_table_read(int tab_fd, uint32_t first, uint32_t n,
		  struct xfp_dp_rec *out);

/* Read a whole table (header first); fills t (free with dp_table_free):
 * a read-only mapping of the frozen map, or a copy when it cannot be
 * mapped. */
int dp_table_read_all(int tab_fd, struct dp_table *t);

/* The map id of an fd (0 on error). */
uint32_t dp_map_id(int fd);

#endif
