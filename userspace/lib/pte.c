// SPDX-License-Identifier: GPL-2.0
/*
 * VMSAv8-64 (LPAE) translation-table descriptors as the SMMU walks them:
 * Arm ARM D8.3, and Linux 7.3 drivers/iommu/io-pgtable-arm.c.
 */
#include <stdio.h>
#include <string.h>
#include "output.h"
#include "smmu.h"

/* ARM_LPAE_LVL_SHIFT(): (4 - level) * bits_per_level + 3, bits_per_level = granule - 3 */
unsigned hl_lpae_shift(unsigned level, unsigned granule)
{
	return (4 - level) * (granule - 3) + 3;
}

/* iopte_to_paddr(): with a 64K granule, OA[51:48] sits in descriptor bits [15:12]. */
static u64 desc_oa(u64 d, unsigned granule)
{
	u64 pa = d & LPAE_ADDR_MASK;

	if (granule < 16)
		return pa;
	return (pa | (pa << (48 - 12))) & (LPAE_ADDR_MASK << 4);
}

/* Blocks: 4K at levels 1-2, 16K at level 2, 64K at level 2 (level 1 only with 52-bit OA). */
static bool block_level_ok(unsigned level, unsigned granule)
{
	if (granule == 12)
		return level == 1 || level == 2;
	return level == 2;
}

int hl_pte_parse(u64 d, unsigned level, unsigned granule, struct hl_pte *p)
{
	memset(p, 0, sizeof(*p));
	if ((granule != 12 && granule != 14 && granule != 16) || level > 3 ||
	    (granule == 16 && level == 0))
		return -1;
	p->level = level;
	p->granule = granule;
	p->size = 1ULL << hl_lpae_shift(level, granule);
	if (!(d & 1)) {
		p->type = PTE_INVALID;
		return 0;
	}
	p->oa = desc_oa(d, granule);
	if (level == 3) {
		p->type = (d & LPAE_TYPE_MASK) == LPAE_TYPE_TABLE ? PTE_PAGE : PTE_RESERVED;
		p->level_ok = true;
	} else if ((d & LPAE_TYPE_MASK) == LPAE_TYPE_TABLE) {
		p->type = PTE_TABLE;
		p->level_ok = true;
		return 0;
	} else {
		p->type = PTE_BLOCK;
		p->level_ok = block_level_ok(level, granule);
	}
	p->oa &= ~(p->size - 1);
	p->attrs = d & LPAE_LEAF_ATTR_MASK;
	return 0;
}

json_object *hl_pte_decode(u64 d, unsigned level, unsigned granule, unsigned stage)
{
	static const char *const tname[] = { "invalid", "table", "block", "page", "reserved" };
	json_object *o = json_object_new_object();
	struct hl_pte p;

	if (hl_pte_parse(d, level, granule, &p)) {
		json_object_object_add(o, "type", json_object_new_string("bad-level-or-granule"));
		return o;
	}
	json_object_object_add(o, "type", json_object_new_string(tname[p.type]));
	jadd_u(o, "level", level);
	jadd_u(o, "granule", 1ULL << granule);
	if (p.type == PTE_INVALID || p.type == PTE_RESERVED)
		return o;
	if (p.type == PTE_TABLE) {
		jadd_hex(o, "NextLevelTable", p.oa);
		jadd_u(o, "NSTable", d >> 63);
		jadd_u(o, "APTable", (d >> 61) & 3);
		jadd_u(o, "XNTable", (d >> 60) & 1);
		jadd_u(o, "PXNTable", (d >> 59) & 1);
		return o;
	}
	jadd_hex(o, "OutputAddress", p.oa);
	jadd_hex(o, "size", p.size);
	if (!p.level_ok)
		json_object_object_add(o, "error", json_object_new_string("block not permitted at this level"));
	if (stage == 2) {
		jadd_u(o, "MemAttr", (d >> 2) & 0xf);
		jadd_u(o, "S2AP", (d >> 6) & 3);
		jadd_u(o, "XN", (d >> 53) & 3);
	} else {
		jadd_u(o, "AttrIndx", (d >> 2) & 7);
		jadd_u(o, "NS", (d >> 5) & 1);
		jadd_u(o, "AP", (d >> 6) & 3);
		jadd_u(o, "nG", (d >> 11) & 1);
		jadd_u(o, "PXN", (d >> 53) & 1);
		jadd_u(o, "UXN", (d >> 54) & 1);
	}
	jadd_u(o, "SH", (d >> 8) & 3);
	jadd_u(o, "AF", (d >> 10) & 1);
	jadd_u(o, "DBM", (d >> 51) & 1);
	jadd_u(o, "Contiguous", (d >> 52) & 1);
	return o;
}
