/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * print.c - `xfp policy show` and `xfp explain` output, as text or JSON.
 *
 * The text form of a policy is itself policy language: every line can be
 * parsed again (the automatic exemptions are printed as comments), and
 * each filter ends with a comment giving its id and effective weight.
 * Key material is never printed: SAs show "(hidden)".
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "policy/alg.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

const char *xfp_addr_str(const struct xfp_addr *a, int family, char *buf,
			 size_t len)
{
	if (family == 4)
		inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	return buf;
}

/* ---- JSON helpers ------------------------------------------------------- */

static void jstr(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(o, "\\u%04x", c);
		else
			fputc(c, o);
	}
	fputc('"', o);
}

static bool word_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr("{},;#\"!", *s))
			return false;
	return true;
}

/* A word as the parser reads it back: bare or quoted. */
static void tword(FILE *o, const char *s)
{
	if (word_safe(s)) {
		fputs(s, o);
		return;
	}
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', o);
		fputc(*s, o);
	}
	fputc('"', o);
}

static const char *family_name(enum xfp_family f)
{
	return f == XFP_FAMILY_IP ? "ip" : f == XFP_FAMILY_IP6 ? "ip6" : "inet";
}

static const struct {
	uint32_t bit;
	const char *name;
} ctx_names[] = {
	{ XFP_CTX_NEGOTIATE_DISCOVER, "negotiate-discover" },
	{ XFP_CTX_PERSIST_CONN_SECURITY, "persist-connection-security" },
	{ XFP_CTX_REQUIRE_ENCRYPTION, "require-encryption" },
}, qm_flag_names[] = {
	{ XFP_QM_ND_SECURE, "nd-secure" },
	{ XFP_QM_ND_BOUNDARY, "nd-boundary" },
	{ XFP_QM_CLEAR_DF_ON_TUNNEL, "clear-df" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const auth_names[] = {
#define XFP__AU(name, num, str) [num] = str,
	XFP_MM_AUTHS(XFP__AU)
#undef XFP__AU
};
static const char *const keying_names[] = { "ike", "authip", "ikev2" };

/* ---- values ------------------------------------------------------------- */

/* One condition value as the language writes it (without '!='). */
static void val_text(const struct xfp_policy *p, enum xfp_field fld,
		     const struct xfp_cond_val *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *pn;

	switch (fld) {
	case XFP_FIELD_LOCAL_ADDR:
	case XFP_FIELD_REMOTE_ADDR:
		xfp_addr_str(&v->addr_lo, v->family, a, sizeof(a));
		if (v->match == XFP_MATCH_PREFIX)
			snprintf(buf, len, "%s/%u", a, v->plen);
		else if (v->match == XFP_MATCH_RANGE)
			snprintf(buf, len, "%s-%s", a,
				 xfp_addr_str(&v->addr_hi, v->family, b,
					      sizeof(b)));
		else
			snprintf(buf, len, "%s", a);
		return;
	case XFP_FIELD_INTERFACE:
		if (v->by_name)
			snprintf(buf, len, "%s", v->ifname);
		else
			snprintf(buf, len, "%" PRIu64, v->lo);
		return;
	case XFP_FIELD_REMOTE_MACHINE_ID:
	case XFP_FIELD_REMOTE_USER_ID:
		if (v->idref == XFP_IDREF_ANY)
			snprintf(buf, len, "*");
		else if (v->idref == XFP_IDREF_GROUP)
			snprintf(buf, len, "group:%s",
				 v->lo < p->n_groups ? p->groups[v->lo].name :
						       "?");
		else
			snprintf(buf, len, "%s",
				 v->lo < p->n_principals ?
					 p->principals[v->lo] :
					 "?");
		return;
	case XFP_FIELD_LOCAL_ADDR_TYPE:
		snprintf(buf, len, "%s",
			 v->lo >= 1 && v->lo <= 4 ? xfp_addr_type_names[v->lo] :
						    "?");
		return;
	case XFP_FIELD_IPSEC_FLAGS:
		snprintf(buf, len, "%s%s%s",
			 (v->lo & XFP_COND_FLAG_SECURED) ? "secured" : "",
			 (v->lo & XFP_COND_FLAG_SECURED) &&
					 (v->lo & XFP_COND_FLAG_ENCRYPTED) ?
				 "," :
				 "",
			 (v->lo & XFP_COND_FLAG_ENCRYPTED) ? "encrypted" : "");
		return;
	case XFP_FIELD_PROTOCOL:
		pn = xfp_proto_str((unsigned)v->lo);
		if (v->lo == v->hi && pn) {
			snprintf(buf, len, "%s", pn);
			return;
		}
		/* fall through */
	default:
		if (v->match == XFP_MATCH_RANGE)
			snprintf(buf, len, "%" PRIu64 "-%" PRIu64, v->lo,
				 v->hi);
		else
			snprintf(buf, len, "%" PRIu64, v->lo);
		return;
	}
}

/* An access list: " FIELD [deny ]REF" or " FIELD { [deny ]REF, ... }".
 * A principal that reads as a keyword or a reference is quoted. */
static void text_acl(const struct xfp_policy *p, enum xfp_field fld,
		     const struct xfp_cond *c, FILE *o)
{
	char buf[XFP_PRINCIPAL_MAX + 64];
	bool deny = false;

	/* "allow" is written out when the list also denies. */
	for (unsigned j = 0; j < c->n; j++)
		if (c->v[j].ace == XFP_ACE_DENY)
			deny = true;
	fprintf(o, " %s %s", xfp_field_name(fld), c->n > 1 ? "{ " : "");
	for (unsigned j = 0; j < c->n; j++) {
		const struct xfp_cond_val *v = &c->v[j];

		if (j)
			fputs(", ", o);
		if (v->ace == XFP_ACE_DENY)
			fputs("deny ", o);
		else if (deny)
			fputs("allow ", o);
		val_text(p, fld, v, buf, sizeof(buf));
		if (v->idref != XFP_IDREF_PRINCIPAL)
			fputs(buf, o);
		else if (!strcmp(buf, "allow") || !strcmp(buf, "deny"))
			fprintf(o, "\"%s\"", buf);
		else
			tword(o, buf);
	}
	if (c->n > 1)
		fputs(" }", o);
}

static void text_conditions(const struct xfp_policy *p,
			    const struct xfp_filter *f, FILE *o)
{
	char buf[XFP_PRINCIPAL_MAX + 64];

	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		const struct xfp_cond *c = &f->conds[i];
		unsigned npos = 0, k = 0;

		if (!(f->cond_mask & (1u << i)))
			continue;
		if (i == XFP_FIELD_REMOTE_MACHINE_ID ||
		    i == XFP_FIELD_REMOTE_USER_ID) {
			text_acl(p, (enum xfp_field)i, c, o);
			continue;
		}
		if (i == XFP_FIELD_IPSEC_FLAGS) {
			for (unsigned j = 0; j < c->n; j++) {
				val_text(p, (enum xfp_field)i, &c->v[j], buf,
					 sizeof(buf));
				fprintf(o, " ipsec-flags %s %s",
					xfp_match_name(c->v[j].match), buf);
			}
			continue;
		}
		for (unsigned j = 0; j < c->n; j++)
			if (c->v[j].match != XFP_MATCH_NOT_EQUAL)
				npos++;
		if (npos) {
			fprintf(o, " %s %s", xfp_field_name((enum xfp_field)i),
				npos > 1 ? "{ " : "");
			for (unsigned j = 0; j < c->n; j++) {
				if (c->v[j].match == XFP_MATCH_NOT_EQUAL)
					continue;
				val_text(p, (enum xfp_field)i, &c->v[j], buf,
					 sizeof(buf));
				if (k++)
					fputs(", ", o);
				tword(o, buf);
			}
			if (npos > 1)
				fputs(" }", o);
		}
		for (unsigned j = 0; j < c->n; j++) {
			if (c->v[j].match != XFP_MATCH_NOT_EQUAL)
				continue;
			val_text(p, (enum xfp_field)i, &c->v[j], buf,
				 sizeof(buf));
			fprintf(o,
				" %s != ", xfp_field_name((enum xfp_field)i));
			tword(o, buf);
		}
	}
}

static void text_flags(FILE *o, const char *kw, uint32_t bits,
		       const char *const *names, const uint32_t *vals, size_t n)
{
	bool first = true;

	if (!bits)
		return;
	fprintf(o, " %s ", kw);
	for (size_t i = 0; i < n; i++) {
		if (!(bits & vals[i]))
			continue;
		fprintf(o, "%s%s", first ? "" : ",", names[i]);
		first = false;
	}
}

static void text_lifetime(FILE *o, const char *kw, const struct xfp_lifetime *l,
			  bool soft)
{
	uint32_t s = soft ? XFP_LIFE_HAS_SOFT_SECONDS : XFP_LIFE_HAS_SECONDS;
	uint32_t k = soft ? XFP_LIFE_HAS_SOFT_KILOBYTES :
			    XFP_LIFE_HAS_KILOBYTES;
	uint32_t pk = soft ? XFP_LIFE_HAS_SOFT_PACKETS : XFP_LIFE_HAS_PACKETS;

	if (!(l->has & (s | k | pk)))
		return;
	fprintf(o, " %s", kw);
	if (l->has & s)
		fprintf(o, " %" PRIu64 "s",
			soft ? l->soft_seconds : l->seconds);
	if (l->has & k)
		fprintf(o, " %" PRIu64 "kb",
			soft ? l->soft_kilobytes : l->kilobytes);
	if (l->has & pk)
		fprintf(o, " %" PRIu64 "pkts",
			soft ? l->soft_packets : l->packets);
}

static const char *ctx_name(const struct xfp_policy *p,
			    const struct xfp_filter *f)
{
	if (!(f->has & XFP_FILTER_HAS_POLICY) || f->ctx < 0)
		return NULL;
	return f->ctx_kind == XFP_CTX_MM ? p->mm[f->ctx].name :
					   p->qm[f->ctx].name;
}

static void text_filter(const struct xfp_policy *p, const struct xfp_filter *f,
			FILE *o)
{
	static const char *const cn[] = { "negotiate-discover",
					  "persist-connection-security",
					  "require-encryption" };
	static const uint32_t cv[] = { XFP_CTX_NEGOTIATE_DISCOVER,
				       XFP_CTX_PERSIST_CONN_SECURITY,
				       XFP_CTX_REQUIRE_ENCRYPTION };
	static const char *const fn[] = { "clear-action-right" };
	static const uint32_t fv[] = { XFP_FILTER_CLEAR_ACTION_RIGHT };
	bool autox = f->has & XFP_FILTER_AUTO_EXEMPTION;
	bool tun = (f->has & XFP_FILTER_FROM_TUNNEL) &&
		   (unsigned)f->tunnel < p->n_tunnels;
	const char *pol = ctx_name(p, f);

	fprintf(o, "%sfilter add %s layer %s family %s sublayer %s",
		autox || tun ? "# " : "", f->name, xfp_layer_name(f->layer),
		family_name(f->family), p->sublayers[f->sublayer].name);
	if (f->has & XFP_FILTER_HAS_WEIGHT)
		fprintf(o, " weight 0x%016" PRIx64, f->weight);
	if (f->has & XFP_FILTER_HAS_WEIGHT_RANGE)
		fprintf(o, " weight-range %u", f->weight_range);
	text_conditions(p, f, o);
	fprintf(o, " action %s", xfp_action_name(f->action));
	text_flags(o, "context", f->ctx_flags, cn, cv, N(cv));
	text_flags(o, "flags", f->flags, fn, fv, N(fv));
	if (pol)
		fprintf(o, " policy %s", pol);
	fprintf(o, " # id %" PRIu64 ", weight 0x%016" PRIx64 "%s", f->id,
		f->effective_weight,
		autox				 ? ", automatic IKE exemption" :
		(f->has & XFP_FILTER_HAS_WEIGHT) ? "" :
						   ", auto");
	if (tun)
		fprintf(o, ", from tunnel %s", p->tunnels[f->tunnel].name);
	fputc('\n', o);
}

/* The filter that holds a tunnel's selectors (its outbound one). */
static const struct xfp_filter *tunnel_sel(const struct xfp_policy *p,
					   unsigned t)
{
	for (unsigned i = 0; i < p->n_filters; i++) {
		const struct xfp_filter *f = &p->filters[i];

		if ((f->has & XFP_FILTER_FROM_TUNNEL) && f->tunnel == (int)t &&
		    f->action == XFP_ACTION_OUTBOUND_TUNNEL)
			return f;
	}
	return NULL;
}

static void text_groups_tunnels(const struct xfp_policy *p, FILE *o)
{
	for (unsigned i = 0; i < p->n_groups; i++) {
		const struct xfp_group *g = &p->groups[i];

		fprintf(o, "group add %s %s", g->name, g->n > 1 ? "{ " : "");
		for (unsigned j = 0; j < g->n; j++) {
			const struct xfp_group_member *m = &g->m[j];
			char b[XFP_PRINCIPAL_MAX + 16];

			snprintf(b, sizeof(b), "%s:%s",
				 m->kind == XFP_MEMBER_GROUP ? "group" :
				 m->kind == XFP_MEMBER_USER  ? "user" :
							       "machine",
				 m->kind == XFP_MEMBER_GROUP ?
					 p->groups[m->ref].name :
					 p->principals[m->ref]);
			if (j)
				fputs(", ", o);
			tword(o, b);
		}
		fputs(g->n > 1 ? " }\n" : "\n", o);
	}
	for (unsigned i = 0; i < p->n_tunnels; i++) {
		const struct xfp_tunnel *t = &p->tunnels[i];
		const struct xfp_filter *sel = tunnel_sel(p, i);

		fprintf(o, "tunnel add %s policy %s", t->name,
			p->qm[t->qm].name);
		if (t->mm >= 0)
			fprintf(o, " mm-policy %s", p->mm[t->mm].name);
		if (t->flags & XFP_TUNNEL_POINT_TO_POINT)
			fputs(" flags point-to-point", o);
		fprintf(o, " sublayer %s", p->sublayers[t->sublayer].name);
		if (sel)
			text_conditions(p, sel, o);
		fputc('\n', o);
	}
}

static void text_policy(const struct xfp_policy *p, FILE *o)
{
	fprintf(o,
		"# xfp policy: sublayers %u, filters %u, qm-policies %u, "
		"mm-policies %u, sas %u",
		p->n_sublayers, p->n_filters, p->n_qm, p->n_mm, p->n_sas);
	if (p->n_groups || p->n_tunnels)
		fprintf(o, ", groups %u, tunnels %u", p->n_groups,
			p->n_tunnels);
	fputc('\n', o);
	for (unsigned i = 0; i < p->n_sublayers; i++)
		fprintf(o, "%ssublayer add %s weight %u\n",
			i == 0 ? "# (built in) " : "", p->sublayers[i].name,
			p->sublayers[i].weight);
	for (unsigned i = 0; i < p->n_qm; i++) {
		const struct xfp_qm_policy *q = &p->qm[i];
		char a[INET6_ADDRSTRLEN];

		fprintf(o, "qm-policy add %s %s", q->name,
			q->tunnel ? "tunnel" : "transport");
		for (unsigned j = 0; j < q->n_proposals; j++) {
			const struct xfp_qm_proposal *pr = &q->proposals[j];

			fputs(" proposal", o);
			if (pr->ah_alg != XFP_ALG_NONE)
				fprintf(o, " ah %s", xfp_alg_name(pr->ah_alg));
			if (pr->esp_alg != XFP_ALG_NONE)
				fprintf(o, " esp %s",
					xfp_alg_name(pr->esp_alg));
			text_lifetime(o, "lifetime", &pr->lifetime, false);
			fprintf(o, " pfs %s", xfp_dh_name(pr->pfs));
		}
		if (q->flags) {
			bool first = true;

			fputs(" flags ", o);
			for (size_t k = 0; k < N(qm_flag_names); k++)
				if (q->flags & qm_flag_names[k].bit) {
					fprintf(o, "%s%s", first ? "" : ",",
						qm_flag_names[k].name);
					first = false;
				}
		}
		if (q->has & XFP_QM_HAS_ND_TIMEOUT)
			fprintf(o, " nd-allow-clear-timeout %us",
				q->nd_allow_clear_timeout);
		if (q->has & XFP_QM_HAS_IDLE)
			fprintf(o, " idle-timeout %us", q->idle_timeout);
		if (q->has & XFP_QM_HAS_IDLE_FAILOVER)
			fprintf(o, " failover %us", q->idle_timeout_failover);
		if (q->has & XFP_QM_HAS_ENDPOINTS) {
			fprintf(o, " local-endpoint %s",
				xfp_addr_str(&q->local_endpoint,
					     q->endpoint_family, a, sizeof(a)));
			fprintf(o, " remote-endpoint %s",
				xfp_addr_str(&q->remote_endpoint,
					     q->endpoint_family, a, sizeof(a)));
		}
		fputc('\n', o);
	}
	for (unsigned i = 0; i < p->n_mm; i++) {
		const struct xfp_mm_policy *m = &p->mm[i];

		fprintf(o, "mm-policy add %s keying %s auth ", m->name,
			keying_names[m->keying]);
		for (unsigned j = 0; j < m->n_auth; j++)
			fprintf(o, "%s%s", j ? "," : "",
				auth_names[m->auth[j]]);
		for (unsigned j = 0; j < m->n_proposals; j++)
			fprintf(o, " proposal %s-%s-%s",
				xfp_mm_cipher_name(m->proposals[j].cipher),
				xfp_mm_integrity_name(
					m->proposals[j].integrity),
				xfp_dh_name(m->proposals[j].dh));
		if (m->lifetime_seconds)
			fprintf(o, " lifetime %us", m->lifetime_seconds);
		fputc('\n', o);
	}
	text_groups_tunnels(p, o);
	for (unsigned i = 0; i < p->n_filters; i++) {
		if (i == 0 || p->filters[i].layer != p->filters[i - 1].layer)
			fprintf(o, "# layer %s\n",
				xfp_layer_name(p->filters[i].layer));
		text_filter(p, &p->filters[i], o);
	}
	for (unsigned i = 0; i < p->n_sas; i++) {
		const struct xfp_sa *sa = &p->sas[i];

		fprintf(o, "sa add %s", sa->name);
		if (sa->tunnel)
			fprintf(o, " tunnel-policy %s",
				p->qm[sa->qm_policy].name);
		else if (sa->filter >= 0)
			fprintf(o, " filter %s", p->filters[sa->filter].name);
		if (sa->inbound_filter >= 0)
			fprintf(o, " inbound-filter %s",
				p->filters[sa->inbound_filter].name);
		fprintf(o, " spi-in 0x%08x spi-out 0x%08x alg %s key-file ",
			sa->spi_in, sa->spi_out, xfp_alg_name(sa->alg));
		tword(o, sa->key_file);
		text_lifetime(o, "lifetime", &sa->lifetime, false);
		text_lifetime(o, "soft-lifetime", &sa->lifetime, true);
		if (sa->has & XFP_SA_HAS_IDLE)
			fprintf(o, " idle-timeout %us", sa->idle_timeout);
		if (sa->flags & XFP_SA_GUARANTEE_ENCRYPTION)
			fputs(" flags guarantee-encryption", o);
		if (sa->n_ids) {
			fputs(" remote-id ", o);
			if (sa->n_ids > 1)
				fputs("{ ", o);
			for (unsigned j = 0; j < sa->n_ids; j++) {
				char b[XFP_PRINCIPAL_MAX + 16];

				snprintf(b, sizeof(b), "%s:%s",
					 sa->ids[j].user ? "user" : "machine",
					 p->principals[sa->ids[j].principal]);
				if (j)
					fputs(", ", o);
				tword(o, b);
			}
			if (sa->n_ids > 1)
				fputs(" }", o);
		}
		fprintf(o, " # keys %s\n",
			(sa->has & XFP_SA_HAS_KEYS) ? "(hidden)" :
						      "(not loaded)");
	}
}

/* ---- JSON --------------------------------------------------------------- */

static void json_lifetime(FILE *o, const struct xfp_lifetime *l)
{
	bool first = true;
#define LF(bit, key, val)                                                    \
	if (l->has & (bit)) {                                                \
		fprintf(o, "%s\"%s\":%" PRIu64, first ? "" : ",", key, val); \
		first = false;                                               \
	}
	fputc('{', o);
	LF(XFP_LIFE_HAS_SECONDS, "seconds", l->seconds)
	LF(XFP_LIFE_HAS_KILOBYTES, "kilobytes", l->kilobytes)
	LF(XFP_LIFE_HAS_PACKETS, "packets", l->packets)
	LF(XFP_LIFE_HAS_SOFT_SECONDS, "soft_seconds", l->soft_seconds)
	LF(XFP_LIFE_HAS_SOFT_KILOBYTES, "soft_kilobytes", l->soft_kilobytes)
	LF(XFP_LIFE_HAS_SOFT_PACKETS, "soft_packets", l->soft_packets)
	fputc('}', o);
#undef LF
}

static void json_filter(const struct xfp_policy *p, const struct xfp_filter *f,
			FILE *o)
{
	const char *pol = ctx_name(p, f);
	char buf[XFP_PRINCIPAL_MAX + 64];
	bool first;

	fprintf(o, "{\"id\":%" PRIu64 ",\"name\":", f->id);
	jstr(o, f->name);
	fprintf(o, ",\"layer\":\"%s\",\"family\":\"%s\",\"sublayer\":",
		xfp_layer_name(f->layer), family_name(f->family));
	jstr(o, p->sublayers[f->sublayer].name);
	fprintf(o, ",\"sublayer_weight\":%u,\"weight\":", f->sublayer_weight);
	if (f->has & XFP_FILTER_HAS_WEIGHT)
		fprintf(o,
			"{\"type\":\"explicit\",\"value\":\"0x%016" PRIx64
			"\"}",
			f->weight);
	else if (f->has & XFP_FILTER_HAS_WEIGHT_RANGE)
		fprintf(o, "{\"type\":\"range\",\"range\":%u}",
			f->weight_range);
	else
		fputs("{\"type\":\"auto\"}", o);
	fprintf(o,
		",\"auto_weight\":\"0x%016" PRIx64
		"\",\"effective_weight\":\"0x%016" PRIx64 "\",\"conditions\":{",
		f->auto_weight, f->effective_weight);
	first = true;
	for (int i = 0; i < XFP_FIELD__MAX; i++) {
		const struct xfp_cond *c = &f->conds[i];
		bool addr = i == XFP_FIELD_LOCAL_ADDR ||
			    i == XFP_FIELD_REMOTE_ADDR;

		if (!(f->cond_mask & (1u << i)))
			continue;
		fprintf(o, "%s\"%s\":[", first ? "" : ",",
			xfp_field_name((enum xfp_field)i));
		first = false;
		for (unsigned j = 0; j < c->n; j++) {
			const struct xfp_cond_val *v = &c->v[j];

			val_text(p, (enum xfp_field)i, v, buf, sizeof(buf));
			fprintf(o,
				"%s{\"match\":\"%s\",\"value\":", j ? "," : "",
				xfp_match_name(v->match));
			jstr(o, buf);
			if (addr) {
				char a[INET6_ADDRSTRLEN];

				fprintf(o, ",\"family\":%u,\"lo\":", v->family);
				jstr(o, xfp_addr_str(&v->addr_lo, v->family, a,
						     sizeof(a)));
				fputs(",\"hi\":", o);
				jstr(o, xfp_addr_str(&v->addr_hi, v->family, a,
						     sizeof(a)));
			} else if (i == XFP_FIELD_REMOTE_MACHINE_ID ||
				   i == XFP_FIELD_REMOTE_USER_ID) {
				fprintf(o, ",\"ace\":\"%s\",\"ref\":\"%s\"",
					v->ace == XFP_ACE_DENY ? "deny" :
								 "allow",
					v->idref == XFP_IDREF_ANY ?
						"any" :
					v->idref == XFP_IDREF_GROUP ?
						"group" :
						"principal");
			} else if (i != XFP_FIELD_INTERFACE || !v->by_name) {
				fprintf(o,
					",\"lo\":%" PRIu64 ",\"hi\":%" PRIu64,
					v->lo, v->hi);
			}
			fputc('}', o);
		}
		fputc(']', o);
	}
	fprintf(o, "},\"action\":\"%s\",\"context\":[",
		xfp_action_name(f->action));
	first = true;
	for (size_t k = 0; k < N(ctx_names); k++)
		if (f->ctx_flags & ctx_names[k].bit) {
			fprintf(o, "%s\"%s\"", first ? "" : ",",
				ctx_names[k].name);
			first = false;
		}
	fprintf(o, "],\"flags\":[%s],\"policy\":",
		(f->flags & XFP_FILTER_CLEAR_ACTION_RIGHT) ?
			"\"clear-action-right\"" :
			"");
	if (pol)
		jstr(o, pol);
	else
		fputs("null", o);
	fputs(",\"sa\":", o);
	if (f->sa >= 0)
		jstr(o, p->sas[f->sa].name);
	else
		fputs("null", o);
	fprintf(o, ",\"automatic\":%s,\"tunnel\":",
		(f->has & XFP_FILTER_AUTO_EXEMPTION) ? "true" : "false");
	if ((f->has & XFP_FILTER_FROM_TUNNEL) &&
	    (unsigned)f->tunnel < p->n_tunnels)
		jstr(o, p->tunnels[f->tunnel].name);
	else
		fputs("null", o);
	fputc('}', o);
}

static void json_policy(const struct xfp_policy *p, FILE *o)
{
	fputs("{\"sublayers\":[", o);
	for (unsigned i = 0; i < p->n_sublayers; i++) {
		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, p->sublayers[i].name);
		fprintf(o, ",\"weight\":%u}", p->sublayers[i].weight);
	}
	fputs("],\"qm_policies\":[", o);
	for (unsigned i = 0; i < p->n_qm; i++) {
		const struct xfp_qm_policy *q = &p->qm[i];
		bool first = true;

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, q->name);
		fprintf(o, ",\"mode\":\"%s\",\"proposals\":[",
			q->tunnel ? "tunnel" : "transport");
		for (unsigned j = 0; j < q->n_proposals; j++) {
			const struct xfp_qm_proposal *pr = &q->proposals[j];

			fprintf(o, "%s{\"ah\":", j ? "," : "");
			if (pr->ah_alg != XFP_ALG_NONE)
				jstr(o, xfp_alg_name(pr->ah_alg));
			else
				fputs("null", o);
			fputs(",\"esp\":", o);
			if (pr->esp_alg != XFP_ALG_NONE)
				jstr(o, xfp_alg_name(pr->esp_alg));
			else
				fputs("null", o);
			fputs(",\"lifetime\":", o);
			json_lifetime(o, &pr->lifetime);
			fprintf(o, ",\"pfs\":\"%s\"}", xfp_dh_name(pr->pfs));
		}
		fputs("],\"flags\":[", o);
		for (size_t k = 0; k < N(qm_flag_names); k++)
			if (q->flags & qm_flag_names[k].bit) {
				fprintf(o, "%s\"%s\"", first ? "" : ",",
					qm_flag_names[k].name);
				first = false;
			}
		fputc(']', o);
		if (q->has & XFP_QM_HAS_ND_TIMEOUT)
			fprintf(o, ",\"nd_allow_clear_timeout\":%u",
				q->nd_allow_clear_timeout);
		if (q->has & XFP_QM_HAS_IDLE)
			fprintf(o, ",\"idle_timeout\":%u", q->idle_timeout);
		if (q->has & XFP_QM_HAS_IDLE_FAILOVER)
			fprintf(o, ",\"idle_timeout_failover\":%u",
				q->idle_timeout_failover);
		if (q->has & XFP_QM_HAS_ENDPOINTS) {
			char a[INET6_ADDRSTRLEN];

			fputs(",\"local_endpoint\":", o);
			jstr(o, xfp_addr_str(&q->local_endpoint,
					     q->endpoint_family, a, sizeof(a)));
			fputs(",\"remote_endpoint\":", o);
			jstr(o, xfp_addr_str(&q->remote_endpoint,
					     q->endpoint_family, a, sizeof(a)));
		}
		fputc('}', o);
	}
	fputs("],\"mm_policies\":[", o);
	for (unsigned i = 0; i < p->n_mm; i++) {
		const struct xfp_mm_policy *m = &p->mm[i];

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, m->name);
		fprintf(o, ",\"keying\":\"%s\",\"auth\":[",
			keying_names[m->keying]);
		for (unsigned j = 0; j < m->n_auth; j++)
			fprintf(o, "%s\"%s\"", j ? "," : "",
				auth_names[m->auth[j]]);
		fputs("],\"proposals\":[", o);
		for (unsigned j = 0; j < m->n_proposals; j++)
			fprintf(o,
				"%s{\"cipher\":\"%s\",\"integrity\":\"%s\","
				"\"dh\":\"%s\"}",
				j ? "," : "",
				xfp_mm_cipher_name(m->proposals[j].cipher),
				xfp_mm_integrity_name(
					m->proposals[j].integrity),
				xfp_dh_name(m->proposals[j].dh));
		fprintf(o, "],\"lifetime\":%u}",
			m->lifetime_seconds ? m->lifetime_seconds : 28800);
	}
	fputs("],\"groups\":[", o);
	for (unsigned i = 0; i < p->n_groups; i++) {
		const struct xfp_group *g = &p->groups[i];

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, g->name);
		fputs(",\"members\":[", o);
		for (unsigned j = 0; j < g->n; j++) {
			const struct xfp_group_member *m = &g->m[j];

			fprintf(o, "%s{\"type\":\"%s\",\"name\":", j ? "," : "",
				m->kind == XFP_MEMBER_GROUP ? "group" :
				m->kind == XFP_MEMBER_USER  ? "user" :
							      "machine");
			jstr(o, m->kind == XFP_MEMBER_GROUP ?
					p->groups[m->ref].name :
					p->principals[m->ref]);
			fputc('}', o);
		}
		fputs("]}", o);
	}
	fputs("],\"tunnels\":[", o);
	for (unsigned i = 0; i < p->n_tunnels; i++) {
		const struct xfp_tunnel *t = &p->tunnels[i];
		bool first = true;

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, t->name);
		fputs(",\"policy\":", o);
		jstr(o, p->qm[t->qm].name);
		fputs(",\"mm_policy\":", o);
		if (t->mm >= 0)
			jstr(o, p->mm[t->mm].name);
		else
			fputs("null", o);
		fprintf(o, ",\"point_to_point\":%s,\"sublayer\":",
			(t->flags & XFP_TUNNEL_POINT_TO_POINT) ? "true" :
								 "false");
		jstr(o, p->sublayers[t->sublayer].name);
		fputs(",\"filters\":[", o);
		for (unsigned j = 0; j < p->n_filters; j++) {
			const struct xfp_filter *f = &p->filters[j];

			if (!(f->has & XFP_FILTER_FROM_TUNNEL) ||
			    f->tunnel != (int)i)
				continue;
			if (!first)
				fputc(',', o);
			jstr(o, f->name);
			first = false;
		}
		fputs("]}", o);
	}
	fputs("],\"filters\":[", o);
	for (unsigned i = 0; i < p->n_filters; i++) {
		if (i)
			fputc(',', o);
		json_filter(p, &p->filters[i], o);
	}
	fputs("],\"sas\":[", o);
	for (unsigned i = 0; i < p->n_sas; i++) {
		const struct xfp_sa *sa = &p->sas[i];

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, sa->name);
		fprintf(o, ",\"mode\":\"%s\",\"filter\":",
			sa->tunnel ? "tunnel" : "transport");
		if (sa->filter >= 0)
			jstr(o, p->filters[sa->filter].name);
		else
			fputs("null", o);
		fputs(",\"inbound_filter\":", o);
		if (sa->inbound_filter >= 0)
			jstr(o, p->filters[sa->inbound_filter].name);
		else
			fputs("null", o);
		fputs(",\"tunnel_policy\":", o);
		if (sa->tunnel)
			jstr(o, p->qm[sa->qm_policy].name);
		else
			fputs("null", o);
		fprintf(o,
			",\"spi_in\":%u,\"spi_out\":%u,\"alg\":\"%s\","
			"\"encrypts\":%s,\"lifetime\":",
			sa->spi_in, sa->spi_out, xfp_alg_name(sa->alg),
			xfp_alg_encrypts(sa->alg) ? "true" : "false");
		json_lifetime(o, &sa->lifetime);
		if (sa->has & XFP_SA_HAS_IDLE)
			fprintf(o, ",\"idle_timeout\":%u", sa->idle_timeout);
		fprintf(o, ",\"flags\":[%s],\"remote_ids\":[",
			(sa->flags & XFP_SA_GUARANTEE_ENCRYPTION) ?
				"\"guarantee-encryption\"" :
				"");
		for (unsigned j = 0; j < sa->n_ids; j++) {
			fprintf(o, "%s{\"type\":\"%s\",\"name\":", j ? "," : "",
				sa->ids[j].user ? "user" : "machine");
			jstr(o, p->principals[sa->ids[j].principal]);
			fputc('}', o);
		}
		fputs("],\"key_file\":", o);
		jstr(o, sa->key_file);
		fprintf(o, ",\"keys\":\"%s\"}",
			(sa->has & XFP_SA_HAS_KEYS) ? "(hidden)" :
						      "(not loaded)");
	}
	fputs("]}\n", o);
}

