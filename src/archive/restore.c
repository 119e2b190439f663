/*
 * restore.c — pages back out of the archive (see restore.h): find the
 * capture, walk its redirect chain, swap a revisit for its original, decode
 * the body; safe names and safe writes for `restore --dead`.
 *
 * How a lookup goes: the capture index (captures.h) answers "latest capture
 * of URL at or before T"; everything else comes from the WARC records it
 * points at, read with warc.h and parsed with httpdecode.h. The index only
 * knows a capture's status, so the Location of a redirect is read from the
 * record's head (the first LK_HTTP_MAX_HEAD bytes of its block are enough).
 *
 * restore --dead lists the dead links from the history's urls table (a
 * read-only SQLite connection of its own), restores each one's last 2xx
 * page, and writes the pages and an index.html through a directory file
 * descriptor, so a name can never be resolved outside the folder.
 */
#include "linkkeeper/restore.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/url.h"

/* How many earlier captures want_ok steps back through at most. */
#define MAX_STEP_BACK 1000
/* Clock slack: a hop's capture may carry a date this much before its
 * redirect's (both are wall-clock readings). */
#define HOP_SLACK_MS 1000
/* Hex digits of sha256(url) at the end of a safe name. */
#define NAME_HASH_DIGITS 10

/* ---- TIME arguments ------------------------------------------------------ */

int lk_restore_parse_at(const char *s, int64_t *out_ms)
{
	int64_t ms;
	if (!s || lk_parse_time(s, &ms) != 0)
		return -1;
	size_t n = strlen(s);
	if (n == 10)
		ms += 24 * 3600 * 1000 - 1; /* a date: the whole day */
	else if (!strchr(s, '.'))
		ms += 999; /* to the second: the whole second */
	*out_ms = ms;
	return 0;
}

/* ---- the restored page ------------------------------------------------- */

const struct lk_capture_row *lk_restored_page(const struct lk_restored *r)
{
	return r->n_chain ? &r->chain[r->n_chain - 1] : NULL;
}

static void chain_clear(struct lk_restored *r)
{
	for (size_t i = 0; i < r->n_chain; i++)
		lk_capture_row_clear(&r->chain[i]);
	free(r->chain);
	r->chain = NULL;
	r->n_chain = 0;
}

void lk_restored_free(struct lk_restored *r)
{
	if (!r)
		return;
	chain_clear(r);
	lk_capture_row_clear(&r->original);
	lk_buf_free(&r->raw_head);
	lk_http_head_free(&r->head);
	lk_buf_free(&r->body);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

/* Moves *row to the end of the chain (row is left empty). */
static void chain_push(struct lk_restored *r, struct lk_capture_row *row)
{
	r->chain = lk_xrealloc(r->chain, (r->n_chain + 1) * sizeof(*r->chain));
	r->chain[r->n_chain++] = *row;
	memset(row, 0, sizeof(*row));
}

/* ---- reading the records the index points at --------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int lk_restore_list_warcs(const char *archive_dir, char ***names, size_t *n, char *err,
                          size_t errlen)
{
	*names = NULL;
	*n = 0;
	DIR *d = opendir(archive_dir);
	if (!d) {
		snprintf(err, errlen, "cannot read archive folder %s: %s", archive_dir,
		         strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 8 || strcmp(e->d_name + len - 8, ".warc.gz") != 0)
			continue;
		*names = lk_xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = lk_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

char *lk_restore_warc_path(const char *archive_dir, const char *file)
{
	if (!file || !*file || file[0] == '/')
		return NULL;
	/* Reject ".." as any path component. */
	for (const char *p = file; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		p += n;
		if (*p == '/')
			p++;
	}
	return lk_xasprintf("%s/%s", archive_dir && *archive_dir ? archive_dir : ".", file);
}

