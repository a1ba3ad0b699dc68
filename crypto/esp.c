// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * esp.c - ESP encapsulation/decapsulation.
 *
 * Split like the kernel's esp_output_head/esp_output_tail: the layout part
 * (where headers go, padding, trailer, outer header, UDP) and esp_crypt()
 * (AEAD, GMAC or HMAC over the laid-out packet) are separate.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/esp.h"
#include "crypto/ip.h"

#define NH_IPIP 4
#define NH_IPV6 41
#define NH_UDP 17
#define NH_NONE 59

/* Everything in front of and behind an ESP payload on this SA. */
size_t xfp_esp_headroom(const struct xfp_sa *sa)
{
	size_t n = sa->hdr_len;

	if (sa->natt)
		n += XFP_UDP_HLEN;
	if (sa->mode == XFP_MODE_TUNNEL)
		n += sa->src.family == AF_INET6 ? XFP_IPV6_HLEN : XFP_IPV4_HLEN;
	return n;
}

size_t xfp_esp_tailroom(const struct xfp_sa *sa)
{
	return 3 + 2 + sa->alg->icv_len; /* pad to 4, padlen, nh, ICV */
}

/* AAD / implicit data: SPI || [seq hi] || seq lo. */
static size_t esp_aad(const struct xfp_sa *sa, const uint8_t *esp, uint64_t seq,
		      uint8_t out[12])
{
	memcpy(out, esp, 4);
	if (sa->esn) {
		xfp_put_be32(out + 4, (uint32_t)(seq >> 32));
		xfp_put_be32(out + 8, (uint32_t)seq);
		return 12;
	}
	xfp_put_be32(out + 4, (uint32_t)seq);
	return 8;
}

/*
 * Seal (@seal) or open the laid-out ESP packet at @esp.  Opening returns
 * -XFP_E_ICV when the packet does not authenticate.
 */
static int esp_crypt(struct xfp_sa *sa, uint8_t *esp, size_t esp_len,
		     uint64_t seq, bool seal)
{
	const struct xfp_alg_info *ai = sa->alg;
	struct xfp_cipher *c = &sa->cipher;
	size_t icv = ai->icv_len, iv = ai->iv_len;
	uint8_t *ct = esp + XFP_ESP_HLEN + iv;
	size_t ct_len = esp_len - XFP_ESP_HLEN - iv - icv;
	uint8_t *tag = esp + esp_len - icv;
	uint8_t aad[12];
	int r;

	if (ai->aead) {
		uint8_t nonce[XFP_NONCE_LEN];
		struct xfp_iov a[2];
		unsigned na = 1;

		memcpy(nonce, c->salt, 4);
		memcpy(nonce + 4, esp + XFP_ESP_HLEN, 8);
		a[0].base = aad;
		a[0].len = esp_aad(sa, esp, seq, aad);
		if (!ai->encrypts) {
			/* GMAC: IV and payload are authenticated only. */
			a[1].base = esp + XFP_ESP_HLEN;
			a[1].len = iv + ct_len;
			na = 2;
			ct_len = 0;
		}
		if (seal)
			r = c->eng->seal(c, nonce, a, na, ct, ct_len, tag);
		else
			r = c->eng->open(c, nonce, a, na, ct, ct_len, tag);
		if (r == -EBADMSG)
			return -XFP_E_ICV;
		return r ? -XFP_E_INTERNAL : 0;
	} else {
		uint8_t full[XFP_MAX_DIGEST], hi[4];
		struct xfp_iov p[2] = { { esp, esp_len - icv }, { hi, 4 } };
		bool ok = true;

		xfp_put_be32(hi, (uint32_t)(seq >> 32));
		r = c->eng->mac(c, p, sa->esn ? 2 : 1, full);
		if (r)
			return -XFP_E_INTERNAL;
		if (seal)
			memcpy(tag, full, icv);
		else
			ok = xfp_ct_equal(tag, full, icv);
		xfp_wipe(full, sizeof(full));
		return ok ? 0 : -XFP_E_ICV;
	}
}

static void esp_write_hdr(struct xfp_sa *sa, uint8_t *esp, uint64_t seq)
{
	xfp_put_be32(esp, sa->spi);
	xfp_put_be32(esp + 4, (uint32_t)seq);
	if (sa->alg->iv_len)
		xfp_put_be64(esp + XFP_ESP_HLEN, seq ^ sa->iv_mask);
}

