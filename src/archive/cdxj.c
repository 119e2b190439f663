/*
 * cdxj.c — CDXJ lines as warcio.js's CDXIndexer writes them (see cdxj.h).
 *
 * The indexer is a port of the behaviour, not of the code: read a record,
 * reduce it to the few values a line needs (struct idx), and run warcio.js's
 * pairing rule on a one-record look-behind: a response or revisit next to a
 * request of the same URI is one capture, anything else is indexed alone.
 *
 * Three warcio.js details decide bytes in the output and are reproduced:
 *  - header values pass through the Fetch API's Headers class, which only
 *    takes Latin-1 ("ByteString") values; warcio.js retries a value with a
 *    character above U+00FF as its UTF-8 bytes read as Latin-1, so such a
 *    URL comes out double-encoded (js_header_value);
 *  - HTTP status is JavaScript's Number() of the second word of the status
 *    line, printed as a string (js_status);
 *  - for a request that is not GET, the urlkey is made from
 *    "<url>?__wb_method=<M>&<query>" where the query is the request body:
 *    form-urlencoded bodies as text through decodeURI(), other bodies as
 *    "__wb_post_data=<base64>" (cut to 4096 characters). warcio.js also
 *    turns JSON and multipart bodies into queries; we do not (linkkeeper
 *    never sends them) and fall back to the base64 form for those.
 */
#include "linkkeeper/cdxj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linkkeeper/surt.h"
#include "linkkeeper/warc.h"

/* Enough of a block for the HTTP head and the part of a request body that
 * can reach the urlkey (4096 characters). */
#define INDEX_MAX_BLOCK (1024 * 1024)
#define MAX_QUERY 4096

void lk_cdxj_timestamp(const char *warc_date, char out[15])
{
	size_t n = 0;
	for (const char *p = warc_date ? warc_date : ""; *p && n < 14; p++)
		if (*p != '-' && *p != ':' && *p != 'T')
			out[n++] = *p;
	out[n] = '\0';
}

char *lk_cdxj_digest_value(const char *labelled)
{
	const char *colon = labelled ? strchr(labelled, ':') : NULL;
	if (!colon)
		return NULL;
	return lk_xstrndup(colon + 1, strcspn(colon + 1, ":"));
}

static int js_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Headers.get(name) in warcio.js: the non-empty values joined by ", "
 * (fields with empty values were dropped by its parser). Caller frees. */
static char *header_joined(const struct lk_http_head *h, const char *name)
{
	struct lk_buf b = {0};
	int found = 0;
	for (size_t i = 0; i < h->n_headers; i++) {
		if (strcasecmp(h->headers[i].name, name) != 0 || !*h->headers[i].value)
			continue;
		if (found)
			lk_buf_puts(&b, ", ");
		lk_buf_puts(&b, h->headers[i].value);
		found = 1;
	}
	return found ? lk_buf_detach(&b) : NULL;
}

char *lk_cdxj_http_mime(const struct lk_http_head *h)
{
	char *all = header_joined(h, "Content-Type");
	if (!all)
		return NULL;
	const char *s = all;
	size_t n = strcspn(s, ";");
	while (n && js_space(*s))
		s++, n--;
	while (n && js_space(s[n - 1]))
		n--;
	char *mime = lk_xstrndup(s, n);
	free(all);
	return mime;
}

static void json_key(struct lk_buf *out, int *first, const char *key)
{
	lk_buf_puts(out, *first ? "{\"" : ",\"");
	lk_buf_puts(out, key);
	lk_buf_puts(out, "\":");
	*first = 0;
}

static void json_str(struct lk_buf *out, int *first, const char *key, const char *value)
{
	if (!value)
		return;
	json_key(out, first, key);
	lk_buf_json_string(out, value);
}

