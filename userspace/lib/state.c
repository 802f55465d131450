// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include "state.h"
#include "smmu.h"

void *hl_vec_grow(void *v, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return v;
	c = c ? c * 2 : 16;
	while (c < need)
		c *= 2;
	v = realloc(v, c * elem);
	if (!v)
		abort();	/* out of memory: nothing sensible to report */
	*cap = c;
	return v;
}

void hl_state_init(struct hl_state *s)
{
	memset(s, 0, sizeof(*s));
}

void hl_state_free(struct hl_state *s)
{
	VEC_FREE(s->boots);
	VEC_FREE(s->clocks);
	VEC_FREE(s->smmus);
	VEC_FREE(s->smmu_ids);
	VEC_FREE(s->stes);
	VEC_FREE(s->cds);
	if (!s->ranges.cap)
		s->ranges.v = NULL;	/* borrowed from the mapped file */
	VEC_FREE(s->ranges);
	VEC_FREE(s->events);
	VEC_FREE(s->losses);
	VEC_FREE(s->gaps);
	VEC_FREE(s->protect);
	VEC_FREE(s->rpend);
	VEC_FREE(s->rpend_roots);
	free(s->s2roots.v);
	memset(&s->s2roots, 0, sizeof(s->s2roots));
	if (s->map)
		munmap(s->map, s->map_len);
	s->map = NULL;
	s->map_len = 0;
}

struct hl_ste_disk *hl_state_ste(const struct hl_state *s, u32 smmu, u32 sid)
{
	for (size_t i = 0; i < s->stes.n; i++)
		if (s->stes.v[i].smmu == smmu && s->stes.v[i].sid == sid)
			return &s->stes.v[i];
	return NULL;
}

struct hl_cd_disk *hl_state_cd(const struct hl_state *s, u32 smmu, u32 sid, u32 ssid)
{
	for (size_t i = 0; i < s->cds.n; i++)
		if (s->cds.v[i].smmu == smmu && s->cds.v[i].sid == sid && s->cds.v[i].ssid == ssid)
			return &s->cds.v[i];
	return NULL;
}

const struct hl_smmu_disk *hl_state_smmu(const struct hl_state *s, u32 smmu)
{
	for (size_t i = 0; i < s->smmus.n; i++)
		if (s->smmus.v[i].id == smmu)
			return &s->smmus.v[i];
	return NULL;
}

const struct hl_smmu_id_disk *hl_state_smmu_id(const struct hl_state *s, u32 smmu)
{
	for (size_t i = 0; i < s->smmu_ids.n; i++)
		if (s->smmu_ids.v[i].smmu == smmu)
			return &s->smmu_ids.v[i];
	return NULL;
}

u32 hl_smmu_idr_known(const struct hl_state *s, const struct hl_smmu_disk *m)
{
	const struct hl_smmu_id_disk *id = hl_state_smmu_id(s, m->id);

	if (id)
		return id->known & HL_SK_IDR_ALL;
	for (int k = 0; k < 6; k++)
		if (m->idr[k])
			return HL_SK_IDR_ALL;
	return 0;
}

int hl_smmu_bbml2(const struct hl_state *s, const struct hl_smmu_disk *m)
{
	const struct hl_smmu_id_disk *id = hl_state_smmu_id(s, m->id);

	/* the register first: the driver's feature bit is its reading of IDR3.BBM */
	if (hl_smmu_idr_known(s, m) & HL_SK_IDR(3))
		return hl_idr_bbml(m->idr) >= 2;
	if (id && (id->known & HL_SK_FEATURES))
		return !!(id->features & ARM_SMMU_FEAT_BBML2);
	return -1;
}

const struct hl_boot_disk *hl_state_boot(const struct hl_state *s, u64 boot)
{
	for (size_t i = 0; i < s->boots.n; i++)
		if (s->boots.v[i].boot == boot)
			return &s->boots.v[i];
	return NULL;
}

static size_t ranges_lower(const struct hl_state *s, u64 root, u64 lo);