void xfp_policy_print(const struct xfp_policy *p, bool json, FILE *out)
{
	if (json)
		json_policy(p, out);
	else
		text_policy(p, out);
}

/* ---- decisions ---------------------------------------------------------- */

static void pkt_text(const struct xfp_policy *p, const struct xfp_pkt *k,
		     FILE *o)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *pn = xfp_proto_str(k->protocol);

	fprintf(o, "packet: ipv%u %s", k->family,
		xfp_addr_str(&k->local, k->family, a, sizeof(a)));
	if (k->has & XFP_PKT_HAS_PORTS)
		fprintf(o, " port %u", k->local_port);
	fprintf(o, " <-> %s",
		xfp_addr_str(&k->remote, k->family, b, sizeof(b)));
	if (k->has & XFP_PKT_HAS_PORTS)
		fprintf(o, " port %u", k->remote_port);
	if (pn)
		fprintf(o, " protocol %s", pn);
	else
		fprintf(o, " protocol %u", k->protocol);
	if (k->has & XFP_PKT_HAS_ICMP)
		fprintf(o, " icmp-type %u icmp-code %u", k->icmp_type,
			k->icmp_code);
	if (k->local_addr_type >= 1 && k->local_addr_type <= 4)
		fprintf(o, " local-addr-type %s",
			xfp_addr_type_names[k->local_addr_type]);
	if (k->has & XFP_PKT_HAS_IFNAME)
		fprintf(o, " interface %s", k->ifname);
	if (k->has & XFP_PKT_HAS_IFINDEX)
		fprintf(o, " ifindex %u", k->ifindex);
	if (k->ipsec_flags & XFP_COND_FLAG_SECURED)
		fputs(" secured", o);
	if (k->ipsec_flags & XFP_COND_FLAG_ENCRYPTED)
		fputs(" encrypted", o);
	if (k->has & XFP_PKT_FLOW_WAS_SECURED)
		fputs(" flow-was-secured", o);
	if (k->has & XFP_PKT_ND_CLEAR_EXPIRED)
		fputs(" nd-clear-expired", o);
	if (k->sa >= 0)
		fprintf(o, " sa %s", p->sas[k->sa].name);
	if (k->remote_machine)
		fprintf(o, " remote-machine %s", k->remote_machine);
	if (k->remote_user)
		fprintf(o, " remote-user %s", k->remote_user);
	for (unsigned i = 0; i < k->n_ids && k->ids; i++)
		fprintf(o, " remote-%s %s", k->ids[i].user ? "user" : "machine",
			k->ids[i].principal >= 0 &&
					(unsigned)k->ids[i].principal <
						p->n_principals ?
				p->principals[k->ids[i].principal] :
				"(unknown)");
	fputc('\n', o);
}

