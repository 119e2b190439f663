/*
 * httpdecode.h — turns an HTTP/1.1 message as it was received (the block of
 * a WARC request or response record) back into parts: the start line, the
 * header list and the decoded body.
 *
 * The archive stores bodies exactly as the server sent them, with chunk
 * framing and gzip intact (see archiving.md §8.2), so every reader that wants
 * the page itself — restore, title extraction, link extraction — comes
 * through here: parse the head, undo Transfer-Encoding: chunked, then undo
 * the Content-Encoding (gzip, x-gzip, deflate in zlib or raw form).
 *
 * Everything here works on untrusted bytes: every loop is bounded by the
 * input length, the head by LK_HTTP_MAX_HEAD and LK_HTTP_MAX_HEADERS, and
 * every decoded body by a caller-given maximum (a gzip bomb stops there).
 * Malformed input never fails hard: the decoder keeps what it could recover
 * and says what went wrong in a flags word.
 */
#ifndef LINKKEEPER_HTTPDECODE_H
#define LINKKEEPER_HTTPDECODE_H

#include <stddef.h>

#include "linkkeeper/util.h"

/* Bounds on the head we parse: bytes up to and including the blank line,
 * and the number of header fields kept (the rest are dropped). */
#define LK_HTTP_MAX_HEAD (256 * 1024)
#define LK_HTTP_MAX_HEADERS 1000

struct lk_http_header {
	char *name;  /* as received (case kept), NUL-terminated */
	char *value; /* surrounding blanks removed; obs-fold lines joined by one space */
};

struct lk_http_head {
	char *start_line; /* "HTTP/1.1 200 OK" or "GET / HTTP/1.1", no line ending */
	int status;       /* 100..999 when the start line is a response status line, else -1 */
	struct lk_http_header *headers; /* in the order received, duplicates kept */
	size_t n_headers;
	size_t head_len; /* bytes of the head including the blank line: the body starts here */
	int complete;    /* 0 when the data ended (or LK_HTTP_MAX_HEAD was reached) before the blank line */
};

/* Parses the start line and header fields at the beginning of data. Lines
 * may end in CRLF or a bare LF. Lines without a colon are skipped. Returns 0
 * (out filled, free with lk_http_head_free) or -1 when data holds no start
 * line at all (empty, or it begins with a blank line); on -1 out is empty
 * and safe to free. */
int lk_http_parse_head(const void *data, size_t len, struct lk_http_head *out);
void lk_http_head_free(struct lk_http_head *h);

/* The first value of header name (case-insensitive), borrowed from h; NULL
 * when absent. */
const char *lk_http_head_get(const struct lk_http_head *h, const char *name);

/* Every value of header name joined with ", ", the way the Fetch API's
 * Headers.get() reports repeated fields. NULL when absent; caller frees. */
char *lk_http_head_get_all(const struct lk_http_head *h, const char *name);

/* What a body decoder could not do; 0 means the body decoded cleanly. */
enum {
	LK_HTTP_BODY_TRUNCATED = 1u << 0,      /* output reached max; the rest was dropped */
	LK_HTTP_BODY_BAD_CHUNKING = 1u << 1,   /* chunk framing malformed or cut short */
	LK_HTTP_BODY_BAD_CODING = 1u << 2,     /* a content coding did not decode; its input was kept */
	LK_HTTP_BODY_INCOMPLETE = 1u << 3,     /* a compressed stream ended early; what inflated was kept */
	LK_HTTP_BODY_UNKNOWN_CODING = 1u << 4, /* a coding we cannot undo (br, zstd, …): left encoded */
};

/* Removes chunked framing from in, appending at most max bytes of chunk
 * data to out. Chunk extensions and trailers are ignored. When the very
 * first chunk-size line is not hexadecimal the input is taken as not
 * chunked at all (servers do lie) and copied as is, with BAD_CHUNKING set.
 * Returns the LK_HTTP_BODY_* flags. */
unsigned lk_http_dechunk(const void *in, size_t len, size_t max, struct lk_buf *out);

/* Undoes one content coding: "gzip" / "x-gzip" (also accepts a zlib
 * stream and several concatenated gzip members) or "deflate" (zlib-wrapped
 * as RFC 9110 says, or raw deflate as some servers send). Appends at most
 * max bytes to out. "identity" copies. Any other coding copies the input and
 * sets UNKNOWN_CODING. Returns the LK_HTTP_BODY_* flags. */
unsigned lk_http_inflate(const char *coding, const void *in, size_t len, size_t max,
                         struct lk_buf *out);

/* Decodes a body received under head h: the Transfer-Encoding and then the
 * Content-Encoding codings are undone in reverse order of application
 * (chunked first). Appends at most max bytes to out; returns the flags. A
 * step that fails leaves its input in place for the next one, so out always
 * holds the best available version of the body. */
unsigned lk_http_decode_body(const struct lk_http_head *h, const void *body, size_t len,
                             size_t max, struct lk_buf *out);

struct lk_http_response {
	struct lk_http_head head;
	struct lk_buf body; /* decoded body, at most max_body bytes */
	unsigned flags;     /* LK_HTTP_BODY_* */
};

/* Parses a whole response block (head + body as received) and decodes its
 * body. Returns 0, or -1 with a message in err when the block has no
 * response status line; out is safe to free either way. */
int lk_http_decode_response(const void *block, size_t len, size_t max_body,
                            struct lk_http_response *out, char *err, size_t errlen);
void lk_http_response_free(struct lk_http_response *r);

#endif
