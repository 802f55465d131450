/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The SMMU as both capture objects see it (hitless.bpf.c, stock mode;
 * hitless_tp.bpf.c, patched mode): the hl_smmus registry every record's
 * `smmu` comes from, and how the walker's trigger (walker.bpf.h) reads a
 * struct arm_smmu_device to register one.  Included by each object's
 * source, after vmlinux.h and core.bpf.h.
 */
#ifndef HITLESS_SMMU_BPF_H
#define HITLESS_SMMU_BPF_H

#define ARM_SMMU_FEAT_2_LVL_STRTAB	(1 << 0)

/*
 * A kernel pointer as a plain number: the verifier allows no variable offset
 * on a typed (BTF) pointer, and our tables are indexed by the kernel's data.
 */
static __always_inline __u64 hl_num(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* ---- SMMU identity ------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, struct hl_smmu_info);
} hl_smmus SEC(".maps");

__u32 hl_nsmmu = 0;

/*
 * The SMMUv3 struct arm_smmu_device's layout (core.h), found by the loader
 * in the kernel's BTF (userspace/lib/kbtf.c): with both Arm SMMU drivers
 * built in, the BTF has two types of that name and a CO-RE read of a field
 * both have (features, options, dev, base) is ambiguous; libbpf refuses the
 * whole object.  So no program reads the device by CO-RE: the walker's
 * trigger reads it at these offsets, and every other program finds the SMMU
 * in hl_smmus by its pointer.  A writable map, not .rodata, so that a loader
 * that cannot set .rodata before the load (bpftool) has it set afterwards in
 * the pinned map (`hitless snapshot --pinned` does, or the `bpftool map
 * update` line it prints: bpf/README.md); until then the trigger does
 * nothing.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hl_smmu_layout);
} hl_smmu_lay SEC(".maps");

/* What a new SMMU's hl_smmu_info needs from its struct arm_smmu_device. */
struct hl_smmu_dev {
	__u64 features, options, sid_bits, ssid_bits;
	__u64 l1tab, l1_dma, num_l1_ents, table, ste_dma, num_ents, dev, mmio;
	__u64 drv_probe, drv_shutdown;
	__u64 oas, pgsize_bitmap, asid_bits, vmid_bits;
	__u32 known;		/* HL_SK_* of the driver's fields read */
};

static __always_inline __u64 hl_lay_read(const struct hl_smmu_layout *lay, __u64 smmu, unsigned k)
{
	__u64 v = 0;
	unsigned sz;

	if (k >= HL_SF_MAX)
		return 0;
	sz = lay->size[k];
	bpf_probe_read_kernel(&v, sizeof(v), (void *)(smmu + lay->off[k]));
	return sz >= 8 ? v : v & ((1ULL << (sz * 8)) - 1);
}

static __always_inline void hl_smmu_dev_lay(const struct hl_smmu_layout *lay, __u64 smmu,
					    struct hl_smmu_dev *d)
{
	d->features = hl_lay_read(lay, smmu, HL_SF_FEATURES);
	d->options = hl_lay_read(lay, smmu, HL_SF_OPTIONS);
	d->sid_bits = hl_lay_read(lay, smmu, HL_SF_SID_BITS);
	d->ssid_bits = hl_lay_read(lay, smmu, HL_SF_SSID_BITS);
	d->l1tab = hl_lay_read(lay, smmu, HL_SF_L1TAB);
	d->l1_dma = hl_lay_read(lay, smmu, HL_SF_L1_DMA);
	d->num_l1_ents = hl_lay_read(lay, smmu, HL_SF_NUM_L1_ENTS);
	d->table = hl_lay_read(lay, smmu, HL_SF_TABLE);
	d->ste_dma = hl_lay_read(lay, smmu, HL_SF_STE_DMA);
	d->num_ents = hl_lay_read(lay, smmu, HL_SF_NUM_ENTS);
	d->dev = hl_lay_read(lay, smmu, HL_SF_DEV);
	d->mmio = hl_lay_read(lay, smmu, HL_SF_BASE);
	/* the required fields; the optional ones where the kernel's BTF has them */
	d->known = HL_SK_FEATURES | HL_SK_OPTIONS | HL_SK_SID_BITS | HL_SK_SSID_BITS;
	d->oas = hl_lay_read(lay, smmu, HL_SF_OAS);
	d->pgsize_bitmap = hl_lay_read(lay, smmu, HL_SF_PGSIZE);
	d->asid_bits = hl_lay_read(lay, smmu, HL_SF_ASID_BITS);
	d->vmid_bits = hl_lay_read(lay, smmu, HL_SF_VMID_BITS);
	d->known |= (lay->size[HL_SF_OAS] ? HL_SK_OAS : 0) |
		    (lay->size[HL_SF_PGSIZE] ? HL_SK_PGSIZE : 0) |
		    (lay->size[HL_SF_ASID_BITS] ? HL_SK_ASID_BITS : 0) |
		    (lay->size[HL_SF_VMID_BITS] ? HL_SK_VMID_BITS : 0);
}

