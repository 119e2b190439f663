/*
 * httpdecode.c — parses HTTP/1.1 messages as they were received and undoes
 * their transfer and content codings (see httpdecode.h).
 *
 * How: the head parser walks the lines once, copying names and values into
 * heap strings; it never reads past len or LK_HTTP_MAX_HEAD. The body is
 * decoded in steps, each step a function from bytes to an lk_buf: the coding
 * list is built from Content-Encoding then Transfer-Encoding (the order the
 * sender applied them) and undone from the end. zlib does the inflating;
 * its 32-bit avail_in is fed in slices so inputs above 4 GiB work too.
 */
#include "linkkeeper/httpdecode.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* zlib counts in uInt; never hand it more than this in one call. */
#define ZSLICE ((size_t)1 << 30)

/* Longest chunk-size line we accept (size, extensions and CRLF). */
#define MAX_CHUNK_LINE 4096

/* Most codings we undo for one body: more is an attack, not a server. */
#define MAX_CODINGS 8

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of the line starting at p (without its LF and an optional CR
 * before it) and where the next line starts; -1 when no LF before end. */
static int next_line(const char *p, const char *end, size_t *line_len, const char **next)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));
	if (!lf)
		return -1;
	const char *e = lf;
	if (e > p && e[-1] == '\r')
		e--;
	*line_len = (size_t)(e - p);
	*next = lf + 1;
	return 0;
}

static char *trimmed_dup(const char *s, size_t n)
{
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	return lk_xstrndup(s, n);
}

static int parse_status(const char *line)
{
	if (strncmp(line, "HTTP/", 5) != 0)
		return -1;
	const char *sp = strchr(line, ' ');
	if (!sp)
		return -1;
	const char *d = sp + 1;
	if (!isdigit((unsigned char)d[0]) || !isdigit((unsigned char)d[1]) ||
	    !isdigit((unsigned char)d[2]) || (d[3] != '\0' && d[3] != ' '))
		return -1;
	int status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	return status >= 100 ? status : -1;
}

/* Appends " " + a folded continuation line to the last header's value. */
static void fold_into_last(struct lk_http_head *h, const char *line, size_t n)
{
	struct lk_http_header *last = &h->headers[h->n_headers - 1];
	char *more = trimmed_dup(line, n);
	if (*more) {
		char *joined = lk_xasprintf("%s%s%s", last->value, *last->value ? " " : "", more);
		free(last->value);
		last->value = joined;
	}
	free(more);
}

static void add_header(struct lk_http_head *h, size_t *cap, const char *line, size_t n)
{
	const char *colon = memchr(line, ':', n);
	if (!colon || colon == line)
		return;
	if (h->n_headers == LK_HTTP_MAX_HEADERS)
		return;
	if (h->n_headers == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		h->headers = lk_xrealloc(h->headers, *cap * sizeof(*h->headers));
	}
	size_t name_len = (size_t)(colon - line);
	while (name_len > 0 && is_blank(line[name_len - 1]))
		name_len--;
	struct lk_http_header *f = &h->headers[h->n_headers++];
	f->name = lk_xstrndup(line, name_len);
	f->value = trimmed_dup(colon + 1, n - (size_t)(colon + 1 - line));
}

int lk_http_parse_head(const void *data, size_t len, struct lk_http_head *out)
{
	memset(out, 0, sizeof(*out));
	out->status = -1;
	if (!data || len == 0)
		return -1;
	if (len > LK_HTTP_MAX_HEAD)
		len = LK_HTTP_MAX_HEAD;
	const char *start = data, *p = data, *end = start + len;
	size_t n, cap = 0;
	const char *next;

	if (next_line(p, end, &n, &next) < 0) {
		/* A start line without its line ending: still a start line. */
		n = len;
		next = end;
	}
	if (n == 0)
		return -1;
	out->start_line = lk_xstrndup(p, n);
	out->status = parse_status(out->start_line);
	p = next;

	while (p < end) {
		if (next_line(p, end, &n, &next) < 0) {
			/* Unterminated last line: keep it, the head is incomplete. */
			add_header(out, &cap, p, (size_t)(end - p));
			out->head_len = len;
			return 0;
		}
		if (n == 0) {
			out->head_len = (size_t)(next - start);
			out->complete = 1;
			return 0;
		}
		if (is_blank(*p) && out->n_headers > 0)
			fold_into_last(out, p, n);
		else
			add_header(out, &cap, p, n);
		p = next;
	}
	out->head_len = len;
	return 0;
}

