// SPDX-License-Identifier: GPL-2.0
/*
 * hl_completeness() (lib/complete.c), the one definition of a complete log,
 * against the verdict's answer on every log the unit tests judge: each
 * hand-built log of rules.c (judged there by hl_analyze()), the fixtures
 * (build.h fx_build: hitless, broken, lossy; alone and as a pair) and the
 * snapshot files of tests/fuzz/corpus.  Then the cases that say what it
 * is: a log whose rules fire but which is complete; logs incomplete by a
 * loss, a sequence gap, a missing entry write; a walker's report and a CD
 * in a new table, which are no missing write; a new boot, which starts over.
 * show and timeline take their "complete" from it (cli.t, outputs.t).
 */
#include <dirent.h>
#include <stdio.h>
#include "complete.h"
#include "verdict.h"

static void cmp_verdict(const struct hl_state *a, const struct hl_state *b,
			const struct hl_protect_disk *p, size_t n, struct hl_verdict *v);
#include "tap.h"
#define hl_analyze(a, b, p, n, v) cmp_verdict(a, b, p, n, v)
#define main rules_main
#define tap_done() 0
#include "rules.c"
#undef tap_done
#undef main
#undef hl_analyze

static int compared, disagreed, judged_incomplete, judged_findings;

static bool agrees(const struct hl_state *a, const struct hl_state *b, const struct hl_verdict *v,
		   const char *what)
{
	struct hl_completeness c;
	bool ok;

	hl_completeness(a, b, &c);
	ok = c.lost == v->lost && c.gaps == v->gaps && c.inconsistent == v->inconsistent &&
	     c.nevents == v->nevents && hl_complete(&c) == hl_verdict_complete(v);
	if (!ok)
		tap_diag("%s: completeness lost %llu gaps %llu inconsistent %llu records %llu, verdict %llu %llu %llu %llu",
			 what, (unsigned long long)c.lost, (unsigned long long)c.gaps,
			 (unsigned long long)c.inconsistent, (unsigned long long)c.nevents,
			 (unsigned long long)v->lost, (unsigned long long)v->gaps,
			 (unsigned long long)v->inconsistent, (unsigned long long)v->nevents);
	return ok;
}

static void cmp_verdict(const struct hl_state *a, const struct hl_state *b,
			const struct hl_protect_disk *p, size_t n, struct hl_verdict *v)
{
	(hl_analyze)(a, b, p, n, v);
	compared++;
	disagreed += !agrees(a, b, v, "a log of rules.c");
	judged_incomplete += !hl_verdict_complete(v);
	judged_findings += hl_verdict_complete(v) && v->findings.n;
}

static void fixtures(void)
{
	static const char *const name[] = { "hitless", "broken", "lossy" };

	for (int variant = 0; variant < 3; variant++) {
		struct hl_state a, b;
		struct hl_verdict v;
		bool ok;

		fx_build(&a, &b, variant);
		hl_analyze(&a, &b, a.protect.v, a.protect.n, &v);
		ok = agrees(&a, &b, &v, name[variant]);
		hl_verdict_free(&v);
		hl_analyze(&b, NULL, NULL, 0, &v);
		ok = agrees(&b, NULL, &v, name[variant]) && ok;
		tap_ok(ok, "fixture %s: the verdict's completeness, before+after and after alone (%s)",
		       name[variant], hl_verdict_complete(&v) ? "complete" : "incomplete");
		hl_verdict_free(&v);
		hl_state_free(&a);
		hl_state_free(&b);
	}
}

