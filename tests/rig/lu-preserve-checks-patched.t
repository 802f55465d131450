#!/usr/bin/env bash
# The VMM decides what a live update hands over, through LUO (scenario
# lu-preserve-checks, patched kernel): preserving its iommufd is refused with
# EXDEV over anonymous memory and over a memfd outside the session, and when
# allowed it freezes the IOAS (map, unmap, HWPT destroy: EBUSY) and holds the
# device's attachment (replace, detach: EBUSY) while the
# device's DMA goes on; closing the session cancels it, and the kexec that
# follows is the normal one (no hand-over, the next kernel resets the SMMU).
. "$(dirname "$0")/lu-lib.sh"
echo "1..10"
lu_run lu-preserve-checks 'check:|live update:'
check '[ $rc = 0 ]' "every step of the scenario passed in both boots (rig.sh $rc)"
check 'b1 | grep -q "check: preserve an iommufd whose IOAS maps anonymous memory: Invalid cross-device link: ok"' \
	"an iommufd whose IOAS maps anonymous memory is refused with EXDEV"
check 'b1 | grep -q "check: preserve an iommufd whose IOAS maps a memfd not in the session: Invalid cross-device link: ok"' \
	"an iommufd whose IOAS maps a memfd not preserved in the session is refused with EXDEV"
check 'b1 | grep -q "check: IOMMU_IOAS_MAP on the preserved IOAS: Device or resource busy: ok" &&
	b1 | grep -q "check: IOMMU_IOAS_UNMAP on the preserved IOAS: Device or resource busy: ok" &&
	b1 | grep -q "check: IOMMU_DESTROY of the preserved HWPT: Device or resource busy: ok"' \
	"once preserved, map and unmap on the IOAS and destroying the HWPT are EBUSY"
check 'b1 | grep -q "check: VFIO_DEVICE_ATTACH_IOMMUFD_PT replacing the preserved device.s HWPT: Device or resource busy: ok" &&
	b1 | grep -q "check: VFIO_DEVICE_DETACH_IOMMUFD_PT of the preserved device: Device or resource busy: ok"' \
	"once preserved, replacing the device's HWPT and detaching the device are EBUSY"
check 'b1 | grep -q "frozen IOAS DMA: .* DMA copies .* checked"' "the device's DMA goes on through the frozen IOAS, its translation unchanged by the refused replace and detach"
check 'b1 | grep -q "live update: StreamID [0-9]*.s translation is handed over at the next kexec" &&
	b1 | grep -q "live update: StreamID [0-9]* no longer handed over"' \
	"the SMMU driver learned the StreamID at preserve, and forgot it when the session was closed"
check 'b1 | grep -q "check: IOMMU_IOAS_MAP after the session is closed: succeeded: ok"' \
	"closing the session thaws the IOAS"
check '! b1 | grep -q "live update: .*handed over (.*table pages)" && ! b2 | grep -q "live update: adopted"' \
	"after the cancel nothing is handed over at kexec, and the next kernel adopts nothing"
check 'b2 | grep -q "the kernel log has no SMMU live-update line" && ! b2 | grep -q "SMMU currently enabled" &&
	b2 | grep -q "boot 2 DMA: .* DMA copies .* checked"' \
	"the next kernel found the SMMU shut down as on any kexec, reset it, and a new VM does DMA"
