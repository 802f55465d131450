// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "records.h"
#include "output.h"
#include "smmu.h"

const char *hl_kind_name(unsigned k)
{
	static const char *const n[HL_K_MAX] = {
		"none", "ste", "cd", "pte", "cmd", "attach", "iommufd", "milestone", "lost", "reg",
		"pte-run", "cmd-batch",
	};
	return k < HL_K_MAX ? n[k] : "unknown";
}

const char *hl_mode_name(unsigned m)
{
	static const char *const n[] = { "unknown", "tracepoint", "fentry-kprobe", "walker", "synthetic" };
	return m <= HL_MODE_SYNTHETIC ? n[m] : "unknown";
}

const char *hl_milestone_name(unsigned id)
{
	static const char *const n[HL_MS_MAX] = {
		"?", "LUO_PREPARE", "LUO_FREEZE", "LUO_FINISH", "KHO_FINALIZE",
		"KEXEC_REBOOT", "KERNEL_START", "SMMU_PROBE_START", "SMMU_PROBE_END",
		"DEVICE_RESTORE", "VM_PAUSED", "VM_RESUMED", "USER",
	};
	return id < HL_MS_MAX ? n[id] : "?";
}

const char *hl_iommufd_name(unsigned op)
{
	static const char *const n[HL_IOMMUFD_MAX] = {
		"?", "IOAS_MAP", "IOAS_UNMAP", "HWPT_ALLOC", "HWPT_ATTACH", "HWPT_REPLACE", "HWPT_DETACH",
	};
	return op < HL_IOMMUFD_MAX ? n[op] : "?";
}

const char *hl_attach_outcome_name(unsigned o)
{
	static const char *const n[] = { "no-change", "hitless", "breaking", "failed" };
	return o <= HL_ATTACH_FAILED ? n[o] : "?";
}

const char *hl_lost_where_name(unsigned w)
{
	static const char *const n[] = { "?", "ringbuf", "trace-buffer", "reader", "sequence-gap" };
	return w <= HL_LOST_SEQ_GAP ? n[w] : "?";
}

json_object *hl_gap_json(const struct hl_gap_disk *g)
{
	json_object *o = json_object_new_object();
	char b[32];

	snprintf(b, sizeof(b), "%016llx", (unsigned long long)g->boot);
	jadd_s(o, "boot", b);
	jadd_s(o, "module", g->module);
	jadd_u(o, "from_ktime_ns", g->from_ns);
	jadd_u(o, "seen_ktime_ns", g->seen_ns);
	jadd_u(o, "to_ktime_ns", g->to_ns);
	return o;
}

void hl_gap_text(FILE *out, json_object *g)
{
	fprintf(out, "GAP     boot %s: %s loaded between %.3f s and %.3f s, captured from %.3f s: what "
		"its driver did in between (its probe) is not in the log; the walk after it is the "
		"state from then on\n", jget_s(g, "boot"), jget_s(g, "module"),
		jget_u(g, "from_ktime_ns") / 1e9, jget_u(g, "seen_ktime_ns") / 1e9,
		jget_u(g, "to_ktime_ns") / 1e9);
}

static json_object *qwords(const __u64 *q)
{
	json_object *a = json_object_new_array();
	char b[24];

	for (int i = 0; i < 8; i++) {
		snprintf(b, sizeof(b), "0x%016llx", (unsigned long long)q[i]);
		json_object_array_add(a, json_object_new_string(b));
	}
	return a;
}

