// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hitless capture on a stock Linux 7.3 kernel (HL_MODE_FENTRY), the
 * object hitless.bpf.o: fentry/fexit on the SMMUv3 driver's own functions,
 * one bpf/hitless.h record per STE/CD write, descriptor write, command,
 * attach, iommufd operation and live-update milestone; with the SMMU
 * registry and the walker's trigger (smmu.bpf.h, HL_MODE_WALKER) and the
 * VFIO type1 kprobes (type1.bpf.h), which the patched mode's object
 * (hitless_tp.bpf.c) has too.
 *
 * What each program hooks and why is in bpf/README.md; a program whose
 * function the running kernel lacks is not loaded, and the loader says so
 * by name (userspace/lib/capture.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core.bpf.h"
#include "smmu.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CMDQ_OP_CFGI_STE	0x03

/* ---- commands: __arm_smmu_cmdq_issue_cmdlist() --------------------------- */

/* Last STE seen per (smmu, sid), for the CFGI_STE fallback's "before". */
struct hl_ste_key {
	__u32 smmu, sid;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct hl_ste_key);
	__type(value, __u64[HL_ENTRY_QWORDS]);
} hl_ste_last SEC(".maps");

struct hl_cmd_loop {
	struct hl_smmu_info *info;
	__u64 cmds;		/* struct arm_smmu_cmd *, as a number: indexed below */
	__u32 id;
};

/* Fallback without the entry-writer hooks: the STE a CFGI_STE invalidates. */
static __always_inline void hl_ste_from_cfgi(struct hl_smmu_info *info, __u32 sid)
{
	struct hl_ste_key key = { .smmu = info->id, .sid = sid };
	struct hl_record *r;
	__u64 q[HL_ENTRY_QWORDS], addr, *last;

	if (info->two_level) {
		__u64 l1;

		if ((sid >> HL_STRTAB_SPLIT) >= info->nents ||
		    bpf_probe_read_kernel(&l1, 8, (void *)(info->strtab + (sid >> HL_STRTAB_SPLIT) * 8)) ||
		    !HL_L1STD_L2PTR(l1))
			return;
		addr = HL_L1STD_L2PTR(l1) + (info->strtab - info->strtab_dma) +
		       (sid & ((1 << HL_STRTAB_SPLIT) - 1)) * 64;
	} else {
		if (sid >= info->nents)
			return;
		addr = info->strtab + (__u64)sid * 64;
	}
	if (bpf_probe_read_kernel(q, sizeof(q), (void *)addr)) {
		hl_count(HL_STAT_READ_FAULT, 1);
		return;
	}
	r = hl_reserve(HL_K_STE, HL_MODE_FENTRY);
	if (!r)
		return;
	r->ste.smmu = info->id;
	r->ste.sid = sid;
	r->ste.step = HL_STEP_UNKNOWN;
	last = bpf_map_lookup_elem(&hl_ste_last, &key);
	if (last)
		__builtin_memcpy(r->ste.before, last, sizeof(q));
	__builtin_memcpy(r->ste.after, q, sizeof(q));
	hl_submit(r);
	bpf_map_update_elem(&hl_ste_last, &key, q, BPF_ANY);
}

static long hl_cmd_cb(__u64 i, void *ctx)
{
	struct hl_cmd_loop *lp = ctx;
	struct hl_record *r;
	__u64 cmd[2];

	if (bpf_probe_read_kernel(cmd, sizeof(cmd), (void *)(lp->cmds + i * 16))) {
		hl_count(HL_STAT_READ_FAULT, 1);
		return 1;
	}
	r = hl_reserve(HL_K_CMD, HL_MODE_FENTRY);
	if (r) {
		r->cmd.smmu = lp->id;
		r->cmd.cmd[0] = cmd[0];
		r->cmd.cmd[1] = cmd[1];
		hl_submit(r);
	}
	if (hl_cfg.ste_from_cfgi && (cmd[0] & 0xff) == CMDQ_OP_CFGI_STE && lp->info)
		hl_ste_from_cfgi(lp->info, cmd[0] >> 32);
	return 0;
}

static __always_inline void hl_emit_sync(__u32 id, __u32 flags)
{
	struct hl_record *r = hl_reserve(HL_K_CMD, HL_MODE_FENTRY);

	if (!r)
		return;
	r->cmd.smmu = id;
	r->cmd.flags = flags;
	/* the driver builds CMD_SYNC inside (CS, MSI address): only the opcode is known here */
	r->cmd.cmd[0] = HL_CMD_OP_SYNC;
	hl_submit(r);
}

/*
 * The call's commands, and its CMD_SYNC: batch records (core.bpf.h
 * hl_emit_cmds()), HL_BATCH_CMDS commands each.  With the CFGI_STE fallback
 * on, one record per command, so that each STE read follows its CFGI.
 */
