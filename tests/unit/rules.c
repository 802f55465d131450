// SPDX-License-Identifier: GPL-2.0
/*
 * Every verdict rule against hand-built transitions: each case once with
 * the rule broken (the finding must appear, naming the right StreamID/IOVA
 * and records) and once done right (it must not).  Deleting a rule's code
 * makes its "broken" case fail.
 */
#include <stdio.h>
#include <string.h>
#include "tap.h"
#include "build.h"
#include "timeline.h"

static struct hl_state S, S2;
static struct tlog L;
static struct hl_verdict V;
static struct hl_protect_disk PROT[1] = { { HL_ANY_SMMU, 16 } };

static void begin(int bbml2, int ats)
{
	hl_state_init(&S);
	t_boot(&S, &L, 0x1111, "test", 0, 1000000000ULL);
	t_smmu(&S, bbml2, ats);
}

static int count(const char *rule)
{
	int n = 0;

	for (size_t i = 0; i < V.findings.n; i++)
		n += !strcmp(V.findings.v[i].rule, rule);
	return n;
}

static const struct hl_finding *first(const char *rule)
{
	for (size_t i = 0; i < V.findings.n; i++)
		if (!strcmp(V.findings.v[i].rule, rule))
			return &V.findings.v[i];
	return NULL;
}

static void judge(const struct hl_state *after)
{
	hl_analyze(&S, after, PROT, 1, &V);
}

static void end(void)
{
	for (size_t i = 0; i < V.findings.n; i++)
		tap_diag("  %s %s", V.findings.v[i].rule, V.findings.v[i].msg);
	hl_verdict_free(&V);
	hl_state_free(&S);
}

static void ste_break(void)
{
	u64 cur[8] = { 0 }, a[8], b[8];

	/* protected StreamID 16: the non-hitless pair of arm-smmu-v3-test.c */
	begin(0, 0);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, 0x78000000, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_write_entry(&L, 0, 16, 0, cur, b);
	judge(NULL);
	{
		const struct hl_finding *f = first(R_STE_BREAK);

		tap_ok(f && f->has_sid && f->sid == 16 && f->sev == SEV_ERROR && f->nrefs >= 2 &&
		       hl_verdict_exit(&V) == 1, "STE-BREAK: V=0 on protected StreamID 16, with its records");
	}
	end();

	/* the same on an unprotected StreamID is classified, not a finding */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 17, 0, cur, a);
	t_write_entry(&L, 0, 17, 0, cur, b);
	judge(NULL);
	tap_ok(!count(R_STE_BREAK) && V.transitions.n == 2 && V.transitions.v[1].kind == TR_BREAKING &&
	       V.transitions.v[0].kind == TR_INSTALL && hl_verdict_exit(&V) == 0,
	       "STE-BREAK: unprotected StreamID: install then breaking, no finding");
	end();

	/* protected, hitless change (S1DSS only): no finding */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, 0x70000000, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_write_entry(&L, 0, 16, 0, cur, b);
	judge(NULL);
	tap_ok(!V.findings.n && V.transitions.v[1].kind == TR_HITLESS && V.transitions.v[1].nwrites == 1,
	       "STE-BREAK: a hitless S1DSS change on a protected StreamID is clean");
	end();

	/* removal of a protected StreamID */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	memset(b, 0, sizeof(b));
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_write_entry(&L, 0, 16, 0, cur, b);
	judge(NULL);
	tap_ok(count(R_STE_REMOVE) == 1 && first(R_STE_REMOVE)->sid == 16, "STE-REMOVE: protected StreamID made invalid");
	end();

	/* set to abort (valid, no translation): the device loses it all the same */
	for (int k = 0; k < 2; k++) {
		begin(0, 0);
		memset(cur, 0, sizeof(cur));
		if (k)
			mk_bypass_ste(b);
		else
			mk_abort_ste(b);
		t_write_entry(&L, 0, 16, 0, cur, a);
		t_write_entry(&L, 0, 16, 0, cur, b);
		judge(NULL);
		tap_ok(count(R_STE_REMOVE) == 1 && strstr(first(R_STE_REMOVE)->msg, "abort or bypass"),
		       "STE-REMOVE: protected StreamID's STE set to %s", k ? "bypass" : "abort");
		end();
	}
}

static void cd_break(void)
{
	u64 cur[8] = { 0 }, a[8], b[8], z[8] = { 0 };

	begin(0, 0);
	mk_s1_cd(a, 1, 0x1000);
	mk_s1_cd(b, 2, 0x2000);
	t_write_entry(&L, 1, 16, 0, cur, a);
	/* TTB0 and ASID both change: written through V=0, as arm_smmu_write_entry() does */
	{
		u64 s1[8], s2[8];

		memcpy(s1, a, 64);
		s1[0] = 0;
		memcpy(s2, b, 64);
		s2[0] = 0;
		t_cd(&L, 16, 0, HL_STEP_BREAK, a, s1);
		t_cfgi_cd(&L, 16, 0);
		t_sync(&L);
		t_cd(&L, 16, 0, HL_STEP_FILL, s1, s2);
		t_cfgi_cd(&L, 16, 0);
		t_sync(&L);
		t_cd(&L, 16, 0, HL_STEP_SETV, s2, b);
	}
	(void)z;
	t_cfgi_cd(&L, 16, 0);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_CD_BREAK) == 1 && first(R_CD_BREAK)->has_ssid && !count(R_CD_TORN),
	       "CD-BREAK: a protected StreamID's CD went V=0");
	end();
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	mk_s1_cd(b, 2, 0x1000);
	t_write_entry(&L, 1, 16, 0, cur, a);
	t_write_entry(&L, 1, 16, 0, cur, b);
	judge(NULL);
	tap_ok(!V.findings.n, "CD-BREAK: an ASID change is one write, clean");
	end();
}

static void inv_ste(void)
{
	u64 cur[8] = { 0 }, a[8], b[8];

	mk_s2_ste(a, 0, 0x80000000, 1);
	mk_s2_ste(b, 0, 0x80000000, 2);
	/* no CFGI at all (VMID 1 -> 2 -> 1: one qword each, hitless) */
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_sync(&L);
	t_ste(&L, 16, HL_STEP_CRITICAL, b, a);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
	judge(NULL);
	{
		const struct hl_finding *f = first(R_INV_STE);
		u64 w1 = L.seq - 6, w2 = L.seq - 3;

		tap_ok(count(R_INV_STE) == 1 && f->sid == 16 && f->sev == SEV_ERROR && f->nrefs == 2 &&
		       f->refs[0].seq == w1 && f->refs[1].seq == w2 && !count(R_STE_TORN),
		       "INV-STE: write #%llu not invalidated before write #%llu",
		       (unsigned long long)w1, (unsigned long long)w2);
	}
	end();
	/* CFGI for another StreamID */
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_cfgi_ste(&L, 17);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_STE) == 1 && first(R_INV_STE)->sev == SEV_WARNING,
	       "INV-STE: CFGI_STE of StreamID 17 does not cover 16 (log end: warning)");
	end();
	/* CFGI but no CMD_SYNC before the next write */
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_cfgi_ste(&L, 16);
	t_ste(&L, 16, HL_STEP_CRITICAL, b, a);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_STE) == 1 && strstr(first(R_INV_STE)->msg, "no CMD_SYNC"),
	       "INV-STE: CFGI_STE without CMD_SYNC");
	end();
	/* done right: CFGI_STE + sync, and CFGI_ALL + sync */
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
	t_ste(&L, 16, HL_STEP_CRITICAL, b, a);
	t_cfgi_all(&L);
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0, "INV-STE: CFGI_STE/CFGI_ALL then CMD_SYNC: clean");
	end();
	/* sync issued but its completion not recorded while others are: not yet synced */
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_cfgi_ste(&L, 16);
	t_cmd(&L, FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CMD_SYNC), 0, 0);
	t_ste(&L, 16, HL_STEP_CRITICAL, b, a);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_STE) == 1, "INV-STE: a CMD_SYNC that never completes does not count");
	end();
}

