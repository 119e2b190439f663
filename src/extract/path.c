/*
 * path.c — from a command-line argument to the extractor that fits it.
 *
 * An argument is standard input ("-"), a link itself ("https://…"), a file
 * or a directory. Markdown and HTML files are read whole with lk_read_file
 * (bounded by max_file_size); text is read a block of lines at a time. Each
 * goes to its extractor by extension unless the caller forces a format.
 *
 * Directories are walked depth first in byte order of the names, so a run
 * reports links in the same order on every machine. Hidden entries (".git",
 * ".cache") are skipped, and so are symbolic links to directories: without
 * them the walk cannot loop. Only documents are read (.md .markdown .html
 * .htm .txt, any case); a named file is read whatever its extension.
 */
#include "linkkeeper/extract.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#define DEFAULT_MAX_FILE_SIZE ((size_t)256 << 20)
/* No real tree is this deep; a deeper one is a mistake worth reporting. */
#define WALK_DEPTH_MAX 128

/* The extension of the last component of path, without the dot, or "". */
static const char *extension(const char *path)
{
	const char *name = strrchr(path, '/');
	name = name ? name + 1 : path;
	const char *dot = strrchr(name, '.');
	return dot ? dot + 1 : "";
}

int lk_input_format_parse(const char *name, int allow_auto, enum lk_input_format *out)
{
	if (strcmp(name, "text") == 0)
		*out = LK_INPUT_TEXT;
	else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
		*out = LK_INPUT_MARKDOWN;
	else if (strcmp(name, "html") == 0)
		*out = LK_INPUT_HTML;
	else if (allow_auto && strcmp(name, "auto") == 0)
		*out = LK_INPUT_AUTO;
	else
		return -1;
	return 0;
}

enum lk_input_format lk_extract_format_for(const char *path)
{
	const char *ext = extension(path);
	if (strcasecmp(ext, "md") == 0 || strcasecmp(ext, "markdown") == 0)
		return LK_INPUT_MARKDOWN;
	if (strcasecmp(ext, "html") == 0 || strcasecmp(ext, "htm") == 0)
		return LK_INPUT_HTML;
	return LK_INPUT_TEXT;
}

/* 1 for the files a directory walk reads. */
static int is_document(const char *name)
{
	return lk_extract_format_for(name) != LK_INPUT_TEXT ||
	       strcasecmp(extension(name), "txt") == 0;
}

static int extract_buffer(const char *buf, size_t len, const char *file,
                          enum lk_input_format format, const struct lk_extract_opts *o,
                          lk_link_fn fn, void *ctx)
{
	switch (format) {
	case LK_INPUT_MARKDOWN: return lk_extract_markdown(buf, len, file, fn, ctx);
	case LK_INPUT_HTML: return lk_extract_html(buf, len, file, o->base_url, fn, ctx);
	case LK_INPUT_AUTO:
	case LK_INPUT_TEXT:
	default: return lk_extract_text(buf, len, file, fn, ctx);
	}
}

/* Text has no structure across lines, so it is read and extracted a block
 * of whole lines at a time: a million-line URL list never sits whole in
 * memory. Line numbers are shifted by the lines of the blocks before. */
#define TEXT_BLOCK ((size_t)1 << 20)

struct line_shift {
	lk_link_fn fn;
	void *ctx;
	unsigned offset;
};

static int shifted(void *c, const char *url, const char *file, unsigned line, const char *title)
{
	struct line_shift *s = c;
	return s->fn(s->ctx, url, file, line + s->offset, title);
}

/* Extracts from f, total input bounded by max; a line longer than a block
 * grows the buffer (within max as well). */
static int extract_text_stream(FILE *f, const char *path, size_t max, lk_link_fn fn, void *ctx,
                               char *err, size_t errlen)
{
	size_t cap = TEXT_BLOCK < max ? TEXT_BLOCK : max + 1;
	char *buf = lk_xmalloc(cap);
	size_t len = 0, total = 0;
	struct line_shift sh = {fn, ctx, 0};
	int rc = 0;
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = lk_xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (ferror(f)) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		total += n;
		if (total > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			rc = -1;
			break;
		}
		len += n;
		int eof = n == 0;
		size_t cut = len;
		if (!eof) {
			const char *nl = memrchr(buf, '\n', len);
			if (!nl)
				continue; /* a long line: read on */
			cut = (size_t)(nl - buf) + 1;
		}
		if (cut > 0) {
			rc = lk_extract_text(buf, cut, path, shifted, &sh);
			if (rc)
				break;
			for (size_t i = 0; i < cut; i++)
				sh.offset += buf[i] == '\n';
			memmove(buf, buf + cut, len - cut);
			len -= cut;
		}
		if (eof)
			break;
	}
	free(buf);
	return rc;
}

