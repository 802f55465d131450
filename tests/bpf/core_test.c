// SPDX-License-Identifier: GPL-2.0
/*
 * bpf/core.bpf.h on this machine's kernel, under BPF_PROG_TEST_RUN (TAP):
 *  - the step of arm_smmu_write_entry() each sync closes, for every STE/CD
 *    transition of Linux 7.3's arm-smmu-v3-test.c, against the collector's
 *    model of the driver (userspace/lib/smmu.c hl_entry_write_steps());
 *  - the full-state walker over a hand-built SMMU memory image (two-level
 *    stream table, linear and two-level CD tables, 4K, 16K and 64K stage 1 and a
 *    concatenated stage-2 table): every valid STE, CD and leaf exactly once,
 *    in one trigger and resumed over many, and the collector's state built
 *    from those records translates as the tables do;
 *  - loss accounting: a full ring buffer drops records with a visible
 *    sequence gap, counts them, and reports them in an HL_K_LOST record;
 *  - the reader is woken by the record that fills the ring past a sixteenth
 *    of its size, and not before;
 *  - runs of descriptors and batches of commands (hl_emit_runs(),
 *    hl_emit_cmds()): what the ring holds, expanded by the collector's
 *    intake (records.c hl_record_expand()), is exactly the per-descriptor
 *    and per-command truth, in order, numbered without a gap; a run dropped
 *    on a full ring counts every descriptor it held as lost;
 *  - one arm_lpae_map_pages() call seen at its entry and exit only
 *    (hl_map_path_enter(), hl_map_path_exit()), against a model of
 *    io-pgtable-arm.c's __arm_lpae_map() on a page table in the fake memory
 *    (4K, 16K, 64K, a concatenated stage-2 pgd): each table it installs and
 *    each leaf it writes, in the order it wrote them, as the hooks at every
 *    level of __arm_lpae_map() recorded them; and what that costs the
 *    verifier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "tap.h"
#include "build.h"
#include "core_test.h"
#include "core_test.skel.h"
#include "records.h"

#define MAX_RECS 100000
static struct hl_record *recs;
static size_t nrecs;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len == sizeof(struct hl_record) && nrecs < MAX_RECS)
		memcpy(&recs[nrecs++], data, len);
	return 0;
}

static int run(int prog_fd)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	return err ? err : (int)o.retval;
}

static u64 stat(struct core_test *sk, unsigned i)
{
	u64 v = 0;
	__u32 k = i;

	bpf_map__lookup_elem(sk->maps.hl_stats, &k, sizeof(k), &v, sizeof(v), 0);
	return v;
}

/* ---- steps ---- */
static void step_case(struct core_test *sk, const char *name, int is_cd, const u64 *cur,
		      const u64 *target)
{
	struct hl_entry_step_out st[3];
	enum hl_entry_type t = is_cd ? HL_ENTRY_CD : HL_ENTRY_STE;
	u64 uu[8], before[8];
	int n = hl_entry_write_steps(t, cur, target, st), ok = 1;
	unsigned want_diff = hl_entry_qword_diff(t, cur, target, uu);
	struct step_io *io = &sk->bss->step_io;
	char got[64] = "", want[64] = "";

	memcpy(before, cur, 64);
	for (int k = 0; k < n; k++) {
		memset(io, 0, sizeof(*io));
		memcpy(io->entry, cur, 64);
		memcpy(io->target, target, 64);
		if (is_cd) {
			hl_cd_get_used(cur, io->cur_used);
			hl_cd_get_used(target, io->tgt_used);
		} else {
			hl_ste_get_used(cur, io->cur_used);
			hl_ste_get_used(target, io->tgt_used);
			hl_ste_get_update_safe(cur, target, io->safe);
		}
		memcpy(io->before, before, 64);
		memcpy(io->after, st[k].val, 64);
		if (run(bpf_program__fd(sk->progs.test_step)))
			ok = 0;
		ok &= io->diff == want_diff && (int)io->step == st[k].step;
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "," : "",
			 hl_step_name(io->step));
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", k ? "," : "",
			 hl_step_name(st[k].step));
		memcpy(before, st[k].val, 64);
	}
	tap_ok(ok, "steps %s: BPF says %s, the driver model %s", name, got, want);
}

static void test_steps(struct core_test *sk)
{
	u64 a[8], b[8], ab[8], by[8], z[8] = { 0 };

	mk_bypass_ste(by);
	mk_abort_ste(ab);
	step_case(sk, "bypass_to_abort", 0, by, ab);
	step_case(sk, "abort_to_bypass", 0, ab, by);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	step_case(sk, "cdtable_to_bypass", 0, a, by);
	step_case(sk, "bypass_to_cdtable", 0, by, a);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab_dma_addr, T_ATS);
	step_case(sk, "cdtable_s1dss_change", 0, a, b);
	mk_s2_ste(a, T_ATS, 0xdaedbeefdeadbeefULL, 0);
	step_case(sk, "abort_to_s2", 0, ab, a);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	step_case(sk, "s2_to_s1", 0, a, b);
	mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
	mk_cdtable_ste(b, STRTAB_STE_1_S1DSS_BYPASS, 0x4B4B4b4B4BULL, T_ATS);
	step_case(sk, "non_hitless", 0, a, b);
	mk_s2_ste(a, 0, 0x1000, 3);
	mk_s2_ste(b, T_ATS, 0x1000, 3);
	step_case(sk, "s2 EATS (safe bits only)", 0, a, b);
	mk_s1_cd(b, 1997, 0xdaedbeefdeadbeefULL);
	step_case(sk, "cd install", 1, z, b);
	step_case(sk, "cd removal", 1, b, z);
	mk_s1_cd(a, 778, 0xdaedbeefdeadbeefULL);
	step_case(sk, "cd change_asid", 1, a, b);
	mk_sva_cd(a, 1997, 1);
	mk_sva_cd(b, 1997, 0);
	step_case(sk, "cd sva_release", 1, a, b);
}

/* ---- walker ---- */
#define PHYS TEST_PHYS_BASE
#define STRTAB_SPLIT_T 8
static u8 *mem;
static void put(u64 off, u64 v) { memcpy(mem + off, &v, 8); }
static void put_entry(u64 off, const u64 *q) { memcpy(mem + off, q, 64); }

struct want { unsigned kind; u32 a, b; u64 root, iova, desc; unsigned level; int seen; };
static struct want wants[64];
static int nwants;

static void want(unsigned kind, u32 a, u32 b, u64 root, u64 iova, u64 desc, unsigned level)
{
	wants[nwants++] = (struct want){ kind, a, b, root, iova, desc, level, 0 };
}

