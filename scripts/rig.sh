#!/usr/bin/env bash
# Boot a scenario on the QEMU rig (arm64 virt, emulated SMMUv3) and judge it
# from the guest's KTAP.
#
#   scripts/rig.sh [options]
#     -k, --kernel FLAVOR    patched (default), stock, debian (Debian's own 7.3 as
#                            shipped), debian-7.2, or a kernel folder
#                            (scripts/distro-kernel.sh import: your own kernel)
#     -n, --next FLAVOR      the kernel the scenario's kexec goes into (default:
#                            the same): the new side of a live update
#     -s, --scenario NAME    tests/guest/scenarios/NAME (default: boot)
#     -t, --timeout SEC      bound on the whole run (default 300)
#     -a, --append ARGS      more kernel command line for the first boot
#     -o, --log FILE         annotated serial log (default out/rig/FLAVOR-NAME.log)
#         --tap              print TAP (for prove) instead of the live log
#     -q, --qemu-arg ARG     one more QEMU argument (repeatable)
#
# The devices behind the SMMU are the scenario's "topology NAME" line:
#   simple (the default)  edu at 00:01.0 (StreamID 0x8), e1000e at 00:02.0 (0x10)
#   host                  those two, and a host's shape behind root ports: edu
#                         at 01:00.0 (0x100) and 02:00.0 (0x200), a PCIe-to-PCI
#                         bridge at 03:00.0 with an edu at 04:01.0 (0x408 and
#                         the bridge's alias 0x400), an igb at 05:00.0 (0x500)
#
# The modules the guest loads at boot, before the scenario (its init, from
# hitless.modules=), are the scenario's "modules NAME[,NAME...]" line, or
# "modules none"; without one, on the stock flavor (whose iommufd, VFIO,
# vfio-pci and SMMUv3 driver are modules: kernel/config/stock.config)
# arm_smmu_v3 and vfio_pci (with what modules.dep says they need: vfio,
# iommufd), as a distribution's boot loads them; on the other flavors none.
#
# Files the guest exports (tests/guest/steps/export) land, checked, in
# out/rig/FLAVOR-NAME.files/ (FLAVOR-NEXT-NAME with --next).
# The serial log has every line prefixed with the boot it came from ("b1| ",
# "b2| ", ...): a new boot starts where the kernel prints "Booting Linux".
# The guest is told its kernel flavor (hitless.flavor=FLAVOR): the steps fail
# when the kernel lacks what that flavor must have.
# Exit status:
#   0  every test of the scenario reported ok
#   1  the guest reported every test, and some are not ok
#   2  a bad argument (unknown option, flavor or scenario)
#   3  the rig itself failed: no QEMU or kernel, QEMU exited non-zero or was
#      killed at the bound, the guest printed no plan or one that disagrees
#      with the scenario file, an exported file arrived damaged, the kernel
#      panicked, or the guest stopped before reporting every test
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# A failure of the rig, not of a test (exit 3).
rig_die() { printf 'hitless: error: %s\n' "$*" >&2; exit 3; }
bad_arg() { printf 'hitless: error: %s\n' "$*" >&2; exit 2; }

flavor=patched next="" scenario=boot timeout=300 append="" log="" tap=0
qemu_extra=()
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	-k | --kernel) flavor=$2; shift 2 ;;
	-n | --next) next=$2; shift 2 ;;
	-s | --scenario) scenario=$2; shift 2 ;;
	-t | --timeout) timeout=$2; shift 2 ;;
	-a | --append) append=$2; shift 2 ;;
	-o | --log) log=$2; shift 2 ;;
	--tap) tap=1; shift ;;
	-q | --qemu-arg) qemu_extra+=("$2"); shift 2 ;;
	-h | --help) usage ;;
	*) echo "rig: unknown argument $1" >&2; usage ;;
	esac
done
case "$flavor" in patched | stock | debian | debian-7.2 | */*) ;;
*) bad_arg "--kernel is patched, stock, debian, debian-7.2 or a kernel folder, not $flavor" ;; esac
next=${next:-$flavor}
[ -f "$HITLESS_TOP/tests/guest/scenarios/$scenario" ] ||
	bad_arg "no scenario $scenario in tests/guest/scenarios"
topology=$(sed -n 's/^topology[[:space:]]\{1,\}\([^[:space:]#]*\).*/\1/p' \
	"$HITLESS_TOP/tests/guest/scenarios/$scenario" | head -n1)
modules=$(sed -n 's/^modules[[:space:]]\{1,\}\([^[:space:]#]*\).*/\1/p' \
	"$HITLESS_TOP/tests/guest/scenarios/$scenario" | head -n1)
