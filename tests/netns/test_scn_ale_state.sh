#!/usr/bin/env bash
# test_scn_ale_state.sh - ALE is per connection (spec 0, F26): the first
# packet of a connection is authorized at ale-auth-recv-accept (inbound)
# or ale-auth-connect (outbound), later packets of the flow follow it in
# both directions, and a policy commit under open TCP connections decides
# them again.  A runs xfp; B keeps TCP sessions open to A's echo server
# and sends one line per step; the server logs every line it gets.
#
#   p1: A accepts TCP 5001 and 5555 from B; A may not initiate TCP
#       (ale-auth-connect block) - its answers are part of B's flows.
#   p2: adds an ALE block for connections to 5555: new 5555 connections
#       are refused, and the open 5555 session stops too (the commit makes
#       its ALE decision stale; its next packet is authorized again at
#       ale-auth-recv-accept, WFP's reauthorization); the open 5001
#       session, still permitted, goes on.
#   p3: blocks 5001 at inbound-transport: the open 5001 session stops at
#       once (the transport layer judges every packet).
# UDP answers and the idle timeout of connectionless flows:
# test_ale_flows.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip tcpdump tshark "$XFP" "$PY"

scn_hosts
cat >"$TMPD/p1.pol" <<'EOF2'
filter add accept-b layer ale-auth-recv-accept remote-addr 198.18.0.2 protocol tcp local-port { 5001, 5555 } action permit
filter add accept-none layer ale-auth-recv-accept protocol tcp action block
filter add no-connect layer ale-auth-connect protocol tcp action block
EOF2
cat >"$TMPD/p2.pol" <<'EOF2'
filter add no-5555 layer ale-auth-recv-accept protocol tcp local-port 5555 weight-range 15 action block
filter add accept-b layer ale-auth-recv-accept remote-addr 198.18.0.2 protocol tcp local-port { 5001, 5555 } action permit
filter add accept-none layer ale-auth-recv-accept protocol tcp action block
filter add no-connect layer ale-auth-connect protocol tcp action block
EOF2
cat >"$TMPD/p3.pol" <<'EOF2'
filter add cut-5001 layer inbound-transport protocol tcp local-port 5001 action block
filter add accept-b layer ale-auth-recv-accept remote-addr 198.18.0.2 protocol tcp local-port { 5001, 5555 } action permit
filter add accept-none layer ale-auth-recv-accept protocol tcp action block
filter add no-connect layer ale-auth-connect protocol tcp action block
EOF2
scn_attach "$TMPD/p1.pol"

cat >"$TMPD/echo.py" <<'EOF2'
import socket, sys, threading
log = open(sys.argv[1], "a", buffering=1)
def serve(c, port):
    f = c.makefile("rb")
    for line in f:
        log.write("%d %s\n" % (port, line.decode().strip()))
        try: c.sendall(line)
        except OSError: break
def listen(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(8)
    while True:
        c, _ = s.accept()
        log.write("%d accept\n" % port)
        threading.Thread(target=serve, args=(c, port), daemon=True).start()
for p in (5001, 5555):
    threading.Thread(target=listen, args=(p,), daemon=True).start()
open(sys.argv[2], "w").close()
threading.Event().wait()
EOF2
# session.py PORT OUT: one connection; at each file step.N sends "stepN" and
# writes "N ok" when the echo comes back within 1.5 s, "N lost" otherwise.
cat >"$TMPD/session.py" <<'EOF2'
import os, socket, sys, time
port, out, d = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1), sys.argv[3]
s = socket.create_connection(("198.18.0.1", port), timeout=3)
out.write("connected\n")
for n in range(1, 4):
    while not os.path.exists("%s/step.%d" % (d, n)): time.sleep(0.05)
    s.settimeout(1.5)
    try:
        s.sendall(b"step%d\n" % n); r = s.recv(64)
        out.write("%d %s\n" % (n, "ok" if r == b"step%d\n" % n else "lost"))
    except OSError:
        out.write("%d lost\n" % n)
EOF2
: >"$TMPD/echo.log"
nsx "$A" "$PY" "$TMPD/echo.py" "$TMPD/echo.log" "$TMPD/echo.ready" >/dev/null 2>&1 &
bg_pid $!
for _ in $(seq 50); do [ -e "$TMPD/echo.ready" ] && break; sleep 0.1; done
srv_start "$B" 6000 5002 || fail "server on B" "not ready"
step() { touch "$TMPD/step.$1"; sleep 1.8; }

cap_start ale
for p in 5001 5555; do
	nsx "$B" "$PY" "$TMPD/session.py" $p "$TMPD/s$p.out" "$TMPD" >/dev/null 2>&1 &
	bg_pid $!
