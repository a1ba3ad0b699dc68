#!/usr/bin/env bash
# bench_worker.sh - ESP through the AF_XDP worker between two xfp hosts on
# a veth pair, next to the raw AEAD primitive measured in the same run.
#
#   host A: xfp-gen --> [xfps stack side] --> worker A encrypts --> [a] == veth == [b] --> worker B decrypts --> stack
#
# The generator (XDP live frames) injects plaintext frames on host A's
# stack-side veth as the TC "secure" verdict would (Ethernet source =
# 5a:58:<SA id>), so the encrypt side is measured without the kernel's TCP
# stack in front of it.  Frames of 64, 512 and 1400 bytes, AES-256-GCM.
# Reported: encrypted/s at A, decrypted/s at B (wall clock), the same per
# CPU-second the worker process used (user + system time of all its
# threads, which includes the copy-mode transmit done in its sendto()),
# raw seal/open per CPU-second of the same primitive on one core, and the
# ratio per core / raw; then iperf3 TCP through ESP.  On a 2-core machine
# the generator, both workers and the softirqs share the cores (worker A
# is pinned to CPU 0, worker B to CPU 1), so the wall-clock figures are per
# pipeline, the per-CPU ones per core.
#
# The per-CPU figure is split, in the same run, into the workers' user time
# (their own processing: rings, copies, ESP, the AEAD) and system time (the
# kernel's copy-mode AF_XDP I/O: sendto() runs the veth transmit and, in
# softirq, the receiving side's XDP program and AF_XDP copy or the
# decrypted packet's trip up the stack; poll()).  "usr" columns are packets
# per user CPU-second over the raw primitive.  The decrypted UDP goes to
# port 9 on host B, where a socket that never reads drops it on its full
# receive buffer (without it every packet would cost an ICMP
# port-unreachable attempt).  A rate sweep at 1400 bytes (SWEEP) finds the
# saturation point: per-CPU figures at low load include wake-ups.
#
#   bench_worker.sh [--json FILE] [--seconds S]
#   RATE=PPS: generator rate of the table (default 300000)
#   SWEEP="PPS ...": rates of the 1400-byte sweep, 0 = as fast as it can
set -u
cd "$(dirname "$0")/.." || exit 1
JSON=
SECS=3
RATE=${RATE:-300000} # generator pps of the table (the sweep goes further)
SWEEP=${SWEEP-150000 300000 450000 600000 0}
while [ $# -gt 0 ]; do
	case $1 in
	--json) JSON=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	*) echo "usage: bench_worker.sh [--json FILE] [--seconds S]" >&2; exit 2 ;;
	esac
done
export XFP_BUILD=${XFP_BUILD:-build}
TAG=xb$$
. tests/netns/lib.sh
. tests/netns/esp_lib.sh
GEN=$XFP_BUILD/bench/xfp-gen
RAW=$XFP_BUILD/bench/bench_worker_raw
for t in "$GEN" "$RAW" "$XFP"; do
	[ -x "$t" ] || { echo "bench_worker: $t not built" >&2; exit 1; }
done

netns_new A a
netns_new B b
DA=${TAG}a
DB=${TAG}b
veth_new "$DA" "$A" "$DB" "$B"
ip -n "$A" addr add 198.18.0.1/24 dev "$DA"
ip -n "$B" addr add 198.18.0.2/24 dev "$DB"
ip -n "$A" route add 198.18.0.2/32 dev "$DA" mtu lock 1400
ip -n "$B" route add 198.18.0.1/32 dev "$DB" mtu lock 1400
bpffs_private
export XFP_RUNDIR=$TMPD/run
mkdir -p -m 0700 "$XFP_RUNDIR"
umask 077
# Each worker on a core of its own (--cpus), as AF_XDP workers are deployed:
# unpinned, the scheduler moves them between the two vCPUs and every move
# costs their caches (measured: 20-40 % fewer packets through).  The
# generator is left to the scheduler (pinning it next to worker A only
# moved the contention around).
if [ "$(nproc)" -ge 2 ]; then PA=(--cpus 0) PB=(--cpus 1); else PA=() PB=(); fi
worker_start "$A" "$DA" "${PA[@]}" || { echo "bench_worker: worker A failed" >&2; exit 1; }
worker_start "$B" "$DB" "${PB[@]}" || { echo "bench_worker: worker B failed" >&2; exit 1; }
keygen kab 36
keygen kba 36
nsx "$A" "$XFP" sa add "$DA" id 1 dir out spi 0x1001 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/kab" >/dev/null &&
	nsx "$A" "$XFP" sa add "$DA" dir in spi 0x2002 alg aes256gcm16 key-file "$TMPD/kba" >/dev/null &&
	nsx "$B" "$XFP" sa add "$DB" dir out spi 0x2002 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/kba" >/dev/null &&
	nsx "$B" "$XFP" sa add "$DB" dir in spi 0x1001 alg aes256gcm16 key-file "$TMPD/kab" >/dev/null ||
	{ echo "bench_worker: sa add failed" >&2; exit 1; }
