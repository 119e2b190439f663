/*
 * test_archive.c — the capture index (captures.h) and the archive writer
 * thread (archiver.h), without any network: captures are built by hand the
 * way the engine hands them over, and what the archiver wrote is read back
 * with our WARC reader, with lk_warc_read_record at the indexed offsets, and
 * with warcio.js (tests/js/verify-warc.mjs recomputes every digest; an
 * implementation that is not ours). scripts/js-deps installs warcio.js when
 * it is missing. The tests run from the repository root (as make does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linkkeeper/archiver.h"
#include "linkkeeper/captures.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#define T0 1764072000000LL /* 2025-11-25T12:00:00Z: fixed capture times */
#define MAX_BLOCK (1 << 20)
#define MAX_RECS 256

/* ---- fixture: a temporary folder with a database and an archive dir ---- */

struct fx {
	char dir[64];
	char db[128];
	char archive[128];
	struct lk_link link; /* what every capture points back to */
};

static int setup(void **state)
{
	struct fx *f = lk_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lk-test-archive-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/h.db", f->dir);
	snprintf(f->archive, sizeof f->archive, "%s/warc", f->dir);
	f->link.url = lk_xstrdup("http://example.com/page");
	f->link.src = lk_xcalloc(2, sizeof *f->link.src);
	f->link.src[0] = (struct lk_source){"docs/a.md", 12, lk_xstrdup("An \"example\" page")};
	f->link.src[1] = (struct lk_source){"docs/b.md", 3, NULL};
	f->link.nsrc = 2;
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* LK_KEEP_TMP=1 keeps the files for a look after a failure. */
static int teardown(void **state)
{
	struct fx *f = *state;
	if (getenv("LK_KEEP_TMP"))
		fprintf(stderr, "kept %s\n", f->dir);
	else
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f->link.src[0].title);
	free(f->link.src);
	free(f->link.url);
	free(f);
	return 0;
}

/* ---- building captures ----------------------------------------------------- */

/* A capture of url answered 200 with body, as the engine makes one. */
static struct lk_capture *make_capture(struct fx *f, const char *url, const char *body,
                                       int64_t date_ms)
{
	struct lk_capture *c = lk_xcalloc(1, sizeof *c);
	c->link = &f->link;
	c->url = lk_xstrdup(url);
	snprintf(c->ip, sizeof c->ip, "127.0.0.1");
	c->http_status = 200;
	c->date_ms = date_ms;
	lk_buf_printf(&c->request, "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n");
	lk_buf_printf(&c->response,
	              "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	              "Content-Length: %zu\r\n\r\n",
	              strlen(body));
	c->header_len = c->response.len;
	lk_buf_puts(&c->response, body);
	return c;
}

/* A body of about n bytes that gzip cannot shrink much (so sizes mean
 * something), different for each seed. Caller frees. */
static char *noisy_body(size_t n, unsigned seed)
{
	char *s = lk_xmalloc(n + 1);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		s[i] = "abcdefghijklmnopqrstuvwxyz0123456789 \n"[x % 38];
	}
	s[n] = '\0';
	return s;
}

/* encoders: as lk_archiver_opts (0: one per CPU, -1: none). */
static struct lk_archiver *start_opts(struct fx *f, int64_t run_id, int64_t max_size,
                                      int encoders, size_t ring_bytes)
{
	char err[512] = "";
	struct lk_archiver_opts o = {
		.db_path = f->db,
		.dir = f->archive,
		.run_id = run_id,
		.warc_max_size = max_size,
		.queue_cap = 4,
		.user_agent = "lk-test/1",
		.encoders = encoders,
		.ring_bytes = ring_bytes,
	};
	struct lk_archiver *a = lk_archiver_start(&o, err, sizeof err);
	if (!a)
		fail_msg("archiver did not start: %s", err);
	return a;
}

static struct lk_archiver *start_with(struct fx *f, int64_t run_id, int64_t max_size,
                                      int encoders)
{
	return start_opts(f, run_id, max_size, encoders, 0);
}

static struct lk_archiver *start(struct fx *f, int64_t run_id, int64_t max_size)
{
	return start_with(f, run_id, max_size, 0);
}

static void finish_ok(struct lk_archiver *a, struct lk_archive_stats *st)
{
	char err[512] = "";
	if (lk_archiver_finish(a, st, err, sizeof err) != 0)
		fail_msg("archiver failed: %s", err);
}

/* ---- reading back ------------------------------------------------------------ */

struct rec {
	char file[LK_WARC_FILENAME_SIZE];
	enum lk_warc_type type;
	char id[LK_WARC_ID_SIZE];
	char refers_to[LK_WARC_ID_SIZE];
	char target[256];
	char truncated[16];
	char block_head[1024]; /* the first bytes of the block */
	int64_t offset;
};

