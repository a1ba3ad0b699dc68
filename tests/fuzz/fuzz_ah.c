// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_ah.c - libFuzzer harness for AH.
 *
 * The first byte picks the SA (algorithm, mode, ESN, outer family) and the
 * use of the rest:
 *   raw    - a received packet for xfp_ah_decap().
 *   reseal - a plaintext IP packet: if xfp_ah_encap() accepts it, the
 *            result must decapsulate to exactly the same packet; then one
 *            byte (chosen by the input) of the protected packet is flipped
 *            and decapsulation must either refuse it or, if the byte is a
 *            mutable header field, still return the same payload.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/ah.h"
#include "crypto/ip.h"

static const enum xfp_alg algs[3] = { XFP_ALG_AH_SHA256, XFP_ALG_AH_SHA512,
				      XFP_ALG_AH_SHA1 };
static struct xfp_sa *in_sa[3][2][2][2], *out_sa[3][2][2][2];

static void setup(void)
{
	uint32_t id = 1;

	for (int a = 0; a < 3; a++)
		for (int m = 0; m < 2; m++)
			for (int e = 0; e < 2; e++)
				for (int v = 0; v < 2; v++) {
					struct xfp_sa_config c = { 0 };
					int err;

					c.id = id;
					c.spi = 0x200 + id++;
					c.proto = XFP_IPSEC_AH;
					c.mode = (uint8_t)m;
					c.alg = algs[a];
					c.key_len =
						xfp_alg_info(algs[a])->key_len;
					memset(c.key, 0x5a + a, c.key_len);
					c.esn = e;
					c.src.family = c.dst.family =
						v ? AF_INET6 : AF_INET;
					c.src.a[0] = c.dst.a[0] = 0x20;
					c.src.a[3] = 1;
					c.dst.a[3] = 2;
					c.dir = XFP_SA_OUT;
					out_sa[a][m][e][v] =
						xfp_sa_new(&c, &err);
					c.dir = XFP_SA_IN;
					in_sa[a][m][e][v] =
						xfp_sa_new(&c, &err);
					if (!in_sa[a][m][e][v] ||
					    !out_sa[a][m][e][v])
						abort();
				}
}

static void reset(struct xfp_sa *sa)
{
	/* With ESN, sit just below 2^32 so the low half wraps. */
	xfp_replay_init(&sa->replay, sa->replay.window, sa->esn);
	if (sa->esn)
		xfp_replay_advance(&sa->replay, 0xffffffe0ULL);
	sa->oseq = sa->esn ? 0xfffffff0ULL : 0;
	memset(sa->ctr, 0, sizeof(sa->ctr));
	sa->state = XFP_SA_LIVE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[70000], orig[66000], prot[66000];
	struct xfp_pkt_buf pkt;
	struct xfp_sa *in, *out;
	struct xfp_ip_info ii;
	unsigned sel, a, m, e, v;
	size_t olen, plen, flip;

	if (!in_sa[0][0][0][0])
		setup();
	if (size < 3 || size > 65000)
		return 0;
	sel = data[0];
	a = (sel & 3) % 3;
	m = (sel >> 2) & 1;
	e = (sel >> 3) & 1;
	v = (sel >> 4) & 1;
	in = in_sa[a][m][e][v];
	out = out_sa[a][m][e][v];
	reset(in);
	reset(out);
	flip = (size_t)data[1] << 8 | data[2];
	data += 3;
	size -= 3;

	xfp_pkt_init(&pkt, frame, sizeof(frame), 512, size);
	memcpy(pkt.data, data, size);
	if (!(sel & 0x80)) {
		(void)xfp_ah_decap(in, &pkt);
		return 0;
	}
	if (xfp_ip_parse(data, size, true, &ii) || ii.frag)
		return 0;
	/* Encapsulation rewrites the IPv4 checksum: start from a valid one
	 * so that the round trip can compare every byte. */
	if (ii.version == 4)
		xfp_ipv4_set_csum(pkt.data);
	olen = ii.tot_len;
	memcpy(orig, pkt.data, olen);
	if (xfp_ah_encap(out, &pkt) != 0)
		return 0;
	plen = pkt.len;
	memcpy(prot, pkt.data, plen);
	if (xfp_ah_decap(in, &pkt) != 0 || pkt.len != olen ||
	    memcmp(pkt.data, orig, olen) != 0)
		abort();
	/* Tamper with one byte. */
	flip %= plen;
	prot[flip] ^= 0x01;
	reset(in);
	xfp_pkt_init(&pkt, frame, sizeof(frame), 512, plen);
	memcpy(pkt.data, prot, plen);
	if (xfp_ah_decap(in, &pkt) == 0) {
		/* Accepted: it was a mutable field; the payload after the
		 * IP header must be the original one. */
		if (pkt.len != olen)
			abort();
		if (m == XFP_MODE_TUNNEL && memcmp(pkt.data, orig, olen))
			abort();
	}
	return 0;
}
