// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF capture: loads bpf/hitless.bpf.c's object or hitless_tp.bpf.c's
 * through its skeleton (or uses the maps `bpftool prog loadall ... pinmaps`
 * left in bpffs), reads the ring buffer through the record intake
 * (records.h hl_intake()) into a state or a monitor's window, and drives the walker by reads of the SMMU platform
 * devices' uevent files (bpf/README.md).  Every program that does not load
 * or attach on the running kernel is named once with what the verdict
 * loses.  The verbs over it: record.c (record, snapshot), monitor.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "counter.h"
#include "output.h"
#include "boot.h"
#include "capture.h"
#include "records.h"
#include "snapshot.h"
#include "monitor.h"
#include "progress.h"
#include "verdict.h"
#include "kbtf.h"
#include "../../bpf/core.h"

#ifdef HL_HAVE_SKEL
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "hitless.skel.h"
#include "hitless_tp.skel.h"

#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#define SMMU_DRIVER_DIR "/sys/bus/platform/drivers/arm-smmu-v3"

static void take_record(void *arg, const struct hl_record *r)
{
	struct hl_cap *c = arg;

	if (c->mon)
		hl_mon_feed(c->mon, r);
	else
		hl_state_apply(&c->st, r);
	c->records++;
}

/* One ring-buffer record: a run or a batch is expanded at the intake (records.h). */
static int on_record(void *ctx, void *data, size_t len)
{
	struct hl_cap *c = ctx;

	c->ring_records++;
	if (hl_intake(&c->in, data, len, take_record, c) < 0 && c->in.rejected == 1)
		fprintf(stderr, "hitless: a record from the ring buffer rejected (%s): the BPF "
			"object is not this hitless's; every such record counts as lost\n", c->in.why);
	return 0;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap);
static void libbpf_log_flush(void);
static void ring_open(struct hl_cap *c);

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
	{ "hl_mod_type1", "the VFIO type1 container (its VMMs not protected by default)" },
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
 * The programs the loader treats apart, each named once here as the
 * skeleton's member it is (cap_progs_stock(), cap_progs_tp() take them by
 * sk->progs.NAME): a name misspelt, or a program an object lacks, is a
 * compile error, not a look-up that silently misses.  The strings are only
 * what messages and kprobe event names print.
 *
 * ALTERNATES (stock mode): programs loaded only where another's function is
 * missing: the same hook under the name an older kernel gives it (Linux
 * 7.2's arm_smmu_cmdq_issue_cmdlist is 7.3's __arm_smmu_cmdq_issue_cmdlist;
 * on 7.3 it is a wrapper and would count every command twice).
 * X(alternate, primary)
 */
#define HL_ALTERNATES(X)					\
	X(hl_cmdq_issue_alt, hl_cmdq_issue)			\
	X(hl_cmdq_issue_alt_done, hl_cmdq_issue_done)

/*
 * Programs on a module's functions: kprobes the loader defines as kprobe
 * events on MODULE:FUNCTION (FUNCTION alone where the module is built in).
 * The kernel arms an event on a module not yet loaded as the module comes
 * in, before its init runs: a VMM's first VFIO_SET_IOMMU after `modprobe
 * vfio_iommu_type1`, or its first IOMMU_IOAS_MAP after iommufd loads, is
 * seen, however soon.  MODPROBES_BOTH are in both objects (bpf/type1.bpf.h,
 * the VFIO type1 container); a module program only the stock mode has goes
 * in MODPROBES_STOCK (NULL in the patched mode's object, so never loaded
 * there: its iommufd records come from the series' tracepoints).
 * modprobe_mods[] names the modules, what is not seen until one loads, and
 * whether a kernel that has the module neither built in nor installed
 * (modules.dep) names its programs "not loaded" (iommufd: Debian's 7.3 has
 * none) rather than arming them.
 * X(program, function, module index, kretprobe?)
 */
static const struct {
	const char *name, *unseen;
	bool absent_not_loaded;
} modprobe_mods[] = {
	{ "vfio_iommu_type1", "no VFIO type1 container is seen", false },
	{ "iommufd", "no iommufd VMM (IOAS map/unmap, device attach/replace/detach) is seen", true },
};
#define N_MODS (sizeof(modprobe_mods) / sizeof(modprobe_mods[0]))
#define HL_MODPROBES_BOTH(X)							\
	X(hl_mod_type1_attach, "vfio_iommu_type1_attach_group", 0, false)	\
	X(hl_mod_type1_attach_ret, "vfio_iommu_type1_attach_group", 0, true)	\
	X(hl_mod_type1_detach, "vfio_iommu_type1_detach_group", 0, false)	\
	X(hl_mod_type1_ioctl, "vfio_iommu_type1_ioctl", 0, false)		\
	X(hl_mod_type1_ioctl_ret, "vfio_iommu_type1_ioctl", 0, true)
#define HL_MODPROBES_STOCK(X)							\
	X(hl_ioas_ioctl, "iommufd_fops_ioctl", 1, false)			\
	X(hl_ioas_ioctl_ret, "iommufd_fops_ioctl", 1, true)			\
	X(hl_idev_attach, "iommufd_device_attach", 1, false)			\
	X(hl_idev_attach_ret, "iommufd_device_attach", 1, true)			\
	X(hl_idev_replace, "iommufd_device_replace", 1, false)			\
	X(hl_idev_replace_ret, "iommufd_device_replace", 1, true)		\
	X(hl_idev_detach, "iommufd_device_detach", 1, false)

/*
 * BYADDR (stock mode): in place of an fentry milestone whose name is two
 * functions, a kprobe at the SMMUv3 driver's own, the address its struct
 * platform_driver holds (hl_smmu_info, filled when the walker's trigger
 * registers the SMMU).  X(program, function, hl_smmu_info member, kretprobe?)
 */
#define HL_BYADDR(X)								\
	X(hl_kp_smmu_probe, "arm_smmu_device_probe", drv_probe, false)		\
	X(hl_kp_smmu_probe_done, "arm_smmu_device_probe", drv_probe, true)	\
	X(hl_kp_smmu_shutdown, "arm_smmu_device_shutdown", drv_shutdown, false)

