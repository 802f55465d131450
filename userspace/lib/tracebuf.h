/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patched kernel's persistent trace instances (docs/early-boot-tracing.md)
 * turned into bpf/hitless.h records (HL_MODE_TRACEPOINT): the old kernel's
 * last events (hitless_prev) and the new kernel's early boot (hitless),
 * which no BPF capture can see.
 */
#ifndef HL_TRACEBUF_H
#define HL_TRACEBUF_H

#include "state.h"

struct tep_handle;
struct tep_event;
struct tep_record;
struct hl_tb_conv;

/* A marker written to an instance's trace_marker by snapshot/record. */
#define HL_TB_MARK_START "hitless: start"
#define HL_TB_MARK_END "hitless: end"

/*
 * Conversion context for the events of tracepoints.txt found in `tep`:
 * every field the conversion reads is checked to exist with the documented
 * size.  NULL with err when the series' events are missing or differ.
 */
struct hl_tb_conv *hl_tb_conv_new(struct tep_handle *tep, u64 cntfrq, char *err, size_t errlen);
void hl_tb_conv_free(struct hl_tb_conv *c);

/* Records one event makes at most: a batch of 64 commands and a CMD_SYNC is 8. */
#define HL_TB_MAX_RECORDS	16

/*
 * One trace event -> the records bpf/hitless_tp.bpf.c makes of it, in out[]
 * (max of them; header: kind, mode, version, cpu; ktime_ns holds the raw
 * trace timestamp, boot and seq are left 0): one, but a run of descriptors
 * is one HL_K_PTE_RUN (HL_K_PTE for a run of one) and a batch of commands
 * one HL_K_CMD_BATCH per HL_BATCH_CMDS of them, for hl_record_expand().
 * *counter is the event's "counter" field when it has one, else 0.
 * Returns how many records; 0: not an event of the series (skipped); -1:
 * malformed (err).
 */
int hl_tb_convert(struct hl_tb_conv *c, struct tep_event *e, struct tep_record *rec,
		  struct hl_record *out, int max, u64 *counter, char *err, size_t errlen);

/*
 * A trace_marker line ("hitless: start boot=... ") of the ftrace print event:
 * 1 and the text in buf, or 0 if the event is no hitless marker.
 */
int hl_tb_marker(struct tep_event *e, struct tep_record *rec, char *buf, size_t len);

/* What the import needs from its caller. */
struct hl_tb_opts {
	u64 boot;		/* this boot's hl_hdr.boot */
	u64 cntfrq;		/* CNTFRQ_EL0 (0: unknown) */
	u64 now_ktime, now_cnt;	/* a (CLOCK_MONOTONIC, counter) pair of this boot, 0: none */
	int quiet;
};

struct hl_tb_result {
	u64 imported_current;	/* records of this boot (seq 1..n) */
	u64 imported_prev;	/* records of the previous boot */
	u64 lost;
};

/*
 * Read each instance of the comma-separated list (consuming its per-CPU
 * raw pipes) into s: records of this boot before this process's start
 * marker take sequence numbers 1..n (the caller shifts its own), records of
 * the previous boot (a backup instance, or one holding another boot's
 * marker) get that boot's identity and are numbered after what that boot's
 * own capture recorded.  0, or -1 with err.
 */
int hl_tb_import(struct hl_state *s, const char *instances, const struct hl_tb_opts *o,
		 struct hl_tb_result *res, char *err, size_t errlen);

/* The import over events handed in one by one (the unit tests' way in). */
enum { HL_TB_CLOCK_LOCAL, HL_TB_CLOCK_COUNTER, HL_TB_CLOCK_MONO };
struct hl_tb_batch;
struct hl_tb_batch *hl_tb_batch_new(struct hl_tb_conv *c);
int hl_tb_batch_event(struct hl_tb_batch *b, struct tep_event *e, struct tep_record *rec);
/* backup: the instance holds another boot's buffer (last_boot_info); frees b */
int hl_tb_batch_finish(struct hl_tb_batch *b, struct hl_state *s, const char *name, int backup,
		       int clock, const struct hl_tb_opts *o, u64 *seq_cur, struct hl_tb_result *res);

/* The top-level buffer in an instance list (a stock kernel's boot-time kprobe events). */
#define HL_TB_TOP "top"

/*
 * A stock kernel booted with the switch probes (scripts/lib.sh
 * stock_kprobe_events) enables them in the top-level buffer only: enable
 * them in the persistent `instance` too, so this kernel's last actions reach
 * the next kernel's backup instance.  1 done, 0 nothing to do (no such
 * events or instance), -1 failed.
 */
int hl_tb_arm_stock(const char *instance);

/* Write a marker line to every named instance that accepts one (plus "hitless"). */
void hl_tb_mark(const char *instances, const char *line);

/*
 * The persistent trace instances (lib/tracebuf.c): write this
 * capture's start marker to them (and to "hitless"), then, when `list` is
 * set, import them into s.  *seq_base: the sequence numbers this boot's
 * imported records took (the capture numbers its own after them).  0, or
 * HL_EXIT_ERROR after p_err.
 */
int hl_trace_begin(struct hl_state *s, const char *list, int quiet, u64 *seq_base);
/* The end marker: what this capture kept of this boot (the next boot's import skips it). */
void hl_trace_end(const struct hl_state *s, const char *list, u64 imported, int covered);

#endif
