/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_MAIN_H
#define HL_MAIN_H

#include <getopt.h>
#include "output.h"
#include "state.h"

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	void (*usage)(FILE *f);	/* its --help: `hitless help` lists each one's synopsis from it */
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

#define HL_TRACE_HELP							\
	"       --trace LIST   also import the persistent trace instances LIST\n"	\
	"                      (INSTANCE[,INSTANCE], e.g. hitless_prev,hitless: the previous\n"	\
	"                      kernel's last events and this one's early boot; \"top\": the\n"	\
	"                      top-level buffer, a stock kernel's boot-time switch probes)\n"

/* Each verb's --help (the verb's file); "Usage: hitless VERB" and its continuation lines first. */
void show_usage(FILE *f);
void diff_usage(FILE *f);
void timeline_usage(FILE *f);
void record_usage(FILE *f);
void snapshot_usage(FILE *f);
void import_usage(FILE *f);
void monitor_usage(FILE *f);

int do_show(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_timeline(int argc, char **argv);
int do_record(int argc, char **argv);
int do_snapshot(int argc, char **argv);
int do_import(int argc, char **argv);
int do_monitor(int argc, char **argv);

#endif
