#!/usr/bin/env bash
# test_scn_tunnel_sa.sh - site-to-site tunnel mode (spec 1.4) end to end
# with manual tunnel SAs: both gateways run xfp + the worker and a tunnel
# policy with `sa add NAME tunnel-policy QM`.
#
#   host A [hA] 198.18.1.2 -- [la] gateway A [wa] 198.18.0.1 2001:db8:a::1  (xfp)
#                                  |  ns C: bridge, capture on the port facing A
#   host B [hB] 198.19.1.2 -- [lb] gateway B [wb] 198.19.0.1 2001:db8:c::1  (xfp)
#   (+ 198.19.3.2 on host B's lo: the site-c host, routed via gateway B)
#
# Gateway A runs policy/examples/tunnel.pol (site-b: 198.18.1.0/24 <->
# 198.19.1.0/24, IPv4 outer, clear-df; site-c: 198.18.1.0/24 <->
# 198.19.3.0/24, IPv4 inner in an IPv6 outer tunnel) plus a block filter
# (host A -> site B tcp 6000) and manual SAs; gateway B the mirror image.
#
#  1. site-b SAs only: TCP both ways with the data intact, UDP echoed,
#     ping both ways, all ESP between the endpoints (DF clear, decrypting in
#     tshark to the inner IP); clear traffic between the subnets injected
#     on the wire dropped (clear-text), host A -> site-c dropped (no-sa,
#     nothing on the wire), tcp 6000 dropped by the policy (filter-block),
#     forged ESP on site-b's SA carrying site-c's subnet refused (the SA's
#     inner selector); traffic the tunnels do not select goes in clear;
#  2. the site-c SAs added: host A <-> 198.19.3.2 over an IPv6 outer header;
#  3. site-b without clear-df: the outer DF bit follows the inner packet.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
. "$(dirname "$0")/scn_lib.sh"
trap _esp_cleanup EXIT # workers get SIGTERM (esp_lib.sh)
need ip ping tcpdump tshark "$XFP" "$PY"

EX=$(cd "$(dirname "$0")/../../policy/examples" && pwd)
netns_new A ga
netns_new B gb
netns_new C gc
netns_new HA ha
netns_new HB hb
DA=${TAG}wa DB=${TAG}wb CA=${TAG}ca CB=${TAG}cb
veth_bridged "$DA" "$A" "$CA" "$DB" "$B" "$CB" "$C"
veth_new "${TAG}la" "$A" "${TAG}hA" "$HA"
veth_new "${TAG}lb" "$B" "${TAG}hB" "$HB"
ip -n "$A" addr add 198.18.0.1/15 dev "$DA"
ip -n "$B" addr add 198.19.0.1/15 dev "$DB"
ip -n "$A" addr add 2001:db8:a::1/32 dev "$DA" nodad
ip -n "$B" addr add 2001:db8:c::1/32 dev "$DB" nodad
ip -n "$A" addr add 198.18.1.1/24 dev "${TAG}la"
ip -n "$HA" addr add 198.18.1.2/24 dev "${TAG}hA"
ip -n "$HA" route add default via 198.18.1.1
ip -n "$B" addr add 198.19.1.1/24 dev "${TAG}lb"
ip -n "$HB" addr add 198.19.1.2/24 dev "${TAG}hB"
ip -n "$HB" addr add 198.19.3.2/32 dev lo
ip -n "$HB" route add default via 198.19.1.1
ip -n "$A" route add 198.19.1.0/24 via 198.19.0.1
ip -n "$A" route add 198.19.3.0/24 via 198.19.0.1
ip -n "$B" route add 198.18.1.0/24 via 198.18.0.1
ip -n "$B" route add 198.19.3.0/24 via 198.19.1.2
# The inner packets leave room for the outer header and ESP (1500 on the
# wire between the gateways).
for l in "$A:${TAG}la" "$HA:${TAG}hA" "$B:${TAG}lb" "$HB:${TAG}hB"; do
	ip -n "${l%%:*}" link set "${l#*:}" mtu 1400
