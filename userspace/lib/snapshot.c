// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot files: docs/snapshot-format.md.  Little-endian, sectioned, each
 * section checksummed with zlib's crc32, written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "snapshot.h"

_Static_assert(sizeof(struct hl_snap_header) == 64, "snapshot header");
_Static_assert(sizeof(struct hl_snap_section) == 32, "section header");
_Static_assert(sizeof(struct hl_meta_disk) == 216, "meta");
_Static_assert(sizeof(struct hl_boot_disk) == 136, "boot");
_Static_assert(sizeof(struct hl_clock_disk) == 24, "clock");
_Static_assert(sizeof(struct hl_smmu_disk) == 40, "smmu");
_Static_assert(sizeof(struct hl_smmu_id_disk) == 48, "smmu id");
_Static_assert(sizeof(struct hl_ste_disk) == 72, "ste");
_Static_assert(sizeof(struct hl_cd_disk) == 80, "cd");
_Static_assert(sizeof(struct hl_range) == 48, "range");
_Static_assert(sizeof(struct hl_loss_disk) == 24, "loss");
_Static_assert(sizeof(struct hl_protect_disk) == 8, "protect");
_Static_assert(sizeof(struct hl_gap_disk) == 64, "gap");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "snapshot format is little-endian; add byte swapping for this host"
#endif

long hl_snapshot_crash_after;

static const struct {
	const char *name;
	u32 entry_size;
} sec_info[HL_SEC_MAX] = {
	[HL_SEC_END]	 = { "END", 0 },
	[HL_SEC_META]	 = { "META", sizeof(struct hl_meta_disk) },
	[HL_SEC_BOOTS]	 = { "BOOTS", sizeof(struct hl_boot_disk) },
	[HL_SEC_CLOCK]	 = { "CLOCK", sizeof(struct hl_clock_disk) },
	[HL_SEC_SMMU]	 = { "SMMU", sizeof(struct hl_smmu_disk) },
	[HL_SEC_STE]	 = { "STE", sizeof(struct hl_ste_disk) },
	[HL_SEC_CD]	 = { "CD", sizeof(struct hl_cd_disk) },
	[HL_SEC_XLATE]	 = { "XLATE", sizeof(struct hl_range) },
	[HL_SEC_EVENTS]	 = { "EVENTS", sizeof(struct hl_record) },
	[HL_SEC_LOSS]	 = { "LOSS", sizeof(struct hl_loss_disk) },
	[HL_SEC_PROTECT] = { "PROTECT", sizeof(struct hl_protect_disk) },
	[HL_SEC_SMMU_ID] = { "SMMU_ID", sizeof(struct hl_smmu_id_disk) },
	[HL_SEC_GAP]	 = { "GAP", sizeof(struct hl_gap_disk) },
};

const char *hl_section_name(unsigned type)
{
	return type < HL_SEC_MAX ? sec_info[type].name : "unknown";
}

static uLong crc_serial(const unsigned char *b, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	/* zlib's crc32 takes uInt lengths; feed large payloads in pieces */
	while (n) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;

		c = crc32(c, b, k);
		b += k;
		n -= k;
	}
	return c;
}

struct crc_part {
	const unsigned char *p;
	size_t n;
	uLong c;
};

static void *crc_part_run(void *arg)
{
	struct crc_part *x = arg;

	x->c = crc_serial(x->p, x->n);
	return NULL;
}

/*
 * A large section (a 10M-range XLATE is 480 MB) is checksummed in pieces on
 * as many CPUs as there are, up to 8, and the pieces' CRCs combined
 * (crc32_combine): the same CRC, the checksum being most of a read's time.
 */
