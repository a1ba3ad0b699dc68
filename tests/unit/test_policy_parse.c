// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy_parse.c - the policy language: every grammar element, every
 * error message, key files, golden `policy show` output (text and JSON)
 * and show -> parse -> show round trips.
 *
 * Golden files live in tests/unit/data/policy/golden/.  After an intended
 * output change, regenerate them with XFP_GOLDEN_UPDATE=1 and review the
 * diff before committing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/alg.h"
#include "policy/policy.h"
#include "policy/policy_int.h"

#define DATA "tests/unit/data/policy/"

/* ---- helpers ------------------------------------------------------------ */

static struct xfp_policy *parse_ok(const char *text, unsigned flags)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	int n;

	assert_non_null(p);
	n = xfp_policy_parse_string(p, "t", text, strlen(text), flags, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	if (n) {
		xfp_errors_print(&e, stderr);
		fail_msg("unexpected errors in: %s", text);
	}
	xfp_errors_free(&e);
	return p;
}

static struct xfp_policy *file_ok(const char *path, unsigned flags)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	int n;

	assert_non_null(p);
	n = xfp_policy_parse_file(p, path, flags, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	if (n) {
		xfp_errors_print(&e, stderr);
		fail_msg("unexpected errors in %s", path);
	}
	xfp_errors_free(&e);
	return p;
}

/* All error lines of parsing + finalizing text, joined by '\n'. */
static char *errors_of(const char *text, unsigned flags, int *count)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int n;

	assert_non_null(p);
	n = xfp_policy_parse_string(p, "t", text, strlen(text), flags, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	xfp_errors_print(&e, m);
	fclose(m);
	if (count)
		*count = (int)e.n;
	assert_int_equal(n, (int)e.n);
	xfp_errors_free(&e);
	xfp_policy_free(p);
	return buf;
}

