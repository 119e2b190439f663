/*
 * result.c — names of statuses and reasons, and the result's memory.
 */
#include "linkkeeper/result.h"

#include <stdlib.h>
#include <string.h>

#include "linkkeeper/util.h"

static const char *const status_names[] = {
	[LK_STATUS_OK] = "ok",
	[LK_STATUS_BROKEN] = "broken",
	[LK_STATUS_EXCLUDED] = "excluded",
	[LK_STATUS_CACHED] = "cached",
};

static const char *const reason_names[] = {
	[LK_REASON_NONE] = "",
	[LK_REASON_HTTP] = "http",
	[LK_REASON_DNS] = "dns",
	[LK_REASON_REFUSED] = "refused",
	[LK_REASON_TIMEOUT] = "timeout",
	[LK_REASON_TLS] = "tls",
	[LK_REASON_TOO_MANY_REDIRECTS] = "too_many_redirects",
	[LK_REASON_INVALID_URL] = "invalid_url",
	[LK_REASON_RATE_LIMITED] = "rate_limited",
	[LK_REASON_BLOCKED] = "blocked",
	[LK_REASON_NETWORK] = "network",
	[LK_REASON_UNSUPPORTED_SCHEME] = "unsupported_scheme",
	[LK_REASON_PATTERN] = "pattern",
	[LK_REASON_PRIVATE] = "private",
	[LK_REASON_FRESH] = "fresh",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *lk_status_name(enum lk_status s)
{
	return (size_t)s < NELEM(status_names) ? status_names[s] : "?";
}

const char *lk_reason_name(enum lk_reason r)
{
	return (size_t)r < NELEM(reason_names) ? reason_names[r] : "?";
}

int lk_status_parse(const char *name, enum lk_status *out)
{
	for (size_t i = 0; i < NELEM(status_names); i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (enum lk_status)i;
			return 0;
		}
	return -1;
}

int lk_reason_parse(const char *name, enum lk_reason *out)
{
	for (size_t i = 0; i < NELEM(reason_names); i++)
		if (strcmp(name, reason_names[i]) == 0) {
			*out = (enum lk_reason)i;
			return 0;
		}
	return -1;
}

void lk_result_clear(struct lk_result *r)
{
	for (size_t i = 0; i < r->nhops; i++)
		free(r->hops[i].url);
	free(r->hops);
	free(r->final_url);
	free(r->error);
	memset(r, 0, sizeof *r);
}

void lk_result_add_hop(struct lk_result *r, const char *url, int http_status)
{
	r->hops = lk_xrealloc(r->hops, (r->nhops + 1) * sizeof *r->hops);
	r->hops[r->nhops].url = lk_xstrdup(url);
	r->hops[r->nhops].http_status = http_status;
	r->nhops++;
}
