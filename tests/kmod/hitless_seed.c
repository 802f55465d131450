// SPDX-License-Identifier: GPL-2.0
/*
 * hitless_seed: seeds one SMMUv3 page-table fault into a live, attached
 * device's I/O page table, for the rig's seeded-fault scenarios
 * (tests/guest/scenarios/seed-*).  A test module: it reaches under
 * iommufd's and the driver's ownership on purpose, to do what a buggy
 * driver would.
 *
 *   insmod hitless_seed.ko bdf=0000:00:01.0 iova=0x1000000 fault=FAULT
 *
 * fault=bbm-split  The 2 MiB block at iova becomes a table of 512 4 KiB
 *                  pages with the same output addresses and attributes
 *                  (the same translation, another size), in one write of the
 *                  live descriptor: no invalid entry, TLBI and CMD_SYNC
 *                  before it, the break-before-make the SMMU architecture
 *                  requires without BBML2 (IHI 0070, 3.21.1).  The new
 *                  table is filled first, then linked; a TLBI of the
 *                  domain's ASID and CMD_SYNC follow (the invalidation is
 *                  right, the sequence is not).  These are raw stores, so the
 *                  module reports them through the kernel's own
 *                  arm_lpae_pte_run tracepoint (kernel/patches/0004), in
 *                  the order it makes them, with the values it stores: the
 *                  512 pages as one run, then the table descriptor, as
 *                  io-pgtable-arm.c would report them.
 *                  A kernel without the tracepoint (stock) cannot see it.
 * fault=no-tlbi    The 2 MiB block at iova is unmapped and mapped again to
 *                  the same pages through the kernel's own io-pgtable code
 *                  (iommu_unmap_fast(), iommu_map()), and the gathered
 *                  invalidation is never issued (no iommu_iotlb_sync()): the
 *                  removed leaf gets no TLBI and no CMD_SYNC.  Both writes
 *                  are the kernel's own, traced by the kernel (patched) or
 *                  seen by fentry on __arm_lpae_unmap and
 *                  arm_lpae_map_pages (stock).
 *
 * The domain is the device's: a stage-1 paging domain, or a stage-2 one (a
 * nesting parent, IOMMU_HWPT_ALLOC_NEST_PARENT), or, for a device attached
 * to a nested domain, its nesting parent; each fault does the same on
 * either stage's table (a stage-2 leaf keeps its S2AP and MemAttr, and the
 * TLBI the domain's invalidation issues is by VMID).
 *
 * The module does its work in init and reports it in the kernel log
 * ("..."); init fails (and nothing is written) when the device,
 * its domain or the block is not what the fault needs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/io-pgtable.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/tracepoint.h>

#include "arm-smmu-v3.h"
#include "iommu-pages.h"

static char *bdf = "";
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "PCI device whose domain gets the fault (DDDD:BB:DD.F)");
static unsigned long iova = 0x1000000;
module_param(iova, ulong, 0444);
MODULE_PARM_DESC(iova, "IOVA of a 2 MiB block mapping of that domain");
static char *fault = "";
module_param(fault, charp, 0444);
MODULE_PARM_DESC(fault, "bbm-split or no-tlbi");

/* io-pgtable-arm.c's descriptor bits (private to it), 4 KiB granule */
#define LPAE_TYPE_MASK		0x3ULL
#define LPAE_TYPE_BLOCK		0x1ULL
#define LPAE_TYPE_TABLE		0x3ULL	/* levels 0-2 */
#define LPAE_TYPE_PAGE		0x3ULL	/* level 3 */
#define LPAE_OA_MASK		GENMASK_ULL(47, 12)
#define LPAE_AP_UNPRIV		BIT_ULL(6)
#define LPAE_AP_RDONLY		BIT_ULL(7)
#define LPAE_HAP_READ		BIT_ULL(6)	/* stage 2: S2AP[0] */
#define LPAE_HAP_WRITE		BIT_ULL(7)	/* stage 2: S2AP[1] */
#define LPAE_MEMATTR(pte)	(((pte) >> 2) & 0xf)	/* stage 2 */
#define LPAE_MEMATTR_OIWB	0xf
#define LPAE_MEMATTR_FWB_WB	0x6
#define LPAE_MEMATTR_DEV	0x1
#define LPAE_XN			(3ULL << 53)
#define LPAE_ATTRINDX(pte)	(((pte) >> 2) & 7)
#define LPAE_ATTR_IDX_CACHE	1
#define LPAE_ATTR_IDX_DEV	2
#define LPAE_BITS		9

