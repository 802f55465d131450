// SPDX-License-Identifier: GPL-2.0
/*
 * `hitless diff -f html`: one self-contained page (no script, no font, no
 * network: CSS and SVG inline) for a person after a CI run: the verdict
 * first, the per-device table, the findings with their records, and the
 * critical path of the live update drawn as SVG, one row per step with a
 * bar for the time it took (the kexec itself in its own colour), the
 * devices' dark time beside it.
 */
#include <stdlib.h>
#include <string.h>
#include "html.h"
#include "junit.h"
#include "output.h"
#include "output.h"
#include "timeline.h"

#define C_OK	"#1b7f3b"	/* HITLESS */
#define C_BAD	"#b3261e"	/* NOT HITLESS, dark time */
#define C_INC	"#9a5b00"	/* INCOMPLETE */
#define C_STEP	"#1f5fa8"	/* a critical-path step's bar */
#define C_KEXEC	"#6b3fa0"	/* the kexec: old kernel's last instant to the new kernel's start */

static const char css[] =
	"body{font:14px/1.4 sans-serif;margin:24px;color:#1a1a1a;max-width:1200px}"
	"h1{color:#fff;padding:14px 18px;border-radius:6px;margin:0 0 8px;font-size:28px}"
	"h2{margin:28px 0 8px;font-size:18px;border-bottom:1px solid #ccc}"
	"table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0}.error{color:" C_BAD ";font-weight:bold}.warning{color:" C_INC ";font-weight:bold}"
	"code{font-size:12px}.note{color:#555}svg text{font:12px sans-serif}";

static void esc(FILE *out, const char *s)
{
	hl_xml_text(out, s ? s : "");
}

static void dur(FILE *out, long long ns)
{
	char b[32];

	hl_fmt_dur(b, sizeof(b), ns);
	fputs(b, out);
}

static void verdict(FILE *out, json_object *d)
{
	const char *v = jget_s(d, "verdict");
	bool inc = !json_object_get_boolean(json_object_object_get(d, "complete"));
	bool ok = !inc && v && !strcmp(v, "hitless");

	fprintf(out, "<h1 id=\"verdict\" style=\"background:%s\">%s (exit %llu)</h1>\n",
		inc ? C_INC : ok ? C_OK : C_BAD, inc ? "INCOMPLETE" : ok ? "HITLESS" : "NOT HITLESS",
		jget_u(d, "exit_status"));
	fprintf(out, "<p>%llu error(s), %llu warning(s) over %llu records; %llu lost, %llu sequence gap(s), "
		     "%llu inconsistent write(s).", jget_u(d, "errors"), jget_u(d, "warnings"), jget_u(d, "records"),
		jget_u(d, "lost_records"), jget_u(d, "sequence_gaps"), jget_u(d, "inconsistent_writes"));
	if (inc)
		fputs(" Records were lost: the verdict is incomplete, never hitless.", out);
	fputs("</p>\n", out);
	if (jopt_s(d, "note")) {
		fputs("<p class=\"note\">", out);
		esc(out, jopt_s(d, "note"));
		fputs("</p>\n", out);
	}
}

static json_object *device_of(json_object *tl, long long smmu, long long sid)
{
	json_object *devs = json_object_object_get(tl, "devices");

	for (size_t i = 0; i < json_object_array_length(devs); i++)
		if (jnames_sid(json_object_array_get_idx(devs, i), smmu, sid))
			return json_object_array_get_idx(devs, i);
	return NULL;
}