static void inv_cd(void)
{
	u64 cur[8] = { 0 }, a[8];

	u64 b[8];

	mk_s1_cd(a, 1, 0x1000);
	mk_s1_cd(b, 2, 0x1000);
	begin(0, 0);
	t_write_entry(&L, 1, 16, 3, cur, a);
	t_cd(&L, 16, 3, HL_STEP_CRITICAL, a, b);
	t_cfgi_cd(&L, 16, 2);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_CD) == 1 && first(R_INV_CD)->ssid == 3, "INV-CD: CFGI_CD for SSID 2 does not cover SSID 3");
	end();
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 1, 16, 3, cur, a);
	t_cd(&L, 16, 3, HL_STEP_CRITICAL, a, b);
	t_cfgi_cd(&L, 16, 3);
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n, "INV-CD: CFGI_CD(16, 3) then CMD_SYNC: clean");
	end();
}

/* a stage-1 domain: StreamID 16 -> CD SSID 0 (ASID 5) -> table 0x80000000 */
static void s1_domain(int ats)
{
	u64 cur[8] = { 0 }, ste[8], cd[8];

	mk_s1_cd(cd, 5, 0x80000000);
	t_write_entry(&L, 1, 16, 0, cur, cd);
	memset(cur, 0, sizeof(cur));
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, ats ? T_ATS : 0);
	t_write_entry(&L, 0, 16, 0, cur, ste);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, 0, blk(0x880000000ULL));
	t_pte(&L, 0x80000000, 0x1000, 3, 1, 0, pg(0x881000000ULL));
}

static void inv_tlb(void)
{
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_sync(&L);
	judge(NULL);
	{
		const struct hl_finding *f = first(R_INV_TLB);

		tap_ok(count(R_INV_TLB) == 1 && f->has_iova && f->iova_lo == 0x1000 && f->iova_hi == 0x2000,
		       "INV-TLB: unmapped page without TLBI, IOVA 0x1000-0x1fff named");
	}
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_tlbi_va(&L, 6, 0x1000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_TLB) == 1, "INV-TLB: TLBI_NH_VA for ASID 6 does not cover ASID 5");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_tlbi_va(&L, 5, 0x1000);
	judge(NULL);
	tap_ok(count(R_INV_TLB) == 1 && strstr(first(R_INV_TLB)->msg, "no CMD_SYNC"),
	       "INV-TLB: TLBI without CMD_SYNC");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_tlbi_va(&L, 5, 0x1000);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), 0);
	t_tlbi_va_range(&L, 5, 0x200000, 15, 1);	/* 16 * 64 pages = 4 MiB from 2 MiB */
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n, "INV-TLB: TLBI_NH_VA and range TLBI covering, then CMD_SYNC: clean");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), 0);
	t_tlbi_va_range(&L, 5, 0x200000, 0, 1);	/* 64 pages: 256 KiB of the 2 MiB */
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_TLB) == 1, "INV-TLB: a range TLBI covering 256 KiB of a 2 MiB block is not enough");
	end();
	/* stage 2 */
	begin(0, 0);
	{
		u64 cur[8] = { 0 }, ste[8];

		mk_s2_ste(ste, 0, 0x90000000, 7);
		t_write_entry(&L, 0, 16, 0, cur, ste);
		t_pte(&L, 0x90000000, 0x4000, 3, 2, 0, pg2(0x882000000ULL));
		t_pte(&L, 0x90000000, 0x4000, 3, 2, pg2(0x882000000ULL), 0);
		t_tlbi_ipa(&L, 7, 0x4000);
		t_sync(&L);
	}
	judge(NULL);
	tap_ok(!V.findings.n, "INV-TLB: stage 2 unmap with TLBI_S2_IPA(VMID 7) + CMD_SYNC: clean");
	end();
}

/*
 * A stage-2 domain (a nesting parent): StreamID 16's STE Config S2, S2TTB
 * 0x90000000, VMID 7.  What is owed for its table is a stage-2 TLBI of
 * that VMID; a stage-1 TLBI or another VMID's does not cover it.
 */
static void s2_domain(int late)
{
	u64 cur[8] = { 0 }, ste[8];

	mk_s2_ste(ste, 0, 0x90000000, 7);
	/* the nesting parent's HWPT is filled before its STE: a tracepoint says stage 1 */
	t_pte(&L, 0x90000000, 0x200000, 2, late ? 1 : 2, 0, blk2(0x882000000ULL));
	t_write_entry(&L, 0, 16, 0, cur, ste);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
}


static void stage2(void)
{
	static const struct {
		const char *what;
		int cmd;	/* 0 none, 1 S2_IPA VMID 7, 2 S2_IPA VMID 8, 3 S12_VMALL VMID 7, 4 NH_ASID, 5 NH_ALL VMID 7 */
		int late;	/* the unmap's record says stage 1 (capture started after the STE) */
		int want;	/* INV-TLB findings */
	} c[] = {
		{ "no TLBI", 0, 0, 1 },
		{ "TLBI_S2_IPA of VMID 7", 1, 0, 0 },
		{ "TLBI_S2_IPA of VMID 8 (another domain's)", 2, 0, 1 },
		{ "TLBI_S12_VMALL of VMID 7", 3, 0, 0 },
		{ "a stage-1 TLBI_NH_ASID", 4, 0, 1 },
		{ "a stage-1 TLBI_NH_ALL of VMID 7 (the nested guest's, not stage 2)", 5, 0, 1 },
		{ "no TLBI, the records tagged stage 1", 0, 1, 1 },
		{ "TLBI_S2_IPA of VMID 7, the records tagged stage 1", 1, 1, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const struct hl_finding *f;

		begin(0, 0);
		s2_domain(c[i].late);
		t_pte(&L, 0x90000000, 0x200000, 2, c[i].late ? 1 : 2, blk2(0x882000000ULL), 0);
		switch (c[i].cmd) {
		case 1: t_tlbi_ipa(&L, 7, 0x200000); break;
		case 2: t_tlbi_ipa(&L, 8, 0x200000); break;
		case 3: t_cmd(&L, OP(TLBI_S12_VMALL) | FIELD_PREP(CMDQ_TLBI_0_VMID, 7), 0, 0); break;
		case 4: t_cmd(&L, OP(TLBI_NH_ASID) | FIELD_PREP(CMDQ_TLBI_0_ASID, 7), 0, 0); break;
		case 5: t_cmd(&L, OP(TLBI_NH_ALL) | FIELD_PREP(CMDQ_TLBI_0_VMID, 7), 0, 0); break;
		}
		t_sync(&L);
		judge(NULL);
		f = first(R_INV_TLB);
		tap_ok(count(R_INV_TLB) == c[i].want && (int)V.findings.n == c[i].want &&
		       (!f || (f->iova_lo == 0x200000 && f->root == 0x90000000 &&
			       strstr(f->msg, "of stage-2 table 0x90000000 (VMID 7)") &&
			       f->nusers == 1 && f->users[0].sid == 16)),
		       "INV-TLB, stage 2: a 2 MiB block unmapped, then %s: %s", c[i].what,
		       c[i].want ? "INV-TLB naming the stage-2 table, VMID 7 and its user StreamID 16" : "clean");
		end();
	}
	/* a stage-2 block split into a table in one write (then TLBI by VMID) */
	begin(0, 0);
	s2_domain(0);
	for (int i = 0; i < 512; i++)
		t_pte(&L, 0x90000000, 0x200000 + i * 0x1000ULL, 3, 2, 0, pg2(0x882000000ULL + i * 0x1000ULL));
	t_pte(&L, 0x90000000, 0x200000, 2, 2, blk2(0x882000000ULL), tbl(0x8a0000000ULL));
	t_cmd(&L, OP(TLBI_S12_VMALL) | FIELD_PREP(CMDQ_TLBI_0_VMID, 7), 0, 0);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_BBM_SIZE) == 1 && V.findings.n == 1 && first(R_BBM_SIZE)->root == 0x90000000,
	       "BBM-SIZE, stage 2: a live stage-2 block replaced by a table in one write");
	end();
	/* the state: ranges of a root an S2 STE points at are stage 2, whatever the records said */
	begin(0, 0);
	s2_domain(1);
	t_pte(&L, 0x90000000, 0x400000, 2, 1, 0, blk2(0x884000000ULL));
	{
		struct hl_state st;
		int ok = 1, n = 0;

		hl_state_init(&st);
		for (size_t i = 0; i < S.events.n; i++)
			hl_state_apply(&st, &S.events.v[i]);
		hl_ranges_settle(&st);
		for (size_t i = 0; i < st.ranges.n; i++, n++)
			ok &= st.ranges.v[i].root == 0x90000000 && st.ranges.v[i].stage == 2;
		tap_ok(ok && n >= 1, "the state: a stage-2 table's ranges are stage 2 (written before its STE, and after it tagged 1): %d ranges", n);
		hl_state_free(&st);
	}
	end();
}

