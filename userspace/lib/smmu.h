/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Arm SMMUv3 structures as the collector sees them: STE, CD, commands and
 * LPAE descriptors.  Field masks carry the Linux 7.3 driver's names
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h) so the code can be checked
 * against it; decoded field names are the specification's (IHI 0070).
 * Each decoder exists once, here and in smmu.c / pte.c.
 */
#ifndef HL_SMMU_H
#define HL_SMMU_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <json-c/json.h>
#include "../../bpf/core.h"	/* and hitless.h */

/* The record header's types, so records and model share one u64. */
typedef __u64 u64;
typedef __u32 u32;
typedef __u16 u16;
typedef __u8 u8;

#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define FIELD_GET(m, v)		(((v) & (m)) >> __builtin_ctzll(m))
#define FIELD_PREP(m, v)	(((u64)(v) << __builtin_ctzll(m)) & (m))

#define NUM_ENTRY_QWORDS	8

/* IDR registers (spec 6.3.1-6.3.6) */
#define IDR0_ST_LVL		GENMASK_ULL(28, 27)
#define IDR0_CD2L		BIT_ULL(19)
#define IDR0_VMID16		BIT_ULL(18)
#define IDR0_PRI		BIT_ULL(16)
#define IDR0_ASID16		BIT_ULL(12)
#define IDR0_ATS		BIT_ULL(10)
#define IDR0_HYP		BIT_ULL(9)
#define IDR0_HTTU		GENMASK_ULL(7, 6)
#define IDR0_COHACC		BIT_ULL(4)
#define IDR0_TTF		GENMASK_ULL(3, 2)
#define IDR0_S1P		BIT_ULL(1)
#define IDR0_S2P		BIT_ULL(0)
#define IDR1_SSIDSIZE		GENMASK_ULL(10, 6)
#define IDR1_SIDSIZE		GENMASK_ULL(5, 0)
#define IDR3_BBM		GENMASK_ULL(12, 11)
#define IDR3_RIL		BIT_ULL(10)
#define IDR3_FWB		BIT_ULL(8)
#define IDR5_GRAN64K		BIT_ULL(6)
#define IDR5_GRAN16K		BIT_ULL(5)
#define IDR5_GRAN4K		BIT_ULL(4)
#define IDR5_OAS		GENMASK_ULL(2, 0)

/* struct arm_smmu_device's features and options, arm-smmu-v3.h (7.3) */
#define ARM_SMMU_FEAT_2_LVL_STRTAB	(1 << 0)
#define ARM_SMMU_FEAT_2_LVL_CDTAB	(1 << 1)
#define ARM_SMMU_FEAT_TT_LE		(1 << 2)
#define ARM_SMMU_FEAT_TT_BE		(1 << 3)
#define ARM_SMMU_FEAT_PRI		(1 << 4)
#define ARM_SMMU_FEAT_ATS		(1 << 5)
#define ARM_SMMU_FEAT_SEV		(1 << 6)
#define ARM_SMMU_FEAT_MSI		(1 << 7)
#define ARM_SMMU_FEAT_COHERENCY		(1 << 8)
#define ARM_SMMU_FEAT_TRANS_S1		(1 << 9)
#define ARM_SMMU_FEAT_TRANS_S2		(1 << 10)
#define ARM_SMMU_FEAT_STALLS		(1 << 11)
#define ARM_SMMU_FEAT_HYP		(1 << 12)
#define ARM_SMMU_FEAT_STALL_FORCE	(1 << 13)
#define ARM_SMMU_FEAT_VAX		(1 << 14)
#define ARM_SMMU_FEAT_RANGE_INV		(1 << 15)
#define ARM_SMMU_FEAT_BTM		(1 << 16)
#define ARM_SMMU_FEAT_SVA		(1 << 17)
#define ARM_SMMU_FEAT_E2H		(1 << 18)
#define ARM_SMMU_FEAT_NESTING		(1 << 19)
#define ARM_SMMU_FEAT_ATTR_TYPES_OVR	(1 << 20)
#define ARM_SMMU_FEAT_HA		(1 << 21)
#define ARM_SMMU_FEAT_HD		(1 << 22)
#define ARM_SMMU_FEAT_S2FWB		(1 << 23)
#define ARM_SMMU_FEAT_BBML2		(1 << 24)
#define ARM_SMMU_FEAT_HAFT		(1 << 25)
#define ARM_SMMU_FEAT_DS		(1 << 26)
#define ARM_SMMU_FEAT_NBITS		27
#define ARM_SMMU_OPT_SKIP_PREFETCH	(1 << 0)
#define ARM_SMMU_OPT_PAGE0_REGS_ONLY	(1 << 1)
#define ARM_SMMU_OPT_MSIPOLL		(1 << 2)
#define ARM_SMMU_OPT_CMDQ_FORCE_SYNC	(1 << 3)
#define ARM_SMMU_OPT_TEGRA241_CMDQV	(1 << 4)
#define ARM_SMMU_OPT_NBITS		5

