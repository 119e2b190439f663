/*
 * test_wacz.c — WACZ packages (wacz.h) read back by code that is not the
 * writer's: libarchive's zip reader for members and compression, a small
 * central-directory walk of our own for the byte offsets a replay tool
 * uses (zip data offset + CDXJ offset = a gzip member, read with warc.h),
 * and warcio.js for the CDXJ of the packaged WARC data.
 *
 * Fixtures (archive_fixture.h, shared with test_restore.c): WARC files
 * written with warc.h, indexed with captures.h, links in a history database
 * (history.h + SQL), as `linkkeeper archive` leaves them. The tests run
 * from the repository root (as make does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/util.h"
#include "linkkeeper/wacz.h"
#include "linkkeeper/warc.h"

#include "archive_fixture.h"
#include "warcio_run.h"

#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"

/* ---- fixture ---------------------------------------------------------------- */

static void fx_open(struct fx *f)
{
	fx_open_tmp(f, "/tmp/lk-test-wacz-XXXXXX");
}

/* fx_capture of a text body. */
static struct lk_warc_capture_result fx_capture_text(struct fx *f, const char *url, int64_t at,
                                                     const char *head, const char *body,
                                                     const struct lk_warc_capture_result *rev,
                                                     const char *rev_url)
{
	return fx_capture(f, url, at, head, body, strlen(body), rev, rev_url);
}

/* The scene every test packages:
 *   file 1: /page (200), /moved (301 -> /page, same visit), /old (200)
 *   file 2: /page again (revisit of file 1's), /missing (404), /other (200),
 *           /copy (a revisit of file 1's /page: same body, other URL)
 * and the history's links: /moved, /page, /missing (broken), /old. */
static void fx_scene(struct fx *f)
{
	const char *page_url = "http://h.test/page", *body = "<title>P</title>page";
	struct lk_warc_capture_result page =
		fx_capture_text(f, page_url, T0, OK_HEAD, body, NULL, NULL);
	fx_capture_text(f, "http://h.test/moved", T0 - 10,
	                "HTTP/1.1 301 Moved\r\nLocation: http://h.test/page\r\n\r\n", "moved",
	                NULL, NULL);
	fx_capture_text(f, "http://h.test/old", T0 + 1, OK_HEAD, "old", NULL, NULL);
	fx_next_file(f);
	fx_capture_text(f, page_url, T0 + HOUR, OK_HEAD, body, &page, page_url);
	fx_capture_text(f, "http://h.test/missing", T0 + HOUR, "HTTP/1.1 404 Not Found\r\n\r\n",
	                "no", NULL, NULL);
	fx_capture_text(f, "http://h.test/other", T0 + HOUR, OK_HEAD, "other", NULL, NULL);
	fx_capture_text(f, "http://h.test/copy", T0 + HOUR, OK_HEAD, body, &page, page_url);
	fx_seal(f);
	fx_link(f, "http://h.test/moved", "ok", "Moved \"page\"");
	fx_link(f, page_url, "ok", "The page");
	fx_link(f, "http://h.test/missing", "broken", "Missing");
	fx_link(f, "http://h.test/old", "broken", "");
}

/* ---- reading a zip ------------------------------------------------------------ */

struct zmember {
	char *name;
	unsigned char *data;
	size_t len;
	int stored;        /* libarchive's reader says "uncompressed" */
	uint64_t data_off; /* where the data starts in the zip (own walk) */
	unsigned method;   /* compression method in the central directory */
};

struct zip {
	struct zmember m[16];
	size_t n;
	unsigned char *raw;
	size_t raw_len;
};

static unsigned u16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct zmember *zfind(struct zip *z, const char *name)
{
	for (size_t i = 0; i < z->n; i++)
		if (strcmp(z->m[i].name, name) == 0)
			return &z->m[i];
	fail_msg("no member %s in the package", name);
	return NULL;
}

/* The central directory, walked by hand as wabac.js does: method and the
 * data offset (local header + name + local extra) of every member. */
