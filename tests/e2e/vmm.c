// SPDX-License-Identifier: GPL-2.0
/*
 * vmm: a VMM-like workload for the hitless rig.
 *
 * It does what a VMM with a passthrough device does around a live update,
 * minus the vCPUs: guest memory in a memfd, a PCI device (QEMU's `edu`, which
 * does DMA) bound to vfio-pci and opened through its cdev, an iommufd IOAS
 * mapping the guest memory at fixed IOVAs, a HWPT the device is attached to,
 * and DMA into and out of guest memory through the SMMU, checked word by
 * word. Across the kexec the guest memory is carried by the live update
 * orchestrator (LUO): a session holds the memfd (and a small state memfd with
 * the VM's configuration and the physical address of every guest page), and
 * a daemon keeps the session open until the kernel goes away.
 *
 *   vmm prepare [options]   boot 1: set up, DMA, check, preserve, "VM paused",
 *                           leave a daemon holding everything across kexec
 *   vmm resume  [options]   boot 2: retrieve, check memory and its physical
 *                           pages, re-create the IOAS at the same IOVAs,
 *                           re-attach, DMA, check, finish, "VM resumed"
 *   vmm run     [options]   set up, DMA, check, tear down (no live update; with
 *                           --hold the device stays attached in a daemon)
 *   vmm preserve-checks [options]  what preserving the iommufd in a LUO
 *                           session refuses (EXDEV: an IOAS over anonymous
 *                           memory or a memfd outside the session) and that
 *                           it freezes the IOAS (map, unmap, destroy: EBUSY)
 *                           until the session is closed; --hold keeps the
 *                           device attached afterwards, nothing preserved
 *
 * Options:
 *   --device VVVV:DDDD   the PCI device to use (default 1234:11e8, edu)
 *   --bdf DDDD:BB:DD.F   or this one
 *   --iova ADDR          guest memory's first IOVA (default 0x1000000; edu
 *                        DMA addresses are 28 bits)
 *   --size BYTES         guest memory size, a multiple of 2 MiB (default 4M;
 *                        k/K, m/M suffixes)
 *   --pattern SEED       seed of the memory pattern (default 0x686974); resume
 *                        takes it from the preserved state
 *   --session NAME       LUO session name (default hitless-vmm)
 *   --map-file           map with IOMMU_IOAS_MAP_FILE (memfd + offset) instead
 *                        of IOMMU_IOAS_MAP of the process's mapping
 *   --no-thp             do not ask for transparent huge pages (MADV_HUGEPAGE)
 *   --no-daemon          prepare: stay in the foreground (no step returns)
 *   --hold               resume, run: keep the device attached and guest
 *                        memory mapped afterwards, in a daemon (the VM runs on)
 *   --dma-at-kexec       prepare: the daemon starts one more DMA (edu -> guest
 *                        memory, into a page the CPU scribbled over) when the
 *                        guest's init is about to kexec (/run/kexec-notify),
 *                        so that it lands during the switch; resume says
 *                        whether it landed
 *   --type1              run: the VFIO type1 container (/dev/vfio/vfio, the
 *                        device's group, VFIO_SET_IOMMU TYPE1v2,
 *                        VFIO_IOMMU_MAP_DMA) instead of iommufd, as a VMM on
 *                        a kernel without iommufd (Debian's); the teardown
 *                        unmaps (VFIO_IOMMU_UNMAP_DMA) and detaches the group
 *   --change-after-preserve  prepare: once the iommufd is preserved, try to
 *                        attach the device to a new HWPT on the same IOAS and
 *                        to detach it (both refused: EBUSY, checked), then
 *                        close the device, which cannot be refused: its
 *                        translation is no longer the one preserved, and the
 *                        kernel must hand nothing over at kexec
 *   --hitless            the device's attach asks for VFIO_DEVICE_ATTACH_HITLESS
 *                        (the patched kernel's uapi): it fails, changing
 *                        nothing, unless the IOMMU driver changes the
 *                        translation without a break; in resume, the attach
 *                        that replaces the translation handed over
 *   --no-attach          resume: retrieve and check guest memory, then finish
 *                        the session without the device (nobody claims the
 *                        translation handed over)
 *   --stage2             run: attach the device to a nesting-parent HWPT
 *                        (IOMMU_HWPT_ALLOC_NEST_PARENT): on SMMUv3 a stage-2
 *                        domain, the STE's Config S2 with S2TTB and a VMID,
 *                        the IOAS's maps and unmaps stage-2 descriptors
 *   --nested             run: as a VMM with a virtual SMMU: the nesting parent
 *                        as --stage2, a vIOMMU on it (IOMMU_VIOMMU_ALLOC), the
 *                        device's vSID (IOMMU_VDEVICE_ALLOC), and a nested
 *                        HWPT whose vSTE (IOMMU_HWPT_DATA_ARM_SMMUV3) points
 *                        at a CD table in the IOAS, at IPA, as a guest's
 *                        driver lays it out (the CD and its stage-1 tables,
 *                        written here, translate IOVA = IPA); invalidated
 *                        through the vIOMMU (IOMMU_HWPT_INVALIDATE); the DMA
 *                        goes through both stages
 *   --sentinel           prepare, with --dma-at-kexec: a sentinel page (a memfd
 *                        of one page, token 4 in the session, filled with a
 *                        known pattern) whose physical address is also the
 *                        IOVA the DMA at kexec writes to, mapped to the guest
 *                        page it writes: translated, the DMA lands in guest
 *                        memory; aborted, nowhere; let through untranslated
 *                        (IOVA used as PA), on the sentinel, which resume
 *                        checks (needs edu's dma_mask wider than 28 bits)
 *   --dma-before-attach  resume, of a VM prepared with --sentinel: before the
 *                        vfio open (no owner, no driver), have edu write 4 KiB
 *                        to the sentinel's PA as IOVA, through BAR0 and config
 *                        space in sysfs, bus master on: a device that kept
 *                        mastering after the kexec. Whatever domain the kernel
 *                        left the device on must not let it land there (the
 *                        sentinel check follows)
 *   --expect-preserve-error ERRNO  prepare: preserving the iommufd must fail
 *                        with ERRNO (an injected failure); then the IOAS must
 *                        not be frozen (a map succeeds), and vmm exits 0
 *   --stray-dma IOVA     after the checked DMA, have edu write 4 KiB to IOVA,
 *                        which should not be mapped: a seeded fault that the
 *                        SMMU must report (the rig's self-test of its checks)
 *
 * Every marker line has the form
 *   hitless: marker "NAME" boot=N ktime_ns=NS cntvct=TICKS cntfrq=HZ
 * on stdout (or /dev/console once a daemon) and, when tracefs is there, in
 * /sys/kernel/tracing/trace_marker. CNTVCT keeps counting across kexec, so
 * markers of both boots sit on one timeline.
 *
 * Exit status: 0 all checks passed; 1 a check or a system call failed (the
 * message says which, with errno); 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/liveupdate.h>
#include <linux/vfio.h>

/* The series' uapi (kernel/patches: vfio); the stock 7.3 headers lack it */
#ifndef VFIO_DEVICE_ATTACH_HITLESS
#define VFIO_DEVICE_ATTACH_HITLESS (1 << 1)
#endif
#include "counter.h"

#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE 14
#endif

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

/* edu's BAR0 (QEMU hw/misc/edu.c, docs/specs/edu.rst) */
#define EDU_IDENT	0x00
#define EDU_LIVENESS	0x04
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2	/* direction: edu's buffer -> RAM */
#define EDU_BUF		0x40000ull
#define EDU_BUF_SIZE	4096ull

#define TOKEN_RAM	1
#define TOKEN_STATE	2
#define TOKEN_IOMMUFD	3
#define TOKEN_SENTINEL	4
#define STATE_MAGIC	"HITVMM01"

/* What boot 1 leaves for boot 2, in the preserved state memfd. */
struct vmm_state {
	char magic[8];
	uint32_t version;
	uint32_t boot;			/* the boot that wrote it */
	uint64_t size;			/* guest memory bytes */
	uint64_t iova;			/* its first IOVA */
	uint64_t seed;			/* memory pattern */
	uint32_t map_file;
	uint32_t thp;
	char bdf[32];
	uint64_t cntfrq;
	uint64_t last_dma_cntvct;	/* the device's last checked DMA */
	uint64_t paused_cntvct;
	uint64_t paused_ktime_ns;
	uint64_t npages;		/* PFNs follow at STATE_PFN_OFF */
	uint64_t nr_thp_pages;		/* pages in 2 MiB transparent huge pages */
	uint64_t kexec_dma_cntvct;	/* --dma-at-kexec: when it was started */
	uint64_t kexec_dma_off;		/* and the guest memory page it writes */
	uint64_t kexec_dma_iova;	/* at this IOVA */
	uint64_t sentinel_pa;		/* --sentinel: its page's PA (0: none) */
};
#define STATE_PFN_OFF	4096

static struct {
	const char *cmd;
	unsigned int vendor, device;
	char bdf[32];
	uint64_t iova, size, seed;
	const char *session;
	uint64_t stray_iova;
	bool map_file, thp, daemon, hold, dma_at_kexec, type1, change_after_preserve, no_attach;
	bool hitless, stage2, nested, sentinel, dma_before_attach;
	int expect_preserve_error;
	int boot;
} opt = {
	.vendor = EDU_VENDOR, .device = EDU_DEVICE,
	.iova = 0x1000000, .size = 4 * 1024 * 1024, .seed = 0x686974,
	.session = "hitless-vmm", .thp = true, .daemon = true, .boot = 1,
};

/* Where messages go: the step's stdout, then /dev/console once a daemon. */
static FILE *out;

static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmm: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
	va_end(ap);
}

