#!/bin/sh
# A plain kexec_load(2) round trip on Debian's own 7.3 (no KHO, no LUO, no
# kexec_file_load): judged NOT HITLESS with its evidence (kexec-load-check.sh).
exec "$(dirname "$0")/kexec-load-check.sh" debian debian
