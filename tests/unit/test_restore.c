/*
 * test_restore.c — pages back out of the archive (restore.h): the bytes as
 * served for every body coding, revisits, redirect chains, times, errors;
 * safe file names against hostile URLs; restore --dead end to end.
 *
 * Fixtures are real (archive_fixture.h, shared with test_wacz.c): a WARC
 * file written with warc.h, its captures indexed with captures.h in a
 * history database made by history.h, urls and sources rows inserted with
 * SQL as `linkkeeper check` would leave them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/restore.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#include "archive_fixture.h"

/* ---- fixture: an archive folder, a WARC file, a database ------------------ */

static void fx_open(struct fx *f)
{
	fx_open_tmp(f, "/tmp/lk-test-restore-XXXXXX");
}

static struct lk_warc_capture_result fx_page(struct fx *f, const char *url, int64_t at,
                                             const char *head, const char *body)
{
	return fx_capture(f, url, at, head, body, strlen(body), NULL, NULL);
}

/* ---- bodies ------------------------------------------------------------------ */

#define HTML_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
#define PLAIN "<!doctype html><title>plain</title><p>hello</p>\n"
#define LONG_TEXT "<p>compressible text, compressible text, compressible text</p>\n"

/* zlib's deflate of p: window 15+16 gzip, 15 zlib, -15 raw. Caller frees. */
static unsigned char *deflated(const void *p, size_t n, int window, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
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

/* p in chunks of 7 bytes with chunked framing. */
static void chunked(struct lk_buf *b, const void *p, size_t n)
{
	const char *s = p;
	for (size_t i = 0; i < n; i += 7) {
		size_t k = n - i < 7 ? n - i : 7;
		lk_buf_printf(b, "%zx\r\n", k);
		lk_buf_append(b, s + i, k);
		lk_buf_puts(b, "\r\n");
	}
	lk_buf_puts(b, "0\r\n\r\n");
}

static struct lk_buf long_text(void)
{
	struct lk_buf b = {0};
	for (int i = 0; i < 300; i++)
		lk_buf_puts(&b, LONG_TEXT);
	return b;
}

/* restore url (latest) and compare the decoded body with want. */
static void assert_restores(struct fx *f, const char *url, const void *want, size_t want_len)
{
	char err[512];
	struct lk_restore_opts o = {0};
	struct lk_restored r;
	int rc = lk_restore_find(f->caps, f->archive, url, &o, &r, err, sizeof(err));
	if (rc != 1)
		fail_msg("restore %s: %d %s", url, rc, err);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.body.len, want_len);
	assert_memory_equal(r.body.data, want, want_len);
	lk_restored_free(&r);
}

/* ---- restore: bodies ---------------------------------------------------------- */

static void test_restore_returns_plain_body_as_served(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_page(&f, "http://h.test/plain", T0, HTML_HEAD, PLAIN);
	fx_seal(&f);
	assert_restores(&f, "http://h.test/plain", PLAIN, strlen(PLAIN));
	fx_close(&f);
}

static void test_restore_decodes_gzip_deflate_and_raw_deflate(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	struct lk_buf text = long_text();
	const int windows[] = {15 + 16, 15, -15};
	const char *const urls[] = {"http://h.test/gz", "http://h.test/zlib", "http://h.test/raw"};
	for (int i = 0; i < 3; i++) {
		size_t n;
		unsigned char *z = deflated(text.data, text.len, windows[i], &n);
		char *head = lk_xasprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
		                          "Content-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
		                          i == 0 ? "gzip" : "deflate", n);
		fx_capture(&f, urls[i], T0 + i, head, z, n, NULL, NULL);
		free(head);
		free(z);
	}
	fx_seal(&f);
	for (int i = 0; i < 3; i++)
		assert_restores(&f, urls[i], text.data, text.len);
	lk_buf_free(&text);
	fx_close(&f);
}

