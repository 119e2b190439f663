/*
 * check.c — `linkkeeper check`: extract → check → remember → report.
 *
 * The calling thread extracts every input into a link set, decides what
 * needs no request (invalid URLs, --exclude/--include, fresh results under
 * --max-age), then becomes the network thread (engine.h). Finished links go
 * through a bounded queue to the writer thread, the only user of the SQLite
 * connection while the engine runs. When both are done, the history tells
 * which broken links fail the build (--fail-after, bot walls on links that
 * were fine before), and the chosen writer prints the run.
 *
 * Archiving (`archive`, or `check --archive`) adds a third thread: the
 * engine then fetches every page with GET and hands each response below
 * 400 to the archiver (archiver.h), which writes the WARC files and the
 * capture index. `archive` is this same command with archiving on.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linkkeeper/archiver.h"
#include "linkkeeper/checkopts.h"
#include "linkkeeper/cmd.h"
#include "linkkeeper/engine.h"
#include "linkkeeper/extract.h"
#include "linkkeeper/history.h"
#include "linkkeeper/linkset.h"
#include "linkkeeper/output.h"
#include "linkkeeper/report.h"
#include "linkkeeper/util.h"

#define WRITER_QUEUE 8192
#define WRITER_BATCH_ROWS 5000
#define WRITER_BATCH_MS 250

static const char check_usage[] =
	"usage: linkkeeper check [OPTIONS] INPUT...\n"
	"\n"
	"Extracts every link from INPUT (files, directories, - for stdin, or URLs),\n"
	"checks them all concurrently and records every result in the history.\n"
	"\n"
	"Output:\n"
	"  --format FMT          text (default), json, github, junit or markdown\n"
	"  -o, --output FILE     write the output to FILE\n"
	"  --no-progress         no progress line (shown only when stderr is a terminal)\n"
	"  --db FILE             history database (default $LINKKEEPER_DB or\n"
	"                        .linkkeeper/history.db)\n"
	"Input:\n"
	"  --input-format FMT    format of stdin: text (default), markdown, html\n"
	"  --base URL            base for relative links in HTML\n"
	"Checking:\n"
	"  -j, --concurrency N   transfers in flight at once (128)\n"
	"  --per-host N          transfers in flight per host (6)\n"
	"  --timeout D           per attempt (20s); durations: 500ms, 20s, 30m, 12h, 7d\n"
	"  --connect-timeout D   (10s)\n"
	"  --retries N           retries of timeouts, resets, 408/429/5xx (3)\n"
	"  --retry-wait D        first backoff, doubled per retry (1s)\n"
	"  --max-redirects N     (10)\n"
	"  --method head|get     head (default): HEAD, then GET when HEAD is not\n"
	"                        accepted; get: GET only, one request per URL\n"
	"  --accept RANGES       accepted statuses (200-299), e.g. 200-299,403\n"
	"  --exclude REGEX       skip matching URLs (repeatable)\n"
	"  --include REGEX       check only matching URLs (repeatable)\n"
	"  --exclude-private     skip loopback, private and link-local addresses\n"
	"  --user-agent S        User-Agent header\n"
	"  -H, --header 'K: V'   extra request header (repeatable; never recorded)\n"
	"  --insecure            do not verify TLS certificates\n"
	"  --connect-to H:P:H2:P2  send requests for host H port P to H2:P2 (repeatable;\n"
	"                        empty H or P match any; H is then never resolved)\n"
	"  --max-age D           do not re-request URLs that were ok more recently\n"
	"Failing the build:\n"
	"  --fail-after N        fail only for links broken N runs in a row (1)\n"
	"  --strict              also fail for bot walls and rate limits on links\n"
	"                        that were ok before\n"
	"Archiving (see 'linkkeeper help archive'):\n"
	"  --archive             also save every page fetched into WARC files\n"
	"  --archive-dir DIR     (default .linkkeeper/archive)\n"
	"  --max-page-size SIZE  cut captured bodies here (50M)\n"
	"  --warc-max-size SIZE  start a new WARC file past this size (1G)\n"
	"  --compress-level N    gzip level of WARC records, 1 (fast) to 9 (small) (6)\n"
	"\n"
	"Exit status: 0 nothing broken, 1 broken links, 2 usage, input or runtime error.\n";

struct check_ctx {
	struct lk_writer *writer;
};

static void on_done(void *ctx, struct lk_link *link)
{
	struct check_ctx *c = ctx;
	lk_writer_push(c->writer, link);
}

static int extract_inputs(const struct lk_check_opts *o, int argc, char **argv, int first,
                          struct lk_linkset *set)
{
	char err[512];
	for (int i = first; i < argc; i++) {
		if (lk_extract_path(argv[i], &o->extract, lk_linkset_add_cb, set, err, sizeof err) != 0) {
			lk_cmd_error("%s", err);
			return -1;
		}
	}
	return 0;
}

/* Decides the links that need no request; returns those that do. */
static struct lk_link **triage(const struct lk_check_opts *o, struct lk_linkset *set,
                               struct lk_history *h, size_t *nnet)
{
	struct lk_link **net = lk_xcalloc(set->n ? set->n : 1, sizeof *net);
	int64_t now = lk_now_ms();
	size_t n = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct lk_link *l = &set->links[i];
		struct lk_result *r = &l->res;
		if (l->invalid) {
			/* The link set preset the result and its reason. */
			r->status = LK_STATUS_BROKEN;
			r->reason = LK_REASON_INVALID_URL;
			if (!lk_result_error(r))
				lk_result_set_error(r, "not a valid URL");
			r->checked_at_ms = now;
			continue;
		}
		if (lk_check_opts_excluded(o, l->url)) {
			r->status = LK_STATUS_EXCLUDED;
			r->reason = LK_REASON_PATTERN;
			r->checked_at_ms = now;
			continue;
		}
		if (o->max_age_ms > 0) {
			struct lk_url_state st;
			if (lk_history_url_state(h, l->url, &st) == 1 && strcmp(st.last_status, "ok") == 0 &&
			    st.last_ok_at > 0 && now - st.last_ok_at < o->max_age_ms) {
				r->status = LK_STATUS_CACHED;
				r->reason = LK_REASON_FRESH;
				lk_result_set_last_ok(r, st.last_ok_at);
				r->http_status = st.last_http;
				r->checked_at_ms = now;
				continue;
			}
		}
		net[n++] = l;
	}
	*nnet = n;
	return net;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	lk_engine_request_stop();
}

