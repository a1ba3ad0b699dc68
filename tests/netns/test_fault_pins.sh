#!/usr/bin/env bash
# test_fault_pins.sh - xfp's bpffs pins removed behind its back.
#
# B runs a policy that blocks ICMP in.  Then its pin directory
# ($XFP_BPFFS/xfp/DEV) is deleted by hand.  Checked:
#   - ingress and egress keep enforcing the running policy (the XDP
#     program and the link-less tcx egress program stay attached to the
#     device; nothing fails open);
#   - `xfp status` reports the orphaned programs;
#   - every xfp command on the device fails with an error that says what
#     is missing (the device, the pin path) and exits non-zero, instead of
#     acting on a half-present state;
#   - `xfp attach` refuses to stack a second program and names the orphan
#     and the command that removes it (`xfp detach DEV`);
#   - recovery: that command removes exactly the orphans, then attach and
#     load enforce the policy again in both directions, and detach leaves
#     the device clean.
. "$(dirname "$0")/lib.sh"
need ip ping "$XFP" "$PY"

two_hosts
bpffs_private

cat >"$TMPD/p.pol" <<'EOF'
filter add no-ping-in layer inbound-transport action block protocol icmp remote-addr 198.18.0.1
filter add no-udp-out layer outbound-transport action block protocol udp remote-port 9999
EOF
ping_in() { nsx "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; }
drops_out() { # TC egress filter-block drops on B
	nsx "$B" "$XFP" stats "$DB" -j |
		json_get - 'j["tc_egress"]["drop_reasons"]["filter-block"]["packets"]'
}
udp_out_blocked() { # 3 datagrams B -> A:9999 all dropped by TC egress
	local before
	before=$(drops_out) || return 1
	nsx "$B" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    try: s.sendto(b"x", ("198.18.0.1", 9999))
    except OSError: pass'
	sleep 0.3
	[ "$(($(drops_out) - before))" -eq 3 ]
}

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
check "policy load" nsx "$B" "$XFP" policy load "$TMPD/p.pol"
if ping_in; then fail "policy blocks ICMP in" "ping passed"; else ok "policy blocks ICMP in"; fi
check "policy blocks UDP out to 9999" udp_out_blocked
xdp_id=$(ip -n "$B" -j link show "$DB" | json_get - 'j[0]["xdp"]["prog"]["id"]')

rm -rf "${XFP_BPFFS:?}/xfp/$DB"
[ -e "$XFP_BPFFS/xfp/$DB" ] && fail "pins removed" "still there" || ok "pins of $DB removed behind xfp's back"

if ping_in; then fail "ingress still enforces the running policy" "ping passed: failed open"; else ok "ingress still enforces the running policy"; fi
check_eq "the XDP program stays attached" "$(ip -n "$B" -j link show "$DB" | json_get - 'j[0]["xdp"]["prog"]["id"]')" "$xdp_id"
udp_out_left() { # without stats pins: A sees whether B's datagram leaves
	nsx "$A" timeout 3 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 9999)); s.settimeout(2)
try: s.recv(10); sys.exit(0)
except socket.timeout: sys.exit(1)' &
	local rp=$!
	sleep 0.5
	nsx "$B" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(3):
    try: s.sendto(b"x", ("198.18.0.1", 9999))
    except OSError: pass'
	wait $rp
}
if udp_out_left; then fail "egress still enforces the running policy" "UDP to 9999 left: failed open"; else ok "egress still enforces the running policy"; fi
orph=$(nsx "$B" "$XFP" status -j | json_get - '[o["xdp_prog_id"] for o in j["orphans"] if o["dev"]=="'"$DB"'"]')
check_eq "xfp status -j reports the orphaned XDP program" "$orph" "[$xdp_id]"
check "xfp status names the orphan and the fix" sh -c "ip netns exec $B $XFP status | grep -q 'ORPHANED.*xfp detach $DB'"

expect_err() { # NAME PATTERN CMD...: CMD fails and its stderr matches
	local name=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && echo "$out" | grep -qE "$pat"; then
		ok "$name (rc $rc: $out)"
	else
		fail "$name" "rc=$rc: $out"
	fi
}
expect_err "xfp stats names the missing pins" "$DB.*not attached.*$XFP_BPFFS/xfp/$DB" nsx "$B" "$XFP" stats "$DB"
expect_err "xfp policy load refuses, nothing attached" "not attached|xfp attach" nsx "$B" "$XFP" policy load "$TMPD/p.pol" dev "$DB"
expect_err "xfp filter add refuses" "$DB.*not attached" nsx "$B" "$XFP" filter add x layer inbound-transport action block protocol tcp dev "$DB"
expect_err "xfp attach refuses to stack and says how to remove the orphan" "orphaned xfp XDP program \(id $xdp_id\).*xfp detach $DB" nsx "$B" "$XFP" attach "$DB"

# Recovery, as the message says.
check "xfp detach removes the orphaned programs" sh -c "ip netns exec $B $XFP detach $DB | grep -q 'orphaned xfp TC egress'"
ip -n "$B" link show "$DB" | grep -q "prog/xdp" && fail "orphaned XDP program removed" "still attached" || ok "orphaned XDP program removed"
if udp_out_left; then ok "orphaned TC egress program removed (UDP to 9999 leaves)"; else fail "orphaned TC egress program removed" "UDP still blocked"; fi
expect_err "xfp detach again names the missing pin" "$DB.*not attached.*xdp_ingress" nsx "$B" "$XFP" detach "$DB"
check "xfp attach again" nsx "$B" "$XFP" attach "$DB"
check "policy load again" nsx "$B" "$XFP" policy load "$TMPD/p.pol"
check_eq "xfp status lists $DB again" "$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["dev"]')" "$DB"
if ping_in; then fail "after recovery: ICMP in blocked" "ping passed"; else ok "after recovery: ICMP in blocked"; fi
if udp_out_blocked; then ok "after recovery: UDP out to 9999 blocked"; else fail "after recovery: UDP out blocked" "sent"; fi
check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
ip -n "$B" link show "$DB" | grep -q "prog/xdp" && fail "detach leaves no XDP program" "still attached" || ok "detach leaves no XDP program"
check "ping passes with xfp gone" ping_in
done_testing
