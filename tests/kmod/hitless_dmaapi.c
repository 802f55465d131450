// SPDX-License-Identifier: GPL-2.0
/*
 * hitless_dmaapi: a PCI driver that drives its device through the DMA API,
 * bound only by driver_override, for the rig's check that a device still
 * translating through the restored domain of a live update
 * (kernel/patches 0013) cannot be handed to such a driver: the DMA API maps
 * into the group's default domain, which the device does not use, so the
 * bind must fail (-EBUSY, before probe) rather than map nothing.
 *
 *   insmod hitless_dmaapi.ko
 *   echo hitless_dmaapi >/sys/bus/pci/devices/BDF/driver_override
 *   echo BDF >/sys/bus/pci/drivers/hitless_dmaapi/bind
 *
 * Where the bind is allowed, probe maps one page with dma_map_single() and
 * says where ("DMA API mapping at ...") in the kernel log.
 *
 *   insmod hitless_dmaapi.ko walk=BDF iova=IOVA
 *
 * also says, at load, which domain BDF's group has attached and what
 * iommu_iova_to_phys() gives for IOVA in it ("BDF: domain type T, IOVA I ->
 * P"): a restored domain walks the tables the previous kernel handed over,
 * and the domain that replaces it must give the same address.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>

static int hitless_dmaapi_probe(struct pci_dev *pdev,
				const struct pci_device_id *id)
{
	unsigned long page = __get_free_page(GFP_KERNEL);
	dma_addr_t dma;

	if (!page)
		return -ENOMEM;
	dma = dma_map_single(&pdev->dev, (void *)page, PAGE_SIZE,
			     DMA_BIDIRECTIONAL);
	if (dma_mapping_error(&pdev->dev, dma)) {
		pr_info("%s: dma_map_single() failed\n", pci_name(pdev));
		free_page(page);
		return -EIO;
	}
	pr_info("%s: DMA API mapping at %pad\n", pci_name(pdev), &dma);
	dma_unmap_single(&pdev->dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	free_page(page);
	return 0;
}

static void hitless_dmaapi_remove(struct pci_dev *pdev)
{
}

/* No IDs: it binds only where driver_override names it */
static struct pci_driver hitless_dmaapi_driver = {
	.name		= "hitless_dmaapi",
	.probe		= hitless_dmaapi_probe,
	.remove		= hitless_dmaapi_remove,
};

static char *walk;
module_param(walk, charp, 0444);
MODULE_PARM_DESC(walk, "PCI device (BDF) whose attached domain's iova_to_phys is read at load");
static unsigned long iova;
module_param(iova, ulong, 0444);
MODULE_PARM_DESC(iova, "the IOVA that walk= translates");

static int hitless_dmaapi_walk(void)
{
	struct iommu_domain *domain;
	struct device *dev;
	phys_addr_t phys;

	dev = bus_find_device_by_name(&pci_bus_type, NULL, walk);
	if (!dev) {
		pr_err("walk=%s: no such PCI device\n", walk);
		return -ENODEV;
	}
	domain = iommu_get_domain_for_dev(dev);
	if (!domain) {
		pr_err("%s: no IOMMU domain attached\n", walk);
		put_device(dev);
		return -ENODEV;
	}
	phys = iommu_iova_to_phys(domain, iova);
	pr_info("%s: domain type %#x, IOVA %#lx -> %pa\n", walk, domain->type,
		iova, &phys);
	put_device(dev);
	return 0;
}

static int __init hitless_dmaapi_init(void)
{
	int ret = walk ? hitless_dmaapi_walk() : 0;

	return ret ?: pci_register_driver(&hitless_dmaapi_driver);
}
module_init(hitless_dmaapi_init);

static void __exit hitless_dmaapi_exit(void)
{
	pci_unregister_driver(&hitless_dmaapi_driver);
}
module_exit(hitless_dmaapi_exit);

MODULE_DESCRIPTION("hitless rig: a DMA API PCI driver bound by driver_override");
MODULE_LICENSE("GPL");
