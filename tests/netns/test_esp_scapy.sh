#!/usr/bin/env bash
# test_esp_scapy.sh - xfp <-> an independent IPsec implementation: a scapy
# peer in host B (no xfp there) speaks ESP (AES-256-GCM, ChaCha20-Poly1305,
# over IPv4 and IPv6), AH (HMAC-SHA-256-128) and NAT-T ESP (UDP 4500) with
# its own SecurityAssociation.  Its protected ICMP echo requests and UDP
# datagrams are answered by host A (xfp worker), and every answer comes
# back protected and decrypts/authenticates in scapy.
#
#   host A [a] xfp --- [ca] C (bridge, capture) [cb] --- [b] host B: scapy
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip tcpdump tshark "$XFP" "$PY"

esp_hosts
if [ -n "${SCAPY_WITH_DATAPATH:-}" ]; then
	# test_esp_scapy_dp.sh: the same cases with xfp's datapath on A, whose
	# policy secures everything with B; the SAs come from `sa add`.
	cat >"$TMPD/dp.pol" <<'EOF'
filter add b-in layer inbound-transport remote-addr { 198.18.0.2, 2001:db8::2 } action inbound-transport
filter add b-out layer outbound-transport remote-addr { 198.18.0.2, 2001:db8::2 } action outbound-transport
EOF
	check "attach xfp on A" nsx "$A" "$XFP" attach "$DA"
	check "load the policy securing B" nsx "$A" "$XFP" policy load "$TMPD/dp.pol" dev "$DA"
fi
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
# A UDP echo service on host A (port 7777), both families.
nsx "$A" "$PY" -c '
import socket, select
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(("0.0.0.0", 7777))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); s6.bind(("::", 7777))
while True:
    for s in select.select([s4, s6], [], [])[0]:
        d, a = s.recvfrom(2048); s.sendto(d, a)
' &
bg_pid $!

spi=$((0x7000))
run_case() { # NAME ALG FAM [natt]
	local name=$1 alg=$2 fam=$3 natt=${4:-} me peer len out
	spi=$((spi + 2))
	if [ "$fam" = 6 ]; then me=2001:db8::2 peer=2001:db8::1; else me=198.18.0.2 peer=198.18.0.1; fi
	case $alg in sha256) len=32 ;; *) len=36 ;; esac
	keygen "k$spi" $len
	keygen "k$((spi + 1))" $len
	# A receives with spi, answers with spi+1.
	if ! nsx "$A" "$XFP" sa add "$DA" dir in spi "$spi" alg "$alg" key-file "$TMPD/k$spi" ${natt:+natt} >/dev/null ||
		! nsx "$A" "$XFP" sa add "$DA" dir out spi "$((spi + 1))" alg "$alg" dst "$me" key-file "$TMPD/k$((spi + 1))" ${natt:+natt} >/dev/null; then
		fail "$name: SAs installed on A" "sa add failed"
		return
	fi
	capture_start "scapy-$spi"
	out=$(nsx "$B" "$PY" "$(dirname "$0")/esp_scapy_peer.py" "$DB" "$me" "$peer" "$alg" \
		"$spi:$(key_hex "k$spi")" "$((spi + 1)):$(key_hex "k$((spi + 1))")" $natt 2>&1 | tail -1)
	capture_stop
	check_eq "$name: scapy's protected pings and UDP answered, answers verify in scapy" "$out" "ping 5/5 udp 5/5 bad 0"
	check_eq "$name: xfp decrypted all 10 of scapy's packets" "$(sa_counter "$A" "$DA" "$spi" in InPackets)" 10
	n=$(tshark -r "$CAP" -n -Y "(ip.src==$peer or ipv6.src==$peer) and not esp and not ah and not (icmpv6.type >= 133 and icmpv6.type <= 137) and not icmp.type==3 and not icmpv6.type==1" 2>/dev/null | wc -l)
	check_eq "$name: A answered nothing in clear" "$n" 0
	if [ -n "$natt" ]; then
		# (not icmp: B's port-unreachable errors quote A's packets)
		n=$(tshark -r "$CAP" -n -Y "ip.src==$peer and udp.srcport==4500 and udp.dstport==4500 and esp and not icmp" 2>/dev/null | wc -l)
		i=$(tshark -r "$CAP" -n -Y "ip.src==$peer and esp and not udp and not icmp" 2>/dev/null | wc -l)
		[ "$n" = 10 ] && [ "$i" = 0 ] && ok "$name: A's 10 answers are ESP in UDP 4500" ||
			fail "$name: A's answers are ESP in UDP 4500" "in UDP: $n, plain ESP: $i"
	fi
	nsx "$A" "$XFP" sa del "$DA" spi "$spi" dir in >/dev/null
	nsx "$A" "$XFP" sa del "$DA" spi "$((spi + 1))" dir out >/dev/null
}

run_case "ESP aes256gcm16 v4" aes256gcm16 4
run_case "ESP aes256gcm16 v6" aes256gcm16 6
run_case "ESP chacha20poly1305 v4" chacha20poly1305 4
run_case "ESP chacha20poly1305 v6" chacha20poly1305 6
run_case "AH sha256 v4" sha256 4
run_case "AH sha256 v6" sha256 6
run_case "NAT-T ESP aes256gcm16 v4" aes256gcm16 4 natt
done_testing
