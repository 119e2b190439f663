/*
 * archiver.c — the archive writer thread of archiver.h: captures in, WARC
 * records and capture-index rows out.
 *
 * Why a thread: hashing, gzip and fsync cost milliseconds per page, and the
 * network thread must never wait for a disk. It only enqueues (two bounds:
 * a count and a byte budget, so pages of up to --max-page-size cannot pile
 * up in memory); the archive thread alone owns the open WARC file.
 *
 * Per capture, on the archive thread: sha256 of the body as received
 * decides between a response and an identical-payload-digest revisit. The dedup source is the URL's
 * latest complete original — first from memory (originals written earlier
 * in this run, whose rows may not be committed yet), else from the index.
 * A truncated capture (cut at --max-page-size, or still arriving at
 * --timeout) is written with WARC-Truncated: length or time and never
 * becomes a dedup source; an empty body is never deduplicated (the revisit
 * would be no smaller). The response's record id is chosen there, so a
 * later capture of the same page can refer to it at once.
 *
 * Encoding — block digests and gzip, most of the cost — runs on encoder
 * threads (one per CPU, at most MAX_ENCODERS): the archive thread hands
 * each decided capture to a ring of at most WINDOW jobs and appends the
 * finished members strictly in ring order (lk_warc_append), so the file
 * holds captures in arrival order, request + response|revisit + metadata
 * adjacent, and offsets are exact. A job encoded for a file that was
 * rolled meanwhile is encoded again for the new one.
 *
 * Crash safety (archiving.md §8.6): index rows wait in memory until their
 * records are on disk. A batch — BATCH_CAPTURES captures, BATCH_MS, or
 * BATCH_BYTES of WARC — is closed by lk_warc_flush (write + fsync) and only
 * then handed to the indexer. A SIGKILL therefore loses at most rows whose
 * records are still in the file; the next start repairs every .open file
 * (cut after the last complete gzip member), indexes the records the index
 * lacks, drops rows that point past the cut, and seals it. Files are rolled
 * once they reach warc_max_size; the rows of a file are committed before
 * its rename (a barrier through the indexer), so a sealed file is always
 * fully indexed.
 *
 * The indexer is a second thread with the write connection. Why: the
 * history writer (history.h) holds SQLite's write lock for up to its batch
 * time while results stream in, so a BEGIN IMMEDIATE here waits that long;
 * on the archive thread that wait would stall the queue and then the
 * network thread. The indexer takes the wait instead and commits whatever
 * batches arrived meanwhile in one transaction. Dedup lookups are reads and
 * use the archive thread's own connection (WAL: readers never wait).
 */
#include "linkkeeper/archiver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/cdxj.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/queue.h"
#include "linkkeeper/surt.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#define DEFAULT_QUEUE_CAP 64
#define DEFAULT_QUEUE_BYTES ((size_t)256 << 20)
#define DEFAULT_WARC_MAX_SIZE ((int64_t)1 << 30)
#define BATCH_CAPTURES 256
#define BATCH_MS 500
#define BATCH_BYTES ((int64_t)16 << 20)
/* Sources listed in a metadata record; a link used everywhere (a site's
 * own home page) would otherwise make a record of thousands of lines. */
#define MAX_META_SOURCES 100
#define LOCK_NAME ".linkkeeper-archive.lock"
#define OPEN_SUFFIX ".open"
#define RUN_PREFIX "linkkeeper-run-"
/* Attempts at a file name nobody uses (serials after the first). */
#define MAX_NAME_TRIES 1000
/* Encoder threads at most, and captures being encoded or waiting to be
 * appended per encoder (the ring holds WINDOW_PER_ENCODER * n + 2). */
#define MAX_ENCODERS 4
#define WINDOW_PER_ENCODER 2
/* Capture bytes in the ring at most (lk_archiver_opts.ring_bytes), besides
 * one capture however large: each also has its encoded copy there until it
 * is appended. */
#define DEFAULT_RING_BYTES ((size_t)64 << 20)

/* A complete original response: what a revisit refers to. */
struct original {
	char *url; /* the WARC-Target-URI */
	char record_id[LK_WARC_ID_SIZE];
	char date[40];
	char digest[LK_WARC_DIGEST_SIZE];
	struct original *next; /* hash chain */
};

/* url -> latest original written by this run (chained hash table). */
struct seen {
	struct original **slots;
	size_t nslots, n;
};

/* The metadata lines of one capture, built up with meta_add. */
struct meta {
	struct lk_warc_field *f;
	char **v; /* what f[i].value points at; owned */
	size_t n;
};

/* One capture between the decision and the append. The archive thread
 * fills a free slot, an encoder encodes it, the archive thread appends it;
 * ownership passes under enc_mu (the ring indices below). */
struct job {
	struct lk_capture *cap; /* owned */
	size_t bytes;           /* its share of the queue's byte budget */
	char *uri;              /* owned; the WARC-Target-URI */
	char digest[LK_WARC_DIGEST_SIZE];
	char resp_id[LK_WARC_ID_SIZE];
	int dup; /* a revisit of orig */
	struct original orig;
	struct lk_warc_revisit_of rv;
	struct meta meta;
	struct lk_warc_capture wc; /* points into the fields above */
	struct lk_warc_encoded enc;
	int rc; /* lk_warc_encode_capture's */
	char err[160];
};

struct lk_archiver {
	/* Fixed after start. */
	char *dir;
	char *user_agent;
	int level;
	char is_part_of[48];
	int64_t run_id;
	int64_t warc_max_size;
	int lock_fd;

	struct lk_queue q;
	pthread_t thread;

	/* The byte budget of the queue, guarded by mu. */
	pthread_mutex_t mu;
	pthread_cond_t room;
	size_t queued_bytes, max_queued_bytes;

	/* The indexer: its queue of struct ix_msg, and what only it touches
	 * between start and finish (the join orders finish's reads). */
	struct lk_queue ixq;
	pthread_t ix_thread;
	int ix_started;
	struct lk_captures *idx; /* the write connection (repair uses it before) */
	size_t ix_lost;          /* rows that could not be committed */
	int ix_errors;
	char ix_err[512];

