/*
 * history.c — the SQLite history of history.h: opening and migrating the
 * database, recording checks, and reading a URL's state and past checks.
 *
 * How it works:
 *  - One struct lk_history wraps one sqlite3 connection (opened NOMUTEX: the
 *    header's contract is one thread at a time, so SQLite's own locking
 *    would be wasted work).
 *  - The schema is a list of migrations; migration i turns user_version i
 *    into i + 1. Opening applies the missing ones in a single transaction,
 *    so a crash never leaves a half-built schema behind.
 *  - Every statement is prepared on first use and kept for the life of the
 *    connection (reset + rebind on reuse): recording is the hot path and
 *    re-parsing SQL per row would cost more than the inserts themselves.
 *  - A URL's state lives in its urls row and is changed by one upsert per
 *    check; which upsert depends on the status (ok, broken, or "seen" for
 *    excluded and cached checks, which must not disturb the state).
 *  - Each record is wrapped in a savepoint, so a row that fails halfway
 *    leaves nothing behind and the surrounding batch can still commit.
 */
#include "linkkeeper/history.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "linkkeeper/util.h"

#include "sql.h"

#define LK_SCHEMA_VERSION 1

/* Migration i brings the schema from user_version i to i + 1. Plain CREATE
 * TABLE (no IF NOT EXISTS): a foreign database that happens to have a table
 * of the same name must fail loudly instead of being written into. */
static const char *const migrations[LK_SCHEMA_VERSION] = {
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  tool_version TEXT,"
	"  args TEXT,"
	"  total INTEGER NOT NULL DEFAULT 0,"
	"  ok INTEGER NOT NULL DEFAULT 0,"
	"  broken INTEGER NOT NULL DEFAULT 0,"
	"  excluded INTEGER NOT NULL DEFAULT 0,"
	"  cached INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE urls ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE,"
	"  host TEXT,"
	"  first_seen INTEGER NOT NULL,"
	"  last_checked INTEGER,"
	"  last_status TEXT,"
	"  last_reason TEXT,"
	"  last_http INTEGER,"
	"  last_ok_at INTEGER,"
	"  failing_since INTEGER,"
	"  fail_streak INTEGER NOT NULL DEFAULT 0,"
	"  flips INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE checks ("
	"  id INTEGER PRIMARY KEY,"
	"  url_id INTEGER NOT NULL REFERENCES urls(id),"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  checked_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  reason TEXT,"
	"  http_status INTEGER,"
	"  curl_code INTEGER,"
	"  method TEXT,"
	"  attempts INTEGER,"
	"  elapsed_ms INTEGER,"
	"  final_url TEXT,"
	"  redirects TEXT NOT NULL DEFAULT '[]',"
	"  error TEXT);"
	"CREATE INDEX checks_url_time ON checks(url_id, checked_at);"
	"CREATE INDEX checks_run ON checks(run_id);"
	"CREATE TABLE sources ("
	"  url_id INTEGER NOT NULL REFERENCES urls(id),"
	"  file TEXT NOT NULL,"
	"  line INTEGER NOT NULL,"
	"  title TEXT,"
	"  run_id INTEGER REFERENCES runs(id),"
	"  PRIMARY KEY (url_id, file, line));",
};

/* The statements a connection keeps prepared, in the order of stmt_sql. */
enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_RUN_BEGIN,
	ST_RUN_END,
	ST_URL_OK,
	ST_URL_BROKEN,
	ST_URL_SEEN,
	ST_CHECK_INSERT,
	ST_SOURCE_UPSERT,
	ST_URL_STATE,
	ST_EACH_URL,
	ST_CHECKS,
	ST_COUNT
};

/* Parameters of the three urls upserts: ?1 url, ?2 host, ?3 checked_at,
 * ?4 reason, ?5 http status. "excluded." is SQLite's name for the row that
 * failed to insert, i.e. the new values; bare names are the stored row. */