/*
 * A table an STE's S2TTB points at is a stage-2 table, whatever its
 * descriptor writes said: a tracepoint names only the table's root, and a
 * nesting parent's table is filled (its HWPT allocated over the IOAS's maps)
 * before any STE points at it, so the patched capture reports those writes
 * as stage 1.  The STE settles it for the writes before it; those after it
 * the capture tags itself (hitless_tp.bpf.c's hl_s2_roots).
 */
static void ranges_merge_pend(struct hl_state *s);

static void ranges_stage2(struct hl_state *s, u64 root)
{
	ranges_merge_pend(s);
	for (size_t i = ranges_lower(s, root, 0); i < s->ranges.n && s->ranges.v[i].root == root; i++)
		s->ranges.v[i].stage = 2;
}

static int u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Asked for every descriptor write: a search in the STEs' stage-2 roots,
 * not a pass over the STEs (which made a walk of many devices' tables
 * grow with devices x leaves).  The roots are rebuilt when the STEs
 * changed: through hl_state_set_ste() (ste_gen), or filled otherwise (a
 * snapshot read: their count or address differs).
 */
unsigned hl_state_pte_stage(struct hl_state *s, u64 root, unsigned stage)
{
	size_t a = 0, b;

	if (stage == 2)
		return 2;
	if (!s->s2roots.ok || s->s2roots.gen != s->ste_gen || s->s2roots.nste != s->stes.n ||
	    s->s2roots.ste_v != s->stes.v) {
		s->s2roots.n = 0;
		for (size_t i = 0; i < s->stes.n; i++)
			if (ste_s2(s->stes.v[i].q)) {
				s->s2roots.v = hl_vec_grow(s->s2roots.v, &s->s2roots.cap, s->s2roots.n + 1,
							   sizeof(u64));
				s->s2roots.v[s->s2roots.n++] = ste_s2ttb(s->stes.v[i].q);
			}
		if (s->s2roots.n)
			qsort(s->s2roots.v, s->s2roots.n, sizeof(u64), u64_cmp);
		s->s2roots.gen = s->ste_gen;
		s->s2roots.nste = s->stes.n;
		s->s2roots.ste_v = s->stes.v;
		s->s2roots.ok = 1;
	}
	b = s->s2roots.n;
	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (s->s2roots.v[m] < root)
			a = m + 1;
		else
			b = m;
	}
	return a < s->s2roots.n && s->s2roots.v[a] == root ? 2 : stage;
}

/* Only valid entries are kept: a snapshot holds "every valid STE". */
void hl_state_set_ste(struct hl_state *s, u32 smmu, u32 sid, const u64 *q)
{
	struct hl_ste_disk *e = hl_state_ste(s, smmu, sid);

	s->ste_gen++;
	if (!ste_valid(q)) {
		if (e)
			*e = s->stes.v[--s->stes.n];
		return;
	}
	if (!e) {
		struct hl_ste_disk n = { .smmu = smmu, .sid = sid };

		VEC_PUSH(s->stes, n);
		e = &s->stes.v[s->stes.n - 1];
	}
	memcpy(e->q, q, sizeof(e->q));
	if (ste_s2(q))
		ranges_stage2(s, ste_s2ttb(q));
}

void hl_state_set_cd(struct hl_state *s, u32 smmu, u32 sid, u32 ssid, const u64 *q)
{
	struct hl_cd_disk *e = hl_state_cd(s, smmu, sid, ssid);

	if (!cd_valid(q)) {
		if (e)
			*e = s->cds.v[--s->cds.n];
		return;
	}
	if (!e) {
		struct hl_cd_disk n = { .smmu = smmu, .sid = sid, .ssid = ssid };

		VEC_PUSH(s->cds, n);
		e = &s->cds.v[s->cds.n - 1];
	}
	memcpy(e->q, q, sizeof(e->q));
}

