// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics in the Prometheus text exposition format (prometheus.io/docs/
 * instrumenting/exposition_formats) or OpenMetrics (openmetrics.io).  The
 * differences that matter here: a counter's family is named with _total in
 * the first and without it in the second (its samples have it in both);
 * OpenMetrics has "# UNIT" lines and ends with "# EOF"; HELP comes first in
 * the first.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "output.h"

struct hl_mfam {
	const char *name;	/* a counter's without _total */
	const char *type;	/* "gauge" or "counter" */
	const char *unit;	/* NULL, or the suffix the name ends with */
	const char *help;
};

static const struct hl_mfam fams[] = {
	{ "hitless_verdict_exit_status", "gauge", NULL,
	  "The verdict's exit status: 0 hitless, 1 findings, 2 incomplete (records lost), 7 nothing protected." },
	{ "hitless_lost_records", "counter", NULL, "Records the producer dropped." },
	{ "hitless_sequence_gaps", "counter", NULL, "Records missing from the sequence numbers." },
	{ "hitless_inconsistent_writes", "counter", NULL,
	  "Entry writes whose before is not the last after (a write was missed)." },
	{ "hitless_findings", "counter", NULL, "Findings per rule and severity." },
	{ "hitless_verdict_findings", "counter", NULL, "Findings per severity, every rule." },
	{ "hitless_entry_updates", "gauge", NULL, "STE/CD updates by kind." },
	{ "hitless_protected_valid_seconds", "gauge", "seconds",
	  "Time the protected StreamID's STE was valid with its SMMU enabled, since the monitor started." },
	{ "hitless_device_dark_seconds", "gauge", "seconds",
	  "Time the StreamID had no translation: STE invalid or SMMU disabled." },
	{ "hitless_device_darkenings", "counter", NULL, "Times the protected StreamID went from valid to dark." },
	{ "hitless_device_hitless", "gauge", NULL,
	  "1 if the verdict on the device is hitless (no error names any of its StreamIDs, nothing lost)." },
	{ "hitless_device_findings", "gauge", NULL, "Findings on the device by severity, every rule." },
	{ "hitless_monitor_records", "counter", NULL, "Records captured." },
	{ "hitless_monitor_window_records", "gauge", NULL,
	  "Records the judging window holds now (the anchor's entries included)." },
	{ "hitless_monitor_reanchors", "counter", NULL, "Times the window was re-anchored." },
	{ "hitless_ringbuf_used_bytes", "gauge", "bytes",
	  "Most bytes waiting in the BPF ring buffer at one poll since the last write." },
	{ "hitless_ringbuf_size_bytes", "gauge", "bytes", "The BPF ring buffer's size." },
	{ "hitless_monitor_last_update_timestamp_seconds", "gauge", "seconds",
	  "When this file was written (Unix time)." },
	{ "hitless_timeline_complete", "gauge", NULL, "1 if no record was lost." },
	{ "hitless_critical_path_step_seconds", "gauge", "seconds", "Duration of each critical-path step." },
	{ "hitless_live_update_seconds", "gauge", "seconds", "End-to-end durations of the live update." },
};

int hl_mfmt_parse(const char *s, enum hl_mfmt *f)
{
	if (!strcmp(s, "prometheus"))
		*f = HL_MF_PROMETHEUS;
	else if (!strcmp(s, "openmetrics"))
		*f = HL_MF_OPENMETRICS;
	else
		return -1;
	return 0;
}

void hl_mw_init(struct hl_mw *w, FILE *out, enum hl_mfmt fmt)
{
	w->out = out;
	w->fmt = fmt;
	w->fam = NULL;
}

static bool is_counter(const struct hl_mfam *f)
{
	return !strcmp(f->type, "counter");
}

/* HELP text: backslash and line feed escaped (both formats). */
static void help_text(FILE *out, const char *s)
{
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
}

