// SPDX-License-Identifier: GPL-2.0
/*
 * Every output form of diff and timeline, parsed back: JSON with json-c,
 * metrics with the real parser (promparse.h), Chrome trace-event JSON
 * checked for the shape Perfetto loads and the processes and tracks it shows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
#include "build.h"
#include "run.h"
#include "promparse.h"
#include "junit.h"
#include "devices.h"
#include "output.h"
#include <sys/wait.h>

static char dir[] = "/tmp/hl-out-test.XXXXXX";
static char before[4200], after[4200], broken[4200], lossy[4200];

static json_object *parse(const char *s)
{
	enum json_tokener_error e;
	json_object *o = json_tokener_parse_verbose(s, &e);

	if (!o)
		tap_diag("JSON parse error: %s", json_tokener_error_desc(e));
	return o;
}

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static int has_finding(json_object *d, const char *rule, unsigned sid)
{
	json_object *a = get(d, "findings");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i);

		if (!strcmp(json_object_get_string(get(f, "rule")), rule) &&
		    json_object_get_int(get(f, "sid")) == (int)sid && json_object_array_length(get(f, "records")) > 0)
			return 1;
	}
	return 0;
}

static void diff_outputs(void)
{
	json_object *d = NULL;
	double v = -1;

	tap_ok(run("diff", "-j", before, after, NULL) == 0 && (d = parse(run_out)) &&
	       !strcmp(json_object_get_string(get(d, "verdict")), "hitless") &&
	       json_object_get_int(get(d, "exit_status")) == 0 && json_object_array_length(get(d, "findings")) == 0,
	       "diff -j, hitless pair: parses, verdict hitless, exit 0");
	json_object_put(d);
	tap_ok(run("diff", "-p", before, broken, NULL) == 1 && (d = parse(run_out)) &&
	       !strcmp(json_object_get_string(get(d, "verdict")), "findings") &&
	       has_finding(d, R_STE_BREAK, FX_SID) && has_finding(d, R_XK_XLATE, FX_SID),
	       "diff -p, broken pair: STE-BREAK and XK-XLATE on StreamID 16, exit 1");
	json_object_put(d);
	tap_ok(run("diff", "--json", before, lossy, NULL) == 2 && (d = parse(run_out)) &&
	       !strcmp(json_object_get_string(get(d, "verdict")), "incomplete") &&
	       json_object_get_int(get(d, "lost_records")) == 3,
	       "diff -j, lossy pair: verdict incomplete, 3 lost, exit 2");
	json_object_put(d);

	tap_ok(run("diff", before, after, NULL) == 0 && !strncmp(run_out, "verdict: HITLESS", 16),
	       "diff text: the verdict first");
	tap_ok(run("diff", before, broken, NULL) == 1 && !strncmp(run_out, "verdict: NOT HITLESS", 20) &&
	       strstr(run_out, "STE-BREAK") && strstr(run_out, "StreamID 16") && strstr(run_out, "records: "),
	       "diff text: findings with StreamID and records");
	tap_ok(run("diff", before, lossy, NULL) == 2 && !strncmp(run_out, "verdict: INCOMPLETE", 19),
	       "diff text: incomplete shown first");
	tap_ok(run("diff", before, broken, NULL) == 1 && strstr(run_out, "\ndevice ") &&
	       strstr(run_out, "STE-BREAK XK-XLATE\n") && strstr(run_out, "STE-BREAK XK-XLATE\n") < strstr(run_out, "ERROR"),
	       "diff text: the per-device table (StreamID 16: NOT HITLESS, its rules) ahead of the findings");

	for (int f = 0; f < 2; f++) {
		const char *fmt = f ? "openmetrics" : "prometheus";

		v = -1;
		tap_ok(run("diff", "-f", fmt, before, broken, NULL) == 1 && !metrics_parse(run_out, fmt) &&
		       metrics_val("hitless_verdict_exit_status", &v) && v == 1,
		       "diff %s: its parser takes it, exit status 1", fmt);
		v = -1;
		tap_ok(metrics_val("hitless_findings_total{rule=\"STE-BREAK\",severity=\"error\"}", &v) && v == 1 &&
		       metrics_has("# TYPE hitless_findings counter") && metrics_has("# TYPE hitless_lost_records counter"),
		       "diff %s: one STE-BREAK finding counted; findings and lost records are counters", fmt);
		v = -1;
		tap_ok(metrics_val("hitless_device_hitless{smmu=\"0\",device=\"\",sids=\"16\"}", &v) && v == 0 &&
		       metrics_val("hitless_device_findings{smmu=\"0\",device=\"\",sids=\"16\",severity=\"error\"}", &v) &&
		       v == 2, "diff %s: a series per device: StreamID 16 not hitless, 2 errors", fmt);
	}
	tap_ok(run("diff", "-f", "chrome", before, after, NULL) == 2 && strstr(run_err, "no chrome output"),
	       "diff has no chrome output: exit 2, said so");
}

static void timeline_outputs(void)
{
	json_object *d = NULL, *crit;
	double v = -1;
	int ok = 1;

	tap_ok(run("timeline", "-j", before, after, NULL) == 0 && (d = parse(run_out)), "timeline -j parses");
	crit = get(d, "critical_path");
	{
		static const char *const want[] = {
			"old kernel: last instant (kexec reboot)", "new kernel: start", "SMMU probe: start",
			"SMMU probe: end", "StreamID 16: translation valid", "VM resumed",
		};
		for (size_t i = 0; i < 6; i++)
			ok &= crit && json_object_array_length(crit) == 6 &&
			      !strcmp(json_object_get_string(get(json_object_array_get_idx(crit, i), "step")), want[i]);
	}
	tap_ok(ok, "critical path: kexec -> kernel start -> probe start/end -> StreamID 16 valid -> VM resumed");
	if (ok) {
		/* the fixture's counter: kexec jump 180 ms + 1 us of first record; probe 300 ms later */
		long long jump = json_object_get_int64(get(json_object_array_get_idx(crit, 1), "since_previous_ns"));
		long long probe = json_object_get_int64(get(json_object_array_get_idx(crit, 3), "since_previous_ns"));

		tap_ok(llabs(jump - 180001000LL) < 100 && llabs(probe - 1001000LL) < 100,
		       "durations across kexec from CNTVCT: %lld ns (180.001 ms), probe %lld ns", jump, probe);
	} else {
		tap_ok(0, "durations across kexec");
	}
	tap_ok(json_object_array_length(get(d, "warm_path")) == 5 &&
	       get(get(d, "totals"), "kexec_to_vm_resumed_ns") && json_object_get_boolean(get(d, "complete")),
	       "warm path (iommufd, LUO finish) apart; totals");
	json_object_put(d);

	tap_ok(run("timeline", before, after, NULL) == 0 && strstr(run_out, "\ncritical path ") &&
	       strstr(run_out, "+180.001 ms") && strstr(run_out, "warm path"), "timeline text");
	for (int f = 0; f < 2; f++) {
		const char *fmt = f ? "openmetrics" : "prometheus";

		v = -1;
		tap_ok(run("timeline", "-f", fmt, before, after, NULL) == 0 && !metrics_parse(run_out, fmt) &&
		       metrics_val("hitless_critical_path_step_seconds{step=\"new kernel: start\"}", &v) &&
		       fabs(v - 0.180001) < 1e-6 && metrics_val("hitless_device_dark_seconds{smmu=\"0\",sid=\"16\"}", &v) &&
		       v == 0, "timeline %s: its parser takes it, kexec step 0.180001 s, StreamID 16 on SMMU 0", fmt);
	}
	tap_ok(run("timeline", "-f", "chrome", before, after, NULL) == 0 && (d = parse(run_out)),
	       "timeline chrome: JSON");
	{
		json_object *ev = get(d, "traceEvents");
		int slices = 0, good = ev && json_object_is_type(ev, json_type_array), global = 0;
		int procs = 0, tracks = 0, kexec = 0, probe = 0, dev = 0, ms_ok = 1, ms = 0, resumed = 0;

		for (size_t i = 0; good && i < json_object_array_length(ev); i++) {
			json_object *e = json_object_array_get_idx(ev, i);
			const char *ph = json_object_get_string(get(e, "ph")), *name = json_object_get_string(get(e, "name"));
			const char *cat = get(e, "cat") ? json_object_get_string(get(e, "cat")) : "";
			int pid = json_object_get_int(get(e, "pid")), tid = json_object_get_int(get(e, "tid"));
			double dur = get(e, "dur") ? json_object_get_double(get(e, "dur")) : -1;
			const char *an = get(e, "args") && get(get(e, "args"), "name") ?
					 json_object_get_string(get(get(e, "args"), "name")) : "";

			good &= name && ph && get(e, "pid") && get(e, "tid") && get(e, "ts");
			if (!good)
				break;
			if (!strcmp(ph, "M") && !strcmp(name, "process_name"))
				procs += (pid == 1 && !strcmp(an, "boot 1: a1a1a1a1a1a1a1a1 (old kernel)")) ||
					 (pid == 2 && !strcmp(an, "boot 2: b2b2b2b2b2b2b2b2 (new kernel)"));
			if (!strcmp(ph, "M") && !strcmp(name, "thread_name"))
				tracks += (tid == 1 && !strcmp(an, "critical path")) || (tid == 3 && !strcmp(an, "milestones")) ||
					  (tid == 4 && !strcmp(an, "SMMU")) || (tid == 5 && !strcmp(an, "StreamID 16"));
			if (!strcmp(ph, "X")) {
				slices++;
				good &= dur >= 0;
			}
			global |= get(e, "s") && !strcmp(json_object_get_string(get(e, "s")), "g");
			kexec |= !strcmp(ph, "X") && pid == 1 && tid == 1 && fabs(dur - 180001) < 1 &&
				 !strcmp(name, "old kernel: last instant (kexec reboot) -> new kernel: start");
			probe |= !strcmp(ph, "X") && pid == 2 && tid == 4 && !strcmp(name, "SMMU probe") && fabs(dur - 1001) < 1;
			dev |= !strcmp(ph, "i") && pid == 2 && tid == 5 && !strcmp(name, "StreamID 16: translation valid");
			resumed |= !strcmp(ph, "X") && !strcmp(name, "StreamID 16: translation valid -> VM resumed");
			if (!strcmp(cat, "milestone")) {
				const char *boot = json_object_get_string(get(get(e, "args"), "boot"));

				ms++;
				ms_ok &= tid == 3 && pid == (strncmp(boot, "a1", 2) ? 2 : 1);
			}
		}
		tap_ok(good && slices >= 5 && procs == 2 && tracks == 8, "timeline chrome: %d slices; a process per boot, "
		       "named (old, new kernel); tracks for the critical path, milestones, SMMU, StreamID 16", slices);
		tap_ok(kexec && resumed, "timeline chrome: slices named for what they span (the kexec: 'old kernel: last "
		       "instant -> new kernel: start', 180.001 ms, in the old kernel's process)");
		tap_ok(!global && ms > 4 && ms_ok, "timeline chrome: %d milestones on their boot's milestone track, none global",
		       ms);
		tap_ok(probe && dev, "timeline chrome: the SMMU probe on the SMMU's track, StreamID 16 valid on its own");
	}
	json_object_put(d);
	tap_ok(run("timeline", "-j", before, lossy, NULL) == 2 && (d = parse(run_out)) &&
	       !json_object_get_boolean(get(d, "complete")), "timeline with lost records: incomplete, exit 2");
	json_object_put(d);
	tap_ok(run("timeline", "-j", before, broken, NULL) == 0 && (d = parse(run_out)) &&
	       json_object_get_int64(get(json_object_array_get_idx(get(d, "devices"), 0), "dark_ns")) > 0,
	       "timeline: the broken re-install shows StreamID 16 dark for a while");
	json_object_put(d);
}

