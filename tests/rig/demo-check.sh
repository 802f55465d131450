#!/usr/bin/env bash
# demo-check.sh FLAVOR: run the README's demo (scripts/demo.sh --no-setup) on
# the FLAVOR kernel and check, as TAP, that it tells the truth and that every
# output form it wrote parses. The patched kernel hands StreamID 8's
# translation over across the kexec (kernel/patches 0010-0017): HITLESS, no
# finding, the device never dark. Stock 7.3 resets the SMMU in the next
# kernel: NOT HITLESS, and the findings show it.
top=$(cd "$(dirname "$0")/../.." && pwd)
flavor=$1
out="$top/out/demo/$flavor"
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $flavor: $2"; else echo "not ok $n - $flavor: $2"; fi; }

mkdir -p "$top/out/demo"
# A rig that cannot run (no QEMU, no kernel under this cache) is the demo's exit 3, never
# 1 (findings): the status below is the verdict's only when the rig ran.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
HITLESS_CACHE="$tmp" "$top/scripts/demo.sh" --no-setup "$flavor" >"$tmp/norig.out" 2>&1
rc=$?
check '[ $rc = 3 ] && grep -q "^hitless: error: " "$tmp/norig.out"' "a rig that cannot run: the demo exits 3, not a verdict's 0, 1 or 2 (got $rc)"
"$top/scripts/demo.sh" --no-setup "$flavor" >"$out.stdout" 2>&1
rc=$?
sed 's/^/# /' "$out.stdout" | grep -vE '^# +(StreamID|IOVA|records)' | head -n 40
# The second snapshot decoded once (hitless show -j), for the checks below.
shown="$out/after.show.json"
"$top/userspace/build/host/hitless" show -j "$out/serial.files/after.snap" >"$shown" 2>/dev/null
attach_outcomes() {
	python3 - "$shown" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
me = d["meta"]["boot"]
o = [e["outcome"] for e in d["events"]
     if e["kind"] == "attach" and e["boot"] == me and 8 in e["sids"] and e["ssid"] == 0]
print("StreamID 8 attaches in boot 2: " + (", ".join(o) or "none"))
sys.exit(o[:2] != ["no-change", "hitless"])
PY
}
if [ "$flavor" = patched ]; then
	check '[ $rc = 0 ]' "the demo exits 0 (hitless), not 1 or 2 (got $rc)"
	check 'grep -q "^verdict: HITLESS" "$out/verdict.txt"' "the verdict comes first and says HITLESS"
	check 'grep -qE "^0000:00:01.0 +[0-9]+ +8 +HITLESS +0 ns +-$" "$out/verdict.txt"' \
		"the verdict per device: edu (0000:00:01.0, StreamID 8) HITLESS, no dark time, no rule"
	check 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"complete\"] and not d[\"findings\"] and 8 in d[\"protected\"]" "$out/verdict.json"' \
		"verdict.json parses: complete log, StreamID 8 protected, no finding"
	check 'grep -q "live update: adopted the stream table" "$out/serial.log" && grep -q "live update: StreamID 8: restored domain with the preserved STE" "$out/serial.log" && grep -qE "live update: group [0-9]+: restored domain attached at probe" "$out/serial.log"' \
		"the new kernel adopted the stream table and attached StreamID 8's restored domain to its group at probe"
	check 'grep -qE "dma-api: [0-9a-f:.]+ refused to the DMA API driver \(EBUSY\) while its restored domain is attached" "$out/serial.log"' \
		"a DMA API driver cannot bind to the device while its restored domain is attached (EBUSY, no probe)"
	check 'grep -qE "restored-walk: IOVA 0x1000000 -> 0x[0-9a-f]+ in both: the same translation" "$out/serial.log"' \
		"the restored domain's iova_to_phys (a walk of the handed-over tables) and the VMM's HWPT give the same address"
	check 'grep -q "live update: StreamID 8: restored domain freed, ASID [0-9]* invalidated" "$out/serial.log" && grep -q "live update: hand-over complete" "$out/serial.log"' \
		"the restored domain was freed after the VMM's attach: its ASID invalidated, the preserved tables freed"
	# The attaches of StreamID 8 in the new kernel: the restored domain's at
	# probe rewrites the preserved STE as it is (no used bit changes), and the
	# next one, the VMM's HWPT, replaces it hitlessly; no default or blocking
	# domain in between.
	check 'attach_outcomes | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]' \
		"StreamID 8's first attaches in boot 2: the restored domain (no-change), then the VMM's HWPT (hitless)"
	check 'grep -q "DMA at kexec: landed" "$out/serial.log"' \
		"the DMA edu started as the guest went to kexec landed in guest memory"
	check '[ -f "$out/serial.log.qemu-stderr" ] && ! grep -qE "smmuv3_record_event|smmuv3_translate_abort|translation failed|EDU:" "$out/serial.log.qemu-stderr"' \
		"QEMU's SMMUv3 recorded no event and aborted no translation, in either boot or between"
	check 'grep -q "boot 2 DMA: 4 DMA copies" "$out/serial.log" && grep -q "boot 2 after DMA: all" "$out/serial.log"' \
		"the DMA data checks pass after the kexec"
