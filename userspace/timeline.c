// SPDX-License-Identifier: GPL-2.0
/*
 * timeline: the critical path of a live update across kexec
 * (lib/timeline.c builds it and renders it).
 */
#include "main.h"
#include "timeline.h"

static const struct hl_opt timeline_opts[] = {
	HL_OPT_PROTECT_PAIR,
	{ 0 }
};

const struct hl_verb timeline_verb = {
	.name = "timeline",
	.func = do_timeline,
	.opts = timeline_opts,
	.operands = "SNAPSHOT [SNAPSHOT]",
	.grammar = "       SIDS := SID[,SID]...   SID := [SMMU:]StreamID | PCI address (its StreamIDs)\n"
		   "       FORMAT := { text | json | prometheus | openmetrics | chrome }\n",
	.about = "The critical path of a live update across kexec, from one snapshot whose\n"
		 "log spans both kernels or from the snapshots taken before and after.\n",
	.tail = "Exit: 0 complete, 2 error or records lost.\n",
};

int do_timeline(int argc, char **argv)
{
	struct hl_state a, b, prot;
	json_object *doc;
	int rc, nfiles;

	nfiles = hl_pair_verb_args(argc, argv, &timeline_verb, &a, &b, &prot);
	if (nfiles <= 0)
		return nfiles ? HL_EXIT_ERROR : 0;
	doc = hl_timeline_build(&a, nfiles == 2 ? &b : NULL, prot.protect.v, prot.protect.n);
	rc = hl_emit(doc, &hl_timeline_render);
	if (!rc && !json_object_get_boolean(json_object_object_get(doc, "complete")))
		rc = HL_EXIT_ERROR;
	json_object_put(doc);
	hl_state_free(&a);
	if (nfiles == 2)
		hl_state_free(&b);
	hl_state_free(&prot);
	return rc;
}
