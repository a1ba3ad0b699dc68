#!/usr/bin/env bash
# test_scn_remote_identity_sa.sh - remote identity authorization (spec 1.6)
# over a real SA.  Host A runs policy/examples/remote-identity.pol plus a
# manual SA with host B whose `remote-id` names the identities the SA
# authenticated; host B runs a plain manual-SA policy.  A's policy is
# loaded again with other identities on the same SA, and TCP B->A 5555 is
# accepted or refused as the access lists of `app-allowed` say:
#
#   remote-machine-id { deny host-c.corp, allow group:corp-hosts }
#   remote-user-id { deny dave@corp, allow group:app-users, allow group:admins }
#
# decided in eBPF (A's stack side, xfp_xsk_meta) from the protection
# context that arrived with each decrypted packet.  Port 5001 needs only
# an SA (nd-accept), whatever the identity.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
. "$(dirname "$0")/scn_lib.sh"
trap _esp_cleanup EXIT # workers get SIGTERM (esp_lib.sh)
need ip tcpdump tshark "$XFP" "$PY"

EX=$(cd "$(dirname "$0")/../../policy/examples" && pwd)
esp_hosts
xfp_both
srv_start "$A" 5001,5555 5002 || fail "server on A starts" ""

AB=$((0x7101)) BA=$((0x7102))
pair_keys "$AB" "$BA" 20
cat >"$TMPD/b.pol" <<EOF
filter add a-in layer inbound-transport local-addr 198.18.0.2 remote-addr 198.18.0.1 action inbound-transport
filter add a-out layer outbound-transport local-addr 198.18.0.2 remote-addr 198.18.0.1 action outbound-transport
sa add host-a filter a-out inbound-filter a-in spi-in $AB spi-out $BA alg aes128gcm16 key-file b.keys
EOF
check "policy load on B" nsx "$B" "$XFP" policy load "$TMPD/b.pol" dev "$DB"

# with_ids TAG [REMOTE-ID...]: A's policy with the SA authenticating them.
with_ids() {
	local tag=$1 rid=""
	shift
	[ $# -gt 0 ] && rid="remote-id { $(echo "$@" | sed 's/ /, /g') }"
	{
		cat "$EX/remote-identity.pol"
		cat <<EOF
filter add b-in layer inbound-transport local-addr-type unicast local-addr 198.18.0.1 remote-addr 198.18.0.2 action inbound-transport context persist-connection-security
filter add b-out layer outbound-transport local-addr-type unicast local-addr 198.18.0.1 remote-addr 198.18.0.2 action outbound-transport context negotiate-discover
sa add host-b filter b-out inbound-filter b-in spi-in $BA spi-out $AB alg aes128gcm16 key-file a.keys $rid
EOF
	} >"$TMPD/a-$tag.pol"
	check "$tag: policy load on A (SA identities: ${*:-none})" nsx "$A" "$XFP" policy load "$TMPD/a-$tag.pol" dev "$DA"
}

xsk_drops() {
	nsx "$A" "$XFP" stats -j "$DA" | json_get - "j.get('xsk_tc', {}).get('drop_reasons', {}).get('$1', {}).get('packets', 0)"
}

# case TAG PORT allowed|refused
case_() {
	local tag=$1 port=$2 want=$3 before after d0 d1
	before=$(srv_got "$A" tcp "$port" 198.18.0.2)
	d0=$(xsk_drops ale-block)
	if tcp_try "$B" 198.18.0.1 "$port"; then got=allowed; else got=refused; fi
	after=$(srv_got "$A" tcp "$port" 198.18.0.2)
	d1=$(xsk_drops ale-block)
	if [ "$want" = allowed ]; then
		check_eq "$tag: TCP B->A $port accepted (server got it)" "$got/$((after - before))" "allowed/1"
	else
		check_eq "$tag: TCP B->A $port refused (server got nothing)" "$got/$((after - before))" "refused/0"
		if [ "$d1" -gt "$d0" ]; then
			ok "$tag: refused on A's stack side by app-others (ale-block $d0 -> $d1)"
		else
			fail "$tag: ale-block counted on A's stack side" "$d0 -> $d1"
		fi
	fi
}

cap_start rid || fail "tcpdump starts" ""
with_ids alice machine:host-b.corp user:alice@corp
case_ alice 5555 allowed
with_ids carol machine:host-b.corp user:carol@corp
case_ carol 5555 allowed
with_ids erin machine:host-b.corp user:erin@corp
case_ erin 5555 allowed
with_ids host-c machine:host-c.corp user:alice@corp
case_ host-c 5555 refused
case_ host-c 5001 allowed
with_ids dave machine:host-b.corp user:dave@corp
case_ dave 5555 refused
with_ids other machine:other.corp user:alice@corp
case_ other 5555 refused
with_ids none
case_ none 5555 refused
case_ none 5001 allowed
cap_stop
check_eq "0 clear-text frames between A and B" "$(clear_count "$CAP")" 0
read -r total dec <<<"$(esp_decrypt_check "$CAP" aes128gcm16 4 "$AB" "$BA")"
if [ "${total:-0}" -gt 0 ] && [ "$total" = "$dec" ]; then
	ok "all $total ESP frames decrypt in tshark"
else
	fail "every ESP frame decrypts in tshark" "total=$total decrypted=$dec"
fi
done_testing
