// SPDX-License-Identifier: GPL-2.0
/*
 * init for the hitless rig: PID 1 of every guest boot.
 *
 * It mounts the pseudo file systems, reads which boot this is and which
 * scenario to run from the kernel command line, and runs that scenario's
 * steps for this boot, one KTAP test line each. A scenario spans boots: a
 * `kexec` line loads the next kernel (same Image, same initramfs, retained by
 * `retain_initrd`) with hitless.boot=N+1 and reboots into it, where this init
 * starts over and runs the steps after that line. The test numbers continue
 * across boots, so the whole serial log is one KTAP document; the host
 * (scripts/rig.sh) decides pass or fail from it.
 *
 * Scenario file (/scenarios/NAME), one directive a line, '#' comments:
 *   step NAME PROGRAM [ARG...]   run PROGRAM; exit status 0 is "ok"
 *   kexec [ARG...]               load the next kernel with ARGs added to its
 *                                command line, report "ok", reboot into it
 *                                (a process that wrote its pid to
 *                                /run/kexec-notify gets SIGUSR1 first, and
 *                                up to 1 s to create /run/kexec-notify.ack)
 *   topology NAME                the rig's devices (scripts/rig.sh reads it;
 *                                nothing to run here)
 * Step output is passed on as KTAP diagnostic lines ("# ...").
 *
 * Command line: hitless.boot=N (default 1), hitless.scenario=NAME (default
 * "boot"), hitless.step_timeout=SECONDS (default 120), hitless.flavor=FLAVOR
 * (the kernel flavor scripts/rig.sh booted: patched, stock, ...; given to the
 * steps as HITLESS_FLAVOR, empty when absent).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>
#include "counter.h"

#define MAX_DIRECTIVES	256
#define MAX_ARGS	32
#define CMDLINE_MAX	4096

enum kind { STEP, KEXEC };

struct directive {
	enum kind kind;
	char *name;
	char *argv[MAX_ARGS + 1];
};

static struct directive script[MAX_DIRECTIVES];
static int nr_directives;
static char cmdline[CMDLINE_MAX];
static int boot = 1;
static const char *scenario = "boot";
static const char *flavor = "";
static const char *modules = "";	/* hitless.modules=: loaded before the scenario */
static int step_timeout = 120;

/* One write per line, so kernel messages cannot split a KTAP line. */
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		return;
}

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		say("# init: mount %s on %s: %s", type, dir, strerror(errno));
}

/*
 * What init wrote to the console has reached the tty layer, not the wire:
 * a kexec or a power-off right after it loses the lines the UART had not
 * sent yet (seen: a kexec step's "ok" line and everything after it gone
 * under load). Wait until they are out.
 */
static void console_drain(void)
{
	if (isatty(1))
		tcdrain(1);
}

static void power_off(void)
{
	console_drain();
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static void fatal(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("# init: fatal: %s", buf);
	say("Bail out! %s", buf);
	power_off();
}

static void read_cmdline(void)
{
	char *tok, *save, copy[CMDLINE_MAX];
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY);
	if (fd < 0)
		fatal("open /proc/cmdline: %s", strerror(errno));
	n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		fatal("read /proc/cmdline");
	cmdline[n] = '\0';
	if (n && cmdline[n - 1] == '\n')
		cmdline[n - 1] = '\0';

	memcpy(copy, cmdline, sizeof(copy));
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "hitless.boot=", 13))
			boot = atoi(tok + 13);
		else if (!strncmp(tok, "hitless.scenario=", 17))
			scenario = strdup(tok + 17);
		else if (!strncmp(tok, "hitless.step_timeout=", 21))
			step_timeout = atoi(tok + 21);
		else if (!strncmp(tok, "hitless.flavor=", 15))
			flavor = strdup(tok + 15);
		else if (!strncmp(tok, "hitless.modules=", 16))
			modules = strdup(tok + 16);
	}
	if (boot < 1)
		fatal("bad hitless.boot= in '%s'", cmdline);
}

/*
 * hitless.modules=A,B: load each with modprobe (busybox's, from
 * /lib/modules/RELEASE/modules.dep, their dependencies first) before the
 * scenario, as a distribution's boot loads the IOMMU driver and VFIO; one
 * the kernel has built in (/sys/module/NAME there already) is left alone.
 * A module that does not load stops the boot: every step would fail
 * for it.
 */