static u32 crc(const void *p, size_t n)
{
	enum { PART_MIN = 32 << 20, PARTS_MAX = 8 };
	const unsigned char *b = p;
	struct crc_part x[PARTS_MAX];
	pthread_t t[PARTS_MAX];
	int started[PARTS_MAX] = { 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t parts = n / PART_MIN, per;
	uLong c;

	if (parts > PARTS_MAX)
		parts = PARTS_MAX;
	if (cpus > 0 && parts > (size_t)cpus)
		parts = cpus;
	if (parts < 2)
		return (u32)crc_serial(b, n);
	per = n / parts;
	for (size_t i = 0; i < parts; i++) {
		x[i].p = b + i * per;
		x[i].n = i == parts - 1 ? n - i * per : per;
		if (i)
			started[i] = !pthread_create(&t[i], NULL, crc_part_run, &x[i]);
	}
	crc_part_run(&x[0]);
	for (size_t i = 1; i < parts; i++)
		if (started[i])
			pthread_join(t[i], NULL);
		else
			crc_part_run(&x[i]);	/* no thread: here, then */
	c = x[0].c;
	for (size_t i = 1; i < parts; i++)
		c = crc32_combine(c, x[i].c, (z_off_t)x[i].n);
	return (u32)c;
}

struct writer {
	int fd;
	long written;
	int err;
};

static void wr(struct writer *w, const void *p, size_t n)
{
	const char *b = p;

	while (n && !w->err) {
		size_t k = n;
		ssize_t r;

		if (hl_snapshot_crash_after > 0 && w->written + (long)k > hl_snapshot_crash_after) {
			k = hl_snapshot_crash_after - w->written;
			if (k && write(w->fd, b, k) < 0) { /* best effort before the "crash" */ }
			_exit(3);
		}
		r = write(w->fd, b, k);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			w->err = errno;
			return;
		}
		b += r;
		n -= r;
		w->written += r;
	}
}

static void wr_section(struct writer *w, unsigned type, const void *p, size_t count)
{
	struct hl_snap_section h = {
		.type = type, .entry_size = sec_info[type].entry_size,
		.count = count, .length = (u64)count * sec_info[type].entry_size,
	};

	h.crc = crc(p, h.length);
	h.header_crc = crc(&h, offsetof(struct hl_snap_section, header_crc));
	wr(w, &h, sizeof(h));
	wr(w, p, h.length);
}

int hl_snapshot_write(const char *path, struct hl_state *s, char *err, size_t errlen)
{
	char *d1 = strdup(path), *d2 = strdup(path);
	char tmp[4096] = "";
	struct hl_snap_header hd = { .major = HL_SNAP_MAJOR, .minor = HL_SNAP_MINOR };
	struct writer w = { .fd = -1 };
	size_t nsec = 0;
	int dfd = -1, rc = 0;

	if (!d1 || !d2) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", dirname(d1), basename(d2));
	w.fd = mkstemp(tmp);	/* created 0600 */
	if (w.fd < 0 || fchmod(w.fd, 0600)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot create temporary file: %s", path, strerror(errno));
		goto out;
	}

	hl_ranges_compress(s);
	memcpy(hd.magic, HL_SNAP_MAGIC, 8);
	hd.header_size = sizeof(hd);
	hd.record_size = HL_RECORD_SIZE;
	hd.record_version = HL_RECORD_VERSION;
#define SECTIONS(X)						\
	X(HL_SEC_META, &s->meta, 1)				\
	X(HL_SEC_BOOTS, s->boots.v, s->boots.n)			\
	X(HL_SEC_CLOCK, s->clocks.v, s->clocks.n)		\
	X(HL_SEC_SMMU, s->smmus.v, s->smmus.n)			\
	X(HL_SEC_STE, s->stes.v, s->stes.n)			\
	X(HL_SEC_CD, s->cds.v, s->cds.n)			\
	X(HL_SEC_XLATE, s->ranges.v, s->ranges.n)		\
	X(HL_SEC_EVENTS, s->events.v, s->events.n)		\
	X(HL_SEC_LOSS, s->losses.v, s->losses.n)		\
	X(HL_SEC_PROTECT, s->protect.v, s->protect.n)		\
	X(HL_SEC_SMMU_ID, s->smmu_ids.v, s->smmu_ids.n)		\
	X(HL_SEC_GAP, s->gaps.v, s->gaps.n)			\
	X(HL_SEC_END, NULL, 0)
#define SIZE(t, p, n) hd.file_size += sizeof(struct hl_snap_section) + (u64)(n) * sec_info[t].entry_size; nsec++;
	hd.file_size = sizeof(hd);
	SECTIONS(SIZE)
	hd.section_count = nsec;
	hd.header_crc = crc(&hd, offsetof(struct hl_snap_header, header_crc));
	wr(&w, &hd, sizeof(hd));
#define WRITE(t, p, n) wr_section(&w, t, p, n);
	SECTIONS(WRITE)
	if (!w.err && fsync(w.fd))
		w.err = errno;
	if (!w.err && close(w.fd))
		w.err = errno;
	w.fd = -1;
	if (w.err) {
		rc = -w.err;
		snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(w.err));
		goto out;
	}
	if (rename(tmp, path)) {
		rc = -errno;
		snprintf(err, errlen, "%s: rename failed: %s", path, strerror(errno));
		goto out;
	}
	tmp[0] = 0;
	dfd = open(d1, O_RDONLY | O_DIRECTORY);
	if (dfd < 0 || fsync(dfd)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot sync directory: %s", d1, strerror(errno));
	}
