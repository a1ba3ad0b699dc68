// SPDX-License-Identifier: GPL-2.0
/*
 * test_dp_cache.c - the per-CPU flow cache: hits after the first packet,
 * never serves another CPU's zeroed slot as "pass", is invalidated by a
 * commit (generation), and never lets a TCP SYN skip the ALE layer
 * because a non-SYN packet of the same 5-tuple was cached first.  Also the
 * IPsec SPI path: known SPI (an SA of the policy) -> no-worker, unknown ->
 * no-sa, for ESP, AH and ESP in UDP 4500; NAT-T keepalives and IKE (non-ESP
 * marker) are classified as clear UDP.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/bpf/dp_env.h"

static int on_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static struct gen_pkt udp_pkt(uint16_t sport, uint16_t dport)
{
	struct gen_pkt g;

	memset(&g, 0, sizeof(g));
	g.family = 4;
	g.proto = 17;
	g.saddr[0] = 198, g.saddr[1] = 18, g.saddr[3] = 1;
	g.daddr[0] = 198, g.daddr[1] = 18, g.daddr[3] = 2;
	g.sport = sport;
	g.dport = dport;
	return g;
}

static void run(struct dp_env *e, int dir, const struct pkt *f,
		struct xfp_trace *t, uint32_t *ret)
{
	struct run_result rr;

	(dir ? run_tc : run_xdp)(dir ? e->tc : e->xdp, f, &rr);
	*ret = rr.retval;
	dp_env_trace(e, t);
}

static const char *key_dir;

int main(void)
{
	struct dp_env e;
	struct xfp_trace t;
	struct gen_pkt g;
	struct pkt f;
	uint32_t ret;
	char err[512];
	int ncpu = libbpf_num_possible_cpus();
	char keyfile[256], pol[2048];
	FILE *kf;

	harness_quiet_libbpf();
	if (dp_env_open(&e, XFP_CFG_TRACE)) {
		tap_result(false, "load with trace and cache", "%s",
			   strerror(errno));
		return tap_done();
	}
	tap_result(true, "load with trace and cache", " ");

	/* An SA gives a known inbound SPI (key file: mode 0600). */
	key_dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(keyfile, sizeof(keyfile), "%s/xfp-dp-cache-%d.key", key_dir,
		 (int)getpid());
	kf = fopen(keyfile, "w");
	if (kf) {
		fprintf(kf, "inbound %s\noutbound %s\n",
			"00112233445566778899aabbccddeeff0011223344556677"
			"8899aabbccddeeff01020304",
			"00112233445566778899aabbccddeeff0011223344556677"
			"8899aabbccddeeff01020304");
		fclose(kf);
		chmod(keyfile, 0600);
	}
	snprintf(pol, sizeof(pol),
		 "filter add ale-udp layer ale-auth-recv-accept action block "
		 "protocol udp local-port 9001\n"
		 "filter add out-sec layer outbound-transport action "
		 "outbound-transport protocol tcp remote-port 22\n"
		 "sa add sa1 filter out-sec spi-in 0x1001 spi-out 0x2001 alg "
		 "aes256gcm16 key-file %s\n",
		 keyfile);
	if (dp_env_commit_text(&e, pol, err, sizeof(err))) {
		tap_result(false, "commit the test policy", "%s", err);
		remove(keyfile);
		return tap_done();
	}
	tap_result(true, "commit the test policy", " ");

	g = udp_pkt(1000, 9001);
	dp_frame(&g, &f);
	on_cpu(0);
	run(&e, 0, &f, &t, &ret);
	tap_result(ret == 1 && t.reason == XFP_DROP_ALE_BLOCK &&
			   !(t.flags & XFP_TRACE_F_CACHE_HIT),
		   "first udp packet: ale-block, classified",
		   "ret %u reason %u flags %x", ret, t.reason, t.flags);
	/* An ALE refusal of a connectionless flow is not cached: the host
	 * may open the flow itself later. */
	run(&e, 0, &f, &t, &ret);
	tap_result(ret == 1 && t.reason == XFP_DROP_ALE_BLOCK &&
			   (t.flags & XFP_TRACE_F_ALE) &&
			   !(t.flags & XFP_TRACE_F_CACHE_HIT),
		   "second refused udp packet: decided again at ALE",
		   "ret %u reason %u flags %x", ret, t.reason, t.flags);

	/* The host opens 9001 <-> 7777 itself (ale-auth-connect has no
	 * filter): the answer arriving on 9001 is part of that connection,
	 * not a new inbound one, although recv-accept refuses 9001. */
	{
		struct gen_pkt o = udp_pkt(9001, 7777),
			       in = udp_pkt(7777, 9001);
		struct pkt fo, fi;

		memcpy(o.saddr, in.daddr, sizeof(o.saddr));
		memcpy(o.daddr, in.saddr, sizeof(o.daddr));
		dp_frame(&o, &fo);
		dp_frame(&in, &fi);
		run(&e, 1, &fo, &t, &ret);
		tap_result(
			ret == 0 /* TC_ACT_OK */ &&
				(t.flags & XFP_TRACE_F_ALE) &&
				(t.flags & XFP_TRACE_F_CONN),
			"outbound udp opens a connection at ale-auth-connect",
			"ret %u flags %x", ret, t.flags);
		run(&e, 0, &fi, &t, &ret);
		tap_result(ret == 2 && !(t.flags & XFP_TRACE_F_ALE) &&
				   (t.flags & XFP_TRACE_F_CONN),
			   "its answer passes as part of it, no ALE",
			   "ret %u flags %x", ret, t.flags);
		run(&e, 0, &fi, &t, &ret);
		tap_result(ret == 2 && (t.flags & XFP_TRACE_F_CACHE_HIT),
			   "the next answer: served by the flow cache",
			   "ret %u flags %x", ret, t.flags);
		if (dp_env_commit_text(&e, pol, err, sizeof(err)) == 0) {
			run(&e, 0, &fi, &t, &ret);
			tap_result(
				ret == 2 && (t.flags & XFP_TRACE_F_REAUTH) &&
					(t.flags & XFP_TRACE_F_ALE),
				"after a commit: authorized again at the opener's layer",
				"ret %u flags %x", ret, t.flags);
		} else {
			tap_result(false, "after a commit: authorized again",
				   "%s", err);
		}
	}
	if (ncpu > 1 && !on_cpu(1)) {
		run(&e, 0, &f, &t, &ret);
		tap_result(ret == 1 && t.reason == XFP_DROP_ALE_BLOCK &&
				   !(t.flags & XFP_TRACE_F_CACHE_HIT),
			   "other CPU: the zeroed per-CPU slot is not a pass",
			   "ret %u reason %u flags %x", ret, t.reason, t.flags);
		on_cpu(0);
	} else {
		tap_result(false,
			   "other CPU: the zeroed per-CPU slot is not a pass",
			   "missing a second CPU");
	}

	/* TCP: an ACK is cached without ALE; the SYN must still meet ALE. */
	g = udp_pkt(2000, 80);
	g.proto = 6;
	g.tcp_flags = 0x10;
	dp_frame(&g, &f);
	run(&e, 0, &f, &t, &ret);
	tap_result(ret == 2 && !(t.flags & XFP_TRACE_F_ALE),
		   "tcp ack: transport layer only", "ret %u flags %x", ret,
		   t.flags);
	g.tcp_flags = 0x02;
	dp_frame(&g, &f);
	run(&e, 0, &f, &t, &ret);
	tap_result(ret == 2 && (t.flags & XFP_TRACE_F_ALE) &&
			   !(t.flags & XFP_TRACE_F_CACHE_HIT),
		   "tcp syn after a cached ack still goes through ALE",
		   "ret %u flags %x", ret, t.flags);

	/* Outbound "secure" (SA bound, no worker): dropped, never clear. */
	g = udp_pkt(40000, 22);
	g.proto = 6;
	g.tcp_flags = 0x02;
	dp_frame(&g, &f);
	run(&e, 1, &f, &t, &ret);
	tap_result(ret == 2 /* TC_ACT_SHOT */ && t.reason == XFP_DROP_NO_WORKER,
		   "egress secure traffic dropped as no-worker",
		   "ret %u reason %u", ret, t.reason);

	/* IPsec SPI path. */
	{
		static const struct {
			const char *name;
			uint8_t proto;
			uint32_t spi;
			int reason;
		} c[] = {
			{ "esp with the SA's spi: no-worker (fail closed)", 50,
			  0x1001, XFP_DROP_NO_WORKER },
			{ "esp with an unknown spi: no-sa", 50, 0x1002,
			  XFP_DROP_NO_SA },
			{ "ah with the SA's spi: no-worker", 51, 0x1001,
			  XFP_DROP_NO_WORKER },
			{ "ah with an unknown spi: no-sa", 51, 7,
			  XFP_DROP_NO_SA },
		};
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			g = udp_pkt(0, 0);
			g.proto = c[i].proto;
			g.spi = c[i].spi;
			dp_frame(&g, &f);
			run(&e, 0, &f, &t, &ret);
			tap_result(ret == 1 && t.reason == c[i].reason &&
					   (t.flags & XFP_TRACE_F_SPI) &&
					   t.spi == c[i].spi,
				   c[i].name, "ret %u reason %u spi %x", ret,
				   t.reason, t.spi);
		}
	}
	/* UDP 4500: ESP with SPI, keepalive, IKE marker. */
	{
		static const struct {
			const char *name;
			uint8_t payload[12];
			size_t len;
			int ret, reason, spi_path;
		} c[] = {
			{ "udp-4500 esp with the SA's spi: no-worker",
			  { 0, 0, 0x10, 0x01, 0, 0, 0, 1 },
			  12,
			  1,
			  XFP_DROP_NO_WORKER,
			  1 },
			{ "udp-4500 esp with an unknown spi: no-sa",
			  { 0, 0, 0x33, 0x01, 0, 0, 0, 1 },
			  12,
			  1,
			  XFP_DROP_NO_SA,
			  1 },
			{ "udp-4500 nat keepalive is clear udp",
			  { 0xff },
			  1,
			  2,
			  0,
			  0 },
			{ "udp-4500 ike (non-esp marker) is clear udp",
			  { 0, 0, 0, 0, 1, 2, 3, 4 },
			  12,
			  2,
			  0,
			  0 },
			{ "udp-4500 short esp is malformed: parse-esp",
			  { 0, 0, 0x10, 0x01, 0 },
			  5,
			  1,
			  XFP_DROP_PARSE_ESP,
			  0 },
		};
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			struct run_result rr;
			struct xfp_trace t0;

			pkt_init(&f);
			pkt_eth(&f, ETH_P_IP);
			pkt_ipv4(&f, 17, "198.18.0.1", "198.18.0.2");
			pkt_udp(&f, 4500, 4500);
			pkt_bytes(&f, c[i].payload, c[i].len);
			pkt_finish(&f);
			dp_env_trace(&e, &t0);
			run_xdp(e.xdp, &f, &rr);
			dp_env_trace(&e, &t);
			if (c[i].reason == XFP_DROP_PARSE_ESP)
				tap_result(rr.retval == 1 && t.seq == t0.seq,
					   c[i].name, "ret %u", rr.retval);
			else
				tap_result(
					rr.retval == (uint32_t)c[i].ret &&
						t.reason == c[i].reason &&
						!!(t.flags & XFP_TRACE_F_SPI) ==
							c[i].spi_path,
					c[i].name, "ret %u reason %u flags %x",
					rr.retval, t.reason, t.flags);
		}
		tap_result(percpu_packets(
				   e.stats,
				   XFP_STAT_INDEX(
					   XFP_PROG_XDP_INGRESS,
					   XFP_STAT_DROP_BASE +
						   XFP_DROP_PARSE_ESP)) >= 1,
			   "parse-esp counted", "counter did not move");
	}

	/* A commit invalidates by generation: the same flow is reclassified
	 * under the new policy without touching the cache. */
	remove(keyfile);
	if (dp_env_commit_text(&e,
			       "filter add ok layer ale-auth-recv-accept "
			       "action permit protocol udp\n",
			       err, sizeof(err))) {
		tap_result(false, "commit a second policy", "%s", err);
		return tap_done();
	}
	g = udp_pkt(1000, 9001);
	dp_frame(&g, &f);
	run(&e, 0, &f, &t, &ret);
	tap_result(ret == 2 && !(t.flags & XFP_TRACE_F_CACHE_HIT) &&
			   t.generation == e.generation,
		   "after a commit the cached flow is reclassified (pass)",
		   "ret %u flags %x gen %llu", ret, t.flags,
		   (unsigned long long)t.generation);
	dp_env_close(&e);
	return tap_done();
}
