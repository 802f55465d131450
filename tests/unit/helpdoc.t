#!/usr/bin/env bash
# Help against its option tables and its documentation:
# - the option tables (userspace/main.h struct hl_opt): for hitless and every
#   verb, --help lists each row once and nothing else, its synopsis is the
#   rows', getopt takes the rows and nothing of another verb's, `help VERB`
#   is `VERB --help` (userspace/build/host/tests/helpdoc, linked with the
#   tables);
# - userspace/README.md's "Command line" block is what `hitless help`
#   prints (each verb's synopsis, from its table);
# - every option a verb's --help names in its text is one of its options;
# - every `hitless VERB --option` of the documentation (README.md, the
#   READMEs, docs/*.md: code spans and code blocks) is an option of VERB's
#   --help.
# The man pages are made from the same --help (tests/install/man.t).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/userspace/build/host/hitless"
. "$top/tests/lib/tap.sh"
src="$top/userspace"

want=$("$H" help | sed -n '1,/hitless help \[VERB\]/p')
got=$(awk '/^## Command line/{c=1} c&&/^```$/{n++; next} c&&n==1' "$src/README.md" | sed -n '1,/hitless help \[VERB\]/p')
ok $([ "$want" = "$got" ]; echo $?) "userspace/README.md's Command line block is 'hitless help'$( [ "$want" = "$got" ] || diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 6 | tr '\n' ' ')"

# the help's own text, and the documentation's commands, against each verb's option list
out=$(/usr/bin/python3 - "$top" "$H" <<'PY'
import glob, os, re, subprocess, sys
top, H = sys.argv[1:]
verbs = ["show", "diff", "timeline", "record", "snapshot", "import", "monitor"]

def help_of(args):
    return subprocess.run([H] + args + ["--help"], capture_output=True, text=True).stdout

def listed(text):
    """the options of a help's option list: its lines "  -x, --long ARG  ..." """
    names = set()
    for l in text.splitlines():
        m = re.match(r"  (-[^\s,]+)(?:, (--[a-z-]+))?", l)
        if m:
            names.update(o for o in m.groups() if o)
    return names

helps = {v: help_of([v]) for v in verbs}
known = {v: listed(helps[v]) for v in verbs}
top_opts = listed(help_of([]))

# 1. what each help's text names
for v in verbs:
    named = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", helps[v]))
    bad = sorted(o for o in named if o not in known[v])
    print(f"{'not ok' if bad else 'ok'} - {v} --help names only options of its list" +
          (f" (not its: {' '.join(bad)})" if bad else f" ({len(named)} named)"))

# 2. the documentation's commands
files = [os.path.join(top, f) for f in ("README.md", "userspace/README.md", "bpf/README.md", "kernel/README.md")]
files += sorted(glob.glob(os.path.join(top, "docs/*.md")))
for p in files:
    if not os.path.exists(p):
        continue
    text = open(p).read()
    cmds = []
    for m in re.finditer(r"```.*?\n(.*?)```", text, re.S):
        for l in m.group(1).splitlines():
            l = re.sub(r"^\s*[$#]\s*", "", l.strip())
            if l.startswith("hitless "):
                cmds.append(l)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    for m in re.finditer(r"`([^`]+)`", prose):
        s = " ".join(m.group(1).split())
        for k in re.finditer(r"(?:^|[;|&(] *)(hitless .*)", s):
            cmds.append(k.group(1))
    bad, n = [], 0
    for c in cmds:
        toks = c.split(" #")[0].split()[1:]
        i = 0
        while i < len(toks) and toks[i].startswith("-"):
            if toks[i].split("=")[0] not in top_opts:
                bad.append(f"`{c}`: hitless takes no {toks[i]}")
            i += 2 if toks[i] in ("-f", "--format") else 1
        if i >= len(toks) or toks[i] not in verbs:
            continue
        v, n = toks[i], n + 1
        for t in toks[i + 1:]:
            t = t.strip("[]()\"',.;:").split("=")[0]
            if re.fullmatch(r"--?[a-zA-Z][a-zA-Z-]*", t) and t not in known[v]:
                bad.append(f"`{c}`: {v} takes no {t}")
    rel = os.path.relpath(p, top)
    print(f"{'not ok' if bad else 'ok'} - {rel}: every option of its {n} hitless commands is in the verb's --help" +
          (" (" + "; ".join(bad[:4]) + ")" if bad else ""))
PY
)
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	*) ok 1 "${line#not ok - }" ;;
	esac
done <<<"$out"

# the tables (a C program: it links them); its results numbered on from here
tables=$("$top/userspace/build/host/tests/helpdoc" 2>&1); rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#* - }" ;;
	"not ok "*) ok 1 "${line#* - }" ;;
	"#"*) printf '%s\n' "$line" ;;
	esac
done <<<"$tables"
ok $([ $rc = 0 ] && grep -q '^1\.\.[1-9]' <<<"$tables"; echo $?) "the option tables' checks ran to their end (exit $rc)"
done_tap
