#!/usr/bin/env bash
# A preserved device's translation changed before the kexec (scenario
# lu-changed, patched kernel: the VMM closes the device, the one change of a
# preserved device's attachment that cannot be refused; ignore_loglevel so the shutdown's kernel log
# reaches the serial log): the outgoing SMMU driver says so, hands nothing
# over, and sets GBPA.ABORT before disabling the SMMU; the next kernel adopts
# nothing, resets the SMMU, and the VM resumes from its preserved memory.
. "$(dirname "$0")/lu-lib.sh"
echo "1..5"
lu_run lu-changed 'closed after|check:|iommufd preserved|live update:' -a ignore_loglevel
check '[ $rc = 0 ]' "every step of the scenario passed in both boots (rig.sh $rc)"
check 'b1 | grep -q "iommufd preserved (token 3)" && b1 | grep -q "device closed after the iommufd was preserved (replace and detach refused)"' \
	"the VMM preserved its iommufd; replace and detach were refused, then it closed the device"
check 'b1 | grep -q "live update: a preserved StreamID no longer translates as serialized: aborting all DMA" &&
	! b1 | grep -q "live update: .*handed over (.*table pages)"' \
	"the kexec shutdown noticed, said why, and handed nothing over"
check '! b2 | grep -q "live update: adopted" && ! b2 | grep -q "SMMU currently enabled"' \
	"the next kernel adopted nothing and found the SMMU disabled"
check 'b2 | grep -q "boot 2 DMA: .* DMA copies .* checked" && b2 | grep -q "marker \"VM resumed\""' \
	"the VM resumed from its preserved memory, DMA checked"
