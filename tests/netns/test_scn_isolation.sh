#!/usr/bin/env bash
# test_scn_isolation.sh - the seed's sample isolation policy (spec 0),
# policy/examples/isolation.pol on hosts A and B: AH with SHA-1 at the
# IPsec layer, negotiation discovery for all traffic at the transport
# layers, IPsec required for every inbound connection at ALE (ICMP exempt).
# D has no policy and no SA.
#  - D reaches neither A nor B: its connections arrive in clear and are
#    refused at ale-auth-recv-accept;
#  - A and B can still initiate to D in clear (negotiation discovery falls
#    back to clear, D's answers belong to those flows);
#  - A and B talk to each other over AH: needs the crypto hand-off in the
#    datapath (pending); without it, their new connections arrive in clear
#    and are refused like D's, and the AH cases are decided by the
#    reference only (docs/scenarios.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts 3
scn_attach "$XFP_SRCDIR/policy/examples/isolation.pol"
check "attach xfp on B, load isolation.pol" sh -c "ip netns exec $B $XFP attach $DB && ip netns exec $B $XFP policy load $SCN_POL dev $DB"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"
srv_start "$D" || fail "server on D" "not ready"

cap_start iso
tcp_allowed "allowed: tcp A->D 5001 in clear (ND fallback)" "$A" 198.18.0.3 5001
tcp_allowed "allowed: tcp6 A->D 5555 in clear" "$A" 2001:db8::3 5555
tcp_allowed "allowed: tcp B->D 6000 in clear" "$B" 198.18.0.3 6000
check "allowed: ping D->A (icmp exemption)" nsx "$D" ping -c 2 -i 0.2 -W 2 198.18.0.1
tcp_blocked "blocked: tcp D->A 5001 (require-accept)" "$D" 198.18.0.1 5001
tcp_blocked "blocked: tcp6 D->A 5555 (require-accept)" "$D" 2001:db8::1 5555
tcp_blocked "blocked: tcp D->B 5001 (require-accept on B)" "$D" 198.18.0.2 5001
check_eq "blocked: udp D->A 5002 (require-accept)" "$(udp_try "$D" 198.18.0.1 5002 3)" 0
tcp_blocked "blocked without an AH SA: tcp B->A 5001 arrives in clear" "$B" 198.18.0.1 5001
cap_stop

check_eq "app: D accepted A's two and B's one connection" \
	"$(srv_got "$D" tcp 5001 198.18.0.1)/$(srv_got "$D" tcp 5555 2001:db8::1)/$(srv_got "$D" tcp 6000 198.18.0.2)" 1/1/1
check_eq "app: A and B accepted nothing" "$(cat "$TMPD/srv.$A.log" "$TMPD/srv.$B.log" | grep -c .)" 0
check_eq "wire: A answered none of D's or B's connections" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==1 && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
n=$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && (ip.dst==198.18.0.1 || ipv6.dst==2001:db8::1)')
[ "$n" -ge 3 ] && ok "wire: the refused SYNs did reach A ($n)" || fail "wire: refused SYNs reached A" "got $n"
check_eq "wire: A's connections to D went out in clear" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 2
check_eq "wire: no udp echo from A" "$(wire 'udp.srcport==5002')" 0
n=$(dp_counter xdp ale-block); [ "$n" -ge 4 ] && ok "counters: A dropped them at ALE (ale-block $n)" || fail "counters: ale-block" "got $n"
n=$(nsx "$B" "$XFP" stats -j "$DB" | json_get - 'j["drop_reasons"]["ale-block"]["packets"]')
[ "$n" -ge 1 ] && ok "counters: B dropped D's connection at ALE ($n)" || fail "counters: B ale-block" "got $n"

AD="local-addr 198.18.0.1 remote-addr 198.18.0.3"
AB="local-addr 198.18.0.1 remote-addr 198.18.0.2"
agree "decide: D's clear SYN refused" in nd-in:permit:require-accept:block $AD protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: D's clear udp refused" in nd-in:permit:require-accept:block $AD protocol udp local-port 5002 remote-port 40000
agree "decide: D's clear SYN v6 refused" in nd-in:permit:require-accept:block local-addr 2001:db8::1 remote-addr 2001:db8::3 protocol tcp local-port 5555 remote-port 40000 tcp-flags syn
agree "decide: A's SYN to D goes clear" out nd-out:permit:-:permit $AD protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: D's answer accepted in clear" in nd-in:permit $AD protocol tcp local-port 40000 remote-port 5001 tcp-flags syn-ack
agree "decide: D's ping exempt" in icmp-in:permit:icmp-accept:permit $AD protocol icmp icmp-type 8
agree "decide: B's SYN over AH accepted" in nd-in:permit:require-accept:permit $AB protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- ipsec-flags secured
agree "decide: A's SYN to B leaves over AH once the SA exists" out nd-out:secure:-:permit $AB protocol tcp local-port 40000 remote-port 5001 tcp-flags syn -- ipsec-flags secured
agree "decide: A<->B flow never back to clear" in nd-in:block $AB protocol tcp local-port 5001 remote-port 40000 -- flow-was-secured
check_eq "policy: the quick-mode proposal is AH with SHA-1" "$("$XFP" policy show "$SCN_POL" -n | grep -c '^qm-policy add qm-ah-sha1 transport proposal ah sha1 ')" 1
done_testing
