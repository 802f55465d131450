#!/bin/sh
# TAP: rules (userspace/build/host/tests/rules, built by make -C userspace)
exec "$(dirname "$0")/../../userspace/build/host/tests/rules" "$@"