static __always_inline void hl_cmdq_enter(struct arm_smmu_device *smmu, struct arm_smmu_cmd *cmds,
					  int n, bool sync)
{
	struct hl_cmd_loop lp = { .cmds = hl_num(cmds) };

	lp.info = hl_smmu(smmu);
	lp.id = lp.info ? lp.info->id : ~0U;
	if (!hl_cfg.ste_from_cfgi) {
		hl_emit_cmds(HL_MODE_FENTRY, lp.id, lp.cmds, n, sync);
		return;
	}
	if (n > 0)
		bpf_loop(n, hl_cmd_cb, &lp, 0);
	if (sync)
		hl_emit_sync(lp.id, 0);
}

static __always_inline void hl_cmdq_exit(struct arm_smmu_device *smmu, bool sync, int ret)
{
	if (sync)
		hl_emit_sync(hl_smmu_id(smmu), HL_CMD_F_SYNC_DONE | (ret ? HL_CMD_F_ERROR : 0));
}

/*
 * The command queue's issue function: every command at entry, CMD_SYNC's
 * completion at exit; nothing where `skip` (a condition fixed at load).
 */
#define HL_CMDQ_HOOKS(fn, entry, exit, skip)						\
	SEC("fentry/" #fn)								\
	int BPF_PROG(entry, struct arm_smmu_device *smmu, struct arm_smmu_cmdq *cmdq,	\
		     struct arm_smmu_cmd *cmds, int n, bool sync)			\
	{										\
		if (!(skip))								\
			hl_cmdq_enter(smmu, cmds, n, sync);				\
		return 0;								\
	}										\
	SEC("fexit/" #fn)								\
	int BPF_PROG(exit, struct arm_smmu_device *smmu, struct arm_smmu_cmdq *cmdq,	\
		     struct arm_smmu_cmd *cmds, int n, bool sync, int ret)		\
	{										\
		if (!(skip))								\
			hl_cmdq_exit(smmu, sync, ret);					\
		return 0;								\
	}

HL_CMDQ_HOOKS(__arm_smmu_cmdq_issue_cmdlist, hl_cmdq_issue, hl_cmdq_issue_done, false)
/*
 * Linux 7.2 (and before): the same function without the leading
 * underscores (7.3 wraps it to repeat a batch for an erratum).  The
 * collector loads it only where __arm_smmu_cmdq_issue_cmdlist is not
 * (capture.c); a loader that takes every program (bpftool prog loadall)
 * attaches both on 7.3, where the wrapper would record every command
 * twice: there it records nothing.  The address is libbpf's, from
 * kallsyms at load (0 where the kernel lacks the 7.3 function).
 */
extern const void __arm_smmu_cmdq_issue_cmdlist __ksym __weak;

HL_CMDQ_HOOKS(arm_smmu_cmdq_issue_cmdlist, hl_cmdq_issue_alt, hl_cmdq_issue_alt_done,
	      &__arm_smmu_cmdq_issue_cmdlist)

/* ---- STE and CD writes: arm_smmu_write_entry() and its syncs -------------- */

/*
 * One arm_smmu_write_entry() call in progress on a task.  The driver's
 * entry_set() syncs (CFGI + CMD_SYNC) after each step that changed the
 * entry: at each sync, the entry as it is now is the "after" of one write.
 */
struct hl_wctx {
	__u64 entry;		/* the live entry (__le64 *) */
	__u64 target;
	__u64 cur[HL_ENTRY_QWORDS];	/* the entry as of the last sync */
	__u64 tgt[HL_ENTRY_QWORDS];
	__u64 cur_used[HL_ENTRY_QWORDS];
	__u64 tgt_used[HL_ENTRY_QWORDS];
	__u64 safe[HL_ENTRY_QWORDS];
	__u32 update;
	__u8 have;		/* HL_W_* */
	__u8 diff;		/* arm_smmu_entry_qword_diff() */
	__u8 pad[2];
};
#define HL_W_CUR_USED	1
#define HL_W_TGT_USED	2
#define HL_W_SAFE	4
#define HL_W_DIFF	8

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_wctx);
} hl_wctx_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hl_wctx);
} hl_wctx_scratch SEC(".maps");

__u32 hl_update_id = 0;

/* An attach in progress on a task: arm_smmu_attach_prepare() .. _commit(). */
struct hl_actx {
	__u64 old_domain, new_domain;
	__u64 master;
	__u32 ssid;
	__u32 writes;
	__u32 breaking;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_actx);
} hl_actx_map SEC(".maps");

SEC("fentry/arm_smmu_write_entry")
int BPF_PROG(hl_write_entry, struct arm_smmu_entry_writer *writer, __le64 *entry,
	     const __le64 *target)
{
	__u64 tid = bpf_get_current_pid_tgid();
	__u32 zero = 0;
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_scratch, &zero);

	if (!c)
		return 0;
	__builtin_memset(c, 0, sizeof(*c));
	c->entry = hl_num(entry);
	c->target = hl_num(target);
	if (bpf_probe_read_kernel(c->cur, sizeof(c->cur), entry) ||
	    bpf_probe_read_kernel(c->tgt, sizeof(c->tgt), target)) {
		hl_count(HL_STAT_READ_FAULT, 1);
		return 0;
	}
	c->update = __sync_fetch_and_add(&hl_update_id, 1) + 1;
	bpf_map_update_elem(&hl_wctx_map, &tid, c, BPF_ANY);
	return 0;
}