static void show_outputs(void)
{
	json_object *d = NULL;

	tap_ok(run("show", "-j", before, NULL) == 0 && (d = parse(run_out)) &&
	       json_object_array_length(get(d, "stes")) == 2 && json_object_array_length(get(d, "cds")) == 1 &&
	       json_object_array_length(get(d, "translations")) == 2 &&
	       json_object_array_length(get(d, "events")) > 10, "show -j: STEs, CDs, translations, events");
	json_object_put(d);
	tap_ok(run("show", before, NULL) == 0 && strstr(run_out, "StreamID 16: V=1 Config=S1-trans") &&
	       strstr(run_out, "CMD_CFGI_STE") && strstr(run_out, "S1ContextPtr="), "show text: spec field names");
	tap_ok(run("show", lossy, NULL) == 2 && strstr(run_out, "INCOMPLETE"), "show of a lossy snapshot: exit 2, said first");
	tap_ok(run("show", "-f", "openmetrics", before, NULL) == 2, "show has no openmetrics output: exit 2");
}

/* The XML text escaping of -f junit (and -f html): the five specials, no control characters. */
static void xml_escaping(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	hl_xml_text(m, "a<b&c\"d'e>f\x01g\nh");
	fclose(m);
	tap_ok(buf && !strcmp(buf, "a&lt;b&amp;c&quot;d&apos;e&gt;fg\nh"), "XML text: <, &, \", ', > escaped, control characters dropped");
	free(buf);
}

