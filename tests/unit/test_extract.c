/*
 * test_extract.c — the extractors (src/extract/): plain-text digests,
 * Markdown through cmark, HTML through gumbo, and lk_extract_path's
 * dispatch over stdin, URL arguments, files and directory walks.
 *
 * Every test collects the occurrences an extractor reports and asserts them
 * exactly: URL, line and title. The robustness tests build their big or
 * hostile inputs in memory (10 MB lines, 100,000 URLs, random bytes) rather
 * than committing them. Fixtures are read from tests/fixtures/extract/,
 * relative to the repository root the tests run from.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "linkkeeper/extract.h"
#include "linkkeeper/util.h"

#define FIXTURES "tests/fixtures/extract/"

/* ---- collecting occurrences -------------------------------------------- */

struct occ {
	char *url;
	char *file;
	unsigned line;
	char *title;
};

struct found {
	struct occ *v;
	size_t n, cap;
	int stop_at;   /* return stop_rc at this occurrence (1-based); 0 = never */
	int stop_rc;
};

static int collect(void *ctx, const char *url, const char *file, unsigned line,
                   const char *title)
{
	struct found *f = ctx;
	assert_non_null(url);
	assert_non_null(title);
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->v = lk_xrealloc(f->v, f->cap * sizeof *f->v);
	}
	f->v[f->n].url = lk_xstrdup(url);
	f->v[f->n].file = lk_xstrdup(file ? file : "(null)");
	f->v[f->n].line = line;
	f->v[f->n].title = lk_xstrdup(title);
	f->n++;
	return f->stop_at && (size_t)f->stop_at == f->n ? f->stop_rc : 0;
}

static void found_free(struct found *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].url);
		free(f->v[i].file);
		free(f->v[i].title);
	}
	free(f->v);
	memset(f, 0, sizeof *f);
}

static void assert_occ(const struct found *f, size_t i, const char *url, unsigned line,
                       const char *title)
{
	assert_true(i < f->n);
	assert_string_equal(f->v[i].url, url);
	assert_int_equal(f->v[i].line, line);
	assert_string_equal(f->v[i].title, title);
}

static void text(const char *s, struct found *f)
{
	assert_int_equal(lk_extract_text(s, strlen(s), "t.txt", collect, f), 0);
}

static void markdown(const char *s, struct found *f)
{
	assert_int_equal(lk_extract_markdown(s, strlen(s), "t.md", collect, f), 0);
}

static void html(const char *s, const char *base, struct found *f)
{
	assert_int_equal(lk_extract_html(s, strlen(s), "t.html", base, collect, f), 0);
}

/* ---- plain text ---------------------------------------------------------- */

