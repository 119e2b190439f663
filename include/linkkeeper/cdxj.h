/*
 * cdxj.h — CDXJ index lines exactly as `warcio cdx-index` (warcio.js 2.4.x)
 * prints them, so that ReplayWeb.page, pywb and our tests agree on them:
 *
 *   com,example)/a?b=1 20261124120000 {"url":"http://www.example.com/a?b=1",
 *     "mime":"text/html","status":"200","digest":"f530…","length":"442",
 *     "offset":"274","filename":"x.warc.gz"}                 (one line)
 *
 * urlkey (lk_surt), a space, the 14-digit timestamp, a space, then a JSON
 * object with keys in this order, each left out when it has no value: url,
 * mime, status, digest, length, offset, filename, and for non-GET requests
 * method and requestBody. status, length and offset are JSON strings; digest
 * is the payload digest without its "sha256:" label. JSON is written the
 * way JavaScript's JSON.stringify writes it: only '"', '\\' and control
 * characters are escaped; '/' and non-ASCII are not.
 *
 * Which records get a line (warcio.js CDXIndexer): not request or warcinfo,
 * not metadata/resource whose Content-Type is application/warc-fields. A
 * response or revisit adjacent to the request of the same target URI is
 * paired with it; for a non-GET request the urlkey gets warcio.js's
 * "__wb_method=…&…" query. Lines come out in file order: sort them (byte
 * order, as `LC_ALL=C sort` does) before writing an index.
 *
 * Identical to warcio.js for .warc.gz files (the only kind linkkeeper
 * writes), checked by tests/unit/test_warc.c. Known gaps: for an
 * uncompressed .warc, warcio.js's "length" depends on its parser's
 * read-ahead (it can be 2 more than header + block) and ours is header +
 * block; JSON, text/plain and multipart POST bodies are not turned into
 * query arguments as warcio.js does (see cdxj.c).
 */
#ifndef LINKKEEPER_CDXJ_H
#define LINKKEEPER_CDXJ_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/httpdecode.h"
#include "linkkeeper/util.h"

/* One line. Strings are borrowed; NULL leaves the key out. */
struct lk_cdxj_entry {
	const char *urlkey;    /* lk_surt(url); NULL prints "undefined", as warcio.js does */
	const char *timestamp; /* lk_cdxj_timestamp(WARC-Date) */
	const char *url;       /* WARC-Target-URI */
	const char *mime;      /* lk_cdxj_http_mime(), "warc/revisit", or the WARC Content-Type */
	const char *status;    /* HTTP status as text, e.g. "200" */
	const char *digest;    /* lk_cdxj_digest_value(WARC-Payload-Digest) */
	int64_t length;        /* size of the record's gzip member */
	int64_t offset;        /* file offset of that member */
	const char *filename;  /* base name of the WARC file */
	const char *method;       /* non-GET requests only */
	const char *request_body; /* non-GET requests only */
};

/* Appends the line for e, '\n' included, to out. */
void lk_cdxj_line(struct lk_buf *out, const struct lk_cdxj_entry *e);

/* The CDXJ timestamp of a WARC-Date: '-', ':' and 'T' removed, first 14
 * characters kept ("2026-11-24T12:00:00.123Z" -> "20261124120000"). */
void lk_cdxj_timestamp(const char *warc_date, char out[15]);

/* The digest value after the label ("sha256:ab12…" -> "ab12…", up to a
 * further ':'). NULL when there is no ':'. Caller frees. */
char *lk_cdxj_digest_value(const char *labelled);

/* The "mime" of an HTTP message: its Content-Type (all non-empty values
 * joined by ", ") up to the first ';', trimmed. NULL without one. Caller
 * frees. */
char *lk_cdxj_http_mime(const struct lk_http_head *h);

/* Receives each line (NUL-terminated, '\n' included, len bytes); returns 0
 * to go on, anything else to stop the indexing. */
typedef int (*lk_cdxj_line_fn)(const char *line, size_t len, void *ctx);

/* Indexes every record of a WARC file like `warcio cdx-index FILE`, calling
 * fn for each line in file order. filename is the value of the "filename"
 * key (NULL: the base name of path). Returns 0, or -1 with a message in err
 * (unreadable or corrupt file — lines before the damage were delivered — or
 * fn asked to stop). */
int lk_cdxj_index_file(const char *path, const char *filename, lk_cdxj_line_fn fn, void *ctx,
                       char *err, size_t errlen);

/* A growable list of lines; lk_cdxj_lines_add is an lk_cdxj_line_fn that
 * collects into one (pass the list as ctx). */
struct lk_cdxj_lines {
	char **v; /* owned */
	size_t n, cap;
};
int lk_cdxj_lines_add(const char *line, size_t len, void *ctx);
/* Sorts by byte value (strcmp), the order of LC_ALL=C sort. */
void lk_cdxj_lines_sort(struct lk_cdxj_lines *l);
void lk_cdxj_lines_free(struct lk_cdxj_lines *l);

#endif