/* SIGINT and SIGTERM (a cancelled CI job) stop the check cleanly: what was
 * checked is recorded and printed. A second signal kills as usual. No
 * SA_RESTART, so the network thread's epoll_wait returns at once. */
static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = (int)SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Counts decided links; after an interrupt some have no verdict. */
static void count(const struct lk_linkset *set, struct lk_run_counts *c)
{
	memset(c, 0, sizeof *c);
	c->total = set->n;
	for (size_t i = 0; i < set->n; i++) {
		if (!set->links[i].res.checked_at_ms)
			continue;
		switch (set->links[i].res.status) {
		case LK_STATUS_OK: c->ok++; break;
		case LK_STATUS_BROKEN: c->broken++; break;
		case LK_STATUS_EXCLUDED: c->excluded++; break;
		case LK_STATUS_CACHED: c->cached++; break;
		}
	}
}

/* Which broken links fail the build, from the history the run just wrote. */
static int judge(const struct lk_check_opts *o, const struct lk_linkset *set,
                 struct lk_history *h, unsigned char *verdict, int *streak)
{
	int failing = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct lk_link *l = &set->links[i];
		verdict[i] = LK_VERDICT_NONE;
		streak[i] = 0;
		if (l->res.status != LK_STATUS_BROKEN)
			continue;
		struct lk_url_state st;
		int known = lk_history_url_state(h, l->url, &st) == 1;
		streak[i] = known ? st.fail_streak : 1;
		int fail = streak[i] >= o->fail_after;
		int wall = l->res.reason == LK_REASON_BLOCKED || l->res.reason == LK_REASON_RATE_LIMITED;
		if (wall && !o->strict && known && st.last_ok_at > 0)
			fail = 0;
		verdict[i] = fail ? LK_VERDICT_FAIL : LK_VERDICT_WARN;
		failing |= fail;
	}
	return failing;
}

