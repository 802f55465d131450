#!/bin/sh
# TAP: the stock-mode object loads on a kernel whose BTF has two struct
# arm_smmu_device (both Arm SMMU drivers built, as Debian's arm64 kernels
# are): the rig's stock kernel BTF with an SMMUv1/v2-shaped second one added
# (btf_two_smmu), given to `hitless record` as HITLESS_BTF.  libbpf used to
# refuse the whole object ("field offset ambiguity"); the loader now finds
# the SMMUv3 type through struct arm_smmu_master and passes its offsets, and
# CO-RE relocation goes through.  On this host the load then stops where it
# must (no SMMUv3 functions to attach to). Needs root (past the privilege check).
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/userspace/build/host/hitless"
stock_btf=$("$top/scripts/kernel.sh" path stock)/btf	# vmlinux's and the SMMUv3 module's BTF
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
if [ ! -f "$stock_btf" ]; then echo "1..0 # SKIP no stock kernel build ($stock_btf)"; exit 0; fi
if [ "$(uname -m)" = aarch64 ]; then echo "1..0 # SKIP an arm64 host has its own SMMUv3 functions"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..6"
make -s -C "$top/bpf" host-test >"$tmp/make.log" 2>&1 &&
	"$top/out/bpf/host/btf_two_smmu" "$stock_btf" "$tmp/two.btf" 2>>"$tmp/make.log"
n=$(bpftool btf dump file "$tmp/two.btf" 2>/dev/null | grep -c "STRUCT 'arm_smmu_device'")
[ "$n" = 2 ] && echo "ok 1 - the BTF holds two struct arm_smmu_device" ||
	{ echo "not ok 1 - the BTF holds $n struct arm_smmu_device"; sed 's/^/# /' "$tmp/make.log"; }
HITLESS_BTF="$tmp/two.btf" "$H" record --no-walk --duration 0.1 -o "$tmp/x.snap" >"$tmp/out" 2>"$tmp/err"
grep -q "struct arm_smmu_device: 2 types of that name" "$tmp/err" &&
	echo "ok 2 - the loader says which it took" || echo "not ok 2 - no note on the two types"
! grep -q "ambiguity\|failed to perform CO-RE relocations" "$tmp/err" &&
	echo "ok 3 - CO-RE relocation: no field offset ambiguity" || echo "not ok 3 - CO-RE relocation refused"
# past relocation, libbpf looks the fentry targets up in this host's own kernel
grep -q "failed to find kernel BTF type ID of '__arm_smmu_cmdq_issue_cmdlist'" "$tmp/err" &&
	echo "ok 4 - the load went on to the attach targets (absent on this host)" ||
	echo "not ok 4 - the load did not reach the attach targets"
# libbpf's log (lib/capture.c): without -v kept, and printed (before the
# error that points at it) because this load fails; with -v all of it as it
# comes, its debug lines too
n0=$(grep -c "^libbpf: " "$tmp/err")
last_lib=$(grep -n "^libbpf: " "$tmp/err" | tail -n 1 | cut -d: -f1)
err_at=$(grep -n "loading the BPF programs failed" "$tmp/err" | head -n 1 | cut -d: -f1)
[ "$n0" -gt 0 ] && [ -n "$err_at" ] && [ "$last_lib" -lt "$err_at" ] &&
	echo "ok 5 - a failed load prints libbpf's log before the error that points at it ($n0 lines)" ||
	echo "not ok 5 - libbpf's log and the error: $n0 lines, the last at ${last_lib:-none}, the error at ${err_at:-none}"
HITLESS_BTF="$tmp/two.btf" "$H" -v record --no-walk --duration 0.1 -o "$tmp/x.snap" >"$tmp/out" 2>"$tmp/err.v"
n1=$(grep -c "^libbpf: " "$tmp/err.v")
[ "$n1" -gt "$n0" ] &&
	echo "ok 6 - -v: libbpf's whole log, its debug lines too ($n1 lines, $n0 without -v)" ||
	echo "not ok 6 - -v gave $n1 libbpf lines, $n0 without"
sed 's/^/# /' "$tmp/err" | grep -v "not loaded" | tail -5