SEC("fexit/arm_smmu_write_entry")
int BPF_PROG(hl_write_entry_done, struct arm_smmu_entry_writer *writer, __le64 *entry,
	     const __le64 *target)
{
	__u64 tid = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&hl_wctx_map, &tid);
	return 0;
}

/* The driver's own decision: which qwords need a used bit changed. */
SEC("fexit/arm_smmu_entry_qword_diff")
int BPF_PROG(hl_qword_diff, struct arm_smmu_entry_writer *writer, const __le64 *entry,
	     const __le64 *target, __le64 *unused_update, u8 ret)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_map, &tid);

	if (c && c->entry == hl_num(entry)) {
		c->diff = ret;
		c->have |= HL_W_DIFF;
	}
	return 0;
}

/* The same decision recomputed from get_used()/get_update_safe(), if qword_diff is inlined. */
static __always_inline int hl_used(const __le64 *ent, __le64 *used)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_map, &tid);

	if (!c)
		return 0;
	if (c->entry == hl_num(ent) && !(c->have & HL_W_CUR_USED)) {
		if (!bpf_probe_read_kernel(c->cur_used, sizeof(c->cur_used), used))
			c->have |= HL_W_CUR_USED;
	} else if (c->target == hl_num(ent) && !(c->have & HL_W_TGT_USED)) {
		if (!bpf_probe_read_kernel(c->tgt_used, sizeof(c->tgt_used), used))
			c->have |= HL_W_TGT_USED;
	}
	return 0;
}

SEC("fexit/arm_smmu_get_ste_used")
int BPF_PROG(hl_ste_used, const __le64 *ent, __le64 *used_bits)
{
	return hl_used(ent, used_bits);
}

SEC("fexit/arm_smmu_get_cd_used")
int BPF_PROG(hl_cd_used, const __le64 *ent, __le64 *used_bits)
{
	return hl_used(ent, used_bits);
}

SEC("fexit/arm_smmu_get_ste_update_safe")
int BPF_PROG(hl_ste_safe, const __le64 *cur, const __le64 *target, __le64 *safe_bits)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_map, &tid);

	if (c && c->entry == hl_num(cur) &&
	    !bpf_probe_read_kernel(c->safe, sizeof(c->safe), safe_bits))
		c->have |= HL_W_SAFE;
	return 0;
}

/* At a sync: the step, and the entry now; c->cur becomes the entry now. */
static __always_inline int hl_sync_begin(struct hl_wctx *c, __u64 *now, __u8 *step)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_actx *a;

	if (bpf_probe_read_kernel(now, 8 * HL_ENTRY_QWORDS, (void *)c->entry)) {
		hl_count(HL_STAT_READ_FAULT, 1);
		return -1;
	}
	if (!(c->have & HL_W_DIFF) && (c->have & (HL_W_CUR_USED | HL_W_TGT_USED)) ==
	    (HL_W_CUR_USED | HL_W_TGT_USED)) {
		/* c->cur is still the entry as write_entry() found it: no sync yet */
		c->diff = hl_entry_qword_diff(c->cur, c->tgt, c->cur_used, c->tgt_used, c->safe);
		c->have |= HL_W_DIFF;
	}
	*step = (c->have & HL_W_DIFF) ? hl_entry_step(c->diff, c->tgt, c->cur, now) :
					HL_STEP_UNKNOWN;
	a = bpf_map_lookup_elem(&hl_actx_map, &tid);
	if (a) {
		a->writes++;
		if (*step == HL_STEP_BREAK)
			a->breaking = 1;
	}
	return 0;
}

SEC("fentry/arm_smmu_ste_writer_sync_entry")
int BPF_PROG(hl_ste_sync, struct arm_smmu_entry_writer *writer)
{
	__u64 tid = bpf_get_current_pid_tgid(), now[HL_ENTRY_QWORDS];
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_map, &tid);
	struct arm_smmu_ste_writer *sw = (void *)writer;
	struct hl_record *r;
	__u8 step;

	if (!c) {
		hl_count(HL_STAT_WCTX_MISS, 1);
		return 0;
	}
	if (hl_sync_begin(c, now, &step))
		return 0;
	r = hl_reserve(HL_K_STE, HL_MODE_FENTRY);
	if (r) {
		r->ste.smmu = hl_smmu_id(BPF_CORE_READ(writer, master, smmu));
		r->ste.sid = BPF_CORE_READ(sw, sid);
		r->ste.step = step;
		r->ste.update = c->update;
		__builtin_memcpy(r->ste.before, c->cur, sizeof(now));
		__builtin_memcpy(r->ste.after, now, sizeof(now));
		hl_submit(r);
	}
	__builtin_memcpy(c->cur, now, sizeof(now));
	return 0;
}

