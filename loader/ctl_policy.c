// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_policy.c - install the manual SAs of a policy (`sa add NAME ...` in
 * the policy language) into DEV's running worker.
 *
 * For each transport-mode SA of a finalized policy with its keys read:
 *   outbound  spi-out, key "outbound", dst = the single remote address of
 *             its filter (the peer whose traffic it protects), filter = its
 *             filter's id (the decision that uses it);
 *   inbound   spi-in, key "inbound", dst = the single local address of its
 *             filter when there is one.
 * For each tunnel-mode SA (`sa add NAME tunnel-policy QM`), mode=tunnel and
 * the outer addresses are QM's endpoints:
 *   outbound  src = local endpoint, dst = remote endpoint, filter = every
 *             outbound-tunnel filter whose provider context is QM (the
 *             NAME-out filters `tunnel add` made; only for the first SA of
 *             QM, the one the classifier uses), clear_df=1 when QM has
 *             flags clear-df;
 *   inbound   src = remote endpoint, dst = local endpoint (the lookup),
 *             sel_src/sel_dst = the remote/local subnet of QM's one
 *             inbound-tunnel filter when each is one prefix (the worker
 *             refuses decrypted packets outside them).
 * Both carry ctx = XFP_CTX_SA_BASE + the SA's index: the protection
 * context the compiler gave the SA.  Lifetimes and the idle timeout travel
 * with them.  An SA the worker
 * already has with the same SPI and direction is replaced, so loading
 * again (after a worker restart, or with new keys) is safe.  The keys
 * only ever exist in secure memory here and are wiped after the request.
 *
 * Only policy/policy.h is included: crypto/sa.h has types of the same
 * names (struct xfp_sa, struct xfp_addr, struct xfp_lifetime); this file
 * speaks to the worker in text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "loader/ctl.h"
#include "loader/ctl_policy.h"
#include "loader/subcommands.h"
#include "policy/policy.h"
#include "bpf/xfp_abi.h"

#define REQ_MAX 2048

/* The one host address of field @f of @flt, as text; NULL if the filter
 * has no such condition or more than one address. */
static const char *single_addr(const struct xfp_filter *flt, int f, char *buf,
			       size_t len)
{
	const struct xfp_cond *c = &flt->conds[f];
	const struct xfp_cond_val *v;

	if (!(flt->cond_mask & (1u << f)) || c->n != 1)
		return NULL;
	v = &c->v[0];
	if (v->match == XFP_MATCH_PREFIX &&
	    v->plen != (v->family == 4 ? 32 : 128))
		return NULL;
	if (v->match != XFP_MATCH_EQUAL && v->match != XFP_MATCH_PREFIX)
		return NULL;
	if (v->family == 4)
		return inet_ntop(AF_INET, v->addr_lo.b + 12, buf,
				 (socklen_t)len);
	if (v->family == 6)
		return inet_ntop(AF_INET6, v->addr_lo.b, buf, (socklen_t)len);
	return NULL;
}

/* The one prefix of field @f of @flt as "ADDR/PLEN"; NULL if the filter
 * has no such condition, more than one value, or a range. */
static const char *single_prefix(const struct xfp_filter *flt, int f, char *buf,
				 size_t len)
{
	const struct xfp_cond *c = &flt->conds[f];
	const struct xfp_cond_val *v;
	char a[INET6_ADDRSTRLEN];
	unsigned plen;

	if (!(flt->cond_mask & (1u << f)) || c->n != 1)
		return NULL;
	v = &c->v[0];
	if (v->match == XFP_MATCH_PREFIX)
		plen = v->plen;
	else if (v->match == XFP_MATCH_EQUAL)
		plen = v->family == 4 ? 32 : 128;
	else
		return NULL;
	if (v->family == 4 &&
	    inet_ntop(AF_INET, v->addr_lo.b + 12, a, sizeof(a)))
		snprintf(buf, len, "%s/%u", a, plen);
	else if (v->family == 6 &&
		 inet_ntop(AF_INET6, v->addr_lo.b, a, sizeof(a)))
		snprintf(buf, len, "%s/%u", a, plen);
	else
		return NULL;
	return buf;
}

