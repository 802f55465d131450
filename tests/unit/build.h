/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hand-built SMMUv3 state and record logs for the unit tests and fixtures.
 * The STE/CD makers mirror Linux 7.3's arm_smmu_make_*() with the inputs
 * arm-smmu-v3-test.c gives them (FEAT_STALLS | FEAT_ATTR_TYPES_OVR, no E2H).
 */
#ifndef HL_TEST_BUILD_H
#define HL_TEST_BUILD_H

#include <stdlib.h>
#include <string.h>
#include "smmu.h"
#include "state.h"
#include "snapshot.h"
#include "verdict.h"

#define T_ATS		1
#define T_STALL		2
#define T_NESTED	4

static const u64 fake_cdtab_dma_addr = 0xF0F0F0F0F0F0ULL;

/* arm_smmu_make_abort_ste() */
static inline void mk_abort_ste(u64 *q)
{
	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
}

/* arm_smmu_make_bypass_ste(), FEAT_ATTR_TYPES_OVR */
static inline void mk_bypass_ste(u64 *q)
{
	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	q[1] = FIELD_PREP(STRTAB_STE_1_SHCFG, 1);
}

/* arm_smmu_make_s2_domain_ste() with arm_smmu_test_make_s2_ste()'s vtcr/vttbr */
static inline void mk_s2_ste(u64 *q, int feat, u64 vttbr, u16 vmid)
{
	u64 vtcr = FIELD_PREP(STRTAB_STE_2_VTCR_S2T0SZ, 4) | FIELD_PREP(STRTAB_STE_2_VTCR_S2SL0, 3) |
		   FIELD_PREP(STRTAB_STE_2_VTCR_S2IR0, 2) | FIELD_PREP(STRTAB_STE_2_VTCR_S2OR0, 1) |
		   FIELD_PREP(STRTAB_STE_2_VTCR_S2SH0, 3) | FIELD_PREP(STRTAB_STE_2_VTCR_S2TG, 2) |
		   FIELD_PREP(STRTAB_STE_2_VTCR_S2PS, 1);

	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	q[1] = FIELD_PREP(STRTAB_STE_1_EATS, (feat & T_ATS) ? STRTAB_STE_1_EATS_TRANS : 0) |
	       FIELD_PREP(STRTAB_STE_1_SHCFG, 1);
	q[2] = FIELD_PREP(STRTAB_STE_2_S2VMID, vmid) | FIELD_PREP(STRTAB_STE_2_VTCR, vtcr) |
	       STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2PTW |
	       ((feat & T_STALL) ? STRTAB_STE_2_S2S : 0) | STRTAB_STE_2_S2R;
	q[3] = vttbr & STRTAB_STE_3_S2TTB_MASK;
}

/* arm_smmu_make_cdtable_ste() via arm_smmu_test_make_cdtable_ste() */
static inline void mk_cdtable_ste(u64 *q, unsigned s1dss, u64 cdtab, int feat)
{
	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
	       FIELD_PREP(STRTAB_STE_0_S1FMT, 2 /* 64K_L2 */) | (cdtab & STRTAB_STE_0_S1CTXPTR_MASK) |
	       FIELD_PREP(STRTAB_STE_0_S1CDMAX, 0xFF);
	q[1] = FIELD_PREP(STRTAB_STE_1_S1DSS, s1dss) | FIELD_PREP(STRTAB_STE_1_S1CIR, 1) |
	       FIELD_PREP(STRTAB_STE_1_S1COR, 1) | FIELD_PREP(STRTAB_STE_1_S1CSH, 3) |
	       (!(feat & T_STALL) ? STRTAB_STE_1_S1STALLD : 0) |
	       FIELD_PREP(STRTAB_STE_1_EATS, (feat & T_ATS) ? STRTAB_STE_1_EATS_TRANS : 0);
	if (s1dss == STRTAB_STE_1_S1DSS_BYPASS)
		q[1] |= FIELD_PREP(STRTAB_STE_1_SHCFG, 1);
	q[1] |= FIELD_PREP(STRTAB_STE_1_STRW, 0);
	q[2] = 0;
	if (feat & T_NESTED) {
		u64 s2[8];

		mk_s2_ste(s2, feat & ~T_NESTED, 0xdaedbeefdeadbeefULL, 0);
		q[0] |= FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED);
		q[1] |= STRTAB_STE_1_MEV;
		for (int i = 2; i < 8; i++)
			q[i] = s2[i];
	}
}

