#!/bin/sh
# TAP: the objects bpftool loads (every program, nothing set before the load)
# have no CO-RE read that is ambiguous on a kernel with both Arm SMMU drivers
# (bpf/README.md "Kernels with both Arm SMMU drivers"): relocated against
# Debian's own 7.3 BTF (two struct arm_smmu_device, as shipped) and against
# the rig's stock BTF with a second such type added, libbpf goes past CO-RE
# relocation to loading the programs (which stops on this host: their attach
# targets are not in its kernel, or it refuses the tracing programs).  Before the layout went into a map, the CO-RE walker trigger made
# `bpftool prog loadall` fail there with "field offset ambiguity".
# Needs root (libbpf creates the maps before it relocates).
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${HITLESS_CACHE:-/var/cache/hitless}
obj_dir="$top/out/bpf/stock"
stock_btf=$(HITLESS_CACHE=$cache "$top/scripts/kernel.sh" path stock)/btf	# vmlinux's and the SMMUv3 module's BTF
deb_btf=$(ls -d "$cache"/distro/7.3.*/btf 2>/dev/null | head -n 1)
if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
if [ ! -f "$obj_dir/hitless.bpf.o" ]; then echo "1..0 # SKIP no $obj_dir/hitless.bpf.o (make all)"; exit 0; fi
if [ ! -f "$stock_btf" ]; then echo "1..0 # SKIP no stock kernel build ($stock_btf)"; exit 0; fi
if [ -z "$deb_btf" ]; then echo "1..0 # SKIP no Debian 7.3 BTF under $cache/distro (scripts/setup.sh)"; exit 0; fi
if [ "$(uname -m)" = aarch64 ]; then echo "1..0 # SKIP an arm64 host has its own SMMUv3 functions"; exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..6"
make -s -C "$top/bpf" host-test >"$tmp/make.log" 2>&1 &&
	"$top/out/bpf/host/btf_two_smmu" "$stock_btf" "$tmp/two.btf" 2>>"$tmp/make.log" ||
	sed 's/^/# /' "$tmp/make.log"
n=1
for btf in "$deb_btf" "$tmp/two.btf"; do
	c=$(bpftool btf dump file "$btf" 2>/dev/null | grep -c "STRUCT 'arm_smmu_device'")
	[ "$c" = 2 ] && echo "ok $n - $(basename "$(dirname "$btf")")/$(basename "$btf"): two struct arm_smmu_device" ||
		echo "not ok $n - $btf holds $c struct arm_smmu_device"
	n=$((n + 1))
	for o in hitless hitless_tp; do
		"$top/out/bpf/host/load_all" "$obj_dir/$o.bpf.o" "$btf" >/dev/null 2>"$tmp/$o.err"
		if ! grep -q "ambiguity\|failed to perform CO-RE relocations" "$tmp/$o.err" &&
		   grep -q "failed to find kernel BTF type ID\|BPF program load failed" "$tmp/$o.err"; then
			echo "ok $n - $o.bpf.o, every program: CO-RE relocation goes through, the load reaches the programs"
		else
			echo "not ok $n - $o.bpf.o, every program, against $btf"
			grep "ambiguity\|CO-RE\|failed\|rror" "$tmp/$o.err" | head -5 | sed 's/^/# /'
		fi
		n=$((n + 1))
	done
done