struct recs {
	struct rec r[MAX_RECS];
	size_t n;
	char files[16][LK_WARC_FILENAME_SIZE]; /* sorted names of the sealed files */
	size_t nfiles;
	size_t nopen;                          /* ".open" files left */
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void list_files(const struct fx *f, struct recs *out)
{
	DIR *d = opendir(f->archive);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 5 && strcmp(e->d_name + n - 5, ".open") == 0)
			out->nopen++;
		if (n > 8 && strcmp(e->d_name + n - 8, ".warc.gz") == 0) {
			assert_true(out->nfiles < 16 && n < LK_WARC_FILENAME_SIZE);
			memcpy(out->files[out->nfiles++], e->d_name, n + 1);
		}
	}
	closedir(d);
	qsort(out->files, out->nfiles, sizeof out->files[0], cmp_name);
}

/* Keeps the first size - 1 bytes of s (NULL: ""). */
static void copy_field(char *dst, size_t size, const char *s)
{
	size_t n = s ? strnlen(s, size - 1) : 0;
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Every record of every sealed WARC file, files in name (= time) order. */
static void read_all(const struct fx *f, struct recs *out)
{
	memset(out, 0, sizeof *out);
	list_files(f, out);
	for (size_t i = 0; i < out->nfiles; i++) {
		char err[256], *path = lk_xasprintf("%s/%s", f->archive, out->files[i]);
		struct lk_warc_reader *r;
		struct lk_warc_record rec = {0};
		int rc;
		assert_int_equal(lk_warc_reader_open(path, MAX_BLOCK, &r, err, sizeof err), 0);
		while ((rc = lk_warc_reader_next(r, &rec)) == 1) {
			assert_true(out->n < MAX_RECS);
			struct rec *x = &out->r[out->n++];
			copy_field(x->file, sizeof x->file, out->files[i]);
			x->type = rec.type;
			copy_field(x->id, sizeof x->id, rec.record_id);
			copy_field(x->refers_to, sizeof x->refers_to, rec.refers_to);
			copy_field(x->target, sizeof x->target, rec.target_uri);
			copy_field(x->truncated, sizeof x->truncated, rec.truncated);
			copy_field(x->block_head, sizeof x->block_head, (const char *)rec.block);
			x->offset = rec.offset;
		}
		if (rc != 0)
			fail_msg("%s: %s", path, lk_warc_reader_error(r));
		lk_warc_record_free(&rec);
		lk_warc_reader_close(r);
		free(path);
	}
}

static size_t count_type(const struct recs *rs, enum lk_warc_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		n += rs->r[i].type == t;
	return n;
}

/* The i-th record of type t (in file order), or fails. */
static const struct rec *nth(const struct recs *rs, enum lk_warc_type t, size_t i)
{
	size_t seen = 0;
	for (size_t k = 0; k < rs->n; k++)
		if (rs->r[k].type == t && seen++ == i)
			return &rs->r[k];
	fail_msg("no record %zu of type %s", i, lk_warc_type_name(t));
	return NULL;
}

static int run_cmd(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* warcio.js recomputes every digest of every file (exit 0 = all match). */
static void warcio_verifies(const struct fx *f)
{
	assert_int_equal(access("tests/js/verify-warc.mjs", R_OK), 0); /* run from the repo root */
	if (access("tests/js/node_modules/warcio/dist/cli.js", R_OK) != 0)
		assert_int_equal(run_cmd("scripts/js-deps >&2"), 0);
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs %s/*.warc.gz >/dev/null", f->archive);
	int rc = run_cmd(cmd);
	free(cmd);
	if (rc != 0) {
		cmd = lk_xasprintf("node tests/js/verify-warc.mjs %s/*.warc.gz >&2", f->archive);
		run_cmd(cmd);
		free(cmd);
		fail_msg("warcio.js did not verify the archive (exit %d)", rc);
	}
}

static struct lk_captures *open_index(const struct fx *f, int readonly)
{
	char err[512];
	struct lk_captures *c;
	if (lk_captures_open(f->db, readonly, &c, err, sizeof err) != 0)
		fail_msg("%s", err);
	return c;
}

static int count_row(void *ctx, const struct lk_capture_row *row)
{
	(void)row;
	(*(long *)ctx)++;
	return 0;
}

static long index_rows(const struct fx *f)
{
	struct lk_captures *c = open_index(f, 1);
	long n = 0;
	assert_true(lk_captures_each(c, count_row, &n) >= 0);
	lk_captures_close(c);
	return n;
}

/* ---- the capture index ------------------------------------------------------- */

static void fill_row(struct lk_capture_row *r, const char *url, const char *type, int64_t at,
                     const char *digest, const char *id, const char *truncated)
{
	memset(r, 0, sizeof *r);
	r->url = (char *)(uintptr_t)url;
	r->urlkey = (char *)(uintptr_t)"com,example)/a";
	lk_format_time(at, 1, r->warc_date);
	snprintf(r->ts14, sizeof r->ts14, "20251125120000");
	r->captured_at = at;
	snprintf(r->record_type, sizeof r->record_type, "%s", type);
	r->http_status = 200;
	r->mime = (char *)(uintptr_t)"text/html";
	r->payload_digest = (char *)(uintptr_t)digest;
	r->record_id = (char *)(uintptr_t)id;
	r->file = (char *)(uintptr_t)"x.warc.gz";
	r->offset = at - T0;
	r->length = 100;
	r->truncated = (char *)(uintptr_t)truncated;
	r->run_id = 1;
}

static void add_rows(struct fx *f)
{
	struct lk_captures *c = open_index(f, 0);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_file_opened(c, "x.warc.gz", T0), 0);
	assert_int_equal(lk_captures_begin(c), 0);
	fill_row(&r, "http://example.com/a", "response", T0 + 1000, "sha256:aa", "<urn:1>", NULL);
	assert_int_equal(lk_captures_add(c, &r), 0);
	fill_row(&r, "http://example.com/a", "revisit", T0 + 2000, "sha256:aa", "<urn:2>", NULL);
	r.refers_to = (char *)(uintptr_t)"<urn:1>";
	assert_int_equal(lk_captures_add(c, &r), 0);
	fill_row(&r, "http://example.com/a", "response", T0 + 3000, "sha256:bb", "<urn:3>", "length");
	assert_int_equal(lk_captures_add(c, &r), 0);
	fill_row(&r, "http://example.com/b", "response", T0 + 1500, "sha256:cc", "<urn:4>", NULL);
	assert_int_equal(lk_captures_add(c, &r), 0);
	assert_int_equal(lk_captures_commit(c), 0);
	assert_int_equal(lk_captures_file_closed(c, "x.warc.gz", T0 + 5000, 400), 0);
	lk_captures_close(c);
}

static void test_captures_round_trip(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;

	assert_int_equal(lk_captures_find(c, "http://example.com/a", 0, &r), 1);
	assert_string_equal(r.record_id, "<urn:3>"); /* the latest, truncated or not */
	assert_string_equal(r.truncated, "length");
	lk_capture_row_clear(&r);

	assert_int_equal(lk_captures_find(c, "http://example.com/a", T0 + 2500, &r), 1);
	assert_string_equal(r.record_id, "<urn:2>");
	assert_string_equal(r.record_type, "revisit");
	assert_string_equal(r.refers_to, "<urn:1>");
	assert_string_equal(r.mime, "text/html");
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.captured_at, T0 + 2000);
	assert_int_equal(r.offset, 2000);
	assert_int_equal(r.length, 100);
	assert_string_equal(r.file, "x.warc.gz");
	assert_int_equal(r.run_id, 1);
	lk_capture_row_clear(&r);

	assert_int_equal(lk_captures_find(c, "http://example.com/a", T0 + 999, &r), 0);
	assert_int_equal(lk_captures_find(c, "http://example.com/zzz", 0, &r), 0);
	lk_captures_close(c);
}

static void test_last_original_skips_revisits_and_truncated(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_last_original(c, "http://example.com/a", &r), 1);
	assert_string_equal(r.record_id, "<urn:1>");
	assert_string_equal(r.payload_digest, "sha256:aa");
	assert_null(r.truncated);
	lk_capture_row_clear(&r);
	assert_int_equal(lk_captures_last_original(c, "http://example.com/none", &r), 0);
	lk_captures_close(c);
}

