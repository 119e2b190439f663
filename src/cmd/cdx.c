/*
 * cdx.c — `linkkeeper cdx`: the CDXJ index of the archive's WARC files,
 * sorted, line for line what `warcio cdx-index FILES | LC_ALL=C sort`
 * prints (cdxj.h does the indexing; this file picks the files).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/cmd.h"
#include "linkkeeper/restore.h"
#include "linkkeeper/util.h"

static const char cdx_usage[] =
	"usage: linkkeeper cdx [--archive-dir DIR] [FILE.warc.gz ...]\n"
	"\n"
	"Prints the CDXJ index of every WARC file in the archive folder (or of the\n"
	"files given), sorted as 'LC_ALL=C sort' sorts: the same lines 'warcio\n"
	"cdx-index' prints, for pywb, ReplayWeb.page or a look at what was captured.\n"
	"Files still being written (*.warc.gz.open) are left out.\n"
	"\n"
	"  --archive-dir DIR    the WARC files (default " LK_RESTORE_DEFAULT_ARCHIVE_DIR ")\n";

struct file_list {
	char **v;
	size_t n;
};

static void list_add(struct file_list *l, char *path)
{
	l->v = lk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = path;
}

static void list_free(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The closed WARC files of dir, as paths, sorted by name. Returns 0 or -1
 * (said). */
static int list_archive(const char *dir, struct file_list *l)
{
	char err[512], **names;
	size_t n;
	if (lk_restore_list_warcs(dir, &names, &n, err, sizeof err) != 0) {
		lk_cmd_error("%s", err);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		list_add(l, lk_xasprintf("%s/%s", dir, names[i]));
		free(names[i]);
	}
	free(names);
	return 0;
}

static int print_index(const struct file_list *files)
{
	struct lk_cdxj_lines lines = {0};
	char err[512];
	int rc = LK_EXIT_OK;
	for (size_t i = 0; i < files->n; i++) {
		if (lk_cdxj_index_file(files->v[i], NULL, lk_cdxj_lines_add, &lines, err,
		                       sizeof(err)) != 0) {
			rc = lk_cmd_error("%s", err);
			goto out;
		}
	}
	lk_cdxj_lines_sort(&lines);
	for (size_t i = 0; i < lines.n; i++)
		fputs(lines.v[i], stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = lk_cmd_error("error writing standard output");
out:
	lk_cdxj_lines_free(&lines);
	return rc;
}

static int cmd_cdx(int argc, char **argv)
{
	static const struct option opts[] = {
		{"archive-dir", required_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = LK_RESTORE_DEFAULT_ARCHIVE_DIR;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': dir = optarg; break;
		case 'h': fputs(cdx_usage, stdout); return LK_EXIT_OK;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
		default: return lk_cmd_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	struct file_list files = {0};
	int rc = LK_EXIT_ERROR;
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			list_add(&files, lk_xstrdup(argv[i]));
	} else if (list_archive(dir, &files) != 0) {
		goto out;
	}
	rc = print_index(&files);
out:
	list_free(&files);
	return rc;
}

const struct lk_cmd lk_cmd_cdx = {
	.name = "cdx",
	.summary = "print the sorted CDXJ index of the archive's WARC files",
	.usage = cdx_usage,
	.exec = cmd_cdx,
};