/* LPAE descriptors: table, block, page (AF and the memory attributes the driver sets). */
#define TBL(pa)	((PHYS + (pa)) | 3)
#define LEAF_ATTR	(0x400ULL | 0x300 | 0x40 | 0x4)
static u64 block(u64 oa) { return oa | LEAF_ATTR | 1; }
static u64 page(u64 oa) { return oa | LEAF_ATTR | 3; }

static u64 mk_ste_s1(u64 ctxptr, unsigned fmt, unsigned cdmax)
{
	return STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
	       FIELD_PREP(STRTAB_STE_0_S1FMT, fmt) | ((PHYS + ctxptr) & STRTAB_STE_0_S1CTXPTR_MASK) |
	       FIELD_PREP(STRTAB_STE_0_S1CDMAX, cdmax);
}

static void cd(u64 *q, unsigned t0sz, unsigned tg0, u64 ttb, u16 asid)
{
	memset(q, 0, 64);
	q[0] = CTXDESC_CD_0_V | FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, t0sz) |
	       FIELD_PREP(CTXDESC_CD_0_TCR_TG0, tg0) | FIELD_PREP(CTXDESC_CD_0_ASID, asid) |
	       CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_TCR_EPD1;
	q[1] = (PHYS + ttb) & CTXDESC_CD_1_TTB0_MASK;
	q[3] = 0x0044ff04;
}

static u64 s1_4k_root, s1_64k_root, s1_16k_root, s2_root;

static void build_image(void)
{
	u64 q[8];

	memset(mem, 0, 1 << 20);
	nwants = 0;
	/* two-level stream table: L1 at 0, L2 for SIDs 0-255 at 0x1000, 512-767 at 0x5000 */
	put(0 * 8, (PHYS + 0x1000) | (STRTAB_SPLIT_T + 1));
	put(2 * 8, (PHYS + 0x5000) | (STRTAB_SPLIT_T + 1));

	/* SIDs 8 and 9: one linear CD table (one CD), 4K stage 1, 48-bit */
	memset(q, 0, 64);
	q[0] = mk_ste_s1(0x9000, 0, 0);
	q[1] = FIELD_PREP(STRTAB_STE_1_S1DSS, STRTAB_STE_1_S1DSS_SSID0);
	put_entry(0x1000 + 8 * 64, q);
	want(HL_K_STE, 8, 0, 0, 0, q[0], 0);
	put_entry(0x1000 + 9 * 64, q);
	want(HL_K_STE, 9, 0, 0, 0, q[0], 0);
	cd(q, 16, 0, 0xA000, 5);
	put_entry(0x9000, q);
	want(HL_K_CD, 8, 0, 0, 0, q[0], 0);
	want(HL_K_CD, 9, 0, 0, 0, q[0], 0);
	s1_4k_root = PHYS + 0xA000;
	put(0xA000, TBL(0xB000));			/* L0[0] */
	put(0xB000, TBL(0xC000));			/* L1[0] */
	put(0xB000 + 8, block(0xC0000000));		/* L1[1]: 1G block */
	want(HL_K_PTE, 0, 0, s1_4k_root, 0x40000000, block(0xC0000000), 1);
	put(0xC000 + 3 * 8, block(0x80000000));	/* L2[3]: 2M block */
	want(HL_K_PTE, 0, 0, s1_4k_root, 0x600000, block(0x80000000), 2);
	put(0xC000 + 4 * 8, TBL(0xD000));		/* L2[4] */
	for (int i = 0; i < 3; i++) {
		put(0xD000 + i * 8, page(0x90000000 + i * 0x1000));
		want(HL_K_PTE, 0, 0, s1_4k_root, 0x800000 + i * 0x1000, page(0x90000000 + i * 0x1000), 3);
	}
	put(0xD000 + 5 * 8, 0x90005000 | 1);		/* reserved at level 3: not a leaf */

	/* SID 16: bypass; SID 17: abort (valid), SID 18: invalid */
	mk_bypass_ste(q);
	put_entry(0x1000 + 16 * 64, q);
	want(HL_K_STE, 16, 0, 0, 0, q[0], 0);
	mk_abort_ste(q);
	put_entry(0x1000 + 17 * 64, q);
	want(HL_K_STE, 17, 0, 0, 0, q[0], 0);

	/* SID 0x210: stage 2, 4K, 40-bit IPA, SL0=1: concatenated level-1 root of 1024 entries */
	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	q[2] = FIELD_PREP(STRTAB_STE_2_VTCR, FIELD_PREP(STRTAB_STE_2_VTCR_S2T0SZ, 24) |
			  FIELD_PREP(STRTAB_STE_2_VTCR_S2SL0, 1)) | 7;
	q[3] = (PHYS + 0x10000) & STRTAB_STE_3_S2TTB_MASK;
	put_entry(0x5000 + 0x10 * 64, q);
	want(HL_K_STE, 0x210, 0, 0, 0, q[0], 0);
	s2_root = PHYS + 0x10000;
	put(0x10000 + 513 * 8, block(0x1C0000000ULL));
	want(HL_K_PTE, 0, 0, s2_root, 513ULL << 30, block(0x1C0000000ULL), 1);
	put(0x10000, TBL(0x12000));
	put(0x12000 + 8, block(0x200000));
	want(HL_K_PTE, 0, 0, s2_root, 0x200000, block(0x200000), 2);

	/*
	 * SID 0x213: nested (a vIOMMU's guest): the same stage-2 table (walked
	 * once), and S1ContextPtr an IPA of the guest's, which the walker must
	 * not read as a physical address: here it is the physical address of
	 * SIDs 8 and 9's CD table, so reading it would emit a CD for 0x213.
	 */
	memset(q, 0, 64);
	q[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED) |
	       ((PHYS + 0x9000) & STRTAB_STE_0_S1CTXPTR_MASK);
	q[2] = FIELD_PREP(STRTAB_STE_2_VTCR, FIELD_PREP(STRTAB_STE_2_VTCR_S2T0SZ, 24) |
			  FIELD_PREP(STRTAB_STE_2_VTCR_S2SL0, 1)) | 9;
	q[3] = (PHYS + 0x10000) & STRTAB_STE_3_S2TTB_MASK;
	put_entry(0x5000 + 0x13 * 64, q);
	want(HL_K_STE, 0x213, 0, 0, 0, q[0], 0);

	/* SID 0x211: two-level CD table (64K L2s, S1CDMax 11); SSID 1029: 64K granule, 42-bit */
	memset(q, 0, 64);
	q[0] = mk_ste_s1(0x20000, 2, 11);
	put_entry(0x5000 + 0x11 * 64, q);
	want(HL_K_STE, 0x211, 0, 0, 0, q[0], 0);
	put(0x20000 + 8, (PHYS + 0x30000) | 1);	/* L1CD[1] */
	cd(q, 22, 1, 0x40000, 9);
	put_entry(0x30000 + 5 * 64, q);
	want(HL_K_CD, 0x211, 1029, 0, 0, q[0], 0);
	s1_64k_root = PHYS + 0x40000;
	put(0x40000 + 1 * 8, block(0x20000000));	/* L2[1]: 512M block */
	want(HL_K_PTE, 0, 0, s1_64k_root, 0x20000000, block(0x20000000), 2);
	put(0x40000 + 2 * 8, TBL(0x50000));		/* L2[2] */
	put(0x50000 + 7 * 8, page(0x70000));		/* L3[7]: 64K page */
	want(HL_K_PTE, 0, 0, s1_64k_root, 0x40000000 + 7 * 0x10000, page(0x70000), 3);

	/* SID 0x212: linear CD table at 0x6C000; 16K granule, 47-bit: level-1 root of 2048 entries */
	memset(q, 0, 64);
	q[0] = mk_ste_s1(0x6C000, 0, 0);
	put_entry(0x5000 + 0x12 * 64, q);
	want(HL_K_STE, 0x212, 0, 0, 0, q[0], 0);
	cd(q, 17, 2, 0x60000, 11);
	put_entry(0x6C000, q);
	want(HL_K_CD, 0x212, 0, 0, 0, q[0], 0);
	s1_16k_root = PHYS + 0x60000;
	put(0x60000 + 1 * 8, TBL(0x64000));		/* L1[1]: IOVA 1 << 36 */
	put(0x64000 + 2 * 8, block(0x84000000));	/* L2[2]: 32M block */
	want(HL_K_PTE, 0, 0, s1_16k_root, (1ULL << 36) + 2 * (1ULL << 25), block(0x84000000), 2);
	put(0x64000 + 3 * 8, TBL(0x68000));		/* L2[3] */
	put(0x68000 + 5 * 8, page(0x12344000));	/* L3[5]: 16K page */
	want(HL_K_PTE, 0, 0, s1_16k_root, (1ULL << 36) + 3 * (1ULL << 25) + 5 * 0x4000,
	     page(0x12344000), 3);
}

