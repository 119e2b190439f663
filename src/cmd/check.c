/*
 * check.c — `linkkeeper check`: extract → check → remember → report.
 *
 * The calling thread extracts the inputs into a link set, a chunk of at
 * most CHUNK_LINKS unique links at a time (all of a normal document fits
 * one chunk). For each chunk it decides what needs no request (invalid
 * URLs, --exclude/--include, fresh results under --max-age), then becomes
 * the network thread (engine.h). Finished links go through a bounded queue
 * to the writer thread, the only user of the SQLite connection while the
 * engine runs. When both are done, the history tells which broken links
 * fail the build (--fail-after, bot walls on links that were fine before),
 * the chunk's part of the output is written, and the link set makes room
 * for the next chunk, remembering only fingerprints of what it checked.
 * Memory thus follows the chunk, not the input: a million URLs fit in
 * well under 100 MB. The summary closes the output.
 *
 * Archiving (`archive`, or `check --archive`) adds a third thread: the
 * engine then fetches every page with GET and hands each response below
 * 400 to the archiver (archiver.h), which writes the WARC files and the
 * capture index. One archiver serves one chunk (it reads the links of
 * captures it has not written yet), so each chunk gets its own WARC file.
 * `archive` is this same command with archiving on.
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
#include "linkkeeper/headtrust.h"
#include "linkkeeper/history.h"
#include "linkkeeper/linkset.h"
#include "linkkeeper/output.h"
#include "linkkeeper/report.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#define WRITER_QUEUE 8192
#define WRITER_BATCH_ROWS 5000
#define WRITER_BATCH_MS 250
/* Unique links checked per chunk of a large input (LINKKEEPER_CHUNK for tests). */
#define CHUNK_LINKS 65536

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
	"                        accepted, unless HEAD proved truthful on that host\n"
	"                        and directory; get: GET only, one request per URL\n"
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
			/* The link set preset the result: broken, invalid_url,
			 * and why. */
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

/* Adds the chunk's decided links to c; after an interrupt some have no
 * verdict. c->total is set once, at the end of the run. */
