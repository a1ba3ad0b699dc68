#!/usr/bin/env bash
# test_scn_nd_sa.sh - negotiation discovery (spec 1.2, 1.3) with real SAs:
# per-connection IPsec state in the datapath.  Host A runs
# policy/examples/nd-transport.pol, host B nd-boundary.pol; both get a
# manual SA for each other later, bound to transport filters of their own.
#
#  1. no SA: A opens a TCP connection to B; it runs in clear and A raises
#     an acquire event for it;
#  2. SAs installed on both: the same open connection goes on as ESP, with
#     no clear packet left on the wire (upgrade);
#  3. A's outbound SA deleted: A's packets of that connection are dropped
#     as flow-downgrade, never sent in clear; a clear packet of it sent at
#     A from the wire is dropped as flow-downgrade too; a new connection
#     (never secured) goes out in clear again (ND);
#  4. the allowance: with nd-allow-clear-timeout 3s and no SA, B's clear
#     UDP answers to A are accepted for the first seconds of the flow and
#     refused (clear-text) after.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
. "$(dirname "$0")/scn_lib.sh"
trap _esp_cleanup EXIT # workers get SIGTERM (esp_lib.sh)
need ip tcpdump tshark "$XFP" "$PY"

EX=$(cd "$(dirname "$0")/../../policy/examples" && pwd)
esp_hosts
xfp_both
srv_start "$B" 5001 5002 || fail "server on B starts" ""

AB=$((0x7201)) BA=$((0x7202))
pair_keys "$AB" "$BA" 20
# pol BASE SELF PEER SPIIN SPIOUT KEYS [nosa]
pol() {
	cat "$1"
	cat <<EOF
filter add p-in layer inbound-transport local-addr-type unicast local-addr $2 remote-addr $3 action inbound-transport context persist-connection-security
filter add p-out layer outbound-transport local-addr-type unicast local-addr $2 remote-addr $3 action outbound-transport context negotiate-discover
EOF
	[ "${7:-}" = nosa ] || echo "sa add peer filter p-out inbound-filter p-in spi-in $4 spi-out $5 alg aes128gcm16 key-file $6"
}
pol "$EX/nd-transport.pol" 198.18.0.1 198.18.0.2 "$BA" "$AB" a.keys nosa >"$TMPD/a0.pol"
pol "$EX/nd-boundary.pol" 198.18.0.2 198.18.0.1 "$AB" "$BA" b.keys nosa >"$TMPD/b0.pol"
pol "$EX/nd-transport.pol" 198.18.0.1 198.18.0.2 "$BA" "$AB" a.keys >"$TMPD/a1.pol"
pol "$EX/nd-boundary.pol" 198.18.0.2 198.18.0.1 "$AB" "$BA" b.keys >"$TMPD/b1.pol"
check "policy load on A (no SA)" nsx "$A" "$XFP" policy load "$TMPD/a0.pol" dev "$DA"
check "policy load on B (no SA)" nsx "$B" "$XFP" policy load "$TMPD/b0.pol" dev "$DB"

# A long-lived TCP connection A->B 5001: a line every 0.1 s; the server
# answers each connection with "hi\n" once, so the client counts what it
# sent successfully and the kernel's unacknowledged bytes tell the rest.
cat >"$TMPD/stream.py" <<'EOF'
import socket, sys, time, os
addr, port, status, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((addr, port), timeout=5)
s.recv(3)
lport = s.getsockname()[1]
sent = 0
while not os.path.exists(stop):
    try:
        s.send(b"x" * 100)
        sent += 1
    except OSError:
        pass
    # bytes still waiting for an ACK: grows while the path is cut
    unacked = int.from_bytes(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[24:28], "little")
    with open(status + ".tmp", "w") as f:
        f.write("%d %d %d\n" % (lport, sent, unacked))
    os.replace(status + ".tmp", status)
    time.sleep(0.1)
EOF
nsx "$A" "$XFP" monitor "$DA" -j -c 1 -t 8 >"$TMPD/acq.json" 2>&1 &
mon=$!
sleep 0.5
cap_start nd1 || fail "tcpdump starts" ""
nsx "$A" "$PY" "$TMPD/stream.py" 198.18.0.2 5001 "$TMPD/st" "$TMPD/stop" 2>"$TMPD/stream.err" &
bg_pid $!
for i in $(seq 50); do [ -s "$TMPD/st" ] && break; sleep 0.1; done
sleep 1.5
cap_stop
read -r LPORT _ _ <"$TMPD/st"
[ -n "${LPORT:-}" ] || { fail "the TCP connection A->B opens" "$(cat "$TMPD/stream.err")"; done_testing; }
F="tcp.port==5001 && tcp.port==$LPORT"
n=$(wire "$F && !esp")
[ "$n" -gt 5 ] && ok "1: no SA: the connection runs in clear ($n frames)" || fail "1: the connection runs in clear" "$n frames"
wait "$mon"
if json_get "$TMPD/acq.json" "j['dst']=='198.18.0.2' and j['dport']==5001" 2>/dev/null | grep -q True; then
	ok "1: A raised an acquire event for 198.18.0.2:5001"
else
	fail "1: acquire event for the clear connection" "$(head -c 300 "$TMPD/acq.json")"
fi

