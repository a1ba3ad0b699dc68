#!/usr/bin/env bash
# run.sh SECONDS HARNESS... - run each libFuzzer harness for SECONDS,
# starting from its committed seed corpus (tests/fuzz/corpus/NAME) and
# keeping what it finds under build/fuzz/NAME.  A crash fails the run; the
# crashing input is left in build/fuzz/NAME/artifacts/ to be committed as a
# regression seed.
set -u
secs=$1
shift
cd "$(dirname "$0")/../.." || exit 1
out=${XFP_BUILD:-build}/fuzz
pass=0
failn=0
for h in "$@"; do
	name=$(basename "$h"); name=${name#fuzz_}
	work=$out/$name
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	echo "== fuzz $name for ${secs}s"
	if "$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
		"$work/corpus" $seeds >"$work/log" 2>&1; then
		execs=$(grep -m1 'stat::number_of_executed_units' "$work/log" | awk '{print $2}')
		echo "ok - fuzz $name: ${execs:-?} executions, no crash"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $name: crash or error, see $work/log and $work/artifacts/"
		tail -n 30 "$work/log"
		failn=$((failn + 1))
	fi
done
echo "fuzz: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
