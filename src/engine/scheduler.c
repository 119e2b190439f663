/*
 * scheduler.c — admission control for the network thread (scheduler.h).
 *
 * Data structures:
 *   - a chained hash table of hosts keyed by "scheme://host:port";
 *   - a FIFO ready list of hosts that have queued items, room under their
 *     cap and no backoff: lk_sched_next_ready pops a host, takes one item
 *     and puts the host back at the tail, which gives round-robin fairness;
 *   - a binary min-heap of timers: retries due later, and wake-ups of hosts
 *     whose backoff ends.
 * A host that is at its cap or backing off is simply not on the ready list;
 * lk_sched_done and the wake-up timers put it back.
 */
#include "linkkeeper/scheduler.h"

#include <stdlib.h>
#include <string.h>

#include "linkkeeper/util.h"

#define BACKOFF_CAP_MS 60000L

void lk_sched_init(struct lk_sched *s, int global_cap, int host_cap)
{
	memset(s, 0, sizeof *s);
	s->global_cap = global_cap > 0 ? global_cap : 1;
	s->host_cap = host_cap > 0 ? host_cap : 1;
	s->nbuckets = 1024;
	s->buckets = lk_xcalloc(s->nbuckets, sizeof *s->buckets);
}

void lk_sched_free(struct lk_sched *s)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct lk_sched_host *h = s->buckets[i];
		while (h) {
			struct lk_sched_host *next = h->hnext;
			free(h->key);
			free(h);
			h = next;
		}
	}
	free(s->buckets);
	free(s->heap);
	memset(s, 0, sizeof *s);
}

static void rehash(struct lk_sched *s)
{
	size_t n = s->nbuckets * 2;
	struct lk_sched_host **b = lk_xcalloc(n, sizeof *b);
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct lk_sched_host *h = s->buckets[i];
		while (h) {
			struct lk_sched_host *next = h->hnext;
			size_t j = (size_t)(lk_hash_str(h->key) & (n - 1));
			h->hnext = b[j];
			b[j] = h;
			h = next;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

struct lk_sched_host *lk_sched_host(struct lk_sched *s, const char *key)
{
	size_t i = (size_t)(lk_hash_str(key) & (s->nbuckets - 1));
	for (struct lk_sched_host *h = s->buckets[i]; h; h = h->hnext)
		if (strcmp(h->key, key) == 0)
			return h;
	if (s->nhosts >= s->nbuckets) {
		rehash(s);
		i = (size_t)(lk_hash_str(key) & (s->nbuckets - 1));
	}
	struct lk_sched_host *h = lk_xcalloc(1, sizeof *h);
	h->key = lk_xstrdup(key);
	h->cap = s->host_cap;
	h->hnext = s->buckets[i];
	s->buckets[i] = h;
	s->nhosts++;
	return h;
}

static int host_can_start(const struct lk_sched_host *h, int64_t now)
{
	return h->head && h->in_flight < h->cap && h->backoff_until <= now;
}

static void make_ready(struct lk_sched *s, struct lk_sched_host *h)
{
	if (h->ready || !h->head || h->in_flight >= h->cap)
		return;
	h->ready = 1;
	h->rnext = NULL;
	if (s->ready_tail)
		s->ready_tail->rnext = h;
	else
		s->ready_head = h;
	s->ready_tail = h;
}

static void heap_push(struct lk_sched *s, struct lk_sched_timer t)
{
	if (s->nheap == s->heap_cap) {
		s->heap_cap = s->heap_cap ? s->heap_cap * 2 : 64;
		s->heap = lk_xrealloc(s->heap, s->heap_cap * sizeof *s->heap);
	}
	size_t i = s->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (s->heap[parent].due <= t.due)
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = t;
}

static struct lk_sched_timer heap_pop(struct lk_sched *s)
{
	struct lk_sched_timer top = s->heap[0];
	struct lk_sched_timer last = s->heap[--s->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && s->heap[c + 1].due < s->heap[c].due)
			c++;
		if (last.due <= s->heap[c].due)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

void lk_sched_enqueue(struct lk_sched *s, struct lk_sched_host *h, struct lk_sched_item *it,
                      int front)
{
	it->host = h;
	if (front) {
		it->next = h->head;
		h->head = it;
		if (!h->tail)
			h->tail = it;
	} else {
		it->next = NULL;
		if (h->tail)
			h->tail->next = it;
		else
			h->head = it;
		h->tail = it;
	}
	s->queued++;
	make_ready(s, h);
}

void lk_sched_enqueue_at(struct lk_sched *s, struct lk_sched_host *h,
                         struct lk_sched_item *it, int64_t due)
{
	it->host = h;
	s->delayed++;
	heap_push(s, (struct lk_sched_timer){.due = due, .item = it, .host = h});
}

void lk_sched_fire_timers(struct lk_sched *s, int64_t now)
{
	while (s->nheap > 0 && s->heap[0].due <= now) {
		struct lk_sched_timer t = heap_pop(s);
		if (t.item) {
			s->delayed--;
			lk_sched_enqueue(s, t.host, t.item, 1);
		} else {
			t.host->wake_pending = 0;
			make_ready(s, t.host);
		}
	}
}

struct lk_sched_item *lk_sched_next_ready(struct lk_sched *s, int64_t now)
{
	while (s->in_flight < s->global_cap && s->ready_head) {
		struct lk_sched_host *h = s->ready_head;
		s->ready_head = h->rnext;
		if (!s->ready_head)
			s->ready_tail = NULL;
		h->ready = 0;
		h->rnext = NULL;
		if (!host_can_start(h, now)) {
			/* Backing off: come back when the backoff ends. A host at its
			 * cap returns through lk_sched_done. */
			if (h->head && h->backoff_until > now && !h->wake_pending) {
				h->wake_pending = 1;
				heap_push(s, (struct lk_sched_timer){.due = h->backoff_until, .host = h});
			}
			continue;
		}
		struct lk_sched_item *it = h->head;
		h->head = it->next;
		if (!h->head)
			h->tail = NULL;
		it->next = NULL;
		s->queued--;
		h->in_flight++;
		s->in_flight++;
		make_ready(s, h);
		return it;
	}
	return NULL;
}

void lk_sched_done(struct lk_sched *s, struct lk_sched_host *h)
{
	h->in_flight--;
	s->in_flight--;
	make_ready(s, h);
}

void lk_sched_backoff(struct lk_sched *s, struct lk_sched_host *h, int64_t now, long delay_ms)
{
	(void)s;
	h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : 500;
	if (h->backoff_ms > BACKOFF_CAP_MS)
		h->backoff_ms = BACKOFF_CAP_MS;
	long d = delay_ms > h->backoff_ms ? delay_ms : h->backoff_ms;
	if (now + d > h->backoff_until)
		h->backoff_until = now + d;
	h->cap = h->cap / 2 > 0 ? h->cap / 2 : 1;
	h->successes = 0;
}

void lk_sched_success(struct lk_sched *s, struct lk_sched_host *h)
{
	h->backoff_ms = 0;
	if (h->cap < s->host_cap && ++h->successes >= 20) {
		h->cap++;
		h->successes = 0;
	}
}

long lk_sched_next_timer_ms(const struct lk_sched *s, int64_t now)
{
	if (s->nheap == 0)
		return -1;
	int64_t d = s->heap[0].due - now;
	return d > 0 ? (long)d : 0;
}

int lk_sched_idle(const struct lk_sched *s)
{
	return s->queued == 0 && s->delayed == 0 && s->in_flight == 0;
}
