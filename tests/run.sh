#!/usr/bin/env bash
# run.sh - run test tiers and total their results.
#
#   tests/run.sh [unit] [bpf] [netns]     (default: all three)
#
# Every test program prints TAP lines ("ok N - name" / "not ok N - name").
# A program that exits non-zero without a "not ok" line counts as one
# failure, so a crash is never a pass.  Prints "TIER: N passed, N failed"
# per tier and a last line "N passed, N failed" over all tiers.
# TEST_FILTER=REGEX runs only the programs whose path matches.
set -u
cd "$(dirname "$0")/.." || exit 1
export XFP_BUILD=${XFP_BUILD:-build}
export XFP_SRCDIR=$PWD
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
VERBOSE=${V:-0}
logdir=$XFP_BUILD/test-logs
mkdir -p "$logdir"

total_pass=0
total_fail=0
failed_list=()

run_one() { # tier program [interpreter]
	local tier=$1 prog=$2 name log rc npass nfail
	name=$(basename "$prog")
	log=$logdir/$tier-$name.log
	case "$prog" in
	*.sh) timeout -k 10 "${TEST_TIMEOUT:-900}" bash "$prog" >"$log" 2>&1 ;;
	*.py) timeout -k 10 "${TEST_TIMEOUT:-900}" /usr/bin/python3 "$prog" >"$log" 2>&1 ;;
	*) timeout -k 10 "${TEST_TIMEOUT:-900}" "$prog" >"$log" 2>&1 ;;
	esac
	rc=$?
	npass=$(grep -cE '^ok [0-9]*' "$log")
	nfail=$(grep -cE '^not ok' "$log")
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		echo "not ok - $name exited with status $rc" >>"$log"
		nfail=1
	fi
	if [ "$npass" -eq 0 ] && [ "$nfail" -eq 0 ]; then
		echo "not ok - $name ran no test" >>"$log"
		nfail=1
	fi
	tier_pass=$((tier_pass + npass))
	tier_fail=$((tier_fail + nfail))
	if [ "$nfail" -gt 0 ]; then
		printf '  FAIL %-40s %d passed, %d failed (log: %s)\n' "$name" "$npass" "$nfail" "$log"
		grep -E '^not ok' "$log" | sed 's/^/       /' | head -20
		if [ "$VERBOSE" = 1 ]; then sed 's/^/       | /' "$log"; else tail -n 15 "$log" | grep -vE '^(ok|not ok)' | sed 's/^/       | /'; fi
		failed_list+=("$tier/$name")
	else
		printf '  ok   %-40s %d passed\n' "$name" "$npass"
		[ "$VERBOSE" = 1 ] && sed 's/^/       | /' "$log"
	fi
}

tier_programs() {
	case "$1" in
	unit) ls "$XFP_BUILD"/tests/unit/test_* tests/unit/test_*.sh tests/unit/test_*.py 2>/dev/null | grep -vE '\.(o|d)$' ;;
	bpf) ls "$XFP_BUILD"/tests/bpf/test_* tests/bpf/test_*.sh 2>/dev/null | grep -vE '\.(o|d)$' ;;
	netns) ls tests/netns/test_*.sh 2>/dev/null ;;
	esac
}

tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(unit bpf netns)
for tier in "${tiers[@]}"; do
	case "$tier" in unit|bpf|netns) ;; *) echo "run.sh: unknown tier '$tier' (expected unit, bpf or netns)" >&2; exit 2 ;; esac
	tier_pass=0
	tier_fail=0
	echo "== $tier"
	progs=$(tier_programs "$tier")
	if [ -n "${TEST_FILTER:-}" ]; then progs=$(echo "$progs" | grep -E "$TEST_FILTER"); fi
	if [ -z "$progs" ]; then
		echo "  FAIL no test programs found for tier $tier (was the tree built?)"
		tier_fail=1
		failed_list+=("$tier/<none>")
	fi
	for p in $progs; do
		run_one "$tier" "$p"
	done
	echo "$tier: $tier_pass passed, $tier_fail failed"
	total_pass=$((total_pass + tier_pass))
	total_fail=$((total_fail + tier_fail))
done
if [ ${#failed_list[@]} -gt 0 ]; then
	echo "failed: ${failed_list[*]}"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
