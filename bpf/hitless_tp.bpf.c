// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hitless capture on a kernel with the hitless series (kernel/patches),
 * HL_MODE_TRACEPOINT, the object hitless_tp.bpf.o: tp_btf programs on the
 * series' tracepoints (contract in tracepoints.txt), making the same
 * bpf/hitless.h records as the stock programs (hitless.bpf.c); with the
 * SMMU registry and the walker's trigger (smmu.bpf.h) and the VFIO type1
 * kprobes (type1.bpf.h), as the stock object has them.
 *
 * The arguments are the TP_PROTO of each event; the series' enums are
 * declared here as integers (their values are part of the contract).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "core.bpf.h"
#include "smmu.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* enum arm_smmu_write_step: 0 unused .. 6 direct, in hl_entry_step order */
static __always_inline __u8 hl_tp_step(__u32 step)
{
	return step <= 6 ? step + HL_STEP_UNUSED : HL_STEP_UNKNOWN;
}

static __always_inline __u32 hl_tp_smmu(const struct device *smmu)
{
	return hl_smmu_id(BPF_CORE_READ(smmu, driver_data));
}

/* StreamIDs whose STE translates at stage 2: a descriptor write under their S2TTB is stage 2. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} hl_s2_roots SEC(".maps");

static __always_inline void hl_tp_entry(struct hl_record *r, __u64 *before, __u64 *after,
					const __le64 *b, const __le64 *a)
{
	bpf_probe_read_kernel(before, 64, b);
	bpf_probe_read_kernel(after, 64, a);
}

SEC("tp_btf/arm_smmu_ste_write")
int BPF_PROG(hl_tp_ste_write, const struct device *smmu, u32 sid, u32 step, const __le64 *before,
	     const __le64 *after)
{
	struct hl_record *r = hl_reserve(HL_K_STE, HL_MODE_TRACEPOINT);

	if (!r)
		return 0;
	r->ste.smmu = hl_tp_smmu(smmu);
	r->ste.sid = sid;
	r->ste.step = hl_tp_step(step);
	hl_tp_entry(r, r->ste.before, r->ste.after, before, after);
	if ((r->ste.after[0] & 1) && (HL_STE0_CFG(r->ste.after[0]) & 6) == 6) {
		__u64 root = HL_STE3_S2TTB(r->ste.after[3]);
		__u32 one = 1;

		bpf_map_update_elem(&hl_s2_roots, &root, &one, BPF_ANY);
	}
	hl_submit(r);
	return 0;
}

SEC("tp_btf/arm_smmu_cd_write")
int BPF_PROG(hl_tp_cd_write, const struct device *smmu, u32 sid, u32 ssid, u32 step,
	     const __le64 *before, const __le64 *after)
{
	struct hl_record *r = hl_reserve(HL_K_CD, HL_MODE_TRACEPOINT);

	if (!r)
		return 0;
	r->cd.smmu = hl_tp_smmu(smmu);
	r->cd.sid = sid;
	r->cd.ssid = ssid;
	r->cd.step = hl_tp_step(step);
	hl_tp_entry(r, r->cd.before, r->cd.after, before, after);
	hl_submit(r);
	return 0;
}

/*
 * One cmdlist call (__arm_smmu_cmdq_issue_cmdlist()): its n commands and the
 * CMD_SYNC the driver built, when it syncs, as its HL_K_CMD_BATCH records.
 * sync is NULL for a call that does not sync: the event names it
 * sync__nullable, without which the verifier takes a tp_btf pointer for
 * non-NULL and folds this test to true (a batch of n + 1, lost on the read).
 */
SEC("tp_btf/arm_smmu_cmdq_batch")
int BPF_PROG(hl_tp_batch, const struct device *smmu, u32 prod, const void *cmds, int n,
	     const void *sync)
{
	hl_emit_cmds_sync(HL_MODE_TRACEPOINT, hl_tp_smmu(smmu), (__u64)cmds, n, sync != NULL,
			  (__u64)sync);
	return 0;
}

SEC("tp_btf/arm_smmu_cmdq_sync")
int BPF_PROG(hl_tp_sync, const struct device *smmu, u32 prod, int ret)
{
	struct hl_record *r = hl_reserve(HL_K_CMD, HL_MODE_TRACEPOINT);

	if (!r)
		return 0;
	r->cmd.smmu = hl_tp_smmu(smmu);
	r->cmd.flags = HL_CMD_F_SYNC_DONE | (ret ? HL_CMD_F_ERROR : 0);
	r->cmd.cmd[0] = HL_CMD_OP_SYNC;
	hl_submit(r);
	return 0;
}

static __always_inline void hl_tp_attach(const struct device *smmu, const struct device *dev,
					 u32 sid, u32 ssid, u32 outcome)
{
	struct hl_record *r = hl_reserve(HL_K_ATTACH, HL_MODE_TRACEPOINT);
	const char *name;

	if (!r)
		return;
	name = BPF_CORE_READ(dev, kobj.name);
	if (name)
		bpf_probe_read_kernel_str(r->attach.dev, sizeof(r->attach.dev), name);
	r->attach.smmu = hl_tp_smmu(smmu);
	r->attach.nsids = 1;
	r->attach.sids[0] = sid;
	r->attach.ssid = ssid;
	r->attach.outcome = outcome;
	hl_submit(r);
}

