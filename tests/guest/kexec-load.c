// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: load a kernel for kexec with kexec_file_load(2).
 *
 *   kexec-load [-e] KERNEL INITRD CMDLINE
 *
 * Loads KERNEL (an arm64 Image) with INITRD and CMDLINE; with -e, reboots
 * into it at once. Debian's arm64 kexec-tools needs the Xen libraries, and
 * its kexec_load path checksums the segments in purgatory (seconds under
 * TCG); the file-based syscall does neither. The kernel verifies and places
 * the segments itself and, with kho=on, adds the KHO handover data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_or_die(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "kexec-load: open %s: %s\n", path, strerror(errno));
		_exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	int execute = 0, kfd, ifd;
	const char *cmdline;

	if (argc > 1 && !strcmp(argv[1], "-e")) {
		execute = 1;
		argv++;
		argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: kexec-load [-e] KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kfd = open_or_die(argv[1]);
	ifd = open_or_die(argv[2]);
	cmdline = argv[3];

	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, 0UL)) {
		fprintf(stderr, "kexec-load: kexec_file_load(%s, %s): %s\n", argv[1], argv[2],
			strerror(errno));
		return 1;
	}
	printf("kexec-load: loaded %s, initrd %s, cmdline \"%s\"\n", argv[1], argv[2], cmdline);
	if (execute) {
		fflush(stdout);
		sync();
		reboot(RB_KEXEC);
		fprintf(stderr, "kexec-load: reboot(RB_KEXEC): %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
