/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hitless event records: the one definition shared by the BPF programs
 * (the programs in bpf/, built against vmlinux.h) and the userspace collector.
 *
 * Every record is HL_RECORD_SIZE bytes: a common header and one payload.
 * Fixed size keeps the ring buffer, the persistent trace buffer reader and
 * the snapshot's event log the same array of the same struct.  Layout is
 * little-endian, naturally aligned, with explicit padding; the snapshot
 * stores records byte for byte, so any change here bumps HL_RECORD_VERSION.
 *
 * Names follow the Arm SMMUv3 specification (IHI 0070) and the Linux 7.3
 * driver (drivers/iommu/arm/arm-smmu-v3/).
 */
#ifndef HITLESS_H
#define HITLESS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * 2: hl_iommufd.src (was pad0, zero in version 1).
 * 3: the producer kinds HL_K_PTE_RUN and HL_K_CMD_BATCH (a run of
 *    descriptors, a batch of commands, each one record); the intake
 *    (userspace/lib/records.c hl_intake()) expands them into the HL_K_PTE and
 *    HL_K_CMD records of version 2, so a snapshot's event log holds only
 *    those and reads as before.
 */
#define HL_RECORD_VERSION	3
#define HL_RECORD_VERSION_MIN	1	/* oldest a reader takes: version 1 reads as 2 with src 0 */
#define HL_RECORD_SIZE		192
#define HL_ENTRY_QWORDS		8	/* STE and CD are both 64 bytes */
#define HL_MAX_ATTACH_SIDS	8
#define HL_NOTE_LEN		32

enum hl_kind {
	HL_K_NONE	= 0,
	HL_K_STE	= 1,	/* Stream Table Entry write */
	HL_K_CD		= 2,	/* Context Descriptor write */
	HL_K_PTE	= 3,	/* I/O page-table descriptor write */
	HL_K_CMD	= 4,	/* command entering the command queue */
	HL_K_ATTACH	= 5,	/* arm_smmu_attach_prepare/commit outcome */
	HL_K_IOMMUFD	= 6,	/* iommufd IOAS/HWPT operation */
	HL_K_MILESTONE	= 7,	/* live-update phase or user marker */
	HL_K_LOST	= 8,	/* records dropped by the producer */
	HL_K_REG	= 9,	/* SMMU register write (CR0, GBPA, STRTAB_BASE...) */
	HL_K_PTE_RUN	= 10,	/* a run of descriptor writes (producers only: expanded at intake) */
	HL_K_CMD_BATCH	= 11,	/* a batch of commands (producers only: expanded at intake) */
	HL_K_MAX
};

/* Which producer made the record (bpf/README.md: the stock, patched-kernel and walker modes). */
enum hl_mode {
	HL_MODE_UNKNOWN		= 0,
	HL_MODE_TRACEPOINT	= 1,	/* patched kernel: exact before/after */
	HL_MODE_FENTRY		= 2,	/* stock kernel: fentry/fexit/kprobe */
	HL_MODE_WALKER		= 3,	/* state walk at snapshot time */
	HL_MODE_SYNTHETIC	= 4,	/* built by a test or a fixture */
};

/*
 * Steps of arm_smmu_write_entry() (arm-smmu-v3.c).  Each STE/CD write record
 * is one entry_set() call that changed the entry; the driver follows each
 * with a sync (CFGI + CMD_SYNC), the point where the SMMU may observe it.
 */
enum hl_entry_step {
	HL_STEP_UNKNOWN	= 0,	/* producer cannot tell (fentry on CFGI) */
	HL_STEP_UNUSED	= 1,	/* hitless: set bits the current entry ignores */
	HL_STEP_CRITICAL = 2,	/* hitless: the one critical qword */
	HL_STEP_FINAL	= 3,	/* hitless: clear bits the target ignores */
	HL_STEP_BREAK	= 4,	/* breaking: qword 0 = 0 (V=0) */
	HL_STEP_FILL	= 5,	/* breaking: qwords 1..7 */
	HL_STEP_SETV	= 6,	/* breaking: qword 0 with V=1 */
	HL_STEP_ONESHOT	= 7,	/* no used bit changes: all qwords at once */
	HL_STEP_MAX
};

