// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"

#define HL_PROGRESS_NS	200000000ULL

void hl_progress_init(struct hl_progress *p, int fd, bool quiet)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->fd = !quiet && isatty(fd) && !(term && !strcmp(term, "dumb")) ? fd : -1;
}

void hl_progress(struct hl_progress *p, bool force, const char *fmt, ...)
{
	struct timespec ts;
	char line[256];
	uint64_t now;
	va_list ap;
	int n;

	if (p->fd < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	if (!force && p->shown && now - p->last_ns < HL_PROGRESS_NS)
		return;
	n = snprintf(line, sizeof(line), "\rhitless: ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 4)
		n = sizeof(line) - 4;
	memcpy(line + n, "\033[K", 3);	/* erase what a longer line left */
	if (write(p->fd, line, n + 3) > 0) {
		p->shown = true;
		p->last_ns = now;
	}
}

void hl_progress_done(struct hl_progress *p)
{
	if (p->fd >= 0 && p->shown && write(p->fd, "\r\033[K", 4) > 0)
		p->shown = false;
}
