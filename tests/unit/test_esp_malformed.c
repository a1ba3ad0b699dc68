// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_esp_malformed.c - the malformed-packet corpus through the inbound
 * crypto path, xfp_ipsec_input(), the one call the worker makes per
 * received IPsec packet.
 *
 * Every case is a named packet with a named outcome: the xfp_err the call
 * must return and the one counter (database-wide, or per SA) that must move
 * by exactly one.  "No silent drop" is checked the same way for every case:
 * a refusal moves exactly one counter over all of them, a packet that is
 * not IPsec (or an outer fragment, which the worker reassembles first)
 * moves none, and a good packet moves only InPackets/InBytes of its SA.
 * The frame around the packet is filled with a guard byte and must be
 * untouched afterwards (no write outside the packet, with ASan catching
 * any read).
 *
 * Then every base packet (ESP tunnel v4, ESP transport v6, ESP-in-UDP, AH
 * v4, AH v6) is cut at every byte, twice: with the IP (and UDP) lengths
 * still claiming the whole packet, and with them rewritten to the cut, and
 * the outcome of each cut is computed from where the cut falls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "crypto/ah.h"
#include "crypto/esp.h"
#include "crypto/ipsec.h"
#include "tests/unit/data/crypto/testutil.h"

enum { W_NONE, W_DB, W_SA, W_OK };

/* The SAs: inbound in the database, outbound twins stand-alone. */
enum { T4, R6, N4, A4, A6, X4, Y4, N_SA };
static const struct sa_def {
	uint32_t spi;
	enum xfp_alg alg;
	uint8_t mode;
	bool v6, natt;
} SA_DEFS[N_SA] = {
	[T4] = { 0x1001, XFP_ALG_AES128GCM16, XFP_MODE_TUNNEL, false, false },
	[R6] = { 0x1002, XFP_ALG_CHACHA20POLY1305, XFP_MODE_TRANSPORT, true,
		 false },
	[N4] = { 0x1003, XFP_ALG_CHACHA20POLY1305, XFP_MODE_TUNNEL, false,
		 true },
	[A4] = { 0x1004, XFP_ALG_AH_SHA256, XFP_MODE_TRANSPORT, false, false },
	[A6] = { 0x1005, XFP_ALG_AH_SHA256, XFP_MODE_TRANSPORT, true, false },
	[X4] = { 0x1006, XFP_ALG_AES256GCM16, XFP_MODE_TUNNEL, false, false },
	[Y4] = { 0x1007, XFP_ALG_AES128GCM16, XFP_MODE_TUNNEL, false, false },
};
#define IN_ID(i) (0x9000u + (unsigned)(i))

static struct xfp_sadb *db;
static struct xfp_sa *outsa[N_SA];

static struct xfp_sa *insa(int i)
{
	struct xfp_sa *sa = xfp_sadb_lookup_id(db, IN_ID(i));

	assert_non_null(sa);
	return sa;
}

static int setup_db(void **state)
{
	(void)state;
	db = xfp_sadb_new(NULL);
	if (!db)
		return -1;
	for (int i = 0; i < N_SA; i++) {
		const struct sa_def *d = &SA_DEFS[i];
		struct xfp_sa_config c;

		tu_cfg(&c, d->alg, XFP_SA_OUT, d->mode, d->spi);
		if (d->v6) {
			tu_addr6(&c.src, "2001:db8::1");
			tu_addr6(&c.dst, "2001:db8::2");
		}
		c.natt = d->natt;
		outsa[i] = tu_sa(&c);
		c.dir = XFP_SA_IN;
		c.id = IN_ID(i);
		if (i == X4)
			c.hard.packets = 1; /* expires after one packet */
		if (i == Y4)
			c.sel.proto = 6; /* carries TCP only */
		if (xfp_sadb_add(db, &c))
			return -1;
		xfp_wipe(&c, sizeof(c));
	}
	return 0;
}

static int teardown_db(void **state)
{
	(void)state;
	for (int i = 0; i < N_SA; i++)
		xfp_sa_free(outsa[i]);
	xfp_sadb_free(db);
	return 0;
}

/* ------------------------------------------------------------ builders */

/* An outer IPv4 header 198.18.0.1 -> 198.18.0.2 with @plen bytes after. */
static size_t ip4(uint8_t *p, uint8_t proto, size_t plen)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, "198.18.0.1", p + 12);
	inet_pton(AF_INET, "198.18.0.2", p + 16);
	xfp_ip_set_len(p, 20 + plen);
	return 20 + plen;
}

static size_t ip6(uint8_t *p, uint8_t nh, size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, "2001:db8::1", p + 8);
	inet_pton(AF_INET6, "2001:db8::2", p + 24);
	xfp_ip_set_len(p, 40 + plen);
	return 40 + plen;
}

/* A UDP header at @u: ports, length @ulen, checksum 0. */
static void udp(uint8_t *u, uint16_t sport, uint16_t dport, size_t ulen)
{
	xfp_put_be16(u, sport);
	xfp_put_be16(u + 2, dport);
	xfp_put_be16(u + 4, (uint16_t)ulen);
	xfp_put_be16(u + 6, 0);
}

