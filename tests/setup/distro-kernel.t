#!/usr/bin/env bash
# scripts/distro-kernel.sh import, the way a kernel this project did not build
# (a distribution's, a team's own) enters the rig, on small synthetic inputs:
# an arm64 Image header with a BTF blob inside, a modules folder whose VFIO
# is built in. What it makes, and each bad input's clear error that leaves
# nothing behind.
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
imp() { HITLESS_CACHE="$tmp/cache" "$top/scripts/distro-kernel.sh" import "$@" >"$tmp/out" 2>&1; }

rel=7.3.4+test1-arm64
mods="$tmp/lib/modules/$rel"
mkdir -p "$mods/kernel"
printf 'kernel/drivers/vfio/vfio.ko\nkernel/drivers/vfio/vfio_iommu_type1.ko\nkernel/drivers/vfio/pci/vfio-pci.ko\n' >"$mods/modules.builtin"
echo 'CONFIG_VFIO=y' >"$mods/config"
# An Image: the 64-byte arm64 header (image_size, ARM\x64 at 0x38), some
# text, then a BTF blob (header, 16 bytes of types, 4 of strings).
python3 - "$tmp/Image" <<'PY'
import struct, sys
h = struct.pack("<IIQQQQQQII", 0x14000000, 0, 0, 0x200000, 10, 0, 0, 0, 0x644d5241, 0)
btf = struct.pack("<HBBIIIII", 0xeb9f, 1, 0, 24, 0, 16, 16, 4) + bytes(16) + b"\0ab\0"
open(sys.argv[1], "wb").write(h + b"\xaa" * 4000 + btf + b"\x55" * 100)
PY
imp "$tmp/k" "$tmp/Image" "$mods"
rc=$?
sed 's/^/# /' "$tmp/out"
check '[ $rc = 0 ] && cmp -s "$tmp/Image" "$tmp/k/Image"' "an Image and its modules folder import (the Image as it is)"
check '[ "$(cat "$tmp/k/kernel.release")" = "$rel" ] && [ -f "$tmp/k/config" ]' "the release from the modules folder, its config beside"
check '[ "$(stat -c %s "$tmp/k/btf")" = 44 ] && [ "$(od -An -tx1 -N2 "$tmp/k/btf" | tr -d " ")" = 9feb ]' \
	"the BTF blob read out of the Image (44 bytes, its magic first)"
check '[ -f "$tmp/k/modroot/lib/modules/$rel/modules.dep" ] && [ -z "$(find "$tmp/k/modroot" -name "*.ko")" ]' \
	"VFIO built in: no module to carry, a modules.dep all the same"

cp -a "$tmp/k" "$tmp/k.before"
# bad inputs: a clear error, exit 1, the old folder kept, nothing half-made
head -c 4096 /dev/urandom >"$tmp/junk"
imp "$tmp/k" "$tmp/junk" "$mods"
rc=$?
check '[ $rc = 1 ] && grep -q "is not an arm64 Image (no ARM.x64 magic at 0x38)" "$tmp/out" && diff -r "$tmp/k" "$tmp/k.before" >/dev/null && [ ! -e "$tmp/k.new" ]' \
	"not an Image: named, exit 1, the earlier import kept, nothing left half-made"
python3 -c "
import sys
open(sys.argv[1], 'wb').write(b'MZ\0\0zimg' + bytes(200))" "$tmp/zboot"
imp "$tmp/z" "$tmp/zboot" "$mods"
rc=$?
check '[ $rc = 1 ] && grep -q "EFI zboot image" "$tmp/out" && grep -q "linux-binary-unsigned" "$tmp/out" && [ ! -e "$tmp/z" ]' \
	"Debian's signed EFI image: named as such, with the package to use instead"
python3 - "$tmp/nobtf" <<'PY'
import struct, sys
h = struct.pack("<IIQQQQQQII", 0x14000000, 0, 0, 0x200000, 10, 0, 0, 0, 0x644d5241, 0)
open(sys.argv[1], "wb").write(h + bytes(4000))
PY
imp "$tmp/b" "$tmp/nobtf" "$mods"
rc=$?
check '[ $rc = 1 ] && grep -q "no BTF in" "$tmp/out" && grep -q "CONFIG_DEBUG_INFO_BTF" "$tmp/out" && [ ! -e "$tmp/b" ]' \
	"an Image without BTF: named (CONFIG_DEBUG_INFO_BTF), nothing made"
rm "$mods/modules.builtin"
imp "$tmp/m" "$tmp/Image" "$mods"
rc=$?
check '[ $rc = 1 ] && grep -q "module vfio is neither in .* nor built in" "$tmp/out" && [ ! -e "$tmp/m" ]' \
	"a kernel without VFIO: the missing module named, nothing made"
imp "$tmp/d" "$tmp/missing.deb" "$tmp/other.deb"
rc=$?
check '[ $rc = 1 ] && grep -q "no such package: $tmp/missing.deb" "$tmp/out"' "a .deb that is not there: named"
echo "1..$n"
