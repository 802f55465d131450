// SPDX-License-Identifier: GPL-2.0
/*
 * What the verbs share: the common options, the values of options more
 * than one verb takes, stopping on a signal, loading a snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "main.h"
#include "snapshot.h"
#include "verdict.h"

const char *hl_protect_source = "none";

/* The options of every verb, before or after it. */
const struct hl_opt hl_common_opts[] = {
	HL_OPT("json", no_argument, 'j', true, NULL, "JSON output (-f json)"),
	HL_OPT("pretty", no_argument, 'p', true, NULL, "JSON output, indented"),
	HL_OPT("format", required_argument, 'f', true, "FORMAT", "the output form (FORMAT above; default text)"),
	HL_OPT("verbose", no_argument, 'v', true, NULL, "more detail (the verb says which; the capture: libbpf's log)"),
	HL_OPT("help", no_argument, 'h', true, NULL, "this help, on stdout"),
	{ 0 }
};

static bool in_table(const struct hl_opt *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return true;
	return false;
}

#define HL_REFUSED	0x1000	/* + the index of a refused option in the getopt table */

int hl_getopt(int argc, char **argv, const struct hl_verb *vb)
{
	static const struct hl_verb *built;
	static struct option lo[96];
	static char so[2 * 96];
	int c;

	if (built != vb) {
		const struct hl_opt *tabs[3] = { hl_common_opts, vb->opts, vb->refuses ? vb->refuses->opts : NULL };
		char *p = so;
		size_t n = 0;

		/* the main verb stops at its first operand, the verb ("+") */
		if (vb == &hl_main_verb)
			*p++ = '+';
		for (int k = 0; k < 3; k++)
			for (const struct hl_opt *r = tabs[k]; r && r->name; r++) {
				if (k == 2 && in_table(vb->opts, r->name))
					continue;	/* the refusing verb's own */
				if (n + 1 >= sizeof(lo) / sizeof(lo[0]))
					abort();
				lo[n] = (struct option){ r->name, r->has_arg, NULL, k == 2 ? HL_REFUSED + (int)n : r->val };
				n++;
				if (r->shrt && k < 2) {
					*p++ = (char)r->val;
					if (r->has_arg != no_argument)
						*p++ = ':';
					if (r->has_arg == optional_argument)
						*p++ = ':';
				}
			}
		lo[n] = (struct option){ 0 };
		*p = 0;
		built = vb;
	}
	c = getopt_long(argc, argv, so, lo, NULL);
	if (c >= HL_REFUSED) {
		p_err("%s takes no --%s (%s's)", vb->name, lo[c - HL_REFUSED].name, vb->refuses->name);
		return '!';
	}
	return c;
}

/* The option as the synopsis and the list name it: "-o FILE", "--pinned [DIR]", "--sid SID[,SID]". */
static int term(char *b, size_t n, const struct hl_opt *r, bool syn)
{
	const char *arg = r->arg ? r->arg : "";
	const char *sep = !r->arg ? "" : r->has_arg == optional_argument && syn ? " [" : " ";
	const char *end = r->arg && r->has_arg == optional_argument && syn ? "]" : "";

	if (r->shrt && syn)
		return snprintf(b, n, "-%c%s%s%s", r->val, sep, arg, end);
	if (r->shrt)
		return snprintf(b, n, "-%c, --%s%s%s%s", r->val, r->name, sep, arg, end);
	return snprintf(b, n, "--%s%s%s%s", r->name, sep, arg, end);
}

#define SYN_WIDTH 100
#define LIST_WIDTH 80
#define LIST_COL 24	/* where an option's description starts */

void hl_synopsis(FILE *f, const struct hl_verb *vb, const char *prefix, int indent)
{
	char item[256];
	int col = fprintf(f, "%s[OPTIONS]", prefix);

	for (const struct hl_opt *r = vb->opts; ; r++) {
		int n;

		if (r->name) {
			char t[200];

			term(t, sizeof(t), r, true);
			n = snprintf(item, sizeof(item), r->flags & HL_OPT_MANDATORY ? "%s" : "[%s]", t);
		} else if (vb->operands) {
			n = snprintf(item, sizeof(item), "%s", vb->operands);
		} else {
			break;
		}
		if (col + 1 + n > SYN_WIDTH)
			col = fprintf(f, "\n%*s%s", indent, "", item) - 1;
		else
			col += fprintf(f, " %s", item);
		if (!r->name)
			break;
	}
	fputc('\n', f);
}

/*
 * Words of s wrapped to LIST_WIDTH from column col (the first line goes on
 * from where the term ended); a continuation line never starts with '-', so
 * that it cannot be read as another option (docs/man/mkman, the completion).
 */