/*
 * -f junit groups by device: a master's StreamIDs in one suite named by its
 * PCI address, and the same StreamID on two SMMUs in two suites, each
 * finding in the suite of its own SMMU.
 */
static void junit_per_device(void)
{
	json_object *d = json_tokener_parse(
		"{\"complete\": true, \"lost_records\": 0, \"protected_devices\": ["
		"{\"sid\": 1024, \"smmu\": 0, \"device\": \"0000:04:01.0\"},"
		"{\"sid\": 1032, \"smmu\": 0, \"device\": \"0000:04:01.0\"},"
		"{\"sid\": 8, \"smmu\": 0}, {\"sid\": 8, \"smmu\": 1}],"
		"\"findings\": [{\"rule\": \"STE-BREAK\", \"severity\": \"error\", \"smmu\": 1, \"sid\": 8,"
		"\"message\": \"m\", \"records\": []}]}");
	char *buf = NULL, *s0, *s1, *dev;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	json_object_object_add(d, "devices", hl_device_table(d, NULL));	/* as diff adds it */
	hl_diff_junit(d, m);
	fclose(m);
	dev = buf ? strstr(buf, "<testsuite name=\"0000:04:01.0: StreamIDs 1024, 1032\"") : NULL;
	tap_ok(dev && !strstr(dev + 30, "0000:04:01.0"), "junit: one suite for the device's two StreamIDs, by its PCI address");
	s0 = buf ? strstr(buf, "classname=\"hitless.diff.smmu0.sid8\"") : NULL;
	s1 = buf ? strstr(buf, "classname=\"hitless.diff.smmu1.sid8\"") : NULL;
	tap_ok(s0 && s1 && strstr(buf, "<testsuite name=\"StreamID 8\" tests=\"6\" failures=\"0\"") &&
	       strstr(buf, "<testsuite name=\"StreamID 8\" tests=\"6\" failures=\"1\"") && strstr(s1, "STE-BREAK") &&
	       !(strstr(s0, "STE-BREAK") && strstr(s0, "STE-BREAK") < s1),
	       "junit: StreamID 8 on SMMU 0 and on SMMU 1 are two suites; SMMU 1's finding only in its own");
	free(buf);
	json_object_put(d);
}