	/* The ring of jobs, the encoder threads and the archive thread's
	 * wake-ups, guarded by enc_mu. Indices only grow; a job's slot is
	 * index % ring_cap. Jobs [begin, todo) were taken by an encoder (done[]
	 * says which finished), [todo, end) wait for one. */
	struct job *ring;
	unsigned char *done;
	size_t ring_cap, begin, todo, end;
	size_t ring_bytes, max_ring_bytes; /* capture bytes of jobs [begin, end);
	                                    * archive thread only */
	pthread_t *encoders;
	size_t nencoders, encoders_started;
	int enc_stop;
	unsigned long events, events_seen; /* pushes and finished jobs */
	pthread_mutex_t enc_mu;
	pthread_cond_t work;  /* an encoder may have a job */
	pthread_cond_t event; /* the archive thread may have something to do */
	struct lk_warc_encoder *enc; /* the archive thread's, for re-encoding */

	/* Everything below belongs to the archive thread between start and
	 * finish (the join orders finish's reads after its writes). */
	struct lk_captures *lookup; /* dedup reads */
	struct lk_warc_writer *w;        /* NULL until the first capture of a file */
	char file[LK_WARC_FILENAME_SIZE]; /* its final name */
	unsigned serial;
	struct lk_capture_row *rows; /* index rows waiting for the next flush; owned */
	size_t nrows, rows_cap;
	int64_t batch_deadline;  /* monotonic ms when the batch must be flushed */
	int64_t batch_start_off; /* file offset when the batch began */
	struct seen seen;
	struct lk_archive_stats st;
	int dead; /* the WARC writer failed: nothing more can be archived */
	int errors;
	char err[512];
};

/* Only its address matters: a value no caller can push by accident. */
static char stop_marker;

