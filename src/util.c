/*
 * util.c — the helpers declared in util.h. Nothing here knows about links,
 * HTTP or SQLite; every other module may use it.
 */
#include "linkkeeper/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static void lk_oom(size_t n)
{
	fprintf(stderr, "linkkeeper: out of memory (%zu bytes)\n", n);
	abort();
}

void *lk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		lk_oom(n);
	return p;
}

void *lk_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		lk_oom(n * size);
	return p;
}

void *lk_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		lk_oom(n);
	return q;
}

char *lk_xstrdup(const char *s)
{
	return lk_xstrndup(s, strlen(s));
}

char *lk_xstrndup(const char *s, size_t n)
{
	char *p = lk_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *lk_xasprintf(const char *fmt, ...)
{
	struct lk_buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	lk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return lk_buf_detach(&b);
}

void lk_buf_reserve(struct lk_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = lk_xrealloc(b->data, cap);
	b->cap = cap;
}

void lk_buf_append(struct lk_buf *b, const void *p, size_t n)
{
	lk_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void lk_buf_puts(struct lk_buf *b, const char *s)
{
	lk_buf_append(b, s, strlen(s));
}

void lk_buf_putc(struct lk_buf *b, char c)
{
	lk_buf_append(b, &c, 1);
}

void lk_buf_vprintf(struct lk_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	lk_buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void lk_buf_printf(struct lk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lk_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void lk_buf_splice(struct lk_buf *b, size_t off, size_t old, const void *p, size_t n)
{
	if (n > old)
		lk_buf_reserve(b, n - old);
	if (n != old)
		memmove(b->data + off + n, b->data + off + old, b->len - off - old);
	if (n)
		memcpy(b->data + off, p, n);
	b->len = b->len - old + n;
	if (b->data)
		b->data[b->len] = '\0';
}

void lk_buf_reset(struct lk_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void lk_buf_free(struct lk_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *lk_buf_detach(struct lk_buf *b)
{
	char *p = b->data ? b->data : lk_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

size_t lk_utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0)
		n = 2, v = c & 0x1Fu, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, v = c & 0x0Fu, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, v = c & 0x07u, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

void lk_buf_json_string(struct lk_buf *b, const char *s)
{
	if (!s) {
		lk_buf_puts(b, "null");
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	lk_buf_putc(b, '"');
	while (*p) {
		unsigned char c = *p;
		if (c == '"' || c == '\\') {
			lk_buf_putc(b, '\\');
			lk_buf_putc(b, (char)c);
			p++;
		} else if (c < 0x20) {
			switch (c) {
			case '\n': lk_buf_puts(b, "\\n"); break;
			case '\r': lk_buf_puts(b, "\\r"); break;
			case '\t': lk_buf_puts(b, "\\t"); break;
			case '\b': lk_buf_puts(b, "\\b"); break;
			case '\f': lk_buf_puts(b, "\\f"); break;
			default: lk_buf_printf(b, "\\u%04x", c); break;
			}
			p++;
		} else if (c < 0x80) {
			lk_buf_putc(b, (char)c);
			p++;
		} else {
			uint32_t cp;
			size_t n = lk_utf8_decode(p, &cp);
			if (n == 0) {
				lk_buf_puts(b, "\xEF\xBF\xBD");
				p++;
			} else {
				lk_buf_append(b, p, n);
				p += n;
			}
		}
	}
	lk_buf_putc(b, '"');
}

void lk_buf_html_escape(struct lk_buf *b, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&': lk_buf_puts(b, "&amp;"); break;
		case '<': lk_buf_puts(b, "&lt;"); break;
		case '>': lk_buf_puts(b, "&gt;"); break;
		case '"': lk_buf_puts(b, "&quot;"); break;
		case '\'': lk_buf_puts(b, "&#39;"); break;
		default: lk_buf_putc(b, *s); break;
		}
	}
}

int64_t lk_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t lk_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lk_realtime_in(long ms, struct timespec *out)
{
	clock_gettime(CLOCK_REALTIME, out);
	out->tv_sec += ms / 1000;
	out->tv_nsec += (ms % 1000) * 1000000L;
	if (out->tv_nsec >= 1000000000L) {
		out->tv_sec++;
		out->tv_nsec -= 1000000000L;
	}
}

int lk_parse_duration(const char *s, int64_t *out_ms)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || v < 0)
		return -1;
	int64_t unit;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		unit = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		unit = 86400 * 1000;
	else if (strcmp(end, "w") == 0)
		unit = 7 * 86400 * 1000;
	else
		return -1;
	if (v > INT64_MAX / unit)
		return -1;
	*out_ms = (int64_t)v * unit;
	return 0;
}

void lk_format_time(int64_t ms, int with_ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (with_ms) {
		unsigned frac = (unsigned)(ms % 1000 + 1000) % 1000;
		snprintf(out + n, 32 - n, ".%03uZ", frac);
	} else {
		snprintf(out + n, 32 - n, "Z");
	}
}

int lk_parse_time(const char *s, int64_t *out_ms)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, frac = 0;
	size_t n = strlen(s);
	int ok = 0;
	if (n == 10)
		ok = sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) == 3;
	else if (n == 14 && strspn(s, "0123456789") == 14)
		ok = sscanf(s, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &se) == 6;
	else if (n >= 20) {
		char tail[16] = {0};
		ok = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &se, tail) == 7;
		if (ok && tail[0] == '.') {
			char *end;
			long f = strtol(tail + 1, &end, 10);
			size_t digits = (size_t)(end - (tail + 1));
			while (digits > 3) {
				f /= 10;
				digits--;
			}
			while (digits < 3) {
				f *= 10;
				digits++;
			}
			frac = (int)f;
			ok = strcmp(end, "Z") == 0;
		} else if (ok) {
			ok = strcmp(tail, "Z") == 0;
		}
	}
	if (!ok || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	*out_ms = (int64_t)t * 1000 + frac;
	return 0;
}

FILE *lk_open_input(const char *path, size_t max, char *err, size_t errlen)
{
	if (strcmp(path, "-") == 0)
		return stdin;
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		fclose(f);
		return NULL;
	}
	return f;
}

