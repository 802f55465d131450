// SPDX-License-Identifier: GPL-2.0
/*
 * Help from the option tables (userspace/main.h struct hl_opt): for hitless
 * itself and every verb of hl_verbs[], linked here with the tables the
 * binary is built from, the --help the built binary prints
 *  - lists every row of the verb's table and of the common one, once, with
 *    its argument's name and its description, and no option that is not a
 *    row (the option list: the lines "  -...");
 *  - starts with the synopsis made of the same rows in order (brackets but
 *    for a mandatory one), then the operands;
 *  - is what `hitless help VERB` prints;
 * and getopt (hl_getopt) takes every row, as the value the verb's switch
 * reads, and no option of another verb's table (snapshot: refuses record's
 * by name).  tests/unit/helpdoc.t runs it, then checks the documentation
 * against the same help.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdbool.h>
#include "tap.h"
#include "run.h"
#include "main.h"

/* whitespace runs as one space, no leading or trailing */
static void squeeze(char *d, size_t n, const char *s)
{
	size_t k = 0;

	for (; *s && k + 1 < n; s++) {
		if (isspace((unsigned char)*s)) {
			if (k && d[k - 1] != ' ')
				d[k++] = ' ';
			continue;
		}
		d[k++] = *s;
	}
	while (k && d[k - 1] == ' ')
		k--;
	d[k] = 0;
}

/* the row as the option list names it, written here from the row, not by the code under test */
static void want_term(char *b, size_t n, const struct hl_opt *r)
{
	if (r->shrt)
		snprintf(b, n, "-%c, --%s%s%s", r->val, r->name, r->arg ? " " : "", r->arg ? r->arg : "");
	else
		snprintf(b, n, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
}

static void want_item(char *b, size_t n, const struct hl_opt *r)
{
	char t[256];

	if (r->shrt)
		snprintf(t, sizeof(t), "-%c%s%s", r->val, r->arg ? " " : "", r->arg ? r->arg : "");
	else if (r->arg && r->has_arg == optional_argument)
		snprintf(t, sizeof(t), "--%s [%s]", r->name, r->arg);
	else
		snprintf(t, sizeof(t), "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
	snprintf(b, n, r->flags & HL_OPT_MANDATORY ? "%s" : "[%s]", t);
}

/* The option list of a help text: each "  -TERM  DESCRIPTION" with its continuation lines. */
struct listed {
	char term[256], desc[1024];
	bool matched;
};

static int parse_list(const char *help, struct listed *l, int max)
{
	char *dup = strdup(help), *save = NULL;
	int n = 0;

	for (char *line = strtok_r(dup, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "  -", 3) && n < max) {
			char *sp = strstr(line + 2, "  ");

			memset(&l[n], 0, sizeof(l[n]));
			snprintf(l[n].term, sizeof(l[n].term), "%.*s", sp ? (int)(sp - line - 2) : (int)strlen(line + 2),
				 line + 2);
			if (sp)
				squeeze(l[n].desc, sizeof(l[n].desc), sp);
			n++;
		} else if (n && !strncmp(line, "        ", 8) && line[strspn(line, " ")] != '[') {
			char d[2048];

			snprintf(d, sizeof(d), "%.1000s %.1000s", l[n - 1].desc, line);
			squeeze(l[n - 1].desc, sizeof(l[n - 1].desc), d);
		} else if (n) {
			break;	/* the list is one block */
		}
	}
	free(dup);
	return n;
}

static void check_rows(const char *who, const char *help, const struct hl_opt *const tabs[], int ntabs)
{
	struct listed l[128];
	int n = parse_list(help, l, 128), rows = 0, missing = 0, unknown = 0;

	for (int k = 0; k < ntabs; k++)
		for (const struct hl_opt *r = tabs[k]; r && r->name; r++) {
			char t[256], d[1024];
			int seen = 0;

			rows++;
			want_term(t, sizeof(t), r);
			squeeze(d, sizeof(d), r->help);
			for (int i = 0; i < n; i++)
				if (!strcmp(l[i].term, t) && !strcmp(l[i].desc, d)) {
					seen++;
					l[i].matched = true;
				}
			if (seen != 1) {
				tap_diag("%s: row --%s listed %d times as '%s  %s'", who, r->name, seen, t, d);
				missing++;
			}
		}
	for (int i = 0; i < n; i++)
		if (!l[i].matched) {
			tap_diag("%s: listed but no row: '%s  %s'", who, l[i].term, l[i].desc);
			unknown++;
		}
	tap_ok(!missing && rows, "%s --help lists each of the %d rows of its tables once, term and description", who, rows);
	tap_ok(!unknown && n == rows, "%s --help lists no option that is not a row (%d listed)", who, n);
}

static void check_synopsis(const struct hl_verb *vb, const char *help)
{
	char want[4096], got[4096], item[512], head[4096] = "";
	size_t len = 0;

	/* the synopsis: "Usage: ..." and the indented lines that go on with it, up to the grammar ("X := ") */
	for (const char *p = help; *p;) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl ? (size_t)(nl - p) : strlen(p);

		if (p != help && (*p != ' ' || memmem(p, ll, ":=", 2)))
			break;
		len += snprintf(head + len, sizeof(head) - len, "%.*s ", (int)ll, p);
		p = nl ? nl + 1 : p + ll;
	}
	squeeze(got, sizeof(got), head);
	len = snprintf(want, sizeof(want), "Usage: hitless %s [OPTIONS]", vb->name);
	for (const struct hl_opt *r = vb->opts; r && r->name; r++) {
		want_item(item, sizeof(item), r);
		len += snprintf(want + len, sizeof(want) - len, " %s", item);
	}
	if (vb->operands)
		snprintf(want + len, sizeof(want) - len, " %s", vb->operands);
	if (!tap_ok(!strcmp(want, got), "%s --help starts with the synopsis of its table's rows, in order", vb->name))
		tap_diag("want '%s', got '%s'", want, got);
}

