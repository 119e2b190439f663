/*
 * test_history.c — the SQLite history against a real database file in a
 * fresh temporary directory: schema, URL state rules, checks, sources,
 * redaction, the writer thread and the failure paths of opening.
 *
 * Links are built by hand (not through lk_linkset_*) so these tests only
 * depend on the history and its helpers.
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "linkkeeper/history.h"
#include "linkkeeper/util.h"

#define T0 1700000000000LL /* a fixed "now" so times can be asserted exactly */

struct fixture {
	char dir[64];
	char path[128];
	struct lk_history *h;
	int64_t run_id;
};

/* ---- helpers ------------------------------------------------------------ */

static void link_init(struct lk_link *l, const char *url, enum lk_status status,
                      enum lk_reason reason, int http, int64_t checked_at)
{
	memset(l, 0, sizeof *l);
	l->url = lk_xstrdup(url);
	l->res.status = status;
	l->res.reason = reason;
	l->res.http_status = http;
	l->res.checked_at_ms = checked_at;
	l->res.method = http ? "HEAD" : NULL;
	l->res.attempts = http ? 1 : 0;
}

static void link_add_source(struct lk_link *l, const char *file, unsigned line,
                            const char *title)
{
	l->src = lk_xrealloc(l->src, (l->nsrc + 1) * sizeof *l->src);
	l->src[l->nsrc].file = file;
	l->src[l->nsrc].line = line;
	l->src[l->nsrc].title = title ? lk_xstrdup(title) : NULL;
	l->nsrc++;
}

static void link_clear(struct lk_link *l)
{
	for (size_t i = 0; i < l->nsrc; i++)
		free(l->src[i].title);
	free(l->src);
	free(l->url);
	lk_result_clear(&l->res);
	memset(l, 0, sizeof *l);
}

/* Records one check of url in the fixture's run. */
static void record(struct fixture *f, const char *url, enum lk_status status,
                   enum lk_reason reason, int http, int64_t checked_at)
{
	struct lk_link l;
	link_init(&l, url, status, reason, http, checked_at);
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);
}

static struct lk_url_state state_of(struct fixture *f, const char *url)
{
	struct lk_url_state st;
	memset(&st, 0xAB, sizeof st);
	assert_int_equal(lk_history_url_state(f->h, url, &st), 1);
	return st;
}

/* One integer from a query on a separate, plain connection: the tests look
 * at the file the way any other SQLite user would. */
