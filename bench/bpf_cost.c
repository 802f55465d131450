// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_cost: what the BPF side costs per record, on this machine's kernel:
 * the core logic the capture programs share (bpf/core.bpf.h, in the host
 * harness tests/bpf/core_test.bpf.c), run by BPF_PROG_TEST_RUN and timed by
 * the kernel's BPF run-time statistics.
 *
 *   bpf_cost base|step|emit|run|batch|floor|rate [R]|capacity|drain record|monitor [N]
 *
 * base      ns of a run that does nothing (the statistics' own cost)
 * step      ns per arm_smmu_write_entry() step classification (one STE write)
 * emit      ns per record reserved, filled and submitted to the ring buffer
 * run       ns per descriptor of a 2 MiB map in 4 KiB pages as the stock mode
 *           records it (core.bpf.h hl_emit_runs(): one run record for the 512
 *           descriptors, read from memory in chunks), and the records it took
 * batch     ns per command of a cmdlist call of 16 commands and its CMD_SYNC
 *           (hl_emit_cmds(): two batch records), and the records it took
 * rate [R]  records/s into the ring buffer at R records/s (default: as fast
 *           as possible) for a second, with a reader draining it; and how
 *           many were lost
 * capacity  records the ring buffer holds with no reader before loss starts
 * floor     ns of the kernel's helpers alone, per record: ring buffer
 *           reserve + submit, and bpf_ktime_get_ns()
 * drain     the collector's own CPU per record it takes off the ring: N
 *           (default 262144, 1 GiB in 4 KiB pages) page-table records, in runs
 *           of 512 (2 MiB), drained by a thread that does what `hitless
 *           record` (intake, state model) or `hitless monitor` (intake, the
 *           monitor's window, a judgement at most every 100 ms) does with
 *           each; its thread CPU time over the records, and how many were lost
 *
 * Prints "name value" lines for bench/run.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "build.h"
#include "core_test.h"
#include "core_test.skel.h"
#include "records.h"
#include "state.h"
#include "monitor.h"

static struct core_test *sk;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_once(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, o);

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o) || o.retval) {
		fprintf(stderr, "bpf_cost: BPF_PROG_TEST_RUN of %s failed\n", bpf_program__name(prog));
		exit(2);
	}
}

/*
 * Average ns per run of `prog` over `runs` runs, as the kernel's BPF run-time
 * statistics count it (the program alone, not the syscall around it): raw
 * tracepoint programs take no BPF_PROG_TEST_RUN repeat, and the statistics
 * are also what the rig reads for the attached fentry programs.
 */
static double run_ns(struct bpf_program *prog, unsigned runs)
{
	struct bpf_prog_info a = {}, b = {};
	__u32 la = sizeof(a), lb = sizeof(b);
	int fd = bpf_program__fd(prog);

	bpf_obj_get_info_by_fd(fd, &a, &la);
	for (unsigned i = 0; i < runs; i++)
		run_once(prog);
	bpf_obj_get_info_by_fd(fd, &b, &lb);
	if (b.run_cnt - a.run_cnt != runs) {
		fprintf(stderr, "bpf_cost: %s ran %llu times, not %u: are BPF stats on?\n",
			bpf_program__name(prog), (unsigned long long)(b.run_cnt - a.run_cnt), runs);
		exit(2);
	}
	return (double)(b.run_time_ns - a.run_time_ns) / runs;
}

static u64 stat(unsigned i)
{
	u64 v = 0;
	__u32 k = i;

	bpf_map__lookup_elem(sk->maps.hl_stats, &k, sizeof(k), &v, sizeof(v), 0);
	return v;
}

static void reset_stats(void)
{
	for (__u32 k = 0; k < HL_STAT_MAX; k++) {
		u64 z = 0;

		bpf_map__update_elem(sk->maps.hl_stats, &k, sizeof(k), &z, sizeof(z), 0);
	}
	sk->bss->hl_lost_pending = 0;
}

static atomic_ullong consumed;
static atomic_int stop;

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	if (len == sizeof(struct hl_record))
		consumed++;
	return 0;
}

static void *reader(void *arg)
{
	struct ring_buffer *rb = arg;

	while (!stop)
		ring_buffer__poll(rb, 10);
	ring_buffer__consume(rb);
	return NULL;
}

/* ---- drain: the collector's side (userspace/lib: records, state, monitor) ---- */

struct drain_ctx {
	int monitor;
	struct hl_intake in;
	struct hl_state st;
	struct hl_mon mon;
	unsigned long long taken, rejected, findings, judgements;
	double judge_cpu;
	u64 judged_at, judged;
};

static void drain_take(void *arg, const struct hl_record *r)
{
	struct drain_ctx *d = arg;

	if (d->monitor)
		hl_mon_feed(&d->mon, r);
	else
		hl_state_apply(&d->st, r);
	d->taken++;
}

static int on_drain(void *ctx, void *data, size_t len)
{
	struct drain_ctx *d = ctx;

	if (hl_intake(&d->in, data, len, drain_take, d) < 0)
		d->rejected++;
	return 0;
}

