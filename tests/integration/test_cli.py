"""The command line: exit statuses, errors, report formats, inputs, options
that shape the requests (headers, filters)."""

import glob
import os
import secrets

FAST = ("--retry-wait", "100ms")

RESULT_KEYS = {"url", "status", "reason", "http_status", "final_url", "redirects",
               "elapsed_ms", "attempts", "method", "sources"}
SUMMARY_KEYS = {"total", "ok", "broken", "excluded", "cached", "duration_ms"}


# -- errors -------------------------------------------------------------------

def test_missing_input_file_exits_2_with_one_error_line(t):
    r = t.run("check", "--no-progress", "--db", t.db, t.path("no-such-file.txt"))
    t.one_error_line(r)
    t.true("no-such-file.txt" in r.err, "the message should name the file: %r" % r.err)


def test_unknown_option_exits_2_with_one_error_line(t):
    r = t.run("check", "--no-such-option", "--db", t.db, t.links_file(["http://127.0.0.1:1/"]))
    t.one_error_line(r)


def test_unwritable_database_exits_2_with_one_error_line(t):
    s = t.server()
    r = t.check(t.links_file([s.url("/ok")]), "--db", "/proc/nope/h.db", db=False)
    t.one_error_line(r)


def test_malformed_duration_exits_2_with_one_error_line(t):
    r = t.run("check", "--timeout", "banana", "--db", t.db, t.links_file(["http://127.0.0.1:1/"]))
    t.one_error_line(r)


def test_check_without_input_exits_2(t):
    r = t.run("check", "--no-progress", "--db", t.db)
    t.one_error_line(r)


# -- reports --------------------------------------------------------------------

def test_json_report_has_documented_fields(t):
    s = t.server()
    url = s.url("/redirect")
    r = t.check(t.write("links.txt", "A title %s\n" % url), *FAST)
    t.exit_code(r, 0)
    missing = SUMMARY_KEYS - set(r.doc["summary"])
    t.true(not missing, "summary lacks %s" % sorted(missing))
    for k in SUMMARY_KEYS:
        t.true(isinstance(r.doc["summary"][k], int), "summary.%s is not an integer" % k)
    res = t.result(r, url)
    missing = RESULT_KEYS - set(res)
    t.true(not missing, "result lacks %s" % sorted(missing))
    for k in ("http_status", "elapsed_ms", "attempts"):
        t.true(isinstance(res[k], int), "result.%s is not an integer: %r" % (k, res[k]))
    t.true(res["method"] in ("HEAD", "GET"), "method %r" % res["method"])
    t.eq(len(res["sources"]), 1, "sources")
    src = res["sources"][0]
    t.eq(set(src), {"file", "line", "title"}, "source keys")
    t.eq((src["line"], src["title"]), (1, "A title"), "source line and title")


def test_json_summary_counts_each_status(t):
    s = t.server()
    urls = [s.url("/ok"), s.url("/pdf"), s.url("/missing"), s.url("/gone?id=x")]
    r = t.check(t.links_file(urls), *FAST, "--exclude", "id=x")
    t.exit_code(r, 1)
    sm = r.doc["summary"]
    t.eq({k: sm[k] for k in ("total", "ok", "broken", "excluded", "cached")},
         {"total": 4, "ok": 2, "broken": 1, "excluded": 1, "cached": 0}, "summary")
    t.true(sm["duration_ms"] >= 0, "duration_ms %r" % sm["duration_ms"])
    runs = t.db_query("SELECT total, ok, broken, excluded, cached FROM runs")
    t.eq(runs, [{"total": 4, "ok": 2, "broken": 1, "excluded": 1, "cached": 0}], "runs row")


def test_output_file_option_writes_report(t):
    s = t.server()
    url = s.url("/ok")
    out = t.path("report.json")
    r = t.run("check", "--no-progress", "--format", "json", "--db", t.db, "-o", out,
              t.links_file([url]))
    t.exit_code(r, 0)
    t.true(os.path.exists(out), "-o did not create the report")
    with open(out, encoding="utf-8") as f:
        doc = t.parse_json(f.read())
    t.eq(t.result(doc, url)["status"], "ok", "status in the -o report")
    t.true(url not in r.out, "the report went to stdout too")


def test_github_format_annotates_each_broken_occurrence(t):
    s = t.server()
    ok, missing = s.url("/ok"), s.url("/missing")
    t.write("links.txt", "%s\nfirst %s\nnothing here\nagain %s\n" % (ok, missing, missing))
    r = t.check("links.txt", *FAST, fmt="github")
    t.exit_code(r, 1)
    ann = [ln for ln in r.out.splitlines() if ln.startswith("::error")]
    t.eq(len(ann), 2, "annotations (got %r)" % ann)
    for line_no, a in zip((2, 4), ann):
        want = "::error file=links.txt,line=%d::%s — " % (line_no, missing)
        t.true(a.startswith(want) and len(a) > len(want),
               "annotation %r should start %r and give a reason" % (a, want))
    t.true(not any(ok + " " in a or a.endswith(ok) for a in ann), "ok URL annotated")


