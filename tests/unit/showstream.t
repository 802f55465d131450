#!/bin/sh
# TAP: showstream (userspace/build/host/tests/showstream, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/showstream" "$@"