static char *show(const struct xfp_policy *p, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	xfp_policy_print(p, json, m);
	fclose(m);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void golden(const char *path, const char *got)
{
	char *want;

	if (getenv("XFP_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("missing golden file %s", path);
	if (strcmp(want, got)) {
		fprintf(stderr, "--- %s\n%s\n+++ got\n%s\n", path, want, got);
		fail_msg("output differs from %s", path);
	}
	free(want);
}

static const struct xfp_filter *filter(const struct xfp_policy *p,
				       const char *name)
{
	int i = xfp_policy_find_filter(p, name);

	if (i < 0)
		fail_msg("no filter %s", name);
	return &p->filters[i];
}

/* ---- every error message ------------------------------------------------ */

static const struct {
	const char *in, *want;
} bad[] = {
	/* groups, access lists, tunnels */
	{ "group add g user:\"carol smith\"",
	  "1:13: bad group member 'user:': a name must follow the ':' (quote a member with blanks whole: \"user:NAME WITH BLANKS\")" },
	{ "group add g { bogus }",
	  "1:15: bad group member 'bogus': expected machine:NAME, user:NAME or group:NAME" },
	{ "group add g group:nope",
	  "1:13: undefined group 'nope'; define it first with 'group add nope { ... }'" },
	{ "group add g group:g", "1:13: group 'g' cannot contain itself" },
	{ "group add g user:a; group add g user:b",
	  "1:31: duplicate group name 'g'" },
	{ "group add g { machine:*, user:a }",
	  "1:15: principal name '*' is reserved: it means any identity" },
	{ "group delete g",
	  "1:7: unknown verb 'delete' for group; expected 'add'" },
	{ "filter add f layer ale-auth-recv-accept remote-user-id group:nope action permit",
	  "1:56: undefined group 'nope'; define it first with 'group add nope { ... }'" },
	{ "filter add f layer ale-auth-recv-accept remote-user-id != * action permit",
	  "1:59: '!= *' matches no identity; expected a principal or group:NAME" },
	{ "filter add f layer ale-auth-recv-accept remote-user-id \"*\" action permit",
	  "1:56: principal name '*' is reserved: '*' means any identity and 'group:' names a group" },
	{ "filter add f layer ale-auth-recv-accept remote-user-id \"group:x\" action permit",
	  "1:56: principal name 'group:x' is reserved: '*' means any identity and 'group:' names a group" },
	{ "filter add f layer ale-auth-recv-accept remote-user-id { deny } action permit",
	  "1:63: expected a principal, group:NAME or '*', got '}'" },
	{ "filter add f layer inbound-transport remote-user-id alice action permit",
	  "1:38: condition 'remote-user-id' is not allowed at layer inbound-transport; allowed: local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface, ipsec-flags" },
	{ "tunnel add t local-addr 198.18.0.0/24",
	  "1:12: tunnel 't' needs 'policy NAME' (a tunnel qm-policy)" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a protocol tcp",
	  "1:125: condition 'protocol' needs a point-to-point tunnel: a site-to-site tunnel selects by local-addr and remote-addr only (add 'flags point-to-point')" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a flags point-to-point interface eth0",
	  "1:146: condition 'interface' is not a tunnel selector; expected local-addr, remote-addr, local-port, remote-port, protocol, icmp-type or icmp-code" },
	{ "qm-policy add a transport proposal esp aes128gcm16; tunnel add t policy a",
	  "1:73: policy 'a' is a transport qm-policy; a tunnel needs a tunnel qm-policy" },
	{ "tunnel add t policy nope",
	  "1:21: undefined qm-policy 'nope'; define it first with 'qm-policy add nope tunnel ...'" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; filter add t-in layer ipsec action permit policy a; tunnel add t policy a",
	  "1:166: tunnel 't' would add filter 't-in', which exists; choose another tunnel name" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a flags bogus",
	  "1:131: unknown tunnel flag 'bogus'; expected point-to-point" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a mm-policy nope",
	  "1:135: undefined mm-policy 'nope'; define it first with 'mm-policy add nope ...'" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a sublayer nope",
	  "1:134: undefined sublayer 'nope'; define it first with 'sublayer add nope weight N'" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a; tunnel add t policy a",
	  "1:137: duplicate tunnel name 't'" },
	{ "qm-policy add a tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2; tunnel add t policy a bogus",
	  "1:125: unknown keyword 'bogus' in tunnel; expected policy, mm-policy, flags, sublayer or a selector (local-addr, remote-addr; with flags point-to-point also local-port, remote-port, protocol, icmp-type, icmp-code)" },
	{ "tunnel add abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef policy a",
	  "1:12: tunnel name 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdef' is too long: at most 55 characters, so that its filter names fit" },
	{ "tunnel delete nope", "1:15: undefined tunnel 'nope'" },
	{ "bogus add x",
	  "1:1: unknown command 'bogus'; expected sublayer, qm-policy, mm-policy, group, filter, tunnel or sa" },
	{ "filter frob x",
	  "1:8: unknown verb 'frob' for filter; expected 'add' or 'delete'" },
	{ "sublayer delete x",
	  "1:10: unknown verb 'delete' for sublayer; expected 'add'" },
	{ "\"str\"",
	  "1:1: expected a command (sublayer, qm-policy, mm-policy, group, filter, tunnel or sa), got \"str\"" },
	{ "filter add 9x layer ipsec action permit",
	  "1:12: bad filter name '9x': expected a letter or '_' then letters, digits, '_', '-' or '.', at most 63 characters" },
	{ "filter add x layer ipsec action permit extra",
	  "1:40: unknown keyword 'extra' in filter; expected layer, family, sublayer, weight, weight-range, action, context, flags, policy or a condition (local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface, ipsec-flags, remote-machine-id, remote-user-id)" },
	{ "filter add x layer nowhere action permit",
	  "1:20: unknown layer 'nowhere'; expected inbound-transport, outbound-transport, ale-auth-recv-accept, ale-auth-connect, ipsec or ikeext" },
	{ "filter add x layer inbound-transport action explode",
	  "1:45: unknown action 'explode'; expected one of: permit, block, inbound-transport, outbound-transport, inbound-tunnel, outbound-tunnel, inbound-initiate-secure, ale-connect, inbound-tunnel-ale-accept" },
	{ "filter add x layer inbound-transport action permit frob 1",
	  "1:52: unknown keyword 'frob' in filter; expected layer, family, sublayer, weight, weight-range, action, context, flags, policy or a condition (local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface, ipsec-flags, remote-machine-id, remote-user-id)" },
	{ "filter add x action permit",
	  "1:12: filter 'x' needs 'layer LAYER'" },
	{ "filter add x layer inbound-transport",
	  "1:12: filter 'x' needs 'action ACTION'" },
	{ "filter add x layer inbound-transport layer inbound-transport action permit",
	  "1:38: duplicate keyword 'layer'" },
	{ "filter add x layer inbound-transport family ip5 action permit",
	  "1:45: unknown family 'ip5'; expected ip, ip6 or inet" },
	{ "filter add x layer inbound-transport family ip remote-addr 2001:db8::1 action permit",
	  "1:60: IPv6 address '2001:db8::1' in a filter of family ip" },
	{ "filter add x layer inbound-transport family ip6 remote-addr 198.18.0.1 action permit",
	  "1:61: IPv4 address '198.18.0.1' in a filter of family ip6" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.1/24 action permit",
	  "1:50: bad prefix '198.18.0.1/24': host bits are set; expected 198.18.0.0/24" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.0/33 action permit",
	  "1:50: bad prefix '198.18.0.0/33': expected a prefix length from 0 to 32" },
	{ "filter add x layer inbound-transport remote-addr 2001:db8::/129 action permit",
	  "1:50: bad prefix '2001:db8::/129': expected a prefix length from 0 to 128" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.300 action permit",
	  "1:50: bad address '198.18.0.300': expected an IPv4 or IPv6 address" },
	{ "filter add x layer inbound-transport remote-addr ::ffff:198.18.0.1 action permit",
	  "1:50: address '::ffff:198.18.0.1' is IPv4-mapped IPv6; write the IPv4 address instead" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.9-198.18.0.1 action permit",
	  "1:50: address range '198.18.0.9-198.18.0.1' is reversed; expected LOW-HIGH" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.1-2001:db8::1 action permit",
	  "1:50: address range '198.18.0.1-2001:db8::1' mixes IPv4 and IPv6; expected two addresses of one family" },
	{ "filter add x layer inbound-transport local-port 2000-1000 action permit",
	  "1:49: port range '2000-1000' is reversed; expected LOW-HIGH" },
	{ "filter add x layer inbound-transport local-port 65536 action permit",
	  "1:49: bad local-port '65536': expected a number 0-65535" },
	{ "filter add x layer inbound-transport local-port http action permit",
	  "1:49: bad local-port 'http': expected a number 0-65535" },
	{ "filter add x layer inbound-transport protocol foo action permit",
	  "1:47: unknown protocol 'foo'; expected 0-255 or one of icmp, igmp, ipip, tcp, udp, ipv6, gre, esp, ah, icmpv6, sctp, udplite" },
	{ "filter add x layer inbound-transport icmp-type 9-3 action permit",
	  "1:48: icmp-type range '9-3' is reversed; expected LOW-HIGH" },
	{ "filter add x layer inbound-transport local-addr-type pointcast action permit",
	  "1:54: unknown address type 'pointcast'; expected unicast, anycast, multicast or broadcast" },
	{ "filter add x layer inbound-transport interface 0 action permit",
	  "1:48: bad interface index '0': expected 1-4294967295 or an interface name" },
	{ "filter add x layer inbound-transport interface abcdefghijklmnopq action permit",
	  "1:48: bad interface name 'abcdefghijklmnopq': expected at most 15 characters without '/'" },
	{ "filter add x layer inbound-transport local-port != 1-5 action permit",
	  "1:52: '!=' takes a single value, not a range or prefix: '1-5'" },
	{ "filter add x layer inbound-transport local-port { 1, 2 action permit",
	  "1:56: expected ',' or '}', got 'action'" },
	{ "filter add x layer inbound-transport local-port action permit",
	  "1:49: bad local-port 'action': expected a number 0-65535" },
	{ "filter add x layer inbound-transport ipsec-flags all-set sealed action permit",
	  "1:58: unknown IPsec flag 'sealed'; expected secured or encrypted" },
	{ "filter add x layer inbound-transport ipsec-flags secured,secured action permit",
	  "1:58: duplicate IPsec flag 'secured'" },
	{ "filter add x layer inbound-transport remote-user-id alice action permit",
	  "1:38: condition 'remote-user-id' is not allowed at layer inbound-transport; allowed: local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface, ipsec-flags" },
	{ "filter add x layer ale-auth-recv-accept remote-user-id user:alice action permit",
	  "1:56: principal 'user:alice' has a 'machine:'/'user:' prefix; the field already says which, write the name alone" },
	{ "filter add x layer ale-auth-recv-accept remote-user-id \"\" action permit",
	  "1:56: bad principal name: expected 1 to 255 characters" },
	{ "filter add x layer ikeext local-port 500 action permit",
	  "1:27: condition 'local-port' is not allowed at layer ikeext; allowed: local-addr, remote-addr, interface" },
	{ "filter add x layer outbound-transport ipsec-flags secured action permit",
	  "1:39: condition 'ipsec-flags' is not allowed at layer outbound-transport; allowed: local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface" },
	{ "filter add x layer inbound-transport action outbound-transport",
	  "1:45: action 'outbound-transport' is not valid at layer inbound-transport; expected permit, block, inbound-transport, inbound-tunnel" },
	{ "filter add x layer ipsec action block",
	  "1:33: action 'block' is not valid at layer ipsec; expected permit" },
	{ "filter add x layer inbound-transport action permit context negotiate-discover",
	  "1:52: context flag 'negotiate-discover' is not valid with action permit; it needs action outbound-transport" },
	{ "filter add x layer outbound-transport action outbound-transport context require-encryption",
	  "1:65: context flag 'require-encryption' is not valid with action outbound-transport; it needs action inbound-initiate-secure, ale-connect" },
	{ "filter add x layer inbound-transport action permit context bogus",
	  "1:60: unknown context flag 'bogus'; expected negotiate-discover, persist-connection-security or require-encryption" },
	{ "filter add x layer inbound-transport action permit flags bogus",
	  "1:58: unknown filter flag 'bogus'; expected clear-action-right" },
	{ "filter add x layer inbound-transport action permit flags clear-action-right flags clear-action-right",
	  "1:77: duplicate keyword 'flags'" },
	{ "filter add x layer inbound-transport weight 18446744073709551616 action permit",
	  "1:45: weight '18446744073709551616' out of range; expected 0-18446744073709551615" },
	{ "filter add x layer inbound-transport weight -1 action permit",
	  "1:45: bad weight '-1': expected a number from 0 to 18446744073709551615" },
	{ "filter add x layer inbound-transport weight-range 16 action permit",
	  "1:51: weight range 16 out of range; expected 0-15" },
	{ "filter add x layer inbound-transport weight 5 weight-range 3 action permit",
	  "1:47: duplicate weight: 'weight' and 'weight-range' are given once, not both" },
	{ "filter add x layer inbound-transport sublayer nope action permit",
	  "1:47: undefined sublayer 'nope'; define it first with 'sublayer add nope weight N'" },
	{ "filter add x layer ipsec action permit",
	  "1:12: filter 'x' needs 'policy NAME' (a qm-policy)" },
	{ "filter add x layer ikeext action permit",
	  "1:12: filter 'x' needs 'policy NAME' (an mm-policy)" },
	{ "filter add x layer inbound-transport action permit policy nope",
	  "1:59: undefined policy 'nope'; define it first with 'qm-policy add' or 'mm-policy add'" },
	{ "filter add ike-exempt-x layer inbound-transport action permit",
	  "1:12: filter names starting with 'ike-exempt-' are reserved for the automatic IKE exemptions" },
	{ "filter add x layer inbound-transport action permit ; filter add x layer inbound-transport action permit",
	  "1:65: duplicate filter name 'x'" },
	{ "filter delete nope", "1:15: undefined filter 'nope'" },
	{ "sublayer add s", "1:14: sublayer 's' needs 'weight N' (0-65535)" },
	{ "sublayer add s weight 70000",
	  "1:23: sublayer weight 70000 out of range; expected 0-65535" },
	{ "sublayer add s weight 1 weight 2",
	  "1:25: duplicate keyword 'weight'" },
	{ "sublayer add s weight 1 ; sublayer add s weight 2",
	  "1:40: duplicate sublayer name 's'" },
	{ "sublayer add s weight 1 frob",
	  "1:25: expected 'weight' or the end of the statement, got 'frob'" },
	{ "qm-policy add q sideways proposal esp aes128gcm16",
	  "1:17: unknown qm-policy mode 'sideways'; expected transport or tunnel" },
	{ "qm-policy add q transport",
	  "1:15: qm-policy 'q' has no proposal; expected at least one 'proposal esp ALG' or 'proposal ah ALG'" },
	{ "qm-policy add q transport proposal",
	  "1:27: proposal has no transform; expected 'esp ALG', 'ah ALG' or both" },
	{ "qm-policy add q transport proposal esp aes999",
	  "1:40: unknown ESP algorithm 'aes999'; expected aes128gcm16, aes256gcm16, chacha20poly1305, aes128gmac, aes256gmac, null-sha256" },
	{ "qm-policy add q transport proposal ah aes128gcm16",
	  "1:39: unknown AH algorithm 'aes128gcm16'; expected sha256, sha512, sha1" },
	{ "qm-policy add q transport proposal esp aes128gcm16 esp aes256gcm16",
	  "1:52: duplicate 'esp' in proposal; a proposal has at most one AH and one ESP transform" },
	{ "qm-policy add q transport proposal esp aes128gcm16 pfs modp9",
	  "1:56: unknown DH group 'modp9'; expected none, modp768, modp1024, modp2048, ecp256 or ecp384" },
	{ "qm-policy add q transport proposal esp aes128gcm16 lifetime 0s",
	  "1:61: lifetime '0s' is zero; expected a positive limit" },
	{ "qm-policy add q transport proposal esp aes128gcm16 lifetime 10s 20s",
	  "1:65: duplicate lifetime value '20s': each of seconds, bytes and packets is given once" },
	{ "qm-policy add q transport proposal esp aes128gcm16 lifetime",
	  "1:60: expected a lifetime such as 3600s, 100000kb or 1000000pkts, got end of line" },
	{ "qm-policy add q transport proposal esp aes128gcm16 lifetime 1xkb",
	  "1:61: bad lifetime '1xkb': expected a decimal number then s, m, h, d, kb, mb, gb or pkts" },
	{ "qm-policy add q transport proposal esp aes128gcm16 lifetime 99999999999s",
	  "1:61: bad lifetime '99999999999s': expected seconds of at most 4294967295" },
	{ "qm-policy add q transport proposal esp aes128gcm16 flags nd-secure,nd-boundary",
	  "1:52: flags nd-secure and nd-boundary exclude each other" },
	{ "qm-policy add q transport proposal esp aes128gcm16 flags clear-df",
	  "1:52: flag clear-df is only valid in a tunnel qm-policy" },
	{ "qm-policy add q tunnel proposal esp aes128gcm16 flags nd-secure local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2",
	  "1:49: negotiation discovery flags are only valid in a transport qm-policy" },
	{ "qm-policy add q tunnel proposal esp aes128gcm16 nd-allow-clear-timeout 5 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2",
	  "1:49: 'nd-allow-clear-timeout' is only valid in a transport qm-policy" },
	{ "qm-policy add q tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1",
	  "1:49: tunnel qm-policy 'q' needs both 'local-endpoint ADDR' and 'remote-endpoint ADDR'" },
	{ "qm-policy add q tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 2001:db8::2",
	  "1:91: tunnel endpoints mix IPv4 and IPv6; expected one family" },
	{ "qm-policy add q transport proposal esp aes128gcm16 local-endpoint 198.18.0.1",
	  "1:52: 'local-endpoint' is only valid in a tunnel qm-policy" },
	{ "qm-policy add q transport proposal esp aes128gcm16 idle-timeout 5x",
	  "1:65: bad idle timeout '5x': expected seconds, or a number with s, m, h or d, at most 4294967295 seconds" },
	{ "qm-policy add q transport proposal esp aes128gcm16 frob",
	  "1:52: unknown keyword 'frob' in qm-policy; expected proposal, flags, nd-allow-clear-timeout, idle-timeout, local-endpoint or remote-endpoint" },
	{ "qm-policy add q transport proposal esp aes128gcm16 flags wild",
	  "1:58: unknown qm-policy flag 'wild'; expected nd-secure, nd-boundary or clear-df" },
	{ "qm-policy add q transport proposal esp aes128gcm16 ; qm-policy add q transport proposal esp aes128gcm16",
	  "1:68: duplicate name 'q': a qm-policy of that name exists" },
	{ "qm-policy add q transport proposal esp aes128gcm16 ; mm-policy add q auth psk proposal aes128-sha1-modp2048",
	  "1:68: duplicate name 'q': a qm-policy of that name exists" },
	{ "mm-policy add m proposal aes128-sha1-modp2048",
	  "1:15: mm-policy 'm' has no authentication method; expected 'auth METHOD[,METHOD...]'" },
	{ "mm-policy add m auth psk",
	  "1:15: mm-policy 'm' has no proposal; expected 'proposal CIPHER-INTEGRITY-DHGROUP'" },
	{ "mm-policy add m keying authip auth psk proposal aes128-sha1-modp2048",
	  "1:31: authentication method 'psk' is not available with keying authip" },
	{ "mm-policy add m keying ikev9 auth psk proposal aes128-sha1-modp2048",
	  "1:24: unknown keying module 'ikev9'; expected ike, authip or ikev2" },
	{ "mm-policy add m auth psk,psk proposal aes128-sha1-modp2048",
	  "1:26: duplicate authentication method 'psk'" },
	{ "mm-policy add m auth magic proposal aes128-sha1-modp2048",
	  "1:22: unknown authentication method 'magic'; expected psk, cert, kerberos or anonymous" },
	{ "mm-policy add m auth psk proposal aes128-sha1",
	  "1:35: bad main-mode proposal 'aes128-sha1': expected CIPHER-INTEGRITY-DHGROUP such as aes128-sha256-modp2048" },
	{ "mm-policy add m auth psk proposal aes9-sha1-modp2048",
	  "1:35: unknown cipher 'aes9' in 'aes9-sha1-modp2048'; expected aes128, aes192, aes256, aes128gcm16, aes256gcm16 or 3des" },
	{ "mm-policy add m auth psk proposal aes128-sha9-modp2048",
	  "1:35: unknown integrity 'sha9' in 'aes128-sha9-modp2048'; expected sha1, sha256, sha384 or md5" },
	{ "mm-policy add m auth psk proposal aes128-sha1-modp9",
	  "1:35: unknown DH group 'modp9' in 'aes128-sha1-modp9'; expected none, modp768, modp1024, modp2048, ecp256 or ecp384" },
	{ "mm-policy add m auth psk proposal aes128-sha1-modp2048 frob",
	  "1:56: unknown keyword 'frob' in mm-policy; expected keying, auth, proposal or lifetime" },
	{ "sa add s spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:8: sa 's' is bound to nothing; expected 'filter NAME' (an outbound-transport filter) or 'tunnel-policy NAME'" },
	{ "sa add s filter nope spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:17: undefined filter 'nope'; define it first with 'filter add nope ...'" },
	{ "filter add in layer inbound-transport action inbound-transport ; sa add s filter in spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:82: filter 'in' is inbound-transport/inbound-transport; an sa's filter must be a filter at layer outbound-transport with action outbound-transport" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 3 spi-out 301 alg aes128gcm16 key-file k",
	  "1:96: SPI 3 out of range; expected 256-4294967295" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 alg aes128gcm16 key-file k",
	  "1:76: sa 's' needs 'spi-in N' and 'spi-out N'" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 key-file k",
	  "1:76: sa 's' needs 'alg ALG'" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16",
	  "1:76: sa 's' needs 'key-file PATH'; key material is never written in the policy itself" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg rot13 key-file k",
	  "1:116: unknown algorithm 'rot13'; expected ESP aes128gcm16, aes256gcm16, chacha20poly1305, aes128gmac, aes256gmac, null-sha256 or AH sha256, sha512, sha1" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gmac key-file k flags guarantee-encryption",
	  "1:138: flag guarantee-encryption needs an encrypting algorithm; 'aes128gmac' only authenticates" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k remote-id host-b",
	  "1:149: bad remote identity 'host-b': expected machine:NAME or user:NAME" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k remote-id { machine:a, machine:b }",
	  "1:162: second machine identity 'machine:b': an SA has at most one machine and one user identity" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k lifetime 10s soft-lifetime 20s",
	  "1:76: sa 's': a soft lifetime is larger than the hard lifetime of the same unit" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k ; sa add t filter out spi-in 302 spi-out 303 alg aes128gcm16 key-file k",
	  "1:150: filter is already secured by sa 's'; one sa per outbound filter" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k ; filter add out2 layer outbound-transport action outbound-transport ; sa add t filter out2 spi-in 300 spi-out 303 alg aes128gcm16 key-file k",
	  "1:231: duplicate inbound SPI 0x0000012c: sa 's' uses it" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k ; sa add s filter out spi-in 302 spi-out 303 alg aes128gcm16 key-file k",
	  "1:148: duplicate sa name 's'" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k ; filter delete out",
	  "1:155: filter 'out' is used by sa 's'; delete the sa first" },
	{ "qm-policy add q transport proposal esp aes128gcm16 ; sa add s tunnel-policy q spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:77: 'q' is not a tunnel qm-policy; define it first with 'qm-policy add q tunnel ...'" },
	{ "qm-policy add q tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2 ; filter add out layer outbound-transport action outbound-transport ; sa add s filter out tunnel-policy q spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:192: 'filter' and 'tunnel-policy' exclude each other" },
	{ "sa delete nope", "1:11: undefined sa 'nope'" },
	{ "filter add out layer outbound-transport action outbound-transport ; sa add s filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k frob",
	  "1:139: unknown keyword 'frob' in sa; expected filter, inbound-filter, tunnel-policy, spi-in, spi-out, alg, key-file, lifetime, soft-lifetime, idle-timeout, flags or remote-id" },
	{ "qm-policy add q transport proposal esp aes128gcm16 ; filter add x layer outbound-transport action outbound-tunnel policy q",
	  "1:122: policy 'q' is a transport qm-policy; action outbound-tunnel expects a tunnel qm-policy" },
	{ "mm-policy add m auth psk proposal aes128-sha1-modp2048 ; filter add x layer ipsec action permit policy m",
	  "1:104: policy 'm' is an mm-policy; expected a qm-policy here" },
	{ "qm-policy add q transport proposal esp aes128gcm16 ; filter add x layer ikeext action permit policy q",
	  "1:101: policy 'q' is a qm-policy; layer ikeext expects an mm-policy" },
	{ "filter add x layer inbound-transport local-port 5 !5 action permit",
	  "1:51: unexpected '!'; expected '!=' (not-equal)" },
	{ "filter add x layer inbound-transport local-port 5 action permit \"unterminated",
	  "1:65: unterminated string; expected a closing '\"' on the same line" },
	{ "filter add x layer inbound-transport local-port 5 action permit $",
	  "1:65: unknown keyword '$' in filter; expected layer, family, sublayer, weight, weight-range, action, context, flags, policy or a condition (local-addr, remote-addr, local-port, remote-port, protocol, icmp-type, icmp-code, local-addr-type, interface, ipsec-flags, remote-machine-id, remote-user-id)" },
	{ "filter add x layer inbound-transport remote-addr 198.18.0.1-198.18.0.x action permit",
	  "1:50: bad address '198.18.0.x' in '198.18.0.1-198.18.0.x': expected an IPv4 or IPv6 address" },
	{ "filter add out layer outbound-transport action outbound-transport ; qm-policy add q tunnel proposal esp aes128gcm16 local-endpoint 198.18.0.1 remote-endpoint 198.18.0.2 ; sa add s tunnel-policy q inbound-filter out spi-in 300 spi-out 301 alg aes128gcm16 key-file k",
	  "1:212: filter 'out' is outbound-transport/outbound-transport; an sa's inbound-filter must be a filter at layer inbound-transport with action inbound-transport" },
	{ "sublayer add 1s weight 1",
	  "1:14: bad sublayer name '1s': expected a letter or '_' then letters, digits, '_', '-' or '.', at most 63 characters" },
	{ "filter add x layer ale-auth-recv-accept local-port 5 != action permit",
	  "1:54: expected a filter keyword, got '!='" },
	{ "filter add x layer inbound-transport action permit flags { clear-action-right",
	  "2:1: expected ',' or '}', got end of file" },
	{ "filter add x layer inbound-transport \001 action permit",
	  "1:38: unexpected character 0x01; expected a word" },
	{ "filter add x layer ale-auth-recv-accept remote-user-id \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" action permit",
	  "1:56: bad principal name: expected 1 to 255 characters" },
	{ "sublayer add sxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx weight 1",
	  "1:14: bad sublayer name 'sxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx': expected a letter or '_' then letters, digits, '_', '-' or '.', at most 63 characters" },
	{ "qm-policy add q transport proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 proposal esp aes128gcm16 ",
	  "1:227: too many proposals: at most 8" },
};

static void test_error_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char in[1024], want[2048], *got;
		int n = 0;

		snprintf(in, sizeof(in), "%s\n", bad[i].in);
		got = errors_of(in, XFP_PARSE_NO_KEYS, &n);

		snprintf(want, sizeof(want), "t:%s\n", bad[i].want);
		if (n < 1 || strncmp(got, want, strlen(want))) {
			fprintf(stderr, "input: %s\nwant: %sgot:  %s\n",
				bad[i].in, want, got);
			fail_msg("case %zu", i);
		}
		free(got);
	}
}

/* Generated inputs: very long tokens, too many objects. */
static void test_limits(void **state)
{
	char *in = malloc(20000), *got;
	size_t o;

	(void)state;
	assert_non_null(in);
	o = (size_t)sprintf(in,
			    "filter add x layer inbound-transport interface ");
	memset(in + o, 'a', 5000);
	strcpy(in + o + 5000, " action permit\n");
	got = errors_of(in, 0, NULL);
	assert_string_equal(
		got, "t:1:48: word too long (at most 4095 characters)\n");
	free(got);

	o = (size_t)sprintf(in, "filter add x layer ale-auth-recv-accept "
				"remote-user-id \"");
	memset(in + o, 'a', 5000);
	strcpy(in + o + 5000, "\" action permit\n");
	got = errors_of(in, 0, NULL);
	assert_string_equal(
		got, "t:1:56: string too long (at most 4095 characters)\n");
	free(got);

	o = (size_t)sprintf(in, "filter add x layer ale-auth-recv-accept "
				"remote-user-id \"");
	memset(in + o, 'a', 300);
	strcpy(in + o + 300, "\" action permit\n");
	got = errors_of(in, 0, NULL);
	assert_string_equal(
		got,
		"t:1:56: bad principal name: expected 1 to 255 characters\n");
	free(got);

	/* 31 more sublayers fit next to the default one, the 32nd not. */
	o = 0;
	for (int i = 0; i < 32; i++)
		o += (size_t)sprintf(in + o, "sublayer add s%d weight %d\n", i,
				     i);
	got = errors_of(in, 0, NULL);
	assert_string_equal(got, "t:32:14: too many sublayers: at most 32, "
				 "the default one included\n");
	free(got);

	strcpy(in, "qm-policy add q transport");
	for (int i = 0; i < 9; i++)
		strcat(in, " proposal esp aes128gcm16");
	got = errors_of(in, 0, NULL);
	assert_string_equal(got, "t:1:227: too many proposals: at most 8\n");
	free(got);

	/* at most 4096 values per field */
	{
		size_t cap = 4097 * 8 + 200, k;
		char *big = malloc(cap);

		assert_non_null(big);
		k = (size_t)sprintf(big, "filter add x layer inbound-transport "
					 "local-port {");
		for (int i = 0; i < 4097; i++)
			k += (size_t)sprintf(big + k, "%s%d", i ? "," : "", i);
		strcpy(big + k, "} action permit\n");
		got = errors_of(big, 0, NULL);
		assert_non_null(strstr(got,
				       "too many values for local-port: at "
				       "most 4096\n"));
		free(got);
		/* at most 4096 quick-mode policies */
		free(big);
		cap = 4097 * 64;
		big = malloc(cap);
		assert_non_null(big);
		k = 0;
		for (int i = 0; i < 4097; i++)
			k += (size_t)sprintf(big + k,
					     "qm-policy add q%d transport "
					     "proposal ah sha1\n",
					     i);
		got = errors_of(big, 0, NULL);
		assert_string_equal(got, "t:4097:15: too many qm-policies\n");
		free(got);
		free(big);
	}
	got = errors_of("filter add out layer outbound-transport action "
			"outbound-transport\nsa add s filter out spi-in 300 "
			"spi-out 301 alg sha1 key-file \"\"\n",
			0, NULL);
	assert_string_equal(got, "t:2:62: empty key file path\n");
	free(got);
	got = errors_of("qm-policy add q transport proposal ah sha1 lifetime "
			"18446744073709551615gb\n",
			0, NULL);
	assert_string_equal(got, "t:1:53: lifetime '18446744073709551615gb' "
				 "out of range\n");
	free(got);

	o = (size_t)sprintf(in, "sublayer add s");
	memset(in + o, 'x', 70);
	strcpy(in + o + 70, " weight 1\n");
	got = errors_of(in, 0, NULL);
	assert_non_null(strstr(got, "t:1:14: bad sublayer name 'sxxxx"));
	assert_non_null(strstr(got, "at most 63 characters"));
	free(got);
	free(in);
}

/* One run reports every bad statement, and keeps the good ones. */
static void test_error_recovery(void **state)
{
	const char *text =
		"sublayer add ok1 weight 1\n"
		"filter add a layer inbound-transport local-port 99999 action permit\n"
		"filter add b layer inbound-transport action permit\n"
		"filter add c layer nowhere action permit ; filter add d layer \\\n"
		"  ipsec action block\n"
		"filter add e layer outbound-transport remote-addr {\n"
		"  198.18.0.1,\n"
		"  198.18.0.256 } action permit\n"
		"filter add f layer outbound-transport action permit\n";
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	char *got;
	int n;

	(void)state;
	got = errors_of(text, 0, &n);
	assert_int_equal(n, 4);
	assert_string_equal(
		got,
		"t:2:49: bad local-port '99999': expected a number 0-65535\n"
		"t:4:20: unknown layer 'nowhere'; expected inbound-transport, "
		"outbound-transport, ale-auth-recv-accept, ale-auth-connect, "
		"ipsec or ikeext\n"
		"t:5:16: action 'block' is not valid at layer ipsec; expected "
		"permit\n"
		"t:8:3: bad address '198.18.0.256': expected an IPv4 or IPv6 "
		"address\n");
	free(got);
	/* The bad statements left nothing behind; the good ones are there. */
	assert_int_equal(
		xfp_policy_parse_string(p, "t", text, strlen(text), 0, &e), 4);
	assert_int_equal(p->n_filters, 2);
	assert_true(xfp_policy_find_filter(p, "b") >= 0);
	assert_true(xfp_policy_find_filter(p, "f") >= 0);
	assert_int_equal(xfp_policy_find_filter(p, "a"), -1);
	assert_int_equal(xfp_policy_find_sublayer(p, "ok1"), 1);
	assert_string_equal(e.v[0].file, "t");
	assert_int_equal(e.v[0].line, 2);
	assert_int_equal(e.v[0].col, 49);
	xfp_errors_free(&e);
	xfp_policy_free(p);
}

static void test_missing_file(void **state)
{
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	assert_int_equal(xfp_policy_parse_file(p, DATA "no-such.pol", 0, &e),
			 -ENOENT);
	m = open_memstream(&buf, &len);
	xfp_errors_print(&e, m);
	fclose(m);
	assert_string_equal(buf, DATA "no-such.pol: cannot open: No such file "
				      "or directory\n");
	free(buf);
	xfp_errors_free(&e);
	xfp_policy_free(p);
}

/* ---- every grammar element ---------------------------------------------- */

static void test_grammar_elements(void **state)
{
	struct xfp_policy *p =
		file_ok(DATA "golden/grammar.pol", XFP_PARSE_NO_KEYS);
	const struct xfp_filter *f;
	const struct xfp_qm_policy *q;
	const struct xfp_mm_policy *m;
	const struct xfp_sa *sa;
	struct xfp_addr a;

	(void)state;
	/* sublayers, incl. ';' separating two commands on one line */
	assert_int_equal(p->n_sublayers, 5); /* + ipsec-tunnel, by tun1 */
	assert_string_equal(p->sublayers[4].name, "ipsec-tunnel");
	assert_int_equal(p->sublayers[4].weight, 0x9000);
	assert_string_equal(p->sublayers[0].name, "default");
	assert_int_equal(p->sublayers[0].weight, 0x8000);
	assert_int_equal(p->sublayers[1].weight, 0x9000);
	assert_string_equal(p->sublayers[2].name, "slow");
	assert_string_equal(p->sublayers[3].name, "same");

	/* qm-policies: continuation lines, proposals, units, flags */
	assert_int_equal(p->n_qm, 4);
	q = &p->qm[0];
	assert_false(q->tunnel);
	assert_int_equal(q->n_proposals, 4);
	assert_int_equal(q->proposals[0].esp_alg, XFP_ALG_AES256GCM16);
	assert_int_equal(q->proposals[0].ah_alg, XFP_ALG_AH_SHA512);
	assert_int_equal(q->proposals[0].lifetime.seconds, 3600);
	assert_int_equal(q->proposals[0].lifetime.kilobytes, 2048);
	assert_int_equal(q->proposals[0].lifetime.packets, 1000);
	assert_int_equal(q->proposals[0].pfs, xfp_dh_lookup("ecp384"));
	assert_int_equal(q->proposals[1].esp_alg, XFP_ALG_CHACHA20POLY1305);
	assert_int_equal(q->proposals[1].ah_alg, XFP_ALG_NONE);
	/* default lifetime when none is written */
	assert_int_equal(q->proposals[1].lifetime.has,
			 XFP_LIFE_HAS_SECONDS | XFP_LIFE_HAS_KILOBYTES);
	assert_int_equal(q->proposals[1].lifetime.seconds, 3600);
	assert_int_equal(q->proposals[1].lifetime.kilobytes, 100000);
	assert_int_equal(q->proposals[2].pfs, xfp_dh_lookup("modp1024"));
	assert_int_equal(q->proposals[3].ah_alg, XFP_ALG_AH_SHA1);
	assert_int_equal(q->proposals[3].lifetime.seconds, 600);
	assert_int_equal(q->proposals[3].lifetime.has, XFP_LIFE_HAS_SECONDS);
	assert_int_equal(q->flags, XFP_QM_ND_SECURE);
	assert_int_equal(q->nd_allow_clear_timeout, 60);
	assert_int_equal(q->idle_timeout, 300);
	assert_int_equal(q->idle_timeout_failover, 60);
	assert_int_equal(q->has, XFP_QM_HAS_ND_TIMEOUT | XFP_QM_HAS_IDLE |
					 XFP_QM_HAS_IDLE_FAILOVER);
	assert_int_equal(p->qm[1].flags, XFP_QM_ND_BOUNDARY);
	assert_int_equal(p->qm[1].proposals[0].lifetime.seconds, 2 * 86400);
	q = &p->qm[2];
	assert_true(q->tunnel);
	assert_int_equal(q->flags, XFP_QM_CLEAR_DF_ON_TUNNEL);
	assert_int_equal(q->endpoint_family, 6);
	assert_int_equal(xfp_addr_parse("2001:db8:1::1", &a), 6);
	assert_memory_equal(q->remote_endpoint.b, a.b, 16);
	assert_int_equal(xfp_alg_transform(q->proposals[0].esp_alg),
			 XFP_TRANSFORM_ESP_AUTH_AND_CIPHER);
	assert_int_equal(xfp_alg_transform(XFP_ALG_AES128GMAC),
			 XFP_TRANSFORM_ESP_AUTH);
	assert_int_equal(xfp_alg_transform(XFP_ALG_AH_SHA1), XFP_TRANSFORM_AH);

	/* mm-policies: braces, comma lists, keying, lifetime default */
	assert_int_equal(p->n_mm, 2);
	m = &p->mm[0];
	assert_int_equal(m->keying, XFP_KEYING_AUTHIP);
	assert_int_equal(m->n_auth, 2);
	assert_int_equal(m->auth[0], XFP_MM_AUTH_KERBEROS);
	assert_int_equal(m->auth[1], XFP_MM_AUTH_ANONYMOUS);
	assert_int_equal(m->n_proposals, 2);
	assert_string_equal(xfp_mm_cipher_name(m->proposals[1].cipher), "3des");
	assert_string_equal(xfp_mm_integrity_name(m->proposals[1].integrity),
			    "md5");
	assert_string_equal(xfp_dh_name(m->proposals[1].dh), "modp768");
	assert_int_equal(m->lifetime_seconds, 3600);
	m = &p->mm[1];
	assert_int_equal(m->keying, XFP_KEYING_IKE);
	assert_int_equal(m->auth[0], XFP_MM_AUTH_PSK);
	assert_int_equal(m->auth[1], XFP_MM_AUTH_CERT);
	assert_int_equal(m->lifetime_seconds, 0);

	/* filter delete removed "gone"; ikeext filter made 4 exemptions */
	assert_int_equal(xfp_policy_find_filter(p, "gone"), -1);
	/* + acc3, acc4 and the filters of tun1 (6) and tun2 (5, no mm) */
	assert_int_equal(p->n_filters, 30);

	/* addresses: single, OR-list, family inference, interface name */
	f = filter(p, "mm1");
	assert_int_equal(f->layer, XFP_LAYER_IKEEXT);
	assert_int_equal(f->family, XFP_FAMILY_IP);
	assert_int_equal(f->ctx_kind, XFP_CTX_MM);
	assert_int_equal(f->ctx, 0);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].n, 2);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[1].match,
			 XFP_MATCH_EQUAL);
	xfp_addr_parse("198.18.0.3", &a);
	assert_memory_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[1].addr_lo.b, a.b,
			    16);
	assert_int_equal(a.b[10], 0xff); /* v4-mapped */
	assert_int_equal(a.b[11], 0xff);
	assert_true(f->conds[XFP_FIELD_INTERFACE].v[0].by_name);
	assert_string_equal(f->conds[XFP_FIELD_INTERFACE].v[0].ifname, "eth0");

	/* ipv6 prefix, port range, interface index, explicit family */
	f = filter(p, "qm1");
	assert_int_equal(f->family, XFP_FAMILY_IP6);
	assert_true(f->has & XFP_FILTER_HAS_FAMILY);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[0].match,
			 XFP_MATCH_PREFIX);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[0].plen, 32);
	xfp_addr_parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", &a);
	assert_memory_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[0].addr_hi.b, a.b,
			    16);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_PORT].v[0].match,
			 XFP_MATCH_RANGE);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_PORT].v[0].lo, 1);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_PORT].v[0].hi, 1023);
	assert_int_equal(f->conds[XFP_FIELD_PROTOCOL].v[0].lo, 6);
	assert_false(f->conds[XFP_FIELD_INTERFACE].v[0].by_name);
	assert_int_equal(f->conds[XFP_FIELD_INTERFACE].v[0].lo, 7);

	/* weight-range by name and number, icmp fields, sublayer */
	f = filter(p, "icmp1");
	assert_int_equal(f->sublayer, 1);
	assert_true(f->has & XFP_FILTER_HAS_WEIGHT_RANGE);
	assert_int_equal(f->weight_range, 12);
	assert_int_equal(f->effective_weight >> 60, 12);
	assert_int_equal(f->conds[XFP_FIELD_ICMP_TYPE].v[0].lo, 8);
	assert_int_equal(f->conds[XFP_FIELD_ICMP_CODE].v[0].lo, 0);
	assert_int_equal(filter(p, "icmp6")->conds[XFP_FIELD_ICMP_TYPE].v[0].hi,
			 129);
	assert_int_equal(filter(p, "acc2")->weight_range, 0);

	/* address range, ipsec-flags none-set, context, clear-action-right */
	f = filter(p, "in1");
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[0].match,
			 XFP_MATCH_RANGE);
	xfp_addr_parse("198.18.0.127", &a);
	assert_memory_equal(f->conds[XFP_FIELD_REMOTE_ADDR].v[0].addr_hi.b, a.b,
			    16);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_ADDR_TYPE].v[0].lo,
			 XFP_ADDR_TYPE_UNICAST);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].v[0].match,
			 XFP_MATCH_FLAGS_NONE_SET);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].v[0].lo,
			 XFP_COND_FLAG_SECURED);
	assert_int_equal(f->ctx_flags, XFP_CTX_PERSIST_CONN_SECURITY);
	assert_int_equal(f->flags, XFP_FILTER_CLEAR_ACTION_RIGHT);
	assert_int_equal(f->action, XFP_ACTION_INBOUND_TRANSPORT);

	/* explicit 64-bit weight, two ipsec-flags conditions OR-ed */
	f = filter(p, "in2");
	assert_true(f->has & XFP_FILTER_HAS_WEIGHT);
	assert_true(f->effective_weight == UINT64_MAX);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].n, 2);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].v[0].match,
			 XFP_MATCH_FLAGS_ANY_SET);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].v[0].lo,
			 XFP_COND_FLAG_SECURED | XFP_COND_FLAG_ENCRYPTED);
	assert_int_equal(f->conds[XFP_FIELD_IPSEC_FLAGS].v[1].match,
			 XFP_MATCH_FLAGS_ALL_SET);
	assert_int_equal(f->conds[XFP_FIELD_PROTOCOL].v[0].hi, 5);

	/* tunnel callouts take a tunnel policy */
	f = filter(p, "tin");
	assert_int_equal(f->action, XFP_ACTION_INBOUND_TUNNEL);
	assert_int_equal(f->ctx_kind, XFP_CTX_QM);
	assert_int_equal(f->ctx, 2);
	assert_int_equal(f->sublayer, 2);

	/* != and repeated fields, inet family, sets of address types */
	f = filter(p, "out1");
	assert_int_equal(f->family, XFP_FAMILY_INET);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].n, 3);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].v[0].match,
			 XFP_MATCH_NOT_EQUAL);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].v[0].lo, 22);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].v[1].lo, 23);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].v[2].match,
			 XFP_MATCH_RANGE);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_ADDR_TYPE].n, 2);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_ADDR_TYPE].v[1].lo,
			 XFP_ADDR_TYPE_MULTICAST);
	assert_int_equal(f->ctx_flags, XFP_CTX_NEGOTIATE_DISCOVER);
	assert_int_equal(
		filter(p, "tout")->conds[XFP_FIELD_LOCAL_ADDR_TYPE].v[0].match,
		XFP_MATCH_NOT_EQUAL);

	/* identities: words and strings, interned once; protocol numbers */
	f = filter(p, "acc1");
	assert_int_equal(f->weight, 5);
	assert_int_equal(f->conds[XFP_FIELD_PROTOCOL].n, 3);
	assert_int_equal(f->conds[XFP_FIELD_PROTOCOL].v[2].lo, 99);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_MACHINE_ID].n, 2);
	assert_string_equal(
		p->principals[f->conds[XFP_FIELD_REMOTE_MACHINE_ID].v[1].lo],
		"host with space");
	/* '!= NAME' is the access list { deny NAME, allow * } */
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].n, 2);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[0].ace,
			 XFP_ACE_DENY);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[0].idref,
			 XFP_IDREF_PRINCIPAL);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[1].ace,
			 XFP_ACE_ALLOW);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[1].idref,
			 XFP_IDREF_ANY);

	/* groups: members of each kind, nesting, strings, trailing comma */
	assert_int_equal(p->n_groups, 3);
	assert_string_equal(p->groups[0].name, "g-users");
	assert_int_equal(p->groups[0].n, 2);
	assert_int_equal(p->groups[0].m[1].kind, XFP_MEMBER_USER);
	assert_string_equal(p->principals[p->groups[0].m[1].ref],
			    "carol smith");
	assert_int_equal(p->groups[1].m[0].kind, XFP_MEMBER_MACHINE);
	assert_int_equal(p->groups[2].m[0].kind, XFP_MEMBER_GROUP);
	assert_int_equal(p->groups[2].m[0].ref, 0);
	assert_int_equal(p->groups[2].m[1].ref, 1);
	/* access lists: allow/deny, groups, '*', a quoted keyword */
	f = filter(p, "acc3");
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_MACHINE_ID].n, 2);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_MACHINE_ID].v[0].ace,
			 XFP_ACE_DENY);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_MACHINE_ID].v[1].idref,
			 XFP_IDREF_GROUP);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_MACHINE_ID].v[1].lo, 2);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].n, 3);
	assert_string_equal(
		p->principals[f->conds[XFP_FIELD_REMOTE_USER_ID].v[0].lo],
		"deny");
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[2].idref,
			 XFP_IDREF_ANY);
	f = filter(p, "acc4");
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[0].idref,
			 XFP_IDREF_GROUP);
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_USER_ID].v[0].ace,
			 XFP_ACE_DENY);
	/* tunnels: tun3 deleted with its filters; tun2 point-to-point */
	assert_int_equal(p->n_tunnels, 2);
	assert_int_equal(xfp_policy_find_tunnel(p, "tun3"), -1);
	assert_int_equal(xfp_policy_find_filter(p, "tun3-out"), -1);
	assert_true(p->tunnels[1].flags & XFP_TUNNEL_POINT_TO_POINT);
	assert_int_equal(p->tunnels[1].mm, -1);
	assert_int_equal(p->tunnels[0].mm, 1);
	f = filter(p, "tun2-out");
	assert_int_equal(f->sublayer, 1); /* fast */
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_PORT].v[0].lo, 22);
	f = filter(p, "tun1-mm");
	assert_int_equal(f->layer, XFP_LAYER_IKEEXT);
	assert_int_equal(f->ctx_kind, XFP_CTX_MM);
	f = filter(p, "tun1-in");
	assert_int_equal(f->conds[XFP_FIELD_REMOTE_ADDR].n, 2);
	assert_int_equal(f->action, XFP_ACTION_INBOUND_TUNNEL);
	assert_int_equal(f->ctx, 3);
	f = filter(p, "acc1");
	assert_int_equal(f->ctx_flags, XFP_CTX_REQUIRE_ENCRYPTION |
					       XFP_CTX_PERSIST_CONN_SECURITY);
	assert_int_equal(xfp_policy_find_principal(p, "host-b.corp"),
			 (int)f->conds[XFP_FIELD_REMOTE_MACHINE_ID].v[0].lo);
	f = filter(p, "con1");
	assert_int_equal(f->action, XFP_ACTION_ALE_CONNECT);
	assert_int_equal(f->conds[XFP_FIELD_INTERFACE].v[0].match,
			 XFP_MATCH_NOT_EQUAL);
	assert_string_equal(filter(p, "acc2")->name, "acc2");
	assert_int_equal(filter(p, "con2")->sublayer, 2);

	/* SAs: transport and tunnel, sa delete, lifetimes, identities */
	assert_int_equal(p->n_sas, 2);
	sa = &p->sas[0];
	assert_string_equal(sa->name, "s1");
	assert_false(sa->tunnel);
	assert_string_equal(p->filters[sa->filter].name, "out1");
	assert_string_equal(p->filters[sa->inbound_filter].name, "in1");
	assert_int_equal(filter(p, "out1")->sa, 0);
	assert_int_equal(sa->spi_in, 256);
	assert_true(sa->spi_out == 0xffffffffu);
	assert_int_equal(sa->alg, XFP_ALG_AES256GCM16);
	assert_int_equal(sa->lifetime.seconds, 3600);
	assert_int_equal(sa->lifetime.kilobytes, 10240);
	assert_int_equal(sa->lifetime.packets, 5);
	assert_int_equal(sa->lifetime.soft_seconds, 3000);
	assert_int_equal(sa->lifetime.soft_kilobytes, 9216);
	assert_int_equal(sa->lifetime.soft_packets, 4);
	assert_int_equal(sa->idle_timeout, 60);
	assert_int_equal(sa->flags, XFP_SA_GUARANTEE_ENCRYPTION);
	assert_int_equal(sa->n_ids, 2);
	assert_false(sa->ids[0].user);
	assert_string_equal(p->principals[sa->ids[0].principal], "host-b.corp");
	assert_true(sa->ids[1].user);
	assert_string_equal(sa->key_file, DATA "golden/k.keys");
	assert_false(sa->has & XFP_SA_HAS_KEYS);
	sa = &p->sas[1];
	assert_true(sa->tunnel);
	assert_int_equal(sa->qm_policy, 2);
	assert_int_equal(sa->filter, -1);
	assert_int_equal(sa->alg, XFP_ALG_AH_SHA1);
	assert_int_equal(xfp_policy_find_sa(p, "s3"), -1);
	xfp_policy_free(p);
}

