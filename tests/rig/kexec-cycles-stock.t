#!/bin/sh
# Five KHO kexecs in a row with the monitors attached in every boot
# (tests/guest/scenarios/kexec-cycles) on Linux 7.3 as Debian ships it: the
# fentry mode, no trace instances. No crash, no lost record, DMA working.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel stock --scenario kexec-cycles --timeout 900
