// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* mremap() */
/*
 * vfio-iommufd: the smallest VMM-like user of a vfio-pci device through
 * iommufd, to give the capture something to catch.
 *
 *   vfio-iommufd VENDOR:DEVICE|BDF[,BDF...] [--replace | --replace-s2 | --expect-replace-error]
 *                [--hitless] [--hitless-replace [--mark FILE]]
 *                [--burst BYTES [--scatter]] [--then CMD] [--loop N]
 *
 * VENDOR:DEVICE takes the first such device; PCI addresses (0000:01:00.0,
 * comma-separated, up to 8) take those devices: a VMM holding several, each
 * bound to the one iommufd and attached to the one IOAS (--replace and
 * --loop take one device).
 *
 * Binds the device to vfio-pci, opens its cdev, binds it to /dev/iommu,
 * allocates an IOAS and attaches the device to it (an SMMUv3 S1 domain: a CD
 * and an STE are written), maps 64 KiB at IOVA 0x100000 and 8 KiB at
 * 0x200000, unmaps the 8 KiB, runs CMD (sh -c) with the 64 KiB still mapped,
 * then detaches and closes.  Each step is printed.  The exit status is 1
 * when CMD failed (after the detach), as when a step of its own did.
 *
 * --replace: after the maps, allocate a second HWPT on the IOAS and replace
 * the attached one with it, as a VMM does (S1 to S1: both ASID and TTB0 of
 * the CD change, a breaking CD update on 7.3). --expect-replace-error: the
 * same, but the replace must fail (refused by the series' decision point
 * arm_smmu_attach_may_break()) and the device stay where it was.
 *
 * --replace-s2: the same with a nesting-parent HWPT (IOMMU_HWPT_ALLOC_NEST_PARENT:
 * a stage-2 domain on SMMUv3), so the STE's Config goes from S1 to S2 with
 * S2TTB and VMID: an STE update the driver can only do by breaking.
 *
 * --hitless: every attach and replace asks for VFIO_DEVICE_ATTACH_HITLESS (the
 * series' uapi flag: fail, changing nothing, unless the IOMMU driver changes
 * the translation without a break); the first attach, from the blocking
 * domain's abort STE to an S1 one, is hitless on SMMUv3.
 *
 * --hitless-replace: --hitless, and the S1-to-S1 replace of --replace asked
 * with the flag must fail with EBUSY, the device staying on its HWPT; then the
 * same replace without the flag must go through (with its break). --mark FILE
 * (a trace_marker) gets "vfio-iommufd: hitless attach begin" and "... end"
 * written around the first attach, and "vfio-iommufd: hitless replace begin"
 * and "... end" around the refused replace, so that a capture can tell what
 * each wrote.
 *
 * --burst BYTES: after the maps, map BYTES of anonymous memory in 4 KiB pages
 * (MADV_NOHUGEPAGE) at IOVA 0x1000000 (0x10000000 for more than 112 MiB: the
 * SMMU's MSI window is at 0x8000000) in one IOMMU_IOAS_MAP, and unmap it in
 * one IOMMU_IOAS_UNMAP: BYTES / 4 KiB descriptor writes inside each ioctl,
 * a burst no capture's reader can drain as it comes with a small ring (seed-lost);
 * up to 256 MiB (bench/run rig: 256 MiB captured at the default ring size).
 * The pages of a fresh anonymous mapping often come physically contiguous,
 * and then io-pgtable writes them in runs of 512 (one record each in both
 * modes: a 4 MiB burst is a handful of records a reader drains as they come).
 * --scatter makes it what a VMM's memory usually is: every other page of
 * twice BYTES, moved together (mremap), so that no two IOVA-adjacent pages
 * are physically adjacent and each is a map call and a record of its own:
 * BYTES / 4 KiB records for the map alone (seed-lost, monitor-lost).
 *
 * --loop N: before detaching, time N rounds of IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP
 * of 64 KiB, then N rounds of detach + attach of the device to the IOAS (an
 * STE and CD written and invalidated each time), and print the median ns of
 * each: "loop: N rounds, map+unmap median NS ns, detach+attach median NS ns"
 * (bench/run rig compares them with and without the capture).
 *
 * Built against Linux 7.3's uapi headers (tests/guest/Makefile): the cross
 * toolchain's (6.1) predate iommufd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

/* The series' uapi (kernel/patches: vfio); the stock 7.3 headers lack it */
#ifndef VFIO_DEVICE_ATTACH_HITLESS
#define VFIO_DEVICE_ATTACH_HITLESS (1 << 1)
#endif

static void die(const char *what)
{
	printf("vfio-iommufd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return rc;
}

static int read_hex(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, b, sizeof(b) - 1) < 0)
		b[0] = 0;
	close(fd);
	return (int)strtol(b, NULL, 16);
}

