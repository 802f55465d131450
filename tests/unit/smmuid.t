#!/bin/sh
# TAP: smmuid (userspace/build/host/tests/smmuid, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/smmuid" "$@"
