// SPDX-License-Identifier: GPL-2.0
/*
 * timeline: the critical path of a live update, and the warm path beside it.
 *
 * Kernel clocks restart after kexec; CNTVCT keeps counting.  Each boot's
 * (ktime, CNTVCT) pairs (CLOCK section samples and every milestone, which
 * carries both) map that boot's ktime onto the counter, piecewise linearly
 * between samples, so a duration spanning the switch is a counter
 * difference, exact to the counter's resolution.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "complete.h"
#include "records.h"
#include "smmu.h"
#include "timeline.h"
#include "dark.h"

struct sample { u64 ktime, cnt; };

struct bootclk {
	u64 boot, cntfrq;
	VEC(struct sample) s;
};

static int smp_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	return x->ktime < y->ktime ? -1 : x->ktime > y->ktime;
}

struct tl {
	struct bootclk *clk;
	size_t nclk;
	u64 cntfrq;		/* Hz, one counter for the machine */
	bool correlated;	/* every boot has at least one sample */
	double origin;		/* counter value of t=0 */
	json_object *notes;
};

static struct bootclk *clk_of(struct tl *t, u64 boot)
{
	for (size_t i = 0; i < t->nclk; i++)
		if (t->clk[i].boot == boot)
			return &t->clk[i];
	t->clk = realloc(t->clk, (t->nclk + 1) * sizeof(*t->clk));
	if (!t->clk)
		abort();
	memset(&t->clk[t->nclk], 0, sizeof(*t->clk));
	t->clk[t->nclk].boot = boot;
	return &t->clk[t->nclk++];
}

static void add_sample(struct tl *t, u64 boot, u64 ktime, u64 cnt, u64 frq)
{
	struct bootclk *c = clk_of(t, boot);
	struct sample s = { ktime, cnt };

	if (frq && !c->cntfrq)
		c->cntfrq = frq;
	if (cnt)
		VEC_PUSH(c->s, s);
}

/* ktime of `boot` -> counter ticks */
static double to_cnt(struct tl *t, u64 boot, u64 ktime)
{
	struct bootclk *c = clk_of(t, boot);
	double f = t->cntfrq / 1e9;
	size_t i;

	if (!c->s.n)
		return ktime * f;	/* uncorrelated: flagged in notes */
	if (c->s.n == 1)
		return c->s.v[0].cnt + ((double)ktime - c->s.v[0].ktime) * f;
	for (i = 1; i + 1 < c->s.n && c->s.v[i].ktime < ktime; i++)
		;
	/* between (or beyond, extrapolating) samples i-1 and i */
	{
		const struct sample *p = &c->s.v[i - 1], *q = &c->s.v[i];
		double slope = q->ktime != p->ktime ?
			((double)q->cnt - p->cnt) / ((double)q->ktime - p->ktime) : f;

		return p->cnt + ((double)ktime - p->ktime) * slope;
	}
}

static double rec_cnt(struct tl *t, const struct hl_record *r)
{
	if (r->hdr.kind == HL_K_MILESTONE && r->ms.cntvct)
		return r->ms.cntvct;
	return to_cnt(t, r->hdr.boot, r->hdr.ktime_ns);
}

static double ns_of(struct tl *t, double cnt)
{
	return (cnt - t->origin) * 1e9 / t->cntfrq;
}

static json_object *point(struct tl *t, const char *step, const struct hl_record *r,
			  bool approx, const char *source)
{
	json_object *o = json_object_new_object();
	char b[20];

	jadd_s(o, "step", step);
	json_object_object_add(o, "t_ns", json_object_new_int64(llround(ns_of(t, rec_cnt(t, r)))));
	snprintf(b, sizeof(b), "%016llx", (unsigned long long)r->hdr.boot);
	jadd_s(o, "boot", b);
	jadd_u(o, "seq", r->hdr.seq);
	json_object_object_add(o, "approximate", json_object_new_boolean(approx));
	if (source)
		jadd_s(o, "source", source);
	return o;
}

static const struct hl_record *find_ms(const struct hl_record *ev, size_t lo, size_t hi,
				       unsigned id, bool last, long arg)
{
	const struct hl_record *f = NULL;

	for (size_t i = lo; i < hi; i++)
		if (ev[i].hdr.kind == HL_K_MILESTONE && ev[i].ms.id == id &&
		    (arg < 0 || ev[i].ms.arg == (u32)arg)) {
			f = &ev[i];
			if (!last)
				break;
		}
	return f;
}

