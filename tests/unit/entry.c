// SPDX-License-Identifier: GPL-2.0
/*
 * The driver's used()/safe() logic and the hitless-transition rule, against
 * every STE/CD transition of Linux 7.3 arm-smmu-v3-test.c: the same number
 * of syncs, and the same hitless/non-hitless outcome, both from the
 * reimplemented arm_smmu_write_entry() and from the verdict engine fed with
 * the records that sequence produces.
 */
#include <stdio.h>
#include "tap.h"
#include "build.h"

static u64 bypass_ste[8], abort_ste[8];

/*
 * One KUnit case: write cur -> target as the driver does, record it, and let
 * hl_analyze() judge.  KUnit "hitless" = no invalid entry written.
 */
static void expect(const char *name, int is_cd, const u64 *cur, const u64 *target,
		   int syncs, int hitless)
{
	struct hl_entry_step_out st[3];
	struct hl_state s;
	struct hl_verdict v;
	struct tlog l;
	u64 e[8];
	int n = hl_entry_write_steps(is_cd ? HL_ENTRY_CD : HL_ENTRY_STE, cur, target, st);
	int torn = 0, inval = 0, kind_ok;

	hl_state_init(&s);
	t_boot(&s, &l, 1, "test", 0, 1000000000ULL);
	memcpy(e, cur, 64);
	t_write_entry(&l, is_cd, 5, 0, e, target);
	hl_analyze(&s, NULL, NULL, 0, &v);
	for (size_t i = 0; i < v.findings.n; i++)
		torn |= !strcmp(v.findings.v[i].rule, is_cd ? R_CD_TORN : R_STE_TORN);
	inval = v.transitions.n == 1 && v.transitions.v[0].invalid_seen;
	/* engine's classification agrees with KUnit's outcome */
	if (hitless)
		kind_ok = v.transitions.n == 1 && (v.transitions.v[0].kind == TR_HITLESS ||
			  v.transitions.v[0].kind == TR_REMOVAL || v.transitions.v[0].kind == TR_INSTALL);
	else
		kind_ok = v.transitions.n == 1 && (v.transitions.v[0].kind == TR_BREAKING ||
			  v.transitions.v[0].kind == TR_INSTALL || v.transitions.v[0].kind == TR_REMOVAL);
	tap_ok(n == syncs && !memcmp(e, target, 64), "%s: %d syncs (KUnit: %d), ends at target", name, n, syncs);
	tap_ok(inval == !hitless && kind_ok && !torn && v.nerrors == 0,
	       "%s: %s (KUnit: %s), never torn", name,
	       v.transitions.n ? hl_trans_name(v.transitions.v[0].kind) : "?", hitless ? "hitless" : "non-hitless");
	hl_verdict_free(&v);
	hl_state_free(&s);
}

