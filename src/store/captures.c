/*
 * captures.c — the capture index of captures.h: which WARC record holds
 * which capture, in the history database.
 *
 * Why here and not in the WARC files alone: deduplication asks "what was
 * the last complete capture of this URL?" once per capture, and replay asks
 * "which record is the capture of URL at time T?"; both must be index
 * lookups, not file scans. The WARC files stay the source of truth: the
 * archiver commits rows only after the records they point at are synced,
 * and a killed run's records are indexed again from the file (archiver.c).
 *
 * How: one sqlite3 connection per struct lk_captures (one thread at a time,
 * so opened NOMUTEX), its statements prepared on first use and kept. The
 * tables are created with IF NOT EXISTS in one transaction: they sit next to
 * the history's tables and are not part of its user_version migrations, so
 * either side may create the file first.
 */
#include "linkkeeper/captures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "linkkeeper/util.h"

#include "sql.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS warc_files ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  closed_at INTEGER,"
	"  bytes INTEGER);"
	"CREATE TABLE IF NOT EXISTS captures ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL,"
	"  urlkey TEXT NOT NULL,"
	"  ts14 TEXT NOT NULL,"
	"  warc_date TEXT NOT NULL,"
	"  captured_at INTEGER NOT NULL,"
	"  record_type TEXT NOT NULL,"
	"  http_status INTEGER,"
	"  mime TEXT,"
	"  payload_digest TEXT,"
	"  record_id TEXT NOT NULL UNIQUE,"
	"  refers_to TEXT,"
	"  refers_to_url TEXT,"
	"  refers_to_date TEXT,"
	"  file TEXT NOT NULL,"
	"  offset INTEGER NOT NULL,"
	"  length INTEGER NOT NULL,"
	"  truncated TEXT,"
	"  run_id INTEGER);"
	"CREATE INDEX IF NOT EXISTS captures_url_time ON captures(url, captured_at);"
	"CREATE INDEX IF NOT EXISTS captures_digest ON captures(payload_digest, url);"
	"CREATE INDEX IF NOT EXISTS captures_key ON captures(urlkey, ts14);";

/* Every column of a row, in struct lk_capture_row order (read_row). */
#define ROW_COLUMNS                                                                         \
	"id, url, urlkey, ts14, warc_date, captured_at, record_type, http_status, mime,"       \
	" payload_digest, record_id, refers_to, refers_to_url, refers_to_date, file, offset," \
	" length, truncated, run_id"

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ADD,
	ST_FILE_OPENED,
	ST_FILE_CLOSED,
	ST_FORGET,
	ST_HAS_RECORD,
	ST_LAST_ORIGINAL,
	ST_FIND_LATEST,
	ST_FIND_AT,
	ST_BY_RECORD_ID,
	ST_EACH,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ADD] = "INSERT INTO captures(url, urlkey, ts14, warc_date, captured_at, record_type,"
	           " http_status, mime, payload_digest, record_id, refers_to, refers_to_url,"
	           " refers_to_date, file, offset, length, truncated, run_id)"
	           " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	           " ?17, ?18)",
	/* A repaired file is "opened" again: keep its first created_at. */
	[ST_FILE_OPENED] = "INSERT INTO warc_files(name, created_at) VALUES(?1, ?2)"
	                   " ON CONFLICT(name) DO NOTHING",
	[ST_FILE_CLOSED] = "INSERT INTO warc_files(name, created_at, closed_at, bytes)"
	                   " VALUES(?1, ?2, ?2, ?3)"
	                   " ON CONFLICT(name) DO UPDATE SET closed_at = excluded.closed_at,"
	                   " bytes = excluded.bytes",
	[ST_FORGET] = "DELETE FROM captures WHERE file = ?1 AND offset >= ?2",
	[ST_HAS_RECORD] = "SELECT 1 FROM captures WHERE record_id = ?1",
	[ST_LAST_ORIGINAL] = "SELECT " ROW_COLUMNS " FROM captures"
	                     " WHERE url = ?1 AND record_type = 'response' AND truncated IS NULL"
	                     " ORDER BY captured_at DESC, id DESC LIMIT 1",
	[ST_FIND_LATEST] = "SELECT " ROW_COLUMNS " FROM captures WHERE url = ?1"
	                   " ORDER BY captured_at DESC, id DESC LIMIT 1",
	[ST_FIND_AT] = "SELECT " ROW_COLUMNS " FROM captures WHERE url = ?1 AND captured_at <= ?2"
	               " ORDER BY captured_at DESC, id DESC LIMIT 1",
	[ST_BY_RECORD_ID] = "SELECT " ROW_COLUMNS " FROM captures WHERE record_id = ?1",
	[ST_EACH] = "SELECT " ROW_COLUMNS " FROM captures ORDER BY url, captured_at, id",
};

struct lk_captures {
	sqlite3 *db;
	int absent; /* read-only on a database without the tables: nothing to find */
	sqlite3_stmt *stmt[ST_COUNT];
	char err[512];
};

