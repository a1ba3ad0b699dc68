#!/usr/bin/env bash
# run.sh - `make bench`: run every benchmark, print its table, and merge
# all figures into one JSON file with the machine and the git revision.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${XFP_BUILD:-build}
out=$B/bench
mkdir -p "$out"
parts=()
status=0
for b in "$B"/bench/bench_*; do
	case "$b" in *.o|*.d|*_raw) continue ;; esac  # *_raw: run by its .sh
	[ -x "$b" ] || continue
	name=$(basename "$b")
	echo "== $name"
	if "$b" --json "$out/$name.json"; then parts+=("$out/$name.json"); else echo "$name failed" >&2; status=1; fi
done
for s in bench/bench_*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "$s" .sh)
	echo "== $name"
	if bash "$s" --json "$out/$name.json"; then parts+=("$out/$name.json"); else echo "$name failed" >&2; status=1; fi
done
/usr/bin/python3 - "$out/results.json" "${parts[@]}" <<'PY'
import json, os, platform, subprocess, sys
res = {"machine": {}, "benchmarks": {}}
cpu = "unknown"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
except OSError:
    pass
rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
res["machine"] = {"cpu": cpu, "kernel": platform.release(), "cores": os.cpu_count(), "git": rev}
for p in sys.argv[2:]:
    name = os.path.basename(p)[:-5]
    with open(p) as f:
        res["benchmarks"][name] = json.load(f)
with open(sys.argv[1], "w") as f:
    json.dump(res, f, indent=1)
print("results written to", sys.argv[1])
PY
exit $status
