#!/usr/bin/env bash
# The README's test command: set up this machine (idempotent), build everything
# (kernels cached in $HITLESS_CACHE), then run every test under prove.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
t0=$(date +%s)
"$HITLESS_TOP/scripts/setup.sh"
make -C "$HITLESS_TOP" all
log "set-up and build took $(( $(date +%s) - t0 )) s; running the tests"
exec "$HITLESS_TOP/tests/run" "$@"
