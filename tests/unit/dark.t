#!/bin/sh
# TAP: dark (userspace/build/host/tests/dark, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/dark" "$@"
