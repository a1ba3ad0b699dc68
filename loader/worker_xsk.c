// SPDX-License-Identifier: GPL-2.0
/*
 * worker_xsk.c - the AF_XDP rings of the crypto worker: one thread per
 * NIC rx queue, batched peek/reserve/submit/release loops in the style of
 * xdp-tools' xdpsock, need_wakeup honoured on every ring.
 *
 * Frame ownership: each UMEM has a stack of free frame addresses owned by
 * its thread.  Frames go free -> fill ring -> rx ring -> (processed, data
 * copied to a tx frame of the other UMEM) -> free; and free -> tx ring ->
 * completion ring -> free.  Nothing is shared between threads except the
 * SA database (lock-free lookups, QSBR between batches) and the counters
 * (single writer, relaxed atomics).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <xdp/xsk.h>

#include "bpf/xfp_abi.h"
#include "loader/worker.h"

#define XW_FRAMES 2048
#define XW_FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define XW_RING 1024
#define XW_BATCH 128 /* rx descriptors per pass, and tx frames per kick */
#define XW_TX_HEADROOM 256 /* room for ESP/UDP/tunnel headers on encap */
#define XW_HUGE (2u << 20) /* transparent huge page */
/* setsockopt(SOL_XDP) since Linux 6.17: frames a copy-mode sendto() may
 * transmit (default 32).  Older kernels refuse it and keep 32. */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

const char *const xw_counter_names[XW__MAX] = {
#define XW__C(e, s) [XW_##e] = s,
	XW_COUNTERS(XW__C)
#undef XW__C
};

struct xw_umem {
	struct xsk_umem *umem;
	uint8_t *area; /* XW_FRAMES frames, 2 MiB aligned inside map */
	void *map;
	size_t map_len;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	uint64_t free[XW_FRAMES];
	unsigned nfree;
	unsigned tx_pending; /* submitted, not yet kicked */
	bool zc;
};

struct xw_queue {
	struct xw *w;
	unsigned qid;
	pthread_t th;
	bool started;
	int slot; /* sadb reader slot */
	struct xw_umem nic, ws;
	struct xw_stats st;
};

struct xw {
	struct xw_opts o;
	atomic_bool stop;
	unsigned nq;
	struct xw_queue *q;
};

static inline void bump(struct xw_stats *s, enum xw_counter c, uint64_t n)
{
	__atomic_store_n(&s->c[c], s->c[c] + n, __ATOMIC_RELAXED);
}

static inline void bump_err(uint64_t *arr, int err)
{
	int e = err < 0 ? -err : err;

	if (e >= XFP_E__MAX)
		e = XFP_E_INTERNAL;
	__atomic_store_n(&arr[e], arr[e] + 1, __ATOMIC_RELAXED);
}

static int umem_setup(struct xw_umem *u, const char *ifname, unsigned qid,
		      bool try_zc, const char *what)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XW_RING * 2,
		.comp_size = XW_RING * 2,
		.frame_size = XW_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = XW_RING,
		.tx_size = XW_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
	};
	size_t size = (size_t)XW_FRAMES * XW_FRAME_SIZE;
	unsigned i;
	int err;

	/*
	 * Every frame is a 4 KiB page of its own: with small pages each
	 * packet costs a TLB miss on the rx frame and another on the tx
	 * frame.  Ask for transparent huge pages (2 MiB aligned, before the
	 * kernel pins the area); without them the area still works.
	 */
	u->map_len = size + XW_HUGE;
	u->map = mmap(NULL, u->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->map == MAP_FAILED) {
		u->map = NULL;
		return -errno;
	}
	u->area = (uint8_t *)(((uintptr_t)u->map + XW_HUGE - 1) &
			      ~(uintptr_t)(XW_HUGE - 1));
	(void)madvise(u->area, size, MADV_HUGEPAGE);
	err = xsk_umem__create(&u->umem, u->area, size, &u->fq, &u->cq, &ucfg);
	if (err) {
		fprintf(stderr, "xfp worker: %s queue %u: UMEM: %s\n", what,
			qid, strerror(-err));
		return err;
	}
	err = -EOPNOTSUPP;
	if (try_zc) {
		scfg.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
		err = xsk_socket__create(&u->xsk, ifname, qid, u->umem, &u->rx,
					 &u->tx, &scfg);
		u->zc = !err;
	}
	if (err) {
		scfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
		err = xsk_socket__create(&u->xsk, ifname, qid, u->umem, &u->rx,
					 &u->tx, &scfg);
	}
	if (err) {
		fprintf(stderr,
			"xfp worker: AF_XDP socket on %s queue %u: %s\n",
			ifname, qid, strerror(-err));
		return err;
	}
	if (!u->zc) {
		/* One sendto() per batch instead of one per 32 frames. */
		unsigned budget = XW_BATCH * 2;

		(void)setsockopt(xsk_socket__fd(u->xsk), SOL_XDP,
				 XDP_MAX_TX_SKB_BUDGET, &budget,
				 sizeof(budget));
	}
	for (i = 0; i < XW_FRAMES; i++)
		u->free[i] = (uint64_t)i * XW_FRAME_SIZE;
	u->nfree = XW_FRAMES;
	return 0;
}

