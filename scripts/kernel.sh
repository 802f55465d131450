#!/usr/bin/env bash
# Build the rig's arm64 kernels, out of tree, reusing earlier builds.
#
#   scripts/kernel.sh patched   Linux 7.3 + kernel/patches/series  -> $HITLESS_CACHE/out/patched
#   scripts/kernel.sh stock     Linux 7.3, its IOMMU and VFIO as modules -> $HITLESS_CACHE/out/stock-m
#   scripts/kernel.sh tree      only prepare the patched source tree, print its path
#   scripts/kernel.sh path FLAVOR   print the output folder (Image, vmlinux, btf, modroot/)
#   scripts/kernel.sh build-dir FLAVOR  print the build folder (for out-of-tree modules: M=)
#
# HITLESS_KVARIANT=NAME gives the patched flavor its own source tree, build and
# output folders (patched-NAME), so that a series under development does not
# rebuild the one the other checkouts' rig runs use.
#
# The stock flavor is configured from rig.config with kernel/config/stock.config
# over it (iommufd, VFIO, vfio-pci and the SMMUv3 driver as modules, as
# distributions build them); its folders are named stock-m, not stock, so that
# a checkout from before the fragment (whose build/stock is all built in) and
# one after it never rebuild each other's kernel.
#
# Each flavor has its own build folder; kbuild rebuilds only what changed, so a
# patch that touches one driver file costs a relink, not a full build. The
# patched source tree is a git repository at the pristine 7.3 commit with the
# series applied by `git am`; re-applying a changed series rewrites only the
# files whose content differs, keeping the rest of the build valid.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

LINUX_SRC="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
KVARIANT=${HITLESS_KVARIANT:+-$HITLESS_KVARIANT}
PATCHED_SRC="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/patched$KVARIANT"
RIG_FRAGMENT="$HITLESS_TOP/kernel/config/rig.config"
STOCK_FRAGMENT="$HITLESS_TOP/kernel/config/stock.config"
SERIES_DIR="$HITLESS_TOP/kernel/patches"

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# The series, as patch file names in order ('#' comments and blank lines out).
series() {
	[ -f "$SERIES_DIR/series" ] || return 0
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SERIES_DIR/series"
}