/*
 * The verdict per device (lib/devices.c): a master's StreamIDs one row, the
 * same StreamID on two SMMUs two rows, a finding counted on its own SMMU's
 * row only, the longest dark StreamID of a device is its dark time, and
 * with records lost a device nothing names is incomplete, not hitless.
 */
/*
 * A page-table finding names no StreamID but the table: it counts on the rows
 * of the StreamIDs that used the table (table_users), on their own SMMU only.
 */
static void device_table_users(void)
{
	json_object *d = json_tokener_parse(
		"{\"complete\": true, \"protected_devices\": ["
		"{\"sid\": 8, \"smmu\": 0, \"device\": \"0000:00:01.0\"}, {\"sid\": 8, \"smmu\": 1},"
		"{\"sid\": 16, \"smmu\": 0, \"device\": \"0000:00:02.0\"}],"
		"\"findings\": [{\"rule\": \"INV-TLB\", \"severity\": \"error\", \"iova_start\": \"0x1000000\","
		"\"iova_end\": \"0x1200000\", \"table\": \"0x90000000\", \"table_users\": [{\"smmu\": 0, \"sid\": 8}]},"
		"{\"rule\": \"BBM-SIZE\", \"severity\": \"error\", \"table\": \"0x80000000\"}]}");
	json_object *rows = hl_device_table(d, NULL), *r0, *r1, *r2;

	r0 = json_object_array_get_idx(rows, 0);
	r1 = json_object_array_get_idx(rows, 1);
	r2 = json_object_array_get_idx(rows, 2);
	tap_ok(json_object_array_length(rows) == 3 && !strcmp(jget_s(r0, "verdict"), "findings") &&
	       jget_u(r0, "errors") == 1 &&
	       !strcmp(json_object_get_string(json_object_array_get_idx(json_object_object_get(r0, "rules"), 0)), "INV-TLB") &&
	       !strcmp(jget_s(r1, "verdict"), "hitless") && !strcmp(jget_s(r2, "verdict"), "hitless"),
	       "device table: an INV-TLB on a table StreamID 8 (SMMU 0) used is that device's, not SMMU 1's StreamID 8's "
	       "nor another device's; a finding naming neither on no row");
	json_object_put(rows);
	json_object_put(d);
}

