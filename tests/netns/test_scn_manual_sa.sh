#!/usr/bin/env bash
# test_scn_manual_sa.sh - manual SAs (spec 1.7, 7), policy
# policy/examples/manual-sa.pol on host A (198.18.0.1): transport filters
# with local/remote address conditions for B (198.18.0.2, SA host-b) and
# for D (198.18.0.3, SA host-c), ICMP exempt.  Everything else is not
# selected (IPv6 included) and follows the default permit.
#
# Part 1, xfp's datapath with the policy committed: clear text between A
# and B/D is dropped both ways and never crosses the wire; the rest passes.
# Part 2, the same SAs loaded into the AF_XDP crypto worker (`xfp sa load`
# of the same policy file; the worker's stand-in programs decide what to
# secure, since its hand-off is not yet wired into the policy datapath):
# ESP on the wire, decrypted by tshark with the policy's keys, and
# deleting the SA stops the traffic it carried at once, without a clear
# packet.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scn_lib.sh"
need ip ping tcpdump tshark sh "$XFP" "$PY"

scn_hosts 3
cp "$XFP_SRCDIR/policy/examples/manual-sa.pol" "$TMPD/"
sh "$XFP_SRCDIR/policy/examples/make-keys.sh" "$TMPD" >/dev/null || fail "make-keys.sh" "failed"
scn_attach "$TMPD/manual-sa.pol"
srv_start "$A" || fail "server on A" "not ready"
srv_start "$B" || fail "server on B" "not ready"
srv_start "$D" || fail "server on D" "not ready"

cap_start manual1
check "allowed: ping A->B (icmp exemption)" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2
tcp_allowed "allowed: tcp6 B->A 5001 (not selected: the SA filters are IPv4)" "$B" 2001:db8::1 5001
tcp_allowed "allowed: tcp6 A->D 5555 (not selected)" "$A" 2001:db8::3 5555
tcp_blocked "blocked: tcp B->A 5001 in clear (b-in, SA host-b required)" "$B" 198.18.0.1 5001
tcp_blocked "blocked: tcp A->B 5001 (b-out: only over SA host-b)" "$A" 198.18.0.2 5001
tcp_blocked "blocked: tcp D->A 5555 in clear (c-in, SA host-c required)" "$D" 198.18.0.1 5555
check_eq "blocked: udp A->D 5002 (c-out)" "$(udp_try "$A" 198.18.0.3 5002 3)" 0
cap_stop
check_eq "app: A got tcp6 from B only" "$(grep -c '^tcp' "$TMPD/srv.$A.log")/$(srv_got "$A" tcp 5001 2001:db8::2)" 1/1
check_eq "app: B got nothing over IPv4 from A" "$(grep -c ' 198.18.0.1$' "$TMPD/srv.$B.log")" 0
check_eq "app: D got the tcp6 connection, no udp" "$(srv_got "$D" tcp 5555 2001:db8::1)/$(srv_got "$D" udp 5002 198.18.0.1)" 1/0
check_eq "wire: nothing but ICMP left A for B or D over IPv4" "$(wire 'ip.src==198.18.0.1 && !icmp')" 0
n=$(wire 'tcp.flags.syn==1 && (ip.src==198.18.0.2 || ip.src==198.18.0.3) && ip.dst==198.18.0.1')
[ "$n" -ge 2 ] && ok "wire: B's and D's clear SYNs reached A ($n)" || fail "wire: clear SYNs reached A" "got $n"
check_eq "wire: A answered B's tcp6 in clear" "$(wire 'tcp.flags.syn==1 && tcp.flags.ack==1 && ipv6.src==2001:db8::1')" 1
n=$(dp_counter xdp clear-text); [ "$n" -ge 2 ] && ok "counters: clear-text drops ($n)" || fail "counters: clear-text" "got $n"
n=$(dp_counter tc no-worker); [ "$n" -ge 2 ] && ok "counters: traffic for an SA not sent in clear (no-worker, $n)" || fail "counters: no-worker" "got $n"

