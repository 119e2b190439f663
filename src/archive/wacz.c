/*
 * wacz.c — WACZ 1.1.1 packages (see wacz.h).
 *
 * How: first decide what goes in (the WARC files, or the records of some
 * links collected through restore.h's chain walk), then build every file
 * of the package — the WARC data on disk in a temporary folder, the small
 * JSON and CDXJ files in memory — and last stream them into a zip written
 * by libarchive in STORE mode, hashing each one (SHA-256, libcrypto) as it
 * goes so datapackage.json can list them. datapackage.json and its digest
 * are written after the files they describe.
 *
 * Why records are copied as raw gzip members: a WARC record's bytes are its
 * evidence (the digests cover them), and a copy that never inflates cannot
 * change them. Only the warcinfo record is new; the copied records keep
 * their WARC-Warcinfo-ID, which names the warcinfo of the file they were
 * written to.
 */
#include "linkkeeper/wacz.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <dirent.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/cdxj.h"
#include "linkkeeper/restore.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#define COPY_BUF (64 * 1024)
#define DATA_WARC "data.warc.gz"

/* A record to copy into data.warc.gz: where its gzip member is. */
struct rec_ref {
	char *file;
	int64_t offset, length;
};

/* A file of the package. */
struct member {
	char *zip_path; /* "archive/data.warc.gz" */
	char *src;      /* on disk; NULL when in mem */
	struct lk_buf mem;
	char hash[LK_WARC_DIGEST_SIZE];
	uint64_t bytes;
};

struct pkg {
	const struct lk_wacz_opts *o;
	struct lk_captures *caps;
	char *work;    /* temporary folder next to the output */
	struct rec_ref *recs;
	size_t n_recs;
	char **warcs;  /* whole-archive scope: WARC file names */
	size_t n_warcs;
	struct lk_buf pages;
	size_t n_pages;
	struct member *m;
	size_t n_m;
	char *err;
	size_t errlen;
};