int xfp_esp_seal_raw(struct xfp_sa *sa, uint8_t *esp, size_t esp_len,
		     uint64_t seq)
{
	if (esp_len < (size_t)sa->hdr_len + sa->alg->icv_len)
		return -XFP_E_TRUNC;
	esp_write_hdr(sa, esp, seq);
	return esp_crypt(sa, esp, esp_len, seq, true);
}

static uint8_t inner_tos(const uint8_t *ip)
{
	if ((ip[0] >> 4) == 4)
		return ip[1];
	return (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
}

/* Write a tunnel-mode outer header at @h for a packet of @len bytes. */
static void build_outer(struct xfp_sa *sa, uint8_t *h, uint8_t tos,
			uint16_t frag, size_t len, uint8_t proto)
{
	if (sa->src.family == AF_INET) {
		uint16_t id = __atomic_load_n(&sa->ip_id, __ATOMIC_RELAXED);

		__atomic_store_n(&sa->ip_id, (uint16_t)(id + 1),
				 __ATOMIC_RELAXED);
		h[0] = 0x45;
		h[1] = tos;
		xfp_put_be16(h + 2, (uint16_t)len);
		xfp_put_be16(h + 4, id);
		xfp_put_be16(h + 6, frag); /* DF: ip.h xfp_tunnel_frag_off */
		h[8] = sa->tunnel_ttl;
		h[9] = proto;
		memcpy(h + 12, sa->src.a, 4);
		memcpy(h + 16, sa->dst.a, 4);
		xfp_ipv4_set_csum(h);
	} else {
		xfp_put_be32(h, 6u << 28 | (uint32_t)tos << 20);
		xfp_put_be16(h + 4, (uint16_t)(len - XFP_IPV6_HLEN));
		h[6] = proto;
		h[7] = sa->tunnel_ttl;
		memcpy(h + 8, sa->src.a, 16);
		memcpy(h + 24, sa->dst.a, 16);
	}
}

static int out_fail(struct xfp_sa *sa, enum xfp_sa_counter c, int err)
{
	xfp_sa_count(sa, c, 1);
	return -err;
}

int xfp_esp_encap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	const struct xfp_alg_info *ai = sa->alg;
	struct xfp_ip_info ii;
	size_t l3, plen, padlen, esp_len, add, outer_len, udp;
	uint8_t *ip, *esp, *tail, nh, tos;
	uint16_t frag;
	uint64_t seq;
	int r;

	if (!xfp_sa_claim(sa))
		return out_fail(sa, XFP_SA_OUT_HANDOFF, XFP_E_HANDOFF);
	if (xfp_sa_expired(sa))
		return out_fail(sa, XFP_SA_OUT_SA_EXPIRED, XFP_E_EXPIRED);
	seq = sa->oseq + 1;
	if ((!sa->esn && seq > UINT32_MAX) || seq == 0) {
		xfp_sa_set_state(sa, XFP_SA_EXPIRED);
		return out_fail(sa, XFP_SA_OUT_SEQ_OVERFLOW,
				XFP_E_SEQ_OVERFLOW);
	}
	/* Tunnel mode only needs the fixed header of the packet it wraps;
	 * transport mode needs to know where its headers end. */
	if (sa->mode == XFP_MODE_TUNNEL) {
		unsigned ver;

		memset(&ii, 0, sizeof(ii));
		if (xfp_ip_fixed(pkt->data, pkt->len, &ver, &ii.tot_len))
			return out_fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);
		ii.version = (uint8_t)ver;
	} else if (xfp_ip_parse(pkt->data, pkt->len, true, &ii)) {
		return out_fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);
	} else if (ii.frag) {
		/* Transport mode protects whole datagrams (RFC 4303 3.1.1). */
		return out_fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_FRAGMENT);
	}
	xfp_pkt_trim(pkt, pkt->len - ii.tot_len);
	tos = inner_tos(pkt->data);
	frag = xfp_tunnel_frag_off(pkt->data, sa->clear_df);

	udp = sa->natt ? XFP_UDP_HLEN : 0;
	if (sa->mode == XFP_MODE_TUNNEL) {
		l3 = sa->src.family == AF_INET6 ? XFP_IPV6_HLEN : XFP_IPV4_HLEN;
		plen = ii.tot_len;
		nh = ii.version == 4 ? NH_IPIP : NH_IPV6;
		add = l3 + udp + sa->hdr_len;
	} else {
		l3 = ii.l3_len;
		plen = ii.tot_len - l3;
		nh = ii.proto;
		add = udp + sa->hdr_len;
	}
	/* Pad so that payload + padlen + nh is a multiple of 4 (and of the
	 * block size, which is 1 or 4 for every transform here). */
	padlen = (size_t)(-(plen + 2)) & 3;
	if (pkt->headroom < add || pkt->tailroom < padlen + 2 + ai->icv_len)
		return out_fail(sa, XFP_SA_OUT_NO_ROOM, XFP_E_NOROOM);
	if (ii.tot_len + add + padlen + 2 + ai->icv_len > 0xffff)
		return out_fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);

	/* Head: make room in front of the payload. */
	if (sa->mode == XFP_MODE_TUNNEL) {
		xfp_pkt_push(pkt, add);
	} else {
		uint8_t *old = pkt->data;

		xfp_pkt_push(pkt, add);
		memmove(pkt->data, old, l3);
	}
	ip = pkt->data;
	esp = ip + l3 + udp;
	/* Tail: RFC 4303 default padding 1, 2, 3, ... then padlen, nh. */
	tail = xfp_pkt_put(pkt, padlen + 2 + ai->icv_len);
	for (size_t i = 0; i < padlen; i++)
		tail[i] = (uint8_t)(i + 1);
	tail[padlen] = (uint8_t)padlen;
	tail[padlen + 1] = nh;
	esp_len = pkt->len - l3 - udp;

	esp_write_hdr(sa, esp, seq);
	r = esp_crypt(sa, esp, esp_len, seq, true);
	if (r)
		return out_fail(sa, XFP_SA_OUT_INTERNAL_ERROR, -r);

	outer_len = pkt->len;
	if (sa->mode == XFP_MODE_TUNNEL)
		build_outer(sa, ip, tos, frag, outer_len,
			    sa->natt ? NH_UDP : XFP_IPSEC_ESP);
	else
		ip[ii.nh_off] = sa->natt ? NH_UDP : XFP_IPSEC_ESP;
	if (sa->natt) {
		uint8_t *u = ip + l3;

		xfp_put_be16(u, sa->natt_sport);
		xfp_put_be16(u + 2, sa->natt_dport);
		xfp_put_be16(u + 4, (uint16_t)(outer_len - l3));
		xfp_put_be16(u + 6, 0); /* RFC 3948: zero over IPv4 */
	}
	xfp_ip_set_len(ip, outer_len);
	if (sa->natt && (ip[0] >> 4) == 6)
		xfp_udp_set_csum(ip, ip + l3, outer_len - l3);

	sa->oseq = seq;
	/* Bytes are those of the protected IP packet, on both sides. */
	xfp_sa_account(sa, ii.tot_len);
	return 0;
}

