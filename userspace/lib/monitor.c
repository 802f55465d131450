// SPDX-License-Identifier: GPL-2.0
/*
 * The core of `hitless monitor` (docs/output.md "monitor"): the verdict of
 * verdict.c over a window of the log, judged as the head of a log still
 * being written, re-anchored at the first record something open still needs.
 *
 * What the window holds: the anchor's STEs and CDs, as walker records (the
 * state later writes are judged against, as a capture's first walk is), then
 * every record since.  A re-anchor drops the records before the horizon
 * (hl_analyze_live(): the first record an update still being written, an
 * invalidation still owed or an attach not yet concluded needs), so what
 * was judged before it was judged on everything it needed.  What the
 * dropped records held that the verdict counts (sequence gaps, writes whose
 * "before" was not the last "after") is carried.
 */
#include <math.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "monitor.h"
#include "output.h"

/*
 * A window pinned by something open this long (an invalidation owed for 16
 * windows, 64Ki records at least) is cut anyway (see reanchor()).
 */
#define HL_MON_HARD_FACTOR	16
#define HL_MON_HARD_MIN		65536

static size_t hard_limit(const struct hl_mon *m)
{
	size_t n = m->window * HL_MON_HARD_FACTOR;

	return n > HL_MON_HARD_MIN ? n : HL_MON_HARD_MIN;
}

void hl_mon_init(struct hl_mon *m, const struct hl_protect_disk *prot, size_t nprot,
		 size_t window)
{
	memset(m, 0, sizeof(*m));
	hl_state_init(&m->st);
	m->prot = prot;
	m->nprot = nprot;
	m->window = window ? window : 1;
	m->settle_ns = HL_MON_SETTLE_NS;
	for (size_t i = 0; i < nprot; i++) {
		struct hl_mon_sid s = { .smmu = prot[i].smmu, .sid = prot[i].sid, .label_smmu = prot[i].smmu };

		hl_dark_init(&s.dark, prot[i].smmu, prot[i].sid);
		hl_dark_arm(&s.dark, 0);	/* --protect: the VMM's from the start */
		VEC_PUSH(m->sids, s);
	}
}

void hl_mon_free(struct hl_mon *m)
{
	hl_state_free(&m->st);
	VEC_FREE(m->act);
	VEC_FREE(m->seen);
	VEC_FREE(m->counts);
	VEC_FREE(m->sids);
}

/* Does the driver attach record r name the StreamID of p? */
static bool names(const struct hl_record *r, const struct hl_protect_disk *p)
{
	for (u32 i = 0; i < r->attach.nsids && i < HL_MAX_ATTACH_SIDS; i++)
		if (r->attach.sids[i] == p->sid && (p->smmu == HL_ANY_SMMU || p->smmu == r->attach.smmu))
			return true;
	return false;
}

void hl_mon_feed(struct hl_mon *m, const struct hl_record *r)
{
	m->records++;
	m->last_ktime = r->hdr.ktime_ns;
	hl_state_apply(&m->st, r);
	for (size_t i = 0; i < m->sids.n; i++) {
		struct hl_mon_sid *s = &m->sids.v[i];

		hl_dark_feed(&s->dark, r, r->hdr.ktime_ns);
		/* the label: the SMMU of the first valid STE that names it */
		if (s->label_smmu == HL_ANY_SMMU && r->hdr.kind == HL_K_STE && r->ste.sid == s->sid &&
		    ste_valid(r->ste.after))
			s->label_smmu = r->ste.smmu;
	}
	if (r->hdr.kind == HL_K_ATTACH && r->hdr.mode != HL_MODE_WALKER) {
		for (size_t i = 0; i < m->sids.n; i++) {
			if (!names(r, &m->prot[i]))
				continue;
			m->sids.v[i].detached = false;
			m->sids.v[i].label_smmu = r->attach.smmu;
			snprintf(m->sids.v[i].dev, sizeof(m->sids.v[i].dev), "%.*s",
				 (int)sizeof(r->attach.dev), r->attach.dev);
		}
	}
}

