#!/usr/bin/env bash
# The series' hitless-attach flag, VFIO_DEVICE_ATTACH_HITLESS, and the KUnit
# cases of a live update's restore (scenario hitless-flag, patched kernel):
#  - boot 1: the first attach asked hitless (abort STE to S1) goes through;
#    an S1-to-S1 replace asked hitless (a CD through V=0) fails with EBUSY and
#    writes nothing: no STE, CD or command between vfio-iommufd's trace
#    markers; the same replace without the flag goes through, with its break;
#  - boot 1: the arm-smmu-v3 KUnit suite, loaded as a module, passes, with
#    its restore cases (the restored STE equals the previous kernel's on every
#    used bit; the owner's replace of it is hitless);
#  - boot 2: the VMM's attach asked hitless replaces the restored domain (only
#    S1ContextPtr changes) and its DMA is checked.
. "$(dirname "$0")/lu-lib.sh"
. "$top/scripts/lib.sh"
echo "1..5"
lu_run hitless-flag 'hitless|refused|nothing written|case passed|live update:|VFIO_DEVICE_ATTACH_HITLESS|MISSING|FAIL' \
	-a "kunit.enable=1 kunit.autorun=1 $(trace_instance_args)"
check '[ $rc = 0 ]' "every step of the scenario passed in both boots (rig.sh $rc)"
check 'b1 | grep -q "attached to IOAS [0-9]* (hwpt [0-9]*), hitless" &&
	b1 | grep -q "hitless replace hwpt [0-9]* -> [0-9]* refused (Device or resource busy), as expected" &&
	b1 | grep -q "seen: the hitless replace refused by the driver with EBUSY" &&
	b1 | grep -q "nothing written for the refused replace: no STE, CD or command"' \
	"boot 1: the hitless attach went through; the breaking replace asked hitless failed with EBUSY and wrote nothing"
check 'b1 | grep -q "replaced: hwpt [0-9]* -> [0-9]* (without the flag)" &&
	b1 | grep -q "seen: the same replace without the flag broke the CD (V=0)"' \
	"boot 1: the same replace without the flag went through, with its break"
check 'b1 | grep -qE "case passed: .*ok [0-9]+ arm_smmu_v3_lu_restored_ste[[:space:]]*$" &&
	b1 | grep -qE "case passed: .*ok [0-9]+ arm_smmu_v3_lu_restored_ste_replace[[:space:]]*$"' \
	"boot 1: the KUnit restore cases ran and passed"
check 'b2 | grep -q "live update: group [0-9]*: restored domain attached at probe" &&
	b2 | grep -q "HWPT [0-9]* attached with VFIO_DEVICE_ATTACH_HITLESS" &&
	b2 | grep -q "live update: StreamID 8: restored domain freed" &&
	b2 | grep -q "boot 2 DMA: .* DMA copies .* checked"' \
	"boot 2: the VMM's attach asked hitless replaced the restored domain, DMA checked"
