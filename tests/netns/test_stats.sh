#!/usr/bin/env bash
# test_stats.sh - `xfp stats`: interval rates are deltas of the per-CPU
# counters (the intervals add up to exactly what was sent, an idle
# interval reads 0), the Summary line has xdp-bench's shape, and -e names
# the drop reason of dropped packets.
#
#   ns A  [xta] 198.18.0.1/24   xfp-gen sends known counts
#           |
#   ns B  [xtb] 198.18.0.2/24   <- xfp: UDP to port 9 blocked, rest permitted
. "$(dirname "$0")/lib.sh"
GEN=$XFP_BUILD/bench/xfp-gen
need ip "$XFP" "$GEN" "$PY"

two_hosts_quiet # no IPv6, no ARP: B's XDP sees only what we send
bpffs_private

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
cat >"$TMPD/p.pol" <<'EOF'
filter add blk layer inbound-transport action block protocol udp local-port 9
EOF
check "policy load" nsx "$B" "$XFP" policy load "$TMPD/p.pol"

# send N DPORT [PROTO [RATE]]: exactly N frames from A to B (xfp-gen
# reports what it sent)
send() {
	local sent
	sent=$(nsx "$A" "$GEN" --dev "$DA" --dst-mac "$mac_b" --count "$1" --rate "${4:-20000}" \
		--dport "$2" --proto "${3:-udp}" --spi 0x4242 -j 2>"$TMPD/gen.err" | json_get - 'j["sent"]')
	[ "$sent" = "$1" ] || { fail "xfp-gen sent $1 frames" "sent '$sent': $(cat "$TMPD/gen.err")"; done_testing; }
}
# settle: wait until B's ingress counter stops moving (frames in flight)
settle() {
	local a b=-1
	for _ in $(seq 30); do
		a=$(nsx "$B" "$XFP" stats -j "$DB" | json_get - 'j["summary"]["rx"]')
		[ "$a" = "$b" ] && return
		b=$a
		sleep 0.1
	done
}

# ---- JSON intervals add up to the totals, and to what was sent
nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/q0.json"
nsx "$B" "$XFP" stats -j -i 1 -c 6 "$DB" >"$TMPD/iv.json" 2>"$TMPD/iv.err" &
ivpid=$!
bg_pid $ivpid
sleep 1.3
send 1000 9            # blocked: filter-block
sleep 1
send 600 10            # permitted
send 40 9 esp          # ESP with an SPI nobody has: no-sa
wait $ivpid
st=$?
settle
nsx "$B" "$XFP" stats -j "$DB" >"$TMPD/q1.json"
check_eq "stats -i 1 -c 6 exits 0 after 6 intervals" "$st:$(wc -l <"$TMPD/iv.json")" "0:6"
if ! json_get "$TMPD/q1.json" 'j["dev"]' >/dev/null; then fail "totals json" "invalid"; done_testing; fi

ivsum() { # python expression over one interval object i -> summed over all
	"$PY" - "$TMPD/iv.json" "$1" <<'PY'
import json, sys
print(sum(eval(sys.argv[2], {}, {"i": json.loads(l)}) for l in open(sys.argv[1]) if l.strip()))
PY
}
tdelta() { # EXPR over totals j: q1 - q0
	echo $(( $(json_get "$TMPD/q1.json" "$1") - $(json_get "$TMPD/q0.json" "$1") ))
}
check_eq "intervals: drop packets add up to 1040 sent to blocked port / bad SPI" \
	"$(ivsum 'i["verdicts"]["drop"]["packets"]')" 1040
check_eq "intervals: pass packets add up to the 600 permitted" \
	"$(ivsum 'i["verdicts"]["pass"]["packets"]')" 600
check_eq "intervals: filter-block adds up to 1000" \
	"$(ivsum 'i["drop_reasons"]["filter-block"]["packets"]')" 1000
check_eq "intervals: no-sa adds up to 40" \
	"$(ivsum 'i["drop_reasons"]["no-sa"]["packets"]')" 40
check_eq "intervals add up to the difference of the totals (xdp)" \
	"$(ivsum 'sum(v["packets"] for v in i["verdicts"].values())')" \
	"$(tdelta 'sum(v["packets"] for v in j["verdicts"].values())')"
check_eq "intervals add up to the difference of the totals (tc egress)" \
	"$(ivsum 'sum(v["packets"] for v in i["tc_egress"]["verdicts"].values())')" \
	"$(tdelta 'sum(v["packets"] for v in j["tc_egress"]["verdicts"].values())')"