/*
 * CMD_SYNC's opcode (cmd[0] bits 7:0): a sync completion record carries
 * it, from whichever producer (the stock mode sees only the opcode).
 */
#define HL_CMD_OP_SYNC		0x46

/* Command record flags. */
#define HL_CMD_F_SYNC_DONE	(1u << 0)	/* CMD_SYNC completed (consumed) */
#define HL_CMD_F_ERROR		(1u << 1)	/* CERROR reported on this command */

enum hl_attach_outcome {
	HL_ATTACH_NO_CHANGE	= 0,
	HL_ATTACH_HITLESS	= 1,
	HL_ATTACH_BREAKING	= 2,
	HL_ATTACH_FAILED	= 3,
};

enum hl_iommufd_op {
	HL_IOMMUFD_IOAS_MAP	= 1,
	HL_IOMMUFD_IOAS_UNMAP	= 2,
	HL_IOMMUFD_HWPT_ALLOC	= 3,
	HL_IOMMUFD_HWPT_ATTACH	= 4,
	HL_IOMMUFD_HWPT_REPLACE	= 5,
	HL_IOMMUFD_HWPT_DETACH	= 6,
	HL_IOMMUFD_MAX
};

enum hl_milestone_id {
	HL_MS_LUO_PREPARE	= 1,
	HL_MS_LUO_FREEZE	= 2,
	HL_MS_LUO_FINISH	= 3,
	HL_MS_KHO_FINALIZE	= 4,
	HL_MS_KEXEC_REBOOT	= 5,	/* old kernel's last instant */
	HL_MS_KERNEL_START	= 6,	/* new kernel's first instant */
	HL_MS_SMMU_PROBE_START	= 7,
	HL_MS_SMMU_PROBE_END	= 8,
	HL_MS_DEVICE_RESTORE	= 9,	/* arg = StreamID */
	HL_MS_VM_PAUSED		= 10,	/* user marker */
	HL_MS_VM_RESUMED	= 11,	/* user marker */
	HL_MS_USER		= 12,	/* free-form user marker, see note */
	HL_MS_MAX
};

enum hl_lost_where {
	HL_LOST_RINGBUF		= 1,	/* bpf_ringbuf_reserve failed */
	HL_LOST_TRACE_BUF	= 2,	/* persistent trace buffer overwrote */
	HL_LOST_READER		= 3,	/* userspace could not keep up */
	HL_LOST_SEQ_GAP		= 4,	/* derived: gap in sequence numbers */
};

/* 32 bytes, at the start of every record. */
struct hl_hdr {
	__u16 kind;		/* enum hl_kind */
	__u8  mode;		/* enum hl_mode */
	__u8  version;		/* HL_RECORD_VERSION */
	__u32 cpu;
	__u64 seq;		/* per boot, from 1, no gaps unless lost */
	__u64 ktime_ns;		/* CLOCK_MONOTONIC of this boot */
	__u64 boot;		/* first 8 bytes of this boot's boot_id */
};

/* STE (Stream Table Entry, spec 5.2) write: one entry_set() call. */
struct hl_ste_write {
	__u32 smmu;		/* SMMU index (snapshot SMMU section) */
	__u32 sid;		/* StreamID */
	__u8  step;		/* enum hl_entry_step */
	__u8  pad0[3];
	__u32 update;		/* arm_smmu_write_entry() call id, 0 = unknown */
	__u64 before[HL_ENTRY_QWORDS];
	__u64 after[HL_ENTRY_QWORDS];
};

/* CD (Context Descriptor, spec 5.4) write. */
struct hl_cd_write {
	__u32 smmu;
	__u32 sid;
	__u32 ssid;		/* SubstreamID */
	__u8  step;
	__u8  pad0[3];
	__u32 update;
	__u32 pad1;
	__u64 before[HL_ENTRY_QWORDS];
	__u64 after[HL_ENTRY_QWORDS];
};

