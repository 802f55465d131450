/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector's model of one SMMU world: what a snapshot holds, and what
 * a stream of bpf/hitless.h records builds (hl_state_apply).  The structs
 * named *_disk are also the snapshot's on-disk entries (docs/snapshot-format.md).
 */
#ifndef HL_STATE_H
#define HL_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "../../bpf/core.h"
#include "smmu.h"

#define VEC(T) struct { T *v; size_t n, cap; }
void *hl_vec_grow(void *v, size_t *cap, size_t need, size_t elem);
#define VEC_PUSH(vec, val) do {						\
	(vec).v = hl_vec_grow((vec).v, &(vec).cap, (vec).n + 1, sizeof(*(vec).v)); \
	(vec).v[(vec).n++] = (val);					\
} while (0)
#define VEC_FREE(vec) do { free((vec).v); (vec).v = NULL; (vec).n = (vec).cap = 0; } while (0)

#define HL_ANY_SMMU	0xffffffffu

struct hl_meta_disk {
	char release[80];	/* uname -r */
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id */
	char hostname[64];
	u64 boot;		/* first 8 bytes of boot_id, as in hl_hdr.boot */
	u64 created_ktime;	/* CLOCK_MONOTONIC ns when taken */
	u64 created_real;	/* CLOCK_REALTIME ns when taken */
	u32 mode;		/* enum hl_mode of the capture */
	u32 pad;
};

struct hl_boot_disk {
	u64 boot;
	u64 cntfrq;	/* CNTFRQ_EL0 Hz, 0 if unknown */
	char boot_id[40];
	char release[80];
};

struct hl_clock_disk {		/* one (ktime, CNTVCT) pair read together */
	u64 boot;
	u64 ktime;
	u64 cntvct;
};

struct hl_smmu_disk {
	u32 id;
	u32 idr[6];	/* SMMU_IDR0..5 */
	u32 pad;
	u64 base;		/* MMIO base, identity only */
};

/*
 * What the capture read of an SMMU's identity (section SMMU_ID, format 1.1):
 * the driver's view from its struct arm_smmu_device, and which SMMU_IDRn
 * were read (their values are the SMMU section's).  A field whose HL_SK_*
 * bit (bpf/core.h) is clear in `known` was not captured: unknown, never 0.
 * A snapshot without the section (format 1.0) knows none of them, and its
 * IDRs only where they are not all 0 (hl_smmu_idr_known).
 */
struct hl_smmu_id_disk {
	u32 smmu;
	u32 known;		/* enum hl_smmu_known */
	u32 features;		/* ARM_SMMU_FEAT_* */
	u32 options;		/* ARM_SMMU_OPT_* */
	u32 sid_bits, ssid_bits;
	u32 asid_bits, vmid_bits;
	u64 oas;		/* bits */
	u64 pgsize_bitmap;
};

struct hl_ste_disk {
	u32 smmu, sid;
	u64 q[8];
};

struct hl_cd_disk {
	u32 smmu, sid, ssid, pad;
	u64 q[8];
};

/*
 * A run of leaf translations of one table (root): [iova, iova+size) maps
 * linearly to [oa, oa+size) with the same attributes and leaf size.
 */
struct hl_range {
	u64 root;
	u64 iova;
	u64 size;
	u64 oa;
	u64 attrs;		/* LPAE_LEAF_ATTR_MASK bits of the leaves */
	u8 level;		/* of the leaves */
	u8 granule;	/* log2 */
	u8 stage;
	u8 leaf_log2;	/* log2 of each leaf's size */
	u32 pad;
};

struct hl_loss_disk {
	u64 boot;
	u64 count;
	u32 where;		/* enum hl_lost_where */
	u32 pad;
};

/*
 * A window of a boot that the capture did not see: the SMMUv3 driver, a
 * module loaded after the capture started, from its load (between from_ns
 * and seen_ns: the collector's last look without it, its first with it) to
 * the capture's attach to it (to_ns), CLOCK_MONOTONIC of that boot.  The
 * walk that follows is the state from to_ns on; nothing after it is lost.
 */
struct hl_gap_disk {
	u64 boot;
	u64 from_ns, seen_ns, to_ns;
	char module[32];	/* the module whose load it was */
};

struct hl_protect_disk {
	u32 smmu;		/* HL_ANY_SMMU: every SMMU */
	u32 sid;
};

