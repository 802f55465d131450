// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot and record: the state walked now, or walked and then every
 * change until told to stop, into a snapshot file (lib/capture.c does the
 * capturing); record's --against compares two captures of one run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "main.h"
#include "boot.h"
#include "capture.h"
#include "progress.h"
#include "records.h"
#include "snapshot.h"
#include "tracebuf.h"

#define HL_BTF_ENV								\
	"Environment: HITLESS_BTF=FILE  the kernel's BTF from FILE (raw or ELF), not\n"	\
	"      /sys/kernel/btf/vmlinux: checks and CO-RE relocation\n"

/* the synopsis's order: -q and the mandatory -o last */
static const struct hl_opt snapshot_opts[] = {
	HL_OPT_PINNED,
	HL_OPT_BUDGET,
	HL_OPT_BUFFER,
	HL_OPT_TRACE,
	HL_OPT_QUIET,
	HL_OPT_OUTPUT,
	{ 0 }
};

static const struct hl_opt record_opts[] = {
	HL_OPT_MODE,
	HL_OPT_PINNED,
	HL_OPT("no-walk", no_argument, 'W', false, NULL, "do not walk the state first (the snapshot has only changes)"),
	HL_OPT_BUDGET,
	HL_OPT_DURATION,
	HL_OPT_STOP_FILE,
	HL_OPT("ready-file", required_argument, 'r', false, "PATH", "created once capturing (for scripts)"),
	HL_OPT("verify", no_argument, 'V', false, NULL,
	  "walk again at the end: the state the log implies must equal the walked one (exit 1 if not)"),
	HL_OPT("against", required_argument, 'A', false, "FILE",
	  "the same run captured in the other mode (another record's snapshot): its writes and "
	  "commands must equal these, record for record (exit 1 if not)"),
	HL_OPT_BUFFER,
	HL_OPT_TRACE,
	HL_OPT_QUIET,
	HL_OPT_OUTPUT,
	{ 0 }
};

const struct hl_verb snapshot_verb = {
	.name = "snapshot",
	.func = do_snapshot,
	.opts = snapshot_opts,
	.about = "The complete current state: every valid STE, the CDs they point to and\n"
		 "every leaf of every page table they reach, walked by the BPF walker.\n",
	.tail = HL_BTF_ENV
		"Exit: 0 done, 2 error or records lost, 3 not root, 4 no kernel BTF,\n"
		"      6 no SMMUv3 driver\n",
	.refuses = &record_verb,	/* a snapshot is the state now: nothing to stop or compare */
};

const struct hl_verb record_verb = {
	.name = "record",
	.func = do_record,
	.opts = record_opts,
	.grammar = "       MODE := { auto | tracepoint | fentry }   auto: the kernel series' tracepoints\n"
		   "               when the kernel has them (patched), else fentry (stock)\n",
	.about = "Capture every STE/CD/descriptor write, command, attach, iommufd operation\n"
		 "and live-update milestone until SIGINT/SIGTERM, --duration, or PATH exists;\n"
		 "then write the snapshot: the state walked at the start plus every change.\n",
	.tail = HL_BTF_ENV
		"Exit: 0 done, 1 --verify/--against differ, 2 error or records lost,\n"
		"      3 not root, 4 no kernel BTF, 5 --mode tracepoint without the\n"
		"      hitless series, 6 no SMMUv3 driver\n",
};

struct cap_opts {
	const char *out, *pinned, *stop_file, *ready_file, *mode, *against, *trace;
	unsigned budget;
	unsigned long buffer;
	double duration;
	int walk, verify, quiet;
};

static int cap_opts(int argc, char **argv, struct cap_opts *o, const struct hl_verb *vb)
{
	unsigned long long n;
	int c, rc;

	*o = (struct cap_opts){ .budget = 4096, .walk = 1 };
	optind = 0;	/* glibc: full re-initialisation for the verb's argv */
	while ((c = hl_getopt(argc, argv, vb)) != -1) {
		if (c == '!')
			return -1;	/* record's option: hl_getopt() said so */
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'P': o->pinned = optarg ? optarg : HL_PIN_DIR; break;
		case 'b':
			if (hl_parse_count("--budget", optarg, 1, 1u << 20, &n))
				return -1;
			o->budget = n;
			break;
		case 'W': o->walk = 0; break;
		case 'd':
			o->duration = hl_parse_seconds("--duration", optarg);
			if (o->duration < 0)
				return -1;
			break;
		case 's': o->stop_file = optarg; break;
		case 'r': o->ready_file = optarg; break;
		case 'V': o->verify = 1; break;
		case 'q': o->quiet = 1; break;
		case 'A': o->against = optarg; break;
		case 'T': o->trace = optarg; break;
		case 'B':
			o->buffer = hl_parse_buffer(optarg);
			if (!o->buffer)
				return -1;
			break;
		case 'm':
			if (hl_parse_mode(optarg))
				return -1;
			o->mode = optarg;
			break;
		default:
			rc = hl_common_opt(c, optarg);
			if (rc == 2) {
				hl_usage(stdout, vb);
				return 1;
			}
			if (rc <= 0) {
				if (!rc)
					hl_usage(stderr, vb);
				return -1;
			}
		}
	}
	if (optind < argc) {
		p_err("%s takes no argument '%s': the snapshot goes to -o FILE", argv[0], argv[optind]);
		return -1;
	}
	if (!o->out) {
		hl_usage(stderr, vb);
		return -1;
	}
	return 0;
}