static int match(const struct hl_record *r)
{
	for (int i = 0; i < nwants; i++) {
		struct want *w = &wants[i];

		if (w->kind != r->hdr.kind)
			continue;
		if ((r->hdr.kind == HL_K_STE && r->ste.sid == w->a && r->ste.after[0] == w->desc) ||
		    (r->hdr.kind == HL_K_CD && r->cd.sid == w->a && r->cd.ssid == w->b &&
		     r->cd.after[0] == w->desc) ||
		    (r->hdr.kind == HL_K_PTE && r->pte.root == w->root && r->pte.iova == w->iova &&
		     r->pte.new_desc == w->desc && r->pte.level == w->level)) {
			w->seen++;
			return 1;
		}
	}
	tap_diag("unexpected record kind %u", r->hdr.kind);
	return 0;
}

static void walk(struct core_test *sk, struct ring_buffer *rb, unsigned budget, u64 gen,
		 const char *name)
{
	struct hl_walk w = { .gen = gen, .two_level = 1, .nents = 4, .budget = budget,
			     .state = HL_WS_RUN };
	__u32 zero = 0;
	int triggers = 0, ok = 1, once = 1;

	nrecs = 0;
	bpf_map__update_elem(sk->maps.hl_walk_ctl, &zero, 4, &w, sizeof(w), 0);
	while (w.state == HL_WS_RUN && triggers < 10000) {
		if (run(bpf_program__fd(sk->progs.test_walk)))
			break;
		triggers++;
		ring_buffer__consume(rb);
		bpf_map__lookup_elem(sk->maps.hl_walk_ctl, &zero, 4, &w, sizeof(w), 0);
	}
	ring_buffer__consume(rb);
	for (int i = 0; i < nwants; i++)
		wants[i].seen = 0;
	for (size_t i = 0; i < nrecs; i++) {
		ok &= match(&recs[i]);
		ok &= recs[i].hdr.mode == HL_MODE_WALKER && recs[i].hdr.version == HL_RECORD_VERSION;
	}
	for (int i = 0; i < nwants; i++)
		once &= wants[i].seen == 1;
	tap_ok(w.state == HL_WS_DONE, "walk %s: ends DONE (state %u, error %d at 0x%llx) after %d trigger(s)",
	       name, w.state, w.error, (unsigned long long)w.err_addr, triggers);
	tap_ok(ok && once && (int)nrecs == nwants,
	       "walk %s: %zu records, every valid STE/CD/leaf exactly once (%d expected)", name, nrecs, nwants);
	tap_ok(w.n_ste == 8 && w.n_cd == 4 && w.n_pte == 11, "walk %s: counted 8 STEs, 4 CDs, 11 leaves (%llu, %llu, %llu)",
	       name, (unsigned long long)w.n_ste, (unsigned long long)w.n_cd, (unsigned long long)w.n_pte);
}

/* The collector's state from the walker's records translates as the image does. */
static void walk_state(void)
{
	struct hl_state s;
	struct hl_range *f;
	size_t n;
	int ok;

	hl_state_init(&s);
	for (size_t i = 0; i < nrecs; i++)
		hl_state_apply(&s, &recs[i]);
	hl_ranges_compress(&s);
	tap_ok(s.stes.n == 8 && s.cds.n == 4, "collector state: 8 valid STEs, 4 CDs (%zu, %zu)", s.stes.n, s.cds.n);
	n = hl_ranges_function(&s, s1_4k_root, &f);
	ok = n == 3 && f[0].iova == 0x600000 && f[0].size == 0x200000 && f[0].oa == 0x80000000 &&
	     f[1].iova == 0x800000 && f[1].size == 0x3000 && f[1].oa == 0x90000000 &&
	     f[2].iova == 0x40000000 && f[2].size == 1ULL << 30 && f[2].oa == 0xC0000000;
	tap_ok(ok, "collector state: 4K stage-1 table translates 3 runs as built (%zu)", n);
	free(f);
	n = hl_ranges_function(&s, s2_root, &f);
	tap_ok(n == 2 && f[0].iova == 0x200000 && f[1].iova == 513ULL << 30 && f[1].oa == 0x1C0000000ULL,
	       "collector state: concatenated stage-2 root, both leaves (%zu)", n);
	free(f);
	n = hl_ranges_function(&s, s1_64k_root, &f);
	tap_ok(n == 2 && f[0].size == 0x20000000 && f[1].iova == 0x40070000 && f[1].size == 0x10000,
	       "collector state: 64K granule, 512M block and 64K page (%zu)", n);
	free(f);
	n = hl_ranges_function(&s, s1_16k_root, &f);
	tap_ok(n == 2 && f[0].size == 1ULL << 25 && f[0].oa == 0x84000000 && f[1].size == 0x4000 &&
	       f[1].oa == 0x12344000, "collector state: 16K granule, 32M block and 16K page (%zu)", n);
	free(f);
	hl_state_free(&s);
}

