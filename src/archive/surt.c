/*
 * surt.c — urlkeys as warcio.js's getSurt() makes them (see surt.h).
 *
 * getSurt leans on the WHATWG URL parser for host, port, path and query.
 * We only ever see http and https here, so this file implements just the
 * part of that parser those two "special" schemes go through: tab/newline
 * removal, the authority split (last '@' wins, backslash counts as a slash),
 * the host parser (percent-decoding, forbidden code points, IPv4 in all its
 * decimal/octal/hex forms, IPv6 with its canonical serialisation), the port,
 * dot-segment removal in the path and the percent-encode sets for path and
 * query. Any step that fails makes the whole URL "unparsable", and getSurt
 * then returns it unchanged (after its www step) — so do we.
 *
 * The expected values in tests/unit/test_surt.c were produced by running
 * warcio.js (tests/js/surt.mjs), not by reading this file.
 */
#include "linkkeeper/surt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the steps before parsing ------------------------------------------ */

/* getSurt's /^(https?:\/\/)www\d*\./ replacement. Caller frees. */
static char *strip_www(const char *url)
{
	size_t pre = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
	if (pre && strncmp(url + pre, "www", 3) == 0) {
		size_t i = pre + 3;
		while (url[i] >= '0' && url[i] <= '9')
			i++;
		if (url[i] == '.') {
			char *s = lk_xmalloc(strlen(url) + 1);
			memcpy(s, url, pre);
			strcpy(s + pre, url + i + 1);
			return s;
		}
	}
	return lk_xstrdup(url);
}

static void utf8_put(struct lk_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	}
	lk_buf_append(b, u, n);
}

/* String.prototype.toLowerCase() for the scripts listed in surt.h. */
static uint32_t lower_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0x80)
		return c;
	if ((c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xDE))
		return c + 32;
	if (((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) && !(c & 1) && c != 0x130)
		return c + 1;
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && (c & 1))
		return c + 1;
	if (c == 0x178)
		return 0xFF;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 37;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 63;
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0xFF21 && c <= 0xFF3A)
		return c + 32;
	return c;
}

/* A letter with case, for the final-sigma rule (approximate: the scripts
 * lower_cp knows). */
static int is_cased(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x386 && c <= 0x4FF);
}

/* Lower-cases s as JS would; invalid UTF-8 becomes U+FFFD, as it does when
 * warcio.js decodes a WARC header. Caller frees. */
static char *js_lowercase(const char *s)
{
	struct lk_buf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	uint32_t prev = 0;
	while (*p) {
		uint32_t cp, next = 0;
		size_t n = lk_utf8_decode(p, &cp);
		if (n == 0) {
			utf8_put(&b, 0xFFFD);
			prev = 0xFFFD;
			p++;
			continue;
		}
		if (p[n])
			lk_utf8_decode(p + n, &next);
		if (cp == 0x130) /* İ lower-cases to i + combining dot above */
			lk_buf_puts(&b, "i\xCC\x87");
		else if (cp == 0x3A3) /* Σ: final ς after a letter, σ elsewhere */
			utf8_put(&b, is_cased(prev) && !is_cased(next) ? 0x3C2 : 0x3C3);
		else
			utf8_put(&b, lower_cp(cp));
		prev = cp;
		p += n;
	}
	return lk_buf_detach(&b);
}

/* The URL parser's input cleanup: C0 controls and spaces trimmed at both
 * ends, tabs and newlines removed everywhere. Caller frees. */
static char *clean_input(const char *s)
{
	size_t n = strlen(s);
	while (n && (unsigned char)s[n - 1] <= 0x20)
		n--;
	while (n && (unsigned char)*s <= 0x20)
		s++, n--;
	char *out = lk_xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			*o++ = s[i];
	*o = '\0';
	return out;
}

/* ---- host ------------------------------------------------------------ */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The WHATWG IPv4 number parser on s[0..n): decimal, 0-prefixed octal or
 * 0x-prefixed hex. Returns 0 and *v (saturated above 2^32), or -1. */