static int fail(struct pkg *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pkg *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static struct member *add_member(struct pkg *p, const char *zip_path)
{
	p->m = lk_xrealloc(p->m, (p->n_m + 1) * sizeof(*p->m));
	struct member *m = &p->m[p->n_m++];
	memset(m, 0, sizeof(*m));
	m->zip_path = lk_xstrdup(zip_path);
	return m;
}

/* ---- what goes in: pages ----------------------------------------------- */

static void page_line(struct pkg *p, const struct lk_restored *r, const char *title)
{
	const struct lk_capture_row *first = &r->chain[0];
	struct lk_buf *b = &p->pages;
	/* The page id is the record id without its angle brackets. */
	const char *id = first->record_id ? first->record_id : "";
	size_t idlen = strlen(id);
	char *bare = idlen >= 2 && id[0] == '<' && id[idlen - 1] == '>'
	                 ? lk_xstrndup(id + 1, idlen - 2)
	                 : lk_xstrdup(id);
	lk_buf_puts(b, "{\"id\": ");
	lk_buf_json_string(b, bare);
	lk_buf_puts(b, ", \"url\": ");
	lk_buf_json_string(b, first->url);
	lk_buf_puts(b, ", \"ts\": ");
	lk_buf_json_string(b, first->warc_date);
	if (title && *title) {
		lk_buf_puts(b, ", \"title\": ");
		lk_buf_json_string(b, title);
	}
	lk_buf_puts(b, "}\n");
	p->n_pages++;
	free(bare);
}

/* Adds the page line of url when it has a 2xx capture. */
static int add_page(struct pkg *p, const char *url, const char *title)
{
	struct lk_restore_opts ro = {.want_ok = 1, .head_only = 1};
	struct lk_restored r;
	int rc = lk_restore_find(p->caps, p->o->archive_dir, url, &ro, &r, p->err, p->errlen);
	if (rc == 1)
		page_line(p, &r, title);
	lk_restored_free(&r);
	return rc < 0 ? -1 : 0;
}

static int page_of_history_link(void *ctx, const struct lk_history_url *l)
{
	struct pkg *p = ctx;
	return add_page(p, l->url, l->title);
}

/* ---- what goes in: records of links --------------------------------------- */

static void add_rec(struct pkg *p, const struct lk_capture_row *row)
{
	if (!row->id)
		return;
	p->recs = lk_xrealloc(p->recs, (p->n_recs + 1) * sizeof(*p->recs));
	struct rec_ref *x = &p->recs[p->n_recs++];
	x->file = lk_xstrdup(row->file);
	x->offset = row->offset;
	x->length = row->length;
}

/* Every capture of one link, newest first: each one's redirect chain and
 * a revisit's original. Returns the number of captures, or -1. */
static long collect_link(struct pkg *p, const char *url)
{
	struct lk_restore_opts ro = {.head_only = 1};
	long n = 0;
	for (; n < LK_WACZ_MAX_CAPTURES_PER_LINK; n++) {
		struct lk_restored r;
		int rc = lk_restore_find(p->caps, p->o->archive_dir, url, &ro, &r, p->err, p->errlen);
		/* A chain cut short (a hop without a capture) still has records. */
		size_t got = r.n_chain;
		for (size_t i = 0; i < r.n_chain; i++)
			add_rec(p, &r.chain[i]);
		add_rec(p, &r.original);
		int64_t next = got ? r.chain[0].captured_at - 1 : 0;
		lk_restored_free(&r);
		if (rc < 0)
			return -1;
		if (!got || next <= 0)
			break;
		ro.at_ms = next;
	}
	return n;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct rec_ref *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Sorts the records into file order and drops duplicates. */
static void uniq_recs(struct pkg *p)
{
	if (!p->n_recs)
		return;
	qsort(p->recs, p->n_recs, sizeof(*p->recs), cmp_rec);
	size_t w = 1;
	for (size_t i = 1; i < p->n_recs; i++) {
		if (cmp_rec(&p->recs[w - 1], &p->recs[i]) == 0) {
			free(p->recs[i].file);
			continue;
		}
		p->recs[w++] = p->recs[i];
	}
	p->n_recs = w;
}

/* ---- what goes in: whole files ---------------------------------------------- */

/* ---- building the files ---------------------------------------------------- */

/* The WARC file records are being copied from: records come sorted by
 * file, so one open file at a time is enough. */
struct source {
	char *name;
	FILE *f;
};

static FILE *source_open(struct pkg *p, struct source *src, const char *file)
{
	if (src->f && strcmp(src->name, file) == 0)
		return src->f;
	if (src->f)
		fclose(src->f);
	free(src->name);
	src->name = lk_xstrdup(file);
	char *path = lk_restore_warc_path(p->o->archive_dir, file);
	src->f = path ? fopen(path, "rb") : NULL;
	if (!src->f)
		fail(p, "cannot open %s: %s", path ? path : file, path ? strerror(errno) : "bad name");
	free(path);
	return src->f;
}

static void source_close(struct source *src)
{
	if (src->f)
		fclose(src->f);
	free(src->name);
}

/* Appends the record's gzip member, byte for byte, to out. */
static int copy_member(struct pkg *p, struct source *src, FILE *out, const struct rec_ref *r,
                       unsigned char *buf)
{
	FILE *in = source_open(p, src, r->file);
	if (!in)
		return -1;
	if (r->length <= 0 || fseeko(in, (off_t)r->offset, SEEK_SET) != 0)
		return fail(p, "%s: no record at offset %lld", r->file, (long long)r->offset);
	for (int64_t left = r->length; left > 0;) {
		size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
		if (fread(buf, 1, want, in) != want)
			return fail(p, "%s: the record at offset %lld is cut short", r->file,
			            (long long)r->offset);
		/* The first bytes must open a gzip member, or the index is stale. */
		if (left == r->length && (want < 2 || buf[0] != 0x1f || buf[1] != 0x8b))
			return fail(p, "%s: offset %lld is not a gzip member", r->file,
			            (long long)r->offset);
		if (fwrite(buf, 1, want, out) != want)
			return fail(p, "cannot write %s: %s", DATA_WARC, strerror(errno));
		left -= (int64_t)want;
	}
	return 0;
}

/* data.warc.gz: a fresh warcinfo record, then the records as they are. */
static int build_data_warc(struct pkg *p, const char *path)
{
	struct lk_warc_writer *w;
	char desc[128];
	snprintf(desc, sizeof(desc), "linkkeeper export: %zu records of %zu links", p->n_recs,
	         p->o->n_links);
	struct lk_warc_open_opts wo = {.description = desc, .now_ms = p->o->now_ms};
	if (lk_warc_open(path, &wo, &w, p->err, p->errlen) != 0)
		return -1;
	if (lk_warc_close(w, p->err, p->errlen) != 0)
		return -1;
	FILE *out = fopen(path, "ab");
	if (!out)
		return fail(p, "cannot open %s: %s", path, strerror(errno));
	unsigned char *buf = lk_xmalloc(COPY_BUF);
	struct source src = {0};
	int rc = 0;
	for (size_t i = 0; i < p->n_recs && rc == 0; i++)
		rc = copy_member(p, &src, out, &p->recs[i], buf);
	source_close(&src);
	free(buf);
	if (fclose(out) != 0 && rc == 0)
		rc = fail(p, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

/* indexes/index.cdxj: every packaged WARC indexed under its base name. */
/* Returns the number of index lines, or -1. */
static long build_index(struct pkg *p, struct member *m)
{
	struct lk_cdxj_lines lines = {0};
	int rc = 0;
	for (size_t i = 0; i < p->n_m && rc == 0; i++) {
		if (!p->m[i].src)
			continue;
		const char *base = strrchr(p->m[i].zip_path, '/') + 1;
		rc = lk_cdxj_index_file(p->m[i].src, base, lk_cdxj_lines_add, &lines, p->err, p->errlen);
	}
	lk_cdxj_lines_sort(&lines);
	for (size_t i = 0; i < lines.n; i++)
		lk_buf_puts(&m->mem, lines.v[i]);
	long n = (long)lines.n;
	lk_cdxj_lines_free(&lines);
	return rc == 0 ? n : -1;
}

static void json_time(struct lk_buf *b, int64_t ms)
{
	char t[32];
	lk_format_time(ms, 0, t);
	lk_buf_json_string(b, t);
}

/* datapackage.json: every member so far, with its hash and size. */
static void build_datapackage(struct pkg *p, struct lk_buf *b, int64_t now)
{
	const struct lk_wacz_opts *o = p->o;
	lk_buf_puts(b, "{\n  \"profile\": \"data-package\",\n  \"wacz_version\": \"" LK_WACZ_VERSION
	               "\",\n  \"title\": ");
	lk_buf_json_string(b, o->title && *o->title ? o->title : "linkkeeper archive");
	lk_buf_puts(b, ",\n  \"description\": ");
	lk_buf_json_string(b, o->links ? "Captures of the links of the given documents, "
	                                 "made by linkkeeper."
	                               : "Every capture of the linkkeeper archive.");
	lk_buf_puts(b, ",\n  \"created\": ");
	json_time(b, now);
	lk_buf_puts(b, ",\n  \"modified\": ");
	json_time(b, now);
	lk_buf_puts(b, ",\n  \"software\": \"linkkeeper " LK_VERSION "\",\n  \"resources\": [");
	for (size_t i = 0; i < p->n_m; i++) {
		const struct member *m = &p->m[i];
		lk_buf_puts(b, i ? ",\n    {\n      \"name\": " : "\n    {\n      \"name\": ");
		lk_buf_json_string(b, strrchr(m->zip_path, '/') + 1);
		lk_buf_puts(b, ",\n      \"path\": ");
		lk_buf_json_string(b, m->zip_path);
		lk_buf_puts(b, ",\n      \"hash\": ");
		lk_buf_json_string(b, m->hash);
		lk_buf_printf(b, ",\n      \"bytes\": %llu\n    }", (unsigned long long)m->bytes);
	}
	lk_buf_puts(b, "\n  ]\n}\n");
}

/* ---- the zip ------------------------------------------------------------- */

static void hex_digest(EVP_MD_CTX *md, char out[LK_WARC_DIGEST_SIZE])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(md, d, &n);
	char *w = out + snprintf(out, LK_WARC_DIGEST_SIZE, "sha256:");
	for (unsigned i = 0; i < n && i < 32; i++)
		w += snprintf(w, 3, "%02x", d[i]);
}

static int zip_fail(struct pkg *p, struct archive *a, const char *what)
{
	return fail(p, "writing the WACZ (%s): %s", what,
	            archive_error_string(a) ? archive_error_string(a) : "unknown error");
}

static int zip_write(struct pkg *p, struct archive *a, const void *data, size_t n,
                     const char *what)
{
	la_ssize_t w = archive_write_data(a, data, n);
	if (w < 0 || (size_t)w != n)
		return zip_fail(p, a, what);
	return 0;
}

/* One member: header, data (from disk or memory), hash and size noted. */
static int zip_member(struct pkg *p, struct archive *a, struct member *m, int64_t now)
{
	FILE *in = NULL;
	struct archive_entry *e = archive_entry_new();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = NULL;
	int rc = -1;
	if (!e || !md) {
		fail(p, "out of memory");
		goto out;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	m->bytes = m->mem.len;
	if (m->src) {
		struct stat sb;
		in = fopen(m->src, "rb");
		if (!in || fstat(fileno(in), &sb) != 0) {
			fail(p, "cannot open %s: %s", m->src, strerror(errno));
			goto out;
		}
		m->bytes = (uint64_t)sb.st_size;
	}
	archive_entry_set_pathname(e, m->zip_path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)m->bytes); /* before the header: see archiving.md §3.3 */
	archive_entry_set_mtime(e, (time_t)(now / 1000), 0);
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		zip_fail(p, a, m->zip_path);
		goto out;
	}
	if (!m->src) {
		EVP_DigestUpdate(md, m->mem.data, m->mem.len);
		if (m->mem.len && zip_write(p, a, m->mem.data, m->mem.len, m->zip_path) != 0)
			goto out;
	} else {
		buf = lk_xmalloc(COPY_BUF);
		for (uint64_t left = m->bytes; left > 0;) {
			size_t want = left < COPY_BUF ? (size_t)left : COPY_BUF;
			if (fread(buf, 1, want, in) != want) {
				fail(p, "%s changed while it was packaged", m->src);
				goto out;
			}
			EVP_DigestUpdate(md, buf, want);
			if (zip_write(p, a, buf, want, m->zip_path) != 0)
				goto out;
			left -= want;
		}
	}
	hex_digest(md, m->hash);
	rc = 0;
out:
	free(buf);
	if (in)
		fclose(in);
	EVP_MD_CTX_free(md);
	archive_entry_free(e);
	return rc;
}

/* Writes every member, then datapackage.json and its digest. */
static int write_zip(struct pkg *p, const char *zip_path, int64_t now)
{
	struct archive *a = archive_write_new();
	struct lk_buf dp = {0}, dig = {0};
	int rc = -1;
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "zip:compression=store") != ARCHIVE_OK) {
		zip_fail(p, a, "store mode");
		goto out;
	}
	if (archive_write_open_filename(a, zip_path) != ARCHIVE_OK) {
		zip_fail(p, a, zip_path);
		goto out;
	}
	for (size_t i = 0; i < p->n_m; i++)
		if (zip_member(p, a, &p->m[i], now) != 0)
			goto out;
	/* The manifest lists what came before it, and then is listed itself
	 * only by the digest file. */
	build_datapackage(p, &dp, now);
	struct member *m = add_member(p, "datapackage.json");
	lk_buf_append(&m->mem, dp.data, dp.len);
	if (zip_member(p, a, m, now) != 0)
		goto out;
	lk_buf_puts(&dig, "{\"path\": \"datapackage.json\", \"hash\": ");
	lk_buf_json_string(&dig, m->hash);
	lk_buf_puts(&dig, "}\n");
	m = add_member(p, "datapackage-digest.json");
	lk_buf_append(&m->mem, dig.data, dig.len);
	if (zip_member(p, a, m, now) != 0)
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		zip_fail(p, a, "closing");
		goto out;
	}
	rc = 0;