static void on_finding(const struct hl_finding *f, void *arg)
{
	(void)f;
	((struct drain_ctx *)arg)->findings++;
}

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static atomic_ullong drained;

static void *drain_reader(void *arg)
{
	struct drain_ctx *d = arg;
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(sk->maps.hl_events), on_drain, d, NULL);
	double c0 = thread_cpu(), c1;

	if (!rb) {
		fprintf(stderr, "bpf_cost: ring_buffer__new: %m\n");
		exit(2);
	}
	/* as hl_cap_poll() does: poll, then consume what is below the wake-up mark */
	for (;;) {
		int last = stop;

		ring_buffer__poll(rb, 100);
		ring_buffer__consume(rb);
		if (d->monitor) {
			u64 t = (u64)(now() * 1e9);

			if (d->mon.records != d->judged && t - d->judged_at >= HL_MON_SETTLE_NS) {
				d->judged_at = t;
				d->judged = d->mon.records;
				d->judge_cpu -= thread_cpu();
				hl_mon_judge(&d->mon, t, on_finding, d);
				d->judge_cpu += thread_cpu();
				d->judgements++;
			}
		}
		drained = d->taken + d->rejected;
		if (last)
			break;
	}
	c1 = thread_cpu();
	ring_buffer__free(rb);
	printf("drain_cpu_s %.6f\n", c1 - c0);
	return NULL;
}