static void zip_walk(struct zip *z)
{
	const unsigned char *p = z->raw;
	size_t n = z->raw_len, eocd = 0;
	for (size_t i = n - 22 + 1; i-- > 0;)
		if (u32(p + i) == 0x06054b50) {
			eocd = i;
			break;
		}
	assert_true(eocd > 0);
	size_t count = u16(p + eocd + 10), off = u32(p + eocd + 16);
	assert_int_equal(count, z->n);
	for (size_t k = 0; k < count; k++) {
		assert_int_equal(u32(p + off), 0x02014b50);
		unsigned method = u16(p + off + 10), name_len = u16(p + off + 28);
		size_t extra = u16(p + off + 30), comment = u16(p + off + 32);
		size_t local = u32(p + off + 42);
		char *name = lk_xstrndup((const char *)p + off + 46, name_len);
		struct zmember *m = zfind(z, name);
		m->method = method;
		assert_int_equal(u32(p + local), 0x04034b50);
		m->data_off = local + 30 + u16(p + local + 26) + u16(p + local + 28);
		assert_memory_equal(p + m->data_off, m->data, m->len);
		free(name);
		off += 46 + name_len + extra + comment;
	}
}

static void zip_read(const char *path, struct zip *z)
{
	memset(z, 0, sizeof(*z));
	struct archive *a = archive_read_new();
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK)
		fail_msg("%s: %s", path, archive_error_string(a));
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(z->n < 16);
		struct zmember *m = &z->m[z->n++];
		m->name = lk_xstrdup(archive_entry_pathname(e));
		m->stored = strstr(archive_format_name(a), "uncompressed") != NULL;
		struct lk_buf b = {0};
		char buf[8192];
		la_ssize_t r;
		while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
			lk_buf_append(&b, buf, (size_t)r);
		assert_true(r == 0);
		m->len = b.len;
		m->data = (unsigned char *)lk_buf_detach(&b);
		if (!m->data)
			m->data = (unsigned char *)lk_xstrdup("");
	}
	archive_read_free(a);
	char err[256];
	char *raw;
	assert_int_equal(lk_read_file(path, 1 << 26, &raw, &z->raw_len, err, sizeof(err)), 0);
	z->raw = (unsigned char *)raw;
	zip_walk(z);
}

static void zip_free(struct zip *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->m[i].name);
		free(z->m[i].data);
	}
	free(z->raw);
}

/* A member written to a file of its own (for readers that want a path). */
static char *member_file(const struct fx *f, const struct zmember *m, const char *name)
{
	char *path = lk_xasprintf("%s/%s", f->root, name);
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(m->data, 1, m->len, out), m->len);
	fclose(out);
	return path;
}

static char *write_package(struct fx *f, const struct lk_wacz_link *links, size_t n,
                           struct lk_wacz_stats *st)
{
	char err[512];
	char *out = lk_xasprintf("%s/out.wacz", f->root);
	struct lk_wacz_opts o = {.db_path = f->db, .archive_dir = f->archive, .links = links,
	                         .n_links = n, .now_ms = T0 + 2 * HOUR};
	if (lk_wacz_write(out, &o, st, err, sizeof(err)) != 0)
		fail_msg("wacz: %s", err);
	return out;
}

/* The value of "key":"…" in a CDXJ line (no escapes in our fixtures). */
static char *cdxj_field(const char *line, const char *key)
{
	char *pat = lk_xasprintf("\"%s\":\"", key);
	const char *p = strstr(line, pat);
	assert_non_null(p);
	p += strlen(pat);
	free(pat);
	return lk_xstrndup(p, strcspn(p, "\""));
}

/* The scene of archive_fixture.h packaged (all of it, or the given links)
 * and read back; scene_close undoes it. */
static char *scene_package(struct fx *f, const struct lk_wacz_link *links, size_t n,
                           struct lk_wacz_stats *st, struct zip *z)
{
	fx_open(f);
	fx_scene(f);
	char *out = write_package(f, links, n, st);
	zip_read(out, z);
	return out;
}

