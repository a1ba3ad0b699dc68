/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * parse.c - the policy language: commands to IR.
 *
 * One function per command (`sublayer add`, `qm-policy add`, `mm-policy
 * add`, `filter add|delete`, `sa add|delete`).  Each builds its object in
 * a local variable and appends it to the policy only when the whole
 * statement was good, so a bad statement leaves no trace.  After an error
 * the parser skips to the end of the statement and goes on, so one run
 * reports every bad statement.  policy/README.md is the grammar.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "policy/alg.h"
#include "policy/lex.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

#define MAX_FILTERS 65536
#define MAX_VALUES 4096 /* per condition field */
#define MAX_OBJECTS 4096 /* qm, mm, sa */

struct parser {
	struct xfp_policy *p;
	struct xfp_errors *err;
	const char *file;
	char dir[PATH_MAX];
	unsigned flags;
	struct xfp_lexer lx;
	struct xfp_tok cur;
	int nerr;
};

/* ---- token helpers ------------------------------------------------------ */

static void advance(struct parser *ps)
{
	xfp_lex_next(&ps->lx, &ps->cur);
}

static const char *tokdesc(const struct xfp_tok *t, char *buf, size_t len)
{
	switch (t->t) {
	case XFP_T_EOF:
		return "end of file";
	case XFP_T_END:
		return t->s[0] == ';' ? "';'" : "end of line";
	case XFP_T_STRING:
		snprintf(buf, len, "\"%.60s%s\"", t->s, t->n > 60 ? "..." : "");
		return buf;
	default:
		snprintf(buf, len, "'%.60s%s'", t->s, t->n > 60 ? "..." : "");
		return buf;
	}
}

__attribute__((format(printf, 3, 4))) static int
err_at(struct parser *ps, const struct xfp_tok *t, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	xfp_errors_add(ps->err, ps->file, t->line, t->col, "%s", msg);
	ps->nerr++;
	return -1;
}

/* "expected X, got Y" at the current token. */
static int expected(struct parser *ps, const char *what)
{
	char b[96];

	if (ps->cur.t == XFP_T_ERROR)
		return err_at(ps, &ps->cur, "%s", ps->cur.s);
	return err_at(ps, &ps->cur, "expected %s, got %s", what,
		      tokdesc(&ps->cur, b, sizeof(b)));
}

static bool at_end(const struct parser *ps)
{
	return ps->cur.t == XFP_T_END || ps->cur.t == XFP_T_EOF;
}

static bool is_word(const struct parser *ps)
{
	return ps->cur.t == XFP_T_WORD;
}

static bool word_is(const struct parser *ps, const char *s)
{
	return ps->cur.t == XFP_T_WORD && !strcmp(ps->cur.s, s);
}

/*
 * Tokens carry a 4 KiB text buffer; these touch only what is used.  The
 * lexer keeps s NUL-terminated at n, so copying n + 1 bytes is a copy.
 */
static void tok_copy(struct xfp_tok *d, const struct xfp_tok *t)
{
	d->t = t->t;
	d->line = t->line;
	d->col = t->col;
	d->n = t->n;
	memcpy(d->s, t->s, t->n < sizeof(d->s) ? t->n + 1 : sizeof(d->s));
}

static void tok_clear(struct xfp_tok *t)
{
	t->t = XFP_T_EOF;
	t->line = t->col = 0;
	t->n = 0;
	t->s[0] = 0;
}

/* Take a word (or, with strings_ok, a string) into *t. */
static int take_word(struct parser *ps, const char *what, struct xfp_tok *t,
		     bool strings_ok)
{
	if (ps->cur.t != XFP_T_WORD &&
	    !(strings_ok && ps->cur.t == XFP_T_STRING))
		return expected(ps, what);
	tok_copy(t, &ps->cur);
	advance(ps);
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= XFP_NAME_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

static int take_name(struct parser *ps, const char *kind,
		     char out[XFP_NAME_MAX], struct xfp_tok *where)
{
	struct xfp_tok t;
	char what[80];

	snprintf(what, sizeof(what), "a %s name", kind);
	if (take_word(ps, what, &t, false))
		return -1;
	if (!valid_name(t.s))
		return err_at(ps, &t,
			      "bad %s name '%.80s': expected a letter or '_' "
			      "then letters, digits, '_', '-' or '.', at most "
			      "%d characters",
			      kind, t.s, XFP_NAME_MAX - 1);
	strcpy(out, t.s);
	if (where)
		tok_copy(where, &t);
	return 0;
}

/* Unsigned decimal or 0x-hex number, the whole string; false if not. */
static bool parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	int base = 10;

	if (!*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return false;
	}
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (x > (UINT64_MAX - d) / (unsigned)base)
			return false;
		x = x * (unsigned)base + d;
	}
	*v = x;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return true;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A number token in [min, max]. */
static int take_num(struct parser *ps, const char *what, uint64_t min,
		    uint64_t max, uint64_t *v)
{
	struct xfp_tok t;
	char w[96];

	snprintf(w, sizeof(w), "%s (a number)", what);
	if (take_word(ps, w, &t, false))
		return -1;
	if (!parse_u64(t.s, v)) {
		if (all_digits(t.s))
			return err_at(ps, &t,
				      "%s '%.80s' out of range; expected "
				      "%llu-%llu",
				      what, t.s, (unsigned long long)min,
				      (unsigned long long)max);
		return err_at(ps, &t,
			      "bad %s '%.80s': expected a number from %llu to "
			      "%llu",
			      what, t.s, (unsigned long long)min,
			      (unsigned long long)max);
	}
	if (*v < min || *v > max)
		return err_at(ps, &t,
			      "%s %.80s out of range; expected %llu-%llu", what,
			      t.s, (unsigned long long)min,
			      (unsigned long long)max);
	return 0;
}

/* Seconds: N, Ns, Nm, Nh or Nd, at most 2^32-1. */
static bool parse_duration_str(const char *s, uint64_t *v)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mul = 1;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's':
		mul = 1;
		num[--n] = '\0';
		break;
	case 'm':
		mul = 60;
		num[--n] = '\0';
		break;
	case 'h':
		mul = 3600;
		num[--n] = '\0';
		break;
	case 'd':
		mul = 86400;
		num[--n] = '\0';
		break;
	}
	for (size_t i = 0; i < n; i++)
		if (num[i] < '0' || num[i] > '9')
			return false;
	if (!parse_u64(num, v) || *v > UINT32_MAX / mul)
		return false;
	*v *= mul;
	return true;
}

static int take_duration(struct parser *ps, const char *what, uint32_t *out)
{
	struct xfp_tok t;
	uint64_t v;
	char w[96];

	snprintf(w, sizeof(w), "%s (seconds, or a number with s, m, h or d)",
		 what);
	if (take_word(ps, w, &t, false))
		return -1;
	if (!parse_duration_str(t.s, &v))
		return err_at(ps, &t,
			      "bad %s '%.80s': expected seconds, or a number "
			      "with s, m, h or d, at most 4294967295 seconds",
			      what, t.s);
	*out = (uint32_t)v;
	return 0;
}

/*
 * A list of words: "a", "a,b,c" or "{ a, b }".  cb is called for each with
 * the token; returns -1 on the first error.
 */
typedef int (*word_cb)(struct parser *ps, const struct xfp_tok *t, void *arg);

static int take_list(struct parser *ps, const char *what, bool strings_ok,
		     word_cb cb, void *arg)
{
	bool brace = false;
	struct xfp_tok t;

	if (ps->cur.t == XFP_T_LBRACE) {
		brace = true;
		advance(ps);
	}
	for (;;) {
		if (take_word(ps, what, &t, strings_ok))
			return -1;
		if (cb(ps, &t, arg))
			return -1;
		if (ps->cur.t == XFP_T_COMMA) {
			advance(ps);
			if (brace && ps->cur.t == XFP_T_RBRACE)
				break; /* trailing comma */
			continue;
		}
		break;
	}
	if (brace) {
		if (ps->cur.t != XFP_T_RBRACE)
			return expected(ps, "',' or '}'");
		advance(ps);
	}
	return 0;
}

/* ---- lifetimes ---------------------------------------------------------- */

static bool lifetime_token(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && s[0] >= '0' && s[0] <= '9' &&
	       (strchr("smhd", s[n - 1]) ||
		(n >= 3 &&
		 (!strcmp(s + n - 2, "kb") || !strcmp(s + n - 2, "mb") ||
		  !strcmp(s + n - 2, "gb"))) ||
		(n >= 5 && !strcmp(s + n - 4, "pkts")));
}

/* "lifetime 3600s 100000kb 1000000pkts": one to three values. */
static int take_lifetime(struct parser *ps, struct xfp_lifetime *lt, bool soft)
{
	int count = 0;

	while (is_word(ps) && lifetime_token(ps->cur.s)) {
		struct xfp_tok t = ps->cur;
		size_t n = t.n;
		char num[32];
		uint64_t v, mul = 1, *dst;
		uint32_t bit;

		advance(ps);
		if (n >= 5 && !strcmp(t.s + n - 4, "pkts")) {
			n -= 4;
			dst = soft ? &lt->soft_packets : &lt->packets;
			bit = soft ? XFP_LIFE_HAS_SOFT_PACKETS :
				     XFP_LIFE_HAS_PACKETS;
		} else if (t.s[n - 1] == 'b') {
			mul = t.s[n - 2] == 'k' ? 1 :
			      t.s[n - 2] == 'm' ? 1024 :
						  1024 * 1024;
			n -= 2;
			dst = soft ? &lt->soft_kilobytes : &lt->kilobytes;
			bit = soft ? XFP_LIFE_HAS_SOFT_KILOBYTES :
				     XFP_LIFE_HAS_KILOBYTES;
		} else {
			if (!parse_duration_str(t.s, &v))
				return err_at(ps, &t,
					      "bad lifetime '%.80s': expected "
					      "seconds of at most 4294967295",
					      t.s);
			dst = soft ? &lt->soft_seconds : &lt->seconds;
			bit = soft ? XFP_LIFE_HAS_SOFT_SECONDS :
				     XFP_LIFE_HAS_SECONDS;
			goto store;
		}
		if (n == 0 || n >= sizeof(num))
			return err_at(ps, &t, "bad lifetime '%.80s'", t.s);
		memcpy(num, t.s, n);
		num[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (num[i] < '0' || num[i] > '9')
				return err_at(ps, &t,
					      "bad lifetime '%.80s': expected "
					      "a decimal number then s, m, h, "
					      "d, kb, mb, gb or pkts",
					      t.s);
		if (!parse_u64(num, &v) || v > UINT64_MAX / mul)
			return err_at(ps, &t, "lifetime '%.80s' out of range",
				      t.s);
		v *= mul;
store:
		if (lt->has & bit)
			return err_at(ps, &t,
				      "duplicate lifetime value '%.80s': each "
				      "of seconds, bytes and packets is given "
				      "once",
				      t.s);
		if (v == 0)
			return err_at(ps, &t,
				      "lifetime '%.80s' is zero; expected a "
				      "positive limit",
				      t.s);
		lt->has |= bit;
		*dst = v;
		count++;
	}
	if (!count)
		return expected(ps, "a lifetime such as 3600s, 100000kb or "
				    "1000000pkts");
	return 0;
}

/* ---- addresses and condition values ------------------------------------- */

int xfp_addr_parse(const char *s, struct xfp_addr *out)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, &a6) != 1)
			return 0;
		memcpy(out->b, &a6, 16);
		return 6;
	}
	if (inet_pton(AF_INET, s, &a4) != 1)
		return 0;
	memset(out->b, 0, 10);
	out->b[10] = 0xff;
	out->b[11] = 0xff;
	memcpy(out->b + 12, &a4, 4);
	return 4;
}

static bool v4_mapped(const struct xfp_addr *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0,	   0,
					 0, 0, 0, 0, 0xff, 0xff };

	return !memcmp(a->b, pfx, 12);
}

/* Address of one family only: IPv6 inside ::ffff:0:0/96 is refused. */
/* Address of one family only (IPv6 inside ::ffff:0:0/96 is refused):
 * the family, or -1 after reporting the error. */
static int addr_one(struct parser *ps, const struct xfp_tok *t, const char *s,
		    struct xfp_addr *a)
{
	int fam = xfp_addr_parse(s, a);

	if (!fam && strcmp(s, t->s))
		return err_at(ps, t,
			      "bad address '%.80s' in '%.80s': expected an "
			      "IPv4 or IPv6 address",
			      s, t->s);
	if (!fam)
		return err_at(ps, t,
			      "bad address '%.80s': expected an IPv4 or IPv6 "
			      "address",
			      s);
	if (fam == 6 && v4_mapped(a))
		return err_at(ps, t,
			      "address '%.80s' is IPv4-mapped IPv6; write the "
			      "IPv4 address instead",
			      s);
	return fam;
}

/* ADDR, ADDR/PLEN or LO-HI into v. */
static int addr_value(struct parser *ps, const struct xfp_tok *t,
		      struct xfp_cond_val *v)
{
	char buf[XFP_TOK_MAX];
	char *slash, *dash;
	int fam;