static void device_table(void)
{
	static const char *doc =
		"{\"complete\": %s, \"protected_devices\": ["
		"{\"sid\": 1024, \"smmu\": 0, \"device\": \"0000:04:01.0\"},"
		"{\"sid\": 1032, \"smmu\": 0, \"device\": \"0000:04:01.0\"},"
		"{\"sid\": 8, \"smmu\": 0}, {\"sid\": 8, \"smmu\": 1}],"
		"\"findings\": [{\"rule\": \"STE-BREAK\", \"severity\": \"error\", \"smmu\": 1, \"sid\": 8},"
		"{\"rule\": \"BBM-SIZE\", \"severity\": \"warning\", \"smmu\": 0, \"sid\": 1032},"
		"{\"rule\": \"INV-TLB\", \"severity\": \"error\"}]}";
	json_object *tl = json_tokener_parse(
		"[{\"sid\": 1024, \"smmu\": 0, \"dark_ns\": 5, \"dark_parts_ns\": {\"ste_invalid\": 5}, \"valid_t_ns\": 100},"
		"{\"sid\": 1032, \"smmu\": 0, \"dark_ns\": 7, \"dark_parts_ns\": {\"smmu_off\": 7}, \"valid_t_ns\": 90},"
		"{\"sid\": 8, \"smmu\": 1, \"dark_ns\": 3, \"dark_parts_ns\": {}}]");
	char buf[1024];
	json_object *d, *rows, *r0, *r1, *r2;
	char *txt = NULL;
	size_t len = 0;
	FILE *m;

	snprintf(buf, sizeof(buf), doc, "true");
	d = json_tokener_parse(buf);
	rows = hl_device_table(d, tl);
	r0 = json_object_array_get_idx(rows, 0);
	r1 = json_object_array_get_idx(rows, 1);
	r2 = json_object_array_get_idx(rows, 2);
	tap_ok(json_object_array_length(rows) == 3 && !strcmp(jget_s(r0, "device"), "0000:04:01.0") &&
	       json_object_array_length(json_object_object_get(r0, "sids")) == 2 && !jopt_s(r1, "device") &&
	       jget_u(r1, "smmu") == 0 && jget_u(r2, "smmu") == 1,
	       "device table: the master's two StreamIDs one row; StreamID 8 on SMMU 0 and on SMMU 1 two rows");
	tap_ok(!strcmp(jget_s(r0, "verdict"), "findings") && jget_u(r0, "warnings") == 1 && jget_u(r0, "errors") == 0 &&
	       !strcmp(jget_s(r1, "verdict"), "hitless") && jget_u(r1, "errors") == 0 &&
	       !strcmp(jget_s(r2, "verdict"), "findings") && jget_u(r2, "errors") == 1 &&
	       !strcmp(json_object_get_string(json_object_array_get_idx(json_object_object_get(r2, "rules"), 0)), "STE-BREAK"),
	       "device table: SMMU 1's STE-BREAK on its row only; a warning makes the device not hitless (as the verdict); a finding "
	       "without a StreamID on no row");
	tap_ok(jopt_i(r0, "dark_ns", -1) == 7 && jopt_i(json_object_object_get(r0, "dark_parts_ns"), "smmu_off", -1) == 7 &&
	       jopt_i(r0, "valid_t_ns", -1) == 100 && jopt_i(r1, "dark_ns", -1) == -1 && jopt_i(r2, "dark_ns", -1) == 3,
	       "device table: a device's dark time is its longest StreamID's, with its parts; valid again at the latest");
	m = open_memstream(&txt, &len);
	hl_device_table_text(m, rows);
	fclose(m);
	tap_ok(txt && strstr(txt, "0000:04:01.0   0    1024,1032    NOT HITLESS") &&
	       strstr(txt, "-              0    8            HITLESS") &&
	       strstr(txt, "STE-BREAK\n"), "device table text: a row per device, its StreamIDs, verdict and rules");
	free(txt);
	json_object_put(rows);
	json_object_put(d);
	snprintf(buf, sizeof(buf), doc, "false");
	d = json_tokener_parse(buf);
	rows = hl_device_table(d, NULL);
	tap_ok(!strcmp(jget_s(json_object_array_get_idx(rows, 1), "verdict"), "incomplete") &&
	       !strcmp(jget_s(json_object_array_get_idx(rows, 0), "verdict"), "findings") &&
	       !strcmp(jget_s(json_object_array_get_idx(rows, 2), "verdict"), "findings") &&
	       jopt_i(json_object_array_get_idx(rows, 0), "dark_ns", -1) == -1,
	       "device table, records lost: incomplete unless a finding names the device; no timeline, no dark time");
	json_object_put(rows);
	json_object_put(d);
	json_object_put(tl);
}