struct walk {
	u64 root;		/* TTB0 or S2TTB: what the SMMU walks from */
	int stage;		/* 1 or 2 */
	u64 *ptep;		/* the level-2 descriptor of iova */
	int start;		/* the table's first level */
};

/* ---- the series' descriptor-write tracepoint --------------------------- */

static struct tracepoint *pte_tp;

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "arm_lpae_pte_run"))
		pte_tp = tp;
}

/*
 * Fire arm_lpae_pte_run for the stores this module makes: count descriptors
 * from va, descriptor i going from old + i * old_step to new + i * new_step,
 * as trace_arm_lpae_pte_run() does in io-pgtable-arm.c: its iterator calls
 * every probe attached (ftrace, BPF tp_btf) under preemption disabled.
 */
static void trace_run(u64 root, u64 va, int lvl, u64 size, u32 count, u64 old, u64 old_step,
		      u64 new, u64 new_step)
{
	if (!pte_tp || !static_key_enabled(&pte_tp->key))
		return;
	preempt_disable_notrace();
	((void (*)(void *, u64, u64, int, u64, u32, u64, u64, u64, u64))pte_tp->iterator)
		(NULL, root, va, lvl, size, count, old, old_step, new, new_step);
	preempt_enable_notrace();
}

/* ---- the domain and its table ----------------------------------------- */

static int find_domain(struct pci_dev **pdev, struct arm_smmu_domain **sd)
{
	unsigned int dom, bus, dev, fn;
	struct iommu_domain *d;

	if (sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) {
		pr_err("bdf=%s is not DDDD:BB:DD.F\n", bdf);
		return -EINVAL;
	}
	*pdev = pci_get_domain_bus_and_slot(dom, bus, PCI_DEVFN(dev, fn));
	if (!*pdev) {
		pr_err("no PCI device %s\n", bdf);
		return -ENODEV;
	}
	d = iommu_get_domain_for_dev(&(*pdev)->dev);
	/* a nested domain's table in the host is its nesting parent's (stage 2) */
	if (d && d->type == IOMMU_DOMAIN_NESTED)
		d = &to_smmu_nested_domain(d)->vsmmu->s2_parent->domain;
	if (!d || !(d->type & __IOMMU_DOMAIN_PAGING) || d->type == IOMMU_DOMAIN_SVA) {
		pr_err("%s is not attached to a paging domain\n", bdf);
		return -ENXIO;
	}
	*sd = to_smmu_domain(d);
	if ((*sd)->stage != ARM_SMMU_DOMAIN_S1 && (*sd)->stage != ARM_SMMU_DOMAIN_S2) {
		pr_err("%s's domain is not an SMMUv3 stage-1 or stage-2 paging domain\n", bdf);
		return -ENXIO;
	}
	if (!(*sd)->pgtbl_ops) {
		pr_err("%s's domain has no page table\n", bdf);
		return -ENXIO;
	}
	return 0;
}

/*
 * The level-2 descriptor of iova, and the table's root (4 KiB granule only).
 * Stage 1 starts where the input size puts it; stage 2 where VTCR.SL0 says
 * (io-pgtable concatenates a stage-2 root: more than 512 entries at the first
 * level, indexed by every input bit above that level).
 */
