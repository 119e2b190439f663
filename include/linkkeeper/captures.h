/*
 * captures.h — the capture index: which WARC record holds which capture of
 * which URL. It lives in the history database (its own connection, so the
 * archive writer thread and the history writer thread each own one).
 *
 * Schema (created when missing, next to the history's tables; it does not
 * touch the history's user_version):
 *   warc_files(id, name UNIQUE, created_at, closed_at, bytes)
 *   captures(id, url, urlkey, ts14, warc_date, captured_at, record_type,
 *            http_status, mime, payload_digest, record_id UNIQUE,
 *            refers_to, refers_to_url, refers_to_date, file, offset,
 *            length, truncated, run_id)
 *     url: the WARC-Target-URI exactly as written (lk_warc_uri_escape'd);
 *          look URLs up in that form
 *     urlkey: lk_surt(url), as warcio.js makes it
 *     record_type: response | revisit
 *     mime: the HTTP Content-Type as warcio.js derives it
 *          (lk_cdxj_http_mime), for revisits too; a CDXJ line prints
 *          "warc/revisit" for a revisit instead
 *     refers_to: for a revisit, the record id of the original response
 *     file: the WARC file's name (relative to the archive folder)
 *     offset/length: the record's gzip member in that file
 *     captured_at: ms since the epoch; warc_date: RFC 3339 with fraction
 *   index captures(url, captured_at), captures(payload_digest, url),
 *         captures(urlkey, ts14)
 *
 * Connection: WAL, busy_timeout 5000, synchronous FULL (index commits are
 * rare — one per batch of captures — and must not outlive a power cut less
 * well than the WARC bytes they point at). A read-only connection on a
 * database that has never archived anything is fine: every lookup answers
 * "none".
 */
#ifndef LINKKEEPER_CAPTURES_H
#define LINKKEEPER_CAPTURES_H

#include <stddef.h>
#include <stdint.h>

struct lk_captures;

struct lk_capture_row {
	int64_t id;
	char *url;
	char *urlkey;
	char ts14[15];
	char warc_date[40];
	int64_t captured_at;
	char record_type[12];
	int http_status;
	char *mime;
	char *payload_digest;   /* "sha256:…" */
	char *record_id;        /* "<urn:uuid:…>" */
	char *refers_to;        /* revisits: the original's record id */
	char *refers_to_url;
	char *refers_to_date;
	char *file;
	int64_t offset;
	int64_t length;
	char *truncated;        /* NULL, "length" or "time" */
	int64_t run_id;
};

void lk_capture_row_clear(struct lk_capture_row *r);

/* Opens (read-write, creating the tables) or read-only. -1 + err. */
int lk_captures_open(const char *db_path, int readonly, struct lk_captures **out, char *err,
                     size_t errlen);
void lk_captures_close(struct lk_captures *c);
const char *lk_captures_error(const struct lk_captures *c);

int lk_captures_begin(struct lk_captures *c);
int lk_captures_commit(struct lk_captures *c);

int lk_captures_add(struct lk_captures *c, const struct lk_capture_row *row);
int lk_captures_file_opened(struct lk_captures *c, const char *name, int64_t at_ms);
int lk_captures_file_closed(struct lk_captures *c, const char *name, int64_t at_ms,
                            int64_t bytes);
/* Drops the rows of file whose record starts at or after offset (what a
 * repair cut away). Returns the number of rows dropped, or -1. */
long lk_captures_forget_after(struct lk_captures *c, const char *file, int64_t offset);
/* 1 if a record with this id is indexed, 0 if not, -1 on error. */
int lk_captures_has_record(struct lk_captures *c, const char *record_id);

/* The latest complete (not truncated) response record of url: the source
 * for deduplication. 1 found, 0 none, -1 error. Caller clears *out. */
int lk_captures_last_original(struct lk_captures *c, const char *url,
                              struct lk_capture_row *out);

/* The latest capture (response or revisit) of url at or before at_ms
 * (0 = latest). 1 found, 0 none, -1 error. Caller clears *out. */
int lk_captures_find(struct lk_captures *c, const char *url, int64_t at_ms,
                     struct lk_capture_row *out);

/* The record a revisit refers to. 1 found, 0 none, -1 error. */
int lk_captures_by_record_id(struct lk_captures *c, const char *record_id,
                             struct lk_capture_row *out);

/* Every capture, ordered by url then captured_at (for exports). fn returns
 * 0 to go on, anything else to stop; the row is borrowed for the call.
 * Returns the number of rows handed to fn, or -1 on error. */
typedef int (*lk_capture_row_fn)(void *ctx, const struct lk_capture_row *row);
long lk_captures_each(struct lk_captures *c, lk_capture_row_fn fn, void *ctx);

#endif
