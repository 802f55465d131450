// SPDX-License-Identifier: GPL-2.0
/* show: decode a snapshot, in the specification's field names. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "main.h"
#include "complete.h"
#include "records.h"
#include "snapshot.h"
#include "smmu.h"

/*
 * show streams: every item is written as it is produced, text or JSON
 * (hl_jw: the document hl_emit() would print, never built as a whole), and
 * the translation ranges are read from the file a chunk at a time
 * (hl_snapshot_open), so memory does not grow with their number.
 */
struct show {
	const char *path;
	const struct hl_state *s;
	const struct hl_xlate *x;
	FILE *out;
	bool json;
	struct hl_jw jw;
	/* what to list (--sid, --iova, --max) */
	struct hl_state sel;	/* .protect: the StreamIDs of --sid */
	const char *sid_arg;
	VEC(u64) roots;		/* their tables: STE.S2TTB, CD.TTB0 */
	bool by_iova;
	u64 lo, hi;		/* --iova, inclusive */
	u64 max;
	u64 listed;
	bool complete;
	u64 lost, gaps;
	int err;
};

static bool sid_listed(const struct show *sh, u32 smmu, u32 sid)
{
	return !sh->sel.protect.n || hl_protected(sh->sel.protect.v, sh->sel.protect.n, smmu, sid);
}

static void add_root(struct show *sh, u64 root)
{
	for (size_t i = 0; i < sh->roots.n; i++)
		if (sh->roots.v[i] == root)
			return;
	VEC_PUSH(sh->roots, root);
}

static void select_roots(struct show *sh)
{
	const struct hl_state *s = sh->s;

	for (size_t i = 0; i < s->stes.n; i++)
		if (sid_listed(sh, s->stes.v[i].smmu, s->stes.v[i].sid) && ste_s2(s->stes.v[i].q))
			add_root(sh, ste_s2ttb(s->stes.v[i].q));
	for (size_t i = 0; i < s->cds.n; i++)
		if (sid_listed(sh, s->cds.v[i].smmu, s->cds.v[i].sid) && cd_valid(s->cds.v[i].q))
			add_root(sh, cd_ttb0(s->cds.v[i].q));
}

/* Begin a list: a JSON array, or the text's heading. */
static void list_begin(struct show *sh, const char *name, const char *heading, ...)
	__attribute__((format(printf, 3, 4)));
static void list_begin(struct show *sh, const char *name, const char *heading, ...)
{
	va_list ap;

	if (sh->json) {
		hl_jw_array(&sh->jw, name);
		return;
	}
	if (!heading)
		return;
	va_start(ap, heading);
	vfprintf(sh->out, heading, ap);
	va_end(ap);
}

static void list_end(struct show *sh)
{
	if (sh->json)
		hl_jw_end(&sh->jw);
}

static void show_meta(struct show *sh)
{
	const struct hl_meta_disk *m = &sh->s->meta;
	json_object *o;
	char b[32];

	if (!sh->json) {
		if (!sh->complete)
			fprintf(sh->out, "INCOMPLETE: %llu records lost, %llu sequence gaps\n",
				(unsigned long long)sh->lost, (unsigned long long)sh->gaps);
		fprintf(sh->out, "snapshot %s\n  kernel %s  boot %s  capture %s  host %s\n", sh->path,
			m->release, m->boot_id, hl_mode_name(m->mode), m->hostname);
		return;
	}
	hl_jw_put(&sh->jw, "file", json_object_new_string(sh->path));
	o = json_object_new_object();
	jadd_s(o, "release", m->release);
	jadd_s(o, "boot_id", m->boot_id);
	jadd_s(o, "hostname", m->hostname);
	snprintf(b, sizeof(b), "%016llx", (unsigned long long)m->boot);
	jadd_s(o, "boot", b);
	jadd_s(o, "capture_mode", hl_mode_name(m->mode));
	jadd_u(o, "created_ktime_ns", m->created_ktime);
	jadd_u(o, "created_realtime_ns", m->created_real);
	hl_jw_put(&sh->jw, "meta", o);
}

