#!/usr/bin/env bash
# The README's main command: set up, build, and run the end-to-end scenario on
# the QEMU rig: a VMM-like workload keeps the edu device's DMA going across a
# KHO kexec while hitless captures both boots; then the verdict, the critical
# path, and where the JSON, metrics and Perfetto files are.
#
#   scripts/demo.sh [--no-setup] [patched|stock]     (default: patched)
#
# --no-setup: skip the set-up and the build (tests/rig/demo-*.t, after
# scripts/test.sh did both).
# Exit status: hitless diff's (0 hitless, 1 findings, 2 error or incomplete,
# 7 nothing protected),
# or 3 when there is no verdict to give: the set-up or the build failed, or
# the scenario failed on the rig (a step not ok, or the rig's own failure:
# scripts/rig.sh exit 1 or 3). A bad argument is 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
setup=1
[ "${1:-}" = --no-setup ] && { setup=0; shift; }
flavor=${1:-patched}
case "$flavor" in patched | stock) ;; *) echo "usage: scripts/demo.sh [--no-setup] [patched|stock]" >&2; exit 2 ;; esac

if [ $setup = 1 ]; then
	"$HITLESS_TOP/scripts/setup.sh" || no_verdict "scripts/setup.sh failed"
	make -s -C "$HITLESS_TOP" all || no_verdict "make all failed"
fi

out="$HITLESS_TOP/out/demo/$flavor"
rm -rf "$out"; mkdir -p "$out"
log "running the demo scenario on the $flavor kernel (about a minute under TCG)"
# The early-boot trace instances of docs/early-boot-tracing.md.
trace=$(trace_instance_args)
# A stock kernel has none of them: it gets the switch probes instead, kprobe
# events defined at boot (docs/early-boot-tracing.md, "A stock kernel").
if [ "$flavor" = stock ]; then
	probes=$(stock_kprobe_events "$(kernel_dir stock)/btf") ||
		no_verdict "no switch probes for the stock kernel ($(kernel_dir stock)/btf)"
	trace+=" $probes"
fi
# QEMU's side (serial.log.qemu-stderr): its SMMUv3 model's events and
# aborted translations, at any time (its event queue is off across the
# kexec), and edu's DMA errors.
if ! "$HITLESS_TOP/scripts/rig.sh" --tap -k "$flavor" -s demo -a "$trace" -o "$out/serial.log" \
	-q -d -q guest_errors -q -trace -q smmuv3_record_event -q -trace -q smmuv3_translate_abort \
	>"$out/rig.tap"; then
	grep -E '^(not ok|# rig:)' "$out/rig.tap" >&2 || true
	no_verdict "the demo scenario failed on the rig (serial log: $out/serial.log)"
fi
# The edu device's StreamID on the virt machine: its PCI requester ID (00:01.0).
protect=0x8
rc=0
judge_update "$out" "$out/serial.files" \
	"hitless: $flavor kernel, StreamID $protect (edu) across a KHO kexec" --protect "$protect" || rc=$?
exit $rc