series_hash() {
	{
		echo "$LINUX_SOURCE_VERSION"
		series | while read -r p; do
			[ -f "$SERIES_DIR/$p" ] || die "kernel/patches/series names $p, which is not there"
			printf "%s " "$p"; sha256sum <"$SERIES_DIR/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

# A git repository of the pristine tree, tagged 'base', created once.
init_patched_tree() {
	[ -f "$PATCHED_SRC/.git/hitless-base" ] && return
	log "creating the patched source tree (git, once)"
	rm -rf "$PATCHED_SRC"
	cp -a "$LINUX_SRC" "$PATCHED_SRC"
	rm -f "$PATCHED_SRC/.hitless-extracted"
	(
		cd "$PATCHED_SRC"
		git init -q
		git config user.name hitless; git config user.email hitless@localhost
		git config core.autocrlf false; git config gc.auto 0
		git add -A -f >/dev/null
		git commit -q -m "Linux $LINUX_SOURCE_VERSION (Debian $LINUX_SOURCE_PKG)"
		# Debian's .gitignore ignores everything at the top level (its
		# packaging repository holds only debian/); drop that block so
		# new files of a patch show up in git status.
		sed -i '/^# Debian packaging: ignore everything/,$d' .gitignore
		sed -i '${/^#$/d}' .gitignore
		git commit -q -a -m "hitless: track the whole tree (drop Debian's top-level ignore)"
		git tag base
	)
	touch "$PATCHED_SRC/.git/hitless-base"
}

apply_series() {
	local want have
	want=$(series_hash)
	have=$(cat "$PATCHED_SRC/.git/hitless-series" 2>/dev/null || true)
	[ "$want" = "$have" ] && return
	log "applying kernel/patches/series ($(series | wc -l) patches)"
	(
		cd "$PATCHED_SRC"
		git am --abort >/dev/null 2>&1 || true
		git checkout -q -f -B hitless base
		git clean -q -fdx
		series | while read -r p; do
			git am -q --whitespace=nowarn "$SERIES_DIR/$p" ||
				{ git am --abort; die "patch $p does not apply to $LINUX_SOURCE_VERSION"; }
		done
	)
	echo "$want" >"$PATCHED_SRC/.git/hitless-series"
}

# The fragment of flavor $1 on stdout: rig.config, and for stock
# stock.config over it (rig.config's line of a symbol stock.config sets is
# left out, so that Kconfig sees each symbol once).
fragment() {
	[ "$1" = stock ] || { cat "$RIG_FRAGMENT"; return; }
	local syms
	syms=$(grep -oE '^(# )?CONFIG_[A-Za-z0-9_]+' "$STOCK_FRAGMENT" | sed 's/^# //' | sort -u)
	awk -v syms="$syms" '
		BEGIN { n = split(syms, a, "\n"); for (i = 1; i <= n; i++) s[a[i]] = 1 }
		{ if (match($0, /^(# )?CONFIG_[A-Za-z0-9_]+/)) {
			k = substr($0, RSTART, RLENGTH); sub(/^# /, "", k)
			if (k in s) next } print }' "$RIG_FRAGMENT"
	echo "# --- kernel/config/stock.config"
	cat "$STOCK_FRAGMENT"
}

# Configure flavor $3 in O=$2 from source $1: allnoconfig with the flavor's
# fragment forced, then check that every symbol took the value asked for.
configure() {
	local src=$1 obj=$2 flavor=$3 want have sym val got bad=0 frag
	frag="$obj/.hitless-fragment"
	fragment "$flavor" >"$frag.new"
	want=$( (cat "$frag.new"; echo "$LINUX_SOURCE_VERSION") | sha256sum | cut -d' ' -f1)
	have=$(cat "$obj/.hitless-config" 2>/dev/null || true)
	if [ "$want" = "$have" ] && [ -f "$obj/.config" ]; then rm -f "$frag.new"; return; fi
	mv "$frag.new" "$frag"
	log "configuring $obj"
	make -s -C "$src" O="$obj" KCONFIG_ALLCONFIG="$frag" allnoconfig >/dev/null
	while IFS='=' read -r sym val; do
		case "$sym" in CONFIG_*) ;; *) continue ;; esac
		got=$(grep -E "^$sym=" "$obj/.config" | cut -d= -f2- || true)
		if [ "$got" != "$val" ]; then
			echo "  $sym: wanted $val, got ${got:-unset}" >&2; bad=1
		fi
	done < <(grep -E '^CONFIG_' "$frag")
	[ $bad = 0 ] || die "kernel/config (the $flavor flavor's fragment: $frag) asks for symbols Kconfig did not set (above)"
	echo "$want" >"$obj/.hitless-config"
}

# With an empty series the patched kernel is the stock one: one build serves both.
resolve() {
	if [ "$1" = patched ] && [ -z "$(series)" ]; then echo stock; else echo "$1"; fi
}

# The folder name of a resolved flavor under build/ and out/.
dirname_of() {
	case "$1" in
	patched) echo "patched$KVARIANT" ;;
	stock) echo stock-m ;;
	*) echo "$1" ;;
	esac
}

# Two builds in one build folder at once corrupt it (a half-written object
# links into a broken vmlinux): every checkout on the machine shares
# $HITLESS_CACHE, so hold an exclusive lock on the folder for the whole build
# (lib.sh hold_lock). The patched source tree is rewritten by apply_series: it
# is locked too.
lock_tree() {
	mkdir -p "$(dirname "$PATCHED_SRC")"
	hold_lock 7 "$PATCHED_SRC.lock" "another user of $PATCHED_SRC"
}

