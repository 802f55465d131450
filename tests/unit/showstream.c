// SPDX-License-Identifier: GPL-2.0
/*
 * hitless show streams: its peak memory does not grow with the number of
 * translation ranges (a 1M-range synthetic snapshot, t_synth() as synth,
 * against a 10k-range one: peak RSS from wait4(), a bound, not a timing),
 * and what it writes parses back to the snapshot's ranges, whole or cut
 * by --sid, --iova and --max.
 */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "tap.h"
#include "build.h"
#include "run.h"
#include "output.h"

extern char **environ;

/* Under ASan (tests/hardening/sanitizers.t) the shadow memory makes any absolute bound moot. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_CAP_KIB	LONG_MAX
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RSS_CAP_KIB	LONG_MAX
#endif
#endif
#ifndef RSS_CAP_KIB
#define RSS_CAP_KIB	32768L
#endif

static char dir[] = "/tmp/hl-showstream.XXXXXX";

/* Exit status (or -1) and peak RSS in KiB of `hitless ARGS > out`. */
static int run_rss(const char *out, long *rss_kib, const char *arg0, ...)
{
	const char *argv[16] = { HL_BIN };
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	int n = 1, st;
	va_list ap;
	pid_t pid;

	va_start(ap, arg0);
	for (const char *a = arg0; a && n < 15; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* posix_spawn: no fork of this process's memory to count in the child's peak */
	if (posix_spawn(&pid, HL_BIN, &fa, NULL, (char **)argv, environ))
		return -1;
	posix_spawn_file_actions_destroy(&fa);
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	*rss_kib = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * In a child: the peak RSS a spawned hitless reports includes the memory of
 * the process it was spawned from (the kernel keeps the old mm's high-water
 * mark across exec), so this one must never hold the ranges.
 */
static int make_snap(const char *path, unsigned long long ranges)
{
	pid_t pid = fork();
	int st;

	if (!pid) {
		struct hl_state s;
		char err[512];
		int rc;

		t_synth(&s, ranges, 4, 1, 0);
		rc = hl_snapshot_write(path, &s, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
		hl_state_free(&s);
		_exit(rc ? 1 : 0);
	}
	return pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st);
}

static json_object *parse_file(const char *path)
{
	json_object *o = json_object_from_file(path);

	if (!o)
		tap_diag("%s: %s", path, json_util_get_last_err());
	return o;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* Every listed range equals the snapshot's range it says it is, in order. */
static int ranges_match(json_object *a, const struct hl_state *s, u64 root, u64 lo, u64 hi, size_t *n)
{
	size_t k = 0;

	*n = json_object_array_length(a);
	for (size_t i = 0; i < s->ranges.n; i++) {
		const struct hl_range *r = &s->ranges.v[i];
		json_object *m;

		if ((root && r->root != root) || r->iova > hi || r->iova + r->size - 1 < lo)
			continue;
		if (k == *n)
			break;
		m = json_object_array_get_idx(a, k++);
		if (jget_u(m, "table") != r->root || jget_u(m, "iova") != r->iova ||
		    jget_u(m, "size") != r->size || jget_u(m, "oa") != r->oa ||
		    jget_u(m, "attrs") != r->attrs || jget_u(m, "leaf_size") != 1ULL << r->leaf_log2 ||
		    jget_u(m, "level") != r->level || jget_u(m, "stage") != r->stage) {
			tap_diag("range %zu differs", k - 1);
			return 0;
		}
	}
	return k == *n;
}

int main(void)
{
	char big[4200], small[4200], out[4200], err[512];
	long rss_big = 0, rss_small = 0, rss_text = 0;
	int rc, ok;
	struct hl_state s;
	json_object *d;
	size_t n = 0;
	u64 root;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(big, sizeof(big), "%s/big.snap", dir);
	snprintf(small, sizeof(small), "%s/small.snap", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	if (make_snap(big, 1000000) || make_snap(small, 10000)) {
		tap_ok(0, "synth writes the snapshots");
		return tap_done();
	}

	/* bounded memory: 1M ranges (48 MB of them on disk) against 10k */
	tap_ok(run_rss(out, &rss_small, "show", "-j", small, NULL) == 0, "show -j of 10k ranges: exit 0");
	tap_ok(run_rss(out, &rss_big, "show", "-j", big, NULL) == 0, "show -j of 1M ranges: exit 0");
	tap_diag("peak RSS: %ld KiB (10k ranges), %ld KiB (1M ranges)", rss_small, rss_big);
	tap_ok(rss_big > 0 && rss_big < rss_small + 4096 && rss_big < RSS_CAP_KIB,
	       "show -j: peak RSS of 1M ranges within 4 MiB of 10k ranges' and under 32 MiB (the ranges alone are 48 MB)");
	rc = run_rss(out, &rss_text, "show", big, NULL);
	tap_ok(rc == 0 && rss_text < rss_small + 4096 && rss_text < RSS_CAP_KIB,
	       "show (text) of 1M ranges: peak RSS %ld KiB, bounded too", rss_text);
	{
		FILE *f = fopen(out, "r");
		char line[512];
		long lines = 0, ranges = 0;

		while (f && fgets(line, sizeof(line), f)) {
			lines++;
			ranges += !strncmp(line, "  table 0x", 10);
		}
		if (f)
			fclose(f);
		tap_ok(ranges == 1000000, "show (text): all 1M ranges written, one line each (%ld)", ranges);
		(void)lines;
	}

	/* parses back: every range of the 10k snapshot, in order, with the same fields */
	hl_state_init(&s);
	if (hl_snapshot_read(small, &s, err, sizeof(err))) {
		tap_ok(0, "read %s: %s", small, err);
		return tap_done();
	}
	run_rss(out, &rss_small, "show", "-j", small, NULL);
	d = parse_file(out);
	ok = d && ranges_match(get(d, "translations"), &s, 0, 0, UINT64_MAX, &n) && n == s.ranges.n &&
	       jget_u(d, "translations_total") == s.ranges.n && jget_u(d, "translations_listed") == n &&
	       json_object_array_length(get(d, "stes")) == s.stes.n &&
	       json_object_array_length(get(d, "cds")) == s.cds.n && get(d, "complete");
	tap_ok(ok, "show -j parses back: %zu ranges equal the snapshot's, STEs, CDs, complete", n);
	json_object_put(d);
	run_rss(out, &rss_small, "show", "-p", small, NULL);
	d = parse_file(out);
	tap_ok(d && ranges_match(get(d, "translations"), &s, 0, 0, UINT64_MAX, &n) && n == s.ranges.n,
	       "show -p (pretty) parses back the same");
	json_object_put(d);

	/* --sid: StreamID 17's STE, CD and table only (synth: SID 16+k, table per SID) */
	root = cd_ttb0(hl_state_cd(&s, 0, 17, 0)->q);
	run_rss(out, &rss_small, "show", "-j", "--sid", "17", small, NULL);
	d = parse_file(out);
	ok = d && ranges_match(get(d, "translations"), &s, root, 0, UINT64_MAX, &n) && n == 2500 &&
	       json_object_array_length(get(d, "stes")) == 1 && json_object_array_length(get(d, "cds")) == 1 &&
	       jget_u(json_object_array_get_idx(get(d, "stes"), 0), "sid") == 17;
	tap_ok(ok, "--sid 17: its STE, its CD, and the 2500 ranges of its table");
	json_object_put(d);

	/* --iova across all tables, and --max */
	run_rss(out, &rss_small, "show", "-j", "--iova", "0x2000-0x5fff", small, NULL);
	d = parse_file(out);
	ok = d && ranges_match(get(d, "translations"), &s, 0, 0x2000, 0x5fff, &n) && n == 8;
	tap_ok(ok, "--iova 0x2000-0x5fff: the ranges that overlap it in each of the 4 tables (%zu)", n);
	json_object_put(d);
	run_rss(out, &rss_small, "show", "-j", "--max", "5", "--iova", "0x2000+0x4000", small, NULL);
	d = parse_file(out);
	tap_ok(d && ranges_match(get(d, "translations"), &s, 0, 0x2000, 0x5fff, &n) && n == 5 &&
	       jget_u(d, "translations_listed") == 5 && jget_u(d, "translations_total") == 10000,
	       "--max 5: five listed, the total still said");
	json_object_put(d);
	tap_ok(run("show", "--max", "3", small, NULL) == 0 && strstr(run_out, "(3 of 10000 listed)"),
	       "text: a bounded list says how much it left out");
	tap_ok(run("show", "--iova", "0x10-0x1", small, NULL) == 2 && strstr(run_err, "bad --iova"),
	       "--iova END below IOVA: exit 2 with a clear error");
	tap_ok(run("show", "--sid", "x", small, NULL) == 2 && strstr(run_err, "bad --sid"),
	       "--sid x: exit 2 with a clear error");
	hl_state_free(&s);

	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd)) { /* best effort */ }
	}
	return tap_done();
}
