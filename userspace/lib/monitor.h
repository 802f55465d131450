/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The core of `hitless monitor`: records in, findings out as soon as no
 * later record can change them, in bounded memory (docs/output.md
 * "monitor").  No BPF here: capture.c feeds it from the ring buffer, the
 * unit tests from hand-built logs.
 */
#ifndef HL_MONITOR_H
#define HL_MONITOR_H

#include <stdio.h>
#include "dark.h"
#include "metrics.h"
#include "verdict.h"

struct hl_mon_key {		/* a finding already reported */
	const char *rule;
	u32 sid, ssid;
	u64 iova_lo, root;
	struct hl_recref first;
};

struct hl_mon_sid {		/* one protected StreamID's valid/dark time */
	u32 smmu, sid;
	struct hl_dark dark;	/* its translation record by record (dark.h), in ktime ns */
	/*
	 * Detached before the anchor (its iommufd detach re-anchored away):
	 * not protected until a driver attach names it again.
	 */
	bool detached;
	/*
	 * The metrics' labels: the SMMU (that of --protect, else the first
	 * valid STE's or a driver attach's) and the device the last driver
	 * attach named ("" until one does).
	 */
	u32 label_smmu;
	char dev[HL_NOTE_LEN];
};

struct hl_mon_count {
	const char *rule;
	enum hl_sev sev;
	u64 n;
};

struct hl_mon {
	/*
	 * The current state (STE, CD, translations, SMMUs, losses) and in
	 * st.events the window: every record since the anchor, the anchor's
	 * STEs and CDs first as walker records.
	 */
	struct hl_state st;
	const struct hl_protect_disk *prot;
	size_t nprot;
	size_t window;		/* re-anchor once the window holds more records */
	u64 settle_ns;		/* an entry update this long without a write is over */
	VEC(struct hl_mon_key) seen;
	VEC(struct hl_mon_count) counts;	/* findings reported, per rule and severity */
	VEC(struct hl_mon_sid) sids;	/* one per protect[] entry */
	VEC(struct hl_protect_disk) act;	/* the entries judged: those not detached */
	u64 records;		/* fed */
	u64 dropped;		/* records the re-anchors let go */
	u64 anchors;		/* re-anchors */
	u64 carry_gaps, carry_incons;	/* what the dropped records held */
	u64 gaps, inconsistent;	/* as of the last judgement, carries included */
	u64 nerrors, nwarnings;	/* findings reported */
	u64 last_ktime;		/* of the last record fed */
	/*
	 * Drops the producer counted in the ring buffer (hl_stats), some not
	 * yet reported by a LOST record: the larger of the two counts.
	 */
	u64 ringbuf_dropped;
};

/* Called for each new finding, once. */
typedef void (*hl_mon_report)(const struct hl_finding *f, void *arg);

void hl_mon_init(struct hl_mon *m, const struct hl_protect_disk *prot, size_t nprot,
		 size_t window);
void hl_mon_free(struct hl_mon *m);
void hl_mon_feed(struct hl_mon *m, const struct hl_record *r);
/*
 * Judge the window as the head of a log still being written: report each
 * finding no later record can change (an entry update is over when `now`,
 * ktime ns, is settle_ns past its last write), then re-anchor when the
 * window is over its size.  Returns the number of new findings.
 */
size_t hl_mon_judge(struct hl_mon *m, u64 now, hl_mon_report cb, void *arg);
#define HL_MON_SETTLE_NS	100000000ULL	/* 100 ms */
/*
 * The end of the run: judge the window as a whole log (updates still open
 * and invalidations still owed are findings now, as in `diff`), report what
 * is new.  Returns hl_verdict_exit()'s status over everything reported.
 */
int hl_mon_final(struct hl_mon *m, hl_mon_report cb, void *arg);
u64 hl_mon_lost(const struct hl_mon *m);
bool hl_mon_complete(const struct hl_mon *m);
/* A protected StreamID's valid and dark time up to `now` (ktime ns). */
void hl_mon_sid_times(const struct hl_mon *m, const struct hl_mon_sid *s, u64 now,
		      u64 *valid_ns, u64 *dark_ns);
/*
 * The metrics file's text (Prometheus text format or OpenMetrics, metrics.h):
 * the names of `diff -f prometheus` where they apply.  ringbuf_*: the BPF
 * ring buffer's use (0, 0: unknown).
 */
void hl_mon_metrics(const struct hl_mon *m, FILE *out, enum hl_mfmt fmt, u64 now_ktime, u64 now_real,
		    u64 ringbuf_used, u64 ringbuf_size);
/* Write the metrics to path atomically: a temporary file, then rename. 0, or -1 with errno. */
int hl_mon_metrics_write(const struct hl_mon *m, const char *path, enum hl_mfmt fmt, u64 now_ktime,
			 u64 now_real, u64 ringbuf_used, u64 ringbuf_size);

#endif