	snprintf(buf, sizeof(buf), "%s", t->s);
	slash = strchr(buf, '/');
	dash = strchr(buf, '-');
	if (slash) {
		uint64_t plen;
		int max, bits;

		*slash = '\0';
		fam = addr_one(ps, t, buf, &v->addr_lo);
		if (fam <= 0)
			return -1;
		max = fam == 4 ? 32 : 128;
		if (!parse_u64(slash + 1, &plen) || plen > (uint64_t)max)
			return err_at(ps, t,
				      "bad prefix '%.80s': expected a prefix "
				      "length from 0 to %d",
				      t->s, max);
		bits = (int)plen + (fam == 4 ? 96 : 0);
		v->addr_hi = v->addr_lo;
		for (int i = bits; i < 128; i++) {
			uint8_t m = (uint8_t)(0x80 >> (i % 8));

			if (v->addr_lo.b[i / 8] & m) {
				struct xfp_addr net = v->addr_lo;
				char nb[INET6_ADDRSTRLEN];

				for (int j = bits; j < 128; j++)
					net.b[j / 8] &=
						(uint8_t) ~(0x80 >> (j % 8));
				return err_at(
					ps, t,
					"bad prefix '%.80s': host bits are "
					"set; expected %s/%u",
					t->s,
					xfp_addr_str(&net, fam, nb, sizeof(nb)),
					(unsigned)plen);
			}
			v->addr_hi.b[i / 8] |= m;
		}
		v->match = XFP_MATCH_PREFIX;
		v->plen = (uint8_t)plen;
		v->family = (uint8_t)fam;
		return 0;
	}
	if (dash) {
		int f2;

		*dash = '\0';
		fam = addr_one(ps, t, buf, &v->addr_lo);
		if (fam <= 0)
			return -1;
		f2 = addr_one(ps, t, dash + 1, &v->addr_hi);
		if (f2 <= 0)
			return -1;
		if (fam != f2)
			return err_at(ps, t,
				      "address range '%.80s' mixes IPv4 and "
				      "IPv6; expected two addresses of one "
				      "family",
				      t->s);
		if (xfp_addr_cmp(&v->addr_lo, &v->addr_hi) > 0)
			return err_at(ps, t,
				      "address range '%.80s' is reversed; "
				      "expected LOW-HIGH",
				      t->s);
		v->match = XFP_MATCH_RANGE;
		v->family = (uint8_t)fam;
		return 0;
	}
	fam = addr_one(ps, t, buf, &v->addr_lo);
	if (fam <= 0)
		return -1;
	v->addr_hi = v->addr_lo;
	v->match = XFP_MATCH_EQUAL;
	v->family = (uint8_t)fam;
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protocols[] = {
	{ "icmp", 1 }, { "igmp", 2 },	 { "ipip", 4 },	  { "tcp", 6 },
	{ "udp", 17 }, { "ipv6", 41 },	 { "gre", 47 },	  { "esp", 50 },
	{ "ah", 51 },  { "icmpv6", 58 }, { "sctp", 132 }, { "udplite", 136 },
};

const char *xfp_proto_str(unsigned n)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].num == n)
			return protocols[i].name;
	return NULL;
}

const char *const xfp_addr_type_names[5] = { NULL, "unicast", "anycast",
					     "multicast", "broadcast" };

int xfp_protocol_parse(const char *s)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcmp(protocols[i].name, s))
			return protocols[i].num;
	if (!parse_u64(s, &v) || v > 255)
		return -1;
	return (int)v;
}

int xfp_addr_type_parse(const char *s)
{
	for (int i = 1; i <= 4; i++)
		if (!strcmp(xfp_addr_type_names[i], s))
			return i;
	return -1;
}

/* One number or name of a numeric field. */
static int num_one(struct parser *ps, const struct xfp_tok *t, const char *s,
		   enum xfp_field f, uint64_t max, uint64_t *v)
{
	if (f == XFP_FIELD_PROTOCOL) {
		for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]);
		     i++)
			if (!strcmp(protocols[i].name, s)) {
				*v = protocols[i].num;
				return 0;
			}
	}
	if (f == XFP_FIELD_LOCAL_ADDR_TYPE) {
		for (uint64_t i = 1; i <= 4; i++)
			if (!strcmp(xfp_addr_type_names[i], s)) {
				*v = i;
				return 0;
			}
		return err_at(ps, t,
			      "unknown address type '%.80s'; expected "
			      "unicast, anycast, multicast or broadcast",
			      s);
	}
	if (!parse_u64(s, v) || *v > max) {
		if (f == XFP_FIELD_PROTOCOL)
			return err_at(
				ps, t,
				"unknown protocol '%.80s'; expected 0-255 "
				"or one of icmp, igmp, ipip, tcp, udp, "
				"ipv6, gre, esp, ah, icmpv6, sctp, "
				"udplite",
				s);
		return err_at(ps, t, "bad %s '%.80s': expected a number 0-%llu",
			      xfp_field_name(f), s, (unsigned long long)max);
	}
	return 0;
}

static int num_value(struct parser *ps, const struct xfp_tok *t,
		     enum xfp_field f, struct xfp_cond_val *v)
{
	uint64_t max =
		(f == XFP_FIELD_LOCAL_PORT || f == XFP_FIELD_REMOTE_PORT) ?
			65535 :
			255;
	char buf[XFP_TOK_MAX];
	char *dash;

	snprintf(buf, sizeof(buf), "%s", t->s);
	dash = f == XFP_FIELD_LOCAL_ADDR_TYPE ? NULL : strchr(buf, '-');
	if (dash && dash != buf) {
		*dash = '\0';
		if (num_one(ps, t, buf, f, max, &v->lo) ||
		    num_one(ps, t, dash + 1, f, max, &v->hi))
			return -1;
		if (v->lo > v->hi)
			return err_at(
				ps, t,
				"%s range '%.80s' is reversed; expected "
				"LOW-HIGH",
				f == XFP_FIELD_LOCAL_PORT ||
						f == XFP_FIELD_REMOTE_PORT ?
					"port" :
					xfp_field_name(f),
				t->s);
		v->match = XFP_MATCH_RANGE;
		return 0;
	}
	if (num_one(ps, t, buf, f, max, &v->lo))
		return -1;
	v->hi = v->lo;
	v->match = XFP_MATCH_EQUAL;
	return 0;
}

static int iface_value(struct parser *ps, const struct xfp_tok *t,
		       struct xfp_cond_val *v)
{
	uint64_t idx;

	if (all_digits(t->s)) {
		if (!parse_u64(t->s, &idx) || idx == 0 || idx > UINT32_MAX)
			return err_at(ps, t,
				      "bad interface index '%.80s': expected "
				      "1-4294967295 or an interface name",
				      t->s);
		v->lo = v->hi = idx;
	} else {
		if (t->n >= XFP_IFNAME_MAX || strchr(t->s, '/'))
			return err_at(ps, t,
				      "bad interface name '%.80s': expected at "
				      "most %d characters without '/'",
				      t->s, XFP_IFNAME_MAX - 1);
		strcpy(v->ifname, t->s);
		v->by_name = 1;
	}
	v->match = XFP_MATCH_EQUAL;
	return 0;
}

static int principal_value(struct parser *ps, const struct xfp_tok *t,
			   struct xfp_cond_val *v)
{
	int id;

	if (t->n == 0 || t->n >= XFP_PRINCIPAL_MAX)
		return err_at(ps, t,
			      "bad principal name: expected 1 to %d characters",
			      XFP_PRINCIPAL_MAX - 1);
	if (!strncmp(t->s, "machine:", 8) || !strncmp(t->s, "user:", 5))
		return err_at(ps, t,
			      "principal '%.80s' has a 'machine:'/'user:' "
			      "prefix; the field already says which, write the "
			      "name alone",
			      t->s);
	if (!strcmp(t->s, "*") || !strncmp(t->s, "group:", 6))
		return err_at(ps, t,
			      "principal name '%.80s' is reserved: '*' means "
			      "any identity and 'group:' names a group",
			      t->s);
	id = xfp_policy_intern(ps->p, t->s);
	if (id < 0)
		return err_at(ps, t, "out of memory");
	v->lo = v->hi = (uint64_t)id;
	v->match = XFP_MATCH_EQUAL;
	return 0;
}

/* ---- sublayer ----------------------------------------------------------- */

static int cmd_sublayer_add(struct parser *ps)
{
	struct xfp_sublayer s;
	struct xfp_tok nt;
	uint64_t w;
	bool have_w = false;

	memset(&s, 0, sizeof(s));
	if (take_name(ps, "sublayer", s.name, &nt))
		return -1;
	s.line = nt.line;
	s.col = nt.col;
	while (!at_end(ps)) {
		if (word_is(ps, "weight")) {
			if (have_w)
				return err_at(ps, &ps->cur,
					      "duplicate keyword 'weight'");
			advance(ps);
			if (take_num(ps, "sublayer weight", 0, 65535, &w))
				return -1;
			have_w = true;
		} else {
			return expected(ps, "'weight' or the end of the "
					    "statement");
		}
	}
	if (!have_w)
		return err_at(ps, &nt,
			      "sublayer '%s' needs 'weight N' (0-65535)",
			      s.name);
	if (xfp_policy_find_sublayer(ps->p, s.name) >= 0)
		return err_at(ps, &nt, "duplicate sublayer name '%s'", s.name);
	if (ps->p->n_sublayers >= XFP_SUBLAYERS_MAX)
		return err_at(ps, &nt,
			      "too many sublayers: at most %d, the default "
			      "one included",
			      XFP_SUBLAYERS_MAX);
	s.weight = (uint16_t)w;
	ps->p->sublayers[ps->p->n_sublayers++] = s;
	ps->p->finalized = false;
	return 0;
}

/* ---- qm-policy ---------------------------------------------------------- */

struct flag_name {
	const char *name;
	uint32_t bit;
};

static const struct flag_name qm_flags[] = {
	{ "nd-secure", XFP_QM_ND_SECURE },
	{ "nd-boundary", XFP_QM_ND_BOUNDARY },
	{ "clear-df", XFP_QM_CLEAR_DF_ON_TUNNEL },
	{ NULL, 0 },
};
static const struct flag_name ctx_flag_names[] = {
	{ "negotiate-discover", XFP_CTX_NEGOTIATE_DISCOVER },
	{ "persist-connection-security", XFP_CTX_PERSIST_CONN_SECURITY },
	{ "require-encryption", XFP_CTX_REQUIRE_ENCRYPTION },
	{ NULL, 0 },
};
static const struct flag_name filter_flag_names[] = {
	{ "clear-action-right", XFP_FILTER_CLEAR_ACTION_RIGHT },
	{ NULL, 0 },
};
static const struct flag_name sa_flag_names[] = {
	{ "guarantee-encryption", XFP_SA_GUARANTEE_ENCRYPTION },
	{ NULL, 0 },
};
static const struct flag_name ipsec_flag_names[] = {
	{ "secured", XFP_COND_FLAG_SECURED },
	{ "encrypted", XFP_COND_FLAG_ENCRYPTED },
	{ NULL, 0 },
};

struct flag_arg {
	const struct flag_name *tab;
	const char *what;
	uint32_t *out;
};

static int flag_cb(struct parser *ps, const struct xfp_tok *t, void *arg)
{
	struct flag_arg *fa = arg;
	char list[256] = "";

	for (const struct flag_name *f = fa->tab; f->name; f++)
		if (!strcmp(f->name, t->s)) {
			if (*fa->out & f->bit)
				return err_at(ps, t, "duplicate %s '%s'",
					      fa->what, t->s);
			*fa->out |= f->bit;
			return 0;
		}
	for (const struct flag_name *f = fa->tab; f->name; f++) {
		strcat(list, f->name);
		if (f[1].name)
			strcat(list, f[2].name ? ", " : " or ");
	}
	return err_at(ps, t, "unknown %s '%.80s'; expected %s", fa->what, t->s,
		      list);
}

static int take_flags(struct parser *ps, const struct flag_name *tab,
		      const char *what, uint32_t *out)
{
	struct flag_arg fa = { tab, what, out };
	char w[96];

	snprintf(w, sizeof(w), "a %s", what);
	return take_list(ps, w, false, flag_cb, &fa);
}

static int take_alg(struct parser *ps, uint8_t proto, enum xfp_alg *out)
{
	struct xfp_tok t;
	const char *pn = proto == XFP_IPSEC_AH ? "AH" : "ESP";
	char w[64];
	enum xfp_alg a;

	snprintf(w, sizeof(w), "an %s algorithm", pn);
	if (take_word(ps, w, &t, false))
		return -1;
	a = xfp_alg_by_name(t.s, proto);
	if (a == XFP_ALG_NONE)
		return err_at(ps, &t,
			      "unknown %s algorithm '%.80s'; expected %s", pn,
			      t.s, xfp_policy_alg_list(proto));
	*out = a;
	return 0;
}

static int take_proposal(struct parser *ps, struct xfp_qm_proposal *pr,
			 const struct xfp_tok *kw)
{
	bool have_life = false, have_pfs = false;

	pr->ah_alg = pr->esp_alg = XFP_ALG_NONE;
	for (;;) {
		if (word_is(ps, "esp") || word_is(ps, "ah")) {
			bool ah = ps->cur.s[0] == 'a';
			enum xfp_alg *dst = ah ? &pr->ah_alg : &pr->esp_alg;

			if (*dst != XFP_ALG_NONE)
				return err_at(ps, &ps->cur,
					      "duplicate '%s' in proposal; a "
					      "proposal has at most one AH and "
					      "one ESP transform",
					      ps->cur.s);
			advance(ps);
			if (take_alg(ps, ah ? XFP_IPSEC_AH : XFP_IPSEC_ESP,
				     dst))
				return -1;
		} else if (word_is(ps, "lifetime")) {
			if (have_life)
				return err_at(
					ps, &ps->cur,
					"duplicate 'lifetime' in proposal");
			advance(ps);
			if (take_lifetime(ps, &pr->lifetime, false))
				return -1;
			have_life = true;
		} else if (word_is(ps, "pfs")) {
			struct xfp_tok t;

			if (have_pfs)
				return err_at(ps, &ps->cur,
					      "duplicate 'pfs' in proposal");
			advance(ps);
			if (take_word(ps, "a DH group", &t, false))
				return -1;
			pr->pfs = xfp_dh_lookup(t.s);
			if (pr->pfs < 0)
				return err_at(
					ps, &t,
					"unknown DH group '%.80s'; expected "
					"none, modp768, modp1024, "
					"modp2048, ecp256 or ecp384",
					t.s);
			have_pfs = true;
		} else {
			break;
		}
	}
	if (pr->ah_alg == XFP_ALG_NONE && pr->esp_alg == XFP_ALG_NONE)
		return err_at(ps, kw,
			      "proposal has no transform; expected 'esp ALG', "
			      "'ah ALG' or both");
	if (!have_life) {
		/* WFP refuses a zero lifetime; use the sample's values. */
		pr->lifetime.has = XFP_LIFE_HAS_SECONDS |
				   XFP_LIFE_HAS_KILOBYTES;
		pr->lifetime.seconds = 3600;
		pr->lifetime.kilobytes = 100000;
	}
	return 0;
}