/* ---- golden output ------------------------------------------------------ */

static void test_golden_show(void **state)
{
	static const char *const files[] = {
		DATA "golden/grammar.pol",
		"policy/examples/transport.pol",
		"policy/examples/nd-transport.pol",
		"policy/examples/nd-boundary.pol",
		"policy/examples/tunnel.pol",
		"policy/examples/guaranteed-encryption.pol",
		"policy/examples/remote-identity.pol",
		"policy/examples/manual-sa.pol",
		"policy/examples/ike-icmp-exemptions.pol",
		"policy/examples/isolation.pol",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *base = strrchr(files[i], '/') + 1;
		int blen = (int)(strlen(base) - strlen(".pol"));
		struct xfp_policy *p = file_ok(files[i], XFP_PARSE_NO_KEYS);
		char *txt = show(p, false), *js = show(p, true);
		char out[256];

		snprintf(out, sizeof(out), DATA "golden/%.*s.show", blen, base);
		golden(out, txt);
		snprintf(out, sizeof(out), DATA "golden/%.*s.json", blen, base);
		golden(out, js);
		free(txt);
		free(js);
		xfp_policy_free(p);
	}
}

/* Drop the "# id N, " comments: ids follow definition order. */
static void strip_ids(char *s)
{
	char *h;

	while ((h = strstr(s, "# id "))) {
		char *comma = strchr(h, ',');

		if (!comma)
			break;
		memmove(h, comma + 2, strlen(comma + 2) + 1);
	}
}

