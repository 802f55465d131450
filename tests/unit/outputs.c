// SPDX-License-Identifier: GPL-2.0
/*
 * Every output form of diff and timeline, parsed back: JSON with json-c,
 * OpenMetrics with a small parser of the text exposition format, Chrome
 * trace-event JSON checked for the shape Perfetto loads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "tap.h"
#include "build.h"
#include "run.h"

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

/*
 * OpenMetrics text (openmetrics.io): "# TYPE name type", "# HELP name text",
 * samples "name{label="value",...} number", ending with "# EOF".  Returns
 * the number of samples, or -1; *val gets the value of `want` (if found).
 */
static int om_parse(const char *text, const char *want, double *val)
{
	char types[64][96];
	int ntypes = 0, samples = 0, eof = 0;
	const char *l = text;

	while (*l) {
		const char *nl = strchr(l, '\n');
		char line[1024], name[96];
		size_t len;

		if (!nl)
			return -1;	/* every line ends with \n */
		len = nl - l;
		if (len >= sizeof(line) || eof)
			return -1;	/* nothing after # EOF */
		memcpy(line, l, len);
		line[len] = 0;
		l = nl + 1;
		if (!strcmp(line, "# EOF")) {
			eof = 1;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char type[32];

			if (sscanf(line + 7, "%95s %31s", name, type) != 2 || ntypes == 64 ||
			    (strcmp(type, "gauge") && strcmp(type, "counter") && strcmp(type, "info")))
				return -1;
			strcpy(types[ntypes++], name);
			continue;
		}
		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# UNIT ", 7)) {
			char unit[32];

			/* the family must be declared and end in _<unit> */
			if (sscanf(line + 7, "%95s %31s", name, unit) != 2 || !ntypes || strcmp(types[ntypes - 1], name) ||
			    strlen(name) <= strlen(unit) || strcmp(name + strlen(name) - strlen(unit), unit))
				return -1;
			continue;
		}
		if (line[0] == '#')
			return -1;
		{
			char *sp = strrchr(line, ' '), *end, *brace;
			double v;
			int known = 0;

			if (!sp)
				return -1;
			*sp = 0;
			v = strtod(sp + 1, &end);
			if (*end || end == sp + 1)
				return -1;
			brace = strchr(line, '{');
			if (brace) {
				if (line[strlen(line) - 1] != '}')
					return -1;
				/* labels: name="value" pairs, comma separated */
				for (char *q = brace + 1; *q != '}';) {
					char *eq = strchr(q, '=');

					if (!eq || eq[1] != '"')
						return -1;
					for (q = eq + 2; *q && *q != '"'; q++)
						if (*q == '\\')
							q++;
					if (*q != '"')
						return -1;
					q++;
					if (*q == ',')
						q++;
					else if (*q != '}')
						return -1;
				}
				snprintf(name, sizeof(name), "%.*s", (int)(brace - line), line);
			} else {
				snprintf(name, sizeof(name), "%.95s", line);
			}
			for (int i = 0; i < ntypes; i++)
				known |= !strcmp(types[i], name);
			if (!known)
				return -1;	/* sample of an undeclared family */
			if (want && !strcmp(line, want))
				*val = v;
			samples++;
		}
	}
	return eof ? samples : -1;
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

	tap_ok(run("diff", "-f", "openmetrics", before, broken, NULL) == 1 &&
	       om_parse(run_out, "hitless_verdict_exit_status", &v) > 0 && v == 1,
	       "diff openmetrics: valid exposition, exit status 1");
	v = -1;
	tap_ok(om_parse(run_out, "hitless_findings{rule=\"STE-BREAK\",severity=\"error\"}", &v) > 0 && v == 1,
	       "diff openmetrics: one STE-BREAK finding counted");
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
	tap_ok(run("timeline", "-f", "openmetrics", before, after, NULL) == 0 &&
	       om_parse(run_out, "hitless_critical_path_step_seconds{step=\"new kernel: start\"}", &v) > 0 &&
	       fabs(v - 0.180001) < 1e-6, "timeline openmetrics: valid, kexec step 0.180001 s");
	tap_ok(run("timeline", "-f", "chrome", before, after, NULL) == 0 && (d = parse(run_out)),
	       "timeline chrome: JSON");
	{
		json_object *ev = get(d, "traceEvents");
		int slices = 0, good = ev && json_object_is_type(ev, json_type_array), resumed = 0;

		for (size_t i = 0; good && i < json_object_array_length(ev); i++) {
			json_object *e = json_object_array_get_idx(ev, i);
			const char *ph = json_object_get_string(get(e, "ph"));

			good &= get(e, "name") && ph && get(e, "pid") && get(e, "tid") && get(e, "ts");
			if (ph && !strcmp(ph, "X")) {
				slices++;
				good &= get(e, "dur") && json_object_get_double(get(e, "dur")) >= 0;
			}
			resumed |= !strcmp(json_object_get_string(get(e, "name")), "VM resumed");
		}
		tap_ok(good && slices >= 5 && resumed, "timeline chrome: traceEvents with %d complete slices, VM resumed",
		       slices);
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
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd)) { /* best effort */ }
	}
	return tap_done();
}
