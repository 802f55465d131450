#!/usr/bin/env bash
# The Debian package, for amd64 and arm64: dpkg-buildpackage -us -uc -b on a
# copy of this tree (the BPF objects from the rig's stock vmlinux,
# HITLESS_VMLINUX), natively for this machine's architecture and, on a
# machine that is not arm64, cross for arm64 (-a arm64 -Pcross: the arm64
# -dev packages by multiarch, scripts/setup.sh); lintian with no error or
# warning left (debian/hitless.lintian-overrides says why for each override);
# then each .deb unpacked into a scratch root (dpkg -x) and what it installed
# run: the collector on the fixture snapshots, the man pages, the completion,
# the systemd unit and its command line. The arm64 binary runs under
# qemu-aarch64-static with Debian's arm64 libraries (what its Depends name).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
HITLESS_CACHE=${HITLESS_CACHE:-/var/cache/hitless}
. "$top/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/hl-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
native=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
archs=$native
[ "$native" = arm64 ] || archs="$native arm64"

# the tree as git sees it (tracked and new files, not what builds left)
mkdir "$tmp/tree"
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$tmp/tree/" 2>/dev/null)

# $1: the architecture. Builds, lints, unpacks into $tmp/$1/root, and runs
# what it installed.
package() {
	local arch=$1 d=$tmp/$1 rc mrc deb root H listing compl unit exec_start prevent
	local how=(-us -uc -b)
	[ "$arch" = "$native" ] || how+=(-a "$arch" -Pcross)
	mkdir -p "$d/out"
	cp -a "$tmp/tree" "$d/out/src"
	(cd "$d/out/src" && HITLESS_VMLINUX=$("$top/scripts/kernel.sh" path stock)/btf dpkg-buildpackage "${how[@]}") \
		>"$d/build.log" 2>&1
	rc=$?
	tail -n 5 "$d/build.log" | sed "s/^/# $arch build| /"
	deb=$d/out/hitless_${version}_$arch.deb
	check '[ $rc = 0 ] && [ -f "$deb" ]' "$arch: dpkg-buildpackage ${how[*]}: $(basename "$deb")"
	lintian --pedantic "$d"/out/hitless_*_"$arch".changes >"$d/lintian" 2>&1
	sed "s/^/# $arch lintian| /" "$d/lintian"
	check '! grep -qE "^[EW]: " "$d/lintian" && ! grep -qE "^[IP]: " "$d/lintian"' \
		"$arch: lintian --pedantic: nothing (the overrides explained in debian/hitless.lintian-overrides)"

	root=$d/root
	dpkg -x "$deb" "$root"
	H=$root/usr/bin/hitless
	check 'dpkg-deb -f "$deb" Architecture | grep -qx "$arch" && file -L "$H" | grep -q "$([ "$arch" = arm64 ] && echo "ARM aarch64" || echo "x86-64")"' \
		"$arch: the package and its collector are built for $arch"
	if [ "$arch" != "$native" ]; then
		# run the arm64 binary through user-mode QEMU
		mkdir -p "$d/bin"
		printf '#!/bin/sh\nexec qemu-aarch64-static %s "$@"\n' "$H" >"$d/bin/hitless"
		chmod +x "$d/bin/hitless"
		H=$d/bin/hitless
	fi
	check 'for f in usr/lib/hitless/hitless.bpf.o usr/lib/hitless/hitless_tp.bpf.o usr/lib/hitless/veto.bpf.o usr/share/bash-completion/completions/hitless etc/default/hitless lib/systemd/system/hitless.service var/lib/prometheus/node-exporter; do [ -e "$root/$f" ] || { echo "# no $f"; exit 1; }; done' \
		"$arch: the package has the BPF objects, the completion, the unit, its defaults and the textfile directory"
	# the fixture snapshots, by the writer the native package build compiled for its own test
	"$tmp/$native/out/src/userspace/build/dist/tests/fixture" "$d"
	"$H" diff "$d/before.snap" "$d/after.snap" >"$d/diff"
	check '[ $? = 0 ] && head -n1 "$d/diff" | grep -q "^verdict: HITLESS"' "$arch: the packaged hitless: the clean fixture pair HITLESS, exit 0"
	"$H" diff -f prometheus "$d/before.snap" "$d/broken-after.snap" >"$d/m.prom"
	mrc=$?
	listing=$("$top/tests/lib/parse-metrics" "$d/m.prom")
	check '[ $? = 0 ] && [ $mrc = 1 ] && [[ $listing == *$'"'"'\n'"'"'hitless_findings_total\{rule=\"STE-BREAK\"* ]]' \
		"$arch: the packaged hitless: the broken pair, exit 1, STE-BREAK in metrics the parser reads"
	check 'for p in "$root"/usr/share/man/man1/hitless*.1.gz; do LC_ALL=C man -l "$p" 2>&1 | grep -c "^SYNOPSIS" >/dev/null || exit 1; done && [ $(ls "$root"/usr/share/man/man1/ | wc -l) = 8 ]' \
		"$arch: the 8 man pages (hitless and each verb) render"
	compl=$(HITLESS_BIN=$H HITLESS_COMPLETION=$root/usr/share/bash-completion/completions/hitless "$top/tests/install/completion.t")
	check '[[ $compl == *"ok 1 - "* && $compl != *"not ok"* ]]' "$arch: the packaged completion completes with the packaged binary"
	unit=$root/lib/systemd/system/hitless.service
	exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
	check '[[ $exec_start == "/usr/bin/hitless monitor --metrics /var/lib/prometheus/node-exporter/hitless.prom \$HITLESS_OPTS" ]]' \
		"$arch: the unit runs hitless monitor with its metrics in node_exporter's textfile directory"
	# systemd's own check of the unit, against the unpacked binary
	sed "s|/usr/bin/hitless|$H|" "$unit" >"$d/hitless.service"
	MANPATH=$root/usr/share/man systemd-analyze verify "$d/hitless.service" >"$d/verify" 2>&1
	sed "s/^/# $arch verify| /" "$d/verify"
	check '[ ! -s "$d/verify" ]' "$arch: systemd-analyze verify: the unit is well-formed, its man page found"
	# its command line on this host (no SMMUv3): a clear error with an exit
	# status the unit does not restart on
	"$H" monitor --metrics "$d/hitless.prom" --duration 1 >"$d/mon" 2>&1
	mrc=$?
	sed "s/^/# $arch monitor| /" "$d/mon" | head -n 5
	prevent=$(sed -n 's/^RestartPreventExitStatus=//p' "$unit")
	check '[[ " $prevent " == *" $mrc "* ]] && grep -q "^Error: " "$d/mon"' \
		"$arch: the unit's command on a host without SMMUv3: exit $mrc, one of RestartPreventExitStatus ($prevent), a clear error"
}

for arch in $archs; do package "$arch"; done
if [ "$archs" != "$native" ]; then
	# the BPF objects are the same bytes whatever the package's architecture
	check 'for o in hitless.bpf.o hitless_tp.bpf.o veto.bpf.o; do cmp -s "$tmp/$native/root/usr/lib/hitless/$o" "$tmp/arm64/root/usr/lib/hitless/$o" || { echo "# $o differs"; exit 1; }; done' \
		"the BPF objects in the $native and the arm64 package are identical"
fi
done_tap
