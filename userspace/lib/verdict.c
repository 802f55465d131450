// SPDX-License-Identifier: GPL-2.0
/*
 * Verdict rules (docs/rules.md).
 *
 * The log is replayed in order.  STE/CD writes are grouped into updates
 * (one arm_smmu_write_entry() call) and every state the SMMU could observe
 * is checked with the KUnit condition; every write opens an invalidation
 * obligation that a covering CFGI/TLBI/ATC_INV and then a CMD_SYNC close;
 * page-table writes are checked for break-before-make.  Cross-kexec
 * identity compares the two snapshots' states.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"
#include "complete.h"
#include "records.h"
#include "verdict.h"

const char *hl_trans_name(enum hl_trans_kind k)
{
	static const char *const n[] = { "no-change", "hitless", "breaking", "install", "removal", "none" };
	return n[k];
}

/* ---- findings --------------------------------------------------------- */

static struct hl_finding *vfinding(struct hl_verdict *v, const char *rule, enum hl_sev sev,
				   const char *fmt, va_list ap)
{
	struct hl_finding f = { .rule = rule, .sev = sev };

	vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	VEC_PUSH(v->findings, f);
	if (sev == SEV_ERROR)
		v->nerrors++;
	else
		v->nwarnings++;
	return &v->findings.v[v->findings.n - 1];
}

