/*
 * test_warc.c — the archive's storage layer: WARC writer and reader, repair
 * of killed files, HTTP body decoding, and CDXJ lines.
 *
 * The WARC tests check our files against an implementation that is not
 * ours: warcio.js (npm, pinned in tests/js/package.json) reads them through
 * tests/js/verify-warc.mjs, which recomputes every block and payload digest,
 * and its `warcio cdx-index` must print the same CDXJ lines as
 * lk_cdxj_index_file, byte for byte. scripts/js-deps installs warcio.js when
 * it is missing. The tests run from the repository root (as make does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "linkkeeper/cdxj.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/surt.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#include "warcio_run.h"

#define MAX_BLOCK (16 * 1024 * 1024)

/* ---- helpers ---------------------------------------------------------- */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lk-test-warc-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* LK_KEEP_TMP=1 keeps the files for a look after a failure. */
static int remove_tmpdir(void **state)
{
	(void)state;
	if (getenv("LK_KEEP_TMP")) {
		fprintf(stderr, "kept %s\n", tmpdir);
		return 0;
	}
	DIR *d = opendir(tmpdir);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = lk_xasprintf("%s/%s", tmpdir, e->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(tmpdir);
	return 0;
}

static char *tmp_path(const char *name)
{
	return lk_xasprintf("%s/%s", tmpdir, name);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	char *data = NULL, err[256];
	assert_int_equal(lk_read_file(path, (size_t)1 << 30, &data, len, err, sizeof(err)), 0);
	return (unsigned char *)data;
}

static void append_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	unsigned char *data = read_all(from, &n);
	unlink(to);
	append_bytes(to, data, n);
	free(data);
}

/* gzip of n bytes (one member). Caller frees. */
static unsigned char *gzip_bytes(const void *p, size_t n, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 32;
	unsigned char *out = lk_xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* zlib (windowBits 15) or raw deflate (-15) of a string. Caller frees. */
static unsigned char *deflate_bytes(const char *s, int window, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t n = strlen(s), cap = deflateBound(&z, (uLong)n) + 32;
	unsigned char *out = lk_xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)s;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* Fails with both strings shown when needle is not in haystack. */
#define assert_contains(haystack, needle)                                                   \
	do {                                                                                    \
		if (!strstr((haystack), (needle)))                                                  \
			fail_msg("\"%s\" not found in:\n%s", (needle), (haystack));                   \
	} while (0)

/* Records in a WARC file; fails the test if it does not read to its end. */
static size_t count_records(const char *path)
{
	char err[256];
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	size_t n = 0;
	int rc;
	assert_int_equal(lk_warc_reader_open(path, MAX_BLOCK, &r, err, sizeof(err)), 0);
	while ((rc = lk_warc_reader_next(r, &rec)) == 1)
		n++;
	if (rc != 0)
		fail_msg("%s: %s", path, lk_warc_reader_error(r));
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);
	return n;
}

/* ---- a sample archive ------------------------------------------------- */

#define PLAIN_BODY "<html><head><title>Hello</title></head><body>hello</body></html>\n"
#define CHUNKED_BODY "7\r\n<p>one \r\n9;ext=1\r\ntwo three\r\n5\r\n</p>\n\r\n0\r\n\r\n"
#define GZIP_TEXT "<html><body>compressed body, compressed body, compressed body</body></html>\n"

struct sample {
	char *path;
	struct lk_warc_capture_result caps[8];
	struct lk_warc_written resource;
	size_t ncaps;
	unsigned char *gz;
	size_t gz_len;
};

static void request_for(struct lk_buf *b, const char *method, const char *path, const char *extra)
{
	lk_buf_reset(b);
	lk_buf_printf(b,
	              "%s %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: linkkeeper/" LK_VERSION
	              "\r\nAccept-Encoding: gzip, deflate\r\n%s\r\n",
	              method, path, extra ? extra : "");
}

static void capture(struct lk_warc_writer *w, struct lk_warc_capture *c,
                    struct lk_warc_capture_result *res)
{
	int rc = lk_warc_write_capture(w, c, res);
	if (rc != 0)
		fail_msg("write_capture: %s", lk_warc_error(w));
}

/* Writes warcinfo; then captures: plain, chunked, gzip, a revisit of the
 * plain one, a 404, a HEAD, a urlencoded POST; and a resource record. */
