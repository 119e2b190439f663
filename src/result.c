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
	struct lk_result_more *m = r->more;
	if (m) {
		for (size_t i = 0; i < m->nhops; i++)
			free(m->hops[i].url);
		free(m->hops);
		free(m->final_url);
		free(m->error);
		free(m);
	}
	memset(r, 0, sizeof *r);
}

static struct lk_result_more *more(struct lk_result *r)
{
	if (!r->more)
		r->more = lk_xcalloc(1, sizeof *r->more);
	return r->more;
}

void lk_result_add_hop(struct lk_result *r, const char *url, int http_status)
{
	struct lk_result_more *m = more(r);
	m->hops = lk_xrealloc(m->hops, (m->nhops + 1) * sizeof *m->hops);
	m->hops[m->nhops].url = lk_xstrdup(url);
	m->hops[m->nhops].http_status = http_status;
	m->nhops++;
}

const char *lk_result_error(const struct lk_result *r)
{
	return r->more ? r->more->error : NULL;
}

const char *lk_result_final_url(const struct lk_result *r)
{
	return r->more ? r->more->final_url : NULL;
}

const char *lk_result_ended_at(const struct lk_result *r, const char *own_url)
{
	const char *final = lk_result_final_url(r);
	if (final)
		return final;
	return r->status == LK_STATUS_OK || r->status == LK_STATUS_BROKEN ? own_url : NULL;
}

const struct lk_hop *lk_result_hops(const struct lk_result *r, size_t *nhops)
{
	*nhops = r->more ? r->more->nhops : 0;
	return r->more ? r->more->hops : NULL;
}

int64_t lk_result_last_ok(const struct lk_result *r)
{
	return r->more ? r->more->last_ok_ms : 0;
}

void lk_result_set_error(struct lk_result *r, const char *error)
{
	if (!error || !*error) {
		if (r->more) {
			free(r->more->error);
			r->more->error = NULL;
		}
		return;
	}
	char *copy = lk_xstrdup(error); /* error may be the current one */
	struct lk_result_more *m = more(r);
	free(m->error);
	m->error = copy;
}

void lk_result_take_final_url(struct lk_result *r, char *url)
{
	if (!url && !r->more)
		return;
	struct lk_result_more *m = more(r);
	free(m->final_url);
	m->final_url = url;
}

void lk_result_set_last_ok(struct lk_result *r, int64_t ms)
{
	if (ms || r->more)
		more(r)->last_ok_ms = ms;
}
