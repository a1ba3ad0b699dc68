#!/usr/bin/env bash
# test_fault_commit_kill.sh - `xfp policy load` killed with SIGKILL in the
# middle of a commit leaves the running policy intact, and a rerun
# succeeds.
#
# B runs a small policy OLD that blocks ICMP echo in (A's ping fails).  NEW
# is 8,000 filters that do not block ICMP (so the ping works) and takes a
# few hundred ms to parse, compile and commit.  The load of NEW is killed
# at 12 points spread over that time.  After each kill, the device must be
# in exactly one of the two states, and the datapath must agree with
# `xfp status`:
#   generation unchanged  -> OLD still enforced (ping fails, filter-block),
#   generation +1         -> NEW fully committed (ping works, 8,000 filters),
# and `xfp status`, `xfp stats` must work (no lock or pin left behind).
# Then OLD is reloaded for the next round, and at the end a rerun of the
# load of NEW must succeed.
. "$(dirname "$0")/lib.sh"
need ip ping "$XFP" "$PY"

two_hosts
bpffs_private

cat >"$TMPD/old.pol" <<'EOF'
filter add no-ping layer inbound-transport action block protocol icmp
EOF
for i in $(seq 1 8000); do
	echo "filter add f$i layer inbound-transport action block protocol udp local-port $((10000 + i)) remote-addr 198.18.$((i % 200)).0/24"
done >"$TMPD/new.pol"

check "xfp attach $DB" nsx "$B" "$XFP" attach "$DB"
check "load OLD" nsx "$B" "$XFP" policy load "$TMPD/old.pol"

gen() { nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["generation"]'; }
nfilters() { nsx "$B" "$XFP" status -j | json_get - 'j["devices"][0]["filters"]'; }
pings() { nsx "$A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; }

# How long a full load takes, to spread the kills over it.
t0=$(date +%s%N)
nsx "$B" "$XFP" policy load "$TMPD/new.pol" >/dev/null 2>&1 || fail "timing load of NEW" "failed"
ms=$((($(date +%s%N) - t0) / 1000000))
check "back to OLD" nsx "$B" "$XFP" policy load "$TMPD/old.pol"
echo "# a load of NEW takes ${ms} ms"

killed=0 old_kept=0 new_done=0 bad=0
for k in $(seq 0 11); do
	delay=$((k * (ms + 20) / 12))
	g0=$(gen)
	# Not through nsx (a shell function: $! would be its subshell, and
	# the kill would miss xfp).  ip netns exec execs xfp in its place.
	ip netns exec "$B" "$XFP" policy load "$TMPD/new.pol" >/dev/null 2>&1 &
	lp=$!
	sleep "$(printf '0.%03d' "$delay")"
	kill -9 "$lp" 2>/dev/null
	wait "$lp" 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1)) # died of the SIGKILL
	g1=$(gen)
	if [ -z "$g1" ]; then
		fail "kill at ${delay} ms: xfp status works" "no status"
		bad=$((bad + 1))
		continue
	fi
	if [ "$g1" = "$g0" ]; then
		if pings; then
			fail "kill at ${delay} ms: OLD still enforced" "generation $g1 unchanged but ping passed"
			bad=$((bad + 1))
		else
			old_kept=$((old_kept + 1))
		fi
	elif [ "$g1" = $((g0 + 1)) ]; then
		n=$(nfilters)
		if [ "$n" = 8000 ] && pings; then
			new_done=$((new_done + 1))
		else
			fail "kill at ${delay} ms: NEW complete" "generation $g1, $n filters"
			bad=$((bad + 1))
		fi
	else
		fail "kill at ${delay} ms: generation moved by one at most" "$g0 -> $g1"
		bad=$((bad + 1))
	fi
	nsx "$B" "$XFP" stats "$DB" >/dev/null 2>&1 || { fail "kill at ${delay} ms: xfp stats works" "failed"; bad=$((bad + 1)); }
	nsx "$B" "$XFP" policy load "$TMPD/old.pol" >/dev/null 2>&1 || { fail "kill at ${delay} ms: OLD reloads" "failed"; bad=$((bad + 1)); }
done
check_eq "every kill left OLD or all of NEW running ($killed kills: $old_kept OLD kept, $new_done NEW complete)" "$bad" 0
[ "$killed" -ge 6 ] && ok "at least half of the loads were killed in flight ($killed of 12)" || fail "loads killed in flight" "only $killed"
[ "$old_kept" -ge 1 ] && ok "some kills landed before the commit ($old_kept)" || fail "some kills landed before the commit" "$old_kept"
check "rerun of the load succeeds" nsx "$B" "$XFP" policy load "$TMPD/new.pol"
check_eq "NEW running after the rerun" "$(nfilters)" 8000
check "ping passes under NEW" pings
check "xfp detach $DB" nsx "$B" "$XFP" detach "$DB"
done_testing
