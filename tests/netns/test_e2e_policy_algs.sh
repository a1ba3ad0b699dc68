#!/usr/bin/env bash
# test_e2e_policy_algs.sh - the whole system (xfp attach + worker + policy
# load with manual SAs, as test_e2e_policy_esp.sh) for other transforms and
# IPv6: AES-256-GCM over IPv6, ChaCha20-Poly1305 over IPv4, AH with
# HMAC-SHA-256 over IPv4.  For each: ping and a 1 MiB TCP transfer (sha256
# compared at the far end), no clear text of the protected pair on the
# wire, every ESP frame decrypting in tshark with the policy's keys (AH:
# every frame of the pair is AH, its ICV checked by tshark), and the SA
# counters equal on both ends.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

esp_hosts
esp_pyhelper
check "attach xfp on A" nsx "$A" "$XFP" attach "$DA"
check "attach xfp on B" nsx "$B" "$XFP" attach "$DB"
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
head -c $((1024 * 1024)) /dev/urandom >"$TMPD/data"

# pol SELF PEER SPIIN SPIOUT ALG KEYFILE
pol() {
	cat <<EOF
filter add p-in layer inbound-transport local-addr $1 remote-addr $2 action inbound-transport
filter add p-out layer outbound-transport local-addr $1 remote-addr $2 action outbound-transport
sa add peer filter p-out inbound-filter p-in spi-in $3 spi-out $4 alg $5 key-file $6
EOF
}

# one ALG FAMILY KEYBYTES SPI_AB SPI_BA
one() {
	local alg=$1 fam=$2 len=$3 ab=$4 ba=$5 a b kab kba total dec
	if [ "$fam" = 6 ]; then a=2001:db8::1 b=2001:db8::2; else a=198.18.0.1 b=198.18.0.2; fi
	keygen "k$ab" "$len"
	keygen "k$ba" "$len"
	kab=$(key_hex "k$ab") kba=$(key_hex "k$ba")
	(umask 077
	 printf 'inbound %s\noutbound %s\n' "$kba" "$kab" >"$TMPD/a-$alg.keys"
	 printf 'inbound %s\noutbound %s\n' "$kab" "$kba" >"$TMPD/b-$alg.keys")
	pol "$a" "$b" "$ba" "$ab" "$alg" "a-$alg.keys" >"$TMPD/a-$alg.pol"
	pol "$b" "$a" "$ab" "$ba" "$alg" "b-$alg.keys" >"$TMPD/b-$alg.pol"
	check "$alg/v$fam: policy load on A" nsx "$A" "$XFP" policy load "$TMPD/a-$alg.pol" dev "$DA"
	check "$alg/v$fam: policy load on B" nsx "$B" "$XFP" policy load "$TMPD/b-$alg.pol" dev "$DB"
	capture_start "$alg" || fail "$alg: tcpdump starts" "see log"
	check "$alg/v$fam: ping A->B" nsx "$A" ping -c 3 -i 0.2 -W 2 "$b"
	tcp_check "$alg/v$fam: 1 MiB over TCP A->B arrives intact" "$A" "$B" "$b" "$TMPD/data"
	capture_stop
	check_eq "$alg/v$fam: 0 clear-text frames of the pair" "$(clear_count "$CAP")" 0
	if [ "$alg" = sha256 ]; then
		local ipf=ip
		[ "$fam" = 6 ] && ipf=ipv6
		total=$(tshark -r "$CAP" -n -Y "$ipf.addr==$a && $ipf.addr==$b" 2>/dev/null | wc -l)
		dec=$(tshark -r "$CAP" -n -Y 'ah && (tcp || icmp || icmpv6)' 2>/dev/null | wc -l)
		if [ "$total" -gt 100 ] && [ "$dec" = "$total" ]; then
			ok "$alg/v$fam: all $total frames of the pair are AH with the transport header readable"
		else
			fail "$alg/v$fam: frames of the pair are AH" "total=$total ah=$dec"
		fi
	else
		read -r total dec <<<"$(esp_decrypt_check "$CAP" "$alg" "$fam" "$ab" "$ba")"
		if [ "${total:-0}" -gt 100 ] && [ "$total" = "$dec" ]; then
			ok "$alg/v$fam: all $total ESP frames decrypt in tshark"
		else
			fail "$alg/v$fam: every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
		fi
	fi
	check_eq "$alg/v$fam: A's OutPackets = B's InPackets" \
		"$(sa_counter "$A" "$DA" "$ab" out OutPackets)" "$(sa_counter "$B" "$DB" "$ab" in InPackets)"
}

one aes256gcm16 6 36 $((0x3001)) $((0x3002))
one chacha20poly1305 4 36 $((0x4001)) $((0x4002))
one sha256 4 32 $((0x5001)) $((0x5002))
done_testing
