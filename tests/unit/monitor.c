// SPDX-License-Identifier: GPL-2.0
/*
 * hitless monitor's core against the batch verdict, on every hand-built log
 * of rules.c: each log is fed to hl_mon record by record, judged after each
 * record, once with a window that never re-anchors and once with the
 * smallest window (a re-anchor every few records).  What it reports live
 * must be exactly what hl_analyze_live() finds on the whole log (nothing
 * missed, nothing early), and live plus final exactly what hl_analyze()
 * finds (`diff` on the same log).  Then the metrics writer: the file is
 * replaced atomically, mode 0644, and parses back as OpenMetrics with the
 * counts the monitor holds.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include "monitor.h"
#include "promparse.h"

/* rules.c's judge() calls hl_analyze(): compare the monitor there too */
static void mon_compare(const struct hl_state *a, const struct hl_state *b,
			const struct hl_protect_disk *p, size_t n, struct hl_verdict *v);
#include "tap.h"
#define hl_analyze(a, b, p, n, v) mon_compare(a, b, p, n, v)
#define main rules_main
#define tap_done() 0		/* one plan, at the end of this file's main */
#include "rules.c"
#undef tap_done
#undef main
#undef hl_analyze

struct seen {
	VEC(struct hl_finding) f;
	bool final;
	int live;
};

static void collect(const struct hl_finding *f, void *arg)
{
	struct seen *s = arg;

	VEC_PUSH(s->f, *f);
	s->live += !s->final;
}

static bool same(const struct hl_finding *x, const struct hl_finding *y)
{
	return !strcmp(x->rule, y->rule) && x->sev == y->sev && x->has_sid == y->has_sid &&
	       x->sid == y->sid && x->has_iova == y->has_iova && x->iova_lo == y->iova_lo &&
	       x->nrefs == y->nrefs && (!x->nrefs || (x->refs[0].seq == y->refs[0].seq &&
						     x->refs[0].boot == y->refs[0].boot)) &&
	       !strcmp(x->msg, y->msg);
}

/* Are the n findings x[] the findings of v, each once? */
static bool same_set(const struct hl_finding *x, size_t n, const struct hl_verdict *v)
{
	if (n != v->findings.n)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t k;

		for (k = 0; k < n && !same(&x[i], &v->findings.v[k]); k++)
			;
		if (k == n)
			return false;
	}
	return true;
}

static int compared, windows_cut;

/* Feed a's log through the monitor with this window; 1 if it agrees with the batch verdicts. */
static int mon_run(const struct hl_state *a, const struct hl_protect_disk *p, size_t np,
		   size_t window, const struct hl_verdict *batch, const struct hl_verdict *live,
		   size_t *peak)
{
	struct hl_mon m;
	struct seen s = { 0 };
	int ok, rc;

	hl_mon_init(&m, p, np, window);
	/* the state the batch verdict starts from, as a capture's snapshot holds it */
	m.st.meta = a->meta;
	for (size_t i = 0; i < a->smmus.n; i++)
		VEC_PUSH(m.st.smmus, a->smmus.v[i]);
	for (size_t i = 0; i < a->smmu_ids.n; i++)
		VEC_PUSH(m.st.smmu_ids, a->smmu_ids.v[i]);
	for (size_t i = 0; i < a->boots.n; i++)
		VEC_PUSH(m.st.boots, a->boots.v[i]);
	for (size_t i = 0; i < a->stes.n; i++)
		hl_state_set_ste(&m.st, a->stes.v[i].smmu, a->stes.v[i].sid, a->stes.v[i].q);
	for (size_t i = 0; i < a->cds.n; i++)
		hl_state_set_cd(&m.st, a->cds.v[i].smmu, a->cds.v[i].sid, a->cds.v[i].ssid, a->cds.v[i].q);
	*peak = 0;
	for (size_t i = 0; i < a->events.n; i++) {
		hl_mon_feed(&m, &a->events.v[i]);
		hl_mon_judge(&m, a->events.v[i].hdr.ktime_ns, collect, &s);
		if (m.st.events.n > *peak)
			*peak = m.st.events.n;
	}
	windows_cut += m.anchors > 0;
	ok = same_set(s.f.v, s.f.n, live);
	if (!ok)
		for (size_t i = 0; i < s.f.n; i++)
			tap_diag("  window %zu live: %s %s", window, s.f.v[i].rule, s.f.v[i].msg);
	s.final = true;
	rc = hl_mon_final(&m, collect, &s);
	ok = ok && same_set(s.f.v, s.f.n, batch) && rc == hl_verdict_exit(batch) &&
	     m.nerrors == (u64)batch->nerrors && m.nwarnings == (u64)batch->nwarnings;
	VEC_FREE(s.f);
	hl_mon_free(&m);
	return ok;
}

