#!/bin/sh
# The "host" topology (tests/rig/topology-check.sh) on the patched kernel: tracepoint mode.
exec "$(dirname "$0")/topology-check.sh" patched