SEC("tp_btf/arm_smmu_attach_ste")
int BPF_PROG(hl_tp_attach_ste, const struct device *smmu, const struct device *dev, u32 sid,
	     u32 ssid, u32 outcome)
{
	hl_tp_attach(smmu, dev, sid, ssid, outcome);
	return 0;
}

SEC("tp_btf/arm_smmu_attach_cd")
int BPF_PROG(hl_tp_attach_cd, const struct device *smmu, const struct device *dev, u32 sid,
	     u32 ssid, u32 outcome)
{
	hl_tp_attach(smmu, dev, sid, ssid, outcome);
	return 0;
}

SEC("tp_btf/arm_smmu_attach_refused")
int BPF_PROG(hl_tp_attach_refused, const struct device *smmu, const struct device *dev, u32 sid,
	     u32 ssid, int ret)
{
	hl_tp_attach(smmu, dev, sid, ssid, HL_ATTACH_FAILED);
	return 0;
}

/* A run of descriptor writes: one HL_K_PTE_RUN record (core.bpf.h hl_emit_run()). */
SEC("tp_btf/arm_lpae_pte_run")
int BPF_PROG(hl_tp_pte_run, u64 root, u64 iova, int level, u64 size, u32 count, u64 old,
	     u64 old_step, u64 new, u64 new_step)
{
	__u8 granule = 0;

	/* the block size at `level` gives the granule: 1 << ((4 - level) * (g - 3) + 3) */
	for (unsigned g = 12; g <= 16; g += 2)
		if (level >= 0 && level < 4 && size == 1ULL << hl_lvl_shift(level, g))
			granule = g;
	hl_emit_run(HL_MODE_TRACEPOINT, root, iova, level, granule,
		    bpf_map_lookup_elem(&hl_s2_roots, &root) ? 2 : 1, size, count, old, old_step,
		    new, new_step);
	return 0;
}

SEC("tp_btf/iommufd_ioas_map")
int BPF_PROG(hl_tp_ioas_map, u32 ioas_id, u64 iova, u64 length, u32 flags, int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_IOAS_MAP, ioas_id, 0, 0, iova, length, rc);
	return 0;
}

SEC("tp_btf/iommufd_ioas_map_file")
int BPF_PROG(hl_tp_ioas_map_file, u32 ioas_id, u64 iova, u64 length, u32 flags, int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_IOAS_MAP, ioas_id, 0, 0, iova, length, rc);
	return 0;
}

SEC("tp_btf/iommufd_ioas_copy")
int BPF_PROG(hl_tp_ioas_copy, u32 ioas_id, u64 iova, u64 length, u32 flags, int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_IOAS_MAP, ioas_id, 0, 0, iova, length, rc);
	return 0;
}

SEC("tp_btf/iommufd_ioas_unmap")
int BPF_PROG(hl_tp_ioas_unmap, u32 ioas_id, u64 iova, u64 length, u64 unmapped, int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_IOAS_UNMAP, ioas_id, 0, 0, iova, length, rc);
	return 0;
}

SEC("tp_btf/iommufd_hwpt_alloc")
int BPF_PROG(hl_tp_hwpt_alloc, struct device *dev, u32 dev_id, u32 hwpt_id, u32 pt_id, u32 flags,
	     u32 data_type, bool auto_domain)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_HWPT_ALLOC, hwpt_id, dev_id, pt_id, 0, 0, 0);
	return 0;
}

SEC("tp_btf/iommufd_device_attach")
int BPF_PROG(hl_tp_dev_attach, struct device *dev, u32 dev_id, u32 pasid, u32 pt_id, u32 hwpt_id,
	     int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_HWPT_ATTACH, hwpt_id, dev_id, pt_id, 0, 0, rc);
	return 0;
}

SEC("tp_btf/iommufd_device_replace")
int BPF_PROG(hl_tp_dev_replace, struct device *dev, u32 dev_id, u32 pasid, u32 pt_id, u32 hwpt_id,
	     int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_HWPT_REPLACE, hwpt_id, dev_id, pt_id, 0, 0, rc);
	return 0;
}

SEC("tp_btf/iommufd_device_detach")
int BPF_PROG(hl_tp_dev_detach, struct device *dev, u32 dev_id, u32 pasid, u32 pt_id, u32 hwpt_id,
	     int rc)
{
	hl_emit_iommufd(HL_MODE_TRACEPOINT, HL_IOMMUFD_HWPT_DETACH, hwpt_id, dev_id, pt_id, 0, 0, rc);
	return 0;
}