/* Register the SMMU at `key` (its struct arm_smmu_device) from what d read. */
static __always_inline struct hl_smmu_info *hl_smmu_add(__u64 key, const struct hl_smmu_dev *d)
{
	struct hl_smmu_info *i, n = {};

	i = bpf_map_lookup_elem(&hl_smmus, &key);
	if (i)
		return i;
	n.ptr = key;
	n.features = d->features;
	n.options = d->options;
	n.sid_bits = d->sid_bits;
	n.ssid_bits = d->ssid_bits;
	n.two_level = !!(n.features & ARM_SMMU_FEAT_2_LVL_STRTAB);
	n.strtab = n.two_level ? d->l1tab : d->table;
	n.strtab_dma = n.two_level ? d->l1_dma : d->ste_dma;
	n.nents = n.two_level ? d->num_l1_ents : d->num_ents;
	n.mmio = d->mmio;
	n.drv_probe = d->drv_probe;
	n.drv_shutdown = d->drv_shutdown;
	n.oas = d->oas;
	n.pgsize_bitmap = d->pgsize_bitmap;
	n.asid_bits = d->asid_bits;
	n.vmid_bits = d->vmid_bits;
	n.known = d->known;
	{
		struct platform_device *pd =
			(void *)(d->dev - bpf_core_field_offset(struct platform_device, dev));

		n.base = BPF_CORE_READ(pd, resource, start);
	}
	/*
	 * SMMU_IDR0..5 (offsets 0x0-0x14): identification registers, reads
	 * have no side effect.  One 32-bit load each, as the driver's
	 * readl_relaxed(): they are 32-bit registers, and a 64-bit load of two
	 * (what one bpf_probe_read_kernel() of all six does on arm64) is not
	 * an access the architecture defines for them; QEMU's model reads
	 * such a load as zero.
	 */
#pragma unroll
	for (int k = 0; k < 6; k++)
		if (d->mmio && !bpf_probe_read_kernel(&n.idr[k], sizeof(n.idr[k]),
						      (void *)(d->mmio + 4 * k)))
			n.known |= HL_SK_IDR(k);
		else
			n.idr[k] = 0;
	n.id = __sync_fetch_and_add(&hl_nsmmu, 1);
	bpf_map_update_elem(&hl_smmus, &key, &n, BPF_NOEXIST);
	return bpf_map_lookup_elem(&hl_smmus, &key);
}

/* An SMMU the walker's trigger registered, or NULL. */
static __always_inline struct hl_smmu_info *hl_smmu(struct arm_smmu_device *smmu)
{
	__u64 key = hl_num(smmu);

	return key ? bpf_map_lookup_elem(&hl_smmus, &key) : NULL;
}

/*
 * The last SMMU seen on this CPU: most records (every command, every sync)
 * name an SMMU, and a hash lookup per record is a large part of a record's
 * cost.  chk ties the three words together: a program that preempted this
 * one between them (on this CPU, for another SMMU) leaves a mismatch, and the
 * lookup is done the slow way.
 */
struct hl_smmu_last {
	__u64 key, id, chk;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hl_smmu_last);
} hl_smmu_last SEC(".maps");

#define HL_SMMU_LAST_MAGIC	0x68697473736d6d75ULL

static __always_inline __u32 hl_smmu_id(struct arm_smmu_device *smmu)
{
	struct hl_smmu_info *i;
	struct hl_smmu_last *c;
	__u64 key = hl_num(smmu), id;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&hl_smmu_last, &zero);
	if (c && key && c->key == key) {
		id = c->id;
		if (c->chk == (key ^ id ^ HL_SMMU_LAST_MAGIC))
			return id;
	}
	i = hl_smmu(smmu);
	if (!i)
		return ~0U;
	id = i->id;
	if (c) {
		c->key = key;
		c->id = id;
		c->chk = key ^ id ^ HL_SMMU_LAST_MAGIC;
	}
	return id;
}

static __always_inline __u64 hl_hash_ptr(const void *p)
{
	return p ? ((__u64)p * 0x9e3779b97f4a7c15ULL) ^ 0x68697473ULL : 0;
}

#endif /* HITLESS_SMMU_BPF_H */
