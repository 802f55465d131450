#!/bin/sh
# TAP: progress (userspace/build/host/tests/progress, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/progress" "$@"
