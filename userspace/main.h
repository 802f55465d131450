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
 * snapshots recorded. 0, or -1 after p_err with nothing left allocated.
 */
int hl_load_pair(char **paths, int n, struct hl_state *a, struct hl_state *b,
		 struct hl_state *prot);

int do_show(int argc, char **argv);
int do_diff(int argc, char **argv);
int do_timeline(int argc, char **argv);
int do_record(int argc, char **argv);
int do_snapshot(int argc, char **argv);

#endif