/* The CMD_SYNC that makes write ev[w] visible: the first sync on its SMMU after it. */
static const struct hl_record *sync_after(const struct hl_record *ev, size_t w, size_t hi, u32 smmu)
{
	const struct hl_record *issue = NULL;

	for (size_t i = w + 1; i < hi; i++) {
		if (ev[i].hdr.kind != HL_K_CMD || ev[i].cmd.smmu != smmu ||
		    hl_cmd_op(ev[i].cmd.cmd) != CMDQ_OP_CMD_SYNC)
			continue;
		if (ev[i].cmd.flags & HL_CMD_F_SYNC_DONE)
			return &ev[i];
		if (!issue)
			issue = &ev[i];
		else
			break;	/* a second sync issued: the first must have completed */
	}
	return issue;
}

/*
 * An SMMU_CR0 write in ev[lo, hi) that turns SMMUEN off (on: on): the
 * first, or the last.  An old value never seen counts as the other state.
 */
static const struct hl_record *find_cr0(const struct hl_record *ev, size_t lo, size_t hi, bool on, bool last)
{
	const struct hl_record *f = NULL;

	for (size_t i = lo; i < hi; i++) {
		if (hl_smmuen_edge(&ev[i], !on) == (on ? 1 : -1)) {
			f = &ev[i];
			if (!last)
				break;
		}
	}
	return f;
}

/* json_object_array_sort() order: by t_ns */
static int by_time(const void *a, const void *b)
{
	long long x = json_object_get_int64(json_object_object_get(*(json_object *const *)a, "t_ns"));
	long long y = json_object_get_int64(json_object_object_get(*(json_object *const *)b, "t_ns"));

	return (x > y) - (x < y);
}

static void add_step(json_object *arr, json_object *p, double *prev_ns)
{
	long long t = json_object_get_int64(json_object_object_get(p, "t_ns"));

	if (*prev_ns >= 0)
		json_object_object_add(p, "since_previous_ns", json_object_new_int64(t - llround(*prev_ns)));
	*prev_ns = t;
	json_object_array_add(arr, p);
}

/* V=1 and not Config=abort: the device's DMA is translated (or bypasses) */
static bool ste_translates(const u64 *q)
{
	return ste_valid(q) && ste_cfg(q) != STRTAB_STE_0_CFG_ABORT;
}