static void wrap(FILE *f, const char *s, int col)
{
	int at = col;
	bool first = true;

	while (*s) {
		const char *w = s, *e;
		int len;

		while (*w == ' ')
			w++;
		if (!*w)
			break;
		/* a word, with the words starting with '-' that follow it */
		e = w;
		do {
			e += strcspn(e, " ");
			if (e[0] == ' ' && e[1] == '-')
				e++;
			else
				break;
		} while (1);
		len = (int)(e - w);
		if (!first && at + 1 + len > LIST_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
			first = true;
		}
		at += fprintf(f, "%s%.*s", first ? "" : " ", len, w);
		first = false;
		s = e;
	}
	fputc('\n', f);
}

void hl_opt_list(FILE *f, const struct hl_opt *tab)
{
	for (const struct hl_opt *r = tab; r && r->name; r++) {
		char t[200];
		int n = term(t, sizeof(t), r, false);

		if (n + 2 + 2 > LIST_COL)
			fprintf(f, "  %s\n%*s", t, LIST_COL, "");
		else
			fprintf(f, "  %-*s", LIST_COL - 2, t);
		wrap(f, r->help, LIST_COL);
	}
}

void hl_common_grammar(FILE *f)
{
	const char *sep = "";

	fprintf(f, "       OPTIONS := { ");
	for (const struct hl_opt *r = hl_common_opts; r->name; r++) {
		if (r->val == 'h')
			continue;	/* the help is not an output option */
		fprintf(f, "%s-%c|--%s%s%s", sep, r->val, r->name, r->arg ? " " : "", r->arg ? r->arg : "");
		sep = " | ";
	}
	fprintf(f, " }\n");
}

void hl_usage(FILE *f, const struct hl_verb *vb)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "Usage: hitless %s ", vb->name);
	hl_synopsis(f, vb, prefix, (int)strlen(prefix));
	hl_common_grammar(f);
	fputs(vb->grammar ? vb->grammar : "", f);
	fputs(vb->about ? vb->about : "", f);
	hl_opt_list(f, vb->opts);
	hl_opt_list(f, hl_common_opts);
	fputs(vb->tail ? vb->tail : "", f);
}

int hl_common_opt(int c, const char *arg)
{
	switch (c) {
	case 'j':
		env.format = FMT_JSON;
		return 1;
	case 'p':
		env.format = FMT_JSON;
		env.pretty = true;
		return 1;
	case 'f':
		if (hl_parse_format(arg, &env.format)) {
			p_err("unknown format '%s': text, json, prometheus, openmetrics, chrome, junit or html", arg);
			return -1;
		}
		return 1;
	case 'v':
		env.verbose = true;
		return 1;
	case 'h':
		return 2;
	}
	return 0;
}

int hl_load(const char *path, struct hl_state *s)
{
	char err[512];

	if (hl_snapshot_read(path, s, err, sizeof(err))) {
		p_err("%s", err);
		return -1;
	}
	return 0;
}

/* qsort() order of protected entries: by StreamID, then SMMU */
static int by_sid(const void *pa, const void *pb)
{
	const struct hl_protect_disk *a = pa, *b = pb;

	if (a->sid != b->sid)
		return a->sid < b->sid ? -1 : 1;
	return (a->smmu > b->smmu) - (a->smmu < b->smmu);
}

/* --protect's PCI addresses (0000:04:01.0), resolved once the logs are read */
static VEC(char *) protect_devs;

static bool is_pci_addr(const char *s)
{
	unsigned d, b, sl, f;
	int len = 0;

	return sscanf(s, "%4x:%2x:%2x.%1x%n", &d, &b, &sl, &f, &len) == 4 && !s[len];
}

/*
 * A device's StreamIDs, from the driver's attach records that name it (every
 * StreamID of its master: its aliases too), into prot; -1 after p_err when
 * no log names it.
 */
static int protect_device(const char *dev, const struct hl_state *a, const struct hl_state *b,
			  struct hl_state *prot)
{
	bool found = false;

	for (int k = 0; k < 2; k++) {
		const struct hl_state *s = k ? b : a;

		for (size_t i = 0; s && i < s->events.n; i++) {
			const struct hl_record *r = &s->events.v[i];

			if (r->hdr.kind != HL_K_ATTACH ||
			    strncmp(r->attach.dev, dev, sizeof(r->attach.dev)))
				continue;
			for (u32 j = 0; j < r->attach.nsids && j < HL_MAX_ATTACH_SIDS; j++) {
				struct hl_protect_disk p = { .smmu = r->attach.smmu, .sid = r->attach.sids[j] };

				if (!hl_protected(prot->protect.v, prot->protect.n, p.smmu, p.sid))
					VEC_PUSH(prot->protect, p);
				found = true;
			}
		}
	}
	if (!found)
		p_err("--protect %s: no log names that device (no attach of it was captured): give its StreamIDs", dev);
	return found ? 0 : -1;
}

int hl_load_pair(char **paths, int n, struct hl_state *a, struct hl_state *b,
		 struct hl_state *prot)
{
	if (hl_load(paths[0], a))
		return -1;
	if (n == 2 && hl_load(paths[1], b)) {
		hl_state_free(a);
		return -1;
	}
	int rc = 0;

