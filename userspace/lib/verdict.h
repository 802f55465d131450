/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict rules of docs/rules.md, over the event log of one or two
 * snapshots.  Each rule has an id (docs/rules.md); each finding names the
 * StreamID/SSID/IOVA range and the records (boot, seq) that show it.
 */
#ifndef HL_VERDICT_H
#define HL_VERDICT_H

#include <stdbool.h>
#include "state.h"

#include "rules.h"

struct hl_recref { u64 boot, seq; };

#define HL_MAX_REFS 8
struct hl_finding {
	const char *rule;
	enum hl_sev sev;
	u32 smmu, sid, ssid;
	bool has_sid, has_ssid, has_iova;
	u64 iova_lo, iova_hi, root;
	/* a page-table finding: the StreamIDs whose STE (S2TTB) or CD (TTB0) used the table then */
	int nusers;
	struct { u32 smmu, sid; } users[8];
	char msg[320];
	int nrefs;
	struct hl_recref refs[HL_MAX_REFS];
};

enum hl_trans_kind { TR_NO_CHANGE, TR_HITLESS, TR_BREAKING, TR_INSTALL, TR_REMOVAL, TR_NONE };

struct hl_transition {
	bool is_cd, protected, torn;
	bool invalid_seen;	/* the SMMU could observe V=0 (KUnit: not hitless) */
	enum hl_trans_kind kind;
	u32 smmu, sid, ssid;
	int nwrites;
	struct hl_recref first, last;
};

struct hl_verdict {
	VEC(struct hl_finding) findings;
	VEC(struct hl_transition) transitions;
	u64 lost;		/* records known lost */
	u64 gaps;		/* sequence-number gaps */
	u64 inconsistent;	/* writes whose "before" is not the last "after" */
	u64 nevents;
	int nerrors, nwarnings;
	bool bbml2;
};

/* `after` may be NULL: judge one snapshot's log only (no cross-kexec rules). */
void hl_analyze(const struct hl_state *before, const struct hl_state *after,
		const struct hl_protect_disk *protect, size_t nprotect, struct hl_verdict *v);
/*
 * The log of `a` as the head of one still being written (hitless monitor):
 * only findings that no later record can change; open updates and owed
 * invalidations are left open, unless an update's last write is older than
 * `settled` (ktime ns): then it is over and judged.  *horizon: the
 * merged-log index of the first record still needed to judge what is open
 * (the number of records if none).
 */
void hl_analyze_live(const struct hl_state *a, const struct hl_protect_disk *protect,
		     size_t nprotect, u64 settled, struct hl_verdict *v, size_t *horizon);
/*
 * Is protect[k] protected at merged-log index `at` of a's log (docs/rules.md
 * "Protection"; live: as hl_analyze_live() sees the log)?
 */
bool hl_protected_at(const struct hl_state *a, const struct hl_protect_disk *protect,
		     size_t nprotect, size_t k, size_t at, bool live);
void hl_verdict_free(struct hl_verdict *v);
/*
 * The default protected set: append to prot every StreamID s's log saw a VMM
 * attach (iommufd or VFIO type1, the driver's attach records attributed as
 * the protection windows are) or a kernel restore (DEVICE_RESTORE).
 */
void hl_protect_default(const struct hl_state *s, struct hl_state *prot);
bool hl_verdict_complete(const struct hl_verdict *v);
/* 0 hitless, 1 findings, 2 incomplete */
int hl_verdict_exit(const struct hl_verdict *v);
json_object *hl_verdict_json(const struct hl_verdict *v);
/* One finding as hl_verdict_json() lists it. */
json_object *hl_finding_json(const struct hl_finding *f);
/*
 * A finding (hl_finding_json()'s object) as text, the one renderer: diff's
 * block (line = false), or the monitor's one line per finding.
 */
void hl_finding_text(FILE *out, json_object *f, bool line);
const char *hl_trans_name(enum hl_trans_kind k);


#endif