static const char *verdict_name(enum xfp_action a)
{
	return a == XFP_ACTION_BLOCK ? "block" : "permit";
}

static void decision_text(const struct xfp_policy *p,
			  const struct xfp_decision *d, const struct xfp_pkt *k,
			  FILE *o)
{
	fprintf(o, "layer: %s (ipv%u)\n", xfp_layer_name(d->layer), k->family);
	pkt_text(p, k, o);
	for (unsigned i = 0; i < d->n_sublayers; i++) {
		const struct xfp_sublayer_verdict *s = &d->sub[i];
		const struct xfp_sublayer *sl = &p->sublayers[s->sublayer];

		fprintf(o, "sublayer %s (weight %u): ", sl->name, sl->weight);
		if (!s->decided) {
			fputs("no filter matched\n", o);
			continue;
		}
		fprintf(o, "%s (%s) by filter %" PRIu64 " '%s' (action %s): %s",
			verdict_name(s->verdict), s->hard ? "hard" : "soft",
			s->filter_id, p->filters[s->filter].name,
			xfp_action_name(p->filters[s->filter].action),
			xfp_reason_text(s->reason));
		if (s->n_matched > 1)
			fprintf(o, "; %u more matching filter%s not reached",
				s->n_matched - 1, s->n_matched > 2 ? "s" : "");
		fputc('\n', o);
	}
	fprintf(o, "decision: %s", verdict_name(d->action));
	if (!d->matched) {
		fputs(" (no filter matched; the layer's default)\n", o);
		return;
	}
	fprintf(o, " (%s) by filter %" PRIu64 " '%s' in sublayer %s: %s",
		d->hard ? "hard" : "soft", d->filter_id,
		p->filters[d->filter].name, p->sublayers[d->sublayer].name,
		xfp_reason_text(d->reason));
	if (d->veto)
		fputs("; veto of a hard permit", o);
	fputc('\n', o);
	if (d->action == XFP_ACTION_BLOCK)
		fprintf(o, "drop reason: %s\n", xfp_drop_names[d->drop_reason]);
	if (d->secure || d->acquire || d->clear_ok) {
		fputs("ipsec:", o);
		if (d->secure)
			fputs(" secure", o);
		if (d->clear_ok)
			fputs(" send-clear-while-negotiating", o);
		if (d->acquire)
			fputs(" acquire", o);
		if (d->sa >= 0)
			fprintf(o, " sa %s", p->sas[d->sa].name);
		fputc('\n', o);
	}
	if (d->ctx >= 0)
		fprintf(o, "policy: %s (%s)\n",
			d->ctx_kind == XFP_CTX_MM ? p->mm[d->ctx].name :
						    p->qm[d->ctx].name,
			d->ctx_kind == XFP_CTX_MM ? "mm-policy" : "qm-policy");
	if (d->ctx_flags) {
		bool first = true;

		fputs("context:", o);
		for (size_t k2 = 0; k2 < N(ctx_names); k2++)
			if (d->ctx_flags & ctx_names[k2].bit) {
				fprintf(o, "%s%s", first ? " " : ",",
					ctx_names[k2].name);
				first = false;
			}
		fputc('\n', o);
	}
}

