/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by tests/bpf/core_test.bpf.c and its loader core_test.c. */
#ifndef HL_CORE_TEST_H
#define HL_CORE_TEST_H

#include "core.h"

/* ---- arm_smmu_write_entry() step classification ---- */
struct step_io {
	__u64 entry[HL_ENTRY_QWORDS];	/* as write_entry() found it */
	__u64 target[HL_ENTRY_QWORDS];
	__u64 cur_used[HL_ENTRY_QWORDS];
	__u64 tgt_used[HL_ENTRY_QWORDS];
	__u64 safe[HL_ENTRY_QWORDS];
	__u64 before[HL_ENTRY_QWORDS];
	__u64 after[HL_ENTRY_QWORDS];
	__u32 diff;			/* out */
	__u32 step;			/* out */
};

/* ---- runs of descriptors, batches of commands ---- */
struct run_io {
	__u64 off;			/* in test_mem: the first descriptor or command */
	__u64 root, iova, size;
	__u32 num;			/* descriptors, or commands */
	__u32 smmu;
	__u8 level, granule, stage, unmap;
	__u32 sync;			/* commands: a CMD_SYNC after them */
	__u64 sync_off;			/* commands: the CMD_SYNC's qwords in test_mem, 0: none */
	/* a run the kernel reported whole (hl_emit_run()) */
	__u64 old, old_step, new, new_step;
	__u32 count;
};

/* ---- one arm_lpae_map_pages() call (hl_map_path_enter(), hl_map_path_exit()) ---- */
struct map_io {
	__u64 pgd_off;			/* in test_mem: the start level's table */
	__u64 root;			/* its physical address: TEST_PHYS_BASE + pgd_off */
	__u64 iova, pgsize;
	__u64 mapped;			/* *mapped: before the call (enter), after it (exit) */
	__u32 start, bpl, pgd_bits, stage;
	__s32 ret;			/* exit: what the call returned */
	__s32 rc;			/* out: enter's result (0: the path is followed) */
};

#define TEST_MEM_SIZE	(1 << 20)
#define TEST_PHYS_BASE	0x40000000ULL

#endif
