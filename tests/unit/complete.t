#!/bin/sh
# TAP: complete (userspace/build/host/tests/complete, built by make -C userspace):
# the one definition of a complete log against the verdict's, on every log the tests judge
HITLESS_TOP=$(cd "$(dirname "$0")/../.." && pwd) exec "$(dirname "$0")/../../userspace/build/host/tests/complete" "$@"
