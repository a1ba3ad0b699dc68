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
#include <unistd.h>
#include <net/if.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/xfp_abi.h"
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

int pin_worker_path(char *buf, size_t len, const char *dev, const char *name)
{
	char sub[IF_NAMESIZE + 16];

	snprintf(sub, sizeof(sub), "%s/worker", dev);
	return pin_path(buf, len, sub, name);
}

static const char *const shared_maps[] = {
	XFP_MAP_XSKS,	XFP_MAP_XSKS_OUT, XFP_MAP_SPI_IN,    XFP_MAP_PEER_OUT,
	XFP_MAP_WORKER, XFP_MAP_ACQUIRE,  XFP_MAP_FILTER_SA,
};
#define N_SHARED (sizeof(shared_maps) / sizeof(shared_maps[0]))

int pin_shared_reuse(struct bpf_object *obj, const char *dev)
{
	char path[512];
	size_t i;

	for (i = 0; i < N_SHARED; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(obj, shared_maps[i]);
		int fd, err;

		if (!m ||
		    pin_worker_path(path, sizeof(path), dev, shared_maps[i]))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "%s: cannot open %s: %s\n", prog_name,
				path, strerror(errno));
			return -errno;
		}
		err = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (err) {
			fprintf(stderr,
				"%s: %s does not fit this program's %s: %s\n",
				prog_name, path, shared_maps[i],
				strerror(-err));
			return err;
		}
	}
	return 0;
}

int pin_shared_pin(struct bpf_object *obj, const char *dev)
{
	char path[512];
	size_t i;

	if (pin_worker_path(path, sizeof(path), dev, NULL) ||
	    (mkdir(path, 0700) && errno != EEXIST)) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog_name, path,
			strerror(errno));
		return -errno;
	}
	for (i = 0; i < N_SHARED; i++) {
		struct bpf_map *m =
			bpf_object__find_map_by_name(obj, shared_maps[i]);
		int err;

		if (!m ||
		    pin_worker_path(path, sizeof(path), dev, shared_maps[i]))
			continue;
		if (!access(path, F_OK))
			continue; /* reused: already there */
		err = bpf_obj_pin(bpf_map__fd(m), path);
		if (err) {
			err = -errno;
			fprintf(stderr, "%s: cannot pin %s: %s\n", prog_name,
				path, strerror(-err));
			return err;
		}
	}
	return 0;
}

void pin_shared_unpin(const char *dev)
{
	char path[512];
	size_t i;

	for (i = 0; i < N_SHARED; i++)
		if (!pin_worker_path(path, sizeof(path), dev, shared_maps[i]))
			unlink(path);
	if (!pin_worker_path(path, sizeof(path), dev, NULL))
		rmdir(path); /* fails while the worker's own pins are there */
}

int pin_worker_installed(const char *dev)
{
	char path[512];

	return !pin_worker_path(path, sizeof(path), dev, "prog_worker") &&
	       !access(path, F_OK);
}