json_object *hl_timeline_build(const struct hl_state *a, const struct hl_state *b,
			       const struct hl_protect_disk *protect, size_t nprotect)
{
	struct tl t = { .notes = json_object_new_array() };
	json_object *doc = json_object_new_object(), *crit = json_object_new_array();
	json_object *valid_pts = json_object_new_array();	/* the devices' "translation valid" steps */
	json_object *warm = json_object_new_array(), *pre = json_object_new_array();
	json_object *devs = json_object_new_array(), *boots = json_object_new_array();
	json_object *totals = json_object_new_object(), *ms = json_object_new_array();
	struct hl_record *ev;
	u64 *order;
	size_t n, nboots, old_lo = 0, old_hi = 0, new_lo = 0, new_hi = 0;
	const struct hl_state *st[2] = { a, b };
	struct hl_completeness done;
	double prev = -1;
	bool vmm_attach = false;
	const struct hl_record *old_last, *new_start, *p_start, *p_end, *resumed, *paused, *smmu_off, *smmu_on;
	double last_valid = -1;

	n = hl_merge_events(a, b, &ev, &order, &nboots);
	/* is the log complete (lib/complete.c: no rule needed) */
	hl_completeness_of(a, b, ev, n, &done);

	/* clocks: CLOCK sections, BOOTS' CNTFRQ, every milestone */
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; st[k] && i < st[k]->clocks.n; i++)
			add_sample(&t, st[k]->clocks.v[i].boot, st[k]->clocks.v[i].ktime,
				   st[k]->clocks.v[i].cntvct, 0);
		for (size_t i = 0; st[k] && i < st[k]->boots.n; i++)
			add_sample(&t, st[k]->boots.v[i].boot, 0, 0, st[k]->boots.v[i].cntfrq);
	}
	for (size_t i = 0; i < n; i++)
		if (ev[i].hdr.kind == HL_K_MILESTONE)
			add_sample(&t, ev[i].hdr.boot, ev[i].hdr.ktime_ns, ev[i].ms.cntvct, ev[i].ms.cntfrq);
	t.correlated = true;
	for (size_t i = 0; i < nboots; i++) {
		struct bootclk *c = clk_of(&t, order[i]);
		json_object *bo = json_object_new_object();
		char bb[20];

		/* de-duplicate identical samples, order by ktime */
		qsort(c->s.v, c->s.n, sizeof(*c->s.v), smp_cmp);
		if (c->cntfrq && !t.cntfrq)
			t.cntfrq = c->cntfrq;
		if (!c->s.n)
			t.correlated = false;
		snprintf(bb, sizeof(bb), "%016llx", (unsigned long long)order[i]);
		jadd_s(bo, "boot", bb);
		jadd_u(bo, "clock_samples", c->s.n);
		jadd_u(bo, "cntfrq", c->cntfrq);
		json_object_array_add(boots, bo);
	}
	if (!t.cntfrq) {
		t.cntfrq = 1000000000ULL;
		json_object_array_add(t.notes, json_object_new_string(
			"no CNTFRQ recorded: counter assumed to tick in ns"));
	}
	if (!t.correlated)
		json_object_array_add(t.notes, json_object_new_string(
			"a boot has no (ktime, CNTVCT) sample: its times are ktime, not comparable across kexec"));

	/* the kexec: the last boot and the one before it */
	if (nboots) {
		u64 nb = order[nboots - 1], ob = nboots > 1 ? order[nboots - 2] : 0;

		for (size_t i = 0; i < n; i++) {
			if (nboots > 1 && ev[i].hdr.boot == ob) {
				if (!old_hi)
					old_lo = i;
				old_hi = i + 1;
			}
			if (ev[i].hdr.boot == nb) {
				if (!new_hi)
					new_lo = i;
				new_hi = i + 1;
			}
		}
	}
	t.origin = n ? rec_cnt(&t, &ev[0]) : 0;
	for (size_t i = 0; i < n; i++)
		if (rec_cnt(&t, &ev[i]) < t.origin)
			t.origin = rec_cnt(&t, &ev[i]);

	/* before the kexec: what the old kernel did last */
	if (old_hi) {
		static const unsigned pre_ids[] = { HL_MS_VM_PAUSED, HL_MS_LUO_PREPARE, HL_MS_LUO_FREEZE, HL_MS_KHO_FINALIZE };

		for (size_t i = 0; i < sizeof(pre_ids) / sizeof(pre_ids[0]); i++) {
			const struct hl_record *r = find_ms(ev, old_lo, old_hi, pre_ids[i], true, -1);

			if (r)
				json_object_array_add(pre, point(&t, hl_milestone_name(pre_ids[i]), r, false, NULL));
		}
		json_object_array_sort(pre, by_time);	/* as they happened, not in list order */
	}

	/* the old kernel's shutdown disables the SMMU: from here no STE is used */
	smmu_off = old_hi ? find_cr0(ev, old_lo, old_hi, false, true) : NULL;
	if (smmu_off)
		add_step(crit, point(&t, "old kernel: SMMU disabled (CR0.SMMUEN=0)", smmu_off, false, "SMMU_CR0"), &prev);
	old_last = old_hi ? find_ms(ev, old_lo, old_hi, HL_MS_KEXEC_REBOOT, true, -1) : NULL;
	if (old_last)
		add_step(crit, point(&t, "old kernel: last instant (kexec reboot)", old_last, false, "KEXEC_REBOOT"), &prev);
	else if (old_hi)
		add_step(crit, point(&t, "old kernel: last instant (kexec reboot)", &ev[old_hi - 1], true,
				     "last record of the old boot"), &prev);
	new_start = new_hi ? find_ms(ev, new_lo, new_hi, HL_MS_KERNEL_START, false, -1) : NULL;
	if (new_start)
		add_step(crit, point(&t, "new kernel: start", new_start, false, "KERNEL_START"), &prev);
	else if (new_hi && old_hi)
		add_step(crit, point(&t, "new kernel: start", &ev[new_lo], true, "first record of the new boot"), &prev);
	p_start = new_hi ? find_ms(ev, new_lo, new_hi, HL_MS_SMMU_PROBE_START, false, -1) : NULL;
	p_end = new_hi ? find_ms(ev, new_lo, new_hi, HL_MS_SMMU_PROBE_END, true, -1) : NULL;
	if (p_start)
		add_step(crit, point(&t, "SMMU probe: start", p_start, false, "SMMU_PROBE_START"), &prev);
	/* the reset's end: SMMUEN set again, translating by the new stream table */
	smmu_on = new_hi ? find_cr0(ev, p_start ? (size_t)(p_start - ev) : new_lo, new_hi, true, false) : NULL;
	if (smmu_on && (!p_end || smmu_on < p_end))
		add_step(crit, point(&t, "SMMU reset: enabled (CR0.SMMUEN=1)", smmu_on, false, "SMMU_CR0"), &prev);
	if (p_end)
		add_step(crit, point(&t, "SMMU probe: end", p_end, false, "SMMU_PROBE_END"), &prev);

	/* does the log show a VMM taking a device (dark time counts from there, dark.h)? */
	for (size_t i = 0; i < n && !vmm_attach; i++)
		vmm_attach = ev[i].hdr.kind == HL_K_IOMMUFD && !ev[i].iommufd.result &&
			     (ev[i].iommufd.op == HL_IOMMUFD_HWPT_ATTACH || ev[i].iommufd.op == HL_IOMMUFD_HWPT_REPLACE);
	/* each protected StreamID: when is its translation valid in the new kernel? */
	for (size_t k = 0; k < nprotect; k++) {
		const struct hl_record *when = NULL, *restore, *lastw = NULL;
		const char *src = NULL;
		json_object *d = json_object_new_object(), *pt;
		double dark = 0;
		bool ever = false;
		size_t lw = 0;
		char dev[HL_NOTE_LEN] = "";
		u32 dev_smmu = protect[k].smmu;

		/* dark: the time it had no translation (dark.h, the monitor's definition too) */
		struct hl_dark dk;
		double part[HL_DARK_NCAUSE] = { 0 };
		json_object *parts = json_object_new_object();

		hl_dark_init(&dk, protect[k].smmu, protect[k].sid);
		/* a log that shows no VMM taking a device: the protected ones are the VMM's from its start */
		if (!vmm_attach)
			hl_dark_arm(&dk, n ? rec_cnt(&t, &ev[0]) : 0);
		for (size_t i = 0; i < n; i++) {
			const struct hl_record *r = &ev[i];

			hl_dark_feed(&dk, r, rec_cnt(&t, r));
			if (r->hdr.kind != HL_K_STE || r->ste.sid != protect[k].sid ||
			    (protect[k].smmu != HL_ANY_SMMU && r->ste.smmu != protect[k].smmu))
				continue;
			/* the walker's records are the state found, not writes */
			if (r->hdr.mode == HL_MODE_WALKER)
				continue;
			ever = true;
			/* the last write that made it translate (from invalid or abort) */
			if (i >= new_lo && new_hi && i < new_hi &&
			    !ste_translates(r->ste.before) && ste_translates(r->ste.after)) {
				lastw = r;
				lw = i;
			}
		}
		if (n)
			hl_dark_at(&dk, rec_cnt(&t, &ev[n - 1]), false, NULL, &dark, part);
		for (int c = 0; c < HL_DARK_NCAUSE; c++)
			json_object_object_add(parts, hl_dark_cause_name(c),
					       json_object_new_int64(llround(part[c] * 1e9 / t.cntfrq)));
		restore = new_hi ? find_ms(ev, new_lo, new_hi, HL_MS_DEVICE_RESTORE, true, protect[k].sid) : NULL;
		if (lastw) {
			when = sync_after(ev, lw, new_hi, lastw->ste.smmu);
			src = "CMD_SYNC after the last STE write";
			if (!when) {
				when = lastw;
				src = "last STE write (no CMD_SYNC recorded)";
			}
		}
		if (restore && (!when || rec_cnt(&t, restore) > rec_cnt(&t, when))) {
			when = restore;
			src = "DEVICE_RESTORE";
		}
		if (!when && p_end) {
			when = p_end;
			src = "STE preserved: valid once the SMMU probe ends";
		}
		jadd_u(d, "sid", protect[k].sid);
		/* the labels: the device the later capture's attach names, else the earlier's */
		for (int j = 1; j >= 0 && !dev[0]; j--)
			if (st[j])
				hl_sid_ident(st[j], protect[k].smmu, protect[k].sid, &dev_smmu, dev, sizeof(dev));
		if (dev_smmu != HL_ANY_SMMU)
			jadd_u(d, "smmu", dev_smmu);
		if (dev[0])
			jadd_s(d, "device", dev);
		json_object_object_add(d, "ste_writes_seen", json_object_new_boolean(ever));
		json_object_object_add(d, "dark_ns", json_object_new_int64(llround(dark * 1e9 / t.cntfrq)));
		json_object_object_add(d, "dark_parts_ns", parts);
		if (when) {
			char step[64];
			double tv = ns_of(&t, rec_cnt(&t, when));

			snprintf(step, sizeof(step), "StreamID %u: translation valid", protect[k].sid);
			pt = point(&t, step, when, false, src);
			json_object_object_add(d, "valid_t_ns", json_object_new_int64(llround(tv)));
			if (tv > last_valid)
				last_valid = tv;
			json_object_array_add(valid_pts, pt);
		}
		json_object_array_add(devs, d);
	}
	/* on the critical path in the order the devices came back, not the protected set's */
	json_object_array_sort(valid_pts, by_time);
	for (size_t i = 0; i < json_object_array_length(valid_pts); i++)
		add_step(crit, json_object_get(json_object_array_get_idx(valid_pts, i)), &prev);
	json_object_put(valid_pts);
	resumed = new_hi ? find_ms(ev, new_lo, new_hi, HL_MS_VM_RESUMED, false, -1) : NULL;
	if (resumed)
		add_step(crit, point(&t, "VM resumed", resumed, false, "VM_RESUMED"), &prev);

	/* warm path: iommufd objects re-created, LUO finish */
	if (new_hi) {
		static const unsigned ops[] = { HL_IOMMUFD_HWPT_ALLOC, HL_IOMMUFD_IOAS_MAP,
						HL_IOMMUFD_HWPT_ATTACH, HL_IOMMUFD_HWPT_REPLACE };
		const struct hl_record *fin = find_ms(ev, new_lo, new_hi, HL_MS_LUO_FINISH, true, -1);
		const struct hl_record *lastfd = NULL;
		double base = new_start ? rec_cnt(&t, new_start) : rec_cnt(&t, &ev[new_lo]);

		for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
			for (size_t i = new_lo; i < new_hi; i++)
				if (ev[i].hdr.kind == HL_K_IOMMUFD && ev[i].iommufd.op == ops[o]) {
					char step[64];
					json_object *p;

					snprintf(step, sizeof(step), "iommufd: first %s", hl_iommufd_name(ops[o]));
					p = point(&t, step, &ev[i], false, NULL);
					json_object_object_add(p, "since_kernel_start_ns", json_object_new_int64(
						llround((rec_cnt(&t, &ev[i]) - base) * 1e9 / t.cntfrq)));
					json_object_array_add(warm, p);
					break;
				}
		for (size_t i = new_lo; i < new_hi; i++)
			if (ev[i].hdr.kind == HL_K_IOMMUFD && (!fin || rec_cnt(&t, &ev[i]) <= rec_cnt(&t, fin)))
				lastfd = &ev[i];
		if (lastfd) {
			json_object *p = point(&t, "iommufd: re-created", lastfd, false, "last iommufd record before LUO finish");

			json_object_object_add(p, "since_kernel_start_ns", json_object_new_int64(
				llround((rec_cnt(&t, lastfd) - base) * 1e9 / t.cntfrq)));
			json_object_array_add(warm, p);
		}
		if (fin) {
			json_object *p = point(&t, "LUO finish", fin, false, "LUO_FINISH");

			json_object_object_add(p, "since_kernel_start_ns", json_object_new_int64(
				llround((rec_cnt(&t, fin) - base) * 1e9 / t.cntfrq)));
			json_object_array_add(warm, p);
		}
	}

	/* every milestone, for the trace view */
	for (size_t i = 0; i < n; i++)
		if (ev[i].hdr.kind == HL_K_MILESTONE)
			json_object_array_add(ms, point(&t, hl_milestone_name(ev[i].ms.id), &ev[i], false, NULL));

	paused = old_hi ? find_ms(ev, old_lo, old_hi, HL_MS_VM_PAUSED, true, -1) : NULL;
	if (!paused && new_hi)
		paused = find_ms(ev, 0, new_hi, HL_MS_VM_PAUSED, true, -1);
	{
		const struct hl_record *o0 = old_last ? old_last : (old_hi ? &ev[old_hi - 1] : NULL);

		if (o0 && resumed)
			json_object_object_add(totals, "kexec_to_vm_resumed_ns", json_object_new_int64(
				llround((rec_cnt(&t, resumed) - rec_cnt(&t, o0)) * 1e9 / t.cntfrq)));
		if (o0 && last_valid >= 0)
			json_object_object_add(totals, "kexec_to_last_translation_valid_ns", json_object_new_int64(
				llround(last_valid - ns_of(&t, rec_cnt(&t, o0)))));
		if (paused && resumed)
			json_object_object_add(totals, "vm_paused_to_resumed_ns", json_object_new_int64(
				llround((rec_cnt(&t, resumed) - rec_cnt(&t, paused)) * 1e9 / t.cntfrq)));
	}

	json_object_object_add(doc, "complete", json_object_new_boolean(hl_complete(&done)));
	jadd_u(doc, "lost_records", done.lost);
	jadd_u(doc, "sequence_gaps", done.gaps);
	jadd_u(doc, "cntfrq", t.cntfrq);
	json_object_object_add(doc, "clock_correlated", json_object_new_boolean(t.correlated));
	json_object_object_add(doc, "boots", boots);
	json_object_object_add(doc, "before_kexec", pre);
	json_object_object_add(doc, "critical_path", crit);
	json_object_object_add(doc, "devices", devs);
	json_object_object_add(doc, "warm_path", warm);
	json_object_object_add(doc, "totals", totals);
	json_object_object_add(doc, "milestones", ms);
	json_object_object_add(doc, "notes", t.notes);

	for (size_t i = 0; i < t.nclk; i++)
		VEC_FREE(t.clk[i].s);
	free(t.clk);
	free(ev);
	free(order);
	return doc;
}