#define ALT_ROW(alt, primary) { #alt, #primary },
static const struct { const char *alt, *primary; } alternates[] = { HL_ALTERNATES(ALT_ROW) };
#define N_ALTERNATES (sizeof(alternates) / sizeof(alternates[0]))

#define MODPROBE_ROW(prog, func, mod, ret) { #prog, func, mod, ret },
static const struct { const char *prog, *func; unsigned mod; bool ret; } modprobes[] = {
	HL_MODPROBES_BOTH(MODPROBE_ROW) HL_MODPROBES_STOCK(MODPROBE_ROW)
};
#define N_MODPROBES (sizeof(modprobes) / sizeof(modprobes[0]))
#define MODPROBE_COUNT(...) + 1
/* the first N_MODPROBES_BOTH rows are in both objects, the rest only in the stock one */
#define N_MODPROBES_BOTH (0 HL_MODPROBES_BOTH(MODPROBE_COUNT))

#define BYADDR_ROW(prog, func, member, ret) { #prog, func, offsetof(struct hl_smmu_info, member), ret },
static const struct { const char *prog, *func; size_t off; bool ret; } byaddr[] = { HL_BYADDR(BYADDR_ROW) };
#define N_BYADDR (sizeof(byaddr) / sizeof(byaddr[0]))

/*
 * What the loader takes from the mode's skeleton: the maps it reads, the
 * programs of the tables above (in their order; NULL where the object has
 * none), the walker's triggers, the entry-writer hooks it counts.
 */
struct cap_progs {
	struct bpf_object *obj;
	struct bpf_map *events, *stats, *smmus, *walk_ctl;
	struct bpf_map *lay;			/* hl_smmu_lay: the walker's trigger reads the SMMU by it */
	struct bpf_program *trigger;		/* the walker's trigger */
	struct bpf_program *alt[N_ALTERNATES], *primary[N_ALTERNATES];
	struct bpf_program *mod[N_MODPROBES];
	struct bpf_program *byaddr[N_BYADDR];
	struct bpf_program *ste_hooks[2];	/* both attached: the driver's own STE writes */
	volatile struct hl_config *cfg;
};

#define PROG_OF(prog, ...) sk->progs.prog,
#define ALT_OF(alt, primary) sk->progs.alt,
#define PRIMARY_OF(alt, primary) sk->progs.primary,
/* What both objects have, from a skeleton `sk` of either type. */
#define CAP_PROGS_COMMON(cp) do {						\
	(cp)->obj = sk->obj;							\
	(cp)->events = sk->maps.hl_events;					\
	(cp)->stats = sk->maps.hl_stats;					\
	(cp)->smmus = sk->maps.hl_smmus;					\
	(cp)->walk_ctl = sk->maps.hl_walk_ctl;					\
	(cp)->lay = sk->maps.hl_smmu_lay;					\
	(cp)->trigger = sk->progs.hl_walk_trigger;				\
	(cp)->cfg = &sk->bss->hl_cfg;						\
} while (0)

static void cap_progs_stock(struct cap_progs *cp, struct hitless *sk)
{
	struct bpf_program *alt[] = { HL_ALTERNATES(ALT_OF) }, *primary[] = { HL_ALTERNATES(PRIMARY_OF) };
	struct bpf_program *mods[] = { HL_MODPROBES_BOTH(PROG_OF) HL_MODPROBES_STOCK(PROG_OF) };
	struct bpf_program *ba[] = { HL_BYADDR(PROG_OF) };

	memset(cp, 0, sizeof(*cp));
	CAP_PROGS_COMMON(cp);
	memcpy(cp->alt, alt, sizeof(alt));
	memcpy(cp->primary, primary, sizeof(primary));
	memcpy(cp->mod, mods, sizeof(mods));
	memcpy(cp->byaddr, ba, sizeof(ba));
	cp->ste_hooks[0] = sk->progs.hl_ste_sync;
	cp->ste_hooks[1] = sk->progs.hl_write_entry;
}

/* The patched mode's object: no alternates, no by-address milestones, no stock-only module programs. */
static void cap_progs_tp(struct cap_progs *cp, struct hitless_tp *sk)
{
	struct bpf_program *mods[] = { HL_MODPROBES_BOTH(PROG_OF) };

	memset(cp, 0, sizeof(*cp));
	CAP_PROGS_COMMON(cp);
	memcpy(cp->mod, mods, sizeof(mods));
}

/* Index of p in a table of n programs, or -1. */
static int prog_in(struct bpf_program *const *t, size_t n, const struct bpf_program *p)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] && t[i] == p)
			return i;
	return -1;
}

#define byaddr_of(cp, p) prog_in((cp)->byaddr, N_BYADDR, p)
#define modprobe_of(cp, p) prog_in((cp)->mod, N_MODPROBES, p)