static void __attribute__((noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vmm: error: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	fflush(out);
	va_end(ap);
	exit(1);
}

#define die_errno(fmt, ...) \
	die(fmt ": %s (errno %d)", ##__VA_ARGS__, strerror(errno), errno)

/* A milestone: stdout (or the console) and the trace buffer. */
static void marker(const char *name, uint64_t *cnt_out, uint64_t *kt_out)
{
	uint64_t kt = hl_ktime_ns(), c = hl_cntvct();
	char line[256];
	int fd, n;

	n = snprintf(line, sizeof(line),
		     "hitless: marker \"%s\" boot=%d ktime_ns=%" PRIu64 " cntvct=%" PRIu64
		     " cntfrq=%" PRIu64, name, opt.boot, kt, c, hl_cntfrq());
	fprintf(out, "%s\n", line);
	fflush(out);
	fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, line, n) < 0)
			msg("trace_marker: %s", strerror(errno));
		close(fd);
	}
	if (cnt_out)
		*cnt_out = c;
	if (kt_out)
		*kt_out = kt;
}

static double ticks_ms(uint64_t from, uint64_t to)
{
	uint64_t f = hl_cntfrq();

	return f ? (double)(int64_t)(to - from) * 1000.0 / (double)f : 0.0;
}

/* ---- small file helpers ---- */

/* Copy a string, cut to size. */
static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("open %s", path);
	if (write(fd, val, strlen(val)) < 0)
		die_errno("write '%s' to %s", val, path);
	close(fd);
}

static unsigned int sysfs_hex(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, buf, sizeof(buf)))
		return ~0u;
	return (unsigned int)strtoul(buf, NULL, 16);
}

/* ---- guest memory and its pattern ---- */

