// SPDX-License-Identifier: GPL-2.0
/*
 * import, and the --trace option of snapshot and record: the patched
 * kernel's persistent trace instances (docs/early-boot-tracing.md), or a
 * stock kernel's switch probes (the kprobe events of group "hitless"),
 * into a snapshot's event log.
 *
 * Markers.  Every capture writes "hitless: start boot=... boot_id=...
 * ktime_ns=... cntvct=... cntfrq=..." to the trace_marker of the instances
 * it is given and of "hitless" when it starts, and "hitless: end boot=...
 * last_seq=N imported=N covered=0|1" when it has written its snapshot.
 * They land in the persistent buffer and come back in the next boot's
 * backup instance: the start marker names that boot and ties its trace
 * clock to its CLOCK_MONOTONIC; the end marker says which of its events
 * that boot's own snapshot already holds and where its sequence numbers end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "main.h"
#include "records.h"
#include "snapshot.h"
#include "counter.h"
#include "tracebuf.h"
#include <tracefs/tracefs.h>

int hl_trace_begin(struct hl_state *s, const char *list, int quiet, u64 *seq_base)
{
	struct hl_tb_opts o = { .boot = s->meta.boot, .cntfrq = hl_cntfrq(), .quiet = quiet };
	struct hl_tb_result res;
	char line[256], err[512];

	*seq_base = 0;
	o.now_ktime = hl_now_ns(CLOCK_MONOTONIC);
	o.now_cnt = hl_cntvct();
	snprintf(line, sizeof(line), HL_TB_MARK_START " boot=%016llx boot_id=%s ktime_ns=%llu cntvct=%llu cntfrq=%llu\n",
		 (unsigned long long)s->meta.boot, s->meta.boot_id, (unsigned long long)o.now_ktime,
		 (unsigned long long)o.now_cnt, (unsigned long long)o.cntfrq);
	hl_tb_mark(list, line);
	if (!list)
		return 0;
	/* a stock kernel: from now on, its last actions go to the persistent instance too */
	switch (hl_tb_arm_stock("hitless")) {
	case 1:
		if (!quiet)
			fprintf(stderr, "hitless: stock kernel: kprobe events hitless/* now also recorded in "
				"trace instance hitless (for the next kernel's hitless_prev)\n");
		break;
	case -1:
		p_err("--trace: cannot enable the kprobe events hitless/* in trace instance hitless");
		return HL_EXIT_ERROR;
	}
	if (hl_tb_import(s, list, &o, &res, err, sizeof(err))) {
		p_err("--trace: %s", err);
		return HL_EXIT_ERROR;
	}
	*seq_base = res.imported_current;
	return 0;
}

void hl_trace_end(const struct hl_state *s, const char *list, u64 imported, int covered)
{
	char line[256];
	u64 last = 0;

	for (size_t i = 0; i < s->events.n; i++)
		if (s->events.v[i].hdr.boot == s->meta.boot && s->events.v[i].hdr.seq > last)
			last = s->events.v[i].hdr.seq;
	snprintf(line, sizeof(line), HL_TB_MARK_END " boot=%016llx boot_id=%s ktime_ns=%llu cntvct=%llu "
		 "last_seq=%llu imported=%llu covered=%d\n", (unsigned long long)s->meta.boot, s->meta.boot_id,
		 (unsigned long long)hl_now_ns(CLOCK_MONOTONIC), (unsigned long long)hl_cntvct(),
		 (unsigned long long)last, (unsigned long long)imported, covered);
	hl_tb_mark(list, line);
}

static void import_usage(FILE *f)
{
	fprintf(f,
		"Usage: hitless import [OPTIONS] [--trace LIST] -o FILE\n"
		"       A snapshot from the persistent trace instances alone (no BPF): the\n"
		"       previous kernel's last events and this kernel's early boot, as the\n"
		"       patched kernel recorded them (docs/early-boot-tracing.md).\n"
		"       LIST := INSTANCE[,INSTANCE]   default: hitless_prev,hitless (those present),\n"
		"               and top (the top-level buffer) on a stock kernel with the switch probes\n"
		"       Reading consumes the instances' buffers (the snapshot keeps the records).\n"
		HL_COMMON_HELP);
}

int do_import(int argc, char **argv)
{
	static const struct option lo[] = {
		HL_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "trace", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 }
	};
	struct hl_state st;
	const char *out = NULL, *list = NULL;
	char def[64] = "", err[512];
	u64 base = 0;
	int c, rc, quiet = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, HL_COMMON_OPTS "o:q", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'T': list = optarg; break;
		case 'q': quiet = 1; break;
		default:
			rc = hl_common_opt(c, optarg);
			if (rc == 2) {
				import_usage(stdout);
				return 0;
			}
			if (rc <= 0) {
				if (!rc)
					import_usage(stderr);
				return HL_EXIT_ERROR;
			}
		}
	}
	if (!out || optind != argc) {
		import_usage(stderr);
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