if [ -z "$modules" ] && [ "$flavor" = stock ]; then modules=arm_smmu_v3,vfio_pci; fi
if [ "$modules" = none ]; then modules=; fi
devices=(-device edu -netdev user,id=net0,restrict=on -device e1000e,netdev=net0,romfile=)
case "${topology:-simple}" in
simple) ;;
host)
	# root ports at fixed slots, so that the buses (and StreamIDs) are these
	devices+=(-device pcie-root-port,id=rp1,bus=pcie.0,addr=3,chassis=1 -device edu,bus=rp1
		-device pcie-root-port,id=rp2,bus=pcie.0,addr=4,chassis=2 -device edu,bus=rp2
		-device pcie-root-port,id=rp3,bus=pcie.0,addr=5,chassis=3
		-device pcie-pci-bridge,id=br1,bus=rp3 -device edu,bus=br1,addr=1
		-device pcie-root-port,id=rp4,bus=pcie.0,addr=6,chassis=4
		-netdev user,id=net1,restrict=on -device igb,netdev=net1,bus=rp4,romfile=) ;;
*) bad_arg "scenario $scenario: no topology $topology (simple, host)" ;;
esac

QEMU_ROOT="$HITLESS_CACHE/qemu-${QEMU_VERSION#*:}"
QEMU="$QEMU_ROOT/usr/bin/qemu-system-aarch64"
[ -x "$QEMU" ] || rig_die "no QEMU at $QEMU: run scripts/setup.sh"
kout=$(kernel_dir "$flavor") || rig_die "no kernel folder for $flavor"
[ -f "$kout/Image" ] || rig_die "no $flavor kernel in $kout: run scripts/kernel.sh $flavor (or scripts/setup.sh)"
fname=$(flavor_name "$flavor")
[ "$next" = "$flavor" ] || fname+="-$(flavor_name "$next")"
"$HITLESS_TOP/scripts/initramfs.sh" "$flavor" "$next" 2>/dev/null ||
	rig_die "scripts/initramfs.sh $flavor $next failed"
initrd="$HITLESS_TOP/out/initramfs-$fname.cpio"

mkdir -p "$HITLESS_TOP/out/rig"
log=${log:-$HITLESS_TOP/out/rig/$fname-$scenario.log}
mkdir -p "$(dirname "$log")"
raw="$log.raw"
rm -f "$raw" "$log"

cmdline="console=ttyAMA0 rdinit=/init retain_initrd panic=-1 kho=on liveupdate=on"
cmdline+=" hitless.boot=1 hitless.scenario=$scenario hitless.flavor=$(flavor_name "$flavor")"
cmdline+="${modules:+ hitless.modules=$modules} $append"

# The serial console goes to stdout and to the raw log at once.
qemu_cmd=("$QEMU" -L "$QEMU_ROOT/usr/share/qemu"
	-M virt,iommu=smmuv3,gic-version=3 -cpu max,pauth-impdef=on -smp 2 -m 2G
	-nodefaults -no-reboot -display none -monitor none
	-chardev "stdio,id=ser0,logfile=$raw,signal=off" -serial chardev:ser0
	"${devices[@]}"
	-kernel "$kout/Image" -initrd "$initrd" -append "$cmdline"
	"${qemu_extra[@]}")

# Prefix each line with its boot.
annotate() {
	awk 'BEGIN { b = 1; started = 0 }
	     { sub(/\r$/, "") }
	     /Booting Linux on physical CPU/ { if (started) b++; started = 1 }
	     { printf "b%d| %s\n", b, $0; fflush() }'
}

# One QEMU at a time on this machine: the bounds assume the rig has the CPUs
# (several checkouts may share the machine). The bound starts once we hold it.
exec 9>"$HITLESS_CACHE/rig.lock"
flock 9

start=$(date +%s.%N)
set +e
if [ $tap = 1 ]; then
	timeout -k 10 "$timeout" "${qemu_cmd[@]}" </dev/null >/dev/null 2>"$log.qemu-stderr"
	rc=$?
else
	log "booting $fname kernel, scenario $scenario (bound: $timeout s)"
	timeout -k 10 "$timeout" "${qemu_cmd[@]}" </dev/null 2>"$log.qemu-stderr" | annotate
	rc=${PIPESTATUS[0]}
fi
set -e
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
[ -f "$raw" ] || : >"$raw"	# QEMU may fail before it opens its log
annotate <"$raw" >"$log"
rm -f "$raw"

# Files the guest exported (tests/guest/steps/export): base64 between
# begin/end lines, checked against the size and SHA-256 the guest sent.
files="${log%.log}.files"
rm -rf "$files"
problems=()
extract_files() {
	local name size sum got
	mkdir -p "$files"
	awk -v dir="$files" '
		/^b[0-9]+\| # hitless-file-begin / { name = $4; out = dir "/" name ".b64"; printf "" > out; next }
		/^b[0-9]+\| # hitless-file-data / { if (name != "") print $4 >> out; next }
		/^b[0-9]+\| # hitless-file-end / { if (name != "") close(out); name = ""; next }' "$log"
	while read -r name size sum; do
		if ! base64 -d <"$files/$name.b64" >"$files/$name" 2>/dev/null ||
			[ "$(stat -c %s "$files/$name")" != "$size" ] ||
			[ "$(sha256sum <"$files/$name" | cut -d' ' -f1)" != "$sum" ]; then
			problems+=("exported file $name arrived damaged (size or SHA-256 differs)")
			rm -f "$files/$name"
		fi
		rm -f "$files/$name.b64"
	done < <(sed -n 's/^b[0-9]*| # hitless-file-begin \([^ ]*\) \([0-9]*\) \([0-9a-f]*\)$/\1 \2 \3/p' "$log")
}
grep -q '^b[0-9]*| # hitless-file-begin ' "$log" && extract_files

