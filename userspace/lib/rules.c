// SPDX-License-Identifier: GPL-2.0
/* The verdict rules' table (rules.h): add a rule here, its check in lib/verdict.c. */
#include <string.h>
#include "rules.h"

const char *const hl_families[] = {
	"entry not torn", "translation never broken", "SMMU kept enabled",
	"invalidation complete", "break-before-make", "same across the kexec",
};
const size_t hl_nfamilies = sizeof(hl_families) / sizeof(hl_families[0]);

#define ENTRY "entry updates: check_update()"

const struct hl_rule hl_rules[] = {
	{ R_STE_TORN, SEV_ERROR, NULL, "entry not torn", ENTRY,
	  "an STE update let the SMMU observe an entry that is neither the old nor the new one in the bits it uses" },
	{ R_CD_TORN, SEV_ERROR, NULL, "entry not torn", ENTRY, "the same for a CD" },
	{ R_STE_BREAK, SEV_ERROR, NULL, "translation never broken", ENTRY,
	  "a protected StreamID's STE went valid -> V=0 -> valid" },
	{ R_STE_REMOVE, SEV_ERROR, NULL, "translation never broken", ENTRY,
	  "a protected StreamID's STE went invalid, or from translating to abort or bypass" },
	{ R_CD_BREAK, SEV_ERROR, NULL, "translation never broken", ENTRY,
	  "a CD its STE uses went valid -> V=0 -> valid" },
	{ R_CD_REMOVE, SEV_ERROR, NULL, "translation never broken", ENTRY, "a CD its STE uses went invalid" },
	{ R_ATTACH_BREAK, SEV_ERROR, NULL, "translation never broken", "attaches: attach()",
	  "the driver reports a breaking or failed attach of a protected StreamID" },
	{ R_SMMU_OFF, SEV_ERROR, NULL, "SMMU kept enabled", "SMMU registers: reg_write()",
	  "CR0.SMMUEN cleared while a protected StreamID's STE is valid" },
	{ R_INV_STE, SEV_ERROR, "at the end of the last boot's log", "invalidation complete",
	  "invalidations: ob_fail()", "an STE write not followed by CFGI_STE (or a range, or ALL) and a CMD_SYNC" },
	{ R_INV_CD, SEV_ERROR, "at the end of the last boot's log", "invalidation complete",
	  "invalidations: ob_fail()", "a CD write not followed by CFGI_CD (or CD_ALL, CFGI_STE) and a CMD_SYNC" },
	{ R_INV_TLB, SEV_ERROR, "at the end of the last boot's log", "invalidation complete",
	  "invalidations: ob_fail()", "a leaf removed or changed without a covering TLBI and a CMD_SYNC" },
	{ R_INV_ATC, SEV_ERROR, "at the end of the last boot's log", "invalidation complete",
	  "invalidations: ob_fail()", "... and without ATC_INV where the StreamID has ATS" },
	{ R_BBM_SIZE, SEV_ERROR, "every SMMU has BBML2", "break-before-make", "page tables: pte_write()",
	  "a live translation changed size without break-before-make" },
	{ R_PTE_LIVE, SEV_ERROR, NULL, "break-before-make", "page tables: pte_write()",
	  "a live leaf changed output address or attributes in place" },
	{ R_XK_STE, SEV_ERROR, NULL, "same across the kexec", "cross-kexec: cross_kexec()",
	  "a protected StreamID's STE gone or its configuration changed across the kexec" },
	{ R_XK_CD, SEV_ERROR, NULL, "same across the kexec", "cross-kexec: cross_kexec()",
	  "a protected StreamID's CD gone or changed across the kexec" },
	{ R_XK_XLATE, SEV_ERROR, NULL, "same across the kexec", "cross-kexec: xk_xlate()",
	  "a protected StreamID's translation function differs across the kexec" },
};
const size_t hl_nrules = sizeof(hl_rules) / sizeof(hl_rules[0]);

const struct hl_rule *hl_rule(const char *id)
{
	for (size_t i = 0; i < hl_nrules; i++)
		if (!strcmp(hl_rules[i].id, id))
			return &hl_rules[i];
	return NULL;
}
