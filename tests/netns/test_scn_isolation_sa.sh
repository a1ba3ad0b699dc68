#!/usr/bin/env bash
# test_scn_isolation_sa.sh - the seed's sample isolation policy (spec 8,
# policy/examples/isolation.pol) with real AH SAs: hosts A and B both run
# the policy plus a manual AH HMAC-SHA-1 SA with each other, bound to
# transport filters of their own; host D runs nothing.
#
#   allowed: A and B talk over AH (TCP both ways, UDP echoed);
#            A and B initiate to D in clear (negotiation discovery);
#   blocked: D reaches neither A nor B (require-accept refuses the clear
#            first packet at ALE), TCP and UDP.
#
# Checked by the servers' logs, the drop counters and the wire (frames
# between A and B are AH, with the transport header readable).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
. "$(dirname "$0")/scn_lib.sh"
trap _esp_cleanup EXIT # workers get SIGTERM (esp_lib.sh)
need ip tcpdump tshark "$XFP" "$PY"

EX=$(cd "$(dirname "$0")/../../policy/examples" && pwd)
scn_hosts 3
export XFP_RUNDIR=$TMPD/run
mkdir -p -m 0700 "$XFP_RUNDIR"
umask 077
AB=$((0x7301)) BA=$((0x7302))
pair_keys "$AB" "$BA" 20
# pol SELF PEER SPIIN SPIOUT KEYS
pol() {
	cat "$EX/isolation.pol"
	cat <<EOF
filter add p-in layer inbound-transport local-addr $1 remote-addr $2 action inbound-transport context persist-connection-security
filter add p-out layer outbound-transport local-addr $1 remote-addr $2 action outbound-transport context negotiate-discover
sa add peer filter p-out inbound-filter p-in spi-in $3 spi-out $4 alg sha1 key-file $5
EOF
}
pol 198.18.0.1 198.18.0.2 "$BA" "$AB" a.keys >"$TMPD/a.pol"
pol 198.18.0.2 198.18.0.1 "$AB" "$BA" b.keys >"$TMPD/b.pol"
for h in "A:$DA" "B:$DB"; do
	n=${h%%:*} dev=${h#*:}
	eval "ns=\$$n"
	check "attach xfp on $n" nsx "$ns" "$XFP" attach "$dev"
	worker_start "$ns" "$dev" || { fail "worker on $n starts" "see log"; done_testing; }
done
check "A: isolation policy + AH SA with B" nsx "$A" "$XFP" policy load "$TMPD/a.pol" dev "$DA"
check "B: isolation policy + AH SA with A" nsx "$B" "$XFP" policy load "$TMPD/b.pol" dev "$DB"
for ns in "$A" "$B" "$D"; do srv_start "$ns" 5001 5002 || fail "server starts" "$ns"; done

# tcp_case NAME FROM TO-NS TO-ADDR FROM-ADDR allowed|refused
tcp_case() {
	local name=$1 from=$2 to=$3 addr=$4 src=$5 want=$6 b a got
	b=$(srv_got "$to" tcp 5001 "$src")
	if tcp_try "$from" "$addr" 5001; then got=allowed; else got=refused; fi
	a=$(srv_got "$to" tcp 5001 "$src")
	if [ "$want" = allowed ]; then
		check_eq "$name: allowed (the server got it)" "$got/$((a - b))" allowed/1
	else
		check_eq "$name: refused (the server got nothing)" "$got/$((a - b))" refused/0
	fi
}

cap_start iso || fail "tcpdump starts" ""
tcp_case "TCP A->B over AH" "$A" "$B" 198.18.0.2 198.18.0.1 allowed
tcp_case "TCP B->A over AH" "$B" "$A" 198.18.0.1 198.18.0.2 allowed
check_eq "UDP B->A over AH: 5 echoes" "$(udp_try "$B" 198.18.0.1 5002 5)" 5
tcp_case "TCP A->D in clear (ND)" "$A" "$D" 198.18.0.3 198.18.0.1 allowed
tcp_case "TCP B->D in clear (ND)" "$B" "$D" 198.18.0.3 198.18.0.2 allowed
a0=$(dp_counter xdp ale-block)
tcp_case "TCP D->A" "$D" "$A" 198.18.0.1 198.18.0.3 refused
tcp_case "TCP D->B" "$D" "$B" 198.18.0.2 198.18.0.3 refused
check_eq "UDP D->A: no echo" "$(udp_try "$D" 198.18.0.1 5002 3)" 0
a1=$(dp_counter xdp ale-block)
[ "$a1" -gt "$a0" ] && ok "D's first packets refused at A's ALE as ale-block ($a0 -> $a1)" ||
	fail "ale-block counted at A" "$a0 -> $a1"
cap_stop
check_eq "0 clear-text frames between A and B" "$(clear_count "$CAP")" 0
total=$(wire 'ip.addr==198.18.0.1 && ip.addr==198.18.0.2')
ah=$(wire 'ip.addr==198.18.0.1 && ip.addr==198.18.0.2 && ah && (tcp || udp)')
if [ "$total" -gt 10 ] && [ "$ah" = "$total" ]; then
	ok "all $total frames between A and B are AH with the transport header readable"
else
	fail "frames between A and B are AH" "total=$total ah=$ah"
fi
n=$(wire 'ip.src==198.18.0.1 && ip.dst==198.18.0.3 && tcp.flags.syn==1 && !ah')
[ "$n" -ge 1 ] && ok "A's SYN to D crossed in clear" || fail "A's SYN to D in clear" "$n"
done_testing