/* ---- loss ---- */
static void test_loss(struct core_test *sk, struct ring_buffer *rb)
{
	u64 lost0 = stat(sk, HL_STAT_LOST_RINGBUF), lost, seq_first, prev = 0;
	int gaps = 0, mono = 1;
	size_t got;

	nrecs = 0;
	sk->bss->emit_n = 50000;
	run(bpf_program__fd(sk->progs.test_emit));
	lost = stat(sk, HL_STAT_LOST_RINGBUF) - lost0;
	ring_buffer__consume(rb);
	got = nrecs;
	seq_first = got ? recs[0].hdr.seq : 0;
	for (size_t i = 0; i < got; i++) {
		if (i && recs[i].hdr.seq != prev + 1)
			gaps++;
		if (i && recs[i].hdr.seq <= prev)
			mono = 0;
		prev = recs[i].hdr.seq;
	}
	tap_ok(lost > 0 && got + lost == 50000, "loss: 50000 records into a full ring buffer: %zu kept, %llu counted lost",
	       got, (unsigned long long)lost);
	tap_ok(mono && gaps == 0, "loss: kept records in sequence, no gap among them (the drops are at the end)");
	nrecs = 0;
	sk->bss->emit_n = 1;
	run(bpf_program__fd(sk->progs.test_emit));
	ring_buffer__consume(rb);
	tap_ok(nrecs == 2 && recs[0].hdr.kind == HL_K_LOST && recs[0].lost.count == lost &&
	       recs[0].lost.where == HL_LOST_RINGBUF && recs[0].lost.first_seq == seq_first + got,
	       "loss: the next record is preceded by HL_K_LOST (count %llu, first seq %llu)",
	       nrecs ? (unsigned long long)recs[0].lost.count : 0ULL,
	       nrecs ? (unsigned long long)recs[0].lost.first_seq : 0ULL);
	tap_ok(nrecs == 2 && recs[1].hdr.seq == seq_first + got + lost + 1,
	       "loss: the gap in sequence numbers is exactly the dropped records");
	tap_ok(sk->bss->hl_seq == recs[1].hdr.seq && nrecs == 2,
	       "loss: every record took one sequence number, so submitted = hl_seq - dropped (%llu)",
	       (unsigned long long)sk->bss->hl_seq);
}

/*
 * Wake-ups (hl_submit): an edge-triggered epoll on the ring reports only a
 * wake-up, not data that is merely there. From an empty ring, the records
 * that stay below 1/16 of it wake no one; the one that crosses it does.
 */
static void test_wake(struct core_test *sk, struct ring_buffer *rb)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got;
	__u64 step = bpf_map__max_entries(sk->maps.hl_events) / 16, below;
	int ep = epoll_create1(EPOLL_CLOEXEC), n_below, n_cross;

	ring_buffer__consume(rb);
	nrecs = 0;
	below = step / (sizeof(struct hl_record) + 8);	/* records (and headers) that fit below */
	if (!tap_ok(ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, bpf_map__fd(sk->maps.hl_events), &ev),
		    "wake: an edge-triggered epoll on the ring buffer"))
		return;
	sk->bss->emit_n = below;
	run(bpf_program__fd(sk->progs.test_emit));
	n_below = epoll_wait(ep, &got, 1, 200);
	sk->bss->emit_n = 1;
	run(bpf_program__fd(sk->progs.test_emit));
	n_cross = epoll_wait(ep, &got, 1, 5000);
	tap_ok(n_below == 0, "wake: %llu records, just below 1/16 of the ring, wake no reader (%d)",
	       (unsigned long long)below, n_below);
	tap_ok(n_cross == 1, "wake: the record that crosses 1/16 of the ring wakes it (%d)", n_cross);
	ring_buffer__consume(rb);
	tap_ok(nrecs == below + 1, "wake: all %zu records there to read", nrecs);
	close(ep);
}


/* ---- runs of descriptors and batches of commands ---- */
#define RUN_OFF		0x80000		/* in test_mem, clear of the walker's image */

struct expand {
	struct hl_record *v;
	size_t n, cap;
};

static void expand_take(void *arg, const struct hl_record *r)
{
	struct expand *e = arg;

	if (e->n < e->cap)
		e->v[e->n] = *r;
	e->n++;
}

/* The ring's records since nrecs = 0, each checked, expanded into e; -1 if one fails the check. */
static int expand_all(struct expand *e, unsigned kind, size_t *nring)
{
	char err[160];

	e->n = 0;
	*nring = nrecs;
	for (size_t i = 0; i < nrecs; i++) {
		/* a run of one descriptor is sent as the descriptor's own record */
		if (hl_record_check(&recs[i], sizeof(recs[i]), err, sizeof(err)) ||
		    (recs[i].hdr.kind != kind && !(kind == HL_K_PTE_RUN && recs[i].hdr.kind == HL_K_PTE && nrecs == 1))) {
			tap_diag("record %zu: kind %u: %s", i, recs[i].hdr.kind, err);
			return -1;
		}
		hl_record_expand(&recs[i], expand_take, e);
	}
	return 0;
}

static struct hl_record *xrecs;

/*
 * One io-pgtable call's descriptors d[0..num) at iova (level, granule), a
 * map (read after the stores: old 0) or an unmap (read before: new 0, up to
 * the first empty one): the ring gets `want_runs` run records whose
 * expansion is each descriptor's record, exactly.
 */
static void run_case(struct core_test *sk, struct ring_buffer *rb, const char *name, const u64 *d,
		     unsigned num, u64 iova, unsigned level, unsigned granule, int unmap,
		     size_t want_runs)
{
	struct expand e = { xrecs, 0, 8192 };
	u64 size = 1ULL << ((4 - level) * (granule - 3) + 3), seq0;
	unsigned want = 0, bad = 0;
	size_t nring = 0;
	int ok;

	for (unsigned i = 0; i < num; i++)
		memcpy(mem + RUN_OFF + i * 8, &d[i], 8);
	while (want < num && !(unmap && !d[want]))
		want++;
	ring_buffer__consume(rb);
	nrecs = 0;
	seq0 = sk->bss->hl_seq;
	sk->bss->run_io = (struct run_io){ .off = RUN_OFF, .root = 0x80000000, .iova = iova, .size = size,
					   .num = num, .level = level, .granule = granule, .stage = 1,
					   .unmap = unmap };
	ok = !run(bpf_program__fd(sk->progs.test_runs));
	ring_buffer__consume(rb);
	ok &= !expand_all(&e, HL_K_PTE_RUN, &nring);
	for (unsigned i = 0; ok && i < want && i < e.n; i++) {
		const struct hl_record *x = &e.v[i];

		bad += x->hdr.kind != HL_K_PTE || x->hdr.seq != seq0 + 1 + i || x->pte.root != 0x80000000 ||
		       x->pte.iova != iova + i * size || x->pte.level != level || x->pte.granule != granule ||
		       x->pte.stage != 1 || x->pte.old_desc != (unmap ? d[i] : 0) ||
		       x->pte.new_desc != (unmap ? 0 : d[i]);
	}
	tap_ok(ok && e.n == want && !bad && nring == want_runs && sk->bss->hl_seq == seq0 + want,
	       "runs: %s: %u descriptors in %zu run record(s) (want %zu), expanded exactly (%u wrong), numbers %llu..%llu",
	       name, want, nring, want_runs, bad, (unsigned long long)seq0 + 1, (unsigned long long)seq0 + want);
}