/* JUnit and Markdown come from the report writers, over this run's rows. */
static int write_report(const struct lk_check_opts *o, int64_t run_id, FILE *out)
{
	struct lk_report r;
	struct lk_report_filter f = {.run_id = run_id, .only_run = 1};
	char err[512];
	if (lk_report_load(lk_cmd_db_path(o->db), &f, &r, err, sizeof err) < 0)
		return lk_cmd_error("%s", err);
	int rc = lk_report_write(&r, o->format == LK_OUT_JUNIT ? LK_REPORT_JUNIT : LK_REPORT_MARKDOWN,
	                         out);
	lk_report_free(&r);
	return rc < 0 ? -1 : 0;
}

static int write_output(const struct lk_check_opts *o, const struct lk_run_view *v,
                        int64_t run_id)
{
	FILE *out = stdout;
	int rc = 0;
	if (o->output) {
		out = fopen(o->output, "w");
		if (!out)
			return lk_cmd_error("cannot write %s: %s", o->output, strerror(errno));
	}
	switch (o->format) {
	case LK_OUT_JSON: lk_output_json(v, out); break;
	case LK_OUT_GITHUB: lk_output_github(v, out); break;
	case LK_OUT_JUNIT:
	case LK_OUT_MARKDOWN: rc = write_report(o, run_id, out); break;
	default: lk_output_text(v, out); break;
	}
	int bad = ferror(out) || rc != 0;
	if (out != stdout)
		bad |= fclose(out) != 0;
	else
		bad |= fflush(out) != 0;
	if (bad)
		return lk_cmd_error("error writing %s", o->output ? o->output : "standard output");
	return 0;
}