static const char *const stmt_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT lk_record",
	[ST_RELEASE] = "RELEASE lk_record",
	[ST_ROLLBACK_TO] = "ROLLBACK TO lk_record",
	[ST_RUN_BEGIN] = "INSERT INTO runs(started_at, tool_version, args) VALUES(?1, ?2, ?3)",
	[ST_RUN_END] = "UPDATE runs SET finished_at = ?2, total = ?3, ok = ?4, broken = ?5,"
	               " excluded = ?6, cached = ?7 WHERE id = ?1",
	[ST_URL_OK] = "INSERT INTO urls(url, host, first_seen, last_checked, last_status,"
	              " last_reason, last_http, last_ok_at, failing_since, fail_streak, flips)"
	              " VALUES(?1, ?2, ?3, ?3, 'ok', ?4, ?5, ?3, NULL, 0, 0)"
	              " ON CONFLICT(url) DO UPDATE SET"
	              " flips = flips + (last_status IS 'broken'),"
	              " last_checked = excluded.last_checked, last_status = 'ok',"
	              " last_reason = excluded.last_reason, last_http = excluded.last_http,"
	              " last_ok_at = excluded.last_ok_at, failing_since = NULL, fail_streak = 0"
	              " RETURNING id",
	[ST_URL_BROKEN] = "INSERT INTO urls(url, host, first_seen, last_checked, last_status,"
	                  " last_reason, last_http, last_ok_at, failing_since, fail_streak, flips)"
	                  " VALUES(?1, ?2, ?3, ?3, 'broken', ?4, ?5, NULL, ?3, 1, 0)"
	                  " ON CONFLICT(url) DO UPDATE SET"
	                  " flips = flips + (last_status IS 'ok'),"
	                  " last_checked = excluded.last_checked, last_status = 'broken',"
	                  " last_reason = excluded.last_reason, last_http = excluded.last_http,"
	                  " failing_since = coalesce(failing_since, excluded.failing_since),"
	                  " fail_streak = fail_streak + 1"
	                  " RETURNING id",
	/* DO NOTHING would return no row, so the no-op update is what makes
	 * RETURNING hand back the id of an existing URL. */
	[ST_URL_SEEN] = "INSERT INTO urls(url, host, first_seen) VALUES(?1, ?2, ?3)"
	                " ON CONFLICT(url) DO UPDATE SET url = url RETURNING id",
	[ST_CHECK_INSERT] = "INSERT INTO checks(url_id, run_id, checked_at, status, reason,"
	                    " http_status, curl_code, method, attempts, elapsed_ms, final_url,"
	                    " redirects, error)"
	                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[ST_SOURCE_UPSERT] = "INSERT INTO sources(url_id, file, line, title, run_id)"
	                     " VALUES(?1, ?2, ?3, ?4, ?5)"
	                     " ON CONFLICT(url_id, file, line) DO UPDATE SET"
	                     " title = excluded.title, run_id = excluded.run_id",
	[ST_EACH_URL] = "SELECT u.url, coalesce(u.last_status, ''),"
	                "  coalesce((SELECT s.title FROM sources s WHERE s.url_id = u.id"
	                "            AND s.title <> ''"
	                "            ORDER BY s.run_id DESC, s.file, s.line LIMIT 1), '')"
	                " FROM urls u WHERE ?1 = 0 OR u.last_status = 'broken' ORDER BY u.url",
	[ST_URL_STATE] = "SELECT first_seen, last_checked, last_ok_at, failing_since,"
	                 " last_status, last_reason, last_http, fail_streak, flips,"
	                 " (SELECT count(*) FROM checks WHERE url_id = urls.id)"
	                 " FROM urls WHERE url = ?1",
	[ST_CHECKS] = "SELECT c.run_id, c.checked_at, c.status, c.reason, c.http_status,"
	              " c.curl_code, c.method, c.attempts, c.elapsed_ms, c.final_url,"
	              " c.redirects, c.error"
	              " FROM checks c JOIN urls u ON u.id = c.url_id WHERE u.url = ?1"
	              " ORDER BY c.checked_at DESC, c.id DESC LIMIT ?2",
};

struct lk_history {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT]; /* prepared on first use */
	struct lk_buf scratch;        /* redirects JSON, reused across records */
	char err[512];
};

/* Thin wrappers over sql.h that read h->db and write h->err. */

static void set_db_err(struct lk_history *h, const char *what)
{
	lk_sql_set_db_err(h->err, sizeof h->err, h->db, what);
}

/* The statement id, reset and with its old bindings cleared, or NULL (and
 * h->err set) when it cannot be prepared. */
static sqlite3_stmt *stmt_get(struct lk_history *h, enum stmt_id id)
{
	return lk_sql_prepared_err(h->db, &h->stmt[id], stmt_sql[id], h->err, sizeof h->err);
}