/* STE (spec 5.2), arm-smmu-v3.h */
#define STRTAB_STE_0_V			BIT_ULL(0)
#define STRTAB_STE_0_CFG		GENMASK_ULL(3, 1)
#define STRTAB_STE_0_CFG_ABORT		0
#define STRTAB_STE_0_CFG_BYPASS		4
#define STRTAB_STE_0_CFG_S1_TRANS	5
#define STRTAB_STE_0_CFG_S2_TRANS	6
#define STRTAB_STE_0_CFG_NESTED		7
#define STRTAB_STE_0_S1FMT		GENMASK_ULL(5, 4)
#define STRTAB_STE_0_S1CTXPTR_MASK	GENMASK_ULL(51, 6)
#define STRTAB_STE_0_S1CDMAX		GENMASK_ULL(63, 59)
#define STRTAB_STE_1_S1DSS		GENMASK_ULL(1, 0)
#define STRTAB_STE_1_S1DSS_TERMINATE	0
#define STRTAB_STE_1_S1DSS_BYPASS	1
#define STRTAB_STE_1_S1DSS_SSID0	2
#define STRTAB_STE_1_S1CIR		GENMASK_ULL(3, 2)
#define STRTAB_STE_1_S1COR		GENMASK_ULL(5, 4)
#define STRTAB_STE_1_S1CSH		GENMASK_ULL(7, 6)
#define STRTAB_STE_1_MEV		BIT_ULL(19)
#define STRTAB_STE_1_S2FWB		BIT_ULL(25)
#define STRTAB_STE_1_S1STALLD		BIT_ULL(27)
#define STRTAB_STE_1_EATS		GENMASK_ULL(29, 28)
#define STRTAB_STE_1_EATS_TRANS		1
#define STRTAB_STE_1_EATS_S1CHK		2
#define STRTAB_STE_1_STRW		GENMASK_ULL(31, 30)
#define STRTAB_STE_1_SHCFG		GENMASK_ULL(45, 44)
#define STRTAB_STE_2_S2VMID		GENMASK_ULL(15, 0)
#define STRTAB_STE_2_VTCR		GENMASK_ULL(50, 32)
#define STRTAB_STE_2_VTCR_S2T0SZ	GENMASK_ULL(5, 0)
#define STRTAB_STE_2_VTCR_S2SL0		GENMASK_ULL(7, 6)
#define STRTAB_STE_2_VTCR_S2IR0		GENMASK_ULL(9, 8)
#define STRTAB_STE_2_VTCR_S2OR0		GENMASK_ULL(11, 10)
#define STRTAB_STE_2_VTCR_S2SH0		GENMASK_ULL(13, 12)
#define STRTAB_STE_2_VTCR_S2TG		GENMASK_ULL(15, 14)
#define STRTAB_STE_2_VTCR_S2PS		GENMASK_ULL(18, 16)
#define STRTAB_STE_2_S2AA64		BIT_ULL(51)
#define STRTAB_STE_2_S2ENDI		BIT_ULL(52)
#define STRTAB_STE_2_S2PTW		BIT_ULL(54)
#define STRTAB_STE_2_S2S		BIT_ULL(57)
#define STRTAB_STE_2_S2R		BIT_ULL(58)
#define STRTAB_STE_3_S2TTB_MASK		GENMASK_ULL(51, 4)

