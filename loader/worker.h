/* SPDX-License-Identifier: GPL-2.0 */
/*
 * worker.h - the AF_XDP crypto worker (`xfp worker DEV`).
 *
 * cmd_worker.c sets the device up (veth pair, programs, pins) and runs the
 * control socket in the main thread; worker_xsk.c runs one thread per NIC
 * rx queue, each with two AF_XDP sockets:
 *
 *   NIC socket (queue q)          rx: ESP/AH from the NIC XDP program
 *                                 tx: ESP/AH to the wire
 *   worker-side socket (queue q)  rx: plaintext with the "secure" verdict
 *                                 tx: decapsulated packets to the stack
 *
 * In copy mode both sockets share one UMEM and packets are processed in
 * place; a zero-copy NIC socket keeps a UMEM of its own (a shared UMEM
 * imposes one mode) and packets are copied once between the two.
 */
#ifndef XFP_LOADER_WORKER_H
#define XFP_LOADER_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "crypto/ipsec.h"

/* Per-thread counters, summed by the control thread. */
#define XW_COUNTERS(X)                          \
	X(RX_NIC, "rx_nic")                     \
	X(RX_SECURE, "rx_secure")               \
	X(DECRYPTED, "decrypted")               \
	X(DECRYPTED_BYTES, "decrypted_bytes")   \
	X(ENCRYPTED, "encrypted")               \
	X(ENCRYPTED_BYTES, "encrypted_bytes")   \
	X(TX_NIC, "tx_nic")                     \
	X(TX_STACK, "tx_stack")                 \
	X(IN_DROP, "in_drop")                   \
	X(OUT_DROP, "out_drop")                 \
	X(IN_BAD_FRAME, "in_bad_frame")         \
	X(OUT_BAD_FRAME, "out_bad_frame")       \
	X(OUT_NO_SA, "out_no_sa")               \
	X(OUT_TOO_BIG, "out_too_big")           \
	X(TX_RING_FULL, "tx_ring_full")         \
	X(NO_FREE_FRAME, "no_free_frame")       \
	X(XSK_RX_DROPPED, "xsk_rx_dropped")     \
	X(XSK_RX_RING_FULL, "xsk_rx_ring_full") \
	X(XSK_FILL_EMPTY, "xsk_fill_empty")     \
	X(XSK_RX_INVALID, "xsk_rx_invalid")     \
	X(XSK_TX_INVALID, "xsk_tx_invalid")

enum xw_counter {
#define XW__C(e, s) XW_##e,
	XW_COUNTERS(XW__C)
#undef XW__C
		XW__MAX
};

extern const char *const xw_counter_names[XW__MAX];

struct xw_stats {
	uint64_t c[XW__MAX];
	uint64_t in_err[XFP_E__MAX]; /* decapsulation failures by code */
	uint64_t out_err[XFP_E__MAX]; /* encapsulation failures by code */
};

#define XW_CPUS_MAX 256

struct xw_opts {
	char nic[IF_NAMESIZE], wside[IF_NAMESIZE];
	int nic_ifindex, wside_ifindex;
	uint8_t nic_mac[6], wside_mac[6], stack_mac[6];
	unsigned mtu; /* of the NIC: largest IP packet on the wire */
	unsigned queues; /* threads, one per queue 0..queues-1 */
	struct xfp_sadb *db;
	bool separate_umem; /* never share the NIC socket's UMEM */
	/* --cpus: queue thread q runs on cpus[q % ncpus]; 0 = unpinned */
	unsigned ncpus;
	int cpus[XW_CPUS_MAX];
	bool verbose;
};

struct xw;

/* Create sockets and threads and publish the sockets in the XSKMAPs.
 * Returns NULL with *err = -errno (and a message on stderr). */
struct xw *xw_start(const struct xw_opts *o, int xsks_fd, int xsks_out_fd,
		    int *err);
/* Stop the threads, remove the sockets from the maps (closing does it),
 * free everything. */
void xw_stop(struct xw *w);
/* Sum of the threads' counters, with the kernel's XDP_STATISTICS of
 * every socket (drops the worker never saw: ring full, no fill frame). */
void xw_read_stats(const struct xw *w, struct xw_stats *out);
/* "zero-copy" or "copy", for the NIC sockets. */
const char *xw_nic_mode(const struct xw *w);

#endif
