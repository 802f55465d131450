#!/bin/sh
# TAP: kbtf (userspace/build/host/tests/kbtf, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/kbtf" "$@"
