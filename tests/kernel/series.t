#!/usr/bin/env bash
# kernel/patches reads as the series a reviewer gets: every patch of
# kernel/patches/series numbered [PATCH NN/TOTAL] by its place in it, the
# cover letter 00/TOTAL, and every patch file there listed in the series.
top=$(cd "$(dirname "$0")/../.." && pwd)
dir="$top/kernel/patches"
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$dir/series")
total=${#patches[@]}
echo "1..$((total + 2))"
subj() { sed -n 's/^Subject: \(\[PATCH [0-9]*\/[0-9]*\]\).*/\1/p' "$1" | head -n 1; }
want=$(printf '[PATCH %02d/%d]' 0 "$total")
got=$(subj "$dir/0000-cover-letter.patch")
[ "$got" = "$want" ] && echo "ok 1 - the cover letter is $want" ||
	echo "not ok 1 - the cover letter is $want (got ${got:-no subject})"
n=1
for p in "${patches[@]}"; do
	n=$((n + 1))
	want=$(printf '[PATCH %02d/%d]' $((n - 1)) "$total")
	got=$(subj "$dir/$p")
	[ "$got" = "$want" ] && echo "ok $n - $p is $want" || echo "not ok $n - $p is $want (got ${got:-no subject})"
done
extra=$(cd "$dir" && for f in [0-9]*.patch; do
	[ "$f" = 0000-cover-letter.patch ] && continue
	printf '%s\n' "${patches[@]}" | grep -qxF "$f" || echo "$f"
done)
[ -z "$extra" ] && echo "ok $((n + 1)) - every patch file is in the series" ||
	echo "not ok $((n + 1)) - patch files not in the series: $extra"
