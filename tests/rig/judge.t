#!/usr/bin/env bash
# The host's judge of guest KTAP (scripts/rig.sh) can fail, and tells a test
# that failed (exit 1) from a rig that failed (exit 3) and a bad argument (2).
# Each failure path is exercised here on the stock kernel, on tiny scenarios:
#   selftest-fail   a failing step (whose output holds the decoy "ok 2 -
#                   fails"), a hung step, a step that closes its output and
#                   hangs, an exported file that must arrive whole, a result
#                   forged on the console (the judge takes an unmarked result
#                   line as it stands: the decoy could match, were init not
#                   marking step output), a failed kexec and the test after it
#   boot, bound 3 s a run past its bound
#   selftest-panic  a damaged exported file; a kernel panic mid-scenario
#   selftest-plan   a guest whose plan disagrees with the scenario file (an
#                   initramfs with another copy of it laid over, -q -initrd)
#   -q BAD-OPTION   QEMU exiting non-zero (before any boot)
#   no QEMU, no such scenario or flavor: the rig dying before it boots
top=$(cd "$(dirname "$0")/../.." && pwd)
rig="$top/scripts/rig.sh"
log="$top/out/rig/judge.log"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
has() { printf '%s\n' "$out" | grep -qE -- "$1"; }
show() { printf '%s\n' "$out" | grep -E '^(not )?ok|^# rig: [^ ]' | grep -v "the log's last lines" | sed 's/^/# /' | tail -n "${1:-12}"; }

out=$("$rig" --tap --kernel stock --scenario selftest-fail --append hitless.step_timeout=5 -o "$log")
rc=$?
show 14
check '[ $rc = 1 ]' "a scenario with failures exits 1: the guest reported every test (not 3, a rig failure) (got $rc)"
check 'grep -q "^b1| # ok 2 - fails$" "$log"' "the failing step printed the decoy 'ok 2 - fails', marked by init as a diagnostic"
check 'has "^not ok 2 - fails \[b1\]$"' "the failing step is not ok: its decoy is not taken for its result"
check 'has "^ok 3 - passes-after"' "the run goes on after a failure"
check 'has "^not ok 4 - hangs"' "a hung step is killed and not ok"
check 'has "^not ok 5 - hangs-closed" && grep -q "hangs-closed: timed out after 5 s" "$log"' \
	"a step that closes its output and hangs is killed at the step timeout and not ok"
check 'cmp -s "${log%.log}.files/exported-step" "$top/tests/guest/steps/fail-with-output"' \
	"a file exported by the guest arrives byte for byte"
check 'has "^ok 7 - forged"' \
	"a result line init did not mark is taken as it stands (so the decoy of test 2 has the form the judge matches)"
check 'has "^not ok 9 - kexec into boot 2" && has "^not ok 10 - after-kexec \(not run: the kexec failed\)"' \
	"a failed kexec is not ok, and the test after it is reported not run"

out=$("$rig" --tap --kernel stock --scenario boot --timeout 3 -o "$log.timeout")
rc=$?
check '[ $rc = 3 ] && has "did not finish within 3 s"' "a run past its bound is killed and reported as the rig's failure (exit 3, got $rc)"

# proc_mem.force_override=always: the stock kernel lets only an active ptracer
# write read-only pages through /proc/PID/mem (steps/selftest kill-init).
out=$("$rig" --tap --kernel stock --scenario selftest-panic -o "$log.panic" -a proc_mem.force_override=always)
rc=$?
show
check '[ $rc = 3 ]' "a panic or a damaged file fails the run as the rig's own failure (exit 3, got $rc)"
check 'has "^# rig: exported file damaged arrived damaged" && [ ! -e "${log%.log}.panic.files/damaged" ]' \
	"an exported file that arrived damaged is reported and not kept"
check 'has "^# rig: the kernel panicked in boot 1: .*Attempted to kill init"' "a kernel panic mid-scenario is reported, with its boot"
check 'has "^not ok 2 - \(no result: the guest stopped before this test\)" && has "^not ok 3 - \(no result" && has "guest stopped before reporting 2 of 3 tests"' \
	"the test that panicked and the one after it have no result and count as failed"

# The guest's copy of selftest-plan has one step more than the host's.
cpio_in="$top/out/initramfs-stock.cpio" gen="$top/out/host/gen_init_cpio"
printf 'step passes true\nstep one-more true\n' >"$tmp/selftest-plan"
echo "file /scenarios/selftest-plan $tmp/selftest-plan 0644 0 0" >"$tmp/list"
if [ -f "$cpio_in" ] && [ -x "$gen" ] && "$gen" -t 0 -o "$tmp/extra.cpio" "$tmp/list"; then
	cat "$cpio_in" "$tmp/extra.cpio" >"$tmp/plan.cpio"
	out=$("$rig" --tap --kernel stock --scenario selftest-plan -o "$log.plan" -q -initrd -q "$tmp/plan.cpio")
	rc=$?
	show 4
else
	out="(no $cpio_in or $gen)" rc=x
fi
check '[ $rc = 3 ] && has "^# rig: the guest.s plan says 2 tests, the scenario file has 1$"' \
	"a guest whose plan disagrees with the scenario file fails the run (exit 3, got $rc)"

out=$("$rig" --tap --kernel stock --scenario boot -o "$log.qemu" -q -no-such-qemu-option 2>&1)
rc=$?
show 4
check '[ $rc = 3 ] && has "^# rig: QEMU exited with status 1: .*no-such-qemu-option" && has "^not ok 1 - scenario boot ran"' \
	"QEMU exiting non-zero is reported with its message, nothing booted (exit 3, got $rc)"

out=$(HITLESS_CACHE="$tmp/no-cache" "$rig" --tap --kernel stock --scenario selftest-fail -o "$log.none" 2>&1)
rc=$?
show 2
check '[ $rc = 3 ] && has "no QEMU at $tmp/no-cache"' "a rig that dies before it boots (no QEMU) exits 3, not 1 (got $rc)"
out=$("$rig" --tap --kernel stock --scenario no-such-scenario 2>&1)
rc=$?
check '[ $rc = 2 ] && has "no scenario no-such-scenario"' "no such scenario: exit 2, before booting (got $rc)"
out=$("$rig" --tap --kernel no-such-flavor 2>&1)
rc=$?
check '[ $rc = 2 ] && has "not no-such-flavor"' "no such kernel flavor: exit 2, before booting (got $rc)"
echo "1..$n"
