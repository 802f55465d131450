/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_TIMELINE_H
#define HL_TIMELINE_H

#include "state.h"
#include <json-c/json.h>

/*
 * The critical path across a kexec from one or two snapshots' logs, every
 * instant placed on the CNTVCT timeline (DESIGN.md "Time across kexec").
 */
json_object *hl_timeline_build(const struct hl_state *a, const struct hl_state *b,
			       const struct hl_protect_disk *protect, size_t nprotect);

#endif
