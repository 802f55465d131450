#!/bin/sh
# The demo on the patched kernel: verdict, critical path, every output form.
exec "$(dirname "$0")/demo-check.sh" patched