static uint64_t pat(uint64_t off)
{
	uint64_t z = opt.seed + off * 0x9e3779b97f4a7c15ull;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * The DMA plan: one 4 KiB copy per MiB of guest memory (at least one), from
 * the start of each MiB to its middle, RAM -> edu -> RAM. Both boots do the
 * same copies, so boot 2 knows what memory must hold when it gets it back.
 */
static unsigned int nr_copies(void)
{
	uint64_t n = opt.size / (1024 * 1024);

	return n ? (unsigned int)n : 1;
}

static uint64_t copy_src(unsigned int i)
{
	return i * (opt.size / nr_copies());
}

static uint64_t copy_dst(unsigned int i)
{
	return copy_src(i) + opt.size / nr_copies() / 2;
}

/* What the word at off holds once the copies are done. */
static uint64_t expected(uint64_t off)
{
	for (unsigned int i = 0; i < nr_copies(); i++)
		if (off >= copy_dst(i) && off < copy_dst(i) + EDU_BUF_SIZE)
			return pat(copy_src(i) + off - copy_dst(i));
	return pat(off);
}

static void fill_pattern(uint64_t *ram)
{
	for (uint64_t off = 0; off < opt.size; off += 8)
		ram[off / 8] = pat(off);
}

/* 0 when all of guest memory holds what the plan says; prints the first misses. */
static int check_memory(const uint64_t *ram, const char *when)
{
	uint64_t bad = 0;

	for (uint64_t off = 0; off < opt.size; off += 8) {
		uint64_t want = expected(off);

		if (ram[off / 8] == want)
			continue;
		if (bad++ < 4)
			msg("%s: guest memory at offset %#" PRIx64 " (IOVA %#" PRIx64 ") holds %#018"
			    PRIx64 ", expected %#018" PRIx64, when, off, opt.iova + off,
			    ram[off / 8], want);
	}
	if (bad) {
		msg("%s: %" PRIu64 " of %" PRIu64 " words differ", when, bad, opt.size / 8);
		return -1;
	}
	msg("%s: all %" PRIu64 " KiB of guest memory hold the expected pattern", when,
	    opt.size / 1024);
	return 0;
}

/* A mapping of the memfd at a 2 MiB aligned address (PMD-mappable THP). */
static uint64_t *map_ram(int fd, uint64_t size)
{
	void *area, *p;
	uintptr_t a;

	area = mmap(NULL, size + SZ_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die_errno("mmap %" PRIu64 " bytes of address space", size + SZ_2M);
	a = ((uintptr_t)area + SZ_2M - 1) & ~(uintptr_t)(SZ_2M - 1);
	p = mmap((void *)a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die_errno("mmap the guest memory memfd");
	if (a > (uintptr_t)area)
		munmap(area, a - (uintptr_t)area);
	munmap((void *)(a + size), (uintptr_t)area + size + SZ_2M - (a + size));
	if (opt.thp && madvise(p, size, MADV_HUGEPAGE))
		msg("madvise(MADV_HUGEPAGE) on guest memory: %s (errno %d): 4 KiB pages only",
		    strerror(errno), errno);
	return p;
}

/*
 * The physical frame of every guest page (/proc/self/pagemap) and how many
 * are in transparent huge pages (/proc/kpageflags). pfns may be NULL.
 */
#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_THP		22

static uint64_t page_frames(const uint64_t *ram, uint64_t *pfns, uint64_t *nr_thp,
			    uint64_t *nr_2m_runs, uint64_t *nr_large)
{
	uint64_t npages = opt.size / SZ_4K, present = 0;
	int pm, kf;

	*nr_thp = 0;
	*nr_2m_runs = 0;
	*nr_large = 0;
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		msg("open /proc/self/pagemap: %s: physical pages not recorded", strerror(errno));
		return 0;
	}
	kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t e = 0, flags = 0, va = (uintptr_t)ram + i * SZ_4K, pfn;

		if (pread(pm, &e, 8, (off_t)(va / SZ_4K * 8)) != 8)
			die_errno("read /proc/self/pagemap");
		pfn = (e & PM_PRESENT) ? (e & PM_PFN_MASK) : 0;
		if (pfns)
			pfns[i] = pfn;
		if (!pfn)
			continue;
		present++;
		if (kf < 0 || pread(kf, &flags, 8, (off_t)(pfn * 8)) != 8)
			continue;
		*nr_thp += !!(flags & (1ull << KPF_THP));
		*nr_large += !!(flags & (1ull << KPF_COMPOUND_HEAD | 1ull << KPF_COMPOUND_TAIL));
	}
	/* 2 MiB runs: physically contiguous and 2 MiB aligned, as IOVA is. */
	if (pfns && !(opt.iova % SZ_2M)) {
		for (uint64_t i = 0; i + 512 <= npages; i += 512) {
			bool run = pfns[i] && !(pfns[i] % 512);

			for (uint64_t j = 1; run && j < 512; j++)
				run = pfns[i + j] == pfns[i] + j;
			*nr_2m_runs += run;
		}
	}
	close(pm);
	if (kf >= 0)
		close(kf);
	return present;
}

static void report_pages(const uint64_t *ram, uint64_t *pfns, struct vmm_state *st,
			 const char *when)
{
	uint64_t thp, runs, present, large, *own = NULL;

	if (!pfns) {
		own = calloc(opt.size / SZ_4K, 8);
		if (!own)
			die("out of memory");
		pfns = own;
	}
	present = page_frames(ram, pfns, &thp, &runs, &large);
	if (present)
		msg("%s: %" PRIu64 " of %" PRIu64 " guest pages present, IOVA %#" PRIx64
		    " -> PA %#" PRIx64 ", %" PRIu64 " pages in large folios (%" PRIu64 " in THPs),"
		    " %" PRIu64 " of %" PRIu64 " 2 MiB IOVA blocks physically contiguous and aligned"
		    " (candidates for 2 MiB SMMU block mappings)", when, present, opt.size / SZ_4K,
		    opt.iova, pfns[0] * SZ_4K, large, thp, runs, opt.size / SZ_2M);
	if (st)
		st->nr_thp_pages = thp;
	free(own);
}

/* ---- the PCI device, vfio-pci and its cdev ---- */

static void find_device(void)
{
	DIR *d;
	struct dirent *e;

	if (opt.bdf[0])
		return;
	d = opendir("/sys/bus/pci/devices");
	if (!d)
		die_errno("opendir /sys/bus/pci/devices");
	while ((e = readdir(d))) {
		char dir[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", e->d_name);
		if (sysfs_hex(dir, "vendor") == opt.vendor && sysfs_hex(dir, "device") == opt.device) {
			scopy(opt.bdf, sizeof(opt.bdf), e->d_name);
			break;
		}
	}
	closedir(d);
	if (!opt.bdf[0])
		die("no PCI device %04x:%04x in /sys/bus/pci/devices", opt.vendor, opt.device);
}

static void driver_of(char *buf, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", opt.bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		buf[0] = '\0';
		return;
	}
	link[n] = '\0';
	scopy(buf, size, strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
}

/* Bind the device to vfio-pci (driver_override + drivers_probe). */
static void bind_vfio_pci(void)
{
	char path[PATH_MAX], drv[64], group[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", opt.bdf);
	n = readlink(path, group, sizeof(group) - 1);
	if (n < 0)
		die_errno("%s: not in an IOMMU group (readlink %s)", opt.bdf, path);
	group[n] = '\0';

	driver_of(drv, sizeof(drv));
	if (!strcmp(drv, "vfio-pci")) {
		msg("%s: already bound to vfio-pci", opt.bdf);
		return;
	}
	if (drv[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", opt.bdf);
		write_file(path, opt.bdf);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", opt.bdf);
	write_file(path, "vfio-pci");
	write_file("/sys/bus/pci/drivers_probe", opt.bdf);
	driver_of(drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci"))
		die("%s: still not bound to vfio-pci after drivers_probe (driver: %s)", opt.bdf,
		    drv[0] ? drv : "none");
	msg("%s: bound to vfio-pci (driver_override, drivers_probe), IOMMU group %s", opt.bdf,
	    strrchr(group, '/') ? strrchr(group, '/') + 1 : group);
}

/* /dev/vfio/devices/vfioN of the device (waits for devtmpfs a little). */
static int open_vfio_cdev(char *name, size_t size)
{
	char dir[PATH_MAX], node[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", opt.bdf);
	d = opendir(dir);
	if (!d)
		die_errno("opendir %s (no vfio device cdev: CONFIG_VFIO_DEVICE_CDEV?)", dir);
	name[0] = '\0';
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vfio", 4))
			scopy(name, size, e->d_name);
	closedir(d);
	if (!name[0])
		die("%s is empty: no vfio device cdev", dir);
	snprintf(node, sizeof(node), "/dev/vfio/devices/%s", name);
	for (int i = 0; i < 100; i++) {
		fd = open(node, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (fd < 0)
		die_errno("open %s", node);
	return fd;
}

/* ---- iommufd and the device's attachment ---- */

struct vm_dev {
	int iommufd, devfd;
	int container, group;		/* --type1 */
	uint32_t devid, ioas, hwpt;
	uint32_t s2_hwpt, viommu, vdev;	/* --stage2, --nested */
	volatile uint8_t *bar0;
	uint64_t bar0_size;
	uint64_t cfg_off;
	char cdev[32];
};

/*
 * --nested: what a guest's SMMUv3 driver would put in guest memory, written
 * by the VMM itself: a linear CD table of one CD (at IPA `ctx`, the first
 * 4 KiB of a separate area mapped in the IOAS after guest memory) and the
 * stage-1 tables it points at (4 KiB granule, T0SZ 25: levels 1-2, 2 MiB
 * blocks), translating guest memory's IOVAs to the same IPAs, which the
 * nesting parent (stage 2) translates to the memfd's pages.  The SMMU reads
 * all of it through stage 2.
 */
#define NESTED_ASID	1
#define NESTED_VSID	8	/* the vSID the "guest" knows the device by */
#define CTX_SIZE	(4 * SZ_4K)

static uint64_t *nested_ctx_build(uint64_t ctx)
{
	uint64_t *area, *cd, *l1, *l2;

	area = mmap(NULL, CTX_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_POPULATE, -1, 0);
	if (area == MAP_FAILED)
		die_errno("mmap the guest's CD and stage-1 tables");
	memset(area, 0, CTX_SIZE);
	cd = area;
	l1 = area + SZ_4K / 8;
	l2 = area + 2 * SZ_4K / 8;
	/* IHI 0070 5.4: T0SZ 25, TG0 4K, IRGN0/ORGN0 WBWA, SH0 inner, EPD1, V, IPS 44 bits, AA64, R, A, ASET, ASID */
	cd[0] = 25ull | 1ull << 8 | 1ull << 10 | 3ull << 12 | 1ull << 30 | 1ull << 31 |
		4ull << 32 | 1ull << 41 | 1ull << 45 | 1ull << 46 | 1ull << 47 |
		(uint64_t)NESTED_ASID << 48;
	cd[1] = ctx + SZ_4K;			/* TTB0: the level-1 table's IPA */
	cd[3] = 0x04ff44;			/* MAIR: NC, WBWA, device (as Linux's) */
	l1[0] = (ctx + 2 * SZ_4K) | 3;		/* VA[38:30] 0 -> the level-2 table */
	for (uint64_t va = opt.iova & ~(SZ_2M - 1); va < opt.iova + opt.size; va += SZ_2M)
		/* block: OA = IPA = VA, AF, inner shareable, AP[1] (unprivileged), nG, AttrIndx 1 */
		l2[(va >> 21) & 511] = va | 1ull << 11 | 1ull << 10 | 3ull << 8 | 1ull << 6 |
				       1ull << 2 | 1;
	__sync_synchronize();
	return area;
}

static void nested_attach_prepare(struct vm_dev *v)
{
	uint64_t ctx = opt.iova + opt.size, *area = nested_ctx_build(ctx);
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = v->ioas, .user_va = (uintptr_t)area, .length = CTX_SIZE, .iova = ctx,
	};
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = v->devid,
		.hwpt_id = v->s2_hwpt,
	};
	struct iommu_vdevice_alloc vd = {
		.size = sizeof(vd), .dev_id = v->devid, .virt_id = NESTED_VSID,
	};
	/* vSTE: V, Config S1 translate, S1Fmt linear, S1ContextPtr (IPA), S1CDMax 0; S1CIR/COR WBRA, S1CSH inner */
	struct iommu_hwpt_arm_smmuv3 vste = {
		.ste = { 1ull | 5ull << 1 | (ctx & 0x000fffffffffffc0ull),
			 1ull << 2 | 1ull << 4 | 3ull << 6 },
	};
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt), .dev_id = v->devid, .data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(vste), .data_uptr = (uintptr_t)&vste,
	};

	if (ioctl(v->iommufd, IOMMU_IOAS_MAP, &map))
		die_errno("ioctl IOMMU_IOAS_MAP (the guest's CD and stage-1 tables at IPA %#" PRIx64 ")",
			  ctx);
	if (ioctl(v->iommufd, IOMMU_VIOMMU_ALLOC, &va)) {
		if (errno == EOPNOTSUPP)
			die_errno("ioctl IOMMU_VIOMMU_ALLOC (ARM_SMMUV3 on nesting parent HWPT %u):"
				  " the SMMU driver offers no vIOMMU here (Linux 7.3 needs the SMMU's"
				  " S2FWB, SMMU_IDR3.FWB, or the root complex's IORT CANWBS flag, so"
				  " that the guest cannot make DMA non-coherent)", v->s2_hwpt);
		die_errno("ioctl IOMMU_VIOMMU_ALLOC (ARM_SMMUV3 on nesting parent HWPT %u)",
			  v->s2_hwpt);
	}
	v->viommu = va.out_viommu_id;
	vd.viommu_id = v->viommu;
	if (ioctl(v->iommufd, IOMMU_VDEVICE_ALLOC, &vd))
		die_errno("ioctl IOMMU_VDEVICE_ALLOC (vIOMMU %u, vSID %u)", v->viommu, NESTED_VSID);
	v->vdev = vd.out_vdevice_id;
	hwpt.pt_id = v->viommu;
	if (ioctl(v->iommufd, IOMMU_HWPT_ALLOC, &hwpt))
		die_errno("ioctl IOMMU_HWPT_ALLOC (nested on vIOMMU %u, vSTE %#llx %#llx)", v->viommu,
			  (unsigned long long)vste.ste[0], (unsigned long long)vste.ste[1]);
	v->hwpt = hwpt.out_hwpt_id;
	msg("%s: nesting parent HWPT %u (stage 2), vIOMMU %u, vDEVICE %u (vSID %u), nested HWPT %u:"
	    " vSTE S1ContextPtr IPA %#" PRIx64 " (a CD of ASID %u, stage-1 tables at IPA %#" PRIx64
	    ")", opt.bdf, v->s2_hwpt, v->viommu, v->vdev, NESTED_VSID, v->hwpt, ctx, NESTED_ASID,
	    ctx + SZ_4K);
}

/* What a guest's driver does after installing its CD: CFGI_CD_ALL (vSID), TLBI_NH_ASID, through the vIOMMU. */
static void nested_invalidate(struct vm_dev *v)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmds[2] = {
		{ .cmd = { 0x06ull | (uint64_t)NESTED_VSID << 32, 0 } },	/* CMD_CFGI_CD_ALL */
		{ .cmd = { 0x11ull | (uint64_t)NESTED_ASID << 48, 0 } },	/* CMD_TLBI_NH_ASID */
	};
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv), .hwpt_id = v->viommu, .data_uptr = (uintptr_t)cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3, .entry_len = sizeof(cmds[0]),
		.entry_num = 2,
	};

	if (ioctl(v->iommufd, IOMMU_HWPT_INVALIDATE, &inv))
		die_errno("ioctl IOMMU_HWPT_INVALIDATE (vIOMMU %u: CFGI_CD_ALL, TLBI_NH_ASID; %u done)",
			  v->viommu, inv.entry_num);
	msg("vIOMMU %u: CMD_CFGI_CD_ALL (vSID %u) and CMD_TLBI_NH_ASID (ASID %u) issued",
	    v->viommu, NESTED_VSID, NESTED_ASID);
}

static void iommufd_attach(struct vm_dev *v, int memfd, uint64_t *ram)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .flags = 0 };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	struct vfio_device_attach_iommufd_pt att = { .argsz = sizeof(att) };
	struct iommu_iova_range ranges[16];
	struct iommu_ioas_iova_ranges rq = { .size = sizeof(rq) };
	uint64_t t0 = hl_ktime_ns();

	v->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (v->iommufd < 0)
		die_errno("open /dev/iommu");
	v->devfd = open_vfio_cdev(v->cdev, sizeof(v->cdev));

	bind.iommufd = v->iommufd;
	if (ioctl(v->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die_errno("ioctl VFIO_DEVICE_BIND_IOMMUFD (%s to /dev/iommu)", v->cdev);
	v->devid = bind.out_devid;

	if (ioctl(v->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		die_errno("ioctl IOMMU_IOAS_ALLOC");
	v->ioas = ioas.out_ioas_id;

	if (opt.map_file) {
		struct iommu_ioas_map_file map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = v->ioas, .fd = memfd, .start = 0,
			.length = opt.size, .iova = opt.iova,
		};

		if (ioctl(v->iommufd, IOMMU_IOAS_MAP_FILE, &map))
			die_errno("ioctl IOMMU_IOAS_MAP_FILE (ioas %u, memfd, length %#" PRIx64
				  ", iova %#" PRIx64 ")", v->ioas, opt.size, opt.iova);
	} else {
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = v->ioas, .user_va = (uintptr_t)ram,
			.length = opt.size, .iova = opt.iova,
		};

		if (ioctl(v->iommufd, IOMMU_IOAS_MAP, &map))
			die_errno("ioctl IOMMU_IOAS_MAP (ioas %u, va %p, length %#" PRIx64
				  ", iova %#" PRIx64 ")", v->ioas, (void *)ram, opt.size, opt.iova);
	}

	hwpt.dev_id = v->devid;
	hwpt.pt_id = v->ioas;
	hwpt.data_type = IOMMU_HWPT_DATA_NONE;
	/* --stage2, --nested: a nesting parent, which SMMUv3 makes a stage-2 domain */
	hwpt.flags = opt.stage2 || opt.nested ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0;
	if (ioctl(v->iommufd, IOMMU_HWPT_ALLOC, &hwpt))
		die_errno("ioctl IOMMU_HWPT_ALLOC (dev %u, ioas %u%s)", v->devid, v->ioas,
			  hwpt.flags ? ", IOMMU_HWPT_ALLOC_NEST_PARENT" : "");
	v->hwpt = v->s2_hwpt = hwpt.out_hwpt_id;
	if (opt.nested)
		nested_attach_prepare(v);

	att.pt_id = v->hwpt;
	att.flags = opt.hitless ? VFIO_DEVICE_ATTACH_HITLESS : 0;
	if (ioctl(v->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att))
		die_errno("ioctl VFIO_DEVICE_ATTACH_IOMMUFD_PT (%s to hwpt %u%s)", v->cdev, v->hwpt,
			  opt.hitless ? ", hitless" : "");
	if (opt.hitless)
		msg("%s: HWPT %u attached with VFIO_DEVICE_ATTACH_HITLESS: the IOMMU driver "
		    "changed the translation without a break", opt.bdf, v->hwpt);
	if (opt.nested)
		nested_invalidate(v);

	msg("%s: %s bound to iommufd (dev_id %u); IOAS %u maps %" PRIu64
	    " KiB of guest memory at IOVA %#" PRIx64 "-%#" PRIx64 " (%s); HWPT %u attached%s"
	    " (%.1f ms)", opt.bdf, v->cdev, v->devid, v->ioas, opt.size / 1024, opt.iova,
	    opt.iova + opt.size - 1, opt.map_file ? "IOMMU_IOAS_MAP_FILE" : "IOMMU_IOAS_MAP",
	    v->hwpt, opt.nested ? " (nested: stage 1 the guest's, stage 2 the IOAS's)" :
	    opt.stage2 ? " (nesting parent: stage 2)" : "", (hl_ktime_ns() - t0) / 1e6);

	/* Which IOVAs the attachment left usable (reserved regions are out). */
	rq.ioas_id = v->ioas;
	rq.num_iovas = 16;
	rq.allowed_iovas = (uintptr_t)ranges;
	if (!ioctl(v->iommufd, IOMMU_IOAS_IOVA_RANGES, &rq)) {
		char buf[512];
		size_t len = 0;

		for (unsigned int i = 0; i < rq.num_iovas && i < 16; i++)
			len += snprintf(buf + len, sizeof(buf) - len, " %#llx-%#llx",
					(unsigned long long)ranges[i].start,
					(unsigned long long)ranges[i].last);
		msg("IOAS %u usable IOVA ranges:%s", v->ioas, buf);
	}
}

/*
 * --type1: the VFIO container, as a VMM does on a kernel without iommufd
 * (Debian's): /dev/vfio/vfio, the device's group /dev/vfio/N added to it,
 * VFIO_SET_IOMMU with the type1v2 backend (which attaches the group to a new
 * IOMMU domain), guest memory mapped with VFIO_IOMMU_MAP_DMA at the IOVA, and
 * the device's fd from the group.
 */
static void type1_attach(struct vm_dev *v, uint64_t *ram)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)ram, .iova = opt.iova, .size = opt.size,
	};
	char path[PATH_MAX], link[PATH_MAX], g[16];
	uint64_t t0 = hl_ktime_ns();
	ssize_t n;
	int api;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", opt.bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		die_errno("readlink %s", path);
	link[n] = '\0';
	scopy(g, sizeof(g), strrchr(link, '/') ? strrchr(link, '/') + 1 : link);

	v->iommufd = -1;
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0)
		die_errno("open /dev/vfio/vfio (the VFIO container: vfio loaded, CONFIG_VFIO_CONTAINER?)");
	api = ioctl(v->container, VFIO_GET_API_VERSION);
	if (api != VFIO_API_VERSION)
		die("VFIO_GET_API_VERSION says %d, not %d", api, VFIO_API_VERSION);
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		die("the VFIO container has no type1v2 IOMMU backend (vfio_iommu_type1 not loaded?)");

	snprintf(path, sizeof(path), "/dev/vfio/%s", g);
	for (int i = 0; i < 100; i++) {
		v->group = open(path, O_RDWR | O_CLOEXEC);
		if (v->group >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (v->group < 0)
		die_errno("open %s (the device's VFIO group)", path);
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs))
		die_errno("ioctl VFIO_GROUP_GET_STATUS (%s)", path);
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("VFIO group %s is not viable (another device of the group has a host driver)", g);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		die_errno("ioctl VFIO_GROUP_SET_CONTAINER (group %s)", g);
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die_errno("ioctl VFIO_SET_IOMMU (VFIO_TYPE1v2_IOMMU)");
	if (ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map))
		die_errno("ioctl VFIO_IOMMU_MAP_DMA (va %p, length %#" PRIx64 ", iova %#" PRIx64 ")",
			  (void *)ram, opt.size, opt.iova);
	v->devfd = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, opt.bdf);
	if (v->devfd < 0)
		die_errno("ioctl VFIO_GROUP_GET_DEVICE_FD (%s)", opt.bdf);
	snprintf(v->cdev, sizeof(v->cdev), "group %s", g);
	msg("%s: VFIO group %s in a type1v2 container; %" PRIu64 " KiB of guest memory mapped at"
	    " IOVA %#" PRIx64 "-%#" PRIx64 " (VFIO_IOMMU_MAP_DMA); device fd from the group"
	    " (%.1f ms)", opt.bdf, g, opt.size / 1024, opt.iova, opt.iova + opt.size - 1,
	    (hl_ktime_ns() - t0) / 1e6);
}

