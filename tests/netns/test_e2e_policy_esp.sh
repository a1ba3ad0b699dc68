#!/usr/bin/env bash
# test_e2e_policy_esp.sh - the whole system: `xfp attach` (the policy
# datapath on XDP and TC), `xfp worker` started on top of it, `xfp policy
# load` of a policy whose manual SAs the worker receives.  The datapath's
# own programs decide what is secured: TC egress hands "secure" packets to
# the worker, XDP hands ESP with a known SPI to it.
#
#   host A [DA] --- [CA] C: bridge + capture [CB] --- [DB] host B
#   198.18.0.1 (xfp attached + worker)          198.18.0.2 (same)
#
# Checked: ping, a TCP transfer (sha256 at the far end) and UDP between the
# hosts as ESP only, every ESP frame decrypting in tshark with the keys;
# the datapath's counters show the hand-offs; a port the policy blocks is
# still blocked; IPv6 traffic the policy leaves alone stays clear; the
# worker killed: nothing leaves in clear, drops counted as no-worker;
# restarted and the policy loaded again: traffic resumes; no SA: acquire
# event and no-sa; detach and --remove leave the devices clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

esp_hosts
esp_pyhelper

# stat NS DEV PYEXPR: a value of `xfp stats DEV -j` (j = the JSON).
stat() { nsx "$1" "$XFP" stats "$2" -j | json_get - "$3"; }
xdp_v() { stat "$1" "$2" "j['verdicts']['$3']['packets']"; }
tc_v() { stat "$1" "$2" "j['tc_egress']['verdicts']['$3']['packets']"; }
tc_r() { stat "$1" "$2" "j['tc_egress']['drop_reasons']['$3']['packets']"; }
# The worker-side veth program: where "secure" packets wait for the worker.
xsk_r() { stat "$1" "$2" "j['xsk']['drop_reasons']['$3']['packets']"; }

check "attach xfp on A" nsx "$A" "$XFP" attach "$DA"
check "attach xfp on B" nsx "$B" "$XFP" attach "$DB"
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
check "the worker joined xfp's datapath (no stand-in programs)" \
	grep -q "with xfp's datapath" "$TMPD/worker-$DA.log"

# Keys of manual-sa.pol's host-b SA (aes128gcm16), both sides.
sh "$XFP_SRCDIR/policy/examples/make-keys.sh" "$TMPD" >/dev/null || fail "make-keys.sh" "failed"
# pol SELF PEER SPIIN SPIOUT KEYS: everything with PEER is secured; UDP to
# PEER's port 7777 is blocked outright.
pol() {
	cat <<EOF
filter add blk layer outbound-transport local-addr-type unicast \\
	remote-addr $2 protocol udp remote-port 7777 action block
filter add p-in layer inbound-transport local-addr-type unicast \\
	local-addr $1 remote-addr $2 action inbound-transport
filter add p-out layer outbound-transport local-addr-type unicast \\
	local-addr $1 remote-addr $2 action outbound-transport
sa add peer filter p-out inbound-filter p-in spi-in $3 spi-out $4 \\
	alg aes128gcm16 key-file $5 lifetime 3600s
EOF
}
pol 198.18.0.1 198.18.0.2 0x00001001 0x00002001 host-b.keys >"$TMPD/a.pol"
pol 198.18.0.2 198.18.0.1 0x00002001 0x00001001 host-b.peer.keys >"$TMPD/b.pol"

# Before any SA: the policy alone, no SA -> acquire + no-sa, never clear.
out=$(nsx "$A" "$XFP" policy load "$TMPD/a.pol" dev "$DA" 2>&1)
if echo "$out" | grep -q "1 manual SA installed"; then ok "policy load on A installs its SA in the worker"; else fail "policy load on A installs its SA" "$out"; fi
check "policy load on B" nsx "$B" "$XFP" policy load "$TMPD/b.pol" dev "$DB"
check_eq "the worker on A holds the policy's SA pair" \
	"$(nsx "$A" "$XFP" sa show "$DA" -j | json_get - 'sorted((s["dir"], s["spi"]) for s in j["sas"])')" \
	"[('in', '0x00001001'), ('out', '0x00002001')]"

capture_start e2e || fail "tcpdump starts" "see $TMPD/tcpdump.log"
tc0=$(tc_v "$A" "$DA" redirect)
xdp0=$(xdp_v "$B" "$DB" redirect)
check "ping A->B" nsx "$A" ping -c 5 -i 0.2 -W 2 198.18.0.2
head -c $((4 * 1024 * 1024)) /dev/urandom >"$TMPD/data"
tcp_check "4 MiB over TCP A->B arrive intact" "$A" "$B" 198.18.0.2 "$TMPD/data"
udp_check "UDP A->B: 50 datagrams echoed" "$A" "$B" 198.18.0.2 50
# A blocked port: the policy's block filter wins over "secure".
rm -f "$TMPD/ready"
blk0=$(tc_r "$A" "$DA" filter-block)
nsx "$A" "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5): s.sendto(b"x", ("198.18.0.2", 7777))'
check_eq "UDP to the blocked port 7777: 5 drops as filter-block" "$(($(tc_r "$A" "$DA" filter-block) - blk0))" 5
check "ping6 (no filter for IPv6): passes" nsx "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8::2
# Clear TCP through TC egress: GSO packets bigger than the linear part.
tcp_check "4 MiB over TCP/IPv6 in clear arrive intact" "$A" "$B" 2001:db8::2 "$TMPD/data"
capture_stop

check_eq "capture: 0 clear-text frames between the IPv4 hosts" \
	"$(tshark -r "$CAP" -n -Y 'ip.addr==198.18.0.1 && ip.addr==198.18.0.2 && !esp' 2>/dev/null | wc -l)" 0
