// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_esp.c - libFuzzer harness for ESP decapsulation.
 *
 * The first input byte picks an SA (algorithm, mode, NAT-T, ESN) and a way
 * of using the rest:
 *   raw     - the rest is a received packet, handed to xfp_esp_decap() and
 *             to xfp_ipsec_input() (SA lookup, NAT-T demultiplexing).
 *   reseal  - the rest is the ESP plaintext (payload, padding, pad length,
 *             next header): it is sealed with the SA's key so the ICV
 *             passes, and what runs is everything after the ICV check
 *             (padding, next header, inner header, selector, checksum
 *             fix-up).
 * Whenever a packet decapsulates, it is encapsulated again on the twin
 * outbound SA and decapsulated again: the result must be identical.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crypto/esp.h"
#include "crypto/ip.h"
#include "crypto/ipsec.h"

#define NALG 6
static const enum xfp_alg algs[NALG] = {
	XFP_ALG_AES128GCM16, XFP_ALG_AES256GCM16, XFP_ALG_CHACHA20POLY1305,
	XFP_ALG_AES128GMAC,  XFP_ALG_AES256GMAC,  XFP_ALG_NULL_SHA256,
};

/* [alg][mode][natt][esn][outer6] */
static struct xfp_sa *in_sa[NALG][2][2][2][2], *out_sa[NALG][2][2][2][2];
static struct xfp_sadb *db;

static void addr(struct xfp_addr *a, bool v6, int last)
{
	memset(a, 0, sizeof(*a));
	a->family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		a->a[0] = 0x20;
		a->a[1] = 0x01;
		a->a[2] = 0x0d;
		a->a[3] = 0xb8;
		a->a[15] = (uint8_t)last;
	} else {
		a->a[0] = 198;
		a->a[1] = 18;
		a->a[3] = (uint8_t)last;
	}
}

static void setup(void)
{
	uint32_t id = 1;

	db = xfp_sadb_new(NULL);
	for (int a = 0; a < NALG; a++)
		for (int m = 0; m < 2; m++)
			for (int n = 0; n < 2; n++)
				for (int e = 0; e < 2; e++)
					for (int v = 0; v < 2; v++) {
						const struct xfp_alg_info *ai =
							xfp_alg_info(algs[a]);
						struct xfp_sa_config c = { 0 };
						int err;

						c.id = id;
						c.spi = 0x100 + id++;
						c.proto = XFP_IPSEC_ESP;
						c.mode = (uint8_t)m;
						c.alg = algs[a];
						c.key_len = ai->key_len;
						memset(c.key, 0x11 * (a + 1),
						       c.key_len);
						c.natt = n;
						c.esn = e;
						addr(&c.src, v, 1);
						addr(&c.dst, v, 2);
						/* A selector with ports, to fuzz it. */
						if (m == XFP_MODE_TUNNEL &&
						    !v) {
							c.sel.proto = 17;
							c.sel.dport_lo = 1;
							c.sel.dport_hi = 60000;
						}
						c.dir = XFP_SA_OUT;
						out_sa[a][m][n][e][v] =
							xfp_sa_new(&c, &err);
						c.dir = XFP_SA_IN;
						in_sa[a][m][n][e][v] =
							xfp_sa_new(&c, &err);
						c.id = id++;
						xfp_sadb_add(db, &c);
						if (!in_sa[a][m][n][e][v] ||
						    !out_sa[a][m][n][e][v])
							abort();
					}
}

static void reset(struct xfp_sa *sa)
{
	xfp_replay_init(&sa->replay, sa->replay.window, sa->esn);
	sa->oseq = 1000;
	memset(sa->ctr, 0, sizeof(sa->ctr));
	sa->state = XFP_SA_LIVE;
}

/* Decapsulated packet -> encapsulate -> decapsulate: same bytes. */
static void roundtrip(struct xfp_sa *in, struct xfp_sa *out,
		      const struct xfp_pkt_buf *got)
{
	static uint8_t frame[70000];
	struct xfp_pkt_buf b;
	size_t len = got->len;
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, got->data, len);
	xfp_pkt_init(&b, frame, sizeof(frame), 256, len);
	memcpy(b.data, copy, len);
	r = xfp_esp_encap(out, &b);
	if (r == 0) {
		r = xfp_esp_decap(in, &b);
		/* Transport packets with next header 59 become dummies. */
		if (r != -XFP_E_DUMMY) {
			if (r || b.len != len || memcmp(b.data, copy, len))
				abort();
		}
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[70000];
	struct xfp_pkt_buf pkt;
	struct xfp_sa *in, *out, *got;
	unsigned sel, a, m, n, e, v;

	if (!db)
		setup();
	if (size < 1 || size > 65000)
		return 0;
	sel = data[0];
	a = (sel & 7) % NALG;
	m = (sel >> 3) & 1;
	n = (sel >> 4) & 1;
	e = (sel >> 5) & 1;
	v = (sel >> 6) & 1;
	in = in_sa[a][m][n][e][v];
	out = out_sa[a][m][n][e][v];
	reset(in);
	reset(out);
	data++;
	size--;

	if (!(sel & 0x80)) {
		/* raw */
		xfp_pkt_init(&pkt, frame, sizeof(frame), 512, size);
		memcpy(pkt.data, data, size);
		if (xfp_esp_decap(in, &pkt) == 0)
			roundtrip(in, out, &pkt);
		xfp_pkt_init(&pkt, frame, sizeof(frame), 512, size);
		memcpy(pkt.data, data, size);
		(void)xfp_ipsec_input(db, &pkt, &got);
		return 0;
	}

	/* reseal: outer header (+ UDP) + ESP header + IV + plaintext + ICV */
	{
		size_t l3 = v ? 40 : 20, udp = n ? 8 : 0;
		size_t hl = in->hdr_len, icv = in->alg->icv_len;
		size_t ptl = size & ~(size_t)3, esp_len = hl + ptl + icv;
		size_t tot = l3 + udp + esp_len;
		uint8_t *p;

		if (tot > 65535)
			return 0;
		xfp_pkt_init(&pkt, frame, sizeof(frame), 512, tot);
		p = pkt.data;
		memset(p, 0, l3 + udp);
		if (v) {
			p[0] = 0x60;
			p[6] = n ? 17 : 50;
			p[7] = 64;
			memcpy(p + 8, in->src.a, 16);
			memcpy(p + 24, in->dst.a, 16);
		} else {
			p[0] = 0x45;
			p[8] = 64;
			p[9] = n ? 17 : 50;
			memcpy(p + 12, in->src.a, 4);
			memcpy(p + 16, in->dst.a, 4);
		}
		xfp_ip_set_len(p, tot);
		if (n) {
			xfp_put_be16(p + l3, 4500);
			xfp_put_be16(p + l3 + 2, 4500);
			xfp_put_be16(p + l3 + 4, (uint16_t)(udp + esp_len));
		}
		memcpy(p + l3 + udp + hl, data, ptl);
		if (xfp_esp_seal_raw(in, p + l3 + udp, esp_len, 1) != 0)
			abort();
		if (xfp_esp_decap(in, &pkt) == 0)
			roundtrip(in, out, &pkt);
	}
	return 0;
}