def test_text_format_names_broken_url_and_status(t):
    s = t.server()
    ok, missing = s.url("/ok"), s.url("/missing")
    r = t.check(t.links_file([ok, missing]), *FAST, fmt="text")
    t.exit_code(r, 1)
    t.true(missing in r.out, "the text report does not name the broken URL")
    t.true("404" in r.out, "the text report does not give the 404")


# -- inputs ---------------------------------------------------------------------

def test_sources_give_file_line_and_title(t):
    s = t.server()
    a, b = s.url("/ok?id=a"), s.url("/ok?id=b")
    t.write("links.txt", "intro line\n  My Title   %s\nGlued%s\n" % (a, b))
    r = t.check("links.txt", *FAST)
    t.exit_code(r, 0)
    for url, line, title in ((a, 2, "My Title"), (b, 3, "Glued")):
        t.eq(t.result(r, url)["sources"], [{"file": "links.txt", "line": line, "title": title}],
             "JSON sources of " + url)
        rows = t.db_query("SELECT s.file, s.line, s.title FROM sources s JOIN urls u "
                          "ON u.id = s.url_id WHERE u.url = ?", (url,))
        t.eq(rows, [{"file": "links.txt", "line": line, "title": title}], "DB sources of " + url)


def test_duplicate_and_fragment_variants_are_checked_once(t):
    s = t.server()
    url = s.url("/ok?id=dup")
    t.write("links.txt", "one %s\ntwo %s#part\nthree %s\n" % (url, url, url))
    r = t.check("links.txt", *FAST)
    t.exit_code(r, 0)
    t.eq(len(r.doc["results"]), 1, "results")
    res, _ = t.expect(r, url, "ok")
    t.eq([x["line"] for x in res["sources"]], [1, 2, 3], "source lines")
    t.eq(s.count("dup"), 1, "requests to the server")
    t.eq(len(t.db_checks(url)), 1, "checks rows")


def test_markdown_links_are_checked_but_not_code(t):
    s = t.server()
    want = [s.url("/ok?id=link"), s.url("/ok?id=auto"), s.url("/pdf?id=img"),
            s.url("/ok?id=ref"), s.url("/ok?id=bare")]
    code = [s.url("/missing?id=span"), s.url("/missing?id=fence")]
    t.write("doc.md", "\n".join([
        "# Title",
        "",
        "A [link](%s) and <%s> and ![img](%s)." % tuple(want[:3]),
        "",
        "See [the ref][r]. Bare: %s" % want[4],
        "",
        "Code: `%s`" % code[0],
        "",
        "```",
        code[1],
        "```",
        "",
        "[r]: %s" % want[3],
        ""]))
    r = t.check(t.path("doc.md"), *FAST)
    t.exit_code(r, 0)
    t.eq(sorted(x["url"] for x in r.doc["results"]), sorted(want), "URLs checked")
    t.eq(s.count("missing"), 0, "requests for URLs in code")


def test_html_links_are_checked_and_resolved_against_base(t):
    s = t.server()
    t.write("page.html", """<!doctype html>
<html><head><base href="%s"><link rel="stylesheet" href="../ok?id=css">
<script src="/ok?id=js"></script></head>
<body><a href="../ok?id=a">a</a> <img src="/pdf?id=img"> <iframe src="%s"></iframe>
<p>plain text %s is not a link in HTML</p></body></html>
""" % (s.url("/dir/"), s.url("/ok?id=frame"), s.url("/missing?id=text")))
    r = t.check(t.path("page.html"), *FAST)
    t.exit_code(r, 0)
    want = [s.url(p) for p in ("/ok?id=css", "/ok?id=js", "/ok?id=a", "/pdf?id=img",
                               "/ok?id=frame")]
    t.eq(sorted(x["url"] for x in r.doc["results"]), sorted(want), "URLs checked")


def test_directory_input_walks_supported_files(t):
    s = t.server()
    d = t.path("site")
    t.write("site/a.md", "[a](%s)\n" % s.url("/ok?id=md"))
    t.write("site/sub/b.txt", "b %s\n" % s.url("/ok?id=txt"))
    t.write("site/sub/deeper/c.html", '<a href="%s">c</a>\n' % s.url("/ok?id=html"))
    t.write("site/.hidden/d.txt", "d %s\n" % s.url("/missing?id=hiddendir"))
    t.write("site/.e.txt", "e %s\n" % s.url("/missing?id=hiddenfile"))
    t.write("site/f.json", '{"u": "%s"}\n' % s.url("/missing?id=json"))
    r = t.check(d, *FAST)
    t.exit_code(r, 0)
    want = [s.url("/ok?id=%s" % k) for k in ("md", "txt", "html")]
    t.eq(sorted(x["url"] for x in r.doc["results"]), sorted(want), "URLs checked")


def test_stdin_input_is_read_as_text(t):
    s = t.server()
    url = s.url("/ok?id=stdin")
    r = t.check("-", *FAST, stdin=("from stdin %s\n" % url).encode())
    t.exit_code(r, 0)
    t.expect(r, url, "ok")


