#!/usr/bin/env bash
# test_ale_flows.sh - ALE connections of connectionless traffic are one
# flow in both directions, and they end after the idle timeout.
#
# Host A runs xfp with `--idle-timeout 2` and a policy that refuses every
# new inbound UDP and ICMP connection at ale-auth-recv-accept, and permits
# outbound ones (ale-auth-connect has no filter).  So:
#   - the answers to A's own UDP datagrams and pings are part of the
#     connections A opened, not new inbound connections: they arrive;
#   - B's own UDP to A is a new inbound connection: refused;
#   - an answer that comes after the flow was idle for longer than the
#     timeout is a new inbound connection again: refused;
#   - a TCP SYN from B is refused, A's own TCP connection to B works.
#
#   host A [DA] --- [CA] C [CB] --- [DB] host B
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip tcpdump tshark "$XFP" "$PY"

scn_hosts
cat >"$TMPD/q.pol" <<'EOF'
filter add no-udp-in layer ale-auth-recv-accept protocol udp action block
filter add no-icmp-in layer ale-auth-recv-accept protocol { icmp, icmpv6 } action block
filter add no-tcp-in layer ale-auth-recv-accept protocol tcp action block
EOF
check "attach xfp on A with --idle-timeout 2" nsx "$A" "$XFP" attach "$DA" --idle-timeout 2
check "load the policy" nsx "$A" "$XFP" policy load "$TMPD/q.pol" dev "$DA"
out=$(nsx "$A" "$XFP" attach "$DA" --idle-timeout 0 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q "idle-timeout '0' is wrong"; then ok "--idle-timeout 0 refused, named"; else fail "--idle-timeout 0 refused" "rc=$rc $out"; fi
srv_start "$B" 6000 5002 || fail "server on B" "not ready"
srv_start "$A" 6001 5003 || fail "server on A" "not ready"

# late.py PORT DELAY...: a UDP echo on B that answers the Nth datagram
# after DELAY[N] seconds (same socket, so the same 5-tuple back).
cat >"$TMPD/late.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.settimeout(20)
open(sys.argv[2], "w").close()
for d in sys.argv[3:]:
    m, a = s.recvfrom(100)
    time.sleep(float(d))
    s.sendto(m, a)
EOF
# ask.py ADDR PORT SPORT WAIT: send one datagram from SPORT, print 1 if
# the answer arrived within WAIT seconds, else 0.
cat >"$TMPD/ask.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[3]))); s.settimeout(float(sys.argv[4]))
s.sendto(b"late", (sys.argv[1], int(sys.argv[2])))
try:
    s.recvfrom(100); print(1)
except OSError:
    print(0)
EOF

cap_start flows
b0=$(dp_counter xdp ale-block)
check_eq "allowed: A's UDP to B, all 5 answers come back (part of A's flow)" "$(udp_try "$A" 198.18.0.2 5002 5)" 5
check_eq "allowed: again from a fixed source port, 5 answers" "$(udp_try "$A" 198.18.0.2 5002 5 40100)" 5
check "allowed: A pings B (the echo replies are A's ICMP flow)" nsx "$A" ping -c 3 -i 0.2 -W 1 198.18.0.2
check "allowed: A's TCP connection to B (SYN-ACK is not a new connection)" tcp_try "$A" 198.18.0.2 6000
check_eq "blocked: B's own UDP to A gets no answer" "$(udp_try "$B" 198.18.0.1 5003 3)" 0
if nsx "$B" ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null 2>&1; then fail "blocked: B's ping to A" "answered"; else ok "blocked: B's ping to A"; fi
tcp_blocked "blocked: B's TCP connection to A" "$B" 198.18.0.1 6001

# Idle timeout: the same 5-tuple, answered at once / after 3.5 s (> 2 s).
rm -f "$TMPD/late.ready"
nsx "$B" "$PY" "$TMPD/late.py" 5009 "$TMPD/late.ready" 0.2 3.5 0.2 >/dev/null 2>&1 &
bg_pid $!
for _ in $(seq 50); do [ -e "$TMPD/late.ready" ] && break; sleep 0.1; done
check_eq "allowed: an answer 0.2 s after A's datagram" "$(nsx "$A" "$PY" "$TMPD/ask.py" 198.18.0.2 5009 40200 2)" 1
check_eq "blocked: the same flow's answer after 3.5 s idle (a new inbound connection)" "$(nsx "$A" "$PY" "$TMPD/ask.py" 198.18.0.2 5009 40200 5)" 0
check_eq "allowed: A speaks again, the flow is open again, the answer arrives" "$(nsx "$A" "$PY" "$TMPD/ask.py" 198.18.0.2 5009 40200 2)" 1
cap_stop

check_eq "app: A's server got nothing from B" "$(grep -c 'udp 5003\|tcp 6001' "$TMPD/srv.$A.log")" 0
check_eq "app: B's server got A's 10 datagrams" "$(srv_got "$B" udp 5002 198.18.0.1)" 10
n=$(( $(dp_counter xdp ale-block) - b0 ))
if [ "$n" -ge 6 ]; then ok "counters: refused inbound connections counted as ale-block ($n)"; else fail "counters: ale-block" "got $n"; fi
check_eq "wire: the late answer did reach A's link (refused by xfp, not lost)" \
	"$(wire 'ip.src==198.18.0.2 && udp.srcport==5009')" 3
check_eq "wire: A answered none of B's datagrams to 5003" "$(wire 'ip.src==198.18.0.1 && udp.srcport==5003')" 0
done_testing
