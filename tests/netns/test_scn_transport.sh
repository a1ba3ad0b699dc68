#!/usr/bin/env bash
# test_scn_transport.sh - WFP transport mode (spec 1.1), policy
# policy/examples/transport.pol on host A: every unicast packet must be
# protected by an SA; the ICMP and IKE exemptions (weight range 12) pass in
# clear.  No SA is installed, so all other traffic between A and B is
# dropped in both directions, and none of it crosses the wire from A.
#
# Checked three ways for every case: what the application on the far side
# gets, a capture of the wire (the bridge port facing A), and the reference
# classifier and the eBPF tables deciding the same.  ESP flowing under the
# policy's SAs needs the crypto hand-off in the datapath (pending, see
# docs/scenarios.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts
scn_attach "$XFP_SRCDIR/policy/examples/transport.pol"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"

cap_start transport
# allowed: ICMP exemption (both families), IKE exemption (UDP 500, 4500)
check "allowed: ping B->A (icmp exemption)" nsx "$B" ping -c 2 -i 0.2 -W 2 198.18.0.1
check "allowed: ping6 A->B (icmp exemption)" nsx "$A" ping -6 -c 2 -i 0.2 -W 2 2001:db8::2
check_eq "allowed: IKE UDP 500 B->A, echoed back" "$(udp_try "$B" 198.18.0.1 500 3)" 3
check_eq "allowed: IKE UDP 4500 B->A, echoed back" "$(udp_try "$B" 198.18.0.1 4500 3)" 3
check_eq "allowed: IKE UDP 500 over IPv6 B->A, echoed back" "$(udp_try "$B" 2001:db8::1 500 3)" 3
# blocked: clear TCP/UDP either way
if tcp_try "$B" 198.18.0.1 5001; then fail "blocked: tcp B->A 5001 in clear" "connected"; else ok "blocked: tcp B->A 5001 in clear"; fi
if tcp_try "$A" 198.18.0.2 5001; then fail "blocked: tcp A->B 5001 in clear" "connected"; else ok "blocked: tcp A->B 5001 in clear"; fi
if tcp_try "$B" 2001:db8::1 5555; then fail "blocked: tcp6 B->A 5555 in clear" "connected"; else ok "blocked: tcp6 B->A 5555 in clear"; fi
check_eq "blocked: udp B->A 5002 in clear, no echo" "$(udp_try "$B" 198.18.0.1 5002 3)" 0
cap_stop

# what the applications got
check_eq "app: A's IKE server got B's datagrams (500, 4500, 500 v6)" \
	"$(srv_got "$A" udp 500 198.18.0.2)/$(srv_got "$A" udp 4500 198.18.0.2)/$(srv_got "$A" udp 500 2001:db8::2)" 3/3/3
check_eq "app: A's server accepted no tcp from B" "$(grep -c '^tcp' "$TMPD/srv.$A.log")" 0
check_eq "app: B's server accepted no tcp from A" "$(grep -c '^tcp' "$TMPD/srv.$B.log")" 0
check_eq "app: A's udp 5002 got nothing" "$(srv_got "$A" udp 5002 198.18.0.2)" 0

# the wire
check_eq "wire: ICMP echo replies from A" "$(wire 'icmp.type==0 && ip.src==198.18.0.1')" 2
check_eq "wire: ICMPv6 echo requests from A" "$(wire 'icmpv6.type==128 && ipv6.src==2001:db8::1')" 2
check_eq "wire: IKE answers from A in clear (500, 4500, 500 v6)" "$(wire '(udp.srcport==500 || udp.srcport==4500) && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 9
n=$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==198.18.0.2 && tcp.dstport==5001')
[ "$n" -ge 1 ] && ok "wire: B's SYNs to A reached A ($n)" || fail "wire: B's SYNs to A reached A" "none captured"
check_eq "wire: no TCP at all from A (no SYN-ACK, no SYN)" "$(wire 'tcp && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
check_eq "wire: no UDP 5002 echo from A" "$(wire 'udp.srcport==5002')" 0
check_eq "wire: nothing from A in clear but ICMP and IKE" \
	"$(wire '(ip.src==198.18.0.1 || ipv6.src==2001:db8::1) && !icmp && !icmpv6 && !(udp.port==500 || udp.port==4500) && !arp')" 0

# the counters say why
n=$(dp_counter xdp clear-text); [ "$n" -ge 4 ] && ok "counters: inbound clear text dropped as clear-text ($n)" || fail "counters: clear-text" "got $n"
n=$(dp_counter tc no-sa); [ "$n" -ge 1 ] && ok "counters: outbound without SA dropped as no-sa ($n)" || fail "counters: no-sa" "got $n"

# the decisions, reference and eBPF tables
L4="local-addr 198.18.0.1 remote-addr 198.18.0.2"
L6="local-addr 2001:db8::1 remote-addr 2001:db8::2"
agree "decide: inbound ping is exempt" in icmp-in:permit:-:permit $L4 protocol icmp icmp-type 8
agree "decide: outbound ping6 is exempt" out icmp-out:permit:-:permit $L6 protocol icmpv6 icmp-type 128
agree "decide: inbound IKE 500 is exempt" in ike-exempt-500-in:permit:-:permit $L4 protocol udp local-port 500 remote-port 500
agree "decide: outbound IKE 4500 is exempt" out ike-exempt-4500-out:permit:-:permit $L4 protocol udp local-port 4500 remote-port 4500
agree "decide: inbound clear SYN blocked (clear-text)" in secure-in:block $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: inbound clear SYN v6 blocked" in secure-in:block $L6 protocol tcp local-port 5555 remote-port 40000 tcp-flags syn
agree "decide: outbound SYN without SA blocked (no-sa)" out secure-out:block $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: outbound udp without SA blocked" out secure-out:block $L4 protocol udp local-port 40000 remote-port 5002
agree "decide: inbound tcp over an SA is permitted" in secure-in:permit:-:permit $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- ipsec-flags secured,encrypted
agree "decide: outbound tcp with an SA leaves secured" out secure-out:secure:-:permit $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn -- ipsec-flags secured,encrypted
done_testing
