/*
 * fuzz_url.c — libFuzzer target for URL handling (url.h), the WARC
 * target-URI escaping (warc.h) and the HEAD trust's URL keys (headtrust.h).
 *
 * The input, up to its first newline, is a URL (a NUL-terminated copy; a NUL
 * inside ends it early, as it would any C string); the rest, when there is a
 * newline, is a relative reference resolved against it. Asserts: a
 * normalised URL is http(s) and normalises to itself (the link set relies on
 * that to deduplicate), host key and host fit their buffers, the escaped
 * URI is printable ASCII without spaces; HEAD trust taught on a URL holds
 * for that URL and never for a status it must not believe; no crash, no
 * leak.
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/corpus/url/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/headtrust.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], key[512], host[512];
	char *raw = lk_xstrndup((const char *)data, size); /* stops at a NUL */
	char *rel = strchr(raw, '\n');
	if (rel)
		*rel++ = '\0';

	char *norm = NULL;
	if (lk_url_normalize(raw, &norm, err, sizeof err) == 0) {
		char *again = NULL;
		if (!lk_url_is_http(norm))
			__builtin_trap();
		if (lk_url_normalize(norm, &again, err, sizeof err) != 0 || strcmp(norm, again) != 0)
			__builtin_trap();
		free(again);
	}
	if (lk_url_host_key(raw, key, sizeof key) == 0 && strlen(key) >= sizeof key)
		__builtin_trap();
	if (lk_url_host(raw, host, sizeof host) == 0 && strlen(host) >= sizeof host)
		__builtin_trap();
	(void)lk_url_is_http(raw);

	if (rel) {
		char *res = NULL;
		if (lk_url_resolve(norm ? norm : raw, rel, &res) == 0)
			free(res);
	}

	struct lk_head_trust t;
	lk_head_trust_init(&t);
	lk_head_trust_head_ok(&t, raw);
	for (int i = 0; i < LK_HEAD_TRUST_CONFIRMATIONS; i++)
		lk_head_trust_learn(&t, raw, 404, 404);
	if (strstr(raw, "://") && !lk_head_trust_believes(&t, raw, 404))
		__builtin_trap();
	if (lk_head_trust_believes(&t, raw, 405) || lk_head_trust_believes(&t, raw, 200))
		__builtin_trap();
	if (rel)
		lk_head_trust_learn(&t, rel, 404, 200);
	lk_head_trust_free(&t);

	char *esc = lk_warc_uri_escape(raw);
	for (const char *p = esc; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			__builtin_trap();
	free(esc);
	free(norm);
	free(raw);
	return 0;
}
