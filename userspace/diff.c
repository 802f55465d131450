// SPDX-License-Identifier: GPL-2.0
/* diff: two snapshots (before and after a live update) -> verdict. */
#include <stdlib.h>
#include <string.h>
#include "devices.h"
#include "html.h"
#include "junit.h"
#include "main.h"
#include "metrics.h"
#include "records.h"
#include "timeline.h"
#include "verdict.h"

static void diff_text(json_object *d, FILE *out)
{
	json_object *a = json_object_object_get(d, "findings"), *o;
	const char *verdict = jget_s(d, "verdict");

	if (!strcmp(verdict, "incomplete")) {
		fprintf(out, "verdict: INCOMPLETE (exit 2): %llu records lost, %llu sequence gaps, %llu inconsistent writes\n",
			jget_u(d, "lost_records"), jget_u(d, "sequence_gaps"), jget_u(d, "inconsistent_writes"));
		fprintf(out, "         the log has holes: the findings below may not be all of them\n");
	} else if (!strcmp(verdict, "findings")) {
		fprintf(out, "verdict: NOT HITLESS (exit 1): %llu errors, %llu warnings\n",
			jget_u(d, "errors"), jget_u(d, "warnings"));
	} else if (!strcmp(verdict, "unprotected")) {
		fprintf(out, "verdict: NOTHING PROTECTED (exit %d): no StreamID was judged as a VMM's: "
			"no --protect, none recorded, no VMM attach or preserved device in the logs\n",
			HL_EXIT_UNPROTECTED);
	} else {
		fprintf(out, "verdict: HITLESS (exit 0)\n");
	}
	fprintf(out, "checked %llu records%s\n", jget_u(d, "records"),
		json_object_get_boolean(json_object_object_get(d, "bbml2")) ? "; SMMU has BBML2" : "");
	if (jopt_s(d, "note"))
		fprintf(out, "note: %s\n", jopt_s(d, "note"));
	if (jopt_s(d, "untied_because"))
		fprintf(out, "boots not tied: %s\n", jopt_s(d, "untied_because"));
	o = json_object_object_get(d, "capture_gaps");
	for (size_t i = 0; o && i < json_object_array_length(o); i++)
		hl_gap_text(out, json_object_array_get_idx(o, i));
	/* the verdict per device ahead of the evidence */
	hl_device_table_text(out, json_object_object_get(d, "devices"));
	for (size_t i = 0; i < json_object_array_length(a); i++)
		hl_finding_text(out, json_object_array_get_idx(a, i), false);
	o = json_object_object_get(d, "transition_counts");
	fprintf(out, "\nentry updates:");
	json_object_object_foreach(o, k, v)
		if (json_object_get_int(v))
			fprintf(out, " %d %s", json_object_get_int(v), k);
	fputc('\n', out);
	if (env.verbose) {
		a = json_object_object_get(d, "transitions");
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			json_object *t = json_object_array_get_idx(a, i);

			fprintf(out, "  %-3s StreamID %llu", jget_s(t, "entry"), jget_u(t, "sid"));
			if (json_object_object_get_ex(t, "ssid", NULL))
				fprintf(out, " SSID %llu", jget_u(t, "ssid"));
			fprintf(out, ": %s in %llu writes%s\n", jget_s(t, "kind"), jget_u(t, "writes"),
				json_object_get_boolean(json_object_object_get(t, "protected")) ? " (protected)" : "");
		}
	}
}