int lk_restore_read_capture(const char *archive_dir, const struct lk_capture_row *row,
                            size_t max_block, struct lk_warc_record *rec, char *err,
                            size_t errlen)
{
	char *path = lk_restore_warc_path(archive_dir, row->file);
	int rc = -1;
	if (!path) {
		snprintf(err, errlen, "the capture index names a file outside the archive: %s",
		         row->file ? row->file : "(none)");
		return -1;
	}
	if (lk_warc_read_record(path, row->offset, row->length, max_block, rec, err, errlen) != 0)
		goto out;
	if (!rec->record_id || !row->record_id || strcmp(rec->record_id, row->record_id) != 0) {
		snprintf(err, errlen, "%s at offset %lld holds record %s, the capture index expects %s",
		         path, (long long)row->offset, rec->record_id ? rec->record_id : "(none)",
		         row->record_id ? row->record_id : "(none)");
		goto out;
	}
	rc = 0;
out:
	free(path);
	return rc;
}

/* ---- the redirect chain -------------------------------------------------- */

static int is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static int is_2xx(int status)
{
	return status >= 200 && status <= 299;
}

/* The escaped, normalised URL a redirect capture points to; NULL when its
 * record has no usable Location. -1 on a read error. */
static int redirect_target(const char *archive_dir, const struct lk_capture_row *row,
                           char **next, char *err, size_t errlen)
{
	struct lk_warc_record rec = {0};
	struct lk_http_head head = {0};
	char *abs = NULL, *norm = NULL, nerr[128];
	int rc = -1;
	*next = NULL;
	if (lk_restore_read_capture(archive_dir, row, LK_HTTP_MAX_HEAD, &rec, err, errlen) != 0)
		goto out;
	rc = 0;
	if (lk_http_parse_head(rec.block, rec.block_len, &head) != 0)
		goto out;
	const char *loc = lk_http_head_get(&head, "Location");
	if (!loc || !*loc || lk_url_resolve(row->url, loc, &abs) != 0)
		goto out;
	if (lk_url_normalize(abs, &norm, nerr, sizeof(nerr)) != 0)
		goto out;
	*next = lk_warc_archived_uri(norm);
out:
	free(abs);
	free(norm);
	lk_http_head_free(&head);
	lk_warc_record_free(&rec);
	return rc;
}

/* Follows the chain from out->chain[0]. Returns 1 (the page is the last
 * row), 0 (a hop has no capture, or too many hops; reason in err) or -1. */
static int follow_chain(struct lk_captures *c, const char *archive_dir,
                        const struct lk_restore_opts *o, struct lk_restored *out, char *err,
                        size_t errlen)
{
	for (;;) {
		const struct lk_capture_row *last = &out->chain[out->n_chain - 1];
		if (o->no_follow || !is_redirect(last->http_status))
			return 1;
		char *next;
		if (redirect_target(archive_dir, last, &next, err, errlen) != 0)
			return -1;
		if (!next)
			return 1; /* a 3xx without a Location is a page of its own */
		if (out->n_chain > LK_RESTORE_MAX_HOPS) {
			snprintf(err, errlen, "the redirect chain of %s is longer than %d hops", out->url,
			         LK_RESTORE_MAX_HOPS);
			free(next);
			return 0;
		}
		struct lk_capture_row row = {0};
		int64_t from = last->captured_at;
		int rc = lk_captures_find(c, next, from + LK_RESTORE_HOP_WINDOW_MS, &row);
		if (rc < 0) {
			snprintf(err, errlen, "%s", lk_captures_error(c));
			free(next);
			return -1;
		}
		if (rc == 0 || row.captured_at < from - HOP_SLACK_MS) {
			snprintf(err, errlen, "no capture of %s, where %s redirected on %s", next,
			         last->url, last->warc_date);
			lk_capture_row_clear(&row);
			free(next);
			return 0;
		}
		free(next);
		chain_push(out, &row);
	}
}

/* ---- the page ------------------------------------------------------------ */

/* For a revisit page: its original response row, into out->original. */
static int find_original(struct lk_captures *c, struct lk_restored *out, char *err,
                         size_t errlen)
{
	const struct lk_capture_row *page = lk_restored_page(out);
	if (!page->refers_to || !*page->refers_to) {
		snprintf(err, errlen, "the revisit %s of %s names no original record", page->record_id,
		         page->url);
		return -1;
	}
	int rc = lk_captures_by_record_id(c, page->refers_to, &out->original);
	if (rc < 0) {
		snprintf(err, errlen, "%s", lk_captures_error(c));
		return -1;
	}
	if (rc == 0 || strcmp(out->original.record_type, "response") != 0) {
		snprintf(err, errlen, "the record %s that the revisit of %s refers to is not in the index",
		         page->refers_to, page->url);
		return -1;
	}
	return 0;
}

