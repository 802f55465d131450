#!/bin/sh
# TAP: runs (userspace/build/host/tests/runs, built by make -C userspace):
# runs of descriptors and batches of commands at the collector's intake
exec "$(dirname "$0")/../../userspace/build/host/tests/runs" "$@"