static void test_by_record_id_and_has_record(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_by_record_id(c, "<urn:4>", &r), 1);
	assert_string_equal(r.url, "http://example.com/b");
	lk_capture_row_clear(&r);
	assert_int_equal(lk_captures_by_record_id(c, "<urn:9>", &r), 0);
	assert_int_equal(lk_captures_has_record(c, "<urn:2>"), 1);
	assert_int_equal(lk_captures_has_record(c, "<urn:9>"), 0);
	lk_captures_close(c);
}

struct seen_rows {
	char ids[8][16];
	size_t n;
};

static int collect_ids(void *ctx, const struct lk_capture_row *row)
{
	struct seen_rows *s = ctx;
	snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", row->record_id);
	return 0;
}

static void test_each_orders_by_url_then_time(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 1);
	struct seen_rows s = {0};
	assert_int_equal(lk_captures_each(c, collect_ids, &s), 4);
	assert_string_equal(s.ids[0], "<urn:1>");
	assert_string_equal(s.ids[1], "<urn:2>");
	assert_string_equal(s.ids[2], "<urn:3>");
	assert_string_equal(s.ids[3], "<urn:4>");
	lk_captures_close(c);
}

static void test_forget_after_drops_cut_rows(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 0);
	assert_int_equal(lk_captures_forget_after(c, "x.warc.gz", 1600), 2); /* urn:2, urn:3 */
	assert_int_equal(lk_captures_has_record(c, "<urn:1>"), 1);
	assert_int_equal(lk_captures_has_record(c, "<urn:4>"), 1);
	assert_int_equal(lk_captures_has_record(c, "<urn:3>"), 0);
	assert_int_equal(lk_captures_forget_after(c, "other.warc.gz", 0), 0);
	lk_captures_close(c);
}