json_object *hl_record_json(const struct hl_record *r, bool raw)
{
	json_object *o = json_object_new_object();
	char b[20];

	jadd_u(o, "seq", r->hdr.seq);
	snprintf(b, sizeof(b), "%016llx", (unsigned long long)r->hdr.boot);
	jadd_s(o, "boot", b);
	jadd_u(o, "cpu", r->hdr.cpu);
	jadd_u(o, "ktime_ns", r->hdr.ktime_ns);
	jadd_s(o, "kind", hl_kind_name(r->hdr.kind));
	jadd_s(o, "mode", hl_mode_name(r->hdr.mode));
	switch (r->hdr.kind) {
	case HL_K_STE:
		jadd_u(o, "smmu", r->ste.smmu);
		jadd_u(o, "sid", r->ste.sid);
		jadd_s(o, "step", hl_step_name(r->ste.step));
		jadd_u(o, "update", r->ste.update);
		json_object_object_add(o, "before", hl_ste_decode(r->ste.before));
		json_object_object_add(o, "after", hl_ste_decode(r->ste.after));
		if (raw) {
			json_object_object_add(o, "before_raw", qwords(r->ste.before));
			json_object_object_add(o, "after_raw", qwords(r->ste.after));
		}
		break;
	case HL_K_CD:
		jadd_u(o, "smmu", r->cd.smmu);
		jadd_u(o, "sid", r->cd.sid);
		jadd_u(o, "ssid", r->cd.ssid);
		jadd_s(o, "step", hl_step_name(r->cd.step));
		jadd_u(o, "update", r->cd.update);
		json_object_object_add(o, "before", hl_cd_decode(r->cd.before));
		json_object_object_add(o, "after", hl_cd_decode(r->cd.after));
		if (raw) {
			json_object_object_add(o, "before_raw", qwords(r->cd.before));
			json_object_object_add(o, "after_raw", qwords(r->cd.after));
		}
		break;
	case HL_K_PTE:
		jadd_hex(o, "table", r->pte.root);
		jadd_hex(o, "iova", r->pte.iova);
		jadd_u(o, "level", r->pte.level);
		jadd_u(o, "stage", r->pte.stage);
		jadd_hex(o, "old_desc", r->pte.old_desc);
		jadd_hex(o, "new_desc", r->pte.new_desc);
		json_object_object_add(o, "old", hl_pte_decode(r->pte.old_desc, r->pte.level, r->pte.granule, r->pte.stage));
		json_object_object_add(o, "new", hl_pte_decode(r->pte.new_desc, r->pte.level, r->pte.granule, r->pte.stage));
		break;
	case HL_K_CMD:
		jadd_u(o, "smmu", r->cmd.smmu);
		if (r->cmd.flags & HL_CMD_F_SYNC_DONE)
			json_object_object_add(o, "sync_completed", json_object_new_boolean(1));
		if (r->cmd.flags & HL_CMD_F_ERROR)
			json_object_object_add(o, "cerror", json_object_new_boolean(1));
		json_object_object_add(o, "command", hl_cmd_decode(r->cmd.cmd));
		if (raw) {
			char c[40];

			snprintf(c, sizeof(c), "0x%016llx", (unsigned long long)r->cmd.cmd[0]);
			jadd_s(o, "cmd0", c);
			snprintf(c, sizeof(c), "0x%016llx", (unsigned long long)r->cmd.cmd[1]);
			jadd_s(o, "cmd1", c);
		}
		break;
	case HL_K_ATTACH: {
		json_object *sids = json_object_new_array();
		char dev[HL_NOTE_LEN + 1] = { 0 };

		memcpy(dev, r->attach.dev, HL_NOTE_LEN);
		jadd_s(o, "device", dev);
		jadd_u(o, "smmu", r->attach.smmu);
		for (unsigned i = 0; i < r->attach.nsids && i < HL_MAX_ATTACH_SIDS; i++)
			json_object_array_add(sids, json_object_new_uint64(r->attach.sids[i]));
		json_object_object_add(o, "sids", sids);
		jadd_u(o, "ssid", r->attach.ssid);
		jadd_hex(o, "old_domain", r->attach.old_domain);
		jadd_hex(o, "new_domain", r->attach.new_domain);
		jadd_s(o, "outcome", hl_attach_outcome_name(r->attach.outcome));
		break;
	}
	case HL_K_IOMMUFD:
		jadd_s(o, "op", hl_iommufd_name(r->iommufd.op));
		jadd_s(o, "src", r->iommufd.src == HL_IOMMUFD_SRC_TYPE1 ? "vfio-type1" : "iommufd");
		jadd_u(o, "obj_id", r->iommufd.obj_id);
		jadd_u(o, "dev_id", r->iommufd.dev_id);
		jadd_u(o, "pt_id", r->iommufd.pt_id);
		jadd_hex(o, "iova", r->iommufd.iova);
		jadd_hex(o, "length", r->iommufd.length);
		json_object_object_add(o, "result", json_object_new_int(r->iommufd.result));
		break;
	case HL_K_MILESTONE: {
		char note[HL_NOTE_LEN + 1] = { 0 };

		memcpy(note, r->ms.note, HL_NOTE_LEN);
		jadd_s(o, "milestone", hl_milestone_name(r->ms.id));
		jadd_u(o, "arg", r->ms.arg);
		jadd_u(o, "cntvct", r->ms.cntvct);
		jadd_u(o, "cntfrq", r->ms.cntfrq);
		if (note[0])
			jadd_s(o, "note", note);
		break;
	}
	case HL_K_REG:
		jadd_u(o, "smmu", r->reg.smmu);
		jadd_s(o, "register", r->reg.offset == HL_SMMU_CR0 ? "SMMU_CR0" :
		       r->reg.offset == HL_SMMU_GBPA ? "SMMU_GBPA" :
		       r->reg.offset == HL_SMMU_STRTAB_BASE ? "SMMU_STRTAB_BASE" : "other");
		jadd_hex(o, "offset", r->reg.offset);
		if (r->reg.old_val == HL_REG_UNKNOWN)
			jadd_s(o, "old", "unknown");
		else
			jadd_hex(o, "old", r->reg.old_val);
		jadd_hex(o, "new", r->reg.new_val);
		if (r->reg.offset == HL_SMMU_CR0)
			jadd_u(o, "SMMUEN", r->reg.new_val & HL_SMMU_CR0_SMMUEN);
		if (r->reg.offset == HL_SMMU_GBPA)
			jadd_u(o, "ABORT", !!(r->reg.new_val & HL_SMMU_GBPA_ABORT));
		break;
	case HL_K_LOST:
		jadd_u(o, "count", r->lost.count);
		jadd_s(o, "where", hl_lost_where_name(r->lost.where));
		jadd_u(o, "first_seq", r->lost.first_seq);
		break;
	}
	return o;
}