/* A finding of rule, at the severity of its row in hl_rules[] (rules.c). */
static struct hl_finding *finding(struct hl_verdict *v, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct hl_finding *finding(struct hl_verdict *v, const char *rule, const char *fmt, ...)
{
	const struct hl_rule *r = hl_rule(rule);
	struct hl_finding *f;
	va_list ap;

	if (!r)
		abort();	/* a rule the table does not list: a programming error */
	va_start(ap, fmt);
	f = vfinding(v, r->id, r->sev, fmt, ap);
	va_end(ap);
	return f;
}

/* The same at sev: the rule's downgrade (its row names when), decided by the check. */
static struct hl_finding *finding_sev(struct hl_verdict *v, const char *rule, enum hl_sev sev,
				      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct hl_finding *finding_sev(struct hl_verdict *v, const char *rule, enum hl_sev sev,
				      const char *fmt, ...)
{
	const struct hl_rule *r = hl_rule(rule);
	struct hl_finding *f;
	va_list ap;

	if (!r || (sev != r->sev && !r->downgrade))
		abort();	/* not in the table, or a severity the table does not allow */
	va_start(ap, fmt);
	f = vfinding(v, r->id, sev, fmt, ap);
	va_end(ap);
	return f;
}

static void ref(struct hl_finding *f, u64 boot, u64 seq)
{
	for (int i = 0; i < f->nrefs; i++)
		if (f->refs[i].boot == boot && f->refs[i].seq == seq)
			return;
	if (f->nrefs < HL_MAX_REFS)
		f->refs[f->nrefs++] = (struct hl_recref){ boot, seq };
}

static void at_sid(struct hl_finding *f, u32 smmu, u32 sid)
{
	f->smmu = smmu;
	f->sid = sid;
	f->has_sid = true;
}

/* ---- replay context --------------------------------------------------- */

struct wr {			/* one STE/CD write inside an update */
	u64 seq;
	u64 before[8], after[8];
};

struct upd {			/* one arm_smmu_write_entry() call, being collected */
	bool is_cd, open;
	u32 smmu, sid, ssid, id;
	size_t at;		/* merged-log index of its first write */
	bool cd_unused;		/* a CD update while the StreamID's STE uses no CD */
	u64 boot;
	u64 t;			/* ktime of its last write */
	int phase;		/* last step seen */
	VEC(struct wr) w;
};

enum ob_kind { OB_STE, OB_CD, OB_TLB, OB_ATC };
enum ob_state { OB_WAIT, OB_COVERED };

struct ob {			/* an invalidation the SMMU still owes */
	enum ob_kind kind;
	enum ob_state st;
	u32 smmu, sid, ssid;
	u64 boot, seq, cover_seq;
	u32 cover_smmu;
	/* TLB/ATC */
	u64 root, lo, hi, cov;	/* covered [lo, cov) so far */
	unsigned stage, granule;	/* granule: log2, for VA TLBIs over a table's span */
	int nasid, nvmid;
	u16 asid[4], vmid[4];
	bool holed;		/* records were lost while it was open: not judged */
	size_t at;		/* merged-log index of the write that opened it */
	/* what the old descriptor mapped (BBM checks) */
	bool old_leaf;
	u64 old_oa, old_attrs, old_size;
	bool done;
};

/*
 * The open obligations by what can close them, so that a TLBI, an ATC_INV
 * or a CMD_SYNC looks at the ones it may concern, not at every one open
 * (a fragmented unmap leaves one per page before its TLBIs and its
 * CMD_SYNC: pages x TLBIs).  Built again whenever obs is compacted; its
 * entries are indexes in obs, dropped when found no longer waiting.
 *
 * A TLB or ATC obligation waiting for its invalidation is in a hash, keyed
 * by (space, tag, size class, IOVA): the space is stage-1 TLB, stage-2 TLB
 * or ATC; the tag the ASID (stage 1) or VMID (stage 2) it was opened with,
 * each of them, or OB_TAG_WILD when the state knew none (any TLBI's tag
 * matches it), and OB_TAG_ANY for every obligation of the space; the size
 * class log2 of its span, which starts at a multiple of it, so that the
 * ones holding an address, or meeting a range, are a few keys, one per
 * class in use; OB_CLS_ALL (IOVA 0) lists every obligation of the tag.
 * An entry write's obligations (STE, CD) are in ent; the covered ones,
 * waiting for their SMMU's CMD_SYNC, in covered, per SMMU.
 */
#define OB_TAG_WILD	0x10000u
#define OB_TAG_ANY	0x10001u
#define OB_CLS_ALL	0xff
enum { OB_SP_TLB1, OB_SP_TLB2, OB_SP_ATC, OB_NSPACES };

struct ob_key {
	u64 iova;
	u32 tag;
	u8 space, cls;
};

/* 16 bytes: the hash of a large unmap is most of what the verdict touches */
struct ob_slot {
	u64 iova;
	u32 what;		/* OB_SLOT_USED | space << 25 | cls << 17 | tag; 0: never used */
	u32 head;		/* nodes index + 1; 0: no obligation (left) */
};
#define OB_SLOT_USED	0x80000000u

static u32 ob_what(const struct ob_key *k)
{
	return OB_SLOT_USED | (u32)k->space << 25 | (u32)k->cls << 17 | k->tag;
}

struct ob_node {
	u32 ob, next;		/* next: nodes index + 1; 0 ends the chain */
};

typedef VEC(u32) VEC_U32;

struct ob_tslot {
	u64 root, iova;
	u32 cls;		/* the size class + 1; 0: never used */
	u32 head;
};

struct ob_covered {
	u32 smmu;
	VEC_U32 ob;
};

struct ob_index {
	struct ob_slot *slot;
	size_t nslot, used;	/* nslot: a power of two */
	VEC(struct ob_node) nodes;
	u64 classes[OB_NSPACES];	/* bit c: an obligation of size 2^c indexed */
	size_t count[OB_NSPACES];	/* obligations indexed, per space */
	size_t nwild[OB_NSPACES];	/* of them under OB_TAG_WILD */
	VEC_U32 odd;		/* TLB/ATC obligations whose span is no power of two: looked at always */
	VEC_U32 ent;		/* STE and CD obligations waiting */
	VEC(struct ob_covered) covered;
	/*
	 * Every TLB obligation not done, waiting or covered, by (table, size
	 * class, IOVA): what a new entry of a table meets (pte_write()).
	 */
	struct ob_tslot *tslot;
	size_t ntslot, tused, tcount;
	VEC(struct ob_node) tnodes;
	u64 tclasses;
	VEC_U32 todd, cand;
};

struct pwin {			/* a protected StreamID is protected in [lo, hi) */
	size_t k;		/* index in the protect list */
	size_t lo, hi;		/* merged-log indexes */
};

struct ctx {
	struct hl_verdict *v;
	const struct hl_protect_disk *prot;
	size_t nprot;
	VEC(struct pwin) win;		/* when each protected StreamID is protected */
	size_t cur;			/* merged-log index of the record being judged */
	size_t pend;			/* live: first record of an attach not yet concluded */
	bool live;			/* the log is the head of one still being written */
	struct hl_state replay;		/* STE/CD as the log leaves them, for root users */
	VEC(struct upd) upds;
	VEC(struct ob) obs;
	struct ob_index ix;		/* where each open obligation is, by what closes it */
	size_t ob_ndone;		/* obligations in obs done, not yet dropped */
	u64 boot;
	bool last_boot;
	bool sync_done_seen;		/* this boot's log has CMD_SYNC completions */
	bool gbpa_abort;		/* last SMMU_GBPA.ABORT written */
	bool holed;			/* records were lost earlier in this boot */
	const char *xk_when;		/* which "after" cross_kexec() compares */
	u64 first_boot;			/* the merged log's first boot */
	/* per SMMU: SMMUEN as the log's CR0 writes last left it, and in which boot */
	u8 cr0[16];			/* 0 not seen, 1 enabled, 2 disabled */
	u64 cr0_boot[16];
};

/* Is StreamID sid protected at merged-log index `at` (docs/rules.md "Protection")? */
static bool is_prot_at(struct ctx *c, u32 smmu, u32 sid, size_t at)
{
	for (size_t i = 0; i < c->win.n; i++)
		if (hl_protected(&c->prot[c->win.v[i].k], 1, smmu, sid) &&
		    c->win.v[i].lo <= at && at < c->win.v[i].hi)
			return true;
	return false;
}

static bool is_prot(struct ctx *c, u32 smmu, u32 sid)
{
	return is_prot_at(c, smmu, sid, c->cur);
}

static bool attach_names(const struct hl_record *r, const struct hl_protect_disk *p)
{
	for (u32 i = 0; i < r->attach.nsids && i < HL_MAX_ATTACH_SIDS; i++)
		if (hl_protected(p, 1, r->attach.smmu, r->attach.sids[i]))
			return true;
	return false;
}

static bool is_hwpt_op(const struct hl_record *r)
{
	return r->hdr.kind == HL_K_IOMMUFD &&
	       (r->iommufd.op == HL_IOMMUFD_HWPT_ATTACH || r->iommufd.op == HL_IOMMUFD_HWPT_REPLACE ||
		r->iommufd.op == HL_IOMMUFD_HWPT_DETACH);
}

/*
 * When is each protected StreamID protected?  A VMM's device is protected
 * from its attach through iommufd until its detach: binding it to vfio-pci
 * before (the kernel's DMA domain goes, its CD is removed) and the detach's
 * own writes are the owner's doing, not a fault.  The driver's attach
 * records (arm_smmu_attach_*) that precede an iommufd HWPT attach, replace
 * or detach record (which the kernel emits once the operation is done) since
 * the previous one are that operation's (an attach to an IOAS allocates its
 * HWPT inside the operation: HWPT_ALLOC records come in between).  With no iommufd attach
 * of the StreamID in the log, or a replace or detach first, the VM was
 * already running when the capture began: protected from the start.  A
 * window, once open, spans the following boots (the device is preserved).
 */
static void prot_windows(struct ctx *c, const struct hl_record *ev, size_t n)
{
	for (size_t k = 0; k < c->nprot; k++) {
		const struct hl_protect_disk *p = &c->prot[k];
		size_t start = 0, pend = 0;
		bool have_pend = false, seen = false, on = false;

		for (size_t i = 0; i < n; i++) {
			const struct hl_record *r = &ev[i];
			unsigned op = r->iommufd.op;

			if (r->hdr.mode == HL_MODE_WALKER)
				continue;
			if (r->hdr.kind == HL_K_ATTACH && !have_pend && attach_names(r, p)) {
				have_pend = true;
				pend = i;
			}
			if (r->hdr.kind != HL_K_IOMMUFD)
				continue;
			if (op == HL_IOMMUFD_HWPT_DETACH && r->hdr.mode == HL_MODE_FENTRY) {
				/*
				 * fentry mode reports a detach as it begins
				 * (iommufd_device_detach() returns nothing):
				 * its driver records follow it.
				 */
				size_t j;

				have_pend = false;
				for (j = i + 1; j < n && !is_hwpt_op(&ev[j]); j++)
					if (ev[j].hdr.kind == HL_K_ATTACH && attach_names(&ev[j], p)) {
						have_pend = true;
						pend = i;
						break;
					}
				/* live: its driver records may be yet to come */
				if (c->live && j == n) {
					have_pend = true;
					pend = i;
				}
			}
			if (have_pend && !r->iommufd.result && is_hwpt_op(r)) {
				if (!seen && op != HL_IOMMUFD_HWPT_ATTACH)
					on = true;	/* attached before the log began */
				seen = true;
				if (op != HL_IOMMUFD_HWPT_DETACH && !on) {
					on = true;
					start = i;
				} else if (op == HL_IOMMUFD_HWPT_DETACH && on) {
					VEC_PUSH(c->win, ((struct pwin){ k, start, pend }));
					on = false;
				}
			}
			if (is_hwpt_op(r))
				have_pend = false;
		}
		if (!seen || on)
			VEC_PUSH(c->win, ((struct pwin){ k, start, n }));
		if (have_pend && pend < c->pend)
			c->pend = pend;
	}
}

/*
 * The default protected set (docs/rules.md "Protection"): every StreamID
 * that s's log saw a VMM take, by the same attribution as the windows above
 * (the driver's attach records since the previous HWPT operation belong to
 * the successful attach or replace that follows them, iommufd's or the VFIO
 * type1 container's), and every StreamID a kernel restored from a live
 * update (DEVICE_RESTORE).  Appended to prot, without duplicates.
 */
void hl_protect_default(const struct hl_state *s, struct hl_state *prot)
{
	size_t pend = 0;
	bool have_pend = false;

	for (size_t i = 0; i < s->events.n; i++) {
		const struct hl_record *r = &s->events.v[i];
		struct hl_protect_disk p = { 0 };

		if (r->hdr.mode == HL_MODE_WALKER)
			continue;
		if (r->hdr.kind == HL_K_MILESTONE && r->ms.id == HL_MS_DEVICE_RESTORE) {
			p.smmu = HL_ANY_SMMU;
			p.sid = r->ms.arg;
			if (!hl_protected(prot->protect.v, prot->protect.n, p.smmu, p.sid))
				VEC_PUSH(prot->protect, p);
			continue;
		}
		if (r->hdr.kind == HL_K_ATTACH && !have_pend) {
			have_pend = true;
			pend = i;
		}
		if (!is_hwpt_op(r))
			continue;
		if (have_pend && !r->iommufd.result && r->iommufd.op != HL_IOMMUFD_HWPT_DETACH)
			for (size_t j = pend; j < i; j++) {
				const struct hl_record *a = &s->events.v[j];

				if (a->hdr.kind != HL_K_ATTACH || a->hdr.mode == HL_MODE_WALKER)
					continue;
				for (u32 k = 0; k < a->attach.nsids && k < HL_MAX_ATTACH_SIDS; k++) {
					p.smmu = a->attach.smmu;
					p.sid = a->attach.sids[k];
					if (!hl_protected(prot->protect.v, prot->protect.n, p.smmu, p.sid))
						VEC_PUSH(prot->protect, p);
				}
			}
		have_pend = false;
	}
}

/* ---- STE / CD updates ------------------------------------------------- */

static void check_update(struct ctx *c, struct upd *u)
{
	enum hl_entry_type t = u->is_cd ? HL_ENTRY_CD : HL_ENTRY_STE;
	bool (*valid)(const u64 *) = u->is_cd ? cd_valid : ste_valid;
	const u64 *init = u->w.v[0].before, *target = u->w.v[u->w.n - 1].after;
	struct hl_transition tr = {
		.is_cd = u->is_cd, .smmu = u->smmu, .sid = u->sid, .ssid = u->ssid,
		.nwrites = u->w.n, .protected = is_prot_at(c, u->smmu, u->sid, u->at),
		.first = { u->boot, u->w.v[0].seq }, .last = { u->boot, u->w.v[u->w.n - 1].seq },
	};
	bool iv = valid(init), tv = valid(target), saw_invalid = false;
	/* a valid STE that stops translating (Config abort or bypass): DMA aborts or goes untranslated */
	bool untranslated = !u->is_cd && iv && tv && (ste_s1(init) || ste_s2(init)) &&
			    !ste_s1(target) && !ste_s2(target);
	u64 torn_seq = 0, inval_seq = 0;

	/*
	 * The SMMU reads an entry 64 bits at a time: every prefix of every
	 * write (qwords stored in index order, as entry_set() does) is a state
	 * it may observe.  The driver's sync after each write is where it is
	 * required to have observed it; checking each store is stricter.
	 */
	for (size_t i = 0; i < u->w.n; i++) {
		u64 seen[8];

		memcpy(seen, u->w.v[i].before, sizeof(seen));
		for (int q = 0; q < 8; q++) {
			if (seen[q] == u->w.v[i].after[q])
				continue;
			seen[q] = u->w.v[i].after[q];
			if (!valid(seen)) {
				if (!saw_invalid)
					inval_seq = u->w.v[i].seq;
				saw_invalid = true;
			} else if (!tr.torn && hl_entry_torn(t, seen, init, target)) {
				tr.torn = true;
				torn_seq = u->w.v[i].seq;
			}
		}
	}
	if (!iv && !tv)
		tr.kind = TR_NONE;
	else if (!iv)
		tr.kind = TR_INSTALL;
	else if (!tv)
		tr.kind = TR_REMOVAL;
	else if (saw_invalid)
		tr.kind = TR_BREAKING;
	else if (!memcmp(init, target, 64))
		tr.kind = TR_NO_CHANGE;
	else
		tr.kind = TR_HITLESS;
	tr.invalid_seen = saw_invalid;
	VEC_PUSH(c->v->transitions, tr);

	if (tr.torn) {
		char where[32] = "";
		struct hl_finding *f;

		if (u->is_cd)
			snprintf(where, sizeof(where), " SSID %u", u->ssid);
		f = finding(c->v, u->is_cd ? R_CD_TORN : R_STE_TORN,
			"%s of StreamID %u%s: the SMMU could observe an entry that is neither the old nor the new one in a used bit",
			u->is_cd ? "CD" : "STE", u->sid, where);
		at_sid(f, u->smmu, u->sid);
		f->ssid = u->ssid;
		f->has_ssid = u->is_cd;
		ref(f, u->boot, u->w.v[0].seq);
		ref(f, u->boot, torn_seq);
	}
	/*
	 * A CD the StreamID's STE does not use (Config not S1: abort, bypass,
	 * S2) is read by no SMMU: its removal or break loses nothing (the S1 to
	 * S2 replace removes the S1 CD after the STE moved on).
	 */
	if (tr.protected && (tr.kind == TR_BREAKING || tr.kind == TR_REMOVAL || untranslated) &&
	    !u->cd_unused) {
		bool brk = tr.kind == TR_BREAKING;
		struct hl_finding *f = finding(c->v,
			u->is_cd ? (brk ? R_CD_BREAK : R_CD_REMOVE) : (brk ? R_STE_BREAK : R_STE_REMOVE),
			brk ? "protected StreamID %u: %s went invalid (V=0) during the update: DMA faults until it is valid again"
				       : tr.kind == TR_REMOVAL ? "protected StreamID %u: %s made invalid: the device loses its translation"
				       : "protected StreamID %u: %s set to abort or bypass: the device loses its translation",
			u->sid, u->is_cd ? "CD" : "STE");
		at_sid(f, u->smmu, u->sid);
		f->ssid = u->ssid;
		f->has_ssid = u->is_cd;
		ref(f, u->boot, u->w.v[0].seq);
		if (inval_seq)
			ref(f, u->boot, inval_seq);
		ref(f, u->boot, u->w.v[u->w.n - 1].seq);
	}
}

static void close_update(struct ctx *c, struct upd *u)
{
	if (u->open && u->w.n)
		check_update(c, u);
	u->open = false;
	u->w.n = 0;
}

static struct upd *find_upd(struct ctx *c, bool is_cd, u32 smmu, u32 sid, u32 ssid)
{
	struct upd n = { .is_cd = is_cd, .smmu = smmu, .sid = sid, .ssid = ssid };

	for (size_t i = 0; i < c->upds.n; i++) {
		struct upd *u = &c->upds.v[i];

		if (u->is_cd == is_cd && u->smmu == smmu && u->sid == sid && u->ssid == ssid)
			return u;
	}
	VEC_PUSH(c->upds, n);
	return &c->upds.v[c->upds.n - 1];
}

static bool step_starts(int step)
{
	return step == HL_STEP_UNUSED || step == HL_STEP_CRITICAL ||
	       step == HL_STEP_BREAK || step == HL_STEP_ONESHOT;
}

static bool step_ends(int step)
{
	return step == HL_STEP_FINAL || step == HL_STEP_SETV || step == HL_STEP_ONESHOT;
}

/*
 * Group writes into updates.  With an update id, by id; else by the step
 * grammar of arm_smmu_write_entry(): [UNUSED] CRITICAL [FINAL] |
 * BREAK [FILL] SETV | ONESHOT.  Without either, each write is an update.
 */
static void entry_write(struct ctx *c, const struct hl_record *r, bool is_cd)
{
	u32 smmu = is_cd ? r->cd.smmu : r->ste.smmu, sid = is_cd ? r->cd.sid : r->ste.sid;
	u32 ssid = is_cd ? r->cd.ssid : 0, id = is_cd ? r->cd.update : r->ste.update;
	int step = is_cd ? r->cd.step : r->ste.step;
	const __u64 *before = is_cd ? r->cd.before : r->ste.before;
	const __u64 *after = is_cd ? r->cd.after : r->ste.after;
	struct upd *u = find_upd(c, is_cd, smmu, sid, ssid);
	struct wr w = { .seq = r->hdr.seq };

	/* a write missing before this one is hl_completeness_of()'s (lib/complete.c) */
	if (u->open) {
		bool brk;

		if (id || u->id)
			brk = id != u->id;
		else if (step == HL_STEP_UNKNOWN)
			brk = true;
		else
			brk = step_starts(step) &&
			      !(u->phase == HL_STEP_UNUSED && step == HL_STEP_CRITICAL);
		if (brk)
			close_update(c, u);
	}
	if (!u->open) {
		u->open = true;
		u->boot = r->hdr.boot;
		u->id = id;
		u->at = c->cur;
		if (is_cd) {
			const struct hl_ste_disk *e = hl_state_ste(&c->replay, smmu, sid);

			u->cd_unused = e && !ste_s1(e->q);
		}
	}
	u->phase = step;
	u->t = r->hdr.ktime_ns;
	memcpy(w.before, before, 64);
	memcpy(w.after, after, 64);
	VEC_PUSH(u->w, w);
	if ((!id && step == HL_STEP_UNKNOWN) || (!id && step_ends(step)))
		close_update(c, u);

	if (is_cd)
		hl_state_set_cd(&c->replay, smmu, sid, ssid, after);
	else
		hl_state_set_ste(&c->replay, smmu, sid, after);
}

/*
 * A walker record is the entry as the walk found it, not a write: nothing
 * for the SMMU to observe, nothing to invalidate.  It is what the log's
 * state is from here on (the next write's "before" is checked against it),
 * so a walk after writes imported from the trace buffer (snapshot --trace)
 * does not read as a torn update.
 */
static void entry_seen(struct ctx *c, const struct hl_record *r, bool is_cd)
{
	u32 smmu = is_cd ? r->cd.smmu : r->ste.smmu, sid = is_cd ? r->cd.sid : r->ste.sid;
	u32 ssid = is_cd ? r->cd.ssid : 0;
	const __u64 *after = is_cd ? r->cd.after : r->ste.after;

	if (is_cd)
		hl_state_set_cd(&c->replay, smmu, sid, ssid, after);
	else
		hl_state_set_ste(&c->replay, smmu, sid, after);
}

/* ---- invalidation obligations ----------------------------------------- */

/* Which StreamIDs the log's state has using table `root` now: its finding's devices. */
static void tbl_users(struct ctx *c, struct hl_finding *f, u64 root)
{
	const struct hl_state *s = &c->replay;

	f->nusers = 0;
	for (size_t i = 0; i < s->stes.n && f->nusers < 8; i++)
		if (ste_s2(s->stes.v[i].q) && ste_s2ttb(s->stes.v[i].q) == root) {
			f->users[f->nusers].smmu = s->stes.v[i].smmu;
			f->users[f->nusers++].sid = s->stes.v[i].sid;
		}
	for (size_t i = 0; i < s->cds.n && f->nusers < 8; i++) {
		const struct hl_cd_disk *d = &s->cds.v[i];
		bool dup = false;

		if (!cd_valid(d->q) || (d->q[0] & CTXDESC_CD_0_TCR_EPD0) || cd_ttb0(d->q) != root)
			continue;
		for (int k = 0; k < f->nusers; k++)
			dup |= f->users[k].smmu == d->smmu && f->users[k].sid == d->sid;
		if (!dup) {
			f->users[f->nusers].smmu = d->smmu;
			f->users[f->nusers++].sid = d->sid;
		}
	}
}

/* " (VMID 1)", " (ASIDs 5, 6)": the tags a TLBI had to name, where the log's state knew them. */
static const char *ob_tags(const struct ob *o, char *buf, size_t size)
{
	const u16 *t = o->stage == 2 ? o->vmid : o->asid;
	int n = o->stage == 2 ? o->nvmid : o->nasid;
	size_t len;

	buf[0] = '\0';
	if (o->kind != OB_TLB || !n)
		return buf;
	len = snprintf(buf, size, " (%s%s", o->stage == 2 ? "VMID" : "ASID", n > 1 ? "s" : "");
	for (int i = 0; i < n && len < size; i++)
		len += snprintf(buf + len, size - len, "%s %u", i ? "," : "", t[i]);
	if (len < size)
		snprintf(buf + len, size - len, ")");
	return buf;
}

static void ob_done(struct ctx *c, struct ob *o)
{
	if (!o->done) {
		o->done = true;
		c->ob_ndone++;
	}
}

static void ob_fail(struct ctx *c, struct ob *o, u64 next_seq, bool at_end)
{
	static const char *const rule[] = { R_INV_STE, R_INV_CD, R_INV_TLB, R_INV_ATC };
	static const char *const need[] = {
		"CMD_CFGI_STE (or CMD_CFGI_STE_RANGE/CMD_CFGI_ALL)",
		"CMD_CFGI_CD (or CMD_CFGI_CD_ALL, CMD_CFGI_STE)",
		"a TLBI covering the range",
		"CMD_ATC_INV covering the range",
	};
	enum hl_sev sev;
	const char *when = at_end ? (c->last_boot ? " before the log ends" : " before the kernel went away")
				  : " before the entry was written again";
	char what[160], tags[64];
	struct hl_finding *f;

	/* the invalidation or the sync may be among the lost records */
	if (o->holed) {
		ob_done(c, o);
		return;
	}
	sev = at_end && c->last_boot ? SEV_WARNING : SEV_ERROR;
	if (o->st == OB_COVERED)
		snprintf(what, sizeof(what), "was invalidated but no CMD_SYNC completed");
	else
		snprintf(what, sizeof(what), "was not followed by %s and CMD_SYNC", need[o->kind]);
	if (o->kind == OB_STE || o->kind == OB_CD)
		f = finding_sev(c->v, rule[o->kind], sev, "StreamID %u: %s write %s%s",
			    o->sid, o->kind == OB_STE ? "STE" : "CD", what, when);
	else
		f = finding_sev(c->v, rule[o->kind], sev, "%sIOVA 0x%llx-0x%llx of %stable 0x%llx%s: %s change %s%s",
			    o->kind == OB_ATC ? "ATS: " : "",
			    (unsigned long long)o->lo, (unsigned long long)o->hi - 1,
			    o->stage == 2 ? "stage-2 " : "", (unsigned long long)o->root,
			    ob_tags(o, tags, sizeof(tags)), o->old_leaf ? "leaf" : "table", what,
			    at_end ? when : "");
	if (o->kind != OB_TLB)
		at_sid(f, o->smmu, o->sid);
	if (o->kind == OB_CD) {
		f->ssid = o->ssid;
		f->has_ssid = true;
	}
	if (o->kind == OB_TLB || o->kind == OB_ATC) {
		f->has_iova = true;
		f->iova_lo = o->lo;
		f->iova_hi = o->hi;
		f->root = o->root;
		tbl_users(c, f, o->root);
	}
	ref(f, o->boot, o->seq);
	if (o->cover_seq)
		ref(f, o->boot, o->cover_seq);
	if (next_seq)
		ref(f, o->boot, next_seq);
	ob_done(c, o);
}

/*
 * Records were lost here: what the open obligations wait for may be among
 * them, and the state later ones are opened against (which CDs use a table,
 * which entry was written last) may be stale.  INV-* judge an absence, which
 * a log with holes cannot show: not judged for the rest of this boot.
 */
static void ob_holed(struct ctx *c)
{
	for (size_t i = 0; i < c->obs.n; i++)
		c->obs.v[i].holed = true;
	c->holed = true;
}

/* ---- the open obligations' index (struct ob_index) ---- */

/* splitmix64's finalizer over the key: IOVAs are multiples of their class, their low bits all 0 */
static u64 ob_hash(const struct ob_key *k)
{
	u64 h = k->iova ^ ((u64)k->tag << 40 | (u64)k->space << 32 | (u64)k->cls << 24);

	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

/* the slot of key k: its own, or the empty one where it would go */
static struct ob_slot *ix_slot(struct ob_index *ix, const struct ob_key *k)
{
	size_t m = ix->nslot - 1, i = ob_hash(k) & m;
	u32 w = ob_what(k);

	while (ix->slot[i].what && (ix->slot[i].what != w || ix->slot[i].iova != k->iova))
		i = (i + 1) & m;
	return &ix->slot[i];
}

/* the same for a slot being moved into a larger table */
static struct ob_slot *ix_slot_of(struct ob_index *ix, const struct ob_slot *sl)
{
	struct ob_key k = { .iova = sl->iova, .tag = sl->what & 0x1ffff, .space = sl->what >> 25 & 3,
			    .cls = sl->what >> 17 & 0xff };

	return ix_slot(ix, &k);
}

static void ix_grow(struct ob_index *ix)
{
	struct ob_slot *old = ix->slot;
	size_t n = ix->nslot;

	ix->nslot = n ? n * 2 : 1024;
	ix->slot = calloc(ix->nslot, sizeof(*ix->slot));
	if (!ix->slot)
		abort();	/* out of memory: nothing sensible to report */
	for (size_t i = 0; i < n; i++)
		if (old[i].what)
			*ix_slot_of(ix, &old[i]) = old[i];
	free(old);
}

static void ix_add(struct ob_index *ix, struct ob_key k, u32 ob)
{
	struct ob_slot *sl;
	struct ob_node nd = { .ob = ob };

	if (2 * (ix->used + 1) > ix->nslot)
		ix_grow(ix);
	sl = ix_slot(ix, &k);
	if (!sl->what) {
		sl->iova = k.iova;
		sl->what = ob_what(&k);
		ix->used++;
	}
	nd.next = sl->head;
	VEC_PUSH(ix->nodes, nd);
	sl->head = ix->nodes.n;
}

/* ---- by table (struct ob_index tslot) ---- */

static struct ob_tslot *ix_tslot(struct ob_index *ix, u64 root, unsigned cls, u64 iova)
{
	struct ob_key k = { .iova = iova ^ root * 0x9e3779b97f4a7c15ULL, .cls = cls };
	size_t m = ix->ntslot - 1, i = ob_hash(&k) & m;

	while (ix->tslot[i].cls && (ix->tslot[i].cls != cls + 1 || ix->tslot[i].root != root ||
				    ix->tslot[i].iova != iova))
		i = (i + 1) & m;
	return &ix->tslot[i];
}

/* a TLB obligation, by its table */
static void ix_tadd(struct ctx *c, u32 k)
{
	struct ob_index *ix = &c->ix;
	const struct ob *o = &c->obs.v[k];
	u64 size = o->hi - o->lo;
	struct ob_node nd = { .ob = k };
	struct ob_tslot *sl;

	ix->tcount++;
	if (!size || (size & (size - 1)) || (o->lo & (size - 1))) {
		VEC_PUSH(ix->todd, k);
		return;
	}
	if (2 * (ix->tused + 1) > ix->ntslot) {
		struct ob_tslot *old = ix->tslot;
		size_t n = ix->ntslot;

		ix->ntslot = n ? n * 2 : 1024;
		ix->tslot = calloc(ix->ntslot, sizeof(*ix->tslot));
		if (!ix->tslot)
			abort();	/* out of memory: nothing sensible to report */
		for (size_t i = 0; i < n; i++)
			if (old[i].cls)
				*ix_tslot(ix, old[i].root, old[i].cls - 1, old[i].iova) = old[i];
		free(old);
	}
	sl = ix_tslot(ix, o->root, __builtin_ctzll(size), o->lo);
	if (!sl->cls) {
		sl->root = o->root;
		sl->iova = o->lo;
		sl->cls = __builtin_ctzll(size) + 1;
		ix->tused++;
	}
	ix->tclasses |= size;
	nd.next = sl->head;
	VEC_PUSH(ix->tnodes, nd);
	sl->head = ix->tnodes.n;
}

static int u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The TLB obligations not done that may meet [lo, hi) of table root, in
 * the order they were opened, into ix->cand; false when their keys would
 * be more than the obligations (then the caller goes through obs).
 */
static bool ix_table(struct ctx *c, u64 root, u64 lo, u64 hi)
{
	struct ob_index *ix = &c->ix;
	u64 steps = 0;
	size_t n = 0;

	ix->cand.n = 0;
	if (hi <= lo)
		return false;
	for (u64 m = ix->tclasses; m; m &= m - 1) {
		int cl = __builtin_ctzll(m);

		steps += ((hi - 1) >> cl) - (lo >> cl) + 1;
	}
	if (steps > ix->tcount + 64)
		return false;
	for (u64 m = ix->tclasses; m; m &= m - 1) {
		int cl = __builtin_ctzll(m);

		for (u64 x = lo >> cl; x <= (hi - 1) >> cl; x++) {
			struct ob_tslot *sl = ix_tslot(ix, root, cl, x << cl);

			for (u32 *link = &sl->head; *link;) {
				struct ob_node *nd = &ix->tnodes.v[*link - 1];

				if (c->obs.v[nd->ob].done) {
					*link = nd->next;
					continue;
				}
				VEC_PUSH(ix->cand, nd->ob);
				link = &nd->next;
			}
		}
	}
	for (size_t i = 0; i < ix->todd.n; i++)
		if (!c->obs.v[ix->todd.v[i]].done) {
			ix->todd.v[n++] = ix->todd.v[i];
			VEC_PUSH(ix->cand, ix->todd.v[i]);
		}
	ix->todd.n = n;
	if (ix->cand.n > 1)
		qsort(ix->cand.v, ix->cand.n, sizeof(u32), u32_cmp);
	return true;
}

static void ix_free(struct ob_index *ix)
{
	free(ix->tslot);
	VEC_FREE(ix->tnodes);
	VEC_FREE(ix->todd);
	VEC_FREE(ix->cand);
	free(ix->slot);
	VEC_FREE(ix->nodes);
	VEC_FREE(ix->odd);
	VEC_FREE(ix->ent);
	for (size_t i = 0; i < ix->covered.n; i++)
		VEC_FREE(ix->covered.v[i].ob);
	VEC_FREE(ix->covered);
	memset(ix, 0, sizeof(*ix));
}

static int ob_space(const struct ob *o)
{
	return o->kind == OB_ATC ? OB_SP_ATC : o->stage == 2 ? OB_SP_TLB2 : OB_SP_TLB1;
}

/* a waiting obligation, by what can cover it */
static void ix_wait(struct ctx *c, u32 k)
{
	struct ob_index *ix = &c->ix;
	const struct ob *o = &c->obs.v[k];
	u64 size = o->hi - o->lo;
	int sp, n = 0;
	u32 tags[5];

	if (o->kind == OB_STE || o->kind == OB_CD) {
		VEC_PUSH(ix->ent, k);
		return;
	}
	sp = ob_space(o);
	tags[n++] = OB_TAG_ANY;
	if (o->kind == OB_TLB) {
		const u16 *t = sp == OB_SP_TLB2 ? o->vmid : o->asid;
		int nt = sp == OB_SP_TLB2 ? o->nvmid : o->nasid;

		for (int i = 0; i < nt; i++)
			tags[n++] = t[i];
		if (!nt) {
			tags[n++] = OB_TAG_WILD;
			ix->nwild[sp]++;
		}
	}
	ix->count[sp]++;
	for (int i = 0; i < n; i++)
		ix_add(ix, (struct ob_key){ .tag = tags[i], .space = sp, .cls = OB_CLS_ALL }, k);
	if (!size || (size & (size - 1)) || (o->lo & (size - 1))) {
		VEC_PUSH(ix->odd, k);
		return;
	}
	ix->classes[sp] |= size;	/* bit log2(size) */
	for (int i = 0; i < n; i++)
		ix_add(ix, (struct ob_key){ .iova = o->lo, .tag = tags[i], .space = sp,
					    .cls = __builtin_ctzll(size) }, k);
}

/* a covered obligation, waiting for its SMMU's CMD_SYNC */
static void ix_covered(struct ctx *c, u32 k)
{
	struct ob_index *ix = &c->ix;
	u32 smmu = c->obs.v[k].cover_smmu;
	size_t i;

	for (i = 0; i < ix->covered.n && ix->covered.v[i].smmu != smmu; i++)
		;
	if (i == ix->covered.n) {
		struct ob_covered n = { .smmu = smmu };

		VEC_PUSH(ix->covered, n);
	}
	VEC_PUSH(ix->covered.v[i].ob, k);
}

/* obs and the index without the obligations done: in one pass, now and then */
static void ob_gc(struct ctx *c)
{
	size_t k = 0;

	for (size_t i = 0; i < c->obs.n; i++)
		if (!c->obs.v[i].done)
			c->obs.v[k++] = c->obs.v[i];
	c->obs.n = k;
	c->ob_ndone = 0;
	ix_free(&c->ix);
	for (size_t i = 0; i < k; i++) {
		if (c->obs.v[i].st == OB_WAIT)
			ix_wait(c, i);
		else
			ix_covered(c, i);
		if (c->obs.v[i].kind == OB_TLB)
			ix_tadd(c, i);
	}
}

/*
 * Once half of obs is done: each pass drops at least as many as it keeps,
 * and what pte_write() and ob_entry() still go through (the obligations of
 * a table, of an entry) never holds more done ones than open ones.
 */
static void ob_gc_maybe(struct ctx *c)
{
	if (c->ob_ndone && 2 * c->ob_ndone >= c->obs.n)
		ob_gc(c);
}

static void ob_open(struct ctx *c, struct ob o)
{
	o.boot = c->boot;
	o.at = c->cur;
	o.st = OB_WAIT;
	o.holed = c->holed;
	o.cov = o.lo;
	VEC_PUSH(c->obs, o);
	ix_wait(c, c->obs.n - 1);
	if (o.kind == OB_TLB)
		ix_tadd(c, c->obs.n - 1);
}

/* An entry write: the previous write to the same entry must be invalidated by now. */
static void ob_entry(struct ctx *c, enum ob_kind kind, u32 smmu, u32 sid, u32 ssid, u64 seq)
{
	for (size_t i = 0; i < c->obs.n; i++) {
		struct ob *o = &c->obs.v[i];

		if (!o->done && o->kind == kind && o->smmu == smmu && o->sid == sid && o->ssid == ssid)
			ob_fail(c, o, seq, false);
	}
	ob_open(c, (struct ob){ .kind = kind, .smmu = smmu, .sid = sid, .ssid = ssid, .seq = seq });
}

static bool has_tag(const u16 *v, int n, u16 t)
{
	for (int i = 0; i < n; i++)
		if (v[i] == t)
			return true;
	return false;
}

/* Advance coverage of [lo, hi) by the interval [a, b). */
static void cover(struct ob *o, u64 a, u64 b)
{
	if (a <= o->cov && b > o->cov)
		o->cov = b;
}

static bool ob_matches(struct ob *o, const struct hl_inv *inv, u32 smmu)
{
	switch (o->kind) {
	case OB_STE:
		return inv->kind == INV_STE && o->smmu == smmu &&
		       inv->sid_lo <= o->sid && o->sid <= inv->sid_hi;
	case OB_CD:
		/* CFGI_STE with Leaf=0 and CFGI_STE_RANGE also drop the StreamID's CDs */
		if (o->smmu != smmu || o->sid < inv->sid_lo || o->sid > inv->sid_hi)
			return false;
		return (inv->kind == INV_CD && (inv->all_ssid || inv->ssid == o->ssid)) ||
		       inv->kind == INV_STE;
	case OB_TLB:
		if (inv->kind != INV_TLB)
			return false;
		if (o->stage == 2 ? !inv->stage2 : !inv->stage1)
			return false;
		if (o->stage == 2 && o->nvmid && !inv->any_vmid && !has_tag(o->vmid, o->nvmid, inv->vmid))
			return false;
		if (o->stage != 2 && o->nasid && !inv->any_asid && !has_tag(o->asid, o->nasid, inv->asid))
			return false;
		if (inv->all_va) {
			o->cov = o->hi;
		} else if (inv->va_hi) {
			cover(o, inv->va_lo, inv->va_hi);
		} else if (inv->va_lo >= o->lo && inv->va_lo < o->hi) {
			/* a VA TLBI drops the TLB entry of the leaf holding it */
			if (o->old_leaf)
				o->cov = o->hi;
			else {
				u64 g = 1ULL << o->granule;

				cover(o, inv->va_lo & ~(g - 1), (inv->va_lo & ~(g - 1)) + g);
			}
		}
		return o->cov >= o->hi;
	case OB_ATC:
		if (inv->kind != INV_ATC || o->smmu != smmu || o->sid < inv->sid_lo || o->sid > inv->sid_hi)
			return false;
		if (!inv->all_ssid && inv->ssid != o->ssid)
			return false;
		if (inv->all_va)
			o->cov = o->hi;
		else
			cover(o, inv->va_lo, inv->va_hi);
		return o->cov >= o->hi;
	}
	return false;
}

/* Does the invalidation cover the waiting obligation k?  Then it waits for its SMMU's CMD_SYNC. */
static void ob_try(struct ctx *c, u32 k, const struct hl_inv *inv, const struct hl_record *r)
{
	struct ob *o = &c->obs.v[k];

	if (o->done || o->st == OB_COVERED)
		return;
	if (ob_matches(o, inv, r->cmd.smmu)) {
		o->st = OB_COVERED;
		o->cover_smmu = r->cmd.smmu;
		o->cover_seq = r->hdr.seq;
		ix_covered(c, k);
	}
}

static bool ob_waits(const struct ctx *c, u32 k)
{
	return !c->obs.v[k].done && c->obs.v[k].st == OB_WAIT;
}

/* The obligations under key k: each still waiting is tried, the others leave its chain. */
static void ix_visit(struct ctx *c, struct ob_key k, const struct hl_inv *inv, const struct hl_record *r)
{
	struct ob_index *ix = &c->ix;
	struct ob_slot *sl;
	u32 *link;

	if (!ix->nslot)
		return;
	sl = ix_slot(ix, &k);
	for (link = &sl->head; *link;) {
		struct ob_node *nd = &ix->nodes.v[*link - 1];

		if (ob_waits(c, nd->ob))
			ob_try(c, nd->ob, inv, r);
		if (ob_waits(c, nd->ob))
			link = &nd->next;
		else
			*link = nd->next;
	}
}

/* The same over a list of indexes, kept to those still waiting. */
static void ix_visit_list(struct ctx *c, VEC_U32 *l, const struct hl_inv *inv, const struct hl_record *r)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		u32 k = l->v[i];

		if (ob_waits(c, k))
			ob_try(c, k, inv, r);
		if (ob_waits(c, k))
			l->v[n++] = k;
	}
	l->n = n;
}

/*
 * A TLBI or ATC_INV against the waiting obligations of space sp it may
 * cover (ob_matches() decides): those of its tag and those opened without
 * one (any: every tag); of every address (all_va), or holding its address,
 * or meeting its range: per size class in use, the keys from the class's
 * multiple at or below the range's start to its end, or, when those are
 * more than the obligations, the tag's whole list.
 */
static void ix_query(struct ctx *c, int sp, bool any, u32 tag, const struct hl_inv *inv,
		     const struct hl_record *r)
{
	struct ob_index *ix = &c->ix;
	u32 tags[2] = { any ? OB_TAG_ANY : tag, OB_TAG_WILD };
	int nt = any || !ix->nwild[sp] ? 1 : 2;	/* no key to look up when none was opened without a tag */
	u64 a = inv->va_lo, b = inv->va_hi, steps = 0;

	if (!inv->all_va && inv->va_hi) {
		if (b <= a)
			return;	/* an empty range covers nothing (cover()) */
		for (u64 m = ix->classes[sp]; m; m &= m - 1) {
			int cl = __builtin_ctzll(m);

			steps += ((b - 1) >> cl) - (a >> cl) + 1;
		}
	}
	if (inv->all_va || steps > 2 * ix->count[sp] + 64) {
		for (int t = 0; t < nt; t++)
			ix_visit(c, (struct ob_key){ .tag = tags[t], .space = sp, .cls = OB_CLS_ALL }, inv, r);
		return;
	}
	for (u64 m = ix->classes[sp]; m; m &= m - 1) {
		int cl = __builtin_ctzll(m);
		u64 first = a >> cl, last = inv->va_hi ? (b - 1) >> cl : a >> cl;

		for (u64 x = first; x <= last; x++)
			for (int t = 0; t < nt; t++)
				ix_visit(c, (struct ob_key){ .iova = x << cl, .tag = tags[t], .space = sp, .cls = cl },
					 inv, r);
	}
}

static void command(struct ctx *c, const struct hl_record *r)
{
	const __u64 *cmd = r->cmd.cmd;
	struct hl_inv inv;

	hl_cmd_inv(cmd, &inv);
	if (inv.kind == INV_SYNC) {
		/* the completion is the sync point when the producer records it */
		bool done = r->cmd.flags & HL_CMD_F_SYNC_DONE;

		if (c->sync_done_seen ? !done : done)
			return;
		for (size_t i = 0; i < c->ix.covered.n; i++) {
			struct ob_covered *l = &c->ix.covered.v[i];

			if (l->smmu != r->cmd.smmu)
				continue;
			for (size_t j = 0; j < l->ob.n; j++) {
				struct ob *o = &c->obs.v[l->ob.v[j]];

				if (!o->done && o->st == OB_COVERED && o->cover_smmu == r->cmd.smmu)
					ob_done(c, o);
			}
			l->ob.n = 0;
		}
		ob_gc_maybe(c);
		return;
	}
	if (inv.kind == INV_NONE || (r->cmd.flags & HL_CMD_F_SYNC_DONE))
		return;
	switch (inv.kind) {
	case INV_STE:
	case INV_CD:
		ix_visit_list(c, &c->ix.ent, &inv, r);
		return;
	case INV_TLB:
		if (inv.stage1)
			ix_query(c, OB_SP_TLB1, inv.any_asid, inv.asid, &inv, r);
		if (inv.stage2)
			ix_query(c, OB_SP_TLB2, inv.any_vmid, inv.vmid, &inv, r);
		break;
	case INV_ATC:
		ix_query(c, OB_SP_ATC, true, 0, &inv, r);
		break;
	default:
		return;
	}
	ix_visit_list(c, &c->ix.odd, &inv, r);
}

/*
 * Who uses `root`: ASIDs (CD.TTB0), VMIDs (STE.S2TTB), and StreamIDs with
 * ATS.  Returns how many STEs and CDs point at it.
 */
static int root_users(struct ctx *c, u64 root, unsigned stage, struct ob *o,
		      u32 *ats_smmu, u32 *ats_sid, int *nats)
{
	const struct hl_state *s = &c->replay;
	int users = 0;

	*nats = 0;
	for (size_t i = 0; i < s->stes.n; i++) {
		const struct hl_ste_disk *e = &s->stes.v[i];

		if (stage == 2 && ste_s2(e->q) && ste_s2ttb(e->q) == root) {
			users++;
			if (o->nvmid < 4 && !has_tag(o->vmid, o->nvmid, ste_vmid(e->q)))
				o->vmid[o->nvmid++] = ste_vmid(e->q);
			if (ste_eats(e->q) && *nats < 8) {
				ats_smmu[*nats] = e->smmu;
				ats_sid[(*nats)++] = e->sid;
			}
		}
	}
	for (size_t i = 0; stage != 2 && i < s->cds.n; i++) {
		const struct hl_cd_disk *d = &s->cds.v[i];
		const struct hl_ste_disk *e;

		if (cd_ttb0(d->q) != root)
			continue;
		users++;
		if (o->nasid < 4 && !has_tag(o->asid, o->nasid, cd_asid(d->q)))
			o->asid[o->nasid++] = cd_asid(d->q);
		e = hl_state_ste(s, d->smmu, d->sid);
		if (e && ste_eats(e->q) && *nats < 8) {
			ats_smmu[*nats] = d->smmu;
			ats_sid[(*nats)++] = d->sid;
		}
	}
	return users;
}

/* Does the log's state know any valid STE (else who uses a table is unknown)? */
static bool state_known(const struct hl_state *s)
{
	for (size_t i = 0; i < s->stes.n; i++)
		if (ste_valid(s->stes.v[i].q))
			return true;
	return false;
}

/* ---- page tables ------------------------------------------------------ */

static void pte_write(struct ctx *c, const struct hl_record *r)
{
	const struct hl_pte_write *p = &r->pte;
	struct hl_pte op, np;
	enum hl_sev bbm_sev = c->v->bbml2 ? SEV_WARNING : SEV_ERROR;
	struct hl_finding *f;
	u64 lo, hi;

	if (hl_pte_parse(p->old_desc, p->level, p->granule, &op) ||
	    hl_pte_parse(p->new_desc, p->level, p->granule, &np))
		return;
	lo = p->iova & ~(np.size - 1);
	hi = lo + np.size;

	if (op.type != PTE_INVALID && np.type != PTE_INVALID) {
		bool ol = hl_pte_is_leaf(&op), nl = hl_pte_is_leaf(&np);

		if (ol != nl) {
			f = finding_sev(c->v, R_BBM_SIZE, bbm_sev,
				    "IOVA 0x%llx-0x%llx of table 0x%llx: a live %s replaced by a %s in one write (no invalid entry, TLBI, CMD_SYNC in between)%s",
				    (unsigned long long)lo, (unsigned long long)hi - 1, (unsigned long long)p->root,
				    ol ? "block" : "table", nl ? "block" : "table",
				    c->v->bbml2 ? "; the SMMU has BBML2" : "");
			f->has_iova = true, f->iova_lo = lo, f->iova_hi = hi, f->root = p->root;
			tbl_users(c, f, p->root);
			ref(f, r->hdr.boot, r->hdr.seq);
		} else if (ol && nl && (op.oa != np.oa ||
				       (op.attrs & ~LPAE_HW_MANAGED) != (np.attrs & ~LPAE_HW_MANAGED))) {
			f = finding(c->v, R_PTE_LIVE,
				    "IOVA 0x%llx-0x%llx of table 0x%llx: live leaf changed %s (0x%llx -> 0x%llx) without break-before-make",
				    (unsigned long long)lo, (unsigned long long)hi - 1, (unsigned long long)p->root,
				    op.oa != np.oa ? "output address" : "attributes",
				    (unsigned long long)p->old_desc, (unsigned long long)p->new_desc);
			f->has_iova = true, f->iova_lo = lo, f->iova_hi = hi, f->root = p->root;
			tbl_users(c, f, p->root);
			ref(f, r->hdr.boot, r->hdr.seq);
		}
	} else if (np.type != PTE_INVALID) {
		/* a new entry over a translation whose invalidation has not completed */
		bool by_table = ix_table(c, p->root, lo, hi);

		for (size_t i = 0; i < (by_table ? c->ix.cand.n : c->obs.n); i++) {
			struct ob *o = &c->obs.v[by_table ? c->ix.cand.v[i] : i];
			bool same;

			if (o->done || o->kind != OB_TLB || o->root != p->root || o->hi <= lo || o->lo >= hi)
				continue;
			same = o->old_leaf && hl_pte_is_leaf(&np) && o->old_size == np.size;
			if (!same) {
				f = finding_sev(c->v, R_BBM_SIZE, bbm_sev,
					    "IOVA 0x%llx-0x%llx of table 0x%llx: translation size changes (0x%llx -> 0x%llx) before the old one's TLBI and CMD_SYNC completed%s",
					    (unsigned long long)lo, (unsigned long long)hi - 1, (unsigned long long)p->root,
					    (unsigned long long)o->old_size, (unsigned long long)np.size,
					    c->v->bbml2 ? "; the SMMU has BBML2" : "");
			} else if (o->old_oa != np.oa ||
				   (o->old_attrs & ~LPAE_HW_MANAGED) != (np.attrs & ~LPAE_HW_MANAGED)) {
				f = finding(c->v, R_PTE_LIVE,
					    "IOVA 0x%llx-0x%llx of table 0x%llx: remapped to a different output address or attributes before the old leaf's TLBI and CMD_SYNC completed",
					    (unsigned long long)lo, (unsigned long long)hi - 1, (unsigned long long)p->root);
			} else {
				continue;
			}
			f->has_iova = true, f->iova_lo = lo, f->iova_hi = hi, f->root = p->root;
			tbl_users(c, f, p->root);
			ref(f, o->boot, o->seq);
			ref(f, r->hdr.boot, r->hdr.seq);
			break;
		}
	}

	/* a valid entry that changes (other than hardware-managed bits) must be invalidated */
	if (op.type != PTE_INVALID && op.type != PTE_RESERVED &&
	    (p->old_desc & ~LPAE_HW_MANAGED) != (p->new_desc & ~LPAE_HW_MANAGED)) {
		struct ob o = {
			.kind = OB_TLB, .root = p->root, .lo = p->iova & ~(op.size - 1),
			.stage = hl_state_pte_stage(&c->replay, p->root, p->stage),
			.granule = p->granule, .seq = r->hdr.seq,
			.old_leaf = hl_pte_is_leaf(&op),
			.old_oa = op.oa, .old_attrs = op.attrs, .old_size = op.size,
		};
		u32 ats_smmu[8], ats_sid[8];
		int nats;

		o.hi = o.lo + op.size;
		/*
		 * A table no STE or CD points to is walked by no SMMU: nothing
		 * to invalidate (a domain being torn down after its last device
		 * left; the driver invalidated its ASID/VMID then).
		 */
		if (!root_users(c, p->root, o.stage, &o, ats_smmu, ats_sid, &nats) &&
		    state_known(&c->replay))
			return;
		ob_open(c, o);
		for (int i = 0; i < nats; i++) {
			struct ob a = o;

			a.kind = OB_ATC;
			a.smmu = ats_smmu[i];
			a.sid = ats_sid[i];
			ob_open(c, a);
		}
	}
}

/* ---- attach ------------------------------------------------------------ */

/*
 * arm_smmu_attach_prepare/commit's own verdict.  With fentry capture the
 * STE steps are unknown and this is the driver's word on a break; with
 * tracepoints it backs up STE-BREAK.
 */
static void attach(struct ctx *c, const struct hl_record *r)
{
	const struct hl_attach *a = &r->attach;
	char dev[HL_NOTE_LEN + 1] = { 0 };

	if (a->outcome != HL_ATTACH_BREAKING && a->outcome != HL_ATTACH_FAILED)
		return;
	memcpy(dev, a->dev, HL_NOTE_LEN);
	for (u32 i = 0; i < a->nsids && i < HL_MAX_ATTACH_SIDS; i++) {
		struct hl_finding *f;

		if (!is_prot(c, a->smmu, a->sids[i]))
			continue;
		f = finding(c->v, R_ATTACH_BREAK,
			    "protected StreamID %u (%s): attach %s (domain 0x%llx -> 0x%llx)", a->sids[i], dev,
			    a->outcome == HL_ATTACH_FAILED ? "failed" : "was breaking",
			    (unsigned long long)a->old_domain, (unsigned long long)a->new_domain);
		at_sid(f, a->smmu, a->sids[i]);
		ref(f, r->hdr.boot, r->hdr.seq);
	}
}

/* ---- SMMU registers ---------------------------------------------------- */

/*
 * With CR0.SMMUEN = 0 no STE is used: incoming transactions abort or
 * bypass translation by SMMU_GBPA (spec 6.3.9, 6.3.14).  Either way every
 * protected device loses its translation, however intact its STE is.
 */
/* The protected StreamIDs with a valid STE on smmu as the log leaves them (at most 8). */
static int prot_valid_on(struct ctx *c, u32 smmu, u32 *sids)
{
	int n = 0;

	for (size_t i = 0; i < c->replay.stes.n && n < 8; i++)
		if (c->replay.stes.v[i].smmu == smmu && is_prot(c, smmu, c->replay.stes.v[i].sid))
			sids[n++] = c->replay.stes.v[i].sid;
	return n;
}

static void reg_write(struct ctx *c, const struct hl_record *r)
{
	const struct hl_reg *g = &r->reg;
	struct hl_finding *f;
	u32 sids[8];
	int n = 0;

	if (g->offset == HL_SMMU_GBPA) {
		c->gbpa_abort = g->new_val & HL_SMMU_GBPA_ABORT;
		return;
	}
	if (g->offset == HL_SMMU_CR0 && g->smmu < 16) {
		bool first = c->cr0_boot[g->smmu] != r->hdr.boot;

		/*
		 * A later boot's first CR0 write reads SMMUEN=0 (its reset) while
		 * the log last left the SMMU enabled or never saw it written: the
		 * switch disabled it unseen (a plain kexec, the old kernel's
		 * shutdown not traced).  The new kernel's reset is the evidence.
		 */
		if (first && r->hdr.boot != c->first_boot && g->old_val != HL_REG_UNKNOWN &&
		    !(g->old_val & HL_SMMU_CR0_SMMUEN) && c->cr0[g->smmu] != 2) {
			n = prot_valid_on(c, g->smmu, sids);
			if (n) {
				f = finding(c->v, R_SMMU_OFF,
					    "SMMU %u found disabled by the new kernel's reset (CR0.SMMUEN=0 read "
					    "before its first CR0 write) with %d protected StreamID%s valid at the "
					    "old kernel's end (first %u): the switch disabled it, unseen; DMA %s "
					    "untranslated until the reset", g->smmu, n, n > 1 ? "s" : "", sids[0],
					    c->gbpa_abort ? "aborts" : "bypasses");
				at_sid(f, g->smmu, sids[0]);
				ref(f, r->hdr.boot, r->hdr.seq);
			}
		}
		c->cr0_boot[g->smmu] = r->hdr.boot;
		c->cr0[g->smmu] = g->new_val & HL_SMMU_CR0_SMMUEN ? 1 : 2;
		n = 0;
	}
	/*
	 * An old value never seen (HL_REG_UNKNOWN: the previous kernel's
	 * persistent trace read from after its capture ended, with no
	 * read-back before its shutdown's CR0 write) counts as enabled: the
	 * write leaves the SMMU disabled either way, and a protected StreamID
	 * that was translating loses its translation here.
	 */
	if (hl_smmuen_edge(r, true) != -1)
		return;
	n = prot_valid_on(c, g->smmu, sids);
	if (!n)
		return;
	f = finding(c->v, R_SMMU_OFF,
		    "SMMU %u disabled (CR0.SMMUEN=0) with %d protected StreamID%s valid (first %u): DMA %s untranslated",
		    g->smmu, n, n > 1 ? "s" : "", sids[0], c->gbpa_abort ? "aborts" : "bypasses");
	at_sid(f, g->smmu, sids[0]);
	ref(f, r->hdr.boot, r->hdr.seq);
}

/* ---- boots ------------------------------------------------------------ */

static void end_boot(struct ctx *c)
{
	for (size_t i = 0; i < c->upds.n; i++)
		close_update(c, &c->upds.v[i]);
	for (size_t i = 0; i < c->obs.n; i++)
		if (!c->obs.v[i].done)
			ob_fail(c, &c->obs.v[i], 0, true);
	ob_gc(c);
}

/* ---- cross-kexec identity --------------------------------------------- */

/* Decoded fields that may differ across kexec: pointers and tags. */
static bool xk_ignored(const char *k)
{
	return !strcmp(k, "S1ContextPtr") || !strcmp(k, "S2TTB") || !strcmp(k, "TTB0") ||
	       !strcmp(k, "S2VMID") || !strcmp(k, "ASID");
}

static int cmp_fields(json_object *a, json_object *b, char *diff, size_t len)
{
	int n = 0;

	diff[0] = 0;
	json_object_object_foreach(a, k, va) {
		json_object *vb = NULL;

		if (xk_ignored(k))
			continue;
		if (!json_object_object_get_ex(b, k, &vb) || !json_object_equal(va, vb)) {
			size_t l = strlen(diff);

			snprintf(diff + l, len - l, "%s%s %s -> %s", n ? ", " : "", k,
				 json_object_to_json_string(va), vb ? json_object_to_json_string(vb) : "absent");
			n++;
		}
	}
	json_object_object_foreach(b, k2, vb2) {
		(void)vb2;
		if (!xk_ignored(k2) && !json_object_object_get_ex(a, k2, NULL)) {
			size_t l = strlen(diff);

			snprintf(diff + l, len - l, "%s%s absent -> present", n ? ", " : "", k2);
			n++;
		}
	}
	return n;
}

static void pte_refs(struct hl_finding *f, const struct hl_state *s, u64 root, u64 lo, u64 hi)
{
	for (size_t i = 0; i < s->events.n; i++) {
		const struct hl_record *r = &s->events.v[i];
		u64 span;

		if (r->hdr.kind != HL_K_PTE || r->pte.root != root || r->pte.granule < 12 || r->pte.level > 3)
			continue;
		span = 1ULL << hl_lpae_shift(r->pte.level, r->pte.granule);
		if (r->pte.iova < hi && r->pte.iova + span > lo)
			ref(f, r->hdr.boot, r->hdr.seq);
	}
}

/* Compare two translation functions; report differing IOVA windows. */
static void xk_xlate(struct ctx *c, const struct hl_state *a, u64 ra, const struct hl_state *b,
		     u64 rb, u32 smmu, u32 sid, int ssid, const char *what)
{
	struct hl_fn_iter x, y;
	bool has_p, has_q;
	u64 pos = 0;
	int reported = 0;

	/* walk both functions, one run of each at a time, over the IOVA space */
	hl_fn_first(&x, a, ra);
	hl_fn_first(&y, b, rb);
	has_p = hl_fn_next(&x);
	has_q = hl_fn_next(&y);
	while (has_p || has_q) {
		const struct hl_range *p = has_p ? &x.run : NULL, *q = has_q ? &y.run : NULL;
		u64 ps = p ? (p->iova > pos ? p->iova : pos) : ~0ULL;
		u64 qs = q ? (q->iova > pos ? q->iova : pos) : ~0ULL;
		u64 start = ps < qs ? ps : qs, end;
		bool in_p = p && p->iova <= start, in_q = q && q->iova <= start;
		const char *why = NULL;

		if (in_p && in_q) {
			end = p->iova + p->size < q->iova + q->size ? p->iova + p->size : q->iova + q->size;
			if (p->oa + (start - p->iova) != q->oa + (start - q->iova))
				why = "maps to a different output address";
			else if (p->attrs != q->attrs)
				why = "has different permissions/attributes";
		} else if (in_p) {
			end = p->iova + p->size;
			if (q && q->iova < end)
				end = q->iova;
			why = "mapped before, unmapped after";
		} else {
			end = q->iova + q->size;
			if (p && p->iova < end)
				end = p->iova;
			why = "unmapped before, mapped after";
		}
		if (why) {
			struct hl_finding *f;

			if (reported < 4) {
				f = finding(c->v, R_XK_XLATE,
					    "protected StreamID %u%s: IOVA 0x%llx-0x%llx %s (%s, table 0x%llx -> 0x%llx)",
					    sid, c->xk_when, (unsigned long long)start, (unsigned long long)end - 1, why, what,
					    (unsigned long long)ra, (unsigned long long)rb);
				at_sid(f, smmu, sid);
				if (ssid >= 0)
					f->ssid = ssid, f->has_ssid = true;
				f->has_iova = true, f->iova_lo = start, f->iova_hi = end, f->root = rb;
				/* evidence: the descriptor writes that made this window, in either log */
				pte_refs(f, a, ra, start, end);
				pte_refs(f, b, rb, start, end);
			}
			reported++;
		}
		pos = end;
		if (p && pos >= p->iova + p->size)
			has_p = hl_fn_next(&x);
		if (q && pos >= q->iova + q->size)
			has_q = hl_fn_next(&y);
	}
	if (reported > 4) {
		struct hl_finding *f = finding(c->v, R_XK_XLATE,
			"protected StreamID %u%s: %d more differing IOVA windows (%s)", sid, c->xk_when,
			reported - 4, what);
		at_sid(f, smmu, sid);
	}
}

static void add_write_refs(struct hl_finding *f, const struct hl_state *b, u32 smmu, u32 sid)
{
	for (size_t i = 0; i < b->events.n; i++) {
		const struct hl_record *r = &b->events.v[i];

		if ((r->hdr.kind == HL_K_STE && r->ste.smmu == smmu && r->ste.sid == sid) ||
		    (r->hdr.kind == HL_K_CD && r->cd.smmu == smmu && r->cd.sid == sid))
			ref(f, r->hdr.boot, r->hdr.seq);
	}
}

static void cross_kexec(struct ctx *c, const struct hl_state *a, const struct hl_state *b)
{
	for (size_t i = 0; i < a->stes.n; i++) {
		const struct hl_ste_disk *ea = &a->stes.v[i], *eb;
		json_object *ja, *jb;
		struct hl_finding *f;
		char diff[256];

		if (!hl_protected(c->prot, c->nprot, ea->smmu, ea->sid))
			continue;
		eb = hl_state_ste(b, ea->smmu, ea->sid);
		if (!eb) {
			f = finding(c->v, R_XK_STE,
				    "protected StreamID %u%s: valid STE before, none after", ea->sid, c->xk_when);
			at_sid(f, ea->smmu, ea->sid);
			add_write_refs(f, b, ea->smmu, ea->sid);
			continue;
		}
		ja = hl_ste_decode(ea->q);
		jb = hl_ste_decode(eb->q);
		if (cmp_fields(ja, jb, diff, sizeof(diff))) {
			f = finding(c->v, R_XK_STE,
				    "protected StreamID %u%s: STE configuration differs: %s", ea->sid, c->xk_when,
				    diff);
			at_sid(f, ea->smmu, ea->sid);
			add_write_refs(f, b, ea->smmu, ea->sid);
		}
		json_object_put(ja);
		json_object_put(jb);
		if (ste_s2(ea->q) && ste_s2(eb->q))
			xk_xlate(c, a, ste_s2ttb(ea->q), b, ste_s2ttb(eb->q), ea->smmu, ea->sid, -1, "stage 2");
		if (!(ste_s1(ea->q) && ste_s1(eb->q)))
			continue;
		/* S1ContextPtr may move: compare what the CDs say, SSID by SSID */
		for (size_t k = 0; k < a->cds.n; k++) {
			const struct hl_cd_disk *ca = &a->cds.v[k], *cb;

			if (ca->smmu != ea->smmu || ca->sid != ea->sid)
				continue;
			cb = hl_state_cd(b, ca->smmu, ca->sid, ca->ssid);
			if (!cb) {
				f = finding(c->v, R_XK_CD,
					    "protected StreamID %u SSID %u%s: valid CD before, none after", ca->sid,
					    ca->ssid, c->xk_when);
				at_sid(f, ca->smmu, ca->sid);
				f->ssid = ca->ssid, f->has_ssid = true;
				continue;
			}
			ja = hl_cd_decode(ca->q);
			jb = hl_cd_decode(cb->q);
			if (cmp_fields(ja, jb, diff, sizeof(diff))) {
				f = finding(c->v, R_XK_CD,
					    "protected StreamID %u SSID %u%s: CD configuration differs: %s",
					    ca->sid, ca->ssid, c->xk_when, diff);
				at_sid(f, ca->smmu, ca->sid);
				f->ssid = ca->ssid, f->has_ssid = true;
			}
			json_object_put(ja);
			json_object_put(jb);
			if (!(ca->q[0] & CTXDESC_CD_0_TCR_EPD0))
				xk_xlate(c, a, cd_ttb0(ca->q), b, cd_ttb0(cb->q), ca->smmu, ca->sid,
					 ca->ssid, "stage 1");
		}
	}
}

/*
 * The new kernel's state as its capture's first walk found it: after a live
 * update that kept the protected translations, already what they were before
 * the kexec, whatever the new kernel does with them later.  False when the
 * snapshot's own boot has no walk.
 */
static bool first_walk(const struct hl_state *b, struct hl_state *out)
{
	u64 boot;
	bool seen = false;

	if (!b->events.n)
		return false;
	boot = b->events.v[b->events.n - 1].hdr.boot;
	hl_state_init(out);
	for (size_t i = 0; i < b->events.n; i++) {
		const struct hl_record *r = &b->events.v[i];

		if (r->hdr.boot != boot)
			continue;
		if (r->hdr.mode == HL_MODE_WALKER) {
			hl_state_apply(out, r);
			seen = true;
		} else if (seen && (r->hdr.kind == HL_K_STE || r->hdr.kind == HL_K_CD ||
				    r->hdr.kind == HL_K_PTE)) {
			break;
		}
	}
	if (!seen)
		hl_state_free(out);
	return seen;
}

/* ---- driver ----------------------------------------------------------- */

/*
 * live: the log is the head of one still being written (hitless monitor).
 * Its end is not the kernel's: invalidations still owed stay owed, and
 * updates still being written stay open (no finding for either yet), but
 * an update whose last write is older than `settled` (ktime) is over: the
 * driver writes an entry's steps back to back, an arm_smmu_write_entry()
 * ends with its last CMD_SYNC, and [UNUSED] CRITICAL has no end of its own
 * when no FINAL step is needed.
 * *horizon is the merged-log index of the first record that an open update,
 * an open obligation or an attach not yet concluded by its iommufd record
 * still needs (n when none).
 */
static void analyze(const struct hl_state *a, const struct hl_state *b,
		    const struct hl_protect_disk *protect, size_t nprotect, struct hl_verdict *v,
		    bool live, u64 settled, size_t *horizon)
{
	struct ctx c = { .v = v, .prot = protect, .nprot = nprotect, .pend = SIZE_MAX, .live = live };
	struct hl_record *ev;
	u64 *order, last_seq = 0;
	size_t n, nboots, nsmmu = 0, n2 = 0;

	memset(v, 0, sizeof(*v));
	/*
	 * BBML2 only if every SMMU we know of is known to have it (IDR3.BBM =
	 * 2, or the driver's ARM_SMMU_FEAT_BBML2); one not captured is not.
	 */
	for (int k = 0; k < 2; k++) {
		const struct hl_state *s = k ? b : a;

		for (size_t i = 0; s && i < s->smmus.n; i++, nsmmu++)
			n2 += hl_smmu_bbml2(s, &s->smmus.v[i]) == 1;
	}
	v->bbml2 = nsmmu && n2 == nsmmu;

	hl_state_init(&c.replay);
	for (size_t i = 0; a && i < a->stes.n; i++)
		hl_state_set_ste(&c.replay, a->stes.v[i].smmu, a->stes.v[i].sid, a->stes.v[i].q);
	for (size_t i = 0; a && i < a->cds.n; i++)
		hl_state_set_cd(&c.replay, a->cds.v[i].smmu, a->cds.v[i].sid, a->cds.v[i].ssid, a->cds.v[i].q);

	n = hl_merge_events(a, b, &ev, &order, &nboots);
	{
		/* complete or not: lost, gaps, missing writes (lib/complete.c, the one definition) */
		struct hl_completeness k;

		hl_completeness_of(a, b, ev, n, &k);
		v->lost = k.lost;
		v->gaps = k.gaps;
		v->inconsistent = k.inconsistent;
		v->nevents = k.nevents;
	}
	prot_windows(&c, ev, n);
	for (size_t i = 0; i < n; i++) {
		const struct hl_record *r = &ev[i];

		c.cur = i;
		if (!i)
			c.first_boot = r->hdr.boot;
		if (!i || r->hdr.boot != c.boot) {
			if (i)
				end_boot(&c);
			c.boot = r->hdr.boot;
			c.last_boot = true;
			c.holed = false;
			c.sync_done_seen = false;
			for (size_t j = i; j < n && ev[j].hdr.boot == c.boot; j++)
				c.sync_done_seen |= ev[j].hdr.kind == HL_K_CMD &&
						    (ev[j].cmd.flags & HL_CMD_F_SYNC_DONE);
			for (size_t j = i; j < n; j++)
				if (ev[j].hdr.boot != c.boot)
					c.last_boot = false;
		} else if (r->hdr.seq != last_seq + 1) {
			ob_holed(&c);	/* a gap (counted by hl_completeness_of()) */
		}
		if (r->hdr.kind == HL_K_LOST)
			ob_holed(&c);
		last_seq = r->hdr.seq;
		if (r->hdr.mode == HL_MODE_WALKER) {
			/*
			 * The walker reports what it found in the tables, not a
			 * write: what later writes are judged against, nothing to
			 * invalidate (its descriptors included).
			 */
			if (r->hdr.kind == HL_K_STE || r->hdr.kind == HL_K_CD)
				entry_seen(&c, r, r->hdr.kind == HL_K_CD);
			continue;
		}
		switch (r->hdr.kind) {
		case HL_K_STE:
			entry_write(&c, r, false);
			ob_entry(&c, OB_STE, r->ste.smmu, r->ste.sid, 0, r->hdr.seq);
			break;
		case HL_K_CD:
			entry_write(&c, r, true);
			ob_entry(&c, OB_CD, r->cd.smmu, r->cd.sid, r->cd.ssid, r->hdr.seq);
			break;
		case HL_K_PTE:
			pte_write(&c, r);
			break;
		case HL_K_CMD:
			command(&c, r);
			break;
		case HL_K_REG:
			reg_write(&c, r);
			break;
		case HL_K_ATTACH:
			attach(&c, r);
			break;
		case HL_K_LOST:
			break;	/* counted through the LOSS section */
		default:
			break;
		}
	}
	if (live) {
		size_t h = c.pend < n ? c.pend : n;

		for (size_t i = 0; i < c.upds.n; i++) {
			struct upd *u = &c.upds.v[i];

			if (u->open && u->w.n && u->t < settled)
				close_update(&c, u);
			if (u->open && u->w.n && u->at < h)
				h = u->at;
		}
		/*
		 * From an attach of a protected StreamID whose iommufd record
		 * has not come yet, whether it is protected is not known:
		 * findings from there on wait (prot_windows()).
		 */
		if (c.pend < n) {
			size_t k = 0;

			for (size_t i = 0; i < v->findings.n; i++) {
				const struct hl_finding *f = &v->findings.v[i];

				if (f->nrefs && f->refs[0].boot == ev[c.pend].hdr.boot &&
				    f->refs[0].seq >= ev[c.pend].hdr.seq) {
					if (f->sev == SEV_ERROR)
						v->nerrors--;
					else
						v->nwarnings--;
					continue;
				}
				v->findings.v[k++] = *f;
			}
			v->findings.n = k;
		}
		for (size_t i = 0; i < c.obs.n; i++)
			if (!c.obs.v[i].done && c.obs.v[i].at < h)
				h = c.obs.v[i].at;
		*horizon = h;
	} else if (n) {
		end_boot(&c);
	}
	c.xk_when = "";
	if (a && b) {
		struct hl_state w;

		cross_kexec(&c, a, b);
		if (first_walk(b, &w)) {
			c.xk_when = " when the new kernel's capture began";
			cross_kexec(&c, a, &w);
			hl_state_free(&w);
		}
	}

	for (size_t i = 0; i < c.upds.n; i++)
		VEC_FREE(c.upds.v[i].w);
	VEC_FREE(c.upds);
	VEC_FREE(c.obs);
	ix_free(&c.ix);
	VEC_FREE(c.win);
	hl_state_free(&c.replay);
	free(ev);
	free(order);
}

void hl_analyze(const struct hl_state *a, const struct hl_state *b,
		const struct hl_protect_disk *protect, size_t nprotect, struct hl_verdict *v)
{
	analyze(a, b, protect, nprotect, v, false, 0, NULL);
}

void hl_analyze_live(const struct hl_state *a, const struct hl_protect_disk *protect,
		     size_t nprotect, u64 settled, struct hl_verdict *v, size_t *horizon)
{
	analyze(a, NULL, protect, nprotect, v, true, settled, horizon);
}

bool hl_protected_at(const struct hl_state *a, const struct hl_protect_disk *protect,
		     size_t nprotect, size_t k, size_t at, bool live)
{
	struct ctx c = { .prot = protect, .nprot = nprotect, .pend = SIZE_MAX, .live = live };
	struct hl_record *ev;
	u64 *order;
	size_t n, nboots;
	bool on = false;

	n = hl_merge_events(a, NULL, &ev, &order, &nboots);
	prot_windows(&c, ev, n);
	for (size_t i = 0; i < c.win.n; i++)
		on |= c.win.v[i].k == k && c.win.v[i].lo <= at && at < c.win.v[i].hi;
	VEC_FREE(c.win);
	free(ev);
	free(order);
	return on;
}

void hl_verdict_free(struct hl_verdict *v)
{
	VEC_FREE(v->findings);
	VEC_FREE(v->transitions);
}

bool hl_verdict_complete(const struct hl_verdict *v)
{
	const struct hl_completeness k = { .lost = v->lost, .gaps = v->gaps,
					   .inconsistent = v->inconsistent, .nevents = v->nevents };

	return hl_complete(&k);
}

int hl_verdict_exit(const struct hl_verdict *v)
{
	if (!hl_verdict_complete(v))
		return 2;
	return v->findings.n ? 1 : 0;
}

static json_object *refs_json(const struct hl_recref *r, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		char b[20];

		snprintf(b, sizeof(b), "%016llx", (unsigned long long)r[i].boot);
		json_object_object_add(o, "boot", json_object_new_string(b));
		json_object_object_add(o, "seq", json_object_new_uint64(r[i].seq));
		json_object_array_add(a, o);
	}
	return a;
}

