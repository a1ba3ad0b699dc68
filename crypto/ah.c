// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ah.c - AH encapsulation/decapsulation and the mutable-field zeroing the
 * ICV needs.
 */
#include <string.h>
#include <sys/socket.h>

#include "crypto/ah.h"
#include "crypto/ip.h"

#define NH_IPIP 4
#define NH_IPV6 41
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_DSTOPTS 60
#define AH_MAX_L3 256 /* IP header + extension headers we authenticate */

size_t xfp_ah_len(const struct xfp_sa *sa, unsigned version)
{
	size_t n = XFP_AH_FIXED_LEN + sa->alg->icv_len;
	size_t a = version == 6 ? 8 : 4;

	return (n + a - 1) / a * a;
}

size_t xfp_ah_headroom(const struct xfp_sa *sa)
{
	size_t n = xfp_ah_len(sa, 6);

	if (sa->mode == XFP_MODE_TUNNEL)
		n += sa->src.family == AF_INET6 ? XFP_IPV6_HLEN : XFP_IPV4_HLEN;
	return n;
}

static bool v4_opt_immutable(uint8_t type)
{
	switch (type & 0x1f) {
	case 0: /* end of list */
	case 1: /* no-op */
	case 2: /* security */
	case 5: /* extended security */
	case 6: /* commercial security */
	case 20: /* router alert */
	case 21: /* sender directed multi-destination delivery */
		return true;
	default:
		return false;
	}
}

/* Zero what routers may change in the IPv4 header copy @h. */
static int zero_v4(uint8_t *h, size_t l3, bool sending)
{
	size_t i = XFP_IPV4_HLEN;

	h[1] = 0;
	h[6] = h[7] = 0;
	h[8] = 0;
	h[10] = h[11] = 0;
	while (i < l3) {
		uint8_t t = h[i];
		size_t olen;

		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 2 > l3 || h[i + 1] < 2 || i + h[i + 1] > l3)
			return -1;
		olen = h[i + 1];
		/* Loose/strict source route would need the final address
		 * substituted on send; we do not build such packets. */
		if (sending && ((t & 0x1f) == 3 || (t & 0x1f) == 9))
			return -1;
		if (!v4_opt_immutable(t))
			memset(h + i, 0, olen);
		i += olen;
	}
	return 0;
}

/* Zero the data of may-change options in one HbH/DestOpts header. */
static int zero_tlvs(uint8_t *e, size_t elen)
{
	size_t i = 2;

	while (i < elen) {
		uint8_t t = e[i];

		if (t == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > elen || i + 2 + e[i + 1] > elen)
			return -1;
		if (t & 0x20)
			memset(e + i + 2, 0, e[i + 1]);
		i += 2 + (size_t)e[i + 1];
	}
	return 0;
}

static int zero_v6(uint8_t *h, size_t l3, bool sending)
{
	size_t off = XFP_IPV6_HLEN;
	uint8_t nh = h[6];

	h[0] = 0x60;
	h[1] = h[2] = h[3] = 0;
	h[7] = 0;
	while (off < l3) {
		size_t elen = ((size_t)h[off + 1] + 1) * 8;

		if (off + elen > l3)
			return -1;
		if (nh == NH_HOPOPTS || nh == NH_DSTOPTS) {
			if (zero_tlvs(h + off, elen))
				return -1;
		} else if (nh == NH_ROUTING) {
			if (sending && h[off + 3] != 0)
				return -1;
		} else {
			return -1;
		}
		nh = h[off];
		off += elen;
	}
	return 0;
}

/*
 * Compute the ICV of the packet at @ip: @l3 header bytes, AH at @ip + @l3
 * (@ahlen bytes), payload up to @tot.  @out gets the full digest.
 */
static int ah_icv(struct xfp_sa *sa, const uint8_t *ip, size_t l3, size_t ahlen,
		  size_t tot, uint64_t seq, bool sending,
		  uint8_t out[XFP_MAX_DIGEST])
{
	uint8_t scratch[AH_MAX_L3 + 48], hi[4];
	struct xfp_iov p[3];
	int r;

	if (l3 > AH_MAX_L3 || ahlen > 48)
		return -XFP_E_TRUNC;
	memcpy(scratch, ip, l3 + ahlen);
	if ((ip[0] >> 4) == 4)
		r = zero_v4(scratch, l3, sending);
	else
		r = zero_v6(scratch, l3, sending);
	if (r)
		return -XFP_E_TRUNC;
	memset(scratch + l3 + XFP_AH_FIXED_LEN, 0, sa->alg->icv_len);
	p[0].base = scratch;
	p[0].len = l3 + ahlen;
	p[1].base = ip + l3 + ahlen;
	p[1].len = tot - l3 - ahlen;
	xfp_put_be32(hi, (uint32_t)(seq >> 32));
	p[2].base = hi;
	p[2].len = 4;
	r = sa->cipher.eng->mac(&sa->cipher, p, sa->esn ? 3 : 2, out);
	return r ? -XFP_E_INTERNAL : 0;
}

