// SPDX-License-Identifier: GPL-2.0
/*
 * The persistent trace instances of the patched kernel (docs/early-boot-tracing.md)
 * as hitless records.  libtracefs reads an instance's per-CPU raw pipes
 * (in timestamp order, with the ring buffer's lost-event indications);
 * libtraceevent decodes each event by field name against the running
 * kernel's format files.  Each event of tracepoints.txt becomes the record
 * the BPF tracepoint mode (bpf/hitless_tp.bpf.c) makes of it, field for
 * field, so the two sources are interchangeable.
 *
 * Time: the trace timestamp is the instance's trace_clock ("local" by
 * default: this kernel's sched_clock, restarting near zero at each boot).
 * The milestone events carry the architected counter, which does not
 * restart; their (timestamp, counter) pairs, and the (CLOCK_MONOTONIC,
 * counter) pair of a hitless start marker or of this process, map every
 * event onto that boot's CLOCK_MONOTONIC, the clock of hl_hdr.ktime_ns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tracefs/tracefs.h>
#include <traceevent/event-parse.h>
#include "output.h"
#include "records.h"
#include "tracebuf.h"
#include "boot.h"
#include "counter.h"

/* ---- the contract: events and the fields read, with their sizes ------------ */

#define F_STR	-1	/* __data_loc char[] (4 bytes in the record) */
#define F_DYN	-2	/* __data_loc T[] */
#define NFIELDS	10	/* fields read, at most, of one event */

enum ev_id {
	EV_STE, EV_CD, EV_CMD, EV_SYNC, EV_REG, EV_DEVICE, EV_ATTACH_STE, EV_ATTACH_CD,
	EV_REFUSED, EV_PTE, EV_MAP, EV_MAP_FILE, EV_COPY, EV_UNMAP, EV_HWPT_ALLOC,
	EV_DEV_ATTACH, EV_DEV_REPLACE, EV_DEV_DETACH, EV_MILESTONE,
	/* a stock kernel: the kprobe events of scripts/lib.sh stock_kprobe_events */
	EV_KP_REG, EV_KP_DISABLE, EV_KP_SHUTDOWN, EV_KP_PROBE, EV_KP_PROBE_RET, EV_KP_LU_REBOOT,
	EV_KP_KEXEC, EV_MAX
};

struct fspec {
	const char *name;
	int size;
};

static const struct espec {
	const char *sys, *name;
	struct fspec f[NFIELDS];
} specs[EV_MAX] = {
	[EV_STE] = { "arm_smmu_v3", "arm_smmu_ste_write",
		{ { "smmu", F_STR }, { "sid", 4 }, { "step", 4 }, { "before", 64 }, { "after", 64 } } },
	[EV_CD] = { "arm_smmu_v3", "arm_smmu_cd_write",
		{ { "smmu", F_STR }, { "sid", 4 }, { "ssid", 4 }, { "step", 4 }, { "before", 64 }, { "after", 64 } } },
	[EV_CMD] = { "arm_smmu_v3", "arm_smmu_cmdq_batch",
		{ { "smmu", F_STR }, { "prod", 4 }, { "n", 4 }, { "sync", 4 }, { "cmds", F_DYN } } },
	[EV_SYNC] = { "arm_smmu_v3", "arm_smmu_cmdq_sync",
		{ { "smmu", F_STR }, { "prod", 4 }, { "ret", 4 } } },
	[EV_REG] = { "arm_smmu_v3", "arm_smmu_reg_write",
		{ { "smmu", F_STR }, { "offset", 4 }, { "val", 8 } } },
	[EV_DEVICE] = { "arm_smmu_v3", "arm_smmu_device",
		{ { "smmu", F_STR }, { "phase", 4 }, { "cr0", 4 }, { "gbpa", 4 }, { "strtab_base", 8 },
		  { "counter", 8 } } },
	[EV_ATTACH_STE] = { "arm_smmu_v3", "arm_smmu_attach_ste",
		{ { "smmu", F_STR }, { "dev", F_STR }, { "sid", 4 }, { "ssid", 4 }, { "outcome", 4 },
		  { "before", 64 }, { "after", 64 } } },
	[EV_ATTACH_CD] = { "arm_smmu_v3", "arm_smmu_attach_cd",
		{ { "smmu", F_STR }, { "dev", F_STR }, { "sid", 4 }, { "ssid", 4 }, { "outcome", 4 },
		  { "before", 64 }, { "after", 64 } } },
	[EV_REFUSED] = { "arm_smmu_v3", "arm_smmu_attach_refused",
		{ { "smmu", F_STR }, { "dev", F_STR }, { "sid", 4 }, { "ssid", 4 }, { "ret", 4 } } },
	[EV_PTE] = { "io_pgtable_arm", "arm_lpae_pte_run",
		{ { "root", 8 }, { "iova", 8 }, { "level", 4 }, { "size", 8 }, { "count", 4 }, { "old", 8 },
		  { "old_step", 8 }, { "new", 8 }, { "new_step", 8 } } },
	[EV_MAP] = { "iommufd", "iommufd_ioas_map",
		{ { "ioas_id", 4 }, { "iova", 8 }, { "length", 8 }, { "flags", 4 }, { "rc", 4 } } },
	[EV_MAP_FILE] = { "iommufd", "iommufd_ioas_map_file",
		{ { "ioas_id", 4 }, { "iova", 8 }, { "length", 8 }, { "flags", 4 }, { "rc", 4 } } },
	[EV_COPY] = { "iommufd", "iommufd_ioas_copy",
		{ { "ioas_id", 4 }, { "iova", 8 }, { "length", 8 }, { "flags", 4 }, { "rc", 4 } } },
	[EV_UNMAP] = { "iommufd", "iommufd_ioas_unmap",
		{ { "ioas_id", 4 }, { "iova", 8 }, { "length", 8 }, { "unmapped", 8 }, { "rc", 4 } } },
	[EV_HWPT_ALLOC] = { "iommufd", "iommufd_hwpt_alloc",
		{ { "dev", F_STR }, { "dev_id", 4 }, { "hwpt_id", 4 }, { "pt_id", 4 }, { "flags", 4 },
		  { "data_type", 4 }, { "auto_domain", 1 } } },
	[EV_DEV_ATTACH] = { "iommufd", "iommufd_device_attach",
		{ { "dev", F_STR }, { "dev_id", 4 }, { "pasid", 4 }, { "pt_id", 4 }, { "hwpt_id", 4 },
		  { "rc", 4 }, { "sids", F_DYN } } },
	[EV_DEV_REPLACE] = { "iommufd", "iommufd_device_replace",
		{ { "dev", F_STR }, { "dev_id", 4 }, { "pasid", 4 }, { "pt_id", 4 }, { "hwpt_id", 4 },
		  { "rc", 4 }, { "sids", F_DYN } } },
	[EV_DEV_DETACH] = { "iommufd", "iommufd_device_detach",
		{ { "dev", F_STR }, { "dev_id", 4 }, { "pasid", 4 }, { "pt_id", 4 }, { "hwpt_id", 4 },
		  { "rc", 4 }, { "sids", F_DYN } } },
	[EV_MILESTONE] = { "liveupdate", "liveupdate_milestone",
		{ { "phase", 4 }, { "counter", 8 }, { "value", 8 }, { "rc", 4 }, { "name", F_STR } } },
	/*
	 * A stock kernel's switch probes (docs/early-boot-tracing.md, "A stock
	 * kernel"): kprobe events "hitless/FUNCTION" that the kernel command line
	 * defines (kprobe_event=) with these fields.  cr0: SMMU_CR0 read before
	 * the write.
	 */
	[EV_KP_REG] = { "hitless", "arm_smmu_write_reg_sync",
		{ { "smmu", F_STR }, { "val", 4 }, { "offset", 4 }, { "cr0", 4 } } },
	[EV_KP_DISABLE] = { "hitless", "arm_smmu_device_disable", { { "smmu", F_STR }, { "cr0", 4 } } },
	[EV_KP_SHUTDOWN] = { "hitless", "arm_smmu_device_shutdown", { { "dev", F_STR }, { "cr0", 4 } } },
	[EV_KP_PROBE] = { "hitless", "arm_smmu_device_probe", { { "dev", F_STR } } },
	[EV_KP_PROBE_RET] = { "hitless", "arm_smmu_device_probe_ret", { { "ret", 4 } } },
	[EV_KP_LU_REBOOT] = { "hitless", "liveupdate_reboot", { { 0 } } },
	[EV_KP_KEXEC] = { "hitless", "machine_kexec", { { 0 } } },
};

