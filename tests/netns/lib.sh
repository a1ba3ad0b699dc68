# shellcheck shell=bash
# lib.sh - helpers for namespace integration tests.  Source it, then:
#
#   netns_new VAR NAME      create namespace "$TAG-NAME", store its name in VAR
#                           (not in $(...): the cleanup list lives in this shell)
#   veth_new A NSA B NSB    veth pair A (in NSA) <-> B (in NSB), both up
#   bpffs_private           mount a private bpffs, export XFP_BPFFS
#   two_hosts               namespaces A, B joined by veth DA <-> DB with
#                           198.18.0.1/24 + 2001:db8::1/64 on A, .2 / ::2 on B
#   two_hosts_quiet         the same, IPv4 only, no IPv6 and static neighbours
#                           (no ND/ARP frames among counted traffic); sets
#                           mac_a, mac_b
#   ok NAME / fail NAME WHY TAP lines; check NAME CMD... runs CMD
#   need CMD...             fail loudly (not skip) when a tool is missing
#
# Everything created is registered and removed by name in an EXIT trap,
# also on failure or Ctrl-C.  Addresses: 198.18.0.0/15, 2001:db8::/32.

set -u
XFP_SRCDIR=${XFP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
XFP_BUILD=${XFP_BUILD:-build}
case "$XFP_BUILD" in /*) ;; *) XFP_BUILD=$XFP_SRCDIR/$XFP_BUILD ;; esac
XFP=$XFP_BUILD/xfp
PY=/usr/bin/python3
# Short, run-unique tag: interface names are limited to 15 characters.
TAG=${TAG:-xt$$}
TMPD=$(mktemp -d "/tmp/xfp-test.$TAG.XXXXXX")

_created_ns=()
_created_links=()
_mounts=()
_pids=()
_tap_n=0
_tap_failed=0

_cleanup() {
	local p ns m l
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for ns in "${_created_ns[@]}"; do
		# Only processes inside our own namespaces.
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	done
	for l in "${_created_links[@]}"; do ip link del "$l" 2>/dev/null; done
	for ns in "${_created_ns[@]}"; do ip netns del "$ns" 2>/dev/null; done
	for m in "${_mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1: $2"
}

# check NAME CMD...: ok when CMD succeeds; its output is shown on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name" "command failed: $*"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

need() {
	local c missing=""
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || missing="$missing $c"
	done
	if [ -n "$missing" ]; then
		fail "prerequisites" "missing:$missing (run 'make deps' and 'make')"
		done_testing
	fi
}

netns_new() {
	local ns="$TAG-$2"
	printf -v "$1" '%s' "$ns"
	ip netns add "$ns" || { fail "create netns $ns" "ip netns add failed"; done_testing; }
	_created_ns+=("$ns")
	ip -n "$ns" link set lo up
}

veth_new() { # A NSA B NSB
	ip link add "$1" type veth peer name "$3" || { fail "create veth $1" "ip link add failed"; done_testing; }
	_created_links+=("$1")
	ip link set "$1" netns "$2"
	ip link set "$3" netns "$4"
	ip -n "$2" link set "$1" up
	ip -n "$4" link set "$3" up
}

# veth_bridged DA NSA CA DB NSB CB NSC: DA in NSA and DB in NSB, wired
# through bridge br0 in NSC (where CA and CB, their peers, are ports): a
# link between two hosts with a point in the middle to capture on.
veth_bridged() {
	veth_new "$1" "$2" "$3" "$7"
	veth_new "$4" "$5" "$6" "$7"
	ip -n "$7" link add br0 type bridge
	ip -n "$7" link set "$3" master br0
	ip -n "$7" link set "$6" master br0
	ip -n "$7" link set br0 up
}

bpffs_private() {
	mkdir -p "$TMPD/bpffs"
	mount -t bpf bpf "$TMPD/bpffs" || { fail "mount private bpffs" "mount -t bpf failed"; done_testing; }
	_mounts+=("$TMPD/bpffs")
	export XFP_BPFFS=$TMPD/bpffs
}

# The common topology: host A and host B on one veth pair, both families.
two_hosts() {
	netns_new A a
	netns_new B b
	DA=${TAG}a
	DB=${TAG}b
	veth_new "$DA" "$A" "$DB" "$B"
	ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
	ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
	ip -n "$A" addr add 2001:db8::1/64 dev "$DA" nodad
	ip -n "$B" addr add 2001:db8::2/64 dev "$DB" nodad
}

two_hosts_quiet() {
	local ns_dev ns dev
	netns_new A a
	netns_new B b
	DA=${TAG}a
	DB=${TAG}b
	veth_new "$DA" "$A" "$DB" "$B"
	for ns_dev in "$A:$DA" "$B:$DB"; do
		ns=${ns_dev%%:*} dev=${ns_dev#*:}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1"
	done
	ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
	ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
	mac_a=$(ip -n "$A" -br link show "$DA" | awk '{print $3}')
	mac_b=$(ip -n "$B" -br link show "$DB" | awk '{print $3}')
	ip -n "$A" neigh replace 198.18.0.2 lladdr "$mac_b" dev "$DA" nud permanent
	ip -n "$B" neigh replace 198.18.0.1 lladdr "$mac_a" dev "$DB" nud permanent
}

bg_pid() { _pids+=("$1"); }

# nsx NS CMD...: run CMD in NS (the private bpffs mount is visible there).
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# json_get FILE|- EXPR: evaluate a Python expression on parsed JSON `j`.
json_get() {
	"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1]) if sys.argv[1]!="-" else sys.stdin); print(eval(sys.argv[2]))' "$@"
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ] && exit 0
	exit 1
}
