/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_TIMELINE_H
#define HL_TIMELINE_H

#include "state.h"
#include <json-c/json.h>
#include "output.h"

/*
 * The critical path across a kexec from one or two snapshots' logs, every
 * instant placed on the CNTVCT timeline (docs/early-boot-tracing.md
 * "Time across the kexec", docs/output.md "hitless timeline").
 */
json_object *hl_timeline_build(const struct hl_state *a, const struct hl_state *b,
			       const struct hl_protect_disk *protect, size_t nprotect);

/* The timeline document as text, metrics or a Chrome trace (hl_emit()). */
extern const struct hl_render hl_timeline_render;

/* A duration for people: "180.001 ms", "2.001 us", "12 ns". */
void hl_fmt_dur(char *b, size_t n, long long ns);

#endif
