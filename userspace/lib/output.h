/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output layer (bpftool's json_writer + p_err, with json-c): diff and
 * timeline build one json_object document; the layer prints it as JSON
 * (-j/-p), or hands it to the verb's text, metrics (Prometheus text or
 * OpenMetrics: metrics.h) or Chrome trace renderer.  show streams through hl_jw (below).
 */
#ifndef HL_OUTPUT_H
#define HL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

enum hl_format { FMT_TEXT, FMT_JSON, FMT_OPENMETRICS, FMT_CHROME, FMT_PROMETHEUS, FMT_JUNIT, FMT_HTML };

struct hl_env {
	enum hl_format format;
	bool pretty;
	bool verbose;
};
extern struct hl_env env;

typedef void (*hl_renderer)(json_object *doc, FILE *out);
struct hl_render {
	const char *verb;
	hl_renderer text, metrics, chrome;	/* metrics: -f prometheus and -f openmetrics */
	hl_renderer junit, html;
};

/* Errors: text to stderr ("Error: ..."), or {"error": "..."} on stdout in JSON mode. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress notes: "hitless: ..." to stderr, nothing when quiet. */
void p_note(bool quiet, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print doc in the chosen format; 0, or 2 after p_err if the verb cannot. */
int hl_emit(json_object *doc, const struct hl_render *r);
int hl_parse_format(const char *s, enum hl_format *f);
const char *hl_format_name(enum hl_format f);

/* Helpers for building documents */
void jadd_hex(json_object *o, const char *k, unsigned long long v);
void jadd_u(json_object *o, const char *k, unsigned long long v);
void jadd_s(json_object *o, const char *k, const char *v);
/* The renderers' reads: k must be in o (else an internal error, exit 2); jopt_s: NULL when absent. */
unsigned long long jget_u(json_object *o, const char *k);
const char *jget_s(json_object *o, const char *k);
const char *jopt_s(json_object *o, const char *k);
/* An integer key that may be absent: dflt then. */
long long jopt_i(json_object *o, const char *k, long long dflt);
/* Is x (a finding, a device) about StreamID sid on SMMU smmu? An SMMU -1 or absent matches any. */
bool jnames_sid(json_object *x, long long smmu, long long sid);
/* "k=v k=v" of a flat object, for text renderers */
void text_fields(FILE *out, json_object *o);

/*
 * A streaming JSON writer (bpftool's json_writer.c) for documents too big to
 * build as a tree (hitless show of millions of translation ranges): each
 * value is written as it comes, in the same document shape hl_emit() would
 * print.  NAME is the member's key inside an object, NULL inside an array
 * or at the top.  Memory does not grow with the document.
 */
#define HL_JW_DEPTH	16
struct hl_jw {
	FILE *out;
	bool pretty;
	int depth;
	bool nonempty[HL_JW_DEPTH];
	char close[HL_JW_DEPTH];
};
void hl_jw_init(struct hl_jw *w, FILE *out, bool pretty);
void hl_jw_object(struct hl_jw *w, const char *name);
void hl_jw_array(struct hl_jw *w, const char *name);
void hl_jw_end(struct hl_jw *w);	/* of the innermost object or array */
/* Write v (any json-c value, serialised by json-c) and release it. */
void hl_jw_put(struct hl_jw *w, const char *name, json_object *v);
void hl_jw_u(struct hl_jw *w, const char *name, unsigned long long v);
void hl_jw_hex(struct hl_jw *w, const char *name, unsigned long long v);	/* "0x..." */
/* After the top-level value: a newline, and the stream flushed. */
void hl_jw_finish(struct hl_jw *w);

/* A label value, escaped (backslash, double quote, line feed): both metrics formats */
void om_label(FILE *out, const char *v);

#define HL_VERSION "0.1"

/* Exit status: a pre-deploy gate. */
#define HL_EXIT_HITLESS		0
#define HL_EXIT_FINDINGS	1
#define HL_EXIT_ERROR		2	/* error, or an incomplete log */
/* A judgement over nothing: no StreamID was protected (diff, timeline, monitor). */
#define HL_EXIT_UNPROTECTED	7
/* The capture verbs (record, snapshot): what this host lacks, one status each. */
#define HL_EXIT_NO_PRIV		3	/* not root: no CAP_BPF + CAP_PERFMON, no CAP_SYS_ADMIN */
#define HL_EXIT_NO_BTF		4	/* the kernel's BTF is missing or unreadable */
#define HL_EXIT_NO_SERIES	5	/* --mode tracepoint on a kernel without kernel/patches */
#define HL_EXIT_NO_SMMU		6	/* no Arm SMMUv3 driver in this kernel */

#endif