static void test_roundtrip(void **state)
{
	static const char *const files[] = {
		DATA "golden/grammar.pol",
		"policy/examples/transport.pol",
		"policy/examples/tunnel.pol",
		"policy/examples/remote-identity.pol",
		"policy/examples/manual-sa.pol",
		"policy/examples/ike-icmp-exemptions.pol",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct xfp_policy *p = file_ok(files[i], XFP_PARSE_NO_KEYS), *q;
		char *a = show(p, false), *b;

		q = parse_ok(a, XFP_PARSE_NO_KEYS);
		b = show(q, false);
		strip_ids(a);
		strip_ids(b);
		assert_string_equal(a, b);
		free(a);
		free(b);
		xfp_policy_free(p);
		xfp_policy_free(q);
	}
}

/* ---- key files ---------------------------------------------------------- */

static char keydir[64];

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", keydir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static const char *const pol_fmt =
	"filter add out layer outbound-transport action outbound-transport\n"
	"sa add s filter out spi-in 300 spi-out 301 alg %s key-file %s\n";

/* Parse a policy file in keydir referencing key file `key`. */
static char *key_errors(const char *alg, const char *key,
			struct xfp_policy **pp)
{
	char path[128], text[512], *buf = NULL;
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	size_t len = 0;
	FILE *m;
	int n;