/* LPAE descriptor write (io-pgtable-arm.c). */
struct hl_pte_write {
	__u64 root;		/* physical address of the table root (TTB) */
	__u64 iova;		/* first IOVA the descriptor maps */
	__u64 old_desc;
	__u64 new_desc;
	__u8  level;		/* 0..3 */
	__u8  granule;		/* log2: 12, 14, 16 */
	__u8  stage;		/* 1 or 2 */
	__u8  pad0[5];
};

/*
 * A run of LPAE descriptor writes: `count` consecutive descriptors of one
 * table, written by one io-pgtable call (a map of pgcount pages at one
 * level, an unmap of a range), one record instead of `count` HL_K_PTE.
 * Descriptor i (0 <= i < count) is the HL_K_PTE record
 *
 *	iova     = iova + i * size
 *	old_desc = old_desc + i * old_step	(mod 2^64)
 *	new_desc = new_desc + i * new_step
 *
 * with this record's root, level, granule, stage, ktime and cpu, and
 * sequence number hdr.seq + i: a run takes `count` numbers, so loss and gap
 * accounting count descriptors, as before.  A producer ends the run (and
 * starts another) where a descriptor does not follow its run's steps: every
 * descriptor is recovered exactly.  A run lies in one table: the index of
 * `iova` in its table (granule / 8 entries, io-pgtable's
 * arm_lpae_max_entries()) plus count is at most that many entries, and
 * size is the block size of `level` for `granule`.  The intake rejects a
 * run that breaks any of this (hl_run_check()) and counts it as lost.
 */
struct hl_pte_run {
	__u64 root;
	__u64 iova;		/* the first descriptor's */
	__u64 size;		/* IOVA step: the block size at this level */
	__u64 old_desc;		/* the first descriptor's old value */
	__u64 new_desc;		/* ... and new value */
	__u64 old_step;		/* added per descriptor */
	__u64 new_step;
	__u32 count;		/* descriptors, >= 1 */
	__u8  level;
	__u8  granule;
	__u8  stage;
	__u8  pad0;
};

/* A command entering the command queue (spec 4.1), or a CMD_SYNC completing. */
struct hl_cmd {
	__u32 smmu;
	__u32 flags;		/* HL_CMD_F_* */
	__u64 cmd[2];		/* opcode in cmd[0][7:0] */
};

/*
 * Commands of one cmdlist call (__arm_smmu_cmdq_issue_cmdlist(): n commands
 * and, when it syncs, its CMD_SYNC last), in their queue order: one record
 * for up to HL_BATCH_CMDS of them, instead of one HL_K_CMD each (a longer
 * call is several batch records, in order).  Command i is the HL_K_CMD
 * record with this record's smmu, flags 0, cmd[] = cmds[i], sequence
 * number hdr.seq + i (a batch takes `count` numbers).  A CMD_SYNC's
 * completion stays an HL_K_CMD record of its own (HL_CMD_F_SYNC_DONE): it
 * comes after the wait.
 */
#define HL_BATCH_CMDS		9

struct hl_cmd_batch {
	__u32 smmu;
	__u32 count;		/* commands, 1..HL_BATCH_CMDS */
	__u64 cmds[HL_BATCH_CMDS][2];
};

struct hl_attach {
	char  dev[HL_NOTE_LEN];	/* dev_name() */
	__u32 smmu;
	__u32 nsids;
	__u32 sids[HL_MAX_ATTACH_SIDS];
	__u64 old_domain;	/* domain identity (kernel pointer hash) */
	__u64 new_domain;
	__u32 outcome;		/* enum hl_attach_outcome */
	__u32 ssid;
};

/*
 * A VMM's operation on its DMA translation.  src says through which uAPI:
 * iommufd (IOAS map/unmap, HWPT attach/replace/detach of a device), or the
 * VFIO type1 container (VFIO_IOMMU_MAP_DMA/UNMAP_DMA: IOAS_MAP/UNMAP; a
 * group's attach to / detach from the container: HWPT_ATTACH/DETACH, obj_id
 * and pt_id the container, dev_id the IOMMU group's id).  Every rule treats
 * both alike (docs/rules.md "Protection").
 */
enum hl_iommufd_src {
	HL_IOMMUFD_SRC_IOMMUFD	= 0,
	HL_IOMMUFD_SRC_TYPE1	= 1,	/* vfio_iommu_type1 */
};