/* The inner packet of the tunnel cases: 198.18.1.1 -> .2, UDP, 32 bytes. */
static size_t inner4(uint8_t *p)
{
	return tu_udp_packet(p, false, "198.18.1.1", "198.18.1.2", 32, 5);
}

/* Protect @in (@inl bytes) with SA @i's outbound twin into @p. */
static size_t seal(int i, const uint8_t *in, size_t inl, uint8_t *p)
{
	struct tu_frame f;

	tu_frame_set(&f, in, inl);
	assert_int_equal(xfp_ipsec_output(outsa[i], &f.pkt), 0);
	memcpy(p, f.pkt.data, f.pkt.len);
	return f.pkt.len;
}

static size_t good_t4(uint8_t *p)
{
	uint8_t in[200];

	return seal(T4, in, inner4(in), p);
}

static size_t good_r6(uint8_t *p)
{
	uint8_t in[200];
	size_t l = tu_udp_packet(in, true, "2001:db8::1", "2001:db8::2", 40, 6);

	return seal(R6, in, l, p);
}

static size_t good_n4(uint8_t *p)
{
	uint8_t in[200];

	return seal(N4, in, inner4(in), p);
}

static size_t good_a4(uint8_t *p)
{
	uint8_t in[200];
	size_t l = tu_udp_packet(in, false, "198.18.0.1", "198.18.0.2", 24, 7);

	return seal(A4, in, l, p);
}

static size_t good_a6(uint8_t *p)
{
	uint8_t in[200];
	size_t l = tu_udp_packet(in, true, "2001:db8::1", "2001:db8::2", 24, 8);

	return seal(A6, in, l, p);
}

/*
 * An authentic ESP packet on SA @i whose plaintext (payload, padding, pad
 * length, next header) is exactly @pt, with the SA's next sequence number,
 * after @lead bytes of outer header that the caller writes.
 */
static size_t forge_esp(int i, const uint8_t *pt, size_t ptl, uint8_t *esp)
{
	struct xfp_sa *o = outsa[i];
	size_t hl = o->hdr_len, icv = o->alg->icv_len;

	memcpy(esp + hl, pt, ptl);
	assert_int_equal(xfp_esp_seal_raw(o, esp, hl + ptl + icv, ++o->oseq),
			 0);
	return hl + ptl + icv;
}

/* Tunnel SA T4 carrying the inner packet followed by @trailer. */
static size_t forge_t4(uint8_t *p, const uint8_t *inner, size_t il,
		       const char *trailer, size_t tl)
{
	uint8_t pt[400];
	size_t el;

	memcpy(pt, inner, il);
	memcpy(pt + il, trailer, tl);
	el = forge_esp(T4, pt, il + tl, p + 20);
	return ip4(p, XFP_IPSEC_ESP, el);
}

static size_t trailer_t4(uint8_t *p, const char *tr)
{
	uint8_t in[200];

	return forge_t4(p, in, inner4(in), tr, 4);
}

static size_t esp_7_bytes(uint8_t *p)
{
	memset(p + 20, 0, 7);
	xfp_put_be32(p + 20, SA_DEFS[T4].spi);
	return ip4(p, XFP_IPSEC_ESP, 7);
}

static size_t esp_hdr_only(uint8_t *p)
{
	xfp_put_be32(p + 20, SA_DEFS[T4].spi);
	xfp_put_be32(p + 24, 1);
	memset(p + 28, 0x55, 4);
	return ip4(p, XFP_IPSEC_ESP, 12);
}

/* One byte short of header + IV + pad length + next header + ICV. */
static size_t esp_short_iv_icv(uint8_t *p)
{
	size_t need = outsa[T4]->hdr_len + 2 + outsa[T4]->alg->icv_len;

	xfp_put_be32(p + 20, SA_DEFS[T4].spi);
	xfp_put_be32(p + 24, 1);
	memset(p + 28, 0x55, need - 9);
	return ip4(p, XFP_IPSEC_ESP, need - 1);
}

static size_t esp_ct_not_mult4(uint8_t *p)
{
	uint8_t in[200];

	return forge_t4(p, in, inner4(in), "\x01\x02\x02\x04", 3);
}

static size_t esp_bad_pad_bytes(uint8_t *p)
{
	return trailer_t4(p, "\x01\x03\x02\x04");
}

static size_t esp_padlen_beyond(uint8_t *p)
{
	return trailer_t4(p, "\x01\x02\xf0\x04");
}

static size_t esp_nh_udp_in_tunnel(uint8_t *p)
{
	return trailer_t4(p, "\x01\x02\x02\x11");
}

static size_t esp_nh_v6_v4_inside(uint8_t *p)
{
	return trailer_t4(p, "\x01\x02\x02\x29");
}

static size_t esp_nh_unassigned(uint8_t *p)
{
	return trailer_t4(p, "\x01\x02\x02\xfd");
}

static size_t esp_dummy(uint8_t *p)
{
	return trailer_t4(p, "\x01\x02\x02\x3b");
}

