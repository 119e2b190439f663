/*
 * report.h — reports for maintainers and CI, built from the history alone
 * (no network): what is broken, since when, what changed since the previous
 * run, and how reliable each link has been.
 *
 * Two steps, so that `report` and `check` share everything:
 *
 *   lk_report_load()   reads the SQLite history (history.h) into a
 *                      struct lk_report: one entry per URL with its state,
 *                      dates, counters, sources and a strip of its latest
 *                      checks, plus a summary and the changes between the
 *                      last two runs.
 *   lk_report_write()  renders that model in one of the formats below.
 *
 * `linkkeeper report` loads with the user's INPUT files and --since;
 * `check` loads, after its run has been recorded, with the run's own URLs
 * and run id, and writes its --format from the same model.
 *
 * Words (they are the vocabulary of every format):
 *
 *   status   the status of the URL's latest ok or broken check ("ok" or
 *            "broken"). Excluded and cached checks are recorded but do not
 *            say anything new about the link, exactly as in the history's
 *            own state columns; a URL that never had an ok or broken check
 *            has status "excluded".
 *
 *   state    one word per URL, the first that applies, in this order:
 *              excluded   no ok or broken check at all (nothing else can be
 *                         said of it);
 *              flaky      at least two ok<->broken transitions among its ok
 *                         and broken checks inside the window (--since);
 *              recovered  its previous ok/broken check was broken and the
 *                         latest is ok;
 *              new        only one check ever;
 *              ok/broken  its status.
 *            Why this order: "flaky" is the most useful thing to know about
 *            an unreliable link (any single status of it is misleading), a
 *            recovery is a change a maintainer wants to see once, and "new"
 *            only says we know nothing more than the one status. Whether a
 *            link is failing *now* is always its status, never its state: a
 *            flaky link whose latest check failed counts as broken in the
 *            totals, the dead-links sections and JUnit failures.
 *
 *   window   the checks at or after filter.since_ms (all checks when 0).
 *            checks, uptime, flaky and the history strip look only at the
 *            window; URLs without any check in the window are left out.
 *            first_seen, last_ok, dead_since and consecutive_failures are
 *            the URL's whole-life values from the urls table.
 *
 *   changes  "the last run" is filter.run_id, or the most recent row of
 *            runs. A URL takes part when it got an ok or broken check in
 *            that run; it is compared with its own previous ok/broken check
 *            (from whichever earlier run checked it):
 *              newly_broken  broken now, ok before or never checked before;
 *              fixed         ok now, broken before;
 *              still_broken  broken now and before (with dead_since).
 *            Comparing each URL with its own previous check, rather than
 *            with "the run before" as a whole, keeps partial runs (a check
 *            of one file) from reporting every other link as new or gone.
 *            When every run checks the same links the two agree. --since
 *            does not apply to changes.
 *
 * Formats: text (terminal, dead links grouped by document), json, markdown
 * (summary + table of broken links for an issue or PR comment), html (one
 * self-contained responsive page, sortable and filterable, nothing loaded
 * from anywhere), junit (one testsuite per document), csv (RFC 4180, one row
 * per URL). Times are RFC 3339 UTC everywhere.
 */
#ifndef LINKKEEPER_REPORT_H
#define LINKKEEPER_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "linkkeeper/util.h"

struct sqlite3;

enum lk_report_state {
	LK_STATE_BROKEN,
	LK_STATE_FLAKY,
	LK_STATE_RECOVERED,
	LK_STATE_NEW,
	LK_STATE_OK,
	LK_STATE_EXCLUDED,
	LK_STATE_COUNT
};

enum lk_report_format {
	LK_REPORT_TEXT,
	LK_REPORT_JSON,
	LK_REPORT_MARKDOWN,
	LK_REPORT_HTML,
	LK_REPORT_JUNIT,
	LK_REPORT_CSV,
};

/* The default and largest number of checks kept per URL for the history
 * strip of the HTML report (the latest ones of the window). */
#define LK_REPORT_STRIP_DEFAULT 40
#define LK_REPORT_STRIP_MAX 1000

/* What to load. Zero-initialised means: every URL, whole history, changes of
 * the latest run. Arrays are borrowed for the call only. */
struct lk_report_filter {
	/* Keep URLs seen in these documents: a source file equal to an input, or
	 * under it when the input is a directory ("docs" keeps "docs/a.md").
	 * A leading "./" is ignored on both sides. Only the matching sources are
	 * kept on each URL. */
	const char *const *inputs;
	size_t ninputs;
	/* Keep only these URLs (as check normalised them; they are redacted
	 * with lk_redact_url before the lookup, like the history stores them). */
	const char *const *urls;
	size_t nurls;
	int64_t since_ms;  /* start of the window; 0 = all history */
	int64_t run_id;    /* "the last run" for changes; 0 = latest in runs */
	/* Keep only URLs that "the last run" checked (any status): what CI
	 * wants after a check, without the links since removed from the
	 * documents, whose last status would otherwise stay on forever. */
	int only_run;
	size_t strip_max;  /* checks kept for the strip; 0 = LK_REPORT_STRIP_DEFAULT */
};

