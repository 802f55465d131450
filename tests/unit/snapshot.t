#!/bin/sh
# TAP: snapshot (userspace/build/host/tests/snapshot, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/snapshot" "$@"