static void test_restore_removes_chunking_then_gzip(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	struct lk_buf text = long_text(), body = {0}, both = {0};
	chunked(&body, text.data, text.len);
	fx_capture(&f, "http://h.test/chunked", T0,
	           "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
	           body.data, body.len, NULL, NULL);
	size_t n;
	unsigned char *z = deflated(text.data, text.len, 15 + 16, &n);
	chunked(&both, z, n);
	fx_capture(&f, "http://h.test/chunked-gzip", T0,
	           "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
	           "Transfer-Encoding: chunked\r\n\r\n",
	           both.data, both.len, NULL, NULL);
	fx_seal(&f);
	assert_restores(&f, "http://h.test/chunked", text.data, text.len);
	assert_restores(&f, "http://h.test/chunked-gzip", text.data, text.len);
	free(z);
	lk_buf_free(&text);
	lk_buf_free(&body);
	lk_buf_free(&both);
	fx_close(&f);
}

static void test_restore_keeps_binary_pdf_bytes(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	unsigned char pdf[600];
	memcpy(pdf, "%PDF-1.4\n", 9);
	for (size_t i = 9; i < sizeof(pdf); i++)
		pdf[i] = (unsigned char)(i * 7); /* NULs, 0xff, CR, LF, all of it */
	fx_capture(&f, "http://h.test/doc.pdf", T0,
	           "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 600\r\n\r\n", pdf,
	           sizeof(pdf), NULL, NULL);
	fx_seal(&f);
	assert_restores(&f, "http://h.test/doc.pdf", pdf, sizeof(pdf));
	fx_close(&f);
}

/* ---- restore: revisits, times, redirects --------------------------------------- */

static void test_revisit_takes_body_from_original_and_headers_from_itself(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	size_t n;
	struct lk_buf text = long_text();
	unsigned char *z = deflated(text.data, text.len, 15 + 16, &n);
	char *head = lk_xasprintf("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	                          "Content-Encoding: gzip\r\nX-Visit: first\r\n\r\n");
	struct lk_warc_capture_result orig =
		fx_capture(&f, "http://h.test/p", T0, head, z, n, NULL, NULL);
	const char *head2 = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	                    "Content-Encoding: gzip\r\nX-Visit: second\r\n\r\n";
	fx_capture(&f, "http://h.test/p", T0 + HOUR, head2, z, n, &orig, "http://h.test/p");
	fx_seal(&f);

	char err[512];
	struct lk_restore_opts o = {0};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/p", &o, &r, err,
	                                 sizeof(err)),
	                 1);
	assert_string_equal(lk_restored_page(&r)->record_type, "revisit");
	assert_string_equal(r.original.record_id, orig.response.id);
	assert_string_equal(lk_http_head_get(&r.head, "X-Visit"), "second");
	assert_int_equal(r.raw_head.len, strlen(head2));
	assert_memory_equal(r.raw_head.data, head2, strlen(head2));
	assert_int_equal(r.body.len, text.len);
	assert_memory_equal(r.body.data, text.data, text.len);
	lk_restored_free(&r);
	free(head);
	free(z);
	lk_buf_free(&text);
	fx_close(&f);
}

