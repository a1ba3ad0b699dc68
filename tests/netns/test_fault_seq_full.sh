#!/usr/bin/env bash
# test_fault_seq_full.sh - the worker's record of reserved sequence
# numbers, the pinned map xfp_sa_seq (one record per SPI and peer, kept
# after the SA), full: an outbound SA whose record finds no room is
# refused with ENOSPC and a message naming the map, its limit and what to
# do, and is not left installed; the SAs already there keep carrying
# traffic, an SPI already recorded for the peer can still be added, and
# inbound SAs (no record) too.
#
# The map is filled to its real limit from the outside (bpftool batch, in
# A's namespace, through the test's private bpffs), with records for
# peers in 198.19.0.0/16 that no SA here uses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark bpftool "$XFP" "$PY"

LIMIT=262144 # bpf/xfp_xsk.bpf.c, docs/robustness.md

esp_hosts
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
WLOG=$TMPD/worker-$DA.log

for k in k6200 k6201 k6300 k6301; do keygen $k 36; done
add() { # NS DEV ARGS...
	local ns=$1 dev=$2
	shift 2
	nsx "$ns" "$XFP" sa add "$dev" "$@"
}
check "A out 0x6200" add "$A" "$DA" dir out spi 0x6200 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6200"
check "A in 0x6201" add "$A" "$DA" dir in spi 0x6201 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6201"
check "B in 0x6200" add "$B" "$DB" dir in spi 0x6200 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6200"
check "B out 0x6201" add "$B" "$DB" dir out spi 0x6201 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6201"
check "ping over the SAs" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2

MAP=$(find "$XFP_BPFFS" -path "*/$DA/worker/xfp_sa_seq" 2>/dev/null | head -1)
if [ -z "$MAP" ]; then
	fail "A's xfp_sa_seq is pinned" "not found under $XFP_BPFFS"
	done_testing
fi
records() { # the records in A's xfp_sa_seq
	nsx "$A" bpftool map dump pinned "$MAP" | grep -c '"key":'
}
max=$(nsx "$A" bpftool -j map show pinned "$MAP" | json_get - 'j["max_entries"]')
check_eq "xfp_sa_seq holds $LIMIT records" "$max" "$LIMIT"
used=$(records)
check_eq "one record so far (A's outbound SPI 0x6200 to B)" "$used" 1

# Fill it: SPI n to 198.19.(n >> 8).(n & 255), key struct xfp_seq_key
# (SPI in host order, family 4, 3 bytes of padding, 16 address bytes).
seq_key() { # SPI PEER: the key in bpftool's hex
	"$PY" -c 'import socket, struct, sys
k = struct.pack("=IB3x", int(sys.argv[1], 0), 4) + socket.inet_aton(sys.argv[2]) + bytes(12)
print(" ".join("%02x" % b for b in k))' "$1" "$2"
}
"$PY" - "$MAP" $((LIMIT - used)) >"$TMPD/fill.batch" <<'EOF'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
for i in range(1, n + 1):
    k = struct.pack('=IB3x', i, 4) + bytes([198, 19, i >> 8 & 255, i & 255]) + bytes(12)
    print('map update pinned %s key hex %s value hex %s' %
          (path, ' '.join('%02x' % b for b in k), '00 00 00 01 00 00 00 00'))
EOF
nsx "$A" bpftool batch file "$TMPD/fill.batch" >"$TMPD/fill.log" 2>&1 ||
	sed 's/^/# /' "$TMPD/fill.log" | tail -3
check_eq "xfp_sa_seq is full" "$(records)" "$LIMIT"
# shellcheck disable=SC2046 # the key is 24 words
if out=$(nsx "$A" bpftool map update pinned "$MAP" key hex $(seq_key 0x7fffff 198.19.255.255) value hex 00 00 00 00 00 00 00 00 2>&1); then
	fail "one more record is refused by the kernel" "accepted"
else
	check_eq "one more record is refused by the kernel (E2BIG)" "$(echo "$out" | grep -c 'Argument list too long')" 1
fi

# A new outbound (SPI, peer): refused, and not installed.
if out=$(add "$A" "$DA" dir out spi 0x6300 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6300" 2>&1); then
	fail "an outbound SA without room for its record is refused" "accepted: $out"
else
	echo "$out" | sed 's/^/# /'
	if echo "$out" | grep -q "No space left on device" &&
		echo "$out" | grep -q "SPI 0x00006300 to 198.18.0.2: xfp_sa_seq is full ($LIMIT records" &&
		echo "$out" | grep -q "Use an SPI already used with this peer" &&
		echo "$out" | grep -q "worker $DA --remove"; then
		ok "an outbound SA without room for its record is refused: ENOSPC, the map, its limit, what to do"
	else
		fail "the refusal names ENOSPC, the map, its limit and what to do" "$out"
	fi
fi
show=$(nsx "$A" "$XFP" sa show "$DA" -j)
check_eq "the refused SA is not installed" \
	"$(echo "$show" | json_get - 'sorted(s["spi"] for s in j["sas"])')" "['0x00006200', '0x00006201']"
grep -q "recording the sequence reservation: Argument list too long" "$WLOG" &&
	ok "the worker logs the failed record" || fail "the worker logs the failed record" "$(tail -3 "$WLOG")"
# shellcheck disable=SC2046
if nsx "$A" bpftool map lookup pinned "$MAP" key hex $(seq_key 0x6300 198.18.0.2) >/dev/null 2>&1; then
	fail "no record of the refused SA" "found"
else
	ok "no record of the refused SA"
fi

# The worker carries on: the SAs it has, in ESP, nothing in clear.
capture_start full || fail "capture starts" "$(cat "$TMPD/tcpdump.log")"
check "ping over the existing SAs after the refusal" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
capture_stop
n=$(tshark -r "$CAP" -n -Y "esp.spi == 0x6200 && ip.src == 198.18.0.1" 2>/dev/null | wc -l)
check_eq "3 ESP frames on SA 0x6200" "$n" 3
check_eq "no clear text between A and B" "$(clear_count "$CAP")" 0
wpid=WPID_$DA
kill -0 "${!wpid}" 2>/dev/null && ok "A's worker is still running" || fail "A's worker is still running" "exited"

# An SPI this peer already has a record for replaces it: added, and it
# continues after the numbers reserved before.
check "sa del A out 0x6200" nsx "$A" "$XFP" sa del "$DA" spi 0x6200 dir out
check "A out 0x6200 again (its record exists)" add "$A" "$DA" dir out spi 0x6200 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6200"
grep -q "continuing after sequence number 16777216" "$WLOG" &&
	ok "it continues after the recorded reservation (2^24)" || fail "it continues after the recorded reservation" "$(grep continuing "$WLOG")"
check "ping over the re-added SA" nsx "$A" ping -c 2 -i 0.2 -W 2 198.18.0.2
# Inbound SAs need no record.
check "A in 0x6301 (inbound: no record)" add "$A" "$DA" dir in spi 0x6301 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6301"
done_testing
