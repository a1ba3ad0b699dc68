/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * policy.h - the xfp policy: the WFP object model as plain C structs, the
 * text language that builds it, validation, and the reference classifier.
 *
 * Pipeline:  text --xfp_policy_parse_*()--> IR --xfp_policy_finalize()-->
 *            validated IR with effective weights, exemptions and a total
 *            evaluation order --> xfp_ref_classify() (the oracle) or the
 *            datapath compiler (issue 4).
 *
 * Conventions (read these before compiling the IR into maps):
 *
 *  - Objects are referenced by index into the arrays of struct xfp_policy
 *    (sublayer, qm/mm policy, sa, principal), never by pointer, so the IR can
 *    be copied and compiled without fixing up pointers.  -1 means "none".
 *  - Presence of optional fields is told by *_HAS_* bit flags (the
 *    WireGuard containers.h habit): a field whose flag is clear was not
 *    written and its value is meaningless.
 *  - Addresses are 16 bytes, network byte order.  IPv4 is stored v4-mapped
 *    (::ffff:a.b.c.d); every address value also carries its family (4 or
 *    6), and an IPv6 literal inside ::ffff:0:0/96 is rejected by the parser,
 *    so v4 and v6 values never overlap.  A condition value of one family
 *    never matches a packet of the other family.
 *  - Every condition value is a closed range [lo, hi] plus the match type
 *    it was written with.  Prefixes and single values are normalised to
 *    ranges (for EQUAL lo == hi; for PREFIX lo/hi are the first and last
 *    address of the prefix and plen is kept for printing).  NOT_EQUAL holds
 *    the excluded value in lo == hi.  FLAGS_* keep the mask in lo (hi ==
 *    lo).  Identity conditions are ordered access lists: each value is an
 *    ACE (ace allow/deny, idref principal/group/any) with lo == hi == the
 *    index into xfp_policy.principals or .groups; they are evaluated by
 *    xfp_identity_cond_eval(), never as OR-lists (see "identity groups
 *    and access lists" below).
 *  - Conditions on different fields are ANDed, the values of one field are
 *    ORed (identity fields: first matching ACE decides).  A condition on a field that the packet does not carry (a port
 *    condition on an ICMP packet, an identity on unauthenticated traffic)
 *    is false whatever its match type.
 *  - After xfp_policy_finalize() the filters array is in evaluation order:
 *    layer asc, sublayer weight desc, sublayer index asc (sublayers of equal
 *    weight in order of definition), effective weight desc, filter id asc
 *    (xfp_filter_order_cmp).  The datapath may copy this order as is.
 *  - Family: a filter applies to IPv4 (XFP_FAMILY_IP), IPv6 (IP6) or both
 *    (INET) flavours of its layer; without `family` it is inferred from the
 *    address values (all v4 -> IP, all v6 -> IP6, else INET).
 */
#ifndef XFP_POLICY_H
#define XFP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/xfp_abi.h"
#include "crypto/alg.h"

#define XFP_NAME_MAX 64 /* object names, incl. the NUL */
#define XFP_IFNAME_MAX 16 /* IFNAMSIZ */
#define XFP_PRINCIPAL_MAX 256 /* "host-b.corp", "alice@corp", incl. NUL */
#define XFP_SUBLAYERS_MAX 32 /* per policy, incl. the default sublayer */
#define XFP_PROPOSALS_MAX 8 /* per quick- or main-mode policy */
#define XFP_SA_IDS_MAX 4 /* authenticated remote identities per SA */
#define XFP_KEY_MAX XFP_ALG_MAX_KEY_LEN /* longest key, bytes */

/* Weight space (WFP filter-weight-assignment). */
#define XFP_AUTO_WEIGHT_BITS 60
#define XFP_AUTO_WEIGHT_MAX ((UINT64_C(1) << XFP_AUTO_WEIGHT_BITS) - 1)
#define XFP_WEIGHT_RANGE_MAX 15
#define XFP_WEIGHT_RANGE_IKE_EXEMPTIONS 12
#define XFP_WEIGHT_RANGE_IPSEC 0

/* Name of the sublayer that always exists, and its weight. */
#define XFP_DEFAULT_SUBLAYER "default"
#define XFP_DEFAULT_SUBLAYER_WEIGHT 0x8000

/* Filter family: a filter applies to the v4 layer, the v6 layer or both. */
enum xfp_family {
	XFP_FAMILY_INET = 0, /* both ("inet", as in nftables) */
	XFP_FAMILY_IP = 4, /* IPv4 only ("ip") */
	XFP_FAMILY_IP6 = 6, /* IPv6 only ("ip6") */
};

/* Condition fields.  The bit (1u << field) is used in cond_mask. */
#define XFP_FIELDS(X)                                 \
	X(LOCAL_ADDR, 0, "local-addr")                \
	X(REMOTE_ADDR, 1, "remote-addr")              \
	X(LOCAL_PORT, 2, "local-port")                \
	X(REMOTE_PORT, 3, "remote-port")              \
	X(PROTOCOL, 4, "protocol")                    \
	X(ICMP_TYPE, 5, "icmp-type")                  \
	X(ICMP_CODE, 6, "icmp-code")                  \
	X(LOCAL_ADDR_TYPE, 7, "local-addr-type")      \
	X(INTERFACE, 8, "interface")                  \
	X(IPSEC_FLAGS, 9, "ipsec-flags")              \
	X(REMOTE_MACHINE_ID, 10, "remote-machine-id") \
	X(REMOTE_USER_ID, 11, "remote-user-id")

enum xfp_field {
#define XFP__F(name, num, str) XFP_FIELD_##name = num,
	XFP_FIELDS(XFP__F)
#undef XFP__F
		XFP_FIELD__MAX
};

/* Match types (a subset of FWP_MATCH_TYPE, with our own numbers). */
#define XFP_MATCHES(X)                 \
	X(EQUAL, 0, "equal")           \
	X(NOT_EQUAL, 1, "not-equal")   \
	X(RANGE, 2, "range")           \
	X(PREFIX, 3, "prefix")         \
	X(FLAGS_ALL_SET, 4, "all-set") \
	X(FLAGS_ANY_SET, 5, "any-set") \
	X(FLAGS_NONE_SET, 6, "none-set")

enum xfp_match {
#define XFP__M(name, num, str) XFP_MATCH_##name = num,
	XFP_MATCHES(XFP__M)
#undef XFP__M
		XFP_MATCH__MAX
};

/* Local address types (values of WFP's NL_ADDRESS_TYPE). */
#define XFP_ADDR_TYPE_UNICAST 1
#define XFP_ADDR_TYPE_ANYCAST 2
#define XFP_ADDR_TYPE_MULTICAST 3
#define XFP_ADDR_TYPE_BROADCAST 4

struct xfp_addr {
	uint8_t b[16]; /* network order; IPv4 as ::ffff:a.b.c.d */
};

/* One value of a condition's OR-list. */
struct xfp_cond_val {
	uint8_t match; /* enum xfp_match */
	uint8_t family; /* address fields: 4 or 6; other fields: 0 */
	uint8_t plen; /* PREFIX: prefix length as written (v4 0-32, v6 0-128) */
	uint8_t by_name; /* INTERFACE: 1 = ifname, 0 = index in lo/hi */
	struct xfp_addr addr_lo, addr_hi; /* address fields */
	uint64_t lo, hi; /* every other field */
	char ifname[XFP_IFNAME_MAX]; /* INTERFACE given by name */
	/* Identity fields (remote-machine-id, remote-user-id) only: the
	 * value is one ACE of an ordered access list, see "Identities". */
	uint8_t ace; /* enum xfp_ace: XFP_ACE_ALLOW (0) or XFP_ACE_DENY */
	uint8_t idref; /* enum xfp_idref: what lo names */
};

/* All values written for one field: matched if any value matches. */
struct xfp_cond {
	unsigned n;
	struct xfp_cond_val *v;
};

/* Presence flags of struct xfp_filter. */
enum {
	XFP_FILTER_HAS_WEIGHT = 1u << 0, /* explicit 64-bit weight */
	XFP_FILTER_HAS_WEIGHT_RANGE = 1u << 1, /* 0-15 range, auto low bits */
	XFP_FILTER_HAS_POLICY = 1u << 2, /* provider context set */
	XFP_FILTER_HAS_FAMILY = 1u << 3, /* family written, not inferred */
	XFP_FILTER_AUTO_EXEMPTION = 1u << 4, /* made by finalize (IKE) */
	XFP_FILTER_FROM_TUNNEL = 1u << 5, /* made by `tunnel add`; see tunnel */
};

/* Kind of provider context a filter references. */
enum xfp_ctx_kind {
	XFP_CTX_NONE = 0,
	XFP_CTX_QM = 1, /* quick-mode policy, index into qm_policies */
	XFP_CTX_MM = 2, /* main-mode policy, index into mm_policies */
};

struct xfp_filter {
	uint32_t has; /* XFP_FILTER_HAS_* */
	uint64_t id; /* 1, 2, ... in order of definition; stable */
	char name[XFP_NAME_MAX];
	enum xfp_layer layer;
	enum xfp_family family; /* written or inferred, see README */
	int sublayer; /* index into xfp_policy.sublayers */
	uint16_t sublayer_weight; /* copy of the sublayer's weight */
	uint64_t weight; /* as written (HAS_WEIGHT) */
	uint8_t weight_range; /* as written (HAS_WEIGHT_RANGE) */
	uint64_t effective_weight; /* set by finalize */
	uint64_t auto_weight; /* the specificity score, < 2^60 */
	enum xfp_action action;
	uint32_t flags; /* XFP_FILTER_CLEAR_ACTION_RIGHT */
	uint32_t ctx_flags; /* XFP_CTX_* raw-context flags */
	enum xfp_ctx_kind ctx_kind; /* provider context kind (HAS_POLICY) */
	int ctx; /* provider context index or -1 */
	int sa; /* SA bound to this filter or -1 (finalize) */
	uint32_t cond_mask; /* 1u << enum xfp_field for each present */
	struct xfp_cond conds[XFP_FIELD__MAX];
	unsigned line, col; /* where it was defined (0 = generated) */
	int tunnel; /* FROM_TUNNEL: index into xfp_policy.tunnels */
};

struct xfp_sublayer {
	char name[XFP_NAME_MAX];
	uint16_t weight;
	unsigned line, col;
};

/* ---- provider contexts ------------------------------------------------- */

/* Transform types (values of WFP's IPSEC_TRANSFORM_TYPE). */
enum xfp_transform {
	XFP_TRANSFORM_AH = 1,
	XFP_TRANSFORM_ESP_AUTH = 2,
	XFP_TRANSFORM_ESP_CIPHER = 3,
	XFP_TRANSFORM_ESP_AUTH_AND_CIPHER = 4,
};

struct xfp_lifetime {
	uint32_t has; /* XFP_LIFE_HAS_* */
	uint64_t seconds, kilobytes, packets;
	uint64_t soft_seconds, soft_kilobytes, soft_packets;
};
enum {
	XFP_LIFE_HAS_SECONDS = 1u << 0,
	XFP_LIFE_HAS_KILOBYTES = 1u << 1,
	XFP_LIFE_HAS_PACKETS = 1u << 2,
	XFP_LIFE_HAS_SOFT_SECONDS = 1u << 3,
	XFP_LIFE_HAS_SOFT_KILOBYTES = 1u << 4,
	XFP_LIFE_HAS_SOFT_PACKETS = 1u << 5,
};

/* WFP transform type of an SA algorithm: AH, ESP_AUTH (authentication
 * only: GMAC, ESP-NULL) or ESP_AUTH_AND_CIPHER (AEAD). */
enum xfp_transform xfp_alg_transform(enum xfp_alg alg);

/* One quick-mode proposal: AH, ESP, or the AH+ESP bundle. */
struct xfp_qm_proposal {
	enum xfp_alg ah_alg; /* AH algorithm or XFP_ALG_NONE */
	enum xfp_alg esp_alg; /* ESP algorithm or XFP_ALG_NONE */
	struct xfp_lifetime lifetime;
	int pfs; /* DH group (policy/alg.h xfp_dh index), 0 = none */
};

/* Quick-mode policy flags (values of WFP's IPSEC_POLICY_FLAG_*). */
#define XFP_QM_ND_SECURE 0x2u
#define XFP_QM_ND_BOUNDARY 0x4u
#define XFP_QM_CLEAR_DF_ON_TUNNEL 0x8u

enum {
	XFP_QM_HAS_ND_TIMEOUT = 1u << 0,
	XFP_QM_HAS_IDLE = 1u << 1,
	XFP_QM_HAS_IDLE_FAILOVER = 1u << 2,
	XFP_QM_HAS_ENDPOINTS = 1u << 3,
};

struct xfp_qm_policy {
	char name[XFP_NAME_MAX];
	uint32_t has; /* XFP_QM_HAS_* */
	bool tunnel; /* tunnel policy (else transport) */
	uint32_t flags; /* XFP_QM_* */
	unsigned n_proposals;
	struct xfp_qm_proposal proposals[XFP_PROPOSALS_MAX];
	uint32_t nd_allow_clear_timeout;
	uint32_t idle_timeout, idle_timeout_failover;
	uint8_t endpoint_family; /* tunnel: 4 or 6 */
	struct xfp_addr local_endpoint, remote_endpoint; /* tunnel */
	unsigned line, col;
};

/* Main-mode authentication methods. */
#define XFP_MM_AUTHS(X)            \
	X(PSK, 0, "psk")           \
	X(CERT, 1, "cert")         \
	X(KERBEROS, 2, "kerberos") \
	X(ANONYMOUS, 3, "anonymous")

enum xfp_mm_auth {
#define XFP__AU(name, num, str) XFP_MM_AUTH_##name = num,
	XFP_MM_AUTHS(XFP__AU)
#undef XFP__AU
		XFP_MM_AUTH__MAX
};

enum xfp_keying {
	XFP_KEYING_IKE = 0,
	XFP_KEYING_AUTHIP = 1,
	XFP_KEYING_IKEV2 = 2,
};

struct xfp_mm_proposal {
	int cipher; /* policy/alg.h xfp_mm_cipher index */
	int integrity; /* policy/alg.h xfp_mm_integrity index */
	int dh; /* policy/alg.h xfp_dh index */
};

struct xfp_mm_policy {
	char name[XFP_NAME_MAX];
	enum xfp_keying keying;
	unsigned n_auth;
	uint8_t auth[XFP_MM_AUTH__MAX]; /* enum xfp_mm_auth, preferred first */
	unsigned n_proposals;
	struct xfp_mm_proposal proposals[XFP_PROPOSALS_MAX];
	uint32_t lifetime_seconds; /* 0 = default (28800) */
	unsigned line, col;
};

/* ---- SAs ---------------------------------------------------------------- */

enum {
	XFP_SA_HAS_INBOUND_FILTER = 1u << 0,
	XFP_SA_HAS_IDLE = 1u << 1,
	XFP_SA_HAS_KEYS = 1u << 2, /* key file was read */
};
#define XFP_SA_GUARANTEE_ENCRYPTION 0x8u /* IPSEC_SA_BUNDLE_FLAG_* value */

/* An authenticated remote identity: "machine:NAME" or "user:NAME".
 * principal -1 is a name the policy does not know (it matches only the
 * "*" ACE, never a named principal or a group). */
struct xfp_identity {
	bool user; /* false = machine */
	int principal; /* index into xfp_policy.principals, or -1 */
};

/* ---- identity groups and access lists ----------------------------------- *
 *
 * Identities are named principals; a group (`group add NAME { ... }`) holds
 * machine principals, user principals and other groups (defined before it,
 * so nesting never loops).  A remote-machine-id / remote-user-id condition
 * is an ordered access list (a DACL): each value is one ACE, allow or deny,
 * naming a principal (lo = principal index), a group (lo = group index) or
 * "*" (any identity).  Evaluation, for the identities S of the connection:
 *   1. T = the identities of S of the condition's kind (machine identities
 *      for remote-machine-id, user identities for remote-user-id).  T empty
 *      -> the condition is false (the field is absent).
 *   2. Walk the ACEs in the order written.  An ACE matches when some
 *      identity of T is its principal, is a member of its group (directly
 *      or through nested groups; only members of the same kind count), or
 *      the ACE is "*".  The first matching ACE decides: allow -> true,
 *      deny -> false.  Several identities in T are one token, as in a
 *      Windows access check: an early allow for one identity wins over a
 *      later deny for another, and an early deny for any identity wins.
 *   3. No ACE matches -> false.
 * Conditions on different fields are still ANDed: a filter with both
 * conditions needs the machine allowed by one list AND the user by the
 * other (WFP's SD1/SD2).  `!= NAME` is stored as { deny NAME, allow * }.
 */
enum xfp_ace {
	XFP_ACE_ALLOW = 0,
	XFP_ACE_DENY = 1,
};

enum xfp_idref {
	XFP_IDREF_PRINCIPAL = 0, /* lo = index into principals */
	XFP_IDREF_GROUP = 1, /* lo = index into groups */
	XFP_IDREF_ANY = 2, /* "*": every identity of the field's kind */
};

enum xfp_member_kind {
	XFP_MEMBER_MACHINE = 0, /* ref = principal index */
	XFP_MEMBER_USER = 1, /* ref = principal index */
	XFP_MEMBER_GROUP = 2, /* ref = group index, always < this group's */
};

struct xfp_group_member {
	uint8_t kind; /* enum xfp_member_kind */
	int ref;
};

struct xfp_group {
	char name[XFP_NAME_MAX];
	unsigned n;
	struct xfp_group_member *m;
	unsigned line, col;
};

/* ---- tunnels (FwpmIPsecTunnelAdd) ---------------------------------------- *
 *
 * `tunnel add NAME ...` expands into ordinary filters, each marked
 * XFP_FILTER_FROM_TUNNEL with .tunnel = the tunnel's index (README,
 * "Tunnels").  The filters are the whole truth for classification; this
 * record only remembers the command for `policy show` and `tunnel delete`.
 */
enum {
	XFP_TUNNEL_POINT_TO_POINT = 1u
				    << 0, /* FWPM_TUNNEL_FLAG_POINT_TO_POINT */
	XFP_TUNNEL_HAS_MM = 1u << 1, /* an mm-policy was given */
};

struct xfp_tunnel {
	char name[XFP_NAME_MAX];
	uint32_t flags; /* XFP_TUNNEL_* */
	int qm; /* tunnel qm-policy index */
	int mm; /* mm-policy index or -1 */
	int sublayer; /* sublayer of the transport tunnel filters */
	unsigned line, col;
};

struct xfp_sa {
	char name[XFP_NAME_MAX];
	uint32_t has; /* XFP_SA_HAS_* */
	bool tunnel; /* bound to a tunnel qm-policy (else to a filter) */
	int filter; /* outbound filter index (transport) or -1 */
	uint64_t filter_id;
	int inbound_filter; /* inbound filter index or -1 */
	uint64_t inbound_filter_id;
	int qm_policy; /* tunnel qm-policy index or -1 */
	uint32_t spi_in, spi_out;
	enum xfp_alg alg; /* ESP or AH algorithm (crypto/alg.h) */
	struct xfp_lifetime lifetime;
	uint32_t idle_timeout;
	uint32_t flags; /* XFP_SA_GUARANTEE_ENCRYPTION */
	unsigned n_ids;
	struct xfp_identity ids[XFP_SA_IDS_MAX];
	char key_file[4096]; /* as written, resolved against the policy dir */
	/* Key material: never printed, wiped by xfp_policy_free(). */
	uint8_t key_in[XFP_KEY_MAX], key_out[XFP_KEY_MAX];
	unsigned key_len;
	unsigned line, col;
};

/* ---- the policy --------------------------------------------------------- */

struct xfp_policy {
	unsigned n_sublayers;
	struct xfp_sublayer sublayers[XFP_SUBLAYERS_MAX]; /* [0] = default */
	unsigned n_filters;
	struct xfp_filter *filters; /* evaluation order after finalize */
	unsigned filters_cap; /* entries allocated (xfp_filter_slot()) */
	uint64_t next_filter_id;
	unsigned n_qm;
	struct xfp_qm_policy *qm;
	unsigned n_mm;
	struct xfp_mm_policy *mm;
	unsigned n_sas;
	struct xfp_sa *sas;
	unsigned n_principals;
	char **principals; /* interned identity names, e.g. "host-b.corp" */
	bool finalized;
	/* Internal: name -> filter index hash, kept by the parser and
	 * finalize.  Change filters[] only through them. */
	struct xfp_name_index *filter_index;
	unsigned n_groups;
	struct xfp_group *groups; /* identity groups, in order of definition */
	unsigned n_tunnels;
	struct xfp_tunnel *tunnels;
};

/* ---- diagnostics -------------------------------------------------------- */

struct xfp_error {
	char *file; /* as given to the parser */
	unsigned line, col; /* 1-based; 0 when not about a place */
	char *msg;
};

struct xfp_errors {
	unsigned n;
	struct xfp_error *v;
};

/* Print every error as "FILE:LINE:COL: message\n". */
void xfp_errors_print(const struct xfp_errors *e, FILE *out);
void xfp_errors_free(struct xfp_errors *e);

/* ---- API ---------------------------------------------------------------- */

enum {
	/* Do not open key files (fuzzing, or showing a policy on another
	 * host); SAs then have no XFP_SA_HAS_KEYS. */
	XFP_PARSE_NO_KEYS = 1u << 0,
};

/* A new empty policy holding only the default sublayer.  NULL on ENOMEM. */
struct xfp_policy *xfp_policy_new(void);

/*
 * Parse commands from a file / a buffer and add them to p.  Errors are
 * appended to err; parsing goes on after an error at the next statement.
 * `name` is what error lines say for the buffer.  Relative key-file paths
 * are resolved against the directory of `path` (the current directory for
 * strings).  Returns the number of errors added (0 = all good) or -errno
 * when the file cannot be read (also recorded in err).
 */
int xfp_policy_parse_file(struct xfp_policy *p, const char *path,
			  unsigned flags, struct xfp_errors *err);
int xfp_policy_parse_string(struct xfp_policy *p, const char *name,
			    const char *text, size_t len, unsigned flags,
			    struct xfp_errors *err);

/*
 * Validate the whole policy, add or remove the automatic IKE exemptions,
 * bind SAs to filters, compute effective weights and sort the filters into
 * evaluation order.  Idempotent; call again after parsing more commands.
 * Returns the number of errors added.
 */
int xfp_policy_finalize(struct xfp_policy *p, struct xfp_errors *err);

/* Wipes key material and frees everything.  NULL is fine. */
void xfp_policy_free(struct xfp_policy *p);

/* The specificity score used for automatic weights (see README). */
uint64_t xfp_filter_auto_weight(const struct xfp_filter *f);

/* Total order of evaluation: <0 when a is evaluated before b. */
int xfp_filter_order_cmp(const struct xfp_filter *a,
			 const struct xfp_filter *b);

/* Look-ups by name; -1 when absent. */
int xfp_policy_find_filter(const struct xfp_policy *p, const char *name);
int xfp_policy_find_filter_id(const struct xfp_policy *p, uint64_t id);
int xfp_policy_find_sublayer(const struct xfp_policy *p, const char *name);
int xfp_policy_find_sa(const struct xfp_policy *p, const char *name);
int xfp_policy_find_principal(const struct xfp_policy *p, const char *name);
int xfp_policy_find_group(const struct xfp_policy *p, const char *name);
int xfp_policy_find_tunnel(const struct xfp_policy *p, const char *name);

/* Which fields a layer allows (bit 1u << enum xfp_field). */
uint32_t xfp_layer_allowed_fields(enum xfp_layer layer);

/* Name tables; NULL / -1 for values out of range / unknown names. */
const char *xfp_field_name(enum xfp_field f);
const char *xfp_match_name(enum xfp_match m);
const char *xfp_layer_name(enum xfp_layer l);
const char *xfp_action_name(enum xfp_action a);
int xfp_layer_from_name(const char *s);
int xfp_action_from_name(const char *s);

/* ---- the reference classifier ------------------------------------------ */

/* Presence flags of struct xfp_pkt. */
enum {
	XFP_PKT_HAS_PORTS = 1u << 0, /* local_port/remote_port valid */
	XFP_PKT_HAS_ICMP = 1u << 1, /* icmp_type/icmp_code valid */
	XFP_PKT_HAS_IFINDEX = 1u << 2,
	XFP_PKT_HAS_IFNAME = 1u << 3,
	XFP_PKT_FLOW_WAS_SECURED = 1u
				   << 4, /* flow was IPsec-protected before */
	XFP_PKT_ND_CLEAR_EXPIRED = 1u << 5, /* ND: clear allowance ran out */
};

/*
 * A packet or flow as a layer sees it.  ipsec_flags uses XFP_COND_FLAG_*:
 * at inbound layers it says how the packet arrived; at the outbound layers
 * it says whether an SA is established for the traffic (SECURED) and
 * whether that SA encrypts (ENCRYPTED).  When sa >= 0 the packet arrived
 * over (or leaves through) that SA of the policy: SECURED is implied,
 * ENCRYPTED follows the SA's algorithm and the remote identities are the
 * SA's unless remote_machine/remote_user are set.
 */
struct xfp_pkt {
	uint32_t has; /* XFP_PKT_HAS_* */
	uint8_t family; /* 4 or 6 */
	uint8_t protocol;
	uint8_t icmp_type, icmp_code;
	uint16_t local_port, remote_port;
	uint8_t local_addr_type; /* XFP_ADDR_TYPE_*, 0 = unknown */
	uint32_t ipsec_flags; /* XFP_COND_FLAG_* */
	uint32_t ifindex;
	char ifname[XFP_IFNAME_MAX];
	struct xfp_addr local, remote; /* v4-mapped for IPv4 */
	int sa; /* SA index or -1 */
	const char *remote_machine; /* authenticated principal or NULL */
	const char *remote_user;
	/* The connection's identity set, when n_ids > 0: used instead of
	 * remote_machine / remote_user and the SA's identities. */
	unsigned n_ids;
	const struct xfp_identity *ids;
};

/* Why a sublayer or a layer decided what it did. */
#define XFP_REASONS(X)                                                   \
	X(NO_MATCH, 0, "no filter matched")                              \
	X(FILTER, 1, "filter action")                                    \
	X(SECURED, 2, "traffic is IPsec-protected")                      \
	X(CLEAR_TEXT, 3, "clear text where IPsec is required")           \
	X(ND_CLEAR, 4, "clear text allowed by negotiation discovery")    \
	X(DOWNGRADE, 5, "clear text on a flow that was secured")         \
	X(NOT_ENCRYPTED, 6,                                              \
	  "secured but not encrypted where encryption is required")      \
	X(NO_SA, 7, "no SA established; acquire sent")                   \
	X(SA_MISMATCH, 8, "arrived over an SA not bound to this filter") \
	X(POLICY, 9, "policy selected")                                  \
	X(SECURE, 10, "must leave IPsec-protected")                      \
	X(ND_TIMEOUT, 11,                                                \
	  "clear text after the negotiation-discovery allowance ran out")

enum xfp_reason {
#define XFP__R(name, num, str) XFP_REASON_##name = num,
	XFP_REASONS(XFP__R)
#undef XFP__R
		XFP_REASON__MAX
};
const char *xfp_reason_text(enum xfp_reason r);

/* What one sublayer said. */
struct xfp_sublayer_verdict {
	int sublayer; /* index into xfp_policy.sublayers */
	bool decided; /* a filter returned permit or block */
	int filter; /* deciding filter index or -1 */
	uint64_t filter_id; /* 0 when none */
	enum xfp_action verdict; /* PERMIT or BLOCK when decided */
	bool hard;
	enum xfp_reason reason;
	unsigned n_matched; /* matching filters (incl. ones not reached) */
};

struct xfp_decision {
	enum xfp_layer layer;
	enum xfp_action action; /* final: XFP_ACTION_PERMIT or _BLOCK */
	bool hard;
	bool veto; /* a callout block overrode a hard permit */
	bool matched; /* some sublayer decided (else default permit) */
	int filter; /* deciding filter index or -1 */
	uint64_t filter_id; /* 0 when none */
	int sublayer; /* deciding sublayer index or -1 */
	enum xfp_reason reason;
	enum xfp_drop_reason drop_reason; /* when BLOCK, as the datapath counts */
	/* What the deciding callout asks of the datapath / keying module. */
	bool secure; /* send over IPsec (outbound callouts) */
	bool acquire; /* no SA: ask the keying module to negotiate */
	bool clear_ok; /* negotiation discovery: send clear meanwhile */
	uint32_t ctx_flags; /* the deciding filter's XFP_CTX_* */
	enum xfp_ctx_kind ctx_kind;
	int ctx; /* provider context index or -1 */
	int sa; /* SA to use / used, or -1 */
	unsigned n_sublayers; /* every sublayer of the policy, by weight */
	struct xfp_sublayer_verdict sub[XFP_SUBLAYERS_MAX];
};

/*
 * The oracle: walk every filter of `layer` in evaluation order and apply
 * the WFP arbitration rules (README "Arbitration" and "Callouts").  p must
 * be finalized.  Returns 0, or -EINVAL for a bad layer / family / SA index.
 */
int xfp_ref_classify(const struct xfp_policy *p, enum xfp_layer layer,
		     const struct xfp_pkt *pkt, struct xfp_decision *out);

/* Does filter f's conditions (and family) match the packet?  Exposed for
 * tests and the datapath's differential tests. */
bool xfp_filter_matches(const struct xfp_policy *p, const struct xfp_filter *f,
			const struct xfp_pkt *pkt);

/*
 * ---- identity conditions, for the datapath compiler ----
 *
 * The datapath never walks access lists.  The compiler must precompute,
 * for every filter F that has an identity condition (cond_mask has
 * XFP_FIELD_REMOTE_MACHINE_ID or _USER_ID) and every identity set S that
 * traffic can carry (the ids[] of each SA, and of each negotiated SA when
 * the keying module reports one), the boolean
 *
 *     xfp_identity_filter_eval(p, F, S.ids, S.n)
 *
 * and key it by (filter, identity-set id) in a map the programs read.  A
 * packet without identities (clear text, or an SA with no remote-id) makes
 * every identity condition false: n = 0 gives 0, so a filter with an
 * identity condition never matches it.  All other conditions of F are
 * matched as usual and ANDed with that boolean.
 *
 * xfp_identity_cond_eval() evaluates one condition (field is
 * XFP_FIELD_REMOTE_MACHINE_ID or XFP_FIELD_REMOTE_USER_ID) by the rules of
 * "identity groups and access lists" above.  Both return 1 (true), 0
 * (false) or -EINVAL (bad filter index, field or principal index).  A
 * filter without a condition on `field` gives 1 (no constraint).  Pure:
 * they read p only and need not a finalized policy.
 */
int xfp_identity_cond_eval(const struct xfp_policy *p, unsigned filter_idx,
			   enum xfp_field field, const struct xfp_identity *ids,
			   unsigned n);
int xfp_identity_filter_eval(const struct xfp_policy *p, unsigned filter_idx,
			     const struct xfp_identity *ids, unsigned n);

/* Is principal `principal` of kind user/machine a member of group g,
 * directly or through nested groups? */
bool xfp_group_contains(const struct xfp_policy *p, int g, bool user,
			int principal);

/*
 * ---- negotiation discovery inputs ----
 *
 * The ND callouts depend on the flow, not only on the packet; the caller
 * describes the flow with two bits of xfp_pkt.has:
 *
 *  XFP_PKT_FLOW_WAS_SECURED  the flow has been IPsec-protected (a packet
 *      of it arrived or left over an SA).  Never cleared for the life of
 *      the flow: a later clear packet of it is blocked (DOWNGRADE) in both
 *      directions by the ND transport callouts.
 *  XFP_PKT_ND_CLEAR_EXPIRED  set by the datapath when the flow has been
 *      clear for at least xfp_nd_clear_timeout() seconds (its first packet
 *      is the start) and the keying module has not reported that the
 *      negotiation for the peer failed; after a failure clear text is the
 *      agreed state and the bit stays clear.  Only the inbound-transport
 *      callout with persist-connection-security reads it: clear text is
 *      then blocked (ND_TIMEOUT, drop reason clear-text).  A timeout of 0
 *      (not set) never expires.
 *
 * xfp_nd_clear_timeout() is the nd-allow-clear-timeout of the quick-mode
 * policy that the ipsec layer selects for the packet (the policy an acquire
 * for it negotiates), 0 when none is selected or it has no timeout.
 */
uint32_t xfp_nd_clear_timeout(const struct xfp_policy *p,
			      const struct xfp_pkt *pkt);

/* Parse an address "198.18.0.1" / "2001:db8::1" into the IR form;
 * returns the family (4 or 6) or 0 when it is not an address. */
int xfp_addr_parse(const char *s, struct xfp_addr *out);
/* "tcp" or "6" -> 6; -1 when neither a known name nor 0-255. */
int xfp_protocol_parse(const char *s);
/* "unicast" -> XFP_ADDR_TYPE_UNICAST ...; -1 when unknown. */
int xfp_addr_type_parse(const char *s);

/* ---- output ------------------------------------------------------------- */

/* `xfp policy show`: normalised text (json = false) or JSON. Keys are
 * printed as "(hidden)". */
void xfp_policy_print(const struct xfp_policy *p, bool json, FILE *out);

/* `xfp explain`: the decision, each sublayer's verdict and why. */
void xfp_decision_print(const struct xfp_policy *p,
			const struct xfp_decision *d, const struct xfp_pkt *pkt,
			bool json, FILE *out);

#endif /* XFP_POLICY_H */
