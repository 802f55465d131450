// SPDX-License-Identifier: GPL-2.0
/*
 * `hitless diff -f junit`: the verdict as JUnit XML, the report format CI
 * systems (GitLab, Jenkins, GitHub's test reporters) read.  One <testsuite>
 * per protected device (the StreamIDs of one master together, named by its
 * PCI address where the logs name it; else one per StreamID), one per
 * StreamID a finding names outside them, and one for what belongs to no single StreamID
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

/*
 * A suite's members: the protected StreamIDs of one device (the StreamIDs of
 * one master, its aliases among them), or one StreamID whose device the logs
 * do not name.  smmu -1: the SMMU is not known (a finding's, or --protect
 * SID for every SMMU): it matches any.
 */
#define MAX_MEMBERS 16
struct group {
	char name[160], cls[96], dev[32];
	long long smmu;
	struct { long long smmu, sid; } m[MAX_MEMBERS];
	size_t n;
};

/* Does finding f belong to group g (NULL: the suite of no single StreamID)? */
static bool in_suite(json_object *f, const struct group *g)
{
	if (!json_object_object_get_ex(f, "sid", NULL))
		return !g;
	for (size_t i = 0; g && i < g->n; i++)
		if (jnames_sid(f, g->m[i].smmu, g->m[i].sid))
			return true;
	return false;
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

/* One device's suite (g NULL: the findings of no single StreamID). */
static void suite(FILE *out, json_object *doc, const struct group *g, struct tally *t)
{
	const char *name = g ? g->name : "page tables and invalidations (no single StreamID)";
	json_object *fs = json_object_object_get(doc, "findings");
	size_t nf = json_object_array_length(fs), per[16] = { 0 }, failures = 0;
	bool other;
	const char *cls = g ? g->cls : "hitless.diff.smmu";

	for (size_t i = 0; i < nf; i++) {
		json_object *f = json_object_array_get_idx(fs, i);

		if (in_suite(f, g) && !per[family_of(jget_s(f, "rule"))]++)
			failures++;
	}
	other = per[NFAM] > 0;
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

			if (in_suite(f, g) && family_of(jget_s(f, "rule")) == k)
				fprintf(out, "%s%s", c++ ? ", " : "", jget_s(f, "rule"));
		}
		fputs("\">", out);
		for (size_t i = 0; i < nf; i++) {
			json_object *f = json_object_array_get_idx(fs, i);

			if (in_suite(f, g) && family_of(jget_s(f, "rule")) == k)
				evidence(out, f);
		}
		fputs("</failure>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

/* The group of StreamID sid on smmu that no protected device holds, made when new. */
static struct group *group_for(struct group *gs, size_t *ng, long long smmu, long long sid)
{
	struct group *g;

	for (size_t i = 0; i < *ng; i++) {
		g = &gs[i];
		if (!g->dev[0] && g->n == 1 && g->m[0].sid == sid && g->m[0].smmu == smmu)
			return g;
	}
	g = &gs[(*ng)++];
	memset(g, 0, sizeof(*g));
	g->smmu = smmu;
	return g;
}

static void add_member(struct group *g, long long smmu, long long sid)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].sid == sid && g->m[i].smmu == smmu)
			return;
	if (g->n < MAX_MEMBERS) {
		g->m[g->n].smmu = smmu;
		g->m[g->n++].sid = sid;
	}
}

/* "0000:04:01.0: StreamIDs 1024, 1032" or "StreamID 16"; hitless.diff.[smmuN.]NAME */
static void group_names(struct group *g, bool prot)
{
	size_t len;

	if (g->dev[0])
		len = (size_t)snprintf(g->name, sizeof(g->name), "%s: StreamID%s", g->dev, g->n > 1 ? "s" : "");
	else
		len = (size_t)snprintf(g->name, sizeof(g->name), "StreamID");
	for (size_t i = 0; i < g->n && len < sizeof(g->name); i++)
		len += (size_t)snprintf(g->name + len, sizeof(g->name) - len, "%s %lld", i ? "," : "", g->m[i].sid);
	if (!prot && len < sizeof(g->name))
		snprintf(g->name + len, sizeof(g->name) - len, " (not protected)");
	len = (size_t)snprintf(g->cls, sizeof(g->cls), "hitless.diff.");
	if (g->smmu >= 0)
		len += (size_t)snprintf(g->cls + len, sizeof(g->cls) - len, "smmu%lld.", g->smmu);
	if (g->dev[0]) {
		for (const char *c = g->dev; *c && len + 1 < sizeof(g->cls); c++)
			g->cls[len++] = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ? *c : '_';
		g->cls[len] = 0;
	} else {
		snprintf(g->cls + len, sizeof(g->cls) - len, "sid%lld", g->m[0].sid);
	}
}

void hl_diff_junit(json_object *doc, FILE *out)
{
	json_object *devs = json_object_object_get(doc, "devices"), *fs = json_object_object_get(doc, "findings");
	bool complete = json_object_get_boolean(json_object_object_get(doc, "complete"));
	size_t np = json_object_array_length(devs), nf = json_object_array_length(fs), ng = 0, nprot, blen = 0;
	struct group *gs = calloc(np + nf + 1, sizeof(*gs));
	struct tally t = { 1, 0 };
	char *buf = NULL;
	FILE *b = open_memstream(&buf, &blen);

	if (!gs || !b) {
		p_err("junit: out of memory");
		free(gs);
		if (b)
			fclose(b);
		free(buf);
		return;
	}
	/*
	 * A suite per protected device, as diff's device table groups them
	 * (devices.c: its StreamIDs together), then per other StreamID a
	 * finding names.
	 */
	for (size_t i = 0; i < np; i++) {
		json_object *r = json_object_array_get_idx(devs, i), *sids = json_object_object_get(r, "sids");
		long long smmu = jopt_i(r, "smmu", -1);
		struct group *g = &gs[ng++];

		memset(g, 0, sizeof(*g));
		snprintf(g->dev, sizeof(g->dev), "%s", jopt_s(r, "device") ? jopt_s(r, "device") : "");
		g->smmu = smmu;
		for (size_t k = 0; k < json_object_array_length(sids); k++)
			add_member(g, smmu, json_object_get_int64(json_object_array_get_idx(sids, k)));
	}
	nprot = ng;
	for (size_t i = 0; i < nf; i++) {
		json_object *f = json_object_array_get_idx(fs, i);
		bool known = false;

		if (!json_object_object_get_ex(f, "sid", NULL))
			continue;
		for (size_t k = 0; k < ng && !known; k++)
			known = in_suite(f, &gs[k]);
		if (!known)
			add_member(group_for(gs, &ng, jopt_i(f, "smmu", -1), jopt_i(f, "sid", -1)),
				   jopt_i(f, "smmu", -1), jopt_i(f, "sid", -1));
	}
	for (size_t k = 0; k < ng; k++)
		group_names(&gs[k], k < nprot);
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
	for (size_t k = 0; k < ng; k++)
		suite(b, doc, &gs[k], &t);
	suite(b, doc, NULL, &t);
	fclose(b);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out, "<testsuites name=\"hitless diff\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n",
		t.tests, t.failures, !complete);
	fwrite(buf, 1, blen, out);
	fputs("</testsuites>\n", out);
	free(buf);
	free(gs);
}
