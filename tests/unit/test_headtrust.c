/*
 * test_headtrust.c — when a HEAD error may stand without a GET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "linkkeeper/headtrust.h"

#define K LK_HEAD_TRUST_CONFIRMATIONS

/* HEAD worked on the host, then GET confirmed status n times in dir_url's
 * directory. */
static void teach(struct lk_head_trust *t, const char *ok_url, const char *dir_url, int status,
                  int n)
{
	lk_head_trust_head_ok(t, ok_url);
	for (int i = 0; i < n; i++)
		lk_head_trust_learn(t, dir_url, status, status);
}

static void test_nothing_is_believed_at_first(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/x/1", 404), 0);
	lk_head_trust_free(&t);
}

static void test_enough_confirmations_make_head_stand_in_that_directory(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	teach(&t, "http://a/", "http://a/old/1", 404, K - 1);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/9", 404), 0);
	lk_head_trust_learn(&t, "http://a/old/2", 404, 404);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/9", 404), 1);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/deeper/9?q=1", 404), 1);
	/* another status, directory, or the root */
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/9", 500), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/new/9", 404), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old", 404), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/9?to=/old/", 404), 0);
	lk_head_trust_free(&t);
}

static void test_trust_belongs_to_one_scheme_host_and_port(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	teach(&t, "http://a/", "http://a/old/1", 410, K);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 410), 1);
	assert_int_equal(lk_head_trust_believes(&t, "https://a/old/2", 410), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://a:8080/old/2", 410), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://b/old/2", 410), 0);
	lk_head_trust_free(&t);
}

static void test_no_trust_before_any_head_succeeded(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	for (int i = 0; i < K + 5; i++)
		lk_head_trust_learn(&t, "http://a/old/1", 404, 404);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 0);
	lk_head_trust_head_ok(&t, "http://b/"); /* another host's success does not count */
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 0);
	lk_head_trust_head_ok(&t, "http://a/elsewhere");
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 1);
	lk_head_trust_free(&t);
}

static void test_one_contradiction_ends_trust_in_the_whole_host(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	teach(&t, "http://a/", "http://a/old/1", 404, K);
	teach(&t, "http://b/", "http://b/old/1", 404, K);
	lk_head_trust_learn(&t, "http://a/app/1", 404, 200);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 0);
	teach(&t, "http://a/", "http://a/old/1", 404, 10); /* later agreement does not restore it */
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 0);
	assert_int_equal(lk_head_trust_believes(&t, "http://b/old/2", 404), 1);
	lk_head_trust_free(&t);
}

static void test_rate_limits_neither_teach_nor_contradict(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	teach(&t, "http://a/", "http://a/old/1", 404, K);
	lk_head_trust_learn(&t, "http://a/old/2", 429, 200);
	lk_head_trust_learn(&t, "http://a/old/2", 404, 429);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/3", 404), 1);
	lk_head_trust_free(&t);
}

static void test_statuses_servers_give_only_to_head_or_robots_are_never_believed(void **state)
{
	(void)state;
	static const int never[] = {400, 401, 403, 405, 406, 429, 451, 501, 999};
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
		teach(&t, "http://a/", "http://a/old/1", never[i], K + 5);
		assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", never[i]), 0);
	}
	teach(&t, "http://a/", "http://a/old/1", 500, K);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 500), 1);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 200), 0);
	assert_int_equal(lk_head_trust_believes(&t, "not a url", 404), 0);
	lk_head_trust_free(&t);
}

static void test_table_is_bounded_and_a_contradiction_still_lands(void **state)
{
	(void)state;
	struct lk_head_trust t;
	lk_head_trust_init(&t);
	teach(&t, "http://a/", "http://a/old/1", 404, K);
	char url[64];
	for (int i = 0; i < LK_HEAD_TRUST_MAX + 100; i++) {
		snprintf(url, sizeof url, "http://h%d/", i);
		lk_head_trust_head_ok(&t, url);
	}
	assert_int_equal(t.n, LK_HEAD_TRUST_MAX);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 1);
	lk_head_trust_learn(&t, "http://a/x/1", 404, 200);
	assert_int_equal(lk_head_trust_believes(&t, "http://a/old/2", 404), 0);
	assert_int_equal(t.n, LK_HEAD_TRUST_MAX);
	lk_head_trust_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_is_believed_at_first),
		cmocka_unit_test(test_enough_confirmations_make_head_stand_in_that_directory),
		cmocka_unit_test(test_trust_belongs_to_one_scheme_host_and_port),
		cmocka_unit_test(test_no_trust_before_any_head_succeeded),
		cmocka_unit_test(test_one_contradiction_ends_trust_in_the_whole_host),
		cmocka_unit_test(test_rate_limits_neither_teach_nor_contradict),
		cmocka_unit_test(test_statuses_servers_give_only_to_head_or_robots_are_never_believed),
		cmocka_unit_test(test_table_is_bounded_and_a_contradiction_still_lands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