/* Reads the page record (and a revisit's original), keeps the page's head
 * and, unless head_only, decodes the body. */
static int load_page(struct lk_captures *c, const char *archive_dir,
                     const struct lk_restore_opts *o, struct lk_restored *out, char *err,
                     size_t errlen)
{
	const struct lk_capture_row *page = lk_restored_page(out);
	struct lk_warc_record rec = {0}, orig = {0};
	struct lk_http_head orig_head = {0};
	int rc = -1;
	int revisit = strcmp(page->record_type, "revisit") == 0;
	size_t max_block = o->head_only || revisit ? LK_HTTP_MAX_HEAD : LK_RESTORE_MAX_BLOCK;

	if (lk_restore_read_capture(archive_dir, page, max_block, &rec, err, errlen) != 0)
		goto out;
	if (lk_http_parse_head(rec.block, rec.block_len, &out->head) != 0 || !out->head.complete) {
		snprintf(err, errlen, "the record %s of %s holds no HTTP response head",
		         page->record_id, page->url);
		goto out;
	}
	lk_buf_append(&out->raw_head, rec.block, out->head.head_len);
	if (revisit && find_original(c, out, err, errlen) != 0)
		goto out;
	out->truncated = (revisit ? out->original.truncated : page->truncated) != NULL;
	if (o->head_only) {
		/* Still make sure the original is where the index says. */
		if (revisit && lk_restore_read_capture(archive_dir, &out->original, LK_HTTP_MAX_HEAD,
		                                       &orig, err, errlen) != 0)
			goto out;
		rc = 0;
		goto out;
	}

	/* The stored bytes were coded per the head they were received under:
	 * for a revisit that is the original's head, not the revisit's. */
	const struct lk_warc_record *src = &rec;
	const struct lk_http_head *coded = &out->head;
	if (revisit) {
		if (lk_restore_read_capture(archive_dir, &out->original, LK_RESTORE_MAX_BLOCK, &orig, err,
		                            errlen) != 0)
			goto out;
		if (lk_http_parse_head(orig.block, orig.block_len, &orig_head) != 0 ||
		    !orig_head.complete) {
			snprintf(err, errlen, "the record %s holds no HTTP response head",
			         out->original.record_id);
			goto out;
		}
		src = &orig;
		coded = &orig_head;
	}
	if (src->block_truncated) {
		snprintf(err, errlen, "the record %s is larger than %zu bytes", src->record_id,
		         (size_t)LK_RESTORE_MAX_BLOCK);
		goto out;
	}
	size_t max_body = o->max_body ? o->max_body : LK_RESTORE_MAX_BODY;
	out->flags = lk_http_decode_body(coded, src->block + coded->head_len,
	                                 src->block_len - coded->head_len, max_body, &out->body);
	rc = 0;
out:
	lk_http_head_free(&orig_head);
	lk_warc_record_free(&orig);
	lk_warc_record_free(&rec);
	return rc;
}

int lk_restore_find(struct lk_captures *c, const char *archive_dir, const char *url,
                    const struct lk_restore_opts *o, struct lk_restored *out, char *err,
                    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->url = lk_warc_archived_uri(url);
	int64_t at = o->at_ms;
	int rc = 0;
	snprintf(err, errlen, "no capture of %s", out->url);
	for (int step = 0; step < MAX_STEP_BACK; step++) {
		struct lk_capture_row first = {0};
		int found = lk_captures_find(c, out->url, at, &first);
		if (found < 0) {
			snprintf(err, errlen, "%s", lk_captures_error(c));
			return -1;
		}
		if (found == 0)
			return 0; /* err still says why the last candidate failed */
		at = first.captured_at - 1;
		chain_push(out, &first);
		rc = follow_chain(c, archive_dir, o, out, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 1 && (!o->want_ok || is_2xx(lk_restored_page(out)->http_status)))
			return load_page(c, archive_dir, o, out, err, errlen) == 0 ? 1 : -1;
		if (!o->want_ok)
			return 0;
		if (rc == 1)
			snprintf(err, errlen, "no capture of %s with a 2xx page", out->url);
		chain_clear(out);
		if (at <= 0)
			return 0;
	}
	return 0;
}