void lk_http_head_free(struct lk_http_head *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_headers; i++) {
		free(h->headers[i].name);
		free(h->headers[i].value);
	}
	free(h->headers);
	free(h->start_line);
	memset(h, 0, sizeof(*h));
	h->status = -1;
}

const char *lk_http_head_get(const struct lk_http_head *h, const char *name)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			return h->headers[i].value;
	return NULL;
}

char *lk_http_head_get_all(const struct lk_http_head *h, const char *name)
{
	struct lk_buf b = {0};
	int found = 0;
	for (size_t i = 0; i < h->n_headers; i++) {
		if (strcasecmp(h->headers[i].name, name) != 0)
			continue;
		if (found)
			lk_buf_puts(&b, ", ");
		lk_buf_puts(&b, h->headers[i].value);
		found = 1;
	}
	return found ? lk_buf_detach(&b) : NULL;
}

/* Appends up to n bytes to out without passing max; returns 1 if it had
 * to drop some. */
static int append_bounded(struct lk_buf *out, size_t base, size_t max, const void *p, size_t n)
{
	size_t used = out->len - base;
	size_t room = used < max ? max - used : 0;
	if (n <= room) {
		lk_buf_append(out, p, n);
		return 0;
	}
	lk_buf_append(out, p, room);
	return 1;
}

/* Parses a chunk-size line: hex digits, then optional blanks and ";ext".
 * Returns 0 and sets *size (saturating), or -1. */
static int parse_chunk_size(const char *line, size_t n, uint64_t *size)
{
	size_t i = 0;
	uint64_t v = 0;
	while (i < n && isxdigit((unsigned char)line[i])) {
		unsigned d = isdigit((unsigned char)line[i]) ? (unsigned)(line[i] - '0')
		                                             : (unsigned)(tolower((unsigned char)line[i]) - 'a' + 10);
		v = v > (UINT64_MAX >> 4) ? UINT64_MAX : (v << 4) | d;
		i++;
	}
	if (i == 0)
		return -1;
	while (i < n && is_blank(line[i]))
		i++;
	if (i < n && line[i] != ';')
		return -1;
	*size = v;
	return 0;
}

unsigned lk_http_dechunk(const void *in, size_t len, size_t max, struct lk_buf *out)
{
	if (!in) {
		in = "";
		len = 0;
	}
	const char *p = in, *end = p + len;
	size_t base = out->len;
	int first = 1;

	while (p < end) {
		size_t n;
		const char *next;
		uint64_t size;
		const char *lookahead = (size_t)(end - p) > MAX_CHUNK_LINE ? p + MAX_CHUNK_LINE : end;
		if (next_line(p, lookahead, &n, &next) < 0 || parse_chunk_size(p, n, &size) < 0) {
			if (!first)
				return LK_HTTP_BODY_BAD_CHUNKING;
			/* Not chunked after all: keep the bytes as they are. */
			out->len = base;
			unsigned f = LK_HTTP_BODY_BAD_CHUNKING;
			if (append_bounded(out, base, max, in, len))
				f |= LK_HTTP_BODY_TRUNCATED;
			return f;
		}
		first = 0;
		p = next;
		if (size == 0)
			return 0; /* last-chunk; trailers do not matter to the body */
		size_t avail = (size_t)(end - p);
		size_t take = size < avail ? (size_t)size : avail;
		if (append_bounded(out, base, max, p, take))
			return LK_HTTP_BODY_TRUNCATED;
		p += take;
		if (take < size)
			return LK_HTTP_BODY_BAD_CHUNKING; /* cut short */
		if (p < end && *p == '\r')
			p++;
		if (p >= end || *p != '\n')
			return LK_HTTP_BODY_BAD_CHUNKING;
		p++;
	}
	/* Ran out of data before the last-chunk. */
	return LK_HTTP_BODY_BAD_CHUNKING;
}