/* arm_smmu_make_s1_cd() via arm_smmu_test_make_s1_cd() */
static inline void mk_s1_cd(u64 *q, u16 asid, u64 ttbr)
{
	memset(q, 0, 64);
	q[0] = FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 4) | FIELD_PREP(CTXDESC_CD_0_TCR_TG0, 2) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 2) | FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_SH0, 3) | CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
	       FIELD_PREP(CTXDESC_CD_0_TCR_IPS, 1) | CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R |
	       CTXDESC_CD_0_A | CTXDESC_CD_0_ASET | FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	q[1] = ttbr & CTXDESC_CD_1_TTB0_MASK;
	q[3] = 0xabcdef012345678ULL;
}

/* arm_smmu_make_sva_cd(): with an mm, or the release CD (mm == NULL, EPD0) */
static inline void mk_sva_cd(u64 *q, u16 asid, int with_mm)
{
	memset(q, 0, 64);
	q[0] = CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | FIELD_PREP(CTXDESC_CD_0_TCR_IPS, 5) |
	       CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_ASET |
	       FIELD_PREP(CTXDESC_CD_0_ASID, asid);
	if (with_mm) {
		q[0] |= FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, 16) | FIELD_PREP(CTXDESC_CD_0_TCR_TG0, 0) |
			FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, 1) | FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, 1) |
			FIELD_PREP(CTXDESC_CD_0_TCR_SH0, 3);
		q[1] = 0x41234000ULL & CTXDESC_CD_1_TTB0_MASK;
	} else {
		q[0] |= CTXDESC_CD_0_TCR_EPD0;
		q[0] &= ~(CTXDESC_CD_0_S | CTXDESC_CD_0_R);	/* no FEAT_STALL_FORCE */
	}
	q[3] = 0x0000bbff440c0400ULL;	/* MAIR_EL1 */
}

/* ---- record logs -------------------------------------------------------- */

struct tlog {
	struct hl_state *s;
	u64 boot, seq, t;	/* t: ktime ns, advanced 1 us per record */
	u64 cnt0, frq;		/* CNTVCT at ktime 0 of this boot, CNTFRQ */
};

static inline struct hl_record *t_rec(struct tlog *l, unsigned kind)
{
	static struct hl_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.kind = kind;
	r.hdr.mode = HL_MODE_SYNTHETIC;
	r.hdr.version = HL_RECORD_VERSION;
	r.hdr.seq = ++l->seq;
	l->t += 1000;
	r.hdr.ktime_ns = l->t;
	r.hdr.boot = l->boot;
	return &r;
}

static inline void t_put(struct tlog *l, struct hl_record *r)
{
	hl_state_apply(l->s, r);
}

/* A walker's STE at sid (from nothing) and the CD it points at. */
static inline void t_walked_ste_cd(struct tlog *l, u32 sid, const u64 *ste, const u64 *cd)
{
	struct hl_record *r = t_rec(l, HL_K_STE);

	r->hdr.mode = HL_MODE_WALKER;
	r->ste.sid = sid;
	memcpy(r->ste.after, ste, 64);
	t_put(l, r);
	r = t_rec(l, HL_K_CD);
	r->hdr.mode = HL_MODE_WALKER;
	r->cd.sid = sid;
	memcpy(r->cd.after, cd, 64);
	t_put(l, r);
}

