// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_explain.c - `xfp explain --policy FILE --layer L PACKET... [-j]`:
 * run the reference classifier on one packet or flow and say what each
 * sublayer decided, which filter decided the layer, and why.
 *
 * Packet fields use the names of the policy conditions, so a filter line
 * and the packet that should hit it read alike.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/dp_load.h"
#include "loader/subcommands.h"
#include "policy/policy.h"

static void explain_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s explain --policy FILE --layer LAYER [-j] [-n] PACKET...\n"
		"       %s explain DEV [direction in|out] PACKET... [-j]\n"
		"         (DEV: a device xfp is attached to; runs its compiled\n"
		"          tables next to the reference classifier)\n"
		"\n"
		"LAYER := inbound-transport | outbound-transport |\n"
		"         ale-auth-recv-accept | ale-auth-connect | ipsec | ikeext\n"
		"PACKET := [ family ip|ip6 ] [ local-addr ADDR ] [ remote-addr ADDR ]\n"
		"          [ protocol PROTO ] [ local-port PORT ] [ remote-port PORT ]\n"
		"          [ icmp-type N ] [ icmp-code N ]\n"
		"          [ local-addr-type unicast|anycast|multicast|broadcast ]\n"
		"          [ interface NAME|INDEX ] [ ipsec-flags FLAG[,FLAG] ]\n"
		"          [ flow-was-secured ] [ nd-clear-expired ] [ sa SA-NAME ]\n"
		"          [ remote-machine-id NAME ] [ remote-user-id NAME ]\n"
		"FLAG := secured | encrypted          (encrypted implies secured)\n"
		"\n"
		"Ports apply to tcp, udp, sctp and udplite; ICMP type and code to\n"
		"icmp and icmpv6.  For outbound layers ipsec-flags says whether an\n"
		"SA is established for the traffic.  'sa NAME' means the packet came\n"
		"over (or leaves through) that SA of the policy: secured, encrypted\n"
		"when its algorithm encrypts, with the SA's remote identities.\n"
		"flow-was-secured: the flow was IPsec-protected before (it never\n"
		"goes back to clear).  nd-clear-expired: the flow's negotiation-\n"
		"discovery allowance for inbound clear text ran out.  Identities\n"
		"are matched by the conditions' access lists (policy/README.md).\n"
		"\n"
		"  -p, --policy FILE   the policy\n"
		"  -l, --layer LAYER   the layer to classify at\n"
		"  -j, --json          JSON output\n"
		"  -n, --no-keys       do not read the SAs' key files\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit status: 0 explained, 1 the policy is invalid, 2 usage error.\n",
		prog_name, prog_name);
}

static int bad(const char *kw, const char *val, const char *want)
{
	fprintf(stderr,
		"%s explain: bad %s '%s': expected %s (see '%s explain "
		"--help')\n",
		prog_name, kw, val, want, prog_name);
	return 2;
}

static bool num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	*v = strtoul(s, &end, 0);
	return !*end && *v <= max;
}

/* Fills pkt from the keyword list; names are resolved once p is loaded. */
struct pkt_args {
	const char *sa;
	bool have_family, have_ports, have_icmp;
	int addr_family;
};