	snprintf(text, sizeof(text), pol_fmt, alg, key);
	write_file("p.pol", text, 0644);
	snprintf(path, sizeof(path), "%s/p.pol", keydir);
	n = xfp_policy_parse_file(p, path, 0, &e);
	if (!n)
		n = xfp_policy_finalize(p, &e);
	m = open_memstream(&buf, &len);
	xfp_errors_print(&e, m);
	fclose(m);
	xfp_errors_free(&e);
	if (pp && !n)
		*pp = p;
	else
		xfp_policy_free(p);
	return buf;
}

static void expect_key_error(const char *alg, const char *key,
			     const char *fmt_want)
{
	char want[512];
	char *got = key_errors(alg, key, NULL);

	snprintf(want, sizeof(want), fmt_want, keydir, keydir, keydir);
	assert_string_equal(got, want);
	free(got);
}

/* Is the page holding addr marked MADV_DONTDUMP ("dd" in VmFlags)? */
static bool mapping_dontdump(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	uintptr_t a = (uintptr_t)addr, lo = 0, hi = 0;
	bool in = false, dd = false;
	char line[512];

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long l, h;

		if (sscanf(line, "%lx-%lx ", &l, &h) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			lo = l;
			hi = h;
			in = a >= lo && a < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			dd = strstr(line, " dd") != NULL;
			break;
		}
	}
	fclose(f);
	return dd;
}

