// SPDX-License-Identifier: GPL-2.0
/*
 * record and snapshot: the capture side.  Loads bpf/hitless.bpf.c through its
 * skeleton (or uses the maps `bpftool prog loadall ... pinmaps` left in
 * bpffs), polls the ring buffer, feeds every record to hl_state_apply(), and
 * writes the snapshot.  Every program that does not load or attach on the
 * running kernel is named with the reason; the walker is driven by reads of
 * the SMMU platform devices' uevent files (bpf/README.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "counter.h"
#include "../main.h"
#include "records.h"
#include "snapshot.h"
#include "monitor.h"
#include "progress.h"
#include "verdict.h"
#include "kbtf.h"
#include "../../bpf/core.h"

/* ---- identity and clocks ---- */
u64 hl_now_ns(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (u64)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

static void read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, n, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* hl_hdr.boot: the first 8 bytes of boot_id (its first 16 hex digits). */
static u64 boot_of(const char *boot_id)
{
	u64 v = 0;
	int n = 0;

	for (const char *p = boot_id; *p && n < 16; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

		if (d < 0)
			continue;
		v = v << 4 | d;
		n++;
	}
	return v;
}

void hl_clock_sample(struct hl_state *s)
{
#if defined(__aarch64__)
	struct hl_clock_disk c = { .boot = s->meta.boot };
	u64 k0 = hl_now_ns(CLOCK_MONOTONIC), v = hl_cntvct(), k1;

	k1 = hl_now_ns(CLOCK_MONOTONIC);
	c.ktime = k0 + (k1 - k0) / 2;
	c.cntvct = v;
	VEC_PUSH(s->clocks, c);
#else
	(void)s;
#endif
}

void hl_state_identity(struct hl_state *s, unsigned mode)
{
	struct hl_boot_disk b = { 0 };
	struct utsname u;

	uname(&u);
	snprintf(s->meta.release, sizeof(s->meta.release), "%s", u.release);
	snprintf(s->meta.hostname, sizeof(s->meta.hostname), "%.63s", u.nodename);
	read_line("/proc/sys/kernel/random/boot_id", s->meta.boot_id, sizeof(s->meta.boot_id));
	s->meta.boot = boot_of(s->meta.boot_id);
	s->meta.mode = mode;
	b.boot = s->meta.boot;
	memcpy(b.boot_id, s->meta.boot_id, sizeof(b.boot_id));
	memcpy(b.release, s->meta.release, sizeof(b.release));
	b.cntfrq = hl_cntfrq();
	VEC_PUSH(s->boots, b);
	hl_clock_sample(s);
}

#ifdef HL_HAVE_SKEL
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "hitless.skel.h"
#include "hitless_tp.skel.h"

#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>

#define SMMU_DRIVER_DIR "/sys/bus/platform/drivers/arm-smmu-v3"
#define DEFAULT_PIN_DIR "/sys/fs/bpf/hitless"

static volatile sig_atomic_t stop_req;
static void on_signal(int sig) { (void)sig; stop_req = 1; }

struct cap {
	struct hitless *sk;		/* stock-kernel mode: fentry/fexit */
	struct hitless_tp *sk_tp;	/* patched-kernel mode: the series' tracepoints */
	struct bpf_object *obj;		/* whichever was loaded; NULL when using pinned maps */
	volatile struct hl_config *cfg;
	unsigned mode;			/* enum hl_mode of the loaded programs */
	struct ring_buffer *rb;
	int events_fd, stats_fd, smmus_fd, walk_fd;
	struct hl_state st;
	u64 records;
	u64 walk_gen;
	int quiet;
	u64 seq_base;			/* this boot's records imported from the trace (--trace) */
	struct hl_mon *mon;		/* monitor: records go to its window, not to st */
	/* programs on a module's functions (kprobe events, armed as the module comes) */
	struct bpf_link *mlinks[16];
	char mevents[16][64];
	int nmlinks;
	unsigned mods_pending;		/* bit per modprobe_mods[] entry: not loaded yet */
	struct bpf_link *alinks[4];	/* the milestone kprobes at the SMMUv3 driver's addresses */
	int nalinks;
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct cap *c = ctx;
	struct hl_record r;

	if (len != sizeof(r))
		return 0;
	memcpy(&r, data, sizeof(r));
	/* programs loaded by bpftool have no boot identity: it is this boot */
	if (!r.hdr.boot)
		r.hdr.boot = c->st.meta.boot;
	/* numbered after this boot's early events imported from the trace instance */
	if (c->seq_base && r.hdr.boot == c->st.meta.boot) {
		r.hdr.seq += c->seq_base;
		if (r.hdr.kind == HL_K_LOST && r.lost.first_seq)
			r.lost.first_seq += c->seq_base;
	}
	if (c->mon)
		hl_mon_feed(c->mon, &r);
	else
		hl_state_apply(&c->st, &r);
	c->records++;
	return 0;
}

/* ---- loading ---- */

/* "fentry/foo" -> "foo" */
static const char *target_of(struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p), *sl = strchr(sec, '/');

	return sl ? sl + 1 : sec;
}

/*
 * The running kernel's BTF: vmlinux and every module's (an SMMUv3 driver or
 * iommufd built as a module has its functions and types there; libbpf
 * attaches and relocates against module BTF too).
 */
struct kbtf {
	struct btf *vmlinux;
	struct btf *mods[128];
	int nmods;
};

/* HITLESS_BTF: the kernel's BTF from this file instead of /sys/kernel/btf/vmlinux. */
static const char *btf_override(void)
{
	const char *p = getenv("HITLESS_BTF");

	return p && *p ? p : NULL;
}

/* 0, or HL_EXIT_NO_BTF after p_err. */
static int kbtf_load(struct kbtf *k)
{
	const char *path = btf_override();
	DIR *d;
	struct dirent *e;

	memset(k, 0, sizeof(*k));
	k->vmlinux = path ? btf__parse(path, NULL) : btf__load_vmlinux_btf();
	if (!k->vmlinux) {
		int err = errno;
		struct stat st;

		if (path && !stat(path, &st) && !st.st_size)
			p_err("HITLESS_BTF=%s: an empty file, no BTF: the capture needs the running kernel's BTF",
			      path);
		else if (path)
			p_err("HITLESS_BTF=%s: no BTF there (%s): the capture needs the running kernel's BTF",
			      path, strerror(err));
		else
			p_err("this kernel has no BTF (/sys/kernel/btf/vmlinux: %s): the capture needs it "
			      "(CONFIG_DEBUG_INFO_BTF=y), or HITLESS_BTF=FILE", strerror(err));
		return HL_EXIT_NO_BTF;
	}
	/* module BTF splits on the running kernel's own: not with an override */
	if (path || !(d = opendir("/sys/kernel/btf")))
		return 0;
	while ((e = readdir(d)) && k->nmods < 128) {
		char p[300];

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "vmlinux"))
			continue;
		snprintf(p, sizeof(p), "/sys/kernel/btf/%s", e->d_name);
		k->mods[k->nmods] = btf__parse_split(p, k->vmlinux);
		if (k->mods[k->nmods])
			k->nmods++;
	}
	closedir(d);
	return 0;
}

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/*
 * Loading and attaching tracing programs takes CAP_BPF and CAP_PERFMON
 * (Linux 5.8+), or CAP_SYS_ADMIN: say so before the first bpf() call fails
 * with a bare EPERM.  0, or HL_EXIT_NO_PRIV after p_err.
 */
static int cap_privileged(const char *verb)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

#define HAS(c) (d[(c) >> 5].effective & (1u << ((c) & 31)))
	if (syscall(SYS_capget, &h, d) == 0 &&
	    (HAS(CAP_SYS_ADMIN) || (HAS(CAP_BPF) && HAS(CAP_PERFMON))))
		return 0;
#undef HAS
	p_err("'%s' needs root: loading and attaching the BPF capture takes CAP_BPF and "
	      "CAP_PERFMON, or CAP_SYS_ADMIN (running as uid %u without them)", verb, (unsigned)geteuid());
	return HL_EXIT_NO_PRIV;
}

static void kbtf_free(struct kbtf *k)
{
	for (int i = 0; i < k->nmods; i++)
		btf__free(k->mods[i]);
	btf__free(k->vmlinux);
}

static int kbtf_has(const struct kbtf *k, const char *name, int kind)
{
	if (!k->vmlinux)
		return 0;
	if (btf__find_by_name_kind(k->vmlinux, name, kind) >= 0)
		return 1;
	for (int i = 0; i < k->nmods; i++)
		if (btf__find_by_name_kind(k->mods[i], name, kind) >= 0)
			return 1;
	return 0;
}

/* Is the program's target in this kernel's BTF: the function, or the tracepoint's btf_trace_ type. */
static int target_exists(const struct kbtf *k, struct bpf_program *p)
{
	char name[160];

	if (!strncmp(bpf_program__section_name(p), "tp_btf/", 7)) {
		snprintf(name, sizeof(name), "btf_trace_%s", target_of(p));
		return kbtf_has(k, name, BTF_KIND_TYPEDEF);
	}
	return kbtf_has(k, target_of(p), BTF_KIND_FUNC);
}

/* --mode auto: the series' tracepoints when the kernel has them, else fentry. */
static unsigned pick_mode(const struct kbtf *k, const char *want)
{
	if (want && !strcmp(want, "fentry"))
		return HL_MODE_FENTRY;
	if (want && !strcmp(want, "tracepoint"))
		return HL_MODE_TRACEPOINT;
	return kbtf_has(k, "btf_trace_arm_smmu_ste_write", BTF_KIND_TYPEDEF) ?
	       HL_MODE_TRACEPOINT : HL_MODE_FENTRY;
}