static void note_error(struct lk_archiver *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_error(struct lk_archiver *a, const char *fmt, ...)
{
	if (a->errors++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(a->err, sizeof a->err, fmt, ap);
		va_end(ap);
	}
}

/* ---- originals seen this run ------------------------------------------- */

static struct original *seen_get(const struct seen *s, const char *url)
{
	if (!s->nslots)
		return NULL;
	size_t k = (size_t)lk_hash_str(url) & (s->nslots - 1);
	for (struct original *o = s->slots[k]; o; o = o->next)
		if (strcmp(o->url, url) == 0)
			return o;
	return NULL;
}

static void seen_grow(struct seen *s)
{
	size_t n = s->nslots ? s->nslots * 2 : 1024;
	struct original **slots = lk_xcalloc(n, sizeof *slots);
	for (size_t i = 0; i < s->nslots; i++) {
		struct original *o = s->slots[i];
		while (o) {
			struct original *next = o->next;
			size_t k = (size_t)lk_hash_str(o->url) & (n - 1);
			o->next = slots[k];
			slots[k] = o;
			o = next;
		}
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = n;
}

/* Remembers (or replaces) the latest original of url. */
static void seen_put(struct seen *s, const char *url, const char *record_id, const char *date,
                     const char *digest)
{
	struct original *o = seen_get(s, url);
	if (!o) {
		if (s->n + 1 > s->nslots)
			seen_grow(s);
		o = lk_xcalloc(1, sizeof *o);
		o->url = lk_xstrdup(url);
		size_t k = (size_t)lk_hash_str(url) & (s->nslots - 1);
		o->next = s->slots[k];
		s->slots[k] = o;
		s->n++;
	}
	snprintf(o->record_id, sizeof o->record_id, "%s", record_id);
	snprintf(o->date, sizeof o->date, "%s", date);
	snprintf(o->digest, sizeof o->digest, "%s", digest);
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->nslots; i++) {
		struct original *o = s->slots[i];
		while (o) {
			struct original *next = o->next;
			free(o->url);
			free(o);
			o = next;
		}
	}
	free(s->slots);
	memset(s, 0, sizeof *s);
}

/* ---- files ----------------------------------------------------------------- */

static char *dir_path(const struct lk_archiver *a, const char *name)
{
	return lk_xasprintf("%s/%s", a->dir, name);
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* ---- the indexer ---------------------------------------------------------- */

enum ix_kind {
	IX_ROWS,        /* add rows */
	IX_FILE_OPENED, /* warc_files: a file was started */
	IX_FILE_CLOSED, /* warc_files: a file was sealed */
	IX_BARRIER,     /* wake the sender once everything before is committed */
	IX_STOP,        /* commit and end the thread */
};

/* Wakes its waiter once the indexer has committed what came before it. */
struct barrier {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
};

struct ix_msg {
	enum ix_kind kind;
	struct lk_capture_row *rows; /* IX_ROWS: owned, nrows of them */
	size_t nrows;
	char name[LK_WARC_FILENAME_SIZE];
	int64_t at_ms, bytes;
	struct barrier *barrier; /* IX_BARRIER: the sender's */
};

/* Messages committed in one transaction at most, and waiting at most. */
#define IX_MAX_MSGS 256
#define IX_QUEUE_CAP 64

static void ix_error(struct lk_archiver *a, const char *what)
{
	if (a->ix_errors++ == 0)
		snprintf(a->ix_err, sizeof a->ix_err, "capture index: %s: %s", what,
		         lk_captures_error(a->idx));
}

/* Applies one message inside the open transaction; returns rows that
 * failed. */
static size_t ix_apply(struct lk_archiver *a, const struct ix_msg *m)
{
	size_t bad = 0;
	switch (m->kind) {
	case IX_ROWS:
		for (size_t i = 0; i < m->nrows; i++)
			bad += lk_captures_add(a->idx, &m->rows[i]) < 0;
		if (bad)
			ix_error(a, "cannot add capture");
		break;
	case IX_FILE_OPENED:
		if (lk_captures_file_opened(a->idx, m->name, m->at_ms) < 0)
			ix_error(a, m->name);
		break;
	case IX_FILE_CLOSED:
		if (lk_captures_file_closed(a->idx, m->name, m->at_ms, m->bytes) < 0)
			ix_error(a, m->name);
		break;
	default:
		break;
	}
	return bad;
}

static void ix_free(struct ix_msg *m)
{
	for (size_t i = 0; i < m->nrows; i++)
		lk_capture_row_clear(&m->rows[i]);
	free(m->rows);
	free(m);
}

/* One transaction for msgs[0..n); then barriers are released. Returns 1
 * when an IX_STOP was among them. */
static int ix_commit(struct lk_archiver *a, struct ix_msg **msgs, size_t n)
{
	size_t rows = 0, bad = 0;
	int stop = 0;
	for (size_t i = 0; i < n; i++) {
		rows += msgs[i]->nrows;
		stop |= msgs[i]->kind == IX_STOP;
	}
	if (lk_captures_begin(a->idx) < 0) {
		ix_error(a, "cannot begin");
		bad = rows;
	} else {
		for (size_t i = 0; i < n; i++)
			bad += ix_apply(a, msgs[i]);
		if (lk_captures_commit(a->idx) < 0) {
			ix_error(a, "cannot commit");
			bad = rows;
		}
	}
	a->ix_lost += bad;
	for (size_t i = 0; i < n; i++) {
		struct barrier *b = msgs[i]->barrier;
		if (b) {
			pthread_mutex_lock(&b->mu);
			b->done = 1;
			pthread_cond_signal(&b->cv);
			pthread_mutex_unlock(&b->mu);
		}
		ix_free(msgs[i]);
	}
	return stop;
}

static void *indexer_main(void *arg)
{
	struct lk_archiver *a = arg;
	struct ix_msg *msgs[IX_MAX_MSGS];
	int stop = 0;
	while (!stop) {
		size_t n = 0;
		msgs[n] = lk_queue_pop(&a->ixq, -1);
		if (!msgs[n])
			break; /* closed: only after IX_STOP */
		/* What queued up while the last commit waited for the lock goes
		 * into this one transaction. */
		for (n = 1; n < IX_MAX_MSGS && (msgs[n] = lk_queue_pop(&a->ixq, 0)); n++)
			;
		stop = ix_commit(a, msgs, n);
	}
	return NULL;
}

/* Hands a message to the indexer (blocks while its queue is full). */
static void ix_send(struct lk_archiver *a, struct ix_msg *m)
{
	if (lk_queue_push(&a->ixq, m) < 0)
		ix_free(m);
}

static void ix_send_file(struct lk_archiver *a, enum ix_kind kind, int64_t at_ms, int64_t bytes)
{
	struct ix_msg *m = lk_xcalloc(1, sizeof *m);
	m->kind = kind;
	snprintf(m->name, sizeof m->name, "%s", a->file);
	m->at_ms = at_ms;
	m->bytes = bytes;
	ix_send(a, m);
}

/* Waits until the indexer has committed everything sent before. */
static void ix_wait(struct lk_archiver *a)
{
	struct barrier b = {.done = 0};
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	struct ix_msg *m = lk_xcalloc(1, sizeof *m);
	m->kind = IX_BARRIER;
	m->barrier = &b;
	ix_send(a, m);
	pthread_mutex_lock(&b.mu);
	while (!b.done)
		pthread_cond_wait(&b.cv, &b.mu);
	pthread_mutex_unlock(&b.mu);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
}

/* ---- the open file ---------------------------------------------------------- */

/* Opens the next WARC file under a name neither sealed nor open yet. */
static int open_file(struct lk_archiver *a)
{
	char werr[512] = "";
	struct lk_warc_open_opts oo = {
		.is_part_of = a->is_part_of,
		.description = "pages and redirects captured while checking links",
		.user_agent = a->user_agent,
		.level = a->level,
	};
	for (int tries = 0; tries < MAX_NAME_TRIES; tries++) {
		int64_t now = lk_now_ms();
		if (lk_warc_filename(a->file, sizeof a->file, now, a->serial++) < 0)
			break;
		char *path = dir_path(a, a->file);
		char *open_path = lk_xasprintf("%s" OPEN_SUFFIX, path);
		int taken = exists(path) || exists(open_path);
		int rc = taken ? -1 : lk_warc_open(path, &oo, &a->w, werr, sizeof werr);
		free(open_path);
		free(path);
		if (taken)
			continue;
		if (rc < 0)
			break;
		a->batch_start_off = lk_warc_offset(a->w);
		ix_send_file(a, IX_FILE_OPENED, now, 0);
		return 0;
	}
	a->dead = 1;
	note_error(a, "cannot start a WARC file in %s: %s", a->dir, *werr ? werr : "no free name");
	return -1;
}

static void drop_rows(struct lk_archiver *a)
{
	for (size_t i = 0; i < a->nrows; i++)
		lk_capture_row_clear(&a->rows[i]);
	a->nrows = 0;
}

/* The writer failed on I/O: the file keeps its ".open" name for the next
 * start to repair (its pending rows are dropped; repair indexes whatever
 * records made it to disk). */
static void abandon_file(struct lk_archiver *a)
{
	char cerr[512];
	note_error(a, "writing %s/%s: %s", a->dir, a->file, lk_warc_error(a->w));
	lk_warc_close(a->w, cerr, sizeof cerr);
	a->w = NULL;
	a->dead = 1;
	a->st.failed += a->nrows;
	drop_rows(a);
}

/* Syncs the WARC bytes, then hands the rows that point at them to the
 * indexer. */
static void flush_batch(struct lk_archiver *a)
{
	if (!a->w || a->nrows == 0)
		return;
	if (lk_warc_flush(a->w) < 0) {
		abandon_file(a);
		return;
	}
	struct ix_msg *m = lk_xcalloc(1, sizeof *m);
	m->kind = IX_ROWS;
	m->rows = a->rows;
	m->nrows = a->nrows;
	a->rows = NULL;
	a->nrows = a->rows_cap = 0;
	ix_send(a, m);
	a->batch_start_off = lk_warc_offset(a->w);
}

/* Seals the file once its rows are committed. */
static void close_file(struct lk_archiver *a)
{
	if (!a->w)
		return;
	flush_batch(a);
	if (!a->w)
		return;
	ix_wait(a);
	char cerr[512];
	int64_t bytes = lk_warc_offset(a->w);
	int rc = lk_warc_close(a->w, cerr, sizeof cerr);
	a->w = NULL;
	if (rc < 0) {
		a->dead = 1;
		note_error(a, "%s", cerr);
		return;
	}
	a->st.files++;
	a->st.bytes += (uint64_t)bytes;
	ix_send_file(a, IX_FILE_CLOSED, lk_now_ms(), bytes);
}

static int batch_due(const struct lk_archiver *a)
{
	return a->w && a->nrows &&
	       (a->nrows >= BATCH_CAPTURES || lk_mono_ms() >= a->batch_deadline ||
	        lk_warc_offset(a->w) - a->batch_start_off >= BATCH_BYTES);
}

/* ---- one capture ---------------------------------------------------------- */

/* The latest complete original of url whose payload has this digest.
 * Returns 1 and fills *out, or 0 (none, another payload, or a lookup
 * error: a response is always a correct answer). */
static int find_original(struct lk_archiver *a, const char *url, const char *digest,
                         struct original *out)
{
	const struct original *mem = seen_get(&a->seen, url);
	if (mem) {
		/* Newer than anything the index holds for url. */
		if (strcmp(mem->digest, digest) != 0)
			return 0;
		*out = *mem;
		return 1;
	}
	struct lk_capture_row row;
	if (lk_captures_last_original(a->lookup, url, &row) != 1)
		return 0;
	int ok = row.payload_digest && row.record_id && strcmp(row.payload_digest, digest) == 0 &&
	         strlen(row.record_id) < sizeof out->record_id &&
	         strlen(row.warc_date) < sizeof out->date;
	if (ok) {
		out->url = NULL;
		snprintf(out->record_id, sizeof out->record_id, "%s", row.record_id);
		snprintf(out->date, sizeof out->date, "%s", row.warc_date);
		snprintf(out->digest, sizeof out->digest, "%s", digest);
	}
	lk_capture_row_clear(&row);
	return ok;
}

static void meta_add(struct meta *m, const char *name, char *value)
{
	m->v[m->n] = value;
	m->f[m->n] = (struct lk_warc_field){name, value};
	m->n++;
}

/* What the check knew when the response arrived (a redirect hop comes
 * before the link's verdict), and where the link was found. */
static void build_meta(const struct lk_archiver *a, const struct lk_capture *cap,
                       struct meta *m)
{
	const struct lk_link *l = cap->link;
	size_t nsrc = l ? l->nsrc : 0;
	size_t shown = nsrc < MAX_META_SOURCES ? nsrc : MAX_META_SOURCES;
	m->f = lk_xcalloc(shown + 5, sizeof *m->f);
	m->v = lk_xcalloc(shown + 5, sizeof *m->v);
	m->n = 0;
	meta_add(m, "x-linkkeeper-run", lk_xasprintf("%lld", (long long)a->run_id));
	if (l && l->url)
		meta_add(m, "x-linkkeeper-link", lk_redact_url(l->url));
	meta_add(m, "x-linkkeeper-hop", lk_xstrdup(cap->url));
	meta_add(m, "x-linkkeeper-http-status", lk_xasprintf("%d", cap->http_status));
	for (size_t i = 0; i < shown; i++) {
		/* One JSON object per source: file names and titles may hold
		 * anything, and JSON keeps the three values apart. */
		struct lk_buf b = {0};
		lk_buf_puts(&b, "{\"file\":");
		lk_buf_json_string(&b, l->src[i].file);
		lk_buf_printf(&b, ",\"line\":%u,\"title\":", l->src[i].line);
		lk_buf_json_string(&b, l->src[i].title);
		lk_buf_putc(&b, '}');
		meta_add(m, "x-linkkeeper-source", lk_buf_detach(&b));
	}
	if (nsrc > shown)
		meta_add(m, "x-linkkeeper-sources-omitted", lk_xasprintf("%zu", nsrc - shown));
}

static void meta_free(struct meta *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	free(m->f);
}

static int ip_ok(const char *ip)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1;
}

static void queue_row(struct lk_archiver *a, const struct lk_capture_row *row)
{
	if (a->nrows == a->rows_cap) {
		a->rows_cap = a->rows_cap ? a->rows_cap * 2 : 64;
		a->rows = lk_xrealloc(a->rows, a->rows_cap * sizeof *a->rows);
	}
	if (a->nrows == 0)
		a->batch_deadline = lk_mono_ms() + BATCH_MS;
	a->rows[a->nrows++] = *row;
}

/* The index row of a response or revisit just written; takes uri. */
static void add_row(struct lk_archiver *a, const struct lk_capture *cap, char *uri,
                    const struct lk_warc_capture_result *res, const char *digest,
                    const struct original *orig)
{
	struct lk_capture_row row = {0};
	struct lk_http_head h;
	row.url = uri;
	row.urlkey = lk_surt_dup(uri);
	lk_cdxj_timestamp(res->date, row.ts14);
	snprintf(row.warc_date, sizeof row.warc_date, "%s", res->date);
	row.captured_at = cap->date_ms;
	snprintf(row.record_type, sizeof row.record_type, "%s", orig ? "revisit" : "response");
	row.http_status = cap->http_status;
	if (lk_http_parse_head(cap->response.data, cap->header_len, &h) == 0)
		row.mime = lk_cdxj_http_mime(&h);
	lk_http_head_free(&h);
	row.payload_digest = lk_xstrdup(digest);
	row.record_id = lk_xstrdup(res->response.id);
	if (orig) {
		row.refers_to = lk_xstrdup(orig->record_id);
		row.refers_to_url = lk_xstrdup(uri);
		row.refers_to_date = lk_xstrdup(orig->date);
	}
	row.file = lk_xstrdup(a->file);
	row.offset = res->response.offset;
	row.length = res->response.length;
	if (cap->truncated != LK_CAPTURE_COMPLETE)
		row.truncated =
			lk_xstrdup(cap->truncated == LK_CAPTURE_TRUNCATED_TIME ? "time" : "length");
	row.run_id = a->run_id;
	queue_row(a, &row);
}

static void count_written(struct lk_archiver *a, const struct lk_capture *cap, int revisit)
{
	if (revisit)
		a->st.revisits++;
	else
		a->st.responses++;
	if (cap->truncated != LK_CAPTURE_COMPLETE)
		a->st.truncated++;
}

/* ---- secrets ------------------------------------------------------------- */

/* Rewrites one HTTP head (request or response) line by line: header values
 * that carry credentials become REDACTED (lk_redact_header), and with
 * redact_target the request line's target loses its secret query values.
 * Returns the new head; caller frees. */
static char *redact_head(const char *head, size_t len, int redact_target, size_t *out_len)
{
	struct lk_buf b = {0};
	size_t pos = 0;
	int first = 1;
	while (pos < len) {
		const char *line = head + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) + 1 : len - pos;
		size_t text = n;
		while (text > 0 && (line[text - 1] == '\n' || line[text - 1] == '\r'))
			text--;
		char *copy = lk_xstrndup(line, text);
		char *fixed;
		if (first && redact_target) {
			/* "GET /path?token=x HTTP/1.1": redact the middle word only */
			char *sp1 = strchr(copy, ' ');
			char *sp2 = sp1 ? strrchr(copy, ' ') : NULL;
			if (sp1 && sp2 > sp1) {
				*sp2 = '\0';
				char *target = lk_redact_url(sp1 + 1);
				*sp1 = '\0';
				fixed = lk_xasprintf("%s %s %s", copy, target, sp2 + 1);
				free(target);
			} else {
				fixed = lk_xstrdup(copy);
			}
		} else {
			fixed = first ? lk_xstrdup(copy) : lk_redact_header(copy);
		}
		lk_buf_puts(&b, fixed);
		lk_buf_append(&b, line + text, n - text);
		free(fixed);
		free(copy);
		pos += n;
		first = 0;
	}
	*out_len = b.len;
	return lk_buf_detach(&b);
}