static int ipv4_number(const char *s, size_t n, uint64_t *v)
{
	unsigned radix = 10;
	if (n == 0)
		return -1;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		radix = 16, s += 2, n -= 2;
	else if (n >= 2 && s[0] == '0')
		radix = 8, s += 1, n -= 1;
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= radix)
			return -1;
		x = x * radix + (unsigned)d;
		if (x > ((uint64_t)1 << 33))
			x = (uint64_t)1 << 33;
	}
	*v = x;
	return 0;
}

/* "Ends in a number": does the last label (ignoring one trailing dot) look
 * like an IPv4 part? Then the host must parse as IPv4. */
static int ends_in_number(const char *h, size_t n)
{
	if (n && h[n - 1] == '.')
		n--; /* one trailing dot does not count */
	const char *dot = NULL;
	for (size_t i = n; i-- > 0;)
		if (h[i] == '.') {
			dot = h + i;
			break;
		}
	const char *last = dot ? dot + 1 : h;
	size_t ln = (size_t)(h + n - last);
	if (ln == 0)
		return 0;
	if (strspn(last, "0123456789") >= ln)
		return 1;
	uint64_t v;
	return ipv4_number(last, ln, &v) == 0;
}

/* Parses h[0..n) as IPv4 and appends the labels reversed ("4,3,2,1"). */
static int ipv4_surt(const char *h, size_t n, struct lk_buf *out)
{
	uint64_t parts[4];
	size_t np = 0, start = 0;
	if (n && h[n - 1] == '.')
		n--; /* a trailing empty part is dropped */
	for (size_t i = 0; i <= n; i++) {
		if (i < n && h[i] != '.')
			continue;
		if (np == 4 || ipv4_number(h + start, i - start, &parts[np]) < 0)
			return -1;
		np++;
		start = i + 1;
	}
	for (size_t i = 0; i + 1 < np; i++)
		if (parts[i] > 255)
			return -1;
	uint64_t limit = (uint64_t)1 << (8 * (5 - np));
	if (parts[np - 1] >= limit)
		return -1;
	uint64_t addr = parts[np - 1];
	for (size_t i = 0; i + 1 < np; i++)
		addr += parts[i] << (8 * (3 - i));
	lk_buf_printf(out, "%u,%u,%u,%u", (unsigned)(addr & 255), (unsigned)((addr >> 8) & 255),
	              (unsigned)((addr >> 16) & 255), (unsigned)(addr >> 24));
	return 0;
}

/* The WHATWG IPv6 parser on s[0..n) (the text between the brackets). */
static int ipv6_parse(const char *s, size_t n, uint16_t a[8])
{
	size_t p = 0;
	int piece = 0, compress = -1;
#define C (p < n ? (unsigned char)s[p] : 0)
	memset(a, 0, 8 * sizeof(*a));
	if (C == ':') {
		if (p + 1 >= n || s[p + 1] != ':')
			return -1;
		p += 2;
		compress = ++piece;
	}
	while (p < n) {
		if (piece == 8)
			return -1;
		if (C == ':') {
			if (compress != -1)
				return -1;
			p++;
			compress = ++piece;
			continue;
		}
		unsigned value = 0, length = 0;
		while (length < 4 && hexval(C) >= 0) {
			value = value * 16 + (unsigned)hexval(C);
			p++, length++;
		}
		if (C == '.') {
			if (length == 0 || piece > 6)
				return -1;
			p -= length;
			int seen = 0;
			while (p < n) {
				int v = -1;
				if (seen > 0) {
					if (C != '.' || seen >= 4)
						return -1;
					p++;
				}
				if (C < '0' || C > '9')
					return -1;
				while (C >= '0' && C <= '9') {
					int d = C - '0';
					if (v == 0)
						return -1; /* leading zero */
					v = v < 0 ? d : v * 10 + d;
					if (v > 255)
						return -1;
					p++;
				}
				a[piece] = (uint16_t)(a[piece] * 0x100 + v);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return -1;
			break;
		}
		if (C == ':') {
			p++;
			if (p >= n)
				return -1;
		} else if (p < n) {
			return -1;
		}
		a[piece++] = (uint16_t)value;
	}
#undef C
	if (compress != -1) {
		int swaps = piece - compress;
		piece = 7;
		while (piece != 0 && swaps > 0) {
			uint16_t t = a[piece];
			a[piece] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
			piece--, swaps--;
		}
	} else if (piece != 8) {
		return -1;
	}
	return 0;
}

/* "[…]" in canonical form: the first longest run of two or more zero
 * pieces becomes "::", hex in lower case without leading zeros. */
static void ipv6_put(const uint16_t a[8], struct lk_buf *out)
{
	int best = -1, best_len = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > best_len)
			best = i, best_len = j - i;
		i = j > i ? j : i + 1;
	}
	lk_buf_putc(out, '[');
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			lk_buf_puts(out, i == 0 ? "::" : ":");
			i += best_len - 1;
			continue;
		}
		lk_buf_printf(out, "%x", a[i]);
		if (i != 7)
			lk_buf_putc(out, ':');
	}
	lk_buf_putc(out, ']');
}