/* A driver field of SMMU identity `id` (NULL: none captured): its number, or null (unknown). */
static json_object *drv_u(const struct hl_smmu_id_disk *id, u32 bit, u64 v)
{
	return id && (id->known & bit) ? json_object_new_uint64(v) : NULL;
}

/* ARM_SMMU_FEAT_* or _OPT_* names of the bits in v (an unnamed bit as its number). */
static json_object *bit_names(u64 v, const char *(*name)(unsigned))
{
	json_object *a = json_object_new_array();
	char b[16];

	for (unsigned k = 0; k < 32; k++) {
		if (!(v & (1ULL << k)))
			continue;
		snprintf(b, sizeof(b), "bit%u", k);
		json_object_array_add(a, json_object_new_string(name(k) ? name(k) : b));
	}
	return a;
}

/*
 * What the driver knows of the SMMU (struct arm_smmu_device): every field
 * the capture did not read is null, printed "unknown".  The 7.3 driver keeps
 * no input address size (it sets one per domain), so there is none here.
 */
static json_object *drv_json(const struct hl_smmu_id_disk *id)
{
	json_object *o = json_object_new_object();
	bool f = id && (id->known & HL_SK_FEATURES), op = id && (id->known & HL_SK_OPTIONS);
	char b[32];

	snprintf(b, sizeof(b), "0x%x", f ? id->features : 0);
	json_object_object_add(o, "features", f ? json_object_new_string(b) : NULL);
	json_object_object_add(o, "feature_names", f ? bit_names(id->features, hl_smmu_feat_name) : NULL);
	snprintf(b, sizeof(b), "0x%x", op ? id->options : 0);
	json_object_object_add(o, "options", op ? json_object_new_string(b) : NULL);
	json_object_object_add(o, "option_names", op ? bit_names(id->options, hl_smmu_opt_name) : NULL);
	json_object_object_add(o, "oas", drv_u(id, HL_SK_OAS, id ? id->oas : 0));
	snprintf(b, sizeof(b), "0x%llx", id ? (unsigned long long)id->pgsize_bitmap : 0ULL);
	json_object_object_add(o, "pgsize_bitmap",
			       id && (id->known & HL_SK_PGSIZE) ? json_object_new_string(b) : NULL);
	json_object_object_add(o, "sid_bits", drv_u(id, HL_SK_SID_BITS, id ? id->sid_bits : 0));
	json_object_object_add(o, "ssid_bits", drv_u(id, HL_SK_SSID_BITS, id ? id->ssid_bits : 0));
	json_object_object_add(o, "asid_bits", drv_u(id, HL_SK_ASID_BITS, id ? id->asid_bits : 0));
	json_object_object_add(o, "vmid_bits", drv_u(id, HL_SK_VMID_BITS, id ? id->vmid_bits : 0));
	return o;
}

/* The driver's fields as text: "unknown" for each one not captured. */
static void drv_text(FILE *out, const struct hl_smmu_id_disk *id)
{
	u32 kn = id ? id->known : 0;

	if (!(kn & ~HL_SK_IDR_ALL)) {
		fputs("unknown (not captured)", out);
		return;
	}
	if (kn & HL_SK_FEATURES) {
		fprintf(out, "features 0x%x", id->features);
		for (unsigned k = 0, n = 0; k < 32; k++)
			if (id->features & (1u << k))
				fprintf(out, n++ ? ",%s" : " (%s", hl_smmu_feat_name(k) ? hl_smmu_feat_name(k) : "?");
		if (id->features)
			fputc(')', out);
	} else {
		fputs("features unknown", out);
	}
	if (kn & HL_SK_OPTIONS)
		fprintf(out, ", options 0x%x", id->options);
	else
		fputs(", options unknown", out);
#define DRV_NUM(bit, name, fmt, v)					\
	do {								\
		if (kn & (bit))						\
			fprintf(out, ", " name " " fmt, v);		\
		else							\
			fputs(", " name " unknown", out);		\
	} while (0)
	DRV_NUM(HL_SK_OAS, "oas", "%llu bits", (unsigned long long)id->oas);
	DRV_NUM(HL_SK_PGSIZE, "pgsize_bitmap", "0x%llx", (unsigned long long)id->pgsize_bitmap);
	DRV_NUM(HL_SK_SID_BITS, "sid_bits", "%u", id->sid_bits);
	DRV_NUM(HL_SK_SSID_BITS, "ssid_bits", "%u", id->ssid_bits);
	DRV_NUM(HL_SK_ASID_BITS, "asid_bits", "%u", id->asid_bits);
	DRV_NUM(HL_SK_VMID_BITS, "vmid_bits", "%u", id->vmid_bits);
#undef DRV_NUM
}

