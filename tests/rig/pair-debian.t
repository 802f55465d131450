#!/bin/sh
# The two sides of a live update are different releases: Debian's 7.2 (last
# month's, sid) kexecs into Debian's 7.3 (trixie-backports), both as shipped,
# captured on both sides and judged (kexec-load-check.sh).
exec "$(dirname "$0")/kexec-load-check.sh" debian-7.2 debian