/* A row per protected StreamID, with its SMMU and device (diff's protected_devices). */
static void devices(FILE *out, json_object *d, json_object *tl)
{
	json_object *prot = json_object_object_get(d, "protected_devices"), *fs = json_object_object_get(d, "findings");

	fputs("<h2>Protected devices</h2>\n", out);
	if (!json_object_array_length(prot)) {
		fputs("<p class=\"note\">No protected StreamID.</p>\n", out);
		return;
	}
	fputs("<table id=\"devices\"><tr><th>StreamID</th><th>SMMU</th><th>device</th><th>errors</th>"
	      "<th>warnings</th><th>dark</th><th>translation valid at</th></tr>\n", out);
	for (size_t i = 0; i < json_object_array_length(prot); i++) {
		json_object *p = json_object_array_get_idx(prot, i);
		long long sid = jopt_i(p, "sid", -1), smmu = jopt_i(p, "smmu", -1);
		json_object *dev = device_of(tl, smmu, sid);
		int ne = 0, nw = 0;

		for (size_t k = 0; k < json_object_array_length(fs); k++) {
			json_object *f = json_object_array_get_idx(fs, k);

			if (jnames_sid(f, smmu, sid))
				*(strcmp(jget_s(f, "severity"), "error") ? &nw : &ne) += 1;
		}
		fprintf(out, "<tr><td>%lld</td><td>", sid);
		if (smmu >= 0)
			fprintf(out, "%lld", smmu);
		fputs("</td><td>", out);
		esc(out, jopt_s(p, "device"));
		fprintf(out, "</td><td%s>%d</td><td%s>%d</td><td>", ne ? " class=\"error\"" : "", ne,
			nw ? " class=\"warning\"" : "", nw);
		if (dev)
			dur(out, jopt_i(dev, "dark_ns", 0));
		fputs("</td><td>", out);
		if (dev && jopt_i(dev, "valid_t_ns", -1) >= 0)
			dur(out, jopt_i(dev, "valid_t_ns", 0));
		else if (dev)
			fputs("never, in the new kernel", out);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void findings(FILE *out, json_object *d)
{
	json_object *fs = json_object_object_get(d, "findings");
	size_t n = json_object_array_length(fs);

	fprintf(out, "<h2>Findings (%zu)</h2>\n", n);
	if (!n) {
		fputs("<p>None.</p>\n", out);
		return;
	}
	fputs("<table id=\"findings\"><tr><th>rule</th><th>severity</th><th>StreamID</th><th>what</th>"
	      "<th>records</th></tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(fs, i), *r = json_object_object_get(f, "records");

		fputs("<tr><td>", out);
		esc(out, jget_s(f, "rule"));
		fprintf(out, "</td><td class=\"%s\">%s</td><td>", jget_s(f, "severity"), jget_s(f, "severity"));
		if (jopt_i(f, "sid", -1) >= 0)
			fprintf(out, "%lld", jopt_i(f, "sid", -1));
		fputs("</td><td>", out);
		esc(out, jget_s(f, "message"));
		fputs("</td><td><code>", out);
		for (size_t k = 0; k < json_object_array_length(r); k++) {
			json_object *x = json_object_array_get_idx(r, k);

			fprintf(out, "%s%s:%llu", k ? "<br>" : "", jget_s(x, "boot"), jget_u(x, "seq"));
		}
		fputs("</code></td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* The critical path as SVG: a row per step, a bar from the previous step to it. */
static void timeline_svg(FILE *out, json_object *tl)
{
	json_object *cp = tl ? json_object_object_get(tl, "critical_path") : NULL;
	size_t n = json_object_array_length(cp);
	const int lw = 330, bw = 600, rh = 24, top = 30;
	long long t0, t1;
	double span;

	fputs("<h2>Critical path</h2>\n", out);
	if (n < 2) {
		fputs("<p class=\"note\">No critical path: the snapshots do not span a live update.</p>\n", out);
		return;
	}
	t0 = jopt_i(json_object_array_get_idx(cp, 0), "t_ns", 0);
	t1 = jopt_i(json_object_array_get_idx(cp, n - 1), "t_ns", 0);
	span = t1 > t0 ? (double)(t1 - t0) : 1;
	fprintf(out, "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" "
		     "role=\"img\" aria-label=\"critical path\">\n", lw + bw + 170, top + n * rh + 30);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%zu\" stroke=\"#999\"/>\n", lw, top - 6, lw,
		top + n * rh);
	fprintf(out, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw, top - 10,
		lw + bw, top - 10);
	dur(out, t1 - t0);
	fputs("</text>\n", out);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(cp, i);
		long long t = jopt_i(p, "t_ns", 0), dp = jopt_i(p, "since_previous_ns", -1);
		int y = top + (int)i * rh;
		double x1 = lw + (t - t0) / span * bw, x0 = dp >= 0 ? lw + (t - dp - t0) / span * bw : x1;
		const char *src = jopt_s(p, "source");
		bool kexec = i > 0 && src && !strcmp(src, "KERNEL_START");

		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 8, y + 16);
		esc(out, jget_s(p, "step"));
		fputs("</text>\n", out);
		if (dp >= 0) {
			fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
				     "<title>", kexec ? "kexec" : "step", x0, y + 3, x1 - x0 < 3 ? 3 : x1 - x0, rh - 6,
				kexec ? C_KEXEC : C_STEP);
			/* what the bar spans: from the step before to this one */
			esc(out, jget_s(json_object_array_get_idx(cp, i - 1), "step"));
			fputs(" \xe2\x86\x92 ", out);
			esc(out, jget_s(p, "step"));
			fputs("</title></rect>\n", out);
			fprintf(out, "<text x=\"%.1f\" y=\"%d\">", (x1 - x0 < 3 ? x0 + 3 : x1) + 6, y + 16);
			dur(out, dp);
			fputs("</text>\n", out);
		} else {
			fprintf(out, "<circle cx=\"%.1f\" cy=\"%d\" r=\"5\" fill=\"%s\"/>\n", x1, y + rh / 2, C_STEP);
		}
	}
	fprintf(out, "</svg>\n<p class=\"note\">Bars: the time from the step before (the kexec itself in "
		     "<span style=\"color:%s\">purple</span>), on the records' clock across both kernels.</p>\n",
		C_KEXEC);
}

void hl_diff_html(json_object *doc, FILE *out)
{
	json_object *tl = json_object_object_get(doc, "timeline");

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<title>hitless: %s</title>\n<style>%s</style></head>\n<body>\n",
		jget_s(doc, "verdict"), css);
	verdict(out, doc);
	devices(out, doc, tl);
	findings(out, doc);
	timeline_svg(out, tl);
	fprintf(out, "<p class=\"note\">hitless %s, <code>hitless diff -f html</code>; the same verdict as "
		     "<code>hitless diff -j</code> (docs/output.md).</p>\n</body></html>\n", HL_VERSION);
}
