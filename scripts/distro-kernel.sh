#!/usr/bin/env bash
# A kernel this project did not build, as shipped, made into a rig kernel
# folder (what scripts/kernel.sh path gives for the built flavors): nothing is
# rebuilt, the Image boots as it is.
#
#   scripts/distro-kernel.sh import DIR DEB...        from .deb packages: one with the raw
#                                                   Image (Debian: linux-binary-unsigned-REL),
#                                                   one with the modules (linux-modules-REL),
#                                                   optionally one with the config (linux-base-REL)
#   scripts/distro-kernel.sh import DIR IMAGE MODDIR  from an arm64 Image and its modules
#                                                   folder (.../lib/modules/REL)
#   scripts/distro-kernel.sh path FLAVOR            the folder of a flavor: debian (Debian's
#                                                   7.3), debian-7.2, or a folder import made
#   scripts/distro-kernel.sh build-dir FLAVOR       a folder to build out-of-tree modules for
#                                                   that kernel in (M=): the rig's Linux source
#                                                   prepared with the kernel's own config and
#                                                   release (modules_prepare, cached); only for
#                                                   a kernel of the source's version (7.3.4)
#
# DIR gets: Image, kernel.release, btf (the kernel's BTF, read out of the
# Image: the .BTF blob /sys/kernel/btf/vmlinux shows), config (when given),
# and modroot/lib/modules/REL/ with the modules the rig's scenarios load
# (MODULES below and every module they depend on, from each one's depends=),
# decompressed, with a modules.dep made by depmod, plus modules.builtin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# What a VMM with a passthrough device loads (VFIO type1 and vfio-pci).
MODULES="vfio vfio_iommu_type1 vfio-pci"

usage() { sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# The raw arm64 Image's magic ("ARM\x64" at 0x38), or an error saying what it is.
check_image() {
	local f=$1 magic
	magic=$(od -An -tx1 -j56 -N4 "$f" | tr -d ' ')
	[ "$magic" = 41524d64 ] && return
	if [ "$(od -An -c -j4 -N4 "$f" | tr -d ' ')" = zimg ]; then
		die "$f is an EFI zboot image (a compressed, EFI-signed kernel: Debian's linux-image-REL); use the raw Image (Debian: linux-binary-unsigned-REL)"
	fi
	die "$f is not an arm64 Image (no ARM\\x64 magic at 0x38)"
}

# The .BTF blob inside a raw Image: the first BTF header (magic 0xeb9f,
# version 1, 24-byte header, types then strings) whose sizes fit the file.
extract_btf() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 0
while True:
    i = d.find(b"\x9f\xeb\x01\x00", i)
    if i < 0:
        sys.exit("no BTF in %s (a kernel without CONFIG_DEBUG_INFO_BTF?)" % sys.argv[1])
    hl, to, tl, so, sl = struct.unpack_from("<IIIII", d, i + 4)
    if hl == 24 and to == 0 and so == tl and tl > 0 and sl > 0 and i + hl + so + sl <= len(d):
        open(sys.argv[2], "wb").write(d[i:i + hl + so + sl])
        break
    i += 1
EOF
}

# Module NAME's file under MODDIR (names may use - or _), or nothing.
module_file() {
	local dir=$1 name=$2 alt
	alt=$(printf '%s' "$name" | tr '_-' '-_')
	{ find "$dir/kernel" "$dir/updates" \( -name "$name.ko*" -o -name "$alt.ko*" \) 2>/dev/null || true; } |
		LC_ALL=C sort | head -n 1
}

# Copy MODULES and their dependencies from MODDIR (REL) into DIR/modroot.
copy_modules() {
	local moddir=$1 dir=$2 rel=$3 todo done_ m f dst dep
	local into="$dir/modroot/lib/modules/$rel"
	mkdir -p "$into/kernel"
	for f in modules.builtin modules.builtin.modinfo; do
		[ -f "$moddir/$f" ] && cp "$moddir/$f" "$into/"
	done
	todo=$MODULES done_=" "
	while [ -n "$todo" ]; do
		set -- $todo; m=$1; shift; todo="$*"
		case "$done_" in *" $m "*) continue ;; esac
		done_="$done_$m "
		f=$(module_file "$moddir" "$m")
		if [ -z "$f" ]; then
			# built in: nothing to load
			grep -qE "/$(printf '%s' "$m" | sed 's/[-_]/[-_]/g')\.ko\$" "$moddir/modules.builtin" 2>/dev/null ||
				die "module $m is neither in $moddir nor built in (modules.builtin)"
			continue
		fi
		dst="$into/${f#"$moddir/"}"
		dst=${dst%.xz}; dst=${dst%.zst}; dst=${dst%.gz}
		mkdir -p "$(dirname "$dst")"
		case "$f" in
		*.xz) xz -dc "$f" >"$dst" ;;
		*.zst) zstd -qdc "$f" >"$dst" ;;
		*.gz) gzip -dc "$f" >"$dst" ;;
		*) cp "$f" "$dst" ;;
		esac
		dep=$(modinfo -F depends "$dst" | tr ',' ' ')
		todo="$todo $dep"
	done
	(cd "$into" && find kernel -name '*.ko' | LC_ALL=C sort >modules.order)
	depmod -b "$dir/modroot" "$rel" || die "depmod failed on $into"
}