static size_t esp_no_inner(uint8_t *p)
{
	static const uint8_t none[1];

	return forge_t4(p, none, 0, "\x01\x02\x02\x04", 4);
}

static size_t esp_inner_len_lies(uint8_t *p)
{
	uint8_t in[200];
	size_t il = inner4(in);

	xfp_put_be16(in + 2, 1000); /* inner IPv4 claims 1000 bytes */
	return forge_t4(p, in, il, "\x01\x02\x02\x04", 4);
}

static size_t esp_inner_ihl_bad(uint8_t *p)
{
	uint8_t in[200];
	size_t il = inner4(in);

	in[0] = 0x43; /* inner IHL 3 */
	return forge_t4(p, in, il, "\x01\x02\x02\x04", 4);
}

static size_t esp_unknown_spi(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be32(p + 20, 0xdeadbeef);
	return l;
}

static size_t esp_spi_zero(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be32(p + 20, 0);
	return l;
}

static size_t esp_wrong_dst(uint8_t *p)
{
	size_t l = good_t4(p);

	p[19] = 99; /* SPI known, but for another destination */
	xfp_ipv4_set_csum(p);
	return l;
}

static void feed(const uint8_t *p, size_t l)
{
	struct tu_frame f;
	struct xfp_sa *sa;

	tu_frame_set(&f, p, l);
	assert_int_equal(xfp_ipsec_input(db, &f.pkt, &sa), 0);
}

static size_t esp_replayed(uint8_t *p)
{
	size_t l = good_t4(p);

	feed(p, l);
	return l;
}

static size_t esp_left_of_window(uint8_t *p)
{
	uint8_t in[200];
	size_t il = inner4(in), l;

	outsa[T4]->oseq += 100000;
	l = forge_t4(p, in, il, "\x01\x02\x02\x04", 4);
	feed(p, l); /* the window's right edge moves 100000 ahead */
	outsa[T4]->oseq -= 50000;
	l = forge_t4(p, in, il, "\x01\x02\x02\x04", 4);
	outsa[T4]->oseq += 50000;
	return l;
}

static size_t esp_icv_flipped(uint8_t *p)
{
	size_t l = good_t4(p);

	p[l - 1] ^= 0x80;
	return l;
}

static size_t esp_ct_flipped(uint8_t *p)
{
	size_t l = good_t4(p);

	p[20 + outsa[T4]->hdr_len + 3] ^= 1;
	return l;
}

static size_t esp_seq_flipped(uint8_t *p)
{
	size_t l = good_t4(p);

	p[27] ^= 1; /* the sequence number is authenticated */
	return l;
}

static size_t esp_v4_options(uint8_t *p)
{
	uint8_t tmp[600];
	size_t l = good_t4(tmp);

	/* Outer header with 8 bytes of options (NOP x7, EOL). */
	memcpy(p, tmp, 20);
	memcpy(p + 20, "\x01\x01\x01\x01\x01\x01\x01\x00", 8);
	memcpy(p + 28, tmp + 20, l - 20);
	p[0] = 0x47;
	xfp_ip_set_len(p, l + 8);
	return l + 8;
}

static size_t esp_v4_options_max(uint8_t *p)
{
	uint8_t tmp[600];
	size_t l = good_t4(tmp);

	memcpy(p, tmp, 20);
	memset(p + 20, 0x01, 40); /* IHL 15: 40 bytes of NOP */
	memcpy(p + 60, tmp + 20, l - 20);
	p[0] = 0x4f;
	xfp_ip_set_len(p, l + 40);
	return l + 40;
}

static size_t esp_on_natt_sa_plain(uint8_t *p)
{
	uint8_t tmp[600];
	size_t l = good_n4(tmp);

	/* Same ESP bytes, UDP header removed: the SA expects UDP. */
	memcpy(p + 20, tmp + 28, l - 28);
	return ip4(p, XFP_IPSEC_ESP, l - 28);
}

static size_t natt_on_plain_sa(uint8_t *p)
{
	uint8_t tmp[600];
	size_t l = good_t4(tmp);

	memcpy(p + 28, tmp + 20, l - 20);
	udp(p + 20, 4500, 4500, l - 20 + 8);
	return ip4(p, 17, l - 20 + 8);
}

static size_t natt_udp_len_long(uint8_t *p)
{
	size_t l = good_n4(p);

	xfp_put_be16(p + 24, (uint16_t)(xfp_get_be16(p + 24) + 4));
	return l;
}

static size_t natt_udp_len_short(uint8_t *p)
{
	size_t l = good_n4(p);

	xfp_put_be16(p + 24, (uint16_t)(xfp_get_be16(p + 24) - 4));
	return l;
}

static size_t natt_keepalive_v4(uint8_t *p)
{
	struct tu_frame f;

	xfp_pkt_init(&f.pkt, f.buf, sizeof(f.buf), TU_HEAD, 0);
	assert_int_equal(xfp_natt_keepalive(outsa[N4], &f.pkt), 0);
	memcpy(p, f.pkt.data, f.pkt.len);
	return f.pkt.len;
}