out:
	if (w.fd >= 0)
		close(w.fd);
	if (rc && tmp[0])
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(d1);
	free(d2);
	return rc;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto bad; } while (0)

static int load(void *dst, size_t *n, size_t *cap, const void *src, u64 count, size_t esz)
{
	void *v = *(void **)dst;

	v = hl_vec_grow(v, cap, count ? count : 1, esz);
	memcpy(v, src, count * esz);
	*(void **)dst = v;
	*n = count;
	return 0;
}

/*
 * The XLATE section read in pieces from the file, never all in memory:
 * hl_snapshot_open()'s check (crc, order) and hl_xlate_each().  fn gets
 * each range and its index; a nonzero return stops the walk and is returned.
 */
#define XLATE_CHUNK	4096	/* ranges per read: 192 KiB */

static int xlate_walk(int fd, u64 off, u64 count, int (*fn)(const struct hl_range *, u64, void *),
		      void *arg, u32 *crc_out, char *err, size_t errlen)
{
	struct hl_range *buf = malloc(XLATE_CHUNK * sizeof(*buf));
	uLong c = crc32(0L, Z_NULL, 0);
	int rc = 0;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (u64 i = 0; i < count && !rc;) {
		size_t k = count - i < XLATE_CHUNK ? count - i : XLATE_CHUNK, want = k * sizeof(*buf), got = 0;

		while (got < want) {
			ssize_t r = pread(fd, (char *)buf + got, want - got, off + i * sizeof(*buf) + got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(err, errlen, "section XLATE at offset %llu: read: %s",
					 (unsigned long long)off, r < 0 ? strerror(errno) : "file shrank");
				free(buf);
				return -1;
			}
			got += r;
		}
		c = crc32(c, (const unsigned char *)buf, want);
		for (size_t j = 0; j < k && !rc; j++)
			rc = fn(&buf[j], i + j, arg);
		i += k;
	}
	free(buf);
	if (crc_out)
		*crc_out = (u32)c;
	return rc;
}

struct order_check {
	struct hl_range prev;
	u64 bad;	/* index of the first range out of order, + 1 */
};

/* Lookups binary-search the ranges: they must be sorted and disjoint. */
static int ranges_ordered(const struct hl_range *a, const struct hl_range *b)
{
	return a->root < b->root || (a->root == b->root && a->iova + a->size <= b->iova);
}

static int order_step(const struct hl_range *r, u64 i, void *arg)
{
	struct order_check *o = arg;

	if (i && !ranges_ordered(&o->prev, r)) {
		o->bad = i + 1;
		o->prev = *r;
		return 1;
	}
	o->prev = *r;
	return 0;
}

static int snapshot_read(const char *path, struct hl_state *s, struct hl_xlate *x,
			 char *err, size_t errlen);

int hl_snapshot_read(const char *path, struct hl_state *s, char *err, size_t errlen)
{
	return snapshot_read(path, s, NULL, err, errlen);
}

int hl_snapshot_open(const char *path, struct hl_state *s, struct hl_xlate *x, char *err, size_t errlen)
{
	return snapshot_read(path, s, x, err, errlen);
}

int hl_xlate_each(const struct hl_xlate *x, int (*fn)(const struct hl_range *, u64, void *),
		  void *arg, char *err, size_t errlen)
{
	return xlate_walk(x->fd, x->off, x->count, fn, arg, NULL, err, errlen);
}

void hl_xlate_close(struct hl_xlate *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
}