static void test_duplicate_record_id_is_refused(void **state)
{
	struct fx *f = *state;
	add_rows(f);
	struct lk_captures *c = open_index(f, 0);
	struct lk_capture_row r;
	fill_row(&r, "http://example.com/c", "response", T0, "sha256:dd", "<urn:1>", NULL);
	assert_int_equal(lk_captures_add(c, &r), -1);
	assert_non_null(strstr(lk_captures_error(c), "UNIQUE"));
	lk_captures_close(c);
}

/* A history that never archived: a read-only index finds nothing, no error. */
static void test_readonly_index_without_tables_is_empty(void **state)
{
	struct fx *f = *state;
	char err[512];
	struct lk_captures *c;
	FILE *fp = fopen(f->db, "w"); /* an empty file is an empty SQLite database */
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(lk_captures_open(f->db, 1, &c, err, sizeof err), 0);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_find(c, "http://example.com/a", 0, &r), 0);
	assert_int_equal(lk_captures_last_original(c, "http://example.com/a", &r), 0);
	assert_int_equal(lk_captures_has_record(c, "<urn:1>"), 0);
	long n = 0;
	assert_int_equal(lk_captures_each(c, count_row, &n), 0);
	lk_captures_close(c);

	char *missing = lk_xasprintf("%s/nope.db", f->dir);
	assert_int_equal(lk_captures_open(missing, 1, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "nope.db"));
	free(missing);
}

/* ---- the archiver ------------------------------------------------------------ */

static void test_identical_payload_becomes_revisit(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/page", "<p>same</p>", T0));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 1);
	assert_int_equal(st.revisits, 0);
	assert_int_equal(st.files, 1);

	a = start(f, 2, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/page", "<p>same</p>", T0 + 60000));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 0);
	assert_int_equal(st.revisits, 1);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	assert_int_equal(rs->nfiles, 2);
	assert_int_equal(rs->nopen, 0);
	assert_int_equal(count_type(rs, LK_WARC_WARCINFO), 2);
	assert_int_equal(count_type(rs, LK_WARC_REQUEST), 2);
	assert_int_equal(count_type(rs, LK_WARC_METADATA), 2);
	const struct rec *orig = nth(rs, LK_WARC_RESPONSE, 0);
	const struct rec *rv = nth(rs, LK_WARC_REVISIT, 0);
	assert_string_equal(rv->refers_to, orig->id);
	assert_string_equal(rv->truncated, "length");
	/* the revisit keeps the headers, not the body */
	assert_non_null(strstr(rv->block_head, "Content-Type: text/html"));
	assert_null(strstr(rv->block_head, "<p>same</p>"));

	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_find(c, "http://example.com/page", 0, &r), 1);
	assert_string_equal(r.record_type, "revisit");
	assert_string_equal(r.refers_to, orig->id);
	assert_string_equal(r.refers_to_url, "http://example.com/page");
	assert_string_equal(r.urlkey, "com,example)/page");
	assert_string_equal(r.ts14, "20251125120100");
	assert_string_equal(r.mime, "text/html");
	assert_int_equal(r.run_id, 2);
	lk_capture_row_clear(&r);
	lk_captures_close(c);
	warcio_verifies(f);
	free(rs);
}

/* Within one run the original is not committed yet: memory answers. */
static void test_same_run_duplicate_becomes_revisit(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	for (int i = 0; i < 3; i++)
		lk_archiver_push(a, make_capture(f, "http://example.com/page", "<p>same</p>",
		                                 T0 + i * 1000));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 1);
	assert_int_equal(st.revisits, 2);
	assert_int_equal(index_rows(f), 3);
	warcio_verifies(f);
}

/* Three encoder threads, pages of very different sizes (so they finish out
 * of order), repeats right behind their original (still being encoded) and
 * files rolled on the way (members made for the old file are made again):
 * the files hold the captures in arrival order, every revisit refers to a
 * response written before it, and the index points at each record. */
