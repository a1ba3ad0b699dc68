// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_attach.c - `xfp attach DEV` and `xfp detach DEV`.
 *
 * attach loads the XDP ingress and TC egress programs (sharing their
 * maps), commits the empty policy (nothing filtered), pins programs and
 * maps under ROOT/DEV/ (see pin.h), attaches XDP through netlink and TC
 * egress as a link-less tcx attachment (BPF_PROG_ATTACH, target ifindex),
 * so both outlive this process AND its pins: removing ROOT/DEV does not
 * detach anything (no fail-open).  It refuses a device that already has
 * an XDP program xfp did not put there, or an orphaned xfp program.
 *
 * detach removes the XDP program only if it is the one pinned under
 * ROOT/DEV (an atomic replace-if-still-ours), detaches exactly xfp's
 * pinned TC program from tcx egress (other TC programs are not touched),
 * then removes the pins.  Without pins it removes the orphaned xfp
 * programs on DEV (found by name, see dp_orphan.h), each by its id.
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
#include "bpf/xfp_tc.skel.h"
#include "bpf/xfp_xdp.skel.h"
#include "loader/dp_load.h"
#include "loader/dp_orphan.h"
#include "loader/pin.h"
#include "policy/dp_commit.h"

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
		"Usage: %s attach DEV [--mode native|generic] [--idle-timeout SEC]\n"
		"                     [--flow-cache SLOTS]\n"
		"\n"
		"Load xfp's XDP ingress and TC egress programs, pin them and their\n"
		"maps under the bpffs (/sys/fs/bpf/xfp/DEV, or $XFP_BPFFS/xfp/DEV)\n"
		"and attach them to DEV with the empty policy (everything permitted)\n"
		"until 'xfp policy load'.  The maps shared with the crypto worker go\n"
		"under DEV/worker/; start 'xfp worker DEV' after attaching.\n"
		"  --mode native        driver XDP (default)\n"
		"  --mode generic       generic (skb) XDP, for drivers without XDP\n"
		"  --idle-timeout SEC   a UDP/ICMP connection that ALE authorized\n"
		"                       ends after SEC seconds without a packet\n"
		"                       (default %d)\n"
		"  --flow-cache SLOTS   flow cache slots per CPU, a power of two\n"
		"                       from %d to %d (default %d; 56 bytes\n"
		"                       each; docs/datapath.md on choosing)\n",
		prog_name, XFP_CONN_IDLE_DEFAULT_S, XFP_FLOWS_MIN,
		XFP_FLOWS_LIMIT, XFP_FLOWS_DEFAULT);
}

static void detach_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s detach DEV\n"
		"\n"
		"Detach xfp's XDP and TC egress programs from DEV and remove its\n"
		"pins.  A program that xfp did not attach is left alone.  Without\n"
		"pins, removes orphaned xfp programs (named xfp_*) from DEV.\n",
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
	static const char *const names[] = {
		XFP_PIN_PROG_XDP, XFP_PIN_PROG_TC,     XFP_PIN_LINK_TC,
		XFP_MAP_STATS,	  XFP_MAP_PROTO_STATS, XFP_MAP_POLICY,
		XFP_MAP_FLOWS,	  XFP_MAP_CONNS,
	};
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!pin_path(path, sizeof(path), dev, names[i]))
			unlink(path);
	/* The maps shared with the worker stay while a worker is
	 * installed on DEV (it uses them; `xfp worker DEV --remove`
	 * removes them). */
	if (!pin_worker_installed(dev))
		pin_shared_unpin(dev);
	if (!pin_path(path, sizeof(path), dev, NULL))
		rmdir(path);
}

