// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_worker.c - `xfp worker DEV`: the AF_XDP crypto worker of one NIC.
 *
 * Runs in the foreground (systemd-friendly): logs to stderr, exits 0 on
 * SIGTERM/SIGINT after removing its control socket and its AF_XDP sockets.
 * The BPF side (programs, maps, the veth pair xfpw<ifindex>/xfps<ifindex>)
 * stays: while no worker runs, every packet that needs it is dropped and
 * counted as no-worker, and a restarted worker takes over without a
 * re-attach.  `xfp worker DEV --remove` takes all of it away.
 *
 * The main thread owns the SA database's write side and serves the
 * control socket (crypto/worker_ctl.h); worker_xsk.c runs the rings.
 *
 * Standalone mode: the datapath's XDP/TC programs do not call the worker
 * hooks yet, so on a NIC without an XDP program the worker attaches its
 * own stand-ins (bpf/xfp_xsk.bpf.c: xfp_xsk_nic, xfp_xsk_tc) where traffic
 * to or from a peer named by an outbound SA's dst must be secured.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if_arp.h>
#include <sched.h>
#include <inttypes.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sodium.h>

#include "bpf/xfp_abi.h"
#include "bpf/xfp_xsk.skel.h"
#include "crypto/worker_ctl.h"
#include "loader/ctl.h"
#include "loader/pin.h"
#include "loader/subcommands.h"
#include "loader/worker.h"

/* loader/dp_load.h, whose policy types share names with crypto/'s */
bool dp_dev_attached(const char *dev);
int dp_ensure_contexts(const char *dev);

#define SEQ_RESERVE (1ull << 24) /* sequence numbers reserved ahead */
#define MAX_SAS 4096

/* Pins under ROOT/DEV/worker/. */
static const char *const map_pins[] = {
	XFP_MAP_XSKS,	  XFP_MAP_XSKS_OUT,  XFP_MAP_SPI_IN,
	XFP_MAP_PEER_OUT, XFP_MAP_WORKER,    XFP_MAP_ACQUIRE,
	XFP_MAP_SEQ,	  XFP_MAP_STATS,     XFP_MAP_PROTO_STATS,
	XFP_MAP_META_SA,  XFP_MAP_FILTER_SA,
};
static const char *const prog_pins[] = { "prog_nic", "prog_tc", "prog_worker",
					 "prog_stack", "prog_meta" };
#define TC_HANDLE 0x58
#define TC_PRIO 0x58

enum {
	M_XSKS,
	M_XSKS_OUT,
	M_SPI_IN,
	M_PEER_OUT,
	M_CFG,
	M_ACQ,
	M_SEQ,
	M_STATS,
	M_PSTATS,
	M_META,
	M_FILTER_SA,
	M__MAX
};

struct sa_entry {
	uint32_t id, spi;
	uint8_t dir, proto;
	struct xfp_peer_key peer; /* outbound: the protected peer */
	uint64_t reserved; /* outbound: seq high-water mark */
	uint64_t filters[XFP_SA_FILTERS_MAX]; /* outbound: filters using it */
	unsigned n_filters;
};