static inline void t_ste(struct tlog *l, u32 sid, int step, const u64 *before, const u64 *after)
{
	struct hl_record *r = t_rec(l, HL_K_STE);

	r->ste.sid = sid;
	r->ste.step = step;
	memcpy(r->ste.before, before, 64);
	memcpy(r->ste.after, after, 64);
	t_put(l, r);
}

static inline void t_cd(struct tlog *l, u32 sid, u32 ssid, int step, const u64 *before, const u64 *after)
{
	struct hl_record *r = t_rec(l, HL_K_CD);

	r->cd.sid = sid;
	r->cd.ssid = ssid;
	r->cd.step = step;
	memcpy(r->cd.before, before, 64);
	memcpy(r->cd.after, after, 64);
	t_put(l, r);
}

static inline void t_cmd(struct tlog *l, u64 c0, u64 c1, u32 flags)
{
	struct hl_record *r = t_rec(l, HL_K_CMD);

	r->cmd.cmd[0] = c0;
	r->cmd.cmd[1] = c1;
	r->cmd.flags = flags;
	t_put(l, r);
}

#define OP(x) FIELD_PREP(CMDQ_0_OP, CMDQ_OP_##x)
static inline void t_sync(struct tlog *l)
{
	t_cmd(l, OP(CMD_SYNC), 0, 0);
	t_cmd(l, OP(CMD_SYNC), 0, HL_CMD_F_SYNC_DONE);
}
static inline void t_cfgi_ste(struct tlog *l, u32 sid)
{
	t_cmd(l, OP(CFGI_STE) | FIELD_PREP(CMDQ_CFGI_0_SID, sid), 0, 0);
}
static inline void t_cfgi_all(struct tlog *l)
{
	t_cmd(l, OP(CFGI_ALL), FIELD_PREP(CMDQ_CFGI_1_RANGE, 31), 0);
}
static inline void t_cfgi_cd(struct tlog *l, u32 sid, u32 ssid)
{
	t_cmd(l, OP(CFGI_CD) | FIELD_PREP(CMDQ_CFGI_0_SID, sid) | FIELD_PREP(CMDQ_CFGI_0_SSID, ssid),
	      CMDQ_CFGI_1_LEAF, 0);
}
static inline void t_tlbi_va(struct tlog *l, u16 asid, u64 va)
{
	t_cmd(l, OP(TLBI_NH_VA) | FIELD_PREP(CMDQ_TLBI_0_ASID, asid), va & CMDQ_TLBI_1_VA_MASK, 0);
}
/* range TLBI: (num+1) << (5*scale+1) pages of 4K */
static inline void t_tlbi_va_range(struct tlog *l, u16 asid, u64 va, unsigned num, unsigned scale)
{
	t_cmd(l, OP(TLBI_NH_VA) | FIELD_PREP(CMDQ_TLBI_0_ASID, asid) | FIELD_PREP(CMDQ_TLBI_0_NUM, num) |
	      FIELD_PREP(CMDQ_TLBI_0_SCALE, scale),
	      (va & CMDQ_TLBI_1_VA_MASK) | FIELD_PREP(CMDQ_TLBI_1_TG, 1), 0);
}
static inline void t_tlbi_ipa(struct tlog *l, u16 vmid, u64 ipa)
{
	t_cmd(l, OP(TLBI_S2_IPA) | FIELD_PREP(CMDQ_TLBI_0_VMID, vmid), ipa & CMDQ_TLBI_1_IPA_MASK, 0);
}
static inline void t_atc_inv_all(struct tlog *l, u32 sid)
{
	t_cmd(l, OP(ATC_INV) | FIELD_PREP(CMDQ_ATC_0_SID, sid), FIELD_PREP(CMDQ_ATC_1_SIZE, 52), 0);
}

static inline void t_pte(struct tlog *l, u64 root, u64 iova, unsigned level, unsigned stage,
			 u64 old_desc, u64 new_desc)
{
	struct hl_record *r = t_rec(l, HL_K_PTE);

	r->pte.root = root;
	r->pte.iova = iova;
	r->pte.level = level;
	r->pte.granule = 12;
	r->pte.stage = stage;
	r->pte.old_desc = old_desc;
	r->pte.new_desc = new_desc;
	t_put(l, r);
}