/* ---- renderers -------------------------------------------------------- */

void hl_fmt_dur(char *b, size_t n, long long ns)
{
	if (llabs(ns) >= 1000000000LL)
		snprintf(b, n, "%.3f s", ns / 1e9);
	else if (llabs(ns) >= 1000000LL)
		snprintf(b, n, "%.3f ms", ns / 1e6);
	else if (llabs(ns) >= 1000LL)
		snprintf(b, n, "%.3f us", ns / 1e3);
	else
		snprintf(b, n, "%lld ns", ns);
}

static void text_steps(FILE *out, json_object *arr, const char *rel)
{
	size_t n = json_object_array_length(arr);

	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(arr, i), *d;
		char t[32], dd[32] = "";

		hl_fmt_dur(t, sizeof(t), json_object_get_int64(json_object_object_get(p, "t_ns")));
		if (rel && json_object_object_get_ex(p, rel, &d)) {
			dd[0] = '+';
			hl_fmt_dur(dd + 1, sizeof(dd) - 1, json_object_get_int64(d));
		}
		fprintf(out, "  %-48s %12s%s%s%s\n", jget_s(p, "step"), t, dd[0] ? "  " : "", dd,
			json_object_get_boolean(json_object_object_get(p, "approximate")) ? "  (approximate)" : "");
	}
}

