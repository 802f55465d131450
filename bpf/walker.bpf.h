/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The walker's trigger, in both capture objects: the one program that reads
 * a struct arm_smmu_device (at the offsets of hl_smmu_lay, smmu.bpf.h) and
 * the only place an SMMU is registered.  Included last by hitless.bpf.c and
 * hitless_tp.bpf.c (after smmu.bpf.h and core.bpf.h).
 */
#ifndef HITLESS_WALKER_BPF_H
#define HITLESS_WALKER_BPF_H

/* ---- the walker's trigger ------------------------------------------------ */

/*
 * Reading /sys/bus/platform/drivers/arm-smmu-v3/<dev>/uevent calls
 * uevent_show() with the SMMU's platform device, whose driver data is the
 * struct arm_smmu_device: the one way in without a data symbol (7.3 kernels
 * are often built without KALLSYMS_ALL).  A read registers the SMMU in
 * hl_smmus (the only place an SMMU is registered) and, when hl_walk_ctl asks
 * for a walk of it, walks a budget.
 */
static __always_inline __u64 hl_smmu_of(struct device *dev)
{
	static const char want[] = "arm-smmu-v3";
	char name[sizeof(want)] = {};
	const char *dn = BPF_CORE_READ(dev, driver, name);

	if (!dn || bpf_probe_read_kernel_str(name, sizeof(name), dn) != sizeof(want))
		return 0;
	for (int i = 0; i < sizeof(want); i++)
		if (name[i] != want[i])
			return 0;
	return (__u64)BPF_CORE_READ(dev, driver_data);
}

/*
 * The bound driver's probe and shutdown, from its struct platform_driver:
 * which of two functions of that name is the SMMUv3 driver's (capture.c
 * attaches the milestone kprobes there when the name is not unique).
 */
static __always_inline void hl_smmu_drv(struct device *dev, struct hl_smmu_dev *d)
{
	__u64 drv = (__u64)BPF_CORE_READ(dev, driver);
	struct platform_driver *pd =
		(void *)(drv - bpf_core_field_offset(struct platform_driver, driver));

	d->drv_probe = (__u64)BPF_CORE_READ(pd, probe);
	d->drv_shutdown = (__u64)BPF_CORE_READ(pd, shutdown);
}

static __always_inline void hl_walk_smmu(__u64 smmu, struct hl_smmu_info *info)
{
	struct hl_walk *w;
	__u32 zero = 0;

	w = bpf_map_lookup_elem(&hl_walk_ctl, &zero);
	if (!info || !w || w->state != HL_WS_RUN)
		return;
	/* smmu_ptr 0: the first SMMU whose uevent is read is the one walked */
	if (!w->smmu_ptr)
		w->smmu_ptr = smmu;
	if (w->smmu_ptr != smmu)
		return;
	if (!w->strtab) {
		w->smmu = info->id;
		w->strtab = info->strtab;
		w->two_level = info->two_level;
		w->nents = info->nents;
		if (!w->delta)
			w->delta = info->strtab - info->strtab_dma;
	}
	hl_walk_run(w);
}

/* The device read at the offsets the loader found (hl_smmu_lay); nothing until they are set. */
SEC("fentry/uevent_show")
int BPF_PROG(hl_walk_trigger, struct device *dev)
{
	const struct hl_smmu_layout *lay;
	struct hl_smmu_dev d;
	__u32 zero = 0;
	__u64 smmu;

	lay = bpf_map_lookup_elem(&hl_smmu_lay, &zero);
	if (!lay || !lay->set)
		return 0;
	smmu = hl_smmu_of(dev);
	if (!smmu)
		return 0;
	hl_smmu_dev_lay(lay, smmu, &d);
	hl_smmu_drv(dev, &d);
	hl_walk_smmu(smmu, hl_smmu_add(smmu, &d));
	return 0;
}

#endif /* HITLESS_WALKER_BPF_H */