static void show_smmus(struct show *sh)
{
	const struct hl_state *s = sh->s;
	char b[32];

	list_begin(sh, "smmus", NULL);
	for (size_t i = 0; i < s->smmus.n; i++) {
		const struct hl_smmu_disk *sm = &s->smmus.v[i];
		const struct hl_smmu_id_disk *id = hl_state_smmu_id(s, sm->id);
		/* which IDRs were read; the fields of the others are null, unknown, never a 0 */
		u32 known = hl_smmu_idr_known(s, sm);
		json_object *m = json_object_new_object(), *idr = json_object_new_array(), *f, *d;
		int bbml2 = hl_smmu_bbml2(s, sm);

		f = hl_idr_decode(sm->idr, known);
		d = drv_json(id);
		if (!sh->json) {
			fprintf(sh->out, "SMMU %u at 0x%llx: ", sm->id, (unsigned long long)sm->base);
			if (!known)
				fputs("IDRs unknown (not captured): ", sh->out);
			text_fields(sh->out, f);
			fputs("\n  driver: ", sh->out);
			drv_text(sh->out, id);
			fprintf(sh->out, "\n  BBML2 %s\n", bbml2 < 0 ? "unknown" : bbml2 ? "yes" : "no");
			json_object_put(f);
			json_object_put(d);
			json_object_put(idr);
			json_object_put(m);
			continue;
		}
		jadd_u(m, "smmu", sm->id);
		jadd_hex(m, "base", sm->base);
		for (int k = 0; k < 6; k++) {
			snprintf(b, sizeof(b), "0x%08x", sm->idr[k]);
			json_object_array_add(idr, known & HL_SK_IDR(k) ? json_object_new_string(b) : NULL);
		}
		json_object_object_add(m, "IDR", known ? idr : NULL);
		if (!known)
			json_object_put(idr);
		/* null: unknown; a field of an IDR not read is null inside */
		json_object_object_add(m, "features", known ? f : NULL);
		if (!known)
			json_object_put(f);
		json_object_object_add(m, "driver", d);
		json_object_object_add(m, "bbml2", bbml2 < 0 ? NULL : json_object_new_boolean(bbml2));
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);
}

static void show_boots(struct show *sh)
{
	const struct hl_state *s = sh->s;
	char b[32];

	if (!sh->json)
		return;	/* the text names boots in the records */
	list_begin(sh, "boots", NULL);
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
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);
}

static void show_protected(struct show *sh)
{
	const struct hl_state *s = sh->s;

	if (!sh->json) {
		if (!s->protect.n)
			return;
		fprintf(sh->out, "protected StreamIDs:");
		for (size_t i = 0; i < s->protect.n; i++)
			fprintf(sh->out, " %u", s->protect.v[i].sid);
		fputc('\n', sh->out);
		return;
	}
	list_begin(sh, "protected", NULL);
	for (size_t i = 0; i < s->protect.n; i++) {
		json_object *m = json_object_new_object();

		if (s->protect.v[i].smmu != HL_ANY_SMMU)
			jadd_u(m, "smmu", s->protect.v[i].smmu);
		jadd_u(m, "sid", s->protect.v[i].sid);
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);
}

static const char *sel_note(const struct show *sh)
{
	return sh->sid_arg ? "; listing --sid " : "";
}