/* A VMM's teardown: unmap guest memory, close the device, detach the group. */
static void vm_detach(struct vm_dev *v)
{
	if (!opt.type1) {
		close(v->devfd);
		close(v->iommufd);
		return;
	}
	{
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .iova = opt.iova, .size = opt.size,
		};

		if (ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
			die_errno("ioctl VFIO_IOMMU_UNMAP_DMA (iova %#" PRIx64 ", length %#" PRIx64 ")",
				  opt.iova, opt.size);
		if (unmap.size != opt.size)
			die("VFIO_IOMMU_UNMAP_DMA unmapped %#llx bytes, not %#" PRIx64,
			    (unsigned long long)unmap.size, opt.size);
	}
	munmap((void *)v->bar0, v->bar0_size);
	close(v->devfd);
	if (ioctl(v->group, VFIO_GROUP_UNSET_CONTAINER))
		die_errno("ioctl VFIO_GROUP_UNSET_CONTAINER");
	close(v->group);
	close(v->container);
	msg("%s: guest memory unmapped (VFIO_IOMMU_UNMAP_DMA), group detached from the container",
	    opt.bdf);
}

static void vfio_open_bar0(struct vm_dev *v)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;
	void *p;

	if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, &bar))
		die_errno("ioctl VFIO_DEVICE_GET_REGION_INFO (BAR0)");
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < EDU_BUF)
		die("BAR0 of %s: size %#llx flags %#x: not an mmap-able edu BAR", opt.bdf,
		    (unsigned long long)bar.size, bar.flags);
	p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, v->devfd, bar.offset);
	if (p == MAP_FAILED)
		die_errno("mmap BAR0 of %s (%#llx bytes)", opt.bdf, (unsigned long long)bar.size);
	v->bar0 = p;
	v->bar0_size = bar.size;

	if (ioctl(v->devfd, VFIO_DEVICE_GET_REGION_INFO, &cfg))
		die_errno("ioctl VFIO_DEVICE_GET_REGION_INFO (config space)");
	v->cfg_off = cfg.offset;
	if (pread(v->devfd, &cmd, 2, cfg.offset + 4) != 2)
		die_errno("read PCI_COMMAND of %s through vfio", opt.bdf);
	cmd |= 0x2 | 0x4;	/* memory space, bus master */
	if (pwrite(v->devfd, &cmd, 2, cfg.offset + 4) != 2)
		die_errno("write PCI_COMMAND (bus master) of %s through vfio", opt.bdf);
}

static uint32_t rd32(struct vm_dev *v, uint64_t off)
{
	return *(volatile uint32_t *)(v->bar0 + off);
}

static void wr32(struct vm_dev *v, uint64_t off, uint32_t val)
{
	*(volatile uint32_t *)(v->bar0 + off) = val;
}

static uint64_t rd64(struct vm_dev *v, uint64_t off)
{
	return *(volatile uint64_t *)(v->bar0 + off);
}

static void wr64(struct vm_dev *v, uint64_t off, uint64_t val)
{
	*(volatile uint64_t *)(v->bar0 + off) = val;
}

static void edu_check(struct vm_dev *v)
{
	uint32_t id = rd32(v, EDU_IDENT);

	if ((id & 0xff) != 0xed)
		die("%s: BAR0 identification register reads %#x, not an edu (0x..ed)", opt.bdf, id);
	wr32(v, EDU_LIVENESS, 0x12345678);
	if (rd32(v, EDU_LIVENESS) != ~0x12345678u)
		die("%s: edu liveness check failed (wrote 0x12345678, read %#x)", opt.bdf,
		    rd32(v, EDU_LIVENESS));
	msg("%s: edu version %u.%u, liveness check passed", opt.bdf, id >> 24, (id >> 16) & 0xff);
}

/* One edu DMA; returns when the device says it is done (or dies after 10 s). */
static void edu_dma(struct vm_dev *v, uint64_t src, uint64_t dst, uint64_t count, uint32_t cmd)
{
	uint64_t deadline = hl_ktime_ns() + 10000000000ull;

	wr64(v, EDU_DMA_SRC, src);
	wr64(v, EDU_DMA_DST, dst);
	wr64(v, EDU_DMA_COUNT, count);
	wr64(v, EDU_DMA_CMD, cmd | EDU_DMA_RUN);
	while (rd64(v, EDU_DMA_CMD) & EDU_DMA_RUN) {
		if (hl_ktime_ns() > deadline)
			die("edu DMA %#" PRIx64 " -> %#" PRIx64 " (%" PRIu64 " bytes) did not finish in 10 s",
			    src, dst, count);
		usleep(1000);
	}
}