static void inv_tlb_table(void)
{
	/* a level-2 table (2 MiB span) removed: every 4K granule's VA, or a range */
	for (int k = 0; k < 2; k++) {
		begin(0, 0);
		s1_domain(0);
		t_pte(&L, 0x80000000, 0x400000, 2, 1, 0, tbl(0x8b0000000ULL));
		t_pte(&L, 0x80000000, 0x400000, 2, 1, tbl(0x8b0000000ULL), 0);
		for (int i = 0; i < 512 - k; i++)
			t_tlbi_va(&L, 5, 0x400000 + i * 0x1000ULL);
		t_sync(&L);
		judge(NULL);
		tap_ok(k ? count(R_INV_TLB) == 1 : !V.findings.n,
		       k ? "INV-TLB: table removed, one 4K granule of its 2 MiB left out"
			 : "INV-TLB: table removed, 512 VA TLBIs cover its 2 MiB: clean");
		end();
	}
	/* 64K granule: a level-2 table spans 512 MiB; VA TLBIs cover 64K each */
	begin(0, 0);
	s1_domain(0);
	{
		struct hl_record *r = t_rec(&L, HL_K_PTE);

		r->pte.root = 0x80000000;
		r->pte.iova = 0x20000000;
		r->pte.level = 3;
		r->pte.granule = 16;
		r->pte.stage = 1;
		r->pte.old_desc = pg(0x900000000ULL);
		r->pte.new_desc = 0;
		t_put(&L, r);
	}
	t_tlbi_va(&L, 5, 0x20000000);
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n, "INV-TLB: 64K page unmapped, one VA TLBI: clean");
	end();
}

static void inv_atc(void)
{
	begin(0, 1);
	s1_domain(1);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_tlbi_va(&L, 5, 0x1000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_ATC) == 1 && first(R_INV_ATC)->sid == 16 && !count(R_INV_TLB),
	       "INV-ATC: StreamID 16 has ATS (EATS): unmap needs CMD_ATC_INV");
	end();
	begin(0, 1);
	s1_domain(1);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_tlbi_va(&L, 5, 0x1000);
	t_atc_inv_all(&L, 16);
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n, "INV-ATC: TLBI + ATC_INV + CMD_SYNC: clean");
	end();
}

/*
 * The open obligations' index (verdict.c, struct ob_index): a TLBI, an
 * ATC_INV or a CMD_SYNC finds what it covers through it, at its edges.
 */
static void t_cmd_smmu(u32 smmu, u64 c0, u64 c1, u32 flags)
{
	struct hl_record *r = t_rec(&L, HL_K_CMD);

	r->cmd.smmu = smmu;
	r->cmd.cmd[0] = c0;
	r->cmd.cmd[1] = c1;
	r->cmd.flags = flags;
	t_put(&L, r);
}

static void t_sync_smmu(u32 smmu)
{
	t_cmd_smmu(smmu, OP(CMD_SYNC), 0, 0);
	t_cmd_smmu(smmu, OP(CMD_SYNC), 0, HL_CMD_F_SYNC_DONE);
}

/* three stage-1 domains on one IOVA layout: StreamID 16 + k, ASID 5 + k, table 0x80000000 + k MiB */
static void s1_domains(void)
{
	for (int k = 0; k < 3; k++) {
		u64 cur[8] = { 0 }, ste[8], cd[8];

		mk_s1_cd(cd, 5 + k, 0x80000000 + k * 0x100000ULL);
		t_write_entry(&L, 1, 16 + k, 0, cur, cd);
		memset(cur, 0, sizeof(cur));
		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000 + k * 0x1000ULL, 0);
		t_write_entry(&L, 0, 16 + k, 0, cur, ste);
	}
}

static int tlb_on(u64 root, u64 lo)
{
	int n = 0;

	for (size_t i = 0; i < V.findings.n; i++)
		n += !strcmp(V.findings.v[i].rule, R_INV_TLB) && V.findings.v[i].root == root &&
		     V.findings.v[i].iova_lo == lo;
	return n;
}