static void load_modules(void)
{
	char copy[CMDLINE_MAX], *tok, *save;

	snprintf(copy, sizeof(copy), "%s", modules);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char path[160];
		uint64_t t0 = hl_ktime_ns();
		int status = 0;
		pid_t pid;

		snprintf(path, sizeof(path), "/sys/module/%s", tok);
		if (!access(path, F_OK)) {
			say("# hitless: module %s: already in the kernel (built in or loaded)", tok);
			continue;
		}
		pid = fork();
		if (pid < 0)
			fatal("fork: %s", strerror(errno));
		if (!pid) {
			execl("/bin/modprobe", "modprobe", tok, (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			fatal("hitless.modules=%s: modprobe %s failed (status 0x%x)", modules, tok, status);
		say("# hitless: module %s: loaded (modprobe, %llu ms)", tok,
		    (unsigned long long)((hl_ktime_ns() - t0) / 1000000));
	}
}

static void load_scenario(void)
{
	char path[256], line[1024];
	FILE *f;
	int lineno = 0;

	snprintf(path, sizeof(path), "/scenarios/%s", scenario);
	f = fopen(path, "r");
	if (!f)
		fatal("no scenario %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct directive *d;
		char *tok, *save;
		int argc = 0;

		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		tok = strtok_r(line, " \t", &save);
		if (!tok)
			continue;
		if (nr_directives == MAX_DIRECTIVES)
			fatal("%s: more than %d directives", path, MAX_DIRECTIVES);
		d = &script[nr_directives++];
		if (!strcmp(tok, "step")) {
			d->kind = STEP;
			tok = strtok_r(NULL, " \t", &save);
			if (!tok)
				fatal("%s:%d: step without a name", path, lineno);
			d->name = strdup(tok);
		} else if (!strcmp(tok, "kexec")) {
			d->kind = KEXEC;
			d->name = "kexec";
		} else if (!strcmp(tok, "topology") || !strcmp(tok, "modules")) {
			/* the rig's devices, the modules it loads at boot (scripts/rig.sh): nothing to run */
			nr_directives--;
			continue;
		} else {
			fatal("%s:%d: unknown directive '%s'", path, lineno, tok);
		}
		while ((tok = strtok_r(NULL, " \t", &save))) {
			if (argc == MAX_ARGS)
				fatal("%s:%d: too many arguments", path, lineno);
			d->argv[argc++] = strdup(tok);
		}
		if (d->kind == STEP && !argc)
			fatal("%s:%d: step %s runs nothing", path, lineno, d->name);
	}
	fclose(f);
}

static void flush_line(char *line, size_t *len)
{
	line[*len] = '\0';
	say("# %s", line);
	*len = 0;
}

/*
 * Run argv with its output (stdout and stderr) turned into "# " lines, for at
 * most step_timeout seconds. A step may leave a daemon behind (the VMM that
 * holds its live update session across the kexec): once the step itself has
 * exited, what is already in the pipe is passed on and the daemon's later
 * output is dropped, so it cannot hold the scenario up. A step that closes
 * its output (or hands it to a daemon that does) is still waited for only
 * until the deadline: the end of its output is not the end of the step.
 * Returns the exit status, or -1 on a timeout or a signal.
 */
static int run(char *const argv[], const char *what)
{
	char buf[4096], line[1024];
	int pfd[2], status = 0;
	bool exited = false;
	int drain = 16;	/* reads allowed after the step exited */
	bool eof = false;	/* every writer closed the pipe */
	uint64_t deadline;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		fatal("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fatal("fork: %s", strerror(errno));
	if (!pid) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setsid();
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);

	deadline = hl_ktime_ns() + (uint64_t)step_timeout * 1000000000ull;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t n;

		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (!exited && hl_ktime_ns() >= deadline) {
			say("# %s: timed out after %d s, killing it", what, step_timeout);
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			exited = true;
		}
		if (eof) {
			if (exited)
				break;
			usleep(50000);
			continue;
		}
		/* Poll briefly: the step's exit is noticed by waitpid, not EOF. */
		if (poll(&p, 1, exited ? 0 : 50) <= 0) {
			if (exited)
				break;
			continue;
		}
		if (exited && !drain--)
			break;
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = true;
			continue;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				flush_line(line, &len);
				continue;
			}
			line[len++] = buf[i];
			if (len == sizeof(line) - 1)
				flush_line(line, &len);
		}
	}
	if (len)
		flush_line(line, &len);
	close(pfd[0]);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	say("# %s: killed by signal %d", what, WTERMSIG(status));
	return -1;
}

static bool has_word(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = line; (p = strstr(p, word)); p += n)
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* The next boot's command line: this one with hitless.boot=N+1 and extras. */
static void next_cmdline(char *out, size_t size, char *const extra[])
{
	char copy[CMDLINE_MAX], *tok, *save;
	size_t len = 0;

	memcpy(copy, cmdline, sizeof(copy));
	out[0] = '\0';
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strncmp(tok, "hitless.boot=", 13))
			continue;
		len += snprintf(out + len, size - len, "%s ", tok);
	}
	for (int i = 0; extra[i]; i++) {
		if (has_word(cmdline, extra[i]))
			continue;
		len += snprintf(out + len, size - len, "%s ", extra[i]);
	}
	snprintf(out + len, size - len, "hitless.boot=%d", boot + 1);
}