/* Reads path ("-" for stdin) and extracts from it in format. */
static int extract_file(const char *path, enum lk_input_format format,
                        const struct lk_extract_opts *o, lk_link_fn fn, void *ctx, char *err,
                        size_t errlen)
{
	char *data = NULL;
	size_t len = 0;
	size_t max = o->max_file_size ? o->max_file_size : DEFAULT_MAX_FILE_SIZE;
	if (format == LK_INPUT_TEXT || format == LK_INPUT_AUTO) {
		FILE *f = lk_open_input(path, max, err, errlen);
		if (!f)
			return -1;
		int rc = extract_text_stream(f, path, max, fn, ctx, err, errlen);
		lk_close_input(f);
		return rc;
	}
	if (lk_read_file(path, max, &data, &len, err, errlen) < 0)
		return -1;
	int rc = extract_buffer(data, len, path, format, o, fn, ctx);
	free(data);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of dir, sorted; *n of them, caller frees each and
 * the array. Returns NULL with err set when dir cannot be read. */
static char **list_dir(const char *dir, size_t *n, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	*n = 0;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			names = lk_xrealloc(names, cap * sizeof *names);
		}
		names[(*n)++] = lk_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof *names, by_name);
	return names ? names : lk_xcalloc(1, sizeof *names);
}

static int walk_dir(const char *dir, const struct lk_extract_opts *o, lk_link_fn fn, void *ctx,
                    char *err, size_t errlen, int depth);

/* One entry of a directory walk: a subdirectory, a document, or neither. */
static int walk_entry(const char *path, const struct lk_extract_opts *o, lk_link_fn fn,
                      void *ctx, char *err, size_t errlen, int depth)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(path, o, fn, ctx, err, errlen, depth + 1);
	/* A symlink counts when it leads to a regular file; a dangling one or
	 * one to a directory is passed over. */
	if (S_ISLNK(st.st_mode) && stat(path, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode) || !is_document(path))
		return 0;
	enum lk_input_format format =
		o->format != LK_INPUT_AUTO ? o->format : lk_extract_format_for(path);
	return extract_file(path, format, o, fn, ctx, err, errlen);
}

static int walk_dir(const char *dir, const struct lk_extract_opts *o, lk_link_fn fn, void *ctx,
                    char *err, size_t errlen, int depth)
{
	size_t n = 0;
	int rc = 0;
	if (depth > WALK_DEPTH_MAX) {
		snprintf(err, errlen, "%s: nested deeper than %d directories", dir, WALK_DEPTH_MAX);
		return -1;
	}
	char **names = list_dir(dir, &n, err, errlen);
	if (!names)
		return -1;
	size_t dlen = strlen(dir);
	int slash = dlen > 0 && dir[dlen - 1] == '/';
	for (size_t i = 0; i < n && rc == 0; i++) {
		char *path = lk_xasprintf("%s%s%s", dir, slash ? "" : "/", names[i]);
		rc = walk_entry(path, o, fn, ctx, err, errlen, depth);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int lk_extract_path(const char *arg, const struct lk_extract_opts *opts, lk_link_fn fn,
                    void *ctx, char *err, size_t errlen)
{
	struct lk_extract_opts o = {LK_INPUT_AUTO, NULL, 0};
	struct stat st;
	if (opts)
		o = *opts;
	if (strcmp(arg, "-") == 0) {
		enum lk_input_format format = o.format == LK_INPUT_AUTO ? LK_INPUT_TEXT : o.format;
		return extract_file("-", format, &o, fn, ctx, err, errlen);
	}
	if (lk_url_is_http(arg))
		return fn(ctx, arg, "<args>", 0, "");
	if (stat(arg, &st) < 0) {
		snprintf(err, errlen, "%s: %s", arg, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(arg, &o, fn, ctx, err, errlen, 0);
	return extract_file(arg, o.format != LK_INPUT_AUTO ? o.format : lk_extract_format_for(arg),
	                    &o, fn, ctx, err, errlen);
}
