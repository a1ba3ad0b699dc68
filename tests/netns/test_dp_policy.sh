#!/usr/bin/env bash
# test_dp_policy.sh - the datapath enforces a policy on real traffic:
# attach XDP+TC, load a policy that permits one port and blocks another,
# check ping, TCP and UDP really pass or are dropped, replace the policy
# live, change it with `xfp filter add/del`, compare `xfp explain` with the
# reference, and detach leaving the device clean.
#
#   ns A  [xta] 198.18.0.1/24 2001:db8::1/64
#           |
#   ns B  [xtb] 198.18.0.2/24 2001:db8::2/64   <- xfp (XDP in, TC out)
. "$(dirname "$0")/lib.sh"
need ip ping bpftool "$XFP" "$PY"

two_hosts
bpffs_private

# Servers in B: TCP 8080/8081 answer "hi"; UDP 9001/9002 count datagrams.
cat >"$TMPD/srv.py" <<'EOF'
import socket, selectors, sys, os
d = sys.argv[1]
sel = selectors.DefaultSelector()
for port in (8080, 8081):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.listen(16); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("tcp", port))
for port in (9001, 9002):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", port)); s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, ("udp", port))
counts = {9001: 0, 9002: 0}
open(os.path.join(d, "ready"), "w").close()
while True:
    for key, _ in sel.select():
        kind, port = key.data
        if kind == "tcp":
            c, _ = key.fileobj.accept()
            c.sendall(b"hi\n"); c.close()
        else:
            while True:
                try:
                    key.fileobj.recv(2048)
                except BlockingIOError:
                    break
                counts[port] += 1
            with open(os.path.join(d, "udp%d" % port), "w") as f:
                f.write(str(counts[port]))
EOF
nsx "$B" "$PY" "$TMPD/srv.py" "$TMPD" &
bg_pid $!
for _ in $(seq 50); do [ -e "$TMPD/ready" ] && break; sleep 0.1; done

tcp_ok() { # ADDR PORT: a TCP connection from A gets "hi"
	nsx "$A" timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2 && read -r l <&3 && [ \"\$l\" = hi ]" 2>/dev/null
}
udp_count() { cat "$TMPD/udp$1" 2>/dev/null || echo 0; }
udp_send() { # ADDR PORT N
	nsx "$A" "$PY" -c '
import socket, sys, time
a, p, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"x" * 20, (a, p)); time.sleep(0.002)
' "$1" "$2" "$3"
	sleep 0.3
}

check "xfp attach $DB (xdp + tc)" nsx "$B" "$XFP" attach "$DB"
tc_att=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["tc_attached"]')
tc_id=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["tc_prog_id"]')
if [ "$tc_att" = "True" ]; then ok "tcx egress program attached"; else fail "tcx egress program attached" "tc_attached '$tc_att'"; fi

cat >"$TMPD/p1.pol" <<'EOF'
# permit 8080/9001, block 8081/9002; ICMP permitted; the rest: default permit
filter add allow-icmp layer inbound-transport action permit protocol icmp,icmpv6
filter add web layer inbound-transport action permit protocol tcp local-port 8080
filter add web-block layer inbound-transport action block protocol tcp local-port 8081
filter add udp-ok layer inbound-transport action permit protocol udp local-port 9001
filter add udp-block layer inbound-transport action block protocol udp local-port 9002
EOF
cat >"$TMPD/p2.pol" <<'EOF'
# the opposite, and ping blocked at ale-auth-recv-accept
filter add no-ping layer ale-auth-recv-accept action block protocol icmp icmp-type 8
filter add web layer inbound-transport action permit protocol tcp local-port 8081
filter add web-block layer inbound-transport action block protocol tcp local-port 8080
filter add udp-ok layer inbound-transport action permit protocol udp local-port 9002
filter add udp-block layer inbound-transport action block protocol udp local-port 9001
EOF
cat >"$TMPD/bad.pol" <<'EOF'
filter add broken layer inbound-transport action permit local-port 99999
EOF

check "policy load p1" nsx "$B" "$XFP" policy load "$TMPD/p1.pol"
check "ping ipv4 permitted" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2
check "ping ipv6 permitted" nsx "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8::2
check "tcp 8080 permitted (ipv4)" tcp_ok 198.18.0.2 8080
check "tcp 8080 permitted (ipv6)" tcp_ok 2001:db8::2 8080
if tcp_ok 198.18.0.2 8081; then fail "tcp 8081 blocked" "connection succeeded"; else ok "tcp 8081 blocked"; fi
u1=$(udp_count 9001); u2=$(udp_count 9002)
udp_send 198.18.0.2 9001 20; udp_send 198.18.0.2 9002 20
check_eq "udp 9001 permitted: 20 datagrams arrive" "$(( $(udp_count 9001) - u1 ))" 20
check_eq "udp 9002 blocked: none arrive" "$(( $(udp_count 9002) - u2 ))" 0

nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/s1.json"
fb=$(json_get "$TMPD/s1.json" 'j["drop_reasons"]["filter-block"]["packets"]')
[ "$fb" -ge 20 ] && ok "drops counted as filter-block ($fb)" || fail "drops counted as filter-block" "got $fb"

# A bad policy changes nothing and says why.
out=$(nsx "$B" "$XFP" policy load "$TMPD/bad.pol" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "bad.pol:1:" && echo "$out" | grep -q "unchanged"; then ok "bad policy refused with FILE:LINE and running policy kept"; else fail "bad policy refused" "rc=$rc out=$out"; fi
check "after the refused load tcp 8080 still permitted" tcp_ok 198.18.0.2 8080

gen1=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')
check "live replace with p2" nsx "$B" "$XFP" policy load "$TMPD/p2.pol"
gen2=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')
check_eq "generation advanced by one" "$gen2" "$((gen1 + 1))"
if nsx "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "ping now blocked (ale)" "ping answered"; else ok "ping now blocked (ale)"; fi
check "tcp 8081 now permitted" tcp_ok 198.18.0.2 8081
if tcp_ok 198.18.0.2 8080; then fail "tcp 8080 now blocked" "connection succeeded"; else ok "tcp 8080 now blocked"; fi
u1=$(udp_count 9001); u2=$(udp_count 9002)
udp_send 198.18.0.2 9001 20; udp_send 198.18.0.2 9002 20
check_eq "udp 9001 now blocked" "$(( $(udp_count 9001) - u1 ))" 0
check_eq "udp 9002 now permitted" "$(( $(udp_count 9002) - u2 ))" 20

# Live edits through the same parser and commit.
check "filter add permits ping again" nsx "$B" "$XFP" filter add ping-ok layer ale-auth-recv-accept action permit protocol icmp icmp-type 8 weight-range 15
check "ping permitted after filter add" nsx "$A" ping -c 1 -W 2 198.18.0.2
check "filter del removes it" nsx "$B" "$XFP" filter del ping-ok
if nsx "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "ping blocked after filter del" "ping answered"; else ok "ping blocked after filter del"; fi
out=$(nsx "$B" "$XFP" filter add oops layer nowhere action permit 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "command line:1:" ; then ok "bad filter add refused with position"; else fail "bad filter add refused" "rc=$rc out=$out"; fi

# Egress: outbound-transport blocks what B sends to A's port 7000.
check "filter add egress block" nsx "$B" "$XFP" filter add out-block layer outbound-transport action block protocol udp remote-port 7000
before=$(nsx "$B" "$XFP" stats -j "$DB" | json_get - 'j["tc_egress"]["drop_reasons"]["filter-block"]["packets"]')
nsx "$B" "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b"x", ("198.18.0.1", 7000)) for i in range(5)]' 2>/dev/null
after=$(nsx "$B" "$XFP" stats -j "$DB" | json_get - 'j["tc_egress"]["drop_reasons"]["filter-block"]["packets"]')
check_eq "tc egress dropped 5 datagrams as filter-block" "$((after - before))" 5

# explain runs the compiled tables beside the reference.
out=$(nsx "$B" "$XFP" explain "$DB" local-addr 198.18.0.2 remote-addr 198.18.0.1 protocol tcp local-port 8080 remote-port 40000 -j)
check_eq "explain: datapath verdict for tcp 8080" "$(echo "$out" | json_get - 'j["datapath"]["verdict"]+"/"+j["datapath"]["transport_filter"]')" "drop/web-block"
check_eq "explain: agrees with the reference" "$(echo "$out" | json_get - 'j["agree"]')" "True"
out=$(nsx "$B" "$XFP" explain "$DB" direction out local-addr 198.18.0.2 remote-addr 198.18.0.1 protocol udp local-port 5 remote-port 7000 -j)
check_eq "explain out: egress block" "$(echo "$out" | json_get - 'j["datapath"]["transport_filter"]+"/"+str(j["agree"])')" "out-block/True"

check "xfp status lists the device" sh -c "nsx() { ip netns exec \"\$@\"; }; ip netns exec $B $XFP status | grep -q '^$DB'"
check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
if ip -n "$B" link show "$DB" | grep -q 'prog/xdp'; then fail "detach removes xdp" "still attached"; else ok "detach removes xdp"; fi
# Neither attached nor pinned: the kernel frees the program.
sleep 0.2
if bpftool prog show id "$tc_id" >/dev/null 2>&1; then fail "detach removes the tcx egress program" "prog $tc_id still there"; else ok "detach removes the tcx egress program"; fi
if [ -e "$XFP_BPFFS/xfp/$DB" ]; then fail "detach removes the pins" "left: $(ls "$XFP_BPFFS/xfp/$DB")"; else ok "detach removes the pins"; fi
check "traffic flows without xfp" tcp_ok 198.18.0.2 8080
done_testing
