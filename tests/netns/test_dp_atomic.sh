#!/usr/bin/env bash
# test_dp_atomic.sh - commits are atomic under load.
#
# A generator in A keeps sending UDP to B:9001 from 64 source ports while
# 60 commits alternate two policies on B:
#   P1 blocks the traffic at inbound-transport (drop reason filter-block),
#   P2 permits it there and blocks it at ale-auth-recv-accept (ale-block).
# Under either policy every packet is dropped, with P1's or P2's reason.
# A packet that saw P2's transport layer and P1's ALE layer (a torn
# table) would PASS.  So: no packet may pass, both reasons must occur, and
# the drops must account for what arrived.  IPv6 is off and neighbours are
# static so that nothing else crosses the link.
. "$(dirname "$0")/lib.sh"
need ip "$XFP" "$PY"

two_hosts_quiet
bpffs_private

cat >"$TMPD/p1.pol" <<'EOF'
filter add t-block layer inbound-transport action block protocol udp local-port 9001
EOF
cat >"$TMPD/p2.pol" <<'EOF'
filter add a-block layer ale-auth-recv-accept action block protocol udp local-port 9001
EOF

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
check "policy load p1" nsx "$B" "$XFP" policy load "$TMPD/p1.pol"
stat_of() { # FILE EXPR
	json_get "$1" "$2"
}
nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/s0.json"
gen0=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')

# The generator stops when $TMPD/stop exists and prints how many it sent.
nsx "$A" "$PY" -c '
import os, socket, sys
stop = sys.argv[1]
socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(64)]
n = 0
while not os.path.exists(stop):
    for s in socks:
        for _ in range(8):
            s.sendto(b"x" * 18, ("198.18.0.2", 9001))
            n += 1
print(n)
' "$TMPD/stop" >"$TMPD/sent" &
gen_pid=$!
bg_pid $gen_pid
sleep 0.3

fails=0
for i in $(seq 1 60); do
	if [ $((i % 2)) -eq 1 ]; then f=p2; else f=p1; fi
	nsx "$B" "$XFP" policy load "$TMPD/$f.pol" >/dev/null 2>"$TMPD/err" || { fails=$((fails + 1)); cat "$TMPD/err"; }
done
sleep 0.3
touch "$TMPD/stop"
wait "$gen_pid"
sleep 0.3
check_eq "60 commits under load succeeded" "$fails" 0
gen1=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')
check_eq "generation advanced by 60" "$gen1" "$((gen0 + 60))"

nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/s1.json"
sent=$(cat "$TMPD/sent")
d() { echo $(( $(stat_of "$TMPD/s1.json" "$1") - $(stat_of "$TMPD/s0.json" "$1") )); }
pass=$(d 'j["verdicts"]["pass"]["packets"]')
drop=$(d 'j["verdicts"]["drop"]["packets"]')
fb=$(d 'j["drop_reasons"]["filter-block"]["packets"]')
ab=$(d 'j["drop_reasons"]["ale-block"]["packets"]')
echo "# sent $sent; at B's XDP: pass $pass, drop $drop (filter-block $fb, ale-block $ab)"
[ "$sent" -ge 10000 ] && ok "generator sent $sent packets during the commits" || fail "generator sent enough" "only $sent"
check_eq "no packet passed (no torn policy)" "$pass" 0
[ "$fb" -gt 0 ] && ok "P1 verdicts seen (filter-block $fb)" || fail "P1 verdicts seen" "filter-block $fb"
[ "$ab" -gt 0 ] && ok "P2 verdicts seen (ale-block $ab)" || fail "P2 verdicts seen" "ale-block $ab"
check_eq "every drop is P1's or P2's" "$((fb + ab))" "$drop"
[ "$drop" -le "$sent" ] && [ "$drop" -ge $((sent * 9 / 10)) ] && ok "drops account for the traffic ($drop of $sent)" || fail "drops account for the traffic" "$drop of $sent"
check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
done_testing
