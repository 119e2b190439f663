/*
 * test_url.c — URL normalisation, resolution and host keys (src/url.c)
 * against libcurl's real URL parser. The test binary never calls
 * setlocale(), so the IDN tests also prove that punycode conversion works
 * in the "C" locale.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linkkeeper/url.h"

/* Normalises raw and checks the result; frees it. */
static void assert_normalizes_to(const char *raw, const char *want)
{
	char err[128] = "";
	char *out = NULL;
	assert_int_equal(lk_url_normalize(raw, &out, err, sizeof err), 0);
	assert_string_equal(out, want);
	free(out);
}

static void assert_rejected_with(const char *raw, const char *want_err)
{
	char err[128] = "";
	char *out = NULL;
	assert_int_equal(lk_url_normalize(raw, &out, err, sizeof err), -1);
	assert_null(out);
	assert_string_equal(err, want_err);
}

static void assert_resolves_to(const char *base, const char *rel, const char *want)
{
	char *out = NULL;
	assert_int_equal(lk_url_resolve(base, rel, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_url_normalize_lowercases_scheme_host_drops_default_port(void **state)
{
	(void)state;
	assert_normalizes_to("HTTP://WWW.Example.COM:80/Path/A", "http://www.example.com/Path/A");
	assert_normalizes_to("HTTPS://Example.com:443/x?Q=1", "https://example.com/x?Q=1");
}

static void test_url_normalize_keeps_other_ports(void **state)
{
	(void)state;
	assert_normalizes_to("https://example.com:8443/x", "https://example.com:8443/x");
	assert_normalizes_to("http://example.com:443/", "http://example.com:443/");
}

static void test_url_normalize_removes_fragment(void **state)
{
	(void)state;
	assert_normalizes_to("https://example.com/a?b=1#section-2", "https://example.com/a?b=1");
}

static void test_url_normalize_empty_path_becomes_slash(void **state)
{
	(void)state;
	assert_normalizes_to("https://example.com", "https://example.com/");
	assert_normalizes_to("https://example.com?q=1", "https://example.com/?q=1");
}

static void test_url_normalize_keeps_percent_encoding_as_written(void **state)
{
	(void)state;
	assert_normalizes_to(
		"https://www.lagazettedescommunes.com/813690/les-logiciels-libres-un-choix-engage-et-engageant%E2%80%89/",
		"https://www.lagazettedescommunes.com/813690/les-logiciels-libres-un-choix-engage-et-engageant%E2%80%89/");
	assert_normalizes_to("https://example.com/a%2fb%2F?x=%7e", "https://example.com/a%2fb%2F?x=%7e");
}

static void test_url_idn_to_punycode(void **state)
{
	(void)state;
	assert_normalizes_to("https://bücher.example/ä", "https://xn--bcher-kva.example/ä");
	assert_normalizes_to("https://BÜCHER.Example/", "https://xn--bcher-kva.example/");
}

static void test_url_normalize_rejects_unsupported_scheme(void **state)
{
	(void)state;
	assert_rejected_with("ftp://example.com/file", "unsupported scheme ftp");
	assert_rejected_with("mailto:someone@example.com", "unsupported scheme mailto");
}

static void test_url_normalize_rejects_missing_host(void **state)
{
	(void)state;
	assert_rejected_with("https://", "no host");
	assert_rejected_with("https://:8080/x", "no host");
}

static void test_url_normalize_rejects_text_without_scheme(void **state)
{
	(void)state;
	assert_rejected_with("example.com/page", "no scheme");
	assert_rejected_with("", "empty URL");
}

static void test_url_normalize_rejects_bad_host_and_port(void **state)
{
	(void)state;
	assert_rejected_with("https://exa mple.com/", "bad host name");
	assert_rejected_with("https://example.com:99999/", "bad port number");
}

static void test_url_normalize_is_idempotent(void **state)
{
	(void)state;
	char err[128] = "";
	char *once = NULL, *twice = NULL;
	assert_int_equal(lk_url_normalize("HTTPS://Bücher.Example:443/a/./b/../c?x=%7E#frag", &once, err,
	                                  sizeof err),
	                 0);
	assert_string_equal(once, "https://xn--bcher-kva.example/a/c?x=%7E");
	assert_int_equal(lk_url_normalize(once, &twice, err, sizeof err), 0);
	assert_string_equal(twice, once);
	free(once);
	free(twice);
}

/* Found by tests/fuzz/fuzz_url.c: IDNA maps "²" to "2" and percent-decoding
 * "%32" to "2", and the hosts "2000" and "20" are the IPv4 addresses
 * 0.0.7.208 and 0.0.0.20 for curl. Normalising once must give what
 * normalising twice gives, and what the plain spelling gives. */
static void test_url_host_that_becomes_a_number_is_an_ipv4_address(void **state)
{
	(void)state;
	char key[64];
	assert_normalizes_to("http:/\xc2\xb2" "000", "http://0.0.7.208/");
	assert_normalizes_to("http://\xc2\xb2" "000/", "http://0.0.7.208/");
	assert_normalizes_to("http://2000/", "http://0.0.7.208/");
	assert_int_equal(lk_url_host_key("http://\xc2\xb2" "000/", key, sizeof key), 0);
	assert_string_equal(key, "http://0.0.7.208:80");
	assert_normalizes_to("HTTP:/%320:", "http://0.0.0.20/");
	assert_normalizes_to("http://%30x7f.1/", "http://127.0.0.1/");
	assert_normalizes_to("http://0x7f.1/", "http://127.0.0.1/");
}

static void test_url_resolve_relative_paths(void **state)
{
	(void)state;
	assert_resolves_to("https://example.com/dir/page.html", "other.html",
	                   "https://example.com/dir/other.html");
	assert_resolves_to("https://example.com/dir/sub/page.html", "../up.html",
	                   "https://example.com/dir/up.html");
	assert_resolves_to("https://example.com/dir/page.html", "/root.css",
	                   "https://example.com/root.css");
	assert_resolves_to("https://example.com/dir/page.html?x=1", "?y=2",
	                   "https://example.com/dir/page.html?y=2");
}

static void test_url_resolve_scheme_relative_and_absolute(void **state)
{
	(void)state;
	assert_resolves_to("https://example.com/a", "//cdn.example.net/lib.js",
	                   "https://cdn.example.net/lib.js");
	assert_resolves_to("https://example.com/a", "http://other.example/b",
	                   "http://other.example/b");
}

static void test_url_resolve_fails_on_unparsable_base(void **state)
{
	(void)state;
	char *out = NULL;
	assert_int_equal(lk_url_resolve("not a url", "x.html", &out), -1);
	assert_null(out);
}

static void test_url_is_http_any_case(void **state)
{
	(void)state;
	assert_int_equal(lk_url_is_http("http://a"), 1);
	assert_int_equal(lk_url_is_http("HTTPS://a"), 1);
	assert_int_equal(lk_url_is_http("hTtPs://a"), 1);
	assert_int_equal(lk_url_is_http("ftp://a"), 0);
	assert_int_equal(lk_url_is_http("https:/a"), 0);
	assert_int_equal(lk_url_is_http("http"), 0);
	assert_int_equal(lk_url_is_http(NULL), 0);
}

static void test_url_host_key_has_explicit_port(void **state)
{
	(void)state;
	char key[128];
	assert_int_equal(lk_url_host_key("https://Example.com/a", key, sizeof key), 0);
	assert_string_equal(key, "https://example.com:443");
	assert_int_equal(lk_url_host_key("HTTP://example.com/", key, sizeof key), 0);
	assert_string_equal(key, "http://example.com:80");
	assert_int_equal(lk_url_host_key("https://example.com:8443/x", key, sizeof key), 0);
	assert_string_equal(key, "https://example.com:8443");
	assert_int_equal(lk_url_host_key("https://bücher.example/", key, sizeof key), 0);
	assert_string_equal(key, "https://xn--bcher-kva.example:443");
}

static void test_url_host_key_fails_on_small_buffer_or_bad_url(void **state)
{
	(void)state;
	char key[8];
	assert_int_equal(lk_url_host_key("https://example.com/", key, sizeof key), -1);
	assert_int_equal(lk_url_host_key("no url", key, sizeof key), -1);
}

static void test_url_host_strips_port_and_ipv6_brackets(void **state)
{
	(void)state;
	char host[64];
	assert_int_equal(lk_url_host("https://WWW.Example.com:8080/x", host, sizeof host), 0);
	assert_string_equal(host, "www.example.com");
	assert_int_equal(lk_url_host("http://[::1]:8080/x", host, sizeof host), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(lk_url_host("mailto:a@b", host, sizeof host), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_normalize_lowercases_scheme_host_drops_default_port),
		cmocka_unit_test(test_url_normalize_keeps_other_ports),
		cmocka_unit_test(test_url_normalize_removes_fragment),
		cmocka_unit_test(test_url_normalize_empty_path_becomes_slash),
		cmocka_unit_test(test_url_normalize_keeps_percent_encoding_as_written),
		cmocka_unit_test(test_url_idn_to_punycode),
		cmocka_unit_test(test_url_normalize_rejects_unsupported_scheme),
		cmocka_unit_test(test_url_normalize_rejects_missing_host),
		cmocka_unit_test(test_url_normalize_rejects_text_without_scheme),
		cmocka_unit_test(test_url_normalize_rejects_bad_host_and_port),
		cmocka_unit_test(test_url_normalize_is_idempotent),
		cmocka_unit_test(test_url_host_that_becomes_a_number_is_an_ipv4_address),
		cmocka_unit_test(test_url_resolve_relative_paths),
		cmocka_unit_test(test_url_resolve_scheme_relative_and_absolute),
		cmocka_unit_test(test_url_resolve_fails_on_unparsable_base),
		cmocka_unit_test(test_url_is_http_any_case),
		cmocka_unit_test(test_url_host_key_has_explicit_port),
		cmocka_unit_test(test_url_host_key_fails_on_small_buffer_or_bad_url),
		cmocka_unit_test(test_url_host_strips_port_and_ipv6_brackets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