static void umem_teardown(struct xw_umem *u)
{
	if (u->xsk)
		xsk_socket__delete(u->xsk);
	if (u->umem)
		xsk_umem__delete(u->umem);
	if (u->map)
		munmap(u->map, u->map_len);
	memset(u, 0, sizeof(*u));
}

/* Give the kernel free frames for receiving, keeping some for tx. */
static void refill(struct xw_umem *u)
{
	unsigned want = xsk_prod_nb_free(&u->fq, XW_BATCH * 2), idx, i;

	if (u->nfree <= XW_FRAMES / 4)
		return; /* the rest is reserved for transmit */
	if (want > u->nfree - XW_FRAMES / 4)
		want = u->nfree - XW_FRAMES / 4;
	if (!want || xsk_ring_prod__reserve(&u->fq, want, &idx) != want)
		return;
	for (i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) =
			u->free[--u->nfree];
	xsk_ring_prod__submit(&u->fq, want);
}

static void complete(struct xw_umem *u)
{
	unsigned idx, n, i;

	n = xsk_ring_cons__peek(&u->cq, XW_RING, &idx);
	for (i = 0; i < n; i++)
		u->free[u->nfree++] =
			*xsk_ring_cons__comp_addr(&u->cq, idx + i) &
			~(uint64_t)(XW_FRAME_SIZE - 1);
	if (n)
		xsk_ring_cons__release(&u->cq, n);
}

/*
 * Copy mode transmits inside sendto(), at most 32 frames per call
 * (TX_BATCH_SIZE in net/xdp/xsk.c), answering EAGAIN while frames are
 * left: keep kicking until the ring is drained or the device pushes back.
 */
static void kick_tx(struct xw_umem *u)
{
	unsigned i;

	if (!u->tx_pending)
		return;
	if (!u->zc || xsk_ring_prod__needs_wakeup(&u->tx)) {
		for (i = 0; i < XW_RING / 32 + 1; i++) {
			if (sendto(xsk_socket__fd(u->xsk), NULL, 0,
				   MSG_DONTWAIT, NULL, 0) >= 0)
				break;
			if (errno != EAGAIN)
				break;
		}
	}
	u->tx_pending = 0;
}

/* A free frame for transmit on @u, or UINT64_MAX. */
static uint64_t tx_frame(struct xw_queue *q, struct xw_umem *u)
{
	if (!u->nfree) {
		complete(u);
		if (!u->nfree) {
			bump(&q->st, XW_NO_FREE_FRAME, 1);
			return UINT64_MAX;
		}
	}
	return u->free[--u->nfree];
}

static bool tx_put(struct xw_queue *q, struct xw_umem *u, uint64_t addr,
		   uint32_t len)
{
	unsigned idx;
	struct xdp_desc *d;

	if (xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1) {
		kick_tx(u);
		complete(u);
		if (xsk_ring_prod__reserve(&u->tx, 1, &idx) != 1) {
			bump(&q->st, XW_TX_RING_FULL, 1);
			u->free[u->nfree++] = addr &
					      ~(uint64_t)(XW_FRAME_SIZE - 1);
			return false;
		}
	}
	d = xsk_ring_prod__tx_desc(&u->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&u->tx, 1);
	u->tx_pending++;
	return true;
}