static void test_at_picks_latest_capture_at_or_before(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_page(&f, "http://h.test/v", T0, HTML_HEAD, "one");
	fx_page(&f, "http://h.test/v", T0 + 24 * HOUR + 500, HTML_HEAD, "two");
	fx_page(&f, "http://h.test/v", T0 + 48 * HOUR, HTML_HEAD, "three");
	fx_seal(&f);
	const struct {
		int64_t at;
		const char *want;
	} cases[] = {
		{0, "three"},
		{T0, "one"},
		{T0 + 24 * HOUR, "one"},
		{T0 + 24 * HOUR + 500, "two"},
		{T0 + 48 * HOUR - 1, "two"},
		{T0 + 49 * HOUR, "three"},
	};
	char err[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lk_restore_opts o = {.at_ms = cases[i].at};
		struct lk_restored r;
		assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/v", &o, &r, err,
		                                 sizeof(err)),
		                 1);
		assert_string_equal(r.body.data, cases[i].want);
		lk_restored_free(&r);
	}
	struct lk_restore_opts before = {.at_ms = T0 - 1};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/v", &before, &r, err,
	                                 sizeof(err)),
	                 0);
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_parse_at_covers_the_unit_named(void **state)
{
	(void)state;
	int64_t ms;
	assert_int_equal(lk_restore_parse_at("2026-11-25", &ms), 0);
	assert_int_equal(ms, (int64_t)1795651200000 - 1); /* 2026-11-26T00:00:00Z - 1 ms */
	assert_int_equal(lk_restore_parse_at("20261125094640", &ms), 0);
	assert_int_equal(ms, T0 + 999);
	assert_int_equal(lk_restore_parse_at("2026-11-25T09:46:40Z", &ms), 0);
	assert_int_equal(ms, T0 + 999);
	assert_int_equal(lk_restore_parse_at("2026-11-25T09:46:40.250Z", &ms), 0);
	assert_int_equal(ms, T0 + 250);
	assert_int_equal(lk_restore_parse_at("yesterday", &ms), -1);
	assert_int_equal(lk_restore_parse_at("2026-13-01", &ms), -1);
}

static void test_redirect_chain_is_followed_to_the_page(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_page(&f, "http://h.test/old", T0,
	        "HTTP/1.1 301 Moved Permanently\r\nLocation: /mid?x=1#frag\r\n\r\n", "moved");
	fx_page(&f, "http://h.test/mid?x=1", T0 + 20,
	        "HTTP/1.1 302 Found\r\nLocation: http://OTHER.test:80/final\r\n\r\n", "found");
	fx_page(&f, "http://other.test/final", T0 + 40, HTML_HEAD, PLAIN);
	/* A later capture of the target, from another visit: not this chain's. */
	fx_page(&f, "http://other.test/final", T0 + 2 * LK_RESTORE_HOP_WINDOW_MS, HTML_HEAD, "later");
	fx_seal(&f);

	char err[512];
	struct lk_restore_opts o = {.at_ms = T0 + 1000};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/old", &o, &r, err,
	                                 sizeof(err)),
	                 1);
	assert_int_equal(r.n_chain, 3);
	assert_string_equal(r.chain[0].url, "http://h.test/old");
	assert_string_equal(r.chain[1].url, "http://h.test/mid?x=1");
	assert_string_equal(lk_restored_page(&r)->url, "http://other.test/final");
	assert_string_equal(r.body.data, PLAIN);
	lk_restored_free(&r);

	o.no_follow = 1;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/old", &o, &r, err,
	                                 sizeof(err)),
	                 1);
	assert_int_equal(r.n_chain, 1);
	assert_int_equal(lk_restored_page(&r)->http_status, 301);
	assert_string_equal(r.body.data, "moved");
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_redirect_loop_stops_after_max_hops(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	for (int i = 0; i < 2 * LK_RESTORE_MAX_HOPS; i++)
		fx_page(&f, i % 2 ? "http://h.test/b" : "http://h.test/a", T0 + i,
		        i % 2 ? "HTTP/1.1 302 Found\r\nLocation: /a\r\n\r\n"
		              : "HTTP/1.1 302 Found\r\nLocation: /b\r\n\r\n",
		        "");
	fx_seal(&f);
	char err[512];
	struct lk_restore_opts o = {.at_ms = T0};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/a", &o, &r, err,
	                                 sizeof(err)),
	                 0);
	assert_non_null(strstr(err, "longer than 10 hops"));
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_redirect_to_uncaptured_url_is_no_capture(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_page(&f, "http://h.test/r", T0, "HTTP/1.1 302 Found\r\nLocation: /nowhere\r\n\r\n", "");
	/* Captured, but long before the redirect: not the page it led to. */
	fx_page(&f, "http://h.test/nowhere", T0 - 24 * HOUR, HTML_HEAD, "old");
	fx_seal(&f);
	char err[512];
	struct lk_restore_opts o = {0};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/r", &o, &r, err,
	                                 sizeof(err)),
	                 0);
	assert_non_null(strstr(err, "no capture of http://h.test/nowhere"));
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_want_ok_steps_back_to_last_good_page(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_page(&f, "http://h.test/d", T0, HTML_HEAD, "alive");
	fx_page(&f, "http://h.test/d", T0 + HOUR, "HTTP/1.1 404 Not Found\r\n\r\n", "gone");
	fx_page(&f, "http://h.test/d", T0 + 2 * HOUR,
	        "HTTP/1.1 302 Found\r\nLocation: /404\r\n\r\n", "");
	fx_page(&f, "http://h.test/404", T0 + 2 * HOUR + 5, "HTTP/1.1 404 Not Found\r\n\r\n", "x");
	fx_page(&f, "http://h.test/never", T0, "HTTP/1.1 500 Oops\r\n\r\n", "x");
	fx_seal(&f);
	char err[512];
	struct lk_restore_opts o = {.want_ok = 1};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/d", &o, &r, err,
	                                 sizeof(err)),
	                 1);
	assert_string_equal(r.body.data, "alive");
	lk_restored_free(&r);
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/never", &o, &r, err,
	                                 sizeof(err)),
	                 0);
	lk_restored_free(&r);
	fx_close(&f);
}