static int parse_packet(int argc, char **argv, struct xfp_pkt *pkt,
			struct pkt_args *pa)
{
	for (int i = 0; i < argc; i++) {
		const char *kw = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long n;

		if (!strcmp(kw, "flow-was-secured")) {
			pkt->has |= XFP_PKT_FLOW_WAS_SECURED;
			continue;
		}
		if (!strcmp(kw, "nd-clear-expired")) {
			pkt->has |= XFP_PKT_ND_CLEAR_EXPIRED;
			continue;
		}
		if (!v) {
			fprintf(stderr,
				"%s explain: '%s' needs a value (see '%s explain "
				"--help')\n",
				prog_name, kw, prog_name);
			return 2;
		}
		i++;
		if (!strcmp(kw, "family")) {
			if (strcmp(v, "ip") && strcmp(v, "ip6"))
				return bad(kw, v, "ip or ip6");
			pkt->family = v[2] ? 6 : 4;
			pa->have_family = true;
		} else if (!strcmp(kw, "local-addr") ||
			   !strcmp(kw, "remote-addr")) {
			struct xfp_addr a;
			int fam = xfp_addr_parse(v, &a);

			if (!fam)
				return bad(kw, v, "an IPv4 or IPv6 address");
			if (pa->addr_family && pa->addr_family != fam)
				return bad(kw, v,
					   "an address of the same "
					   "family as the other one");
			pa->addr_family = fam;
			if (kw[0] == 'l')
				pkt->local = a;
			else
				pkt->remote = a;
		} else if (!strcmp(kw, "protocol")) {
			int pr = xfp_protocol_parse(v);

			if (pr < 0)
				return bad(kw, v,
					   "0-255 or a protocol name "
					   "such as tcp, udp, icmp");
			pkt->protocol = (uint8_t)pr;
		} else if (!strcmp(kw, "local-port") ||
			   !strcmp(kw, "remote-port")) {
			if (!num(v, 65535, &n))
				return bad(kw, v, "a port 0-65535");
			if (kw[0] == 'l')
				pkt->local_port = (uint16_t)n;
			else
				pkt->remote_port = (uint16_t)n;
			pa->have_ports = true;
		} else if (!strcmp(kw, "icmp-type") ||
			   !strcmp(kw, "icmp-code")) {
			if (!num(v, 255, &n))
				return bad(kw, v, "a number 0-255");
			if (kw[5] == 't')
				pkt->icmp_type = (uint8_t)n;
			else
				pkt->icmp_code = (uint8_t)n;
			pa->have_icmp = true;
		} else if (!strcmp(kw, "local-addr-type")) {
			int t = xfp_addr_type_parse(v);

			if (t < 0)
				return bad(kw, v,
					   "unicast, anycast, multicast "
					   "or broadcast");
			pkt->local_addr_type = (uint8_t)t;
		} else if (!strcmp(kw, "interface")) {
			if (num(v, UINT32_MAX, &n) && n > 0) {
				pkt->ifindex = (uint32_t)n;
				pkt->has |= XFP_PKT_HAS_IFINDEX;
			} else if (strlen(v) < XFP_IFNAME_MAX && *v) {
				strcpy(pkt->ifname, v);
				pkt->has |= XFP_PKT_HAS_IFNAME;
			} else {
				return bad(kw, v, "an interface name or index");
			}
		} else if (!strcmp(kw, "ipsec-flags")) {
			char buf[64], *tok, *save = NULL;

			if (strlen(v) >= sizeof(buf))
				return bad(kw, v, "secured, encrypted or both");
			strcpy(buf, v);
			for (tok = strtok_r(buf, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (!strcmp(tok, "secured"))
					pkt->ipsec_flags |=
						XFP_COND_FLAG_SECURED;
				else if (!strcmp(tok, "encrypted"))
					pkt->ipsec_flags |=
						XFP_COND_FLAG_SECURED |
						XFP_COND_FLAG_ENCRYPTED;
				else
					return bad(
						kw, v,
						"secured, encrypted or both");
			}
		} else if (!strcmp(kw, "sa")) {
			pa->sa = v;
		} else if (!strcmp(kw, "remote-machine-id")) {
			pkt->remote_machine = v;
		} else if (!strcmp(kw, "remote-user-id")) {
			pkt->remote_user = v;
		} else {
			fprintf(stderr,
				"%s explain: unknown packet field '%s' (see '%s "
				"explain --help')\n",
				prog_name, kw, prog_name);
			return 2;
		}
	}
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "layer", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-keys", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL, *layer_s = NULL;
	struct xfp_errors err = { 0 };
	struct xfp_decision d;
	struct xfp_policy *p;
	struct pkt_args pa = { 0 };
	struct xfp_pkt pkt;
	unsigned flags = 0;
	bool json = false;
	int c, layer, r;

	/* `xfp explain DEV ...`: the compiled tables of an attached device. */
	if (argc > 1 && argv[1][0] != '-' && dp_dev_attached(argv[1]))
		return cmd_dp_explain(argc, argv);

	memset(&pkt, 0, sizeof(pkt));
	pkt.sa = -1;
	optind = 1;
	opterr = 0;
	/* '+': stop at the first packet keyword; options come first. */
	while ((c = getopt_long(argc, argv, "+:p:l:jnh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			file = optarg;
			break;
		case 'l':
			layer_s = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			flags |= XFP_PARSE_NO_KEYS;
			break;
		case 'h':
			explain_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr,
				"%s explain: option '%s' needs a value\n",
				prog_name, argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr,
				"%s explain: unknown option '%s' (see '%s explain "
				"--help')\n",
				prog_name, argv[optind - 1], prog_name);
			return 2;
		}
	}
	/* -j may also come after the packet fields. */
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
			memmove(&argv[i], &argv[i + 1],
				(size_t)(argc - i - 1) * sizeof(*argv));
			argc--;
			i--;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			explain_usage(stdout);
			return 0;
		}
	if (!file || !layer_s) {
		fprintf(stderr, "%s explain: %s is required\n", prog_name,
			!file ? "--policy FILE" : "--layer LAYER");
		explain_usage(stderr);
		return 2;
	}
	layer = xfp_layer_from_name(layer_s);
	if (layer < 0)
		return bad("layer", layer_s,
			   "inbound-transport, outbound-transport, "
			   "ale-auth-recv-accept, ale-auth-connect, ipsec or "
			   "ikeext");
	r = parse_packet(argc - optind, argv + optind, &pkt, &pa);
	if (r)
		return r;
	if (pa.have_family && pa.addr_family && pa.addr_family != pkt.family) {
		fprintf(stderr,
			"%s explain: family ip%s does not match the addresses\n",
			prog_name, pkt.family == 6 ? "6" : "");
		return 2;
	}
	if (!pa.have_family)
		pkt.family = pa.addr_family ? (uint8_t)pa.addr_family : 4;
	if (pkt.family == 4) {
		/* An unset IPv4 address is 0.0.0.0, v4-mapped. */
		for (int k = 0; k < 2; k++) {
			struct xfp_addr *a = k ? &pkt.remote : &pkt.local;
			static const uint8_t zero[16];

			if (!memcmp(a->b, zero, 16)) {
				a->b[10] = 0xff;
				a->b[11] = 0xff;
			}
		}
	}
	switch (pkt.protocol) {
	case 6:
	case 17:
	case 132:
	case 136:
		pkt.has |= XFP_PKT_HAS_PORTS;
		break;
	case 1:
	case 58:
		pkt.has |= XFP_PKT_HAS_ICMP;
		break;
	}
	if (pa.have_ports && !(pkt.has & XFP_PKT_HAS_PORTS)) {
		fprintf(stderr,
			"%s explain: ports need protocol tcp, udp, sctp or "
			"udplite\n",
			prog_name);
		return 2;
	}
	if (pa.have_icmp && !(pkt.has & XFP_PKT_HAS_ICMP)) {
		fprintf(stderr,
			"%s explain: icmp-type/icmp-code need protocol icmp or "
			"icmpv6\n",
			prog_name);
		return 2;
	}

	p = xfp_policy_new();
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog_name);
		return 1;
	}
	r = xfp_policy_parse_file(p, file, flags, &err);
	if (r == 0)
		r = xfp_policy_finalize(p, &err);
	if (r != 0) {
		xfp_errors_print(&err, stderr);
		xfp_errors_free(&err);
		xfp_policy_free(p);
		return 1;
	}
	xfp_errors_free(&err);
	if (pa.sa) {
		pkt.sa = xfp_policy_find_sa(p, pa.sa);
		if (pkt.sa < 0) {
			fprintf(stderr, "%s explain: %s has no sa '%s'\n",
				prog_name, file, pa.sa);
			xfp_policy_free(p);
			return 2;
		}
	}
	if (xfp_ref_classify(p, (enum xfp_layer)layer, &pkt, &d)) {
		fprintf(stderr, "%s explain: cannot classify this packet\n",
			prog_name);
		xfp_policy_free(p);
		return 2;
	}
	xfp_decision_print(p, &d, &pkt, json, stdout);
	xfp_policy_free(p);
	return 0;
}