#define MAX_SMMUS 64

struct hl_tb_conv {
	struct tep_handle *tep;
	int ids[EV_MAX];		/* tep event id, -1: not in this kernel */
	struct tep_format_field *fld[EV_MAX][NFIELDS];
	int print_id;			/* ftrace:print (trace_marker) */
	struct tep_format_field *print_buf;
	u64 cntfrq;
	/* SMMU device names -> index, in order of first appearance (as the BPF side numbers them) */
	char *smmu[MAX_SMMUS];
	int nsmmu;
	/* last value per (SMMU, register), seeded by arm_smmu_device's read-back */
	struct { u32 smmu, off; u64 val; } reg[256];
	int nreg;
	/* stage-2 roots: S2TTB of STEs seen with Config = S2 or nested */
	u64 s2[256];
	int ns2;
};

static int field_ok(const struct tep_format_field *f, int want)
{
	if (want == F_STR || want == F_DYN)
		return (f->flags & TEP_FIELD_IS_DYNAMIC) && f->size == 4;
	return f->size == want;
}

struct hl_tb_conv *hl_tb_conv_new(struct tep_handle *tep, u64 cntfrq, char *err, size_t errlen)
{
	struct hl_tb_conv *c = calloc(1, sizeof(*c));
	struct tep_event *pe;
	int found = 0;

	if (!c)
		abort();
	c->tep = tep;
	c->cntfrq = cntfrq;
	c->print_id = -1;
	for (int i = 0; i < EV_MAX; i++) {
		struct tep_event *e = tep_find_event_by_name(tep, specs[i].sys, specs[i].name);

		c->ids[i] = -1;
		if (!e)
			continue;
		for (int k = 0; k < NFIELDS && specs[i].f[k].name; k++) {
			struct tep_format_field *f = tep_find_field(e, specs[i].f[k].name);

			if (!f || !field_ok(f, specs[i].f[k].size)) {
				snprintf(err, errlen,
					 "event %s:%s: field '%s' %s (tracepoints.txt: %s); "
					 "this kernel's series differs from the one hitless reads",
					 specs[i].sys, specs[i].name, specs[i].f[k].name,
					 f ? "has another size" : "is missing",
					 specs[i].f[k].size == F_STR ? "a string" :
					 specs[i].f[k].size == F_DYN ? "a dynamic array" : "a fixed size");
				if (f)
					snprintf(err + strlen(err), errlen - strlen(err), " (%d bytes, expected %d)",
						 f->size, specs[i].f[k].size < 0 ? 4 : specs[i].f[k].size);
				free(c);
				return NULL;
			}
			c->fld[i][k] = f;
		}
		c->ids[i] = e->id;
		found++;
	}
	if (!found) {
		snprintf(err, errlen, "none of the kernel series' events (tracepoints.txt: arm_smmu_v3, "
			 "io_pgtable_arm, iommufd, liveupdate) is in this kernel: not a kernel with kernel/patches, "
			 "and no stock-kernel kprobe events hitless/* (scripts/lib.sh stock_kprobe_events)");
		free(c);
		return NULL;
	}
	pe = tep_find_event_by_name(tep, "ftrace", "print");
	if (pe && (c->print_buf = tep_find_field(pe, "buf")))
		c->print_id = pe->id;
	return c;
}

void hl_tb_conv_free(struct hl_tb_conv *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nsmmu; i++)
		free(c->smmu[i]);
	free(c);
}

/* ---- field access --------------------------------------------------------- */

static u64 num(struct hl_tb_conv *c, int ev, int k, struct tep_record *rec)
{
	const struct tep_format_field *f = c->fld[ev][k];
	unsigned long long v = 0;

	if (f->offset + f->size > rec->size)
		return 0;
	tep_read_number_field((struct tep_format_field *)f, rec->data, &v);
	return v;
}

/* Field k into dst (n bytes, zero-filled): the bytes the record holds, or -1 if it is cut short. */
static long raw(struct hl_tb_conv *c, int ev, int k, struct tep_record *rec, void *dst, size_t n)
{
	struct tep_format_field *f = c->fld[ev][k];
	const unsigned char *p;

	memset(dst, 0, n);
	if (f->offset + f->size > rec->size)
		return -1;
	p = (const unsigned char *)rec->data + f->offset;
	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned loc = *(const unsigned *)p, off = loc & 0xffff, len = loc >> 16;

		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
		if (off + len > (unsigned)rec->size)
			return -1;
		memcpy(dst, (const unsigned char *)rec->data + off, len < n ? len : n);
		return len;
	}
	memcpy(dst, p, (size_t)f->size < n ? (size_t)f->size : n);
	return f->size;
}