/* CD (spec 5.4), arm-smmu-v3.h */
#define CTXDESC_CD_0_TCR_T0SZ		GENMASK_ULL(5, 0)
#define CTXDESC_CD_0_TCR_TG0		GENMASK_ULL(7, 6)
#define CTXDESC_CD_0_TCR_IRGN0		GENMASK_ULL(9, 8)
#define CTXDESC_CD_0_TCR_ORGN0		GENMASK_ULL(11, 10)
#define CTXDESC_CD_0_TCR_SH0		GENMASK_ULL(13, 12)
#define CTXDESC_CD_0_TCR_EPD0		BIT_ULL(14)
#define CTXDESC_CD_0_ENDI		BIT_ULL(15)
#define CTXDESC_CD_0_TCR_EPD1		BIT_ULL(30)
#define CTXDESC_CD_0_V			BIT_ULL(31)
#define CTXDESC_CD_0_TCR_IPS		GENMASK_ULL(34, 32)
#define CTXDESC_CD_0_TCR_TBI0		BIT_ULL(38)
#define CTXDESC_CD_0_AA64		BIT_ULL(41)
#define CTXDESC_CD_0_TCR_HD		BIT_ULL(42)
#define CTXDESC_CD_0_TCR_HA		BIT_ULL(43)
#define CTXDESC_CD_0_S			BIT_ULL(44)
#define CTXDESC_CD_0_R			BIT_ULL(45)
#define CTXDESC_CD_0_A			BIT_ULL(46)
#define CTXDESC_CD_0_ASET		BIT_ULL(47)
#define CTXDESC_CD_0_ASID		GENMASK_ULL(63, 48)
#define CTXDESC_CD_1_HAFT		BIT_ULL(3)
#define CTXDESC_CD_1_TTB0_MASK		GENMASK_ULL(51, 4)

/* Commands (spec 4), arm-smmu-v3.h enum arm_smmu_cmdq_opcode */
#define CMDQ_0_OP		GENMASK_ULL(7, 0)
#define CMDQ_0_SSV		BIT_ULL(11)
#define CMDQ_CFGI_0_SSID	GENMASK_ULL(31, 12)
#define CMDQ_CFGI_0_SID		GENMASK_ULL(63, 32)
#define CMDQ_CFGI_1_LEAF	BIT_ULL(0)
#define CMDQ_CFGI_1_RANGE	GENMASK_ULL(4, 0)
#define CMDQ_TLBI_0_NUM		GENMASK_ULL(16, 12)
#define CMDQ_TLBI_0_SCALE	GENMASK_ULL(25, 20)
#define CMDQ_TLBI_0_VMID	GENMASK_ULL(47, 32)
#define CMDQ_TLBI_0_ASID	GENMASK_ULL(63, 48)
#define CMDQ_TLBI_1_LEAF	BIT_ULL(0)
#define CMDQ_TLBI_1_TTL		GENMASK_ULL(9, 8)
#define CMDQ_TLBI_1_TG		GENMASK_ULL(11, 10)
#define CMDQ_TLBI_1_VA_MASK	GENMASK_ULL(63, 12)
#define CMDQ_TLBI_1_IPA_MASK	GENMASK_ULL(51, 12)
#define CMDQ_ATC_0_SSID		GENMASK_ULL(31, 12)
#define CMDQ_ATC_0_SID		GENMASK_ULL(63, 32)
#define CMDQ_ATC_0_GLOBAL	BIT_ULL(9)
#define CMDQ_ATC_1_SIZE		GENMASK_ULL(5, 0)
#define CMDQ_ATC_1_ADDR_MASK	GENMASK_ULL(63, 12)
#define CMDQ_PREFETCH_0_SID	GENMASK_ULL(63, 32)
#define CMDQ_SYNC_0_CS		GENMASK_ULL(13, 12)
#define CMDQ_SYNC_0_MSH		GENMASK_ULL(23, 22)
#define CMDQ_SYNC_0_MSIATTR	GENMASK_ULL(27, 24)
#define CMDQ_SYNC_0_MSIDATA	GENMASK_ULL(63, 32)
#define CMDQ_SYNC_1_MSIADDR_MASK GENMASK_ULL(51, 2)

