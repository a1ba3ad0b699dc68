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
# raw seal/open per second of the same primitive on one core, and the
# ratio per core / raw; then iperf3 TCP through ESP.  On a 2-core machine
# the generator, both workers and the softirqs share the cores, so the
# wall-clock figures are per pipeline, the per-CPU ones per core.
#
#   bench_worker.sh [--json FILE] [--seconds S]
set -u
cd "$(dirname "$0")/.." || exit 1
JSON=
SECS=3
RATE=${RATE:-300000} # generator pps: more only starves the workers on 2 cores
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
worker_start "$A" "$DA" || { echo "bench_worker: worker A failed" >&2; exit 1; }
worker_start "$B" "$DB" || { echo "bench_worker: worker B failed" >&2; exit 1; }
keygen kab 36
keygen kba 36
nsx "$A" "$XFP" sa add "$DA" id 1 dir out spi 0x1001 alg aes256gcm16 dst 198.18.0.2 key-file "$TMPD/kab" >/dev/null &&
	nsx "$A" "$XFP" sa add "$DA" dir in spi 0x2002 alg aes256gcm16 key-file "$TMPD/kba" >/dev/null &&
	nsx "$B" "$XFP" sa add "$DB" dir out spi 0x2002 alg aes256gcm16 dst 198.18.0.1 key-file "$TMPD/kba" >/dev/null &&
	nsx "$B" "$XFP" sa add "$DB" dir in spi 0x1001 alg aes256gcm16 key-file "$TMPD/kab" >/dev/null ||
	{ echo "bench_worker: sa add failed" >&2; exit 1; }
nsx "$A" ping -c 1 -W 2 198.18.0.2 >/dev/null || { echo "bench_worker: no ESP connectivity" >&2; exit 1; }

"$RAW" --json "$TMPD/raw.json" | sed 's/^/  /'

ifa=$(ip -n "$A" -j link show "$DA" | json_get - 'j[0]["ifindex"]')
STACK=xfps$ifa
# Frames from the generator carry SA id 1 in their source address (the
# worker keeps using the stack side's real address, restored below).
mac_stack=$(ip -n "$A" -j link show "$STACK" | json_get - 'j[0]["address"]')
ip -n "$A" link set dev "$STACK" address 5a:58:00:00:00:01
macb=$(ip -n "$B" -j link show "$DB" | json_get - 'j[0]["address"]')
ctr() { worker_counter "$1" "$2" "$3"; }
# CPU seconds (user + system, all threads) a worker process has used.
wa=WPID_$DA wb=WPID_$DB
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }

echo "  AF_XDP worker, aes256gcm16, $SECS s per size"
printf '  %6s %9s %9s %9s %13s %13s %9s %9s\n' frame "gen Mpps" "enc Mpps" "dec Mpps" "enc Mpps/cpu" "dec Mpps/cpu" "enc/raw" "dec/raw"
: >"$TMPD/afxdp.txt"
for size in 64 512 1400; do
	e0=$(ctr "$A" "$DA" encrypted) d0=$(ctr "$B" "$DB" decrypted) t0=$(date +%s.%N)
	ca0=$(cpu "${!wa}") cb0=$(cpu "${!wb}")
	g=$(nsx "$A" "$GEN" --dev "$STACK" --size "$size" --duration "$SECS" --dst-mac "$macb" --rate "$RATE" -j | json_get - 'j["pps"]')
	t1=$(date +%s.%N)
	sleep 0.2
	e1=$(ctr "$A" "$DA" encrypted) d1=$(ctr "$B" "$DB" decrypted)
	ca1=$(cpu "${!wa}") cb1=$(cpu "${!wb}")
	echo "$size $g $e0 $e1 $d0 $d1 $t0 $t1 $ca0 $ca1 $cb0 $cb1" >>"$TMPD/afxdp.txt"
done
"$PY" - "$TMPD/raw.json" "$TMPD/afxdp.txt" "${JSON:-/dev/null}" <<'EOF'
import json, sys
raw = json.load(open(sys.argv[1]))
res = {"alg": raw["alg"], "engine": raw["engine"], "sizes": {}}
for line in open(sys.argv[2]):
    size, g, e0, e1, d0, d1, t0, t1, ca0, ca1, cb0, cb1 = line.split()
    dt = float(t1) - float(t0)
    ne, nd = int(e1) - int(e0), int(d1) - int(d0)
    enc, dec = ne / dt, nd / dt
    # Per core: packets per CPU-second the worker process spent.
    enc_cpu = ne / max(float(ca1) - float(ca0), 1e-3)
    dec_cpu = nd / max(float(cb1) - float(cb0), 1e-3)
    r = raw["sizes"][size]
    row = {"gen_pps": float(g), "enc_pps": enc, "dec_pps": dec,
           "enc_pps_per_cpu": enc_cpu, "dec_pps_per_cpu": dec_cpu,
           "raw_seal_pps": r["seal_pps"], "raw_open_pps": r["open_pps"],
           "enc_ratio": enc_cpu / r["seal_pps"], "dec_ratio": dec_cpu / r["open_pps"]}
    res["sizes"][size] = row
    print("  %6s %9.3f %9.3f %9.3f %13.3f %13.3f %9.2f %9.2f" % (
        size, row["gen_pps"] / 1e6, enc / 1e6, dec / 1e6, enc_cpu / 1e6, dec_cpu / 1e6,
        row["enc_ratio"], row["dec_ratio"]))
json.dump(res, open(sys.argv[3] + ".part", "w") if sys.argv[3] != "/dev/null" else open(sys.argv[3], "w"))
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
