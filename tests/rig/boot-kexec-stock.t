#!/bin/sh
# The same on Linux 7.3 as Debian ships it (the stock-kernel mode's target).
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel stock --scenario boot