/* Secrets never land in the archive: the target URI, the request line and
 * credential headers (ours: Authorization, Cookie; the server's:
 * Set-Cookie) are redacted before the records are built, so the digests
 * describe what is stored. The body is kept as received. */
static void redact_capture(struct lk_capture *cap)
{
	char *url = lk_redact_url(cap->url);
	free(cap->url);
	cap->url = url;

	size_t len;
	char *req = redact_head(cap->request.data ? cap->request.data : "", cap->request.len, 1,
	                        &len);
	lk_buf_splice(&cap->request, 0, cap->request.len, req, len);
	free(req);

	/* The head is replaced in place: the body (up to --max-page-size) is
	 * neither copied nor held twice. */
	size_t head_len = cap->header_len <= cap->response.len ? cap->header_len : 0;
	char *head = redact_head(cap->response.data ? cap->response.data : "", head_len, 0, &len);
	lk_buf_splice(&cap->response, 0, head_len, head, len);
	lk_buf_reserve(&cap->response, 0); /* never NULL from here on */
	free(head);
	cap->header_len = len;
}

/* ---- the ring of jobs ------------------------------------------------------ */

static size_t capture_bytes(const struct lk_capture *cap)
{
	return cap->request.len + cap->response.len;
}

static void release_bytes(struct lk_archiver *a, size_t n)
{
	pthread_mutex_lock(&a->mu);
	a->queued_bytes -= n;
	pthread_cond_broadcast(&a->room);
	pthread_mutex_unlock(&a->mu);
}