static bool in(const struct hl_opt *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return true;
	return false;
}

/* getopt over the verb's tables: each row returns its value, nothing else is taken */
static void check_getopt(const struct hl_verb *vb)
{
	int bad = 0, rows = 0, others = 0, err = dup(2), null = open("/dev/null", O_WRONLY);

	opterr = 0;
	dup2(null, 2);	/* the refusals' p_err() */
	for (int k = 0; k < 2; k++)
		for (const struct hl_opt *r = k ? vb->opts : hl_common_opts; r && r->name; r++) {
			char opt[128];
			char *av[] = { (char *)vb->name, opt, (char *)"x", NULL };
			int c;

			snprintf(opt, sizeof(opt), "--%s%s", r->name, r->has_arg == optional_argument ? "=x" : "");
			optind = 0;
			c = hl_getopt(3, av, vb);
			rows++;
			if (c != r->val || (r->has_arg != no_argument && (!optarg || strcmp(optarg, "x")))) {
				tap_diag("%s %s: hl_getopt returned %d, the row says %d", vb->name, opt, c, r->val);
				bad++;
			}
			if (r->shrt) {
				snprintf(opt, sizeof(opt), "-%c", r->val);
				optind = 0;
				c = hl_getopt(r->has_arg == required_argument ? 3 : 2, av, vb);
				if (c != r->val || (r->has_arg == required_argument && (!optarg || strcmp(optarg, "x")))) {
					tap_diag("%s %s: not taken", vb->name, opt);
					bad++;
				}
			}
		}
	/* every other verb's options that are not this one's (or common): refused */
	for (const struct hl_verb *const *o = hl_verbs; *o; o++)
		for (const struct hl_opt *r = (*o)->opts; r && r->name; r++) {
			char opt[128];
			char *av[] = { (char *)vb->name, opt, (char *)"x", NULL };
			bool mine = false;
			int c;

			for (const struct hl_opt *m = vb->opts; m && m->name; m++)
				mine |= !strcmp(m->name, r->name);
			if (mine)
				continue;
			snprintf(opt, sizeof(opt), "--%s", r->name);
			optind = 0;
			c = hl_getopt(3, av, vb);
			others++;
			if (c != '?' && !(c == '!' && vb->refuses && in(vb->refuses->opts, r->name))) {
				tap_diag("%s takes %s (%s's), which its table has not (got %d)", vb->name, opt, (*o)->name, c);
				bad++;
			}
		}
	opterr = 1;
	dup2(err, 2);
	close(err);
	close(null);
	tap_ok(!bad, "%s: getopt takes each of its %d rows as the row's value, none of %d other verbs' options",
	       vb->name, rows, others);
}

/* no two rows of a verb (with the common ones) share a name or a value */
static void check_unique(const struct hl_verb *vb)
{
	const struct hl_opt *const tabs[] = { hl_common_opts, vb->opts };
	int dup = 0;

	for (int a = 0; a < 2; a++)
		for (const struct hl_opt *r = tabs[a]; r && r->name; r++)
			for (int b = a; b < 2; b++)
				for (const struct hl_opt *q = b == a ? r + 1 : tabs[b]; q && q->name; q++)
					if (!strcmp(r->name, q->name) || r->val == q->val) {
						tap_diag("%s: --%s and --%s share a name or the value %d", vb->name, r->name,
							 q->name, r->val);
						dup++;
					}
	tap_ok(!dup, "%s: no two options share a name or a value", vb->name);
}

int main(void)
{
	static char help[sizeof(run_out)];
	const struct hl_opt *const main_tabs[] = { hl_common_opts, hl_main_verb.opts };

	tap_ok(run("--help", NULL) == 0, "hitless --help: exit 0");
	check_rows("hitless", run_out, main_tabs, 2);
	check_getopt(&hl_main_verb);
	check_unique(&hl_main_verb);
	for (const struct hl_verb *const *k = hl_verbs; *k; k++) {
		const struct hl_verb *vb = *k;
		const struct hl_opt *const tabs[] = { vb->opts, hl_common_opts };
		int rc = run(vb->name, "--help", NULL);

		snprintf(help, sizeof(help), "%s", run_out);
		tap_ok(rc == 0 && !strncmp(help, "Usage: hitless ", 15), "%s --help: exit 0, on stdout", vb->name);
		check_rows(vb->name, help, tabs, 2);
		check_synopsis(vb, help);
		check_getopt(vb);
		check_unique(vb);
		tap_ok(run("help", vb->name, NULL) == 0 && !strcmp(run_out, help), "hitless help %s is %s --help",
		       vb->name, vb->name);
	}
	return tap_done();
}
