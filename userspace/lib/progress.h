/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Progress of long work (the walker, a long record) on a terminal: one line
 * that updates in place ("\rhitless: ...", cleared to the line's end), at
 * most five times a second, and cleared when the work is done.  Off when
 * the stream is not a terminal, TERM is dumb, or -q.
 */
#ifndef HL_PROGRESS_H
#define HL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct hl_progress {
	int fd;			/* -1: off */
	uint64_t last_ns;	/* when the line was last written */
	bool shown;		/* a line is on the terminal */
};

void hl_progress_init(struct hl_progress *p, int fd, bool quiet);
/* The line, if the last one is 200 ms old (or force). */
void hl_progress(struct hl_progress *p, bool force, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Clear the line, so what is printed next starts a clean one. */
void hl_progress_done(struct hl_progress *p);

#endif
