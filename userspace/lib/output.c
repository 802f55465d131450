// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "output.h"

struct hl_env env;

static const char *const fmt_names[] = { "text", "json", "openmetrics", "chrome", "prometheus", "junit", "html" };

const char *hl_format_name(enum hl_format f)
{
	return fmt_names[f];
}

int hl_parse_format(const char *s, enum hl_format *f)
{
	for (unsigned i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (!strcmp(s, fmt_names[i])) {
			*f = i;
			return 0;
		}
	return -1;
}

void p_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (env.format == FMT_JSON) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		printf("%s\n", json_object_to_json_string_ext(o,
			env.pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else {
		fprintf(stderr, "Error: %s\n", buf);
	}
}

void p_note(bool quiet, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	fprintf(stderr, "hitless: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hl_emit(json_object *doc, const struct hl_render *r)
{
	hl_renderer fn = NULL;

	switch (env.format) {
	case FMT_JSON:
		printf("%s\n", json_object_to_json_string_ext(doc,
			(env.pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
			JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	case FMT_TEXT:
		fn = r->text;
		break;
	case FMT_OPENMETRICS:
	case FMT_PROMETHEUS:
		fn = r->metrics;
		break;
	case FMT_CHROME:
		fn = r->chrome;
		break;
	case FMT_JUNIT:
		fn = r->junit;
		break;
	case FMT_HTML:
		fn = r->html;
		break;
	}
	if (!fn) {
		p_err("'%s' has no %s output", r->verb, hl_format_name(env.format));
		return 2;
	}
	fn(doc, stdout);
	fflush(stdout);
	return 0;
}

void jadd_hex(json_object *o, const char *k, unsigned long long v)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", v);
	json_object_object_add(o, k, json_object_new_string(b));
}

void jadd_u(json_object *o, const char *k, unsigned long long v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

void jadd_s(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

/*
 * A key the document must have: its absence is a renderer reading a key
 * the builder does not write (a misspelling), said as such, never a NULL
 * dereference or a "(null)" in the output.
 */
static json_object *jreq(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v)) {
		fflush(stdout);
		fprintf(stderr, "hitless: internal error: the document has no key \"%s\" (a renderer and "
			"its builder disagree)\n", k);
		exit(2);
	}
	return v;
}

unsigned long long jget_u(json_object *o, const char *k)
{
	json_object *v = jreq(o, k);

	if (json_object_is_type(v, json_type_string))
		return strtoull(json_object_get_string(v), NULL, 0);
	return json_object_get_uint64(v);
}

const char *jget_s(json_object *o, const char *k)
{
	return json_object_get_string(jreq(o, k));
}

const char *jopt_s(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

long long jopt_i(json_object *o, const char *k, long long dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : dflt;
}

bool jnames_sid(json_object *x, long long smmu, long long sid)
{
	long long xs = jopt_i(x, "smmu", -1);

	return jopt_i(x, "sid", -1) == sid && (smmu < 0 || xs < 0 || xs == smmu);
}

void text_fields(FILE *out, json_object *o)
{
	int first = 1;

	json_object_object_foreach(o, k, v) {
		if (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
			continue;
		/* null: a field not captured, unknown (never printed as a 0) */
		fprintf(out, "%s%s=%s", first ? "" : " ", k, v ? json_object_get_string(v) : "unknown");
		first = 0;
	}
}

void om_label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', out);
		if (*v == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*v, out);
	}
}

/* ---- the streaming JSON writer ------------------------------------------ */

void hl_jw_init(struct hl_jw *w, FILE *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
}

static void jw_indent(struct hl_jw *w, int depth)
{
	fputc('\n', w->out);
	for (int i = 0; i < depth; i++)
		fputs("  ", w->out);
}

/* Separator, indentation and key before a member or element. */
static void jw_member(struct hl_jw *w, const char *name)
{
	if (w->depth) {
		if (w->nonempty[w->depth])
			fputc(',', w->out);
		if (w->pretty)
			jw_indent(w, w->depth);
	}
	w->nonempty[w->depth] = true;
	if (name && !name[strcspn(name, "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
				     "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")]) {
		fprintf(w->out, "\"%s\":", name);	/* nothing to escape: the common case, no allocation */
	} else if (name) {
		/* the key escaped as json-c escapes a string value: one escaper */
		json_object *k = json_object_new_string(name);

		fprintf(w->out, "%s:", json_object_to_json_string_ext(k, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(k);
	}
}

static void jw_open(struct hl_jw *w, const char *name, char open, char close)
{
	jw_member(w, name);
	fputc(open, w->out);
	if (w->depth + 1 >= HL_JW_DEPTH)
		abort();	/* a programming error: the documents are shallow */
	w->depth++;
	w->nonempty[w->depth] = false;
	w->close[w->depth] = close;
}

void hl_jw_object(struct hl_jw *w, const char *name)
{
	jw_open(w, name, '{', '}');
}

void hl_jw_array(struct hl_jw *w, const char *name)
{
	jw_open(w, name, '[', ']');
}

void hl_jw_end(struct hl_jw *w)
{
	if (w->pretty && w->nonempty[w->depth])
		jw_indent(w, w->depth - 1);
	fputc(w->close[w->depth], w->out);
	w->depth--;
}

void hl_jw_put(struct hl_jw *w, const char *name, json_object *v)
{
	const char *t = json_object_to_json_string_ext(v,
		(w->pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) | JSON_C_TO_STRING_NOSLASHESCAPE);

	jw_member(w, name);
	if (!w->pretty) {
		fputs(t, w->out);
	} else {
		/* json-c indents from column 0: shift its lines to this depth */
		for (; *t; t++) {
			if (*t == '\n')
				jw_indent(w, w->depth);
			else
				fputc(*t, w->out);
		}
	}
	json_object_put(v);
}

void hl_jw_u(struct hl_jw *w, const char *name, unsigned long long v)
{
	jw_member(w, name);
	fprintf(w->out, "%llu", v);
}

void hl_jw_hex(struct hl_jw *w, const char *name, unsigned long long v)
{
	jw_member(w, name);
	fprintf(w->out, "\"0x%llx\"", v);
}

void hl_jw_finish(struct hl_jw *w)
{
	fputc('\n', w->out);
	fflush(w->out);
}