static void add_counts(const struct lk_linkset *set, struct lk_run_counts *c)
{
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

/* Finishes the archiver of a chunk and adds its figures to *total.
 * Returns 0, or -1 when something could not be archived (said). */
static int finish_archive(struct lk_archiver *a, struct lk_archive_stats *total)
{
	struct lk_archive_stats st;
	char err[512];
	int rc = lk_archiver_finish(a, &st, err, sizeof err);
	total->responses += st.responses;
	total->revisits += st.revisits;
	total->truncated += st.truncated;
	total->failed += st.failed;
	total->files += st.files;
	total->bytes += st.bytes;
	total->repaired_files += st.repaired_files;
	total->repaired_cut += st.repaired_cut;
	if (rc < 0)
		lk_cmd_error("archive: %s", err);
	return rc;
}

/* What the run archived, in one line on stderr. */
static void say_archived(const struct lk_check_opts *o, const struct lk_archive_stats *st)
{
	fprintf(stderr,
	        "archive: %zu response%s, %zu revisit%s, %zu truncated; %.1f KiB in %zu WARC "
	        "file%s in %s",
	        st->responses, plural(st->responses), st->revisits, plural(st->revisits),
	        st->truncated, (double)st->bytes / 1024.0, st->files, plural(st->files),
	        o->archive_dir);
	if (st->repaired_files)
		fprintf(stderr, "; repaired %zu unfinished file%s (%llu bytes cut)", st->repaired_files,
		        plural(st->repaired_files), (unsigned long long)st->repaired_cut);
	fputc('\n', stderr);
}

/* One check run, across the chunks of a large input. */
struct run {
	struct lk_check_opts *o;
	struct lk_linkset set;
	struct lk_history *h;       /* opened when the first chunk is checked */
	int64_t run_id;
	struct lk_archiver *archiver;    /* of the chunk being checked */
	struct lk_archive_stats archived; /* over all chunks */
	struct lk_head_trust trust;  /* what HEAD proved, over all chunks */
	int archive_failed;
	struct lk_run_counts counts; /* decided links, over all chunks */
	size_t chunk_limit;
	FILE *out;
	FILE *spool;                /* JSON results, copied out at the end */
	size_t nresults;
	int failing;                /* a link fails the build */
	int interrupted;
	int in_txn;                 /* sources of repeats are being recorded */
};

static int start_run(struct run *r)
{
	char err[512];
	if (lk_history_open(lk_cmd_db_path(r->o->db), &r->h, err, sizeof err) < 0) {
		r->h = NULL;
		return lk_cmd_error("%s", err), -1;
	}
	if (lk_history_run_begin(r->h, lk_now_ms(), r->o->args, &r->run_id) < 0)
		return lk_cmd_error("cannot record the run: %s", lk_history_error(r->h)), -1;
	catch_stop_signals();
	return 0;
}

/* Checks the links in the set, records them and writes their part of the
 * output. Returns 0, 1 when interrupted, -1 on an error (reported). */
static int check_chunk(struct run *r)
{
	struct lk_check_opts *o = r->o;
	char err[512], werr[512] = "";
	if (!r->h && start_run(r) < 0)
		return -1;
	if (r->in_txn) {
		lk_history_commit(r->h);
		r->in_txn = 0;
	}
	/* One archiver per chunk: it reads the links of the captures it has
	 * not written yet, so it must be done before the chunk is dropped. */
	if (o->archive && !(r->archiver = start_archive(o, r->run_id)))
		return -1;
	size_t nnet;
	struct lk_link **net = triage(o, &r->set, r->h, &nnet);
	struct check_ctx ctx = {
		.writer = lk_writer_start(r->h, r->run_id, WRITER_QUEUE, WRITER_BATCH_ROWS,
		                          WRITER_BATCH_MS),
	};
	if (!ctx.writer) {
		free(net);
		if (r->archiver)
			finish_archive(r->archiver, &r->archived);
		r->archiver = NULL;
		return lk_cmd_error("cannot start the history writer"), -1;
	}
	for (size_t i = 0; i < r->set.n; i++)
		if (r->set.links[i].res.checked_at_ms)
			lk_writer_push(ctx.writer, &r->set.links[i]);
	int engine_rc = lk_engine_run(&o->engine, net, nnet, on_done, &ctx, err, sizeof err);
	size_t failed_rows = lk_writer_finish(ctx.writer, werr, sizeof werr);
	free(net);
	if (r->archiver) {
		r->archive_failed |= finish_archive(r->archiver, &r->archived) < 0;
		r->archiver = NULL;
	}
	if (engine_rc == -1)
		return lk_cmd_error("%s", err), -1;
	if (failed_rows)
		return lk_cmd_error("could not record %zu results: %s", failed_rows, werr), -1;
	r->interrupted = engine_rc == -2;
	add_counts(&r->set, &r->counts);

	size_t n = r->set.n ? r->set.n : 1;
	unsigned char *verdict = lk_xcalloc(n, 1);
	int *streak = lk_xcalloc(n, sizeof *streak);
	r->failing |= judge(o, &r->set, r->h, verdict, streak);
	struct lk_run_view view = {.set = &r->set, .verdict = verdict, .streak = streak};
	switch (o->format) {
	case LK_OUT_JSON: lk_output_json_links(&view, r->spool, &r->nresults); break;
	case LK_OUT_GITHUB: lk_output_github_links(&view, r->out); break;
	case LK_OUT_TEXT: lk_output_text_links(&view, r->out); break;
	default: break; /* JUnit and Markdown are written from the history at the end */
	}
	free(verdict);
	free(streak);
	return r->interrupted ? 1 : 0;
}

/* The extraction callback: a large input is checked a chunk at a time, so
 * memory follows the chunk, not the input. A non-zero answer stops the
 * extraction (interrupted, or an error already reported). */
static int on_link(void *ctx, const char *url, const char *file, unsigned line,
                   const char *title)
{
	struct run *r = ctx;
	if (lk_linkset_add(&r->set, url, file, line, title) == LK_LINKSET_EARLIER) {
		/* Checked in an earlier chunk (so the history is open): its
		 * output is written, but the history still learns where else it
		 * occurs. */
		const char *norm = r->set.earlier_url;
		if (norm) {
			if (!r->in_txn)
				r->in_txn = lk_history_begin(r->h) == 0;
			lk_history_add_source(r->h, r->run_id, norm, file, line, title);
		}
		return 0;
	}
	if (r->set.n < r->chunk_limit)
		return 0;
	int rc = check_chunk(r);
	lk_linkset_next_chunk(&r->set);
	return rc ? 1 : 0;
}

/* Unique links per chunk. */
static size_t chunk_limit(void)
{
	const char *env = getenv("LINKKEEPER_CHUNK");
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v > 0)
			return (size_t)v;
	}
	return CHUNK_LINKS;
}