static void test_encoders_keep_arrival_order_across_rolls(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start_with(f, 1, 60000, 3);
	char *bodies[5];
	for (unsigned i = 0; i < 5; i++)
		bodies[i] = noisy_body(i % 2 ? 40 : 30000, i);
	for (unsigned i = 0; i < 30; i++) {
		/* p0 p0 p1 p1 …: each page twice in a row */
		char *url = lk_xasprintf("http://example.com/p%u", i / 2);
		lk_archiver_push(a, make_capture(f, url, bodies[(i / 2) % 5], T0 + i));
		free(url);
	}
	finish_ok(a, &st);
	for (unsigned i = 0; i < 5; i++)
		free(bodies[i]);
	assert_int_equal(st.responses, 15);
	assert_int_equal(st.revisits, 15);
	assert_true(st.files >= 3);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	size_t k = 0;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->r[i];
		if (r->type != LK_WARC_RESPONSE && r->type != LK_WARC_REVISIT)
			continue;
		char want[64];
		snprintf(want, sizeof want, "http://example.com/p%zu", k / 2);
		assert_string_equal(r->target, want);
		assert_int_equal(r->type, k % 2 ? LK_WARC_REVISIT : LK_WARC_RESPONSE);
		if (r->type == LK_WARC_REVISIT) {
			size_t j = i;
			while (j-- > 0 && strcmp(rs->r[j].id, r->refers_to) != 0)
				;
			assert_true(j < i); /* the original is earlier in the files */
			assert_string_equal(rs->r[j].target, want);
		}
		k++;
	}
	assert_int_equal(k, 30);
	assert_int_equal(index_rows(f), 30);
	warcio_verifies(f);
	free(rs);
}

/* A byte bound on the ring smaller than any capture: one capture at a time
 * goes to the encoders, and every one gets through, in order. */
static void test_ring_byte_bound_passes_one_capture_at_a_time(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start_opts(f, 1, 0, 3, 1);
	char *body = noisy_body(20000, 7);
	for (unsigned i = 0; i < 12; i++) {
		char *url = lk_xasprintf("http://example.com/r%u", i);
		lk_archiver_push(a, make_capture(f, url, body, T0 + i));
		free(url);
	}
	free(body);
	finish_ok(a, &st);
	assert_int_equal(st.responses, 12);
	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	for (unsigned i = 0; i < 12; i++) {
		char want[64];
		snprintf(want, sizeof want, "http://example.com/r%u", i);
		assert_string_equal(nth(rs, LK_WARC_RESPONSE, i)->target, want);
	}
	assert_int_equal(index_rows(f), 12);
	free(rs);
}

/* Without encoder threads the archive thread encodes: same result. */
static void test_archive_thread_alone_writes_the_same(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start_with(f, 1, 0, -1);
	for (unsigned i = 0; i < 6; i++)
		lk_archiver_push(a, make_capture(f, i < 3 ? "http://example.com/a" : "http://example.com/b",
		                                 "<p>x</p>", T0 + i));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 2);
	assert_int_equal(st.revisits, 4);
	assert_int_equal(index_rows(f), 6);
	warcio_verifies(f);
}

static void test_changed_payload_becomes_response(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/page", "<p>one</p>", T0));
	finish_ok(a, &st);
	a = start(f, 2, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/page", "<p>two</p>", T0 + 1000));
	/* another URL with the first page's body: dedup is per URL */
	lk_archiver_push(a, make_capture(f, "http://example.com/other", "<p>one</p>", T0 + 2000));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 2);
	assert_int_equal(st.revisits, 0);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	assert_int_equal(count_type(rs, LK_WARC_RESPONSE), 3);
	assert_int_equal(count_type(rs, LK_WARC_REVISIT), 0);
	warcio_verifies(f);
	free(rs);
}

static void test_truncated_capture_is_not_a_dedup_source(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	struct lk_capture *cut = make_capture(f, "http://example.com/big", "<p>same</p>", T0);
	cut->truncated = LK_CAPTURE_TRUNCATED_LENGTH;
	lk_archiver_push(a, cut);
	finish_ok(a, &st);
	assert_int_equal(st.truncated, 1);

	a = start(f, 2, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/big", "<p>same</p>", T0 + 1000));
	lk_archiver_push(a, make_capture(f, "http://example.com/big", "<p>same</p>", T0 + 2000));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 1);
	assert_int_equal(st.revisits, 1);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	const struct rec *first = nth(rs, LK_WARC_RESPONSE, 0);
	const struct rec *second = nth(rs, LK_WARC_RESPONSE, 1);
	assert_string_equal(first->truncated, "length");
	assert_string_equal(second->truncated, "");
	assert_string_equal(nth(rs, LK_WARC_REVISIT, 0)->refers_to, second->id);

	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_last_original(c, "http://example.com/big", &r), 1);
	assert_string_equal(r.record_id, second->id);
	lk_capture_row_clear(&r);
	assert_int_equal(lk_captures_by_record_id(c, first->id, &r), 1);
	assert_string_equal(r.truncated, "length");
	lk_capture_row_clear(&r);
	lk_captures_close(c);
	warcio_verifies(f);
	free(rs);
}

/* An empty body (a redirect without one) is stored again: a revisit would
 * be no smaller and only adds a reference to follow. */
