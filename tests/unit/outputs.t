#!/bin/sh
# TAP: outputs (userspace/build/host/tests/outputs, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/outputs" "$@"