/* Attach the by-address milestone kprobes of cp's load once an SMMU is registered. */
static void byaddr_attach(struct hl_cap *c, struct cap_progs *cp)
{
	struct hl_smmu_info info;
	u64 key;
	bool have;

	if (!cp)
		return;
	have = !bpf_map_get_next_key(c->smmus_fd, NULL, &key) &&
	       !bpf_map_lookup_elem(c->smmus_fd, &key, &info);
	for (size_t i = 0; i < N_BYADDR && c->nalinks < 4; i++) {
		struct bpf_program *p = cp->byaddr[i];
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

static int module_loaded(const char *mod)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s", mod);
	return !access(p, F_OK);
}

/*
 * Is MOD one of the running kernel's modules: loaded, or installed
 * (/lib/modules/RELEASE/modules.dep lists MOD.ko, compressed or not)?
 * *where gets the modules.dep path, for the message when it is not.
 */
static int module_installed(const char *mod, char *where, size_t n)
{
	struct utsname u;
	int found;
	FILE *f;

	if (module_loaded(mod))
		return 1;
	if (uname(&u))
		return 0;
	snprintf(where, n, "/lib/modules/%s/modules.dep", u.release);
	f = fopen(where, "r");
	if (!f)
		return 0;
	found = hl_moddep_has(f, mod);
	fclose(f);
	return found;
}

/*
 * Module program i waits for a module a kernel may lack altogether (iommufd:
 * Debian's 7.3 has none) that this one has neither built in, nor loaded, nor
 * installed: nothing to arm.  Named once, with what the verdict loses
 * (pinned: the bpftool route's program, not attached), and true.
 */
static bool modprobe_absent(struct hl_cap *c, size_t i, bool builtin, bool pinned)
{
	const char *mod = modprobe_mods[modprobes[i].mod].name;
	char dep[300] = "modules.dep";

	if (!modprobe_mods[modprobes[i].mod].absent_not_loaded || builtin ||
	    module_installed(mod, dep, sizeof(dep)))
		return false;
	p_note(c->quiet, "program %s (kprobe %s:%s%s): not %s: %s is not in this kernel (not built in, "
	       "not loaded, no %s.ko in %s); the verdict loses %s", modprobes[i].prog, mod,
	       modprobes[i].func, pinned ? ", pinned" : "", pinned ? "attached" : "loaded", mod, mod, dep,
	       loss_of(modprobes[i].prog));
	return true;
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

/*
 * Define the kprobe event of modprobes[i] and attach its program: p (the
 * loaded object's), or the pinned program prog_fd; 0, or -1 with errno.
 */
static int modprobe_attach(struct hl_cap *c, struct bpf_program *p, int prog_fd, size_t i, bool builtin)
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
		 builtin ? "" : modprobe_mods[modprobes[i].mod].name, builtin ? "" : ":", modprobes[i].func);
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
	if (!p) {
		/* a program bpftool pinned: the perf event holds it until closed */
		if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
			err = errno;
			close(pfd);
			goto undo;
		}
		c->mpfd[c->nmlinks] = pfd;
		c->mlinks[c->nmlinks++] = NULL;
		return 0;
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
static void mods_poll(struct hl_cap *c)
{
	for (unsigned m = 0; c->mods_pending && m < N_MODS; m++) {
		if (!(c->mods_pending & 1u << m) || !module_loaded(modprobe_mods[m].name))
			continue;
		c->mods_pending &= ~(1u << m);
		p_note(c->quiet, "attached %d programs in %s (loaded now; armed since the start, "
		       "so nothing since its init is missed)", c->mods_armed[m], modprobe_mods[m].name);
	}
}

/*
 * Say, per module, how many of its programs are attached, or armed for when
 * it loads (then polled by mods_poll()).  The number attached now.
 */
static int mods_report(struct hl_cap *c, const int *marmed, const bool *modbuiltin)
{
	int attached = 0;

	for (unsigned m = 0; m < N_MODS; m++) {
		bool builtin = true;

		if (!marmed[m])
			continue;
		for (size_t i = 0; i < N_MODPROBES; i++)
			if (modprobes[i].mod == m)
				builtin &= modbuiltin[i];
		c->mods_armed[m] = marmed[m];
		if (builtin || module_loaded(modprobe_mods[m].name)) {
			p_note(c->quiet, "attached %d programs in %s", marmed[m], modprobe_mods[m].name);
			attached += marmed[m];
		} else {
			c->mods_pending |= 1u << m;
			p_note(c->quiet, "%s has not come yet: %d programs armed on its functions, attached by the "
			       "kernel when it loads (until then %s)",
			       modprobe_mods[m].name, marmed[m], modprobe_mods[m].unseen);
		}
	}
	return attached;
}

/*
 * The SMMUv3 driver's struct arm_smmu_device layout from the kernel's BTF
 * (kbtf.c), whatever else the kernel builds; said when there are two such
 * types.  0, or -1 after p_err.
 */
static int cap_layout(struct hl_cap *c, const struct kbtf *k, struct hl_smmu_layout *lay)
{
	struct btf *all[129] = { k->vmlinux };
	char why[256];

	memcpy(all + 1, k->mods, k->nmods * sizeof(k->mods[0]));
	if (hl_smmu_layout_find(all, k->nmods + 1, lay, why, sizeof(why))) {
		p_err("%s", why);
		return -1;
	}
	if (lay->set > 1)
		p_note(c->quiet, "struct arm_smmu_device: %u types of that name in this kernel's BTF "
		       "(both Arm SMMU drivers built): the SMMUv3 driver's is the one its struct "
		       "arm_smmu_master points to, read at its offsets", lay->set);
	return 0;
}

/*
 * Which stage of the load a program selection is for (cap_select()):
 * CAP_ALL, every program this kernel can take; CAP_EARLY, the same while
 * the SMMUv3 driver is a module not loaded yet: its programs (fentry/fexit
 * on functions no BTF has yet) wait, in c->late_mask; CAP_LATE, once it has
 * loaded, those alone (a second open of the object, on the first's maps).
 */
enum cap_stage { CAP_ALL, CAP_EARLY, CAP_LATE };

static bool is_fentry(struct bpf_program *p)
{
	return !strncmp(bpf_program__section_name(p), "fentry/", 7) ||
	       !strncmp(bpf_program__section_name(p), "fexit/", 6);
}

/*
 * Set the autoload of every program of cp's object for this stage; name
 * each left out with what the verdict loses (*skipped counts them).  The
 * number of programs that wait for the SMMUv3 driver (CAP_EARLY).
 */
static int cap_select(struct hl_cap *c, struct cap_progs *cp, const struct kbtf *k, int only_walker,
		      enum cap_stage stage, bool *modbuiltin, int *skipped)
{
	struct bpf_program *p;
	const char *fn[64];
	int fncount[64] = { 0 }, nfn = 0, alt, idx = -1, waiting = 0;

	/* every fentry/fexit target: how many functions of its name the kernel has */
	bpf_object__for_each_program(p, cp->obj)
		if (nfn < 64 && is_fentry(p))
			fn[nfn++] = target_of(p);
	if (!btf_override())
		ksym_counts(fn, nfn, fncount);
	bpf_object__for_each_program(p, cp->obj) {
		idx++;
		if (only_walker && p != cp->trigger) {
			bpf_program__set_autoload(p, false);
			continue;
		}
		if (stage == CAP_LATE && byaddr_of(cp, p) < 0 &&
		    (idx >= 64 || !(c->late_mask & 1ULL << idx))) {
			bpf_program__set_autoload(p, false);	/* the first load's */
			continue;
		}
		if ((alt = byaddr_of(cp, p)) >= 0) {
			int nsym = 0;

			for (int i = 0; i < nfn; i++)
				if (!strcmp(fn[i], byaddr[alt].func))
					nsym = fncount[i];
			/* only where the name is two functions; attached after the SMMU is registered */
			if (only_walker || nsym < 2 || stage == CAP_EARLY)
				bpf_program__set_autoload(p, false);
			continue;
		}
		/* the module kprobes (type1's in both modes: the series has no type1 events) */
		if ((alt = modprobe_of(cp, p)) >= 0) {
			modbuiltin[alt] = btf__find_by_name_kind(k->vmlinux, modprobes[alt].func,
								 BTF_KIND_FUNC) >= 0;
			if (only_walker) {
				bpf_program__set_autoload(p, false);
			} else if (modprobe_absent(c, alt, modbuiltin[alt], false)) {
				bpf_program__set_autoload(p, false);
				(*skipped)++;
			}
			continue;
		}
		/* the driver's functions have no BTF until it loads: wait for it */
		if (stage == CAP_EARLY && is_fentry(p) && !target_exists(k, p)) {
			bpf_program__set_autoload(p, false);
			if (idx < 64) {
				c->late_mask |= 1ULL << idx;
				waiting += prog_in(cp->alt, N_ALTERNATES, p) < 0;
				continue;
			}
		}
		if ((alt = prog_in(cp->alt, N_ALTERNATES, p)) >= 0) {
			struct bpf_program *pr = cp->primary[alt];

			/* only in place of a primary this kernel lacks, and then silently if it lacks both */
			if (!pr || target_exists(k, pr) || !target_exists(k, p))
				bpf_program__set_autoload(p, false);
			else
				p_note(c->quiet, "program %s (%s): in place of %s (%s, not in this kernel)",
				       bpf_program__name(p), bpf_program__section_name(p), alternates[alt].primary,
				       bpf_program__section_name(pr));
			continue;
		}
		if (is_fentry(p)) {
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
				*skipped += !in;
				continue;
			}
		}
		if (!target_exists(k, p)) {
			const char *in = NULL;

			for (size_t i = 0; i < N_ALTERNATES; i++)
				if (p == cp->primary[i] && cp->alt[i] && target_exists(k, cp->alt[i]))
					in = alternates[i].alt;
			bpf_program__set_autoload(p, false);
			if (in)
				continue;
			p_note(c->quiet, "program %s (%s): not loaded: %s; the verdict loses %s", bpf_program__name(p),
			    bpf_program__section_name(p),
			    !strncmp(bpf_program__section_name(p), "tp_btf/", 7) ?
			    "this kernel has no such tracepoint (not a kernel with kernel/patches)" :
			    "the function is not in this kernel's BTF (inlined, renamed or not built)",
			    loss_of(bpf_program__name(p)));
			(*skipped)++;
		}
	}
	return waiting;
}

