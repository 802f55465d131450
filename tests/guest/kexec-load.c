// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: load a kernel for kexec, with kexec_file_load(2) or kexec_load(2).
 *
 *   kexec-load [-e] [--syscall auto|file|load] KERNEL INITRD CMDLINE
 *
 * Loads KERNEL (an arm64 Image) with INITRD and CMDLINE; with -e, reboots
 * into it at once. Debian's arm64 kexec-tools needs the Xen libraries, and
 * its kexec_load path checksums the segments in purgatory (seconds under
 * TCG); this program does neither.
 *
 * --syscall file: kexec_file_load(2). The kernel verifies and places the
 * segments itself and, with kho=on, adds the KHO handover data.
 *
 * --syscall load: kexec_load(2), as kexec-tools does on a kernel without
 * CONFIG_KEXEC_FILE (Debian's): this program places the segments in free
 * System RAM (/proc/iomem, away from everything the running kernel marked:
 * its code and data, reserved memory, the retained initrd): the Image at a
 * 2 MiB aligned address for its image_size (the arm64 boot protocol,
 * Documentation/arch/arm64/booting.rst), the initrd after it, the device
 * tree after that, and an entry trampoline of six instructions (the
 * "purgatory": x0 = the device tree, x1-x3 = 0, branch to the Image; no
 * checksum). The device tree is the one this kernel booted with
 * (/sys/firmware/fdt), its /chosen given the new command line and initrd
 * (libfdt), its kaslr-seed left for the next kernel as the bootloader left it.
 *
 * --syscall auto (the default): kexec_file_load, and kexec_load when this
 * kernel has no kexec_file_load (ENOSYS), saying so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEXEC_ARCH_AARCH64	(183 << 16)
#define PAGE			4096ull
#define SZ_2M			0x200000ull
#define MAX_RANGES		256

struct kexec_segment {
	const void *buf;
	size_t bufsz;
	uint64_t mem;
	size_t memsz;
};

static void __attribute__((noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kexec-load: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

/* All of a file (sysfs files too, whose size stat may not know). */
static void *slurp(const char *path, size_t *len, size_t extra)
{
	int fd = open_or_die(path);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap + extra);
	ssize_t r;

	if (!buf)
		die("out of memory reading %s", path);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + extra);
			if (!buf)
				die("out of memory reading %s", path);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0)
			die("read %s: %s", path, strerror(errno));
		if (!r)
			break;
		n += r;
	}
	close(fd);
	*len = n;
	return buf;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ---- free System RAM, from /proc/iomem ---- */

struct range {
	uint64_t start, end;	/* inclusive */
};

static struct range ram[MAX_RANGES], busy[MAX_RANGES];
static int nr_ram, nr_busy;

/*
 * Top-level "System RAM" lines are RAM; every line nested under one (Kernel
 * code, Kernel data, reserved: memblock's reservations, the retained initrd,
 * the device tree) is taken.
 */
static void read_iomem(void)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];
	bool in_ram = false;

	if (!f)
		die("open /proc/iomem: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		const char *p = line;
		int depth = 0;

		while (*p == ' ')
			p++, depth++;
		if (sscanf(p, "%llx-%llx", &s, &e) != 2)
			continue;
		if (!depth) {
			in_ram = strstr(p, ": System RAM") != NULL;
			if (in_ram && nr_ram < MAX_RANGES)
				ram[nr_ram++] = (struct range){ s, e };
		} else if (in_ram && nr_busy < MAX_RANGES) {
			busy[nr_busy++] = (struct range){ s, e };
		}
	}
	fclose(f);
	if (!nr_ram)
		die("no System RAM in /proc/iomem");
	if (!ram[0].end)
		die("/proc/iomem shows no addresses (needs root)");
}

static bool is_free(uint64_t start, uint64_t size)
{
	uint64_t end = start + size - 1;
	bool in = false;

	for (int i = 0; i < nr_ram; i++)
		in |= start >= ram[i].start && end <= ram[i].end;
	if (!in)
		return false;
	for (int i = 0; i < nr_busy; i++)
		if (start <= busy[i].end && end >= busy[i].start)
			return false;
	return true;
}

/* The lowest address, aligned to align, where size bytes of RAM are free. */
static uint64_t find_free(uint64_t size, uint64_t align)
{
	for (int i = 0; i < nr_ram; i++)
		for (uint64_t a = up(ram[i].start, align); a + size - 1 <= ram[i].end; a += align)
			if (is_free(a, size))
				return a;
	die("no %" PRIu64 " KiB of free RAM (aligned to %#" PRIx64 ") for the next kernel",
	    size / 1024, align);
}

/* ---- kexec_load ---- */

