/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The VFIO type1 container's programs, in both capture objects (the
 * series has no type1 events).  Included by hitless.bpf.c and
 * hitless_tp.bpf.c after smmu.bpf.h (hl_hash_ptr).
 */
#ifndef HITLESS_TYPE1_BPF_H
#define HITLESS_TYPE1_BPF_H

/* ---- the VFIO type1 container (vfio_iommu_type1, often a module) ----------- */
/*
 * A VMM's way in where the kernel has no iommufd (Debian's 7.3): the group's
 * attach to the container (VFIO_SET_IOMMU: a paging domain per container,
 * the driver's attach records inside), VFIO_IOMMU_MAP_DMA / UNMAP_DMA
 * (vfio_dma_do_map/_unmap are inlined into the ioctl: at its return, the
 * arguments read back from the VMM, the unmapped size as the kernel wrote it
 * back), the group's detach (at its start, as iommufd's: the driver's records
 * follow).  iommufd records with src HL_IOMMUFD_SRC_TYPE1; obj_id and pt_id
 * the container, dev_id the IOMMU group.
 *
 * kprobes, not fentry: vfio_iommu_type1 is a module, loaded when the first
 * VM starts, often after the capture.  An fentry program needs the
 * function's BTF when it is loaded; a kprobe needs no module type, and the
 * loader defines it as a kprobe event on MODULE:FUNCTION, which the kernel
 * arms as the module comes in, before its init runs (capture.c): nothing
 * the module does is missed.  In both objects: the series has no type1 events.
 */
#define HL_VFIO_IOMMU_MAP_DMA	0x3b71	/* _IO(VFIO_TYPE, VFIO_BASE + 13) */
#define HL_VFIO_IOMMU_UNMAP_DMA	0x3b72	/* _IO(VFIO_TYPE, VFIO_BASE + 14) */

/* A call in progress on a task, from its kprobe to its kretprobe. */
struct hl_t1call {
	__u64 container;	/* iommu_data */
	__u64 arg;		/* the ioctl's user pointer */
	__u32 group;		/* IOMMU group id */
	__u32 cmd;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct hl_t1call);
} hl_t1_calls SEC(".maps");

static __always_inline __u32 hl_container_id(__u64 iommu_data)
{
	return (__u32)(hl_hash_ptr((void *)iommu_data) >> 32);
}

static __always_inline __u32 hl_group_id(__u64 group)
{
	return BPF_CORE_READ((struct iommu_group *)group, id);
}

/* vfio_iommu_type1_attach_group(iommu_data, iommu_group, type): entry, then return */
SEC("kprobe")
int hl_mod_type1_attach(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_t1call c = { .container = PT_REGS_PARM1(ctx), .group = hl_group_id(PT_REGS_PARM2(ctx)) };

	bpf_map_update_elem(&hl_t1_calls, &tid, &c, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int hl_mod_type1_attach_ret(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_t1call *c = bpf_map_lookup_elem(&hl_t1_calls, &tid);
	__u32 id;

	if (!c)
		return 0;
	id = hl_container_id(c->container);
	hl_emit_vmm(HL_MODE_FENTRY, HL_IOMMUFD_SRC_TYPE1, HL_IOMMUFD_HWPT_ATTACH, id, c->group, id, 0, 0,
		    (int)PT_REGS_RC(ctx));
	bpf_map_delete_elem(&hl_t1_calls, &tid);
	return 0;
}

/* vfio_iommu_type1_detach_group(iommu_data, iommu_group) */
SEC("kprobe")
int hl_mod_type1_detach(struct pt_regs *ctx)
{
	__u32 id = hl_container_id(PT_REGS_PARM1(ctx));

	hl_emit_vmm(HL_MODE_FENTRY, HL_IOMMUFD_SRC_TYPE1, HL_IOMMUFD_HWPT_DETACH, id,
		    hl_group_id(PT_REGS_PARM2(ctx)), id, 0, 0, 0);
	return 0;
}

/* vfio_iommu_type1_ioctl(iommu_data, cmd, arg) */
SEC("kprobe")
int hl_mod_type1_ioctl(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_t1call c = { .container = PT_REGS_PARM1(ctx), .cmd = PT_REGS_PARM2(ctx),
			       .arg = PT_REGS_PARM3(ctx) };

	if (c.cmd == HL_VFIO_IOMMU_MAP_DMA || c.cmd == HL_VFIO_IOMMU_UNMAP_DMA)
		bpf_map_update_elem(&hl_t1_calls, &tid, &c, BPF_ANY);
	return 0;
}

SEC("kretprobe")
int hl_mod_type1_ioctl_ret(struct pt_regs *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct hl_t1call *c = bpf_map_lookup_elem(&hl_t1_calls, &tid);
	/* struct vfio_iommu_type1_dma_map: argsz, flags, vaddr, iova, size; _unmap: argsz, flags, iova, size */
	__u64 a[4] = {};
	__u32 id;
	int ret = (int)PT_REGS_RC(ctx);

	if (!c)
		return 0;
	id = hl_container_id(c->container);
	if (bpf_probe_read_user(a, sizeof(a), (void *)c->arg))
		hl_count(HL_STAT_READ_FAULT, 1);
	if (c->cmd == HL_VFIO_IOMMU_MAP_DMA)
		hl_emit_vmm(HL_MODE_FENTRY, HL_IOMMUFD_SRC_TYPE1, HL_IOMMUFD_IOAS_MAP, id, 0, 0, a[2], a[3], ret);
	else
		hl_emit_vmm(HL_MODE_FENTRY, HL_IOMMUFD_SRC_TYPE1, HL_IOMMUFD_IOAS_UNMAP, id, 0, 0, a[1], a[2], ret);
	bpf_map_delete_elem(&hl_t1_calls, &tid);
	return 0;
}

#endif /* HITLESS_TYPE1_BPF_H */
