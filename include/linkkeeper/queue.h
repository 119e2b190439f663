/*
 * queue.h — a bounded, blocking FIFO of pointers between threads (mutex +
 * two condition variables). Threads talk to each other only through these.
 */
#ifndef LINKKEEPER_QUEUE_H
#define LINKKEEPER_QUEUE_H

#include <pthread.h>
#include <stddef.h>

struct lk_queue {
	void **items;
	size_t cap, head, len;
	int closed;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
};

void lk_queue_init(struct lk_queue *q, size_t cap);
void lk_queue_destroy(struct lk_queue *q);
/* Blocks while full. Returns 0, or -1 if the queue is closed. */
int lk_queue_push(struct lk_queue *q, void *item);
/* Non-blocking push: 0, or -1 when full or closed. */
int lk_queue_try_push(struct lk_queue *q, void *item);
/* Blocks until an item is there or the queue is closed and empty (then NULL).
 * With timeout_ms >= 0, also returns NULL after that long. */
void *lk_queue_pop(struct lk_queue *q, long timeout_ms);
/* After close, pushes fail and pops drain what is left, then return NULL. */
void lk_queue_close(struct lk_queue *q);

#endif