static void write_sample(struct sample *s, const char *name)
{
	char err[256];
	struct lk_warc_writer *w;
	struct lk_buf req = {0};
	memset(s, 0, sizeof(*s));
	s->path = tmp_path(name);
	struct lk_warc_open_opts o = {
		.is_part_of = "run-42",
		.description = "linkkeeper unit test",
		.user_agent = "linkkeeper/" LK_VERSION,
		.now_ms = 1795521600123,
	};
	if (lk_warc_open(s->path, &o, &w, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);

	struct lk_warc_field meta[] = {
		{"x-linkkeeper-status", "ok"},
		{"x-linkkeeper-source", "docs/index.md"},
		{"x-linkkeeper-line", "12"},
		{"x-linkkeeper-title", "A title\r\nwith: a newline"},
	};
	int64_t t = 1795521600123;

	request_for(&req, "GET", "/plain?b=2&a=1", NULL);
	const char *h1 = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	                 "Content-Length: 66\r\n\r\n";
	struct lk_warc_capture c = {
		.target_uri = "http://www.Example.com:8080/plain?b=2&a=1",
		.date_ms = t,
		.ip = "127.0.0.1",
		.request = req.data,
		.request_len = req.len,
		.resp_head = h1,
		.resp_head_len = strlen(h1),
		.resp_body = PLAIN_BODY,
		.resp_body_len = strlen(PLAIN_BODY),
		.meta = meta,
		.n_meta = 4,
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	request_for(&req, "GET", "/chunked", NULL);
	const char *h2 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
	c = (struct lk_warc_capture){
		.target_uri = "http://127.0.0.1:8080/chunked",
		.date_ms = t + 1000,
		.ip = "::ffff:127.0.0.1",
		.request = req.data,
		.request_len = req.len,
		.resp_head = h2,
		.resp_head_len = strlen(h2),
		.resp_body = CHUNKED_BODY,
		.resp_body_len = strlen(CHUNKED_BODY),
		.meta = meta,
		.n_meta = 1,
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	s->gz = gzip_bytes(GZIP_TEXT, strlen(GZIP_TEXT), &s->gz_len);
	struct lk_buf h3 = {0};
	lk_buf_printf(&h3,
	              "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
	              "Content-Length: %zu\r\nVary: Accept-Encoding\r\n\r\n",
	              s->gz_len);
	request_for(&req, "GET", "/gzip", NULL);
	c = (struct lk_warc_capture){
		.target_uri = "https://www2.example.org/gzip",
		.date_ms = t + 2000,
		.request = req.data,
		.request_len = req.len,
		.resp_head = h3.data,
		.resp_head_len = h3.len,
		.resp_body = s->gz,
		.resp_body_len = s->gz_len,
		.truncated = LK_WARC_TRUNC_NONE,
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	/* A revisit of the first capture, a day later. */
	struct lk_warc_revisit_of rv = {
		.record_id = s->caps[0].response.id,
		.target_uri = "http://www.Example.com:8080/plain?b=2&a=1",
		.date = s->caps[0].date,
		.payload_digest = s->caps[0].response.payload_digest,
	};
	request_for(&req, "GET", "/plain?b=2&a=1", NULL);
	c = (struct lk_warc_capture){
		.target_uri = "http://www.Example.com:8080/plain?b=2&a=1",
		.date_ms = t + 86400000,
		.ip = "127.0.0.1",
		.request = req.data,
		.request_len = req.len,
		.resp_head = h1,
		.resp_head_len = strlen(h1),
		.resp_body = PLAIN_BODY,
		.resp_body_len = strlen(PLAIN_BODY),
		.revisit = &rv,
		.meta = meta,
		.n_meta = 2,
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	request_for(&req, "GET", "/missing", NULL);
	const char *h4 = "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\n";
	c = (struct lk_warc_capture){
		.target_uri = "http://127.0.0.1:8080/missing",
		.date_ms = t + 3000,
		.request = req.data,
		.request_len = req.len,
		.resp_head = h4,
		.resp_head_len = strlen(h4),
		.resp_body = "not found",
		.resp_body_len = 9,
		.truncated = LK_WARC_TRUNC_LENGTH,
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	request_for(&req, "HEAD", "/head", NULL);
	const char *h5 = "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 1000\r\n\r\n";
	c = (struct lk_warc_capture){
		.target_uri = "http://127.0.0.1:8080/head",
		.date_ms = t + 4000,
		.request = req.data,
		.request_len = req.len,
		.resp_head = h5,
		.resp_head_len = strlen(h5),
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	request_for(&req, "POST", "/form?x=1",
	            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 31\r\n");
	lk_buf_puts(&req, "q=caf%C3%A9+au+lait&p=%2F&z=%3D");
	const char *h6 = "HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n";
	c = (struct lk_warc_capture){
		.target_uri = "http://127.0.0.1:8080/form?x=1",
		.date_ms = t + 5000,
		.request = req.data,
		.request_len = req.len,
		.resp_head = h6,
		.resp_head_len = strlen(h6),
	};
	capture(w, &c, &s->caps[s->ncaps++]);

	const char *doc = "# Links\n\n* <https://example.com/>\n";
	struct lk_warc_record_spec spec = {
		.type = LK_WARC_RESOURCE,
		.target_uri = "urn:linkkeeper:doc:docs/index.md",
		.date_ms = t + 6000,
		.content_type = "text/markdown",
		.body = doc,
		.body_len = strlen(doc),
		.payload_digest = 1,
	};
	if (lk_warc_write_record(w, &spec, &s->resource) != 0)
		fail_msg("write_record: %s", lk_warc_error(w));

	if (lk_warc_close(w, err, sizeof(err)) != 0)
		fail_msg("close: %s", err);
	lk_buf_free(&req);
	lk_buf_free(&h3);
}

static void free_sample(struct sample *s)
{
	free(s->path);
	free(s->gz);
}

/* Every written record of the sample, in file order. */
static size_t sample_records(const struct sample *s, const struct lk_warc_written **out)
{
	size_t n = 0;
	for (size_t i = 0; i < s->ncaps; i++) {
		const struct lk_warc_capture_result *c = &s->caps[i];
		if (c->request.type)
			out[n++] = &c->request;
		out[n++] = &c->response;
		if (c->metadata.type)
			out[n++] = &c->metadata;
	}
	out[n++] = &s->resource;
	return n;
}

/* ---- names and ids ---------------------------------------------------- */

static void test_filename_is_prefix_timestamp_serial(void **state)
{
	(void)state;
	char name[LK_WARC_FILENAME_SIZE];
	assert_int_equal(lk_warc_filename(name, sizeof(name), 1795521600123, 7), 0);
	assert_string_equal(name, "linkkeeper-20261124120000123-00007.warc.gz");
	assert_int_equal(lk_warc_filename(name, 10, 1795521600123, 7), -1);
}

static void test_record_ids_are_random_uuid_v4(void **state)
{
	(void)state;
	char a[LK_WARC_ID_SIZE], b[LK_WARC_ID_SIZE];
	assert_int_equal(lk_warc_new_record_id(a), 0);
	assert_int_equal(lk_warc_new_record_id(b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(strlen(a), 47);
	assert_memory_equal(a, "<urn:uuid:", 10);
	assert_int_equal(a[23], '-');
	assert_int_equal(a[24], '4'); /* version */
	assert_non_null(strchr("89ab", a[29])); /* variant */
	assert_int_equal(a[46], '>');
}

static void test_sha256_label_is_lower_hex(void **state)
{
	(void)state;
	char d[LK_WARC_DIGEST_SIZE];
	lk_warc_sha256("abc", 3, d);
	assert_string_equal(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_uri_escape_makes_ascii(void **state)
{
	(void)state;
	char *u = lk_warc_uri_escape("http://ex.com/caf\xC3\xA9 x");
	assert_string_equal(u, "http://ex.com/caf%C3%A9%20x");
	free(u);
}

/* ---- writer and reader ------------------------------------------------ */

static void test_records_read_back_as_written(void **state)
{
	(void)state;
	struct sample s;
	char err[256];
	write_sample(&s, "roundtrip.warc.gz");
	const struct lk_warc_written *want[32];
	size_t nwant = sample_records(&s, want);

	struct lk_warc_reader *r;
	assert_int_equal(lk_warc_reader_open(s.path, MAX_BLOCK, &r, err, sizeof(err)), 0);
	struct lk_warc_record rec = {0};

	/* warcinfo first */
	assert_int_equal(lk_warc_reader_next(r, &rec), 1);
	assert_int_equal(rec.type, LK_WARC_WARCINFO);
	assert_int_equal(rec.offset, 0);
	assert_string_equal(rec.version, "WARC/1.1");
	assert_string_equal(rec.filename, "roundtrip.warc.gz");
	assert_string_equal(rec.date, "2026-11-24T12:00:00.123Z");
	assert_null(rec.target_uri);
	assert_null(rec.warcinfo_id);
	assert_non_null(strstr((char *)rec.block, "software: linkkeeper/" LK_VERSION "\r\n"));
	assert_non_null(strstr((char *)rec.block, "format: WARC File Format 1.1\r\n"));
	assert_non_null(strstr((char *)rec.block, "isPartOf: run-42\r\n"));
	assert_non_null(strstr((char *)rec.block, "http-header-user-agent: linkkeeper/"));
	char *info_id = lk_xstrdup(rec.record_id);

	for (size_t i = 0; i < nwant; i++) {
		assert_int_equal(lk_warc_reader_next(r, &rec), 1);
		assert_int_equal(rec.type, want[i]->type);
		assert_string_equal(rec.record_id, want[i]->id);
		assert_int_equal(rec.offset, want[i]->offset);
		assert_int_equal(rec.length, want[i]->length);
		assert_string_equal(rec.block_digest, want[i]->block_digest);
		assert_string_equal(rec.warcinfo_id, info_id);
		assert_int_equal(rec.content_length, (int64_t)rec.block_len);
		if (want[i]->payload_digest[0])
			assert_string_equal(rec.payload_digest, want[i]->payload_digest);
		else
			assert_null(rec.payload_digest);
	}
	assert_int_equal(lk_warc_reader_next(r, &rec), 0);
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);
	free(info_id);

	/* The .open file became the final one. */
	char *open_path = lk_xasprintf("%s.open", s.path);
	assert_int_not_equal(access(open_path, F_OK), 0);
	free(open_path);
	free_sample(&s);
}

static void test_capture_records_are_linked(void **state)
{
	(void)state;
	struct sample s;
	char err[256];
	struct lk_warc_record req = {0}, resp = {0}, meta = {0}, rv = {0};
	write_sample(&s, "linked.warc.gz");
	const struct lk_warc_capture_result *c0 = &s.caps[0], *c3 = &s.caps[3];

	assert_int_equal(lk_warc_read_record(s.path, c0->request.offset, c0->request.length,
	                                     MAX_BLOCK, &req, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_read_record(s.path, c0->response.offset, c0->response.length,
	                                     MAX_BLOCK, &resp, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_read_record(s.path, c0->metadata.offset, 0, MAX_BLOCK, &meta, err,
	                                     sizeof(err)), 0);

	/* One WARC-Date for the capture, with milliseconds. */
	assert_string_equal(c0->date, "2026-11-24T12:00:00.123Z");
	assert_string_equal(req.date, c0->date);
	assert_string_equal(resp.date, c0->date);
	assert_string_equal(meta.date, c0->date);

	assert_string_equal(req.content_type, "application/http;msgtype=request");
	assert_string_equal(req.concurrent_to, c0->response.id);
	assert_string_equal(req.ip_address, "127.0.0.1");
	assert_null(req.payload_digest);

	assert_string_equal(resp.content_type, "application/http;msgtype=response");
	assert_string_equal(resp.target_uri, "http://www.Example.com:8080/plain?b=2&a=1");
	assert_string_equal(resp.ip_address, "127.0.0.1");
	assert_null(resp.truncated);
	/* The block is the head and body exactly as received. */
	assert_true(resp.block_len > strlen(PLAIN_BODY));
	assert_string_equal((char *)resp.block + resp.block_len - strlen(PLAIN_BODY), PLAIN_BODY);
	char d[LK_WARC_DIGEST_SIZE];
	lk_warc_sha256(PLAIN_BODY, strlen(PLAIN_BODY), d);
	assert_string_equal(resp.payload_digest, d);

	assert_string_equal(meta.content_type, "application/warc-fields");
	assert_string_equal(meta.refers_to, c0->response.id);
	assert_string_equal(meta.target_uri, resp.target_uri);
	/* Control characters in values became spaces: one line per field. */
	assert_string_equal((char *)meta.block,
	                    "x-linkkeeper-status: ok\r\nx-linkkeeper-source: docs/index.md\r\n"
	                    "x-linkkeeper-line: 12\r\nx-linkkeeper-title: A title  with: a newline\r\n");

	/* The revisit: head only, pointing at the original. */
	assert_int_equal(lk_warc_read_record(s.path, c3->response.offset, c3->response.length,
	                                     MAX_BLOCK, &rv, err, sizeof(err)), 0);
	assert_int_equal(rv.type, LK_WARC_REVISIT);
	assert_string_equal(rv.profile, LK_WARC_PROFILE_IDENTICAL);
	assert_string_equal(rv.refers_to, c0->response.id);
	assert_string_equal(rv.refers_to_target_uri, resp.target_uri);
	assert_string_equal(rv.refers_to_date, c0->date);
	assert_string_equal(rv.truncated, "length");
	assert_string_equal(rv.payload_digest, resp.payload_digest);
	assert_int_equal(rv.block_len, resp.block_len - strlen(PLAIN_BODY));
	assert_memory_equal(rv.block, resp.block, rv.block_len);
	assert_string_equal(rv.date, "2026-11-25T12:00:00.123Z");

	/* IPv6 is written in RFC 5952 form; truncation is recorded. */
	struct lk_warc_record r2 = {0}, r4 = {0};
	assert_int_equal(lk_warc_read_record(s.path, s.caps[1].response.offset, 0, MAX_BLOCK, &r2,
	                                     err, sizeof(err)), 0);
	assert_string_equal(r2.ip_address, "::ffff:127.0.0.1");
	assert_int_equal(lk_warc_read_record(s.path, s.caps[4].response.offset, 0, MAX_BLOCK, &r4,
	                                     err, sizeof(err)), 0);
	assert_string_equal(r4.truncated, "length");

	lk_warc_record_free(&req);
	lk_warc_record_free(&resp);
	lk_warc_record_free(&meta);
	lk_warc_record_free(&rv);
	lk_warc_record_free(&r2);
	lk_warc_record_free(&r4);
	free_sample(&s);
}

/* Each record is its own gzip member: inflating exactly [offset, offset +
 * length) gives one complete stream holding exactly one WARC record. */
static void test_each_record_is_one_gzip_member(void **state)
{
	(void)state;
	struct sample s;
	write_sample(&s, "members.warc.gz");
	size_t len;
	unsigned char *file = read_all(s.path, &len);
	const struct lk_warc_written *recs[32];
	size_t n = sample_records(&s, recs);
	int64_t end_prev = recs[0]->offset; /* warcinfo comes before */
	assert_true(end_prev > 0);

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[i]->offset, end_prev);
		end_prev = recs[i]->offset + recs[i]->length;
		z_stream z;
		memset(&z, 0, sizeof(z));
		assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
		size_t cap = 1 << 20;
		unsigned char *out = lk_xmalloc(cap);
		z.next_in = file + recs[i]->offset;
		z.avail_in = (uInt)recs[i]->length;
		z.next_out = out;
		z.avail_out = (uInt)cap;
		assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
		assert_int_equal(z.avail_in, 0); /* the member ends exactly at length */
		size_t got = cap - z.avail_out;
		assert_memory_equal(out, "WARC/1.1\r\n", 10);
		assert_memory_equal(out + got - 4, "\r\n\r\n", 4);
		/* Only one record inside: one version line. */
		out[got - 1] = '\0';
		assert_null(strstr((char *)out + 10, "\r\nWARC/1.1\r\nWARC-Type"));
		inflateEnd(&z);
		free(out);
	}
	assert_int_equal(end_prev, (int64_t)len);
	free(file);
	free_sample(&s);
}

static void test_warcio_verifies_every_digest(void **state)
{
	(void)state;
	struct sample s;
	need_warcio();
	write_sample(&s, "verify.warc.gz");
	struct lk_buf out = {0};
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs '%s'", s.path);
	int rc = run(cmd, &out);
	if (rc != 0)
		fail_msg("verify-warc.mjs failed (%d): %s", rc, out.data ? out.data : "");
	/* 1 warcinfo + 7 requests + 6 responses + 1 revisit + 3 metadata + 1 resource */
	assert_contains(out.data, "\"records\":19,");
	assert_contains(out.data, "\"failures\":[]");
	assert_contains(out.data, "\"revisit\":1");
	/* Every record has a block digest, every response/resource a payload one. */
	assert_contains(out.data, "\"block_digests_checked\":19");
	assert_contains(out.data, "\"payload_digests_checked\":7");
	free(cmd);
	lk_buf_free(&out);
	free_sample(&s);
}

static void test_verify_script_catches_a_bad_digest(void **state)
{
	(void)state;
	char err[256];
	need_warcio();
	char *path = tmp_path("bad.warc.gz");
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);
	/* Our writer cannot produce a wrong digest, so append a forged record. */
	const char *rec = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:x>\r\n"
	                  "WARC-Date: 2026-01-01T00:00:00Z\r\nWARC-Target-URI: urn:x\r\n"
	                  "Content-Type: text/plain\r\nWARC-Block-Digest: sha256:00\r\n"
	                  "Content-Length: 2\r\n\r\nhi\r\n\r\n";
	size_t n;
	unsigned char *gz = gzip_bytes(rec, strlen(rec), &n);
	append_bytes(path, gz, n);
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs '%s' >/dev/null", path);
	assert_int_equal(run(cmd, NULL), 1);
	free(cmd);
	free(gz);
	free(path);
}

static void test_cdxj_matches_warcio_cdx_index(void **state)
{
	(void)state;
	struct sample s;
	char err[256];
	need_warcio();
	write_sample(&s, "cdx.warc.gz");

	struct lk_buf theirs = {0};
	char *cmd = lk_xasprintf("node tests/js/node_modules/warcio/dist/cli.js cdx-index '%s' | "
	                         "LC_ALL=C sort",
	                         s.path);
	assert_int_equal(run(cmd, &theirs), 0);

	struct lk_cdxj_lines lines = {0};
	if (lk_cdxj_index_file(s.path, NULL, lk_cdxj_lines_add, &lines, err, sizeof(err)) != 0)
		fail_msg("index: %s", err);
	lk_cdxj_lines_sort(&lines);
	struct lk_buf ours = {0};
	for (size_t i = 0; i < lines.n; i++)
		lk_buf_puts(&ours, lines.v[i]);

	/* plain, chunked, gzip, revisit, 404, HEAD, POST, resource */
	assert_int_equal(lines.n, 8);
	if (strcmp(ours.data, theirs.data ? theirs.data : "") != 0)
		fail_msg("CDXJ differs.\n--- warcio.js:\n%s--- linkkeeper:\n%s", theirs.data, ours.data);
	/* Spot checks of what the lines must say. */
	assert_non_null(strstr(ours.data, "com,example:8080)/plain?a=1&b=2 20261124120000 "
	                                  "{\"url\":\"http://www.Example.com:8080/plain?b=2&a=1\","
	                                  "\"mime\":\"text/html\",\"status\":\"200\",\"digest\":\""));
	assert_non_null(strstr(ours.data, "\"mime\":\"warc/revisit\""));
	assert_non_null(strstr(ours.data, "__wb_method=head"));
	assert_non_null(strstr(ours.data, "\"method\":\"POST\""));

	free(cmd);
	lk_buf_free(&theirs);
	lk_buf_free(&ours);
	lk_cdxj_lines_free(&lines);
	free_sample(&s);
}

/* Bodies larger than every internal buffer (reader 64 KiB, writer 1 MiB)
 * come back intact, and warcio.js agrees with digests and index. */
static void test_large_bodies_round_trip(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("large.warc.gz");
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);
	size_t n = 3 * 1024 * 1024 + 17;
	unsigned char *body = lk_xmalloc(n);
	unsigned seed = 3;
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		body[i] = i % 3 ? (unsigned char)(seed >> 16) : (unsigned char)'a';
	}
	const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
	struct lk_warc_capture c = {.target_uri = "http://ex.com/big", .request = "GET /big HTTP/1.1\r\n\r\n",
	                            .request_len = 21, .resp_head = head, .resp_head_len = strlen(head),
	                            .resp_body = body, .resp_body_len = n};
	struct lk_warc_capture_result res[2];
	assert_int_equal(lk_warc_write_capture(w, &c, &res[0]), 0);
	c.target_uri = "http://ex.com/big2";
	assert_int_equal(lk_warc_write_capture(w, &c, &res[1]), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);

	for (int i = 0; i < 2; i++) {
		struct lk_warc_record rec = {0};
		assert_int_equal(lk_warc_read_record(path, res[i].response.offset, res[i].response.length,
		                                     MAX_BLOCK, &rec, err, sizeof(err)), 0);
		assert_int_equal(rec.block_len, strlen(head) + n);
		assert_memory_equal(rec.block + strlen(head), body, n);
		lk_warc_record_free(&rec);
	}
	assert_int_equal(count_records(path), 5);

	need_warcio();
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs '%s' >/dev/null", path);
	assert_int_equal(run(cmd, NULL), 0);
	free(cmd);
	struct lk_buf theirs = {0}, ours = {0};
	cmd = lk_xasprintf("node tests/js/node_modules/warcio/dist/cli.js cdx-index '%s'", path);
	assert_int_equal(run(cmd, &theirs), 0);
	struct lk_cdxj_lines lines = {0};
	assert_int_equal(lk_cdxj_index_file(path, NULL, lk_cdxj_lines_add, &lines, err, sizeof(err)), 0);
	for (size_t i = 0; i < lines.n; i++)
		lk_buf_puts(&ours, lines.v[i]);
	assert_string_equal(ours.data, theirs.data);
	lk_cdxj_lines_free(&lines);
	lk_buf_free(&theirs);
	lk_buf_free(&ours);
	free(cmd);
	free(body);
	free(path);
}

/* ---- writer edge cases ---------------------------------------------- */

static void test_bad_capture_is_refused_and_writer_stays_usable(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("refuse.warc.gz");
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);
	int64_t before = lk_warc_offset(w);
	const char *head = "HTTP/1.1 200 OK\r\n\r\n";
	struct lk_warc_capture_result res;
	struct lk_warc_capture c = {.target_uri = "http://ex.com/caf\xC3\xA9", .resp_head = head,
	                            .resp_head_len = strlen(head)};
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);
	assert_non_null(strstr(lk_warc_error(w), "RFC 3986"));

	c.target_uri = "http://ex.com/";
	c.resp_head = "HTTP/1.1 200 OK\r\n";
	c.resp_head_len = strlen(c.resp_head);
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);

	c.resp_head = head;
	c.resp_head_len = strlen(head);
	c.ip = "127.0.0.1\r\nX-Evil: 1";
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);

	c.ip = NULL;
	struct lk_warc_field bad = {"bad name", "v"};
	c.meta = &bad;
	c.n_meta = 1;
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);

	struct lk_warc_revisit_of rv = {.record_id = "<urn:uuid:1>", .target_uri = "http://ex.com/"};
	c.meta = NULL;
	c.n_meta = 0;
	c.revisit = &rv;
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);
	assert_int_equal(lk_warc_offset(w), before); /* nothing was buffered */

	c.revisit = NULL;
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	assert_int_equal(res.request.type, LK_WARC_NONE);
	assert_int_equal(res.metadata.type, LK_WARC_NONE);
	assert_int_equal(res.response.offset, before);
	assert_int_equal(lk_warc_offset(w), before + res.response.length);
	assert_int_equal(lk_warc_flush(w), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);
	free(path);
}

/* Encoding apart from the writer: members made by an encoder land at the
 * file offset the writer had when they were appended, read back as written,
 * and carry the response id the caller chose; members made for another
 * file are refused and the writer stays usable. */
static void test_encoded_capture_appends_at_file_offsets(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("encoded.warc.gz");
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);
	struct lk_warc_encoder *e = lk_warc_encoder_new(1);
	assert_non_null(e);
	assert_null(lk_warc_encoder_new(LK_WARC_MAX_LEVEL + 1));

	const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n";
	const char *req = "GET /x HTTP/1.1\r\nHost: ex.com\r\n\r\n";
	struct lk_warc_field meta = {"x-linkkeeper-status", "ok"};
	char rid[LK_WARC_ID_SIZE];
	assert_int_equal(lk_warc_new_record_id(rid), 0);
	struct lk_warc_capture c = {
		.target_uri = "http://ex.com/x", .date_ms = 1795521600123, .request = req,
		.request_len = strlen(req), .resp_head = head, .resp_head_len = strlen(head),
		.resp_body = PLAIN_BODY, .resp_body_len = strlen(PLAIN_BODY), .response_id = rid,
		.meta = &meta, .n_meta = 1,
	};
	assert_int_equal(lk_warc_check_capture(&c, err, sizeof(err)), 0);
	struct lk_warc_encoded enc = {0};
	assert_int_equal(lk_warc_encode_capture(e, lk_warc_warcinfo_id(w), &c, &enc, err,
	                                        sizeof(err)), 0);
	assert_int_equal(enc.res.request.offset, 0);
	assert_int_equal(enc.res.metadata.offset + enc.res.metadata.length, (int64_t)enc.bytes.len);

	struct lk_warc_capture_result r1, r2, r3;
	int64_t base1 = lk_warc_offset(w);
	assert_int_equal(lk_warc_append(w, &enc, &r1), 0);
	int64_t base2 = lk_warc_offset(w);
	assert_int_equal(base2, base1 + (int64_t)enc.bytes.len);
	assert_int_equal(lk_warc_append(w, &enc, &r2), 0); /* the same members again */
	assert_int_equal(r1.request.offset, base1);
	assert_int_equal(r1.response.offset, base1 + enc.res.response.offset);
	assert_int_equal(r2.response.offset, base2 + enc.res.response.offset);
	assert_string_equal(r1.response.id, rid);

	/* made for another file: refused, nothing buffered, writer usable */
	char other[LK_WARC_ID_SIZE];
	assert_int_equal(lk_warc_new_record_id(other), 0);
	assert_int_equal(lk_warc_encode_capture(e, other, &c, &enc, err, sizeof(err)), 0);
	int64_t before = lk_warc_offset(w);
	assert_int_equal(lk_warc_append(w, &enc, &r3), -1);
	assert_non_null(strstr(lk_warc_error(w), "another WARC file"));
	assert_int_equal(lk_warc_offset(w), before);
	/* a bad capture is refused by the encoder with the checker's reason */
	c.target_uri = "http://ex.com/caf\xC3\xA9";
	assert_int_equal(lk_warc_check_capture(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "RFC 3986"));
	assert_int_equal(lk_warc_encode_capture(e, lk_warc_warcinfo_id(w), &c, &enc, err,
	                                        sizeof(err)), -1);
	assert_non_null(strstr(err, "RFC 3986"));
	assert_int_equal(lk_warc_flush(w), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);

	struct lk_warc_record resp = {0}, q = {0};
	assert_int_equal(lk_warc_read_record(path, r1.response.offset, r1.response.length, MAX_BLOCK,
	                                     &resp, err, sizeof(err)), 0);
	assert_string_equal(resp.record_id, rid);
	assert_string_equal(resp.target_uri, "http://ex.com/x");
	assert_string_equal((char *)resp.block + resp.block_len - strlen(PLAIN_BODY), PLAIN_BODY);
	assert_int_equal(lk_warc_read_record(path, r2.request.offset, r2.request.length, MAX_BLOCK,
	                                     &q, err, sizeof(err)), 0);
	assert_string_equal(q.concurrent_to, rid);
	lk_warc_record_free(&resp);
	lk_warc_record_free(&q);
	lk_warc_encoded_free(&enc);
	lk_warc_encoder_free(e);
	free(path);
}

/* A write error (here: the file size limit) cuts the file back to its last
 * good length; the writer refuses further work and close leaves the .open
 * file, which repair then finds intact. */
static void test_write_error_leaves_repairable_file(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("efbig.warc.gz");
	char *open_path = lk_xasprintf("%s.open", path);
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);

	/* Incompressible bodies so the file really grows. */
	unsigned char body[8192];
	unsigned seed = 7;
	for (size_t i = 0; i < sizeof(body); i++) {
		seed = seed * 1103515245u + 12345u;
		body[i] = (unsigned char)(seed >> 16);
	}
	const char *head = "HTTP/1.1 200 OK\r\n\r\n";
	struct lk_warc_capture c = {.target_uri = "http://ex.com/", .resp_head = head,
	                            .resp_head_len = strlen(head), .resp_body = body,
	                            .resp_body_len = sizeof(body)};
	struct lk_warc_capture_result res;
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	assert_int_equal(lk_warc_flush(w), 0);
	int64_t good = lk_warc_offset(w);

	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)good + 10000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0); /* buffered */
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	int rc = lk_warc_flush(w);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(rc, -1);
	assert_non_null(strstr(lk_warc_error(w), "cannot write"));
	struct stat st;
	assert_int_equal(stat(open_path, &st), 0);
	assert_int_equal(st.st_size, (off_t)good); /* nothing half-written stays */
	assert_int_equal(lk_warc_write_capture(w, &c, &res), -1);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), -1);
	assert_int_equal(access(open_path, F_OK), 0);

	int64_t cut;
	size_t kept;
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(cut, 0);
	assert_int_equal(kept, 2); /* warcinfo + the flushed response */
	free(open_path);
	free(path);
}

