# hitless: top-level build. `make help` lists the targets.
#
# The two commands of the README wrap these with the set-up:
#   scripts/demo.sh   the end-to-end demo on the QEMU rig
#   scripts/test.sh   every test

HITLESS_CACHE ?= /var/cache/hitless
export HITLESS_CACHE

.PHONY: all help setup kernel kernel-patched kernel-stock userspace guest test check demo bench clean \
	build man install uninstall

# ---- a host's build and install (no rig, no kernel build) ------------------
# `make build` builds the collector and the BPF objects for the host whose BTF
# VMLINUX is: this host's own (/sys/kernel/btf/vmlinux, an arm64 kernel with the
# SMMUv3 driver built in), or a vmlinux given (VMLINUX=path; for a driver built
# as a module, VMLINUX=/sys/kernel/btf/arm_smmu_v3). CFLAGS, CPPFLAGS and
# LDFLAGS from the environment are kept (dpkg-buildflags).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/hitless
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
VMLINUX ?= /sys/kernel/btf/vmlinux
INSTALL ?= install
# where the build for installing goes: its own skeletons and objects, apart
# from the rig's (out/bpf/stock, userspace/build/host)
DIST_BPF = out/bpf/dist
DIST_B = build/dist
BPF_OBJS = hitless.bpf.o hitless_tp.bpf.o veto.bpf.o
DOCS = README.md docs/early-boot-tracing.md docs/output.md docs/rules.md docs/snapshot-format.md

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
	@echo '  build           the collector and BPF objects for a host (VMLINUX=, default its own BTF)'
	@echo '  man             the man pages, from the built binary'"'"'s --help (out/man)'
	@echo '  install         install them (PREFIX=/usr/local DESTDIR= BINDIR LIBDIR MANDIR BASHCOMPDIR)'
	@echo '  uninstall       remove what install put there'

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

build:
	$(MAKE) -C bpf KERNEL=dist VMLINUX=$(abspath $(VMLINUX)) OUT=$(abspath $(DIST_BPF))
	$(MAKE) -C userspace B=$(DIST_B) SKEL_DIR=$(abspath $(DIST_BPF)) $(DIST_B)/hitless

# The man pages, made from the built binary's own --help (docs/man/mkman).
# MAN_HITLESS: a binary this machine runs (a cross build gives a native one).
MAN_HITLESS ?= userspace/$(DIST_B)/hitless
MAN_OUT = out/man
MAN_PAGES = hitless hitless-show hitless-diff hitless-timeline hitless-record \
	hitless-snapshot hitless-import hitless-monitor
man: build
	rm -rf $(MAN_OUT)
	docs/man/mkman $(MAN_HITLESS) $(MAN_OUT)
	@for p in $(MAN_PAGES); do test -f $(MAN_OUT)/$$p.1 || { echo "no $$p.1 made" >&2; exit 1; }; done

install: build man
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/hitless $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	$(INSTALL) -m 0755 userspace/$(DIST_B)/hitless $(DESTDIR)$(BINDIR)/hitless
	$(INSTALL) -m 0644 $(addprefix $(DIST_BPF)/,$(BPF_OBJS)) $(DESTDIR)$(LIBDIR)/hitless/
	$(INSTALL) -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 $(addprefix $(MAN_OUT)/,$(addsuffix .1,$(MAN_PAGES))) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 0644 completion/hitless $(DESTDIR)$(BASHCOMPDIR)/hitless

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hitless
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/hitless/,$(BPF_OBJS))
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOCS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(addsuffix .1,$(MAN_PAGES)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/hitless
	-rmdir $(DESTDIR)$(LIBDIR)/hitless $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	$(MAKE) -C userspace clean
	$(MAKE) -C bpf clean
	$(MAKE) -C tests/guest clean
	$(MAKE) -C tests/kmod clean
	rm -rf out
