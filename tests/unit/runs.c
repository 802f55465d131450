// SPDX-License-Identifier: GPL-2.0
/*
 * Runs of descriptors and batches of commands at the collector's intake
 * (records.c hl_intake(), hl_record_expand(), hl_state_feed()): a run or a
 * batch stands for exactly the HL_K_PTE / HL_K_CMD records it was made
 * from, so nothing above the intake sees a difference; a malformed one is
 * rejected whole and counted.  The BPF side that builds them is checked in
 * tests/bpf/core.t, against the same expansion.
 */
#include <string.h>
#include "tap.h"
#include "build.h"
#include "records.h"

struct take {
	struct hl_record v[1024];
	unsigned n;
};

static void take(void *arg, const struct hl_record *r)
{
	struct take *t = arg;

	if (t->n < 1024)
		t->v[t->n] = *r;
	t->n++;
}

static struct hl_record run_rec(u64 iova, unsigned count, unsigned level, u64 old, u64 old_step,
				u64 new, u64 new_step)
{
	struct hl_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.kind = HL_K_PTE_RUN;
	r.hdr.mode = HL_MODE_SYNTHETIC;
	r.hdr.version = HL_RECORD_VERSION;
	r.hdr.seq = 41;
	r.hdr.ktime_ns = 7000;
	r.hdr.cpu = 1;
	r.run.root = 0x81000000;
	r.run.iova = iova;
	r.run.size = 1ULL << ((4 - level) * 9 + 3);
	r.run.count = count;
	r.run.level = level;
	r.run.granule = 12;
	r.run.stage = 2;
	r.run.old_desc = old;
	r.run.old_step = old_step;
	r.run.new_desc = new;
	r.run.new_step = new_step;
	return r;
}

static int rejected(struct hl_intake *in, const struct hl_record *r, size_t len, const char *needle)
{
	static struct take t;
	u64 before = in->rejected;

	t.n = 0;
	in->why[0] = 0;
	in->rejected = 0;
	int ret = hl_intake(in, r, len, take, &t);
	int ok = ret < 0 && in->rejected == 1 && t.n == 0 && strstr(in->why, needle);

	if (!ok)
		tap_diag("hl_intake: %d, why: %s", ret, in->why);
	in->rejected += before;
	return ok;
}