/* ---- restore: errors ---------------------------------------------------------- */

static void test_unknown_url_is_no_capture(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_seal(&f);
	char err[512];
	struct lk_restore_opts o = {0};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/none", &o, &r, err,
	                                 sizeof(err)),
	                 0);
	assert_string_equal(err, "no capture of http://h.test/none");
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_index_pointing_at_another_record_is_an_error(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	struct lk_warc_capture_result a = fx_page(&f, "http://h.test/a", T0, HTML_HEAD, "a");
	fx_seal(&f);
	/* A row that claims the record at a's offset is another one. */
	struct lk_capture_row row = {
		.url = "http://h.test/b", .urlkey = "test,h)/b", .captured_at = T0,
		.http_status = 200, .record_id = "<urn:uuid:00000000-0000-4000-8000-000000000000>",
		.file = f.warc_name, .offset = a.response.offset, .length = a.response.length,
	};
	snprintf(row.record_type, sizeof(row.record_type), "response");
	assert_int_equal(lk_captures_add(f.caps, &row), 0);
	char err[512];
	struct lk_restore_opts o = {0};
	struct lk_restored r;
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/b", &o, &r, err,
	                                 sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "the capture index expects"));
	lk_restored_free(&r);

	/* A missing WARC file is an error too, not "no capture". */
	assert_int_equal(unlink(f.warc_path), 0);
	assert_int_equal(lk_restore_find(f.caps, f.archive, "http://h.test/a", &o, &r, err,
	                                 sizeof(err)),
	                 -1);
	lk_restored_free(&r);
	fx_close(&f);
}

