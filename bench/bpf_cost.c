// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_cost: what the BPF side costs per record, on this machine's kernel:
 * the core logic the capture programs share (bpf/core.bpf.h, in the host
 * harness tests/bpf/core_test.bpf.c), run by BPF_PROG_TEST_RUN and timed by
 * the kernel's BPF run-time statistics.
 *
 *   bpf_cost base|step|emit|floor|rate [R]|capacity
 *
 * base      ns of a run that does nothing (the statistics' own cost)
 * step      ns per arm_smmu_write_entry() step classification (one STE write)
 * emit      ns per record reserved, filled and submitted to the ring buffer
 * rate [R]  records/s into the ring buffer at R records/s (default: as fast
 *           as possible) for a second, with a reader draining it; and how
 *           many were lost
 * capacity  records the ring buffer holds with no reader before loss starts
 * floor     ns of the kernel's helpers alone, per record: ring buffer
 *           reserve + submit, and bpf_ktime_get_ns()
 *
 * Prints "name value" lines for bench/run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "build.h"
#include "core_test.h"
#include "core_test.skel.h"

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
		fprintf(stderr, "usage: bpf_cost base|step|emit|floor|rate [R]|capacity\n");
		return 2;
	}
	core_test__destroy(sk);
	return 0;
}
