#!/usr/bin/env bash
# The snapshot reader (and the judge over what it accepts) under libFuzzer
# with ASan + UBSan, for a bounded time, from the corpus kept in
# tests/fuzz/corpus. HITLESS_FUZZ_SECONDS sets the time (bench/ runs longer).
# A crash leaves its input in out/fuzz/ to reproduce with:
#   userspace/build/san/snapshot_fuzz out/fuzz/crash-...
top=$(cd "$(dirname "$0")/../.." && pwd)
fuzz="$top/userspace/build/san/snapshot_fuzz"
secs=${HITLESS_FUZZ_SECONDS:-30}
work="$top/out/fuzz"
echo "1..2"
[ -x "$fuzz" ] || { echo "not ok 1 - fuzz target built (make -C userspace san)"; echo "not ok 2 - no crash"; exit 0; }
echo "ok 1 - fuzz target built"
rm -rf "$work/corpus"; mkdir -p "$work/corpus"
cp "$top"/tests/fuzz/corpus/* "$work/corpus/"
"$fuzz" -max_total_time="$secs" -seed=1 -rss_limit_mb=2048 -max_len=65536 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
rc=$?
grep -E '^#[0-9]+.*(DONE|pulse)|Done [0-9]+ runs' "$work/log" | tail -n 2 | sed 's/^/# /'
if [ $rc = 0 ]; then
	echo "ok 2 - no crash in $secs s ($(ls "$work/corpus" | wc -l) inputs in the corpus now)"
else
	echo "not ok 2 - the fuzzer found a crash (status $rc); input in $work/"
	grep -A 20 -E 'ERROR|runtime error' "$work/log" | head -n 30 | sed 's/^/#   /'
fi
