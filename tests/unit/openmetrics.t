#!/usr/bin/env bash
# The one metrics parser of the checks (tests/lib/parse-metrics: the real
# one, python3-prometheus-client's, in its strict OpenMetrics mode) can fail:
# the collector's own metrics parse, and each way a file can be wrong,
# anywhere in it (not only its last line or its first sample), is refused.
top=$(cd "$(dirname "$0")/../.." && pwd)
P="$top/tests/lib/parse-metrics"
H="$top/userspace/build/host/hitless"
synth="$top/userspace/build/host/tests/synth"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
good='# TYPE a_seconds gauge
# UNIT a_seconds seconds
# HELP a_seconds A gauge.
a_seconds{sid="8"} 0.5
a_seconds{sid="9",x="a\"b"} 1e-9
# TYPE b counter
b_total 3
# TYPE c gauge
c NaN
# EOF'
# refused LINE-PATTERN DESCRIPTION: the good file with sed's change applied
refused() {
	n=$((n + 1))
	printf '%s\n' "$good" | sed "$1" >"$tmp/bad.prom"
	if out=$("$P" --format openmetrics "$tmp/bad.prom" 2>&1); then
		echo "not ok $n - refused: $2"
		sed 's/^/# /' "$tmp/bad.prom"
	else
		echo "ok $n - refused: $2 ($(printf '%s' "$out" | tail -n 1 | cut -c1-90))"
	fi
}
n=$((n + 1))
printf '%s\n' "$good" >"$tmp/good.prom"
out=$("$P" --format openmetrics "$tmp/good.prom" 2>&1)
[ $? = 0 ] && [ "$(printf '%s\n' "$out" | grep -vc '^#')" = 4 ] && printf '%s\n' "$out" | grep -qx 'a_seconds{sid="8"} 0.5' &&
	echo "ok $n - a good file parses: its 4 samples, labels as written" ||
	{ echo "not ok $n - a good file parses"; printf '%s\n' "$out" | sed 's/^/# /'; }
refused '$d' 'no "# EOF" at the end'
refused '4s/ 0.5$/ zero/' 'a value that is not a number (the first sample)'
refused '5s/$/ extra words/' 'a sample with more than a value and a timestamp'
refused '7s/b_total/b/' "a counter's sample without _total"
refused '9s/^c /d /' 'a sample in no declared family (the last sample)'
refused '5s/sid=/sid=9,/' 'a malformed label set'
refused '4s/}/,sid="7"}/' 'a label twice'
refused '5s/.*/a_seconds{sid="8"} 2/' 'the same sample twice'
refused '8s/gauge/gauges/' 'an unknown type'
refused '2s/seconds$/bytes/' 'a unit the family name does not end in'
refused '6a # TYPE a_seconds gauge' 'a second TYPE, after the samples'
refused '7a a_seconds{sid="10"} 1' "a family's samples not together"
refused '6i # a free comment' 'a comment that is not TYPE, HELP or UNIT'
refused '3a\\' 'an empty line'
refused '9a # EOF' '"# EOF" before the end'
n=$((n + 1))
printf '%s' "$good" >"$tmp/nonl.prom"
"$P" --format openmetrics "$tmp/nonl.prom" >/dev/null 2>&1 && echo "not ok $n - refused: no newline after # EOF" ||
	echo "ok $n - refused: no newline after # EOF"
# the collector's metrics: a verdict and a timeline of a synthetic capture
n=$((n + 1))
if "$synth" -r 100 -s 2 "$tmp/s.snap" && "$H" diff -f openmetrics --protect 8 "$tmp/s.snap" >"$tmp/v.prom" &&
	"$H" timeline -f openmetrics --protect 8 "$tmp/s.snap" >"$tmp/t.prom" &&
	"$P" --format openmetrics "$tmp/v.prom" >"$tmp/v.out" && "$P" --format openmetrics "$tmp/t.prom" >"$tmp/t.out" &&
	grep -qx 'hitless_verdict_exit_status 0.0' "$tmp/v.out"; then
	echo "ok $n - hitless diff and timeline -f openmetrics parse ($(cat "$tmp/v.out" "$tmp/t.out" | wc -l) samples)"
else
	echo "not ok $n - hitless diff and timeline -f openmetrics parse"
	cat "$tmp"/*.prom 2>/dev/null | sed 's/^/# /' | head -n 20
fi
echo "1..$n"
