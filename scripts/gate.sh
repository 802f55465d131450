#!/usr/bin/env bash
# The pre-deploy gate: before a team rolls a kernel out to hosts that live
# update (kexec) from the one they run, validate that exact pair on the rig.
# A VM on the VFIO type1 container (tests/e2e/vmm --type1) keeps edu's DMA
# going in the OLD kernel while hitless captures it; the OLD kernel kexecs
# into the NEW one (kexec_file_load where it has it, else kexec_load), which
# is captured too; then the verdict and the timeline, as scripts/demo.sh
# prints them, and where the files are.
#
#   scripts/gate.sh [--no-setup] OLD NEW
#
# OLD and NEW, each one of:
#   debian | debian-7.2        a kernel the rig has (scripts/setup.sh; the rig's own stock
#                              and patched have no type1 container: scripts/demo.sh)
#   DIR                        a kernel folder (scripts/distro-kernel.sh import)
#   IMAGE,MODDIR               an arm64 Image (raw, as QEMU -kernel boots it) and its
#                              modules folder (.../lib/modules/REL)
#   PKG.deb,PKG.deb[,...]      the packages about to be rolled out: one with the raw
#                              Image (Debian: linux-binary-unsigned-REL), one with the
#                              modules (linux-modules-REL), optionally the config
#                              (linux-base-REL)
# Nothing is rebuilt: the kernels boot as given. They need BTF, VFIO with the
# type1 container (modules are loaded as a host loads them), kexec, and an
# SMMUv3 driver.
#
# --no-setup: skip the set-up and the build (tests/rig/*-debian.t, after
# scripts/test.sh did both).
# Writes out/gate/OLD-NEW/: verdict.txt, verdict.json, verdict.prom,
# timeline.txt, timeline.json, metrics.prom, timeline.perfetto.json, the
# snapshots and the serial log.
# Exit status: hitless diff's (0 hitless, 1 findings, 2 error or incomplete,
# 7 nothing protected), or 3 when there is no verdict to give (a kernel the
# gate cannot take, the set-up or the build failed, the scenario failed on
# the rig), as scripts/demo.sh. A bad argument is 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup=1
[ "${1:-}" = --no-setup ] && { setup=0; shift; }
[ $# = 2 ] || { sed -n '2,34s/^# \{0,1\}//p' "$0" >&2; exit 2; }

if [ $setup = 1 ]; then
	"$HITLESS_TOP/scripts/setup.sh" || no_verdict "scripts/setup.sh failed"
	make -s -C "$HITLESS_TOP" all || no_verdict "make all failed"
fi

# A kernel given as files becomes a kernel folder under out/gate/kernels/.
kernel_arg() {
	local arg=$1 side=$2 dir
	case "$arg" in
	patched | stock | debian | debian-7.2) printf '%s\n' "$arg"; return ;;
	*.deb | *.deb,*) ;;
	*,*) ;;
	*) [ -d "$arg" ] || { printf "hitless: error: %s\n" "$side kernel: $arg is no flavor, kernel folder, IMAGE,MODDIR or .deb list" >&2; exit 2; }
		kernel_dir "$arg" >/dev/null; (cd "$arg" && pwd); return ;;
	esac
	dir="$HITLESS_TOP/out/gate/kernels/$side"
	IFS=, read -r -a parts <<<"$arg"
	"$HITLESS_TOP/scripts/distro-kernel.sh" import "$dir" "${parts[@]}" >&2 ||
		no_verdict "the $side kernel could not be imported from $arg"
	printf '%s\n' "$dir"
}
old=$(kernel_arg "$1" old)
new=$(kernel_arg "$2" new)
btf_of() { local d; d=$(kernel_dir "$1"); [ -f "$d/btf" ] && echo "$d/btf" || echo "$d/vmlinux"; }
for k in "$old" "$new"; do
	[ -e "$(btf_of "$k")" ] ||
		no_verdict "no BTF for the kernel in $(kernel_dir "$k"): the stock capture needs CONFIG_DEBUG_INFO_BTF"
done
# The gate's VM runs on the VFIO type1 container: a kernel whose config says
# it has none (the rig's own, iommufd only: their live update is
# scripts/demo.sh's) is refused before anything boots.
for k in "$old" "$new"; do
	c=$(kernel_dir "$k")/config
	[ -f "$c" ] || c=$(kernel_dir "$k")/.config
	[ -f "$c" ] && ! grep -q '^CONFIG_VFIO_CONTAINER=y' "$c" &&
		no_verdict "the kernel in $(kernel_dir "$k") has no VFIO type1 container (CONFIG_VFIO_CONTAINER): the gate's VM cannot run on it (the rig's own kernels: scripts/demo.sh)"
done
name=$(flavor_name "$old")-$(flavor_name "$new")
out="$HITLESS_TOP/out/gate/$name"
rm -rf "$out"; mkdir -p "$out"

# The switch probes (docs/early-boot-tracing.md, "A stock kernel") go on the
# old kernel's command line and on to the new one with it: both must take the
# same (their struct offsets, from each one's BTF).
probes=$(stock_kprobe_events "$(btf_of "$old")")
[ "$probes" = "$(stock_kprobe_events "$(btf_of "$new")")" ] ||
	no_verdict "the two kernels need different switch probes (struct arm_smmu_device or device differ): not supported by the gate yet"
log "gate: $(cat "$(kernel_dir "$old")/kernel.release") -> $(cat "$(kernel_dir "$new")/kernel.release"), a VM on VFIO type1 across the kexec (about a minute under TCG)"
if ! "$HITLESS_TOP/scripts/rig.sh" --tap -k "$old" -n "$new" -s type1-kexec-capture \
	-a "$(trace_instance_args) $probes" -o "$out/serial.log" >"$out/rig.tap"; then
	grep -E '^(not ok|# rig:)' "$out/rig.tap" >&2 || true
	no_verdict "the gate's scenario failed on the rig (serial log: $out/serial.log)"
fi
# With the default protection: every device a VMM attached.
rc=0
judge_update "$out" "$out/serial.files" \
	"hitless gate: $(flavor_name "$old") -> $(flavor_name "$new"), the devices a VMM attached" || rc=$?
exit $rc
