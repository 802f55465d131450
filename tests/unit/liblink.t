#!/bin/sh
# The library never calls up into a verb (userspace/README.md "Layout"):
# libhitless.a, every object of it forced in, links into a program that
# has no verb, and names no symbol of one.
top=$(cd "$(dirname "$0")/../.." && pwd)
lib="$top/userspace/build/host/libhitless.a"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..2"
cat >"$tmp/novb.c" <<'C'
int main(void) { return 0; }
C
libs=$(pkg-config --libs libtracefs libtraceevent json-c zlib libbpf libelf)
if out=$(${CC:-cc} -o "$tmp/novb" "$tmp/novb.c" -Wl,--whole-archive "$lib" -Wl,--no-whole-archive \
	$libs -lm 2>&1) && "$tmp/novb"; then
	echo "ok 1 - every object of libhitless.a links without a verb"
else
	echo "not ok 1 - libhitless.a does not link on its own"
	printf '%s\n' "$out" | grep -i 'undefined' | head -n 5 | sed 's/^/# /'
fi
# what the verbs define (main.c and the verb files): none of it is in the library's needs
up=$(nm -u "$lib" | awk '{print $2}' | grep -E '^(do_[a-z]+|hl_common_opt|hl_pair_verb_args|hl_load|hl_load_pair|hl_parse_(seconds|buffer|count|mode)|hl_catch_stop|hl_touch|hl_stop)$' | sort -u)
if [ -z "$up" ]; then
	echo "ok 2 - the library names no verb's symbol"
else
	echo "not ok 2 - the library calls up into the verbs: $(echo $up)"
fi
