// SPDX-License-Identifier: GPL-2.0
/*
 * STE, CD and command decoders, and the driver's used()/safe() bit logic.
 * The bit logic follows Linux 7.3 drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c
 * line for line; a change there must be mirrored here (tests/unit/entry.c
 * replays the KUnit transitions of arm-smmu-v3-test.c to catch drift).
 */
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "smmu.h"
#include "../../bpf/core.h"

/* arm_smmu_get_ste_used() */
void hl_ste_get_used(const u64 *ent, u64 *used_bits)
{
	unsigned int cfg = FIELD_GET(STRTAB_STE_0_CFG, ent[0]);

	memset(used_bits, 0, NUM_ENTRY_QWORDS * sizeof(*used_bits));
	used_bits[0] = STRTAB_STE_0_V;
	if (!(ent[0] & STRTAB_STE_0_V))
		return;

	used_bits[0] |= STRTAB_STE_0_CFG;

	/* S1 translates */
	if (cfg & 1) {
		used_bits[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK |
				STRTAB_STE_0_S1CDMAX;
		used_bits[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR |
				STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH |
				STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW |
				STRTAB_STE_1_EATS | STRTAB_STE_1_MEV;
		used_bits[2] |= STRTAB_STE_2_S2VMID;

		/* spec 13.5: SHCFG applies when S1DSS bypasses */
		if (FIELD_GET(STRTAB_STE_1_S1DSS, ent[1]) == STRTAB_STE_1_S1DSS_BYPASS)
			used_bits[1] |= STRTAB_STE_1_SHCFG;
	}

	/* S2 translates */
	if (cfg & 2) {
		used_bits[1] |= STRTAB_STE_1_S2FWB | STRTAB_STE_1_EATS |
				STRTAB_STE_1_SHCFG | STRTAB_STE_1_MEV;
		used_bits[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR |
				STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI |
				STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2S |
				STRTAB_STE_2_S2R;
		used_bits[3] |= STRTAB_STE_3_S2TTB_MASK;
	}

	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used_bits[1] |= STRTAB_STE_1_SHCFG;
}

/* arm_smmu_get_ste_update_safe() */
void hl_ste_get_update_safe(const u64 *cur, const u64 *target,
			    u64 *safe_bits)
{
	const u64 eats_s1chk = FIELD_PREP(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK);
	const u64 eats_trans = FIELD_PREP(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS);

	memset(safe_bits, 0, NUM_ENTRY_QWORDS * sizeof(*safe_bits));
	/* EATS_TRANS is sequenced by the ATS enable in the attach logic,
	 * unless S2S or S1CHK make a transient EATS a bad STE. */
	if (!((cur[1] | target[1]) & eats_s1chk) &&
	    !((cur[2] | target[2]) & STRTAB_STE_2_S2S))
		safe_bits[1] |= eats_trans;

	/* MEV only changes how many fault events are generated. */
	safe_bits[1] |= STRTAB_STE_1_MEV;
}

/* arm_smmu_get_cd_used() */
void hl_cd_get_used(const u64 *ent, u64 *used_bits)
{
	memset(used_bits, 0, NUM_ENTRY_QWORDS * sizeof(*used_bits));
	used_bits[0] = CTXDESC_CD_0_V;
	if (!(ent[0] & CTXDESC_CD_0_V))
		return;
	memset(used_bits, 0xff, NUM_ENTRY_QWORDS * sizeof(*used_bits));

	/* EPD0 set: T0SZ/TG0/IR0/OR0/SH0/TTB0 are IGNORED */
	if (ent[0] & CTXDESC_CD_0_TCR_EPD0) {
		used_bits[0] &= ~(CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 |
				  CTXDESC_CD_0_TCR_IRGN0 | CTXDESC_CD_0_TCR_ORGN0 |
				  CTXDESC_CD_0_TCR_SH0);
		used_bits[1] &= ~CTXDESC_CD_1_TTB0_MASK;
	}
}

static void get_used(enum hl_entry_type t, const u64 *e, u64 *u)
{
	if (t == HL_ENTRY_STE)
		hl_ste_get_used(e, u);
	else
		hl_cd_get_used(e, u);
}

/* The CD writer has no get_update_safe (arm_smmu_cd_writer_ops). */
static void get_safe(enum hl_entry_type t, const u64 *c, const u64 *tg, u64 *s)
{
	if (t == HL_ENTRY_STE)
		hl_ste_get_update_safe(c, tg, s);
	else
		memset(s, 0, NUM_ENTRY_QWORDS * sizeof(*s));
}

/* arm_smmu_entry_qword_diff() */
unsigned hl_entry_qword_diff(enum hl_entry_type t, const u64 *entry,
			     const u64 *target, u64 *unused_update)
{
	u64 target_used[NUM_ENTRY_QWORDS], cur_used[NUM_ENTRY_QWORDS];
	u64 safe[NUM_ENTRY_QWORDS];
	unsigned used_qword_diff = 0;

	get_used(t, entry, cur_used);
	get_used(t, target, target_used);
	get_safe(t, entry, target, safe);
	for (int i = 0; i < NUM_ENTRY_QWORDS; i++) {
		/* safe only for bits used by both entries */
		safe[i] &= target_used[i] & cur_used[i];
		cur_used[i] &= ~safe[i];
		unused_update[i] = (entry[i] & cur_used[i]) | (target[i] & ~cur_used[i]);
		if ((unused_update[i] & target_used[i]) != target[i])
			used_qword_diff |= 1u << i;
	}
	return used_qword_diff;
}

static int entry_set(u64 *entry, const u64 *target, unsigned start,
		     unsigned len, int step, struct hl_entry_step_out *out, int n)
{
	bool changed = false;

	for (unsigned i = start; len; len--, i++) {
		if (entry[i] != target[i]) {
			entry[i] = target[i];
			changed = true;
		}
	}
	if (!changed)
		return n;
	out[n].step = step;
	memcpy(out[n].val, entry, sizeof(out[n].val));
	return n + 1;
}

/* arm_smmu_write_entry(): the sequence of entry_set() calls that change something. */
int hl_entry_write_steps(enum hl_entry_type t, const u64 *cur,
			 const u64 *target, struct hl_entry_step_out *out)
{
	u64 entry[NUM_ENTRY_QWORDS], unused_update[NUM_ENTRY_QWORDS];
	unsigned diff;
	int n = 0;

	memcpy(entry, cur, sizeof(entry));
	diff = hl_entry_qword_diff(t, entry, target, unused_update);
	if (__builtin_popcount(diff) == 1) {
		unsigned crit = __builtin_ctz(diff);

		unused_update[crit] = entry[crit];
		n = entry_set(entry, unused_update, 0, NUM_ENTRY_QWORDS, HL_STEP_UNUSED, out, n);
		n = entry_set(entry, target, crit, 1, HL_STEP_CRITICAL, out, n);
		n = entry_set(entry, target, 0, NUM_ENTRY_QWORDS, HL_STEP_FINAL, out, n);
	} else if (diff) {
		unused_update[0] = 0;
		n = entry_set(entry, unused_update, 0, 1, HL_STEP_BREAK, out, n);
		n = entry_set(entry, target, 1, NUM_ENTRY_QWORDS - 1, HL_STEP_FILL, out, n);
		n = entry_set(entry, target, 0, 1, HL_STEP_SETV, out, n);
	} else {
		n = entry_set(entry, target, 0, NUM_ENTRY_QWORDS, HL_STEP_ONESHOT, out, n);
	}
	return n;
}

/* arm_smmu_entry_differs_in_used_bits() of arm-smmu-v3-test.c */
static bool differs_in_used_bits(const u64 *entry, const u64 *used,
				 const u64 *target, const u64 *safe)
{
	for (int i = 0; i < NUM_ENTRY_QWORDS; i++) {
		u64 u = used[i] & ~safe[i];

		if ((entry[i] & u) != (target[i] & u))
			return true;
	}
	return false;
}

/* arm_smmu_test_writer_record_syncs(): the hitless condition at one observation. */
bool hl_entry_torn(enum hl_entry_type t, const u64 *seen,
		   const u64 *init, const u64 *target)
{
	u64 used[NUM_ENTRY_QWORDS], safe_init[NUM_ENTRY_QWORDS], safe_target[NUM_ENTRY_QWORDS];

	get_used(t, seen, used);
	get_safe(t, seen, init, safe_init);
	get_safe(t, seen, target, safe_target);
	return differs_in_used_bits(seen, used, init, safe_init) &&
	       differs_in_used_bits(seen, used, target, safe_target);
}

/* --- decoders ----------------------------------------------------------- */

const char *hl_ste_cfg_name(unsigned cfg)
{
	static const char *const n[8] = {
		"abort", "abort(1)", "abort(2)", "abort(3)",
		"bypass", "S1-trans", "S2-trans", "S1+S2 (nested)",
	};
	return n[cfg & 7];
}

const char *hl_step_name(int step)
{
	static const char *const n[HL_STEP_MAX] = {
		"unknown", "unused-bits", "critical-qword", "final",
		"break(V=0)", "fill", "set-V", "oneshot",
	};
	return step >= 0 && step < HL_STEP_MAX ? n[step] : "?";
}

static const char *const s1dss_name[4] = { "terminate", "bypass", "SSID0", "reserved" };
static const char *const eats_name[4] = { "abort", "full-ATS", "split-stage-ATS", "reserved" };
static const char *const strw_name[4] = { "NS-EL1", "reserved", "EL2", "EL2-E2H" };
static const char *const s1fmt_name[4] = { "linear", "2lvl-4K", "2lvl-64K", "reserved" };

/* Fields per spec 5.2 (STE); only those the driver's used() knows plus V/Config. */
json_object *hl_ste_decode(const u64 *q)
{
	json_object *o = json_object_new_object();
	unsigned cfg = ste_cfg(q);

	jadd_u(o, "V", q[0] & STRTAB_STE_0_V);
	jadd_s(o, "Config", hl_ste_cfg_name(cfg));
	if (!ste_valid(q))
		return o;
	if ((cfg & 4) && (cfg & 1)) {
		jadd_s(o, "S1Fmt", s1fmt_name[FIELD_GET(STRTAB_STE_0_S1FMT, q[0])]);
		jadd_hex(o, "S1ContextPtr", ste_s1ctxptr(q));
		jadd_u(o, "S1CDMax", FIELD_GET(STRTAB_STE_0_S1CDMAX, q[0]));
		jadd_s(o, "S1DSS", s1dss_name[FIELD_GET(STRTAB_STE_1_S1DSS, q[1])]);
		jadd_u(o, "S1CIR", FIELD_GET(STRTAB_STE_1_S1CIR, q[1]));
		jadd_u(o, "S1COR", FIELD_GET(STRTAB_STE_1_S1COR, q[1]));
		jadd_u(o, "S1CSH", FIELD_GET(STRTAB_STE_1_S1CSH, q[1]));
		jadd_u(o, "S1STALLD", FIELD_GET(STRTAB_STE_1_S1STALLD, q[1]));
		jadd_s(o, "STRW", strw_name[FIELD_GET(STRTAB_STE_1_STRW, q[1])]);
	}
	if (cfg & 4) {
		jadd_s(o, "EATS", eats_name[ste_eats(q)]);
		jadd_u(o, "MEV", FIELD_GET(STRTAB_STE_1_MEV, q[1]));
		jadd_u(o, "SHCFG", FIELD_GET(STRTAB_STE_1_SHCFG, q[1]));
	}
	if ((cfg & 4) && (cfg & 3))
		jadd_u(o, "S2VMID", ste_vmid(q));
	if ((cfg & 4) && (cfg & 2)) {
		u64 vtcr = FIELD_GET(STRTAB_STE_2_VTCR, q[2]);

		jadd_u(o, "S2FWB", FIELD_GET(STRTAB_STE_1_S2FWB, q[1]));
		jadd_u(o, "S2T0SZ", FIELD_GET(STRTAB_STE_2_VTCR_S2T0SZ, vtcr));
		jadd_u(o, "S2SL0", FIELD_GET(STRTAB_STE_2_VTCR_S2SL0, vtcr));
		jadd_u(o, "S2IR0", FIELD_GET(STRTAB_STE_2_VTCR_S2IR0, vtcr));
		jadd_u(o, "S2OR0", FIELD_GET(STRTAB_STE_2_VTCR_S2OR0, vtcr));
		jadd_u(o, "S2SH0", FIELD_GET(STRTAB_STE_2_VTCR_S2SH0, vtcr));
		jadd_u(o, "S2TG", FIELD_GET(STRTAB_STE_2_VTCR_S2TG, vtcr));
		jadd_u(o, "S2PS", FIELD_GET(STRTAB_STE_2_VTCR_S2PS, vtcr));
		jadd_u(o, "S2AA64", !!(q[2] & STRTAB_STE_2_S2AA64));
		jadd_u(o, "S2ENDI", !!(q[2] & STRTAB_STE_2_S2ENDI));
		jadd_u(o, "S2PTW", !!(q[2] & STRTAB_STE_2_S2PTW));
		jadd_u(o, "S2S", !!(q[2] & STRTAB_STE_2_S2S));
		jadd_u(o, "S2R", !!(q[2] & STRTAB_STE_2_S2R));
		jadd_hex(o, "S2TTB", ste_s2ttb(q));
	}
	return o;
}

/* Fields per spec 5.4 (CD). */
json_object *hl_cd_decode(const u64 *q)
{
	json_object *o = json_object_new_object();

	jadd_u(o, "V", !!cd_valid(q));
	if (!cd_valid(q))
		return o;
	jadd_u(o, "T0SZ", FIELD_GET(CTXDESC_CD_0_TCR_T0SZ, q[0]));
	jadd_u(o, "TG0", FIELD_GET(CTXDESC_CD_0_TCR_TG0, q[0]));
	jadd_u(o, "IR0", FIELD_GET(CTXDESC_CD_0_TCR_IRGN0, q[0]));
	jadd_u(o, "OR0", FIELD_GET(CTXDESC_CD_0_TCR_ORGN0, q[0]));
	jadd_u(o, "SH0", FIELD_GET(CTXDESC_CD_0_TCR_SH0, q[0]));
	jadd_u(o, "EPD0", !!(q[0] & CTXDESC_CD_0_TCR_EPD0));
	jadd_u(o, "ENDI", !!(q[0] & CTXDESC_CD_0_ENDI));
	jadd_u(o, "EPD1", !!(q[0] & CTXDESC_CD_0_TCR_EPD1));
	jadd_u(o, "IPS", FIELD_GET(CTXDESC_CD_0_TCR_IPS, q[0]));
	jadd_u(o, "TBI0", !!(q[0] & CTXDESC_CD_0_TCR_TBI0));
	jadd_u(o, "AA64", !!(q[0] & CTXDESC_CD_0_AA64));
	jadd_u(o, "HD", !!(q[0] & CTXDESC_CD_0_TCR_HD));
	jadd_u(o, "HA", !!(q[0] & CTXDESC_CD_0_TCR_HA));
	jadd_u(o, "S", !!(q[0] & CTXDESC_CD_0_S));
	jadd_u(o, "R", !!(q[0] & CTXDESC_CD_0_R));
	jadd_u(o, "A", !!(q[0] & CTXDESC_CD_0_A));
	jadd_u(o, "ASET", !!(q[0] & CTXDESC_CD_0_ASET));
	jadd_u(o, "ASID", cd_asid(q));
	jadd_u(o, "HAFT", !!(q[1] & CTXDESC_CD_1_HAFT));
	jadd_hex(o, "TTB0", cd_ttb0(q));
	jadd_hex(o, "MAIR0", q[3]);
	return o;
}

/* IDR3.BBM: 0 = level 0, 1 = level 1, 2 = level 2 (BBML2) */
unsigned hl_idr_bbml(const u32 *idr)
{
	return FIELD_GET(IDR3_BBM, (u64)idr[3]);
}

/* A field of IDR k: its value, or null (unknown) when IDR k was not read. */
#define IDR_U(k, name, v)						\
	do {								\
		if (known & HL_SK_IDR(k))				\
			jadd_u(o, name, v);				\
		else							\
			json_object_object_add(o, name, NULL);		\
	} while (0)

json_object *hl_idr_decode(const u32 *idr, u32 known)
{
	json_object *o = json_object_new_object();
	static const unsigned oas[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };

	IDR_U(0, "S1P", !!(idr[0] & IDR0_S1P));
	IDR_U(0, "S2P", !!(idr[0] & IDR0_S2P));
	IDR_U(0, "ATS", !!(idr[0] & IDR0_ATS));
	IDR_U(0, "PRI", !!(idr[0] & IDR0_PRI));
	IDR_U(0, "HYP", !!(idr[0] & IDR0_HYP));
	IDR_U(0, "COHACC", !!(idr[0] & IDR0_COHACC));
	IDR_U(0, "HTTU", FIELD_GET(IDR0_HTTU, (u64)idr[0]));
	IDR_U(0, "TTF", FIELD_GET(IDR0_TTF, (u64)idr[0]));
	IDR_U(0, "ST_LEVEL", FIELD_GET(IDR0_ST_LVL, (u64)idr[0]));
	IDR_U(0, "CD2L", !!(idr[0] & IDR0_CD2L));
	IDR_U(0, "ASID16", !!(idr[0] & IDR0_ASID16));
	IDR_U(0, "VMID16", !!(idr[0] & IDR0_VMID16));
	IDR_U(1, "SIDSIZE", FIELD_GET(IDR1_SIDSIZE, (u64)idr[1]));
	IDR_U(1, "SSIDSIZE", FIELD_GET(IDR1_SSIDSIZE, (u64)idr[1]));
	IDR_U(3, "BBML", hl_idr_bbml(idr));
	IDR_U(3, "RIL", !!(idr[3] & IDR3_RIL));
	IDR_U(3, "FWB", !!(idr[3] & IDR3_FWB));
	IDR_U(5, "GRAN4K", !!(idr[5] & IDR5_GRAN4K));
	IDR_U(5, "GRAN16K", !!(idr[5] & IDR5_GRAN16K));
	IDR_U(5, "GRAN64K", !!(idr[5] & IDR5_GRAN64K));
	IDR_U(5, "OAS", oas[FIELD_GET(IDR5_OAS, (u64)idr[5])]);
	return o;
}

const char *hl_smmu_feat_name(unsigned k)
{
	static const char *const n[ARM_SMMU_FEAT_NBITS] = {
		"2_LVL_STRTAB", "2_LVL_CDTAB", "TT_LE", "TT_BE", "PRI", "ATS", "SEV", "MSI",
		"COHERENCY", "TRANS_S1", "TRANS_S2", "STALLS", "HYP", "STALL_FORCE", "VAX",
		"RANGE_INV", "BTM", "SVA", "E2H", "NESTING", "ATTR_TYPES_OVR", "HA", "HD",
		"S2FWB", "BBML2", "HAFT", "DS",
	};
	return k < ARM_SMMU_FEAT_NBITS ? n[k] : NULL;
}

const char *hl_smmu_opt_name(unsigned k)
{
	static const char *const n[ARM_SMMU_OPT_NBITS] = {
		"SKIP_PREFETCH", "PAGE0_REGS_ONLY", "MSIPOLL", "CMDQ_FORCE_SYNC", "TEGRA241_CMDQV",
	};
	return k < ARM_SMMU_OPT_NBITS ? n[k] : NULL;
}

/* --- commands (spec 4) --------------------------------------------------- */

const char *hl_cmd_name(unsigned op)
{
	switch (op) {
	case CMDQ_OP_PREFETCH_CFG:	return "CMD_PREFETCH_CONFIG";
	case CMDQ_OP_PREFETCH_ADDR:	return "CMD_PREFETCH_ADDR";
	case CMDQ_OP_CFGI_STE:		return "CMD_CFGI_STE";
	case CMDQ_OP_CFGI_ALL:		return "CMD_CFGI_STE_RANGE";
	case CMDQ_OP_CFGI_CD:		return "CMD_CFGI_CD";
	case CMDQ_OP_CFGI_CD_ALL:	return "CMD_CFGI_CD_ALL";
	case CMDQ_OP_CFGI_VMS_PIDM:	return "CMD_CFGI_VMS_PIDM";
	case CMDQ_OP_TLBI_NH_ALL:	return "CMD_TLBI_NH_ALL";
	case CMDQ_OP_TLBI_NH_ASID:	return "CMD_TLBI_NH_ASID";
	case CMDQ_OP_TLBI_NH_VA:	return "CMD_TLBI_NH_VA";
	case CMDQ_OP_TLBI_NH_VAA:	return "CMD_TLBI_NH_VAA";
	case CMDQ_OP_TLBI_EL3_ALL:	return "CMD_TLBI_EL3_ALL";
	case CMDQ_OP_TLBI_EL3_VA:	return "CMD_TLBI_EL3_VA";
	case CMDQ_OP_TLBI_EL2_ALL:	return "CMD_TLBI_EL2_ALL";
	case CMDQ_OP_TLBI_EL2_ASID:	return "CMD_TLBI_EL2_ASID";
	case CMDQ_OP_TLBI_EL2_VA:	return "CMD_TLBI_EL2_VA";
	case CMDQ_OP_TLBI_EL2_VAA:	return "CMD_TLBI_EL2_VAA";
	case CMDQ_OP_TLBI_S12_VMALL:	return "CMD_TLBI_S12_VMALL";
	case CMDQ_OP_TLBI_S2_IPA:	return "CMD_TLBI_S2_IPA";
	case CMDQ_OP_TLBI_NSNH_ALL:	return "CMD_TLBI_NSNH_ALL";
	case CMDQ_OP_ATC_INV:		return "CMD_ATC_INV";
	case CMDQ_OP_PRI_RESP:		return "CMD_PRI_RESP";
	case CMDQ_OP_RESUME:		return "CMD_RESUME";
	case CMDQ_OP_STALL_TERM:	return "CMD_STALL_TERM";
	case CMDQ_OP_CMD_SYNC:		return "CMD_SYNC";
	}
	return NULL;
}

/* Range TLBI (spec 4.4.1.1): (NUM+1) * 2^(5*SCALE+1) pages of TG's granule. */
static u64 tlbi_range_len(const u64 *c)
{
	unsigned tg = FIELD_GET(CMDQ_TLBI_1_TG, c[1]);
	unsigned num = FIELD_GET(CMDQ_TLBI_0_NUM, c[0]);
	unsigned scale = FIELD_GET(CMDQ_TLBI_0_SCALE, c[0]);
	unsigned shift = tg == 1 ? 12 : tg == 2 ? 14 : 16;
	unsigned e = 5 * scale + 1 + shift;

	if (!tg)
		return 0;
	if (e >= 64)
		return ~0ULL;
	return (u64)(num + 1) << e;
}

void hl_cmd_inv(const u64 *c, struct hl_inv *v)
{
	unsigned op = hl_cmd_op(c);

	memset(v, 0, sizeof(*v));
	switch (op) {
	case CMDQ_OP_CFGI_STE:
		v->kind = INV_STE;
		v->sid_lo = v->sid_hi = FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		break;
	case CMDQ_OP_CFGI_ALL: {	/* STE_RANGE: 2^(Range+1) StreamIDs */
		unsigned r = FIELD_GET(CMDQ_CFGI_1_RANGE, c[1]);
		u64 n = 1ULL << (r + 1);
		u64 sid = FIELD_GET(CMDQ_CFGI_0_SID, c[0]) & ~(n - 1);

		v->kind = INV_STE;
		v->sid_lo = sid;
		v->sid_hi = sid + n - 1 > 0xffffffffULL ? 0xffffffffu : sid + n - 1;
		break;
	}
	case CMDQ_OP_CFGI_CD:
		v->kind = INV_CD;
		v->sid_lo = v->sid_hi = FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		v->ssid = FIELD_GET(CMDQ_CFGI_0_SSID, c[0]);
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		v->kind = INV_CD;
		v->sid_lo = v->sid_hi = FIELD_GET(CMDQ_CFGI_0_SID, c[0]);
		v->all_ssid = true;
		break;
	case CMDQ_OP_TLBI_NH_ALL: case CMDQ_OP_TLBI_EL2_ALL:
		v->kind = INV_TLB; v->stage1 = true; v->any_asid = true; v->all_va = true;
		v->any_vmid = op == CMDQ_OP_TLBI_EL2_ALL;
		v->vmid = FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		break;
	case CMDQ_OP_TLBI_NH_ASID: case CMDQ_OP_TLBI_EL2_ASID:
		v->kind = INV_TLB; v->stage1 = true; v->all_va = true;
		v->asid = FIELD_GET(CMDQ_TLBI_0_ASID, c[0]);
		v->vmid = FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		v->any_vmid = op == CMDQ_OP_TLBI_EL2_ASID;
		break;
	case CMDQ_OP_TLBI_NH_VA: case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_EL2_VA: case CMDQ_OP_TLBI_EL2_VAA:
		v->kind = INV_TLB; v->stage1 = true;
		v->asid = FIELD_GET(CMDQ_TLBI_0_ASID, c[0]);
		v->vmid = FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		v->any_asid = op == CMDQ_OP_TLBI_NH_VAA || op == CMDQ_OP_TLBI_EL2_VAA;
		v->any_vmid = op == CMDQ_OP_TLBI_EL2_VA || op == CMDQ_OP_TLBI_EL2_VAA;
		v->va_lo = c[1] & CMDQ_TLBI_1_VA_MASK;
		v->va_hi = tlbi_range_len(c) ? v->va_lo + tlbi_range_len(c) : 0;
		break;
	case CMDQ_OP_TLBI_S12_VMALL:
		v->kind = INV_TLB; v->stage1 = v->stage2 = true; v->any_asid = true; v->all_va = true;
		v->vmid = FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		break;
	case CMDQ_OP_TLBI_S2_IPA:
		v->kind = INV_TLB; v->stage2 = true; v->any_asid = true;
		v->vmid = FIELD_GET(CMDQ_TLBI_0_VMID, c[0]);
		v->va_lo = c[1] & CMDQ_TLBI_1_IPA_MASK;
		v->va_hi = tlbi_range_len(c) ? v->va_lo + tlbi_range_len(c) : 0;
		break;
	case CMDQ_OP_TLBI_NSNH_ALL:
		v->kind = INV_TLB; v->stage1 = v->stage2 = true;
		v->any_asid = v->any_vmid = true; v->all_va = true;
		break;
	case CMDQ_OP_ATC_INV: {
		unsigned size = FIELD_GET(CMDQ_ATC_1_SIZE, c[1]);

		v->kind = INV_ATC;
		v->sid_lo = v->sid_hi = FIELD_GET(CMDQ_ATC_0_SID, c[0]);
		v->ssid = FIELD_GET(CMDQ_ATC_0_SSID, c[0]);
		v->all_ssid = !(c[0] & CMDQ_0_SSV) || (c[0] & CMDQ_ATC_0_GLOBAL);
		if (size + 12 >= 64) {
			v->all_va = true;
		} else {
			u64 span = 1ULL << (size + 12);

			v->va_lo = (c[1] & CMDQ_ATC_1_ADDR_MASK) & ~(span - 1);
			v->va_hi = v->va_lo + span;
		}
		break;
	}
	case CMDQ_OP_CMD_SYNC:
		v->kind = INV_SYNC;
		break;
	default:
		v->kind = INV_NONE;
	}
}

json_object *hl_cmd_decode(const u64 *c)
{
	json_object *o = json_object_new_object();
	unsigned op = hl_cmd_op(c);
	const char *name = hl_cmd_name(op);
	char buf[16];

	if (!name) {
		snprintf(buf, sizeof(buf), "opcode 0x%02x", op);
		name = buf;
	}
	jadd_s(o, "op", name);
	switch (op) {
	case CMDQ_OP_PREFETCH_CFG:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_PREFETCH_0_SID, c[0]));
		break;
	case CMDQ_OP_CFGI_STE:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_CFGI_0_SID, c[0]));
		jadd_u(o, "Leaf", c[1] & CMDQ_CFGI_1_LEAF);
		break;
	case CMDQ_OP_CFGI_ALL:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_CFGI_0_SID, c[0]));
		jadd_u(o, "Range", FIELD_GET(CMDQ_CFGI_1_RANGE, c[1]));
		break;
	case CMDQ_OP_CFGI_CD:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_CFGI_0_SID, c[0]));
		jadd_u(o, "SubstreamID", FIELD_GET(CMDQ_CFGI_0_SSID, c[0]));
		jadd_u(o, "Leaf", c[1] & CMDQ_CFGI_1_LEAF);
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_CFGI_0_SID, c[0]));
		break;
	case CMDQ_OP_TLBI_NH_ALL: case CMDQ_OP_TLBI_S12_VMALL:
		jadd_u(o, "VMID", FIELD_GET(CMDQ_TLBI_0_VMID, c[0]));
		break;
	case CMDQ_OP_TLBI_NH_ASID: case CMDQ_OP_TLBI_EL2_ASID:
		jadd_u(o, "ASID", FIELD_GET(CMDQ_TLBI_0_ASID, c[0]));
		jadd_u(o, "VMID", FIELD_GET(CMDQ_TLBI_0_VMID, c[0]));
		break;
	case CMDQ_OP_TLBI_NH_VA: case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_EL2_VA: case CMDQ_OP_TLBI_EL2_VAA:
	case CMDQ_OP_TLBI_S2_IPA:
		if (op != CMDQ_OP_TLBI_S2_IPA)
			jadd_u(o, "ASID", FIELD_GET(CMDQ_TLBI_0_ASID, c[0]));
		jadd_u(o, "VMID", FIELD_GET(CMDQ_TLBI_0_VMID, c[0]));
		jadd_u(o, "NUM", FIELD_GET(CMDQ_TLBI_0_NUM, c[0]));
		jadd_u(o, "SCALE", FIELD_GET(CMDQ_TLBI_0_SCALE, c[0]));
		jadd_u(o, "Leaf", c[1] & CMDQ_TLBI_1_LEAF);
		jadd_u(o, "TTL", FIELD_GET(CMDQ_TLBI_1_TTL, c[1]));
		jadd_u(o, "TG", FIELD_GET(CMDQ_TLBI_1_TG, c[1]));
		jadd_hex(o, op == CMDQ_OP_TLBI_S2_IPA ? "Address(IPA)" : "Address(VA)",
			c[1] & (op == CMDQ_OP_TLBI_S2_IPA ? CMDQ_TLBI_1_IPA_MASK : CMDQ_TLBI_1_VA_MASK));
		if (tlbi_range_len(c))
			jadd_hex(o, "RangeBytes", tlbi_range_len(c));
		break;
	case CMDQ_OP_ATC_INV:
		jadd_u(o, "StreamID", FIELD_GET(CMDQ_ATC_0_SID, c[0]));
		jadd_u(o, "SSV", !!(c[0] & CMDQ_0_SSV));
		jadd_u(o, "SubstreamID", FIELD_GET(CMDQ_ATC_0_SSID, c[0]));
		jadd_u(o, "Global", !!(c[0] & CMDQ_ATC_0_GLOBAL));
		jadd_u(o, "Size", FIELD_GET(CMDQ_ATC_1_SIZE, c[1]));
		jadd_hex(o, "Address", c[1] & CMDQ_ATC_1_ADDR_MASK);
		break;
	case CMDQ_OP_CMD_SYNC:
		jadd_u(o, "CS", FIELD_GET(CMDQ_SYNC_0_CS, c[0]));
		jadd_u(o, "MSH", FIELD_GET(CMDQ_SYNC_0_MSH, c[0]));
		jadd_u(o, "MSIAttr", FIELD_GET(CMDQ_SYNC_0_MSIATTR, c[0]));
		jadd_u(o, "MSIData", FIELD_GET(CMDQ_SYNC_0_MSIDATA, c[0]));
		jadd_hex(o, "MSIAddress", c[1] & CMDQ_SYNC_1_MSIADDR_MASK);
		break;
	}
	return o;
}
