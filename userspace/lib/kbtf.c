// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMUv3 driver's struct arm_smmu_device in the running kernel's BTF,
 * for the walker's trigger (bpf/smmu.bpf.h, the map hl_smmu_lay).  A kernel that
 * builds both Arm SMMU drivers in (ARM_SMMU=y and ARM_SMMU_V3=y, as every
 * distribution does) has two types of that name, of different layouts, and
 * libbpf refuses a CO-RE read of a field both have ("field offset
 * ambiguity").  Which one is the SMMUv3 driver's is not a matter of order:
 * it is the one the SMMUv3 driver's own struct arm_smmu_master points to
 * (its `smmu` member), a type the other driver does not have.
 */
#include <string.h>
#include <bpf/btf.h>
#include "kbtf.h"

static const struct { const char *path; } fields[HL_SF_MAX] = {
	[HL_SF_FEATURES] = { "features" },
	[HL_SF_OPTIONS] = { "options" },
	[HL_SF_SID_BITS] = { "sid_bits" },
	[HL_SF_SSID_BITS] = { "ssid_bits" },
	[HL_SF_L1TAB] = { "strtab_cfg.l2.l1tab" },
	[HL_SF_L1_DMA] = { "strtab_cfg.l2.l1_dma" },
	[HL_SF_NUM_L1_ENTS] = { "strtab_cfg.l2.num_l1_ents" },
	[HL_SF_TABLE] = { "strtab_cfg.linear.table" },
	[HL_SF_STE_DMA] = { "strtab_cfg.linear.ste_dma" },
	[HL_SF_NUM_ENTS] = { "strtab_cfg.linear.num_ents" },
	[HL_SF_DEV] = { "dev" },
	[HL_SF_BASE] = { "base" },
	/* HL_SF_FIRST_OPTIONAL on: the SMMU's identity, captured where the BTF has it */
	[HL_SF_OAS] = { "oas" },
	[HL_SF_PGSIZE] = { "pgsize_bitmap" },
	[HL_SF_ASID_BITS] = { "asid_bits" },
	[HL_SF_VMID_BITS] = { "vmid_bits" },
};

/* The first type id that is btf's own (split BTF: after its base's). */
static __u32 first_own(const struct btf *btf)
{
	const struct btf *base = btf__base_btf(btf);

	return base ? btf__type_cnt(base) : 1;
}

/*
 * Member `name` of the struct/union `id`, looking through anonymous members
 * as C does: its byte offset into *off, its type into *type.  0, or -1.
 */
static int member(const struct btf *btf, __u32 id, const char *name, size_t len, __u32 *off,
		  __u32 *type)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	const struct btf_member *m;

	if (!t || (!btf_is_struct(t) && !btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		__u32 bits = btf_member_bit_offset(t, i), sub;

		if (btf_member_bitfield_size(t, i) || bits % 8)
			continue;
		if (mn && *mn) {
			if (strlen(mn) == len && !strncmp(mn, name, len)) {
				*off = bits / 8;
				*type = m->type;
				return 0;
			}
		} else if (!member(btf, m->type, name, len, &sub, type)) {
			*off = bits / 8 + sub;
			return 0;
		}
	}
	return -1;
}

/* The byte offset and size of a dotted member path; 0, or -1. */
static int path_of(const struct btf *btf, __u32 id, const char *path, __u32 *off, __u32 *size)
{
	__u32 o = 0;

	for (const char *p = path;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		__u32 mo, mt;

		if (member(btf, id, p, len, &mo, &mt))
			return -1;
		o += mo;
		id = mt;
		if (!dot)
			break;
		p = dot + 1;
	}
	*off = o;
	*size = btf__resolve_size(btf, id) > 0 ? btf__resolve_size(btf, id) : 0;
	return 0;
}

/* The type a pointer member points to, through const/volatile/typedef. */
static const struct btf_type *pointee(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, btf__resolve_type(btf, id));

	if (!t || !btf_is_ptr(t))
		return NULL;
	return btf__type_by_id(btf, btf__resolve_type(btf, t->type));
}

int hl_smmu_layout_find(struct btf *const *btfs, int n, struct hl_smmu_layout *lay, char *why,
			size_t why_len)
{
	const struct btf *cb[8], *found = NULL;
	__u32 cid[8], fid = 0;
	const struct btf_type *v3 = NULL;
	int nc = 0;

	memset(lay, 0, sizeof(*lay));
	/* every struct arm_smmu_device, and what the SMMUv3 driver's master points to */
	for (int b = 0; b < n; b++) {
		const struct btf *btf = btfs[b];

		if (!btf)
			continue;
		for (__u32 id = first_own(btf); id < btf__type_cnt(btf); id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			const char *name = btf__name_by_offset(btf, t->name_off);
			__u32 off, type;

			if (!btf_is_struct(t) || !name)
				continue;
			if (!strcmp(name, "arm_smmu_device") && nc < 8) {
				cb[nc] = btf;
				cid[nc++] = id;
			} else if (!strcmp(name, "arm_smmu_master") && !v3 &&
				   !member(btf, id, "smmu", 4, &off, &type)) {
				v3 = pointee(btf, type);
			}
		}
	}
	if (!nc) {
		snprintf(why, why_len, "no struct arm_smmu_device in this kernel's BTF (vmlinux or module)");
		return -1;
	}
	if (nc == 1) {
		found = cb[0];
		fid = cid[0];
	}
	for (int i = 0; nc > 1 && i < nc; i++)
		if (btf__type_by_id(cb[i], cid[i]) == v3) {
			found = cb[i];
			fid = cid[i];
		}
	if (!found) {
		snprintf(why, why_len, "%d struct arm_smmu_device in this kernel's BTF (both Arm SMMU drivers "
			 "built) and no struct arm_smmu_master naming one: which is the SMMUv3 driver's "
			 "is not known", nc);
		return -1;
	}
	for (int k = 0; k < HL_SF_MAX; k++) {
		__u32 off, size;

		if (path_of(found, fid, fields[k].path, &off, &size) || !size || size > 8 || off > 0xffff) {
			if (k >= HL_SF_FIRST_OPTIONAL) {
				/* size 0: not read, the snapshot says unknown */
				lay->off[k] = lay->size[k] = 0;
				continue;
			}
			snprintf(why, why_len, "the SMMUv3 struct arm_smmu_device (BTF type %u) has no "
				 "field %s of 1 to 8 bytes", fid, fields[k].path);
			return -1;
		}
		lay->off[k] = off;
		lay->size[k] = size;
	}
	lay->set = nc;
	return 0;
}

const char *hl_smmu_field_path(unsigned k)
{
	return k < HL_SF_MAX ? fields[k].path : "?";
}

int hl_moddep_has(FILE *dep, const char *mod)
{
	char line[4096];
	size_t ml = strlen(mod);

	while (fgets(line, sizeof(line), dep)) {
		char *colon = strchr(line, ':'), *base;
		size_t i;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		if (strlen(base) < ml + 3 || strncmp(base + ml, ".ko", 3) ||
		    (base[ml + 3] && base[ml + 3] != '.'))
			continue;
		/* kbuild names the file as the module; modprobe takes - and _ alike */
		for (i = 0; i < ml; i++)
			if (base[i] != mod[i] && !(strchr("-_", base[i]) && strchr("-_", mod[i])))
				break;
		if (i == ml)
			return 1;
	}
	return 0;
}