static void show_entries(struct show *sh)
{
	const struct hl_state *s = sh->s;

	list_begin(sh, "stes", "\nSTEs (%zu valid%s%s):\n", s->stes.n, sel_note(sh), sh->sid_arg ? sh->sid_arg : "");
	for (size_t i = 0; i < s->stes.n; i++) {
		const struct hl_ste_disk *e = &s->stes.v[i];
		json_object *m;

		if (!sid_listed(sh, e->smmu, e->sid))
			continue;
		if (!sh->json) {
			json_object *f = hl_ste_decode(e->q);

			fprintf(sh->out, "  smmu %u StreamID %u: ", e->smmu, e->sid);
			text_fields(sh->out, f);
			fputc('\n', sh->out);
			json_object_put(f);
			continue;
		}
		m = json_object_new_object();
		jadd_u(m, "smmu", e->smmu);
		jadd_u(m, "sid", e->sid);
		json_object_object_add(m, "STE", hl_ste_decode(e->q));
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);

	list_begin(sh, "cds", "\nCDs (%zu valid%s%s):\n", s->cds.n, sel_note(sh), sh->sid_arg ? sh->sid_arg : "");
	for (size_t i = 0; i < s->cds.n; i++) {
		const struct hl_cd_disk *d = &s->cds.v[i];
		json_object *m;

		if (!sid_listed(sh, d->smmu, d->sid))
			continue;
		if (!sh->json) {
			json_object *f = hl_cd_decode(d->q);

			fprintf(sh->out, "  smmu %u StreamID %u SSID %u: ", d->smmu, d->sid, d->ssid);
			text_fields(sh->out, f);
			fputc('\n', sh->out);
			json_object_put(f);
			continue;
		}
		m = json_object_new_object();
		jadd_u(m, "smmu", d->smmu);
		jadd_u(m, "sid", d->sid);
		jadd_u(m, "ssid", d->ssid);
		json_object_object_add(m, "CD", hl_cd_decode(d->q));
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);
}

static int range_one(const struct hl_range *r, u64 idx, void *arg)
{
	struct show *sh = arg;
	struct hl_jw *w = &sh->jw;
	bool in = !sh->sel.protect.n;

	(void)idx;
	for (size_t i = 0; !in && i < sh->roots.n; i++)
		in = sh->roots.v[i] == r->root;
	if (!in || (sh->by_iova && (r->iova > sh->hi || r->iova + r->size - 1 < sh->lo)))
		return 0;
	if (sh->listed == sh->max)
		return 1;
	sh->listed++;
	if (!sh->json) {
		fprintf(sh->out, "  table 0x%llx  IOVA 0x%llx-0x%llx -> PA 0x%llx-0x%llx  0x%llx leaves, S%u, attrs 0x%llx\n",
			(unsigned long long)r->root, (unsigned long long)r->iova,
			(unsigned long long)(r->iova + r->size - 1), (unsigned long long)r->oa,
			(unsigned long long)(r->oa + r->size - 1), 1ULL << r->leaf_log2, r->stage,
			(unsigned long long)r->attrs);
		return ferror(sh->out) ? -1 : 0;
	}
	/* written directly: a json-c object per range would cost ten allocations each */
	hl_jw_object(w, NULL);
	hl_jw_hex(w, "table", r->root);
	hl_jw_hex(w, "iova", r->iova);
	hl_jw_hex(w, "size", r->size);
	hl_jw_hex(w, "oa", r->oa);
	hl_jw_hex(w, "leaf_size", 1ULL << r->leaf_log2);
	hl_jw_u(w, "level", r->level);
	hl_jw_u(w, "stage", r->stage);
	hl_jw_hex(w, "attrs", r->attrs);
	hl_jw_end(w);
	return ferror(sh->out) ? -1 : 0;
}

/* "  (N of M listed: --sid/--iova/--max)" under a list that was bounded */
static void listed_note(struct show *sh, const char *what, u64 total)
{
	if (sh->json) {
		char k[48];

		snprintf(k, sizeof(k), "%s_total", what);
		hl_jw_u(&sh->jw, k, total);
		snprintf(k, sizeof(k), "%s_listed", what);
		hl_jw_u(&sh->jw, k, sh->listed);
	} else if (sh->listed < total) {
		fprintf(sh->out, "  (%llu of %llu listed)\n", (unsigned long long)sh->listed,
			(unsigned long long)total);
	}
}

