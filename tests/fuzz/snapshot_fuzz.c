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
#include <sys/mman.h>
#include <unistd.h>
#include "snapshot.h"
#include "verdict.h"

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
	if (hl_snapshot_read(path, &s, err, sizeof(err)))
		return 0;
	{
		struct hl_verdict v;

		hl_analyze(&s, &s, s.protect.v, s.protect.n, &v);
		json_object_put(hl_verdict_json(&v));
		hl_verdict_free(&v);
	}
	hl_state_free(&s);
	return 0;
}
