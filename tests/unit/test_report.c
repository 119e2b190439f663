/*
 * test_report.c — the report library against a real history: five runs
 * recorded through lk_history_* into a SQLite file in a temporary
 * directory, with a link that dies, one that dies in the last run, one that
 * comes back, one that flaps, one always ok, two seen only in the last run
 * (one ok, one broken) and one excluded.
 *
 *            R1 R2 R3 R4 R5   document
 *   dies     ok ok ok  x  x   docs/a.md:3
 *   newly    ok ok ok ok  x   docs/b.md:5       (timeout)
 *   back      x  x  x  x ok   docs/b.md:7       (title with <script>, |, ")
 *   flap     ok  x ok ok ok   docs/b.md:9
 *   steady   ok ok ok ok ok   docs/a.md:1 + docs/b.md:2 (control chars, bad UTF-8)
 *   fresh                ok   docs/b.md:11
 *   gonenew               x   docs/b.md:12
 *   excl                  -   docs/b.md:13      (excluded)
 *
 * Run k starts at T0 + k days; link i is checked i+1 seconds later. The
 * writers' output is validated by independent parsers (Python's json, csv
 * and xml.dom.minidom) run through system().
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "linkkeeper/history.h"
#include "linkkeeper/report.h"
#include "linkkeeper/util.h"

#define DAY (86400LL * 1000)
#define NRUNS 5

#define U_DIES "https://a.example/dies"
#define U_NEWLY "https://b.example/newly"
#define U_BACK "https://c.example/back"
#define U_FLAP "https://d.example/flap"
#define U_STEADY "https://e.example/steady"
#define U_FRESH "https://f.example/fresh"
#define U_GONENEW "https://g.example/gone-new"
#define U_EXCL "https://h.example/excluded"

#define BACK_TITLE "Back <script>alert(\"x\")</script> | pipe, comma"

struct spec {
	const char *url;
	const char *runs; /* one char per run: o ok, b broken, x excluded, - none */
	const char *file;
	unsigned line;
	const char *title;
	enum lk_reason reason; /* of its broken checks */
};

static const struct spec specs[] = {
	{U_DIES, "ooobb", "docs/a.md", 3, "Dies", LK_REASON_HTTP},
	{U_NEWLY, "oooob", "docs/b.md", 5, "Newly", LK_REASON_TIMEOUT},
	{U_BACK, "bbbbo", "docs/b.md", 7, BACK_TITLE, LK_REASON_HTTP},
	{U_FLAP, "obooo", "docs/b.md", 9, "Flap", LK_REASON_HTTP},
	{U_STEADY, "ooooo", "docs/a.md", 1, "Steady\x01 \xff bytes", LK_REASON_HTTP},
	{U_FRESH, "----o", "docs/b.md", 11, "Fresh", LK_REASON_HTTP},
	{U_GONENEW, "----b", "docs/b.md", 12, "Gone", LK_REASON_HTTP},
	{U_EXCL, "----x", "docs/b.md", 13, "Excluded", LK_REASON_HTTP},
};
#define NSPECS (sizeof specs / sizeof specs[0])

/* cmocka's float asserts work in float; uptimes are doubles. */
#define assert_near(a, b) assert_true((a) - (b) < 1e-9 && (b) - (a) < 1e-9)

struct fixture {
	char dir[64];
	char path[128];
	char out[160]; /* scratch file for the parsers */
	int64_t t0;
};

static int64_t check_time(const struct fixture *f, int run, size_t link)
{
	return f->t0 + (int64_t)run * DAY + (int64_t)(link + 1) * 1000;
}

static void record(struct lk_history *h, int64_t run_id, const struct spec *s, char c,
                   int64_t at)
{
	struct lk_source src = {.file = s->file, .line = s->line, .title = (char *)s->title};
	struct lk_link l = {.url = (char *)s->url, .src = &src, .nsrc = 1};
	l.res.checked_at_ms = at;
	if (c == 'o') {
		l.res.status = LK_STATUS_OK;
		l.res.http_status = 200;
	} else if (c == 'b') {
		l.res.status = LK_STATUS_BROKEN;
		l.res.reason = s->reason;
		l.res.http_status = s->reason == LK_REASON_HTTP ? 404 : 0;
		lk_result_set_error(&l.res,
		                    s->reason == LK_REASON_HTTP ? "HTTP 404 Not Found" : "timed out");
	} else {
		l.res.status = LK_STATUS_EXCLUDED;
		l.res.reason = LK_REASON_PATTERN;
	}
	assert_int_equal(lk_history_record(h, run_id, &l), 0);
	lk_result_clear(&l.res);
}