int do_snapshot(int argc, char **argv)
{
	struct cap_opts o;
	struct hl_cap c = { 0 };
	int rc = cap_opts(argc, argv, &o, &snapshot_verb);

	if (rc)
		return rc > 0 ? 0 : HL_EXIT_ERROR;
	c.quiet = o.quiet;
	c.ringbuf_bytes = o.buffer;
	rc = hl_cap_open(&c, o.pinned, 1, NULL, "snapshot");
	if (rc) {
		hl_cap_close(&c);
		return rc;
	}
	if (hl_trace_begin(&c.st, o.trace, o.quiet, &c.in.seq_base) ||
	    hl_cap_walk(&c, o.budget) < 0 || hl_cap_write(&c, o.out)) {
		hl_cap_close(&c);
		return HL_EXIT_ERROR;
	}
	hl_trace_end(&c.st, o.trace, c.in.seq_base, 0);
	p_note(c.quiet, "%s: %zu STEs, %zu CDs, %zu translation ranges (%llu records)", o.out,
	    c.st.stes.n, c.st.cds.n, c.st.ranges.n, (unsigned long long)c.records);
	hl_cap_close(&c);
	return 0;
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
		if (hl_cmd_op(a->cmd.cmd) == CMDQ_OP_CMD_SYNC)
			return hl_cmd_op(b->cmd.cmd) == CMDQ_OP_CMD_SYNC;
		return a->cmd.cmd[0] == b->cmd.cmd[0] && a->cmd.cmd[1] == b->cmd.cmd[1];
	case HL_K_IOMMUFD:
		return a->iommufd.op == b->iommufd.op && a->iommufd.iova == b->iommufd.iova &&
		       a->iommufd.length == b->iommufd.length && a->iommufd.result == b->iommufd.result;
	}
	return 0;
}

static int cap_against(struct hl_cap *c, const char *other)
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
	struct hl_cap c = { 0 };
	struct hl_progress pg;
	u64 t0, lost;
	int rc = cap_opts(argc, argv, &o, &record_verb), bad = 0;

	if (rc)
		return rc > 0 ? 0 : HL_EXIT_ERROR;
	c.quiet = o.quiet;
	c.ringbuf_bytes = o.buffer;
	c.late_nowalk = !o.walk;	/* an SMMUv3 driver loaded later is walked as it comes */
	c.walk_budget = o.budget;
	hl_catch_stop();
	rc = hl_cap_open(&c, o.pinned, 0, o.mode, "record");
	if (rc) {
		hl_cap_close(&c);
		return rc;
	}
	if (hl_trace_begin(&c.st, o.trace, o.quiet, &c.in.seq_base))
		goto fail;
	if (o.walk && hl_cap_walk(&c, o.budget) < 0)
		goto fail;
	hl_touch(o.ready_file);
	p_note(c.quiet, "recording (%llu records so far)", (unsigned long long)c.records);
	t0 = hl_now_ns(CLOCK_MONOTONIC);
	hl_progress_init(&pg, STDERR_FILENO, c.quiet);
	while (!hl_stop) {
		hl_progress(&pg, false, "recording: %llu records, %llu lost, %.0f s",
			    (unsigned long long)c.records, (unsigned long long)hl_cap_dropped(&c),
			    (hl_now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
		if (hl_cap_poll(&c, 100))
			break;
		if (o.duration > 0 && hl_now_ns(CLOCK_MONOTONIC) - t0 >= o.duration * 1e9)
			break;
		if (o.stop_file && !access(o.stop_file, F_OK))
			break;
	}
	hl_progress_done(&pg);
	hl_cap_drain(&c);
	if (o.verify) {
		bad = hl_cap_verify(&c, o.budget);
		if (bad < 0)
			goto fail;
	}
	lost = hl_cap_losses(&c);
	if (hl_cap_write(&c, o.out))
		goto fail;
	hl_trace_end(&c.st, o.trace, c.in.seq_base, 1);
	if (o.against) {
		int d = cap_against(&c, o.against);

		if (d < 0)
			goto fail;
		bad += d;
	}
	p_note(c.quiet, "%s: %llu records, %llu lost, %zu STEs, %zu CDs, %zu translation ranges "
	    "(%llu ring-buffer records: a run of descriptors or a batch of commands is one)", o.out,
	    (unsigned long long)c.records, (unsigned long long)lost, c.st.stes.n, c.st.cds.n,
	    c.st.ranges.n, (unsigned long long)c.ring_records);
	hl_cap_close(&c);
	/* the SMMUv3 driver came and its programs could not be loaded (said then): its records are lost */
	return lost || c.late_failed ? HL_EXIT_ERROR : bad ? HL_EXIT_FINDINGS : 0;
fail:
	hl_cap_close(&c);
	return HL_EXIT_ERROR;
}