/* master->streams[i].id (variable offsets on kernel pointers go through numbers) */
static __always_inline __u32 hl_stream_id(struct arm_smmu_stream *streams, __u32 i)
{
	struct arm_smmu_stream *s =
		(void *)((__u64)streams + i * bpf_core_type_size(struct arm_smmu_stream));

	return BPF_CORE_READ(s, id);
}

SEC("fentry/arm_smmu_cd_writer_sync_entry")
int BPF_PROG(hl_cd_sync, struct arm_smmu_entry_writer *writer)
{
	__u64 tid = bpf_get_current_pid_tgid(), now[HL_ENTRY_QWORDS];
	struct hl_wctx *c = bpf_map_lookup_elem(&hl_wctx_map, &tid);
	struct arm_smmu_cd_writer *cw = (void *)writer;
	struct arm_smmu_master *master = BPF_CORE_READ(writer, master);
	struct arm_smmu_stream *streams = BPF_CORE_READ(master, streams);
	__u32 nstreams = BPF_CORE_READ(master, num_streams), smmu, ssid;
	struct hl_record *r;
	__u8 step;

	if (!c) {
		hl_count(HL_STAT_WCTX_MISS, 1);
		return 0;
	}
	if (hl_sync_begin(c, now, &step))
		return 0;
	smmu = hl_smmu_id(BPF_CORE_READ(master, smmu));
	ssid = BPF_CORE_READ(cw, ssid);
	/* one CD table per master: the same write, seen through each of its StreamIDs */
	for (__u32 i = 0; i < HL_MAX_ATTACH_SIDS && i < nstreams; i++) {
		r = hl_reserve(HL_K_CD, HL_MODE_FENTRY);
		if (!r)
			continue;
		r->cd.smmu = smmu;
		r->cd.sid = hl_stream_id(streams, i);
		r->cd.ssid = ssid;
		r->cd.step = step;
		r->cd.update = c->update;
		__builtin_memcpy(r->cd.before, c->cur, sizeof(now));
		__builtin_memcpy(r->cd.after, now, sizeof(now));
		hl_submit(r);
	}
	__builtin_memcpy(c->cur, now, sizeof(now));
	return 0;
}

/* ---- attach: arm_smmu_attach_prepare() .. arm_smmu_attach_commit() -------- */

SEC("fentry/arm_smmu_attach_prepare")
int BPF_PROG(hl_attach_prepare, struct arm_smmu_attach_state *state,
	     struct iommu_domain *new_domain)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_actx a = {
		.old_domain = (__u64)BPF_CORE_READ(state, old_domain),
		.new_domain = hl_num(new_domain),
		.master = (__u64)BPF_CORE_READ(state, master),
		.ssid = BPF_CORE_READ(state, ssid),
	};

	bpf_map_update_elem(&hl_actx_map, &tid, &a, BPF_ANY);
	return 0;
}

static __always_inline void hl_emit_attach(struct hl_actx *a, __u32 outcome)
{
	struct arm_smmu_master *master = (void *)a->master;
	struct arm_smmu_stream *streams = BPF_CORE_READ(master, streams);
	__u32 n = BPF_CORE_READ(master, num_streams);
	struct hl_record *r = hl_reserve(HL_K_ATTACH, HL_MODE_FENTRY);
	const char *name;

	if (!r)
		return;
	name = BPF_CORE_READ(master, dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(r->attach.dev, sizeof(r->attach.dev), name);
	r->attach.smmu = hl_smmu_id(BPF_CORE_READ(master, smmu));
	r->attach.nsids = n;
	for (__u32 i = 0; i < HL_MAX_ATTACH_SIDS && i < n; i++)
		r->attach.sids[i] = hl_stream_id(streams, i);
	r->attach.old_domain = hl_hash_ptr((void *)a->old_domain);
	r->attach.new_domain = hl_hash_ptr((void *)a->new_domain);
	r->attach.outcome = outcome;
	r->attach.ssid = a->ssid;
	hl_submit(r);
}

SEC("fexit/arm_smmu_attach_prepare")
int BPF_PROG(hl_attach_prepare_done, struct arm_smmu_attach_state *state,
	     struct iommu_domain *new_domain, int ret)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_actx *a;

	if (!ret)
		return 0;
	a = bpf_map_lookup_elem(&hl_actx_map, &tid);
	if (a)
		hl_emit_attach(a, HL_ATTACH_FAILED);
	bpf_map_delete_elem(&hl_actx_map, &tid);
	return 0;
}

SEC("fexit/arm_smmu_attach_commit")
int BPF_PROG(hl_attach_commit, struct arm_smmu_attach_state *state)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_actx *a = bpf_map_lookup_elem(&hl_actx_map, &tid);

	if (!a)
		return 0;
	hl_emit_attach(a, a->breaking ? HL_ATTACH_BREAKING :
			  a->writes ? HL_ATTACH_HITLESS : HL_ATTACH_NO_CHANGE);
	bpf_map_delete_elem(&hl_actx_map, &tid);
	return 0;
}

