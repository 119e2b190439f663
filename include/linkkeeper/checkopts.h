/*
 * checkopts.h — the options shared by `check` and `archive`, parsed from
 * one table (curl's tool keeps its options in one place too).
 */
#ifndef LINKKEEPER_CHECKOPTS_H
#define LINKKEEPER_CHECKOPTS_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/engine.h"
#include "linkkeeper/extract.h"

#define LK_MAX_PATTERNS 64
#define LK_MAX_HEADERS 64

enum lk_out_format {
	LK_OUT_TEXT,
	LK_OUT_JSON,
	LK_OUT_GITHUB,
	LK_OUT_JUNIT,
	LK_OUT_MARKDOWN,
};

struct lk_check_opts {
	struct lk_engine_opts engine;
	struct lk_extract_opts extract;
	enum lk_out_format format;
	const char *output;      /* -o FILE, NULL = stdout */
	const char *db;          /* --db, NULL = $LINKKEEPER_DB or the default */
	int64_t max_age_ms;      /* --max-age, 0 = off */
	int fail_after;          /* --fail-after N, default 1 */
	int strict;              /* --strict */
	int no_progress;
	regex_t exclude[LK_MAX_PATTERNS];
	size_t nexclude;
	regex_t include[LK_MAX_PATTERNS];
	size_t ninclude;
	const char *headers[LK_MAX_HEADERS];
	const char *connect_to[LK_MAX_HEADERS];
	/* archiving (archive, or check --archive) */
	int archive;
	const char *archive_dir; /* default .linkkeeper/archive */
	int64_t max_page_size;   /* default 50 MiB */
	int64_t warc_max_size;   /* default 1 GiB */
	int warc_level;          /* --compress-level, 0 = zlib's default */
	/* the command line, for the runs table (secrets redacted) */
	char *args;
};

/* Parses argv (argv[0] is the subcommand). On success returns the index of
 * the first INPUT; on error prints one "linkkeeper: …" line and returns -1;
 * for --help prints usage and returns -2. */
int lk_check_opts_parse(struct lk_check_opts *o, int argc, char **argv, const char *usage);
void lk_check_opts_free(struct lk_check_opts *o);

/* 1 when the URL is excluded by --exclude/--include. */
int lk_check_opts_excluded(const struct lk_check_opts *o, const char *url);

#endif
