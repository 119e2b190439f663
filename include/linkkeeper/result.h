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

/* The outcome of checking one unique URL. Strings are owned by the result
 * (lk_result_clear frees them). */
struct lk_result {
	enum lk_status status;
	enum lk_reason reason;
	int http_status;       /* last HTTP status seen, 0 if none */
	int curl_code;         /* CURLcode of the last attempt */
	int attempts;          /* requests sent for the final hop, retries included */
	const char *method;    /* "HEAD" or "GET" (static string), NULL if none sent */
	int64_t elapsed_ms;    /* from first request to verdict, backoff included */
	int64_t checked_at_ms; /* wall clock of the verdict */
	int64_t last_ok_ms;    /* for cached results: when it was last ok */
	char *final_url;       /* where the redirect chain ended; NULL: the link's own URL */
	struct lk_hop *hops;   /* redirect chain, nhops entries (excludes the final URL) */
	size_t nhops;
	char *error;           /* human-readable detail, or NULL */
};

const char *lk_status_name(enum lk_status s);
const char *lk_reason_name(enum lk_reason r);
/* Returns 0 and sets *out for a known name, or -1. */
int lk_status_parse(const char *name, enum lk_status *out);
int lk_reason_parse(const char *name, enum lk_reason *out);

void lk_result_clear(struct lk_result *r);
void lk_result_add_hop(struct lk_result *r, const char *url, int http_status);

#endif
