#!/usr/bin/env bash
# A handed-over translation nobody claims (scenario lu-unclaimed, patched
# kernel): the VMM retrieves its memory in the next kernel and finishes the
# LUO session without attaching the device. The iommufd's LUO finish then
# releases the restored domain: the default domain is attached, the ASID
# invalidated and the preserved tables freed; a new VM then gets the device
# and does DMA.
. "$(dirname "$0")/lu-lib.sh"
echo "1..4"
lu_run lu-unclaimed 'no-attach|live update:'
check '[ $rc = 0 ]' "every step of the scenario passed in both boots (rig.sh $rc)"
check 'b2 | grep -q "live update: adopted the stream table" && b2 | grep -q "live update: group [0-9]*: restored domain attached at probe"' \
	"the next kernel adopted the hand-over and attached the restored domain"
check 'b2 | grep -q "iommufd: live update: session finished: 1 of 1 devices handed over were not claimed" &&
	b2 | grep -q "live update: group [0-9]*: restored domain nobody claimed released, Translated domain attached" &&
	b2 | grep -q "live update: StreamID 8: restored domain freed, ASID [0-9]* invalidated" &&
	b2 | grep -q "live update: hand-over complete, [0-9]* preserved table ranges freed"' \
	"LUO finish released the unclaimed restored domain: default domain attached, ASID invalidated, tables freed"
check 'b2 | grep -q "boot 2 DMA: .* DMA copies .* checked"' "a new VM then gets the device and does DMA"