static void diff_metrics(json_object *d, FILE *out)
{
	json_object *a = json_object_object_get(d, "findings"), *o;
	struct { const char *rule, *sev; int n; } cnt[64];
	struct hl_mw w;
	int nc = 0;

	hl_mw_init(&w, out, env.format == FMT_OPENMETRICS ? HL_MF_OPENMETRICS : HL_MF_PROMETHEUS);
	hl_mw_family(&w, "hitless_verdict_exit_status");
	hl_mw_sample(&w, jget_u(d, "exit_status"), NULL);
	hl_mw_family(&w, "hitless_lost_records");
	hl_mw_sample(&w, jget_u(d, "lost_records"), NULL);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *f = json_object_array_get_idx(a, i);
		int k;

		for (k = 0; k < nc; k++)
			if (!strcmp(cnt[k].rule, jget_s(f, "rule")) && !strcmp(cnt[k].sev, jget_s(f, "severity")))
				break;
		if (k == nc && nc < 64)
			cnt[nc++] = (typeof(cnt[0])){ jget_s(f, "rule"), jget_s(f, "severity"), 0 };
		if (k < nc)
			cnt[k].n++;
	}
	hl_mw_family(&w, "hitless_findings");
	for (int k = 0; k < nc; k++)
		hl_mw_sample(&w, cnt[k].n, "rule", cnt[k].rule, "severity", cnt[k].sev, NULL);
	hl_mw_family(&w, "hitless_entry_updates");
	o = json_object_object_get(d, "transition_counts");
	json_object_object_foreach(o, k, v)
		hl_mw_sample(&w, json_object_get_int(v), "kind", k, NULL);
	/* one series per device, labelled by its SMMU, PCI address ("" where no record names it) and StreamIDs */
	o = json_object_object_get(d, "devices");
	for (int fam = 0; fam < 2; fam++) {
		hl_mw_family(&w, fam ? "hitless_device_findings" : "hitless_device_hitless");
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			json_object *r = json_object_array_get_idx(o, i);
			const char *dev = jopt_s(r, "device") ? jopt_s(r, "device") : "";
			char sm[16], ids[64];

			hl_device_labels(r, sm, sizeof(sm), ids, sizeof(ids));
			if (!fam)
				hl_mw_sample(&w, !strcmp(jget_s(r, "verdict"), "hitless"), "smmu", sm, "device", dev,
					     "sids", ids, NULL);
			else
				for (int e = 0; e < 2; e++)
					hl_mw_sample(&w, jget_u(r, e ? "warnings" : "errors"), "smmu", sm, "device", dev,
						     "sids", ids, "severity", e ? "warning" : "error", NULL);
		}
	}
	hl_mw_end(&w);
}

/*
 * Are the two boots tied (a kexec between them, the old kernel's end seen)?
 * AFTER's log spans BEFORE's boot when it imported the previous kernel's
 * persistent trace instance and found BEFORE's capture marker in it
 * (tracebuf.c).  Otherwise the switch was not seen: said, never silently.
 */
static void diff_boots(json_object *doc, const struct hl_state *a, const struct hl_state *b)
{
	char why[400];
	u64 prev = 0;

	if (a->meta.boot == b->meta.boot) {
		json_object_object_add(doc, "boots_tied", json_object_new_boolean(true));
		return;
	}
	if (hl_state_boot(b, a->meta.boot)) {
		json_object_object_add(doc, "boots_tied", json_object_new_boolean(true));
		return;
	}
	for (size_t i = 0; i < b->boots.n; i++)
		if (b->boots.v[i].boot != b->meta.boot)
			prev = b->boots.v[i].boot;
	if (prev)
		snprintf(why, sizeof(why), "AFTER's boot %016llx follows boot %016llx (its persistent trace), "
			 "not BEFORE's %016llx: another boot came between, or BEFORE's capture left no marker "
			 "there; the switch from BEFORE's kernel was not seen",
			 (unsigned long long)b->meta.boot, (unsigned long long)prev,
			 (unsigned long long)a->meta.boot);
	else
		snprintf(why, sizeof(why), "AFTER's boot %016llx has nothing of BEFORE's %016llx: no trace of "
			 "the previous kernel came through the kexec (no persistent trace instance, or not "
			 "imported: record --trace); the switch (the old kernel's SMMU shutdown, its last "
			 "instant) was not seen: the two states are compared, the transition is not judged",
			 (unsigned long long)b->meta.boot, (unsigned long long)a->meta.boot);
	json_object_object_add(doc, "boots_tied", json_object_new_boolean(false));
	json_object_object_add(doc, "untied_because", json_object_new_string(why));
}

/*
 * Each protected StreamID with the SMMU and the device it belongs to, where
 * the logs name them (the driver's attach records: the later capture's,
 * else the earlier's): what the per-device reports (junit, html) group by.
 */
static json_object *protected_devices(const struct hl_state *prot, const struct hl_state *a,
				      const struct hl_state *b)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < prot->protect.n; i++) {
		const struct hl_protect_disk *p = &prot->protect.v[i];
		json_object *d = json_object_new_object();
		char dev[32] = "";
		u32 smmu = p->smmu;

		if (b)
			hl_sid_ident(b, p->smmu, p->sid, &smmu, dev, sizeof(dev));
		if (!dev[0])
			hl_sid_ident(a, p->smmu, p->sid, &smmu, dev, sizeof(dev));
		jadd_u(d, "sid", p->sid);
		if (smmu != HL_ANY_SMMU)
			jadd_u(d, "smmu", smmu);
		if (dev[0])
			jadd_s(d, "device", dev);
		json_object_array_add(arr, d);
	}
	return arr;
}

