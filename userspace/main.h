/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_MAIN_H
#define HL_MAIN_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include "capture.h"
#include "output.h"
#include "state.h"

/*
 * One option, one row: getopt_long() reads it and --help prints it (the
 * option, its argument's name, what it does), so neither exists without the
 * other (tests/unit/helpdoc.t).  A verb's rows are its own table; the
 * common options (hl_common_opts) come with every verb.
 */
struct hl_opt {
	const char *name;	/* the long option; NULL ends a table */
	int has_arg;		/* no_argument, required_argument or optional_argument */
	int val;		/* what hl_getopt() returns for it: the short option if shrt */
	bool shrt;		/* also -val */
	const char *arg;	/* its argument's name in the help (FILE, SEC), NULL if none */
	const char *help;	/* what it does: one line (wrapped to the terminal's 80 columns) */
	unsigned flags;		/* HL_OPT_* */
};
#define HL_OPT_MANDATORY	1	/* in the synopsis without brackets (record's -o FILE) */
/* A row without flags: HL_OPT(name, has_arg, val, shrt, arg, help) */
#define HL_OPT(...) { __VA_ARGS__, 0 }

/* A verb: what main() dispatches, and every part of its --help. */
struct hl_verb {
	const char *name;
	int (*func)(int argc, char **argv);
	const struct hl_opt *opts;	/* its own options, the synopsis's order */
	const char *operands;		/* after the options in the synopsis: "BEFORE [AFTER]" */
	const char *grammar;		/* "X := ..." lines under the synopsis, each with its "\n" */
	const char *about;		/* what it does: lines of text */
	const char *tail;		/* "Exit: ...", "Environment: ..." lines, after the options */
	/* options it refuses by name, as another verb's (snapshot: record's) */
	const struct hl_verb *refuses;
};

/* Every verb, in `hitless help`'s order, NULL-terminated (main.c). */
extern const struct hl_verb *const hl_verbs[];
/* hitless itself, before the verb: the common options and --version (main.c). */
extern const struct hl_verb hl_main_verb;
extern const struct hl_opt hl_common_opts[];

/*
 * getopt_long() over the verb's table and the common one (hl_main_verb:
 * stop at the first operand, the verb).  A refused option (struct
 * hl_verb.refuses) is p_err()'d and returns '!'.
 */
int hl_getopt(int argc, char **argv, const struct hl_verb *vb);
/* 1 handled, 2 help asked, 0 not a common option, -1 bad value (p_err done) */
int hl_common_opt(int c, const char *arg);
/* The verb's --help: synopsis, grammar, what it does, every option of its table and the common ones, exit. */
void hl_usage(FILE *f, const struct hl_verb *vb);
/* The synopsis alone, "PREFIX[OPTIONS] ... OPERANDS", wrapped at 100 columns under INDENT spaces. */
void hl_synopsis(FILE *f, const struct hl_verb *vb, const char *prefix, int indent);
/* The option list of tab (the rows' order). */
void hl_opt_list(FILE *f, const struct hl_opt *tab);
/* "OPTIONS := { -j|--json | ... }": the common options. */
void hl_common_grammar(FILE *f);

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
int hl_pair_verb_args(int argc, char **argv, const struct hl_verb *vb, struct hl_state *a,
		      struct hl_state *b, struct hl_state *prot);

/* Option values more than one verb takes: each -1 (or 0 for the buffer) after p_err. */
double hl_parse_seconds(const char *opt, const char *arg);	/* above 0 */
unsigned long hl_parse_buffer(const char *arg);			/* --buffer: bytes */
int hl_parse_count(const char *opt, const char *arg, unsigned long long min, unsigned long long max,
		   unsigned long long *v);
int hl_parse_mode(const char *arg);				/* --mode: auto, fentry, tracepoint */
/* SIGINT and SIGTERM set hl_stop (record, monitor). */
#include <signal.h>
extern volatile sig_atomic_t hl_stop;
void hl_catch_stop(void);
/* Create path (NULL: nothing), a --ready-file. */
void hl_touch(const char *path);

/* Rows more than one verb takes (each verb's table names the ones it takes). */
/* --protect of the verbs that judge BEFORE [AFTER] (hl_pair_verb_args()) */
#define HL_OPT_PROTECT_PAIR HL_OPT("protect", required_argument, 'P', false, "SIDS",		\
	"the protected StreamIDs (or a PCI device's): else those the snapshots recorded, else "	\
	"every StreamID the logs saw a VMM attach or a kernel restore")
#define HL_OPT_PINNED HL_OPT("pinned", optional_argument, 'P', false, "DIR",			\
	"use the programs bpftool pinned in DIR, given as --pinned=DIR (--pinned alone: " HL_PIN_DIR ")")
#define HL_OPT_BUFFER HL_OPT("buffer", required_argument, 'B', false, "SIZE",			\
	"ring buffer size: N MiB, or NK KiB / NM MiB; a power of 2 from a page to 1 GiB "	\
	"(default 8): more for big maps, less to provoke loss")
#define HL_OPT_BUDGET HL_OPT("budget", required_argument, 'b', false, "N", "records per walker trigger (default 4096)")
#define HL_OPT_MODE HL_OPT("mode", required_argument, 'm', false, "MODE",				\
	"what to capture with (MODE above; default auto)")
#define HL_OPT_DURATION HL_OPT("duration", required_argument, 'd', false, "SEC", "stop after SEC seconds")
#define HL_OPT_STOP_FILE HL_OPT("stop-file", required_argument, 's', false, "PATH", "stop once PATH exists")
#define HL_OPT_OUTPUT { "output", required_argument, 'o', true, "FILE", "the snapshot", HL_OPT_MANDATORY }
#define HL_OPT_QUIET HL_OPT("quiet", no_argument, 'q', true, NULL, "no progress or notes on stderr")
#define HL_OPT_TRACE HL_OPT("trace", required_argument, 'T', false, "LIST",				\
	"also import the persistent trace instances LIST (INSTANCE[,INSTANCE], e.g. "		\
	"hitless_prev,hitless: the previous kernel's last events and this one's early boot; "	\
	"\"top\": the top-level buffer, a stock kernel's boot-time switch probes)")

/* Each verb (the verb's file). */
extern const struct hl_verb show_verb, diff_verb, timeline_verb, record_verb, snapshot_verb,
	import_verb, monitor_verb;

int do_show(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_timeline(int argc, char **argv);
int do_record(int argc, char **argv);
int do_snapshot(int argc, char **argv);
int do_import(int argc, char **argv);
int do_monitor(int argc, char **argv);

#endif
