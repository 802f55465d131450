// SPDX-License-Identifier: GPL-2.0
/* The command line: verb table, per-verb synopsis, exit statuses, --protect. */
#include <stdio.h>
#include "tap.h"
#include "build.h"
#include "run.h"

static char dir[] = "/tmp/hl-cli-test.XXXXXX";
static char before[4200], broken[4200], bare_a[4200], bare_b[4200], vmm_a[4200], tied_b[4200];

/* r, after the last record of s's log (its boot, the next sequence number) */
static void append(struct hl_state *s, struct hl_record r)
{
	const struct hl_record *last = &s->events.v[s->events.n - 1];

	r.hdr.version = HL_RECORD_VERSION;
	r.hdr.mode = HL_MODE_FENTRY;
	r.hdr.boot = last->hdr.boot;
	r.hdr.seq = last->hdr.seq + 1;
	r.hdr.ktime_ns = last->hdr.ktime_ns + 1000;
	VEC_PUSH(s->events, r);
}

/*
 * The pair with no PROTECT section (and no restore unless keep_restore):
 * nothing protected unless the logs show a VMM's attach.  vmm_src: -1 none, else the attach's source (iommufd or
 * VFIO type1), written to vmm_a.
 */
static int bare_pair(int vmm_src, int keep_restore)
{
	struct hl_state a, b;
	struct hl_record r = { 0 };
	char err[512];
	int rc;

	fx_build(&a, &b, 1);
	a.protect.n = b.protect.n = 0;
	/* the new kernel's restore of StreamID 16 protects it too: not here */
	for (size_t i = 0; !keep_restore && i < b.events.n; i++)
		if (b.events.v[i].hdr.kind == HL_K_MILESTONE && b.events.v[i].ms.id == HL_MS_DEVICE_RESTORE)
			b.events.v[i].ms.id = HL_MS_USER;
	if (vmm_src >= 0) {
		r.hdr.kind = HL_K_ATTACH;
		strcpy(r.attach.dev, "0000:00:02.0");
		r.attach.nsids = 1;
		r.attach.sids[0] = FX_SID;
		r.attach.outcome = HL_ATTACH_HITLESS;
		append(&a, r);
		memset(&r, 0, sizeof(r));
		r.hdr.kind = HL_K_IOMMUFD;
		r.iommufd.op = HL_IOMMUFD_HWPT_ATTACH;
		r.iommufd.src = vmm_src;
		append(&a, r);
	}
	rc = hl_snapshot_write(vmm_src >= 0 ? vmm_a : bare_a, &a, err, sizeof(err)) ||
	     hl_snapshot_write(bare_b, &b, err, sizeof(err));
	if (rc)
		printf("Bail out! %s\n", err);
	hl_state_free(&a);
	hl_state_free(&b);
	return rc;
}