/* LPAE leaf descriptors, 4K granule: S1 normal memory RW, and S2 */
#define S1_ATTRS (LPAE_AF | (3ULL << 8) | (1ULL << 2))
#define S2_ATTRS (LPAE_AF | (3ULL << 8) | (0xfULL << 2) | (3ULL << 6))
static inline u64 pg(u64 pa) { return (pa & LPAE_ADDR_MASK) | S1_ATTRS | 3; }
static inline u64 blk(u64 pa) { return (pa & LPAE_ADDR_MASK) | S1_ATTRS | 1; }
static inline u64 tbl(u64 pa) { return (pa & LPAE_ADDR_MASK) | 3; }
static inline u64 pg2(u64 pa) { return (pa & LPAE_ADDR_MASK) | S2_ATTRS | 3; }
static inline u64 blk2(u64 pa) { return (pa & LPAE_ADDR_MASK) | S2_ATTRS | 1; }

static inline void t_ms(struct tlog *l, unsigned id, u32 arg)
{
	struct hl_record *r = t_rec(l, HL_K_MILESTONE);

	r->ms.id = id;
	r->ms.arg = arg;
	r->ms.cntfrq = l->frq;
	r->ms.cntvct = l->cnt0 + l->t * l->frq / 1000000000ULL;
	t_put(l, r);
}

static inline void t_iommufd(struct tlog *l, unsigned op, u64 iova, u64 len)
{
	struct hl_record *r = t_rec(l, HL_K_IOMMUFD);

	r->iommufd.op = op;
	r->iommufd.iova = iova;
	r->iommufd.length = len;
	t_put(l, r);
}

static inline void t_lost(struct tlog *l, u64 n)
{
	struct hl_record *r = t_rec(l, HL_K_LOST);

	r->lost.count = n;
	r->lost.where = HL_LOST_RINGBUF;
	t_put(l, r);
}

/* Advance this boot's clock by `ns` without a record. */
static inline void t_wait(struct tlog *l, u64 ns) { l->t += ns; }

/* Write an entry the way arm_smmu_write_entry() does, with CFGI + CMD_SYNC after each step. */
static inline void t_write_entry(struct tlog *l, int is_cd, u32 sid, u32 ssid, u64 *cur, const u64 *target)
{
	struct hl_entry_step_out st[3];
	int n = hl_entry_write_steps(is_cd ? HL_ENTRY_CD : HL_ENTRY_STE, cur, target, st);

	for (int i = 0; i < n; i++) {
		if (is_cd)
			t_cd(l, sid, ssid, st[i].step, cur, st[i].val);
		else
			t_ste(l, sid, st[i].step, cur, st[i].val);
		memcpy(cur, st[i].val, 64);
		if (is_cd)
			t_cfgi_cd(l, sid, ssid);
		else
			t_cfgi_ste(l, sid);
		t_sync(l);
	}
}

static inline void t_boot(struct hl_state *s, struct tlog *l, u64 boot, const char *release,
			  u64 cnt0, u64 frq)
{
	struct hl_boot_disk b = { .boot = boot, .cntfrq = frq };
	struct hl_clock_disk c = { .boot = boot, .ktime = 5000, .cntvct = cnt0 + 5000 * frq / 1000000000ULL };

	memset(l, 0, sizeof(*l));
	l->s = s;
	l->boot = boot;
	l->cnt0 = cnt0;
	l->frq = frq;
	snprintf(b.boot_id, sizeof(b.boot_id), "%08llx-0000-4000-8000-000000000000", (unsigned long long)(boot >> 32));
	snprintf(b.release, sizeof(b.release), "%s", release);
	VEC_PUSH(s->boots, b);
	VEC_PUSH(s->clocks, c);
	s->meta.boot = boot;
	snprintf(s->meta.release, sizeof(s->meta.release), "%s", release);
	snprintf(s->meta.boot_id, sizeof(s->meta.boot_id), "%s", b.boot_id);
	snprintf(s->meta.hostname, sizeof(s->meta.hostname), "rig");
	s->meta.mode = HL_MODE_SYNTHETIC;
}