static const char *total_label(const char *k)
{
	if (!strcmp(k, "kexec_to_vm_resumed_ns"))
		return "old kernel's last instant -> VM resumed";
	if (!strcmp(k, "kexec_to_last_translation_valid_ns"))
		return "old kernel's last instant -> last device valid";
	if (!strcmp(k, "vm_paused_to_resumed_ns"))
		return "VM paused -> VM resumed (downtime)";
	return k;
}

static void timeline_text(json_object *doc, FILE *out)
{
	json_object *o;
	char b[32];

	if (!json_object_get_boolean(json_object_object_get(doc, "complete")))
		fprintf(out, "INCOMPLETE: %llu records lost, %llu sequence gaps: steps may be missing\n",
			jget_u(doc, "lost_records"), jget_u(doc, "sequence_gaps"));
	fprintf(out, "live update across %zu boots, on the CNTVCT timeline (%llu Hz)%s\n",
		json_object_array_length(json_object_object_get(doc, "boots")), jget_u(doc, "cntfrq"),
		json_object_get_boolean(json_object_object_get(doc, "clock_correlated")) ? "" :
		"; NOT correlated: cross-kexec durations are not exact");
	o = json_object_object_get(doc, "totals");
	json_object_object_foreach(o, k, v) {
		hl_fmt_dur(b, sizeof(b), json_object_get_int64(v));
		fprintf(out, "  %-48s %12s\n", total_label(k), b);
	}
	if (json_object_array_length(json_object_object_get(doc, "before_kexec"))) {
		fprintf(out, "\nbefore kexec%*s\n", 51, "at");
		text_steps(out, json_object_object_get(doc, "before_kexec"), NULL);
	}
	fprintf(out, "\ncritical path%*s\n", 56, "at  step");
	text_steps(out, json_object_object_get(doc, "critical_path"), "since_previous_ns");
	o = json_object_object_get(doc, "devices");
	if (json_object_array_length(o)) {
		fprintf(out, "\nprotected devices\n");
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *d = json_object_array_get_idx(o, i);
			char v[32];

			json_object *parts = json_object_object_get(d, "dark_parts_ns");
			int np = 0;

			hl_fmt_dur(b, sizeof(b), json_object_get_int64(json_object_object_get(d, "dark_ns")));
			if (json_object_object_get_ex(d, "valid_t_ns", NULL)) {
				hl_fmt_dur(v, sizeof(v), json_object_get_int64(json_object_object_get(d, "valid_t_ns")));
				fprintf(out, "  StreamID %-6llu translation valid at %s; no translation for %s",
					jget_u(d, "sid"), v, b);
			} else {
				fprintf(out, "  StreamID %-6llu never valid in the new kernel; no translation for %s",
					jget_u(d, "sid"), b);
			}
			/* its parts (dark.h): SMMU off, STE invalid, abort or bypass, CD invalid */
			json_object_object_foreach(parts, cause, ns) {
				if (!json_object_get_int64(ns))
					continue;
				char name[32];

				snprintf(name, sizeof(name), "%s", cause);
				for (char *c = name; *c; c++)
					*c = *c == '_' ? ' ' : *c;
				hl_fmt_dur(v, sizeof(v), json_object_get_int64(ns));
				fprintf(out, "%s%s %s", np++ ? ", " : " (", name, v);
			}
			fprintf(out, "%s\n", np ? ")" : "");
		}
	}
	fprintf(out, "\nwarm path%*s\n", 74, "at  since kernel start");
	text_steps(out, json_object_object_get(doc, "warm_path"), "since_kernel_start_ns");
	o = json_object_object_get(doc, "notes");
	for (size_t i = 0; i < json_object_array_length(o); i++)
		fprintf(out, "note: %s\n", json_object_get_string(json_object_array_get_idx(o, i)));
}