/*
 * Attach every program cp's load took (the module kprobes as kprobe
 * events, the by-address ones later: byaddr_attach()); name each that does
 * not attach.  *ste_hooks: the entry-writer hooks among them.
 */
static int cap_attach(struct hl_cap *c, struct cap_progs *cp, const bool *modbuiltin, int *marmed,
		      int *skipped, int *ste_hooks)
{
	struct bpf_program *p;
	int attached = 0, alt;

	bpf_object__for_each_program(p, cp->obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		if (byaddr_of(cp, p) >= 0)
			continue;	/* byaddr_attach(), once the SMMU is registered */
		if ((alt = modprobe_of(cp, p)) >= 0) {
			if (modprobe_attach(c, p, -1, alt, modbuiltin[alt])) {
				p_note(c->quiet, "program %s (kprobe %s:%s): not attached: %s; the verdict loses %s",
				       bpf_program__name(p), modprobe_mods[modprobes[alt].mod].name,
				       modprobes[alt].func, strerror(errno), loss_of(bpf_program__name(p)));
				(*skipped)++;
			} else {
				marmed[modprobes[alt].mod]++;
			}
			continue;
		}
		l = bpf_program__attach(p);
		if (!l) {
			p_note(c->quiet, "program %s (%s): loaded, not attached: %s", bpf_program__name(p),
			    bpf_program__section_name(p), strerror(errno));
			(*skipped)++;
			continue;
		}
		attached++;
		if (prog_in(cp->ste_hooks, 2, p) >= 0)
			(*ste_hooks)++;
	}
	return attached;
}

