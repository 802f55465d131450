#!/bin/sh
# TAP: entry (userspace/build/host/tests/entry, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/entry" "$@"
