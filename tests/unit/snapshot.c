// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot files: round trip, compressed ranges, mode 0600, the atomic-write
 * guarantee (a writer killed mid-write leaves the old file), and malformed,
 * truncated and foreign files rejected with the section and offset, exit 2.
 */
#include <dirent.h>
#include <time.h>
#include <zlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"
#include "build.h"
#include "run.h"
#include "records.h"

static char dir[] = "/tmp/hl-snap-test.XXXXXX";
static char err[512];

static char *p(const char *name)
{
	static char buf[4][4096];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static size_t load(const char *path, unsigned char **buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*buf = malloc(n);
	n = fread(*buf, 1, n, f);
	fclose(f);
	return n;
}

static void save(const char *path, const void *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	fwrite(buf, 1, n, f);
	fclose(f);
}

static int rejects(const char *path, const char *needle)
{
	struct hl_state s;
	int rc = hl_snapshot_read(path, &s, err, sizeof(err));

	if (!rc)
		hl_state_free(&s);
	if (rc && needle && !strstr(err, needle))
		tap_diag("error '%s' lacks '%s'", err, needle);
	return rc && (!needle || strstr(err, needle));
}

struct take1 {
	struct hl_record *r;
	unsigned n;
};

static void take1(void *arg, const struct hl_record *r)
{
	struct take1 *t = arg;

	*t->r = *r;
	t->n++;
}


static int rng_cmp(const void *a, const void *b)
{
	const struct hl_range *x = a, *y = b;

	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/*
 * The walk's intake (t_synth_walk: tables in the opposite order of their
 * StreamIDs, so each table's leaves belong below those already in): the
 * ranges must be every leaf of the log, sorted, folded where exactly
 * foldable, as if each had been inserted in place.
 */
static void walk_intake(void)
{
	struct hl_state w;
	struct hl_range *want;
	size_t n = 0, o = 0, held;
	int ok;

	t_synth_walk(&w, 5 * 2000 + 3, 5, 1);
	held = w.rpend.n;
	want = malloc(w.events.n * sizeof(*want));
	for (size_t i = 0; i < w.events.n; i++) {
		const struct hl_record *r = &w.events.v[i];
		struct hl_pte p;

		if (r->hdr.kind != HL_K_PTE || hl_pte_parse(r->pte.new_desc, 3, 12, &p))
			continue;
		want[n++] = (struct hl_range){ .root = r->pte.root, .iova = r->pte.iova, .size = 0x1000,
					       .oa = p.oa, .attrs = p.attrs, .level = 3, .granule = 12,
					       .stage = 1, .leaf_log2 = 12 };
	}
	qsort(want, n, sizeof(*want), rng_cmp);
	for (size_t i = 0; i < n; i++) {
		if (o && want[o - 1].root == want[i].root && want[o - 1].iova + want[o - 1].size == want[i].iova &&
		    want[o - 1].oa + want[o - 1].size == want[i].oa && want[o - 1].attrs == want[i].attrs)
			want[o - 1].size += want[i].size;
		else
			want[o++] = want[i];
	}
	hl_ranges_settle(&w);	/* in place as they are, not sorted again by a compress */
	ok = w.ranges.n == o && !memcmp(w.ranges.v, want, o * sizeof(*want));
	tap_ok(ok && o == 10003 && held, "a walk of 5 tables in descending address order: its 10003 leaves "
	       "in place, sorted (%zu ranges, %zu expected; %zu had been held)", w.ranges.n, o, held);
	/* a later write into a table whose leaves were held: they are in place for it */
	hl_state_free(&w);
	t_synth_walk(&w, 5 * 2000, 5, 1);
	{
		u64 low = w.events.v[w.events.n - 1].pte.root;	/* the last table walked: the lowest */
		struct hl_fn_iter it;
		size_t runs = 0;

		held = w.rpend.n;
		hl_ranges_write(&w, low, 0x2000, 3, 12, 1, 0, 0);	/* unmap its second page */
		hl_fn_first(&it, &w, low);
		while (hl_fn_next(&it))
			runs += it.run.iova == 0x2000;
		tap_ok(held && !runs && w.ranges.n == 9999 && !w.rpend.n,
		       "an unmap in a table whose leaves were held (%zu): they were put in place first, the page "
		       "is gone (%zu ranges)", held, w.ranges.n);
	}
	hl_state_free(&w);
	free(want);

	/* the stage of a write to a table: 2 exactly while a valid STE points its S2TTB there */
	{
		u64 s2[8], s1[8];
		struct hl_ste_disk e = { .smmu = 0, .sid = 9 };
		int ok2;

		hl_state_init(&w);
		mk_s2_ste(s2, 0, 0x90000000ULL, 7);
		mk_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
		hl_state_set_ste(&w, 0, 8, s1);
		ok2 = hl_state_pte_stage(&w, 0x90000000ULL, 1) == 1;
		hl_state_set_ste(&w, 0, 8, s2);
		ok2 &= hl_state_pte_stage(&w, 0x90000000ULL, 1) == 2 && hl_state_pte_stage(&w, 0x91000000ULL, 1) == 1;
		hl_state_set_ste(&w, 0, 8, s1);
		ok2 &= hl_state_pte_stage(&w, 0x90000000ULL, 1) == 1;
		/* filled as a snapshot read fills it, not through hl_state_set_ste() */
		memcpy(e.q, s2, sizeof(e.q));
		VEC_PUSH(w.stes, e);
		ok2 &= hl_state_pte_stage(&w, 0x90000000ULL, 1) == 2;
		tap_ok(ok2, "a write's stage: 2 while an STE's S2TTB names its table, through STE changes and a "
		       "state filled directly");
		hl_state_free(&w);
	}
}

/*
 * Unmapped ranges left in place as dead entries (state.c, ranges_kill):
 * what the ranges must stay, whatever mix of page and block maps, page and
 * block unmaps and table writes comes, checked two ways.  The vector's own
 * invariant, dead entries included (dead_ok): sorted by root, the live
 * ranges in IOVA order without overlap, each dead entry a point in its gap
 * (at or after the live range before it, at or before the one after it, in
 * order), as many as rdead says.  And the translation, settled and folded,
 * against a page-by-page model of the same writes.
 */
#define DM_ROOTS 3
#define DM_PAGES 2048		/* 8 MiB: four 2 MiB blocks */
struct dm_page {
	int valid;
	u64 oa, attrs;
	unsigned level, leaf_log2;
};
static struct dm_page dm[DM_ROOTS][DM_PAGES];
static const char *dm_why;

static u64 dm_root(int k) { return 0x1000000ULL * (1 + k); }

static void dm_write(struct hl_state *s, int k, u64 iova, unsigned level, u64 desc)
{
	struct hl_pte np;
	u64 span, lo;

	hl_ranges_write(s, dm_root(k), iova, level, 12, 1, 0, desc);
	if (hl_pte_parse(desc, level, 12, &np))
		return;
	span = np.size;
	lo = iova & ~(span - 1);
	for (u64 a = lo; a < lo + span; a += 0x1000) {
		struct dm_page *g = &dm[k][a >> 12];

		if (hl_pte_is_leaf(&np))
			*g = (struct dm_page){ 1, np.oa + (a - lo), np.attrs, level, hl_lpae_shift(level, 12) };
		else if (np.type != PTE_TABLE || g->level == level)
			g->valid = 0;	/* a table replaces only the block it splits */
	}
}

static int dead_ok(const struct hl_state *s)
{
	size_t dead = 0;
	u64 live_end = 0, last_dead = 0;	/* of the root so far */

	for (size_t i = 0; i < s->ranges.n; i++) {
		const struct hl_range *r = &s->ranges.v[i];

		if (i && s->ranges.v[i - 1].root > r->root)
			return dm_why = "roots out of order", 0;
		if (!i || s->ranges.v[i - 1].root != r->root)
			live_end = last_dead = 0;
		if (r->size && r->iova < live_end)
			return dm_why = "live ranges overlap or out of order", 0;
		if (r->size && r->iova < last_dead)
			return dm_why = "a dead entry past the start of the live range after it", 0;
		if (!r->size && r->iova < live_end)
			return dm_why = "a dead entry inside the live range before it", 0;
		if (!r->size && r->iova < last_dead)
			return dm_why = "dead entries out of order", 0;
		if (r->size)
			live_end = r->iova + r->size;
		else
			last_dead = r->iova, dead++;
	}
	if (dead != s->rdead)
		return dm_why = "rdead is not the number of dead entries", 0;
	return 1;
}

/* the settled, folded ranges are the page model's maximal runs */
static int dm_same(struct hl_state *s)
{
	size_t o = 0;

	hl_ranges_compress(s);
	if (s->rdead || s->rpend.n)
		return dm_why = "dead or held entries left for a reader", 0;
	for (int k = 0; k < DM_ROOTS; k++)
		for (u64 i = 0; i < DM_PAGES; i++) {
			const struct dm_page *g = &dm[k][i];
			struct hl_range *r;

			if (!g->valid)
				continue;
			if (i && dm[k][i - 1].valid && dm[k][i - 1].oa + 0x1000 == g->oa &&
			    dm[k][i - 1].attrs == g->attrs && dm[k][i - 1].level == g->level &&
			    dm[k][i - 1].leaf_log2 == g->leaf_log2)
				continue;	/* inside the run before */
			if (o >= s->ranges.n)
				return dm_why = "fewer ranges than the model's runs", 0;
			r = &s->ranges.v[o++];
			if (r->root != dm_root(k) || r->iova != i << 12 || r->oa != g->oa || r->attrs != g->attrs ||
			    r->level != g->level || r->leaf_log2 != g->leaf_log2 || r->granule != 12 || r->stage != 1)
				return dm_why = "a range is not the model's run", 0;
			{
				u64 e = i + 1;

				while (e < DM_PAGES && dm[k][e].valid && dm[k][e - 1].oa + 0x1000 == dm[k][e].oa &&
				       dm[k][e].attrs == g->attrs && dm[k][e].level == g->level &&
				       dm[k][e].leaf_log2 == g->leaf_log2)
					e++;
				if (r->size != (e - i) << 12)
					return dm_why = "a range's size is not the model's run", 0;
			}
		}
	if (o != s->ranges.n)
		return dm_why = "more ranges than the model's runs", 0;
	return 1;
}

static void dead_entries(void)
{
	struct hl_state s;
	u64 x = 0x2545f4914f6cdd1dULL;
	int ok = 1, inv = 1;
	size_t maxdead = 0, checks = 0;

	/* every other page of a 1 GiB table unmapped in order: dead entries, no moves */
	hl_state_init(&s);
	for (u64 i = 0; i < 262144; i++)
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, pg(0x4000000000ULL + (i << 12)) | ((i & 1) << 7));
	for (u64 i = 0; i < 262144; i += 2) {
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, 0);
		if (s.rdead > maxdead)
			maxdead = s.rdead;
	}
	inv = dead_ok(&s);
	tap_ok(inv && maxdead > 60000 && s.rdead <= s.ranges.n - s.rdead + 1024,
	       "every other page of 1 GiB unmapped in order: left as dead entries (%zu at most), never "
	       "more than the live ones and 1024 (%zu dead of %zu)%s%s", maxdead, s.rdead, s.ranges.n,
	       inv ? "" : ": ", inv ? "" : dm_why);
	{
		struct hl_range *f;
		size_t n = hl_ranges_function(&s, 0x1000000, &f);
		int good = n == 131072;

		for (size_t i = 0; good && i < n; i++)
			good = f[i].iova == ((2 * i + 1) << 12) && f[i].size == 0x1000;
		tap_ok(good && !s.rdead && s.ranges.n == 131072,
		       "a reader sees only the 131072 pages left, in order (%zu runs, %zu ranges, %zu dead)",
		       n, s.ranges.n, s.rdead);
		free(f);
	}
	{
		/* the rest unmapped too, from the top: compacted as the dead ones come to outnumber the live */
		int bound = 1;

		maxdead = 0;
		for (u64 i = 262144; i > 0; i -= 2) {
			hl_ranges_write(&s, 0x1000000, (i - 1) << 12, 3, 12, 1, 0, 0);
			bound &= s.rdead <= s.ranges.n - s.rdead + 1024;
			if (s.rdead > maxdead)
				maxdead = s.rdead;
		}
		inv = dead_ok(&s);
		hl_ranges_settle(&s);
		tap_ok(inv && bound && !s.ranges.n && maxdead > 60000,
		       "the other half unmapped from the top: never 1024 more dead entries than live ones "
		       "(%zu at most), none left for a reader (%zu ranges)%s%s", maxdead, s.ranges.n,
		       inv ? "" : ": ", inv ? "" : dm_why);
	}
	/* the pages mapped back, in order, contiguous: one range again, over the dead points */
	for (u64 i = 0; i < 262144; i += 2)
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, 0);	/* no-ops: unmapped already */
	for (u64 i = 0; i < 262144; i++)
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, pg(0x4000000000ULL + (i << 12)));
	inv = dead_ok(&s);
	hl_ranges_settle(&s);
	tap_ok(inv && s.ranges.n == 1 && s.ranges.v[0].size == 1ULL << 30,
	       "remapped page by page over them, contiguous: one 1 GiB range (%zu)%s%s", s.ranges.n,
	       inv ? "" : ": ", inv ? "" : dm_why);
	hl_state_free(&s);

	/* a split whose right part takes the dead slot after it */
	hl_state_init(&s);
	hl_ranges_write(&s, 0x1000000, 0, 2, 12, 1, 0, blk(0x80000000ULL));
	hl_ranges_write(&s, 0x1000000, 0x200000, 3, 12, 1, 0, pg(0x90000000ULL));
	hl_ranges_write(&s, 0x1000000, 0x200000, 3, 12, 1, 0, 0);	/* dead, right after the block */
	hl_ranges_write(&s, 0x1000000, 0x100000, 3, 12, 1, 0, 0);	/* the block split around a page */
	inv = dead_ok(&s);
	tap_ok(inv && s.ranges.n == 2 && !s.rdead && s.ranges.v[0].size == 0x100000 &&
	       s.ranges.v[1].iova == 0x101000 && s.ranges.v[1].size == 0xff000 &&
	       s.ranges.v[1].oa == 0x80101000ULL && s.ranges.v[1].level == 2,
	       "a block split by a page unmap: its right part in the dead slot after it (%zu ranges, %zu dead)%s%s",
	       s.ranges.n, s.rdead, inv ? "" : ": ", inv ? "" : dm_why);
	hl_state_free(&s);

	/* a 2 MiB block over 512 dead pages, then its first page unmapped */
	hl_state_init(&s);
	for (u64 i = 0; i < 1024; i++)
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, pg(0x4000000000ULL + (i << 12)) | ((i & 1) << 7));
	for (u64 i = 0; i < 512; i++)
		hl_ranges_write(&s, 0x1000000, i << 12, 3, 12, 1, 0, 0);
	hl_ranges_write(&s, 0x1000000, 0, 2, 12, 1, 0, blk(0x80000000ULL));
	inv = dead_ok(&s);
	hl_ranges_write(&s, 0x1000000, 0, 3, 12, 1, 0, 0);
	inv &= dead_ok(&s);
	hl_ranges_settle(&s);
	tap_ok(inv && s.ranges.n == 513 && s.ranges.v[0].iova == 0x1000 && s.ranges.v[0].size == 0x1ff000 &&
	       s.ranges.v[1].iova == 0x200000 && s.ranges.v[1].size == 0x1000,
	       "a block mapped over 512 dead pages takes their gap; its first page unmapped after (%zu ranges)%s%s",
	       s.ranges.n, inv ? "" : ": ", inv ? "" : dm_why);
	hl_state_free(&s);

	/* random page and block maps and unmaps, table writes, runs in order, against the model */
	memset(dm, 0, sizeof(dm));
	maxdead = 0;
	hl_state_init(&s);
	for (int k = 0; k < DM_ROOTS; k++)
		for (u64 i = 0; i < DM_PAGES; i++)
			dm_write(&s, k, i << 12, 3, pg(0x40000000ULL + (i << 12)) | ((i % 3 == 0) << 7));
	for (int op = 0; op < 60000 && ok && inv; op++) {
		u64 r, pgi, n;
		int k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		r = x;
		k = r % DM_ROOTS;
		pgi = (r >> 8) % DM_PAGES;
		n = 1 + (r >> 50) % 48;
		switch ((r >> 4) % 16) {
		case 0: case 1: case 2: case 3: case 4:
			dm_write(&s, k, pgi << 12, 3, 0);
			break;
		case 5: case 6: case 7: case 8:
			/* contiguous output addresses, so that pages fold; now and then not */
			dm_write(&s, k, pgi << 12, 3, pg(0x40000000ULL + (pgi << 12) + ((r >> 40) % 4 == 0) * 0x1000) |
				 (((r >> 44) & 1) << 7));
			break;
		case 9:
			dm_write(&s, k, pgi << 12, 2, blk(0x80000000ULL + ((pgi << 12) & ~0x1fffffULL)));
			break;
		case 10:
			dm_write(&s, k, pgi << 12, 2, 0);
			break;
		case 11:
			dm_write(&s, k, pgi << 12, 2, tbl(0x7000000));
			break;
		case 12: case 13:
			for (u64 j = 0; j < n && pgi + j < DM_PAGES; j++)
				dm_write(&s, k, (pgi + j) << 12, 3, 0);
			break;
		default:
			for (u64 j = 0; j < n && pgi + j < DM_PAGES; j++)
				dm_write(&s, k, (pgi + j) << 12, 3, pg(0x40000000ULL + ((pgi + j) << 12)));
			break;
		}
		if (s.rdead > maxdead)
			maxdead = s.rdead;
		inv = dead_ok(&s);
		if (op % 5000 == 4999) {
			ok = dm_same(&s);
			checks++;
		}
	}
	tap_ok(ok && inv && checks == 12 && maxdead > 100,
	       "60000 random writes (page and block maps and unmaps, table writes, runs) on 3 tables: the vector "
	       "in order after each (dead entries up to %zu), its translation the page model's at %zu checks%s%s",
	       maxdead, checks, ok && inv ? "" : ": ", ok && inv ? "" : dm_why);
	hl_state_free(&s);
}

