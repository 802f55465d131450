#!/bin/sh
# TAP: monitor (userspace/build/host/tests/monitor, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/monitor" "$@"
