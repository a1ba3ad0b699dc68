/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dp_load.h - committing policies to attached devices, shared by
 * `xfp attach` (the empty policy), `xfp policy load`, `xfp filter add/del`,
 * `xfp status` and `xfp explain DEV`.
 *
 * Every attached device has its own compiled table (interface conditions
 * are folded per device) holding the policy text it was compiled from, so
 * a later `filter add` knows the running policy.  All commits of a device
 * are serialised by an flock on its pin directory.
 */
#ifndef XFP_LOADER_DP_LOAD_H
#define XFP_LOADER_DP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/compile.h"

/* First line of stored policy text: where relative key files live. */
#define DP_SRC_BASE "#xfp-base "

/* Lock DEV's pin directory (blocking); returns the lock fd or -errno. */
int dp_dev_lock(const char *dev);
void dp_dev_unlock(int fd);

/* Names of the attached devices (directories under the pin root).
 * Returns the count; *names is freed with dp_devs_free. */
int dp_devs(char ***names);
void dp_devs_free(char **names, int n);
/* The devices a command acts on: DEV if given (it must be attached), else
 * every attached device.  Returns the count with *names to free with
 * dp_devs_free, or 0 after saying why on stderr. */
int dp_target_devs(const char *dev, char ***names);

/* The running table of DEV read back (t freed with dp_table_free). */
int dp_dev_table(const char *dev, struct dp_table *t);

/* The policy text of a table (malloc'd, NUL-terminated) or NULL. */
char *dp_table_source(const struct dp_table *t);

/*
 * Parse `text` (named `name` in errors; key files relative to the base
 * line's directory), optionally add the command line `cmd`, finalize,
 * compile for every device in devs and commit each with the next
 * generation.  Nothing is committed unless every device compiled.
 * Prints errors to stderr and a summary to stdout; returns 0 or 1.
 */
int dp_commit_text(const char *const *devs, int ndev, const char *name,
		   const char *text, const char *cmd, bool quiet);

/*
 * `xfp policy load FILE [dev DEV]`: compile FILE and commit it to DEV or
 * to every attached device.  Exit status 0/1/2 like every command.
 * (cmd_policy.c should call this for its `load` verb.)
 */
int dp_policy_load(const char *file, const char *dev);
int cmd_policy_load(int argc, char **argv);

/* `xfp explain DEV PACKET... [-j]` (cmd_explain.c should hand a first
 * argument that names an attached device to this). */
int cmd_dp_explain(int argc, char **argv);

/* The device of a pin directory exists under the pin root? */
bool dp_dev_attached(const char *dev);

/*
 * A worker started on dev: if the committed table was compiled without
 * the protection contexts (no worker then), compile the running policy
 * again with them.  0 when the table has them now.
 */
int dp_ensure_contexts(const char *dev);

#endif
