#!/bin/sh
# hitless monitor --protect 8 in the guest on the patched kernel: live STE-BREAK through a seeded breaking replace, nothing through the clean run (SIGTERM, -j), LOST and INCOMPLETE with a one-page ring buffer; the metrics file parses and counts each.
exec "$(dirname "$0")/monitor-check.sh" patched
