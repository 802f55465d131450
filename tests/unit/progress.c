// SPDX-License-Identifier: GPL-2.0
/*
 * The progress line (userspace/lib/progress.c) on a real terminal (a pty) and
 * off it: on a tty one line updated in place ("\r...", erased to its end),
 * rate-limited, cleared at the end; nothing on a pipe, with -q, or with
 * TERM=dumb.
 */
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "progress.h"
#include "tap.h"

static size_t drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	return n;
}

int main(void)
{
	int master, slave, pfd[2];
	struct hl_progress p;
	char buf[4096];
	struct termios raw;

	setenv("TERM", "xterm", 1);
	if (openpty(&master, &slave, NULL, NULL, NULL) || pipe(pfd)) {
		tap_ok(0, "openpty/pipe");
		return tap_done();
	}
	tcgetattr(slave, &raw);
	cfmakeraw(&raw);	/* the bytes as written, no \n -> \r\n */
	tcsetattr(slave, TCSANOW, &raw);

	hl_progress_init(&p, slave, false);
	hl_progress(&p, false, "walking SMMU %s: %d STEs", "smmu3.0", 1);
	hl_progress(&p, false, "walking SMMU %s: %d STEs", "smmu3.0", 2);	/* within 200 ms: not shown */
	nanosleep(&(struct timespec){ 0, 250000000 }, NULL);
	hl_progress(&p, false, "walking: %d", 3);
	hl_progress_done(&p);
	drain(master, buf, sizeof(buf));
	tap_ok(!strcmp(buf, "\rhitless: walking SMMU smmu3.0: 1 STEs\033[K\rhitless: walking: 3\033[K\r\033[K"),
	       "a tty: one line updated in place, erased to its end, at most every 200 ms, cleared at the end");
	hl_progress(&p, true, "recording: %d records", 7);
	hl_progress(&p, true, "recording: %d records", 8);
	hl_progress_done(&p);
	drain(master, buf, sizeof(buf));
	tap_ok(strstr(buf, "7 records") && strstr(buf, "8 records"), "force: every line written");

	hl_progress_init(&p, pfd[1], false);
	hl_progress(&p, true, "walking");
	hl_progress_done(&p);
	tap_ok(!drain(pfd[0], buf, sizeof(buf)), "a pipe: nothing");
	hl_progress_init(&p, slave, true);
	hl_progress(&p, true, "walking");
	hl_progress_done(&p);
	tap_ok(!drain(master, buf, sizeof(buf)), "-q on a tty: nothing");
	setenv("TERM", "dumb", 1);
	hl_progress_init(&p, slave, false);
	hl_progress(&p, true, "walking");
	tap_ok(!drain(master, buf, sizeof(buf)), "TERM=dumb: nothing");
	return tap_done();
}