/*
 * What the verdict loses without a program (named once at start with the
 * program).  By name prefix: the first match.
 */
static const struct { const char *prog, *loses; } losses[] = {
	{ "hl_cmdq_issue", "the commands and CMD_SYNC completions: every INV-* rule goes unmet "
	  "(each write is owed its invalidation), STE writes cannot fall back to CFGI_STE" },
	{ "hl_write_entry", "STE/CD update grouping and steps (STE from the stream table at CFGI_STE, step unknown)" },
	{ "hl_ste_sync", "STE writes as the driver makes them (STE from the stream table at CFGI_STE, step unknown)" },
	{ "hl_cd_sync", "CD writes: no CD-TORN, CD-BREAK or CD-REMOVE" },
	{ "hl_qword_diff", "nothing if the get_used hooks attach (the step is recomputed)" },
	{ "hl_ste_used", "the step recomputation where qword_diff is inlined" },
	{ "hl_cd_used", "the step recomputation where qword_diff is inlined" },
	{ "hl_ste_safe", "the update-safe bits of the step recomputation" },
	{ "hl_attach", "the driver's attach records: ATTACH-BREAK, and which StreamIDs a VMM's attach "
	  "names (protection windows, the default protected set)" },
	{ "hl_lpae", "I/O page-table writes: BBM-SIZE, PTE-LIVE, INV-TLB and the log's translations" },
	{ "hl_ioas", "iommufd's IOAS map/unmap records" },
	{ "hl_idev", "iommufd's attach/replace/detach: its VMMs are not protected by default, "
	  "their windows not opened" },
	{ "hl_reg_write", "SMMU_CR0 writes: SMMU-OFF (an SMMU disabled under a protected StreamID)" },
	{ "arm_smmu_device_probe", "the SMMU probe milestones of a probe in this boot (rebind, module)" },
	{ "arm_smmu_device_shutdown", "the SMMU shutdown milestone (this kernel's last SMMU act)" },
	{ "machine_kexec", "the old kernel's last instant (only a persistent trace buffer can keep it anyway)" },
	{ "kernel_kexec", "the kexec milestone" },
	{ "luo_", "the live update orchestrator's milestones (no LUO: none to lose)" },
	{ "kho_", "the KHO milestone (no KHO: none to lose)" },
	{ "hl_tp_", "the series' records of this event" },
};

/*
 * How many text symbols of this name /proc/kallsyms lists (0 if it cannot
 * be read).  A kernel with both Arm SMMU drivers has two static
 * arm_smmu_device_probe and arm_smmu_device_shutdown; its BTF keeps one
 * FUNC of the name, and the kernel resolves an fentry target by name to the
 * first in kallsyms' order: the SMMUv1/v2 driver's (drivers/iommu/arm/
 * arm-smmu/ links before arm-smmu-v3/; seen on Debian's 7.3).
 */
static void ksym_counts(const char *const *names, int n, int *count)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], t;
	unsigned long long a;

	memset(count, 0, n * sizeof(*count));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &t, sym) != 3 || (t != 't' && t != 'T'))
			continue;
		for (int i = 0; i < n; i++)
			if (!strcmp(sym, names[i]))
				count[i]++;
	}
	fclose(f);
}

static const char *loss_of(const char *prog)
{
	for (size_t i = 0; i < sizeof(losses) / sizeof(losses[0]); i++)
		if (!strncmp(prog, losses[i].prog, strlen(losses[i].prog)))
			return losses[i].loses;
	return "its records";
}

/*
 * Programs loaded only where another's function is missing: the same hook
 * under the name an older kernel gives it (Linux 7.2's
 * arm_smmu_cmdq_issue_cmdlist is 7.3's __arm_smmu_cmdq_issue_cmdlist; on 7.3
 * it is a wrapper and would count every command twice).
 */
static const struct { const char *alt, *primary; } alternates[] = {
	{ "hl_cmdq_issue_alt", "hl_cmdq_issue" },
	{ "hl_cmdq_issue_alt_done", "hl_cmdq_issue_done" },
};

/*
 * Programs on a module's functions (bpf/hitless.bpf.c, the VFIO type1
 * container): kprobes the loader defines as kprobe events on
 * MODULE:FUNCTION (FUNCTION alone where the module is built in).  The kernel
 * arms an event on a module not yet loaded as the module comes in, before
 * its init runs: a VMM's first VFIO_SET_IOMMU after `modprobe
 * vfio_iommu_type1` is seen, however soon.
 */
static const char *const modprobe_mods[] = { "vfio_iommu_type1" };
static const struct { const char *prog, *func; unsigned mod; bool ret; } modprobes[] = {
	{ "hl_mod_type1_attach", "vfio_iommu_type1_attach_group", 0, false },
	{ "hl_mod_type1_attach_ret", "vfio_iommu_type1_attach_group", 0, true },
	{ "hl_mod_type1_detach", "vfio_iommu_type1_detach_group", 0, false },
	{ "hl_mod_type1_ioctl", "vfio_iommu_type1_ioctl", 0, false },
	{ "hl_mod_type1_ioctl_ret", "vfio_iommu_type1_ioctl", 0, true },
};
#define N_MODPROBES (sizeof(modprobes) / sizeof(modprobes[0]))

/*
 * In place of an fentry milestone whose name is two functions: a kprobe at
 * the SMMUv3 driver's own, the address its struct platform_driver holds
 * (hl_smmu_info, filled when the walker's trigger registers the SMMU).
 */
static const struct { const char *prog, *func; size_t off; bool ret; } byaddr[] = {
	{ "hl_kp_smmu_probe", "arm_smmu_device_probe", offsetof(struct hl_smmu_info, drv_probe), false },
	{ "hl_kp_smmu_probe_done", "arm_smmu_device_probe", offsetof(struct hl_smmu_info, drv_probe), true },
	{ "hl_kp_smmu_shutdown", "arm_smmu_device_shutdown", offsetof(struct hl_smmu_info, drv_shutdown), false },
};
#define N_BYADDR (sizeof(byaddr) / sizeof(byaddr[0]))

static int byaddr_of(const char *prog)
{
	for (size_t i = 0; i < N_BYADDR; i++)
		if (!strcmp(prog, byaddr[i].prog))
			return i;
	return -1;
}

/* Attach the by-address milestone kprobes once an SMMU is registered. */
static void byaddr_attach(struct cap *c)
{
	struct hl_smmu_info info;
	u64 key;
	bool have;

	if (!c->obj)
		return;
	have = !bpf_map_get_next_key(c->smmus_fd, NULL, &key) &&
	       !bpf_map_lookup_elem(c->smmus_fd, &key, &info);
	for (size_t i = 0; i < N_BYADDR && c->nalinks < 4; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(c->obj, byaddr[i].prog);
		u64 addr = 0;
		struct bpf_link *l;

		if (!p || !bpf_program__autoload(p))
			continue;
		if (have)
			memcpy(&addr, (char *)&info + byaddr[i].off, sizeof(addr));
		if (!addr) {
			p_note(c->quiet, "program %s (%s at the SMMUv3 driver's %s): not attached: no SMMU "
			       "registered to take the address from; the verdict loses %s", byaddr[i].prog,
			       byaddr[i].ret ? "kretprobe" : "kprobe", byaddr[i].func, loss_of(byaddr[i].func));
			continue;
		}
		{
			LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = addr, .retprobe = byaddr[i].ret);

			l = bpf_program__attach_kprobe_opts(p, NULL, &ko);
		}
		if (!l) {
			p_note(c->quiet, "program %s (%s at 0x%llx, the SMMUv3 driver's %s): not attached: %s; "
			       "the verdict loses %s", byaddr[i].prog, byaddr[i].ret ? "kretprobe" : "kprobe",
			       (unsigned long long)addr, byaddr[i].func, strerror(errno), loss_of(byaddr[i].func));
			continue;
		}
		c->alinks[c->nalinks++] = l;
		p_note(c->quiet, "program %s (%s at 0x%llx): attached to the SMMUv3 driver's %s (its "
		       "platform_driver's), not the other driver's of that name", byaddr[i].prog,
		       byaddr[i].ret ? "kretprobe" : "kprobe", (unsigned long long)addr, byaddr[i].func);
	}
}

static int modprobe_of(const char *prog)
{
	for (size_t i = 0; i < N_MODPROBES; i++)
		if (!strcmp(prog, modprobes[i].prog))
			return i;
	return -1;
}

static int module_loaded(const char *mod)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s", mod);
	return !access(p, F_OK);
}

static const char *tracefs_dir(void)
{
	return !access("/sys/kernel/tracing/kprobe_events", W_OK) ? "/sys/kernel/tracing" :
	       "/sys/kernel/debug/tracing";
}

static int kprobe_event_write(const char *line)
{
	char p[128];
	int fd, rc;

	snprintf(p, sizeof(p), "%s/kprobe_events", tracefs_dir());
	fd = open(p, O_WRONLY | O_APPEND);
	if (fd < 0)
		return -1;
	rc = write(fd, line, strlen(line)) == (ssize_t)strlen(line) ? 0 : -1;
	close(fd);
	return rc;
}