static int fail(struct xfp_sa *sa, enum xfp_sa_counter c, int err)
{
	xfp_sa_count(sa, c, 1);
	return -err;
}

int xfp_ah_encap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	uint8_t full[XFP_MAX_DIGEST], *ip, *ah, nh;
	struct xfp_ip_info ii;
	size_t l3, ahlen, add;
	unsigned ver;
	uint64_t seq;
	int r;

	if (!xfp_sa_claim(sa))
		return fail(sa, XFP_SA_OUT_HANDOFF, XFP_E_HANDOFF);
	if (xfp_sa_expired(sa))
		return fail(sa, XFP_SA_OUT_SA_EXPIRED, XFP_E_EXPIRED);
	seq = sa->oseq + 1;
	if ((!sa->esn && seq > UINT32_MAX) || seq == 0) {
		xfp_sa_set_state(sa, XFP_SA_EXPIRED);
		return fail(sa, XFP_SA_OUT_SEQ_OVERFLOW, XFP_E_SEQ_OVERFLOW);
	}
	if (sa->mode == XFP_MODE_TUNNEL) {
		unsigned v;

		memset(&ii, 0, sizeof(ii));
		if (xfp_ip_fixed(pkt->data, pkt->len, &v, &ii.tot_len))
			return fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);
		ii.version = (uint8_t)v;
	} else if (xfp_ip_parse(pkt->data, pkt->len, true, &ii)) {
		return fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);
	} else if (ii.frag) {
		return fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_FRAGMENT);
	}
	xfp_pkt_trim(pkt, pkt->len - ii.tot_len);
	if (sa->mode == XFP_MODE_TUNNEL) {
		ver = sa->src.family == AF_INET6 ? 6 : 4;
		l3 = ver == 6 ? XFP_IPV6_HLEN : XFP_IPV4_HLEN;
		nh = ii.version == 4 ? NH_IPIP : NH_IPV6;
	} else {
		ver = ii.version;
		l3 = ii.l3_len;
		nh = ii.proto;
	}
	ahlen = xfp_ah_len(sa, ver);
	add = ahlen + (sa->mode == XFP_MODE_TUNNEL ? l3 : 0);
	if (pkt->headroom < add)
		return fail(sa, XFP_SA_OUT_NO_ROOM, XFP_E_NOROOM);
	if (ii.tot_len + add > 0xffff || l3 > AH_MAX_L3)
		return fail(sa, XFP_SA_OUT_HDR_ERROR, XFP_E_TRUNC);

	if (sa->mode == XFP_MODE_TUNNEL) {
		uint8_t tos = (ii.version == 4) ?
				      pkt->data[1] :
				      (uint8_t)((pkt->data[0] & 0x0f) << 4 |
						pkt->data[1] >> 4);

		xfp_pkt_push(pkt, add);
		ip = pkt->data;
		if (ver == 4) {
			uint16_t id = sa->ip_id++;

			memset(ip, 0, XFP_IPV4_HLEN);
			ip[0] = 0x45;
			ip[1] = tos;
			xfp_put_be16(ip + 4, id);
			xfp_put_be16(ip + 6,
				     xfp_tunnel_frag_off(pkt->data + add,
							 sa->clear_df));
			ip[8] = sa->tunnel_ttl;
			ip[9] = XFP_IPSEC_AH;
			memcpy(ip + 12, sa->src.a, 4);
			memcpy(ip + 16, sa->dst.a, 4);
		} else {
			xfp_put_be32(ip, 6u << 28 | (uint32_t)tos << 20);
			ip[6] = XFP_IPSEC_AH;
			ip[7] = sa->tunnel_ttl;
			memcpy(ip + 8, sa->src.a, 16);
			memcpy(ip + 24, sa->dst.a, 16);
		}
	} else {
		uint8_t *old = pkt->data;

		xfp_pkt_push(pkt, add);
		memmove(pkt->data, old, l3);
		ip = pkt->data;
		ip[ii.nh_off] = XFP_IPSEC_AH;
	}
	xfp_ip_set_len(ip, pkt->len);
	ah = ip + l3;
	ah[0] = nh;
	ah[1] = (uint8_t)(ahlen / 4 - 2);
	ah[2] = ah[3] = 0;
	xfp_put_be32(ah + 4, sa->spi);
	xfp_put_be32(ah + 8, (uint32_t)seq);
	memset(ah + XFP_AH_FIXED_LEN, 0, ahlen - XFP_AH_FIXED_LEN);
	r = ah_icv(sa, ip, l3, ahlen, pkt->len, seq, true, full);
	if (r) {
		xfp_wipe(full, sizeof(full));
		return fail(sa,
			    r == -XFP_E_TRUNC ? XFP_SA_OUT_HDR_ERROR :
						XFP_SA_OUT_INTERNAL_ERROR,
			    -r);
	}
	memcpy(ah + XFP_AH_FIXED_LEN, full, sa->alg->icv_len);
	xfp_wipe(full, sizeof(full));
	sa->oseq = seq;
	xfp_sa_account(sa, ii.tot_len);
	return 0;
}