static void test_warc_path_stays_in_archive(void **state)
{
	(void)state;
	const char *bad[] = {"", "/etc/passwd", "../x.warc.gz", "a/../../b", "..", "a/.."};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lk_restore_warc_path("/arch", bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_null(lk_restore_warc_path("/arch", NULL));
	char *p = lk_restore_warc_path("/arch", "sub/x..y.warc.gz");
	assert_string_equal(p, "/arch/sub/x..y.warc.gz");
	free(p);
}

/* ---- safe names ------------------------------------------------------------------ */

static void assert_safe(const char *url, const char *mime, const char *ext)
{
	char name[LK_RESTORE_NAME_MAX + 1];
	assert_int_equal(lk_restore_safe_name(url, mime, name, sizeof(name)), 0);
	if (!lk_restore_name_ok(name))
		fail_msg("unsafe name %s for %s", name, url);
	assert_true(strlen(name) <= LK_RESTORE_NAME_MAX);
	assert_null(strchr(name, '/'));
	assert_null(strstr(name, ".."));
	assert_true(name[0] != '.' && name[0] != '-');
	size_t n = strlen(name), k = strlen(ext);
	assert_true(n > k && strcmp(name + n - k, ext) == 0);
}

static void test_safe_name_survives_hostile_urls(void **state)
{
	(void)state;
	char longest[6000];
	memset(longest, 'a', sizeof(longest) - 1);
	memcpy(longest, "http://h/", 9);
	longest[sizeof(longest) - 1] = '\0';
	const char *urls[] = {
		"http://h.test/../../../../etc/passwd",
		"http://h.test/%2e%2e/%2e%2e/%2E%2E/etc/passwd",
		"http://h.test/..%2f..%2fetc%2fpasswd",
		"/etc/passwd",
		"../../../tmp/x",
		"..",
		".",
		"",
		"....//....//",
		"http://h.test/a\\..\\..\\b",
		"http://h.test/\x01\x1b[31mred\r\nSet-Cookie: x\t\x7f",
		"http://h.test/%00%0a",
		"http://\xe4\xbe\x8b\xe3\x81\x88.jp/\xe3\x83\x9a\xe3\x83\xbc\xe3\x82\xb8",
		"http://h.test/\xff\xfe\xc0\xaf",
		"-rf",
		".hidden",
		"http://h.test/.git/config",
		longest,
	};
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		assert_safe(urls[i], "text/html", ".html");
		assert_safe(urls[i], NULL, ".bin");
	}
}

static void test_safe_name_reads_well_and_stays_unique(void **state)
{
	(void)state;
	char a[LK_RESTORE_NAME_MAX + 1], b[LK_RESTORE_NAME_MAX + 1];
	assert_int_equal(lk_restore_safe_name("https://user:secret@Example.com/docs/guide.pdf",
	                                      "application/pdf", a, sizeof(a)),
	                 0);
	assert_int_equal(strncmp(a, "Example.com_docs_guide-", 23), 0);
	assert_int_equal(strlen(a), 23 + 10 + 4);
	assert_string_equal(a + 33, ".pdf");
	assert_null(strstr(a, "secret"));

	/* Different URLs that look alike once cleaned get different names. */
	lk_restore_safe_name("http://h.test/a?b", "text/html", a, sizeof(a));
	lk_restore_safe_name("http://h.test/a_b", "text/html", b, sizeof(b));
	assert_string_not_equal(a, b);
	char long_a[400], long_b[400];
	memset(long_a, 'x', sizeof(long_a));
	memcpy(long_a, "http://h.test/", 14);
	long_a[sizeof(long_a) - 1] = '\0';
	memcpy(long_b, long_a, sizeof(long_b));
	long_b[sizeof(long_b) - 2] = 'y';
	lk_restore_safe_name(long_a, "text/html", a, sizeof(a));
	lk_restore_safe_name(long_b, "text/html", b, sizeof(b));
	assert_int_equal(strlen(a), LK_RESTORE_NAME_MAX);
	assert_string_not_equal(a, b);
	/* Same URL, same name: a second restore replaces the first copy. */
	lk_restore_safe_name(long_a, "text/html", b, sizeof(b));
	assert_string_equal(a, b);

	assert_int_equal(lk_restore_safe_name("http://h/", "text/html", a, LK_RESTORE_NAME_MAX), -1);
}

static void test_ext_follows_mime_type(void **state)
{
	(void)state;
	assert_string_equal(lk_restore_ext_for_mime("text/html; charset=utf-8"), ".html");
	assert_string_equal(lk_restore_ext_for_mime("APPLICATION/PDF"), ".pdf");
	assert_string_equal(lk_restore_ext_for_mime("application/xhtml+xml"), ".html");
	assert_string_equal(lk_restore_ext_for_mime("image/png"), ".png");
	assert_string_equal(lk_restore_ext_for_mime("text/x-unknown"), ".txt");
	assert_string_equal(lk_restore_ext_for_mime("application/x-unknown"), ".bin");
	assert_string_equal(lk_restore_ext_for_mime(""), ".bin");
	assert_string_equal(lk_restore_ext_for_mime(NULL), ".bin");
}

