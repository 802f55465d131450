// SPDX-License-Identifier: GPL-2.0
/*
 * The trace-event -> record conversion (userspace/lib/tracebuf.c) without a
 * kernel: libtraceevent parses the format files the patched 7.3 kernel
 * printed on the rig (tests/unit/data/tracefs/SYSTEM/EVENT/format), and
 * each event's raw data is built here by hand, field by field.
 */
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include "tap.h"
#include "tracebuf.h"
#include "records.h"
#include "build.h"

#ifndef DATA_DIR
#define DATA_DIR "tests/unit/data/tracefs"
#endif

static char data_dir[512];

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *b;
	long sz;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = calloc(1, sz + 1);
	if (fread(b, 1, sz, f) != (size_t)sz)
		sz = 0;
	fclose(f);
	*n = sz;
	return b;
}

static const char *const events[] = {
	"arm_smmu_v3/arm_smmu_ste_write", "arm_smmu_v3/arm_smmu_cd_write",
	"arm_smmu_v3/arm_smmu_cmdq_batch", "arm_smmu_v3/arm_smmu_cmdq_sync",
	"arm_smmu_v3/arm_smmu_reg_write", "arm_smmu_v3/arm_smmu_device",
	"arm_smmu_v3/arm_smmu_attach_ste", "arm_smmu_v3/arm_smmu_attach_cd",
	"arm_smmu_v3/arm_smmu_attach_refused", "io_pgtable_arm/arm_lpae_pte_run",
	"iommufd/iommufd_ioas_map", "iommufd/iommufd_ioas_map_file", "iommufd/iommufd_ioas_copy",
	"iommufd/iommufd_ioas_unmap", "iommufd/iommufd_hwpt_alloc", "iommufd/iommufd_device_attach",
	"iommufd/iommufd_device_replace", "iommufd/iommufd_device_detach",
	"liveupdate/liveupdate_milestone", "ftrace/print",
	/* a stock kernel's switch probes (scripts/lib.sh stock_kprobe_events), as the rig's printed them */
	"hitless/arm_smmu_write_reg_sync", "hitless/arm_smmu_device_disable",
	"hitless/arm_smmu_device_shutdown", "hitless/arm_smmu_device_probe",
	"hitless/arm_smmu_device_probe_ret", "hitless/liveupdate_reboot", "hitless/machine_kexec", NULL,
};

/* A tep with the formats; `patch` (if set) edits one format's text first. */
static struct tep_handle *load(const char *only_sys, const char *edit_ev, const char *from, const char *to)
{
	struct tep_handle *tep = tep_alloc();

	tep_set_long_size(tep, 8);
	tep_set_page_size(tep, 4096);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	for (int i = 0; events[i]; i++) {
		char path[700], sys[64];
		size_t n;
		char *buf;

		snprintf(sys, sizeof(sys), "%.*s", (int)(strchr(events[i], '/') - events[i]), events[i]);
		if (only_sys && strcmp(sys, only_sys))
			continue;
		snprintf(path, sizeof(path), "%s/%s/format", data_dir, events[i]);
		buf = slurp(path, &n);
		if (!buf) {
			tap_diag("cannot read %s", path);
			continue;
		}
		if (edit_ev && !strcmp(events[i], edit_ev)) {
			char *p = strstr(buf, from), *nb;

			if (p) {
				nb = calloc(1, n + strlen(to) + 1);
				memcpy(nb, buf, p - buf);
				strcat(nb, to);
				strcat(nb, p + strlen(from));
				free(buf);
				buf = nb;
				n = strlen(nb);
			}
		}
		if (tep_parse_event(tep, buf, n, sys))
			tap_diag("cannot parse %s", path);
		free(buf);
	}
	return tep;
}

/* ---- raw event data, built field by field ---- */
struct ev {
	struct tep_event *e;
	unsigned char d[2048];	/* a batch of 65 commands is 1040 bytes */
	int size;		/* fixed part, then dynamic data appended */
};

static void ev_init(struct ev *v, struct tep_handle *tep, const char *sys, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->e = tep_find_event_by_name(tep, sys, name);
	if (!v->e) {
		tap_diag("no event %s:%s", sys, name);
		exit(1);
	}
	*(unsigned short *)v->d = v->e->id;
	v->size = 0;
	for (struct tep_format_field *f = v->e->format.fields; f; f = f->next) {
		if (f->offset + f->size > v->size)
			v->size = f->offset + f->size;
	}
	v->size = (v->size + 7) & ~7;
}

static void set(struct ev *v, const char *field, const void *val, size_t n)
{
	struct tep_format_field *f = tep_find_field(v->e, field);

	if (!f) {
		tap_diag("no field %s", field);
		exit(1);
	}
	memcpy(v->d + f->offset, val, n);
}

static void set_u32(struct ev *v, const char *field, unsigned val) { set(v, field, &val, 4); }
static void set_u64(struct ev *v, const char *field, unsigned long long val) { set(v, field, &val, 8); }

/* __data_loc: offset | length << 16, the data after the fixed part */
static void set_dyn(struct ev *v, const char *field, const void *val, size_t n)
{
	unsigned loc = v->size | (unsigned)n << 16;

	set(v, field, &loc, 4);
	memcpy(v->d + v->size, val, n);
	v->size += (n + 3) & ~3u;
}

static void set_str(struct ev *v, const char *field, const char *s) { set_dyn(v, field, s, strlen(s) + 1); }

/* The records of the last conversion; conv() hands back the first. */
static struct hl_record outv[HL_TB_MAX_RECORDS];

