#!/usr/bin/env bash
# test_scn_nd.sh - negotiation discovery transport mode (spec 1.2),
# policy/examples/nd-transport.pol on host A.  With no SA for B:
#  - A's new outbound connections go out in clear (negotiate-discover) and
#    B's answers are accepted (persist-connection-security, flow never
#    secured, inside the nd-allow-clear-timeout);
#  - B's new inbound connections are refused at ALE recv-accept
#    (inbound-initiate-secure): they are not protected;
#  - ICMP is exempt at the transport layers and at ALE.
# The rest of ND (acquire events, switching a flow to an SA, never
# downgrading, the clear allowance running out) needs per-flow IPsec state
# in the datapath: decided here by the reference only (docs/scenarios.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts
scn_attach "$XFP_SRCDIR/policy/examples/nd-transport.pol"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"

cap_start nd
tcp_allowed "allowed: tcp A->B 5001 in clear (outbound ND)" "$A" 198.18.0.2 5001
tcp_allowed "allowed: tcp6 A->B 5555 in clear (outbound ND)" "$A" 2001:db8::2 5555
check "allowed: ping B->A (icmp exemption, also at ALE)" nsx "$B" ping -c 2 -i 0.2 -W 2 198.18.0.1
tcp_blocked "blocked: tcp B->A 5001 in clear (ALE initiate-secure)" "$B" 198.18.0.1 5001
tcp_blocked "blocked: tcp6 B->A 5555 in clear (ALE initiate-secure)" "$B" 2001:db8::1 5555
check_eq "blocked: udp B->A 5002 in clear, no echo" "$(udp_try "$B" 198.18.0.1 5002 3)" 0
cap_stop

check_eq "app: B's server accepted A's two connections" "$(srv_got "$B" tcp 5001 198.18.0.1)/$(srv_got "$B" tcp 5555 2001:db8::1)" 1/1
check_eq "app: A's servers got nothing from B" "$(grep -c . "$TMPD/srv.$A.log")" 0
n=$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==198.18.0.1 && tcp.dstport==5001')
check_eq "wire: A's SYN to B went out in clear" "$n" 1
n=$(wire 'tcp.payload && ipv6.src==2001:db8::2 && tcp.srcport==5555')
check_eq "wire: B's clear reply over IPv6 reached A" "$n" 1
n=$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==198.18.0.2 && tcp.dstport==5001')
[ "$n" -ge 1 ] && ok "wire: B's SYNs reached A ($n)" || fail "wire: B's SYNs reached A" "none"
check_eq "wire: A answered none of B's connections (no SYN-ACK)" \
	"$(wire 'tcp.flags.syn==1 && tcp.flags.ack==1 && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
check_eq "wire: no udp echo from A" "$(wire 'udp.srcport==5002 && ip.src==198.18.0.1')" 0
n=$(dp_counter xdp ale-block); [ "$n" -ge 3 ] && ok "counters: inbound clear connections dropped as ale-block ($n)" || fail "counters: ale-block" "got $n"

L4="local-addr 198.18.0.1 remote-addr 198.18.0.2"
L6="local-addr 2001:db8::1 remote-addr 2001:db8::2"
agree "decide: outbound SYN without SA goes clear" out nd-out:permit:-:permit $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: outbound SYN v6 without SA goes clear" out nd-out:permit:-:permit $L6 protocol tcp local-port 40000 remote-port 5555 tcp-flags syn
agree "decide: inbound clear answer of that flow accepted" in nd-in:permit $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn-ack
agree "decide: inbound ping exempt at transport and ALE" in icmp-in:permit:icmp-accept:permit $L4 protocol icmp icmp-type 8
agree "decide: inbound clear SYN refused at ALE" in nd-in:permit:nd-accept:block $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: inbound clear SYN v6 refused at ALE" in nd-in:permit:nd-accept:block $L6 protocol tcp local-port 5555 remote-port 40000 tcp-flags syn
agree "decide: inbound clear udp refused at ALE" in nd-in:permit:nd-accept:block $L4 protocol udp local-port 5002 remote-port 40000
agree "decide: inbound SYN over an SA accepted" in nd-in:permit:nd-accept:permit $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- ipsec-flags secured,encrypted
agree "decide: outbound with an SA leaves secured" out nd-out:secure:-:permit $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn -- ipsec-flags secured,encrypted
agree "decide: secured flow never downgrades (outbound clear)" out nd-out:block $L4 protocol tcp local-port 40000 remote-port 5001 -- flow-was-secured
agree "decide: secured flow never downgrades (inbound clear)" in nd-in:block $L4 protocol tcp local-port 40000 remote-port 5001 -- flow-was-secured
agree "decide: inbound clear after nd-allow-clear-timeout" in nd-in:block $L4 protocol tcp local-port 40000 remote-port 5001 -- nd-clear-expired
# the timeout the datapath must apply: 10 s from the qm-policy
out=$("$XFP" policy show "$SCN_POL" -j -n | json_get - '[q["nd_allow_clear_timeout"] for q in j["qm_policies"] if q["name"]=="qm-nd"][0]' 2>&1)
check_eq "policy: nd-allow-clear-timeout of qm-nd is 10 s" "$out" 10
done_testing
