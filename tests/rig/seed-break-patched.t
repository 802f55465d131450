#!/bin/sh
# Seeded fault: a HWPT replace the driver can only do by breaking the CD of protected StreamID 8 (no veto loaded): CD-BREAK and the driver's own ATTACH-BREAK, nothing else.
exec "$(dirname "$0")/seed-check.sh" patched seed-break 1 ATTACH-BREAK,CD-BREAK
