/* SPDX-License-Identifier: GPL-2.0 */
/* Run the built hitless binary, capture stdout/stderr and the exit status. */
#ifndef HL_TEST_RUN_H
#define HL_TEST_RUN_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HL_BIN
#error "HL_BIN: path of the built hitless binary"
#endif

static char run_out[1 << 20], run_err[1 << 16];

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = 0;
}

/* run(NULL-terminated args after "hitless"): exit status, or -1 */
static int run(const char *arg0, ...)
{
	const char *argv[32] = { HL_BIN };
	char o[] = "/tmp/hl-run-out.XXXXXX", e[] = "/tmp/hl-run-err.XXXXXX";
	int fo = mkstemp(o), fe = mkstemp(e), st, n = 1;
	va_list ap;
	pid_t pid;

	va_start(ap, arg0);
	for (const char *a = arg0; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	pid = fork();
	if (!pid) {
		dup2(fo, 1);
		dup2(fe, 2);
		execv(HL_BIN, (char **)argv);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	close(fo);
	close(fe);
	slurp(o, run_out, sizeof(run_out));
	slurp(e, run_err, sizeof(run_err));
	unlink(o);
	unlink(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
