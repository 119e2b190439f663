/*
 * linkset.c — the unique links of a run and every place each one occurs.
 *
 * Extractors report occurrences; this file turns them into one entry per
 * link. Each URL is normalised (lk_url_normalize: case of scheme and host,
 * default port, fragment), so "https://Example.com/a#x" and
 * "https://example.com:443/a" are one entry with two sources. A URL that
 * does not parse still gets an entry, keyed by its raw text and marked
 * invalid, with its result preset to broken/invalid_url: the user must see
 * it, and nothing is to be requested for it.
 *
 * How: entries live in one array in insertion order (reports follow the
 * documents). An open-addressing hash table with linear probing maps a URL
 * to its index; it holds index + 1 so that 0 means an empty slot, and
 * doubles when half full, which keeps probes short at 100,000+ links.
 *
 * File names are interned: every source points to one copy. Occurrences
 * arrive file by file, so the search starts with the most recent name.
 *
 * Memory: a URL list of a million lines makes a million entries, so each
 * costs as little as it can. URLs, titles and each entry's first source
 * are cut from an arena (no malloc header or rounding per string, one
 * free for all); only a link that occurs twice gets a malloc'd source
 * array. The result keeps its rare fields behind a pointer (result.h).
 */
#include "linkkeeper/linkset.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#define SLOTS_MIN 64
/* Big enough that chunk headers do not matter, small enough that a run
 * with ten links does not notice. */
#define ARENA_CHUNK (64 * 1024)

/* URL lists have no titles: their occurrences share this empty one
 * instead of a million one-byte allocations. Never freed, never written. */
static char no_title[1];

/* Capacity doubles at each power of two: the caller keeps no cap. */
static void arena_keep(struct lk_arena *a, char *chunk)
{
	if ((a->nchunks & (a->nchunks - 1)) == 0) {
		size_t cap = a->nchunks ? a->nchunks * 2 : 1;
		a->chunks = lk_xrealloc(a->chunks, cap * sizeof *a->chunks);
	}
	a->chunks[a->nchunks++] = chunk;
}

/* size bytes aligned to align (a power of two), valid until arena_free. */
static void *arena_alloc(struct lk_arena *a, size_t size, size_t align)
{
	/* A large request gets a chunk of its own, so the current one is not
	 * abandoned half empty. */
	if (size > ARENA_CHUNK / 4) {
		char *p = lk_xmalloc(size);
		arena_keep(a, p);
		return p;
	}
	size_t pad = (size_t)(-(uintptr_t)a->next & (align - 1));
	if (!a->next || pad + size > a->left) {
		a->next = lk_xmalloc(ARENA_CHUNK);
		a->left = ARENA_CHUNK;
		arena_keep(a, a->next);
		pad = 0; /* malloc's alignment covers every type */
	}
	char *p = a->next + pad;
	a->next = p + size;
	a->left -= pad + size;
	return p;
}

static char *arena_strdup(struct lk_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(arena_alloc(a, n, 1), s, n);
}

static void arena_free(struct lk_arena *a)
{
	for (size_t i = 0; i < a->nchunks; i++)
		free(a->chunks[i]);
	free(a->chunks);
	memset(a, 0, sizeof *a);
}

void lk_linkset_init(struct lk_linkset *s)
{
	memset(s, 0, sizeof *s);
}

static void free_links(struct lk_linkset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct lk_link *l = &s->links[i];
		if (l->nsrc > 1) /* the first source alone lives in the arena */
			free(l->src);
		lk_result_clear(&l->res);
	}
}

void lk_linkset_free(struct lk_linkset *s)
{
	free_links(s);
	free(s->links);
	free(s->slots);
	free(s->seen);
	free(s->earlier_url);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	arena_free(&s->arena);
	lk_linkset_init(s);
}

/* The slot that holds url (invalid or not), or the empty slot where it
 * belongs. The table is never full, so the probe ends. */