/* ---- I/O page-table descriptors: arm_lpae_map_pages() / __arm_lpae_unmap() ---- */

struct hl_pt {
	__u64 root;
	__u64 iova;
	__u64 ptep;		/* first descriptor written */
	__u64 size;		/* block size at this level */
	__u32 num;
	__u8 level, granule, stage;
	__u8 unmap;
};

static __always_inline unsigned hl_pt_stage(struct arm_lpae_io_pgtable *data)
{
	unsigned fmt = BPF_CORE_READ(data, iop.fmt);

	return fmt == ARM_64_LPAE_S2 || fmt == ARM_32_LPAE_S2 ? 2 : 1;
}

static __always_inline __u64 hl_pt_root(struct arm_lpae_io_pgtable *data, unsigned stage)
{
	return stage == 2 ? BPF_CORE_READ(data, iop.cfg.arm_lpae_s2_cfg.vttbr) :
			    BPF_CORE_READ(data, iop.cfg.arm_lpae_s1_cfg.ttbr);
}

static __always_inline int hl_pt_init(struct hl_pt *p, struct arm_lpae_io_pgtable *data,
				      unsigned long iova, size_t size, size_t pgcount, int lvl,
				      __u64 *ptep)
{
	int bpl = BPF_CORE_READ(data, bits_per_level);
	int start = BPF_CORE_READ(data, start_level);
	int pgd_bits = BPF_CORE_READ(data, pgd_bits);
	unsigned shift, bits, idx, ptes, max;

	if (bpl < 9 || bpl > 13 || lvl < 0 || lvl > 3)
		return -1;
	shift = (4 - lvl) * bpl + 3;
	bits = bpl + (lvl == start ? pgd_bits - bpl : 0);
	if (bits > 16)
		return -1;
	idx = (iova >> shift) & ((1U << bits) - 1);
	ptes = 1U << bpl;
	max = ptes - (idx & (ptes - 1));
	p->stage = hl_pt_stage(data);
	p->root = hl_pt_root(data, p->stage);
	p->iova = iova;
	p->ptep = hl_num(ptep) + idx * 8;
	p->size = 1ULL << shift;
	p->num = pgcount < max ? pgcount : max;
	p->level = lvl;
	p->granule = bpl + 3;
	p->unmap = 0;
	return 0;
}

/* The call's descriptors at this level: one record per run (core.bpf.h hl_emit_runs()). */
static __always_inline void hl_pt_runs(struct hl_pt *p)
{
	hl_emit_runs(HL_MODE_FENTRY, p->root, p->iova, p->size, p->ptep, p->num, p->level,
		     p->granule, p->stage, p->unmap);
}

/*
 * A map call's path as its entry found it (core.bpf.h struct hl_map_path),
 * keyed by its size_t *mapped: the caller's own variable (iommu.c
 * __iommu_map_domain_pgtbl()'s op_mapped), one per call in progress, so a
 * map in an interrupt that nests inside another on the same task keeps its
 * own.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_map_path);
} hl_map_paths SEC(".maps");

/*
 * arm_lpae_map_pages(), the io_pgtable_ops' map_pages: one call, where
 * __arm_lpae_map() is entered once per level it descends (bpf/README.md).
 * Its data is container_of(ops, struct arm_lpae_io_pgtable, iop.ops), as
 * io_pgtable_ops_to_data() has it.
 */
static __always_inline struct arm_lpae_io_pgtable *hl_lpae_data(struct io_pgtable_ops *ops)
{
	return (void *)(hl_num(ops) - bpf_core_field_offset(struct arm_lpae_io_pgtable, iop.ops));
}

SEC("fentry/arm_lpae_map_pages")
int BPF_PROG(hl_lpae_map, struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
	     size_t pgsize, size_t pgcount, int iommu_prot, gfp_t gfp, size_t *mapped)
{
	struct arm_lpae_io_pgtable *data = hl_lpae_data(ops);
	__u64 key = (__u64)mapped;	/* a pointer to an integer: a plain number to the verifier */
	struct hl_map_path p;
	unsigned stage = hl_pt_stage(data);

	if (hl_map_path_init(&p, HL_MODE_FENTRY, hl_num(BPF_CORE_READ(data, pgd)),
			     hl_pt_root(data, stage), iova, pgsize, BPF_CORE_READ(data, start_level),
			     BPF_CORE_READ(data, bits_per_level), BPF_CORE_READ(data, pgd_bits), stage))
		return 0;
	if (bpf_probe_read_kernel(&p.mapped, 8, mapped)) {
		hl_count(HL_STAT_READ_FAULT, 1);
		return 0;
	}
	if (hl_map_path_enter(&p))
		return 0;
	bpf_map_update_elem(&hl_map_paths, &key, &p, BPF_ANY);
	return 0;
}