done
for ns in "$A" "$B"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	# decrypted packets enter through xfp's veth (xfps<N>), not the NIC
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.default.rp_filter=0
done
for ns in "$HA" "$HB"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=1; done
MA=$(ip -n "$A" -br link show "$DA" | awk '{print $3}')
MB=$(ip -n "$B" -br link show "$DB" | awk '{print $3}')
ip -n "$A" neigh replace 198.19.0.1 lladdr "$MB" dev "$DA" nud permanent
ip -n "$B" neigh replace 198.18.0.1 lladdr "$MA" dev "$DB" nud permanent
ip -n "$A" neigh replace 2001:db8:c::1 lladdr "$MB" dev "$DA" nud permanent
ip -n "$B" neigh replace 2001:db8:a::1 lladdr "$MA" dev "$DB" nud permanent
bpffs_private
export XFP_RUNDIR=$TMPD/run
mkdir -p -m 0700 "$XFP_RUNDIR"

# Keys: site-b AES-128-GCM (20 bytes), site-c AES-256-GCM (36 bytes).
SB_AB=$((0x7301)) SB_BA=$((0x7302)) SC_AC=$((0x7303)) SC_CA=$((0x7304))
keygen "k$SB_AB" 20
keygen "k$SB_BA" 20
keygen "k$SC_AC" 36
keygen "k$SC_CA" 36
(umask 077
 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$SB_BA")" "$(key_hex "k$SB_AB")" >"$TMPD/sb-a.keys"
 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$SB_AB")" "$(key_hex "k$SB_BA")" >"$TMPD/sb-b.keys"
 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$SC_CA")" "$(key_hex "k$SC_AC")" >"$TMPD/sc-a.keys"
 printf 'inbound %s\noutbound %s\n' "$(key_hex "k$SC_AC")" "$(key_hex "k$SC_CA")" >"$TMPD/sc-b.keys")

# polA [site-c]: gateway A's policy, polB [site-c]: gateway B's.
polA() {
	cat "$EX/tunnel.pol"
	cat <<EOF
filter add no-6000 layer outbound-transport local-addr 198.18.1.0/24 remote-addr 198.19.1.0/24 protocol tcp remote-port 6000 action block
sa add sb-sa tunnel-policy site-b spi-in $SB_BA spi-out $SB_AB alg aes128gcm16 key-file sb-a.keys
EOF
	[ "${1:-}" = site-c ] && echo "sa add sc-sa tunnel-policy site-c spi-in $SC_CA spi-out $SC_AC alg aes256gcm16 key-file sc-a.keys"
	return 0
}
polB() {
	cat <<EOF
sublayer add ipsec-tunnel weight 0x9000
qm-policy add site-a tunnel proposal esp aes128gcm16 lifetime 3600s 100000kb \\
	flags clear-df local-endpoint 198.19.0.1 remote-endpoint 198.18.0.1
qm-policy add site-a6 tunnel proposal esp aes256gcm16 lifetime 3600s 100000kb \\
	local-endpoint 2001:db8:c::1 remote-endpoint 2001:db8:a::1
tunnel add site-a policy site-a local-addr 198.19.1.0/24 remote-addr 198.18.1.0/24
tunnel add site-a6 policy site-a6 local-addr 198.19.3.0/24 remote-addr 198.18.1.0/24
sa add sa-sa tunnel-policy site-a spi-in $SB_AB spi-out $SB_BA alg aes128gcm16 key-file sb-b.keys
EOF
	[ "${1:-}" = site-c ] && echo "sa add sa6-sa tunnel-policy site-a6 spi-in $SC_AC spi-out $SC_CA alg aes256gcm16 key-file sc-b.keys"
	return 0
}
polA >"$TMPD/a1.pol"
polB >"$TMPD/b1.pol"
polA site-c >"$TMPD/a2.pol"
polB site-c >"$TMPD/b2.pol"
sed 's/flags clear-df //' "$TMPD/a2.pol" >"$TMPD/a3.pol"
sed 's/flags clear-df //' "$TMPD/b2.pol" >"$TMPD/b3.pol"

