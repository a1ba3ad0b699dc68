// SPDX-License-Identifier: GPL-2.0
/*
 * dp_load.c - policy commits to attached devices (see dp_load.h) and
 * `xfp policy load`.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "loader/ctl.h"
#include "loader/ctl_policy.h"
#include "loader/dp_load.h"
#include "loader/pin.h"
#include "loader/subcommands.h"
#include "policy/dp_commit.h"
#include "policy/policy.h"

int dp_dev_lock(const char *dev)
{
	char path[512];
	int fd;

	if (pin_path(path, sizeof(path), dev, NULL))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

void dp_dev_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

bool dp_dev_attached(const char *dev)
{
	char path[512];
	struct stat st;

	return !pin_path(path, sizeof(path), dev, XFP_MAP_POLICY) &&
	       !stat(path, &st);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dp_devs(char ***names)
{
	char root[512];
	struct dirent *de;
	char **v = NULL;
	int n = 0;
	DIR *d;

	*names = NULL;
	if (pin_path(root, sizeof(root), NULL, NULL))
		return 0;
	d = opendir(root);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char **nv;

		if (de->d_name[0] == '.' || !dp_dev_attached(de->d_name))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(de->d_name);
		if (v[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), name_cmp);
	*names = v;
	return n;
}

void dp_devs_free(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int dp_dev_table(const char *dev, struct dp_table *t)
{
	int outer = pin_open_map(dev, XFP_MAP_POLICY), tab, r;

	memset(t, 0, sizeof(*t));
	if (outer < 0)
		return outer;
	tab = dp_table_current(outer);
	close(outer);
	if (tab < 0)
		return tab;
	r = dp_table_read_all(tab, t);
	close(tab);
	return r;
}

char *dp_table_source(const struct dp_table *t)
{
	const struct xfp_dp_info *in = &t->info;
	char *s;

	if (t->n < XFP_DP_HDR_RECS || in->src_base > t->n ||
	    (uint64_t)in->src_len >
		    (uint64_t)(t->n - in->src_base) * sizeof(*t->recs))
		return NULL;
	s = malloc((size_t)in->src_len + 1);
	if (!s)
		return NULL;
	memcpy(s, &t->recs[in->src_base], in->src_len);
	s[in->src_len] = 0;
	return s;
}

/* Parse text (with its #xfp-base line honoured) into p. */
static int parse_with_base(struct xfp_policy *p, const char *name,
			   const char *text, struct xfp_errors *err)
{
	char cwd[PATH_MAX], base[PATH_MAX];
	bool moved = false;
	int r;

	if (!strncmp(text, DP_SRC_BASE, strlen(DP_SRC_BASE))) {
		const char *b = text + strlen(DP_SRC_BASE);
		size_t n = strcspn(b, "\n");

		if (n < sizeof(base) && getcwd(cwd, sizeof(cwd))) {
			memcpy(base, b, n);
			base[n] = 0;
			moved = chdir(base) == 0;
		}
	}
	r = xfp_policy_parse_string(p, name, text, strlen(text), 0, err);
	if (moved && chdir(cwd))
		fprintf(stderr, "%s: cannot return to %s\n", prog_name, cwd);
	return r;
}

int dp_ensure_contexts(const char *dev)
{
	const char *devs[1] = { dev };
	struct dp_table t;
	char *src;
	int r;

	if (dp_dev_table(dev, &t))
		return -ENOENT;
	if (dp_table_n_ctx(&t)) {
		dp_table_free(&t);
		return 0;
	}
	src = dp_table_source(&t);
	dp_table_free(&t);
	if (!src)
		return -ENOMEM;
	r = dp_commit_text(devs, 1, "the running policy", src, NULL, true);
	free(src);
	return r ? -EIO : 0;
}

static uint64_t dev_generation(const char *dev)
{
	struct dp_table t;
	uint64_t g = 0;

	if (!dp_dev_table(dev, &t)) {
		g = ((struct xfp_dp_header *)(void *)&t.recs[0])->generation;
		dp_table_free(&t);
	}
	return g;
}