static int conv(struct hl_tb_conv *c, struct ev *v, unsigned long long ts, struct hl_record *r, u64 *cnt)
{
	struct tep_record rec = { .ts = ts, .size = v->size, .data = v->d, .cpu = 1 };
	char err[256] = "";
	int rc = hl_tb_convert(c, v->e, &rec, outv, HL_TB_MAX_RECORDS, cnt, err, sizeof(err));

	if (rc < 0)
		tap_diag("convert: %s", err);
	if (rc > 0)
		*r = outv[0];
	return rc;
}

struct expanded {
	struct hl_record v[128];
	unsigned n;
};

static void take_expanded(void *arg, const struct hl_record *r)
{
	struct expanded *x = arg;

	if (x->n < 128)
		x->v[x->n] = *r;
	x->n++;
}

static const u64 ste_a[8] = { 0x0000000040000009ULL, 0, 0, 0x0000000081230000ULL, 0, 0, 0, 0 };
static const u64 ste_s2_cfg[8] = { 0x000000000000000dULL, 0, 0x0000000000000000ULL, 0x00000000a0000000ULL, 0, 0, 0, 0 };

static void conversions(struct tep_handle *tep)
{
	char err[256] = "";
	struct hl_tb_conv *c = hl_tb_conv_new(tep, 62500000, err, sizeof(err));
	struct hl_record r;
	struct ev v;
	u64 cnt, zero[8] = { 0 };
	int rc;

	if (!tap_ok(c != NULL, "the 7.3 patched kernel's formats are accepted (%s)", err))
		return;

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_ste_write");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "sid", 0x10);
	set_u32(&v, "step", 1);		/* critical */
	set(&v, "before", zero, 64);
	set(&v, "after", ste_a, 64);
	rc = conv(c, &v, 1000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_STE && r.hdr.mode == HL_MODE_TRACEPOINT &&
	       r.hdr.version == HL_RECORD_VERSION && r.hdr.cpu == 1 && r.hdr.ktime_ns == 1000 &&
	       r.ste.smmu == 0 && r.ste.sid == 0x10 && r.ste.step == HL_STEP_CRITICAL &&
	       !memcmp(r.ste.after, ste_a, 64) && !memcmp(r.ste.before, zero, 64) && cnt == 0,
	       "arm_smmu_ste_write -> HL_K_STE: SMMU, StreamID, step critical, before/after qwords");
	for (unsigned s = 0; s <= 7; s++) {
		static const unsigned want[] = { HL_STEP_UNUSED, HL_STEP_CRITICAL, HL_STEP_FINAL, HL_STEP_BREAK,
						 HL_STEP_FILL, HL_STEP_SETV, HL_STEP_ONESHOT, HL_STEP_UNKNOWN };

		set_u32(&v, "step", s);
		conv(c, &v, 1000, &r, &cnt);
		if (r.ste.step != want[s])
			tap_diag("step %u -> %u, want %u", s, r.ste.step, want[s]);
		rc &= r.ste.step == want[s];
	}
	tap_ok(rc == 1, "enum arm_smmu_write_step 0..6 -> unused critical final break fill set-V one-shot; 7 unknown");

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_ste_write");
	set_str(&v, "smmu", "arm-smmu-v3.1.auto");
	set_u32(&v, "sid", 8);
	set(&v, "after", ste_s2_cfg, 64);
	conv(c, &v, 1001, &r, &cnt);
	tap_ok(r.ste.smmu == 1, "a second SMMU's name takes the next index (order of first appearance)");

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_cd_write");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "sid", 0x10);
	set_u32(&v, "ssid", 3);
	set_u32(&v, "step", 6);
	set(&v, "after", ste_a, 64);
	rc = conv(c, &v, 1002, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_CD && r.cd.smmu == 0 && r.cd.sid == 0x10 && r.cd.ssid == 3 &&
	       r.cd.step == HL_STEP_ONESHOT && !memcmp(r.cd.after, ste_a, 64),
	       "arm_smmu_cd_write -> HL_K_CD: StreamID, SSID, step direct = one-shot, qwords");

	{
		/* one cmdlist call: its commands and the CMD_SYNC the driver built, as batch records */
		static u64 cmds[65][2];
		static struct expanded x;
		unsigned bad = 0;

		for (unsigned i = 0; i < 64; i++) {
			cmds[i][0] = 0x12 | (u64)(i + 1) << 32;
			cmds[i][1] = 0x1000ULL * i;
		}
		ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_cmdq_batch");
		set_str(&v, "smmu", "arm-smmu-v3.0.auto");
		set_u32(&v, "prod", 5);
		set_u32(&v, "n", 2);
		set_u32(&v, "sync", 1);
		cmds[2][0] = 0x0000001000000046ULL;
		cmds[2][1] = 0x8000f000ULL;
		set_dyn(&v, "cmds", cmds, 3 * 16);
		rc = conv(c, &v, 1003, &r, &cnt);
		tap_ok(rc == 1 && r.hdr.kind == HL_K_CMD_BATCH && r.batch.smmu == 0 && r.batch.count == 3 &&
		       r.batch.cmds[0][0] == cmds[0][0] && r.batch.cmds[1][1] == cmds[1][1] &&
		       r.batch.cmds[2][0] == 0x0000001000000046ULL && r.batch.cmds[2][1] == 0x8000f000ULL,
		       "arm_smmu_cmdq_batch -> one HL_K_CMD_BATCH: 2 commands and the CMD_SYNC's own qwords");
		cmds[2][0] = 0x12 | 3ULL << 32;
		cmds[2][1] = 0x2000;
		ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_cmdq_batch");
		set_str(&v, "smmu", "arm-smmu-v3.0.auto");
		set_u32(&v, "n", 64);
		set_u32(&v, "sync", 1);
		cmds[64][0] = 0x46;
		cmds[64][1] = 0;
		set_dyn(&v, "cmds", cmds, 65 * 16);
		rc = conv(c, &v, 1003, &r, &cnt);
		x.n = 0;
		for (int i = 0; i < rc; i++)
			hl_record_expand(&outv[i], take_expanded, &x);
		for (unsigned i = 0; i < x.n && i < 65; i++)
			bad += x.v[i].hdr.kind != HL_K_CMD || x.v[i].cmd.cmd[0] != cmds[i][0] ||
			       x.v[i].cmd.cmd[1] != cmds[i][1] || x.v[i].hdr.ktime_ns != 1003;
		tap_ok(rc == 8 && x.n == 65 && !bad,
		       "64 commands and a CMD_SYNC -> 8 batch records, expanded to the 65 commands in order (%d, %u, %u wrong)",
		       rc, x.n, bad);
		set_u32(&v, "n", 65);
		tap_ok(conv(c, &v, 1003, &r, &cnt) < 0,
		       "a batch whose commands are not n + sync of them is refused (malformed)");
	}

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_cmdq_sync");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "ret", 0);
	rc = conv(c, &v, 1004, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_CMD && r.cmd.flags == HL_CMD_F_SYNC_DONE &&
	       (r.cmd.cmd[0] & 0xff) == 0x46, "arm_smmu_cmdq_sync -> CMD_SYNC with HL_CMD_F_SYNC_DONE");
	set_u32(&v, "ret", (unsigned)-110);
	conv(c, &v, 1004, &r, &cnt);
	tap_ok(r.cmd.flags == (HL_CMD_F_SYNC_DONE | HL_CMD_F_ERROR), "a timed-out sync has HL_CMD_F_ERROR");

	/* SMMU life: the read-back seeds the registers' old values */
	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_device");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "phase", 0);
	set_u32(&v, "cr0", 0x5);
	set_u32(&v, "gbpa", 0x100000);
	set_u64(&v, "strtab_base", 0x41000000);
	set_u64(&v, "counter", 123456789);
	rc = conv(c, &v, 2000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_MILESTONE && r.ms.id == HL_MS_SMMU_PROBE_START &&
	       r.ms.cntvct == 123456789 && cnt == 123456789 && r.ms.cntfrq == 62500000 && r.ms.arg == 5 &&
	       !strcmp(r.ms.note, "smmu:probe gbpa=100000"),
	       "arm_smmu_device probe -> SMMU_PROBE_START with counter, CNTFRQ, CR0 and GBPA");
	set_u32(&v, "phase", 2);
	conv(c, &v, 2001, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_SMMU_PROBE_END && !strncmp(r.ms.note, "smmu:reset_done", 15),
	       "arm_smmu_device reset_done -> SMMU_PROBE_END");
	set_u32(&v, "phase", 3);
	conv(c, &v, 2002, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_USER && !strncmp(r.ms.note, "smmu:shutdown", 13),
	       "arm_smmu_device shutdown -> a milestone noted smmu:shutdown");
	set_u32(&v, "phase", 0);
	conv(c, &v, 2003, &r, &cnt);	/* CR0 read back: 0x5 */

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_reg_write");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "offset", 0x20);
	set_u64(&v, "val", 0x4);
	rc = conv(c, &v, 2004, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_REG && r.reg.offset == HL_SMMU_CR0 && r.reg.old_val == 0x5 &&
	       r.reg.new_val == 0x4, "arm_smmu_reg_write -> HL_K_REG, old value from the read-back (SMMUEN 1 -> 0)");
	set_u64(&v, "val", 0x5);
	conv(c, &v, 2005, &r, &cnt);
	tap_ok(r.reg.old_val == 0x4 && r.reg.new_val == 0x5, "the next write's old value is the last one written");
	/* the previous kernel's instance read from after its capture: no read-back before shutdown */
	set_str(&v, "smmu", "arm-smmu-v3.1.auto");
	set_u64(&v, "val", 0x0);
	conv(c, &v, 2006, &r, &cnt);
	tap_ok(r.reg.old_val == HL_REG_UNKNOWN && r.reg.new_val == 0,
	       "a write with no read-back before it: old value unknown, not 0 (SMMU-OFF must still see it)");

	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_attach_ste");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_str(&v, "dev", "0000:00:02.0");
	set_u32(&v, "sid", 0x10);
	set_u32(&v, "outcome", 2);
	rc = conv(c, &v, 3000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_ATTACH && !strcmp(r.attach.dev, "0000:00:02.0") &&
	       r.attach.nsids == 1 && r.attach.sids[0] == 0x10 && r.attach.outcome == HL_ATTACH_BREAKING,
	       "arm_smmu_attach_ste -> HL_K_ATTACH: device, StreamID, outcome breaking");
	ev_init(&v, tep, "arm_smmu_v3", "arm_smmu_attach_refused");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_str(&v, "dev", "0000:00:02.0");
	set_u32(&v, "sid", 0x10);
	set_u32(&v, "ret", (unsigned)-1);
	conv(c, &v, 3001, &r, &cnt);
	tap_ok(r.hdr.kind == HL_K_ATTACH && r.attach.outcome == HL_ATTACH_FAILED,
	       "arm_smmu_attach_refused -> HL_K_ATTACH failed");

	ev_init(&v, tep, "io_pgtable_arm", "arm_lpae_pte_run");
	set_u64(&v, "root", 0x81230000);
	set_u64(&v, "iova", 0x200000);
	set_u32(&v, "level", 2);
	set_u64(&v, "size", 0x200000);
	set_u32(&v, "count", 1);
	set_u64(&v, "old", 0);
	set_u64(&v, "new", 0x40000000000701ULL);
	rc = conv(c, &v, 4000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_PTE && r.pte.root == 0x81230000 && r.pte.iova == 0x200000 &&
	       r.pte.level == 2 && r.pte.granule == 12 && r.pte.stage == 1 && r.pte.new_desc == 0x40000000000701ULL,
	       "arm_lpae_pte_run of 1 -> HL_K_PTE: 2 MiB at level 2 is the 4K granule, stage 1");
	set_u64(&v, "root", 0xa0000000);
	set_u32(&v, "level", 2);
	set_u64(&v, "size", 0x20000000);
	conv(c, &v, 4001, &r, &cnt);
	tap_ok(r.pte.granule == 16 && r.pte.stage == 2,
	       "512 MiB at level 2 is the 64K granule; a table under an STE's S2TTB is stage 2");
	{
		static struct expanded x;
		char why[160] = "";
		unsigned bad = 0;

		ev_init(&v, tep, "io_pgtable_arm", "arm_lpae_pte_run");
		set_u64(&v, "root", 0x81230000);
		set_u64(&v, "iova", 0x40000000);
		set_u32(&v, "level", 3);
		set_u64(&v, "size", 0x1000);
		set_u32(&v, "count", 128);
		set_u64(&v, "old", 0x140000743ULL);
		set_u64(&v, "old_step", 0x1000);
		set_u64(&v, "new", 0);
		set_u64(&v, "new_step", 0);
		rc = conv(c, &v, 4002, &r, &cnt);
		x.n = 0;
		if (rc == 1 && !hl_record_check(&r, sizeof(r), why, sizeof(why)))
			hl_record_expand(&r, take_expanded, &x);
		for (unsigned i = 0; i < x.n && i < 128; i++)
			bad += x.v[i].hdr.kind != HL_K_PTE || x.v[i].pte.iova != 0x40000000 + i * 0x1000ULL ||
			       x.v[i].pte.old_desc != 0x140000743ULL + i * 0x1000ULL || x.v[i].pte.new_desc ||
			       x.v[i].pte.granule != 12 || x.v[i].pte.level != 3;
		tap_ok(rc == 1 && r.hdr.kind == HL_K_PTE_RUN && x.n == 128 && !bad,
		       "arm_lpae_pte_run of 128 (an unmap) -> one HL_K_PTE_RUN, expanded to each descriptor (%s%u wrong)",
		       why, bad);
		set_u32(&v, "count", 0);
		tap_ok(conv(c, &v, 4003, &r, &cnt) < 0, "a run of 0 descriptors is refused (malformed)");
	}

	ev_init(&v, tep, "iommufd", "iommufd_ioas_map");
	set_u32(&v, "ioas_id", 2);
	set_u64(&v, "iova", 0x100000);
	set_u64(&v, "length", 0x10000);
	set_u32(&v, "rc", 0);
	rc = conv(c, &v, 5000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_IOMMUFD && r.iommufd.op == HL_IOMMUFD_IOAS_MAP &&
	       r.iommufd.obj_id == 2 && r.iommufd.iova == 0x100000 && r.iommufd.length == 0x10000,
	       "iommufd_ioas_map -> HL_K_IOMMUFD IOAS_MAP");
	ev_init(&v, tep, "iommufd", "iommufd_ioas_unmap");
	set_u32(&v, "ioas_id", 2);
	set_u32(&v, "rc", (unsigned)-2);
	conv(c, &v, 5001, &r, &cnt);
	tap_ok(r.iommufd.op == HL_IOMMUFD_IOAS_UNMAP && r.iommufd.result == -2, "iommufd_ioas_unmap -> IOAS_UNMAP, rc");
	ev_init(&v, tep, "iommufd", "iommufd_device_replace");
	set_str(&v, "dev", "0000:00:02.0");
	set_u32(&v, "dev_id", 1);
	set_u32(&v, "pt_id", 2);
	set_u32(&v, "hwpt_id", 3);
	{
		unsigned sids[1] = { 0x10 };

		set_dyn(&v, "sids", sids, sizeof(sids));
	}
	conv(c, &v, 5002, &r, &cnt);
	tap_ok(r.iommufd.op == HL_IOMMUFD_HWPT_REPLACE && r.iommufd.dev_id == 1 && r.iommufd.pt_id == 2 &&
	       r.iommufd.obj_id == 3, "iommufd_device_replace -> HWPT_REPLACE: device, IOAS, HWPT");
	ev_init(&v, tep, "iommufd", "iommufd_hwpt_alloc");
	set_str(&v, "dev", "0000:00:02.0");
	set_u32(&v, "dev_id", 1);
	set_u32(&v, "hwpt_id", 4);
	set_u32(&v, "pt_id", 2);
	conv(c, &v, 5003, &r, &cnt);
	tap_ok(r.iommufd.op == HL_IOMMUFD_HWPT_ALLOC && r.iommufd.obj_id == 4 && r.iommufd.pt_id == 2,
	       "iommufd_hwpt_alloc -> HWPT_ALLOC");

	ev_init(&v, tep, "liveupdate", "liveupdate_milestone");
	set_u32(&v, "phase", 6);
	set_u64(&v, "counter", 999000111);
	set_str(&v, "name", "");
	rc = conv(c, &v, 6000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_MILESTONE && r.ms.id == HL_MS_KEXEC_REBOOT && r.ms.cntvct == 999000111 &&
	       cnt == 999000111 && !strncmp(r.ms.note, "kexec_machine", 13),
	       "liveupdate_milestone kexec_machine -> KEXEC_REBOOT (the old kernel's last instant) with counter");
	set_u32(&v, "phase", 0);
	set_u64(&v, "value", 1);
	conv(c, &v, 6001, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_KERNEL_START && r.ms.arg == 1 && !strncmp(r.ms.note, "boot", 4),
	       "liveupdate_milestone boot -> KERNEL_START, live update number in arg");
	ev_init(&v, tep, "liveupdate", "liveupdate_milestone");
	set_u32(&v, "phase", 1);
	set_str(&v, "name", "vmm");
	conv(c, &v, 6002, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_LUO_PREPARE && !strcmp(r.ms.note, "preserve vmm"),
	       "liveupdate_milestone preserve -> LUO_PREPARE, the session's name in the note");

	ev_init(&v, tep, "ftrace", "print");
	{
		const char m[] = HL_TB_MARK_START " boot=00000000deadbeef boot_id=x ktime_ns=5 cntvct=7 cntfrq=9\n";
		struct tep_record rec = { .ts = 1, .data = v.d, .cpu = 0 };
		char buf[256];

		memcpy(v.d + 16, m, sizeof(m));
		rec.size = 16 + sizeof(m);
		tap_ok(hl_tb_marker(v.e, &rec, buf, sizeof(buf)) == 1 && !strncmp(buf, HL_TB_MARK_START, 14) &&
		       !strchr(buf, '\n'), "a trace_marker line of hitless is recognised");
		tap_ok(conv(c, &v, 1, &r, &cnt) == 0, "ftrace:print is no record (markers are read apart)");
	}
	hl_tb_conv_free(c);
}

