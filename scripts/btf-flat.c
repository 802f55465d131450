// SPDX-License-Identifier: GPL-2.0
/*
 * btf-flat VMLINUX [MODULE.ko ...] OUT: the kernel's BTF as one raw BTF
 * file: VMLINUX's types, then each module's (split BTF over VMLINUX's), in
 * that order, ids kept.  scripts/kernel.sh writes a kernel folder's `btf`
 * with it: where the SMMUv3 driver is a module (the stock flavor,
 * kernel/config/stock.config) vmlinux alone has none of its types, and
 * what reads "the kernel's BTF" from a file (bpf/Makefile's vmlinux.h,
 * HITLESS_BTF in the host tests, scripts/lib.sh stock_kprobe_events) needs
 * them, as the running kernel's vmlinux and module BTF together give them
 * to the loader.  A type both a module and vmlinux define stays twice, as
 * in the kernel (the module's is its own).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct btf *base, *out;
	const void *raw;
	__u32 len;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: btf-flat VMLINUX [MODULE.ko ...] OUT\n");
		return 2;
	}
	base = btf__parse(argv[1], NULL);
	if (!base) {
		fprintf(stderr, "btf-flat: %s: no BTF (%s)\n", argv[1], strerror(errno));
		return 1;
	}
	out = btf__new_empty();
	if (!out)
		return 1;
	for (__u32 id = 1; id < btf__type_cnt(base); id++)
		if (btf__add_type(out, base, btf__type_by_id(base, id)) < 0) {
			fprintf(stderr, "btf-flat: %s: type %u: cannot copy\n", argv[1], id);
			return 1;
		}
	for (int m = 2; m < argc - 1; m++) {
		struct btf *mod = btf__parse_split(argv[m], base);

		if (!mod) {
			fprintf(stderr, "btf-flat: %s: no BTF split on %s (%s)\n", argv[m], argv[1], strerror(errno));
			return 1;
		}
		/*
		 * The module's ids start after VMLINUX's; in OUT they start
		 * after everything added so far: shift its own references.
		 */
		__u32 first = btf__type_cnt(base), shift = btf__type_cnt(out) - first;

		for (__u32 id = first; id < btf__type_cnt(mod); id++) {
			int nid = btf__add_type(out, mod, btf__type_by_id(mod, id));
			struct btf_type *t;

			if (nid < 0) {
				fprintf(stderr, "btf-flat: %s: type %u: cannot copy\n", argv[m], id);
				return 1;
			}
			t = (struct btf_type *)btf__type_by_id(out, nid);
			if (shift) {
				__u16 kind = btf_kind(t);
				__u16 vlen = btf_vlen(t);
#define FIX(x) do { if ((x) >= first) (x) += shift; } while (0)
				switch (kind) {
				case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
				case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC:
				case BTF_KIND_VAR: case BTF_KIND_DECL_TAG: case BTF_KIND_TYPE_TAG:
					FIX(t->type);
					break;
				case BTF_KIND_ARRAY:
					FIX(btf_array(t)->type);
					FIX(btf_array(t)->index_type);
					break;
				case BTF_KIND_STRUCT: case BTF_KIND_UNION:
					for (__u16 i = 0; i < vlen; i++)
						FIX(btf_members(t)[i].type);
					break;
				case BTF_KIND_FUNC_PROTO:
					FIX(t->type);
					for (__u16 i = 0; i < vlen; i++)
						FIX(btf_params(t)[i].type);
					break;
				case BTF_KIND_DATASEC:
					for (__u16 i = 0; i < vlen; i++)
						FIX(btf_var_secinfos(t)[i].type);
					break;
				default:
					break;
				}
#undef FIX
			}
		}
		btf__free(mod);
	}
	raw = btf__raw_data(out, &len);
	f = fopen(argv[argc - 1], "w");
	if (!raw || !f || fwrite(raw, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "btf-flat: %s: %s\n", argv[argc - 1], strerror(errno));
		return 1;
	}
	btf__free(out);
	btf__free(base);
	return 0;
}
