#!/usr/bin/env bash
# test_scn_guaranteed_encryption.sh - guaranteed encryption (spec 1.5),
# policy/examples/guaranteed-encryption.pol on host A: negotiation
# discovery for everything, and TCP port 5555 requires an SA with a cipher
# at ALE in both directions (enc-accept: inbound connections to A's 5555;
# enc-connect: A's outbound connections from local port 5555).  AH and
# ESP-GMAC secure but do not encrypt, so they do not satisfy it; other
# ports still work over them.
# Live here: clear-text traffic (no SA).  Which SA a packet arrived on is
# not yet handed from the crypto worker to the datapath, so the AH / GMAC /
# GCM cases are decided by the reference only (docs/scenarios.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

scn_hosts
scn_attach "$XFP_SRCDIR/policy/examples/guaranteed-encryption.pol"
srv_start "$B" || fail "server on B" "not ready"

cap_start genc
# first, while nothing on A listens on 5555: A connects from local port 5555
if tcp_try "$A" 198.18.0.2 6000 5555; then
	fail "blocked: tcp A:5555->B in clear (enc-connect)" "connected"
else ok "blocked: tcp A:5555->B in clear (enc-connect)"; fi
srv_start "$A" || fail "server on A" "not ready"
tcp_allowed "allowed: tcp A->B 5001 in clear (ND outbound)" "$A" 198.18.0.2 5001
tcp_allowed "allowed: tcp6 A->B 6000 in clear (ND outbound)" "$A" 2001:db8::2 6000
check "allowed: ping B->A (icmp exemption)" nsx "$B" ping -c 2 -i 0.2 -W 2 198.18.0.1
tcp_blocked "blocked: tcp B->A 5555 in clear (enc-accept)" "$B" 198.18.0.1 5555
tcp_blocked "blocked: tcp6 B->A 5555 in clear (enc-accept)" "$B" 2001:db8::1 5555
tcp_blocked "blocked: tcp B->A 5001 in clear (nd-accept)" "$B" 198.18.0.1 5001
cap_stop

check_eq "app: B accepted A's 5001 and 6000 connections, not the one from 5555" \
	"$(srv_got "$B" tcp 5001 198.18.0.1)/$(srv_got "$B" tcp 6000 2001:db8::1)/$(srv_got "$B" tcp 6000 198.18.0.1)" 1/1/0
check_eq "app: A accepted nothing" "$(grep -c '^tcp' "$TMPD/srv.$A.log")" 0
check_eq "wire: no SYN from A's port 5555" "$(wire 'tcp.srcport==5555 && ip.src==198.18.0.1')" 0
check_eq "wire: A's SYN to 5001 went out in clear" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==5001 && ip.src==198.18.0.1')" 1
n=$(wire 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==5555 && (ip.src==198.18.0.2 || ipv6.src==2001:db8::2)')
[ "$n" -ge 2 ] && ok "wire: B's SYNs to 5555 reached A ($n)" || fail "wire: B's SYNs to 5555 reached A" "got $n"
check_eq "wire: A answered none of them" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==1 && (ip.src==198.18.0.1 || ipv6.src==2001:db8::1)')" 0
n=$(dp_counter xdp ale-block); [ "$n" -ge 3 ] && ok "counters: ingress ale-block ($n)" || fail "counters: ingress ale-block" "got $n"
n=$(dp_counter tc no-sa); [ "$n" -ge 1 ] && ok "counters: egress SYN from 5555 dropped at ale-auth-connect as no-sa ($n)" || fail "counters: egress no-sa" "got $n"

L4="local-addr 198.18.0.1 remote-addr 198.18.0.2"
L6="local-addr 2001:db8::1 remote-addr 2001:db8::2"
S5555="protocol tcp local-port 5555 remote-port 40000 tcp-flags syn"
agree "decide: clear SYN to 5555 refused" in nd-in:permit:enc-accept:block $L4 $S5555
agree "decide: clear SYN v6 to 5555 refused" in nd-in:permit:enc-accept:block $L6 $S5555
agree "decide: clear SYN to 5001 refused" in nd-in:permit:nd-accept:block $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: clear SYN from A's 5555 refused at connect" out nd-out:permit:enc-connect:block $L4 $S5555
agree "decide: clear SYN from A's 40000 goes out (ND)" out nd-out:permit:-:permit $L4 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: 5555 over AH refused (not encrypted)" in nd-in:permit:enc-accept:block $L4 $S5555 -- ipsec-flags secured
agree "decide: 5555 over ESP-GMAC refused" in nd-in:permit:enc-accept:block $L4 $S5555 -- ipsec-flags secured
agree "decide: 5555 over ESP-GCM accepted" in nd-in:permit:enc-accept:permit $L4 $S5555 -- ipsec-flags secured,encrypted
agree "decide: 5001 over AH accepted (no encryption required)" in nd-in:permit:nd-accept:permit $L4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- ipsec-flags secured
agree "decide: connect from 5555 over AH refused" out nd-out:secure:enc-connect:block $L4 $S5555 -- ipsec-flags secured
agree "decide: connect from 5555 over ESP-GCM allowed" out nd-out:secure:enc-connect:permit $L4 $S5555 -- ipsec-flags secured,encrypted
done_testing
