/*
 * html.c — the report as one self-contained web page: summary cards, what
 * the last run changed, and a table of every link (dead ones first) that
 * sorts by clicking a header and filters by a text box and a state menu.
 * Each row carries a strip of the link's latest checks, one coloured block
 * per check with its date as a tooltip.
 *
 * Self-contained means the file can be mailed, attached to a CI run or
 * opened from disk and still works, and that opening it tells nobody: CSS
 * and JS are inline, there are no fonts, images or scripts from anywhere,
 * and a Content-Security-Policy of default-src 'none' makes the browser
 * refuse any load that would slip in anyway (links are navigations, which
 * it does not block).
 *
 * Every string from a document or a server (URL, title, file name, reason,
 * error) goes through put_text, which HTML-escapes it and drops control
 * characters; the script only moves existing rows and reads textContent,
 * so nothing is ever parsed as markup on the client either. Only http(s)
 * URLs become links: a "javascript:" text stays text.
 *
 * The state cards at the top double as filter buttons. On a narrow screen
 * each row becomes a card and the header row wraps into a line of sort
 * buttons.
 */
#include "linkkeeper/report.h"

#include <string.h>
#include <strings.h>

static const char css[] =
	":root{--bg:#fff;--fg:#1b1f24;--mute:#59636e;--line:#d1d9e0;--card:#f6f8fa;"
	"--ok:#1a7f37;--broken:#cf222e;--flaky:#bf8700;--recovered:#0969da;--new:#8250df;"
	"--excluded:#818b98;--cached:#4ac26b}"
	"@media(prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;"
	"--line:#3d444d;--card:#151b23;--ok:#3fb950;--broken:#f85149;--flaky:#d29922;"
	"--recovered:#4493f8;--new:#ab7df8;--excluded:#9198a1;--cached:#2f6f3e}}"
	"*{box-sizing:border-box}"
	"body{margin:0;padding:16px;background:var(--bg);color:var(--fg);"
	"font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:20px 0 8px}"
	".meta{color:var(--mute);margin:0 0 12px}"
	"a{color:var(--recovered);overflow-wrap:anywhere}time{white-space:nowrap}"
	".cards{display:flex;flex-wrap:wrap;gap:8px}"
	".card{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--c);"
	"border-radius:6px;padding:6px 12px;min-width:96px;font:inherit;color:inherit;"
	"text-align:left;cursor:pointer}"
	".card b{display:block;font-size:20px}"
	".changes ul{margin:4px 0 8px;padding-left:20px}"
	"details summary{cursor:pointer;font-weight:600}"
	".controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:8px 0}"
	".controls input,.controls select{font:inherit;padding:6px 8px;border:1px solid var(--line);"
	"border-radius:6px;background:var(--bg);color:var(--fg)}"
	".controls input{flex:1 1 240px}"
	"#shown{color:var(--mute)}"
	"table{border-collapse:collapse;width:100%}"
	"th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}"
	"th{cursor:pointer;user-select:none;white-space:nowrap;background:var(--card)}"
	"th.nosort{cursor:default}"
	"th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	".badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;"
	"background:var(--c);font-size:12px;font-weight:600}"
	".st-ok{--c:var(--ok)}.st-broken{--c:var(--broken)}.st-flaky{--c:var(--flaky)}"
	".st-recovered{--c:var(--recovered)}.st-new{--c:var(--new)}.st-excluded{--c:var(--excluded)}"
	".title{font-weight:600}.src,.cap,.err{color:var(--mute);font-size:12px}"
	".strip{display:flex;flex-wrap:wrap;gap:1px;max-width:260px}"
	".strip i{display:block;width:6px;height:16px;border-radius:1px;background:var(--excluded)}"
	".strip i.ok{background:var(--ok)}.strip i.broken{background:var(--broken)}"
	".strip i.cached{background:var(--cached)}"
	"tr.dead td:first-child{box-shadow:inset 3px 0 var(--broken)}"
	"footer{margin-top:16px;color:var(--mute);font-size:12px}"
	"@media(max-width:720px){body{padding:10px}"
	"table,tbody,tr,td{display:block;width:100%}"
	"thead tr{display:flex;flex-wrap:wrap;gap:4px}"
	"thead th{border:1px solid var(--line);border-radius:6px;padding:4px 8px}"
	"thead th.nosort{display:none}"
	"tbody tr{border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:4px 0}"
	"td{border:0;padding:3px 10px}"
	"td[data-label]::before{content:attr(data-label) ': ';color:var(--mute);font-size:12px}"
	"td.link::before{content:none}.strip{max-width:none}}";

