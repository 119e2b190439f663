/*
 * scheduler.h — who may start now. Per-host FIFO queues, in-flight counts
 * against a global and a per-host cap, per-host backoff after 429/503, and
 * a timer heap for retries. Single-threaded: it lives in the network
 * thread and takes no locks.
 *
 * Hosts with queued work and room to start are kept in a round-robin ready
 * list, so one host with 50,000 URLs cannot starve the others; a host at
 * its cap leaves the list and comes back when one of its transfers ends.
 */
#ifndef LINKKEEPER_SCHEDULER_H
#define LINKKEEPER_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

struct lk_sched_host;

/* What the scheduler queues: embedded in the engine's job. */
struct lk_sched_item {
	struct lk_sched_item *next;
	struct lk_sched_host *host;
};

struct lk_sched_host {
	char *key;                    /* scheme://host:port */
	struct lk_sched_host *hnext;  /* hash chain */
	struct lk_sched_host *rnext;  /* ready list */
	struct lk_sched_item *head, *tail;
	int in_flight;
	int cap;                      /* current cap: lowered after 429, restored slowly */
	int successes;                /* since the cap was last lowered */
	int ready;                    /* on the ready list */
	int64_t backoff_until;        /* monotonic ms; 0 = none */
	long backoff_ms;              /* current backoff step after 429/503 */
	int wake_pending;             /* a wake-up entry is in the timer heap */
};

struct lk_sched_timer {
	int64_t due;
	struct lk_sched_item *item;   /* a retry to enqueue, or NULL */
	struct lk_sched_host *host;   /* a host to wake after backoff */
};

struct lk_sched {
	int global_cap, host_cap;
	int in_flight;
	size_t queued;                /* items in host queues */
	size_t delayed;               /* items waiting in the timer heap */
	struct lk_sched_host **buckets;
	size_t nbuckets, nhosts;
	struct lk_sched_host *ready_head, *ready_tail;
	struct lk_sched_timer *heap;
	size_t nheap, heap_cap;
};

void lk_sched_init(struct lk_sched *s, int global_cap, int host_cap);
void lk_sched_free(struct lk_sched *s);

/* The host entry for key, created on first use. */
struct lk_sched_host *lk_sched_host(struct lk_sched *s, const char *key);

/* Queues item on host (at the back, or at the front for work that was
 * already started once: GET after HEAD). */
void lk_sched_enqueue(struct lk_sched *s, struct lk_sched_host *h, struct lk_sched_item *it,
                      int front);
/* Queues item on its host at monotonic time due (a retry). */
void lk_sched_enqueue_at(struct lk_sched *s, struct lk_sched_host *h,
                         struct lk_sched_item *it, int64_t due);

/* Moves due timers into host queues. */
void lk_sched_fire_timers(struct lk_sched *s, int64_t now);

/* The next item allowed to start now, or NULL; counts it in flight. */
struct lk_sched_item *lk_sched_next_ready(struct lk_sched *s, int64_t now);

/* A transfer of host h ended. */
void lk_sched_done(struct lk_sched *s, struct lk_sched_host *h);

/* Slows h down: no start before now + delay_ms; halves its cap. */
void lk_sched_backoff(struct lk_sched *s, struct lk_sched_host *h, int64_t now, long delay_ms);
/* h answered well: restores its cap step by step. */
void lk_sched_success(struct lk_sched *s, struct lk_sched_host *h);

/* Milliseconds until the earliest timer (0 if due), or -1 when none. */
long lk_sched_next_timer_ms(const struct lk_sched *s, int64_t now);

/* 1 when nothing is queued, waiting on a retry timer or in flight. */
int lk_sched_idle(const struct lk_sched *s);

#endif