static void test_runs(struct core_test *sk, struct ring_buffer *rb)
{
	static u64 d[8192];
	const u64 pa = 0x140000000ULL, attr = 0x743;	/* a page: AF, inner shareable, valid */

	for (unsigned i = 0; i < 512; i++)
		d[i] = (pa + i * 4096) | attr;
	run_case(sk, rb, "a 2 MiB map in 4 KiB pages", d, 512, 0x40000000, 3, 12, 0, 1);
	run_case(sk, rb, "its unmap", d, 512, 0x40000000, 3, 12, 1, 1);
	run_case(sk, rb, "count 1 (sent as the descriptor's HL_K_PTE)", d, 1, 0x40000000, 3, 12, 0, 1);
	run_case(sk, rb, "an unmap of count 1", d + 5, 1, 0x40005000, 3, 12, 1, 1);
	{
		u64 none = 0;

		run_case(sk, rb, "an unmap of 1 empty entry: nothing", &none, 1, 0x40000000, 3, 12, 1, 0);
	}
	run_case(sk, rb, "count 2", d, 2, 0x40000000, 3, 12, 0, 1);
	/* a descriptor that does not follow ends the run: [0..2] [X 4] [5 6] */
	d[3] = 0x180000000ULL | attr;
	run_case(sk, rb, "a map with one page elsewhere", d, 7, 0x40000000, 3, 12, 0, 3);
	/* non-contiguous old values in an unmap, which stops at the first empty entry: [0 1] [2 3] [4 5] */
	d[3] = (pa + 3 * 4096) | attr;
	d[2] = 0x200000000ULL | attr;
	d[3] = 0x200001000ULL | attr;
	d[6] = 0;
	run_case(sk, rb, "an unmap of non-contiguous pages, up to an empty entry", d, 10, 0x40000000, 3, 12, 1, 3);
	/* a table descriptor among blocks (level 2: a table the unmap takes down, then blocks) */
	{
		u64 t[4] = { 0x150000000ULL | 3, 0x160000000ULL | 0x741, 0x160200000ULL | 0x741,
			     0x160400000ULL | 0x741 };

		run_case(sk, rb, "a table replaced by blocks, level 2", t, 4, 0x40000000, 2, 12, 1, 2);
	}
	/* io-pgtable splits a range at a table's end: two calls, each a run in its own table */
	for (unsigned i = 0; i < 8; i++)
		d[i] = (pa + i * 4096) | attr;
	run_case(sk, rb, "the last 4 entries of a table", d, 4, 0x40000000 + 508 * 4096, 3, 12, 0, 1);
	run_case(sk, rb, "the first 4 of the next", d + 4, 4, 0x40200000, 3, 12, 0, 1);
	/* a 64 KiB granule: 8192 entries a table, read 64 at a time; a break at a chunk's edge */
	for (unsigned i = 0; i < 8192; i++)
		d[i] = (pa + i * 65536ULL) | attr;
	run_case(sk, rb, "8192 pages of 64 KiB (a whole table)", d, 8192, 0, 3, 16, 0, 1);
	d[64] ^= 1ULL << 52;	/* the contiguous hint on one page */
	run_case(sk, rb, "300 pages of 64 KiB, one different at 64", d, 300, 0, 3, 16, 0, 3);
	d[64] ^= 1ULL << 52;
	/* edges of the program's bpf_loop() steps (HL_RUN_STEP 8): a break at 8 and at 15, an unmap's stop at 8 */
	for (unsigned i = 0; i < 20; i++)
		d[i] = (pa + i * 4096) | attr;
	d[8] = 0x180000000ULL | attr;
	d[15] = 0x180001000ULL | attr;
	run_case(sk, rb, "a map with breaks at 8 and 15", d, 20, 0x40000000, 3, 12, 0, 5);
	d[8] = 0;
	run_case(sk, rb, "an unmap that stops at an empty entry at 8", d, 20, 0x40000000, 3, 12, 1, 1);
	/* descriptors that are not in arithmetic progression at all: one run per pair at best */
	for (unsigned i = 0; i < 8; i++)
		d[i] = (pa + ((i * i) << 12)) | attr;
	run_case(sk, rb, "pages in no progression", d, 8, 0x40000000, 3, 12, 0, 4);
}

/*
 * n commands and, when sync, a CMD_SYNC: only its opcode (the stock mode, at
 * the call's entry), or with full_sync its two qwords as the driver built
 * them (the series' arm_smmu_cmdq_batch hands them over).
 */
static void cmd_case_sync(struct core_test *sk, struct ring_buffer *rb, unsigned n, int sync,
			  int full_sync, size_t want_batches)
{
	struct expand e = { xrecs, 0, 8192 };
	unsigned total = n + !!sync, bad = 0;
	const u64 sc[2] = { HL_CMD_OP_SYNC | 2ULL << 12 | 0x1234ULL << 32, 0x8000f000ULL };
	size_t nring = 0;
	u64 seq0;
	int ok;

	for (unsigned i = 0; i < n; i++) {
		u64 c[2] = { 0x12 | (u64)(i + 1) << 32, 0x1000ULL * i };	/* TLBI_NH_VA-like */

		memcpy(mem + RUN_OFF + i * 16, c, 16);
	}
	memcpy(mem + RUN_OFF + 0x1000, sc, 16);	/* after the 64 commands at most */
	ring_buffer__consume(rb);
	nrecs = 0;
	seq0 = sk->bss->hl_seq;
	sk->bss->run_io = (struct run_io){ .off = RUN_OFF, .num = n, .smmu = 2, .sync = sync,
					   .sync_off = full_sync ? RUN_OFF + 0x1000 : 0 };
	ok = !run(bpf_program__fd(sk->progs.test_cmds));
	ring_buffer__consume(rb);
	ok &= !expand_all(&e, HL_K_CMD_BATCH, &nring);
	for (unsigned i = 0; ok && i < total && i < e.n; i++) {
		const struct hl_record *x = &e.v[i];
		int is_sync = sync && i == n;
		u64 w0 = is_sync ? (full_sync ? sc[0] : HL_CMD_OP_SYNC) : 0x12 | (u64)(i + 1) << 32;
		u64 w1 = is_sync ? (full_sync ? sc[1] : 0) : 0x1000ULL * i;

		bad += x->hdr.kind != HL_K_CMD || x->hdr.seq != seq0 + 1 + i || x->cmd.smmu != 2 ||
		       x->cmd.flags || x->cmd.cmd[0] != w0 || x->cmd.cmd[1] != w1;
	}
	tap_ok(ok && e.n == total && !bad && nring == want_batches && sk->bss->hl_seq == seq0 + total,
	       "batches: %u commands%s in %zu batch record(s) (want %zu), expanded exactly (%u wrong)",
	       n, sync ? (full_sync ? " and the CMD_SYNC the driver built" : " and a CMD_SYNC") : "",
	       nring, want_batches, bad);
}

