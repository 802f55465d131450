/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Is a log complete?  The one definition (docs/output.md "Exit status":
 * exit 2 "incomplete"), without the verdict's rules: the verdict, show,
 * timeline and (through the verdict) the monitor all take it from here.
 */
#ifndef HL_COMPLETE_H
#define HL_COMPLETE_H

#include <stdbool.h>
#include "state.h"

struct hl_completeness {
	u64 lost;		/* records known lost: the LOSS sections, once across the two snapshots */
	u64 gaps;		/* records missing between two sequence numbers of one boot */
	u64 inconsistent;	/* STE/CD writes whose "before" is not that entry's last "after" */
	u64 nevents;		/* records in the merged log */
};

/* The log of one snapshot (b NULL) or two, merged as hl_merge_events() merges them. */
void hl_completeness(const struct hl_state *a, const struct hl_state *b, struct hl_completeness *c);
/* The same over a log already merged from a and b (hl_analyze() has it). */
void hl_completeness_of(const struct hl_state *a, const struct hl_state *b,
			const struct hl_record *ev, size_t n, struct hl_completeness *c);
bool hl_complete(const struct hl_completeness *c);

#endif
