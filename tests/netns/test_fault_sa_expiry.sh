#!/usr/bin/env bash
# test_fault_sa_expiry.sh - an SA reaching its hard lifetime under
# traffic: not one packet is sent on it past the limit, none in clear, and
# the SA is gone afterwards (xfp_sadb_expire deletes it, keys wiped).
#
# A's outbound SA 0x6000 has hard-packets 40; A pings B 100 times, fast.
# On the wire (captured on the bridge between them) there must be exactly
# 40 ESP frames with SPI 0x6000, with the sequence numbers 1..40 each once
# (no reuse, no wrap), and no clear ICMP between A and B.  A's worker
# counts the refused packets (OutSaExpired, or after deletion the
# datapath's no-sa drops), and `xfp sa show` no longer lists the SA once
# the worker's lifetime tick ran.  A new SA (rekey) makes traffic flow
# again.  The same for a byte limit (hard-bytes) on B's outbound SA, and
# for a time limit (hard-seconds) on A's next outbound SA, judged by the
# capture's timestamps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

esp_hosts
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }

add() { # NS DEV ARGS...
	local ns=$1 dev=$2
	shift 2
	nsx "$ns" "$XFP" sa add "$dev" "$@" >/dev/null
}
keygen k6000 36
keygen k6001 36
keygen k6002 36
keygen k6003 36
check "A out 0x6000 hard-packets 40" add "$A" "$DA" dir out spi 0x6000 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6000" hard-packets 40
check "A in 0x6001" add "$A" "$DA" dir in spi 0x6001 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6001"
check "B in 0x6000" add "$B" "$DB" dir in spi 0x6000 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6000"
check "B out 0x6001 hard-bytes 3000" add "$B" "$DB" dir out spi 0x6001 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6001" hard-bytes 3000

# spi_seqs PCAP SRC SPI: the ESP sequence numbers of SPI from SRC, one a line
spi_seqs() {
	tshark -r "$1" -n -Y "esp.spi == $3 && ip.src == $2" -T fields -e esp.sequence 2>/dev/null
}

capture_start expiry
nsx "$A" ping -c 100 -i 0.01 -W 1 198.18.0.2 >"$TMPD/ping.out" 2>&1
capture_stop
seqs=$(spi_seqs "$CAP" 198.18.0.1 0x6000)
n=$(echo "$seqs" | grep -c .)
check_eq "hard-packets 40: exactly 40 ESP frames on SA 0x6000 on the wire" "$n" 40
check_eq "their sequence numbers are 1..40, each once" "$(echo "$seqs" | sort -n | uniq | tr '\n' ' ')" "$(seq 1 40 | tr '\n' ' ')"
check_eq "no clear text between A and B" "$(clear_count "$CAP")" 0
[ "$n" = 40 ] || spi_seqs "$CAP" 198.18.0.1 0x6000 | tail -3 | sed 's/^/# seq /'

# B's replies: 60 bytes of ICMP each (84-byte IP packets) -> the 3000-byte
# limit is crossed by packet 36 (36 * 84 = 3024): 36 frames at most.
m=$(spi_seqs "$CAP" 198.18.0.2 0x6001 | grep -c .)
[ "$m" -ge 30 ] && [ "$m" -le 36 ] && ok "hard-bytes 3000: $m ESP frames on SA 0x6001, none past the limit" || fail "hard-bytes 3000: frames on SA 0x6001" "$m"

sleep 2.2 # the worker's lifetime tick runs every second
show=$(nsx "$A" "$XFP" sa show "$DA" -j)
if echo "$show" | json_get - 'any(int(s["spi"],16)==0x6000 for s in j["sas"])' | grep -q False; then
	ok "the expired SA is deleted from A's worker"
else
	fail "the expired SA is deleted" "$(echo "$show" | head -c 300)"
fi
show=$(nsx "$B" "$XFP" sa show "$DB" -j)
if echo "$show" | json_get - 'any(int(s["spi"],16)==0x6001 for s in j["sas"])' | grep -q False; then
	ok "the byte-expired SA is deleted from B's worker"
else
	fail "the byte-expired SA is deleted" "$(echo "$show" | head -c 300)"
fi
if nsx "$A" ping -c 2 -i 0.2 -W 1 198.18.0.2 >/dev/null 2>&1; then fail "no SA: traffic stops" "ping passed"; else ok "no SA: traffic stops (fail closed)"; fi

# Rekey: new SAs, traffic again.  A's new outbound SA has hard-seconds 3.
# The worker creates it while `sa add` runs, between T0 and T1 (the
# capture's clock, CLOCK_REALTIME, read around the command), so its hard
# time lies in [T0 + 3, T1 + 3].  Pinged every 10 ms across that time, its
# last ESP frame on the wire must be no later than T1 + 3 (the packet path
# refuses the SA from its hard time on, not the worker's 1 s tick), and
# not much earlier than T0 + 3 (the SA does not end early either).
HARD=3
T0=$(date +%s.%N)
check "A out 0x6002 hard-seconds $HARD" add "$A" "$DA" dir out spi 0x6002 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6002" hard-seconds $HARD
T1=$(date +%s.%N)
check "B in 0x6002" add "$B" "$DB" dir in spi 0x6002 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6002"
check "B out 0x6003" add "$B" "$DB" dir out spi 0x6003 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6003"
check "A in 0x6003" add "$A" "$DA" dir in spi 0x6003 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6003"
capture_start seconds
check "after rekey: ping works" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
# Until 1.5 s past the hard time.
n_ping=$("$PY" -c "import time; print(int(($T1 + $HARD + 1.5 - time.time()) / 0.01))")
nsx "$A" ping -c "$n_ping" -i 0.01 -W 1 198.18.0.2 >"$TMPD/ping2.out" 2>&1
capture_stop
times=$(tshark -r "$CAP" -n -Y "esp.spi == 0x6002 && ip.src == 198.18.0.1" -T fields -e frame.time_epoch 2>/dev/null)
last=$(echo "$times" | sort -n | tail -1)
n=$(echo "$times" | grep -c .)
echo "# T0 $T0, T1 $T1 (sa add took $("$PY" -c "print('%.1f ms' % (($T1 - $T0) * 1e3))")), $n ESP frames on SA 0x6002, the last $("$PY" -c "print('%+.1f ms' % (($last - $T1 - $HARD) * 1e3))" 2>/dev/null) from T1 + $HARD"
if [ -n "$last" ] && "$PY" -c "import sys; sys.exit(not ($last <= $T1 + $HARD))"; then
	ok "hard-seconds $HARD: no ESP frame of SA 0x6002 on the wire after its hard time"
else
	fail "hard-seconds $HARD: no ESP frame of SA 0x6002 after T1 + $HARD" "last at $last, T1 $T1"
fi
if [ -n "$last" ] && "$PY" -c "import sys; sys.exit(not ($last >= $T0 + $HARD - 0.1))"; then
	ok "hard-seconds $HARD: traffic on SA 0x6002 until its hard time (last frame within 100 ms of it)"
else
	fail "hard-seconds $HARD: traffic until the hard time" "last at $last, T0 $T0"
fi
check_eq "no clear text between A and B" "$(clear_count "$CAP")" 0
sleep 1.2 # the tick deletes it
show=$(nsx "$A" "$XFP" sa show "$DA" -j)
if echo "$show" | json_get - 'any(int(s["spi"],16)==0x6002 for s in j["sas"])' | grep -q False; then
	ok "the SA past its hard seconds is deleted from A's worker"
else
	fail "the SA past its hard seconds is deleted" "$(echo "$show" | head -c 300)"
fi
done_testing
