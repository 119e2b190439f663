/*
 * restore.h — getting pages back out of the archive: the capture of a URL at
 * a time, its redirect chain followed, a revisit replaced by the record it
 * refers to, the body decoded as the browser saw it; and the safe way to put
 * such pages into a folder (restore --dead).
 *
 * Finding a page (lk_restore_find):
 *   1. the latest capture of the URL at or before the time (captures.h
 *      stores URLs as written in WARC-Target-URI, so the URL is looked up
 *      through lk_warc_uri_escape);
 *   2. redirects: a 3xx capture with a Location header is followed to the
 *      capture of its target (resolved, normalised, escaped) taken in the
 *      same capture event: the latest one no later than
 *      LK_RESTORE_HOP_WINDOW_MS after the redirect and not older than the
 *      redirect itself (1 s of clock slack). Up to LK_RESTORE_MAX_HOPS hops;
 *      a longer chain is "no capture". The engine archives every hop under
 *      its own URL, which is why this walk exists;
 *   3. a revisit (identical payload) takes its body from the response its
 *      WARC-Refers-To names (lk_captures_by_record_id), its status line and
 *      headers from its own record (what the server said that time);
 *   4. the body: chunk framing removed, gzip/deflate content coding undone
 *      (httpdecode.h).
 * Every record read is checked against the index (same WARC-Record-ID at
 * the indexed offset), so a stale index gives an error, not the wrong page.
 *
 * Safe file names (lk_restore_safe_name) come from host + path + query of
 * the URL: bytes outside [A-Za-z0-9._-] become '_', no name starts with '.'
 * or '-' or holds "..", a '/' can never survive, and the name ends in
 * "-<10 hex digits of sha256(url)>" plus an extension from the MIME type,
 * at most LK_RESTORE_NAME_MAX bytes in all. lk_restore_write_at writes only
 * such names, relative to an open directory, through a fresh O_EXCL |
 * O_NOFOLLOW temporary renamed into place: a symlink planted in the folder
 * is replaced, never followed.
 */
#ifndef LINKKEEPER_RESTORE_H
#define LINKKEEPER_RESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/history.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

/* Where `linkkeeper archive` writes its WARC files unless told otherwise. */
#define LK_RESTORE_DEFAULT_ARCHIVE_DIR ".linkkeeper/archive"

#define LK_RESTORE_MAX_HOPS 10
#define LK_RESTORE_HOP_WINDOW_MS (10 * 60 * 1000)
/* Bounds on what one restore reads: a record's block, a decoded body. */
#define LK_RESTORE_MAX_BLOCK ((size_t)1 << 30)
#define LK_RESTORE_MAX_BODY ((size_t)1 << 30)
/* Longest name lk_restore_safe_name makes (bytes, NUL not counted). */
#define LK_RESTORE_NAME_MAX 120

/* The end of the span a TIME argument names: "2026-11-25" is that whole
 * day, "20261125203522" and "2026-11-25T20:35:22Z" that whole second, a
 * time with a fraction that millisecond. So the 14-digit timestamp of a
 * CDXJ line finds its capture. Returns 0 and *out_ms, or -1. */
int lk_restore_parse_at(const char *s, int64_t *out_ms);

struct lk_restore_opts {
	int64_t at_ms;     /* latest capture at or before this; 0 = the latest */
	int no_follow;     /* 1: a redirect capture is the page itself */
	int want_ok;       /* 1: step back past captures whose page is not 2xx */
	int head_only;     /* 1: find and check the records, decode nothing */
	size_t max_body;   /* decoded body cap; 0 = LK_RESTORE_MAX_BODY */
};

/* A page found. Rows are owned; free with lk_restored_free. */
struct lk_restored {
	char *url;                    /* the URL looked up, as stored (escaped) */
	struct lk_capture_row *chain; /* chain[0]: the capture of url; then one per
	                                 redirect hop; chain[n_chain-1]: the page */
	size_t n_chain;
	/* For a revisit page: the response its body comes from. Zeroed (id 0)
	 * when the page is a response. */
	struct lk_capture_row original;
	struct lk_buf raw_head;       /* the page's status line + headers as received */
	struct lk_http_head head;     /* the same, parsed */
	struct lk_buf body;           /* the decoded body (empty with head_only) */
	unsigned flags;               /* LK_HTTP_BODY_* from decoding */
	int truncated;                /* 1: the stored body was cut when captured */
};

