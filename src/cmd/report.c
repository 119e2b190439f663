/*
 * report.c — `linkkeeper report`: the history as a report for maintainers
 * and CI, in text, JSON, Markdown, HTML, JUnit or CSV. It never touches the
 * network; everything comes from the database `check` wrote (report.h
 * explains the states and the "changes since the previous run").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/report.h"
#include "linkkeeper/util.h"

static const char report_usage[] =
	"usage: linkkeeper report [--format FMT] [-o FILE] [--since WHEN] [--run ID] [--only-run]\n"
	"                         [--db FILE] [INPUT...]\n"
	"\n"
	"Reports on the links in the history (no network): each link's state (ok,\n"
	"broken, flaky, recovered, new), since when it is dead, its uptime, where it\n"
	"is used, and what changed since the previous run (newly broken, fixed,\n"
	"still broken). With INPUT (files or directories as given to check), only\n"
	"the links of those documents.\n"
	"\n"
	"  -f, --format FMT   text (default), json, markdown, html, junit, csv\n"
	"  -o, --output FILE  write to FILE instead of standard output\n"
	"      --since WHEN   only checks since WHEN count (uptime, flaky, history);\n"
	"                     a date (2026-11-01, RFC 3339) or an age (7d, 12h)\n"
	"      --run ID       report the changes of run ID instead of the latest\n"
	"      --only-run     only the links that run checked (not those since\n"
	"                     removed from the documents)\n"
	"      --db FILE      the history (default $LINKKEEPER_DB or\n"
	"                     .linkkeeper/history.db)\n"
	"\n"
	"Exit status: 0 no broken link in the report, 1 some, 2 error.\n";

struct report_opts {
	enum lk_report_format format;
	const char *output;
	const char *db;
	struct lk_report_filter filter;
};

/* --since takes a date, or an age counted back from now. */
static int parse_since(const char *s, int64_t *out)
{
	int64_t age;
	if (lk_parse_time(s, out) == 0)
		return 0;
	if (lk_parse_duration(s, &age) == 0) {
		*out = lk_now_ms() - age;
		return 0;
	}
	return lk_cmd_error("--since: expected a date (2026-11-01, 2026-11-01T12:00:00Z) "
	                    "or an age (7d, 12h), got '%s'",
	                    s);
}

static int parse_run(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return lk_cmd_error("--run: expected a run id (a positive number), got '%s'", s);
	*out = (int64_t)v;
	return 0;
}

/* Returns the index of the first INPUT, -1 after an error, -2 after --help. */
static int parse_opts(struct report_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
		{"since", required_argument, NULL, 's'},  {"run", required_argument, NULL, 'r'},
		{"db", required_argument, NULL, 'd'},     {"only-run", no_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (lk_report_format_parse(optarg, &o->format) < 0)
				return lk_cmd_error("--format: unknown format '%s' (text, json, markdown, "
				                    "html, junit, csv)",
				                    optarg),
				       -1;
			break;
		case 'o': o->output = optarg; break;
		case 's':
			if (parse_since(optarg, &o->filter.since_ms) != 0)
				return -1;
			break;
		case 'r':
			if (parse_run(optarg, &o->filter.run_id) != 0)
				return -1;
			break;
		case 'd': o->db = optarg; break;
		case 'O': o->filter.only_run = 1; break;
		case 'h': fputs(report_usage, stdout); return -2;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]), -1;
		default:
			return lk_cmd_error("unknown option '%s' (see 'linkkeeper help report')",
			                    argv[optind - 1]),
			       -1;
		}
	}
	return optind;
}

static int write_report(const struct lk_report *r, const struct report_opts *o)
{
	FILE *f = o->output ? fopen(o->output, "w") : stdout;
	if (!f)
		return lk_cmd_error("cannot write %s: %s", o->output, strerror(errno));
	int rc = lk_report_write(r, o->format, f);
	int saved = errno;
	if (o->output && fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc < 0)
		return lk_cmd_error("cannot write %s: %s", o->output ? o->output : "standard output",
		                    strerror(saved));
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	struct report_opts o = {.format = LK_REPORT_TEXT};
	int first = parse_opts(&o, argc, argv);
	if (first == -2)
		return LK_EXIT_OK;
	if (first < 0)
		return LK_EXIT_ERROR;
	o.filter.inputs = (const char *const *)(argv + first);
	o.filter.ninputs = (size_t)(argc - first);

	struct lk_report r;
	char err[512];
	if (lk_report_load(lk_cmd_db_path(o.db), &o.filter, &r, err, sizeof err) < 0)
		return lk_cmd_error("%s", err);
	int rc = write_report(&r, &o) != 0 ? LK_EXIT_ERROR
	         : r.nfailing               ? LK_EXIT_FOUND
	                                    : LK_EXIT_OK;
	lk_report_free(&r);
	return rc;
}

const struct lk_cmd lk_cmd_report = {
	.name = "report",
	.summary = "report on the history: dead links, changes, uptime (no network)",
	.usage = report_usage,
	.exec = cmd_report,
};
