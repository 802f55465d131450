#!/bin/sh
# Seeded fault: hitless_seed unmaps and remaps a 2 MiB block of edu's table with no TLBI or CMD_SYNC: INV-TLB at IOVA 0x1000000 (a warning: the log ends with it owed), nothing else.
exec "$(dirname "$0")/seed-check.sh" patched seed-inv 1 INV-TLB 0x1000000
