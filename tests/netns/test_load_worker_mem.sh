#!/usr/bin/env bash
# test_load_worker_mem.sh - the worker's memory does not grow with traffic,
# and its key pages are locked and kept out of core dumps.
#
# Workers on A and B with an ESP SA pair.  A warm-up flood (5,000 pings)
# brings every pool and ring to its working size; then the worker's
# resident set (VmRSS) and heap are read, 30,000 more pings are flooded
# through both workers (60,000 ESP packets each way through the crypto
# path), and read again: the growth must stay under 256 KiB (a per-packet
# leak of even 8 bytes would be 480 KiB).  The SAs are then deleted and
# re-added 200 times (the control path): no growth beyond 512 KiB either.
# Finally /proc/PID/smaps of the worker must show mappings that are both
# locked ("lo") and MADV_DONTDUMP ("dd"): where the SA keys are.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping "$XFP" "$PY"

esp_hosts
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
sa_pair aes256gcm16 0x7000 0x7001 4 || { fail "SAs installed" "sa add failed"; done_testing; }
wpid=WPID_$DA
wpid=${!wpid}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$wpid/status"; } # KiB

flood() { nsx "$A" ping -f -c "$1" -W 1 198.18.0.2 >"$TMPD/flood.out" 2>&1; }
flood 5000 || fail "warm-up flood" "$(tail -2 "$TMPD/flood.out")"
r0=$(rss)
flood 30000
recv=$(grep -oE '[0-9]+ received' "$TMPD/flood.out" | cut -d' ' -f1)
r1=$(rss)
echo "# worker VmRSS: ${r0} KiB before, ${r1} KiB after 30,000 pings ($recv answered)"
[ "${recv:-0}" -ge 27000 ] && ok "30,000 pings through ESP, $recv answered" || fail "flood through ESP" "$(tail -2 "$TMPD/flood.out")"
[ $((r1 - r0)) -lt 256 ] && ok "worker memory flat under traffic (${r0} -> ${r1} KiB)" || fail "worker memory flat under traffic" "${r0} -> ${r1} KiB"

r0=$(rss)
bad=0
for i in $(seq 1 200); do
	nsx "$A" "$XFP" sa del "$DA" spi 0x7001 dir in >/dev/null 2>&1 || bad=$((bad + 1))
	nsx "$A" "$XFP" sa add "$DA" dir in spi 0x7001 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k0x7001" >/dev/null 2>&1 || bad=$((bad + 1))
done
sleep 1.2 # a lifetime tick reclaims what was deleted
r1=$(rss)
check_eq "200 SA delete/add cycles succeeded" "$bad" 0
[ $((r1 - r0)) -lt 512 ] && ok "worker memory flat over 200 SA replacements (${r0} -> ${r1} KiB)" || fail "worker memory flat over SA replacements" "${r0} -> ${r1} KiB"
check "traffic still flows" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2

n=$(awk '/^VmFlags:/ && / lo/ && / dd/' "/proc/$wpid/smaps" | wc -l)
[ "$n" -ge 2 ] && ok "worker has $n locked, non-dumpable mappings (SA key pages)" || fail "worker key pages locked and not dumpable" "$n"
done_testing