static void inv_index(void)
{
	const u64 R = 0x80000000;

	/* the same IOVA in three domains: a TLBI by ASID covers only its own */
	begin(0, 0);
	s1_domains();
	for (int k = 0; k < 3; k++) {
		t_pte(&L, R + k * 0x100000ULL, 0x5000, 3, 1, 0, pg(0x881000000ULL + k * 0x10000ULL));
		t_pte(&L, R + k * 0x100000ULL, 0x5000, 3, 1, pg(0x881000000ULL + k * 0x10000ULL), 0);
	}
	t_tlbi_va(&L, 6, 0x5000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_INV_TLB) == 2 && tlb_on(R, 0x5000) == 1 && tlb_on(R + 0x200000, 0x5000) == 1,
	       "obligation index: one IOVA unmapped in 3 domains, TLBI_NH_VA of ASID 6: ASIDs 5 and 7 still owed");
	end();

	/* ranges against pages and blocks: from below a block's start, from inside it, in two halves */
	{
		static const struct {
			const char *what;
			u64 va;
			unsigned num, scale;
			int halves, want;
		} c[] = {
			{ "a range TLBI from a page below its start", 0x1ff000, 15, 1, 0, 0 },
			{ "a range TLBI from inside it", 0x300000, 15, 1, 0, 1 },
			{ "two range TLBIs, one half each", 0x200000, 7, 1, 1, 0 },
			{ "a range TLBI of 8 GiB (more keys than obligations)", 0, 31, 3, 0, 0 },
			{ "a range TLBI of 8 GiB from above it", 0x400000, 31, 3, 0, 1 },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			begin(0, 0);
			s1_domain(0);
			t_pte(&L, R, 0x200000, 2, 1, blk(0x880000000ULL), 0);
			t_pte(&L, R, 0x1000, 3, 1, pg(0x881000000ULL), 0);
			t_tlbi_va(&L, 5, 0x1000);
			t_tlbi_va_range(&L, 5, c[i].va, c[i].num, c[i].scale);
			if (c[i].halves)
				t_tlbi_va_range(&L, 5, c[i].va + 0x100000, c[i].num, c[i].scale);
			t_sync(&L);
			judge(NULL);
			tap_ok(count(R_INV_TLB) == c[i].want && tlb_on(R, 0x200000) == c[i].want && !tlb_on(R, 0x1000),
			       "obligation index: a 2 MiB block and a page unmapped, %s: %s", c[i].what,
			       c[i].want ? "the block still owed" : "clean");
			end();
		}
	}

	/* no STE known: the obligation names no ASID, any TLBI of its address covers it */
	for (int k = 0; k < 2; k++) {
		begin(0, 0);
		t_pte(&L, R, 0x3000, 3, 1, pg(0x881000000ULL), 0);
		t_tlbi_va(&L, 9, k ? 0x4000 : 0x3000);
		t_sync(&L);
		judge(NULL);
		tap_ok(count(R_INV_TLB) == k && (!k || tlb_on(R, 0x3000)),
		       "obligation index: no STE known, a TLBI of ASID 9 at %s: %s", k ? "another page" : "its page",
		       k ? "still owed" : "clean");
		end();
	}

	/* every tag, every address: NH_ASID, NH_ALL, NH_VAA and NSNH_ALL over the three domains */
	{
		static const struct {
			const char *what;
			u64 c0, c1;
			int want;	/* of the 5 left */
		} c[] = {
			{ "TLBI_NH_ASID of ASID 7", OP(TLBI_NH_ASID) | FIELD_PREP(CMDQ_TLBI_0_ASID, 7), 0, 3 },
			{ "TLBI_NH_ALL", OP(TLBI_NH_ALL), 0, 0 },
			{ "TLBI_NH_VAA at 0x5000", OP(TLBI_NH_VAA), 0x5000, 3 },
			{ "TLBI_NH_VAA at 0x6000", OP(TLBI_NH_VAA), 0x6000, 2 },
			{ "TLBI_NSNH_ALL", OP(TLBI_NSNH_ALL), 0, 0 },
			{ "TLBI_S2_IPA of VMID 0 (stage 2 only)", OP(TLBI_S2_IPA), 0x6000, 5 },
		};

		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			begin(0, 0);
			s1_domains();
			for (int k = 0; k < 3; k++)
				for (u64 a = 0x5000; a <= 0x6000; a += 0x1000) {
					t_pte(&L, R + k * 0x100000ULL, a, 3, 1, 0, pg(0x881000000ULL + a));
					t_pte(&L, R + k * 0x100000ULL, a, 3, 1, pg(0x881000000ULL + a), 0);
				}
			t_tlbi_va(&L, 5, 0x5000);	/* one of the six: ASID 5's first page */
			t_cmd(&L, c[i].c0, c[i].c1, 0);
			t_sync(&L);
			judge(NULL);
			tap_ok(count(R_INV_TLB) == c[i].want,
			       "obligation index: 2 pages unmapped in 3 domains, ASID 5's first TLBI'd, then %s: %d still owed",
			       c[i].what, count(R_INV_TLB));
			end();
		}
	}

	/* a CMD_SYNC closes only what its own SMMU's invalidations covered */
	for (int k = 0; k < 2; k++) {
		begin(0, 0);
		s1_domain(0);
		t_pte(&L, R, 0x1000, 3, 1, pg(0x881000000ULL), 0);
		t_cmd_smmu(1, OP(TLBI_NH_VA) | FIELD_PREP(CMDQ_TLBI_0_ASID, 5), 0x1000, 0);
		t_sync_smmu(0);
		if (k)
			t_sync_smmu(1);
		judge(NULL);
		tap_ok(count(R_INV_TLB) == !k && (k || strstr(first(R_INV_TLB)->msg, "no CMD_SYNC")),
		       "obligation index: a TLBI on SMMU 1, a CMD_SYNC on SMMU 0%s: %s", k ? " then SMMU 1" : "",
		       k ? "clean" : "still owed its CMD_SYNC");
		end();
	}

	/* obligations compacted away by the hundred, one covered on SMMU 1 across it, one never invalidated */
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, R, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_cmd_smmu(1, OP(TLBI_NH_VA) | FIELD_PREP(CMDQ_TLBI_0_ASID, 5), 0x1000, 0);
	for (int round = 0; round < 3; round++) {
		for (u64 i = 0; i < 100; i++) {
			u64 a = 0x40000000ULL + ((round * 100 + i) << 12);

			t_pte(&L, R, a, 3, 1, 0, pg(0x900000000ULL + a));
			t_pte(&L, R, a, 3, 1, pg(0x900000000ULL + a), 0);
			t_tlbi_va(&L, 5, a);
		}
		t_sync(&L);
	}
	t_pte(&L, R, 0x80000000ULL, 3, 1, 0, pg(0x990000000ULL));
	t_pte(&L, R, 0x80000000ULL, 3, 1, pg(0x990000000ULL), 0);
	t_tlbi_va(&L, 5, 0x80001000ULL);	/* the next page: not it */
	t_sync(&L);
	t_sync_smmu(1);
	judge(NULL);
	tap_ok(count(R_INV_TLB) == 1 && tlb_on(R, 0x80000000ULL) == 1,
	       "obligation index: 300 pages invalidated in 3 syncs (compacted), SMMU 1's covered one closed by its "
	       "own sync after: only the page never invalidated is owed");
	end();

	/*
	 * A new entry over obligations still open, found by table (struct
	 * ob_index tslot): the first opened that it breaks, whichever way
	 * it is found.
	 */
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, R, 0x7000, 3, 1, 0, pg(0x881000000ULL));
	t_pte(&L, R, 0x7000, 3, 1, pg(0x881000000ULL), 0);	/* A */
	t_pte(&L, R, 0x7000, 3, 1, 0, pg(0x881000000ULL));	/* back as it was: nothing to say */
	t_pte(&L, R, 0x7000, 3, 1, pg(0x881000000ULL), 0);	/* B */
	{
		u64 seq_a = L.seq - 2;

		t_pte(&L, R, 0x7000, 3, 1, 0, pg(0x8ff000000ULL));	/* elsewhere, before A's and B's TLBI */
		t_tlbi_va(&L, 5, 0x7000);
		t_sync(&L);
		judge(NULL);
		tap_ok(count(R_PTE_LIVE) == 1 && V.findings.n == 1 && first(R_PTE_LIVE)->nrefs == 2 &&
		       first(R_PTE_LIVE)->refs[0].seq == seq_a,
		       "obligation index: a page unmapped twice, then mapped elsewhere before the TLBI: PTE-LIVE "
		       "against the first unmap (record %llu)", (unsigned long long)seq_a);
	}
	end();
	for (int k = 0; k < 2; k++) {
		/*
		 * a 1 GiB block over three pages still owed (more keys than
		 * obligations: every one looked at); k = 1: the last 4 KiB
		 * page of a 2 MiB block still owed (its key below the page)
		 */
		begin(0, 0);
		s1_domain(0);
		if (k) {
			t_pte(&L, R, 0x40000000ULL, 2, 1, 0, blk(0x8c0000000ULL));
			t_pte(&L, R, 0x40000000ULL, 2, 1, blk(0x8c0000000ULL), 0);
			t_pte(&L, R, 0x401ff000ULL, 3, 1, 0, pg(0x8c01ff000ULL));
		} else {
			for (u64 a = 0x40001000ULL; a < 0x40004000ULL; a += 0x1000) {
				t_pte(&L, R, a, 3, 1, 0, pg(0x881000000ULL + a));
				t_pte(&L, R, a, 3, 1, pg(0x881000000ULL + a), 0);
			}
			t_pte(&L, R, 0x40000000ULL, 1, 1, 0, blk(0x8c0000000ULL));
		}
		t_tlbi_va_range(&L, 5, 0x40000000ULL, 31, 1);
		t_sync(&L);
		judge(NULL);
		tap_ok(count(R_BBM_SIZE) == 1 && V.findings.n == 1 && first(R_BBM_SIZE)->nrefs == 2,
		       "obligation index: %s: BBM-SIZE",
		       k ? "a 4 KiB page mapped at the end of a 2 MiB block still owed"
			 : "a 1 GiB block mapped over 4 KiB pages still owed");
		end();
	}

	/* ATS: a 4 KiB ATC_INV covers its page's ATC obligation, not the next one's */
	for (int k = 0; k < 2; k++) {
		begin(0, 1);
		s1_domain(1);
		t_pte(&L, R, 0x1000, 3, 1, pg(0x881000000ULL), 0);
		t_tlbi_va(&L, 5, 0x1000);
		t_cmd(&L, OP(ATC_INV) | FIELD_PREP(CMDQ_ATC_0_SID, 16), (k ? 0x2000 : 0x1000) | FIELD_PREP(CMDQ_ATC_1_SIZE, 0), 0);
		t_sync(&L);
		judge(NULL);
		tap_ok(count(R_INV_ATC) == k && !count(R_INV_TLB),
		       "obligation index: ATS, a 4 KiB ATC_INV at %s: %s", k ? "the next page" : "the page",
		       k ? "INV-ATC" : "clean");
		end();
	}
}

