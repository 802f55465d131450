// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "records.h"
#include "output.h"

const char *hl_kind_name(unsigned k)
{
	static const char *const n[HL_K_MAX] = {
		"none", "ste", "cd", "pte", "cmd", "attach", "iommufd", "milestone", "lost", "reg",
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

int hl_record_check(const void *buf, size_t len, char *err, size_t errlen)
{
	struct hl_hdr h;

	if (len != sizeof(struct hl_record)) {
		snprintf(err, errlen, "record of %zu bytes, expected %zu", len, sizeof(struct hl_record));
		return -1;
	}
	memcpy(&h, buf, sizeof(h));	/* ring buffer data need not be aligned */
	if (h.version < HL_RECORD_VERSION_MIN || h.version > HL_RECORD_VERSION) {
		snprintf(err, errlen, "record version %u, expected %d to %d", h.version,
			 HL_RECORD_VERSION_MIN, HL_RECORD_VERSION);
		return -1;
	}
	if (!h.kind || h.kind >= HL_K_MAX) {
		snprintf(err, errlen, "record kind %u unknown", h.kind);
		return -1;
	}
	return 0;
}

int hl_intake(struct hl_intake *in, const void *data, size_t len, struct hl_record *r)
{
	char err[160];

	if (hl_record_check(data, len, err, sizeof(err))) {
		if (!in->rejected++)
			snprintf(in->why, sizeof(in->why), "%s", err);
		return -1;
	}
	memcpy(r, data, sizeof(*r));	/* ring buffer data need not be aligned */
	if (!r->hdr.boot)
		r->hdr.boot = in->boot;
	if (in->seq_base && r->hdr.boot == in->boot) {
		r->hdr.seq += in->seq_base;
		if (r->hdr.kind == HL_K_LOST && r->lost.first_seq)
			r->lost.first_seq += in->seq_base;
	}
	return 0;
}

int hl_state_feed(struct hl_state *s, const void *data, size_t len, char *err, size_t errlen)
{
	struct hl_record r;

	if (hl_record_check(data, len, err, errlen))
		return -1;
	memcpy(&r, data, sizeof(r));	/* ring buffer data need not be aligned */
	hl_state_apply(s, &r);
	return 0;
}