/* Define the kprobe event of modprobes[i] and attach its program; 0, or -1 with errno. */
static int modprobe_attach(struct cap *c, struct bpf_program *p, size_t i, bool builtin)
{
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT };
	char line[256], path[256];
	struct bpf_link *l;
	int pfd, err;
	FILE *f;
	unsigned long long id;

	if (c->nmlinks >= 16) {
		errno = ENOSPC;
		return -1;
	}
	snprintf(c->mevents[c->nmlinks], sizeof(c->mevents[0]), "hitless_%d/%s", (int)getpid(),
		 modprobes[i].prog + 3);
	snprintf(line, sizeof(line), "%c:%s %s%s%s\n", modprobes[i].ret ? 'r' : 'p', c->mevents[c->nmlinks],
		 builtin ? "" : modprobe_mods[modprobes[i].mod], builtin ? "" : ":", modprobes[i].func);
	if (kprobe_event_write(line))
		return -1;
	snprintf(path, sizeof(path), "%s/events/%s/id", tracefs_dir(), c->mevents[c->nmlinks]);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &id) != 1) {
		err = errno ? errno : EINVAL;
		if (f)
			fclose(f);
		goto undo;
	}
	fclose(f);
	attr.config = id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	pfd = syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		err = errno;
		goto undo;
	}
	l = bpf_program__attach_perf_event(p, pfd);
	if (!l) {
		err = errno;
		close(pfd);
		goto undo;
	}
	c->mlinks[c->nmlinks++] = l;
	return 0;
undo:
	snprintf(line, sizeof(line), "-:%s\n", c->mevents[c->nmlinks]);
	kprobe_event_write(line);
	errno = err;
	return -1;
}

/* Which modules have come since the last call: their programs, armed before, are attached now. */
static void mods_poll(struct cap *c)
{
	for (unsigned m = 0; c->mods_pending && m < sizeof(modprobe_mods) / sizeof(modprobe_mods[0]); m++) {
		int n = 0;

		if (!(c->mods_pending & 1u << m) || !module_loaded(modprobe_mods[m]))
			continue;
		c->mods_pending &= ~(1u << m);
		for (size_t i = 0; i < N_MODPROBES; i++)
			n += modprobes[i].mod == m;
		p_note(c->quiet, "attached %d programs in %s (loaded now; armed since the start, "
		       "so nothing since its init is missed)", n, modprobe_mods[m]);
	}
}

/*
 * Load the programs this kernel can take, attach each, name every one that
 * could not with the reason.  only_walker: the snapshot verb needs only the
 * walker's trigger.
 */
static unsigned long ringbuf_bytes;	/* --buffer: 0 keeps the object's 8 MiB */

static int cap_load(struct cap *c, int only_walker, const char *want_mode)
{
	struct kbtf k;
	struct bpf_program *p;
	int err, attached = 0, skipped = 0, ste_hooks = 0, alt, marmed[4] = { 0 };
	bool modbuiltin[N_MODPROBES] = { 0 };
	const char *fn[64];
	int fncount[64] = { 0 }, nfn = 0;

	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_override());

	err = kbtf_load(&k);
	if (err)
		return err;
	if (!kbtf_has(&k, "arm_smmu_device", BTF_KIND_STRUCT)) {
		p_err("no Arm SMMUv3 driver in this kernel (struct arm_smmu_device is in no BTF, vmlinux or module)");
		kbtf_free(&k);
		return HL_EXIT_NO_SMMU;
	}
	if (want_mode && !strcmp(want_mode, "tracepoint") &&
	    !kbtf_has(&k, "btf_trace_arm_smmu_ste_write", BTF_KIND_TYPEDEF)) {
		p_err("--mode tracepoint: this kernel is not built with the hitless series "
		      "(kernel/patches; no arm_smmu_ste_write tracepoint in its BTF): "
		      "boot a patched kernel, or use --mode fentry");
		kbtf_free(&k);
		return HL_EXIT_NO_SERIES;
	}
	c->mode = pick_mode(&k, want_mode);
	if (c->mode == HL_MODE_TRACEPOINT) {
		c->sk_tp = hitless_tp__open_opts(&oo);
		c->obj = c->sk_tp ? c->sk_tp->obj : NULL;
		c->cfg = c->sk_tp ? &c->sk_tp->bss->hl_cfg : NULL;
	} else {
		c->sk = hitless__open_opts(&oo);
		c->obj = c->sk ? c->sk->obj : NULL;
		c->cfg = c->sk ? &c->sk->bss->hl_cfg : NULL;
	}
	if (!c->obj) {
		p_err("cannot open the BPF object: %s", strerror(errno));
		kbtf_free(&k);
		return -1;
	}
	c->cfg->boot = c->st.meta.boot;
	/* the SMMUv3 struct arm_smmu_device, whatever else the kernel builds (kbtf.c) */
	{
		struct btf *all[129] = { k.vmlinux };
		struct hl_smmu_layout lay;
		char why[256];

		memcpy(all + 1, k.mods, k.nmods * sizeof(k.mods[0]));
		if (hl_smmu_layout_find(all, k.nmods + 1, &lay, why, sizeof(why))) {
			p_err("%s", why);
			kbtf_free(&k);
			return -1;
		}
		if (lay.set > 1)
			p_note(c->quiet, "struct arm_smmu_device: %u types of that name in this kernel's BTF "
			       "(both Arm SMMU drivers built): the SMMUv3 driver's is the one its struct "
			       "arm_smmu_master points to, read at its offsets", lay.set);
		if (c->sk_tp)
			c->sk_tp->rodata->hl_smmu_lay = lay;
		else
			c->sk->rodata->hl_smmu_lay = lay;
	}
	if (ringbuf_bytes &&
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(c->obj, "hl_events"), ringbuf_bytes)) {
		p_err("--buffer %lu bytes: %s", ringbuf_bytes, strerror(errno));
		kbtf_free(&k);
		return -1;
	}
	/* every fentry/fexit target: how many functions of its name the kernel has */
	bpf_object__for_each_program(p, c->obj)
		if (nfn < 64 && (!strncmp(bpf_program__section_name(p), "fentry/", 7) ||
				 !strncmp(bpf_program__section_name(p), "fexit/", 6)))
			fn[nfn++] = target_of(p);
	if (!btf_override())
		ksym_counts(fn, nfn, fncount);
	bpf_object__for_each_program(p, c->obj) {
		/* hl_walk_trigger is bpftool's (CO-RE reads of the SMMU): this loader gives the layout */
		if (!strcmp(bpf_program__name(p), "hl_walk_trigger") ||
		    (only_walker && strcmp(bpf_program__name(p), "hl_walk_trigger_btf"))) {
			bpf_program__set_autoload(p, false);
			continue;
		}
		if ((alt = byaddr_of(bpf_program__name(p))) >= 0) {
			int nsym = 0;

			for (int i = 0; i < nfn; i++)
				if (!strcmp(fn[i], byaddr[alt].func))
					nsym = fncount[i];
			/* only where the name is two functions; attached after the SMMU is registered */
			if (only_walker || nsym < 2)
				bpf_program__set_autoload(p, false);
			continue;
		}
		/* the type1 kprobes: in both modes (the series has no type1 events) */
		if (modprobe_of(bpf_program__name(p)) >= 0) {
			if (only_walker)
				bpf_program__set_autoload(p, false);
			continue;
		}
		alt = -1;
		for (size_t i = 0; i < sizeof(alternates) / sizeof(alternates[0]); i++)
			if (!strcmp(bpf_program__name(p), alternates[i].alt))
				alt = i;
		if (alt >= 0) {
			struct bpf_program *pr = bpf_object__find_program_by_name(c->obj, alternates[alt].primary);

			/* only in place of a primary this kernel lacks, and then silently if it lacks both */
			if (!pr || target_exists(&k, pr) || !target_exists(&k, p))
				bpf_program__set_autoload(p, false);
			else
				p_note(c->quiet, "program %s (%s): in place of %s (%s, not in this kernel)",
				       bpf_program__name(p), bpf_program__section_name(p), alternates[alt].primary,
				       bpf_program__section_name(pr));
			continue;
		}
		if (!strncmp(bpf_program__section_name(p), "fentry/", 7) ||
		    !strncmp(bpf_program__section_name(p), "fexit/", 6)) {
			int nsym = 0;

			for (int i = 0; i < nfn; i++)
				if (!strcmp(fn[i], target_of(p)))
					nsym = fncount[i];
			if (nsym > 1) {
				const char *in = NULL;

				for (size_t i = 0; i < N_BYADDR; i++)
					if (!strcmp(byaddr[i].func, target_of(p)) &&
					    byaddr[i].ret == !strncmp(bpf_program__section_name(p), "fexit/", 6))
						in = byaddr[i].prog;
				p_note(c->quiet, "program %s (%s): not loaded: %d functions of that name in this "
				       "kernel (/proc/kallsyms), the BPF attach takes the first, which need not be "
				       "the SMMUv3 driver's; %s%s", bpf_program__name(p), bpf_program__section_name(p),
				       nsym, in ? "in its place at the SMMUv3 driver's own: " : "the verdict loses ",
				       in ? in : loss_of(bpf_program__name(p)));
				bpf_program__set_autoload(p, false);
				skipped += !in;
				continue;
			}
		}
		if (!target_exists(&k, p)) {
			const char *in = NULL;

			for (size_t i = 0; i < sizeof(alternates) / sizeof(alternates[0]); i++) {
				struct bpf_program *a = bpf_object__find_program_by_name(c->obj, alternates[i].alt);

				if (!strcmp(bpf_program__name(p), alternates[i].primary) && a && target_exists(&k, a))
					in = alternates[i].alt;
			}
			bpf_program__set_autoload(p, false);
			if (in)
				continue;
			p_note(c->quiet, "program %s (%s): not loaded: %s; the verdict loses %s", bpf_program__name(p),
			    bpf_program__section_name(p),
			    !strncmp(bpf_program__section_name(p), "tp_btf/", 7) ?
			    "this kernel has no such tracepoint (not a kernel with kernel/patches)" :
			    "the function is not in this kernel's BTF (inlined, renamed or not built)",
			    loss_of(bpf_program__name(p)));
			skipped++;
		}
	}
	/* which modules the module programs wait for, and whether they are built in */
	for (size_t i = 0; i < N_MODPROBES; i++)
		modbuiltin[i] = btf__find_by_name_kind(k.vmlinux, modprobes[i].func, BTF_KIND_FUNC) >= 0;
	kbtf_free(&k);
	err = c->sk_tp ? hitless_tp__load(c->sk_tp) : hitless__load(c->sk);
	if (err) {
		p_err("loading the BPF programs failed: %s (libbpf's log above names the program)",
		      strerror(-err));
		return -1;
	}
	bpf_object__for_each_program(p, c->obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		if (byaddr_of(bpf_program__name(p)) >= 0)
			continue;	/* byaddr_attach(), once the SMMU is registered */
		if ((alt = modprobe_of(bpf_program__name(p))) >= 0) {
			if (modprobe_attach(c, p, alt, modbuiltin[alt])) {
				p_note(c->quiet, "program %s (kprobe %s:%s): not attached: %s; the verdict loses "
				       "the VFIO type1 container (its VMMs not protected by default)",
				       bpf_program__name(p), modprobe_mods[modprobes[alt].mod], modprobes[alt].func,
				       strerror(errno));
				skipped++;
			} else {
				marmed[modprobes[alt].mod]++;
			}
			continue;
		}
		l = bpf_program__attach(p);
		if (!l) {
			p_note(c->quiet, "program %s (%s): loaded, not attached: %s", bpf_program__name(p),
			    bpf_program__section_name(p), strerror(errno));
			skipped++;
			continue;
		}
		attached++;
		if (!strcmp(bpf_program__name(p), "hl_ste_sync") ||
		    !strcmp(bpf_program__name(p), "hl_write_entry"))
			ste_hooks++;
	}
	if (!only_walker && c->mode == HL_MODE_FENTRY && ste_hooks < 2) {
		c->cfg->ste_from_cfgi = 1;
		p_note(c->quiet, "STE writes: from the stream table at each CFGI_STE (entry-writer hooks missing; steps unknown)");
	}
	for (unsigned m = 0; m < sizeof(modprobe_mods) / sizeof(modprobe_mods[0]); m++) {
		bool builtin = true;

		if (!marmed[m])
			continue;
		for (size_t i = 0; i < N_MODPROBES; i++)
			if (modprobes[i].mod == m)
				builtin &= modbuiltin[i];
		if (builtin || module_loaded(modprobe_mods[m])) {
			p_note(c->quiet, "attached %d programs in %s", marmed[m], modprobe_mods[m]);
			attached += marmed[m];
		} else {
			c->mods_pending |= 1u << m;
			p_note(c->quiet, "%s has not come yet: %d programs armed on its functions, attached by the "
			       "kernel when it loads (until then no VFIO type1 container is seen)",
			       modprobe_mods[m], marmed[m]);
		}
	}
	p_note(c->quiet, "%d program(s) attached, %d not (%s mode)", attached, skipped,
	    only_walker ? hl_mode_name(HL_MODE_WALKER) : hl_mode_name(c->mode));
	c->events_fd = bpf_map__fd(bpf_object__find_map_by_name(c->obj, "hl_events"));
	c->stats_fd = bpf_map__fd(bpf_object__find_map_by_name(c->obj, "hl_stats"));
	c->smmus_fd = bpf_map__fd(bpf_object__find_map_by_name(c->obj, "hl_smmus"));
	c->walk_fd = bpf_map__fd(bpf_object__find_map_by_name(c->obj, "hl_walk_ctl"));
	return 0;
}

