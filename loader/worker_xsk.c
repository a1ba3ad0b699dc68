// SPDX-License-Identifier: GPL-2.0
/*
 * worker_xsk.c - the AF_XDP rings of the crypto worker: one thread per
 * NIC rx queue, batched peek/reserve/submit/release loops in the style of
 * xdp-tools' xdpsock, need_wakeup honoured on every ring.
 *
 * Frame ownership: the frames of a queue's UMEM are a stack of free
 * addresses owned by its thread.  Frames go free -> fill ring -> rx ring ->
 * (processed) -> tx ring of the other socket -> completion ring -> free.
 * When the NIC socket runs in copy mode (veth, or a driver without AF_XDP
 * zero-copy) both sockets of a queue share one UMEM (XDP_SHARED_UMEM, each
 * with its own fill and completion ring) and a packet is decrypted or
 * encrypted where the kernel wrote it and transmitted from that frame: no
 * copy in userspace.  A zero-copy NIC socket cannot share its UMEM with the
 * copy-mode veth socket (a shared UMEM imposes the first socket's mode), so
 * then each socket has its own UMEM and the packet is copied once between
 * them.  Nothing is shared between threads except the SA database
 * (lock-free lookups, QSBR between batches) and the counters (single
 * writer, relaxed atomics).
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
/* Headroom encapsulation in place needs at least: Ethernet, an outer
 * IPv6 header, UDP (NAT-T), ESP and an IV, rounded up. */
#define XW_ENCAP_ROOM 128
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

/* A UMEM: its frames and the stack of the free ones. */
struct xw_pool {
	struct xsk_umem *umem;
	uint8_t *area; /* nframes frames, 2 MiB aligned inside map */
	void *map;
	size_t map_len;
	unsigned nframes;
	unsigned nfree;
	uint64_t free[2 * XW_FRAMES];
};

/* An AF_XDP socket with its rings; its frames come from `pool`. */
struct xw_umem {
	struct xw_pool *pool;
	uint8_t *area; /* pool->area */
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	unsigned tx_pending; /* submitted, not yet kicked */
	bool zc;
};

struct xw_queue {
	struct xw *w;
	unsigned qid;
	pthread_t th;
	bool started;
	bool shared; /* one UMEM for both sockets: in place, no copy */
	int slot; /* sadb reader slot */
	struct xw_umem nic, ws;
	struct xw_pool pool_nic, pool_ws; /* pool_ws unused when shared */
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

/*
 * Every frame is a 4 KiB page of its own: with small pages each packet
 * costs a TLB miss on the rx frame and another on the tx frame.  Ask for
 * transparent huge pages (2 MiB aligned, before the kernel pins the area);
 * without them the area still works.
 */
static int pool_setup(struct xw_pool *p, unsigned nframes, unsigned qid,
		      const char *what, struct xsk_ring_prod *fq,
		      struct xsk_ring_cons *cq)
{
	struct xsk_umem_config ucfg = {
		.fill_size = XW_RING * 2,
		.comp_size = XW_RING * 2,
		.frame_size = XW_FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	size_t size = (size_t)nframes * XW_FRAME_SIZE;
	unsigned i;
	int err;

