#!/usr/bin/env bash
# test_scn_exemptions.sh - IKE and ICMP exemptions (spec 1.8, 1),
# policy/examples/ike-icmp-exemptions.pol on host A: everything else is
# blocked at both transport layers (deny-in, deny-out); ICMP is exempt by
# explicit permit filters in weight range 12; IKE (UDP 500 both families,
# 4500 IPv4, non-ESP) is exempt by the filters finalize adds while an
# ikeext filter references a main-mode policy.  Deleting that filter live
# takes the IKE exemptions away; adding it back restores them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts
scn_attach "$XFP_SRCDIR/policy/examples/ike-icmp-exemptions.pol"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"

cap_start exempt
check "allowed: ping B->A" nsx "$B" ping -c 2 -i 0.2 -W 2 198.18.0.1
check "allowed: ping6 A->B" nsx "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8::2
check_eq "allowed: IKE udp 500 B->A, echoed" "$(udp_try "$B" 198.18.0.1 500 3)" 3
check_eq "allowed: IKE udp 500 over IPv6 B->A, echoed" "$(udp_try "$B" 2001:db8::1 500 3)" 3
check_eq "allowed: IKE udp 4500 (non-ESP marker) B->A, echoed" "$(udp_try "$B" 198.18.0.1 4500 3)" 3
tcp_blocked "blocked: tcp B->A 5001 (deny-in)" "$B" 198.18.0.1 5001
tcp_blocked "blocked: tcp A->B 5001 (deny-out)" "$A" 198.18.0.2 5001
check_eq "blocked: udp B->A 5002 (deny-in)" "$(udp_try "$B" 198.18.0.1 5002 3)" 0
check_eq "blocked: udp 4500 over IPv6 (the 4500 exemption is IPv4 only)" "$(udp_try "$B" 2001:db8::1 4500 3)" 0
# ESP in UDP 4500 (first word is an SPI, not the marker): not IKE
nsx "$B" "$PY" -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3): s.sendto(struct.pack("!II", 0x7777, i + 1) + bytes(32), ("198.18.0.1", 4500))'
sleep 0.2
cap_stop

check_eq "app: A's IKE server got 500, 500 v6, 4500 v4 (3 each) and no 4500 v6" \
	"$(srv_got "$A" udp 500 198.18.0.2)/$(srv_got "$A" udp 500 2001:db8::2)/$(srv_got "$A" udp 4500 198.18.0.2)/$(srv_got "$A" udp 4500 2001:db8::2)" 3/3/3/0
check_eq "app: no tcp accepted anywhere, no udp 5002" "$(grep -c '^tcp\|^udp 5002' "$TMPD/srv.$A.log" "$TMPD/srv.$B.log" | awk -F: '{ s += $2 } END { print s }')" 0
check_eq "wire: IKE answers from A in clear (500, 500 v6, 4500)" "$(wire '(udp.srcport==500 || udp.srcport==4500) && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1) && !icmp && !icmpv6')" 9
check_eq "wire: A sent no tcp, no udp 5002, nothing on 4500 over IPv6" "$(wire '(tcp || udp.port==5002 || (udp.srcport==4500 && ipv6)) && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
check_eq "wire: the 3 ESP-in-UDP packets reached A" "$(wire 'udp.dstport==4500 && ip.dst==198.18.0.1 && esp')" 3
n=$(dp_counter xdp filter-block); [ "$n" -ge 3 ] && ok "counters: inbound filter-block ($n)" || fail "counters: inbound filter-block" "got $n"
n=$(dp_counter tc filter-block); [ "$n" -ge 1 ] && ok "counters: outbound filter-block ($n)" || fail "counters: outbound filter-block" "got $n"
check_eq "counters: ESP in UDP 4500 with an unknown SPI dropped as no-sa" "$(dp_counter xdp no-sa)" 3

L4="local-addr 198.18.0.1 remote-addr 198.18.0.2"
L6="local-addr 2001:db8::1 remote-addr 2001:db8::2"
agree "decide: IKE 500 in" in ike-exempt-500-in:permit:-:permit $L4 protocol udp local-port 500 remote-port 500
agree "decide: IKE 500 v6 out" out ike-exempt-500-out:permit:-:permit $L6 protocol udp local-port 500 remote-port 500
agree "decide: IKE 4500 in" in ike-exempt-4500-in:permit:-:permit $L4 protocol udp local-port 4500 remote-port 4500
agree "decide: ping in" in icmp-in:permit:-:permit $L4 protocol icmp icmp-type 8
agree "decide: udp 4500 v6 in blocked" in deny-in:block $L6 protocol udp local-port 4500 remote-port 4500
agree "decide: tcp in blocked" in deny-in:block $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: tcp out blocked" out deny-out:block $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn

# The exemptions follow the main-mode policy filter, live.
check "filter del mm (the last ikeext filter)" nsx "$A" "$XFP" filter del mm dev "$DA"
check_eq "blocked without an mm filter: IKE udp 500 B->A" "$(udp_try "$B" 198.18.0.1 500 3)" 0
check_eq "policy: no ike-exempt-* filter left" "$(nsx "$A" "$XFP" explain "$DA" $L4 protocol udp local-port 500 remote-port 500 -j | json_get - 'j["datapath"]["transport_filter"]+"/"+j["datapath"]["drop_reason"]')" deny-in/filter-block
check "filter add mm again" nsx "$A" "$XFP" filter add mm layer ikeext action permit policy mm-ike dev "$DA"
check_eq "allowed again: IKE udp 500 B->A" "$(udp_try "$B" 198.18.0.1 500 3)" 3
check_eq "app: A's IKE server got 3 more, not 6" "$(srv_got "$A" udp 500 198.18.0.2)" 6
done_testing
