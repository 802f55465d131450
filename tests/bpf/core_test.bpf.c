// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host test harness for bpf/core.bpf.h: raw_tracepoint programs that are
 * never attached, only run by BPF_PROG_TEST_RUN (tests/bpf/core_test.c).
 * The same code the capture object runs, on this machine's kernel.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "core.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#include "core_test.h"

struct step_io step_io = {};

SEC("raw_tp/sys_enter")
int test_step(void *ctx)
{
	struct step_io *s = &step_io;

	s->diff = hl_entry_qword_diff(s->entry, s->target, s->cur_used, s->tgt_used, s->safe);
	s->step = hl_entry_step(s->diff, s->target, s->before, s->after);
	return 0;
}

/* ---- the walker, over a fake physical memory held in an mmapable array ---- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u8[TEST_MEM_SIZE]);
} test_mem SEC(".maps");

/* Set by the test: where in test_mem the stream table starts. */
__u64 strtab_off = 0;
int walk_emitted = 0;

SEC("raw_tp/sys_enter")
int test_walk(void *ctx)
{
	__u32 zero = 0;
	struct hl_walk *w = bpf_map_lookup_elem(&hl_walk_ctl, &zero);
	__u8 *mem = bpf_map_lookup_elem(&test_mem, &zero);

	if (!w || !mem)
		return 1;
	if (!w->strtab) {
		/* stored, then read back: the map value's address as a plain number */
		*(volatile __u64 *)&w->strtab = (__u64)mem;
		w->delta = *(volatile __u64 *)&w->strtab - TEST_PHYS_BASE;
		w->strtab += strtab_off;
	}
	walk_emitted = hl_walk_run(w);
	return 0;
}

/* ---- loss accounting: emit `emit_n` records with nobody reading ---- */
__u32 emit_n = 0;

static long emit_cb(__u64 i, void *ctx)
{
	struct hl_record *r = hl_reserve(HL_K_MILESTONE, HL_MODE_SYNTHETIC);

	if (r) {
		r->ms.id = HL_MS_USER;
		r->ms.arg = i;
		hl_submit(r);
	}
	return 0;
}

SEC("raw_tp/sys_enter")
int test_emit(void *ctx)
{
	bpf_loop(emit_n, emit_cb, NULL, 0);
	return 0;
}

/*
 * A VMM's map in 4 KiB pages as the stock mode records it (one HL_K_PTE per
 * leaf written, bpf/hitless.bpf.c hl_emit_pte): `emit_n` leaves per run at
 * consecutive IOVAs from pte_next, for bench/bpf_cost.c "drain" (what the
 * collector's own CPU costs per record it takes off the ring).
 */
__u64 pte_next = 0x10000000;

static long pte_cb(__u64 i, void *ctx)
{
	struct hl_record *r = hl_reserve(HL_K_PTE, HL_MODE_SYNTHETIC);

	if (r) {
		r->pte.root = 0x80000000;
		r->pte.iova = pte_next;
		r->pte.old_desc = 0;
		r->pte.new_desc = (0x40000000 + pte_next) | 0x743;	/* page, AF, inner shareable */
		r->pte.level = 3;
		r->pte.granule = 12;
		r->pte.stage = 1;
		hl_submit(r);
	}
	pte_next += 4096;
	return 0;
}

SEC("raw_tp/sys_enter")
int test_emit_pte(void *ctx)
{
	bpf_loop(emit_n, pte_cb, NULL, 0);
	return 0;
}

/*
 * What the kernel's helpers alone cost (bench/bpf_cost.c "floor"): what any
 * record costs on this kernel before hitless writes a byte of it.
 * floor_what 1: bpf_ringbuf_reserve + bpf_ringbuf_submit; 2: bpf_ktime_get_ns.
 */
__u32 floor_what = 0;

static long floor_cb(__u64 i, void *ctx)
{
	struct hl_record *r;

	if (floor_what == 2) {
		hl_seq += bpf_ktime_get_ns() & 1;	/* kept: the call cannot be dropped */
		return 0;
	}
	r = bpf_ringbuf_reserve(&hl_events, sizeof(*r), 0);
	if (r)
		bpf_ringbuf_submit(r, 0);
	return 0;
}

SEC("raw_tp/sys_enter")
int test_floor(void *ctx)
{
	bpf_loop(emit_n, floor_cb, NULL, 0);
	return 0;
}

/*
 * Runs and batches (core.bpf.h hl_emit_runs(), hl_emit_cmds()): the
 * descriptors or commands at run_io.off in test_mem, as one io-pgtable call
 * or one cmdlist call would hand them to the capture; and a run the
 * kernel's arm_lpae_pte_run reports whole (hl_emit_run()).
 */
struct run_io run_io = {};
__u64 test_mem_base = 0;

static __always_inline __u64 test_mem_addr(__u64 off)
{
	__u32 zero = 0;
	__u8 *mem = bpf_map_lookup_elem(&test_mem, &zero);

	if (!mem)
		return 0;
	/* stored, then read back: the map value's address as a plain number */
	*(volatile __u64 *)&test_mem_base = (__u64)mem;
	return *(volatile __u64 *)&test_mem_base + off;
}

SEC("raw_tp/sys_enter")
int test_runs(void *ctx)
{
	struct run_io *io = &run_io;
	__u64 src = test_mem_addr(io->off);

	if (!src)
		return 1;
	hl_emit_runs(HL_MODE_SYNTHETIC, io->root, io->iova, io->size, src, io->num, io->level,
		     io->granule, io->stage, io->unmap);
	return 0;
}

SEC("raw_tp/sys_enter")
int test_cmds(void *ctx)
{
	struct run_io *io = &run_io;
	__u64 src = test_mem_addr(io->off);

	if (!src)
		return 1;
	if (io->sync_off)
		hl_emit_cmds_sync(HL_MODE_SYNTHETIC, io->smmu, src, io->num, io->sync,
				  test_mem_addr(io->sync_off));
	else
		hl_emit_cmds(HL_MODE_SYNTHETIC, io->smmu, src, io->num, io->sync);
	return 0;
}

SEC("raw_tp/sys_enter")
int test_run_event(void *ctx)
{
	struct run_io *io = &run_io;

	hl_emit_run(HL_MODE_SYNTHETIC, io->root, io->iova, io->level, io->granule, io->stage,
		    io->size, io->count, io->old, io->old_step, io->new, io->new_step);
	return 0;
}

/*
 * One arm_lpae_map_pages() call on a page table in test_mem: its entry
 * (hl_map_path_enter()) before the test makes the kernel's stores, its exit
 * (hl_map_path_exit()) after, as hitless.bpf.c's fentry and fexit do.
 */
struct map_io map_io = {};
struct hl_map_path map_path = {};

SEC("raw_tp/sys_enter")
int test_map_enter(void *ctx)
{
	struct map_io *io = &map_io;
	__u64 pgd = test_mem_addr(io->pgd_off);

	if (!pgd)
		return 1;
	io->rc = hl_map_path_init(&map_path, HL_MODE_SYNTHETIC, pgd, io->root, io->iova, io->pgsize,
				  io->start, io->bpl, io->pgd_bits, io->stage);
	if (io->rc)
		return 0;
	map_path.mapped = io->mapped;
	io->rc = hl_map_path_enter(&map_path);
	return 0;
}

SEC("raw_tp/sys_enter")
int test_map_exit(void *ctx)
{
	hl_map_path_exit(&map_path, map_io.mapped, map_io.ret);
	return 0;
}
