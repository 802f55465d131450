#!/usr/bin/env bash
# hitless diff -f html on the fixture snapshots, opened in headless Chromium
# (Debian's chromium): the screenshot must show the verdict banner in its
# colour (red NOT HITLESS, green HITLESS) at the top and the critical path's
# SVG bars (the steps' blue, the kexec's purple) below it; the same page with
# its SVG or its verdict taken out must not (so the check can fail). The
# page is one file that asks for nothing: no script, no link, no URL.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H=${HITLESS_BIN:-$top/userspace/build/host/hitless}
tmp=$(mktemp -d /tmp/hl-html.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$top/userspace/build/host/tests/fixture" "$tmp" || exit 1
"$H" diff -f html "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/broken.html"; echo $? >"$tmp/broken.rc"
"$H" diff -f html "$tmp/before.snap" "$tmp/after.snap" >"$tmp/clean.html"; echo $? >"$tmp/clean.rc"
# the controls: the broken page without its timeline, and without its verdict
sed '/^<svg id="timeline"/,/^<\/svg>/d' "$tmp/broken.html" >"$tmp/no-svg.html"
grep -v '^<h1 id="verdict"' "$tmp/broken.html" >"$tmp/no-verdict.html"
shot() {	# page -> page.png, 1280x1100, as a person's browser draws it
	HOME=$tmp timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$tmp/profile" --window-size=1280,1100 --screenshot="$tmp/$1.png" \
		"file://$tmp/$1.html" >"$tmp/$1.log" 2>&1
}
for p in broken clean no-svg no-verdict; do shot $p; done
exec /usr/bin/python3 - "$tmp" "$top/tests/lib" <<'PY'
import re, sys
from PIL import Image
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from tap import ok, done
BAD, OK, STEP, KEXEC = (0xb3, 0x26, 0x1e), (0x1b, 0x7f, 0x3b), (0x1f, 0x5f, 0xa8), (0x6b, 0x3f, 0xa0)
def pixels(name):
    try:
        im = Image.open(f"{d}/{name}.png").convert("RGB")
    except OSError as e:
        print(f"# {name}.png: {e}: " + open(f"{d}/{name}.log").read()[-300:])
        return {}
    w, h = im.size
    top, rest = {}, {}
    for y0, y1, cnt in ((0, 120, top), (120, h, rest)):
        for c in im.crop((0, y0, w, y1)).getdata():
            cnt[c] = cnt.get(c, 0) + 1
    return {"top": top, "rest": rest, "size": (w, h)}
rc = lambda name: int(open(f"{d}/{name}.rc").read())
html = open(f"{d}/broken.html").read()

ok(rc("broken") == 1 and rc("clean") == 0, "diff -f html: the exit status is diff's (1 broken, 0 clean)")
ok(not re.search(r"<script|<link|<img|src=|href=|url\(|@import", html) and html.count("http") == 1,
   "one self-contained file: no script, link, image or URL (the SVG namespace only)")
order = [html.find(s) for s in ('id="verdict"', 'id="devices"', 'id="findings"', 'id="timeline"')]
ok(-1 not in order and order == sorted(order), "the verdict first, then the device table, the findings, the timeline")
ok("b2b2b2b2b2b2b2b2:11" in html and "STE-BREAK" in html and "0x80000000 -&gt; 0x90000000" in html,
   "the findings with their records, escaped")
b = pixels("broken")
ok(b and b["top"].get(BAD, 0) > 20000, f"screenshot: the NOT HITLESS banner in red at the top ({b and b['top'].get(BAD, 0)} px)")
ok(b and b["rest"].get(STEP, 0) > 1000 and b["rest"].get(KEXEC, 0) > 1000,
   f"screenshot: the timeline's bars below it, steps and kexec ({b and b['rest'].get(STEP, 0)}, {b and b['rest'].get(KEXEC, 0)} px)")
c = pixels("clean")
ok(c and c["top"].get(OK, 0) > 20000 and c["top"].get(BAD, 0) == 0 and c["rest"].get(STEP, 0) > 1000,
   f"screenshot of the clean pair: the HITLESS banner in green, no red, the timeline ({c and c['top'].get(OK, 0)} px)")
s = pixels("no-svg")
ok(s and s["rest"].get(STEP, 0) < 100 and s["rest"].get(KEXEC, 0) < 100 and s["top"].get(BAD, 0) > 20000,
   "control: the page without its SVG shows no timeline bar (the check can fail; the note's word 'purple' is some 35 px)")
v = pixels("no-verdict")
ok(v and v["top"].get(BAD, 0) == 0, "control: the page without its verdict shows no banner")
done()
PY
