/*
 * headtrust.c — per-host memory of whether HEAD errors are true
 * (headtrust.h).
 *
 * One open-addressing table holds two kinds of entries, both found by a
 * 64-bit FNV-1a hash of a prefix of the (normalised) URL:
 *   - the host's own entry, status 0: HEADs it accepted, and whether GET
 *     ever contradicted HEAD there;
 *   - one entry per (host, first directory, status): GETs that confirmed
 *     that status after HEAD.
 * A hash collision between two prefixes can only merge their evidence; the
 * table keeps 64 bits, so across the at most 65,536 entries of a run that
 * is a one in 10^10 chance, and a merged contradiction is still honoured.
 * When the table is full nothing new is recorded; a contradiction still
 * always lands, since a host without an entry is never believed at all.
 */
#include "linkkeeper/headtrust.h"

#include <stdlib.h>
#include <string.h>

#include "linkkeeper/util.h"

void lk_head_trust_init(struct lk_head_trust *t)
{
	memset(t, 0, sizeof *t);
}

void lk_head_trust_free(struct lk_head_trust *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* Hashes of "scheme://authority" and of that plus the first directory of
 * the path ("" when the path has no directory: /page, /, /a.html). */
static int url_keys(const char *url, uint64_t *host, uint64_t *dir)
{
	const char *p = strstr(url, "://");
	if (!p)
		return -1;
	p += 3;
	size_t alen = strcspn(p, "/?#");
	const char *auth_end = p + alen;
	*host = lk_fnv1a(LK_FNV1A_OFFSET, url, (size_t)(auth_end - url));
	uint64_t d = lk_fnv1a(*host, "\xff", 1);
	if (*auth_end == '/') {
		const char *seg = auth_end + 1;
		size_t slen = strcspn(seg, "/?#");
		if (seg[slen] == '/')
			d = lk_fnv1a(d, seg, slen);
	}
	*dir = d;
	return 0;
}

static size_t slot_of(const struct lk_head_trust *t, uint64_t key, uint16_t status)
{
	uint64_t h = (key ^ ((uint64_t)status * 0x9e3779b97f4a7c15ULL)) * LK_FNV1A_PRIME;
	return (size_t)(h >> 17) & (t->cap - 1);
}

static struct lk_head_trust_entry *find(const struct lk_head_trust *t, uint64_t key,
                                        uint16_t status)
{
	if (!t->cap)
		return NULL;
	for (size_t i = slot_of(t, key, status);; i = (i + 1) & (t->cap - 1)) {
		struct lk_head_trust_entry *e = &t->slots[i];
		if (!e->used)
			return NULL;
		if (e->key == key && e->status == status)
			return e;
	}
}

static void grow(struct lk_head_trust *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64;
	struct lk_head_trust_entry *old = t->slots;
	size_t ocap = t->cap;
	t->slots = lk_xcalloc(ncap, sizeof *t->slots);
	t->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		size_t j = slot_of(t, old[i].key, old[i].status);
		while (t->slots[j].used)
			j = (j + 1) & (ncap - 1);
		t->slots[j] = old[i];
	}
	free(old);
}

/* The entry for (key, status), made if missing; NULL when the table is
 * full, which only means that nothing more is learnt. */
static struct lk_head_trust_entry *get(struct lk_head_trust *t, uint64_t key, uint16_t status)
{
	struct lk_head_trust_entry *e = find(t, key, status);
	if (e)
		return e;
	if (t->n >= LK_HEAD_TRUST_MAX)
		return NULL;
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	size_t i = slot_of(t, key, status);
	while (t->slots[i].used)
		i = (i + 1) & (t->cap - 1);
	e = &t->slots[i];
	e->key = key;
	e->status = status;
	e->used = 1;
	t->n++;
	return e;
}

/* The answers that mean the same to HEAD as to GET on a sound server: the
 * page is not there, or the server failed. Others (400, 401, 403, 405, 429,
 * 501, 999, ...) are what servers send to HEAD or to robots while GET by a
 * person works, so a GET is always worth it. */
static int believable(int status)
{
	return status == 404 || status == 410 || status == 500 || status == 502 ||
	       status == 503 || status == 504;
}

void lk_head_trust_head_ok(struct lk_head_trust *t, const char *url)
{
	uint64_t host, dir;
	if (url_keys(url, &host, &dir) < 0)
		return;
	struct lk_head_trust_entry *h = get(t, host, 0);
	if (h && h->count < UINT32_MAX)
		h->count++;
}

void lk_head_trust_learn(struct lk_head_trust *t, const char *url, int head_status,
                         int get_status)
{
	uint64_t host, dir;
	if (head_status <= 0 || head_status > 999 || get_status <= 0 ||
	    url_keys(url, &host, &dir) < 0)
		return;
	if (head_status == 429 || get_status == 429)
		return; /* about the rate, not the method */
	if (head_status != get_status) {
		struct lk_head_trust_entry *h = get(t, host, 0);
		if (h)
			h->contradicted = 1;
		return;
	}
	struct lk_head_trust_entry *d = get(t, dir, (uint16_t)head_status);
	if (d && d->count < UINT32_MAX)
		d->count++;
}

int lk_head_trust_believes(const struct lk_head_trust *t, const char *url, int status)
{
	uint64_t host, dir;
	if (!believable(status) || url_keys(url, &host, &dir) < 0)
		return 0;
	const struct lk_head_trust_entry *h = find(t, host, 0);
	if (!h || h->contradicted || h->count == 0)
		return 0;
	const struct lk_head_trust_entry *d = find(t, dir, (uint16_t)status);
	return d && d->count >= LK_HEAD_TRUST_CONFIRMATIONS;
}