/* The steady link is also used in a second document. */
static void record_steady_twice(struct lk_history *h, int64_t run_id, int64_t at)
{
	struct lk_source src[2] = {
		{.file = "docs/a.md", .line = 1, .title = "Steady\x01 \xff bytes"},
		{.file = "docs/b.md", .line = 2, .title = "Steady again"},
	};
	struct lk_link l = {.url = U_STEADY, .src = src, .nsrc = 2};
	l.res.status = LK_STATUS_OK;
	l.res.http_status = 200;
	l.res.checked_at_ms = at;
	assert_int_equal(lk_history_record(h, run_id, &l), 0);
}

static void build_history(struct fixture *f)
{
	struct lk_history *h;
	char err[256];
	assert_int_equal(lk_history_open(f->path, &h, err, sizeof err), 0);
	for (int run = 1; run <= NRUNS; run++) {
		int64_t run_id;
		assert_int_equal(lk_history_run_begin(h, f->t0 + run * DAY, "check docs", &run_id), 0);
		assert_int_equal(run_id, run);
		assert_int_equal(lk_history_begin(h), 0);
		for (size_t i = 0; i < NSPECS; i++) {
			char c = specs[i].runs[run - 1];
			if (c == '-')
				continue;
			if (strcmp(specs[i].url, U_STEADY) == 0)
				record_steady_twice(h, run_id, check_time(f, run, i));
			else
				record(h, run_id, &specs[i], c, check_time(f, run, i));
		}
		assert_int_equal(lk_history_commit(h), 0);
		struct lk_run_counts counts = {0};
		assert_int_equal(lk_history_run_end(h, run_id, f->t0 + run * DAY + 60000, &counts), 0);
	}
	lk_history_close(h);
}

static int setup(void **state)
{
	struct fixture *f = lk_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lk-report-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof f->path, "%s/history.db", f->dir);
	snprintf(f->out, sizeof f->out, "%s/out", f->dir);
	if (lk_parse_time("2026-11-01", &f->t0) < 0)
		return -1;
	build_history(f);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void load(struct fixture *f, const struct lk_report_filter *flt, struct lk_report *r)
{
	char err[512];
	int rc = lk_report_load(f->path, flt, r, err, sizeof err);
	if (rc != 0)
		fail_msg("lk_report_load: %s", err);
}

static const struct lk_report_url *find(const struct lk_report *r, const char *url)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->urls[i].url, url) == 0)
			return &r->urls[i];
	return NULL;
}

static const struct lk_report_url *must_find(const struct lk_report *r, const char *url)
{
	const struct lk_report_url *u = find(r, url);
	if (!u)
		fail_msg("%s is not in the report", url);
	return u;
}

/* Renders r in fmt to the fixture's scratch file; returns the text
 * (caller frees). */
static char *render_to_file(struct fixture *f, const struct lk_report *r,
                            enum lk_report_format fmt)
{
	FILE *out = fopen(f->out, "w");
	assert_non_null(out);
	assert_int_equal(lk_report_write(r, fmt, out), 0);
	assert_int_equal(fclose(out), 0);
	struct lk_buf b = {0};
	lk_report_render(r, fmt, &b);
	return lk_buf_detach(&b);
}

/* Runs a Python program (no single quotes in it) with the scratch file as
 * argv[1]; returns its exit status. */
static int python(struct fixture *f, const char *program)
{
	char *cmd = lk_xasprintf("python3 -c '%s' '%s'", program, f->out);
	int rc = system(cmd);
	free(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static int list_has(const struct lk_report *r, const size_t *idx, size_t n, const char *url)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->urls[idx[i]].url, url) == 0)
			return 1;
	return 0;
}

/* ---- the model ---------------------------------------------------------- */