/* enum liveupdate_phase (tracepoints.txt) -> enum hl_milestone_id */
static __always_inline __u32 hl_tp_phase(__u32 phase)
{
	switch (phase) {
	case 0: return HL_MS_KERNEL_START;	/* boot */
	case 1: return HL_MS_LUO_PREPARE;	/* preserve */
	case 2: return HL_MS_KHO_FINALIZE;	/* kho_fill_kimage */
	case 4: return HL_MS_LUO_FREEZE;	/* freeze */
	case 6: return HL_MS_KEXEC_REBOOT;	/* kexec_machine: the last instant */
	case 8: return HL_MS_LUO_FINISH;	/* finish */
	default: return HL_MS_USER;		/* kexec_reboot, freeze_done, retrieve: see note */
	}
}

static __always_inline const char *hl_tp_phase_name(__u32 phase)
{
	switch (phase) {
	case 0: return "boot";
	case 1: return "preserve";
	case 2: return "kho_fill_kimage";
	case 3: return "kexec_reboot";
	case 4: return "freeze";
	case 5: return "freeze_done";
	case 6: return "kexec_machine";
	case 7: return "retrieve";
	case 8: return "finish";
	default: return "?";
	}
}

SEC("tp_btf/liveupdate_milestone")
int BPF_PROG(hl_tp_milestone, u32 phase, const char *name, u64 value, int rc, u64 counter)
{
	struct hl_record *r = hl_reserve(HL_K_MILESTONE, HL_MODE_TRACEPOINT);
	__u64 a[2];

	if (!r)
		return 0;
	r->ms.id = hl_tp_phase(phase);
	r->ms.arg = (__u32)value;
	r->ms.cntvct = counter;
	a[0] = (__u64)hl_tp_phase_name(phase);
	a[1] = (__u64)name;
	bpf_snprintf(r->ms.note, sizeof(r->ms.note), "%s %s", a, sizeof(a));
	hl_submit(r);
	return 0;
}


#ifdef HL_SMMU_CR0
/* Last value written per (SMMU, register), seeded by arm_smmu_device's read-back. */
struct hl_reg_key {
	__u32 smmu, offset;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, struct hl_reg_key);
	__type(value, __u64);
} hl_reg_last SEC(".maps");

SEC("tp_btf/arm_smmu_reg_write")
int BPF_PROG(hl_tp_reg_write, const struct device *smmu, u32 offset, u64 val)
{
	struct hl_reg_key k = { .smmu = hl_tp_smmu(smmu), .offset = offset };
	struct hl_record *r = hl_reserve(HL_K_REG, HL_MODE_TRACEPOINT);
	__u64 *last = bpf_map_lookup_elem(&hl_reg_last, &k);

	if (r) {
		r->reg.smmu = k.smmu;
		r->reg.offset = offset;
		r->reg.old_val = last ? *last : HL_REG_UNKNOWN;
		r->reg.new_val = val;
		hl_submit(r);
	}
	bpf_map_update_elem(&hl_reg_last, &k, &val, BPF_ANY);
	return 0;
}

/* The registers as arm_smmu_device read them back: the "old" of the next write. */
static __always_inline void hl_tp_reg_seen(__u32 smmu, __u32 offset, __u64 val)
{
	struct hl_reg_key k = { .smmu = smmu, .offset = offset };

	bpf_map_update_elem(&hl_reg_last, &k, &val, BPF_ANY);
}
#define HL_TP_REG_SEEN(smmu, cr0, gbpa, strtab)				\
	do {								\
		hl_tp_reg_seen(smmu, HL_SMMU_CR0, cr0);			\
		hl_tp_reg_seen(smmu, HL_SMMU_GBPA, gbpa);		\
		hl_tp_reg_seen(smmu, HL_SMMU_STRTAB_BASE, strtab);	\
	} while (0)
#else
#define HL_TP_REG_SEEN(smmu, cr0, gbpa, strtab) do { } while (0)
#endif

static __always_inline const char *hl_tp_device_phase(__u32 phase)
{
	switch (phase) {
	case 0: return "smmu:probe";
	case 1: return "smmu:reset";
	case 2: return "smmu:reset_done";
	case 3: return "smmu:shutdown";
	case 4: return "smmu:remove";
	default: return "smmu:?";
	}
}

/* enum arm_smmu_device_phase -> milestones: CR0 in arg, GBPA in the note */
SEC("tp_btf/arm_smmu_device")
int BPF_PROG(hl_tp_device, const struct device *smmu, u32 phase, u32 cr0, u32 gbpa,
	     u64 strtab_base, u64 counter)
{
	struct hl_record *r = hl_reserve(HL_K_MILESTONE, HL_MODE_TRACEPOINT);
	__u64 a[2];

	if (!r)
		return 0;
	r->ms.id = phase == 0 ? HL_MS_SMMU_PROBE_START : phase == 2 ? HL_MS_SMMU_PROBE_END : HL_MS_USER;
	r->ms.arg = cr0;
	r->ms.cntvct = counter;
	HL_TP_REG_SEEN(hl_tp_smmu(smmu), cr0, gbpa, strtab_base);
	a[0] = (__u64)hl_tp_device_phase(phase);
	a[1] = gbpa;
	bpf_snprintf(r->ms.note, sizeof(r->ms.note), "%s gbpa=%x", a, sizeof(a));
	hl_submit(r);
	return 0;
}

#include "type1.bpf.h"
#include "walker.bpf.h"
