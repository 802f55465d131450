#!/usr/bin/env bash
# hitless diff -f junit on the fixture snapshots (tests/unit/fixture.c), read
# by a real XML parser (python3's xml.etree): one testsuite per protected
# StreamID with a testcase per rule family, the findings' failure carrying
# their rule, message and records, lost records an error, a clean pair all
# passing.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H=${HITLESS_BIN:-$top/userspace/build/host/hitless}
tmp=$(mktemp -d /tmp/hl-junit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$top/userspace/build/host/tests/fixture" "$tmp" || exit 1
"$H" diff -f junit "$tmp/before.snap" "$tmp/after.snap" >"$tmp/clean.xml"; echo $? >"$tmp/clean.rc"
"$H" diff -f junit "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/broken.xml"; echo $? >"$tmp/broken.rc"
"$H" diff -f junit --protect 16,8 "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/two.xml"
"$H" diff -f junit "$tmp/before.snap" "$tmp/lossy-after.snap" >"$tmp/lossy.xml"; echo $? >"$tmp/lossy.rc"
"$H" diff -j "$tmp/before.snap" "$tmp/broken-after.snap" >"$tmp/broken.json"
exec /usr/bin/python3 - "$tmp" "$top/tests/lib" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from tap import ok, done
def load(name):
    try:
        return ET.parse(f"{d}/{name}.xml").getroot()
    except ET.ParseError as e:
        print("# " + name + ": " + str(e))
        return ET.Element("none")
rc = lambda name: int(open(f"{d}/{name}.rc").read())
families = ["entry not torn", "translation never broken", "SMMU kept enabled",
            "invalidation complete", "break-before-make", "same across the kexec"]

clean, broken, two, lossy = load("clean"), load("broken"), load("two"), load("lossy")
for name, root in (("clean", clean), ("broken", broken), ("lossy", lossy)):
    ok(root.tag == "testsuites", f"{name} pair: JUnit XML an XML parser reads")
suites = {s.get("name"): s for s in clean}
ok(list(suites) == ["capture", "StreamID 16", "page tables and invalidations (no single StreamID)"],
   f"clean: a suite for the capture, protected StreamID 16, and no single StreamID ({list(suites)})")
ok([c.get("name") for c in suites["StreamID 16"]] == families, "StreamID 16: one testcase per rule family")
ok(rc("clean") == 0 and not clean.findall(".//failure") and not clean.findall(".//error")
   and clean.get("failures") == "0", "clean: every testcase passes, exit 0")

ok(rc("broken") == 1, "broken pair: exit 1 as with text")
s16 = {c.get("name"): c for c in broken.find("testsuite[@name='StreamID 16']")}
f = s16["translation never broken"].find("failure")
ok(f is not None and "STE-BREAK" in f.get("message") and "records: b2b2b2b2b2b2b2b2:3 b2b2b2b2b2b2b2b2:11" in f.text,
   "STE-BREAK: a failure of 'translation never broken' carrying its records")
x = s16["same across the kexec"].find("failure")
ok(x is not None and "table 0x80000000 -> 0x90000000" in x.text and "IOVA [0x17000, 0x18000)" in x.text,
   "XK-XLATE: its message (the escaped '->' read back), IOVA window and table")
js = json.load(open(f"{d}/broken.json"))
fails = broken.findall(".//failure")
ok(sum(ff.text.count(" error: ") + ff.text.count(" warning: ") for ff in fails) == len(js["findings"]),
   f"every finding of diff -j is in a failure ({len(js['findings'])})")
ok(int(broken.get("failures")) == len(fails) == 2 and int(broken.get("tests")) == sum(1 for _ in broken.iter("testcase")),
   "the counts: tests and failures as the testcases are")
ok([s.get("name") for s in two][1:3] == ["StreamID 16", "StreamID 8"] and not two.find("testsuite[@name='StreamID 8']").findall(".//failure"),
   "--protect 16,8: a suite each; StreamID 8's passes")

ok(rc("lossy") == 2, "lossy pair: exit 2 as with text")
e = lossy.find("testsuite[@name='capture']/testcase/error")
ok(e is not None and "3 record(s) lost" in e.get("message") and lossy.get("errors") == "1",
   "lossy: the capture testcase is an error with the lost count")
done()
PY
