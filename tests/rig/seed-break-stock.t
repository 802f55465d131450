#!/bin/sh
# Seeded fault on the stock kernel (fentry): the breaking HWPT replace is seen by the driver's own attach outcome and by the CD writes: ATTACH-BREAK and CD-BREAK, nothing else.
exec "$(dirname "$0")/seed-check.sh" stock seed-break 1 ATTACH-BREAK,CD-BREAK