else
	check '[ $rc = 1 ]' "the demo exits 1 (findings), not 0 or 2 (got $rc)"
	check 'grep -q "^verdict: NOT HITLESS" "$out/verdict.txt"' "the verdict comes first and says NOT HITLESS"
	row8=$(grep -E "^0000:00:01.0 +[0-9]+ +8 +NOT HITLESS +[0-9.]+ [mu]?s " "$out/verdict.txt")
	check '[[ $row8 == *" SMMU-OFF"* && $row8 == *" XK-XLATE"* ]]' \
		"the verdict per device: edu (0000:00:01.0, StreamID 8) NOT HITLESS, dark for a time, with SMMU-OFF and XK-XLATE"
	# one finding: its line (rule), then its StreamID 8 line and its records line
	finding_8() {
		awk '/^(ERROR|WARNING) +[A-Z-]+ /{f=NR} f && NR==f+1 && /^ +StreamID 8 /{s=NR}
		     s && NR==s+1 && /^ +records: [0-9a-f]+:[0-9]+/{ok=1} END{exit !ok}' "$1"
	}
	check 'finding_8 "$out/verdict.txt"' "a finding names its rule, StreamID 8 and the records that show it, together"
	# the same check on the verdict with each finding's records line taken out
	# (the StreamID and records of two different findings do not make one)
	sed '/^ \+records: /d' "$out/verdict.txt" >"$tmp/no-records.txt"
	check '! finding_8 "$tmp/no-records.txt"' "the check fails on the verdict without its records lines"
	check 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"findings\"]" "$out/verdict.json"' \
		"verdict.json parses and lists the findings"
	check 'grep -q "DMA at kexec: lost" "$out/serial.log"' \
		"the DMA edu started as the guest went to kexec is lost"
fi
check 'python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$out/timeline.json"' "timeline.json parses"
# The old kernel's live-update milestones, by name, from the old boot, in the
# order they happened: LUO prepare, then freeze; on the patched kernel the
# series' own KHO finalize comes between them.
want_pre="LUO_PREPARE LUO_FREEZE"
[ "$flavor" = patched ] && want_pre="LUO_PREPARE KHO_FINALIZE LUO_FREEZE"
pre_milestones() {	# [TIMELINE.JSON]
	python3 - "${1:-$out/timeline.json}" "$want_pre" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pre, want = d["before_kexec"], sys.argv[2].split()
old = d["boots"][0]["boot"] if d.get("boots") and isinstance(d["boots"][0], dict) and "boot" in d["boots"][0] else None
got = [s["step"] for s in pre if s["step"] in want]
t = [s["t_ns"] for s in pre]
print("before the kexec: " + ", ".join("%s %s" % (s["step"], s["t_ns"]) for s in pre))
sys.exit(not (got == want and t == sorted(t) and len({s["boot"] for s in pre}) == 1
              and (old is None or pre[0]["boot"] == old)))
PY
}
check 'pre_milestones | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]' \
	"the old kernel's live-update milestones are there by name ($want_pre), from one boot, as they happened"