static int name_taken(struct parser *ps, const struct xfp_tok *nt,
		      const char *name)
{
	if (xfp_policy_find_qm(ps->p, name) >= 0)
		return err_at(ps, nt,
			      "duplicate name '%s': a qm-policy of "
			      "that name exists",
			      name);
	if (xfp_policy_find_mm(ps->p, name) >= 0)
		return err_at(ps, nt,
			      "duplicate name '%s': an mm-policy of "
			      "that name exists",
			      name);
	return 0;
}

static int cmd_qm_add(struct parser *ps)
{
	struct xfp_qm_policy q, *v;
	struct xfp_tok nt, mt, ft = { 0 }, et = { 0 }, tt = { 0 };
	bool have_flags = false, have_le = false, have_re = false;

	memset(&q, 0, sizeof(q));
	if (take_name(ps, "qm-policy", q.name, &nt))
		return -1;
	q.line = nt.line;
	q.col = nt.col;
	if (take_word(ps, "'transport' or 'tunnel'", &mt, false))
		return -1;
	if (!strcmp(mt.s, "tunnel"))
		q.tunnel = true;
	else if (strcmp(mt.s, "transport"))
		return err_at(ps, &mt,
			      "unknown qm-policy mode '%.80s'; expected "
			      "transport or tunnel",
			      mt.s);
	while (!at_end(ps)) {
		struct xfp_tok kw = ps->cur;

		if (!is_word(ps))
			return expected(ps, "a qm-policy keyword");
		advance(ps);
		if (!strcmp(kw.s, "proposal")) {
			if (q.n_proposals >= XFP_PROPOSALS_MAX)
				return err_at(ps, &kw,
					      "too many proposals: at most %d",
					      XFP_PROPOSALS_MAX);
			if (take_proposal(ps, &q.proposals[q.n_proposals], &kw))
				return -1;
			q.n_proposals++;
		} else if (!strcmp(kw.s, "flags")) {
			if (have_flags)
				return err_at(ps, &kw,
					      "duplicate keyword 'flags'");
			ft = kw;
			if (take_flags(ps, qm_flags, "qm-policy flag",
				       &q.flags))
				return -1;
			have_flags = true;
		} else if (!strcmp(kw.s, "nd-allow-clear-timeout")) {
			if (q.has & XFP_QM_HAS_ND_TIMEOUT)
				return err_at(ps, &kw,
					      "duplicate keyword "
					      "'nd-allow-clear-timeout'");
			tt = kw;
			if (take_duration(ps, "timeout",
					  &q.nd_allow_clear_timeout))
				return -1;
			q.has |= XFP_QM_HAS_ND_TIMEOUT;
		} else if (!strcmp(kw.s, "idle-timeout")) {
			if (q.has & XFP_QM_HAS_IDLE)
				return err_at(
					ps, &kw,
					"duplicate keyword 'idle-timeout'");
			if (take_duration(ps, "idle timeout", &q.idle_timeout))
				return -1;
			q.has |= XFP_QM_HAS_IDLE;
			if (word_is(ps, "failover")) {
				advance(ps);
				if (take_duration(ps, "failover idle timeout",
						  &q.idle_timeout_failover))
					return -1;
				q.has |= XFP_QM_HAS_IDLE_FAILOVER;
			}
		} else if (!strcmp(kw.s, "local-endpoint") ||
			   !strcmp(kw.s, "remote-endpoint")) {
			bool local = kw.s[0] == 'l';
			struct xfp_tok at;
			int fam;

			if (local ? have_le : have_re)
				return err_at(ps, &kw, "duplicate keyword '%s'",
					      kw.s);
			if (!q.tunnel)
				return err_at(ps, &kw,
					      "'%s' is only valid in a tunnel "
					      "qm-policy",
					      kw.s);
			if (take_word(ps, "an address", &at, false))
				return -1;
			fam = addr_one(ps, &at, at.s,
				       local ? &q.local_endpoint :
					       &q.remote_endpoint);
			if (fam <= 0)
				return -1;
			if (q.endpoint_family && q.endpoint_family != fam)
				return err_at(ps, &at,
					      "tunnel endpoints mix IPv4 and "
					      "IPv6; expected one family");
			q.endpoint_family = (uint8_t)fam;
			if (local)
				have_le = true;
			else
				have_re = true;
			et = kw;
		} else {
			return err_at(ps, &kw,
				      "unknown keyword '%.80s' in qm-policy; "
				      "expected proposal, flags, "
				      "nd-allow-clear-timeout, idle-timeout, "
				      "local-endpoint or remote-endpoint",
				      kw.s);
		}
	}
	if (!q.n_proposals)
		return err_at(ps, &nt,
			      "qm-policy '%s' has no proposal; expected at "
			      "least one 'proposal esp ALG' or 'proposal ah "
			      "ALG'",
			      q.name);
	if ((q.flags & XFP_QM_ND_SECURE) && (q.flags & XFP_QM_ND_BOUNDARY))
		return err_at(ps, &ft,
			      "flags nd-secure and nd-boundary exclude each "
			      "other");
	if (q.tunnel && (q.flags & (XFP_QM_ND_SECURE | XFP_QM_ND_BOUNDARY)))
		return err_at(ps, &ft,
			      "negotiation discovery flags are only valid in "
			      "a transport qm-policy");
	if (!q.tunnel && (q.flags & XFP_QM_CLEAR_DF_ON_TUNNEL))
		return err_at(ps, &ft,
			      "flag clear-df is only valid in a tunnel "
			      "qm-policy");
	if (q.tunnel && (q.has & XFP_QM_HAS_ND_TIMEOUT))
		return err_at(ps, &tt,
			      "'nd-allow-clear-timeout' is only valid in a "
			      "transport qm-policy");
	if (q.tunnel && (!have_le || !have_re))
		return err_at(
			ps, have_le || have_re ? &et : &nt,
			"tunnel qm-policy '%s' needs both "
			"'local-endpoint ADDR' and 'remote-endpoint ADDR'",
			q.name);
	if (q.tunnel)
		q.has |= XFP_QM_HAS_ENDPOINTS;
	if (name_taken(ps, &nt, q.name))
		return -1;
	if (ps->p->n_qm >= MAX_OBJECTS)
		return err_at(ps, &nt, "too many qm-policies");
	v = xfp_grow(ps->p->qm, ps->p->n_qm, sizeof(*v));
	if (!v)
		return err_at(ps, &nt, "out of memory");
	ps->p->qm = v;
	v[ps->p->n_qm++] = q;
	ps->p->finalized = false;
	return 0;
}

/* ---- mm-policy ---------------------------------------------------------- */

static const char *const mm_auth_names[] = {
#define XFP__AU(name, num, str) [num] = str,
	XFP_MM_AUTHS(XFP__AU)
#undef XFP__AU
};

static int auth_cb(struct parser *ps, const struct xfp_tok *t, void *arg)
{
	struct xfp_mm_policy *m = arg;

	for (unsigned i = 0; i < XFP_MM_AUTH__MAX; i++) {
		if (strcmp(mm_auth_names[i], t->s))
			continue;
		for (unsigned j = 0; j < m->n_auth; j++)
			if (m->auth[j] == i)
				return err_at(ps, t,
					      "duplicate authentication method "
					      "'%s'",
					      t->s);
		m->auth[m->n_auth++] = (uint8_t)i;
		return 0;
	}
	return err_at(ps, t,
		      "unknown authentication method '%.80s'; expected psk, "
		      "cert, kerberos or anonymous",
		      t->s);
}

static int cmd_mm_add(struct parser *ps)
{
	struct xfp_mm_policy m, *v;
	struct xfp_tok nt, at = { 0 };
	bool have_keying = false, have_life = false;

	memset(&m, 0, sizeof(m));
	if (take_name(ps, "mm-policy", m.name, &nt))
		return -1;
	m.line = nt.line;
	m.col = nt.col;
	while (!at_end(ps)) {
		struct xfp_tok kw = ps->cur;

		if (!is_word(ps))
			return expected(ps, "an mm-policy keyword");
		advance(ps);
		if (!strcmp(kw.s, "keying")) {
			struct xfp_tok t;

			if (have_keying)
				return err_at(ps, &kw,
					      "duplicate keyword 'keying'");
			if (take_word(ps, "a keying module", &t, false))
				return -1;
			if (!strcmp(t.s, "ike"))
				m.keying = XFP_KEYING_IKE;
			else if (!strcmp(t.s, "authip"))
				m.keying = XFP_KEYING_AUTHIP;
			else if (!strcmp(t.s, "ikev2"))
				m.keying = XFP_KEYING_IKEV2;
			else
				return err_at(ps, &t,
					      "unknown keying module '%.80s'; "
					      "expected ike, authip or ikev2",
					      t.s);
			have_keying = true;
		} else if (!strcmp(kw.s, "auth")) {
			if (m.n_auth)
				return err_at(ps, &kw,
					      "duplicate keyword 'auth'");
			at = kw;
			if (take_list(ps, "an authentication method", false,
				      auth_cb, &m))
				return -1;
		} else if (!strcmp(kw.s, "proposal")) {
			struct xfp_tok t;
			char buf[XFP_TOK_MAX], *c, *i, *d;
			struct xfp_mm_proposal *pr;

			if (m.n_proposals >= XFP_PROPOSALS_MAX)
				return err_at(ps, &kw,
					      "too many proposals: at most %d",
					      XFP_PROPOSALS_MAX);
			if (take_word(ps, "a proposal CIPHER-INTEGRITY-DHGROUP",
				      &t, false))
				return -1;
			snprintf(buf, sizeof(buf), "%s", t.s);
			c = buf;
			i = strchr(c, '-');
			d = i ? strchr(i + 1, '-') : NULL;
			if (!i || !d || strchr(d + 1, '-'))
				return err_at(
					ps, &t,
					"bad main-mode proposal '%.80s': "
					"expected CIPHER-INTEGRITY-DHGROUP "
					"such as aes128-sha256-modp2048",
					t.s);
			*i++ = '\0';
			*d++ = '\0';
			pr = &m.proposals[m.n_proposals];
			pr->cipher = xfp_mm_cipher_lookup(c);
			pr->integrity = xfp_mm_integrity_lookup(i);
			pr->dh = xfp_dh_lookup(d);
			if (pr->cipher < 0)
				return err_at(
					ps, &t,
					"unknown cipher '%s' in '%.80s'; "
					"expected aes128, aes192, aes256, "
					"aes128gcm16, aes256gcm16 or 3des",
					c, t.s);
			if (pr->integrity < 0)
				return err_at(ps, &t,
					      "unknown integrity '%s' in "
					      "'%.80s'; expected sha1, sha256, "
					      "sha384 or md5",
					      i, t.s);
			if (pr->dh < 0)
				return err_at(
					ps, &t,
					"unknown DH group '%s' in '%.80s'; "
					"expected none, modp768, "
					"modp1024, modp2048, ecp256 or "
					"ecp384",
					d, t.s);
			m.n_proposals++;
		} else if (!strcmp(kw.s, "lifetime")) {
			if (have_life)
				return err_at(ps, &kw,
					      "duplicate keyword 'lifetime'");
			if (take_duration(ps, "lifetime", &m.lifetime_seconds))
				return -1;
			have_life = true;
		} else {
			return err_at(ps, &kw,
				      "unknown keyword '%.80s' in mm-policy; "
				      "expected keying, auth, proposal or "
				      "lifetime",
				      kw.s);
		}
	}
	if (!m.n_auth)
		return err_at(ps, &nt,
			      "mm-policy '%s' has no authentication method; "
			      "expected 'auth METHOD[,METHOD...]'",
			      m.name);
	if (!m.n_proposals)
		return err_at(ps, &nt,
			      "mm-policy '%s' has no proposal; expected "
			      "'proposal CIPHER-INTEGRITY-DHGROUP'",
			      m.name);
	for (unsigned j = 0; j < m.n_auth; j++)
		if (m.keying == XFP_KEYING_AUTHIP &&
		    m.auth[j] == XFP_MM_AUTH_PSK)
			return err_at(ps, &at,
				      "authentication method 'psk' is not "
				      "available with keying authip");
	if (name_taken(ps, &nt, m.name))
		return -1;
	if (ps->p->n_mm >= MAX_OBJECTS)
		return err_at(ps, &nt, "too many mm-policies");
	v = xfp_grow(ps->p->mm, ps->p->n_mm, sizeof(*v));
	if (!v)
		return err_at(ps, &nt, "out of memory");
	ps->p->mm = v;
	v[ps->p->n_mm++] = m;
	ps->p->finalized = false;
	return 0;
}

/* ---- filter ------------------------------------------------------------- */