int main(void)
{
	static struct take t;
	struct hl_intake in = { .boot = 0xb00f, .seq_base = 1000 };
	struct hl_record r;
	unsigned bad = 0;

	/* a 2 MiB map in 4 KiB pages, one record */
	r = run_rec(0x40000000, 512, 3, 0, 0, 0x140000743ULL, 4096);
	t.n = 0;
	tap_ok(hl_intake(&in, &r, sizeof(r), take, &t) == 512 && t.n == 512,
	       "a run of 512 is 512 descriptor records");
	for (unsigned i = 0; i < 512; i++) {
		const struct hl_record *x = &t.v[i];

		bad += x->hdr.kind != HL_K_PTE || x->hdr.version != HL_RECORD_VERSION ||
		       x->hdr.seq != 1041 + i || x->hdr.boot != 0xb00f || x->hdr.ktime_ns != 7000 ||
		       x->hdr.cpu != 1 || x->hdr.mode != HL_MODE_SYNTHETIC || x->pte.root != 0x81000000 ||
		       x->pte.iova != 0x40000000 + i * 4096ULL || x->pte.old_desc != 0 ||
		       x->pte.new_desc != 0x140000743ULL + i * 4096ULL || x->pte.level != 3 ||
		       x->pte.granule != 12 || x->pte.stage != 2 || memcmp(x->pte.pad0, "\0\0\0\0\0", 5);
	}
	tap_ok(!bad, "each is the descriptor's own record: IOVA, old/new, level, granule, stage, "
	       "the run's time and CPU, numbers 1041.. after the imported ones (%u wrong)", bad);

	/* an unmap of level-2 blocks whose old values step down; count 1 */
	r = run_rec(0x80000000, 3, 2, 0x160400741ULL, (u64)-0x200000, 0, 0);
	t.n = 0;
	hl_intake(&in, &r, sizeof(r), take, &t);
	tap_ok(t.n == 3 && t.v[2].pte.iova == 0x80400000 && t.v[2].pte.old_desc == 0x160000741ULL &&
	       t.v[1].pte.old_desc == 0x160200741ULL && !t.v[2].pte.new_desc,
	       "a step is any 64-bit value (mod 2^64): blocks in descending order");
	r = run_rec(0x80000000, 1, 2, 0x150000003ULL, 0x1234, 0x160000741ULL, 0x99);
	t.n = 0;
	hl_intake(&in, &r, sizeof(r), take, &t);
	tap_ok(t.n == 1 && t.v[0].pte.old_desc == 0x150000003ULL && t.v[0].pte.new_desc == 0x160000741ULL,
	       "count 1: the steps do not matter (a table replaced by a block)");

	/* a batch: commands in order, each its own record */
	memset(&r, 0, sizeof(r));
	r.hdr.kind = HL_K_CMD_BATCH;
	r.hdr.version = HL_RECORD_VERSION;
	r.hdr.seq = 5;
	r.hdr.boot = 0x77;
	r.batch.smmu = 1;
	r.batch.count = 3;
	r.batch.cmds[0][0] = 0x12;
	r.batch.cmds[0][1] = 0x1000;
	r.batch.cmds[1][0] = 0x03 | 8ULL << 32;
	r.batch.cmds[2][0] = HL_CMD_OP_SYNC;
	t.n = 0;
	tap_ok(hl_intake(&in, &r, sizeof(r), take, &t) == 3 && t.n == 3 && t.v[0].hdr.kind == HL_K_CMD &&
	       t.v[0].cmd.cmd[0] == 0x12 && t.v[0].cmd.cmd[1] == 0x1000 && t.v[1].cmd.cmd[0] == (0x03 | 8ULL << 32) &&
	       t.v[2].cmd.cmd[0] == HL_CMD_OP_SYNC && t.v[2].hdr.seq == 7 && t.v[2].hdr.boot == 0x77 &&
	       t.v[0].cmd.smmu == 1 && !t.v[0].cmd.flags,
	       "a batch of 3 is its 3 commands, in order, another boot's numbers kept");

	/* the state a run builds is the state its descriptors build */
	{
		struct hl_state a, b;
		char err[160];
		int ok = 1;

		hl_state_init(&a);
		hl_state_init(&b);
		r = run_rec(0x40000000, 512, 3, 0, 0, 0x140000743ULL, 4096);
		r.run.stage = 1;
		ok &= !hl_state_feed(&a, &r, sizeof(r), err, sizeof(err));
		t.n = 0;
		hl_record_expand(&r, take, &t);
		for (unsigned i = 0; i < t.n; i++)
			ok &= !hl_state_feed(&b, &t.v[i], sizeof(t.v[i]), err, sizeof(err));
		hl_ranges_compress(&a);
		hl_ranges_compress(&b);
		tap_ok(ok && a.events.n == 512 && b.events.n == 512 && a.ranges.n == b.ranges.n &&
		       !memcmp(a.events.v, b.events.v, 512 * sizeof(a.events.v[0])),
		       "hl_state_feed: a run gives the event log and translations of its 512 descriptors (%zu ranges)",
		       a.ranges.n);
		hl_state_free(&a);
		hl_state_free(&b);
	}

	/* malformed: rejected whole, counted, nothing handed on */
	r = run_rec(0x40000000, 0, 3, 0, 0, 0x140000743ULL, 4096);
	tap_ok(rejected(&in, &r, sizeof(r), "run of 0"), "a run of count 0 is rejected (%s)", in.why);
	r = run_rec(0x40000000 + 508 * 4096, 5, 3, 0, 0, 0x140000743ULL, 4096);
	tap_ok(rejected(&in, &r, sizeof(r), "run of 5 at entry 508 of a 512-entry table"),
	       "a run beyond its table's end is rejected (%s)", in.why);
	r = run_rec(0x40000000, 513, 3, 0, 0, 0x140000743ULL, 4096);
	tap_ok(rejected(&in, &r, sizeof(r), "run of 513"), "a run longer than a table is rejected (%s)", in.why);
	r = run_rec(0x40000000, 2, 3, 0, 0, 0x140000743ULL, 4096);
	r.run.size = 8192;
	tap_ok(rejected(&in, &r, sizeof(r), "size 0x2000"), "a run whose step is not its level's block size is rejected (%s)", in.why);
	r = run_rec(0x40000800, 2, 3, 0, 0, 0x140000743ULL, 4096);
	tap_ok(rejected(&in, &r, sizeof(r), "IOVA 0x40000800"), "an unaligned run is rejected (%s)", in.why);
	r = run_rec(0x40000000, 2, 3, 0, 0, 0x140000743ULL, 4096);
	r.run.granule = 13;
	tap_ok(rejected(&in, &r, sizeof(r), "granule 13"), "a run of an unknown granule is rejected (%s)", in.why);
	r = run_rec(0x40000000, 2, 3, 0, 0, 0x140000743ULL, 4096);
	tap_ok(rejected(&in, &r, sizeof(r) - 40, "152 bytes"), "a truncated run is rejected (%s)", in.why);
	r.hdr.version = 2;
	tap_ok(rejected(&in, &r, sizeof(r), "version 2"), "a run claiming version 2 is rejected (%s)", in.why);
	memset(&r, 0, sizeof(r));
	r.hdr.kind = HL_K_CMD_BATCH;
	r.hdr.version = HL_RECORD_VERSION;
	tap_ok(rejected(&in, &r, sizeof(r), "batch of 0"), "a batch of 0 commands is rejected (%s)", in.why);
	r.batch.count = HL_BATCH_CMDS + 1;
	tap_ok(rejected(&in, &r, sizeof(r), "batch of 10"), "a batch of more than %d is rejected (%s)",
	       HL_BATCH_CMDS, in.why);
	tap_ok(in.rejected == 10, "every rejection counted (%llu): the capture reports them lost",
	       (unsigned long long)in.rejected);
	return tap_done();
}