int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "flow-cache", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	__u32 mode = XDP_FLAGS_DRV_MODE, cur_id = 0;
	__u64 idle_ns = XFP_CONN_IDLE_DEFAULT_S * 1000000000ull;
	__u32 flow_slots = XFP_FLOWS_DEFAULT;
	char *end;
	unsigned long v;
	struct xfp_xdp *skel = NULL;
	struct xfp_tc *tc = NULL;
	int tc_attached = 0, xdp_attached = 0;
	char path[512];
	const char *dev;
	int c, ifindex, err;

	while ((c = getopt_long(argc, argv, "m:i:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg ||
			    v < XFP_FLOWS_MIN || v > XFP_FLOWS_LIMIT ||
			    (v & (v - 1))) {
				fprintf(stderr,
					"%s: --flow-cache '%s' is wrong: expected a power of two from %d to %d\n",
					prog_name, optarg, XFP_FLOWS_MIN,
					XFP_FLOWS_LIMIT);
				return 2;
			}
			flow_slots = (__u32)v;
			break;
		case 'i':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !v || v > 86400) {
				fprintf(stderr,
					"%s: --idle-timeout '%s' is wrong: expected seconds, 1 to 86400\n",
					prog_name, optarg);
				return 2;
			}
			idle_ns = v * 1000000000ull;
			break;
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
		if (dp_xfp_xdp_on(ifindex) == cur_id) {
			fprintf(stderr,
				"%s: %s has an orphaned xfp XDP program (id %u) without pins; "
				"remove it first (xfp detach %s)\n",
				prog_name, dev, cur_id, dev);
			return 1;
		}
		fprintf(stderr,
			"%s: %s already has an XDP program (id %u) that xfp did not attach; "
			"remove it first (ip link set dev %s xdp off)\n",
			prog_name, dev, cur_id, dev);
		return 1;
	}

	{
		__u32 ids[4];
		int n = dp_xfp_tcx_on(ifindex, ids, 4);

		if (n > 0) {
			fprintf(stderr,
				"%s: %s has an orphaned xfp TC egress program (id %u) "
				"without pins; remove it first (xfp detach %s)\n",
				prog_name, dev, ids[0], dev);
			return 1;
		}
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

	/* The crypto worker's maps (XSKMAPs, SA references, its config,
	 * the acquire ring): the ones a worker already pinned are reused,
	 * the others are created here and pinned for the worker. */
	skel = xfp_xdp__open();
	if (skel) {
		skel->rodata->xfp_conn_idle_ns = idle_ns;
		skel->rodata->xfp_flow_mask = flow_slots - 1;
	}
	if (!skel || pin_shared_reuse(skel->obj, dev) ||
	    bpf_map__set_max_entries(skel->maps.xfp_flows, flow_slots) ||
	    xfp_xdp__load(skel)) {
		fprintf(stderr, "%s: loading the XDP program failed: %s\n",
			prog_name, strerror(errno));
		goto fail;
	}
	/* Shared with XDP: policy, flow cache, counters, trace.  Not
	 * xfp_scratch: each program builds its key in its own. */
	tc = xfp_tc__open();
	if (tc) {
		tc->rodata->xfp_conn_idle_ns = idle_ns;
		tc->rodata->xfp_flow_mask = flow_slots - 1;
	}
	if (!tc ||
	    bpf_map__reuse_fd(tc->maps.xfp_policy,
			      bpf_map__fd(skel->maps.xfp_policy)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_flows,
			      bpf_map__fd(skel->maps.xfp_flows)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_stats,
			      bpf_map__fd(skel->maps.xfp_stats)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_proto_stats,
			      bpf_map__fd(skel->maps.xfp_proto_stats)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_trace,
			      bpf_map__fd(skel->maps.xfp_trace)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_conns,
			      bpf_map__fd(skel->maps.xfp_conns)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_peer_out,
			      bpf_map__fd(skel->maps.xfp_peer_out)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_filter_sa,
			      bpf_map__fd(skel->maps.xfp_filter_sa)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_worker_cfg,
			      bpf_map__fd(skel->maps.xfp_worker_cfg)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_acquire,
			      bpf_map__fd(skel->maps.xfp_acquire)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_spi_in,
			      bpf_map__fd(skel->maps.xfp_spi_in)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_xsks,
			      bpf_map__fd(skel->maps.xfp_xsks)) ||
	    bpf_map__reuse_fd(tc->maps.xfp_xsks_out,
			      bpf_map__fd(skel->maps.xfp_xsks_out)) ||
	    xfp_tc__load(tc)) {
		fprintf(stderr, "%s: loading the TC program failed: %s\n",
			prog_name, strerror(errno));
		goto fail;
	}
	{
		/* The worker's programs judge decrypted connections with
		 * the same idle timeout. */
		__u32 zero = 0;
		struct xfp_worker_cfg cfg = { 0 };
		int cfd = bpf_map__fd(skel->maps.xfp_worker_cfg);

		if (bpf_map_lookup_elem(cfd, &zero, &cfg))
			memset(&cfg, 0, sizeof(cfg));
		cfg.idle_s = (__u32)(idle_ns / 1000000000ull);
		(void)bpf_map_update_elem(cfd, &zero, &cfg, 0);
	}
	{
		/* Start with the empty policy: no filter, so WFP's default
		 * (permit) applies until a policy is loaded. */
		struct xfp_policy *p = xfp_policy_new();
		struct xfp_errors errs = { 0 };
		struct dp_device dv = { .ifindex = (uint32_t)ifindex };
		struct dp_table t;
		char msg[256] = "out of memory";

		snprintf(dv.ifname, sizeof(dv.ifname), "%s", dev);
		err = !p || xfp_policy_finalize(p, &errs) ||
		      dp_compile(p, &dv, "", 0, 1, &t, msg, sizeof(msg));
		if (!err) {
			err = dp_commit(bpf_map__fd(skel->maps.xfp_policy), &t,
					msg, sizeof(msg));
			dp_table_free(&t);
		}
		xfp_errors_free(&errs);
		xfp_policy_free(p);
		if (err) {
			fprintf(stderr,
				"%s: committing the empty policy failed: %s\n",
				prog_name, msg);
			goto fail;
		}
	}
	if (pin_path(path, sizeof(path), dev, XFP_PIN_PROG_XDP) ||
	    bpf_program__pin(skel->progs.xfp_xdp_ingress, path) ||
	    pin_path(path, sizeof(path), dev, XFP_PIN_PROG_TC) ||
	    bpf_program__pin(tc->progs.xfp_tc_egress, path)) {
		fprintf(stderr, "%s: cannot pin %s: %s\n", prog_name, path,
			strerror(errno));
		goto fail;
	}
	if (pin_path(path, sizeof(path), dev, XFP_MAP_STATS) ||
	    bpf_map__pin(skel->maps.xfp_stats, path) ||
	    pin_path(path, sizeof(path), dev, XFP_MAP_PROTO_STATS) ||
	    bpf_map__pin(skel->maps.xfp_proto_stats, path) ||
	    pin_path(path, sizeof(path), dev, XFP_MAP_POLICY) ||
	    bpf_map__pin(skel->maps.xfp_policy, path) ||
	    pin_path(path, sizeof(path), dev, XFP_MAP_FLOWS) ||
	    bpf_map__pin(skel->maps.xfp_flows, path) ||
	    pin_path(path, sizeof(path), dev, XFP_MAP_CONNS) ||
	    bpf_map__pin(skel->maps.xfp_conns, path)) {
		fprintf(stderr, "%s: cannot pin %s: %s\n", prog_name, path,
			strerror(errno));
		goto fail;
	}
	if (pin_shared_pin(skel->obj, dev))
		goto fail;
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
	xdp_attached = 1;
	{
		/* Link-less tcx: held by the device, not by a pin or fd. */
		LIBBPF_OPTS(bpf_prog_attach_opts, po);

		err = bpf_prog_attach_opts(
			bpf_program__fd(tc->progs.xfp_tc_egress), ifindex,
			XFP_BPF_TCX_EGRESS, &po);
		if (err) {
			fprintf(stderr,
				"%s: attaching TC egress (tcx) to %s failed: %s\n",
				prog_name, dev, strerror(errno));
			goto fail;
		}
		tc_attached = 1;
	}
	printf("%s: attached (xdp prog id %u, %s mode; tc egress prog id %u)\n",
	       dev, prog_id_of_fd(bpf_program__fd(skel->progs.xfp_xdp_ingress)),
	       mode == XDP_FLAGS_DRV_MODE ? "native" : "generic",
	       prog_id_of_fd(bpf_program__fd(tc->progs.xfp_tc_egress)));
	xfp_tc__destroy(tc);
	xfp_xdp__destroy(skel);
	return 0;
fail:
	if (tc_attached)
		bpf_prog_detach2(bpf_program__fd(tc->progs.xfp_tc_egress),
				 ifindex, XFP_BPF_TCX_EGRESS);
	if (xdp_attached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, ao,
			    .old_prog_fd = bpf_program__fd(
				    skel->progs.xfp_xdp_ingress));
		bpf_xdp_attach(ifindex, -1, mode | XDP_FLAGS_REPLACE, &ao);
	}
	unpin_dev(dev);
	xfp_tc__destroy(tc);
	xfp_xdp__destroy(skel);
	return 1;
}

