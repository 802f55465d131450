#!/bin/sh
# TAP: the BPF objects and skeletons build byte for byte the same from the
# same sources and BTF, wherever the tree is (bpf/Makefile).
top=$(cd "$(dirname "$0")/../.." && pwd)
# the stock kernel folder's BTF: vmlinux's, and the SMMUv3 module's (scripts/kernel.sh)
vmlinux=${VMLINUX:-$("$top/scripts/kernel.sh" path stock)/btf}
if [ ! -f "$vmlinux" ]; then echo "1..0 # SKIP no $vmlinux (scripts/kernel.sh stock)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
build() {	# $1: a copy of bpf/ at another path, $2: output dir
	mkdir -p "$1" && cp "$top"/bpf/*.c "$top"/bpf/*.h "$top"/bpf/Makefile "$1"/
	make -s -C "$1" TOP="$(dirname "$1")" OUT="$2" VMLINUX="$vmlinux" >"$tmp/log" 2>&1
}
echo "1..3"
build "$tmp/a/bpf" "$tmp/out-a" && build "$tmp/b/deeper/bpf" "$tmp/out-b"
ok=$?
n=$((n + 1)); [ $ok = 0 ] && echo "ok $n - built twice, from two paths" ||
	{ echo "not ok $n - built twice"; sed 's/^/# /' "$tmp/log"; fail=1; }
for f in hitless.bpf.o hitless_tp.bpf.o; do
	n=$((n + 1))
	if cmp -s "$tmp/out-a/$f" "$tmp/out-b/$f" && cmp -s "$tmp/out-a/${f%.bpf.o}.skel.h" "$tmp/out-b/${f%.bpf.o}.skel.h"; then
		echo "ok $n - $f and its skeleton identical ($(sha256sum <"$tmp/out-a/$f" | cut -c1-16))"
	else
		echo "not ok $n - $f differs between the two builds"; fail=1
	fi
done
exit $fail