static inline void t_smmu(struct hl_state *s, int bbml2, int ats)
{
	struct hl_smmu_disk m = { .id = 0, .base = 0x9050000 };

	m.idr[0] = IDR0_S1P | IDR0_S2P | FIELD_PREP(IDR0_TTF, 2) | (ats ? IDR0_ATS : 0) |
		   FIELD_PREP(IDR0_ST_LVL, 1) | IDR0_ASID16 | IDR0_VMID16;
	m.idr[1] = FIELD_PREP(IDR1_SIDSIZE, 16) | FIELD_PREP(IDR1_SSIDSIZE, 16);
	m.idr[3] = FIELD_PREP(IDR3_BBM, bbml2 ? 2 : 0) | IDR3_RIL;
	m.idr[5] = IDR5_GRAN4K | IDR5_GRAN64K | FIELD_PREP(IDR5_OAS, 5);
	VEC_PUSH(s->smmus, m);
}

/*
 * A large, valid, synthetic state (synth, tests/unit/showstream.c):
 * NSTREAMS StreamIDs from 16 (protected), each with a stage 1 CD (SSID 0)
 * whose page table holds NRANGES/NSTREAMS ranges of 4 KiB pages that do not
 * fold together.  Boot BOOTN's tables sit at their own addresses, the
 * translation is the same; MUTATE moves the last range's output address.
 */
static inline void t_synth(struct hl_state *s, unsigned long long nranges, unsigned long long nstreams,
			   unsigned long long bootn, int mutate)
{
	struct tlog l;

	hl_state_init(s);
	t_boot(s, &l, bootn << 32 | 0x5e7f, "7.3.4-synth", bootn * 1000000000ULL, 25000000);
	t_smmu(s, 0, 0);
	s->ranges.v = hl_vec_grow(s->ranges.v, &s->ranges.cap, nranges, sizeof(struct hl_range));
	for (unsigned long long k = 0; k < nstreams; k++) {
		/* Tables at other addresses in each boot; the same translation. */
		u64 root = 0x100000000ULL * bootn + k * 0x1000000ULL;
		u64 cdtab = 0x200000000ULL * bootn + k * 0x10000ULL;
		struct hl_protect_disk p = { .smmu = 0, .sid = 16 + k };
		u64 ste[8], cd[8];
		unsigned long long per = nranges / nstreams + (k < nranges % nstreams);

		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, cdtab, 0);
		hl_state_set_ste(s, 0, 16 + k, ste);
		mk_s1_cd(cd, 1 + k, root);
		hl_state_set_cd(s, 0, 16 + k, 0, cd);
		VEC_PUSH(s->protect, p);
		for (unsigned long long i = 0; i < per; i++) {
			struct hl_range r = {
				.root = root, .iova = i * 0x2000, .size = 0x1000,
				.oa = 0x4000000000ULL + k * 0x100000000ULL + i * 0x2000,
				/* AP[2] (read-only) on every other range: no folding */
				.attrs = 0x403 | ((i & 1) ? 0x80 : 0),
				.level = 3, .granule = 12, .stage = 1, .leaf_log2 = 12,
			};

			s->ranges.v[s->ranges.n++] = r;
		}
	}
	if (mutate && s->ranges.n)
		s->ranges.v[s->ranges.n - 1].oa += 0x100000;
}

/*
 * The same shape as t_synth() built as a capture builds it from a walk: for
 * each StreamID its STE, its CD and one walker record per 4 KiB page, each
 * through hl_state_apply() (the collector's intake), the records kept as the
 * log.  The benchmarks time it (synth -w): the walk's cost in the collector.
 * The tables sit in the opposite order of their StreamIDs (the driver
 * allocates them as devices attach, the walker goes by StreamID): each
 * table's leaves arrive below every table already walked.
 */
