#!/usr/bin/env bash
# The README's main command: set up, build, and run the end-to-end scenario on
# the QEMU rig with the serial log live, each line marked with its boot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
"$HITLESS_TOP/scripts/setup.sh"
make -C "$HITLESS_TOP" all
exec "$HITLESS_TOP/scripts/rig.sh" --kernel patched --scenario boot "$@"
