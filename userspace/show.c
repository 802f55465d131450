// SPDX-License-Identifier: GPL-2.0
/* show: decode a snapshot, in the specification's field names. */
#include <stdlib.h>
#include <string.h>
#include "main.h"
#include "records.h"
#include "snapshot.h"
#include "smmu.h"
#include "verdict.h"

static json_object *show_doc(const char *path, const struct hl_state *s)
{
	json_object *d = json_object_new_object(), *a, *o;
	char b[32];

	jadd_s(d, "file", path);
	o = json_object_new_object();
	jadd_s(o, "release", s->meta.release);
	jadd_s(o, "boot_id", s->meta.boot_id);
	jadd_s(o, "hostname", s->meta.hostname);
	snprintf(b, sizeof(b), "%016llx", (unsigned long long)s->meta.boot);
	jadd_s(o, "boot", b);
	jadd_s(o, "capture_mode", hl_mode_name(s->meta.mode));
	jadd_u(o, "created_ktime_ns", s->meta.created_ktime);
	jadd_u(o, "created_realtime_ns", s->meta.created_real);
	json_object_object_add(d, "meta", o);

	a = json_object_new_array();
	for (size_t i = 0; i < s->smmus.n; i++) {
		json_object *m = json_object_new_object(), *idr = json_object_new_array();

		jadd_u(m, "smmu", s->smmus.v[i].id);
		jadd_hex(m, "base", s->smmus.v[i].base);
		for (int k = 0; k < 6; k++) {
			snprintf(b, sizeof(b), "0x%08x", s->smmus.v[i].idr[k]);
			json_object_array_add(idr, json_object_new_string(b));
		}
		json_object_object_add(m, "IDR", idr);
		json_object_object_add(m, "features", hl_idr_decode(s->smmus.v[i].idr));
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "smmus", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->boots.n; i++) {
		json_object *m = json_object_new_object();
		size_t ns = 0;

		for (size_t k = 0; k < s->clocks.n; k++)
			ns += s->clocks.v[k].boot == s->boots.v[i].boot;
		snprintf(b, sizeof(b), "%016llx", (unsigned long long)s->boots.v[i].boot);
		jadd_s(m, "boot", b);
		jadd_s(m, "boot_id", s->boots.v[i].boot_id);
		jadd_s(m, "release", s->boots.v[i].release);
		jadd_u(m, "cntfrq", s->boots.v[i].cntfrq);
		jadd_u(m, "clock_samples", ns);
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "boots", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->protect.n; i++) {
		json_object *m = json_object_new_object();

		if (s->protect.v[i].smmu != HL_ANY_SMMU)
			jadd_u(m, "smmu", s->protect.v[i].smmu);
		jadd_u(m, "sid", s->protect.v[i].sid);
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "protected", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->stes.n; i++) {
		json_object *m = json_object_new_object();

		jadd_u(m, "smmu", s->stes.v[i].smmu);
		jadd_u(m, "sid", s->stes.v[i].sid);
		json_object_object_add(m, "STE", hl_ste_decode(s->stes.v[i].q));
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "stes", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->cds.n; i++) {
		json_object *m = json_object_new_object();

		jadd_u(m, "smmu", s->cds.v[i].smmu);
		jadd_u(m, "sid", s->cds.v[i].sid);
		jadd_u(m, "ssid", s->cds.v[i].ssid);
		json_object_object_add(m, "CD", hl_cd_decode(s->cds.v[i].q));
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "cds", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->ranges.n; i++) {
		const struct hl_range *r = &s->ranges.v[i];
		json_object *m = json_object_new_object();

		jadd_hex(m, "table", r->root);
		jadd_hex(m, "iova", r->iova);
		jadd_hex(m, "size", r->size);
		jadd_hex(m, "oa", r->oa);
		jadd_hex(m, "leaf_size", 1ULL << r->leaf_log2);
		jadd_u(m, "level", r->level);
		jadd_u(m, "stage", r->stage);
		jadd_hex(m, "attrs", r->attrs);
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "translations", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->events.n; i++)
		json_object_array_add(a, hl_record_json(&s->events.v[i], env.verbose));
	json_object_object_add(d, "events", a);

	a = json_object_new_array();
	for (size_t i = 0; i < s->losses.n; i++) {
		json_object *m = json_object_new_object();

		snprintf(b, sizeof(b), "%016llx", (unsigned long long)s->losses.v[i].boot);
		jadd_s(m, "boot", b);
		jadd_u(m, "count", s->losses.v[i].count);
		jadd_s(m, "where", hl_lost_where_name(s->losses.v[i].where));
		json_object_array_add(a, m);
	}
	json_object_object_add(d, "losses", a);
	{
		struct hl_verdict v;

		hl_analyze(s, NULL, NULL, 0, &v);
		json_object_object_add(d, "complete", json_object_new_boolean(hl_verdict_complete(&v)));
		jadd_u(d, "lost_records", v.lost);
		jadd_u(d, "sequence_gaps", v.gaps);
		hl_verdict_free(&v);
	}
	return d;
}

