// SPDX-License-Identifier: GPL-2.0
/*
 * Write the hand-built rig story (build.h fx_build) as snapshot files through
 * the real writer:  fixture DIR  ->  DIR/before.snap, after.snap,
 * broken-after.snap (break + moved page), lossy-after.snap (records lost).
 */
#include <stdio.h>
#include "build.h"

int main(int argc, char **argv)
{
	static const char *const after[] = { "after.snap", "broken-after.snap", "lossy-after.snap" };
	char path[4096], err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int v = 0; v < 3; v++) {
		struct hl_state a, b;

		fx_build(&a, &b, v);
		if (!v) {
			snprintf(path, sizeof(path), "%s/before.snap", argv[1]);
			if (hl_snapshot_write(path, &a, err, sizeof(err))) {
				fprintf(stderr, "%s\n", err);
				return 2;
			}
		}
		snprintf(path, sizeof(path), "%s/%s", argv[1], after[v]);
		if (hl_snapshot_write(path, &b, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		hl_state_free(&a);
		hl_state_free(&b);
	}
	return 0;
}
