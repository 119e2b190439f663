/*
 * extract.h — finding links in documents. One extractor per input kind, one
 * callback interface:
 *
 *   text      plain-text digests and URL lists: a URL starts at http:// or
 *             https:// (any case) wherever it stands, even glued to the
 *             title before it; the title is the trimmed text before the URL
 *             on its line.
 *   markdown  CommonMark (cmark): links, images, autolinks, reference
 *             definitions and bare URLs in text; never code.
 *   html      HTML5 (gumbo): a[href], img[src], link[href], script[src],
 *             iframe[src], source[src], area[href], resolved against
 *             <base href> or the caller's base URL.
 *
 * Extractors report raw URLs (as written, after resolution for relative
 * ones); normalisation and deduplication are the caller's business.
 */
#ifndef LINKKEEPER_EXTRACT_H
#define LINKKEEPER_EXTRACT_H

#include <stddef.h>

enum lk_input_format {
	LK_INPUT_AUTO, /* by file extension; text when unknown */
	LK_INPUT_TEXT,
	LK_INPUT_MARKDOWN,
	LK_INPUT_HTML,
};

/* Called once per occurrence. url and title are borrowed for the call only
 * (title may be "" but never NULL); file is the name given by the caller,
 * line is 1-based. Return 0 to go on, non-zero to stop the extraction (the
 * extractor then returns that value). */
typedef int (*lk_link_fn)(void *ctx, const char *url, const char *file, unsigned line,
                          const char *title);

struct lk_extract_opts {
	enum lk_input_format format; /* for "-" (stdin) and files; AUTO = by extension */
	const char *base_url;        /* for relative links in HTML, or NULL */
	size_t max_file_size;        /* refuse larger inputs; 0 = 256 MiB */
};

/* Buffer extractors. buf need not be NUL-terminated and may hold any bytes
 * (binary, invalid UTF-8, NULs): they never read past len. */
int lk_extract_text(const char *buf, size_t len, const char *file, lk_link_fn fn, void *ctx);
int lk_extract_markdown(const char *buf, size_t len, const char *file, lk_link_fn fn,
                        void *ctx);
int lk_extract_html(const char *buf, size_t len, const char *file, const char *base_url,
                    lk_link_fn fn, void *ctx);

/* The format chosen for a path by its extension: .md/.markdown, .html/.htm,
 * anything else is text. */
enum lk_input_format lk_extract_format_for(const char *path);

/* Reads an --input-format name: text, markdown (or md), html, and auto
 * when allow_auto. 0, or -1 for any other name. */
int lk_input_format_parse(const char *name, int allow_auto, enum lk_input_format *out);

/* Extracts from one command-line argument:
 *   "-"                 standard input, in opts->format (AUTO means text)
 *   "http://…"          the argument itself is a link (file "<args>", line 0)
 *   a directory         walked recursively (sorted, hidden entries skipped)
 *                       for .md .markdown .html .htm .txt files
 *   a file              by its extension, or opts->format when not AUTO
 * Returns 0; the callback's non-zero value; or -1 with a one-line message in
 * err (missing file, unreadable directory, file too large). */
int lk_extract_path(const char *arg, const struct lk_extract_opts *opts, lk_link_fn fn,
                    void *ctx, char *err, size_t errlen);

#endif
