/*
 * export.c — `linkkeeper export --wacz FILE`: the archive, or the captures
 * of the links of some documents, as a WACZ 1.1.1 package. This file finds
 * the links (extract.h, linkset.h) and hands them to wacz.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/extract.h"
#include "linkkeeper/linkset.h"
#include "linkkeeper/restore.h"
#include "linkkeeper/util.h"
#include "linkkeeper/wacz.h"

static const char export_usage[] =
	"usage: linkkeeper export --wacz FILE.wacz [--archive-dir DIR] [--db FILE]\n"
	"                         [--title TEXT] [--input-format FMT] [--base URL] [INPUT...]\n"
	"\n"
	"Writes a WACZ 1.1.1 package (a zip, stored uncompressed) that ReplayWeb.page\n"
	"and other web-archive tools open: the WARC data, its CDXJ index, the list of\n"
	"pages and a datapackage.json with the SHA-256 of every file.\n"
	"\n"
	"Without INPUT the package holds every WARC file of the archive folder and\n"
	"lists every link with a good capture as a page. With INPUT (files, folders\n"
	"or URLs, as for 'check') it holds only the captures of the links found there:\n"
	"every capture of each link, of its redirects and the record each revisit\n"
	"refers to, copied into archive/data.warc.gz.\n"
	"\n"
	"  --wacz FILE          the package to write (replaced if it exists)\n"
	"  --title TEXT         the package's title\n"
	"  --input-format FMT   text, markdown or html for INPUT (default: by extension)\n"
	"  --base URL           base of relative links in HTML INPUT\n"
	"  --db FILE            history database (default .linkkeeper/history.db)\n"
	"  --archive-dir DIR    the WARC files (default " LK_RESTORE_DEFAULT_ARCHIVE_DIR ")\n"
	"\n"
	"Exit status: 0 written; 1 no link of INPUT has a capture (nothing written);\n"
	"2 usage or runtime error.\n";

struct export_args {
	const char *wacz, *db, *archive_dir, *title;
	struct lk_extract_opts eo;
};

enum { OPT_WACZ = 256, OPT_DB, OPT_ARCHIVE_DIR, OPT_TITLE, OPT_INPUT_FORMAT, OPT_BASE };

static int parse_args(int argc, char **argv, struct export_args *a)
{
	static const struct option opts[] = {
		{"wacz", required_argument, NULL, OPT_WACZ},
		{"db", required_argument, NULL, OPT_DB},
		{"archive-dir", required_argument, NULL, OPT_ARCHIVE_DIR},
		{"title", required_argument, NULL, OPT_TITLE},
		{"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
		{"base", required_argument, NULL, OPT_BASE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_WACZ: a->wacz = optarg; break;
		case OPT_DB: a->db = optarg; break;
		case OPT_ARCHIVE_DIR: a->archive_dir = optarg; break;
		case OPT_TITLE: a->title = optarg; break;
		case OPT_INPUT_FORMAT:
			if (lk_input_format_parse(optarg, 0, &a->eo.format) != 0)
				return lk_cmd_error("--input-format: unknown format '%s'", optarg);
			break;
		case OPT_BASE: a->eo.base_url = optarg; break;
		case 'h': fputs(export_usage, stdout); return LK_EXIT_OK;
		case ':': return lk_cmd_error("option '%s' needs a value", argv[optind - 1]);
		default: return lk_cmd_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (!a->wacz)
		return lk_cmd_error("export: --wacz FILE is required (WACZ is the export format)");
	if (!a->archive_dir)
		a->archive_dir = LK_RESTORE_DEFAULT_ARCHIVE_DIR;
	return -1; /* go on */
}

/* The valid links of the inputs, with the first title each one has. The
 * strings are borrowed from set. Returns 0 or an exit status (said). */
static int links_of_inputs(int argc, char **argv, const struct export_args *a,
                           struct lk_linkset *set, struct lk_wacz_link **out, size_t *n)
{
	char err[512];
	for (int i = optind; i < argc; i++)
		if (lk_extract_path(argv[i], &a->eo, lk_linkset_add_cb, set, err, sizeof(err)) != 0)
			return lk_cmd_error("%s", err);
	*out = lk_xcalloc(set->n ? set->n : 1, sizeof(**out));
	*n = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct lk_link *l = &set->links[i];
		if (l->invalid)
			continue;
		const char *title = "";
		for (size_t k = 0; k < l->nsrc && !*title; k++)
			title = l->src[k].title ? l->src[k].title : "";
		(*out)[(*n)++] = (struct lk_wacz_link){.url = l->url, .title = title};
	}
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	struct export_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	struct lk_linkset set;
	lk_linkset_init(&set);
	struct lk_wacz_link *links = NULL;
	size_t n_links = 0;
	struct lk_wacz_opts o = {
		.db_path = lk_cmd_db_path(a.db),
		.archive_dir = a.archive_dir,
		.title = a.title,
	};
	if (optind < argc) {
		if ((rc = links_of_inputs(argc, argv, &a, &set, &links, &n_links)) != 0)
			goto out;
		if (n_links == 0) {
			fprintf(stderr, "linkkeeper: export: no links in INPUT; %s not written\n", a.wacz);
			rc = LK_EXIT_FOUND;
			goto out;
		}
		o.links = links;
		o.n_links = n_links;
	}
	struct lk_wacz_stats st;
	char err[1024];
	int w = lk_wacz_write(a.wacz, &o, &st, err, sizeof(err));
	if (w < 0) {
		rc = lk_cmd_error("export: %s", err);
		goto out;
	}
	if (w > 0) {
		fprintf(stderr, "linkkeeper: export: %s; %s not written\n", err, a.wacz);
		rc = LK_EXIT_FOUND;
		goto out;
	}
	fprintf(stderr, "export: %s: %zu pages, %zu WARC files", a.wacz, st.pages, st.warc_files);
	if (o.links)
		fprintf(stderr, " (%zu records)", st.records);
	fprintf(stderr, ", %zu index lines, %.1f KiB\n", st.index_lines, (double)st.bytes / 1024.0);
	rc = LK_EXIT_OK;
out:
	free(links);
	lk_linkset_free(&set);
	return rc;
}

const struct lk_cmd lk_cmd_export = {
	.name = "export",
	.summary = "write the archive (or some documents' links) as a WACZ package",
	.usage = export_usage,
	.exec = cmd_export,
};