static size_t natt_keepalive_v6(uint8_t *p)
{
	udp(p + 40, 4500, 4500, 9);
	p[48] = 0xff;
	return ip6(p, 17, 9);
}

static size_t natt_one_byte_not_ff(uint8_t *p)
{
	udp(p + 20, 4500, 4500, 9);
	p[28] = 0x00;
	return ip4(p, 17, 9);
}

static size_t natt_keepalive_long(uint8_t *p)
{
	/* 0xff followed by more bytes is not a keepalive */
	udp(p + 20, 4500, 4500, 10);
	p[28] = 0xff;
	p[29] = 0xff;
	return ip4(p, 17, 10);
}

static size_t udp0_4500_v4(uint8_t *p)
{
	udp(p + 20, 4500, 4500, 8);
	return ip4(p, 17, 8);
}

static size_t udp0_4500_v6(uint8_t *p)
{
	udp(p + 40, 4500, 4500, 8);
	return ip6(p, 17, 8);
}

static size_t udp0_other_port(uint8_t *p)
{
	udp(p + 20, 1000, 53, 8);
	return ip4(p, 17, 8);
}

static size_t udp_hdr_cut_4500(uint8_t *p)
{
	udp(p + 20, 4500, 4500, 8);
	return ip4(p, 17, 7);
}

static size_t natt_ike(uint8_t *p)
{
	udp(p + 20, 500, 4500, 8 + 4 + 28);
	memset(p + 28, 0, 4);
	memset(p + 32, 0x21, 28);
	return ip4(p, 17, 8 + 4 + 28);
}

static size_t ah_fixed_cut(uint8_t *p)
{
	memset(p + 20, 0, 11);
	xfp_put_be32(p + 24, SA_DEFS[A4].spi);
	return ip4(p, XFP_IPSEC_AH, 11);
}

static size_t ah_len_set(uint8_t *p, int v6, int delta, int absolute)
{
	size_t l = v6 ? good_a6(p) : good_a4(p);
	uint8_t *ah = p + (v6 ? 40 : 20);

	ah[1] = (uint8_t)(absolute >= 0 ? absolute : ah[1] + delta);
	return l;
}

static size_t ah_len_zero(uint8_t *p)
{
	return ah_len_set(p, 0, 0, 0);
}

static size_t ah_len_ff(uint8_t *p)
{
	return ah_len_set(p, 0, 0, 255);
}

static size_t ah_len_minus1(uint8_t *p)
{
	return ah_len_set(p, 0, -1, -1);
}

static size_t ah_len_plus1(uint8_t *p)
{
	return ah_len_set(p, 0, 1, -1);
}

static size_t ah6_len_zero(uint8_t *p)
{
	return ah_len_set(p, 1, 0, 0);
}

static size_t ah6_len_minus1(uint8_t *p)
{
	return ah_len_set(p, 1, -1, -1);
}

static size_t ah_icv_flipped(uint8_t *p)
{
	size_t l = good_a4(p);

	p[20 + XFP_AH_FIXED_LEN] ^= 4;
	return l;
}

static size_t ah_payload_flipped(uint8_t *p)
{
	size_t l = good_a4(p);

	p[l - 1] ^= 4;
	return l;
}

static size_t ah_mutable_changed(uint8_t *p)
{
	size_t l = good_a4(p);

	p[8] = 3; /* TTL is mutable: not covered */
	p[1] = 0xb8; /* nor is the DSCP */
	xfp_ipv4_set_csum(p);
	return l;
}

/* IPv6 + @n Destination Options headers (8 bytes) + ESP on R6. */
static size_t v6_ext_chain(uint8_t *p, int n)
{
	uint8_t seg[200], pt[300];
	size_t sl, el, off = 40;
	uint8_t full[300];

	/* The transport payload: a UDP segment of a v6 packet. */
	sl = tu_udp_packet(full, true, "2001:db8::1", "2001:db8::2", 20, 9);
	memcpy(seg, full + 40, sl - 40);
	sl -= 40;
	memcpy(pt, seg, sl);
	memcpy(pt + sl, "\x01\x02\x02\x11", 4);
	for (int i = 0; i < n; i++, off += 8) {
		memset(p + off, 0, 8);
		p[off] = i == n - 1 ? XFP_IPSEC_ESP : 60;
		p[off + 2] = 1; /* PadN, 4 bytes */
		p[off + 3] = 4;
	}
	el = forge_esp(R6, pt, sl + 4, p + off);
	return ip6(p, n ? 60 : XFP_IPSEC_ESP, off - 40 + el);
}

static size_t v6_ext_8(uint8_t *p)
{
	return v6_ext_chain(p, 8);
}

static size_t v6_ext_9(uint8_t *p)
{
	return v6_ext_chain(p, 9);
}

static size_t v6_ext_loop(uint8_t *p)
{
	/* Hop-by-Hop whose next header is Hop-by-Hop again, to the end. */
	memset(p + 40, 0, 160);
	return ip6(p, 0, 160);
}

