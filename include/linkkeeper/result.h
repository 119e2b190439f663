/*
 * result.h — what checking one URL ends in. Every URL ends in exactly one
 * status; every status but ok carries a reason. These words are the public
 * vocabulary of the JSON output, the database and the reports.
 */
#ifndef LINKKEEPER_RESULT_H
#define LINKKEEPER_RESULT_H

#include <stddef.h>
#include <stdint.h>

enum lk_status {
	LK_STATUS_OK,
	LK_STATUS_BROKEN,
	LK_STATUS_EXCLUDED,
	LK_STATUS_CACHED,
};

enum lk_reason {
	LK_REASON_NONE,
	LK_REASON_HTTP,               /* a status code outside --accept */
	LK_REASON_DNS,                /* host name does not resolve */
	LK_REASON_REFUSED,            /* connection refused */
	LK_REASON_TIMEOUT,            /* connect, total or low-speed timeout */
	LK_REASON_TLS,                /* handshake or certificate failure */
	LK_REASON_TOO_MANY_REDIRECTS, /* more hops than --max-redirects, or a loop */
	LK_REASON_INVALID_URL,        /* not a URL libcurl can parse */
	LK_REASON_RATE_LIMITED,       /* still 429 after every retry */
	LK_REASON_BLOCKED,            /* 401/403/999 to HEAD and GET: a login or bot wall */
	LK_REASON_NETWORK,            /* reset, empty reply, other transport errors */
	LK_REASON_UNSUPPORTED_SCHEME, /* redirect to something other than http(s) */
	LK_REASON_PATTERN,            /* excluded by --exclude / --include */
	LK_REASON_PRIVATE,            /* excluded by --exclude-private */
	LK_REASON_FRESH,              /* cached: last ok check newer than --max-age */
};

/* One hop of a redirect chain: the URL requested and the status it got. */
struct lk_hop {
	char *url;
	int http_status;
};

/* What few results have: a redirect chain, an error text, a cached
 * result's last ok time. Kept apart from struct lk_result so that a run of
 * a million plain results does not pay for them (see lk_result.more). */
struct lk_result_more {
	char *final_url;     /* where the redirect chain ended; NULL: the link's own URL */
	struct lk_hop *hops; /* redirect chain, nhops entries (excludes the final URL) */
	size_t nhops;
	char *error;         /* human-readable detail, or NULL */
	int64_t last_ok_ms;  /* for cached results: when it was last ok */
};

/* The outcome of checking one unique URL. One lives in every link of a
 * run, so it is kept small: status and reason in a byte each, the rarely
 * set fields behind `more`, allocated by the first setter that needs it.
 * Read those through the accessors below (they answer for a NULL `more`);
 * write them only through the setters. Strings are owned by the result
 * (lk_result_clear frees them). */
struct lk_result {
	int64_t checked_at_ms;        /* wall clock of the verdict */
	const char *method;           /* "HEAD" or "GET" (static string), NULL if none sent */
	struct lk_result_more *more;  /* NULL until a rare field is set */
	int32_t elapsed_ms;           /* from first request to verdict, backoff included
	                               * (held at INT32_MAX, 24 days, past that) */
	int http_status;              /* last HTTP status seen, 0 if none */
	int attempts;                 /* requests sent for the final hop, retries included */
	int16_t curl_code;            /* CURLcode of the last attempt (all below 100) */
	uint8_t status;               /* enum lk_status */
	uint8_t reason;               /* enum lk_reason */
};

const char *lk_status_name(enum lk_status s);
const char *lk_reason_name(enum lk_reason r);
/* Returns 0 and sets *out for a known name, or -1. */
int lk_status_parse(const char *name, enum lk_status *out);
int lk_reason_parse(const char *name, enum lk_reason *out);

void lk_result_clear(struct lk_result *r);
void lk_result_add_hop(struct lk_result *r, const char *url, int http_status);

/* The rare fields; NULL, 0 or none when never set. */
const char *lk_result_error(const struct lk_result *r);
const char *lk_result_final_url(const struct lk_result *r);
const struct lk_hop *lk_result_hops(const struct lk_result *r, size_t *nhops);
int64_t lk_result_last_ok(const struct lk_result *r);
/* Where the check ended: the final URL after redirects, own_url (the
 * link's URL) when it was requested and not redirected, NULL when no
 * request was made (excluded, cached). */
const char *lk_result_ended_at(const struct lk_result *r, const char *own_url);

/* Copies error; NULL or "" removes it. */
void lk_result_set_error(struct lk_result *r, const char *error);
/* Takes url (malloc'd; NULL: the link's own URL) and frees the previous one. */
void lk_result_take_final_url(struct lk_result *r, char *url);
void lk_result_set_last_ok(struct lk_result *r, int64_t ms);

#endif
