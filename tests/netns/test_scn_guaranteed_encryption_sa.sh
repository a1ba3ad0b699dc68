#!/usr/bin/env bash
# test_scn_guaranteed_encryption_sa.sh - guaranteed encryption (spec 1.5)
# over real SAs.  Host A runs policy/examples/guaranteed-encryption.pol
# plus a manual SA with host B bound to two transport filters of its own;
# B runs a plain manual-SA policy.  Both run the datapath and the worker.
# The same cases are tried over three transforms, one after the other:
#
#   ESP AES-GCM (encrypts)     TCP B->A 5555, B->A 5001, A:5555->B all pass
#   AH HMAC-SHA-256            B->A 5555 refused at ALE (enc-accept), B->A
#                              5001 passes, A:5555->B refused at ALE connect
#   ESP AES-GMAC (no cipher)   B->A 5555 refused, B->A 5001 passes
#
# The decrypted packets are judged on A's stack side (xfp_xsk_meta) in
# the protection context of the SA they came over; the outbound connect in
# the context of the SA that will carry it.  Checked by what the servers
# got, by the drop counters, and on the wire: nothing between A and B in
# clear, and the transform the phase uses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
. "$(dirname "$0")/scn_lib.sh"
trap _esp_cleanup EXIT # workers get SIGTERM (esp_lib.sh)
need ip tcpdump tshark "$XFP" "$PY"

EX=$(cd "$(dirname "$0")/../../policy/examples" && pwd)
esp_hosts
xfp_both
# A's port 5555 is listened on only while a case needs it: A's own
# connections from local port 5555 need the port free.
srv_start "$A" 5001 5002 || fail "server on A starts" ""
srv_start "$B" 5001,5555 5002 || fail "server on B starts" ""
cat >"$TMPD/once.py" <<'EOF'
import socket, sys
port, out, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port)); s.listen(4); s.settimeout(3)
open(ready, "w").close()
try:
    c, a = s.accept()
    c.sendall(b"hi\n")
    open(out, "a").write("tcp %d %s\n" % (port, a[0].replace("::ffff:", "")))
    c.close()
except OSError:
    pass
EOF
# once_start PORT / once_wait: a listener on A for one connection (3 s).
once_start() {
	rm -f "$TMPD/once.ready"
	nsx "$A" "$PY" "$TMPD/once.py" "$1" "$TMPD/srv.$A.log" "$TMPD/once.ready" &
	ONCE=$!
	for i in $(seq 30); do [ -e "$TMPD/once.ready" ] && break; sleep 0.1; done
}
once_wait() { wait "$ONCE" 2>/dev/null; }

# xsk_drops REASON: drops of decrypted packets on A's stack side.
xsk_drops() {
	nsx "$A" "$XFP" stats -j "$DA" | json_get - "j.get('xsk_tc', {}).get('drop_reasons', {}).get('$1', {}).get('packets', 0)"
}
tc_drops() { dp_counter tc "$1"; }

# phase ALG KEYLEN SPI_AB SPI_BA: both policies with SAs of ALG.
phase() {
	local alg=$1 len=$2 ab=$3 ba=$4
	pair_keys "$ab" "$ba" "$len" "-$alg"
	{
		cat "$EX/guaranteed-encryption.pol"
		cat <<EOF
filter add b-in layer inbound-transport local-addr-type unicast local-addr 198.18.0.1 remote-addr 198.18.0.2 action inbound-transport context persist-connection-security
filter add b-out layer outbound-transport local-addr-type unicast local-addr 198.18.0.1 remote-addr 198.18.0.2 action outbound-transport context negotiate-discover
sa add host-b filter b-out inbound-filter b-in spi-in $ba spi-out $ab alg $alg key-file a-$alg.keys
EOF
	} >"$TMPD/a-$alg.pol"
	cat >"$TMPD/b-$alg.pol" <<EOF
filter add a-in layer inbound-transport local-addr 198.18.0.2 remote-addr 198.18.0.1 action inbound-transport
filter add a-out layer outbound-transport local-addr 198.18.0.2 remote-addr 198.18.0.1 action outbound-transport
sa add host-a filter a-out inbound-filter a-in spi-in $ab spi-out $ba alg $alg key-file b-$alg.keys
EOF
	check "$alg: policy load on A" nsx "$A" "$XFP" policy load "$TMPD/a-$alg.pol" dev "$DA"
	check "$alg: policy load on B" nsx "$B" "$XFP" policy load "$TMPD/b-$alg.pol" dev "$DB"
}