/* The SMMU layout into the hl_smmu_lay the walker's trigger reads: 0, or -1 after p_err. */
static int cap_set_layout(struct cap_progs *cp, const struct hl_smmu_layout *lay)
{
	if (bpf_map_update_elem(bpf_map__fd(cp->lay), &(u32){ 0 }, lay, BPF_ANY)) {
		p_err("hl_smmu_lay: cannot set the SMMU layout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Load the programs this kernel can take, attach each, name every one that
 * could not with the reason.  only_walker: the snapshot verb needs only the
 * walker's trigger.
 */
static int cap_load(struct hl_cap *c, int only_walker, const char *want_mode)
{
	struct kbtf k;
	struct cap_progs *cp;
	struct hl_smmu_layout lay = { 0 };
	int err, attached = 0, skipped = 0, ste_hooks = 0, waiting = 0, marmed[4] = { 0 };
	bool modbuiltin[N_MODPROBES] = { 0 };
	enum cap_stage stage = CAP_ALL;
	char dep[300] = "modules.dep";

	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_override());

	err = kbtf_load(&k);
	if (err)
		return err;
	if (!kbtf_has(&k, "arm_smmu_device", BTF_KIND_STRUCT)) {
		bool late = !btf_override() && module_installed("arm_smmu_v3", dep, sizeof(dep));

		if (late && !only_walker && !(want_mode && !strcmp(want_mode, "tracepoint"))) {
			stage = CAP_EARLY;
		} else {
			if (late)
				p_err("the Arm SMMUv3 driver is a module of this kernel (arm_smmu_v3, in %s) that "
				      "is not loaded: there is no SMMU to walk, nothing was captured. Load it "
				      "first (modprobe arm_smmu_v3); a `hitless record` or `monitor` started "
				      "before it attaches to it when it loads", dep);
			else
				p_err("no Arm SMMUv3 driver in this kernel (struct arm_smmu_device is in no BTF, vmlinux "
				      "or module, and no arm_smmu_v3 module is installed)");
			kbtf_free(&k);
			return HL_EXIT_NO_SMMU;
		}
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
	c->progs = calloc(1, sizeof(*c->progs));
	if (c->progs && c->mode == HL_MODE_TRACEPOINT && (c->sk_tp = hitless_tp__open_opts(&oo)))
		cap_progs_tp(c->progs, c->sk_tp);
	else if (c->progs && c->mode != HL_MODE_TRACEPOINT && (c->sk = hitless__open_opts(&oo)))
		cap_progs_stock(c->progs, c->sk);
	if (!c->progs || !c->progs->obj) {
		p_err("cannot open the BPF object: %s", strerror(errno));
		free(c->progs);
		c->progs = NULL;
		kbtf_free(&k);
		return -1;
	}
	cp = c->progs;
	c->cfg = cp->cfg;
	c->cfg->boot = c->st.meta.boot;
	/*
	 * the SMMUv3 struct arm_smmu_device, whatever else the kernel builds: into
	 * hl_smmu_lay after the load (a driver still to come: when it has come)
	 */
	if (stage != CAP_EARLY && cap_layout(c, &k, &lay)) {
		kbtf_free(&k);
		return -1;
	}
	if (c->ringbuf_bytes &&
	    bpf_map__set_max_entries(cp->events, c->ringbuf_bytes)) {
		p_err("--buffer %lu bytes: %s", c->ringbuf_bytes, strerror(errno));
		kbtf_free(&k);
		return -1;
	}
	waiting = cap_select(c, cp, &k, only_walker, stage, modbuiltin, &skipped);
	kbtf_free(&k);
	err = c->sk_tp ? hitless_tp__load(c->sk_tp) : hitless__load(c->sk);
	if (err) {
		libbpf_log_flush();
		p_err("loading the BPF programs failed: %s (libbpf's log above names the program)",
		      strerror(-err));
		return -1;
	}
	/* before the trigger is attached: it reads the SMMU by these offsets, and does nothing without */
	if (stage != CAP_EARLY && cap_set_layout(cp, &lay))
		return -1;
	attached = cap_attach(c, cp, modbuiltin, marmed, &skipped, &ste_hooks);
	if (!only_walker && c->mode == HL_MODE_FENTRY && ste_hooks < 2 && stage != CAP_EARLY) {
		c->cfg->ste_from_cfgi = 1;
		p_note(c->quiet, "STE writes: from the stream table at each CFGI_STE (entry-writer hooks missing; steps unknown)");
	}
	attached += mods_report(c, marmed, modbuiltin);
	if (stage == CAP_EARLY) {
		c->smmu_late = true;
		c->smmu_absent_ns = hl_now_ns(CLOCK_MONOTONIC);
		p_note(c->quiet, "the Arm SMMUv3 driver is a module of this kernel (arm_smmu_v3, in %s) not "
		       "loaded yet: its %d programs (fentry/fexit on its functions, which only its BTF has) "
		       "are loaded and attached when it loads, and its SMMUs walked then; what it does "
		       "from its load to that attach (its probe: the SMMU's reset, its queues, the stream "
		       "table's first STEs, the default domains' attaches) is not seen, and is named then "
		       "as a gap with its time window", dep, waiting);
	}
	p_note(c->quiet, "%d program(s) attached, %d not%s (%s mode)", attached, skipped,
	       stage == CAP_EARLY ? ", the SMMUv3 driver's to come" : "",
	       only_walker ? hl_mode_name(HL_MODE_WALKER) : hl_mode_name(c->mode));
	c->events_fd = bpf_map__fd(cp->events);
	c->stats_fd = bpf_map__fd(cp->stats);
	c->smmus_fd = bpf_map__fd(cp->smmus);
	c->walk_fd = bpf_map__fd(cp->walk_ctl);
	return 0;
}

static void cap_register(struct hl_cap *c);

/* A device bound to arm-smmu-v3 (its probe over): 1, else 0. */
static int smmu_bound(void)
{
	DIR *d = opendir(SMMU_DRIVER_DIR);
	struct dirent *e;
	int n = 0;

	while (d && !n && (e = readdir(d)))
		n = e->d_name[0] != '.' && e->d_type == DT_LNK && strcmp(e->d_name, "module");
	if (d)
		closedir(d);
	return n;
}

/*
 * The SMMUv3 driver came after the capture started: its programs, from a
 * second open of the object whose every map is the running capture's
 * (bpf_map__reuse_fd: one ring buffer, one sequence, one SMMU registry,
 * the per-task contexts shared), loaded and attached; the layout from its
 * BTF; the gap from its load to here named once and kept in the snapshot;
 * its SMMUs registered and walked: the state from here on, everything after
 * it in the log.  0, or -1 after p_err (the capture goes on without it).
 */
static int smmu_late_attach(struct hl_cap *c)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_override());
	struct hl_smmu_layout lay = { 0 };
	bool modbuiltin[N_MODPROBES] = { 0 };
	int marmed[4] = { 0 }, skipped = 0, ste_hooks = 0, attached, err;
	struct hl_gap_disk g = { .boot = c->st.meta.boot };
	struct cap_progs *cp;
	struct bpf_map *m;
	struct kbtf k;

	if (kbtf_load(&k))
		return -1;
	if (!kbtf_has(&k, "arm_smmu_device", BTF_KIND_STRUCT)) {
		kbtf_free(&k);
		p_err("arm_smmu_v3 is loaded but no BTF has struct arm_smmu_device (/sys/kernel/btf/arm_smmu_v3?): "
		      "its programs cannot be loaded; the capture goes on without the SMMUv3 driver's records");
		return -1;
	}
	cp = calloc(1, sizeof(*cp));
	c->sk_late = cp ? hitless__open_opts(&oo) : NULL;
	if (!c->sk_late) {
		p_err("cannot open the BPF object again for arm_smmu_v3: %s", strerror(errno));
		free(cp);
		kbtf_free(&k);
		return -1;
	}
	cap_progs_stock(cp, c->sk_late);
	c->progs_late = cp;
	bpf_object__for_each_map(m, cp->obj) {
		struct bpf_map *o = bpf_object__find_map_by_name(c->progs->obj, bpf_map__name(m));

		if (!o || bpf_map__reuse_fd(m, bpf_map__fd(o))) {
			p_err("map %s: cannot share it with the running capture: %s", bpf_map__name(m),
			      o ? strerror(errno) : "not in the first load");
			kbtf_free(&k);
			return -1;
		}
	}
	if (cap_layout(c, &k, &lay)) {
		kbtf_free(&k);
		return -1;
	}
	cap_select(c, cp, &k, 0, CAP_LATE, modbuiltin, &skipped);
	kbtf_free(&k);
	err = hitless__load(c->sk_late);
	if (err) {
		libbpf_log_flush();
		p_err("loading the SMMUv3 driver's programs failed: %s (libbpf's log above names the "
		      "program); the capture goes on without its records", strerror(-err));
		return -1;
	}
	if (cap_set_layout(cp, &lay))
		return -1;
	attached = cap_attach(c, cp, modbuiltin, marmed, &skipped, &ste_hooks);
	g.to_ns = hl_now_ns(CLOCK_MONOTONIC);
	g.from_ns = c->smmu_absent_ns;
	g.seen_ns = c->smmu_seen_ns;
	snprintf(g.module, sizeof(g.module), "arm_smmu_v3");
	VEC_PUSH(c->st.gaps, g);
	if (ste_hooks < 2) {
		c->cfg->ste_from_cfgi = 1;
		p_note(c->quiet, "STE writes: from the stream table at each CFGI_STE (entry-writer hooks missing; steps unknown)");
	}
	p_note(c->quiet, "attached %d programs in arm_smmu_v3 (loaded now), %d not", attached, skipped);
	p_note(c->quiet, "gap: arm_smmu_v3 loaded between %.3f s and %.3f s (CLOCK_MONOTONIC), its programs "
	       "attached at %.3f s: what the SMMUv3 driver did from its load to then (its probe: the "
	       "SMMU's reset, its queues, the stream table's first STEs, the default domains' attaches) "
	       "is not in the log; the walk that follows is the state from then on, and nothing after "
	       "it is lost", g.from_ns / 1e9, g.seen_ns / 1e9, g.to_ns / 1e9);
	cap_register(c);
	byaddr_attach(c, cp);
	return 0;
}

/*
 * While the SMMUv3 driver is still to come: once it is loaded (initstate
 * live: its init, and so its probe, over) and has bound an SMMU, attach to
 * it and walk.
 */
static void smmu_late_poll(struct hl_cap *c)
{
	char st[16] = "";
	FILE *f;

	if (!c->smmu_late)
		return;
	f = fopen("/sys/module/arm_smmu_v3/initstate", "r");
	if (!f) {
		c->smmu_absent_ns = hl_now_ns(CLOCK_MONOTONIC);
		return;
	}
	if (!c->smmu_seen_ns)
		c->smmu_seen_ns = hl_now_ns(CLOCK_MONOTONIC);
	if (!fgets(st, sizeof(st), f))
		st[0] = 0;
	fclose(f);
	if (strncmp(st, "live", 4) || !smmu_bound())
		return;
	c->smmu_late = false;
	if (smmu_late_attach(c)) {
		c->late_failed = true;
		return;
	}
	if (!c->late_nowalk && hl_cap_walk(c, c->walk_budget ? c->walk_budget : 4096) < 0)
		p_err("the walk of the SMMUv3 driver's SMMUs failed: the log has no state to start from");
	if (c->mon) {
		hl_cap_smmus(c);
		for (size_t i = 0; i < c->st.smmus.n; i++)
			if (!hl_state_smmu(&c->mon->st, c->st.smmus.v[i].id))
				VEC_PUSH(c->mon->st.smmus, c->st.smmus.v[i]);
	}
}

/*
 * The SMMU layout in the pinned hl_smmu_lay (fd): bpftool cannot set it at
 * its load, so the first --pinned capture does, and prints the bpftool line
 * that does the same for another reader of the pinned maps.  Until it is
 * set the walker's trigger does nothing: no SMMU registered, no walk.
 * 0, or the exit status / -1 after p_err.
 */
static int cap_pinned_layout(struct hl_cap *c, int fd, const char *path, const struct kbtf *k)
{
	struct hl_smmu_layout lay = { 0 };
	char line[sizeof(lay) * 3 + 1];
	u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &lay)) {
		p_err("%s: cannot read the SMMU layout: %s", path, strerror(errno));
		return -1;
	}
	if (lay.set)
		return 0;
	if (cap_layout(c, k, &lay))
		return -1;
	if (bpf_map_update_elem(fd, &zero, &lay, BPF_EXIST)) {
		p_err("%s: cannot set the SMMU layout: %s", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(lay); i++)
		snprintf(line + 3 * i, 4, " %02x", ((unsigned char *)&lay)[i]);
	p_note(c->quiet, "the SMMU layout (struct arm_smmu_device's offsets from this kernel's BTF) was not "
	       "set: set it in %s; for another reader of the pinned maps the same is: bpftool map update "
	       "pinned %s key hex 00 00 00 00 value hex%s", path, path, line);
	return 0;
}