/* A qm-policy endpoint as text. */
static const char *endpoint(const struct xfp_qm_policy *qm,
			    const struct xfp_addr *a, char *buf, size_t len)
{
	if (qm->endpoint_family == 4)
		return inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

static size_t put_life(char *req, size_t n, const struct xfp_sa *sa)
{
	const struct xfp_lifetime *l = &sa->lifetime;

	if (l->has & XFP_LIFE_HAS_SECONDS)
		n += (size_t)snprintf(req + n, REQ_MAX - n,
				      "hard_seconds=%llu\n",
				      (unsigned long long)l->seconds);
	if (l->has & XFP_LIFE_HAS_KILOBYTES)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "hard_bytes=%llu\n",
				      (unsigned long long)l->kilobytes * 1024);
	if (l->has & XFP_LIFE_HAS_PACKETS)
		n += (size_t)snprintf(req + n, REQ_MAX - n,
				      "hard_packets=%llu\n",
				      (unsigned long long)l->packets);
	if (l->has & XFP_LIFE_HAS_SOFT_SECONDS)
		n += (size_t)snprintf(req + n, REQ_MAX - n,
				      "soft_seconds=%llu\n",
				      (unsigned long long)l->soft_seconds);
	if (l->has & XFP_LIFE_HAS_SOFT_KILOBYTES)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "soft_bytes=%llu\n",
				      (unsigned long long)l->soft_kilobytes *
					      1024);
	if (l->has & XFP_LIFE_HAS_SOFT_PACKETS)
		n += (size_t)snprintf(req + n, REQ_MAX - n,
				      "soft_packets=%llu\n",
				      (unsigned long long)l->soft_packets);
	if (sa->has & XFP_SA_HAS_IDLE)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "idle_seconds=%u\n",
				      sa->idle_timeout);
	return n;
}

/* One add_sa (after a del_sa of the same SPI and direction). */
static int install_one(const char *dev, const struct xfp_sa *sa, bool out,
		       const char *dst, unsigned ctx, const char *extra,
		       char *req)
{
	const uint8_t *key = out ? sa->key_out : sa->key_in;
	uint32_t spi = out ? sa->spi_out : sa->spi_in;
	char *reply = NULL, msg[512];
	size_t n;
	unsigned i;
	int code;

	n = (size_t)snprintf(req, REQ_MAX, "del_sa=1\nspi=%u\ndir=%s\n\n", spi,
			     out ? "out" : "in");
	code = ctl_call(dev, req, n, &reply);
	free(reply);
	reply = NULL;
	if (code < 0)
		return code;
	if (code && code != ENOENT) {
		fprintf(stderr, "%s: sa %s: replacing spi 0x%08x: %s\n",
			prog_name, sa->name, spi, strerror(code));
		return -code;
	}
	n = (size_t)snprintf(
		req, REQ_MAX,
		"add_sa=1\nspi=%u\ndir=%s\nalg=%s\nmode=%s\nctx=%u\n", spi,
		out ? "out" : "in", xfp_alg_name(sa->alg),
		sa->tunnel ? "tunnel" : "transport", ctx);
	if (dst)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "dst=%s\n", dst);
	if (extra)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "%s", extra);
	n = put_life(req, n, sa);
	n += (size_t)snprintf(req + n, REQ_MAX - n, "key=");
	for (i = 0; i < sa->key_len && n + 3 < REQ_MAX; i++)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "%02x", key[i]);
	n += (size_t)snprintf(req + n, REQ_MAX - n, "\n\n");
	code = ctl_call(dev, req, n, &reply);
	sodium_memzero(req, REQ_MAX);
	if (code > 0)
		fprintf(stderr, "%s: sa %s (%s, spi 0x%08x): %s%s%s\n",
			prog_name, sa->name, out ? "out" : "in", spi,
			strerror(code),
			ctl_reply_get(reply, "message", msg, sizeof(msg)) ?
				": " :
				"",
			ctl_reply_get(reply, "message", msg, sizeof(msg)) ?
				msg :
				"");
	else if (!code)
		printf("%s: sa %s %s spi 0x%08x %s%s%s%s\n", dev, sa->name,
		       out ? "out" : "in", spi, xfp_alg_name(sa->alg),
		       sa->tunnel ? " tunnel" : "",
		       dst ? (out ? " to " : " at ") : "", dst ? dst : "");
	free(reply);
	return code > 0 ? -code : code;
}