/* Starts the archiver for run_id and turns the engine's capture mode on. */
static struct lk_archiver *start_archive(struct lk_check_opts *o, int64_t run_id)
{
	char err[512];
	struct lk_archiver_opts ao = {
		.db_path = lk_cmd_db_path(o->db),
		.dir = o->archive_dir,
		.run_id = run_id,
		.warc_max_size = o->warc_max_size,
		.user_agent = o->engine.user_agent,
		.level = o->warc_level,
	};
	struct lk_archiver *a = lk_archiver_start(&ao, err, sizeof err);
	if (!a) {
		lk_cmd_error("%s", err);
		return NULL;
	}
	o->engine.capture = 1;
	o->engine.max_page_size = o->max_page_size;
	o->engine.capture_fn = lk_archiver_push;
	o->engine.capture_ctx = a;
	return a;
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Finishes the archiver and says what it wrote, in one line on stderr;
 * *stp gets the figures. Returns 0, or -1 when something could not be
 * archived (already said). */
static int finish_archive(const struct lk_check_opts *o, struct lk_archiver *a,
                          struct lk_archive_stats *stp)
{
	struct lk_archive_stats st;
	char err[512];
	int rc = lk_archiver_finish(a, &st, err, sizeof err);
	*stp = st;
	fprintf(stderr,
	        "archive: %zu response%s, %zu revisit%s, %zu truncated; %.1f KiB in %zu WARC "
	        "file%s in %s",
	        st.responses, plural(st.responses), st.revisits, plural(st.revisits), st.truncated,
	        (double)st.bytes / 1024.0, st.files, plural(st.files), o->archive_dir);
	if (st.repaired_files)
		fprintf(stderr, "; repaired %zu unfinished file%s (%llu bytes cut)", st.repaired_files,
		        plural(st.repaired_files), (unsigned long long)st.repaired_cut);
	fputc('\n', stderr);
	if (rc < 0)
		lk_cmd_error("archive: %s", err);
	return rc;
}

int lk_check_main(int argc, char **argv, const char *usage, int archive)
{
	struct lk_check_opts o;
	struct lk_linkset set;
	struct lk_history *h = NULL;
	struct lk_link **net = NULL;
	struct lk_archiver *archiver = NULL;
	struct lk_archive_stats archived = {0};
	unsigned char *verdict = NULL;
	int *streak = NULL;
	char err[512];
	int rc = LK_EXIT_ERROR;
	int64_t t0 = lk_mono_ms();

	lk_linkset_init(&set);
	int first = lk_check_opts_parse(&o, argc, argv, usage);
	if (first == -2) {
		rc = LK_EXIT_OK;
		goto out;
	}
	if (first < 0)
		goto out;
	o.archive |= archive;
	o.engine.progress = !o.no_progress && isatty(STDERR_FILENO);
	if (extract_inputs(&o, argc, argv, first, &set) < 0)
		goto out;
	if (lk_history_open(lk_cmd_db_path(o.db), &h, err, sizeof err) < 0) {
		lk_cmd_error("%s", err);
		goto out;
	}
	int64_t run_id;
	if (lk_history_run_begin(h, lk_now_ms(), o.args, &run_id) < 0) {
		lk_cmd_error("cannot record the run: %s", lk_history_error(h));
		goto out;
	}
	if (o.archive && !(archiver = start_archive(&o, run_id)))
		goto out;
	size_t nnet;
	net = triage(&o, &set, h, &nnet);

	struct check_ctx ctx = {
		.writer = lk_writer_start(h, run_id, WRITER_QUEUE, WRITER_BATCH_ROWS, WRITER_BATCH_MS),
	};
	for (size_t i = 0; i < set.n; i++)
		if (set.links[i].res.checked_at_ms)
			lk_writer_push(ctx.writer, &set.links[i]);
	catch_stop_signals();
	int engine_rc = lk_engine_run(&o.engine, net, nnet, on_done, &ctx, err, sizeof err);
	char werr[512] = "";
	size_t failed_rows = lk_writer_finish(ctx.writer, werr, sizeof werr);
	int archive_rc = archiver ? finish_archive(&o, archiver, &archived) : 0;
	int interrupted = engine_rc == -2;
	if (engine_rc < 0 && !interrupted) {
		lk_cmd_error("%s", err);
		goto out;
	}
	if (failed_rows) {
		lk_cmd_error("could not record %zu results: %s", failed_rows, werr);
		goto out;
	}

	struct lk_run_view view = {.set = &set};
	count(&set, &view.counts);
	lk_history_run_end(h, run_id, lk_now_ms(), &view.counts);
	verdict = lk_xcalloc(set.n ? set.n : 1, 1);
	streak = lk_xcalloc(set.n ? set.n : 1, sizeof *streak);
	int failing = judge(&o, &set, h, verdict, streak);
	view.verdict = verdict;
	view.streak = streak;
	view.duration_ms = lk_mono_ms() - t0;
	view.archive = o.archive ? &archived : NULL;
	if (write_output(&o, &view, run_id) != 0 || archive_rc != 0)
		goto out;
	if (interrupted) {
		size_t done = view.counts.ok + view.counts.broken + view.counts.excluded +
		              view.counts.cached;
		lk_cmd_error("interrupted: %zu of %zu links checked; their results are recorded", done,
		             set.n);
		goto out;
	}
	rc = failing ? LK_EXIT_FOUND : LK_EXIT_OK;
out:
	free(verdict);
	free(streak);
	free(net);
	if (h)
		lk_history_close(h);
	lk_linkset_free(&set);
	lk_check_opts_free(&o);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	return lk_check_main(argc, argv, check_usage, 0);
}

const struct lk_cmd lk_cmd_check = {
	.name = "check",
	.summary = "find every link in the inputs, check them, record the results",
	.usage = check_usage,
	.exec = cmd_check,
};
