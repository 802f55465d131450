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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/gfp.h>
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
module_pci_driver(hitless_dmaapi_driver);

MODULE_DESCRIPTION("hitless rig: a DMA API PCI driver bound by driver_override");
MODULE_LICENSE("GPL");