L="local-addr 198.18.0.1"
agree "decide: clear from B blocked" in b-in:block $L remote-addr 198.18.0.2 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: clear from D blocked" in c-in:block $L remote-addr 198.18.0.3 protocol tcp local-port 5555 remote-port 40000 tcp-flags syn
agree "decide: to B leaves over SA host-b" out b-out:secure:-:permit $L remote-addr 198.18.0.2 protocol tcp local-port 40000 remote-port 5001 tcp-flags syn
agree "decide: to D leaves over SA host-c" out c-out:secure:-:permit $L remote-addr 198.18.0.3 protocol udp local-port 40000 remote-port 5002
agree "decide: ping to B exempt" out icmp-out:permit:-:permit $L remote-addr 198.18.0.2 protocol icmp icmp-type 8
agree "decide: another peer not selected" in -:permit:-:permit $L remote-addr 198.18.0.4 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: IPv6 not selected" in -:permit:-:permit local-addr 2001:db8::1 remote-addr 2001:db8::2 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn
agree "decide: from B over SA host-b accepted" in b-in:permit:-:permit $L remote-addr 198.18.0.2 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- sa host-b
agree "decide: from B over SA host-c refused (wrong SA)" in b-in:block $L remote-addr 198.18.0.2 protocol tcp local-port 5001 remote-port 40000 tcp-flags syn -- sa host-c

# Part 2: the policy's SAs in the crypto worker.
check "detach xfp from A" nsx "$A" "$XFP" detach "$DA"
cat >"$TMPD/host-a.pol" <<'POL'
filter add a-in layer inbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action inbound-transport
filter add a-out layer outbound-transport local-addr-type unicast \
	local-addr 198.18.0.2 remote-addr 198.18.0.1 action outbound-transport
sa add host-a filter a-out inbound-filter a-in \
	spi-in 0x00002001 spi-out 0x00001001 alg aes128gcm16 \
	key-file host-b.peer.keys lifetime 3600s
POL
umask 077
worker_up "$A" "$DA" || fail "worker on A" "did not start"
worker_up "$B" "$DB" || fail "worker on B" "did not start"
check "sa load manual-sa.pol on A" nsx "$A" "$XFP" sa load "$DA" "$TMPD/manual-sa.pol"
check "sa load the mirror policy on B" nsx "$B" "$XFP" sa load "$DB" "$TMPD/host-a.pol"
cap_start manual2
tcp_allowed "allowed over SA host-b: tcp B->A 5001" "$B" 198.18.0.1 5001
tcp_allowed "allowed over SA host-b: tcp A->B 6000" "$A" 198.18.0.2 6000
check_eq "allowed over SA host-b: udp A->B 5002, echoed" "$(udp_try "$A" 198.18.0.2 5002 3)" 3
check "delete SA host-b's outbound SA on A" nsx "$A" "$XFP" sa del "$DA" spi 0x2001 dir out
tcp_blocked "blocked after sa del: tcp A->B 6000" "$A" 198.18.0.2 6000
check_eq "blocked after sa del: udp A->B 5002" "$(udp_try "$A" 198.18.0.2 5002 3)" 0
check "delete SA host-a's outbound SA on B" nsx "$B" "$XFP" sa del "$DB" spi 0x1001 dir out
tcp_blocked "blocked after sa del: tcp B->A 5001" "$B" 198.18.0.1 5001
cap_stop
check_eq "app: A got B's connection once, B got A's connection and datagrams once" \
	"$(srv_got "$A" tcp 5001 198.18.0.2)/$(srv_got "$B" tcp 6000 198.18.0.1)/$(srv_got "$B" udp 5002 198.18.0.1)" 1/1/3
KB=$(awk '$1 == "outbound" { print $2 }' "$TMPD/host-b.keys")
KA=$(awk '$1 == "inbound" { print $2 }' "$TMPD/host-b.keys")
esp=$(wire 'esp')
dec=$(tshark -r "$CAP" -n -o esp.enable_encryption_decode:TRUE \
	-o "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"0x00002001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$KB\",\"NULL\",\"\"" \
	-o "uat:esp_sa:\"IPv4\",\"*\",\"*\",\"0x00001001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x$KA\",\"NULL\",\"\"" \
	-Y 'esp && (tcp || udp)' 2>/dev/null | wc -l)
[ "$esp" -ge 10 ] && ok "wire: the traffic crossed as ESP ($esp frames)" || fail "wire: ESP frames" "got $esp"
check_eq "wire: every ESP frame decrypts with the policy's keys" "$dec" "$esp"
check_eq "wire: no clear tcp/udp between A and B, before or after the delete" \
	"$(wire '(ip.addr==198.18.0.1 && ip.addr==198.18.0.2) && !esp && (tcp || udp)')" 0
check_eq "wire: SPIs on the wire are the policy's" "$(tshark -r "$CAP" -n -Y esp -T fields -e esp.spi 2>/dev/null | sort -u | tr '\n' ' ')" "0x00001001 0x00002001 "
done_testing
