#!/usr/bin/env bash
# When a pinned package version is gone from Debian's registry, set-up stops
# with an error that names the package and the line to change, and leaves
# nothing half-installed behind. Needs the registry (as set-up itself does).
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^LINUX_SOURCE_VERSION=.*/LINUX_SOURCE_VERSION=7.3.0-0~gone1/' \
	"$top/scripts/versions" >"$tmp/versions"
echo "1..3"
HITLESS_CACHE="$tmp/cache" HITLESS_VERSIONS="$tmp/versions" \
	"$top/scripts/setup.sh" >"$tmp/out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/out" | tail -n 4
[ $rc != 0 ] && echo "ok 1 - set-up fails (status $rc)" || echo "not ok 1 - set-up fails"
grep -q "pinned package linux-source-7.3=7.3.0-0~gone1 is gone" "$tmp/out" &&
	grep -q "scripts/versions" "$tmp/out" &&
	echo "ok 2 - the error names the package, the version and the file to change" ||
	echo "not ok 2 - the error names the package, the version and the file to change"
[ ! -e "$tmp/cache/linux-7.3.0-0~gone1" ] &&
	echo "ok 3 - no half-extracted source is left" ||
	echo "not ok 3 - no half-extracted source is left"