# esp_decrypt_check reads keys from $TMPD/k<SPI>: A's inbound SA 0x1001
# uses the key file's inbound key, its outbound SA 0x2001 the outbound one.
ik=$(awk '/^inbound/{print $2}' "$TMPD/host-b.keys")
okey=$(awk '/^outbound/{print $2}' "$TMPD/host-b.keys")
printf '%s' "$ik" >"$TMPD/k$((0x1001))"
printf '%s' "$okey" >"$TMPD/k$((0x2001))"
read -r total dec <<<"$(esp_decrypt_check "$CAP" aes128gcm16 4 $((0x1001)) $((0x2001)))"
if [ "${total:-0}" -gt 100 ] && [ "$total" = "$dec" ]; then
	ok "capture: all $total ESP frames decrypt in tshark with the policy's keys"
else
	fail "capture: every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
fi
check_eq "capture: IPv6 ping crossed in clear (4 echo frames)" \
	"$(tshark -r "$CAP" -n -Y 'icmpv6.type==128 || icmpv6.type==129' 2>/dev/null | wc -l)" 4
v6tcp=$(tshark -r "$CAP" -n -Y 'ipv6 && tcp.len > 0' -T fields -e tcp.len 2>/dev/null | awk '{n += $1} END {print n + 0}')
if [ "$v6tcp" -ge $((1024 * 1024)) ]; then ok "capture: the IPv6 TCP transfer crossed in clear ($v6tcp bytes)"; else fail "capture: the IPv6 TCP transfer crossed in clear" "$v6tcp bytes"; fi
tc1=$(tc_v "$A" "$DA" redirect)
xdp1=$(xdp_v "$B" "$DB" redirect)
if [ $((tc1 - tc0)) -ge 100 ]; then ok "A's TC egress handed $((tc1 - tc0)) packets to the worker"; else fail "A's TC egress hands secure packets to the worker" "$tc0 -> $tc1"; fi
if [ $((xdp1 - xdp0)) -ge 100 ]; then ok "B's XDP handed $((xdp1 - xdp0)) ESP packets to the worker"; else fail "B's XDP hands ESP to the worker" "$xdp0 -> $xdp1"; fi
# TC counts a GSO packet once, the SA each of its segments.
outp=$(sa_counter "$A" "$DA" 0x2001 out OutPackets)
if [ "$outp" -ge "$tc1" ] && [ "$outp" -gt 3000 ]; then ok "A's SA carried the traffic ($outp packets)"; else fail "A's SA carried the traffic" "OutPackets $outp, TC hand-offs $tc1"; fi

# Fail closed: the worker on A dies.
capture_start killed || fail "tcpdump starts" "again"
nw0=$(xsk_r "$A" "$DA" no-worker)
eval "wpa=\$WPID_$DA"
kill -9 "$wpa"
sleep 0.3
if nsx "$A" ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "worker killed: ping fails" "it went through"; else ok "worker killed: ping A->B fails"; fi
nsx "$A" "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20): s.sendto(b"secret", ("198.18.0.2", 5002))'
capture_stop
check_eq "worker killed: 0 frames from A to B on the wire" \
	"$(tshark -r "$CAP" -n -Y 'ip.src==198.18.0.1 && ip.dst==198.18.0.2' 2>/dev/null | wc -l)" 0
nw1=$(xsk_r "$A" "$DA" no-worker)
if [ $((nw1 - nw0)) -ge 23 ]; then ok "worker killed: $((nw1 - nw0)) drops counted as no-worker"; else fail "worker killed: drops counted as no-worker" "$nw0 -> $nw1"; fi

# Restart: no SA until the policy is loaded again -> acquire + no-sa.
worker_start "$A" "$DA" || fail "worker on A restarts" "see log"
check "restarted worker took over the pinned state" grep -q "taking over" "$TMPD/worker-$DA.log"
ns0=$(tc_r "$A" "$DA" no-sa)
nsx "$A" "$XFP" monitor "$DA" -j -c 1 -t 5 >"$TMPD/acq.json" 2>&1 &
mp=$!
sleep 0.5
nsx "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1
wait "$mp"
check_eq "no SA after the restart: the ping is an acquire event for B" \
	"$(json_get "$TMPD/acq.json" '(j["event"], j["proto"], j["dst"])' 2>/dev/null)" "('acquire', 'icmp', '198.18.0.2')"
if [ "$(tc_r "$A" "$DA" no-sa)" -gt "$ns0" ]; then ok "no SA: dropped as no-sa"; else fail "no SA: dropped as no-sa" "$ns0"; fi
check "policy load again installs the SA" nsx "$A" "$XFP" policy load "$TMPD/a.pol" dev "$DA"
check "traffic resumes without re-attaching" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2

# Clean up in order: workers stop, --remove, detach.
for d in "$DA:$A" "$DB:$B"; do
	dev=${d%%:*} ns=${d#*:}
	eval "pid=\$WPID_$dev"
	kill -TERM "$pid"; wait "$pid" 2>/dev/null
	check "worker --remove on $dev" nsx "$ns" "$XFP" worker "$dev" --remove
	check "detach $dev" nsx "$ns" "$XFP" detach "$dev"
	check_eq "$dev: no XDP program left" "$(ip -n "$ns" -d link show "$dev" | grep -c 'prog/xdp')" 0
	check_eq "$dev: xfp's veth pair is gone" "$(ip -n "$ns" -br link | grep -c '^xfp[ws]')" 0
	check_eq "$dev: no pins left" "$(find "$XFP_BPFFS/xfp/$dev" 2>/dev/null | wc -l)" 0
done
done_testing