void lk_close_input(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

int lk_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = lk_open_input(path, max, err, errlen);
	if (!f)
		return -1;
	struct lk_buf b = {0};
	char chunk[65536];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			rc = -1;
			break;
		}
		lk_buf_append(&b, chunk, n);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	lk_close_input(f);
	if (rc < 0) {
		lk_buf_free(&b);
		return -1;
	}
	*len = b.len;
	lk_buf_reserve(&b, 0);
	*out = lk_buf_detach(&b);
	return 0;
}

int lk_mkdir_p(const char *path)
{
	char *p = lk_xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	int saved = errno;
	free(p);
	errno = saved;
	return rc;
}

static int secret_param(const char *name, size_t n)
{
	static const char *const words[] = {"token", "key", "password", "passwd", "secret",
	                                    "signature", "auth", "session", "sig", "code",
	                                    "credential"};
	char low[64];
	if (n >= sizeof low)
		n = sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[n] = '\0';
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return 1;
	return 0;
}

char *lk_redact_url(const char *url)
{
	struct lk_buf b = {0};
	const char *p = url;
	const char *scheme_end = strstr(url, "://");
	if (scheme_end) {
		const char *auth = scheme_end + 3;
		size_t auth_len = strcspn(auth, "/?#");
		const char *at = memchr(auth, '@', auth_len);
		lk_buf_append(&b, url, (size_t)(auth - url));
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));
			if (colon) {
				lk_buf_append(&b, auth, (size_t)(colon - auth));
				lk_buf_puts(&b, ":REDACTED");
			} else {
				lk_buf_append(&b, auth, (size_t)(at - auth));
			}
			p = at;
		} else {
			p = auth;
		}
	}
	const char *q = strchr(p, '?');
	if (!q) {
		lk_buf_puts(&b, p);
		return lk_buf_detach(&b);
	}
	lk_buf_append(&b, p, (size_t)(q - p + 1));
	const char *s = q + 1;
	while (*s && *s != '#') {
		size_t plen = strcspn(s, "&#");
		const char *eq = memchr(s, '=', plen);
		if (eq && secret_param(s, (size_t)(eq - s))) {
			lk_buf_append(&b, s, (size_t)(eq - s + 1));
			lk_buf_puts(&b, "REDACTED");
		} else {
			lk_buf_append(&b, s, plen);
		}
		s += plen;
		if (*s == '&') {
			lk_buf_putc(&b, '&');
			s++;
		}
	}
	lk_buf_puts(&b, s);
	return lk_buf_detach(&b);
}

char *lk_redact_header(const char *line)
{
	static const char *const names[] = {"authorization", "proxy-authorization", "cookie",
	                                    "set-cookie", "x-api-key", "x-auth-token",
	                                    "x-csrf-token", "api-key"};
	const char *colon = strchr(line, ':');
	if (!colon)
		return lk_xstrdup(line);
	size_t n = (size_t)(colon - line);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(line, names[i], n) == 0)
			return lk_xasprintf("%.*s: REDACTED", (int)n, line);
	return lk_xstrdup(line);
}

uint64_t lk_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * LK_FNV1A_PRIME;
	return h;
}

uint64_t lk_hash_str(const char *s)
{
	uint64_t h = LK_FNV1A_OFFSET;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * LK_FNV1A_PRIME;
	return h;
}