struct hl_state {
	struct hl_meta_disk meta;
	VEC(struct hl_boot_disk) boots;
	VEC(struct hl_clock_disk) clocks;
	VEC(struct hl_smmu_disk) smmus;
	VEC(struct hl_smmu_id_disk) smmu_ids;
	VEC(struct hl_ste_disk) stes;
	VEC(struct hl_cd_disk) cds;
	VEC(struct hl_range) ranges;
	VEC(struct hl_record) events;
	VEC(struct hl_loss_disk) losses;
	VEC(struct hl_protect_disk) protect;
	VEC(struct hl_gap_disk) gaps;
	/*
	 * The intake's helpers, not the state (state.c): leaves whose place is
	 * inside the ranges (a table at a lower address than those already
	 * walked), held until a reader needs them in place and merged then in
	 * one pass (hl_ranges_settle), instead of moving every range behind
	 * them for each; and the stage-2 roots of the STEs, rebuilt when the
	 * STEs changed (ste_gen, their count and address).
	 */
	VEC(struct hl_range) rpend;
	VEC(u64) rpend_roots;
	/*
	 * Ranges an unmap took out whole, left in place as dead entries (size
	 * 0) until one pass drops them all (state.c, ranges_compact), and the
	 * steps the writes took over them since; a reader never sees one.
	 */
	size_t rdead, rdead_work;
	u64 ste_gen;
	struct {
		u64 *v;
		size_t n, cap, nste;
		const void *ste_v;
		u64 gen;
		int ok;
	} s2roots;
	/*
	 * The snapshot file this state was read from, mapped copy-on-write:
	 * ranges.v points into it while ranges.cap is 0 (a 10M-range file is
	 * not copied); the first insertion takes a private copy.
	 */
	void *map;
	size_t map_len;
};

void hl_state_init(struct hl_state *s);
void hl_state_free(struct hl_state *s);

/* Feed one record: the event log grows and the STE/CD/translation state follows. */
void hl_state_apply(struct hl_state *s, const struct hl_record *r);
/*
 * The stage of a descriptor write to `root`: 2 when an STE of the state
 * points its S2TTB at root (a capture that started after that STE was
 * written, or a tracepoint that names only the root, may say 1), else the
 * record's.  An STE that makes root a stage-2 table also retags the ranges
 * the state already holds for it (hl_state_set_ste).
 */
unsigned hl_state_pte_stage(struct hl_state *s, u64 root, unsigned stage);

struct hl_ste_disk *hl_state_ste(const struct hl_state *s, u32 smmu, u32 sid);
struct hl_cd_disk *hl_state_cd(const struct hl_state *s, u32 smmu, u32 sid, u32 ssid);
const struct hl_smmu_disk *hl_state_smmu(const struct hl_state *s, u32 smmu);
const struct hl_smmu_id_disk *hl_state_smmu_id(const struct hl_state *s, u32 smmu);
/*
 * Which of SMMU `m`'s IDRs the state knows (HL_SK_IDR(k) bits): its SMMU_ID
 * entry's, or, for a snapshot without one (format 1.0), all six unless all
 * six are 0 (no SMMUv3 reads so: that capture could not read them).
 */
u32 hl_smmu_idr_known(const struct hl_state *s, const struct hl_smmu_disk *m);
/* Does SMMU `m` have BBML2 (IDR3.BBM = 2, or the driver's ARM_SMMU_FEAT_BBML2)?  1, 0, -1 unknown. */
int hl_smmu_bbml2(const struct hl_state *s, const struct hl_smmu_disk *m);
const struct hl_boot_disk *hl_state_boot(const struct hl_state *s, u64 boot);
void hl_state_set_ste(struct hl_state *s, u32 smmu, u32 sid, const u64 *q);
void hl_state_set_cd(struct hl_state *s, u32 smmu, u32 sid, u32 ssid, const u64 *q);

/* Translation ranges: a leaf write, and folding into maximal runs. */
void hl_ranges_write(struct hl_state *s, u64 root, u64 iova, unsigned level,
		     unsigned granule, unsigned stage, u64 old_desc, u64 new_desc);
void hl_ranges_compress(struct hl_state *s);
/*
 * Put the leaves the intake held back (struct hl_state) in place and drop
 * the dead entries of unmapped ranges: every reader of s->ranges outside
 * state.c first, hl_ranges_compress() and the state's own lookups do it.
 * Logically const: the translation is the same.
 */
void hl_ranges_settle(const struct hl_state *s);
/*
 * The translation function of `root` as maximal linear runs, ignoring leaf
 * size (what the device sees); caller frees *out.
 */
size_t hl_ranges_function(const struct hl_state *s, u64 root, struct hl_range **out);

/*
 * The same function one run at a time, without a copy: hl_fn_first() then
 * hl_fn_next() until it returns 0.  The state's ranges are sorted by
 * (root, IOVA), as the reader checks and hl_ranges_write() keeps them.
 */
struct hl_fn_iter {
	const struct hl_range *v;
	size_t i, hi;
	struct hl_range run;	/* the current run */
};
void hl_fn_first(struct hl_fn_iter *it, const struct hl_state *s, u64 root);
int hl_fn_next(struct hl_fn_iter *it);

int hl_protected(const struct hl_protect_disk *p, size_t n, u32 smmu, u32 sid);
int hl_parse_protect(const char *arg, struct hl_state *into);

/* The merged, ordered, de-duplicated event log of one or two snapshots. */
size_t hl_merge_events(const struct hl_state *a, const struct hl_state *b,
		       struct hl_record **out, u64 **boot_order, size_t *nboots);

#endif