/* Sorting compares data-k when a cell has it (times, numbers, ranks, the
 * URL), the text otherwise; numeric columns are marked data-num on their
 * <th>. Empty keys (no date) go last both ways, and rows keep their
 * original order as the tie-break, so sorting is stable. */
static const char js[] =
	"(function(){'use strict';"
	"var t=document.getElementById('links'),tb=t.tBodies[0],"
	"rows=Array.prototype.slice.call(tb.rows),q=document.getElementById('q'),"
	"sel=document.getElementById('state'),shown=document.getElementById('shown');"
	"rows.forEach(function(r,i){r.dataset.i=i});"
	"function key(r,c,num){var d=r.cells[c],k=d.getAttribute('data-k');"
	"if(k===null)k=d.textContent.trim().toLowerCase();"
	"return num&&k!==''?Number(k):k}"
	"function sortBy(th){var c=th.cellIndex,num=th.hasAttribute('data-num'),"
	"dir=th.getAttribute('aria-sort')==='ascending'?-1:1;"
	"Array.prototype.forEach.call(t.tHead.rows[0].cells,function(h){h.removeAttribute('aria-sort')});"
	"th.setAttribute('aria-sort',dir>0?'ascending':'descending');"
	"rows.sort(function(a,b){var x=key(a,c,num),y=key(b,c,num);"
	"if(x!==y){if(x==='')return 1;if(y==='')return -1;return x<y?-dir:dir}"
	"return a.dataset.i-b.dataset.i});"
	"rows.forEach(function(r){tb.appendChild(r)})}"
	"Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th){"
	"if(th.classList.contains('nosort'))return;"
	"th.tabIndex=0;th.addEventListener('click',function(){sortBy(th)});"
	"th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){"
	"e.preventDefault();sortBy(th)}})});"
	"function filter(){var s=q.value.trim().toLowerCase(),st=sel.value,n=0;"
	"rows.forEach(function(r){var ok=(!st||(st==='failing'?r.dataset.failing==='1':"
	"r.dataset.state===st))&&(!s||r.textContent.toLowerCase().indexOf(s)>=0);"
	"r.hidden=!ok;if(ok)n++});"
	"shown.textContent=n+' of '+rows.length+' links shown'}"
	"q.addEventListener('input',filter);sel.addEventListener('change',filter);"
	"Array.prototype.forEach.call(document.querySelectorAll('.card'),function(c){"
	"c.addEventListener('click',function(){sel.value=sel.value===c.dataset.state?'':"
	"c.dataset.state;filter()})});filter()"
	"})();";

/* Escaped text; control characters but tab and newline are dropped (they
 * are not allowed in HTML text and only ever come from broken input). */
static void put_text(struct lk_buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': lk_buf_puts(b, "&amp;"); break;
		case '<': lk_buf_puts(b, "&lt;"); break;
		case '>': lk_buf_puts(b, "&gt;"); break;
		case '"': lk_buf_puts(b, "&quot;"); break;
		case '\'': lk_buf_puts(b, "&#39;"); break;
		default:
			if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n')
				lk_buf_putc(b, (char)c);
			break;
		}
	}
}

static int is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static void put_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	if (!ms)
		return;
	lk_report_time(ms, t);
	lk_buf_printf(b, "<time datetime=\"%s\">%s</time>", t, t);
}

static void put_link(struct lk_buf *b, const char *url)
{
	if (!is_http(url)) {
		put_text(b, url);
		return;
	}
	lk_buf_puts(b, "<a href=\"");
	put_text(b, url);
	lk_buf_puts(b, "\" rel=\"noopener noreferrer nofollow\">");
	put_text(b, url);
	lk_buf_puts(b, "</a>");
}

static void put_head(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	               "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
	               "base-uri 'none'; form-action 'none'\">\n"
	               "<meta name=\"referrer\" content=\"no-referrer\">\n");
	lk_buf_printf(b, "<title>Link report: %zu broken of %zu</title>\n", r->nfailing, r->n);
	lk_buf_printf(b, "<style>%s</style>\n</head>\n<body>\n", css);
}