nsx "$A" ping -c 1 -W 2 198.18.0.2 >/dev/null || { echo "bench_worker: no ESP connectivity" >&2; exit 1; }
# The sink on the generator's destination, 198.18.0.2 port 9.
ip netns exec "$B" "$PY" -c 'import socket, signal
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.bind(("198.18.0.2", 9))
signal.pause()' &
_pids+=("$!")

# The raw primitive on one core (pinned: unpinned runs here moved between
# the vCPUs and measured up to a third slower), before and after the
# workers' runs; each size keeps its better figure.
RAWCPU=(); [ "$(nproc)" -ge 2 ] && RAWCPU=(taskset -c 0)
"${RAWCPU[@]}" "$RAW" --seconds 1 --json "$TMPD/raw.json" | sed 's/^/  /'

ifa=$(ip -n "$A" -j link show "$DA" | json_get - 'j[0]["ifindex"]')
STACK=xfps$ifa
# Frames from the generator carry SA id 1 in their source address (the
# worker keeps using the stack side's real address, restored below).
mac_stack=$(ip -n "$A" -j link show "$STACK" | json_get - 'j[0]["address"]')
ip -n "$A" link set dev "$STACK" address 5a:58:00:00:00:01
macb=$(ip -n "$B" -j link show "$DB" | json_get - 'j[0]["address"]')
# One snapshot of a worker: "encrypted decrypted xsk_rx_ring_full".
snap() {
	nsx "$1" "$XFP" sa show "$2" -j |
		json_get - "' '.join(str(j['worker'].get(k, 0)) for k in ('encrypted', 'decrypted', 'xsk_rx_ring_full'))"
}
# CPU seconds of a worker process (all threads): "user system".
wa=WPID_$DA wb=WPID_$DB
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f %.3f", $14 / hz, $15 / hz }' "/proc/$1/stat"; }
# measure SIZE RATE OUT: one generator run, one line of raw figures.
measure() {
	local size=$1 rate=$2 sa0 sb0 sa1 sb1 t0 t1 ca0 ca1 cb0 cb1 g
	local -a r=()
	[ "$rate" != 0 ] && r=(--rate "$rate")
	sa0=$(snap "$A" "$DA") sb0=$(snap "$B" "$DB")
	ca0=$(cpu "${!wa}") cb0=$(cpu "${!wb}") t0=$(date +%s.%N)
	g=$(nsx "$A" "$GEN" --dev "$STACK" --size "$size" --duration "$SECS" --dst-mac "$macb" "${r[@]}" -j | json_get - 'j["pps"]')
	t1=$(date +%s.%N)
	sleep 0.2 # the last batches drain
	ca1=$(cpu "${!wa}") cb1=$(cpu "${!wb}")
	sa1=$(snap "$A" "$DA") sb1=$(snap "$B" "$DB")
	echo "$size $rate $g $t0 $t1 $sa0 $sa1 $sb0 $sb1 $ca0 $ca1 $cb0 $cb1" >>"$3"
}

echo "  AF_XDP worker, aes256gcm16, $SECS s per size, generator at $RATE pps"
: >"$TMPD/afxdp.txt"
: >"$TMPD/sweep.txt"
for size in 64 512 1400; do
	measure "$size" "$RATE" "$TMPD/afxdp.txt"
done
for rate in $SWEEP; do
	measure 1400 "$rate" "$TMPD/sweep.txt"
