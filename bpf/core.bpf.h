/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hitless BPF core: the record-building logic that does not depend on the
 * kernel's own structures, shared by the capture objects (hitless.bpf.c,
 * hitless_tp.bpf.c, built against the target kernel's vmlinux.h) and the
 * host unit tests (tests/bpf/core_test.bpf.c, run with BPF_PROG_TEST_RUN on
 * any kernel).
 *
 *  - the ring buffer, sequence numbers and loss accounting;
 *  - the step of arm_smmu_write_entry() a sync belongs to;
 *  - the full-state walker: stream table -> CD tables -> I/O page tables,
 *    as the SMMU walks them (IHI 0070 3.3 and 5.2-5.4, Arm ARM D8.3),
 *    resumable, one descriptor per bpf_loop() step.
 *
 * Kernel memory is read with bpf_probe_read_kernel() only; a table the SMMU
 * reaches by physical address is read through the linear map (virt = phys +
 * hl_walk.delta).
 */
#ifndef HITLESS_CORE_BPF_H
#define HITLESS_CORE_BPF_H

#include "hitless.h"
#include "core.h"

#ifndef __VMLINUX_H__
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} hl_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HL_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hl_stats SEC(".maps");

volatile struct hl_config hl_cfg = {};

/* Next sequence number - 1, per boot (this object is loaded once per boot). */
__u64 hl_seq = 0;
/* Records dropped since the last HL_K_LOST record, and the first one's seq. */
__u64 hl_lost_pending = 0;
__u64 hl_lost_first = 0;

/*
 * The counters are off the per-record path: only the rare events (a drop, a
 * fault, a walker stop) count.  Records submitted are not counted: every
 * record takes one number from hl_seq, so submitted = hl_seq - dropped.
 */
static __always_inline void hl_count(__u32 stat, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&hl_stats, &stat);

	if (v)
		__sync_fetch_and_add(v, n);
}

static __always_inline void hl_fill_hdr(struct hl_record *r, __u16 kind, __u8 mode, __u64 seq)
{
	r->hdr.kind = kind;
	r->hdr.mode = mode;
	r->hdr.version = HL_RECORD_VERSION;
	r->hdr.cpu = bpf_get_smp_processor_id();
	r->hdr.seq = seq;
	r->hdr.ktime_ns = bpf_ktime_get_ns();
	r->hdr.boot = hl_cfg.boot;
	__builtin_memset(r->raw, 0, sizeof(r->raw));
}

/* Report what was dropped since the last report, before anything newer. */
static __always_inline void hl_flush_lost(__u8 mode)
{
	struct hl_record *r;
	__u64 n, first;

	if (!hl_lost_pending)
		return;
	n = __sync_lock_test_and_set(&hl_lost_pending, 0);
	if (!n)
		return;
	first = hl_lost_first;
	r = bpf_ringbuf_reserve(&hl_events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&hl_lost_pending, n);
		return;
	}
	hl_fill_hdr(r, HL_K_LOST, mode, __sync_fetch_and_add(&hl_seq, 1) + 1);
	r->lost.count = n;
	r->lost.where = HL_LOST_RINGBUF;
	r->lost.first_seq = first;
	bpf_ringbuf_submit(r, 0);
	hl_count(HL_STAT_LOST_RECORDS, 1);
}

/*
 * A record to fill and hl_submit(), or NULL when the ring buffer is full:
 * then the record's sequence numbers are spent (the gap shows) and counted,
 * and the next record that fits is preceded by an HL_K_LOST record.  A run
 * or a batch (hitless.h) takes one number per descriptor or command it
 * stands for, `n`, so that loss is counted in the records the collector
 * would have had.
 */
/* n records from sequence number `first` on are lost: the next HL_K_LOST record says so. */
static __always_inline void hl_lose(__u64 first, __u32 n)
{
	if (__sync_fetch_and_add(&hl_lost_pending, n) == 0)
		hl_lost_first = first;
}

static __always_inline struct hl_record *hl_reserve_n(__u16 kind, __u8 mode, __u32 n)
{
	struct hl_record *r;
	__u64 seq;

	hl_flush_lost(mode);
	r = bpf_ringbuf_reserve(&hl_events, sizeof(*r), 0);
	seq = __sync_fetch_and_add(&hl_seq, n) + 1;
	if (!r) {
		hl_lose(seq, n);
		hl_count(HL_STAT_LOST_RINGBUF, n);
		return NULL;
	}
	hl_fill_hdr(r, kind, mode, seq);
	return r;
}

static __always_inline struct hl_record *hl_reserve(__u16 kind, __u8 mode)
{
	return hl_reserve_n(kind, mode, 1);
}

/* The walker's variant: a full ring buffer stops the walk, nothing is spent. */
static __always_inline struct hl_record *hl_reserve_retry(__u16 kind, __u8 mode)
{
	struct hl_record *r = bpf_ringbuf_reserve(&hl_events, sizeof(*r), 0);

	if (!r) {
		hl_count(HL_STAT_WALK_RETRY, 1);
		return NULL;
	}
	hl_fill_hdr(r, kind, mode, __sync_fetch_and_add(&hl_seq, 1) + 1);
	return r;
}

