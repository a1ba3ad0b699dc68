// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * worker_ctl.c - parsing and writing the worker's control protocol (see
 * worker_ctl.h).  Keys only ever live in the request struct and in the
 * SA's cipher context; both are wiped by their owners.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "crypto/worker_ctl.h"

/* Every key the protocol knows, and its bit in req->seen. */
#define CTL_KEYS(X)                       \
	X(ID, "id")                       \
	X(SPI, "spi")                     \
	X(DIR, "dir")                     \
	X(PROTO, "proto")                 \
	X(MODE, "mode")                   \
	X(ALG, "alg")                     \
	X(ENGINE, "engine")               \
	X(KEY, "key")                     \
	X(SRC, "src")                     \
	X(DST, "dst")                     \
	X(NATT, "natt")                   \
	X(NATT_SPORT, "natt_sport")       \
	X(NATT_DPORT, "natt_dport")       \
	X(REPLAY_WINDOW, "replay_window") \
	X(NO_REPLAY, "no_replay")         \
	X(ESN, "esn")                     \
	X(SOFT_BYTES, "soft_bytes")       \
	X(HARD_BYTES, "hard_bytes")       \
	X(SOFT_PACKETS, "soft_packets")   \
	X(HARD_PACKETS, "hard_packets")   \
	X(SOFT_SECONDS, "soft_seconds")   \
	X(HARD_SECONDS, "hard_seconds")   \
	X(IDLE_SECONDS, "idle_seconds")   \
	X(SEQ, "seq")                     \
	X(CTX, "ctx")                     \
	X(FILTER, "filter")               \
	X(CLEAR_DF, "clear_df")           \
	X(SEL_SRC, "sel_src")             \
	X(SEL_DST, "sel_dst")

enum ctl_key {
#define K__(e, s) K_##e,
	CTL_KEYS(K__)
#undef K__
		K__MAX
};

static const char *const ctl_key_names[] = {
#define K__(e, s) [K_##e] = s,
	CTL_KEYS(K__)
#undef K__
};

_Static_assert(K__MAX <= 32, "req->seen has 32 bits");

