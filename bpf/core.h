/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The capture's control types, shared by the BPF side (core.bpf.h,
 * smmu.bpf.h, the objects' sources) and the loaders (userspace/lib/capture.c,
 * tests/bpf): the counters of hl_stats, the configuration, the walker's control block and
 * what hl_smmus holds per SMMU.  The records themselves are hitless.h.
 */
#ifndef HITLESS_CORE_H
#define HITLESS_CORE_H

#include "hitless.h"

/* Counters in the hl_stats map (read by the collector, pinned or not). */
enum hl_stat {
	HL_STAT_UNUSED0		= 0,	/* was records submitted: hl_seq - LOST_RINGBUF */
	HL_STAT_LOST_RINGBUF	= 1,	/* bpf_ringbuf_reserve() failed: record dropped */
	HL_STAT_LOST_RECORDS	= 2,	/* HL_K_LOST records submitted */
	HL_STAT_WALK_RETRY	= 3,	/* walker stopped on a full ring buffer (resumed, not lost) */
	HL_STAT_READ_FAULT	= 4,	/* bpf_probe_read_kernel() failed */
	HL_STAT_WCTX_MISS	= 5,	/* entry-writer sync with no write_entry context */
	HL_STAT_MAX		= 16,
};

/* Configuration the loader may set before load (or in the pinned .data map). */
struct hl_config {
	__u64 boot;		/* hl_hdr.boot: first 8 bytes of this boot's boot_id */
	__u32 ste_from_cfgi;	/* read the STE behind each CFGI_STE (no entry-writer hooks) */
	__u32 pad;
};

#define HL_STRTAB_SPLIT		8	/* the driver's 2-level split: 256 STEs per L2 */
#define HL_MAX_PT_ENTRIES	(1 << 13)	/* a 64K-granule table; concatenated S2 roots too */

enum hl_walk_phase {
	HL_WP_STE	= 0,
	HL_WP_CD	= 1,
	HL_WP_PT	= 2,
};

enum hl_walk_state {
	HL_WS_IDLE	= 0,
	HL_WS_RUN	= 1,	/* asked for, or stopped on a full ring buffer: trigger again */
	HL_WS_DONE	= 2,
	HL_WS_ERROR	= 3,
};

/*
 * One walk of one SMMU.  The loader fills the inputs and sets state to
 * HL_WS_RUN; each trigger advances the cursor until the walk ends, the
 * ring buffer is full, or `budget` records were emitted.
 */
struct hl_walk {
	/* inputs */
	__u64 smmu_ptr;		/* the arm_smmu_device to walk (the trigger fills the rest) */
	__u64 strtab;		/* virtual: linear stream table, or the L1 table */
	__u64 delta;		/* linear map: virt - phys (0: take it from the trigger) */
	__u64 gen;		/* walk generation: roots walked in this one are skipped */
	__u32 smmu;
	__u32 two_level;	/* stream table format: 0 linear, 1 two-level */
	__u32 nents;		/* linear: STEs; two-level: L1 descriptors */
	__u32 budget;		/* records per trigger, 0: no bound */
	/* control and results */
	__u32 state;		/* enum hl_walk_state */
	__s32 error;		/* with HL_WS_ERROR: -errno */
	__u64 err_addr;		/* ... and the address that could not be read */
	__u64 n_ste, n_cd, n_pte, n_visit, n_triggers;
	/* cursor */
	__u32 phase;		/* enum hl_walk_phase */
	__u32 sid;
	__u32 ssid;
	__u32 ncd;		/* CDs behind the current STE */
	__u64 ste[HL_ENTRY_QWORDS];
	__u64 cdbase;		/* virtual */
	__u32 cdfmt;
	__u32 s2_pending;	/* the STE's stage-2 table is still to walk */
	/* page-table walk */
	__u64 root;
	__u8 granule, stage, start, level;
	__u32 ret_phase;	/* where a finished table walk returns */
	__u64 tbl[4];		/* virtual address of the table at each level */
	__u64 base[4];		/* first IOVA the table at each level maps */
	__u32 idx[4];
	__u32 nent[4];
};

/*
 * Where the SMMUv3 driver's struct arm_smmu_device keeps what the walker's
 * trigger reads, found by the loader in the kernel's BTF
 * (userspace/lib/kbtf.c): a kernel that builds both Arm SMMU drivers
 * (ARM_SMMU=y, ARM_SMMU_V3=y: every distribution's) has two types of that
 * name, and a CO-RE read through the name is ambiguous (bpf/README.md).
 */