/*
 * The ranges are kept sorted by (root, iova) and never overlap: every leaf
 * written first cuts whatever it covers.  Lookups are binary searches and a
 * leaf that continues the previous run extends it in place, so a walker
 * feeding a large VM's tables in IOVA order stays O(log n) per leaf.
 *
 * A range an unmap takes out whole stays in place as a dead entry (size 0)
 * instead of moving every range behind it: unmapping page by page, in IOVA
 * order or not, made that n x the ranges behind.  A dead entry is a point,
 * its iova, in the gap it lies in: at or after the end of the live range
 * before it, at or before the start of the live range after it (of its
 * root), dead entries in iova order among themselves.  So iova + size
 * still grows along the vector and ranges_lower() finds what it did; the
 * cut and the insertion below skip dead entries, reuse their slots, and
 * keep them in their gaps.  They go in one pass (ranges_compact): when
 * they outnumber the live ranges, when the work spent stepping over them
 * passes half the vector, and for every reader (hl_ranges_settle()).
 */

/* Dead entries (and steps over them) a write leaves before the vector is compacted, beyond its half. */
#define HL_RANGES_DEAD_MIN	1024

static int is_dead(const struct hl_range *r)
{
	return !r->size;
}

/* first range of `root` ending after lo (or the first range of a later root); a dead one ends at its iova */
static size_t ranges_lower(const struct hl_state *s, u64 root, u64 lo)
{
	size_t a = 0, b = s->ranges.n;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		const struct hl_range *r = &s->ranges.v[m];

		if (r->root < root || (r->root == root && r->iova + r->size <= lo))
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* the vector is the mapped file's: take a private copy before it grows */
static void ranges_own(struct hl_state *s)
{
	if (!s->ranges.cap && s->ranges.n) {
		struct hl_range *own = malloc(s->ranges.n * sizeof(*own));

		if (!own)
			abort();
		memcpy(own, s->ranges.v, s->ranges.n * sizeof(*own));
		s->ranges.v = own;
		s->ranges.cap = s->ranges.n;
	}
}

static void ranges_insert_at(struct hl_state *s, size_t i, const struct hl_range *r)
{
	ranges_own(s);
	s->ranges.v = hl_vec_grow(s->ranges.v, &s->ranges.cap, s->ranges.n + 1, sizeof(*r));
	memmove(&s->ranges.v[i + 1], &s->ranges.v[i], (s->ranges.n - i) * sizeof(*r));
	s->ranges.v[i] = *r;
	s->ranges.n++;
}

/* Drop the dead entries, in one pass. */
static void ranges_compact(struct hl_state *s)
{
	size_t o = 0;

	if (s->rdead) {
		for (size_t i = 0; i < s->ranges.n; i++)
			if (!is_dead(&s->ranges.v[i]))
				s->ranges.v[o++] = s->ranges.v[i];
		s->ranges.n = o;
	}
	s->rdead = 0;
	s->rdead_work = 0;
}

/* After a write: compact when the dead entries cost more than a pass would. */
static void ranges_tidy(struct hl_state *s)
{
	size_t live = s->ranges.n - s->rdead;

	if (s->rdead > live + HL_RANGES_DEAD_MIN || s->rdead_work > s->ranges.n / 2 + HL_RANGES_DEAD_MIN)
		ranges_compact(s);
}

/* v[i] (live) is unmapped whole: a dead point at its iova, in the gap it leaves. */
static void ranges_kill(struct hl_state *s, size_t i)
{
	s->ranges.v[i].size = 0;
	s->rdead++;
}

/* Remove [lo, hi) of `root` from the ranges; with only_level >= 0, only ranges of that level. */
static void ranges_cut(struct hl_state *s, u64 root, u64 lo, u64 hi, int only_level)
{
	size_t i = ranges_lower(s, root, lo);

	while (i < s->ranges.n && s->ranges.v[i].root == root && s->ranges.v[i].iova < hi) {
		struct hl_range r = s->ranges.v[i], a = r, b = r;
		u64 rhi = r.iova + r.size;

		if (is_dead(&r)) {
			/* a point in a gap inside [lo, hi): stays in the gap, now wider */
			s->rdead_work++;
			i++;
			continue;
		}
		if (only_level >= 0 && r.level != only_level) {
			i++;
			continue;
		}
		a.size = lo > r.iova ? lo - r.iova : 0;
		b.iova = hi;
		b.oa = r.oa + (hi - r.iova);
		b.size = rhi > hi ? rhi - hi : 0;
		if (a.size && b.size) {
			s->ranges.v[i] = a;
			/* a dead entry after it lies at or after rhi, b's end: its slot is b's */
			if (i + 1 < s->ranges.n && is_dead(&s->ranges.v[i + 1])) {
				s->ranges.v[i + 1] = b;
				s->rdead--;
			} else {
				ranges_insert_at(s, i + 1, &b);
			}
			i += 2;
		} else if (a.size) {
			s->ranges.v[i++] = a;
		} else if (b.size) {
			s->ranges.v[i++] = b;
		} else {
			ranges_kill(s, i++);
		}
	}
}

static int can_fold(const struct hl_range *a, const struct hl_range *b, int exact);

/* v[k], k in [from, to), dead (live ones counted as they die) at iova `at` */
static void ranges_rekey(struct hl_state *s, size_t from, size_t to, u64 at)
{
	for (size_t k = from; k < to; k++) {
		if (!is_dead(&s->ranges.v[k]))
			ranges_kill(s, k);
		s->ranges.v[k].iova = at;
	}
}

/* the live range r takes the dead slot k */
static void ranges_revive(struct hl_state *s, size_t k, const struct hl_range *r)
{
	s->ranges.v[k] = *r;
	s->rdead--;
}

/*
 * Insert a leaf's range (nothing overlaps it any more), folding into its
 * neighbours: the live range before it (only dead points at its start lie
 * between them when it ends there) and the one after it (only dead points
 * up to its end).  What lies in its own span of the gap moves out of it.
 */
static void ranges_add(struct hl_state *s, const struct hl_range *r)
{
	size_t n = s->ranges.n, i = ranges_lower(s, r->root, r->iova), p = i, q = i;
	const u64 lo = r->iova, hi = r->iova + r->size;
	struct hl_range *v = s->ranges.v;

	while (p > 0 && v[p - 1].root == r->root && is_dead(&v[p - 1]) && v[p - 1].iova == lo)
		p--;
	while (q < n && v[q].root == r->root && is_dead(&v[q]) && v[q].iova <= hi)
		q++;
	s->rdead_work += q - p;
	if (p > 0 && can_fold(&v[p - 1], r, 1)) {
		struct hl_range m = v[p - 1];

		m.size += r->size;
		if (q < n && can_fold(&m, &v[q], 1)) {
			/* it joins the next one too: the two in the next one's slot */
			m.size += v[q].size;
			ranges_rekey(s, p - 1, q, m.iova);
			v[q] = m;
		} else if (q - 1 > p - 1) {
			/* past the dead points of its span: in the last of their slots */
			ranges_rekey(s, p - 1, q - 1, m.iova);
			ranges_revive(s, q - 1, &m);
		} else {
			v[p - 1] = m;
		}
		return;
	}
	if (q < n && can_fold(r, &v[q], 1)) {
		ranges_rekey(s, i, q, lo);
		v[q].iova = r->iova;
		v[q].oa = r->oa;
		v[q].size += r->size;
		return;
	}
	if (q > p) {
		/* a dead slot in its span: the last one, the others before it */
		ranges_rekey(s, p, q - 1, lo);
		ranges_revive(s, q - 1, r);
	} else if (q < n && is_dead(&v[q])) {
		ranges_revive(s, q, r);		/* a dead point after its end */
	} else if (p > 0 && is_dead(&v[p - 1])) {
		ranges_revive(s, p - 1, r);	/* a dead point before its start */
	} else {
		ranges_insert_at(s, i, r);
	}
}

/*
 * Leaves held back (struct hl_state rpend).  A walk reports each table's
 * leaves in IOVA order, table after table in StreamID order; the tables sit
 * at whatever addresses the driver gave them, so a table below those already
 * walked would insert each of its leaves inside the sorted ranges, moving
 * all behind it: devices x leaves.  Such a leaf (HL_RANGES_HOLD_MIN ranges
 * or more behind its place) waits instead when it overlaps nothing (cut
 * from the ranges, above the held leaves of its table, and its table's
 * held leaves are the last ones held), and the held ones are merged in
 * one pass when anything else needs the ranges.
 */
static int range_cmp(const void *a, const void *b);

/* Ranges behind a leaf's place from which it is held rather than inserted (48 KiB to move). */
#define HL_RANGES_HOLD_MIN	1024

static int pend_takes(const struct hl_state *s, const struct hl_range *r)
{
	const struct hl_range *last;

	if (!s->rpend.n)
		return 1;
	last = &s->rpend.v[s->rpend.n - 1];
	if (last->root == r->root)
		return r->iova >= last->iova + last->size;
	for (size_t i = 0; i < s->rpend_roots.n; i++)
		if (s->rpend_roots.v[i] == r->root)
			return 0;	/* its table's earlier leaves are held: out of order */
	return 1;
}

static void pend_hold(struct hl_state *s, const struct hl_range *r)
{
	struct hl_range *last = s->rpend.n ? &s->rpend.v[s->rpend.n - 1] : NULL;

	if (last && can_fold(last, r, 1)) {
		last->size += r->size;
		return;
	}
	if (!last || last->root != r->root)
		VEC_PUSH(s->rpend_roots, r->root);
	VEC_PUSH(s->rpend, *r);
}

/* The held leaves in place, in one pass that drops the dead entries too. */
static void ranges_merge_pend(struct hl_state *s)
{
	size_t n = s->ranges.n, p = s->rpend.n, i = 0, j = 0, o = 0;
	struct hl_range *out;

	if (!p)
		return;
	qsort(s->rpend.v, p, sizeof(*s->rpend.v), range_cmp);
	out = malloc((n + p) * sizeof(*out));
	if (!out)
		abort();	/* out of memory: nothing sensible to report */
	while (i < n || j < p) {
		const struct hl_range *x;

		if (i < n && is_dead(&s->ranges.v[i])) {
			i++;
			continue;
		}
		x = j >= p || (i < n && range_cmp(&s->ranges.v[i], &s->rpend.v[j]) < 0)
		    ? &s->ranges.v[i++] : &s->rpend.v[j++];
		if (o && can_fold(&out[o - 1], x, 1))
			out[o - 1].size += x->size;
		else
			out[o++] = *x;
	}
	if (s->ranges.cap)
		free(s->ranges.v);	/* else borrowed from the mapped file */
	s->ranges.v = out;
	s->ranges.n = o;
	s->ranges.cap = n + p;
	s->rpend.n = 0;
	s->rpend_roots.n = 0;
	s->rdead = 0;
	s->rdead_work = 0;
}

void hl_ranges_settle(const struct hl_state *cs)
{
	struct hl_state *s = (struct hl_state *)cs;	/* the same translation, in place */

	ranges_merge_pend(s);
	ranges_compact(s);
}

/*
 * A descriptor write at (root, iova, level).  A new leaf replaces whatever
 * mapped its span; a new table replaces only the block it splits (the
 * leaves of the new table arrive as their own writes, possibly before the
 * table is linked); an invalid descriptor unmaps its whole span.
 */
void hl_ranges_write(struct hl_state *s, u64 root, u64 iova, unsigned level,
		     unsigned granule, unsigned stage, u64 old_desc, u64 new_desc)
{
	struct hl_pte np;
	u64 span;

	(void)old_desc;
	if (hl_pte_parse(new_desc, level, granule, &np))
		return;
	span = np.size;
	iova &= ~(span - 1);
	if (hl_pte_is_leaf(&np)) {
		struct hl_range r = {
			.root = root, .iova = iova, .size = span, .oa = np.oa,
			.attrs = np.attrs, .level = level, .granule = granule,
			.stage = stage, .leaf_log2 = hl_lpae_shift(level, granule),
		};

		if (pend_takes(s, &r)) {
			size_t i;

			ranges_cut(s, root, iova, iova + span, -1);
			i = ranges_lower(s, root, iova);
			/* its place is deep inside the ranges, and it folds into neither neighbour */
			if (s->rpend.n ||
			    (s->ranges.n - i >= HL_RANGES_HOLD_MIN &&
			     !(i > 0 && can_fold(&s->ranges.v[i - 1], &r, 1)) &&
			     !can_fold(&r, &s->ranges.v[i], 1))) {
				pend_hold(s, &r);
				return;
			}
			ranges_add(s, &r);
			ranges_tidy(s);
			return;
		}
		ranges_merge_pend(s);
		ranges_cut(s, root, iova, iova + span, -1);
		ranges_add(s, &r);
		ranges_tidy(s);
		return;
	}
	ranges_merge_pend(s);
	ranges_cut(s, root, iova, iova + span, np.type == PTE_TABLE ? (int)level : -1);
	ranges_tidy(s);
}

static int range_cmp(const void *a, const void *b)
{
	const struct hl_range *x = a, *y = b;

	if (x->root != y->root)
		return x->root < y->root ? -1 : 1;
	if (x->iova != y->iova)
		return x->iova < y->iova ? -1 : 1;
	return 0;
}

static int can_fold(const struct hl_range *a, const struct hl_range *b, int exact)
{
	if (!a->size || !b->size)
		return 0;	/* a dead entry (ranges_kill) joins nothing */
	if (a->root != b->root || a->iova + a->size != b->iova ||
	    a->oa + a->size != b->oa || a->stage != b->stage)
		return 0;
	if (exact)
		return a->attrs == b->attrs && a->level == b->level &&
		       a->leaf_log2 == b->leaf_log2 && a->granule == b->granule;
	return (a->attrs & ~LPAE_HW_MANAGED) == (b->attrs & ~LPAE_HW_MANAGED);
}

static size_t fold(struct hl_range *v, size_t n, int exact)
{
	size_t o = 0;

	if (!n)
		return 0;
	/* Snapshots and the state keep ranges sorted: sort only when needed. */
	for (size_t i = 1; i < n; i++)
		if (range_cmp(&v[i - 1], &v[i]) > 0) {
			qsort(v, n, sizeof(*v), range_cmp);
			break;
		}
	for (size_t i = 1; i < n; i++) {
		if (can_fold(&v[o], &v[i], exact))
			v[o].size += v[i].size;
		else
			v[++o] = v[i];
	}
	return o + 1;
}

void hl_ranges_compress(struct hl_state *s)
{
	hl_ranges_settle(s);
	s->ranges.n = fold(s->ranges.v, s->ranges.n, 1);
}

void hl_fn_first(struct hl_fn_iter *it, const struct hl_state *s, u64 root)
{
	size_t lo, hi;

	hl_ranges_settle(s);
	/* the next root's first range ends the slice: a search, not a pass */
	lo = ranges_lower(s, root, 0);
	hi = root == ~0ULL ? s->ranges.n : ranges_lower(s, root + 1, 0);
	it->v = s->ranges.v;
	it->i = lo;
	it->hi = hi;
}

/* fold(v, n, 0) of the root's slice, one run per call */
int hl_fn_next(struct hl_fn_iter *it)
{
	if (it->i >= it->hi)
		return 0;
	it->run = it->v[it->i++];
	it->run.attrs &= ~LPAE_HW_MANAGED;
	it->run.level = it->run.leaf_log2 = 0;
	while (it->i < it->hi && can_fold(&it->run, &it->v[it->i], 0))
		it->run.size += it->v[it->i++].size;
	return 1;
}

size_t hl_ranges_function(const struct hl_state *s, u64 root, struct hl_range **out)
{
	/* The ranges are sorted by (root, iova): the root's are one slice. */
	size_t lo, hi, n;
	struct hl_range *v;

	hl_ranges_settle(s);
	lo = hi = ranges_lower(s, root, 0);

	while (hi < s->ranges.n && s->ranges.v[hi].root == root)
		hi++;
	n = hi - lo;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		abort();
	for (size_t i = 0; i < n; i++) {
		v[i] = s->ranges.v[lo + i];
		v[i].attrs &= ~LPAE_HW_MANAGED;
		v[i].level = v[i].leaf_log2 = 0;
	}
	n = fold(v, n, 0);
	*out = v;
	return n;
}

void hl_state_apply(struct hl_state *s, const struct hl_record *r)
{
	VEC_PUSH(s->events, *r);
	switch (r->hdr.kind) {
	case HL_K_STE:
		hl_state_set_ste(s, r->ste.smmu, r->ste.sid, r->ste.after);
		break;
	case HL_K_CD:
		hl_state_set_cd(s, r->cd.smmu, r->cd.sid, r->cd.ssid, r->cd.after);
		break;
	case HL_K_PTE:
		hl_ranges_write(s, r->pte.root, r->pte.iova, r->pte.level, r->pte.granule,
				hl_state_pte_stage(s, r->pte.root, r->pte.stage), r->pte.old_desc,
				r->pte.new_desc);
		break;
	case HL_K_LOST: {
		struct hl_loss_disk l = { .boot = r->hdr.boot, .count = r->lost.count,
					  .where = r->lost.where };
		VEC_PUSH(s->losses, l);
		break;
	}
	default:
		break;
	}
}

int hl_protected(const struct hl_protect_disk *p, size_t n, u32 smmu, u32 sid)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].sid == sid && (p[i].smmu == HL_ANY_SMMU || p[i].smmu == smmu))
			return 1;
	return 0;
}

