#!/bin/sh
# Seeded fault: an S1-to-S2 HWPT replace of protected StreamID 8, which the driver can only write through STE V=0 (no veto loaded): STE-BREAK and the driver's own ATTACH-BREAK, nothing else.
exec "$(dirname "$0")/seed-check.sh" patched seed-break-ste 1 ATTACH-BREAK,STE-BREAK
