// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_policy.c - `xfp policy check FILE` and `xfp policy show FILE [-j]`.
 *
 * Both parse and validate a policy file without touching the kernel.
 * Exit codes: 0 valid, 1 invalid (one "FILE:LINE:COL: message" line per
 * error on stderr), 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "loader/dp_load.h"
#include "loader/subcommands.h"
#include "policy/policy.h"

static void policy_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s policy check FILE [-n]\n"
		"       %s policy show FILE [-j] [-n]\n"
		"       %s policy load FILE [dev DEV]\n"
		"\n"
		"check  parse and validate FILE; print nothing and exit 0 when it\n"
		"       is valid, else one line per error and exit 1.\n"
		"show   print the validated policy in normalised form: filters in\n"
		"       evaluation order with their ids and effective 64-bit\n"
		"       weights, the automatic IKE exemptions, keys as (hidden).\n"
		"load   compile FILE and commit it atomically to DEV (default:\n"
		"       every device xfp is attached to); a policy that does not\n"
		"       parse or compile leaves the running one untouched.\n"
		"\n"
		"  -j, --json      JSON output (show)\n"
		"  -n, --no-keys   do not read the SAs' key files\n"
		"  -h, --help      this help\n"
		"\n"
		"The language is described in policy/README.md.  Exit status: 0\n"
		"valid, 1 invalid, 2 usage error.\n",
		prog_name, prog_name, prog_name);
}

/* Parse and finalize; prints errors; returns 0 or 1. */
static int load(const char *path, unsigned flags, struct xfp_policy **out)
{
	struct xfp_errors err = { 0 };
	struct xfp_policy *p = xfp_policy_new();
	int n;

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		return 1;
	}
	n = xfp_policy_parse_file(p, path, flags, &err);
	if (n == 0)
		n = xfp_policy_finalize(p, &err);
	if (n != 0) {
		xfp_errors_print(&err, stderr);
		xfp_errors_free(&err);
		xfp_policy_free(p);
		return 1;
	}
	xfp_errors_free(&err);
	*out = p;
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	const char *verb, *file = NULL;
	struct xfp_policy *p = NULL;
	unsigned flags = 0;
	bool json = false;

	if (argc < 2) {
		policy_usage(stderr);
		return 2;
	}
	verb = argv[1];
	if (!strcmp(verb, "load"))
		return cmd_policy_load(argc - 1, argv + 1);
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") ||
	    !strcmp(verb, "help")) {
		policy_usage(stdout);
		return 0;
	}
	if (strcmp(verb, "check") && strcmp(verb, "show")) {
		fprintf(stderr,
			"%s policy: unknown command '%s'; expected check or "
			"show (see '%s policy --help')\n",
			prog_name, verb, prog_name);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			if (strcmp(verb, "show")) {
				fprintf(stderr,
					"%s policy check: -j is only valid with "
					"show\n",
					prog_name);
				return 2;
			}
			json = true;
		} else if (!strcmp(a, "-n") || !strcmp(a, "--no-keys")) {
			flags |= XFP_PARSE_NO_KEYS;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			policy_usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr,
				"%s policy %s: unknown option '%s' (see '%s "
				"policy --help')\n",
				prog_name, verb, a, prog_name);
			return 2;
		} else if (file) {
			fprintf(stderr,
				"%s policy %s: unexpected argument '%s'; expected "
				"one FILE\n",
				prog_name, verb, a);
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		fprintf(stderr, "%s policy %s: missing FILE\n", prog_name,
			verb);
		policy_usage(stderr);
		return 2;
	}
	if (load(file, flags, &p))
		return 1;
	if (!strcmp(verb, "show"))
		xfp_policy_print(p, json, stdout);
	xfp_policy_free(p);
	return 0;
}