static inline void t_synth_walk(struct hl_state *s, unsigned long long nranges,
				unsigned long long nstreams, unsigned long long bootn)
{
	struct tlog l;

	hl_state_init(s);
	t_boot(s, &l, bootn << 32 | 0x5e7f, "7.3.4-synth", bootn * 1000000000ULL, 25000000);
	t_smmu(s, 0, 0);
	s->events.v = hl_vec_grow(s->events.v, &s->events.cap, nranges + 2 * nstreams,
				  sizeof(struct hl_record));
	for (unsigned long long k = 0; k < nstreams; k++) {
		u64 root = 0x100000000ULL * bootn + (nstreams - 1 - k) * 0x1000000ULL;
		u64 cdtab = 0x200000000ULL * bootn + k * 0x10000ULL;
		struct hl_protect_disk p = { .smmu = 0, .sid = 16 + k };
		u64 ste[8], cd[8];
		unsigned long long per = nranges / nstreams + (k < nranges % nstreams);
		struct hl_record *r;

		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, cdtab, 0);
		mk_s1_cd(cd, 1 + k, root);
		t_walked_ste_cd(&l, 16 + k, ste, cd);
		VEC_PUSH(s->protect, p);
		for (unsigned long long i = 0; i < per; i++) {
			r = t_rec(&l, HL_K_PTE);
			r->hdr.mode = HL_MODE_WALKER;
			r->pte.root = root;
			r->pte.iova = i * 0x2000;
			r->pte.level = 3;
			r->pte.granule = 12;
			r->pte.stage = 1;
			/* AP[2] (read-only) on every other page: no folding */
			r->pte.new_desc = pg(0x4000000000ULL + k * 0x100000000ULL + i * 0x2000) |
					  ((i & 1) ? 0x80 : 0);
			t_put(&l, r);
		}
	}
}

/*
 * Fragmented unmaps (synth -f, the benchmarks' "unmap" section): StreamID
 * 16 (protected, stage 1, ASID 1) with NPAGES 4 KiB pages walked at
 * 0..NPAGES pages of IOVA, neighbours differing in AP[2] so that none fold,
 * then unmapped one page at a time as io-pgtable does (the leaf cleared,
 * a TLBI by VA and ASID for it) with the one CMD_SYNC at the end: every
 * unmap an obligation still open when the TLBIs come, every page its own
 * range taken out of the middle of the ranges.
 *   shape 'a': every other page, in IOVA order (NPAGES / 2 unmaps)
 *   shape 'r': every page, in a random order (the same for a given NPAGES)
 *   shape 'm': as 'a', then each of those pages mapped back as it was,
 *              in IOVA order, before the CMD_SYNC (each new entry over an
 *              obligation still open: no finding, it maps what it did)
 * Each record goes through hl_state_apply() (the collector's intake) and
 * is kept as the log, which `hitless diff` judges: HITLESS.
 */
