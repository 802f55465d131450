// SPDX-License-Identifier: GPL-2.0
/*
 * Dark time, the one definition (userspace/lib/dark.c), record by record:
 * each cause and its part, the CMD_SYNC that ends a stretch, a kexec whose
 * new kernel does not keep the STE (the stock demo's shape) and one that
 * does (the patched demo's), first set-up not counted, open or closed.
 */
#include <string.h>
#include "tap.h"
#include "build.h"
#include "dark.h"

static struct hl_record rec(u64 boot, unsigned kind)
{
	struct hl_record r = { 0 };

	r.hdr.version = HL_RECORD_VERSION;
	r.hdr.kind = kind;
	r.hdr.boot = boot;
	r.hdr.mode = HL_MODE_FENTRY;
	return r;
}

static void ste(struct hl_dark *d, u64 boot, double t, const u64 *before, const u64 *after)
{
	struct hl_record r = rec(boot, HL_K_STE);

	r.ste.smmu = 0;
	r.ste.sid = 8;
	memcpy(r.ste.before, before, 64);
	memcpy(r.ste.after, after, 64);
	hl_dark_feed(d, &r, t);
}

static void sync_(struct hl_dark *d, u64 boot, double t)
{
	struct hl_record r = rec(boot, HL_K_CMD);

	r.cmd.cmd[0] = HL_CMD_OP_SYNC;
	r.cmd.flags = HL_CMD_F_SYNC_DONE;
	hl_dark_feed(d, &r, t);
}

static void cr0(struct hl_dark *d, u64 boot, double t, bool on)
{
	struct hl_record r = rec(boot, HL_K_REG);

	r.reg.offset = HL_SMMU_CR0;
	r.reg.old_val = HL_REG_UNKNOWN;
	r.reg.new_val = on ? HL_SMMU_CR0_SMMUEN : 0;
	hl_dark_feed(d, &r, t);
}

static void cd(struct hl_dark *d, double t, bool valid)
{
	struct hl_record r = rec(1, HL_K_CD);

	r.cd.sid = 8;
	if (valid)
		mk_s1_cd(r.cd.after, 1, 0x80000000);
	hl_dark_feed(d, &r, t);
}