	for (size_t i = 0; i < protect_devs.n; i++) {
		if (!rc)
			rc = protect_device(protect_devs.v[i], a, n == 2 ? b : NULL, prot);
		free(protect_devs.v[i]);
	}
	free(protect_devs.v);
	protect_devs.v = NULL;
	protect_devs.n = protect_devs.cap = 0;
	if (rc) {
		hl_state_free(a);
		if (n == 2)
			hl_state_free(b);
		return -1;
	}
	/*
	 * protected StreamIDs: the command line's, else what the snapshots
	 * recorded, else every one the logs saw a VMM take (docs/rules.md
	 * "Protection": the default protected set)
	 */
	hl_protect_source = prot->protect.n ? "command line" : "none";
	if (!prot->protect.n) {
		for (size_t i = 0; i < a->protect.n; i++)
			VEC_PUSH(prot->protect, a->protect.v[i]);
		for (size_t i = 0; n == 2 && i < b->protect.n; i++)
			if (!hl_protected(prot->protect.v, prot->protect.n, b->protect.v[i].smmu,
					  b->protect.v[i].sid))
				VEC_PUSH(prot->protect, b->protect.v[i]);
		if (prot->protect.n)
			hl_protect_source = "snapshots";
	}
	if (!prot->protect.n) {
		hl_protect_default(a, prot);
		if (n == 2)
			hl_protect_default(b, prot);
		if (prot->protect.n)
			hl_protect_source = "capture";
		/* a set: listed by StreamID, not in the order the VMMs took them */
		if (prot->protect.n > 1)
			qsort(prot->protect.v, prot->protect.n, sizeof(prot->protect.v[0]), by_sid);
	}
	return 0;
}

/* --protect of a pair verb: StreamIDs (hl_parse_protect) and PCI addresses. */
static int parse_protect(const char *arg, struct hl_state *prot)
{
	char *dup = strdup(arg), *save = NULL, *tok;
	int rc = 0;

	if (!dup)
		return -ENOMEM;
	for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		if (is_pci_addr(tok)) {
			char *d = strdup(tok);

			if (!d) {
				rc = -ENOMEM;
				break;
			}
			VEC_PUSH(protect_devs, d);
		} else {
			rc = hl_parse_protect(tok, prot);
		}
	}
	free(dup);
	return rc;
}

int hl_pair_verb_args(int argc, char **argv, const struct hl_verb *vb, struct hl_state *a,
		      struct hl_state *b, struct hl_state *prot)
{
	int c, rc, n;

	hl_state_init(prot);
	optind = 0;	/* glibc: full re-initialisation for the verb's argv */
	while ((c = hl_getopt(argc, argv, vb)) != -1) {
		rc = hl_common_opt(c, optarg);
		if (rc < 0)
			goto bad;
		if (rc == 2) {
			hl_usage(stdout, vb);
			hl_state_free(prot);
			return 0;
		}
		if (rc)
			continue;
		if (c == 'P' && !parse_protect(optarg, prot))
			continue;
		if (c == 'P')
			p_err("bad --protect '%s': expected WHAT[,WHAT] with WHAT := [SMMU:]StreamID or a PCI address (0000:00:01.0)", optarg);
		else
			hl_usage(stderr, vb);
		goto bad;
	}
	n = argc - optind;
	if (n < 1 || n > 2) {
		hl_usage(stderr, vb);
		goto bad;
	}
	if (hl_load_pair(argv + optind, n, a, b, prot))
		goto bad;
	return n;
bad:
	hl_state_free(prot);
	return -1;
}

/* A positive number of seconds, or -1 after p_err. */
double hl_parse_seconds(const char *opt, const char *arg)
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

/* --buffer: N (MiB), NK or NM; a power of 2, a page to 1 GiB (the BPF ring buffer's limits). 0 if not. */
static unsigned long buffer_bytes(const char *arg)
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

unsigned long hl_parse_buffer(const char *arg)
{
	unsigned long n = buffer_bytes(arg);

	if (!n)
		p_err("bad --buffer '%s': the ring buffer's size, N (MiB), NK or NM, a power of 2 from a page (%ld bytes) to 1 GiB",
		      arg, sysconf(_SC_PAGESIZE));
	return n;
}

int hl_parse_count(const char *opt, const char *arg, unsigned long long min, unsigned long long max,
		   unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || *arg == '-' || *v < min || *v > max) {
		p_err("bad %s '%s': a number from %llu to %llu", opt, arg, min, max);
		return -1;
	}
	return 0;
}

int hl_parse_mode(const char *arg)
{
	if (strcmp(arg, "auto") && strcmp(arg, "fentry") && strcmp(arg, "tracepoint")) {
		p_err("--mode is auto, fentry or tracepoint, not '%s'", arg);
		return -1;
	}
	return 0;
}

volatile sig_atomic_t hl_stop;

static void on_stop(int sig)
{
	(void)sig;
	hl_stop = 1;
}

void hl_catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void hl_touch(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}