/* ---- safe names ---------------------------------------------------------- */

static const struct {
	const char *mime;
	const char *ext;
} mime_ext[] = {
	{"text/html", ".html"},
	{"application/xhtml+xml", ".html"},
	{"application/pdf", ".pdf"},
	{"text/plain", ".txt"},
	{"text/markdown", ".md"},
	{"text/css", ".css"},
	{"text/csv", ".csv"},
	{"text/javascript", ".js"},
	{"application/javascript", ".js"},
	{"application/json", ".json"},
	{"application/xml", ".xml"},
	{"text/xml", ".xml"},
	{"application/rss+xml", ".xml"},
	{"application/atom+xml", ".xml"},
	{"image/png", ".png"},
	{"image/jpeg", ".jpg"},
	{"image/gif", ".gif"},
	{"image/webp", ".webp"},
	{"image/svg+xml", ".svg"},
	{"application/zip", ".zip"},
	{"application/gzip", ".gz"},
	{"application/epub+zip", ".epub"},
};

const char *lk_restore_ext_for_mime(const char *mime)
{
	if (!mime)
		return ".bin";
	while (*mime == ' ' || *mime == '\t')
		mime++;
	size_t n = strcspn(mime, "; \t");
	for (size_t i = 0; i < sizeof(mime_ext) / sizeof(mime_ext[0]); i++)
		if (strlen(mime_ext[i].mime) == n && strncasecmp(mime, mime_ext[i].mime, n) == 0)
			return mime_ext[i].ext;
	if (n > 5 && strncasecmp(mime, "text/", 5) == 0)
		return ".txt";
	return ".bin";
}

static int name_byte_ok(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

/* Where the part of url we name a file after starts: past "scheme://" and
 * any "user:password@" (a secret has no business in a file name). */
static const char *name_source(const char *url)
{
	const char *p = url;
	const char *sep = strstr(url, "://");
	if (sep && (size_t)(sep - url) <= 16) {
		int scheme = sep > url;
		for (const char *q = url; q < sep; q++)
			if (!isalpha((unsigned char)*q) && !strchr("+-.", *q))
				scheme = 0;
		if (scheme)
			p = sep + 3;
	}
	size_t auth = strcspn(p, "/?#");
	const char *at = memrchr(p, '@', auth);
	return at ? at + 1 : p;
}

/* Appends one byte of the name stem, mapping and collapsing as it goes. */
static void stem_put(char *stem, size_t *n, size_t cap, unsigned char ch)
{
	char c = name_byte_ok(ch) ? (char)ch : '_';
	char prev = *n ? stem[*n - 1] : '\0';
	/* No leading '.' or '-' (hidden files, options), no "..", no runs of '_'. */
	if ((c == '.' || c == '-') && *n == 0)
		c = '_';
	if (c == '.' && prev == '.')
		c = '_';
	if (c == '_' && prev == '_')
		return;
	if (*n + 1 < cap)
		stem[(*n)++] = c;
}

int lk_restore_safe_name(const char *url, const char *mime, char *out, size_t outlen)
{
	if (outlen < LK_RESTORE_NAME_MAX + 1)
		return -1;
	const char *ext = lk_restore_ext_for_mime(mime);
	size_t ext_len = strlen(ext);
	size_t max_stem = LK_RESTORE_NAME_MAX - 1 - NAME_HASH_DIGITS - ext_len;
	char stem[LK_RESTORE_NAME_MAX + 1] = "";
	size_t n = 0;
	const char *src = name_source(url ? url : "");
	for (const unsigned char *p = (const unsigned char *)src; *p && *p != '#'; p++)
		stem_put(stem, &n, sizeof(stem), *p);
	/* "x.pdf" named as a PDF reads better as "x-<hash>.pdf". */
	if (n > ext_len && strncasecmp(stem + n - ext_len, ext, ext_len) == 0)
		n -= ext_len;
	if (n > max_stem)
		n = max_stem;
	while (n > 0 && (stem[n - 1] == '_' || stem[n - 1] == '.'))
		n--;
	if (n == 0) {
		memcpy(stem, "page", 4);
		n = 4;
	}
	stem[n] = '\0';
	char digest[LK_WARC_DIGEST_SIZE];
	lk_warc_sha256(url ? url : "", url ? strlen(url) : 0, digest);
	snprintf(out, outlen, "%s-%.*s%s", stem, NAME_HASH_DIGITS, digest + strlen("sha256:"), ext);
	return 0;
}

int lk_restore_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > LK_RESTORE_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_byte_ok((unsigned char)name[i]))
			return 0;
	return strstr(name, "..") == NULL;
}