# The kernel's BTF as one file, $2 (raw): vmlinux's, and the SMMUv3
# driver's where it is a module (the stock flavor), as the running kernel
# gives both to the loader (scripts/btf-flat.c). What reads a kernel's BTF
# from a file reads this one: bpf/Makefile's vmlinux.h, stock_kprobe_events,
# HITLESS_BTF in the host tests.
flat_btf() {
	local obj=$1 tool="$HITLESS_TOP/out/host/btf-flat" mods=()
	if [ ! -x "$tool" ] || [ "$HITLESS_TOP/scripts/btf-flat.c" -nt "$tool" ]; then
		mkdir -p "$(dirname "$tool")"
		gcc -O2 -Wall -o "$tool" "$HITLESS_TOP/scripts/btf-flat.c" -lbpf ||
			die "cannot build $tool (libbpf-dev: scripts/setup.sh)"
	fi
	[ -f "$obj/drivers/iommu/arm/arm-smmu-v3/arm_smmu_v3.ko" ] &&
		mods+=("$obj/drivers/iommu/arm/arm-smmu-v3/arm_smmu_v3.ko")
	"$tool" "$obj/vmlinux" "${mods[@]}" "$2" || die "cannot write the BTF of $obj"
}

build() {
	local flavor src obj out t0
	flavor=$(resolve "$1")
	[ "$flavor" = "$1" ] || log "kernel/patches/series is empty: the patched kernel is the stock one"
	case "$flavor" in
	patched) lock_tree
		init_patched_tree; apply_series; src=$PATCHED_SRC ;;
	stock) src=$LINUX_SRC ;;
	*) usage ;;
	esac
	[ -f "$LINUX_SRC/.hitless-extracted" ] || die "no Linux source: run scripts/setup.sh first"
	obj="$HITLESS_CACHE/build/$(dirname_of "$flavor")"
	out="$HITLESS_CACHE/out/$(dirname_of "$flavor")"
	mkdir -p "$obj"
	hold_lock 8 "$obj.lock" "another build of $obj"
	configure "$src" "$obj" "$flavor"
	t0=$(date +%s)
	log "building the $flavor kernel in $obj (-j$(nproc))"
	make -s -C "$src" O="$obj" -j"$(nproc)" Image modules >"$obj/build.log" 2>&1 ||
		{ tail -n 40 "$obj/build.log" >&2; die "the $flavor kernel did not build (log: $obj/build.log)"; }
	rm -rf "$out.new"; mkdir -p "$out.new"
	make -s -C "$src" O="$obj" INSTALL_MOD_PATH="$out.new/modroot" INSTALL_MOD_STRIP=1 \
		modules_install >>"$obj/build.log" 2>&1 ||
		{ tail -n 20 "$obj/build.log" >&2; die "modules_install failed for $flavor"; }
	cp "$obj/arch/arm64/boot/Image" "$obj/.config" "$out.new/"
	ln -s "$obj/vmlinux" "$out.new/vmlinux"
	flat_btf "$obj" "$out.new/btf"
	cat "$obj/include/config/kernel.release" >"$out.new/kernel.release"
	rm -rf "$out"; mv "$out.new" "$out"
	log "$flavor kernel $(cat "$out/kernel.release") ready in $(( $(date +%s) - t0 )) s: $out/Image"
}

case "${1:-}" in
patched | stock) build "$1" ;;
tree) lock_tree
	init_patched_tree; apply_series; echo "$PATCHED_SRC" ;;
path) [ -n "${2:-}" ] || usage; echo "$HITLESS_CACHE/out/$(dirname_of "$(resolve "$2")")" ;;
build-dir) [ -n "${2:-}" ] || usage; echo "$HITLESS_CACHE/build/$(dirname_of "$(resolve "$2")")" ;;
*) usage ;;
esac