/* Wakes the archive thread: a capture was pushed or a job finished. */
static void notify_locked(struct lk_archiver *a)
{
	a->events++;
	pthread_cond_signal(&a->event);
}

static void notify(struct lk_archiver *a)
{
	pthread_mutex_lock(&a->enc_mu);
	notify_locked(a);
	pthread_mutex_unlock(&a->enc_mu);
}

static void encode_job(struct lk_warc_encoder *e, struct job *j)
{
	j->rc = lk_warc_encode_capture(e, j->enc.warcinfo_id, &j->wc, &j->enc, j->err,
	                               sizeof j->err);
}

struct encoder_arg {
	struct lk_archiver *a;
	struct lk_warc_encoder *e;
};

static void *encoder_main(void *arg)
{
	struct encoder_arg *ea = arg;
	struct lk_archiver *a = ea->a;
	pthread_mutex_lock(&a->enc_mu);
	for (;;) {
		while (!a->enc_stop && a->todo == a->end)
			pthread_cond_wait(&a->work, &a->enc_mu);
		if (a->todo == a->end)
			break; /* stopped, nothing left */
		size_t k = a->todo++ % a->ring_cap;
		pthread_mutex_unlock(&a->enc_mu);
		encode_job(ea->e, &a->ring[k]);
		pthread_mutex_lock(&a->enc_mu);
		a->done[k] = 1;
		notify_locked(a);
	}
	pthread_mutex_unlock(&a->enc_mu);
	lk_warc_encoder_free(ea->e);
	free(ea);
	return NULL;
}

static void job_clear(struct job *j)
{
	lk_capture_free(j->cap);
	j->cap = NULL;
	free(j->uri);
	j->uri = NULL;
	meta_free(&j->meta);
	memset(&j->meta, 0, sizeof j->meta);
	j->rc = 0;
	j->err[0] = '\0';
	/* A rare huge page must not pin its size in the ring. */
	if (j->enc.bytes.cap > ((size_t)8 << 20))
		lk_warc_encoded_free(&j->enc);
}

/* Decides what cap becomes and fills the free slot j; 0, or -1 when cap
 * cannot be archived (counted and freed here). */
static int prepare_job(struct lk_archiver *a, struct lk_capture *cap, struct job *j)
{
	if (a->dead || (!a->w && open_file(a) < 0))
		goto fail;
	/* redact_capture left the head within the response; whether it is
	 * complete is for lk_warc_check_capture below to say. */
	const char *head = cap->response.data;
	size_t head_len = cap->header_len;
	const char *body = head + head_len;
	size_t body_len = cap->response.len - head_len;
	j->cap = cap;
	j->uri = lk_warc_archived_uri(cap->url); /* cap->url is redacted already */
	lk_warc_sha256(body, body_len, j->digest);
	j->dup = cap->truncated == LK_CAPTURE_COMPLETE && body_len > 0 &&
	         find_original(a, j->uri, j->digest, &j->orig);
	j->rv = (struct lk_warc_revisit_of){j->orig.record_id, j->uri, j->orig.date,
	                                    j->orig.digest};
	build_meta(a, cap, &j->meta);
	int64_t date_ms = cap->date_ms ? cap->date_ms : lk_now_ms();
	j->wc = (struct lk_warc_capture){
		.target_uri = j->uri,
		.date_ms = date_ms,
		.ip = ip_ok(cap->ip) ? cap->ip : NULL,
		.request = cap->request.data,
		.request_len = cap->request.len,
		.resp_head = head,
		.resp_head_len = head_len,
		.resp_body = body,
		.resp_body_len = body_len,
		.truncated = cap->truncated == LK_CAPTURE_TRUNCATED_TIME     ? LK_WARC_TRUNC_TIME
		             : cap->truncated == LK_CAPTURE_TRUNCATED_LENGTH ? LK_WARC_TRUNC_LENGTH
		                                                             : LK_WARC_TRUNC_NONE,
		.payload_digest = j->digest,
		.revisit = j->dup ? &j->rv : NULL,
		.response_id = j->resp_id,
		.meta = j->meta.f,
		.n_meta = j->meta.n,
	};
	char why[160] = "";
	if (lk_warc_new_record_id(j->resp_id) < 0)
		snprintf(why, sizeof why, "no record id (getrandom: %s)", strerror(errno));
	else
		lk_warc_check_capture(&j->wc, why, sizeof why);
	if (*why) {
		note_error(a, "capture of %s: %s", cap->url, why);
		job_clear(j);
		a->st.failed++;
		return -1;
	}
	snprintf(j->enc.warcinfo_id, sizeof j->enc.warcinfo_id, "%s", lk_warc_warcinfo_id(a->w));
	/* A complete original is the URL's dedup source from now on. */
	if (!j->dup && cap->truncated == LK_CAPTURE_COMPLETE) {
		char date[LK_WARC_DATE_SIZE];
		lk_format_time(date_ms, 1, date);
		seen_put(&a->seen, j->uri, j->resp_id, date, j->digest);
	}
	return 0;
fail:
	lk_capture_free(cap);
	a->st.failed++;
	return -1;
}