void hl_mw_family(struct hl_mw *w, const char *name)
{
	const struct hl_mfam *f = NULL;
	const char *total;

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		if (!strcmp(fams[i].name, name))
			f = &fams[i];
	if (!f) {
		/* a programming error: every family is declared above */
		fprintf(stderr, "hitless: metric family %s is not declared (metrics.c)\n", name);
		abort();
	}
	w->fam = f;
	total = w->fmt == HL_MF_PROMETHEUS && is_counter(f) ? "_total" : "";
	if (w->fmt == HL_MF_PROMETHEUS) {
		fprintf(w->out, "# HELP %s%s ", f->name, total);
		help_text(w->out, f->help);
		fprintf(w->out, "\n# TYPE %s%s %s\n", f->name, total, f->type);
	} else {
		fprintf(w->out, "# TYPE %s %s\n", f->name, f->type);
		if (f->unit)
			fprintf(w->out, "# UNIT %s %s\n", f->name, f->unit);
		fprintf(w->out, "# HELP %s ", f->name);
		help_text(w->out, f->help);
		fputc('\n', w->out);
	}
}

static void sample_v(struct hl_mw *w, double v, va_list ap)
{
	const char *k, *sep = "{";

	fprintf(w->out, "%s%s", w->fam->name, is_counter(w->fam) ? "_total" : "");
	while ((k = va_arg(ap, const char *))) {
		const char *val = va_arg(ap, const char *);

		fprintf(w->out, "%s%s=\"", sep, k);
		om_label(w->out, val ? val : "");
		fputc('"', w->out);
		sep = ",";
	}
	if (*sep == ',')
		fputc('}', w->out);
	if (w->fam->unit && !strcmp(w->fam->unit, "seconds"))
		fprintf(w->out, " %.9f\n", v);
	else if (v == (double)(long long)v)
		fprintf(w->out, " %lld\n", (long long)v);
	else
		fprintf(w->out, " %.17g\n", v);
}

void hl_mw_sample(struct hl_mw *w, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	sample_v(w, v, ap);
	va_end(ap);
}

void hl_mw_end(struct hl_mw *w)
{
	if (w->fmt == HL_MF_OPENMETRICS)
		fprintf(w->out, "# EOF\n");
}

static bool attach_names(const struct hl_record *r, u32 smmu, u32 sid)
{
	if (r->hdr.kind != HL_K_ATTACH || (smmu != HL_ANY_SMMU && r->attach.smmu != smmu))
		return false;
	for (u32 i = 0; i < r->attach.nsids && i < HL_MAX_ATTACH_SIDS; i++)
		if (r->attach.sids[i] == sid)
			return true;
	return false;
}

void hl_sid_ident(const struct hl_state *s, u32 smmu, u32 sid, u32 *smmu_out,
		  char *dev, size_t devlen)
{
	*smmu_out = smmu;
	if (devlen)
		dev[0] = 0;
	for (size_t i = s->events.n; i-- > 0;) {
		const struct hl_record *r = &s->events.v[i];

		if (attach_names(r, smmu, sid) && r->attach.dev[0]) {
			*smmu_out = r->attach.smmu;
			snprintf(dev, devlen, "%.*s", (int)sizeof(r->attach.dev), r->attach.dev);
			return;
		}
	}
	for (size_t i = 0; i < s->stes.n && *smmu_out == HL_ANY_SMMU; i++)
		if (s->stes.v[i].sid == sid)
			*smmu_out = s->stes.v[i].smmu;
}

void hl_mw_sid_sample(struct hl_mw *w, double val, u32 smmu, u32 sid, const char *dev)
{
	char sm[16], sd[16];

	if (smmu == HL_ANY_SMMU)
		snprintf(sm, sizeof(sm), "any");
	else
		snprintf(sm, sizeof(sm), "%u", smmu);
	snprintf(sd, sizeof(sd), "%u", sid);
	if (dev && *dev)
		hl_mw_sample(w, val, "smmu", sm, "sid", sd, "device", dev, NULL);
	else
		hl_mw_sample(w, val, "smmu", sm, "sid", sd, NULL);
}