static void str(struct hl_tb_conv *c, int ev, int k, struct tep_record *rec, char *dst, size_t n)
{
	raw(c, ev, k, rec, dst, n);
	dst[n - 1] = 0;
}

static u32 smmu_index(struct hl_tb_conv *c, int ev, struct tep_record *rec)
{
	char name[64];

	str(c, ev, 0, rec, name, sizeof(name));
	for (int i = 0; i < c->nsmmu; i++)
		if (!strcmp(c->smmu[i], name))
			return i;
	if (c->nsmmu == MAX_SMMUS)
		return ~0u;
	c->smmu[c->nsmmu] = strdup(name);
	return c->nsmmu++;
}

static u64 *reg_slot(struct hl_tb_conv *c, u32 smmu, u32 off)
{
	for (int i = 0; i < c->nreg; i++)
		if (c->reg[i].smmu == smmu && c->reg[i].off == off)
			return &c->reg[i].val;
	if (c->nreg == 256)
		return NULL;
	c->reg[c->nreg].smmu = smmu;
	c->reg[c->nreg].off = off;
	c->reg[c->nreg].val = HL_REG_UNKNOWN;
	return &c->reg[c->nreg++].val;
}

/*
 * A register write.  old: the value before, when the event read it
 * (HL_REG_UNKNOWN: the last one this import saw, if any).
 */
static void reg_write(struct hl_tb_conv *c, struct hl_record *r, u32 smmu, u32 off, u64 val, u64 old)
{
	u64 *last = reg_slot(c, smmu, off);

	r->hdr.kind = HL_K_REG;
	r->reg.smmu = smmu;
	r->reg.offset = off;
	r->reg.new_val = val;
	r->reg.old_val = old != HL_REG_UNKNOWN ? old : last ? *last : HL_REG_UNKNOWN;
	if (last)
		*last = val;
}

static void s2_note(struct hl_tb_conv *c, const u64 *ste)
{
	u64 root = ste[3] & 0x000ffffffffffff0ULL;

	if (!(ste[0] & 1) || (((ste[0] >> 1) & 7) & 6) != 6)
		return;
	for (int i = 0; i < c->ns2; i++)
		if (c->s2[i] == root)
			return;
	if (c->ns2 < 256)
		c->s2[c->ns2++] = root;
}

static const char *const lu_phase[] = {
	"boot", "preserve", "kho_fill_kimage", "kexec_reboot", "freeze", "freeze_done",
	"kexec_machine", "retrieve", "finish",
};

/* enum liveupdate_phase -> milestone, as bpf/hitless_tp.bpf.c maps it */
static u32 lu_milestone(u32 phase)
{
	switch (phase) {
	case 0: return HL_MS_KERNEL_START;
	case 1: return HL_MS_LUO_PREPARE;
	case 2: return HL_MS_KHO_FINALIZE;
	case 4: return HL_MS_LUO_FREEZE;
	case 6: return HL_MS_KEXEC_REBOOT;
	case 8: return HL_MS_LUO_FINISH;
	default: return HL_MS_USER;
	}
}

static const char *const dev_phase[] = {
	"smmu:probe", "smmu:reset", "smmu:reset_done", "smmu:shutdown", "smmu:remove",
};

/*
 * A batch event's commands (CMD_SYNC included) as HL_K_CMD_BATCH records,
 * HL_BATCH_CMDS a record, as bpf/core.bpf.h hl_emit_cmds_sync() makes them:
 * how many records, or -1 (err).
 */
static int cmd_batches(struct hl_tb_conv *c, int ev, struct tep_record *rec, struct hl_record *out,
		       int max, char *err, size_t errlen)
{
	u32 n = num(c, ev, 2, rec), sync = num(c, ev, 3, rec) != 0, total = n + sync, smmu;
	static u64 cmds[HL_TB_MAX_RECORDS * HL_BATCH_CMDS][2];
	int nrec = (total + HL_BATCH_CMDS - 1) / HL_BATCH_CMDS;
	long len;

	if (!total || nrec > max) {
		snprintf(err, errlen, "arm_smmu_cmdq_batch of %u commands (1..%d)", total,
			 max * HL_BATCH_CMDS);
		return -1;
	}
	len = raw(c, ev, 4, rec, cmds, sizeof(cmds));
	if (len != (long)total * 16) {
		snprintf(err, errlen, "arm_smmu_cmdq_batch: %ld bytes of commands for n=%u sync=%u", len, n,
			 sync);
		return -1;
	}
	smmu = smmu_index(c, ev, rec);
	for (int i = 0; i < nrec; i++) {
		u32 k = total - i * HL_BATCH_CMDS;

		if (i)
			out[i].hdr = out[0].hdr;
		out[i].hdr.kind = HL_K_CMD_BATCH;
		out[i].batch.smmu = smmu;
		out[i].batch.count = k < HL_BATCH_CMDS ? k : HL_BATCH_CMDS;
		memcpy(out[i].batch.cmds, cmds[i * HL_BATCH_CMDS], out[i].batch.count * 16);
	}
	return nrec;
}

int hl_tb_convert(struct hl_tb_conv *c, struct tep_event *e, struct tep_record *rec,
		  struct hl_record *out, int max, u64 *counter, char *err, size_t errlen)
{
	struct hl_record *r = out;
	int ev;

