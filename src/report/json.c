/*
 * json.c — the machine-readable report:
 *
 *   {"summary": {"total", "failing", "states": {state: count…}, "since",
 *                "last_run": {"id", "started_at"} | null, "previous_run": …,
 *                "newly_broken": [url…], "fixed": [url…],
 *                "still_broken": [{"url", "dead_since"}…]},
 *    "urls": [{"url", "state", "status", "reason", "http_status", "error",
 *              "first_seen", "last_checked", "last_ok", "dead_since",
 *              "consecutive_failures", "checks", "uptime", "last_capture",
 *              "sources": [{"file", "line", "title"}…]}…]}
 *
 * Times are RFC 3339 UTC strings or null; uptime is a number in 0..1 or null
 * when the window holds no ok/broken check. Strings go through
 * lk_buf_json_string, so invalid UTF-8 from a server still gives valid JSON.
 */
#include "linkkeeper/report.h"

static void put_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	lk_buf_json_string(b, lk_report_time(ms, t));
}

static void put_key(struct lk_buf *b, const char *key)
{
	lk_buf_json_string(b, key);
	lk_buf_putc(b, ':');
}

static void put_run(struct lk_buf *b, int64_t id, int64_t started)
{
	if (!id) {
		lk_buf_puts(b, "null");
		return;
	}
	lk_buf_printf(b, "{\"id\":%lld,\"started_at\":", (long long)id);
	put_time(b, started);
	lk_buf_putc(b, '}');
}

static void put_url_list(const struct lk_report *r, struct lk_buf *b, const size_t *idx,
                         size_t n, int with_dead_since)
{
	lk_buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		const struct lk_report_url *u = &r->urls[idx[i]];
		if (i)
			lk_buf_putc(b, ',');
		if (!with_dead_since) {
			lk_buf_json_string(b, u->url);
			continue;
		}
		lk_buf_puts(b, "{\"url\":");
		lk_buf_json_string(b, u->url);
		lk_buf_puts(b, ",\"dead_since\":");
		put_time(b, u->dead_since);
		lk_buf_putc(b, '}');
	}
	lk_buf_putc(b, ']');
}

static void put_summary(const struct lk_report *r, struct lk_buf *b)
{
	const struct lk_report_changes *c = &r->changes;
	lk_buf_printf(b, "{\"total\":%zu,\"failing\":%zu,\"states\":{", r->n, r->nfailing);
	for (int s = 0; s < LK_STATE_COUNT; s++) {
		if (s)
			lk_buf_putc(b, ',');
		put_key(b, lk_report_state_name((enum lk_report_state)s));
		lk_buf_printf(b, "%zu", r->count[s]);
	}
	lk_buf_puts(b, "},\"since\":");
	put_time(b, r->since_ms);
	lk_buf_puts(b, ",\"last_run\":");
	put_run(b, r->last_run, r->last_run_started);
	lk_buf_puts(b, ",\"previous_run\":");
	put_run(b, r->prev_run, r->prev_run_started);
	lk_buf_puts(b, ",\"newly_broken\":");
	put_url_list(r, b, c->newly_broken, c->nnewly_broken, 0);
	lk_buf_puts(b, ",\"fixed\":");
	put_url_list(r, b, c->fixed, c->nfixed, 0);
	lk_buf_puts(b, ",\"still_broken\":");
	put_url_list(r, b, c->still_broken, c->nstill_broken, 1);
	lk_buf_putc(b, '}');
}

static void put_sources(const struct lk_report_url *u, struct lk_buf *b)
{
	lk_buf_putc(b, '[');
	for (size_t i = 0; i < u->nsources; i++) {
		const struct lk_report_source *s = &u->sources[i];
		lk_buf_puts(b, i ? ",{\"file\":" : "{\"file\":");
		lk_buf_json_string(b, s->file);
		lk_buf_printf(b, ",\"line\":%u,\"title\":", s->line);
		lk_buf_json_string(b, s->title);
		lk_buf_putc(b, '}');
	}
	lk_buf_putc(b, ']');
}

static void put_url(const struct lk_report_url *u, struct lk_buf *b)
{
	lk_buf_puts(b, "{\"url\":");
	lk_buf_json_string(b, u->url);
	lk_buf_puts(b, ",\"state\":");
	lk_buf_json_string(b, lk_report_state_name(u->state));
	lk_buf_puts(b, ",\"status\":");
	lk_buf_json_string(b, u->status);
	lk_buf_puts(b, ",\"reason\":");
	lk_buf_json_string(b, u->reason);
	lk_buf_puts(b, ",\"http_status\":");
	if (u->http_status)
		lk_buf_printf(b, "%d", u->http_status);
	else
		lk_buf_puts(b, "null");
	lk_buf_puts(b, ",\"error\":");
	lk_buf_json_string(b, u->error);
	lk_buf_puts(b, ",\"first_seen\":");
	put_time(b, u->first_seen);
	lk_buf_puts(b, ",\"last_checked\":");
	put_time(b, u->last_checked);
	lk_buf_puts(b, ",\"last_ok\":");
	put_time(b, u->last_ok);
	lk_buf_puts(b, ",\"dead_since\":");
	put_time(b, u->dead_since);
	lk_buf_printf(b, ",\"consecutive_failures\":%ld,\"checks\":%ld,\"uptime\":",
	              u->consecutive_failures, u->checks);
	if (u->uptime >= 0)
		lk_buf_printf(b, "%.4f", u->uptime);
	else
		lk_buf_puts(b, "null");
	lk_buf_puts(b, ",\"last_capture\":");
	put_time(b, u->last_capture);
	lk_buf_puts(b, ",\"sources\":");
	put_sources(u, b);
	lk_buf_putc(b, '}');
}

void lk_report_json(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_puts(b, "{\"summary\":");
	put_summary(r, b);
	lk_buf_puts(b, ",\n\"urls\":[");
	for (size_t i = 0; i < r->n; i++) {
		lk_buf_puts(b, i ? ",\n" : "\n");
		put_url(&r->urls[i], b);
	}
	lk_buf_puts(b, "\n]}\n");
}