static int snapshot_read(const char *path, struct hl_state *s, struct hl_xlate *x,
			 char *err, size_t errlen)
{
	struct hl_snap_header hd;
	unsigned char *buf = NULL;
	size_t size = 0, off;
	struct stat st;
	int fd, seen_meta = 0, seen_end = 0;
	u32 i;

	hl_state_init(s);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	size = st.st_size;
	if (size < sizeof(hd)) {
		unsigned char head[8];
		ssize_t r = pread(fd, head, sizeof(head), 0);

		close(fd);
		if (r < 8 || memcmp(head, HL_SNAP_MAGIC, 8))
			snprintf(err, errlen, "%s: not a hitless snapshot (bad magic at offset 0)", path);
		else
			snprintf(err, errlen, "%s: truncated: %zu bytes, header needs %zu", path, size,
				 sizeof(hd));
		return -1;
	}
	/*
	 * Map rather than read: no copy of a large file into memory we then copy
	 * again into the state. Snapshots are replaced by rename, never
	 * rewritten in place, so the mapped file does not shrink under us.
	 */
	/* populated up front for the whole-file reader (the diff reads it all);
	 * the streaming reader (x) touches the ranges through fd instead */
	buf = mmap(NULL, size, PROT_READ, MAP_PRIVATE | (x ? 0 : MAP_POPULATE), fd, 0);
	if (buf == MAP_FAILED) {
		close(fd);
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	/* x: the XLATE payload is read from fd later, never through the map */
	if (x) {
		x->fd = fd;
		x->off = x->count = 0;
	} else {
		close(fd);
	}
	madvise(buf, size, MADV_SEQUENTIAL);

	if (size < 8 || memcmp(buf, HL_SNAP_MAGIC, 8))
		FAIL("%s: not a hitless snapshot (bad magic at offset 0)", path);
	if (size < sizeof(hd))
		FAIL("%s: truncated: %zu bytes, header needs %zu", path, size, sizeof(hd));
	memcpy(&hd, buf, sizeof(hd));
	if (hd.header_crc != crc(&hd, offsetof(struct hl_snap_header, header_crc)))
		FAIL("%s: header at offset 0: checksum mismatch", path);
	if (hd.major != HL_SNAP_MAJOR)
		FAIL("%s: format version %u.%u, this hitless reads %d.x", path, hd.major, hd.minor, HL_SNAP_MAJOR);
	if (hd.header_size != sizeof(hd) || hd.record_size != HL_RECORD_SIZE ||
	    hd.record_version < HL_RECORD_VERSION_MIN || hd.record_version > HL_RECORD_VERSION)
		FAIL("%s: header at offset 0: record size %u version %u, expected %d version %d to %d",
		     path, hd.record_size, hd.record_version, HL_RECORD_SIZE, HL_RECORD_VERSION_MIN,
		     HL_RECORD_VERSION);
	if (hd.file_size != size)
		FAIL("%s: truncated or extended: %zu bytes, header says %llu", path, size,
		     (unsigned long long)hd.file_size);

	off = sizeof(hd);
	for (i = 0; i < hd.section_count; i++) {
		struct hl_snap_section sh;
		const unsigned char *p;
		const char *name;

		if (size - off < sizeof(sh))
			FAIL("%s: section %u at offset %zu: header runs past end of file", path, i, off);
		memcpy(&sh, buf + off, sizeof(sh));
		name = hl_section_name(sh.type);
		if (sh.header_crc != crc(&sh, offsetof(struct hl_snap_section, header_crc)))
			FAIL("%s: section %u at offset %zu: header checksum mismatch", path, i, off);
		if (sh.entry_size && sh.count > UINT64_MAX / sh.entry_size)
			FAIL("%s: section %s at offset %zu: bad length", path, name, off);
		if (sh.length != sh.count * sh.entry_size || sh.length > size - off - sizeof(sh))
			FAIL("%s: section %s at offset %zu: length %llu runs past end of file",
			     path, name, off, (unsigned long long)sh.length);
		p = buf + off + sizeof(sh);
		if (x && sh.type == HL_SEC_XLATE && sh.entry_size == sizeof(struct hl_range)) {
			struct order_check o = { 0 };
			char e2[256];
			u32 c = 0;
			int r = xlate_walk(x->fd, off + sizeof(sh), sh.count, order_step, &o, &c, e2, sizeof(e2));

			if (r < 0)
				FAIL("%s: %s", path, e2);
			if (!o.bad && sh.crc != c)
				FAIL("%s: section %s at offset %zu: payload checksum mismatch", path, name, off);
			if (o.bad)
				FAIL("%s: section XLATE: range %llu (table 0x%llx IOVA 0x%llx) out of order or overlapping",
				     path, (unsigned long long)o.bad - 1, (unsigned long long)o.prev.root,
				     (unsigned long long)o.prev.iova);
			x->off = off + sizeof(sh);
			x->count = sh.count;
			off += sizeof(sh) + sh.length;
			continue;
		}
		if (sh.crc != crc(p, sh.length))
			FAIL("%s: section %s at offset %zu: payload checksum mismatch", path, name, off);
		if (sh.type < HL_SEC_MAX && sh.entry_size != sec_info[sh.type].entry_size)
			FAIL("%s: section %s at offset %zu: entry size %u, expected %u", path, name,
			     off, sh.entry_size, sec_info[sh.type].entry_size);
		switch (sh.type) {
		case HL_SEC_END:
			seen_end = 1;
			break;
		case HL_SEC_META:
			if (sh.count != 1)
				FAIL("%s: section META at offset %zu: %llu entries, expected 1", path, off,
				     (unsigned long long)sh.count);
			memcpy(&s->meta, p, sizeof(s->meta));
			s->meta.release[sizeof(s->meta.release) - 1] = 0;
			s->meta.boot_id[sizeof(s->meta.boot_id) - 1] = 0;
			s->meta.hostname[sizeof(s->meta.hostname) - 1] = 0;
			seen_meta = 1;
			break;
#define LOAD(T, vec) load(&s->vec.v, &s->vec.n, &s->vec.cap, p, sh.count, sizeof(*s->vec.v))
		case HL_SEC_BOOTS: LOAD(HL_SEC_BOOTS, boots); break;
		case HL_SEC_CLOCK: LOAD(HL_SEC_CLOCK, clocks); break;
		case HL_SEC_SMMU: LOAD(HL_SEC_SMMU, smmus); break;
		case HL_SEC_STE: LOAD(HL_SEC_STE, stes); break;
		case HL_SEC_CD: LOAD(HL_SEC_CD, cds); break;
		case HL_SEC_XLATE:
			if (!s->ranges.cap)
				s->ranges.v = NULL;
			if (sh.count && (uintptr_t)p % _Alignof(struct hl_range) == 0) {
				/* the largest section: used in place, see struct hl_state */
				VEC_FREE(s->ranges);
				s->ranges.v = (struct hl_range *)p;
				s->ranges.n = sh.count;
			} else {
				LOAD(HL_SEC_XLATE, ranges);
			}
			break;
		case HL_SEC_EVENTS: LOAD(HL_SEC_EVENTS, events); break;
		case HL_SEC_LOSS: LOAD(HL_SEC_LOSS, losses); break;
		case HL_SEC_PROTECT: LOAD(HL_SEC_PROTECT, protect); break;
		case HL_SEC_SMMU_ID: LOAD(HL_SEC_SMMU_ID, smmu_ids); break;
		case HL_SEC_GAP: LOAD(HL_SEC_GAP, gaps); break;
		default:
			break;	/* a newer minor version's section: skip it */
		}
		off += sizeof(sh) + sh.length;
		if (seen_end)
			break;
	}
	if (!seen_end)
		FAIL("%s: no END section after %u sections (offset %zu): truncated", path, i, off);
	if (off != size)
		FAIL("%s: %zu bytes of trailing data after END at offset %zu", path, size - off, off);
	if (!seen_meta)
		FAIL("%s: section META missing", path);
	/* Lookups binary-search the ranges: they must be sorted and disjoint. */
	for (size_t k = 1; k < s->ranges.n; k++) {
		const struct hl_range *a = &s->ranges.v[k - 1], *b = &s->ranges.v[k];

		if (!ranges_ordered(a, b))
			FAIL("%s: section XLATE: range %zu (table 0x%llx IOVA 0x%llx) out of order or overlapping",
			     path, k, (unsigned long long)b->root, (unsigned long long)b->iova);
	}
	for (size_t k = 0; k < s->gaps.n; k++)
		s->gaps.v[k].module[sizeof(s->gaps.v[k].module) - 1] = 0;
	for (size_t k = 0; k < s->boots.n; k++) {
		s->boots.v[k].boot_id[sizeof(s->boots.v[k].boot_id) - 1] = 0;
		s->boots.v[k].release[sizeof(s->boots.v[k].release) - 1] = 0;
	}
	if (s->ranges.n && !s->ranges.cap) {
		/* copy-on-write: the state may edit its ranges in place */
		if (mprotect(buf, size, PROT_READ | PROT_WRITE))
			FAIL("%s: mprotect: %s", path, strerror(errno));
		s->map = buf;
		s->map_len = size;
	} else {
		munmap(buf, size);
	}
	return 0;
bad:
	munmap(buf, size);
	hl_state_free(s);
	if (x)
		hl_xlate_close(x);
	return -1;
}
