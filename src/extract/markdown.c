/*
 * markdown.c — links in CommonMark documents, through cmark.
 *
 * cmark parses the document into a tree and resolves reference links, so a
 * walk over the tree sees every link that renders as one:
 *
 *   link, image        the destination; title = link text / alt text (the
 *                      link's title attribute when the text is empty)
 *   autolink <https:…> a link node like the others
 *   text               bare URLs, found by the text extractor (not inside a
 *                      link: its text is the link's title, not a new link)
 *   HTML block/inline  the HTML extractor, without a base URL
 *   code span/block    nothing: code shows URLs, it does not link to them
 *
 * A reference definition nobody uses is dropped by cmark and not reported.
 * Only absolute http(s) destinations are reported: a relative link in a
 * Markdown file has no base to resolve against.
 *
 * Line numbers: cmark 0.30 records where blocks start but not reliably
 * where inlines start (a link node carries the column of its end, and inline
 * lines are counted from the paragraph's first line). The walk keeps the
 * current line: set at each block's start, advanced at soft and hard line
 * breaks and by the newlines of inline HTML. Two cases come out early: a
 * code span or link destination broken across lines hides its newline, and
 * a paragraph that begins with reference definitions keeps their first line
 * as its start.
 */
#include "linkkeeper/extract.h"

#include <cmark.h>
#include <string.h>

#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#include "title.h"


struct md_walk {
	const char *file;
	lk_link_fn fn;
	void *ctx;
	unsigned line; /* the line the walk is on */
	int in_link;   /* inside a link or image: text is its title */
};

/* Forwards an occurrence found by a nested extractor, which counts lines
 * from the start of the snippet it was given. */
struct shift {
	lk_link_fn fn;
	void *ctx;
	unsigned offset;
};

static int shifted(void *ctx, const char *url, const char *file, unsigned line,
                   const char *title)
{
	struct shift *s = ctx;
	return s->fn(s->ctx, url, file, line + s->offset, title);
}

static unsigned count_newlines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The visible text of a link or image: its text, code and line breaks. */
static void inline_text(cmark_node *node, struct lk_title *t)
{
	cmark_iter *it = cmark_iter_new(node);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && t->b.len <= LK_TITLE_MAX) {
		cmark_node *n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_ENTER)
			continue;
		switch (cmark_node_get_type(n)) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			lk_title_add(t, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
			lk_title_add(t, " ");
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

static int on_link(struct md_walk *w, cmark_node *node)
{
	const char *dest = cmark_node_get_url(node);
	struct lk_title t = {{0}, 0};
	struct lk_buf url = {0};
	int rc;
	if (!lk_url_is_http(dest) || strlen(dest) > LK_URL_MAX)
		return 0;
	/* cmark keeps the spaces of "<https://x/a b>"; a browser sends %20. */
	for (const char *p = dest; *p; p++) {
		if (*p == ' ')
			lk_buf_puts(&url, "%20");
		else
			lk_buf_putc(&url, *p);
	}
	inline_text(node, &t);
	if (t.b.len == 0 && cmark_node_get_title(node))
		lk_title_add(&t, cmark_node_get_title(node));
	rc = w->fn(w->ctx, url.data, w->file, w->line, lk_title_finish(&t));
	lk_buf_free(&url);
	lk_buf_free(&t.b);
	return rc;
}

static int on_text(struct md_walk *w, cmark_node *node)
{
	const char *s = cmark_node_get_literal(node);
	struct shift sh = {w->fn, w->ctx, w->line - 1};
	return lk_extract_text(s, strlen(s), w->file, shifted, &sh);
}

static int on_html(struct md_walk *w, const char *html, unsigned line)
{
	struct shift sh = {w->fn, w->ctx, line - 1};
	/* Without a base only absolute links count: skip the parse when none
	 * can be there. */
	if (!html || !strcasestr(html, "http"))
		return 0;
	return lk_extract_html(html, strlen(html), w->file, NULL, shifted, &sh);
}

static int is_block(cmark_node_type type)
{
	return type >= CMARK_NODE_FIRST_BLOCK && type <= CMARK_NODE_LAST_BLOCK;
}

static int visit(struct md_walk *w, cmark_node *node)
{
	cmark_node_type type = cmark_node_get_type(node);
	int rc = 0;
	if (is_block(type) && cmark_node_get_start_line(node) > 0)
		w->line = (unsigned)cmark_node_get_start_line(node);
	switch (type) {
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE:
		rc = on_link(w, node);
		w->in_link++;
		break;
	case CMARK_NODE_TEXT:
		if (!w->in_link)
			rc = on_text(w, node);
		break;
	case CMARK_NODE_SOFTBREAK:
	case CMARK_NODE_LINEBREAK:
		w->line++;
		break;
	case CMARK_NODE_HTML_BLOCK:
		rc = on_html(w, cmark_node_get_literal(node), w->line);
		break;
	case CMARK_NODE_HTML_INLINE:
		rc = on_html(w, cmark_node_get_literal(node), w->line);
		w->line += count_newlines(cmark_node_get_literal(node));
		break;
	default:
		break;
	}
	return rc;
}

int lk_extract_markdown(const char *buf, size_t len, const char *file, lk_link_fn fn,
                        void *ctx)
{
	struct md_walk w = {file, fn, ctx, 1, 0};
	cmark_event_type ev;
	int rc = 0;
	cmark_node *doc = cmark_parse_document(buf, len, CMARK_OPT_DEFAULT);
	if (!doc)
		return 0;
	cmark_iter *it = cmark_iter_new(doc);
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		if (ev == CMARK_EVENT_EXIT) {
			cmark_node_type type = cmark_node_get_type(node);
			if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE)
				w.in_link--;
			continue;
		}
		rc = visit(&w, node);
		if (rc != 0)
			break;
	}
	cmark_iter_free(it);
	cmark_node_free(doc);
	return rc;
}
