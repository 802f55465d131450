#!/usr/bin/env bash
# kexec-load-check.sh OLD NEW: a plain kexec (kexec_load(2), no KHO) from the
# OLD kernel into the NEW one (rig flavors or kernel folders: Debian's own
# kernels as shipped, or a team's pair), with a VM on the VFIO type1
# container, captured in both boots: the pre-deploy gate (scripts/gate.sh
# --no-setup OLD NEW, scenario type1-kexec-capture), its outputs checked as
# TAP: NOT HITLESS, with the evidence such a kernel gives.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
old=$1 new=$2
hl="$top/userspace/build/host/hitless"
name=$(flavor_name "$old")-$(flavor_name "$new")
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $name: $2"; else echo "not ok $n - $name: $2"; fi; }

out="$top/out/gate/$name"
mkdir -p "$top/out/gate"
"$top/scripts/gate.sh" --no-setup "$old" "$new" >"$out.stdout" 2>&1
rc=$?
files="$out/serial.files" log="$out/serial.log"
grep -E '^(not )?ok|# rig:|kexec-load:|hitless: .*(lost|not loaded|lacks|tie|previous boot)' "$out/rig.tap" 2>/dev/null |
	grep -v 'the function is not in this kernel' | sed 's/^/# /'
grep -E '^hitless: error' "$out.stdout" | sed 's/^/# /'
check '[ -s "$files/before.snap" ] && [ -s "$files/after.snap" ]' "every step in the guest passed, both boots' captures came back"
check 'grep -q "^b1| # kexec-load: .*(kexec_load)$" "$log"' "boot 1 went to the next kernel by kexec_load(2) (the kernel has no kexec_file_load)"
rel_old=$(cat "$(kernel_dir "$old")/kernel.release") rel_new=$(cat "$(kernel_dir "$new")/kernel.release")
check 'grep -q "^b1| .*Linux version $rel_old " "$log" && grep -q "^b2| .*Linux version $rel_new " "$log"' \
	"boot 1 ran $rel_old, boot 2 $rel_new"

# What each kernel lacks is named once per hook, with what the verdict loses
# or what takes its place (these kernels have no iommufd, KHO or LUO; their
# SMMU probe and shutdown names are two drivers' functions), in both boots.
lacks() { grep "^b$1| # hitless: program .*: not loaded" "$log" | sort -u; }
check '[ -n "$(lacks 1)" ] && [ -n "$(lacks 2)" ] && ! { lacks 1; lacks 2; } | grep -v "the verdict loses\|in its place" | grep -q . &&
	lacks 1 | grep -q "iommufd_device_attach.*the verdict loses" && lacks 2 | grep -q "iommufd_device_attach.*the verdict loses"' \
	"each boot names every hook its kernel lacks with what the verdict loses or what takes its place ($(lacks 1 | wc -l) and $(lacks 2 | wc -l))"

# The verdict, with the default protection (the VMM's type1 attach).
# (scripts/gate.sh wrote them: its exit status is hitless diff's)
text=$(cat "$out/verdict.txt")
printf '%s\n' "$text" | sed 's/^/# diff| /'
json=$(cat "$out/verdict.json")
check '[ $rc = 1 ] && printf "%s\n" "$text" | head -n1 | grep -q "^verdict: NOT HITLESS (exit 1)"' \
	"the verdict is NOT HITLESS, exit 1 (got $rc)"
check 'printf "%s" "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert 8 in d[\"protected\"], d[\"protected\"]
f = [x for x in d[\"findings\"] if x.get(\"sid\") == 8 and x[\"records\"]]
assert f, d[\"findings\"]
"' "StreamID 8 is protected by default (the VMM attached it) and the findings name it with their records"
# What a plain kexec does to the VM's device, and nothing else: the SMMU
# was off under it (SMMU-OFF: the new kernel's reset found it disabled, the
# old kernel's shutdown unseen on these kernels), its translation is not the
# one it had (XK-XLATE), its STE may go to abort while the new kernel binds
# it (STE-REMOVE); no invalidation or break-before-make finding (those would
# be the capture's own gaps: a missing command hook).
check 'printf "%s" "$json" | python3 -c "
import json, sys
r = {x[\"rule\"] for x in json.load(sys.stdin)[\"findings\"]}
print(\"# rules: \" + \", \".join(sorted(r)))
assert {\"SMMU-OFF\", \"XK-XLATE\"} <= r <= {\"XK-XLATE\", \"STE-REMOVE\", \"SMMU-OFF\"}, r
"' "the rules that fire are the kexec's: SMMU-OFF (the reset's evidence) and XK-XLATE, STE-REMOVE at most besides"

# The evidence on the timeline: the new kernel's SMMU reset (its CR0 writes)
# from records, and the old kernel's last instant (machine_kexec, through the
# persistent instance hitless_prev) from a record where the new kernel could
# read the old one's buffer, else marked approximate, never shown as measured.
tl=$(cat "$out/timeline.json")
sed -n '/^critical path/,/^$/p' "$out/timeline.txt" | sed 's/^/# timeline| /'
"$hl" show -j "$files/before.snap" >"$out/before.json" 2>/dev/null
"$hl" show -j "$files/after.snap" >"$out/after.json" 2>/dev/null
prev=$(python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))
print(sum(e['boot'] != a['meta']['boot'] for e in a['events']))" "$out/after.json" 2>/dev/null)
echo "# boot 2's capture holds ${prev:-no} records of the previous kernel (hitless_prev)"
check 'printf "%s" "$tl" | python3 -c "
import json, sys
cp = {s[\"step\"]: s for s in json.load(sys.stdin)[\"critical_path\"]}
w = \"SMMU reset: enabled (CR0.SMMUEN=1)\"
assert w in cp and not cp[w][\"approximate\"], w
k = cp.get(\"old kernel: last instant (kexec reboot)\")
assert k and k[\"approximate\"] == (sys.argv[1] == \"0\"), k
" "${prev:-0}"' "the critical path has the new kernel's SMMU reset from records, the old kernel's machine_kexec from a record when hitless_prev came through (else approximate)"
# The new kernel's capture ties the previous boot to boot 1's capture: its
# records of that boot carry boot 1's identity. With none of them (the old
# kernel's trace did not come through: 7.3 reads nothing of 7.2's buffer), the
# verdict says the boots are not tied, and why: never silently.
boot1=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['meta']['boot'])" "$out/before.json" 2>/dev/null)
check 'python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))
v = json.load(open(sys.argv[3]))
prev = {e[\"boot\"] for e in a[\"events\"] if e[\"boot\"] != a[\"meta\"][\"boot\"]}
if prev:
    assert prev == {sys.argv[2]} and v[\"boots_tied\"] is True, (prev, sys.argv[2], v.get(\"boots_tied\"))
else:
    assert v[\"boots_tied\"] is False and v.get(\"untied_because\"), v.get(\"untied_because\")
" "$out/after.json" "$boot1" "$out/verdict.json" && { [ "${prev:-0}" != 0 ] || grep -q "^boots not tied: " "$out/verdict.txt"; }' \
	"boot 2's records of the previous kernel are boot 1's ($boot1) and the verdict calls the boots tied; with none, it says they are not, and why"
echo "1..$n"