struct lk_report_source {
	char *file;
	unsigned line;
	char *title; /* "" when none */
};

/* One check in the history strip. */
struct lk_report_cell {
	int64_t at;
	const char *status; /* static: "ok", "broken", "excluded", "cached" */
	int http_status;
};

struct lk_report_url {
	char *url;
	enum lk_report_state state;
	const char *status;  /* static: "ok", "broken" or "excluded" */
	char *reason;        /* of the latest ok/broken check; NULL when none */
	int http_status;     /* of that check; 0 when none */
	char *error;         /* its error text; NULL when none */
	int64_t first_seen;  /* every time: epoch ms, 0 = none (null) */
	int64_t last_checked;
	int64_t last_ok;
	int64_t dead_since;  /* urls.failing_since; 0 while the status is ok */
	int64_t last_capture;/* newest capture's WARC-Date, 0 = none */
	long consecutive_failures; /* urls.fail_streak */
	long checks;         /* checks in the window, any status */
	long window_ok, window_broken;
	double uptime;       /* window_ok / (window_ok + window_broken); -1 if none */
	struct lk_report_source *sources; /* sorted by file, line */
	size_t nsources;
	struct lk_report_cell *cells;     /* oldest first, at most strip_max */
	size_t ncells;
};

/* An entry of a changes list: the index of the URL in lk_report.urls. */
struct lk_report_changes {
	size_t *newly_broken, nnewly_broken;
	size_t *fixed, nfixed;
	size_t *still_broken, nstill_broken;
};

struct lk_report {
	/* Failing (status broken) first, then flaky, recovered, new, ok,
	 * excluded; inside a group by first source (file, line), then URL. */
	struct lk_report_url *urls;
	size_t n;
	size_t count[LK_STATE_COUNT]; /* URLs per state */
	size_t nfailing;              /* URLs whose status is broken */
	int64_t since_ms;             /* the window asked for, 0 = all */
	int64_t last_run;             /* run id, 0 when the history has none */
	int64_t last_run_started;     /* epoch ms, 0 = none */
	int64_t prev_run;             /* the run before it, 0 = none */
	int64_t prev_run_started;
	struct lk_report_changes changes;
};

/* Opens path read-only (never creating it) and loads. Returns 0, or -1 with
 * a one-line message in err (missing file, not a linkkeeper history, SQL
 * error). On failure *out is left empty (safe to lk_report_free). */
int lk_report_load(const char *path, const struct lk_report_filter *f, struct lk_report *out,
                   char *err, size_t errlen);
/* The same on a connection the caller owns (read-only is enough). */
int lk_report_load_db(struct sqlite3 *db, const struct lk_report_filter *f,
                      struct lk_report *out, char *err, size_t errlen);
void lk_report_free(struct lk_report *r);

/* Appends the report in fmt to b. */
void lk_report_render(const struct lk_report *r, enum lk_report_format fmt, struct lk_buf *b);
/* Renders and writes to out (not closed). Returns 0, or -1 when the write
 * fails (errno set). */
int lk_report_write(const struct lk_report *r, enum lk_report_format fmt, FILE *out);

/* The writers behind lk_report_render, one per file in src/report/. */
void lk_report_text(const struct lk_report *r, struct lk_buf *b);
void lk_report_json(const struct lk_report *r, struct lk_buf *b);
void lk_report_markdown(const struct lk_report *r, struct lk_buf *b);
void lk_report_html(const struct lk_report *r, struct lk_buf *b);
void lk_report_junit(const struct lk_report *r, struct lk_buf *b);
void lk_report_csv(const struct lk_report *r, struct lk_buf *b);

const char *lk_report_state_name(enum lk_report_state s);
/* Appends "5 ok, 2 broken, 0 flaky, 0 recovered, 0 new, 0 excluded": the
 * count of every state, in the order the text and Markdown summaries use. */
void lk_report_put_counts(const struct lk_report *r, struct lk_buf *b);
const char *lk_report_format_name(enum lk_report_format f);
/* Returns 0 and sets *out for "text", "json", "markdown" (or "md"), "html",
 * "junit", "csv"; -1 otherwise. */
int lk_report_format_parse(const char *name, enum lk_report_format *out);

/* 1 when the URL's status is broken (the test every format uses for "dead"). */
int lk_report_url_failing(const struct lk_report_url *u);
/* "http 404", "timeout", "" for none: the reason as people read it. Writes
 * at most n bytes to out and returns out. */
const char *lk_report_reason_text(const struct lk_report_url *u, char *out, size_t n);
/* RFC 3339 UTC, or NULL for 0; out must hold 32 bytes. */
const char *lk_report_time(int64_t ms, char out[32]);

#endif
