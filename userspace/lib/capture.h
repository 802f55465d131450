/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF capture (lib/capture.c): the kernel's BTF and the capabilities
 * checked, bpf/'s programs loaded and attached (or the maps bpftool pinned),
 * the ring buffer read into a state (or a monitor's window) through the one
 * record intake (records.h), the walker driven.  What `snapshot`, `record`
 * and `monitor` share; none of them touches libbpf itself.
 */
#ifndef HL_CAPTURE_H
#define HL_CAPTURE_H

#include <stdbool.h>
#include "state.h"
#include "records.h"

#define HL_PIN_DIR "/sys/fs/bpf/hitless"	/* --pinned without DIR */

struct hitless;
struct hitless_tp;
struct cap_progs;
struct bpf_link;
struct ring_buffer;
struct hl_config;
struct hl_mon;

struct hl_cap {
	/* set before hl_cap_open() */
	int quiet;
	unsigned long ringbuf_bytes;	/* --buffer: 0 keeps the object's 8 MiB */
	struct hl_mon *mon;		/* monitor: records go to its window, not to st */
	int late_nowalk;		/* record --no-walk: no walk when the SMMUv3 driver comes late */
	unsigned walk_budget;		/* that walk's --budget (0: 4096) */

	struct hl_state st;		/* what the capture saw (records, walk, SMMUs) */
	u64 records;			/* records taken, runs and batches expanded (records.h) */
	u64 ring_records;		/* ring-buffer records they came in */
	unsigned mode;			/* enum hl_mode of the loaded programs */
	struct hl_intake in;		/* boot, seq_base (--trace), what was rejected */

	/* the loader's */
	struct hitless *sk;		/* stock-kernel mode: fentry/fexit */
	struct hitless_tp *sk_tp;	/* patched-kernel mode: the series' tracepoints */
	struct cap_progs *progs;	/* the loaded object's maps and programs (lib/capture.c); NULL
					   when using pinned maps */
	volatile struct hl_config *cfg;
	struct ring_buffer *rb;
	int events_fd, stats_fd, smmus_fd, walk_fd;
	u64 walk_gen;
	/* programs on a module's functions (kprobe events, armed as the module comes) */
	struct bpf_link *mlinks[16];	/* NULL: a pinned program, attached through mpfd */
	int mpfd[16];
	char mevents[16][64];
	int nmlinks;
	unsigned mods_pending;		/* bit per modprobe_mods[] entry: not loaded yet */
	int mods_armed[4];		/* per modprobe_mods[] entry: its programs armed */
	struct bpf_link *alinks[4];	/* the milestone kprobes at the SMMUv3 driver's addresses */
	int nalinks;
	/*
	 * The SMMUv3 driver as a module not loaded when the capture started:
	 * its programs (c->late_mask, by their index in the object) are loaded
	 * from a second open of the object, on the first one's maps, once it
	 * has loaded (lib/capture.c smmu_late_poll()).
	 */
	bool smmu_late;			/* still to come */
	bool late_failed;		/* came, and its programs could not be loaded (said): exit 2 */
	unsigned long long late_mask;
	u64 smmu_absent_ns;		/* the last look that did not find it (CLOCK_MONOTONIC) */
	u64 smmu_seen_ns;		/* the first that did */
	struct hitless *sk_late;
	struct cap_progs *progs_late;
	/* how full the ring buffer got (the positions the kernel maps for every reader) */
	volatile unsigned long *rb_cons, *rb_prod;
	u64 rb_size, rb_peak;
};

/*
 * Check the capabilities and the kernel's BTF, then load and attach
 * (only_walker: the walker alone; mode "auto", "fentry", "tracepoint" or
 * NULL = auto), or use the maps pinned under `pinned`.  verb names the
 * caller in errors.  0, or the exit status (HL_EXIT_*) after p_err; call
 * hl_cap_close() either way.
 */
int hl_cap_open(struct hl_cap *c, const char *pinned, int only_walker, const char *mode,
		const char *verb);
void hl_cap_close(struct hl_cap *c);
/* Walk every SMMU bound to arm-smmu-v3 (budget: records per trigger): the number walked, or -1. */
int hl_cap_walk(struct hl_cap *c, unsigned budget);
/* Wait up to ms for records, take them, arm the module programs whose module came: 0, or -1 after p_err. */
int hl_cap_poll(struct hl_cap *c, int ms);
/* Take what the ring buffer holds now. */
void hl_cap_drain(struct hl_cap *c);
/* Records lost so far: dropped by the BPF side (ring buffer full) or rejected by the intake. */
u64 hl_cap_dropped(struct hl_cap *c);
/* The SMMU section from what the BPF side learnt about each SMMU. */
void hl_cap_smmus(struct hl_cap *c);
/* Losses the BPF side counted and records the intake rejected, into c->st: the records lost. */
u64 hl_cap_losses(struct hl_cap *c);
/* The snapshot of c->st to out: 0, or -1 after p_err. */
int hl_cap_write(struct hl_cap *c, const char *out);
/*
 * record --verify: walk again; the state the log implies must equal the
 * walked one.  The number of differences (each named), or -1.
 */
int hl_cap_verify(struct hl_cap *c, unsigned budget);
/* The ring buffer's fill: sample now; the peak since the last hl_cap_ring_peak() and the size. */
void hl_cap_ring_sample(struct hl_cap *c);
void hl_cap_ring_peak(struct hl_cap *c, u64 *peak, u64 *size);

#endif