struct worker {
	const char *dev;
	struct xw_opts o;
	int fd[M__MAX];
	int stack_ifindex;
	char stack[IF_NAMESIZE];
	struct sa_entry sas[MAX_SAS];
	unsigned nsas;
	uint32_t next_id;
	struct xw *xw;
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xfp worker: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (getenv("XFP_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	/* An existing clsact qdisc (EEXIST from bpf_tc_hook_create) is
	 * expected, not worth the kernel's message. */
	if (level > LIBBPF_WARN || strstr(fmt, "Kernel error message"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run `ip ARGS...` (iproute2), quietly; returns its exit status. */
static int run_ip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_ip(const char *fmt, ...)
{
	char line[512], *argv[32], *save = NULL, *tok;
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argv[argc++] = "ip";
	for (tok = strtok_r(line, " ", &save); tok && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int nul = open("/dev/null", O_WRONLY);

		if (nul >= 0)
			dup2(nul, 1);
		execvp("ip", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static int dev_mac_mtu(const char *dev, uint8_t mac[6], unsigned *mtu)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		err = -EPROTOTYPE; /* frames are Ethernet on both sides */
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (!err && mtu) {
		if (ioctl(s, SIOCGIFMTU, &ifr))
			err = -errno;
		else
			*mtu = (unsigned)ifr.ifr_mtu;
	}
	close(s);
	return err;
}

/*
 * Segmentation and checksums of outbound packets happen in the kernel
 * when the TC redirect transmits them on the stack side: switch those
 * offloads off there, so the worker only ever sees complete packets.
 */
static int dev_offloads_off(const char *dev)
{
	static const __u32 cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_SSG,
				      ETHTOOL_STSO, ETHTOOL_SGSO };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;
	size_t i;

	if (s < 0)
		return -errno;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr = {};

		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(s, SIOCETHTOOL, &ifr) && errno != EOPNOTSUPP)
			err = -errno;
	}
	close(s);
	return err;
}

static unsigned dev_rx_queues(const char *dev)
{
	char path[256];
	unsigned n;

	for (n = 0; n < XFP_XSK_MAX_QUEUES; n++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u",
			 dev, n);
		if (access(path, F_OK))
			break;
	}
	return n ? n : 1;
}

static __u32 prog_id(int fd);

static int worker_pin(char *buf, size_t len, const char *dev, const char *name)
{
	return pin_worker_path(buf, len, dev, name);
}

/* Id of the program pinned at @path, 0 if there is none. */
static __u32 pin_prog_id(const char *path)
{
	int fd = bpf_obj_get(path);
	__u32 id;

	if (fd < 0)
		return 0;
	id = prog_id(fd);
	close(fd);
	return id;
}

/* Is xfp's datapath (`xfp attach`) attached to DEV?  Its XDP program is
 * pinned, and, when @xdp_id is given, it is the one on the NIC. */
static int datapath_attached(const char *dev, __u32 xdp_id)
{
	char path[512];
	__u32 id;

	if (pin_path(path, sizeof(path), dev, XFP_PIN_PROG_XDP))
		return 0;
	id = pin_prog_id(path);
	return xdp_id ? id == xdp_id : id != 0;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

static int pinned_prog_id(const char *dev, const char *name)
{
	char path[512];

	if (worker_pin(path, sizeof(path), dev, name))
		return 0;
	return (int)pin_prog_id(path);
}

/*
 * Remove the worker's pins.  With xfp's datapath attached to DEV, the maps
 * it shares with the worker and the device's counters belong to the
 * datapath and stay.
 */
static void unpin_all(const char *dev)
{
	int dp = datapath_attached(dev, 0);
	char path[512];
	size_t i;

	for (i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		if (dp && i <= M_ACQ)
			continue;
		if (!worker_pin(path, sizeof(path), dev, map_pins[i]))
			unlink(path);
	}
	for (i = 0; i < sizeof(prog_pins) / sizeof(prog_pins[0]); i++)
		if (!worker_pin(path, sizeof(path), dev, prog_pins[i]))
			unlink(path);
	if (!worker_pin(path, sizeof(path), dev, NULL))
		rmdir(path);
	if (dp)
		return;
	/* Standalone stats, where `xfp stats DEV` looks. */
	if (!pin_path(path, sizeof(path), dev, XFP_MAP_STATS))
		unlink(path);
	if (!pin_path(path, sizeof(path), dev, XFP_MAP_PROTO_STATS))
		unlink(path);
	if (!pin_path(path, sizeof(path), dev, NULL))
		rmdir(path);
}

static void veth_names(int ifindex, char *ws, char *st)
{
	snprintf(ws, IF_NAMESIZE, "xfpw%d", ifindex);
	snprintf(st, IF_NAMESIZE, "xfps%d", ifindex);
}

/* First start on DEV: load, pin, create the veth pair, attach. */
static int install(struct worker *w)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = w->o.nic_ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = TC_HANDLE,
		    .priority = TC_PRIO);
	LIBBPF_OPTS(bpf_tc_hook, shook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, sopts, .handle = TC_HANDLE,
		    .priority = TC_PRIO);
	struct bpf_map *maps[M__MAX];
	struct bpf_program *progs[5];
	struct xfp_xsk *skel;
	char path[512], sub[IF_NAMESIZE + 16];
	__u32 cur = 0;
	unsigned i;
	int err, q = (int)w->o.queues, dp = 0;

	/*
	 * With xfp's datapath attached (`xfp attach DEV`), its XDP and TC
	 * programs classify and call the worker hooks; the worker adds only
	 * its veth pair and the programs on it, sharing the datapath's maps
	 * and counters.  Without it ("standalone"), the worker attaches its
	 * stand-ins to the NIC.  Anyone else's XDP program is left alone.
	 */
	if (bpf_xdp_query_id(w->o.nic_ifindex, 0, &cur) == 0 && cur) {
		if (!datapath_attached(w->dev, cur)) {
			logmsg("%s has an XDP program (id %u) that is not xfp's; "
			       "remove it, or attach xfp (xfp attach %s) first",
			       w->dev, cur, w->dev);
			return -EBUSY;
		}
		dp = 1;
	}
	/*
	 * The stack side transmits on ONE queue, so every frame with the
	 * "secure" verdict reaches the worker side's rx queue 0 and thread 0:
	 * an outbound SA is only ever used by one thread (crypto/sa.h claims
	 * it), whatever flow hash the stack picked.  The worker side has a
	 * queue per thread for delivering decapsulated packets.
	 */
	if (run_ip("link add %s numtxqueues %d numrxqueues %d type veth peer name %s numtxqueues 1 numrxqueues %d",
		   w->o.wside, q, q, w->stack, q)) {
		logmsg("cannot create the veth pair %s/%s", w->o.wside,
		       w->stack);
		return -EIO;
	}
	w->o.wside_ifindex = (int)if_nametoindex(w->o.wside);
	w->stack_ifindex = (int)if_nametoindex(w->stack);
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 w->o.wside);
	write_sysctl(path, "1");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/rp_filter",
		 w->stack);
	write_sysctl(path, "0");
	if (run_ip("link set dev %s mtu %u", w->o.wside, w->o.mtu) ||
	    run_ip("link set dev %s mtu %u addrgenmode none", w->stack,
		   w->o.mtu) ||
	    dev_offloads_off(w->stack) || dev_offloads_off(w->o.wside) ||
	    run_ip("link set dev %s up", w->o.wside) ||
	    run_ip("link set dev %s up", w->stack)) {
		logmsg("cannot configure the veth pair %s/%s", w->o.wside,
		       w->stack);
		err = -EIO;
		goto fail_veth;
	}