SEC("fexit/arm_lpae_map_pages")
int BPF_PROG(hl_lpae_map_done, struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t paddr,
	     size_t pgsize, size_t pgcount, int iommu_prot, gfp_t gfp, size_t *mapped, int ret)
{
	__u64 key = (__u64)mapped, now = 0;
	struct hl_map_path *p = bpf_map_lookup_elem(&hl_map_paths, &key);

	if (!p)
		return 0;
	/* another iova: an older call's entry whose exit was not seen (nothing to trust) */
	if (p->iova == iova) {
		if (!bpf_probe_read_kernel(&now, 8, mapped))
			hl_map_path_exit(p, now, ret);
		else
			hl_count(HL_STAT_READ_FAULT, 1);
	}
	bpf_map_delete_elem(&hl_map_paths, &key);
	return 0;
}

/*
 * At entry: __arm_lpae_unmap() at the level whose block size is `size`
 * clears the entries from the first up to the first empty one, with no sync
 * in between; the records are written before the stores, in their order.
 */
SEC("fentry/__arm_lpae_unmap")
int BPF_PROG(hl_lpae_unmap, struct arm_lpae_io_pgtable *data, struct iommu_iotlb_gather *gather,
	     unsigned long iova, size_t size, size_t pgcount, int lvl, arm_lpae_iopte *ptep)
{
	struct hl_pt p;

	if (hl_pt_init(&p, data, iova, size, pgcount, lvl, ptep) || size != p.size)
		return 0;
	p.unmap = 1;
	hl_pt_runs(&p);
	return 0;
}

/* ---- iommufd ------------------------------------------------------------- */

/*
 * kprobes, not fentry/fexit, and nothing read through iommufd's own types:
 * iommufd is a module on distribution kernels (IOMMUFD=m), loaded when the
 * first VM starts, often after the capture.  An fentry program, or a CO-RE
 * read of struct iommufd_ucmd, needs iommufd's BTF when the object is
 * loaded; these need none.  The loader defines each as a kprobe event on
 * iommufd:FUNCTION (FUNCTION alone where iommufd is built in), which the
 * kernel arms as the module comes in, before its init runs (capture.c,
 * as the type1 programs in type1.bpf.h): the same programs, attached the
 * same way, whether iommufd is built in, loaded, or not loaded yet.
 * Their sections name no function, so bpftool pins them unattached (bpf/
 * README.md "Production use without the collector's loader").
 *
 * What they read is ABI or fixed by iommufd itself:
 * - the IOAS operations from the ioctl's user argument, at the ioctl's
 *   return: the uapi structs of include/uapi/linux/iommufd.h (their layout
 *   is the ioctl ABI), which iommufd writes back on success (the IOVA it
 *   chose, the length unmapped), as the series' events report them;
 * - a device's object id from struct iommufd_object (include/linux/
 *   iommufd.h, in vmlinux's BTF wherever iommufd is configured: its driver
 *   half, IOMMUFD_DRIVER_CORE, is built in), at offset 0 of every iommufd
 *   object: iommufd_object_alloc() refuses at build time an object whose
 *   `obj` is not its first member;
 * - the HWPT an attach ended on from its u32 *pt_id argument.
 */
#define HL_IOMMUFD_IOCTL(nr)	(0x3b00 | (nr))	/* _IO(IOMMUFD_TYPE ';', IOMMUFD_CMD_*) */
#define HL_IOMMU_IOAS_COPY	HL_IOMMUFD_IOCTL(0x83)
#define HL_IOMMU_IOAS_MAP	HL_IOMMUFD_IOCTL(0x85)
#define HL_IOMMU_IOAS_UNMAP	HL_IOMMUFD_IOCTL(0x86)
#define HL_IOMMU_IOAS_MAP_FILE	HL_IOMMUFD_IOCTL(0x8f)

/* include/uapi/linux/iommufd.h, as the ioctls take them (the ABI's layout) */
struct hl_u_ioas_map {		/* struct iommu_ioas_map, and iommu_ioas_map_file's first fields */
	__u32 size, flags, ioas_id, reserved_or_fd;
	__u64 user_va_or_start, length, iova;
};
struct hl_u_ioas_copy {		/* struct iommu_ioas_copy */
	__u32 size, flags, dst_ioas_id, src_ioas_id;
	__u64 length, dst_iova, src_iova;
};
struct hl_u_ioas_unmap {	/* struct iommu_ioas_unmap */
	__u32 size, ioas_id;
	__u64 iova, length;
};
_Static_assert(sizeof(struct hl_u_ioas_map) == 40, "struct iommu_ioas_map is 40 bytes");
_Static_assert(sizeof(struct hl_u_ioas_copy) == 40, "struct iommu_ioas_copy is 40 bytes");
_Static_assert(sizeof(struct hl_u_ioas_unmap) == 24, "struct iommu_ioas_unmap is 24 bytes");

/* A call in progress on a task, from its kprobe to its kretprobe. */
struct hl_ifd_call {
	__u64 arg0;		/* the ioctl's user pointer, or struct iommufd_device * */
	__u64 pt_id;		/* u32 *: the HWPT the attach/replace ended on */
	__u32 cmd;		/* the ioctl */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_ifd_call);
} hl_ifd_calls SEC(".maps");