# gw_counter NS DEV xdp|tc REASON: a drop-reason counter of a gateway.
gw_counter() {
	local key
	if [ "$3" = tc ]; then key='j["tc_egress"]["drop_reasons"]'; else key='j["drop_reasons"]'; fi
	nsx "$1" "$XFP" stats -j "$2" | json_get - "$key.get('$4', {}).get('packets', 0)"
}
# tun_decrypt PCAP FAM ALG SPI... : "ESP_TOTAL DECRYPTED" as esp_decrypt_check,
# for the ESP frames of outer family FAM only.
tun_decrypt() {
	local pcap=$1 fam=$2 alg=$3 spi uat=() total bad v
	shift 3
	for spi in "$@"; do
		uat+=(-o "uat:esp_sa:\"IPv$fam\",\"*\",\"*\",\"$(printf '0x%08x' "$spi")\",\"$(tshark_alg "$alg")\",\"0x$(key_hex "k$spi")\",\"NULL\",\"\"")
	done
	if [ "$fam" = 6 ]; then v=ipv6; else v=ip; fi
	total=$(tshark -r "$pcap" -n -Y "esp && $v" 2>/dev/null | wc -l)
	bad=$(tshark -r "$pcap" -n -o esp.enable_encryption_decode:TRUE "${uat[@]}" \
		-Y "esp && $v && !(tcp || udp || icmp)" 2>/dev/null | wc -l)
	echo "$total $((total - bad))"
}
# tun_show PCAP FAM ALG FILTER SPI...: frames matching FILTER with the
# ESP payload decrypted (the inner IP header is dissected).
tun_show() {
	local pcap=$1 fam=$2 alg=$3 flt=$4 spi uat=()
	shift 4
	for spi in "$@"; do
		uat+=(-o "uat:esp_sa:\"IPv$fam\",\"*\",\"*\",\"$(printf '0x%08x' "$spi")\",\"$(tshark_alg "$alg")\",\"0x$(key_hex "k$spi")\",\"NULL\",\"\"")
	done
	tshark -r "$pcap" -n -o esp.enable_encryption_decode:TRUE "${uat[@]}" -Y "$flt" 2>/dev/null | wc -l
}
SUBNETS='ip.addr==198.18.1.0/24 || ip.addr==198.19.1.0/24 || ip.addr==198.19.3.0/24'
# Link-local IPv6 housekeeping (router solicitations, MLD) is not traffic.
NOTND='!(icmpv6.type >= 130 && icmpv6.type <= 143)'
# wire_eq NAME FILTER WANT: check_eq on a frame count; the frames on failure.
wire_eq() {
	local n
	n=$(wire "$2")
	check_eq "$1" "$n" "$3"
	[ "$n" = "$3" ] || tshark -r "$CAP" -n -Y "$2" 2>/dev/null | head -5 | sed 's/^/# /'
}

check "attach xfp on gateway A" nsx "$A" "$XFP" attach "$DA"
check "attach xfp on gateway B" nsx "$B" "$XFP" attach "$DB"
worker_start "$A" "$DA" || { fail "worker on gateway A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on gateway B starts" "see log"; done_testing; }
check "1: policy + site-b tunnel SAs on gateway A" nsx "$A" "$XFP" policy load "$TMPD/a1.pol" dev "$DA"
check "1: policy + site-b tunnel SAs on gateway B" nsx "$B" "$XFP" policy load "$TMPD/b1.pol" dev "$DB"
sa_line=$(nsx "$A" "$XFP" sa show "$DA" -j | json_get - "[(s['dir'], s['mode'], s['src'], s['dst'], s.get('clear_df'), s.get('sel_src'), s.get('sel_dst')) for s in j['sas'] if int(s['spi'],16) in ($SB_AB, $SB_BA)]")
check_eq "1: gateway A's worker holds the site-b SAs: tunnel mode between the endpoints, clear-df out, inner selector in" "$sa_line" \
	"[('out', 'tunnel', '198.18.0.1', '198.19.0.1', 1, None, None), ('in', 'tunnel', '198.19.0.1', '198.18.0.1', 0, '198.19.1.0/24', '198.18.1.0/24')]"

