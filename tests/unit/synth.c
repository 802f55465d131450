// SPDX-License-Identifier: GPL-2.0
/*
 * synth: write a large, valid, synthetic snapshot through the real writer,
 * for the benchmarks (bench/) and the kill test (tests/hardening/kill-write.t).
 *
 *   synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] [-u] [-w] [-n] [-f a|r|m] OUT
 *
 * STREAMS StreamIDs (protected), each with a stage 1 CD (SSID 0) whose page
 * table holds RANGES/STREAMS translation ranges of 4 KiB pages. Neighbouring
 * ranges differ in attributes, so none fold together: the file holds exactly
 * RANGES ranges. With the same -r/-s, two boots (-b 1, -b 2) translate the
 * same at different table addresses, as a live update should leave them;
 * -m moves the output address of the last range, which a diff must find.
 * -w builds the same state from a walk's records (the collector's intake,
 * the records kept as the log); -n writes nothing (the intake alone, timed).
 * -f builds a log of fragmented unmaps instead (t_synth_unmap(), build.h):
 * RANGES pages walked, then unmapped page by page, every other one in IOVA
 * order (-f a) or all in a random order (-f r), each with its TLBI, then
 * one CMD_SYNC; -f m as -f a, the pages mapped back before the CMD_SYNC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "build.h"

int main(int argc, char **argv)
{
	unsigned long long nranges = 1000000, nstreams = 4, bootn = 1;
	int mutate = 0, unprotected = 0, walk = 0, nowrite = 0, frag = 0;
	struct hl_state s;
	char err[512];
	int c;

	while ((c = getopt(argc, argv, "r:s:b:muwnf:")) != -1) {
		switch (c) {
		case 'r': nranges = strtoull(optarg, NULL, 0); break;
		case 's': nstreams = strtoull(optarg, NULL, 0); break;
		case 'b': bootn = strtoull(optarg, NULL, 0); break;
		case 'm': mutate = 1; break;
		case 'u': unprotected = 1; break;
		case 'w': walk = 1; break;
		case 'n': nowrite = 1; break;
		case 'f': frag = optarg[0]; break;
		default:
			fprintf(stderr, "usage: synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] [-u] [-w] [-n] [-f a|r|m] OUT\n");
			return 2;
		}
	}
	if (optind != argc - 1 || !nstreams || nstreams > 4096 || !bootn) {
		fprintf(stderr, "usage: synth [-r RANGES] [-s STREAMS] [-b BOOT] [-m] [-u] [-w] [-n] [-f a|r|m] OUT\n");
		return 2;
	}

	if (frag && frag != 'a' && frag != 'r' && frag != 'm') {
		fprintf(stderr, "synth: -f takes a (every other page, in order), r (every page, random order) "
			"or m (a, then mapped back)\n");
		return 2;
	}
	if ((walk || frag) && mutate) {
		fprintf(stderr, "synth: -m is for the direct build, not -w\n");
		return 2;
	}
	if (frag)
		t_synth_unmap(&s, nranges, frag);
	else if (walk)
		t_synth_walk(&s, nranges, nstreams, bootn);
	else
		t_synth(&s, nranges, nstreams, bootn, mutate);
	if (nowrite) {
		/* the intake alone (its held leaves in place): say what it built */
		hl_ranges_settle(&s);
		printf("%zu STEs, %zu CDs, %zu ranges, %zu records\n", s.stes.n, s.cds.n, s.ranges.n,
		       s.events.n);
		hl_state_free(&s);
		return 0;
	}
	if (unprotected)
		s.protect.n = 0;	/* no PROTECT section, and the log shows no VMM */
	if (hl_snapshot_write(argv[optind], &s, err, sizeof(err))) {
		fprintf(stderr, "synth: %s\n", err);
		return 2;
	}
	hl_state_free(&s);
	return 0;
}
