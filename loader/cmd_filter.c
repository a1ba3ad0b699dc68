// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_filter.c - `xfp filter add NAME ...` and `xfp filter del NAME`:
 * change the running policy of every attached device through the same
 * parser (the arguments are one command of the policy language) and the
 * same atomic commit as `xfp policy load`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/dp_load.h"
#include "loader/subcommands.h"
#include "policy/compile.h"

static void filter_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s filter add NAME FILTER-OPTION... [dev DEV]\n"
		"       %s filter del NAME [dev DEV]\n"
		"\n"
		"Add a filter to, or delete one from, the running policy of DEV\n"
		"(default: every device xfp is attached to) and commit it\n"
		"atomically.  FILTER-OPTION is the grammar of policy/README.md,\n"
		"e.g.  %s filter add web layer inbound-transport action permit \\\n"
		"          protocol tcp local-port 80\n"
		"A command that does not parse or compile changes nothing.\n",
		prog_name, prog_name, prog_name);
}

/* Join words into one command line; words with blanks or quotes are
 * quoted so the policy lexer sees them as one string. */
static char *join(const char *verb, int argc, char **argv)
{
	size_t n = strlen(verb) + 2;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		n += 2 * strlen(argv[i]) + 3;
	s = malloc(n);
	if (!s)
		return NULL;
	p = s + sprintf(s, "%s", verb);
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		bool q = !*w || strpbrk(w, " \t\"#;\\") != NULL;

		*p++ = ' ';
		if (q)
			*p++ = '"';
		for (; *w; w++) {
			if (q && (*w == '"' || *w == '\\'))
				*p++ = '\\';
			*p++ = *w;
		}
		if (q)
			*p++ = '"';
	}
	*p = 0;
	return s;
}

int cmd_filter(int argc, char **argv)
{
	const char *verb, *dev = NULL;
	char **devs = NULL, *cmd, *src = NULL;
	struct dp_table t;
	int n, r;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		filter_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "add"))
		verb = "filter add";
	else if (!strcmp(argv[1], "del") || !strcmp(argv[1], "delete"))
		verb = "filter delete";
	else {
		fprintf(stderr,
			"%s filter: unknown verb '%s': expected add or del\n",
			prog_name, argv[1]);
		return 2;
	}
	argc -= 2;
	argv += 2;
	if (argc == 1 &&
	    (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
		filter_usage(stdout);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[argc - 2], "dev")) {
		dev = argv[argc - 1];
		argc -= 2;
	}
	if (argc < 1 || (!strcmp(verb, "filter delete") && argc != 1)) {
		filter_usage(stderr);
		return 2;
	}
	n = dp_target_devs(dev, &devs);
	if (!n)
		return 1;
	/* The running policy: the text stored in the first device's table.
	 * Every device got the same text from the same commands. */
	if (dp_dev_table(devs[0], &t) || !(src = dp_table_source(&t))) {
		fprintf(stderr, "%s: %s: cannot read the running policy\n",
			prog_name, devs[0]);
		dp_table_free(&t);
		dp_devs_free(devs, n);
		return 1;
	}
	dp_table_free(&t);
	cmd = join(verb, argc, argv);
	r = cmd ? dp_commit_text((const char *const *)devs, n, "running policy",
				 src, cmd, false) :
		  1;
	free(cmd);
	free(src);
	dp_devs_free(devs, n);
	return r;
}
