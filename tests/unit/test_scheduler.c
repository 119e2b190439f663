/*
 * test_scheduler.c — admission control: caps, fairness, backoff, timers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "linkkeeper/scheduler.h"

static void test_global_cap_limits_starts(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item items[10];
	lk_sched_init(&s, 3, 10);
	struct lk_sched_host *h = lk_sched_host(&s, "http://a:80");
	for (int i = 0; i < 10; i++)
		lk_sched_enqueue(&s, h, &items[i], 0);
	int started = 0;
	while (lk_sched_next_ready(&s, 0))
		started++;
	assert_int_equal(started, 3);
	assert_int_equal(s.in_flight, 3);
	lk_sched_done(&s, h);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &items[3]);
	lk_sched_free(&s);
}

static void test_per_host_cap_limits_one_host(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item a[5], b[5];
	lk_sched_init(&s, 100, 2);
	struct lk_sched_host *ha = lk_sched_host(&s, "http://a:80");
	struct lk_sched_host *hb = lk_sched_host(&s, "http://b:80");
	for (int i = 0; i < 5; i++) {
		lk_sched_enqueue(&s, ha, &a[i], 0);
		lk_sched_enqueue(&s, hb, &b[i], 0);
	}
	int started = 0;
	while (lk_sched_next_ready(&s, 0))
		started++;
	assert_int_equal(started, 4);
	assert_int_equal(ha->in_flight, 2);
	assert_int_equal(hb->in_flight, 2);
	lk_sched_free(&s);
}

static void test_hosts_take_turns(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item a[4], b[4];
	lk_sched_init(&s, 100, 100);
	struct lk_sched_host *ha = lk_sched_host(&s, "http://a:80");
	struct lk_sched_host *hb = lk_sched_host(&s, "http://b:80");
	for (int i = 0; i < 4; i++)
		lk_sched_enqueue(&s, ha, &a[i], 0);
	for (int i = 0; i < 4; i++)
		lk_sched_enqueue(&s, hb, &b[i], 0);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &a[0]);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &b[0]);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &a[1]);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &b[1]);
	lk_sched_free(&s);
}

static void test_retry_waits_for_its_timer(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item it;
	lk_sched_init(&s, 10, 10);
	struct lk_sched_host *h = lk_sched_host(&s, "http://a:80");
	lk_sched_enqueue_at(&s, h, &it, 1000);
	assert_false(lk_sched_idle(&s));
	assert_int_equal(lk_sched_next_timer_ms(&s, 400), 600);
	lk_sched_fire_timers(&s, 999);
	assert_null(lk_sched_next_ready(&s, 999));
	lk_sched_fire_timers(&s, 1000);
	assert_ptr_equal(lk_sched_next_ready(&s, 1000), &it);
	lk_sched_done(&s, h);
	assert_true(lk_sched_idle(&s));
	lk_sched_free(&s);
}

static void test_backoff_holds_host_and_halves_cap(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item it[3];
	lk_sched_init(&s, 10, 6);
	struct lk_sched_host *h = lk_sched_host(&s, "http://a:80");
	lk_sched_backoff(&s, h, 0, 2000);
	assert_int_equal(h->cap, 3);
	assert_int_equal(h->backoff_until, 2000);
	for (int i = 0; i < 3; i++)
		lk_sched_enqueue(&s, h, &it[i], 0);
	assert_null(lk_sched_next_ready(&s, 1000));
	/* the host's wake-up is now a timer */
	assert_int_equal(lk_sched_next_timer_ms(&s, 1000), 1000);
	lk_sched_fire_timers(&s, 2000);
	assert_ptr_equal(lk_sched_next_ready(&s, 2000), &it[0]);
	for (int i = 0; i < 20; i++)
		lk_sched_success(&s, h);
	assert_int_equal(h->cap, 4);
	lk_sched_free(&s);
}

static void test_front_enqueue_goes_first(void **state)
{
	(void)state;
	struct lk_sched s;
	struct lk_sched_item a, b;
	lk_sched_init(&s, 10, 10);
	struct lk_sched_host *h = lk_sched_host(&s, "http://a:80");
	lk_sched_enqueue(&s, h, &a, 0);
	lk_sched_enqueue(&s, h, &b, 1);
	assert_ptr_equal(lk_sched_next_ready(&s, 0), &b);
	lk_sched_free(&s);
}

static void test_many_hosts_rehash(void **state)
{
	(void)state;
	struct lk_sched s;
	lk_sched_init(&s, 10, 10);
	char key[64];
	struct lk_sched_host *first = lk_sched_host(&s, "http://h0:80");
	for (int i = 1; i < 5000; i++) {
		snprintf(key, sizeof key, "http://h%d:80", i);
		lk_sched_host(&s, key);
	}
	assert_int_equal(s.nhosts, 5000);
	assert_ptr_equal(lk_sched_host(&s, "http://h0:80"), first);
	lk_sched_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_cap_limits_starts),
		cmocka_unit_test(test_per_host_cap_limits_one_host),
		cmocka_unit_test(test_hosts_take_turns),
		cmocka_unit_test(test_retry_waits_for_its_timer),
		cmocka_unit_test(test_backoff_holds_host_and_halves_cap),
		cmocka_unit_test(test_front_enqueue_goes_first),
		cmocka_unit_test(test_many_hosts_rehash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
