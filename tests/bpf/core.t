#!/bin/sh
# TAP: bpf/core.bpf.h under BPF_PROG_TEST_RUN on this machine's kernel
# (step classification, the full-state walker, loss accounting). Needs root.
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root (BPF_PROG_TEST_RUN)"; exit 0; fi
mkdir -p "$top/out"
make -s -C "$top/bpf" host-test >/dev/null 2>"$top/out/bpf-host-test.log" || {
	echo "1..1"; echo "not ok 1 - make -C bpf host-test"; sed 's/^/# /' "$top/out/bpf-host-test.log"; exit 1; }
exec "$top/out/bpf/host/core_test"
