// SPDX-License-Identifier: GPL-2.0
/*
 * btf_two_smmu IN OUT: IN's BTF (a kernel's, raw or ELF) with a second
 * struct arm_smmu_device added, shaped as the SMMUv1/v2 driver's
 * (drivers/iommu/arm/arm-smmu: dev, base, features, options at other
 * offsets, no stream table), written to OUT as raw BTF: the kernel BTF of a
 * kernel that builds both Arm SMMU drivers, made from one that builds one
 * (tests/bpf/smmu-layout.t).
 */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct btf *b;
	const void *raw;
	__u32 len;
	int u32, vp, dev, devp, id;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: btf_two_smmu IN OUT\n");
		return 2;
	}
	b = btf__parse(argv[1], NULL);
	if (!b) {
		perror(argv[1]);
		return 2;
	}
	u32 = btf__find_by_name_kind(b, "unsigned int", BTF_KIND_INT);
	dev = btf__find_by_name_kind(b, "device", BTF_KIND_STRUCT);
	if (u32 < 0 || dev < 0) {
		fprintf(stderr, "%s: no 'unsigned int' or struct device\n", argv[1]);
		return 2;
	}
	vp = btf__add_ptr(b, 0);
	devp = btf__add_ptr(b, dev);
	id = btf__add_struct(b, "arm_smmu_device", 264);
	if (vp < 0 || devp < 0 || id < 0 ||
	    btf__add_field(b, "dev", devp, 0, 0) || btf__add_field(b, "base", vp, 64, 0) ||
	    btf__add_field(b, "numpage", u32, 128, 0) || btf__add_field(b, "pgshift", u32, 160, 0) ||
	    btf__add_field(b, "features", u32, 256 * 8 - 64, 0) ||
	    btf__add_field(b, "options", u32, 256 * 8 - 32, 0)) {
		fprintf(stderr, "btf__add_*: failed\n");
		return 2;
	}
	raw = btf__raw_data(b, &len);
	f = fopen(argv[2], "w");
	if (!raw || !f || fwrite(raw, 1, len, f) != len || fclose(f)) {
		perror(argv[2]);
		return 2;
	}
	btf__free(b);
	return 0;
}