/* Forbidden domain code points (ASCII part). */
static int forbidden_in_domain(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("#%/:<>?@[\\]^|", c) != NULL;
}

/* Parses the host h[0..n) and appends its SURT form (labels reversed). */
static int host_surt(const char *h, size_t n, struct lk_buf *out)
{
	if (n == 0)
		return -1;
	if (h[0] == '[') {
		uint16_t a[8];
		if (n < 2 || h[n - 1] != ']' || ipv6_parse(h + 1, n - 2, a) < 0)
			return -1;
		ipv6_put(a, out);
		return 0;
	}
	/* Percent-decode, lower-case (decoding can yield capitals). */
	char *d = lk_xmalloc(n + 1);
	size_t dn = 0;
	int rc = -1;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		unsigned char c = (unsigned char)h[i];
		if (c == '%' && i + 2 < n && (hi = hexval((unsigned char)h[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)h[i + 2])) >= 0) {
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		d[dn++] = (char)c;
	}
	d[dn] = '\0';
	if (dn == 0)
		goto out;
	for (size_t i = 0; i < dn; i++)
		if ((unsigned char)d[i] >= 0x80 || forbidden_in_domain((unsigned char)d[i]))
			goto out; /* non-ASCII would need IDNA: see surt.h */
	if (ends_in_number(d, dn)) {
		rc = ipv4_surt(d, dn, out);
		goto out;
	}
	/* Labels in reverse order, joined by commas. */
	size_t end = dn;
	for (size_t i = dn; i-- > 0;) {
		if (d[i] != '.')
			continue;
		lk_buf_append(out, d + i + 1, end - i - 1);
		lk_buf_putc(out, ',');
		end = i;
	}
	lk_buf_append(out, d, end);
	rc = 0;
out:
	free(d);
	return rc;
}

/* ---- path and query -------------------------------------------------- */

static void put_encoded(struct lk_buf *out, const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7e || strchr(extra, c))
			lk_buf_printf(out, "%%%02X", c);
		else
			lk_buf_putc(out, (char)c);
	}
}

static int is_single_dot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 3 && strncasecmp(s, "%2e", 3) == 0);
}

static int is_double_dot(const char *s, size_t n)
{
	if (n == 2)
		return s[0] == '.' && s[1] == '.';
	if (n == 4)
		return (s[0] == '.' && strncasecmp(s + 1, "%2e", 3) == 0) ||
		       (strncasecmp(s, "%2e", 3) == 0 && s[3] == '.');
	return n == 6 && strncasecmp(s, "%2e%2e", 6) == 0;
}

static int is_slash(char c)
{
	return c == '/' || c == '\\';
}

/* The path state of the URL parser: p points just after the authority;
 * appends the pathname ("/" at least) and returns where it ended. */