int main(void)
{
	u64 a[8], b[8], z[8] = { 0 };

	/* arm_smmu_v3_test_suite_init() */
	mk_bypass_ste(bypass_ste);
	mk_abort_ste(abort_ste);

	expect("bypass_to_abort", 0, bypass_ste, abort_ste, 2, 1);
	expect("abort_to_bypass", 0, abort_ste, bypass_ste, 2, 1);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	expect("cdtable_to_abort", 0, a, abort_ste, 2, 1);
	expect("abort_to_cdtable", 0, abort_ste, a, 2, 1);
	expect("cdtable_to_bypass", 0, a, bypass_ste, 3, 1);
	expect("bypass_to_cdtable", 0, bypass_ste, a, 3, 1);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab_dma_addr, T_ATS);
	expect("cdtable_s1dss_change", 0, a, b, 1, 1);
	expect("cdtable_s1dss_change back", 0, b, a, 1, 1);
	expect("s1dssbypass_to_stebypass", 0, b, bypass_ste, 2, 1);
	expect("stebypass_to_s1dssbypass", 0, bypass_ste, b, 2, 1);
	mk_s2_ste(a, T_ATS, 0xdaedbeefdeadbeefULL, 0);
	expect("s2_to_abort", 0, a, abort_ste, 2, 1);
	expect("abort_to_s2", 0, abort_ste, a, 2, 1);
	expect("s2_to_bypass", 0, a, bypass_ste, 2, 1);
	expect("bypass_to_s2", 0, bypass_ste, a, 2, 1);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	expect("s1_to_s2", 0, b, a, 3, 1);
	expect("s2_to_s1", 0, a, b, 3, 1);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, 0x4B4B4b4B4BULL, T_ATS);
	expect("non_hitless", 0, a, b, 3, 0);
	mk_s1_cd(b, 1997, 0xdaedbeefdeadbeefULL);
	expect("cd s1_clear (install)", 1, z, b, 2, 0);
	expect("cd s1_clear (removal)", 1, b, z, 2, 0);
	mk_s1_cd(a, 778, 0xdaedbeefdeadbeefULL);
	expect("cd s1_change_asid", 1, a, b, 1, 1);
	expect("cd s1_change_asid back", 1, b, a, 1, 1);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_STALL);
	mk_s2_ste(b, T_STALL, 0xdaedbeefdeadbeefULL, 0);
	expect("s1_to_s2_stall", 0, a, b, 3, 1);
	expect("s2_to_s1_stall", 0, b, a, 3, 1);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab_dma_addr, T_ATS | T_NESTED);
	mk_s2_ste(b, 0, 0xdaedbeefdeadbeefULL, 0);
	expect("nested_s1dssbypass_to_s1bypass", 0, a, b, 3, 1);
	expect("nested_s1bypass_to_s1dssbypass", 0, b, a, 2, 1);
	mk_sva_cd(b, 1997, 1);
	expect("cd sva_clear (install)", 1, z, b, 2, 0);
	expect("cd sva_clear (removal)", 1, b, z, 2, 0);
	mk_sva_cd(a, 1997, 1);
	mk_sva_cd(b, 1997, 0);
	expect("cd sva_release", 1, a, b, 2, 1);
	expect("cd sva_release back", 1, b, a, 2, 1);

	/* used()/safe() themselves: the bits of 7.3's functions */
	{
		u64 u[8], sf[8];

		mk_abort_ste(a);
		hl_ste_get_used(a, u);
		tap_ok(u[0] == (STRTAB_STE_0_V | STRTAB_STE_0_CFG) && !u[1] && !u[2] && !u[3],
		       "get_ste_used(abort): V and Config only");
		mk_s2_ste(a, 0, 0x1000, 3);
		hl_ste_get_used(a, u);
		tap_ok(u[3] == STRTAB_STE_3_S2TTB_MASK && (u[2] & STRTAB_STE_2_VTCR) && (u[1] & STRTAB_STE_1_SHCFG) &&
		       !(u[0] & STRTAB_STE_0_S1CTXPTR_MASK), "get_ste_used(S2): S2TTB, VTCR, SHCFG; not S1ContextPtr");
		mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, 0x1000, 0);
		hl_ste_get_used(a, u);
		tap_ok(!(u[1] & STRTAB_STE_1_SHCFG) && (u[0] & STRTAB_STE_0_S1CTXPTR_MASK),
		       "get_ste_used(S1, S1DSS=SSID0): SHCFG unused");
		mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_BYPASS, 0x1000, 0);
		hl_ste_get_used(a, u);
		tap_ok(!!(u[1] & STRTAB_STE_1_SHCFG), "get_ste_used(S1, S1DSS=bypass): SHCFG used (spec 13.5)");
		mk_s2_ste(a, 0, 0x1000, 3);
		mk_s2_ste(b, T_ATS, 0x1000, 3);
		hl_ste_get_update_safe(a, b, sf);
		tap_ok(sf[1] == (STRTAB_STE_1_MEV | FIELD_PREP(STRTAB_STE_1_EATS, 1)),
		       "get_ste_update_safe: MEV and EATS_TRANS safe");
		mk_s2_ste(b, T_ATS | T_STALL, 0x1000, 3);
		hl_ste_get_update_safe(a, b, sf);
		tap_ok(sf[1] == STRTAB_STE_1_MEV, "get_ste_update_safe: EATS not safe with S2S");
		mk_sva_cd(a, 1, 0);
		hl_cd_get_used(a, u);
		tap_ok(!(u[1] & CTXDESC_CD_1_TTB0_MASK) && !(u[0] & CTXDESC_CD_0_TCR_T0SZ) && u[3] == ~0ULL,
		       "get_cd_used(EPD0): TTB0/T0SZ ignored, rest used");
	}

	/* the rule fires: the non-hitless pair written qword by qword without V=0 is torn */
	{
		struct hl_state s;
		struct hl_verdict v;
		struct tlog l;
		u64 m[8];
		int torn = 0;

		hl_state_init(&s);
		t_boot(&s, &l, 1, "test", 0, 1000000000ULL);
		mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
		mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, 0x4B4B4b4B4BULL, T_ATS);
		memcpy(m, a, 64);
		m[1] = b[1];
		t_ste(&l, 5, HL_STEP_UNKNOWN, a, m);
		t_ste(&l, 5, HL_STEP_UNKNOWN, m, b);
		s.events.v[0].ste.update = s.events.v[1].ste.update = 9;	/* one update */
		hl_analyze(&s, NULL, NULL, 0, &v);
		for (size_t i = 0; i < v.findings.n; i++)
			torn |= !strcmp(v.findings.v[i].rule, R_STE_TORN) && v.findings.v[i].refs[0].seq == 1;
		tap_ok(torn && hl_verdict_exit(&v) == 1, "STE-TORN: S1DSS then S1ContextPtr in two stores is torn");
		hl_verdict_free(&v);
		hl_state_free(&s);

		/* one qword, but many stores: the engine checks every 64-bit prefix */
		hl_state_init(&s);
		t_boot(&s, &l, 1, "test", 0, 1000000000ULL);
		t_ste(&l, 5, HL_STEP_UNKNOWN, a, b);
		hl_analyze(&s, NULL, NULL, 0, &v);
		torn = 0;
		for (size_t i = 0; i < v.findings.n; i++)
			torn |= !strcmp(v.findings.v[i].rule, R_STE_TORN);
		tap_ok(torn, "STE-TORN: a single write of two used qwords is torn between its stores");
		hl_verdict_free(&v);
		hl_state_free(&s);

		/* CD: ASID and TTB0 changed in two writes */
		hl_state_init(&s);
		t_boot(&s, &l, 1, "test", 0, 1000000000ULL);
		mk_s1_cd(a, 1, 0x1000);
		mk_s1_cd(b, 2, 0x2000);
		memcpy(m, a, 64);
		m[1] = b[1];
		t_cd(&l, 5, 0, HL_STEP_UNUSED, a, m);
		t_cd(&l, 5, 0, HL_STEP_CRITICAL, m, b);
		hl_analyze(&s, NULL, NULL, 0, &v);
		torn = 0;
		for (size_t i = 0; i < v.findings.n; i++)
			torn |= !strcmp(v.findings.v[i].rule, R_CD_TORN);
		tap_ok(torn, "CD-TORN: TTB0 then ASID of a valid CD is torn");
		hl_verdict_free(&v);
		hl_state_free(&s);
	}
	return tap_done();
}