	skel = xfp_xsk__open();
	err = skel ? pin_shared_reuse(skel->obj, w->dev) : -errno;
	if (!err && dp) {
		/* One set of counters per device: the datapath's.  The
		 * committed policy and the ALE connections too: decrypted
		 * packets are classified on the stack side (xfp_xsk_meta)
		 * in their SA's protection context. */
		int sfd = pin_open_map(w->dev, XFP_MAP_STATS);
		int pfd = pin_open_map(w->dev, XFP_MAP_PROTO_STATS);
		int qfd = pin_open_map(w->dev, XFP_MAP_POLICY);
		int cfd = pin_open_map(w->dev, XFP_MAP_CONNS);
		char cpath[512];
		int wfd = -1;

		err = sfd < 0 ? sfd :
		      pfd < 0 ? pfd :
		      qfd < 0 ? qfd :
		      cfd < 0 ? cfd :
				0;
		if (!err)
			err = bpf_map__reuse_fd(skel->maps.xfp_stats, sfd);
		if (!err)
			err = bpf_map__reuse_fd(skel->maps.xfp_proto_stats,
						pfd);
		if (!err)
			err = bpf_map__reuse_fd(skel->maps.xfp_policy, qfd);
		if (!err)
			err = bpf_map__reuse_fd(skel->maps.xfp_conns, cfd);
		if (!err && !pin_worker_path(cpath, sizeof(cpath), w->dev,
					     XFP_MAP_WORKER))
			wfd = bpf_obj_get(cpath);
		if (wfd >= 0) {
			__u32 zero = 0;
			struct xfp_worker_cfg cfg;

			if (!bpf_map_lookup_elem(wfd, &zero, &cfg) &&
			    cfg.idle_s)
				skel->rodata->xfp_conn_idle_ns =
					(__u64)cfg.idle_s * 1000000000ull;
			close(wfd);
		}
		skel->rodata->xfp_xsk_dp = 1;
		if (sfd >= 0)
			close(sfd);
		if (pfd >= 0)
			close(pfd);
		if (qfd >= 0)
			close(qfd);
		if (cfd >= 0)
			close(cfd);
	}
	if (!err)
		err = xfp_xsk__load(skel);
	if (err) {
		logmsg("loading bpf/xfp_xsk.bpf.o failed: %s", strerror(-err));
		xfp_xsk__destroy(skel);
		goto fail_veth;
	}
	maps[M_XSKS] = skel->maps.xfp_xsks;
	maps[M_XSKS_OUT] = skel->maps.xfp_xsks_out;
	maps[M_SPI_IN] = skel->maps.xfp_spi_in;
	maps[M_PEER_OUT] = skel->maps.xfp_peer_out;
	maps[M_CFG] = skel->maps.xfp_worker_cfg;
	maps[M_ACQ] = skel->maps.xfp_acquire;
	maps[M_SEQ] = skel->maps.xfp_sa_seq;
	maps[M_STATS] = skel->maps.xfp_stats;
	maps[M_PSTATS] = skel->maps.xfp_proto_stats;
	maps[M_META] = skel->maps.xfp_meta_sa;
	maps[M_FILTER_SA] = skel->maps.xfp_filter_sa;
	progs[0] = skel->progs.xfp_xsk_nic;
	progs[1] = skel->progs.xfp_xsk_tc;
	progs[2] = skel->progs.xfp_xsk_worker;
	progs[3] = skel->progs.xfp_xsk_stack;
	progs[4] = skel->progs.xfp_xsk_meta;

	err = pin_root_prepare();
	snprintf(sub, sizeof(sub), "%s/worker", w->dev);
	if (!err) {
		pin_path(path, sizeof(path), w->dev, NULL);
		mkdir(path, 0700);
		pin_path(path, sizeof(path), sub, NULL);
		if (mkdir(path, 0700) && errno != EEXIST)
			err = -errno;
	}
	for (i = 0; !err && i < M__MAX; i++) {
		worker_pin(path, sizeof(path), w->dev, map_pins[i]);
		if (!access(path, F_OK))
			continue; /* shared, pinned by `xfp attach` */
		err = bpf_map__pin(maps[i], path);
	}
	for (i = dp ? 2 : 0; !err && i < 5; i++) {
		worker_pin(path, sizeof(path), w->dev, prog_pins[i]);
		err = bpf_program__pin(progs[i], path);
	}
	if (!err && !dp) {
		/* `xfp stats DEV` finds the standalone counters. */
		pin_path(path, sizeof(path), w->dev, XFP_MAP_STATS);
		err = bpf_obj_pin(bpf_map__fd(maps[M_STATS]), path);
		pin_path(path, sizeof(path), w->dev, XFP_MAP_PROTO_STATS);
		if (!err)
			err = bpf_obj_pin(bpf_map__fd(maps[M_PSTATS]), path);
	}
	if (err) {
		logmsg("pinning under %s failed: %s", path, strerror(-err));
		goto fail_skel;
	}
	{
		const int ifs[3] = { w->o.wside_ifindex, w->stack_ifindex,
				     w->o.nic_ifindex };
		const char *names[3] = { w->o.wside, w->stack, w->dev };
		const int pi[3] = { 2, 3, 0 };

		for (i = 0; i < (dp ? 2u : 3u); i++) {
			err = bpf_xdp_attach(
				ifs[i], bpf_program__fd(progs[pi[i]]),
				XDP_FLAGS_DRV_MODE |
					XDP_FLAGS_UPDATE_IF_NOEXIST,
				NULL);
			if (err) {
				logmsg("attaching XDP to %s failed: %s",
				       names[i], strerror(-err));
				goto fail_attach;
			}
		}
	}
	if (!dp) {
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			logmsg("creating the clsact hook on %s failed: %s",
			       w->dev, strerror(-err));
			goto fail_attach;
		}
		topts.prog_fd = bpf_program__fd(progs[1]);
		err = bpf_tc_attach(&hook, &topts);
		if (err) {
			logmsg("attaching TC egress on %s failed: %s", w->dev,
			       strerror(-err));
			goto fail_attach;
		}
	}
	/* The stack side is xfp's own device: its clsact goes with it. */
	shook.ifindex = w->stack_ifindex;
	sopts.prog_fd = bpf_program__fd(progs[4]);
	err = bpf_tc_hook_create(&shook);
	if (!err || err == -EEXIST)
		err = bpf_tc_attach(&shook, &sopts);
	if (err) {
		logmsg("attaching TC ingress on %s failed: %s", w->stack,
		       strerror(-err));
		goto fail_tc;
	}
	if (dp)
		logmsg("installed on %s with xfp's datapath (XDP prog %u): veth %s/%s",
		       w->dev, cur, w->o.wside, w->stack);
	else
		logmsg("installed on %s standalone: XDP prog %u, TC egress prog %u, veth %s/%s",
		       w->dev, prog_id(bpf_program__fd(progs[0])),
		       prog_id(bpf_program__fd(progs[1])), w->o.wside,
		       w->stack);
	xfp_xsk__destroy(skel);
	return 0;
fail_tc:
	if (!dp) {
		topts.prog_fd = 0;
		topts.prog_id = 0;
		topts.flags = 0;
		bpf_tc_detach(&hook, &topts);
	}
fail_attach:
	if (!dp)
		bpf_xdp_detach(w->o.nic_ifindex, XDP_FLAGS_DRV_MODE, NULL);
