// SPDX-License-Identifier: GPL-2.0
/*
 * Completeness of a log: nothing lost, no sequence gap, no entry write
 * missing between two that were captured (complete.h).  A record the
 * capture never saw would make any verdict on the log a guess.
 */
#include <stdlib.h>
#include <string.h>
#include "complete.h"

/* Each STE and CD's last "after", for this boot: an open-addressed table. */
struct last {
	u32 smmu, sid, ssid;
	bool is_cd, used;
	__u64 q[8];
};

struct lasts {
	struct last *v;
	size_t n, cap;		/* cap: a power of 2, or 0 */
};

static size_t slot_of(const struct lasts *t, bool is_cd, u32 smmu, u32 sid, u32 ssid)
{
	u64 h = ((u64)smmu << 32 ^ sid) * 0x9e3779b97f4a7c15ULL ^ ((u64)ssid << 1 | is_cd) * 0xc2b2ae3d27d4eb4fULL;
	size_t i = (h ^ h >> 29) & (t->cap - 1);

	while (t->v[i].used && !(t->v[i].is_cd == is_cd && t->v[i].smmu == smmu &&
				 t->v[i].sid == sid && t->v[i].ssid == ssid))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static struct last *find_last(struct lasts *t, bool is_cd, u32 smmu, u32 sid, u32 ssid)
{
	struct last *e;

	if ((t->n + 1) * 2 > t->cap) {
		struct lasts g = { .cap = t->cap ? t->cap * 2 : 64 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			abort();
		for (size_t i = 0; i < t->cap; i++)
			if (t->v[i].used) {
				g.v[slot_of(&g, t->v[i].is_cd, t->v[i].smmu, t->v[i].sid, t->v[i].ssid)] = t->v[i];
				g.n++;
			}
		free(t->v);
		*t = g;
	}
	/* a new one is not .used (no last "after" yet) until its first record sets it */
	e = &t->v[slot_of(t, is_cd, smmu, sid, ssid)];
	if (!e->used) {
		*e = (struct last){ .smmu = smmu, .sid = sid, .ssid = ssid, .is_cd = is_cd };
		t->n++;
	}
	return e;
}

static const __u64 zero_entry[8];

void hl_completeness_of(const struct hl_state *a, const struct hl_state *b,
			const struct hl_record *ev, size_t n, struct hl_completeness *c)
{
	struct lasts t = { 0 };
	u64 boot = 0, last_seq = 0;

	memset(c, 0, sizeof(*c));
	c->nevents = n;
	/* losses: the LOSS sections, a loss both snapshots hold counted once */
	for (int k = 0; k < 2; k++) {
		const struct hl_state *s = k ? b : a;

		for (size_t i = 0; s && i < s->losses.n; i++) {
			bool dup = false;

			for (size_t j = 0; k && a && j < a->losses.n; j++)
				dup |= !memcmp(&a->losses.v[j], &s->losses.v[i], sizeof(s->losses.v[i]));
			if (!dup)
				c->lost += s->losses.v[i].count;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct hl_record *r = &ev[i];
		bool is_cd = r->hdr.kind == HL_K_CD;
		struct last *e;

		if (!i || r->hdr.boot != boot) {
			/* a new boot: its sequence numbers and its entries start over */
			boot = r->hdr.boot;
			if (t.cap)
				memset(t.v, 0, t.cap * sizeof(*t.v));
			t.n = 0;
		} else if (r->hdr.seq != last_seq + 1) {
			c->gaps += r->hdr.seq - last_seq - 1;
		}
		last_seq = r->hdr.seq;
		if (r->hdr.kind != HL_K_STE && !is_cd)
			continue;
		e = find_last(&t, is_cd, is_cd ? r->cd.smmu : r->ste.smmu, is_cd ? r->cd.sid : r->ste.sid,
			      is_cd ? r->cd.ssid : 0);
		/*
		 * A write (the walker reports what it found, no write) whose
		 * "before" is not the entry's last "after": a write between
		 * them was not captured.  A CD written from all zeroes over a
		 * different last CD went into a new CD table (the driver
		 * allocates one per master, again after kexec, and an STE can
		 * move to it in one store): not a missing write.
		 */
		if (r->hdr.mode != HL_MODE_WALKER) {
			const __u64 *before = is_cd ? r->cd.before : r->ste.before;

			if (e->used && memcmp(e->q, before, 64) &&
			    !(is_cd && !memcmp(before, zero_entry, 64)))
				c->inconsistent++;
		}
		memcpy(e->q, is_cd ? r->cd.after : r->ste.after, 64);
		e->used = true;
	}
	free(t.v);
}

void hl_completeness(const struct hl_state *a, const struct hl_state *b, struct hl_completeness *c)
{
	struct hl_record *ev;
	u64 *order;
	size_t n, nboots;

	n = hl_merge_events(a, b, &ev, &order, &nboots);
	hl_completeness_of(a, b, ev, n, c);
	free(ev);
	free(order);
}

bool hl_complete(const struct hl_completeness *c)
{
	return !c->lost && !c->gaps && !c->inconsistent;
}