/* The protect[] entries not detached before the anchor: what the verdict judges. */
static void act_list(struct hl_mon *m)
{
	m->act.n = 0;
	for (size_t i = 0; i < m->nprot; i++)
		if (!m->sids.v[i].detached)
			VEC_PUSH(m->act, m->prot[i]);
}

static bool key_eq(const struct hl_mon_key *a, const struct hl_mon_key *b)
{
	return !strcmp(a->rule, b->rule) && a->sid == b->sid && a->ssid == b->ssid &&
	       a->iova_lo == b->iova_lo && a->root == b->root &&
	       a->first.boot == b->first.boot && a->first.seq == b->first.seq;
}

/* Count and hand on f unless it was reported before. 1 if new. */
static int report(struct hl_mon *m, const struct hl_finding *f, hl_mon_report cb, void *arg)
{
	struct hl_mon_key k = {
		.rule = f->rule, .sid = f->has_sid ? f->sid : ~0u, .ssid = f->has_ssid ? f->ssid : ~0u,
		.iova_lo = f->has_iova ? f->iova_lo : ~0ull, .root = f->has_iova ? f->root : 0,
	};
	size_t i;

	if (f->nrefs)
		k.first = f->refs[0];
	for (i = 0; i < m->seen.n; i++)
		if (key_eq(&m->seen.v[i], &k))
			return 0;
	VEC_PUSH(m->seen, k);
	for (i = 0; i < m->counts.n; i++)
		if (!strcmp(m->counts.v[i].rule, f->rule) && m->counts.v[i].sev == f->sev)
			break;
	if (i == m->counts.n) {
		struct hl_mon_count c = { .rule = f->rule, .sev = f->sev };

		VEC_PUSH(m->counts, c);
	}
	m->counts.v[i].n++;
	if (f->sev == SEV_ERROR)
		m->nerrors++;
	else
		m->nwarnings++;
	if (cb)
		cb(f, arg);
	return 1;
}

static size_t report_all(struct hl_mon *m, const struct hl_verdict *v, hl_mon_report cb, void *arg)
{
	size_t n = 0;

	for (size_t i = 0; i < v->findings.n; i++)
		n += report(m, &v->findings.v[i], cb, arg);
	return n;
}

/* m->st with other events: a view for hl_analyze (nothing of it is freed). */
static struct hl_state view(const struct hl_mon *m, struct hl_record *ev, size_t n)
{
	struct hl_state s = m->st;

	s.events.v = ev;
	s.events.n = s.events.cap = n;
	return s;
}

/* A walker record of the anchor state at a cut: the entry as it stood there. */
static void anchor_rec(struct hl_record *r, unsigned kind, u64 boot, u64 seq, u64 ktime)
{
	memset(r, 0, sizeof(*r));
	r->hdr.kind = kind;
	r->hdr.mode = HL_MODE_WALKER;
	r->hdr.version = HL_RECORD_VERSION;
	r->hdr.boot = boot;
	r->hdr.seq = seq;
	r->hdr.ktime_ns = ktime;
}


/*
 * Let the records before ev[h] go.  The new window starts with the STEs and
 * CDs as they were just before ev[h] (each entry's first "before" from h on,
 * else its current value), as walker records numbered just below ev[h], so
 * the sequence stays unbroken.  hard: h is past the horizon (something has
 * been open for HL_MON_HARD_FACTOR windows): the dropped part is judged as a
 * whole log first, so what it still owed is reported as owed at its end.
 */