struct cond_arg {
	struct xfp_filter *f;
	enum xfp_field field;
	bool neg;
	struct xfp_tok v4, v6; /* first value of each family, for errors */
};

static int cond_push(struct parser *ps, const struct xfp_tok *t,
		     struct xfp_filter *f, enum xfp_field field,
		     const struct xfp_cond_val *val)
{
	struct xfp_cond *c = &f->conds[field];
	struct xfp_cond_val *nv;

	if (c->n >= MAX_VALUES)
		return err_at(ps, t, "too many values for %s: at most %d",
			      xfp_field_name(field), MAX_VALUES);
	nv = xfp_grow(c->v, c->n, sizeof(*nv));
	if (!nv)
		return err_at(ps, t, "out of memory");
	c->v = nv;
	nv[c->n++] = *val;
	f->cond_mask |= 1u << field;
	return 0;
}

static int cond_cb(struct parser *ps, const struct xfp_tok *t, void *arg)
{
	struct cond_arg *ca = arg;
	struct xfp_cond_val v;
	int r;

	memset(&v, 0, sizeof(v));
	switch (ca->field) {
	case XFP_FIELD_LOCAL_ADDR:
	case XFP_FIELD_REMOTE_ADDR:
		r = addr_value(ps, t, &v);
		if (!r && v.family == 4 && ca->v4.t == XFP_T_EOF)
			tok_copy(&ca->v4, t);
		if (!r && v.family == 6 && ca->v6.t == XFP_T_EOF)
			tok_copy(&ca->v6, t);
		break;
	case XFP_FIELD_INTERFACE:
		r = iface_value(ps, t, &v);
		break;
	case XFP_FIELD_REMOTE_MACHINE_ID:
	case XFP_FIELD_REMOTE_USER_ID:
		r = principal_value(ps, t, &v);
		break;
	default:
		r = num_value(ps, t, ca->field, &v);
		break;
	}
	if (r)
		return -1;
	if (ca->neg) {
		if (v.match != XFP_MATCH_EQUAL)
			return err_at(ps, t,
				      "'!=' takes a single value, not a range "
				      "or prefix: '%.80s'",
				      t->s);
		v.match = XFP_MATCH_NOT_EQUAL;
	}
	return cond_push(ps, t, ca->f, ca->field, &v);
}

static int take_ipsec_flags(struct parser *ps, const struct xfp_tok *kw,
			    struct xfp_filter *f)
{
	struct xfp_cond_val v;
	uint32_t mask = 0;

	memset(&v, 0, sizeof(v));
	v.match = XFP_MATCH_FLAGS_ALL_SET;
	if (word_is(ps, "all-set") || word_is(ps, "any-set") ||
	    word_is(ps, "none-set")) {
		v.match = ps->cur.s[1] == 'l' ? XFP_MATCH_FLAGS_ALL_SET :
			  ps->cur.s[1] == 'n' ? XFP_MATCH_FLAGS_ANY_SET :
						XFP_MATCH_FLAGS_NONE_SET;
		advance(ps);
	}
	if (take_flags(ps, ipsec_flag_names, "IPsec flag", &mask))
		return -1;
	v.lo = v.hi = mask;
	return cond_push(ps, kw, f, XFP_FIELD_IPSEC_FLAGS, &v);
}

/* ---- identity access lists ---------------------------------------------- */

/* One ACE: ref is "*", "group:NAME" or a principal name. */
static int ace_push(struct parser *ps, struct xfp_filter *f,
		    enum xfp_field field, uint8_t ace,
		    const struct xfp_tok *ref)
{
	struct xfp_cond_val v;

	memset(&v, 0, sizeof(v));
	v.match = XFP_MATCH_EQUAL;
	v.ace = ace;
	if (ref->t == XFP_T_WORD && !strcmp(ref->s, "*")) {
		v.idref = XFP_IDREF_ANY;
	} else if (ref->t == XFP_T_WORD && !strncmp(ref->s, "group:", 6)) {
		int g = xfp_policy_find_group(ps->p, ref->s + 6);

		if (g < 0)
			return err_at(ps, ref,
				      "undefined group '%.80s'; define it "
				      "first with 'group add %.80s { ... }'",
				      ref->s + 6, ref->s + 6);
		v.idref = XFP_IDREF_GROUP;
		v.lo = v.hi = (uint64_t)g;
	} else {
		if (principal_value(ps, ref, &v))
			return -1;
		v.idref = XFP_IDREF_PRINCIPAL;
	}
	return cond_push(ps, ref, f, field, &v);
}

/*
 * IDCOND := FIELD ACE | FIELD { ACE [, ACE]... } | FIELD != REF
 * ACE    := [ allow | deny ] REF        REF := PRINCIPAL | group:NAME | *
 */
static int take_acl(struct parser *ps, struct xfp_filter *f,
		    enum xfp_field field)
{
	bool brace = false;
	struct xfp_tok ref;

	if (ps->cur.t == XFP_T_NE) {
		struct xfp_tok any;

		advance(ps);
		if (take_word(ps, "a principal or group:NAME", &ref, true))
			return -1;
		if (ref.t == XFP_T_WORD && !strcmp(ref.s, "*"))
			return err_at(ps, &ref,
				      "'!= *' matches no identity; expected a "
				      "principal or group:NAME");
		if (ace_push(ps, f, field, XFP_ACE_DENY, &ref))
			return -1;
		any = ref;
		any.t = XFP_T_WORD;
		strcpy(any.s, "*");
		any.n = 1;
		return ace_push(ps, f, field, XFP_ACE_ALLOW, &any);
	}
	if (ps->cur.t == XFP_T_LBRACE) {
		brace = true;
		advance(ps);
	}
	for (;;) {
		uint8_t ace = XFP_ACE_ALLOW;

		if (word_is(ps, "allow") || word_is(ps, "deny")) {
			ace = ps->cur.s[0] == 'd' ? XFP_ACE_DENY :
						    XFP_ACE_ALLOW;
			advance(ps);
		}
		if (take_word(ps, "a principal, group:NAME or '*'", &ref, true))
			return -1;
		if (ace_push(ps, f, field, ace, &ref))
			return -1;
		if (ps->cur.t == XFP_T_COMMA) {
			advance(ps);
			if (brace && ps->cur.t == XFP_T_RBRACE)
				break; /* trailing comma */
			continue;
		}
		break;
	}
	if (brace) {
		if (ps->cur.t != XFP_T_RBRACE)
			return expected(ps, "',' or '}'");
		advance(ps);
	}
	return 0;
}

/*
 * One condition after its keyword kw (field): values into f; the first
 * IPv4 / IPv6 address token seen is kept in *v4 / *v6 (t == EOF: none).
 */
static int take_condition(struct parser *ps, const struct xfp_tok *kw,
			  struct xfp_filter *f, enum xfp_field field,
			  struct xfp_tok *v4, struct xfp_tok *v6)
{
	struct cond_arg ca;

	if (field == XFP_FIELD_IPSEC_FLAGS)
		return take_ipsec_flags(ps, kw, f);
	if (field == XFP_FIELD_REMOTE_MACHINE_ID ||
	    field == XFP_FIELD_REMOTE_USER_ID)
		return take_acl(ps, f, field);
	/* Not memset: the two tokens are 4 KiB each and are read only once
	 * a value has been copied in (t != EOF). */
	ca.f = f;
	ca.field = field;
	ca.neg = false;
	ca.v4.t = ca.v6.t = XFP_T_EOF;
	if (ps->cur.t == XFP_T_NE) {
		struct xfp_tok vt;

		ca.neg = true;
		advance(ps);
		if (take_word(ps, "a value", &vt, false))
			return -1;
		if (cond_cb(ps, &vt, &ca))
			return -1;
	} else if (take_list(ps, "a value", false, cond_cb, &ca)) {
		return -1;
	}
	if (v4->t == XFP_T_EOF && ca.v4.t != XFP_T_EOF)
		tok_copy(v4, &ca.v4);
	if (v6->t == XFP_T_EOF && ca.v6.t != XFP_T_EOF)
		tok_copy(v6, &ca.v6);
	return 0;
}

static uint32_t layer_actions(enum xfp_layer l)
{
#define A(x) (1u << XFP_ACTION_##x)
	switch (l) {
	case XFP_LAYER_INBOUND_TRANSPORT:
		return A(PERMIT) | A(BLOCK) | A(INBOUND_TRANSPORT) |
		       A(INBOUND_TUNNEL);
	case XFP_LAYER_OUTBOUND_TRANSPORT:
		return A(PERMIT) | A(BLOCK) | A(OUTBOUND_TRANSPORT) |
		       A(OUTBOUND_TUNNEL);
	case XFP_LAYER_ALE_AUTH_RECV_ACCEPT:
		return A(PERMIT) | A(BLOCK) | A(INBOUND_INITIATE_SECURE) |
		       A(INBOUND_TUNNEL_ALE_ACCEPT);
	case XFP_LAYER_ALE_AUTH_CONNECT:
		return A(PERMIT) | A(BLOCK) | A(ALE_CONNECT);
	case XFP_LAYER_IPSEC:
	case XFP_LAYER_IKEEXT:
		return A(PERMIT);
	default:
		return 0;
	}
}

/* Which actions take each context flag. */
static uint32_t ctx_flag_actions(uint32_t bit)
{
	switch (bit) {
	case XFP_CTX_NEGOTIATE_DISCOVER:
		return A(OUTBOUND_TRANSPORT);
	case XFP_CTX_PERSIST_CONN_SECURITY:
		return A(INBOUND_TRANSPORT) | A(INBOUND_INITIATE_SECURE);
	case XFP_CTX_REQUIRE_ENCRYPTION:
		return A(INBOUND_INITIATE_SECURE) | A(ALE_CONNECT);
	default:
		return 0;
	}
#undef A
}

static void names_of(uint32_t mask, const char *(*name)(unsigned), char *buf,
		     size_t len)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < 32; i++) {
		if (!(mask & (1u << i)) || !name(i))
			continue;
		if (buf[0])
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, name(i), len - strlen(buf) - 1);
	}
}
static const char *action_name_u(unsigned i)
{
	return xfp_action_name((enum xfp_action)i);
}
static const char *field_name_u(unsigned i)
{
	return xfp_field_name((enum xfp_field)i);
}

