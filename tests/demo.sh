#!/usr/bin/env bash
# demo.sh - `make demo`: two hosts talk ESP through xfp's AF_XDP worker.
#
#   host A [xd..a] 198.18.0.1 --- [ca] C: bridge + capture [cb] --- [xd..b] host B 198.18.0.2
#          xfp worker                                                      xfp worker
#
# The example policy's transport-mode manual SAs (AES-128-GCM) installed
# on both hosts with `xfp sa load`, then ping, a TCP
# transfer and a UDP stream; then what crossed the wire (ESP only), one
# packet decrypted by tshark with the keys, and xfp's counters.
# Everything it creates (namespaces, veth pairs, bpffs mount, workers) is
# removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 1
TAG=xd$$
. tests/netns/lib.sh
. tests/netns/esp_lib.sh
need ip ping tcpdump tshark "$XFP" "$PY"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

say "Hosts A ($TAG-a, 198.18.0.1) and B ($TAG-b, 198.18.0.2); the wire between them runs through a bridge in $TAG-c, where we capture"
esp_hosts
esp_pyhelper

say "Start the AF_XDP crypto worker on each host (foreground daemons; here in the background)"
printf '$ ip netns exec %s %s worker %s &\n' "$A" "$XFP" "$DA"
worker_start "$A" "$DA" || die "worker on A did not start"
printf '$ ip netns exec %s %s worker %s &\n' "$B" "$XFP" "$DB"
worker_start "$B" "$DB" || die "worker on B did not start"
sed 's/^/   /' "$TMPD/worker-$DA.log"

say "Manual transport-mode SAs from the example policy (policy/examples/manual-sa.pol)"
# Host A uses the example as it is (198.18.0.1, peers host-b = .2 and
# host-c = .3); host B gets the mirror image for its side of the host-b SA.
# Keys: fresh, from the example's make-keys.sh, mode 0600, in the demo's
# private folder - never on a command line.
cp policy/examples/manual-sa.pol "$TMPD/"
sh policy/examples/make-keys.sh "$TMPD" | sed 's/^/   /'
cat >"$TMPD/host-b.pol" <<'EOF'
# The peer side of manual-sa.pol's SA host-b: this host is 198.18.0.2.
filter add a-in layer inbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action inbound-transport
filter add a-out layer outbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action outbound-transport
sa add host-a filter a-out inbound-filter a-in \
	spi-in 0x00002001 spi-out 0x00001001 alg aes128gcm16 \
	key-file host-b.peer.keys lifetime 3600s
EOF
grep -E '^sa add|spi-in' "$TMPD/manual-sa.pol" | sed 's/^/   /'
run ip netns exec "$A" "$XFP" sa load "$DA" "$TMPD/manual-sa.pol" || die "sa load on A"
run ip netns exec "$B" "$XFP" sa load "$DB" "$TMPD/host-b.pol" || die "sa load on B"
echo "   (classification: the worker's stand-in programs secure all traffic with a peer that has an"
echo "    outbound SA; the datapath's policy programs are not wired to the worker yet)"

capture_start demo || die "tcpdump did not start"

say "Traffic: ping, a 10 MB TCP transfer, a UDP stream"
run ip netns exec "$A" ping -c 3 -i 0.2 198.18.0.2 | tail -2
head -c $((10 * 1024 * 1024)) /dev/urandom >"$TMPD/data"
want=$(sha256sum "$TMPD/data" | cut -d' ' -f1)
rm -f "$TMPD/ready"
nsx "$B" "$PY" "$TMPD/peer.py" tcp-recv 198.18.0.2 5001 "$TMPD/ready" >"$TMPD/tcp.out" 2>&1 &
rp=$!
for _ in $(seq 50); do [ -e "$TMPD/ready" ] && break; sleep 0.1; done
start=$(date +%s.%N)
nsx "$A" "$PY" "$TMPD/peer.py" tcp-send 198.18.0.2 5001 "$TMPD/data"
wait $rp
secs=$(echo "$(date +%s.%N) - $start" | bc)
got=$(cut -d' ' -f1 "$TMPD/tcp.out")
printf '   TCP: 10 MiB in %.2f s, sha256 sent   %s\n                         received %s %s\n' "$secs" "$want" "$got" \
	"$([ "$got" = "$want" ] && echo '(match)' || echo '(MISMATCH)')"
rm -f "$TMPD/ready"
nsx "$B" "$PY" "$TMPD/peer.py" udp-recv 198.18.0.2 5002 "$TMPD/ready" >"$TMPD/udp.out" 2>&1 &
rp=$!
for _ in $(seq 50); do [ -e "$TMPD/ready" ] && break; sleep 0.1; done
n=$(nsx "$A" "$PY" "$TMPD/peer.py" udp-send 198.18.0.2 5002 200)
wait $rp
printf '   UDP: 200 datagrams sent, %s echoed back\n' "$n"
capture_stop

say "What crossed the wire (capture in $TAG-c): protocol hierarchy"
tshark -r "$CAP" -q -z io,phs 2>/dev/null | sed -n '/^eth/,/^====/p' | sed 's/^/   /'
printf '   clear-text packets between the hosts: %s\n' "$(clear_count "$CAP")"

say "One ESP packet, decrypted by tshark with the configured key"
kout=$(awk '$1 == "outbound" { print $2 }' "$TMPD/host-b.keys")
uat="\"IPv4\",\"*\",\"*\",\"0x00002001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$kout\",\"NULL\",\"\""
dec=(-n -o esp.enable_encryption_decode:TRUE -o "uat:esp_sa:$uat")
fn=$(tshark -r "$CAP" "${dec[@]}" -Y 'esp.spi == 0x2001 && icmp' -T fields -e frame.number 2>/dev/null | head -1)
[ -n "$fn" ] || die "tshark decrypted no packet"
tshark -r "$CAP" "${dec[@]}" -Y "frame.number == $fn" -O esp,icmp 2>/dev/null |
	grep -vE '^\s*$|^[0-9a-f]{4}  |Timestamp|\(LE\)|Good:|Bad:' | head -22 | sed 's/^/   /'

say "xfp's counters on host A"
run ip netns exec "$A" "$XFP" stats "$DA"
run ip netns exec "$A" "$XFP" sa show "$DA" | grep -E '^sa |^worker|spi |dir |alg |seq |replay_top|Packets|Bytes|rx_nic|rx_secure|crypted|tx_|xsk_mode' | grep -vE ' 0$'

say "Done; workers, namespaces and the bpffs mount are removed on exit"
[ "$got" = "$want" ] && [ "$n" = 200 ] && [ "$(clear_count "$CAP")" = 0 ]