void lk_cdxj_line(struct lk_buf *out, const struct lk_cdxj_entry *e)
{
	int first = 1;
	lk_buf_printf(out, "%s %s ", e->urlkey ? e->urlkey : "undefined",
	              e->timestamp ? e->timestamp : "");
	json_str(out, &first, "url", e->url);
	json_str(out, &first, "mime", e->mime);
	json_str(out, &first, "status", e->status);
	json_str(out, &first, "digest", e->digest);
	json_key(out, &first, "length");
	lk_buf_printf(out, "\"%lld\"", (long long)e->length);
	json_key(out, &first, "offset");
	lk_buf_printf(out, "\"%lld\"", (long long)e->offset);
	json_str(out, &first, "filename", e->filename);
	json_str(out, &first, "method", e->method);
	json_str(out, &first, "requestBody", e->request_body);
	lk_buf_puts(out, "}\n");
}

/* ---- JavaScript string semantics ------------------------------------ */

static void put_latin1_as_utf8(struct lk_buf *b, unsigned char c)
{
	if (c < 0x80) {
		lk_buf_putc(b, (char)c);
	} else {
		lk_buf_putc(b, (char)(0xC0 | (c >> 6)));
		lk_buf_putc(b, (char)(0x80 | (c & 0x3F)));
	}
}

/* How many bytes at p (n > 0 of them) one U+FFFD stands for when no valid
 * sequence starts there: the WHATWG decoder's maximal subpart — a lead byte
 * and the continuation bytes that could still have completed it (their
 * ranges narrow after E0, ED, F0 and F4) — or the single byte. */
static size_t invalid_run(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t need;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 1;
	size_t k = 1;
	while (k <= need && k < n && p[k] >= lo && p[k] <= hi) {
		lo = 0x80, hi = 0xBF;
		k++;
	}
	return k;
}

/* Appends n bytes as TextDecoder would decode them: invalid bytes (and
 * NULs, which end C strings) become U+FFFD. p[n] must be a NUL: the UTF-8
 * decoder looks ahead until a byte that does not continue the sequence. */
static void utf8_sanitize(struct lk_buf *b, const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = p[i] ? lk_utf8_decode(p + i, &cp) : 0;
		if (k == 0 || i + k > n) {
			lk_buf_puts(b, "\xEF\xBF\xBD");
			i += invalid_run(p + i, n - i);
			continue;
		}
		lk_buf_append(b, p + i, k);
		i += k;
	}
}

/* The string warcio.js ends up with for a header value (see the file
 * comment). NULL stays NULL. Caller frees. */
static char *js_header_value(const char *v)
{
	/* warcio.js drops fields with empty values when it parses a head. */
	if (!v || !*v)
		return NULL;
	struct lk_buf dec = {0};
	int wide = 0;
	for (const unsigned char *p = (const unsigned char *)v; *p;) {
		uint32_t cp;
		size_t n = lk_utf8_decode(p, &cp);
		if (n == 0) {
			lk_buf_puts(&dec, "\xEF\xBF\xBD"); /* TextDecoder's U+FFFD */
			wide = 1;
			p++;
			continue;
		}
		if (cp > 0xFF)
			wide = 1;
		lk_buf_append(&dec, p, n);
		p += n;
	}
	if (!wide)
		return lk_buf_detach(&dec);
	struct lk_buf out = {0};
	for (size_t i = 0; i < dec.len; i++)
		put_latin1_as_utf8(&out, (unsigned char)dec.data[i]);
	lk_buf_free(&dec);
	return lk_buf_detach(&out);
}

/* Number(word) printed back as a string, for the words a status line has.
 * An absent word is "" (warcio.js: statusCode ""). */
static char *js_status(const char *start_line)
{
	const char *sp = strchr(start_line, ' ');
	if (!sp)
		return lk_xstrdup("");
	const char *w = sp + 1;
	size_t n = strcspn(w, " ");
	while (n && js_space(*w))
		w++, n--;
	while (n && js_space(w[n - 1]))
		n--;
	if (n == 0)
		return lk_xstrdup("0");
	if (strspn(w, "0123456789") < n || n > 15)
		return lk_xstrdup("NaN"); /* hex, exponents… are not status codes */
	while (n > 1 && *w == '0')
		w++, n--;
	return lk_xstrndup(w, n);
}