/*
 * The plan's copies: guest memory (IOVA) -> edu's buffer -> guest memory,
 * with the destination scribbled over by the CPU first so that only the
 * device's writes can make it right. Returns 0 when every copy checks.
 */
static int dma_round(struct vm_dev *v, uint64_t *ram, const char *when, uint64_t *first_ok,
		     uint64_t *last_ok)
{
	int bad = 0;

	for (unsigned int i = 0; i < nr_copies(); i++) {
		uint64_t s = copy_src(i), d = copy_dst(i), miss = 0;

		for (uint64_t off = 0; off < EDU_BUF_SIZE; off += 8)
			ram[(d + off) / 8] = ~pat(s + off) ^ 0x5a5a5a5a5a5a5a5aull;
		__sync_synchronize();
		edu_dma(v, opt.iova + s, EDU_BUF, EDU_BUF_SIZE, 0);
		edu_dma(v, EDU_BUF, opt.iova + d, EDU_BUF_SIZE, EDU_DMA_TO_RAM);
		__sync_synchronize();
		for (uint64_t off = 0; off < EDU_BUF_SIZE; off += 8)
			miss += ram[(d + off) / 8] != pat(s + off);
		if (miss) {
			msg("%s: DMA copy %u: IOVA %#" PRIx64 " -> edu -> IOVA %#" PRIx64
			    ": %" PRIu64 " of 512 words wrong (first word %#018" PRIx64
			    ", expected %#018" PRIx64 ")", when, i, opt.iova + s, opt.iova + d, miss,
			    ram[d / 8], pat(s));
			bad++;
			continue;
		}
		if (first_ok && !*first_ok)
			*first_ok = hl_cntvct();
		if (last_ok)
			*last_ok = hl_cntvct();
	}
	if (bad) {
		msg("%s: %d of %u DMA copies through the SMMU failed", when, bad, nr_copies());
		return -1;
	}
	msg("%s: %u DMA copies of 4 KiB (RAM -> edu -> RAM) through the SMMU checked", when,
	    nr_copies());
	return 0;
}

/* A seeded fault: edu writes to an IOVA that should not be mapped. */
static void stray_dma(struct vm_dev *v)
{
	if (!opt.stray_iova)
		return;
	if (opt.stray_iova < opt.iova + opt.size && opt.stray_iova + EDU_BUF_SIZE > opt.iova)
		die("--stray-dma %#" PRIx64 " falls in guest memory (IOVA %#" PRIx64 "-%#" PRIx64 ")",
		    opt.stray_iova, opt.iova, opt.iova + opt.size - 1);
	edu_dma(v, EDU_BUF, opt.stray_iova, EDU_BUF_SIZE, EDU_DMA_TO_RAM);
	usleep(200000);	/* time for the SMMU's event to reach the log */
	msg("stray DMA: edu wrote 4 KiB to unmapped IOVA %#" PRIx64 " (a seeded fault: the SMMU"
	    " should have recorded a translation fault)", opt.stray_iova);
}

/* ---- LUO ---- */

static int luo_open(void)
{
	int fd = open("/dev/liveupdate", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("open /dev/liveupdate (liveupdate=on? only one opener at a time)");
	return fd;
}

static void luo_preserve(int session, int fd, uint64_t token, const char *what)
{
	struct liveupdate_session_preserve_fd a = { .size = sizeof(a), .fd = fd, .token = token };

	if (ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &a))
		die_errno("ioctl LIVEUPDATE_SESSION_PRESERVE_FD (%s, token %" PRIu64 ")", what, token);
}

/*
 * Preserve the iommufd next to the memfds: the kernel freezes the HWPT the
 * device is attached to and its IOAS, and the IOMMU driver hands the device's
 * translation over to the next kernel at kexec. A kernel without an iommufd
 * LUO handler (stock 7.3) says ENOENT: the device's DMA stops at kexec.
 */
static void luo_preserve_iommufd(int session, struct vm_dev *v)
{
	struct liveupdate_session_preserve_fd a = {
		.size = sizeof(a), .fd = v->iommufd, .token = TOKEN_IOMMUFD,
	};
	int rc = ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &a);

	if (opt.expect_preserve_error) {
		if (!rc)
			die("ioctl LIVEUPDATE_SESSION_PRESERVE_FD (iommufd, token %d) succeeded;"
			    " expected %s", TOKEN_IOMMUFD, strerror(opt.expect_preserve_error));
		if (errno != opt.expect_preserve_error)
			die_errno("ioctl LIVEUPDATE_SESSION_PRESERVE_FD (iommufd, token %d): expected %s,"
				  " got", TOKEN_IOMMUFD, strerror(opt.expect_preserve_error));
		msg("iommufd preserve refused as expected: %s", strerror(errno));
		return;
	}
	if (!rc) {
		msg("iommufd preserved (token %d): HWPT %u and IOAS %u frozen, %s's translation"
		    " is handed over at kexec", TOKEN_IOMMUFD, v->hwpt, v->ioas, opt.bdf);
		return;
	}
	if (errno == ENOENT) {
		msg("this kernel cannot preserve an iommufd (LIVEUPDATE_SESSION_PRESERVE_FD: ENOENT,"
		    " no LUO handler): %s's DMA stops at kexec", opt.bdf);
		return;
	}
	if (errno == EXDEV)
		die_errno("ioctl LIVEUPDATE_SESSION_PRESERVE_FD (iommufd, token %d): IOAS %u maps"
			  " memory that is not a memfd preserved in the session%s", TOKEN_IOMMUFD,
			  v->ioas, opt.map_file ? "" : " (map it with --map-file)");
	die_errno("ioctl LIVEUPDATE_SESSION_PRESERVE_FD (iommufd, token %d)", TOKEN_IOMMUFD);
}

static int expect_errno(int rc, int want, const char *what);

/*
 * While the iommufd is preserved, the device's attachment is held: replacing
 * its HWPT and detaching it fail with EBUSY, changing nothing. Returns how
 * many of those checks failed.
 */
static int held_checks(struct vm_dev *v)
{
	struct iommu_hwpt_alloc hwpt = {
		.size = sizeof(hwpt), .dev_id = v->devid, .pt_id = v->ioas,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};
	struct vfio_device_attach_iommufd_pt att = { .argsz = sizeof(att) };
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	struct iommu_destroy d = { .size = sizeof(d) };
	int bad = 0;

	if (ioctl(v->iommufd, IOMMU_HWPT_ALLOC, &hwpt))
		die_errno("ioctl IOMMU_HWPT_ALLOC (dev %u, ioas %u)", v->devid, v->ioas);
	att.pt_id = hwpt.out_hwpt_id;
	bad += expect_errno(ioctl(v->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att), EBUSY,
			    "VFIO_DEVICE_ATTACH_IOMMUFD_PT replacing the preserved device's HWPT");
	bad += expect_errno(ioctl(v->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det), EBUSY,
			    "VFIO_DEVICE_DETACH_IOMMUFD_PT of the preserved device");
	d.id = hwpt.out_hwpt_id;
	if (ioctl(v->iommufd, IOMMU_DESTROY, &d))
		die_errno("ioctl IOMMU_DESTROY (the unattached HWPT %u)", d.id);
	return bad;
}

/*
 * --change-after-preserve: the replace and the detach are refused; closing
 * the device is not, and leaves the device without the translation the
 * iommufd's preserve handed over: the kernel must notice at kexec and hand
 * nothing over rather than a stale translation.
 */
static void change_after_preserve(struct vm_dev *v)
{
	if (held_checks(v))
		die("the preserved device's attachment was not held");
	munmap((void *)v->bar0, v->bar0_size);
	close(v->devfd);
	v->devfd = -1;
	msg("%s: device closed after the iommufd was preserved (replace and detach refused)",
	    opt.bdf);
}

static int luo_create_session(const char *name)
{
	struct liveupdate_ioctl_create_session cs = { .size = sizeof(cs) };
	int luo = luo_open();

	snprintf((char *)cs.name, sizeof(cs.name), "%s", name);
	if (ioctl(luo, LIVEUPDATE_IOCTL_CREATE_SESSION, &cs))
		die_errno("ioctl LIVEUPDATE_IOCTL_CREATE_SESSION (\"%s\")", name);
	/* /dev/liveupdate has one opener at a time: the session fd is enough. */
	close(luo);
	return cs.fd;
}

static int luo_retrieve(int session, uint64_t token, const char *what)
{
	struct liveupdate_session_retrieve_fd a = { .size = sizeof(a), .token = token };

	if (ioctl(session, LIVEUPDATE_SESSION_RETRIEVE_FD, &a))
		die_errno("ioctl LIVEUPDATE_SESSION_RETRIEVE_FD (%s, token %" PRIu64 ")", what, token);
	return a.fd;
}

/* ---- the sub-commands ---- */

static uint64_t *state_pfns(struct vmm_state *st)
{
	return (uint64_t *)((char *)st + STATE_PFN_OFF);
}

static uint64_t state_size(void)
{
	return (STATE_PFN_OFF + opt.size / SZ_4K * 8 + SZ_4K - 1) & ~(SZ_4K - 1);
}

/*
 * What each boot does with the device: bind it to vfio-pci, attach it to
 * guest memory through iommufd, and check DMA through the SMMU (and the
 * memory after it). 0, or 1 when a check failed.
 */
static int attach_and_check_dma(struct vm_dev *v, int memfd, uint64_t *ram, uint64_t *first_ok,
				uint64_t *last_ok)
{
	char when[64];

	bind_vfio_pci();
	if (opt.type1)
		type1_attach(v, ram);
	else
		iommufd_attach(v, memfd, ram);
	vfio_open_bar0(v);
	edu_check(v);
	snprintf(when, sizeof(when), "boot %d DMA", opt.boot);
	if (dma_round(v, ram, when, first_ok, last_ok))
		return 1;
	snprintf(when, sizeof(when), "boot %d after DMA", opt.boot);
	if (check_memory(ram, when))
		return 1;
	marker("device DMA checked", NULL, NULL);
	stray_dma(v);
	return 0;
}