check "2: SAs installed on A" nsx "$A" "$XFP" policy load "$TMPD/a1.pol" dev "$DA"
check "2: SAs installed on B" nsx "$B" "$XFP" policy load "$TMPD/b1.pol" dev "$DB"
sleep 0.5
cap_start nd2 || fail "tcpdump starts" ""
read -r _ s0 _ <"$TMPD/st"
sleep 2
read -r _ s1 u1 <"$TMPD/st"
cap_stop
clear=$(wire "$F && !esp")
esp=$(wire "esp && ip.addr==198.18.0.2")
check_eq "2: upgraded: no clear frame of the open connection" "$clear" 0
[ "$esp" -gt 10 ] && ok "2: the connection goes on as ESP ($esp frames)" || fail "2: ESP on the wire" "$esp"
[ "$s1" -gt "$s0" ] && [ "$u1" -lt 2000 ] && ok "2: data keeps flowing and is acknowledged ($s0 -> $s1 sends, $u1 bytes unacked)" ||
	fail "2: data flows over the SA" "sent $s0 -> $s1, unacked $u1"
read -r total dec <<<"$(esp_decrypt_check "$CAP" aes128gcm16 4 "$AB" "$BA")"
if [ "${total:-0}" -gt 0 ] && [ "$total" = "$dec" ]; then
	ok "2: all $total ESP frames decrypt in tshark"
else
	fail "2: every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
fi

# The SAs go away (as when a negotiated SA expires and none replaces it):
# the policies without SAs, whose load removes the old policy's SAs.
d0=$(dp_counter tc flow-downgrade)
check "3: A's policy without the SA" nsx "$A" "$XFP" policy load "$TMPD/a0.pol" dev "$DA"
check "3: B's policy without the SA" nsx "$B" "$XFP" policy load "$TMPD/b0.pol" dev "$DB"
check_eq "3: loading a policy without SAs removed A's SAs from the worker" \
	"$(nsx "$A" "$XFP" sa show "$DA" -j | json_get - 'len(j["sas"])')" 0
check_eq "3: ... and B's" "$(nsx "$B" "$XFP" sa show "$DB" -j | json_get - 'len(j["sas"])')" 0
cap_start nd3 || fail "tcpdump starts" ""
sleep 2
cap_stop
d1=$(dp_counter tc flow-downgrade)
check_eq "3: never downgraded: no clear frame of the connection from A" "$(wire "$F && ip.src==198.18.0.1 && !esp")" 0
[ "$d1" -gt "$d0" ] && ok "3: A drops its packets of the secured connection as flow-downgrade ($d0 -> $d1)" ||
	fail "3: flow-downgrade counted at A's egress" "$d0 -> $d1"
# A clear packet of the connection arriving at A (sent on the wire from C).
macA=$(ip -n "$A" -br link show "$DA" | awk '{print $3}')
macB=$(ip -n "$B" -br link show "$DB" | awk '{print $3}')
x0=$(dp_counter xdp flow-downgrade)
nsx "$C" "$PY" - "$CA" "$macA" "$macB" "$LPORT" <<'EOF' >/dev/null 2>&1
import sys
from scapy.all import Ether, IP, TCP, Raw, sendp
iface, dst, src, lport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Ether(dst=dst, src=src) / IP(src="198.18.0.2", dst="198.18.0.1") / \
    TCP(sport=5001, dport=lport, flags="PA", seq=1, ack=1) / Raw(b"clear")
sendp(p, iface=iface, count=3, verbose=False)
EOF
x1=$(dp_counter xdp flow-downgrade)
check_eq "3: a clear packet of the secured connection is dropped at A as flow-downgrade" "$((x1 - x0))" 3
touch "$TMPD/stop"
# A new connection was never secured: ND sends it in clear (B accepts
# clear: boundary mode); there is no SA now.
cap_start nd3b || fail "tcpdump starts" ""
if tcp_try "$A" 198.18.0.2 5001; then ok "3: a new connection A->B (never secured) is allowed"; else fail "3: new connection A->B allowed" ""; fi
# tcpdump gets packets in blocks the kernel hands over at most 1 s late:
# a capture stopped right after a short exchange can miss it.
sleep 1.2
cap_stop
n=$(wire "tcp.port==5001 && tcp.flags.syn==1 && ip.src==198.18.0.1 && !esp")
[ "$n" -ge 1 ] && ok "3: ... and goes out in clear (ND without an SA)" || fail "3: the new connection goes out in clear" "$n SYNs"

# 4: the clear-text allowance (3 s) for answers of a flow A opened.
sed 's/nd-allow-clear-timeout 10s/nd-allow-clear-timeout 3s/' "$TMPD/a0.pol" >"$TMPD/a3.pol"
check "4: policy with a 3 s allowance, no SA, on A" nsx "$A" "$XFP" policy load "$TMPD/a3.pol" dev "$DA"
check "4: no SA on B" nsx "$B" "$XFP" policy load "$TMPD/b0.pol" dev "$DB"
c0=$(dp_counter xdp clear-text)
out=$(nsx "$A" "$PY" - <<'EOF'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 47001)); s.settimeout(0.3)
t0 = time.time(); early = late = 0
while time.time() - t0 < 6.5:
    t = time.time() - t0
    s.sendto(b"nd", ("198.18.0.2", 5002))
    try:
        s.recvfrom(100)
        if t < 2.0: early += 1
        if t > 4.0: late += 1
    except OSError:
        pass
    time.sleep(0.2)
print(early, late)
EOF
)
c1=$(dp_counter xdp clear-text)
read -r early late <<<"$out"
[ "${early:-0}" -gt 3 ] && ok "4: clear answers accepted inside the allowance ($early)" || fail "4: clear answers accepted at first" "$out"
check_eq "4: clear answers refused after the allowance" "${late:-x}" 0
[ "$c1" -gt "$c0" ] && ok "4: refused answers counted as clear-text ($c0 -> $c1)" || fail "4: clear-text counted" "$c0 -> $c1"
done_testing
