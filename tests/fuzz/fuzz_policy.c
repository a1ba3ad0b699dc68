// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fuzz_policy.c - libFuzzer harness for the policy language.
 *
 * The input is a policy text.  It is parsed (key files are not opened)
 * and finalized; when that succeeds:
 *  - both outputs of `policy show` are produced;
 *  - the text output must parse again without error into a policy with the
 *    same numbers of objects (show prints valid policy language);
 *  - a handful of packets built from the input's last bytes are classified
 *    at every layer, and each decision must be self-consistent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_policy: invariant broken: %s\n", what);
		abort();
	}
}

static char *show(const struct xfp_policy *p, bool json, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	if (!m)
		abort();
	xfp_policy_print(p, json, m);
	fclose(m);
	return buf;
}

static void classify_some(const struct xfp_policy *p, const uint8_t *d,
			  size_t n)
{
	for (int i = 0; i < 8; i++) {
		const uint8_t *b = d + (n > 16 ? n - 16 : 0);
		size_t m = n > 16 ? 16 : n;
		struct xfp_pkt k;
		uint8_t x = m ? b[i % m] : 0, y = m ? b[(i + 5) % m] : 0;

		memset(&k, 0, sizeof(k));
		k.family = (x & 1) ? 6 : 4;
		if (k.family == 4) {
			k.local.b[10] = k.local.b[11] = 0xff;
			k.remote.b[10] = k.remote.b[11] = 0xff;
			k.local.b[12] = 198;
			k.local.b[13] = 18;
			k.remote.b[12] = 198;
			k.remote.b[13] = (uint8_t)(18 + (y & 1));
			k.remote.b[15] = y;
		} else {
			k.local.b[0] = 0x20;
			k.local.b[1] = 0x01;
			k.remote.b[0] = 0x20;
			k.remote.b[1] = 0x01;
			k.remote.b[15] = y;
		}
		k.protocol = (uint8_t[]){ 6, 17, 1, 58, 4, 50 }[x % 6];
		if (k.protocol == 6 || k.protocol == 17) {
			k.has |= XFP_PKT_HAS_PORTS;
			k.local_port = (uint16_t)(x * 257 + y);
			k.remote_port = (uint16_t)(y * 31);
		} else if (k.protocol == 1 || k.protocol == 58) {
			k.has |= XFP_PKT_HAS_ICMP;
			k.icmp_type = y;
			k.icmp_code = x;
		}
		k.local_addr_type = (uint8_t)(y % 5);
		k.ipsec_flags = (x >> 2) & 3;
		if (x & 0x10)
			k.has |= XFP_PKT_FLOW_WAS_SECURED;
		if (x & 0x20) {
			k.has |= XFP_PKT_HAS_IFINDEX;
			k.ifindex = y;
		}
		k.sa = p->n_sas && (y & 0x80) ? (int)(y % p->n_sas) : -1;
		if (p->n_principals && (x & 0x40))
			k.remote_machine = p->principals[y % p->n_principals];
		if (p->n_principals && (x & 0x80))
			k.remote_user = p->principals[x % p->n_principals];
		for (int l = 0; l < XFP_LAYER__MAX; l++) {
			struct xfp_decision dec;

			check(xfp_ref_classify(p, (enum xfp_layer)l, &k,
					       &dec) == 0,
			      "classify accepts a valid packet");
			check(dec.action == XFP_ACTION_PERMIT ||
				      dec.action == XFP_ACTION_BLOCK,
			      "final action is permit or block");
			check(dec.matched == (dec.filter >= 0),
			      "matched iff a deciding filter");
			check(dec.filter < 0 ||
				      (p->filters[dec.filter].layer ==
					       (enum xfp_layer)l &&
				       xfp_filter_matches(
					       p, &p->filters[dec.filter], &k)),
			      "the decider is a matching filter of the layer");
			check(!dec.veto || dec.action == XFP_ACTION_BLOCK,
			      "a veto blocks");
			check(dec.n_sublayers == p->n_sublayers,
			      "every sublayer reported");
			check((dec.action == XFP_ACTION_BLOCK) ==
				      (dec.drop_reason != XFP_DROP_NONE),
			      "a block has a drop reason");
			{
				char *buf = NULL;
				size_t len = 0;
				FILE *o = open_memstream(&buf, &len);

				xfp_decision_print(p, &dec, &k, i & 1, o);
				fclose(o);
				free(buf);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xfp_policy *p, *q;
	struct xfp_errors e = { 0 };
	char *txt, *js;
	size_t tl, jl;
	int n;

	if (size > 1 << 16)
		return 0;
	p = xfp_policy_new();
	if (!p)
		return 0;
	n = xfp_policy_parse_string(p, "fuzz", (const char *)data, size,
				    XFP_PARSE_NO_KEYS, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	check((unsigned)n == e.n, "error count matches the list");
	for (unsigned i = 0; i < e.n; i++)
		check(e.v[i].msg && e.v[i].msg[0], "errors have a message");
	xfp_errors_free(&e);
	if (n) {
		xfp_policy_free(p);
		return 0;
	}

	txt = show(p, false, &tl);
	js = show(p, true, &jl);
	q = xfp_policy_new();
	if (q) {
		n = xfp_policy_parse_string(q, "show", txt, tl,
					    XFP_PARSE_NO_KEYS, &e);
		if (!n)
			n = xfp_policy_finalize(q, &e);
		if (n) {
			xfp_errors_print(&e, stderr);
			fprintf(stderr, "%s", txt);
		}
		check(n == 0, "show output parses again");
		check(q->n_filters == p->n_filters && q->n_sas == p->n_sas &&
			      q->n_qm == p->n_qm && q->n_mm == p->n_mm &&
			      q->n_sublayers == p->n_sublayers &&
			      q->n_groups == p->n_groups &&
			      q->n_tunnels == p->n_tunnels,
		      "show output has the same objects");
		xfp_errors_free(&e);
		xfp_policy_free(q);
	}
	free(txt);
	free(js);
	classify_some(p, data, size);
	xfp_policy_free(p);
	return 0;
}
