/*
 * util.h — small helpers every module uses: allocation that never returns
 * NULL, a growable byte buffer, clocks, durations, RFC 3339 times, JSON string
 * escaping, bounded file reading and redaction of secrets in URLs.
 */
#ifndef LINKKEEPER_UTIL_H
#define LINKKEEPER_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define LK_VERSION "0.1.0"

/* Allocation: on failure these print one line and abort (like redis'
 * zmalloc); a link checker that runs out of memory cannot do anything
 * useful, and callers stay free of NULL checks. */
void *lk_xmalloc(size_t n);
void *lk_xcalloc(size_t n, size_t size);
void *lk_xrealloc(void *p, size_t n);
char *lk_xstrdup(const char *s);
char *lk_xstrndup(const char *s, size_t n);
char *lk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated after lk_buf_* calls. */
struct lk_buf {
	char *data;
	size_t len;
	size_t cap;
};

void lk_buf_reserve(struct lk_buf *b, size_t extra);
void lk_buf_append(struct lk_buf *b, const void *p, size_t n);
void lk_buf_puts(struct lk_buf *b, const char *s);
void lk_buf_putc(struct lk_buf *b, char c);
void lk_buf_printf(struct lk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lk_buf_vprintf(struct lk_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void lk_buf_reset(struct lk_buf *b);
/* Replaces b[off..off+old) (within b) with p[0..n), moving what follows in
 * place. */
void lk_buf_splice(struct lk_buf *b, size_t off, size_t old, const void *p, size_t n);
void lk_buf_free(struct lk_buf *b);
/* Hands the buffer's memory to the caller (caller frees) and empties b. */
char *lk_buf_detach(struct lk_buf *b);

/* Appends s as a JSON string literal (with quotes). Escapes only what JSON
 * requires: '"', '\\' and control characters; invalid UTF-8 bytes become
 * U+FFFD so the output is always valid JSON. NULL becomes null. */
void lk_buf_json_string(struct lk_buf *b, const char *s);

/* Decodes the UTF-8 sequence at s (NUL-terminated): returns its length
 * (1-4) and the code point in *cp, or 0 for an invalid sequence (overlong,
 * surrogate, past U+10FFFF, truncated). */
size_t lk_utf8_decode(const unsigned char *s, uint32_t *cp);

/* Appends s escaped for HTML text and attribute values. */
void lk_buf_html_escape(struct lk_buf *b, const char *s);

/* Milliseconds since the epoch (wall clock) and on the monotonic clock. */
int64_t lk_now_ms(void);
int64_t lk_mono_ms(void);
/* The CLOCK_REALTIME instant ms from now, as pthread_cond_timedwait wants. */
void lk_realtime_in(long ms, struct timespec *out);

/* "500ms", "45s", "30m", "12h", "7d", "2w"; a bare number is seconds.
 * Returns 0 and sets *out_ms, or -1 on a malformed value. */
int lk_parse_duration(const char *s, int64_t *out_ms);

/* Formats epoch milliseconds as RFC 3339 UTC, "2026-11-25T20:35:22Z"
 * (with_ms adds ".123"). out must hold 32 bytes. */
void lk_format_time(int64_t ms, int with_ms, char out[32]);

/* Parses "2026-11-25", "2026-11-25T20:35:22Z" (optional fraction) or
 * "20261125203522". Returns 0 and sets *out_ms, or -1. */
int lk_parse_time(const char *s, int64_t *out_ms);

/* Opens an input: path, or stdin for "-". A regular file known to be
 * larger than max bytes is refused before anything is read. NULL with a
 * message in err on failure. Close with lk_close_input. */
FILE *lk_open_input(const char *path, size_t max, char *err, size_t errlen);
/* Closes what lk_open_input opened (stdin stays open). */
void lk_close_input(FILE *f);

/* Reads a whole file (or stdin for "-") of at most max bytes; *out is
 * NUL-terminated and caller-freed. Returns 0, or -1 with a message in err. */
int lk_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

/* Creates a directory and its parents (mode 0755). Returns 0 or -1 (errno). */
int lk_mkdir_p(const char *path);

/* A copy of url fit to print or store: the userinfo password and the values
 * of query parameters that look like secrets (token, key, password, secret,
 * signature, auth, session, sig, code) become "REDACTED". Caller frees. */
char *lk_redact_url(const char *url);

/* Redacts a header line "Name: value" whose name carries credentials
 * (Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, …).
 * Caller frees. */
char *lk_redact_header(const char *line);

/* FNV-1a, 64 bits, for in-memory hash tables and fingerprints (never
 * stored): lk_fnv1a continues hash h over n bytes, starting from
 * LK_FNV1A_OFFSET; lk_hash_str hashes a C string. */
#define LK_FNV1A_OFFSET 14695981039346656037ULL
#define LK_FNV1A_PRIME 1099511628211ULL
uint64_t lk_fnv1a(uint64_t h, const void *p, size_t n);
uint64_t lk_hash_str(const char *s);

#endif
