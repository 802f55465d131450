/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_RECORDS_H
#define HL_RECORDS_H

#include "state.h"

const char *hl_kind_name(unsigned kind);
const char *hl_mode_name(unsigned mode);
const char *hl_milestone_name(unsigned id);
const char *hl_iommufd_name(unsigned op);
const char *hl_attach_outcome_name(unsigned o);
const char *hl_lost_where_name(unsigned w);
/* One record, decoded with the one decoder of its payload. */
json_object *hl_record_json(const struct hl_record *r, bool raw);
/* Is buf one well-formed bpf/hitless.h record?  0, or -1 with err. */
int hl_record_check(const void *buf, size_t len, char *err, size_t errlen);
/*
 * Where a record source plugs in: the BPF ring buffer callback, a file of
 * raw records, the persistent trace-buffer reader each hand their bytes
 * here.  Validates, then hl_state_apply(); -1 with err on a bad record.
 */
int hl_state_feed(struct hl_state *s, const void *data, size_t len, char *err, size_t errlen);

#endif
