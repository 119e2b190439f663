/*
 * fuzz_extract.c — a libFuzzer target for the extractors and the URL
 * normaliser: whatever the bytes, the three extractors must return without
 * crashing, reading out of bounds or leaking, and every URL they report must
 * go through lk_url_normalize and the link set.
 *
 * The first byte picks the base URL given to the HTML extractor; the rest is
 * the document. Not built by default:
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -Iinclude \
 *       -fsanitize=fuzzer,address,undefined $(pkg-config --cflags libcurl gumbo libcmark) \
 *       tests/fuzz/fuzz_extract.c src/url.c src/linkset.c src/util.c src/result.c \
 *       src/extract/text.c src/extract/markdown.c src/extract/html.c src/extract/path.c \
 *       $(pkg-config --libs libcurl gumbo libcmark) -o build/fuzz_extract
 *   ./build/fuzz_extract -max_len=65536 tests/fixtures/extract/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "linkkeeper/extract.h"
#include "linkkeeper/linkset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bases[] = {NULL, "https://example.com/dir/page.html",
	                                    "http://[::1]:8080/", "https://bücher.example/"};
	struct lk_linkset set;
	if (size == 0)
		return 0;
	const char *base = bases[data[0] % 4];
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;
	lk_linkset_init(&set);
	lk_extract_text(doc, len, "fuzz.txt", lk_linkset_add_cb, &set);
	lk_extract_markdown(doc, len, "fuzz.md", lk_linkset_add_cb, &set);
	lk_extract_html(doc, len, "fuzz.html", base, lk_linkset_add_cb, &set);
	for (size_t i = 0; i < set.n; i++)
		if (lk_linkset_find(&set, set.links[i].url) != (long)i)
			__builtin_trap();
	lk_linkset_free(&set);
	return 0;
}