out:
	archive_write_free(a);
	lk_buf_free(&dp);
	lk_buf_free(&dig);
	return rc;
}

/* ---- the whole export ------------------------------------------------------ */

/* A temporary folder in the output's folder (same file system: the final
 * rename is atomic, and big archives do not fill /tmp). */
static int make_work_dir(struct pkg *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *tmpl = slash ? lk_xasprintf("%.*s/.lk-wacz-XXXXXX", (int)(slash - path), path)
	                   : lk_xstrdup(".lk-wacz-XXXXXX");
	if (!mkdtemp(tmpl)) {
		fail(p, "cannot create a temporary folder next to %s: %s", path, strerror(errno));
		free(tmpl);
		return -1;
	}
	p->work = tmpl;
	return 0;
}

static void remove_work_dir(struct pkg *p)
{
	if (!p->work)
		return;
	DIR *d = opendir(p->work);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *f = lk_xasprintf("%s/%s", p->work, e->d_name);
		unlink(f);
		free(f);
	}
	if (d)
		closedir(d);
	rmdir(p->work);
}

static void pkg_free(struct pkg *p)
{
	remove_work_dir(p);
	free(p->work);
	for (size_t i = 0; i < p->n_recs; i++)
		free(p->recs[i].file);
	free(p->recs);
	for (size_t i = 0; i < p->n_warcs; i++)
		free(p->warcs[i]);
	free(p->warcs);
	for (size_t i = 0; i < p->n_m; i++) {
		free(p->m[i].zip_path);
		free(p->m[i].src);
		lk_buf_free(&p->m[i].mem);
	}
	free(p->m);
	lk_buf_free(&p->pages);
	lk_captures_close(p->caps);
}