/* No pins: remove the xfp programs left on DEV, each by its id. */
static int detach_orphans(const char *dev, int ifindex, const char *pin)
{
	__u32 xdp = dp_xfp_xdp_on(ifindex), tcx[8];
	int n = dp_xfp_tcx_on(ifindex, tcx, 8), rc = 0;

	if (!xdp && !n) {
		fprintf(stderr, "%s: %s: xfp is not attached (no pin at %s)\n",
			prog_name, dev, pin);
		return 1;
	}
	if (xdp) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, ao);
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		__u32 flags = 0;
		int fd = bpf_prog_get_fd_by_id(xdp), err = -errno;

		if (!bpf_xdp_query(ifindex, 0, &q))
			flags = q.attach_mode == XDP_ATTACHED_SKB ?
					XDP_FLAGS_SKB_MODE :
				q.attach_mode == XDP_ATTACHED_DRV ?
					XDP_FLAGS_DRV_MODE :
					0;
		if (fd >= 0) {
			ao.old_prog_fd = fd;
			err = bpf_xdp_attach(ifindex, -1,
					     flags | XDP_FLAGS_REPLACE, &ao);
			close(fd);
		}
		if (err) {
			fprintf(stderr,
				"%s: %s: removing the orphaned XDP program (id %u) failed: %s\n",
				prog_name, dev, xdp, strerror(-err));
			rc = 1;
		} else {
			printf("%s: removed orphaned xfp XDP program (id %u)\n",
			       dev, xdp);
		}
	}
	for (int i = 0; i < n; i++) {
		int fd = bpf_prog_get_fd_by_id(tcx[i]);

		if (fd < 0 ||
		    bpf_prog_detach2(fd, ifindex, XFP_BPF_TCX_EGRESS)) {
			fprintf(stderr,
				"%s: %s: removing the orphaned TC egress program (id %u) failed: %s\n",
				prog_name, dev, tcx[i], strerror(errno));
			rc = 1;
		} else {
			printf("%s: removed orphaned xfp TC egress program (id %u)\n",
			       dev, tcx[i]);
		}
		if (fd >= 0)
			close(fd);
	}
	unpin_dev(dev);
	return rc;
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
	if (fd < 0)
		return detach_orphans(dev, ifindex, path);
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
	/* Exactly our pinned TC program: other TC programs on DEV stay. */
	if (!pin_path(path, sizeof(path), dev, XFP_PIN_PROG_TC)) {
		int tfd = bpf_obj_get(path);

		if (tfd >= 0) {
			if (dp_tcx_has(ifindex, prog_id_of_fd(tfd)) &&
			    bpf_prog_detach2(tfd, ifindex, XFP_BPF_TCX_EGRESS))
				fprintf(stderr,
					"%s: detaching TC egress from %s: %s\n",
					prog_name, dev, strerror(errno));
			close(tfd);
		}
	}
	/* A tcx link pinned by an older xfp. */
	if (!pin_path(path, sizeof(path), dev, XFP_PIN_LINK_TC)) {
		int lfd = bpf_obj_get(path);

		if (lfd >= 0) {
			bpf_link_detach(lfd);
			close(lfd);
		}
	}
	unpin_dev(dev);
	printf("%s: detached\n", dev);
	return 0;
}
