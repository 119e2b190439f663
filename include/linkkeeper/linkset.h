/*
 * linkset.h — the unique links of a run and every place each one occurs.
 *
 * Extraction reports occurrences; the link set normalises each URL
 * (lk_url_normalize), keeps one entry per normalised URL (fragment removed)
 * and appends the occurrence to that entry. Entries keep insertion order, so
 * output follows the documents. An occurrence whose URL cannot be parsed
 * gets its own entry, marked invalid, keyed by the raw text.
 *
 * Not thread-safe: built by one thread before checking starts; during the
 * check each entry's result is written by exactly one thread.
 */
#ifndef LINKKEEPER_LINKSET_H
#define LINKKEEPER_LINKSET_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/result.h"

struct lk_source {
	const char *file;  /* interned in the set; borrowed */
	unsigned line;
	char *title;       /* in the set's arena, or a shared empty string: never write through it */
};

/* One per unique URL. A run holds one for every link of its inputs (a
 * million for a large URL list), so the entry is kept small: its strings
 * live in the set's arena, its result keeps rare fields apart (result.h). */
struct lk_link {
	char *url;               /* normalised (or raw when invalid); in the set's arena */
	struct lk_source *src;   /* occurrences, nsrc of them, in document order: the
	                          * first one in the arena, from the second on a
	                          * malloc'd array with room for the next power of two */
	uint32_t nsrc;
	uint8_t invalid;         /* 1: url did not parse; res.error holds why */
	struct lk_result res;    /* filled by the check (preset for invalid links) */
};

/* A bump allocator: many small strings, freed all at once. */
struct lk_arena {
	char **chunks;  /* nchunks of them; capacity doubles at powers of two */
	size_t nchunks;
	char *next;     /* free space in the current chunk */
	size_t left;
};

struct lk_linkset {
	struct lk_link *links;   /* n entries */
	size_t n;
	size_t cap;
	/* open-addressing table of indexes into links, power-of-two sized */
	uint32_t *slots;
	size_t nslots;
	/* interned file names */
	char **files;
	size_t nfiles;
	size_t total_occurrences;
	struct lk_arena arena;   /* URLs, titles, first sources */
	/* Links of earlier chunks (lk_linkset_next_chunk), as 64-bit
	 * fingerprints in an open-addressing table (0 = empty slot). */
	uint64_t *seen;
	size_t nseen, seen_slots;
	char *earlier_url;       /* the normalised URL of the last add that
	                          * answered LK_LINKSET_EARLIER (NULL if invalid),
	                          * until the next add */
	size_t unique;           /* links over all chunks */
};

/* lk_linkset_add's answer for an occurrence of a link that was in an
 * earlier chunk: it was checked there, and is not added again. */
#define LK_LINKSET_EARLIER ((size_t)-1)

void lk_linkset_init(struct lk_linkset *s);
void lk_linkset_free(struct lk_linkset *s);

/* Adds one occurrence. Returns the entry's index, or LK_LINKSET_EARLIER. */
size_t lk_linkset_add(struct lk_linkset *s, const char *raw_url, const char *file,
                      unsigned line, const char *title);

/* Forgets the links (and their results) to make room for the next chunk
 * of a large input, keeping what is needed to recognise them: their
 * fingerprints (8 bytes each; two URLs sharing one, about 1 in 10^7 at a
 * million links, would make the second one be taken for the first). File
 * names stay interned. */
void lk_linkset_next_chunk(struct lk_linkset *s);

/* Index of the entry for a normalised URL, or -1. */
long lk_linkset_find(const struct lk_linkset *s, const char *url);

/* An lk_link_fn (extract.h) that adds to the set passed as ctx. */
int lk_linkset_add_cb(void *ctx, const char *url, const char *file, unsigned line,
                      const char *title);

#endif
