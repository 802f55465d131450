#!/usr/bin/env bash
# seed-check.sh FLAVOR SCENARIO EXIT RULES [IOVA]
# Run a seeded-fault (or the clean) scenario on the rig and judge, as TAP, the
# capture it brings back (capture.snap) with `hitless diff --protect 8`:
#   EXIT   the exit status expected (0 hitless, 1 findings, 2 incomplete)
#   RULES  the exact set of rules that must fire, comma-separated ("-": none);
#          no other rule may fire
#   IOVA   the first IOVA the page-table findings must name (hex), if any
# Every finding must name StreamID 8 (edu, the protected one) or an IOVA.
# SEED_CHECK_MORE=FILE: a shell file sourced at the end, with more checks.
# A scenario with STE-BREAK also checks `hitless timeline`: the STE's dark time.
top=$(cd "$(dirname "$0")/../.." && pwd)
flavor=$1 scen=$2 want_rc=$3 want_rules=$4 want_iova=${5:-}
hl="$top/userspace/build/host/hitless"
files="$top/out/rig/$flavor-$scen.files"
snap="$files/capture.snap"
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $flavor $scen: $2"; else echo "not ok $n - $flavor $scen: $2"; fi; }

rm -f "$snap"
out=$("$top/scripts/rig.sh" --tap --kernel "$flavor" --scenario "$scen" -q -global -q e1000e.romfile= 2>&1)
rig=$?
printf '%s\n' "$out" | grep -E '^(not )?ok|hitless_seed: |hitless: .*(lost|verify|attached)' | sed 's/^/# /'
check '[ $rig = 0 ]' "every step in the guest passed (rig exit $rig)"
check '[ -s "$snap" ]' "the capture came back ($snap)"

text=$("$hl" diff --protect 8 "$snap" 2>&1)
rc=$?
printf '%s\n' "$text" | sed 's/^/# diff| /'
json=$("$hl" -j diff --protect 8 "$snap" 2>/dev/null)
check '[ $rc = $want_rc ]' "hitless diff --protect 8 exits $want_rc (got $rc)"
got=$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(",".join(sorted({f["rule"] for f in d["findings"]})) or "-")' 2>/dev/null)
check '[ "$got" = "$want_rules" ]' "the rules that fired are exactly $want_rules (got ${got:-unparsable})"
check 'printf "%s" "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
for f in d[\"findings\"]:
    assert f.get(\"sid\") == 8 or (\"sid\" not in f and \"iova_start\" in f), f
assert d[\"protected\"] == [8]
"' "every finding names StreamID 8 (the protected one) or an IOVA"
if [ -n "$want_iova" ]; then
	check 'printf "%s" "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
iv = [f[\"iova_start\"] for f in d[\"findings\"] if \"iova_start\" in f]
assert iv and all(int(v, 16) == int(sys.argv[1], 16) for v in iv), iv
" "$want_iova"' "the page-table finding names IOVA $want_iova"
fi
# The rig's SMMU has BBML2 (QEMU's model: IDR3.BBM = 2, the capture reads it):
# a block split in one write is the warning BBM-SIZE is on such an SMMU
case $want_rules in
*BBM-SIZE*) check 'printf "%s" "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
b = [f for f in d[\"findings\"] if f[\"rule\"] == \"BBM-SIZE\"]
assert d[\"bbml2\"] is True and b, (d[\"bbml2\"], b)
assert all(f[\"severity\"] == \"warning\" and \"the SMMU has BBML2\" in f[\"message\"] for f in b), b
"' "BBM-SIZE is a warning: the capture knows the SMMU has BBML2 (IDR3.BBM = 2)" ;;
esac
# Without --protect, the default: every device the capture saw a VMM attach
# (iommufd or VFIO type1) is protected, with the same exit status: StreamID 8
# when the capture saw edu attached (a driver attach naming StreamID 8 and a
# VMM's attach); a capture started after the VMM attached edu does not
# protect it by default (another device's attach it saw may be).
def_json=$("$hl" -j diff "$snap" 2>/dev/null)
def_rc=$?
saw=$("$hl" show -j "$snap" 2>/dev/null | python3 -c '
import json, sys
ev = json.load(sys.stdin)["events"]
print(int(any(e["kind"] == "iommufd" and e["op"] == "HWPT_ATTACH" for e in ev) and
          any(e["kind"] == "attach" and 8 in e.get("sids", []) for e in ev)))' 2>/dev/null)
check '[ $def_rc = $want_rc ] && printf "%s" "$def_json" | python3 -c "
import json, sys
p = json.load(sys.stdin)[\"protected\"]
assert (8 in p) == (sys.argv[1] == \"1\"), p
" "$saw"' "without --protect, the default protects StreamID 8 exactly when the capture saw the VMM attach it (saw: ${saw:-?}), exit $want_rc (got $def_rc)"
# The timeline: how long StreamID 8 had no translation (a break is dark time,
# STE invalid its part; the clean run has none)
tl=$("$hl" timeline --protect 8 "$snap" 2>&1 | grep -E '^ +StreamID 8 ')
printf '%s\n' "$tl" | sed 's/^/# timeline| /'
case $want_rules in
*STE-BREAK*) check 'printf "%s" "$tl" | grep -qE "no translation for [0-9.]*[1-9][0-9.]* (ns|us|ms|s) \(.*ste invalid [0-9.]*[1-9]"' \
	"the timeline counts StreamID 8's STE break as dark time" ;;
-) [ "$want_rc" = 0 ] && check 'printf "%s" "$tl" | grep -qE "no translation for 0 ns$"' \
	"the timeline has no dark time for StreamID 8" ;;
esac
case $want_rc in
0) check 'printf "%s\n" "$text" | head -n1 | grep -q "^verdict: HITLESS (exit 0)"' "the verdict says HITLESS" ;;
1) check 'printf "%s\n" "$text" | head -n1 | grep -q "^verdict: NOT HITLESS (exit 1)"' "the verdict says NOT HITLESS" ;;
2)
	# the collector's own count of lost records, and the verdict's
	lost=$(printf '%s\n' "$out" | sed -n 's/.*capture.*records, \([0-9]*\) lost.*/\1/p; s/.*hl-rec.hls: [0-9]* records, \([0-9]*\) lost.*/\1/p' | tail -n1)
	check 'printf "%s\n" "$text" | head -n1 | grep -q "^verdict: INCOMPLETE (exit 2): ${lost:-x} records lost" && [ "${lost:-0}" -gt 0 ]' \
		"the verdict says INCOMPLETE with the ${lost:-?} records the collector lost"
	check '! printf "%s\n" "$text" | grep -q "HITLESS (exit 0)"' "never HITLESS"
	;;
esac
# A test's own checks on the same run and capture (SEED_CHECK_MORE, sourced:
# it has $out, $snap, $hl, $json, $text and check())
[ -z "${SEED_CHECK_MORE:-}" ] || . "$SEED_CHECK_MORE"
echo "1..$n"
