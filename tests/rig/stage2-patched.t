#!/bin/sh
# Stage 2 and nested on the rig, patched kernel (tracepoint capture: a
# descriptor write names only its table, the S2 STE makes it stage 2), one
# boot (tests/guest/scenarios/stage2): the SMMU has both stages; a VMM with a
# vIOMMU is refused for the driver's stated reason; a VMM on a nesting-parent
# (stage-2) HWPT checks its DMA; the test module's unmap and remap of its
# 2 MiB stage-2 block without the TLBI by VMID is INV-TLB at IOVA 0x1000000,
# nothing else, on edu's row of the device table; the walked state (edu's S2
# STE and its stage-2 table) equals the log's.
SEED_CHECK_MORE="$(dirname "$0")/stage2-check.sh" \
	exec "$(dirname "$0")/seed-check.sh" patched stage2 1 INV-TLB 0x1000000