/*
 * Wake the reader each time the ring fills past another sixteenth, not for
 * every record: the default (wake whenever the reader had caught up) wakes it
 * for nearly every record of a burst, a context switch each on a CPU the
 * workload wants.  The reader polls with a timeout (hitless record: 100 ms)
 * for a trickle, and its epoll is level-triggered, so a wake-up it was too
 * busy to take is not lost; 15/16 of the ring is left for a reader that is
 * slow to get a CPU.  Only the record that crosses a step pays for the
 * wake-up (an irq_work).
 */
#define HL_WAKE_STEPS	16

/* The ring's size / HL_WAKE_STEPS, asked once: a ring buffer's size is fixed when its map is made. */
__u64 hl_wake_step = 0;

static __always_inline void hl_submit(struct hl_record *r)
{
	__u64 queued = bpf_ringbuf_query(&hl_events, BPF_RB_AVAIL_DATA);
	__u64 step = hl_wake_step;

	if (!step) {
		step = bpf_ringbuf_query(&hl_events, BPF_RB_RING_SIZE) / HL_WAKE_STEPS;
		hl_wake_step = step;
	}
	/* queued includes this record and its 8-byte ring-buffer header */
	bpf_ringbuf_submit(r, queued >= step && (queued & (step - 1)) < sizeof(*r) + 8 ?
			   BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/*
 * A VMM's operation on its DMA translation, as both capture modes report it:
 * through iommufd, or through the VFIO type1 container (src, hitless.h).
 */
static __always_inline void hl_emit_vmm(__u8 mode, __u32 src, __u32 op, __u32 obj, __u32 dev,
					__u32 pt, __u64 iova, __u64 len, int ret)
{
	struct hl_record *r = hl_reserve(HL_K_IOMMUFD, mode);

	if (!r)
		return;
	r->iommufd.op = op;
	r->iommufd.obj_id = obj;
	r->iommufd.dev_id = dev;
	r->iommufd.pt_id = pt;
	r->iommufd.iova = iova;
	r->iommufd.length = len;
	r->iommufd.result = ret;
	r->iommufd.src = src;
	hl_submit(r);
}

static __always_inline void hl_emit_iommufd(__u8 mode, __u32 op, __u32 obj, __u32 dev, __u32 pt,
					    __u64 iova, __u64 len, int ret)
{
	hl_emit_vmm(mode, HL_IOMMUFD_SRC_IOMMUFD, op, obj, dev, pt, iova, len, ret);
}

/* Keep a bound check the compiler would fold away (the verifier needs it). */
#define HL_BARRIER_VAR(v)	asm volatile("" : "+r"(v))

/* One descriptor write, old -> new, as an HL_K_PTE record. */
static __always_inline void hl_emit_pte_rec(__u8 mode, __u64 root, __u64 iova, __u8 level,
					    __u8 granule, __u8 stage, __u64 old, __u64 new)
{
	struct hl_record *r = hl_reserve(HL_K_PTE, mode);

	if (!r)
		return;
	r->pte.root = root;
	r->pte.iova = iova;
	r->pte.old_desc = old;
	r->pte.new_desc = new;
	r->pte.level = level;
	r->pte.granule = granule;
	r->pte.stage = stage;
	hl_submit(r);
}

/* ---- runs of descriptors (HL_K_PTE_RUN) --------------------------------- */

/*
 * A run of descriptors in one table, as one io-pgtable call writes them
 * (bpf/hitless.h struct hl_pte_run): the descriptors are read from the
 * table HL_RUN_CHUNK at a time into a per-CPU buffer (one
 * bpf_probe_read_kernel per chunk), and each is either the next of the run
 * being built (its old and new values follow the run's steps) or ends it:
 * the run is submitted and a new one starts with it.  A map's run is read
 * after the stores (old 0, as the per-descriptor records had it); an
 * unmap's before them (new 0), up to the first empty entry, where
 * __arm_lpae_unmap() stops.
 */
#define HL_RUN_CHUNK	64

struct hl_run_buf {
	__u64 d[HL_RUN_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hl_run_buf);
} hl_run_scratch SEC(".maps");

struct hl_run_ctx {
	struct hl_pte_run run;	/* being built: count 0 when none */
	__u64 next_old;		/* what the next descriptor must be to follow it */
	__u64 next_new;
	__u64 src;		/* address of the first descriptor */
	__u64 iova;		/* the first descriptor's IOVA */
	__u32 num;		/* descriptors the call writes (at most) */
	__u8 unmap;		/* old = what is read, new 0, up to the first empty one */
	__u8 mode;		/* enum hl_mode */
	__u8 pad[2];
};

static __always_inline void hl_run_flush(struct hl_run_ctx *c)
{
	struct hl_record *r;
	__u32 n = c->run.count;

	if (!n)
		return;
	c->run.count = 0;
	r = hl_reserve_n(HL_K_PTE_RUN, c->mode, n);
	if (!r)
		return;
	__builtin_memcpy(&r->run, &c->run, sizeof(r->run));
	r->run.count = n;
	hl_submit(r);
}

/*
 * Descriptor i of the call, old -> new, when it is not the next of the run
 * being built (hl_run_cb() takes those): the second of the run, which sets
 * its steps, or the first of another, after the run is submitted.  A global
 * function, verified once on its own: inlined into the loop, the verifier
 * follows each constant the run's count takes through every iteration and
 * gives up ("too complex").
 */
__noinline int hl_run_add(struct hl_run_ctx *c, __u64 i, __u64 old, __u64 new)
{
	struct hl_pte_run *p;

	if (!c)
		return 0;
	p = &c->run;
	if (p->count == 1) {
		p->old_step = old - p->old_desc;
		p->new_step = new - p->new_desc;
		p->count = 2;
	} else {
		hl_run_flush(c);
		p->iova = c->iova + i * p->size;
		p->old_desc = old;
		p->new_desc = new;
		p->old_step = 0;
		p->new_step = 0;
		p->count = 1;
	}
	c->next_old = old + p->old_step;
	c->next_new = new + p->new_step;
	return 0;
}

/*
 * Descriptors HL_RUN_STEP * k and after, up to HL_RUN_STEP of them: each the
 * next of the run or not.  The bpf_loop() step is short because the verifier
 * follows every iteration of every branch inside it: a step over the whole
 * chunk of 64 cost it 176k instructions for each of the map and unmap
 * programs, most of the stock object's load time in the rig's guest; one
 * descriptor per step tripled the cost per descriptor (the callback and the
 * buffer's lookup each time).  The chunk is read into the per-CPU buffer at
 * its first step.
 */
#define HL_RUN_STEP	8

static long hl_run_cb(__u64 k, void *ctx)
{
	struct hl_run_ctx *c = ctx;
	__u32 zero = 0, n, off;
	struct hl_run_buf *b = bpf_map_lookup_elem(&hl_run_scratch, &zero);
	__u64 i0 = k * HL_RUN_STEP;

	if (!b || i0 >= c->num)
		return 1;
	off = i0 & (HL_RUN_CHUNK - HL_RUN_STEP);	/* where step k's descriptors are in the chunk */
	if (!off) {
		n = c->num - i0;
		if (n > HL_RUN_CHUNK)
			n = HL_RUN_CHUNK;
		HL_BARRIER_VAR(n);
		if (n == 0 || n > HL_RUN_CHUNK)
			return 1;
		if (bpf_probe_read_kernel(b->d, n * 8, (void *)(c->src + i0 * 8))) {
			hl_count(HL_STAT_READ_FAULT, 1);
			return 1;
		}
	}
#pragma clang loop unroll(disable)
	for (__u32 j = 0; j < HL_RUN_STEP; j++) {
		__u64 d, old, new;

		if (i0 + j >= c->num)
			return 1;
		d = b->d[off + j];
		if (c->unmap) {
			if (!d)
				return 1;	/* __arm_lpae_unmap() stops at the first empty entry */
			old = d;
			new = 0;
		} else {
			old = 0;
			new = d;
		}
		if (c->run.count >= 2 && old == c->next_old && new == c->next_new) {
			c->run.count++;
			c->next_old += c->run.old_step;
			c->next_new += c->run.new_step;
			continue;
		}
		hl_run_add(c, i0 + j, old, new);
	}
	return 0;
}

/* ---- batches of commands (HL_K_CMD_BATCH) ------------------------------- */

struct hl_batch_ctx {
	__u64 src;		/* the n commands, 16 bytes each */
	__u64 sync_src;		/* the CMD_SYNC's two qwords, 0: only its opcode is known */
	__u32 n;		/* commands read from src */
	__u32 total;		/* n, and the CMD_SYNC last when the call syncs */
	__u32 smmu;
	__u8 mode;
	__u8 pad[3];
};

/* Chunk i of the call: up to HL_BATCH_CMDS commands in one record. */
static long hl_batch_cb(__u64 i, void *ctx)
{
	struct hl_batch_ctx *c = ctx;
	__u32 first = i * HL_BATCH_CMDS, k, kr;
	struct hl_record *r;

	if (first >= c->total)
		return 1;
	k = c->total - first;
	if (k > HL_BATCH_CMDS)
		k = HL_BATCH_CMDS;
	kr = first < c->n ? c->n - first : 0;
	if (kr > k)
		kr = k;
	r = hl_reserve_n(HL_K_CMD_BATCH, c->mode, k);
	if (!r)
		return 0;
	r->batch.smmu = c->smmu;
	r->batch.count = k;
	HL_BARRIER_VAR(kr);
	if (kr > HL_BATCH_CMDS)
		kr = HL_BATCH_CMDS;
	if (kr && bpf_probe_read_kernel(r->batch.cmds, kr * 16, (void *)(c->src + first * 16))) {
		/* not sent half empty: its numbers are reported lost, as a drop's are */
		hl_lose(r->hdr.seq, k);
		hl_count(HL_STAT_READ_FAULT, 1);
		bpf_ringbuf_discard(r, 0);
		return 1;
	}
	if (kr < k && kr < HL_BATCH_CMDS) {
		if (!c->sync_src) {
			r->batch.cmds[kr][0] = HL_CMD_OP_SYNC;	/* the driver builds the rest inside */
		} else if (bpf_probe_read_kernel(r->batch.cmds[kr], 16, (void *)c->sync_src)) {
			hl_lose(r->hdr.seq, k);
			hl_count(HL_STAT_READ_FAULT, 1);
			bpf_ringbuf_discard(r, 0);
			return 1;
		}
	}
	hl_submit(r);
	return 0;
}

/*
 * The commands of one cmdlist call, n at kernel address src (struct
 * arm_smmu_cmd, two qwords each), and a CMD_SYNC after them when `sync`:
 * its two qwords at sync_src (the series' arm_smmu_cmdq_batch has the one
 * the driver built), or 0, only its opcode (at the call's entry the driver
 * has not built it yet).  One HL_K_CMD_BATCH record per HL_BATCH_CMDS
 * commands.
 */
static __always_inline void hl_emit_cmds_sync(__u8 mode, __u32 smmu, __u64 src, int n, int sync,
					      __u64 sync_src)
{
	struct hl_batch_ctx c = { .src = src, .sync_src = sync_src, .smmu = smmu, .mode = mode };

	if (n < 0)
		n = 0;
	c.n = n;
	c.total = c.n + (sync ? 1 : 0);
	if (c.total)
		bpf_loop((c.total + HL_BATCH_CMDS - 1) / HL_BATCH_CMDS, hl_batch_cb, &c, 0);
}

static __always_inline void hl_emit_cmds(__u8 mode, __u32 smmu, __u64 src, int n, int sync)
{
	hl_emit_cmds_sync(mode, smmu, src, n, sync, 0);
}

/*
 * The run(s) of one io-pgtable call: `num` descriptors from the kernel
 * address `src`, the first mapping `iova`, of block size `size` (the caller
 * has bounded num to the table's end, as io-pgtable does).
 */
static __always_inline void hl_emit_runs(__u8 mode, __u64 root, __u64 iova, __u64 size, __u64 src,
					 __u32 num, __u8 level, __u8 granule, __u8 stage, __u8 unmap)
{
	struct hl_run_ctx c = {
		.run = { .root = root, .size = size, .level = level, .granule = granule,
			 .stage = stage },
		.src = src, .iova = iova, .num = num, .unmap = unmap, .mode = mode,
	};

	if (num == 1) {
		/*
		 * One descriptor (iommufd maps a VMM's buffer page by page where
		 * its pages are not contiguous): the HL_K_PTE record a run of 1
		 * stands for, without the run's loop and scratch buffer.
		 */
		__u64 d;

		if (bpf_probe_read_kernel(&d, 8, (void *)src)) {
			hl_count(HL_STAT_READ_FAULT, 1);
			return;
		}
		if (unmap && !d)
			return;
		hl_emit_pte_rec(mode, root, iova, level, granule, stage, unmap ? d : 0, unmap ? 0 : d);
		return;
	}
	bpf_loop((num + HL_RUN_STEP - 1) / HL_RUN_STEP, hl_run_cb, &c, 0);
	hl_run_flush(&c);
}

/*
 * A run the kernel reported whole (the series' arm_lpae_pte_run, built by
 * io-pgtable-arm.c with the rules of struct hl_pte_run): its one record,
 * or a run of one as the descriptor's HL_K_PTE record.
 */
static __always_inline void hl_emit_run(__u8 mode, __u64 root, __u64 iova, __u8 level,
					__u8 granule, __u8 stage, __u64 size, __u32 count,
					__u64 old, __u64 old_step, __u64 new, __u64 new_step)
{
	struct hl_record *r;

	if (count <= 1) {
		if (count)
			hl_emit_pte_rec(mode, root, iova, level, granule, stage, old, new);
		return;
	}
	r = hl_reserve_n(HL_K_PTE_RUN, mode, count);
	if (!r)
		return;
	r->run.root = root;
	r->run.iova = iova;
	r->run.size = size;
	r->run.old_desc = old;
	r->run.new_desc = new;
	r->run.old_step = old_step;
	r->run.new_step = new_step;
	r->run.count = count;
	r->run.level = level;
	r->run.granule = granule;
	r->run.stage = stage;
	hl_submit(r);
}

/* ---- arm_smmu_write_entry() steps --------------------------------------- */

/*
 * arm_smmu_entry_qword_diff(): which qwords need a used bit changed after
 * the unused bits were updated.  cur_used/tgt_used are what the driver's
 * get_used() returned for the current and the target entry, safe what
 * get_update_safe() returned (zero for a CD).
 */
static __always_inline __u8 hl_entry_qword_diff(const __u64 *entry, const __u64 *target,
						 const __u64 *cur_used, const __u64 *tgt_used,
						 const __u64 *safe_in)
{
	__u8 diff = 0;

	for (int i = 0; i < HL_ENTRY_QWORDS; i++) {
		__u64 safe = safe_in[i] & tgt_used[i] & cur_used[i];
		__u64 cu = cur_used[i] & ~safe;
		__u64 unused_update = (entry[i] & cu) | (target[i] & ~cu);

		if ((unused_update & tgt_used[i]) != target[i])
			diff |= 1 << i;
	}
	return diff;
}

/*
 * Which entry_set() of arm_smmu_write_entry() a sync closes, from the
 * driver's own decision (diff, from hl_entry_qword_diff()) and the entry
 * just before and just after the write that sync makes visible.
 */
static __always_inline __u8 hl_entry_step(__u8 diff, const __u64 *target,
					  const __u64 *before, const __u64 *after)
{
	unsigned c = 0, n = 0;

	if (!diff)
		return HL_STEP_ONESHOT;
	for (int i = 0; i < HL_ENTRY_QWORDS; i++)
		if (diff & (1 << i)) {
			if (!n)
				c = i;
			n++;
		}
	HL_BARRIER_VAR(c);
	c &= HL_ENTRY_QWORDS - 1;
	if (n == 1) {
		if (after[c] != target[c])
			return HL_STEP_UNUSED;
		if (before[c] != target[c])
			return HL_STEP_CRITICAL;
		return HL_STEP_FINAL;
	}
	if (after[0] == 0 && before[0] != 0)
		return HL_STEP_BREAK;
	if (after[0] == before[0])
		return HL_STEP_FILL;
	return HL_STEP_SETV;
}

/* ---- the full-state walker ----------------------------------------------- */

/* IHI 0070: STE, CD and descriptor fields the walk follows. */
#define HL_STE0_V		(1ULL << 0)
#define HL_STE0_CFG(q)		(((q) >> 1) & 7)
#define HL_STE0_S1FMT(q)	(((q) >> 4) & 3)
#define HL_STE0_S1CTXPTR(q)	((q) & 0x000fffffffffffc0ULL)	/* [51:6] */
#define HL_STE0_S1CDMAX(q)	(((q) >> 59) & 0x1f)
#define HL_STE2_S2T0SZ(q)	(((q) >> 32) & 0x3f)
#define HL_STE2_S2SL0(q)	(((q) >> 38) & 3)
#define HL_STE2_S2TG(q)		(((q) >> 46) & 3)
#define HL_STE3_S2TTB(q)	((q) & 0x000ffffffffffff0ULL)	/* [51:4] */
#define HL_L1STD_SPAN(q)	((q) & 0x1f)
#define HL_L1STD_L2PTR(q)	((q) & 0x000fffffffffffc0ULL)	/* [51:6] */
#define HL_CD0_V		(1ULL << 31)
#define HL_CD0_T0SZ(q)		((q) & 0x3f)
#define HL_CD0_TG0(q)		(((q) >> 6) & 3)
#define HL_CD0_EPD0		(1ULL << 14)
#define HL_CD1_TTB0(q)		((q) & 0x000ffffffffffff0ULL)	/* [51:4] */
#define HL_L1CD_V		(1ULL << 0)
#define HL_L1CD_L2PTR(q)	((q) & 0x000ffffffffff000ULL)	/* [51:12] */
#define HL_LPAE_ADDR_MASK	0x0000fffffffff000ULL	/* [47:12] */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hl_walk);
} hl_walk_ctl SEC(".maps");

/* Table roots walked in the current generation (a table shared by several CDs is walked once). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} hl_walk_roots SEC(".maps");

static __always_inline unsigned hl_lvl_shift(unsigned level, unsigned granule)
{
	return (4 - level) * (granule - 3) + 3;
}

/* iopte_to_paddr(): with a 64K granule, OA[51:48] sits in bits [15:12]. */
static __always_inline __u64 hl_desc_oa(__u64 d, unsigned granule)
{
	__u64 pa = d & HL_LPAE_ADDR_MASK;

	if (granule < 16)
		return pa;
	return (pa | (pa << (48 - 12))) & (HL_LPAE_ADDR_MASK << 4);
}

/* TG0 / S2TG: 0 = 4K, 1 = 64K, 2 = 16K. */
static __always_inline unsigned hl_tg_granule(unsigned tg)
{
	return tg == 1 ? 16 : tg == 2 ? 14 : 12;
}

static __always_inline int hl_walk_read(struct hl_walk *w, void *dst, __u32 size, __u64 addr)
{
	long err = bpf_probe_read_kernel(dst, size, (const void *)addr);

	if (err) {
		w->state = HL_WS_ERROR;
		w->error = err;
		w->err_addr = addr;
		hl_count(HL_STAT_READ_FAULT, 1);
		return -1;
	}
	return 0;
}

/*
 * Start walking the table at `ttb` (physical): stage 1 from a CD's T0SZ and
 * TG0, stage 2 from an STE's S2T0SZ, S2SL0 and S2TG (a concatenated root is
 * one wide table).  Returns 1 when a walk starts, 0 when there is nothing to
 * walk (already walked in this generation, or a format this walker does not
 * follow).
 */
static __always_inline int hl_walk_pt_start(struct hl_walk *w, __u64 ttb, unsigned stage,
					    unsigned tsz, unsigned tg, unsigned sl0, __u32 ret_phase)
{
	unsigned g = hl_tg_granule(tg), ias = 64 - tsz, start, levels, top;
	__u64 *seen;

	if (!ttb || ias > 52 || ias <= g)
		return 0;
	if (stage == 1) {
		levels = (ias - g + (g - 3) - 1) / (g - 3);
		if (levels > 4)
			return 0;
		start = 4 - levels;
	} else {
		if (g == 12)
			start = sl0 == 0 ? 2 : sl0 == 1 ? 1 : sl0 == 2 ? 0 : 3;
		else
			start = sl0 == 0 ? 3 : sl0 == 1 ? 2 : 1;
	}
	if (start > 3 || ias <= hl_lvl_shift(start, g))
		return 0;
	top = ias - hl_lvl_shift(start, g);
	if (top > 13)
		return 0;
	seen = bpf_map_lookup_elem(&hl_walk_roots, &ttb);
	if (seen && *seen == w->gen)
		return 0;
	bpf_map_update_elem(&hl_walk_roots, &ttb, (__u64 *)&w->gen, BPF_ANY);
	HL_BARRIER_VAR(start);
	start &= 3;
	w->root = ttb;
	w->granule = g;
	w->stage = stage;
	w->start = start;
	w->level = start;
	w->ret_phase = ret_phase;
	w->tbl[start] = ttb + w->delta;
	w->base[start] = 0;
	w->idx[start] = 0;
	w->nent[start] = 1U << top;
	w->phase = HL_WP_PT;
	return 1;
}

/* After an STE and its CDs: its stage-2 table, else the next StreamID. */
static __always_inline void hl_walk_ste_done(struct hl_walk *w)
{
	if (w->s2_pending) {
		w->s2_pending = 0;
		if (hl_walk_pt_start(w, HL_STE3_S2TTB(w->ste[3]), 2, HL_STE2_S2T0SZ(w->ste[2]),
				     HL_STE2_S2TG(w->ste[2]), HL_STE2_S2SL0(w->ste[2]), HL_WP_STE))
			return;
	}
	w->phase = HL_WP_STE;
	w->sid++;
}

/* Emits: 1 a record emitted, 0 nothing to emit, -1 stop (ring buffer full or error). */
static __always_inline int hl_walk_step_ste(struct hl_walk *w)
{
	struct hl_record *r;
	__u64 q[HL_ENTRY_QWORDS], addr;
	__u32 sid = w->sid, cfg;

	if (w->two_level) {
		__u64 l1;

		if ((sid >> HL_STRTAB_SPLIT) >= w->nents) {
			w->state = HL_WS_DONE;
			return -1;
		}
		if (hl_walk_read(w, &l1, 8, w->strtab + (__u64)(sid >> HL_STRTAB_SPLIT) * 8))
			return -1;
		if (!HL_L1STD_SPAN(l1) || !HL_L1STD_L2PTR(l1)) {
			w->sid = ((sid >> HL_STRTAB_SPLIT) + 1) << HL_STRTAB_SPLIT;
			return 0;
		}
		addr = HL_L1STD_L2PTR(l1) + w->delta +
		       (__u64)(sid & ((1 << HL_STRTAB_SPLIT) - 1)) * 64;
	} else {
		if (sid >= w->nents) {
			w->state = HL_WS_DONE;
			return -1;
		}
		addr = w->strtab + (__u64)sid * 64;
	}
	if (hl_walk_read(w, q, sizeof(q), addr))
		return -1;
	if (!(q[0] & HL_STE0_V)) {
		w->sid++;
		return 0;
	}
	r = hl_reserve_retry(HL_K_STE, HL_MODE_WALKER);
	if (!r)
		return -1;
	r->ste.smmu = w->smmu;
	r->ste.sid = sid;
	r->ste.step = HL_STEP_UNKNOWN;
	__builtin_memcpy(r->ste.after, q, sizeof(q));
	hl_submit(r);
	w->n_ste++;
	__builtin_memcpy(w->ste, q, sizeof(q));
	cfg = HL_STE0_CFG(q[0]);
	w->s2_pending = (cfg & 6) == 6;		/* S2_TRANS or NESTED */
	/*
	 * S1_TRANS only: a nested STE's S1ContextPtr is the guest's IPA (its CD
	 * table, and the TTB0s in it, in guest memory behind stage 2), not a
	 * physical address; the walker takes the STE and its stage-2 table.
	 */
	if (cfg == 5 && HL_STE0_S1CTXPTR(q[0])) {
		w->phase = HL_WP_CD;
		w->ssid = 0;
		w->ncd = 1U << HL_STE0_S1CDMAX(q[0]);
		w->cdfmt = HL_STE0_S1FMT(q[0]);
		w->cdbase = HL_STE0_S1CTXPTR(q[0]) + w->delta;
		return 1;
	}
	hl_walk_ste_done(w);
	return 1;
}

static __always_inline int hl_walk_step_cd(struct hl_walk *w)
{
	struct hl_record *r;
	__u64 q[HL_ENTRY_QWORDS], addr;
	__u32 ssid = w->ssid;

	if (ssid >= w->ncd) {
		hl_walk_ste_done(w);
		return 0;
	}
	if (w->cdfmt == 0) {
		addr = w->cdbase + (__u64)ssid * 64;
	} else {
		/* S1Fmt 1: 4KB L2 tables (64 CDs), 2: 64KB L2 tables (1024 CDs) */
		unsigned split = w->cdfmt == 1 ? 6 : 10;
		__u64 l1;

		if (hl_walk_read(w, &l1, 8, w->cdbase + (__u64)(ssid >> split) * 8))
			return -1;
		if (!(l1 & HL_L1CD_V) || !HL_L1CD_L2PTR(l1)) {
			w->ssid = ((ssid >> split) + 1) << split;
			return 0;
		}
		addr = HL_L1CD_L2PTR(l1) + w->delta + (__u64)(ssid & ((1U << split) - 1)) * 64;
	}
	if (hl_walk_read(w, q, sizeof(q), addr))
		return -1;
	if (!(q[0] & HL_CD0_V)) {
		w->ssid++;
		return 0;
	}
	r = hl_reserve_retry(HL_K_CD, HL_MODE_WALKER);
	if (!r)
		return -1;
	r->cd.smmu = w->smmu;
	r->cd.sid = w->sid;
	r->cd.ssid = ssid;
	r->cd.step = HL_STEP_UNKNOWN;
	__builtin_memcpy(r->cd.after, q, sizeof(q));
	hl_submit(r);
	w->n_cd++;
	w->ssid++;
	if (!(q[0] & HL_CD0_EPD0))
		hl_walk_pt_start(w, HL_CD1_TTB0(q[1]), 1, HL_CD0_T0SZ(q[0]), HL_CD0_TG0(q[0]), 0,
				 HL_WP_CD);
	return 1;
}

static __always_inline int hl_walk_step_pt(struct hl_walk *w)
{
	struct hl_record *r;
	unsigned l = w->level, g = w->granule, shift;
	__u64 d, iova;
	__u32 i;

	HL_BARRIER_VAR(l);
	l &= 3;
	i = w->idx[l];

	if (i >= w->nent[l]) {
		if (l <= w->start) {
			if (w->ret_phase == HL_WP_STE) {
				w->phase = HL_WP_STE;
				w->sid++;
			} else {
				w->phase = HL_WP_CD;
			}
			return 0;
		}
		l = (l - 1) & 3;
		w->level = l;
		w->idx[l]++;
		return 0;
	}
	if (hl_walk_read(w, &d, 8, w->tbl[l] + (__u64)i * 8))
		return -1;
	w->n_visit++;
	if (!(d & 1)) {
		w->idx[l]++;
		return 0;
	}
	shift = hl_lvl_shift(l, g);
	iova = w->base[l] + ((__u64)i << shift);
	if (l < 3 && (d & 3) == 3) {
		unsigned n = l + 1;

		HL_BARRIER_VAR(n);
		n &= 3;
		w->tbl[n] = hl_desc_oa(d, g) + w->delta;
		w->base[n] = iova;
		w->idx[n] = 0;
		w->nent[n] = 1U << (g - 3);
		w->level = n;
		return 0;
	}
	if (l == 3 && (d & 3) != 3) {	/* reserved at level 3: the SMMU faults on it */
		w->idx[l]++;
		return 0;
	}
	r = hl_reserve_retry(HL_K_PTE, HL_MODE_WALKER);
	if (!r)
		return -1;
	r->pte.root = w->root;
	r->pte.iova = iova;
	r->pte.old_desc = 0;
	r->pte.new_desc = d;
	r->pte.level = l;
	r->pte.granule = g;
	r->pte.stage = w->stage;
	hl_submit(r);
	w->n_pte++;
	w->idx[l]++;
	return 1;
}

struct hl_walk_loop {
	struct hl_walk *w;
	__u32 emitted;
};

static long hl_walk_cb(__u64 index, void *ctx)
{
	struct hl_walk_loop *lp = ctx;
	struct hl_walk *w = lp->w;
	int rc;

	if (w->state != HL_WS_RUN)
		return 1;
	if (w->phase == HL_WP_STE)
		rc = hl_walk_step_ste(w);
	else if (w->phase == HL_WP_CD)
		rc = hl_walk_step_cd(w);
	else
		rc = hl_walk_step_pt(w);
	if (rc < 0)
		return 1;
	lp->emitted += rc;
	if (w->budget && lp->emitted >= w->budget)
		return 1;
	return 0;
}

/* One trigger's worth of walking: at most 1<<23 descriptors visited. */
static __always_inline int hl_walk_run(struct hl_walk *w)
{
	struct hl_walk_loop lp = { .w = w };

	if (w->state != HL_WS_RUN)
		return 0;
	w->n_triggers++;
	bpf_loop(1 << 23, hl_walk_cb, &lp, 0);
	return lp.emitted;
}

/* ---- the path of one arm_lpae_map_pages() call ---------------------------- */

/*
 * What one arm_lpae_map_pages() call writes (drivers/iommu/io-pgtable-arm.c:
 * __arm_lpae_map() recursing from the pgd along iova's path): at each level
 * above the leaf level for pgsize, a table descriptor into the slot if it
 * was empty (arm_lpae_install_table(), old 0; a zeroed table below it), then
 * num_entries leaves in the one table at the leaf level, up to that table's
 * end (arm_lpae_init_pte(); nothing when it fails, -EEXIST).  Two program
 * runs a call, where a hook on __arm_lpae_map() took two a level:
 *
 *  - at entry, hl_map_path_enter() walks the path and keeps each slot and
 *    its value, down to the first empty one (nothing exists below it yet)
 *    or a block (the call fails there, -EEXIST), and *mapped;
 *  - at exit, hl_map_path_exit() walks it again: a slot whose value changed
 *    is a table installed there, an HL_K_PTE (top level first, as the
 *    descent writes them), then the leaves, (*mapped after - before) /
 *    pgsize of them from iova's index in the leaf table, as runs
 *    (hl_emit_runs()); none when the call failed.
 *
 * Tables below the pgd are reached by physical address through the linear
 * map: virt = phys + delta, delta from the pgd and its TTBR (io-pgtable-arm.c
 * sets the TTBR to virt_to_phys(pgd), and iopte_deref() is phys_to_virt()).
 * What the entry keeps is struct hl_map_path (core.h).
 */

/* The slot of iova's path at level l in the table at tbl (ARM_LPAE_LVL_IDX()). */
static __always_inline __u64 hl_map_slot(const struct hl_map_path *p, __u64 tbl, unsigned l)
{
	unsigned bits = l == p->start ? p->pgd_bits : p->bpl;

	return tbl + ((p->iova >> hl_lvl_shift(l, p->bpl + 3)) & ((1ULL << bits) - 1)) * 8;
}

/*
 * The call's page table and iova: -1 for a geometry io-pgtable-arm.c does
 * not make (its granules are 4K, 16K and 64K; a pgd of at most 2^16
 * descriptors).
 */
static __always_inline int hl_map_path_init(struct hl_map_path *p, __u8 mode, __u64 pgd, __u64 root,
					    __u64 iova, __u64 pgsize, unsigned start, unsigned bpl,
					    unsigned pgd_bits, unsigned stage)
{
	if (bpl < 9 || bpl > 13 || start > 3 || !pgd_bits || pgd_bits > 16 || !pgd)
		return -1;
	__builtin_memset(p, 0, sizeof(*p));
	p->pgd = pgd;
	p->delta = pgd - root;
	p->root = root;
	p->iova = iova;
	p->start = start;
	p->bpl = bpl;
	p->pgd_bits = pgd_bits;
	p->stage = stage;
	p->mode = mode;
	p->leaf = 4;
	for (unsigned l = 0; l < 4; l++)
		if (l >= start && pgsize == 1ULL << hl_lvl_shift(l, bpl + 3))
			p->leaf = l;
	p->end = start;
	return 0;
}

/*
 * At the call's entry: each slot of the path above the leaf level and its
 * value, down to the first empty one or a block.  -1 when a descriptor
 * cannot be read (counted): the call is then not followed.
 */
static __always_inline int hl_map_path_enter(struct hl_map_path *p)
{
	__u64 tbl = p->pgd, d;

	for (unsigned l = 0; l < 3; l++) {
		if (l < p->start)
			continue;
		if (l >= p->leaf)
			break;
		p->slot[l] = hl_map_slot(p, tbl, l);
		if (bpf_probe_read_kernel(&d, 8, (void *)p->slot[l])) {
			hl_count(HL_STAT_READ_FAULT, 1);
			return -1;
		}
		p->old[l] = d;
		p->end = l + 1;
		if (!d || (d & 3) == 1)
			break;
		tbl = hl_desc_oa(d, p->bpl + 3) + p->delta;
	}
	return 0;
}

/*
 * At the call's exit (it returned ret, *mapped is now `mapped`): the tables
 * it installed and the leaves it wrote, in the order it wrote them.  A
 * global function, verified once on its own, not at each caller.
 */
__noinline int hl_map_path_exit(struct hl_map_path *p, __u64 mapped, int ret)
{
	__u64 tbl, d, old, addr, n, max, idx;
	unsigned g, l, shift;

	if (!p)
		return 0;
	tbl = p->pgd;
	g = p->bpl + 3;
	for (l = 0; l < 3; l++) {
		if (l < p->start)
			continue;
		if (l >= p->leaf)
			break;
		if (l < p->end) {
			addr = p->slot[l];
			old = p->old[l];
		} else {
			addr = hl_map_slot(p, tbl, l);	/* in a table this call installed */
			old = 0;
		}
		if (bpf_probe_read_kernel(&d, 8, (void *)addr)) {
			hl_count(HL_STAT_READ_FAULT, 1);
			return 0;
		}
		if (d != old)
			hl_emit_pte_rec(p->mode, p->root, p->iova & ~((1ULL << hl_lvl_shift(l, g)) - 1),
					l, g, p->stage, old, d);
		if (!d || (d & 3) == 1)
			return 0;	/* no table to go on in: the call failed there */
		tbl = hl_desc_oa(d, g) + p->delta;
	}
	if (ret || p->leaf > 3)
		return 0;
	l = p->leaf;
	shift = hl_lvl_shift(l, g);
	addr = hl_map_slot(p, tbl, l);
	idx = (addr - tbl) / 8;
	max = (1U << p->bpl) - (idx & ((1U << p->bpl) - 1));
	n = (mapped - p->mapped) >> shift;
	if (n > max)
		n = max;
	if (n)
		hl_emit_runs(p->mode, p->root, p->iova, 1ULL << shift, addr, n, l, g,
			     p->stage, 0);
	return 0;
}

#endif /* HITLESS_CORE_BPF_H */
