/*
 * fuzz_extract.c — libFuzzer target for the three extractors (extract.h).
 *
 * The same bytes go to the text, Markdown and HTML extractors (length-based:
 * NULs and invalid UTF-8 included); the first byte picks the base URL given
 * to the HTML extractor. Every URL reported goes into a link set, which
 * normalises it with lk_url_normalize. Asserts: no crash, no out-of-bounds
 * read, no leak, and every entry of the set is found again by its own URL.
 *
 * Built and run by `make fuzz` (seeds: the extractor test inputs in
 * tests/fixtures/extract/).
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
