// SPDX-License-Identifier: GPL-2.0
/*
 * pin.c - locating and preparing xfp's bpffs state directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "loader/pin.h"
#include "loader/subcommands.h"

static const char *bpffs_base(void)
{
	const char *env = getenv("XFP_BPFFS");

	return env && *env ? env : "/sys/fs/bpf";
}

int pin_path(char *buf, size_t len, const char *dev, const char *name)
{
	int n;

	if (name)
		n = snprintf(buf, len, "%s/xfp/%s/%s", bpffs_base(), dev, name);
	else if (dev)
		n = snprintf(buf, len, "%s/xfp/%s", bpffs_base(), dev);
	else
		n = snprintf(buf, len, "%s/xfp", bpffs_base());
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pin_root_prepare(void)
{
	const char *base = bpffs_base();
	struct statfs sfs;
	char root[512];

	if (statfs(base, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		/* Only the default location is ours to mount. */
		if (strcmp(base, "/sys/fs/bpf")) {
			fprintf(stderr,
				"%s: XFP_BPFFS=%s is not a mounted bpffs\n",
				prog_name, base);
			return -ENOENT;
		}
		if (mkdir(base, 0700) && errno != EEXIST) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog_name,
				base, strerror(errno));
			return -errno;
		}
		if (mount("bpf", base, "bpf", 0, "mode=0700")) {
			fprintf(stderr, "%s: cannot mount bpffs on %s: %s\n",
				prog_name, base, strerror(errno));
			return -errno;
		}
	}
	pin_path(root, sizeof(root), NULL, NULL);
	if (mkdir(root, 0700) && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog_name, root,
			strerror(errno));
		return -errno;
	}
	return 0;
}

int pin_open_map(const char *dev, const char *name)
{
	char path[512];
	int fd;

	if (pin_path(path, sizeof(path), dev, name))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}