static const char *path_put(const char *p, struct lk_buf *out)
{
	size_t base = out->len;
	if (is_slash(*p))
		p++;
	for (;;) {
		size_t n = strcspn(p, "/\\?#");
		char c = p[n];
		if (is_double_dot(p, n)) {
			/* Drop the last segment (if any). */
			size_t i = out->len;
			while (i > base && out->data[i - 1] != '/')
				i--;
			if (i > base)
				out->len = i - 1;
			out->data[out->len] = '\0';
			if (!is_slash(c))
				lk_buf_putc(out, '/');
		} else if (is_single_dot(p, n)) {
			if (!is_slash(c))
				lk_buf_putc(out, '/');
		} else {
			lk_buf_putc(out, '/');
			put_encoded(out, p, n, " \"<>`{}");
		}
		p += n;
		if (!is_slash(c))
			return p;
		p++;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "?" + the query's arguments (split on '&') in sorted order. */
static void query_put(const char *q, size_t n, struct lk_buf *out)
{
	struct lk_buf enc = {0};
	put_encoded(&enc, q, n, " \"#<>'");
	size_t count = 1;
	for (size_t i = 0; i < enc.len; i++)
		count += enc.data[i] == '&';
	char **args = lk_xmalloc(count * sizeof(*args));
	size_t k = 0;
	char *save = enc.data;
	for (size_t i = 0; i <= enc.len; i++) {
		if (i < enc.len && enc.data[i] != '&')
			continue;
		enc.data[i] = '\0';
		args[k++] = save;
		save = enc.data + i + 1;
	}
	qsort(args, k, sizeof(*args), cmp_str);
	lk_buf_putc(out, '?');
	for (size_t i = 0; i < k; i++) {
		if (i)
			lk_buf_putc(out, '&');
		lk_buf_puts(out, args[i]);
	}
	free(args);
	lk_buf_free(&enc);
}

/* ---- the whole URL --------------------------------------------------- */

/* The authority [auth, end) — userinfo@host:port — as "host-surt[:port])".
 * The last '@' ends the userinfo; a colon inside brackets is IPv6. */
static int authority_put(const char *auth, const char *end, unsigned default_port,
                         struct lk_buf *out)
{
	const char *host = auth;
	for (const char *q = auth; q < end; q++)
		if (*q == '@')
			host = q + 1;
	if (host > auth && host == end)
		return -1;

	const char *colon = NULL;
	int brackets = 0;
	for (const char *q = host; q < end && !colon; q++) {
		if (*q == '[')
			brackets = 1;
		else if (*q == ']')
			brackets = 0;
		else if (*q == ':' && !brackets)
			colon = q;
	}
	const char *host_end = colon ? colon : end;
	if (host_end == host)
		return -1;
	unsigned long port = 0;
	int has_port = 0;
	for (const char *q = colon ? colon + 1 : end; q < end; q++) {
		if (*q < '0' || *q > '9')
			return -1;
		port = port * 10 + (unsigned long)(*q - '0');
		if (port > 65535)
			return -1;
		has_port = 1;
	}
	if (host_surt(host, (size_t)(host_end - host), out) < 0)
		return -1;
	if (has_port && port != default_port)
		lk_buf_printf(out, ":%lu", port);
	lk_buf_putc(out, ')');
	return 0;
}

/* Parses the lower-cased http(s) URL s and appends its SURT. */
static int surt_parse(const char *s, struct lk_buf *out)
{
	unsigned default_port;
	const char *p;
	if (strncmp(s, "http:", 5) == 0)
		default_port = 80, p = s + 5;
	else if (strncmp(s, "https:", 6) == 0)
		default_port = 443, p = s + 6;
	else
		return -1;
	/* Special schemes ignore any number of slashes before the host. */
	while (is_slash(*p))
		p++;
	const char *auth_end = p + strcspn(p, "/\\?#");
	if (authority_put(p, auth_end, default_port, out) < 0)
		return -1;
	p = path_put(auth_end, out);
	if (*p == '?') {
		p++;
		size_t qn = strcspn(p, "#");
		if (qn > 0)
			query_put(p, qn, out);
	}
	return 0;
}

void lk_surt(const char *url, struct lk_buf *out)
{
	if (strncmp(url, "https:", 6) != 0 && strncmp(url, "http:", 5) != 0) {
		lk_buf_puts(out, url);
		return;
	}
	char *stripped = strip_www(url);
	char *lower = js_lowercase(stripped);
	char *clean = clean_input(lower);
	size_t mark = out->len;
	if (surt_parse(clean, out) < 0) {
		lk_buf_reserve(out, 0);
		out->len = mark;
		out->data[mark] = '\0';
		lk_buf_puts(out, stripped);
	}
	free(clean);
	free(lower);
	free(stripped);
}

char *lk_surt_dup(const char *url)
{
	struct lk_buf b = {0};
	lk_surt(url, &b);
	return lk_buf_detach(&b);
}
