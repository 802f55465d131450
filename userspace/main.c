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
static void usage(FILE *f);

static const struct cmd cmds[] = {
	{ "show", do_show, show_usage },
	{ "diff", do_diff, diff_usage },
	{ "timeline", do_timeline, timeline_usage },
	{ "record", do_record, record_usage },
	{ "snapshot", do_snapshot, snapshot_usage },
	{ "import", do_import, import_usage },
	{ "monitor", do_monitor, monitor_usage },
	{ "help", do_help, NULL },
	{ 0 }
};

/*
 * A verb's synopsis, from its own --help: the "Usage: hitless VERB ..."
 * line and the lines that continue it (indented, starting with '['), laid
 * out under "hitless VERB " padded to the longest verb.  It cannot drift.
 */
static void synopsis(FILE *f, const struct cmd *k)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int n = 0;

	if (!m)
		return;
	k->usage(m);
	fclose(m);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *t = line + strspn(line, " ");

		if (!n && !strncmp(line, "Usage: hitless ", 15)) {
			t = line + 15 + strlen(k->name);
			fprintf(f, "       hitless %-8s%s\n", k->name, t);
		} else if (n && !strncmp(t, "hitless ", 8) && !strncmp(t + 8, k->name, strlen(k->name))) {
			/* another form of the verb */
			fprintf(f, "       hitless %-8s%s\n", k->name, t + 8 + strlen(k->name));
		} else if (n && t > line && *t == '[') {
			fprintf(f, "                        %s\n", t);
		} else {
			break;
		}
		n++;
	}
	free(buf);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: hitless [OPTIONS] VERB ...\n");
	for (const struct cmd *k = cmds; k->usage; k++)
		synopsis(f, k);
	fprintf(f,
		"       hitless help [VERB]\n"
		HL_COMMON_HELP
		"       FORMAT := { text | json | prometheus | openmetrics | chrome | junit | html }   (-j = -f json)\n"
		"       hitless VERB --help   for a verb's synopsis\n"
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
		for (const struct cmd *k = cmds; k->name; k++)
			if (strcmp(k->name, "help") && !strcmp(argv[1], k->name)) {
				char *av[] = { argv[1], "--help", NULL };

				return k->func(2, av);
			}
		p_err("help: unknown verb '%s'; try 'hitless help'", argv[1]);
		return HL_EXIT_ERROR;
	}
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