static void mon_compare(const struct hl_state *a, const struct hl_state *b,
			const struct hl_protect_disk *p, size_t n, struct hl_verdict *v)
{
	struct hl_verdict live;
	size_t h, peak_all, peak_cut;
	int ok_all, ok_cut;

	(hl_analyze)(a, b, p, n, v);
	if (b)
		return;		/* cross-kexec: two boots' snapshots, not one running host */
	hl_analyze_live(a, p, n, a->events.n ? a->events.v[a->events.n - 1].hdr.ktime_ns - HL_MON_SETTLE_NS : 0,
			&live, &h);
	ok_all = mon_run(a, p, n, 1 << 20, v, &live, &peak_all);
	ok_cut = mon_run(a, p, n, 16, v, &live, &peak_cut);
	compared++;
	tap_ok(ok_all && ok_cut, "monitor: %zu records, %zu findings live, %zu in all (%s): as batch, "
	       "whole and in a 16-record window (peak %zu)", a->events.n, live.findings.n,
	       v->findings.n, v->findings.n ? v->findings.v[0].rule : "none", peak_cut);
	hl_verdict_free(&live);
}

/* A long run: memory stays bounded, a break late in it is still found, live. */
static void long_run(void)
{
	struct hl_state s;
	struct tlog l;
	struct hl_protect_disk prot[1] = { { HL_ANY_SMMU, 8 } };
	struct hl_mon m;
	struct seen got = { 0 };
	u64 cur[8] = { 0 }, a[8], root = 0x80000000;
	size_t peak = 0, fed = 0;
	int live_break = 0;

	hl_state_init(&s);
	t_boot(&s, &l, 0x2222, "test", 0, 1000000000ULL);
	t_smmu(&s, 0, 0);
	hl_mon_init(&m, prot, 1, 64);
	m.st.meta = s.meta;
	VEC_PUSH(m.st.smmus, s.smmus.v[0]);
	mk_s2_ste(a, 0, root, 1);
	t_write_entry(&l, 0, 8, 0, cur, a);
	t_wait(&l, HL_MON_SETTLE_NS);
	/* 20000 map/unmap rounds on StreamID 8's table, each invalidated */
	for (int i = 0; i < 20000; i++) {
		u64 iova = 0x100000 + (u64)(i % 64) * 0x1000;

		t_pte(&l, root, iova, 3, 2, 0, pg2(0x40000000 + iova));
		t_pte(&l, root, iova, 3, 2, pg2(0x40000000 + iova), 0);
		t_tlbi_ipa(&l, 1, iova);
		t_sync(&l);
		for (; fed < s.events.n; fed++)
			hl_mon_feed(&m, &s.events.v[fed]);
		hl_mon_judge(&m, l.t, collect, &got);
		if (m.st.events.n > peak)
			peak = m.st.events.n;
	}
	tap_ok(m.records == s.events.n && m.anchors > 100 && peak < 64 + 16 && !got.f.n,
	       "monitor: %llu records in a 64-record window: %llu re-anchors, at most %zu held, no finding",
	       (unsigned long long)m.records, (unsigned long long)m.anchors, peak);
	/* then StreamID 8's STE removed and put back: reported before the run ends */
	t_write_entry(&l, 0, 8, 0, cur, (u64[8]){ 0 });
	for (; fed < s.events.n; fed++) {
		hl_mon_feed(&m, &s.events.v[fed]);
		hl_mon_judge(&m, s.events.v[fed].hdr.ktime_ns, collect, &got);
	}
	/* nothing more is written to StreamID 8: its update is over 100 ms later */
	hl_mon_judge(&m, l.t + HL_MON_SETTLE_NS + 1, collect, &got);
	for (size_t i = 0; i < got.f.n; i++)
		live_break |= !strcmp(got.f.v[i].rule, R_STE_REMOVE) && got.f.v[i].sid == 8;
	tap_ok(live_break && got.live == (int)got.f.n,
	       "monitor: the protected StreamID's removal after 80000 records, reported live once it settled");
	got.final = true;
	tap_ok(hl_mon_final(&m, collect, &got) == 1 && hl_mon_complete(&m),
	       "monitor: final verdict: findings (exit 1), complete");
	VEC_FREE(got.f);
	hl_mon_free(&m);
	hl_state_free(&s);
}

