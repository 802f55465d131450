#!/usr/bin/env bash
# The Debian package: dpkg-buildpackage -us -uc -b on a copy of this tree
# (the BPF objects from the rig's stock vmlinux, HITLESS_VMLINUX), lintian
# with no error or warning left (debian/hitless.lintian-overrides says why for
# each override), then the .deb unpacked into a scratch root (dpkg -x) and
# what it installed run: the collector on the fixture snapshots, the man
# pages, the completion, the systemd unit and its command line.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
HITLESS_CACHE=${HITLESS_CACHE:-/var/cache/hitless}
. "$top/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/hl-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
arch=$(dpkg --print-architecture)

# the tree as git sees it (tracked and new files, not what builds left)
mkdir "$tmp/src"
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$tmp/src/" 2>/dev/null)
(cd "$tmp/src" && HITLESS_VMLINUX=$HITLESS_CACHE/out/stock/vmlinux dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
rc=$?
tail -n 5 "$tmp/build.log" | sed 's/^/# build| /'
deb=$tmp/hitless_$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)_$arch.deb
check '[ $rc = 0 ] && [ -f "$deb" ]' "dpkg-buildpackage -us -uc -b: $(basename "$deb")"
lintian --pedantic "$tmp"/hitless_*_"$arch".changes >"$tmp/lintian" 2>&1
sed 's/^/# lintian| /' "$tmp/lintian"
check '! grep -qE "^[EW]: " "$tmp/lintian" && ! grep -qE "^[IP]: " "$tmp/lintian"' \
	"lintian --pedantic: nothing (the overrides explained in debian/hitless.lintian-overrides)"

root=$tmp/root
dpkg -x "$deb" "$root"
H=$root/usr/bin/hitless
check 'for f in usr/lib/hitless/hitless.bpf.o usr/lib/hitless/hitless_tp.bpf.o usr/lib/hitless/veto.bpf.o usr/share/bash-completion/completions/hitless etc/default/hitless lib/systemd/system/hitless.service var/lib/prometheus/node-exporter; do [ -e "$root/$f" ] || { echo "# no $f"; exit 1; }; done' \
	"the package has the BPF objects, the completion, the unit, its defaults and the textfile directory"
# the fixture snapshots, by the writer the package build compiled for its own test
"$tmp/src/userspace/build/dist/tests/fixture" "$tmp"
"$H" diff "$tmp/before.snap" "$tmp/after.snap" >"$tmp/out"
check '[ $? = 0 ] && head -n1 "$tmp/out" | grep -q "^verdict: HITLESS"' "the packaged hitless: the clean fixture pair HITLESS, exit 0"
"$H" diff -f prometheus "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/m.prom"
mrc=$?
listing=$("$top/tests/lib/parse-metrics" "$tmp/m.prom")
check '[ $? = 0 ] && [ $mrc = 1 ] && [[ $listing == *$'"'"'\n'"'"'hitless_findings_total\{rule=\"STE-BREAK\"* ]]' \
	"the packaged hitless: the broken pair, exit 1, STE-BREAK in metrics the parser reads"
check 'for p in "$root"/usr/share/man/man1/hitless*.1.gz; do LC_ALL=C man -l "$p" 2>&1 | grep -c "^SYNOPSIS" >/dev/null || exit 1; done && [ $(ls "$root"/usr/share/man/man1/ | wc -l) = 8 ]' \
	"the 8 man pages (hitless and each verb) render"
compl=$(HITLESS_BIN=$H HITLESS_COMPLETION=$root/usr/share/bash-completion/completions/hitless "$top/tests/install/completion.t")
check '[[ $compl == *"ok 1 - "* && $compl != *"not ok"* ]]' "the packaged completion completes with the packaged binary"
unit=$root/lib/systemd/system/hitless.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
check '[[ $exec_start == "/usr/bin/hitless monitor --metrics /var/lib/prometheus/node-exporter/hitless.prom \$HITLESS_OPTS" ]]' \
	"the unit runs hitless monitor with its metrics in node_exporter's textfile directory"
# systemd's own check of the unit, against the unpacked binary
sed "s|/usr/bin/hitless|$H|" "$unit" >"$tmp/hitless.service"
MANPATH=$root/usr/share/man systemd-analyze verify "$tmp/hitless.service" >"$tmp/verify" 2>&1
sed 's/^/# verify| /' "$tmp/verify"
check '[ ! -s "$tmp/verify" ]' "systemd-analyze verify: the unit is well-formed, its man page found"
# its command line on this host (no SMMUv3): a clear error with an exit status
# the unit does not restart on
"$H" monitor --metrics "$tmp/hitless.prom" --duration 1 >"$tmp/mon" 2>&1
mrc=$?
sed 's/^/# monitor| /' "$tmp/mon" | head -n 5
prevent=$(sed -n 's/^RestartPreventExitStatus=//p' "$unit")
check '[[ " $prevent " == *" $mrc "* ]] && grep -q "^Error: " "$tmp/mon"' \
	"the unit's command on a host without SMMUv3: exit $mrc, one of RestartPreventExitStatus ($prevent), a clear error"
done_tap
