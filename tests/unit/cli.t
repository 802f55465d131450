#!/bin/sh
# TAP: cli (userspace/build/host/tests/cli, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/cli" "$@"