static void drain(void)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(sk->maps.hl_events), on_record, NULL, NULL);

	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	libbpf_set_print(NULL);
	/* Run-time statistics stay on while this fd is open. */
	if (bpf_enable_stats(BPF_STATS_RUN_TIME) < 0) {
		fprintf(stderr, "bpf_cost: cannot enable BPF run-time statistics (root?)\n");
		return 2;
	}
	sk = core_test__open_and_load();
	if (!sk) {
		fprintf(stderr, "bpf_cost: cannot load the BPF harness (root? BTF?)\n");
		return 2;
	}
	if (!strcmp(what, "base")) {
		sk->bss->emit_n = 0;
		printf("base_ns %.1f\n", run_ns(sk->progs.test_emit, 200000));
	} else if (!strcmp(what, "step")) {
		/* The critical-qword step of an S1 CD-table STE to bypass. */
		struct step_io *io = &sk->bss->step_io;
		u64 a[8], b[8];

		mk_cdtable_ste(a, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab_dma_addr, T_ATS);
		mk_bypass_ste(b);
		memcpy(io->entry, a, 64);
		memcpy(io->target, b, 64);
		hl_ste_get_used(a, io->cur_used);
		hl_ste_get_used(b, io->tgt_used);
		hl_ste_get_update_safe(a, b, io->safe);
		memcpy(io->before, a, 64);
		memcpy(io->after, b, 64);
		printf("step_ns %.1f\n", run_ns(sk->progs.test_step, 200000));
	} else if (!strcmp(what, "emit")) {
		/* 1 record per run and 20000 runs fit the 8 MiB ring: no loss path. */
		double one, none;

		sk->bss->emit_n = 0;
		none = run_ns(sk->progs.test_emit, 20000);
		sk->bss->emit_n = 1;
		reset_stats();
		one = run_ns(sk->progs.test_emit, 20000);
		if (stat(HL_STAT_LOST_RINGBUF)) {
			fprintf(stderr, "bpf_cost: records lost while measuring emit\n");
			return 2;
		}
		drain();
		printf("emit_ns %.1f\n", one - none);
	} else if (!strcmp(what, "run") || !strcmp(what, "batch")) {
		/* as the stock mode's io-pgtable and cmdq programs call them; 2000 calls fit the ring */
		int is_run = !strcmp(what, "run");
		unsigned per = is_run ? 512 : 17, calls = 2000;
		u8 *mem = mmap(NULL, TEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(sk->maps.test_mem), 0);
		double one, none;
		u64 seq0;

		if (mem == MAP_FAILED) {
			fprintf(stderr, "bpf_cost: mmap of test_mem: %m\n");
			return 2;
		}
		for (unsigned i = 0; i < 512; i++) {
			u64 d = (0x140000000ULL + i * 4096ULL) | 0x743;	/* page, AF, inner shareable */
			u64 c[2] = { 0x12 | (u64)(i + 1) << 32, 0x40000000ULL + i * 4096ULL };	/* TLBI_NH_VA */

			if (is_run)
				memcpy(mem + i * 8, &d, 8);
			else if (i < 16)
				memcpy(mem + i * 16, c, 16);
		}
		sk->bss->run_io = (struct run_io){ .root = 0x80000000, .iova = 0x40000000, .size = 4096,
						   .num = is_run ? 512 : 16, .level = 3, .granule = 12,
						   .stage = 1, .sync = 1 };
		reset_stats();
		sk->bss->run_io.num = 0;
		sk->bss->run_io.sync = 0;
		none = run_ns(is_run ? sk->progs.test_runs : sk->progs.test_cmds, calls);
		drain();
		sk->bss->run_io.num = is_run ? 512 : 16;
		sk->bss->run_io.sync = 1;
		seq0 = sk->bss->hl_seq;
		consumed = 0;
		one = run_ns(is_run ? sk->progs.test_runs : sk->progs.test_cmds, calls);
		if (stat(HL_STAT_LOST_RINGBUF) || sk->bss->hl_seq - seq0 != (u64)per * calls) {
			fprintf(stderr, "bpf_cost: records lost, or not %u numbers a call, while measuring %s\n",
				per, what);
			return 2;
		}
		drain();
		printf("%s_ns_per_%s %.2f\n", what, is_run ? "descriptor" : "command", (one - none) / per);
		printf("%s_ns_per_call %.1f\n", what, one - none);
		printf("%s_records_per_call %.2f\n", what, (double)consumed / calls);
	} else if (!strcmp(what, "floor")) {
		double one, none;

		for (unsigned w = 1; w <= 2; w++) {
			sk->bss->floor_what = w;
			sk->bss->emit_n = 0;
			none = run_ns(sk->progs.test_floor, 20000);
			sk->bss->emit_n = 1;
			one = run_ns(sk->progs.test_floor, 20000);
			drain();
			printf("%s %.1f\n", w == 1 ? "floor_ringbuf_ns" : "floor_ktime_ns", one - none);
		}
	} else if (!strcmp(what, "rate")) {
		/* Paced: bursts of 1000 at `want` records/s (0: as fast as it goes). */
		struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(sk->maps.hl_events), on_record, NULL, NULL);
		double want = argc > 2 ? atof(argv[2]) : 0, t0, t1;
		unsigned long long produced = 0;
		pthread_t t;

		reset_stats();
		pthread_create(&t, NULL, reader, rb);
		sk->bss->emit_n = 1000;
		t0 = now();
		while ((t1 = now()) - t0 < 1.0) {
			if (want > 0 && produced >= want * (t1 - t0))
				continue;
			run_once(sk->progs.test_emit);
			produced += 1000;
		}
		t1 = now();
		stop = 1;
		pthread_join(t, NULL);
		ring_buffer__free(rb);
		printf("rate_records_per_s %.0f\n", produced / (t1 - t0));
		printf("rate_lost %llu\n", (unsigned long long)stat(HL_STAT_LOST_RINGBUF));
		printf("rate_consumed %llu\n", (unsigned long long)consumed);
	} else if (!strcmp(what, "drain") && argc > 2 &&
		   (!strcmp(argv[2], "record") || !strcmp(argv[2], "monitor"))) {
		unsigned long long n = argc > 3 ? strtoull(argv[3], NULL, 0) : 262144, produced = 0;
		struct drain_ctx d = { .monitor = !strcmp(argv[2], "monitor") };
		pthread_t t;

		if (!n || n % 512) {
			fprintf(stderr, "bpf_cost: drain N: a multiple of 512\n");
			return 2;
		}
		if (d.monitor)
			hl_mon_init(&d.mon, NULL, 0, 65536);	/* monitor's default --window */
		else
			hl_state_init(&d.st);
		drain();
		reset_stats();
		pthread_create(&t, NULL, drain_reader, &d);
		sk->bss->emit_n = 512;
		while (produced < n) {
			/* never more than half the ring ahead of the reader: loss is not what this measures */
			while (produced - drained > 16384)
				sched_yield();
			run_once(sk->progs.test_emit_pte);
			produced += 512;
		}
		while (drained < produced && !stat(HL_STAT_LOST_RINGBUF))
			sched_yield();
		stop = 1;
		pthread_join(t, NULL);
		printf("drain_records %llu\n", d.taken);
		printf("drain_rejected %llu\n", d.rejected);
		printf("drain_lost %llu\n", (unsigned long long)stat(HL_STAT_LOST_RINGBUF));
		if (d.monitor) {
			printf("drain_judgements %llu\n", d.judgements);
			printf("drain_judge_cpu_s %.6f\n", d.judge_cpu);
			hl_mon_free(&d.mon);
		}
		else
			hl_state_free(&d.st);
	} else if (!strcmp(what, "capacity")) {
		u64 seq0;

		reset_stats();
		drain();
		seq0 = sk->bss->hl_seq;
		sk->bss->emit_n = 100000;
		run_once(sk->progs.test_emit);
		/* every record takes a sequence number, kept or dropped */
		printf("capacity_records %llu\n",
		       (unsigned long long)(sk->bss->hl_seq - seq0 - stat(HL_STAT_LOST_RINGBUF)));
		printf("capacity_lost_of_100000 %llu\n", (unsigned long long)stat(HL_STAT_LOST_RINGBUF));
	} else {
		fprintf(stderr, "usage: bpf_cost base|step|emit|floor|rate [R]|capacity|drain record|monitor [N]\n");
		return 2;
	}
	core_test__destroy(sk);
	return 0;
}