# accepted NAME NS ADDR PORT [SPORT] / refused ...: the connection is (not)
# answered, and the far server logged it (or did not).
accepted() {
	local name=$1 ns=$2 addr=$3 port=$4 sport=${5:-} srv peer before
	if [ "$ns" = "$A" ]; then srv=$B peer=198.18.0.1; else srv=$A peer=198.18.0.2; fi
	before=$(srv_got "$srv" tcp "$port" "$peer")
	[ "$srv" = "$A" ] && [ "$port" = 5555 ] && once_start 5555
	if tcp_try "$ns" "$addr" "$port" $sport; then r=0; else r=1; fi
	[ "$srv" = "$A" ] && [ "$port" = 5555 ] && once_wait
	if [ "$r" = 0 ]; then
		check_eq "$name: accepted, the server got it" "$(srv_got "$srv" tcp "$port" "$peer")" $((before + 1))
	else
		fail "$name: accepted" "no answer"
	fi
}
refused() {
	local name=$1 ns=$2 addr=$3 port=$4 sport=${5:-} srv peer before
	if [ "$ns" = "$A" ]; then srv=$B peer=198.18.0.1; else srv=$A peer=198.18.0.2; fi
	before=$(srv_got "$srv" tcp "$port" "$peer")
	[ "$srv" = "$A" ] && [ "$port" = 5555 ] && once_start 5555
	if tcp_try "$ns" "$addr" "$port" $sport; then r=0; else r=1; fi
	[ "$srv" = "$A" ] && [ "$port" = 5555 ] && once_wait
	if [ "$r" = 0 ]; then
		fail "$name: refused" "the connection was answered"
	else
		check_eq "$name: refused, the server got nothing" "$(srv_got "$srv" tcp "$port" "$peer")" "$before"
	fi
}

# wire_only PROTO: every frame between A and B is PROTO (esp or ah).
wire_only() {
	local total p
	total=$(wire '(ip.addr==198.18.0.1 && ip.addr==198.18.0.2)')
	p=$(wire "(ip.addr==198.18.0.1 && ip.addr==198.18.0.2) && $1")
	check_eq "$2: 0 clear-text frames between A and B" "$(clear_count "$CAP")" 0
	if [ "$total" -gt 0 ] && [ "$p" = "$total" ]; then
		ok "$2: all $total frames between A and B are ${1^^}"
	else
		fail "$2: all frames between A and B are ${1^^}" "total=$total $1=$p"
	fi
}

# ESP AES-GCM: encrypted, everything passes.
phase aes128gcm16 20 $((0x6101)) $((0x6102))
cap_start gcm || fail "gcm: tcpdump starts" ""
accepted "gcm: TCP B->A 5555 (enc-accept, SA encrypts)" "$B" 198.18.0.1 5555
accepted "gcm: TCP B->A 5001 (nd-accept over an SA)" "$B" 198.18.0.1 5001
accepted "gcm: TCP A:5555->B 5001 (enc-connect, SA encrypts)" "$A" 198.18.0.2 5001 5555
sleep 1.2 # tcpdump gets packets in blocks up to 1 s late
cap_stop
wire_only esp gcm
read -r total dec <<<"$(esp_decrypt_check "$CAP" aes128gcm16 4 $((0x6101)) $((0x6102)))"
if [ "${total:-0}" -gt 0 ] && [ "$total" = "$dec" ]; then
	ok "gcm: all $total ESP frames decrypt in tshark"
else
	fail "gcm: every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
fi

# AH: secured, not encrypted.
phase sha256 32 $((0x6201)) $((0x6202))
cap_start ah || fail "ah: tcpdump starts" ""
x0=$(xsk_drops ale-block)
refused "ah: TCP B->A 5555 (enc-accept needs encryption)" "$B" 198.18.0.1 5555
x1=$(xsk_drops ale-block)
if [ "$x1" -gt "$x0" ]; then
	ok "ah: the SYN over AH is dropped on A's stack side as ale-block ($x0 -> $x1)"
else
	fail "ah: ale-block counted for the SYN over AH" "$x0 -> $x1"
fi
accepted "ah: TCP B->A 5001 (no encryption required)" "$B" 198.18.0.1 5001
t0=$(tc_drops ale-block)
refused "ah: TCP A:5555->B 5001 (enc-connect needs encryption)" "$A" 198.18.0.2 5001 5555
t1=$(tc_drops ale-block)
if [ "$t1" -gt "$t0" ]; then
	ok "ah: A's connect from 5555 dropped at ALE connect as ale-block ($t0 -> $t1)"
else
	fail "ah: ale-block counted at A's egress" "$t0 -> $t1"
fi
accepted "ah: TCP A:6000->B 5001 (other ports over AH)" "$A" 198.18.0.2 5001 6000
cap_stop
wire_only ah ah

# ESP AES-GMAC: ESP, but integrity only.
phase aes128gmac 20 $((0x6301)) $((0x6302))
cap_start gmac || fail "gmac: tcpdump starts" ""
refused "gmac: TCP B->A 5555 (GMAC does not encrypt)" "$B" 198.18.0.1 5555
accepted "gmac: TCP B->A 5001" "$B" 198.18.0.1 5001
refused "gmac: TCP A:5555->B 5001" "$A" 198.18.0.2 5001 5555
cap_stop
wire_only esp gmac
done_testing