/* The last moment before the kexec, for a process that asked for it. */
static void notify_kexec(void)
{
	char buf[16] = "";
	int fd = open("/run/kexec-notify", O_RDONLY | O_CLOEXEC), pid, i;
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	pid = n > 0 ? atoi(buf) : 0;
	if (pid <= 1 || kill(pid, SIGUSR1)) {
		say("# kexec: /run/kexec-notify names no live process (%s)", buf);
		return;
	}
	for (i = 0; i < 1000 && access("/run/kexec-notify.ack", F_OK); i++)
		usleep(1000);
	say("# kexec: pid %d notified, %s", pid, i < 1000 ? "acknowledged" : "no answer in 1 s");
}

static int do_kexec(struct directive *d, int num)
{
	char next[CMDLINE_MAX];
	char *argv[] = { "kexec-load", "/boot/Image", "/sys/firmware/initrd", next, NULL };

	next_cmdline(next, sizeof(next), d->argv);
	if (run(argv, "kexec")) {
		say("not ok %d - kexec into boot %d", num, boot + 1);
		return -1;
	}
	say("ok %d - kexec into boot %d", num, boot + 1);
	notify_kexec();
	say("# hitless: boot %d leaves by kexec at ktime_ns=%llu cntvct=%llu", boot,
	    (unsigned long long)hl_ktime_ns(), (unsigned long long)hl_cntvct());
	sync();
	console_drain();
	reboot(RB_KEXEC);
	fatal("reboot(RB_KEXEC): %s", strerror(errno));
	return -1;
}

int main(void)
{
	int first = 0, num = 0, failed = 0, seen = 1;
	char bootstr[16];

	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	mount_one("tmpfs", "/run", "tmpfs");
	mount_one("tmpfs", "/tmp", "tmpfs");
	mount_one("debugfs", "/sys/kernel/debug", "debugfs");
	mount_one("tracefs", "/sys/kernel/tracing", "tracefs");
	mount_one("bpf", "/sys/fs/bpf", "bpf");

	read_cmdline();
	/* Errors and worse still reach the console; the rest stays in dmesg. */
	klogctl(8 /* SYSLOG_ACTION_CONSOLE_LEVEL */, NULL, 4);

	snprintf(bootstr, sizeof(bootstr), "%d", boot);
	setenv("HITLESS_BOOT", bootstr, 1);
	setenv("HITLESS_SCENARIO", scenario, 1);
	setenv("HITLESS_FLAVOR", flavor, 1);
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
	setenv("HOME", "/root", 1);

	say("# hitless: boot %d starts init at ktime_ns=%llu cntvct=%llu", boot,
	    (unsigned long long)hl_ktime_ns(), (unsigned long long)hl_cntvct());
	load_modules();
	load_scenario();

	/* This boot runs the directives after the (boot-1)-th kexec. */
	for (int i = 0; i < nr_directives && seen < boot; i++)
		if (script[i].kind == KEXEC) {
			seen++;
			first = i + 1;
		}
	if (seen < boot)
		fatal("boot %d, but scenario %s has only %d kexec lines", boot, scenario, seen - 1);
	num = first;

	if (boot == 1) {
		say("KTAP version 1");
		say("1..%d", nr_directives);
	}
	say("# boot %d: scenario %s, tests %d..%d", boot, scenario, first + 1, nr_directives);

	for (int i = first; i < nr_directives; i++) {
		struct directive *d = &script[i];
		uint64_t t0;
		int rc;

		num = i + 1;
		if (d->kind == KEXEC) {
			do_kexec(d, num);
			failed++;
			/* Without the next boot, the rest cannot run. */
			for (int j = i + 1; j < nr_directives; j++)
				say("not ok %d - %s (not run: the kexec failed)", j + 1, script[j].name);
			break;
		}
		t0 = hl_ktime_ns();
		rc = run(d->argv, d->name);
		/* where the rig's time goes: grep step-time in the rig's logs */
		say("# step-time %s %.2f s", d->name, (hl_ktime_ns() - t0) / 1e9);
		if (rc == 0) {
			say("ok %d - %s", num, d->name);
		} else {
			say("not ok %d - %s", num, d->name);
			failed++;
		}
	}
	say("# hitless: boot %d done, %d failed, powering off at cntvct=%llu", boot, failed,
	    (unsigned long long)hl_cntvct());
	power_off();
	return 0;
}