static void put_cards(const struct lk_report *r, struct lk_buf *b)
{
	static const enum lk_report_state order[] = {LK_STATE_BROKEN,    LK_STATE_FLAKY,
	                                             LK_STATE_RECOVERED, LK_STATE_NEW,
	                                             LK_STATE_OK,        LK_STATE_EXCLUDED};
	lk_buf_puts(b, "<header>\n<h1>Link report</h1>\n<p class=\"meta\">");
	lk_buf_printf(b, "%zu links, <strong>%zu broken now</strong>", r->n, r->nfailing);
	if (r->last_run) {
		lk_buf_printf(b, " &middot; last run #%lld, ", (long long)r->last_run);
		put_time(b, r->last_run_started);
	}
	if (r->since_ms) {
		lk_buf_puts(b, " &middot; window since ");
		put_time(b, r->since_ms);
	}
	lk_buf_puts(b, "</p>\n</header>\n<section class=\"cards\" aria-label=\"Links per state\">\n");
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		const char *name = lk_report_state_name(order[i]);
		lk_buf_printf(b, "<button type=\"button\" class=\"card st-%s\" data-state=\"%s\">"
		                 "<b>%zu</b>%s</button>\n",
		              name, name, r->count[order[i]], name);
	}
	lk_buf_puts(b, "</section>\n");
}

static void put_change_list(const struct lk_report *r, struct lk_buf *b, const char *title,
                            const size_t *idx, size_t n)
{
	lk_buf_printf(b, "<details%s><summary>%s (%zu)</summary>", n ? " open" : "", title, n);
	if (n == 0) {
		lk_buf_puts(b, "</details>\n");
		return;
	}
	lk_buf_puts(b, "<ul>\n");
	for (size_t i = 0; i < n; i++) {
		const struct lk_report_url *u = &r->urls[idx[i]];
		char reason[64];
		lk_buf_puts(b, "<li>");
		put_link(b, u->url);
		if (lk_report_url_failing(u)) {
			lk_buf_puts(b, " &mdash; ");
			put_text(b, lk_report_reason_text(u, reason, sizeof reason));
			lk_buf_puts(b, ", dead since ");
			put_time(b, u->dead_since);
		}
		lk_buf_puts(b, "</li>\n");
	}
	lk_buf_puts(b, "</ul></details>\n");
}

static void put_changes(const struct lk_report *r, struct lk_buf *b)
{
	const struct lk_report_changes *c = &r->changes;
	if (!r->last_run)
		return;
	lk_buf_puts(b, "<section class=\"changes\">\n<h2>Since the previous run</h2>\n");
	put_change_list(r, b, "Newly broken", c->newly_broken, c->nnewly_broken);
	put_change_list(r, b, "Fixed", c->fixed, c->nfixed);
	put_change_list(r, b, "Still broken", c->still_broken, c->nstill_broken);
	lk_buf_puts(b, "</section>\n");
}

static void put_controls(struct lk_buf *b)
{
	lk_buf_puts(b, "<h2>Links</h2>\n<div class=\"controls\">\n"
	               "<input type=\"search\" id=\"q\" placeholder=\"Filter by URL, title, file, "
	               "reason\" aria-label=\"Filter links\">\n"
	               "<select id=\"state\" aria-label=\"State\">"
	               "<option value=\"\">All states</option>"
	               "<option value=\"failing\">Broken now</option>");
	for (int s = 0; s < LK_STATE_COUNT; s++) {
		const char *name = lk_report_state_name((enum lk_report_state)s);
		lk_buf_printf(b, "<option value=\"%s\">%s</option>", name, name);
	}
	lk_buf_puts(b, "</select>\n<span id=\"shown\" aria-live=\"polite\"></span>\n</div>\n");
}

static void put_strip(const struct lk_report_url *u, struct lk_buf *b)
{
	char t[32];
	lk_buf_puts(b, "<div class=\"strip\">");
	for (size_t i = 0; i < u->ncells; i++) {
		const struct lk_report_cell *c = &u->cells[i];
		lk_report_time(c->at, t);
		lk_buf_printf(b, "<i class=\"%s\" title=\"%s %s", c->status, t, c->status);
		if (c->http_status)
			lk_buf_printf(b, " %d", c->http_status);
		lk_buf_puts(b, "\"></i>");
	}
	lk_buf_puts(b, "</div>");
}

