/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's BTF, read by the loader: where the SMMUv3 driver keeps what the BPF side reads. */
#ifndef HL_KBTF_H
#define HL_KBTF_H

#include <stddef.h>
#include <stdio.h>
#include "../../bpf/core.h"

struct btf;

/*
 * The SMMUv3 driver's struct arm_smmu_device among the n BTFs (vmlinux
 * first, then modules split on it): the only one of that name, or, when the
 * kernel has several (both Arm SMMU drivers built), the one the SMMUv3
 * driver's struct arm_smmu_master points to.  Fills lay (lay->set: how many
 * types of that name there were, 1 or more).  0, or -1 with why.
 */
int hl_smmu_layout_find(struct btf *const *btfs, int n, struct hl_smmu_layout *lay, char *why,
			size_t why_len);
/* "strtab_cfg.l2.l1tab": the member path of enum hl_smmu_field k. */
const char *hl_smmu_field_path(unsigned k);

/*
 * Does the modules.dep stream `dep` (/lib/modules/RELEASE/modules.dep, as
 * depmod writes it) list module `mod` (its file mod.ko, or compressed
 * mod.ko.xz, .gz, .zst; '-' and '_' alike): 1, else 0.  The loader asks
 * before it arms a module's programs: a module the kernel does not have is
 * named, not waited for.
 */
int hl_moddep_has(FILE *dep, const char *mod);

#endif
