/*
 * title.c — the title accumulator shared by the HTML and Markdown
 * extractors (title.h).
 */
#include "title.h"

void lk_title_add(struct lk_title *t, const char *s)
{
	for (; s && *s && t->b.len <= LK_TITLE_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c == 0x7F) {
			t->space = t->b.len > 0;
			continue;
		}
		if (t->space)
			lk_buf_putc(&t->b, ' ');
		t->space = 0;
		lk_buf_putc(&t->b, (char)c);
	}
}

const char *lk_title_finish(struct lk_title *t)
{
	lk_buf_reserve(&t->b, 0);
	if (t->b.len > LK_TITLE_MAX) {
		size_t n = LK_TITLE_MAX;
		while (n > 0 && ((unsigned char)t->b.data[n] & 0xC0) == 0x80)
			n--;
		while (n > 0 && t->b.data[n - 1] == ' ')
			n--;
		t->b.len = n;
	}
	t->b.data[t->b.len] = '\0';
	return t->b.data;
}
