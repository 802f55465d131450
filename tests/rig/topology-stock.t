#!/bin/sh
# The "host" topology (tests/rig/topology-check.sh) on the stock kernel: fentry mode.
exec "$(dirname "$0")/topology-check.sh" stock
