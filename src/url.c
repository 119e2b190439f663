/*
 * url.c — URL parsing and normalisation on libcurl's URL API (curl_url).
 *
 * Every URL the checker requests, deduplicates or groups by host goes
 * through here, so that "HTTP://Example.COM:80/a#top" and
 * "http://example.com/a" are one link with one host key. The parser is
 * libcurl's own, the one that later sends the request: what it accepts here
 * is what the engine can fetch.
 *
 * How: curl_url_set() parses without URL-encoding, so percent-escapes stay
 * as written; the scheme must be http or https; the host is made ASCII
 * (punycode) and lower-cased; the fragment is dropped (it never changes what
 * the server answers); curl_url_get() rebuilds the string without a default
 * port. libcurl itself lower-cases the scheme, removes dot segments and turns
 * an empty path into "/".
 *
 * IDN: libcurl 7.88 converts host names with idn2_lookup_ul(), which decodes
 * its input in the encoding of the calling thread's locale; a program that
 * never calls setlocale() runs in "C", where every non-ASCII host fails.
 * Our input is UTF-8 whatever the user's locale, so the conversion runs
 * under a thread-local UTF-8 locale (uselocale); no global state changes,
 * and hosts that are already ASCII never pay for it.
 */
#include "linkkeeper/url.h"

#include <curl/curl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "linkkeeper/util.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int is_scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

/* The scheme written at the start of raw ("ftp" of "ftp://x"), for error
 * messages; "" when raw does not start with one. */
static void scheme_of(const char *raw, char *out, size_t outlen)
{
	size_t n = 0;
	while (n + 1 < outlen && is_scheme_char(raw[n]))
		n++;
	if (raw[n] != ':')
		n = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(raw[i] >= 'A' && raw[i] <= 'Z' ? raw[i] | 0x20 : raw[i]);
	out[n] = '\0';
}

static void parse_error(const char *raw, CURLUcode rc, char *err, size_t errlen)
{
	char scheme[32];
	switch (rc) {
	case CURLUE_UNSUPPORTED_SCHEME:
		scheme_of(raw, scheme, sizeof scheme);
		set_err(err, errlen, "unsupported scheme %s", scheme[0] ? scheme : "(none)");
		break;
	case CURLUE_BAD_SCHEME:
		set_err(err, errlen, "no scheme");
		break;
	case CURLUE_NO_HOST:
		set_err(err, errlen, "no host");
		break;
	case CURLUE_BAD_HOSTNAME:
		set_err(err, errlen, "bad host name");
		break;
	case CURLUE_BAD_PORT_NUMBER:
		set_err(err, errlen, "bad port number");
		break;
	default:
		set_err(err, errlen, "%s", curl_url_strerror(rc));
		break;
	}
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A UTF-8 LC_CTYPE locale for the IDN conversion, or 0. glibc ≥ 2.35 has
 * C.UTF-8 built in; the others are for older systems. */
static locale_t utf8_locale(void)
{
	static const char *const names[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		locale_t loc = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
		if (loc)
			return loc;
	}
	return (locale_t)0;
}

/* The host of h in punycode (curl-allocated), or NULL. */
static char *host_punycode(CURLU *h)
{
	char *host = NULL;
	locale_t utf8 = utf8_locale();
	if (!utf8)
		return NULL;
	locale_t old = uselocale(utf8);
	CURLUcode rc = curl_url_get(h, CURLUPART_HOST, &host, CURLU_PUNYCODE);
	uselocale(old);
	freelocale(utf8);
	if (rc != CURLUE_OK) {
		curl_free(host);
		return NULL;
	}
	return host;
}

/* Lower-cases s in place; 1 when something changed. */
static int lower_ascii(char *s)
{
	int changed = 0;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z') {
			*s = (char)(*s | 0x20);
			changed = 1;
		}
	return changed;
}

/* Parses an absolute http(s) URL into a new handle whose host is ASCII and
 * lower case. Returns the handle (curl_url_cleanup) or NULL with err set. */
/* Whether the part of raw where the host is written may hold a '%' that
 * curl decodes: from after "scheme:" and its slashes to the next / ? #
 * (userinfo and port included). Without a scheme, all of raw. A '%' in
 * the path or query leaves the host as written. */
