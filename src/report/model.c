/*
 * model.c — builds a struct lk_report from the SQLite history (report.h
 * defines every word used here: status, state, window, changes).
 *
 * How it works: a few whole-table scans, each ordered by url id, instead of
 * one query per URL, so a report of 100 000 links costs a handful of
 * sequential reads rather than 100 000 index lookups.
 *
 *   1. runs     the last run (or filter.run_id) and the one before it;
 *   2. urls     one work entry per row, in id order (so bsearch finds a url
 *               id); the URL filter marks which ones are kept;
 *   3. sources  attached to their URL when they match the INPUT filter;
 *   4. checks   streamed oldest first per URL and folded into counters: the
 *               two latest ok/broken statuses, the window counts and
 *               transitions, the change in the last run, and a ring of the
 *               latest strip_max checks for the history strip;
 *   5. capture  newest WARC-Date per URL, when an archive table exists.
 *
 * Then every kept URL gets its state, the list is sorted (failing first)
 * and the changes lists are built from the sorted order.
 *
 * The history is only read: the connection is opened read-only, and nothing
 * here would write even on a read-write one.
 */
#include "linkkeeper/report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "linkkeeper/result.h"

enum change { CH_NONE, CH_NEWLY_BROKEN, CH_FIXED, CH_STILL_BROKEN };

/* What the check scan remembers about one URL. */
struct acc {
	long all;              /* checks ever, any status */
	int nob;               /* ok/broken checks seen, counted up to 2 */
	int last_broken;       /* latest ok/broken check was broken */
	int prev_broken;       /* the one before it was broken */
	int64_t last_at;       /* latest check of any status */
	int64_t streak_start;  /* first broken check after the last ok one */
	long streak;           /* broken checks since the last ok one */
	int win_have;          /* an ok/broken check was seen in the window */
	int win_last_broken;
	long transitions;      /* ok<->broken changes inside the window */
	enum change change;    /* what the last run did to this URL */
	int in_run;            /* the last run checked it (any status) */
	size_t cell_start;     /* oldest cell once the ring is full */
};

struct work {
	int64_t id;
	int keep;
	int64_t first_seen, last_checked, last_ok, failing_since; /* urls columns */
	long fail_streak;
	struct acc a;
	struct lk_report_url u;
};

struct loader {
	sqlite3 *db;
	const struct lk_report_filter *f;
	struct work *w;
	size_t n;
	char **urlset; /* the URL filter, redacted and sorted */
	size_t nurlset;
	size_t strip_max;
	int64_t last_run;
	char *err;
	size_t errlen;
};

static const char *const state_names[LK_STATE_COUNT] = {
	[LK_STATE_BROKEN] = "broken",     [LK_STATE_FLAKY] = "flaky",
	[LK_STATE_RECOVERED] = "recovered", [LK_STATE_NEW] = "new",
	[LK_STATE_OK] = "ok",             [LK_STATE_EXCLUDED] = "excluded",
};

static const char *const format_names[] = {
	[LK_REPORT_TEXT] = "text",   [LK_REPORT_JSON] = "json",   [LK_REPORT_MARKDOWN] = "markdown",
	[LK_REPORT_HTML] = "html",   [LK_REPORT_JUNIT] = "junit", [LK_REPORT_CSV] = "csv",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *lk_report_state_name(enum lk_report_state s)
{
	return (size_t)s < NELEM(state_names) ? state_names[s] : "?";
}

void lk_report_put_counts(const struct lk_report *r, struct lk_buf *b)
{
	static const enum lk_report_state order[] = {LK_STATE_OK,        LK_STATE_BROKEN,
	                                             LK_STATE_FLAKY,     LK_STATE_RECOVERED,
	                                             LK_STATE_NEW,       LK_STATE_EXCLUDED};
	for (size_t i = 0; i < NELEM(order); i++)
		lk_buf_printf(b, "%s%zu %s", i ? ", " : "", r->count[order[i]],
		              lk_report_state_name(order[i]));
}

const char *lk_report_format_name(enum lk_report_format f)
{
	return (size_t)f < NELEM(format_names) ? format_names[f] : "?";
}

int lk_report_format_parse(const char *name, enum lk_report_format *out)
{
	if (strcmp(name, "md") == 0) {
		*out = LK_REPORT_MARKDOWN;
		return 0;
	}
	for (size_t i = 0; i < NELEM(format_names); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum lk_report_format)i;
			return 0;
		}
	return -1;
}