static void put_link_cell(const struct lk_report_url *u, struct lk_buf *b)
{
	/* Sorted by URL, whatever the title above it says. */
	lk_buf_puts(b, "<td class=\"link\" data-label=\"Link\" data-k=\"");
	put_text(b, u->url);
	lk_buf_puts(b, "\">");
	if (u->nsources && *u->sources[0].title) {
		lk_buf_puts(b, "<div class=\"title\">");
		put_text(b, u->sources[0].title);
		lk_buf_puts(b, "</div>");
	}
	put_link(b, u->url);
	if (u->nsources) {
		lk_buf_puts(b, "<div class=\"src\">");
		for (size_t i = 0; i < u->nsources; i++) {
			if (i)
				lk_buf_puts(b, ", ");
			put_text(b, u->sources[i].file);
			lk_buf_printf(b, ":%u", u->sources[i].line);
		}
		lk_buf_puts(b, "</div>");
	}
	if (u->last_capture) {
		lk_buf_puts(b, "<div class=\"cap\">archived ");
		put_time(b, u->last_capture);
		lk_buf_puts(b, "</div>");
	}
	lk_buf_puts(b, "</td>");
}

/* A time column; an empty key sorts after every date, whichever way. */
static void put_time_cell(struct lk_buf *b, const char *label, int64_t ms)
{
	lk_buf_printf(b, "<td data-label=\"%s\" data-k=\"", label);
	if (ms)
		lk_buf_printf(b, "%lld", (long long)ms);
	lk_buf_puts(b, "\">");
	put_time(b, ms);
	lk_buf_puts(b, "</td>");
}

static int sort_rank(const struct lk_report_url *u)
{
	return lk_report_url_failing(u) ? 0 : 1 + (int)u->state;
}

static void put_row(const struct lk_report_url *u, struct lk_buf *b)
{
	const char *state = lk_report_state_name(u->state);
	int failing = lk_report_url_failing(u);
	char reason[64];
	lk_buf_printf(b, "<tr class=\"st-%s%s\" data-state=\"%s\" data-failing=\"%d\">", state,
	              failing ? " dead" : "", state, failing);
	lk_buf_printf(b, "<td data-label=\"State\" data-k=\"%d\"><span class=\"badge st-%s\">%s</span>",
	              sort_rank(u), state, state);
	/* A flaky or new link can be the one that is down right now. */
	if (failing && u->state != LK_STATE_BROKEN)
		lk_buf_puts(b, " <span class=\"badge st-broken\">broken</span>");
	lk_buf_puts(b, "</td>");
	put_link_cell(u, b);
	lk_buf_puts(b, "<td data-label=\"Reason\">");
	put_text(b, lk_report_reason_text(u, reason, sizeof reason));
	if (u->error && failing) {
		lk_buf_puts(b, "<div class=\"err\">");
		put_text(b, u->error);
		lk_buf_puts(b, "</div>");
	}
	lk_buf_puts(b, "</td>");
	put_time_cell(b, "Dead since", u->dead_since);
	lk_buf_printf(b, "<td data-label=\"Failures\" data-k=\"%ld\">%ld</td>",
	              u->consecutive_failures, u->consecutive_failures);
	if (u->uptime >= 0)
		lk_buf_printf(b, "<td data-label=\"Uptime\" data-k=\"%.4f\">%.0f%%</td>", u->uptime,
		              u->uptime * 100.0);
	else
		lk_buf_puts(b, "<td data-label=\"Uptime\" data-k=\"\"></td>");
	put_time_cell(b, "Last checked", u->last_checked);
	lk_buf_puts(b, "<td data-label=\"History\">");
	put_strip(u, b);
	lk_buf_puts(b, "</td></tr>\n");
}

static void put_table(const struct lk_report *r, struct lk_buf *b)
{
	lk_buf_puts(b, "<table id=\"links\">\n<thead><tr>"
	               "<th data-num scope=\"col\">State</th>"
	               "<th scope=\"col\">Link</th>"
	               "<th scope=\"col\">Reason</th>"
	               "<th data-num scope=\"col\">Dead since</th>"
	               "<th data-num scope=\"col\">Failures</th>"
	               "<th data-num scope=\"col\">Uptime</th>"
	               "<th data-num scope=\"col\">Last checked</th>"
	               "<th class=\"nosort\" scope=\"col\">History</th>"
	               "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->n; i++)
		put_row(&r->urls[i], b);
	lk_buf_puts(b, "</tbody>\n</table>\n");
}

void lk_report_html(const struct lk_report *r, struct lk_buf *b)
{
	put_head(r, b);
	put_cards(r, b);
	put_changes(r, b);
	put_controls(b);
	put_table(r, b);
	lk_buf_printf(b, "<footer>linkkeeper %s</footer>\n<script>%s</script>\n</body>\n</html>\n",
	              LK_VERSION, js);
}
