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
 */
#include "linkkeeper/linkset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#define SLOTS_MIN 64

/* FNV-1a, 64 bits. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* URL lists have no titles: their occurrences share this empty one
 * instead of a million one-byte allocations. Never freed, never written. */
static char no_title[1];

void lk_linkset_init(struct lk_linkset *s)
{
	memset(s, 0, sizeof *s);
}

void lk_linkset_free(struct lk_linkset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct lk_link *l = &s->links[i];
		for (size_t j = 0; j < l->nsrc; j++)
			if (l->src[j].title != no_title)
				free(l->src[j].title);
		free(l->src);
		free(l->url);
		free(l->error);
		lk_result_clear(&l->res);
	}
	free(s->links);
	free(s->slots);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	lk_linkset_init(s);
}

/* The slot that holds url (invalid or not), or the empty slot where it
 * belongs. The table is never full, so the probe ends. */
static size_t find_slot(const struct lk_linkset *s, const char *url, int invalid)
{
	size_t mask = s->nslots - 1;
	size_t i = (size_t)hash_str(url) & mask;
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
		size_t i = (size_t)hash_str(s->links[k].url) & mask;
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
	uint32_t v = s->slots[find_slot(s, url, 0)];
	if (v == 0)
		v = s->slots[find_slot(s, url, 1)];
	return v ? (long)v - 1 : -1;
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

/* Appends a new entry for key and returns its index. */
static size_t new_link(struct lk_linkset *s, char *key, char *error)
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
	l->url = key;
	if (error) {
		l->invalid = 1;
		l->error = error;
		l->res.status = LK_STATUS_BROKEN;
		l->res.reason = LK_REASON_INVALID_URL;
		l->res.error = lk_xstrdup(error);
	}
	return s->n++;
}

static void add_source(struct lk_link *l, const char *file, unsigned line, const char *title)
{
	/* Most links occur once: start with room for one occurrence. */
	if (l->nsrc == l->src_cap) {
		l->src_cap = l->src_cap ? l->src_cap * 2 : 1;
		l->src = lk_xrealloc(l->src, l->src_cap * sizeof *l->src);
	}
	l->src[l->nsrc].file = file;
	l->src[l->nsrc].line = line;
	l->src[l->nsrc].title = title && *title ? lk_xstrdup(title) : no_title;
	l->nsrc++;
}

size_t lk_linkset_add(struct lk_linkset *s, const char *raw_url, const char *file,
                      unsigned line, const char *title)
{
	char err[256] = "";
	char *norm = NULL;
	char *error = NULL;
	size_t idx;
	if (!raw_url)
		raw_url = "";
	if (lk_url_normalize(raw_url, &norm, err, sizeof err) < 0) {
		norm = lk_xstrdup(raw_url);
		error = lk_xstrdup(err[0] ? err : "invalid URL");
	}
	if ((s->n + 1) * 2 > s->nslots)
		grow_slots(s);
	size_t slot = find_slot(s, norm, error != NULL);
	if (s->slots[slot] != 0) {
		idx = s->slots[slot] - 1;
		free(norm);
		free(error);
	} else {
		idx = new_link(s, norm, error);
		s->slots[slot] = (uint32_t)(idx + 1);
	}
	add_source(&s->links[idx], intern_file(s, file), line, title);
	s->total_occurrences++;
	return idx;
}

int lk_linkset_add_cb(void *ctx, const char *url, const char *file, unsigned line,
                      const char *title)
{
	lk_linkset_add(ctx, url, file, line, title);
	return 0;
}