esp_pyhelper
srv_start "$HA" 5555 5003 || fail "server on host A" "not ready"
srv_start "$HB" 6000,5555 5003 || fail "server on host B" "not ready"
head -c 300000 /dev/urandom >"$TMPD/data.ab"
head -c 200000 /dev/urandom >"$TMPD/data.ba"

# ---- 1: allowed through the site-b tunnel
cap_start tun1 || fail "tcpdump starts" ""
tcp_check "1: allowed: tcp host A -> host B through the tunnel, 300 kB intact" "$HA" "$HB" 198.19.1.2 "$TMPD/data.ab"
tcp_check "1: allowed: tcp host B -> host A through the tunnel, 200 kB intact" "$HB" "$HA" 198.18.1.2 "$TMPD/data.ba"
udp_check "1: allowed: udp host A -> host B, 20 datagrams echoed" "$HA" "$HB" 198.19.1.2 20
check "1: allowed: ping host A -> host B" nsx "$HA" ping -c 3 -i 0.2 -W 2 198.19.1.2
check "1: allowed: ping host B -> host A" nsx "$HB" ping -c 3 -i 0.2 -W 2 198.18.1.2
check_eq "1: app: host B's udp 5003 got host A's 4 datagrams" "$(udp_try "$HA" 198.19.1.2 5003 4)/$(srv_got "$HB" udp 5003 198.18.1.2)" 4/4
cap_stop
n=$(wire 'esp && ip.src==198.18.0.1 && ip.dst==198.19.0.1')
[ "$n" -gt 150 ] && ok "1: wire: gateway A -> B is ESP between the endpoints ($n frames)" || fail "1: wire: ESP A -> B" "$n frames"
n=$(wire 'esp && ip.src==198.19.0.1 && ip.dst==198.18.0.1')
[ "$n" -gt 100 ] && ok "1: wire: gateway B -> A is ESP between the endpoints ($n frames)" || fail "1: wire: ESP B -> A" "$n frames"
wire_eq "1: wire: every IP frame is ESP between the endpoints" "(ip || ipv6) && $NOTND && !(esp && ((ip.src==198.18.0.1 && ip.dst==198.19.0.1) || (ip.src==198.19.0.1 && ip.dst==198.18.0.1)))" 0
wire_eq "1: wire: no inner clear packet between the gateways" "$SUBNETS" 0
check_eq "1: wire: outer DF clear on every frame (clear-df)" "$(wire 'esp && ip.flags.df==1')" 0
check_eq "1: wire: ESP SPIs are the site-b SAs'" "$(wire "esp && !(esp.spi==$SB_AB || esp.spi==$SB_BA)")" 0
read -r total dec <<<"$(tun_decrypt "$CAP" 4 aes128gcm16 "$SB_AB" "$SB_BA")"
[ "${total:-0}" -gt 0 ] && [ "$total" = "$dec" ] && ok "1: tshark decrypts all $total ESP frames" || fail "1: every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
n=$(tun_show "$CAP" 4 aes128gcm16 'esp && ip.src==198.18.0.1 && ip.src==198.18.1.2 && ip.dst==198.19.1.2 && tcp.dstport==5001' "$SB_AB" "$SB_BA")
[ "$n" -gt 100 ] && ok "1: tshark: inner IP 198.18.1.2 -> 198.19.1.2 tcp inside ESP 198.18.0.1 -> 198.19.0.1 ($n)" || fail "1: tshark shows the inner IP" "$n"
n=$(tun_show "$CAP" 4 aes128gcm16 'esp && icmp.type==8 && ip.src==198.19.1.2' "$SB_AB" "$SB_BA")
check_eq "1: tshark: host B's 3 echo requests inside the tunnel" "$n" 3
c=$(sa_counter "$A" "$DA" "$SB_BA" in InPackets)
[ "$c" -gt 100 ] && ok "1: gateway A's inbound tunnel SA decrypted $c packets" || fail "1: gateway A's inbound SA counts" "$c"

