#!/bin/sh
# The clean run on the stock kernel (fentry capture): zero findings, HITLESS.
exec "$(dirname "$0")/seed-check.sh" stock clean 0 -
