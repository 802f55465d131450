#!/bin/sh
# hitless record and monitor started before the SMMUv3 driver, iommufd and
# VFIO are loaded, on the stock kernel whose iommufd, VFIO, vfio-pci and
# SMMUv3 driver are modules (kernel/config/stock.config, scenario
# iommufd-modules): snapshot refuses while the driver is absent (exit 6);
# record and monitor attach the driver's programs when it loads, name the
# gap (its probe) once with its window and walk its SMMU; the iommufd
# programs are armed before the module exists and attached as it loads;
# the VMM's attach, map, unmap and detach, and the driver's own records of
# them, are captured with nothing lost and the walked state equal to the
# log's; the monitor sees the attach;
# the arm-smmu-v3 KUnit suite passes on the modular driver (kunit.enable=1:
# KUnit runs a module's suites only when enabled at boot).
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel stock --scenario iommufd-modules \
	-a "kunit.enable=1 kunit.autorun=1"
