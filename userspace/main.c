// SPDX-License-Identifier: GPL-2.0
/*
 * hitless: did a live update keep every device's DMA translation intact
 * through the Arm SMMUv3, and how long was the device dark?
 *
 * bpftool-style: a verb table, a usage synopsis per verb, one output layer.
 */
#include <stdlib.h>
#include <string.h>
#include "main.h"
#include "snapshot.h"

static int do_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "show", do_show },
	{ "diff", do_diff },
	{ "timeline", do_timeline },
	{ "record", do_record },
	{ "snapshot", do_snapshot },
	{ "monitor", do_monitor },
	{ "import", do_import },
	{ "help", do_help },
	{ 0 }
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hitless [OPTIONS] VERB ...\n"
		"       hitless show     [OPTIONS] SNAPSHOT\n"
		"       hitless diff     [OPTIONS] [--protect SIDS] BEFORE [AFTER]\n"
		"       hitless timeline [OPTIONS] [--protect SIDS] SNAPSHOT [SNAPSHOT]\n"
		"       hitless record   [OPTIONS] [--mode MODE] [--pinned [DIR]] [--no-walk] [--verify] [--trace LIST] -o FILE\n"
		"       hitless snapshot [OPTIONS] [--pinned [DIR]] [--trace LIST] -o FILE\n"
		"       hitless import   [OPTIONS] [--trace LIST] -o FILE\n"
		"       hitless monitor  [OPTIONS] [--protect SIDS] [--metrics FILE] [--interval SEC]\n"
		"                        [--pinned [DIR]] [--buffer SIZE] [--window N]\n"
		"       hitless help\n"
		HL_COMMON_HELP
		"       FORMAT := { text | json | prometheus | openmetrics | chrome | junit | html }   (-j = -f json)\n"
		"       hitless VERB --help   for a verb's synopsis\n"
		"Exit: 0 hitless, 1 findings, 2 error, bad input (a foreign, truncated or damaged\n"
		"      file) or incomplete (records lost); record, snapshot and monitor only: 3 not root\n"
		"      (no CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN), 4 no kernel BTF, 5 --mode\n"
		"      tracepoint on a kernel without the hitless series, 6 no SMMUv3 driver.\n"
		"Environment: HITLESS_BTF=FILE  the kernel's BTF from FILE, not /sys/kernel/btf/vmlinux\n");
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		HL_COMMON_LONGOPTS, { "version", no_argument, NULL, 'V' }, { 0 }
	};
	int c, rc;

	/* global options stop at the verb ("+"); the verb parses its own */
	while ((c = getopt_long(argc, argv, "+" HL_COMMON_OPTS "V", lo, NULL)) != -1) {
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
	for (const struct cmd *k = cmds; k->name; k++)
		if (!strcmp(argv[optind], k->name))
			return k->func(argc - optind, argv + optind);
	p_err("unknown verb '%s'; try 'hitless help'", argv[optind]);
	return HL_EXIT_ERROR;
}
