#!/usr/bin/env bash
# The stock kernel's switch probes (scripts/lib.sh stock_kprobe_events,
# docs/early-boot-tracing.md "A stock kernel") on the rig: boot-time kprobe
# events see each kernel's SMMU probe and reset, and the first kernel's last
# actions (the SMMU shutdown's CR0 write, machine_kexec) reach the second
# kernel through the persistent instance's backup "hitless_prev".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
args="reserve_mem=16M:4096:hitless trace_instance=hitless@hitless trace_instance=hitless_prev=hitless"
args+=" $(stock_kprobe_events "$(kernel_dir stock)/btf")"
exec "$top/scripts/rig.sh" --tap --kernel stock --scenario stock-switch --append "$args" \
	--log "$top/out/rig/stock-stock-switch.log"