int hl_smmuen_edge(const struct hl_record *r, bool unknown_on)
{
	bool was, is;

	if (r->hdr.kind != HL_K_REG || r->reg.offset != HL_SMMU_CR0)
		return 0;
	is = r->reg.new_val & HL_SMMU_CR0_SMMUEN;
	was = r->reg.old_val == HL_REG_UNKNOWN ? unknown_on : r->reg.old_val & HL_SMMU_CR0_SMMUEN;
	return is == was ? 0 : is ? 1 : -1;
}

/* A run's or a batch's own rules (hitless.h): 0, or -1 with err. */
static int hl_multi_check(const struct hl_record *r, char *err, size_t errlen)
{
	const struct hl_pte_run *p = &r->run;
	unsigned g = p->granule, ents, idx, shift;

	if (r->hdr.version < 3) {
		snprintf(err, errlen, "%s record of version %u (runs and batches are version 3)",
			 hl_kind_name(r->hdr.kind), r->hdr.version);
		return -1;
	}
	if (r->hdr.kind == HL_K_CMD_BATCH) {
		if (!r->batch.count || r->batch.count > HL_BATCH_CMDS) {
			snprintf(err, errlen, "command batch of %u commands (1 to %d)", r->batch.count,
				 HL_BATCH_CMDS);
			return -1;
		}
		return 0;
	}
	if ((g != 12 && g != 14 && g != 16) || p->level > 3 || (p->stage != 1 && p->stage != 2)) {
		snprintf(err, errlen, "descriptor run with granule %u, level %u, stage %u", g, p->level,
			 p->stage);
		return -1;
	}
	shift = hl_lpae_shift(p->level, g);
	if (shift > 48 || p->size != 1ULL << shift || p->iova & (p->size - 1)) {
		snprintf(err, errlen, "descriptor run of size 0x%llx at IOVA 0x%llx (level %u of a %u KiB granule)",
			 (unsigned long long)p->size, (unsigned long long)p->iova, p->level, 1u << (g - 10));
		return -1;
	}
	ents = 1u << (g - 3);
	idx = (p->iova >> shift) & (ents - 1);
	if (!p->count || p->count > ents - idx) {
		snprintf(err, errlen, "descriptor run of %u at entry %u of a %u-entry table", p->count, idx,
			 ents);
		return -1;
	}
	return 0;
}

