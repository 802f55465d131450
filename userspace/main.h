/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_MAIN_H
#define HL_MAIN_H

#include <getopt.h>
#include "output.h"
#include "state.h"

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

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

/* Options every verb takes, before or after the verb. */
#define HL_COMMON_OPTS "jpf:vh"
#define HL_COMMON_LONGOPTS						\
	{ "json", no_argument, NULL, 'j' },				\
	{ "pretty", no_argument, NULL, 'p' },				\
	{ "format", required_argument, NULL, 'f' },			\
	{ "verbose", no_argument, NULL, 'v' },				\
	{ "help", no_argument, NULL, 'h' }
/* 1 handled, 2 help asked, 0 not a common option, -1 bad value (p_err done) */
int hl_common_opt(int c, const char *arg);
#define HL_COMMON_HELP							\
	"       OPTIONS := { -j|--json | -p|--pretty | -f|--format FORMAT | -v|--verbose }\n"

int hl_load(const char *path, struct hl_state *s);
/*
 * Load BEFORE [AFTER] (n = 1 or 2) into a and b, and settle the protected
 * StreamIDs in prot: those of the command line if any, else those the
 * snapshots recorded, else every StreamID their logs saw a VMM attach or a
 * kernel restore (hl_protect_default()); hl_protect_source says which.
 * 0, or -1 after p_err with nothing left allocated.
 */
int hl_load_pair(char **paths, int n, struct hl_state *a, struct hl_state *b,
		 struct hl_state *prot);
/* "command line", "snapshots", "capture" or "none": where hl_load_pair() found prot's StreamIDs. */
extern const char *hl_protect_source;
/*
 * The command line of a verb that judges BEFORE [AFTER] (diff, timeline):
 * the common options and --protect into prot, then hl_load_pair(). Returns
 * the number of snapshots (1 or 2); 0 when --help was printed; -1 after a
 * usage error or a snapshot that does not read was reported. On 0 and -1,
 * nothing is left allocated.
 */
int hl_pair_verb_args(int argc, char **argv, void (*help)(FILE *), struct hl_state *a,
		      struct hl_state *b, struct hl_state *prot);

/* This boot's identity and clocks (capture.c). */
#include <time.h>
u64 hl_now_ns(clockid_t id);
void hl_clock_sample(struct hl_state *s);
void hl_state_identity(struct hl_state *s, unsigned mode);

/*
 * The persistent trace instances (import.c, tracebuf.c): write this
 * capture's start marker to them (and to "hitless"), then, when `list` is
 * set, import them into s.  *seq_base: the sequence numbers this boot's
 * imported records took (the capture numbers its own after them).  0, or
 * HL_EXIT_ERROR after p_err.
 */
int hl_trace_begin(struct hl_state *s, const char *list, int quiet, u64 *seq_base);
/* The end marker: what this capture kept of this boot (the next boot's import skips it). */
void hl_trace_end(const struct hl_state *s, const char *list, u64 imported, int covered);
#define HL_TRACE_HELP							\
	"       --trace LIST   also import the persistent trace instances LIST\n"	\
	"                      (INSTANCE[,INSTANCE], e.g. hitless_prev,hitless: the previous\n"	\
	"                      kernel's last events and this one's early boot; \"top\": the\n"	\
	"                      top-level buffer, a stock kernel's boot-time switch probes)\n"

int do_show(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_timeline(int argc, char **argv);
int do_record(int argc, char **argv);
int do_snapshot(int argc, char **argv);
int do_import(int argc, char **argv);
int do_monitor(int argc, char **argv);

#endif