/* Runs a statement that returns no rows. */
static int stmt_run(struct lk_history *h, enum stmt_id id, const char *what)
{
	sqlite3_stmt *st = stmt_get(h, id);
	return st ? lk_sql_step_done_err(st, what, h->err, sizeof h->err) : -1;
}

static int exec(struct lk_history *h, const char *sql)
{
	return lk_sql_exec(h->db, sql, h->err, sizeof h->err);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int v)
{
	if (v)
		sqlite3_bind_int(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* ---- opening ------------------------------------------------------------ */

static struct lk_history *history_new(void)
{
	struct lk_history *h = lk_xcalloc(1, sizeof *h);
	return h;
}

static int read_user_version(struct lk_history *h, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		lk_sql_set_err(h->err, sizeof h->err, "%s", sqlite3_errmsg(h->db));
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		lk_sql_set_err(h->err, sizeof h->err, "%s", sqlite3_errmsg(h->db));
		goto out;
	}
	*version = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Brings the schema to LK_SCHEMA_VERSION in one transaction. The version is
 * read again after BEGIN IMMEDIATE: another process may have migrated the
 * file while we waited for the write lock. */
static int migrate(struct lk_history *h)
{
	int version;
	if (exec(h, "BEGIN IMMEDIATE") < 0)
		return -1;
	if (read_user_version(h, &version) < 0)
		goto fail;
	if (version > LK_SCHEMA_VERSION) {
		lk_sql_set_err(h->err, sizeof h->err,
		               "schema version %d is newer than this linkkeeper (%d)", version,
		               LK_SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version; v < LK_SCHEMA_VERSION; v++)
		if (exec(h, migrations[v]) < 0)
			goto fail;
	if (version < LK_SCHEMA_VERSION) {
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", LK_SCHEMA_VERSION);
		if (exec(h, sql) < 0)
			goto fail;
	}
	return exec(h, "COMMIT");
fail:
	sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* A read-only connection cannot migrate, so anything but the current
 * version is an error. */
static int check_version(struct lk_history *h)
{
	int version;
	if (read_user_version(h, &version) < 0)
		return -1;
	if (version == 0) {
		lk_sql_set_err(h->err, sizeof h->err, "not a linkkeeper history (no schema)");
		return -1;
	}
	if (version != LK_SCHEMA_VERSION) {
		lk_sql_set_err(h->err, sizeof h->err,
		               "schema version %d, this linkkeeper needs %d (open it read-write "
		               "once to migrate)", version, LK_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/* busy_timeout first: the other pragmas may already need a lock. WAL lets
 * report readers run while a check writes; NORMAL is safe under WAL (a
 * power cut may lose the last commits, never corrupt the file). */
static const char pragmas_common[] = "PRAGMA busy_timeout = 5000;"
                                     "PRAGMA foreign_keys = ON;"
                                     "PRAGMA cache_size = -16384;" /* 16 MiB: bounded memory for a million URLs */
                                     "PRAGMA temp_store = MEMORY;";
static const char pragmas_rw[] = "PRAGMA journal_mode = WAL;"
                                 "PRAGMA synchronous = NORMAL;";

/* Hands h to *out on success; on failure frees it and writes the one-line
 * message to err. */
static int finish_open(struct lk_history *h, int rc, const char *path,
                       struct lk_history **out, char *err, size_t errlen)
{
	if (rc == 0) {
		*out = h;
		return 0;
	}
	if (err && errlen)
		snprintf(err, errlen, "cannot open database %s: %s", path, h->err);
	lk_history_close(h);
	*out = NULL;
	return -1;
}

int lk_history_open(const char *path, struct lk_history **out, char *err, size_t errlen)
{
	struct lk_history *h = history_new();
	int rc = -1;
	if (lk_sql_open(path, 0, &h->db, h->err, sizeof h->err) < 0)
		goto out;
	if (exec(h, pragmas_common) < 0 || exec(h, pragmas_rw) < 0)
		goto out;
	if (migrate(h) < 0)
		goto out;
	rc = 0;
out:
	return finish_open(h, rc, path, out, err, errlen);
}

int lk_history_open_readonly(const char *path, struct lk_history **out, char *err,
                             size_t errlen)
{
	struct lk_history *h = history_new();
	int rc = -1;
	if (lk_sql_open(path, 1, &h->db, h->err, sizeof h->err) < 0)
		goto out;
	if (exec(h, pragmas_common) < 0)
		goto out;
	if (check_version(h) < 0)
		goto out;
	rc = 0;
out:
	return finish_open(h, rc, path, out, err, errlen);
}

void lk_history_close(struct lk_history *h)
{
	if (!h)
		return;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->stmt[i]);
	/* sqlite3_close (not _v2): every statement is finalized above, so a
	 * busy error here would be a bug worth seeing under the sanitizers. */
	sqlite3_close(h->db);
	lk_buf_free(&h->scratch);
	free(h);
}

const char *lk_history_error(const struct lk_history *h)
{
	if (!h)
		return "no database";
	return h->err;
}

/* ---- runs and transactions ---------------------------------------------- */

int lk_history_run_begin(struct lk_history *h, int64_t started_ms, const char *args,
                         int64_t *run_id)
{
	sqlite3_stmt *st = stmt_get(h, ST_RUN_BEGIN);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)started_ms);
	sqlite3_bind_text(st, 2, LK_VERSION, -1, SQLITE_STATIC);
	lk_sql_bind_text(st, 3, args);
	if (lk_sql_step_done_err(st, "cannot start run", h->err, sizeof h->err) < 0)
		return -1;
	*run_id = (int64_t)sqlite3_last_insert_rowid(h->db);
	return 0;
}

int lk_history_run_end(struct lk_history *h, int64_t run_id, int64_t finished_ms,
                       const struct lk_run_counts *counts)
{
	sqlite3_stmt *st = stmt_get(h, ST_RUN_END);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)run_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)finished_ms);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)counts->total);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)counts->ok);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)counts->broken);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)counts->excluded);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)counts->cached);
	if (lk_sql_step_done_err(st, "cannot finish run", h->err, sizeof h->err) < 0)
		return -1;
	if (sqlite3_changes(h->db) == 0) {
		lk_sql_set_err(h->err, sizeof h->err, "cannot finish run: no run %lld",
		               (long long)run_id);
		return -1;
	}
	return 0;
}

