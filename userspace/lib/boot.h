/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_BOOT_H
#define HL_BOOT_H

#include <time.h>
#include "state.h"

/* This boot's identity and clocks (lib/boot.c). */
u64 hl_now_ns(clockid_t id);
/* One (CLOCK_MONOTONIC, counter) pair into s->clocks (arm64 only: elsewhere there is no counter). */
void hl_clock_sample(struct hl_state *s);
/* s's boot identity and first clock sample; its records are of `mode` (enum hl_mode). */
void hl_state_identity(struct hl_state *s, unsigned mode);

#endif
