/*
 * test_surt.c — urlkeys must be what warcio.js's getSurt() makes, because
 * our CDXJ is compared byte for byte with `warcio cdx-index` and read by
 * ReplayWeb.page.
 *
 * The expected values below are not hand-written: they were produced by
 * running warcio.js 2.4.11 (tests/js/surt.mjs, Node 20) on the inputs.
 * test_table_still_matches_warcio re-runs that script on the same inputs,
 * so a change in the reference shows up as a failure naming the URL.
 * Regenerate after such a change with:  node tests/js/surt.mjs < inputs
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linkkeeper/surt.h"
#include "linkkeeper/util.h"

struct surt_case {
	const char *url;
	const char *surt;
};

static const struct surt_case cases[] = {
	{"http://www.Example.com/a?b=1", "com,example)/a?b=1"},
	{"http://WWW.example.com/", "com,example,www)/"},
	{"HTTP://www.example.com/", "HTTP://www.example.com/"},
	{"https://www2.ex.com:443/x", "com,ex)/x"},
	{"https://ex.com:8443/x?b&a", "com,ex:8443)/x?a&b"},
	{"http://0x7f.1/", "1,0,0,127)/"},
	{"http://[::1]:80/", "[::1])/"},
	{"http://[0:0::ffff:1.2.3.4]/p", "[::ffff:102:304])/p"},
	{"http://a.1/", "http://a.1/"},
	{"http://ex.com/a/./b/../c", "com,ex)/a/c"},
	{"http://ex.com/%2E%2e/x", "com,ex)/x"},
	{"http://ex.com/a b?c d#e f", "com,ex)/a%20b?c%20d"},
	{"http://ex.com/\xC3\xA9?\xC3\xA9=\xC3\x89", "com,ex)/%C3%A9?%C3%A9=%C3%A9"},
	{"http://ex.com/^{}`|", "com,ex)/^%7B%7D%60|"},
	{"http://ex.com/?q='x'\"", "com,ex)/?q=%27x%27%22"},
	{"http:ex.com/a", "com,ex)/a"},
	{"http:\\\\ex.com\\a\\b", "com,ex)/a/b"},
	{"http://u:p@ex.com:0080/", "com,ex)/"},
	{"http://ex.com:99999/", "http://ex.com:99999/"},
	{"http://ex.com:/", "com,ex)/"},
	{"http://ex.com?", "com,ex)/"},
	{"http://ex.com/?&b&a=&", "com,ex)/?&&a=&b"},
	{"http://ex%61mple.com/", "com,example)/"},
	{"http://ex.com./", ",com,ex)/"},
	{"http://1.2.3/", "3,0,2,1)/"},
	{"http://01.2/", "2,0,0,1)/"},
	{"http://0x100.1.1.1/", "http://0x100.1.1.1/"},
	{"urn:x:y", "urn:x:y"},
	{" http://ex.com/", " http://ex.com/"},
	{"http://ex.com/ ", "com,ex)/"},
	{"http://www.www.ex.com/", "com,ex,www)/"},
	{"http://www123.ex.com/", "com,ex)/"},
	{"http://www.com/", "com)/"},
	{"http://www./", "http:///"},
	{"http://ex.com/%zz%41", "com,ex)/%zz%41"},
	{"http://ex.com/x?%41=%zz", "com,ex)/x?%41=%zz"},
	{"http://xn--bcher-kva.de/", "de,xn--bcher-kva)/"},
	{"http://ex.com/..", "com,ex)/"},
	{"http://ex.com/a/..", "com,ex)/"},
	{"http://ex.com/a/.", "com,ex)/a/"},
	{"http://ex.com/a/%2e", "com,ex)/a/"},
	{"http://a_b.com/", "com,a_b)/"},
	{"http://a<b.com/", "http://a<b.com/"},
	{"http://a%.com/", "http://a%.com/"},
	{"http://[1:2:3:4:5:6:7:8]/", "[1:2:3:4:5:6:7:8])/"},
	{"http://[1:0:0:2:0:0:0:3]/", "[1:0:0:2::3])/"},
	{"http://[::]/", "[::])/"},
	{"http://0/", "0,0,0,0)/"},
	{"http://4294967295/", "255,255,255,255)/"},
	{"http://4294967296/", "http://4294967296/"},
	{"http://1.2.3.4.5/", "http://1.2.3.4.5/"},
	{"http://1.2.3.4./", "4,3,2,1)/"},
	{"http://foo.09/", "http://foo.09/"},
	{"http://0x/", "0,0,0,0)/"},
	{"https://ex.com:443/", "com,ex)/"},
	{"http://ex.com:443/", "com,ex:443)/"},
	{"http://@ex.com/", "com,ex)/"},
	{"http://u@/", "http://u@/"},
	{"http://ex.com/#frag?x", "com,ex)/"},
	{"http:/ex.com", "com,ex)/"},
	{"http:///ex.com", "com,ex)/"},
	{"http://", "http://"},
	{"http://EX.COM/%7E", "com,ex)/%7e"},
	{"http://ex.com/a?b=c&a=d&b=a", "com,ex)/a?a=d&b=a&b=c"},
	{"http://ex.com/\xC3\x89\xC3\x80?\xCE\xA9=\xD0\x94", "com,ex)/%C3%A9%C3%A0?%CF%89=%D0%B4"},
	{"http://ex.com/%C3", "com,ex)/%c3"},
	{"http://ex.com:0/", "com,ex:0)/"},
	{"http://ex.com:65535/", "com,ex:65535)/"},
	{"http://ex.com:65536/", "http://ex.com:65536/"},
	{"http://ex.com:8a/", "http://ex.com:8a/"},
	{"http://:80/", "http://:80/"},
	{"http://[::1/", "http://[::1/"},
	{"http://[::1]x/", "http://[::1]x/"},
	{"http://[1::2::3]/", "http://[1::2::3]/"},
	{"http://[::ffff:1.2.3]/", "http://[::ffff:1.2.3]/"},
	{"http://0x7fffffff.1/", "http://0x7fffffff.1/"},
	{"http://0377.0xff.255.1/", "1,255,255,255)/"},
	{"http://1.256/", "0,1,0,1)/"},
	{"http://256.1/", "http://256.1/"},
	{"http://1.0x1000000/", "http://1.0x1000000/"},
	{"http://1.16777216/", "http://1.16777216/"},
	{"http://1.2.65536/", "http://1.2.65536/"},
	{"http://ex.com/a%2fb/%2E", "com,ex)/a%2fb/"},
	{"http://ex.com/a/..%2f", "com,ex)/a/..%2f"},
	{"http://ex.com/./a/../../b/.", "com,ex)/b/"},
	{"http://ex.com?a=1#?b", "com,ex)/?a=1"},
	{"https://ex.com/?B=2&a=1", "com,ex)/?a=1&b=2"},
	{"http://a..b/", "b,,a)/"},
	{"http://.ex.com/", "com,ex,)/"},
	{"http://ex.com/{}", "com,ex)/%7B%7D"},
	{"http://ex.com/?{}|^`", "com,ex)/?{}|^`"},
	{"http://user@www.ex.com/", "com,ex,www)/"},
	{"http://www.ex.com@evil.com/", "com,evil)/"},
	{"http://ex.com/\xC4\xB0", "com,ex)/i%CC%87"},
	{"http://EXAMPLE.com:0443/", "com,example:443)/"},
	{"http://[::0:0:1]/", "[::1])/"},
	{"http://[1:0:0:0:0:0:0:0]/", "[1::])/"},
	{"http://[0:0:1:0:0:1:0:0]/", "[::1:0:0:1:0:0])/"},
	{"http://[1:2:3:4:5:6:1.2.3.4]/", "[1:2:3:4:5:6:102:304])/"},
	{"http://[1:2:3:4:5:6:7:1.2.3.4]/", "http://[1:2:3:4:5:6:7:1.2.3.4]/"},
	{"http://[::1.2.3.4]/", "[::102:304])/"},
	{"http://[:1]/", "http://[:1]/"},
	{"http://[1:]/", "http://[1:]/"},
	{"http://[12345::]/", "http://[12345::]/"},
	{"http://[::ffff:01.2.3.4]/", "http://[::ffff:01.2.3.4]/"},
	{"http://[0XAB::]/", "http://[0XAB::]/"},
	{"http://a@b@c/", "c)/"},
	{"http://ex.com/%2e%2E", "com,ex)/"},
	{"http://ex.com/.%2e/a", "com,ex)/a"},
	{"http://0.0x0.00/", "0,0,0,0)/"},
	{"http://08/", "http://08/"},
	{"http://a[::1]/", "http://a[::1]/"},
	{"http://[::1]:8080/x", "[::1]:8080)/x"},
	{"http://ex.com:8080:90/", "http://ex.com:8080:90/"},
	{"http://.", ",)/"},
	{"http://./", ",)/"},
	{"http://../", ",,)/"},
	{"http://a.b.c.d.e.f/g/h?i=j&k=l#m", "f,e,d,c,b,a)/g/h?i=j&k=l"},
	{"https://www.example.org/page?b=2&a=1", "org,example)/page?a=1&b=2"},
	{"http://localhost:8080/", "localhost:8080)/"},
	{"http://127.0.0.1:39123/ok", "1,0,0,127:39123)/ok"},
	{"http://127.0.0.1:80/", "1,0,0,127)/"},
	{"http://[::ffff:7f00:1]/", "[::ffff:7f00:1])/"},
	{"http://ex.com/a//b//", "com,ex)/a//b//"},
	{"http://ex.com/a/b/c/../../..", "com,ex)/"},
	{"http://ex.com/a/b/c/../../../..", "com,ex)/"},
	{"http://ex.com/%2e./x", "com,ex)/x"},
	{"http://ex.com/a\\..\\b", "com,ex)/b"},
	{"http://ex.com/a?x=1&x=0&X=2", "com,ex)/a?x=0&x=1&x=2"},
	{"http://ex.com/a?a&&b", "com,ex)/a?&a&b"},
	{"http://ex.com/?", "com,ex)/"},
	{"http://ex.com/?\?", "com,ex)/?\?"},
	{"http://ex.com/a?b?c", "com,ex)/a?b?c"},
	{"http://ex.com#x", "com,ex)/"},
	{"http://ex.com#", "com,ex)/"},
	{"https://ex.com/~user/\xC3\xBCn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9", "com,ex)/~user/%C3%BCn%C3%AFc%C3%B6d%C3%A9"},
	{"http://ex.com/a%20b%2Fc", "com,ex)/a%20b%2fc"},
	{"http://ex.com/\xCE\xA3", "com,ex)/%CF%83"},
	{"http://ex.com/\xC3\x80\xC3\xBF\xC5\xB8\xC4\x80\xC4\x81\xC4\xB2\xC4\xB9\xC5\x81\xC5\xB9", "com,ex)/%C3%A0%C3%BF%C3%BF%C4%81%C4%81%C4%B3%C4%BA%C5%82%C5%BA"},
	{"http://ex.com/\xD0\x90\xD0\x91\xD0\x92\xD0\x81\xD0\x82", "com,ex)/%D0%B0%D0%B1%D0%B2%D1%91%D1%92"},
	{"https:ex.com", "com,ex)/"},
	{"https:", "https:"},
	{"http:/", "http:/"},
	{"http://a/b:c", "a)/b:c"},
	{"http://ex.com/\\x", "com,ex)//x"},
	{"http://ex.com/[]", "com,ex)/[]"},
	{"http://ex.com/?[]", "com,ex)/?[]"},
	{"http://[::1]/", "[::1])/"},
	{"http://[1:2::]/", "[1:2::])/"},
	{"http://[::1:2:0:0:0]/", "[::1:2:0:0:0])/"},
	{"http://[0:0:0:1:0:0:0:1]/", "[::1:0:0:0:1])/"},
	{"http://0xc0.0250.01/", "1,0,168,192)/"},
	{"http://0xC0.0250.01/", "1,0,168,192)/"},
	{"http://192.168.0.1.", "1,0,168,192)/"},
	{"http://www1.www2.ex.com/", "com,ex,www2)/"},
	{"http://www.", "http://"},
	{"http://wwwx.ex.com/", "com,ex,wwwx)/"},
	{"http://www1a.ex.com/", "com,ex,www1a)/"},
	{"https://www.ex.com", "com,ex)/"},
	{"http://ex.com:80", "com,ex)/"},
	{"http://ex.com/\x01\x7F", "com,ex)/%01%7F"},
	{"http://ex.com/\xFF\xFE/", "com,ex)/%EF%BF%BD%EF%BF%BD/"},
	{"http://ex.com/a\x09" "b", "com,ex)/ab"},
	{"http://ex.com/\xCE\x91\xCE\xA3", "com,ex)/%CE%B1%CF%82"},
	{"http://ex.com/\xCE\x91\xCE\xA3\xCE\x91", "com,ex)/%CE%B1%CF%83%CE%B1"},
	{"http://ex.com/\xCE\x91\xCE\xA3/", "com,ex)/%CE%B1%CF%82/"},
	{"http://ex.com/\xCE\xA3", "com,ex)/%CF%83"},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void test_table_of_warcio_outputs(void **state)
{
	(void)state;
	size_t bad = 0;
	for (size_t i = 0; i < NCASES; i++) {
		char *got = lk_surt_dup(cases[i].url);
		if (strcmp(got, cases[i].surt) != 0) {
			print_error("lk_surt(\"%s\") = \"%s\", warcio.js: \"%s\"\n", cases[i].url, got,
			            cases[i].surt);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

static void test_appends_to_buffer(void **state)
{
	(void)state;
	struct lk_buf b = {0};
	lk_buf_puts(&b, "key=");
	lk_surt("http://www.Example.com/a?b=1&a=2", &b);
	lk_buf_putc(&b, ' ');
	lk_surt("http://[::1", &b); /* unparsable: appended as is */
	assert_string_equal(b.data, "key=com,example)/a?a=2&b=1 http://[::1");
	lk_buf_free(&b);
}

