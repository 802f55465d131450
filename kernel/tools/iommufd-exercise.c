// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd-exercise: drive one vfio-pci device through the iommufd calls whose
 * tracepoints the kernel series adds, the way a VMM does, and print each step.
 *
 *   iommufd-exercise [--expect-replace-error] /dev/vfio/devices/vfioN
 *
 * bind -> IOAS alloc -> map 4 MiB -> attach to the IOAS (automatic HWPT) ->
 * a second HWPT on the IOAS -> replace (S1 to S1: the CD is rewritten
 * through V=0) -> unmap -> detach. Exit status 0 when every call succeeded;
 * with --expect-replace-error, when every call but the replace succeeded
 * (the replace refused by arm_smmu_attach_may_break()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define MAP_IOVA	0x40000000ULL
#define MAP_LEN		(4UL << 20)

static int call(const char *what, int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	if (ret)
		printf("%s: %s\n", what, strerror(errno));
	return ret;
}

int main(int argc, char **argv)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	int iommufd, dev, auto_hwpt, expect_error = 0;
	void *buf;

	if (argc == 3 && !strcmp(argv[1], "--expect-replace-error")) {
		expect_error = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: %s [--expect-replace-error] /dev/vfio/devices/vfioN\n",
			argv[0]);
		return 2;
	}
	iommufd = open("/dev/iommu", O_RDWR);
	dev = open(argv[1], O_RDWR);
	if (iommufd < 0 || dev < 0) {
		perror("open /dev/iommu or the vfio device");
		return 1;
	}

	bind.iommufd = iommufd;
	if (call("VFIO_DEVICE_BIND_IOMMUFD", dev, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return 1;
	printf("bound: dev_id %u\n", bind.out_devid);

	if (call("IOMMU_IOAS_ALLOC", iommufd, IOMMU_IOAS_ALLOC, &ioas))
		return 1;
	printf("ioas %u\n", ioas.out_ioas_id);

	buf = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas.out_ioas_id;
	map.user_va = (unsigned long)buf;
	map.length = MAP_LEN;
	map.iova = MAP_IOVA;
	if (call("IOMMU_IOAS_MAP", iommufd, IOMMU_IOAS_MAP, &map))
		return 1;
	printf("mapped iova 0x%llx length 0x%llx\n", (unsigned long long)map.iova,
	       (unsigned long long)map.length);

	at.pt_id = ioas.out_ioas_id;
	if (call("VFIO_DEVICE_ATTACH_IOMMUFD_PT (ioas)", dev,
		 VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return 1;
	auto_hwpt = at.pt_id;
	printf("attached: hwpt %u\n", auto_hwpt);

	hwpt.dev_id = bind.out_devid;
	hwpt.pt_id = ioas.out_ioas_id;
	if (call("IOMMU_HWPT_ALLOC", iommufd, IOMMU_HWPT_ALLOC, &hwpt))
		return 1;
	printf("hwpt %u allocated\n", hwpt.out_hwpt_id);

	at.pt_id = hwpt.out_hwpt_id;
	if (call("VFIO_DEVICE_ATTACH_IOMMUFD_PT (replace)", dev,
		 VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) {
		if (!expect_error)
			return 1;
		printf("replace refused, as expected: the device stays on hwpt %u\n",
		       auto_hwpt);
	} else {
		printf("replaced: hwpt %u -> %u\n", auto_hwpt, at.pt_id);
		if (expect_error) {
			printf("the replace was expected to be refused\n");
			return 1;
		}
	}

	unmap.ioas_id = ioas.out_ioas_id;
	unmap.iova = MAP_IOVA;
	unmap.length = MAP_LEN;
	if (call("IOMMU_IOAS_UNMAP", iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return 1;
	printf("unmapped 0x%llx\n", (unsigned long long)unmap.length);

	if (call("VFIO_DEVICE_DETACH_IOMMUFD_PT", dev,
		 VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt))
		return 1;
	printf("detached\n");
	return 0;
}