/* The closing part of the output, for the whole run. */
static int close_output(struct run *r, int64_t duration_ms)
{
	struct lk_run_totals t = {
		.counts = r->counts,
		.duration_ms = duration_ms,
		.archive = r->o->archive ? &r->archived : NULL,
	};
	int rc = 0;
	switch (r->o->format) {
	case LK_OUT_JSON: rc = lk_output_json_close(&t, r->spool, r->out); break;
	case LK_OUT_GITHUB: lk_output_github_close(&t, r->out); break;
	case LK_OUT_JUNIT:
	case LK_OUT_MARKDOWN: rc = write_report(r->o, r->run_id, r->out); break;
	default: lk_output_text_close(&t, r->out); break;
	}
	return rc;
}

int lk_check_main(int argc, char **argv, const char *usage, int archive)
{
	struct lk_check_opts o;
	struct run r = {.o = &o};
	char err[512];
	int rc = LK_EXIT_ERROR;
	int64_t t0 = lk_mono_ms();

	lk_linkset_init(&r.set);
	lk_head_trust_init(&r.trust);
	int first = lk_check_opts_parse(&o, argc, argv, usage);
	if (first == -2) {
		rc = LK_EXIT_OK;
		goto out;
	}
	if (first < 0)
		goto out;
	o.archive |= archive;
	o.engine.head_trust = &r.trust;
	o.engine.progress = !o.no_progress && isatty(STDERR_FILENO);
	r.chunk_limit = chunk_limit();
	r.out = stdout;
	if (o.output && !(r.out = fopen(o.output, "w"))) {
		lk_cmd_error("cannot write %s: %s", o.output, strerror(errno));
		goto out;
	}
	if (o.format == LK_OUT_JSON && !(r.spool = tmpfile())) {
		lk_cmd_error("cannot create a temporary file: %s", strerror(errno));
		goto out;
	}

	int stopped = 0; /* interrupted, or a chunk failed (already said) */
	for (int i = first; i < argc && !stopped; i++) {
		int x = lk_extract_path(argv[i], &o.extract, on_link, &r, err, sizeof err);
		if (x < 0) {
			lk_cmd_error("%s", err);
			if (!r.h)
				goto out; /* nothing checked or recorded yet */
			stopped = 1;
		} else if (x > 0) {
			stopped = 1;
		}
	}
	int failed = stopped && !r.interrupted;
	if (!stopped && check_chunk(&r) < 0)
		failed = 1;
	if (!r.h)
		goto out;
	if (r.in_txn) {
		lk_history_commit(r.h);
		r.in_txn = 0;
	}
	if (o.archive)
		say_archived(&o, &r.archived);
	int archive_rc = r.archive_failed ? -1 : 0;
	r.counts.total = r.set.unique;
	lk_history_run_end(r.h, r.run_id, lk_now_ms(), &r.counts);
	if (failed)
		goto out;
	int bad = close_output(&r, lk_mono_ms() - t0) != 0;
	bad |= ferror(r.out) != 0 || fflush(r.out) != 0;
	if (bad) {
		lk_cmd_error("error writing %s", o.output ? o.output : "standard output");
		goto out;
	}
	if (archive_rc != 0)
		goto out;
	if (r.interrupted) {
		size_t done = r.counts.ok + r.counts.broken + r.counts.excluded + r.counts.cached;
		lk_cmd_error("interrupted: %zu of %zu links checked; their results are recorded", done,
		             r.set.unique);
		goto out;
	}
	rc = r.failing ? LK_EXIT_FOUND : LK_EXIT_OK;
out:
	if (r.archiver)
		finish_archive(r.archiver, &r.archived);
	if (r.spool)
		fclose(r.spool);
	if (r.out && r.out != stdout && fclose(r.out) != 0 && rc != LK_EXIT_ERROR)
		rc = lk_cmd_error("error writing %s", o.output);
	if (r.h)
		lk_history_close(r.h);
	lk_linkset_free(&r.set);
	lk_head_trust_free(&r.trust);
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
