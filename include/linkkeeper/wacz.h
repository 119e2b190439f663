/*
 * wacz.h — WACZ 1.1.1 packages of the archive, for ReplayWeb.page and other
 * web-archive tools (archiving.md §3, §8.7).
 *
 * A package is a zip written with libarchive in STORE mode (no member is
 * compressed, so a CDXJ offset plus the member's offset in the zip is a
 * gzip member a reader can fetch with one range request):
 *
 *   archive/NAME.warc.gz       the WARC data
 *   indexes/index.cdxj         CDXJ of those files (cdxj.h), sorted, with
 *                              offsets into the packaged files
 *   pages/pages.jsonl          {"format": "json-pages-1.0", …} then one
 *                              line per live (2xx) top-level page: id, url,
 *                              ts (RFC 3339), title when known
 *   datapackage.json           profile "data-package", wacz_version
 *                              "1.1.1", created, software, and resources:
 *                              name, path, "sha256:…" hash, bytes of every
 *                              file above
 *   datapackage-digest.json    {"path": "datapackage.json", "hash": …}
 *
 * Two scopes:
 *  - the whole archive (links == NULL): every closed WARC file of the
 *    archive folder, copied whole under its own name; the pages are the
 *    history's links whose last good capture has a 2xx page;
 *  - some links (the links of some documents): every capture of each link,
 *    the captures of its redirect hops and the original of every revisit,
 *    copied byte for byte (gzip members as they are) into
 *    archive/data.warc.gz after a fresh warcinfo record.
 *
 * The package is built in a temporary folder next to the output and
 * renamed into place at the end: a failed export leaves no partial .wacz.
 */
#ifndef LINKKEEPER_WACZ_H
#define LINKKEEPER_WACZ_H

#include <stddef.h>
#include <stdint.h>

#define LK_WACZ_VERSION "1.1.1"
/* Captures of one link a package takes at most (newest first). */
#define LK_WACZ_MAX_CAPTURES_PER_LINK 10000

/* A link to package; strings borrowed for the call. */
struct lk_wacz_link {
	const char *url;   /* normalised (lk_url_normalize) */
	const char *title; /* for pages.jsonl; NULL or "" when unknown */
};

struct lk_wacz_opts {
	const char *db_path;     /* the history database with the capture index */
	const char *archive_dir; /* the WARC files the index points into */
	const struct lk_wacz_link *links; /* NULL: the whole archive */
	size_t n_links;
	const char *title;       /* datapackage "title"; NULL: a default */
	int64_t now_ms;          /* "created"; 0 = now */
};

struct lk_wacz_stats {
	size_t warc_files;  /* WARC files in the package */
	size_t records;     /* records copied into data.warc.gz (links scope) */
	size_t index_lines; /* lines of indexes/index.cdxj */
	size_t pages;       /* pages in pages/pages.jsonl */
	uint64_t bytes;     /* size of the .wacz file */
};

/* Writes the package to path (replacing it). Returns 0; 1 when links were
 * given and none of them has a capture (nothing is written; err says so);
 * -1 with a message in err. */
int lk_wacz_write(const char *path, const struct lk_wacz_opts *o, struct lk_wacz_stats *st,
                  char *err, size_t errlen);

#endif