static size_t find_slot(const struct lk_linkset *s, const char *url, uint64_t hash, int invalid)
{
	size_t mask = s->nslots - 1;
	size_t i = (size_t)hash & mask;
	for (;;) {
		uint32_t v = s->slots[i];
		if (v == 0)
			return i;
		const struct lk_link *l = &s->links[v - 1];
		if (l->invalid == invalid && strcmp(l->url, url) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

static void grow_slots(struct lk_linkset *s)
{
	size_t nslots = s->nslots ? s->nslots * 2 : SLOTS_MIN;
	size_t mask = nslots - 1;
	uint32_t *slots = lk_xcalloc(nslots, sizeof *slots);
	for (size_t k = 0; k < s->n; k++) {
		size_t i = (size_t)lk_hash_str(s->links[k].url) & mask;
		while (slots[i] != 0)
			i = (i + 1) & mask;
		slots[i] = (uint32_t)(k + 1);
	}
	free(s->slots);
	s->slots = slots;
	s->nslots = nslots;
}

long lk_linkset_find(const struct lk_linkset *s, const char *url)
{
	if (s->nslots == 0 || !url)
		return -1;
	uint64_t hash = lk_hash_str(url);
	uint32_t v = s->slots[find_slot(s, url, hash, 0)];
	if (v == 0)
		v = s->slots[find_slot(s, url, hash, 1)];
	return v ? (long)v - 1 : -1;
}

/* Fingerprint of a link from the hash of its key: never 0, which marks an
 * empty slot. */
static uint64_t fingerprint(uint64_t hash, int invalid)
{
	uint64_t h = hash ^ (invalid ? 0x9E3779B97F4A7C15ULL : 0);
	return h ? h : 1;
}

static int seen_has(const struct lk_linkset *s, uint64_t fp)
{
	if (s->seen_slots == 0)
		return 0;
	size_t mask = s->seen_slots - 1;
	for (size_t i = (size_t)fp & mask; s->seen[i]; i = (i + 1) & mask)
		if (s->seen[i] == fp)
			return 1;
	return 0;
}

static void seen_put(struct lk_linkset *s, uint64_t fp)
{
	if ((s->nseen + 1) * 2 > s->seen_slots) {
		size_t n = s->seen_slots ? s->seen_slots * 2 : 1024;
		uint64_t *t = lk_xcalloc(n, sizeof *t);
		for (size_t k = 0; k < s->seen_slots; k++) {
			if (!s->seen[k])
				continue;
			size_t i = (size_t)s->seen[k] & (n - 1);
			while (t[i])
				i = (i + 1) & (n - 1);
			t[i] = s->seen[k];
		}
		free(s->seen);
		s->seen = t;
		s->seen_slots = n;
	}
	size_t mask = s->seen_slots - 1;
	size_t i = (size_t)fp & mask;
	while (s->seen[i]) {
		if (s->seen[i] == fp)
			return;
		i = (i + 1) & mask;
	}
	s->seen[i] = fp;
	s->nseen++;
}

void lk_linkset_next_chunk(struct lk_linkset *s)
{
	for (size_t i = 0; i < s->n; i++)
		seen_put(s, fingerprint(lk_hash_str(s->links[i].url), s->links[i].invalid));
	free_links(s);
	s->n = 0;
	if (s->slots)
		memset(s->slots, 0, s->nslots * sizeof *s->slots);
	arena_free(&s->arena);
}

/* The set's copy of file, made on first sight. */
static const char *intern_file(struct lk_linkset *s, const char *file)
{
	if (!file)
		file = "";
	for (size_t i = s->nfiles; i > 0; i--)
		if (strcmp(s->files[i - 1], file) == 0)
			return s->files[i - 1];
	/* Capacity doubles at each power of two: the struct keeps no cap. */
	if ((s->nfiles & (s->nfiles - 1)) == 0) {
		size_t cap = s->nfiles ? s->nfiles * 2 : 1;
		s->files = lk_xrealloc(s->files, cap * sizeof *s->files);
	}
	s->files[s->nfiles] = lk_xstrdup(file);
	return s->files[s->nfiles++];
}

/* Appends a new entry for key (copied) and returns its index. error:
 * why key is not a valid URL, or NULL. */
static size_t new_link(struct lk_linkset *s, const char *key, const char *error)
{
	if (s->n >= UINT32_MAX - 1) {
		fprintf(stderr, "linkkeeper: more than %u links\n", UINT32_MAX - 1);
		abort();
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->links = lk_xrealloc(s->links, s->cap * sizeof *s->links);
	}
	struct lk_link *l = &s->links[s->n];
	memset(l, 0, sizeof *l);
	l->url = arena_strdup(&s->arena, key);
	if (error) {
		l->invalid = 1;
		l->res.status = LK_STATUS_BROKEN;
		l->res.reason = LK_REASON_INVALID_URL;
		lk_result_set_error(&l->res, error);
	}
	return s->n++;
}

static void add_source(struct lk_linkset *s, struct lk_link *l, const char *file, unsigned line,
                       const char *title)
{
	/* Most links occur once: the first source is cut from the arena; a
	 * second one moves them to a malloc'd array, which then doubles
	 * whenever nsrc reaches a power of two. */
	if (l->nsrc == 0) {
		l->src = arena_alloc(&s->arena, sizeof *l->src, alignof(struct lk_source));
	} else if (l->nsrc == 1) {
		struct lk_source *a = lk_xmalloc(2 * sizeof *a);
		a[0] = l->src[0];
		l->src = a;
	} else if ((l->nsrc & (l->nsrc - 1)) == 0) {
		l->src = lk_xrealloc(l->src, 2 * (size_t)l->nsrc * sizeof *l->src);
	}
	l->src[l->nsrc].file = file;
	l->src[l->nsrc].line = line;
	l->src[l->nsrc].title = title && *title ? arena_strdup(&s->arena, title) : no_title;
	l->nsrc++;
}

size_t lk_linkset_add(struct lk_linkset *s, const char *raw_url, const char *file,
                      unsigned line, const char *title)
{
	char err[256] = "";
	char *norm = NULL;
	const char *key;
	const char *error = NULL;
	size_t idx;
	if (!raw_url)
		raw_url = "";
	free(s->earlier_url);
	s->earlier_url = NULL;
	if (lk_url_normalize(raw_url, &norm, err, sizeof err) < 0) {
		key = raw_url;
		error = err[0] ? err : "invalid URL";
	} else {
		key = norm;
	}
	if ((s->n + 1) * 2 > s->nslots)
		grow_slots(s);
	uint64_t hash = lk_hash_str(key);
	size_t slot = find_slot(s, key, hash, error != NULL);
	if (s->slots[slot] != 0) {
		idx = s->slots[slot] - 1;
	} else if (s->nseen && seen_has(s, fingerprint(hash, error != NULL))) {
		s->earlier_url = norm; /* NULL for an invalid URL */
		s->total_occurrences++;
		return LK_LINKSET_EARLIER;
	} else {
		idx = new_link(s, key, error);
		s->slots[slot] = (uint32_t)(idx + 1);
		s->unique++;
	}
	free(norm);
	struct lk_link *l = &s->links[idx];
	if (l->nsrc == UINT32_MAX) {
		fprintf(stderr, "linkkeeper: more than %u occurrences of one link\n", UINT32_MAX);
		abort();
	}
	add_source(s, l, intern_file(s, file), line, title);
	s->total_occurrences++;
	return idx;
}

int lk_linkset_add_cb(void *ctx, const char *url, const char *file, unsigned line,
                      const char *title)
{
	lk_linkset_add(ctx, url, file, line, title);
	return 0;
}