/* ---- safe writes --------------------------------------------------------- */

/* Creates a fresh temporary in dirfd; its name goes to tmp. */
static int open_tmp(int dirfd, char *tmp, size_t tmplen)
{
	for (int attempt = 0; attempt < 32; attempt++) {
		unsigned r = 0;
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned)attempt;
		snprintf(tmp, tmplen, ".lk-tmp-%ld-%08x", (long)getpid(), r);
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int lk_restore_write_at(int dirfd, const char *name, const void *data, size_t len, char *err,
                        size_t errlen)
{
	char tmp[64];
	if (!lk_restore_name_ok(name)) {
		snprintf(err, errlen, "refusing to write unsafe file name '%s'", name ? name : "");
		return -1;
	}
	int fd = open_tmp(dirfd, tmp, sizeof(tmp));
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file for %s: %s", name, strerror(errno));
		return -1;
	}
	int ok = write_all(fd, data, len) == 0;
	int saved = errno;
	if (close(fd) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && renameat(dirfd, tmp, dirfd, name) != 0) {
		ok = 0;
		saved = errno;
	}
	if (!ok) {
		unlinkat(dirfd, tmp, 0);
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(saved));
		return -1;
	}
	return 0;
}

/* ---- links from the history ---------------------------------------------- */

long lk_restore_each_link(const char *db_path, int broken_only, lk_history_url_fn fn,
                          void *ctx, char *err, size_t errlen)
{
	struct lk_history *h;
	if (lk_history_open_readonly(db_path, &h, err, errlen) < 0)
		return -1;
	long n = lk_history_each_url(h, broken_only, fn, ctx);
	if (n < 0)
		snprintf(err, errlen, "database %s: %s", db_path, lk_history_error(h));
	lk_history_close(h);
	return n;
}

/* ---- restore --dead -------------------------------------------------------- */

struct dead_link {
	char *url, *title;
	char name[LK_RESTORE_NAME_MAX + 1]; /* "" when no copy was written */
	char date[32];
	int http_status;
};

struct dead_list {
	struct dead_link *v;
	size_t n;
};

static int collect_dead(void *ctx, const struct lk_history_url *l)
{
	struct dead_list *d = ctx;
	d->v = lk_xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	struct dead_link *x = &d->v[d->n++];
	memset(x, 0, sizeof(*x));
	x->url = lk_xstrdup(l->url);
	x->title = lk_xstrdup(l->title ? l->title : "");
	return 0;
}

static void dead_list_free(struct dead_list *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].url);
		free(d->v[i].title);
	}
	free(d->v);
}

/* The page's MIME type: the index's, else the head's Content-Type. */
static char *page_mime(const struct lk_restored *r)
{
	const struct lk_capture_row *page = lk_restored_page(r);
	if (page->mime && *page->mime)
		return lk_xstrdup(page->mime);
	return lk_cdxj_http_mime(&r->head);
}

/* Restores one dead link into dirfd. 1 written, 0 no usable capture, -1. */
static int restore_one(struct lk_captures *c, const char *archive_dir, int dirfd,
                       struct dead_link *x, char *err, size_t errlen)
{
	struct lk_restore_opts o = {.want_ok = 1};
	struct lk_restored r;
	int rc = lk_restore_find(c, archive_dir, x->url, &o, &r, err, errlen);
	if (rc != 1)
		goto out;
	char *mime = page_mime(&r);
	lk_restore_safe_name(x->url, mime, x->name, sizeof(x->name));
	free(mime);
	lk_format_time(r.chain[0].captured_at, 0, x->date);
	x->http_status = lk_restored_page(&r)->http_status;
	if (lk_restore_write_at(dirfd, x->name, r.body.data, r.body.len, err, errlen) != 0) {
		x->name[0] = '\0';
		rc = -1;
	}
out:
	lk_restored_free(&r);
	return rc;
}