static int in_fail(struct xfp_sa *sa, enum xfp_sa_counter c, int err)
{
	xfp_sa_count(sa, c, 1);
	return -err;
}

int xfp_esp_decap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	const struct xfp_alg_info *ai = sa->alg;
	size_t icv = ai->icv_len, off, esp_len, ct_len, paylen, padlen;
	uint8_t *ip = pkt->data, *esp, *payload, *end, nh;
	struct xfp_ip_info ii;
	uint64_t seq;
	int r;

	if (!xfp_sa_claim(sa))
		return in_fail(sa, XFP_SA_IN_HANDOFF, XFP_E_HANDOFF);
	if (xfp_sa_expired(sa))
		return in_fail(sa, XFP_SA_IN_SA_EXPIRED, XFP_E_EXPIRED);
	if (xfp_ip_parse(ip, pkt->len, false, &ii))
		return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
	if (ii.frag)
		return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_FRAGMENT);
	xfp_pkt_trim(pkt, pkt->len - ii.tot_len);
	off = ii.l3_len;
	if (ii.proto == NH_UDP) {
		const uint8_t *u = ip + off;
		size_t ulen;

		if (!sa->natt)
			return in_fail(sa, XFP_SA_IN_PROTO_ERROR, XFP_E_PROTO);
		if (ii.tot_len - off < XFP_UDP_HLEN)
			return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
		ulen = xfp_get_be16(u + 4);
		if (ulen != ii.tot_len - off ||
		    xfp_get_be16(u + 2) != sa->natt_dport)
			return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
		if (ulen == XFP_UDP_HLEN + 1 && u[8] == 0xff)
			return -XFP_E_KEEPALIVE;
		if (ulen >= XFP_UDP_HLEN + 4 && xfp_get_be32(u + 8) == 0)
			return -XFP_E_IKE;
		off += XFP_UDP_HLEN;
	} else if (ii.proto != XFP_IPSEC_ESP || sa->natt) {
		return in_fail(sa, XFP_SA_IN_PROTO_ERROR, XFP_E_PROTO);
	}
	esp = ip + off;
	esp_len = ii.tot_len - off;
	if (esp_len < (size_t)sa->hdr_len + 2 + icv)
		return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
	ct_len = esp_len - sa->hdr_len - icv;
	if (ct_len % 4)
		return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
	if (xfp_get_be32(esp) != sa->spi)
		return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_NOSA);

	/* Anti-replay check before any crypto. */
	if (sa->replay_on) {
		switch (xfp_replay_check(&sa->replay, xfp_get_be32(esp + 4),
					 &seq)) {
		case XFP_REPLAY_OK:
			break;
		case XFP_REPLAY_DUP:
			return in_fail(sa, XFP_SA_IN_REPLAY_DUP,
				       XFP_E_REPLAY_DUP);
		default:
			return in_fail(sa, XFP_SA_IN_REPLAY_WINDOW,
				       XFP_E_REPLAY_WINDOW);
		}
	} else if (!xfp_replay_infer(&sa->replay, xfp_get_be32(esp + 4),
				     &seq)) {
		return in_fail(sa, XFP_SA_IN_REPLAY_WINDOW,
			       XFP_E_REPLAY_WINDOW);
	}

	r = esp_crypt(sa, esp, esp_len, seq, false);
	if (r == -XFP_E_ICV)
		return in_fail(sa, XFP_SA_IN_ICV_FAIL, XFP_E_ICV);
	if (r)
		return in_fail(sa, XFP_SA_IN_INTERNAL_ERROR, XFP_E_INTERNAL);
	/* Authentic: the window moves even if the content is rejected
	 * below, so the same packet cannot be tried again. */
	xfp_replay_advance(&sa->replay, seq);

	payload = esp + sa->hdr_len;
	end = payload + ct_len; /* one past next-header */
	nh = end[-1];
	padlen = end[-2];
	paylen = ct_len - 2;
	if (padlen > paylen)
		return in_fail(sa, XFP_SA_IN_BAD_PAD, XFP_E_PAD);
	paylen -= padlen;
	for (size_t i = 0; i < padlen; i++)
		if (payload[paylen + i] != (uint8_t)(i + 1))
			return in_fail(sa, XFP_SA_IN_BAD_PAD, XFP_E_PAD);
	if (nh == NH_NONE)
		return in_fail(sa, XFP_SA_IN_DUMMY, XFP_E_DUMMY);

	if (sa->mode == XFP_MODE_TUNNEL) {
		unsigned ver;
		size_t tot;

		if ((nh != NH_IPIP && nh != NH_IPV6) || paylen < 1 ||
		    (payload[0] >> 4) != (nh == NH_IPIP ? 4 : 6))
			return in_fail(sa, XFP_SA_IN_PROTO_ERROR,
				       XFP_E_NEXTHDR);
		if (xfp_ip_fixed(payload, paylen, &ver, &tot))
			return in_fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
		/* Drop the outer headers and any TFC padding. */
		xfp_pkt_pull(pkt, (size_t)(payload - ip));
		xfp_pkt_trim(pkt, pkt->len - tot);
	} else {
		size_t l3 = ii.l3_len;
		uint8_t *nip = payload - l3;

		memmove(nip, ip, l3);
		xfp_pkt_pull(pkt, (size_t)(nip - ip));
		xfp_pkt_trim(pkt, pkt->len - (l3 + paylen));
		nip[ii.nh_off] = nh;
		xfp_ip_set_len(nip, pkt->len);
		/* RFC 3948 3.1.2: NAT changed the addresses the transport
		 * checksum was computed over; recompute it (not for
		 * fragments, whose checksum covers data we do not have). */
		if (sa->natt) {
			struct xfp_ip_info ni;

			if (!xfp_ip_parse(nip, pkt->len, false, &ni) &&
			    !ni.frag)
				xfp_l4_fix_csum(nip, ni.proto, nip + ni.l3_len,
						ni.tot_len - ni.l3_len);
		}
	}
	if (!xfp_selector_match(&sa->sel, pkt->data, pkt->len))
		return in_fail(sa, XFP_SA_IN_SELECTOR_MISMATCH, XFP_E_SELECTOR);
	xfp_sa_account(sa, pkt->len);
	return 0;
}
