#!/usr/bin/env bash
# test_smoke.sh - xfp attaches to a veth in a namespace, counts real
# traffic per protocol and verdict, refuses a second or foreign attach,
# and detaches leaving the device clean; `--flow-cache` sizes the flow
# cache and refuses what is not a power of two in range.
#
#   ns A  [xta] 198.18.0.1/24 2001:db8::1/64
#           |
#   ns B  [xtb] 198.18.0.2/24 2001:db8::2/64   <- xfp attached (XDP ingress)
. "$(dirname "$0")/lib.sh"
need ip ping "$XFP" "$PY"

two_hosts
bpffs_private

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
check "xdp program visible on $DB" sh -c "ip -n $B link show $DB | grep -q 'prog/xdp'"
check_eq "flow cache has the default 65536 slots" "$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["flow_cache_slots"]')" 65536

out=$(nsx "$B" "$XFP" attach "$DB" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "already attached"; then ok "second attach refused"; else fail "second attach refused" "rc=$rc out=$out"; fi

check "ping ipv4 through xfp" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
check "ping ipv6 through xfp" nsx "$A" ping -6 -c 3 -i 0.2 -W 2 2001:db8::2
for i in 1 2 3 4 5; do nsx "$A" bash -c 'echo hello >/dev/udp/198.18.0.2/9999'; done
for i in 1 2; do nsx "$A" bash -c 'echo hello >/dev/udp/2001:db8::2/9999'; done

nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/stats.json" 2>&1
check "xfp stats -j is valid json" json_get "$TMPD/stats.json" 'j["dev"]'
# B receives exactly 3 echo requests over IPv4 and 7 UDP datagrams.
check_eq "icmp counted exactly" "$(json_get "$TMPD/stats.json" 'j["protocols"]["icmp"]["packets"]')" 3
check_eq "udp counted exactly" "$(json_get "$TMPD/stats.json" 'j["protocols"]["udp"]["packets"]')" 7
v4=$(json_get "$TMPD/stats.json" 'j["protocols"]["ipv4"]["packets"]')
[ "$v4" -ge 8 ] && ok "ipv4 counted ($v4)" || fail "ipv4 counted" "got $v4, expected >= 8"
i6=$(json_get "$TMPD/stats.json" 'j["protocols"]["icmpv6"]["packets"]')
[ "$i6" -ge 3 ] && ok "icmpv6 counted ($i6)" || fail "icmpv6 counted" "got $i6, expected >= 3"
drops=$(json_get "$TMPD/stats.json" 'j["verdicts"]["drop"]["packets"]')
check_eq "nothing dropped" "$drops" 0
pass=$(json_get "$TMPD/stats.json" 'j["verdicts"]["pass"]["packets"]')
tot=$(json_get "$TMPD/stats.json" 'sum(v["packets"] for k,v in j["protocols"].items() if k in ("ipv4","ipv6","arp","other"))')
check_eq "every packet has exactly one verdict" "$pass" "$tot"

# Rates come from deltas: with no traffic the interval rate is 0.
rate=$(nsx "$B" "$XFP" stats -j -i 1 -c 1 "$DB" | json_get - 'j["protocols"]["udp"]["pps"]')
check_eq "interval udp rate without traffic is 0" "$rate" "0.0"

check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
if ip -n "$B" link show "$DB" | grep -q 'prog/xdp'; then fail "detach removes the program" "still attached"; else ok "detach removes the program"; fi
if [ -e "$XFP_BPFFS/xfp/$DB" ]; then fail "detach removes the pins" "$XFP_BPFFS/xfp/$DB left"; else ok "detach removes the pins"; fi

# A program xfp cannot reach is not overwritten: attach, forget our pins
# (the programs stay, orphaned), then attach again: refused, naming the
# orphan and `xfp detach DEV` (test_fault_pins.sh covers the removal).
nsx "$B" "$XFP" attach "$DB" >/dev/null
rm -rf "${XFP_BPFFS:?}/xfp/$DB"
out=$(nsx "$B" "$XFP" attach "$DB" 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "orphaned xfp XDP program.*xfp detach $DB"; then ok "foreign xdp program refused"; else fail "foreign xdp program refused" "rc=$rc out=$out"; fi
nsx "$B" "$XFP" detach "$DB" >/dev/null # removes both orphans

# --flow-cache: the map gets the size, status says it, traffic flows;
# a value that is not a power of two from 1024 to 4194304 is refused.
check "attach --flow-cache 1024" nsx "$B" "$XFP" attach "$DB" --flow-cache 1024
check_eq "status -j: 1024 flow cache slots" "$(nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["flow_cache_slots"]')" 1024
check "status text names the flow cache size" sh -c "ip netns exec $B $XFP status | grep -q 'flow cache   1024 slots per CPU'"
fid=$(nsx "$B" bpftool -j map show pinned "$XFP_BPFFS/xfp/$DB/xfp_flows" | json_get - 'j["max_entries"]')
check_eq "pinned xfp_flows map has 1024 entries" "$fid" 1024
check "ping through the small flow cache" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
check "detach" nsx "$B" "$XFP" detach "$DB"
for bad in 1000 512 8388608 0 abc 65536x; do
	out=$(nsx "$B" "$XFP" attach "$DB" --flow-cache "$bad" 2>&1); rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q "flow-cache '$bad' is wrong: expected a power of two from 1024 to 4194304"; then
		ok "--flow-cache $bad refused, named"
	else
		fail "--flow-cache $bad refused, named" "rc=$rc out=$out"
	fi
done
if ip -n "$B" link show "$DB" | grep -q 'prog/xdp'; then fail "a refused attach leaves nothing" "program attached"; else ok "a refused attach leaves nothing"; fi

out=$(nsx "$B" "$XFP" attach nosuchdev0 2>&1); rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q "device 'nosuchdev0' not found"; then ok "unknown device named in error"; else fail "unknown device named in error" "rc=$rc out=$out"; fi
done_testing
