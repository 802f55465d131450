/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict rules, one table (lib/rules.c): each rule's id, severity,
 * family and summary, and the function of lib/verdict.c that checks it.
 * docs/rules.md is the long form (tests/unit/rules.t compares the two);
 * JUnit's testcases are the families; a finding takes its severity from
 * here, and where a rule names a downgrade, the check says when it applies.
 */
#ifndef HL_RULES_H
#define HL_RULES_H

#include <stddef.h>

/* Rule ids: stable, used in output and docs/rules.md. */
#define R_STE_TORN	"STE-TORN"	/* an observed STE equals neither old nor new in used bits */
#define R_STE_BREAK	"STE-BREAK"	/* valid -> V=0 -> valid on a protected StreamID */
#define R_STE_REMOVE	"STE-REMOVE"	/* valid -> invalid on a protected StreamID */
#define R_CD_TORN	"CD-TORN"
#define R_CD_BREAK	"CD-BREAK"
#define R_CD_REMOVE	"CD-REMOVE"
#define R_INV_STE	"INV-STE"	/* STE write without CFGI_STE(+range/ALL) then CMD_SYNC */
#define R_INV_CD	"INV-CD"	/* CD write without CFGI_CD(_ALL) then CMD_SYNC */
#define R_INV_TLB	"INV-TLB"	/* removed/changed leaf without covering TLBI then CMD_SYNC */
#define R_INV_ATC	"INV-ATC"	/* ... and without ATC_INV where the StreamID has ATS */
#define R_BBM_SIZE	"BBM-SIZE"	/* live translation changed size without break-before-make */
#define R_PTE_LIVE	"PTE-LIVE"	/* live leaf changed output address or attributes */
#define R_ATTACH_BREAK	"ATTACH-BREAK"	/* the driver reports a breaking attach of a protected StreamID */
#define R_SMMU_OFF	"SMMU-OFF"	/* CR0.SMMUEN cleared while a protected StreamID's STE is valid */
#define R_XK_STE	"XK-STE"	/* protected StreamID: STE gone or config changed across kexec */
#define R_XK_CD		"XK-CD"		/* protected StreamID: CD gone or config changed */
#define R_XK_XLATE	"XK-XLATE"	/* protected StreamID: translation function differs */

enum hl_sev { SEV_WARNING = 1, SEV_ERROR = 2 };

struct hl_rule {
	const char *id;
	enum hl_sev sev;
	const char *downgrade;	/* when the check makes it a warning, or NULL */
	const char *family;	/* what it keeps: the JUnit testcase, docs/rules.md's grouping */
	const char *checked_by;	/* the function of lib/verdict.c that checks it */
	const char *summary;
};

extern const struct hl_rule hl_rules[];
extern const size_t hl_nrules;
/* The families, in the table's order; hl_nfamilies of them. */
extern const char *const hl_families[];
extern const size_t hl_nfamilies;
/* The rule of that id, or NULL. */
const struct hl_rule *hl_rule(const char *id);

#endif