/*
 * A VMM detaches its device (the window of protection closes), the log goes
 * on past several re-anchors, then the device's CD is rewritten and removed
 * with no driver attach (its next owner): not protected, as in the batch
 * verdict, though the detach is no longer in the window.  Then an attach
 * through iommufd again: protected again, its CD's removal a finding.
 */
static void detached(void)
{
	u64 ccd[8] = { 0 }, cur[8] = { 0 }, ste[8], cd[8], z[8] = { 0 };
	struct hl_verdict live;
	size_t h, peak;
	int pass;

	begin(0, 0);
	mk_s1_cd(cd, 1, 0x80000000);
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	t_write_entry(&L, 0, 16, 0, cur, ste);
	t_attach(&L, 16);
	t_write_entry(&L, 1, 16, 0, ccd, cd);
	t_iommufd(&L, HL_IOMMUFD_HWPT_ALLOC, 0, 0);
	t_iommufd(&L, HL_IOMMUFD_HWPT_ATTACH, 0, 0);
	t_attach(&L, 16);
	t_write_entry(&L, 1, 16, 0, ccd, z);
	t_iommufd(&L, HL_IOMMUFD_HWPT_DETACH, 0, 0);
	t_wait(&L, 2 * HL_MON_SETTLE_NS);
	for (int i = 0; i < 100; i++)
		t_sync(&L);
	t_write_entry(&L, 1, 16, 0, ccd, cd);
	t_wait(&L, 2 * HL_MON_SETTLE_NS);
	t_write_entry(&L, 1, 16, 0, ccd, z);
	t_wait(&L, 2 * HL_MON_SETTLE_NS);
	for (int i = 0; i < 100; i++)
		t_sync(&L);
	(hl_analyze)(&S, NULL, PROT, 1, &V);
	hl_analyze_live(&S, PROT, 1, L.t - HL_MON_SETTLE_NS, &live, &h);
	pass = mon_run(&S, PROT, 1, 16, &V, &live, &peak);
	tap_ok(pass && !V.findings.n, "monitor: a device detached before the anchor is not protected after it (%zu findings)",
	       V.findings.n);
	hl_verdict_free(&live);
	/* the VMM attaches it again: protected from there, its CD removal a finding */
	t_attach(&L, 16);
	t_write_entry(&L, 1, 16, 0, ccd, cd);
	t_iommufd(&L, HL_IOMMUFD_HWPT_ATTACH, 0, 0);
	t_wait(&L, 2 * HL_MON_SETTLE_NS);
	for (int i = 0; i < 40; i++)
		t_sync(&L);
	t_write_entry(&L, 1, 16, 0, ccd, z);
	t_wait(&L, 2 * HL_MON_SETTLE_NS);
	t_sync(&L);
	hl_verdict_free(&V);
	(hl_analyze)(&S, NULL, PROT, 1, &V);
	hl_analyze_live(&S, PROT, 1, L.t - HL_MON_SETTLE_NS, &live, &h);
	pass = mon_run(&S, PROT, 1, 16, &V, &live, &peak);
	tap_ok(pass && count(R_CD_REMOVE) == 1 && live.findings.n == 1,
	       "monitor: attached again, protected again: the CD's removal reported live");
	hl_verdict_free(&live);
	end();
}

