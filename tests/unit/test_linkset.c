/*
 * test_linkset.c — the link set (src/linkset.c): one entry per normalised
 * URL in insertion order, every occurrence kept, invalid URLs as entries of
 * their own, and the hash table at 100,000+ links.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkkeeper/linkset.h"
#include "linkkeeper/util.h"

static void test_linkset_dedups_fragment_variants(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	size_t a = lk_linkset_add(&s, "https://example.com/page#intro", "a.md", 1, "Intro");
	size_t b = lk_linkset_add(&s, "https://example.com/page#usage", "a.md", 5, "Usage");
	size_t c = lk_linkset_add(&s, "https://example.com/page", "b.md", 2, "Page");
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	assert_int_equal(c, 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.links[0].url, "https://example.com/page");
	assert_int_equal(s.links[0].nsrc, 3);
	assert_int_equal(s.total_occurrences, 3);
	lk_linkset_free(&s);
}

static void test_linkset_dedups_case_and_default_port(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	lk_linkset_add(&s, "HTTPS://Example.COM:443/a", "f", 1, "");
	lk_linkset_add(&s, "https://example.com/a", "f", 2, "");
	lk_linkset_add(&s, "https://example.com/A", "f", 3, "");
	assert_int_equal(s.n, 2);
	assert_string_equal(s.links[0].url, "https://example.com/a");
	assert_int_equal(s.links[0].nsrc, 2);
	assert_string_equal(s.links[1].url, "https://example.com/A");
	lk_linkset_free(&s);
}

static void test_linkset_keeps_insertion_order(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	lk_linkset_add(&s, "https://c.example/", "f", 1, "");
	lk_linkset_add(&s, "https://a.example/", "f", 2, "");
	lk_linkset_add(&s, "https://c.example/", "f", 3, "");
	lk_linkset_add(&s, "https://b.example/", "f", 4, "");
	assert_int_equal(s.n, 3);
	assert_string_equal(s.links[0].url, "https://c.example/");
	assert_string_equal(s.links[1].url, "https://a.example/");
	assert_string_equal(s.links[2].url, "https://b.example/");
	lk_linkset_free(&s);
}

static void test_linkset_records_every_occurrence_in_order(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	lk_linkset_add(&s, "https://example.com/", "one.md", 3, "First");
	lk_linkset_add(&s, "https://example.com/#x", "two.html", 7, "Second");
	lk_linkset_add(&s, "https://example.com", "one.md", 9, NULL);
	const struct lk_link *l = &s.links[0];
	assert_int_equal(l->nsrc, 3);
	assert_string_equal(l->src[0].file, "one.md");
	assert_int_equal(l->src[0].line, 3);
	assert_string_equal(l->src[0].title, "First");
	assert_string_equal(l->src[1].file, "two.html");
	assert_int_equal(l->src[1].line, 7);
	assert_string_equal(l->src[1].title, "Second");
	assert_int_equal(l->src[2].line, 9);
	assert_string_equal(l->src[2].title, "");
	assert_int_equal(l->invalid, 0);
	assert_null(lk_result_error(&l->res));
	lk_linkset_free(&s);
}

static void test_linkset_interns_file_names(void **state)
{
	(void)state;
	struct lk_linkset s;
	char name[16];
	lk_linkset_init(&s);
	strcpy(name, "doc.md");
	lk_linkset_add(&s, "https://a.example/", name, 1, "");
	strcpy(name, "other.md");
	lk_linkset_add(&s, "https://b.example/", name, 1, "");
	strcpy(name, "doc.md");
	lk_linkset_add(&s, "https://c.example/", name, 1, "");
	assert_int_equal(s.nfiles, 2);
	assert_ptr_equal(s.links[0].src[0].file, s.links[2].src[0].file);
	assert_ptr_not_equal(s.links[0].src[0].file, name);
	assert_string_equal(s.links[1].src[0].file, "other.md");
	lk_linkset_free(&s);
}

static void test_linkset_invalid_url_gets_own_entry(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	lk_linkset_add(&s, "https://ok.example/", "f", 1, "");
	size_t i = lk_linkset_add(&s, "https://exa mple.com/", "f", 2, "Bad");
	size_t j = lk_linkset_add(&s, "https://exa mple.com/", "f", 4, "Bad again");
	size_t k = lk_linkset_add(&s, "ftp://files.example/x", "f", 5, "");
	assert_int_equal(i, 1);
	assert_int_equal(j, 1);
	assert_int_equal(k, 2);
	assert_int_equal(s.n, 3);
	const struct lk_link *l = &s.links[1];
	assert_string_equal(l->url, "https://exa mple.com/");
	assert_int_equal(l->invalid, 1);
	assert_int_equal(l->res.status, LK_STATUS_BROKEN);
	assert_int_equal(l->res.reason, LK_REASON_INVALID_URL);
	assert_string_equal(lk_result_error(&l->res), "bad host name");
	assert_int_equal(l->nsrc, 2);
	assert_string_equal(lk_result_error(&s.links[2].res), "unsupported scheme ftp");
	lk_linkset_free(&s);
}

static void test_linkset_find_returns_index_or_minus_one(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	assert_int_equal(lk_linkset_find(&s, "https://a.example/"), -1);
	lk_linkset_add(&s, "https://a.example", "f", 1, "");
	lk_linkset_add(&s, "https://b.example/x#y", "f", 1, "");
	lk_linkset_add(&s, "not a url", "f", 1, "");
	assert_int_equal(lk_linkset_find(&s, "https://a.example/"), 0);
	assert_int_equal(lk_linkset_find(&s, "https://b.example/x"), 1);
	assert_int_equal(lk_linkset_find(&s, "not a url"), 2);
	assert_int_equal(lk_linkset_find(&s, "https://c.example/"), -1);
	lk_linkset_free(&s);
}

static void test_linkset_add_cb_adds_and_goes_on(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	assert_int_equal(lk_linkset_add_cb(&s, "https://a.example/", "f.txt", 4, "T"), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.links[0].src[0].title, "T");
	assert_int_equal(s.links[0].src[0].line, 4);
	lk_linkset_free(&s);
}

static void test_linkset_free_clears_results_and_resets(void **state)
{
	(void)state;
	struct lk_linkset s;
	lk_linkset_init(&s);
	lk_linkset_add(&s, "https://a.example/", "f", 1, "");
	lk_result_take_final_url(&s.links[0].res, lk_xstrdup("https://a.example/final"));
	lk_result_set_error(&s.links[0].res, "detail");
	lk_result_add_hop(&s.links[0].res, "https://a.example/", 301);
	lk_linkset_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.links);
	assert_null(s.slots);
	assert_int_equal(s.nfiles, 0);
}

static void test_linkset_keeps_many_sources_and_long_strings(void **state)
{
	(void)state;
	struct lk_linkset s;
	char title[16];
	lk_linkset_init(&s);
	/* Longer than a quarter of an arena chunk: gets a chunk of its own. */
	size_t len = 40000;
	char *big = lk_xmalloc(len + 1);
	memcpy(big, "https://example.com/", 20);
	memset(big + 20, 'a', len - 20);
	big[len] = '\0';
	for (unsigned i = 0; i < 9; i++) {
		snprintf(title, sizeof title, "t%u", i);
		lk_linkset_add(&s, "https://example.com/many", "m.md", i + 1, title);
		lk_linkset_add(&s, big, "m.md", i + 1, i % 2 ? "" : title);
	}
	assert_int_equal(s.n, 2);
	for (unsigned i = 0; i < 9; i++) {
		snprintf(title, sizeof title, "t%u", i);
		assert_int_equal(s.links[0].src[i].line, i + 1);
		assert_string_equal(s.links[0].src[i].title, title);
		assert_string_equal(s.links[1].src[i].title, i % 2 ? "" : title);
	}
	assert_int_equal(s.links[0].nsrc, 9);
	assert_string_equal(s.links[1].url, big);
	assert_int_equal(lk_linkset_find(&s, big), 1);
	free(big);
	lk_linkset_free(&s);
}

