#!/bin/sh
# TAP: decode (userspace/build/host/tests/decode, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/decode" "$@"
