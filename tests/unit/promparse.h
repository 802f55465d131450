/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics text read back by the real parser (tests/lib/parse-metrics:
 * python3-prometheus-client), not by hand: metrics_parse() gives the
 * parser's listing ("# TYPE family type [unit]" and "name{labels} value"
 * lines), metrics_val() one sample's value from it.
 */
#ifndef HL_TEST_PROMPARSE_H
#define HL_TEST_PROMPARSE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HL_PARSE_METRICS
#error "HL_PARSE_METRICS: path of tests/lib/parse-metrics"
#endif

static char metrics_listing[1 << 16];

/* Parse `text` as fmt ("prometheus" or "openmetrics"): 0 if the parser took it. */
static int metrics_parse(const char *text, const char *fmt)
{
	char in[] = "/tmp/hl-metrics.XXXXXX", cmd[512];
	int fd = mkstemp(in), st;
	size_t n = 0, len = strlen(text);
	FILE *p;

	metrics_listing[0] = 0;
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s --format %s %s", HL_PARSE_METRICS, fmt, in);
	p = popen(cmd, "r");
	if (p) {
		n = fread(metrics_listing, 1, sizeof(metrics_listing) - 1, p);
		metrics_listing[n] = 0;
		st = pclose(p);
	}
	unlink(in);
	return p && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The value of `series` (name{labels} as the parser prints it) in the last listing. */
static int metrics_val(const char *series, double *v)
{
	const char *p = metrics_listing;
	size_t n = strlen(series);

	while ((p = strstr(p, series))) {
		if ((p == metrics_listing || p[-1] == '\n') && p[n] == ' ')
			return sscanf(p + n + 1, "%lf", v) == 1;
		p += n;
	}
	return 0;
}

/* Is `line` (e.g. "# TYPE hitless_findings counter") in the last listing? */
static int metrics_has(const char *line)
{
	const char *p = metrics_listing;
	size_t n = strlen(line);

	while ((p = strstr(p, line))) {
		if ((p == metrics_listing || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

#endif
