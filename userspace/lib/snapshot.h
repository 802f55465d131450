/* SPDX-License-Identifier: GPL-2.0 */
#ifndef HL_SNAPSHOT_H
#define HL_SNAPSHOT_H

#include "state.h"

#define HL_SNAP_MAGIC		"\x89HLSNAP\n"
#define HL_SNAP_MAJOR		1
#define HL_SNAP_MINOR		1	/* 1.1: SMMU_ID, GAP */

enum hl_section {
	HL_SEC_END	= 0,
	HL_SEC_META	= 1,
	HL_SEC_BOOTS	= 2,
	HL_SEC_CLOCK	= 3,
	HL_SEC_SMMU	= 4,
	HL_SEC_STE	= 5,
	HL_SEC_CD	= 6,
	HL_SEC_XLATE	= 7,
	HL_SEC_EVENTS	= 8,
	HL_SEC_LOSS	= 9,
	HL_SEC_PROTECT	= 10,
	HL_SEC_SMMU_ID	= 11,	/* format 1.1 */
	HL_SEC_GAP	= 12,	/* format 1.1 */
	HL_SEC_MAX
};

struct hl_snap_header {		/* 64 bytes at offset 0 */
	char magic[8];
	u16 major, minor;
	u32 header_size;
	u32 section_count;	/* including END */
	u32 record_size;	/* HL_RECORD_SIZE of the event log */
	u64 file_size;
	u32 record_version;
	u8 reserved[24];
	u32 header_crc;		/* crc32 of bytes [0, 60) */
};

struct hl_snap_section {	/* 32 bytes before each payload */
	u32 type;		/* enum hl_section */
	u32 entry_size;
	u64 count;
	u64 length;		/* payload bytes = count * entry_size */
	u32 crc;		/* crc32 of the payload */
	u32 header_crc;		/* crc32 of bytes [0, 28) of this header */
};

const char *hl_section_name(unsigned type);

/*
 * Write atomically: a temporary file in the same directory, mode 0600,
 * fsync, rename over `path`, fsync the directory.  A crash at any point
 * leaves either the old file or the new one at `path`, never a mix.
 * Returns 0 or -errno with a message in err.
 */
int hl_snapshot_write(const char *path, struct hl_state *s, char *err, size_t errlen);
/* Returns 0, or -1 with "section X at offset N: what" in err. */
int hl_snapshot_read(const char *path, struct hl_state *s, char *err, size_t errlen);

/*
 * For readers of huge snapshots (hitless show): as hl_snapshot_read(), with
 * every section checked, but the translation ranges (XLATE) left in the file:
 * s->ranges stays empty and x says where they are.  Memory does not grow
 * with the number of ranges.  hl_xlate_each() calls fn(range, index, arg)
 * for each in order, until fn returns nonzero (returned), or -1 with err on
 * a read error.  hl_xlate_close() after a successful open.
 */
struct hl_xlate {
	int fd;
	u64 off;	/* payload offset in the file */
	u64 count;
};
int hl_snapshot_open(const char *path, struct hl_state *s, struct hl_xlate *x, char *err, size_t errlen);
int hl_xlate_each(const struct hl_xlate *x, int (*fn)(const struct hl_range *, u64, void *),
		  void *arg, char *err, size_t errlen);
void hl_xlate_close(struct hl_xlate *x);

/* Test hook: if > 0, the writer calls _exit(3) after this many bytes. */
extern long hl_snapshot_crash_after;

#endif