static void test_dead_since_is_first_failing_runs_check(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	const struct lk_report_url *u = must_find(&r, U_DIES);
	assert_string_equal(u->status, "broken");
	assert_int_equal(u->state, LK_STATE_BROKEN);
	assert_int_equal(u->dead_since, check_time(f, 4, 0));
	assert_int_equal(u->consecutive_failures, 2);
	assert_int_equal(u->last_ok, check_time(f, 3, 0));
	assert_int_equal(u->first_seen, check_time(f, 1, 0));
	assert_int_equal(u->last_checked, check_time(f, 5, 0));
	assert_string_equal(u->reason, "http");
	assert_int_equal(u->http_status, 404);
	assert_int_equal(u->checks, 5);
	lk_report_free(&r);
}

static void test_live_links_have_no_dead_since(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	const char *live[] = {U_BACK, U_FLAP, U_STEADY, U_FRESH};
	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
		const struct lk_report_url *u = must_find(&r, live[i]);
		assert_string_equal(u->status, "ok");
		assert_int_equal(u->dead_since, 0);
		assert_int_equal(u->consecutive_failures, 0);
	}
	lk_report_free(&r);
}

static void test_states_follow_the_precedence(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	assert_int_equal(must_find(&r, U_DIES)->state, LK_STATE_BROKEN);
	assert_int_equal(must_find(&r, U_NEWLY)->state, LK_STATE_BROKEN);
	assert_int_equal(must_find(&r, U_BACK)->state, LK_STATE_RECOVERED);
	/* flap ended ok after a broken check two runs earlier: flaky, and
	 * flaky wins over everything. */
	assert_int_equal(must_find(&r, U_FLAP)->state, LK_STATE_FLAKY);
	assert_int_equal(must_find(&r, U_STEADY)->state, LK_STATE_OK);
	assert_int_equal(must_find(&r, U_FRESH)->state, LK_STATE_NEW);
	/* new wins over broken, but the link still counts as failing. */
	const struct lk_report_url *g = must_find(&r, U_GONENEW);
	assert_int_equal(g->state, LK_STATE_NEW);
	assert_true(lk_report_url_failing(g));
	const struct lk_report_url *x = must_find(&r, U_EXCL);
	assert_int_equal(x->state, LK_STATE_EXCLUDED);
	assert_string_equal(x->status, "excluded");
	assert_true(x->uptime < 0);

	assert_int_equal(r.n, NSPECS);
	assert_int_equal(r.nfailing, 3);
	assert_int_equal(r.count[LK_STATE_BROKEN], 2);
	assert_int_equal(r.count[LK_STATE_FLAKY], 1);
	assert_int_equal(r.count[LK_STATE_RECOVERED], 1);
	assert_int_equal(r.count[LK_STATE_NEW], 2);
	assert_int_equal(r.count[LK_STATE_OK], 1);
	assert_int_equal(r.count[LK_STATE_EXCLUDED], 1);
	lk_report_free(&r);
}

static void test_uptime_is_ok_over_ok_and_broken(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	assert_near(must_find(&r, U_DIES)->uptime, 0.6);
	assert_near(must_find(&r, U_BACK)->uptime, 0.2);
	assert_near(must_find(&r, U_FLAP)->uptime, 0.8);
	assert_near(must_find(&r, U_STEADY)->uptime, 1.0);
	assert_near(must_find(&r, U_GONENEW)->uptime, 0.0);
	lk_report_free(&r);
}

static void test_dead_links_come_first(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	for (size_t i = 0; i < r.nfailing; i++)
		assert_true(lk_report_url_failing(&r.urls[i]));
	for (size_t i = r.nfailing; i < r.n; i++)
		assert_false(lk_report_url_failing(&r.urls[i]));
	lk_report_free(&r);
}

/* The changes between R4 and R5 are exactly: newly and gonenew died, back
 * came back, dies stayed dead. */
static void test_changes_list_exactly_what_the_last_run_changed(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	const struct lk_report_changes *c = &r.changes;
	assert_int_equal(r.last_run, 5);
	assert_int_equal(r.prev_run, 4);
	assert_int_equal(c->nnewly_broken, 2);
	assert_true(list_has(&r, c->newly_broken, c->nnewly_broken, U_NEWLY));
	assert_true(list_has(&r, c->newly_broken, c->nnewly_broken, U_GONENEW));
	assert_int_equal(c->nfixed, 1);
	assert_true(list_has(&r, c->fixed, c->nfixed, U_BACK));
	assert_int_equal(c->nstill_broken, 1);
	assert_true(list_has(&r, c->still_broken, c->nstill_broken, U_DIES));
	lk_report_free(&r);
}