int lk_history_begin(struct lk_history *h)
{
	return stmt_run(h, ST_BEGIN, "cannot begin transaction");
}

/* A COMMIT that fails (disk full, busy past the timeout) leaves the
 * transaction open; rolling it back keeps the connection usable for the
 * next batch instead of failing every later BEGIN too. */
int lk_history_commit(struct lk_history *h)
{
	if (stmt_run(h, ST_COMMIT, "cannot commit") == 0)
		return 0;
	if (!sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- recording ---------------------------------------------------------- */

/* The host of url, lower-cased, or NULL when url has no "scheme://".
 * Userinfo is skipped and an IPv6 literal keeps its brackets. Caller frees. */
static char *url_host(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p)
		return NULL;
	p += 3;
	size_t auth_len = strcspn(p, "/?#");
	for (size_t i = auth_len; i > 0; i--)
		if (p[i - 1] == '@') {
			p += i;
			auth_len -= i;
			break;
		}
	size_t n;
	if (*p == '[') {
		const char *close = memchr(p, ']', auth_len);
		n = close ? (size_t)(close - p) + 1 : auth_len;
	} else {
		n = strcspn(p, ":/?#");
		if (n > auth_len)
			n = auth_len;
	}
	char *host = lk_xstrndup(p, n);
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return host;
}

/* The redirect chain as JSON, "[]" when there was none; into h->scratch. */
static const char *redirects_json(struct lk_history *h, const struct lk_result *res)
{
	struct lk_buf *b = &h->scratch;
	lk_buf_reset(b);
	size_t nhops;
	const struct lk_hop *hops = lk_result_hops(res, &nhops);
	lk_buf_putc(b, '[');
	for (size_t i = 0; i < nhops; i++) {
		char *u = lk_redact_url(hops[i].url ? hops[i].url : "");
		if (i)
			lk_buf_putc(b, ',');
		lk_buf_puts(b, "{\"url\":");
		lk_buf_json_string(b, u);
		lk_buf_printf(b, ",\"status\":%d}", hops[i].http_status);
		free(u);
	}
	lk_buf_putc(b, ']');
	return b->data;
}

/* Upserts the urls row for a check and sets *url_id. */
/* The urls row of url, made or updated; res NULL: only seen (an
 * occurrence, no check). */
static int upsert_url(struct lk_history *h, const char *url, const struct lk_result *res,
                      int64_t checked_at, int64_t *url_id)
{
	enum stmt_id id = !res                              ? ST_URL_SEEN
	                  : res->status == LK_STATUS_OK     ? ST_URL_OK
	                  : res->status == LK_STATUS_BROKEN ? ST_URL_BROKEN
	                                                    : ST_URL_SEEN;
	sqlite3_stmt *st = stmt_get(h, id);
	if (!st)
		return -1;
	char *host = url_host(url);
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	lk_sql_bind_text(st, 2, host);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)checked_at);
	if (id != ST_URL_SEEN) {
		lk_sql_bind_text(st, 4, res->reason == LK_REASON_NONE ? NULL
		                                                       : lk_reason_name(res->reason));
		bind_int_or_null(st, 5, res->http_status);
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*url_id = (int64_t)sqlite3_column_int64(st, 0);
	/* Reset now rather than at the next use: a statement left mid-way
	 * through its RETURNING rows counts as still running and would make
	 * RELEASE and COMMIT fail. */
	sqlite3_reset(st);
	free(host);
	if (rc != SQLITE_ROW) {
		set_db_err(h, "cannot record url");
		return -1;
	}
	return 0;
}