json_object *hl_finding_json(const struct hl_finding *f)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "rule", json_object_new_string(f->rule));
	json_object_object_add(j, "severity", json_object_new_string(f->sev == SEV_ERROR ? "error" : "warning"));
	if (f->has_sid) {
		json_object_object_add(j, "smmu", json_object_new_uint64(f->smmu));
		json_object_object_add(j, "sid", json_object_new_uint64(f->sid));
	}
	if (f->has_ssid)
		json_object_object_add(j, "ssid", json_object_new_uint64(f->ssid));
	if (f->has_iova) {
		jadd_hex(j, "iova_start", f->iova_lo);
		jadd_hex(j, "iova_end", f->iova_hi);
		jadd_hex(j, "table", f->root);
	}
	if (f->nusers) {
		json_object *u = json_object_new_array();

		for (int i = 0; i < f->nusers; i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "smmu", json_object_new_uint64(f->users[i].smmu));
			json_object_object_add(o, "sid", json_object_new_uint64(f->users[i].sid));
			json_object_array_add(u, o);
		}
		json_object_object_add(j, "table_users", u);
	}
	json_object_object_add(j, "message", json_object_new_string(f->msg));
	json_object_object_add(j, "records", refs_json(f->refs, f->nrefs));
	return j;
}

void hl_finding_text(FILE *out, json_object *f, bool line)
{
	json_object *refs = json_object_object_get(f, "records");
	json_object *users = json_object_object_get(f, "table_users");
	const char *sev = !strcmp(jget_s(f, "severity"), "error") ? "ERROR" : "WARNING";

	if (line)
		fprintf(out, "%-7s %-10s", sev, jget_s(f, "rule"));
	else
		fprintf(out, "\n%-7s %-10s %s\n", sev, jget_s(f, "rule"), jget_s(f, "message"));
	if (json_object_object_get_ex(f, "sid", NULL)) {
		fprintf(out, line ? " StreamID %llu" : "        StreamID %llu", jget_u(f, "sid"));
		if (json_object_object_get_ex(f, "ssid", NULL))
			fprintf(out, " SSID %llu", jget_u(f, "ssid"));
		if (!line)
			fprintf(out, " (SMMU %llu)\n", jget_u(f, "smmu"));
	}
	if (json_object_object_get_ex(f, "iova_start", NULL)) {
		if (line)
			fprintf(out, " IOVA %s-0x%llx", jget_s(f, "iova_start"), jget_u(f, "iova_end") - 1);
		else
			fprintf(out, "        IOVA %s-0x%llx, table %s%s", jget_s(f, "iova_start"),
				jget_u(f, "iova_end") - 1, jget_s(f, "table"),
				users ? ", used by StreamID" : "\n");
		for (size_t k = 0; !line && users && k < json_object_array_length(users); k++) {
			json_object *u = json_object_array_get_idx(users, k);

			fprintf(out, "%s %llu (SMMU %llu)", k ? "," : "", jget_u(u, "sid"), jget_u(u, "smmu"));
		}
		if (!line && users)
			fputc('\n', out);
	}
	if (line)
		fprintf(out, ": %s", jget_s(f, "message"));
	if (json_object_array_length(refs)) {
		fprintf(out, line ? " [records" : "        records:");
		for (size_t k = 0; k < json_object_array_length(refs); k++) {
			json_object *r = json_object_array_get_idx(refs, k);

			fprintf(out, " %s:%llu", jget_s(r, "boot"), jget_u(r, "seq"));
		}
		fputs(line ? "]\n" : "\n", out);
	} else if (line) {
		fputc('\n', out);
	}
}

