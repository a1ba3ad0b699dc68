#!/usr/bin/env bash
# test_scn_nd_boundary.sh - negotiation discovery in boundary mode (spec
# 1.3), policy/examples/nd-boundary.pol on host A: IPsec is requested both
# ways, clear text is the fallback both ways, and there is no ALE filter,
# so B's new clear connections are accepted (unlike nd-transport.pol).
# What boundary mode blocks is a downgrade: a flow that became protected
# never goes back to clear, in either direction.  That needs per-flow
# IPsec state in the datapath, so it is decided here by the reference
# only; on the wire, traffic that claims protection with an SA A does not
# have (forged ESP/AH) is dropped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts
scn_attach "$XFP_SRCDIR/policy/examples/nd-boundary.pol"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"

cap_start boundary
tcp_allowed "allowed: tcp B->A 5001 in clear (no ALE filter)" "$B" 198.18.0.1 5001
tcp_allowed "allowed: tcp6 B->A 5555 in clear" "$B" 2001:db8::1 5555
check_eq "allowed: udp B->A 5002 in clear, echoed back" "$(udp_try "$B" 198.18.0.1 5002 3)" 3
tcp_allowed "allowed: tcp A->B 6000 in clear (outbound ND)" "$A" 198.18.0.2 6000
raw_ipsec "$B" 198.18.0.1 esp 0x7001 3
raw_ipsec "$B" 2001:db8::1 esp 0x7002 3
raw_ipsec "$B" 198.18.0.1 ah 0x7003 3
sleep 0.2
cap_stop

check_eq "app: A's servers got B's tcp 5001, tcp6 5555, 3 udp" \
	"$(srv_got "$A" tcp 5001 198.18.0.2)/$(srv_got "$A" tcp 5555 2001:db8::2)/$(srv_got "$A" udp 5002 198.18.0.2)" 1/1/3
check_eq "app: B's server got A's connection" "$(srv_got "$B" tcp 6000 198.18.0.1)" 1
check_eq "wire: A answered B's connections in clear (2 SYN-ACKs)" \
	"$(wire 'tcp.flags.syn==1 && tcp.flags.ack==1 && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 2
check_eq "wire: 3 clear udp echoes from A" "$(wire 'udp.srcport==5002 && ip.src==198.18.0.1')" 3
check_eq "wire: the 9 forged ESP/AH packets reached A" "$(wire '(esp || ah) && (ip.dst==198.18.0.1 || ipv6.dst==2001:db8::1)')" 9
check_eq "wire: A sent no ESP/AH" "$(wire '(esp || ah) && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
check_eq "blocked: forged ESP/AH dropped as no-sa (9 packets)" "$(dp_counter xdp no-sa)" 9
check_eq "counters: no clear-text or ALE drops in boundary mode" "$(dp_counter xdp clear-text)/$(dp_counter xdp ale-block)" 0/0

L4="local-addr 198.18.0.1 remote-addr 198.18.0.2"
L6="local-addr 2001:db8::1 remote-addr 2001:db8::2"
agree "decide: inbound clear SYN accepted" in nd-in:permit:-:permit $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: inbound clear SYN v6 accepted" in nd-in:permit:-:permit $L6 protocol tcp local-port 5555 remote-port 40000 tcp-flags syn
agree "decide: inbound clear udp accepted" in nd-in:permit:-:permit $L4 protocol udp local-port 5002 remote-port 40000
agree "decide: outbound clear SYN (negotiate-discover)" out nd-out:permit:-:permit $L4 protocol tcp local-port 40000 remote-port 6000 tcp-flags syn
agree "decide: outbound reply in clear" out nd-out:permit $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn-ack
agree "decide: secured flow never downgrades (inbound clear)" in nd-in:block $L4 protocol tcp local-port 5001 remote-port 40000 -- flow-was-secured
agree "decide: secured flow never downgrades (outbound clear)" out nd-out:block $L4 protocol tcp local-port 5001 remote-port 40000 -- flow-was-secured
agree "decide: secured flow v6 never downgrades" in nd-in:block $L6 protocol tcp local-port 5555 remote-port 40000 -- flow-was-secured
agree "decide: inbound clear after the allowance ran out" in nd-in:block $L4 protocol udp local-port 5002 remote-port 40000 -- nd-clear-expired
agree "decide: an SA is used when it exists" out nd-out:secure:-:permit $L4 protocol tcp local-port 40000 remote-port 6000 tcp-flags syn -- ipsec-flags secured,encrypted
done_testing