/* Thin wrappers over sql.h that read c->db and write c->err. */

static void set_db_err(struct lk_captures *c, const char *what)
{
	lk_sql_set_db_err(c->err, sizeof c->err, c->db, what);
}

static sqlite3_stmt *stmt_get(struct lk_captures *c, enum stmt_id id)
{
	return lk_sql_prepared_err(c->db, &c->stmt[id], stmt_sql[id], c->err, sizeof c->err);
}

static int stmt_done(struct lk_captures *c, sqlite3_stmt *st, const char *what)
{
	return lk_sql_step_done_err(st, what, c->err, sizeof c->err);
}

static int exec(struct lk_captures *c, const char *sql)
{
	return lk_sql_exec(c->db, sql, c->err, sizeof c->err);
}

/* ---- opening ------------------------------------------------------------ */

static int create_schema(struct lk_captures *c)
{
	if (exec(c, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (exec(c, schema_sql) < 0) {
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(c, "COMMIT");
}

/* 1 when the captures table exists, 0 when not, -1 on error. */
static int has_table(struct lk_captures *c)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(c->db,
	                       "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'captures'",
	                       -1, &st, NULL) != SQLITE_OK) {
		set_db_err(c, "schema");
		return -1;
	}
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = 1;
	else if (step == SQLITE_DONE)
		rc = 0;
	else
		set_db_err(c, "schema");
	sqlite3_finalize(st);
	return rc;
}

static int open_rw(struct lk_captures *c, const char *path)
{
	if (lk_sql_open(path, 0, &c->db, c->err, sizeof c->err) < 0)
		return -1;
	/* busy_timeout first: the others may already need a lock. */
	if (exec(c, "PRAGMA busy_timeout = 5000;"
	            "PRAGMA journal_mode = WAL;"
	            "PRAGMA synchronous = FULL;") < 0)
		return -1;
	return create_schema(c);
}

static int open_ro(struct lk_captures *c, const char *path)
{
	if (lk_sql_open(path, 1, &c->db, c->err, sizeof c->err) < 0)
		return -1;
	if (exec(c, "PRAGMA busy_timeout = 5000;") < 0)
		return -1;
	int t = has_table(c);
	if (t < 0)
		return -1;
	c->absent = t == 0;
	return 0;
}

int lk_captures_open(const char *db_path, int readonly, struct lk_captures **out, char *err,
                     size_t errlen)
{
	struct lk_captures *c = lk_xcalloc(1, sizeof *c);
	int rc = readonly ? open_ro(c, db_path) : open_rw(c, db_path);
	if (rc == 0) {
		*out = c;
		return 0;
	}
	if (err && errlen)
		snprintf(err, errlen, "cannot open capture index %s: %s", db_path, c->err);
	lk_captures_close(c);
	*out = NULL;
	return -1;
}

void lk_captures_close(struct lk_captures *c)
{
	if (!c)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	free(c);
}

const char *lk_captures_error(const struct lk_captures *c)
{
	return c ? c->err : "no capture index";
}

/* ---- writing ------------------------------------------------------------ */

int lk_captures_begin(struct lk_captures *c)
{
	sqlite3_stmt *st = stmt_get(c, ST_BEGIN);
	return st ? stmt_done(c, st, "cannot begin transaction") : -1;
}

/* A failed COMMIT leaves the transaction open: roll it back so the next
 * batch can still begin. The caller reports the lost rows. */
int lk_captures_commit(struct lk_captures *c)
{
	sqlite3_stmt *st = stmt_get(c, ST_COMMIT);
	if (st && stmt_done(c, st, "cannot commit") == 0)
		return 0;
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int lk_captures_add(struct lk_captures *c, const struct lk_capture_row *r)
{
	sqlite3_stmt *st = stmt_get(c, ST_ADD);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, r->url);
	lk_sql_bind_text(st, 2, r->urlkey);
	lk_sql_bind_text(st, 3, r->ts14);
	lk_sql_bind_text(st, 4, r->warc_date);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->captured_at);
	lk_sql_bind_text(st, 6, r->record_type);
	if (r->http_status)
		sqlite3_bind_int(st, 7, r->http_status);
	lk_sql_bind_text(st, 8, r->mime);
	lk_sql_bind_text(st, 9, r->payload_digest);
	lk_sql_bind_text(st, 10, r->record_id);
	lk_sql_bind_text(st, 11, r->refers_to);
	lk_sql_bind_text(st, 12, r->refers_to_url);
	lk_sql_bind_text(st, 13, r->refers_to_date);
	lk_sql_bind_text(st, 14, r->file);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)r->offset);
	sqlite3_bind_int64(st, 16, (sqlite3_int64)r->length);
	lk_sql_bind_text(st, 17, r->truncated);
	if (r->run_id)
		sqlite3_bind_int64(st, 18, (sqlite3_int64)r->run_id);
	return stmt_done(c, st, "cannot add capture");
}