static void reanchor(struct hl_mon *m, size_t h, bool hard, u64 settled, hl_mon_report cb,
		     void *arg)
{
	struct hl_record *ev, *nv;
	u64 *order, s0, boot;
	size_t n, nboots, k, j = 0;
	struct hl_state anc, dropped;
	struct hl_verdict v;

	n = hl_merge_events(&m->st, NULL, &ev, &order, &nboots);
	free(order);
	if (!h || h > n)
		goto out;
	boot = h < n ? ev[h].hdr.boot : ev[n - 1].hdr.boot;
	s0 = h < n ? ev[h].hdr.seq : ev[n - 1].hdr.seq + 1;

	hl_state_init(&anc);
	for (size_t i = 0; i < m->st.stes.n; i++)
		hl_state_set_ste(&anc, m->st.stes.v[i].smmu, m->st.stes.v[i].sid, m->st.stes.v[i].q);
	for (size_t i = 0; i < m->st.cds.n; i++)
		hl_state_set_cd(&anc, m->st.cds.v[i].smmu, m->st.cds.v[i].sid, m->st.cds.v[i].ssid,
				m->st.cds.v[i].q);
	for (size_t i = n; i-- > h;) {
		const struct hl_record *r = &ev[i];

		if (r->hdr.mode == HL_MODE_WALKER)
			continue;
		if (r->hdr.kind == HL_K_STE)
			hl_state_set_ste(&anc, r->ste.smmu, r->ste.sid, r->ste.before);
		else if (r->hdr.kind == HL_K_CD)
			hl_state_set_cd(&anc, r->cd.smmu, r->cd.sid, r->cd.ssid, r->cd.before);
	}
	k = anc.stes.n + anc.cds.n;
	/* no room below ev[h] for the anchor, or nothing to gain */
	if (s0 <= k || h <= k) {
		hl_state_free(&anc);
		goto out;
	}

	/*
	 * A protected StreamID whose window closed before the horizon (its
	 * VMM detached it) and that no later attach names: the window to come
	 * will not show its detach, so it is left out of the judging until a
	 * driver attach names it again (hl_mon_feed()).
	 */
	for (size_t k = 0; k < m->nprot; k++) {
		bool later = false;

		if (m->sids.v[k].detached ||
		    hl_protected_at(&m->st, m->prot, m->nprot, k, h < n ? h : n - 1, true))
			continue;
		for (size_t i = h; i < n && !later; i++)
			later = ev[i].hdr.kind == HL_K_ATTACH && ev[i].hdr.mode != HL_MODE_WALKER &&
				names(&ev[i], &m->prot[k]);
		if (!later)
			m->sids.v[k].detached = true;
	}

	/* what the dropped records count, carried; owed invalidations reported if cut */
	dropped = view(m, ev, h);
	act_list(m);
	if (hard) {
		hl_analyze(&dropped, NULL, m->act.v, m->act.n, &v);
		report_all(m, &v, cb, arg);
	} else {
		size_t hh;

		hl_analyze_live(&dropped, m->act.v, m->act.n, settled, &v, &hh);
	}
	m->carry_gaps += v.gaps;
	m->carry_incons += v.inconsistent;
	hl_verdict_free(&v);
	if (h < n && ev[h - 1].hdr.boot == boot && ev[h].hdr.seq > ev[h - 1].hdr.seq + 1)
		m->carry_gaps += ev[h].hdr.seq - ev[h - 1].hdr.seq - 1;

	nv = malloc((k + n - h) * sizeof(*nv));
	if (!nv) {
		hl_state_free(&anc);
		goto out;
	}
	for (size_t i = 0; i < anc.stes.n; i++, j++) {
		struct hl_record *r = &nv[j];

		anchor_rec(r, HL_K_STE, boot, s0 - k + j, h < n ? ev[h].hdr.ktime_ns : m->last_ktime);
		r->ste.smmu = anc.stes.v[i].smmu;
		r->ste.sid = anc.stes.v[i].sid;
		memcpy(r->ste.after, anc.stes.v[i].q, sizeof(r->ste.after));
	}
	for (size_t i = 0; i < anc.cds.n; i++, j++) {
		struct hl_record *r = &nv[j];

		anchor_rec(r, HL_K_CD, boot, s0 - k + j, h < n ? ev[h].hdr.ktime_ns : m->last_ktime);
		r->cd.smmu = anc.cds.v[i].smmu;
		r->cd.sid = anc.cds.v[i].sid;
		r->cd.ssid = anc.cds.v[i].ssid;
		memcpy(r->cd.after, anc.cds.v[i].q, sizeof(r->cd.after));
	}
	memcpy(nv + k, ev + h, (n - h) * sizeof(*nv));
	hl_state_free(&anc);
	m->dropped += h;
	m->anchors++;
	free(m->st.events.v);
	m->st.events.v = nv;
	m->st.events.n = m->st.events.cap = k + n - h;

	/* findings whose first record is gone cannot be found again */
	for (size_t i = 0, w = 0, len = m->seen.n; i < len; i++) {
		const struct hl_mon_key *key = &m->seen.v[i];

		if (key->first.boot == boot && key->first.seq < s0 - k)
			m->seen.n--;
		else
			m->seen.v[w++] = *key;
	}
out:
	free(ev);
}

