// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * sa.c - SA creation and destruction, ownership claim, lifetime
 * accounting, the selector check and the name tables of errors/counters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>

#include "bpf/xfp_abi.h"
#include "crypto/ip.h"
#include "crypto/pkt.h"
#include "crypto/sa.h"

static const char *const err_names[XFP_E__MAX] = {
#define XFP__ERR(e, n, s) [n] = s,
	XFP_ERRORS(XFP__ERR)
#undef XFP__ERR
};

static const char *const ctr_names[XFP_SA_CTR__MAX] = {
#define XFP__C(e, s) [XFP_SA_##e] = s,
	XFP_SA_COUNTERS(XFP__C)
#undef XFP__C
};

const char *xfp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= XFP_E__MAX)
		return "unknown error";
	return err_names[err];
}

const char *xfp_sa_counter_name(enum xfp_sa_counter c)
{
	if ((unsigned)c >= XFP_SA_CTR__MAX)
		return "unknown";
	return ctr_names[c];
}

/* Thread ids for SA ownership: 1, 2, ... handed out on first use. */
static uint32_t next_thread_id = 1;
static __thread uint32_t my_thread_id;

static uint32_t thread_id(void)
{
	if (!my_thread_id)
		my_thread_id = __atomic_fetch_add(&next_thread_id, 1,
						  __ATOMIC_RELAXED);
	return my_thread_id;
}