static void test_name_ok_rejects_unsafe_names(void **state)
{
	(void)state;
	char too_long[LK_RESTORE_NAME_MAX + 2];
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	const char *bad[] = {"", ".", "..", ".x", "-x", "a/b", "a..b", "a b", "/etc/passwd",
	                     "a\\b", too_long};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lk_restore_name_ok(bad[i]), 0);
	assert_int_equal(lk_restore_name_ok(NULL), 0);
	assert_int_equal(lk_restore_name_ok("h.test_a-0123456789.html"), 1);
}

static void test_write_at_replaces_symlink_without_following_it(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	char *out = lk_xasprintf("%s/out", f.root), *victim = lk_xasprintf("%s/victim", f.root);
	char *link = lk_xasprintf("%s/page.html", out);
	assert_int_equal(mkdir(out, 0755), 0);
	FILE *v = fopen(victim, "w");
	fputs("untouched", v);
	fclose(v);
	assert_int_equal(symlink(victim, link), 0);
	int dirfd = open(out, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);
	char err[256];
	assert_int_equal(lk_restore_write_at(dirfd, "page.html", "new", 3, err, sizeof(err)), 0);
	struct stat sb;
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_size, 3);
	char *text = NULL;
	size_t n;
	assert_int_equal(lk_read_file(victim, 100, &text, &n, err, sizeof(err)), 0);
	assert_string_equal(text, "untouched");
	free(text);
	/* Names that could leave the folder are refused outright. */
	assert_int_equal(lk_restore_write_at(dirfd, "../escape", "x", 1, err, sizeof(err)), -1);
	assert_int_equal(lk_restore_write_at(dirfd, "/tmp/escape", "x", 1, err, sizeof(err)), -1);
	char *escape = lk_xasprintf("%s/escape", f.root);
	assert_int_equal(access(escape, F_OK), -1);
	close(dirfd);
	free(escape);
	free(out);
	free(victim);
	free(link);
	fx_close(&f);
}

/* ---- restore --dead ---------------------------------------------------------------- */

/* Every entry of dir is a regular file whose real path is inside dir. */
static size_t assert_all_inside(const char *dir)
{
	char real_dir[PATH_MAX], real[PATH_MAX];
	assert_non_null(realpath(dir, real_dir));
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	size_t n = 0;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = lk_xasprintf("%s/%s", dir, e->d_name);
		struct stat sb;
		assert_int_equal(lstat(p, &sb), 0);
		assert_true(S_ISREG(sb.st_mode));
		assert_non_null(realpath(p, real));
		size_t k = strlen(real_dir);
		if (strncmp(real, real_dir, k) != 0 || real[k] != '/' || strchr(real + k + 1, '/'))
			fail_msg("%s is outside %s", real, real_dir);
		free(p);
		n++;
	}
	closedir(d);
	return n;
}

