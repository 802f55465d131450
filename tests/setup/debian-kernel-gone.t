#!/usr/bin/env bash
# When the pinned Debian kernel (the rig's distribution flavor) is gone from
# Debian's registry, set-up stops with an error that names the package, the
# version and the file to change, and imports nothing. Needs the registry.
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^DEBIAN_KERNEL_VERSION=.*/DEBIAN_KERNEL_VERSION=7.3.4-0~gone1/' \
	"$top/scripts/versions" >"$tmp/versions"
. "$tmp/versions"
echo "1..3"
HITLESS_CACHE="$tmp/cache" HITLESS_VERSIONS="$tmp/versions" \
	"$top/scripts/setup.sh" debian-kernels >"$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out" | tail -n 4
[ $rc != 0 ] && echo "ok 1 - set-up fails (status $rc)" || echo "not ok 1 - set-up fails"
grep -q "pinned package linux-binary-unsigned-$DEBIAN_KERNEL_RELEASE=7.3.4-0~gone1 is gone from $DEBIAN_KERNEL_SUITE" "$tmp/out" &&
	grep -q "scripts/versions" "$tmp/out" &&
	echo "ok 2 - the error names the package, the version, the suite and the file to change" ||
	echo "not ok 2 - the error names the package, the version, the suite and the file to change"
[ ! -e "$tmp/cache/distro/$DEBIAN_KERNEL_RELEASE" ] && [ -z "$(ls "$tmp/cache/debs" 2>/dev/null)" ] &&
	echo "ok 3 - nothing is downloaded or imported" ||
	echo "not ok 3 - nothing is downloaded or imported"
