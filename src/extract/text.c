/*
 * text.c — links in plain text: digests pasted from mail or feeds, URL
 * lists, and (through markdown.c) the text of Markdown paragraphs.
 *
 * Where a URL starts: at "http://" or "https://" in any letter case,
 * wherever it stands. Digests glue titles to links
 * ("…MARSOUIN.ORGhttps://www.marsouin.org/…"), so no word boundary is
 * required before it.
 *
 * Where it ends: at the first whitespace or control character, '<', '>',
 * '"', '«', '»', or Unicode space (U+00A0, U+2000–U+200B, U+202F, U+205F,
 * U+3000). Then what belongs to the sentence rather than the URL is given
 * back: trailing . , ; : ! ? and '…', closing curly quotes ’ ”, and a
 * closing ) ] } or ' that has no opening partner inside the URL. So
 * "(see https://fr.wikipedia.org/wiki/Logiciel_libre_(homonymie))." keeps
 * the balanced pair and drops the rest, and "<https://…>" loses its
 * brackets. Percent-escapes are reported as written.
 *
 * Titles: the text before the URL on its line, or, for the second and later
 * URLs of a line, the text since the end of the previous one. Trimmed at
 * both ends: whitespace, the brackets that wrapped a URL ("<https://…>",
 * "(https://…)") and the punctuation that followed the previous one
 * ("https://a, https://b"). Inner runs of whitespace and control characters
 * become one space; the result is cut to LK_TITLE_MAX bytes at a UTF-8
 * character boundary (the start of a long line is what names the link).
 *
 * Bounds: one pass over the input, never past len; it need not be
 * NUL-terminated and may hold any bytes (a NUL ends a URL like any control
 * character). A candidate longer than LK_URL_MAX (8 KiB) is skipped, not
 * reported: no server accepts such a request line, and megabytes of base64
 * glued to "http://" are not a link anyone wrote. Lines may be any length.
 */
#include "linkkeeper/extract.h"

#include <string.h>
#include <strings.h>

#include "linkkeeper/util.h"
#include "title.h"


/* Length of "http://" or "https://" (any case) at p, or 0. */
static size_t http_prefix(const char *p, const char *end)
{
	size_t avail = (size_t)(end - p);
	size_t i = 4;
	if (avail < 7 || strncasecmp(p, "http", 4) != 0)
		return 0;
	if ((p[i] | 0x20) == 's')
		i++;
	if (avail - i < 3 || memcmp(p + i, "://", 3) != 0)
		return 0;
	return i + 3;
}

/* Byte length of the Unicode space character at p (UTF-8), or 0. */
static size_t uspace_len(const unsigned char *p, const unsigned char *end)
{
	size_t avail = (size_t)(end - p);
	if (avail >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	if (avail < 3)
		return 0;
	if (p[0] == 0xE2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8B) || p[2] == 0xAF))
		return 3;
	if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F)
		return 3;
	if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
		return 3;
	return 0;
}

static int is_ascii_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7F;
}

/* 1 if the character at p cannot be part of a URL. */
static int ends_url(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	if (is_ascii_space(c) || c == '<' || c == '>' || c == '"')
		return 1;
	/* « and » */
	if (c == 0xC2 && end - p >= 2 && (p[1] == 0xAB || p[1] == 0xBB))
		return 1;
	return uspace_len(p, end) > 0;
}

/* Index of the first byte after the URL that starts at from. */
static size_t url_stop(const char *buf, size_t from, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t i = from;
	while (i < len && !ends_url(b + i, b + len))
		i++;
	return i;
}

/* Length of u[0..n) once the trailing characters that belong to the
 * sentence are given back; never shorter than keep (the scheme). */
static size_t trim_url_end(const char *u, size_t n, size_t keep)
{
	const unsigned char *s = (const unsigned char *)u;
	long paren = 0, bracket = 0, brace = 0, quotes = 0;
	for (size_t i = 0; i < n; i++) {
		switch (u[i]) {
		case '(': paren++; break;
		case ')': paren--; break;
		case '[': bracket++; break;
		case ']': bracket--; break;
		case '{': brace++; break;
		case '}': brace--; break;
		case '\'': quotes++; break;
		default: break;
		}
	}
	while (n > keep) {
		unsigned char c = s[n - 1];
		if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?') {
			n--;
		} else if (c == ')' && paren < 0) {
			paren++, n--;
		} else if (c == ']' && bracket < 0) {
			bracket++, n--;
		} else if (c == '}' && brace < 0) {
			brace++, n--;
		} else if (c == '\'' && quotes % 2 == 1) {
			quotes--, n--;
		} else if (n - keep >= 3 && s[n - 3] == 0xE2 && s[n - 2] == 0x80 &&
		           (c == 0xA6 || c == 0x99 || c == 0x9D)) {
			/* … ’ ” */
			n -= 3;
		} else {
			break;
		}
	}
	return n;
}

/* Writes the title found in s[0..n) to out (LK_TITLE_MAX + 1 bytes). */
static void make_title(const char *s, size_t n, char *out)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t start = 0, end = n, len = 0, k;
	int space = 0;
	for (;;) {
		if (start < end && (is_ascii_space(b[start]) || strchr(">)]}.,;:!?", b[start])))
			start++;
		else if (start < end && (k = uspace_len(b + start, b + end)) > 0)
			start += k;
		else
			break;
	}
	for (;;) {
		if (end > start && (is_ascii_space(b[end - 1]) || strchr("<([{", b[end - 1])))
			end--;
		else if (end - start >= 2 && uspace_len(b + end - 2, b + end) == 2)
			end -= 2;
		else if (end - start >= 3 && uspace_len(b + end - 3, b + end) == 3)
			end -= 3;
		else
			break;
	}
	for (size_t i = start; i < end && len <= LK_TITLE_MAX; i++) {
		if (is_ascii_space(b[i])) {
			space = 1;
			continue;
		}
		if (space) {
			space = 0;
			out[len++] = ' ';
			if (len > LK_TITLE_MAX)
				break;
		}
		out[len++] = (char)b[i];
	}
	if (len > LK_TITLE_MAX) {
		/* Cut before the character that does not fit whole. */
		len = LK_TITLE_MAX;
		while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80)
			len--;
		while (len > 0 && out[len - 1] == ' ')
			len--;
	}
	out[len] = '\0';
}

int lk_extract_text(const char *buf, size_t len, const char *file, lk_link_fn fn, void *ctx)
{
	struct lk_buf url = {0};
	char title[LK_TITLE_MAX + 1];
	unsigned line = 1;
	size_t i = 0, seg = 0; /* seg: where the current title text starts */
	int rc = 0;
	while (i < len) {
		if (buf[i] == '\n') {
			line++;
			seg = ++i;
			continue;
		}
		size_t plen = (buf[i] | 0x20) == 'h' ? http_prefix(buf + i, buf + len) : 0;
		if (plen == 0) {
			i++;
			continue;
		}
		size_t stop = url_stop(buf, i + plen, len);
		size_t n = trim_url_end(buf + i, stop - i, plen);
		if (n == plen) {
			/* "http://" and nothing: text, not a link. */
			i += plen;
			continue;
		}
		if (n <= LK_URL_MAX) {
			lk_buf_reset(&url);
			lk_buf_append(&url, buf + i, n);
			make_title(buf + seg, i - seg, title);
			rc = fn(ctx, url.data, file, line, title);
			if (rc != 0)
				break;
		}
		i = seg = stop;
	}
	lk_buf_free(&url);
	return rc;
}