enum {
	CMDQ_OP_PREFETCH_CFG	= 0x01,
	CMDQ_OP_PREFETCH_ADDR	= 0x02,
	CMDQ_OP_CFGI_STE	= 0x03,
	CMDQ_OP_CFGI_ALL	= 0x04,	/* CMD_CFGI_STE_RANGE, Range = 31 */
	CMDQ_OP_CFGI_CD		= 0x05,
	CMDQ_OP_CFGI_CD_ALL	= 0x06,
	CMDQ_OP_CFGI_VMS_PIDM	= 0x07,
	CMDQ_OP_TLBI_NH_ALL	= 0x10,
	CMDQ_OP_TLBI_NH_ASID	= 0x11,
	CMDQ_OP_TLBI_NH_VA	= 0x12,
	CMDQ_OP_TLBI_NH_VAA	= 0x13,
	CMDQ_OP_TLBI_EL3_ALL	= 0x18,
	CMDQ_OP_TLBI_EL3_VA	= 0x1a,
	CMDQ_OP_TLBI_EL2_ALL	= 0x20,
	CMDQ_OP_TLBI_EL2_ASID	= 0x21,
	CMDQ_OP_TLBI_EL2_VA	= 0x22,
	CMDQ_OP_TLBI_EL2_VAA	= 0x23,
	CMDQ_OP_TLBI_S12_VMALL	= 0x28,
	CMDQ_OP_TLBI_S2_IPA	= 0x2a,
	CMDQ_OP_TLBI_NSNH_ALL	= 0x30,
	CMDQ_OP_ATC_INV		= 0x40,
	CMDQ_OP_PRI_RESP	= 0x41,
	CMDQ_OP_RESUME		= 0x44,
	CMDQ_OP_STALL_TERM	= 0x45,
	CMDQ_OP_CMD_SYNC	= HL_CMD_OP_SYNC,	/* bpf/hitless.h */
};

/* LPAE descriptors (io-pgtable-arm.c, Arm ARM D8.3) */
#define LPAE_TYPE_MASK		0x3ULL
#define LPAE_TYPE_BLOCK		1
#define LPAE_TYPE_TABLE		3	/* PAGE at the last level */
#define LPAE_ADDR_MASK		GENMASK_ULL(47, 12)
#define LPAE_AF			BIT_ULL(10)
#define LPAE_DBM		BIT_ULL(51)
#define LPAE_CONT		BIT_ULL(52)
#define LPAE_SW_SYNC		BIT_ULL(55)
/* Bits of a leaf that are attributes or permissions, not address or type. */
#define LPAE_LEAF_ATTR_MASK	(GENMASK_ULL(11, 2) | GENMASK_ULL(63, 50))
/* Bits hardware may update on its own (HTTU) or software-only bits. */
#define LPAE_HW_MANAGED		(LPAE_AF | LPAE_DBM | BIT_ULL(7) | GENMASK_ULL(58, 55))

/* --- STE / CD -------------------------------------------------------- */

static inline bool ste_valid(const u64 *q) { return q[0] & STRTAB_STE_0_V; }
static inline unsigned ste_cfg(const u64 *q) { return FIELD_GET(STRTAB_STE_0_CFG, q[0]); }
static inline bool ste_s1(const u64 *q) { return ste_valid(q) && (ste_cfg(q) & 1) && (ste_cfg(q) & 4); }
static inline bool ste_s2(const u64 *q) { return ste_valid(q) && (ste_cfg(q) & 2) && (ste_cfg(q) & 4); }
static inline u64 ste_s2ttb(const u64 *q) { return q[3] & STRTAB_STE_3_S2TTB_MASK; }
static inline u64 ste_s1ctxptr(const u64 *q) { return q[0] & STRTAB_STE_0_S1CTXPTR_MASK; }
static inline unsigned ste_vmid(const u64 *q) { return FIELD_GET(STRTAB_STE_2_S2VMID, q[2]); }
static inline unsigned ste_eats(const u64 *q) { return FIELD_GET(STRTAB_STE_1_EATS, q[1]); }
static inline bool cd_valid(const u64 *q) { return q[0] & CTXDESC_CD_0_V; }
static inline u64 cd_ttb0(const u64 *q) { return q[1] & CTXDESC_CD_1_TTB0_MASK; }
static inline unsigned cd_asid(const u64 *q) { return FIELD_GET(CTXDESC_CD_0_ASID, q[0]); }