static void test_key_files(void **state)
{
	struct xfp_policy *p = NULL;
	char *got, *txt, *js;

	(void)state;
	strcpy(keydir, "/tmp/xfp-test-keys-XXXXXX");
	assert_non_null(mkdtemp(keydir));

	write_file("good.keys",
		   "# comment\n\n"
		   "inbound  000102030405060708090a0b0c0d0e0f10111213\n"
		   "  outbound 202122232425262728292a2b2c2d2e2f30313233  \n",
		   0600);
	got = key_errors("aes128gcm16", "good.keys", &p);
	assert_string_equal(got, "");
	free(got);
	assert_non_null(p);
	assert_true(p->sas[0].has & XFP_SA_HAS_KEYS);
	assert_int_equal(p->sas[0].key_len, 20);
	assert_int_equal(p->sas[0].key_in[0], 0x00);
	assert_int_equal(p->sas[0].key_in[19], 0x13);
	assert_int_equal(p->sas[0].key_out[0], 0x20);
	/* Keys are never printed, in either form. */
	txt = show(p, false);
	js = show(p, true);
	assert_non_null(strstr(txt, "# keys (hidden)"));
	assert_non_null(strstr(js, "\"keys\":\"(hidden)\""));
	assert_null(strstr(txt, "000102"));
	assert_null(strstr(js, "000102"));
	assert_null(strstr(txt, "202122"));
	assert_null(strstr(js, "202122"));
	free(txt);
	free(js);
	/* The SAs (keys included) live in pages excluded from core dumps. */
	assert_true(mapping_dontdump(p->sas));
	assert_true(mapping_dontdump(&p->sas[0].key_out[XFP_KEY_MAX - 1]));
	assert_false(mapping_dontdump(p->filters)); /* the check can fail */
	/* Wiping clears the key bytes. */
	xfp_sa_wipe(&p->sas[0]);
	for (int i = 0; i < XFP_KEY_MAX; i++) {
		assert_int_equal(p->sas[0].key_in[i], 0);
		assert_int_equal(p->sas[0].key_out[i], 0);
	}
	assert_false(p->sas[0].has & XFP_SA_HAS_KEYS);
	xfp_policy_free(p);

	/* group or other access is refused, naming file, mode and fix */
	write_file("open.keys",
		   "inbound  000102030405060708090a0b0c0d0e0f10111213\n"
		   "outbound 202122232425262728292a2b2c2d2e2f30313233\n",
		   0640);
	expect_key_error(
		"aes128gcm16", "open.keys",
		"%s/p.pol:2:69: key file '%s/open.keys' has mode 0640: "
		"group and others must have no access; run 'chmod 600 "
		"%s/open.keys'\n");
	write_file("open.keys", "x\n", 0604);
	expect_key_error(
		"aes128gcm16", "open.keys",
		"%s/p.pol:2:69: key file '%s/open.keys' has mode 0604: "
		"group and others must have no access; run 'chmod 600 "
		"%s/open.keys'\n");
	/* bad contents point into the key file, without key bytes */
	write_file(
		"short.keys",
		"inbound 0001\noutbound 202122232425262728292a2b2c2d2e2f30313233\n",
		0600);
	expect_key_error(
		"aes128gcm16", "short.keys",
		"%s/short.keys:1:9: bad inbound key: expected 20 bytes as "
		"40 hex digits for aes128gcm16\n");
	write_file("hex.keys",
		   "inbound 000102030405060708090a0b0c0d0e0f10111213\n"
		   "outbound 2021222324252627282z2a2b2c2d2e2f30313233\n",
		   0600);
	expect_key_error(
		"aes128gcm16", "hex.keys",
		"%s/hex.keys:2:10: bad outbound key: expected 20 bytes as "
		"40 hex digits for aes128gcm16\n");
	/* the length follows the algorithm: 64 bytes for AH sha512 */
	expect_key_error(
		"sha512", "good.keys",
		"%s/good.keys:3:10: bad inbound key: expected 64 bytes as "
		"128 hex digits for sha512\n");
	write_file("half.keys",
		   "inbound 000102030405060708090a0b0c0d0e0f10111213\n", 0600);
	expect_key_error("aes128gcm16", "half.keys",
			 "%s/half.keys:1:1: key file lacks the outbound key; "
			 "expected 'inbound HEX' and 'outbound HEX' lines\n");
	write_file("dup.keys",
		   "inbound 000102030405060708090a0b0c0d0e0f10111213\n"
		   "inbound 000102030405060708090a0b0c0d0e0f10111213\n",
		   0600);
	expect_key_error("aes128gcm16", "dup.keys",
			 "%s/dup.keys:2:1: duplicate 'inbound' key\n");
	write_file("kw.keys", "secret 00\n", 0600);
	expect_key_error(
		"aes128gcm16", "kw.keys",
		"%s/kw.keys:1:1: unknown keyword in key file; expected "
		"'inbound HEX' or 'outbound HEX'\n");
	expect_key_error(
		"aes128gcm16", "none.keys",
		"%s/p.pol:2:69: cannot open key file '%s/none.keys': No "
		"such file or directory; expected a file with the lines "
		"'inbound HEX' and 'outbound HEX', mode 0600\n");
	expect_key_error(
		"aes128gcm16", ".",
		"%s/p.pol:2:69: key file '%s/.' is not a regular file\n");

	/* an absolute path is taken as is; NO_KEYS skips reading */
	{
		char text[512];
		struct xfp_policy *q = xfp_policy_new();
		struct xfp_errors e = { 0 };

		snprintf(text, sizeof(text), pol_fmt, "aes128gcm16",
			 "/nonexistent/k.keys");
		assert_int_equal(xfp_policy_parse_string(q, "t", text,
							 strlen(text),
							 XFP_PARSE_NO_KEYS, &e),
				 0);
		assert_string_equal(q->sas[0].key_file, "/nonexistent/k.keys");
		assert_false(q->sas[0].has & XFP_SA_HAS_KEYS);
		xfp_policy_free(q);
	}
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", keydir);
		assert_int_equal(system(cmd), 0);
	}
}

