#!/usr/bin/env bash
# Bad input and a host that cannot capture: each a clear message naming the
# problem and its own exit status (hitless help, docs/output.md):
# 2 a foreign or truncated file, 7 nothing protected (diff), 3 not root, 4 no kernel BTF, 5 --mode
# tracepoint on a kernel without the series (here: the stock kernel's BTF
# through HITLESS_BTF; in the rig: the stock kernel itself, steps/bpf-load),
# 6 no SMMUv3 driver (this x86 host); record, snapshot and monitor alike.
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/userspace/build/host/hitless"
synth="$top/userspace/build/host/tests/synth"
stock_btf=$("$top/scripts/kernel.sh" path stock)/btf	# vmlinux's and the SMMUv3 module's BTF
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
# check NAME WANT_RC WANT_MSG CMD...: exit status and message on stderr
check() {
	local name=$1 want=$2 msg=$3 rc
	shift 3
	n=$((n + 1))
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -q -- "$msg" "$tmp/err"; then
		echo "ok $n - $name: exit $rc, '$msg'"
	else
		echo "not ok $n - $name: exit $rc (want $want), stderr:"
		sed 's/^/# /' "$tmp/err"
	fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

echo "1..18"
"$synth" -r 100 -s 1 "$tmp/a.snap" || { echo "not ok 1 - synth"; exit 1; }
head -c 4096 /bin/sh >"$tmp/foreign"
head -c 1000 "$tmp/a.snap" >"$tmp/trunc"
for verb in show diff timeline; do
	check "$verb of a foreign file" 2 "foreign: not a hitless snapshot" "$H" $verb "$tmp/foreign"
done
check "diff with a truncated file" 2 "trunc: truncated" "$H" diff "$tmp/a.snap" "$tmp/trunc"
# nothing protected (no --protect, no PROTECT section, no VMM in the log): no green light
n=$((n + 1))
"$synth" -r 100 -s 1 -u "$tmp/u.snap" && "$H" diff "$tmp/u.snap" "$tmp/u.snap" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 7 ] && grep -q "^verdict: NOTHING PROTECTED (exit 7)" "$tmp/out" &&
	echo "ok $n - diff with nothing protected: exit 7, NOTHING PROTECTED" ||
	{ echo "not ok $n - diff with nothing protected: exit $rc (want 7)"; sed 's/^/# /' "$tmp/out" "$tmp/err"; }
n=$((n + 1))
"$H" -j show "$tmp/trunc" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q '^{"error":".*trunc: truncated' "$tmp/out" &&
	echo "ok $n - with -j the error is a JSON document on stdout, exit 2" ||
	{ echo "not ok $n - with -j: exit $rc"; sed 's/^/# /' "$tmp/out" "$tmp/err"; }

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	check "record as a user" 3 "'record' needs root" $nobody "$H" record -o "$tmp/x.snap"
	check "snapshot as a user" 3 "'snapshot' needs root" $nobody "$H" snapshot -o "$tmp/x.snap"
	check "record --pinned as a user" 3 "needs root" $nobody "$H" record --pinned -o "$tmp/x.snap"
	check "monitor as a user" 3 "'monitor' needs root" $nobody "$H" monitor --protect 8
else
	for i in 1 2 3 4; do skip "needs root and setpriv (drops to uid 65534)"; done
fi
if [ "$(id -u)" = 0 ]; then
	check "record, HITLESS_BTF missing" 4 "HITLESS_BTF=$tmp/none: no BTF there" \
		env HITLESS_BTF="$tmp/none" "$H" record -o "$tmp/x.snap"
	: >"$tmp/empty"
	check "snapshot, HITLESS_BTF empty" 4 "an empty file, no BTF" \
		env HITLESS_BTF="$tmp/empty" "$H" snapshot -o "$tmp/x.snap"
	if [ -f "$stock_btf" ]; then
		check "--mode tracepoint, stock kernel's BTF" 5 "not built with the hitless series" \
			env HITLESS_BTF="$stock_btf" "$H" record --mode tracepoint -o "$tmp/x.snap"
		check "monitor --mode tracepoint, stock kernel's BTF" 5 "not built with the hitless series" \
			env HITLESS_BTF="$stock_btf" "$H" monitor --mode tracepoint --metrics "$tmp/m.prom"
	else
		skip "no stock kernel build ($stock_btf)"
		skip "no stock kernel build ($stock_btf)"
	fi
	check "monitor, HITLESS_BTF missing" 4 "HITLESS_BTF=$tmp/none: no BTF there" \
		env HITLESS_BTF="$tmp/none" "$H" monitor --protect 8 --metrics "$tmp/m.prom"
	if [ "$(uname -m)" != aarch64 ]; then
		check "record on this $(uname -m) host" 6 "no Arm SMMUv3 driver" "$H" record -o "$tmp/x.snap"
		check "monitor on this $(uname -m) host" 6 "no Arm SMMUv3 driver" "$H" monitor --protect 8 --metrics "$tmp/m.prom"
	else
		skip "an arm64 host may have the SMMUv3 driver"
		skip "an arm64 host may have the SMMUv3 driver"
	fi
else
	for i in 1 2 3 4 5 6 7; do skip "needs root (past the privilege check)"; done
fi
# Only as root did a capture get past its privilege check and fail on the
# way (no BTF, no series, no SMMUv3): as a user nothing ran that could leave
# a file, and "none left" would hold whatever the collector did.
if [ "$(id -u)" = 0 ]; then
	n=$((n + 1))
	[ ! -e "$tmp/x.snap" ] && [ ! -e "$tmp/m.prom" ] && echo "ok $n - no failed capture left a snapshot or a metrics file" ||
		echo "not ok $n - a failed capture left $tmp/x.snap or $tmp/m.prom"
else
	skip "no capture ran past its privilege check (needs root): none could leave a file"
fi
