# Shared shell helpers for hitless's scripts. Sourced, not run.
# shellcheck shell=bash

HITLESS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Everything downloaded or built outside the git tree lives here, so that a
# fresh clone (as in CI) reuses the kernel builds of an earlier run.
HITLESS_CACHE=${HITLESS_CACHE:-/var/cache/hitless}
# The pinned versions; HITLESS_VERSIONS names another file (tests use it).
# shellcheck source=versions
. "${HITLESS_VERSIONS:-$HITLESS_TOP/scripts/versions}"

ARCH=arm64
CROSS_COMPILE=aarch64-linux-gnu-
export ARCH CROSS_COMPILE

log() { printf '[hitless %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'hitless: error: %s\n' "$*" >&2; exit 1; }
# hold_lock FD FILE WHAT: an exclusive lock on FILE for the rest of the
# script (held on FD), saying what it waits for when WHAT holds it already.
hold_lock() {
	eval "exec $1>\"\$2\""
	if ! flock -n "$1"; then
		log "waiting for $3 to finish (lock: $2)"
		flock "$1"
	fi
}
# demo.sh and gate.sh: no verdict to give (exit 3; 1 is a verdict: findings).
no_verdict() { printf 'hitless: error: %s\n' "$*" >&2; exit 3; }

# apt with a side configuration for suites other than the system's own,
# leaving /etc/apt alone. $1: a name for the lists folder, rest: apt args.
side_apt() {
	local d="$HITLESS_CACHE/apt/$1"; shift
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	printf '%s\n' \
		'deb [trusted=yes] http://deb.debian.org/debian trixie-backports main' \
		'deb [trusted=yes] http://deb.debian.org/debian bookworm-backports main' \
		'deb [trusted=yes] http://deb.debian.org/debian bookworm main' \
		>"$d/sources.list"
	"$@" -o Dir::Etc::SourceList="$d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
		-o APT::Sandbox::User=root
}

# The folder of kernel flavor $1 (Image, kernel.release, modroot/): patched and
# stock are built here (scripts/kernel.sh); debian, debian-7.2 and a folder
# (a path) are kernels as shipped (scripts/distro-kernel.sh).
kernel_dir() {
	case "$1" in
	patched | stock) "$HITLESS_TOP/scripts/kernel.sh" path "$1" ;;
	*) "$HITLESS_TOP/scripts/distro-kernel.sh" path "$1" ;;
	esac
}