/*
 * --dma-at-kexec: what the daemon needs to start a DMA when init is about
 * to kexec (init sends SIGUSR1 to the pid in KEXEC_NOTIFY, then waits for
 * KEXEC_NOTIFY_ACK before reboot(RB_KEXEC)).
 */
#define KEXEC_NOTIFY	"/run/kexec-notify"
#define KEXEC_NOTIFY_ACK "/run/kexec-notify.ack"

static struct {
	struct vm_dev *v;
	uint64_t *ram;
	struct vmm_state *st;
} kexec_dma;
static volatile sig_atomic_t kexec_now;

static void on_kexec_notify(int sig)
{
	(void)sig;
	kexec_now = 1;
}

/* edu's buffer holds guest memory's first copy source; its DMA takes 100 ms */
static void kexec_dma_arm(void)
{
	char pid[16];
	int fd;

	edu_dma(kexec_dma.v, opt.iova + copy_src(0), EDU_BUF, EDU_BUF_SIZE, 0);
	signal(SIGUSR1, on_kexec_notify);
	snprintf(pid, sizeof(pid), "%d", getpid());
	fd = open(KEXEC_NOTIFY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
		die_errno("write %s", KEXEC_NOTIFY);
	close(fd);
}

static void kexec_dma_start(void)
{
	struct vm_dev *v = kexec_dma.v;
	uint64_t d = copy_dst(0);
	int fd;

	for (uint64_t off = 0; off < EDU_BUF_SIZE; off += 8)
		kexec_dma.ram[(d + off) / 8] = ~pat(copy_src(0) + off) ^ 0x5a5a5a5a5a5a5a5aull;
	kexec_dma.st->kexec_dma_off = d;
	kexec_dma.st->kexec_dma_iova = kexec_dma.st->sentinel_pa ?: opt.iova + d;
	kexec_dma.st->kexec_dma_cntvct = hl_cntvct();
	__sync_synchronize();
	wr64(v, EDU_DMA_SRC, EDU_BUF);
	wr64(v, EDU_DMA_DST, kexec_dma.st->kexec_dma_iova);
	wr64(v, EDU_DMA_COUNT, EDU_BUF_SIZE);
	wr64(v, EDU_DMA_CMD, EDU_DMA_TO_RAM | EDU_DMA_RUN);
	fd = open(KEXEC_NOTIFY_ACK, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	marker("DMA started at kexec", NULL, NULL);
}

static void become_daemon(int ready_fd)
{
	int con = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (con < 0)
		con = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* Never write to the step's pipe again: it closes when the step ends. */
	dup2(con, 1);
	dup2(con, 2);
	out = fdopen(dup(con), "w");
	if (!out)
		out = stderr;
	close(con);
	close(0);
	open("/dev/null", O_RDONLY);
	if (write(ready_fd, "r", 1) != 1)
		exit(1);
	close(ready_fd);
}

/*
 * Keep the device, its iommufd, guest memory (and the LUO session in boot 1)
 * like a VMM whose VM stays alive: in the foreground with --no-daemon, else
 * in a daemon, once it is ready, so the step can return.
 */
static void hold(const char *cdev, const char *what, const char *until)
{
	int pfd[2];
	char c;
	pid_t pid;

	if (!opt.daemon) {
		msg("holding %sthe device and guest memory in the foreground (pid %d)", what,
		    getpid());
		for (;;)
			pause();
	}
	if (pipe(pfd))
		die_errno("pipe");
	fflush(out);
	pid = fork();
	if (pid < 0)
		die_errno("fork the holding daemon");
	if (!pid) {
		close(pfd[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		if (kexec_dma.v)
			kexec_dma_arm();
		become_daemon(pfd[1]);
		/* The kernel serializes the session fd at kexec. */
		for (;;) {
			pause();
			if (kexec_now && kexec_dma.v) {
				kexec_dma_start();
				kexec_dma.v = NULL;
			}
		}
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1)
		die("the holding daemon (pid %d) did not start", pid);
	msg("daemon pid %d holds %s%s and guest memory %s", pid, what, cdev, until);
}

static int ioas_map_anon(struct vm_dev *v, void *va, uint64_t iova);

/*
 * --sentinel: one page nobody maps, at a physical address that is also the
 * IOVA the DMA at kexec writes to. Only a DMA let through untranslated (the
 * SMMU disabled without GBPA.ABORT, or a bypass STE) can change it.
 */
static uint64_t sentinel_word(uint64_t i)
{
	return 0x53454e54494e454cull ^ (i * 0x9e3779b97f4a7c15ull);
}

static uint64_t va_to_pa(const void *va)
{
	uint64_t e = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (pm < 0 || pread(pm, &e, 8, (off_t)((uintptr_t)va / SZ_4K * 8)) != 8)
		die_errno("read /proc/self/pagemap");
	close(pm);
	if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
		die("the page at %p is not present (or its PFN is hidden: not root?)", va);
	return (e & PM_PFN_MASK) * SZ_4K;
}

static uint64_t *map_sentinel(int fd)
{
	uint64_t *p = mmap(NULL, SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die_errno("mmap the sentinel memfd");
	return p;
}

/* The sentinel, preserved in the session; its IOVA maps guest page d */
static void sentinel_prepare(int session, struct vm_dev *v, int memfd, struct vmm_state *st)
{
	uint64_t *p, pa, d = copy_dst(0);
	int fd = memfd_create("hitless-vmm-sentinel", 0);
	struct iommu_ioas_map_file map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = v->ioas, .fd = memfd, .start = d, .length = SZ_4K,
	};

	if (fd < 0 || ftruncate(fd, SZ_4K))
		die_errno("memfd_create the sentinel");
	p = map_sentinel(fd);
	for (uint64_t i = 0; i < SZ_4K / 8; i++)
		p[i] = sentinel_word(i);
	luo_preserve(session, fd, TOKEN_SENTINEL, "sentinel memfd");
	pa = va_to_pa(p);
	map.iova = pa;
	if (ioctl(v->iommufd, IOMMU_IOAS_MAP_FILE, &map))
		die_errno("ioctl IOMMU_IOAS_MAP_FILE (ioas %u, guest page %#" PRIx64 " at IOVA %#"
			  PRIx64 ", the sentinel's PA)", v->ioas, d, pa);
	st->sentinel_pa = pa;
	msg("sentinel page at PA %#" PRIx64 " (token %d); IOVA %#" PRIx64 " maps guest page %#"
	    PRIx64 ": the DMA at kexec writes there", pa, TOKEN_SENTINEL, pa, d);
}

/*
 * --dma-before-attach: edu DMA to IOVA = the sentinel's PA before anybody
 * owns the device, through sysfs (resource0, config), as a device still
 * mastering would: translated by whatever domain the kernel attached at
 * probe. The sentinel check that follows says whether it landed there.
 */
static void dma_before_attach(const struct vmm_state *st)
{
	struct vm_dev v = { 0 };
	char path[128];
	uint16_t cmd;
	int fd;
	void *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", opt.bdf);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2)
		die_errno("read PCI_COMMAND from %s", path);
	cmd |= 0x2 | 0x4;	/* memory space, bus master */
	if (pwrite(fd, &cmd, 2, 4) != 2)
		die_errno("write PCI_COMMAND (bus master) to %s", path);
	close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", opt.bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		die_errno("open %s", path);
	v.bar0_size = SZ_4K;	/* the registers */
	p = mmap(NULL, v.bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die_errno("mmap %s", path);
	v.bar0 = p;
	edu_check(&v);
	edu_dma(&v, EDU_BUF, st->sentinel_pa, EDU_BUF_SIZE, EDU_DMA_TO_RAM);
	msg("DMA before attach: edu wrote 4 KiB to IOVA %#" PRIx64 " (the sentinel's PA) through"
	    " sysfs, bus master on, before the device's owner claimed it", st->sentinel_pa);
	munmap(p, v.bar0_size);
	close(fd);
}

/* 0 when the sentinel is untouched, at the PA it had */
static int sentinel_check(int session, const struct vmm_state *st)
{
	int fd = luo_retrieve(session, TOKEN_SENTINEL, "sentinel memfd");
	uint64_t *p = map_sentinel(fd), pa, miss = 0;

	for (uint64_t i = 0; i < SZ_4K / 8; i++)
		miss += p[i] != sentinel_word(i);
	pa = va_to_pa(p);
	if (pa != st->sentinel_pa) {
		msg("sentinel: FAILED: it moved from PA %#" PRIx64 " to %#" PRIx64 ": nothing to judge",
		    st->sentinel_pa, pa);
		return 1;
	}
	if (miss) {
		msg("sentinel: OVERWRITTEN: %" PRIu64 " of 512 words at PA %#" PRIx64 " changed: a DMA"
		    " reached memory its device does not own (IOVA used as PA)", miss, pa);
		return 1;
	}
	msg("sentinel: untouched: the page at PA %#" PRIx64 " (the DMA at kexec's IOVA) holds its"
	    " pattern", pa);
	munmap(p, SZ_4K);
	close(fd);
	return 0;
}

static int cmd_prepare(bool live_update)
{
	struct vm_dev v = { 0 };
	struct vmm_state *st = NULL;
	uint64_t *ram, first_ok = 0, last_ok = 0;
	int memfd, statefd = -1, session;

	find_device();
	msg("boot %d: %s, guest memory %" PRIu64 " KiB at IOVA %#" PRIx64 ", pattern seed %#" PRIx64,
	    opt.boot, live_update ? "prepare" : "run", opt.size / 1024, opt.iova, opt.seed);

	memfd = memfd_create("hitless-vmm-ram", 0);
	if (memfd < 0)
		die_errno("memfd_create guest memory");
	if (ftruncate(memfd, opt.size))
		die_errno("ftruncate guest memory memfd to %" PRIu64, opt.size);
	ram = map_ram(memfd, opt.size);
	fill_pattern(ram);

	if (live_update) {
		statefd = memfd_create("hitless-vmm-state", 0);
		if (statefd < 0)
			die_errno("memfd_create state");
		if (ftruncate(statefd, state_size()))
			die_errno("ftruncate state memfd");
		st = mmap(NULL, state_size(), PROT_READ | PROT_WRITE, MAP_SHARED, statefd, 0);
		if (st == MAP_FAILED)
			die_errno("mmap state memfd");
		memset(st, 0, state_size());
	}
	if (attach_and_check_dma(&v, memfd, ram, &first_ok, &last_ok))
		return 1;
	/* Pinned by iommufd now: these are the pages the SMMU translates to. */
	report_pages(ram, st ? state_pfns(st) : NULL, st, "guest memory as mapped");

	if (!live_update) {
		if (opt.hold) {
			hold(v.cdev, "", "while the VM runs");
			return 0;
		}
		vm_detach(&v);
		msg("run: done, device detached");
		return 0;
	}

	/* The VM stops; its memory and configuration go to LUO. */
	memcpy(st->magic, STATE_MAGIC, 8);
	st->version = 1;
	st->boot = opt.boot;
	st->size = opt.size;
	st->iova = opt.iova;
	st->seed = opt.seed;
	st->map_file = opt.map_file;
	st->thp = opt.thp;
	snprintf(st->bdf, sizeof(st->bdf), "%s", opt.bdf);
	st->cntfrq = hl_cntfrq();
	st->last_dma_cntvct = last_ok;
	st->npages = opt.size / SZ_4K;
	marker("VM paused", &st->paused_cntvct, &st->paused_ktime_ns);

	session = luo_create_session(opt.session);
	luo_preserve(session, memfd, TOKEN_RAM, "guest memory memfd");
	luo_preserve(session, statefd, TOKEN_STATE, "state memfd");
	msg("LUO session \"%s\": guest memory (token %d) and state (token %d) preserved",
	    opt.session, TOKEN_RAM, TOKEN_STATE);
	if (opt.sentinel)
		sentinel_prepare(session, &v, memfd, st);
	luo_preserve_iommufd(session, &v);
	if (opt.expect_preserve_error) {
		void *page = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (page == MAP_FAILED)
			die_errno("mmap 2 MiB");
		if (ioas_map_anon(&v, page, 0x3000000))
			die_errno("ioctl IOMMU_IOAS_MAP after the refused preserve: the IOAS stayed frozen");
		msg("check: IOMMU_IOAS_MAP after the refused preserve: succeeded: ok");
		return 0;
	}
	if (opt.change_after_preserve)
		change_after_preserve(&v);

	{
		char what[96];

		snprintf(what, sizeof(what), "LUO session \"%s\", ", opt.session);
		if (opt.dma_at_kexec) {
			kexec_dma.v = &v;
			kexec_dma.ram = ram;
			kexec_dma.st = st;
		}
		hold(v.cdev, what, "until kexec");
	}
	return 0;
}

/*
 * The DMA the daemon started when init was about to kexec: did it land?
 * Either way the page gets what the plan says it holds, so that the checks
 * that follow judge the rest of guest memory.
 */
static void kexec_dma_check(uint64_t *ram, const struct vmm_state *st)
{
	uint64_t d = st->kexec_dma_off, miss = 0;

	for (uint64_t off = 0; off < EDU_BUF_SIZE; off += 8)
		miss += ram[(d + off) / 8] != pat(copy_src(0) + off);
	if (!miss)
		msg("DMA at kexec: landed: edu's write to IOVA %#" PRIx64 ", started %.1f ms before"
		    " this check (in boot %u, as init went to kexec), is in guest memory",
		    st->kexec_dma_iova ?: opt.iova + d, ticks_ms(st->kexec_dma_cntvct, hl_cntvct()), st->boot);
	else
		msg("DMA at kexec: lost: %" PRIu64 " of 512 words of guest memory (IOVA %#" PRIx64
		    ") still hold what the CPU wrote before edu's DMA to IOVA %#" PRIx64 " was started"
		    " (in boot %u, as init went to kexec)", miss, opt.iova + d,
		    st->kexec_dma_iova ?: opt.iova + d, st->boot);
	for (uint64_t off = 0; off < EDU_BUF_SIZE; off += 8)
		ram[(d + off) / 8] = pat(copy_src(0) + off);
}

static int cmd_resume(void)
{
	struct vm_dev v = { 0 };
	struct vmm_state *st;
	struct stat sb;
	uint64_t *ram, *now_pfns, first_ok = 0, last_ok = 0, same = 0, thp, runs, large, t_retrieved;
	uint64_t resumed_cnt;
	int luo, session, memfd, statefd, sentinel_bad;
	char when[64];

	t_retrieved = hl_cntvct();
	luo = luo_open();
	{
		struct liveupdate_ioctl_retrieve_session rs = { .size = sizeof(rs) };

		snprintf((char *)rs.name, sizeof(rs.name), "%s", opt.session);
		if (ioctl(luo, LIVEUPDATE_IOCTL_RETRIEVE_SESSION, &rs))
			die_errno("ioctl LIVEUPDATE_IOCTL_RETRIEVE_SESSION (\"%s\")", opt.session);
		session = rs.fd;
	}
	statefd = luo_retrieve(session, TOKEN_STATE, "state memfd");
	memfd = luo_retrieve(session, TOKEN_RAM, "guest memory memfd");
	if (fstat(statefd, &sb))
		die_errno("fstat state memfd");
	if ((uint64_t)sb.st_size < STATE_PFN_OFF)
		die("state memfd is %lld bytes, too small", (long long)sb.st_size);
	st = mmap(NULL, sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, statefd, 0);
	if (st == MAP_FAILED)
		die_errno("mmap state memfd");
	if (memcmp(st->magic, STATE_MAGIC, 8) || st->version != 1)
		die("state memfd holds no vmm state (magic %.8s, version %u)", st->magic, st->version);
	opt.size = st->size;
	opt.iova = st->iova;
	opt.seed = st->seed;
	opt.map_file = st->map_file;
	opt.thp = st->thp;
	if (!opt.bdf[0])
		snprintf(opt.bdf, sizeof(opt.bdf), "%s", st->bdf);
	if ((uint64_t)sb.st_size < STATE_PFN_OFF + st->npages * 8)
		die("state memfd is %lld bytes, too small for %" PRIu64 " PFNs",
		    (long long)sb.st_size, st->npages);
	if (fstat(memfd, &sb))
		die_errno("fstat guest memory memfd");
	if ((uint64_t)sb.st_size != opt.size)
		die("guest memory memfd is %lld bytes after kexec, %" PRIu64 " before",
		    (long long)sb.st_size, opt.size);
	msg("boot %d: LUO session \"%s\" retrieved: guest memory %" PRIu64 " KiB (was at IOVA %#"
	    PRIx64 ", %s, seed %#" PRIx64 "), paused in boot %u", opt.boot, opt.session,
	    opt.size / 1024, opt.iova, st->bdf, opt.seed, st->boot);

	ram = map_ram(memfd, opt.size);
	if (st->kexec_dma_cntvct)
		kexec_dma_check(ram, st);
	if (opt.dma_before_attach) {
		if (!st->sentinel_pa)
			die("--dma-before-attach needs a VM prepared with --sentinel");
		dma_before_attach(st);
	}
	/* Judged at the end: the VM resumes either way, so that the next boots run */
	sentinel_bad = st->sentinel_pa && sentinel_check(session, st);
	snprintf(when, sizeof(when), "boot %d memfd from LUO", opt.boot);
	if (check_memory(ram, when))
		return 1;
	now_pfns = calloc(opt.size / SZ_4K, 8);
	if (!now_pfns)
		die("out of memory");
	report_pages(ram, now_pfns, NULL, "guest memory from LUO");
	page_frames(ram, now_pfns, &thp, &runs, &large);
	for (uint64_t i = 0; i < st->npages && i < opt.size / SZ_4K; i++)
		same += now_pfns[i] && now_pfns[i] == state_pfns(st)[i];
	msg("guest memory kept its physical pages: %" PRIu64 " of %" PRIu64
	    " at the same PA as in boot %u (in THPs then: %" PRIu64 "; now %" PRIu64
	    " in large folios, %" PRIu64 " flagged THP by /proc/kpageflags)",
	    same, st->npages, st->boot, st->nr_thp_pages, large, thp);
	if (st->npages && state_pfns(st)[0] && same != st->npages)
		msg("warning: guest memory moved: %" PRIu64 " pages at a new PA",
		    st->npages - same);

	if (opt.no_attach) {
		msg("--no-attach: the device is left as the live update handed it over");
	} else {
		find_device();
		if (attach_and_check_dma(&v, memfd, ram, &first_ok, &last_ok))
			return 1;
	}

	{
		struct liveupdate_session_finish f = { .size = sizeof(f) };

		if (ioctl(session, LIVEUPDATE_SESSION_FINISH, &f))
			die_errno("ioctl LIVEUPDATE_SESSION_FINISH (\"%s\")", opt.session);
	}
	close(session);
	close(luo);
	msg("LUO session \"%s\" finished", opt.session);
	if (opt.no_attach)
		return sentinel_bad;
	marker("VM resumed", &resumed_cnt, NULL);

	msg("timeline (CNTVCT, both boots): device's last checked DMA in boot %u -> first checked DMA here: %.1f ms"
	    " apart; VM paused -> resumed: %.1f ms; session retrieve -> resumed: %.1f ms",
	    st->boot, ticks_ms(st->last_dma_cntvct, first_ok),
	    ticks_ms(st->paused_cntvct, resumed_cnt), ticks_ms(t_retrieved, resumed_cnt));
	if (opt.hold)
		hold(v.cdev, "", "while the VM runs");
	return sentinel_bad;
}

/*
 * preserve-checks: what the kernel refuses when the iommufd is preserved, and
 * that preserving it freezes the IOAS until the session is closed. Each check
 * prints "check: ... : ok" or "check: ... : FAILED"; the exit status is 1 if
 * one failed. With --hold the device stays attached afterwards (the session
 * closed: nothing handed over), for a kexec that must then be the normal one.
 */
static int expect_errno(int rc, int want, const char *what)
{
	int got = rc ? errno : 0;

	if (got == want) {
		msg("check: %s: %s: ok", what, want ? strerror(want) : "succeeded");
		return 0;
	}
	msg("check: %s: FAILED: %s (errno %d), expected %s", what,
	    got ? strerror(got) : "succeeded", got, want ? strerror(want) : "success");
	return 1;
}

static int preserve_fd(int session, int fd, uint64_t token)
{
	struct liveupdate_session_preserve_fd a = { .size = sizeof(a), .fd = fd, .token = token };

	return ioctl(session, LIVEUPDATE_SESSION_PRESERVE_FD, &a);
}

static int ioas_map_anon(struct vm_dev *v, void *va, uint64_t iova)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = v->ioas, .user_va = (uintptr_t)va, .length = SZ_2M, .iova = iova,
	};

	return ioctl(v->iommufd, IOMMU_IOAS_MAP, &map);
}

static int ioas_unmap(struct vm_dev *v, uint64_t iova, uint64_t length)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = v->ioas, .iova = iova, .length = length,
	};

	return ioctl(v->iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

static int cmd_preserve_checks(void)
{
	struct vm_dev v = { 0 };
	uint64_t spare_iova = opt.iova + opt.size;
	uint64_t *anon, *ram;
	void *spare;
	int memfd, session, bad = 0;

	find_device();
	msg("preserve-checks: %s, guest memory %" PRIu64 " KiB at IOVA %#" PRIx64, opt.bdf,
	    opt.size / 1024, opt.iova);
	anon = mmap(NULL, opt.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	spare = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || spare == MAP_FAILED)
		die_errno("mmap anonymous memory");
	memfd = memfd_create("hitless-vmm-ram", 0);
	if (memfd < 0 || ftruncate(memfd, opt.size))
		die_errno("memfd_create/ftruncate guest memory");
	ram = map_ram(memfd, opt.size);
	fill_pattern(ram);

	/* The IOAS maps anonymous memory: nothing the next kernel could keep */
	bind_vfio_pci();
	opt.map_file = false;
	iommufd_attach(&v, -1, anon);
	vfio_open_bar0(&v);
	edu_check(&v);
	session = luo_create_session("hitless-checks");
	bad += expect_errno(preserve_fd(session, v.iommufd, TOKEN_IOMMUFD),
			    EXDEV, "preserve an iommufd whose IOAS maps anonymous memory");

	/* The IOAS maps a memfd that is not preserved in the session */
	if (ioas_unmap(&v, opt.iova, opt.size))
		die_errno("ioctl IOMMU_IOAS_UNMAP (the anonymous memory)");
	{
		struct iommu_ioas_map_file map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = v.ioas, .fd = memfd, .length = opt.size, .iova = opt.iova,
		};

		if (ioctl(v.iommufd, IOMMU_IOAS_MAP_FILE, &map))
			die_errno("ioctl IOMMU_IOAS_MAP_FILE (guest memory memfd)");
	}
	bad += expect_errno(preserve_fd(session, v.iommufd, TOKEN_IOMMUFD),
			    EXDEV, "preserve an iommufd whose IOAS maps a memfd not in the session");

	/* With the memfd preserved first, the iommufd can be, and freezes */
	luo_preserve(session, memfd, TOKEN_RAM, "guest memory memfd");
	bad += expect_errno(preserve_fd(session, v.iommufd, TOKEN_IOMMUFD), 0,
			    "preserve an iommufd whose IOAS maps only a memfd of the session");
	bad += expect_errno(ioas_map_anon(&v, spare, spare_iova), EBUSY,
			    "IOMMU_IOAS_MAP on the preserved IOAS");
	bad += expect_errno(ioas_unmap(&v, opt.iova, opt.size), EBUSY,
			    "IOMMU_IOAS_UNMAP on the preserved IOAS");
	{
		struct iommu_destroy d = { .size = sizeof(d), .id = v.hwpt };

		bad += expect_errno(ioctl(v.iommufd, IOMMU_DESTROY, &d), EBUSY,
				    "IOMMU_DESTROY of the preserved HWPT");
	}
	bad += held_checks(&v);
	if (dma_round(&v, ram, "frozen IOAS DMA", NULL, NULL))
		bad++;

	/* Closing the session cancels: the IOAS thaws */
	close(session);
	msg("LUO session \"hitless-checks\" closed: the live update is cancelled");
	bad += expect_errno(ioas_map_anon(&v, spare, spare_iova), 0,
			    "IOMMU_IOAS_MAP after the session is closed");
	bad += expect_errno(ioas_unmap(&v, spare_iova, SZ_2M), 0,
			    "IOMMU_IOAS_UNMAP after the session is closed");
	if (dma_round(&v, ram, "thawed IOAS DMA", NULL, NULL))
		bad++;
	if (bad) {
		msg("preserve-checks: %d checks FAILED", bad);
		return 1;
	}
	msg("preserve-checks: all checks passed");
	if (opt.hold)
		hold(v.cdev, "", "while the VM runs (nothing preserved)");
	return 0;
}

/* ---- options ---- */

static uint64_t parse_size(const char *s, const char *what)
{
	char *end;
	uint64_t v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		goto bad;
	return v;
bad:
	fprintf(stderr, "vmm: bad %s '%s'\n", what, s);
	exit(2);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: vmm prepare|resume|run|preserve-checks [--device VVVV:DDDD | --bdf BDF] [--iova ADDR]\n"
		"           [--size BYTES] [--pattern SEED] [--session NAME] [--map-file]\n"
		"           [--no-thp] [--no-daemon] [--hold] [--dma-at-kexec] [--stray-dma IOVA]\n"
		"           [--type1] [--change-after-preserve] [--no-attach] [--hitless]\n"
		"           [--stage2 | --nested] [--sentinel] [--dma-before-attach]\n"
		"           [--expect-preserve-error ERRNO]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *b = getenv("HITLESS_BOOT");

	out = stdout;
	if (argc < 2)
		usage();
	opt.cmd = argv[1];
	if (b)
		opt.boot = atoi(b);
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--map-file")) {
			opt.map_file = true;
		} else if (!strcmp(a, "--no-thp")) {
			opt.thp = false;
		} else if (!strcmp(a, "--no-daemon")) {
			opt.daemon = false;
		} else if (!strcmp(a, "--hold")) {
			opt.hold = true;
		} else if (!strcmp(a, "--dma-at-kexec")) {
			opt.dma_at_kexec = true;
		} else if (!strcmp(a, "--type1")) {
			opt.type1 = true;
		} else if (!strcmp(a, "--change-after-preserve")) {
			opt.change_after_preserve = true;
		} else if (!strcmp(a, "--no-attach")) {
			opt.no_attach = true;
		} else if (!strcmp(a, "--hitless")) {
			opt.hitless = true;
		} else if (!strcmp(a, "--stage2")) {
			opt.stage2 = true;
		} else if (!strcmp(a, "--nested")) {
			opt.nested = true;
		} else if (!strcmp(a, "--sentinel")) {
			opt.sentinel = true;
		} else if (!strcmp(a, "--dma-before-attach")) {
			opt.dma_before_attach = true;
		} else if (!val) {
			usage();
		} else if (!strcmp(a, "--device")) {
			if (sscanf(val, "%x:%x", &opt.vendor, &opt.device) != 2)
				usage();
			i++;
		} else if (!strcmp(a, "--bdf")) {
			snprintf(opt.bdf, sizeof(opt.bdf), "%s", val);
			i++;
		} else if (!strcmp(a, "--iova")) {
			opt.iova = parse_size(val, "IOVA");
			i++;
		} else if (!strcmp(a, "--size")) {
			opt.size = parse_size(val, "size");
			i++;
		} else if (!strcmp(a, "--pattern")) {
			opt.seed = parse_size(val, "pattern seed");
			i++;
		} else if (!strcmp(a, "--stray-dma")) {
			opt.stray_iova = parse_size(val, "stray DMA IOVA");
			i++;
		} else if (!strcmp(a, "--expect-preserve-error")) {
			opt.expect_preserve_error = (int)parse_size(val, "errno");
			i++;
		} else if (!strcmp(a, "--session")) {
			opt.session = val;
			i++;
		} else {
			usage();
		}
	}
	if (!opt.size || opt.size % SZ_2M || opt.iova % SZ_4K) {
		fprintf(stderr, "vmm: --size must be a multiple of 2 MiB, --iova of 4 KiB\n");
		exit(2);
	}
	if (opt.iova + opt.size > (1ull << 28))
		fprintf(stderr, "vmm: warning: IOVAs above 256 MiB: edu's 28-bit DMA mask clamps them\n");

	if ((opt.stage2 || opt.nested) && (strcmp(opt.cmd, "run") || opt.type1)) {
		fprintf(stderr, "vmm: --stage2 and --nested are for run, through iommufd\n");
		exit(2);
	}
	if (opt.sentinel && !opt.dma_at_kexec) {
		fprintf(stderr, "vmm: --sentinel is the target of --dma-at-kexec: give both\n");
		exit(2);
	}
	if (opt.type1 && strcmp(opt.cmd, "run")) {
		fprintf(stderr, "vmm: --type1 is for run (the live update of prepare/resume needs iommufd and LUO)\n");
		exit(2);
	}
	if (!strcmp(opt.cmd, "prepare"))
		return cmd_prepare(true);
	if (!strcmp(opt.cmd, "run"))
		return cmd_prepare(false);
	if (!strcmp(opt.cmd, "resume"))
		return cmd_resume();
	if (!strcmp(opt.cmd, "preserve-checks"))
		return cmd_preserve_checks();
	usage();
}
