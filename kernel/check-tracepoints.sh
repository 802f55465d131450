#!/bin/sh
# Check tracepoints.txt against a kernel's tracefs: every event it lists
# exists, with exactly the fields it lists (name and type, in any order,
# common_* fields aside). POSIX sh and awk, so it runs in a busybox guest.
#
#   check-tracepoints.sh [TRACEPOINTS_TXT [TRACEFS]]
#
# TRACEFS is a tracefs mount (default /sys/kernel/tracing) or any folder
# with the same events/SYSTEM/EVENT/format layout. Output is KTAP; the exit
# status is 0 when every event matches.
set -u
doc=${1:-$(dirname "$0")/../tracepoints.txt}
tracefs=${2:-/sys/kernel/tracing}

[ -r "$doc" ] || { echo "check-tracepoints: cannot read $doc" >&2; exit 2; }
[ -d "$tracefs/events" ] || { echo "check-tracepoints: no $tracefs/events" >&2; exit 2; }

tmp=${TMPDIR:-/tmp}/check-tracepoints.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT

# The documented fields as "SYSTEM:EVENT NAME TYPE", types in the format
# file's spelling. Consecutive "event" lines share the "field" lines after
# them.
awk '
/^event [a-z0-9_]+:[a-z0-9_]+/ {
	if (!inev) n = 0
	inev = 1; ev[++n] = $2; print $2 > EVENTS; next
}
/^  field / {
	inev = 0
	name = $2; type = $3
	if (type == "string")
		type = "__data_loc char[]"
	else if (type ~ /\[\]$/)
		type = "__data_loc " type
	else if (type ~ /\[[0-9]+\]$/) {
		dim = type; sub(/^[^[]*/, "", dim); sub(/\[.*/, "", type)
		name = name dim
	}
	for (i = 1; i <= n; i++) print ev[i], name, type
	next
}
{ inev = 0 }
' EVENTS="$tmp/events" "$doc" | sort >"$tmp/want"

total=$(wc -l <"$tmp/events")
echo "KTAP version 1"
echo "1..$total"
i=0 fail=0
while read -r ev; do
	i=$((i + 1))
	fmt="$tracefs/events/${ev%%:*}/${ev#*:}/format"
	if [ ! -r "$fmt" ]; then
		echo "not ok $i $ev # no $fmt"; fail=$((fail + 1)); continue
	fi
	# "field:TYPE NAME;" -> "EVENT NAME TYPE", common fields left out
	awk -v ev="$ev" -F'\t' '
	/^\tfield:/ {
		d = $2; sub(/^field:/, "", d); sub(/;$/, "", d)
		name = d; sub(/.* /, "", name); type = d; sub(/ [^ ]*$/, "", type)
		if (name ~ /^common_/) next
		print ev, name, type
	}' "$fmt" | sort >"$tmp/have"
	awk -v ev="$ev" '$1 == ev' "$tmp/want" >"$tmp/want1"
	if cmp -s "$tmp/want1" "$tmp/have"; then
		echo "ok $i $ev"
	else
		echo "not ok $i $ev"
		diff "$tmp/want1" "$tmp/have" | sed -n 's/^</# documented, not in tracefs:/p; s/^>/# in tracefs, not documented:/p'
		fail=$((fail + 1))
	fi
done <"$tmp/events"
echo "# $((total - fail))/$total events match $doc"
[ $fail = 0 ]