/* Lost records: the verdict is incomplete at once, and stays so across re-anchors. */
static void lost(void)
{
	struct hl_state s;
	struct tlog l;
	struct hl_mon m;
	u64 cur[8] = { 0 }, a[8];

	hl_state_init(&s);
	t_boot(&s, &l, 0x3333, "test", 0, 1000000000ULL);
	hl_mon_init(&m, PROT, 1, 16);
	mk_s2_ste(a, 0, 0x80000000, 1);
	t_write_entry(&l, 0, 16, 0, cur, a);
	t_wait(&l, HL_MON_SETTLE_NS);
	t_lost(&l, 3);
	for (int i = 0; i < 40; i++)
		t_sync(&l);
	l.seq += 5;	/* a gap too */
	for (int i = 0; i < 40; i++)
		t_sync(&l);
	for (size_t i = 0; i < s.events.n; i++) {
		hl_mon_feed(&m, &s.events.v[i]);
		hl_mon_judge(&m, s.events.v[i].hdr.ktime_ns, NULL, NULL);
	}
	/* the producer's counter: 3 in LOST records, 7 dropped in all: 7, not 10 */
	m.ringbuf_dropped = 7;
	tap_ok(hl_mon_lost(&m) == 7, "monitor: lost = the producer's count when its LOST records are behind");
	m.ringbuf_dropped = 2;
	tap_ok(hl_mon_lost(&m) == 3, "monitor: lost = the LOST records' count when the counter is behind");
	m.ringbuf_dropped = 0;
	tap_ok(hl_mon_lost(&m) == 3 && m.gaps == 5 && m.anchors && !hl_mon_complete(&m) &&
	       hl_mon_final(&m, NULL, NULL) == 2,
	       "monitor: 3 lost, 5 missing by sequence, kept across %llu re-anchors: incomplete (exit 2)",
	       (unsigned long long)m.anchors);
	hl_mon_free(&m);
	hl_state_free(&s);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = calloc(1, 65536);

	if (f) {
		fread(b, 1, 65535, f);
		fclose(f);
	}
	return b;
}