static int cmd_filter_add(struct parser *ps)
{
	struct xfp_filter f;
	struct xfp_tok nt, kw;
	struct xfp_tok at, ct, pt;
	struct xfp_tok condt[XFP_FIELD__MAX];
	struct xfp_tok v4, v6;
	bool have_layer = false, have_action = false, have_ctx = false,
	     have_flags = false;
	char pol[XFP_NAME_MAX] = "";
	char buf[512];
	int r = -1;

	memset(&f, 0, sizeof(f));
	/* Tokens are 4 KiB: only their header and an empty text are
	 * cleared (what a zero-initialized token reads as). */
	tok_clear(&at);
	tok_clear(&ct);
	tok_clear(&pt);
	tok_clear(&v4);
	tok_clear(&v6);
	/* condt[i] is set when field i first appears (see cond_mask) */
	v4.t = v6.t = XFP_T_EOF;
	f.sublayer = 0;
	f.ctx = -1;
	f.sa = -1;
	if (take_name(ps, "filter", f.name, &nt))
		return -1;
	f.line = nt.line;
	f.col = nt.col;
	if (!strncmp(f.name, "ike-exempt-", 11)) {
		err_at(ps, &nt,
		       "filter names starting with 'ike-exempt-' are reserved "
		       "for the automatic IKE exemptions");
		goto out;
	}
	while (!at_end(ps)) {
		int field;

		tok_copy(&kw, &ps->cur);
		if (!is_word(ps)) {
			expected(ps, "a filter keyword");
			goto out;
		}
		advance(ps);
		field = xfp_field_from_name(kw.s);
		if (field >= 0) {
			if (!(f.cond_mask & (1u << field)))
				tok_copy(&condt[field], &kw);
			if (take_condition(ps, &kw, &f, (enum xfp_field)field,
					   &v4, &v6))
				goto out;
		} else if (!strcmp(kw.s, "layer")) {
			struct xfp_tok t;
			int l;

			if (have_layer) {
				err_at(ps, &kw, "duplicate keyword 'layer'");
				goto out;
			}
			if (take_word(ps, "a layer", &t, false))
				goto out;
			l = xfp_layer_from_name(t.s);
			if (l < 0) {
				err_at(ps, &t,
				       "unknown layer '%.80s'; expected "
				       "inbound-transport, outbound-transport, "
				       "ale-auth-recv-accept, ale-auth-connect, "
				       "ipsec or ikeext",
				       t.s);
				goto out;
			}
			f.layer = (enum xfp_layer)l;
			have_layer = true;
		} else if (!strcmp(kw.s, "family")) {
			struct xfp_tok t;

			if (f.has & XFP_FILTER_HAS_FAMILY) {
				err_at(ps, &kw, "duplicate keyword 'family'");
				goto out;
			}
			if (take_word(ps, "a family", &t, false))
				goto out;
			if (!strcmp(t.s, "inet"))
				f.family = XFP_FAMILY_INET;
			else if (!strcmp(t.s, "ip"))
				f.family = XFP_FAMILY_IP;
			else if (!strcmp(t.s, "ip6"))
				f.family = XFP_FAMILY_IP6;
			else {
				err_at(ps, &t,
				       "unknown family '%.80s'; expected ip, ip6 "
				       "or inet",
				       t.s);
				goto out;
			}
			f.has |= XFP_FILTER_HAS_FAMILY;
		} else if (!strcmp(kw.s, "sublayer")) {
			char sn[XFP_NAME_MAX];
			struct xfp_tok t;

			if (f.sublayer) {
				err_at(ps, &kw, "duplicate keyword 'sublayer'");
				goto out;
			}
			if (take_name(ps, "sublayer", sn, &t))
				goto out;
			f.sublayer = xfp_policy_find_sublayer(ps->p, sn);
			if (f.sublayer < 0) {
				err_at(ps, &t,
				       "undefined sublayer '%s'; define it "
				       "first with 'sublayer add %s weight N'",
				       sn, sn);
				goto out;
			}
		} else if (!strcmp(kw.s, "weight")) {
			if (f.has & (XFP_FILTER_HAS_WEIGHT |
				     XFP_FILTER_HAS_WEIGHT_RANGE)) {
				err_at(ps, &kw,
				       "duplicate weight: 'weight' and "
				       "'weight-range' are given once, not both");
				goto out;
			}
			if (take_num(ps, "weight", 0, UINT64_MAX, &f.weight))
				goto out;
			f.has |= XFP_FILTER_HAS_WEIGHT;
		} else if (!strcmp(kw.s, "weight-range")) {
			uint64_t w;

			if (f.has & (XFP_FILTER_HAS_WEIGHT |
				     XFP_FILTER_HAS_WEIGHT_RANGE)) {
				err_at(ps, &kw,
				       "duplicate weight: 'weight' and "
				       "'weight-range' are given once, not both");
				goto out;
			}
			if (word_is(ps, "ike-exemptions")) {
				w = XFP_WEIGHT_RANGE_IKE_EXEMPTIONS;
				advance(ps);
			} else if (word_is(ps, "ipsec")) {
				w = XFP_WEIGHT_RANGE_IPSEC;
				advance(ps);
			} else if (take_num(ps, "weight range", 0,
					    XFP_WEIGHT_RANGE_MAX, &w)) {
				goto out;
			}
			f.weight_range = (uint8_t)w;
			f.has |= XFP_FILTER_HAS_WEIGHT_RANGE;
		} else if (!strcmp(kw.s, "action")) {
			struct xfp_tok t;
			int a;

			if (have_action) {
				err_at(ps, &kw, "duplicate keyword 'action'");
				goto out;
			}
			if (take_word(ps, "an action", &t, false))
				goto out;
			a = xfp_action_from_name(t.s);
			if (a < 0) {
				names_of((1u << XFP_ACTION__MAX) - 1,
					 action_name_u, buf, sizeof(buf));
				err_at(ps, &t,
				       "unknown action '%.80s'; expected one of: "
				       "%s",
				       t.s, buf);
				goto out;
			}
			f.action = (enum xfp_action)a;
			tok_copy(&at, &t);
			have_action = true;
		} else if (!strcmp(kw.s, "context")) {
			if (have_ctx) {
				err_at(ps, &kw, "duplicate keyword 'context'");
				goto out;
			}
			tok_copy(&ct, &kw);
			if (take_flags(ps, ctx_flag_names, "context flag",
				       &f.ctx_flags))
				goto out;
			have_ctx = true;
		} else if (!strcmp(kw.s, "flags")) {
			if (have_flags) {
				err_at(ps, &kw, "duplicate keyword 'flags'");
				goto out;
			}
			if (take_flags(ps, filter_flag_names, "filter flag",
				       &f.flags))
				goto out;
			have_flags = true;
		} else if (!strcmp(kw.s, "policy")) {
			struct xfp_tok t;

			if (f.has & XFP_FILTER_HAS_POLICY) {
				err_at(ps, &kw, "duplicate keyword 'policy'");
				goto out;
			}
			if (take_name(ps, "policy", pol, &t))
				goto out;
			f.ctx = xfp_policy_find_qm(ps->p, pol);
			f.ctx_kind = XFP_CTX_QM;
			if (f.ctx < 0) {
				f.ctx = xfp_policy_find_mm(ps->p, pol);
				f.ctx_kind = XFP_CTX_MM;
			}
			if (f.ctx < 0) {
				err_at(ps, &t,
				       "undefined policy '%s'; define it first "
				       "with 'qm-policy add' or 'mm-policy add'",
				       pol);
				goto out;
			}
			tok_copy(&pt, &t);
			f.has |= XFP_FILTER_HAS_POLICY;
		} else {
			err_at(ps, &kw,
			       "unknown keyword '%.80s' in filter; expected "
			       "layer, family, sublayer, weight, weight-range, "
			       "action, context, flags, policy or a condition "
			       "(local-addr, remote-addr, local-port, "
			       "remote-port, protocol, icmp-type, icmp-code, "
			       "local-addr-type, interface, ipsec-flags, "
			       "remote-machine-id, remote-user-id)",
			       kw.s);
			goto out;
		}
	}

	/* Whole-statement checks. */
	if (!have_layer) {
		err_at(ps, &nt, "filter '%s' needs 'layer LAYER'", f.name);
		goto out;
	}
	if (!have_action) {
		err_at(ps, &nt, "filter '%s' needs 'action ACTION'", f.name);
		goto out;
	}
	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		uint32_t allowed = xfp_layer_allowed_fields(f.layer);

		if ((f.cond_mask & (1u << i)) && !(allowed & (1u << i))) {
			names_of(allowed, field_name_u, buf, sizeof(buf));
			err_at(ps, &condt[i],
			       "condition '%s' is not allowed at layer %s; "
			       "allowed: %s",
			       xfp_field_name((enum xfp_field)i),
			       xfp_layer_name(f.layer), buf);
			goto out;
		}
	}
	if (!(layer_actions(f.layer) & (1u << f.action))) {
		names_of(layer_actions(f.layer), action_name_u, buf,
			 sizeof(buf));
		err_at(ps, &at,
		       "action '%s' is not valid at layer %s; expected %s",
		       xfp_action_name(f.action), xfp_layer_name(f.layer), buf);
		goto out;
	}
	for (const struct flag_name *cf = ctx_flag_names; cf->name; cf++) {
		uint32_t ok = ctx_flag_actions(cf->bit);

		if (!(f.ctx_flags & cf->bit) || (ok & (1u << f.action)))
			continue;
		names_of(ok, action_name_u, buf, sizeof(buf));
		err_at(ps, &ct,
		       "context flag '%s' is not valid with action %s; it "
		       "needs action %s",
		       cf->name, xfp_action_name(f.action), buf);
		goto out;
	}
	{
		bool tunnel = f.action == XFP_ACTION_INBOUND_TUNNEL ||
			      f.action == XFP_ACTION_OUTBOUND_TUNNEL;
		bool need = tunnel || f.layer == XFP_LAYER_IPSEC ||
			    f.layer == XFP_LAYER_IKEEXT;

		if ((f.has & XFP_FILTER_HAS_POLICY) && !need) {
			err_at(ps, &pt,
			       "'policy' is only valid at layers ipsec and "
			       "ikeext and with the tunnel callouts");
			goto out;
		}
		if (need && !(f.has & XFP_FILTER_HAS_POLICY)) {
			err_at(ps, &nt, "filter '%s' needs 'policy NAME' (%s)",
			       f.name,
			       f.layer == XFP_LAYER_IKEEXT ? "an mm-policy" :
			       tunnel ? "a tunnel qm-policy" :
					"a qm-policy");
			goto out;
		}
		if (need && f.layer == XFP_LAYER_IKEEXT &&
		    f.ctx_kind != XFP_CTX_MM) {
			err_at(ps, &pt,
			       "policy '%s' is a qm-policy; layer ikeext "
			       "expects an mm-policy",
			       pol);
			goto out;
		}
		if (need && f.layer != XFP_LAYER_IKEEXT &&
		    f.ctx_kind != XFP_CTX_QM) {
			err_at(ps, &pt,
			       "policy '%s' is an mm-policy; expected a "
			       "qm-policy here",
			       pol);
			goto out;
		}
		if (tunnel && !ps->p->qm[f.ctx].tunnel) {
			err_at(ps, &pt,
			       "policy '%s' is a transport qm-policy; action "
			       "%s expects a tunnel qm-policy",
			       pol, xfp_action_name(f.action));
			goto out;
		}
	}
	/* Family: written, or inferred from the address values. */
	if (f.has & XFP_FILTER_HAS_FAMILY) {
		if (f.family == XFP_FAMILY_IP && v6.t != XFP_T_EOF) {
			err_at(ps, &v6,
			       "IPv6 address '%.80s' in a filter of family ip",
			       v6.s);
			goto out;
		}
		if (f.family == XFP_FAMILY_IP6 && v4.t != XFP_T_EOF) {
			err_at(ps, &v4,
			       "IPv4 address '%.80s' in a filter of family ip6",
			       v4.s);
			goto out;
		}
	} else if (v4.t != XFP_T_EOF && v6.t == XFP_T_EOF) {
		f.family = XFP_FAMILY_IP;
	} else if (v6.t != XFP_T_EOF && v4.t == XFP_T_EOF) {
		f.family = XFP_FAMILY_IP6;
	}
	if (xfp_policy_find_filter(ps->p, f.name) >= 0) {
		err_at(ps, &nt, "duplicate filter name '%s'", f.name);
		goto out;
	}
	if (ps->p->n_filters >= MAX_FILTERS) {
		err_at(ps, &nt, "too many filters: at most %d", MAX_FILTERS);
		goto out;
	}
	{
		struct xfp_filter *nf = xfp_filter_slot(ps->p);

		if (!nf) {
			err_at(ps, &nt, "out of memory");
			goto out;
		}
		ps->p->filters = nf;
		f.id = ps->p->next_filter_id++;
		nf[ps->p->n_filters++] = f;
		xfp_index_add(ps->p, ps->p->n_filters - 1);
		ps->p->finalized = false;
		return 0;
	}
out:
	xfp_filter_release(&f);
	return r;
}

static int cmd_filter_delete(struct parser *ps)
{
	char name[XFP_NAME_MAX];
	struct xfp_tok nt;
	struct xfp_policy *p = ps->p;
	int i;

	if (take_name(ps, "filter", name, &nt))
		return -1;
	i = xfp_policy_find_filter(p, name);
	if (i < 0 || (p->filters[i].has & XFP_FILTER_AUTO_EXEMPTION))
		return err_at(ps, &nt, "undefined filter '%s'", name);
	if ((p->filters[i].has & XFP_FILTER_FROM_TUNNEL) &&
	    (unsigned)p->filters[i].tunnel < p->n_tunnels)
		return err_at(ps, &nt,
			      "filter '%s' belongs to tunnel '%s'; delete the "
			      "tunnel with 'tunnel delete %s'",
			      name, p->tunnels[p->filters[i].tunnel].name,
			      p->tunnels[p->filters[i].tunnel].name);
	for (unsigned s = 0; s < p->n_sas; s++)
		if (p->sas[s].filter_id == p->filters[i].id ||
		    ((p->sas[s].has & XFP_SA_HAS_INBOUND_FILTER) &&
		     p->sas[s].inbound_filter_id == p->filters[i].id))
			return err_at(ps, &nt,
				      "filter '%s' is used by sa '%s'; delete "
				      "the sa first",
				      name, p->sas[s].name);
	xfp_filter_release(&p->filters[i]);
	memmove(&p->filters[i], &p->filters[i + 1],
		(p->n_filters - (unsigned)i - 1) * sizeof(p->filters[0]));
	p->n_filters--;
	xfp_index_rebuild(p);
	p->finalized = false;
	return 0;
}

/* ---- sa ----------------------------------------------------------------- */

/* Reads "inbound HEX" / "outbound HEX" lines; never echoes key bytes. */
static int read_key_file(struct parser *ps, const struct xfp_tok *t,
			 struct xfp_sa *sa, const char *path)
{
	const struct xfp_alg_info *ai = xfp_alg_info(sa->alg);
	/* Lines and stdio's buffer live in key pages (keymem.c). */
	const size_t cap = 1024, iocap = 4096;
	char *buf = NULL, *iobuf = NULL;
	struct stat st;
	unsigned line = 0;
	bool got_in = false, got_out = false;
	FILE *fp;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return err_at(
			ps, t,
			"cannot open key file '%s': %s; expected a file "
			"with the lines 'inbound HEX' and 'outbound HEX', "
			"mode 0600",
			path, strerror(errno));
	if (fd < 0)
		return err_at(ps, t, "cannot open key file '%s': %s", path,
			      strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_at(ps, t, "key file '%s' is not a regular file",
			      path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return err_at(ps, t,
			      "key file '%s' has mode %04o: group and others "
			      "must have no access; run 'chmod 600 %s'",
			      path, (unsigned)(st.st_mode & 07777), path);
	}
	buf = xfp_key_alloc(cap);
	iobuf = xfp_key_alloc(iocap);
	fp = buf && iobuf ? fdopen(fd, "r") : NULL;
	if (!fp || setvbuf(fp, iobuf, _IOFBF, iocap)) {
		if (fp)
			fclose(fp);
		else
			close(fd);
		xfp_key_free(buf);
		xfp_key_free(iobuf);
		return err_at(ps, t, "cannot read key file '%s'", path);
	}
	while (fgets(buf, (int)cap, fp)) {
		char *s = buf, *kw, *hex;
		uint8_t *dst;
		size_t bin_len = 0;
		const char *end;

		line++;
		if (!strchr(buf, '\n') && !feof(fp)) {
			xfp_errors_add(ps->err, path, line, 1,
				       "line too long: at most %zu characters",
				       cap - 2);
			ps->nerr++;
			goto out;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || *s == '\0')
			continue;
		kw = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		if (*s)
			*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		hex = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' &&
		       *s != '\r')
			s++;
		*s = '\0';
		if (!strcmp(kw, "inbound")) {
			dst = sa->key_in;
			if (got_in) {
				xfp_errors_add(ps->err, path, line, 1,
					       "duplicate 'inbound' key");
				ps->nerr++;
				goto out;
			}
			got_in = true;
		} else if (!strcmp(kw, "outbound")) {
			dst = sa->key_out;
			if (got_out) {
				xfp_errors_add(ps->err, path, line, 1,
					       "duplicate 'outbound' key");
				ps->nerr++;
				goto out;
			}
			got_out = true;
		} else {
			xfp_errors_add(ps->err, path, line, 1,
				       "unknown keyword in key file; expected "
				       "'inbound HEX' or 'outbound HEX'");
			ps->nerr++;
			goto out;
		}
		if (sodium_hex2bin(dst, XFP_KEY_MAX, hex, strlen(hex), NULL,
				   &bin_len, &end) != 0 ||
		    *end != '\0' || bin_len != ai->key_len) {
			xfp_errors_add(
				ps->err, path, line, (unsigned)(hex - buf) + 1,
				"bad %s key: expected %u bytes as %u hex "
				"digits for %s",
				kw, ai->key_len, 2u * ai->key_len, ai->name);
			ps->nerr++;
			goto out;
		}
	}
	if (!got_in || !got_out) {
		xfp_errors_add(ps->err, path, line, 1,
			       "key file lacks the %s key; expected "
			       "'inbound HEX' and 'outbound HEX' lines",
			       got_in ? "outbound" : "inbound");
		ps->nerr++;
		goto out;
	}
	sa->key_len = ai->key_len;
	sa->has |= XFP_SA_HAS_KEYS;
	r = 0;
out:
	fclose(fp);
	xfp_key_free(iobuf); /* after fclose: stdio used it until then */
	xfp_key_free(buf);
	if (r)
		xfp_sa_wipe(sa);
	return r;
}

