/*
 * urls.c — `linkkeeper urls`: what check would check, without checking.
 * One line per occurrence, in document order: URL<TAB>FILE:LINE<TAB>TITLE,
 * or a JSON array. URLs are normalised as check sees them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/extract.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

static const char urls_usage[] =
	"usage: linkkeeper urls [--format text|json] [--input-format FMT] [--base URL] INPUT...\n"
	"\n"
	"Prints every link found in INPUT, one line per occurrence:\n"
	"URL<TAB>FILE:LINE<TAB>TITLE. Nothing is requested.\n";

struct urls_ctx {
	int json;
	size_t count;
	struct lk_buf line;
};

static int print_one(void *ctx, const char *raw, const char *file, unsigned line, const char *title)
{
	struct urls_ctx *c = ctx;
	char err[256];
	char *norm = NULL;
	const char *url = lk_url_normalize(raw, &norm, err, sizeof err) == 0 ? norm : raw;
	char *shown = lk_redact_url(url);
	struct lk_buf *b = &c->line;
	lk_buf_reset(b);
	if (c->json) {
		lk_buf_puts(b, c->count ? ",\n {\"url\": " : "\n {\"url\": ");
		lk_buf_json_string(b, shown);
		lk_buf_puts(b, ", \"file\": ");
		lk_buf_json_string(b, file);
		lk_buf_printf(b, ", \"line\": %u, \"title\": ", line);
		lk_buf_json_string(b, title);
		lk_buf_printf(b, ", \"valid\": %s}", norm ? "true" : "false");
	} else {
		lk_buf_printf(b, "%s\t%s:%u\t", shown, file, line);
		/* Tabs and newlines inside a title would break the columns. */
		for (const char *t = title; *t; t++)
			lk_buf_putc(b, (*t == '\t' || *t == '\n' || *t == '\r') ? ' ' : *t);
		lk_buf_putc(b, '\n');
	}
	fwrite(b->data, 1, b->len, stdout);
	c->count++;
	free(shown);
	free(norm);
	return 0;
}

static int cmd_urls(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"input-format", required_argument, NULL, 'i'},
		{"base", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct lk_extract_opts eo = {0};
	struct urls_ctx ctx = {0};
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
		case 'i':
			if (lk_input_format_parse(optarg, 0, &eo.format) != 0)
				return lk_cmd_error("--input-format: unknown format '%s'", optarg);
			break;
		case 'b': eo.base_url = optarg; break;
		case 'h': fputs(urls_usage, stdout); return LK_EXIT_OK;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
		default: return lk_cmd_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return lk_cmd_error("urls: no input given");
	int rc = LK_EXIT_OK;
	char err[512];
	if (ctx.json)
		fputs("[", stdout);
	for (int i = optind; i < argc; i++) {
		if (lk_extract_path(argv[i], &eo, print_one, &ctx, err, sizeof err) != 0) {
			rc = lk_cmd_error("%s", err);
			break;
		}
	}
	if (ctx.json)
		fputs("\n]\n", stdout);
	lk_buf_free(&ctx.line);
	if (fflush(stdout) != 0)
		rc = lk_cmd_error("error writing standard output");
	return rc;
}

const struct lk_cmd lk_cmd_urls = {
	.name = "urls",
	.summary = "list the links found in the inputs, without checking them",
	.usage = urls_usage,
	.exec = cmd_urls,
};
