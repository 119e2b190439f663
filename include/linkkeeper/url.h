/*
 * url.h — URL parsing and normalisation on libcurl's URL API (curl_url).
 * Scheme and host lower-cased, default port dropped, IDN hosts converted to
 * ASCII (punycode) for requests, percent-encoding kept as written, fragment
 * removed (a fragment never changes what the server answers).
 */
#ifndef LINKKEEPER_URL_H
#define LINKKEEPER_URL_H

#include <stddef.h>

/* Normalises an absolute http(s) URL. Returns 0 and a caller-freed *out, or
 * -1 with a reason in err (e.g. "no host", "unsupported scheme ftp"). */
int lk_url_normalize(const char *raw, char **out, char *err, size_t errlen);

/* Resolves rel against base (RFC 3986). Returns 0 and a caller-freed *out,
 * or -1 when either cannot be parsed. */
int lk_url_resolve(const char *base, const char *rel, char **out);

/* 1 if url starts with "http://" or "https://" in any letter case. */
int lk_url_is_http(const char *url);

/* Writes "scheme://host:port" (lower case, explicit port) of url to out.
 * This is the key of per-host politeness. Returns 0, or -1 if unparsable. */
int lk_url_host_key(const char *url, char *out, size_t outlen);

/* Copies the host name of url (no port, no brackets for IPv6) to out.
 * Returns 0, or -1. */
int lk_url_host(const char *url, char *out, size_t outlen);

#endif
