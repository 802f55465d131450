// SPDX-License-Identifier: GPL-2.0
/* What every verb shares: the common options and loading a snapshot. */
#include "main.h"
#include "snapshot.h"

int hl_common_opt(int c, const char *arg)
{
	switch (c) {
	case 'j':
		env.format = FMT_JSON;
		return 1;
	case 'p':
		env.format = FMT_JSON;
		env.pretty = true;
		return 1;
	case 'f':
		if (hl_parse_format(arg, &env.format)) {
			p_err("unknown format '%s': text, json, openmetrics or chrome", arg);
			return -1;
		}
		return 1;
	case 'v':
		env.verbose = true;
		return 1;
	case 'h':
		return 2;
	}
	return 0;
}

int hl_load(const char *path, struct hl_state *s)
{
	char err[512];

	if (hl_snapshot_read(path, s, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}