/* The page's row (the last of the chain). */
const struct lk_capture_row *lk_restored_page(const struct lk_restored *r);
void lk_restored_free(struct lk_restored *r);

/* Finds the page of url (as given: it is escaped here, not normalised).
 * Returns 1 and fills *out; 0 when there is no (usable) capture, with the
 * reason in err; -1 on an error (database, missing or damaged WARC file,
 * index pointing at the wrong record), message in err. On 0 without
 * want_ok, out->chain keeps the captures walked before the chain broke (a
 * hop without a capture, too many hops). out is safe to free in every
 * case. */
int lk_restore_find(struct lk_captures *c, const char *archive_dir, const char *url,
                    const struct lk_restore_opts *o, struct lk_restored *out, char *err,
                    size_t errlen);

/* archive_dir + "/" + file for a capture row's file, or NULL when file is
 * not a plain relative path (absolute, or with a ".." component): the index
 * never sends a reader outside the archive folder. Caller frees. */
char *lk_restore_warc_path(const char *archive_dir, const char *file);

/* The names of the closed WARC files (*.warc.gz, not hidden; ".open" files
 * are still being written) in archive_dir, sorted. Returns 0 with *names
 * (caller frees each and the array) and *n, or -1 with the reason in err. */
int lk_restore_list_warcs(const char *archive_dir, char ***names, size_t *n, char *err,
                          size_t errlen);

/* Reads the record row points at (max_block bytes of its block at most)
 * and checks its WARC-Record-ID. Returns 0, or -1 with a message in err. */
int lk_restore_read_capture(const char *archive_dir, const struct lk_capture_row *row,
                            size_t max_block, struct lk_warc_record *rec, char *err,
                            size_t errlen);

/* ---- safe names and files ---------------------------------------------- */

/* ".html", ".pdf", ".txt", … for a MIME type (parameters ignored, any
 * case); ".bin" for NULL or an unknown type. Borrowed static string. */
const char *lk_restore_ext_for_mime(const char *mime);

/* Writes the safe name of url (see the top of this file) to out, which
 * must hold LK_RESTORE_NAME_MAX + 1 bytes. Returns 0, or -1 when outlen is
 * smaller. */
int lk_restore_safe_name(const char *url, const char *mime, char *out, size_t outlen);

/* 1 when name is one lk_restore_safe_name could make: 1..NAME_MAX bytes of
 * [A-Za-z0-9._-], not starting with '.' or '-', no "..". */
int lk_restore_name_ok(const char *name);

/* Writes data as dirfd/name (name must pass lk_restore_name_ok): a new
 * temporary opened O_CREAT | O_EXCL | O_NOFOLLOW, then renamed over name
 * (renaming replaces a symlink, it does not follow it). Returns 0, or -1
 * with a message in err. */
int lk_restore_write_at(int dirfd, const char *name, const void *data, size_t len, char *err,
                        size_t errlen);

/* ---- links from the history ---------------------------------------------- */

/* lk_history_each_url over the history database at db_path, opened
 * read-only for the call. Returns the number of links, or -1 with a
 * message in err. */
long lk_restore_each_link(const char *db_path, int broken_only, lk_history_url_fn fn,
                          void *ctx, char *err, size_t errlen);

/* ---- restore --dead ------------------------------------------------------ */

struct lk_restore_dead_stats {
	size_t dead;       /* links whose latest check is broken */
	size_t restored;   /* pages written */
	size_t no_capture; /* dead links without a usable (2xx) capture */
};

/* Writes the last good (2xx) capture of every dead link under dir (created
 * when missing) with a safe name, and dir/index.html listing title, URL,
 * capture date and a relative link to each copy. Returns 0, or -1 with a
 * message in err (pages written before the error stay). */
int lk_restore_dead(const char *db_path, const char *archive_dir, const char *dir,
                    struct lk_restore_dead_stats *st, char *err, size_t errlen);

#endif