/* "SID[,SID]..." where SID is N or SMMU:N, decimal or 0x-hex. */
int hl_parse_protect(const char *arg, struct hl_state *into)
{
	char *dup = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct hl_protect_disk p = { .smmu = HL_ANY_SMMU };
		char *colon = strchr(tok, ':'), *end;
		unsigned long long v;

		if (colon) {
			*colon = 0;
			errno = 0;
			v = strtoull(tok, &end, 0);
			if (errno || *end || end == tok || v > 0xfffffffeULL) {
				rc = -EINVAL;
				break;
			}
			p.smmu = v;
			tok = colon + 1;
		}
		errno = 0;
		v = strtoull(tok, &end, 0);
		if (errno || *end || end == tok || v > 0xffffffffULL) {
			rc = -EINVAL;
			break;
		}
		p.sid = v;
		if (!hl_protected(into->protect.v, into->protect.n, p.smmu, p.sid))
			VEC_PUSH(into->protect, p);
	}
	free(dup);
	return rc;
}

/* ---- the merged log (the rules, the timeline and the monitor read it) ---- */

static u64 *g_order;
static size_t g_norder;

static size_t boot_index(u64 boot)
{
	for (size_t i = 0; i < g_norder; i++)
		if (g_order[i] == boot)
			return i;
	return g_norder;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct hl_record *x = a, *y = b;
	size_t bx = boot_index(x->hdr.boot), by = boot_index(y->hdr.boot);

	if (bx != by)
		return bx < by ? -1 : 1;
	if (x->hdr.seq != y->hdr.seq)
		return x->hdr.seq < y->hdr.seq ? -1 : 1;
	return 0;
}