# ---- 1: blocked
x0=$(gw_counter "$A" "$DA" xdp clear-text)
y0=$(gw_counter "$B" "$DB" xdp clear-text)
cap_start tun1b || fail "tcpdump starts" ""
# clear SYNs between the subnets, on the wire in front of each gateway
nsx "$C" "$PY" - "$CA" "$MA" "$MB" "$CB" <<'EOF' >/dev/null 2>&1
import sys
from scapy.all import Ether, IP, TCP, sendp
ca, ma, mb, cb = sys.argv[1:5]
sendp(Ether(dst=ma, src=mb) / IP(src="198.19.1.2", dst="198.18.1.2") / TCP(sport=40001, dport=5555, flags="S"),
      iface=ca, count=3, verbose=False)
sendp(Ether(dst=mb, src=ma) / IP(src="198.18.1.2", dst="198.19.1.2") / TCP(sport=40002, dport=5555, flags="S"),
      iface=cb, count=3, verbose=False)
EOF
sleep 0.3
x1=$(gw_counter "$A" "$DA" xdp clear-text)
y1=$(gw_counter "$B" "$DB" xdp clear-text)
check_eq "1: blocked: clear tcp host B -> host A arriving at gateway A: clear-text" "$((x1 - x0))" 3
check_eq "1: blocked: clear tcp host A -> host B arriving at gateway B: clear-text" "$((y1 - y0))" 3
check_eq "1: app: host A and host B accepted none of them" "$(grep -c '^tcp 5555' "$TMPD/srv.$HA.log")/$(grep -c '^tcp 5555' "$TMPD/srv.$HB.log")" 0/0
n0=$(gw_counter "$A" "$DA" tc no-sa)
tcp_blocked "1: blocked: tcp host A -> 198.19.3.2 5555 (site-c, no SA yet)" "$HA" 198.19.3.2 5555
n1=$(gw_counter "$A" "$DA" tc no-sa)
[ "$((n1 - n0))" -ge 1 ] && ok "1: gateway A dropped it as no-sa ($((n1 - n0)))" || fail "1: no-sa at gateway A" "$n0 -> $n1"
f0=$(gw_counter "$A" "$DA" tc filter-block)
tcp_blocked "1: blocked: tcp host A -> host B 6000 (policy: no-6000)" "$HA" 198.19.1.2 6000
f1=$(gw_counter "$A" "$DA" tc filter-block)
[ "$((f1 - f0))" -ge 1 ] && ok "1: gateway A dropped it as filter-block ($((f1 - f0)))" || fail "1: filter-block at gateway A" "$f0 -> $f1"
# ESP on site-b's SA from gateway B's address, forged on the wire: inner
# 198.19.1.2 -> host A (inside the tunnel's selectors) and 198.19.3.2 ->
# host A (site-c's subnet, outside them), three pings each.
top=$(sa_counter "$A" "$DA" "$SB_BA" in replay_top)
ip0=$(sa_counter "$A" "$DA" "$SB_BA" in InPackets)
sm0=$(sa_counter "$A" "$DA" "$SB_BA" in InSelectorMismatch)
cat >"$TMPD/forge.py" <<'PYEOF'
import sys
from scapy.all import Ether, IP, ICMP, sendp
from scapy.layers.ipsec import ESP, SecurityAssociation
ca, ma, mb = sys.argv[1:4]
key, spi, top = bytes.fromhex(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key, seq_num=top + 1,
                         tunnel_header=IP(src="198.19.0.1", dst="198.18.0.1"))