/* Bind the device at PCI address BDF to vfio-pci. */
static void bind_bdf(const char *bdf)
{
	char p[512];

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	write_file(p, bdf);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_file(p, "vfio-pci"))
		die("driver_override");
	if (write_file("/sys/bus/pci/drivers_probe", bdf))
		die("drivers_probe");
	printf("%s bound to vfio-pci\n", bdf);
}

/* The PCI address of VENDOR:DEVICE (the first one), bound to vfio-pci. */
static void bind_vfio(unsigned ven, unsigned dev, char *bdf, size_t n)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	char p[512];

	if (!d)
		die("/sys/bus/pci/devices");
	bdf[0] = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if ((unsigned)read_hex(p) != ven)
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		if ((unsigned)read_hex(p) != dev)
			continue;
		snprintf(bdf, n, "%.63s", e->d_name);
		break;
	}
	closedir(d);
	if (!bdf[0]) {
		errno = ENODEV;
		die("no such PCI device");
	}
	bind_bdf(bdf);
}

static int open_cdev(const char *bdf)
{
	char p[512];
	DIR *d;
	struct dirent *e;
	int fd = -1;

	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%.63s/vfio-dev", bdf);
	d = opendir(p);
	if (!d)
		die(p);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(p, sizeof(p), "/dev/vfio/devices/%s", e->d_name);
			fd = open(p, O_RDWR);
			if (fd < 0)
				die(p);
			printf("opened %s\n", p);
			break;
		}
	closedir(d);
	if (fd < 0) {
		errno = ENOENT;
		die("no vfio cdev");
	}
	return fd;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[n / 2];
}

/* --loop: the iommufd operations a VMM makes, timed one by one. */
static void loop(int iommufd, int devfd, uint32_t ioas, void *va, unsigned n)
{
	uint64_t *mu = calloc(n, sizeof(*mu)), *ad = calloc(n, sizeof(*ad));

	if (!mu || !ad)
		die("calloc");
	for (unsigned i = 0; i < n; i++) {
		struct iommu_ioas_map m = {
			.size = sizeof(m), .ioas_id = ioas, .user_va = (uintptr_t)va, .length = 0x10000,
			.iova = 0x400000,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
		};
		struct iommu_ioas_unmap um = { .size = sizeof(um), .ioas_id = ioas, .iova = 0x400000,
					       .length = 0x10000 };
		uint64_t t0 = now_ns();

		if (ioctl(iommufd, IOMMU_IOAS_MAP, &m))
			die("IOMMU_IOAS_MAP (loop)");
		if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &um))
			die("IOMMU_IOAS_UNMAP (loop)");
		mu[i] = now_ns() - t0;
	}
	for (unsigned i = 0; i < n; i++) {
		struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };
		uint64_t t0 = now_ns();

		if (ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt))
			die("VFIO_DEVICE_DETACH_IOMMUFD_PT (loop)");
		if (ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
			die("VFIO_DEVICE_ATTACH_IOMMUFD_PT (loop)");
		ad[i] = now_ns() - t0;
	}
	printf("loop: %u rounds, map+unmap median %llu ns, detach+attach median %llu ns\n", n,
	       (unsigned long long)median(mu, n), (unsigned long long)median(ad, n));
	free(mu);
	free(ad);
}

/*
 * The --burst memory: len bytes of anonymous memory, every page present and
 * its own 4 KiB (no THP).  With scatter, page i is page 2i + 1 of a mapping
 * twice as long, touched in order and then moved (mremap) to its place, so
 * that IOVA-adjacent pages are not physically adjacent.
 */
static void *scatter_pages(uint64_t len, int scatter)
{
	uint64_t span = scatter ? 2 * len : len;
	char *src = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *dst;

	if (src == MAP_FAILED)
		die("mmap --burst");
	madvise(src, span, MADV_NOHUGEPAGE);
	memset(src, 0x5a, span);
	if (!scatter)
		return src;
	dst = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED)
		die("mmap --scatter");
	for (uint64_t i = 0; i < len / 0x1000; i++)
		if (mremap(src + (2 * i + 1) * 0x1000, 0x1000, 0x1000, MREMAP_MAYMOVE | MREMAP_FIXED,
			   dst + i * 0x1000) == MAP_FAILED)
			die("mremap --scatter");
	munmap(src, span);
	return dst;
}

static void ioas_map(int iommufd, uint32_t ioas, void *va, uint64_t len, uint64_t iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .ioas_id = ioas, .user_va = (uintptr_t)va, .length = len, .iova = iova,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &m))
		die("IOMMU_IOAS_MAP");
	printf("mapped IOVA 0x%llx-0x%llx\n", (unsigned long long)iova, (unsigned long long)(iova + len - 1));
}