static int authority_has_percent(const char *raw)
{
	size_t n = 0;
	while (is_scheme_char(raw[n]))
		n++;
	if (n == 0 || raw[n] != ':')
		return strchr(raw, '%') != NULL;
	const char *p = raw + n + 1;
	p += strspn(p, "/");
	return memchr(p, '%', strcspn(p, "/?#")) != NULL;
}

static CURLU *url_parse(const char *raw, char *err, size_t errlen)
{
	char *scheme = NULL, *host = NULL, *url = NULL;
	int idn = 0;
	CURLU *h = curl_url();
	if (!h) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	CURLUcode rc = curl_url_set(h, CURLUPART_URL, raw, 0);
	if (rc != CURLUE_OK) {
		parse_error(raw, rc, err, errlen);
		goto fail;
	}
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		set_err(err, errlen, "unsupported scheme %s", scheme ? scheme : "(none)");
		goto fail;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		set_err(err, errlen, "no host");
		goto fail;
	}
	if (!is_ascii(host)) {
		idn = 1;
		curl_free(host);
		host = host_punycode(h);
		if (!host) {
			set_err(err, errlen, "bad international host name");
			goto fail;
		}
	}
	int respelled = idn || authority_has_percent(raw);
	respelled |= lower_ascii(host);
	if (curl_url_set(h, CURLUPART_HOST, host, 0) != CURLUE_OK) {
		set_err(err, errlen, "bad host name");
		goto fail;
	}
	/* A host we spelled anew can be a number that only a whole-URL parse
	 * reads as IPv4: IDNA maps "²000" to "2000", percent-decoding turns
	 * "%320" into "20" (curl decodes after its IPv4 check). Parse again, so
	 * the result is what that spelling gives (0.0.7.208, 0.0.0.20), and
	 * normalising it once more changes nothing. A host taken as it was
	 * written was read by that same parse already (and costs no second). */
	if (respelled && (curl_url_get(h, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	                  curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)) {
		set_err(err, errlen, idn ? "bad international host name" : "bad host name");
		goto fail;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(url);
	return h;
fail:
	curl_free(scheme);
	curl_free(host);
	curl_free(url);
	curl_url_cleanup(h);
	return NULL;
}

int lk_url_normalize(const char *raw, char **out, char *err, size_t errlen)
{
	char *s = NULL;
	int rc = -1;
	if (!raw || !raw[0]) {
		set_err(err, errlen, "empty URL");
		return -1;
	}
	CURLU *h = url_parse(raw, err, errlen);
	if (!h)
		return -1;
	curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) != CURLUE_OK) {
		set_err(err, errlen, "cannot rebuild URL");
		goto out;
	}
	*out = lk_xstrdup(s);
	rc = 0;
out:
	curl_free(s);
	curl_url_cleanup(h);
	return rc;
}

int lk_url_resolve(const char *base, const char *rel, char **out)
{
	char *s = NULL;
	int rc = -1;
	if (!base || !rel)
		return -1;
	CURLU *h = curl_url();
	if (!h)
		return -1;
	/* A handle that holds a URL resolves a relative one set after it. */
	if (curl_url_set(h, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(h, CURLUPART_URL, rel, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK)
		goto out;
	*out = lk_xstrdup(s);
	rc = 0;
out:
	curl_free(s);
	curl_url_cleanup(h);
	return rc;
}

int lk_url_is_http(const char *url)
{
	if (!url)
		return 0;
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

int lk_url_host_key(const char *url, char *out, size_t outlen)
{
	char err[128];
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;
	if (!url || !out || outlen == 0)
		return -1;
	CURLU *h = url_parse(url, err, sizeof err);
	if (!h)
		return -1;
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	int n = snprintf(out, outlen, "%s://%s:%s", scheme, host, port);
	if (n < 0 || (size_t)n >= outlen)
		goto out;
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(h);
	return rc;
}

int lk_url_host(const char *url, char *out, size_t outlen)
{
	char err[128];
	char *host = NULL;
	int rc = -1;
	if (!url || !out || outlen == 0)
		return -1;
	CURLU *h = url_parse(url, err, sizeof err);
	if (!h)
		return -1;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	const char *p = host;
	size_t n = strlen(host);
	/* An IPv6 literal comes back as "[::1]"; callers want the address. */
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	if (n >= outlen)
		goto out;
	memcpy(out, p, n);
	out[n] = '\0';
	rc = 0;
out:
	curl_free(host);
	curl_url_cleanup(h);
	return rc;
}