static void mismatches(void)
{
	char err[256] = "";
	struct tep_handle *tep = load(NULL, "arm_smmu_v3/arm_smmu_ste_write",
				      "field:u32 sid;\toffset:12;\tsize:4;", "field:u64 sid;\toffset:12;\tsize:8;");
	struct hl_tb_conv *c = hl_tb_conv_new(tep, 0, err, sizeof(err));

	tap_ok(!c && strstr(err, "arm_smmu_ste_write") && strstr(err, "'sid'") && strstr(err, "8 bytes, expected 4"),
	       "a field of another size is an error naming event and field (%s)", err);
	hl_tb_conv_free(c);
	tep_free(tep);

	tep = load(NULL, "liveupdate/liveupdate_milestone", "field:u64 counter;", "field:u64 cycles;");
	err[0] = 0;
	c = hl_tb_conv_new(tep, 0, err, sizeof(err));
	tap_ok(!c && strstr(err, "'counter' is missing"), "a missing field is an error (%s)", err);
	hl_tb_conv_free(c);
	tep_free(tep);

	tep = load("ftrace", NULL, NULL, NULL);
	err[0] = 0;
	c = hl_tb_conv_new(tep, 0, err, sizeof(err));
	tap_ok(!c && strstr(err, "not a kernel with kernel/patches"),
	       "a kernel without the series' events is an error (%s)", err);
	hl_tb_conv_free(c);
	tep_free(tep);
}