static void scene_close(struct fx *f, struct zip *z, char *out)
{
	zip_free(z);
	free(out);
	fx_close(f);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_every_member_is_stored_and_hashed_in_datapackage(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	struct zip z;
	char *out = scene_package(&f, NULL, 0, &st, &z);
	assert_int_equal(st.warc_files, 2);
	assert_int_equal(z.n, 6);
	const char *order[] = {"archive/linkkeeper-20261125094640000-00000.warc.gz",
	                       "archive/linkkeeper-20261125094640000-00001.warc.gz",
	                       "indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json",
	                       "datapackage-digest.json"};
	for (size_t i = 0; i < z.n; i++) {
		assert_string_equal(z.m[i].name, order[i]);
		assert_true(z.m[i].stored);
		assert_int_equal(z.m[i].method, 0);
	}

	struct zmember *dp = zfind(&z, "datapackage.json");
	char *json = lk_xstrndup((const char *)dp->data, dp->len);
	assert_non_null(strstr(json, "\"profile\": \"data-package\""));
	assert_non_null(strstr(json, "\"wacz_version\": \"1.1.1\""));
	assert_non_null(strstr(json, "\"created\": \"2026-11-25T11:46:40Z\""));
	assert_non_null(strstr(json, "\"software\": \"linkkeeper " LK_VERSION "\""));
	for (size_t i = 0; i < 4; i++) {
		char hash[LK_WARC_DIGEST_SIZE];
		lk_warc_sha256(z.m[i].data, z.m[i].len, hash);
		const char *base = strrchr(z.m[i].name, '/') + 1;
		char *want = lk_xasprintf("{\n      \"name\": \"%s\",\n      \"path\": \"%s\",\n"
		                          "      \"hash\": \"%s\",\n      \"bytes\": %zu\n    }",
		                          base, z.m[i].name, hash, z.m[i].len);
		if (!strstr(json, want))
			fail_msg("datapackage.json lacks\n%s\nin\n%s", want, json);
		free(want);
	}
	assert_null(strstr(json, "\"path\": \"datapackage")); /* it does not list itself */

	char hash[LK_WARC_DIGEST_SIZE];
	lk_warc_sha256(dp->data, dp->len, hash);
	char *digest = lk_xasprintf("{\"path\": \"datapackage.json\", \"hash\": \"%s\"}\n", hash);
	struct zmember *dg = zfind(&z, "datapackage-digest.json");
	assert_int_equal(dg->len, strlen(digest));
	assert_memory_equal(dg->data, digest, dg->len);

	/* The WARC files are byte copies of the archive's. */
	for (size_t i = 0; i < 2; i++) {
		char *src = lk_xasprintf("%s/%s", f.archive, strrchr(z.m[i].name, '/') + 1), *data;
		size_t n;
		char err[256];
		assert_int_equal(lk_read_file(src, 1 << 26, &data, &n, err, sizeof(err)), 0);
		assert_int_equal(n, z.m[i].len);
		assert_memory_equal(data, z.m[i].data, n);
		free(data);
		free(src);
	}
	free(digest);
	free(json);
	scene_close(&f, &z, out);
}

static void test_cdxj_offsets_in_the_zip_are_records_of_their_url(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	struct zip z;
	char *out = scene_package(&f, NULL, 0, &st, &z);
	struct zmember *idx = zfind(&z, "indexes/index.cdxj");
	char *text = lk_xstrndup((const char *)idx->data, idx->len);
	assert_int_equal(st.index_lines, 7);
	size_t lines = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
		char *url = cdxj_field(line, "url"), *off = cdxj_field(line, "offset");
		char *len = cdxj_field(line, "length"), *file = cdxj_field(line, "filename");
		char *member = lk_xasprintf("archive/%s", file);
		struct zmember *m = zfind(&z, member);
		/* What a replay tool does: one range of the .wacz file. */
		struct lk_warc_record rec = {0};
		char err[256];
		int64_t at = (int64_t)m->data_off + strtoll(off, NULL, 10);
		if (lk_warc_read_record(out, at, strtoll(len, NULL, 10), 1 << 20, &rec, err,
		                        sizeof(err)) != 0)
			fail_msg("%s: %s", line, err);
		assert_string_equal(rec.target_uri, url);
		assert_true(rec.type == LK_WARC_RESPONSE || rec.type == LK_WARC_REVISIT);
		assert_int_equal(rec.length, strtoll(len, NULL, 10));
		lk_warc_record_free(&rec);
		free(url);
		free(off);
		free(len);
		free(file);
		free(member);
	}
	assert_int_equal(lines, 7);
	free(text);
	scene_close(&f, &z, out);
}