static void show_text(json_object *d, FILE *out)
{
	json_object *a, *m = json_object_object_get(d, "meta");

	if (!json_object_get_boolean(json_object_object_get(d, "complete")))
		fprintf(out, "INCOMPLETE: %llu records lost, %llu sequence gaps\n",
			jget_u(d, "lost_records"), jget_u(d, "sequence_gaps"));
	fprintf(out, "snapshot %s\n  kernel %s  boot %s  capture %s  host %s\n", jget_s(d, "file"),
		jget_s(m, "release"), jget_s(m, "boot_id"), jget_s(m, "capture_mode"), jget_s(m, "hostname"));
	a = json_object_object_get(d, "smmus");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		fprintf(out, "SMMU %llu at %s: ", jget_u(s, "smmu"), jget_s(s, "base"));
		text_fields(out, json_object_object_get(s, "features"));
		fputc('\n', out);
	}
	a = json_object_object_get(d, "protected");
	if (json_object_array_length(a)) {
		fprintf(out, "protected StreamIDs:");
		for (size_t i = 0; i < json_object_array_length(a); i++)
			fprintf(out, " %llu", jget_u(json_object_array_get_idx(a, i), "sid"));
		fputc('\n', out);
	}
	a = json_object_object_get(d, "stes");
	fprintf(out, "\nSTEs (%zu valid):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		fprintf(out, "  smmu %llu StreamID %llu: ", jget_u(s, "smmu"), jget_u(s, "sid"));
		text_fields(out, json_object_object_get(s, "STE"));
		fputc('\n', out);
	}
	a = json_object_object_get(d, "cds");
	fprintf(out, "\nCDs (%zu valid):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		fprintf(out, "  smmu %llu StreamID %llu SSID %llu: ", jget_u(s, "smmu"), jget_u(s, "sid"), jget_u(s, "ssid"));
		text_fields(out, json_object_object_get(s, "CD"));
		fputc('\n', out);
	}
	a = json_object_object_get(d, "translations");
	fprintf(out, "\ntranslations (%zu ranges):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);
		unsigned long long iova = jget_u(s, "iova"), size = jget_u(s, "size"), oa = jget_u(s, "oa");

		fprintf(out, "  table %s  IOVA 0x%llx-0x%llx -> PA 0x%llx-0x%llx  %s leaves, S%llu, attrs %s\n",
			jget_s(s, "table"), iova, iova + size - 1, oa, oa + size - 1,
			jget_s(s, "leaf_size"), jget_u(s, "stage"), jget_s(s, "attrs"));
	}
	a = json_object_object_get(d, "events");
	fprintf(out, "\nevents (%zu):\n", json_object_array_length(a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i), *x;

		fprintf(out, "  %s:%-6llu %14llu ns cpu%-3llu %-9s ", jget_s(e, "boot"), jget_u(e, "seq"),
			jget_u(e, "ktime_ns"), jget_u(e, "cpu"), jget_s(e, "kind"));
		if (json_object_object_get_ex(e, "command", &x)) {
			text_fields(out, x);
			if (json_object_object_get_ex(e, "sync_completed", NULL))
				fprintf(out, " (completed)");
		} else {
			json_object_object_foreach(e, k, v) {
				if (!strcmp(k, "seq") || !strcmp(k, "boot") || !strcmp(k, "ktime_ns") ||
				    !strcmp(k, "cpu") || !strcmp(k, "kind") || !strcmp(k, "mode"))
					continue;
				if (json_object_is_type(v, json_type_object)) {
					fprintf(out, "%s={", k);
					text_fields(out, v);
					fprintf(out, "} ");
				} else if (!json_object_is_type(v, json_type_array)) {
					fprintf(out, "%s=%s ", k, json_object_get_string(v));
				}
			}
		}
		fputc('\n', out);
	}
	a = json_object_object_get(d, "losses");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i);

		fprintf(out, "LOST %llu records (boot %s, %s)\n", jget_u(l, "count"), jget_s(l, "boot"), jget_s(l, "where"));
	}
}

static void show_help(FILE *f)
{
	fprintf(f,
		"Usage: hitless show [OPTIONS] SNAPSHOT\n"
		HL_COMMON_HELP
		"       FORMAT := { text | json }\n"
		"Decode a snapshot: SMMUs, STEs, CDs, translations, records (-v: raw qwords).\n"
		"Exit: 0, or 2 on error or if the snapshot's log lost records.\n");
}

int do_show(int argc, char **argv)
{
	static const struct option lo[] = { HL_COMMON_LONGOPTS, { 0 } };
	static const struct hl_render r = { "show", show_text, NULL, NULL };
	struct hl_state s;
	json_object *d;
	int c, rc;

	optind = 0;	/* glibc: full re-initialisation for the verb's argv */
	while ((c = getopt_long(argc, argv, HL_COMMON_OPTS, lo, NULL)) != -1) {
		rc = hl_common_opt(c, optarg);
		if (rc < 0)
			return HL_EXIT_ERROR;
		if (rc == 2) {
			show_help(stdout);
			return 0;
		}
		if (!rc) {
			show_help(stderr);
			return HL_EXIT_ERROR;
		}
	}
	if (argc - optind != 1) {
		show_help(stderr);
		return HL_EXIT_ERROR;
	}
	if (hl_load(argv[optind], &s))
		return HL_EXIT_ERROR;
	d = show_doc(argv[optind], &s);
	rc = hl_emit(d, &r);
	if (!rc && !json_object_get_boolean(json_object_object_get(d, "complete")))
		rc = HL_EXIT_ERROR;
	json_object_put(d);
	hl_state_free(&s);
	return rc;
}