/* ---- the import: boots, sequence numbers, time ---- */
static struct tep_handle *g_tep;

static void feed(struct hl_tb_batch *b, struct ev *v, unsigned long long ts, long long missed)
{
	struct tep_record rec = { .ts = ts, .size = v->size, .data = v->d, .cpu = 0, .missed_events = missed };

	hl_tb_batch_event(b, v->e, &rec);
}

static void feed_marker(struct hl_tb_batch *b, const char *m, unsigned long long ts)
{
	struct ev v;

	ev_init(&v, g_tep, "ftrace", "print");
	strcpy((char *)v.d + 16, m);
	v.size = 16 + strlen(m) + 1;
	feed(b, &v, ts, 0);
}

static void feed_ms(struct hl_tb_batch *b, unsigned phase, unsigned long long counter, unsigned long long ts)
{
	struct ev v;

	ev_init(&v, g_tep, "liveupdate", "liveupdate_milestone");
	set_u32(&v, "phase", phase);
	set_u64(&v, "counter", counter);
	set_str(&v, "name", "");
	feed(b, &v, ts, 0);
}

static void feed_dev(struct hl_tb_batch *b, unsigned phase, unsigned long long counter, unsigned long long ts)
{
	struct ev v;

	ev_init(&v, g_tep, "arm_smmu_v3", "arm_smmu_device");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	set_u32(&v, "phase", phase);
	set_u64(&v, "counter", counter);
	feed(b, &v, ts, 0);
}