/* The maps `bpftool prog loadall ... pinmaps DIR/maps` left behind. */
static int cap_pinned(struct cap *c, const char *dir)
{
	char p[512];
	int *fds[] = { &c->events_fd, &c->stats_fd, &c->smmus_fd, &c->walk_fd };
	const char *names[] = { "hl_events", "hl_stats", "hl_smmus", "hl_walk_ctl" };

	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/maps/%s", dir, names[i]);
		*fds[i] = bpf_obj_get(p);
		if (*fds[i] < 0) {
			p_err("no pinned map %s: %s (load with: bpftool prog loadall hitless.bpf.o %s autoattach pinmaps %s/maps)",
			      p, strerror(errno), dir, dir);
			return -1;
		}
	}
	p_note(c->quiet, "using the programs pinned under %s", dir);
	return 0;
}

static void cap_register(struct cap *c);

/* 0, or the exit status after p_err. */
static int cap_open(struct cap *c, const char *pinned, int only_walker, const char *mode,
		    const char *verb)
{
	int rc;

	hl_state_init(&c->st);
	hl_state_identity(&c->st, HL_MODE_WALKER);
	c->events_fd = c->stats_fd = c->smmus_fd = c->walk_fd = -1;
	rc = cap_privileged(verb);
	if (!rc)
		rc = pinned ? cap_pinned(c, pinned) : cap_load(c, only_walker, mode);
	if (rc)
		return rc < 0 ? HL_EXIT_ERROR : rc;
	/* the snapshot's capture mode: what made its changes */
	if (!only_walker)
		c->st.meta.mode = pinned ? HL_MODE_UNKNOWN : c->mode;
	c->rb = ring_buffer__new(c->events_fd, on_record, c, NULL);
	if (!c->rb) {
		p_err("ring buffer: %s", strerror(errno));
		return HL_EXIT_ERROR;
	}
	cap_register(c);
	byaddr_attach(c);
	return 0;
}

static void cap_close(struct cap *c)
{
	for (int i = 0; i < c->nmlinks; i++) {
		char line[96];

		bpf_link__destroy(c->mlinks[i]);
		snprintf(line, sizeof(line), "-:%s\n", c->mevents[i]);
		kprobe_event_write(line);
	}
	c->nmlinks = 0;
	for (int i = 0; i < c->nalinks; i++)
		bpf_link__destroy(c->alinks[i]);
	c->nalinks = 0;
	ring_buffer__free(c->rb);
	if (c->sk)
		hitless__destroy(c->sk);
	if (c->sk_tp)
		hitless_tp__destroy(c->sk_tp);
	hl_state_free(&c->st);
}

static u64 stat_get(struct cap *c, u32 k)
{
	u64 v = 0;

	bpf_map_lookup_elem(c->stats_fd, &k, &v);
	return v;
}

