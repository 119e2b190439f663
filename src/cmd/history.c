/*
 * history.c — `linkkeeper history URL`: one URL's checks, newest first.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/history.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

static const char history_usage[] =
	"usage: linkkeeper history URL [--format text|json] [--limit N] [--db FILE]\n"
	"\n"
	"Prints every recorded check of URL, newest first, with its current state:\n"
	"when it was last ok, since when it fails. Exit 1 when URL was never checked.\n";

struct hist_ctx {
	int json;
	size_t n;
	struct lk_buf b;
};

static void put_time(struct lk_buf *b, int64_t ms)
{
	char when[32];
	if (!ms) {
		lk_buf_puts(b, "null");
		return;
	}
	lk_format_time(ms, 0, when);
	lk_buf_json_string(b, when);
}

static int on_row(void *ctx, const struct lk_check_row *r)
{
	struct hist_ctx *c = ctx;
	struct lk_buf *b = &c->b;
	char when[32];
	lk_format_time(r->checked_at, 0, when);
	if (!c->json) {
		lk_buf_printf(b, "%s  %-8s %-18s", when, r->status ? r->status : "?",
		              r->reason && *r->reason ? r->reason : "-");
		if (r->http_status)
			lk_buf_printf(b, " %d", r->http_status);
		lk_buf_printf(b, "  %s %d attempt(s) %lld ms", r->method ? r->method : "-", r->attempts,
		              (long long)r->elapsed_ms);
		if (r->error)
			lk_buf_printf(b, "  %s", r->error);
		lk_buf_putc(b, '\n');
		c->n++;
		return 0;
	}
	lk_buf_puts(b, c->n ? ",\n  {\"checked_at\": " : "\n  {\"checked_at\": ");
	lk_buf_json_string(b, when);
	lk_buf_printf(b, ", \"run_id\": %lld, \"status\": ", (long long)r->run_id);
	lk_buf_json_string(b, r->status);
	lk_buf_puts(b, ", \"reason\": ");
	lk_buf_json_string(b, r->reason && *r->reason ? r->reason : NULL);
	if (r->http_status)
		lk_buf_printf(b, ", \"http_status\": %d", r->http_status);
	else
		lk_buf_puts(b, ", \"http_status\": null");
	lk_buf_printf(b, ", \"curl_code\": %d, \"method\": ", r->curl_code);
	lk_buf_json_string(b, r->method);
	lk_buf_printf(b, ", \"attempts\": %d, \"elapsed_ms\": %lld, \"final_url\": ", r->attempts,
	              (long long)r->elapsed_ms);
	lk_buf_json_string(b, r->final_url);
	lk_buf_puts(b, ", \"redirects\": ");
	lk_buf_puts(b, r->redirects && *r->redirects ? r->redirects : "[]");
	lk_buf_puts(b, ", \"error\": ");
	lk_buf_json_string(b, r->error);
	lk_buf_putc(b, '}');
	c->n++;
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"db", required_argument, NULL, 'd'},
		{"limit", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hist_ctx ctx = {0};
	const char *db = NULL;
	long limit = 0;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				ctx.json = 1;
			else if (strcmp(optarg, "text") != 0)
				return lk_cmd_error("--format: unknown format '%s' (text, json)", optarg);
			break;
		case 'd': db = optarg; break;
		case 'l':
			limit = strtol(optarg, NULL, 10);
			if (limit <= 0)
				return lk_cmd_error("--limit: expected a positive number");
			break;
		case 'h': fputs(history_usage, stdout); return LK_EXIT_OK;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
		default: return lk_cmd_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return lk_cmd_error("history: expected exactly one URL");

	char err[512];
	char *url = NULL;
	if (lk_url_normalize(argv[optind], &url, err, sizeof err) < 0)
		url = lk_xstrdup(argv[optind]);
	struct lk_history *h = NULL;
	int rc = LK_EXIT_ERROR;
	if (lk_history_open_readonly(lk_cmd_db_path(db), &h, err, sizeof err) < 0) {
		lk_cmd_error("%s", err);
		goto out;
	}
	struct lk_url_state st;
	int known = lk_history_url_state(h, url, &st);
	if (known < 0) {
		lk_cmd_error("%s", lk_history_error(h));
		goto out;
	}
	char *shown = lk_redact_url(url);
	if (ctx.json) {
		lk_buf_puts(&ctx.b, "{\"url\": ");
		lk_buf_json_string(&ctx.b, shown);
		if (known) {
			lk_buf_puts(&ctx.b, ", \"first_seen\": ");
			put_time(&ctx.b, st.first_seen);
			lk_buf_puts(&ctx.b, ", \"last_ok\": ");
			put_time(&ctx.b, st.last_ok_at);
			lk_buf_puts(&ctx.b, ", \"dead_since\": ");
			put_time(&ctx.b, st.failing_since);
			lk_buf_printf(&ctx.b, ", \"consecutive_failures\": %d", st.fail_streak);
		}
		lk_buf_puts(&ctx.b, ", \"checks\": [");
	} else if (known) {
		char a[32], d[32];
		lk_format_time(st.last_ok_at, 0, a);
		lk_format_time(st.failing_since, 0, d);
		lk_buf_printf(&ctx.b, "%s\n  last ok: %s\n", shown, st.last_ok_at ? a : "never");
		if (st.failing_since)
			lk_buf_printf(&ctx.b, "  dead since: %s (%d failing check(s) in a row)\n", d,
			              st.fail_streak);
		lk_buf_putc(&ctx.b, '\n');
	}
	free(shown);
	if (known && lk_history_checks(h, url, (size_t)limit, on_row, &ctx) < 0) {
		lk_cmd_error("%s", lk_history_error(h));
		goto out;
	}
	if (ctx.json)
		lk_buf_puts(&ctx.b, ctx.n ? "\n]}\n" : "]}\n");
	fwrite(ctx.b.data ? ctx.b.data : "", 1, ctx.b.len, stdout);
	if (!known) {
		fprintf(stderr, "linkkeeper: no check of %s in the history\n", argv[optind]);
		rc = LK_EXIT_FOUND;
	} else {
		rc = LK_EXIT_OK;
	}
out:
	if (h)
		lk_history_close(h);
	lk_buf_free(&ctx.b);
	free(url);
	return rc;
}

const struct lk_cmd lk_cmd_history = {
	.name = "history",
	.summary = "show every recorded check of one URL",
	.usage = history_usage,
	.exec = cmd_history,
};