/* Appends the oldest job's members (encoding them again when the file
 * they were made for is gone) and queues its index row. */
static void append_job(struct lk_archiver *a, struct job *j)
{
	if (j->rc == 0 && !a->dead && !a->w && open_file(a) < 0)
		j->rc = -1;
	if (j->rc == 0 && a->w && strcmp(j->enc.warcinfo_id, lk_warc_warcinfo_id(a->w)) != 0) {
		snprintf(j->enc.warcinfo_id, sizeof j->enc.warcinfo_id, "%s",
		         lk_warc_warcinfo_id(a->w));
		encode_job(a->enc, j);
	}
	struct lk_warc_capture_result res;
	if (j->rc < 0 || a->dead) {
		a->st.failed++;
		if (j->rc < 0 && *j->err)
			note_error(a, "capture of %s: %s", j->cap->url, j->err);
	} else if (lk_warc_append(a->w, &j->enc, &res) < 0) {
		a->st.failed++;
		abandon_file(a);
	} else {
		count_written(a, j->cap, j->dup);
		add_row(a, j->cap, j->uri, &res, j->digest, j->dup ? &j->orig : NULL);
		j->uri = NULL; /* the row took it */
	}
	size_t n = j->bytes;
	a->ring_bytes -= n;
	job_clear(j);
	release_bytes(a, n);
	if (a->w && lk_warc_offset(a->w) >= a->warc_max_size)
		close_file(a);
	else if (batch_due(a))
		flush_batch(a);
}

/* Appends every finished job at the front of the ring, in order; with
 * all set, waits for the unfinished ones too. */
static void append_finished(struct lk_archiver *a, int all)
{
	pthread_mutex_lock(&a->enc_mu);
	while (a->begin < a->end) {
		size_t k = a->begin % a->ring_cap;
		if (!a->done[k]) {
			if (!all)
				break;
			pthread_cond_wait(&a->event, &a->enc_mu);
			continue;
		}
		pthread_mutex_unlock(&a->enc_mu);
		append_job(a, &a->ring[k]);
		pthread_mutex_lock(&a->enc_mu);
		a->done[k] = 0;
		a->begin++;
	}
	pthread_mutex_unlock(&a->enc_mu);
}

/* Hands cap to the encoders (or encodes it here when there are none). */
static void submit(struct lk_archiver *a, struct lk_capture *cap)
{
	size_t n = capture_bytes(cap);
	redact_capture(cap);
	struct job *j = &a->ring[a->end % a->ring_cap];
	if (prepare_job(a, cap, j) < 0) {
		release_bytes(a, n);
		return;
	}
	j->bytes = n;
	a->ring_bytes += n;
	if (a->nencoders == 0) {
		encode_job(a->enc, j);
		a->done[a->end % a->ring_cap] = 1;
		a->end++;
		return;
	}
	pthread_mutex_lock(&a->enc_mu);
	a->end++;
	pthread_cond_signal(&a->work);
	pthread_mutex_unlock(&a->enc_mu);
}

/* ---- the thread ------------------------------------------------------------ */

/* How long the archive thread may sleep: until the open batch is due, or
 * until something happens (lk_archiver_finish always pushes the stop). */
static long wait_timeout(const struct lk_archiver *a)
{
	if (!a->nrows)
		return -1;
	int64_t left = a->batch_deadline - lk_mono_ms();
	return left > 0 ? (long)left : 0;
}

/* Sleeps until a push or a finished job since the last call, or the
 * timeout (ms, -1: none). */
static void wait_event(struct lk_archiver *a, long timeout_ms)
{
	pthread_mutex_lock(&a->enc_mu);
	if (a->events == a->events_seen && timeout_ms != 0) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&a->event, &a->enc_mu);
		} else {
			struct timespec ts;
			lk_realtime_in(timeout_ms, &ts);
			pthread_cond_timedwait(&a->event, &a->enc_mu, &ts);
		}
	}
	a->events_seen = a->events;
	pthread_mutex_unlock(&a->enc_mu);
}

static void *archiver_main(void *arg)
{
	struct lk_archiver *a = arg;
	for (;;) {
		append_finished(a, 0);
		if (a->end - a->begin < a->ring_cap &&
		    (a->ring_bytes < a->max_ring_bytes || a->end == a->begin)) {
			void *item = lk_queue_pop(&a->q, 0);
			if (item == &stop_marker)
				break;
			if (item) {
				submit(a, item);
				continue;
			}
		}
		wait_event(a, wait_timeout(a));
		if (batch_due(a))
			flush_batch(a);
	}
	append_finished(a, 1);
	close_file(a);
	return NULL;
}

void lk_archiver_push(void *ctx, struct lk_capture *cap)
{
	struct lk_archiver *a = ctx;
	size_t n = capture_bytes(cap);
	pthread_mutex_lock(&a->mu);
	/* An empty queue always takes the capture, however large it is. */
	while (a->queued_bytes > 0 && a->queued_bytes + n > a->max_queued_bytes)
		pthread_cond_wait(&a->room, &a->mu);
	a->queued_bytes += n;
	pthread_mutex_unlock(&a->mu);
	if (lk_queue_push(&a->q, cap) < 0) {
		lk_capture_free(cap);
		release_bytes(a, n);
		return;
	}
	notify(a);
}

/* ---- repair of what a killed run left ------------------------------------- */

/* The run id from a warcinfo block's "isPartOf: linkkeeper-run-N". */
static int64_t warcinfo_run(const struct lk_warc_record *rec)
{
	const char *p = rec->block ? strstr((const char *)rec->block, "isPartOf: " RUN_PREFIX) : NULL;
	if (!p)
		return 0;
	return strtoll(p + strlen("isPartOf: " RUN_PREFIX), NULL, 10);
}

static char *dup_or_null(const char *s)
{
	return s ? lk_xstrdup(s) : NULL;
}