static void timeline_metrics(json_object *doc, FILE *out)
{
	json_object *o;
	struct hl_mw w;

	hl_mw_init(&w, out, env.format == FMT_OPENMETRICS ? HL_MF_OPENMETRICS : HL_MF_PROMETHEUS);
	hl_mw_family(&w, "hitless_timeline_complete");
	hl_mw_sample(&w, json_object_get_boolean(json_object_object_get(doc, "complete")), NULL);
	hl_mw_family(&w, "hitless_critical_path_step_seconds");
	o = json_object_object_get(doc, "critical_path");
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *p = json_object_array_get_idx(o, i), *d;

		if (json_object_object_get_ex(p, "since_previous_ns", &d))
			hl_mw_sample(&w, json_object_get_int64(d) / 1e9, "step", jget_s(p, "step"), NULL);
	}
	hl_mw_family(&w, "hitless_device_dark_seconds");
	o = json_object_object_get(doc, "devices");
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		json_object *d = json_object_array_get_idx(o, i);

		hl_mw_sid_sample(&w, json_object_get_int64(json_object_object_get(d, "dark_ns")) / 1e9,
				 json_object_object_get_ex(d, "smmu", NULL) ? jget_u(d, "smmu") : HL_ANY_SMMU,
				 jget_u(d, "sid"), jopt_s(d, "device"));
	}
	hl_mw_family(&w, "hitless_live_update_seconds");
	o = json_object_object_get(doc, "totals");
	json_object_object_foreach(o, k, v) {
		char name[64];

		snprintf(name, sizeof(name), "%s", k);
		if (strlen(name) > 3 && !strcmp(name + strlen(name) - 3, "_ns"))
			name[strlen(name) - 3] = 0;
		hl_mw_sample(&w, json_object_get_int64(v) / 1e9, "span", name, NULL);
	}
	hl_mw_end(&w);
}