static inline void t_synth_unmap(struct hl_state *s, unsigned long long npages, int shape)
{
	const u64 root = 0x100000000ULL, cdtab = 0x200000000ULL;
	struct hl_protect_disk p = { .smmu = 0, .sid = 16 };
	u64 ste[8], cd[8], x = 0x9e3779b97f4a7c15ULL;
	unsigned long long nun = shape == 'r' ? npages : npages / 2;
	struct hl_record *r;
	struct tlog l;
	u64 *order;

	hl_state_init(s);
	t_boot(s, &l, 1ULL << 32 | 0x5e7f, "7.3.4-synth", 1000000000ULL, 25000000);
	t_smmu(s, 0, 0);
	s->events.v = hl_vec_grow(s->events.v, &s->events.cap, 4 + npages + 3 * nun,
				  sizeof(struct hl_record));
	VEC_PUSH(s->protect, p);
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, cdtab, 0);
	mk_s1_cd(cd, 1, root);
	t_walked_ste_cd(&l, 16, ste, cd);
	for (unsigned long long i = 0; i < npages; i++) {
		r = t_rec(&l, HL_K_PTE);
		r->hdr.mode = HL_MODE_WALKER;
		r->pte.root = root;
		r->pte.iova = i * 0x1000;
		r->pte.level = 3;
		r->pte.granule = 12;
		r->pte.stage = 1;
		r->pte.new_desc = pg(0x4000000000ULL + i * 0x1000) | ((i & 1) ? 0x80 : 0);
		t_put(&l, r);
	}
	order = malloc((nun ? nun : 1) * sizeof(*order));
	if (!order)
		abort();
	for (unsigned long long i = 0; i < nun; i++)
		order[i] = shape == 'r' ? i : 2 * i;
	for (unsigned long long i = nun; shape == 'r' && i > 1; i--) {
		u64 j, t;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;	/* xorshift64 */
		j = x % i;
		t = order[i - 1], order[i - 1] = order[j], order[j] = t;
	}
	for (unsigned long long k = 0; k < nun; k++) {
		u64 i = order[k];

		t_pte(&l, root, i * 0x1000, 3, 1,
		      pg(0x4000000000ULL + i * 0x1000) | ((i & 1) ? 0x80 : 0), 0);
		t_tlbi_va(&l, 1, i * 0x1000);
	}
	for (unsigned long long k = 0; shape == 'm' && k < nun; k++)
		t_pte(&l, root, order[k] * 0x1000, 3, 1, 0,
		      pg(0x4000000000ULL + order[k] * 0x1000) | ((order[k] & 1) ? 0x80 : 0));
	t_sync(&l);
	free(order);
}

/*
 * The rig's story, hand-built: StreamID 16 (protected) translates through
 * stage 1 (CD SSID 0, ASID 1) with a 2 MiB block and sixteen 4 KiB pages;
 * StreamID 8 bypasses.  The old kernel pauses the VM, runs LUO and kexecs;
 * the new kernel probes the SMMU, restores the device, iommufd comes back,
 * the VM resumes.  The new kernel's CD table and page tables live at new
 * addresses but translate the same.
 *   variant 0: hitless
 *   variant 1: the new kernel re-installs StreamID 16 through V=0, and one
 *              page maps a different physical address
 *   variant 2: hitless, but the after-log lost records
 */
#define FX_SID 16
#define FX_ROOT_A 0x80000000ULL
#define FX_ROOT_B 0x90000000ULL
#define FX_FRQ 62500000ULL		/* QEMU virt: 62.5 MHz */
#define FX_BOOT_A 0xa1a1a1a1a1a1a1a1ULL
#define FX_BOOT_B 0xb2b2b2b2b2b2b2b2ULL

static inline void fx_map(struct tlog *l, u64 root, int variant, int after)
{
	/* level 1 table -> level 2 table -> 2 MiB block at 1 GiB; pages at 0x10000.. */
	t_pte(l, root, 0x40000000, 2, 1, 0, blk(0x880000000ULL));
	for (int i = 0; i < 16; i++) {
		u64 pa = 0x881000000ULL + i * 0x1000ULL;

		if (after && variant == 1 && i == 7)
			pa = 0x8ff000000ULL;
		t_pte(l, root, 0x10000 + i * 0x1000ULL, 3, 1, 0, pg(pa));
	}
}

