#!/usr/bin/env python3
# openmetrics.py FILE: the one parser of OpenMetrics text for every check that
# reads a metrics file (tests/rig/demo-check.sh, monitor-check.sh). It reads
# the file line by line and fails (exit 1, naming the file, the line and what
# is wrong) unless every line is one of
#   # TYPE NAME TYPE | # HELP NAME TEXT | # UNIT NAME UNIT   (before the
#                                        family's samples, each at most once)
#   NAME[{LABEL="VALUE",...}] VALUE [TIMESTAMP]
# with each sample in a family declared by a TYPE line, under a name that type
# allows (a counter's NAME_total, a gauge's NAME, ...), a family's samples
# together, no sample twice, a UNIT that ends its family's name, and "# EOF"
# the last line, ending in a newline. Then it prints "NAME{LABELS} VALUE" for
# each sample (the labels as written, the value as a Python float).
# A real parser can take its place here (python3-prometheus-client's
# text_string_to_metric_families) without the checks changing.
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r'(%s)(\{(?:%s(?:,%s)*)?\})? (\S+)(?: (\S+))?' % (NAME, LABEL, LABEL))
META = re.compile(r'# (TYPE|HELP|UNIT) (%s)(?: (.*))?' % NAME)
TYPES = {  # the sample names each type allows, as suffixes of the family's name
    'counter': ('_total', '_created'), 'gauge': ('',), 'unknown': ('',), 'stateset': ('',),
    'info': ('_info',), 'histogram': ('_bucket', '_count', '_sum', '_created'),
    'gaugehistogram': ('_gcount', '_gsum', '_bucket'), 'summary': ('', '_count', '_sum', '_created'),
}
NUMBER = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|Inf|inf)|NaN')


class Error(Exception):
    pass


def parse(text, where='metrics'):
    """[(name, labels as written, value)] of text, or Error naming the line."""
    if not text.endswith('\n'):
        raise Error('%s: does not end in a newline' % where)
    lines = text[:-1].split('\n')
    if lines[-1] != '# EOF':
        raise Error('%s: the last line is not "# EOF"' % where)
    families, done, seen, samples = {}, set(), set(), []
    current = None
    for no, line in enumerate(lines[:-1], 1):
        at = '%s:%d: ' % (where, no)
        m = META.fullmatch(line)
        if m:
            kind, fam, arg = m.groups()
            if fam in done:
                raise Error(at + '%s of %s after its samples' % (kind, fam))
            f = families.setdefault(fam, {})
            if kind in f:
                raise Error(at + 'a second %s for %s' % (kind, fam))
            if kind == 'TYPE' and arg not in TYPES:
                raise Error(at + 'unknown type %r' % arg)
            if kind == 'UNIT' and not (arg and fam.endswith('_' + arg)):
                raise Error(at + 'the family %s does not end in its unit %r' % (fam, arg))
            f[kind] = arg
            continue
        if line.startswith('#'):
            raise Error(at + 'a comment that is not TYPE, HELP or UNIT (or "# EOF" before the end): %r' % line)
        m = SAMPLE.fullmatch(line)
        if not m:
            raise Error(at + 'not a sample: %r' % line)
        name, labels, value, ts = m.groups()
        if not NUMBER.fullmatch(value) or (ts is not None and not NUMBER.fullmatch(ts)):
            raise Error(at + 'not a number: %r' % line)
        fam = next((f for f in families if 'TYPE' in families[f] and
                    any(name == f + s for s in TYPES[families[f]['TYPE']])), None)
        if fam is None:
            raise Error(at + 'the sample %s is in no family a TYPE line declared' % name)
        if fam != current:
            if fam in done:
                raise Error(at + 'the samples of %s are not together' % fam)
            if current:
                done.add(current)
            current = fam
        names = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', labels or '')
        if len(names) != len(set(names)):
            raise Error(at + 'a label twice: %r' % line)
        key = (name, tuple(sorted(re.findall(LABEL, (labels or '{}')[1:-1]))))
        if key in seen:
            raise Error(at + 'the same sample twice: %r' % line)
        seen.add(key)
        samples.append((name, labels or '', float(value)))
    return samples


def main(argv):
    if len(argv) != 2:
        print('usage: openmetrics.py FILE', file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            samples = parse(f.read(), argv[1])
    except (OSError, UnicodeDecodeError, Error) as e:
        print('openmetrics: %s' % e, file=sys.stderr)
        return 1
    for name, labels, value in samples:
        print(name + labels, value)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
