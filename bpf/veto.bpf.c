// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * veto.bpf.o: refuse a breaking update of a protected stream (patched kernel).
 *
 * The kernel series' decision point arm_smmu_attach_may_break() (patch 8) is
 * called before an attach or replace writes anything, once for each live STE
 * or CD it would have to take through V=0. This BPF_MODIFY_RETURN program
 * makes it return -EPERM for the StreamIDs in the pinned map hl_protected,
 * so the attach fails with EPERM and the SMMU keeps translating as before.
 * Every refusal is counted in hl_veto_stats[0].
 *
 *   bpftool prog loadall /lib/hitless/veto.bpf.o /sys/fs/bpf/hitless-veto \
 *           autoattach pinmaps /sys/fs/bpf/hitless-veto/maps
 *   bpftool map update pinned /sys/fs/bpf/hitless-veto/maps/hl_protected \
 *           key 8 0 0 0 value 1 0 0 0          # protect StreamID 8
 *
 * The kernel must have CONFIG_FUNCTION_ERROR_INJECTION (the verifier allows
 * fmod_ret only on error-injectable functions) and the series; on a stock
 * kernel the attach target does not exist and the load fails, naming it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define EPERM 1

/* StreamID -> 1: the streams whose live entries must not be broken. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} hl_protected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hl_veto_stats SEC(".maps");

SEC("fmod_ret/arm_smmu_attach_may_break")
int BPF_PROG(hl_veto, struct arm_smmu_master *master, u32 sid, u32 ssid, const __le64 *cur,
	     const __le64 *target, int ret)
{
	__u32 zero = 0;
	__u64 *n;

	if (ret)	/* something before us refused already */
		return ret;
	if (!bpf_map_lookup_elem(&hl_protected, &sid))
		return 0;
	n = bpf_map_lookup_elem(&hl_veto_stats, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
	return -EPERM;
}
