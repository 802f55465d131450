#!/bin/sh
# TAP: tracebuf (userspace/build/host/tests/tracebuf, built by make -C userspace):
# trace events of the patched 7.3 kernel -> records, from its format files
HITLESS_TOP=$(cd "$(dirname "$0")/../.." && pwd) exec "$(dirname "$0")/../../userspace/build/host/tests/tracebuf" "$@"
