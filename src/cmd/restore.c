/*
 * restore.c — `linkkeeper restore`: a page back out of the archive, as it
 * was served; or, with --dead, every dead link's last good copy in a folder
 * with an index.html. The work is in restore.h; this file parses options and
 * writes the result.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/cmd.h"
#include "linkkeeper/restore.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

static const char restore_usage[] =
	"usage: linkkeeper restore URL [--at TIME] [-o FILE] [--headers] [--no-follow]\n"
	"                          [--db FILE] [--archive-dir DIR]\n"
	"       linkkeeper restore --dead -d DIR [--db FILE] [--archive-dir DIR]\n"
	"\n"
	"Prints the page of URL's latest capture (at or before TIME) exactly as it was\n"
	"served: chunked transfer and gzip/deflate content coding undone. A revisit\n"
	"record is replaced by the capture it refers to. A captured redirect is\n"
	"followed through the archive to the page it led to (up to 10 hops, each the\n"
	"capture of the same visit).\n"
	"\n"
	"  --at TIME            2026-11-25 (that whole day), 2026-11-25T20:35:22Z or\n"
	"                       20261125203522 (that whole second, as in 'cdx')\n"
	"  -o, --output FILE    write the page to FILE instead of standard output\n"
	"  --headers            print the HTTP status line and headers first\n"
	"  --no-follow          print a captured redirect itself\n"
	"  --dead               every link whose latest check is broken and that has\n"
	"                       a good (2xx) capture, written into the folder of -d\n"
	"  -d, --dir DIR        that folder: one file per page (names made from host\n"
	"                       and path, never outside DIR) and index.html\n"
	"  --db FILE            history database (default .linkkeeper/history.db)\n"
	"  --archive-dir DIR    the WARC files (default " LK_RESTORE_DEFAULT_ARCHIVE_DIR ")\n"
	"\n"
	"Exit status: 0 restored; 1 no capture of URL (with --dead: some dead link has\n"
	"no good capture); 2 usage or runtime error (missing database, unreadable WARC).\n";

struct restore_args {
	const char *db, *archive_dir, *output, *dir, *at;
	int headers, no_follow, dead;
};

enum { OPT_AT = 256, OPT_HEADERS, OPT_NO_FOLLOW, OPT_DEAD, OPT_DB, OPT_ARCHIVE_DIR };

static int parse_args(int argc, char **argv, struct restore_args *a)
{
	static const struct option opts[] = {
		{"at", required_argument, NULL, OPT_AT},
		{"output", required_argument, NULL, 'o'},
		{"headers", no_argument, NULL, OPT_HEADERS},
		{"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
		{"dead", no_argument, NULL, OPT_DEAD},
		{"dir", required_argument, NULL, 'd'},
		{"db", required_argument, NULL, OPT_DB},
		{"archive-dir", required_argument, NULL, OPT_ARCHIVE_DIR},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:d:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_AT: a->at = optarg; break;
		case 'o': a->output = optarg; break;
		case OPT_HEADERS: a->headers = 1; break;
		case OPT_NO_FOLLOW: a->no_follow = 1; break;
		case OPT_DEAD: a->dead = 1; break;
		case 'd': a->dir = optarg; break;
		case OPT_DB: a->db = optarg; break;
		case OPT_ARCHIVE_DIR: a->archive_dir = optarg; break;
		case 'h': fputs(restore_usage, stdout); return LK_EXIT_OK;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
		default: return lk_cmd_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->archive_dir)
		a->archive_dir = LK_RESTORE_DEFAULT_ARCHIVE_DIR;
	return -1; /* go on */
}

/* Says on stderr what the caller should know about a page it got. */
static void warn_page(const struct lk_restored *r)
{
	const struct lk_capture_row *page = lk_restored_page(r);
	if (page->http_status < 200 || page->http_status > 299)
		fprintf(stderr, "linkkeeper: warning: the capture of %s (%s) is an HTTP %d response\n",
		        page->url, page->warc_date, page->http_status);
	if (r->truncated) {
		int timed = page->truncated && strcmp(page->truncated, "time") == 0;
		fprintf(stderr, "linkkeeper: warning: the capture of %s was cut at the %s limit\n",
		        page->url, timed ? "time" : "size");
	}
	if (r->flags & LK_HTTP_BODY_TRUNCATED)
		fprintf(stderr, "linkkeeper: warning: the decoded page was cut at %zu bytes\n",
		        (size_t)LK_RESTORE_MAX_BODY);
	else if (r->flags)
		fprintf(stderr, "linkkeeper: warning: the body of %s did not decode cleanly; "
		                "it is printed as far as it could be decoded\n",
		        page->url);
}

