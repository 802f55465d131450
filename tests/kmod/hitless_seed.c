// SPDX-License-Identifier: GPL-2.0
/*
 * hitless_seed: seeds one SMMUv3 page-table fault into a live, attached
 * device's stage-1 I/O page table, for the rig's seeded-fault scenarios
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
 *                  module reports each one through the kernel's own
 *                  arm_lpae_pte_write tracepoint (kernel/patches/0004), in
 *                  the order it makes them, with the values it stores: the
 *                  record is the write, as io-pgtable-arm.c would report it.
 *                  A kernel without the tracepoint (stock) cannot see it.
 * fault=no-tlbi    The 2 MiB block at iova is unmapped and mapped again to
 *                  the same pages through the kernel's own io-pgtable code
 *                  (iommu_unmap_fast(), iommu_map()), and the gathered
 *                  invalidation is never issued (no iommu_iotlb_sync()): the
 *                  removed leaf gets no TLBI and no CMD_SYNC.  Both writes
 *                  are the kernel's own, traced by the kernel (patched) or
 *                  seen by fentry on __arm_lpae_unmap/map (stock).
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
#define LPAE_XN			(3ULL << 53)
#define LPAE_ATTRINDX(pte)	(((pte) >> 2) & 7)
#define LPAE_ATTR_IDX_CACHE	1
#define LPAE_ATTR_IDX_DEV	2
#define LPAE_BITS		9

struct walk {
	u64 root;		/* TTB0: what the SMMU walks from */
	u64 *ptep;		/* the level-2 descriptor of iova */
	int start;		/* the table's first level */
};

/* ---- the series' descriptor-write tracepoint --------------------------- */

static struct tracepoint *pte_tp;

static void find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "arm_lpae_pte_write"))
		pte_tp = tp;
}

/*
 * Fire arm_lpae_pte_write for a store this module makes, as
 * trace_arm_lpae_pte_write() does in io-pgtable-arm.c: its iterator calls
 * every probe attached (ftrace, BPF tp_btf) under preemption disabled.
 */
static void trace_pte(u64 root, u64 va, int lvl, u64 size, u64 old, u64 new)
{
	if (!pte_tp || !static_key_enabled(&pte_tp->key))
		return;
	preempt_disable_notrace();
	((void (*)(void *, u64, u64, int, u64, u64, u64))pte_tp->iterator)(NULL, root, va, lvl,
									   size, old, new);
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
	if (!d || !(d->type & __IOMMU_DOMAIN_PAGING) || d->type == IOMMU_DOMAIN_SVA) {
		pr_err("%s is not attached to a paging domain\n", bdf);
		return -ENXIO;
	}
	*sd = to_smmu_domain(d);
	if ((*sd)->stage != ARM_SMMU_DOMAIN_S1 || !(*sd)->pgtbl_ops) {
		pr_err("%s's domain is not an SMMUv3 stage-1 paging domain\n", bdf);
		return -ENXIO;
	}
	return 0;
}

/* The level-2 descriptor of iova, and the table's root (4 KiB granule only). */
static int lpae_walk(struct arm_smmu_domain *sd, struct walk *w)
{
	struct io_pgtable_cfg *cfg = &io_pgtable_ops_to_pgtable(sd->pgtbl_ops)->cfg;
	int va_bits = cfg->ias - PAGE_SHIFT, levels, lvl;
	u64 *table;

	if (!(cfg->pgsize_bitmap & SZ_4K) || !(cfg->pgsize_bitmap & SZ_2M)) {
		pr_err("the table does not have a 4 KiB granule with 2 MiB blocks\n");
		return -EOPNOTSUPP;
	}
	if (!cfg->coherent_walk) {
		pr_err("the SMMU does not walk tables coherently: not supported\n");
		return -EOPNOTSUPP;
	}
	levels = DIV_ROUND_UP(va_bits, LPAE_BITS);
	w->start = 4 - levels;
	w->root = cfg->arm_lpae_s1_cfg.ttbr;
	table = phys_to_virt(w->root);
	for (lvl = w->start; lvl <= 2; lvl++) {
		int shift = PAGE_SHIFT + LPAE_BITS * (3 - lvl);
		u64 *ptep = table + ((iova >> shift) & ((1ULL << LPAE_BITS) - 1));
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
		pr_warn("this kernel has no arm_lpae_pte_write tracepoint: the writes go unreported\n");
	table = iommu_alloc_pages_node_sz(NUMA_NO_NODE, GFP_KERNEL, SZ_4K);
	if (!table)
		return -ENOMEM;
	/* the new table, not yet reachable: 512 pages translating as the block did */
	for (i = 0; i < 512; i++) {
		u64 page = attrs | (oa + (u64)i * SZ_4K) | LPAE_TYPE_PAGE;

		trace_pte(w->root, iova + (u64)i * SZ_4K, 3, SZ_4K, 0, page);
		table[i] = page;
	}
	desc = virt_to_phys(table) | LPAE_TYPE_TABLE;
	/* the fault: the live block becomes a table in one store */
	trace_pte(w->root, iova, 2, SZ_2M, block, desc);
	WRITE_ONCE(*w->ptep, desc);
	/* then the invalidation the change needs: TLBI by ASID, CMD_SYNC */
	iommu_flush_iotlb_all(&sd->domain);
	pr_info("bbm-split: IOVA 0x%lx-0x%lx of table 0x%llx: block 0x%016llx replaced by table 0x%016llx (512 pages, same output) in one write, then TLBI+SYNC\n",
		iova, iova + SZ_2M - 1, w->root, block, desc);
	return 0;
}

static int prot_of(u64 pte)
{
	int prot = IOMMU_READ;

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
	ret = iommu_map(&sd->domain, iova, block & LPAE_OA_MASK, SZ_2M, prot_of(block), GFP_KERNEL);
	if (ret) {
		pr_err("no-tlbi: remap failed (%d): IOVA 0x%lx left unmapped\n", ret, iova);
		return ret;
	}
	pr_info("no-tlbi: IOVA 0x%lx-0x%lx of table 0x%llx: block 0x%016llx unmapped and mapped again as 0x%016llx with no TLBI or CMD_SYNC (gathered 0x%lx-0x%lx, never synced)\n",
		iova, iova + SZ_2M - 1, w->root, block, READ_ONCE(*w->ptep), gather.start,
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
