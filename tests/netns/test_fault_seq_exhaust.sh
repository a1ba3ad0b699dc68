#!/usr/bin/env bash
# test_fault_seq_exhaust.sh - an outbound SA without ESN running out of
# sequence numbers under traffic, end to end through the workers: the
# last numbers up to 2^32 - 1 go out once each, the counter never wraps
# (no 0, no 1 again: with AES-GCM that would reuse an IV), nothing leaves
# in clear, the worker counts the exhaustion and the SA expires and is
# deleted; the same SPI to the same peer cannot be installed again.
#
# A's outbound SA 0x6100 is added with `seq 4294967291` (its counter at
# 2^32 - 5, for tests and interop only): the next packets carry
# 4294967292 .. 4294967295.  Four pings from A to B get their replies, and
# on the wire (the bridge in C) there are exactly four ESP frames of SPI
# 0x6100, with exactly those numbers.  The fifth packet meets an
# exhausted SA: SEQ_OVERFLOW (worker counter out_err_seq_overflow, SA
# counter OutSeqOverflow), the SA turns expired; the worker's lifetime
# tick deletes it; later packets are dropped (expired, then no SA).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip ping tcpdump tshark "$XFP" "$PY"

TOP=4294967295 # 2^32 - 1
START=$((TOP - 4)) # the SA's counter: 2^32 - 5 taken as used

esp_hosts
worker_start "$A" "$DA" || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
WLOG=$TMPD/worker-$DA.log

keygen k6100 36
keygen k6101 36
keygen k6102 36

