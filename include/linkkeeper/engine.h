/*
 * engine.h — checking URLs over the network.
 *
 * One network thread (the caller of lk_engine_run) drives one curl multi
 * handle through curl_multi_socket_action and epoll. It never gives libcurl
 * more transfers than may run: admission is decided by the scheduler
 * (scheduler.h) from a global cap and a per-host cap, so libcurl's internal
 * queue stays empty and its timeouts measure only real waiting.
 *
 * Per URL: HEAD first; GET when HEAD is not accepted. Redirects are followed
 * by the engine itself (each hop goes back through the scheduler, the chain
 * is recorded, loops are caught). Timeouts, resets and 408/429/500/502/503/
 * 504 are retried with exponential backoff and jitter, or after the server's
 * Retry-After (capped); a 429 also slows the host down. DNS failures and
 * refused connections are never retried. Retries are timers, never sleeps.
 */
#ifndef LINKKEEPER_ENGINE_H
#define LINKKEEPER_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/linkset.h"
#include "linkkeeper/util.h"

#define LK_MAX_ACCEPT_RANGES 32

struct lk_accept {
	struct {
		int lo, hi;
	} range[LK_MAX_ACCEPT_RANGES];
	size_t n;
};

/* Parses "200-299,403" into a; returns 0, or -1 when malformed. */
int lk_accept_parse(const char *s, struct lk_accept *a);
int lk_accept_match(const struct lk_accept *a, int status);

/* Archiving. With lk_engine_opts.capture set, every request is a GET over
 * HTTP/1.1 with no transfer or content decoding, and every response below
 * 400 (pages and each redirect hop) is handed over exactly as received. */
enum lk_capture_truncated {
	LK_CAPTURE_COMPLETE,
	LK_CAPTURE_TRUNCATED_LENGTH, /* body cut at max_page_size */
	LK_CAPTURE_TRUNCATED_TIME,   /* body still arriving at the timeout */
};

struct lk_capture {
	struct lk_link *link;     /* borrowed: lives until the run ends */
	char *url;                /* this hop's URL; owned */
	char ip[64];              /* the server's address */
	int http_status;
	int64_t date_ms;          /* wall clock when the request was sent */
	struct lk_buf request;    /* request bytes as sent */
	struct lk_buf response;   /* status line, headers and body as received */
	size_t header_len;        /* response.data[0..header_len) is the head */
	enum lk_capture_truncated truncated;
};

/* Frees what a capture owns, and the capture itself. */
void lk_capture_free(struct lk_capture *c);

/* Called on the network thread; takes ownership of cap. It should only hand
 * the capture on (compression and disk writes belong to another thread). */
typedef void (*lk_capture_fn)(void *ctx, struct lk_capture *cap);

struct lk_head_trust;

struct lk_engine_opts {
	int concurrency;         /* global in-flight cap (-j), default 128 */
	int per_host;            /* in-flight cap per scheme://host:port, default 6 */
	long timeout_ms;         /* per attempt, default 20000 */
	long connect_timeout_ms; /* default 10000 */
	int retries;             /* extra attempts for retryable failures, default 3 */
	long retry_wait_ms;      /* backoff base, doubled per retry, default 1000 */
	long retry_after_cap_ms; /* cap on Retry-After, default 60000 */
	int max_redirects;       /* default 10 */
	const char *user_agent;
	const char *const *headers; /* "Name: value" lines, nheaders of them */
	size_t nheaders;
	/* "HOST:PORT:CONNECT-TO-HOST:CONNECT-TO-PORT" (curl's --connect-to):
	 * requests for HOST:PORT go to the other address; an empty HOST or
	 * PORT matches any. The original host is not resolved at all. */
	const char *const *connect_to;
	size_t nconnect_to;
	int insecure;            /* skip TLS verification */
	int exclude_private;     /* refuse loopback, private and link-local addresses */
	int progress;            /* print a progress line on stderr */
	struct lk_accept accept; /* accepted statuses, default 200-299 */
	int get_only;            /* --method get: skip the HEAD probe */
	int capture;             /* archive mode, see lk_capture */
	int64_t max_page_size;   /* capture body cap, default 50 MiB */
	lk_capture_fn capture_fn;
	void *capture_ctx;
	/* What HEAD proved per host (headtrust.h), kept by the caller so that it
	 * lasts across runs of the engine (the chunks of one check); NULL: each
	 * run learns afresh. Used only by the network thread. */
	struct lk_head_trust *head_trust;
};

void lk_engine_opts_default(struct lk_engine_opts *o);



/* Called on the network thread when a link's result is final. */
typedef void (*lk_engine_done_fn)(void *ctx, struct lk_link *link);

/* Checks links[0..n) (each valid, not yet decided) and fills link->res.
 * Returns 0 when every link got a result, -1 with a message in err when
 * the engine itself failed (epoll, libcurl initialisation), -2 when
 * lk_engine_request_stop was called: transfers in flight are abandoned and
 * the links not decided keep res.checked_at_ms == 0. */
int lk_engine_run(const struct lk_engine_opts *o, struct lk_link **links, size_t n,
                  lk_engine_done_fn done, void *ctx, char *err, size_t errlen);

/* Asks a running (or the next) lk_engine_run to stop soon. Async-signal-
 * safe: meant for a SIGINT/SIGTERM handler. */
void lk_engine_request_stop(void);

#endif
