/*
 * checkopts.c — parsing of the options `check` and `archive` share.
 */
#include "linkkeeper/checkopts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

enum {
	OPT_PER_HOST = 256,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRIES,
	OPT_RETRY_WAIT,
	OPT_MAX_REDIRECTS,
	OPT_ACCEPT,
	OPT_EXCLUDE,
	OPT_INCLUDE,
	OPT_EXCLUDE_PRIVATE,
	OPT_USER_AGENT,
	OPT_INSECURE,
	OPT_MAX_AGE,
	OPT_NO_PROGRESS,
	OPT_DB,
	OPT_FORMAT,
	OPT_INPUT_FORMAT,
	OPT_BASE,
	OPT_FAIL_AFTER,
	OPT_STRICT,
	OPT_ARCHIVE,
	OPT_ARCHIVE_DIR,
	OPT_MAX_PAGE_SIZE,
	OPT_WARC_MAX_SIZE,
	OPT_METHOD,
	OPT_COMPRESS_LEVEL,
	OPT_CONNECT_TO,
};

static const struct option long_opts[] = {
	{"concurrency", required_argument, NULL, 'j'},
	{"per-host", required_argument, NULL, OPT_PER_HOST},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
	{"retries", required_argument, NULL, OPT_RETRIES},
	{"retry-wait", required_argument, NULL, OPT_RETRY_WAIT},
	{"max-redirects", required_argument, NULL, OPT_MAX_REDIRECTS},
	{"accept", required_argument, NULL, OPT_ACCEPT},
	{"exclude", required_argument, NULL, OPT_EXCLUDE},
	{"include", required_argument, NULL, OPT_INCLUDE},
	{"exclude-private", no_argument, NULL, OPT_EXCLUDE_PRIVATE},
	{"user-agent", required_argument, NULL, OPT_USER_AGENT},
	{"header", required_argument, NULL, 'H'},
	{"insecure", no_argument, NULL, OPT_INSECURE},
	{"max-age", required_argument, NULL, OPT_MAX_AGE},
	{"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	{"db", required_argument, NULL, OPT_DB},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"output", required_argument, NULL, 'o'},
	{"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
	{"base", required_argument, NULL, OPT_BASE},
	{"fail-after", required_argument, NULL, OPT_FAIL_AFTER},
	{"strict", no_argument, NULL, OPT_STRICT},
	{"archive", no_argument, NULL, OPT_ARCHIVE},
	{"archive-dir", required_argument, NULL, OPT_ARCHIVE_DIR},
	{"max-page-size", required_argument, NULL, OPT_MAX_PAGE_SIZE},
	{"warc-max-size", required_argument, NULL, OPT_WARC_MAX_SIZE},
	{"method", required_argument, NULL, OPT_METHOD},
	{"compress-level", required_argument, NULL, OPT_COMPRESS_LEVEL},
	{"connect-to", required_argument, NULL, OPT_CONNECT_TO},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int parse_int(const char *name, const char *s, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi) {
		lk_cmd_error("--%s: expected a whole number from %ld to %ld, got '%s'", name, lo, hi, s);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_ms(const char *name, const char *s, int64_t *out)
{
	if (lk_parse_duration(s, out) < 0) {
		lk_cmd_error("--%s: expected a duration like 500ms, 20s, 30m, 12h or 7d, got '%s'",
		             name, s);
		return -1;
	}
	return 0;
}

/* "50M", "1G", "512K" or bytes. */
static int parse_size(const char *name, const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024 * 1024 * 1024, end++;
	if (end == s || *end || v <= 0 || v > INT64_MAX / mul) {
		lk_cmd_error("--%s: expected a size like 50M or 1G, got '%s'", name, s);
		return -1;
	}
	*out = (int64_t)v * mul;
	return 0;
}

static int add_pattern(regex_t *set, size_t *n, const char *name, const char *re)
{
	if (*n == LK_MAX_PATTERNS) {
		lk_cmd_error("--%s: at most %d patterns", name, LK_MAX_PATTERNS);
		return -1;
	}
	int rc = regcomp(&set[*n], re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[128];
		regerror(rc, &set[*n], msg, sizeof msg);
		lk_cmd_error("--%s '%s': %s", name, re, msg);
		return -1;
	}
	(*n)++;
	return 0;
}

static int parse_format(struct lk_check_opts *o, const char *s)
{
	static const struct {
		const char *name;
		enum lk_out_format f;
	} formats[] = {{"text", LK_OUT_TEXT},   {"json", LK_OUT_JSON},
	               {"github", LK_OUT_GITHUB}, {"junit", LK_OUT_JUNIT},
	               {"markdown", LK_OUT_MARKDOWN}};
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(s, formats[i].name) == 0) {
			o->format = formats[i].f;
			return 0;
		}
	lk_cmd_error("--format: unknown format '%s' (text, json, github, junit, markdown)", s);
	return -1;
}

static int parse_input_format(struct lk_check_opts *o, const char *s)
{
	if (lk_input_format_parse(s, 1, &o->extract.format) == 0)
		return 0;
	lk_cmd_error("--input-format: unknown format '%s' (text, markdown, html)", s);
	return -1;
}

/* The command line as recorded in the runs table: header values and URL
 * secrets redacted. */
static char *record_args(int argc, char **argv)
{
	struct lk_buf b = {0};
	for (int i = 0; i < argc; i++) {
		char *r;
		if (i > 0 && (strcmp(argv[i - 1], "-H") == 0 || strcmp(argv[i - 1], "--header") == 0))
			r = lk_redact_header(argv[i]);
		else if (strncmp(argv[i], "--header=", 9) == 0)
			r = lk_xstrdup("--header=REDACTED");
		else
			r = lk_redact_url(argv[i]);
		if (i)
			lk_buf_putc(&b, ' ');
		lk_buf_puts(&b, r);
		free(r);
	}
	return lk_buf_detach(&b);
}

/* HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT, IPv6 addresses in brackets. */
static int valid_connect_to(const char *s)
{
	int fields = 1;
	int in_brackets = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '[')
			in_brackets = 1;
		else if (*p == ']')
			in_brackets = 0;
		else if (*p == ':' && !in_brackets)
			fields++;
		else if ((unsigned char)*p <= ' ')
			return 0;
	}
	return fields == 4;
}

static int parse_one(struct lk_check_opts *o, int c, const char *arg, size_t *nheaders)
{
	int64_t ms;
	switch (c) {
	case 'j': return parse_int("concurrency", arg, 1, 4096, &o->engine.concurrency);
	case OPT_PER_HOST: return parse_int("per-host", arg, 1, 1024, &o->engine.per_host);
	case OPT_RETRIES: return parse_int("retries", arg, 0, 20, &o->engine.retries);
	case OPT_MAX_REDIRECTS: return parse_int("max-redirects", arg, 0, 50, &o->engine.max_redirects);
	case OPT_FAIL_AFTER: return parse_int("fail-after", arg, 1, 1000, &o->fail_after);
	case OPT_COMPRESS_LEVEL:
		return parse_int("compress-level", arg, 1, LK_WARC_MAX_LEVEL, &o->warc_level);
	case OPT_TIMEOUT:
	case OPT_CONNECT_TIMEOUT:
	case OPT_RETRY_WAIT:
		if (parse_ms(c == OPT_TIMEOUT ? "timeout" : c == OPT_RETRY_WAIT ? "retry-wait"
		                                                                 : "connect-timeout",
		             arg, &ms) < 0)
			return -1;
		if (ms <= 0 && c != OPT_RETRY_WAIT)
			return lk_cmd_error("--timeout values must be positive"), -1;
		if (ms > 3600 * 1000)
			return lk_cmd_error("timeouts longer than an hour are refused"), -1;
		if (c == OPT_TIMEOUT)
			o->engine.timeout_ms = (long)ms;
		else if (c == OPT_RETRY_WAIT)
			o->engine.retry_wait_ms = (long)ms;
		else
			o->engine.connect_timeout_ms = (long)ms;
		return 0;
	case OPT_MAX_AGE: return parse_ms("max-age", arg, &o->max_age_ms);
	case OPT_ACCEPT:
		if (lk_accept_parse(arg, &o->engine.accept) < 0)
			return lk_cmd_error("--accept: expected status ranges like 200-299,403, got '%s'",
			                    arg), -1;
		return 0;
	case OPT_EXCLUDE: return add_pattern(o->exclude, &o->nexclude, "exclude", arg);
	case OPT_INCLUDE: return add_pattern(o->include, &o->ninclude, "include", arg);
	case OPT_EXCLUDE_PRIVATE: o->engine.exclude_private = 1; return 0;
	case OPT_USER_AGENT: o->engine.user_agent = arg; return 0;
	case 'H':
		if (*nheaders == LK_MAX_HEADERS)
			return lk_cmd_error("-H: at most %d headers", LK_MAX_HEADERS), -1;
		if (!strchr(arg, ':') || strpbrk(arg, "\r\n"))
			return lk_cmd_error("-H: expected \"Name: value\""), -1;
		o->headers[(*nheaders)++] = arg;
		return 0;
	case OPT_INSECURE: o->engine.insecure = 1; return 0;
	case OPT_CONNECT_TO:
		if (o->engine.nconnect_to == LK_MAX_HEADERS)
			return lk_cmd_error("--connect-to: at most %d", LK_MAX_HEADERS), -1;
		if (!valid_connect_to(arg))
			return lk_cmd_error("--connect-to: expected HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT, "
			                    "got '%s'", arg), -1;
		o->connect_to[o->engine.nconnect_to++] = arg;
		return 0;
	case OPT_NO_PROGRESS: o->no_progress = 1; return 0;
	case OPT_DB: o->db = arg; return 0;
	case OPT_FORMAT: return parse_format(o, arg);
	case 'o': o->output = arg; return 0;
	case OPT_INPUT_FORMAT: return parse_input_format(o, arg);
	case OPT_BASE: o->extract.base_url = arg; return 0;
	case OPT_STRICT: o->strict = 1; return 0;
	case OPT_METHOD:
		if (strcmp(arg, "head") == 0)
			o->engine.get_only = 0;
		else if (strcmp(arg, "get") == 0)
			o->engine.get_only = 1;
		else
			return lk_cmd_error("--method: expected head or get, got '%s'", arg), -1;
		return 0;
	case OPT_ARCHIVE: o->archive = 1; return 0;
	case OPT_ARCHIVE_DIR: o->archive_dir = arg; return 0;
	case OPT_MAX_PAGE_SIZE: return parse_size("max-page-size", arg, &o->max_page_size);
	case OPT_WARC_MAX_SIZE: return parse_size("warc-max-size", arg, &o->warc_max_size);
	default: return -1;
	}
}

int lk_check_opts_parse(struct lk_check_opts *o, int argc, char **argv, const char *usage)
{
	memset(o, 0, sizeof *o);
	lk_engine_opts_default(&o->engine);
	o->fail_after = 1;
	o->archive_dir = ".linkkeeper/archive";
	o->max_page_size = 50LL * 1024 * 1024;
	o->warc_max_size = 1024LL * 1024 * 1024;
	size_t nheaders = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:H:o:h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return -2;
		}
		if (c == '?') {
			if (optopt)
				lk_cmd_error("unknown option '-%c' (see 'linkkeeper help %s')", optopt, argv[0]);
			else
				lk_cmd_error("unknown option '%s' (see 'linkkeeper help %s')",
				             argv[optind - 1], argv[0]);
			return -1;
		}
		if (c == ':') {
			lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		if (parse_one(o, c, optarg, &nheaders) < 0)
			return -1;
	}
	o->engine.headers = o->headers;
	o->engine.connect_to = o->connect_to;
	o->engine.nheaders = nheaders;
	if (o->engine.per_host > o->engine.concurrency)
		o->engine.per_host = o->engine.concurrency;
	o->args = record_args(argc, argv);
	if (optind >= argc) {
		lk_cmd_error("%s: no input given (a file, a directory, - for stdin, or a URL)", argv[0]);
		return -1;
	}
	return optind;
}

void lk_check_opts_free(struct lk_check_opts *o)
{
	for (size_t i = 0; i < o->nexclude; i++)
		regfree(&o->exclude[i]);
	for (size_t i = 0; i < o->ninclude; i++)
		regfree(&o->include[i]);
	free(o->args);
	o->nexclude = o->ninclude = 0;
	o->args = NULL;
}

int lk_check_opts_excluded(const struct lk_check_opts *o, const char *url)
{
	for (size_t i = 0; i < o->nexclude; i++)
		if (regexec(&o->exclude[i], url, 0, NULL, 0) == 0)
			return 1;
	if (o->ninclude == 0)
		return 0;
	for (size_t i = 0; i < o->ninclude; i++)
		if (regexec(&o->include[i], url, 0, NULL, 0) == 0)
			return 0;
	return 1;
}