/*
 * The module programs bpftool pinned unattached (their sections name no
 * function, so bpftool cannot attach them): defined here as kprobe events
 * on MODULE:FUNCTION and attached for as long as this capture runs, armed
 * for a module not loaded yet, as the collector's own load does.
 */
static void cap_pinned_mods(struct hl_cap *c, const char *dir, const struct kbtf *k)
{
	int marmed[4] = { 0 };
	bool modbuiltin[N_MODPROBES] = { 0 }, tp;
	char p[512];

	/* the patched mode's object: no stock-only module programs (the series' events instead) */
	snprintf(p, sizeof(p), "%s/hl_tp_ioas_map", dir);
	tp = !access(p, F_OK);
	for (size_t i = 0; i < N_MODPROBES; i++) {
		unsigned m = modprobes[i].mod;
		int fd;

		if (tp && i >= N_MODPROBES_BOTH)
			continue;
		modbuiltin[i] = btf__find_by_name_kind(k->vmlinux, modprobes[i].func, BTF_KIND_FUNC) >= 0;
		if (modprobe_absent(c, i, modbuiltin[i], true))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, modprobes[i].prog);
		fd = bpf_obj_get(p);
		if (fd < 0) {
			p_note(c->quiet, "program %s (kprobe %s:%s): not pinned under %s (%s); the verdict "
			       "loses %s", modprobes[i].prog, modprobe_mods[m].name,
			       modprobes[i].func, dir, strerror(errno), loss_of(modprobes[i].prog));
			continue;
		}
		if (modprobe_attach(c, NULL, fd, i, modbuiltin[i]))
			p_note(c->quiet, "program %s (kprobe %s:%s, pinned): not attached: %s; the verdict "
			       "loses %s", modprobes[i].prog, modprobe_mods[m].name,
			       modprobes[i].func, strerror(errno), loss_of(modprobes[i].prog));
		else
			marmed[modprobes[i].mod]++;
		close(fd);	/* the perf event holds the program */
	}
	mods_report(c, marmed, modbuiltin);
}