done
sleep 1
check_eq "allowed: B's sessions to 5001 and 5555 open under p1" "$(cat "$TMPD/s5001.out" "$TMPD/s5555.out" | grep -c connected)" 2
step 1
check_eq "allowed: both sessions exchange data (A's answers follow B's flow, not ale-auth-connect)" "$(grep -h '^1 ' "$TMPD/s5001.out" "$TMPD/s5555.out" | tr '\n' ' ')" "1 ok 1 ok "
tcp_blocked "blocked: A's own new connection to B (ale-auth-connect)" "$A" 198.18.0.2 6000

check "commit p2 under the open sessions" nsx "$A" "$XFP" policy load "$TMPD/p2.pol" dev "$DA"
step 2
check_eq "allowed: the 5001 session, still permitted by p2, goes on" "$(grep '^2 ' "$TMPD/s5001.out")" "2 ok"
check_eq "blocked: the open 5555 session stops under p2 (authorized again at ALE)" "$(grep '^2 ' "$TMPD/s5555.out")" "2 lost"
check_eq "app: under p2 the echo server got only step1 on 5555" \
	"$(grep '^5555 step' "$TMPD/echo.log" | awk '{print $2}' | tr '\n' ' ')" "step1 "
tcp_blocked "blocked: a new connection to 5555 under p2" "$B" 198.18.0.1 5555
tcp_blocked "blocked: a new connection to 6000 (accept-none)" "$B" 198.18.0.1 6000

check "commit p3 under the open sessions" nsx "$A" "$XFP" policy load "$TMPD/p3.pol" dev "$DA"
step 3
check_eq "blocked: the open 5001 session stops at once under p3" "$(grep '^3 ' "$TMPD/s5001.out")" "3 lost"
check_eq "app: under p3 the echo server got step1, step2 on 5001, not step3" \
	"$(grep '^5001 step' "$TMPD/echo.log" | awk '{print $2}' | tr '\n' ' ')" "step1 step2 "
cap_stop
check_eq "app: 5555 accepted once (the session opened under p1)" "$(grep -c '^5555 accept' "$TMPD/echo.log")" 1
check_eq "app: B's server got nothing from A" "$(grep -c . "$TMPD/srv.$B.log")" 0
n=$(wire 'ip.src==198.18.0.2 && tcp.dstport==5001 && tcp.payload contains "step3"')
[ "$n" -ge 1 ] && ok "wire: step3 did reach A ($n frames, retransmissions included)" || fail "wire: step3 reached A" "none"
check_eq "wire: A never sent step3 back on 5001" "$(wire 'ip.src==198.18.0.1 && tcp.srcport==5001 && tcp.payload contains "step3"')" 0
check_eq "wire: A's SYN to B never left" "$(wire 'ip.src==198.18.0.1 && tcp.flags.syn==1 && tcp.flags.ack==0')" 0
check_eq "wire: A sent no SYN-ACK for the refused 5555 and 6000" "$(wire 'ip.src==198.18.0.1 && tcp.flags.syn==1 && tcp.flags.ack==1')" 2
n=$(dp_counter xdp ale-block); [ "$n" -ge 2 ] && ok "counters: refused connections counted as ale-block ($n)" || fail "counters: ale-block" "got $n"
n=$(dp_counter xdp filter-block); [ "$n" -ge 1 ] && ok "counters: the cut session counted as filter-block ($n)" || fail "counters: filter-block" "got $n"

SCN_POL=$TMPD/p1.pol
nsx "$A" "$XFP" policy load "$SCN_POL" dev "$DA" >/dev/null
L="local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp"
agree "decide p1: B's SYN to 5001 accepted" in -:permit:accept-b:permit $L local-port 5001 remote-port 40000 tcp-flags syn
agree "decide p1: A's answer is not a new connection" out -:permit $L local-port 5001 remote-port 40000 tcp-flags syn-ack
agree "decide p1: A's own SYN refused at connect" out -:permit:no-connect:block $L local-port 40000 remote-port 6000 tcp-flags syn
agree "decide p1: B's SYN to 6000 refused" in -:permit:accept-none:block $L local-port 6000 remote-port 40000 tcp-flags syn
SCN_POL=$TMPD/p2.pol
nsx "$A" "$XFP" policy load "$SCN_POL" dev "$DA" >/dev/null
agree "decide p2: B's SYN to 5555 refused" in -:permit:no-5555:block $L local-port 5555 remote-port 40000 tcp-flags syn
agree "decide p2: B's SYN to 5001 accepted" in -:permit:accept-b:permit $L local-port 5001 remote-port 40000 tcp-flags syn
SCN_POL=$TMPD/p3.pol
nsx "$A" "$XFP" policy load "$SCN_POL" dev "$DA" >/dev/null
agree "decide p3: B's data on 5001 dropped" in cut-5001:block $L local-port 5001 remote-port 40000 tcp-flags ack
done_testing