static int lpae_walk(struct arm_smmu_domain *sd, struct walk *w)
{
	struct io_pgtable_cfg *cfg = &io_pgtable_ops_to_pgtable(sd->pgtbl_ops)->cfg;
	int ias = cfg->ias, lvl;
	u64 *table;

	if (!(cfg->pgsize_bitmap & SZ_4K) || !(cfg->pgsize_bitmap & SZ_2M)) {
		pr_err("the table does not have a 4 KiB granule with 2 MiB blocks\n");
		return -EOPNOTSUPP;
	}
	if (!cfg->coherent_walk) {
		pr_err("the SMMU does not walk tables coherently: not supported\n");
		return -EOPNOTSUPP;
	}
	if (sd->stage == ARM_SMMU_DOMAIN_S2) {
		unsigned int sl = cfg->arm_lpae_s2_cfg.vtcr.sl;

		w->stage = 2;
		ias = 64 - cfg->arm_lpae_s2_cfg.vtcr.tsz;
		/* SL0 with a 4 KiB granule: 0 level 2, 1 level 1, 2 level 0 */
		w->start = sl == 0 ? 2 : sl == 1 ? 1 : 0;
		w->root = cfg->arm_lpae_s2_cfg.vttbr;
	} else {
		w->stage = 1;
		w->start = 4 - DIV_ROUND_UP(ias - PAGE_SHIFT, LPAE_BITS);
		w->root = cfg->arm_lpae_s1_cfg.ttbr;
	}
	table = phys_to_virt(w->root);
	for (lvl = w->start; lvl <= 2; lvl++) {
		int shift = PAGE_SHIFT + LPAE_BITS * (3 - lvl);
		int bits = lvl == w->start ? ias - shift : LPAE_BITS;
		u64 *ptep = table + ((iova >> shift) & ((1ULL << bits) - 1));
		u64 pte = READ_ONCE(*ptep);

		if (lvl == 2) {
			w->ptep = ptep;
			return 0;
		}
		if ((pte & LPAE_TYPE_MASK) != LPAE_TYPE_TABLE) {
			pr_err("IOVA 0x%lx: no table at level %d (0x%016llx)\n", iova,
			       lvl, pte);
			return -ENOENT;
		}
		table = phys_to_virt(pte & LPAE_OA_MASK);
	}
	return -ENOENT;
}

/* ---- the faults ------------------------------------------------------- */

static int bbm_split(struct arm_smmu_domain *sd, struct walk *w, u64 block)
{
	u64 attrs = block & ~LPAE_OA_MASK & ~LPAE_TYPE_MASK, oa = block & LPAE_OA_MASK;
	u64 *table, desc;
	int i;

	if (!pte_tp)
		pr_warn("this kernel has no arm_lpae_pte_run tracepoint: the writes go unreported\n");
	table = iommu_alloc_pages_node_sz(NUMA_NO_NODE, GFP_KERNEL, SZ_4K);
	if (!table)
		return -ENOMEM;
	/* the new table, not yet reachable: 512 pages translating as the block did */
	for (i = 0; i < 512; i++)
		table[i] = attrs | (oa + (u64)i * SZ_4K) | LPAE_TYPE_PAGE;
	trace_run(w->root, iova, 3, SZ_4K, 512, 0, 0, table[0], SZ_4K);
	desc = virt_to_phys(table) | LPAE_TYPE_TABLE;
	/* the fault: the live block becomes a table in one store */
	trace_run(w->root, iova, 2, SZ_2M, 1, block, 0, desc, 0);
	WRITE_ONCE(*w->ptep, desc);
	/* then the invalidation it needs: TLBI by ASID (stage 1) or VMID (stage 2), CMD_SYNC */
	iommu_flush_iotlb_all(&sd->domain);
	pr_info("bbm-split: IOVA 0x%lx-0x%lx of stage-%d table 0x%llx: block 0x%016llx replaced by table 0x%016llx (512 pages, same output) in one write, then TLBI+SYNC\n",
		iova, iova + SZ_2M - 1, w->stage, w->root, block, desc);
	return 0;
}

/* The IOMMU_* prot that io-pgtable turns into this stage-2 leaf's S2AP and MemAttr. */
static int prot_of_s2(u64 pte)
{
	int prot = 0;

	if (pte & LPAE_HAP_READ)
		prot |= IOMMU_READ;
	if (pte & LPAE_HAP_WRITE)
		prot |= IOMMU_WRITE;
	if ((pte & LPAE_XN) == LPAE_XN)
		prot |= IOMMU_NOEXEC;
	if (LPAE_MEMATTR(pte) == LPAE_MEMATTR_OIWB || LPAE_MEMATTR(pte) == LPAE_MEMATTR_FWB_WB)
		prot |= IOMMU_CACHE;
	else if (LPAE_MEMATTR(pte) == LPAE_MEMATTR_DEV)
		prot |= IOMMU_MMIO;
	return prot;
}