static void cmd_case(struct core_test *sk, struct ring_buffer *rb, unsigned n, int sync, size_t want_batches)
{
	cmd_case_sync(sk, rb, n, sync, 0, want_batches);
}

static void test_batches(struct core_test *sk, struct ring_buffer *rb)
{
	cmd_case(sk, rb, 0, 1, 1);
	cmd_case(sk, rb, 1, 0, 1);
	cmd_case(sk, rb, 2, 1, 1);
	cmd_case(sk, rb, 8, 1, 1);
	cmd_case(sk, rb, 9, 1, 2);
	cmd_case(sk, rb, 64, 1, 8);
	/* the series' event: the CMD_SYNC's own qwords, also as the first of a record */
	cmd_case_sync(sk, rb, 0, 1, 1, 1);
	cmd_case_sync(sk, rb, 8, 1, 1, 1);
	cmd_case_sync(sk, rb, 9, 1, 1, 2);
	cmd_case_sync(sk, rb, 64, 1, 1, 8);
}

/*
 * A run as the kernel's arm_lpae_pte_run reports it (first descriptor and
 * steps): one record, whose expansion is each descriptor as io-pgtable-arm.c
 * wrote it; a run of one is the descriptor's HL_K_PTE record.
 */
static void run_event_case(struct core_test *sk, struct ring_buffer *rb, const char *name, u32 count,
			   u64 old, u64 old_step, u64 new, u64 new_step)
{
	struct expand e = { xrecs, 0, 8192 };
	const u64 iova = 0x40000000, size = 4096;
	unsigned bad = 0;
	size_t nring = 0;
	u64 seq0;
	int ok;

	ring_buffer__consume(rb);
	nrecs = 0;
	seq0 = sk->bss->hl_seq;
	sk->bss->run_io = (struct run_io){ .root = 0x80000000, .iova = iova, .size = size, .level = 3,
					   .granule = 12, .stage = 2, .count = count, .old = old,
					   .old_step = old_step, .new = new, .new_step = new_step };
	ok = !run(bpf_program__fd(sk->progs.test_run_event));
	ring_buffer__consume(rb);
	ok &= !expand_all(&e, HL_K_PTE_RUN, &nring);
	for (unsigned i = 0; ok && i < count && i < e.n; i++) {
		const struct hl_record *x = &e.v[i];

		bad += x->hdr.kind != HL_K_PTE || x->hdr.seq != seq0 + 1 + i || x->pte.root != 0x80000000 ||
		       x->pte.iova != iova + i * size || x->pte.level != 3 || x->pte.granule != 12 ||
		       x->pte.stage != 2 || x->pte.old_desc != old + i * old_step ||
		       x->pte.new_desc != new + i * new_step;
	}
	tap_ok(ok && e.n == count && !bad && nring == 1 && sk->bss->hl_seq == seq0 + count &&
	       (count != 1 || recs[0].hdr.kind == HL_K_PTE),
	       "kernel runs: %s: %u descriptors in %zu record(s), expanded exactly (%u wrong)",
	       name, count, nring, bad);
}

static void test_run_events(struct core_test *sk, struct ring_buffer *rb)
{
	const u64 page = 0x140000000ULL | 0x743;

	run_event_case(sk, rb, "a 2 MiB map in 4 KiB pages", 512, 0, 0, page, 4096);
	run_event_case(sk, rb, "its unmap", 512, page, 4096, 0, 0);
	run_event_case(sk, rb, "a run of one (the descriptor's HL_K_PTE)", 1, 0, 0, page, 0);
	run_event_case(sk, rb, "steps that wrap modulo 2^64", 3, 0, 0, ~0ULL - 4095, 4096);
}

/* ---- one arm_lpae_map_pages() call: its tables and leaves from two program runs ---- */
#define MAP_OFF		0x90000		/* in test_mem: the map cases' page tables */
#define MAP_END		0x100000
#define MAP_ATTR	0x740ULL	/* AF, inner shareable, unprivileged */
#define MAP_MAX_RECS	64

/* A page table in test_mem, and what io-pgtable-arm.c's calls on it wrote. */
struct lpae {
	unsigned start, bpl, pgd_bits, stage;
	u64 next;			/* the next table's offset: a bump allocator */
	int fail_alloc;			/* the nth table allocation fails (-ENOMEM); 0: none */
	struct hl_record want[MAP_MAX_RECS];	/* each write, as the per-level hooks recorded it */
	size_t nwant;
};

static void lpae_want(struct lpae *t, u64 iova, unsigned lvl, u64 old, u64 new)
{
	struct hl_record *r = &t->want[t->nwant < MAP_MAX_RECS ? t->nwant : MAP_MAX_RECS - 1];

	memset(r, 0, sizeof(*r));
	r->hdr.kind = HL_K_PTE;
	r->pte.root = TEST_PHYS_BASE + MAP_OFF;
	r->pte.iova = iova;
	r->pte.level = lvl;
	r->pte.granule = t->bpl + 3;
	r->pte.stage = t->stage;
	r->pte.old_desc = old;
	r->pte.new_desc = new;
	t->nwant++;
}

static u64 lpae_get(u64 off) { u64 v; memcpy(&v, mem + off, 8); return v; }

/*
 * io-pgtable-arm.c's __arm_lpae_map() (Linux 7.3) on test_mem, a model: the
 * same descent, the same writes in the same order (a table into an empty
 * slot, then the leaves up to the leaf table's end), each also noted as the
 * record it is.  Physical addresses are TEST_PHYS_BASE + the offset; below
 * 2^48, so a 64K granule's descriptor packs nothing.
 */
