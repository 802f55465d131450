#!/usr/bin/env bash
# SIGKILL at random points while a snapshot is being written never leaves a
# file that reads as valid and is not whole: the target holds the old snapshot
# or the complete new one, and a left-over temporary file either fails to read
# or is the complete new snapshot byte for byte (killed between its last
# fsync and the rename).
top=$(cd "$(dirname "$0")/../.." && pwd)
synth="$top/userspace/build/host/tests/synth"
hitless="$top/userspace/build/host/hitless"
rounds=${HITLESS_KILL_ROUNDS:-25}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
valid() { "$hitless" diff "$1" "$1" >/dev/null 2>&1; }

echo "1..4"
"$synth" -r 20 -s 1 "$tmp/old.snap" && "$synth" -r 1000000 -b 2 "$tmp/new.snap" ||
	{ echo "not ok 1 - synthetic snapshots written"; exit 0; }
echo "ok 1 - synthetic snapshots written ($(stat -c %s "$tmp/new.snap") bytes)"
# How long one whole write takes here: kills land across that window.
t0=$(date +%s%N); "$synth" -r 1000000 -b 2 "$tmp/timing.snap"; t1=$(date +%s%N)
window_us=$(( (t1 - t0) / 1000 ))
echo "# a whole write takes $((window_us / 1000)) ms; $rounds kills at random points within it"

bad=0 midwrite=0 leftovers_bad=0
for ((i = 0; i < rounds; i++)); do
	mkdir -p "$tmp/r"; rm -f "$tmp"/r/* "$tmp"/r/.[!.]*
	cp "$tmp/old.snap" "$tmp/r/target.snap"
	"$synth" -r 1000000 -b 2 "$tmp/r/target.snap" &
	pid=$!
	delay=$(( RANDOM * 32768 + RANDOM ))
	delay=$(( delay % (window_us + 1) ))
	sleep "$(printf '0.%06d' "$delay")"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	ls -A "$tmp/r" | grep -q '^\.target\.snap\.tmp\.' && midwrite=$((midwrite + 1))
	if ! valid "$tmp/r/target.snap" ||
		! { cmp -s "$tmp/r/target.snap" "$tmp/old.snap" || cmp -s "$tmp/r/target.snap" "$tmp/new.snap"; }; then
		bad=$((bad + 1))
		echo "# round $i (kill after ${delay} us): the target is neither the old nor the new snapshot"
	fi
	for f in "$tmp"/r/.target.snap.tmp.*; do
		[ -e "$f" ] || continue
		if valid "$f" && ! cmp -s "$f" "$tmp/new.snap"; then
			leftovers_bad=$((leftovers_bad + 1))
			echo "# round $i: left-over $(basename "$f") reads as valid but is not whole"
		fi
	done
done
echo "# $midwrite of $rounds kills landed while a temporary file existed"
[ $bad = 0 ] && echo "ok 2 - the target is always the old or the complete new snapshot" ||
	echo "not ok 2 - the target is always the old or the complete new snapshot ($bad rounds)"
[ $leftovers_bad = 0 ] && echo "ok 3 - no left-over temporary file reads as valid unless whole" ||
	echo "not ok 3 - no left-over temporary file reads as valid unless whole ($leftovers_bad)"
[ $midwrite -gt 0 ] && echo "ok 4 - kills landed mid-write ($midwrite of $rounds)" ||
	echo "not ok 4 - kills landed mid-write (none did: the test tested nothing)"
