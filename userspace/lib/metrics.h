/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one metrics writer: diff, timeline and monitor write their samples
 * through it, in the Prometheus text exposition format (what node_exporter's
 * textfile collector reads: the default) or in OpenMetrics.  Every family
 * is declared once (metrics.c), with its type, unit and help, so the same
 * name means the same thing in every file: the textfile collector refuses
 * two files whose HELP or TYPE of one name differ.
 */
#ifndef HL_METRICS_H
#define HL_METRICS_H

#include <stdio.h>
#include "state.h"

enum hl_mfmt { HL_MF_PROMETHEUS, HL_MF_OPENMETRICS };

int hl_mfmt_parse(const char *s, enum hl_mfmt *f);

struct hl_mfam;
struct hl_mw {
	FILE *out;
	enum hl_mfmt fmt;
	const struct hl_mfam *fam;	/* the family being written */
};

void hl_mw_init(struct hl_mw *w, FILE *out, enum hl_mfmt fmt);
/* Start the family `name` (as declared in metrics.c: counters without _total). */
void hl_mw_family(struct hl_mw *w, const char *name);
/*
 * One sample of the current family; after v, label name/value pairs, NULL
 * last.  Values are escaped; a counter's sample gets its _total.
 */
void hl_mw_sample(struct hl_mw *w, double v, ...) __attribute__((sentinel));
/* The end of the exposition ("# EOF" in OpenMetrics). */
void hl_mw_end(struct hl_mw *w);

/*
 * Who StreamID `sid` is, for its labels: the SMMU (smmu, or when that is
 * HL_ANY_SMMU the one a driver attach or an STE of the state names) and the
 * device's name (its PCI address) from the last driver attach naming it,
 * "" when no record says.  *smmu_out is HL_ANY_SMMU when nothing does.
 */
void hl_sid_ident(const struct hl_state *s, u32 smmu, u32 sid, u32 *smmu_out,
		  char *dev, size_t devlen);
/* A per-StreamID sample: smmu="N" (or "any"), sid="N", and device="dev" if dev is not "". */
void hl_mw_sid_sample(struct hl_mw *w, double val, u32 smmu, u32 sid, const char *dev);

#endif
