# TAP for the python parts of the tests: ok(cond, msg), then done() for the plan.
_n = 0


def ok(cond, msg):
    global _n
    _n += 1
    print(("ok" if cond else "not ok"), _n, "-", msg)


def done():
    print(f"1..{_n}")