static void test_empty_body_is_not_deduplicated(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/empty", "", T0));
	lk_archiver_push(a, make_capture(f, "http://example.com/empty", "", T0 + 1000));
	finish_ok(a, &st);
	assert_int_equal(st.responses, 2);
	assert_int_equal(st.revisits, 0);
}

static void test_rolling_makes_files_that_start_with_warcinfo(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 6000);
	for (unsigned i = 0; i < 8; i++) {
		char *body = noisy_body(4000, i);
		char *url = lk_xasprintf("http://example.com/p%u", i);
		lk_archiver_push(a, make_capture(f, url, body, T0 + i));
		free(url);
		free(body);
	}
	finish_ok(a, &st);
	assert_int_equal(st.responses, 8);
	assert_true(st.files >= 3);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	assert_int_equal(rs->nfiles, st.files);
	assert_int_equal(rs->nopen, 0);
	uint64_t total = 0;
	for (size_t i = 0; i < rs->nfiles; i++) {
		char *p = lk_xasprintf("%s/%s", f->archive, rs->files[i]);
		struct stat sb;
		assert_int_equal(stat(p, &sb), 0);
		total += (uint64_t)sb.st_size;
		free(p);
	}
	assert_int_equal(total, st.bytes);
	/* each file: warcinfo first, then whole captures */
	for (size_t i = 0; i < rs->n; i++)
		if (i == 0 || strcmp(rs->r[i].file, rs->r[i - 1].file) != 0)
			assert_int_equal(rs->r[i].type, LK_WARC_WARCINFO);
	assert_int_equal(count_type(rs, LK_WARC_WARCINFO), rs->nfiles);

	/* the index points at each response: read it back at its offset */
	struct lk_captures *c = open_index(f, 1);
	for (unsigned i = 0; i < 8; i++) {
		char *url = lk_xasprintf("http://example.com/p%u", i);
		struct lk_capture_row r;
		assert_int_equal(lk_captures_find(c, url, 0, &r), 1);
		char err[256], *path = lk_xasprintf("%s/%s", f->archive, r.file);
		struct lk_warc_record rec = {0};
		assert_int_equal(
			lk_warc_read_record(path, r.offset, r.length, MAX_BLOCK, &rec, err, sizeof err), 0);
		assert_string_equal(rec.record_id, r.record_id);
		assert_string_equal(rec.target_uri, url);
		assert_string_equal(rec.payload_digest, r.payload_digest);
		lk_warc_record_free(&rec);
		lk_capture_row_clear(&r);
		free(path);
		free(url);
	}
	lk_captures_close(c);
	warcio_verifies(f);
	free(rs);
}

static void test_metadata_carries_link_and_sources(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 7, 0);
	struct lk_capture *hop = make_capture(f, "http://example.com/old", "moved", T0);
	hop->http_status = 301;
	lk_archiver_push(a, hop);
	finish_ok(a, &st);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	const struct rec *m = nth(rs, LK_WARC_METADATA, 0);
	assert_string_equal(m->refers_to, nth(rs, LK_WARC_RESPONSE, 0)->id);
	assert_string_equal(m->target, "http://example.com/old");
	const char *want[] = {
		"x-linkkeeper-run: 7\r\n",
		"x-linkkeeper-link: http://example.com/page\r\n",
		"x-linkkeeper-hop: http://example.com/old\r\n",
		"x-linkkeeper-http-status: 301\r\n",
		"x-linkkeeper-source: {\"file\":\"docs/a.md\",\"line\":12,"
		"\"title\":\"An \\\"example\\\" page\"}\r\n",
		"x-linkkeeper-source: {\"file\":\"docs/b.md\",\"line\":3,\"title\":null}\r\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(m->block_head, want[i]))
			fail_msg("\"%s\" not in metadata:\n%s", want[i], m->block_head);
	free(rs);
}

static void test_target_uri_is_escaped_to_ascii(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/caf\xc3\xa9 x", "<p>x</p>", T0));
	finish_ok(a, &st);
	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	assert_string_equal(nth(rs, LK_WARC_RESPONSE, 0)->target,
	                    "http://example.com/caf%C3%A9%20x");
	assert_string_equal(nth(rs, LK_WARC_REQUEST, 0)->target, "http://example.com/caf%C3%A9%20x");
	struct lk_captures *c = open_index(f, 1);
	struct lk_capture_row r;
	assert_int_equal(lk_captures_find(c, "http://example.com/caf%C3%A9%20x", 0, &r), 1);
	lk_capture_row_clear(&r);
	lk_captures_close(c);
	warcio_verifies(f);
	free(rs);
}

