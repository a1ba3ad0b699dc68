#!/usr/bin/env bash
# test_policy_cli.sh - `xfp policy check|show` and `xfp explain` as a user
# runs them: exit codes (0 valid, 1 invalid, 2 usage), error lines,
# JSON that parses, hidden keys, and explain naming the deciding filter.
# Run from the repo root; XFP_BUILD is the build folder (default build).
set -u
XFP=${XFP_BUILD:-build}/xfp
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # name, then a command that must succeed
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}

if [ ! -x "$XFP" ]; then
	echo "not ok - policy cli: missing $XFP (build it with make)"
	exit 1
fi
if ! command -v python3 >/dev/null; then
	echo "not ok - policy cli: missing python3 (for JSON checks)"
	exit 1
fi
tmp=$(mktemp -d /tmp/xfp-policy-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# Exit status of a command, with its stdout/stderr kept in files.
run() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }
json_ok() { /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' <"$tmp/out"; }

# A fresh clone: the examples (mode 0644) without key files.  manual-sa.pol
# says which key file is missing and what it must hold; make-keys.sh writes
# them with mode 0600, and then every example passes.
cp policy/examples/*.pol policy/examples/make-keys.sh "$tmp/"
chmod 644 "$tmp"/*.pol
check "no key files: manual-sa exits 1" test "$(run "$XFP" policy check "$tmp/manual-sa.pol")" = 1
check "no key files: the error says what to create" \
	grep -qE "^$tmp/manual-sa.pol:[0-9]+:[0-9]+: cannot open key file '$tmp/host-b.keys': No such file or directory; expected a file with the lines 'inbound HEX' and 'outbound HEX', mode 0600\$" "$tmp/err"
check "make-keys.sh exits 0" test "$(run "$tmp/make-keys.sh" "$tmp")" = 0
check "make-keys.sh writes mode 0600" test "$(stat -c %a "$tmp/host-b.keys" "$tmp/host-c.keys" "$tmp/host-b.peer.keys" | sort -u)" = 600
check "make-keys.sh keeps existing keys" test "$(run "$tmp/make-keys.sh" "$tmp")" = 1
check "make-keys.sh says why" grep -q "exists; keeping it (use -f to replace)" "$tmp/err"
check "peer keys are swapped" test "$(awk '/^inbound/ {print $2}' "$tmp/host-b.keys")" = "$(awk '/^outbound/ {print $2}' "$tmp/host-b.peer.keys")"
old=$(cat "$tmp/host-b.keys")
check "make-keys.sh -f replaces" test "$(run "$tmp/make-keys.sh" -f "$tmp")" = 0
check "make-keys.sh makes new keys" test "$old" != "$(cat "$tmp/host-b.keys")"
check "make-keys.sh usage error exits 2" test "$(run "$tmp/make-keys.sh" -x)" = 2
key=$(awk '/^inbound/ {print $2}' "$tmp/host-b.keys")
for f in "$tmp"/*.pol; do
	name=$(basename "$f")
	check "check $name exits 0" test "$(run "$XFP" policy check "$f")" = 0
	check "check $name prints nothing" test ! -s "$tmp/out" -a ! -s "$tmp/err"
	check "show -j $name is JSON" test "$(run "$XFP" policy show "$f" -j)" = 0
	check "show -j $name parses" json_ok
done

# Keys never appear in output.
run "$XFP" policy show "$tmp/manual-sa.pol" >/dev/null
check "show hides keys (text)" grep -q '# keys (hidden)' "$tmp/out"
check "show has no key bytes (text)" sh -c "! grep -q '$key' '$tmp/out'"
run "$XFP" policy show -j "$tmp/manual-sa.pol" >/dev/null
check "show hides keys (json)" grep -q '"keys":"(hidden)"' "$tmp/out"
check "show has no key bytes (json)" sh -c "! grep -q '$key' '$tmp/out'"

# A key file readable by others: exit 1 and a line naming file and mode.
chmod 644 "$tmp/host-b.keys"
check "world-readable key file exits 1" test "$(run "$XFP" policy check "$tmp/manual-sa.pol")" = 1
check "key file error names file and mode" \
	grep -qE "^$tmp/manual-sa.pol:[0-9]+:[0-9]+: key file '$tmp/host-b.keys' has mode 0644: group and others must have no access; run 'chmod 600 $tmp/host-b.keys'\$" "$tmp/err"
check "-n skips key files" test "$(run "$XFP" policy check -n "$tmp/manual-sa.pol")" = 0
chmod 600 "$tmp/host-b.keys"

# Invalid policy: exit 1, one FILE:LINE:COL line per error, nothing on stdout.
cat >"$tmp/bad.pol" <<'EOF'
filter add a layer inbound-transport local-port 2000-1000 action permit
filter add b layer inbound-transport remote-user-id alice action permit
filter add c layer ipsec action permit
filter add ok layer inbound-transport action permit
EOF
check "invalid policy exits 1" test "$(run "$XFP" policy check "$tmp/bad.pol")" = 1
check "one line per error" test "$(wc -l <"$tmp/err")" = 3
check "error 1 format" grep -qx "$tmp/bad.pol:1:49: port range '2000-1000' is reversed; expected LOW-HIGH" "$tmp/err"
check "error 2 names the layer" grep -q "^$tmp/bad.pol:2:38: condition 'remote-user-id' is not allowed at layer inbound-transport" "$tmp/err"
check "error 3 names what is missing" grep -qx "$tmp/bad.pol:3:12: filter 'c' needs 'policy NAME' (a qm-policy)" "$tmp/err"
check "invalid policy prints nothing on stdout" test ! -s "$tmp/out"
check "show of an invalid policy exits 1" test "$(run "$XFP" policy show "$tmp/bad.pol")" = 1
check "missing file exits 1" test "$(run "$XFP" policy check "$tmp/none.pol")" = 1
check "missing file names the file" grep -qx "$tmp/none.pol: cannot open: No such file or directory" "$tmp/err"

# Usage errors: exit 2.
check "no verb exits 2" test "$(run "$XFP" policy)" = 2
check "unknown verb exits 2" test "$(run "$XFP" policy frob "$tmp/bad.pol")" = 2
check "unknown verb is named" grep -q "unknown command 'frob'" "$tmp/err"
check "no file exits 2" test "$(run "$XFP" policy check)" = 2
check "two files exit 2" test "$(run "$XFP" policy check a.pol b.pol)" = 2
check "unknown option exits 2" test "$(run "$XFP" policy check --frob x.pol)" = 2
check "-j with check exits 2" test "$(run "$XFP" policy check -j x.pol)" = 2
check "explain without --layer exits 2" test "$(run "$XFP" explain --policy "$tmp/transport.pol")" = 2
check "explain bad layer exits 2" test "$(run "$XFP" explain --policy "$tmp/transport.pol" --layer up)" = 2
check "explain bad field exits 2" test "$(run "$XFP" explain --policy "$tmp/transport.pol" --layer ipsec colour red)" = 2
check "explain ports without tcp/udp exit 2" test "$(run "$XFP" explain --policy "$tmp/transport.pol" --layer ipsec protocol icmp local-port 5)" = 2
check "explain unknown sa exits 2" test "$(run "$XFP" explain --policy "$tmp/manual-sa.pol" --layer ipsec sa nope)" = 2
check "explain of an invalid policy exits 1" test "$(run "$XFP" explain --policy "$tmp/bad.pol" --layer ipsec)" = 1

# Help: exit 0 and say what the command takes.
check "policy --help exits 0" test "$(run "$XFP" policy --help)" = 0
check "policy help lists check and show" grep -q "policy show FILE \[-j\]" "$tmp/out"
check "policy check -h exits 0" test "$(run "$XFP" policy check -h)" = 0
check "explain --help exits 0" test "$(run "$XFP" explain --help)" = 0
check "explain help has the packet grammar" grep -q "PACKET := " "$tmp/out"
# --help after a verb is help, never a filter, device or SA named "--help"
# (nothing here is attached: a command that went on would fail).
check "filter add --help exits 0" test "$(run "$XFP" filter add --help)" = 0
check "filter add --help is the filter help" grep -q "^Usage: .* filter add NAME FILTER-OPTION" "$tmp/out"
check "filter del -h exits 0" test "$(run "$XFP" filter del -h)" = 0
for v in add del show stats load; do
	check "sa $v --help exits 0" test "$(run "$XFP" sa $v --help)" = 0
	check "sa $v --help is the sa help" grep -q "^Usage: .* sa add DEV" "$tmp/out"
done
check "worker --help names --umem" test "$(run "$XFP" worker --help)" = 0
check "worker help says what --umem does" grep -q "\-\-umem shared|separate" "$tmp/out"
check "worker: a wrong --umem exits 2" test "$(run "$XFP" worker lo --umem both)" = 2
check "worker: the wrong --umem is named" grep -q "\-\-umem 'both' is wrong: expected shared or separate" "$tmp/err"

# explain: the decision, each sublayer, the deciding filter and why.
rc=$(run "$XFP" explain --policy "$tmp/remote-identity.pol" --layer ale-auth-recv-accept \
	local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp local-port 5555 \
	remote-port 40000 local-addr-type unicast ipsec-flags secured \
	remote-machine-id host-c.corp remote-user-id alice@corp)
check "explain exits 0" test "$rc" = 0
check "explain names the sublayer" grep -q "^sublayer default (weight 32768): block (hard) by filter 10 'app-others'" "$tmp/out"
check "explain gives the decision" grep -qx "decision: block (hard) by filter 10 'app-others' in sublayer default: filter action" "$tmp/out"
check "explain gives the drop reason" grep -qx "drop reason: ale-block" "$tmp/out"
rc=$(run "$XFP" explain -j --policy "$tmp/remote-identity.pol" --layer ale-auth-recv-accept \
	local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp local-port 5555 \
	remote-port 40000 local-addr-type unicast ipsec-flags secured \
	remote-machine-id host-b.corp remote-user-id bob@corp)
check "explain -j exits 0" test "$rc" = 0
check "explain -j parses" json_ok
check "explain -j permits via app-allowed" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["action"] == "permit" and d["filter"]["name"] == "app-allowed", d
assert d["sublayers"][0]["name"] == "default" and d["sublayers"][0]["decided"]
' "$tmp/out"
rc=$(run "$XFP" explain --policy "$tmp/manual-sa.pol" --layer outbound-transport \
	local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp local-port 40000 \
	remote-port 22 local-addr-type unicast -j)
check "explain: manual SA secures outbound" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["action"] == "permit" and d["secure"] and d["sa"] == "host-b", d
' "$tmp/out"
rc=$(run "$XFP" explain --policy "$tmp/ike-icmp-exemptions.pol" --layer inbound-transport \
	family ip6 local-addr 2001:db8::1 remote-addr 2001:db8::2 protocol udp \
	local-port 500 remote-port 500)
check "explain: IKE exemption on IPv6" grep -q "^decision: permit (soft) by filter [0-9]* 'ike-exempt-500-in'" "$tmp/out"

# explain: negotiation discovery inputs and tunnels.
rc=$(run "$XFP" explain --policy "$tmp/nd-transport.pol" --layer inbound-transport \
	local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp local-port 40000 \
	remote-port 22 local-addr-type unicast nd-clear-expired)
check "explain: ND clear allowance ran out" grep -qx "decision: block (soft) by filter 6 'nd-in' in sublayer default: clear text after the negotiation-discovery allowance ran out" "$tmp/out"
rc=$(run "$XFP" explain --policy "$tmp/nd-transport.pol" --layer outbound-transport \
	local-addr 198.18.0.1 remote-addr 198.18.0.2 protocol tcp local-port 40000 \
	remote-port 22 local-addr-type unicast flow-was-secured)
check "explain: a secured flow never downgrades" grep -qx "drop reason: flow-downgrade" "$tmp/out"
rc=$(run "$XFP" explain --policy "$tmp/tunnel.pol" --layer outbound-transport \
	local-addr 198.18.1.5 remote-addr 198.19.3.9 protocol udp local-port 5000 \
	remote-port 53)
check "explain: v4 inner over the v6 tunnel wants an SA" grep -q "^decision: block (soft) by filter [0-9]* 'site-c-out' in sublayer ipsec-tunnel" "$tmp/out"
run "$XFP" policy show "$tmp/tunnel.pol" >/dev/null
check "show prints the tunnel command" grep -qx "tunnel add site-b policy site-b mm-policy mm-psk sublayer ipsec-tunnel local-addr 198.18.1.0/24 remote-addr 198.19.1.0/24" "$tmp/out"
check "show comments the tunnel's filters" grep -q "^# filter add site-b-ipip layer ale-auth-recv-accept .* protocol { ipip, ipv6 } action inbound-tunnel-ale-accept .*, from tunnel site-b\$" "$tmp/out"

[ "$fails" -eq 0 ]
