#!/bin/sh
# Seeded fault on the stock kernel (fentry on __arm_lpae_unmap, arm_lpae_map_pages and the command queue): the missing TLBI is INV-TLB at IOVA 0x1000000, nothing else.
exec "$(dirname "$0")/seed-check.sh" stock seed-inv 1 INV-TLB 0x1000000