static size_t v6_ext_beyond(uint8_t *p)
{
	memset(p + 40, 0, 16);
	p[40] = XFP_IPSEC_ESP;
	p[41] = 200; /* 1608 bytes claimed, 16 there */
	return ip6(p, 60, 16);
}

static size_t v6_ext_cut(uint8_t *p)
{
	memset(p + 40, 0, 6);
	return ip6(p, 60, 6); /* an extension header needs 8 */
}

static size_t v6_frag(uint8_t *p)
{
	memset(p + 40, 0, 8);
	p[40] = XFP_IPSEC_ESP;
	xfp_put_be16(p + 42, 1); /* offset 0, M flag */
	xfp_put_be32(p + 48, SA_DEFS[R6].spi);
	return ip6(p, 44, 8 + 24);
}

static size_t v6_frag_after_hbh(uint8_t *p)
{
	memset(p + 40, 0, 16);
	p[40] = 44;
	p[48] = XFP_IPSEC_ESP;
	xfp_put_be16(p + 50, 8 << 3); /* offset 8 */
	return ip6(p, 0, 16 + 24);
}

static size_t v6_plen_beyond(uint8_t *p)
{
	size_t l = good_r6(p);

	xfp_put_be16(p + 4, (uint16_t)(l - 40 + 1));
	return l;
}

static size_t v4_mf(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be16(p + 6, 0x2000);
	xfp_ipv4_set_csum(p);
	return l;
}

static size_t v4_offset(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be16(p + 6, 0x0010);
	xfp_ipv4_set_csum(p);
	return l;
}

static size_t v4_df_only(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be16(p + 6, 0x4000); /* DF is not a fragment */
	xfp_ipv4_set_csum(p);
	return l;
}

static size_t v4_ihl4(uint8_t *p)
{
	size_t l = good_t4(p);

	p[0] = 0x44;
	return l;
}

static size_t v4_ihl15_short(uint8_t *p)
{
	p[0] = 0x4f; /* 60-byte header, 30-byte packet */
	ip4(p, XFP_IPSEC_ESP, 10);
	p[0] = 0x4f;
	return 30;
}

static size_t v4_tot_below_ihl(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be16(p + 2, 19);
	return l;
}

static size_t v4_tot_beyond(uint8_t *p)
{
	size_t l = good_t4(p);

	xfp_put_be16(p + 2, (uint16_t)(l + 1));
	return l;
}

static size_t v4_tot_shorter(uint8_t *p)
{
	size_t l = good_t4(p);

	/* Trailing bytes after the IP packet (Ethernet padding): ignored */
	memset(p + l, 0, 6);
	return l + 6;
}

static size_t ip_version_5(uint8_t *p)
{
	size_t l = good_t4(p);

	p[0] = 0x55;
	return l;
}

static size_t ip_version_0(uint8_t *p)
{
	memset(p, 0, 64);
	return 64;
}

static size_t empty(uint8_t *p)
{
	(void)p;
	return 0;
}

static size_t v4_tcp(uint8_t *p)
{
	memset(p + 20, 0, 20);
	p[32] = 0x50;
	return ip4(p, 6, 20);
}

static size_t expired_sa(uint8_t *p)
{
	uint8_t in[200];
	size_t l = seal(X4, in, inner4(in), p);

	feed(p, l); /* its one packet: the SA is now expired */
	return seal(X4, in, inner4(in), p);
}

static size_t selector_mismatch(uint8_t *p)
{
	uint8_t in[200];

	return seal(Y4, in, inner4(in), p); /* UDP inside, SA is TCP-only */
}

struct mcase {
	const char *name;
	size_t (*build)(uint8_t *p);
	int err; /* expected return value */
	int where; /* W_NONE, W_DB, W_SA, W_OK */
	int ctr; /* xfp_sadb_counter or xfp_sa_counter */
	int sa; /* index into SA_DEFS for W_SA / W_OK */
};

#define DBC(c) W_DB, XFP_SADB_##c, 0
#define SAC(c, s) W_SA, XFP_SA_##c, s
#define OK(s) W_OK, XFP_SA_IN_PACKETS, s
#define NONE W_NONE, 0, 0