import() {
	dir=$1; shift	# global, as tmp: the EXIT trap below needs them
	local image moddir config="" rel
	[ $# -ge 2 ] || usage
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hitless-kernel.XXXXXX")
	# bad input leaves nothing behind: no half-made folder, an old one kept
	trap 'rm -rf "$tmp" "$dir.new"' EXIT
	rm -rf "$dir.new"; mkdir -p "$dir.new"
	if [ $# = 2 ] && [ -f "$1" ] && [ -d "$2" ]; then
		image=$1 moddir=${2%/}
		[ -f "$moddir/../../../boot/config-$(basename "$moddir")" ] &&
			config="$moddir/../../../boot/config-$(basename "$moddir")"
		[ -f "$moddir/config" ] && config="$moddir/config"
	else
		for deb in "$@"; do
			case "$deb" in *.deb) ;; *) die "$deb: not a .deb (import DIR IMAGE MODDIR or import DIR DEB...)" ;; esac
			[ -f "$deb" ] || die "no such package: $deb"
			dpkg-deb -x "$deb" "$tmp/root" || die "cannot unpack $deb"
		done
		image=$(find "$tmp/root" -path '*/lib/modules/*/vmlinuz.unsigned' -o -path '*/boot/Image*' \
			-o -path '*/boot/vmlinuz-*' | LC_ALL=C sort | head -n 1)
		[ -n "$image" ] || die "none of $* holds a kernel Image (usr/lib/modules/REL/vmlinuz.unsigned, boot/vmlinuz-REL)"
		moddir=$(find "$tmp/root" -mindepth 3 -maxdepth 4 -type d -path '*/lib/modules/*' -name '*' \
			-exec test -d '{}/kernel' \; -print | head -n 1)
		[ -n "$moddir" ] || die "none of $* holds the kernel's modules (lib/modules/REL/kernel)"
		config=$(find "$tmp/root" -path '*/lib/modules/*/config' -o -path '*/boot/config-*' | head -n 1)
	fi
	check_image "$image"
	rel=$(basename "$moddir")
	cp "$image" "$dir.new/Image"
	echo "$rel" >"$dir.new/kernel.release"
	[ -n "$config" ] && cp "$config" "$dir.new/config"
	extract_btf "$dir.new/Image" "$dir.new/btf" || die "cannot read the BTF of $image"
	copy_modules "$moddir" "$dir.new" "$rel"
	rm -rf "$dir"; mv "$dir.new" "$dir"
	log "kernel $rel imported into $dir ($(find "$dir/modroot" -name '*.ko' | wc -l) modules)"
}

# The folder of a flavor.
flavor_path() {
	case "$1" in
	debian) echo "$HITLESS_CACHE/distro/$DEBIAN_KERNEL_RELEASE" ;;
	debian-7.2) echo "$HITLESS_CACHE/distro/$DEBIAN72_KERNEL_RELEASE" ;;
	*/*) (cd "$1" 2>/dev/null && pwd) || die "no kernel folder $1" ;;
	*) die "not a distribution kernel flavor: $1 (debian, debian-7.2, or a folder)" ;;
	esac
}

# The rig's test modules (tests/kmod) for a kernel this project did not build:
# same source, same config, same release string, so the module's vermagic and
# the driver structures it reaches into are the kernel's. No Module.symvers
# (the kernel was not built here): undefined symbols are checked at insmod.
build_dir() {
	local kdir rel src obj want
	kdir=$(flavor_path "$1")
	rel=$(cat "$kdir/kernel.release")
	src="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
	[ -f "$kdir/config" ] || die "no config for $rel in $kdir: cannot build modules for it"
	[ "${rel%%[+-]*}" = "$(make -s --no-print-directory -C "$src" kernelversion 2>/dev/null)" ] ||
		die "$rel is not the rig's Linux source ($LINUX_SOURCE_VERSION): no modules can be built for it here"
	obj="$HITLESS_CACHE/build/distro-$rel"
	want=$(cat "$kdir/config" | sha256sum | cut -d' ' -f1)
	mkdir -p "$obj"
	hold_lock 8 "$obj.lock" "another preparation of $obj"
	if [ "$(cat "$obj/.hitless-prepared" 2>/dev/null)" != "$want" ] || [ ! -f "$obj/Module.symvers" ]; then
		log "preparing $obj for modules of $rel (its config, modules_prepare)"
		cp "$kdir/config" "$obj/.config"
		make -s -C "$src" O="$obj" LOCALVERSION="${rel#"${rel%%[+-]*}"}" olddefconfig >"$obj/build.log" 2>&1 &&
			make -s -C "$src" O="$obj" LOCALVERSION="${rel#"${rel%%[+-]*}"}" -j"$(nproc)" \
				modules_prepare >>"$obj/build.log" 2>&1 ||
			{ tail -n 20 "$obj/build.log" >&2; die "modules_prepare failed for $rel (log: $obj/build.log)"; }
		[ "$(cat "$obj/include/config/kernel.release")" = "$rel" ] ||
			die "prepared $obj as $(cat "$obj/include/config/kernel.release"), not $rel"
		# none: the kernel's symbols are not known here (modpost warns, insmod checks)
		: >"$obj/Module.symvers"
		echo "$want" >"$obj/.hitless-prepared"
	fi
	echo "$obj"
}

case "${1:-}" in
build-dir) [ -n "${2:-}" ] || usage; build_dir "$2" ;;
import) [ $# -ge 4 ] || usage; shift; import "$@" ;;
path) [ -n "${2:-}" ] || usage; flavor_path "$2" ;;
*) usage ;;
esac
