/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dark time: the one definition, used by the timeline and the monitor.
 *
 * A device (StreamID) is dark while its DMA has no translation: its SMMU
 * is disabled (CR0.SMMUEN = 0), its STE is invalid, its STE aborts or
 * bypasses, or its STE uses a context descriptor that is invalid.  It
 * counts once a VMM has the device (its attach, a live update's
 * LUO_PREPARE, its DEVICE_RESTORE; the monitor's --protect from the
 * start), from the first time it has translation then: a device
 * handed from its kernel driver to vfio and to the VMM is being set up,
 * not dark.  The dark time is the sum of those stretches, each cause's part counted
 * apart (the first cause that applies, in that order).  A stretch that a
 * write ends lasts until the CMD_SYNC after it on its SMMU (where the SMMU
 * may observe the write).
 *
 * Across a kexec the new kernel's first write to the StreamID says in its
 * "before" what the new stream table held: a device that had translation
 * at the old kernel's end and finds none there was dark from the old
 * kernel's last record on.  An SMMU the old kernel disabled is enabled by
 * the new kernel's reset: a CR0 write setting SMMUEN, its SMMU_PROBE_END
 * milestone, or at the latest the first write to the StreamID.
 *
 * Records are fed in log order, each with its time in the caller's unit
 * (counter ticks for the timeline, CLOCK_MONOTONIC ns for the monitor).
 */
#ifndef HL_DARK_H
#define HL_DARK_H

#include <stdbool.h>
#include "state.h"

enum hl_dark_cause {
	HL_DARK_SMMU_OFF,	/* CR0.SMMUEN = 0 */
	HL_DARK_STE_INVALID,	/* STE V = 0, or none in the new kernel's table */
	HL_DARK_ABORT_BYPASS,	/* STE Config abort or bypass */
	HL_DARK_CD_INVALID,	/* stage 1: the CD of SSID 0 invalid */
	HL_DARK_NCAUSE
};

/* "smmu_off", "ste_invalid", "abort_or_bypass", "cd_invalid" (JSON keys, metric labels) */
const char *hl_dark_cause_name(enum hl_dark_cause c);

struct hl_dark {
	u32 smmu, sid;		/* the device; smmu HL_ANY_SMMU: any SMMU */
	bool known;		/* a record said whether it translates */
	bool lit;		/* it has translation now */
	bool armed;		/* a VMM has it: its attach, a restore, or the caller said so */
	bool ever_lit;		/* it had translation since: dark time counts from then */
	int cause;		/* while dark: why (enum hl_dark_cause) */
	double since;		/* when it last turned dark or lit */
	double pending;		/* a write lit it: lit from the next CMD_SYNC (-1: none) */
	u32 pending_smmu;
	u64 ste[8];
	bool have_ste, have_cd, cd_valid, smmu_off;
	u64 boot;		/* the boot of the last record fed */
	bool new_boot;		/* no record of this device since the boot changed */
	double last_t;		/* the last record's time */
	double boundary;	/* the old kernel's last record, at a kexec */
	double dark, valid;	/* closed stretches */
	double part[HL_DARK_NCAUSE];
	u64 darkenings;		/* lit -> dark */
};

void hl_dark_init(struct hl_dark *d, u32 smmu, u32 sid);
/*
 * From t on the device is a VMM's: its dark time counts from the first
 * time it has translation.  Fed records arm it at a VMM's attach (iommufd
 * HWPT attach or replace, VFIO type1's), at LUO_PREPARE and at a
 * DEVICE_RESTORE of it; the monitor arms its --protect StreamIDs from the
 * start, the timeline its protected StreamIDs when the log shows no VMM's
 * attach at all (the capture began with the VM running).
 */
void hl_dark_arm(struct hl_dark *d, double t);
/* One record of the log at time t (walker records: the state found, not changes). */
void hl_dark_feed(struct hl_dark *d, const struct hl_record *r, double t);
/*
 * The totals up to t.  open: the stretch still running counts up to t (the
 * monitor, live); else a dark stretch counts once translation came back
 * (the timeline: a device still dark at the log's end is "never valid").
 */
void hl_dark_at(const struct hl_dark *d, double t, bool open, double *valid, double *dark,
		double part[HL_DARK_NCAUSE]);

#endif