/* a live 2 MiB block replaced by a table in one write, invalidated, judged */
static void block_to_table(void)
{
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), tbl(0x8a0000000ULL));
	t_tlbi_va(&L, 5, 0x200000);
	t_sync(&L);
	judge(NULL);
}

static void bbm(void)
{
	/* split a live 2 MiB block into a table in one write */
	begin(0, 0);
	s1_domain(0);
	for (int i = 0; i < 512; i++)
		t_pte(&L, 0x80000000, 0x200000 + i * 0x1000ULL, 3, 1, 0, pg(0x880000000ULL + i * 0x1000ULL));
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), tbl(0x8a0000000ULL));
	t_tlbi_va(&L, 5, 0x200000);
	t_sync(&L);
	judge(NULL);
	{
		const struct hl_finding *f = first(R_BBM_SIZE);

		tap_ok(f && f->sev == SEV_ERROR && f->iova_lo == 0x200000 && f->iova_hi == 0x400000,
		       "BBM-SIZE: live block replaced by a table in one write");
	}
	end();
	/* the same with BBML2: a warning */
	begin(1, 0);
	block_to_table();
	tap_ok(count(R_BBM_SIZE) == 1 && first(R_BBM_SIZE)->sev == SEV_WARNING && V.bbml2,
	       "BBM-SIZE: with BBML2 it is a warning");
	end();
	/*
	 * BBML2 known from the driver alone (its ARM_SMMU_FEAT_BBML2; the
	 * IDRs not read): a warning; the driver's features known without it,
	 * or nothing known (IDRs all 0, no identity: a 1.0 snapshot's SMMU the
	 * capture could not read): an error, never a BBML2 assumed.
	 */
	for (int k = 0; k < 3; k++) {
		static const char *const what[3] = {
			"the driver's features say BBML2 (IDRs not read): a warning",
			"the driver's features without BBML2: an error",
			"nothing known of the SMMU: an error",
		};
		struct hl_smmu_id_disk id = { .smmu = 0, .known = HL_SK_FEATURES | HL_SK_OPTIONS,
					      .features = ARM_SMMU_FEAT_TRANS_S1 |
							  (k == 0 ? ARM_SMMU_FEAT_BBML2 : 0) };

		begin(0, 0);
		memset(S.smmus.v[0].idr, 0, sizeof(S.smmus.v[0].idr));
		if (k < 2)
			VEC_PUSH(S.smmu_ids, id);
		block_to_table();
		tap_ok(count(R_BBM_SIZE) == 1 &&
		       first(R_BBM_SIZE)->sev == (k == 0 ? SEV_WARNING : SEV_ERROR) && V.bbml2 == (k == 0),
		       "BBM-SIZE: %s", what[k]);
		end();
	}
	/* IDR3 read and BBM = 2 decides even when the driver's word lacks the bit */
	{
		struct hl_smmu_id_disk id = { .smmu = 0, .known = HL_SK_FEATURES | HL_SK_IDR_ALL,
					      .features = ARM_SMMU_FEAT_TRANS_S1 };

		begin(1, 0);
		VEC_PUSH(S.smmu_ids, id);
		block_to_table();
		tap_ok(count(R_BBM_SIZE) == 1 && first(R_BBM_SIZE)->sev == SEV_WARNING && V.bbml2,
		       "BBM-SIZE: IDR3.BBM = 2 read: a warning (the register over the driver's word)");
		end();
	}
	/* invalid, then new, but without TLBI + sync in between */
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), 0);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, 0, tbl(0x8a0000000ULL));
	t_tlbi_va(&L, 5, 0x200000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_BBM_SIZE) == 1, "BBM-SIZE: invalid then table before the TLBI/CMD_SYNC");
	end();
	/* break-before-make done right */
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, blk(0x880000000ULL), 0);
	t_tlbi_va(&L, 5, 0x200000);
	t_sync(&L);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, 0, tbl(0x8a0000000ULL));
	judge(NULL);
	tap_ok(!V.findings.n, "BBM-SIZE: invalid, TLBI, CMD_SYNC, table: clean");
	end();
}

static void pte_live(void)
{
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), pg(0x8f0000000ULL));
	t_tlbi_va(&L, 5, 0x1000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_PTE_LIVE) == 1 && first(R_PTE_LIVE)->iova_lo == 0x1000,
	       "PTE-LIVE: live page's output address changed in place");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), pg(0x881000000ULL) | (1ULL << 54));
	t_tlbi_va(&L, 5, 0x1000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_PTE_LIVE) == 1, "PTE-LIVE: live page's attributes (UXN) changed in place");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), pg(0x881000000ULL) & ~LPAE_AF);
	judge(NULL);
	tap_ok(!V.findings.n, "PTE-LIVE: hardware-managed AF change is not a finding");
	end();
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	t_pte(&L, 0x80000000, 0x1000, 3, 1, 0, pg(0x8f0000000ULL));
	t_tlbi_va(&L, 5, 0x1000);
	t_sync(&L);
	judge(NULL);
	tap_ok(count(R_PTE_LIVE) == 1, "PTE-LIVE: remapped elsewhere before the old page's TLBI");
	end();
}

/* two snapshots of StreamID 16 around a kexec */
static void xk_pair(int variant)
{
	struct tlog l2;
	u64 ste[8], cd[8];

	begin(0, 0);
	hl_state_init(&S2);
	t_boot(&S2, &l2, 0x2222, "test", 0, 1000000000ULL);
	t_smmu(&S2, 0, 0);
	mk_s1_cd(cd, 5, 0x80000000);
	hl_state_set_cd(&S, 0, 16, 0, cd);
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	hl_state_set_ste(&S, 0, 16, ste);
	t_pte(&L, 0x80000000, 0x200000, 2, 1, 0, blk(0x880000000ULL));
	for (int i = 0; i < 4; i++)
		t_pte(&L, 0x80000000, 0x1000 * (i + 1), 3, 1, 0, pg(0x881000000ULL + 0x1000 * i));
	/* after: new CD table, new ASID, new root; same translations unless the variant says */
	mk_s1_cd(cd, variant == 4 ? 9 : 6, 0x90000000);
	if (variant == 5)
		cd[0] &= ~CTXDESC_CD_0_A;
	if (variant != 6)
		hl_state_set_cd(&S2, 0, 16, 0, cd);
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x78000000, 0);
	if (variant == 2)
		ste[1] &= ~STRTAB_STE_1_S1STALLD;
	if (variant != 3)
		hl_state_set_ste(&S2, 0, 16, ste);
	/* the new kernel's tables: 512 4K pages where the old had a 2 MiB block */
	for (int i = 0; i < 512; i++)
		hl_ranges_write(&S2, 0x90000000, 0x200000 + i * 0x1000ULL, 3, 12, 1, 0,
				pg(0x880000000ULL + i * 0x1000ULL));
	for (int i = 0; i < 4; i++)
		hl_ranges_write(&S2, 0x90000000, 0x1000 * (i + 1), 3, 12, 1, 0,
				pg((variant == 1 && i == 2 ? 0x8ff000000ULL : 0x881000000ULL) + 0x1000 * i));
	S2.events.n = 0;
	judge(&S2);
}

