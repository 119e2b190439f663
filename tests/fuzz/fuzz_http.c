/*
 * fuzz_http.c — libFuzzer target for the HTTP message decoder (httpdecode.h):
 * what restore, title and link extraction read out of archived responses.
 *
 * The first byte picks the output limit (1 byte .. 1 MiB, so the truncation
 * paths run too) and a content coding; the rest is fed, length-based, to
 * lk_http_decode_response (head + chunked + codings), lk_http_parse_head and
 * its lookups, lk_http_dechunk and lk_http_inflate. Asserts: no output
 * exceeds the limit, the head never claims more bytes than it was given and
 * keeps at most LK_HTTP_MAX_HEADERS fields, decoded bodies are
 * NUL-terminated; no crash, no leak.
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/corpus/http/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const codings[] = {"gzip", "x-gzip", "deflate", "identity", "br"};
	char err[256];
	if (size == 0)
		return 0;
	size_t max = (size_t)1 << (data[0] % 21);
	const char *coding = codings[(data[0] >> 5) % 5];
	const uint8_t *in = data + 1;
	size_t len = size - 1;

	struct lk_http_response resp;
	if (lk_http_decode_response(in, len, max, &resp, err, sizeof err) == 0) {
		if (resp.head.head_len > len || resp.body.len > max ||
		    resp.body.data[resp.body.len] != '\0')
			__builtin_trap();
	}
	lk_http_response_free(&resp);

	struct lk_http_head h;
	if (lk_http_parse_head(in, len, &h) == 0) {
		if (h.head_len > len || h.n_headers > LK_HTTP_MAX_HEADERS || !h.start_line)
			__builtin_trap();
		(void)lk_http_head_get(&h, "Content-Encoding");
		free(lk_http_head_get_all(&h, "Transfer-Encoding"));
		free(lk_cdxj_http_mime(&h));
	}
	lk_http_head_free(&h);

	struct lk_buf out = {0};
	lk_http_dechunk(in, len, max, &out);
	if (out.len > max)
		__builtin_trap();
	lk_buf_free(&out);

	lk_http_inflate(coding, in, len, max, &out);
	if (out.len > max || (out.data && out.data[out.len] != '\0'))
		__builtin_trap();
	lk_buf_free(&out);
	return 0;
}
