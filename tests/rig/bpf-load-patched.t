#!/bin/sh
# Every hitless BPF program passes the verifier and attaches on the patched kernel (kernel/patches: both the fentry and the tracepoint objects)
# in the rig (issue 4), and the walker snapshots the state.
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel patched --scenario bpf-load \
	-q -global -q e1000e.romfile=