enum hl_smmu_field {
	HL_SF_FEATURES,
	HL_SF_OPTIONS,
	HL_SF_SID_BITS,
	HL_SF_SSID_BITS,
	HL_SF_L1TAB,		/* strtab_cfg.l2.l1tab */
	HL_SF_L1_DMA,		/* strtab_cfg.l2.l1_dma */
	HL_SF_NUM_L1_ENTS,	/* strtab_cfg.l2.num_l1_ents */
	HL_SF_TABLE,		/* strtab_cfg.linear.table */
	HL_SF_STE_DMA,		/* strtab_cfg.linear.ste_dma */
	HL_SF_NUM_ENTS,		/* strtab_cfg.linear.num_ents */
	HL_SF_DEV,
	HL_SF_BASE,		/* the MMIO mapping */
	/* the SMMU's identity as the driver knows it: optional (size 0 when the BTF lacks one) */
	HL_SF_OAS,		/* unsigned long oas: bits */
	HL_SF_PGSIZE,		/* unsigned long pgsize_bitmap */
	HL_SF_ASID_BITS,
	HL_SF_VMID_BITS,
	HL_SF_MAX
};
#define HL_SF_FIRST_OPTIONAL	HL_SF_OAS

/*
 * hl_smmu_info.known: what the walker's trigger read about an SMMU.  A field
 * whose bit is clear was not captured: unknown, whatever its value (0).
 */
enum hl_smmu_known {
	HL_SK_FEATURES	= 1 << 0,
	HL_SK_OPTIONS	= 1 << 1,
	HL_SK_SID_BITS	= 1 << 2,
	HL_SK_SSID_BITS	= 1 << 3,
	HL_SK_OAS	= 1 << 4,
	HL_SK_PGSIZE	= 1 << 5,
	HL_SK_ASID_BITS	= 1 << 6,
	HL_SK_VMID_BITS	= 1 << 7,
	HL_SK_IDR0	= 1 << 8,	/* ... HL_SK_IDR0 << k: SMMU_IDRk read */
};
#define HL_SK_IDR(k)	(HL_SK_IDR0 << (k))
#define HL_SK_IDR_ALL	(0x3f * HL_SK_IDR0)

struct hl_smmu_layout {
	__u32 set;		/* 0: not set yet, the walker's trigger does nothing; else how
				   many struct arm_smmu_device the kernel's BTF has */
	__u16 off[HL_SF_MAX];	/* byte offset in struct arm_smmu_device */
	__u8 size[HL_SF_MAX];	/* bytes, 1 to 8 */
};

/* What the collector needs about each SMMU; hl_smmus is keyed by the kernel pointer. */
struct hl_smmu_info {
	__u32 id;		/* the records' smmu: order of discovery in this boot */
	__u32 features;		/* ARM_SMMU_FEAT_* */
	__u32 options;
	__u32 sid_bits;
	__u32 ssid_bits;
	__u32 two_level;
	__u32 nents;		/* linear: STEs; two-level: L1 descriptors */
	__u32 pad;
	__u64 strtab;		/* virtual */
	__u64 strtab_dma;
	__u64 ptr;		/* struct arm_smmu_device * */
	__u64 base;		/* MMIO base (physical), from the platform device */
	__u32 idr[6];		/* SMMU_IDR0..5 as read at discovery, each a 32-bit load */
	__u32 known;		/* enum hl_smmu_known: which fields were read */
	__u64 mmio;		/* smmu->base: the registers' mapping (virtual) */
	/* the bound driver's own probe and shutdown (its struct platform_driver) */
	__u64 drv_probe, drv_shutdown;
	/* the driver's identity of the SMMU (struct arm_smmu_device) */
	__u64 oas;		/* output address size, bits */
	__u64 pgsize_bitmap;
	__u32 asid_bits, vmid_bits;
};

/*
 * One arm_lpae_map_pages() call's path from the pgd, as its entry found it
 * (core.bpf.h hl_map_path_enter()), kept for its exit.
 */
struct hl_map_path {
	__u64 pgd;		/* virtual: the start level's table (data->pgd) */
	__u64 delta;		/* linear map: virt - phys */
	__u64 root;		/* physical: TTBR or VTTBR, the table the records name */
	__u64 iova;
	__u64 mapped;		/* *mapped at entry */
	__u64 slot[4];		/* the descriptor's address at each level of the path, at entry */
	__u64 old[4];		/* ... and its value then */
	__u8 start;		/* data->start_level */
	__u8 leaf;		/* the level whose block size is pgsize; 4: none (the kernel WARNs at 3) */
	__u8 bpl;		/* bits per level: the granule is bpl + 3 */
	__u8 pgd_bits;		/* index bits at the start level (a concatenated pgd: more) */
	__u8 stage;
	__u8 end;		/* levels start..end-1 were read at entry */
	__u8 mode;		/* enum hl_mode */
	__u8 pad;
};

#endif /* HITLESS_CORE_H */