static const struct mcase CASES[] = {
	/* sanity: the base packets pass */
	{ "good esp tunnel v4", good_t4, 0, OK(T4) },
	{ "good esp transport v6", good_r6, 0, OK(R6) },
	{ "good esp-in-udp v4", good_n4, 0, OK(N4) },
	{ "good ah transport v4", good_a4, 0, OK(A4) },
	{ "good ah transport v6", good_a6, 0, OK(A6) },
	{ "ah mutable fields changed in flight", ah_mutable_changed, 0,
	  OK(A4) },
	{ "ipv4 options before esp", esp_v4_options, 0, OK(T4) },
	{ "ipv4 40 bytes of options before esp", esp_v4_options_max, 0,
	  OK(T4) },
	{ "ipv4 DF set is not a fragment", v4_df_only, 0, OK(T4) },
	{ "ipv4 trailing bytes after total length", v4_tot_shorter, 0, OK(T4) },
	{ "ipv6 8 destination options then esp", v6_ext_8, 0, OK(R6) },
	/* ESP */
	{ "esp 7 bytes (no full spi+seq)", esp_7_bytes, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "esp spi+seq only", esp_hdr_only, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, T4) },
	{ "esp one byte shorter than iv+icv", esp_short_iv_icv, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, T4) },
	{ "esp ciphertext not a multiple of 4", esp_ct_not_mult4, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, T4) },
	{ "esp pad bytes not 1,2,..", esp_bad_pad_bytes, -XFP_E_PAD,
	  SAC(IN_BAD_PAD, T4) },
	{ "esp pad length beyond payload", esp_padlen_beyond, -XFP_E_PAD,
	  SAC(IN_BAD_PAD, T4) },
	{ "esp next header udp in tunnel mode", esp_nh_udp_in_tunnel,
	  -XFP_E_NEXTHDR, SAC(IN_PROTO_ERROR, T4) },
	{ "esp next header ipv6 with ipv4 inside", esp_nh_v6_v4_inside,
	  -XFP_E_NEXTHDR, SAC(IN_PROTO_ERROR, T4) },
	{ "esp next header 253", esp_nh_unassigned, -XFP_E_NEXTHDR,
	  SAC(IN_PROTO_ERROR, T4) },
	{ "esp dummy packet (next header 59)", esp_dummy, -XFP_E_DUMMY,
	  SAC(IN_DUMMY, T4) },
	{ "esp tunnel with no inner packet", esp_no_inner, -XFP_E_NEXTHDR,
	  SAC(IN_PROTO_ERROR, T4) },
	{ "esp inner ipv4 length beyond payload", esp_inner_len_lies,
	  -XFP_E_TRUNC, SAC(IN_HDR_ERROR, T4) },
	{ "esp inner ipv4 ihl 3", esp_inner_ihl_bad, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, T4) },
	{ "esp unknown spi", esp_unknown_spi, -XFP_E_NOSA, DBC(IN_NO_SA) },
	{ "esp spi 0", esp_spi_zero, -XFP_E_NOSA, DBC(IN_NO_SA) },
	{ "esp known spi, other destination", esp_wrong_dst, -XFP_E_NOSA,
	  DBC(IN_NO_SA) },
	{ "esp replayed packet", esp_replayed, -XFP_E_REPLAY_DUP,
	  SAC(IN_REPLAY_DUP, T4) },
	{ "esp sequence left of the window", esp_left_of_window,
	  -XFP_E_REPLAY_WINDOW, SAC(IN_REPLAY_WINDOW, T4) },
	{ "esp icv bit flipped", esp_icv_flipped, -XFP_E_ICV,
	  SAC(IN_ICV_FAIL, T4) },
	{ "esp ciphertext bit flipped", esp_ct_flipped, -XFP_E_ICV,
	  SAC(IN_ICV_FAIL, T4) },
	{ "esp sequence number bit flipped", esp_seq_flipped, -XFP_E_ICV,
	  SAC(IN_ICV_FAIL, T4) },
	{ "esp on a hard-expired sa", expired_sa, -XFP_E_EXPIRED,
	  SAC(IN_SA_EXPIRED, X4) },
	{ "esp inner packet outside the sa selector", selector_mismatch,
	  -XFP_E_SELECTOR, SAC(IN_SELECTOR_MISMATCH, Y4) },
	/* NAT-T and UDP */
	{ "plain esp for a nat-t sa", esp_on_natt_sa_plain, -XFP_E_PROTO,
	  SAC(IN_PROTO_ERROR, N4) },
	{ "esp-in-udp for a non-nat-t sa", natt_on_plain_sa, -XFP_E_PROTO,
	  SAC(IN_PROTO_ERROR, T4) },
	{ "esp-in-udp udp length beyond ip", natt_udp_len_long, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, N4) },
	{ "esp-in-udp udp length short of ip", natt_udp_len_short, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, N4) },
	{ "nat-t keepalive v4", natt_keepalive_v4, -XFP_E_KEEPALIVE,
	  DBC(IN_NATT_KEEPALIVE) },
	{ "nat-t keepalive v6", natt_keepalive_v6, -XFP_E_KEEPALIVE,
	  DBC(IN_NATT_KEEPALIVE) },
	{ "nat-t one byte, not 0xff", natt_one_byte_not_ff, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "nat-t two bytes 0xff 0xff", natt_keepalive_long, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "nat-t ike (non-esp marker)", natt_ike, -XFP_E_IKE,
	  DBC(IN_NATT_IKE) },
	{ "zero-length udp to 4500 v4", udp0_4500_v4, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "zero-length udp to 4500 v6", udp0_4500_v6, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "udp header cut short, port 4500", udp_hdr_cut_4500, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "zero-length udp to another port", udp0_other_port, -XFP_E_PROTO,
	  NONE },
	/* AH */
	{ "ah shorter than its fixed header", ah_fixed_cut, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ah length field 0", ah_len_zero, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A4) },
	{ "ah length field 255", ah_len_ff, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A4) },
	{ "ah length field one short", ah_len_minus1, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A4) },
	{ "ah length field one long", ah_len_plus1, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A4) },
	{ "ah v6 length field 0", ah6_len_zero, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A6) },
	{ "ah v6 length field one short", ah6_len_minus1, -XFP_E_TRUNC,
	  SAC(IN_HDR_ERROR, A6) },
	{ "ah icv bit flipped", ah_icv_flipped, -XFP_E_ICV,
	  SAC(IN_ICV_FAIL, A4) },
	{ "ah payload bit flipped", ah_payload_flipped, -XFP_E_ICV,
	  SAC(IN_ICV_FAIL, A4) },
	/* IP */
	{ "empty buffer", empty, -XFP_E_TRUNC, DBC(IN_HDR_ERROR) },
	{ "ip version 0", ip_version_0, -XFP_E_TRUNC, DBC(IN_HDR_ERROR) },
	{ "ip version 5", ip_version_5, -XFP_E_TRUNC, DBC(IN_HDR_ERROR) },
	{ "ipv4 ihl 4", v4_ihl4, -XFP_E_TRUNC, DBC(IN_HDR_ERROR) },
	{ "ipv4 ihl 15 in a 30-byte packet", v4_ihl15_short, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv4 total length below ihl", v4_tot_below_ihl, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv4 total length beyond buffer", v4_tot_beyond, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv4 first fragment (MF)", v4_mf, -XFP_E_FRAGMENT, NONE },
	{ "ipv4 later fragment (offset)", v4_offset, -XFP_E_FRAGMENT, NONE },
	{ "ipv6 fragment header", v6_frag, -XFP_E_FRAGMENT, NONE },
	{ "ipv6 fragment header after hop-by-hop", v6_frag_after_hbh,
	  -XFP_E_FRAGMENT, NONE },
	{ "ipv6 payload length beyond buffer", v6_plen_beyond, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv6 9 extension headers", v6_ext_9, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv6 hop-by-hop looping to the end", v6_ext_loop, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv6 extension length beyond packet", v6_ext_beyond, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv6 extension header cut at 6 bytes", v6_ext_cut, -XFP_E_TRUNC,
	  DBC(IN_HDR_ERROR) },
	{ "ipv4 tcp (not ipsec)", v4_tcp, -XFP_E_PROTO, NONE },
};
#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

