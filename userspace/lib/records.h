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
/*
 * A capture gap (struct hl_gap_disk) as JSON, and as the one line every
 * verb prints for it (show, diff).
 */
json_object *hl_gap_json(const struct hl_gap_disk *g);
void hl_gap_text(FILE *out, json_object *g);
/* One record, decoded with the one decoder of its payload. */
json_object *hl_record_json(const struct hl_record *r, bool raw);
/*
 * An SMMU_CR0 write's SMMUEN edge: 1 it turns the SMMU on, -1 off, 0 no
 * edge (or not a CR0 write).  An old value never seen (HL_REG_UNKNOWN)
 * counts as enabled when unknown_on, else as disabled.  The one place the
 * edge is read (the timeline's steps, SMMU-OFF; dark.h follows the level).
 */
int hl_smmuen_edge(const struct hl_record *r, bool unknown_on);
/*
 * Is buf one well-formed bpf/hitless.h record?  0, or -1 with err.  A run
 * or a batch (HL_K_PTE_RUN, HL_K_CMD_BATCH) must also keep its own rules
 * (hitless.h: count 1 or more, within one table, a block size of its level).
 */
int hl_record_check(const void *buf, size_t len, char *err, size_t errlen);
/* A record only a producer writes: a run of descriptors or a batch of commands. */
static inline bool hl_record_multi(const struct hl_record *r)
{
	return r->hdr.kind == HL_K_PTE_RUN || r->hdr.kind == HL_K_CMD_BATCH;
}
typedef void (*hl_take_fn)(void *arg, const struct hl_record *r);
/*
 * Hand fn the records r stands for: a run, each of its descriptors' HL_K_PTE
 * records, a batch, each of its commands' HL_K_CMD records, in order; any
 * other record, itself.  r must have passed hl_record_check().  Returns how
 * many.
 */
unsigned hl_record_expand(const struct hl_record *r, hl_take_fn fn, void *arg);
/*
 * The intake of a live record source (the BPF ring buffer, whether the
 * programs are ours or bpftool's pinned ones): every record is checked
 * (hl_record_check(): size, version, kind) before it counts.  boot: a
 * record without a boot identity (bpftool's programs have none) is this
 * boot's; seq_base: added to this boot's sequence numbers (the records
 * imported from the trace instance before the capture came first).
 */
struct hl_intake {
	u64 boot, seq_base;
	u64 rejected;		/* records that failed the check: lost to the verdict */
	char why[160];		/* the first rejection, for the one message */
};
/*
 * Each record data stands for (hl_record_expand(): a run or a batch is
 * expanded), settled, to fn: the number handed, or -1 (rejected, counted
 * once; the first reason also in why; a run or batch rejected is lost whole).
 */
int hl_intake(struct hl_intake *in, const void *data, size_t len, hl_take_fn fn, void *arg);
/*
 * Where a record source plugs in: the BPF ring buffer callback, a file of
 * raw records, the persistent trace-buffer reader each hand their bytes
 * here.  Validates, then hl_state_apply(); -1 with err on a bad record.
 */
int hl_state_feed(struct hl_state *s, const void *data, size_t len, char *err, size_t errlen);

#endif
