#!/usr/bin/env bash
# Five KHO kexecs in a row with the monitors attached in every boot
# (tests/guest/scenarios/kexec-cycles): no crash, no lost record, DMA working.
# The kernel command line of the demo (scripts/demo.sh): each capture also
# takes in the persistent trace instances, the previous kernel's last events
# and this one's early boot.
. "$(dirname "$0")/../../scripts/lib.sh"
exec "$HITLESS_TOP/scripts/rig.sh" --tap --kernel patched --scenario kexec-cycles \
	--timeout 900 -a "$(trace_instance_args)"
