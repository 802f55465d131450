#!/bin/sh
# The stock mode on Debian's own arm64 7.3 kernel as shipped (rig flavor
# debian, scenario type1-capture): the VMM-like workload on the VFIO type1
# container (no iommufd in that kernel) captured with no record lost and the
# walked state equal to the log's (in the guest), then judged on the host:
# the clean run is HITLESS, with StreamID 8 protected from the VMM's attach.
exec "$(dirname "$0")/seed-check.sh" debian type1-capture 0 -