fail_skel:
	unpin_all(w->dev);
	xfp_xsk__destroy(skel);
fail_veth:
	run_ip("link del %s", w->o.wside);
	return err;
}

/* `xfp worker DEV --remove`: everything install() made, only that. */
static int uninstall(struct worker *w)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = w->o.nic_ifindex,
		    .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, topts, .handle = TC_HANDLE,
		    .priority = TC_PRIO);
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	char path[512];
	int fd, rc = 0;

	if (!pin_worker_installed(w->dev)) {
		worker_pin(path, sizeof(path), w->dev, "prog_worker");
		fprintf(stderr, "%s: no worker state for %s (%s)\n", prog_name,
			w->dev, path);
		return 1;
	}
	if (worker_pin(path, sizeof(path), w->dev, "prog_nic"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		/* Installed with xfp's datapath: the NIC's programs are the
		 * datapath's (`xfp detach` removes them). */
		if (if_nametoindex(w->o.wside))
			run_ip("link del %s", w->o.wside);
		unpin_all(w->dev);
		printf("%s: worker state removed\n", w->dev);
		return 0;
	}
	aopts.old_prog_fd = fd;
	if (bpf_xdp_attach(w->o.nic_ifindex, -1,
			   XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &aopts)) {
		fprintf(stderr,
			"%s: %s: XDP program is not the worker's; left alone\n",
			prog_name, w->dev);
		rc = 1;
	}
	close(fd);
	if (!pinned_prog_id(w->dev, "prog_tc") || bpf_tc_query(&hook, &topts) ||
	    topts.prog_id != (__u32)pinned_prog_id(w->dev, "prog_tc")) {
		fprintf(stderr,
			"%s: %s: TC egress filter is not the worker's; left alone\n",
			prog_name, w->dev);
		rc = 1;
	} else {
		topts.prog_id = 0;
		topts.prog_fd = 0;
		topts.flags = 0;
		bpf_tc_detach(&hook, &topts);
	}
	if (if_nametoindex(w->o.wside))
		run_ip("link del %s", w->o.wside);
	unpin_all(w->dev);
	printf("%s: worker state removed\n", w->dev);
	return rc;
}