json_object *hl_verdict_json(const struct hl_verdict *v)
{
	json_object *o = json_object_new_object(), *fa = json_object_new_array();
	json_object *ta = json_object_new_array(), *cnt = json_object_new_object();
	json_object *inc = json_object_new_array();
	int e = hl_verdict_exit(v);
	int kinds[TR_NONE + 1] = { 0 };

	json_object_object_add(o, "verdict", json_object_new_string(
		e == 2 ? "incomplete" : e == 1 ? "findings" : "hitless"));
	json_object_object_add(o, "exit_status", json_object_new_int(e));
	json_object_object_add(o, "complete", json_object_new_boolean(hl_verdict_complete(v)));
	if (v->lost)
		json_object_array_add(inc, json_object_new_string("records lost by the producer"));
	if (v->gaps)
		json_object_array_add(inc, json_object_new_string("gaps in record sequence numbers"));
	if (v->inconsistent)
		json_object_array_add(inc, json_object_new_string("entry writes missing between records"));
	json_object_object_add(o, "incomplete_because", inc);
	json_object_object_add(o, "lost_records", json_object_new_uint64(v->lost));
	json_object_object_add(o, "sequence_gaps", json_object_new_uint64(v->gaps));
	json_object_object_add(o, "inconsistent_writes", json_object_new_uint64(v->inconsistent));
	json_object_object_add(o, "records", json_object_new_uint64(v->nevents));
	json_object_object_add(o, "errors", json_object_new_int(v->nerrors));
	json_object_object_add(o, "warnings", json_object_new_int(v->nwarnings));
	json_object_object_add(o, "bbml2", json_object_new_boolean(v->bbml2));
	for (size_t i = 0; i < v->findings.n; i++)
		json_object_array_add(fa, hl_finding_json(&v->findings.v[i]));
	json_object_object_add(o, "findings", fa);
	for (size_t i = 0; i < v->transitions.n; i++) {
		const struct hl_transition *t = &v->transitions.v[i];
		json_object *j = json_object_new_object();
		struct hl_recref r[2] = { t->first, t->last };

		kinds[t->kind]++;
		json_object_object_add(j, "entry", json_object_new_string(t->is_cd ? "CD" : "STE"));
		json_object_object_add(j, "smmu", json_object_new_uint64(t->smmu));
		json_object_object_add(j, "sid", json_object_new_uint64(t->sid));
		if (t->is_cd)
			json_object_object_add(j, "ssid", json_object_new_uint64(t->ssid));
		json_object_object_add(j, "kind", json_object_new_string(hl_trans_name(t->kind)));
		json_object_object_add(j, "protected", json_object_new_boolean(t->protected));
		json_object_object_add(j, "torn", json_object_new_boolean(t->torn));
		json_object_object_add(j, "writes", json_object_new_int(t->nwrites));
		json_object_object_add(j, "records", refs_json(r, 2));
		json_object_array_add(ta, j);
	}
	for (int k = 0; k <= TR_NONE; k++)
		json_object_object_add(cnt, hl_trans_name(k), json_object_new_int(kinds[k]));
	json_object_object_add(o, "transition_counts", cnt);
	json_object_object_add(o, "transitions", ta);
	return o;
}