static void test_capture_without_head_is_counted_failed(void **state)
{
	struct fx *f = *state;
	struct lk_archive_stats st;
	char err[512];
	struct lk_archiver *a = start(f, 1, 0);
	struct lk_capture *bad = make_capture(f, "http://example.com/bad", "x", T0);
	bad->header_len = 5; /* "HTTP/" — no blank line ends it */
	lk_archiver_push(a, bad);
	lk_archiver_push(a, make_capture(f, "http://example.com/good", "y", T0 + 1));
	assert_int_equal(lk_archiver_finish(a, &st, err, sizeof err), -1);
	assert_non_null(strstr(err, "http://example.com/bad"));
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.responses, 1);
	assert_int_equal(index_rows(f), 1);
}

static void test_second_archiver_on_a_folder_is_refused(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	struct lk_archiver *a = start(f, 1, 0);
	struct lk_archiver_opts o = {.db_path = f->db, .dir = f->archive, .run_id = 2};
	assert_null(lk_archiver_start(&o, err, sizeof err));
	assert_non_null(strstr(err, "in use"));
	struct lk_archive_stats st;
	finish_ok(a, &st);
	assert_int_equal(st.files, 0); /* nothing captured: no file */
	struct lk_archiver *b = lk_archiver_start(&o, err, sizeof err);
	assert_non_null(b);
	finish_ok(b, &st);
}

/* A big capture passes the byte budget alone; the queue never deadlocks. */
static void test_queue_byte_budget_lets_large_captures_through(void **state)
{
	struct fx *f = *state;
	char err[512] = "";
	struct lk_archiver_opts o = {
		.db_path = f->db, .dir = f->archive, .run_id = 1, .queue_bytes = 1000,
	};
	struct lk_archiver *a = lk_archiver_start(&o, err, sizeof err);
	assert_non_null(a);
	for (unsigned i = 0; i < 20; i++) {
		char *body = noisy_body(3000, i);
		char *url = lk_xasprintf("http://example.com/q%u", i);
		lk_archiver_push(a, make_capture(f, url, body, T0 + i));
		free(url);
		free(body);
	}
	struct lk_archive_stats st;
	finish_ok(a, &st);
	assert_int_equal(st.responses, 20);
}

/* ---- repair at start --------------------------------------------------------- */

/* What a killed run leaves: a child process opens a WARC file, writes n
 * captures, syncs them and dies without closing it. Returns the ".open"
 * path (caller frees) and the record ids of the responses in ids. */
static char *killed_run_file(struct fx *f, size_t n, char ids[][LK_WARC_ID_SIZE])
{
	assert_int_equal(lk_mkdir_p(f->archive), 0);
	char name[LK_WARC_FILENAME_SIZE];
	assert_int_equal(lk_warc_filename(name, sizeof name, T0, 3), 0);
	char *path = lk_xasprintf("%s/%s", f->archive, name);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		struct lk_warc_writer *w;
		struct lk_warc_open_opts oo = {.is_part_of = "linkkeeper-run-5"};
		if (lk_warc_open(path, &oo, &w, err, sizeof err) < 0)
			_exit(1);
		for (size_t i = 0; i < n; i++) {
			char *url = lk_xasprintf("http://example.com/k%zu", i);
			struct lk_capture *c = make_capture(f, url, "<p>kept</p>", T0 + (int64_t)i);
			struct lk_warc_capture wc = {
				.target_uri = url, .date_ms = c->date_ms, .ip = "127.0.0.1",
				.request = c->request.data, .request_len = c->request.len,
				.resp_head = c->response.data, .resp_head_len = c->header_len,
				.resp_body = c->response.data + c->header_len,
				.resp_body_len = c->response.len - c->header_len,
			};
			struct lk_warc_capture_result res;
			if (lk_warc_write_capture(w, &wc, &res) < 0)
				_exit(1);
			if (write(fds[1], res.response.id, LK_WARC_ID_SIZE) != LK_WARC_ID_SIZE)
				_exit(1);
		}
		_exit(lk_warc_flush(w) == 0 ? 0 : 1); /* no close: the file stays ".open" */
	}
	close(fds[1]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(read(fds[0], ids[i], LK_WARC_ID_SIZE), LK_WARC_ID_SIZE);
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *open_path = lk_xasprintf("%s.open", path);
	free(path);
	return open_path;
}

/* Appends the first half of the file's last gzip member: a record the
 * writer was in the middle of when it died. */
static int64_t append_half_member(const char *path)
{
	char err[256], *data = NULL;
	size_t len;
	assert_int_equal(lk_read_file(path, (size_t)1 << 26, &data, &len, err, sizeof err), 0);
	size_t last = 0;
	for (size_t i = 0; i + 2 < len; i++)
		if ((unsigned char)data[i] == 0x1f && (unsigned char)data[i + 1] == 0x8b &&
		    data[i + 2] == 8)
			last = i;
	size_t half = (len - last) / 2;
	FILE *fp = fopen(path, "ab");
	assert_non_null(fp);
	assert_int_equal(fwrite(data + last, 1, half, fp), half);
	fclose(fp);
	free(data);
	return (int64_t)half;
}