struct hl_iommufd {
	__u32 op;		/* enum hl_iommufd_op */
	__u32 obj_id;		/* IOAS or HWPT id; type1: the container */
	__u32 dev_id;		/* type1: the IOMMU group */
	__u32 pt_id;		/* HWPT: the page table (IOAS/HWPT) attached */
	__u64 iova;
	__u64 length;
	__s32 result;		/* 0 or -errno */
	__u32 src;		/* enum hl_iommufd_src (record version 1: pad, zero) */
};

struct hl_milestone {
	__u32 id;		/* enum hl_milestone_id */
	__u32 arg;		/* StreamID for DEVICE_RESTORE, else 0 */
	__u64 cntvct;		/* arm64 CNTVCT_EL0 at the same instant */
	__u64 cntfrq;		/* CNTFRQ_EL0, Hz */
	char  note[HL_NOTE_LEN];
};

struct hl_lost {
	__u64 count;
	__u32 where;		/* enum hl_lost_where */
	__u32 pad0;
	__u64 first_seq;	/* first missing sequence number, if known */
};

/*
 * An SMMU register write (arm_smmu_write_reg_sync(), arm_smmu_update_gbpa(),
 * arm_smmu_device_reset()): SMMU_CR0.SMMUEN and SMMU_GBPA.ABORT decide
 * whether any STE is used at all.
 */
#define HL_SMMU_CR0		0x20
#define HL_SMMU_CR0_SMMUEN	(1u << 0)
#define HL_SMMU_GBPA		0x44
#define HL_SMMU_GBPA_ABORT	(1u << 20)
#define HL_SMMU_STRTAB_BASE	0x80
/*
 * old_val when the register's value before the write was never seen: a
 * trace read from the middle of a boot (the previous kernel's persistent
 * instance after its capture ended) has no read-back before the write.  No
 * register written here can hold all ones (CR0, GBPA and STRTAB_BASE have
 * RES0 bits).
 */
#define HL_REG_UNKNOWN		(~0ULL)

struct hl_reg {
	__u32 smmu;
	__u32 offset;		/* register offset in SMMU page 0 */
	__u64 old_val;
	__u64 new_val;
};

#define HL_PAYLOAD_SIZE	(HL_RECORD_SIZE - sizeof(struct hl_hdr))

struct hl_record {
	struct hl_hdr hdr;
	union {
		struct hl_ste_write ste;
		struct hl_cd_write cd;
		struct hl_pte_write pte;
		struct hl_cmd cmd;
		struct hl_attach attach;
		struct hl_iommufd iommufd;
		struct hl_milestone ms;
		struct hl_lost lost;
		struct hl_reg reg;
		struct hl_pte_run run;
		struct hl_cmd_batch batch;
		__u8 raw[HL_RECORD_SIZE - 32];
	};
};

_Static_assert(sizeof(struct hl_hdr) == 32, "hl_hdr layout");
_Static_assert(sizeof(struct hl_ste_write) == 144, "hl_ste_write layout");
_Static_assert(sizeof(struct hl_cd_write) == 152, "hl_cd_write layout");
_Static_assert(sizeof(struct hl_pte_write) == 40, "hl_pte_write layout");
_Static_assert(sizeof(struct hl_cmd) == 24, "hl_cmd layout");
_Static_assert(sizeof(struct hl_attach) == 96, "hl_attach layout");
_Static_assert(sizeof(struct hl_iommufd) == 40, "hl_iommufd layout");
_Static_assert(sizeof(struct hl_milestone) == 56, "hl_milestone layout");
_Static_assert(sizeof(struct hl_lost) == 24, "hl_lost layout");
_Static_assert(sizeof(struct hl_reg) == 24, "hl_reg layout");
_Static_assert(sizeof(struct hl_pte_run) == 64, "hl_pte_run layout");
_Static_assert(sizeof(struct hl_cmd_batch) == 152, "hl_cmd_batch layout");
_Static_assert(sizeof(struct hl_record) == HL_RECORD_SIZE, "hl_record size");

#endif /* HITLESS_H */
