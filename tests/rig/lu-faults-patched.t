#!/usr/bin/env bash
# A live update is safe on every failure (scenario lu-faults, patched kernel,
# kernel patch 0023's fault injection; ignore_loglevel so that the kexec
# shutdown's kernel log reaches the serial log): each step of the preserve
# (serialize, a corrupted subtree, the shutdown's quiesce) and of the next
# kernel's adoption (parse, CR1/CR2, the table pages, the restore at the
# device's probe) fails once, one kexec each, and for each: the kernel says
# why, the SMMU ends in abort or reset (or the device on the blocking
# domain), and edu's DMA at kexec, aimed at an IOVA that is also a sentinel
# page's physical address, does not land on the sentinel (vmm --sentinel): it
# lands only where the VMM mapped it, or nowhere. A control live update
# without a failure shows that the same DMA lands in guest memory when
# translated. The failed restore's boot runs with iommu.passthrough=1 (an
# identity default domain, through which IOVA is PA) and edu writes to the
# sentinel's PA again after the probe, before the VMM opens the device (vmm
# resume --dma-before-attach): the device must be blocked, and the VMM's
# attach must still replace that. A second failed restore (boot 9) shows
# that a DMA API driver's bind then gets the default domain, nothing stuck.
# QEMU's SMMUv3 model is traced too: no DMA of edu's went through untranslated
# (smmuv3_translate_disable: SMMU disabled without GBPA.ABORT;
# smmuv3_translate_bypass: a bypass STE). edu's dma_mask is widened to 64 bits
# so that its DMA can reach the sentinel's address at all.
. "$(dirname "$0")/lu-lib.sh"
echo "1..13"
lu_run lu-faults 'live update:|sentinel|DMA at kexec|DMA before attach|dma-api:|preserve refused|check:|injected|SMMU currently enabled' \
	-t 600 -a ignore_loglevel -q -global -q edu.dma_mask=0xffffffffffffffff \
	-q -trace -q smmuv3_translate_disable -q -trace -q smmuv3_translate_bypass
bn() { grep "^b$1| " "$log"; }
# case BOOT: the case judged in BOOT (the kexec into it carried the failure)
untouched() { bn "$1" | grep -q "sentinel: untouched"; }
reset() { bn "$1" | grep -q "SMMU currently enabled! Resetting" && ! bn "$1" | grep -q "live update: adopted"; }

check '[ $rc = 0 ]' "every step of the scenario passed in all nine boots (rig.sh $rc)"
check 'bn 1 | grep -q "live update: injected failure: serialize" &&
	bn 1 | grep -qE "live update: cannot serialize the hand-over \((-ENOMEM|-12)\)" &&
	bn 1 | grep -q "iommufd preserve refused as expected: Cannot allocate memory" &&
	bn 1 | grep -q "check: IOMMU_IOAS_MAP after the refused preserve: succeeded: ok"' \
	"serialize: the preserve is refused with ENOMEM, the driver says why, the IOAS is not left frozen"
check 'bn 1 | grep -q "live update: 1 StreamIDs handed over" && bn 2 | grep -q "live update: adopted the stream table" &&
	bn 2 | grep -q "DMA at kexec: landed" && untouched 2' \
	"control (no failure): handed over and adopted, the DMA at kexec lands in guest memory, the sentinel untouched"
check 'bn 2 | grep -q "live update: injected failure: quiesce" &&
	bn 2 | grep -q "live update: the SMMU did not stop its queues and interrupts: aborting all DMA" &&
	! bn 2 | grep -q "live update: 1 StreamIDs handed over" &&
	! bn 3 | grep -q "live update: adopted" && ! bn 3 | grep -q "SMMU currently enabled" &&
	bn 3 | grep -q "DMA at kexec: lost" && untouched 3' \
	"quiesce: the shutdown says why and aborts, the next kernel finds the SMMU disabled, the DMA is lost, the sentinel untouched"
check 'bn 3 | grep -q "live update: injected failure: corrupt" && bn 3 | grep -q "live update: 1 StreamIDs handed over" &&
	bn 4 | grep -q "live update: the hand-over in KHO subtree arm-smmu-v3@[0-9a-f]* is not one this kernel understands: resetting the SMMU" &&
	reset 4 && untouched 4' \
	"corrupted subtree: the next kernel refuses it, says why, resets the SMMU (GBPA.ABORT first), the sentinel untouched"
check 'bn 5 | grep -q "live update: injected failure: parse" &&
	bn 5 | grep -q "live update: the hand-over in KHO subtree .* is not one this kernel understands: resetting the SMMU" &&
	reset 5 && untouched 5' \
	"subtree parse: the next kernel says why and resets the SMMU, the sentinel untouched"
check 'bn 6 | grep -q "live update: injected failure: regs" &&
	bn 6 | grep -q "live update: SMMU_CR1/CR2 are .*: resetting the SMMU" && reset 6 && untouched 6' \
	"CR1/CR2 compare: the next kernel says why and resets the SMMU, the sentinel untouched"
check 'bn 7 | grep -q "live update: injected failure: adopt" &&
	bn 7 | grep -qE "live update: cannot adopt the stream table \((-EINVAL|-22)\): resetting the SMMU" &&
	reset 7 && untouched 7' \
	"table adoption: the next kernel says why and resets the SMMU, the sentinel untouched"
check 'bn 8 | grep -q "live update: adopted the stream table" && bn 8 | grep -q "live update: injected failure: restore" &&
	bn 8 | grep -qE "live update: cannot restore the handed-over translation: (-ENOMEM|-12)$" &&
	bn 8 | grep -qE "live update: group [0-9]+: translation not restored \((-ENOMEM|-12)\): blocking domain attached, DMA blocked" &&
	! bn 8 | grep -q "restored domain attached at probe" &&
	bn 8 | grep -q "iommu: Default domain type: Passthrough (set via kernel command line)" &&
	bn 8 | grep -q "DMA before attach: edu wrote 4 KiB to IOVA" && untouched 8' \
	"restore at probe, default domain identity (iommu.passthrough=1): the device gets the blocking domain, the kernel says why, edu's DMA after the probe to the sentinel's PA does not land"
check 'bn 8 | grep -qE "boot 8 DMA: .* DMA copies .* checked" && bn 8 | grep -q "marker \"VM resumed\""' \
	"after the failed restore, the VMM's vfio open and iommufd attach replace the blocking domain: its DMA checks out"
check 'bn 9 | grep -qE "live update: group [0-9]+: translation not restored \((-ENOMEM|-12)\): blocking domain attached" &&
	bn 9 | grep -q "dma-api: .*: attached domain type 0x0 before a driver binds" &&
	bn 9 | grep -q "dma-api: .* bound to hitless_dmaapi: .*DMA API mapping at" &&
	bn 9 | grep -q "dma-api: attached domain type 0x4 after the DMA API driver.s bind and unbind" &&
	bn 9 | grep -q "marker \"VM resumed\""' \
	"a second failed restore: blocked until a DMA API driver binds, which gets the default (identity) domain; the VMM then resumes"
check '[ "$(grep -c "sentinel: untouched" "$log")" = 8 ] && ! grep -q "sentinel: OVERWRITTEN" "$log"' \
	"the sentinel was checked in each of the eight boots after a kexec, and never overwritten"
qerr="$log.qemu-stderr"
check '[ -f "$qerr" ] && ! grep -E "smmuv3_translate_(disable|bypass) .*sid=0x8 " "$qerr" | grep -q .' \
	"QEMU's SMMUv3: no DMA of edu (StreamID 0x8) went through untranslated (smmuv3_translate_disable, _bypass)"