/* Links scope: the records and pages of o->links. 1 when none has any
 * capture. */
static int collect_links(struct pkg *p)
{
	long total = 0;
	for (size_t i = 0; i < p->o->n_links; i++) {
		long n = collect_link(p, p->o->links[i].url);
		if (n < 0)
			return -1;
		total += n;
		if (n && add_page(p, p->o->links[i].url, p->o->links[i].title) != 0)
			return -1;
	}
	if (total == 0) {
		snprintf(p->err, p->errlen, "no capture of any of the %zu links", p->o->n_links);
		return 1;
	}
	uniq_recs(p);
	return 0;
}

/* The WARC members, in the order they go into the zip. */
static int add_warc_members(struct pkg *p)
{
	if (p->o->links) {
		struct member *m = add_member(p, "archive/" DATA_WARC);
		m->src = lk_xasprintf("%s/%s", p->work, DATA_WARC);
		return build_data_warc(p, m->src);
	}
	for (size_t i = 0; i < p->n_warcs; i++) {
		char *zp = lk_xasprintf("archive/%s", p->warcs[i]);
		struct member *m = add_member(p, zp);
		m->src = lk_xasprintf("%s/%s", p->o->archive_dir, p->warcs[i]);
		free(zp);
	}
	return 0;
}

int lk_wacz_write(const char *path, const struct lk_wacz_opts *o, struct lk_wacz_stats *st,
                  char *err, size_t errlen)
{
	struct pkg p = {.o = o, .err = err, .errlen = errlen};
	int64_t now = o->now_ms ? o->now_ms : lk_now_ms();
	int rc = -1;
	memset(st, 0, sizeof(*st));
	if (lk_captures_open(o->db_path, 1, &p.caps, err, errlen) != 0)
		goto out;
	lk_buf_puts(&p.pages, "{\"format\": \"json-pages-1.0\", \"id\": \"pages\", "
	                      "\"title\": \"All Pages\"}\n");
	if (o->links) {
		rc = collect_links(&p);
		if (rc != 0)
			goto out;
		rc = -1;
	} else {
		if (lk_restore_list_warcs(o->archive_dir, &p.warcs, &p.n_warcs, err, errlen) != 0)
			goto out;
		if (lk_restore_each_link(o->db_path, 0, page_of_history_link, &p, err, errlen) < 0)
			goto out;
	}
	if (make_work_dir(&p, path) != 0 || add_warc_members(&p) != 0)
		goto out;
	size_t n_warcs = p.n_m;
	struct member *idx = add_member(&p, "indexes/index.cdxj");
	long nlines = build_index(&p, idx);
	if (nlines < 0)
		goto out;
	size_t lines = (size_t)nlines;
	struct member *pages = add_member(&p, "pages/pages.jsonl");
	lk_buf_append(&pages->mem, p.pages.data, p.pages.len);

	char *zip_path = lk_xasprintf("%s/package.wacz", p.work);
	int zrc = write_zip(&p, zip_path, now);
	if (zrc == 0 && rename(zip_path, path) != 0)
		zrc = fail(&p, "cannot write %s: %s", path, strerror(errno));
	free(zip_path);
	if (zrc != 0)
		goto out;
	struct stat sb;
	st->bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	st->warc_files = n_warcs;
	st->records = p.n_recs;
	st->index_lines = lines;
	st->pages = p.n_pages;
	rc = 0;
out:
	pkg_free(&p);
	return rc;
}