static void test_whole_archive_pages_are_live_links_with_titles(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	struct zip z;
	char *out = scene_package(&f, NULL, 0, &st, &z);
	struct zmember *pages = zfind(&z, "pages/pages.jsonl");
	char *text = lk_xstrndup((const char *)pages->data, pages->len);
	const char *header = "{\"format\": \"json-pages-1.0\", \"id\": \"pages\", "
	                     "\"title\": \"All Pages\"}\n";
	assert_int_equal(strncmp(text, header, strlen(header)), 0);
	/* /missing is a 404: not a page; /other is no link of the history. */
	assert_int_equal(st.pages, 3);
	assert_non_null(strstr(text, "\"url\": \"http://h.test/moved\", \"ts\": "
	                             "\"2026-11-25T09:46:39.990Z\", \"title\": \"Moved \\\"page\\\"\"}"));
	assert_non_null(strstr(text, "\"url\": \"http://h.test/page\", \"ts\": "
	                             "\"2026-11-25T10:46:40.000Z\", \"title\": \"The page\"}"));
	assert_non_null(strstr(text, "\"url\": \"http://h.test/old\", \"ts\": "
	                             "\"2026-11-25T09:46:40.001Z\"}"));
	assert_null(strstr(text, "missing"));
	assert_null(strstr(text, "other"));
	assert_non_null(strstr(text, "{\"id\": \"urn:uuid:"));
	free(text);
	scene_close(&f, &z, out);
}

static void test_links_scope_copies_chain_and_revisit_originals_only(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	struct zip z;
	char err[512];
	fx_open(&f);
	fx_scene(&f);
	const struct lk_wacz_link links[] = {
		{"http://h.test/moved", "Moved"},
		{"http://h.test/copy", NULL},
		{"http://h.test/missing", "Missing"},
		{"http://h.test/never", "Never"},
	};
	char *out = write_package(&f, links, 4, &st);
	zip_read(out, &z);
	assert_int_equal(z.n, 5);
	assert_string_equal(z.m[0].name, "archive/data.warc.gz");
	assert_int_equal(st.warc_files, 1);
	/* /moved and its hop /page, /copy and the /page response it refers
	 * to (once), /missing; not /old, /other or the later /page. */
	assert_int_equal(st.records, 4);
	char *data = member_file(&f, &z.m[0], "data.warc.gz");
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	assert_int_equal(lk_warc_reader_open(data, 1 << 20, &r, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_reader_next(r, &rec), 1);
	assert_int_equal(rec.type, LK_WARC_WARCINFO);
	assert_string_equal(rec.filename, "data.warc.gz");
	struct lk_buf seen = {0};
	int rc;
	while ((rc = lk_warc_reader_next(r, &rec)) == 1)
		lk_buf_printf(&seen, "%s %s\n", rec.type_name, rec.target_uri);
	assert_int_equal(rc, 0);
	assert_string_equal(seen.data, "response http://h.test/page\n"
	                               "response http://h.test/moved\n"
	                               "response http://h.test/missing\n"
	                               "revisit http://h.test/copy\n");
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);

	/* The index is the index of the packaged data, offsets and all. */
	struct lk_cdxj_lines lines = {0};
	assert_int_equal(lk_cdxj_index_file(data, NULL, lk_cdxj_lines_add, &lines, err, sizeof(err)),
	                 0);
	lk_cdxj_lines_sort(&lines);
	struct lk_buf want = {0};
	for (size_t i = 0; i < lines.n; i++)
		lk_buf_puts(&want, lines.v[i]);
	struct zmember *idx = zfind(&z, "indexes/index.cdxj");
	assert_int_equal(idx->len, want.len);
	assert_memory_equal(idx->data, want.data, want.len);

	struct zmember *pages = zfind(&z, "pages/pages.jsonl");
	char *text = lk_xstrndup((const char *)pages->data, pages->len);
	assert_int_equal(st.pages, 2);
	assert_non_null(strstr(text, "\"url\": \"http://h.test/moved\""));
	assert_non_null(strstr(text, "\"title\": \"Moved\""));
	assert_non_null(strstr(text, "\"url\": \"http://h.test/copy\", \"ts\": "
	                             "\"2026-11-25T10:46:40.000Z\"}"));
	assert_null(strstr(text, "Missing"));

	free(text);
	lk_buf_free(&want);
	lk_buf_free(&seen);
	lk_cdxj_lines_free(&lines);
	free(data);
	scene_close(&f, &z, out);
}

