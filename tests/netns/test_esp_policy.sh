#!/usr/bin/env bash
# test_esp_policy.sh - manual SAs written in a policy file reach the
# worker: `xfp sa load` installs the SAs of policy/examples/manual-sa.pol
# on host A and of its mirror image on host B; ESP flows; the SA carries
# the policy's algorithm, SPIs, peer and lifetimes; loading again replaces
# instead of duplicating; an SA whose filter names no single peer is
# refused with the reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping sh "$XFP" "$PY"

esp_hosts
cp "$XFP_SRCDIR/policy/examples/manual-sa.pol" "$TMPD/"
sh "$XFP_SRCDIR/policy/examples/make-keys.sh" "$TMPD" >/dev/null || fail "make-keys.sh" "failed"
cat >"$TMPD/host-b.pol" <<'POL'
filter add a-in layer inbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action inbound-transport
filter add a-out layer outbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action outbound-transport
sa add host-a filter a-out inbound-filter a-in \
	spi-in 0x00002001 spi-out 0x00001001 alg aes128gcm16 \
	key-file host-b.peer.keys lifetime 3600s
POL
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }

check "sa load of manual-sa.pol on A" nsx "$A" "$XFP" sa load "$DA" "$TMPD/manual-sa.pol"
check "sa load of the mirror policy on B" nsx "$B" "$XFP" sa load "$DB" "$TMPD/host-b.pol"
check "ping A->B under the policy's SAs" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
nsx "$A" "$XFP" sa show "$DA" -j >"$TMPD/show.json"
check_eq "A has the policy's 4 SAs (2 peers, both directions)" "$(json_get "$TMPD/show.json" 'len(j["sas"])')" 4
check_eq "outbound SA host-b: alg, peer, lifetimes from the policy" \
	"$(json_get "$TMPD/show.json" '[(s["alg"], s["dst"], s["hard_seconds"], s["soft_seconds"], s["hard_bytes"]) for s in j["sas"] if s["spi"] == "0x00002001"][0]')" \
	"('aes128gcm16', '198.18.0.2', 3600, 3000, 102400000)"
check_eq "A's host-b SA carried the pings" "$(sa_counter "$A" "$DA" 0x2001 out OutPackets)/$(sa_counter "$A" "$DA" 0x1001 in InPackets)" 3/3
check "sa load again" nsx "$A" "$XFP" sa load "$DA" "$TMPD/manual-sa.pol"
check_eq "loading again replaces, no duplicates" "$(nsx "$A" "$XFP" sa show "$DA" -j | json_get - 'len(j["sas"])')" 4
check "ping after the reload" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2
cat >"$TMPD/bad.pol" <<'POL'
filter add any-out layer outbound-transport local-addr-type unicast \
	remote-addr 198.18.0.0/24 action outbound-transport
sa add wide filter any-out spi-in 0x3001 spi-out 0x3002 alg aes128gcm16 \
	key-file host-c.keys
POL
out=$(nsx "$A" "$XFP" sa load "$DA" "$TMPD/bad.pol" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "sa wide.*one remote-addr"; then ok "SA without a single peer refused, named"; else fail "SA without a single peer refused" "rc=$rc $out"; fi
done_testing
