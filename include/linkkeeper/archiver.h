/*
 * archiver.h — the archive writer thread: turns captures (engine.h) into
 * WARC records and indexes them.
 *
 * The network thread hands each capture over a bounded queue; this thread
 * alone computes digests, decides between a response and a revisit record
 * (a URL whose payload digest equals its previous complete capture gets an
 * identical-payload-digest revisit), writes request + response|revisit +
 * metadata through warc.h into <dir>/linkkeeper-<ts>-<serial>.warc.gz.open,
 * rolls files at warc_max_size, and records every response/revisit in the
 * capture index (captures.h) after the WARC bytes are flushed and synced
 * (the commits happen on a second thread, so a busy database never stalls
 * the archive thread).
 *
 * On start it repairs what a killed run left: each *.warc.gz.open in dir is
 * cut back to its last complete record, the records it still holds are
 * indexed if the index lacks them, and the file is sealed (renamed).
 *
 * One archiver per folder at a time: it holds an exclusive lock on
 * <dir>/.linkkeeper-archive.lock from start to finish (a second run would
 * otherwise "repair" the first one's open file), and start fails when
 * another process holds it.
 */
#ifndef LINKKEEPER_ARCHIVER_H
#define LINKKEEPER_ARCHIVER_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/engine.h"

struct lk_archiver_opts {
	const char *db_path;      /* the history database (captures live there too) */
	const char *dir;          /* archive folder, created when missing */
	int64_t run_id;           /* the run the captures belong to */
	int64_t warc_max_size;    /* roll the WARC file past this many bytes */
	size_t queue_cap;         /* captures waiting at most (0: 64) */
	size_t queue_bytes;       /* bytes of captures waiting at most (0: 256 MiB);
	                           * a larger capture still passes, alone */
	const char *user_agent;   /* for the warcinfo record */
	int level;                /* gzip level 1..9, 0 = LK_WARC_DEFAULT_LEVEL (6) */
	int encoders;             /* encoding threads: 0 = one per CPU (at most
	                           * 4), -1 = none (the archive thread encodes) */
	size_t ring_bytes;        /* capture bytes being encoded or waiting to be
	                           * appended at most (0: 64 MiB); one capture
	                           * always passes, however large */
};

struct lk_archive_stats {
	size_t responses;      /* response records written */
	size_t revisits;       /* revisit records written */
	size_t truncated;      /* captures cut at --max-page-size */
	size_t failed;         /* captures that could not be archived */
	size_t files;          /* WARC files written (closed) */
	uint64_t bytes;        /* compressed bytes written this run */
	size_t repaired_files; /* .open files repaired at start */
	uint64_t repaired_cut; /* bytes cut from them */
};

struct lk_archiver;

/* Opens the capture index, repairs leftovers, starts the thread. Returns
 * NULL with a one-line message in err. */
struct lk_archiver *lk_archiver_start(const struct lk_archiver_opts *o, char *err,
                                      size_t errlen);

/* An lk_capture_fn: ctx is the archiver. Blocks while the queue is full.
 * Takes ownership of cap. */
void lk_archiver_push(void *ctx, struct lk_capture *cap);

/* Drains the queue, closes the WARC file, commits the index, joins the
 * thread and frees the archiver. Fills *st (may be NULL) in every case.
 * Returns 0, or -1 with the first error when a capture could not be
 * archived or indexed. */
int lk_archiver_finish(struct lk_archiver *a, struct lk_archive_stats *st, char *err,
                       size_t errlen);

#endif
