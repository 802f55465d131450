// SPDX-License-Identifier: GPL-2.0
/*
 * import, and the --trace option of snapshot and record: the patched
 * kernel's persistent trace instances (docs/early-boot-tracing.md), or a
 * stock kernel's switch probes (the kprobe events of group "hitless"),
 * into a snapshot's event log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "main.h"
#include "boot.h"
#include "records.h"
#include "snapshot.h"
#include "counter.h"
#include "tracebuf.h"
#include <tracefs/tracefs.h>

static const struct hl_opt import_opts[] = {
	HL_OPT("trace", required_argument, 'T', false, "LIST", "the instances to read (LIST above)"),
	HL_OPT("quiet", no_argument, 'q', true, NULL, "no notes on stderr"),
	HL_OPT_OUTPUT,
	{ 0 }
};

const struct hl_verb import_verb = {
	.name = "import",
	.func = do_import,
	.opts = import_opts,
	.grammar = "       LIST := INSTANCE[,INSTANCE]   default: hitless_prev,hitless (those present),\n"
		   "               and top (the top-level buffer) on a stock kernel with the switch probes\n",
	.about = "A snapshot from the persistent trace instances alone (no BPF): the\n"
		 "previous kernel's last events and this kernel's early boot, as the\n"
		 "patched kernel recorded them (docs/early-boot-tracing.md).\n"
		 "Reading consumes the instances' buffers (the snapshot keeps the records).\n",
};

int do_import(int argc, char **argv)
{
	struct hl_state st;
	const char *out = NULL, *list = NULL;
	char def[64] = "", err[512];
	u64 base = 0;
	int c, rc, quiet = 0;

	optind = 0;
	while ((c = hl_getopt(argc, argv, &import_verb)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'T': list = optarg; break;
		case 'q': quiet = 1; break;
		default:
			rc = hl_common_opt(c, optarg);
			if (rc == 2) {
				hl_usage(stdout, &import_verb);
				return 0;
			}
			if (rc <= 0) {
				if (!rc)
					hl_usage(stderr, &import_verb);
				return HL_EXIT_ERROR;
			}
		}
	}
	if (!out || optind != argc) {
		hl_usage(stderr, &import_verb);
		return HL_EXIT_ERROR;
	}
	if (geteuid() != 0) {
		p_err("import reads the kernel's trace instances: run it as root");
		return HL_EXIT_ERROR;
	}
	if (!list) {
		if (tracefs_instance_exists("hitless_prev"))
			strcat(def, "hitless_prev");
		if (tracefs_instance_exists("hitless"))
			strcat(def, def[0] ? ",hitless" : "hitless");
		/* a stock kernel's boot-time switch probes record in the top-level buffer */
		if (tracefs_file_exists(NULL, "events/hitless/enable"))
			strcat(def, def[0] ? "," HL_TB_TOP : HL_TB_TOP);
		if (!def[0]) {
			p_err("no trace instance hitless or hitless_prev: boot with the command line of "
			      "docs/early-boot-tracing.md, or name the instances with --trace");
			return HL_EXIT_ERROR;
		}
		list = def;
	}
	hl_state_init(&st);
	hl_state_identity(&st, HL_MODE_TRACEPOINT);
	if (hl_trace_begin(&st, list, quiet, &base)) {
		hl_state_free(&st);
		return HL_EXIT_ERROR;
	}
	hl_clock_sample(&st);
	st.meta.created_ktime = hl_now_ns(CLOCK_MONOTONIC);
	st.meta.created_real = hl_now_ns(CLOCK_REALTIME);
	hl_ranges_compress(&st);
	if (hl_snapshot_write(out, &st, err, sizeof(err))) {
		p_err("%s", err);
		hl_state_free(&st);
		return HL_EXIT_ERROR;
	}
	hl_trace_end(&st, list, base, 0);
	if (!quiet)
		fprintf(stderr, "hitless: %s: %zu records, %zu STEs, %zu CDs, %zu translation ranges\n", out,
			st.events.n, st.stes.n, st.cds.n, st.ranges.n);
	rc = st.losses.n ? HL_EXIT_ERROR : 0;
	hl_state_free(&st);
	return rc;
}
