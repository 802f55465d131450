// SPDX-License-Identifier: GPL-2.0
/* The verdict per device (devices.h). */
#include <string.h>
#include "devices.h"
#include "output.h"
#include "timeline.h"

/* The row of (device, smmu) in rows, or of (smmu, sid) for a StreamID no device names. */
static json_object *row_for(json_object *rows, const char *dev, long long smmu, long long sid)
{
	json_object *r;

	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		r = json_object_array_get_idx(rows, i);
		if (jopt_i(r, "smmu", -1) != smmu)
			continue;
		if (dev ? jopt_s(r, "device") && !strcmp(jopt_s(r, "device"), dev) :
			  !jopt_s(r, "device") && json_object_get_int64(json_object_array_get_idx(
				json_object_object_get(r, "sids"), 0)) == sid)
			return r;
	}
	r = json_object_new_object();
	if (dev)
		jadd_s(r, "device", dev);
	if (smmu >= 0)
		jadd_u(r, "smmu", (unsigned long long)smmu);
	json_object_object_add(r, "sids", json_object_new_array());
	json_object_array_add(rows, r);
	return r;
}

static bool row_has_sid(json_object *r, json_object *x)
{
	json_object *sids = json_object_object_get(r, "sids");

	for (size_t i = 0; i < json_object_array_length(sids); i++)
		if (jnames_sid(x, jopt_i(r, "smmu", -1), json_object_get_int64(json_object_array_get_idx(sids, i))))
			return true;
	return false;
}

/* The finding names one of the row's StreamIDs, or a page table one of them used. */
static bool finding_of_row(json_object *r, json_object *f)
{
	json_object *u = json_object_object_get(f, "table_users");

	if (json_object_object_get_ex(f, "sid", NULL))
		return row_has_sid(r, f);
	for (size_t i = 0; u && i < json_object_array_length(u); i++)
		if (row_has_sid(r, json_object_array_get_idx(u, i)))
			return true;
	return false;
}

static void add_rule(json_object *rules, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(rules); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(rules, i)), id))
			return;
	json_object_array_add(rules, json_object_new_string(id));
}

json_object *hl_device_table(json_object *doc, json_object *tl_devices)
{
	json_object *prot = json_object_object_get(doc, "protected_devices");
	json_object *fs = json_object_object_get(doc, "findings");
	bool complete = json_object_get_boolean(json_object_object_get(doc, "complete"));
	json_object *rows = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(prot); i++) {
		json_object *p = json_object_array_get_idx(prot, i);
		json_object *r = row_for(rows, jopt_s(p, "device"), jopt_i(p, "smmu", -1), jopt_i(p, "sid", -1));

		json_object_array_add(json_object_object_get(r, "sids"), json_object_new_int64(jopt_i(p, "sid", -1)));
	}
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i), *rules = json_object_new_array();
		unsigned long long errors = 0, warnings = 0;
		long long dark = -1, valid = -1;
		json_object *parts = NULL;

		for (size_t k = 0; k < json_object_array_length(fs); k++) {
			json_object *f = json_object_array_get_idx(fs, k);
			const char *sev = jopt_s(f, "severity");

			if (!finding_of_row(r, f))
				continue;
			errors += sev && !strcmp(sev, "error");
			warnings += sev && !strcmp(sev, "warning");
			add_rule(rules, jget_s(f, "rule"));
		}
		for (size_t k = 0; tl_devices && k < json_object_array_length(tl_devices); k++) {
			json_object *d = json_object_array_get_idx(tl_devices, k);

			if (!row_has_sid(r, d))
				continue;
			if (jopt_i(d, "dark_ns", -1) > dark) {
				dark = jopt_i(d, "dark_ns", -1);
				parts = json_object_object_get(d, "dark_parts_ns");
			}
			if (jopt_i(d, "valid_t_ns", -1) > valid)
				valid = jopt_i(d, "valid_t_ns", -1);
		}
		/* as the whole verdict (hl_verdict_exit): any finding, a warning too, is not hitless */
		jadd_s(r, "verdict", errors + warnings ? "findings" : complete ? "hitless" : "incomplete");
		jadd_u(r, "errors", errors);
		jadd_u(r, "warnings", warnings);
		json_object_object_add(r, "rules", rules);
		if (dark >= 0) {
			json_object_object_add(r, "dark_ns", json_object_new_int64(dark));
			if (parts)
				json_object_object_add(r, "dark_parts_ns", json_object_get(parts));
		}
		if (valid >= 0)
			json_object_object_add(r, "valid_t_ns", json_object_new_int64(valid));
	}
	return rows;
}

void hl_device_labels(json_object *row, char *smmu, size_t smmulen, char *sids, size_t sidslen)
{
	json_object *a = json_object_object_get(row, "sids");
	size_t len = 0;

	if (json_object_object_get_ex(row, "smmu", NULL))
		snprintf(smmu, smmulen, "%llu", jget_u(row, "smmu"));
	else
		snprintf(smmu, smmulen, "any");
	sids[0] = 0;
	for (size_t k = 0; k < json_object_array_length(a) && len < sidslen; k++)
		len += (size_t)snprintf(sids + len, sidslen - len, "%s%lld", k ? "," : "",
					(long long)json_object_get_int64(json_object_array_get_idx(a, k)));
}

void hl_device_table_text(FILE *out, json_object *devices)
{
	size_t n = json_object_array_length(devices);

	if (!n)
		return;
	fprintf(out, "\n%-14s %-4s %-12s %-11s %-10s %s\n", "device", "SMMU", "StreamIDs", "verdict",
		"dark", "rules");
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(devices, i);
		json_object *rules = json_object_object_get(r, "rules");
		const char *v = jget_s(r, "verdict");
		char s[64], sm[16], dark[32] = "-";

		hl_device_labels(r, sm, sizeof(sm), s, sizeof(s));
		if (json_object_object_get_ex(r, "dark_ns", NULL))
			hl_fmt_dur(dark, sizeof(dark), jopt_i(r, "dark_ns", 0));
		fprintf(out, "%-14s %-4s %-12s %-11s %-10s ", jopt_s(r, "device") ? jopt_s(r, "device") : "-", sm, s,
			!strcmp(v, "findings") ? "NOT HITLESS" : !strcmp(v, "hitless") ? "HITLESS" : "INCOMPLETE", dark);
		for (size_t k = 0; k < json_object_array_length(rules); k++)
			fprintf(out, "%s%s", k ? " " : "", json_object_get_string(json_object_array_get_idx(rules, k)));
		fputs(json_object_array_length(rules) ? "\n" : "-\n", out);
	}
}