/* Driver bit logic, reimplemented from arm-smmu-v3.c (7.3). */
void hl_ste_get_used(const u64 *ent, u64 *used);
void hl_ste_get_update_safe(const u64 *cur, const u64 *target, u64 *safe);
void hl_cd_get_used(const u64 *ent, u64 *used);

enum hl_entry_type { HL_ENTRY_STE, HL_ENTRY_CD };
/* arm_smmu_entry_qword_diff(): bit i set = qword i must change disruptively. */
unsigned hl_entry_qword_diff(enum hl_entry_type t, const u64 *entry,
			     const u64 *target, u64 *unused_update);
/*
 * The KUnit check (arm_smmu_test_writer_record_syncs): may the SMMU observing
 * `seen` treat it as `init` or as `target`?  Returns true if `seen` differs
 * from both in a used bit (safe bits excepted): a corrupted entry.
 */
bool hl_entry_torn(enum hl_entry_type t, const u64 *seen,
		   const u64 *init, const u64 *target);
/* arm_smmu_write_entry() as a list of steps: fills steps[] (max 3). */
struct hl_entry_step_out { int step; u64 val[NUM_ENTRY_QWORDS]; };
int hl_entry_write_steps(enum hl_entry_type t, const u64 *cur,
			 const u64 *target, struct hl_entry_step_out *out);

json_object *hl_ste_decode(const u64 *q);
json_object *hl_cd_decode(const u64 *q);
/* The IDR fields; those of an IDR not in `known` (HL_SK_IDR(k) bits) are null: unknown. */
json_object *hl_idr_decode(const u32 *idr, u32 known);
/* ARM_SMMU_FEAT_* / ARM_SMMU_OPT_* bit k's name (without the prefix), or NULL. */
const char *hl_smmu_feat_name(unsigned k);
const char *hl_smmu_opt_name(unsigned k);
unsigned hl_idr_bbml(const u32 *idr);
const char *hl_ste_cfg_name(unsigned cfg);
const char *hl_step_name(int step);

/* --- Commands --------------------------------------------------------- */

const char *hl_cmd_name(unsigned op);
json_object *hl_cmd_decode(const u64 *cmd);
static inline unsigned hl_cmd_op(const u64 *cmd) { return FIELD_GET(CMDQ_0_OP, cmd[0]); }

/* What an invalidation command covers (for the completeness rule). */
struct hl_inv {
	enum { INV_NONE, INV_STE, INV_CD, INV_TLB, INV_ATC, INV_SYNC } kind;
	u32 sid_lo, sid_hi;	/* INV_STE/INV_CD/INV_ATC: StreamIDs [lo, hi] */
	u32 ssid; bool all_ssid;	/* INV_CD/INV_ATC */
	bool any_asid, any_vmid;	/* INV_TLB: tag wildcards */
	u16 asid, vmid;
	bool stage1, stage2;		/* INV_TLB: which stages' entries */
	bool all_va;			/* INV_TLB/INV_ATC: every address */
	u64 va_lo, va_hi;		/* [lo, hi) when !all_va; hi==0: leaf containing va_lo */
};
void hl_cmd_inv(const u64 *cmd, struct hl_inv *inv);

/* --- LPAE page-table descriptors ---------------------------------------- */

enum hl_pte_type { PTE_INVALID, PTE_TABLE, PTE_BLOCK, PTE_PAGE, PTE_RESERVED };
struct hl_pte {
	enum hl_pte_type type;
	unsigned level, granule;	/* granule: log2 (12, 14, 16) */
	u64 size;			/* bytes mapped (leaf) or spanned (table) */
	u64 oa;			/* output address, or next-level table */
	u64 attrs;			/* leaf attribute bits, LPAE_LEAF_ATTR_MASK */
	bool level_ok;			/* block permitted at this level */
};
unsigned hl_lpae_shift(unsigned level, unsigned granule);
int hl_pte_parse(u64 desc, unsigned level, unsigned granule, struct hl_pte *p);
json_object *hl_pte_decode(u64 desc, unsigned level, unsigned granule, unsigned stage);
static inline bool hl_pte_is_leaf(const struct hl_pte *p) { return p->type == PTE_BLOCK || p->type == PTE_PAGE; }

#endif