int hl_record_check(const void *buf, size_t len, char *err, size_t errlen)
{
	struct hl_record r;

	if (len != sizeof(struct hl_record)) {
		snprintf(err, errlen, "record of %zu bytes, expected %zu", len, sizeof(struct hl_record));
		return -1;
	}
	memcpy(&r, buf, sizeof(r));	/* ring buffer data need not be aligned */
	if (r.hdr.version < HL_RECORD_VERSION_MIN || r.hdr.version > HL_RECORD_VERSION) {
		snprintf(err, errlen, "record version %u, expected %d to %d", r.hdr.version,
			 HL_RECORD_VERSION_MIN, HL_RECORD_VERSION);
		return -1;
	}
	if (!r.hdr.kind || r.hdr.kind >= HL_K_MAX) {
		snprintf(err, errlen, "record kind %u unknown", r.hdr.kind);
		return -1;
	}
	if (hl_record_multi(&r))
		return hl_multi_check(&r, err, errlen);
	return 0;
}

unsigned hl_record_expand(const struct hl_record *r, hl_take_fn fn, void *arg)
{
	struct hl_record e;
	unsigned n;

	if (!hl_record_multi(r)) {
		fn(arg, r);
		return 1;
	}
	e.hdr = r->hdr;
	e.hdr.version = HL_RECORD_VERSION;
	if (r->hdr.kind == HL_K_CMD_BATCH) {
		n = r->batch.count;
		for (unsigned i = 0; i < n; i++) {
			memset(e.raw, 0, sizeof(e.raw));
			e.hdr.kind = HL_K_CMD;
			e.hdr.seq = r->hdr.seq + i;
			e.cmd.smmu = r->batch.smmu;
			e.cmd.cmd[0] = r->batch.cmds[i][0];
			e.cmd.cmd[1] = r->batch.cmds[i][1];
			fn(arg, &e);
		}
		return n;
	}
	n = r->run.count;
	for (unsigned i = 0; i < n; i++) {
		memset(e.raw, 0, sizeof(e.raw));
		e.hdr.kind = HL_K_PTE;
		e.hdr.seq = r->hdr.seq + i;
		e.pte.root = r->run.root;
		e.pte.iova = r->run.iova + i * r->run.size;
		e.pte.old_desc = r->run.old_desc + i * r->run.old_step;
		e.pte.new_desc = r->run.new_desc + i * r->run.new_step;
		e.pte.level = r->run.level;
		e.pte.granule = r->run.granule;
		e.pte.stage = r->run.stage;
		fn(arg, &e);
	}
	return n;
}

struct intake_take {
	struct hl_intake *in;
	hl_take_fn fn;
	void *arg;
};

static void intake_one(void *arg, const struct hl_record *r)
{
	struct intake_take *t = arg;
	struct hl_record x = *r;

	if (!x.hdr.boot)
		x.hdr.boot = t->in->boot;
	if (t->in->seq_base && x.hdr.boot == t->in->boot) {
		x.hdr.seq += t->in->seq_base;
		if (x.hdr.kind == HL_K_LOST && x.lost.first_seq)
			x.lost.first_seq += t->in->seq_base;
	}
	t->fn(t->arg, &x);
}

int hl_intake(struct hl_intake *in, const void *data, size_t len, hl_take_fn fn, void *arg)
{
	struct intake_take t = { in, fn, arg };
	struct hl_record r;
	char err[160];

	if (hl_record_check(data, len, err, sizeof(err))) {
		if (!in->rejected++)
			snprintf(in->why, sizeof(in->why), "%s", err);
		return -1;
	}
	memcpy(&r, data, sizeof(r));	/* ring buffer data need not be aligned */
	return (int)hl_record_expand(&r, intake_one, &t);
}

static void feed_one(void *arg, const struct hl_record *r)
{
	hl_state_apply(arg, r);
}

int hl_state_feed(struct hl_state *s, const void *data, size_t len, char *err, size_t errlen)
{
	struct hl_record r;

	if (hl_record_check(data, len, err, errlen))
		return -1;
	memcpy(&r, data, sizeof(r));	/* ring buffer data need not be aligned */
	hl_record_expand(&r, feed_one, s);
	return 0;
}
