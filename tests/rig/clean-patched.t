#!/bin/sh
# The clean run on the patched kernel: a VMM binds, attaches, maps and does DMA with StreamID 8 protected: zero findings, HITLESS.
exec "$(dirname "$0")/seed-check.sh" patched clean 0 -
