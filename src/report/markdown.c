/*
 * markdown.c — a report to paste into an issue, a PR comment or a GitHub
 * job summary: counts, what the last run changed, and one table row per
 * place a dead link occurs (file:line, title, URL, since, reason).
 *
 * Cells hold text from documents and servers, so everything Markdown or
 * GitHub would interpret is neutralised:
 *  - the ASCII punctuation that means something inside a line
 *    (| \ ` * _ [ ] < > ~ & # ! $) is backslash-escaped, which CommonMark
 *    allows for any punctuation, and a table cell needs for "|" anyway;
 *  - line breaks and control characters become spaces (a newline would end
 *    the table row);
 *  - "@" gets a zero-width space after it, so a title like "@team" does not
 *    notify anybody when the report is posted.
 * URLs are written as <…> autolinks, inside which only "|" is special to
 * the table; one that could not be an autolink is written as escaped text.
 */
#include "linkkeeper/report.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void put_cell(struct lk_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			lk_buf_putc(b, ' ');
		else if (c == '@')
			lk_buf_puts(b, "@\xE2\x80\x8B");
		else if (strchr("\\`*_[]<>|~&#!$", c))
			lk_buf_printf(b, "\\%c", c);
		else
			lk_buf_putc(b, (char)c);
	}
}

static int autolink_safe(const char *url)
{
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return 1;
}

static void put_url(struct lk_buf *b, const char *url)
{
	if (!autolink_safe(url)) {
		put_cell(b, url);
		return;
	}
	lk_buf_putc(b, '<');
	for (; *url; url++) {
		if (*url == '|')
			lk_buf_putc(b, '\\');
		lk_buf_putc(b, *url);
	}
	lk_buf_putc(b, '>');
}

static void put_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	lk_buf_puts(b, ms ? lk_report_time(ms, t) : "");
}

static void put_summary(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_puts(b, "## Link report\n\n");
	lk_buf_printf(b, "**%zu link%s, %zu broken now** — ", r->n, r->n == 1 ? "" : "s",
	              r->nfailing);
	lk_report_put_counts(r, b);
	lk_buf_puts(b, "\n\n");
	if (r->since_ms) {
		lk_buf_puts(b, "Window: checks since ");
		put_time(b, r->since_ms);
		lk_buf_puts(b, "\n\n");
	}
}

static void put_change_list(const struct lk_report *r, struct lk_buf *b, const char *title,
                            const size_t *idx, size_t n)
{
	if (n == 0)
		return;
	lk_buf_printf(b, "**%s (%zu)**\n\n", title, n);
	for (size_t i = 0; i < n; i++) {
		const struct lk_report_url *u = &r->urls[idx[i]];
		char reason[64];
		lk_buf_puts(b, "- ");
		put_url(b, u->url);
		if (lk_report_url_failing(u)) {
			lk_buf_puts(b, " — ");
			put_cell(b, lk_report_reason_text(u, reason, sizeof reason));
			lk_buf_puts(b, ", dead since ");
			put_time(b, u->dead_since);
		}
		lk_buf_putc(b, '\n');
	}
	lk_buf_putc(b, '\n');
}

static void put_changes(const struct lk_report *r, struct lk_buf *b)
{
	const struct lk_report_changes *c = &r->changes;
	if (!r->last_run)
		return;
	lk_buf_printf(b, "### Since the previous run\n\nRun #%lld (", (long long)r->last_run);
	put_time(b, r->last_run_started);
	lk_buf_printf(b, "): %zu newly broken, %zu fixed, %zu still broken.\n\n", c->nnewly_broken,
	              c->nfixed, c->nstill_broken);
	put_change_list(r, b, "Newly broken", c->newly_broken, c->nnewly_broken);
	put_change_list(r, b, "Fixed", c->fixed, c->nfixed);
	put_change_list(r, b, "Still broken", c->still_broken, c->nstill_broken);
}

struct row {
	const struct lk_report_source *src; /* NULL: the URL has no source */
	const struct lk_report_url *u;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	const char *fx = x->src ? x->src->file : "", *fy = y->src ? y->src->file : "";
	int d = strcmp(fx, fy);
	if (d)
		return d;
	unsigned lx = x->src ? x->src->line : 0, ly = y->src ? y->src->line : 0;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->u->url, y->u->url);
}

static void put_row(struct lk_buf *b, const struct row *row)
{
	char reason[64];
	lk_buf_puts(b, "| ");
	if (row->src) {
		put_cell(b, row->src->file);
		lk_buf_printf(b, ":%u | ", row->src->line);
		put_cell(b, row->src->title);
	} else {
		lk_buf_puts(b, " | ");
	}
	lk_buf_puts(b, " | ");
	put_url(b, row->u->url);
	lk_buf_puts(b, " | ");
	put_time(b, row->u->dead_since);
	lk_buf_puts(b, " | ");
	put_cell(b, lk_report_reason_text(row->u, reason, sizeof reason));
	lk_buf_puts(b, " |\n");
}

static void put_table(const struct lk_report *r, struct lk_buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (lk_report_url_failing(&r->urls[i]))
			n += r->urls[i].nsources ? r->urls[i].nsources : 1;
	lk_buf_puts(b, "### Broken links\n\n");
	if (n == 0) {
		lk_buf_puts(b, "No broken links.\n");
		return;
	}
	struct row *rows = lk_xcalloc(n, sizeof *rows);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct lk_report_url *u = &r->urls[i];
		if (!lk_report_url_failing(u))
			continue;
		if (u->nsources == 0)
			rows[k++] = (struct row){NULL, u};
		for (size_t s = 0; s < u->nsources; s++)
			rows[k++] = (struct row){&u->sources[s], u};
	}
	qsort(rows, n, sizeof *rows, cmp_row);
	lk_buf_puts(b, "| Source | Title | URL | Since | Reason |\n");
	lk_buf_puts(b, "| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++)
		put_row(b, &rows[i]);
	free(rows);
}

void lk_report_markdown(const struct lk_report *r, struct lk_buf *b)
{
	put_summary(r, b);
	put_changes(r, b);
	put_table(r, b);
}