/*
 * Chrome trace-event format (the JSON Perfetto and chrome://tracing open):
 * one process per boot, named; in each, tracks (threads) for the critical
 * path, the warm path, the milestones, the SMMU and each protected device.
 * A critical-path slice is named for what it spans ("A -> B", from the step
 * before to this one) and sits in the boot where it starts (the kexec's in
 * the old kernel's).
 */
enum { TR_CRIT = 1, TR_WARM, TR_MS, TR_SMMU, TR_DEV };

static json_object *ch_ev(const char *name, const char *ph, double ts_us, int pid, int tid)
{
	json_object *e = json_object_new_object();

	jadd_s(e, "name", name);
	jadd_s(e, "ph", ph);
	json_object_object_add(e, "ts", json_object_new_double(ts_us));
	json_object_object_add(e, "pid", json_object_new_int(pid));
	json_object_object_add(e, "tid", json_object_new_int(tid));
	return e;
}

static void ch_meta(json_object *arr, const char *what, int pid, int tid, const char *name)
{
	json_object *e = ch_ev(what, "M", 0, pid, tid), *a = json_object_new_object();

	jadd_s(a, "name", name);
	json_object_object_add(e, "args", a);
	json_object_array_add(arr, e);
}

/* The process (1, 2, ...) of a step's boot: its place in the document's boots. */
static int ch_pid(json_object *doc, json_object *p)
{
	json_object *boots = json_object_object_get(doc, "boots");
	const char *b = jget_s(p, "boot");

	for (size_t i = 0; b && i < json_object_array_length(boots); i++)
		if (!strcmp(jget_s(json_object_array_get_idx(boots, i), "boot"), b))
			return (int)i + 1;
	return 1;
}

static double ch_ts(json_object *p)
{
	return json_object_get_int64(json_object_object_get(p, "t_ns")) / 1e3;
}

static void ch_args(json_object *e, json_object *p)
{
	json_object *a;

	if (!json_object_object_get_ex(e, "args", &a)) {
		a = json_object_new_object();
		json_object_object_add(e, "args", a);
	}
	jadd_s(a, "boot", jget_s(p, "boot"));
	jadd_u(a, "seq", jget_u(p, "seq"));
	if (jopt_s(p, "source"))
		jadd_s(a, "source", jopt_s(p, "source"));
}

static void ch_instant(json_object *arr, json_object *doc, json_object *p, int tid, const char *cat)
{
	json_object *e = ch_ev(jget_s(p, "step"), "i", ch_ts(p), ch_pid(doc, p), tid);

	jadd_s(e, "s", "t");
	jadd_s(e, "cat", cat);
	ch_args(e, p);
	json_object_array_add(arr, e);
}