/* ------------------------------------------------------------ checking */

#define N_SNAP (XFP_SADB_CTR__MAX + N_SA * XFP_SA_CTR__MAX)

static void snap(uint64_t *v)
{
	int k = 0;

	for (int c = 0; c < XFP_SADB_CTR__MAX; c++)
		v[k++] = xfp_sadb_counter(db, c);
	for (int i = 0; i < N_SA; i++)
		for (int c = 0; c < XFP_SA_CTR__MAX; c++)
			v[k++] = xfp_sa_counter(insa(i), c);
}

static int idx_db(int c)
{
	return c;
}

static int idx_sa(int s, int c)
{
	return XFP_SADB_CTR__MAX + s * XFP_SA_CTR__MAX + c;
}

static const char *snap_name(int k)
{
	static char b[64];

	if (k < XFP_SADB_CTR__MAX)
		return xfp_sadb_counter_name(k);
	k -= XFP_SADB_CTR__MAX;
	snprintf(b, sizeof(b), "SA%d.%s", k / XFP_SA_CTR__MAX,
		 xfp_sa_counter_name(k % XFP_SA_CTR__MAX));
	return b;
}

/*
 * Run @p (@len bytes) through xfp_ipsec_input and check the outcome:
 * return value, the counters that moved, the frame outside the packet.
 */
static void expect(const uint8_t *p, size_t len, int err, int where, int ctr,
		   int s, const char *what)
{
	static struct tu_frame f;
	uint64_t before[N_SNAP], after[N_SNAP];
	struct xfp_sa *got = (struct xfp_sa *)1;
	int r, moved = 0;

	snap(before);
	tu_frame_set(&f, p, len);
	r = xfp_ipsec_input(db, &f.pkt, &got);
	snap(after);
	if (r != err)
		fail_msg("%s: got %d (%s), expected %d (%s)", what, r,
			 xfp_strerror(r), err, xfp_strerror(err));
	for (int k = 0; k < N_SNAP; k++) {
		uint64_t d = after[k] - before[k];
		bool want;

		if (!d)
			continue;
		moved++;
		switch (where) {
		case W_DB:
			want = k == idx_db(ctr) && d == 1;
			break;
		case W_SA:
			want = k == idx_sa(s, ctr) && d == 1;
			break;
		case W_OK:
			want = (k == idx_sa(s, XFP_SA_IN_PACKETS) && d == 1) ||
			       k == idx_sa(s, XFP_SA_IN_BYTES);
			break;
		default:
			want = false;
		}
		if (!want)
			fail_msg("%s: counter %s moved by %llu", what,
				 snap_name(k), (unsigned long long)d);
	}
	if (where == W_DB || where == W_SA)
		assert_int_equal(moved, 1); /* no silent drop */
	if (where == W_OK) {
		assert_int_equal(moved, 2);
		assert_ptr_equal(got, insa(s));
	} else {
		assert_null(got); /* a refused packet names no SA */
	}
	/* Nothing written outside the original packet. */
	for (size_t i = 0; i < TU_HEAD; i++)
		if (f.buf[i] != 0xee)
			fail_msg("%s: headroom byte %zu written", what, i);
	for (size_t i = TU_HEAD + len; i < TU_FRAME; i++)
		if (f.buf[i] != 0xee)
			fail_msg("%s: byte %zu after the packet written", what,
				 i - TU_HEAD - len);
}