static inline void fx_build(struct hl_state *a, struct hl_state *b, int variant)
{
	struct tlog l;
	u64 ste[8] = { 0 }, cd[8] = { 0 }, tgt[8], byp[8] = { 0 };
	struct hl_protect_disk p = { .smmu = HL_ANY_SMMU, .sid = FX_SID };

	hl_state_init(a);
	hl_state_init(b);

	/* old kernel, boot A: counter starts at 1e9 ticks */
	t_boot(a, &l, FX_BOOT_A, "7.3.4-hitless", 1000000000ULL, FX_FRQ);
	t_smmu(a, 0, 0);
	VEC_PUSH(a->protect, p);
	t_ms(&l, HL_MS_KERNEL_START, 0);
	mk_bypass_ste(tgt);
	t_write_entry(&l, 0, 8, 0, byp, tgt);
	mk_s1_cd(tgt, 1, FX_ROOT_A);
	t_write_entry(&l, 1, FX_SID, 0, cd, tgt);
	fx_map(&l, FX_ROOT_A, variant, 0);
	mk_cdtable_ste(tgt, STRTAB_STE_1_S1DSS_SSID0, 0x70000000ULL, 0);
	t_write_entry(&l, 0, FX_SID, 0, ste, tgt);
	t_wait(&l, 2000000);
	t_ms(&l, HL_MS_VM_PAUSED, 0);
	t_ms(&l, HL_MS_LUO_PREPARE, 0);
	t_wait(&l, 500000);
	t_ms(&l, HL_MS_LUO_FREEZE, 0);
	t_ms(&l, HL_MS_KHO_FINALIZE, 0);
	t_wait(&l, 100000);
	t_ms(&l, HL_MS_KEXEC_REBOOT, 0);

	/* new kernel, boot B: 180 ms later on the counter, ktime from 0 again */
	t_boot(b, &l, FX_BOOT_B, "7.3.4-hitless", 1000000000ULL + (l.t + 180000000ULL) * FX_FRQ / 1000000000ULL,
	       FX_FRQ);
	t_smmu(b, 0, 0);
	VEC_PUSH(b->protect, p);
	t_ms(&l, HL_MS_KERNEL_START, 0);
	t_wait(&l, 300000000);
	t_ms(&l, HL_MS_SMMU_PROBE_START, 0);
	/* the preserved tables come back (KHO): state, not writes */
	mk_bypass_ste(tgt);
	hl_state_set_ste(b, 0, 8, tgt);
	mk_s1_cd(tgt, 1, FX_ROOT_B);
	hl_state_set_cd(b, 0, FX_SID, 0, tgt);
	memcpy(cd, tgt, 64);
	{
		struct tlog w = l;	/* page tables re-read by the walker */

		w.seq = 0;
		fx_map(&w, FX_ROOT_B, variant, 1);
		b->events.n -= 17;	/* keep them as state only */
	}
	mk_cdtable_ste(tgt, STRTAB_STE_1_S1DSS_SSID0, 0x78000000ULL, 0);
	if (variant == 1) {
		/* re-installed through V=0: S1ContextPtr and S1DSS change together */
		u64 cur[8], brk[8];

		mk_cdtable_ste(cur, STRTAB_STE_1_S1DSS_BYPASS, 0x70000000ULL, 0);
		hl_state_set_ste(b, 0, FX_SID, cur);
		memcpy(brk, cur, 64);
		t_write_entry(&l, 0, FX_SID, 0, brk, tgt);
	} else {
		hl_state_set_ste(b, 0, FX_SID, tgt);
	}
	t_wait(&l, 1000000);
	t_ms(&l, HL_MS_SMMU_PROBE_END, 0);
	t_wait(&l, 2000000);
	t_ms(&l, HL_MS_DEVICE_RESTORE, FX_SID);
	if (variant == 2)
		t_lost(&l, 3);
	t_wait(&l, 5000000);
	t_iommufd(&l, HL_IOMMUFD_HWPT_ALLOC, 0, 0);
	t_iommufd(&l, HL_IOMMUFD_IOAS_MAP, 0x10000, 0x10000);
	t_iommufd(&l, HL_IOMMUFD_HWPT_ATTACH, 0, 0);
	t_wait(&l, 1000000);
	t_ms(&l, HL_MS_VM_RESUMED, 0);
	t_wait(&l, 4000000);
	t_ms(&l, HL_MS_LUO_FINISH, 0);
	/* the snapshot keeps the new boot's log; the old boot's is in `a` */
}

#endif