/* A slice from step a to step b, named for what it spans, in a's boot. */
static void ch_span(json_object *arr, json_object *doc, json_object *a, json_object *b, int tid,
		    const char *cat, const char *name)
{
	char n[256];
	json_object *e, *args = json_object_new_object();

	if (!name) {
		snprintf(n, sizeof(n), "%s -> %s", jget_s(a, "step"), jget_s(b, "step"));
		name = n;
	}
	e = ch_ev(name, "X", ch_ts(a), ch_pid(doc, a), tid);
	json_object_object_add(e, "dur", json_object_new_double(ch_ts(b) - ch_ts(a)));
	jadd_s(e, "cat", cat);
	jadd_s(args, "from", jget_s(a, "step"));
	jadd_s(args, "to", jget_s(b, "step"));
	jadd_s(args, "to_boot", jget_s(b, "boot"));
	jadd_u(args, "to_seq", jget_u(b, "seq"));
	json_object_object_add(e, "args", args);
	ch_args(e, a);
	json_object_array_add(arr, e);
}

static bool step_is(json_object *p, const char *source)
{
	const char *s = jopt_s(p, "source");

	return s && !strcmp(s, source);
}

static void timeline_chrome(json_object *doc, FILE *out)
{
	json_object *t = json_object_new_object(), *arr = json_object_new_array();
	json_object *boots = json_object_object_get(doc, "boots"), *cp = json_object_object_get(doc, "critical_path");
	json_object *devs = json_object_object_get(doc, "devices"), *o, *probe = NULL;
	size_t nb = json_object_array_length(boots), n = json_object_array_length(cp);

	for (size_t i = 0; i < nb; i++) {
		int pid = (int)i + 1;
		char name[128];

		snprintf(name, sizeof(name), "boot %d: %s%s", pid, jget_s(json_object_array_get_idx(boots, i), "boot"),
			 nb < 2 ? "" : !i ? " (old kernel)" : i == nb - 1 ? " (new kernel)" : "");
		ch_meta(arr, "process_name", pid, 0, name);
		ch_meta(arr, "thread_name", pid, TR_CRIT, "critical path");
		ch_meta(arr, "thread_name", pid, TR_WARM, "warm path");
		ch_meta(arr, "thread_name", pid, TR_MS, "milestones");
		ch_meta(arr, "thread_name", pid, TR_SMMU, "SMMU");
		for (size_t k = 0; k < json_object_array_length(devs); k++) {
			json_object *d = json_object_array_get_idx(devs, k);

			snprintf(name, sizeof(name), "StreamID %llu%s%s", jget_u(d, "sid"), jopt_s(d, "device") ? " " : "",
				 jopt_s(d, "device") ? jopt_s(d, "device") : "");
			ch_meta(arr, "thread_name", pid, TR_DEV + (int)k, name);
		}
	}
	/* the critical path: its first point, then a slice per step from the one before */
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(cp, i);

		if (!i)
			ch_instant(arr, doc, p, TR_CRIT, "critical");
		else
			ch_span(arr, doc, json_object_array_get_idx(cp, i - 1), p, TR_CRIT, "critical", NULL);
		/* the SMMU's own track: its probe as one slice, its enable/disable writes */
		if (step_is(p, "SMMU_PROBE_START"))
			probe = p;
		else if (step_is(p, "SMMU_PROBE_END") && probe)
			ch_span(arr, doc, probe, p, TR_SMMU, "smmu", "SMMU probe");
		else if (step_is(p, "SMMU_CR0"))
			ch_instant(arr, doc, p, TR_SMMU, "smmu");
		/* a device's track: when its translation is valid again */
		for (size_t k = 0; k < json_object_array_length(devs); k++) {
			char want[64];

			snprintf(want, sizeof(want), "StreamID %llu: translation valid",
				 jget_u(json_object_array_get_idx(devs, k), "sid"));
			if (!strcmp(jget_s(p, "step"), want))
				ch_instant(arr, doc, p, TR_DEV + (int)k, "device");
		}
	}
	o = json_object_object_get(doc, "warm_path");
	for (size_t i = 0; i < json_object_array_length(o); i++)
		ch_instant(arr, doc, json_object_array_get_idx(o, i), TR_WARM, "warm");
	o = json_object_object_get(doc, "milestones");
	for (size_t i = 0; i < json_object_array_length(o); i++)
		ch_instant(arr, doc, json_object_array_get_idx(o, i), TR_MS, "milestone");
	json_object_object_add(t, "traceEvents", arr);
	jadd_s(t, "displayTimeUnit", "ns");
	fprintf(out, "%s\n", json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(t);
}

const struct hl_render hl_timeline_render = {
	"timeline", timeline_text, timeline_metrics, timeline_chrome, NULL, NULL
};