static long long query_int(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* One text value (caller frees; NULL for SQL NULL or no row). */
static char *query_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		out = lk_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

static void assert_query_text(const char *path, const char *sql, const char *want)
{
	char *got = query_text(path, sql);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static int rm_entry(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(p);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* ---- fixtures ----------------------------------------------------------- */

/* A fresh directory; the database path is one level below it so that
 * opening also has to create a directory. No database is opened. */
static int setup_dir(void **state)
{
	struct fixture *f = lk_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lk_history_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/db/history.db", f->dir);
	*state = f;
	return 0;
}

/* setup_dir plus an open database and one started run. */
static int setup_db(void **state)
{
	if (setup_dir(state) < 0)
		return -1;
	struct fixture *f = *state;
	char err[256];
	if (lk_history_open(f->path, &f->h, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return lk_history_run_begin(f->h, T0, "check docs/", &f->run_id);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	lk_history_close(f->h);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- opening ------------------------------------------------------------ */

static void test_open_creates_dir_and_schema_version_1(void **state)
{
	struct fixture *f = *state;
	char err[256] = "";
	assert_int_equal(lk_history_open(f->path, &f->h, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(query_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE type = "
	                                    "'table' AND name IN ('runs','urls','checks',"
	                                    "'sources')"),
	                 4);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE type = "
	                                    "'index' AND name IN ('checks_url_time','checks_run')"),
	                 2);
	assert_query_text(f->path, "PRAGMA journal_mode", "wal");
}

static void test_reopen_existing_db_keeps_rows(void **state)
{
	struct fixture *f = *state;
	char err[256];
	assert_int_equal(lk_history_open(f->path, &f->h, err, sizeof err), 0);
	assert_int_equal(lk_history_run_begin(f->h, T0, NULL, &f->run_id), 0);
	record(f, "https://example.com/a", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	lk_history_close(f->h);
	f->h = NULL;

	assert_int_equal(lk_history_open(f->path, &f->h, err, sizeof err), 0);
	struct lk_url_state st = state_of(f, "https://example.com/a");
	assert_int_equal(st.last_ok_at, T0);
	assert_int_equal(st.nchecks, 1);
	assert_int_equal(query_int(f->path, "PRAGMA user_version"), 1);
}

static void test_open_unwritable_path_fails(void **state)
{
	struct fixture *f = *state;
	/* A directory cannot be created below a regular file, even by root
	 * (the tests may run as root, where permission bits do not stop us). */
	char blocker[192], path[256], err[512] = "";
	snprintf(blocker, sizeof blocker, "%s/plainfile", f->dir);
	write_file(blocker, "x");
	snprintf(path, sizeof path, "%s/sub/x.db", blocker);
	static int not_null;
	struct lk_history *h = (struct lk_history *)(void *)&not_null; /* must become NULL */
	assert_int_equal(lk_history_open(path, &h, err, sizeof err), -1);
	assert_null(h);
	char want[1024];
	snprintf(want, sizeof want, "cannot open database %s: cannot create directory %s/sub: "
	                            "Not a directory", path, blocker);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n'));
}

static void test_open_unopenable_file_fails(void **state)
{
	struct fixture *f = *state;
	/* The parent exists but the name is a directory: SQLite's own error. */
	char err[512] = "";
	struct lk_history *h = NULL;
	assert_int_equal(lk_history_open(f->dir, &h, err, sizeof err), -1);
	assert_null(h);
	char want[512];
	snprintf(want, sizeof want, "cannot open database %s: unable to open database file",
	         f->dir);
	assert_string_equal(err, want);
}

static void test_open_non_database_file_fails(void **state)
{
	struct fixture *f = *state;
	char path[192], err[512] = "";
	snprintf(path, sizeof path, "%s/notes.txt", f->dir);
	write_file(path, "This is a plain text file, long enough to look like a header "
	                 "page to SQLite but certainly not a database.\n");
	struct lk_history *h = NULL;
	assert_int_equal(lk_history_open(path, &h, err, sizeof err), -1);
	assert_null(h);
	char want[512];
	snprintf(want, sizeof want, "cannot open database %s: file is not a database", path);
	assert_string_equal(err, want);

	assert_int_equal(lk_history_open_readonly(path, &h, err, sizeof err), -1);
	assert_string_equal(err, want);
}

static void test_open_foreign_sqlite_db_fails(void **state)
{
	struct fixture *f = *state;
	char path[192], err[512] = "";
	snprintf(path, sizeof path, "%s/other.db", f->dir);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE urls(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct lk_history *h = NULL;
	assert_int_equal(lk_history_open(path, &h, err, sizeof err), -1);
	char want[512];
	snprintf(want, sizeof want, "cannot open database %s: table urls already exists", path);
	assert_string_equal(err, want);
	/* The failed migration was rolled back as a whole. */
	assert_int_equal(query_int(path, "PRAGMA user_version"), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE name='runs'"),
	                 0);
}

static void test_open_newer_schema_refused(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	assert_int_equal(lk_history_open(f->path, &f->h, err, sizeof err), 0);
	lk_history_close(f->h);
	f->h = NULL;
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);

	struct lk_history *h = NULL;
	assert_int_equal(lk_history_open(f->path, &h, err, sizeof err), -1);
	char want[512];
	snprintf(want, sizeof want,
	         "cannot open database %s: schema version 7 is newer than this linkkeeper (1)",
	         f->path);
	assert_string_equal(err, want);
}

static void test_open_readonly_missing_file_fails(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";
	struct lk_history *h = NULL;
	assert_int_equal(lk_history_open_readonly(f->path, &h, err, sizeof err), -1);
	assert_null(h);
	char want[512];
	snprintf(want, sizeof want, "cannot open database %s: No such file or directory",
	         f->path);
	assert_string_equal(err, want);
	/* Nothing was created on the way. */
	struct stat sb;
	char dir[192];
	snprintf(dir, sizeof dir, "%s/db", f->dir);
	assert_int_equal(stat(dir, &sb), -1);
}

static void test_open_readonly_reads_but_cannot_write(void **state)
{
	struct fixture *f = *state;
	record(f, "https://example.com/ro", LK_STATUS_BROKEN, LK_REASON_HTTP, 404, T0);

	char err[512] = "";
	struct lk_history *ro = NULL;
	assert_int_equal(lk_history_open_readonly(f->path, &ro, err, sizeof err), 0);
	struct lk_url_state st;
	assert_int_equal(lk_history_url_state(ro, "https://example.com/ro", &st), 1);
	assert_string_equal(st.last_status, "broken");
	assert_int_equal(st.last_http, 404);
	assert_int_equal(lk_history_url_state(ro, "https://example.com/none", &st), 0);

	struct lk_link l;
	link_init(&l, "https://example.com/ro2", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	assert_int_equal(lk_history_record(ro, f->run_id, &l), -1);
	assert_non_null(strstr(lk_history_error(ro), "readonly"));
	link_clear(&l);
	lk_history_close(ro);
}

/* ---- runs --------------------------------------------------------------- */

static void test_run_begin_and_end_store_counts(void **state)
{
	struct fixture *f = *state;
	struct lk_run_counts c = {.total = 10, .ok = 6, .broken = 2, .excluded = 1, .cached = 1};
	assert_int_equal(lk_history_run_end(f->h, f->run_id, T0 + 5000, &c), 0);
	char sql[256];
	snprintf(sql, sizeof sql,
	         "SELECT started_at * 1000000 + (finished_at - started_at) FROM runs WHERE id=%lld",
	         (long long)f->run_id);
	assert_int_equal(query_int(f->path, sql), T0 * 1000000 + 5000);
	snprintf(sql, sizeof sql,
	         "SELECT total*10000 + ok*1000 + broken*100 + excluded*10 + cached FROM runs "
	         "WHERE id=%lld",
	         (long long)f->run_id);
	assert_int_equal(query_int(f->path, sql), 10 * 10000 + 6 * 1000 + 2 * 100 + 10 + 1);
	assert_query_text(f->path, "SELECT args FROM runs", "check docs/");
	assert_query_text(f->path, "SELECT tool_version FROM runs", LK_VERSION);

	int64_t second = 0;
	assert_int_equal(lk_history_run_begin(f->h, T0 + 9000, NULL, &second), 0);
	assert_int_equal(second, f->run_id + 1);
}

static void test_run_end_unknown_run_fails(void **state)
{
	struct fixture *f = *state;
	struct lk_run_counts c = {0};
	assert_int_equal(lk_history_run_end(f->h, 4242, T0, &c), -1);
	assert_string_equal(lk_history_error(f->h), "cannot finish run: no run 4242");
}

/* ---- URL state ---------------------------------------------------------- */

static void test_state_ok_broken_broken_ok(void **state)
{
	struct fixture *f = *state;
	const char *u = "https://example.com/flaky";

	record(f, u, LK_STATUS_OK, LK_REASON_NONE, 200, T0 + 1000);
	struct lk_url_state st = state_of(f, u);
	assert_int_equal(st.first_seen, T0 + 1000);
	assert_int_equal(st.last_checked, T0 + 1000);
	assert_int_equal(st.last_ok_at, T0 + 1000);
	assert_int_equal(st.failing_since, 0);
	assert_string_equal(st.last_status, "ok");
	assert_string_equal(st.last_reason, "");
	assert_int_equal(st.last_http, 200);
	assert_int_equal(st.fail_streak, 0);
	assert_int_equal(st.flips, 0);
	assert_int_equal(st.nchecks, 1);

	record(f, u, LK_STATUS_BROKEN, LK_REASON_HTTP, 503, T0 + 2000);
	st = state_of(f, u);
	assert_int_equal(st.failing_since, T0 + 2000);
	assert_int_equal(st.last_ok_at, T0 + 1000);
	assert_int_equal(st.fail_streak, 1);
	assert_int_equal(st.flips, 1);
	assert_string_equal(st.last_status, "broken");
	assert_string_equal(st.last_reason, "http");
	assert_int_equal(st.last_http, 503);

	record(f, u, LK_STATUS_BROKEN, LK_REASON_TIMEOUT, 0, T0 + 3000);
	st = state_of(f, u);
	assert_int_equal(st.failing_since, T0 + 2000);
	assert_int_equal(st.last_checked, T0 + 3000);
	assert_int_equal(st.fail_streak, 2);
	assert_int_equal(st.flips, 1);
	assert_string_equal(st.last_reason, "timeout");
	assert_int_equal(st.last_http, 0);

	record(f, u, LK_STATUS_OK, LK_REASON_NONE, 200, T0 + 4000);
	st = state_of(f, u);
	assert_int_equal(st.first_seen, T0 + 1000);
	assert_int_equal(st.last_checked, T0 + 4000);
	assert_int_equal(st.last_ok_at, T0 + 4000);
	assert_int_equal(st.failing_since, 0);
	assert_int_equal(st.fail_streak, 0);
	assert_int_equal(st.flips, 2);
	assert_string_equal(st.last_status, "ok");
	assert_string_equal(st.last_reason, "");
	assert_int_equal(st.nchecks, 4);

	/* ok again: not a flip. */
	record(f, u, LK_STATUS_OK, LK_REASON_NONE, 204, T0 + 5000);
	st = state_of(f, u);
	assert_int_equal(st.flips, 2);
	assert_int_equal(st.last_ok_at, T0 + 5000);
	assert_int_equal(st.last_http, 204);
	assert_int_equal(st.nchecks, 5);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls"), 1);
}

static void test_state_first_seen_broken(void **state)
{
	struct fixture *f = *state;
	const char *u = "https://example.com/gone";
	record(f, u, LK_STATUS_BROKEN, LK_REASON_DNS, 0, T0 + 10);
	struct lk_url_state st = state_of(f, u);
	assert_int_equal(st.first_seen, T0 + 10);
	assert_int_equal(st.failing_since, T0 + 10);
	assert_int_equal(st.last_ok_at, 0);
	assert_int_equal(st.fail_streak, 1);
	assert_int_equal(st.flips, 0);
	assert_string_equal(st.last_reason, "dns");
}

static void test_state_excluded_and_cached_leave_state_alone(void **state)
{
	struct fixture *f = *state;
	const char *u = "https://example.com/steady";

	/* Seen first as excluded: the row exists with first_seen, no state. */
	record(f, u, LK_STATUS_EXCLUDED, LK_REASON_PATTERN, 0, T0 + 100);
	struct lk_url_state st = state_of(f, u);
	assert_int_equal(st.first_seen, T0 + 100);
	assert_int_equal(st.last_checked, 0);
	assert_string_equal(st.last_status, "");
	assert_int_equal(st.nchecks, 1);

	record(f, u, LK_STATUS_BROKEN, LK_REASON_HTTP, 404, T0 + 200);
	record(f, u, LK_STATUS_CACHED, LK_REASON_FRESH, 0, T0 + 300);
	record(f, u, LK_STATUS_EXCLUDED, LK_REASON_PRIVATE, 0, T0 + 400);
	st = state_of(f, u);
	assert_int_equal(st.first_seen, T0 + 100);
	assert_int_equal(st.last_checked, T0 + 200);
	assert_int_equal(st.failing_since, T0 + 200);
	assert_int_equal(st.fail_streak, 1);
	assert_int_equal(st.flips, 0);
	assert_string_equal(st.last_status, "broken");
	assert_string_equal(st.last_reason, "http");
	assert_int_equal(st.last_http, 404);
	assert_int_equal(st.nchecks, 4);

	/* The broken streak goes on across the cached/excluded checks. */
	record(f, u, LK_STATUS_BROKEN, LK_REASON_HTTP, 410, T0 + 500);
	st = state_of(f, u);
	assert_int_equal(st.failing_since, T0 + 200);
	assert_int_equal(st.fail_streak, 2);
}

static void test_state_unknown_url_returns_0(void **state)
{
	struct fixture *f = *state;
	struct lk_url_state st;
	assert_int_equal(lk_history_url_state(f->h, "https://nowhere.example/", &st), 0);
}

struct seen_urls {
	struct lk_buf b; /* "url|status|title\n" per URL */
	int stop_after;  /* 0: never stop */
	int n;
};

static int collect_url(void *ctx, const struct lk_history_url *u)
{
	struct seen_urls *s = ctx;
	lk_buf_printf(&s->b, "%s|%s|%s\n", u->url, u->last_status, u->title);
	return ++s->n == s->stop_after;
}

static void test_each_url_in_order_with_status_and_title(void **state)
{
	struct fixture *f = *state;
	struct lk_link l;
	link_init(&l, "https://b.example/", LK_STATUS_BROKEN, LK_REASON_HTTP, 404, T0 + 1000);
	link_add_source(&l, "doc.md", 3, "");
	link_add_source(&l, "doc.md", 7, "Bee");
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);
	record(f, "https://a.example/", LK_STATUS_OK, LK_REASON_NONE, 200, T0 + 1000);
	record(f, "https://c.example/", LK_STATUS_BROKEN, LK_REASON_DNS, 0, T0 + 1000);

	struct seen_urls all = {0};
	assert_int_equal(lk_history_each_url(f->h, 0, collect_url, &all), 3);
	assert_string_equal(all.b.data, "https://a.example/|ok|\n"
	                                "https://b.example/|broken|Bee\n"
	                                "https://c.example/|broken|\n");
	struct seen_urls broken = {0};
	assert_int_equal(lk_history_each_url(f->h, 1, collect_url, &broken), 2);
	assert_string_equal(broken.b.data, "https://b.example/|broken|Bee\n"
	                                   "https://c.example/|broken|\n");
	struct seen_urls first = {.stop_after = 1};
	assert_int_equal(lk_history_each_url(f->h, 0, collect_url, &first), 1);
	lk_buf_free(&all.b);
	lk_buf_free(&broken.b);
	lk_buf_free(&first.b);
}

static void test_host_column_is_lowercased_host(void **state)
{
	struct fixture *f = *state;
	record(f, "https://User:pw@WWW.Example.COM:8443/x?y#z", LK_STATUS_OK, LK_REASON_NONE, 200,
	       T0);
	record(f, "http://[::1]:8080/", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	record(f, "HTTPS://Host.Example?q=1", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	record(f, "mailto:someone@example.com", LK_STATUS_EXCLUDED, LK_REASON_PATTERN, 0, T0);
	assert_query_text(f->path, "SELECT host FROM urls WHERE id = 1", "www.example.com");
	assert_query_text(f->path, "SELECT host FROM urls WHERE id = 2", "[::1]");
	assert_query_text(f->path, "SELECT host FROM urls WHERE id = 3", "host.example");
	assert_query_text(f->path, "SELECT host FROM urls WHERE id = 4", NULL);
}

/* ---- checks ------------------------------------------------------------- */

struct collected {
	int n;
	int stop_after; /* 0 = never */
	struct lk_check_row rows[8];
	char *strs[8][7];
};

static char *dup_or_null(const char *s)
{
	return s ? lk_xstrdup(s) : NULL;
}

/* Copies each row: the strings are only borrowed for the callback. */
static int collect(void *ctx, const struct lk_check_row *row)
{
	struct collected *c = ctx;
	assert_true(c->n < 8);
	struct lk_check_row *r = &c->rows[c->n];
	*r = *row;
	char **s = c->strs[c->n];
	r->status = s[0] = dup_or_null(row->status);
	r->reason = s[1] = dup_or_null(row->reason);
	r->method = s[2] = dup_or_null(row->method);
	r->final_url = s[3] = dup_or_null(row->final_url);
	r->redirects = s[4] = dup_or_null(row->redirects);
	r->error = s[5] = dup_or_null(row->error);
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

static void collected_free(struct collected *c)
{
	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < 7; j++)
			free(c->strs[i][j]);
}

static void test_checks_newest_first_with_all_fields(void **state)
{
	struct fixture *f = *state;
	const char *u = "https://example.com/page";
	struct lk_link l;

	link_init(&l, u, LK_STATUS_BROKEN, LK_REASON_TIMEOUT, 0, T0 + 3000);
	l.res.curl_code = 28;
	l.res.method = "GET";
	l.res.attempts = 3;
	l.res.elapsed_ms = 15000;
	lk_result_set_error(&l.res, "Operation timed out after 15000 milliseconds");
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);

	link_init(&l, u, LK_STATUS_OK, LK_REASON_NONE, 200, T0 + 1000);
	l.res.elapsed_ms = 42;
	lk_result_take_final_url(&l.res, lk_xstrdup("https://example.com/page/"));
	lk_result_add_hop(&l.res, u, 301);
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);

	/* Same time as the first: the later insert counts as newer. */
	record(f, u, LK_STATUS_CACHED, LK_REASON_FRESH, 0, T0 + 3000);

	struct collected c = {0};
	assert_int_equal(lk_history_checks(f->h, u, 0, collect, &c), 3);
	assert_int_equal(c.n, 3);

	struct lk_check_row *r = &c.rows[0];
	assert_string_equal(r->status, "cached");
	assert_string_equal(r->reason, "fresh");
	assert_int_equal(r->checked_at, T0 + 3000);
	assert_null(r->method);

	r = &c.rows[1];
	assert_int_equal(r->run_id, f->run_id);
	assert_int_equal(r->checked_at, T0 + 3000);
	assert_string_equal(r->status, "broken");
	assert_string_equal(r->reason, "timeout");
	assert_int_equal(r->http_status, 0);
	assert_int_equal(r->curl_code, 28);
	assert_string_equal(r->method, "GET");
	assert_int_equal(r->attempts, 3);
	assert_int_equal(r->elapsed_ms, 15000);
	/* no redirect moved it: the final URL is the link's own */
	assert_string_equal(r->final_url, u);
	assert_string_equal(r->redirects, "[]");
	assert_string_equal(r->error, "Operation timed out after 15000 milliseconds");

	r = &c.rows[2];
	assert_int_equal(r->checked_at, T0 + 1000);
	assert_string_equal(r->status, "ok");
	assert_null(r->reason);
	assert_int_equal(r->http_status, 200);
	assert_int_equal(r->curl_code, 0);
	assert_string_equal(r->method, "HEAD");
	assert_int_equal(r->attempts, 1);
	assert_int_equal(r->elapsed_ms, 42);
	assert_string_equal(r->final_url, "https://example.com/page/");
	assert_string_equal(r->redirects, "[{\"url\":\"https://example.com/page\",\"status\":301}]");
	assert_null(r->error);
	collected_free(&c);
}

static void test_checks_limit_and_early_stop(void **state)
{
	struct fixture *f = *state;
	const char *u = "https://example.com/many";
	for (int i = 0; i < 5; i++)
		record(f, u, LK_STATUS_OK, LK_REASON_NONE, 200, T0 + i);

	struct collected c = {0};
	assert_int_equal(lk_history_checks(f->h, u, 2, collect, &c), 2);
	assert_int_equal(c.rows[0].checked_at, T0 + 4);
	assert_int_equal(c.rows[1].checked_at, T0 + 3);
	collected_free(&c);

	struct collected d = {.stop_after = 1};
	assert_int_equal(lk_history_checks(f->h, u, 0, collect, &d), 1);
	assert_int_equal(d.rows[0].checked_at, T0 + 4);
	collected_free(&d);

	assert_int_equal(lk_history_checks(f->h, "https://example.com/none", 0, collect, &d), 0);
}

static void test_redirect_chain_stored_as_json(void **state)
{
	struct fixture *f = *state;
	struct lk_link l;
	link_init(&l, "http://example.com/old", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	lk_result_add_hop(&l.res, "http://example.com/old", 301);
	lk_result_add_hop(&l.res, "https://example.com/old", 302);
	lk_result_add_hop(&l.res, "https://example.com/\"quoted\"", 307);
	lk_result_take_final_url(&l.res, lk_xstrdup("https://example.com/new"));
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);

	assert_query_text(f->path, "SELECT redirects FROM checks",
	                  "[{\"url\":\"http://example.com/old\",\"status\":301},"
	                  "{\"url\":\"https://example.com/old\",\"status\":302},"
	                  "{\"url\":\"https://example.com/\\\"quoted\\\"\",\"status\":307}]");
	/* SQLite's own JSON reader agrees it is valid and well-shaped. */
	assert_int_equal(query_int(f->path, "SELECT json_array_length(redirects) FROM checks"), 3);
	assert_int_equal(query_int(f->path, "SELECT redirects ->> '$[2].status' FROM checks"), 307);
	assert_query_text(f->path, "SELECT final_url FROM checks", "https://example.com/new");
}

/* ---- sources ------------------------------------------------------------ */

static void test_sources_upserted(void **state)
{
	struct fixture *f = *state;
	struct lk_link l;
	link_init(&l, "https://example.com/doc", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	link_add_source(&l, "README.md", 3, "the docs");
	link_add_source(&l, "README.md", 9, NULL);
	link_add_source(&l, "guide/intro.md", 3, "intro");
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sources"), 3);

	/* A second run sees the same places: rows updated, not duplicated. */
	int64_t run2 = 0;
	assert_int_equal(lk_history_run_begin(f->h, T0 + 1, NULL, &run2), 0);
	free(l.src[0].title);
	l.src[0].title = lk_xstrdup("renamed");
	assert_int_equal(lk_history_record(f->h, run2, &l), 0);
	link_clear(&l);

	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sources"), 3);
	assert_query_text(f->path,
	                  "SELECT title FROM sources WHERE file='README.md' AND line=3", "renamed");
	assert_query_text(f->path, "SELECT title FROM sources WHERE file='README.md' AND line=9",
	                  NULL);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sources WHERE run_id = 2"), 3);
	assert_int_equal(query_int(f->path, "SELECT count(DISTINCT url_id) FROM sources"), 1);
}

/* ---- secrets ------------------------------------------------------------ */

static void test_secrets_in_urls_are_redacted(void **state)
{
	struct fixture *f = *state;
	struct lk_link l;
	link_init(&l, "https://user:pw@h/?token=abc", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	lk_result_take_final_url(&l.res, lk_xstrdup("https://h/next?api_key=k3y&x=1"));
	lk_result_add_hop(&l.res, "https://user:pw@h/?token=abc", 302);
	assert_int_equal(lk_history_record(f->h, f->run_id, &l), 0);
	link_clear(&l);

	assert_query_text(f->path, "SELECT url FROM urls", "https://user:REDACTED@h/?token=REDACTED");
	assert_query_text(f->path, "SELECT final_url FROM checks",
	                  "https://h/next?api_key=REDACTED&x=1");
	assert_query_text(f->path, "SELECT redirects FROM checks",
	                  "[{\"url\":\"https://user:REDACTED@h/?token=REDACTED\",\"status\":302}]");
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls, checks WHERE "
	                                    "instr(url, 'abc') OR instr(url, ':pw@') OR "
	                                    "instr(redirects, 'abc') OR instr(final_url, 'k3y')"),
	                 0);
	/* Callers still look URLs up by what they have, the secret included. */
	struct lk_url_state st = state_of(f, "https://user:pw@h/?token=abc");
	assert_int_equal(st.nchecks, 1);
}

/* ---- failures of a single record ---------------------------------------- */

static void test_record_failure_leaves_no_partial_rows(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(lk_history_begin(f->h), 0);
	record(f, "https://example.com/kept", LK_STATUS_OK, LK_REASON_NONE, 200, T0);

	/* Run 999 does not exist: the checks insert violates its foreign key
	 * after the urls upsert already ran. */
	struct lk_link l;
	link_init(&l, "https://example.com/orphan", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	assert_int_equal(lk_history_record(f->h, 999, &l), -1);
	assert_string_equal(lk_history_error(f->h), "cannot record check: FOREIGN KEY constraint "
	                                            "failed");
	link_clear(&l);
	assert_int_equal(lk_history_commit(f->h), 0);

	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls"), 1);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM checks"), 1);
	struct lk_url_state st;
	assert_int_equal(lk_history_url_state(f->h, "https://example.com/orphan", &st), 0);
}

static void test_commit_without_begin_fails(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(lk_history_commit(f->h), -1);
	assert_non_null(strstr(lk_history_error(f->h), "cannot commit"));
	/* The connection is still usable. */
	assert_int_equal(lk_history_begin(f->h), 0);
	assert_int_equal(lk_history_commit(f->h), 0);
}

/* ---- the writer thread -------------------------------------------------- */

#define NWRITE 20000

static void test_writer_records_all_rows(void **state)
{
	struct fixture *f = *state;
	struct lk_link *links = lk_xcalloc(NWRITE, sizeof *links);
	for (int i = 0; i < NWRITE; i++) {
		char url[96];
		snprintf(url, sizeof url, "https://host%d.example.com/page/%d?q=%d", i % 97, i, i);
		int ok = i % 5 != 0;
		link_init(&links[i], url, ok ? LK_STATUS_OK : LK_STATUS_BROKEN,
		          ok ? LK_REASON_NONE : LK_REASON_HTTP, ok ? 200 : 404, T0 + i);
		links[i].res.elapsed_ms = i % 1000;
		link_add_source(&links[i], "docs/big.md", (unsigned)i + 1, "a title");
		if (i % 10 == 0)
			lk_result_add_hop(&links[i].res, url, 301);
	}

	int64_t t = lk_mono_ms();
	struct lk_writer *w = lk_writer_start(f->h, f->run_id, 1024, 2000, 250);
	assert_non_null(w);
	for (int i = 0; i < NWRITE; i++)
		lk_writer_push(w, &links[i]);
	char err[256] = "unchanged";
	assert_int_equal(lk_writer_finish(w, err, sizeof err), 0);
	assert_string_equal(err, "");
	int64_t ms = lk_mono_ms() - t;
	fprintf(stderr, "writer: %d records in %lld ms (%.0f records/s)\n", NWRITE,
	        (long long)ms, ms > 0 ? NWRITE * 1000.0 / (double)ms : 0.0);

	assert_int_equal(query_int(f->path, "SELECT count(*) FROM checks"), NWRITE);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls"), NWRITE);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM sources"), NWRITE);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls WHERE last_status='broken'"),
	                 NWRITE / 5);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM checks WHERE redirects != '[]'"),
	                 NWRITE / 10);
	assert_int_equal(query_int(f->path, "SELECT count(DISTINCT host) FROM urls"), 97);
	assert_int_equal(query_int(f->path, "SELECT max(checked_at) FROM checks"),
	                 T0 + NWRITE - 1);

	/* The caller has its connection back. */
	struct lk_url_state st = state_of(f, links[5].url);
	assert_string_equal(st.last_status, "broken");
	assert_int_equal(st.failing_since, T0 + 5);

	for (int i = 0; i < NWRITE; i++)
		link_clear(&links[i]);
	free(links);
}

static void test_writer_counts_failed_rows(void **state)
{
	struct fixture *f = *state;
	struct lk_link good, bad[3];
	link_init(&good, "https://example.com/good", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	for (int i = 0; i < 3; i++)
		link_init(&bad[i], "https://example.com/bad", LK_STATUS_OK, LK_REASON_NONE, 200, T0);
	free(bad[2].url);
	bad[2].url = NULL;

	/* Run 777 does not exist, so a writer for it fails every row. */
	struct lk_writer *w = lk_writer_start(f->h, 777, 4, 2, 1000);
	assert_non_null(w);
	lk_writer_push(w, &bad[0]);
	lk_writer_push(w, &bad[1]);
	lk_writer_push(w, &bad[2]);
	char err[256] = "";
	assert_int_equal(lk_writer_finish(w, err, sizeof err), 3);
	assert_string_equal(err, "cannot record check: FOREIGN KEY constraint failed");

	/* The connection is fine afterwards and a correct writer works. */
	w = lk_writer_start(f->h, f->run_id, 4, 2, 1000);
	lk_writer_push(w, &good);
	assert_int_equal(lk_writer_finish(w, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM checks"), 1);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM urls"), 1);

	link_clear(&good);
	for (int i = 0; i < 3; i++)
		link_clear(&bad[i]);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_writer_commits_when_quiet(void **state)
{
	struct fixture *f = *state;
	struct lk_link l;
	link_init(&l, "https://example.com/quiet", LK_STATUS_OK, LK_REASON_NONE, 200, T0);

	/* One row, far below batch_rows: only the batch_ms timer can commit
	 * it, and another connection must then see it before finish. */
	struct lk_writer *w = lk_writer_start(f->h, f->run_id, 8, 1000, 50);
	lk_writer_push(w, &l);
	long long seen = 0;
	for (int i = 0; i < 200 && seen == 0; i++) {
		sleep_ms(10);
		seen = query_int(f->path, "SELECT count(*) FROM checks");
	}
	assert_int_equal(seen, 1);
	char err[64];
	assert_int_equal(lk_writer_finish(w, err, sizeof err), 0);
	link_clear(&l);
}

static void test_writer_with_nothing_to_write(void **state)
{
	struct fixture *f = *state;
	struct lk_writer *w = lk_writer_start(f->h, f->run_id, 0, 0, 0);
	assert_non_null(w);
	assert_int_equal(lk_writer_finish(w, NULL, 0), 0);
	assert_int_equal(query_int(f->path, "SELECT count(*) FROM checks"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_dir_and_schema_version_1, setup_dir,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_reopen_existing_db_keeps_rows, setup_dir,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_open_unwritable_path_fails, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_unopenable_file_fails, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_non_database_file_fails, setup_dir,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_open_foreign_sqlite_db_fails, setup_dir,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_open_newer_schema_refused, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_open_readonly_missing_file_fails, setup_dir,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_open_readonly_reads_but_cannot_write, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_run_begin_and_end_store_counts, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_run_end_unknown_run_fails, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_state_ok_broken_broken_ok, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_state_first_seen_broken, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_state_excluded_and_cached_leave_state_alone,
		                                setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_state_unknown_url_returns_0, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_each_url_in_order_with_status_and_title, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_host_column_is_lowercased_host, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_checks_newest_first_with_all_fields, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_checks_limit_and_early_stop, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_redirect_chain_stored_as_json, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_sources_upserted, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_in_urls_are_redacted, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_record_failure_leaves_no_partial_rows, setup_db,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_commit_without_begin_fails, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_writer_records_all_rows, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_writer_counts_failed_rows, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_writer_commits_when_quiet, setup_db, teardown),
		cmocka_unit_test_setup_teardown(test_writer_with_nothing_to_write, setup_db,
		                                teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
