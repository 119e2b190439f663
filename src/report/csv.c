/*
 * csv.c — one row per URL with the fields of the JSON report, for
 * spreadsheets and scripts. RFC 4180: a header row, CRLF line ends, a field
 * quoted when it holds a comma, a quote, CR or LF (quotes doubled inside).
 *
 * Empty fields stand for JSON's null. The sources of a URL become two
 * columns, "sources" ("file:line; file:line") and "titles" (in the same
 * order, joined by "; " too), so the location list stays easy to split.
 *
 * Values are written as they are: a title that starts with "=" is data, and
 * escaping it for one spreadsheet program would corrupt it for every script.
 */
#include "linkkeeper/report.h"

#include <string.h>

static void put_field(struct lk_buf *b, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		lk_buf_puts(b, s);
		return;
	}
	lk_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			lk_buf_putc(b, '"');
		lk_buf_putc(b, *s);
	}
	lk_buf_putc(b, '"');
}

static void put_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	lk_buf_putc(b, ',');
	if (ms)
		lk_buf_puts(b, lk_report_time(ms, t));
}

static void put_sources(struct lk_buf *b, const struct lk_report_url *u)
{
	struct lk_buf list = {0};
	for (size_t i = 0; i < u->nsources; i++)
		lk_buf_printf(&list, "%s%s:%u", i ? "; " : "", u->sources[i].file, u->sources[i].line);
	lk_buf_putc(b, ',');
	put_field(b, list.data ? list.data : "");
	lk_buf_reset(&list);
	for (size_t i = 0; i < u->nsources; i++)
		lk_buf_printf(&list, "%s%s", i ? "; " : "", u->sources[i].title);
	lk_buf_putc(b, ',');
	put_field(b, list.data ? list.data : "");
	lk_buf_free(&list);
}

static void put_row(struct lk_buf *b, const struct lk_report_url *u)
{
	put_field(b, u->url);
	lk_buf_printf(b, ",%s,%s,", lk_report_state_name(u->state), u->status);
	put_field(b, u->reason);
	lk_buf_putc(b, ',');
	if (u->http_status)
		lk_buf_printf(b, "%d", u->http_status);
	lk_buf_putc(b, ',');
	put_field(b, u->error);
	put_time(b, u->first_seen);
	put_time(b, u->last_checked);
	put_time(b, u->last_ok);
	put_time(b, u->dead_since);
	lk_buf_printf(b, ",%ld,%ld,", u->consecutive_failures, u->checks);
	if (u->uptime >= 0)
		lk_buf_printf(b, "%.4f", u->uptime);
	put_time(b, u->last_capture);
	put_sources(b, u);
	lk_buf_puts(b, "\r\n");
}

void lk_report_csv(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_puts(b, "url,state,status,reason,http_status,error,first_seen,last_checked,last_ok,"
	               "dead_since,consecutive_failures,checks,uptime,last_capture,sources,titles\r\n");
	for (size_t i = 0; i < r->n; i++)
		put_row(b, &r->urls[i]);
}