	for (ev = 0; ev < EV_MAX && c->ids[ev] != e->id; ev++)
		;
	if (ev == EV_MAX)
		return 0;
	if (max < 1) {
		snprintf(err, errlen, "no room for a record");
		return -1;
	}
	memset(out, 0, max * sizeof(*out));
	*counter = 0;
	r->hdr.mode = HL_MODE_TRACEPOINT;
	r->hdr.version = HL_RECORD_VERSION;
	r->hdr.cpu = rec->cpu;
	r->hdr.ktime_ns = rec->ts;
	if (rec->size < 8) {
		snprintf(err, errlen, "%s:%s record of %d bytes", specs[ev].sys, specs[ev].name, rec->size);
		return -1;
	}
	switch (ev) {
	case EV_STE:
		r->hdr.kind = HL_K_STE;
		r->ste.smmu = smmu_index(c, ev, rec);
		r->ste.sid = num(c, ev, 1, rec);
		r->ste.step = num(c, ev, 2, rec) <= 6 ? num(c, ev, 2, rec) + HL_STEP_UNUSED : HL_STEP_UNKNOWN;
		raw(c, ev, 3, rec, r->ste.before, 64);
		raw(c, ev, 4, rec, r->ste.after, 64);
		s2_note(c, r->ste.after);
		break;
	case EV_CD:
		r->hdr.kind = HL_K_CD;
		r->cd.smmu = smmu_index(c, ev, rec);
		r->cd.sid = num(c, ev, 1, rec);
		r->cd.ssid = num(c, ev, 2, rec);
		r->cd.step = num(c, ev, 3, rec) <= 6 ? num(c, ev, 3, rec) + HL_STEP_UNUSED : HL_STEP_UNKNOWN;
		raw(c, ev, 4, rec, r->cd.before, 64);
		raw(c, ev, 5, rec, r->cd.after, 64);
		break;
	case EV_CMD:
		return cmd_batches(c, ev, rec, out, max, err, errlen);
	case EV_SYNC:
		r->hdr.kind = HL_K_CMD;
		r->cmd.smmu = smmu_index(c, ev, rec);
		r->cmd.flags = HL_CMD_F_SYNC_DONE | ((int)num(c, ev, 2, rec) ? HL_CMD_F_ERROR : 0);
		r->cmd.cmd[0] = HL_CMD_OP_SYNC;
		break;
	case EV_REG:
		reg_write(c, r, smmu_index(c, ev, rec), num(c, ev, 1, rec), num(c, ev, 2, rec), HL_REG_UNKNOWN);
		break;
	case EV_KP_REG: {
		u32 off = num(c, ev, 2, rec);

		r->hdr.mode = HL_MODE_FENTRY;
		reg_write(c, r, smmu_index(c, ev, rec), off, num(c, ev, 1, rec),
			  off == HL_SMMU_CR0 ? num(c, ev, 3, rec) : HL_REG_UNKNOWN);
		break;
	}
	case EV_KP_DISABLE:
	case EV_KP_SHUTDOWN:
		/* arm_smmu_device_disable(), inlined in the shutdown: CR0 = 0 */
		r->hdr.mode = HL_MODE_FENTRY;
		reg_write(c, r, smmu_index(c, ev, rec), HL_SMMU_CR0, 0, num(c, ev, 1, rec));
		break;
	case EV_KP_PROBE:
	case EV_KP_PROBE_RET:
	case EV_KP_LU_REBOOT:
	case EV_KP_KEXEC:
		/* no counter in a kprobe event: the import places it by its timestamp */
		r->hdr.mode = HL_MODE_FENTRY;
		r->hdr.kind = HL_K_MILESTONE;
		r->ms.id = ev == EV_KP_PROBE ? HL_MS_SMMU_PROBE_START : ev == EV_KP_PROBE_RET ? HL_MS_SMMU_PROBE_END :
			   ev == EV_KP_LU_REBOOT ? HL_MS_LUO_FREEZE : HL_MS_KEXEC_REBOOT;
		r->ms.cntfrq = c->cntfrq;
		if (ev == EV_KP_PROBE_RET)
			r->ms.arg = (u32)num(c, ev, 0, rec);
		snprintf(r->ms.note, sizeof(r->ms.note), "%s",
			 ev == EV_KP_PROBE ? "smmu:probe" : ev == EV_KP_PROBE_RET ? "smmu:probe_ret" :
			 ev == EV_KP_LU_REBOOT ? "liveupdate_reboot" : "machine_kexec");
		break;
	case EV_DEVICE: {
		u32 phase = num(c, ev, 1, rec), smmu = smmu_index(c, ev, rec);
		u32 cr0 = num(c, ev, 2, rec), gbpa = num(c, ev, 3, rec);
		u64 *slot;

		r->hdr.kind = HL_K_MILESTONE;
		r->ms.id = phase == 0 ? HL_MS_SMMU_PROBE_START : phase == 2 ? HL_MS_SMMU_PROBE_END : HL_MS_USER;
		r->ms.arg = cr0;
		r->ms.cntvct = *counter = num(c, ev, 5, rec);
		r->ms.cntfrq = c->cntfrq;
		snprintf(r->ms.note, sizeof(r->ms.note), "%s gbpa=%x",
			 phase < 5 ? dev_phase[phase] : "smmu:?", gbpa);
		if ((slot = reg_slot(c, smmu, HL_SMMU_CR0)))
			*slot = cr0;
		if ((slot = reg_slot(c, smmu, HL_SMMU_GBPA)))
			*slot = gbpa;
		if ((slot = reg_slot(c, smmu, HL_SMMU_STRTAB_BASE)))
			*slot = num(c, ev, 4, rec);
		break;
	}
	case EV_ATTACH_STE:
	case EV_ATTACH_CD:
	case EV_REFUSED:
		r->hdr.kind = HL_K_ATTACH;
		r->attach.smmu = smmu_index(c, ev, rec);
		raw(c, ev, 1, rec, r->attach.dev, sizeof(r->attach.dev));
		r->attach.dev[sizeof(r->attach.dev) - 1] = 0;
		r->attach.nsids = 1;
		r->attach.sids[0] = num(c, ev, 2, rec);
		r->attach.ssid = num(c, ev, 3, rec);
		r->attach.outcome = ev == EV_REFUSED ? HL_ATTACH_FAILED : num(c, ev, 4, rec);
		break;
	case EV_PTE: {
		/* a run of one is the descriptor's HL_K_PTE record, as the BPF side sends it */
		int level = (int)num(c, ev, 2, rec);
		u64 size = num(c, ev, 3, rec);
		u32 count = num(c, ev, 4, rec);
		u8 granule = 0, stage = 1;

		for (unsigned g = 12; g <= 16; g += 2)
			if (level >= 0 && level < 4 && size == 1ULL << hl_lpae_shift(level, g))
				granule = g;
		for (int i = 0; i < c->ns2; i++)
			if (c->s2[i] == num(c, ev, 0, rec))
				stage = 2;
		if (!count) {
			snprintf(err, errlen, "arm_lpae_pte_run of 0 descriptors");
			return -1;
		}
		if (count == 1) {
			r->hdr.kind = HL_K_PTE;
			r->pte.root = num(c, ev, 0, rec);
			r->pte.iova = num(c, ev, 1, rec);
			r->pte.old_desc = num(c, ev, 5, rec);
			r->pte.new_desc = num(c, ev, 7, rec);
			r->pte.level = level;
			r->pte.granule = granule;
			r->pte.stage = stage;
			break;
		}
		r->hdr.kind = HL_K_PTE_RUN;
		r->run.root = num(c, ev, 0, rec);
		r->run.iova = num(c, ev, 1, rec);
		r->run.size = size;
		r->run.count = count;
		r->run.old_desc = num(c, ev, 5, rec);
		r->run.old_step = num(c, ev, 6, rec);
		r->run.new_desc = num(c, ev, 7, rec);
		r->run.new_step = num(c, ev, 8, rec);
		r->run.level = level;
		r->run.granule = granule;
		r->run.stage = stage;
		break;
	}
	case EV_MAP:
	case EV_MAP_FILE:
	case EV_COPY:
	case EV_UNMAP:
		r->hdr.kind = HL_K_IOMMUFD;
		r->iommufd.op = ev == EV_UNMAP ? HL_IOMMUFD_IOAS_UNMAP : HL_IOMMUFD_IOAS_MAP;
		r->iommufd.obj_id = num(c, ev, 0, rec);
		r->iommufd.iova = num(c, ev, 1, rec);
		r->iommufd.length = num(c, ev, 2, rec);
		r->iommufd.result = (int)num(c, ev, 4, rec);
		break;
	case EV_HWPT_ALLOC:
		r->hdr.kind = HL_K_IOMMUFD;
		r->iommufd.op = HL_IOMMUFD_HWPT_ALLOC;
		r->iommufd.dev_id = num(c, ev, 1, rec);
		r->iommufd.obj_id = num(c, ev, 2, rec);
		r->iommufd.pt_id = num(c, ev, 3, rec);
		break;
	case EV_DEV_ATTACH:
	case EV_DEV_REPLACE:
	case EV_DEV_DETACH:
		r->hdr.kind = HL_K_IOMMUFD;
		r->iommufd.op = ev == EV_DEV_ATTACH ? HL_IOMMUFD_HWPT_ATTACH :
				ev == EV_DEV_REPLACE ? HL_IOMMUFD_HWPT_REPLACE : HL_IOMMUFD_HWPT_DETACH;
		r->iommufd.dev_id = num(c, ev, 1, rec);
		r->iommufd.pt_id = num(c, ev, 3, rec);
		r->iommufd.obj_id = num(c, ev, 4, rec);
		r->iommufd.result = (int)num(c, ev, 5, rec);
		break;
	case EV_MILESTONE: {
		u32 phase = num(c, ev, 0, rec);
		char name[HL_NOTE_LEN];

		r->hdr.kind = HL_K_MILESTONE;
		r->ms.id = lu_milestone(phase);
		r->ms.arg = (u32)num(c, ev, 2, rec);
		r->ms.cntvct = *counter = num(c, ev, 1, rec);
		r->ms.cntfrq = c->cntfrq;
		str(c, ev, 4, rec, name, sizeof(name));
		snprintf(r->ms.note, sizeof(r->ms.note), "%.15s %.15s", phase < 9 ? lu_phase[phase] : "?", name);
		break;
	}
	}
	return 1;
}