int xfp_ah_decap(struct xfp_sa *sa, struct xfp_pkt_buf *pkt)
{
	uint8_t full[XFP_MAX_DIGEST], *ip = pkt->data, *ah, nh;
	struct xfp_ip_info ii;
	size_t l3, ahlen;
	uint64_t seq;
	bool ok;
	int r;

	if (!xfp_sa_claim(sa))
		return fail(sa, XFP_SA_IN_HANDOFF, XFP_E_HANDOFF);
	if (xfp_sa_expired(sa))
		return fail(sa, XFP_SA_IN_SA_EXPIRED, XFP_E_EXPIRED);
	if (xfp_ip_parse(ip, pkt->len, false, &ii))
		return fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
	if (ii.frag)
		return fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_FRAGMENT);
	if (ii.proto != XFP_IPSEC_AH)
		return fail(sa, XFP_SA_IN_PROTO_ERROR, XFP_E_PROTO);
	xfp_pkt_trim(pkt, pkt->len - ii.tot_len);
	l3 = ii.l3_len;
	ah = ip + l3;
	ahlen = xfp_ah_len(sa, ii.version);
	if (ii.tot_len - l3 < ahlen || (size_t)(ah[1] + 2) * 4 != ahlen)
		return fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
	if (xfp_get_be32(ah + 4) != sa->spi)
		return fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_NOSA);
	if (sa->replay_on) {
		switch (xfp_replay_check(&sa->replay, xfp_get_be32(ah + 8),
					 &seq)) {
		case XFP_REPLAY_OK:
			break;
		case XFP_REPLAY_DUP:
			return fail(sa, XFP_SA_IN_REPLAY_DUP, XFP_E_REPLAY_DUP);
		default:
			return fail(sa, XFP_SA_IN_REPLAY_WINDOW,
				    XFP_E_REPLAY_WINDOW);
		}
	} else if (!xfp_replay_infer(&sa->replay, xfp_get_be32(ah + 8), &seq)) {
		return fail(sa, XFP_SA_IN_REPLAY_WINDOW, XFP_E_REPLAY_WINDOW);
	}
	r = ah_icv(sa, ip, l3, ahlen, ii.tot_len, seq, false, full);
	if (r) {
		xfp_wipe(full, sizeof(full));
		return fail(sa,
			    r == -XFP_E_TRUNC ? XFP_SA_IN_HDR_ERROR :
						XFP_SA_IN_INTERNAL_ERROR,
			    -r);
	}
	ok = xfp_ct_equal(full, ah + XFP_AH_FIXED_LEN, sa->alg->icv_len);
	xfp_wipe(full, sizeof(full));
	if (!ok)
		return fail(sa, XFP_SA_IN_ICV_FAIL, XFP_E_ICV);
	xfp_replay_advance(&sa->replay, seq);

	nh = ah[0];
	if (sa->mode == XFP_MODE_TUNNEL) {
		uint8_t *inner = ah + ahlen;
		unsigned v;
		size_t tot;

		if ((nh != NH_IPIP && nh != NH_IPV6) ||
		    ii.tot_len - l3 - ahlen < 1 ||
		    (inner[0] >> 4) != (nh == NH_IPIP ? 4 : 6))
			return fail(sa, XFP_SA_IN_PROTO_ERROR, XFP_E_NEXTHDR);
		if (xfp_ip_fixed(inner, ii.tot_len - l3 - ahlen, &v, &tot))
			return fail(sa, XFP_SA_IN_HDR_ERROR, XFP_E_TRUNC);
		xfp_pkt_pull(pkt, l3 + ahlen);
		xfp_pkt_trim(pkt, pkt->len - tot);
	} else {
		uint8_t *nip = ip + ahlen;

		memmove(nip, ip, l3);
		xfp_pkt_pull(pkt, ahlen);
		nip[ii.nh_off] = nh;
		xfp_ip_set_len(nip, pkt->len);
	}
	/* In an AH+ESP bundle the ESP SA checks the inner traffic. */
	if (nh != XFP_IPSEC_ESP &&
	    !xfp_selector_match(&sa->sel, pkt->data, pkt->len))
		return fail(sa, XFP_SA_IN_SELECTOR_MISMATCH, XFP_E_SELECTOR);
	xfp_sa_account(sa, pkt->len);
	return 0;
}
