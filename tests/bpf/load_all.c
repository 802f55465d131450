// SPDX-License-Identifier: GPL-2.0
/*
 * load_all OBJ BTF: load every program of OBJ, as `bpftool prog loadall`
 * does (no program left out, nothing set before the load), with BTF as the
 * kernel's BTF for CO-RE relocation (bpftool's `kernel_btf`); libbpf's log
 * on stderr.  tests/bpf/bpftool-route.t: against a BTF with two struct
 * arm_smmu_device the relocation must go through (no "field offset
 * ambiguity"); the load then stops where it must on a host that is not the
 * target (the fentry targets are not in this host's kernel).
 */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

static int log_all(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: load_all OBJ BTF\n");
		return 2;
	}
	libbpf_set_print(log_all);
	{
		LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = argv[2]);

		obj = bpf_object__open_file(argv[1], &oo);
	}
	if (!obj) {
		perror(argv[1]);
		return 2;
	}
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err ? 1 : 0;
}