size_t hl_mon_judge(struct hl_mon *m, u64 now, hl_mon_report cb, void *arg)
{
	struct hl_verdict v;
	size_t h, n;
	u64 settled = now > m->settle_ns ? now - m->settle_ns : 0;

	act_list(m);
	hl_analyze_live(&m->st, m->act.v, m->act.n, settled, &v, &h);
	n = report_all(m, &v, cb, arg);
	m->gaps = m->carry_gaps + v.gaps;
	m->inconsistent = m->carry_incons + v.inconsistent;
	hl_verdict_free(&v);
	if (m->st.events.n > m->window) {
		size_t total = m->st.events.n;

		if (total > hard_limit(m) && total - m->window > h)
			reanchor(m, total - m->window, true, settled, cb, arg);
		else
			reanchor(m, h, false, settled, cb, arg);
	}
	return n;
}

int hl_mon_final(struct hl_mon *m, hl_mon_report cb, void *arg)
{
	struct hl_verdict v;

	act_list(m);
	hl_analyze(&m->st, NULL, m->act.v, m->act.n, &v);
	report_all(m, &v, cb, arg);
	m->gaps = m->carry_gaps + v.gaps;
	m->inconsistent = m->carry_incons + v.inconsistent;
	hl_verdict_free(&v);
	if (!hl_mon_complete(m))
		return 2;
	return m->nerrors + m->nwarnings ? 1 : 0;
}

u64 hl_mon_lost(const struct hl_mon *m)
{
	u64 n = 0, rb = 0;

	for (size_t i = 0; i < m->st.losses.n; i++) {
		if (m->st.losses.v[i].where == HL_LOST_RINGBUF)
			rb += m->st.losses.v[i].count;
		else
			n += m->st.losses.v[i].count;
	}
	return n + (rb > m->ringbuf_dropped ? rb : m->ringbuf_dropped);
}

bool hl_mon_complete(const struct hl_mon *m)
{
	return !hl_mon_lost(m) && !m->gaps && !m->inconsistent;
}

void hl_mon_sid_times(const struct hl_mon *m, const struct hl_mon_sid *s, u64 now,
		      u64 *valid_ns, u64 *dark_ns)
{
	double va, dk;

	(void)m;
	hl_dark_at(&s->dark, now, true, &va, &dk, NULL);
	*valid_ns = llround(va);
	*dark_ns = llround(dk);
}

/* One sample per protected StreamID: its SMMU, StreamID and device labels. */
static void mw_sid(struct hl_mw *w, const struct hl_mon_sid *s, double v)
{
	hl_mw_sid_sample(w, v, s->label_smmu, s->sid, s->dev);
}