done
"${RAWCPU[@]}" "$RAW" --seconds 1 --json "$TMPD/raw2.json" | sed 's/^/  again: /'
"$PY" - "$TMPD/raw.json" "$TMPD/afxdp.txt" "$TMPD/sweep.txt" "${JSON:-/dev/null}" "$RATE" "$TMPD/raw2.json" <<'EOF'
import json, sys
raw = json.load(open(sys.argv[1]))
raw2 = json.load(open(sys.argv[6]))
for size, r in raw["sizes"].items():
    for k in ("seal_pps", "open_pps"):
        r[k] = max(r[k], raw2["sizes"][size][k])
res = {"alg": raw["alg"], "engine": raw["engine"], "rate_pps": int(sys.argv[5]),
       "udp_sink": True, "sizes": {}}

def row_of(line):
    f = line.split()
    size, rate, g, t0, t1 = f[0], int(f[1]), float(f[2]), float(f[3]), float(f[4])
    a0, a1, b0, b1 = [list(map(int, f[i:i + 3])) for i in (5, 8, 11, 14)]
    ua0, sa0, ua1, sa1, ub0, sb0, ub1, sb1 = map(float, f[17:25])
    dt = t1 - t0
    ne, nd = a1[0] - a0[0], b1[1] - b0[1]
    cu_a, cs_a, cu_b, cs_b = ua1 - ua0, sa1 - sa0, ub1 - ub0, sb1 - sb0
    r = raw["sizes"][size]
    eps = 1e-3
    row = {"gen_pps": g, "enc_pps": ne / dt, "dec_pps": nd / dt,
           # Per core: packets per CPU-second the worker process spent.
           "enc_pps_per_cpu": ne / max(cu_a + cs_a, eps),
           "dec_pps_per_cpu": nd / max(cu_b + cs_b, eps),
           "raw_seal_pps": r["seal_pps"], "raw_open_pps": r["open_pps"]}
    row["enc_ratio"] = row["enc_pps_per_cpu"] / r["seal_pps"]
    row["dec_ratio"] = row["dec_pps_per_cpu"] / r["open_pps"]
    # The same split into the workers' own (user) and kernel (system) time.
    row.update({
        "enc_cpu_user_s": cu_a, "enc_cpu_sys_s": cs_a,
        "dec_cpu_user_s": cu_b, "dec_cpu_sys_s": cs_b,
        "enc_user_us_per_pkt": cu_a / max(ne, 1) * 1e6,
        "enc_sys_us_per_pkt": cs_a / max(ne, 1) * 1e6,
        "dec_user_us_per_pkt": cu_b / max(nd, 1) * 1e6,
        "dec_sys_us_per_pkt": cs_b / max(nd, 1) * 1e6,
        "raw_seal_us": 1e6 / r["seal_pps"], "raw_open_us": 1e6 / r["open_pps"],
        "enc_user_pps_per_cpu": ne / max(cu_a, eps),
        "dec_user_pps_per_cpu": nd / max(cu_b, eps),
        "enc_rx_ring_full": a1[2] - a0[2], "dec_rx_ring_full": b1[2] - b0[2]})
    row["enc_user_ratio"] = row["enc_user_pps_per_cpu"] / r["seal_pps"]
    row["dec_user_ratio"] = row["dec_user_pps_per_cpu"] / r["open_pps"]
    return size, rate, row

print("  %6s %8s %8s %8s %9s %9s %7s %7s %7s %7s" % (
    "frame", "gen Mpps", "enc Mpps", "dec Mpps", "enc /cpu", "dec /cpu",
    "enc/raw", "dec/raw", "enc usr", "dec usr"))
lines = []
for line in open(sys.argv[2]):
    size, rate, row = row_of(line)
    res["sizes"][size] = row
    lines.append((size, row))
    print("  %6s %8.3f %8.3f %8.3f %9.3f %9.3f %7.2f %7.2f %7.2f %7.2f" % (
        size, row["gen_pps"] / 1e6, row["enc_pps"] / 1e6, row["dec_pps"] / 1e6,
        row["enc_pps_per_cpu"] / 1e6, row["dec_pps_per_cpu"] / 1e6,
        row["enc_ratio"], row["dec_ratio"], row["enc_user_ratio"], row["dec_user_ratio"]))