/* The maps `bpftool prog loadall ... pinmaps DIR/maps` left behind. */
static int cap_pinned(struct hl_cap *c, const char *dir, int only_walker)
{
	char p[512];
	struct kbtf k;
	int lay_fd = -1, rc;
	int *fds[] = { &c->events_fd, &c->stats_fd, &c->smmus_fd, &c->walk_fd, &lay_fd };
	const char *names[] = { "hl_events", "hl_stats", "hl_smmus", "hl_walk_ctl", "hl_smmu_lay" };

	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s/maps/%s", dir, names[i]);
		*fds[i] = bpf_obj_get(p);
		if (*fds[i] < 0) {
			p_err("no pinned map %s: %s (load with: bpftool prog loadall hitless.bpf.o %s autoattach pinmaps %s/maps)",
			      p, strerror(errno), dir, dir);
			return -1;
		}
	}
	p_note(c->quiet, "using the programs pinned under %s", dir);
	rc = kbtf_load(&k);
	if (!rc) {
		rc = cap_pinned_layout(c, lay_fd, p, &k);
		if (!rc && !only_walker)
			cap_pinned_mods(c, dir, &k);
		kbtf_free(&k);
	}
	close(lay_fd);
	return rc;
}

/* 0, or the exit status after p_err. */
int hl_cap_open(struct hl_cap *c, const char *pinned, int only_walker, const char *mode,
		    const char *verb)
{
	int rc;

	hl_state_init(&c->st);
	hl_state_identity(&c->st, HL_MODE_WALKER);
	c->in.boot = c->st.meta.boot;
	libbpf_set_print(libbpf_log);
	c->events_fd = c->stats_fd = c->smmus_fd = c->walk_fd = -1;
	rc = cap_privileged(verb);
	if (!rc)
		rc = pinned ? cap_pinned(c, pinned, only_walker) : cap_load(c, only_walker, mode);
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
	byaddr_attach(c, c->progs);
	ring_open(c);
	return 0;
}

void hl_cap_close(struct hl_cap *c)
{
	for (int i = 0; i < c->nmlinks; i++) {
		char line[96];

		if (c->mlinks[i])
			bpf_link__destroy(c->mlinks[i]);
		else
			close(c->mpfd[i]);
		snprintf(line, sizeof(line), "-:%s\n", c->mevents[i]);
		kprobe_event_write(line);
	}
	c->nmlinks = 0;
	for (int i = 0; i < c->nalinks; i++)
		bpf_link__destroy(c->alinks[i]);
	c->nalinks = 0;
	ring_buffer__free(c->rb);
	if (c->sk_late)
		hitless__destroy(c->sk_late);
	free(c->progs_late);
	c->progs_late = NULL;
	if (c->sk)
		hitless__destroy(c->sk);
	if (c->sk_tp)
		hitless_tp__destroy(c->sk_tp);
	free(c->progs);
	c->progs = NULL;
	hl_state_free(&c->st);
}

static u64 stat_get(struct hl_cap *c, u32 k)
{
	u64 v = 0;

	bpf_map_lookup_elem(c->stats_fd, &k, &v);
	return v;
}