static unsigned n_checked;

static void run_case(void **state)
{
	const struct mcase *c = *state;
	uint8_t p[1024];
	size_t len;

	memset(p, 0, sizeof(p));
	len = c->build(p);
	expect(p, len, c->err, c->where, c->ctr, c->sa, c->name);
	n_checked++;
}

/* ------------------------------------------------------------ cuts */

struct cutbase {
	const char *name;
	size_t (*build)(uint8_t *p);
	int sa;
	size_t l3; /* outer IP header */
	size_t udp; /* 8 for ESP-in-UDP */
	bool ah;
};

static const struct cutbase CUTS[] = {
	{ "esp tunnel v4", good_t4, T4, 20, 0, false },
	{ "esp transport v6", good_r6, R6, 40, 0, false },
	{ "esp-in-udp v4", good_n4, N4, 20, 8, false },
	{ "ah transport v4", good_a4, A4, 20, 0, true },
	{ "ah transport v6", good_a6, A6, 40, 0, true },
};

static void cut_case(void **state)
{
	const struct cutbase *b = *state;
	struct xfp_sa *in = insa(b->sa);
	uint8_t full[1024], p[1024];
	size_t len = b->build(full), l3 = b->l3, off = l3 + b->udp;
	size_t hl = b->ah ? xfp_ah_len(in, l3 == 40 ? 6 : 4) : in->hdr_len;
	size_t icv = in->alg->icv_len;
	char what[128];

	for (size_t cut = 0; cut < len; cut++) {
		/* raw: the IP header still claims the whole packet */
		snprintf(what, sizeof(what), "%s raw cut at %zu", b->name, cut);
		expect(full, cut, -XFP_E_TRUNC, DBC(IN_HDR_ERROR), what);
		n_checked++;
		if (cut < l3)
			continue;
		/* consistent: lengths rewritten to the cut */
		memcpy(p, full, cut);
		xfp_ip_set_len(p, cut);
		if (b->udp && cut >= l3 + 8)
			xfp_put_be16(p + l3 + 4, (uint16_t)(cut - l3));
		snprintf(what, sizeof(what), "%s consistent cut at %zu",
			 b->name, cut);
		if (b->ah) {
			if (cut < off + XFP_AH_FIXED_LEN)
				expect(p, cut, -XFP_E_TRUNC, DBC(IN_HDR_ERROR),
				       what);
			else if (cut < off + hl)
				expect(p, cut, -XFP_E_TRUNC,
				       SAC(IN_HDR_ERROR, b->sa), what);
			else
				expect(p, cut, -XFP_E_ICV,
				       SAC(IN_ICV_FAIL, b->sa), what);
		} else if (cut < off + 8 || (b->udp && cut < l3 + 8)) {
			expect(p, cut, -XFP_E_TRUNC, DBC(IN_HDR_ERROR), what);
		} else if (cut - off < hl + 2 + icv ||
			   (cut - off - hl - icv) % 4) {
			expect(p, cut, -XFP_E_TRUNC, SAC(IN_HDR_ERROR, b->sa),
			       what);
		} else {
			expect(p, cut, -XFP_E_ICV, SAC(IN_ICV_FAIL, b->sa),
			       what);
		}
		n_checked++;
	}
	/* and the whole packet still passes: no cut moved the window */
	expect(full, len, 0, OK(b->sa), b->name);
}

static void report(void **state)
{
	(void)state;
	/* Every case above ran; the number goes into docs/robustness.md. */
	assert_true(n_checked > 1000);
	printf("# %u malformed packets checked\n", n_checked);
}

int main(void)
{
	struct CMUnitTest t[N_CASES + sizeof(CUTS) / sizeof(CUTS[0]) + 1];
	static char names[sizeof(CUTS) / sizeof(CUTS[0])][80];
	size_t n = 0;

	for (size_t i = 0; i < N_CASES; i++)
		t[n++] = (struct CMUnitTest){ .name = CASES[i].name,
					      .test_func = run_case,
					      .initial_state =
						      (void *)&CASES[i] };
	for (size_t i = 0; i < sizeof(CUTS) / sizeof(CUTS[0]); i++) {
		snprintf(names[i], sizeof(names[i]),
			 "%s truncated at every byte", CUTS[i].name);
		t[n++] = (struct CMUnitTest){ .name = names[i],
					      .test_func = cut_case,
					      .initial_state =
						      (void *)&CUTS[i] };
	}
	t[n++] = (struct CMUnitTest){ .name = "corpus size",
				      .test_func = report };
	return _cmocka_run_group_tests("esp_malformed", t, n, setup_db,
				       teardown_db);
}