static void xk(void)
{
	xk_pair(0);
	tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0,
	       "XK: S1ContextPtr, TTB0, ASID and leaf sizes differ, translation equal: hitless");
	end();
	hl_state_free(&S2);
	xk_pair(1);
	{
		const struct hl_finding *f = first(R_XK_XLATE);

		tap_ok(count(R_XK_XLATE) == 1 && f->sid == 16 && f->iova_lo == 0x3000 && f->iova_hi == 0x4000,
		       "XK-XLATE: IOVA 0x3000-0x3fff maps elsewhere after kexec");
	}
	end();
	hl_state_free(&S2);
	xk_pair(2);
	tap_ok(count(R_XK_STE) == 1 && strstr(first(R_XK_STE)->msg, "S1STALLD"),
	       "XK-STE: STE configuration field (S1STALLD) differs");
	end();
	hl_state_free(&S2);
	xk_pair(3);
	tap_ok(count(R_XK_STE) == 1 && strstr(first(R_XK_STE)->msg, "none after"),
	       "XK-STE: protected StreamID has no STE after kexec");
	end();
	hl_state_free(&S2);
	xk_pair(5);
	tap_ok(count(R_XK_CD) == 1 && strstr(first(R_XK_CD)->msg, "A 1 -> 0"),
	       "XK-CD: CD configuration field (A) differs");
	end();
	hl_state_free(&S2);
	xk_pair(6);
	tap_ok(count(R_XK_CD) == 1 && strstr(first(R_XK_CD)->msg, "valid CD before, none after") &&
	       first(R_XK_CD)->sid == 16,
	       "XK-CD: protected StreamID's CD gone after kexec");
	end();
	hl_state_free(&S2);
}

static void t_reg(struct tlog *l, u32 off, u64 old, u64 new)
{
	struct hl_record *r = t_rec(l, HL_K_REG);

	r->reg.offset = off;
	r->reg.old_val = old;
	r->reg.new_val = new;
	t_put(l, r);
}

/* The timeline's dark time for the first protected device of S, or -1 with none. */
static long long dark_ns(void)
{
	json_object *tl = hl_timeline_build(&S, NULL, PROT, 1);
	json_object *d = json_object_array_get_idx(json_object_object_get(tl, "devices"), 0);
	long long ns = d ? json_object_get_int64(json_object_object_get(d, "dark_ns")) : -1;

	json_object_put(tl);
	return ns;
}

static void smmu_off(void)
{
	u64 cur[8] = { 0 }, a[8];

	mk_s2_ste(a, 0, 0x80000000, 1);
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_reg(&L, HL_SMMU_GBPA, 0, HL_SMMU_GBPA_ABORT);
	t_reg(&L, HL_SMMU_CR0, HL_SMMU_CR0_SMMUEN | 0xc, 0);	/* arm_smmu_device_disable() */
	t_wait(&L, 1000000);
	t_reg(&L, HL_SMMU_CR0, 0xc, HL_SMMU_CR0_SMMUEN | 0xc);
	judge(NULL);
	tap_ok(count(R_SMMU_OFF) == 1 && first(R_SMMU_OFF)->sid == 16 && strstr(first(R_SMMU_OFF)->msg, "aborts"),
	       "SMMU-OFF: CR0.SMMUEN cleared with protected StreamID 16 valid (GBPA.ABORT: DMA aborts)");
	{
		long long ns = dark_ns();

		tap_ok(llabs(ns - 1001000) < 10, "timeline: StreamID 16 dark while the SMMU was disabled (1.001 ms: %lld ns)", ns);
	}
	end();
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 17, 0, cur, a);
	t_reg(&L, HL_SMMU_CR0, HL_SMMU_CR0_SMMUEN, 0);
	t_reg(&L, HL_SMMU_CR0, 0, HL_SMMU_CR0_SMMUEN | 0x8);
	judge(NULL);
	tap_ok(!V.findings.n, "SMMU-OFF: no protected StreamID valid: not a finding");
	end();
	/*
	 * The previous kernel's shutdown imported from its persistent trace
	 * instance: arm_smmu_device_disable()'s CR0=0 with no read-back before
	 * it in that part of the log.
	 */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_reg(&L, HL_SMMU_CR0, HL_REG_UNKNOWN, 0);
	t_wait(&L, 1000000);
	t_reg(&L, HL_SMMU_CR0, 0, HL_SMMU_CR0_SMMUEN | 0xc);
	judge(NULL);
	tap_ok(count(R_SMMU_OFF) == 1 && first(R_SMMU_OFF)->sid == 16,
	       "SMMU-OFF: CR0=0 with the old value unknown (imported shutdown) and StreamID 16 valid");
	{
		long long ns = dark_ns();

		tap_ok(llabs(ns - 1001000) < 10, "timeline: the window from the imported CR0=0 to SMMUEN=1 is dark (1.001 ms: %lld ns)", ns);
	}
	end();
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_reg(&L, HL_SMMU_CR0, 0, 0);	/* the reset's first write: already disabled */
	t_reg(&L, HL_SMMU_CR0, 0, HL_SMMU_CR0_SMMUEN);
	judge(NULL);
	tap_ok(!count(R_SMMU_OFF), "SMMU-OFF: CR0=0 over a known CR0=0 (reset of a disabled SMMU): not a finding");
	end();
	/*
	 * A plain kexec (kexec_load, no KHO) where the old kernel's shutdown is
	 * not traced: the next boot's reset reads CR0.SMMUEN=0 before its first
	 * write, with StreamID 16 valid as the old kernel left it.
	 */
	for (int shutdown_seen = 0; shutdown_seen < 2; shutdown_seen++) {
		begin(0, 0);
		memset(cur, 0, sizeof(cur));
		t_write_entry(&L, 0, 16, 0, cur, a);
		t_reg(&L, HL_SMMU_CR0, 0xc, HL_SMMU_CR0_SMMUEN | 0xc);
		if (shutdown_seen)
			t_reg(&L, HL_SMMU_CR0, HL_REG_UNKNOWN, 0);
		t_boot(&S, &L, 0x2222, "test", 9000000000ULL, 1000000000ULL);
		t_reg(&L, HL_SMMU_CR0, 0, 0);
		t_reg(&L, HL_SMMU_CR0, 0, HL_SMMU_CR0_SMMUEN | 0xc);
		judge(NULL);
		if (!shutdown_seen)
			tap_ok(count(R_SMMU_OFF) == 1 && first(R_SMMU_OFF)->sid == 16 &&
			       strstr(first(R_SMMU_OFF)->msg, "found disabled by the new kernel's reset") &&
			       first(R_SMMU_OFF)->refs[0].boot == 0x2222 && first(R_SMMU_OFF)->refs[0].seq == 1,
			       "SMMU-OFF: a plain kexec, shutdown unseen: the new kernel's reset found the SMMU disabled");
		else
			tap_ok(count(R_SMMU_OFF) == 1 && !strstr(first(R_SMMU_OFF)->msg, "found disabled"),
			       "SMMU-OFF: the old kernel's shutdown seen: that one finding, not the reset's too");
		end();
	}
}

/* A driver attach record (arm_smmu_attach_*) for StreamID sid. */
static void t_attach(struct tlog *l, u32 sid)
{
	struct hl_record *r = t_rec(l, HL_K_ATTACH);

	strcpy(r->attach.dev, "0000:00:01.0");
	r->attach.nsids = 1;
	r->attach.sids[0] = sid;
	r->attach.outcome = HL_ATTACH_HITLESS;
	t_put(l, r);
}

/*
 * Protection starts at the VMM's attach through iommufd and ends at its
 * detach: the vfio-pci bind before (the DMA domain's CD removed) and the
 * detach's own writes are not findings (docs/rules.md "Protection").
 */
