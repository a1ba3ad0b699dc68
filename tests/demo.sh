#!/usr/bin/env bash
# demo.sh - `make demo`: two hosts talk ESP through xfp's AF_XDP worker.
#
#   host A [xd..a] 198.18.0.1 --- [ca] C: bridge + capture [cb] --- [xd..b] host B 198.18.0.2
#          xfp worker                                                      xfp worker
#
# `xfp attach` on both hosts, a worker on each, then a transport-mode
# policy with manual SAs (AES-128-GCM) loaded with `xfp policy load`: the
# datapath decides what is secured and hands it to the worker.  Then ping, a TCP
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

say "Attach xfp (XDP ingress + TC egress policy programs) on each host"
run ip netns exec "$A" "$XFP" attach "$DA" || die "attach on A"
run ip netns exec "$B" "$XFP" attach "$DB" || die "attach on B"

say "Start the AF_XDP crypto worker on each host (foreground daemons; here in the background)"
printf '$ ip netns exec %s %s worker %s &\n' "$A" "$XFP" "$DA"
worker_start "$A" "$DA" || die "worker on A did not start"
printf '$ ip netns exec %s %s worker %s &\n' "$B" "$XFP" "$DB"
worker_start "$B" "$DB" || die "worker on B did not start"
sed 's/^/   /' "$TMPD/worker-$DA.log"

say "Load the transport-mode policy with its manual SAs (from policy/examples/manual-sa.pol)"
# The filters and the SA of the example's host-b, written for each side
# (the example's ICMP exemption is left out, so ping is protected too).
# Keys: fresh, from the example's make-keys.sh, mode 0600, in the demo's
# private folder - never on a command line.
sh policy/examples/make-keys.sh "$TMPD" | sed 's/^/   /'
pol() { # SELF PEER SPI-IN SPI-OUT KEYFILE
	cat <<EOF
# Everything between $1 and $2 travels in ESP (transport mode).
filter add peer-in layer inbound-transport local-addr-type unicast \\
	local-addr $1 remote-addr $2 action inbound-transport
filter add peer-out layer outbound-transport local-addr-type unicast \\
	local-addr $1 remote-addr $2 action outbound-transport
sa add peer filter peer-out inbound-filter peer-in \\
	spi-in $3 spi-out $4 alg aes128gcm16 \\
	key-file $5 lifetime 3600s
EOF
}
pol 198.18.0.1 198.18.0.2 0x00001001 0x00002001 host-b.keys >"$TMPD/host-a.pol"
pol 198.18.0.2 198.18.0.1 0x00002001 0x00001001 host-b.peer.keys >"$TMPD/host-b.pol"
sed 's/^/   /' "$TMPD/host-a.pol"
run ip netns exec "$A" "$XFP" policy load "$TMPD/host-a.pol" dev "$DA" || die "policy load on A"
run ip netns exec "$B" "$XFP" policy load "$TMPD/host-b.pol" dev "$DB" || die "policy load on B"
echo '   (TC egress: "secure" verdict -> the worker encrypts; XDP: ESP with a known SPI -> the worker decrypts)'

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

say "xfp's counters on host A (rows that are not zero)"
run ip netns exec "$A" "$XFP" stats "$DA" | grep -vE ' 0 +0$' 
run ip netns exec "$A" "$XFP" sa show "$DA" | grep -E '^sa |^worker|spi |dir |alg |seq |replay_top|Packets|Bytes|rx_nic|rx_secure|crypted|tx_|xsk_mode' | grep -vE ' 0$'

say "Done; workers, namespaces and the bpffs mount are removed on exit"
[ "$got" = "$want" ] && [ "$n" = 200 ] && [ "$(clear_count "$CAP")" = 0 ]
