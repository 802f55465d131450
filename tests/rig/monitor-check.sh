#!/usr/bin/env bash
# monitor-check.sh FLAVOR: `hitless monitor --protect 8` in the guest, as TAP.
#   monitor-break  a seeded breaking replace of StreamID 8 (as seed-break-ste):
#                  the running monitor printed STE-BREAK for StreamID 8 before
#                  it was stopped; it exits 1; its metrics file (exported back)
#                  parses as OpenMetrics and counts the STE-BREAK
#   monitor-clean  the VMM's clean run, -j: no finding in its JSON lines,
#                  stopped by SIGTERM, exit 0, metrics 0
#   monitor-lost   a one-page ring buffer under a map/unmap burst: LOST
#                  printed, INCOMPLETE (exit 2), never HITLESS; metrics count it
top=$(cd "$(dirname "$0")/../.." && pwd)
flavor=$1
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $flavor $scen: $2"; else echo "not ok $n - $flavor $scen: $2"; fi; }

# The metrics file, parsed back line by line by the checks' one OpenMetrics
# parser (tests/rig/openmetrics.py); prints "name{labels} value" of each sample.
parse() { python3 "$top/tests/rig/openmetrics.py" "$1"; }
# the sample's value, "none" when there is no such sample
val() { printf '%s\n' "$metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v == "" ? "none" : v }'; }
atleast() { v=$(val "$1"); [ "$v" != none ] && awk -v v="$v" -v m="$2" 'BEGIN { exit !(v >= m) }'; }

for scen in monitor-break monitor-clean monitor-lost; do
	files="$top/out/rig/$flavor-$scen.files"
	rm -f "$files/monitor.prom" "$files/monitor.out"
	out=$("$top/scripts/rig.sh" --tap --kernel "$flavor" --scenario "$scen" -q -global -q e1000e.romfile= 2>&1)
	rig=$?
	printf '%s\n' "$out" | grep -E '^(not )?ok|out\| |live: |monitor exit|sent SIGTERM|hitless: ' | sed 's/^/# /'
	check '[ $rig = 0 ]' "every step in the guest passed (rig exit $rig)"
	check '[ -s "$files/monitor.prom" ] && [ -f "$files/monitor.out" ]' "the metrics file and the output came back"
	metrics=$(parse "$files/monitor.prom" 2>&1)
	prc=$?
	printf '%s\n' "$metrics" | sed 's/^/# metrics| /'
	check '[ $prc = 0 ]' "the metrics file parses as OpenMetrics"
	[ $scen = monitor-lost ] ||
		check '[ "$(val hitless_lost_records)" = 0.0 ] && [ "$(val hitless_sequence_gaps)" = 0.0 ]' \
			"no record lost or missing"
	check 'atleast hitless_monitor_records_total 1' "records were captured"
	check 'atleast "hitless_device_dark_seconds{sid=\"8\"}" 0 && atleast "hitless_protected_valid_seconds{sid=\"8\"}" 0.000001' \
		"StreamID 8's valid and dark time are there"
	case $scen in
	monitor-break)
		check 'printf "%s\n" "$out" | grep -q "# live: STE-BREAK$"' \
			"the running monitor printed STE-BREAK for StreamID 8 before it was stopped"
		check 'grep -q "^ERROR   STE-BREAK  StreamID 8: .*\[records " "$files/monitor.out"' \
			"the finding names the rule, StreamID 8 and its records"
		check 'printf "%s\n" "$out" | grep -q "# monitor exit 1$" && grep -q "^verdict: NOT HITLESS (exit 1)" "$files/monitor.out"' \
			"final verdict NOT HITLESS, exit 1"
		check 'atleast "hitless_findings{rule=\"STE-BREAK\",severity=\"error\"}" 1' \
			"the metrics count the STE-BREAK"
		check '[ "$(val hitless_verdict_exit_status)" = 1.0 ]' "the metrics' exit status is 1"
		check 'atleast "hitless_device_darkenings_total{sid=\"8\"}" 1 && atleast "hitless_device_dark_seconds{sid=\"8\"}" 0.000000001' \
			"the metrics count StreamID 8 going dark"
		;;
	monitor-clean)
		# -j: one JSON object a line; here only the verdict
		events=$(python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(e["event"] for e in ev))
v = ev[-1]
assert v["event"] == "verdict" and v["verdict"] == "hitless" and v["exit_status"] == 0 and v["errors"] == 0, v
' "$files/monitor.out" 2>&1)
		prc=$?
		printf '%s\n' "$events" | sed 's/^/# events| /'
		check '[ $prc = 0 ] && [ "$events" = verdict ]' "-j: JSON lines, no finding, the verdict hitless with exit_status 0"
		check 'printf "%s\n" "$out" | grep -q "# sent SIGTERM$" && printf "%s\n" "$out" | grep -q "# monitor exit 0$"' \
			"stopped by SIGTERM: exit 0"
		check '[ "$(val "hitless_verdict_findings{severity=\"error\"}")" = 0.0 ] && [ "$(val "hitless_verdict_findings{severity=\"warning\"}")" = 0.0 ] && ! printf "%s\n" "$metrics" | grep -q "^hitless_findings{"' \
			"the metrics count no finding"
		check '[ "$(val hitless_verdict_exit_status)" = 0.0 ]' "the metrics' exit status is 0"
		;;
	monitor-lost)
		lost=$(sed -n 's/^LOST  *[0-9]* record(s) dropped (\([0-9]*\) in all).*/\1/p' "$files/monitor.out" | tail -n1)
		check 'printf "%s\n" "$out" | grep -q "# live: LOST$" && [ "${lost:-0}" -gt 0 ]' \
			"LOST printed while running (${lost:-no} records in all)"
		check 'printf "%s\n" "$out" | grep -q "# monitor exit 2$" && grep -q "^verdict: INCOMPLETE (exit 2): [1-9][0-9]* records lost" "$files/monitor.out" && ! grep -q "HITLESS (exit 0)" "$files/monitor.out"' \
			"final verdict INCOMPLETE with the count, exit 2, never HITLESS"
		check 'atleast hitless_lost_records 1 && [ "$(val hitless_verdict_exit_status)" = 2.0 ]' \
			"the metrics count the loss and say exit status 2"
		;;
	esac
done
echo "1..$n"
