#!/bin/sh
# A build without bpf/ (no skeleton: userspace/build/host/tests/hitless-nobpf,
# the same verbs over lib/capture.c built without it): record, snapshot and
# monitor still parse their options and print --help; a capture says it
# needs the BPF capture, exit 2.
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/userspace/build/host/tests/hitless-nobpf"
. "$top/tests/lib/tap.sh"
for v in record snapshot monitor; do
	out=$("$H" $v --help 2>&1); rc=$?
	ok $([ $rc = 0 ] && printf '%s\n' "$out" | grep -q "^Usage: hitless $v "; echo $?) \
		"no BPF in the build: $v --help prints its synopsis, exit 0 (got $rc)"
done
err=$("$H" record -o /nonexistent/x 2>&1 >/dev/null); rc=$?
ok $([ $rc = 2 ] && printf '%s\n' "$err" | grep -q "'record' needs the BPF capture"; echo $?) \
	"no BPF in the build: record says it needs the BPF capture, exit 2 (got $rc: $err)"
err=$("$H" record -o /nonexistent/x --budget x 2>&1 >/dev/null); rc=$?
ok $([ $rc = 2 ] && printf '%s\n' "$err" | grep -q "bad --budget"; echo $?) \
	"no BPF in the build: a bad option is still the option's error, exit 2"
done_tap