# Judge from the KTAP the guest's init printed (test numbers run on across
# boots). The kernel prints KTAP of its own on the same console (KUnit), so
# init's lines are told apart by what the host knows: the plan follows init's
# "KTAP version 1" right before its "# boot 1: scenario NAME" line, and each
# result must carry the name the scenario file gives that test.
names=()
while read -r word name _; do
	case "$word" in
	step) names+=("$name") ;;
	kexec) names+=("kexec into boot $(( $(printf '%s\n' "${names[@]}" | grep -c '^kexec into' || true) + 2 ))") ;;
	esac
done < <(sed 's/#.*//' "$HITLESS_TOP/tests/guest/scenarios/$scenario")
plan=$(grep -B1 -E "^b1\| # boot 1: scenario $scenario, tests " "$log" | sed -n 's/^b1| 1\.\.\([0-9][0-9]*\)$/\1/p' | head -n1 || true)
[ -z "$plan" ] || [ "$plan" = "${#names[@]}" ] ||
	problems+=("the guest's plan says $plan tests, the scenario file has ${#names[@]}")
[ "$rc" = 124 ] || [ "$rc" = 137 ] && problems+=("QEMU did not finish within $timeout s and was killed")
[ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$rc" != 137 ] &&
	problems+=("QEMU exited with status $rc: $(tail -n 3 "$log.qemu-stderr" | tr '\n' ' ')")
[ -n "$plan" ] || { plan=0; problems+=("the guest printed no KTAP plan"); }
# A kernel panic (panic=-1 reboots at once, and -no-reboot ends QEMU with 0).
while IFS= read -r l; do
	problems+=("the kernel panicked in boot ${l%%|*}: ${l#*| }")
done < <(grep -E '^b[0-9]+\| .*Kernel panic - not syncing' "$log" | sed 's/^b//' || true)

pass=0 fail=0 missing=0
tap_out=()
for ((n = 1; n <= plan; n++)); do
	name=${names[$((n - 1))]:-}
	line=$(grep -F -e "| ok $n - $name" -e "| not ok $n - $name" "$log" |
		grep -E "^b[0-9]+\| (not )?ok $n - " | while IFS= read -r l; do
			rest=${l#*ok $n - $name}
			case "$rest" in "" | " "*) printf '%s\n' "$l"; break ;; esac
		done || true)
	if [ -z "$line" ]; then
		tap_out+=("not ok $n - (no result: the guest stopped before this test)")
		fail=$((fail + 1))
		missing=$((missing + 1))
		continue
	fi
	b=${line%%|*}
	res=${line#*| }
	case "$res" in
	ok*) pass=$((pass + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
	tap_out+=("$res [$b]")
done
boots=$(grep -c 'Booting Linux on physical CPU' "$log" || true)
[ $missing = 0 ] || problems+=("the guest stopped before reporting $missing of $plan tests")

if [ $tap = 1 ]; then
	echo "# rig: $fname kernel, scenario $scenario, $boots boot(s), ${elapsed} s, log $log"
	grep -E '^b[0-9]+\| #' "$log" | grep -v '^b[0-9]*| # hitless-file-data ' | sed 's/^/# /' || true
	[ -d "$files" ] && echo "# rig: exported files in $files: $(ls "$files" | tr '\n' ' ')"
	if [ "$plan" = 0 ]; then
		echo "1..1"
		echo "not ok 1 - scenario $scenario ran"
	else
		echo "1..$plan"
		printf '%s\n' "${tap_out[@]}"
	fi
	for p in "${problems[@]}"; do echo "# rig: $p"; done
else
	printf '%s\n' "${tap_out[@]}" >&2
	for p in "${problems[@]}"; do echo "rig: $p" >&2; done
	log "$fname/$scenario: $pass of $plan ok, $boots boot(s), ${elapsed} s; log: $log"
	[ -d "$files" ] && log "exported files: $files"
fi
if [ ${#problems[@]} -gt 0 ] || [ $fail -gt 0 ]; then
	{
		echo "# rig: the log's last lines:"
		tail -n 25 "$log" | sed 's/^/#   /'
	} >&"$([ $tap = 1 ] && echo 1 || echo 2)"
	[ ${#problems[@]} -gt 0 ] && exit 3
	exit 1
fi
exit 0
