#!/usr/bin/env bash
# Build the rig's initramfs for one kernel flavor, reproducibly (fixed
# timestamps, sorted entries, no host state): the static init, the guest
# tools (tests/guest's, and the vmm workload of tests/e2e), busybox, the
# scenarios and their steps, the flavor's modules, and its Image (for the
# kexec into the next boot).
#
#   scripts/initramfs.sh FLAVOR [NEXT]   -> out/initramfs-FLAVOR[-NEXT].cpio
#
# FLAVOR: patched, stock (built here), debian, debian-7.2 or a kernel folder
# (scripts/distro-kernel.sh: kernels as shipped). With NEXT (another flavor),
# the kexec goes into NEXT's kernel (/boot/Image is NEXT's) and both kernels'
# modules are in; the project's test modules (tests/kmod) exist for the
# kernels built here and for Debian's 7.3 (the same source, its config).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavor=${1:?usage: scripts/initramfs.sh FLAVOR [NEXT]}
next=${2:-$flavor}
kout=$(kernel_dir "$flavor")
nout=$(kernel_dir "$next")
for k in "$kout" "$nout"; do
	[ -f "$k/Image" ] || die "no kernel in $k: run scripts/kernel.sh (patched, stock) or scripts/setup.sh (debian)"
done
name=$(flavor_name "$flavor")
[ "$next" = "$flavor" ] || name+="-$(flavor_name "$next")"
out="$HITLESS_TOP/out"
guest="$out/guest"
sysroot="$HITLESS_CACHE/sysroot-arm64"
LINUX_SRC="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
for f in init kexec-load vfio-iommufd vmm; do
	[ -x "$guest/$f" ] || die "no $guest/$f: run make guest"
done
[ -x "$sysroot/bin/busybox" ] || die "no arm64 busybox: run scripts/setup.sh"
collector="$HITLESS_TOP/userspace/build/arm64/hitless"
[ -x "$collector" ] || die "no $collector: run make userspace"
bt="$HITLESS_CACHE/bpftool-arm64"
[ -x "$bt/usr/sbin/bpftool" ] || die "no arm64 bpftool in $bt: run scripts/setup.sh"
for o in hitless hitless_tp veto; do
	[ -f "$HITLESS_TOP/out/bpf/stock/$o.bpf.o" ] || die "no out/bpf/stock/$o.bpf.o: run make bpf"
done

kmod="" kmod_dma=""
case "$flavor" in patched | stock | debian)
	kmod="$out/kmod/$flavor/hitless_seed.ko"
	kmod_dma="$out/kmod/$flavor/hitless_dmaapi.ko"
	[ -f "$kmod" ] && [ -f "$kmod_dma" ] || die "no $kmod or $kmod_dma: run make guest" ;;
esac

# The kernel's own cpio writer, built for the host once.
gen="$out/host/gen_init_cpio"
if [ ! -x "$gen" ] || [ "$LINUX_SRC/usr/gen_init_cpio.c" -nt "$gen" ]; then
	mkdir -p "$out/host"
	gcc -O2 -o "$gen" "$LINUX_SRC/usr/gen_init_cpio.c"
fi

BUSYBOX_APPLETS="sh ash cat cp mv rm ln ls mkdir rmdir echo printf test [ true false
	grep egrep sed awk cut tr sort uniq head tail wc tee xargs find readlink
	basename dirname stat sleep date env expr seq od hexdump dd cmp diff
	dmesg mount umount insmod rmmod lsmod modprobe depmod sync poweroff
	base64 sha256sum gzip gunzip
	timeout kill ps uname id which"

list="$out/initramfs-$name.list"
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /run /tmp /root /boot \
		/lib /lib/modules /scenarios /steps; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $guest/init 0755 0 0"
	echo "file /bin/kexec-load $guest/kexec-load 0755 0 0"
	echo "file /bin/vfio-iommufd $guest/vfio-iommufd 0755 0 0"
	echo "file /bin/vmm $guest/vmm 0755 0 0"
	echo "file /bin/busybox $sysroot/bin/busybox 0755 0 0"
	for a in $BUSYBOX_APPLETS; do echo "slink /bin/$a busybox 0777 0 0"; done
	echo "file /boot/Image $nout/Image 0644 0 0"
	echo "file /bin/hitless $collector 0755 0 0"
	# bpftool (bookworm-backports, dynamic) and the BPF objects, for
	# `bpftool prog loadall` without the collector (bpf/README.md)
	echo "dir /lib/aarch64-linux-gnu 0755 0 0"
	echo "file /bin/bpftool $bt/usr/sbin/bpftool 0755 0 0"
	echo "file /lib/ld-linux-aarch64.so.1 $(readlink -f "$bt/lib/ld-linux-aarch64.so.1") 0755 0 0"
	for l in libc.so.6 libcap.so.2 libz.so.1 libelf.so.1 libzstd.so.1; do
		f=$(readlink -f "$bt/lib/aarch64-linux-gnu/$l" 2>/dev/null || true)
		[ -f "$f" ] || f=$(readlink -f "$bt/usr/lib/aarch64-linux-gnu/$l")
		echo "file /lib/aarch64-linux-gnu/$l $f 0755 0 0"
	done
	echo "dir /lib/hitless 0755 0 0"
	for o in hitless hitless_tp veto; do
		echo "file /lib/hitless/$o.bpf.o $HITLESS_TOP/out/bpf/stock/$o.bpf.o 0644 0 0"
	done
	if [ -n "$kmod" ]; then
		# the seeded-fault test module (tests/kmod), built against this flavor
		echo "file /lib/hitless/hitless_seed.ko $kmod 0644 0 0"
		# a DMA API driver bound by driver_override (tests/kmod)
		echo "file /lib/hitless/hitless_dmaapi.ko $kmod_dma 0644 0 0"
	fi
	(cd "$HITLESS_TOP/tests/guest" && find scenarios steps -type f | LC_ALL=C sort) |
		while read -r f; do
			mode=0644; [ -x "$HITLESS_TOP/tests/guest/$f" ] && mode=0755
			echo "file /$f $HITLESS_TOP/tests/guest/$f $mode 0 0"
		done
	for k in $(printf '%s\n' "$kout" "$nout" | uniq); do
		[ -d "$k/modroot/lib/modules" ] || continue
		(cd "$k/modroot" && find lib/modules -mindepth 1 | LC_ALL=C sort) |
			while read -r f; do
				if [ -d "$k/modroot/$f" ]; then echo "dir /$f 0755 0 0"
				elif [ -L "$k/modroot/$f" ]; then :
				else echo "file /$f $k/modroot/$f 0644 0 0"
				fi
			done
	done
} >"$list"

"$gen" -t 0 -o "$out/initramfs-$name.cpio.tmp" "$list"
mv "$out/initramfs-$name.cpio.tmp" "$out/initramfs-$name.cpio"
log "initramfs for $name: $out/initramfs-$name.cpio ($(du -h "$out/initramfs-$name.cpio" | cut -f1))"
