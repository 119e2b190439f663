/*
 * fuzz_cdxj_surt.c — libFuzzer target for SURT keys (surt.h) and the CDXJ
 * line helpers (cdxj.h) on arbitrary strings.
 *
 * The input (a NUL-terminated copy; a NUL inside ends it early) is used as
 * a URL for lk_surt, as a WARC-Date for lk_cdxj_timestamp, as a labelled
 * digest for lk_cdxj_digest_value, and as every string of a CDXJ line,
 * which then goes through a line list and its sort. Asserts: SURT leaves
 * non-http input alone and appends to (never clobbers) a buffer, the
 * timestamp is at most 14 characters, a line ends in '\n'; no crash, no
 * leak.
 *
 * Built and run by `make fuzz` (seeds in tests/fuzz/corpus/cdxj_surt/).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/surt.h"
#include "linkkeeper/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = lk_xstrndup((const char *)data, size); /* stops at a NUL */
	char *key = lk_surt_dup(s);
	if (strncmp(s, "http:", 5) != 0 && strncmp(s, "https:", 6) != 0 && strcmp(key, s) != 0)
		__builtin_trap();

	struct lk_buf b = {0};
	lk_buf_puts(&b, "prefix ");
	lk_surt(s, &b);
	if (strncmp(b.data, "prefix ", 7) != 0 || strcmp(b.data + 7, key) != 0)
		__builtin_trap();
	lk_buf_free(&b);

	char ts[15];
	lk_cdxj_timestamp(s, ts);
	if (strlen(ts) > 14)
		__builtin_trap();
	char *digest = lk_cdxj_digest_value(s);

	struct lk_cdxj_entry e = {
		.urlkey = key,
		.timestamp = ts,
		.url = s,
		.mime = s,
		.status = s,
		.digest = digest,
		.length = (int64_t)size,
		.offset = -(int64_t)size,
		.filename = s,
		.method = size & 1 ? s : NULL,
		.request_body = size & 2 ? s : NULL,
	};
	struct lk_buf line = {0};
	lk_cdxj_line(&line, &e);
	if (line.len == 0 || line.data[line.len - 1] != '\n')
		__builtin_trap();

	struct lk_cdxj_lines lines = {0};
	lk_cdxj_lines_add(line.data, line.len, &lines);
	lk_cdxj_lines_add(key, strlen(key), &lines);
	lk_cdxj_lines_add(s, strlen(s), &lines);
	lk_cdxj_lines_sort(&lines);
	lk_cdxj_lines_free(&lines);

	lk_buf_free(&line);
	free(digest);
	free(key);
	free(s);
	return 0;
}
