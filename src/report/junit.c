/*
 * junit.c — the report as JUnit XML, the format every CI system shows as
 * test results: one <testsuite> per document (name = file), one <testcase>
 * per URL in it (name = URL, classname = file, plus file and line
 * attributes), a <failure> for each URL whose status is broken and a
 * <skipped/> for each one that was never checked (excluded).
 *
 * A URL found on several lines of one document is one test case there (at
 * its first line); a URL found in several documents is a test case in each,
 * so the totals on <testsuites> are the sums of the suites.
 *
 * The text comes from documents and servers, so put_xml makes it valid
 * XML 1.0 whatever it was: markup characters become entities, characters
 * XML forbids (most C0 controls, U+FFFE, U+FFFF) are dropped, and bytes
 * that are not UTF-8 become U+FFFD.
 */
#include "linkkeeper/report.h"

#include <stdlib.h>
#include <string.h>

/* Decodes the UTF-8 sequence at p; returns its length and sets *cp, or 0
 * when the bytes are not valid UTF-8 (overlong, surrogate, out of range). */
static size_t utf8_decode(const unsigned char *p, unsigned *cp)
{
	unsigned c = p[0], min;
	size_t n;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		n = 2, c &= 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, c &= 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, c &= 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

static void put_ascii(struct lk_buf *b, unsigned char c)
{
	switch (c) {
	case '&': lk_buf_puts(b, "&amp;"); break;
	case '<': lk_buf_puts(b, "&lt;"); break;
	case '>': lk_buf_puts(b, "&gt;"); break;
	case '"': lk_buf_puts(b, "&quot;"); break;
	case '\'': lk_buf_puts(b, "&apos;"); break;
	/* As references, so attribute value normalisation keeps them. */
	case '\t': lk_buf_puts(b, "&#9;"); break;
	case '\n': lk_buf_puts(b, "&#10;"); break;
	case '\r': lk_buf_puts(b, "&#13;"); break;
	default:
		if (c >= 0x20)
			lk_buf_putc(b, (char)c);
		break;
	}
}

/* Appends s escaped for XML text and attribute values (see the header). */
static void put_xml(struct lk_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p) {
		unsigned cp;
		size_t n = utf8_decode(p, &cp);
		if (n == 0) {
			lk_buf_puts(b, "\xEF\xBF\xBD");
			p++;
		} else if (n == 1) {
			put_ascii(b, *p++);
		} else {
			if (cp != 0xFFFE && cp != 0xFFFF)
				lk_buf_append(b, p, n);
			p += n;
		}
	}
}

/* One test case: a URL in a document. */
struct tcase {
	const char *file;
	unsigned line;
	size_t idx; /* in r->urls, which is also the order inside a suite */
};

static int cmp_tcase(const void *a, const void *b)
{
	const struct tcase *x = a, *y = b;
	int d = strcmp(x->file, y->file);
	if (d)
		return d;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static struct tcase *collect_cases(const struct lk_report *r, size_t *out_n)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->urls[i].nsources ? r->urls[i].nsources : 1;
	struct tcase *t = lk_xcalloc(n, sizeof *t);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct lk_report_url *u = &r->urls[i];
		if (u->nsources == 0)
			t[k++] = (struct tcase){"(no document)", 0, i};
		for (size_t s = 0; s < u->nsources; s++)
			t[k++] = (struct tcase){u->sources[s].file, u->sources[s].line, i};
	}
	qsort(t, n, sizeof *t, cmp_tcase);
	/* One case per URL per document: keep the first line. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || strcmp(t[i].file, t[m - 1].file) != 0 || t[i].idx != t[m - 1].idx)
			t[m++] = t[i];
	*out_n = m;
	return t;
}

static void put_case(const struct lk_report *r, struct lk_buf *b, const struct tcase *t)
{
	const struct lk_report_url *u = &r->urls[t->idx];
	char reason[64], since[32];
	lk_buf_puts(b, "    <testcase name=\"");
	put_xml(b, u->url);
	lk_buf_puts(b, "\" classname=\"");
	put_xml(b, t->file);
	lk_buf_puts(b, "\" file=\"");
	put_xml(b, t->file);
	lk_buf_printf(b, "\" line=\"%u\"", t->line);
	if (lk_report_url_failing(u)) {
		lk_report_reason_text(u, reason, sizeof reason);
		lk_buf_puts(b, ">\n      <failure message=\"");
		put_xml(b, reason);
		lk_buf_puts(b, "\" type=\"broken\">");
		put_xml(b, reason);
		if (u->dead_since)
			lk_buf_printf(b, ", dead since %s", lk_report_time(u->dead_since, since));
		lk_buf_printf(b, ", %ld failure%s in a row", u->consecutive_failures,
		              u->consecutive_failures == 1 ? "" : "s");
		if (u->error) {
			lk_buf_puts(b, ": ");
			put_xml(b, u->error);
		}
		lk_buf_puts(b, "</failure>\n    </testcase>\n");
	} else if (u->state == LK_STATE_EXCLUDED) {
		lk_buf_puts(b, ">\n      <skipped message=\"excluded\"/>\n    </testcase>\n");
	} else {
		lk_buf_puts(b, "/>\n");
	}
}

struct counts {
	size_t tests, failures, skipped;
};

static struct counts count_cases(const struct lk_report *r, const struct tcase *t, size_t n)
{
	struct counts c = {0};
	for (size_t i = 0; i < n; i++) {
		const struct lk_report_url *u = &r->urls[t[i].idx];
		c.tests++;
		c.failures += (size_t)lk_report_url_failing(u);
		c.skipped += (size_t)(!lk_report_url_failing(u) && u->state == LK_STATE_EXCLUDED);
	}
	return c;
}

static void put_suite(const struct lk_report *r, struct lk_buf *b, const struct tcase *t,
                      size_t n)
{
	struct counts c = count_cases(r, t, n);
	lk_buf_puts(b, "  <testsuite name=\"");
	put_xml(b, t[0].file);
	lk_buf_printf(b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
	              c.tests, c.failures, c.skipped);
	for (size_t i = 0; i < n; i++)
		put_case(r, b, &t[i]);
	lk_buf_puts(b, "  </testsuite>\n");
}

void lk_report_junit(const struct lk_report *r, struct lk_buf *b)
{
	size_t n;
	struct tcase *t = collect_cases(r, &n);
	struct counts c = count_cases(r, t, n);
	lk_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	lk_buf_printf(b,
	              "<testsuites name=\"linkkeeper\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
	              "skipped=\"%zu\">\n",
	              c.tests, c.failures, c.skipped);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && strcmp(t[j].file, t[i].file) == 0)
			j++;
		put_suite(r, b, t + i, j - i);
		i = j;
	}
	lk_buf_puts(b, "</testsuites>\n");
	free(t);
}