/* ---- finalize: exemptions, families, small helpers ---------------------- */

static int count_auto(const struct xfp_policy *p)
{
	int n = 0;

	for (unsigned i = 0; i < p->n_filters; i++)
		if (p->filters[i].has & XFP_FILTER_AUTO_EXEMPTION)
			n++;
	return n;
}

static void test_ike_exemptions(void **state)
{
	const char *mm =
		"mm-policy add m auth cert proposal aes128-sha256-modp2048\n";
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	const struct xfp_filter *f;

	(void)state;
#define RUN(text)                                                              \
	do {                                                                   \
		assert_int_equal(xfp_policy_parse_string(p, "t", text,         \
							 strlen(text), 0, &e), \
				 0);                                           \
		assert_int_equal(xfp_policy_finalize(p, &e), 0);               \
	} while (0)
	RUN(mm);
	assert_int_equal(count_auto(p), 0);
	RUN("filter add a layer inbound-transport action block");
	assert_int_equal(count_auto(p), 0);
	RUN("filter add mm1 layer ikeext action permit policy m");
	assert_int_equal(count_auto(p), 4);
	f = filter(p, "ike-exempt-4500-in");
	assert_int_equal(f->family, XFP_FAMILY_IP);
	assert_int_equal(f->layer, XFP_LAYER_INBOUND_TRANSPORT);
	assert_int_equal(f->conds[XFP_FIELD_LOCAL_PORT].v[0].lo, 4500);
	assert_int_equal(f->conds[XFP_FIELD_PROTOCOL].v[0].lo, 17);
	assert_int_equal(f->effective_weight >> 60,
			 XFP_WEIGHT_RANGE_IKE_EXEMPTIONS);
	assert_int_equal(filter(p, "ike-exempt-500-out")->family,
			 XFP_FAMILY_INET);
	/* a second mm filter does not add more, and finalize is idempotent */
	RUN("filter add mm2 layer ikeext remote-addr 198.18.0.9 action permit "
	    "policy m");
	assert_int_equal(count_auto(p), 4);
	assert_int_equal(xfp_policy_finalize(p, &e), 0);
	assert_int_equal(count_auto(p), 4);
	/* the exemptions go with the last mm filter */
	RUN("filter delete mm1");
	assert_int_equal(count_auto(p), 4);
	RUN("filter delete mm2");
	assert_int_equal(count_auto(p), 0);
	assert_int_equal(p->n_filters, 1);
	/* an automatic exemption cannot be deleted by name */
	RUN("filter add mm3 layer ikeext action permit policy m");
	assert_int_equal(xfp_policy_parse_string(
				 p, "t", "filter delete ike-exempt-500-in", 31,
				 0, &e),
			 1);
	assert_string_equal(e.v[0].msg, "undefined filter 'ike-exempt-500-in'");
#undef RUN
	xfp_errors_free(&e);
	xfp_policy_free(p);
}