/* Append "filter=ID[,ID...]\n" for the outbound decisions that use SA
 * @idx of @p (at most SA_FILTERS_MAX ids); returns the new length of
 * @buf or 0 when there are too many. */
#define SA_FILTERS_MAX 8
static size_t put_filters(const struct xfp_policy *p, unsigned idx, char *buf,
			  size_t n, size_t cap)
{
	const struct xfp_sa *sa = &p->sas[idx];
	unsigned i, k = 0;

	if (!sa->tunnel) {
		return n + (size_t)snprintf(buf + n, cap - n, "filter=%llu\n",
					    (unsigned long long)sa->filter_id);
	}
	/* The classifier uses the first SA of a qm-policy for its
	 * outbound-tunnel filters (policy/classify.c outbound_sa()). */
	for (i = 0; i < idx; i++)
		if (p->sas[i].tunnel && p->sas[i].qm_policy == sa->qm_policy)
			return n;
	for (i = 0; i < p->n_filters; i++) {
		const struct xfp_filter *f = &p->filters[i];

		if (f->action != XFP_ACTION_OUTBOUND_TUNNEL ||
		    !(f->has & XFP_FILTER_HAS_POLICY) ||
		    f->ctx_kind != XFP_CTX_QM || f->ctx != sa->qm_policy)
			continue;
		if (k == SA_FILTERS_MAX)
			return 0;
		n += (size_t)snprintf(
			buf + n, cap - n, "%s%llu",
			k ? "," : "filter=", (unsigned long long)f->id);
		k++;
	}
	if (k)
		n += (size_t)snprintf(buf + n, cap - n, "\n");
	return n;
}

/* A tunnel SA: both directions between QM's endpoints. */
static int install_tunnel(const char *dev, const struct xfp_policy *p,
			  unsigned idx, char *req)
{
	const struct xfp_sa *sa = &p->sas[idx];
	const struct xfp_qm_policy *qm;
	const struct xfp_filter *fin = NULL;
	char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
	char sl[INET6_ADDRSTRLEN + 8], sr[INET6_ADDRSTRLEN + 8];
	char extra[512];
	size_t n;
	unsigned i, n_in = 0;
	int err;

	if (sa->qm_policy < 0 || (unsigned)sa->qm_policy >= p->n_qm ||
	    !p->qm[sa->qm_policy].tunnel ||
	    !(p->qm[sa->qm_policy].has & XFP_QM_HAS_ENDPOINTS)) {
		fprintf(stderr,
			"%s: sa %s (line %u): its tunnel-policy has no endpoints\n",
			prog_name, sa->name, sa->line);
		return -EINVAL;
	}
	qm = &p->qm[sa->qm_policy];
	if (!endpoint(qm, &qm->local_endpoint, local, sizeof(local)) ||
	    !endpoint(qm, &qm->remote_endpoint, remote, sizeof(remote)))
		return -EINVAL;

	n = (size_t)snprintf(extra, sizeof(extra), "src=%s\n", local);
	if (qm->flags & XFP_QM_CLEAR_DF_ON_TUNNEL)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      "clear_df=1\n");
	n = put_filters(p, idx, extra, n, sizeof(extra));
	if (!n) {
		fprintf(stderr,
			"%s: sa %s (line %u): more than %d outbound-tunnel filters use its tunnel-policy\n",
			prog_name, sa->name, sa->line, SA_FILTERS_MAX);
		return -E2BIG;
	}
	err = install_one(dev, sa, true, remote, XFP_CTX_SA_BASE + idx, extra,
			  req);
	if (err)
		return err;

	/* Inbound: the inner selector of QM's one inbound-tunnel filter. */
	for (i = 0; i < p->n_filters; i++) {
		const struct xfp_filter *f = &p->filters[i];

		if (f->action == XFP_ACTION_INBOUND_TUNNEL &&
		    (f->has & XFP_FILTER_HAS_POLICY) &&
		    f->ctx_kind == XFP_CTX_QM && f->ctx == sa->qm_policy) {
			fin = f;
			n_in++;
		}
	}
	n = (size_t)snprintf(extra, sizeof(extra), "src=%s\n", remote);
	if (n_in == 1 &&
	    single_prefix(fin, XFP_FIELD_REMOTE_ADDR, sr, sizeof(sr)) &&
	    single_prefix(fin, XFP_FIELD_LOCAL_ADDR, sl, sizeof(sl)))
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      "sel_src=%s\nsel_dst=%s\n", sr, sl);
	return install_one(dev, sa, false, local, XFP_CTX_SA_BASE + idx, extra,
			   req);
}