/* Where the IP header starts in an Ethernet frame, or 0. */
static unsigned l2_len(const uint8_t *f, uint32_t len, uint16_t *type)
{
	unsigned off = 12;
	uint16_t t;

	if (len < 14)
		return 0;
	t = (uint16_t)(f[12] << 8 | f[13]);
	if (t == ETH_P_8021Q || t == ETH_P_8021AD) {
		if (len < 18)
			return 0;
		off = 16;
		t = (uint16_t)(f[16] << 8 | f[17]);
	}
	*type = t;
	if (t != ETH_P_IP && t != ETH_P_IPV6)
		return 0;
	return off + 2;
}

/* Inbound: an IPsec frame from the NIC, decapsulated and handed to the
 * stack through the worker side of the veth pair. */
static void do_inbound(struct xw_queue *q, const struct xdp_desc *d)
{
	const struct xw_opts *o = &q->w->o;
	uint8_t *frame = xsk_umem__get_data(q->nic.area, d->addr);
	uint64_t chunk = d->addr & ~(uint64_t)(XW_FRAME_SIZE - 1);
	struct xfp_pkt_buf pkt;
	struct xfp_handoff *ho;
	struct xfp_sa *sa;
	uint16_t type;
	unsigned l2 = l2_len(frame, d->len, &type);
	uint64_t out;
	uint8_t *t;
	int r;

	bump(&q->st, XW_RX_NIC, 1);
	if (!l2) {
		bump(&q->st, XW_IN_BAD_FRAME, 1);
		return;
	}
	pkt.data = frame + l2;
	pkt.len = d->len - l2;
	pkt.headroom = d->addr - chunk + l2;
	pkt.tailroom = XW_FRAME_SIZE - (d->addr - chunk) - d->len;
	r = xfp_ipsec_input(o->db, &pkt, &sa);
	if (r || !sa) {
		bump(&q->st, XW_IN_DROP, 1);
		bump_err(q->st.in_err, r ? r : -XFP_E_INTERNAL);
		return;
	}
	bump(&q->st, XW_DECRYPTED, 1);
	bump(&q->st, XW_DECRYPTED_BYTES, pkt.len);
	out = tx_frame(q, &q->ws);
	if (out == UINT64_MAX)
		return;
	t = xsk_umem__get_data(q->ws.area, out);
	memcpy(t, o->stack_mac, 6);
	memcpy(t + 6, o->wside_mac, 6);
	t[12] = XFP_ETH_P_HANDOFF >> 8;
	t[13] = XFP_ETH_P_HANDOFF & 0xff;
	ho = (struct xfp_handoff *)(t + 14);
	memset(ho, 0, sizeof(*ho));
	ho->magic = XFP_HANDOFF_MAGIC;
	ho->version = XFP_HANDOFF_VERSION;
	ho->flags = XFP_HO_F_SECURED |
		    (sa->alg->encrypts ? XFP_HO_F_ENCRYPTED : 0) |
		    (sa->natt ? XFP_HO_F_NATT : 0);
	ho->proto = sa->proto;
	ho->sa_id = sa->id;
	ho->spi = sa->spi;
	ho->ifindex = (uint32_t)o->nic_ifindex;
	ho->ctx = sa->ctx; /* its flags, policy SA and identities */
	memcpy(t + 14 + sizeof(*ho), pkt.data, pkt.len);
	if (tx_put(q, &q->ws, out, (uint32_t)(14 + sizeof(*ho) + pkt.len)))
		bump(&q->st, XW_TX_STACK, 1);
}

/* Outbound: a frame with the "secure" verdict, encapsulated with the SA
 * named in its Ethernet source and sent on the NIC. */