static void test_restore_dead_writes_copies_and_escaped_index(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	const char *evil = "http://h.test/../../../tmp/%2e%2e/x";
	fx_page(&f, "http://h.test/gone", T0, HTML_HEAD, PLAIN);
	fx_page(&f, "http://h.test/gone", T0 + HOUR, "HTTP/1.1 404 Not Found\r\n\r\n", "no");
	fx_page(&f, evil, T0, "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n", "%PDF");
	fx_page(&f, "http://h.test/alive", T0, HTML_HEAD, "alive");
	fx_link(&f, "http://h.test/gone", "broken", "<script>alert('t')</script> & co");
	fx_link(&f, evil, "broken", NULL);
	fx_link(&f, "http://h.test/never-captured", "broken", "Never");
	fx_link(&f, "http://h.test/alive", "ok", "Alive");
	fx_seal(&f);

	char *out = lk_xasprintf("%s/dead", f.root);
	char err[512];
	struct lk_restore_dead_stats st;
	if (lk_restore_dead(f.db, f.archive, out, &st, err, sizeof(err)) != 0)
		fail_msg("dead: %s", err);
	assert_int_equal(st.dead, 3);
	assert_int_equal(st.restored, 2);
	assert_int_equal(st.no_capture, 1);
	assert_int_equal(assert_all_inside(out), 3); /* two pages and index.html */

	char *index = lk_xasprintf("%s/index.html", out), *html = NULL;
	size_t n;
	assert_int_equal(lk_read_file(index, 1 << 20, &html, &n, err, sizeof(err)), 0);
	assert_null(strstr(html, "<script>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; &amp; co"));
	assert_non_null(strstr(html, "http://h.test/never-captured"));
	assert_null(strstr(html, "http://h.test/alive"));

	/* Each copy is linked from the index and holds the last good page. */
	char name[LK_RESTORE_NAME_MAX + 1];
	lk_restore_safe_name("http://h.test/gone", "text/html", name, sizeof(name));
	char *href = lk_xasprintf("href=\"%s\"", name), *copy = lk_xasprintf("%s/%s", out, name);
	assert_non_null(strstr(html, href));
	char *page = NULL;
	assert_int_equal(lk_read_file(copy, 1 << 20, &page, &n, err, sizeof(err)), 0);
	assert_string_equal(page, PLAIN);
	lk_restore_safe_name(evil, "application/pdf", name, sizeof(name));
	char *href2 = lk_xasprintf("href=\"%s\"", name);
	assert_non_null(strstr(html, href2));

	/* A second run into the same folder replaces the files. */
	assert_int_equal(lk_restore_dead(f.db, f.archive, out, &st, err, sizeof(err)), 0);
	assert_int_equal(assert_all_inside(out), 3);

	free(href);
	free(href2);
	free(copy);
	free(page);
	free(html);
	free(index);
	free(out);
	fx_close(&f);
}

static void test_restore_dead_without_database_is_an_error(void **state)
{
	(void)state;
	char err[512];
	struct lk_restore_dead_stats st;
	assert_int_equal(lk_restore_dead("/nonexistent/h.db", "/nonexistent", "/tmp/x", &st, err,
	                                 sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "/nonexistent/h.db"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_returns_plain_body_as_served),
		cmocka_unit_test(test_restore_decodes_gzip_deflate_and_raw_deflate),
		cmocka_unit_test(test_restore_removes_chunking_then_gzip),
		cmocka_unit_test(test_restore_keeps_binary_pdf_bytes),
		cmocka_unit_test(test_revisit_takes_body_from_original_and_headers_from_itself),
		cmocka_unit_test(test_at_picks_latest_capture_at_or_before),
		cmocka_unit_test(test_parse_at_covers_the_unit_named),
		cmocka_unit_test(test_redirect_chain_is_followed_to_the_page),
		cmocka_unit_test(test_redirect_loop_stops_after_max_hops),
		cmocka_unit_test(test_redirect_to_uncaptured_url_is_no_capture),
		cmocka_unit_test(test_want_ok_steps_back_to_last_good_page),
		cmocka_unit_test(test_unknown_url_is_no_capture),
		cmocka_unit_test(test_index_pointing_at_another_record_is_an_error),
		cmocka_unit_test(test_warc_path_stays_in_archive),
		cmocka_unit_test(test_safe_name_survives_hostile_urls),
		cmocka_unit_test(test_safe_name_reads_well_and_stays_unique),
		cmocka_unit_test(test_ext_follows_mime_type),
		cmocka_unit_test(test_name_ok_rejects_unsafe_names),
		cmocka_unit_test(test_write_at_replaces_symlink_without_following_it),
		cmocka_unit_test(test_restore_dead_writes_copies_and_escaped_index),
		cmocka_unit_test(test_restore_dead_without_database_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