int lk_report_url_failing(const struct lk_report_url *u)
{
	return strcmp(u->status, "broken") == 0;
}

const char *lk_report_reason_text(const struct lk_report_url *u, char *out, size_t n)
{
	const char *reason = u->reason ? u->reason : "";
	if (strcmp(reason, "http") == 0 && u->http_status)
		snprintf(out, n, "http %d", u->http_status);
	else
		snprintf(out, n, "%s", reason);
	return out;
}

const char *lk_report_time(int64_t ms, char out[32])
{
	if (ms == 0)
		return NULL;
	lk_format_time(ms, 0, out);
	return out;
}

/* ---- small helpers ------------------------------------------------------ */

static void set_err(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, ld->errlen, fmt, ap);
	va_end(ap);
}

static int db_err(struct loader *ld, const char *what)
{
	set_err(ld, "%s: %s", what, sqlite3_errmsg(ld->db));
	return -1;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t col_i64(sqlite3_stmt *st, int i)
{
	return (int64_t)sqlite3_column_int64(st, i);
}

static char *dup_or_null(const char *s)
{
	return s ? lk_xstrdup(s) : NULL;
}

/* The static name of a check status, so cells need no allocation. */
static const char *static_status(const char *s)
{
	enum lk_status st;
	if (s && lk_status_parse(s, &st) == 0)
		return lk_status_name(st);
	return "unknown";
}

static int prepare(struct loader *ld, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(ld->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_err(ld, "cannot read history");
	return 0;
}

/* 1 when table has column col (any column when col is NULL), 0 when not,
 * -1 on error. */
static int table_has(struct loader *ld, const char *table, const char *col)
{
	sqlite3_stmt *st;
	if (prepare(ld, "SELECT name FROM pragma_table_info(?1)", &st) < 0)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int found = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (!col || strcmp(col_text(st, 0), col) == 0)
			found = 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ld, "cannot read history");
	return found;
}

static void free_url(struct lk_report_url *u)
{
	free(u->url);
	free(u->reason);
	free(u->error);
	for (size_t i = 0; i < u->nsources; i++) {
		free(u->sources[i].file);
		free(u->sources[i].title);
	}
	free(u->sources);
	free(u->cells);
	memset(u, 0, sizeof *u);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct work *find_work(struct loader *ld, int64_t id)
{
	size_t lo = 0, hi = ld->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ld->w[mid].id == id)
			return &ld->w[mid];
		if (ld->w[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- filters ------------------------------------------------------------ */

static const char *skip_dot_slash(const char *s)
{
	while (s[0] == '.' && s[1] == '/') {
		s += 2;
		while (*s == '/')
			s++;
	}
	return s;
}

/* Does a source file belong to the document or directory given as input? */
static int input_matches(const char *input, const char *file)
{
	input = skip_dot_slash(input);
	file = skip_dot_slash(file);
	size_t n = strlen(input);
	while (n > 1 && input[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && input[0] == '.'))
		return 1;
	if (strncmp(input, file, n) != 0)
		return 0;
	return file[n] == '\0' || file[n] == '/' || input[n - 1] == '/';
}

static int source_wanted(const struct lk_report_filter *f, const char *file)
{
	if (f->ninputs == 0)
		return 1;
	for (size_t i = 0; i < f->ninputs; i++)
		if (input_matches(f->inputs[i], file))
			return 1;
	return 0;
}

static void build_urlset(struct loader *ld)
{
	const struct lk_report_filter *f = ld->f;
	if (f->nurls == 0)
		return;
	ld->urlset = lk_xcalloc(f->nurls, sizeof *ld->urlset);
	for (size_t i = 0; i < f->nurls; i++)
		ld->urlset[i] = lk_redact_url(f->urls[i]);
	ld->nurlset = f->nurls;
	qsort(ld->urlset, ld->nurlset, sizeof *ld->urlset, cmp_str);
}

static int url_wanted(const struct loader *ld, const char *url)
{
	if (ld->f->nurls == 0)
		return 1;
	return bsearch(&url, ld->urlset, ld->nurlset, sizeof *ld->urlset, cmp_str) != NULL;
}

/* ---- 1. runs ------------------------------------------------------------ */

static int load_runs(struct loader *ld, struct lk_report *r)
{
	sqlite3_stmt *st;
	const char *sql = ld->f->run_id ? "SELECT id, started_at FROM runs WHERE id = ?1"
	                                : "SELECT id, started_at FROM runs ORDER BY id DESC LIMIT 1";
	if (prepare(ld, sql, &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)ld->f->run_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->last_run = col_i64(st, 0);
		r->last_run_started = col_i64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(ld, "cannot read runs");
	if (ld->f->run_id && rc == SQLITE_DONE) {
		set_err(ld, "no run %lld in the history", (long long)ld->f->run_id);
		return -1;
	}
	ld->last_run = r->last_run;
	if (prepare(ld, "SELECT id, started_at FROM runs WHERE id < ?1 ORDER BY id DESC LIMIT 1",
	            &st) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->last_run);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->prev_run = col_i64(st, 0);
		r->prev_run_started = col_i64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(ld, "cannot read runs");
	return 0;
}

/* ---- 2. urls ------------------------------------------------------------ */

static int load_urls(struct loader *ld)
{
	sqlite3_stmt *st;
	if (prepare(ld,
	            "SELECT id, url, first_seen, last_checked, last_ok_at, failing_since,"
	            " fail_streak FROM urls ORDER BY id",
	            &st) < 0)
		return -1;
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *url = col_text(st, 1);
		if (!url || !url_wanted(ld, url))
			continue;
		if (ld->n == cap) {
			cap = cap ? cap * 2 : 256;
			ld->w = lk_xrealloc(ld->w, cap * sizeof *ld->w);
		}
		struct work *w = &ld->w[ld->n++];
		memset(w, 0, sizeof *w);
		w->id = col_i64(st, 0);
		w->keep = 1;
		w->u.url = lk_xstrdup(url);
		w->first_seen = col_i64(st, 2);
		w->last_checked = col_i64(st, 3);
		w->last_ok = col_i64(st, 4);
		w->failing_since = col_i64(st, 5);
		w->fail_streak = (long)col_i64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ld, "cannot read urls");
	return 0;
}

/* ---- 3. sources --------------------------------------------------------- */

static void add_source(struct work *w, const char *file, int64_t line, const char *title)
{
	struct lk_report_url *u = &w->u;
	u->sources = lk_xrealloc(u->sources, (u->nsources + 1) * sizeof *u->sources);
	struct lk_report_source *s = &u->sources[u->nsources++];
	s->file = lk_xstrdup(file);
	s->line = line > 0 && line <= (int64_t)UINT32_MAX ? (unsigned)line : 0;
	s->title = lk_xstrdup(title ? title : "");
}

static int load_sources(struct loader *ld)
{
	sqlite3_stmt *st;
	if (prepare(ld, "SELECT url_id, file, line, title FROM sources ORDER BY url_id, file, line",
	            &st) < 0)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct work *w = find_work(ld, col_i64(st, 0));
		const char *file = col_text(st, 1);
		if (!w || !file || !source_wanted(ld->f, file))
			continue;
		add_source(w, file, col_i64(st, 2), col_text(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ld, "cannot read sources");
	/* With INPUT, a URL belongs to the report only through its documents. */
	if (ld->f->ninputs)
		for (size_t i = 0; i < ld->n; i++)
			if (ld->w[i].u.nsources == 0)
				ld->w[i].keep = 0;
	return 0;
}

/* ---- 4. checks ---------------------------------------------------------- */

static void push_cell(struct loader *ld, struct work *w, int64_t at, const char *status, int http)
{
	struct lk_report_url *u = &w->u;
	struct lk_report_cell cell = {at, static_status(status), http};
	if (u->ncells < ld->strip_max) {
		/* Grow as needed: most URLs have a few checks, and a fixed
		 * strip_max-sized array per URL would dominate memory. */
		if ((u->ncells & (u->ncells - 1)) == 0)
			u->cells = lk_xrealloc(u->cells, (u->ncells ? u->ncells * 2 : 1) * sizeof *u->cells);
		u->cells[u->ncells++] = cell;
		return;
	}
	u->cells[w->a.cell_start] = cell;
	w->a.cell_start = (w->a.cell_start + 1) % ld->strip_max;
}

/* The state-changing part: only ok and broken checks count here. */
static void fold_verdict(struct loader *ld, struct work *w, int64_t run_id, int64_t at,
                         int broken, sqlite3_stmt *st)
{
	struct acc *a = &w->a;
	int was_broken = a->nob > 0 && a->last_broken;
	if (run_id == ld->last_run) {
		if (broken)
			a->change = was_broken ? CH_STILL_BROKEN : CH_NEWLY_BROKEN;
		else
			a->change = was_broken ? CH_FIXED : CH_NONE;
	}
	if (broken && !was_broken) {
		a->streak_start = at;
		a->streak = 0;
	}
	a->streak = broken ? a->streak + 1 : 0;
	a->prev_broken = a->last_broken;
	a->last_broken = broken;
	if (a->nob < 2)
		a->nob++;
	free(w->u.reason);
	free(w->u.error);
	w->u.reason = dup_or_null(col_text(st, 4));
	w->u.http_status = sqlite3_column_int(st, 5);
	w->u.error = dup_or_null(col_text(st, 6));
}

/* Columns of st: url_id, run_id, checked_at, status, reason, http_status,
 * error. */
static void fold_check(struct loader *ld, struct work *w, sqlite3_stmt *st)
{
	struct acc *a = &w->a;
	int64_t run_id = col_i64(st, 1);
	int64_t at = col_i64(st, 2);
	const char *status = col_text(st, 3);
	int is_ok = status && strcmp(status, "ok") == 0;
	int is_broken = status && strcmp(status, "broken") == 0;
	a->all++;
	if (run_id == ld->last_run)
		a->in_run = 1;
	if (at > a->last_at)
		a->last_at = at;
	if (is_ok || is_broken)
		fold_verdict(ld, w, run_id, at, is_broken, st);
	if (at < ld->f->since_ms)
		return;
	w->u.checks++;
	if (is_ok || is_broken) {
		if (is_broken)
			w->u.window_broken++;
		else
			w->u.window_ok++;
		if (a->win_have && a->win_last_broken != is_broken)
			a->transitions++;
		a->win_have = 1;
		a->win_last_broken = is_broken;
	}
	push_cell(ld, w, at, status, sqlite3_column_int(st, 5));
}

static int load_checks(struct loader *ld)
{
	sqlite3_stmt *st;
	if (prepare(ld,
	            "SELECT url_id, run_id, checked_at, status, reason, http_status, error"
	            " FROM checks ORDER BY url_id, checked_at, id",
	            &st) < 0)
		return -1;
	struct work *w = NULL;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = col_i64(st, 0);
		/* Rows come grouped by url id: look up only when it changes. */
		if (!w || w->id != id)
			w = find_work(ld, id);
		if (w && w->keep)
			fold_check(ld, w, st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_err(ld, "cannot read checks");
	return 0;
}

/* ---- 5. captures -------------------------------------------------------- */

/* The archive's table, when this history has one: "capture" (the archive
 * design) or "captures", with url and warc_date columns. NULL when none. */
static const char *capture_table(struct loader *ld)
{
	static const char *const names[] = {"capture", "captures"};
	for (size_t i = 0; i < NELEM(names); i++)
		if (table_has(ld, names[i], "url") == 1 && table_has(ld, names[i], "warc_date") == 1)
			return names[i];
	return NULL;
}

static int64_t capture_time(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_INTEGER)
		return col_i64(st, col);
	int64_t ms = 0;
	const char *s = col_text(st, col);
	if (s && lk_parse_time(s, &ms) < 0)
		ms = 0;
	return ms;
}

static int cmp_work_url(const void *a, const void *b)
{
	const struct work *x = *(struct work *const *)a, *y = *(struct work *const *)b;
	return strcmp(x->u.url, y->u.url);
}

static int load_captures(struct loader *ld)
{
	const char *table = capture_table(ld);
	if (!table || ld->n == 0)
		return 0;
	struct work **byurl = lk_xcalloc(ld->n, sizeof *byurl);
	for (size_t i = 0; i < ld->n; i++)
		byurl[i] = &ld->w[i];
	qsort(byurl, ld->n, sizeof *byurl, cmp_work_url);
	char *sql = lk_xasprintf("SELECT url, max(warc_date) FROM \"%s\" GROUP BY url", table);
	sqlite3_stmt *st;
	int rc = prepare(ld, sql, &st);
	free(sql);
	if (rc < 0)
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct work key = {.u.url = (char *)col_text(st, 0)};
		struct work *pkey = &key;
		if (!key.u.url)
			continue;
		struct work **hit = bsearch(&pkey, byurl, ld->n, sizeof *byurl, cmp_work_url);
		if (hit)
			(*hit)->u.last_capture = capture_time(st, 1);
	}
	sqlite3_finalize(st);
	rc = rc == SQLITE_DONE ? 0 : db_err(ld, "cannot read captures");
out:
	free(byurl);
	return rc;
}

/* ---- the verdicts ------------------------------------------------------- */

/* Puts the ring of cells back in oldest-first order. */
static void unroll_cells(struct work *w)
{
	struct lk_report_url *u = &w->u;
	size_t k = w->a.cell_start;
	if (k == 0)
		return;
	struct lk_report_cell *c = lk_xmalloc(u->ncells * sizeof *c);
	memcpy(c, u->cells + k, (u->ncells - k) * sizeof *c);
	memcpy(c + (u->ncells - k), u->cells, k * sizeof *c);
	free(u->cells);
	u->cells = c;
}

static enum lk_report_state decide_state(const struct acc *a)
{
	if (a->nob == 0)
		return LK_STATE_EXCLUDED;
	if (a->transitions >= 2)
		return LK_STATE_FLAKY;
	if (a->nob >= 2 && a->prev_broken && !a->last_broken)
		return LK_STATE_RECOVERED;
	if (a->all == 1)
		return LK_STATE_NEW;
	return a->last_broken ? LK_STATE_BROKEN : LK_STATE_OK;
}

static void finish_url(struct loader *ld, struct work *w)
{
	struct lk_report_url *u = &w->u;
	const struct acc *a = &w->a;
	if (ld->f->since_ms && u->checks == 0)
		w->keep = 0;
	if (ld->f->only_run && !a->in_run)
		w->keep = 0;
	if (!w->keep)
		return;
	unroll_cells(w);
	u->state = decide_state(a);
	u->status = a->nob == 0 ? "excluded" : a->last_broken ? "broken" : "ok";
	u->first_seen = w->first_seen;
	u->last_checked = w->last_checked ? w->last_checked : a->last_at;
	u->last_ok = w->last_ok;
	if (a->nob && a->last_broken) {
		/* The urls columns are the history's word; what the checks say is
		 * only a fallback for rows an older writer left without them. */
		u->dead_since = w->failing_since ? w->failing_since : a->streak_start;
		u->consecutive_failures = w->fail_streak ? w->fail_streak : a->streak;
	}
	long n = u->window_ok + u->window_broken;
	u->uptime = n ? (double)u->window_ok / (double)n : -1.0;
}

static int state_rank(const struct lk_report_url *u)
{
	static const int rank[LK_STATE_COUNT] = {
		[LK_STATE_BROKEN] = 0, [LK_STATE_FLAKY] = 1, [LK_STATE_RECOVERED] = 2,
		[LK_STATE_NEW] = 3,    [LK_STATE_OK] = 4,    [LK_STATE_EXCLUDED] = 5,
	};
	return lk_report_url_failing(u) ? 0 : rank[u->state];
}

static int cmp_report_order(const void *a, const void *b)
{
	const struct lk_report_url *x = &((const struct work *)a)->u;
	const struct lk_report_url *y = &((const struct work *)b)->u;
	int d = state_rank(x) - state_rank(y);
	if (d)
		return d;
	/* URLs without a source go last in their group. */
	if (!x->nsources != !y->nsources)
		return x->nsources ? -1 : 1;
	if (x->nsources) {
		d = strcmp(x->sources[0].file, y->sources[0].file);
		if (d)
			return d;
		if (x->sources[0].line != y->sources[0].line)
			return x->sources[0].line < y->sources[0].line ? -1 : 1;
	}
	return strcmp(x->url, y->url);
}

static void push_index(size_t **list, size_t *n, size_t i)
{
	*list = lk_xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = i;
}

/* Moves the kept URLs into r, sorted, and fills counts and changes. */
static void build_report(struct loader *ld, struct lk_report *r)
{
	size_t kept = 0;
	for (size_t i = 0; i < ld->n; i++) {
		if (ld->w[i].keep)
			ld->w[kept++] = ld->w[i];
		else
			free_url(&ld->w[i].u);
	}
	ld->n = kept;
	if (ld->n)
		qsort(ld->w, ld->n, sizeof *ld->w, cmp_report_order);
	r->urls = lk_xcalloc(ld->n, sizeof *r->urls);
	r->n = ld->n;
	struct lk_report_changes *c = &r->changes;
	for (size_t i = 0; i < ld->n; i++) {
		struct work *w = &ld->w[i];
		r->urls[i] = w->u;
		memset(&w->u, 0, sizeof w->u);
		r->count[r->urls[i].state]++;
		if (lk_report_url_failing(&r->urls[i]))
			r->nfailing++;
		if (w->a.change == CH_NEWLY_BROKEN)
			push_index(&c->newly_broken, &c->nnewly_broken, i);
		else if (w->a.change == CH_FIXED)
			push_index(&c->fixed, &c->nfixed, i);
		else if (w->a.change == CH_STILL_BROKEN)
			push_index(&c->still_broken, &c->nstill_broken, i);
	}
}

static int check_schema(struct loader *ld)
{
	static const char *const tables[] = {"runs", "urls", "checks", "sources"};
	for (size_t i = 0; i < NELEM(tables); i++) {
		int rc = table_has(ld, tables[i], NULL);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			set_err(ld, "not a linkkeeper history (no table %s)", tables[i]);
			return -1;
		}
	}
	return 0;
}

static void free_loader(struct loader *ld)
{
	for (size_t i = 0; i < ld->n; i++)
		free_url(&ld->w[i].u);
	free(ld->w);
	for (size_t i = 0; i < ld->nurlset; i++)
		free(ld->urlset[i]);
	free(ld->urlset);
}

int lk_report_load_db(struct sqlite3 *db, const struct lk_report_filter *f,
                      struct lk_report *out, char *err, size_t errlen)
{
	static const struct lk_report_filter none = {0};
	struct loader ld = {.db = db, .f = f ? f : &none, .err = err, .errlen = errlen};
	memset(out, 0, sizeof *out);
	ld.strip_max = ld.f->strip_max ? ld.f->strip_max : LK_REPORT_STRIP_DEFAULT;
	if (ld.strip_max > LK_REPORT_STRIP_MAX)
		ld.strip_max = LK_REPORT_STRIP_MAX;
	out->since_ms = ld.f->since_ms;
	build_urlset(&ld);
	int rc = -1;
	if (check_schema(&ld) < 0 || load_runs(&ld, out) < 0 || load_urls(&ld) < 0 ||
	    load_sources(&ld) < 0 || load_checks(&ld) < 0)
		goto out;
	for (size_t i = 0; i < ld.n; i++)
		finish_url(&ld, &ld.w[i]);
	if (load_captures(&ld) < 0)
		goto out;
	build_report(&ld, out);
	rc = 0;
out:
	free_loader(&ld);
	if (rc < 0)
		lk_report_free(out);
	return rc;
}

int lk_report_load(const char *path, const struct lk_report_filter *f, struct lk_report *out,
                   char *err, size_t errlen)
{
	struct stat sb;
	memset(out, 0, sizeof *out);
	/* SQLite would report a missing file as "unable to open database
	 * file"; errno says it better. */
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "cannot open database %s: %s", path, strerror(errno));
		return -1;
	}
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	char msg[400];
	int rc = lk_report_load_db(db, f, out, msg, sizeof msg);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	sqlite3_close(db);
	return rc;
}

void lk_report_free(struct lk_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free_url(&r->urls[i]);
	free(r->urls);
	free(r->changes.newly_broken);
	free(r->changes.fixed);
	free(r->changes.still_broken);
	memset(r, 0, sizeof *r);
}

void lk_report_render(const struct lk_report *r, enum lk_report_format fmt, struct lk_buf *b)
{
	switch (fmt) {
	case LK_REPORT_TEXT: lk_report_text(r, b); break;
	case LK_REPORT_JSON: lk_report_json(r, b); break;
	case LK_REPORT_MARKDOWN: lk_report_markdown(r, b); break;
	case LK_REPORT_HTML: lk_report_html(r, b); break;
	case LK_REPORT_JUNIT: lk_report_junit(r, b); break;
	case LK_REPORT_CSV: lk_report_csv(r, b); break;
	}
}

int lk_report_write(const struct lk_report *r, enum lk_report_format fmt, FILE *out)
{
	struct lk_buf b = {0};
	lk_report_render(r, fmt, &b);
	size_t n = b.len ? fwrite(b.data, 1, b.len, out) : 0;
	int rc = n == b.len && fflush(out) == 0 && !ferror(out) ? 0 : -1;
	int saved = errno;
	lk_buf_free(&b);
	errno = saved;
	return rc;
}
