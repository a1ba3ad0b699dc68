#!/usr/bin/env bash
# test_scn_tunnel.sh - site-to-site tunnel mode (spec 1.4),
# policy/examples/tunnel.pol on gateway A:
#
#   host A [hA] 198.18.1.2 -- [la] gateway A [wa] 198.18.0.1 2001:db8:a::1  (xfp)
#                                  |  the wire, captured in gateway B
#   host B [hB] 198.19.1.2 -- [lb] gateway B [wb] 198.19.0.1 2001:db8:c::1
#
# Tunnel site-b selects 198.18.1.0/24 <-> 198.19.1.0/24 (IPv4 outer,
# clear-df), site-c 198.18.1.0/24 <-> 198.19.3.0/24 (IPv6 outer, IPv4
# inner).  No tunnel SA exists, so traffic between the host subnets never
# crosses the wire in clear, either way, and clear IP-in-IP from the peer
# gateway is refused at ALE (only a decrypted tunnel packet is accepted);
# traffic the selectors do not name follows the rest of the policy (default
# permit).  Tunnelled traffic flowing as ESP needs the crypto hand-off in
# the datapath (pending, docs/scenarios.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

netns_new A ga
netns_new GB gb
netns_new HA ha
netns_new HB hb
DA=${TAG}wa
WB=${TAG}wb
veth_new "$DA" "$A" "$WB" "$GB"
veth_new "${TAG}la" "$A" "${TAG}hA" "$HA"
veth_new "${TAG}lb" "$GB" "${TAG}hB" "$HB"
ip -n "$A" addr add 198.18.0.1/15 dev "$DA"
ip -n "$GB" addr add 198.19.0.1/15 dev "$WB"
ip -n "$A" addr add 2001:db8:a::1/32 dev "$DA" nodad
ip -n "$GB" addr add 2001:db8:c::1/32 dev "$WB" nodad
ip -n "$A" addr add 198.18.1.1/24 dev "${TAG}la"
ip -n "$HA" addr add 198.18.1.2/24 dev "${TAG}hA"
ip -n "$HA" route add default via 198.18.1.1
ip -n "$GB" addr add 198.19.1.1/24 dev "${TAG}lb"
ip -n "$HB" addr add 198.19.1.2/24 dev "${TAG}hB"
ip -n "$HB" route add default via 198.19.1.1
ip -n "$GB" addr add 198.19.3.1/24 dev lo
ip -n "$A" route add 198.19.1.0/24 via 198.19.0.1
ip -n "$A" route add 198.19.3.0/24 via 198.19.0.1
ip -n "$GB" route add 198.18.1.0/24 via 198.18.0.1
for ns in "$A" "$GB"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
done
for ns in "$HA" "$HB"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=1; done
ip -n "$A" neigh replace 198.19.0.1 lladdr "$(ip -n "$GB" -br link show "$WB" | awk '{print $3}')" dev "$DA" nud permanent
ip -n "$GB" neigh replace 198.18.0.1 lladdr "$(ip -n "$A" -br link show "$DA" | awk '{print $3}')" dev "$WB" nud permanent
bpffs_private
C=$GB CA=$WB # the capture point of scn_lib: gateway B's side of the wire
scn_attach "$XFP_SRCDIR/policy/examples/tunnel.pol"
srv_start "$HA" || fail "server on host A" "not ready"
srv_start "$HB" || fail "server on host B" "not ready"
srv_start "$GB" 6000 5002 || fail "server on gateway B" "not ready"
srv_start "$A" 6001 500 || fail "IKE stand-in on gateway A" "not ready"

cap_start tunnel
check "allowed: ping gateway A -> gateway B (outer endpoints, not tunnelled)" nsx "$A" ping -c 2 -i 0.2 -W 2 198.19.0.1
check "allowed: ping6 gateway A -> gateway B over the IPv6 outer path" nsx "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8:c::1
tcp_allowed "allowed: tcp host A -> gateway B 6000 (not a selector, forwarded)" "$HA" 198.19.0.1 6000
check_eq "allowed: IKE udp 500 gateway B -> gateway A, echoed" "$(udp_try "$GB" 198.18.0.1 500 3)" 3
tcp_blocked "blocked: tcp host A -> host B 5001 (site-b, no tunnel SA)" "$HA" 198.19.1.2 5001
tcp_blocked "blocked: tcp host B -> host A 5001 (clear from the tunnel's peer)" "$HB" 198.18.1.2 5001
tcp_blocked "blocked: tcp host A -> 198.19.3.1 6000 (site-c, IPv6 outer, no SA)" "$HA" 198.19.3.1 6000
# clear IP-in-IP from gateway B to gateway A, inner host B -> host A
nsx "$GB" "$PY" -c '
import socket, struct
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); return ~(s + (s >> 16)) & 0xffff
src, dst = socket.inet_aton("198.19.1.2"), socket.inet_aton("198.18.1.2")
icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"ipip" * 4
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0, src, dst)
hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 4)
for i in range(3): s.sendto(hdr + icmp, ("198.18.0.1", 0))
'
sleep 0.3
cap_stop

