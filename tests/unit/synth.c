// SPDX-License-Identifier: GPL-2.0
/*
 * synth: write a large, valid, synthetic snapshot through the real writer,
 * for the benchmarks (bench/) and the kill test (tests/hardening/kill-write.t).
 *
 *   synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] OUT
 *
 * STREAMS StreamIDs (protected), each with a stage 1 CD (SSID 0) whose page
 * table holds RANGES/STREAMS translation ranges of 4 KiB pages. Neighbouring
 * ranges differ in attributes, so none fold together: the file holds exactly
 * RANGES ranges. With the same -r/-s, two boots (-b 1, -b 2) translate the
 * same at different table addresses, as a live update should leave them;
 * -m moves the output address of the last range, which a diff must find.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "build.h"

int main(int argc, char **argv)
{
	unsigned long long nranges = 1000000, nstreams = 4, bootn = 1;
	int mutate = 0;
	struct hl_state s;
	struct tlog l;
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "r:s:b:m")) != -1) {
		switch (c) {
		case 'r': nranges = strtoull(optarg, NULL, 0); break;
		case 's': nstreams = strtoull(optarg, NULL, 0); break;
		case 'b': bootn = strtoull(optarg, NULL, 0); break;
		case 'm': mutate = 1; break;
		default:
			fprintf(stderr, "usage: synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] OUT\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !nstreams || nstreams > 4096 || !bootn) {
		fprintf(stderr, "usage: synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] OUT\n");
		return 2;
	}

	hl_state_init(&s);
	t_boot(&s, &l, bootn << 32 | 0x5e7f, "7.3.4-synth", bootn * 1000000000ULL, 25000000);
	t_smmu(&s, 0, 0);
	s.ranges.v = hl_vec_grow(s.ranges.v, &s.ranges.cap, nranges, sizeof(struct hl_range));
	for (unsigned long long k = 0; k < nstreams; k++) {
		/* Tables at other addresses in each boot; the same translation. */
		u64 root = 0x100000000ULL * bootn + k * 0x1000000ULL;
		u64 cdtab = 0x200000000ULL * bootn + k * 0x10000ULL;
		struct hl_protect_disk p = { .smmu = 0, .sid = 16 + k };
		u64 ste[8], cd[8];
		unsigned long long per = nranges / nstreams + (k < nranges % nstreams);

		mk_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, cdtab, 0);
		hl_state_set_ste(&s, 0, 16 + k, ste);
		mk_s1_cd(cd, 1 + k, root);
		hl_state_set_cd(&s, 0, 16 + k, 0, cd);
		VEC_PUSH(s.protect, p);
		for (unsigned long long i = 0; i < per; i++) {
			struct hl_range r = {
				.root = root, .iova = i * 0x2000, .size = 0x1000,
				.oa = 0x4000000000ULL + k * 0x100000000ULL + i * 0x2000,
				/* AP[2] (read-only) on every other range: no folding */
				.attrs = 0x403 | ((i & 1) ? 0x80 : 0),
				.level = 3, .granule = 12, .stage = 1, .leaf_log2 = 12,
			};

			s.ranges.v[s.ranges.n++] = r;
		}
	}
	if (mutate && s.ranges.n)
		s.ranges.v[s.ranges.n - 1].oa += 0x100000;
	if (hl_snapshot_write(argv[optind], &s, err, sizeof(err))) {
		fprintf(stderr, "synth: %s\n", err);
		return 2;
	}
	hl_state_free(&s);
	return 0;
}