int hl_tb_marker(struct tep_event *e, struct tep_record *rec, char *buf, size_t len)
{
	struct tep_format_field *f = tep_find_field(e, "buf");
	int off, n;

	if (!f || strcmp(e->system, "ftrace") || strcmp(e->name, "print"))
		return 0;
	off = f->offset;
	if (off >= rec->size)
		return 0;
	n = rec->size - off;
	if ((size_t)n >= len)
		n = len - 1;
	memcpy(buf, (const char *)rec->data + off, n);
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return !strncmp(buf, "hitless: ", 9);
}

/* ---- one instance --------------------------------------------------------- */

enum item_kind { IT_REC, IT_START, IT_END };

struct item {
	struct hl_record r;
	u64 ts;
	int kind;
	/* markers */
	u64 boot, ktime, cnt, last_seq, imported;
	int covered;
	char boot_id[40];
};

struct pair { u64 ts, cnt; };

struct inst {
	struct hl_tb_conv *conv;
	VEC(struct item) it;
	VEC(struct pair) pairs;
	u64 lost;
	char err[256];
	int failed;
};

static void parse_marker(const char *s, struct item *it)
{
	const char *p;

	if ((p = strstr(s, "boot=")))
		it->boot = strtoull(p + 5, NULL, 16);
	if ((p = strstr(s, "boot_id=")))
		sscanf(p + 8, "%39s", it->boot_id);
	if ((p = strstr(s, "ktime_ns=")))
		it->ktime = strtoull(p + 9, NULL, 10);
	if ((p = strstr(s, "cntvct=")))
		it->cnt = strtoull(p + 7, NULL, 10);
	if ((p = strstr(s, "last_seq=")))
		it->last_seq = strtoull(p + 9, NULL, 10);
	if ((p = strstr(s, "imported=")))
		it->imported = strtoull(p + 9, NULL, 10);
	if ((p = strstr(s, "covered=")))
		it->covered = atoi(p + 8);
}

/* An expanded record of a run or a batch, an item of its own. */
struct expand_to {
	struct inst *in;
	u64 ts;
};

static void push_expanded(void *arg, const struct hl_record *r)
{
	struct expand_to *x = arg;
	struct item it = { .ts = x->ts, .kind = IT_REC, .r = *r };

	VEC_PUSH(x->in->it, it);
}