static int open_pins(struct worker *w)
{
	char path[512];
	unsigned i;

	for (i = 0; i < M__MAX; i++) {
		worker_pin(path, sizeof(path), w->dev, map_pins[i]);
		w->fd[i] = bpf_obj_get(path);
		if (w->fd[i] < 0) {
			logmsg("cannot open %s: %s", path, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ SA state */

/*
 * Record that @e's sequence numbers up to @upto are reserved.  Returns 0,
 * or the errno of the map update: E2BIG when xfp_sa_seq is full (a new
 * (SPI, peer) has no room; an existing record is always replaced).  The
 * reservation only counts once recorded.
 */
static int seq_reserve(struct worker *w, struct sa_entry *e, uint64_t upto)
{
	struct xfp_seq_key k = { .spi = e->spi, .family = e->peer.family };
	int err;

	memcpy(k.dst, e->peer.addr, sizeof(k.dst));
	if (bpf_map_update_elem(w->fd[M_SEQ], &k, &upto, 0)) {
		err = errno;
		logmsg("sa %u: recording the sequence reservation: %s", e->id,
		       strerror(err));
		return err;
	}
	e->reserved = upto;
	return 0;
}

/* The sa_add reply when @e's first reservation cannot be recorded. */
static int seq_reserve_refused(struct worker *w, const struct sa_entry *e,
			       int err, FILE *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char peer[INET6_ADDRSTRLEN];

	inet_ntop(e->peer.family == 4 ? AF_INET : AF_INET6, e->peer.addr, peer,
		  sizeof(peer));
	if (err != E2BIG) {
		fprintf(out,
			"message=recording the sequence reservation of SPI 0x%08x to %s in %s: %s; the SA is not installed\n",
			e->spi, peer, XFP_MAP_SEQ, strerror(err));
		return err;
	}
	bpf_obj_get_info_by_fd(w->fd[M_SEQ], &info, &len);
	fprintf(out,
		"message=cannot record the sequence reservation of SPI 0x%08x to %s: %s is full (%u records, one per SPI and peer, kept after their SAs so that a key added again never reuses a sequence number); the SA is not installed. Use an SPI already used with this peer, or, when no old key will be added again, start over with '%s worker %s --remove' and a new worker\n",
		e->spi, peer, XFP_MAP_SEQ, info.max_entries, prog_name, w->dev);
	return ENOSPC;
}

static struct sa_entry *find_sa(struct worker *w, uint32_t id)
{
	unsigned i;

	for (i = 0; i < w->nsas; i++)
		if (w->sas[i].id == id)
			return &w->sas[i];
	return NULL;
}

/* Remove @e from the BPF maps: inbound SPI unknown again, outbound peer
 * still protected but without SA (acquire + drop). */
static void unpublish(struct worker *w, struct sa_entry *e)
{
	if (e->dir == XFP_SA_IN) {
		struct xfp_spi_key k = { .spi = htonl(e->spi),
					 .proto = e->proto };
		unsigned i;

		for (i = 0; i < w->nsas; i++)
			if (&w->sas[i] != e && w->sas[i].dir == XFP_SA_IN &&
			    w->sas[i].spi == e->spi &&
			    w->sas[i].proto == e->proto)
				return;
		bpf_map_delete_elem(w->fd[M_SPI_IN], &k);
	} else {
		struct xfp_sa_ref none = { 0, 0 };
		struct xfp_sa_ref cur;
		unsigned i;

		if (!bpf_map_lookup_elem(w->fd[M_PEER_OUT], &e->peer, &cur) &&
		    cur.sa_id == e->id)
			bpf_map_update_elem(w->fd[M_PEER_OUT], &e->peer, &none,
					    0);
		for (i = 0; i < e->n_filters; i++)
			if (!bpf_map_lookup_elem(w->fd[M_FILTER_SA],
						 &e->filters[i], &cur) &&
			    cur.sa_id == e->id)
				bpf_map_delete_elem(w->fd[M_FILTER_SA],
						    &e->filters[i]);
	}
}

static void forget_sa(struct worker *w, struct sa_entry *e)
{
	unpublish(w, e);
	*e = w->sas[--w->nsas];
}

static int sa_add(struct worker *w, struct xfp_ctl_req *r, FILE *out)
{
	struct xfp_sa_config *c = &r->sa;
	struct sa_entry e = {};
	uint64_t stored;
	uint32_t ctx;
	int err;

	if (w->nsas >= MAX_SAS)
		return ENOSPC;
	if (!c->id) {
		while (!c->id || find_sa(w, c->id))
			c->id = w->next_id++;
	}
	if (find_sa(w, c->id)) {
		fprintf(out, "message=sa id %u exists\n", c->id);
		return EEXIST;
	}
	e.id = c->id;
	e.spi = c->spi;
	e.dir = c->dir;
	e.proto = c->proto;
	if (c->dir == XFP_SA_OUT) {
		struct xfp_seq_key k = { .spi = c->spi };

		if (c->dst.family != AF_INET && c->dst.family != AF_INET6) {
			fprintf(out,
				"message=an outbound SA needs dst (the peer whose traffic it protects)\n");
			return EINVAL;
		}
		e.peer.family = c->dst.family == AF_INET ? 4 : 6;
		memcpy(e.peer.addr, c->dst.a,
		       c->dst.family == AF_INET ? 4 : 16);
		k.family = e.peer.family;
		memcpy(k.dst, e.peer.addr, sizeof(k.dst));
		if (!bpf_map_lookup_elem(w->fd[M_SEQ], &k, &stored) &&
		    stored > c->seq_start) {
			c->seq_start = stored;
			logmsg("sa %u: continuing after sequence number %" PRIu64,
			       c->id, stored);
		} else if (c->seq_start) { /* `sa add ... seq N` */
			logmsg("sa %u: starting after sequence number %" PRIu64,
			       c->id, c->seq_start);
		}
		if (!c->esn && c->seq_start > UINT32_MAX) {
			fprintf(out,
				"message=sequence numbers of this SPI and peer reserved up to %" PRIu64
				": exhausted without esn, use a new SPI\n",
				c->seq_start);
			return ERANGE;
		}
	}
	ctx = xfp_sa_config_ctx(c);
	err = xfp_sadb_add(w->o.db, c);
	if (err) {
		fprintf(out, "message=%s\n", strerror(-err));
		return -err;
	}
	if (c->dir == XFP_SA_OUT) {
		struct xfp_sa_ref ref = { .sa_id = c->id, .ctx = ctx };

		/* Never an outbound SA without its reservation on record:
		 * after a restart its key could reuse sequence numbers.  It
		 * is not published yet, so no packet has used it. */
		err = seq_reserve(w, &e, c->seq_start + SEQ_RESERVE);
		if (err) {
			xfp_sadb_del(w->o.db, c->id);
			return seq_reserve_refused(w, &e, err, out);
		}
		err = bpf_map_update_elem(w->fd[M_PEER_OUT], &e.peer, &ref, 0);
		/* the policy filters whose secure decision uses this SA */
		for (unsigned i = 0; !err && i < c->n_filters; i++) {
			e.filters[e.n_filters++] = c->filters[i];
			err = bpf_map_update_elem(w->fd[M_FILTER_SA],
						  &c->filters[i], &ref, 0);
		}
	} else {
		struct xfp_spi_key k = { .spi = htonl(c->spi),
					 .proto = c->proto };
		struct xfp_sa_ref ref = { .sa_id = c->id, .ctx = ctx };

		err = bpf_map_update_elem(w->fd[M_SPI_IN], &k, &ref, 0);
	}
	if (err) {
		err = errno;
		xfp_sadb_del(w->o.db, c->id);
		fprintf(out, "message=publishing the SA in the BPF maps: %s\n",
			strerror(err));
		return err;
	}
	w->sas[w->nsas++] = e;
	fprintf(out, "sa=%u\n", c->id);
	logmsg("sa %u added: spi 0x%08x %s %s", c->id, c->spi,
	       c->dir == XFP_SA_IN ? "in" : "out", xfp_alg_name(c->alg));
	return 0;
}

static int sa_del(struct worker *w, struct xfp_ctl_req *r, FILE *out)
{
	struct sa_entry *e = NULL;
	unsigned i;

	if (r->sa.id) {
		e = find_sa(w, r->sa.id);
	} else {
		for (i = 0; i < w->nsas; i++)
			if (w->sas[i].spi == r->sa.spi &&
			    w->sas[i].dir == r->sa.dir)
				e = &w->sas[i];
	}
	if (!e) {
		fprintf(out, "message=no such SA\n");
		return ENOENT;
	}
	xfp_sadb_del(w->o.db, e->id);
	logmsg("sa %u deleted", e->id);
	forget_sa(w, e);
	return 0;
}

/* flush_policy_sas: every SA a policy installed goes (the next policy's
 * SAs follow in the same `xfp policy load`). */
static int sa_flush_policy(struct worker *w, FILE *out)
{
	unsigned i = 0, n = 0;

	while (i < w->nsas) {
		struct sa_entry *e = &w->sas[i];
		const struct xfp_sa *sa = xfp_sadb_lookup_id(w->o.db, e->id);

		if (sa && sa->ctx < XFP_CTX_SA_BASE) {
			i++;
			continue;
		}
		if (sa) { /* (one already gone is only forgotten) */
			xfp_sadb_del(w->o.db, e->id);
			n++;
		}
		forget_sa(w, e); /* the last entry moves to i */
	}
	if (n)
		logmsg("%u SA%s of the previous policy deleted", n,
		       n == 1 ? "" : "s");
	fprintf(out, "deleted=%u\n", n);
	return 0;
}

static void write_stats(struct worker *w, FILE *out)
{
	static const char *const errnames[] = {
#define E__(e, n, s) [n] = #e,
		XFP_ERRORS(E__)
#undef E__
	};
	struct xw_stats s;
	unsigned k;
	char lower[32];

	xw_read_stats(w->xw, &s);
	fprintf(out, "worker=%s\nqueues=%u\nxsk_mode=%s\n", w->dev, w->o.queues,
		xw_nic_mode(w->xw));
	for (k = 0; k < XW__MAX; k++)
		fprintf(out, "%s=%" PRIu64 "\n", xw_counter_names[k], s.c[k]);
	for (k = 1; k < XFP_E__MAX; k++) {
		size_t i;

		for (i = 0; errnames[k][i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)errnames[k][i]);
		lower[i] = 0;
		fprintf(out, "in_err_%s=%" PRIu64 "\nout_err_%s=%" PRIu64 "\n",
			lower, s.in_err[k], lower, s.out_err[k]);
	}
	for (k = 0; k < XFP_SADB_CTR__MAX; k++)
		fprintf(out, "%s=%" PRIu64 "\n",
			xfp_sadb_counter_name((enum xfp_sadb_counter)k),
			xfp_sadb_counter(w->o.db, (enum xfp_sadb_counter)k));
}

static int do_get(struct worker *w, FILE *out)
{
	unsigned i;

	for (i = 0; i < w->nsas; i++) {
		struct xfp_sa *sa = xfp_sadb_lookup_id(w->o.db, w->sas[i].id);

		if (sa)
			xfp_ctl_write_sa(out, sa);
	}
	write_stats(w, out);
	return 0;
}

/* --------------------------------------------------------- the socket */

static int serve_one(struct worker *w, int cfd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char *buf = NULL, *rep = NULL;
	size_t used = 0, rlen = 0, n;
	struct xfp_ctl_req *req = NULL;
	FILE *out;
	int code = 0;
	struct timeval tv = { .tv_sec = 2 };

	out = open_memstream(&rep, &rlen);
	if (!out)
		return -ENOMEM;
	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) ||
	    cred.uid != 0) {
		fprintf(out, "message=only root may talk to the worker\n");
		code = EPERM;
		goto reply;
	}
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	buf = sodium_malloc(XFP_CTL_MAX_REQ);
	req = sodium_malloc(sizeof(*req));
	if (!buf || !req) {
		code = ENOMEM;
		goto reply;
	}
	for (;;) {
		ssize_t got = read(cfd, buf + used, XFP_CTL_MAX_REQ - used);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(out,
				"message=request not terminated by an empty line\n");
			code = EPROTO;
			goto reply;
		}
		used += (size_t)got;
		n = xfp_ctl_complete(buf, used);
		if (n)
			break;
		if (used == XFP_CTL_MAX_REQ) {
			fprintf(out, "message=request longer than %d bytes\n",
				XFP_CTL_MAX_REQ);
			code = EMSGSIZE;
			goto reply;
		}
	}
	code = -xfp_ctl_parse(buf, n, req);
	if (code) {
		fprintf(out, "message=%s\n", req->err);
		logmsg("control request refused: %s", req->err);
		goto reply;
	}
	switch (req->op) {
	case XFP_CTL_ADD_SA:
		code = sa_add(w, req, out);
		break;
	case XFP_CTL_DEL_SA:
		code = sa_del(w, req, out);
		break;
	case XFP_CTL_FLUSH_POLICY:
		code = sa_flush_policy(w, out);
		break;
	default:
		code = do_get(w, out);
		break;
	}
reply:
	if (req) {
		xfp_ctl_req_wipe(req);
		sodium_free(req);
	}
	if (buf)
		sodium_free(buf); /* wipes */
	fprintf(out, "errno=%d\n\n", code);
	fclose(out);
	if (rep) {
		const char *p = rep;

		while (rlen) {
			ssize_t wr = write(cfd, p, rlen);

			if (wr <= 0)
				break;
			p += wr;
			rlen -= (size_t)wr;
		}
		free(rep);
	}
	return 0;
}

static int ctl_listen(const char *dev, char *path, size_t plen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, err;

	if (mkdir(ctl_rundir(), 0700) && errno != EEXIST) {
		logmsg("cannot create %s: %s", ctl_rundir(), strerror(errno));
		return -errno;
	}
	if (ctl_sock_path(path, plen, dev))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path,
	       strlen(path) + 1); /* checked by ctl_sock_path */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		logmsg("a worker for %s is already running (%s)", dev, path);
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path); /* stale: nobody answers on it */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0077);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || chmod(path, 0600) || listen(fd, 16)) {
		err = -errno;
		logmsg("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

/* Lifetime events, from xfp_sadb_expire(). */
struct expire_ctx {
	struct worker *w;
	uint32_t gone[64];
	unsigned ngone;
};

static void on_event(void *arg, const struct xfp_sa *sa, enum xfp_sa_event ev)
{
	struct expire_ctx *x = arg;

	logmsg("sa %u: %s", sa->id,
	       ev == XFP_SA_EV_SOFT ? "soft lifetime reached (rekey)" :
	       ev == XFP_SA_EV_HARD ? "hard lifetime reached, deleted" :
				      "idle timeout, deleted");
	if (ev != XFP_SA_EV_SOFT && x->ngone < 64)
		x->gone[x->ngone++] = sa->id;
}

static void housekeeping(struct worker *w)
{
	struct expire_ctx x = { .w = w };
	unsigned i;

	xfp_sadb_expire(w->o.db, (uint64_t)mono(), on_event, &x);
	for (i = 0; i < x.ngone; i++) {
		struct sa_entry *e = find_sa(w, x.gone[i]);

		if (e)
			forget_sa(w, e);
	}
	for (i = 0; i < w->nsas; i++) {
		struct sa_entry *e = &w->sas[i];
		struct xfp_sa *sa;
		uint64_t seq;

		if (e->dir != XFP_SA_OUT)
			continue;
		sa = xfp_sadb_lookup_id(w->o.db, e->id);
		if (!sa) {
			forget_sa(w, e);
			i--;
			continue;
		}
		seq = __atomic_load_n(&sa->oseq, __ATOMIC_RELAXED);
		/* Recorded again at half-way.  Should that keep failing, the
		 * SA stops a quarter of the reservation (4 M packets, far
		 * more than a second's worth) before the recorded mark. */
		if (seq + SEQ_RESERVE / 2 > e->reserved &&
		    seq_reserve(w, e, seq + SEQ_RESERVE) &&
		    seq + SEQ_RESERVE / 4 > e->reserved &&
		    xfp_sa_state(sa) < XFP_SA_EXPIRED) {
			logmsg("sa %u: sequence numbers past %" PRIu64
			       " cannot be recorded: expired",
			       e->id, e->reserved);
			xfp_sa_set_state(sa, XFP_SA_EXPIRED);
		}
	}
}

/* A fresh worker holds no SA: nothing may still point at an old one. */
static void reset_maps(struct worker *w)
{
	struct xfp_spi_key sk, snext;
	struct xfp_peer_key pk, pnext;
	struct xfp_sa_ref none = { 0, 0 };
	void *prev = NULL;

	while (!bpf_map_get_next_key(w->fd[M_SPI_IN], NULL, &snext)) {
		sk = snext;
		if (bpf_map_delete_elem(w->fd[M_SPI_IN], &sk))
			break;
	}
	while (!bpf_map_get_next_key(w->fd[M_PEER_OUT], prev, &pnext)) {
		pk = pnext;
		bpf_map_update_elem(w->fd[M_PEER_OUT], &pk, &none, BPF_EXIST);
		prev = &pk;
	}
	{
		__u64 fk, fnext;

		while (!bpf_map_get_next_key(w->fd[M_FILTER_SA], NULL,
					     &fnext)) {
			fk = fnext;
			if (bpf_map_delete_elem(w->fd[M_FILTER_SA], &fk))
				break;
		}
	}
}

/*
 * --cpus LIST: comma-separated CPUs and ranges (2,3 or 4-7), each one this
 * process may run on (sched_getaffinity), at most XW_CPUS_MAX in all.
 */
static int parse_cpus(const char *arg, int *cpus, unsigned *n)
{
	cpu_set_t allowed;
	const char *p = arg;

	*n = 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		CPU_ZERO(&allowed);
	while (*p) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p || *p == '-' || *p == '+')
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || *p == '-' || *p == '+' || hi < lo)
				goto bad;
		}
		if (*end && *end != ',')
			goto bad;
		for (unsigned long c = lo; c <= hi; c++) {
			if (c >= CPU_SETSIZE || !CPU_ISSET((int)c, &allowed)) {
				fprintf(stderr,
					"%s: --cpus '%s': CPU %lu is not one this "
					"process may run on\n",
					prog_name, arg, c);
				return -1;
			}
			if (*n >= XW_CPUS_MAX) {
				fprintf(stderr,
					"%s: --cpus '%s': more than %d CPUs\n",
					prog_name, arg, XW_CPUS_MAX);
				return -1;
			}
			cpus[(*n)++] = (int)c;
		}
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			goto bad;
	}
	if (*n)
		return 0;