static void json_filter_ref(const struct xfp_policy *p, int fi, FILE *o)
{
	if (fi < 0) {
		fputs("null", o);
		return;
	}
	fprintf(o, "{\"id\":%" PRIu64 ",\"name\":", p->filters[fi].id);
	jstr(o, p->filters[fi].name);
	fprintf(o, ",\"action\":\"%s\"}",
		xfp_action_name(p->filters[fi].action));
}

static void decision_json(const struct xfp_policy *p,
			  const struct xfp_decision *d, const struct xfp_pkt *k,
			  FILE *o)
{
	bool first = true;

	fprintf(o,
		"{\"layer\":\"%s\",\"family\":%u,\"action\":\"%s\",\"hard\":%s,"
		"\"veto\":%s,\"matched\":%s,\"filter\":",
		xfp_layer_name(d->layer), k->family, verdict_name(d->action),
		d->hard ? "true" : "false", d->veto ? "true" : "false",
		d->matched ? "true" : "false");
	json_filter_ref(p, d->filter, o);
	fputs(",\"sublayer\":", o);
	if (d->sublayer >= 0)
		jstr(o, p->sublayers[d->sublayer].name);
	else
		fputs("null", o);
	fputs(",\"reason\":", o);
	jstr(o, xfp_reason_text(d->reason));
	fprintf(o,
		",\"drop_reason\":\"%s\",\"secure\":%s,\"acquire\":%s,"
		"\"clear_ok\":%s,\"context\":[",
		xfp_drop_names[d->drop_reason], d->secure ? "true" : "false",
		d->acquire ? "true" : "false", d->clear_ok ? "true" : "false");
	for (size_t i = 0; i < N(ctx_names); i++)
		if (d->ctx_flags & ctx_names[i].bit) {
			fprintf(o, "%s\"%s\"", first ? "" : ",",
				ctx_names[i].name);
			first = false;
		}
	fputs("],\"policy\":", o);
	if (d->ctx >= 0)
		jstr(o, d->ctx_kind == XFP_CTX_MM ? p->mm[d->ctx].name :
						    p->qm[d->ctx].name);
	else
		fputs("null", o);
	fputs(",\"sa\":", o);
	if (d->sa >= 0)
		jstr(o, p->sas[d->sa].name);
	else
		fputs("null", o);
	fputs(",\"sublayers\":[", o);
	for (unsigned i = 0; i < d->n_sublayers; i++) {
		const struct xfp_sublayer_verdict *s = &d->sub[i];

		fprintf(o, "%s{\"name\":", i ? "," : "");
		jstr(o, p->sublayers[s->sublayer].name);
		fprintf(o, ",\"weight\":%u,\"decided\":%s,\"verdict\":",
			p->sublayers[s->sublayer].weight,
			s->decided ? "true" : "false");
		if (s->decided)
			fprintf(o, "\"%s\",\"hard\":%s",
				verdict_name(s->verdict),
				s->hard ? "true" : "false");
		else
			fputs("null,\"hard\":false", o);
		fputs(",\"filter\":", o);
		json_filter_ref(p, s->filter, o);
		fputs(",\"reason\":", o);
		jstr(o, xfp_reason_text(s->reason));
		fprintf(o, ",\"matching_filters\":%u}", s->n_matched);
	}
	fputs("]}\n", o);
}

void xfp_decision_print(const struct xfp_policy *p,
			const struct xfp_decision *d, const struct xfp_pkt *pkt,
			bool json, FILE *out)
{
	if (json)
		decision_json(p, d, pkt, out);
	else
		decision_text(p, d, pkt, out);
}
