/*
 * html.c — links in HTML documents, through gumbo (an HTML5 parser: the tree
 * is the one a browser builds, whatever the markup's mistakes).
 *
 * What is a link: a[href], area[href], link[href], img[src], script[src],
 * iframe[src], source[src], and each candidate of img[srcset] and
 * source[srcset]. Attribute values are cleaned the way a browser does:
 * surrounding whitespace stripped, tabs and newlines removed, inner spaces
 * sent as %20.
 *
 * Relative links are resolved against the document's base: the first
 * <base href> (itself resolved against the caller's base_url), else the
 * caller's base_url. With no base they are skipped, like fragment-only
 * links ("#top") and other schemes (mailto:, tel:, javascript:, data:, …).
 * Only http(s) URLs are reported.
 *
 * Titles: for a and area the element's text content (img alt included,
 * whitespace collapsed) or else its title attribute; for img the alt text;
 * for the others the title attribute. Cut to LK_TITLE_MAX bytes at a UTF-8
 * boundary. Lines are gumbo's element start positions.
 *
 * Bounds: gumbo reads exactly len bytes and copes with NULs and invalid
 * UTF-8. Its error records are turned off (max_errors = 0): each one copies
 * the stack of open elements, quadratic memory on broken input, and nobody
 * reads them. The tree walks use an explicit stack (no recursion on deep
 * documents) and text content is gathered from at most TEXT_NODES_MAX
 * nodes. Known limit: gumbo itself is quadratic in time on very deep
 * unclosed nesting (100,000 "<div>" take tens of seconds).
 */
#include "linkkeeper/extract.h"

#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#include "title.h"

#define TEXT_NODES_MAX 4096

struct html_walk {
	const char *file;
	const char *base; /* the document's base URL, or NULL */
	lk_link_fn fn;
	void *ctx;
};

/* A stack of nodes still to visit, for walks in document order. */
struct node_stack {
	GumboNode **v;
	size_t n, cap;
};

static void stack_push(struct node_stack *s, GumboNode *node)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = lk_xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = node;
}

static const GumboVector *children_of(const GumboNode *node)
{
	switch (node->type) {
	case GUMBO_NODE_DOCUMENT: return &node->v.document.children;
	case GUMBO_NODE_ELEMENT:
	case GUMBO_NODE_TEMPLATE: return &node->v.element.children;
	default: return NULL;
	}
}

/* Pops the next node and pushes its children, first child on top. */
static GumboNode *stack_next(struct node_stack *s)
{
	if (s->n == 0)
		return NULL;
	GumboNode *node = s->v[--s->n];
	const GumboVector *kids = children_of(node);
	for (size_t i = kids ? kids->length : 0; i > 0; i--)
		stack_push(s, kids->data[i - 1]);
	return node;
}

static int is_element(const GumboNode *node)
{
	return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

static const char *attr(const GumboNode *node, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&node->v.element.attributes, name);
	return a ? a->value : NULL;
}

/* The text content of node (img alt included), as far as a title needs. */
static void text_content(GumboNode *node, struct lk_title *t)
{
	struct node_stack s = {0};
	size_t visited = 0;
	GumboNode *n;
	stack_push(&s, node);
	while ((n = stack_next(&s)) && visited++ < TEXT_NODES_MAX && t->b.len <= LK_TITLE_MAX) {
		if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
		    n->type == GUMBO_NODE_CDATA) {
			lk_title_add(t, n->v.text.text);
		} else if (is_element(n) && n->v.element.tag == GUMBO_TAG_IMG) {
			lk_title_add(t, " ");
			lk_title_add(t, attr(n, "alt"));
			lk_title_add(t, " ");
		}
	}
	free(s.v);
}

/* Cleans an attribute value into out the way a browser reads it. Returns 0,
 * or -1 when it is empty or longer than LK_URL_MAX. */
static int clean_value(const char *v, size_t n, struct lk_buf *out)
{
	lk_buf_reset(out);
	while (n > 0 && (unsigned char)*v <= 0x20)
		v++, n--;
	while (n > 0 && (unsigned char)v[n - 1] <= 0x20)
		n--;
	if (n == 0 || n > LK_URL_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\t' || v[i] == '\n' || v[i] == '\r')
			continue;
		if (v[i] == ' ')
			lk_buf_puts(out, "%20");
		else
			lk_buf_putc(out, v[i]);
	}
	return 0;
}