/* the IOAS ioctls: kept apart from the device calls (no nesting to rely on) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_ifd_call);
} hl_ifd_ioctls SEC(".maps");

/* The call entered on this task (its arguments into *c), forgotten: 0, or -1 if none. */
static __always_inline int hl_ifd_leave(void *map, struct hl_ifd_call *c)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_ifd_call *e = bpf_map_lookup_elem(map, &tid);

	if (!e)
		return -1;
	*c = *e;
	bpf_map_delete_elem(map, &tid);
	return 0;
}

/*
 * iommufd_fops_ioctl(filp, cmd, arg): IOAS_MAP, IOAS_MAP_FILE (a VMM that
 * maps its memfds for a live update) and IOAS_COPY (a map of the
 * destination) are IOAS_MAP records, IOAS_UNMAP an IOAS_UNMAP record, as
 * the series traces them: at the return, the command as iommufd wrote it
 * back to the caller.
 */
SEC("kprobe")
int hl_ioas_ioctl(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_ifd_call c = { .arg0 = PT_REGS_PARM3(ctx), .cmd = (__u32)PT_REGS_PARM2(ctx) };

	if (c.cmd == HL_IOMMU_IOAS_MAP || c.cmd == HL_IOMMU_IOAS_MAP_FILE ||
	    c.cmd == HL_IOMMU_IOAS_COPY || c.cmd == HL_IOMMU_IOAS_UNMAP)
		bpf_map_update_elem(&hl_ifd_ioctls, &tid, &c, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int hl_ioas_ioctl_ret(struct pt_regs *ctx)
{
	union {
		struct hl_u_ioas_map map;
		struct hl_u_ioas_copy copy;
		struct hl_u_ioas_unmap unmap;
	} u = {};
	struct hl_ifd_call c;
	int ret = (int)PT_REGS_RC(ctx);

	if (hl_ifd_leave(&hl_ifd_ioctls, &c))
		return 0;
	if (bpf_probe_read_user(&u, c.cmd == HL_IOMMU_IOAS_UNMAP ? sizeof(u.unmap) : sizeof(u.map),
				(void *)c.arg0))
		hl_count(HL_STAT_READ_FAULT, 1);
	if (c.cmd == HL_IOMMU_IOAS_UNMAP)
		hl_emit_iommufd(HL_MODE_FENTRY, HL_IOMMUFD_IOAS_UNMAP, u.unmap.ioas_id, 0, 0,
				u.unmap.iova, u.unmap.length, ret);
	else if (c.cmd == HL_IOMMU_IOAS_COPY)
		hl_emit_iommufd(HL_MODE_FENTRY, HL_IOMMUFD_IOAS_MAP, u.copy.dst_ioas_id, 0, 0,
				u.copy.dst_iova, u.copy.length, ret);
	else
		hl_emit_iommufd(HL_MODE_FENTRY, HL_IOMMUFD_IOAS_MAP, u.map.ioas_id, 0, 0,
				u.map.iova, u.map.length, ret);
	return 0;
}

static __always_inline __u32 hl_read_u32(__u32 *p)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, 4, p);
	return v;
}

/* The object id of an iommufd object: its struct iommufd_object is at offset 0 (above). */
static __always_inline __u32 hl_idev_id(__u64 idev)
{
	if (!bpf_core_type_exists(struct iommufd_object))
		return 0;
	return BPF_CORE_READ((struct iommufd_object *)idev, id);
}

/* iommufd_device_attach/_replace(idev, pasid, pt_id): the HWPT it ended on, at return */
#define HL_IDEV_KPROBES(prog, op)							\
SEC("kprobe")										\
int prog(struct pt_regs *ctx)								\
{											\
	__u64 tid = bpf_get_current_pid_tgid();						\
	struct hl_ifd_call c = { .arg0 = PT_REGS_PARM1(ctx), .pt_id = PT_REGS_PARM3(ctx) };	\
											\
	bpf_map_update_elem(&hl_ifd_calls, &tid, &c, BPF_ANY);				\
	return 0;									\
}											\
SEC("kretprobe")									\
int prog##_ret(struct pt_regs *ctx)							\
{											\
	struct hl_ifd_call c;								\
											\
	if (hl_ifd_leave(&hl_ifd_calls, &c))						\
		return 0;								\
	hl_emit_iommufd(HL_MODE_FENTRY, op, 0, hl_idev_id(c.arg0),			\
			hl_read_u32((__u32 *)c.pt_id), 0, 0, (int)PT_REGS_RC(ctx));	\
	return 0;									\
}

HL_IDEV_KPROBES(hl_idev_attach, HL_IOMMUFD_HWPT_ATTACH)
HL_IDEV_KPROBES(hl_idev_replace, HL_IOMMUFD_HWPT_REPLACE)