static int write_page(const struct restore_args *a, const struct lk_restored *r)
{
	FILE *out = a->output ? fopen(a->output, "wb") : stdout;
	if (!out)
		return lk_cmd_error("cannot write %s: %s", a->output, strerror(errno));
	if (a->headers)
		fwrite(r->raw_head.data, 1, r->raw_head.len, out);
	fwrite(r->body.data, 1, r->body.len, out);
	int bad = ferror(out);
	if (out != stdout)
		bad |= fclose(out) != 0;
	else
		bad |= fflush(out) != 0;
	if (bad)
		return lk_cmd_error("error writing %s", a->output ? a->output : "standard output");
	return LK_EXIT_OK;
}

static int restore_url(const struct restore_args *a, const char *arg)
{
	struct lk_restore_opts o = {.no_follow = a->no_follow};
	if (a->at && lk_restore_parse_at(a->at, &o.at_ms) != 0)
		return lk_cmd_error("--at: cannot read the time '%s' (2026-11-25, "
		                    "2026-11-25T20:35:22Z or 20261125203522)",
		                    a->at);
	char err[1024], nerr[256];
	char *url = NULL;
	/* Captures are stored under the normalised URL. */
	if (lk_url_normalize(arg, &url, nerr, sizeof(nerr)) != 0)
		url = lk_xstrdup(arg);
	struct lk_captures *c = NULL;
	struct lk_restored r = {0};
	int rc = LK_EXIT_ERROR;
	if (lk_captures_open(lk_cmd_db_path(a->db), 1, &c, err, sizeof(err)) != 0) {
		lk_cmd_error("%s", err);
		goto out;
	}
	int found = lk_restore_find(c, a->archive_dir, url, &o, &r, err, sizeof(err));
	if (found < 0) {
		lk_cmd_error("%s", err);
		goto out;
	}
	if (found == 0) {
		/* Say why when it is more than "none at all". */
		if (strncmp(err, "no capture of ", 14) == 0 && strcmp(err + 14, r.url) == 0)
			fprintf(stderr, "linkkeeper: no capture of %s\n", url);
		else
			fprintf(stderr, "linkkeeper: no capture of %s (%s)\n", url, err);
		rc = LK_EXIT_FOUND;
		goto out;
	}
	warn_page(&r);
	rc = write_page(a, &r);
out:
	lk_restored_free(&r);
	lk_captures_close(c);
	free(url);
	return rc;
}

static int restore_dead(const struct restore_args *a)
{
	struct lk_restore_dead_stats st;
	char err[1024];
	int rc = lk_restore_dead(lk_cmd_db_path(a->db), a->archive_dir, a->dir, &st, err,
	                         sizeof(err));
	fprintf(stderr, "restore: %zu of %zu dead links restored into %s", st.restored, st.dead,
	        a->dir);
	if (st.no_capture)
		fprintf(stderr, " (%zu without a good capture)", st.no_capture);
	fputc('\n', stderr);
	if (rc != 0)
		return lk_cmd_error("%s", err);
	return st.no_capture ? LK_EXIT_FOUND : LK_EXIT_OK;
}

static int cmd_restore(int argc, char **argv)
{
	struct restore_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.dead) {
		if (optind != argc)
			return lk_cmd_error("restore --dead takes no URL");
		if (!a.dir)
			return lk_cmd_error("restore --dead needs -d DIR");
		if (a.at || a.output || a.headers || a.no_follow)
			return lk_cmd_error("restore --dead takes only -d, --db and --archive-dir");
		return restore_dead(&a);
	}
	if (a.dir)
		return lk_cmd_error("-d DIR goes with --dead");
	if (optind + 1 != argc)
		return lk_cmd_error("restore: expected exactly one URL (see 'linkkeeper help restore')");
	return restore_url(&a, argv[optind]);
}

const struct lk_cmd lk_cmd_restore = {
	.name = "restore",
	.summary = "print a page as it was captured, or save every dead link's copy",
	.usage = restore_usage,
	.exec = cmd_restore,
};