def test_url_argument_is_checked_directly(t):
    s = t.server()
    url = s.url("/ok?id=arg")
    r = t.check(url, *FAST)
    t.exit_code(r, 0)
    t.expect(r, url, "ok")
    t.eq(s.count("arg"), 1, "requests to the server")


def test_database_path_from_environment(t):
    s = t.server()
    url = s.url("/ok")
    env_db = t.path("env/history.db")
    r = t.check(t.links_file([url]), *FAST, db=False, env={"LINKKEEPER_DB": env_db})
    t.exit_code(r, 0)
    t.db = env_db
    t.expect(r, url, "ok")
    t.true(not os.path.exists(t.path(".linkkeeper")), "the default database was used too")


def test_default_database_path_is_under_working_directory(t):
    s = t.server()
    url = s.url("/ok")
    r = t.check(t.links_file([url]), *FAST, db=False)
    t.exit_code(r, 0)
    t.db = t.path(".linkkeeper/history.db")
    t.expect(r, url, "ok")


# -- what is sent ----------------------------------------------------------------

def test_custom_headers_reach_server(t):
    s = t.server()
    r = t.check(t.links_file([s.url("/ok"), s.url("/head-405")]), *FAST,
                "-H", "X-Test: 1", "--header", "X-Other: two words")
    t.exit_code(r, 0)
    seen = [(e["headers"].get("x-test"), e["headers"].get("x-other")) for e in s.requests()]
    t.true(len(seen) >= 2, "requests: %d" % len(seen))
    t.true(all(v == ("1", "two words") for v in seen), "X-Test, X-Other on each request: %s" % seen)


def test_user_agent_option_reaches_server(t):
    s = t.server()
    r = t.check(t.links_file([s.url("/ok")]), *FAST, "--user-agent", "lk-integration/7.7")
    t.exit_code(r, 0)
    seen = [e["headers"].get("user-agent") for e in s.requests()]
    t.true(seen and all(v == "lk-integration/7.7" for v in seen), "User-Agent seen: %s" % seen)


def test_authorization_header_is_sent_but_never_stored_or_printed(t):
    s = t.server()
    secret = "lkSECRET" + secrets.token_hex(12)
    urls = t.links_file([s.url("/ok"), s.url("/missing"), s.url("/forbidden")])
    outputs = []
    for fmt in ("json", "text", "github"):
        r = t.check(urls, *FAST, "-H", "Authorization: Bearer " + secret, fmt=fmt)
        t.exit_code(r, 1)
        outputs.append((fmt, r.out + r.err))
    sent = [e["headers"].get("authorization") for e in s.requests()]
    t.true(sent and all(v == "Bearer " + secret for v in sent),
           "the header did not reach the server: %s" % sent[:3])
    for fmt, text in outputs:
        t.true(secret not in text, "the secret is in the %s output" % fmt)
    for f in glob.glob(t.db + "*"):
        with open(f, "rb") as fh:
            t.true(secret.encode() not in fh.read(), "the secret is in %s" % os.path.basename(f))


def test_secret_query_value_is_not_stored_in_database(t):
    s = t.server()
    secret = "lkTOKEN" + secrets.token_hex(12)
    r = t.check(t.links_file([s.url("/ok?token=" + secret)]), *FAST)
    t.exit_code(r, 0)
    t.eq(s.count("ok"), 1, "requests to the server")
    t.eq(s.requests("/ok")[0]["target"], "/ok?token=" + secret, "the request carried the token")
    for f in glob.glob(t.db + "*"):
        with open(f, "rb") as fh:
            t.true(secret.encode() not in fh.read(), "the token is in %s" % os.path.basename(f))


# -- filters -----------------------------------------------------------------------

def test_exclude_pattern_marks_url_excluded_without_request(t):
    s = t.server()
    ok, missing = s.url("/ok"), s.url("/missing")
    r = t.check(t.links_file([ok, missing]), *FAST, "--exclude", "miss+ing$")
    t.exit_code(r, 0)
    t.expect(r, ok, "ok")
    t.expect(r, missing, "excluded", "pattern")
    t.eq(s.count("missing"), 0, "requests for the excluded URL")


def test_include_pattern_excludes_unmatched_urls(t):
    s = t.server()
    ok, pdf, gone = s.url("/ok"), s.url("/pdf"), s.url("/gone")
    r = t.check(t.links_file([ok, pdf, gone]), *FAST, "--include", "/ok$", "--include", "/pdf$")
    t.exit_code(r, 0)
    t.expect(r, ok, "ok")
    t.expect(r, pdf, "ok")
    t.expect(r, gone, "excluded", "pattern")
    t.eq(s.count("gone"), 0, "requests for the URL outside --include")


def test_exclude_private_skips_loopback_hosts(t):
    s = t.server()
    url = s.url("/missing")
    r = t.check(t.links_file([url]), *FAST, "--exclude-private")
    t.exit_code(r, 0)
    t.expect(r, url, "excluded", "private")
    t.eq(s.total_requests, 0, "requests to the server")