/* ---- the walker ---- */
static int read_uevent(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Walk every SMMU bound to arm-smmu-v3; returns the number walked, -1 on error. */
static int cap_walk(struct cap *c, unsigned budget)
{
	DIR *d = opendir(SMMU_DRIVER_DIR);
	struct dirent *e;
	int n = 0, rc = 0;

	if (!d) {
		p_err("%s: %s (no SMMUv3 bound to its driver)", SMMU_DRIVER_DIR, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) && !rc) {
		char path[512];
		struct hl_walk w = { 0 };
		struct hl_progress pg;
		u32 zero = 0;
		int triggers = 0, idle = 0;
		u64 before;

		/* the driver's devices are symlinks; so is "module", which is not one */
		if (e->d_name[0] == '.' || e->d_type != DT_LNK || !strcmp(e->d_name, "module"))
			continue;
		snprintf(path, sizeof(path), SMMU_DRIVER_DIR "/%s/uevent", e->d_name);
		if (access(path, R_OK))
			continue;
		w.gen = ++c->walk_gen + ((u64)getpid() << 32);
		w.budget = budget;
		w.state = HL_WS_RUN;
		if (bpf_map_update_elem(c->walk_fd, &zero, &w, 0)) {
			p_err("walk control: %s", strerror(errno));
			rc = -1;
			break;
		}
		hl_progress_init(&pg, STDERR_FILENO, c->quiet);
		while (w.state == HL_WS_RUN) {
			hl_progress(&pg, false, "walking SMMU %s: %llu STEs, %llu CDs, %llu leaves, %llu records",
				    e->d_name, (unsigned long long)w.n_ste, (unsigned long long)w.n_cd,
				    (unsigned long long)w.n_pte, (unsigned long long)c->records);
			before = c->records;
			if (read_uevent(path)) {
				p_err("%s: %s", path, strerror(errno));
				rc = -1;
				break;
			}
			triggers++;
			ring_buffer__consume(c->rb);
			bpf_map_lookup_elem(c->walk_fd, &zero, &w);
			if (!w.smmu_ptr) {
				p_err("%s: the walker's trigger did not run (is hl_walk_trigger attached?)", path);
				rc = -1;
				break;
			}
			/* a full ring buffer stops a walk without progress only if nobody drains it */
			idle = c->records == before ? idle + 1 : 0;
			if (idle > 100) {
				p_err("%s: walk makes no progress", path);
				rc = -1;
				break;
			}
		}
		hl_progress_done(&pg);
		if (w.state == HL_WS_ERROR) {
			p_err("%s: walk stopped: cannot read 0x%llx (%d)", e->d_name,
			      (unsigned long long)w.err_addr, w.error);
			rc = -1;
		} else if (!rc) {
			p_note(c->quiet, "walked SMMU %u (%s): %llu STEs, %llu CDs, %llu leaves, %llu descriptors visited, %d trigger(s)",
			    w.smmu, e->d_name, (unsigned long long)w.n_ste, (unsigned long long)w.n_cd,
			    (unsigned long long)w.n_pte, (unsigned long long)w.n_visit, triggers);
			n++;
		}
	}
	closedir(d);
	return rc ? -1 : n;
}

/*
 * Register every SMMU bound to arm-smmu-v3 with the BPF side (a read of its
 * uevent, no walk asked): the walker's trigger is the only program that
 * reads a struct arm_smmu_device (bpf/hitless.bpf.c), every other one finds
 * its SMMU in hl_smmus.  Done at the start of every capture, walk or not.
 */
static void cap_register(struct cap *c)
{
	DIR *d = opendir(SMMU_DRIVER_DIR);
	struct dirent *e;
	struct hl_walk idle = { 0 };
	u32 zero = 0;

	if (!d || bpf_map_update_elem(c->walk_fd, &zero, &idle, 0)) {
		if (d)
			closedir(d);
		return;
	}
	while ((e = readdir(d))) {
		char path[512];

		if (e->d_name[0] == '.' || e->d_type != DT_LNK || !strcmp(e->d_name, "module"))
			continue;
		snprintf(path, sizeof(path), SMMU_DRIVER_DIR "/%s/uevent", e->d_name);
		read_uevent(path);
	}
	closedir(d);
}

/* The SMMU section from what the BPF side learnt about each SMMU. */
static void cap_smmus(struct cap *c)
{
	u64 key, *prev = NULL;
	struct hl_smmu_info i;

	while (!bpf_map_get_next_key(c->smmus_fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(c->smmus_fd, &key, &i) || hl_state_smmu(&c->st, i.id))
			continue;
		struct hl_smmu_disk m = { .id = i.id, .base = i.base };

		memcpy(m.idr, i.idr, sizeof(m.idr));
		VEC_PUSH(c->st.smmus, m);
	}
}

/* Losses the BPF side counted, into the snapshot (a verdict over them says so). */
static u64 cap_losses(struct cap *c)
{
	u64 lost = stat_get(c, HL_STAT_LOST_RINGBUF), logged = 0;

	for (size_t i = 0; i < c->st.losses.n; i++)
		logged += c->st.losses.v[i].count;
	if (lost > logged) {
		/* dropped records not yet reported by an HL_K_LOST record */
		struct hl_loss_disk l = { .boot = c->st.meta.boot, .count = lost - logged,
					  .where = HL_LOST_RINGBUF };

		VEC_PUSH(c->st.losses, l);
	}
	return lost;
}

static int cap_write(struct cap *c, const char *out)
{
	char err[512];

	hl_clock_sample(&c->st);
	cap_smmus(c);
	c->st.meta.created_ktime = hl_now_ns(CLOCK_MONOTONIC);
	c->st.meta.created_real = hl_now_ns(CLOCK_REALTIME);
	hl_ranges_compress(&c->st);
	if (hl_snapshot_write(out, &c->st, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}

/* ---- verbs ---- */
#define HL_CAPTURE_EXIT_HELP						\
	"       HITLESS_BTF=FILE  the kernel's BTF from FILE (raw or ELF), not\n"	\
	"                      /sys/kernel/btf/vmlinux: checks and CO-RE relocation\n"	\
	"       Exit: 0 done, 1 --verify/--against differ, 2 error or records lost,\n"	\
	"             3 not root, 4 no kernel BTF, 5 --mode tracepoint without the\n"	\
	"             hitless series, 6 no SMMUv3 driver\n"

static void snapshot_usage(FILE *f)
{
	fprintf(f,
		"Usage: hitless snapshot [OPTIONS] [--pinned [DIR]] [--budget N] [--trace LIST] -o FILE\n"
		"       The complete current state: every valid STE, the CDs they point to and\n"
		"       every leaf of every page table they reach, walked by the BPF walker.\n"
		"       --pinned DIR   use the programs bpftool pinned there (default " DEFAULT_PIN_DIR ")\n"
		"       --budget N     records per walker trigger (default 4096)\n"
		HL_TRACE_HELP
		HL_COMMON_HELP
		HL_CAPTURE_EXIT_HELP);
}

static void record_usage(FILE *f)
{
	fprintf(f,
		"Usage: hitless record [OPTIONS] [--mode MODE] [--pinned [DIR]] [--no-walk] [--duration SEC]\n"
		"                      [--stop-file PATH] [--ready-file PATH] [--verify] [--against FILE]\n"
		"                      [--buffer SIZE] [--trace LIST] -o FILE\n"
		"       MODE := { auto | tracepoint | fentry }   auto: the kernel series' tracepoints\n"
		"                      when the kernel has them (patched), else fentry (stock)\n"
		"       Capture every STE/CD/descriptor write, command, attach, iommufd operation\n"
		"       and live-update milestone until SIGINT/SIGTERM, --duration, or PATH exists;\n"
		"       then write the snapshot: the state walked at the start plus every change.\n"
		"       --no-walk      do not walk the state first (the snapshot has only changes)\n"
		"       --buffer SIZE  ring buffer size: N MiB, or NK KiB / NM MiB; a power of 2\n"
		"                      from a page to 1 GiB (default 8): more for big maps, less\n"
		"                      to provoke loss\n"
		"       --ready-file   created once capturing (for scripts)\n"
		"       --verify       walk again at the end: the state the log implies must\n"
		"                      equal the walked one (exit 1 if not)\n"
		"       --against FILE the same run captured in the other mode (another record's\n"
		"                      snapshot): its writes and commands must equal these,\n"
		"                      record for record (exit 1 if not)\n"
		HL_TRACE_HELP
		HL_COMMON_HELP
		HL_CAPTURE_EXIT_HELP);
}

static const struct option cap_lo[] = {
	HL_COMMON_LONGOPTS,
	{ "output", required_argument, NULL, 'o' },
	{ "pinned", optional_argument, NULL, 'P' },
	{ "budget", required_argument, NULL, 'b' },
	{ "no-walk", no_argument, NULL, 'W' },
	{ "duration", required_argument, NULL, 'd' },
	{ "stop-file", required_argument, NULL, 's' },
	{ "ready-file", required_argument, NULL, 'r' },
	{ "verify", no_argument, NULL, 'V' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "mode", required_argument, NULL, 'm' },
	{ "against", required_argument, NULL, 'A' },
	{ "buffer", required_argument, NULL, 'B' },
	{ "trace", required_argument, NULL, 'T' },
	{ 0 }
};

struct cap_opts {
	const char *out, *pinned, *stop_file, *ready_file, *mode, *against, *trace;
	unsigned budget;
	double duration;
	int walk, verify, quiet;
};

/* --buffer: N (MiB), NK or NM; a power of 2, a page to 1 GiB (the BPF ring buffer's limits). 0 if not. */
static unsigned long parse_buffer(const char *arg)
{
	unsigned long long n, shift = 20;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *arg == '-')
		return 0;
	if ((*end == 'K' || *end == 'k') && !end[1])
		shift = 10;
	else if ((*end == 'M' || *end == 'm') && !end[1])
		shift = 20;
	else if (*end)
		return 0;
	if (!n || n > (1ULL << 30) >> shift)
		return 0;
	n <<= shift;
	if ((n & (n - 1)) || n < (unsigned long long)sysconf(_SC_PAGESIZE))
		return 0;
	return n;
}

static int cap_opts(int argc, char **argv, struct cap_opts *o, void (*usage)(FILE *))
{
	int c, rc;

	*o = (struct cap_opts){ .budget = 4096, .walk = 1 };
	optind = 1;
	while ((c = getopt_long(argc, argv, HL_COMMON_OPTS "o:q", cap_lo, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'P': o->pinned = optarg ? optarg : DEFAULT_PIN_DIR; break;
		case 'b': o->budget = strtoul(optarg, NULL, 0); break;
		case 'W': o->walk = 0; break;
		case 'd': o->duration = atof(optarg); break;
		case 's': o->stop_file = optarg; break;
		case 'r': o->ready_file = optarg; break;
		case 'V': o->verify = 1; break;
		case 'q': o->quiet = 1; break;
		case 'A': o->against = optarg; break;
		case 'T': o->trace = optarg; break;
		case 'B':
			ringbuf_bytes = parse_buffer(optarg);
			if (!ringbuf_bytes) {
				p_err("bad --buffer '%s': the ring buffer's size, N (MiB), NK or NM, a power of 2 from a page (%ld bytes) to 1 GiB",
				      optarg, sysconf(_SC_PAGESIZE));
				return -1;
			}
			break;
		case 'm':
			if (strcmp(optarg, "auto") && strcmp(optarg, "fentry") && strcmp(optarg, "tracepoint")) {
				p_err("--mode is auto, fentry or tracepoint, not '%s'", optarg);
				return -1;
			}
			o->mode = optarg;
			break;
		default:
			rc = hl_common_opt(c, optarg);
			if (rc == 2) {
				usage(stdout);
				return 1;
			}
			if (rc <= 0) {
				if (!rc)
					usage(stderr);
				return -1;
			}
		}
	}
	if (!o->out) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int do_snapshot(int argc, char **argv)
{
	struct cap_opts o;
	struct cap c = { 0 };
	int rc = cap_opts(argc, argv, &o, snapshot_usage);

	if (rc)
		return rc > 0 ? 0 : HL_EXIT_ERROR;
	c.quiet = o.quiet;
	libbpf_set_print(NULL);
	rc = cap_open(&c, o.pinned, 1, NULL, "snapshot");
	if (rc) {
		cap_close(&c);
		return rc;
	}
	if (hl_trace_begin(&c.st, o.trace, o.quiet, &c.seq_base) ||
	    cap_walk(&c, o.budget) < 0 || cap_write(&c, o.out)) {
		cap_close(&c);
		return HL_EXIT_ERROR;
	}
	hl_trace_end(&c.st, o.trace, c.seq_base, 0);
	p_note(c.quiet, "%s: %zu STEs, %zu CDs, %zu translation ranges (%llu records)", o.out,
	    c.st.stes.n, c.st.cds.n, c.st.ranges.n, (unsigned long long)c.records);
	cap_close(&c);
	return 0;
}

/* A valid STE's stage-2 table or a valid CD's TTB0 table is root. */
static bool root_in_use(const struct hl_state *s, u64 root)
{
	for (size_t i = 0; i < s->stes.n; i++)
		if (ste_s2(s->stes.v[i].q) && ste_s2ttb(s->stes.v[i].q) == root)
			return true;
	for (size_t i = 0; i < s->cds.n; i++)
		if (cd_valid(s->cds.v[i].q) && !(s->cds.v[i].q[0] & CTXDESC_CD_0_TCR_EPD0) &&
		    cd_ttb0(s->cds.v[i].q) == root)
			return true;
	return false;
}

/* The state the log implies against a fresh walk: STEs, CDs, translation functions. */
static int cap_verify(struct cap *c, unsigned budget)
{
	struct cap w = *c;
	int bad = 0;

	hl_state_init(&w.st);
	w.st.meta = c->st.meta;
	w.records = 0;
	w.rb = ring_buffer__new(c->events_fd, on_record, &w, NULL);
	ring_buffer__consume(c->rb);	/* everything before the walk belongs to the log */
	if (!w.rb || cap_walk(&w, budget) < 0)
		return -1;
	/* records the capture made during the walk went to w: move the non-walker ones */
	for (size_t i = 0; i < w.st.events.n; i++)
		if (w.st.events.v[i].hdr.mode != HL_MODE_WALKER)
			hl_state_apply(&c->st, &w.st.events.v[i]);
	hl_ranges_compress(&c->st);
	hl_ranges_compress(&w.st);
	for (size_t i = 0; i < w.st.stes.n; i++) {
		struct hl_ste_disk *a = &w.st.stes.v[i], *b = hl_state_ste(&c->st, a->smmu, a->sid);

		if (!b || memcmp(a->q, b->q, sizeof(a->q))) {
			p_note(c->quiet, "verify: STE %u:%u walked differs from the log's", a->smmu, a->sid);
			bad++;
		}
	}
	for (size_t i = 0; i < c->st.stes.n; i++)
		if (!hl_state_ste(&w.st, c->st.stes.v[i].smmu, c->st.stes.v[i].sid)) {
			p_note(c->quiet, "verify: STE %u:%u in the log is not valid in the walk",
			    c->st.stes.v[i].smmu, c->st.stes.v[i].sid);
			bad++;
		}
	for (size_t i = 0; i < w.st.cds.n; i++) {
		struct hl_cd_disk *a = &w.st.cds.v[i], *b = hl_state_cd(&c->st, a->smmu, a->sid, a->ssid);

		if (!b || memcmp(a->q, b->q, sizeof(a->q))) {
			p_note(c->quiet, "verify: CD %u:%u/%u walked differs from the log's", a->smmu, a->sid, a->ssid);
			bad++;
		}
	}
	for (size_t i = 0; i < c->st.cds.n; i++)
		if (!hl_state_cd(&w.st, c->st.cds.v[i].smmu, c->st.cds.v[i].sid, c->st.cds.v[i].ssid)) {
			p_note(c->quiet, "verify: CD %u:%u/%u in the log is not valid in the walk", c->st.cds.v[i].smmu,
			    c->st.cds.v[i].sid, c->st.cds.v[i].ssid);
			bad++;
		}
	/*
	 * every root either side knows that a walked STE or CD uses: the same
	 * translation function. A table nothing uses any more (the restored
	 * domain's, freed after the hand-over) is not walked, and the ranges
	 * the log still holds for it translate nothing; the entries that used
	 * it were compared above.
	 */
	for (int side = 0; side < 2; side++) {
		struct hl_state *x = side ? &c->st : &w.st, *y = side ? &w.st : &c->st;

		for (size_t i = 0; i < x->ranges.n; i++) {
			struct hl_range *fx, *fy;
			u64 root = x->ranges.v[i].root;
			size_t nx, ny;
			int same;

			if (!root_in_use(&w.st, root))
				continue;
			nx = hl_ranges_function(x, root, &fx);
			ny = hl_ranges_function(y, root, &fy);
			same = nx == ny;

			for (size_t k = 0; same && k < nx; k++)
				same = fx[k].iova == fy[k].iova && fx[k].size == fy[k].size &&
				       fx[k].oa == fy[k].oa && fx[k].attrs == fy[k].attrs;
			if (!same) {
				p_note(c->quiet, "verify: table 0x%llx translates differently (%zu runs walked, %zu from the log)",
				    (unsigned long long)root, side ? ny : nx, side ? nx : ny);
				bad++;
			}
			free(fx);
			free(fy);
		}
	}
	p_note(c->quiet, "verify: walked %zu STEs, %zu CDs, %zu ranges; the log's state %s", w.st.stes.n,
	    w.st.cds.n, w.st.ranges.n, bad ? "DIFFERS" : "matches");
	ring_buffer__free(w.rb);
	hl_state_free(&w.st);
	return bad;
}

/*
 * --against: the same run captured by the other mode must hold the same
 * writes and commands, record for record.  Compared: STE and CD writes
 * (StreamID, SSID, step, before, after), descriptor writes (table, IOVA,
 * level, old, new), commands (both qwords; CMD_SYNC by opcode, the stock
 * mode cannot see its CS/MSI fields) and their completions, IOAS map/unmap.
 * Not compared: attach records (the tracepoint reports each StreamID before
 * the writes, fentry the outcome after them), milestones, walker records.
 */
static int cmp_kind(const struct hl_record *r)
{
	if (r->hdr.mode == HL_MODE_WALKER)
		return 0;
	switch (r->hdr.kind) {
	case HL_K_STE: case HL_K_CD: case HL_K_PTE: case HL_K_CMD:
		return 1;
	case HL_K_IOMMUFD:
		return r->iommufd.op == HL_IOMMUFD_IOAS_MAP || r->iommufd.op == HL_IOMMUFD_IOAS_UNMAP;
	}
	return 0;
}

static int cmp_same(const struct hl_record *a, const struct hl_record *b)
{
	if (a->hdr.kind != b->hdr.kind)
		return 0;
	switch (a->hdr.kind) {
	case HL_K_STE:
		return a->ste.sid == b->ste.sid && a->ste.step == b->ste.step &&
		       !memcmp(a->ste.before, b->ste.before, 64) && !memcmp(a->ste.after, b->ste.after, 64);
	case HL_K_CD:
		return a->cd.sid == b->cd.sid && a->cd.ssid == b->cd.ssid && a->cd.step == b->cd.step &&
		       !memcmp(a->cd.before, b->cd.before, 64) && !memcmp(a->cd.after, b->cd.after, 64);
	case HL_K_PTE:
		return a->pte.root == b->pte.root && a->pte.iova == b->pte.iova &&
		       a->pte.level == b->pte.level && a->pte.old_desc == b->pte.old_desc &&
		       a->pte.new_desc == b->pte.new_desc && a->pte.granule == b->pte.granule &&
		       a->pte.stage == b->pte.stage;
	case HL_K_CMD:
		if ((a->cmd.flags & HL_CMD_F_SYNC_DONE) != (b->cmd.flags & HL_CMD_F_SYNC_DONE))
			return 0;
		if ((a->cmd.cmd[0] & 0xff) == 0x46)
			return (b->cmd.cmd[0] & 0xff) == 0x46;
		return a->cmd.cmd[0] == b->cmd.cmd[0] && a->cmd.cmd[1] == b->cmd.cmd[1];
	case HL_K_IOMMUFD:
		return a->iommufd.op == b->iommufd.op && a->iommufd.iova == b->iommufd.iova &&
		       a->iommufd.length == b->iommufd.length && a->iommufd.result == b->iommufd.result;
	}
	return 0;
}

static int cap_against(struct cap *c, const char *other)
{
	struct hl_state o;
	char err[512];
	size_t i = 0, k = 0, n = 0;
	int bad = 0;

	for (int t = 0; access(other, R_OK) && t < 600; t++)
		usleep(100000);
	hl_state_init(&o);
	if (hl_snapshot_read(other, &o, err, sizeof(err))) {
		p_err("--against: %s", err);
		return -1;
	}
	for (;;) {
		while (i < c->st.events.n && !cmp_kind(&c->st.events.v[i]))
			i++;
		while (k < o.events.n && !cmp_kind(&o.events.v[k]))
			k++;
		if (i >= c->st.events.n || k >= o.events.n)
			break;
		if (!cmp_same(&c->st.events.v[i], &o.events.v[k])) {
			if (bad++ < 5)
				p_note(c->quiet, "against: record %zu here (seq %llu, %s) differs from %s's %zu (seq %llu, %s)",
				    n, (unsigned long long)c->st.events.v[i].hdr.seq,
				    hl_kind_name(c->st.events.v[i].hdr.kind), other, n,
				    (unsigned long long)o.events.v[k].hdr.seq, hl_kind_name(o.events.v[k].hdr.kind));
		}
		i++, k++, n++;
	}
	for (; i < c->st.events.n; i++)
		bad += cmp_kind(&c->st.events.v[i]);
	for (; k < o.events.n; k++)
		bad += cmp_kind(&o.events.v[k]);
	p_note(c->quiet, "against %s (%s mode): %zu records compared, %d differ or are missing",
	    other, hl_mode_name(o.meta.mode), n, bad);
	hl_state_free(&o);
	return bad;
}

int do_record(int argc, char **argv)
{
	struct cap_opts o;
	struct cap c = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct hl_progress pg;
	u64 t0, lost;
	int rc = cap_opts(argc, argv, &o, record_usage), bad = 0;

	if (rc)
		return rc > 0 ? 0 : HL_EXIT_ERROR;
	c.quiet = o.quiet;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = cap_open(&c, o.pinned, 0, o.mode, "record");
	if (rc) {
		cap_close(&c);
		return rc;
	}
	if (hl_trace_begin(&c.st, o.trace, o.quiet, &c.seq_base))
		goto fail;
	if (o.walk && cap_walk(&c, o.budget) < 0)
		goto fail;
	if (o.ready_file) {
		int fd = open(o.ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}
	p_note(c.quiet, "recording (%llu records so far)", (unsigned long long)c.records);
	t0 = hl_now_ns(CLOCK_MONOTONIC);
	hl_progress_init(&pg, STDERR_FILENO, c.quiet);
	while (!stop_req) {
		int n = ring_buffer__poll(c.rb, 100);

		hl_progress(&pg, false, "recording: %llu records, %llu lost, %.0f s",
			    (unsigned long long)c.records, (unsigned long long)stat_get(&c, HL_STAT_LOST_RINGBUF),
			    (hl_now_ns(CLOCK_MONOTONIC) - t0) / 1e9);

		if (n < 0 && n != -EINTR) {
			p_err("ring buffer poll: %s", strerror(-n));
			break;
		}
		/* the BPF side wakes us once per sixteenth of the ring: drain a trickle too */
		ring_buffer__consume(c.rb);
		mods_poll(&c);
		if (o.duration > 0 && hl_now_ns(CLOCK_MONOTONIC) - t0 >= o.duration * 1e9)
			break;
		if (o.stop_file && !access(o.stop_file, F_OK))
			break;
	}
	hl_progress_done(&pg);
	ring_buffer__consume(c.rb);
	if (o.verify) {
		bad = cap_verify(&c, o.budget);
		if (bad < 0)
			goto fail;
	}
	lost = cap_losses(&c);
	if (cap_write(&c, o.out))
		goto fail;
	hl_trace_end(&c.st, o.trace, c.seq_base, 1);
	if (o.against) {
		int d = cap_against(&c, o.against);

		if (d < 0)
			goto fail;
		bad += d;
	}
	p_note(c.quiet, "%s: %llu records, %llu lost, %zu STEs, %zu CDs, %zu translation ranges", o.out,
	    (unsigned long long)c.records, (unsigned long long)lost, c.st.stes.n, c.st.cds.n,
	    c.st.ranges.n);
	cap_close(&c);
	return lost ? HL_EXIT_ERROR : bad ? HL_EXIT_FINDINGS : 0;
fail:
	cap_close(&c);
	return HL_EXIT_ERROR;
}

/* ---- monitor ---- */
static void monitor_usage(FILE *f)
{
	fprintf(f,
		"Usage: hitless monitor [OPTIONS] [--protect SIDS] [--metrics FILE] [--interval SEC]\n"
		"                       [--pinned [DIR]] [--buffer SIZE] [--mode MODE] [--window N]\n"
		"                       [--duration SEC] [--stop-file PATH] [--ready-file PATH]\n"
		"       SIDS := SID[,SID]...   SID := [SMMU:]StreamID\n"
		"       Long-running on a host: walk the state, then judge every record as it\n"
		"       comes; each finding on the protected StreamIDs is printed once, as soon\n"
		"       as no later record can change it (one JSON object per line with -j);\n"
		"       lost records at once.  On SIGINT/SIGTERM (or --duration, PATH) the log's\n"
		"       end is judged as `diff` judges it, and the verdict printed.\n"
		"       --metrics FILE the metrics, rewritten atomically every interval (mode\n"
		"                      0644), for node_exporter's textfile collector\n"
		"       --metrics-format prometheus|openmetrics\n"
		"                      the file's format (default prometheus: the text format\n"
		"                      the textfile collector reads)\n"
		"       --interval SEC how often the metrics are written (default 10)\n"
		"       --window N     re-anchor the judging window past N records (default\n"
		"                      65536): memory stays bounded (docs/output.md \"monitor\")\n"
		"       --buffer SIZE  ring buffer size, as record's\n"
		HL_COMMON_HELP
		"       Exit: 0 hitless, 1 findings, 2 error or incomplete (records lost),\n"
		"             3 not root, 4 no kernel BTF, 5 --mode tracepoint without the\n"
		"             hitless series, 6 no SMMUv3 driver, 7 no finding but no\n"
		"             --protect (nothing was judged as a VMM's)\n");
}

struct mon_out {
	bool json;
	u64 boot;
};

/* One event, one line (JSON Lines): -p does not apply. */
static void mon_json_line(json_object *j)
{
	printf("%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

static void mon_print(const struct hl_finding *f, void *arg)
{
	struct mon_out *o = arg;

	if (o->json) {
		json_object *j = hl_finding_json(f);

		json_object_object_add(j, "event", json_object_new_string("finding"));
		mon_json_line(j);
	} else {
		printf("%-7s %-10s", f->sev == SEV_ERROR ? "ERROR" : "WARNING", f->rule);
		if (f->has_sid)
			printf(" StreamID %u", f->sid);
		if (f->has_ssid)
			printf(" SSID %u", f->ssid);
		if (f->has_iova)
			printf(" IOVA 0x%llx-0x%llx", (unsigned long long)f->iova_lo,
			       (unsigned long long)f->iova_hi - 1);
		printf(": %s", f->msg);
		if (f->nrefs) {
			printf(" [records");
			for (int i = 0; i < f->nrefs; i++)
				printf(" %llx:%llu", (unsigned long long)f->refs[i].boot,
				       (unsigned long long)f->refs[i].seq);
			printf("]");
		}
		printf("\n");
	}
	fflush(stdout);
}

/*
 * Ring-buffer drops the BPF side counted (its LOST record comes only with
 * the next record that fits): reported at once, and once.
 */
static void mon_losses(struct cap *c, struct hl_mon *m, struct mon_out *o, u64 *reported)
{
	u64 lost;

	m->ringbuf_dropped = stat_get(c, HL_STAT_LOST_RINGBUF);
	lost = hl_mon_lost(m);
	if (lost <= *reported)
		return;
	if (o->json) {
		json_object *j = json_object_new_object();

		jadd_s(j, "event", "lost");
		jadd_u(j, "lost_records", lost);
		jadd_u(j, "new", lost - *reported);
		json_object_object_add(j, "complete", json_object_new_boolean(false));
		mon_json_line(j);
	} else
		printf("LOST    %llu record(s) dropped (%llu in all): the verdict is incomplete from here\n",
		       (unsigned long long)(lost - *reported), (unsigned long long)lost);
	fflush(stdout);
	*reported = lost;
}

/*
 * How full the ring buffer is: the producer and consumer positions the
 * kernel maps for every reader (the consumer page, then the producer's).
 */
struct rb_pos {
	volatile unsigned long *cons, *prod;
	u64 size, peak;
};

static void rb_pos_open(struct rb_pos *p, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	long pg = sysconf(_SC_PAGESIZE);
	void *a, *b;

	memset(p, 0, sizeof(*p));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	a = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	b = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, pg);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		if (a != MAP_FAILED)
			munmap(a, pg);
		if (b != MAP_FAILED)
			munmap(b, pg);
		return;
	}
	p->cons = a;
	p->prod = b;
	p->size = info.max_entries;
}

static void rb_pos_sample(struct rb_pos *p)
{
	u64 used;

	if (!p->cons)
		return;
	used = *p->prod - *p->cons;
	if (used > p->peak)
		p->peak = used;
}

static enum hl_mfmt mon_mfmt;	/* --metrics-format */

static int mon_metrics(const struct hl_mon *m, const char *path, struct rb_pos *rb)
{
	int rc = 0;

	if (!path)
		return 0;
	if (hl_mon_metrics_write(m, path, mon_mfmt, hl_now_ns(CLOCK_MONOTONIC), hl_now_ns(CLOCK_REALTIME),
				 rb->peak, rb->size)) {
		p_err("--metrics %s: %s", path, strerror(errno));
		rc = -1;
	}
	rb->peak = 0;
	return rc;
}

static const struct option mon_lo[] = {
	HL_COMMON_LONGOPTS,
	{ "protect", required_argument, NULL, 'x' },
	{ "metrics", required_argument, NULL, 'M' },
	{ "metrics-format", required_argument, NULL, 'F' },
	{ "interval", required_argument, NULL, 'i' },
	{ "window", required_argument, NULL, 'w' },
	{ "pinned", optional_argument, NULL, 'P' },
	{ "buffer", required_argument, NULL, 'B' },
	{ "mode", required_argument, NULL, 'm' },
	{ "duration", required_argument, NULL, 'd' },
	{ "stop-file", required_argument, NULL, 's' },
	{ "ready-file", required_argument, NULL, 'r' },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 }
};

/* A positive number of seconds, or -1 after p_err. */
static double parse_seconds(const char *opt, const char *arg)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno || end == arg || *end || !(d > 0) || d > 1e7) {
		p_err("bad %s '%s': a number of seconds above 0", opt, arg);
		return -1;
	}
	return d;
}

int do_monitor(int argc, char **argv)
{
	struct hl_state prot;
	const char *metrics = NULL, *pinned = NULL, *mode = NULL, *stop_file = NULL, *ready = NULL;
	double interval = 10, duration = 0;
	unsigned long long window = 65536;
	struct sigaction sa = { .sa_handler = on_signal };
	struct cap c = { 0 };
	struct hl_mon m;
	struct mon_out out;
	struct rb_pos rb = { 0 };
	u64 t0, last_metrics, reported_lost = 0, judged = 0, judged_at = 0;
	bool settled = true;
	int ch, rc, quiet = 0;
	char *end;

	hl_state_init(&prot);
	optind = 0;
	while ((ch = getopt_long(argc, argv, HL_COMMON_OPTS "q", mon_lo, NULL)) != -1) {
		switch (ch) {
		case 'x':
			if (hl_parse_protect(optarg, &prot)) {
				p_err("bad --protect '%s': expected SID[,SID] with SID := [SMMU:]StreamID", optarg);
				goto bad;
			}
			break;
		case 'M': metrics = optarg; break;
		case 'F':
			if (hl_mfmt_parse(optarg, &mon_mfmt)) {
				p_err("--metrics-format is prometheus or openmetrics, not '%s'", optarg);
				goto bad;
			}
			break;
		case 'i':
			interval = parse_seconds("--interval", optarg);
			if (interval < 0)
				goto bad;
			break;
		case 'd':
			duration = parse_seconds("--duration", optarg);
			if (duration < 0)
				goto bad;
			break;
		case 'w':
			errno = 0;
			window = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || window < 16 || window > 1ULL << 28) {
				p_err("bad --window '%s': a number of records from 16 to %llu", optarg, 1ULL << 28);
				goto bad;
			}
			break;
		case 'P': pinned = optarg ? optarg : DEFAULT_PIN_DIR; break;
		case 'B':
			ringbuf_bytes = parse_buffer(optarg);
			if (!ringbuf_bytes) {
				p_err("bad --buffer '%s': the ring buffer's size, N (MiB), NK or NM, a power of 2 from a page (%ld bytes) to 1 GiB",
				      optarg, sysconf(_SC_PAGESIZE));
				goto bad;
			}
			break;
		case 'm':
			if (strcmp(optarg, "auto") && strcmp(optarg, "fentry") && strcmp(optarg, "tracepoint")) {
				p_err("--mode is auto, fentry or tracepoint, not '%s'", optarg);
				goto bad;
			}
			mode = optarg;
			break;
		case 's': stop_file = optarg; break;
		case 'r': ready = optarg; break;
		case 'q': quiet = 1; break;
		default:
			rc = hl_common_opt(ch, optarg);
			if (rc == 2) {
				monitor_usage(stdout);
				hl_state_free(&prot);
				return 0;
			}
			if (rc <= 0) {
				if (!rc)
					monitor_usage(stderr);
				goto bad;
			}
		}
	}
	if (optind < argc) {
		p_err("monitor takes no file argument ('%s'): the metrics go to --metrics FILE", argv[optind]);
		goto bad;
	}
	if (env.format != FMT_TEXT && env.format != FMT_JSON) {
		p_err("monitor prints text or JSON lines (-j), not %s; --metrics FILE writes the metrics",
		      hl_format_name(env.format));
		goto bad;
	}
	out.json = env.format == FMT_JSON;
	if (metrics) {
		/* a directory that will not take the file is an error now, not in an hour */
		char dir[4096], *sl;

		snprintf(dir, sizeof(dir), "%s", metrics);
		sl = strrchr(dir, '/');
		if (sl)
			*(sl == dir ? sl + 1 : sl) = 0;
		else
			snprintf(dir, sizeof(dir), ".");
		if (access(dir, W_OK | X_OK)) {
			p_err("--metrics %s: cannot write in %s: %s", metrics, dir, strerror(errno));
			goto bad;
		}
	}

	c.quiet = quiet;
	libbpf_set_print(NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	hl_mon_init(&m, prot.protect.v, prot.protect.n, window);
	rc = cap_open(&c, pinned, 0, mode, "monitor");
	if (rc) {
		cap_close(&c);
		hl_mon_free(&m);
		hl_state_free(&prot);
		return rc;
	}
	/* the capture's identity is the window's; records go to the monitor */
	hl_state_free(&m.st);
	m.st = c.st;
	hl_state_init(&c.st);
	c.st.meta = m.st.meta;
	c.st.meta.mode = pinned ? HL_MODE_UNKNOWN : c.mode;
	m.st.meta.mode = c.st.meta.mode;
	c.mon = &m;
	out.boot = m.st.meta.boot;
	rb_pos_open(&rb, c.events_fd);
	if (cap_walk(&c, 4096) < 0)
		goto fail;
	cap_smmus(&c);
	for (size_t i = 0; i < c.st.smmus.n; i++)
		VEC_PUSH(m.st.smmus, c.st.smmus.v[i]);
	if (!prot.protect.n)
		p_note(c.quiet, "no --protect: entry updates are classified only, no StreamID is protected");
	hl_mon_judge(&m, hl_now_ns(CLOCK_MONOTONIC), mon_print, &out);
	if (ready) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}
	p_note(c.quiet, "monitoring %zu protected StreamID(s) (%llu records walked)", prot.protect.n,
	    (unsigned long long)c.records);
	if (mon_metrics(&m, metrics, &rb))
		goto fail;
	t0 = last_metrics = hl_now_ns(CLOCK_MONOTONIC);
	while (!stop_req) {
		int n;
		u64 now;

		rb_pos_sample(&rb);
		n = ring_buffer__poll(c.rb, 100);
		if (n < 0 && n != -EINTR) {
			p_err("ring buffer poll: %s", strerror(-n));
			goto fail;
		}
		/*
		 * The BPF side wakes the reader once per sixteenth of the ring
		 * (bpf/core.bpf.h hl_submit): a trickle is drained here, within
		 * the poll's 100 ms, not when the ring has filled that far.
		 */
		ring_buffer__consume(c.rb);
		mods_poll(&c);
		mon_losses(&c, &m, &out, &reported_lost);
		/*
		 * Each judgement replays the whole window: at most one per
		 * 100 ms while records come, and one more once they stop and
		 * what was being written has settled.
		 */
		now = hl_now_ns(CLOCK_MONOTONIC);
		if (m.records != judged ? now - judged_at >= HL_MON_SETTLE_NS :
		    !settled && now - judged_at > m.settle_ns) {
			settled = m.records == judged;
			judged_at = now;
			judged = m.records;
			hl_mon_judge(&m, now, mon_print, &out);
		}
		now = hl_now_ns(CLOCK_MONOTONIC);
		if (now - last_metrics >= interval * 1e9) {
			if (mon_metrics(&m, metrics, &rb))
				goto fail;
			last_metrics = now;
		}
		if (duration > 0 && now - t0 >= duration * 1e9)
			break;
		if (stop_file && !access(stop_file, F_OK))
			break;
	}
	rb_pos_sample(&rb);
	ring_buffer__consume(c.rb);
	mon_losses(&c, &m, &out, &reported_lost);
	rc = hl_mon_final(&m, mon_print, &out);
	/* no finding over nothing protected is no green light */
	if (!rc && !prot.protect.n)
		rc = HL_EXIT_UNPROTECTED;
	if (out.json) {
		json_object *j = json_object_new_object();

		jadd_s(j, "event", "verdict");
		jadd_s(j, "verdict", rc == 2 ? "incomplete" : rc == 1 ? "findings" :
			rc == HL_EXIT_UNPROTECTED ? "unprotected" : "hitless");
		jadd_u(j, "exit_status", rc);
		jadd_u(j, "errors", m.nerrors);
		jadd_u(j, "warnings", m.nwarnings);
		jadd_u(j, "records", m.records);
		jadd_u(j, "lost_records", hl_mon_lost(&m));
		jadd_u(j, "sequence_gaps", m.gaps);
		jadd_u(j, "inconsistent_writes", m.inconsistent);
		jadd_u(j, "reanchors", m.anchors);
		mon_json_line(j);
	} else if (rc == 2)
		printf("verdict: INCOMPLETE (exit 2): %llu records lost, %llu sequence gaps, %llu inconsistent writes; %llu errors, %llu warnings found\n",
		       (unsigned long long)hl_mon_lost(&m), (unsigned long long)m.gaps,
		       (unsigned long long)m.inconsistent, (unsigned long long)m.nerrors,
		       (unsigned long long)m.nwarnings);
	else if (rc == 1)
		printf("verdict: NOT HITLESS (exit 1): %llu errors, %llu warnings over %llu records\n",
		       (unsigned long long)m.nerrors, (unsigned long long)m.nwarnings,
		       (unsigned long long)m.records);
	else if (rc == HL_EXIT_UNPROTECTED)
		printf("verdict: NOTHING PROTECTED (exit %d) over %llu records: no --protect, no StreamID judged\n",
		       rc, (unsigned long long)m.records);
	else
		printf("verdict: HITLESS (exit 0) over %llu records\n", (unsigned long long)m.records);
	fflush(stdout);
	if (mon_metrics(&m, metrics, &rb))
		rc = HL_EXIT_ERROR;
	c.mon = NULL;
	cap_close(&c);
	hl_mon_free(&m);
	hl_state_free(&prot);
	return rc;
fail:
	c.mon = NULL;
	cap_close(&c);
	hl_mon_free(&m);
	hl_state_free(&prot);
	return HL_EXIT_ERROR;
bad:
	hl_state_free(&prot);
	return HL_EXIT_ERROR;
}

#else /* !HL_HAVE_SKEL */

static int no_capture(const char *verb)
{
	p_err("'%s' needs the BPF capture: this hitless was built without bpf/ "
	      "(make -C bpf, then make -C userspace)", verb);
	return HL_EXIT_ERROR;
}

int do_snapshot(int argc, char **argv) { (void)argc; (void)argv; return no_capture("snapshot"); }
int do_record(int argc, char **argv) { (void)argc; (void)argv; return no_capture("record"); }
int do_monitor(int argc, char **argv) { (void)argc; (void)argv; return no_capture("monitor"); }

#endif