int dp_commit_text(const char *const *devs, int ndev, const char *name,
		   const char *text, const char *cmd, bool quiet)
{
	struct xfp_errors err = { 0 };
	struct xfp_policy *p = xfp_policy_new();
	struct dp_table *tabs = NULL;
	char *full = NULL, msg[512];
	int *locks = NULL, ret = 1, i;

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		return 1;
	}
	tabs = calloc(ndev ? ndev : 1, sizeof(*tabs));
	locks = calloc(ndev ? ndev : 1, sizeof(*locks));
	if (!tabs || !locks)
		goto out;
	for (i = 0; i < ndev; i++)
		locks[i] = -1;
	if (parse_with_base(p, name, text, &err) ||
	    (cmd && xfp_policy_parse_string(p, "command line", cmd, strlen(cmd),
					    0, &err)) ||
	    xfp_policy_finalize(p, &err)) {
		xfp_errors_print(&err, stderr);
		fprintf(stderr,
			"%s: nothing committed; the running policy is unchanged\n",
			prog_name);
		goto out;
	}
	if (cmd) {
		size_t n = strlen(text) + strlen(cmd) + 2;

		full = malloc(n);
		if (!full)
			goto out;
		snprintf(full, n, "%s%s%s\n", text,
			 *text && text[strlen(text) - 1] != '\n' ? "\n" : "",
			 cmd);
	}
	/* Compile for every device first: no commit unless all compile. */
	for (i = 0; i < ndev; i++) {
		struct dp_device dv = { 0 };
		const char *src = full ? full : text;

		locks[i] = dp_dev_lock(devs[i]);
		if (locks[i] < 0) {
			fprintf(stderr, "%s: %s: cannot lock: %s\n", prog_name,
				devs[i], strerror(-locks[i]));
			goto out;
		}
		dv.ifindex = if_nametoindex(devs[i]);
		snprintf(dv.ifname, sizeof(dv.ifname), "%s", devs[i]);
		/* a worker hands decrypted packets back: they are judged in
		 * their SA's protection context */
		dv.contexts = pin_worker_installed(devs[i]);
		if (dp_compile_map(p, &dv, src, strlen(src),
				   dev_generation(devs[i]) + 1, &tabs[i], msg,
				   sizeof(msg))) {
			fprintf(stderr,
				"%s: %s: compile failed: %s; nothing "
				"committed, the running policy is unchanged\n",
				prog_name, devs[i], msg);
			goto out;
		}
	}
	ret = 0;
	for (i = 0; i < ndev; i++) {
		int outer = pin_open_map(devs[i], XFP_MAP_POLICY);

		if (outer < 0 || dp_commit(outer, &tabs[i], msg, sizeof(msg))) {
			fprintf(stderr, "%s: %s: commit failed: %s%s\n",
				prog_name, devs[i],
				outer < 0 ? "no policy map pinned" : msg,
				i ? " (earlier devices have the new policy)" :
				    "; the running policy is unchanged");
			if (outer >= 0)
				close(outer);
			ret = 1;
			break;
		}
		close(outer);
		if (!quiet) {
			const struct xfp_dp_header *h =
				(const void *)&tabs[i].recs[0];

			printf("%s: committed generation %llu: %u filters "
			       "(%u in packet layers), %u tree nodes, %u "
			       "decisions%s, depth %u, compiled in %.1f ms\n",
			       devs[i], (unsigned long long)h->generation,
			       tabs[i].info.n_filters, tabs[i].info.n_compiled,
			       tabs[i].info.n_nodes, tabs[i].info.n_decisions,
			       tabs[i].n_buckets ? ", with run-time buckets" :
						   "",
			       tabs[i].info.max_depth,
			       tabs[i].info.build_us / 1000.0);
		}
	}
out:
	for (i = 0; tabs && i < ndev; i++)
		dp_table_free(&tabs[i]);
	for (i = 0; locks && i < ndev; i++)
		dp_dev_unlock(locks[i]);
	free(tabs);
	free(locks);
	free(full);
	xfp_errors_free(&err);
	xfp_policy_free(p);
	return ret;
}

/* Read FILE and prefix the base-directory line. */
static char *read_policy(const char *file)
{
	char real[PATH_MAX], *text = NULL, *dir;
	size_t cap = 0, n = 0, hl;
	FILE *f;

	if (!realpath(file, real)) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, file,
			strerror(errno));
		return NULL;
	}
	f = fopen(real, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, file,
			strerror(errno));
		return NULL;
	}
	dir = strrchr(real, '/');
	if (dir == real)
		dir[1] = 0;
	else if (dir)
		*dir = 0;
	hl = strlen(DP_SRC_BASE) + strlen(real) + 1;
	cap = hl + 4096;
	text = malloc(cap);
	if (!text)
		goto fail;
	n = (size_t)snprintf(text, cap, "%s%s\n", DP_SRC_BASE, real);
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			char *t = realloc(text, cap * 2);

			if (!t)
				goto fail;
			text = t;
			cap *= 2;
		}
		got = fread(text + n, 1, cap - n - 1, f);
		n += got;
		if (!got)
			break;
	}
	if (ferror(f))
		goto fail;
	text[n] = 0;
	fclose(f);
	return text;