static void test_digest_yields_seven_urls_with_lines_and_titles(void **state)
{
	(void)state;
	struct found f = {0};
	char err[256] = "";
	const char *file = FIXTURES "digest.txt";
	assert_int_equal(lk_extract_path(file, NULL, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 7);
	assert_occ(&f, 0,
	           "https://www.banquedesterritoires.fr/ia-et-services-publics-une-generalisation-meme-progressive-est-fortement-prematuree-estiment-les?pk_kwd=2024-04-26",
	           1,
	           "IA et services publics : \"Une g\xC3\xA9n\xC3\xA9ralisation \xE2\x80\x93 m\xC3\xAAme "
	           "progressive \xE2\x80\x93 est fortement pr\xC3\xA9matur\xC3\xA9" "e\", estiment les "
	           "\xC3\xA9lus locaux");
	assert_occ(&f, 1, "https://www.marsouin.org/article1375.html", 2,
	           "Les collectivit\xC3\xA9s territoriales face au num\xC3\xA9rique responsable - "
	           "MARSOUIN.ORG");
	assert_occ(&f, 2, "https://amenagementparticipatif.fr/", 4,
	           "Territoires en commun | Chroniques d\xE2\x80\x99un am\xC3\xA9nagement participatif "
	           "du territoire");
	assert_occ(&f, 3, "https://www.adcf.org/files/MAG-INTERCO/ADCF-Interco275-WEB.pdf", 6,
	           "Mettre en \xC5\x93uvre la loi REEN pour un num\xC3\xA9rique responsable");
	assert_occ(&f, 4,
	           "https://www.echirolles.fr/sites/default/files/2022-09/Schema_directeur_numerique.pdf",
	           9, "\xC3\x89" "chirolles num\xC3\xA9rique libre - un sch\xC3\xA9ma directeur tr\xC3\xA8s "
	              "inspirant !!");
	assert_occ(&f, 5,
	           "https://www.lagazettedescommunes.com/813690/les-logiciels-libres-un-choix-engage-et-engageant%E2%80%89/",
	           10, "Les logiciels libres, un choix engag\xC3\xA9\xE2\x80\xA6 et engageant !");
	assert_occ(&f, 6,
	           "https://www.lemonde.fr/pixels/article/2022/06/18/la-transition-des-collectivites-vers-le-logiciel-libre-lente-mais-ineluctable_6130924_4408996.html",
	           15, "La transition des collectivit\xC3\xA9s vers le logiciel libre, lente mais "
	               "in\xC3\xA9luctable ?");
	assert_string_equal(f.v[0].file, file);
	found_free(&f);
}

static void test_digest_glued_url_keeps_title(void **state)
{
	(void)state;
	struct found f = {0};
	text("Face au num\xC3\xA9rique - MARSOUIN.ORGhttps://www.marsouin.org/article1375.html\n", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://www.marsouin.org/article1375.html", 1,
	           "Face au num\xC3\xA9rique - MARSOUIN.ORG");
	found_free(&f);
}

static void test_url_scheme_matched_in_any_case(void **state)
{
	(void)state;
	struct found f = {0};
	text("a HTTPS://Example.COM/A b HtTp://x.example/y", &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "HTTPS://Example.COM/A", 1, "a");
	assert_occ(&f, 1, "HtTp://x.example/y", 1, "b");
	found_free(&f);
}

static void test_trailing_punctuation_dropped(void **state)
{
	(void)state;
	struct found f = {0};
	text("https://a.example/1. https://a.example/2, https://a.example/3; https://a.example/4: "
	     "https://a.example/5! https://a.example/6? https://a.example/7\xE2\x80\xA6 "
	     "https://a.example/8?!...",
	     &f);
	assert_int_equal(f.n, 8);
	for (size_t i = 0; i < 8; i++) {
		char want[32];
		snprintf(want, sizeof want, "https://a.example/%zu", i + 1);
		assert_string_equal(f.v[i].url, want);
	}
	found_free(&f);
}

static void test_inner_punctuation_kept(void **state)
{
	(void)state;
	struct found f = {0};
	text("https://a.example/x.html?q=1,2;b=3:4!5", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://a.example/x.html?q=1,2;b=3:4!5");
	found_free(&f);
}

static void test_balanced_parentheses_kept(void **state)
{
	(void)state;
	struct found f = {0};
	text("(voir https://fr.wikipedia.org/wiki/Logiciel_libre_(homonymie)).", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://fr.wikipedia.org/wiki/Logiciel_libre_(homonymie)", 1, "(voir");
	found_free(&f);
}

static void test_unbalanced_closing_brackets_dropped(void **state)
{
	(void)state;
	struct found f = {0};
	text("(https://a.example/p) [https://b.example/q] {https://c.example/r} "
	     "'https://d.example/s' https://e.example/?q='x'",
	     &f);
	assert_int_equal(f.n, 5);
	assert_string_equal(f.v[0].url, "https://a.example/p");
	assert_string_equal(f.v[1].url, "https://b.example/q");
	assert_string_equal(f.v[2].url, "https://c.example/r");
	assert_string_equal(f.v[3].url, "https://d.example/s");
	assert_string_equal(f.v[4].url, "https://e.example/?q='x'");
	found_free(&f);
}

static void test_angle_brackets_stripped(void **state)
{
	(void)state;
	struct found f = {0};
	text("Release notes <https://a.example/notes> and <https://b.example/>", &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://a.example/notes", 1, "Release notes");
	assert_occ(&f, 1, "https://b.example/", 1, "and");
	found_free(&f);
}

static void test_url_ends_at_quotes_guillemets_and_controls(void **state)
{
	(void)state;
	struct found f = {0};
	text("\xC2\xAB https://a.example/x\xC2\xBB \"https://b.example/y\" https://c.example/z\x01tail "
	     "https://d.example/w\xC2\xA0suite",
	     &f);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.v[0].url, "https://a.example/x");
	assert_string_equal(f.v[1].url, "https://b.example/y");
	assert_string_equal(f.v[2].url, "https://c.example/z");
	assert_string_equal(f.v[3].url, "https://d.example/w");
	found_free(&f);
}

static void test_percent_encoding_kept_as_written(void **state)
{
	(void)state;
	struct found f = {0};
	text("x https://a.example/caf%C3%A9%e2%80%89/?q=a%20b", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://a.example/caf%C3%A9%e2%80%89/?q=a%20b");
	found_free(&f);
}

static void test_second_url_title_is_text_between(void **state)
{
	(void)state;
	struct found f = {0};
	text("First https://a.example/1, then second https://b.example/2\nNext line https://c.example/",
	     &f);
	assert_int_equal(f.n, 3);
	assert_occ(&f, 0, "https://a.example/1", 1, "First");
	assert_occ(&f, 1, "https://b.example/2", 1, "then second");
	assert_occ(&f, 2, "https://c.example/", 2, "Next line");
	found_free(&f);
}

static void test_bare_scheme_is_not_a_link(void **state)
{
	(void)state;
	struct found f = {0};
	text("the prefix http:// alone, or https://. is no link; https://ok.example is", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://ok.example", 1, "the prefix http:// alone, or https://. is no link;");
	found_free(&f);
}

static void test_crlf_line_endings(void **state)
{
	(void)state;
	struct found f = {0};
	text("One https://a.example/\r\nTwo https://b.example/\r\n", &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://a.example/", 1, "One");
	assert_occ(&f, 1, "https://b.example/", 2, "Two");
	found_free(&f);
}

static void test_title_whitespace_collapsed(void **state)
{
	(void)state;
	struct found f = {0};
	text("  A\t\ttitle   with\x01gaps  https://a.example/", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].title, "A title with gaps");
	found_free(&f);
}

static void test_title_cut_at_utf8_boundary(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	/* "a" then 600 "é" (2 bytes each): byte 511 starts an "é" that would not
	 * fit whole in 512 bytes, so the title stops at 511. */
	lk_buf_putc(&b, 'a');
	for (int i = 0; i < 600; i++)
		lk_buf_puts(&b, "\xC3\xA9");
	lk_buf_puts(&b, " https://a.example/");
	text(b.data, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(strlen(f.v[0].title), 511);
	assert_memory_equal(f.v[0].title + 509, "\xC3\xA9", 2);
	found_free(&f);
	lk_buf_free(&b);
}

static void test_url_longer_than_8k_skipped(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_puts(&b, "long https://a.example/");
	for (int i = 0; i < 9000; i++)
		lk_buf_putc(&b, 'x');
	lk_buf_puts(&b, " after https://b.example/ok");
	text(b.data, &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://b.example/ok", 1, "after");
	found_free(&f);
	lk_buf_free(&b);
}

static void test_url_of_8k_reported(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_puts(&b, "https://a.example/");
	while (b.len < 8192)
		lk_buf_putc(&b, 'x');
	text(b.data, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(strlen(f.v[0].url), 8192);
	found_free(&f);
	lk_buf_free(&b);
}

static void test_callback_value_stops_extraction(void **state)
{
	(void)state;
	struct found f = {0};
	const char *s = "https://a.example/ https://b.example/ https://c.example/";
	f.stop_at = 2;
	f.stop_rc = 7;
	assert_int_equal(lk_extract_text(s, strlen(s), "t", collect, &f), 7);
	assert_int_equal(f.n, 2);
	found_free(&f);
}

static void test_text_never_reads_past_len(void **state)
{
	(void)state;
	struct found f = {0};
	static const char s[] = "see https://a.example/abcdef";
	/* An exact-size copy without a terminator: ASan catches any overread. */
	char *buf = lk_xmalloc(sizeof s - 1);
	memcpy(buf, s, sizeof s - 1);
	assert_int_equal(lk_extract_text(buf, sizeof s - 1, "t", collect, &f), 0);
	assert_int_equal(lk_extract_text(buf, sizeof s - 4, "t", collect, &f), 0);
	assert_int_equal(lk_extract_text(buf, 8, "t", collect, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.v[0].url, "https://a.example/abcdef");
	assert_string_equal(f.v[1].url, "https://a.example/abc");
	free(buf);
	found_free(&f);
}

static void test_nul_bytes_end_urls(void **state)
{
	(void)state;
	struct found f = {0};
	static const char s[] = "https://a.example/x\0https://b.example/y\0\0tail";
	assert_int_equal(lk_extract_text(s, sizeof s - 1, "t", collect, &f), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.v[0].url, "https://a.example/x");
	assert_string_equal(f.v[1].url, "https://b.example/y");
	found_free(&f);
}

static void test_invalid_utf8_passes_through(void **state)
{
	(void)state;
	struct found f = {0};
	text("\xFF\xFE titre \xC3 https://a.example/\xE9t\xE9", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://a.example/\xE9t\xE9");
	assert_string_equal(f.v[0].title, "\xFF\xFE titre \xC3");
	found_free(&f);
}

/* ---- Markdown ------------------------------------------------------------ */

static void test_markdown_fixture(void **state)
{
	(void)state;
	struct found f = {0};
	char err[256] = "";
	assert_int_equal(lk_extract_path(FIXTURES "links.md", NULL, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 9);
	assert_occ(&f, 0, "https://heading.example/", 1, "Project notes");
	assert_occ(&f, 1, "https://docs.example/guide", 3, "user guide");
	assert_occ(&f, 2, "https://img.example/arch.png", 4, "architecture diagram");
	assert_occ(&f, 3, "https://auto.example/path", 5, "https://auto.example/path");
	assert_occ(&f, 4, "https://ref.example/docs", 7, "reference docs");
	assert_occ(&f, 5, "https://bare.example/x?a=1&b=2", 8, "Bare:");
	assert_occ(&f, 6, "https://htmlblock.example/", 21, "HTML block link");
	assert_occ(&f, 7, "https://list.example/a_(b)", 24, "item one");
	assert_occ(&f, 8, "https://list.example/two", 25, "nested bold text");
	found_free(&f);
}

static void test_markdown_inline_links_and_images(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("A [link *text*](https://a.example/x \"Title\") and "
	         "![alt text](https://b.example/i.png).\n",
	         &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://a.example/x", 1, "link text");
	assert_occ(&f, 1, "https://b.example/i.png", 1, "alt text");
	found_free(&f);
}

static void test_markdown_empty_link_text_uses_title(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("[](https://a.example/ \"The title\")\n", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://a.example/", 1, "The title");
	found_free(&f);
}

static void test_markdown_autolinks(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("Write to <someone@example.com> or see <HTTPS://a.example/p?q=1>.\n", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "HTTPS://a.example/p?q=1", 1, "HTTPS://a.example/p?q=1");
	found_free(&f);
}

static void test_markdown_reference_links(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("Use [the docs][docs] and [Docs] and [unused def].\n"
	         "\n"
	         "[docs]: https://docs.example/ \"Docs\"\n"
	         "[never]: https://never.example/\n",
	         &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://docs.example/", 1, "the docs");
	assert_occ(&f, 1, "https://docs.example/", 1, "Docs");
	found_free(&f);
}

static void test_markdown_bare_urls_in_text(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("Intro paragraph\nwith a bare link https://a.example/x?a=1&b=2_c, and more.\n", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://a.example/x?a=1&b=2_c", 2, "with a bare link");
	found_free(&f);
}

static void test_markdown_link_text_is_not_a_second_link(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("[https://shown.example/](https://target.example/)\n", &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://target.example/", 1, "https://shown.example/");
	found_free(&f);
}

static void test_markdown_code_blocks_ignored(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("Run `curl https://span.example/`:\n"
	         "\n"
	         "```\n"
	         "curl https://fenced.example/\n"
	         "```\n"
	         "\n"
	         "    wget https://indented.example/\n"
	         "\n"
	         "~~~md\n"
	         "[x](https://tilde.example/)\n"
	         "~~~\n"
	         "\n"
	         "After https://after.example/\n",
	         &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://after.example/", 13, "After");
	found_free(&f);
}

static void test_markdown_html_links(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("Text <a href=\"https://inline.example/\">inline</a>.\n"
	         "\n"
	         "<p>\n"
	         "<img src=\"https://block.example/i.png\" alt=\"Block image\">\n"
	         "<a href=\"relative.html\">rel</a>\n"
	         "</p>\n",
	         &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://inline.example/", 1, "");
	assert_occ(&f, 1, "https://block.example/i.png", 4, "Block image");
	found_free(&f);
}

static void test_markdown_relative_and_mailto_skipped(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("[a](docs/a.md) [b](/b) [c](#c) [d](mailto:d@example.com) [e](ftp://e.example/) "
	         "[f](//f.example/)\n",
	         &f);
	assert_int_equal(f.n, 0);
	found_free(&f);
}

static void test_markdown_line_numbers_follow_soft_breaks(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("# Head\n"
	         "\n"
	         "line three\n"
	         "line four [link](https://a.example/) and\n"
	         "line five https://b.example/\n"
	         "> quoted\n"
	         "> [q](https://c.example/)\n"
	         "\n"
	         "1. item\n"
	         "   more https://d.example/\n",
	         &f);
	assert_int_equal(f.n, 4);
	assert_occ(&f, 0, "https://a.example/", 4, "link");
	assert_occ(&f, 1, "https://b.example/", 5, "line five");
	assert_occ(&f, 2, "https://c.example/", 7, "q");
	assert_occ(&f, 3, "https://d.example/", 10, "more");
	found_free(&f);
}

static void test_markdown_destination_spaces_sent_as_percent_20(void **state)
{
	(void)state;
	struct found f = {0};
	markdown("[file](<https://a.example/my file.pdf>)\n", &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://a.example/my%20file.pdf");
	found_free(&f);
}

static void test_markdown_title_cut_at_512_bytes(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_putc(&b, '[');
	for (int i = 0; i < 300; i++)
		lk_buf_puts(&b, "ab\n");
	lk_buf_puts(&b, "](https://a.example/)\n");
	markdown(b.data, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(strlen(f.v[0].title), 512);
	assert_memory_equal(f.v[0].title, "ab ab ab", 8);
	found_free(&f);
	lk_buf_free(&b);
}

/* ---- HTML ---------------------------------------------------------------- */

static void test_html_fixture(void **state)
{
	(void)state;
	struct found f = {0};
	char err[256] = "";
	struct lk_extract_opts o = {LK_INPUT_AUTO, "https://site.example/index.html", 0};
	assert_int_equal(lk_extract_path(FIXTURES "page.html", &o, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 9);
	assert_occ(&f, 0, "https://site.example/docs/css/site.css", 5, "");
	assert_occ(&f, 1, "https://cdn.example/app.js", 6, "");
	assert_occ(&f, 2, "https://site.example/docs/intro.html", 9, "Getting started");
	assert_occ(&f, 3, "https://site.example/about#team", 11, "About us");
	assert_occ(&f, 4, "https://site.example/docs/img/logo.png", 17, "Company logo");
	assert_occ(&f, 5, "https://video.example/embed/1", 18, "");
	assert_occ(&f, 6, "https://site.example/area.html", 19, "Area");
	assert_occ(&f, 7, "https://site.example/docs/media/clip.webm", 20, "");
	assert_occ(&f, 8, "https://external.example/page?x=1&y=2", 21, "External");
	found_free(&f);
}

static void test_html_extracts_every_link_element(void **state)
{
	(void)state;
	struct found f = {0};
	html("<link rel=icon href=\"https://e.example/link\">\n"
	     "<script src=\"https://e.example/script\"></script>\n"
	     "<a href=\"https://e.example/a\">A</a>\n"
	     "<img src=\"https://e.example/img\" alt=\"I\">\n"
	     "<iframe src=\"https://e.example/iframe\"></iframe>\n"
	     "<video><source src=\"https://e.example/source\"></video>\n"
	     "<map><area href=\"https://e.example/area\" alt=\"R\"></map>\n"
	     "<div data-href=\"https://e.example/not-a-link\"></div>\n",
	     NULL, &f);
	assert_int_equal(f.n, 7);
	assert_occ(&f, 0, "https://e.example/link", 1, "");
	assert_occ(&f, 1, "https://e.example/script", 2, "");
	assert_occ(&f, 2, "https://e.example/a", 3, "A");
	assert_occ(&f, 3, "https://e.example/img", 4, "I");
	assert_occ(&f, 4, "https://e.example/iframe", 5, "");
	assert_occ(&f, 5, "https://e.example/source", 6, "");
	assert_occ(&f, 6, "https://e.example/area", 7, "R");
	found_free(&f);
}

static void test_html_relative_links_resolved_against_base(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"early.html\">before base</a>\n"
	     "<base href=\"/static/v2/\"><base href=\"https://ignored.example/\">\n"
	     "<a href=\"page.html\">p</a><a href=\"../up\">u</a><a href=\"//cdn.example/x\">c</a>\n",
	     "https://site.example/dir/index.html", &f);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.v[0].url, "https://site.example/static/v2/early.html");
	assert_string_equal(f.v[1].url, "https://site.example/static/v2/page.html");
	assert_string_equal(f.v[2].url, "https://site.example/static/up");
	assert_string_equal(f.v[3].url, "https://cdn.example/x");
	found_free(&f);
}

static void test_html_absolute_base_needs_no_caller_base(void **state)
{
	(void)state;
	struct found f = {0};
	html("<base href=\"https://base.example/a/\"><a href=\"b\">b</a>", NULL, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://base.example/a/b");
	found_free(&f);
}

static void test_html_relative_links_resolved_against_caller_base(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"sub/page.html?q=1\">x</a><img src=\"/i.png\">", "https://site.example/dir/",
	     &f);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.v[0].url, "https://site.example/dir/sub/page.html?q=1");
	assert_string_equal(f.v[1].url, "https://site.example/i.png");
	found_free(&f);
}

static void test_html_relative_links_skipped_without_base(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"page.html\">x</a><base href=\"/rel/\"><img src=\"/i.png\">"
	     "<a href=\"https://abs.example/\">abs</a>",
	     NULL, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://abs.example/");
	found_free(&f);
}

static void test_html_skips_mailto_javascript_fragments(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"mailto:a@example.com\">m</a><a href=\"tel:+33123\">t</a>"
	     "<a href=\"javascript:alert(1)\">j</a><a href=\"JavaScript:void(0)\">J</a>"
	     "<img src=\"data:image/gif;base64,R0lGOD\"><a href=\"#section\">f</a>"
	     "<a href=\"\">empty</a><a>none</a><a href=\"ftp://f.example/\">ftp</a>",
	     "https://site.example/", &f);
	assert_int_equal(f.n, 0);
	found_free(&f);
}

static void test_html_titles_from_text_alt_and_title(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"https://a.example/\">\n  Read   <b>the</b>\n  docs </a>"
	     "<a href=\"https://b.example/\" title=\"Only title\"> </a>"
	     "<a href=\"https://c.example/\"><img src=\"https://c.example/logo.png\" alt=\"Logo\"></a>"
	     "<img src=\"https://d.example/i.png\" title=\"Img title\">",
	     NULL, &f);
	assert_int_equal(f.n, 5);
	assert_occ(&f, 0, "https://a.example/", 1, "Read the docs");
	assert_occ(&f, 1, "https://b.example/", 3, "Only title");
	assert_occ(&f, 2, "https://c.example/", 3, "Logo");
	assert_occ(&f, 3, "https://c.example/logo.png", 3, "Logo");
	assert_occ(&f, 4, "https://d.example/i.png", 3, "Img title");
	found_free(&f);
}

static void test_html_line_numbers(void **state)
{
	(void)state;
	struct found f = {0};
	html("<html>\n<body>\n\n<p>x</p>\n<a\n href=\"https://a.example/\">a</a>\n"
	     "<!-- <a href=\"https://comment.example/\"> -->\n"
	     "<img src=\"https://b.example/\">\n",
	     NULL, &f);
	assert_int_equal(f.n, 2);
	assert_occ(&f, 0, "https://a.example/", 5, "a");
	assert_occ(&f, 1, "https://b.example/", 8, "");
	found_free(&f);
}

static void test_html_srcset_candidates(void **state)
{
	(void)state;
	struct found f = {0};
	html("<img src=\"a.png\" srcset=\"a-1x.png 1x, https://cdn.example/a-2x.png 2x,a-3x.png 3x\""
	     " alt=\"A\">"
	     "<picture><source srcset=\"s1.webp, s2.webp 2x\"></picture>",
	     "https://site.example/", &f);
	assert_int_equal(f.n, 6);
	assert_occ(&f, 0, "https://site.example/a.png", 1, "A");
	assert_occ(&f, 1, "https://site.example/a-1x.png", 1, "A");
	assert_occ(&f, 2, "https://cdn.example/a-2x.png", 1, "A");
	assert_occ(&f, 3, "https://site.example/a-3x.png", 1, "A");
	assert_occ(&f, 4, "https://site.example/s1.webp", 1, "");
	assert_occ(&f, 5, "https://site.example/s2.webp", 1, "");
	found_free(&f);
}

static void test_html_attribute_whitespace_cleaned(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"  https://a.example/pa\nth/my file.pdf \t\">x</a>", NULL, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.v[0].url, "https://a.example/path/my%20file.pdf");
	found_free(&f);
}

static void test_html_entities_decoded(void **state)
{
	(void)state;
	struct found f = {0};
	html("<a href=\"https://a.example/?a=1&amp;b=2&#38;c=3\">T&eacute;l&eacute;</a>", NULL, &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://a.example/?a=1&b=2&c=3", 1, "T\xC3\xA9l\xC3\xA9");
	found_free(&f);
}

static void test_html_title_cut_at_utf8_boundary(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_puts(&b, "<a href=\"https://a.example/\">x");
	for (int i = 0; i < 600; i++)
		lk_buf_puts(&b, "\xC3\xA9");
	lk_buf_puts(&b, "</a>");
	html(b.data, NULL, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(strlen(f.v[0].title), 511);
	assert_memory_equal(f.v[0].title + 509, "\xC3\xA9", 2);
	found_free(&f);
	lk_buf_free(&b);
}

static void test_html_attribute_longer_than_8k_skipped(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_puts(&b, "<a href=\"https://a.example/");
	for (int i = 0; i < 9000; i++)
		lk_buf_putc(&b, 'x');
	lk_buf_puts(&b, "\">long</a><a href=\"https://b.example/\">ok</a>");
	html(b.data, NULL, &f);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://b.example/", 1, "ok");
	found_free(&f);
	lk_buf_free(&b);
}

/* ---- lk_extract_path ----------------------------------------------------- */

static void test_format_for_extensions(void **state)
{
	(void)state;
	assert_int_equal(lk_extract_format_for("a/b.md"), LK_INPUT_MARKDOWN);
	assert_int_equal(lk_extract_format_for("README.Markdown"), LK_INPUT_MARKDOWN);
	assert_int_equal(lk_extract_format_for("x.HTML"), LK_INPUT_HTML);
	assert_int_equal(lk_extract_format_for("x.htm"), LK_INPUT_HTML);
	assert_int_equal(lk_extract_format_for("notes.txt"), LK_INPUT_TEXT);
	assert_int_equal(lk_extract_format_for("dir.md/file"), LK_INPUT_TEXT);
	assert_int_equal(lk_extract_format_for("noext"), LK_INPUT_TEXT);
}

static void test_path_missing_file_is_an_error(void **state)
{
	(void)state;
	struct found f = {0};
	char err[256] = "";
	assert_int_equal(lk_extract_path("nosuch.txt", NULL, collect, &f, err, sizeof err), -1);
	assert_string_equal(err, "nosuch.txt: No such file or directory");
	assert_int_equal(f.n, 0);
}

static void test_path_url_argument_is_a_link(void **state)
{
	(void)state;
	struct found f = {0};
	char err[256] = "";
	assert_int_equal(lk_extract_path("HTTPS://a.example/x#y", NULL, collect, &f, err, sizeof err),
	                 0);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "HTTPS://a.example/x#y", 0, "");
	assert_string_equal(f.v[0].file, "<args>");
	found_free(&f);
}

/* A fresh directory under /tmp; removed by rm_tree. */
static void make_tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/lk-extract-XXXXXX");
	assert_non_null(mkdtemp(dir));
}

static void write_file(const char *dir, const char *name, const char *content)
{
	char *path = lk_xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(content, fp);
	fclose(fp);
	free(path);
}

static void make_subdir(const char *dir, const char *name)
{
	char *path = lk_xasprintf("%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_path_directory_walk_sorted_skips_hidden(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "", want[128];
	make_tmpdir(dir, sizeof dir);
	write_file(dir, "b.md", "[b](https://b.example/)\n");
	write_file(dir, "a.txt", "A https://a.example/\n");
	write_file(dir, "C.HTML", "<a href=\"https://c.example/\">c</a>\n");
	write_file(dir, "notes.rst", "https://rst.example/\n");
	write_file(dir, ".hidden.md", "https://hidden.example/\n");
	make_subdir(dir, ".git");
	write_file(dir, ".git/x.md", "https://git.example/\n");
	make_subdir(dir, "sub");
	write_file(dir, "sub/d.htm", "<img src=\"https://d.example/\">\n");
	char *target = lk_xasprintf("%s/sub", dir);
	char *link = lk_xasprintf("%s/zlink", dir);
	assert_int_equal(symlink(target, link), 0);
	free(target);
	free(link);

	assert_int_equal(lk_extract_path(dir, NULL, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.v[0].url, "https://c.example/");
	snprintf(want, sizeof want, "%s/C.HTML", dir);
	assert_string_equal(f.v[0].file, want);
	assert_occ(&f, 1, "https://a.example/", 1, "A");
	snprintf(want, sizeof want, "%s/a.txt", dir);
	assert_string_equal(f.v[1].file, want);
	assert_occ(&f, 2, "https://b.example/", 1, "b");
	assert_occ(&f, 3, "https://d.example/", 1, "");
	snprintf(want, sizeof want, "%s/sub/d.htm", dir);
	assert_string_equal(f.v[3].file, want);
	found_free(&f);
	rm_tree(dir);
}

static void test_path_named_file_read_whatever_its_extension(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "";
	make_tmpdir(dir, sizeof dir);
	write_file(dir, "links.rst", "Doc https://rst.example/\n");
	char *path = lk_xasprintf("%s/links.rst", dir);
	assert_int_equal(lk_extract_path(path, NULL, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://rst.example/", 1, "Doc");
	assert_string_equal(f.v[0].file, path);
	free(path);
	found_free(&f);
	rm_tree(dir);
}

static void test_path_forced_format_overrides_extension(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "";
	struct lk_extract_opts o = {LK_INPUT_HTML, NULL, 0};
	make_tmpdir(dir, sizeof dir);
	write_file(dir, "page.txt", "<a href=\"https://a.example/\">Anchor</a>\n");
	char *path = lk_xasprintf("%s/page.txt", dir);
	assert_int_equal(lk_extract_path(path, &o, collect, &f, err, sizeof err), 0);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://a.example/", 1, "Anchor");
	free(path);
	found_free(&f);
	rm_tree(dir);
}

static void test_path_file_too_large_is_an_error(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "", want[128];
	struct lk_extract_opts o = {LK_INPUT_AUTO, NULL, 10};
	make_tmpdir(dir, sizeof dir);
	write_file(dir, "big.txt", "https://a.example/ is more than ten bytes\n");
	char *path = lk_xasprintf("%s/big.txt", dir);
	assert_int_equal(lk_extract_path(path, &o, collect, &f, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: larger than 10 bytes", path);
	assert_string_equal(err, want);
	assert_int_equal(f.n, 0);
	free(path);
	rm_tree(dir);
}

static void test_path_unreadable_directory_is_an_error(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "", want[128];
	if (geteuid() == 0)
		skip(); /* root reads any directory */
	make_tmpdir(dir, sizeof dir);
	make_subdir(dir, "locked");
	char *locked = lk_xasprintf("%s/locked", dir);
	assert_int_equal(chmod(locked, 0), 0);
	assert_int_equal(lk_extract_path(dir, NULL, collect, &f, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: Permission denied", locked);
	assert_string_equal(err, want);
	chmod(locked, 0755);
	free(locked);
	rm_tree(dir);
}

static void test_path_directory_nesting_limit(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[1024] = "";
	struct lk_buf path = {0};
	make_tmpdir(dir, sizeof dir);
	lk_buf_puts(&path, dir);
	for (int i = 0; i < 130; i++) {
		lk_buf_puts(&path, "/d");
		assert_int_equal(mkdir(path.data, 0755), 0);
	}
	assert_int_equal(lk_extract_path(dir, NULL, collect, &f, err, sizeof err), -1);
	assert_non_null(strstr(err, ": nested deeper than 128 directories"));
	lk_buf_free(&path);
	rm_tree(dir);
}

static void test_path_stdin_uses_given_format(void **state)
{
	(void)state;
	struct found f = {0};
	char dir[64], err[256] = "";
	struct lk_extract_opts o = {LK_INPUT_MARKDOWN, NULL, 0};
	make_tmpdir(dir, sizeof dir);
	write_file(dir, "in", "[doc](https://a.example/) `https://code.example/`\n");
	char *path = lk_xasprintf("%s/in", dir);
	int saved = dup(0);
	assert_true(saved >= 0);
	assert_non_null(freopen(path, "rb", stdin));
	int rc = lk_extract_path("-", &o, collect, &f, err, sizeof err);
	assert_int_equal(dup2(saved, 0), 0);
	close(saved);
	clearerr(stdin);
	assert_int_equal(rc, 0);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://a.example/", 1, "doc");
	assert_string_equal(f.v[0].file, "-");
	free(path);
	found_free(&f);
	rm_tree(dir);
}

/* ---- robustness ---------------------------------------------------------- */

/* Counts occurrences without keeping them. */
static int count_cb(void *ctx, const char *url, const char *file, unsigned line,
                    const char *title)
{
	(void)url;
	(void)file;
	(void)line;
	(void)title;
	(*(size_t *)ctx)++;
	return 0;
}

static void test_binary_input_does_not_crash(void **state)
{
	(void)state;
	size_t len = 1 << 20, n = 0;
	unsigned char *buf = lk_xmalloc(len);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		/* xorshift32: the same bytes on every run */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	/* Sprinkle link syntax so the extractors get past their first checks. */
	static const char *const bits[] = {"https://", "<a href=\"http://", "](https://", "<", "(",
	                                   "\n", "\0", "\xC2\xAB", "\xE2\x80"};
	for (size_t i = 0; i < len - 32; i += 997) {
		const char *b = bits[(i / 997) % 9];
		memcpy(buf + i, b, strlen(b) ? strlen(b) : 1);
	}
	const char *s = (const char *)buf;
	assert_int_equal(lk_extract_text(s, len, "bin", count_cb, &n), 0);
	assert_true(n > 0);
	assert_int_equal(lk_extract_markdown(s, len, "bin", count_cb, &n), 0);
	assert_int_equal(lk_extract_html(s, len, "bin", "https://base.example/", count_cb, &n), 0);
	free(buf);
}

/* 10 MB on one line: words, with links at the start, middle and end. */
static char *ten_mb_line(const char *first, const char *middle, const char *last, size_t *len)
{
	struct lk_buf b = {0};
	const size_t size = 10u << 20;
	lk_buf_puts(&b, first);
	while (b.len < size / 2)
		lk_buf_puts(&b, "lorem ipsum dolor ");
	lk_buf_puts(&b, middle);
	while (b.len < size)
		lk_buf_puts(&b, "sit amet elit ");
	lk_buf_puts(&b, last);
	*len = b.len;
	return lk_buf_detach(&b);
}

static void test_ten_mb_line(void **state)
{
	(void)state;
	struct found f = {0};
	size_t len;
	char *s = ten_mb_line("Start https://start.example/ ", "Middle https://middle.example/ ",
	                      "End https://end.example/", &len);
	assert_int_equal(lk_extract_text(s, len, "big", collect, &f), 0);
	assert_int_equal(f.n, 3);
	assert_occ(&f, 0, "https://start.example/", 1, "Start");
	assert_string_equal(f.v[1].url, "https://middle.example/");
	assert_int_equal(strlen(f.v[1].title), 512);
	assert_memory_equal(f.v[1].title, "lorem ipsum dolor lorem", 23);
	assert_string_equal(f.v[2].url, "https://end.example/");
	assert_memory_equal(f.v[2].title, "sit amet elit sit", 17);
	found_free(&f);
	free(s);
}

static void test_ten_mb_line_markdown(void **state)
{
	(void)state;
	struct found f = {0};
	size_t len;
	char *s = ten_mb_line("[start](https://start.example/) ", "https://middle.example/ ",
	                      "[end](https://end.example/)", &len);
	assert_int_equal(lk_extract_markdown(s, len, "big.md", collect, &f), 0);
	assert_int_equal(f.n, 3);
	assert_occ(&f, 0, "https://start.example/", 1, "start");
	assert_string_equal(f.v[1].url, "https://middle.example/");
	assert_occ(&f, 2, "https://end.example/", 1, "end");
	found_free(&f);
	free(s);
}

static void test_ten_mb_line_html(void **state)
{
	(void)state;
	struct found f = {0};
	size_t len;
	char *s = ten_mb_line("<p><a href=\"https://start.example/\">start</a> ",
	                      "<img src=\"https://middle.example/\" alt=\"m\"> ",
	                      "<a href=\"https://end.example/\">end</a>", &len);
	assert_int_equal(lk_extract_html(s, len, "big.html", NULL, collect, &f), 0);
	assert_int_equal(f.n, 3);
	assert_occ(&f, 0, "https://start.example/", 1, "start");
	assert_occ(&f, 1, "https://middle.example/", 1, "m");
	assert_occ(&f, 2, "https://end.example/", 1, "end");
	found_free(&f);
	free(s);
}

static void test_ten_mb_url_candidate_skipped(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	lk_buf_puts(&b, "https://");
	for (size_t i = 0; i < (10u << 20) / 16; i++)
		lk_buf_puts(&b, "(((aaaa)))))...");
	lk_buf_puts(&b, "\nnext https://ok.example/");
	assert_int_equal(lk_extract_text(b.data, b.len, "t", collect, &f), 0);
	assert_int_equal(f.n, 1);
	assert_occ(&f, 0, "https://ok.example/", 2, "next");
	found_free(&f);
	lk_buf_free(&b);
}

static void test_hundred_thousand_urls(void **state)
{
	(void)state;
	struct found f = {0};
	struct lk_buf b = {0};
	for (unsigned i = 0; i < 100000; i++)
		lk_buf_printf(&b, "Item %u https://example.com/page/%u\n", i, i);
	assert_int_equal(lk_extract_text(b.data, b.len, "many.txt", collect, &f), 0);
	assert_int_equal(f.n, 100000);
	assert_occ(&f, 0, "https://example.com/page/0", 1, "Item 0");
	assert_occ(&f, 99999, "https://example.com/page/99999", 100000, "Item 99999");
	found_free(&f);
	lk_buf_free(&b);
}

static void test_hundred_thousand_urls_markdown_and_html(void **state)
{
	(void)state;
	size_t n = 0;
	struct lk_buf md = {0}, h = {0};
	for (unsigned i = 0; i < 100000; i++) {
		lk_buf_printf(&md, "- [item %u](https://example.com/md/%u)\n", i, i);
		lk_buf_printf(&h, "<li><a href=\"/html/%u\">item %u</a>\n", i, i);
	}
	assert_int_equal(lk_extract_markdown(md.data, md.len, "many.md", count_cb, &n), 0);
	assert_int_equal(n, 100000);
	n = 0;
	assert_int_equal(lk_extract_html(h.data, h.len, "many.html", "https://example.com/", count_cb,
	                                 &n),
	                 0);
	assert_int_equal(n, 100000);
	lk_buf_free(&md);
	lk_buf_free(&h);
}

static void test_deeply_nested_markdown_and_html(void **state)
{
	(void)state;
	size_t n = 0;
	struct lk_buf md = {0}, h = {0};
	for (int i = 0; i < 20000; i++) {
		lk_buf_puts(&md, "> ");
		lk_buf_puts(&h, "<div>");
	}
	lk_buf_puts(&md, "https://deep.example/\n");
	lk_buf_puts(&h, "<a href=\"https://deep.example/\">deep</a>");
	assert_int_equal(lk_extract_markdown(md.data, md.len, "deep.md", count_cb, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lk_extract_html(h.data, h.len, "deep.html", NULL, count_cb, &n), 0);
	assert_int_equal(n, 2);
	lk_buf_free(&md);
	lk_buf_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_yields_seven_urls_with_lines_and_titles),
		cmocka_unit_test(test_digest_glued_url_keeps_title),
		cmocka_unit_test(test_url_scheme_matched_in_any_case),
		cmocka_unit_test(test_trailing_punctuation_dropped),
		cmocka_unit_test(test_inner_punctuation_kept),
		cmocka_unit_test(test_balanced_parentheses_kept),
		cmocka_unit_test(test_unbalanced_closing_brackets_dropped),
		cmocka_unit_test(test_angle_brackets_stripped),
		cmocka_unit_test(test_url_ends_at_quotes_guillemets_and_controls),
		cmocka_unit_test(test_percent_encoding_kept_as_written),
		cmocka_unit_test(test_second_url_title_is_text_between),
		cmocka_unit_test(test_bare_scheme_is_not_a_link),
		cmocka_unit_test(test_crlf_line_endings),
		cmocka_unit_test(test_title_whitespace_collapsed),
		cmocka_unit_test(test_title_cut_at_utf8_boundary),
		cmocka_unit_test(test_url_longer_than_8k_skipped),
		cmocka_unit_test(test_url_of_8k_reported),
		cmocka_unit_test(test_callback_value_stops_extraction),
		cmocka_unit_test(test_text_never_reads_past_len),
		cmocka_unit_test(test_nul_bytes_end_urls),
		cmocka_unit_test(test_invalid_utf8_passes_through),
		cmocka_unit_test(test_markdown_fixture),
		cmocka_unit_test(test_markdown_inline_links_and_images),
		cmocka_unit_test(test_markdown_empty_link_text_uses_title),
		cmocka_unit_test(test_markdown_autolinks),
		cmocka_unit_test(test_markdown_reference_links),
		cmocka_unit_test(test_markdown_bare_urls_in_text),
		cmocka_unit_test(test_markdown_link_text_is_not_a_second_link),
		cmocka_unit_test(test_markdown_code_blocks_ignored),
		cmocka_unit_test(test_markdown_html_links),
		cmocka_unit_test(test_markdown_relative_and_mailto_skipped),
		cmocka_unit_test(test_markdown_line_numbers_follow_soft_breaks),
		cmocka_unit_test(test_markdown_destination_spaces_sent_as_percent_20),
		cmocka_unit_test(test_markdown_title_cut_at_512_bytes),
		cmocka_unit_test(test_html_fixture),
		cmocka_unit_test(test_html_extracts_every_link_element),
		cmocka_unit_test(test_html_relative_links_resolved_against_base),
		cmocka_unit_test(test_html_absolute_base_needs_no_caller_base),
		cmocka_unit_test(test_html_relative_links_resolved_against_caller_base),
		cmocka_unit_test(test_html_relative_links_skipped_without_base),
		cmocka_unit_test(test_html_skips_mailto_javascript_fragments),
		cmocka_unit_test(test_html_titles_from_text_alt_and_title),
		cmocka_unit_test(test_html_line_numbers),
		cmocka_unit_test(test_html_srcset_candidates),
		cmocka_unit_test(test_html_attribute_whitespace_cleaned),
		cmocka_unit_test(test_html_entities_decoded),
		cmocka_unit_test(test_html_title_cut_at_utf8_boundary),
		cmocka_unit_test(test_html_attribute_longer_than_8k_skipped),
		cmocka_unit_test(test_format_for_extensions),
		cmocka_unit_test(test_path_missing_file_is_an_error),
		cmocka_unit_test(test_path_url_argument_is_a_link),
		cmocka_unit_test(test_path_directory_walk_sorted_skips_hidden),
		cmocka_unit_test(test_path_named_file_read_whatever_its_extension),
		cmocka_unit_test(test_path_forced_format_overrides_extension),
		cmocka_unit_test(test_path_file_too_large_is_an_error),
		cmocka_unit_test(test_path_unreadable_directory_is_an_error),
		cmocka_unit_test(test_path_directory_nesting_limit),
		cmocka_unit_test(test_path_stdin_uses_given_format),
		cmocka_unit_test(test_binary_input_does_not_crash),
		cmocka_unit_test(test_ten_mb_line),
		cmocka_unit_test(test_ten_mb_line_markdown),
		cmocka_unit_test(test_ten_mb_line_html),
		cmocka_unit_test(test_ten_mb_url_candidate_skipped),
		cmocka_unit_test(test_hundred_thousand_urls),
		cmocka_unit_test(test_hundred_thousand_urls_markdown_and_html),
		cmocka_unit_test(test_deeply_nested_markdown_and_html),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
