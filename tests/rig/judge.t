#!/usr/bin/env bash
# The host's judge of guest KTAP can fail: a failing step, a step's output that
# looks like a result, a hung step, and a guest that never finishes are each
# reported as failures, with the log's tail; and an exported file arrives whole.
top=$(cd "$(dirname "$0")/../.." && pwd)
rig="$top/scripts/rig.sh"
log="$top/out/rig/judge.log"
echo "1..7"
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

out=$("$rig" --tap --kernel stock --scenario selftest-fail --append hitless.step_timeout=5 -o "$log")
rc=$?
printf '%s\n' "$out" | sed 's/^/# /' | tail -n 12
check '[ $rc = 1 ]' "a scenario with failures exits 1 (got $rc)"
check 'printf "%s\n" "$out" | grep -q "^not ok 2 - fails"' "the failing step is not ok"
check 'printf "%s\n" "$out" | grep -q "^ok 3 - passes-after"' "the run goes on after a failure"
check 'printf "%s\n" "$out" | grep -q "^not ok 4 - hangs"' "a hung step is killed and not ok"
check '! printf "%s\n" "$out" | grep -q "^ok 99"' "a step's output is never taken for a result"
check 'cmp -s "${log%.log}.files/exported-step" "$top/tests/guest/steps/fail-with-output"' \
	"a file exported by the guest arrives byte for byte"

out=$("$rig" --tap --kernel stock --scenario boot --timeout 3 -o "$log.timeout")
rc=$?
check '[ $rc = 1 ] && printf "%s\n" "$out" | grep -q "did not finish within 3 s"' \
	"a run past its bound is killed and reported (rc $rc)"
