/*
 * text.c — the terminal report: one summary line, what the last run
 * changed, then the dead links grouped by document (file, then line), then
 * the links worth a look (flaky, recovered, new). Healthy links are only
 * counted: a maintainer reading a terminal wants the work to do.
 *
 * Titles, URLs and error texts come from documents and servers; control
 * characters are replaced so that none of them can move the cursor or
 * recolour the terminal.
 */
#include "linkkeeper/report.h"

#include <stdlib.h>
#include <string.h>

/* Appends s with control characters (ESC included) replaced by '?'. */
static void put_clean(struct lk_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		lk_buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

static void put_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	lk_buf_puts(b, ms ? lk_report_time(ms, t) : "never");
}

static void put_summary(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_printf(b, "linkkeeper report: %zu link%s, %zu failing now (", r->n,
	              r->n == 1 ? "" : "s", r->nfailing);
	lk_report_put_counts(r, b);
	lk_buf_puts(b, ")\n");
	if (r->since_ms) {
		lk_buf_puts(b, "Window: checks since ");
		put_time(b, r->since_ms);
		lk_buf_putc(b, '\n');
	}
}

static void put_change_list(const struct lk_report *r, struct lk_buf *b, const char *title,
                            const size_t *idx, size_t n)
{
	if (n == 0)
		return;
	lk_buf_printf(b, "\n%s (%zu)\n", title, n);
	for (size_t i = 0; i < n; i++) {
		const struct lk_report_url *u = &r->urls[idx[i]];
		char reason[64];
		lk_buf_puts(b, "  ");
		put_clean(b, u->url);
		if (lk_report_url_failing(u)) {
			lk_buf_puts(b, "  ");
			put_clean(b, lk_report_reason_text(u, reason, sizeof reason));
			lk_buf_puts(b, ", dead since ");
			put_time(b, u->dead_since);
		}
		lk_buf_putc(b, '\n');
	}
}

static void put_changes(const struct lk_report *r, struct lk_buf *b)
{
	const struct lk_report_changes *c = &r->changes;
	if (!r->last_run) {
		lk_buf_puts(b, "No run recorded yet.\n");
		return;
	}
	lk_buf_printf(b, "Since the previous run (last run #%lld, ", (long long)r->last_run);
	put_time(b, r->last_run_started);
	lk_buf_printf(b, "): %zu newly broken, %zu fixed, %zu still broken\n", c->nnewly_broken,
	              c->nfixed, c->nstill_broken);
	put_change_list(r, b, "Newly broken", c->newly_broken, c->nnewly_broken);
	put_change_list(r, b, "Fixed", c->fixed, c->nfixed);
	put_change_list(r, b, "Still broken", c->still_broken, c->nstill_broken);
}

/* One occurrence of a dead link, for grouping by document. */
struct place {
	const char *file;
	unsigned line;
	const char *title;
	const struct lk_report_url *u;
};

static int cmp_place(const void *a, const void *b)
{
	const struct place *x = a, *y = b;
	int d = strcmp(x->file, y->file);
	if (d)
		return d;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->u->url, y->u->url);
}

static void put_dead_link(struct lk_buf *b, const struct place *p)
{
	const struct lk_report_url *u = p->u;
	char reason[64];
	lk_buf_printf(b, "  %5u  ", p->line);
	put_clean(b, u->url);
	lk_buf_puts(b, "\n         ");
	put_clean(b, lk_report_reason_text(u, reason, sizeof reason));
	lk_buf_puts(b, ", dead since ");
	put_time(b, u->dead_since);
	lk_buf_printf(b, ", %ld failure%s in a row", u->consecutive_failures,
	              u->consecutive_failures == 1 ? "" : "s");
	if (u->state != LK_STATE_BROKEN)
		lk_buf_printf(b, " [%s]", lk_report_state_name(u->state));
	if (p->title && *p->title) {
		lk_buf_puts(b, "\n         \"");
		put_clean(b, p->title);
		lk_buf_putc(b, '"');
	}
	lk_buf_putc(b, '\n');
}

static void put_dead_by_document(const struct lk_report *r, struct lk_buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (lk_report_url_failing(&r->urls[i]))
			n += r->urls[i].nsources ? r->urls[i].nsources : 1;
	if (n == 0) {
		lk_buf_puts(b, "\nNo broken links.\n");
		return;
	}
	struct place *p = lk_xcalloc(n, sizeof *p);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct lk_report_url *u = &r->urls[i];
		if (!lk_report_url_failing(u))
			continue;
		if (u->nsources == 0)
			p[k++] = (struct place){"(no document)", 0, "", u};
		for (size_t s = 0; s < u->nsources; s++)
			p[k++] = (struct place){u->sources[s].file, u->sources[s].line,
			                        u->sources[s].title, u};
	}
	qsort(p, n, sizeof *p, cmp_place);
	lk_buf_printf(b, "\nDead links by document (%zu)\n", r->nfailing);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(p[i].file, p[i - 1].file) != 0) {
			lk_buf_putc(b, '\n');
			put_clean(b, p[i].file);
			lk_buf_putc(b, '\n');
		}
		put_dead_link(b, &p[i]);
	}
	free(p);
}

/* Live links in one state (flaky, recovered or new), with their uptime. */
static void put_state_list(const struct lk_report *r, struct lk_buf *b, enum lk_report_state st,
                           const char *title)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->urls[i].state == st && !lk_report_url_failing(&r->urls[i]);
	if (n == 0)
		return;
	lk_buf_printf(b, "\n%s (%zu)\n", title, n);
	for (size_t i = 0; i < r->n; i++) {
		const struct lk_report_url *u = &r->urls[i];
		if (u->state != st || lk_report_url_failing(u))
			continue;
		lk_buf_puts(b, "  ");
		put_clean(b, u->url);
		if (u->uptime >= 0)
			lk_buf_printf(b, "  uptime %.0f%% over %ld check%s", u->uptime * 100.0,
			              u->window_ok + u->window_broken,
			              u->window_ok + u->window_broken == 1 ? "" : "s");
		if (u->nsources) {
			lk_buf_puts(b, "  (");
			put_clean(b, u->sources[0].file);
			lk_buf_printf(b, ":%u)", u->sources[0].line);
		}
		lk_buf_putc(b, '\n');
	}
}

void lk_report_text(const struct lk_report *r, struct lk_buf *b)
{
	put_summary(r, b);
	put_changes(r, b);
	put_dead_by_document(r, b);
	put_state_list(r, b, LK_STATE_FLAKY, "Flaky, ok now");
	put_state_list(r, b, LK_STATE_RECOVERED, "Recovered");
	put_state_list(r, b, LK_STATE_NEW, "New, ok");
}
