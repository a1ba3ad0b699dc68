// SPDX-License-Identifier: GPL-2.0
/*
 * xfp.c - the `xfp` command: a table of subcommands, each implemented in
 * its own file as cmd_NAME(argc, argv).  Commands are matched exactly; no
 * abbreviations, so that adding a command never changes what an old
 * command line means.
 */
#include <stdio.h>
#include <string.h>
#include "loader/dp_load.h"
#include "loader/subcommands.h"

const char *prog_name = "xfp";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "attach", cmd_attach, "load and attach xfp's programs to a device" },
	{ "detach", cmd_detach,
	  "remove xfp's programs and pins from a device" },
	{ "stats", cmd_stats,
	  "show per-verdict, drop-reason and protocol counters" },
	{ "status", cmd_status,
	  "list attached devices, program ids and policy generation" },
	{ "filter", cmd_filter,
	  "add or delete a filter of the running policy (atomic commit)" },
	{ "policy", cmd_policy, "check or show a policy file" },
	{ "explain", cmd_explain,
	  "show how a policy classifies a packet, sublayer by sublayer" },
	{ "worker", cmd_worker, "run the AF_XDP crypto worker of a device" },
	{ "sa", cmd_sa, "install, delete and show the worker's SAs and rates" },
	{ "monitor", cmd_monitor, "print acquire events (no SA for traffic)" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "show this help" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <cmd> [<args>]\n\nAvailable commands:\n",
		prog_name);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun '%s <cmd> --help' for the arguments of a command.\n",
		prog_name);
}

int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("xfp %s (ABI %d)\n", XFP_VERSION, XFP_ABI_VERSION_NUM);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);

	fprintf(stderr, "%s: unknown command '%s' (see '%s help')\n", prog_name,
		argv[1], prog_name);
	return 2;
}