static void test_open_refuses_a_leftover_open_file(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("leftover.warc.gz");
	char *open_path = lk_xasprintf("%s.open", path);
	append_bytes(open_path, "x", 1);
	struct lk_warc_writer *w;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), -1);
	assert_null(w);
	assert_non_null(strstr(err, ".open"));
	free(open_path);
	free(path);
}

/* ---- repair ----------------------------------------------------------- */

/* Writes warcinfo + 2 captures (request + response) = 5 records into a
 * ".open" file as a killed run would leave it, and a 6th member apart.
 * Returns the size of the 5-record file. */
static size_t five_records_open(const char *open_name, unsigned char **sixth, size_t *sixth_len)
{
	char err[256];
	char *path = tmp_path("five.warc.gz");
	char *six_path = tmp_path("six.warc.gz");
	unlink(path);
	unlink(six_path);
	struct lk_warc_writer *w;
	const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
	struct lk_warc_capture c = {.target_uri = "http://ex.com/", .request = "GET / HTTP/1.1\r\n\r\n",
	                            .request_len = 18, .resp_head = head,
	                            .resp_head_len = strlen(head), .resp_body = "hello",
	                            .resp_body_len = 5};
	struct lk_warc_capture_result res;
	assert_int_equal(lk_warc_open(path, NULL, &w, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);

	assert_int_equal(lk_warc_open(six_path, NULL, &w, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_write_capture(w, &c, &res), 0);
	assert_int_equal(lk_warc_close(w, err, sizeof(err)), 0);
	size_t n6;
	unsigned char *all6 = read_all(six_path, &n6);
	*sixth_len = (size_t)res.request.length;
	*sixth = lk_xmalloc(*sixth_len);
	memcpy(*sixth, all6 + res.request.offset, *sixth_len);
	free(all6);

	char *open_path = tmp_path(open_name);
	copy_file(path, open_path);
	size_t n;
	free(read_all(open_path, &n));
	free(open_path);
	free(path);
	free(six_path);
	return n;
}

static void test_repair_cuts_half_written_member(void **state)
{
	(void)state;
	char err[256];
	unsigned char *six;
	size_t six_len, size = five_records_open("half.warc.gz.open", &six, &six_len);
	char *open_path = tmp_path("half.warc.gz.open");
	append_bytes(open_path, six, six_len / 2);

	/* The reader reports the damage but delivers the 5 records first. */
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	size_t n = 0;
	int rc;
	assert_int_equal(lk_warc_reader_open(open_path, MAX_BLOCK, &r, err, sizeof(err)), 0);
	while ((rc = lk_warc_reader_next(r, &rec)) == 1)
		n++;
	assert_int_equal(rc, -1);
	assert_int_equal(n, 5);
	assert_non_null(strstr(lk_warc_reader_error(r), "truncated gzip member"));
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);

	int64_t cut;
	size_t kept;
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(cut, (int64_t)(six_len / 2));
	assert_int_equal(kept, 5);
	struct stat st;
	assert_int_equal(stat(open_path, &st), 0);
	assert_int_equal(st.st_size, (off_t)size);
	assert_int_equal(count_records(open_path), 5);

	/* Sealed, the file is an ordinary readable WARC again. */
	assert_int_equal(lk_warc_seal(open_path, err, sizeof(err)), 0);
	char *final = tmp_path("half.warc.gz");
	assert_int_equal(count_records(final), 5);
	need_warcio();
	char *cmd = lk_xasprintf("node tests/js/verify-warc.mjs '%s' >/dev/null", final);
	assert_int_equal(run(cmd, NULL), 0);
	free(cmd);
	free(final);
	free(open_path);
	free(six);
}

static void test_repair_cuts_trailing_garbage(void **state)
{
	(void)state;
	char err[256];
	unsigned char *six;
	size_t six_len, size = five_records_open("garbage.warc.gz.open", &six, &six_len);
	char *open_path = tmp_path("garbage.warc.gz.open");
	/* A whole 6th member, half of a 7th, then bytes that are not gzip. */
	append_bytes(open_path, six, six_len);
	append_bytes(open_path, "\x1f\x8b\x08\x00garbage that is not deflate", 31);

	int64_t cut;
	size_t kept;
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(kept, 6);
	assert_int_equal(cut, 31);
	assert_int_equal(count_records(open_path), 6);
	struct stat st;
	assert_int_equal(stat(open_path, &st), 0);
	assert_int_equal(st.st_size, (off_t)(size + six_len));

	/* Plain garbage too. */
	append_bytes(open_path, "NOT A WARC\r\n\r\n", 14);
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(cut, 14);
	assert_int_equal(kept, 6);
	free(open_path);
	free(six);
}

static void test_repair_cuts_member_with_short_record(void **state)
{
	(void)state;
	char err[256];
	unsigned char *six;
	size_t six_len;
	five_records_open("short.warc.gz.open", &six, &six_len);
	char *open_path = tmp_path("short.warc.gz.open");
	/* A complete gzip member whose record claims more bytes than it has. */
	const char *rec = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:x>\r\n"
	                  "WARC-Date: 2026-01-01T00:00:00Z\r\nContent-Length: 100\r\n\r\nshort\r\n\r\n";
	size_t n;
	unsigned char *gz = gzip_bytes(rec, strlen(rec), &n);
	append_bytes(open_path, gz, n);
	int64_t cut;
	size_t kept;
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(cut, (int64_t)n);
	assert_int_equal(kept, 5);
	free(gz);
	free(open_path);
	free(six);
}

static void test_repair_leaves_a_good_file_alone(void **state)
{
	(void)state;
	char err[256];
	unsigned char *six;
	size_t six_len, size = five_records_open("good.warc.gz.open", &six, &six_len);
	char *open_path = tmp_path("good.warc.gz.open");
	int64_t cut = -1;
	size_t kept;
	assert_int_equal(lk_warc_repair(open_path, &cut, &kept, err, sizeof(err)), 0);
	assert_int_equal(cut, 0);
	assert_int_equal(kept, 5);
	struct stat st;
	assert_int_equal(stat(open_path, &st), 0);
	assert_int_equal(st.st_size, (off_t)size);
	assert_int_equal(lk_warc_seal("no-suffix.warc.gz", err, sizeof(err)), -1);
	free(open_path);
	free(six);
}

static void test_reader_reads_plain_warc(void **state)
{
	(void)state;
	char err[256];
	char *path = tmp_path("plain.warc");
	unlink(path);
	const char *recs = "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:a>\r\n"
	                   "WARC-Date: 2026-01-01T00:00:00Z\r\nWARC-Target-URI: urn:a\r\n"
	                   "Content-Length: 5\r\n\r\nhello\r\n\r\n"
	                   "WARC/1.1\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:b>\r\n"
	                   "Content-Length: 0\r\n\r\n\r\n\r\n";
	append_bytes(path, recs, strlen(recs));
	struct lk_warc_reader *r;
	struct lk_warc_record rec = {0};
	assert_int_equal(lk_warc_reader_open(path, 3, &r, err, sizeof(err)), 0);
	assert_int_equal(lk_warc_reader_next(r, &rec), 1);
	assert_string_equal(rec.record_id, "<urn:uuid:a>");
	assert_int_equal(rec.offset, 0);
	assert_int_equal(rec.length, 144); /* header + block */
	assert_int_equal(rec.block_len, 3); /* max_block */
	assert_true(rec.block_truncated);
	assert_string_equal((char *)rec.block, "hel");
	assert_int_equal(lk_warc_reader_next(r, &rec), 1);
	assert_int_equal(rec.offset, 148);
	assert_int_equal(rec.content_length, 0);
	assert_int_equal(lk_warc_reader_next(r, &rec), 0);
	lk_warc_record_free(&rec);
	lk_warc_reader_close(r);
	free(path);
}

static int count_line(const char *line, size_t len, void *ctx)
{
	(void)line;
	(void)len;
	(*(size_t *)ctx)++;
	return 0;
}

/* Damaged files must give errors, never crashes or overruns (ASan run):
 * flipped bytes anywhere, cut at any length. Repair must always leave a
 * file that reads cleanly to its end. */
static void test_reader_survives_corrupt_files(void **state)
{
	(void)state;
	struct sample s;
	char err[256];
	write_sample(&s, "corrupt-src.warc.gz");
	size_t len;
	unsigned char *orig = read_all(s.path, &len);
	char *path = tmp_path("corrupt.warc.gz");
	unsigned seed = 99;
	for (int round = 0; round < 150; round++) {
		unsigned char *data = lk_xmalloc(len);
		memcpy(data, orig, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			data[(seed >> 8) % len] ^= (unsigned char)(1u << ((seed >> 4) % 8));
		}
		seed = seed * 1103515245u + 12345u;
		size_t n = round % 3 ? len : (seed >> 8) % len;
		unlink(path);
		append_bytes(path, data, n);
		free(data);

		struct lk_warc_reader *r;
		struct lk_warc_record rec = {0};
		assert_int_equal(lk_warc_reader_open(path, 4096, &r, err, sizeof(err)), 0);
		while (lk_warc_reader_next(r, &rec) == 1)
			assert_true(rec.block_len <= 4096);
		lk_warc_record_free(&rec);
		lk_warc_reader_close(r);

		size_t lines = 0;
		lk_cdxj_index_file(path, NULL, count_line, &lines, err, sizeof(err));
		assert_true(lines <= 8);

		int64_t cut;
		size_t kept;
		assert_int_equal(lk_warc_repair(path, &cut, &kept, err, sizeof(err)), 0);
		assert_int_equal(count_records(path), kept);
	}
	free(path);
	free(orig);
	free_sample(&s);
}

/* ---- httpdecode ------------------------------------------------------- */

static void test_http_head_parses_fields(void **state)
{
	(void)state;
	const char *msg = "HTTP/1.1 301 Moved Permanently\r\nLocation: /new\r\n"
	                  "X-Long: first\r\n  second\r\nno colon line\r\nSet-Cookie: a=1\n"
	                  "set-cookie: b=2\r\n\r\nBODY";
	struct lk_http_head h;
	assert_int_equal(lk_http_parse_head(msg, strlen(msg), &h), 0);
	assert_string_equal(h.start_line, "HTTP/1.1 301 Moved Permanently");
	assert_int_equal(h.status, 301);
	assert_true(h.complete);
	assert_string_equal(msg + h.head_len, "BODY");
	assert_int_equal(h.n_headers, 4);
	assert_string_equal(lk_http_head_get(&h, "location"), "/new");
	assert_string_equal(lk_http_head_get(&h, "X-Long"), "first second");
	char *all = lk_http_head_get_all(&h, "SET-COOKIE");
	assert_string_equal(all, "a=1, b=2");
	free(all);
	assert_null(lk_http_head_get(&h, "Missing"));
	lk_http_head_free(&h);

	assert_int_equal(lk_http_parse_head("GET / HTTP/1.1\r\nHost: x", 24, &h), 0);
	assert_int_equal(h.status, -1);
	assert_false(h.complete);
	assert_string_equal(lk_http_head_get(&h, "Host"), "x");
	lk_http_head_free(&h);

	assert_int_equal(lk_http_parse_head("\r\nHTTP/1.1 200 OK\r\n\r\n", 21, &h), -1);
	lk_http_head_free(&h);
	assert_int_equal(lk_http_parse_head("", 0, &h), -1);
	lk_http_head_free(&h);
}

static void test_dechunk_removes_framing(void **state)
{
	(void)state;
	struct lk_buf out = {0};
	assert_int_equal(lk_http_dechunk(CHUNKED_BODY, strlen(CHUNKED_BODY), 1000, &out), 0);
	assert_string_equal(out.data, "<p>one two three</p>\n");

	/* Bounded output. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_dechunk(CHUNKED_BODY, strlen(CHUNKED_BODY), 5, &out),
	                 LK_HTTP_BODY_TRUNCATED);
	assert_int_equal(out.len, 5);

	/* Cut short: what arrived is kept. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_dechunk("5\r\nhel", 6, 1000, &out), LK_HTTP_BODY_BAD_CHUNKING);
	assert_string_equal(out.data, "hel");

	/* Not chunked at all: kept as is. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_dechunk("<html>", 6, 1000, &out), LK_HTTP_BODY_BAD_CHUNKING);
	assert_string_equal(out.data, "<html>");

	/* A size that does not fit anywhere. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_dechunk("ffffffffffffffffffff\r\nab", 24, 1000, &out),
	                 LK_HTTP_BODY_BAD_CHUNKING);
	assert_string_equal(out.data, "ab");

	/* LF-only line endings and a missing last-chunk. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_dechunk("3\nabc\n2\nde\n", 11, 1000, &out), LK_HTTP_BODY_BAD_CHUNKING);
	assert_string_equal(out.data, "abcde");
	lk_buf_free(&out);
}

static void test_inflate_gzip_deflate_and_raw(void **state)
{
	(void)state;
	struct lk_buf out = {0};
	size_t n;
	unsigned char *gz = gzip_bytes(GZIP_TEXT, strlen(GZIP_TEXT), &n);
	assert_int_equal(lk_http_inflate("gzip", gz, n, 1 << 20, &out), 0);
	assert_string_equal(out.data, GZIP_TEXT);

	/* Two members, as a server streaming gzip may send. */
	unsigned char *two = lk_xmalloc(2 * n);
	memcpy(two, gz, n);
	memcpy(two + n, gz, n);
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("x-gzip", two, 2 * n, 1 << 20, &out), 0);
	assert_int_equal(out.len, 2 * strlen(GZIP_TEXT));

	/* Cut in the middle: what inflated is kept. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("gzip", gz, n - 12, 1 << 20, &out), LK_HTTP_BODY_INCOMPLETE);

	/* A bomb stops at max. */
	char *zeros = calloc(1, 1 << 20);
	size_t bn;
	unsigned char *bomb = gzip_bytes(zeros, 1 << 20, &bn);
	assert_true(bn < 4096);
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("gzip", bomb, bn, 1000, &out), LK_HTTP_BODY_TRUNCATED);
	assert_int_equal(out.len, 1000);

	size_t zn, rn;
	unsigned char *zl = deflate_bytes("zlib wrapped", 15, &zn);
	unsigned char *raw = deflate_bytes("raw deflate", -15, &rn);
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("deflate", zl, zn, 100, &out), 0);
	assert_string_equal(out.data, "zlib wrapped");
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("deflate", raw, rn, 100, &out), 0);
	assert_string_equal(out.data, "raw deflate");

	/* Not compressed after all, or compressed with what we cannot undo. */
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("gzip", "plain text", 10, 100, &out), LK_HTTP_BODY_BAD_CODING);
	assert_string_equal(out.data, "plain text");
	lk_buf_reset(&out);
	assert_int_equal(lk_http_inflate("br", "\x0b\x02\x80", 3, 100, &out),
	                 LK_HTTP_BODY_UNKNOWN_CODING);
	assert_int_equal(out.len, 3);

	lk_buf_free(&out);
	free(gz);
	free(two);
	free(zeros);
	free(bomb);
	free(zl);
	free(raw);
}