static void test_non_http_passes_through(void **state)
{
	(void)state;
	char *s = lk_surt_dup("urn:linkkeeper:doc:README.md");
	assert_string_equal(s, "urn:linkkeeper:doc:README.md");
	free(s);
	s = lk_surt_dup("");
	assert_string_equal(s, "");
	free(s);
}

/* Runs tests/js/surt.mjs over every input and compares with the table. */
static void test_table_still_matches_warcio(void **state)
{
	(void)state;
	assert_int_equal(access("tests/js/surt.mjs", R_OK), 0); /* run from the repo root */
	if (access("tests/js/node_modules/warcio/package.json", R_OK) != 0)
		assert_int_equal(system("scripts/js-deps >&2"), 0);

	char in_path[] = "/tmp/lk-test-surt-XXXXXX";
	int fd = mkstemp(in_path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	for (size_t i = 0; i < NCASES; i++)
		fprintf(f, "%s\n", cases[i].url);
	fclose(f);

	struct lk_buf cmd = {0}, want = {0}, out = {0};
	lk_buf_printf(&cmd, "node tests/js/surt.mjs < %s", in_path);
	FILE *p = popen(cmd.data, "r");
	assert_non_null(p);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		lk_buf_append(&out, buf, n);
	int st = pclose(p);
	unlink(in_path);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* surt.mjs prints JSON strings: build the same text from the table. */
	for (size_t i = 0; i < NCASES; i++) {
		lk_buf_json_string(&want, cases[i].url);
		lk_buf_putc(&want, ' ');
		lk_buf_json_string(&want, cases[i].surt);
		lk_buf_putc(&want, '\n');
	}
	if (strcmp(want.data, out.data ? out.data : "") != 0) {
		/* Show the first line that differs. */
		const char *a = want.data, *b = out.data ? out.data : "";
		while (*a && *a == *b)
			a++, b++;
		while (a > want.data && a[-1] != '\n')
			a--, b--;
		fail_msg("table and warcio.js differ at:\n  table:   %.*s\n  warcio:  %.*s",
		         (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
	}
	lk_buf_free(&cmd);
	lk_buf_free(&want);
	lk_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_of_warcio_outputs),
		cmocka_unit_test(test_appends_to_buffer),
		cmocka_unit_test(test_non_http_passes_through),
		cmocka_unit_test(test_table_still_matches_warcio),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