# pps is packets over the interval; the summary rx rate is the sum of
# the verdict rates; the rate x interval gives the packets back.
bad=$("$PY" - "$TMPD/iv.json" <<'PY'
import json, sys
bad = []
for n, l in enumerate(open(sys.argv[1])):
    i = json.loads(l)
    dt = i["interval"]
    if not 0.5 < dt < 3: bad.append("interval %d lasted %.3f s" % (n, dt))
    rx = sum(v["packets"] for v in i["verdicts"].values())
    if abs(i["summary"]["rx"] * dt - rx) > 0.01 * rx + 1: bad.append("interval %d: rx %.3f/s x %.3f s != %d" % (n, i["summary"]["rx"], dt, rx))
    for k, v in i["drop_reasons"].items():
        if abs(v["pps"] * dt - v["packets"]) > 0.01 * v["packets"] + 1: bad.append("interval %d %s: pps x dt != packets" % (n, k))
print("; ".join(bad))
PY
)
check_eq "every interval: rate x interval = packets of the interval" "$bad" ""
busy=$(ivsum '1 if i["summary"]["rx"] > 0 else 0')
if [ "$busy" -ge 2 ]; then ok "traffic seen in $busy intervals (not lumped into one)"; else fail "traffic spread over intervals" "busy intervals: $busy"; fi
check_eq "last interval is idle: all rates 0" \
	"$(tail -n 1 "$TMPD/iv.json" | json_get - 'sum(i for i in j["summary"].values()) + sum(v["pps"] for v in j["protocols"].values())')" "0.0"
idle=$(ivsum '1 if i["summary"]["rx"] == 0 and i["summary"]["egress"] == 0 else 0')
if [ "$idle" -ge 2 ]; then ok "idle intervals read 0 ($idle of 6)"; else fail "idle intervals read 0" "only $idle of 6"; fi

# ---- text: one xdp-bench Summary line per interval
nsx "$B" "$XFP" stats -i 0.5 -c 2 "$DB" >"$TMPD/txt" 2>&1
n=$(grep -cE '^Summary +[0-9,]+ rx/s +[0-9,]+ drop/s +[0-9,]+ pass/s +[0-9,]+ redirect/s +[0-9,]+ egress/s +[0-9,]+ egress-drop/s$' "$TMPD/txt")
check_eq "text -i 0.5 -c 2: two Summary lines in xdp-bench shape" "$n" 2
check_eq "idle Summary reads 0 rx/s" "$(grep -c '^Summary  *0 rx/s  *0 drop/s' "$TMPD/txt")" 2

# ---- -e names the drop reason, per program, per CPU
nsx "$B" "$XFP" stats -e -i 2 -c 1 "$DB" >"$TMPD/ext" 2>&1 &
epid=$!
bg_pid $epid
sleep 0.3
send 3000 9 udp 2000 # 1.5 s of traffic inside the 2 s interval
wait $epid
sed 's/^/# /' "$TMPD/ext"
check "-e: Summary line counts the drops of the interval" grep -qE '^Summary +[1-9][0-9,]* rx/s +[1-9][0-9,]* drop/s' "$TMPD/ext"
check "-e: xdp ingress block" grep -qE '^  xdp ingress +[0-9,]+ pkt/s' "$TMPD/ext"
check "-e: tc egress block" grep -qE '^  tc egress +[0-9,]+ pkt/s' "$TMPD/ext"
check "-e: per-CPU row" grep -qE '^    cpu:[0-9]+ +[0-9,]+ pkt/s' "$TMPD/ext"
check "-e: verdict rows" grep -qE '^    verdict drop +[0-9,]+ pkt/s' "$TMPD/ext"
fb=$(awk '$1 == "drop" && $2 == "filter-block" { gsub(",", "", $3); print $3; exit }' "$TMPD/ext")
if [ -n "$fb" ] && [ "$fb" -gt 0 ]; then ok "-e names filter-block with its rate ($fb pkt/s)"; else fail "-e names filter-block with its rate" "row: '$fb'"; fi
check "-e: no-sa seen since attach is listed by name" grep -qE '^    drop no-sa +0 pkt/s' "$TMPD/ext"
if grep -qE '^    drop (parse-eth|internal|no-policy) ' "$TMPD/ext"; then fail "-e hides reasons never counted" "$(grep '^    drop' "$TMPD/ext")"; else ok "-e hides reasons never counted"; fi

# -e -j: per-CPU rows add up to the program's totals
nsx "$B" "$XFP" stats -e -j "$DB" >"$TMPD/ej.json"
check_eq "-e -j: per_cpu rx adds up to summary rx" \
	"$(json_get "$TMPD/ej.json" 'sum(c["rx"] for c in j["per_cpu"])')" \
	"$(json_get "$TMPD/ej.json" 'j["summary"]["rx"]')"
check_eq "totals: filter-block counts every blocked frame" \
	"$(json_get "$TMPD/ej.json" 'j["drop_reasons"]["filter-block"]["packets"]')" 4000
nsx "$B" "$XFP" stats -e "$DB" >"$TMPD/et" 2>&1
check "-e totals: filter-block row and cpu table" sh -c "grep -qE '^  filter-block +4000 ' '$TMPD/et' && grep -qE '^  cpu:[0-9]+ ' '$TMPD/et'"

# ---- usage
out=$(nsx "$B" "$XFP" stats -c 3 "$DB" 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q -- "-c counts intervals"; then ok "-c without -i refused"; else fail "-c without -i refused" "rc=$rc out=$out"; fi
out=$("$XFP" stats --help); rc=$?
if [ $rc -eq 0 ] && echo "$out" | grep -q -- "-e, --extended" && echo "$out" | grep -q -- "-c, --count"; then ok "--help lists -e and -c"; else fail "--help lists -e and -c" "rc=$rc"; fi

check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
done_testing
