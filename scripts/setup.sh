#!/usr/bin/env bash
# Set up everything hitless needs on a Debian 12 (bookworm) machine, as root,
# with no network but Debian's package registry. Idempotent: a second run only
# checks. Prints the versions it ends up with.
#
#   scripts/setup.sh            host packages, Linux 7.3 source, QEMU, arm64 sysroot,
#                               Debian's own arm64 kernels (scripts/versions)
#   scripts/setup.sh debian-kernels   only the host packages and Debian's kernels
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "setup needs root (apt-get install); run it as root"
mkdir -p "$HITLESS_CACHE"

HOST_PKGS=(
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross make flex bison bc
	libssl-dev libelf-dev zlib1g-dev libzstd-dev dwarves cpio rsync xz-utils
	clang llvm lld libbpf-dev bpftool libjson-c-dev libtracefs-dev libtraceevent-dev pkg-config
	qemu-system-arm git perl python3 file kmod
	python3-prometheus-client bash-completion man-db
	debhelper lintian dpkg-dev systemd chromium fonts-dejavu-core python3-pil
)

# --- host packages (bookworm) ------------------------------------------------
# $1: what they are (for the log), $2: a command to run first when some are
# missing (or :), the rest: the packages; installs those not installed.
install_missing() {
	local what=$1 first=$2 p missing=()
	shift 2
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing $what: ${missing[*]}"
	$first
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >/dev/null
}
install_missing "host packages" : "${HOST_PKGS[@]}"

# --- the arm64 package, cross-built (tests/install/deb.t) ---------------------
# dpkg-buildpackage -a arm64 wants debian/control's Build-Depends for arm64:
# Debian's multiarch (the arm64 -dev packages beside the host's, same
# versions), the cross toolchain, and user-mode QEMU to run the packaged
# arm64 binary in the test. An arm64 machine builds its package natively.
add_arm64() { dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64; }
if [ "$(dpkg --print-architecture)" != arm64 ]; then
	install_missing "the arm64 cross-build packages" add_arm64 \
		crossbuild-essential-arm64 pkg-config:arm64 libbpf-dev:arm64 libelf-dev:arm64 \
		libjson-c-dev:arm64 libtraceevent-dev:arm64 libtracefs-dev:arm64 zlib1g-dev:arm64 \
		qemu-user-static
fi

# --- side suites: Linux source and QEMU --------------------------------------
side_lists_fresh() {
	local d="$HITLESS_CACHE/apt/$1/lists"
	[ -n "$(find "$d" -maxdepth 1 -name '*Packages*' -mmin -720 2>/dev/null)" ]
}

# The cached .deb of package $1 at version $2, if there is one.
cached_deb() {
	local d
	for d in "$HITLESS_CACHE/debs/$1"_*.deb; do
		[ -f "$d" ] && [ "$(dpkg-deb -f "$d" Version)" = "$2" ] && { echo "$d"; return 0; }
	done
	return 1
}

