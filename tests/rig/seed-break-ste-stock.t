#!/bin/sh
# Seeded fault on the stock kernel (fentry): the S1-to-S2 replace's STE break: STE-BREAK and ATTACH-BREAK, nothing else.
exec "$(dirname "$0")/seed-check.sh" stock seed-break-ste 1 ATTACH-BREAK,STE-BREAK
