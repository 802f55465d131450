// SPDX-License-Identifier: GPL-2.0
/*
 * monitor: long-running on a host, every record judged as it comes
 * (lib/monitor.c, over lib/capture.c), each finding printed once settled,
 * the metrics file rewritten every interval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "main.h"
#include "boot.h"
#include "capture.h"
#include "metrics.h"
#include "monitor.h"
#include "verdict.h"

struct mon_out {
	bool json;
	u64 boot;
};

/* One event, one line (JSON Lines): -p does not apply. */
static void mon_json_line(json_object *j)
{
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

static void mon_print(const struct hl_finding *f, void *arg)
{
	struct mon_out *o = arg;

	if (o->json) {
		json_object *j = hl_finding_json(f);

		json_object_object_add(j, "event", json_object_new_string("finding"));
		mon_json_line(j);
	} else {
		json_object *j = hl_finding_json(f);

		hl_finding_text(stdout, j, true);
		json_object_put(j);
	}
	fflush(stdout);
}

/*
 * Ring-buffer drops the BPF side counted (its LOST record comes only with
 * the next record that fits): reported at once, and once.
 */
static void mon_losses(struct hl_cap *c, struct hl_mon *m, struct mon_out *o, u64 *reported)
{
	u64 lost;

	m->ringbuf_dropped = hl_cap_dropped(c);
	lost = hl_mon_lost(m);
	if (lost <= *reported)
		return;
	if (o->json) {
		json_object *j = json_object_new_object();

		jadd_s(j, "event", "lost");
		jadd_u(j, "lost_records", lost);
		jadd_u(j, "new", lost - *reported);
		json_object_object_add(j, "complete", json_object_new_boolean(false));
		mon_json_line(j);
	} else
		printf("LOST    %llu record(s) dropped (%llu in all): the verdict is incomplete from here\n",
		       (unsigned long long)(lost - *reported), (unsigned long long)lost);
	fflush(stdout);
	*reported = lost;
}

static enum hl_mfmt mon_mfmt;	/* --metrics-format */

static int mon_metrics(const struct hl_mon *m, const char *path, struct hl_cap *c)
{
	u64 peak, size;

	if (!path)
		return 0;
	hl_cap_ring_peak(c, &peak, &size);
	if (hl_mon_metrics_write(m, path, mon_mfmt, hl_now_ns(CLOCK_MONOTONIC), hl_now_ns(CLOCK_REALTIME),
				 peak, size)) {
		p_err("--metrics %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static const struct hl_opt monitor_opts[] = {
	HL_OPT("protect", required_argument, 'x', false, "SIDS", "the protected StreamIDs (SIDS above): their findings are judged as a VMM's"),
	HL_OPT("metrics", required_argument, 'M', false, "FILE",
	  "the metrics, rewritten atomically every interval (mode 0644), for node_exporter's "
	  "textfile collector"),
	HL_OPT("metrics-format", required_argument, 'F', false, "prometheus|openmetrics",
	  "the file's format (default prometheus: the text format the textfile collector reads)"),
	HL_OPT("interval", required_argument, 'i', false, "SEC", "how often the metrics are written (default 10)"),
	HL_OPT_PINNED,
	HL_OPT_BUFFER,
	HL_OPT_MODE,
	HL_OPT("window", required_argument, 'w', false, "N",
	  "re-anchor the judging window past N records (default 65536): memory stays bounded "
	  "(docs/output.md \"monitor\")"),
	HL_OPT_DURATION,
	HL_OPT_STOP_FILE,
	HL_OPT("ready-file", required_argument, 'r', false, "PATH", "created once monitoring (for scripts)"),
	HL_OPT_QUIET,
	{ 0 }
};

const struct hl_verb monitor_verb = {
	.name = "monitor",
	.func = do_monitor,
	.opts = monitor_opts,
	.grammar = "       SIDS := SID[,SID]...   SID := [SMMU:]StreamID\n"
		   "       MODE := { auto | tracepoint | fentry }   as record's\n",
	.about = "Long-running on a host: walk the state, then judge every record as it\n"
		 "comes; each finding on the protected StreamIDs is printed once, as soon\n"
		 "as no later record can change it (one JSON object per line with -j);\n"
		 "lost records at once.  On SIGINT/SIGTERM (or --duration, PATH) the log's\n"
		 "end is judged as `diff` judges it, and the verdict printed.\n",
	.tail = "Exit: 0 hitless, 1 findings, 2 error or incomplete (records lost),\n"
		"      3 not root, 4 no kernel BTF, 5 --mode tracepoint without the\n"
		"      hitless series, 6 no SMMUv3 driver, 7 no finding but no\n"
		"      --protect (nothing was judged as a VMM's)\n",
};

int do_monitor(int argc, char **argv)
{
	struct hl_state prot;
	const char *metrics = NULL, *pinned = NULL, *mode = NULL, *stop_file = NULL, *ready = NULL;
	double interval = 10, duration = 0;
	unsigned long long window = 65536;
	struct hl_cap c = { 0 };
	struct hl_mon m;
	struct mon_out out;
	u64 t0, last_metrics, reported_lost = 0, judged = 0, judged_at = 0;
	bool settled = true;
	int ch, rc, quiet = 0;

	hl_state_init(&prot);
	optind = 0;
	while ((ch = hl_getopt(argc, argv, &monitor_verb)) != -1) {
		switch (ch) {
		case 'x':
			if (hl_parse_protect(optarg, &prot)) {
				p_err("bad --protect '%s': expected SID[,SID] with SID := [SMMU:]StreamID", optarg);
				goto bad;
			}
			break;
		case 'M': metrics = optarg; break;
		case 'F':
			if (hl_mfmt_parse(optarg, &mon_mfmt)) {
				p_err("--metrics-format is prometheus or openmetrics, not '%s'", optarg);
				goto bad;
			}
			break;
		case 'i':
			interval = hl_parse_seconds("--interval", optarg);
			if (interval < 0)
				goto bad;
			break;
		case 'd':
			duration = hl_parse_seconds("--duration", optarg);
			if (duration < 0)
				goto bad;
			break;
		case 'w':
			if (hl_parse_count("--window", optarg, 16, 1ULL << 28, &window))
				goto bad;
			break;
		case 'P': pinned = optarg ? optarg : HL_PIN_DIR; break;
		case 'B':
			c.ringbuf_bytes = hl_parse_buffer(optarg);
			if (!c.ringbuf_bytes)
				goto bad;
			break;
		case 'm':
			if (hl_parse_mode(optarg))
				goto bad;
			mode = optarg;
			break;
		case 's': stop_file = optarg; break;
		case 'r': ready = optarg; break;
		case 'q': quiet = 1; break;
		default:
			rc = hl_common_opt(ch, optarg);
			if (rc == 2) {
				hl_usage(stdout, &monitor_verb);
				hl_state_free(&prot);
				return 0;
			}
			if (rc <= 0) {
				if (!rc)
					hl_usage(stderr, &monitor_verb);
				goto bad;
			}
		}
	}
	if (optind < argc) {
		p_err("monitor takes no file argument ('%s'): the metrics go to --metrics FILE", argv[optind]);
		goto bad;
	}
	if (env.format != FMT_TEXT && env.format != FMT_JSON) {
		p_err("monitor prints text or JSON lines (-j), not %s; --metrics FILE writes the metrics",
		      hl_format_name(env.format));
		goto bad;
	}
	out.json = env.format == FMT_JSON;
	if (metrics) {
		/* a directory that will not take the file is an error now, not in an hour */
		char dir[4096], *sl;

		snprintf(dir, sizeof(dir), "%s", metrics);
		sl = strrchr(dir, '/');
		if (sl)
			*(sl == dir ? sl + 1 : sl) = 0;
		else
			snprintf(dir, sizeof(dir), ".");
		if (access(dir, W_OK | X_OK)) {
			p_err("--metrics %s: cannot write in %s: %s", metrics, dir, strerror(errno));
			goto bad;
		}
	}

	c.quiet = quiet;
	hl_catch_stop();
	hl_mon_init(&m, prot.protect.v, prot.protect.n, window);
	rc = hl_cap_open(&c, pinned, 0, mode, "monitor");
	if (rc) {
		hl_cap_close(&c);
		hl_mon_free(&m);
		hl_state_free(&prot);
		return rc;
	}
	/* the capture's identity is the window's; records go to the monitor */
	hl_state_free(&m.st);
	m.st = c.st;
	hl_state_init(&c.st);
	c.st.meta = m.st.meta;
	c.st.meta.mode = pinned ? HL_MODE_UNKNOWN : c.mode;
	m.st.meta.mode = c.st.meta.mode;
	c.mon = &m;
	out.boot = m.st.meta.boot;
	if (hl_cap_walk(&c, 4096) < 0)
		goto fail;
	hl_cap_smmus(&c);
	for (size_t i = 0; i < c.st.smmus.n; i++)
		VEC_PUSH(m.st.smmus, c.st.smmus.v[i]);
	for (size_t i = 0; i < c.st.smmu_ids.n; i++)
		VEC_PUSH(m.st.smmu_ids, c.st.smmu_ids.v[i]);
	if (!prot.protect.n)
		p_note(c.quiet, "no --protect: entry updates are classified only, no StreamID is protected");
	hl_mon_judge(&m, hl_now_ns(CLOCK_MONOTONIC), mon_print, &out);
	p_note(c.quiet, "monitoring %zu protected StreamID(s) (%llu records walked)", prot.protect.n,
	    (unsigned long long)c.records);
	if (mon_metrics(&m, metrics, &c))
		goto fail;
	/* ready once the first metrics file is there: a script that waits for it reads one */
	hl_touch(ready);
	t0 = last_metrics = hl_now_ns(CLOCK_MONOTONIC);
	while (!hl_stop) {
		u64 now;

		hl_cap_ring_sample(&c);
		if (hl_cap_poll(&c, 100))
			goto fail;
		mon_losses(&c, &m, &out, &reported_lost);
		/*
		 * Each judgement replays the whole window: at most one per
		 * 100 ms while records come, and one more once they stop and
		 * what was being written has settled.
		 */
		now = hl_now_ns(CLOCK_MONOTONIC);
		if (m.records != judged ? now - judged_at >= HL_MON_SETTLE_NS :
		    !settled && now - judged_at > m.settle_ns) {
			settled = m.records == judged;
			judged_at = now;
			judged = m.records;
			hl_mon_judge(&m, now, mon_print, &out);
		}
		now = hl_now_ns(CLOCK_MONOTONIC);
		if (now - last_metrics >= interval * 1e9) {
			if (mon_metrics(&m, metrics, &c))
				goto fail;
			last_metrics = now;
		}
		if (duration > 0 && now - t0 >= duration * 1e9)
			break;
		if (stop_file && !access(stop_file, F_OK))
			break;
	}
	hl_cap_ring_sample(&c);
	hl_cap_drain(&c);
	mon_losses(&c, &m, &out, &reported_lost);
	rc = hl_mon_final(&m, mon_print, &out);
	/* the SMMUv3 driver came and its programs could not be loaded (said then): incomplete */
	if (c.late_failed)
		rc = HL_EXIT_ERROR;
	/* no finding over nothing protected is no green light */
	if (!rc && !prot.protect.n)
		rc = HL_EXIT_UNPROTECTED;
	if (out.json) {
		json_object *j = json_object_new_object();

		jadd_s(j, "event", "verdict");
		jadd_s(j, "verdict", rc == 2 ? "incomplete" : rc == 1 ? "findings" :
			rc == HL_EXIT_UNPROTECTED ? "unprotected" : "hitless");
		jadd_u(j, "exit_status", rc);
		jadd_u(j, "errors", m.nerrors);
		jadd_u(j, "warnings", m.nwarnings);
		jadd_u(j, "records", m.records);
		jadd_u(j, "lost_records", hl_mon_lost(&m));
		jadd_u(j, "sequence_gaps", m.gaps);
		jadd_u(j, "inconsistent_writes", m.inconsistent);
		jadd_u(j, "reanchors", m.anchors);
		mon_json_line(j);
	} else if (rc == 2)
		printf("verdict: INCOMPLETE (exit 2): %llu records lost, %llu sequence gaps, %llu inconsistent writes; %llu errors, %llu warnings found\n",
		       (unsigned long long)hl_mon_lost(&m), (unsigned long long)m.gaps,
		       (unsigned long long)m.inconsistent, (unsigned long long)m.nerrors,
		       (unsigned long long)m.nwarnings);
	else if (rc == 1)
		printf("verdict: NOT HITLESS (exit 1): %llu errors, %llu warnings over %llu records\n",
		       (unsigned long long)m.nerrors, (unsigned long long)m.nwarnings,
		       (unsigned long long)m.records);
	else if (rc == HL_EXIT_UNPROTECTED)
		printf("verdict: NOTHING PROTECTED (exit %d) over %llu records: no --protect, no StreamID judged\n",
		       rc, (unsigned long long)m.records);
	else
		printf("verdict: HITLESS (exit 0) over %llu records\n", (unsigned long long)m.records);
	fflush(stdout);
	if (mon_metrics(&m, metrics, &c))
		rc = HL_EXIT_ERROR;
	c.mon = NULL;
	hl_cap_close(&c);
	hl_mon_free(&m);
	hl_state_free(&prot);
	return rc;
fail:
	c.mon = NULL;
	hl_cap_close(&c);
	hl_mon_free(&m);
	hl_state_free(&prot);
	return HL_EXIT_ERROR;
bad:
	hl_state_free(&prot);
	return HL_EXIT_ERROR;
}