static const struct hl_opt diff_opts[] = {
	HL_OPT_PROTECT_PAIR,
	{ 0 }
};

const struct hl_verb diff_verb = {
	.name = "diff",
	.func = do_diff,
	.opts = diff_opts,
	.operands = "BEFORE [AFTER]",
	.grammar = "       SIDS := SID[,SID]...   SID := [SMMU:]StreamID | PCI address (its StreamIDs)\n"
		   "       FORMAT := { text | json | prometheus | openmetrics | junit | html }\n",
	.about = "Judge the event log(s) by the verdict rules and, given two snapshots,\n"
		 "each protected StreamID's translation across the live update.\n"
		 "Protected StreamIDs: --protect, else those the snapshots recorded, else\n"
		 "every StreamID the logs saw a VMM attach (iommufd or VFIO type1) or a\n"
		 "kernel restore.\n",
	.tail = "Exit: 0 hitless, 1 findings, 2 error or incomplete (records lost),\n"
		"      7 no finding but nothing protected (no verdict on any VMM's device).\n",
};

int do_diff(int argc, char **argv)
{
	static const struct hl_render r = { "diff", diff_text, diff_metrics, NULL, hl_diff_junit, hl_diff_html };
	struct hl_state a, b, prot;
	struct hl_verdict v;
	json_object *doc, *pa;
	int rc, nfiles;

	nfiles = hl_pair_verb_args(argc, argv, &diff_verb, &a, &b, &prot);
	if (nfiles <= 0)
		return nfiles ? HL_EXIT_ERROR : 0;
	hl_analyze(&a, nfiles == 2 ? &b : NULL, prot.protect.v, prot.protect.n, &v);
	doc = hl_verdict_json(&v);
	pa = json_object_new_array();
	for (size_t i = 0; i < prot.protect.n; i++)
		json_object_array_add(pa, json_object_new_uint64(prot.protect.v[i].sid));
	json_object_object_add(doc, "protected", pa);
	json_object_object_add(doc, "protected_devices", protected_devices(&prot, &a, nfiles == 2 ? &b : NULL));
	json_object_object_add(doc, "protected_from", json_object_new_string(hl_protect_source));
	if (nfiles == 2)
		diff_boots(doc, &a, &b);
	{
		/* what the captures did not see (a driver loaded after they started): said, never silent */
		json_object *ga = json_object_new_array();

		for (int k = 0; k < nfiles; k++)
			for (size_t i = 0; i < (k ? b : a).gaps.n; i++)
				json_object_array_add(ga, hl_gap_json(&(k ? b : a).gaps.v[i]));
		json_object_object_add(doc, "capture_gaps", ga);
	}
	{
		/* the per-device table: findings by device, dark time from the timeline */
		json_object *tl = prot.protect.n || env.format == FMT_HTML ?
				  hl_timeline_build(&a, nfiles == 2 ? &b : NULL, prot.protect.v, prot.protect.n) : NULL;

		json_object_object_add(doc, "devices",
				       hl_device_table(doc, tl ? json_object_object_get(tl, "devices") : NULL));
		if (env.format == FMT_HTML && tl)	/* the report draws the critical path too */
			json_object_object_add(doc, "timeline", json_object_get(tl));
		json_object_put(tl);
	}
	rc = hl_verdict_exit(&v);
	if (!prot.protect.n) {
		json_object_object_add(doc, "note", json_object_new_string(
			"no protected StreamIDs (none given with --protect, none recorded, no VMM attach "
			"or restored device in the logs): breaks are classified only, cross-kexec identity "
			"is not checked"));
		/* no finding over nothing protected is no green light */
		if (!rc) {
			rc = HL_EXIT_UNPROTECTED;
			json_object_object_add(doc, "verdict", json_object_new_string("unprotected"));
			json_object_object_add(doc, "exit_status", json_object_new_int(rc));
		}
	}
	if (hl_emit(doc, &r))
		rc = HL_EXIT_ERROR;
	json_object_put(doc);
	hl_verdict_free(&v);
	hl_state_free(&a);
	if (nfiles == 2)
		hl_state_free(&b);
	hl_state_free(&prot);
	return rc;
}