static int show_translations(struct show *sh)
{
	char err[512];
	int rc;

	list_begin(sh, "translations", "\ntranslations (%llu ranges):\n", (unsigned long long)sh->x->count);
	sh->listed = 0;
	rc = hl_xlate_each(sh->x, range_one, sh, err, sizeof(err));
	list_end(sh);
	if (rc < 0) {
		fflush(sh->out);
		fprintf(stderr, "Error: %s: %s\n", sh->path, ferror(sh->out) ? "cannot write the output" : err);
		return -1;
	}
	listed_note(sh, "translations", sh->x->count);
	return 0;
}

static void event_text(FILE *out, json_object *e)
{
	json_object *x;

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

static void show_events(struct show *sh)
{
	const struct hl_state *s = sh->s;
	char b[32];

	list_begin(sh, "events", "\nevents (%zu):\n", s->events.n);
	sh->listed = 0;
	for (size_t i = 0; i < s->events.n && sh->listed < sh->max; i++, sh->listed++) {
		json_object *e = hl_record_json(&s->events.v[i], env.verbose);

		if (sh->json) {
			hl_jw_put(&sh->jw, NULL, e);
			continue;
		}
		event_text(sh->out, e);
		json_object_put(e);
	}
	list_end(sh);
	listed_note(sh, "events", s->events.n);

	list_begin(sh, "gaps", NULL);
	for (size_t i = 0; i < s->gaps.n; i++) {
		json_object *g = hl_gap_json(&s->gaps.v[i]);

		if (sh->json) {
			hl_jw_put(&sh->jw, NULL, g);
			continue;
		}
		hl_gap_text(sh->out, g);
		json_object_put(g);
	}
	list_end(sh);

	list_begin(sh, "losses", NULL);
	for (size_t i = 0; i < s->losses.n; i++) {
		const struct hl_loss_disk *l = &s->losses.v[i];
		json_object *m;

		snprintf(b, sizeof(b), "%016llx", (unsigned long long)l->boot);
		if (!sh->json) {
			fprintf(sh->out, "LOST %llu records (boot %s, %s)\n", (unsigned long long)l->count, b,
				hl_lost_where_name(l->where));
			continue;
		}
		m = json_object_new_object();
		jadd_s(m, "boot", b);
		jadd_u(m, "count", l->count);
		jadd_s(m, "where", hl_lost_where_name(l->where));
		hl_jw_put(&sh->jw, NULL, m);
	}
	list_end(sh);
}

static int show(struct show *sh)
{
	struct hl_completeness k;

	/* completeness first: the text says it before anything else (no rule is run) */
	hl_completeness(sh->s, NULL, &k);
	sh->complete = hl_complete(&k);
	sh->lost = k.lost;
	sh->gaps = k.gaps;

	if (sh->json)
		hl_jw_object(&sh->jw, NULL);
	show_meta(sh);
	show_smmus(sh);
	show_boots(sh);
	show_protected(sh);
	show_entries(sh);
	if (show_translations(sh))
		return HL_EXIT_ERROR;
	show_events(sh);
	if (sh->json) {
		hl_jw_put(&sh->jw, "complete", json_object_new_boolean(sh->complete));
		hl_jw_u(&sh->jw, "lost_records", sh->lost);
		hl_jw_u(&sh->jw, "sequence_gaps", sh->gaps);
		hl_jw_end(&sh->jw);
		hl_jw_finish(&sh->jw);
	}
	fflush(sh->out);
	if (ferror(sh->out)) {
		fprintf(stderr, "Error: cannot write the output\n");
		return HL_EXIT_ERROR;
	}
	return sh->complete ? 0 : HL_EXIT_ERROR;
}

static const struct hl_opt show_opts[] = {
	HL_OPT("sid", required_argument, 'S', false, "SID[,SID]",
	  "list only these StreamIDs' STEs and CDs, and their tables' translations"),
	HL_OPT("iova", required_argument, 'I', false, "IOVA[-END|+LEN]",
	  "list only translations that overlap IOVA (to END, or LEN bytes)"),
	HL_OPT("max", required_argument, 'M', false, "N",
	  "list at most N translations and N records (the counts say how many there are)"),
	{ 0 }
};

const struct hl_verb show_verb = {
	.name = "show",
	.func = do_show,
	.opts = show_opts,
	.operands = "SNAPSHOT",
	.grammar = "       FORMAT := { text | json }\n"
		   "       SID := [SMMU:]StreamID\n",
	.about = "Decode a snapshot: SMMUs, STEs, CDs, translations, records (-v: raw qwords).\n"
		 "Written as it is read: memory does not grow with the number of translations.\n",
	.tail = "Exit: 0, or 2 on error or if the snapshot's log lost records.\n",
};

/* IOVA, IOVA-END (inclusive) or IOVA+LEN: 0, or -1 */
static int parse_iova(const char *a, u64 *lo, u64 *hi)
{
	char *end;
	u64 v;

	errno = 0;
	*lo = strtoull(a, &end, 0);
	if (errno || end == a)
		return -1;
	if (!*end) {
		*hi = *lo;
		return 0;
	}
	if (*end != '-' && *end != '+')
		return -1;
	a = end + 1;
	if (*a == '-' || *a == '+')
		return -1;
	v = strtoull(a, &end, 0);
	if (errno || end == a || *end)
		return -1;
	if (a[-1] == '+') {
		if (!v || v - 1 > UINT64_MAX - *lo)
			return -1;
		*hi = *lo + v - 1;
	} else {
		*hi = v;
	}
	return *hi < *lo ? -1 : 0;
}

int do_show(int argc, char **argv)
{
	struct show sh = { .out = stdout, .max = UINT64_MAX };
	struct hl_xlate x = { .fd = -1 };
	struct hl_state s;
	char err[512], *end;
	int c, rc;

	hl_state_init(&sh.sel);
	optind = 0;	/* glibc: full re-initialisation for the verb's argv */
	while ((c = hl_getopt(argc, argv, &show_verb)) != -1) {
		rc = hl_common_opt(c, optarg);
		if (rc < 0)
			goto bad;
		if (rc == 2) {
			hl_usage(stdout, &show_verb);
			hl_state_free(&sh.sel);
			return 0;
		}
		if (rc)
			continue;
		switch (c) {
		case 'S':
			if (hl_parse_protect(optarg, &sh.sel)) {
				p_err("bad --sid '%s': expected SID[,SID] with SID := [SMMU:]StreamID", optarg);
				goto bad;
			}
			sh.sid_arg = optarg;
			continue;
		case 'I':
			if (parse_iova(optarg, &sh.lo, &sh.hi)) {
				p_err("bad --iova '%s': expected IOVA, IOVA-END or IOVA+LEN", optarg);
				goto bad;
			}
			sh.by_iova = true;
			continue;
		case 'M':
			errno = 0;
			sh.max = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				p_err("bad --max '%s': expected a number", optarg);
				goto bad;
			}
			continue;
		}
		hl_usage(stderr, &show_verb);
		goto bad;
	}
	if (argc - optind != 1) {
		hl_usage(stderr, &show_verb);
		goto bad;
	}
	if (env.format != FMT_TEXT && env.format != FMT_JSON) {
		p_err("'show' has no %s output", hl_format_name(env.format));
		goto bad;
	}
	if (hl_snapshot_open(argv[optind], &s, &x, err, sizeof(err))) {
		p_err("%s", err);
		goto bad;
	}
	sh.path = argv[optind];
	sh.s = &s;
	sh.x = &x;
	sh.json = env.format == FMT_JSON;
	hl_jw_init(&sh.jw, stdout, env.pretty);
	select_roots(&sh);
	rc = show(&sh);
	hl_xlate_close(&x);
	hl_state_free(&s);
	hl_state_free(&sh.sel);
	VEC_FREE(sh.roots);
	return rc;
bad:
	hl_state_free(&sh.sel);
	return HL_EXIT_ERROR;
}