/* Runs one inflate stream (already initialised) over in, appending to out.
 * Returns 1 at stream end (and *used = input bytes consumed), 0 when the
 * input ended first, -1 on a data error, 2 when max was reached. */
static int inflate_run(z_stream *z, const unsigned char *in, size_t len, size_t *used,
                       struct lk_buf *out, size_t base, size_t max)
{
	size_t pos = 0;
	int rc = Z_OK;
	z->avail_in = 0;
	for (;;) {
		if (z->avail_in == 0 && pos < len) {
			size_t n = len - pos < ZSLICE ? len - pos : ZSLICE;
			z->next_in = (unsigned char *)(uintptr_t)(in + pos);
			z->avail_in = (uInt)n;
			pos += n;
		}
		size_t used_out = out->len - base;
		if (used_out >= max) {
			*used = pos - z->avail_in;
			return 2;
		}
		size_t room = max - used_out;
		size_t step = room < 65536 ? room : 65536;
		lk_buf_reserve(out, step);
		z->next_out = (unsigned char *)out->data + out->len;
		z->avail_out = (uInt)step;
		rc = inflate(z, Z_NO_FLUSH);
		out->len += step - z->avail_out;
		if (rc == Z_STREAM_END) {
			*used = pos - z->avail_in;
			return 1;
		}
		if (rc == Z_BUF_ERROR && z->avail_in == 0 && pos >= len) {
			*used = len;
			return 0;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			*used = pos - z->avail_in;
			return -1;
		}
	}
}

/* gzip (or zlib: windowBits 15+32 detects either), one or more members. */
static unsigned gunzip_into(const unsigned char *in, size_t len, size_t max, struct lk_buf *out)
{
	size_t base = out->len, off = 0;
	unsigned flags = 0;
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return LK_HTTP_BODY_BAD_CODING;
	for (;;) {
		size_t used = 0;
		int r = inflate_run(&z, in + off, len - off, &used, out, base, max);
		off += used;
		if (r == 2) {
			flags |= LK_HTTP_BODY_TRUNCATED;
			break;
		}
		if (r == 0) {
			flags |= LK_HTTP_BODY_INCOMPLETE;
			break;
		}
		if (r < 0) {
			flags |= out->len > base ? LK_HTTP_BODY_INCOMPLETE : LK_HTTP_BODY_BAD_CODING;
			break;
		}
		/* Another gzip member follows? Anything else after the end is
		 * padding some servers add, and is ignored. */
		if (len - off < 2 || in[off] != 0x1f || in[off + 1] != 0x8b)
			break;
		inflateReset(&z);
	}
	inflateEnd(&z);
	return flags;
}

/* deflate: zlib-wrapped first, raw deflate when the zlib header is wrong. */
static unsigned inflate_deflate_into(const unsigned char *in, size_t len, size_t max,
                                     struct lk_buf *out)
{
	size_t base = out->len;
	unsigned flags = 0;
	for (int raw = 0; raw <= 1; raw++) {
		z_stream z;
		memset(&z, 0, sizeof(z));
		if (inflateInit2(&z, raw ? -15 : 15) != Z_OK)
			return LK_HTTP_BODY_BAD_CODING;
		size_t used = 0;
		int r = inflate_run(&z, in, len, &used, out, base, max);
		inflateEnd(&z);
		if (r < 0 && !raw && out->len == base)
			continue; /* not zlib: try raw */
		if (r == 2)
			flags |= LK_HTTP_BODY_TRUNCATED;
		else if (r == 0)
			flags |= LK_HTTP_BODY_INCOMPLETE;
		else if (r < 0)
			flags |= out->len > base ? LK_HTTP_BODY_INCOMPLETE : LK_HTTP_BODY_BAD_CODING;
		return flags;
	}
	return LK_HTTP_BODY_BAD_CODING;
}