/* 1 if s starts with a scheme ("mailto:", "javascript:", "https:"). */
static int has_scheme(const char *s)
{
	size_t i = 0;
	if (!((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return 0;
	while (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
	       s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':';
}

/* Resolves a cleaned value: a caller-freed absolute http(s) URL, or NULL
 * when the link is to be skipped. */
static char *absolute_url(const char *v, const char *base)
{
	char *abs = NULL;
	if (v[0] == '#')
		return NULL;
	if (has_scheme(v))
		return lk_url_is_http(v) ? lk_xstrdup(v) : NULL;
	if (!base || lk_url_resolve(base, v, &abs) < 0)
		return NULL;
	if (!lk_url_is_http(abs)) {
		free(abs);
		return NULL;
	}
	return abs;
}

static int report(struct html_walk *w, const char *value, size_t n, unsigned line,
                  const char *title)
{
	struct lk_buf clean = {0};
	char *url = NULL;
	int rc = 0;
	if (clean_value(value, n, &clean) == 0 && (url = absolute_url(clean.data, w->base)))
		rc = w->fn(w->ctx, url, w->file, line, title);
	free(url);
	lk_buf_free(&clean);
	return rc;
}

/* Each URL of a srcset: "a.jpg 1x, b.jpg 2x". A candidate runs to
 * whitespace, loses trailing commas, and its descriptors run to a comma. */
static int report_srcset(struct html_walk *w, const char *set, unsigned line, const char *title)
{
	const char *p = set;
	int rc = 0;
	while (*p && rc == 0) {
		while (*p == ',' || (*p && (unsigned char)*p <= 0x20))
			p++;
		const char *start = p;
		while (*p && (unsigned char)*p > 0x20)
			p++;
		size_t n = (size_t)(p - start);
		int ended = n > 0 && start[n - 1] == ',';
		while (n > 0 && start[n - 1] == ',')
			n--;
		if (n > 0)
			rc = report(w, start, n, line, title);
		/* "a.png, b.png": the comma ended the candidate, no descriptors. */
		while (!ended && *p && *p != ',')
			p++;
	}
	return rc;
}

/* The attribute of an element that holds its link, or NULL. */
static const char *link_attr(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_A:
	case GUMBO_TAG_AREA:
	case GUMBO_TAG_LINK: return "href";
	case GUMBO_TAG_IMG:
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_SOURCE: return "src";
	default: return NULL;
	}
}

static void element_title(GumboNode *node, struct lk_title *t)
{
	GumboTag tag = node->v.element.tag;
	if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_AREA)
		text_content(node, t);
	if (tag == GUMBO_TAG_IMG)
		lk_title_add(t, attr(node, "alt"));
	if (t->b.len == 0)
		lk_title_add(t, attr(node, "title"));
	if (t->b.len == 0 && tag == GUMBO_TAG_AREA)
		lk_title_add(t, attr(node, "alt"));
}

static int visit(struct html_walk *w, GumboNode *node)
{
	GumboTag tag = node->v.element.tag;
	const char *name = link_attr(tag);
	const char *value = name ? attr(node, name) : NULL;
	int has_srcset = tag == GUMBO_TAG_IMG || tag == GUMBO_TAG_SOURCE;
	const char *srcset = has_srcset ? attr(node, "srcset") : NULL;
	unsigned line = node->v.element.start_pos.line ? node->v.element.start_pos.line : 1;
	struct lk_title t = {{0}, 0};
	int rc = 0;
	if (!value && !srcset)
		return 0;
	element_title(node, &t);
	lk_title_finish(&t);
	if (value)
		rc = report(w, value, strlen(value), line, t.b.data);
	if (rc == 0 && srcset)
		rc = report_srcset(w, srcset, line, t.b.data);
	lk_buf_free(&t.b);
	return rc;
}

/* The document's base URL (caller frees), or NULL: the first <base href>
 * resolved against base_url, else base_url. */
static char *document_base(GumboNode *doc, const char *base_url)
{
	struct node_stack s = {0};
	struct lk_buf clean = {0};
	const char *href = NULL;
	char *base = NULL;
	GumboNode *n;
	stack_push(&s, doc);
	while (!href && (n = stack_next(&s)))
		if (is_element(n) && n->v.element.tag == GUMBO_TAG_BASE)
			href = attr(n, "href");
	free(s.v);
	if (href && clean_value(href, strlen(href), &clean) == 0) {
		if (has_scheme(clean.data))
			base = lk_xstrdup(clean.data);
		else if (base_url)
			lk_url_resolve(base_url, clean.data, &base);
	}
	lk_buf_free(&clean);
	if (!base && base_url)
		base = lk_xstrdup(base_url);
	return base;
}

int lk_extract_html(const char *buf, size_t len, const char *file, const char *base_url,
                    lk_link_fn fn, void *ctx)
{
	GumboOptions opts = kGumboDefaultOptions;
	struct node_stack s = {0};
	GumboNode *n;
	int rc = 0;
	opts.max_errors = 0;
	GumboOutput *out = gumbo_parse_with_options(&opts, buf, len);
	if (!out)
		return 0;
	char *base = document_base(out->document, base_url);
	struct html_walk w = {file, base, fn, ctx};
	stack_push(&s, out->document);
	while (rc == 0 && (n = stack_next(&s)))
		if (is_element(n))
			rc = visit(&w, n);
	free(s.v);
	free(base);
	gumbo_destroy_output(&opts, out);
	return rc;
}
