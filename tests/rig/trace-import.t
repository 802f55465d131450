#!/usr/bin/env bash
# The collector reads the patched kernel's persistent trace instances
# (scenario trace-import, command line of docs/early-boot-tracing.md): boot 2's
# `hitless snapshot --trace hitless_prev,hitless` holds the first kernel's last
# events (SMMU shutdown, kexec_machine) and the second kernel's early boot
# (LUO boot, SMMU probe, reset_done) with their counters, and `hitless
# timeline` puts them on one counter timeline in order, with plausible
# durations. Checked on the host with the host's hitless.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
hl=$top/userspace/build/host/hitless
files=$top/out/rig/patched-trace-import.files
. "$top/scripts/lib.sh"
trace_args=$(trace_instance_args)

n=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if [ -z "${HITLESS_TRACE_IMPORT_FILES:-}" ]; then
	rm -rf "$files"
	out=$("$top/scripts/rig.sh" --kernel patched --scenario trace-import --timeout 300 \
		--append "$trace_args" -q -global -q e1000e.romfile= 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	ok $rc "scenario trace-import: every guest step ok (snapshots with --trace, clear errors, import)"
else
	files=$HITLESS_TRACE_IMPORT_FILES	# checks only, on files of an earlier run
fi

after=$files/after.snap before=$files/before.snap
[ -f "$after" ] && [ -f "$before" ]
ok $? "before.snap and after.snap came back from the guest"

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# exit 0: the log is complete (no loss, no gap, no write missing between records)
"$hl" show -j "$after" >"$tmp/show.json" 2>"$tmp/show.err"
ok $? "hitless show -j after.snap: complete"
"$hl" timeline -j "$after" >"$tmp/tl.json" 2>"$tmp/tl.err"
ok $? "hitless timeline -j after.snap: complete"
"$hl" timeline -j "$before" "$after" >"$tmp/tl2.json" 2>"$tmp/tl2.err"
ok $? "hitless timeline -j before.snap after.snap: complete"
"$hl" show -j "$files/rec.snap" >"$tmp/rec.json" 2>"$tmp/rec.err"
ok $? "hitless show -j rec.snap (record --trace hitless): complete"
# import.snap (steps/trace-import-again: hitless import after both snapshots
# and the record read the instances): a complete snapshot of boot 2 with no
# record, since reading an instance consumes it (none is read twice).
"$hl" show -j "$files/import.snap" >"$tmp/import.json" 2>"$tmp/import.err"
rc=$?
python3 - "$tmp/import.json" "$tmp/show.json" <<'PY' | sed 's/^/# /'
import json, sys
i, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("import.snap: boot %s, %d records; after.snap: boot %s" % (i["meta"]["boot"], len(i["events"]), a["meta"]["boot"]))
sys.exit(not (i["meta"]["boot"] == a["meta"]["boot"] and not i["events"] and i["complete"]))
PY
[ $rc = 0 ] && [ "${PIPESTATUS[0]}" = 0 ]
ok $? "import.snap: boot 2's, complete, no record left in the instances once read"
"$hl" timeline "$after" 2>&1 | sed 's/^/# /'

# The checks, in Python (JSON); one TAP line each, numbered on from $n.
python3 - "$tmp/show.json" "$tmp/tl.json" "$tmp/tl2.json" "$n" <<'EOF'
import json, sys
show = json.load(open(sys.argv[1])); tl = json.load(open(sys.argv[2])); tl2 = json.load(open(sys.argv[3]))
n = int(sys.argv[4])
def ok(c, d, diag=None):
    global n
    n += 1
    print(("ok" if c else "not ok"), n, "-", d)
    if not c and diag is not None:
        print("# " + str(diag).replace("\n", "\n# "))

def find_list(o, key):
    if isinstance(o, dict):
        if key in o and isinstance(o[key], list):
            return o[key]
        for v in o.values():
            r = find_list(v, key)
            if r is not None:
                return r
    return None

ev = find_list(show, "events") or find_list(show, "records") or []
ok(len(ev) > 0, "after.snap has an event log (%d records)" % len(ev), list(show.keys()))
boots = []
for r in ev:
    if r.get("boot") not in boots:
        boots.append(r.get("boot"))
ok(len(boots) >= 2, "records of two boots: %s" % boots)
ms = [r for r in ev if r.get("kind") == "milestone"]
tp = [r for r in ev if r.get("mode") == "tracepoint"]
ok(len(tp) > 0, "records from the trace instances (mode tracepoint): %d" % len(tp))
def has(pred):
    return [r for r in ms if pred(r)]
old = boots[0] if boots else None
new = boots[-1] if boots else None
km = has(lambda r: r["milestone"] == "KEXEC_REBOOT" and r.get("note", "").startswith("kexec_machine"))
ok(len(km) == 1 and km[0]["boot"] == old and km[0]["cntvct"] > 0,
   "the old kernel's kexec_machine (KEXEC_REBOOT) with its counter", km)
sd = has(lambda r: r.get("note", "").startswith("smmu:shutdown"))
ok(len(sd) >= 1 and all(r["boot"] == old and r["cntvct"] > 0 for r in sd),
   "the old kernel's SMMU shutdown with its counter", sd)
ks = has(lambda r: r["milestone"] == "KERNEL_START" and r["boot"] == new)
ok(len(ks) == 1 and ks[0]["cntvct"] > 0 and ks[0]["arg"] >= 1,
   "the new kernel's LUO boot milestone (KERNEL_START, live update number %s)" % (ks[0]["arg"] if ks else "?"), ks)
ps = has(lambda r: r["milestone"] == "SMMU_PROBE_START" and r["boot"] == new)
pe = has(lambda r: r["milestone"] == "SMMU_PROBE_END" and r["boot"] == new)
ok(len(ps) >= 1 and len(pe) >= 1 and ps[0]["cntvct"] > 0 and pe[0]["cntvct"] > 0,
   "the new kernel's SMMU probe and reset_done with counters", ps + pe)
if km and sd and ks and ps and pe:
    ok(sd[-1]["cntvct"] <= km[0]["cntvct"] < ks[0]["cntvct"] <= ps[0]["cntvct"] <= pe[-1]["cntvct"],
       "counters in order: shutdown <= kexec_machine < boot < probe <= reset_done")
else:
    ok(False, "counters in order (milestones missing)")
seqs = {}
dup = 0
for r in ev:
    k = (r["boot"], r["seq"])
    dup += k in seqs
    seqs[k] = 1
ok(dup == 0, "sequence numbers unique per boot (%d duplicates)" % dup)
kinds = set(r["kind"] for r in tp if r["boot"] == new)
ok({"ste", "cmd", "reg", "attach", "milestone"} <= kinds,
   "the new kernel's early boot: STE writes, commands, register writes, attaches (%s)" % sorted(kinds))

for name, t in (("after.snap", tl), ("before.snap + after.snap", tl2)):
    cp = t.get("critical_path", [])
    steps = [s["step"] for s in cp]
    want = ["old kernel: last instant (kexec reboot)", "new kernel: start", "SMMU probe: start", "SMMU probe: end"]
    got = [s for s in steps if s in want]
    ok(got == want and all(not s.get("approximate") for s in cp if s["step"] in want),
       "%s: critical path old kernel's last instant -> new kernel start -> SMMU probe start -> end, exact" % name, steps)
    ok(t.get("clock_correlated") is True, "%s: both boots on one counter timeline" % name, t.get("notes"))
    durs = {s["step"]: s.get("since_previous_ns") for s in cp}
    kx = durs.get("new kernel: start"); pr = durs.get("SMMU probe: start"); pd = durs.get("SMMU probe: end")
    ok(kx is not None and 0 < kx < 30e9, "%s: kexec_machine -> new kernel start %s ns (0 < d < 30 s)" % (name, kx))
    ok(pr is not None and 0 <= pr < 30e9, "%s: new kernel start -> SMMU probe %s ns (0 <= d < 30 s)" % (name, pr))
    ok(pd is not None and 0 <= pd < 5e9, "%s: SMMU probe -> reset_done %s ns (0 <= d < 5 s)" % (name, pd))
print("1..%d" % n)
EOF
