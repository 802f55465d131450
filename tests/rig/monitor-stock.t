#!/bin/sh
# hitless monitor --protect 8 in the guest on the stock kernel (fentry capture): live STE-BREAK through a seeded breaking replace, nothing through the clean run; the metrics file parses and counts both.
exec "$(dirname "$0")/monitor-check.sh" stock