# A flavor as a file name: a folder flavor by its base name.
flavor_name() {
	case "$1" in */*) basename "$1" ;; *) printf '%s\n' "$1" ;; esac
}

# The kernel command line of docs/early-boot-tracing.md: a persistent trace
# instance "hitless" with the series' event systems, in memory that survives
# kexec, and its previous boot's contents kept as "hitless_prev".
trace_instance_args() {
	printf '%s' "reserve_mem=16M:4096:hitless" \
		" trace_instance=hitless@hitless,arm_smmu_v3,io_pgtable_arm,iommufd,liveupdate" \
		" trace_instance=hitless_prev=hitless"
}

# The stock kernel's switch probes (docs/early-boot-tracing.md, "A stock
# kernel"): the kprobe_event= boot parameter that defines, in every kernel of
# the chain and in the same order (so each event keeps its type id across the
# kexec), the kprobe events "hitless/..." that userspace/lib/tracebuf.c reads.
# Spaces are written as ',' (the kernel turns them back). $1: the kernel's
# vmlinux or its raw BTF (a kernel folder's btf: scripts/kernel.sh writes one
# with the SMMUv3 module's types in), for the offset of
# arm_smmu_device.base in the SMMUv3 driver's type (a kernel that builds both
# Arm SMMU drivers, as distributions do, has two types of that name: the
# SMMUv3 one is the one with a strtab_cfg).
# Where the SMMUv3 driver is a module (a kernel folder whose modroot has
# arm_smmu_v3.ko: the stock flavor, kernel/config/stock.config), its events
# name arm_smmu_v3:FUNCTION: the kernel keeps such an event and arms it as the
# module comes in, before its init (the SMMU's probe) runs. Such an event
# cannot take $argN (the kernel cannot tell, before the module is there,
# that the probe is at the function's entry: "Failed to add event(-22)"), so
# its arguments are read from the registers the arm64 calling convention
# passes them in (%x0, %x1, %x2: the same values at the entry).
stock_kprobe_events() {
	local vmlinux=$1 base drvdata m="" a1='$arg1' a2='$arg2' a3='$arg3'
	if ls "$(dirname "$vmlinux")"/modroot/lib/modules/*/kernel/drivers/iommu/arm/arm-smmu-v3/arm_smmu_v3.ko* \
		>/dev/null 2>&1; then
		m=arm_smmu_v3: a1=%x0 a2=%x1 a3=%x2
	fi
	command -v bpftool >/dev/null || die "bpftool is needed to read struct offsets from $vmlinux"
	member_offset() {	# STRUCT MEMBER [MEMBER-IT-MUST-HAVE]: its byte offset, from the BTF
		bpftool btf dump file "$vmlinux" format raw 2>/dev/null |
			awk -v s="'$1'" -v m="'$2'" -v h="'${3:-$2}'" '
			function done_() { if (in_ && off != "" && has && !out) { print off; out = 1; exit } }
			/^\[[0-9]+\] / { done_(); in_ = ($2 == "STRUCT" && $3 == s); off = ""; has = 0; next }
			in_ && $1 == m { for (i = 2; i <= NF; i++) if ($i ~ /^bits_offset=/) off = substr($i, 13) / 8 }
			in_ && $1 == h { has = 1 }
			END { done_() }'
	}
	base=$(member_offset arm_smmu_device base strtab_cfg)
	drvdata=$(member_offset device driver_data)
	[ -n "$base" ] && [ -n "$drvdata" ] ||
		die "no arm_smmu_device.base (SMMUv3's) or device.driver_data in the BTF of $vmlinux"
	# arm_smmu_device.dev, device.kobj and kobject.name are each at offset 0:
	# +0(+0(+0($arg1))) is dev_name(smmu->dev). platform_device.dev is at 16
	# (name, id, id_auto before it). cr0 reads SMMU_CR0 (0x20) before the
	# write: the old value of a CR0 write; page-0 reads have no side effect.
	local smmu="+0(+0(+0($a1))):string" pdev="+0(+16($a1)):string"
	local p="p:hitless/arm_smmu_write_reg_sync,${m}arm_smmu_write_reg_sync,smmu=$smmu"
	p+=",val=$a2:u32,offset=$a3:u32,cr0=+32(+$base($a1)):u32"
	# arm_smmu_device_disable() writes CR0 = 0 with arm_smmu_write_reg_sync()
	# inlined (the start of each reset): its own event. The shutdown inlines
	# it again: its event reads CR0 through platform_get_drvdata(pdev).
	p+=";p:hitless/arm_smmu_device_disable,${m}arm_smmu_device_disable,smmu=$smmu"
	p+=",cr0=+32(+$base($a1)):u32"
	p+=";p:hitless/arm_smmu_device_shutdown,${m}arm_smmu_device_shutdown,dev=$pdev"
	p+=",cr0=+32(+$base(+$((16 + drvdata))($a1))):u32"
	p+=";p:hitless/arm_smmu_device_probe,${m}arm_smmu_device_probe,dev=$pdev"
	p+=";r:hitless/arm_smmu_device_probe_ret,${m}arm_smmu_device_probe,ret=\$retval:s32"
	p+=";p:hitless/liveupdate_reboot,liveupdate_reboot"
	p+=";p:hitless/machine_kexec,machine_kexec"
	printf 'kprobe_event=%s\n' "$p"
}

# Judge a live update from the two snapshots a scenario exported (scripts/demo.sh,
# scripts/gate.sh): hitless diff and timeline in every form into OUT, then the
# verdict, the timeline and where the files are. $1 OUT, $2 the folder of
# before.snap and after.snap, $3 the title; the rest: options for both
# (--protect SIDS). Returns hitless diff's exit status.
judge_update() {
	local out=$1 files=$2 title=$3 rc H="$HITLESS_TOP/userspace/build/host/hitless"
	shift 3
	local snaps=("$files/before.snap" "$files/after.snap")
	set +e
	"$H" diff "$@" "${snaps[@]}" >"$out/verdict.txt"
	rc=$?
	"$H" diff -j "$@" "${snaps[@]}" >"$out/verdict.json"
	"$H" diff -f prometheus "$@" "${snaps[@]}" >"$out/verdict.prom"
	"$H" diff -f junit "$@" "${snaps[@]}" >"$out/verdict.junit.xml"
	"$H" diff -f html "$@" "${snaps[@]}" >"$out/report.html"
	"$H" timeline "$@" "${snaps[@]}" >"$out/timeline.txt"
	"$H" timeline -j "$@" "${snaps[@]}" >"$out/timeline.json"
	"$H" timeline -f prometheus "$@" "${snaps[@]}" >"$out/metrics.prom"
	"$H" timeline -f chrome "$@" "${snaps[@]}" >"$out/timeline.perfetto.json"
	set -e
	echo
	echo "== $title =="
	cat "$out/verdict.txt"
	echo
	cat "$out/timeline.txt"
	echo
	echo "files:"
	echo "  snapshots        ${snaps[*]}"
	echo "  verdict (JSON)   $out/verdict.json"
	echo "  report           $out/report.html   (one page: verdict, devices, findings, critical path)"
	echo "  JUnit            $out/verdict.junit.xml   (for a CI system's test report)"
	echo "  timeline (JSON)  $out/timeline.json"
	echo "  metrics          $out/metrics.prom $out/verdict.prom   (Prometheus text format, for node_exporter's textfile collector)"
	echo "  Perfetto         $out/timeline.perfetto.json   (ui.perfetto.dev: Open trace file)"
	echo "  serial log       $out/serial.log   (each line marked with its boot)"
	return $rc
}