# the same check on the timeline with its last milestone renamed (LUO freeze
# missing): sorted timestamps alone would still pass
python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); d["before_kexec"][-1]["step"] = "VM_PAUSED"
json.dump(d, open(sys.argv[2], "w"))' "$out/timeline.json" "$tmp/renamed.json" 2>/dev/null
check '! pre_milestones "$tmp/renamed.json" >/dev/null' "the check fails on a timeline whose last milestone is another one"
# Every metrics file, line by line, by the one parser (tests/lib/parse-metrics:
# python3-prometheus-client's, in the Prometheus text format the demo writes).
om() { "$top/tests/lib/parse-metrics" "$1" >"$tmp/om.out" 2>&1; r=$?; sed 's/^/# /' "$tmp/om.out" | grep -v "^# hitless_entry_updates" | head -n 12; return $r; }
check 'om "$out/metrics.prom" && grep -qE "^hitless_device_dark_seconds\{smmu=\"[0-9]+\",sid=\"8\"(,device=\"[0-9a-f:.]+\")?\} " "$tmp/om.out"' \
	"metrics.prom parses (Prometheus text format), every line, with StreamID 8's dark time and its SMMU"
check 'om "$out/verdict.prom" && grep -qx "hitless_verdict_exit_status $rc.0" "$tmp/om.out"' \
	"verdict.prom parses (Prometheus text format), every line, and gives the demo's exit status ($rc)"
v=$(sed -n '1s/^verdict: \([A-Z ]*(exit [0-9])\).*/\1/p' "$out/verdict.txt")
check '[ -n "$v" ] && grep -q "^<h1 id=\"verdict\"[^>]*>$v</h1>" "$out/report.html" && grep -q "^<svg id=\"timeline\"" "$out/report.html"' \
	"report.html: the verdict of verdict.txt ($v) and the critical path's SVG"
check '/usr/bin/python3 -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.find(\"testsuite[@name=\x270000:00:01.0: StreamID 8\x27]\") is not None" "$out/verdict.junit.xml"' \
	"verdict.junit.xml parses, with a testsuite for edu (0000:00:01.0: StreamID 8)"
