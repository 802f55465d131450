// SPDX-License-Identifier: GPL-2.0
/* What every verb shares: the common options and loading a snapshot. */
#include "main.h"
#include "snapshot.h"
#include "verdict.h"

const char *hl_protect_source = "none";

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
			p_err("unknown format '%s': text, json, prometheus, openmetrics, chrome, junit or html", arg);
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

int hl_load_pair(char **paths, int n, struct hl_state *a, struct hl_state *b,
		 struct hl_state *prot)
{
	if (hl_load(paths[0], a))
		return -1;
	if (n == 2 && hl_load(paths[1], b)) {
		hl_state_free(a);
		return -1;
	}
	/*
	 * protected StreamIDs: the command line's, else what the snapshots
	 * recorded, else every one the logs saw a VMM take (docs/rules.md
	 * "Protection": the default protected set)
	 */
	hl_protect_source = prot->protect.n ? "command line" : "none";
	if (!prot->protect.n) {
		for (size_t i = 0; i < a->protect.n; i++)
			VEC_PUSH(prot->protect, a->protect.v[i]);
		for (size_t i = 0; n == 2 && i < b->protect.n; i++)
			if (!hl_protected(prot->protect.v, prot->protect.n, b->protect.v[i].smmu,
					  b->protect.v[i].sid))
				VEC_PUSH(prot->protect, b->protect.v[i]);
		if (prot->protect.n)
			hl_protect_source = "snapshots";
	}
	if (!prot->protect.n) {
		hl_protect_default(a, prot);
		if (n == 2)
			hl_protect_default(b, prot);
		if (prot->protect.n)
			hl_protect_source = "capture";
	}
	return 0;
}

int hl_pair_verb_args(int argc, char **argv, void (*help)(FILE *), struct hl_state *a,
		      struct hl_state *b, struct hl_state *prot)
{
	static const struct option lo[] = {
		HL_COMMON_LONGOPTS, { "protect", required_argument, NULL, 'P' }, { 0 }
	};
	int c, rc, n;

	hl_state_init(prot);
	optind = 0;	/* glibc: full re-initialisation for the verb's argv */
	while ((c = getopt_long(argc, argv, HL_COMMON_OPTS "P:", lo, NULL)) != -1) {
		rc = hl_common_opt(c, optarg);
		if (rc < 0)
			goto bad;
		if (rc == 2) {
			help(stdout);
			hl_state_free(prot);
			return 0;
		}
		if (rc)
			continue;
		if (c == 'P' && !hl_parse_protect(optarg, prot))
			continue;
		if (c == 'P')
			p_err("bad --protect '%s': expected SID[,SID] with SID := [SMMU:]StreamID", optarg);
		else
			help(stderr);
		goto bad;
	}
	n = argc - optind;
	if (n < 1 || n > 2) {
		help(stderr);
		goto bad;
	}
	if (hl_load_pair(argv + optind, n, a, b, prot))
		goto bad;
	return n;
bad:
	hl_state_free(prot);
	return -1;
}
