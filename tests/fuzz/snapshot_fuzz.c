// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the snapshot reader, and the judge over whatever it
 * accepts. A snapshot file comes from another host or another run; whatever
 * its bytes, the reader must refuse it cleanly or hand over a state the rest
 * of the collector can judge without a fault (ASan and UBSan watch).
 *
 * The reader takes a path, so the input goes into a memfd read back through
 * /proc/self/fd: the same open/fstat/read path as a file on disk.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "snapshot.h"
#include "verdict.h"

static int count_range(const struct hl_range *r, u64 i, void *arg)
{
	u64 *n = arg;

	(void)r;
	if (i != *n)
		abort();
	++*n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;
	struct hl_state s;
	char err[512];

	if (fd < 0) {
		fd = memfd_create("hitless-fuzz", 0);
		if (fd < 0)
			return 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	{
		/*
		 * hitless show's reader (the ranges left in the file, read in
		 * chunks) takes exactly what the whole-file reader takes.
		 */
		struct hl_xlate x = { .fd = -1 };
		int lazy = !hl_snapshot_open(path, &s, &x, err, sizeof(err));
		u64 n = 0, count = x.count;

		if (lazy) {
			hl_xlate_each(&x, count_range, &n, err, sizeof(err));
			if (n != x.count)
				abort();
			hl_xlate_close(&x);
			hl_state_free(&s);
		}
		if (hl_snapshot_read(path, &s, err, sizeof(err))) {
			if (lazy)
				abort();
			return 0;
		}
		if (!lazy || count != s.ranges.n)
			abort();
	}
	{
		struct hl_verdict v;

		hl_analyze(&s, &s, s.protect.v, s.protect.n, &v);
		json_object_put(hl_verdict_json(&v));
		hl_verdict_free(&v);
	}
	hl_state_free(&s);
	return 0;
}
