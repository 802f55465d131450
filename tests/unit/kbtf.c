// SPDX-License-Identifier: GPL-2.0
/*
 * The loader's choice of the SMMUv3 struct arm_smmu_device (userspace/lib/kbtf.c)
 * in kernel BTFs built here with libbpf's btf__add_*(): one type of that
 * name; two (both Arm SMMU drivers built, as Debian's arm64 kernels are), in
 * either order; the SMMUv3 driver as a module (its types in split BTF over
 * a vmlinux that has the other driver's); and two with nothing to tell them
 * apart (refused, never guessed).
 */
#include <string.h>
#include <bpf/btf.h>
#include "tap.h"
#include "kbtf.h"

struct ids { int u32, u64, vp, dev; };

static void base_types(struct btf *b, struct ids *t)
{
	t->u32 = btf__add_int(b, "unsigned int", 4, 0);
	t->u64 = btf__add_int(b, "long long unsigned int", 8, 0);
	t->vp = btf__add_ptr(b, 0);
	t->dev = btf__add_struct(b, "device", 8);
	btf__add_field(b, "p", t->u64, 0, 0);
	t->dev = btf__add_ptr(b, t->dev);
}

/* SMMUv1/v2's (drivers/iommu/arm/arm-smmu): dev, base, features, options; no stream table */
static int add_v2(struct btf *b, const struct ids *t)
{
	int id = btf__add_struct(b, "arm_smmu_device", 264);

	btf__add_field(b, "dev", t->dev, 0, 0);
	btf__add_field(b, "base", t->vp, 64, 0);
	btf__add_field(b, "numpage", t->u32, 128, 0);
	btf__add_field(b, "features", t->u32, 256 * 8 - 64, 0);
	btf__add_field(b, "options", t->u32, 256 * 8 - 32, 0);
	return id;
}

/*
 * SMMUv3's, with the stream table config's anonymous union; then its master
 * pointing at it.  with_id: with the identity fields (oas, pgsize_bitmap,
 * asid_bits, vmid_bits), which the loader takes where they are.
 */
static int add_v3_id(struct btf *b, const struct ids *t, int with_master, int with_id)
{
	int lin, l2, un, cfg, id, ptr;

	lin = btf__add_struct(b, NULL, 24);
	btf__add_field(b, "table", t->vp, 0, 0);
	btf__add_field(b, "ste_dma", t->u64, 64, 0);
	btf__add_field(b, "num_ents", t->u32, 128, 0);
	l2 = btf__add_struct(b, NULL, 32);
	btf__add_field(b, "l1tab", t->vp, 0, 0);
	btf__add_field(b, "l2ptrs", t->vp, 64, 0);
	btf__add_field(b, "l1_dma", t->u64, 128, 0);
	btf__add_field(b, "num_l1_ents", t->u32, 192, 0);
	un = btf__add_union(b, NULL, 32);
	btf__add_field(b, "linear", lin, 0, 0);
	btf__add_field(b, "l2", l2, 0, 0);
	cfg = btf__add_struct(b, "arm_smmu_strtab_cfg", 32);
	btf__add_field(b, NULL, un, 0, 0);
	id = btf__add_struct(b, "arm_smmu_device", 960);
	btf__add_field(b, "dev", t->dev, 0, 0);
	btf__add_field(b, "impl_ops", t->vp, 64, 0);
	btf__add_field(b, "base", t->vp, 128, 0);
	btf__add_field(b, "page1", t->vp, 192, 0);
	btf__add_field(b, "features", t->u32, 320 * 8, 0);
	btf__add_field(b, "options", t->u32, 324 * 8, 0);
	btf__add_field(b, "sid_bits", t->u32, 600 * 8, 0);
	btf__add_field(b, "ssid_bits", t->u32, 604 * 8, 0);
	btf__add_field(b, "strtab_cfg", cfg, 640 * 8, 0);
	if (with_id) {
		btf__add_field(b, "oas", t->u64, 400 * 8, 0);
		btf__add_field(b, "pgsize_bitmap", t->u64, 408 * 8, 0);
		btf__add_field(b, "asid_bits", t->u32, 416 * 8, 0);
		btf__add_field(b, "vmid_bits", t->u32, 420 * 8, 0);
	}
	if (with_master) {
		ptr = btf__add_ptr(b, id);
		btf__add_struct(b, "arm_smmu_master", 16);
		btf__add_field(b, "smmu", ptr, 0, 0);
		btf__add_field(b, "dev", t->dev, 64, 0);
	}
	return id;
}

static int add_v3(struct btf *b, const struct ids *t, int with_master)
{
	return add_v3_id(b, t, with_master, 0);
}

/* The SMMUv3 layout add_v3() built, as the loader must have found it. */
static int is_v3(const struct hl_smmu_layout *l)
{
	return l->off[HL_SF_FEATURES] == 320 && l->size[HL_SF_FEATURES] == 4 &&
	       l->off[HL_SF_OPTIONS] == 324 && l->off[HL_SF_SID_BITS] == 600 &&
	       l->off[HL_SF_SSID_BITS] == 604 && l->off[HL_SF_TABLE] == 640 &&
	       l->size[HL_SF_TABLE] == 8 && l->off[HL_SF_STE_DMA] == 648 &&
	       l->off[HL_SF_NUM_ENTS] == 656 && l->size[HL_SF_NUM_ENTS] == 4 &&
	       l->off[HL_SF_L1TAB] == 640 && l->off[HL_SF_L1_DMA] == 656 &&
	       l->off[HL_SF_NUM_L1_ENTS] == 664 && l->off[HL_SF_DEV] == 0 &&
	       l->size[HL_SF_DEV] == 8 && l->off[HL_SF_BASE] == 16;
}