/* One sample per protected StreamID: its valid time, or its dark time. */
static void mw_sid_seconds(struct hl_mw *w, const struct hl_mon *m, u64 now_ktime, const char *name,
			   bool dark)
{
	hl_mw_family(w, name);
	for (size_t i = 0; i < m->sids.n; i++) {
		u64 va, dk;

		hl_mon_sid_times(m, &m->sids.v[i], now_ktime, &va, &dk);
		mw_sid(w, &m->sids.v[i], (dark ? dk : va) / 1e9);
	}
}

void hl_mon_metrics(const struct hl_mon *m, FILE *out, enum hl_mfmt fmt, u64 now_ktime, u64 now_real,
		    u64 ringbuf_used, u64 ringbuf_size)
{
	int e = !hl_mon_complete(m) ? 2 : m->nerrors + m->nwarnings ? 1 : 0;
	struct hl_mw w;

	hl_mw_init(&w, out, fmt);
	hl_mw_family(&w, "hitless_verdict_exit_status");
	hl_mw_sample(&w, e, NULL);
	hl_mw_family(&w, "hitless_lost_records");
	hl_mw_sample(&w, hl_mon_lost(m), NULL);
	hl_mw_family(&w, "hitless_sequence_gaps");
	hl_mw_sample(&w, m->gaps, NULL);
	hl_mw_family(&w, "hitless_inconsistent_writes");
	hl_mw_sample(&w, m->inconsistent, NULL);
	hl_mw_family(&w, "hitless_findings");
	for (size_t i = 0; i < m->counts.n; i++)
		hl_mw_sample(&w, m->counts.v[i].n, "rule", m->counts.v[i].rule,
			     "severity", m->counts.v[i].sev == SEV_ERROR ? "error" : "warning", NULL);
	hl_mw_family(&w, "hitless_verdict_findings");
	hl_mw_sample(&w, m->nerrors, "severity", "error", NULL);
	hl_mw_sample(&w, m->nwarnings, "severity", "warning", NULL);
	mw_sid_seconds(&w, m, now_ktime, "hitless_protected_valid_seconds", false);
	mw_sid_seconds(&w, m, now_ktime, "hitless_device_dark_seconds", true);
	hl_mw_family(&w, "hitless_device_darkenings");
	for (size_t i = 0; i < m->sids.n; i++)
		mw_sid(&w, &m->sids.v[i], m->sids.v[i].dark.darkenings);
	hl_mw_family(&w, "hitless_monitor_records");
	hl_mw_sample(&w, m->records, NULL);
	hl_mw_family(&w, "hitless_monitor_window_records");
	hl_mw_sample(&w, m->st.events.n, NULL);
	hl_mw_family(&w, "hitless_monitor_reanchors");
	hl_mw_sample(&w, m->anchors, NULL);
	hl_mw_family(&w, "hitless_ringbuf_used_bytes");
	hl_mw_sample(&w, ringbuf_used, NULL);
	hl_mw_family(&w, "hitless_ringbuf_size_bytes");
	hl_mw_sample(&w, ringbuf_size, NULL);
	hl_mw_family(&w, "hitless_monitor_last_update_timestamp_seconds");
	hl_mw_sample(&w, now_real / 1e9, NULL);
	hl_mw_end(&w);
}

int hl_mon_metrics_write(const struct hl_mon *m, const char *path, enum hl_mfmt fmt, u64 now_ktime,
			 u64 now_real, u64 ringbuf_used, u64 ringbuf_size)
{
	char tmp[4096];
	FILE *f;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* 0644: counts and times only, read by an exporter running as another user */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = errno;
		close(fd);
		goto fail;
	}
	hl_mon_metrics(m, f, fmt, now_ktime, now_real, ringbuf_used, ringbuf_size);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		err = errno ? errno : EIO;
		fclose(f);
		goto fail;
	}
	if (fclose(f)) {
		err = errno;
		goto fail;
	}
	if (rename(tmp, path)) {
		err = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	errno = err;
	return -1;
}