int lk_captures_file_opened(struct lk_captures *c, const char *name, int64_t at_ms)
{
	sqlite3_stmt *st = stmt_get(c, ST_FILE_OPENED);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at_ms);
	return stmt_done(c, st, "cannot record WARC file");
}

int lk_captures_file_closed(struct lk_captures *c, const char *name, int64_t at_ms,
                            int64_t bytes)
{
	sqlite3_stmt *st = stmt_get(c, ST_FILE_CLOSED);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)at_ms);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)bytes);
	return stmt_done(c, st, "cannot record WARC file");
}

long lk_captures_forget_after(struct lk_captures *c, const char *file, int64_t offset)
{
	sqlite3_stmt *st = stmt_get(c, ST_FORGET);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, file);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)offset);
	if (stmt_done(c, st, "cannot drop captures") < 0)
		return -1;
	return (long)sqlite3_changes(c->db);
}

/* ---- reading ------------------------------------------------------------ */

void lk_capture_row_clear(struct lk_capture_row *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->urlkey);
	free(r->mime);
	free(r->payload_digest);
	free(r->record_id);
	free(r->refers_to);
	free(r->refers_to_url);
	free(r->refers_to_date);
	free(r->file);
	free(r->truncated);
	memset(r, 0, sizeof *r);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? lk_xstrdup((const char *)s) : NULL;
}

/* The current row of a ROW_COLUMNS statement into out (cleared first). */
static void read_row(sqlite3_stmt *st, struct lk_capture_row *out)
{
	memset(out, 0, sizeof *out);
	out->id = (int64_t)sqlite3_column_int64(st, 0);
	out->url = col_dup(st, 1);
	out->urlkey = col_dup(st, 2);
	lk_sql_column_copy(st, 3, out->ts14, sizeof out->ts14);
	lk_sql_column_copy(st, 4, out->warc_date, sizeof out->warc_date);
	out->captured_at = (int64_t)sqlite3_column_int64(st, 5);
	lk_sql_column_copy(st, 6, out->record_type, sizeof out->record_type);
	out->http_status = sqlite3_column_int(st, 7);
	out->mime = col_dup(st, 8);
	out->payload_digest = col_dup(st, 9);
	out->record_id = col_dup(st, 10);
	out->refers_to = col_dup(st, 11);
	out->refers_to_url = col_dup(st, 12);
	out->refers_to_date = col_dup(st, 13);
	out->file = col_dup(st, 14);
	out->offset = (int64_t)sqlite3_column_int64(st, 15);
	out->length = (int64_t)sqlite3_column_int64(st, 16);
	out->truncated = col_dup(st, 17);
	out->run_id = (int64_t)sqlite3_column_int64(st, 18);
}

/* Steps a bound single-row query: 1 and *out filled, 0 none, -1 error. */
static int one_row(struct lk_captures *c, sqlite3_stmt *st, struct lk_capture_row *out)
{
	int rc = sqlite3_step(st);
	int ret;
	if (rc == SQLITE_ROW) {
		if (out)
			read_row(st, out);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		set_db_err(c, "capture lookup");
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

int lk_captures_has_record(struct lk_captures *c, const char *record_id)
{
	if (c->absent)
		return 0;
	sqlite3_stmt *st = stmt_get(c, ST_HAS_RECORD);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, record_id);
	return one_row(c, st, NULL);
}

int lk_captures_last_original(struct lk_captures *c, const char *url,
                              struct lk_capture_row *out)
{
	if (c->absent)
		return 0;
	sqlite3_stmt *st = stmt_get(c, ST_LAST_ORIGINAL);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, url);
	return one_row(c, st, out);
}

int lk_captures_find(struct lk_captures *c, const char *url, int64_t at_ms,
                     struct lk_capture_row *out)
{
	if (c->absent)
		return 0;
	sqlite3_stmt *st = stmt_get(c, at_ms > 0 ? ST_FIND_AT : ST_FIND_LATEST);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, url);
	if (at_ms > 0)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)at_ms);
	return one_row(c, st, out);
}

int lk_captures_by_record_id(struct lk_captures *c, const char *record_id,
                             struct lk_capture_row *out)
{
	if (c->absent)
		return 0;
	sqlite3_stmt *st = stmt_get(c, ST_BY_RECORD_ID);
	if (!st)
		return -1;
	lk_sql_bind_text(st, 1, record_id);
	return one_row(c, st, out);
}

long lk_captures_each(struct lk_captures *c, lk_capture_row_fn fn, void *ctx)
{
	if (c->absent)
		return 0;
	sqlite3_stmt *st = stmt_get(c, ST_EACH);
	if (!st)
		return -1;
	long n = 0;
	int rc;
	struct lk_capture_row row;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_row(st, &row);
		int stop = fn(ctx, &row);
		lk_capture_row_clear(&row);
		n++;
		if (stop)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_db_err(c, "capture listing");
		n = -1;
	}
	sqlite3_reset(st);
	return n;
}