static int lpae_map(struct lpae *t, u64 iova, u64 paddr, u64 pgsize, u64 pgcount, unsigned lvl,
		    u64 tbl, u64 *mapped)
{
	unsigned shift = (4 - lvl) * t->bpl + 3, bits = lvl == t->start ? t->pgd_bits : t->bpl;
	u64 block = 1ULL << shift, ptes = 1ULL << t->bpl, gran = 8ULL << t->bpl;
	u64 idx = (iova >> shift) & ((1ULL << bits) - 1), ptep = tbl + idx * 8, pte;

	if (pgsize == block) {
		u64 max = ptes - (idx & (ptes - 1)), num = pgcount < max ? pgcount : max;

		for (u64 i = 0; i < num; i++)
			if (lpae_get(ptep + i * 8) & 1)
				return -EEXIST;		/* a leaf (no table below a leaf in these cases) */
		for (u64 i = 0; i < num; i++) {
			u64 d = MAP_ATTR | (lvl == 3 ? 3 : 1) | (paddr + i * block);

			put(ptep + i * 8, d);
			lpae_want(t, iova + i * block, lvl, 0, d);
		}
		*mapped += num * block;
		return 0;
	}
	if (lvl >= 3)
		return -EINVAL;
	pte = lpae_get(ptep);
	if (!pte) {
		u64 off = (t->next + gran - 1) & ~(gran - 1);

		if (t->fail_alloc && !--t->fail_alloc)
			return -ENOMEM;
		if (off + gran > MAP_END)
			return -ENOMEM;
		memset(mem + off, 0, gran);
		t->next = off + gran;
		pte = (TEST_PHYS_BASE + off) | 3;
		put(ptep, pte);
		lpae_want(t, iova & ~(block - 1), lvl, 0, pte);
	}
	if ((pte & 3) == 1)
		return -EEXIST;
	return lpae_map(t, iova, paddr, pgsize, pgcount, lvl + 1, (pte & 0xfffffffff000ULL) - TEST_PHYS_BASE,
			mapped);
}

static void lpae_new(struct lpae *t, unsigned start, unsigned bpl, unsigned pgd_bits, unsigned stage)
{
	memset(t, 0, sizeof(*t));
	t->start = start;
	t->bpl = bpl;
	t->pgd_bits = pgd_bits;
	t->stage = stage;
	memset(mem + MAP_OFF, 0, MAP_END - MAP_OFF);
	t->next = MAP_OFF + (8ULL << pgd_bits);
}

/*
 * One call, arm_lpae_map_pages(iova, pgsize, pgcount): the capture's entry,
 * the model's stores, the capture's exit.  What the ring holds, expanded,
 * must be the model's writes, in order (the tables top level first, then the
 * leaves), numbered without a gap, in want_ring ring records.
 */
static void map_case(struct core_test *sk, struct ring_buffer *rb, struct lpae *t, const char *name,
		     u64 iova, u64 pgsize, u64 pgcount, int want_ret, size_t want_ring)
{
	struct expand e = { xrecs, 0, 8192 };
	struct map_io *io = &sk->bss->map_io;
	u64 mapped = 0x3000, seq0;	/* *mapped need not start at 0: only the call's own part counts */
	size_t nring = 0;
	unsigned bad = 0;
	int ret, ok;

	t->nwant = 0;
	ring_buffer__consume(rb);
	nrecs = 0;
	seq0 = sk->bss->hl_seq;
	*io = (struct map_io){ .pgd_off = MAP_OFF, .root = TEST_PHYS_BASE + MAP_OFF, .iova = iova,
			       .pgsize = pgsize, .mapped = mapped, .start = t->start, .bpl = t->bpl,
			       .pgd_bits = t->pgd_bits, .stage = t->stage };
	ok = !run(bpf_program__fd(sk->progs.test_map_enter)) && !io->rc;
	ret = lpae_map(t, iova, 0x180000000ULL + (iova & 0xffffffffULL), pgsize, pgcount, t->start, MAP_OFF, &mapped);
	io->mapped = mapped;
	io->ret = ret;
	ok &= !run(bpf_program__fd(sk->progs.test_map_exit));
	ring_buffer__consume(rb);
	nring = nrecs;
	for (size_t i = 0; i < nrecs; i++) {
		char err[160];

		if (hl_record_check(&recs[i], sizeof(recs[i]), err, sizeof(err)) ||
		    (recs[i].hdr.kind != HL_K_PTE && recs[i].hdr.kind != HL_K_PTE_RUN)) {
			tap_diag("record %zu: kind %u: %s", i, recs[i].hdr.kind, err);
			ok = 0;
		}
		hl_record_expand(&recs[i], expand_take, &e);
	}
	for (size_t i = 0; ok && i < t->nwant && i < e.n; i++) {
		const struct hl_record *x = &e.v[i], *w = &t->want[i];

		if (x->hdr.kind != HL_K_PTE || x->hdr.seq != seq0 + 1 + i || x->pte.root != w->pte.root ||
		    x->pte.iova != w->pte.iova || x->pte.level != w->pte.level ||
		    x->pte.granule != w->pte.granule || x->pte.stage != w->pte.stage ||
		    x->pte.old_desc != w->pte.old_desc || x->pte.new_desc != w->pte.new_desc) {
			if (!bad)
				tap_diag("record %zu: level %u iova %#llx %#llx -> %#llx; want level %u iova %#llx %#llx -> %#llx",
					 i, x->pte.level, (unsigned long long)x->pte.iova,
					 (unsigned long long)x->pte.old_desc, (unsigned long long)x->pte.new_desc,
					 w->pte.level, (unsigned long long)w->pte.iova,
					 (unsigned long long)w->pte.old_desc, (unsigned long long)w->pte.new_desc);
			bad++;
		}
	}
	tap_ok(ok && ret == want_ret && e.n == t->nwant && !bad && nring == want_ring &&
	       sk->bss->hl_seq == seq0 + t->nwant,
	       "map path: %s: returned %d (want %d), %zu writes in %zu ring record(s) (want %zu in %zu), %u wrong",
	       name, ret, want_ret, e.n, nring, t->nwant, want_ring, bad);
}

static u32 verified_insns(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.verified_insns;
}