/* The index row of a response or revisit record read back from name. */
static void row_from_record(const struct lk_warc_record *rec, const char *name, int64_t run_id,
                            struct lk_capture_row *row)
{
	struct lk_http_head h;
	memset(row, 0, sizeof *row);
	row->url = lk_xstrdup(rec->target_uri ? rec->target_uri : "");
	row->urlkey = lk_surt_dup(row->url);
	lk_cdxj_timestamp(rec->date, row->ts14);
	snprintf(row->warc_date, sizeof row->warc_date, "%s", rec->date ? rec->date : "");
	if (rec->date && lk_parse_time(rec->date, &row->captured_at) < 0)
		row->captured_at = 0;
	snprintf(row->record_type, sizeof row->record_type, "%s", rec->type_name);
	if (lk_http_parse_head(rec->block, rec->block_len, &h) == 0) {
		row->http_status = h.status > 0 ? h.status : 0;
		row->mime = lk_cdxj_http_mime(&h);
	}
	lk_http_head_free(&h);
	row->payload_digest = dup_or_null(rec->payload_digest);
	row->record_id = lk_xstrdup(rec->record_id);
	row->refers_to = dup_or_null(rec->refers_to);
	row->refers_to_url = dup_or_null(rec->refers_to_target_uri);
	row->refers_to_date = dup_or_null(rec->refers_to_date);
	row->file = lk_xstrdup(name);
	row->offset = rec->offset;
	row->length = rec->length;
	/* A revisit always says "length" (it keeps the head only); only a
	 * response's truncation makes the capture incomplete. */
	if (rec->type == LK_WARC_RESPONSE)
		row->truncated = dup_or_null(rec->truncated);
	row->run_id = run_id;
}

/* Indexes the response and revisit records of path the index lacks, and
 * forgets rows that point at or past end (bytes the repair cut). */
static int index_file(struct lk_archiver *a, const char *path, const char *name, int64_t end,
                      char *err, size_t errlen)
{
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	int64_t run_id = 0;
	int rc, ret = -1;
	if (lk_warc_reader_open(path, LK_HTTP_MAX_HEAD, &r, err, errlen) < 0)
		return -1;
	if (lk_captures_begin(a->idx) < 0)
		goto db_fail;
	if (lk_captures_forget_after(a->idx, name, end) < 0)
		goto db_fail;
	while ((rc = lk_warc_reader_next(r, &rec)) == 1) {
		if (rec.type == LK_WARC_WARCINFO)
			run_id = warcinfo_run(&rec);
		if ((rec.type != LK_WARC_RESPONSE && rec.type != LK_WARC_REVISIT) || !rec.record_id)
			continue;
		int known = lk_captures_has_record(a->idx, rec.record_id);
		if (known < 0)
			goto db_fail;
		if (known)
			continue;
		struct lk_capture_row row;
		row_from_record(&rec, name, run_id, &row);
		int added = lk_captures_add(a->idx, &row);
		lk_capture_row_clear(&row);
		if (added < 0)
			goto db_fail;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, lk_warc_reader_error(r));
		lk_captures_commit(a->idx); /* what was read is fine */
		goto out;
	}
	if (lk_captures_commit(a->idx) < 0)
		goto db_fail;
	ret = 0;
	goto out;
db_fail:
	snprintf(err, errlen, "capture index: %s", lk_captures_error(a->idx));
	lk_captures_commit(a->idx);
out:
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);
	return ret;
}

/* Repairs, indexes and seals one "<name>.open" file of the folder. */
static int recover_file(struct lk_archiver *a, const char *open_name, char *err, size_t errlen)
{
	char *open_path = dir_path(a, open_name);
	char *name = lk_xstrndup(open_name, strlen(open_name) - strlen(OPEN_SUFFIX));
	int64_t cut = 0;
	size_t records = 0;
	struct stat sb;
	int ret = -1;
	if (lk_warc_repair(open_path, &cut, &records, err, errlen) < 0)
		goto out;
	a->st.repaired_files++;
	a->st.repaired_cut += (uint64_t)cut;
	if (records == 0) {
		/* Not even the warcinfo record made it: nothing to keep. */
		if (unlink(open_path) < 0) {
			snprintf(err, errlen, "cannot remove %s: %s", open_path, strerror(errno));
			goto out;
		}
		if (lk_captures_forget_after(a->idx, name, 0) < 0) {
			snprintf(err, errlen, "capture index: %s", lk_captures_error(a->idx));
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (stat(open_path, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", open_path, strerror(errno));
		goto out;
	}
	if (index_file(a, open_path, name, (int64_t)sb.st_size, err, errlen) < 0)
		goto out;
	if (lk_warc_seal(open_path, err, errlen) < 0)
		goto out;
	if (lk_captures_file_closed(a->idx, name, lk_now_ms(), (int64_t)sb.st_size) < 0) {
		snprintf(err, errlen, "capture index: %s", lk_captures_error(a->idx));
		goto out;
	}
	ret = 0;
out:
	free(name);
	free(open_path);
	return ret;
}

static int is_open_warc(const char *name)
{
	static const char suffix[] = ".warc.gz" OPEN_SUFFIX;
	size_t n = strlen(name), k = sizeof suffix - 1;
	return n > k && strcmp(name + n - k, suffix) == 0;
}

static int recover_dir(struct lk_archiver *a, char *err, size_t errlen)
{
	DIR *d = opendir(a->dir);
	if (!d) {
		snprintf(err, errlen, "cannot read archive folder %s: %s", a->dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d)))
		if (is_open_warc(e->d_name))
			rc = recover_file(a, e->d_name, err, errlen);
	closedir(d);
	return rc;
}

/* ---- start and finish ------------------------------------------------------ */

static int lock_dir(struct lk_archiver *a, char *err, size_t errlen)
{
	char *path = dir_path(a, LOCK_NAME);
	a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int rc = -1;
	if (a->lock_fd < 0)
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
	else if (flock(a->lock_fd, LOCK_EX | LOCK_NB) < 0)
		snprintf(err, errlen, "archive folder %s is in use by another linkkeeper run (%s)",
		         a->dir, strerror(errno));
	else
		rc = 0;
	free(path);
	return rc;
}

/* Stops the indexer once everything sent so far is committed. */
static void ix_stop(struct lk_archiver *a)
{
	if (!a->ix_started)
		return;
	struct ix_msg *m = lk_xcalloc(1, sizeof *m);
	m->kind = IX_STOP;
	ix_send(a, m);
	lk_queue_close(&a->ixq);
	pthread_join(a->ix_thread, NULL);
	a->ix_started = 0;
}

/* Stops the encoder threads once the ring is empty (they finish what they
 * hold first). */
static void encoders_stop(struct lk_archiver *a)
{
	pthread_mutex_lock(&a->enc_mu);
	a->enc_stop = 1;
	pthread_cond_broadcast(&a->work);
	pthread_mutex_unlock(&a->enc_mu);
	for (size_t i = 0; i < a->encoders_started; i++)
		pthread_join(a->encoders[i], NULL);
	a->encoders_started = 0;
}

/* One encoder thread per CPU (at most MAX_ENCODERS); none on one CPU: the
 * archive thread encodes itself then. */
static size_t encoders_wanted(const struct lk_archiver_opts *o)
{
	if (o->encoders > 0)
		return (size_t)(o->encoders < MAX_ENCODERS ? o->encoders : MAX_ENCODERS);
	if (o->encoders < 0)
		return 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus <= 1)
		return 0;
	return cpus < MAX_ENCODERS ? (size_t)cpus : MAX_ENCODERS;
}

static int encoders_start(struct lk_archiver *a, const struct lk_archiver_opts *o, char *err,
                          size_t errlen)
{
	a->enc = lk_warc_encoder_new(o->level);
	if (!a->enc) {
		snprintf(err, errlen, "invalid compression level %d", o->level);
		return -1;
	}
	a->nencoders = encoders_wanted(o);
	a->ring_cap = a->nencoders ? WINDOW_PER_ENCODER * a->nencoders + 2 : 1;
	a->ring = lk_xcalloc(a->ring_cap, sizeof *a->ring);
	a->done = lk_xcalloc(a->ring_cap, 1);
	a->encoders = lk_xcalloc(a->nencoders ? a->nencoders : 1, sizeof *a->encoders);
	for (size_t i = 0; i < a->nencoders; i++) {
		struct encoder_arg *ea = lk_xcalloc(1, sizeof *ea);
		ea->a = a;
		ea->e = lk_warc_encoder_new(o->level);
		if (!ea->e || pthread_create(&a->encoders[i], NULL, encoder_main, ea) != 0) {
			lk_warc_encoder_free(ea->e);
			free(ea);
			snprintf(err, errlen, "cannot start an encoder thread");
			return -1;
		}
		a->encoders_started++;
	}
	return 0;
}

static void archiver_free(struct lk_archiver *a)
{
	encoders_stop(a);
	for (size_t i = 0; i < a->ring_cap; i++) {
		job_clear(&a->ring[i]);
		lk_warc_encoded_free(&a->ring[i].enc);
	}
	free(a->ring);
	free(a->done);
	free(a->encoders);
	lk_warc_encoder_free(a->enc);
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->event);
	pthread_mutex_destroy(&a->enc_mu);
	ix_stop(a);
	lk_captures_close(a->lookup);
	lk_captures_close(a->idx);
	if (a->lock_fd >= 0)
		close(a->lock_fd); /* releases the lock */
	drop_rows(a);
	free(a->rows);
	seen_free(&a->seen);
	lk_queue_destroy(&a->q);
	lk_queue_destroy(&a->ixq);
	pthread_cond_destroy(&a->room);
	pthread_mutex_destroy(&a->mu);
	free(a->dir);
	free(a->user_agent);
	free(a);
}