int main(void)
{
	struct hl_state a, b, r;
	unsigned char *buf, *m;
	size_t n;
	struct stat st;

	if (!mkdtemp(dir))
		return 1;
	fx_build(&a, &b, 0);
	{
		/* a capture gap (a driver module loaded after the capture started) */
		struct hl_gap_disk g = { .boot = FX_BOOT_A, .from_ns = 5000000000ULL,
					 .seen_ns = 5100000000ULL, .to_ns = 6200000000ULL };

		snprintf(g.module, sizeof(g.module), "arm_smmu_v3");
		VEC_PUSH(a.gaps, g);
	}

	/* round trip */
	tap_ok(!hl_snapshot_write(p("a.snap"), &a, err, sizeof(err)), "write snapshot");
	tap_ok(!stat(p("a.snap"), &st) && (st.st_mode & 0777) == 0600, "snapshot file mode is 0600");
	tap_ok(!hl_snapshot_read(p("a.snap"), &r, err, sizeof(err)), "read it back");
	tap_ok(r.stes.n == a.stes.n && !memcmp(r.stes.v, a.stes.v, a.stes.n * sizeof(*a.stes.v)) &&
	       r.cds.n == a.cds.n && !memcmp(r.cds.v, a.cds.v, a.cds.n * sizeof(*a.cds.v)) &&
	       r.events.n == a.events.n && !memcmp(r.events.v, a.events.v, a.events.n * sizeof(*a.events.v)) &&
	       r.boots.n == 1 && r.clocks.n == 1 && r.smmus.n == 1 && r.protect.n == 1 &&
	       !strcmp(r.meta.release, "7.3.4-hitless") && r.meta.boot == FX_BOOT_A,
	       "STEs, CDs, event log, boots, clocks, SMMUs, protected list and META survive");
	tap_ok(r.gaps.n == 1 && r.gaps.v[0].boot == FX_BOOT_A && r.gaps.v[0].from_ns == 5000000000ULL &&
	       r.gaps.v[0].seen_ns == 5100000000ULL && r.gaps.v[0].to_ns == 6200000000ULL &&
	       !strcmp(r.gaps.v[0].module, "arm_smmu_v3"), "the capture gap survives (GAP section)");
	/* 1 block + 16 contiguous linear pages fold to 2 ranges */
	tap_ok(r.ranges.n == 2 && r.ranges.v[0].iova == 0x10000 && r.ranges.v[0].size == 0x10000 &&
	       r.ranges.v[0].leaf_log2 == 12 && r.ranges.v[1].size == 0x200000,
	       "translations stored as compressed ranges (16 pages -> 1 range)");
	{
		/* the ranges are read in place from the mapped file; a write edits them */
		u64 root = r.ranges.v[0].root, oa = r.ranges.v[0].oa;
		u64 pg = (oa + 0x100000) | 3 | (1 << 10);	/* AF, page descriptor */

		tap_ok(r.map && !r.ranges.cap, "the read state uses the file's ranges in place");
		hl_ranges_write(&r, root, 0x10000, 3, 12, 1, 0, pg);
		hl_ranges_write(&r, root, 0x90000000ULL, 3, 12, 1, 0, pg);
		tap_ok(r.ranges.cap >= 3 && r.ranges.n == 4 && r.ranges.v[0].iova == 0x10000 &&
		       r.ranges.v[0].size == 0x1000 && r.ranges.v[1].iova == 0x11000,
		       "edited in place, then grown into a private copy (%zu ranges)", r.ranges.n);
		hl_state_free(&r);
		tap_ok(!hl_snapshot_read(p("a.snap"), &r, err, sizeof(err)) && r.ranges.n == 2 &&
		       r.ranges.v[0].size == 0x10000, "the file itself is unchanged (copy-on-write)");
	}
	hl_state_free(&r);

	n = load(p("a.snap"), &buf);
	m = malloc(n);

	/* foreign */
	save(p("foreign"), "#!/bin/sh\necho not a snapshot\n", 30);
	tap_ok(rejects(p("foreign"), "not a hitless snapshot"), "foreign file: 'not a hitless snapshot'");
	save(p("empty"), "", 0);
	tap_ok(rejects(p("empty"), "not a hitless snapshot"), "empty file rejected");

	/* truncated at every 61st byte, and one byte short */
	{
		int all = 1;

		for (size_t k = 0; k < n; k += 61) {
			save(p("trunc"), buf, k);
			all &= rejects(p("trunc"), NULL);
		}
		tap_ok(all, "truncated at every 61st byte: all rejected");
		save(p("trunc"), buf, n - 1);
		tap_ok(rejects(p("trunc"), "truncated"), "one byte short: 'truncated'");
	}

	/* a flipped payload byte in the EVENTS section */
	memcpy(m, buf, n);
	{
		/* 100 bytes into the EVENTS payload, wherever the sections before put it */
		size_t off = sizeof(struct hl_snap_header);
		struct hl_snap_section sh;

		for (;;) {
			memcpy(&sh, m + off, sizeof(sh));
			if (sh.type == HL_SEC_EVENTS || sh.type == HL_SEC_END)
				break;
			off += sizeof(sh) + sh.length;
		}
		m[off + sizeof(sh) + 100] ^= 0x40;
	}
	save(p("flip"), m, n);
	tap_ok(rejects(p("flip"), "section EVENTS at offset") && strstr(err, "checksum"),
	       "flipped byte in the event log: 'section EVENTS at offset N: payload checksum mismatch'");
	tap_diag("%s", err);

	/* a flipped byte in a section header */
	memcpy(m, buf, n);
	m[64 + 4] ^= 1;
	save(p("flip2"), m, n);
	tap_ok(rejects(p("flip2"), "section 0 at offset 64: header checksum"), "flipped section header: which, where");

	/* the file header itself */
	memcpy(m, buf, n);
	m[20] ^= 1;
	save(p("flip3"), m, n);
	tap_ok(rejects(p("flip3"), "header at offset 0: checksum"), "flipped file header");

	/* a future major version (with a valid header checksum) */
	{
		struct hl_snap_header h;

		memcpy(m, buf, n);
		memcpy(&h, m, sizeof(h));
		h.major = 9;
		h.header_crc = crc32(0, (const unsigned char *)&h, offsetof(struct hl_snap_header, header_crc));
		memcpy(m, &h, sizeof(h));
		save(p("v9"), m, n);
		char want[32];

		snprintf(want, sizeof(want), "format version 9.%d", HL_SNAP_MINOR);
		tap_ok(rejects(p("v9"), want), "unsupported major version named");
	}

	/* record version 1 (before hl_iommufd.src): still read, its VMM operations iommufd's */
	{
		struct hl_state x, y, v1;
		struct hl_snap_header h;
		unsigned char *f;
		size_t fn;
		int ok = 1, nvmm = 0;

		fx_build(&x, &y, 0);
		for (size_t i = 0; i < y.events.n; i++)
			y.events.v[i].hdr.version = 1;
		hl_snapshot_write(p("v1.snap"), &y, err, sizeof(err));
		fn = load(p("v1.snap"), &f);
		memcpy(&h, f, sizeof(h));
		h.record_version = 1;
		h.header_crc = crc32(0, (const unsigned char *)&h, offsetof(struct hl_snap_header, header_crc));
		memcpy(f, &h, sizeof(h));
		save(p("v1.snap"), f, fn);
		hl_state_init(&v1);
		ok = !hl_snapshot_read(p("v1.snap"), &v1, err, sizeof(err));
		for (size_t i = 0; ok && i < v1.events.n; i++)
			if (v1.events.v[i].hdr.kind == HL_K_IOMMUFD) {
				nvmm++;
				ok &= v1.events.v[i].hdr.version == 1 && v1.events.v[i].iommufd.src == HL_IOMMUFD_SRC_IOMMUFD;
			}
		tap_ok(ok && nvmm == 3, "a record version 1 file reads (%d iommufd records, src iommufd)", nvmm);
		hl_state_free(&v1);
		h.record_version = HL_RECORD_VERSION + 1;
		h.header_crc = crc32(0, (const unsigned char *)&h, offsetof(struct hl_snap_header, header_crc));
		memcpy(f, &h, sizeof(h));
		save(p("newer.snap"), f, fn);
		{
			char want[64];

			snprintf(want, sizeof(want), "version %d, expected 192 version 1 to %d",
				 HL_RECORD_VERSION + 1, HL_RECORD_VERSION);
			tap_ok(rejects(p("newer.snap"), want), "a newer record version is refused, named");
		}
		/* version 2 (before runs and batches): its records are the kinds version 3 logs */
		for (size_t i = 0; i < y.events.n; i++)
			y.events.v[i].hdr.version = 2;
		hl_snapshot_write(p("v2.snap"), &y, err, sizeof(err));
		free(f);
		fn = load(p("v2.snap"), &f);
		memcpy(&h, f, sizeof(h));
		h.record_version = 2;
		h.header_crc = crc32(0, (const unsigned char *)&h, offsetof(struct hl_snap_header, header_crc));
		memcpy(f, &h, sizeof(h));
		save(p("v2.snap"), f, fn);
		hl_state_init(&v1);
		ok = !hl_snapshot_read(p("v2.snap"), &v1, err, sizeof(err)) && v1.events.n == y.events.n;
		for (size_t i = 0; ok && i < v1.events.n; i++)
			ok &= v1.events.v[i].hdr.version == 2 &&
			      !memcmp(v1.events.v[i].raw, y.events.v[i].raw, sizeof(y.events.v[i].raw));
		tap_ok(ok, "a record version 2 file reads, every record as written (%zu)", v1.events.n);
		hl_state_free(&v1);
		free(f);
		hl_state_free(&x);
		hl_state_free(&y);
	}

	/* trailing garbage */
	{
		unsigned char *x = malloc(n + 8);

		memcpy(x, buf, n);
		memset(x + n, 0, 8);
		save(p("long"), x, n + 8);
		tap_ok(rejects(p("long"), NULL), "trailing bytes rejected");
		free(x);
	}

	/* the CLI: exit 2, error names the problem; JSON mode gives {"error": ...} */
	tap_ok(run("show", p("flip"), NULL) == 2 && strstr(run_err, "Error: ") && strstr(run_err, "section EVENTS"),
	       "hitless show on a corrupt file: exit 2, message on stderr");
	tap_ok(run("diff", p("a.snap"), p("trunc"), NULL) == 2 && strstr(run_err, "truncated"),
	       "hitless diff with a truncated AFTER: exit 2");
	tap_ok(run("-j", "timeline", p("foreign"), NULL) == 2 && strstr(run_out, "{\"error\":") &&
	       strstr(run_out, "not a hitless snapshot"), "JSON mode: error as {\"error\": ...} on stdout");

	/* the capture gap is shown, once, by show (text and JSON) and in diff's verdict */
	{
		static const char line[] = "GAP     boot %016llx: arm_smmu_v3 loaded between 5.000 s and "
					   "5.100 s, captured from 6.200 s";
		char want[160];
		const char *at;

		snprintf(want, sizeof(want), line, (unsigned long long)FX_BOOT_A);
		run("show", p("a.snap"), NULL);
		tap_ok((at = strstr(run_out, want)) && !strstr(at + 1, "GAP "), "show names the gap once");
		run("-j", "show", p("a.snap"), NULL);
		tap_ok(strstr(run_out, "\"gaps\":[{\"boot\":") && strstr(run_out, "\"module\":\"arm_smmu_v3\"") &&
		       strstr(run_out, "\"from_ktime_ns\":5000000000,\"seen_ktime_ns\":5100000000,"
			      "\"to_ktime_ns\":6200000000"), "show -j: the gap's module and window");
		run("diff", p("a.snap"), NULL);
		tap_ok((at = strstr(run_out, want)) && !strstr(at + 1, "GAP ") && strstr(run_out, "verdict: "),
		       "diff's verdict names the gap once");
		run("-j", "diff", p("a.snap"), NULL);
		tap_ok(strstr(run_out, "\"capture_gaps\":[{\"boot\":") != NULL, "diff -j: capture_gaps");
	}

	/* atomic write: a writer dying mid-file leaves the old snapshot in place */
	{
		pid_t pid = fork();
		int stt, leftovers = 0, left_ok = 1;
		DIR *d;
		struct dirent *de;

		if (!pid) {
			hl_snapshot_crash_after = 1000;
			hl_snapshot_write(p("a.snap"), &b, err, sizeof(err));
			_exit(0);
		}
		waitpid(pid, &stt, 0);
		tap_ok(WIFEXITED(stt) && WEXITSTATUS(stt) == 3, "writer killed after 1000 bytes");
		tap_ok(!hl_snapshot_read(p("a.snap"), &r, err, sizeof(err)) && r.meta.boot == FX_BOOT_A &&
		       r.events.n == a.events.n, "the old snapshot is still there, whole");
		hl_state_free(&r);
		d = opendir(dir);
		while ((de = readdir(d))) {
			if (strncmp(de->d_name, ".a.snap.tmp.", 12))
				continue;
			leftovers++;
			left_ok &= rejects(p(de->d_name), "truncated");
			unlink(p(de->d_name));
		}
		closedir(d);
		tap_ok(leftovers == 1 && left_ok, "the half-written temporary never reads as valid");
		tap_ok(!hl_snapshot_write(p("a.snap"), &b, err, sizeof(err)) &&
		       !hl_snapshot_read(p("a.snap"), &r, err, sizeof(err)) && r.meta.boot == FX_BOOT_B,
		       "a complete write replaces it");
		hl_state_free(&r);
		d = opendir(dir);
		leftovers = 0;
		while ((de = readdir(d)))
			leftovers += !strncmp(de->d_name, ".a.snap.tmp.", 12);
		closedir(d);
		tap_ok(!leftovers, "no temporary left after a complete write");
		tap_ok(hl_snapshot_write("/nonexistent-dir/x.snap", &b, err, sizeof(err)) < 0 &&
		       strstr(err, "cannot create"), "unwritable directory: error, no file");
	}

	/* the translation model: cut, split, fold, and a large VM at walker speed */
	{
		struct hl_state t;
		clock_t c0;
		int ok;

		hl_state_init(&t);
		for (int i = 0; i < 8; i++)
			hl_ranges_write(&t, 0x1000, 0x10000 + i * 0x1000ULL, 3, 12, 1, 0, pg(0x800000000ULL + i * 0x1000ULL));
		ok = t.ranges.n == 1 && t.ranges.v[0].size == 0x8000;
		hl_ranges_write(&t, 0x1000, 0x13000, 3, 12, 1, pg(0x800003000ULL), 0);
		ok &= t.ranges.n == 2 && t.ranges.v[0].size == 0x3000 && t.ranges.v[1].iova == 0x14000 &&
		      t.ranges.v[1].oa == 0x800004000ULL;
		tap_ok(ok, "unmapping a page splits its run in two");
		hl_ranges_write(&t, 0x1000, 0x13000, 3, 12, 1, 0, pg(0x800003000ULL));
		hl_ranges_settle(&t);	/* a reader's view: without the dead entries an unmap leaves */
		tap_ok(t.ranges.n == 1 && t.ranges.v[0].size == 0x8000, "mapping it back folds the run again");
		hl_ranges_write(&t, 0x1000, 0x13000, 3, 12, 1, 0, pg(0x900000000ULL));
		hl_ranges_settle(&t);
		tap_ok(t.ranges.n == 3 && t.ranges.v[1].oa == 0x900000000ULL, "a page elsewhere is its own range");
		hl_ranges_write(&t, 0x1000, 0x0, 2, 12, 1, 0, 0);
		hl_ranges_settle(&t);
		tap_ok(t.ranges.n == 0, "an invalid level-2 entry unmaps its 2 MiB span");
		hl_ranges_write(&t, 0x1000, 0x200000, 2, 12, 1, 0, blk(0x880000000ULL));
		for (int i = 0; i < 512; i++)
			hl_ranges_write(&t, 0x1000, 0x200000 + i * 0x1000ULL, 3, 12, 1, 0, pg(0x880000000ULL + i * 0x1000ULL));
		hl_ranges_write(&t, 0x1000, 0x200000, 2, 12, 1, blk(0x880000000ULL), tbl(0x8a0000000ULL));
		hl_ranges_settle(&t);
		tap_ok(t.ranges.n == 1 && t.ranges.v[0].leaf_log2 == 12 && t.ranges.v[0].size == 0x200000,
		       "block split into a table of 512 pages: one 4K-leaf range");
		hl_state_free(&t);

		hl_state_init(&t);
		c0 = clock();
		for (u64 i = 0; i < (1ULL << 20); i++)	/* 4 GiB of 4K pages, 2 GiB contiguous at a time */
			hl_ranges_write(&t, 0x2000, i << 12, 3, 12, 2, 0, pg2(0x1000000000ULL + ((i ^ (i >> 19 << 19)) << 12) +
									 ((i >> 19) << 40)));
		tap_ok(t.ranges.n == 2 && (double)(clock() - c0) / CLOCKS_PER_SEC < 2.0,
		       "1Mi pages fed in IOVA order: 2 ranges, %.2f s", (double)(clock() - c0) / CLOCKS_PER_SEC);
		hl_state_free(&t);
	}

	/* the record-source entry point: a stream of raw records rebuilds the state */
	{
		struct hl_state f;
		int ok = 1;
		unsigned char junk[HL_RECORD_SIZE];

		hl_state_init(&f);
		for (size_t i = 0; i < a.events.n; i++)
			ok &= !hl_state_feed(&f, &a.events.v[i], sizeof(a.events.v[i]), err, sizeof(err));
		hl_ranges_compress(&f);
		tap_ok(ok && f.events.n == a.events.n && f.stes.n == a.stes.n && f.cds.n == a.cds.n &&
		       f.ranges.n == 2, "hl_state_feed: records in, the same STEs/CDs/translations out");
		memset(junk, 0, sizeof(junk));
		tap_ok(hl_state_feed(&f, junk, sizeof(junk), err, sizeof(err)) && strstr(err, "version"),
		       "hl_state_feed: a record of another version is refused");
		tap_ok(hl_state_feed(&f, junk, 100, err, sizeof(err)) && strstr(err, "100 bytes"),
		       "hl_state_feed: a short record is refused");
		hl_state_free(&f);
	}

	{
		/* the ring buffer's intake (records.h): what lib/capture.c hands every record to */
		struct hl_intake in = { .boot = 0xb007, .seq_base = 100 };
		struct hl_record r = { 0 }, got;
		struct take1 t = { &got, 0 };
		unsigned char raw[sizeof(r) + 8] = { 0 };
		int ok;

		r.hdr.version = HL_RECORD_VERSION;
		r.hdr.kind = HL_K_LOST;
		r.hdr.seq = 5;
		r.lost.first_seq = 3;
		memcpy(raw + 1, &r, sizeof(r));	/* ring buffer data need not be aligned */
		ok = hl_intake(&in, raw + 1, sizeof(r), take1, &t) == 1 && t.n == 1;
		tap_ok(ok && got.hdr.boot == 0xb007 && got.hdr.seq == 105 && got.lost.first_seq == 103 &&
		       !in.rejected, "hl_intake: a record without a boot is this boot's, numbered after the imported ones");
		r.hdr.boot = 0x1234;
		ok = hl_intake(&in, &r, sizeof(r), take1, &t) == 1 && t.n == 2;
		tap_ok(ok && got.hdr.boot == 0x1234 && got.hdr.seq == 5, "hl_intake: another boot's record keeps its numbers");
		tap_ok(hl_intake(&in, &r, sizeof(r) - 8, take1, &t) < 0 && in.rejected == 1 && strstr(in.why, "bytes"),
		       "hl_intake: a record of the wrong size is rejected and counted, not dropped silently (%s)", in.why);
		r.hdr.version = HL_RECORD_VERSION + 1;
		tap_ok(hl_intake(&in, &r, sizeof(r), take1, &t) < 0 && in.rejected == 2 && strstr(in.why, "bytes"),
		       "hl_intake: a newer version is rejected and counted; the first reason is kept");
		r.hdr.version = HL_RECORD_VERSION;
		r.hdr.kind = HL_K_MAX;
		tap_ok(hl_intake(&in, &r, sizeof(r), take1, &t) < 0 && in.rejected == 3,
		       "hl_intake: an unknown kind is rejected and counted");
		r.hdr.kind = 0;
		tap_ok(hl_intake(&in, &r, sizeof(r), take1, &t) < 0 && in.rejected == 4 && t.n == 2,
		       "hl_intake: kind 0 is rejected and counted; nothing rejected reached the taker");
	}

	{
		/*
		 * A section large enough to be checksummed in parallel pieces
		 * (>= 64 MiB: 1.5M ranges): its CRC is zlib's crc32 of the whole
		 * payload, computed here in one go.
		 */
		struct hl_state big;
		unsigned char *fb = NULL;
		size_t nr = 1500000, fn, off = sizeof(struct hl_snap_header);
		u32 want = 0, got = 1;

		hl_state_init(&big);
		big.ranges.v = hl_vec_grow(NULL, &big.ranges.cap, nr, sizeof(struct hl_range));
		for (size_t i = 0; i < nr; i++)
			big.ranges.v[i] = (struct hl_range){ .root = 0x1000, .iova = i * 0x2000ULL,
				.oa = 0x80000000ULL + i * 0x3000ULL, .size = 0x1000, .attrs = i & 7,
				.granule = 12, .level = 3, .stage = 1, .leaf_log2 = 12 };
		big.ranges.n = nr;
		tap_ok(!hl_snapshot_write(p("big.snap"), &big, err, sizeof(err)), "write a 72 MB XLATE section");
		fn = load(p("big.snap"), &fb);
		while (fb && off + sizeof(struct hl_snap_section) <= fn) {
			struct hl_snap_section sh;

			memcpy(&sh, fb + off, sizeof(sh));
			if (sh.type == HL_SEC_XLATE && sh.length <= fn - off - sizeof(sh)) {
				want = sh.crc;
				got = (u32)crc32_z(crc32(0L, Z_NULL, 0), fb + off + sizeof(sh), sh.length);
				break;
			}
			if (sh.type == HL_SEC_END)
				break;
			off += sizeof(sh) + sh.length;
		}
		tap_ok(want == got, "its CRC, taken in parallel pieces, is zlib's of the whole (0x%08x)", got);
		hl_state_free(&big);
		tap_ok(!hl_snapshot_read(p("big.snap"), &big, err, sizeof(err)) && big.ranges.n == nr &&
		       big.ranges.v[nr - 1].oa == 0x80000000ULL + (nr - 1) * 0x3000ULL,
		       "and it reads back, every range");
		hl_state_free(&big);
		free(fb);
	}

	free(buf);
	free(m);
	hl_state_free(&a);
	hl_state_free(&b);
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd)) { /* best effort */ }
	}
	walk_intake();
	dead_entries();
	return tap_done();
}