static int do_kexec_load(const char *kpath, const char *ipath, const char *cmdline)
{
	static const uint32_t tramp_code[] = {
		0x580000c0,	/* ldr x0, dtb (pc + 24) */
		0xaa1f03e1,	/* mov x1, xzr */
		0xaa1f03e2,	/* mov x2, xzr */
		0xaa1f03e3,	/* mov x3, xzr */
		0x58000084,	/* ldr x4, entry (pc + 16) */
		0xd61f0080,	/* br x4 */
	};
	unsigned char *kernel, *initrd, *fdt_in;
	size_t klen, ilen, flen, fdt_size;
	uint64_t text_offset, image_size, kbase, iaddr, faddr, taddr, total, lit[2];
	struct kexec_segment seg[4];
	unsigned char tramp[PAGE];
	void *fdt;
	int chosen, err;

	kernel = slurp(kpath, &klen, 0);
	if (klen < 64 || memcmp(kernel + 56, "ARM\x64", 4))
		die("%s is not an arm64 Image (no ARM\\x64 magic)", kpath);
	text_offset = le64(kernel + 8);
	image_size = le64(kernel + 16);
	if (!image_size)
		image_size = up(klen, SZ_2M) + SZ_2M;	/* pre-3.17 header: a guess with room */
	initrd = slurp(ipath, &ilen, 0);
	fdt_in = slurp("/sys/firmware/fdt", &flen, 0);
	if (fdt_check_header(fdt_in))
		die("/sys/firmware/fdt is not a device tree");

	/* The device tree for the next kernel: new /chosen bootargs and initrd. */
	fdt_size = up(fdt_totalsize(fdt_in) + strlen(cmdline) + 1024, PAGE);
	fdt = calloc(1, fdt_size);
	if (!fdt || fdt_open_into(fdt_in, fdt, fdt_size))
		die("cannot open the device tree for editing");

	read_iomem();
	total = up(image_size + text_offset, PAGE) + up(ilen, PAGE) + fdt_size + PAGE;
	kbase = find_free(total, SZ_2M);
	iaddr = up(kbase + text_offset + image_size, PAGE);
	faddr = up(iaddr + ilen, PAGE);
	taddr = faddr + fdt_size;

	chosen = fdt_path_offset(fdt, "/chosen");
	if (chosen < 0)
		chosen = fdt_add_subnode(fdt, 0, "chosen");
	if (chosen < 0)
		die("no /chosen in the device tree: %s", fdt_strerror(chosen));
	err = fdt_setprop_string(fdt, chosen, "bootargs", cmdline);
	if (!err)
		err = fdt_setprop_u64(fdt, chosen, "linux,initrd-start", iaddr);
	if (!err)
		err = fdt_setprop_u64(fdt, chosen, "linux,initrd-end", iaddr + ilen);
	if (err)
		die("editing /chosen: %s", fdt_strerror(err));
	/* a crash kernel's properties, if this boot was one, are not the next one's */
	fdt_delprop(fdt, chosen, "linux,elfcorehdr");
	fdt_delprop(fdt, chosen, "linux,usable-memory-range");
	fdt_pack(fdt);

	memset(tramp, 0, sizeof(tramp));
	memcpy(tramp, tramp_code, sizeof(tramp_code));
	lit[0] = faddr;
	lit[1] = kbase + text_offset;
	memcpy(tramp + sizeof(tramp_code), lit, sizeof(lit));

	seg[0] = (struct kexec_segment){ kernel, klen, kbase + text_offset, up(image_size, PAGE) };
	seg[1] = (struct kexec_segment){ initrd, ilen, iaddr, up(ilen, PAGE) };
	seg[2] = (struct kexec_segment){ fdt, fdt_totalsize(fdt), faddr, fdt_size };
	seg[3] = (struct kexec_segment){ tramp, sizeof(tramp), taddr, PAGE };
	if (syscall(SYS_kexec_load, taddr, 4UL, seg, (unsigned long)KEXEC_ARCH_AARCH64)) {
		fprintf(stderr, "kexec-load: kexec_load(%s, %s): %s\n", kpath, ipath, strerror(errno));
		return 1;
	}
	printf("kexec-load: kexec_load: Image at %#" PRIx64 " (image_size %#" PRIx64
	       "), initrd at %#" PRIx64 " (%zu bytes), device tree at %#" PRIx64
	       ", entry trampoline at %#" PRIx64 "\n", kbase + text_offset, image_size, iaddr,
	       ilen, faddr, taddr);
	return 0;
}

static int do_kexec_file_load(const char *kpath, const char *ipath, const char *cmdline)
{
	int kfd = open_or_die(kpath), ifd = open_or_die(ipath);

	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, 0UL))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = "auto", *how = "kexec_file_load";
	int execute = 0, rc = 0;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-e")) {
			execute = 1;
		} else if (!strcmp(argv[1], "--syscall") && argc > 2) {
			mode = argv[2];
			argv++;
			argc--;
		} else {
			break;
		}
		argv++;
		argc--;
	}
	if (argc != 4 || (strcmp(mode, "auto") && strcmp(mode, "file") && strcmp(mode, "load"))) {
		fprintf(stderr, "usage: kexec-load [-e] [--syscall auto|file|load] KERNEL INITRD CMDLINE\n");
		return 2;
	}
	if (strcmp(mode, "load")) {
		rc = do_kexec_file_load(argv[1], argv[2], argv[3]);
		if (rc == -ENOSYS && !strcmp(mode, "auto")) {
			printf("kexec-load: this kernel has no kexec_file_load (CONFIG_KEXEC_FILE): using kexec_load\n");
		} else if (rc) {
			fprintf(stderr, "kexec-load: kexec_file_load(%s, %s): %s\n", argv[1], argv[2],
				strerror(-rc));
			return 1;
		}
	}
	if (!strcmp(mode, "load") || rc == -ENOSYS) {
		how = "kexec_load";
		if (do_kexec_load(argv[1], argv[2], argv[3]))
			return 1;
	}
	printf("kexec-load: loaded %s, initrd %s, cmdline \"%s\" (%s)\n", argv[1], argv[2], argv[3], how);
	if (execute) {
		fflush(stdout);
		sync();
		reboot(RB_KEXEC);
		fprintf(stderr, "kexec-load: reboot(RB_KEXEC): %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