int main(void)
{
	struct hl_state a, b;
	char err[512];
	static const char *const verbs[] = { "show", "diff", "timeline" };

	if (!mkdtemp(dir))
		return 1;
	snprintf(before, sizeof(before), "%s/before.snap", dir);
	snprintf(broken, sizeof(broken), "%s/broken.snap", dir);
	snprintf(bare_a, sizeof(bare_a), "%s/bare-a.snap", dir);
	snprintf(bare_b, sizeof(bare_b), "%s/bare-b.snap", dir);
	snprintf(vmm_a, sizeof(vmm_a), "%s/vmm-a.snap", dir);
	snprintf(tied_b, sizeof(tied_b), "%s/tied-b.snap", dir);
	fx_build(&a, &b, 1);
	if (hl_snapshot_write(before, &a, err, sizeof(err)) || hl_snapshot_write(broken, &b, err, sizeof(err))) {
		printf("Bail out! %s\n", err);
		return 1;
	}

	tap_ok(run("--help", NULL) == 0 && strstr(run_out, "Usage: hitless [OPTIONS] VERB"), "hitless --help: exit 0");
	tap_ok(run("help", NULL) == 0 && strstr(run_out, "hitless timeline [OPTIONS]"), "hitless help lists the verbs");
	for (int i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "Usage: hitless %s [OPTIONS]", verbs[i]);
		tap_ok(run(verbs[i], "--help", NULL) == 0 && !strncmp(run_out, want, strlen(want)),
		       "hitless %s --help: its synopsis on stdout, exit 0", verbs[i]);
		tap_ok(run(verbs[i], NULL) == 2 && strstr(run_err, want), "hitless %s without files: synopsis, exit 2", verbs[i]);
	}
	tap_ok(run("frobnicate", NULL) == 2 && strstr(run_err, "unknown verb 'frobnicate'"), "unknown verb: exit 2");
	tap_ok(run("-j", "frobnicate", NULL) == 2 && strstr(run_out, "{\"error\":"), "unknown verb in JSON mode: JSON error");
	tap_ok(run("-f", "yaml", "diff", before, NULL) == 2 && strstr(run_err, "unknown format 'yaml'"), "unknown format: exit 2");
	tap_ok(run("diff", "--protect", "16,x", before, broken, NULL) == 2 && strstr(run_err, "bad --protect"),
	       "bad --protect: exit 2");
	tap_ok(run("diff", "/nonexistent.snap", NULL) == 2 && strstr(run_err, "No such file"), "missing file: exit 2");
	tap_ok(run("--version", NULL) == 0 && strstr(run_out, "hitless "), "--version");

	/* protected StreamIDs: recorded in the snapshots, or given on the command line */
	tap_ok(run("diff", before, broken, NULL) == 1 && strstr(run_out, "STE-BREAK"),
	       "StreamID 16 protected by the snapshots: break is a finding");
	tap_ok(run("diff", "--protect", "0:99", before, broken, NULL) == 0 && !strstr(run_out, "STE-BREAK"),
	       "--protect 0:99 replaces the list: StreamID 16's break is not a finding");
	tap_ok(run("-j", "diff", "--protect", "0x10", before, broken, NULL) == 1 && strstr(run_out, "\"STE-BREAK\""),
	       "--protect 0x10 (hex), global -j before the verb");
	tap_ok(run("diff", before, broken, "-j", NULL) == 1 && strstr(run_out, "\"verdict\":\"findings\""),
	       "options after the files (-j)");
	/* the two boots: tied when AFTER's log spans BEFORE's boot (its persistent trace), else said */
	tap_ok(run("diff", before, broken, NULL) == 1 &&
	       strstr(run_out, "boots not tied: AFTER's boot b2b2b2b2b2b2b2b2 has nothing of BEFORE's a1a1a1a1a1a1a1a1"),
	       "AFTER knows nothing of BEFORE's boot: 'boots not tied', with both boots");
	{
		struct hl_state a2, b2;

		fx_build(&a2, &b2, 1);
		VEC_PUSH(b2.boots, a2.boots.v[0]);	/* what an import of the previous kernel's trace adds */
		if (hl_snapshot_write(tied_b, &b2, err, sizeof(err))) {
			printf("Bail out! %s\n", err);
			return 1;
		}
		hl_state_free(&a2);
		hl_state_free(&b2);
	}
	tap_ok(run("-j", "diff", before, tied_b, NULL) == 1 && strstr(run_out, "\"boots_tied\":true") &&
	       !strstr(run_out, "untied_because"), "AFTER's log spans BEFORE's boot: boots_tied true");
	tap_ok(run("-j", "diff", before, broken, NULL) == 1 && strstr(run_out, "\"boots_tied\":false") &&
	       strstr(run_out, "\"untied_because\""), "... and false in JSON, with untied_because");
	/* the default protected set: the StreamIDs the logs saw a VMM attach; none: exit 7, never 0 */
	if (bare_pair(-1, 0))
		return 1;
	tap_ok(run("diff", bare_a, bare_b, NULL) == 7 && strstr(run_out, "verdict: NOTHING PROTECTED (exit 7)") &&
	       !strstr(run_out, "STE-BREAK"), "no --protect, none recorded, no VMM attach: NOTHING PROTECTED, exit 7");
	tap_ok(run("-j", "diff", bare_a, bare_b, NULL) == 7 && strstr(run_out, "\"verdict\":\"unprotected\"") &&
	       strstr(run_out, "\"exit_status\":7") && strstr(run_out, "\"protected_from\":\"none\""),
	       "... in JSON: verdict unprotected, exit_status 7");
	tap_ok(run("diff", "--protect", "16", bare_a, bare_b, NULL) == 1 && strstr(run_out, "STE-BREAK"),
	       "... with --protect 16: the break is a finding");
	tap_ok(run("-j", "diff", before, broken, NULL) == 1 && strstr(run_out, "\"protected_from\":\"snapshots\""),
	       "the snapshots' PROTECT section comes before the logs (protected_from snapshots)");
	if (bare_pair(-1, 1))
		return 1;
	tap_ok(run("-j", "diff", bare_a, bare_b, NULL) == 1 && strstr(run_out, "\"protected\":[16]") &&
	       strstr(run_out, "\"protected_from\":\"capture\""),
	       "no --protect: StreamID 16 protected by default from the new kernel's DEVICE_RESTORE of it");
	for (int src = HL_IOMMUFD_SRC_IOMMUFD; src <= HL_IOMMUFD_SRC_TYPE1; src++) {
		if (bare_pair(src, 0))
			return 1;
		tap_ok(run("-j", "diff", vmm_a, bare_b, NULL) == 1 && strstr(run_out, "\"STE-BREAK\"") &&
		       strstr(run_out, "\"protected\":[16]") && strstr(run_out, "\"protected_from\":\"capture\""),
		       "no --protect: StreamID 16 protected by default from its VMM's %s attach in the log",
		       src == HL_IOMMUFD_SRC_TYPE1 ? "VFIO type1" : "iommufd");
	}
	/* record --buffer: the ring buffer's size (a tiny one provokes loss on the rig) */
	if (run("record", "--help", NULL) == 0) {
		static const char *const bad[] = { "3K", "1K", "0", "2G", "4X", "-4K", "" };

		tap_ok(strstr(run_out, "--buffer SIZE") != NULL, "record --help documents --buffer SIZE");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			tap_ok(run("record", "--buffer", bad[i], "-o", "/dev/null", NULL) == 2 &&
			       strstr(run_err, "bad --buffer"), "record --buffer '%s': a clear error, exit 2", bad[i]);
	} else {
		printf("ok %d # SKIP record is not in this build (no BPF skeleton)\n", ++tap_n);
	}
	/* help VERB is the verb's --help; the capture verbs' arguments are checked before any capture */
	tap_ok(run("help", "record", NULL) == 0 && !strncmp(run_out, "Usage: hitless record [OPTIONS]", 31),
	       "hitless help record: record's --help, exit 0");
	tap_ok(run("help", "bogus", NULL) == 2 && strstr(run_err, "unknown verb 'bogus'"), "hitless help bogus: exit 2");
	tap_ok(run("record", "-o", "/nonexistent/x", "stray", "--verify", NULL) == 2 && strstr(run_err, "'stray'"),
	       "record -o x stray --verify: the stray argument refused (was ignored, and --verify with it), exit 2");
	tap_ok(run("record", "--budget", "many", "-o", "/nonexistent/x", NULL) == 2 && strstr(run_err, "bad --budget"),
	       "record --budget many: a clear error, exit 2 (was read as 0)");
	tap_ok(run("record", "--duration", "5x", "-o", "/nonexistent/x", NULL) == 2 && strstr(run_err, "bad --duration"),
	       "record --duration 5x: a clear error, exit 2 (was read as 5)");
	tap_ok(run("snapshot", "--verify", "-o", "/nonexistent/x", NULL) == 2 && strstr(run_err, "snapshot takes no --verify"),
	       "snapshot --verify: record's option refused, exit 2 (was accepted and ignored)");
	tap_ok(run("record", "--help", NULL) == 0 && strstr(run_out, "-q, --quiet") && strstr(run_out, "--budget N"),
	       "record --help documents -q and --budget");
	tap_ok(run("monitor", "--help", NULL) == 0 && strstr(run_out, "--pinned DIR") && strstr(run_out, "--duration SEC") &&
	       strstr(run_out, "--stop-file PATH") && strstr(run_out, "--ready-file PATH") && strstr(run_out, "--mode MODE") &&
	       strstr(run_out, "-q, --quiet"), "monitor --help documents every option it takes");
	/* monitor: every bad argument is refused before anything is loaded */
	if (run("monitor", "--help", NULL) == 0) {
		static const char *const bad[][3] = {
			{ "--interval", "0", "bad --interval" }, { "--interval", "-1", "bad --interval" },
			{ "--interval", "5s", "bad --interval" }, { "--window", "8", "bad --window" },
			{ "--window", "x", "bad --window" }, { "--protect", "8,x", "bad --protect" },
			{ "--buffer", "3K", "bad --buffer" }, { "--duration", "", "bad --duration" },
			{ "--mode", "kprobe", "--mode is auto" },
			{ "--metrics", "/nonexistent/dir/m.prom", "cannot write in /nonexistent/dir" },
			{ "--metrics-format", "json", "--metrics-format is prometheus or openmetrics" },
		};

		static const char syn[] = "Usage: hitless monitor [OPTIONS] [--protect SIDS] [--metrics FILE]";

		tap_ok(!strncmp(run_out, syn, sizeof(syn) - 1) &&
		       strstr(run_out, "--interval SEC") && strstr(run_out, "--window N"),
		       "hitless monitor --help: its synopsis, exit 0");
		tap_ok(run("help", NULL) == 0 && strstr(run_out, "hitless monitor  [OPTIONS] [--protect SIDS]"),
		       "hitless help lists monitor");
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			tap_ok(run("monitor", bad[i][0], bad[i][1], NULL) == 2 && strstr(run_err, bad[i][2]),
			       "monitor %s '%s': '%s', exit 2", bad[i][0], bad[i][1], bad[i][2]);
		tap_ok(run("monitor", "--protect", "8", "out.prom", NULL) == 2 &&
		       strstr(run_err, "monitor takes no file argument"), "monitor FILE: the metrics go to --metrics, exit 2");
		tap_ok(run("-f", "openmetrics", "monitor", NULL) == 2 && strstr(run_err, "text or JSON lines"),
		       "monitor -f openmetrics: refused (the metrics go to --metrics FILE), exit 2");
		tap_ok(run("monitor", "--bogus", NULL) == 2 && strstr(run_err, "Usage: hitless monitor"),
		       "monitor --bogus: synopsis, exit 2");
	} else {
		printf("ok %d # SKIP monitor is not in this build (no BPF skeleton)\n", ++tap_n);
	}
	hl_state_free(&a);
	hl_state_free(&b);
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "%s %s", getenv("HL_KEEP") ? "echo" : "rm -rf", dir);
		if (system(cmd)) { /* best effort */ }
	}
	return tap_done();
}