static int fail(struct xfp_ctl_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct xfp_ctl_req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

size_t xfp_ctl_complete(const char *buf, size_t len)
{
	size_t i;

	if (len >= 1 && buf[0] == '\n')
		return 1;
	for (i = 1; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\n')
			return i + 1;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int xfp_hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t max)
{
	size_t i, n = 0;
	int hi = -1;

	for (i = 0; i < hexlen; i++) {
		int v;

		if (hex[i] == ' ' || hex[i] == '\t' || hex[i] == '\n' ||
		    hex[i] == '\r')
			continue;
		v = hexval(hex[i]);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL; /* odd number of digits */
	return (int)n;
}

const char *xfp_ctl_addr_str(const struct xfp_addr *a, char *buf, size_t len)
{
	if (a->family == AF_INET || a->family == AF_INET6) {
		if (inet_ntop(a->family, a->a, buf, (socklen_t)len))
			return buf;
	}
	snprintf(buf, len, "any");
	return buf;
}

int xfp_ctl_addr_parse(const char *s, struct xfp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Whole-string unsigned number, decimal or 0x-hex, at most @max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "1") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* "ADDR[/PLEN]" into one side of a selector (tunnel inner traffic). */
static int parse_sel(struct xfp_selector *sel, bool dst, const char *v)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(v, '/');
	size_t l = slash ? (size_t)(slash - v) : strlen(v);
	struct xfp_addr x;
	uint64_t plen;
	unsigned max;

	if (l >= sizeof(a))
		return -EINVAL;
	memcpy(a, v, l);
	a[l] = 0;
	if (xfp_ctl_addr_parse(a, &x))
		return -EINVAL;
	max = x.family == AF_INET ? 32 : 128;
	if (!slash)
		plen = max;
	else if (parse_u64(slash + 1, max, &plen))
		return -EINVAL;
	if (sel->family && sel->family != x.family)
		return -EINVAL;
	sel->family = x.family;
	memcpy(dst ? sel->dst : sel->src, x.a, sizeof(x.a));
	if (dst)
		sel->dst_plen = (uint8_t)plen;
	else
		sel->src_plen = (uint8_t)plen;
	return 0;
}

static int set_key(struct xfp_ctl_req *r, enum ctl_key k, const char *v)
{
	struct xfp_sa_config *c = &r->sa;
	uint64_t n, n64;
	bool b;
	int len;

	switch (k) {
	case K_ID:
		if (parse_u64(v, UINT32_MAX, &n) || !n)
			return fail(r, "id=%s: expected 1..4294967295", v);
		c->id = (uint32_t)n;
		return 0;
	case K_SPI:
		if (parse_u64(v, UINT32_MAX, &n) || n < 256)
			return fail(r, "spi=%s: expected 256..0xffffffff", v);
		c->spi = (uint32_t)n;
		return 0;
	case K_DIR:
		if (!strcmp(v, "in"))
			c->dir = XFP_SA_IN;
		else if (!strcmp(v, "out"))
			c->dir = XFP_SA_OUT;
		else
			return fail(r, "dir=%s: expected in or out", v);
		return 0;
	case K_PROTO:
		if (!strcmp(v, "esp"))
			c->proto = XFP_IPSEC_ESP;
		else if (!strcmp(v, "ah"))
			c->proto = XFP_IPSEC_AH;
		else
			return fail(r, "proto=%s: expected esp or ah", v);
		return 0;
	case K_MODE:
		if (!strcmp(v, "transport"))
			c->mode = XFP_MODE_TRANSPORT;
		else if (!strcmp(v, "tunnel"))
			c->mode = XFP_MODE_TUNNEL;
		else
			return fail(r, "mode=%s: expected transport or tunnel",
				    v);
		return 0;
	case K_ALG:
		c->alg = xfp_alg_by_name(v, 0);
		if (c->alg == XFP_ALG_NONE)
			return fail(r, "alg=%s: unknown algorithm", v);
		return 0;
	case K_ENGINE:
		c->engine = xfp_engine_by_name(v);
		if (c->engine == XFP_ENGINE__MAX)
			return fail(
				r,
				"engine=%s: expected sodium, openssl or default",
				v);
		return 0;
	case K_KEY:
		len = xfp_hex_decode(v, strlen(v), c->key, sizeof(c->key));
		if (len <= 0)
			return fail(r, "key: expected hex, at most %zu bytes",
				    sizeof(c->key));
		c->key_len = (uint8_t)len;
		return 0;
	case K_SRC:
		if (xfp_ctl_addr_parse(v, &c->src))
			return fail(r, "src=%s: expected an IP address", v);
		return 0;
	case K_DST:
		if (xfp_ctl_addr_parse(v, &c->dst))
			return fail(r, "dst=%s: expected an IP address", v);
		return 0;
	case K_NATT:
	case K_NO_REPLAY:
	case K_ESN:
	case K_CLEAR_DF:
		if (parse_bool(v, &b))
			return fail(r, "%s=%s: expected 0 or 1",
				    ctl_key_names[k], v);
		if (k == K_NATT)
			c->natt = b;
		else if (k == K_NO_REPLAY)
			c->no_replay = b;
		else if (k == K_CLEAR_DF)
			c->clear_df = b;
		else
			c->esn = b;
		return 0;
	case K_SEL_SRC:
	case K_SEL_DST:
		if (parse_sel(&c->sel, k == K_SEL_DST, v))
			return fail(
				r,
				"%s=%s: expected ADDR[/PLEN] of the other selector's family",
				ctl_key_names[k], v);
		return 0;
	case K_NATT_SPORT:
	case K_NATT_DPORT:
		if (parse_u64(v, 65535, &n) || !n)
			return fail(r, "%s=%s: expected a port 1..65535",
				    ctl_key_names[k], v);
		if (k == K_NATT_SPORT)
			c->natt_sport = (uint16_t)n;
		else
			c->natt_dport = (uint16_t)n;
		return 0;
	case K_FILTER: {
		const char *q = v;

		c->n_filters = 0;
		while (*q) {
			char num[24];
			size_t l = strcspn(q, ",");

			if (!l || l >= sizeof(num) ||
			    c->n_filters == XFP_SA_FILTERS_MAX)
				return fail(
					r,
					"filter=%s: expected up to %d filter ids, comma separated",
					v, XFP_SA_FILTERS_MAX);
			memcpy(num, q, l);
			num[l] = 0;
			if (parse_u64(num, UINT64_MAX, &n64) || !n64)
				return fail(
					r, "filter=%s: '%s' is not a filter id",
					v, num);
			c->filters[c->n_filters++] = n64;
			q += l;
			if (*q == ',')
				q++;
		}
		return 0;
	}
	case K_CTX:
		if (parse_u64(v, 255, &n))
			return fail(
				r,
				"ctx=%s: expected a protection context 0..255",
				v);
		c->ctx = (uint32_t)n;
		return 0;
	case K_REPLAY_WINDOW:
		if (parse_u64(v, 1u << 20, &n))
			return fail(r, "replay_window=%s: expected a number",
				    v);
		c->replay_window = (uint32_t)n;
		return 0;
	default:
		break;
	}
	if (parse_u64(v, UINT64_MAX, &n))
		return fail(r, "%s=%s: expected a number", ctl_key_names[k], v);
	switch (k) {
	case K_SOFT_BYTES:
		c->soft.bytes = n;
		break;
	case K_HARD_BYTES:
		c->hard.bytes = n;
		break;
	case K_SOFT_PACKETS:
		c->soft.packets = n;
		break;
	case K_HARD_PACKETS:
		c->hard.packets = n;
		break;
	case K_SOFT_SECONDS:
		c->soft.seconds = n;
		break;
	case K_HARD_SECONDS:
		c->hard.seconds = n;
		break;
	case K_SEQ:
		c->seq_start = n;
		break;
	default: /* K_IDLE_SECONDS */
		c->idle_seconds = n;
		break;
	}
	return 0;
}

int xfp_ctl_parse(const char *buf, size_t len, struct xfp_ctl_req *req)
{
	char line[512];
	size_t pos = 0;
	int lineno = 0;

	memset(req, 0, sizeof(*req));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *eq;
		int k, err;

		if (ll == 0)
			break; /* the blank line that ends the request */
		lineno++;
		if (ll >= sizeof(line)) {
			sodium_memzero(line, sizeof(line));
			return fail(req, "line %d: longer than %zu bytes",
				    lineno, sizeof(line) - 1);
		}
		memcpy(line, buf + pos, ll);
		line[ll] = 0;
		pos += ll + (nl ? 1 : 0);
		if (memchr(line, 0, ll)) {
			sodium_memzero(line, sizeof(line));
			return fail(req, "line %d: NUL byte", lineno);
		}
		eq = strchr(line, '=');
		if (!eq) {
			sodium_memzero(line, sizeof(line));
			return fail(req, "line %d: expected key=value", lineno);
		}
		*eq = 0;
		if (lineno == 1) {
			err = 0;
			if (strcmp(eq + 1, "1"))
				err = fail(req, "line 1: %s=%s: expected %s=1",
					   line, eq + 1, line);
			else if (!strcmp(line, "add_sa"))
				req->op = XFP_CTL_ADD_SA;
			else if (!strcmp(line, "del_sa"))
				req->op = XFP_CTL_DEL_SA;
			else if (!strcmp(line, "get"))
				req->op = XFP_CTL_GET;
			else if (!strcmp(line, "flush_policy_sas"))
				req->op = XFP_CTL_FLUSH_POLICY;
			else
				err = fail(
					req,
					"line 1: unknown operation '%s' (expected add_sa, del_sa, get or flush_policy_sas)",
					line);
			if (err)
				return err;
			continue;
		}
		if (req->op == XFP_CTL_GET || req->op == XFP_CTL_FLUSH_POLICY) {
			sodium_memzero(line, sizeof(line));
			return fail(req, "line %d: %s takes no arguments",
				    lineno,
				    req->op == XFP_CTL_GET ?
					    "get" :
					    "flush_policy_sas");
		}
		for (k = 0; k < K__MAX; k++)
			if (!strcmp(line, ctl_key_names[k]))
				break;
		if (k == K__MAX) {
			err = fail(req, "line %d: unknown key '%.40s'", lineno,
				   line);
		} else if (req->seen & (1u << k)) {
			err = fail(req, "line %d: duplicate key '%s'", lineno,
				   line);
		} else {
			req->seen |= 1u << k;
			err = set_key(req, (enum ctl_key)k, eq + 1);
		}
		sodium_memzero(line, sizeof(line));
		if (err)
			return err;
	}
	if (req->op == XFP_CTL_NONE)
		return fail(req, "empty request");
	if (req->op == XFP_CTL_ADD_SA) {
		static const enum ctl_key need[] = { K_SPI, K_DIR, K_ALG,
						     K_KEY };
		size_t i;

		for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (!(req->seen & (1u << need[i])))
				return fail(req, "add_sa: missing '%s'",
					    ctl_key_names[need[i]]);
		if (!(req->seen & (1u << K_PROTO)))
			req->sa.proto = xfp_alg_proto(req->sa.alg);
		if (xfp_alg_proto(req->sa.alg) != req->sa.proto)
			return fail(req, "alg=%s is not an %s algorithm",
				    xfp_alg_name(req->sa.alg),
				    req->sa.proto == XFP_IPSEC_AH ? "AH" :
								    "ESP");
		if ((req->seen & (1u << K_SEQ)) && req->sa.dir != XFP_SA_OUT)
			return fail(
				req,
				"seq=%" PRIu64
				": only an outbound SA (dir=out) has a sequence number to start",
				req->sa.seq_start);
		if (!req->sa.esn && req->sa.seq_start > UINT32_MAX)
			return fail(req,
				    "seq=%" PRIu64
				    ": beyond 4294967295 needs esn=1",
				    req->sa.seq_start);
	}
	if (req->op == XFP_CTL_DEL_SA && !(req->seen & (1u << K_ID)) &&
	    (req->seen & ((1u << K_SPI) | (1u << K_DIR))) !=
		    ((1u << K_SPI) | (1u << K_DIR)))
		return fail(req, "del_sa: expected id=N, or spi=S and dir=");
	return 0;
}

void xfp_ctl_req_wipe(struct xfp_ctl_req *req)
{
	sodium_memzero(req, sizeof(*req));
}

static void write_life(FILE *f, const char *which, const struct xfp_lifetime *l)
{
	fprintf(f,
		"%s_bytes=%" PRIu64 "\n%s_packets=%" PRIu64
		"\n%s_seconds=%" PRIu64 "\n",
		which, l->bytes, which, l->packets, which, l->seconds);
}

void xfp_ctl_write_sa(FILE *f, const struct xfp_sa *sa)
{
	static const char *const states[] = { "live", "soft", "expired",
					      "dead" };
	uint64_t ctr[XFP_SA_CTR__MAX];
	char b1[64], b2[64];
	unsigned st = xfp_sa_state(sa);
	int i;

	fprintf(f, "sa=%u\n", sa->id);
	fprintf(f, "spi=0x%08x\ndir=%s\nproto=%s\nmode=%s\nalg=%s\n", sa->spi,
		sa->dir == XFP_SA_IN ? "in" : "out",
		sa->proto == XFP_IPSEC_AH ? "ah" : "esp",
		sa->mode == XFP_MODE_TUNNEL ? "tunnel" : "transport",
		sa->alg->name);
	fprintf(f, "engine=%s\nkey=<hidden>\n",
		sa->cipher.eng ? sa->cipher.eng->name : "none");
	fprintf(f, "src=%s\ndst=%s\n",
		xfp_ctl_addr_str(&sa->src, b1, sizeof(b1)),
		xfp_ctl_addr_str(&sa->dst, b2, sizeof(b2)));
	if (sa->mode == XFP_MODE_TUNNEL)
		fprintf(f, "clear_df=%u\n", sa->clear_df);
	if (sa->sel.src_plen || sa->sel.dst_plen) {
		struct xfp_addr a = { .family = sa->sel.family };

		memcpy(a.a, sa->sel.src, sizeof(a.a));
		fprintf(f, "sel_src=%s/%u\n",
			xfp_ctl_addr_str(&a, b1, sizeof(b1)), sa->sel.src_plen);
		memcpy(a.a, sa->sel.dst, sizeof(a.a));
		fprintf(f, "sel_dst=%s/%u\n",
			xfp_ctl_addr_str(&a, b1, sizeof(b1)), sa->sel.dst_plen);
	}
	/* the protection context the datapath judges its packets in */
	fprintf(f, "ctx=%u\n", sa->ctx);
	fprintf(f, "natt=%u\n", sa->natt);
	if (sa->natt)
		fprintf(f, "natt_sport=%u\nnatt_dport=%u\n", sa->natt_sport,
			sa->natt_dport);
	fprintf(f, "esn=%u\nstate=%s\n", sa->esn, st < 4 ? states[st] : "?");
	if (sa->dir == XFP_SA_OUT)
		fprintf(f, "seq=%" PRIu64 "\n",
			__atomic_load_n(&sa->oseq, __ATOMIC_RELAXED));
	else
		fprintf(f,
			"replay=%u\nreplay_window=%u\nreplay_top=%" PRIu64 "\n",
			sa->replay_on, sa->replay.window,
			__atomic_load_n(&sa->replay.top, __ATOMIC_RELAXED));
	fprintf(f, "age_seconds=%" PRIu64 "\n",
		*sa->clock >= sa->add_time ? *sa->clock - sa->add_time : 0);
	write_life(f, "soft", &sa->soft);
	write_life(f, "hard", &sa->hard);
	xfp_sa_counters_read(sa, ctr);
	for (i = 0; i < XFP_SA_CTR__MAX; i++)
		fprintf(f, "%s=%" PRIu64 "\n",
			xfp_sa_counter_name((enum xfp_sa_counter)i), ctr[i]);
}
