#!/usr/bin/env bash
# test_load_commits.sh - 100 live commits alternating two policies while
# traffic flows at full rate: every packet is classified by one of the two
# policies, and no packet that both permit is lost.
#
#   A --xfp-gen UDP, as fast as it goes (XDP live frames)--> B:9001
#   A --xfp-gen TCP SYN, 100k pps----------------------------> B:9002
#
# On B (xfp attached, 100 commits alternating):
#   P1: permits UDP 9001; blocks TCP 9002 at inbound-transport (filter-block)
#   P2: permits UDP 9001; blocks TCP 9002 at ale-auth-recv-accept (ale-block)
# B's XDP counts every IP packet it sees per protocol, whatever the
# verdict, so UDP is exactly the 9001 traffic that reached xfp and TCP the
# 9002 traffic.  Both policies permit 9001: every UDP packet must PASS,
# none dropped.  9002 must be dropped by one policy or the other (a torn
# table - P2's transport layer with P1's ALE layer - would pass it).  So:
# passes == UDP seen, drops == TCP seen == filter-block + ale-block, both
# reasons seen.  IPv6 is off and neighbours static, so nothing else
# crosses the link.  (Frames the generator sends but the veth ring drops
# before XDP never reach xfp; they are reported, not counted as xfp's.)
. "$(dirname "$0")/lib.sh"
GEN=$XFP_BUILD/bench/xfp-gen
need ip "$XFP" "$PY" "$GEN"

two_hosts_quiet
bpffs_private

cat >"$TMPD/p1.pol" <<'EOF'
filter add p1-permit layer inbound-transport action permit protocol udp local-port 9001
filter add p1-block layer inbound-transport action block protocol tcp local-port 9002
EOF
cat >"$TMPD/p2.pol" <<'EOF'
filter add p2-permit layer inbound-transport action permit protocol udp local-port 9001 remote-addr 198.18.0.0/24
filter add p2-block layer ale-auth-recv-accept action block protocol tcp local-port 9002
EOF

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
check "policy load P1" nsx "$B" "$XFP" policy load "$TMPD/p1.pol"
nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/s0.json"
gen0=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')

nsx "$A" "$GEN" --dev "$DA" --dst-mac "$mac_b" --dport 9001 --flows 64 \
	--duration 40 -j >"$TMPD/gen1.json" 2>"$TMPD/gen1.err" &
gen1_pid=$!
bg_pid $gen1_pid
nsx "$A" "$GEN" --dev "$DA" --dst-mac "$mac_b" --proto tcp --dport 9002 \
	--flows 64 --rate 100000 --duration 40 -j >"$TMPD/gen2.json" 2>"$TMPD/gen2.err" &
gen2_pid=$!
bg_pid $gen2_pid
sleep 0.5

fails=0
t0=$(date +%s)
for i in $(seq 1 100); do
	if [ $((i % 2)) -eq 1 ]; then f=p2; else f=p1; fi
	nsx "$B" "$XFP" policy load "$TMPD/$f.pol" >/dev/null 2>"$TMPD/err" || { fails=$((fails + 1)); sed 's/^/# /' "$TMPD/err"; }
	# the generators must still be running: commits under traffic
	kill -0 "$gen1_pid" 2>/dev/null && kill -0 "$gen2_pid" 2>/dev/null || break
done
ncommits=$i
secs=$(($(date +%s) - t0))
wait "$gen1_pid"
rc1=$?
wait "$gen2_pid"
rc2=$?
sleep 0.3
check_eq "both generators ran $(cat "$TMPD/gen1.err" "$TMPD/gen2.err")" "$rc1/$rc2" 0/0
check_eq "100 commits done while the generators ran (${secs} s)" "$ncommits" 100
check_eq "every commit succeeded" "$fails" 0
gen1=$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]')
check_eq "generation advanced by 100" "$gen1" "$((gen0 + 100))"

nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/s1.json"
d() { echo $(($(json_get "$TMPD/s1.json" "$1") - $(json_get "$TMPD/s0.json" "$1"))); }
sent1=$(json_get "$TMPD/gen1.json" 'j["sent"]')
pps=$(json_get "$TMPD/gen1.json" 'round(j["pps"])')
sent2=$(json_get "$TMPD/gen2.json" 'j["sent"]')
udp=$(d 'j["protocols"]["udp"]["packets"]')
tcp=$(d 'j["protocols"]["tcp"]["packets"]')
pass=$(d 'j["verdicts"]["pass"]["packets"]')
drop=$(d 'j["verdicts"]["drop"]["packets"]')
fb=$(d 'j["drop_reasons"]["filter-block"]["packets"]')
ab=$(d 'j["drop_reasons"]["ale-block"]["packets"]')
echo "# sent: UDP 9001 $sent1 frames at $pps pps, TCP 9002 $sent2 frames"
echo "# at B's XDP: UDP $udp, TCP $tcp; pass $pass, drop $drop (filter-block $fb, ale-block $ab)"
[ "$udp" -ge 1000000 ] && ok "$udp UDP frames reached B's XDP during the commits (generator: $sent1 at $pps pps)" || fail "enough traffic reached xfp" "$udp of $sent1"
check_eq "every frame both policies permit passed: none lost" "$pass" "$udp"
check_eq "every TCP frame to 9002 dropped by P1 or P2 (none passed)" "$drop" "$tcp"
check_eq "every drop is filter-block or ale-block" "$((fb + ab))" "$drop"
[ "$fb" -gt 0 ] && [ "$ab" -gt 0 ] && ok "both policies classified traffic (filter-block $fb, ale-block $ab)" || fail "both policies seen" "fb $fb ab $ab"
check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
done_testing