static void add_boot(u64 boot)
{
	if (boot_index(boot) < g_norder)
		return;
	g_order = realloc(g_order, (g_norder + 1) * sizeof(*g_order));
	if (!g_order)
		abort();
	g_order[g_norder++] = boot;
}

/*
 * Boots are ordered by the BOOTS sections (oldest first), then by first
 * appearance; records within a boot by sequence number.
 */
size_t hl_merge_events(const struct hl_state *a, const struct hl_state *b,
		       struct hl_record **out, u64 **boot_order, size_t *nboots)
{
	const struct hl_state *st[2] = { a, b };
	struct hl_record *v;
	size_t n = 0, o = 0;

	g_order = NULL;
	g_norder = 0;
	for (int k = 0; k < 2; k++)
		if (st[k]) {
			for (size_t i = 0; i < st[k]->boots.n; i++)
				add_boot(st[k]->boots.v[i].boot);
			for (size_t i = 0; i < st[k]->events.n; i++)
				add_boot(st[k]->events.v[i].hdr.boot);
			n += st[k]->events.n;
		}
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		abort();
	for (int k = 0; k < 2; k++)
		if (st[k] && st[k]->events.n) {
			memcpy(v + o, st[k]->events.v, st[k]->events.n * sizeof(*v));
			o += st[k]->events.n;
		}
	qsort(v, n, sizeof(*v), rec_cmp);
	o = 0;
	for (size_t i = 0; i < n; i++)
		if (!o || rec_cmp(&v[o - 1], &v[i]))
			v[o++] = v[i];
	*out = v;
	*boot_order = g_order;
	*nboots = g_norder;
	return o;
}