static void test_changes_of_an_earlier_run(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.run_id = 4};
	struct lk_report r;
	load(f, &flt, &r);
	const struct lk_report_changes *c = &r.changes;
	assert_int_equal(r.last_run, 4);
	assert_int_equal(r.prev_run, 3);
	assert_int_equal(c->nnewly_broken, 1);
	assert_true(list_has(&r, c->newly_broken, c->nnewly_broken, U_DIES));
	assert_int_equal(c->nfixed, 0);
	assert_int_equal(c->nstill_broken, 1);
	assert_true(list_has(&r, c->still_broken, c->nstill_broken, U_BACK));
	lk_report_free(&r);
}

static void test_unknown_run_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.run_id = 99};
	struct lk_report r;
	char err[512];
	assert_int_equal(lk_report_load(f->path, &flt, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "no run 99"));
	lk_report_free(&r);
}

/* From R3 on, flap is ok, ok, ok: no longer flaky; dies is 1 ok of 3. */
static void test_since_limits_the_window(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.since_ms = f->t0 + 3 * DAY};
	struct lk_report r;
	load(f, &flt, &r);
	const struct lk_report_url *flap = must_find(&r, U_FLAP);
	assert_int_equal(flap->state, LK_STATE_OK);
	assert_int_equal(flap->checks, 3);
	assert_int_equal(flap->ncells, 3);
	const struct lk_report_url *dies = must_find(&r, U_DIES);
	assert_near(dies->uptime, 1.0 / 3.0);
	/* dead_since is the link's whole-life value, not the window's. */
	assert_int_equal(dies->dead_since, check_time(f, 4, 0));
	lk_report_free(&r);
}

static void test_since_drops_links_not_checked_in_the_window(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.since_ms = f->t0 + 6 * DAY};
	struct lk_report r;
	load(f, &flt, &r);
	assert_int_equal(r.n, 0);
	lk_report_free(&r);
}

static void test_history_strip_keeps_the_latest_checks(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.strip_max = 3};
	struct lk_report r;
	load(f, &flt, &r);
	const struct lk_report_url *u = must_find(&r, U_DIES);
	assert_int_equal(u->ncells, 3);
	assert_int_equal(u->cells[0].at, check_time(f, 3, 0));
	assert_string_equal(u->cells[0].status, "ok");
	assert_int_equal(u->cells[2].at, check_time(f, 5, 0));
	assert_string_equal(u->cells[2].status, "broken");
	assert_int_equal(u->cells[2].http_status, 404);
	lk_report_free(&r);
}

static void test_inputs_keep_only_their_documents(void **state)
{
	struct fixture *f = *state;
	const char *inputs[] = {"./docs/a.md"};
	struct lk_report_filter flt = {.inputs = inputs, .ninputs = 1};
	struct lk_report r;
	load(f, &flt, &r);
	assert_int_equal(r.n, 2);
	assert_non_null(find(&r, U_DIES));
	const struct lk_report_url *s = must_find(&r, U_STEADY);
	/* Only the matching source is kept. */
	assert_int_equal(s->nsources, 1);
	assert_string_equal(s->sources[0].file, "docs/a.md");
	lk_report_free(&r);
}

static void test_directory_input_keeps_files_under_it(void **state)
{
	struct fixture *f = *state;
	const char *inputs[] = {"docs/"};
	struct lk_report_filter flt = {.inputs = inputs, .ninputs = 1};
	struct lk_report r;
	load(f, &flt, &r);
	assert_int_equal(r.n, NSPECS);
	lk_report_free(&r);
	const char *other[] = {"doc"};
	flt.inputs = other;
	load(f, &flt, &r);
	assert_int_equal(r.n, 0);
	lk_report_free(&r);
}

static void test_url_filter_keeps_the_runs_links(void **state)
{
	struct fixture *f = *state;
	const char *urls[] = {U_BACK, U_GONENEW, "https://not.example/in-history"};
	struct lk_report_filter flt = {.urls = urls, .nurls = 3};
	struct lk_report r;
	load(f, &flt, &r);
	assert_int_equal(r.n, 2);
	assert_non_null(find(&r, U_BACK));
	assert_non_null(find(&r, U_GONENEW));
	assert_int_equal(r.changes.nnewly_broken, 1);
	assert_int_equal(r.changes.nfixed, 1);
	assert_int_equal(r.changes.nstill_broken, 0);
	lk_report_free(&r);
}