check 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); e=d[\"traceEvents\"] if isinstance(d,dict) else d; assert len(e) > 3 and all(\"ph\" in x for x in e)" "$out/timeline.perfetto.json"' \
	"timeline.perfetto.json is Chrome trace-event JSON"
# The critical path, in order, on one counter timeline across the kexec.
check 'awk "/^critical path/{c=1} c" "$out/timeline.txt" | grep -E "old kernel: last instant|new kernel: start|StreamID 8: translation valid" | awk "NR==1&&/old kernel/{a=1} NR==2&&/new kernel/{b=1} NR==3&&/StreamID 8/{c=1} END{exit !(a&&b&&c)}"' \
	"the critical path runs old kernel's last instant -> new kernel start -> StreamID 8 valid"
check 'grep -qE "StreamID 8 +translation valid at .*; no translation for [0-9.]+ (n|u|m)?s" "$out/timeline.txt"' \
	"the timeline says how long StreamID 8 had no translation"
# The old kernel's shutdown (arm_smmu_device_disable(): CR0 with SMMUEN clear), when
# the log has it from the previous boot's persistent trace instance: SMMU-OFF must
# name that record. A series that keeps the SMMU enabled across kexec has no such
# write, and then no SMMU-OFF either.
off=$(python3 - "$shown" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["events"]:
    if (e["kind"] == "reg" and e.get("register") == "SMMU_CR0" and not e["SMMUEN"]
            and e["boot"] != d["meta"]["boot"]):
        print("%s:%d" % (e["boot"], e["seq"]))
        break
PY
)
smmu_off_named() {
	python3 - "$out/verdict.json" "$1" <<'PY'
import json, sys
boot, seq = sys.argv[2].split(":")
f = json.load(open(sys.argv[1]))["findings"]
sys.exit(not any(x["rule"] == "SMMU-OFF" and {"boot": boot, "seq": int(seq)} in x["records"] for x in f))
PY
}
if [ -n "$off" ]; then
	check 'smmu_off_named "$off"' "SMMU-OFF names the old kernel's CR0 write clearing SMMUEN ($off, imported)"
else
	check '! grep -q "SMMU-OFF" "$out/verdict.txt"' "no CR0 write clearing SMMUEN before this boot in the log: no SMMU-OFF"
fi
# The switch itself, measured on both sides (patched: the series' tracepoints;
# stock: the kprobe events of scripts/lib.sh stock_kprobe_events): the old
# kernel's last instant and, when the log has them, its SMMU disable and the
# new kernel's SMMU probe and reset, each from a record, not estimated.
switch_steps() {
	python3 - "$shown" "$out/timeline.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
cp = {s["step"]: s for s in json.load(open(sys.argv[2]))["critical_path"]}
me = d["meta"]["boot"]
cr0 = [e for e in d["events"] if e["kind"] == "reg" and e.get("register") == "SMMU_CR0"]
want = ["old kernel: last instant (kexec reboot)", "SMMU probe: start", "SMMU probe: end"]
off_before = any(e["boot"] != me and not e["SMMUEN"] for e in cr0)
if off_before:
    want.append("old kernel: SMMU disabled (CR0.SMMUEN=0)")
# a write that turns SMMUEN on (an unknown old value counts), as the timeline
# reads it: the kernel adopting a hand-over keeps SMMUEN set, and has none
if any(e["boot"] == me and e["SMMUEN"] and (e["old"] == "unknown" or not int(e["old"], 16) & 1)
       for e in cr0):
    want.append("SMMU reset: enabled (CR0.SMMUEN=1)")
bad = [w for w in want if w not in cp or cp[w]["approximate"]]
print("measured: " + ", ".join(w for w in want if w not in bad) + ("; missing or estimated: " + ", ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
PY
}
check 'switch_steps | sed "s/^/# /"; [ "${PIPESTATUS[0]}" = 0 ]' \
	"the critical path measures the switch from records: the old kernel's last instant and SMMU disable (if any), the new kernel's SMMU probe and reset (if the SMMU was off)"
if [ "$flavor" = stock ]; then
	# what only the switch probes can see on a stock kernel, imported in the new kernel
	check '"$top/userspace/build/host/hitless" show "$out/serial.files/after.snap" |
		grep -qE "^ +[0-9a-f]+:[0-9]+ .* milestone +milestone=KEXEC_REBOOT .*note=machine_kexec"' \
		"the old kernel's machine_kexec came through hitless_prev (kprobe event)"
	check 'grep -q "SMMU-OFF" "$out/verdict.txt"' \
		"NOT HITLESS names SMMU-OFF, the old kernel's shutdown seen by a kprobe event"
fi
[ "$flavor" = patched ] &&
	check 'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); v=[x for x in d[\"devices\"] if x[\"sid\"] == 8][0]; p=[x for x in d[\"critical_path\"] if x[\"step\"] == \"SMMU probe: end\"][0]; assert v[\"dark_ns\"] == 0 and v[\"valid_t_ns\"] == p[\"t_ns\"]" "$out/timeline.json"' \
		"StreamID 8 was never dark: translating again when the SMMU probe ends, STE never invalid"
echo "1..$n"