static void base64_put(struct lk_buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		lk_buf_putc(b, tab[(v >> 18) & 63]);
		lk_buf_putc(b, tab[(v >> 12) & 63]);
		lk_buf_putc(b, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		lk_buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* Cuts the UTF-8 string in b to max UTF-16 code units (String.slice). */
static void js_slice(struct lk_buf *b, size_t max)
{
	size_t units = 0, i = 0;
	if (!b->data)
		return; /* empty and never allocated: nothing to cut */
	while (i < b->len) {
		uint32_t cp;
		size_t n = lk_utf8_decode((const unsigned char *)b->data + i, &cp);
		if (n == 0)
			n = 1;
		size_t u = cp > 0xFFFF ? 2 : 1;
		if (units + u > max)
			break;
		units += u;
		i += n;
	}
	b->len = i;
	b->data[i] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte of the "%XX" escape at s[i], or -1. */
static int pct_byte(const char *s, size_t i, size_t n)
{
	if (i + 2 >= n || s[i] != '%')
		return -1;
	int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
	return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* JavaScript's decodeURI(): returns 0 and the decoded string in out, or -1
 * where it would throw URIError. */
static int js_decode_uri(const char *s, struct lk_buf *out)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		if (s[i] != '%') {
			lk_buf_putc(out, s[i++]);
			continue;
		}
		int b = pct_byte(s, i, n);
		if (b < 0)
			return -1;
		if (b < 0x80) {
			/* decodeURI keeps escapes of the reserved characters and '#' */
			if (strchr(";/?:@&=+$,#", b))
				lk_buf_append(out, s + i, 3);
			else
				lk_buf_putc(out, (char)b);
			i += 3;
			continue;
		}
		unsigned char u[4] = {(unsigned char)b};
		size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
		if (len == 0)
			return -1;
		for (size_t k = 1; k < len; k++) {
			int c = pct_byte(s, i + 3 * k, n);
			if (c < 0 || (c & 0xC0) != 0x80)
				return -1;
			u[k] = (unsigned char)c;
		}
		uint32_t cp;
		if (lk_utf8_decode(u, &cp) != len)
			return -1;
		lk_buf_append(out, u, len);
		i += 3 * len;
	}
	return 0;
}

/* ---- the indexer ------------------------------------------------------ */

/* What one record contributes to a line (all strings owned). */
struct idx {
	char *type;           /* WARC-Type as written */
	char *uri;            /* WARC-Target-URI, NULL when absent */
	char *date;
	char *content_type;   /* WARC Content-Type */
	char *payload_digest;
	int has_http;         /* an HTTP head was parsed from the block */
	char *status;         /* js_status of the start line */
	char *http_mime;      /* lk_cdxj_http_mime */
	char *method;         /* first word of a request line */
	char *req_mime;       /* request Content-Type, all values joined */
	unsigned char *body;  /* request body (bounded), for non-GET requests */
	size_t body_len;
	int64_t offset, length;
};

static void idx_free(struct idx *x)
{
	if (!x)
		return;
	free(x->type);
	free(x->uri);
	free(x->date);
	free(x->content_type);
	free(x->payload_digest);
	free(x->status);
	free(x->http_mime);
	free(x->method);
	free(x->req_mime);
	free(x->body);
	free(x);
}

static int type_is(const struct idx *x, const char *t)
{
	return x->type && strcmp(x->type, t) == 0;
}

static struct idx *idx_from_record(const struct lk_warc_record *rec)
{
	struct idx *x = lk_xcalloc(1, sizeof(*x));
	x->type = js_header_value(rec->type_name);
	x->uri = js_header_value(rec->target_uri);
	size_t un = x->uri ? strlen(x->uri) : 0;
	if (un >= 2 && x->uri[0] == '<' && x->uri[un - 1] == '>') {
		/* warcio.js WARCRecord.fixUp: wget 1.x wrote WARC 1.0's <uri> form */
		memmove(x->uri, x->uri + 1, un - 2);
		x->uri[un - 2] = '\0';
	}
	x->date = js_header_value(rec->date);
	x->content_type = js_header_value(rec->content_type);
	x->payload_digest = js_header_value(rec->payload_digest);
	x->offset = rec->offset;
	x->length = rec->length;

	/* warcio.js parses an HTTP head for these (revisit only when non-empty). */
	int http = type_is(x, "response") || type_is(x, "request") ||
	           (type_is(x, "revisit") && rec->content_length > 0);
	struct lk_http_head h;
	if (!http || lk_http_parse_head(rec->block, rec->block_len, &h) < 0)
		return x;
	x->has_http = 1;
	x->status = js_status(h.start_line);
	char *mime = lk_cdxj_http_mime(&h);
	x->http_mime = js_header_value(mime);
	free(mime);
	x->method = lk_xstrndup(h.start_line, strcspn(h.start_line, " "));
	char *req_mime = header_joined(&h, "Content-Type");
	x->req_mime = js_header_value(req_mime);
	free(req_mime);
	if (type_is(x, "request") && strcmp(x->method, "GET") != 0) {
		x->body_len = rec->block_len - h.head_len;
		x->body = lk_xmalloc(x->body_len + 1);
		memcpy(x->body, rec->block + h.head_len, x->body_len);
		x->body[x->body_len] = '\0'; /* utf8_sanitize reads up to it */
	}
	lk_http_head_free(&h);
	return x;
}

/* warcio.js CDXIndexer.filterRecord */
static int indexable(const struct idx *x)
{
	if (type_is(x, "request") || type_is(x, "warcinfo"))
		return 0;
	if ((type_is(x, "metadata") || type_is(x, "resource")) && x->content_type &&
	    strcmp(x->content_type, "application/warc-fields") == 0)
		return 0;
	return 1;
}

/* warcio.js postToGetUrl for the body kinds we support: the query that
 * stands for the body, and requestBody. */
static void post_query(const struct idx *req, struct lk_buf *query)
{
	const char *ct = req->req_mime ? req->req_mime : "";
	size_t mime_len = strcspn(ct, ";");
	if (mime_len == 33 && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		const unsigned char *p = req->body;
		size_t n = req->body_len;
		if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3, n -= 3; /* TextDecoder drops a BOM */
		utf8_sanitize(query, p, n);
	} else {
		lk_buf_puts(query, "__wb_post_data=");
		base64_put(query, req->body, req->body_len);
	}
	js_slice(query, MAX_QUERY);
}

struct emitter {
	const char *filename;
	lk_cdxj_line_fn fn;
	void *ctx;
	struct lk_buf line;
	int stopped;
};

static void emit(struct emitter *em, const struct idx *rec, const struct idx *req)
{
	if (!indexable(rec) || em->stopped)
		return;
	struct lk_buf key_url = {0}, query = {0}, decoded = {0};
	char ts[15];
	char *method = NULL, *request_body = NULL;

	lk_buf_puts(&key_url, rec->uri ? rec->uri : "");
	if (req && req->has_http && strcmp(req->method, "GET") != 0) {
		method = req->method;
		post_query(req, &query);
		if (query.len)
			request_body = query.data;
		if (js_decode_uri(query.data ? query.data : "", &decoded) < 0)
			lk_buf_reset(&decoded);
		const char *q = strchr(key_url.data, '?');
		lk_buf_printf(&key_url, "%s__wb_method=%s&%s", q && q != key_url.data ? "&" : "?",
		              method, decoded.data ? decoded.data : "");
	}
	/* record._urlkey || record.warcTargetURI || null */
	const char *src = key_url.len ? key_url.data : rec->uri;
	char *urlkey = src ? lk_surt_dup(src) : NULL;
	char *digest = lk_cdxj_digest_value(rec->payload_digest);
	const char *mime = type_is(rec, "revisit") ? "warc/revisit"
	                   : type_is(rec, "response") || type_is(rec, "request")
	                       ? (rec->has_http && rec->http_mime ? rec->http_mime : NULL)
	                       : rec->content_type;
	int with_status = rec->has_http && (type_is(rec, "response") || type_is(rec, "revisit"));
	lk_cdxj_timestamp(rec->date, ts);

	struct lk_cdxj_entry e = {
		.urlkey = urlkey,
		.timestamp = ts,
		.url = rec->uri,
		.mime = mime,
		.status = with_status ? rec->status : NULL,
		.digest = digest,
		.length = rec->length,
		.offset = rec->offset,
		.filename = em->filename,
		.method = method,
		.request_body = request_body,
	};
	lk_buf_reset(&em->line);
	lk_cdxj_line(&em->line, &e);
	if (em->fn(em->line.data, em->line.len, em->ctx) != 0)
		em->stopped = 1;
	free(urlkey);
	free(digest);
	lk_buf_free(&key_url);
	lk_buf_free(&query);
	lk_buf_free(&decoded);
}

/* warcio.js CDXIndexer.indexRecord: cur is the record just read (NULL at
 * the end of the file); *last the one before it, if still unpaired. Takes
 * ownership of cur. */
static void index_step(struct emitter *em, struct idx **last, struct idx *cur)
{
	struct idx *prev = *last;
	*last = cur;
	if (!prev)
		return;
	int same_uri = cur && ((!prev->uri && !cur->uri) ||
	                       (prev->uri && cur->uri && strcmp(prev->uri, cur->uri) == 0));
	if (!same_uri) {
		emit(em, prev, NULL);
	} else if (type_is(cur, "request") && (type_is(prev, "response") || type_is(prev, "revisit"))) {
		*last = NULL;
		emit(em, prev, cur);
		idx_free(cur);
	} else if ((type_is(cur, "response") || type_is(cur, "revisit")) && type_is(prev, "request")) {
		*last = NULL;
		emit(em, cur, prev);
		idx_free(cur);
	} else {
		emit(em, prev, NULL);
	}
	idx_free(prev);
}

int lk_cdxj_index_file(const char *path, const char *filename, lk_cdxj_line_fn fn, void *ctx,
                       char *err, size_t errlen)
{
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	struct idx *last = NULL;
	int ret = -1, rc;

	if (!filename) {
		const char *slash = strrchr(path, '/');
		filename = slash ? slash + 1 : path;
	}
	struct emitter em = {.filename = filename, .fn = fn, .ctx = ctx};
	if (lk_warc_reader_open(path, INDEX_MAX_BLOCK, &r, err, errlen) < 0)
		return -1;
	while (!em.stopped && (rc = lk_warc_reader_next(r, &rec)) == 1)
		index_step(&em, &last, idx_from_record(&rec));
	if (em.stopped) {
		snprintf(err, errlen, "indexing of %s stopped", path);
		goto out;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, lk_warc_reader_error(r));
		goto out;
	}
	index_step(&em, &last, NULL);
	ret = 0;
out:
	idx_free(last);
	lk_warc_record_free(&rec);
	lk_buf_free(&em.line);
	lk_warc_reader_close(r);
	return ret;
}

/* ---- line lists ------------------------------------------------------- */

int lk_cdxj_lines_add(const char *line, size_t len, void *ctx)
{
	struct lk_cdxj_lines *l = ctx;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = lk_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = lk_xstrndup(line, len);
	return 0;
}

/* Lines compare as sort(1) compares them: without their newline, a line
 * that is a prefix of another first. */
static int cmp_line(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t nx = strcspn(x, "\n"), ny = strcspn(y, "\n");
	int c = memcmp(x, y, nx < ny ? nx : ny);
	if (c)
		return c;
	return nx < ny ? -1 : nx > ny;
}

void lk_cdxj_lines_sort(struct lk_cdxj_lines *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_line);
}

void lk_cdxj_lines_free(struct lk_cdxj_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