static int on_event(struct tep_event *e, struct tep_record *rec, int cpu, void *ctx)
{
	struct inst *in = ctx;
	struct item it = { .ts = rec->ts, .kind = IT_REC };
	static struct hl_record out[HL_TB_MAX_RECORDS];
	struct expand_to x = { in, rec->ts };
	char m[256], why[160];
	u64 counter;
	int rc;

	(void)cpu;
	if (in->failed)
		return 1;
	if (rec->missed_events) {
		/* the ring buffer overwrote or dropped events before this one: never silent */
		struct item l = { .ts = rec->ts, .kind = IT_REC };

		l.r.hdr.kind = HL_K_LOST;
		l.r.hdr.mode = HL_MODE_TRACEPOINT;
		l.r.hdr.version = HL_RECORD_VERSION;
		l.r.hdr.cpu = rec->cpu;
		l.r.hdr.ktime_ns = rec->ts;
		l.r.lost.count = rec->missed_events > 0 ? (u64)rec->missed_events : 1;
		l.r.lost.where = HL_LOST_TRACE_BUF;
		in->lost += l.r.lost.count;
		VEC_PUSH(in->it, l);
	}
	if (hl_tb_marker(e, rec, m, sizeof(m))) {
		if (!strncmp(m, HL_TB_MARK_START, strlen(HL_TB_MARK_START)))
			it.kind = IT_START;
		else if (!strncmp(m, HL_TB_MARK_END, strlen(HL_TB_MARK_END)))
			it.kind = IT_END;
		else
			return 0;
		parse_marker(m, &it);
		if (it.cnt) {
			struct pair p = { rec->ts, it.cnt };

			VEC_PUSH(in->pairs, p);
		}
		VEC_PUSH(in->it, it);
		return 0;
	}
	rc = hl_tb_convert(in->conv, e, rec, out, HL_TB_MAX_RECORDS, &counter, in->err, sizeof(in->err));
	if (rc < 0) {
		in->failed = 1;
		return 1;
	}
	if (!rc)
		return 0;
	if (counter) {
		struct pair p = { rec->ts, counter };

		VEC_PUSH(in->pairs, p);
	}
	for (int i = 0; i < rc; i++) {
		if (!hl_record_multi(&out[i])) {
			it.r = out[i];
			VEC_PUSH(in->it, it);
		} else if (!hl_record_check(&out[i], sizeof(out[i]), why, sizeof(why))) {
			hl_record_expand(&out[i], push_expanded, &x);
		} else {
			/* a run that breaks its rules (hitless.h): lost whole, never silent */
			struct item l = { .ts = rec->ts, .kind = IT_REC, .r.hdr = out[i].hdr };

			l.r.hdr.kind = HL_K_LOST;
			memset(&l.r.lost, 0, sizeof(l.r.lost));
			l.r.lost.count = out[i].hdr.kind == HL_K_PTE_RUN ? out[i].run.count : out[i].batch.count;
			l.r.lost.where = HL_LOST_TRACE_BUF;
			in->lost += l.r.lost.count;
			VEC_PUSH(in->it, l);
		}
	}
	return 0;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* trace timestamp -> counter, piecewise linear through the pairs */
static double ts_cnt(const struct pair *p, size_t n, u64 ts, u64 frq, int counter_clock)
{
	size_t i;

	if (counter_clock)
		return ts;
	if (n == 1 || (n > 1 && p[0].ts == p[n - 1].ts))
		return p[0].cnt + ((double)ts - p[0].ts) * frq / 1e9;
	for (i = 1; i + 1 < n && p[i].ts < ts; i++)
		;
	if (p[i].ts == p[i - 1].ts)
		return p[i - 1].cnt + ((double)ts - p[i - 1].ts) * frq / 1e9;
	return p[i - 1].cnt + ((double)ts - p[i - 1].ts) *
	       (((double)p[i].cnt - p[i - 1].cnt) / ((double)p[i].ts - p[i - 1].ts));
}

/* "top": the top-level buffer, where a stock kernel's boot-time kprobe events go */
static int is_top(const char *name)
{
	return !strcmp(name, HL_TB_TOP);
}

static int is_prev_instance(struct tracefs_instance *ti)
{
	char *s = tracefs_instance_file_read(ti, "last_boot_info", NULL);
	int prev = 0;

	/* a buffer recording this boot says "# Current"; one holding another boot's data does not */
	if (s)
		prev = strncmp(s, "# Current", 9) != 0;
	free(s);
	return prev;
}

/* Does the instance record any of the series' event systems? */
static int series_enabled(struct tracefs_instance *ti)
{
	static const char *const sys[] = { "arm_smmu_v3", "io_pgtable_arm", "iommufd", "liveupdate", "hitless" };
	int on = 0;

	for (int i = 0; i < 5 && !on; i++) {
		char f[64], *s;

		snprintf(f, sizeof(f), "events/%s/enable", sys[i]);
		s = tracefs_instance_file_read(ti, f, NULL);
		on = s && s[0] != '0';
		free(s);
	}
	return on;
}

static u64 fnv(u64 h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static void boot_front(struct hl_state *s, const struct hl_boot_disk *b)
{
	VEC_PUSH(s->boots, *b);
	memmove(&s->boots.v[1], &s->boots.v[0], (s->boots.n - 1) * sizeof(*b));
	s->boots.v[0] = *b;
}

static int batch_finish(struct inst *in, struct hl_state *s, const char *name, int prev, int clock,
			const struct hl_tb_opts *o, u64 *seq_cur, struct hl_tb_result *res);

static int import_one(struct hl_state *s, struct tep_handle *tep, const char *name,
		      const struct hl_tb_opts *o, u64 *seq_cur, struct hl_tb_result *res,
		      struct hl_tb_conv *conv, char *err, size_t errlen)
{
	struct tracefs_instance *ti;
	struct inst in = { .conv = conv };
	char *clk;
	int clock = HL_TB_CLOCK_LOCAL, prev, rc = -1;

	ti = is_top(name) ? NULL : tracefs_instance_alloc(NULL, name);
	if (!ti && !is_top(name)) {
		snprintf(err, errlen, "trace instance '%s': %s", name, strerror(errno));
		return -1;
	}
	clk = tracefs_get_clock(ti);
	if (clk && !strcmp(clk, "counter"))
		clock = HL_TB_CLOCK_COUNTER;
	else if (clk && (!strcmp(clk, "mono") || !strcmp(clk, "mono_raw")))
		clock = HL_TB_CLOCK_MONO;
	prev = is_prev_instance(ti);
	if (!prev && !series_enabled(ti)) {
		snprintf(err, errlen, "trace instance '%s' records none of the kernel series' events "
			 "(events/{arm_smmu_v3,io_pgtable_arm,iommufd,liveupdate,hitless}/enable are 0): create it with "
			 "trace_instance=%s@hitless,arm_smmu_v3,io_pgtable_arm,iommufd,liveupdate, or on a stock "
			 "kernel enable the kprobe events hitless/* in it", name, name);
		goto out;
	}
	if (tracefs_iterate_raw_events(tep, ti, NULL, 0, on_event, &in) < 0 && !in.failed) {
		snprintf(err, errlen, "reading trace instance '%s': %s", name, strerror(errno));
		goto out;
	}
	if (in.failed) {
		snprintf(err, errlen, "trace instance '%s': %s", name, in.err);
		goto out;
	}
	rc = batch_finish(&in, s, name, prev, clock, o, seq_cur, res);
out:
	free(clk);
	VEC_FREE(in.it);
	VEC_FREE(in.pairs);
	tracefs_instance_free(ti);
	return rc;
}

/* Tests: the import over events handed in one by one. */
struct hl_tb_batch *hl_tb_batch_new(struct hl_tb_conv *c)
{
	struct inst *in = calloc(1, sizeof(*in));

	if (!in)
		abort();
	in->conv = c;
	return (struct hl_tb_batch *)in;
}

int hl_tb_batch_event(struct hl_tb_batch *b, struct tep_event *e, struct tep_record *rec)
{
	struct inst *in = (struct inst *)b;

	on_event(e, rec, rec->cpu, in);
	return in->failed ? -1 : 0;
}

int hl_tb_batch_finish(struct hl_tb_batch *b, struct hl_state *s, const char *name, int backup,
		       int clock, const struct hl_tb_opts *o, u64 *seq_cur, struct hl_tb_result *res)
{
	struct inst *in = (struct inst *)b;
	int rc = batch_finish(in, s, name, backup, clock, o, seq_cur, res);

	VEC_FREE(in->it);
	VEC_FREE(in->pairs);
	free(in);
	return rc;
}

static int batch_finish(struct inst *in_, struct hl_state *s, const char *name, int prev, int clock,
			const struct hl_tb_opts *o, u64 *seq_cur, struct hl_tb_result *res)
{
	struct inst in = *in_;
	int counter_clock = clock == HL_TB_CLOCK_COUNTER, mono_clock = clock == HL_TB_CLOCK_MONO;
	u64 boot = o->boot, base = 0, akt = 0, acnt = 0;
	size_t start_i = (size_t)-1, end_i = (size_t)-1;
	const struct item *mstart = NULL, *mend = NULL;
	u64 nrec = 0, pre = 0;
	const char *note = NULL;
	struct hl_boot_disk pboot = { 0 };

	if (in.pairs.n)
		qsort(in.pairs.v, in.pairs.n, sizeof(*in.pairs.v), pair_cmp);

	/*
	 * Whose boot: the last marker (start or end) names it; another boot's
	 * makes this the previous boot's buffer.  In the previous boot's buffer
	 * the end marker is the one that survives when that boot's capture read
	 * the instance (reading consumed its start marker).
	 */
	for (size_t i = 0; i < in.it.n; i++) {
		if (in.it.v[i].kind == IT_START) {
			start_i = i;
			mstart = &in.it.v[i];
		} else if (in.it.v[i].kind == IT_END) {
			end_i = i;
			mend = &in.it.v[i];
		}
		if (in.it.v[i].kind != IT_REC)
			prev = in.it.v[i].boot != o->boot;
	}
	if (prev && mend) {
		/* the start marker of the capture that wrote the end marker, if still here */
		mstart = NULL;
		for (size_t i = 0; i < end_i; i++)
			if (in.it.v[i].kind == IT_START) {
				start_i = i;
				mstart = &in.it.v[i];
			}
		if (!mstart)
			start_i = (size_t)-1;
	}
	if (prev) {
		struct hl_boot_disk b = { .cntfrq = o->cntfrq };
		const struct item *m = mend && mend->boot && mend->boot != o->boot ? mend :
				       mstart && mstart->boot && mstart->boot != o->boot ? mstart : NULL;

		if (m) {
			boot = m->boot;
			memcpy(b.boot_id, m->boot_id, sizeof(b.boot_id));
			akt = m->ktime;
			acnt = m->cnt;
		} else {
			/* no hitless ran in that boot: an identity derived from its first counter */
			u64 first = in.pairs.n ? in.pairs.v[0].cnt : 0;

			boot = fnv(fnv(0xcbf29ce484222325ULL, name, strlen(name)), &first, sizeof(first)) |
			       (1ULL << 63);
			snprintf(b.boot_id, sizeof(b.boot_id), "derived-%016llx", (unsigned long long)boot);
			note = "no hitless marker in it: boot identity derived from its first counter "
			       "(its times are not tied to that boot's CLOCK_MONOTONIC)";
			mstart = mend = NULL;
		}
		b.boot = boot;
		snprintf(b.release, sizeof(b.release), "(previous boot, from trace instance %s)", name);
		pboot = b;
		base = mend ? mend->last_seq : 0;
	} else {
		akt = o->now_ktime;
		acnt = o->now_cnt;
		/* this boot: up to this process's start marker (the capture covers the rest) */
		base = *seq_cur;
	}

	for (size_t i = 0; i < in.it.n; i++) {
		struct item *it = &in.it.v[i];
		double cnt;

		if (it->kind != IT_REC)
			continue;
		if (!prev && start_i != (size_t)-1 && i > start_i)
			break;
		if (prev && mend && i < end_i) {
			int before_start = start_i != (size_t)-1 && i < start_i;

			/* that boot's capture read what came before its start marker... */
			if (before_start && mend->imported) {
				pre++;
				continue;
			}
			/* ...and a record saw everything while it ran */
			if (!before_start && mend->covered) {
				pre++;
				continue;
			}
		}
		if (it->r.hdr.kind == HL_K_MILESTONE && it->r.ms.cntvct)
			cnt = it->r.ms.cntvct;
		else
			cnt = in.pairs.n ? ts_cnt(in.pairs.v, in.pairs.n, it->ts, o->cntfrq ? o->cntfrq : 1000000000ULL,
						 counter_clock) : 0;
		if (mono_clock)
			it->r.hdr.ktime_ns = it->ts;
		else if (in.pairs.n && acnt && o->cntfrq) {
			/*
			 * CLOCK_MONOTONIC starts (at 0) only once the kernel's clocksource
			 * runs: the earliest events (the LUO boot milestone) can come
			 * before it and are clamped to 0; their counters stay exact.
			 */
			double k = (double)akt + (cnt - (double)acnt) * 1e9 / o->cntfrq;

			it->r.hdr.ktime_ns = k > 0 ? (u64)k : 0;
		}
		/* else: the trace timestamp itself (the timeline's notes say uncorrelated) */
		it->r.hdr.boot = boot;
		it->r.hdr.seq = ++base;
		hl_state_apply(s, &it->r);
		nrec++;
		if (it->r.hdr.kind == HL_K_MILESTONE && it->r.ms.cntvct) {
			struct hl_clock_disk cs = { .boot = boot, .ktime = it->r.hdr.ktime_ns,
						    .cntvct = it->r.ms.cntvct };

			VEC_PUSH(s->clocks, cs);
		}
	}
	/* the previous boot, oldest first, if anything of it came back */
	if (prev && nrec && !hl_state_boot(s, boot))
		boot_front(s, &pboot);
	if (prev) {
		res->imported_prev += nrec;
		p_note(o->quiet, "trace instance %s: %llu records of the previous boot %016llx%s%s", name,
		    (unsigned long long)nrec, (unsigned long long)boot,
		    pre ? " (the rest is in that boot's own snapshot)" : "", note ? "; " : "");
		if (note)
			p_note(o->quiet, "trace instance %s: %s", name, note);
	} else {
		res->imported_current += nrec;
		*seq_cur = base;
		p_note(o->quiet, "trace instance %s: %llu records of this boot%s", name, (unsigned long long)nrec,
		    start_i != (size_t)-1 ? " before this capture started" : "");
	}
	if (in.lost)
		p_note(o->quiet, "trace instance %s: %llu events LOST (ring buffer overwritten)", name,
		    (unsigned long long)in.lost);
	res->lost += in.lost;
	if (!in.pairs.n && nrec)
		p_note(o->quiet, "trace instance %s: no event with a counter: its times cannot be placed across kexec", name);
	return 0;
}

int hl_tb_import(struct hl_state *s, const char *instances, const struct hl_tb_opts *o,
		 struct hl_tb_result *res, char *err, size_t errlen)
{
	static const char *const systems[] = { "arm_smmu_v3", "io_pgtable_arm", "iommufd", "liveupdate",
					       "hitless", "ftrace", NULL };
	struct tep_handle *tep;
	struct hl_tb_conv *conv;
	char *dup, *save = NULL, *tok;
	u64 seq_cur = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (!tracefs_tracing_dir() || access(tracefs_tracing_dir(), R_OK)) {
		snprintf(err, errlen, "no tracefs (mount -t tracefs nodev /sys/kernel/tracing)");
		return -1;
	}
	if (geteuid() != 0) {
		snprintf(err, errlen, "reading trace instances needs root");
		return -1;
	}
	/* every instance first: a missing one is the error, whatever the kernel */
	dup = strdup(instances);
	for (tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!is_top(tok) && !tracefs_instance_exists(tok)) {
			snprintf(err, errlen, "no trace instance '%s' (%s/instances/%s); boot with the command "
				 "line of docs/early-boot-tracing.md", tok, tracefs_tracing_dir(), tok);
			free(dup);
			return -1;
		}
	free(dup);
	tep = tracefs_local_events_system(NULL, systems);
	if (!tep) {
		snprintf(err, errlen, "cannot read the event formats under %s/events: %s",
			 tracefs_tracing_dir(), strerror(errno));
		return -1;
	}
	conv = hl_tb_conv_new(tep, o->cntfrq, err, errlen);
	if (!conv) {
		tep_free(tep);
		return -1;
	}
	save = NULL;
	dup = strdup(instances);
	for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save))
		rc = import_one(s, tep, tok, o, &seq_cur, res, conv, err, errlen);
	free(dup);
	hl_tb_conv_free(conv);
	tep_free(tep);
	return rc;
}