static void feed_sync(struct hl_tb_batch *b, unsigned long long ts, long long missed)
{
	struct ev v;

	ev_init(&v, g_tep, "arm_smmu_v3", "arm_smmu_cmdq_sync");
	set_str(&v, "smmu", "arm-smmu-v3.0.auto");
	feed(b, &v, ts, missed);
}

#define FRQ 62500000ULL		/* QEMU virt: 16 ns a tick */
#define B1 0x1111111111111111ULL
#define B2 0x2222222222222222ULL

static void imports(void)
{
	char err[256] = "";
	struct hl_tb_conv *c = hl_tb_conv_new(g_tep, FRQ, err, sizeof(err));
	struct hl_tb_opts o = { .boot = B2, .cntfrq = FRQ, .now_ktime = 9000000000ULL, .now_cnt = 700000000ULL,
				.quiet = 1 };
	struct hl_tb_result res;
	struct hl_state s;
	struct hl_tb_batch *b;
	u64 seq = 0;
	int ok;

	hl_state_init(&s);
	{	/* this boot's identity first, as snapshot/record/import push it */
		struct hl_boot_disk me = { .boot = B2, .cntfrq = FRQ };

		VEC_PUSH(s.boots, me);
	}
	/*
	 * The previous boot (backup instance): its capture's end marker (its start
	 * marker was consumed when it read the instance), then the kexec path.
	 * Trace clock "local": 1 ns a unit; the counter ticks every 16 ns.
	 */
	b = hl_tb_batch_new(c);
	feed_marker(b, "hitless: end boot=1111111111111111 boot_id=aaaa-bbbb ktime_ns=5000000000 cntvct=100000000 "
		    "last_seq=40 imported=10 covered=0\n", 1000000000ULL);
	feed_ms(b, 4, 100000000ULL + 62500, 1001000000ULL);		/* freeze, 1 ms later */
	feed_sync(b, 1001500000ULL, 0);
	feed_dev(b, 3, 100000000ULL + 125000, 1002000000ULL);		/* shutdown, 2 ms */
	feed_ms(b, 6, 100000000ULL + 187500, 1003000000ULL);		/* kexec_machine, 3 ms */
	memset(&res, 0, sizeof(res));
	hl_tb_batch_finish(b, &s, "hitless_prev", 1, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	ok = s.events.n == 4 && res.imported_prev == 4;
	for (size_t i = 0; ok && i < s.events.n; i++)
		ok = s.events.v[i].hdr.boot == B1 && s.events.v[i].hdr.seq == 41 + i;
	tap_ok(ok, "previous boot: its identity from the end marker, numbered after its capture's last_seq (41..44)");
	tap_ok(s.boots.n == 2 && s.boots.v[0].boot == B1 && !strcmp(s.boots.v[0].boot_id, "aaaa-bbbb") &&
	       s.boots.v[1].boot == B2, "previous boot's BOOTS entry goes before this boot's");
	tap_ok(s.events.n == 4 && s.events.v[3].hdr.kind == HL_K_MILESTONE &&
	       s.events.v[3].ms.id == HL_MS_KEXEC_REBOOT && s.events.v[3].hdr.ktime_ns == 5003000000ULL &&
	       s.events.v[1].hdr.ktime_ns == 5001500000ULL,
	       "its times: trace clock -> counter (milestone pairs) -> its CLOCK_MONOTONIC (the marker's pair): "
	       "kexec_machine at %llu, the sync between at %llu",
	       s.events.n == 4 ? (unsigned long long)s.events.v[3].hdr.ktime_ns : 0ULL,
	       s.events.n == 4 ? (unsigned long long)s.events.v[1].hdr.ktime_ns : 0ULL);
	tap_ok(seq == 0, "previous boot's records leave this boot's numbering alone");

	/*
	 * This boot (hitless): early boot, this process's start marker, then
	 * what the capture itself sees (not imported).
	 */
	b = hl_tb_batch_new(c);
	feed_ms(b, 0, 300000000ULL, 50000000ULL);			/* LUO boot at 50 ms of sched_clock */
	feed_dev(b, 0, 300000000ULL + 62500, 51000000ULL);		/* probe 1 ms later */
	feed_sync(b, 51500000ULL, 3);					/* 3 events lost before it */
	feed_dev(b, 2, 300000000ULL + 125000, 52000000ULL);		/* reset_done */
	feed_marker(b, "hitless: start boot=2222222222222222 boot_id=cccc ktime_ns=9000000000 cntvct=700000000 "
		    "cntfrq=62500000\n", 60000000ULL);
	feed_sync(b, 61000000ULL, 0);					/* the capture's: not imported */
	memset(&res, 0, sizeof(res));
	hl_tb_batch_finish(b, &s, "hitless", 0, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	ok = res.imported_current == 5 && seq == 5 && s.events.n == 9;
	for (size_t i = 4; ok && i < s.events.n; i++)
		ok = s.events.v[i].hdr.boot == B2 && s.events.v[i].hdr.seq == i - 3;
	tap_ok(ok, "this boot: the events before this capture's start marker, numbered 1..n (n = %llu)",
	       (unsigned long long)seq);
	tap_ok(s.events.n == 9 && s.events.v[6].hdr.kind == HL_K_LOST && s.events.v[6].lost.count == 3 &&
	       s.events.v[6].lost.where == HL_LOST_TRACE_BUF && res.lost == 3 && s.losses.n == 1,
	       "a lost-events indication becomes an HL_K_LOST record (3, trace-buffer) before the next event");
	tap_ok(s.events.n == 9 && s.events.v[4].hdr.ktime_ns == 9000000000ULL - 6400000000ULL,
	       "this boot's times from this process's (CLOCK_MONOTONIC, counter) pair: LUO boot at %llu",
	       s.events.n == 9 ? (unsigned long long)s.events.v[4].hdr.ktime_ns : 0ULL);
	hl_state_free(&s);

	/* a backup instance no hitless ran in: a derived identity */
	hl_state_init(&s);
	seq = 0;
	b = hl_tb_batch_new(c);
	feed_ms(b, 6, 123456, 1000);
	hl_tb_batch_finish(b, &s, "hitless_prev", 1, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	tap_ok(s.events.n == 1 && s.boots.n == 1 && (s.boots.v[0].boot >> 63) && s.events.v[0].hdr.boot == s.boots.v[0].boot &&
	       !strncmp(s.boots.v[0].boot_id, "derived-", 8) && s.events.v[0].hdr.seq == 1,
	       "without a marker the previous boot gets a derived identity (%s)", s.boots.n ? s.boots.v[0].boot_id : "");
	hl_state_free(&s);

	/* a run is its descriptors, each an event of its own; a run that breaks its rules is lost whole */
	hl_state_init(&s);
	seq = 0;
	b = hl_tb_batch_new(c);
	{
		struct ev v;

		ev_init(&v, g_tep, "io_pgtable_arm", "arm_lpae_pte_run");
		set_u64(&v, "root", 0x81230000);
		set_u64(&v, "iova", 0x40000000);
		set_u32(&v, "level", 3);
		set_u64(&v, "size", 0x1000);
		set_u32(&v, "count", 3);
		set_u64(&v, "new", 0x140000743ULL);
		set_u64(&v, "new_step", 0x1000);
		feed(b, &v, 1000, 0);
		set_u64(&v, "size", 0x1234);	/* no block size of level 3 */
		set_u32(&v, "count", 5);
		feed(b, &v, 2000, 0);
	}
	memset(&res, 0, sizeof(res));
	hl_tb_batch_finish(b, &s, "hitless_prev", 1, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	ok = s.events.n == 4;
	for (size_t i = 0; ok && i < 3; i++)
		ok = s.events.v[i].hdr.kind == HL_K_PTE && s.events.v[i].hdr.seq == 1 + i &&
		     s.events.v[i].pte.iova == 0x40000000 + i * 0x1000 &&
		     s.events.v[i].pte.new_desc == 0x140000743ULL + i * 0x1000;
	tap_ok(ok && s.events.v[3].hdr.kind == HL_K_LOST && s.events.v[3].lost.count == 5 && res.lost == 5,
	       "import: a run of 3 -> 3 descriptor events numbered 1..3; a malformed run of 5 -> 5 lost (%zu events)",
	       s.events.n);
	hl_state_free(&s);

	/* the previous boot's capture was a record (covered=1): what it saw is not imported again */
	hl_state_init(&s);
	seq = 0;
	b = hl_tb_batch_new(c);
	feed_ms(b, 1, 1000, 1000);	/* preserve: during the record */
	feed_marker(b, "hitless: end boot=1111111111111111 boot_id=a ktime_ns=1 cntvct=2 last_seq=7 imported=0 covered=1\n",
		    2000);
	feed_ms(b, 6, 3000, 3000);
	hl_tb_batch_finish(b, &s, "hitless_prev", 1, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	tap_ok(s.events.n == 1 && s.events.v[0].ms.id == HL_MS_KEXEC_REBOOT && s.events.v[0].hdr.seq == 8,
	       "a previous record's window is skipped (covered=1); the rest numbered from its last_seq");
	hl_state_free(&s);
	hl_tb_conv_free(c);
}

/*
 * A stock kernel: the kprobe events of scripts/lib.sh stock_kprobe_events
 * become the records the fentry mode makes (HL_MODE_FENTRY), and the
 * previous kernel's shutdown comes through its backup instance with no
 * counter in any event: placed by the capture's marker, judged by SMMU-OFF.
 */
static void stock_probes(void)
{
	struct tep_handle *tep = load("hitless", NULL, NULL, NULL);
	char err[256] = "";
	struct hl_tb_conv *c = hl_tb_conv_new(tep, FRQ, err, sizeof(err));
	struct hl_tb_opts o = { .boot = B2, .cntfrq = FRQ, .quiet = 1 };
	struct hl_tb_result res = { 0 };
	struct hl_record r;
	struct hl_state s;
	struct hl_tb_batch *b;
	struct ev v, sd, mk;
	u64 cnt = 1, seq = 0;
	int rc;

	tap_ok(c != NULL, "a stock kernel with the switch probes alone converts (%s)", err);
	if (!c) {
		tep_free(tep);
		return;
	}
	ev_init(&sd, tep, "hitless", "arm_smmu_device_shutdown");
	set_str(&sd, "dev", "9050000.smmuv3");
	set_u32(&sd, "cr0", 0xd);
	rc = conv(c, &sd, 1000, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_REG && r.hdr.mode == HL_MODE_FENTRY && r.reg.smmu == 0 &&
	       r.reg.offset == HL_SMMU_CR0 && r.reg.old_val == 0xd && r.reg.new_val == 0 && cnt == 0,
	       "arm_smmu_device_shutdown -> CR0 0xd -> 0 (the inlined disable), fentry-kprobe mode, no counter");
	ev_init(&v, tep, "hitless", "arm_smmu_device_disable");
	set_str(&v, "smmu", "9050000.smmuv3");
	set_u32(&v, "cr0", 0);
	rc = conv(c, &v, 1001, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_REG && r.reg.smmu == 0 && r.reg.old_val == 0 && r.reg.new_val == 0,
	       "arm_smmu_device_disable -> CR0 write of 0 with the value read before it, same SMMU by name");
	ev_init(&v, tep, "hitless", "arm_smmu_write_reg_sync");
	set_str(&v, "smmu", "9050000.smmuv3");
	set_u32(&v, "offset", HL_SMMU_CR0);
	set_u32(&v, "val", 0xd);
	set_u32(&v, "cr0", 0xc);
	rc = conv(c, &v, 1002, &r, &cnt);
	tap_ok(rc == 1 && r.reg.offset == HL_SMMU_CR0 && r.reg.old_val == 0xc && r.reg.new_val == 0xd,
	       "arm_smmu_write_reg_sync CR0 -> old value from the cr0 read");
	set_u32(&v, "offset", 0x50);
	set_u32(&v, "val", 0x5);
	conv(c, &v, 1003, &r, &cnt);
	tap_ok(r.reg.offset == 0x50 && r.reg.old_val == HL_REG_UNKNOWN && r.reg.new_val == 5,
	       "another register: its old value never seen, unknown");
	ev_init(&v, tep, "hitless", "arm_smmu_device_probe");
	set_str(&v, "dev", "9050000.smmuv3");
	rc = conv(c, &v, 1004, &r, &cnt);
	tap_ok(rc == 1 && r.hdr.kind == HL_K_MILESTONE && r.ms.id == HL_MS_SMMU_PROBE_START && !r.ms.cntvct &&
	       r.ms.cntfrq == FRQ, "arm_smmu_device_probe -> SMMU_PROBE_START (no counter)");
	ev_init(&v, tep, "hitless", "arm_smmu_device_probe_ret");
	set_u32(&v, "ret", (unsigned)-19);
	conv(c, &v, 1005, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_SMMU_PROBE_END && (int)r.ms.arg == -19, "arm_smmu_device_probe_ret -> SMMU_PROBE_END, arg = its return");
	ev_init(&v, tep, "hitless", "liveupdate_reboot");
	conv(c, &v, 1006, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_LUO_FREEZE, "liveupdate_reboot -> LUO_FREEZE");
	ev_init(&mk, tep, "hitless", "machine_kexec");
	conv(c, &mk, 1007, &r, &cnt);
	tap_ok(r.ms.id == HL_MS_KEXEC_REBOOT && !strcmp(r.ms.note, "machine_kexec"), "machine_kexec -> KEXEC_REBOOT");
	hl_tb_conv_free(c);

	/* the previous boot's backup instance: its capture's end marker, then the shutdown and the kexec */
	tep_free(tep);
	tep = load(NULL, NULL, NULL, NULL);	/* with ftrace:print, the markers */
	c = hl_tb_conv_new(tep, FRQ, err, sizeof(err));
	g_tep = tep;
	ev_init(&sd, tep, "hitless", "arm_smmu_device_shutdown");
	set_str(&sd, "dev", "9050000.smmuv3");
	set_u32(&sd, "cr0", 0xd);
	ev_init(&mk, tep, "hitless", "machine_kexec");
	hl_state_init(&s);
	{
		struct hl_boot_disk me = { .boot = B2, .cntfrq = FRQ };
		u64 after[8];

		VEC_PUSH(s.boots, me);
		/* the previous boot's snapshot had StreamID 8 translating */
		mk_cdtable_ste(after, STRTAB_STE_1_S1DSS_SSID0, 0x41000000, 0);
		hl_state_set_ste(&s, 0, 8, after);
	}
	b = hl_tb_batch_new(c);
	feed_marker(b, "hitless: end boot=1111111111111111 boot_id=aaaa-bbbb ktime_ns=5000000000 cntvct=100000000 "
		    "last_seq=40 imported=0 covered=1\n", 1000000000ULL);
	feed(b, &sd, 1002000000ULL, 0);		/* shutdown 2 ms later */
	feed(b, &mk, 1003000000ULL, 0);		/* machine_kexec 3 ms later */
	hl_tb_batch_finish(b, &s, "hitless_prev", 1, HL_TB_CLOCK_LOCAL, &o, &seq, &res);
	tap_ok(s.events.n == 2 && s.events.v[0].hdr.kind == HL_K_REG && s.events.v[0].hdr.boot == B1 &&
	       s.events.v[0].hdr.seq == 41 && s.events.v[0].hdr.ktime_ns == 5002000000ULL &&
	       s.events.v[1].ms.id == HL_MS_KEXEC_REBOOT && s.events.v[1].hdr.ktime_ns == 5003000000ULL,
	       "previous boot: the shutdown's CR0 write and machine_kexec, placed by the end marker's pair "
	       "(at %llu and %llu)", s.events.n == 2 ? (unsigned long long)s.events.v[0].hdr.ktime_ns : 0ULL,
	       s.events.n == 2 ? (unsigned long long)s.events.v[1].hdr.ktime_ns : 0ULL);
	{
		struct hl_protect_disk p = { .smmu = HL_ANY_SMMU, .sid = 8 };
		struct hl_verdict vd;
		int off = 0;

		hl_analyze(&s, NULL, &p, 1, &vd);
		for (size_t i = 0; i < vd.findings.n; i++)
			off += !strcmp(vd.findings.v[i].rule, R_SMMU_OFF) && vd.findings.v[i].sid == 8;
		tap_ok(off == 1, "SMMU-OFF: the imported shutdown disables the SMMU under protected StreamID 8");
		hl_verdict_free(&vd);
	}
	hl_state_free(&s);
	hl_tb_conv_free(c);
	tep_free(tep);
}

int main(int argc, char **argv)
{
	struct tep_handle *tep;
	const char *top = getenv("HITLESS_TOP");

	(void)argc;
	if (top)
		snprintf(data_dir, sizeof(data_dir), "%s/tests/unit/data/tracefs", top);
	else {
		/* build/host/tests/tracebuf -> the source tree's tests/unit/data */
		const char *slash = strrchr(argv[0], '/');

		snprintf(data_dir, sizeof(data_dir), "%.*s/../../../../tests/unit/data/tracefs",
			 slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
	}
	tep = load(NULL, NULL, NULL, NULL);
	conversions(tep);
	g_tep = tep;
	imports();
	tep_free(tep);
	mismatches();
	stock_probes();
	return tap_done();
}
