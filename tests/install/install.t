#!/usr/bin/env bash
# make install into a DESTDIR, as a package build does it: the collector and
# the BPF objects built for a given kernel's BTF (the rig's stock vmlinux; a
# host gives its own) with Debian's hardening flags in CFLAGS/CPPFLAGS/LDFLAGS,
# then the installed binary run on the fixture snapshots; make uninstall
# takes it all away again.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
HITLESS_CACHE=${HITLESS_CACHE:-/var/cache/hitless}
. "$top/tests/lib/tap.sh"

tmp=$(mktemp -d /tmp/hl-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
vmlinux=$("$top/scripts/kernel.sh" path stock)/btf	# vmlinux's and the SMMUv3 module's BTF
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags=$(dpkg-buildflags --get CFLAGS) cppflags=$(dpkg-buildflags --get CPPFLAGS) ldflags=$(dpkg-buildflags --get LDFLAGS)
echo "# CFLAGS=$cflags"
echo "# CPPFLAGS=$cppflags LDFLAGS=$ldflags"

make -s -C "$top" install DESTDIR="$root" PREFIX=/usr VMLINUX="$vmlinux" \
	CFLAGS="$cflags" CPPFLAGS="$cppflags" LDFLAGS="$ldflags" >"$tmp/make.log" 2>&1
rc=$?
sed 's/^/# make| /' "$tmp/make.log" | tail -n 20
ok $rc "make install DESTDIR PREFIX=/usr VMLINUX=stock vmlinux, with dpkg-buildflags' CFLAGS (the include paths kept)"
H=$root/usr/bin/hitless
check '[ -x "$H" ]' "the collector in \$(BINDIR)"
check 'for o in hitless hitless_tp veto; do readelf -h "$root/usr/lib/hitless/$o.bpf.o" | grep -c "Linux BPF" >/dev/null || exit 1; done' \
	"the BPF objects (hitless, hitless_tp, veto) in \$(LIBDIR)/hitless, BPF ELF"
check '[ -f "$root/usr/share/doc/hitless/README.md" ] && [ -f "$root/usr/share/doc/hitless/output.md" ]' \
	"the docs in \$(DOCDIR)"
check 'for v in "" -show -diff -timeline -record -snapshot -import -monitor; do LC_ALL=C man -l "$root/usr/share/man/man1/hitless$v.1" | grep -c "^NAME" >/dev/null || exit 1; done' \
	"the man pages of hitless and each verb in \$(MANDIR)/man1"
compl=$(HITLESS_BIN=$H HITLESS_COMPLETION=$root/usr/share/bash-completion/completions/hitless "$top/tests/install/completion.t")
check '[[ $compl == *"ok 1 - '"'"'hitless ti'"'"': timeline"* && $compl != *"not ok"* ]]' \
	"the bash completion in \$(BASHCOMPDIR), completing with the installed binary"
syms=$(nm -D "$H" 2>&1) dyn=$(readelf -d "$H" 2>&1) seg=$(readelf -lW "$H" 2>&1)
check '[[ $dyn == *BIND_NOW* && $seg == *GNU_RELRO* && $syms == *__stack_chk_fail* && $syms == *printf_chk* ]]' \
	"built with the flags given: full RELRO, stack protector, _FORTIFY_SOURCE"

# the installed binary on the fixture snapshots (tests/unit/fixture.c, the real writer)
"$top/userspace/build/host/tests/fixture" "$tmp" || echo "# fixture failed"
"$H" diff "$tmp/before.snap" "$tmp/after.snap" >"$tmp/out" 2>&1
check '[ $? = 0 ] && head -n1 "$tmp/out" | grep -q "^verdict: HITLESS"' "installed hitless: diff of the clean fixture pair: HITLESS, exit 0"
"$H" diff "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/out" 2>&1
check '[ $? = 1 ] && grep -q "STE-BREAK" "$tmp/out"' "installed hitless: the broken pair: STE-BREAK, exit 1"
"$H" diff "$tmp/before.snap" "$tmp/lossy-after.snap" >/dev/null 2>&1
ok $([ $? = 2 ]; echo $?) "installed hitless: the lossy pair: incomplete, exit 2"
"$H" timeline -f prometheus "$tmp/before.snap" "$tmp/after.snap" >"$tmp/m.prom" 2>&1
listing=$("$top/tests/lib/parse-metrics" "$tmp/m.prom")
check '[ $? = 0 ] && [[ $listing == *$'"'"'\n'"'"'hitless_critical_path_step_seconds\{* ]]' \
	"installed hitless: timeline -f prometheus parses"
check '"$H" show "$tmp/before.snap" >/dev/null && "$H" record --help >/dev/null' \
	"installed hitless: show works, and the capture is built in (record --help)"

make -s -C "$top" uninstall DESTDIR="$root" PREFIX=/usr >"$tmp/make.log" 2>&1
check '[ $? = 0 ] && [ -z "$(find "$root" -type f)" ]' "make uninstall: no file left ($(find "$root" -type f | head -n3 | tr '\n' ' '))"

# a BTF without the SMMUv3 driver: a clear error, nothing built
if bpftool btf dump file /sys/kernel/btf/vmlinux format c 2>/dev/null | grep -c '^struct arm_smmu_device {' >/dev/null; then
	echo "ok $((n += 1)) # skip this host's BTF has the SMMUv3 driver"
else
	make -s -C "$top/bpf" KERNEL=nosmmu VMLINUX=/sys/kernel/btf/vmlinux OUT="$tmp/bpf" >"$tmp/make.log" 2>&1
	check '[ $? != 0 ] && grep -q "no SMMUv3 driver in this BTF" "$tmp/make.log" && [ ! -e "$tmp/bpf/vmlinux.h" ]' \
		"VMLINUX=/sys/kernel/btf/vmlinux of this x86 host: refused, the SMMUv3 driver named"
fi
done_tap