static void test_hundred_thousand_urls(void **state)
{
	(void)state;
	struct lk_linkset s;
	char url[64], want[64];
	lk_linkset_init(&s);
	/* Every URL twice, the second time with a fragment and upper case. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < 100000; i++) {
			snprintf(url, sizeof url, pass ? "HTTPS://EXAMPLE.com/p/%u#f" : "https://example.com/p/%u", i);
			assert_int_equal(lk_linkset_add(&s, url, "big.txt", i + 1, ""), i);
		}
	}
	assert_int_equal(s.n, 100000);
	assert_int_equal(s.total_occurrences, 200000);
	assert_true(s.nslots >= 2 * s.n);
	for (unsigned i = 0; i < 100000; i += 997) {
		snprintf(want, sizeof want, "https://example.com/p/%u", i);
		assert_string_equal(s.links[i].url, want);
		assert_int_equal(s.links[i].nsrc, 2);
		assert_int_equal(lk_linkset_find(&s, want), (long)i);
	}
	lk_linkset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linkset_dedups_fragment_variants),
		cmocka_unit_test(test_linkset_dedups_case_and_default_port),
		cmocka_unit_test(test_linkset_keeps_insertion_order),
		cmocka_unit_test(test_linkset_records_every_occurrence_in_order),
		cmocka_unit_test(test_linkset_interns_file_names),
		cmocka_unit_test(test_linkset_invalid_url_gets_own_entry),
		cmocka_unit_test(test_linkset_find_returns_index_or_minus_one),
		cmocka_unit_test(test_linkset_add_cb_adds_and_goes_on),
		cmocka_unit_test(test_linkset_free_clears_results_and_resets),
		cmocka_unit_test(test_linkset_keeps_many_sources_and_long_strings),
		cmocka_unit_test(test_hundred_thousand_urls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