#define MAX_DEVS 8

int main(int argc, char **argv)
{
	unsigned ven, dev, ndev = 0, by_addr = 0;
	char bdf[MAX_DEVS][64];
	const char *then = NULL;
	int iommufd, devfd, devfds[MAX_DEVS], replace = 0, expect_refusal = 0, s2 = 0, then_failed = 0;
	int hitless = 0, hitless_replace = 0;
	const char *mark = NULL;
	__u32 at_flags;
	unsigned long long burst = 0;
	int scatter = 0;
	unsigned loops = 0;
	void *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		goto usage;
	if (sscanf(argv[1], "%x:%x", &ven, &dev) == 2 && !strchr(argv[1], '.')) {
		bind_vfio(ven, dev, bdf[0], sizeof(bdf[0]));
		ndev = 1;
	} else {
		/* PCI addresses, comma-separated: one VMM holding several devices */
		by_addr = 1;
		for (char *save, *a = strtok_r(argv[1], ",", &save); a; a = strtok_r(NULL, ",", &save)) {
			unsigned d, b, sl, f;

			if (ndev == MAX_DEVS || sscanf(a, "%x:%x:%x.%x", &d, &b, &sl, &f) != 4)
				goto usage;
			snprintf(bdf[ndev++], sizeof(bdf[0]), "%.63s", a);
		}
		if (!ndev)
			goto usage;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--replace"))
			replace = 1;
		else if (!strcmp(argv[i], "--replace-s2"))
			replace = s2 = 1;
		else if (!strcmp(argv[i], "--expect-replace-error"))
			replace = expect_refusal = 1;
		else if (!strcmp(argv[i], "--hitless"))
			hitless = 1;
		else if (!strcmp(argv[i], "--hitless-replace"))
			replace = hitless = hitless_replace = 1;
		else if (!strcmp(argv[i], "--mark") && i + 1 < argc)
			mark = argv[++i];
		else if (!strcmp(argv[i], "--then") && i + 1 < argc)
			then = argv[++i];
		else if (!strcmp(argv[i], "--burst") && i + 1 < argc) {
			char *end;

			burst = strtoull(argv[++i], &end, 0);
			if (*end || !burst || burst % 0x1000 || burst > 0x10000000) {
				fprintf(stderr, "vfio-iommufd: --burst %s: a multiple of 4096 up to 256 MiB\n", argv[i]);
				return 2;
			}
		}
		else if (!strcmp(argv[i], "--scatter"))
			scatter = 1;
		else if (!strcmp(argv[i], "--loop") && i + 1 < argc && atoi(argv[i + 1]) > 0)
			loops = atoi(argv[++i]);
		else
			goto usage;
	}
	if (ndev > 1 && (replace || loops)) {
		fprintf(stderr, "vfio-iommufd: --replace and --loop take one device\n");
		return 2;
	}
	if (mark && !hitless_replace) {
		fprintf(stderr, "vfio-iommufd: --mark goes with --hitless-replace\n");
		return 2;
	}
	at_flags = hitless ? VFIO_DEVICE_ATTACH_HITLESS : 0;
	for (unsigned i = 0; by_addr && i < ndev; i++)
		bind_bdf(bdf[i]);
	iommufd = open("/dev/iommu", O_RDWR);
	if (iommufd < 0)
		die("/dev/iommu");

	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = iommufd };
	struct vfio_device_attach_iommufd_pt at;

	/* every device bound to the one iommufd and attached to the one IOAS
	 * (iommufd gives devices on one SMMU the same HWPT when it can) */
	for (unsigned i = 0; i < ndev; i++) {
		devfds[i] = open_cdev(bdf[i]);
		if (ioctl(devfds[i], VFIO_DEVICE_BIND_IOMMUFD, &bind))
			die("VFIO_DEVICE_BIND_IOMMUFD");
		printf("%s bound to iommufd: dev_id %u\n", bdf[i], bind.out_devid);
		if (!i && ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
			die("IOMMU_IOAS_ALLOC");
		at = (struct vfio_device_attach_iommufd_pt){ .argsz = sizeof(at), .flags = at_flags,
							     .pt_id = alloc.out_ioas_id };
		if (mark && write_file(mark, "vfio-iommufd: hitless attach begin\n"))
			die(mark);
		if (ioctl(devfds[i], VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
			die(hitless ? "VFIO_DEVICE_ATTACH_IOMMUFD_PT (hitless)" : "VFIO_DEVICE_ATTACH_IOMMUFD_PT");
		if (mark && write_file(mark, "vfio-iommufd: hitless attach end\n"))
			die(mark);
		printf("%s attached to IOAS %u (hwpt %u)%s\n", bdf[i], alloc.out_ioas_id, at.pt_id,
		       hitless ? ", hitless" : "");
	}
	devfd = devfds[0];

	buf = mmap(NULL, 0x20000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	ioas_map(iommufd, alloc.out_ioas_id, buf, 0x10000, 0x100000);
	ioas_map(iommufd, alloc.out_ioas_id, (char *)buf + 0x10000, 0x2000, 0x200000);

	struct iommu_ioas_unmap um = { .size = sizeof(um), .ioas_id = alloc.out_ioas_id,
				       .iova = 0x200000, .length = 0x2000 };
	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &um))
		die("IOMMU_IOAS_UNMAP");
	printf("unmapped IOVA 0x200000-0x201fff\n");

	if (burst) {
		/* below the SMMU's software MSI window (IOVA 0x8000000, 1 MiB,
		 * reserved in every domain) when it fits, else above it */
		unsigned long long burst_iova = burst <= 0x7000000 ? 0x1000000 : 0x10000000;
		void *b = scatter_pages(burst, scatter);

		ioas_map(iommufd, alloc.out_ioas_id, b, burst, burst_iova);
		um.iova = burst_iova;
		um.length = burst;
		if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &um))
			die("IOMMU_IOAS_UNMAP (--burst)");
		printf("unmapped IOVA 0x%llx-0x%llx\n", (unsigned long long)burst_iova,
		       (unsigned long long)(burst_iova + burst - 1));
		munmap(b, burst);
	}

	if (replace) {
		struct iommu_hwpt_alloc hw = { .size = sizeof(hw), .dev_id = bind.out_devid,
					       .pt_id = alloc.out_ioas_id,
					       .flags = s2 ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0 };
		uint32_t was = at.pt_id;

		if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &hw))
			die("IOMMU_HWPT_ALLOC");
		printf("hwpt %u%s allocated on IOAS %u\n", hw.out_hwpt_id, s2 ? " (nesting parent: stage 2)" : "",
		       alloc.out_ioas_id);
		at.pt_id = hw.out_hwpt_id;
		if (hitless_replace) {
			int rc, err;

			if (mark && write_file(mark, "vfio-iommufd: hitless replace begin\n"))
				die(mark);
			rc = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
			err = errno;
			if (mark && write_file(mark, "vfio-iommufd: hitless replace end\n"))
				die(mark);
			if (!rc) {
				printf("vfio-iommufd: hitless replace hwpt %u -> %u went through, but breaks the CD\n",
				       was, at.pt_id);
				return 1;
			}
			if (err != EBUSY) {
				errno = err;
				die("VFIO_DEVICE_ATTACH_IOMMUFD_PT (hitless replace): not EBUSY");
			}
			printf("hitless replace hwpt %u -> %u refused (%s), as expected\n", was, at.pt_id,
			       strerror(err));
			at.flags = 0;
		}
		if (ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at)) {
			if (!expect_refusal)
				die("VFIO_DEVICE_ATTACH_IOMMUFD_PT (replace)");
			printf("replace refused (%s), as expected: the device stays on hwpt %u\n",
			       strerror(errno), was);
		} else if (expect_refusal) {
			printf("vfio-iommufd: replace hwpt %u -> %u went through, but was to be refused\n",
			       was, at.pt_id);
			return 1;
		} else {
			printf("replaced: hwpt %u -> %u%s\n", was, at.pt_id,
			       hitless_replace ? " (without the flag)" : "");
		}
	}

	if (then) {
		int st = system(then);

		then_failed = st == -1 || !WIFEXITED(st) || WEXITSTATUS(st);
		printf("ran '%s': status %d\n", then, st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	}

	if (loops)
		loop(iommufd, devfd, alloc.out_ioas_id, buf, loops);

	for (unsigned i = 0; i < ndev; i++) {
		struct vfio_device_detach_iommufd_pt dt = { .argsz = sizeof(dt) };

		if (ioctl(devfds[i], VFIO_DEVICE_DETACH_IOMMUFD_PT, &dt))
			die("VFIO_DEVICE_DETACH_IOMMUFD_PT");
		printf("%s detached\n", bdf[i]);
		close(devfds[i]);
	}
	close(iommufd);
	if (then_failed) {
		printf("vfio-iommufd: '%s' failed\n", then);
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: vfio-iommufd VENDOR:DEVICE|BDF[,BDF...] [--replace | --replace-s2 | --expect-replace-error]\n"
		"                    [--hitless] [--hitless-replace [--mark FILE]]\n"
		"                    [--burst BYTES [--scatter]] [--then CMD] [--loop N]\n");
	return 2;
}