bool xfp_sa_claim(struct xfp_sa *sa)
{
	uint32_t me = thread_id();
	uint32_t cur = __atomic_load_n(&sa->owner, __ATOMIC_RELAXED);

	if (cur == me)
		return true;
	if (cur != 0)
		return false;
	return __atomic_compare_exchange_n(&sa->owner, &cur, me, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void xfp_sa_unclaim(struct xfp_sa *sa)
{
	__atomic_store_n(&sa->owner, 0, __ATOMIC_RELEASE);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t (*clock_source)(void) = mono_ns;

uint64_t xfp_clock_ns(void)
{
	return __atomic_load_n(&clock_source, __ATOMIC_RELAXED)();
}

void xfp_clock_set_source(uint64_t (*now_ns)(void))
{
	__atomic_store_n(&clock_source, now_ns ? now_ns : mono_ns,
			 __ATOMIC_RELAXED);
}

static __thread uint64_t batch_ns; /* 0: no batch open */

void xfp_clock_batch_begin(void)
{
	batch_ns = xfp_clock_ns();
}

void xfp_clock_batch_end(void)
{
	batch_ns = 0;
}

uint64_t xfp_clock_packet_ns(void)
{
	return batch_ns ? batch_ns : xfp_clock_ns();
}

void xfp_sa_set_state(struct xfp_sa *sa, enum xfp_sa_state st)
{
	uint32_t cur = __atomic_load_n(&sa->state, __ATOMIC_RELAXED);

	while (cur < (uint32_t)st &&
	       !__atomic_compare_exchange_n(&sa->state, &cur, st, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

static bool addr_ok(const struct xfp_addr *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

static int validate(const struct xfp_sa_config *cfg,
		    const struct xfp_alg_info **aip)
{
	const struct xfp_alg_info *ai = xfp_alg_info(cfg->alg);

	if (!ai || ai->proto != cfg->proto)
		return -EINVAL;
	if (cfg->key_len != ai->key_len || cfg->id == 0 || cfg->spi == 0)
		return -EINVAL;
	if (cfg->dir > XFP_SA_OUT || cfg->mode > XFP_MODE_TUNNEL)
		return -EINVAL;
	/* Outbound tunnels build their outer header from src/dst; inbound
	 * SAs use dst only for the lookup, and may leave it unset (any). */
	if (cfg->mode == XFP_MODE_TUNNEL && cfg->dir == XFP_SA_OUT &&
	    (!addr_ok(&cfg->src) || !addr_ok(&cfg->dst) ||
	     cfg->src.family != cfg->dst.family))
		return -EINVAL;
	if ((cfg->dst.family && !addr_ok(&cfg->dst)) ||
	    (cfg->src.family && !addr_ok(&cfg->src)))
		return -EINVAL;
	if (cfg->natt && cfg->proto != XFP_IPSEC_ESP)
		return -EINVAL;
	if (cfg->replay_window && (cfg->replay_window < XFP_REPLAY_MIN ||
				   cfg->replay_window > XFP_REPLAY_MAX))
		return -EINVAL;
	if (cfg->sel.src_plen > 128 || cfg->sel.dst_plen > 128)
		return -EINVAL;
	if (!cfg->esn && cfg->seq_start > UINT32_MAX)
		return -EINVAL;
	*aip = ai;
	return 0;
}

uint32_t xfp_sa_config_ctx(const struct xfp_sa_config *cfg)
{
	const struct xfp_alg_info *ai = xfp_alg_info(cfg->alg);

	if (cfg->ctx)
		return cfg->ctx;
	if (!ai)
		return 0;
	return ai->encrypts ? XFP_CTX_ENCRYPTED : XFP_CTX_SECURED;
}

struct xfp_sa *xfp_sa_new(const struct xfp_sa_config *cfg, int *err)
{
	const struct xfp_alg_info *ai;
	uint32_t window = cfg->replay_window ? cfg->replay_window :
					       XFP_REPLAY_DEFAULT;
	struct xfp_sa *sa;
	size_t sz;
	int e;

	e = xfp_engine_init();
	if (!e)
		e = validate(cfg, &ai);
	if (e)
		goto fail;
	/* The SA holds the AEAD salt and its engine state the keys: both
	 * are key memory (xfp__priv_alloc: guarded, locked, not dumped,
	 * wiped on free).  64-byte aligned, like the engine state. */
	sz = offsetof(struct xfp_sa, replay) + xfp_replay_size(window);
	sa = xfp__priv_alloc(sz);
	if (!sa) {
		e = -ENOMEM;
		goto fail;
	}
	e = xfp_cipher_init(&sa->cipher, cfg->alg, cfg->engine, cfg->key,
			    cfg->key_len);
	if (e) {
		xfp__priv_free(sa, sz);
		goto fail;
	}
	sa->id = cfg->id;
	sa->spi = cfg->spi;
	sa->proto = cfg->proto;
	sa->dir = cfg->dir;
	sa->mode = cfg->mode;
	sa->esn = cfg->esn;
	sa->replay_on = !cfg->no_replay;
	sa->natt = cfg->natt;
	sa->natt_sport = cfg->natt_sport ? cfg->natt_sport : XFP_NATT_PORT;
	sa->natt_dport = cfg->natt_dport ? cfg->natt_dport : XFP_NATT_PORT;
	sa->tunnel_ttl = cfg->tunnel_ttl ? cfg->tunnel_ttl : 64;
	sa->clear_df = cfg->clear_df;
	sa->alg = ai;
	sa->src = cfg->src;
	sa->dst = cfg->dst;
	sa->sel = cfg->sel;
	sa->soft = cfg->soft;
	sa->hard = cfg->hard;
	if (cfg->hard.seconds) {
		/* Saturates at the end of the clock, 584 years from boot. */
		uint64_t now = xfp_clock_ns();
		uint64_t left = (UINT64_MAX - now) / 1000000000u;
		uint64_t sec = cfg->hard.seconds < left ? cfg->hard.seconds :
							  left;

		sa->hard_time = now + sec * 1000000000u;
	}
	sa->idle_seconds = cfg->idle_seconds;
	sa->ctx = xfp_sa_config_ctx(cfg);
	sa->oseq = cfg->seq_start;
	if (ai->proto == XFP_IPSEC_ESP)
		sa->hdr_len = 8 + ai->iv_len;
	else
		sa->hdr_len = 12 + ai->icv_len;
	randombytes_buf(&sa->iv_mask, sizeof(sa->iv_mask));
	randombytes_buf(&sa->ip_id, sizeof(sa->ip_id));
	sa->clock = &sa->own_clock;
	xfp_replay_init(&sa->replay, window, cfg->esn);
	*err = 0;
	return sa;
fail:
	*err = e;
	return NULL;
}

void xfp_sa_free(struct xfp_sa *sa)
{
	if (!sa)
		return;
	xfp_cipher_fini(&sa->cipher);
	xfp__priv_free(sa, 0); /* wipes all of it, salt and IV mask too */
}

void xfp_sa_account(struct xfp_sa *sa, size_t bytes)
{
	enum xfp_sa_counter cp = sa->dir == XFP_SA_IN ? XFP_SA_IN_PACKETS :
							XFP_SA_OUT_PACKETS;
	enum xfp_sa_counter cb = sa->dir == XFP_SA_IN ? XFP_SA_IN_BYTES :
							XFP_SA_OUT_BYTES;
	uint64_t p, b;

	xfp_sa_count(sa, cp, 1);
	xfp_sa_count(sa, cb, bytes);
	p = sa->ctr[cp];
	b = sa->ctr[cb];
	if ((sa->hard.packets && p >= sa->hard.packets) ||
	    (sa->hard.bytes && b >= sa->hard.bytes))
		xfp_sa_set_state(sa, XFP_SA_EXPIRED);
	else if ((sa->soft.packets && p >= sa->soft.packets) ||
		 (sa->soft.bytes && b >= sa->soft.bytes))
		xfp_sa_set_state(sa, XFP_SA_SOFT);
	__atomic_store_n(&sa->last_used,
			 __atomic_load_n(sa->clock, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, p, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (a[full] & m) == (p[full] & m);
	}
	return true;
}

static bool range_any(uint16_t lo, uint16_t hi)
{
	return hi == 0 || (lo == 0 && hi == 0xffff);
}

bool xfp_selector_match(const struct xfp_selector *sel, const uint8_t *pkt,
			size_t len)
{
	struct xfp_ip_info ii;
	const uint8_t *src, *dst, *l4;
	unsigned alen, ver;
	uint16_t sp, dp;

	if (len < 1)
		return false;
	ver = pkt[0] >> 4;
	if (ver == 4 && len >= XFP_IPV4_HLEN) {
		src = pkt + 12;
		dst = pkt + 16;
		alen = 32;
	} else if (ver == 6 && len >= XFP_IPV6_HLEN) {
		src = pkt + 8;
		dst = pkt + 24;
		alen = 128;
	} else {
		return false;
	}
	if (sel->family && (sel->family == AF_INET) != (ver == 4))
		return false;
	if (sel->src_plen > alen || sel->dst_plen > alen)
		return false;
	if (!prefix_match(src, sel->src, sel->src_plen) ||
	    !prefix_match(dst, sel->dst, sel->dst_plen))
		return false;
	if (!sel->proto && range_any(sel->sport_lo, sel->sport_hi) &&
	    range_any(sel->dport_lo, sel->dport_hi))
		return true;
	/* Protocol or ports are asked for: walk to the transport header. */
	if (xfp_ip_parse(pkt, len, false, &ii))
		return false;
	if (sel->proto && sel->proto != ii.proto)
		return false;
	if (range_any(sel->sport_lo, sel->sport_hi) &&
	    range_any(sel->dport_lo, sel->dport_hi))
		return true;
	/* Ports are asked for: the packet must carry them. */
	if (ii.frag)
		return false;
	l4 = pkt + ii.l3_len;
	switch (ii.proto) {
	case 6: /* TCP */
	case 17: /* UDP */
	case 132: /* SCTP */
	case 136: /* UDP-Lite */
		if (ii.tot_len < ii.l3_len + 4)
			return false;
		sp = xfp_get_be16(l4);
		dp = xfp_get_be16(l4 + 2);
		break;
	case 1: /* ICMP */
	case 58: /* ICMPv6 */
		if (ii.tot_len < ii.l3_len + 2)
			return false;
		sp = l4[0];
		dp = l4[1];
		break;
	default:
		return false;
	}
	if (!range_any(sel->sport_lo, sel->sport_hi) &&
	    (sp < sel->sport_lo || sp > sel->sport_hi))
		return false;
	if (!range_any(sel->dport_lo, sel->dport_hi) &&
	    (dp < sel->dport_lo || dp > sel->dport_hi))
		return false;
	return true;
}

void xfp_sa_counters_read(const struct xfp_sa *sa,
			  uint64_t out[XFP_SA_CTR__MAX])
{
	for (unsigned i = 0; i < XFP_SA_CTR__MAX; i++)
		out[i] = xfp_sa_counter(sa, i);
}