static void do_outbound(struct xw_queue *q, const struct xdp_desc *d)
{
	const struct xw_opts *o = &q->w->o;
	const uint8_t *f = xsk_umem__get_data(q->ws.area, d->addr);
	struct xfp_pkt_buf pkt;
	struct xfp_sa *sa;
	uint16_t type;
	unsigned l2 = l2_len(f, d->len, &type);
	uint32_t id;
	uint64_t out;
	uint8_t *t;
	int r;

	bump(&q->st, XW_RX_SECURE, 1);
	if (l2 != 14 || f[6] != XFP_OUT_MAGIC0 || f[7] != XFP_OUT_MAGIC1 ||
	    d->len - l2 > XW_FRAME_SIZE - XW_TX_HEADROOM - 128) {
		bump(&q->st, XW_OUT_BAD_FRAME, 1);
		return;
	}
	id = (uint32_t)f[8] << 24 | (uint32_t)f[9] << 16 |
	     (uint32_t)f[10] << 8 | f[11];
	sa = xfp_sadb_lookup_id(o->db, id);
	if (!sa || sa->dir != XFP_SA_OUT) {
		bump(&q->st, XW_OUT_NO_SA, 1);
		return;
	}
	out = tx_frame(q, &q->nic);
	if (out == UINT64_MAX)
		return;
	t = xsk_umem__get_data(q->nic.area, out);
	xfp_pkt_init(&pkt, t, XW_FRAME_SIZE, XW_TX_HEADROOM, d->len - l2);
	memcpy(pkt.data, f + l2, pkt.len);
	r = xfp_ipsec_output(sa, &pkt);
	if (r) {
		bump(&q->st, XW_OUT_DROP, 1);
		bump_err(q->st.out_err, r);
		q->nic.free[q->nic.nfree++] = out;
		return;
	}
	if (pkt.len > o->mtu) {
		/* The plaintext fitted the route, the ESP packet does not fit
		 * the NIC: the route MTU must leave room for the overhead. */
		bump(&q->st, XW_OUT_TOO_BIG, 1);
		q->nic.free[q->nic.nfree++] = out;
		return;
	}
	bump(&q->st, XW_ENCRYPTED, 1);
	bump(&q->st, XW_ENCRYPTED_BYTES, d->len - l2);
	t = pkt.data - 14;
	memcpy(t, f, 6); /* the destination the neighbour table chose */
	memcpy(t + 6, o->nic_mac, 6);
	t[12] = (pkt.data[0] >> 4) == 6 ? ETH_P_IPV6 >> 8 : ETH_P_IP >> 8;
	t[13] = (pkt.data[0] >> 4) == 6 ? ETH_P_IPV6 & 0xff : ETH_P_IP & 0xff;
	if (tx_put(q, &q->nic,
		   out + (uint64_t)(t - (uint8_t *)xsk_umem__get_data(
						q->nic.area, out)),
		   (uint32_t)(pkt.len + 14)))
		bump(&q->st, XW_TX_NIC, 1);
}

static unsigned rx_batch(struct xw_queue *q, struct xw_umem *u, bool inbound)
{
	unsigned idx, n, i;

	n = xsk_ring_cons__peek(&u->rx, XW_BATCH, &idx);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d =
			xsk_ring_cons__rx_desc(&u->rx, idx + i);
		struct xdp_desc copy = *d;

		/* The kernel wrote the next frame on another CPU: start
		 * pulling its headers in while this one is processed. */
		if (i + 1 < n)
			__builtin_prefetch(xsk_umem__get_data(
				u->area,
				xsk_ring_cons__rx_desc(&u->rx, idx + i + 1)
					->addr));

		if (inbound)
			do_inbound(q, &copy);
		else
			do_outbound(q, &copy);
		/* The rx frame's data was copied out (or dropped): free. */
		u->free[u->nfree++] = copy.addr &
				      ~(uint64_t)(XW_FRAME_SIZE - 1);
	}
	if (n)
		xsk_ring_cons__release(&u->rx, n);
	return n;
}

static void *queue_main(void *arg)
{
	struct xw_queue *q = arg;
	struct xw *w = q->w;
	struct pollfd pfd[2] = {
		{ .fd = xsk_socket__fd(q->nic.xsk), .events = POLLIN },
		{ .fd = xsk_socket__fd(q->ws.xsk), .events = POLLIN },
	};

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		unsigned n;

		complete(&q->nic);
		complete(&q->ws);
		refill(&q->nic);
		refill(&q->ws);
		n = rx_batch(q, &q->nic, true);
		n += rx_batch(q, &q->ws, false);
		kick_tx(&q->nic);
		kick_tx(&q->ws);
		xfp_sadb_quiescent(w->o.db, q->slot);
		if (n)
			continue;
		/* Idle: sleep until a socket has data.  The fill rings'
		 * need_wakeup flags are served by this poll(). */
		xfp_sadb_reader_offline(w->o.db, q->slot);
		poll(pfd, 2, 100);
	}
	xfp_sadb_reader_offline(w->o.db, q->slot);
	return NULL;
}

