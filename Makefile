# hitless: top-level build. `make help` lists the targets.
#
# The two commands of the README wrap these with the set-up:
#   scripts/demo.sh   the end-to-end demo on the QEMU rig
#   scripts/test.sh   every test

HITLESS_CACHE ?= /var/cache/hitless
export HITLESS_CACHE

.PHONY: all help setup kernel kernel-patched kernel-stock userspace guest test check demo bench clean

all: kernel userspace guest

help:
	@echo 'targets:'
	@echo '  setup           install host packages, Linux 7.3 source, QEMU, arm64 sysroot'
	@echo '  kernel          build the patched and the stock arm64 kernels (cached)'
	@echo '  userspace       build the hitless collector (host and static arm64)'
	@echo '  bpf             build the BPF objects and skeletons (vmlinux.h from the stock BTF)'
	@echo '  guest           build the guest programs, the test modules and the initramfs'
	@echo '  test            run every test (unit, BPF, rig) under prove'
	@echo '  demo            run the end-to-end demo on the rig'
	@echo '  bench           the benchmarks, each figure beside its target'

setup:
	scripts/setup.sh

kernel: kernel-patched kernel-stock
kernel-patched:
	scripts/kernel.sh patched
kernel-stock:
	scripts/kernel.sh stock

# record/snapshot are built in when bpf/'s skeletons exist
userspace: bpf
	$(MAKE) -C userspace

.PHONY: bpf
bpf: kernel-stock
	$(MAKE) -C bpf

# the guest programs, and the test modules built against both kernels
guest: userspace
	$(MAKE) -C tests/guest
	$(MAKE) -C tests/kmod

test check:
	tests/run

demo:
	scripts/demo.sh

bench: userspace
	bench/run

clean:
	$(MAKE) -C userspace clean
	$(MAKE) -C bpf clean
	$(MAKE) -C tests/guest clean
	$(MAKE) -C tests/kmod clean
	rm -rf out