# The option is checked before anything reaches the worker's database.
if out=$(nsx "$A" "$XFP" sa add "$DA" dir out spi 0x6100 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6100" seq $((TOP + 1)) 2>&1); then
	fail "seq 2^32 without esn is refused" "accepted: $out"
elif echo "$out" | grep -q 'seq=4294967296: beyond 4294967295 needs esn=1'; then
	ok "seq 2^32 without esn is refused, naming the value"
else
	fail "seq 2^32 without esn is refused" "$out"
fi
if out=$(nsx "$A" "$XFP" sa add "$DA" dir in spi 0x6101 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6101" seq 5 2>&1); then
	fail "seq on an inbound SA is refused" "accepted: $out"
elif echo "$out" | grep -q 'only an outbound SA'; then
	ok "seq on an inbound SA is refused"
else
	fail "seq on an inbound SA is refused" "$out"
fi

out=$(nsx "$A" "$XFP" sa add "$DA" dir out spi 0x6100 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6100" seq "$START" 2>&1)
sa_id=$(echo "$out" | sed -n 's/.*: sa \([0-9]*\) added.*/\1/p')
if [ -n "$sa_id" ]; then ok "A out 0x6100 seq $START (2^32 - 5)"; else fail "A out 0x6100 seq $START" "$out"; fi
check "A in 0x6101" nsx "$A" "$XFP" sa add "$DA" dir in spi 0x6101 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6101"
check "B in 0x6100" nsx "$B" "$XFP" sa add "$DB" dir in spi 0x6100 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6100"
check "B out 0x6101" nsx "$B" "$XFP" sa add "$DB" dir out spi 0x6101 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/k6101"
check_eq "sa show: the SA's counter starts at 2^32 - 5" "$(sa_counter "$A" "$DA" 0x6100 out seq 2>&1)" "$START"

# spi_seqs PCAP SRC SPI: the ESP sequence numbers of SPI from SRC, one a line
spi_seqs() {
	tshark -r "$1" -n -Y "esp.spi == $3 && ip.src == $2" -T fields -e esp.sequence 2>/dev/null
}

capture_start exhaust || fail "capture starts" "$(cat "$TMPD/tcpdump.log")"
# The four numbers left: each ping and its reply.
got=$(nsx "$A" ping -c 4 -i 0.2 -W 2 198.18.0.2 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check_eq "4 pings on the last 4 sequence numbers: 4 replies" "$got" 4
check_eq "the SA's counter is at 2^32 - 1" "$(sa_counter "$A" "$DA" 0x6100 out seq 2>&1)" "$TOP"
check_eq "not exhausted yet: state live" "$(sa_counter "$A" "$DA" 0x6100 out state 2>&1)" live

# One more packet (a datagram, no waiting for a reply): the space is
# exhausted.  Until the worker's 1 s tick deletes it, the SA is listed as
# expired with the overflow counted; afterwards the log says it went.
nsx "$A" bash -c 'echo exhaust >/dev/udp/198.18.0.2/9' 2>/dev/null
state='' ovf=''
for _ in $(seq 40); do
	show=$(nsx "$A" "$XFP" sa show "$DA" -j)
	state=$(echo "$show" | json_get - "([s['state'] for s in j['sas'] if s['id']==$sa_id] or ['gone'])[0]")
	[ "$state" != live ] && break
	sleep 0.05
done
if [ "$state" = expired ]; then
	ovf=$(echo "$show" | json_get - "[s['OutSeqOverflow'] for s in j['sas'] if s['id']==$sa_id][0]")
	seqv=$(echo "$show" | json_get - "[s['seq'] for s in j['sas'] if s['id']==$sa_id][0]")
	if [ "$ovf" = 1 ] && [ "$seqv" = "$TOP" ]; then
		ok "the next packet: SA expired, OutSeqOverflow 1, counter still 2^32 - 1"
	else
		fail "the next packet: SA expired" "OutSeqOverflow=$ovf seq=$seqv"
	fi
elif [ "$state" = gone ] && grep -q "sa $sa_id: hard lifetime reached, deleted" "$WLOG"; then
	ok "the next packet: SA expired (already deleted by the tick)"
else
	fail "the next packet: SA expired" "state '$state'"
fi

# More traffic: none of it may leave, in ESP or in clear.
got=$(nsx "$A" ping -c 6 -i 0.1 -W 1 198.18.0.2 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
check_eq "6 more pings after exhaustion: no reply" "$got" 0
capture_stop

seqs=$(spi_seqs "$CAP" 198.18.0.1 0x6100)
n=$(echo "$seqs" | grep -c .)
check_eq "exactly 4 ESP frames on SA 0x6100 on the wire" "$n" 4
check_eq "their sequence numbers are 2^32 - 4 .. 2^32 - 1, each once" \
	"$(echo "$seqs" | sort -n | uniq | tr '\n' ' ')" "$(seq $((START + 1)) $TOP | tr '\n' ' ')"
low=$(echo "$seqs" | awk -v s="$START" 'NF && $1 <= s' | grep -c .)
check_eq "no wrap: no sequence number 0, 1 or below the start" "$low" 0
check_eq "no clear text between A and B" "$(clear_count "$CAP")" 0
[ "$(clear_count "$CAP")" = 0 ] || clear_show "$CAP"
[ "$n" = 4 ] || echo "$seqs" | tail -6 | sed 's/^/# seq /'
# The worker's error counters are named out_err_<error>.
wctr() { # NS DEV NAME
	nsx "$1" "$XFP" sa show "$2" -j | json_get - "j['worker']['$3']"
}
check_eq "A's worker counted one exhaustion (out_err_seq_overflow)" \
	"$(wctr "$A" "$DA" out_err_seq_overflow 2>&1)" 1

sleep 2.2 # the worker's lifetime tick runs every second
show=$(nsx "$A" "$XFP" sa show "$DA" -j)
if echo "$show" | json_get - "any(s['id']==$sa_id for s in j['sas'])" | grep -q False &&
	grep -q "sa $sa_id: hard lifetime reached, deleted" "$WLOG"; then
	ok "the exhausted SA is deleted from A's worker (log: hard lifetime reached)"
else
	fail "the exhausted SA is deleted" "$(grep "sa $sa_id" "$WLOG" | tail -3 | tr '\n' '|')"
fi

# The SPI's reserved numbers to this peer are beyond 2^32 - 1: the same SPI
# again (no seq given) would restart below them; it is refused.
if out=$(nsx "$A" "$XFP" sa add "$DA" dir out spi 0x6100 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6100" 2>&1); then
	fail "the exhausted SPI cannot be added again" "accepted: $out"
elif echo "$out" | grep -q 'exhausted without esn, use a new SPI'; then
	ok "the exhausted SPI to the same peer cannot be added again"
else
	fail "the exhausted SPI cannot be added again" "$out"
fi

# Rekey with a new SPI: traffic again, numbered from 1.
check "A out 0x6102" nsx "$A" "$XFP" sa add "$DA" dir out spi 0x6102 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6102"
check "B in 0x6102" nsx "$B" "$XFP" sa add "$DB" dir in spi 0x6102 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/k6102"
check "after rekey: ping works" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2
check_eq "the new SA counts from 1" "$(sa_counter "$A" "$DA" 0x6102 out seq 2>&1)" 3
done_testing