for src in ("198.19.1.2", "198.19.3.2"):
    for i in range(3):
        sendp(Ether(dst=ma, src=mb) / sa.encrypt(IP(src=src, dst="198.18.1.2") / ICMP(id=77, seq=i)),
              iface=ca, verbose=False)
PYEOF
nsx "$C" "$PY" "$TMPD/forge.py" "$CA" "$MA" "$MB" "$(key_hex "k$SB_BA")" "$SB_BA" "$top" >"$TMPD/forge.log" 2>&1 ||
	sed 's/^/# forge: /' "$TMPD/forge.log"
sleep 0.5
ip1=$(sa_counter "$A" "$DA" "$SB_BA" in InPackets)
sm1=$(sa_counter "$A" "$DA" "$SB_BA" in InSelectorMismatch)
check_eq "1: forged ESP on site-b's SA, inner 198.19.1.2 -> host A: decrypted and accepted (control)" "$((ip1 - ip0))" 3
check_eq "1: blocked: the same SA carrying 198.19.3.2 -> host A: outside the SA's selector (InSelectorMismatch)" "$((sm1 - sm0))" 3
cap_stop
check_eq "1: app: host B got neither" "$(grep -c '^tcp 5555 198.18.1.2' "$TMPD/srv.$HB.log")/$(grep -c '^tcp 6000' "$TMPD/srv.$HB.log")" 0/0
# (the SYNs for gateway B were sent on C's other port: not on this capture)
wire_eq "1: wire: only the 3 injected clear SYNs to host A between the subnets, no answer" "$SUBNETS" 3
wire_eq "1: wire: nothing for site-c or tcp 6000 left gateway A" "(ipv6 || ip.addr==198.19.3.0/24 || tcp.port==6000) && $NOTND" 0
n=$(tun_show "$CAP" 4 aes128gcm16 'esp && ip.src==198.18.0.1 && icmp.type==0 && icmp.ident==77' "$SB_AB" "$SB_BA")
check_eq "1: wire: host A answered only the 3 in-selector pings, through the tunnel" "$n" 3
wire_eq "1: wire: the only ESP from gateway A is those answers" "esp && ip.src==198.18.0.1" 3

# ---- 1: other traffic follows the rest of the policy (default permit, clear)
srv_start "$B" 6001 5004 || fail "server on gateway B" "not ready"
cap_start tun1c || fail "tcpdump starts" ""
check "1: allowed in clear: ping gateway A -> gateway B (the endpoints)" nsx "$A" ping -c 2 -i 0.2 -W 2 198.19.0.1
tcp_allowed "1: allowed in clear: tcp host A -> gateway B 6001 (not a tunnel selector)" "$HA" 198.19.0.1 6001
cap_stop
check_eq "1: app: gateway B accepted host A's connection" "$(srv_got "$B" tcp 6001 198.18.1.2)" 1
n=$(wire 'tcp.port==6001 && ip.src==198.18.1.2 && !esp')
[ "$n" -ge 2 ] && ok "1: wire: it went in clear ($n frames from host A)" || fail "1: wire: clear tcp host A -> gateway B" "$n"
wire_eq "1: wire: the pings went in clear" "icmp && ip.src==198.18.0.1 && ip.dst==198.19.0.1" 2
wire_eq "1: wire: no ESP for either" "esp" 0

