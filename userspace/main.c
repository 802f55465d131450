// SPDX-License-Identifier: GPL-2.0
/*
 * hitless: did a live update keep every device's DMA translation intact
 * through the Arm SMMUv3, and how long was the device dark?
 *
 * bpftool-style: a verb table, a usage synopsis per verb, one output layer;
 * perf-style: each verb's option table prints its help (cli.c hl_usage()).
 */
#include <stdlib.h>
#include <string.h>
#include "main.h"
#include "snapshot.h"

static int do_help(int argc, char **argv);
static void usage(FILE *f);

const struct hl_verb *const hl_verbs[] = {
	&show_verb, &diff_verb, &timeline_verb, &record_verb, &snapshot_verb, &import_verb, &monitor_verb, NULL
};

static const struct hl_opt main_opts[] = {
	HL_OPT("version", no_argument, 'V', true, NULL, "the version, and those of the record and snapshot formats"),
	{ 0 }
};

const struct hl_verb hl_main_verb = { .name = "hitless", .opts = main_opts };

/*
 * Each verb's synopsis from its own table (the line its --help starts
 * with), under "hitless VERB " padded to the longest verb.
 */
static void usage(FILE *f)
{
	fprintf(f, "Usage: hitless [OPTIONS] VERB ...\n");
	for (const struct hl_verb *const *k = hl_verbs; *k; k++) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "       hitless %-8s ", (*k)->name);
		hl_synopsis(f, *k, prefix, (int)strlen(prefix));
	}
	fprintf(f, "       hitless help [VERB]\n");
	hl_common_grammar(f);
	fprintf(f,
		"       FORMAT := { text | json | prometheus | openmetrics | chrome | junit | html }   (-j = -f json)\n"
		"       hitless VERB --help   for a verb's synopsis\n");
	hl_opt_list(f, hl_common_opts);
	hl_opt_list(f, main_opts);
	fprintf(f,
		"Exit: 0 hitless, 1 findings, 2 error, bad input (a foreign, truncated or damaged\n"
		"      file) or incomplete (records lost); record, snapshot and monitor only: 3 not root\n"
		"      (no CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN), 4 no kernel BTF, 5 --mode\n"
		"      tracepoint on a kernel without the hitless series, 6 no SMMUv3 driver.\n"
		"Environment: HITLESS_BTF=FILE  the kernel's BTF from FILE, not /sys/kernel/btf/vmlinux\n");
}

/* help [VERB]: the verb's own --help, else the list of verbs */
static int do_help(int argc, char **argv)
{
	if (argc > 2) {
		p_err("help takes one verb at most");
		return HL_EXIT_ERROR;
	}
	if (argc == 2) {
		for (const struct hl_verb *const *k = hl_verbs; *k; k++)
			if (!strcmp(argv[1], (*k)->name)) {
				char *av[] = { argv[1], "--help", NULL };

				return (*k)->func(2, av);
			}
		p_err("help: unknown verb '%s'; try 'hitless help'", argv[1]);
		return HL_EXIT_ERROR;
	}
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	int c, rc;

	/* global options stop at the verb ("+"); the verb parses its own */
	while ((c = hl_getopt(argc, argv, &hl_main_verb)) != -1) {
		if (c == 'V') {
			printf("hitless %s (records v%d, snapshots v%d.%d)\n", HL_VERSION,
			       HL_RECORD_VERSION, HL_SNAP_MAJOR, HL_SNAP_MINOR);
			return 0;
		}
		rc = hl_common_opt(c, optarg);
		if (rc == 2) {
			usage(stdout);
			return 0;
		}
		if (rc <= 0) {
			if (!rc)
				usage(stderr);
			return HL_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return HL_EXIT_ERROR;
	}
	if (!strcmp(argv[optind], "help"))
		return do_help(argc - optind, argv + optind);
	for (const struct hl_verb *const *k = hl_verbs; *k; k++)
		if (!strcmp(argv[optind], (*k)->name))
			return (*k)->func(argc - optind, argv + optind);
	p_err("unknown verb '%s'; try 'hitless help'", argv[optind]);
	return HL_EXIT_ERROR;
}
