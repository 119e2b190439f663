/*
 * title.h — private to the extractors: how a link's title is accumulated
 * from the text around it (HTML text content, Markdown link text).
 */
#ifndef LINKKEEPER_EXTRACT_TITLE_H
#define LINKKEEPER_EXTRACT_TITLE_H

#include "linkkeeper/util.h"

#define LK_TITLE_MAX 512
/* Link targets longer than this are skipped, in every input format. */
#define LK_URL_MAX 8192

/* Whitespace runs collapse to one space, leading and trailing whitespace
 * is dropped, and the result is cut to LK_TITLE_MAX bytes at a UTF-8
 * character boundary. Zero-initialise; free t->b when done. */
struct lk_title {
	struct lk_buf b;
	int space;
};

void lk_title_add(struct lk_title *t, const char *s);
/* The title so far, NUL-terminated; borrowed from t. */
const char *lk_title_finish(struct lk_title *t);

#endif