u64 hl_cap_dropped(struct hl_cap *c)
{
	return stat_get(c, HL_STAT_LOST_RINGBUF) + c->in.rejected;
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

/*
 * Walk every SMMU bound to arm-smmu-v3; returns the number walked, -1 on
 * error.  An SMMUv3 driver still to come is walked when it comes.
 */
int hl_cap_walk(struct hl_cap *c, unsigned budget)
{
	DIR *d;
	struct dirent *e;
	int n = 0, rc = 0;

	if (c->smmu_late) {
		smmu_late_poll(c);
		if (c->smmu_late) {
			p_note(c->quiet, "no SMMU to walk yet: arm_smmu_v3 is not loaded (walked when it is)");
			return 0;
		}
		return 1;	/* walked by smmu_late_poll() */
	}
	d = opendir(SMMU_DRIVER_DIR);
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
static void cap_register(struct hl_cap *c)
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
void hl_cap_smmus(struct hl_cap *c)
{
	u64 key, *prev = NULL;
	struct hl_smmu_info i;

	while (!bpf_map_get_next_key(c->smmus_fd, prev, &key)) {
		prev = &key;
		if (bpf_map_lookup_elem(c->smmus_fd, &key, &i) || hl_state_smmu(&c->st, i.id))
			continue;
		struct hl_smmu_disk m = { .id = i.id, .base = i.base };
		struct hl_smmu_id_disk d = {
			.smmu = i.id, .known = i.known, .features = i.features, .options = i.options,
			.sid_bits = i.sid_bits, .ssid_bits = i.ssid_bits, .asid_bits = i.asid_bits,
			.vmid_bits = i.vmid_bits, .oas = i.oas, .pgsize_bitmap = i.pgsize_bitmap,
		};

		memcpy(m.idr, i.idr, sizeof(m.idr));
		VEC_PUSH(c->st.smmus, m);
		VEC_PUSH(c->st.smmu_ids, d);
	}
}

/* Losses the BPF side counted, into the snapshot (a verdict over them says so). */
u64 hl_cap_losses(struct hl_cap *c)
{
	u64 lost = stat_get(c, HL_STAT_LOST_RINGBUF), logged = 0;

	if (c->in.rejected) {
		struct hl_loss_disk l = { .boot = c->st.meta.boot, .count = c->in.rejected,
					  .where = HL_LOST_READER };

		VEC_PUSH(c->st.losses, l);
		lost += l.count;
		logged += l.count;
	}
	for (size_t i = 0; i < c->st.losses.n; i++)
		if (c->st.losses.v[i].where != HL_LOST_READER)
			logged += c->st.losses.v[i].count;
	if (lost > logged) {
		/* dropped records not yet reported by an HL_K_LOST record */
		struct hl_loss_disk l = { .boot = c->st.meta.boot, .count = lost - logged,
					  .where = HL_LOST_RINGBUF };

		VEC_PUSH(c->st.losses, l);
	}
	return lost;
}

int hl_cap_write(struct hl_cap *c, const char *out)
{
	char err[512];

	hl_clock_sample(&c->st);
	hl_cap_smmus(c);
	c->st.meta.created_ktime = hl_now_ns(CLOCK_MONOTONIC);
	c->st.meta.created_real = hl_now_ns(CLOCK_REALTIME);
	hl_ranges_compress(&c->st);
	if (hl_snapshot_write(out, &c->st, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
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
int hl_cap_verify(struct hl_cap *c, unsigned budget)
{
	struct hl_cap w = *c;
	int bad = 0;

	hl_state_init(&w.st);
	w.st.meta = c->st.meta;
	w.records = 0;
	w.rb = ring_buffer__new(c->events_fd, on_record, &w, NULL);
	ring_buffer__consume(c->rb);	/* everything before the walk belongs to the log */
	/* a driver still to come has no SMMU to walk: the log's state must be empty too */
	if (!w.rb || (!c->smmu_late && hl_cap_walk(&w, budget) < 0))
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
 * How full the ring buffer is: the producer and consumer positions the
 * kernel maps for every reader (the consumer page, then the producer's).
 */
static void ring_open(struct hl_cap *c)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	long pg = sysconf(_SC_PAGESIZE);
	void *a, *b;

	if (bpf_obj_get_info_by_fd(c->events_fd, &info, &len))
		return;
	a = mmap(NULL, pg, PROT_READ, MAP_SHARED, c->events_fd, 0);
	b = mmap(NULL, pg, PROT_READ, MAP_SHARED, c->events_fd, pg);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		if (a != MAP_FAILED)
			munmap(a, pg);
		if (b != MAP_FAILED)
			munmap(b, pg);
		return;
	}
	c->rb_cons = a;
	c->rb_prod = b;
	c->rb_size = info.max_entries;
}

void hl_cap_ring_sample(struct hl_cap *c)
{
	u64 used;

	if (!c->rb_cons)
		return;
	used = *c->rb_prod - *c->rb_cons;
	if (used > c->rb_peak)
		c->rb_peak = used;
}

void hl_cap_ring_peak(struct hl_cap *c, u64 *peak, u64 *size)
{
	*peak = c->rb_peak;
	*size = c->rb_size;
	c->rb_peak = 0;
}

int hl_cap_poll(struct hl_cap *c, int ms)
{
	int n = ring_buffer__poll(c->rb, ms);

	if (n < 0 && n != -EINTR) {
		p_err("ring buffer poll: %s", strerror(-n));
		return -1;
	}
	/*
	 * The BPF side wakes the reader once per sixteenth of the ring
	 * (bpf/core.bpf.h hl_submit): a trickle is drained here, within
	 * the poll, not when the ring has filled that far.
	 */
	ring_buffer__consume(c->rb);
	mods_poll(c);
	smmu_late_poll(c);
	return 0;
}

void hl_cap_drain(struct hl_cap *c)
{
	ring_buffer__consume(c->rb);
}

/*
 * libbpf's log: with -v all of it as it comes; otherwise kept (the last
 * 16 KiB) and printed only when loading fails, before the error that
 * points at it.
 */
static char bpf_log[16384];
static size_t bpf_log_len;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (env.verbose)
		return vfprintf(stderr, fmt, ap);
	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (bpf_log_len + n >= sizeof(bpf_log))
		bpf_log_len = 0;	/* keep the latest */
	memcpy(bpf_log + bpf_log_len, line, n);
	bpf_log_len += n;
	bpf_log[bpf_log_len] = 0;
	return n;
}

static void libbpf_log_flush(void)
{
	if (bpf_log_len)
		fputs(bpf_log, stderr);
	bpf_log_len = 0;
}

#else /* !HL_HAVE_SKEL */

/* This build has no skeleton (bpf/ was not built): the capture verbs say so. */
int hl_cap_open(struct hl_cap *c, const char *pinned, int only_walker, const char *mode,
		const char *verb)
{
	(void)pinned, (void)only_walker, (void)mode;
	hl_state_init(&c->st);
	p_err("'%s' needs the BPF capture: this hitless was built without bpf/ "
	      "(make -C bpf, then make -C userspace)", verb);
	return HL_EXIT_ERROR;
}

void hl_cap_close(struct hl_cap *c)
{
	hl_state_free(&c->st);
}

/* never reached: hl_cap_open() failed */
int hl_cap_walk(struct hl_cap *c, unsigned budget) { (void)c, (void)budget; return -1; }
int hl_cap_poll(struct hl_cap *c, int ms) { (void)c, (void)ms; return -1; }
void hl_cap_drain(struct hl_cap *c) { (void)c; }
u64 hl_cap_dropped(struct hl_cap *c) { (void)c; return 0; }
void hl_cap_smmus(struct hl_cap *c) { (void)c; }
u64 hl_cap_losses(struct hl_cap *c) { (void)c; return 0; }
int hl_cap_write(struct hl_cap *c, const char *out) { (void)c, (void)out; return -1; }
int hl_cap_verify(struct hl_cap *c, unsigned budget) { (void)c, (void)budget; return -1; }
void hl_cap_ring_sample(struct hl_cap *c) { (void)c; }
void hl_cap_ring_peak(struct hl_cap *c, u64 *peak, u64 *size) { (void)c; *peak = *size = 0; }

#endif
