#!/usr/bin/env bash
# run.sh SECONDS HARNESS... - run each libFuzzer harness for SECONDS,
# starting from its committed seed corpus (tests/fuzz/corpus/NAME) and
# keeping what it finds under build/fuzz/NAME.  Harnesses run two at a time
# (XFP_FUZZ_JOBS, default 2: one per core of the CI machine; each libFuzzer
# process is single-threaded), so N harnesses take about N/2 x SECONDS.
# Each one logs to build/fuzz/NAME/log; the results are printed in the
# order of the arguments once all are done.  A crash fails the run; the
# crashing input is left in build/fuzz/NAME/artifacts/ to be committed as
# a regression seed.
set -u
secs=$1
shift
cd "$(dirname "$0")/../.." || exit 1
out=${XFP_BUILD:-build}/fuzz
jobs=${XFP_FUZZ_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) jobs=2 ;; esac

# Only our own children, by pid, on Ctrl-C or termination.
kids=()
stop() {
	local p
	for p in "${kids[@]}"; do kill "$p" 2>/dev/null; done
	wait
	exit 130
}
trap stop INT TERM

name_of() {
	local n
	n=$(basename "$1")
	echo "${n#fuzz_}"
}

# fuzz_one HARNESS: run it, leave its exit code in build/fuzz/NAME/rc.
# Runs in a background subshell; a TERM or INT to it stops the harness.
fuzz_one() {
	local h=$1 name work seeds rc pid
	name=$(name_of "$h")
	work=$out/$name
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	# shellcheck disable=SC2086 # $seeds: nothing when there is no corpus
	"$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
		"$work/corpus" $seeds >"$work/log" 2>&1 &
	pid=$!
	trap 'kill "$pid" 2>/dev/null' INT TERM
	wait "$pid"
	rc=$?
	while kill -0 "$pid" 2>/dev/null; do # wait was cut short by a signal
		wait "$pid"
		rc=$?
	done
	echo "$rc" >"$work/rc"
}

start=$(date +%s)
running=0
for h in "$@"; do
	name=$(name_of "$h")
	work=$out/$name
	mkdir -p "$work/corpus" "$work/artifacts"
	rm -f "$work/rc"
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	echo "== fuzz $name for ${secs}s"
	fuzz_one "$h" &
	kids+=("$!")
	running=$((running + 1))
done
wait

pass=0
failn=0
for h in "$@"; do
	name=$(name_of "$h")
	work=$out/$name
	rc=$(cat "$work/rc" 2>/dev/null || echo '?')
	if [ "$rc" = 0 ]; then
		execs=$(grep -m1 'stat::number_of_executed_units' "$work/log" | awk '{print $2}')
		echo "ok - fuzz $name: ${execs:-?} executions, no crash"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $name: crash or error (exit $rc), see $work/log and $work/artifacts/"
		tail -n 30 "$work/log"
		failn=$((failn + 1))
	fi
done
echo "# $# harnesses, $jobs at a time, ${secs} s each: $(($(date +%s) - start)) s"
echo "fuzz: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