static void metrics(void)
{
	char dir[] = "/tmp/hl-monitor-XXXXXX", path[256], *t;
	struct hl_state s;
	struct tlog l;
	struct hl_mon m;
	struct stat st;
	u64 cur[8] = { 0 }, a[8];
	double v = -1, dark = -1, valid = -1, ts = -1;
	int ntmp = 0, ok;
	ino_t old_ino;
	DIR *d;
	struct dirent *e;

	hl_state_init(&s);
	t_boot(&s, &l, 0x4444, "test", 0, 1000000000ULL);
	t_smmu(&s, 0, 0);
	hl_mon_init(&m, PROT, 1, 1024);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	t_write_entry(&l, 0, 16, 0, cur, a);		/* valid at 1..2 us */
	t_wait(&l, 1000000000);				/* a second valid */
	t_write_entry(&l, 0, 16, 0, cur, (u64[8]){ 0 });	/* removed: STE-REMOVE, dark */
	{
		/* a driver attach (after: not a VMM's, no protection window) names the device,
		 * with a name that needs escaping in a label */
		struct hl_record *r = t_rec(&l, HL_K_ATTACH);

		strcpy(r->attach.dev, "0000:00:01.0 \"x\\");
		r->attach.nsids = 1;
		r->attach.sids[0] = 16;
		r->attach.outcome = HL_ATTACH_HITLESS;
		t_put(&l, r);
	}
	for (size_t i = 0; i < s.events.n; i++)
		hl_mon_feed(&m, &s.events.v[i]);
	hl_mon_judge(&m, l.t + HL_MON_SETTLE_NS, NULL, NULL);
	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/hitless.prom", dir);
	/* something there already: replaced by rename, not written into */
	fclose(fopen(path, "w"));
	stat(path, &st);
	old_ino = st.st_ino;
	umask(077);
	tap_ok(!hl_mon_metrics_write(&m, path, HL_MF_PROMETHEUS, l.t + 500000000ULL, 1700000000123456789ULL,
				     4096, 8 << 20), "metrics: written");
	t = slurp(path);
	stat(path, &st);
	d = opendir(dir);
	while ((e = readdir(d)))
		ntmp += !!strstr(e->d_name, ".tmp.");
	closedir(d);
	tap_ok((st.st_mode & 0777) == 0644 && !ntmp, "metrics: mode 0644 whatever the umask, no temporary file left");
	tap_ok(st.st_ino != old_ino, "metrics: the old file replaced by rename (a new inode), not written into");
	tap_ok(!metrics_parse(t, "prometheus"), "metrics: the Prometheus text format, by its parser");
	tap_ok(metrics_val("hitless_findings_total{rule=\"STE-REMOVE\",severity=\"error\"}", &v) && v == 1 &&
	       metrics_val("hitless_verdict_exit_status", &v) && v == 1 &&
	       metrics_val("hitless_monitor_records_total", &v) && v == (double)s.events.n &&
	       metrics_val("hitless_lost_records_total", &v) && v == 0 &&
	       metrics_val("hitless_ringbuf_used_bytes", &v) && v == 4096 &&
	       metrics_val("hitless_ringbuf_size_bytes", &v) && v == 8 << 20,
	       "metrics: the STE-REMOVE counted, exit 1, records, lost, ring buffer");
	tap_ok(metrics_has("# TYPE hitless_findings counter") && metrics_has("# TYPE hitless_lost_records counter") &&
	       metrics_has("# TYPE hitless_sequence_gaps counter") &&
	       metrics_has("# TYPE hitless_verdict_findings counter") &&
	       metrics_has("# TYPE hitless_monitor_records counter") &&
	       metrics_has("# TYPE hitless_device_dark_seconds gauge"),
	       "metrics: the growing counts (findings, lost records, sequence gaps, records) typed as counters");
	ok = metrics_val("hitless_protected_valid_seconds{smmu=\"0\",sid=\"16\",device=\"0000:00:01.0 \\\"x\\\\\"}", &valid) &
	     metrics_val("hitless_device_dark_seconds{smmu=\"0\",sid=\"16\",device=\"0000:00:01.0 \\\"x\\\\\"}", &dark);
	tap_ok(ok && valid > 1.0 && valid < 1.001 && dark > 0.499 && dark < 0.501 &&
	       metrics_val("hitless_device_darkenings_total{smmu=\"0\",sid=\"16\",device=\"0000:00:01.0 \\\"x\\\\\"}", &v) && v == 1 &&
	       metrics_val("hitless_monitor_last_update_timestamp_seconds", &ts) && ts > 1700000000.1 &&
	       ts < 1700000000.2,
	       "metrics: StreamID 16 (smmu 0, its device, escaped) valid %.6f s, dark %.6f s, one darkening, the timestamp", valid, dark);
	free(t);
	t = NULL;
	tap_ok(!hl_mon_metrics_write(&m, path, HL_MF_OPENMETRICS, l.t + 500000000ULL, 1700000000123456789ULL,
				     4096, 8 << 20) && (t = slurp(path)) && !metrics_parse(t, "openmetrics") &&
	       metrics_has("# TYPE hitless_ringbuf_used_bytes gauge bytes") &&
	       metrics_has("# TYPE hitless_device_dark_seconds gauge seconds") &&
	       metrics_val("hitless_findings_total{rule=\"STE-REMOVE\",severity=\"error\"}", &v) && v == 1,
	       "metrics: --metrics-format openmetrics: its strict parser takes it, units, the same samples");
	tap_ok(metrics_parse(t, "prometheus") != 0 && metrics_parse("", "prometheus") != 0,
	       "metrics: the parser refuses what is not the format asked for (OpenMetrics, an empty file)");
	free(t);
	snprintf(path, sizeof(path), "%s/no/such/dir/hitless.prom", dir);
	errno = 0;
	tap_ok(hl_mon_metrics_write(&m, path, HL_MF_PROMETHEUS, 0, 0, 0, 0) == -1 && errno == ENOENT,
	       "metrics: a directory that is not there: -1, ENOENT");
	snprintf(path, sizeof(path), "%s/hitless.prom", dir);
	unlink(path);
	rmdir(dir);
	hl_mon_free(&m);
	hl_state_free(&s);
}

int main(void)
{
	rules_main();
	tap_ok(compared >= 30 && windows_cut >= 5,
	       "monitor: compared on %d of rules.c's logs, %d of them re-anchored", compared, windows_cut);
	long_run();
	detached();
	lost();
	metrics();
	return tap_done();
}
