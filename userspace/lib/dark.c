// SPDX-License-Identifier: GPL-2.0
/* Dark time, the one definition (dark.h): the timeline's and the monitor's. */
#include <string.h>
#include "dark.h"
#include "smmu.h"

const char *hl_dark_cause_name(enum hl_dark_cause c)
{
	static const char *const n[] = { "smmu_off", "ste_invalid", "abort_or_bypass", "cd_invalid" };

	return c < HL_DARK_NCAUSE ? n[c] : "?";
}

void hl_dark_init(struct hl_dark *d, u32 smmu, u32 sid)
{
	memset(d, 0, sizeof(*d));
	d->smmu = smmu;
	d->sid = sid;
	d->pending = -1;
}

static bool mine(const struct hl_dark *d, u32 smmu)
{
	return d->smmu == HL_ANY_SMMU || smmu == d->smmu;
}

/* Why the device has no translation in this state: a cause, or -1 (it has). */
static int cause_of(const struct hl_dark *d, const u64 *ste)
{
	unsigned cfg;

	if (d->smmu_off)
		return HL_DARK_SMMU_OFF;
	if (!ste_valid(ste))
		return HL_DARK_STE_INVALID;
	cfg = ste_cfg(ste);
	if (!(cfg & 4) || !(cfg & 3))	/* abort, bypass (and the reserved encodings) */
		return HL_DARK_ABORT_BYPASS;
	if (ste_s1(ste) && d->have_cd && !d->cd_valid)
		return HL_DARK_CD_INVALID;
	return -1;
}

/* Close the stretch running since d->since at t. */
static void close_at(struct hl_dark *d, double t)
{
	double len = t > d->since ? t - d->since : 0;

	d->ever_lit |= d->lit && d->armed;
	if (!d->ever_lit) {
		/* not the VMM's yet, or not translating since: neither dark nor valid */
		d->since = t;
		return;
	}
	if (d->lit) {
		d->valid += len;
	} else {
		d->dark += len;
		d->part[d->cause] += len;
	}
	d->since = t;
}

/* The state is now `c` (a cause, or -1 lit) from t on. */
static void become(struct hl_dark *d, int c, double t)
{
	if (!d->known) {
		d->known = true;
		d->lit = c < 0;
		d->ever_lit = d->lit && d->armed;
		d->cause = c < 0 ? 0 : c;
		d->since = t;
		return;
	}
	if (d->lit && c < 0)
		return;
	if (!d->lit && c == d->cause)
		return;
	close_at(d, t);
	if (d->lit)
		d->darkenings++;
	d->lit = c < 0;
	d->cause = c < 0 ? 0 : c;
}

void hl_dark_arm(struct hl_dark *d, double t)
{
	if (d->armed)
		return;
	if (d->known)
		close_at(d, t);
	d->since = t;
	d->armed = true;
	d->ever_lit = d->lit;
}