int main(void)
{
	struct hl_smmu_layout lay;
	struct ids t;
	char why[256];
	struct btf *b, *mod;
	int rc;

	/* one driver: the only type of the name */
	b = btf__new_empty();
	base_types(b, &t);
	add_v3(b, &t, 1);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(!rc && lay.set == 1 && is_v3(&lay), "one struct arm_smmu_device: its offsets (features at 320)");
	btf__free(b);
	/* ... without the identity fields: found all the same, those read as not captured (size 0) */
	tap_ok(!rc && !lay.size[HL_SF_OAS] && !lay.size[HL_SF_PGSIZE] && !lay.size[HL_SF_ASID_BITS] &&
	       !lay.size[HL_SF_VMID_BITS], "without oas, pgsize_bitmap, asid_bits, vmid_bits: the layout all "
	       "the same, those four not read (size 0: unknown in the snapshot)");

	/* with them: their offsets and sizes */
	b = btf__new_empty();
	base_types(b, &t);
	add_v3_id(b, &t, 1, 1);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(!rc && is_v3(&lay) && lay.off[HL_SF_OAS] == 400 && lay.size[HL_SF_OAS] == 8 &&
	       lay.off[HL_SF_PGSIZE] == 408 && lay.size[HL_SF_PGSIZE] == 8 &&
	       lay.off[HL_SF_ASID_BITS] == 416 && lay.size[HL_SF_ASID_BITS] == 4 &&
	       lay.off[HL_SF_VMID_BITS] == 420 && lay.size[HL_SF_VMID_BITS] == 4,
	       "the SMMU's identity fields: oas at 400 (8), pgsize_bitmap 408 (8), asid_bits 416, vmid_bits 420 (4)");
	btf__free(b);

	/* both drivers built in, the other driver's type first (as in Debian's 7.3 BTF) */
	b = btf__new_empty();
	base_types(b, &t);
	add_v2(b, &t);
	add_v3(b, &t, 1);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(!rc && lay.set == 2 && is_v3(&lay),
	       "two struct arm_smmu_device, SMMUv1/v2's first: the SMMUv3 one (features at 320, not 256)");
	if (rc)
		tap_diag("%s", why);
	btf__free(b);

	/* ... and the other order: the choice does not come from the order */
	b = btf__new_empty();
	base_types(b, &t);
	add_v3(b, &t, 1);
	add_v2(b, &t);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(!rc && lay.set == 2 && is_v3(&lay), "two struct arm_smmu_device, SMMUv3's first: the SMMUv3 one");
	btf__free(b);

	/* SMMUv3 as a module: its types in split BTF over a vmlinux with the other driver's */
	b = btf__new_empty();
	base_types(b, &t);
	add_v2(b, &t);
	mod = btf__new_empty_split(b);
	add_v3(mod, &t, 1);
	{
		struct btf *all[2] = { b, mod };

		rc = hl_smmu_layout_find(all, 2, &lay, why, sizeof(why));
	}
	tap_ok(!rc && lay.set == 2 && is_v3(&lay),
	       "SMMUv3 driver as a module (split BTF), SMMUv1/v2 built in: the module's type");
	btf__free(mod);
	btf__free(b);

	/* two, and no SMMUv3 master to tell which: refused with the reason */
	b = btf__new_empty();
	base_types(b, &t);
	add_v2(b, &t);
	add_v3(b, &t, 0);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(rc && strstr(why, "2 struct arm_smmu_device") && strstr(why, "arm_smmu_master"),
	       "two struct arm_smmu_device, no struct arm_smmu_master: refused, not guessed ('%s')", why);
	btf__free(b);

	/* the SMMUv3 type without a field the walker reads: named */
	b = btf__new_empty();
	base_types(b, &t);
	add_v2(b, &t);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(rc && strstr(why, "no field sid_bits"), "a struct arm_smmu_device without sid_bits: the field named ('%s')",
	       why);
	btf__free(b);

	b = btf__new_empty();
	base_types(b, &t);
	rc = hl_smmu_layout_find(&b, 1, &lay, why, sizeof(why));
	tap_ok(rc && strstr(why, "no struct arm_smmu_device"), "no struct arm_smmu_device at all: said so");
	btf__free(b);

	/* modules.dep: which modules a kernel has, before the loader arms their programs */
	{
		static const char dep[] =
			"kernel/drivers/vfio/vfio.ko: kernel/drivers/iommu/iommufd/iommufd.ko\n"
			"kernel/drivers/iommu/iommufd/iommufd.ko:\n"
			"kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko\n"
			"kernel/drivers/iommu/arm/arm-smmu-v3/arm_smmu_v3.ko.xz:\n"
			"kernel/drivers/iommu/iommufd_test_extra.ko:\n";
		static const struct { const char *mod; int want; const char *why; } cases[] = {
			{ "iommufd", 1, "a module of its own line" },
			{ "vfio", 1, "a module whose line names others after the colon" },
			{ "vfio_pci", 1, "vfio_pci as the file vfio-pci.ko ('-' and '_' alike)" },
			{ "arm_smmu_v3", 1, "a compressed module (.ko.xz)" },
			{ "vfio_iommu_type1", 0, "a module the kernel does not have (no VFIO container)" },
			{ "iommu", 0, "a prefix of a module's name is not that module" },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			FILE *f = fmemopen((void *)dep, sizeof(dep) - 1, "r");

			tap_ok(f && hl_moddep_has(f, cases[i].mod) == cases[i].want, "modules.dep: %s %s (%s)",
			       cases[i].mod, cases[i].want ? "listed" : "not listed", cases[i].why);
			if (f)
				fclose(f);
		}
	}
	return tap_done();
}