bad:
	fprintf(stderr,
		"%s: --cpus '%s' is wrong: expected CPU numbers and ranges, "
		"e.g. 2,3 or 4-7\n",
		prog_name, arg);
	return -1;
}

static void worker_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s worker DEV [--queues N] [--engine sodium|openssl]\n"
		"                     [--umem shared|separate] [--cpus LIST] [-v]\n"
		"       %s worker DEV --remove\n"
		"\n"
		"Run the AF_XDP crypto worker of DEV in the foreground: one socket\n"
		"and thread per rx queue (--queues N, default all), ESP/AH with the\n"
		"SAs installed by '%s sa add'.  SIGTERM stops it cleanly; the\n"
		"datapath then drops protected traffic (no-worker) until a worker\n"
		"runs again.  --remove takes away the worker's programs, maps and\n"
		"veth pair from DEV.  Control socket: $XFP_RUNDIR/DEV.sock\n"
		"(default /run/xfp).  --umem: with the NIC socket in copy mode\n"
		"both sockets of a queue share one UMEM and packets are processed\n"
		"in place (shared, the default); separate gives each its own and\n"
		"copies every packet between them, as with a zero-copy NIC.\n"
		"--cpus LIST (e.g. 2,3 or 4-7) pins queue thread q to the q-th CPU\n"
		"of LIST (round robin); by default the threads are not pinned.\n",
		prog_name, prog_name, prog_name);
}