void hl_dark_feed(struct hl_dark *d, const struct hl_record *r, double t)
{
	bool write = r->hdr.mode != HL_MODE_WALKER;
	int c;

	if (r->hdr.boot != d->boot) {
		/* a kexec: what the device's entries are now, the new kernel's first write says */
		if (d->boot && d->known) {
			d->new_boot = true;
			d->boundary = d->last_t;
		}
		d->boot = r->hdr.boot;
	}
	/* a write that lit the device takes effect at the next CMD_SYNC on its SMMU */
	if (d->pending >= 0 && r->hdr.kind == HL_K_CMD && (r->cmd.flags & HL_CMD_F_SYNC_DONE) &&
	    hl_cmd_op(r->cmd.cmd) == CMDQ_OP_CMD_SYNC && r->cmd.smmu == d->pending_smmu) {
		d->pending = -1;
		become(d, -1, t);
	}
	switch (r->hdr.kind) {
	case HL_K_IOMMUFD:
		/* a VMM takes a device (iommufd, or the VFIO type1 container's attach) */
		if ((r->iommufd.op == HL_IOMMUFD_HWPT_ATTACH || r->iommufd.op == HL_IOMMUFD_HWPT_REPLACE) &&
		    !r->iommufd.result)
			hl_dark_arm(d, t);
		goto out;
	case HL_K_REG:
		if (r->reg.offset != HL_SMMU_CR0 || !mine(d, r->reg.smmu))
			goto out;
		d->smmu_off = !(r->reg.new_val & HL_SMMU_CR0_SMMUEN);
		break;
	case HL_K_MILESTONE:
		/* a live update begins (its devices are the VMM's), a device restored for its VMM */
		if (r->ms.id == HL_MS_LUO_PREPARE || (r->ms.id == HL_MS_DEVICE_RESTORE && r->ms.arg == d->sid))
			hl_dark_arm(d, t);
		/* the new kernel's SMMU reset has enabled it */
		if (r->ms.id != HL_MS_SMMU_PROBE_END || !d->smmu_off)
			goto out;
		d->smmu_off = false;
		break;
	case HL_K_STE:
		if (r->ste.sid != d->sid || !mine(d, r->ste.smmu))
			goto out;
		if (d->new_boot) {
			/*
			 * The new kernel's stream table, as its first write found
			 * it: had the device translation at the old kernel's end
			 * and none here, it was dark from that end on.
			 */
			d->new_boot = false;
			d->smmu_off = false;	/* its driver runs: the reset enabled the SMMU */
			if (write && memcmp(d->ste, r->ste.before, sizeof(d->ste))) {
				memcpy(d->ste, r->ste.before, sizeof(d->ste));
				c = cause_of(d, d->ste);
				if (c >= 0)
					become(d, c, d->lit ? d->boundary : t);
			}
		}
		memcpy(d->ste, r->ste.after, sizeof(d->ste));
		d->have_ste = true;
		break;
	case HL_K_CD:
		if (r->cd.sid != d->sid || r->cd.ssid || !mine(d, r->cd.smmu))
			goto out;
		/*
		 * A CD filled from zeroes while the one in use is valid goes
		 * into a new CD table (docs/rules.md: one per master, again
		 * after kexec): not the CD the STE reads until it moves there.
		 */
		if (write && d->have_cd && d->cd_valid && !cd_valid(r->cd.after) &&
		    !cd_valid(r->cd.before))
			goto out;
		d->have_cd = true;
		d->cd_valid = cd_valid(r->cd.after);
		break;
	default:
		goto out;
	}
	if (!d->have_ste)
		goto out;
	if (d->new_boot) {
		/*
		 * The new kernel's stream table is not known until it writes
		 * the StreamID: an SMMU disabled is dark; enabled again (its
		 * reset), a device already dark has no STE there yet (its
		 * first write's "before" says what it had), one with
		 * translation keeps it (the table was handed over).
		 */
		if (d->smmu_off)
			become(d, HL_DARK_SMMU_OFF, t);
		else if (!d->lit)
			become(d, HL_DARK_STE_INVALID, t);
		goto out;
	}
	c = cause_of(d, d->ste);
	if (c >= 0) {
		d->pending = -1;
		become(d, c, t);
	} else if (!d->lit && d->known && write && (r->hdr.kind == HL_K_STE || r->hdr.kind == HL_K_CD)) {
		/* lit by this write, once a CMD_SYNC makes it visible */
		if (d->pending < 0) {
			d->pending = t;
			d->pending_smmu = r->hdr.kind == HL_K_STE ? r->ste.smmu : r->cd.smmu;
		}
	} else {
		become(d, -1, t);
	}
out:
	d->last_t = t;
}

void hl_dark_at(const struct hl_dark *d, double t, bool open, double *valid, double *dark,
		double part[HL_DARK_NCAUSE])
{
	struct hl_dark x = *d;

	/* a write that lit it with no CMD_SYNC seen yet: lit from the write */
	if (x.pending >= 0) {
		become(&x, -1, x.pending);
		x.pending = -1;
	}
	if (x.known && (open || x.lit))
		close_at(&x, t);
	if (valid)
		*valid = x.valid;
	if (dark)
		*dark = x.dark;
	if (part)
		memcpy(part, x.part, sizeof(x.part));
}
