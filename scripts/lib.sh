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