unsigned lk_http_inflate(const char *coding, const void *in, size_t len, size_t max,
                         struct lk_buf *out)
{
	size_t base = out->len;
	unsigned flags;
	if (!in) {
		in = "";
		len = 0;
	}
	if (strcasecmp(coding, "gzip") == 0 || strcasecmp(coding, "x-gzip") == 0)
		flags = gunzip_into(in, len, max, out);
	else if (strcasecmp(coding, "deflate") == 0)
		flags = inflate_deflate_into(in, len, max, out);
	else if (strcasecmp(coding, "identity") == 0)
		flags = 0;
	else
		flags = LK_HTTP_BODY_UNKNOWN_CODING;

	if (flags & (LK_HTTP_BODY_BAD_CODING | LK_HTTP_BODY_UNKNOWN_CODING) ||
	    strcasecmp(coding, "identity") == 0) {
		/* Keep the input: it is the best version of the body we have. */
		out->len = base;
		if (append_bounded(out, base, max, in, len))
			flags |= LK_HTTP_BODY_TRUNCATED;
	}
	if (out->data)
		out->data[out->len] = '\0';
	return flags;
}

/* Splits a comma-separated coding list into lower-case tokens appended to
 * list (at most MAX_CODINGS in all); returns the new count. */
static size_t add_codings(const char *value, char list[][24], size_t n)
{
	const char *p = value;
	while (p && *p && n < MAX_CODINGS) {
		while (*p == ',' || is_blank(*p))
			p++;
		size_t len = strcspn(p, ",;");
		size_t t = len;
		while (t > 0 && is_blank(p[t - 1]))
			t--;
		if (t > 0) {
			size_t k = t < 23 ? t : 23;
			for (size_t i = 0; i < k; i++)
				list[n][i] = (char)tolower((unsigned char)p[i]);
			list[n][k] = '\0';
			n++;
		}
		p += len;
		if (*p == ';')
			p += strcspn(p, ","); /* drop parameters */
	}
	return n;
}

static size_t collect_codings(const struct lk_http_head *h, const char *name, char list[][24],
                              size_t n)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (strcasecmp(h->headers[i].name, name) == 0)
			n = add_codings(h->headers[i].value, list, n);
	return n;
}

unsigned lk_http_decode_body(const struct lk_http_head *h, const void *body, size_t len,
                             size_t max, struct lk_buf *out)
{
	char codings[MAX_CODINGS][24];
	size_t n = collect_codings(h, "Content-Encoding", codings, 0);
	n = collect_codings(h, "Transfer-Encoding", codings, n);

	struct lk_buf cur = {0}, next = {0};
	lk_buf_append(&cur, body, len);
	unsigned flags = 0;
	size_t i = n;
	while (i-- > 0) {
		const char *c = codings[i];
		unsigned f;
		lk_buf_reset(&next);
		lk_buf_reserve(&next, 0); /* never hand a NULL buffer to the next step */
		if (strcmp(c, "chunked") == 0)
			f = lk_http_dechunk(cur.data, cur.len, max, &next);
		else
			f = lk_http_inflate(c, cur.data, cur.len, max, &next);
		flags |= f;
		struct lk_buf t = cur;
		cur = next;
		next = t;
		/* An unknown coding hides the ones beneath it: stop here. */
		if (f & LK_HTTP_BODY_UNKNOWN_CODING)
			break;
	}
	if (append_bounded(out, out->len, max, cur.data, cur.len))
		flags |= LK_HTTP_BODY_TRUNCATED;
	lk_buf_free(&cur);
	lk_buf_free(&next);
	return flags;
}

int lk_http_decode_response(const void *block, size_t len, size_t max_body,
                            struct lk_http_response *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (lk_http_parse_head(block, len, &out->head) < 0 || out->head.status < 0) {
		snprintf(err, errlen, "not an HTTP response (no status line)");
		return -1;
	}
	const char *body = (const char *)block + out->head.head_len;
	out->flags = lk_http_decode_body(&out->head, body, len - out->head.head_len, max_body,
	                                 &out->body);
	/* Keep the buffer usable as a C string even when the body is empty. */
	lk_buf_reserve(&out->body, 0);
	out->body.data[out->body.len] = '\0';
	return 0;
}

void lk_http_response_free(struct lk_http_response *r)
{
	if (!r)
		return;
	lk_http_head_free(&r->head);
	lk_buf_free(&r->body);
}
