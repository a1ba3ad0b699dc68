// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_policy.c - install the manual SAs of a policy (`sa add NAME ...` in
 * the policy language) into DEV's running worker.
 *
 * For each transport-mode SA of a finalized policy with its keys read:
 *   outbound  spi-out, key "outbound", dst = the single remote address of
 *             its filter (the peer whose traffic it protects);
 *   inbound   spi-in, key "inbound", dst = the single local address of its
 *             filter when there is one.
 * Lifetimes and the idle timeout travel with them.  An SA the worker
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
		       const char *dst, char *req)
{
	const uint8_t *key = out ? sa->key_out : sa->key_in;
	uint32_t spi = out ? sa->spi_out : sa->spi_in;
	char *reply = NULL, msg[160];
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
		"add_sa=1\nspi=%u\ndir=%s\nalg=%s\nmode=transport\n", spi,
		out ? "out" : "in", xfp_alg_name(sa->alg));
	if (dst)
		n += (size_t)snprintf(req + n, REQ_MAX - n, "dst=%s\n", dst);
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
		printf("%s: sa %s %s spi 0x%08x %s%s%s\n", dev, sa->name,
		       out ? "out" : "in", spi, xfp_alg_name(sa->alg),
		       dst ? (out ? " to " : " at ") : "", dst ? dst : "");
	free(reply);
	return code > 0 ? -code : code;
}

int ctl_install_policy_sas(const char *dev, const struct xfp_policy *p)
{
	char *req = sodium_malloc(REQ_MAX);
	unsigned i;
	int err = 0, n = 0;

	if (!req)
		return -ENOMEM;
	for (i = 0; i < p->n_sas && !err; i++) {
		const struct xfp_sa *sa = &p->sas[i];
		const struct xfp_filter *fo = NULL;
		char peer[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
		const char *dst, *src;
		int fi;

		if (sa->tunnel) {
			fprintf(stderr,
				"%s: sa %s (line %u): tunnel-mode manual SAs are not installed by the worker yet\n",
				prog_name, sa->name, sa->line);
			err = -ENOTSUP;
			break;
		}
		if (!(sa->has & XFP_SA_HAS_KEYS)) {
			fprintf(stderr,
				"%s: sa %s (line %u): no keys were read\n",
				prog_name, sa->name, sa->line);
			err = -ENOKEY;
			break;
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
		err = install_one(dev, sa, true, dst, req);
		if (!err)
			err = install_one(dev, sa, false, src, req);
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