void hl_tb_mark(const char *instances, const char *line)
{
	char *dup = strdup(instances ? instances : ""), *save = NULL, *tok;
	int hitless_done = 0;

	for (tok = strtok_r(dup, ",", &save);; tok = strtok_r(NULL, ",", &save)) {
		struct tracefs_instance *ti;
		const char *name = tok;

		if (!name) {
			if (hitless_done)
				break;
			name = "hitless";
		}
		if (!strcmp(name, "hitless"))
			hitless_done = 1;
		if (is_top(name)) {
			tracefs_instance_file_write(NULL, "trace_marker", line);
		} else if (tracefs_instance_exists(name) && (ti = tracefs_instance_alloc(NULL, name))) {
			/* a backup instance is read-only: the write fails, which is fine */
			tracefs_instance_file_write(ti, "trace_marker", line);
			tracefs_instance_free(ti);
		}
		if (!tok)
			break;
	}
	free(dup);
}

int hl_tb_arm_stock(const char *instance)
{
	struct tracefs_instance *ti;
	int rc = 0;

	if (!tracefs_file_exists(NULL, "events/hitless/enable") || !tracefs_instance_exists(instance))
		return 0;
	ti = tracefs_instance_alloc(NULL, instance);
	if (!ti)
		return -1;
	if (tracefs_instance_file_write(ti, "events/hitless/enable", "1") < 0)
		rc = -1;
	else
		rc = 1;
	tracefs_instance_free(ti);
	return rc;
}

