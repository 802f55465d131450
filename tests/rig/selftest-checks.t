#!/usr/bin/env bash
# The guest's own checks can fail (scenario selftest-checks, one boot of the
# stock kernel): each real step, run where what it checks is broken, must be
# not ok, and for the reason it names:
#   vfio-iommufd --then   a command that fails inside it fails the step
#   collector-runs        a verb that does not answer --help
#   bpf-load, bpf-compare, bpf-bpftool, bpf-record-start
#                         told "patched" on a kernel without the series: they
#                         fail, never fall back to fentry or skip; told no
#                         flavor at all, bpf-load fails
#   bpf-record-stop       a capture whose --verify walk differs from the
#                         log's state (record --no-walk: the log lacks the
#                         state before it)
#   bpf-check             a capture with only the walker's STE/CD/PTE records
#                         (no write hook ran): each of those kinds counts 0
#   kunit-smmuv3          a suite KUnit skipped (filter_action=skip)
top=$(cd "$(dirname "$0")/../.." && pwd)
log="$top/out/rig/stock-selftest-checks.log"
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
has() { printf '%s\n' "$out" | grep -qE -- "$1"; }
said() { grep -qE -- "^b1\| # $1" "$log"; }

# kunit.enable=1: KUnit runs a module's suites only when enabled at boot (its
# own plan, "1..0", then comes before init's, as in tracepoints.t).
out=$("$top/scripts/rig.sh" --tap --kernel stock --scenario selftest-checks -o "$log" \
	-a "kunit.enable=1 kunit.autorun=1" -q -global -q e1000e.romfile=)
rc=$?
printf '%s\n' "$out" | grep -E '^(not )?ok|# (FAIL|vfio-iommufd: )' | sed 's/^/# /'
check '[ $rc = 1 ]' "the guest reported every test, the breaks not ok (rig exit 1, got $rc)"
check 'has "^not ok 1 - break-then" && said "vfio-iommufd: .false. failed"' \
	"vfio-iommufd --then: the command's failure is the step's (it detached first)"
check 'has "^not ok 2 - break-verb-help" && said "FAIL: hitless no-such-verb --help"' \
	"collector-runs: a verb that does not answer --help fails the step"
check '! grep -E "^b1\| # FAIL: hitless (show|diff|timeline|record|snapshot|import|monitor) --help" "$log" >/dev/null' \
	"collector-runs: every verb hitless help lists answers --help"
check 'has "^not ok 3 - break-flavor-load" && said "FAIL: the patched kernel has no series tracepoints" && said "FAIL: hitless record --mode tracepoint exited 5"' \
	"bpf-load told patched on a kernel without the series fails (no fallback to fentry alone)"
check 'has "^not ok 4 - break-flavor-compare" && ! said "SKIP"' "bpf-compare told patched on a kernel without the series fails, never skips"
check 'has "^not ok 5 - break-flavor-bpftool" && ! said "bpftool prog loadall /lib/hitless/hitless.bpf.o"' \
	"bpf-bpftool told patched on a kernel without the series fails before loading the stock object"
check 'has "^not ok 6 - break-flavor-record"' "bpf-record-start told patched on a kernel without the series fails (no --mode auto)"
check 'has "^not ok 7 - break-flavor-unknown" && said "FAIL: no hitless.flavor= on the kernel command line"' \
	"a step that depends on the flavor fails when the guest was not told it"
check 'has "^ok 8 - capture-no-walk" && has "^not ok 9 - break-verify" && said "FAIL: --verify: the walked state is not the log.s" && said "FAIL: record exited 1, not 0"' \
	"bpf-record-stop: --verify's DIFFERS and record's exit status fail the step"
check 'has "^ok 10 - walker-only-capture" && has "^not ok 11 - break-write-hooks" && said "ste: 0 fentry-kprobe records \([1-9][0-9]* from the walker" && said "FAIL: no ste record in fentry-kprobe mode"' \
	"bpf-check counts only the write hooks' records: the walker's STEs are not counted"
check 'has "^ok 12 - kunit-skip-all" && has "^not ok 13 - break-kunit-skipped" && said "FAIL: the suite was skipped"' \
	"kunit-smmuv3: a suite KUnit skipped is not a pass"
echo "1..$n"