print("  (/cpu: Mpps per worker CPU-second; enc/raw, dec/raw: that over the raw")
print("   primitive; enc usr, dec usr: the same over the workers' user time only)")
print("  microseconds per packet: raw primitive | worker user | worker system")
print("  %6s %9s %9s %9s   %9s %9s %9s" % ("frame", "raw seal", "enc usr", "enc sys",
                                           "raw open", "dec usr", "dec sys"))
for size, row in lines:
    print("  %6s %9.3f %9.3f %9.3f   %9.3f %9.3f %9.3f" % (
        size, row["raw_seal_us"], row["enc_user_us_per_pkt"], row["enc_sys_us_per_pkt"],
        row["raw_open_us"], row["dec_user_us_per_pkt"], row["dec_sys_us_per_pkt"]))
sweep = []
for line in open(sys.argv[3]):
    size, rate, row = row_of(line)
    row["rate"] = rate
    sweep.append(row)
if sweep:
    print("  rate sweep, 1400-byte frames (rate 0: as fast as the generator can)")
    print("  %8s %8s %8s %8s %9s %9s %7s %7s %7s %7s %9s" % (
        "rate", "gen Mpps", "enc Mpps", "dec Mpps", "enc /cpu", "dec /cpu",
        "enc/raw", "dec/raw", "enc usr", "dec usr", "ring full"))
    for row in sweep:
        print("  %8s %8.3f %8.3f %8.3f %9.3f %9.3f %7.2f %7.2f %7.2f %7.2f %9d" % (
            row["rate"] or "max", row["gen_pps"] / 1e6, row["enc_pps"] / 1e6,
            row["dec_pps"] / 1e6, row["enc_pps_per_cpu"] / 1e6,
            row["dec_pps_per_cpu"] / 1e6, row["enc_ratio"], row["dec_ratio"],
            row["enc_user_ratio"], row["dec_user_ratio"],
            row["enc_rx_ring_full"] + row["dec_rx_ring_full"]))
    # Saturation: the most packets through both workers (wall clock).
    best = max(sweep, key=lambda r: r["dec_pps"])
    print("  saturation: %.3f Mpps decrypted end to end at rate %s" % (
        best["dec_pps"] / 1e6, best["rate"] or "max"))
    res["sweep_1400"] = sweep
    res["saturation_1400"] = best
json.dump(res, open(sys.argv[4] + ".part", "w") if sys.argv[4] != "/dev/null" else open(sys.argv[4], "w"))
EOF

ip -n "$A" link set dev "$STACK" address "$mac_stack"
# The delivery device xfp does not use, for comparison (docs/worker.md).
nsx "$B" "$RAW" --tun 198.18.0.2 --seconds 1 --json "$TMPD/tun.json" | sed 's/^/  /'
echo "  worker A: $(nsx "$A" "$XFP" sa show "$DA" -j | json_get - "' '.join('%s=%s' % kv for kv in j['worker'].items() if isinstance(kv[1], int) and kv[1] and not kv[0].startswith(('in_err', 'out_err')))")"
echo "  worker B: $(nsx "$B" "$XFP" sa show "$DB" -j | json_get - "' '.join('%s=%s' % kv for kv in j['worker'].items() if isinstance(kv[1], int) and kv[1] and not kv[0].startswith(('in_err', 'out_err')))")"

# iperf3 TCP through ESP (the kernel's TCP on both ends, workers between).
nsx "$B" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
sleep 0.5
gbps=$(nsx "$A" iperf3 -c 198.18.0.2 -p 5201 -t "$SECS" -J 2>/dev/null |
	json_get - 'round(j["end"]["sum_received"]["bits_per_second"] / 1e9, 3)' 2>/dev/null || echo 0)
echo "  iperf3 TCP through ESP: $gbps Gbit/s"
if [ -n "$JSON" ]; then
	"$PY" - "$JSON.part" "$gbps" "$JSON" "$TMPD/tun.json" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))
res["iperf3_tcp_gbps"] = float(sys.argv[2])
res.update(json.load(open(sys.argv[4])))
json.dump(res, open(sys.argv[3], "w"), indent=1)
EOF
	rm -f "$JSON.part"
fi