static void test_family_inference(void **state)
{
	struct xfp_policy *p;

	(void)state;
	p = parse_ok(
		"qm-policy add q transport proposal esp aes128gcm16\n"
		"filter add v4 layer ipsec remote-addr 198.18.0.1 action permit policy q\n"
		"filter add v6 layer ipsec local-addr 2001:db8::1 action permit policy q\n"
		"filter add both layer ipsec local-addr { 198.18.0.1, 2001:db8::1 } action permit policy q\n"
		"filter add none layer ipsec protocol tcp action permit policy q\n"
		"filter add forced layer ipsec family ip protocol tcp action permit policy q\n",
		0);
	assert_int_equal(filter(p, "v4")->family, XFP_FAMILY_IP);
	assert_int_equal(filter(p, "v6")->family, XFP_FAMILY_IP6);
	assert_int_equal(filter(p, "both")->family, XFP_FAMILY_INET);
	assert_int_equal(filter(p, "none")->family, XFP_FAMILY_INET);
	assert_int_equal(filter(p, "forced")->family, XFP_FAMILY_IP);
	assert_false(filter(p, "v4")->has & XFP_FILTER_HAS_FAMILY);
	xfp_policy_free(p);
}

static void test_helpers(void **state)
{
	struct xfp_addr a;

	(void)state;
	assert_int_equal(xfp_addr_parse("198.18.0.1", &a), 4);
	assert_int_equal(xfp_addr_parse("2001:db8::1", &a), 6);
	assert_int_equal(xfp_addr_parse("host", &a), 0);
	assert_int_equal(xfp_protocol_parse("tcp"), 6);
	assert_int_equal(xfp_protocol_parse("icmpv6"), 58);
	assert_int_equal(xfp_protocol_parse("255"), 255);
	assert_int_equal(xfp_protocol_parse("256"), -1);
	assert_int_equal(xfp_protocol_parse("tcpx"), -1);
	assert_int_equal(xfp_addr_type_parse("broadcast"),
			 XFP_ADDR_TYPE_BROADCAST);
	assert_int_equal(xfp_addr_type_parse("x"), -1);
	assert_int_equal(xfp_layer_from_name("ipsec"), XFP_LAYER_IPSEC);
	assert_int_equal(xfp_layer_from_name("ipsec4"), -1);
	assert_int_equal(xfp_action_from_name("ale-connect"),
			 XFP_ACTION_ALE_CONNECT);
	assert_string_equal(xfp_field_name(XFP_FIELD_REMOTE_USER_ID),
			    "remote-user-id");
	assert_null(xfp_field_name(XFP_FIELD__MAX));
	assert_string_equal(xfp_match_name(XFP_MATCH_FLAGS_NONE_SET),
			    "none-set");
	assert_string_equal(xfp_reason_text(XFP_REASON_NO_SA),
			    "no SA established; acquire sent");
	/* the algorithm names are those of crypto/alg.h */
	assert_string_equal(xfp_policy_alg_list(XFP_IPSEC_AH),
			    "sha256, sha512, sha1");
	xfp_policy_free(NULL);
}

/* Comments, strings, continuation and CRLF in the lexer. */
static void test_lexer(void **state)
{
	struct xfp_policy *p = parse_ok(
		"# leading comment\r\n"
		"sublayer add a weight 1 # trailing comment\r\n"
		"sublayer add b \\\r\n"
		"  weight 2;sublayer add c weight 3 ;\n"
		"\n;;\n"
		"filter add f layer ale-auth-recv-accept remote-user-id \"a \\\"q\\\" \\\\b\" "
		"action permit\n"
		"filter add g layer ale-auth-recv-accept remote-user-id { x,\n"
		"  y, # comment inside braces\n"
		"  z, } action permit",
		0);

	(void)state;
	assert_int_equal(p->n_sublayers, 4);
	assert_int_equal(p->sublayers[2].weight, 2);
	assert_string_equal(
		p->principals
			[filter(p, "f")->conds[XFP_FIELD_REMOTE_USER_ID].v[0].lo],
		"a \"q\" \\b");
	assert_int_equal(filter(p, "g")->conds[XFP_FIELD_REMOTE_USER_ID].n, 3);
	xfp_policy_free(p);
}

/* Look-ups by name stay right through appends, deletes and sorting. */
static void test_name_index(void **state)
{
	enum { N = 3000 };
	struct xfp_policy *p = xfp_policy_new();
	struct xfp_errors e = { 0 };
	char *text = malloc(N * 96), line[96];
	size_t o = 0;

	(void)state;
	assert_non_null(text);
	/* weights in reverse, so finalize reorders everything */
	for (int i = 0; i < N; i++)
		o += (size_t)sprintf(text + o,
				     "filter add f%d layer inbound-transport "
				     "weight %d action permit\n",
				     i, i);
	assert_int_equal(xfp_policy_parse_string(p, "t", text, o, 0, &e), 0);
	for (int i = 0; i < N; i += 7) {
		snprintf(line, sizeof(line), "f%d", i);
		assert_int_equal(xfp_policy_find_filter(p, line), i);
	}
	assert_int_equal(xfp_policy_finalize(p, &e), 0);
	for (int i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "f%d", i);
		assert_int_equal(xfp_policy_find_filter(p, line), N - 1 - i);
	}
	snprintf(text, (size_t)N * 96,
		 "filter delete f0\nfilter delete f2999\n");
	assert_int_equal(
		xfp_policy_parse_string(p, "t", text, strlen(text), 0, &e), 0);
	assert_int_equal(xfp_policy_find_filter(p, "f0"), -1);
	assert_int_equal(xfp_policy_find_filter(p, "f2999"), -1);
	assert_int_equal(xfp_policy_find_filter(p, "f1"), N - 3);
	assert_int_equal(xfp_policy_find_filter(p, "f2998"), 0);
	assert_int_equal(xfp_policy_find_filter(p, "nope"), -1);
	/* a name freed by delete can be used again */
	snprintf(text, (size_t)N * 96,
		 "filter add f0 layer outbound-transport action block\n");
	assert_int_equal(
		xfp_policy_parse_string(p, "t", text, strlen(text), 0, &e), 0);
	assert_int_equal(xfp_policy_find_filter(p, "f0"), N - 2);
	assert_int_equal(e.n, 0);
	free(text);
	xfp_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_recovery),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_grammar_elements),
		cmocka_unit_test(test_golden_show),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_ike_exemptions),
		cmocka_unit_test(test_family_inference),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_name_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
