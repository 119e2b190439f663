/*
 * surt.h — the Sort-friendly URI Reordering Transform used as the urlkey of
 * CDXJ lines, computed exactly the way warcio.js's getSurt() does it, so our
 * indexes match `warcio cdx-index` (and ReplayWeb.page) byte for byte:
 *
 *   http://www.Example.com/a?b=1&a=2   ->  com,example)/a?a=2&b=1
 *
 * getSurt: a URL not starting with "http:" or "https:" (case-sensitive) is
 * returned as it is; otherwise a leading "www<digits>." after "http(s)://"
 * is dropped, the whole URL lower-cased, parsed as a WHATWG URL, and written
 * as the host labels reversed and joined by commas, ":port" when not the
 * scheme's default, ")", the path, and the query arguments sorted. When the
 * URL does not parse, the result is the URL after the www step.
 *
 * Known differences from warcio.js (Node's URL parser), all outside what
 * linkkeeper writes (WARC target URIs are ASCII):
 *  - a host with non-ASCII characters (an IDN) is not converted to punycode:
 *    the URL is treated as unparsable;
 *  - "xn--" labels are not checked for valid punycode;
 *  - non-ASCII letters are lower-cased for Latin-1, Latin Extended-A, Greek
 *    and basic Cyrillic only (JS lower-cases all of Unicode).
 */
#ifndef LINKKEEPER_SURT_H
#define LINKKEEPER_SURT_H

#include "linkkeeper/util.h"

/* Appends the SURT form of url to out. */
void lk_surt(const char *url, struct lk_buf *out);

/* The SURT form of url; caller frees. */
char *lk_surt_dup(const char *url);

#endif
