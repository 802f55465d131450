// SPDX-License-Identifier: GPL-2.0
/*
 * `hitless diff -f junit`: the verdict as JUnit XML, the report format CI
 * systems (GitLab, Jenkins, GitHub's test reporters) read.  One <testsuite>
 * per protected StreamID, and one for what belongs to no single StreamID
 * (page tables and invalidations judged per table); in each, one <testcase>
 * per rule family, every family listed so that a passing run shows what
 * was checked.  A family's findings make its <failure>, whose text is the
 * evidence: each finding's rule, severity, message, IOVA window, table and
 * records (boot:seq, as `hitless show` lists them).  A capture that lost
 * records is an <error> of the testcase "capture complete": its verdict
 * cannot be trusted either way.
 */
#include <stdlib.h>
#include <string.h>
#include "junit.h"
#include "output.h"
#include "verdict.h"


/* A rule's family; rules this table does not know go to the last, "other". */
/* The rules' families (rules.h), in the table's order, and "other rules" last. */
#define NFAM hl_nfamilies

static size_t family_of(const char *rule)
{
	const struct hl_rule *r = hl_rule(rule);

	for (size_t i = 0; r && i < NFAM; i++)
		if (!strcmp(r->family, hl_families[i]))
			return i;
	return NFAM;
}

void hl_xml_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, out);
		}
	}
}

/* Does finding f belong to the suite of StreamID sid (-1: no StreamID)? */
static bool in_suite(json_object *f, long long sid)
{
	json_object *v;

	if (!json_object_object_get_ex(f, "sid", &v))
		return sid < 0;
	return sid >= 0 && json_object_get_int64(v) == sid;
}

static void evidence(FILE *out, json_object *f)
{
	json_object *r = json_object_object_get(f, "records");

	fprintf(out, "%s %s: ", jget_s(f, "rule"), jget_s(f, "severity"));
	hl_xml_text(out, jget_s(f, "message"));
	if (jopt_s(f, "iova_start"))
		fprintf(out, "\n  IOVA [%s, %s)", jopt_s(f, "iova_start"), jget_s(f, "iova_end"));
	if (jopt_s(f, "table"))
		fprintf(out, "%s table %s", jopt_s(f, "iova_start") ? "," : "\n ", jopt_s(f, "table"));
	if (json_object_array_length(r)) {
		fputs("\n  records:", out);
		for (size_t i = 0; i < json_object_array_length(r); i++) {
			json_object *x = json_object_array_get_idx(r, i);

			fprintf(out, " %s:%llu", jget_s(x, "boot"), jget_u(x, "seq"));
		}
	}
	fputc('\n', out);
}

struct tally {
	size_t tests, failures;
};

/* One StreamID's suite (sid -1: the findings of no single StreamID). */
static void suite(FILE *out, json_object *doc, long long sid, const char *name, struct tally *t)
{
	json_object *fs = json_object_object_get(doc, "findings");
	size_t nf = json_object_array_length(fs), per[16] = { 0 }, failures = 0;
	bool other;
	char cls[48];

	for (size_t i = 0; i < nf; i++) {
		json_object *f = json_object_array_get_idx(fs, i);

		if (in_suite(f, sid) && !per[family_of(jget_s(f, "rule"))]++)
			failures++;
	}
	other = per[NFAM] > 0;
	if (sid < 0)
		snprintf(cls, sizeof(cls), "hitless.diff.smmu");
	else
		snprintf(cls, sizeof(cls), "hitless.diff.sid%lld", sid);
	fputs("  <testsuite name=\"", out);
	hl_xml_text(out, name);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", NFAM + other, failures);
	t->tests += NFAM + other;
	t->failures += failures;
	for (size_t k = 0; k <= NFAM; k++) {
		const char *fam = k < NFAM ? hl_families[k] : "other rules";

		if (k == NFAM && !other)
			break;
		fprintf(out, "    <testcase classname=\"%s\" name=\"", cls);
		hl_xml_text(out, fam);
		fputs("\"", out);
		if (!per[k]) {
			fputs("/>\n", out);
			continue;
		}
		fprintf(out, ">\n      <failure type=\"findings\" message=\"%zu finding(s): ", per[k]);
		for (size_t i = 0, c = 0; i < nf; i++) {
			json_object *f = json_object_array_get_idx(fs, i);

			if (in_suite(f, sid) && family_of(jget_s(f, "rule")) == k)
				fprintf(out, "%s%s", c++ ? ", " : "", jget_s(f, "rule"));
		}
		fputs("\">", out);
		for (size_t i = 0; i < nf; i++) {
			json_object *f = json_object_array_get_idx(fs, i);

			if (in_suite(f, sid) && family_of(jget_s(f, "rule")) == k)
				evidence(out, f);
		}
		fputs("</failure>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

static bool listed(const long long *v, size_t n, long long x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

void hl_diff_junit(json_object *doc, FILE *out)
{
	json_object *prot = json_object_object_get(doc, "protected"), *fs = json_object_object_get(doc, "findings");
	bool complete = json_object_get_boolean(json_object_object_get(doc, "complete"));
	size_t np = json_object_array_length(prot), nf = json_object_array_length(fs), ns = 0, blen = 0;
	long long *sids = calloc(np + nf + 1, sizeof(*sids));
	struct tally t = { 1, 0 };
	char name[64], *buf = NULL;
	FILE *b = open_memstream(&buf, &blen);

	if (!sids || !b) {
		p_err("junit: out of memory");
		free(sids);
		if (b)
			fclose(b);
		free(buf);
		return;
	}
	/* the protected StreamIDs, then any other a finding names */
	for (size_t i = 0; i < np; i++)
		if (!listed(sids, ns, json_object_get_int64(json_object_array_get_idx(prot, i))))
			sids[ns++] = json_object_get_int64(json_object_array_get_idx(prot, i));
	for (size_t i = 0; i < nf; i++) {
		json_object *v;

		if (json_object_object_get_ex(json_object_array_get_idx(fs, i), "sid", &v) &&
		    !listed(sids, ns, json_object_get_int64(v)))
			sids[ns++] = json_object_get_int64(v);
	}
	fprintf(b, "  <testsuite name=\"capture\" tests=\"1\" failures=\"0\" errors=\"%d\" skipped=\"0\">\n"
		   "    <testcase classname=\"hitless.diff.capture\" name=\"capture complete\"", !complete);
	if (complete) {
		fputs("/>\n", b);
	} else {
		json_object *why = json_object_object_get(doc, "incomplete_because");

		fprintf(b, ">\n      <error type=\"incomplete\" message=\"%llu record(s) lost: the verdict is "
			   "incomplete\">", jget_u(doc, "lost_records"));
		for (size_t i = 0; i < json_object_array_length(why); i++) {
			hl_xml_text(b, json_object_get_string(json_object_array_get_idx(why, i)));
			fputc('\n', b);
		}
		fputs("</error>\n    </testcase>\n", b);
	}
	fputs("  </testsuite>\n", b);
	for (size_t i = 0; i < ns; i++) {
		snprintf(name, sizeof(name), "StreamID %lld%s", sids[i], i < np ? "" : " (not protected)");
		suite(b, doc, sids[i], name, &t);
	}
	suite(b, doc, -1, "page tables and invalidations (no single StreamID)", &t);
	fclose(b);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"hitless diff\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n",
		t.tests, t.failures, !complete);
	fwrite(buf, 1, blen, out);
	fputs("</testsuites>\n", out);
	free(buf);
	free(sids);
}
