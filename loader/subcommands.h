/* SPDX-License-Identifier: GPL-2.0 */
/*
 * subcommands.h - one entry point per `xfp` subcommand, each in its own
 * file.  Exit codes: 0 success, 1 the operation failed, 2 usage error.
 */
#ifndef XFP_SUBCOMMANDS_H
#define XFP_SUBCOMMANDS_H

#include "bpf/xfp_abi.h"

#define XFP_ABI_VERSION_NUM XFP_ABI_VERSION

extern const char *prog_name;

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_sa(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

#endif