static void test_packaged_warc_agrees_with_warcio(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	struct zip z;
	const struct lk_wacz_link links[] = {{"http://h.test/moved", NULL},
	                                     {"http://h.test/other", NULL}};
	char *out = scene_package(&f, links, 2, &st, &z);
	char *data = member_file(&f, &z.m[0], "data.warc.gz");
	need_warcio();
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs '%s' >/dev/null", data);
	assert_int_equal(run(cmd, NULL), 0);
	free(cmd);
	struct lk_buf theirs = {0};
	cmd = lk_xasprintf("node tests/js/node_modules/warcio/dist/cli.js cdx-index '%s' | "
	                   "LC_ALL=C sort",
	                   data);
	assert_int_equal(run(cmd, &theirs), 0);
	struct zmember *idx = zfind(&z, "indexes/index.cdxj");
	if (theirs.len != idx->len || memcmp(theirs.data, idx->data, idx->len) != 0)
		fail_msg("index.cdxj differs from warcio.js:\n%s\n---\n%.*s", theirs.data,
		         (int)idx->len, (const char *)idx->data);
	free(cmd);
	lk_buf_free(&theirs);
	free(data);
	scene_close(&f, &z, out);
}

/* Nothing but the .wacz may be left next to it, and nothing on failure. */
static size_t entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void test_links_without_captures_write_nothing(void **state)
{
	(void)state;
	struct fx f;
	struct lk_wacz_stats st;
	char err[512];
	fx_open(&f);
	fx_scene(&f);
	size_t before = entries_in(f.root);
	char *out = lk_xasprintf("%s/out.wacz", f.root);
	const struct lk_wacz_link links[] = {{"http://h.test/never", NULL}};
	struct lk_wacz_opts o = {.db_path = f.db, .archive_dir = f.archive, .links = links,
	                         .n_links = 1};
	assert_int_equal(lk_wacz_write(out, &o, &st, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "no capture"));
	assert_int_equal(entries_in(f.root), before);

	/* A missing archive folder is an error, and leaves nothing either. */
	o = (struct lk_wacz_opts){.db_path = f.db, .archive_dir = "/nonexistent/archive"};
	assert_int_equal(lk_wacz_write(out, &o, &st, err, sizeof(err)), -1);
	assert_int_equal(entries_in(f.root), before);
	o.archive_dir = f.archive;
	o.db_path = "/nonexistent/h.db";
	assert_int_equal(lk_wacz_write(out, &o, &st, err, sizeof(err)), -1);
	assert_int_equal(entries_in(f.root), before);

	/* A good export leaves exactly one new file. */
	o.db_path = f.db;
	assert_int_equal(lk_wacz_write(out, &o, &st, err, sizeof(err)), 0);
	assert_int_equal(entries_in(f.root), before + 1);
	free(out);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_member_is_stored_and_hashed_in_datapackage),
		cmocka_unit_test(test_cdxj_offsets_in_the_zip_are_records_of_their_url),
		cmocka_unit_test(test_whole_archive_pages_are_live_links_with_titles),
		cmocka_unit_test(test_links_scope_copies_chain_and_revisit_originals_only),
		cmocka_unit_test(test_packaged_warc_agrees_with_warcio),
		cmocka_unit_test(test_links_without_captures_write_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