static int insert_check(struct lk_history *h, int64_t url_id, int64_t run_id,
                        const struct lk_link *link, int64_t checked_at)
{
	const struct lk_result *res = &link->res;
	sqlite3_stmt *st = stmt_get(h, ST_CHECK_INSERT);
	if (!st)
		return -1;
	const char *final_raw = lk_result_ended_at(res, link->url);
	char *final_url = final_raw ? lk_redact_url(final_raw) : NULL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)url_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)run_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)checked_at);
	sqlite3_bind_text(st, 4, lk_status_name(res->status), -1, SQLITE_STATIC);
	lk_sql_bind_text(st, 5, res->reason == LK_REASON_NONE ? NULL : lk_reason_name(res->reason));
	bind_int_or_null(st, 6, res->http_status);
	sqlite3_bind_int(st, 7, res->curl_code);
	lk_sql_bind_text(st, 8, res->method);
	sqlite3_bind_int(st, 9, res->attempts);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)res->elapsed_ms);
	lk_sql_bind_text(st, 11, final_url);
	sqlite3_bind_text(st, 12, redirects_json(h, res), -1, SQLITE_STATIC);
	lk_sql_bind_text(st, 13, lk_result_error(res));
	int rc = lk_sql_step_done_err(st, "cannot record check", h->err, sizeof h->err);
	free(final_url);
	return rc;
}

static int upsert_source(struct lk_history *h, int64_t url_id, int64_t run_id,
                         const char *file, unsigned line, const char *title)
{
	sqlite3_stmt *st = stmt_get(h, ST_SOURCE_UPSERT);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)url_id);
	sqlite3_bind_text(st, 2, file ? file : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)line);
	lk_sql_bind_text(st, 4, title);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)run_id);
	return lk_sql_step_done_err(st, "cannot record source", h->err, sizeof h->err);
}

static int upsert_sources(struct lk_history *h, int64_t url_id, int64_t run_id,
                          const struct lk_link *link)
{
	for (size_t i = 0; i < link->nsrc; i++) {
		const struct lk_source *src = &link->src[i];
		if (upsert_source(h, url_id, run_id, src->file, src->line, src->title) < 0)
			return -1;
	}
	return 0;
}

static int record_rows(struct lk_history *h, int64_t run_id, const struct lk_link *link,
                       const char *url)
{
	const struct lk_result *res = &link->res;
	/* Excluded links may never get a verdict time; "now" is when we
	 * learned about them. */
	int64_t checked_at = res->checked_at_ms ? res->checked_at_ms : lk_now_ms();
	int64_t url_id = 0;
	if (upsert_url(h, url, res, checked_at, &url_id) < 0)
		return -1;
	if (insert_check(h, url_id, run_id, link, checked_at) < 0)
		return -1;
	return upsert_sources(h, url_id, run_id, link);
}

