/*
 * writer.c — the history writer thread of history.h.
 *
 * Why a thread: checks finish on the network threads at whatever pace the
 * Internet allows, and an fsync or a busy lock must never stall them. The
 * writer owns the connection while it runs; the checkers only hand it
 * pointers through a bounded queue (which also applies back-pressure if the
 * disk falls behind).
 *
 * How: rows are grouped into transactions, because a commit is what costs
 * (one WAL append + sync each); a batch is committed when it holds
 * batch_rows rows or is batch_ms old, whichever comes first. The pop waits
 * at most until the batch deadline, so a quiet period still commits and a
 * crash loses at most batch_ms of results.
 *
 * Stopping: lk_writer_finish pushes a private stop marker and closes the
 * queue. The queue is FIFO, so the marker arrives after every link pushed
 * before it; the thread commits and exits when it sees it.
 */
#include "linkkeeper/history.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "linkkeeper/util.h"

#define DEFAULT_BATCH_ROWS 2000
#define DEFAULT_BATCH_MS 500

struct lk_writer {
	struct lk_history *h; /* owned by the thread between start and finish */
	int64_t run_id;
	size_t batch_rows;
	long batch_ms;
	struct lk_queue q;
	pthread_t thread;
	/* Written by the thread only, read by lk_writer_finish after the join
	 * (which orders the accesses; no lock needed). */
	size_t failed;
	char err[512];
};

/* Only its address matters: a value no caller can push by accident. */
static char stop_marker;

/* The batch in progress, local to the thread. */
struct batch {
	int open;         /* a transaction is open */
	size_t rows;      /* rows recorded in it */
	size_t ok_rows;   /* of which recorded without error */
	int64_t deadline; /* monotonic ms when it must be committed */
};

static void note_failure(struct lk_writer *w, size_t rows, const char *msg)
{
	if (w->failed == 0)
		snprintf(w->err, sizeof w->err, "%s", msg);
	w->failed += rows;
}

static void batch_commit(struct lk_writer *w, struct batch *b)
{
	if (!b->open)
		return;
	/* A failed COMMIT loses the whole batch, so each of its rows that had
	 * been recorded fine is a failed row now too. */
	if (lk_history_commit(w->h) < 0)
		note_failure(w, b->ok_rows, lk_history_error(w->h));
	b->open = 0;
}

static void batch_open(struct lk_writer *w, struct batch *b)
{
	b->rows = b->ok_rows = 0;
	b->deadline = lk_mono_ms() + w->batch_ms;
	/* Without a transaction each record still commits on its own (its
	 * savepoint is then a transaction): slower, but nothing is lost. */
	b->open = lk_history_begin(w->h) == 0;
}

static void record_one(struct lk_writer *w, struct batch *b, const struct lk_link *link)
{
	if (!b->open)
		batch_open(w, b);
	if (lk_history_record(w->h, w->run_id, link) == 0)
		b->ok_rows++;
	else
		note_failure(w, 1, lk_history_error(w->h));
	b->rows++;
	if (b->rows >= w->batch_rows || lk_mono_ms() >= b->deadline)
		batch_commit(w, b);
}

/* How long the next pop may wait: until the open batch is due, or until
 * the stop marker when idle (it always comes: lk_writer_finish sends it). */
static long pop_timeout(const struct batch *b)
{
	if (!b->open)
		return -1;
	int64_t left = b->deadline - lk_mono_ms();
	return left > 0 ? (long)left : 0;
}

static void *writer_main(void *arg)
{
	struct lk_writer *w = arg;
	struct batch b = {0};
	for (;;) {
		void *item = lk_queue_pop(&w->q, pop_timeout(&b));
		if (item == &stop_marker)
			break;
		if (!item) {
			batch_commit(w, &b);
			continue;
		}
		record_one(w, &b, item);
	}
	batch_commit(w, &b);
	return NULL;
}

struct lk_writer *lk_writer_start(struct lk_history *h, int64_t run_id, size_t queue_cap,
                                  size_t batch_rows, long batch_ms)
{
	struct lk_writer *w = lk_xcalloc(1, sizeof *w);
	w->h = h;
	w->run_id = run_id;
	w->batch_rows = batch_rows ? batch_rows : DEFAULT_BATCH_ROWS;
	/* batch_ms 0 would make every pop a busy poll; treat it as "default". */
	w->batch_ms = batch_ms > 0 ? batch_ms : DEFAULT_BATCH_MS;
	lk_queue_init(&w->q, queue_cap ? queue_cap : 1);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		lk_queue_destroy(&w->q);
		free(w);
		return NULL;
	}
	return w;
}

void lk_writer_push(struct lk_writer *w, const struct lk_link *link)
{
	/* The queue carries void *; the writer only reads through it. */
	lk_queue_push(&w->q, (void *)(uintptr_t)link);
}

size_t lk_writer_finish(struct lk_writer *w, char *err, size_t errlen)
{
	lk_queue_push(&w->q, &stop_marker);
	lk_queue_close(&w->q);
	pthread_join(w->thread, NULL);
	size_t failed = w->failed;
	if (err && errlen)
		snprintf(err, errlen, "%s", failed ? w->err : "");
	lk_queue_destroy(&w->q);
	free(w);
	return failed;
}