int main(void)
{
	u64 zero[8] = { 0 }, s2[8], abrt[8] = { 0 }, byp[8] = { 0 }, s1[8];
	double dark, valid, part[HL_DARK_NCAUSE];
	struct hl_dark d;

	mk_s2_ste(s2, 0, 0x80000000, 1);
	mk_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, 0x70000000, 0);
	abrt[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
	byp[0] = STRTAB_STE_0_V | FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);

	/* set up (not dark: it never had translation), then a break until the CMD_SYNC after V=1 */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 0, zero, abrt);
	ste(&d, 1, 10, abrt, s2);
	sync_(&d, 1, 12);
	ste(&d, 1, 100, s2, zero);
	ste(&d, 1, 150, zero, s2);
	sync_(&d, 1, 153);
	hl_dark_at(&d, 200, false, &valid, &dark, part);
	tap_ok(dark == 53 && part[HL_DARK_STE_INVALID] == 53 && valid == 135 && d.darkenings == 1,
	       "a break: dark from V=0 to the CMD_SYNC after V=1 (53), set-up not counted, valid %g", valid);

	/* abort, bypass, a stage-1 STE over an invalid CD: each its part */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 0, zero, s2);
	ste(&d, 1, 10, s2, abrt);
	ste(&d, 1, 20, abrt, byp);
	ste(&d, 1, 30, byp, s1);
	sync_(&d, 1, 31);
	cd(&d, 40, false);
	cd(&d, 45, true);
	sync_(&d, 1, 47);
	hl_dark_at(&d, 50, false, NULL, &dark, part);
	tap_ok(part[HL_DARK_ABORT_BYPASS] == 21 && part[HL_DARK_CD_INVALID] == 7 && dark == 28 &&
	       d.darkenings == 2, "abort and bypass (21, through the sync), then the CD invalid (7): two darkenings");

	/* an SMMU disabled: dark at once, lit again when SMMUEN is set (no sync needed) */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 0, zero, s2);
	cr0(&d, 1, 10, false);
	cr0(&d, 1, 11.001, true);
	hl_dark_at(&d, 20, false, NULL, &dark, part);
	tap_ok(dark > 1.0009 && dark < 1.0011 && part[HL_DARK_SMMU_OFF] == dark, "CR0.SMMUEN 1 -> 0 -> 1: dark 1.001");

	/*
	 * The stock demo's shape: the old kernel disables the SMMU (6.53), the
	 * new kernel's vfio bind writes abort over the fresh table's bypass
	 * (12.0), the VMM's attach translates (14.37, synced at 14.371).
	 */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 1.0, zero, s2);
	cr0(&d, 1, 6.53, false);
	cr0(&d, 2, 9.0, true);		/* the new kernel's reset: the old STE is gone, nothing lit */
	ste(&d, 2, 12.0, byp, abrt);
	ste(&d, 2, 14.37, abrt, s2);
	sync_(&d, 2, 14.371);
	hl_dark_at(&d, 20, false, NULL, &dark, part);
	tap_ok(dark > 7.840 && dark < 7.842 && part[HL_DARK_SMMU_OFF] > 2.46 && part[HL_DARK_SMMU_OFF] < 2.48 &&
	       part[HL_DARK_STE_INVALID] > 2.99 && part[HL_DARK_STE_INVALID] < 3.01 &&
	       part[HL_DARK_ABORT_BYPASS] > 2.36 && part[HL_DARK_ABORT_BYPASS] < 2.38,
	       "across a stock kexec: dark from the SMMU disable to the VMM's attach (%.3f: SMMU off %.3f until the "
	       "reset, no STE %.3f until the vfio bind, abort %.3f)", dark, part[HL_DARK_SMMU_OFF],
	       part[HL_DARK_STE_INVALID], part[HL_DARK_ABORT_BYPASS]);

	/* without the disable seen: dark from the old kernel's last record (5.0) */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 1.0, zero, s2);
	sync_(&d, 1, 5.0);
	ste(&d, 2, 12.0, zero, s2);
	sync_(&d, 2, 12.5);
	hl_dark_at(&d, 20, false, NULL, &dark, part);
	tap_ok(dark == 7.5 && part[HL_DARK_STE_INVALID] == 7.5,
	       "a new kernel whose table lost the STE: dark from the old kernel's last record to the sync (%g)", dark);

	/* the patched demo's shape: the STE preserved, rewritten hitlessly: never dark */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 1.0, zero, s2);
	sync_(&d, 1, 5.0);
	ste(&d, 2, 12.0, s2, s2);
	sync_(&d, 2, 12.5);
	hl_dark_at(&d, 20, false, &valid, &dark, NULL);
	tap_ok(dark == 0 && valid == 19 && !d.darkenings, "a preserved STE across the kexec: never dark");

	/* a VMM's attach arms it: the device's hand-over from its driver to vfio is set-up, not dark */
	hl_dark_init(&d, 0, 8);
	ste(&d, 1, 0, zero, s2);		/* the DMA API's domain */
	ste(&d, 1, 10, s2, abrt);		/* vfio-pci takes it */
	ste(&d, 1, 20, abrt, s2);		/* the VMM's domain */
	sync_(&d, 1, 21);
	{
		struct hl_record r = rec(1, HL_K_IOMMUFD);

		r.iommufd.op = HL_IOMMUFD_HWPT_ATTACH;
		hl_dark_feed(&d, &r, 22);
	}
	ste(&d, 1, 30, s2, zero);
	ste(&d, 1, 40, zero, s2);
	sync_(&d, 1, 41);
	hl_dark_at(&d, 50, false, &valid, &dark, NULL);
	tap_ok(dark == 11 && valid == 17, "armed by the VMM's attach: the hand-over to vfio not counted, the break after it is (11)");

	/* a CD filled in a new CD table while the one in use is valid: not dark */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 0, zero, s1);
	cd(&d, 1, true);
	sync_(&d, 1, 2);
	cd(&d, 10, false);		/* the new table's CD, V=0 while filled */
	cd(&d, 12, true);
	hl_dark_at(&d, 20, false, NULL, &dark, part);
	tap_ok(dark == 0, "a CD filled from zeroes in a new CD table while the one in use is valid: not dark (%g)", dark);

	/* open: the monitor counts the stretch still running, the timeline does not */
	hl_dark_init(&d, 0, 8);
	hl_dark_arm(&d, 0);
	ste(&d, 1, 0, zero, s2);
	ste(&d, 1, 10, s2, zero);
	hl_dark_at(&d, 25, true, &valid, &dark, NULL);
	tap_ok(dark == 15 && valid == 10, "open: the dark stretch running counts up to now (15)");
	hl_dark_at(&d, 25, false, &valid, &dark, NULL);
	tap_ok(dark == 0, "closed: a stretch that has not ended is not counted");
	return tap_done();
}