static void corpus(const char *top)
{
	char dir[4096], path[4096 + 256], err[512];
	struct dirent *d;
	DIR *dp;
	int n = 0, bad = 0;

	snprintf(dir, sizeof(dir), "%.4000s/tests/fuzz/corpus", top);
	dp = opendir(dir);
	if (!dp) {
		tap_ok(0, "tests/fuzz/corpus: %s", dir);
		return;
	}
	while ((d = readdir(dp))) {
		struct hl_state s;
		struct hl_verdict v;

		if (!strstr(d->d_name, ".snap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (hl_snapshot_read(path, &s, err, sizeof(err)))
			continue;	/* truncated.snap: no log to judge */
		hl_analyze(&s, NULL, NULL, 0, &v);
		bad += !agrees(&s, NULL, &v, d->d_name);
		n++;
		hl_verdict_free(&v);
		hl_state_free(&s);
	}
	closedir(dp);
	tap_ok(n >= 4 && !bad, "tests/fuzz/corpus: the verdict's completeness on each of its %d snapshots", n);
}

/* hl_completeness() of S's log (rules.c's), and what the verdict says of it */
static struct hl_completeness C;

static bool judge_both(void)
{
	judge(NULL);
	hl_completeness(&S, NULL, &C);
	return agrees(&S, NULL, &V, "case");
}

static void cases(void)
{
	u64 cur[8] = { 0 }, a[8], b[8], cd[8], cd2[8], z[8] = { 0 };
	struct hl_record *r;
	bool same;

	/* an STE made invalid and valid again under a protected StreamID: findings, but complete */
	mk_s2_ste(a, 0, 0x80000000, 1);
	mk_s2_ste(b, 0, 0x90000000, 2);
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_BREAK, a, z);
	t_ste(&L, 16, HL_STEP_SETV, z, b);
	same = judge_both();
	tap_ok(same && V.findings.n && hl_complete(&C) && !C.lost && !C.gaps && !C.inconsistent &&
	       C.nevents == S.events.n, "rules fire (%zu findings, %s first), the log is complete",
	       V.findings.n, V.findings.n ? V.findings.v[0].rule : "none");
	end();

	/* lost records: incomplete, with nothing else wrong */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_lost(&L, 4);
	same = judge_both();
	tap_ok(same && !hl_complete(&C) && C.lost == 4 && !C.gaps && !C.inconsistent,
	       "4 records lost: incomplete (lost 4)");
	end();

	/* a hole in the sequence numbers */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	for (size_t i = 1; i < S.events.n; i++)
		S.events.v[i].hdr.seq += 3;
	same = judge_both();
	tap_ok(same && !hl_complete(&C) && C.gaps == 3 && !C.lost, "a gap of 3 sequence numbers: incomplete");
	end();

	/* a write whose "before" is not the last "after": a write between them is missing */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_ste(&L, 16, HL_STEP_ONESHOT, cur, a);
	t_ste(&L, 16, HL_STEP_ONESHOT, b, a);
	same = judge_both();
	tap_ok(same && !hl_complete(&C) && C.inconsistent == 1, "an STE written from what it never was: incomplete");
	end();

	/* ... the same in a new boot is no missing write: entries start over */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_ste(&L, 16, HL_STEP_ONESHOT, cur, a);
	L.boot = 0x2222;
	L.seq = 0;
	t_ste(&L, 16, HL_STEP_ONESHOT, b, a);
	same = judge_both();
	tap_ok(same && hl_complete(&C) && !C.inconsistent && !C.gaps,
	       "the same over a new boot: complete (each boot's entries and numbers start over)");
	end();

	/* the walker reports the state found: what later writes must start from, never a write */
	begin(0, 0);
	r = t_rec(&L, HL_K_STE);
	r->hdr.mode = HL_MODE_WALKER;
	r->ste.sid = 16;
	memcpy(r->ste.before, b, 64);	/* a walker's "before" is not read */
	memcpy(r->ste.after, a, 64);
	t_put(&L, r);
	t_ste(&L, 16, HL_STEP_ONESHOT, a, b);
	same = judge_both();
	tap_ok(same && hl_complete(&C), "a write from what the walker found: complete");
	end();
	begin(0, 0);
	r = t_rec(&L, HL_K_STE);
	r->hdr.mode = HL_MODE_WALKER;
	r->ste.sid = 16;
	memcpy(r->ste.after, a, 64);
	t_put(&L, r);
	t_ste(&L, 16, HL_STEP_ONESHOT, b, a);
	same = judge_both();
	tap_ok(same && C.inconsistent == 1, "a write from other than what the walker found: incomplete");
	end();

	/* a CD written from zero over another CD: a new CD table, no missing write */
	mk_s1_cd(cd, 1, 0x80000000);
	mk_s1_cd(cd2, 2, 0xa0000000);
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 1, 16, 0, cur, cd);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 1, 16, 0, cur, cd2);
	same = judge_both();
	tap_ok(same && hl_complete(&C), "a CD written from zero into a new table: complete");
	end();
	/* ... but an STE written from zero over another STE is not */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, b);
	same = judge_both();
	tap_ok(same && C.inconsistent >= 1, "an STE written from zero over a valid one: incomplete");
	end();
}

int main(int argc, char **argv)
{
	const char *top = getenv("HITLESS_TOP");
	char here[4096];

	if (!top) {
		/* build/host/tests/complete -> the source tree */
		const char *slash = strrchr(argv[0], '/');

		snprintf(here, sizeof(here), "%.*s/../../../..", slash ? (int)(slash - argv[0]) : 1,
			 slash ? argv[0] : ".");
		top = here;
	}
	(void)argc;
	rules_main();
	tap_ok(compared >= 30 && !disagreed,
	       "every log of rules.c: the verdict's completeness (%d logs, %d disagree; %d incomplete, %d complete with findings)",
	       compared, disagreed, judged_incomplete, judged_findings);
	tap_ok(judged_incomplete >= 3 && judged_findings >= 10, "... among them incomplete logs and complete ones with findings");
	fixtures();
	corpus(top);
	cases();
	return tap_done();
}