static void test_decode_response_chunked_gzip(void **state)
{
	(void)state;
	size_t n;
	unsigned char *gz = gzip_bytes(GZIP_TEXT, strlen(GZIP_TEXT), &n);
	struct lk_buf block = {0};
	lk_buf_puts(&block, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
	/* two chunks */
	size_t half = n / 2;
	lk_buf_printf(&block, "%zx\r\n", half);
	lk_buf_append(&block, gz, half);
	lk_buf_printf(&block, "\r\n%zx\r\n", n - half);
	lk_buf_append(&block, gz + half, n - half);
	lk_buf_puts(&block, "\r\n0\r\n\r\n");

	struct lk_http_response r;
	char err[128];
	assert_int_equal(lk_http_decode_response(block.data, block.len, 1 << 20, &r, err, sizeof(err)), 0);
	assert_int_equal(r.head.status, 200);
	assert_int_equal(r.flags, 0);
	assert_string_equal(r.body.data, GZIP_TEXT);
	lk_http_response_free(&r);

	/* No status line. */
	assert_int_equal(lk_http_decode_response("hello", 5, 100, &r, err, sizeof(err)), -1);
	lk_http_response_free(&r);

	/* An empty body. */
	const char *empty = "HTTP/1.1 204 No Content\r\n\r\n";
	assert_int_equal(lk_http_decode_response(empty, strlen(empty), 100, &r, err, sizeof(err)), 0);
	assert_int_equal(r.body.len, 0);
	assert_string_equal(r.body.data, "");
	lk_http_response_free(&r);
	lk_buf_free(&block);
	free(gz);
}

/* Random and mutated inputs must never crash or overrun (run under ASan). */
static void test_decoders_survive_garbage(void **state)
{
	(void)state;
	size_t n;
	unsigned char *gz = gzip_bytes(GZIP_TEXT, strlen(GZIP_TEXT), &n);
	unsigned seed = 12345;
	struct lk_buf block = {0};
	for (int round = 0; round < 2000; round++) {
		lk_buf_reset(&block);
		lk_buf_puts(&block, round % 2 ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		                                "Content-Encoding: gzip, deflate\r\n\r\n"
		                              : "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n");
		lk_buf_printf(&block, "%zx\r\n", n);
		lk_buf_append(&block, gz, n);
		lk_buf_puts(&block, "\r\n0\r\n\r\n");
		for (int k = 0; k < 1 + round % 7; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % block.len;
			block.data[at] = (char)(seed >> 16);
		}
		size_t len = (seed >> 4) % (block.len + 1);
		struct lk_http_response r;
		char err[64];
		lk_http_decode_response(block.data, len, 512, &r, err, sizeof(err));
		assert_true(r.body.len <= 512);
		lk_http_response_free(&r);
	}
	lk_buf_free(&block);
	free(gz);
}

/* ---- cdxj lines ------------------------------------------------------- */

static void test_cdxj_line_format(void **state)
{
	(void)state;
	struct lk_buf b = {0};
	struct lk_cdxj_entry e = {
		.urlkey = "org,example)/a?x=1",
		.timestamp = "20261124120000",
		.url = "https://example.org/a?x=1",
		.mime = "text/html",
		.status = "200",
		.digest = "abc",
		.length = 442,
		.offset = 274,
		.filename = "x.warc.gz",
	};
	lk_cdxj_line(&b, &e);
	assert_string_equal(b.data, "org,example)/a?x=1 20261124120000 {\"url\":\"https://example.org/"
	                            "a?x=1\",\"mime\":\"text/html\",\"status\":\"200\",\"digest\":\"abc\","
	                            "\"length\":\"442\",\"offset\":\"274\",\"filename\":\"x.warc.gz\"}\n");

	/* Missing values are left out; JSON escapes like JSON.stringify. */
	lk_buf_reset(&b);
	e = (struct lk_cdxj_entry){.urlkey = "k", .timestamp = "t", .url = "a\"b\\c/\xC3\xA9\x01\t",
	                           .length = 0, .offset = 1};
	lk_cdxj_line(&b, &e);
	assert_string_equal(b.data, "k t {\"url\":\"a\\\"b\\\\c/\xC3\xA9\\u0001\\t\",\"length\":\"0\","
	                            "\"offset\":\"1\"}\n");

	char ts[15];
	lk_cdxj_timestamp("2026-11-24T12:00:00.123Z", ts);
	assert_string_equal(ts, "20261124120000");
	lk_cdxj_timestamp("2026-11-24", ts);
	assert_string_equal(ts, "20261124");
	char *d = lk_cdxj_digest_value("sha256:abcd");
	assert_string_equal(d, "abcd");
	free(d);
	d = lk_cdxj_digest_value("sha1:AB:CD");
	assert_string_equal(d, "AB");
	free(d);
	assert_null(lk_cdxj_digest_value("nolabel"));
	lk_buf_free(&b);
}

static void test_cdxj_sort_is_byte_order(void **state)
{
	(void)state;
	struct lk_cdxj_lines l = {0};
	const char *in[] = {"com,ex)/b 2026 {}\n", "com,ex)/a 2027 {}\n", "com,ex)/a?x 2025 {}\n",
	                    "com,ex)/a 2026 {}\n", "com,ex)/B 2026 {}\n", "com,ex)/ab 2026 {}\n"};
	for (size_t i = 0; i < 6; i++)
		lk_cdxj_lines_add(in[i], strlen(in[i]), &l);
	lk_cdxj_lines_sort(&l);
	const char *want[] = {"com,ex)/B 2026 {}\n", "com,ex)/a 2026 {}\n", "com,ex)/a 2027 {}\n",
	                      "com,ex)/a?x 2025 {}\n", "com,ex)/ab 2026 {}\n", "com,ex)/b 2026 {}\n"};
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(l.v[i], want[i]);
	lk_cdxj_lines_free(&l);
}

/* Indexes a plain WARC holding a POST request with a form-urlencoded body
 * of n bytes and its response; the lines go to *lines. */
static void index_form_post(const char *name, const char *body, size_t n,
                            struct lk_cdxj_lines *lines)
{
	char err[256];
	char *path = tmp_path(name);
	struct lk_buf w = {0};
	const char *resp = "HTTP/1.1 200 OK\r\n\r\nok";
	const char *head = "POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n";
	lk_buf_printf(&w, "WARC/1.1\r\nWARC-Type: request\r\nWARC-Target-URI: http://example.com/f\r\n"
	                  "WARC-Date: 2026-11-24T12:00:00Z\r\nContent-Length: %zu\r\n\r\n%s",
	              strlen(head) + n, head);
	lk_buf_append(&w, body, n);
	lk_buf_printf(&w, "\r\n\r\nWARC/1.1\r\nWARC-Type: response\r\n"
	                  "WARC-Target-URI: http://example.com/f\r\nWARC-Date: 2026-11-24T12:00:00Z\r\n"
	                  "Content-Length: %zu\r\n\r\n%s\r\n\r\n",
	              strlen(resp), resp);
	unlink(path);
	append_bytes(path, w.data, w.len);
	assert_int_equal(lk_cdxj_index_file(path, "f.warc", lk_cdxj_lines_add, lines, err, sizeof(err)),
	                 0);
	lk_buf_free(&w);
	free(path);
}

/* Found with tests/fuzz/fuzz_warc.c: an empty form body left the query
 * buffer unallocated, and cutting it to 4096 characters wrote through NULL. */
static void test_cdxj_post_with_empty_form_body(void **state)
{
	(void)state;
	struct lk_cdxj_lines lines = {0};
	index_form_post("post-empty.warc", "", 0, &lines);
	assert_int_equal(lines.n, 1);
	/* warcio.js cdx-index gives the same urlkey and no requestBody */
	assert_string_equal(lines.v[0], "com,example)/f?&__wb_method=post 20261124120000 "
	                                "{\"url\":\"http://example.com/f\",\"status\":\"200\","
	                                "\"length\":\"146\",\"offset\":\"197\",\"filename\":\"f.warc\","
	                                "\"method\":\"POST\"}\n");
	lk_cdxj_lines_free(&lines);
}

/* Found with tests/fuzz/fuzz_warc.c (ASan run): a form body ending in part
 * of a UTF-8 sequence made the decoder read past the copied body. */
static void test_cdxj_form_body_cut_mid_character(void **state)
{
	(void)state;
	struct lk_cdxj_lines lines = {0};
	index_form_post("post-cut.warc", "a=\xF0\x9F", 4, &lines);
	assert_int_equal(lines.n, 1);
	/* one U+FFFD for the cut sequence, as TextDecoder (warcio.js) makes it */
	assert_true(strncmp(lines.v[0], "com,example)/f?__wb_method=post&a=%EF%BF%BD ", 44) == 0);
	lk_cdxj_lines_free(&lines);
}

/* Invalid UTF-8 in a form body becomes U+FFFD as the WHATWG decoder does
 * it: one per maximal subpart of a sequence (a valid start cut short),
 * else one per byte. The urlkey is what warcio.js cdx-index printed for
 * the same record. */
static void test_cdxj_form_body_invalid_utf8_as_textdecoder(void **state)
{
	(void)state;
	static const char body[] = "a=\xE0\x80" "b&c=\xED\xA0\x80" "d&e=\xF4\x90" "x&f=\xC0\xAF"
	                           "y&g=\xE2\x82" "z&h=\xF0\x9F\x98&i=\xF0\x9F";
	struct lk_cdxj_lines lines = {0};
	index_form_post("post-bad-utf8.warc", body, sizeof body - 1, &lines);
	assert_int_equal(lines.n, 1);
	const char *want = "com,example)/f?__wb_method=post&a=%EF%BF%BD%EF%BF%BDb"
	                   "&c=%EF%BF%BD%EF%BF%BD%EF%BF%BDd&e=%EF%BF%BD%EF%BF%BDx"
	                   "&f=%EF%BF%BD%EF%BF%BDy&g=%EF%BF%BDz&h=%EF%BF%BD&i=%EF%BF%BD ";
	assert_true(strncmp(lines.v[0], want, strlen(want)) == 0);
	lk_cdxj_lines_free(&lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filename_is_prefix_timestamp_serial),
		cmocka_unit_test(test_record_ids_are_random_uuid_v4),
		cmocka_unit_test(test_sha256_label_is_lower_hex),
		cmocka_unit_test(test_uri_escape_makes_ascii),
		cmocka_unit_test(test_records_read_back_as_written),
		cmocka_unit_test(test_capture_records_are_linked),
		cmocka_unit_test(test_each_record_is_one_gzip_member),
		cmocka_unit_test(test_warcio_verifies_every_digest),
		cmocka_unit_test(test_verify_script_catches_a_bad_digest),
		cmocka_unit_test(test_cdxj_matches_warcio_cdx_index),
		cmocka_unit_test(test_large_bodies_round_trip),
		cmocka_unit_test(test_bad_capture_is_refused_and_writer_stays_usable),
		cmocka_unit_test(test_encoded_capture_appends_at_file_offsets),
		cmocka_unit_test(test_write_error_leaves_repairable_file),
		cmocka_unit_test(test_open_refuses_a_leftover_open_file),
		cmocka_unit_test(test_repair_cuts_half_written_member),
		cmocka_unit_test(test_repair_cuts_trailing_garbage),
		cmocka_unit_test(test_repair_cuts_member_with_short_record),
		cmocka_unit_test(test_repair_leaves_a_good_file_alone),
		cmocka_unit_test(test_reader_reads_plain_warc),
		cmocka_unit_test(test_reader_survives_corrupt_files),
		cmocka_unit_test(test_http_head_parses_fields),
		cmocka_unit_test(test_dechunk_removes_framing),
		cmocka_unit_test(test_inflate_gzip_deflate_and_raw),
		cmocka_unit_test(test_decode_response_chunked_gzip),
		cmocka_unit_test(test_decoders_survive_garbage),
		cmocka_unit_test(test_cdxj_line_format),
		cmocka_unit_test(test_cdxj_sort_is_byte_order),
		cmocka_unit_test(test_cdxj_post_with_empty_form_body),
		cmocka_unit_test(test_cdxj_form_body_cut_mid_character),
		cmocka_unit_test(test_cdxj_form_body_invalid_utf8_as_textdecoder),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