struct id_arg {
	struct xfp_sa *sa;
};

static int id_cb(struct parser *ps, const struct xfp_tok *t, void *arg)
{
	struct xfp_sa *sa = ((struct id_arg *)arg)->sa;
	bool user;
	const char *name;
	int id;

	if (!strncmp(t->s, "machine:", 8)) {
		user = false;
		name = t->s + 8;
	} else if (!strncmp(t->s, "user:", 5)) {
		user = true;
		name = t->s + 5;
	} else {
		return err_at(ps, t,
			      "bad remote identity '%.80s': expected "
			      "machine:NAME or user:NAME",
			      t->s);
	}
	if (!*name || strlen(name) >= XFP_PRINCIPAL_MAX)
		return err_at(ps, t,
			      "bad remote identity '%.80s': the name must have "
			      "1 to %d characters",
			      t->s, XFP_PRINCIPAL_MAX - 1);
	for (unsigned i = 0; i < sa->n_ids; i++)
		if (sa->ids[i].user == user)
			return err_at(
				ps, t,
				"second %s identity '%.80s': an SA has at "
				"most one machine and one user identity",
				user ? "user" : "machine", t->s);
	id = xfp_policy_intern(ps->p, name);
	if (id < 0)
		return err_at(ps, t, "out of memory");
	sa->ids[sa->n_ids].user = user;
	sa->ids[sa->n_ids].principal = id;
	sa->n_ids++;
	return 0;
}

