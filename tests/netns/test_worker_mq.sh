#!/usr/bin/env bash
# test_worker_mq.sh - a worker per host with two rx queues (one socket and
# thread each): several TCP flows at once, every byte arrives, and no SA is
# ever touched by two threads (no handoff error): outbound "secure" frames
# all reach worker-side queue 0, inbound SAs stay with their NIC queue.
#
#   host A [a, 2 queues] ==== veth ==== [b, 2 queues] host B
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/esp_lib.sh"
need ip "$XFP" "$PY"

netns_new A a
netns_new B b
DA=${TAG}a
DB=${TAG}b
ip link add "$DA" numtxqueues 2 numrxqueues 2 type veth peer name "$DB" numtxqueues 2 numrxqueues 2 ||
	{ fail "create 2-queue veth" "ip link add failed"; done_testing; }
_created_links+=("$DA")
ip link set "$DA" netns "$A"
ip link set "$DB" netns "$B"
ip -n "$A" link set "$DA" up
ip -n "$B" link set "$DB" up
ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
ip -n "$A" route add 198.18.0.2/32 dev "$DA" mtu lock 1400
ip -n "$B" route add 198.18.0.1/32 dev "$DB" mtu lock 1400
bpffs_private
export XFP_RUNDIR=$TMPD/run
mkdir -p -m 0700 "$XFP_RUNDIR"
umask 077
esp_pyhelper

# A's two queue threads pinned, one per CPU (--cpus); B's left unpinned.
worker_start "$A" "$DA" --cpus 0,1 || { fail "worker on A starts" "see log"; done_testing; }
worker_start "$B" "$DB" || { fail "worker on B starts" "see log"; done_testing; }
check_eq "A's worker runs a thread per rx queue" "$(worker_counter "$A" "$DA" queues)" 2
sa_pair aes256gcm16 0x4000 0x4001 4 || fail "SAs installed" "sa add failed"
wa=WPID_$DA
pinned=$(for t in /proc/"${!wa}"/task/*; do
	[ "$(cat "$t/comm")" = xfp ] || continue
	awk '/^Cpus_allowed_list/ { print $2 }' "$t/status"
done | sort | tr '\n' ' ')
# the main (control) thread keeps every CPU; the queue threads get 0 and 1
check_eq "A's queue threads run on CPU 0 and CPU 1 (--cpus 0,1)" \
	"$(echo "$pinned" | tr ' ' '\n' | grep -cx '0\|1' || true) $(echo "$pinned" | tr ' ' '\n' | grep -x '0\|1' | sort | tr '\n' ' ')" "2 0 1 "
check "ping A->B" nsx "$A" ping -c 3 -i 0.2 -W 2 198.18.0.2

head -c $((3 * 1024 * 1024)) /dev/urandom >"$TMPD/data"
want=$(sha256sum "$TMPD/data" | cut -d' ' -f1)
pids=()
for port in 5101 5102 5103 5104; do
	nsx "$B" "$PY" "$TMPD/peer.py" tcp-recv 198.18.0.2 "$port" "$TMPD/ready$port" >"$TMPD/tcp$port.out" 2>&1 &
	pids+=($!)
done
for port in 5101 5102 5103 5104; do
	for _ in $(seq 50); do [ -e "$TMPD/ready$port" ] && break; sleep 0.1; done
	nsx "$A" "$PY" "$TMPD/peer.py" tcp-send 198.18.0.2 "$port" "$TMPD/data" &
done
wait "${pids[@]}"
for port in 5101 5102 5103 5104; do
	check_eq "4 parallel TCP flows: flow $port arrives intact" "$(cut -d' ' -f1 "$TMPD/tcp$port.out")" "$want"
done
for h in "$A:$DA" "$B:$DB"; do
	ns=${h%%:*} dev=${h#*:}
	check_eq "worker $dev: no SA used by two threads" \
		"$(worker_counter "$ns" "$dev" in_err_handoff)/$(worker_counter "$ns" "$dev" out_err_handoff)" 0/0
done
done_testing