int lk_history_record(struct lk_history *h, int64_t run_id, const struct lk_link *link)
{
	if (!link->url) {
		lk_sql_set_err(h->err, sizeof h->err, "cannot record a link without a url");
		return -1;
	}
	if (stmt_run(h, ST_SAVEPOINT, "cannot record") < 0)
		return -1;
	char *url = lk_redact_url(link->url);
	int rc = record_rows(h, run_id, link, url);
	free(url);
	if (rc == 0)
		return stmt_run(h, ST_RELEASE, "cannot record");
	/* Undo this link's partial rows but keep the rest of the batch; the
	 * message of the failure is already in h->err. */
	char saved[sizeof h->err];
	memcpy(saved, h->err, sizeof saved);
	stmt_run(h, ST_ROLLBACK_TO, "rollback");
	stmt_run(h, ST_RELEASE, "release");
	memcpy(h->err, saved, sizeof saved);
	return -1;
}

int lk_history_add_source(struct lk_history *h, int64_t run_id, const char *url,
                          const char *file, unsigned line, const char *title)
{
	char *key = lk_redact_url(url);
	int64_t url_id = 0;
	int rc = upsert_url(h, key, NULL, lk_now_ms(), &url_id);
	free(key);
	if (rc < 0)
		return -1;
	return upsert_source(h, url_id, run_id, file, line, title);
}

/* ---- reading ------------------------------------------------------------ */

long lk_history_each_url(struct lk_history *h, int broken_only, lk_history_url_fn fn,
                         void *ctx)
{
	sqlite3_stmt *st = stmt_get(h, ST_EACH_URL);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, broken_only);
	long count = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lk_history_url u = {
			.url = (const char *)sqlite3_column_text(st, 0),
			.last_status = (const char *)sqlite3_column_text(st, 1),
			.title = (const char *)sqlite3_column_text(st, 2),
		};
		if (!u.url)
			continue;
		count++;
		if (fn(ctx, &u) != 0)
			break;
	}
	int failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
	if (failed)
		set_db_err(h, "cannot read urls");
	sqlite3_reset(st);
	return failed ? -1 : count;
}

int lk_history_url_state(struct lk_history *h, const char *url, struct lk_url_state *state)
{
	sqlite3_stmt *st = stmt_get(h, ST_URL_STATE);
	if (!st)
		return -1;
	char *key = lk_redact_url(url);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int found = -1;
	if (rc == SQLITE_DONE) {
		found = 0;
	} else if (rc == SQLITE_ROW) {
		memset(state, 0, sizeof *state);
		state->first_seen = (int64_t)sqlite3_column_int64(st, 0);
		state->last_checked = (int64_t)sqlite3_column_int64(st, 1);
		state->last_ok_at = (int64_t)sqlite3_column_int64(st, 2);
		state->failing_since = (int64_t)sqlite3_column_int64(st, 3);
		lk_sql_column_copy(st, 4, state->last_status, sizeof state->last_status);
		lk_sql_column_copy(st, 5, state->last_reason, sizeof state->last_reason);
		state->last_http = sqlite3_column_int(st, 6);
		state->fail_streak = sqlite3_column_int(st, 7);
		state->flips = sqlite3_column_int(st, 8);
		state->nchecks = sqlite3_column_int(st, 9);
		found = 1;
	} else {
		set_db_err(h, "cannot read url state");
	}
	sqlite3_reset(st);
	free(key);
	return found;
}

static const char *column_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

static void read_check_row(sqlite3_stmt *st, struct lk_check_row *row)
{
	row->run_id = (int64_t)sqlite3_column_int64(st, 0);
	row->checked_at = (int64_t)sqlite3_column_int64(st, 1);
	row->status = column_text(st, 2);
	row->reason = column_text(st, 3);
	row->http_status = sqlite3_column_int(st, 4);
	row->curl_code = sqlite3_column_int(st, 5);
	row->method = column_text(st, 6);
	row->attempts = sqlite3_column_int(st, 7);
	row->elapsed_ms = (int64_t)sqlite3_column_int64(st, 8);
	row->final_url = column_text(st, 9);
	row->redirects = column_text(st, 10);
	row->error = column_text(st, 11);
}

/* A callback that returns non-zero stops the walk early; the rows handed
 * out so far are counted. */
long lk_history_checks(struct lk_history *h, const char *url, size_t limit,
                       lk_check_row_fn fn, void *ctx)
{
	sqlite3_stmt *st = stmt_get(h, ST_CHECKS);
	if (!st)
		return -1;
	char *key = lk_redact_url(url);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
	long n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct lk_check_row row;
		read_check_row(st, &row);
		n++;
		if (fn && fn(ctx, &row) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_db_err(h, "cannot read checks");
		n = -1;
	}
	sqlite3_reset(st);
	free(key);
	return n;
}
