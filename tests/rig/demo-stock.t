#!/bin/sh
# The demo on stock Linux 7.3: it resets the SMMU across kexec, NOT hitless.
exec "$(dirname "$0")/demo-check.sh" stock
