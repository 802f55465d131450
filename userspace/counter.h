/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 generic timer's virtual counter, which keeps counting across
 * kexec while CLOCK_MONOTONIC restarts: every program of hitless that marks
 * an instant (the collector, the guest's init, the vmm workload) reads it
 * here, so all of them land on one timeline. Elsewhere than arm64 these
 * read 0 (no counter to correlate).
 */
#ifndef HL_COUNTER_H
#define HL_COUNTER_H

#include <stdint.h>
#include <time.h>

/* CNTVCT_EL0; the ISB keeps the read from being taken early. */
static inline uint64_t hl_cntvct(void)
{
#ifdef __aarch64__
	uint64_t v;

	asm volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
#else
	return 0;
#endif
}

/* CNTFRQ_EL0: the counter's frequency in Hz. */
static inline uint64_t hl_cntfrq(void)
{
#ifdef __aarch64__
	uint64_t v;

	asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
#else
	return 0;
#endif
}

/* CLOCK_MONOTONIC in ns: what the kernel's ktime_get_ns() reads. */
static inline uint64_t hl_ktime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#endif
