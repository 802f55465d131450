#!/usr/bin/env bash
# When a pinned package version is gone from Debian's registry, set-up stops
# with an error that names the package and the line to change, and leaves
# nothing half-installed behind: the Linux source, and Debian's own kernel
# (the rig's distribution flavor, `setup.sh debian-kernels`). Needs the
# registry (as set-up itself does).
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
# gone LINE MODE: set-up (MODE: its argument) with the versions line LINE
gone() {
	sed "s/^${1%%=*}=.*/$1/" "$top/scripts/versions" >"$tmp/versions"
	rm -rf "$tmp/cache"
	HITLESS_CACHE="$tmp/cache" HITLESS_VERSIONS="$tmp/versions" \
		"$top/scripts/setup.sh" $2 >"$tmp/out" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/out" | tail -n 3
}

gone LINUX_SOURCE_VERSION=7.3.0-0~gone1
check '[ $rc != 0 ]' "linux-source gone: set-up fails (status $rc)"
check 'grep -q "pinned package linux-source-7.3=7.3.0-0~gone1 is gone" "$tmp/out" && grep -q "scripts/versions" "$tmp/out"' \
	"the error names the package, the version and the file to change"
check '[ ! -e "$tmp/cache/linux-7.3.0-0~gone1" ]' "no half-extracted source is left"

. "$top/scripts/versions"
gone DEBIAN_KERNEL_VERSION=7.3.4-0~gone1 debian-kernels
check '[ $rc != 0 ]' "Debian's kernel gone: set-up fails (status $rc)"
check 'grep -q "pinned package linux-binary-unsigned-$DEBIAN_KERNEL_RELEASE=7.3.4-0~gone1 is gone from $DEBIAN_KERNEL_SUITE" "$tmp/out" && grep -q "scripts/versions" "$tmp/out"' \
	"the error names the package, the version, the suite and the file to change"
check '[ ! -e "$tmp/cache/distro/$DEBIAN_KERNEL_RELEASE" ] && [ -z "$(ls "$tmp/cache/debs" 2>/dev/null)" ]' \
	"nothing is downloaded or imported"
echo "1..$n"