# ---- 2: the site-c SAs: IPv4 inner traffic in an IPv6 outer tunnel
check "2: site-c tunnel SAs added on gateway A" nsx "$A" "$XFP" policy load "$TMPD/a2.pol" dev "$DA"
check "2: site-c tunnel SAs added on gateway B" nsx "$B" "$XFP" policy load "$TMPD/b2.pol" dev "$DB"
cap_start tun2 || fail "tcpdump starts" ""
tcp_check "2: allowed: tcp host A -> 198.19.3.2 (site-c), 200 kB intact" "$HA" "$HB" 198.19.3.2 "$TMPD/data.ba"
tcp_allowed "2: allowed: tcp host A -> 198.19.3.2 5555" "$HA" 198.19.3.2 5555
check "2: allowed: ping host A -> 198.19.3.2" nsx "$HA" ping -c 3 -i 0.2 -W 2 198.19.3.2
udp_check "2: allowed: udp host A -> 198.19.3.2, 10 datagrams echoed" "$HA" "$HB" 198.19.3.2 10
check "2: site-b still works: ping host A -> host B" nsx "$HA" ping -c 2 -i 0.2 -W 2 198.19.1.2
cap_stop
check_eq "2: app: 198.19.3.2's tcp 5555 accepted host A" "$(srv_got "$HB" tcp 5555 198.18.1.2)" 1
n=$(wire 'esp && ipv6.src==2001:db8:a::1 && ipv6.dst==2001:db8:c::1')
[ "$n" -gt 100 ] && ok "2: wire: site-c traffic is ESP over IPv6 2001:db8:a::1 -> 2001:db8:c::1 ($n)" || fail "2: wire: IPv6 ESP A -> C" "$n"
n=$(wire 'esp && ipv6.src==2001:db8:c::1 && ipv6.dst==2001:db8:a::1')
[ "$n" -gt 20 ] && ok "2: wire: and back over IPv6 ($n)" || fail "2: wire: IPv6 ESP C -> A" "$n"
check_eq "2: wire: every IPv6 ESP frame is a site-c SA's" "$(wire "esp && ipv6 && !(esp.spi==$SC_AC || esp.spi==$SC_CA)")" 0
wire_eq "2: wire: no inner clear packet between the gateways" "$SUBNETS" 0
wire_eq "2: wire: nothing but ESP between the gateways" "(ip || ipv6) && !esp && $NOTND" 0
read -r total dec <<<"$(tun_decrypt "$CAP" 6 aes256gcm16 "$SC_AC" "$SC_CA")"
[ "${total:-0}" -gt 0 ] && [ "$total" = "$dec" ] && ok "2: tshark decrypts all $total IPv6-outer ESP frames" || fail "2: every IPv6 ESP frame decrypts" "total=$total decrypted=$dec"
n=$(tun_show "$CAP" 6 aes256gcm16 'esp && ipv6.src==2001:db8:a::1 && ip.src==198.18.1.2 && ip.dst==198.19.3.2' "$SC_AC" "$SC_CA")
[ "$n" -gt 100 ] && ok "2: tshark: inner IPv4 198.18.1.2 -> 198.19.3.2 inside IPv6 ESP ($n)" || fail "2: tshark shows the inner IPv4" "$n"

# ---- 3: without clear-df the outer DF follows the inner packet
check "3: site-b without clear-df on gateway A" nsx "$A" "$XFP" policy load "$TMPD/a3.pol" dev "$DA"
check "3: site-b without clear-df on gateway B" nsx "$B" "$XFP" policy load "$TMPD/b3.pol" dev "$DB"
cap_start tun3 || fail "tcpdump starts" ""
tcp_check "3: tcp host A -> host B, 300 kB intact" "$HA" "$HB" 198.19.1.2 "$TMPD/data.ab"
cap_stop
n=$(wire 'esp && ip.src==198.18.0.1 && ip.flags.df==1')
m=$(tun_show "$CAP" 4 aes128gcm16 'esp && ip.src==198.18.0.1 && ip.src==198.18.1.2' "$SB_AB" "$SB_BA")
[ "$n" -gt 100 ] && [ "$n" = "$m" ] && ok "3: wire: outer DF set on all $n tunnelled TCP frames (copied from the inner header)" ||
	fail "3: outer DF set without clear-df" "$n with DF of $m"
done_testing
