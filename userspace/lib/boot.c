// SPDX-License-Identifier: GPL-2.0
/*
 * This boot's identity (boot_id, release, host name) and its clocks
 * (CLOCK_MONOTONIC against the counter): what every capture records first.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include "boot.h"
#include "counter.h"

u64 hl_now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (u64)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static void read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, n, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* hl_hdr.boot: the first 8 bytes of boot_id (its first 16 hex digits). */
static u64 boot_of(const char *boot_id)
{
	u64 v = 0;
	int n = 0;

	for (const char *p = boot_id; *p && n < 16; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

		if (d < 0)
			continue;
		v = v << 4 | d;
		n++;
	}
	return v;
}

void hl_clock_sample(struct hl_state *s)
{
#if defined(__aarch64__)
	struct hl_clock_disk c = { .boot = s->meta.boot };
	u64 k0 = hl_now_ns(CLOCK_MONOTONIC), v = hl_cntvct(), k1;

	k1 = hl_now_ns(CLOCK_MONOTONIC);
	c.ktime = k0 + (k1 - k0) / 2;
	c.cntvct = v;
	VEC_PUSH(s->clocks, c);
#else
	(void)s;
#endif
}

void hl_state_identity(struct hl_state *s, unsigned mode)
{
	struct hl_boot_disk b = { 0 };
	struct utsname u;

	uname(&u);
	snprintf(s->meta.release, sizeof(s->meta.release), "%s", u.release);
	snprintf(s->meta.hostname, sizeof(s->meta.hostname), "%.63s", u.nodename);
	read_line("/proc/sys/kernel/random/boot_id", s->meta.boot_id, sizeof(s->meta.boot_id));
	s->meta.boot = boot_of(s->meta.boot_id);
	s->meta.mode = mode;
	b.boot = s->meta.boot;
	memcpy(b.boot_id, s->meta.boot_id, sizeof(b.boot_id));
	memcpy(b.release, s->meta.release, sizeof(b.release));
	b.cntfrq = hl_cntfrq();
	VEC_PUSH(s->boots, b);
	hl_clock_sample(s);
}