static void test_map_paths(struct core_test *sk, struct ring_buffer *rb)
{
	static struct lpae t;
	const u64 K4 = 4096, M2 = 2ULL << 20, G1 = 1ULL << 30;

	/* 4K granule, 48 bits: levels 0-3, a 512-entry pgd (stage 1, as the rig's VMMs') */
	lpae_new(&t, 0, 9, 9, 1);
	map_case(sk, rb, &t, "4K: a page in an empty table (3 tables, 1 leaf)", 0x12345000, K4, 1, 0, 4);
	map_case(sk, rb, &t, "4K: the next page (1 leaf)", 0x12346000, K4, 1, 0, 1);
	map_case(sk, rb, &t, "4K: 16 pages after it (1 run)", 0x12347000, K4, 16, 0, 1);
	map_case(sk, rb, &t, "4K: 4 pages from a table's last entry (1 table, clipped to 1 leaf)",
		 0x121ff000, K4, 4, 0, 2);
	map_case(sk, rb, &t, "4K: a 2 MiB block in a new level-2 table (1 table, 1 block)", 0x40000000, M2, 1, 0, 2);
	map_case(sk, rb, &t, "4K: a 1 GiB block at level 1 (1 block)", 0x80000000, G1, 1, 0, 1);
	map_case(sk, rb, &t, "4K: a page already mapped (-EEXIST: nothing)", 0x12345000, K4, 1, -EEXIST, 0);
	map_case(sk, rb, &t, "4K: a page inside a 2 MiB block (-EEXIST at level 2: nothing)", 0x40001000, K4, 1,
		 -EEXIST, 0);
	t.fail_alloc = 2;
	map_case(sk, rb, &t, "4K: the second table's allocation fails (-ENOMEM: the first table only)",
		 0x8000000000ULL, K4, 1, -ENOMEM, 1);
	map_case(sk, rb, &t, "4K: the same page again (the 2 tables below the one installed, 1 leaf)",
		 0x8000000000ULL, K4, 1, 0, 3);
	map_case(sk, rb, &t, "4K: 8K pages, no level's block size (tables down to level 2, -EINVAL)",
		 0x10000000000ULL, 2 * K4, 1, -EINVAL, 3);

	/* stage 2, 40-bit IPA: two concatenated level-1 tables (pgd_bits 10), the second half */
	lpae_new(&t, 1, 9, 10, 2);
	map_case(sk, rb, &t, "S2 concatenated: 3 pages in the second table (2 tables, 1 run)",
		 (0x201ULL << 30) + 0x5000, K4, 3, 0, 3);
	map_case(sk, rb, &t, "S2 concatenated: a 1 GiB block at the start level", 0x3ULL << 30, G1, 1, 0, 1);

	/* 64K granule, 48 bits: levels 1-3, a 64-entry pgd */
	lpae_new(&t, 1, 13, 6, 1);
	map_case(sk, rb, &t, "64K: 3 pages (2 tables, 1 run)", 0x40070000, 1 << 16, 3, 0, 3);
	map_case(sk, rb, &t, "64K: a 512 MiB block beside them (1 block)", 0x60000000, 512ULL << 20, 1, 0, 1);

	/* 16K granule, 48 bits: levels 0-3, a 2-entry pgd */
	lpae_new(&t, 0, 11, 1, 1);
	map_case(sk, rb, &t, "16K: a page at 1 << 47 (3 tables, 1 leaf)", (1ULL << 47) + (5ULL << 14), 1 << 14, 1, 0, 4);
	map_case(sk, rb, &t, "16K: a 32 MiB block at 1 << 36 (2 tables, 1 block)", 1ULL << 36, 32ULL << 20, 1, 0, 3);

	/*
	 * What the verifier pays at each load (the rig's guest: seconds in TCG):
	 * the exit is the run builder (hl_emit_runs()) and a walk of at most 3
	 * levels; the entry a walk.
	 */
	u32 ex = verified_insns(bpf_program__fd(sk->progs.test_map_exit)),
	    en = verified_insns(bpf_program__fd(sk->progs.test_map_enter)),
	    rn = verified_insns(bpf_program__fd(sk->progs.test_runs));
	tap_ok(ex && rn && ex <= rn + 4000 && en && en <= 2000,
	       "map path: the exit verifies in %u instructions (the run builder's %u + at most 4000), the entry in %u (at most 2000)",
	       ex, rn, en);
}

/* A run dropped on a full ring: every descriptor it held is counted lost, and reported. */
static void test_run_loss(struct core_test *sk, struct ring_buffer *rb)
{
	u64 d, lost0, lost1, lost2;

	for (unsigned i = 0; i < 512; i++) {
		d = (0x140000000ULL + i * 4096) | 0x743;
		memcpy(mem + RUN_OFF + i * 8, &d, 8);
	}
	ring_buffer__consume(rb);
	lost0 = stat(sk, HL_STAT_LOST_RINGBUF);
	sk->bss->emit_n = 50000;
	run(bpf_program__fd(sk->progs.test_emit));
	lost1 = stat(sk, HL_STAT_LOST_RINGBUF);
	sk->bss->run_io = (struct run_io){ .off = RUN_OFF, .root = 0x80000000, .iova = 0x40000000,
					   .size = 4096, .num = 512, .level = 3, .granule = 12,
					   .stage = 1 };
	run(bpf_program__fd(sk->progs.test_runs));
	lost2 = stat(sk, HL_STAT_LOST_RINGBUF);
	ring_buffer__consume(rb);
	nrecs = 0;
	sk->bss->emit_n = 1;
	run(bpf_program__fd(sk->progs.test_emit));
	ring_buffer__consume(rb);
	tap_ok(lost1 > lost0 && lost2 - lost1 == 512 && nrecs == 2 && recs[0].hdr.kind == HL_K_LOST &&
	       recs[0].lost.count == lost2 - lost0 && recs[1].hdr.seq == sk->bss->hl_seq,
	       "runs: a 512-descriptor run dropped on a full ring counts 512 lost (%llu), reported in HL_K_LOST (%llu)",
	       (unsigned long long)(lost2 - lost1), nrecs ? (unsigned long long)recs[0].lost.count : 0ULL);
}

int main(void)
{
	struct core_test *sk;
	struct ring_buffer *rb;
	__u32 zero = 0;

	recs = calloc(MAX_RECS, sizeof(*recs));
	sk = core_test__open_and_load();
	if (!tap_ok(sk != NULL, "core_test.bpf.o loads on this kernel (%s)", sk ? "ok" : strerror(errno)))
		return tap_done();
	rb = ring_buffer__new(bpf_map__fd(sk->maps.hl_events), on_record, NULL, NULL);
	mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(sk->maps.test_mem), 0);
	if (!tap_ok(rb && mem != MAP_FAILED, "ring buffer and the fake memory map"))
		return tap_done();
	(void)zero;

	test_steps(sk);

	build_image();
	walk(sk, rb, 0, 1, "in one trigger");
	walk_state();
	walk(sk, rb, 3, 2, "3 records per trigger");
	walk(sk, rb, 1, 3, "1 record per trigger");

	test_loss(sk, rb);
	test_wake(sk, rb);

	xrecs = calloc(8192, sizeof(*xrecs));
	test_runs(sk, rb);
	test_batches(sk, rb);
	test_run_events(sk, rb);
	test_run_loss(sk, rb);
	test_map_paths(sk, rb);
	return tap_done();
}