static void test_open_file_is_repaired_and_indexed_at_start(void **state)
{
	struct fx *f = *state;
	char ids[3][LK_WARC_ID_SIZE];
	char *open_path = killed_run_file(f, 3, ids);
	int64_t half = append_half_member(open_path);

	/* the first record was indexed before the kill; a row points past the cut */
	struct lk_captures *c = open_index(f, 0);
	const char *base = strrchr(open_path, '/') + 1;
	char *name = lk_xstrndup(base, strlen(base) - 5);
	struct lk_capture_row r;
	fill_row(&r, "http://example.com/k0", "response", T0, "sha256:x", ids[0], NULL);
	r.file = name;
	assert_int_equal(lk_captures_add(c, &r), 0);
	fill_row(&r, "http://example.com/lost", "response", T0, "sha256:y", "<urn:lost>", NULL);
	r.file = name;
	r.offset = 1 << 30;
	assert_int_equal(lk_captures_add(c, &r), 0);
	lk_captures_close(c);

	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 6, 0);
	finish_ok(a, &st);
	assert_int_equal(st.repaired_files, 1);
	assert_int_equal(st.repaired_cut, half);

	struct recs *rs = lk_xmalloc(sizeof *rs);
	read_all(f, rs);
	assert_int_equal(rs->nopen, 0);
	assert_int_equal(rs->nfiles, 1);
	assert_string_equal(rs->files[0], name);
	assert_int_equal(count_type(rs, LK_WARC_RESPONSE), 3);

	c = open_index(f, 1);
	assert_int_equal(lk_captures_has_record(c, "<urn:lost>"), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(lk_captures_has_record(c, ids[i]), 1);
	assert_int_equal(lk_captures_by_record_id(c, ids[2], &r), 1);
	assert_string_equal(r.url, "http://example.com/k2");
	assert_string_equal(r.record_type, "response");
	assert_string_equal(r.mime, "text/html");
	assert_int_equal(r.http_status, 200);
	assert_int_equal(r.captured_at, T0 + 2);
	assert_int_equal(r.run_id, 5); /* from the warcinfo's isPartOf */
	assert_int_equal(r.offset, nth(rs, LK_WARC_RESPONSE, 2)->offset);
	lk_capture_row_clear(&r);
	lk_captures_close(c);
	assert_int_equal(index_rows(f), 3);
	warcio_verifies(f);

	/* and the repaired originals serve as dedup sources */
	a = start(f, 7, 0);
	lk_archiver_push(a, make_capture(f, "http://example.com/k1", "<p>kept</p>", T0 + 9000));
	finish_ok(a, &st);
	assert_int_equal(st.revisits, 1);
	assert_int_equal(st.repaired_files, 0);
	free(name);
	free(open_path);
	free(rs);
}

static void test_open_file_without_records_is_removed(void **state)
{
	struct fx *f = *state;
	assert_int_equal(lk_mkdir_p(f->archive), 0);
	char *p = lk_xasprintf("%s/linkkeeper-20251125120000000-00000.warc.gz.open", f->archive);
	FILE *fp = fopen(p, "wb");
	assert_non_null(fp);
	fputs("\x1f\x8b\x08", fp); /* a gzip header cut short */
	fclose(fp);
	struct lk_archive_stats st;
	struct lk_archiver *a = start(f, 1, 0);
	finish_ok(a, &st);
	assert_int_equal(st.repaired_files, 1);
	assert_int_equal(access(p, F_OK), -1);
	free(p);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_captures_round_trip),
		T(test_last_original_skips_revisits_and_truncated),
		T(test_by_record_id_and_has_record),
		T(test_each_orders_by_url_then_time),
		T(test_forget_after_drops_cut_rows),
		T(test_duplicate_record_id_is_refused),
		T(test_readonly_index_without_tables_is_empty),
		T(test_identical_payload_becomes_revisit),
		T(test_same_run_duplicate_becomes_revisit),
		T(test_encoders_keep_arrival_order_across_rolls),
		T(test_archive_thread_alone_writes_the_same),
		T(test_ring_byte_bound_passes_one_capture_at_a_time),
		T(test_changed_payload_becomes_response),
		T(test_truncated_capture_is_not_a_dedup_source),
		T(test_empty_body_is_not_deduplicated),
		T(test_rolling_makes_files_that_start_with_warcinfo),
		T(test_metadata_carries_link_and_sources),
		T(test_target_uri_is_escaped_to_ascii),
		T(test_capture_without_head_is_counted_failed),
		T(test_second_archiver_on_a_folder_is_refused),
		T(test_queue_byte_budget_lets_large_captures_through),
		T(test_open_file_is_repaired_and_indexed_at_start),
		T(test_open_file_without_records_is_removed),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
