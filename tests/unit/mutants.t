#!/usr/bin/env bash
# The mutants (tests/unit/mutants.py) still test what they name: each one's
# text is still in its file, once (a mutant that no longer applies tests
# nothing), and the runner counts a mutant that does not apply or does not
# build as a failure (exit 1), never as a pass. The full run (every mutant
# built and the unit tests run on it) is by hand: it rebuilds the tree once
# per mutant.
top=$(cd "$(dirname "$0")/../.." && pwd)
M="$top/tests/unit/mutants.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; printf '%s\n' "$out" | tail -n 5 | sed 's/^/# /'; fi; }

out=$(python3 "$M" --apply-only 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 1 | sed 's/^/# /'
check '[ $rc = 0 ]' "every mutant still applies to the tree (exit $rc)"

cat >"$tmp/extra.json" <<'EOF'
{
 "selftest: text gone": ["userspace/lib/verdict.c", "no such text in verdict.c", "x"],
 "selftest: does not build": ["userspace/main.c", "#include <stdlib.h>", "#error mutants.t: a mutant that does not build"]
}
EOF
out=$(python3 "$M" --extra "$tmp/extra.json" --apply-only 'selftest: text gone' 2>&1)
rc=$?
check '[ $rc = 1 ] && printf "%s\n" "$out" | grep -q "MUTATION NOT APPLIED: selftest: text gone"' \
	"--apply-only: a mutant whose text is gone fails the check (exit $rc)"
out=$(python3 "$M" --extra "$tmp/extra.json" 'selftest: text gone' 2>&1)
rc=$?
check '[ $rc = 1 ] && printf "%s\n" "$out" | grep -q "^0 missed, 1 not applied or not built$"' \
	"a full run with a mutant that does not apply exits 1 (got $rc)"
out=$(python3 "$M" --extra "$tmp/extra.json" 'selftest: does not build' 2>&1)
rc=$?
check '[ $rc = 1 ] && printf "%s\n" "$out" | grep -q "^BUILD FAIL selftest: does not build" && printf "%s\n" "$out" | grep -q "^0 missed, 1 not applied or not built$"' \
	"a full run with a mutant that does not build exits 1 (got $rc)"
out=$(python3 "$M" 'no such mutant' 2>&1)
rc=$?
check '[ $rc = 2 ] && printf "%s\n" "$out" | grep -q "no such mutant"' "an unknown mutant name is an error (exit $rc), not an empty pass"
echo "1..$n"