check_eq "app: gateway A's IKE stand-in got gateway B's 3 datagrams" "$(srv_got "$A" udp 500 198.19.0.1)" 3
check_eq "app: host B got nothing from host A, host A nothing from host B" \
	"$(grep -c . "$TMPD/srv.$HB.log")/$(grep -c . "$TMPD/srv.$HA.log")" 0/0
check_eq "app: gateway B accepted host A's connection" "$(srv_got "$GB" tcp 6000 198.18.1.2)" 1
check_eq "wire: no clear packet between the tunnelled subnets from gateway A" \
	"$(wire 'ip.src==198.18.1.0/24 && (ip.dst==198.19.1.0/24 || ip.dst==198.19.3.0/24)')" 0
n=$(wire 'tcp.flags.syn==1 && ip.src==198.19.1.2 && ip.dst==198.18.1.2')
[ "$n" -ge 1 ] && ok "wire: host B's clear SYNs reached gateway A ($n)" || fail "wire: host B's clear SYNs reached gateway A" "none"
check_eq "wire: host A never answered host B" "$(wire 'ip.src==198.18.1.2')" "$(wire 'ip.src==198.18.1.2 && ip.dst==198.19.0.1')"
check_eq "wire: 3 clear IP-in-IP packets reached gateway A" "$(wire 'ip.proto==4 && ip.dst==198.18.0.1')" 3
check_eq "wire: no echo reply for them came back" "$(wire 'icmp.type==0 && ip.src==198.18.1.2')" 0
check_eq "wire: host A's forwarded tcp to gateway B went out in clear" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==198.18.1.2 && ip.dst==198.19.0.1')" 1
check_eq "wire: IKE answers left gateway A in clear (3 datagrams)" "$(wire 'udp.srcport==500 && ip.src==198.18.0.1 && !icmp')" 3
n=$(dp_counter tc no-sa); [ "$n" -ge 2 ] && ok "counters: forwarded tunnel traffic without SA dropped as no-sa ($n)" || fail "counters: no-sa" "got $n"
n=$(dp_counter xdp clear-text); [ "$n" -ge 1 ] && ok "counters: clear traffic from the tunnel's peer dropped as clear-text ($n)" || fail "counters: clear-text" "got $n"
check_eq "counters: clear IP-in-IP dropped at ALE (ale-block)" "$(dp_counter xdp ale-block)" 3

AB="local-addr 198.18.1.2 remote-addr 198.19.1.2"
agree "decide: host A -> host B without a tunnel SA blocked" out site-b-out:block $AB protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: host B -> host A in clear blocked" in site-b-in:block $AB protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: host A -> site-c subnet (IPv4 inner, IPv6 outer) blocked" out site-c-out:block local-addr 198.18.1.2 remote-addr 198.19.3.1 protocol tcp local-port 40000 remote-port 6000 tcp-flags syn
agree "decide: clear IP-in-IP from the peer gateway refused at ALE" in -:permit:site-b-ipip:block local-addr 198.18.0.1 remote-addr 198.19.0.1 protocol 4
agree "decide: clear IPv6-outer tunnel packet from site-c's peer refused" in -:permit:site-c-ipip:block local-addr 2001:db8:a::1 remote-addr 2001:db8:c::1 protocol 4
agree "decide: gateway-to-gateway ping not tunnelled" out -:permit:-:permit local-addr 198.18.0.1 remote-addr 198.19.0.1 protocol icmp icmp-type 8
agree "decide: host A -> gateway B not tunnelled" out -:permit:-:permit local-addr 198.18.1.2 remote-addr 198.19.0.1 protocol tcp local-port 40000 remote-port 6000 tcp-flags syn
agree "decide: IKE between the gateways exempt" in ike-exempt-500-in:permit:-:permit local-addr 198.18.0.1 remote-addr 198.19.0.1 protocol udp local-port 500 remote-port 500
agree "decide: with a tunnel SA host A -> host B is tunnelled" out site-b-out:secure:site-b-connect:permit $AB protocol tcp local-port 40000 remote-port 5001 tcp-flags syn -- ipsec-flags secured,encrypted
agree "decide: decrypted IP-in-IP from the peer gateway accepted" in -:permit:site-b-ipip:permit local-addr 198.18.0.1 remote-addr 198.19.0.1 protocol 4 -- ipsec-flags secured,encrypted
check_eq "policy: site-b clears DF on the outer header, site-c does not" \
	"$("$XFP" policy show "$SCN_POL" -n -j | json_get - '[(q["name"], q["flags"]) for q in j["qm_policies"]]')" \
	"[('site-b', ['clear-df']), ('site-c', [])]"
done_testing