/* iommufd_device_detach(idev, pasid): at its start, the driver's records follow */
SEC("kprobe")
int hl_idev_detach(struct pt_regs *ctx)
{
	hl_emit_iommufd(HL_MODE_FENTRY, HL_IOMMUFD_HWPT_DETACH, 0, hl_idev_id(PT_REGS_PARM1(ctx)), 0, 0, 0, 0);
	return 0;
}

/* ---- SMMU register writes (HL_K_REG, when hitless.h has it) ------------------ */
#ifdef HL_SMMU_CR0
/*
 * arm_smmu_write_reg_sync(): CR0 (SMMUEN), IRQ_CTRL, with the value the
 * register holds before (read from the SMMU: page-0 registers have no read
 * side effect).  arm_smmu_update_gbpa() and the STRTAB_BASE writes are
 * inlined in 7.3: the patched mode's arm_smmu_reg_write sees them.
 */
SEC("fentry/arm_smmu_write_reg_sync")
int BPF_PROG(hl_reg_write, struct arm_smmu_device *smmu, u32 val, unsigned int reg_off,
	     unsigned int ack_off)
{
	struct hl_record *r = hl_reserve(HL_K_REG, HL_MODE_FENTRY);
	struct hl_smmu_info *info = hl_smmu(smmu);
	__u64 base = info ? info->mmio : 0;
	__u32 old = 0;

	if (!r)
		return 0;
	if (base)
		bpf_probe_read_kernel(&old, sizeof(old), (void *)(base + reg_off));
	r->reg.smmu = hl_smmu_id(smmu);
	r->reg.offset = reg_off;
	r->reg.old_val = old;
	r->reg.new_val = val;
	hl_submit(r);
	return 0;
}
#endif

/* ---- live-update milestones ---------------------------------------------- */

static __always_inline void hl_milestone(__u32 id, const char *note)
{
	struct hl_record *r = hl_reserve(HL_K_MILESTONE, HL_MODE_FENTRY);

	if (!r)
		return;
	r->ms.id = id;
	/* CNTVCT is not readable from BPF: the collector's clock samples place ktime */
	bpf_probe_read_kernel_str(r->ms.note, sizeof(r->ms.note), note);
	hl_submit(r);
}

#define HL_MILESTONE(sec, name, id)						\
	SEC(sec) int BPF_PROG(name)						\
	{									\
		static const char note[] = #name;				\
		hl_milestone(id, note);						\
		return 0;							\
	}

/* names are the note the record carries: what the kernel was doing */
HL_MILESTONE("fentry/kernel_kexec", kernel_kexec, HL_MS_USER)
/* the old kernel's last instant; a reader in this kernel cannot see it, a persistent one can */
HL_MILESTONE("fentry/machine_kexec", machine_kexec, HL_MS_KEXEC_REBOOT)
HL_MILESTONE("fentry/arm_smmu_device_probe", arm_smmu_device_probe, HL_MS_SMMU_PROBE_START)
HL_MILESTONE("fexit/arm_smmu_device_probe", arm_smmu_device_probe_done, HL_MS_SMMU_PROBE_END)
HL_MILESTONE("fentry/arm_smmu_device_shutdown", arm_smmu_device_shutdown, HL_MS_USER)

/*
 * The same three where the name is two functions (both Arm SMMU drivers
 * built): an fentry on the name would take the first, the SMMUv1/v2
 * driver's.  kprobes the loader attaches at the SMMUv3 driver's own
 * functions, as its struct platform_driver names them (hl_smmu_info).
 */
#define HL_MILESTONE_KP(sec, name, id, what)					\
	SEC(sec) int name(struct pt_regs *ctx)					\
	{									\
		static const char note[] = what;				\
		hl_milestone(id, note);						\
		return 0;							\
	}
HL_MILESTONE_KP("kprobe", hl_kp_smmu_probe, HL_MS_SMMU_PROBE_START, "arm_smmu_device_probe")
HL_MILESTONE_KP("kretprobe", hl_kp_smmu_probe_done, HL_MS_SMMU_PROBE_END, "arm_smmu_device_probe_done")
HL_MILESTONE_KP("kprobe", hl_kp_smmu_shutdown, HL_MS_USER, "arm_smmu_device_shutdown")

/*
 * The live update's milestones, as kprobes on their functions: a kernel
 * without LUO or KHO (Debian's 7.3) has none of them, and an fentry
 * program on a missing function fails the whole object in bpftool's
 * loadall, where a kprobe is pinned unattached.
 */
HL_MILESTONE_KP("kprobe/luo_preserve_file", luo_preserve_file, HL_MS_LUO_PREPARE, "luo_preserve_file")
HL_MILESTONE_KP("kprobe/luo_file_freeze", luo_file_freeze, HL_MS_LUO_FREEZE, "luo_file_freeze")
HL_MILESTONE_KP("kprobe/luo_file_finish", luo_file_finish, HL_MS_LUO_FINISH, "luo_file_finish")
HL_MILESTONE_KP("kprobe/kho_fill_kimage", kho_fill_kimage, HL_MS_KHO_FINALIZE, "kho_fill_kimage")


#include "type1.bpf.h"
#include "walker.bpf.h"