static void protection(void)
{
	u64 cur[8] = { 0 }, ste[8], cd[8], cd2[8], z[8] = { 0 };

	mk_s1_cd(cd, 1, 0x80000000);
	mk_s1_cd(cd2, 2, 0x90000000);
	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	for (int k = 0; k < 6; k++) {
		u64 ccd[8] = { 0 };

		begin(0, 0);
		/* the kernel's DMA domain, then the bind to vfio-pci removes its CD */
		t_write_entry(&L, 1, 16, 0, ccd, cd);
		memset(cur, 0, sizeof(cur));
		t_write_entry(&L, 0, 16, 0, cur, ste);
		t_attach(&L, 16);
		t_write_entry(&L, 1, 16, 0, ccd, z);
		/* the VMM's attach: a HWPT allocated inside it, the CD installed */
		t_attach(&L, 16);
		t_write_entry(&L, 1, 16, 0, ccd, cd2);
		if (k != 1) {
			t_iommufd(&L, HL_IOMMUFD_HWPT_ALLOC, 0, 0);
			t_iommufd(&L, HL_IOMMUFD_HWPT_ATTACH, 0, 0);
		}
		if (k == 5) {
			/* fentry mode: the detach is reported as it begins, its writes follow */
			struct hl_record *r = t_rec(&L, HL_K_IOMMUFD);

			r->hdr.mode = HL_MODE_FENTRY;
			r->iommufd.op = HL_IOMMUFD_HWPT_DETACH;
			t_put(&L, r);
			t_write_entry(&L, 1, 16, 0, ccd, z);
			t_attach(&L, 16);
		}
		if (k == 2 || k == 3) {
			/* removal while attached (k 2), or the detach's own (k 3) */
			t_attach(&L, 16);
			t_write_entry(&L, 1, 16, 0, ccd, z);
			if (k == 3)
				t_iommufd(&L, HL_IOMMUFD_HWPT_DETACH, 0, 0);
		}
		if (k == 4) {
			/* the VM attached before the log: its first iommufd op is a replace */
			S.events.n = 0;
			L.seq = 0;
			memcpy(ccd, cd2, 64);
			t_attach(&L, 16);
			t_write_entry(&L, 1, 16, 0, ccd, z);
			t_write_entry(&L, 1, 16, 0, ccd, cd);
			t_iommufd(&L, HL_IOMMUFD_HWPT_REPLACE, 0, 0);
		}
		judge(NULL);
		switch (k) {
		case 0:
			tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0,
			       "protection: the bind's CD removal before the VMM's iommufd attach is no finding");
			break;
		case 1:
			tap_ok(count(R_CD_REMOVE) == 1 && first(R_CD_REMOVE)->sid == 16,
			       "protection: no iommufd attach in the log: protected from the start (CD-REMOVE)");
			break;
		case 2:
			tap_ok(count(R_CD_REMOVE) == 1 && hl_verdict_exit(&V) == 1,
			       "protection: a CD removal after the VMM's attach is CD-REMOVE");
			break;
		case 3:
			tap_ok(!V.findings.n, "protection: the detach's own CD removal is no finding");
			break;
		case 4:
			tap_ok(count(R_CD_REMOVE) == 1,
			       "protection: a replace first (VM attached before the log): protected from the start");
			break;
		case 5:
			tap_ok(!V.findings.n, "protection: a detach reported as it begins (fentry), its CD removal after: no finding");
			break;
		}
		end();
	}
}

/* A table no STE or CD points to is walked by no SMMU: no TLBI owed. */
static void inv_tlb_unused(void)
{
	begin(0, 0);
	s1_domain(0);
	t_pte(&L, 0x90000000, 0x1000, 3, 1, 0, pg(0x881000000ULL));
	t_pte(&L, 0x90000000, 0x1000, 3, 1, pg(0x881000000ULL), 0);
	judge(NULL);
	tap_ok(!V.findings.n, "INV-TLB: a change in a table no CD or STE uses needs no TLBI");
	end();
}

/* A CD the StreamID's STE no longer uses (Config S2 or abort) is read by no SMMU. */
static void cd_unused(void)
{
	for (int k = 0; k < 2; k++) {
		u64 cur[8] = { 0 }, ccd[8] = { 0 }, ste[8], s2[8], cd[8], z[8] = { 0 };

		mk_s1_cd(cd, 1, 0x80000000);
		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
		mk_s2_ste(s2, 0, 0x90000000, 3);
		begin(0, 0);
		t_write_entry(&L, 1, 16, 0, ccd, cd);
		t_write_entry(&L, 0, 16, 0, cur, ste);
		if (k)
			t_write_entry(&L, 0, 16, 0, cur, s2);	/* S1 -> S2: breaking */
		t_write_entry(&L, 1, 16, 0, ccd, z);
		judge(NULL);
		if (k)
			tap_ok(count(R_STE_BREAK) == 1 && !count(R_CD_REMOVE),
			       "CD-REMOVE: the S1 CD removed after the STE moved to S2 is no finding (STE-BREAK is)");
		else
			tap_ok(count(R_CD_REMOVE) == 1, "CD-REMOVE: the CD removed while the STE uses it");
		end();
	}
}

static void attach_outcome(void)
{
	for (int k = 0; k < 3; k++) {
		struct hl_record *r;

		begin(0, 0);
		r = t_rec(&L, HL_K_ATTACH);
		strcpy(r->attach.dev, "0000:00:03.0");
		r->attach.nsids = 2;
		r->attach.sids[0] = 8;
		r->attach.sids[1] = k == 2 ? 17 : 16;
		r->attach.old_domain = 0x1111;
		r->attach.new_domain = 0x2222;
		r->attach.outcome = k ? HL_ATTACH_BREAKING : HL_ATTACH_HITLESS;
		t_put(&L, r);
		judge(NULL);
		if (k == 1)
			tap_ok(count(R_ATTACH_BREAK) == 1 && first(R_ATTACH_BREAK)->sid == 16 &&
			       strstr(first(R_ATTACH_BREAK)->msg, "0000:00:03.0"),
			       "ATTACH-BREAK: the driver reports a breaking attach of protected StreamID 16");
		else
			tap_ok(!V.findings.n, k ? "ATTACH-BREAK: breaking attach of unprotected StreamIDs: no finding"
						: "ATTACH-BREAK: hitless attach: no finding");
		end();
	}
}

static void completeness(void)
{
	u64 cur[8] = { 0 }, a[8];

	mk_s2_ste(a, 0, 0x80000000, 1);
	begin(0, 0);
	t_write_entry(&L, 0, 16, 0, cur, a);
	t_lost(&L, 4);
	judge(NULL);
	tap_ok(V.lost == 4 && !hl_verdict_complete(&V) && hl_verdict_exit(&V) == 2,
	       "lost records: incomplete, exit 2");
	end();
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_write_entry(&L, 0, 16, 0, cur, a);
	for (size_t i = 2; i < S.events.n; i++)
		S.events.v[i].hdr.seq += 5;	/* a hole in the sequence numbers */
	judge(NULL);
	tap_ok(V.gaps == 5 && hl_verdict_exit(&V) == 2, "sequence gap: incomplete, exit 2");
	end();
	/* an STE write whose CFGI + CMD_SYNC may be among lost records: not judged */
	for (int k = 0; k < 2; k++) {
		begin(0, 0);
		memset(cur, 0, sizeof(cur));
		t_ste(&L, 16, HL_STEP_ONESHOT, cur, a);
		if (k)
			t_lost(&L, 3);
		t_ste(&L, 16, HL_STEP_ONESHOT, a, a);
		t_cfgi_ste(&L, 16);
		t_sync(&L);
		judge(NULL);
		if (k)
			tap_ok(!count(R_INV_STE) && hl_verdict_exit(&V) == 2,
			       "lost records while an invalidation is owed: not judged (no INV-STE), incomplete");
		else
			tap_ok(count(R_INV_STE) == 1, "the same without the loss: INV-STE");
		end();
	}
	/* ... and one opened after a loss in the same boot: the state it is judged on may be stale */
	begin(0, 0);
	memset(cur, 0, sizeof(cur));
	t_lost(&L, 3);
	t_ste(&L, 16, HL_STEP_ONESHOT, cur, a);
	judge(NULL);
	tap_ok(!count(R_INV_STE) && hl_verdict_exit(&V) == 2,
	       "an STE write after lost records, no CFGI: not judged (no INV-STE), incomplete");
	end();
}

