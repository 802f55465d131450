# Sourced by the live-update rig tests (tests/rig/lu-*-patched.t): boot a
# scenario on the patched kernel and read its annotated serial log by boot.
top=$(cd "$(dirname "$0")/../.." && pwd)
n=0
check() { n=$((n + 1)); if eval "$1"; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

# lu_run SCENARIO PATTERN [rig.sh option...]: run it (rig.sh's exit status in
# rc, the log in log) and show the guest's lines matching PATTERN, and its
# results, as TAP comments.
lu_run() {
	local scenario=$1 pattern=$2 out
	shift 2
	log="$top/out/rig/patched-$scenario.log"
	out=$("$top/scripts/rig.sh" --tap --kernel patched --scenario "$scenario" -o "$log" "$@")
	rc=$?
	printf '%s\n' "$out" | grep -E "$pattern|^(not )?ok" | sed 's/^/# /'
}
b1() { grep "^b1| " "$log"; }
b2() { grep "^b2| " "$log"; }