fail:
	fprintf(stderr, "%s: %s: cannot read\n", prog_name, file);
	free(text);
	fclose(f);
	return NULL;
}

int dp_target_devs(const char *dev, char ***names)
{
	int n;

	*names = NULL;
	if (!dev) {
		n = dp_devs(names);
		if (!n)
			fprintf(stderr,
				"%s: no device has xfp attached (xfp attach DEV "
				"first)\n",
				prog_name);
		return n;
	}
	if (!dp_dev_attached(dev)) {
		fprintf(stderr,
			"%s: %s: xfp is not attached (run 'xfp attach %s')\n",
			prog_name, dev, dev);
		return 0;
	}
	*names = malloc(sizeof(**names));
	if (!*names || !((*names)[0] = strdup(dev))) {
		free(*names);
		*names = NULL;
		return 0;
	}
	return 1;
}

/*
 * The policy's manual SAs go to each device's worker, which holds SAs and
 * keys.  The policy is already committed: traffic it says must be
 * protected is dropped until its SAs are there (fail closed), so a device
 * without a running worker is reported, not an error.  The SAs of the
 * previous policy are removed first (also by a policy without SAs).
 */
static int install_sas(const struct xfp_policy *p, const char *const *devs,
		       int n)
{
	int i, r, rc = 0;

	for (i = 0; i < n; i++) {
		if (!ctl_worker_running(devs[i])) {
			if (!p->n_sas)
				continue;
			fprintf(stderr,
				"%s: %s: no worker running: %u manual SA%s not installed; "
				"protected traffic is dropped until '%s worker %s' runs "
				"and the policy is loaded again\n",
				prog_name, devs[i], p->n_sas,
				p->n_sas == 1 ? "" : "s", prog_name, devs[i]);
			continue;
		}
		r = ctl_install_policy_sas(devs[i], p);
		if (r < 0) {
			fprintf(stderr,
				"%s: %s: the policy is committed, but installing its manual SAs failed\n",
				prog_name, devs[i]);
			rc = 1;
		} else if (p->n_sas) {
			printf("%s: %d manual SA%s installed\n", devs[i], r,
			       r == 1 ? "" : "s");
		}
	}
	return rc;
}

int dp_policy_load(const char *file, const char *dev)
{
	struct xfp_errors err = { 0 };
	struct xfp_policy *p;
	char **devs = NULL, *text;
	int n, r;

	/* Parse the file itself first so errors name FILE:LINE:COL. */
	p = xfp_policy_new();
	if (!p)
		return 1;
	if (xfp_policy_parse_file(p, file, 0, &err) ||
	    xfp_policy_finalize(p, &err)) {
		xfp_errors_print(&err, stderr);
		fprintf(stderr,
			"%s: nothing committed; the running policy is unchanged\n",
			prog_name);
		xfp_errors_free(&err);
		xfp_policy_free(p);
		return 1;
	}
	xfp_errors_free(&err);

	n = dp_target_devs(dev, &devs);
	if (!n) {
		xfp_policy_free(p);
		return 1;
	}
	text = read_policy(file);
	r = text ? dp_commit_text((const char *const *)devs, n, file, text,
				  NULL, false) :
		   1;
	free(text);
	/* also without SAs: the previous policy's SAs are removed */
	if (!r)
		r = install_sas(p, (const char *const *)devs, n);
	dp_devs_free(devs, n);
	xfp_policy_free(p); /* wipes the keys */
	return r;
}

static void load_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s policy load FILE [dev DEV]\n"
		"\n"
		"Compile FILE and commit it atomically to DEV, or to every device\n"
		"xfp is attached to.  Traffic sees the whole old or the whole new\n"
		"policy, never a mix.  A file that does not parse, validate or\n"
		"compile changes nothing.  Where a worker runs ('%s worker DEV'),\n"
		"the previous policy's manual SAs are removed and FILE's are\n"
		"installed after the commit (keys from its key files).\n",
		prog_name, prog_name);
}

int cmd_policy_load(int argc, char **argv)
{
	const char *dev = NULL;

	/* argv[0] is "load" */
	if (argc >= 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		load_usage(stdout);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "dev"))
		dev = argv[3];
	else if (argc != 2) {
		load_usage(stderr);
		return 2;
	}
	return dp_policy_load(argv[1], dev);
}