struct lk_archiver *lk_archiver_start(const struct lk_archiver_opts *o, char *err,
                                      size_t errlen)
{
	struct lk_archiver *a = lk_xcalloc(1, sizeof *a);
	a->lock_fd = -1;
	a->dir = lk_xstrdup(o->dir && *o->dir ? o->dir : ".");
	a->user_agent = o->user_agent ? lk_xstrdup(o->user_agent) : NULL;
	a->level = o->level;
	a->run_id = o->run_id;
	snprintf(a->is_part_of, sizeof a->is_part_of, RUN_PREFIX "%lld", (long long)o->run_id);
	a->warc_max_size = o->warc_max_size > 0 ? o->warc_max_size : DEFAULT_WARC_MAX_SIZE;
	a->max_queued_bytes = o->queue_bytes ? o->queue_bytes : DEFAULT_QUEUE_BYTES;
	a->max_ring_bytes = o->ring_bytes ? o->ring_bytes : DEFAULT_RING_BYTES;
	lk_queue_init(&a->q, o->queue_cap ? o->queue_cap : DEFAULT_QUEUE_CAP);
	lk_queue_init(&a->ixq, IX_QUEUE_CAP);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->room, NULL);
	pthread_mutex_init(&a->enc_mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->event, NULL);

	if (lk_mkdir_p(a->dir) < 0) {
		snprintf(err, errlen, "cannot create archive folder %s: %s", a->dir, strerror(errno));
		goto fail;
	}
	if (lock_dir(a, err, errlen) < 0)
		goto fail;
	if (lk_captures_open(o->db_path, 0, &a->idx, err, errlen) < 0)
		goto fail;
	if (recover_dir(a, err, errlen) < 0)
		goto fail;
	if (lk_captures_open(o->db_path, 0, &a->lookup, err, errlen) < 0)
		goto fail;
	if (pthread_create(&a->ix_thread, NULL, indexer_main, a) != 0) {
		snprintf(err, errlen, "cannot start the index thread");
		goto fail;
	}
	a->ix_started = 1;
	if (encoders_start(a, o, err, errlen) < 0)
		goto fail;
	if (pthread_create(&a->thread, NULL, archiver_main, a) != 0) {
		snprintf(err, errlen, "cannot start the archive thread");
		goto fail;
	}
	return a;
fail:
	archiver_free(a);
	return NULL;
}

/* The first error of either thread, for lk_archiver_finish. */
static int first_error(const struct lk_archiver *a, char *err, size_t errlen)
{
	const char *msg = NULL;
	char buf[640];
	if (a->errors) {
		msg = a->err;
	} else if (a->ix_errors) {
		snprintf(buf, sizeof buf, "%s (%zu captures not indexed)", a->ix_err, a->ix_lost);
		msg = buf;
	} else if (a->st.failed) {
		snprintf(buf, sizeof buf, "%zu captures could not be archived", a->st.failed);
		msg = buf;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s", msg ? msg : "");
	return msg ? -1 : 0;
}

int lk_archiver_finish(struct lk_archiver *a, struct lk_archive_stats *st, char *err,
                       size_t errlen)
{
	lk_queue_push(&a->q, &stop_marker);
	notify(a);
	lk_queue_close(&a->q);
	pthread_join(a->thread, NULL);
	ix_stop(a);
	if (st)
		*st = a->st;
	int rc = first_error(a, err, errlen);
	archiver_free(a);
	return rc;
}