int cmd_worker(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "queues", required_argument, NULL, 'q' },
		{ "engine", required_argument, NULL, 'e' },
		{ "umem", required_argument, NULL, 'u' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "remove", no_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct worker *w;
	struct sigaction sa = { .sa_handler = on_signal };
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)], path[512];
	unsigned long nq = 0;
	bool remove = false, separate = false;
	int cpus[XW_CPUS_MAX];
	unsigned ncpus = 0;
	int c, lfd, err, rc = 1;
	enum xfp_engine_id eng = XFP_ENGINE_DEFAULT;
	double last = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "q:e:u:c:rvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			nq = strtoul(optarg, &end, 10);
			if (*end || !nq || nq > XFP_XSK_MAX_QUEUES) {
				fprintf(stderr,
					"%s: --queues '%s' is wrong: expected 1..%d\n",
					prog_name, optarg, XFP_XSK_MAX_QUEUES);
				return 2;
			}
			break;
		case 'e':
			eng = xfp_engine_by_name(optarg);
			if (eng != XFP_ENGINE_SODIUM &&
			    eng != XFP_ENGINE_OPENSSL) {
				fprintf(stderr,
					"%s: --engine '%s' is wrong: expected sodium or openssl\n",
					prog_name, optarg);
				return 2;
			}
			break;
		case 'u':
			if (strcmp(optarg, "shared") &&
			    strcmp(optarg, "separate")) {
				fprintf(stderr,
					"%s: --umem '%s' is wrong: expected shared or separate\n",
					prog_name, optarg);
				return 2;
			}
			separate = !strcmp(optarg, "separate");
			break;
		case 'c':
			if (parse_cpus(optarg, cpus, &ncpus))
				return 2;
			break;
		case 'r':
			remove = true;
			break;
		case 'v':
			break;
		case 'h':
			worker_usage(stdout);
			return 0;
		default:
			worker_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		worker_usage(stderr);
		return 2;
	}
	/* Key schedules (OpenSSL's in its heap, outside sodium's guarded
	 * pages) must not end up in a core dump or be read through
	 * /proc/PID/mem by a same-uid process. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		logmsg("prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
		return 1;
	}
	if (sodium_init() < 0) {
		logmsg("libsodium failed to initialise");
		return 1;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return 1;
	for (c = 0; c < M__MAX; c++)
		w->fd[c] = -1;
	w->dev = argv[optind];
	w->next_id = 1;
	libbpf_set_print(libbpf_quiet);
	snprintf(w->o.nic, sizeof(w->o.nic), "%s", w->dev);
	w->o.nic_ifindex = (int)if_nametoindex(w->dev);
	if (!w->o.nic_ifindex || strlen(w->dev) >= IF_NAMESIZE) {
		fprintf(stderr, "%s: device '%s' not found\n", prog_name,
			w->dev);
		goto out;
	}
	veth_names(w->o.nic_ifindex, w->o.wside, w->stack);
	if (remove) {
		char probe[sizeof(((struct sockaddr_un *)0)->sun_path)];
		int pfd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un su = { .sun_family = AF_UNIX };

		if (!ctl_sock_path(probe, sizeof(probe), w->dev)) {
			memcpy(su.sun_path, probe, sizeof(probe));
			if (pfd >= 0 &&
			    !connect(pfd, (struct sockaddr *)&su, sizeof(su))) {
				fprintf(stderr,
					"%s: a worker for %s is running; stop it first\n",
					prog_name, w->dev);
				close(pfd);
				goto out;
			}
		}
		if (pfd >= 0)
			close(pfd);
		rc = uninstall(w);
		goto out;
	}
	if (eng != XFP_ENGINE_DEFAULT && xfp_engine_set_global(eng)) {
		logmsg("engine %s is not usable on this machine",
		       xfp_engine_name(eng));
		goto out;
	}
	err = dev_mac_mtu(w->dev, w->o.nic_mac, &w->o.mtu);
	if (err == -EPROTOTYPE) {
		logmsg("%s is not an Ethernet device; the worker needs one",
		       w->dev);
		goto out;
	}
	if (err) {
		logmsg("cannot read the address of %s: %s", w->dev,
		       strerror(-err));
		goto out;
	}
	w->o.queues = nq ? (unsigned)nq : dev_rx_queues(w->dev);
	w->o.separate_umem = separate;
	w->o.ncpus = ncpus;
	memcpy(w->o.cpus, cpus, sizeof(cpus));

	lfd = ctl_listen(w->dev, sock, sizeof(sock));
	if (lfd < 0)
		goto out;

	if (!pin_worker_installed(w->dev)) {
		err = install(w);
		if (err)
			goto out_sock;
	} else {
		worker_pin(path, sizeof(path), w->dev, NULL);
		logmsg("taking over the state pinned under %s", path);
	}
	w->o.wside_ifindex = (int)if_nametoindex(w->o.wside);
	w->stack_ifindex = (int)if_nametoindex(w->stack);
	if (!w->o.wside_ifindex || !w->stack_ifindex ||
	    dev_mac_mtu(w->o.wside, w->o.wside_mac, NULL) ||
	    dev_mac_mtu(w->stack, w->o.stack_mac, NULL)) {
		logmsg("the veth pair %s/%s is missing; run '%s worker %s --remove' and start again",
		       w->o.wside, w->stack, prog_name, w->dev);
		goto out_sock;
	}
	if (open_pins(w))
		goto out_sock;
	reset_maps(w);
	{
		__u32 zero = 0;
		struct xfp_worker_cfg cfg = { 0 };

		/* idle_s is the datapath's (xfp attach): kept */
		if (bpf_map_lookup_elem(w->fd[M_CFG], &zero, &cfg))
			memset(&cfg, 0, sizeof(cfg));
		cfg.stack_ifindex = (__u32)w->stack_ifindex;
		cfg.worker_ifindex = (__u32)w->o.wside_ifindex;
		cfg.natt_port = XFP_NATT_PORT;
		if (bpf_map_update_elem(w->fd[M_CFG], &zero, &cfg, 0)) {
			logmsg("writing the worker config: %s",
			       strerror(errno));
			goto out_sock;
		}
	}
	if (dp_dev_attached(w->dev) && dp_ensure_contexts(w->dev)) {
		/* fail closed: xfp_xsk_meta drops them as no-policy */
		logmsg("the committed policy could not be compiled again with protection contexts: decrypted packets are dropped until '%s policy load'",
		       prog_name);
	}
	w->o.db = xfp_sadb_new(NULL);
	if (!w->o.db) {
		logmsg("cannot create the SA database");
		goto out_sock;
	}
	xfp_sadb_expire(w->o.db, (uint64_t)mono(), NULL, NULL);
	w->xw = xw_start(&w->o, w->fd[M_XSKS], w->fd[M_XSKS_OUT], &err);
	if (!w->xw) {
		logmsg("starting the AF_XDP sockets failed: %s",
		       strerror(-err));
		goto out_db;
	}
	logmsg("running on %s: %u queue(s), %s mode, control socket %s", w->dev,
	       w->o.queues, xw_nic_mode(w->xw), sock);

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	while (!stop_flag) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int n = poll(&pfd, 1, 1000);

		if (n > 0 && (pfd.revents & POLLIN)) {
			int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0) {
				serve_one(w, cfd);
				close(cfd);
			}
		}
		if (mono() - last >= 1.0) {
			housekeeping(w);
			last = mono();
		}
	}
	logmsg("stopping");
	rc = 0;
	xw_stop(w->xw);
out_db:
	xfp_sadb_free(w->o.db); /* wipes every key */
out_sock:
	unlink(sock);
	close(lfd);
out:
	for (c = 0; c < M__MAX; c++)
		if (w->fd[c] >= 0)
			close(w->fd[c]);
	free(w);
	return rc;
}
