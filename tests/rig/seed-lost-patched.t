#!/bin/sh
# Seeded fault: a one-page ring buffer and a burst of descriptor writes: records lost, INCOMPLETE (exit 2) with the count, never HITLESS, no finding from the holes.
exec "$(dirname "$0")/seed-check.sh" patched seed-lost 2 -
