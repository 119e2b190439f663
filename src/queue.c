/*
 * queue.c — the bounded FIFO of queue.h, a ring buffer under one mutex.
 */
#include "linkkeeper/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "linkkeeper/util.h"

void lk_queue_init(struct lk_queue *q, size_t cap)
{
	q->items = lk_xcalloc(cap, sizeof *q->items);
	q->cap = cap;
	q->head = q->len = 0;
	q->closed = 0;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
}

void lk_queue_destroy(struct lk_queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	free(q->items);
	q->items = NULL;
}

static void put_locked(struct lk_queue *q, void *item)
{
	q->items[(q->head + q->len) % q->cap] = item;
	q->len++;
	pthread_cond_signal(&q->not_empty);
}

int lk_queue_push(struct lk_queue *q, void *item)
{
	pthread_mutex_lock(&q->mu);
	while (q->len == q->cap && !q->closed)
		pthread_cond_wait(&q->not_full, &q->mu);
	int rc = -1;
	if (!q->closed) {
		put_locked(q, item);
		rc = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

int lk_queue_try_push(struct lk_queue *q, void *item)
{
	pthread_mutex_lock(&q->mu);
	int rc = -1;
	if (!q->closed && q->len < q->cap) {
		put_locked(q, item);
		rc = 0;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

void *lk_queue_pop(struct lk_queue *q, long timeout_ms)
{
	struct timespec deadline;
	if (timeout_ms >= 0)
		lk_realtime_in(timeout_ms, &deadline);
	pthread_mutex_lock(&q->mu);
	while (q->len == 0 && !q->closed) {
		if (timeout_ms < 0) {
			pthread_cond_wait(&q->not_empty, &q->mu);
		} else if (pthread_cond_timedwait(&q->not_empty, &q->mu, &deadline) == ETIMEDOUT) {
			break;
		}
	}
	void *item = NULL;
	if (q->len > 0) {
		item = q->items[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		/* Wake blocked producers once there is room for a burst, not after
		 * every pop: one context switch per item would double the cost of
		 * a busy hand-off. */
		if (q->len == q->cap / 2)
			pthread_cond_broadcast(&q->not_full);
	}
	pthread_mutex_unlock(&q->mu);
	return item;
}

void lk_queue_close(struct lk_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
}