	p->map_len = size + XW_HUGE;
	p->map = mmap(NULL, p->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return -errno;
	}
	p->area = (uint8_t *)(((uintptr_t)p->map + XW_HUGE - 1) &
			      ~(uintptr_t)(XW_HUGE - 1));
	(void)madvise(p->area, size, MADV_HUGEPAGE);
	err = xsk_umem__create(&p->umem, p->area, size, fq, cq, &ucfg);
	if (err) {
		fprintf(stderr, "xfp worker: %s queue %u: UMEM: %s\n", what,
			qid, strerror(-err));
		return err;
	}
	for (i = 0; i < nframes; i++)
		p->free[i] = (uint64_t)i * XW_FRAME_SIZE;
	p->nframes = p->nfree = nframes;
	return 0;
}

/* Socket of @u on ifname/qid over @p; @shared: @p's UMEM already has a
 * socket (then the mode is that socket's, and @u gets its own fill and
 * completion rings). */
static int sock_setup(struct xw_umem *u, struct xw_pool *p, bool shared,
		      const char *ifname, unsigned qid, bool try_zc)
{
	struct xsk_socket_config scfg = {
		.rx_size = XW_RING,
		.tx_size = XW_RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = 0,
	};
	int err = -EOPNOTSUPP;

	u->pool = p;
	u->area = p->area;
	if (shared) {
		/* Bind flags are the first socket's (the kernel refuses
		 * any on a shared bind). */
		scfg.bind_flags = 0;
		err = xsk_socket__create_shared(&u->xsk, ifname, qid, p->umem,
						&u->rx, &u->tx, &u->fq, &u->cq,
						&scfg);
	} else {
		if (try_zc) {
			scfg.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP;
			err = xsk_socket__create(&u->xsk, ifname, qid, p->umem,
						 &u->rx, &u->tx, &scfg);
			u->zc = !err;
		}
		if (err) {
			scfg.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
			err = xsk_socket__create(&u->xsk, ifname, qid, p->umem,
						 &u->rx, &u->tx, &scfg);
		}
	}
	if (err) {
		fprintf(stderr,
			"xfp worker: AF_XDP socket on %s queue %u%s: %s\n",
			ifname, qid, shared ? " (shared UMEM)" : "",
			strerror(-err));
		return err;
	}
	if (!u->zc) {
		/* One sendto() per batch instead of one per 32 frames. */
		unsigned budget = XW_BATCH * 2;

		(void)setsockopt(xsk_socket__fd(u->xsk), SOL_XDP,
				 XDP_MAX_TX_SKB_BUDGET, &budget,
				 sizeof(budget));
	}
	return 0;
}

/*
 * The two sockets of queue q.  The NIC socket first (zero-copy tried
 * first); if it is in copy mode the worker-side socket shares its UMEM,
 * otherwise it gets one of its own.
 */
static int queue_setup(struct xw_queue *q, const struct xw_opts *o)
{
	int err;

	/* Sized for sharing unless told not to share; a zero-copy NIC
	 * socket then uses half of it (its mode is known only once the
	 * socket exists, and the socket needs the UMEM). */
	err = pool_setup(&q->pool_nic,
			 o->separate_umem ? XW_FRAMES : 2 * XW_FRAMES, q->qid,
			 "NIC", &q->nic.fq, &q->nic.cq);
	if (!err)
		err = sock_setup(&q->nic, &q->pool_nic, false, o->nic, q->qid,
				 true);
	if (err)
		return err;
	if (!q->nic.zc && !o->separate_umem) {
		err = sock_setup(&q->ws, &q->pool_nic, true, o->wside, q->qid,
				 false);
		if (!err) {
			q->shared = true;
			return 0;
		}
		/* An old kernel without shared UMEM across devices: give
		 * the veth socket a UMEM of its own (and copy). */
		fprintf(stderr,
			"xfp worker: queue %u: no shared UMEM (%s); copying "
			"between two UMEMs\n",
			q->qid, strerror(-err));
		memset(&q->ws, 0, sizeof(q->ws));
	}
	/* Half of the NIC pool's frames were meant for the veth socket. */
	q->pool_nic.nframes = q->pool_nic.nfree = XW_FRAMES;
	err = pool_setup(&q->pool_ws, XW_FRAMES, q->qid, "veth", &q->ws.fq,
			 &q->ws.cq);
	if (!err)
		err = sock_setup(&q->ws, &q->pool_ws, false, o->wside, q->qid,
				 false);
	return err;
}

static void pool_teardown(struct xw_pool *p)
{
	if (p->umem)
		xsk_umem__delete(p->umem);
	if (p->map)
		munmap(p->map, p->map_len);
	p->umem = NULL;
	p->map = NULL;
	p->nfree = p->nframes = 0;
}

static void queue_teardown(struct xw_queue *q)
{
	/* Sockets before their UMEMs (a UMEM in use cannot be freed). */
	if (q->ws.xsk)
		xsk_socket__delete(q->ws.xsk);
	if (q->nic.xsk)
		xsk_socket__delete(q->nic.xsk);
	memset(&q->ws, 0, sizeof(q->ws));
	memset(&q->nic, 0, sizeof(q->nic));
	pool_teardown(&q->pool_ws);
	pool_teardown(&q->pool_nic);
}

/* Give the kernel free frames for receiving, keeping a quarter of the
 * pool for transmit. */
static void refill(struct xw_umem *u)
{
	struct xw_pool *p = u->pool;
	unsigned want = xsk_prod_nb_free(&u->fq, XW_BATCH * 2), idx, i;
	unsigned keep = p->nframes / 4;

	if (p->nfree <= keep)
		return;
	if (want > p->nfree - keep)
		want = p->nfree - keep;
	if (!want || xsk_ring_prod__reserve(&u->fq, want, &idx) != want)
		return;
	for (i = 0; i < want; i++)
		*xsk_ring_prod__fill_addr(&u->fq, idx + i) =
			p->free[--p->nfree];
	xsk_ring_prod__submit(&u->fq, want);
}

static inline void frame_free(struct xw_pool *p, uint64_t addr)
{
	p->free[p->nfree++] = addr & ~(uint64_t)(XW_FRAME_SIZE - 1);
}

static void complete(struct xw_umem *u)
{
	unsigned idx, n, i;

	n = xsk_ring_cons__peek(&u->cq, XW_RING, &idx);
	for (i = 0; i < n; i++)
		frame_free(u->pool, *xsk_ring_cons__comp_addr(&u->cq, idx + i));
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
	struct xw_pool *p = u->pool;

	if (!p->nfree) {
		complete(u);
		if (!p->nfree) {
			bump(&q->st, XW_NO_FREE_FRAME, 1);
			return UINT64_MAX;
		}
	}
	return p->free[--p->nfree];
}

/* Queue frame @addr (any offset in its chunk) for transmit on @u.  The
 * frame is the ring's from here on: on failure it is freed. */
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
			frame_free(u->pool, addr);
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

/*
 * Inbound: an IPsec frame from the NIC, decapsulated in place and handed
 * to the stack through the worker side of the veth pair: from the same
 * frame with a shared UMEM, else copied into a frame of the veth socket's.
 * Returns true when the rx frame was passed on (it is no longer ours).
 */
static bool do_inbound(struct xw_queue *q, const struct xdp_desc *d)
{
	const struct xw_opts *o = &q->w->o;
	uint8_t *frame = xsk_umem__get_data(q->nic.area, d->addr);
	uint64_t chunk = d->addr & ~(uint64_t)(XW_FRAME_SIZE - 1);
	const size_t hlen = 14 + sizeof(struct xfp_handoff);
	struct xfp_pkt_buf pkt;
	struct xfp_handoff *ho;
	struct xfp_sa *sa;
	uint16_t type;
	unsigned l2 = l2_len(frame, d->len, &type);
	bool inplace;
	uint64_t out;
	uint8_t *t;
	int r;

	bump(&q->st, XW_RX_NIC, 1);
	if (!l2) {
		bump(&q->st, XW_IN_BAD_FRAME, 1);
		return false;
	}
	pkt.data = frame + l2;
	pkt.len = d->len - l2;
	pkt.headroom = d->addr - chunk + l2;
	pkt.tailroom = XW_FRAME_SIZE - (d->addr - chunk) - d->len;
	r = xfp_ipsec_input(o->db, &pkt, &sa);
	if (r || !sa) {
		bump(&q->st, XW_IN_DROP, 1);
		bump_err(q->st.in_err, r ? r : -XFP_E_INTERNAL);
		return false;
	}
	bump(&q->st, XW_DECRYPTED, 1);
	bump(&q->st, XW_DECRYPTED_BYTES, pkt.len);
	inplace = q->shared && pkt.headroom >= hlen;
	if (inplace) {
		/* The hand-off header goes where the ESP header was. */
		t = pkt.data - hlen;
		out = chunk + (uint64_t)(t - (uint8_t *)xsk_umem__get_data(
						     q->nic.area, chunk));
	} else {
		out = tx_frame(q, &q->ws);
		if (out == UINT64_MAX)
			return false;
		t = xsk_umem__get_data(q->ws.area, out);
		memcpy(t + hlen, pkt.data, pkt.len);
	}
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
	if (tx_put(q, &q->ws, out, (uint32_t)(hlen + pkt.len)))
		bump(&q->st, XW_TX_STACK, 1);
	/* In place the rx frame went to the tx ring (or was freed). */
	return inplace;
}

/*
 * Outbound: a frame with the "secure" verdict, encapsulated with the SA
 * named in its Ethernet source and sent on the NIC: in place with a
 * shared UMEM, else copied into a frame of the NIC socket's first.
 * Returns true when the rx frame was passed on.
 */
static bool do_outbound(struct xw_queue *q, const struct xdp_desc *d)
{
	const struct xw_opts *o = &q->w->o;
	const uint8_t *f = xsk_umem__get_data(q->ws.area, d->addr);
	uint64_t chunk = d->addr & ~(uint64_t)(XW_FRAME_SIZE - 1);
	struct xfp_pkt_buf pkt;
	struct xfp_sa *sa;
	uint16_t type;
	unsigned l2 = l2_len(f, d->len, &type);
	uint8_t dmac[6], *base;
	bool inplace;
	uint32_t id;
	uint64_t out;
	uint8_t *t;
	int r;

	bump(&q->st, XW_RX_SECURE, 1);
	if (l2 != 14 || f[6] != XFP_OUT_MAGIC0 || f[7] != XFP_OUT_MAGIC1 ||
	    d->len - l2 > XW_FRAME_SIZE - XW_TX_HEADROOM - 128) {
		bump(&q->st, XW_OUT_BAD_FRAME, 1);
		return false;
	}
	id = (uint32_t)f[8] << 24 | (uint32_t)f[9] << 16 |
	     (uint32_t)f[10] << 8 | f[11];
	sa = xfp_sadb_lookup_id(o->db, id);
	if (!sa || sa->dir != XFP_SA_OUT) {
		bump(&q->st, XW_OUT_NO_SA, 1);
		return false;
	}
	memcpy(dmac, f, 6); /* the destination the neighbour table chose */
	inplace = q->shared && d->addr - chunk + l2 >= XW_ENCAP_ROOM;
	if (inplace) {
		/* Encapsulate where the kernel wrote the frame (its rx
		 * headroom, XDP_PACKET_HEADROOM, leaves the room). */
		out = chunk;
		base = xsk_umem__get_data(q->nic.area, chunk);
		xfp_pkt_init(&pkt, base, XW_FRAME_SIZE, d->addr - chunk + l2,
			     d->len - l2);
	} else {
		out = tx_frame(q, &q->nic);
		if (out == UINT64_MAX)
			return false;
		base = xsk_umem__get_data(q->nic.area, out);
		xfp_pkt_init(&pkt, base, XW_FRAME_SIZE, XW_TX_HEADROOM,
			     d->len - l2);
		memcpy(pkt.data, f + l2, pkt.len);
	}
	r = xfp_ipsec_output(sa, &pkt);
	if (r || pkt.len > o->mtu) {
		if (r) {
			bump(&q->st, XW_OUT_DROP, 1);
			bump_err(q->st.out_err, r);
		} else {
			/* The plaintext fitted the route, the ESP packet
			 * does not fit the NIC: the route MTU must leave
			 * room for the overhead. */
			bump(&q->st, XW_OUT_TOO_BIG, 1);
		}
		if (!inplace)
			frame_free(q->nic.pool, out);
		return false;
	}
	bump(&q->st, XW_ENCRYPTED, 1);
	bump(&q->st, XW_ENCRYPTED_BYTES, d->len - l2);
	t = pkt.data - 14;
	memcpy(t, dmac, 6);
	memcpy(t + 6, o->nic_mac, 6);
	t[12] = (pkt.data[0] >> 4) == 6 ? ETH_P_IPV6 >> 8 : ETH_P_IP >> 8;
	t[13] = (pkt.data[0] >> 4) == 6 ? ETH_P_IPV6 & 0xff : ETH_P_IP & 0xff;
	if (tx_put(q, &q->nic, out + (uint64_t)(t - base),
		   (uint32_t)(pkt.len + 14)))
		bump(&q->st, XW_TX_NIC, 1);
	return inplace;
}

/* Pull a frame the kernel wrote on another CPU into the cache while the
 * ones before it are processed (headers first; the AEAD reads the rest). */
static inline void prefetch_frame(const uint8_t *p, uint32_t len)
{
	for (uint32_t off = 0; off < len; off += 64)
		__builtin_prefetch(p + off);
}

/* Frames prefetched ahead of the one processed: the kernel wrote them on
 * another CPU; 4 (about 4 us of work at 1400 bytes) measured better than
 * 1 for both directions in bench_worker.sh. */
#define XW_AHEAD 4

static unsigned rx_batch(struct xw_queue *q, struct xw_umem *u, bool inbound)
{
	unsigned idx, n, i;

	n = xsk_ring_cons__peek(&u->rx, XW_BATCH, &idx);
	if (!n)
		return 0;
	/* Hard lifetimes in seconds are checked against one clock reading
	 * per batch: late by at most the batch's time (crypto/sa.h). */
	xfp_clock_batch_begin();
	for (i = 0; i < n && i < XW_AHEAD; i++) {
		const struct xdp_desc *nx =
			xsk_ring_cons__rx_desc(&u->rx, idx + i);

		prefetch_frame(xsk_umem__get_data(u->area, nx->addr), nx->len);
	}
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d =
			xsk_ring_cons__rx_desc(&u->rx, idx + i);
		struct xdp_desc copy = *d;
		bool passed;

		if (i + XW_AHEAD < n) {
			const struct xdp_desc *nx = xsk_ring_cons__rx_desc(
				&u->rx, idx + i + XW_AHEAD);

			prefetch_frame(xsk_umem__get_data(u->area, nx->addr),
				       nx->len);
		}
		passed = inbound ? do_inbound(q, &copy) : do_outbound(q, &copy);
		if (!passed)
			frame_free(u->pool, copy.addr);
	}
	xfp_clock_batch_end();
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
		e = queue_setup(q, o);
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
		pthread_attr_t attr;
		cpu_set_t set;

		e = -pthread_attr_init(&attr);
		if (e)
			break;
		if (o->ncpus) {
			/* one core per queue thread, as AF_XDP workers are
			 * deployed: no migrations, warm caches */
			CPU_ZERO(&set);
			CPU_SET(o->cpus[i % o->ncpus], &set);
			e = -pthread_attr_setaffinity_np(&attr, sizeof(set),
							 &set);
		}
		if (!e)
			e = -pthread_create(&w->q[i].th, &attr, queue_main,
					    &w->q[i]);
		pthread_attr_destroy(&attr);
		if (!e)
			w->q[i].started = true;
		else
			fprintf(stderr, "xfp worker: queue %u thread%s: %s\n",
				i, o->ncpus ? " on its CPU" : "", strerror(-e));
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
		queue_teardown(q);
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
	if (!w->nq)
		return "none";
	if (w->q[0].nic.zc)
		return "zero-copy";
	return w->q[0].shared ? "copy, shared UMEM" : "copy";
}