/*
 * Markers.  Every capture writes "hitless: start boot=... boot_id=...
 * ktime_ns=... cntvct=... cntfrq=..." to the trace_marker of the instances
 * it is given and of "hitless" when it starts, and "hitless: end boot=...
 * last_seq=N imported=N covered=0|1" when it has written its snapshot.
 * They land in the persistent buffer and come back in the next boot's
 * backup instance: the start marker names that boot and ties its trace
 * clock to its CLOCK_MONOTONIC; the end marker says which of its events
 * that boot's own snapshot already holds and where its sequence numbers end.
 */
int hl_trace_begin(struct hl_state *s, const char *list, int quiet, u64 *seq_base)
{
	struct hl_tb_opts o = { .boot = s->meta.boot, .cntfrq = hl_cntfrq(), .quiet = quiet };
	struct hl_tb_result res;
	char line[256], err[512];

	*seq_base = 0;
	o.now_ktime = hl_now_ns(CLOCK_MONOTONIC);
	o.now_cnt = hl_cntvct();
	snprintf(line, sizeof(line), HL_TB_MARK_START " boot=%016llx boot_id=%s ktime_ns=%llu cntvct=%llu cntfrq=%llu\n",
		 (unsigned long long)s->meta.boot, s->meta.boot_id, (unsigned long long)o.now_ktime,
		 (unsigned long long)o.now_cnt, (unsigned long long)o.cntfrq);
	hl_tb_mark(list, line);
	if (!list)
		return 0;
	/* a stock kernel: from now on, its last actions go to the persistent instance too */
	switch (hl_tb_arm_stock("hitless")) {
	case 1:
		if (!quiet)
			fprintf(stderr, "hitless: stock kernel: kprobe events hitless/* now also recorded in "
				"trace instance hitless (for the next kernel's hitless_prev)\n");
		break;
	case -1:
		p_err("--trace: cannot enable the kprobe events hitless/* in trace instance hitless");
		return HL_EXIT_ERROR;
	}
	if (hl_tb_import(s, list, &o, &res, err, sizeof(err))) {
		p_err("--trace: %s", err);
		return HL_EXIT_ERROR;
	}
	*seq_base = res.imported_current;
	return 0;
}

void hl_trace_end(const struct hl_state *s, const char *list, u64 imported, int covered)
{
	char line[256];
	u64 last = 0;

	for (size_t i = 0; i < s->events.n; i++)
		if (s->events.v[i].hdr.boot == s->meta.boot && s->events.v[i].hdr.seq > last)
			last = s->events.v[i].hdr.seq;
	snprintf(line, sizeof(line), HL_TB_MARK_END " boot=%016llx boot_id=%s ktime_ns=%llu cntvct=%llu "
		 "last_seq=%llu imported=%llu covered=%d\n", (unsigned long long)s->meta.boot, s->meta.boot_id,
		 (unsigned long long)hl_now_ns(CLOCK_MONOTONIC), (unsigned long long)hl_cntvct(),
		 (unsigned long long)last, (unsigned long long)imported, covered);
	hl_tb_mark(list, line);
}