/* The renderers' reads and the streaming writer's keys (lib/output.c). */
static void json_reads_and_keys(void)
{
	json_object *d = json_object_new_object();
	char *buf = NULL;
	size_t len = 0;
	int st;
	pid_t pid;
	FILE *m;
	struct hl_jw w;

	jadd_s(d, "verdict", "hitless");
	tap_ok(!strcmp(jget_s(d, "verdict"), "hitless") && !jopt_s(d, "note"), "jget_s reads a key; jopt_s: NULL when absent");
	fflush(stdout);
	pid = fork();
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2);
		jget_s(d, "verdcit");	/* a misspelt key: must not return */
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 2,
	       "jget_s of a key the document lacks: an internal error, exit 2 (not a NULL dereference)");
	pid = fork();
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 2);
		jget_u(d, "recods");
		_exit(0);
	}
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 2, "jget_u of a key the document lacks: exit 2, not 0 read silently");
	json_object_put(d);

	m = open_memstream(&buf, &len);
	hl_jw_init(&w, m, false);
	hl_jw_object(&w, NULL);
	hl_jw_u(&w, "a\"b\\c\n", 1);
	hl_jw_end(&w);
	hl_jw_finish(&w);
	fclose(m);
	d = json_tokener_parse(buf);
	tap_ok(d && jget_u(d, "a\"b\\c\n") == 1, "hl_jw escapes its keys: the output parses, the key comes back (%s)", buf);
	json_object_put(d);
	free(buf);
}

int main(void)
{
	struct hl_state a, b;
	char err[512];
	const char *names[] = { after, broken, lossy };

	if (!mkdtemp(dir))
		return 1;
	snprintf(before, sizeof(before), "%s/before.snap", dir);
	snprintf(after, sizeof(after), "%s/after.snap", dir);
	snprintf(broken, sizeof(broken), "%s/broken.snap", dir);
	snprintf(lossy, sizeof(lossy), "%s/lossy.snap", dir);
	for (int v = 0; v < 3; v++) {
		fx_build(&a, &b, v);
		if ((!v && hl_snapshot_write(before, &a, err, sizeof(err))) ||
		    hl_snapshot_write(names[v], &b, err, sizeof(err))) {
			printf("Bail out! %s\n", err);
			return 1;
		}
		hl_state_free(&a);
		hl_state_free(&b);
	}
	diff_outputs();
	timeline_outputs();
	show_outputs();
	xml_escaping();
	junit_per_device();
	device_table();
	device_table_users();
	json_reads_and_keys();
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd)) { /* best effort */ }
	}
	return tap_done();
}
