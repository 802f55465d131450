#!/bin/sh
# Seeded fault on the stock kernel: a one-page ring buffer loses records in fentry mode too: INCOMPLETE (exit 2) with the count, never HITLESS.
exec "$(dirname "$0")/seed-check.sh" stock seed-lost 2 -