struct xw *xw_start(const struct xw_opts *o, int xsks_fd, int xsks_out_fd,
		    int *err)
{
	struct xw *w = calloc(1, sizeof(*w));
	unsigned i;
	int e = 0;

	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->o = *o;
	w->nq = o->queues;
	w->q = calloc(w->nq, sizeof(*w->q));
	if (!w->q) {
		free(w);
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < w->nq && !e; i++) {
		struct xw_queue *q = &w->q[i];
		int fd;

		q->w = w;
		q->qid = i;
		q->slot = xfp_sadb_reader_add(o->db);
		if (q->slot < 0) {
			e = q->slot;
			break;
		}
		e = umem_setup(&q->nic, o->nic, i, true, "NIC");
		if (!e)
			e = umem_setup(&q->ws, o->wside, i, false, "veth");
		if (e)
			break;
		fd = xsk_socket__fd(q->nic.xsk);
		if (bpf_map_update_elem(xsks_fd, &i, &fd, 0)) {
			e = -errno;
			fprintf(stderr, "xfp worker: publishing queue %u: %s\n",
				i, strerror(errno));
			break;
		}
		fd = xsk_socket__fd(q->ws.xsk);
		if (bpf_map_update_elem(xsks_out_fd, &i, &fd, 0)) {
			e = -errno;
			fprintf(stderr, "xfp worker: publishing queue %u: %s\n",
				i, strerror(errno));
			break;
		}
	}
	for (i = 0; i < w->nq && !e; i++) {
		e = -pthread_create(&w->q[i].th, NULL, queue_main, &w->q[i]);
		if (!e)
			w->q[i].started = true;
	}
	if (e) {
		xw_stop(w);
		*err = e;
		return NULL;
	}
	*err = 0;
	return w;
}

void xw_stop(struct xw *w)
{
	unsigned i;

	if (!w)
		return;
	atomic_store(&w->stop, true);
	for (i = 0; i < w->nq; i++) {
		struct xw_queue *q = &w->q[i];

		if (q->started)
			pthread_join(q->th, NULL);
		umem_teardown(&q->nic);
		umem_teardown(&q->ws);
		if (q->slot >= 0 && q->w)
			xfp_sadb_reader_del(w->o.db, q->slot);
	}
	free(w->q);
	free(w);
}

static void add_xdp_stats(struct xw_stats *out, const struct xw_umem *u)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	if (!u->xsk || getsockopt(xsk_socket__fd(u->xsk), SOL_XDP,
				  XDP_STATISTICS, &st, &len))
		return;
	out->c[XW_XSK_RX_DROPPED] += st.rx_dropped;
	out->c[XW_XSK_RX_RING_FULL] += st.rx_ring_full;
	out->c[XW_XSK_FILL_EMPTY] += st.rx_fill_ring_empty_descs;
	out->c[XW_XSK_RX_INVALID] += st.rx_invalid_descs;
	out->c[XW_XSK_TX_INVALID] += st.tx_invalid_descs;
}

void xw_read_stats(const struct xw *w, struct xw_stats *out)
{
	unsigned i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < w->nq; i++) {
		const struct xw_stats *s = &w->q[i].st;

		add_xdp_stats(out, &w->q[i].nic);
		add_xdp_stats(out, &w->q[i].ws);
		for (k = 0; k < XW__MAX; k++)
			out->c[k] +=
				__atomic_load_n(&s->c[k], __ATOMIC_RELAXED);
		for (k = 0; k < XFP_E__MAX; k++) {
			out->in_err[k] += __atomic_load_n(&s->in_err[k],
							  __ATOMIC_RELAXED);
			out->out_err[k] += __atomic_load_n(&s->out_err[k],
							   __ATOMIC_RELAXED);
		}
	}
}

const char *xw_nic_mode(const struct xw *w)
{
	return w->nq && w->q[0].nic.zc ? "zero-copy" : "copy";
}