static void test_only_run_drops_links_the_run_did_not_check(void **state)
{
	struct fixture *f = *state;
	struct lk_report_filter flt = {.run_id = 4, .only_run = 1};
	struct lk_report r;
	load(f, &flt, &r);
	/* fresh, gonenew and excl first appeared in R5. */
	assert_int_equal(r.n, 5);
	assert_null(find(&r, U_FRESH));
	assert_null(find(&r, U_GONENEW));
	assert_null(find(&r, U_EXCL));
	lk_report_free(&r);
	flt.run_id = 0;
	load(f, &flt, &r);
	assert_int_equal(r.n, NSPECS); /* R5 checked every link, excl included */
	lk_report_free(&r);
}

static void test_capture_table_gives_last_capture(void **state)
{
	struct fixture *f = *state;
	char *path = lk_xasprintf("%s/with-capture.db", f->dir);
	char *cmd = lk_xasprintf("cp '%s' '%s'", f->path, path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE capture(id INTEGER PRIMARY KEY, url TEXT,"
	                              " warc_date TEXT);"
	                              "INSERT INTO capture(url, warc_date) VALUES"
	                              " ('" U_STEADY "', '2026-11-02T10:00:00Z'),"
	                              " ('" U_STEADY "', '2026-11-04T10:00:00.250Z');",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	struct lk_report r;
	char err[512];
	assert_int_equal(lk_report_load_db(db, NULL, &r, err, sizeof err), 0);
	int64_t want;
	assert_int_equal(lk_parse_time("2026-11-04T10:00:00.250Z", &want), 0);
	assert_int_equal(must_find(&r, U_STEADY)->last_capture, want);
	assert_int_equal(must_find(&r, U_DIES)->last_capture, 0);
	lk_report_free(&r);
	sqlite3_close(db);
	free(path);
}

static void test_missing_database_is_an_error(void **state)
{
	struct fixture *f = *state;
	char *path = lk_xasprintf("%s/nope.db", f->dir);
	struct lk_report r;
	char err[512];
	assert_int_equal(lk_report_load(path, NULL, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot open database"));
	assert_int_equal(access(path, F_OK), -1); /* and it was not created */
	assert_int_equal(r.n, 0);
	free(path);
}

static void test_foreign_database_is_an_error(void **state)
{
	struct fixture *f = *state;
	char *path = lk_xasprintf("%s/foreign.db", f->dir);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	struct lk_report r;
	char err[512];
	assert_int_equal(lk_report_load(path, NULL, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a linkkeeper history"));
	free(path);
}

static void test_empty_history_renders_everywhere(void **state)
{
	struct fixture *f = *state;
	char *path = lk_xasprintf("%s/empty.db", f->dir);
	struct lk_history *h;
	char err[512];
	assert_int_equal(lk_history_open(path, &h, err, sizeof err), 0);
	lk_history_close(h);
	struct lk_report r;
	assert_int_equal(lk_report_load(path, NULL, &r, err, sizeof err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.last_run, 0);
	for (int fmt = LK_REPORT_TEXT; fmt <= LK_REPORT_CSV; fmt++) {
		char *s = render_to_file(f, &r, (enum lk_report_format)fmt);
		assert_true(strlen(s) > 0);
		free(s);
	}
	char *s = render_to_file(f, &r, LK_REPORT_JSON);
	assert_int_equal(python(f, "import json,sys; d=json.load(open(sys.argv[1])); "
	                           "assert d[\"urls\"]==[] and d[\"summary\"][\"last_run\"] is None"),
	                 0);
	free(s);
	lk_report_free(&r);
	free(path);
}

/* ---- the formats -------------------------------------------------------- */

static void test_json_has_every_field(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	free(render_to_file(f, &r, LK_REPORT_JSON));
	char dies_since[32], dies_ok[32], dies_first[32];
	lk_format_time(check_time(f, 4, 0), 0, dies_since);
	lk_format_time(check_time(f, 3, 0), 0, dies_ok);
	lk_format_time(check_time(f, 1, 0), 0, dies_first);
	char *prog = lk_xasprintf(
		"import json,sys\n"
		"d = json.load(open(sys.argv[1], encoding=\"utf-8\"))\n"
		"u = {x[\"url\"]: x for x in d[\"urls\"]}\n"
		"keys = {\"url\",\"state\",\"status\",\"reason\",\"first_seen\",\"last_checked\","
		"\"last_ok\",\"dead_since\",\"consecutive_failures\",\"checks\",\"uptime\","
		"\"last_capture\",\"sources\"}\n"
		"assert all(keys <= set(x) for x in d[\"urls\"]), \"missing keys\"\n"
		"a = u[\"" U_DIES "\"]\n"
		"assert a[\"state\"] == \"broken\" and a[\"status\"] == \"broken\", a\n"
		"assert a[\"reason\"] == \"http\" and a[\"http_status\"] == 404, a\n"
		"assert a[\"dead_since\"] == \"%s\", a\n"
		"assert a[\"last_ok\"] == \"%s\" and a[\"first_seen\"] == \"%s\", a\n"
		"assert a[\"consecutive_failures\"] == 2 and a[\"checks\"] == 5, a\n"
		"assert abs(a[\"uptime\"] - 0.6) < 1e-9 and a[\"last_capture\"] is None, a\n"
		"assert a[\"sources\"] == [{\"file\": \"docs/a.md\", \"line\": 3, \"title\": "
		"\"Dies\"}], a\n"
		"assert u[\"" U_BACK "\"][\"state\"] == \"recovered\"\n"
		"assert u[\"" U_BACK "\"][\"dead_since\"] is None\n"
		"assert u[\"" U_BACK "\"][\"sources\"][0][\"title\"] == \"%s\"\n"
		"assert u[\"" U_FLAP "\"][\"state\"] == \"flaky\"\n"
		"assert u[\"" U_FRESH "\"][\"state\"] == \"new\"\n"
		"assert u[\"" U_STEADY "\"][\"state\"] == \"ok\" and u[\"" U_STEADY
		"\"][\"uptime\"] == 1\n"
		"assert len(u[\"" U_STEADY "\"][\"sources\"]) == 2\n"
		"assert u[\"" U_EXCL "\"][\"uptime\"] is None\n"
		"s = d[\"summary\"]\n"
		"assert s[\"total\"] == 8 and s[\"failing\"] == 3, s\n"
		"assert s[\"states\"] == {\"broken\": 2, \"flaky\": 1, \"recovered\": 1, \"new\": 2,"
		" \"ok\": 1, \"excluded\": 1}, s\n"
		"assert sorted(s[\"newly_broken\"]) == [\"" U_NEWLY "\", \"" U_GONENEW "\"], s\n"
		"assert s[\"fixed\"] == [\"" U_BACK "\"], s\n"
		"assert s[\"still_broken\"] == [{\"url\": \"" U_DIES "\", \"dead_since\": \"%s\"}], s\n"
		"assert s[\"last_run\"][\"id\"] == 5 and s[\"previous_run\"][\"id\"] == 4, s\n",
		dies_since, dies_ok, dies_first, "Back <script>alert(\\\"x\\\")</script> | pipe, comma",
		dies_since);
	assert_int_equal(python(f, prog), 0);
	free(prog);
	lk_report_free(&r);
}

static void test_junit_is_well_formed_with_right_counts(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	char *xml = render_to_file(f, &r, LK_REPORT_JUNIT);
	/* The steady link's title had \x01 and \xff: neither may reach XML. */
	assert_null(strchr(xml, '\x01'));
	free(xml);
	const char *prog =
		"import sys, xml.dom.minidom as m\n"
		"d = m.parse(sys.argv[1])\n"
		"root = d.documentElement\n"
		"assert root.tagName == \"testsuites\"\n"
		"suites = {s.getAttribute(\"name\"): s for s in d.getElementsByTagName(\"testsuite\")}\n"
		"assert sorted(suites) == [\"docs/a.md\", \"docs/b.md\"], suites\n"
		"def cases(s): return s.getElementsByTagName(\"testcase\")\n"
		"def fails(s): return [c for c in cases(s) if c.getElementsByTagName(\"failure\")]\n"
		"a, b = suites[\"docs/a.md\"], suites[\"docs/b.md\"]\n"
		"assert len(cases(a)) == 2 and a.getAttribute(\"tests\") == \"2\"\n"
		"assert len(fails(a)) == 1 and a.getAttribute(\"failures\") == \"1\"\n"
		"assert len(cases(b)) == 7 and b.getAttribute(\"tests\") == \"7\"\n"
		"assert len(fails(b)) == 2 and b.getAttribute(\"failures\") == \"2\"\n"
		"assert b.getAttribute(\"skipped\") == \"1\"\n"
		"assert root.getAttribute(\"tests\") == \"9\" and root.getAttribute(\"failures\") == \"3\"\n"
		"f = fails(a)[0]\n"
		"assert f.getAttribute(\"name\") == \"https://a.example/dies\"\n"
		"assert f.getAttribute(\"classname\") == \"docs/a.md\"\n"
		"assert f.getElementsByTagName(\"failure\")[0].getAttribute(\"message\") == \"http 404\"\n";
	assert_int_equal(python(f, prog), 0);
	lk_report_free(&r);
}

static void test_csv_parses_one_row_per_url(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	char *csv = render_to_file(f, &r, LK_REPORT_CSV);
	assert_non_null(strstr(csv, "\r\n"));
	free(csv);
	const char *prog =
		"import csv, sys\n"
		"rows = list(csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8\","
		" errors=\"replace\")))\n"
		"assert len(rows) == 8, len(rows)\n"
		"u = {x[\"url\"]: x for x in rows}\n"
		"b = u[\"https://c.example/back\"]\n"
		"assert b[\"state\"] == \"recovered\" and b[\"dead_since\"] == \"\", b\n"
		"assert b[\"titles\"] == \"Back <script>alert(\\\"x\\\")</script> | pipe, comma\", b\n"
		"a = u[\"https://a.example/dies\"]\n"
		"assert a[\"consecutive_failures\"] == \"2\" and a[\"uptime\"] == \"0.6000\", a\n"
		"s = u[\"https://e.example/steady\"]\n"
		"assert s[\"sources\"] == \"docs/a.md:1; docs/b.md:2\", s\n";
	assert_int_equal(python(f, prog), 0);
	lk_report_free(&r);
}

static void test_markdown_has_the_broken_links_table(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	char *md = render_to_file(f, &r, LK_REPORT_MARKDOWN);
	assert_non_null(strstr(md, "| Source | Title | URL | Since | Reason |"));
	char since[32];
	lk_format_time(check_time(f, 4, 0), 0, since);
	char *row = lk_xasprintf("| docs/a.md:3 | Dies | <" U_DIES "> | %s | http 404 |", since);
	assert_non_null(strstr(md, row));
	free(row);
	assert_non_null(strstr(md, "Newly broken (2)"));
	assert_non_null(strstr(md, "Fixed (1)"));
	assert_non_null(strstr(md, "Still broken (1)"));
	/* Three broken links, one row each, plus header and rule. */
	size_t rows = 0;
	for (const char *p = md; (p = strstr(p, "\n| ")) != NULL; p++)
		rows++;
	assert_int_equal(rows, 5);
	lk_report_free(&r);
	free(md);
}

static void test_markdown_escapes_cells(void **state)
{
	(void)state;
	struct lk_report_source src = {.file = "docs/x|y.md", .line = 4,
	                               .title = "a|b *c* [d](e) <b>\n@team"};
	struct lk_report_url u = {.url = "https://x.example/p|q", .state = LK_STATE_BROKEN,
	                          .status = "broken", .reason = "dns", .sources = &src,
	                          .nsources = 1, .uptime = -1};
	struct lk_report r = {.urls = &u, .n = 1, .nfailing = 1};
	struct lk_buf b = {0};
	lk_report_markdown(&r, &b);
	assert_non_null(strstr(b.data, "| docs/x\\|y.md:4 | a\\|b \\*c\\* \\[d\\](e) \\<b\\> "
	                               "@\xE2\x80\x8Bteam | <https://x.example/p\\|q> |  | dns |"));
	lk_buf_free(&b);
}

static void test_html_shows_script_title_as_text(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	char *html = render_to_file(f, &r, LK_REPORT_HTML);
	assert_null(strstr(html, "<script>alert"));
	assert_non_null(strstr(html, "Back &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
	/* One script element, ours; nothing loaded from anywhere. */
	const char *p = strstr(html, "<script");
	assert_non_null(p);
	assert_null(strstr(p + 1, "<script"));
	assert_null(strstr(html, "src="));
	assert_non_null(strstr(html, "default-src 'none'"));
	lk_report_free(&r);
	free(html);
}

static void test_html_links_only_http_urls(void **state)
{
	(void)state;
	struct lk_report_url u[2] = {
		{.url = "javascript:alert(1)", .state = LK_STATE_BROKEN, .status = "broken",
		 .reason = "invalid_url", .uptime = -1},
		{.url = "https://ok.example/a?b=1&c=2", .state = LK_STATE_OK, .status = "ok",
		 .uptime = 1},
	};
	struct lk_report r = {.urls = u, .n = 2, .nfailing = 1};
	struct lk_buf b = {0};
	lk_report_html(&r, &b);
	assert_null(strstr(b.data, "href=\"javascript"));
	assert_non_null(strstr(b.data, "href=\"https://ok.example/a?b=1&amp;c=2\""));
	lk_buf_free(&b);
}

static void test_text_groups_dead_links_by_document(void **state)
{
	struct fixture *f = *state;
	struct lk_report r;
	load(f, NULL, &r);
	char *t = render_to_file(f, &r, LK_REPORT_TEXT);
	const char *dead = strstr(t, "Dead links by document (3)");
	assert_non_null(dead);
	const char *a = strstr(dead, "\ndocs/a.md\n");
	const char *b = strstr(dead, "\ndocs/b.md\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	const char *dies = strstr(dead, U_DIES);
	assert_true(dies > a && dies < b);
	assert_true(strstr(dead, U_NEWLY) > b);
	assert_true(strstr(dead, U_GONENEW) > b);
	assert_non_null(strstr(t, "2 newly broken, 1 fixed, 1 still broken"));
	/* Live links are not listed among the dead. */
	assert_null(strstr(dead, U_STEADY));
	assert_null(strchr(t, '\x01'));
	lk_report_free(&r);
	free(t);
}

static void test_format_names_round_trip(void **state)
{
	(void)state;
	for (int fmt = LK_REPORT_TEXT; fmt <= LK_REPORT_CSV; fmt++) {
		enum lk_report_format got;
		assert_int_equal(lk_report_format_parse(lk_report_format_name((enum lk_report_format)fmt),
		                                        &got),
		                 0);
		assert_int_equal(got, fmt);
	}
	enum lk_report_format got;
	assert_int_equal(lk_report_format_parse("md", &got), 0);
	assert_int_equal(got, LK_REPORT_MARKDOWN);
	assert_int_equal(lk_report_format_parse("yaml", &got), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_since_is_first_failing_runs_check),
		cmocka_unit_test(test_live_links_have_no_dead_since),
		cmocka_unit_test(test_states_follow_the_precedence),
		cmocka_unit_test(test_uptime_is_ok_over_ok_and_broken),
		cmocka_unit_test(test_dead_links_come_first),
		cmocka_unit_test(test_changes_list_exactly_what_the_last_run_changed),
		cmocka_unit_test(test_changes_of_an_earlier_run),
		cmocka_unit_test(test_unknown_run_is_an_error),
		cmocka_unit_test(test_since_limits_the_window),
		cmocka_unit_test(test_since_drops_links_not_checked_in_the_window),
		cmocka_unit_test(test_history_strip_keeps_the_latest_checks),
		cmocka_unit_test(test_inputs_keep_only_their_documents),
		cmocka_unit_test(test_directory_input_keeps_files_under_it),
		cmocka_unit_test(test_url_filter_keeps_the_runs_links),
		cmocka_unit_test(test_only_run_drops_links_the_run_did_not_check),
		cmocka_unit_test(test_capture_table_gives_last_capture),
		cmocka_unit_test(test_missing_database_is_an_error),
		cmocka_unit_test(test_foreign_database_is_an_error),
		cmocka_unit_test(test_empty_history_renders_everywhere),
		cmocka_unit_test(test_json_has_every_field),
		cmocka_unit_test(test_junit_is_well_formed_with_right_counts),
		cmocka_unit_test(test_csv_parses_one_row_per_url),
		cmocka_unit_test(test_markdown_has_the_broken_links_table),
		cmocka_unit_test(test_markdown_escapes_cells),
		cmocka_unit_test(test_html_shows_script_title_as_text),
		cmocka_unit_test(test_html_links_only_http_urls),
		cmocka_unit_test(test_text_groups_dead_links_by_document),
		cmocka_unit_test(test_format_names_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