static int prot_of(u64 pte, int stage)
{
	int prot = IOMMU_READ;

	if (stage == 2)
		return prot_of_s2(pte);
	if (!(pte & LPAE_AP_RDONLY))
		prot |= IOMMU_WRITE;
	if (!(pte & LPAE_AP_UNPRIV))
		prot |= IOMMU_PRIV;
	if ((pte & LPAE_XN) == LPAE_XN)
		prot |= IOMMU_NOEXEC;
	if (LPAE_ATTRINDX(pte) == LPAE_ATTR_IDX_CACHE)
		prot |= IOMMU_CACHE;
	else if (LPAE_ATTRINDX(pte) == LPAE_ATTR_IDX_DEV)
		prot |= IOMMU_MMIO;
	return prot;
}

static int no_tlbi(struct arm_smmu_domain *sd, struct walk *w, u64 block)
{
	struct iommu_iotlb_gather gather;
	size_t n;
	int ret;

	iommu_iotlb_gather_init(&gather);
	n = iommu_unmap_fast(&sd->domain, iova, SZ_2M, &gather);
	if (n != SZ_2M) {
		pr_err("no-tlbi: unmapped 0x%zx bytes at 0x%lx, not 2 MiB\n", n, iova);
		return -EIO;
	}
	/* the fault: no iommu_iotlb_sync(&sd->domain, &gather) here */
	ret = iommu_map(&sd->domain, iova, block & LPAE_OA_MASK, SZ_2M, prot_of(block, w->stage),
			GFP_KERNEL);
	if (ret) {
		pr_err("no-tlbi: remap failed (%d): IOVA 0x%lx left unmapped\n", ret, iova);
		return ret;
	}
	pr_info("no-tlbi: IOVA 0x%lx-0x%lx of stage-%d table 0x%llx: block 0x%016llx unmapped and mapped again as 0x%016llx with no TLBI or CMD_SYNC (gathered 0x%lx-0x%lx, never synced)\n",
		iova, iova + SZ_2M - 1, w->stage, w->root, block, READ_ONCE(*w->ptep), gather.start,
		gather.end);
	return 0;
}

static int __init hitless_seed_init(void)
{
	struct arm_smmu_domain *sd;
	struct pci_dev *pdev = NULL;
	struct walk w;
	u64 block;
	int ret;

	if (strcmp(fault, "bbm-split") && strcmp(fault, "no-tlbi")) {
		pr_err("fault=%s: expected bbm-split or no-tlbi\n", fault);
		return -EINVAL;
	}
	if (!IS_ALIGNED(iova, SZ_2M)) {
		pr_err("iova=0x%lx is not 2 MiB aligned\n", iova);
		return -EINVAL;
	}
	for_each_kernel_tracepoint(find_tp, NULL);
	ret = find_domain(&pdev, &sd);
	if (ret)
		goto out;
	ret = lpae_walk(sd, &w);
	if (ret)
		goto out;
	block = READ_ONCE(*w.ptep);
	if ((block & LPAE_TYPE_MASK) != LPAE_TYPE_BLOCK) {
		pr_err("IOVA 0x%lx is not a 2 MiB block (level-2 descriptor 0x%016llx)\n",
		       iova, block);
		ret = -ENOENT;
		goto out;
	}
	ret = !strcmp(fault, "bbm-split") ? bbm_split(sd, &w, block) : no_tlbi(sd, &w, block);
out:
	pci_dev_put(pdev);
	return ret;
}

static void __exit hitless_seed_exit(void)
{
}

module_init(hitless_seed_init);
module_exit(hitless_seed_exit);
MODULE_DESCRIPTION("hitless: seed an SMMUv3 page-table fault (test only)");
MODULE_LICENSE("GPL");