# $1 package, $2 version, $3 suite, $4 the apt to ask (default: the side
# suites of the host's architecture, side_apt side): download into
# $HITLESS_CACHE/debs once.
fetch_deb() {
	local pkg=$1 ver=$2 suite=$3 now lists
	local apt=(${4:-side_apt side})
	lists=${4:+arm64-kernel}
	mkdir -p "$HITLESS_CACHE/debs"
	cached_deb "$pkg" "$ver" && return
	side_lists_fresh "${lists:-side}" || "${apt[@]}" apt-get update -q >/dev/null
	if ! "${apt[@]}" apt-cache madison "$pkg" 2>/dev/null |
		awk -F'|' -v v="$ver" '{ gsub(/ /, "", $2) } $2 == v { f = 1 } END { exit !f }'; then
		now=$("${apt[@]}" apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/{print $2}')
		die "pinned package $pkg=$ver is gone from $suite (registry now has: ${now:-nothing}).
  Change the version in scripts/versions (for linux-source, then check that kernel/patches still apply)."
	fi
	(cd "$HITLESS_CACHE/debs" && "${apt[@]}" apt-get download -q "$pkg=$ver" >/dev/null) ||
		die "could not download $pkg=$ver from $suite"
	cached_deb "$pkg" "$ver" || die "downloaded $pkg=$ver but cannot find its .deb"
}

# --- Debian's own arm64 kernels (the distribution flavors), as shipped ---------
# Pinned like the packages above (scripts/versions), from their own arm64 lists
# (trixie-backports and sid), then made into rig kernel folders by
# scripts/distro-kernel.sh import: the raw Image, its config, its BTF and the
# VFIO modules (decompressed, with a modules.dep). Nothing is rebuilt.
kernel_apt() {
	local d="$HITLESS_CACHE/apt/arm64-kernel"
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	printf 'deb [trusted=yes] http://deb.debian.org/debian %s main\n' \
		"$DEBIAN_KERNEL_SUITE" "$DEBIAN72_KERNEL_SUITE" | sort -u >"$d/sources.list"
	"$@" -o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o APT::Architecture=arm64 -o APT::Architectures=arm64 \
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root
}
# $1 release (7.3.4+deb13-arm64), $2 version, $3 suite: the three packages,
# imported into $HITLESS_CACHE/distro/$1 once.
debian_kernel() {
	local rel=$1 ver=$2 suite=$3 dir="$HITLESS_CACHE/distro/$1" debs=() p
	[ "$(cat "$dir/.hitless-version" 2>/dev/null)" = "$ver" ] && return
	for p in linux-binary-unsigned-$rel linux-modules-$rel linux-base-$rel; do
		p=$(fetch_deb "$p" "$ver" "$suite" kernel_apt)
		debs+=("$p")
	done
	"$HITLESS_TOP/scripts/distro-kernel.sh" import "$dir" "${debs[@]}"
	echo "$ver" >"$dir/.hitless-version"
}
debian_kernels() {
	debian_kernel "$DEBIAN_KERNEL_RELEASE" "$DEBIAN_KERNEL_VERSION" "$DEBIAN_KERNEL_SUITE"
	debian_kernel "$DEBIAN72_KERNEL_RELEASE" "$DEBIAN72_KERNEL_VERSION" "$DEBIAN72_KERNEL_SUITE"
}
# `scripts/setup.sh debian-kernels`: only these (host packages first).
if [ "${1:-}" = debian-kernels ]; then
	debian_kernels
	exit 0
fi

# Linux 7.3 source: the pristine tree, extracted once.
LINUX_SRC="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
if [ ! -f "$LINUX_SRC/.hitless-extracted" ]; then
	deb=$(fetch_deb "$LINUX_SOURCE_PKG" "$LINUX_SOURCE_VERSION" "$LINUX_SOURCE_SUITE")
	log "extracting $(basename "$deb")"
	tmp="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/tmp"
	rm -rf "$tmp" "$LINUX_SRC"; mkdir -p "$tmp"
	dpkg-deb -x "$deb" "$tmp"
	tar -C "$tmp" -xf "$tmp"/usr/src/linux-source-*.tar.xz
	mv "$tmp"/linux-source-*/ "$LINUX_SRC"
	rm -rf "$tmp"
	touch "$LINUX_SRC/.hitless-extracted"
fi

# QEMU: unpacked beside the system (not installed over bookworm's 7.2, whose
# package pulls in the shared libraries this one needs too).
QEMU_ROOT="$HITLESS_CACHE/qemu-${QEMU_VERSION#*:}"
if [ ! -x "$QEMU_ROOT/usr/bin/qemu-system-aarch64" ]; then
	rm -rf "$QEMU_ROOT"; mkdir -p "$QEMU_ROOT"
	for p in qemu-system-arm qemu-system-common qemu-system-data; do
		deb=$(fetch_deb "$p" "$QEMU_VERSION" "$QEMU_SUITE")
		dpkg-deb -x "$deb" "$QEMU_ROOT"
	done
fi
"$QEMU_ROOT/usr/bin/qemu-system-aarch64" --version >/dev/null 2>&1 ||
	die "QEMU $QEMU_VERSION does not run here: $("$QEMU_ROOT/usr/bin/qemu-system-aarch64" --version 2>&1 | head -n1)"

# --- arm64 sysroot: static libraries for guest programs (bookworm) ------------
# glibc's static libc comes with the cross toolchain; these are the rest. They
# must be bookworm's, to match the cross gcc 12 and glibc 2.36.
# busybox-static gives the guest's scenario steps a shell and the usual tools.
ARM64_PKGS=(libbpf-dev libbpf1 libelf-dev libelf1 zlib1g-dev zlib1g libzstd-dev libzstd1
	libjson-c-dev libjson-c5 libtracefs-dev libtracefs1 libtraceevent-dev libtraceevent1 busybox-static)
# Unpack arm64 packages (never installed) into a folder, again only when the
# package list changes. $1: its apt folder name, $2: the folder, $3: the
# suites, most preferred first; the rest: the packages (PKG or PKG/SUITE).
arm64_root() {
	local name=$1 root=$2 suites=$3 a ao s
	shift 3
	[ "$(cat "$root/.hitless-complete" 2>/dev/null)" = "$*" ] && return
	log "fetching arm64 packages into $root: $*"
	a="$HITLESS_CACHE/apt/$name"
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/debs"
	for s in $suites; do
		echo "deb [trusted=yes] http://deb.debian.org/debian $s main"
	done >"$a/sources.list"
	ao=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
		-o APT::Architecture=arm64 -o APT::Architectures=arm64
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
	apt-get "${ao[@]}" update -q >/dev/null
	rm -f "$a"/debs/*.deb
	(cd "$a/debs" && apt-get "${ao[@]}" download -q "$@" >/dev/null) ||
		die "could not download the arm64 packages $* ($suites)"
	rm -rf "$root"; mkdir -p "$root"
	for deb in "$a"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
	echo "$*" >"$root/.hitless-complete"
}

SYSROOT="$HITLESS_CACHE/sysroot-arm64"
arm64_root arm64 "$SYSROOT" bookworm "${ARM64_PKGS[@]}"

# --- bpftool for the guest (arm64): `bpftool prog loadall ... autoattach` ------
# bookworm's bpftool (7.1) has no autoattach; bookworm-backports' (7.5, same
# glibc) has. Unpacked with the bookworm libraries it needs, dynamic loader
# included; scripts/initramfs.sh puts them in the guest.
BPFTOOL_ROOT="$HITLESS_CACHE/bpftool-arm64"
arm64_root arm64-bpo "$BPFTOOL_ROOT" "bookworm-backports bookworm" \
	bpftool/bookworm-backports libc6 libcap2 libelf1 zlib1g libzstd1
[ -x "$BPFTOOL_ROOT/usr/sbin/bpftool" ] || die "bpftool:arm64 unpacked without usr/sbin/bpftool"

debian_kernels

# --- libfdt for the guest's kexec_load(2) loader (arm64, static, bookworm) ----
# tests/guest/kexec-load.c edits the device tree's /chosen for the next kernel
# (command line, initrd) when the kernel has no kexec_file_load (Debian's).
FDT_ROOT="$HITLESS_CACHE/libfdt-arm64"
arm64_root arm64-fdt "$FDT_ROOT" bookworm libfdt-dev libfdt1
[ -f "$FDT_ROOT/usr/lib/aarch64-linux-gnu/libfdt.a" ] || die "libfdt-dev:arm64 unpacked without libfdt.a"

# --- report -------------------------------------------------------------------
log "versions:"
{
	echo "  linux source:  $LINUX_SOURCE_PKG $LINUX_SOURCE_VERSION ($LINUX_SRC)"
	echo "  qemu:          $("$QEMU_ROOT/usr/bin/qemu-system-aarch64" --version | head -n1)"
	echo "  cross gcc:     $(aarch64-linux-gnu-gcc --version | head -n1)"
	echo "  clang:         $(clang --version | head -n1)"
	echo "  pahole:        $(pahole --version)"
	echo "  bpftool:       $(bpftool version 2>/dev/null | head -n1)"
	echo "  libbpf (host): $(dpkg-query -W -f='${Version}' libbpf-dev:$(dpkg --print-architecture))"
} >&2
