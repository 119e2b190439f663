/*
 * history.h — the SQLite history: every run, every URL's current state, and
 * one row per URL per run.
 *
 * Schema (PRAGMA user_version = 1); all times are integer milliseconds since
 * the epoch, UTC:
 *
 *   runs(id, started_at, finished_at, tool_version, args,
 *        total, ok, broken, excluded, cached)
 *   urls(id, url UNIQUE, host, first_seen, last_checked, last_status,
 *        last_reason, last_http, last_ok_at, failing_since, fail_streak,
 *        flips)                                   -- current state
 *   checks(id, url_id, run_id, checked_at, status, reason, http_status,
 *        curl_code, method, attempts, elapsed_ms, final_url,
 *        redirects -- JSON array of {"url","status"}
 *        , error)
 *   sources(url_id, file, line, title, run_id)    -- where a URL was seen,
 *        PRIMARY KEY(url_id, file, line); run_id = last run that saw it
 *
 * Only ok and broken checks change a URL's state (last_ok_at, failing_since,
 * fail_streak, flips); excluded and cached checks are recorded but leave the
 * state alone. failing_since is the checked_at of the first broken check
 * after the last ok one (NULL while ok). flips counts ok<->broken changes.
 *
 * Connection settings: WAL, synchronous=NORMAL, busy_timeout=5000,
 * foreign_keys=ON. A connection is used by one thread at a time.
 *
 * Secrets: URLs are stored as lk_redact_url() makes them, error texts too.
 */
#ifndef LINKKEEPER_HISTORY_H
#define LINKKEEPER_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/linkset.h"
#include "linkkeeper/queue.h"
#include "linkkeeper/result.h"

#define LK_HISTORY_DEFAULT_PATH ".linkkeeper/history.db"

struct lk_history;

/* Opens (creating the parent directory, the file and the schema when
 * missing, migrating an older user_version). Returns 0, or -1 with a
 * one-line message in err ("cannot open database X: …"). */
int lk_history_open(const char *path, struct lk_history **out, char *err, size_t errlen);
/* Read-only open; fails when the file does not exist. */
int lk_history_open_readonly(const char *path, struct lk_history **out, char *err,
                             size_t errlen);
void lk_history_close(struct lk_history *h);
/* The last error message of this connection. */
const char *lk_history_error(const struct lk_history *h);

struct lk_run_counts {
	size_t total, ok, broken, excluded, cached;
};

int lk_history_run_begin(struct lk_history *h, int64_t started_ms, const char *args,
                         int64_t *run_id);
int lk_history_run_end(struct lk_history *h, int64_t run_id, int64_t finished_ms,
                       const struct lk_run_counts *counts);

/* BEGIN IMMEDIATE / COMMIT around batches of lk_history_record. */
int lk_history_begin(struct lk_history *h);
int lk_history_commit(struct lk_history *h);

/* Records the check of one link in run run_id: upserts urls (updating the
 * state as described above), inserts a checks row, upserts its sources. */
int lk_history_record(struct lk_history *h, int64_t run_id, const struct lk_link *link);

/* Records one more occurrence of url, a link recorded earlier in the run
 * (a repeat in a later chunk of a large input): only the sources table
 * changes. Returns 0 or -1. */
int lk_history_add_source(struct lk_history *h, int64_t run_id, const char *url,
                          const char *file, unsigned line, const char *title);

/* A URL's current state. */
struct lk_url_state {
	int64_t first_seen, last_checked, last_ok_at, failing_since; /* 0 = NULL */
	char last_status[16];
	char last_reason[24];
	int last_http;
	int fail_streak;
	int flips;
	int nchecks;
};
/* Returns 1 and fills *st when the URL is known, 0 when not, -1 on error. */
int lk_history_url_state(struct lk_history *h, const char *url, struct lk_url_state *st);

/* One URL of the history, as lk_history_each_url hands it out (strings
 * borrowed for the call). */
struct lk_history_url {
	const char *url;         /* as the history stores it (normalised) */
	const char *title;       /* a title from sources, "" when none */
	const char *last_status; /* "ok", "broken", … ("" when never checked) */
};
typedef int (*lk_history_url_fn)(void *ctx, const struct lk_history_url *u);

/* Calls fn for every URL (ordered by URL), or only those whose latest check
 * is broken; the title is the newest run's first non-empty one. fn returns
 * 0 to go on. Returns the number of URLs handed out, or -1 on error (fn
 * stopping is not an error). */
long lk_history_each_url(struct lk_history *h, int broken_only, lk_history_url_fn fn,
                         void *ctx);

/* One check row, as lk_history_checks hands it out (strings borrowed for
 * the call; NULL where the column is NULL). */
struct lk_check_row {
	int64_t run_id;
	int64_t checked_at;
	const char *status;
	const char *reason;
	int http_status;
	int curl_code;
	const char *method;
	int attempts;
	int64_t elapsed_ms;
	const char *final_url;
	const char *redirects; /* JSON array text */
	const char *error;
};
typedef int (*lk_check_row_fn)(void *ctx, const struct lk_check_row *row);
/* Calls fn for each check of url, newest first (at most limit rows, 0 = all).
 * Returns the number of rows, or -1 on error. */
long lk_history_checks(struct lk_history *h, const char *url, size_t limit,
                       lk_check_row_fn fn, void *ctx);

/* The writer thread: the only user of its connection while it runs. It pops
 * struct lk_link pointers from a bounded queue and records them in
 * transactions of at most batch_rows rows or batch_ms milliseconds. */
struct lk_writer;
/* Takes h for the thread's lifetime (the caller must not use h until
 * lk_writer_finish returns). queue_cap bounds the hand-off queue. */
struct lk_writer *lk_writer_start(struct lk_history *h, int64_t run_id, size_t queue_cap,
                                  size_t batch_rows, long batch_ms);
/* Blocks while the queue is full. The link must stay alive and unchanged
 * until lk_writer_finish returns. */
void lk_writer_push(struct lk_writer *w, const struct lk_link *link);
/* Drains the queue, commits, joins the thread. Returns the number of rows
 * that failed to be written (0 when all is well); the first error message
 * is copied to err. */
size_t lk_writer_finish(struct lk_writer *w, char *err, size_t errlen);

#endif