static int take_spi(struct parser *ps, uint32_t *out)
{
	uint64_t v;

	if (take_num(ps, "SPI", 256, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int cmd_sa_add(struct parser *ps)
{
	struct xfp_sa *sa, *v;
	struct xfp_tok nt, kt = { 0 }, gt = { 0 }, bt = { 0 }, it = { 0 };
	bool have_spi_in = false, have_spi_out = false, have_flags = false,
	     have_life = false, have_soft = false, have_ids = false;
	struct xfp_policy *p = ps->p;
	int r = -1;

	/* On the heap: it will hold key material, wiped on every path. */
	sa = xfp_key_alloc(sizeof(*sa)); /* the key file is read into it */
	if (!sa)
		return err_at(ps, &ps->cur, "out of memory");
	sa->filter = sa->inbound_filter = sa->qm_policy = -1;
	sa->alg = XFP_ALG_NONE;
	if (take_name(ps, "sa", sa->name, &nt))
		goto out;
	sa->line = nt.line;
	sa->col = nt.col;
	while (!at_end(ps)) {
		struct xfp_tok kw = ps->cur;

		if (!is_word(ps)) {
			expected(ps, "an sa keyword");
			goto out;
		}
		advance(ps);
		if (!strcmp(kw.s, "filter") ||
		    !strcmp(kw.s, "inbound-filter")) {
			bool in = kw.s[0] == 'i';
			char fn[XFP_NAME_MAX];
			struct xfp_tok t;
			int fi;
			const struct xfp_filter *f;
			enum xfp_layer want_l =
				in ? XFP_LAYER_INBOUND_TRANSPORT :
				     XFP_LAYER_OUTBOUND_TRANSPORT;
			enum xfp_action want_a =
				in ? XFP_ACTION_INBOUND_TRANSPORT :
				     XFP_ACTION_OUTBOUND_TRANSPORT;

			if (in ? (sa->has & XFP_SA_HAS_INBOUND_FILTER) :
				 sa->filter_id != 0) {
				err_at(ps, &kw, "duplicate keyword '%s'", kw.s);
				goto out;
			}
			if (take_name(ps, "filter", fn, &t))
				goto out;
			fi = xfp_policy_find_filter(p, fn);
			if (fi < 0) {
				err_at(ps, &t,
				       "undefined filter '%s'; define it first "
				       "with 'filter add %s ...'",
				       fn, fn);
				goto out;
			}
			f = &p->filters[fi];
			if (f->layer != want_l || f->action != want_a) {
				err_at(ps, &t,
				       "filter '%s' is %s/%s; an sa's %s must "
				       "be a filter at layer %s with action %s",
				       fn, xfp_layer_name(f->layer),
				       xfp_action_name(f->action), kw.s,
				       xfp_layer_name(want_l),
				       xfp_action_name(want_a));
				goto out;
			}
			if (in) {
				sa->inbound_filter_id = f->id;
				sa->has |= XFP_SA_HAS_INBOUND_FILTER;
				it = kw;
			} else {
				sa->filter_id = f->id;
				bt = kw;
			}
		} else if (!strcmp(kw.s, "tunnel-policy")) {
			char qn[XFP_NAME_MAX];
			struct xfp_tok t;

			if (sa->qm_policy >= 0) {
				err_at(ps, &kw,
				       "duplicate keyword 'tunnel-policy'");
				goto out;
			}
			if (take_name(ps, "qm-policy", qn, &t))
				goto out;
			sa->qm_policy = xfp_policy_find_qm(p, qn);
			if (sa->qm_policy < 0 || !p->qm[sa->qm_policy].tunnel) {
				err_at(ps, &t,
				       "'%s' is not a tunnel qm-policy; define "
				       "it first with 'qm-policy add %s tunnel "
				       "...'",
				       qn, qn);
				goto out;
			}
			sa->tunnel = true;
			bt = kw;
		} else if (!strcmp(kw.s, "spi-in") ||
			   !strcmp(kw.s, "spi-out")) {
			bool in = kw.s[4] == 'i';

			if (in ? have_spi_in : have_spi_out) {
				err_at(ps, &kw, "duplicate keyword '%s'", kw.s);
				goto out;
			}
			if (take_spi(ps, in ? &sa->spi_in : &sa->spi_out))
				goto out;
			if (in) {
				for (unsigned i = 0; i < p->n_sas; i++)
					if (p->sas[i].spi_in == sa->spi_in) {
						err_at(ps, &kw,
						       "duplicate inbound SPI "
						       "0x%08x: sa '%s' uses it",
						       sa->spi_in,
						       p->sas[i].name);
						goto out;
					}
				have_spi_in = true;
			} else {
				have_spi_out = true;
			}
		} else if (!strcmp(kw.s, "alg")) {
			struct xfp_tok t;

			if (sa->alg != XFP_ALG_NONE) {
				err_at(ps, &kw, "duplicate keyword 'alg'");
				goto out;
			}
			if (take_word(ps, "an algorithm", &t, false))
				goto out;
			sa->alg = xfp_alg_by_name(t.s, 0);
			if (sa->alg == XFP_ALG_NONE) {
				err_at(ps, &t,
				       "unknown algorithm '%.80s'; expected ESP "
				       "%s or AH %s",
				       t.s, xfp_policy_alg_list(XFP_IPSEC_ESP),
				       xfp_policy_alg_list(XFP_IPSEC_AH));
				goto out;
			}
		} else if (!strcmp(kw.s, "key-file")) {
			struct xfp_tok t;

			if (kt.line) {
				err_at(ps, &kw, "duplicate keyword 'key-file'");
				goto out;
			}
			if (take_word(ps, "a key file path", &t, true))
				goto out;
			if (!t.n) {
				err_at(ps, &t, "empty key file path");
				goto out;
			}
			if (t.s[0] == '/' || !ps->dir[0])
				snprintf(sa->key_file, sizeof(sa->key_file),
					 "%s", t.s);
			else if ((size_t)snprintf(sa->key_file,
						  sizeof(sa->key_file), "%s/%s",
						  ps->dir, t.s) >=
				 sizeof(sa->key_file)) {
				err_at(ps, &t, "key file path too long");
				goto out;
			}
			kt = t;
		} else if (!strcmp(kw.s, "lifetime") ||
			   !strcmp(kw.s, "soft-lifetime")) {
			bool soft = kw.s[0] == 's';

			if (soft ? have_soft : have_life) {
				err_at(ps, &kw, "duplicate keyword '%s'", kw.s);
				goto out;
			}
			if (take_lifetime(ps, &sa->lifetime, soft))
				goto out;
			if (soft)
				have_soft = true;
			else
				have_life = true;
		} else if (!strcmp(kw.s, "idle-timeout")) {
			if (sa->has & XFP_SA_HAS_IDLE) {
				err_at(ps, &kw,
				       "duplicate keyword 'idle-timeout'");
				goto out;
			}
			if (take_duration(ps, "idle timeout",
					  &sa->idle_timeout))
				goto out;
			sa->has |= XFP_SA_HAS_IDLE;
		} else if (!strcmp(kw.s, "flags")) {
			if (have_flags) {
				err_at(ps, &kw, "duplicate keyword 'flags'");
				goto out;
			}
			gt = kw;
			if (take_flags(ps, sa_flag_names, "sa flag",
				       &sa->flags))
				goto out;
			have_flags = true;
		} else if (!strcmp(kw.s, "remote-id")) {
			struct id_arg ia = { sa };

			if (have_ids) {
				err_at(ps, &kw,
				       "duplicate keyword 'remote-id'");
				goto out;
			}
			if (take_list(ps, "machine:NAME or user:NAME", true,
				      id_cb, &ia))
				goto out;
			have_ids = true;
		} else {
			err_at(ps, &kw,
			       "unknown keyword '%.80s' in sa; expected filter, "
			       "inbound-filter, tunnel-policy, spi-in, "
			       "spi-out, alg, key-file, lifetime, "
			       "soft-lifetime, idle-timeout, flags or "
			       "remote-id",
			       kw.s);
			goto out;
		}
	}
	if (!sa->filter_id && sa->qm_policy < 0) {
		err_at(ps, &nt,
		       "sa '%s' is bound to nothing; expected 'filter NAME' "
		       "(an outbound-transport filter) or 'tunnel-policy NAME'",
		       sa->name);
		goto out;
	}
	if (sa->filter_id && sa->qm_policy >= 0) {
		err_at(ps, &bt,
		       "'filter' and 'tunnel-policy' exclude each other");
		goto out;
	}
	if (sa->tunnel && (sa->has & XFP_SA_HAS_INBOUND_FILTER)) {
		err_at(ps, &it,
		       "'inbound-filter' is only valid with 'filter' "
		       "(transport SAs)");
		goto out;
	}
	if (!have_spi_in || !have_spi_out) {
		err_at(ps, &nt, "sa '%s' needs 'spi-in N' and 'spi-out N'",
		       sa->name);
		goto out;
	}
	if (sa->alg == XFP_ALG_NONE) {
		err_at(ps, &nt, "sa '%s' needs 'alg ALG'", sa->name);
		goto out;
	}
	if (!kt.line) {
		err_at(ps, &nt,
		       "sa '%s' needs 'key-file PATH'; key material is never "
		       "written in the policy itself",
		       sa->name);
		goto out;
	}
	if ((sa->flags & XFP_SA_GUARANTEE_ENCRYPTION) &&
	    !xfp_alg_encrypts(sa->alg)) {
		err_at(ps, &gt,
		       "flag guarantee-encryption needs an encrypting "
		       "algorithm; '%s' only authenticates",
		       xfp_alg_name(sa->alg));
		goto out;
	}
	{
		const struct xfp_lifetime *l = &sa->lifetime;

		if (((l->has & XFP_LIFE_HAS_SOFT_SECONDS) &&
		     (l->has & XFP_LIFE_HAS_SECONDS) &&
		     l->soft_seconds > l->seconds) ||
		    ((l->has & XFP_LIFE_HAS_SOFT_KILOBYTES) &&
		     (l->has & XFP_LIFE_HAS_KILOBYTES) &&
		     l->soft_kilobytes > l->kilobytes) ||
		    ((l->has & XFP_LIFE_HAS_SOFT_PACKETS) &&
		     (l->has & XFP_LIFE_HAS_PACKETS) &&
		     l->soft_packets > l->packets)) {
			err_at(ps, &nt,
			       "sa '%s': a soft lifetime is larger than the "
			       "hard lifetime of the same unit",
			       sa->name);
			goto out;
		}
	}
	if (xfp_policy_find_sa(p, sa->name) >= 0) {
		err_at(ps, &nt, "duplicate sa name '%s'", sa->name);
		goto out;
	}
	for (unsigned i = 0; sa->filter_id && i < p->n_sas; i++)
		if (p->sas[i].filter_id == sa->filter_id) {
			err_at(ps, &bt,
			       "filter is already secured by sa '%s'; one sa "
			       "per outbound filter",
			       p->sas[i].name);
			goto out;
		}
	if (p->n_sas >= MAX_OBJECTS) {
		err_at(ps, &nt, "too many sas");
		goto out;
	}
	if (!(ps->flags & XFP_PARSE_NO_KEYS) &&
	    read_key_file(ps, &kt, sa, sa->key_file))
		goto out;
	if (p->n_sas && (p->n_sas & (p->n_sas - 1))) {
		v = p->sas; /* room left */
	} else {
		/* Grow by copying into key pages (locked, not dumped); the
		 * old ones are wiped by xfp_key_free. */
		v = xfp_key_alloc((p->n_sas ? 2 * (size_t)p->n_sas : 1) *
				  sizeof(*v));
		if (!v) {
			err_at(ps, &nt, "out of memory");
			goto out;
		}
		if (p->n_sas)
			memcpy(v, p->sas, p->n_sas * sizeof(*v));
		xfp_key_free(p->sas);
	}
	v[p->n_sas] = *sa;
	p->sas = v;
	p->n_sas++;
	p->finalized = false;
	r = 0;
out:
	xfp_key_free(sa);
	return r;
}

static int cmd_sa_delete(struct parser *ps)
{
	char name[XFP_NAME_MAX];
	struct xfp_tok nt;
	struct xfp_policy *p = ps->p;
	int i;

	if (take_name(ps, "sa", name, &nt))
		return -1;
	i = xfp_policy_find_sa(p, name);
	if (i < 0)
		return err_at(ps, &nt, "undefined sa '%s'", name);
	xfp_sa_wipe(&p->sas[i]);
	memmove(&p->sas[i], &p->sas[i + 1],
		(p->n_sas - (unsigned)i - 1) * sizeof(p->sas[0]));
	p->n_sas--;
	sodium_memzero(&p->sas[p->n_sas], sizeof(p->sas[0]));
	p->finalized = false;
	return 0;
}

/* ---- group -------------------------------------------------------------- */

struct member_arg {
	struct xfp_group *g;
};

static int member_cb(struct parser *ps, const struct xfp_tok *t, void *arg)
{
	struct xfp_group *g = ((struct member_arg *)arg)->g;
	struct xfp_group_member m, *nm;
	const char *name;

	memset(&m, 0, sizeof(m));
	if (!strncmp(t->s, "machine:", 8)) {
		m.kind = XFP_MEMBER_MACHINE;
		name = t->s + 8;
	} else if (!strncmp(t->s, "user:", 5)) {
		m.kind = XFP_MEMBER_USER;
		name = t->s + 5;
	} else if (!strncmp(t->s, "group:", 6)) {
		m.kind = XFP_MEMBER_GROUP;
		name = t->s + 6;
	} else {
		return err_at(ps, t,
			      "bad group member '%.80s': expected "
			      "machine:NAME, user:NAME or group:NAME",
			      t->s);
	}
	if (!*name)
		return err_at(ps, t,
			      "bad group member '%.80s': a name must follow "
			      "the ':' (quote a member with blanks whole: "
			      "\"user:NAME WITH BLANKS\")",
			      t->s);
	if (strlen(name) >= XFP_PRINCIPAL_MAX)
		return err_at(ps, t,
			      "bad group member '%.80s': the name must have 1 "
			      "to %d characters",
			      t->s, XFP_PRINCIPAL_MAX - 1);
	if (m.kind == XFP_MEMBER_GROUP) {
		if (!strcmp(name, g->name))
			return err_at(ps, t, "group '%s' cannot contain itself",
				      g->name);
		m.ref = xfp_policy_find_group(ps->p, name);
		if (m.ref < 0)
			return err_at(ps, t,
				      "undefined group '%.80s'; define it "
				      "first with 'group add %.80s { ... }'",
				      name, name);
	} else {
		if (!strcmp(name, "*"))
			return err_at(ps, t,
				      "principal name '*' is reserved: it "
				      "means any identity");
		m.ref = xfp_policy_intern(ps->p, name);
		if (m.ref < 0)
			return err_at(ps, t, "out of memory");
	}
	if (g->n >= MAX_VALUES)
		return err_at(ps, t,
			      "too many members in group '%s': at most "
			      "%d",
			      g->name, MAX_VALUES);
	nm = xfp_grow(g->m, g->n, sizeof(*nm));
	if (!nm)
		return err_at(ps, t, "out of memory");
	g->m = nm;
	nm[g->n++] = m;
	return 0;
}

/* group add NAME { machine:A, user:B, group:C } */
static int cmd_group_add(struct parser *ps)
{
	struct xfp_group g, *ng;
	struct member_arg ma;
	struct xfp_tok nt;
	struct xfp_policy *p = ps->p;
	int r = -1;

	memset(&g, 0, sizeof(g));
	if (take_name(ps, "group", g.name, &nt))
		return -1;
	g.line = nt.line;
	g.col = nt.col;
	if (xfp_policy_find_group(p, g.name) >= 0) {
		err_at(ps, &nt, "duplicate group name '%s'", g.name);
		goto out;
	}
	ma.g = &g;
	if (take_list(ps, "a member (machine:NAME, user:NAME or group:NAME)",
		      true, member_cb, &ma))
		goto out;
	if (!at_end(ps)) {
		expected(ps, "the end of the statement");
		goto out;
	}
	if (p->n_groups >= MAX_OBJECTS) {
		err_at(ps, &nt, "too many groups: at most %d", MAX_OBJECTS);
		goto out;
	}
	ng = xfp_grow(p->groups, p->n_groups, sizeof(*ng));
	if (!ng) {
		err_at(ps, &nt, "out of memory");
		goto out;
	}
	p->groups = ng;
	ng[p->n_groups++] = g;
	p->finalized = false;
	return 0;
out:
	free(g.m);
	return r;
}

/* ---- tunnel ------------------------------------------------------------- */

#define TUNNEL_SUBLAYER "ipsec-tunnel"
#define TUNNEL_SUBLAYER_WEIGHT 0x9000

static const char *const tunnel_suffix[] = { "mm", "qm",      "out",
					     "in", "connect", "ipip" };
#define N_TUNNEL_FILTERS 6

/* Append a copy of the selector conditions (the fields in mask) to f. */
static int copy_conds(struct xfp_filter *f, const struct xfp_filter *from,
		      uint32_t mask)
{
	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		const struct xfp_cond *c = &from->conds[i];

		if (!(from->cond_mask & mask & (1u << i)) || !c->n)
			continue;
		f->conds[i].v = malloc(c->n * sizeof(*c->v));
		if (!f->conds[i].v)
			return -1;
		memcpy(f->conds[i].v, c->v, c->n * sizeof(*c->v));
		f->conds[i].n = c->n;
		f->cond_mask |= 1u << i;
	}
	return 0;
}

static int add_addr_cond(struct xfp_filter *f, enum xfp_field fld, int fam,
			 const struct xfp_addr *a)
{
	struct xfp_cond_val *v = calloc(1, sizeof(*v));

	if (!v)
		return -1;
	v->match = XFP_MATCH_EQUAL;
	v->family = (uint8_t)fam;
	v->addr_lo = v->addr_hi = *a;
	f->conds[fld].v = v;
	f->conds[fld].n = 1;
	f->cond_mask |= 1u << fld;
	return 0;
}

/*
 * tunnel add NAME policy QM [mm-policy MM] [flags point-to-point]
 *            [sublayer NAME] SELECTOR...
 * FwpmIPsecTunnelAdd: one command, the filters of README "Tunnels".
 */
static int cmd_tunnel_add(struct parser *ps)
{
	struct xfp_policy *p = ps->p;
	struct xfp_tunnel tn, *nt_;
	struct xfp_filter sel, gen[N_TUNNEL_FILTERS];
	struct xfp_tok nt, kw, pt = { 0 };
	struct xfp_tok condt[XFP_FIELD__MAX];
	struct xfp_tok v4, v6;
	const struct xfp_qm_policy *q;
	bool have_flags = false, have_sl = false;
	char nm[XFP_NAME_MAX];
	unsigned ngen = 0;
	int r = -1, ef;
	uint32_t allowed;

	memset(&tn, 0, sizeof(tn));
	memset(&sel, 0, sizeof(sel));
	memset(gen, 0, sizeof(gen));
	v4.t = v6.t = XFP_T_EOF;
	tn.qm = tn.mm = -1;
	tn.sublayer = -1;
	if (take_name(ps, "tunnel", tn.name, &nt))
		return -1;
	tn.line = nt.line;
	tn.col = nt.col;
	if (strlen(tn.name) > XFP_NAME_MAX - 1 - strlen("-connect")) {
		err_at(ps, &nt,
		       "tunnel name '%s' is too long: at most %zu characters, "
		       "so that its filter names fit",
		       tn.name, XFP_NAME_MAX - 1 - strlen("-connect"));
		goto out;
	}
	while (!at_end(ps)) {
		int field;

		kw = ps->cur;
		if (!is_word(ps)) {
			expected(ps, "a tunnel keyword");
			goto out;
		}
		advance(ps);
		field = xfp_field_from_name(kw.s);
		if (field >= 0) {
			if (!(sel.cond_mask & (1u << field)))
				condt[field] = kw;
			if (take_condition(ps, &kw, &sel, (enum xfp_field)field,
					   &v4, &v6))
				goto out;
		} else if (!strcmp(kw.s, "policy")) {
			if (tn.qm >= 0) {
				err_at(ps, &kw, "duplicate keyword 'policy'");
				goto out;
			}
			if (take_name(ps, "policy", nm, &pt))
				goto out;
			tn.qm = xfp_policy_find_qm(p, nm);
			if (tn.qm < 0) {
				err_at(ps, &pt,
				       "undefined qm-policy '%s'; define it "
				       "first with 'qm-policy add %s tunnel "
				       "...'",
				       nm, nm);
				goto out;
			}
			if (!p->qm[tn.qm].tunnel) {
				err_at(ps, &pt,
				       "policy '%s' is a transport qm-policy; a "
				       "tunnel needs a tunnel qm-policy",
				       nm);
				goto out;
			}
		} else if (!strcmp(kw.s, "mm-policy")) {
			struct xfp_tok t;

			if (tn.mm >= 0) {
				err_at(ps, &kw,
				       "duplicate keyword 'mm-policy'");
				goto out;
			}
			if (take_name(ps, "mm-policy", nm, &t))
				goto out;
			tn.mm = xfp_policy_find_mm(p, nm);
			if (tn.mm < 0) {
				err_at(ps, &t,
				       "undefined mm-policy '%s'; define it "
				       "first with 'mm-policy add %s ...'",
				       nm, nm);
				goto out;
			}
			tn.flags |= XFP_TUNNEL_HAS_MM;
		} else if (!strcmp(kw.s, "flags")) {
			struct xfp_tok t;

			if (have_flags) {
				err_at(ps, &kw, "duplicate keyword 'flags'");
				goto out;
			}
			if (take_word(ps, "a tunnel flag", &t, false))
				goto out;
			if (strcmp(t.s, "point-to-point")) {
				err_at(ps, &t,
				       "unknown tunnel flag '%.80s'; expected "
				       "point-to-point",
				       t.s);
				goto out;
			}
			tn.flags |= XFP_TUNNEL_POINT_TO_POINT;
			have_flags = true;
		} else if (!strcmp(kw.s, "sublayer")) {
			struct xfp_tok t;

			if (have_sl) {
				err_at(ps, &kw, "duplicate keyword 'sublayer'");
				goto out;
			}
			if (take_name(ps, "sublayer", nm, &t))
				goto out;
			tn.sublayer = xfp_policy_find_sublayer(p, nm);
			if (tn.sublayer < 0) {
				err_at(ps, &t,
				       "undefined sublayer '%s'; define it "
				       "first with 'sublayer add %s weight N'",
				       nm, nm);
				goto out;
			}
			have_sl = true;
		} else {
			err_at(ps, &kw,
			       "unknown keyword '%.80s' in tunnel; expected "
			       "policy, mm-policy, flags, sublayer or a "
			       "selector (local-addr, remote-addr; with flags "
			       "point-to-point also local-port, remote-port, "
			       "protocol, icmp-type, icmp-code)",
			       kw.s);
			goto out;
		}
	}
	if (tn.qm < 0) {
		err_at(ps, &nt,
		       "tunnel '%s' needs 'policy NAME' (a tunnel qm-policy)",
		       tn.name);
		goto out;
	}
	/* FWP_E_INVALID_PARAMETER: a site-to-site tunnel selects by
	 * address only. */
	allowed = (1u << XFP_FIELD_LOCAL_ADDR) | (1u << XFP_FIELD_REMOTE_ADDR);
	if (tn.flags & XFP_TUNNEL_POINT_TO_POINT)
		allowed |= (1u << XFP_FIELD_LOCAL_PORT) |
			   (1u << XFP_FIELD_REMOTE_PORT) |
			   (1u << XFP_FIELD_PROTOCOL) |
			   (1u << XFP_FIELD_ICMP_TYPE) |
			   (1u << XFP_FIELD_ICMP_CODE);
	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		if (!(sel.cond_mask & (1u << i)) || (allowed & (1u << i)))
			continue;
		if (tn.flags & XFP_TUNNEL_POINT_TO_POINT)
			err_at(ps, &condt[i],
			       "condition '%s' is not a tunnel selector; "
			       "expected local-addr, remote-addr, local-port, "
			       "remote-port, protocol, icmp-type or icmp-code",
			       xfp_field_name((enum xfp_field)i));
		else
			err_at(ps, &condt[i],
			       "condition '%s' needs a point-to-point tunnel: "
			       "a site-to-site tunnel selects by local-addr "
			       "and remote-addr only (add 'flags "
			       "point-to-point')",
			       xfp_field_name((enum xfp_field)i));
		goto out;
	}
	if (xfp_policy_find_tunnel(p, tn.name) >= 0) {
		err_at(ps, &nt, "duplicate tunnel name '%s'", tn.name);
		goto out;
	}
	for (unsigned k = 0; k < N_TUNNEL_FILTERS; k++) {
		snprintf(nm, sizeof(nm), "%s-%s", tn.name, tunnel_suffix[k]);
		if (xfp_policy_find_filter(p, nm) >= 0) {
			err_at(ps, &nt,
			       "tunnel '%s' would add filter '%s', which "
			       "exists; choose another tunnel name",
			       tn.name, nm);
			goto out;
		}
	}
	if (p->n_tunnels >= MAX_OBJECTS ||
	    p->n_filters + N_TUNNEL_FILTERS > MAX_FILTERS) {
		err_at(ps, &nt, "too many tunnels or filters");
		goto out;
	}
	if (tn.sublayer < 0) {
		tn.sublayer = xfp_policy_find_sublayer(p, TUNNEL_SUBLAYER);
		if (tn.sublayer < 0 && p->n_sublayers >= XFP_SUBLAYERS_MAX) {
			err_at(ps, &nt,
			       "no room for sublayer '" TUNNEL_SUBLAYER
			       "': at most %d sublayers",
			       XFP_SUBLAYERS_MAX);
			goto out;
		}
	}
	/* Inner family from the selectors, outer from the endpoints. */
	q = &p->qm[tn.qm];
	ef = v4.t != XFP_T_EOF && v6.t == XFP_T_EOF ? XFP_FAMILY_IP :
	     v6.t != XFP_T_EOF && v4.t == XFP_T_EOF ? XFP_FAMILY_IP6 :
						      XFP_FAMILY_INET;
	for (unsigned k = 0; k < N_TUNNEL_FILTERS; k++) {
		struct xfp_filter *g = &gen[ngen];
		bool outer = k == 0 || k == 5;

		if (k == 0 && tn.mm < 0)
			continue;
		ngen++;
		snprintf(g->name, sizeof(g->name), "%s-%s", tn.name,
			 tunnel_suffix[k]);
		g->has = XFP_FILTER_FROM_TUNNEL;
		g->ctx = -1;
		g->sa = -1;
		g->line = nt.line;
		g->col = nt.col;
		g->family = outer ? (q->endpoint_family == 6 ? XFP_FAMILY_IP6 :
							       XFP_FAMILY_IP) :
				    (enum xfp_family)ef;
		g->action = XFP_ACTION_PERMIT;
		if (outer) {
			if (add_addr_cond(g, XFP_FIELD_LOCAL_ADDR,
					  q->endpoint_family,
					  &q->local_endpoint) ||
			    add_addr_cond(g, XFP_FIELD_REMOTE_ADDR,
					  q->endpoint_family,
					  &q->remote_endpoint))
				goto oom;
		} else if (copy_conds(g, &sel, sel.cond_mask)) {
			goto oom;
		}
		switch (k) {
		case 0: /* main mode with the peer gateway */
			g->layer = XFP_LAYER_IKEEXT;
			g->has |= XFP_FILTER_HAS_POLICY;
			g->ctx_kind = XFP_CTX_MM;
			g->ctx = tn.mm;
			break;
		case 1: /* quick mode for the inner traffic */
			g->layer = XFP_LAYER_IPSEC;
			g->has |= XFP_FILTER_HAS_POLICY;
			g->ctx_kind = XFP_CTX_QM;
			g->ctx = tn.qm;
			break;
		case 2:
		case 3:
			g->layer = k == 2 ? XFP_LAYER_OUTBOUND_TRANSPORT :
					    XFP_LAYER_INBOUND_TRANSPORT;
			g->action = k == 2 ? XFP_ACTION_OUTBOUND_TUNNEL :
					     XFP_ACTION_INBOUND_TUNNEL;
			g->has |= XFP_FILTER_HAS_POLICY;
			g->ctx_kind = XFP_CTX_QM;
			g->ctx = tn.qm;
			g->sublayer = -1; /* the tunnel sublayer, below */
			break;
		case 4:
			g->layer = XFP_LAYER_ALE_AUTH_CONNECT;
			g->action = XFP_ACTION_ALE_CONNECT;
			break;
		case 5: { /* decrypted IP-in-IP between the gateways */
			struct xfp_cond_val *v = calloc(2, sizeof(*v));

			if (!v)
				goto oom;
			v[0].match = v[1].match = XFP_MATCH_EQUAL;
			v[0].lo = v[0].hi = 4; /* ipip */
			v[1].lo = v[1].hi = 41; /* ipv6 */
			g->conds[XFP_FIELD_PROTOCOL].v = v;
			g->conds[XFP_FIELD_PROTOCOL].n = 2;
			g->cond_mask |= 1u << XFP_FIELD_PROTOCOL;
			g->layer = XFP_LAYER_ALE_AUTH_RECV_ACCEPT;
			g->action = XFP_ACTION_INBOUND_TUNNEL_ALE_ACCEPT;
			break;
		}
		}
	}
	{
		struct xfp_filter *nf;
		unsigned ti = p->n_tunnels;

		nt_ = xfp_grow(p->tunnels, p->n_tunnels, sizeof(*nt_));
		if (!nt_)
			goto oom;
		p->tunnels = nt_;
		if (tn.sublayer < 0) {
			struct xfp_sublayer *sl = &p->sublayers[p->n_sublayers];

			memset(sl, 0, sizeof(*sl));
			strcpy(sl->name, TUNNEL_SUBLAYER);
			sl->weight = TUNNEL_SUBLAYER_WEIGHT;
			sl->line = nt.line;
			sl->col = nt.col;
			tn.sublayer = (int)p->n_sublayers++;
		}
		for (unsigned k = 0; k < ngen; k++) {
			nf = xfp_filter_slot(p);
			if (!nf) {
				/* undo what was added */
				for (unsigned j = 0; j < k; j++) {
					p->n_filters--;
					xfp_filter_release(
						&p->filters[p->n_filters]);
				}
				xfp_index_rebuild(p);
				goto oom;
			}
			p->filters = nf;
			if (gen[k].sublayer < 0)
				gen[k].sublayer = tn.sublayer;
			gen[k].tunnel = (int)ti;
			gen[k].id = p->next_filter_id++;
			nf[p->n_filters++] = gen[k];
			memset(&gen[k], 0, sizeof(gen[k]));
			xfp_index_add(p, p->n_filters - 1);
		}
		p->tunnels[p->n_tunnels++] = tn;
		p->finalized = false;
		r = 0;
		goto out;
	}
oom:
	err_at(ps, &nt, "out of memory");
out:
	xfp_filter_release(&sel);
	for (unsigned k = 0; k < N_TUNNEL_FILTERS; k++)
		xfp_filter_release(&gen[k]);
	(void)pt;
	return r;
}

static int cmd_tunnel_delete(struct parser *ps)
{
	char name[XFP_NAME_MAX];
	struct xfp_tok nt;
	struct xfp_policy *p = ps->p;
	unsigned j = 0;
	int t;

	if (take_name(ps, "tunnel", name, &nt))
		return -1;
	t = xfp_policy_find_tunnel(p, name);
	if (t < 0)
		return err_at(ps, &nt, "undefined tunnel '%s'", name);
	for (unsigned i = 0; i < p->n_filters; i++) {
		struct xfp_filter *f = &p->filters[i];

		if ((f->has & XFP_FILTER_FROM_TUNNEL) && f->tunnel == t) {
			xfp_filter_release(f);
			continue;
		}
		if ((f->has & XFP_FILTER_FROM_TUNNEL) && f->tunnel > t)
			f->tunnel--;
		p->filters[j++] = *f;
	}
	p->n_filters = j;
	memmove(&p->tunnels[t], &p->tunnels[t + 1],
		(p->n_tunnels - (unsigned)t - 1) * sizeof(p->tunnels[0]));
	p->n_tunnels--;
	xfp_index_rebuild(p);
	p->finalized = false;
	return 0;
}

/* ---- driver ------------------------------------------------------------- */

static int statement(struct parser *ps)
{
	struct xfp_tok obj, verb;
	bool add, del_ok;

	if (take_word(ps,
		      "a command (sublayer, qm-policy, mm-policy, group, "
		      "filter, tunnel or sa)",
		      &obj, false))
		return -1;
	if (strcmp(obj.s, "sublayer") && strcmp(obj.s, "qm-policy") &&
	    strcmp(obj.s, "mm-policy") && strcmp(obj.s, "filter") &&
	    strcmp(obj.s, "sa") && strcmp(obj.s, "group") &&
	    strcmp(obj.s, "tunnel"))
		return err_at(ps, &obj,
			      "unknown command '%.80s'; expected sublayer, "
			      "qm-policy, mm-policy, group, filter, tunnel or "
			      "sa",
			      obj.s);
	if (take_word(ps, "'add' or 'delete'", &verb, false))
		return -1;
	add = !strcmp(verb.s, "add");
	del_ok = !strcmp(obj.s, "filter") || !strcmp(obj.s, "sa") ||
		 !strcmp(obj.s, "tunnel");
	if (!add && (strcmp(verb.s, "delete") || !del_ok))
		return err_at(ps, &verb,
			      "unknown verb '%.80s' for %s; expected %s",
			      verb.s, obj.s,
			      del_ok ? "'add' or 'delete'" : "'add'");
	if (!strcmp(obj.s, "sublayer"))
		return cmd_sublayer_add(ps);
	if (!strcmp(obj.s, "qm-policy"))
		return cmd_qm_add(ps);
	if (!strcmp(obj.s, "mm-policy"))
		return cmd_mm_add(ps);
	if (!strcmp(obj.s, "group"))
		return cmd_group_add(ps);
	if (!strcmp(obj.s, "tunnel"))
		return add ? cmd_tunnel_add(ps) : cmd_tunnel_delete(ps);
	if (!strcmp(obj.s, "filter"))
		return add ? cmd_filter_add(ps) : cmd_filter_delete(ps);
	return add ? cmd_sa_add(ps) : cmd_sa_delete(ps);
}

static int parse_buf(struct xfp_policy *p, const char *name, const char *dir,
		     const char *text, size_t len, unsigned flags,
		     struct xfp_errors *err)
{
	struct parser *ps = calloc(1, sizeof(*ps));
	int n;

	if (!ps) {
		xfp_errors_add(err, name, 0, 0, "out of memory");
		return 1;
	}
	ps->p = p;
	ps->err = err;
	ps->file = name ? name : "<input>";
	{
		/* Size the filter array once (xfp_filters_reserve()): a
		 * statement adds at most one filter per "filter" word. */
		unsigned words = 0;

		for (const char *q = text, *e = text + len;
		     (q = memmem(q, (size_t)(e - q), "filter", 6)) != NULL;
		     q += 6)
			words++;
		if (words > 64)
			(void)xfp_filters_reserve(p, p->n_filters + words);
	}
	ps->flags = flags;
	snprintf(ps->dir, sizeof(ps->dir), "%s", dir);
	xfp_lex_init(&ps->lx, text, len);
	advance(ps);
	while (ps->cur.t != XFP_T_EOF) {
		if (ps->cur.t == XFP_T_END) {
			advance(ps);
			continue;
		}
		if (statement(ps) == 0 && !at_end(ps)) {
			char b[96];

			err_at(ps, &ps->cur,
			       "unexpected %s; expected the end of the statement",
			       tokdesc(&ps->cur, b, sizeof(b)));
		}
		/* Skip what is left of the statement (after an error). */
		while (ps->cur.t != XFP_T_EOF &&
		       !(ps->cur.t == XFP_T_END && ps->lx.depth == 0))
			advance(ps);
	}
	n = ps->nerr;
	free(ps);
	return n;
}

int xfp_policy_parse_string(struct xfp_policy *p, const char *name,
			    const char *text, size_t len, unsigned flags,
			    struct xfp_errors *err)
{
	return parse_buf(p, name, "", text, len, flags, err);
}

int xfp_policy_parse_file(struct xfp_policy *p, const char *path,
			  unsigned flags, struct xfp_errors *err)
{
	char dir[PATH_MAX], *text = NULL, *slash;
	size_t len = 0, cap = 0;
	FILE *fp;
	int n, e;

	fp = fopen(path, "re");
	if (!fp) {
		e = errno;
		xfp_errors_add(err, path, 0, 0, "cannot open: %s", strerror(e));
		return -e;
	}
	for (;;) {
		size_t got;

		if (len + 4096 + 1 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 8192;
			nt = realloc(text, cap);
			if (!nt) {
				free(text);
				fclose(fp);
				xfp_errors_add(err, path, 0, 0,
					       "out of memory");
				return -ENOMEM;
			}
			text = nt;
		}
		got = fread(text + len, 1, 4096, fp);
		len += got;
		if (got < 4096)
			break;
	}
	if (ferror(fp)) {
		e = errno ? errno : EIO;
		free(text);
		fclose(fp);
		xfp_errors_add(err, path, 0, 0, "read error: %s", strerror(e));
		return -e;
	}
	fclose(fp);
	text[len] = '\0';
	/* Key files are relative to the policy file's folder. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
	n = parse_buf(p, path, dir, text, len, flags, err);
	free(text);
	return n;
}