/* The walker's records report the state found, not writes: never judged. */
static void walker(void)
{
	u64 a[8], b[8], cd[8];
	struct hl_record *r;

	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, 0);
	mk_s1_cd(cd, 1, 0x80000000);
	begin(0, 0);
	t_walked_ste_cd(&L, 16, a, cd);
	judge(NULL);
	tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0,
	       "walker: the state it reports is not a write (no INV/TORN findings)");
	end();
	/* ... and it is what the next write is judged against */
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab_dma_addr, 0);
	begin(0, 0);
	r = t_rec(&L, HL_K_STE);
	r->hdr.mode = HL_MODE_WALKER;
	r->ste.sid = 16;
	memcpy(r->ste.after, a, 64);
	t_put(&L, r);
	t_ste(&L, 16, HL_STEP_CRITICAL, a, b);
	t_cfgi_ste(&L, 16);
	t_sync(&L);
	judge(NULL);
	tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0,
	       "walker: a hitless write after the walk is judged from the walked entry");
	end();
}

/*
 * A live update that keeps a protected StreamID's translation: CDs no STE
 * uses, a CD table the STE moves to, and the state the new kernel's first
 * walk finds.
 */
static void walk_rec(struct tlog *l, int is_cd, u32 sid, const u64 *after)
{
	struct hl_record *r = t_rec(l, is_cd ? HL_K_CD : HL_K_STE);

	r->hdr.mode = HL_MODE_WALKER;
	if (is_cd) {
		r->cd.sid = sid;
		memcpy(r->cd.after, after, 64);
	} else {
		r->ste.sid = sid;
		memcpy(r->ste.after, after, 64);
	}
	t_put(l, r);
}

static void live_update(void)
{
	u64 cs[8] = { 0 }, cc[8] = { 0 }, fresh[8] = { 0 }, z[8] = { 0 };
	u64 ste[8], ab[8], cd[8], cd2[8];
	struct tlog l3;

	mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	mk_abort_ste(ab);
	mk_s1_cd(cd, 1, 0x80000000);
	mk_s1_cd(cd2, 2, 0x90000000);

	/* the CD goes after the STE stopped using it (vfio's blocking domain) */
	begin(0, 0);
	t_write_entry(&L, 1, 16, 0, cc, cd);
	t_write_entry(&L, 0, 16, 0, cs, ste);
	t_write_entry(&L, 0, 16, 0, cs, ab);
	t_write_entry(&L, 1, 16, 0, cc, z);
	judge(NULL);
	tap_ok(!count(R_CD_REMOVE) && count(R_STE_REMOVE) == 1 && V.findings.n == 1,
	       "CD-REMOVE: a CD no valid STE uses can go (the STE's move to abort is the one finding)");
	end();
	/* ... while the STE uses it, it cannot */
	memset(cs, 0, sizeof(cs));
	memset(cc, 0, sizeof(cc));
	begin(0, 0);
	t_write_entry(&L, 1, 16, 0, cc, cd);
	t_write_entry(&L, 0, 16, 0, cs, ste);
	t_write_entry(&L, 1, 16, 0, cc, z);
	judge(NULL);
	tap_ok(count(R_CD_REMOVE) == 1, "CD-REMOVE: the CD a stage-1 STE uses made invalid");
	end();

	/* a CD written into a new table: its "before" is zero, not the last CD */
	memset(cc, 0, sizeof(cc));
	begin(0, 0);
	t_write_entry(&L, 1, 16, 0, cc, cd);
	t_write_entry(&L, 1, 16, 0, fresh, cd2);
	judge(NULL);
	tap_ok(!V.inconsistent && hl_verdict_exit(&V) == 0,
	       "completeness: a CD written from zero into a new CD table is no missing write");
	end();

	/* the new kernel's first walk finds other tables than before the kexec */
	for (int variant = 0; variant < 2; variant++) {
		xk_pair(0);
		hl_verdict_free(&V);
		l3 = (struct tlog){ .s = &S2, .boot = 0x2222, .frq = 1000000000ULL };
		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
		walk_rec(&l3, 0, 16, ste);
		mk_s1_cd(cd, 5, variant ? 0x80000000 : 0xa0000000);
		walk_rec(&l3, 1, 16, cd);
		if (variant) {
			t_pte(&l3, 0x80000000, 0x200000, 2, 1, 0, blk(0x880000000ULL));
			for (int i = 0; i < 4; i++)
				t_pte(&l3, 0x80000000, 0x1000 * (i + 1), 3, 1, 0,
				      pg(0x881000000ULL + 0x1000 * i));
			for (size_t i = 2; i < S2.events.n; i++)
				S2.events.v[i].hdr.mode = HL_MODE_WALKER;
		}
		/* where the new kernel is at the end: what xk_pair(0) left */
		mk_s1_cd(cd, 6, 0x90000000);
		hl_state_set_cd(&S2, 0, 16, 0, cd);
		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, 0x78000000, 0);
		hl_state_set_ste(&S2, 0, 16, ste);
		judge(&S2);
		if (variant)
			tap_ok(!V.findings.n && hl_verdict_exit(&V) == 0,
			       "XK at the new kernel's first walk: the preserved tables translate the same");
		else
			tap_ok(count(R_XK_XLATE) >= 1 &&
			       strstr(first(R_XK_XLATE)->msg, "when the new kernel's capture began"),
			       "XK-XLATE at the new kernel's first walk: translation lost in between");
		end();
		hl_state_free(&S2);
	}
}

/*
 * The rules' table (lib/rules.c) against docs/rules.md's: every rule in
 * both, with the same severity; every family a JUnit testcase of the table.
 */
static void table_and_docs(void)
{
	char path[4096], line[4096];
	const char *bin = HL_BIN, *cut = strstr(bin, "/userspace/build/");
	FILE *f;
	int seen[64] = { 0 }, doc_rules = 0, bad = 0, ok_fam = 1;

	snprintf(path, sizeof(path), "%.*s/docs/rules.md", cut ? (int)(cut - bin) : 0, bin);
	f = fopen(path, "r");
	if (!f) {
		tap_ok(0, "docs/rules.md: %s not there", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char ids[256], sev[256];

		if (sscanf(line, "| %255[^|]| %255[^|]|", ids, sev) != 2 || !strchr(ids, '-') || ids[0] == '-')
			continue;
		/* "CD-BREAK / CD-REMOVE", "as INV-STE": the severity word or the rule it refers to */
		for (char *id = strtok(ids, " /"); id; id = strtok(NULL, " /")) {
			const struct hl_rule *r = hl_rule(id);

			doc_rules++;
			if (!r) {
				tap_diag("docs/rules.md: %s is in no row of hl_rules[]", id);
				bad++;
				continue;
			}
			seen[r - hl_rules] = 1;
			if (strncmp(sev, r->sev == SEV_ERROR ? "error" : "warning", 5) && strncmp(sev, "as ", 3)) {
				tap_diag("docs/rules.md: %s is '%s', the table's %s", id, sev, r->sev == SEV_ERROR ? "error" : "warning");
				bad++;
			}
			if (r->downgrade && !strstr(sev, "warning") && strncmp(sev, "as ", 3)) {
				tap_diag("docs/rules.md: %s has a downgrade (%s) its row does not say", id, r->downgrade);
				bad++;
			}
		}
	}
	fclose(f);
	for (size_t i = 0; i < hl_nrules; i++) {
		int fam = 0;

		if (!seen[i]) {
			tap_diag("hl_rules[]: %s is not in docs/rules.md", hl_rules[i].id);
			bad++;
		}
		for (size_t k = 0; k < hl_nfamilies; k++)
			fam |= !strcmp(hl_rules[i].family, hl_families[k]);
		ok_fam &= fam && hl_rules[i].checked_by && hl_rules[i].summary;
	}
	tap_ok(!bad && doc_rules == (int)hl_nrules, "the rules table and docs/rules.md list the same %zu rules, the same severities",
	       hl_nrules);
	tap_ok(ok_fam, "every rule has a family of hl_families[], the function that checks it, a summary");
}

int main(void)
{
	table_and_docs();
	ste_break();
	cd_break();
	inv_ste();
	inv_cd();
	inv_tlb();
	inv_tlb_table();
	stage2();
	inv_atc();
	inv_index();
	bbm();
	pte_live();
	xk();
	smmu_off();
	attach_outcome();
	protection();
	inv_tlb_unused();
	cd_unused();
	completeness();
	walker();
	live_update();
	return tap_done();
}
