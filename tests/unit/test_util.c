/*
 * test_util.c — durations, times, JSON escaping, redaction, the queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "linkkeeper/engine.h"
#include "linkkeeper/queue.h"
#include "linkkeeper/util.h"

static void test_durations_parse_with_units(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(lk_parse_duration("30m", &ms), 0);
	assert_int_equal(ms, 30 * 60 * 1000);
	assert_int_equal(lk_parse_duration("12h", &ms), 0);
	assert_int_equal(ms, 12LL * 3600 * 1000);
	assert_int_equal(lk_parse_duration("7d", &ms), 0);
	assert_int_equal(ms, 7LL * 86400 * 1000);
	assert_int_equal(lk_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(lk_parse_duration("20", &ms), 0);
	assert_int_equal(ms, 20000);
	assert_int_equal(lk_parse_duration("7x", &ms), -1);
	assert_int_equal(lk_parse_duration("-1s", &ms), -1);
	assert_int_equal(lk_parse_duration("", &ms), -1);
	assert_int_equal(lk_parse_duration("99999999999999999999d", &ms), -1);
}

static void test_time_round_trips_rfc3339(void **state)
{
	(void)state;
	char out[32];
	int64_t ms;
	lk_format_time(1764102922123LL, 1, out);
	assert_string_equal(out, "2025-11-25T20:35:22.123Z");
	lk_format_time(1764102922123LL, 0, out);
	assert_string_equal(out, "2025-11-25T20:35:22Z");
	assert_int_equal(lk_parse_time("2025-11-25T20:35:22.123Z", &ms), 0);
	assert_int_equal(ms, 1764102922123LL);
	assert_int_equal(lk_parse_time("2025-11-25", &ms), 0);
	assert_int_equal(ms, 1764028800000LL);
	assert_int_equal(lk_parse_time("20251125203522", &ms), 0);
	assert_int_equal(ms, 1764102922000LL);
	assert_int_equal(lk_parse_time("yesterday", &ms), -1);
}

static void test_json_escapes_controls_and_bad_utf8(void **state)
{
	(void)state;
	struct lk_buf b = {0};
	lk_buf_json_string(&b, "a\"b\\c\n\x01 é \xff/");
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001 é \xEF\xBF\xBD/\"");
	lk_buf_reset(&b);
	lk_buf_json_string(&b, NULL);
	assert_string_equal(b.data, "null");
	lk_buf_free(&b);
}

static void test_redact_url_hides_password_and_tokens(void **state)
{
	(void)state;
	char *r = lk_redact_url("https://user:s3cret@example.com/p?a=1&token=abc&api_key=k#x");
	assert_string_equal(r, "https://user:REDACTED@example.com/p?a=1&token=REDACTED&api_key=REDACTED#x");
	free(r);
	r = lk_redact_url("https://example.com/plain?page=2");
	assert_string_equal(r, "https://example.com/plain?page=2");
	free(r);
}

static void test_redact_header_hides_credentials(void **state)
{
	(void)state;
	char *r = lk_redact_header("Authorization: Bearer xyz");
	assert_string_equal(r, "Authorization: REDACTED");
	free(r);
	r = lk_redact_header("X-Test: 1");
	assert_string_equal(r, "X-Test: 1");
	free(r);
}

static void test_accept_ranges(void **state)
{
	(void)state;
	struct lk_accept a;
	assert_int_equal(lk_accept_parse("200-299,403", &a), 0);
	assert_true(lk_accept_match(&a, 204));
	assert_true(lk_accept_match(&a, 403));
	assert_false(lk_accept_match(&a, 404));
	assert_int_equal(lk_accept_parse("200-", &a), -1);
	assert_int_equal(lk_accept_parse("abc", &a), -1);
	assert_int_equal(lk_accept_parse("300-200", &a), -1);
}

static void test_queue_is_fifo_and_drains_after_close(void **state)
{
	(void)state;
	struct lk_queue q;
	int a = 1, b = 2;
	lk_queue_init(&q, 2);
	assert_int_equal(lk_queue_push(&q, &a), 0);
	assert_int_equal(lk_queue_push(&q, &b), 0);
	assert_int_equal(lk_queue_try_push(&q, &a), -1);
	lk_queue_close(&q);
	assert_int_equal(lk_queue_push(&q, &a), -1);
	assert_ptr_equal(lk_queue_pop(&q, -1), &a);
	assert_ptr_equal(lk_queue_pop(&q, -1), &b);
	assert_null(lk_queue_pop(&q, -1));
	lk_queue_destroy(&q);
}

static void test_queue_pop_times_out(void **state)
{
	(void)state;
	struct lk_queue q;
	lk_queue_init(&q, 4);
	int64_t t0 = lk_mono_ms();
	assert_null(lk_queue_pop(&q, 50));
	assert_true(lk_mono_ms() - t0 >= 40);
	lk_queue_destroy(&q);
}

static void test_buf_splice_replaces_a_span_in_place(void **state)
{
	(void)state;
	struct lk_buf b = {0};
	lk_buf_splice(&b, 0, 0, "head", 4); /* into an empty buffer */
	lk_buf_puts(&b, "|body");
	assert_string_equal(b.data, "head|body");
	lk_buf_splice(&b, 0, 4, "HEAD", 4); /* same length */
	assert_string_equal(b.data, "HEAD|body");
	lk_buf_splice(&b, 0, 4, "longer head", 11); /* grows */
	assert_string_equal(b.data, "longer head|body");
	lk_buf_splice(&b, 0, 11, "h", 1); /* shrinks */
	assert_string_equal(b.data, "h|body");
	assert_int_equal(b.len, 6);
	lk_buf_splice(&b, 1, 5, NULL, 0); /* cuts the tail */
	assert_string_equal(b.data, "h");
	lk_buf_free(&b);
}

static void test_fnv1a_matches_the_published_vectors(void **state)
{
	(void)state;
	assert_true(lk_hash_str("") == 0xcbf29ce484222325ULL);
	assert_true(lk_hash_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(lk_hash_str("foobar") == 0x85944171f73967e8ULL);
	/* continuing a hash equals hashing the whole */
	assert_true(lk_fnv1a(lk_fnv1a(LK_FNV1A_OFFSET, "foo", 3), "bar", 3) == lk_hash_str("foobar"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_parse_with_units),
		cmocka_unit_test(test_time_round_trips_rfc3339),
		cmocka_unit_test(test_json_escapes_controls_and_bad_utf8),
		cmocka_unit_test(test_redact_url_hides_password_and_tokens),
		cmocka_unit_test(test_redact_header_hides_credentials),
		cmocka_unit_test(test_accept_ranges),
		cmocka_unit_test(test_queue_is_fifo_and_drains_after_close),
		cmocka_unit_test(test_queue_pop_times_out),
		cmocka_unit_test(test_fnv1a_matches_the_published_vectors),
		cmocka_unit_test(test_buf_splice_replaces_a_span_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