static void index_row(struct lk_buf *b, const struct dead_link *x)
{
	lk_buf_puts(b, "<tr><td>");
	lk_buf_html_escape(b, *x->title ? x->title : "(no title)");
	lk_buf_puts(b, "</td><td class=\"url\">");
	lk_buf_html_escape(b, x->url);
	lk_buf_puts(b, "</td><td>");
	if (x->name[0]) {
		lk_buf_html_escape(b, x->date);
		lk_buf_puts(b, "</td><td><a href=\"");
		lk_buf_html_escape(b, x->name);
		lk_buf_puts(b, "\">");
		lk_buf_html_escape(b, x->name);
		lk_buf_puts(b, "</a>");
	} else {
		lk_buf_puts(b, "</td><td>no archived copy");
	}
	lk_buf_puts(b, "</td></tr>\n");
}

static void index_html(struct lk_buf *b, const struct dead_list *d, size_t restored)
{
	char now[32];
	lk_format_time(lk_now_ms(), 0, now);
	lk_buf_puts(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	               "<title>Dead links: archived copies</title>\n"
	               "<style>body{font-family:sans-serif;margin:2em}"
	               "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
	               "text-align:left;vertical-align:top}td.url{word-break:break-all}</style>\n"
	               "</head>\n<body>\n<h1>Dead links: archived copies</h1>\n<p>");
	lk_buf_printf(b, "%zu of %zu dead links have an archived copy in this folder. "
	                 "Made by linkkeeper %s on ",
	              restored, d->n, LK_VERSION);
	lk_buf_html_escape(b, now);
	lk_buf_puts(b, ".</p>\n<table>\n<thead><tr><th>Title</th><th>Original URL</th>"
	               "<th>Captured</th><th>Copy</th></tr></thead>\n<tbody>\n");
	/* Copies first, then the dead links the archive has nothing for. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n; i++)
			if ((d->v[i].name[0] != '\0') == (pass == 0))
				index_row(b, &d->v[i]);
	lk_buf_puts(b, "</tbody>\n</table>\n</body>\n</html>\n");
}

static int open_out_dir(const char *dir, char *err, size_t errlen)
{
	if (lk_mkdir_p(dir) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
	return fd;
}

int lk_restore_dead(const char *db_path, const char *archive_dir, const char *dir,
                    struct lk_restore_dead_stats *st, char *err, size_t errlen)
{
	struct dead_list d = {0};
	struct lk_captures *c = NULL;
	struct lk_buf html = {0};
	char one[512];
	int dirfd = -1, rc = -1;
	memset(st, 0, sizeof(*st));
	if (lk_restore_each_link(db_path, 1, collect_dead, &d, err, errlen) < 0)
		goto out;
	st->dead = d.n;
	if (lk_captures_open(db_path, 1, &c, err, errlen) != 0)
		goto out;
	if ((dirfd = open_out_dir(dir, err, errlen)) < 0)
		goto out;
	/* One bad link does not stop the others; the first error is reported. */
	int failed = 0;
	for (size_t i = 0; i < d.n; i++) {
		int r = restore_one(c, archive_dir, dirfd, &d.v[i], one, sizeof(one));
		if (r == 1)
			st->restored++;
		else if (r == 0)
			st->no_capture++;
		else if (!failed++)
			snprintf(err, errlen, "%s", one);
	}
	index_html(&html, &d, st->restored);
	if (lk_restore_write_at(dirfd, "index.html", html.data, html.len, one, sizeof(one)) != 0) {
		if (!failed++)
			snprintf(err, errlen, "%s", one);
	}
	rc = failed ? -1 : 0;
out:
	if (dirfd >= 0)
		close(dirfd);
	lk_captures_close(c);
	lk_buf_free(&html);
	dead_list_free(&d);
	return rc;
}
