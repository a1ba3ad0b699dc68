// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_attach.c - `xfp attach DEV` and `xfp detach DEV`.
 *
 * attach loads the programs, pins the program and its maps under
 * ROOT/DEV/ (see pin.h) and attaches XDP through netlink, so the
 * attachment outlives this process.  It refuses a device that already has
 * an XDP program xfp did not put there.
 *
 * detach removes the XDP program only if it is the one pinned under
 * ROOT/DEV (an atomic replace-if-still-ours), then removes the pins.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "bpf/xfp_xdp.skel.h"
#include "loader/pin.h"
#include "loader/subcommands.h"

static int libbpf_warn_only(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	if (level > LIBBPF_WARN && !getenv("XFP_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void attach_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s attach DEV [--mode native|generic]\n"
		"\n"
		"Load xfp's XDP program, pin it and its maps under the bpffs\n"
		"(/sys/fs/bpf/xfp/DEV, or $XFP_BPFFS/xfp/DEV) and attach it to DEV.\n"
		"  --mode native   driver XDP (default)\n"
		"  --mode generic  generic (skb) XDP, for drivers without XDP\n",
		prog_name);
}

static void detach_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s detach DEV\n"
		"\n"
		"Detach xfp's XDP program from DEV and remove its pins.  A program\n"
		"that xfp did not attach is left alone.\n",
		prog_name);
}

static int dev_ifindex(const char *dev)
{
	unsigned int idx = if_nametoindex(dev);

	if (!idx)
		fprintf(stderr, "%s: device '%s' not found\n", prog_name, dev);
	return (int)idx;
}

static __u32 prog_id_of_fd(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static void unpin_dev(const char *dev)
{
	static const char *const names[] = { XFP_PIN_PROG_XDP, XFP_MAP_STATS,
					     XFP_MAP_PROTO_STATS };
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!pin_path(path, sizeof(path), dev, names[i]))
			unlink(path);
	if (!pin_path(path, sizeof(path), dev, NULL))
		rmdir(path);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u32 mode = XDP_FLAGS_DRV_MODE, cur_id = 0;
	struct xfp_xdp *skel = NULL;
	char path[512];
	const char *dev;
	int c, ifindex, err;

	while ((c = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "native"))
				mode = XDP_FLAGS_DRV_MODE;
			else if (!strcmp(optarg, "generic"))
				mode = XDP_FLAGS_SKB_MODE;
			else {
				fprintf(stderr,
					"%s: --mode '%s' is wrong: expected native or generic\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 'h':
			attach_usage(stdout);
			return 0;
		default:
			attach_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		attach_usage(stderr);
		return 2;
	}
	dev = argv[optind];
	ifindex = dev_ifindex(dev);
	if (!ifindex)
		return 1;
	libbpf_set_print(libbpf_warn_only);

	if (bpf_xdp_query_id(ifindex, 0, &cur_id) == 0 && cur_id) {
		int fd = -1;

		if (!pin_path(path, sizeof(path), dev, XFP_PIN_PROG_XDP))
			fd = bpf_obj_get(path);
		if (fd >= 0 && prog_id_of_fd(fd) == cur_id) {
			fprintf(stderr,
				"%s: %s: xfp is already attached (prog id %u)\n",
				prog_name, dev, cur_id);
			close(fd);
			return 1;
		}
		if (fd >= 0)
			close(fd);
		fprintf(stderr,
			"%s: %s already has an XDP program (id %u) that xfp did not attach; "
			"remove it first (ip link set dev %s xdp off)\n",
			prog_name, dev, cur_id, dev);
		return 1;
	}

	err = pin_root_prepare();
	if (err)
		return 1;
	if (pin_path(path, sizeof(path), dev, NULL) ||
	    (mkdir(path, 0700) && errno != EEXIST)) {
		fprintf(stderr, "%s: cannot create %s: %s\n", prog_name, path,
			strerror(errno));
		return 1;
	}

	skel = xfp_xdp__open_and_load();
	if (!skel) {
		fprintf(stderr, "%s: loading the XDP program failed: %s\n",
			prog_name, strerror(errno));
		goto fail;
	}
	if (pin_path(path, sizeof(path), dev, XFP_PIN_PROG_XDP) ||
	    bpf_program__pin(skel->progs.xfp_xdp_ingress, path)) {
		fprintf(stderr, "%s: cannot pin %s: %s\n", prog_name, path,
			strerror(errno));
		goto fail;
	}
	if (pin_path(path, sizeof(path), dev, XFP_MAP_STATS) ||
	    bpf_map__pin(skel->maps.xfp_stats, path) ||
	    pin_path(path, sizeof(path), dev, XFP_MAP_PROTO_STATS) ||
	    bpf_map__pin(skel->maps.xfp_proto_stats, path)) {
		fprintf(stderr, "%s: cannot pin %s: %s\n", prog_name, path,
			strerror(errno));
		goto fail;
	}
	err = bpf_xdp_attach(ifindex,
			     bpf_program__fd(skel->progs.xfp_xdp_ingress),
			     mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		fprintf(stderr,
			"%s: attaching XDP (%s mode) to %s failed: %s\n",
			prog_name,
			mode == XDP_FLAGS_DRV_MODE ? "native" : "generic", dev,
			strerror(-err));
		goto fail;
	}
	printf("%s: attached (xdp prog id %u, %s mode)\n", dev,
	       prog_id_of_fd(bpf_program__fd(skel->progs.xfp_xdp_ingress)),
	       mode == XDP_FLAGS_DRV_MODE ? "native" : "generic");
	xfp_xdp__destroy(skel);
	return 0;
fail:
	unpin_dev(dev);
	xfp_xdp__destroy(skel);
	return 1;
}

int cmd_detach(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 flags = 0, pinned_id;
	char path[512];
	const char *dev;
	int ifindex, fd, err;

	if (argc == 2 &&
	    (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		detach_usage(stdout);
		return 0;
	}
	if (argc != 2) {
		detach_usage(stderr);
		return 2;
	}
	dev = argv[1];
	ifindex = dev_ifindex(dev);
	if (!ifindex)
		return 1;
	libbpf_set_print(libbpf_warn_only);

	if (pin_path(path, sizeof(path), dev, XFP_PIN_PROG_XDP))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: xfp is not attached (no pin at %s)\n",
			prog_name, dev, path);
		return 1;
	}
	pinned_id = prog_id_of_fd(fd);
	if (bpf_xdp_query(ifindex, 0, &q) == 0) {
		if (q.attach_mode == XDP_ATTACHED_SKB)
			flags = XDP_FLAGS_SKB_MODE;
		else if (q.attach_mode == XDP_ATTACHED_DRV)
			flags = XDP_FLAGS_DRV_MODE;
	}
	if (q.prog_id && q.prog_id != pinned_id) {
		fprintf(stderr,
			"%s: %s: the attached XDP program (id %u) is not xfp's (id %u); "
			"leaving it, removing xfp's stale pins\n",
			prog_name, dev, q.prog_id, pinned_id);
	} else if (q.prog_id) {
		aopts.old_prog_fd = fd;
		err = bpf_xdp_attach(ifindex, -1, flags | XDP_FLAGS_REPLACE,
				     &aopts);
		if (err) {
			fprintf(stderr,
				"%s: detaching XDP from %s failed: %s\n",
				prog_name, dev, strerror(-err));
			close(fd);
			return 1;
		}
	}
	close(fd);
	unpin_dev(dev);
	printf("%s: detached\n", dev);
	return 0;
}