int ctl_install_policy_sas(const char *dev, const struct xfp_policy *p)
{
	char *req;
	unsigned i;
	int err = 0, n = 0;

	/* a policy without SAs read no key: libsodium may not be set up */
	if (sodium_init() < 0)
		return -ENOMEM;
	req = sodium_malloc(REQ_MAX);
	if (!req)
		return -ENOMEM;
	{
		/* The previous policy's SAs go first: none of its SAs,
		 * protection contexts or filter bindings outlives it. */
		char *reply = NULL;
		int code = ctl_call(dev, "flush_policy_sas=1\n\n",
				    strlen("flush_policy_sas=1\n\n"), &reply);

		free(reply);
		if (code) {
			fprintf(stderr,
				"%s: %s: removing the previous policy's SAs: %s\n",
				prog_name, dev,
				code < 0 ? strerror(-code) : strerror(code));
			sodium_free(req);
			return code < 0 ? code : -code;
		}
	}
	for (i = 0; i < p->n_sas && !err; i++) {
		const struct xfp_sa *sa = &p->sas[i];
		const struct xfp_filter *fo = NULL;
		char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
		char extra[64];
		const char *dst, *src;
		int fi;

		if (!(sa->has & XFP_SA_HAS_KEYS)) {
			fprintf(stderr,
				"%s: sa %s (line %u): no keys were read\n",
				prog_name, sa->name, sa->line);
			err = -ENOKEY;
			break;
		}
		if (sa->tunnel) {
			err = install_tunnel(dev, p, i, req);
			n += !err;
			continue;
		}
		fi = xfp_policy_find_filter_id(p, sa->filter_id);
		if (fi >= 0)
			fo = &p->filters[fi];
		dst = fo ? single_addr(fo, XFP_FIELD_REMOTE_ADDR, peer,
				       sizeof(peer)) :
			   NULL;
		if (!dst) {
			fprintf(stderr,
				"%s: sa %s (line %u): its filter must name one remote-addr (the peer)\n",
				prog_name, sa->name, sa->line);
			err = -EINVAL;
			break;
		}
		src = single_addr(fo, XFP_FIELD_LOCAL_ADDR, local,
				  sizeof(local));
		put_filters(p, i, extra, 0, sizeof(extra));
		/* The context the compiler gave SA i (policy/compile.c):
		 * its decrypted packets are judged with its identities. */
		err = install_one(dev, sa, true, dst, XFP_CTX_SA_BASE + i,
				  extra, req);
		if (!err)
			err = install_one(dev, sa, false, src,
					  XFP_CTX_SA_BASE + i, NULL, req);
		n += !err;
	}
	sodium_free(req);
	return err ? err : n;
}

/* `sa load DEV FILE`: parse and validate, then hand every SA over. */
int ctl_sa_load(const char *dev, const char *file)
{
	struct xfp_errors err = { 0 };
	struct xfp_policy *p = xfp_policy_new();
	int r, rc = 1;

	if (!p)
		return 1;
	r = xfp_policy_parse_file(p, file, 0, &err);
	if (!r)
		r = xfp_policy_finalize(p, &err);
	if (r) {
		xfp_errors_print(&err, stderr);
		goto out;
	}
	if (!p->n_sas) {
		fprintf(stderr, "%s: %s has no manual SA (sa add ...)\n",
			prog_name, file);
		goto out;
	}
	r = ctl_install_policy_sas(dev, p);
	if (r >= 0) {
		printf("%s: %d manual SA%s of %s installed\n", dev, r,
		       r == 1 ? "" : "s", file);
		rc = 0;
	}
out:
	xfp_errors_free(&err);
	xfp_policy_free(p); /* wipes the keys */
	return rc;
}
