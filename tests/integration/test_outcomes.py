"""What `linkkeeper check` concludes about one URL, for each server behaviour.

Every test asserts the outcome in the JSON report and in the database's
checks row (t.expect does both).
"""

import json

SLOW = ("test_retry_after_on_429_is_honoured", "test_always_429_is_rate_limited",
        "test_slow_response_is_timeout")

FAST = ("--retry-wait", "100ms")  # keep backoff short; Retry-After still applies


def check_urls(t, urls, *opts, **kw):
    return t.check(t.links_file(urls), *FAST, *opts, **kw)


def test_ok_url_is_ok(t):
    s = t.server()
    url = s.url("/ok")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    res, _ = t.expect(r, url, "ok", http_status=200, attempts=1, final_url=url)
    t.eq(res["redirects"], [], "redirects of a direct 200")


def test_permanent_redirect_is_ok_with_final_url_and_hop(t):
    s = t.server()
    url = s.url("/redirect")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    res, row = t.expect(r, url, "ok", http_status=200, final_url=s.url("/ok"))
    hops = [{"url": url, "status": 301}]
    t.eq(res["redirects"], hops, "JSON redirects")
    t.eq(json.loads(row["redirects"] or "null"), hops, "DB redirects")


def test_redirect_to_404_is_broken_http(t):
    s = t.server()
    url = s.url("/redirect-404")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    res, _ = t.expect(r, url, "broken", "http", http_status=404, final_url=s.url("/missing"))
    t.eq(res["redirects"], [{"url": url, "status": 302}], "JSON redirects")


def test_redirect_loop_is_too_many_redirects(t):
    s = t.server()
    url = s.url("/loop-a")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "too_many_redirects")
    t.true(s.total_requests < 100, "the loop was followed %d times" % s.total_requests)


def test_redirect_chain_within_max_redirects_is_ok(t):
    s = t.server()
    url = s.url("/chain/5")
    r = check_urls(t, [url], "--max-redirects", "5")
    t.exit_code(r, 0)
    res, row = t.expect(r, url, "ok", http_status=200, final_url=s.url("/chain/0"))
    want = [{"url": s.url("/chain/%d" % n), "status": 302} for n in range(5, 0, -1)]
    t.eq(res["redirects"], want, "JSON redirects")
    t.eq(json.loads(row["redirects"] or "null"), want, "DB redirects")


def test_redirect_chain_longer_than_max_redirects_is_broken(t):
    s = t.server()
    url = s.url("/chain/5")
    r = check_urls(t, [url], "--max-redirects", "3")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "too_many_redirects")
    t.eq(s.count("chain/1") + s.count("chain/0"), 0, "requests past the 3rd hop")


def test_404_is_broken_http(t):
    s = t.server()
    url = s.url("/missing")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "http", http_status=404)


def test_410_is_broken_http(t):
    s = t.server()
    url = s.url("/gone")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "http", http_status=410)


def test_500_is_retried_then_broken_http(t):
    s = t.server()
    url = s.url("/error")
    r = check_urls(t, [url], "--retries", "2")
    t.exit_code(r, 1)
    # attempts counts every request: the HEAD probe, the GET, two retries
    t.expect(r, url, "broken", "http", http_status=500, attempts=4)
    methods = [e["method"] for e in s.requests("/error")]
    t.eq(methods, ["HEAD", "GET", "GET", "GET"], "requests for --retries 2")


def test_head_405_falls_back_to_get(t):
    s = t.server()
    url = s.url("/head-405")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200, method="GET")
    methods = [e["method"] for e in s.requests("/head-405")]
    t.true(methods[:1] == ["HEAD"] and "GET" in methods,
           "expected HEAD then GET, server saw %s" % methods)


def methods_by_path(s, prefix):
    seen = {}
    for e in s.requests():
        if e["path"].startswith(prefix):
            seen.setdefault(e["path"], []).append(e["method"])
    return seen


CONFIRMATIONS = 3  # LK_HEAD_TRUST_CONFIRMATIONS


def test_head_404s_on_a_truthful_host_stop_costing_a_get(t):
    s = t.server()
    gone = [s.url("/gone-dir/%d" % i) for i in range(10)]
    r = check_urls(t, [s.url("/ok")] + gone, "-j", "1")
    t.exit_code(r, 1)
    for i, url in enumerate(gone):
        t.expect(r, url, "broken", "http", http_status=404,
                 method="GET" if i < CONFIRMATIONS else "HEAD")
    seen = methods_by_path(s, "/gone-dir/")
    t.eq([seen["/gone-dir/%d" % i] for i in range(10)],
         [["HEAD", "GET"]] * CONFIRMATIONS + [["HEAD"]] * (10 - CONFIRMATIONS),
         "methods the server saw, in input order")


def test_head_is_not_believed_after_get_contradicts_it(t):
    s = t.server()
    first = [s.url("/gone-dir/a%d" % i) for i in range(CONFIRMATIONS)]
    lies = [s.url("/head-lies/%d" % i) for i in range(3)]
    after = [s.url("/gone-dir/b%d" % i) for i in range(3)]
    r = check_urls(t, [s.url("/ok")] + first + lies + after, "-j", "1")
    t.exit_code(r, 1)
    for url in lies:
        t.expect(r, url, "ok", http_status=200, method="GET")
    for url in after:
        t.expect(r, url, "broken", "http", http_status=404, method="GET")
    seen = methods_by_path(s, "/gone-dir/b")
    t.eq(sorted(seen.values()), [["HEAD", "GET"]] * 3, "GET after every HEAD 404")


def test_head_is_not_believed_on_a_host_where_no_head_succeeded(t):
    s = t.server()
    gone = [s.url("/gone-dir/%d" % i) for i in range(CONFIRMATIONS + 3)]
    r = check_urls(t, gone, "-j", "1")
    t.exit_code(r, 1)
    for url in gone:
        t.expect(r, url, "broken", "http", http_status=404, method="GET")


def test_head_trust_and_its_end_last_across_chunks(t):
    # Chunks of 5 unique links: what HEAD proved, or lost, in one chunk
    # still holds in the next.
    s = t.server()
    env = {"LINKKEEPER_CHUNK": "5"}
    learnt = ([s.url("/ok")] + [s.url("/gone-dir/a%d" % i) for i in range(CONFIRMATIONS)]
              + [s.url("/gone-dir/a9")])
    r = check_urls(t, learnt + [s.url("/gone-dir/b0")], "-j", "1", env=env)
    t.exit_code(r, 1)
    t.expect(r, s.url("/gone-dir/b0"), "broken", "http", http_status=404, method="HEAD")

    s.reset()
    lost = ([s.url("/ok?id=1")] + [s.url("/gone-dir/c%d" % i) for i in range(CONFIRMATIONS)]
            + [s.url("/head-lies/1")])
    again = ([s.url("/ok?id=2")] + [s.url("/gone-dir/d%d" % i) for i in range(CONFIRMATIONS)]
             + [s.url("/gone-dir/e0")])
    r = check_urls(t, lost + again, "-j", "1", env=env)
    t.exit_code(r, 1)
    t.expect(r, s.url("/head-lies/1"), "ok", http_status=200, method="GET")
    t.expect(r, s.url("/gone-dir/e0"), "broken", "http", http_status=404, method="GET")


def test_retry_after_on_429_is_honoured(t):
    s = t.server()
    url = s.url("/rate-limited?id=ra")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    res, _ = t.expect(r, url, "ok", http_status=200, attempts=2)
    times = [e["t"] for e in s.requests(ident="ra")]
    t.eq(len(times), 2, "requests to the server")
    t.true(times[1] - times[0] >= 0.9,
           "retried %.2fs after a 429 with Retry-After: 1" % (times[1] - times[0]))
    t.true(res["elapsed_ms"] >= 900, "elapsed_ms %r should include the wait" % res["elapsed_ms"])


def test_503_then_200_is_ok_after_one_retry(t):
    s = t.server()
    url = s.url("/flaky-503?id=f")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200, attempts=2)
    t.eq(s.count("f"), 2, "requests to the server")


def test_always_429_is_rate_limited(t):
    s = t.server()
    url = s.url("/always-429")
    r = check_urls(t, [url], "--retries", "1")
    t.exit_code(r, 1)
    res, _ = t.expect(r, url, "broken", "rate_limited", http_status=429)
    t.true(res["attempts"] >= 2, "attempts %r: not retried" % res["attempts"])
    times = [e["t"] for e in s.requests("/always-429")]
    t.true(2 <= len(times) <= 4, "server got %d requests for --retries 1" % len(times))
    t.true(times[-1] - times[0] >= 0.9,
           "Retry-After: 1 not honoured between %d requests" % len(times))
    gaps = [b - a for a, b in zip(times, times[1:])]
    t.true(all(g >= 0.9 for g in gaps),
           "a request followed a 429 sooner than Retry-After: gaps %s" % gaps)


def test_slow_response_is_timeout(t):
    s = t.server()
    url = s.url("/slow?ms=3000")
    r = check_urls(t, [url], "--timeout", "1s", "--retries", "0")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "timeout", attempts=1)


def test_refused_port_is_refused_and_not_retried(t):
    url = t.refused_url("/ok")
    r = t.check(t.links_file([url]), "--retries", "3")  # default 1s backoff would show
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "refused", attempts=1)
    t.true(r.secs < 5 * t.scale, "took %.1fs: was it retried?" % r.secs)


def test_gzip_response_is_ok(t):
    s = t.server()
    url = s.url("/gzip")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200)


def test_chunked_response_is_ok(t):
    s = t.server()
    url = s.url("/chunked")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200)


def test_pdf_response_is_ok(t):
    s = t.server()
    url = s.url("/pdf")
    r = check_urls(t, [url])
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200)


def test_403_to_head_and_get_is_blocked(t):
    s = t.server()
    url = s.url("/forbidden")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "blocked", http_status=403)
    methods = {e["method"] for e in s.requests("/forbidden")}
    t.true("GET" in methods, "no GET after the 403 to HEAD (server saw %s)" % sorted(methods))


def test_401_is_blocked(t):
    s = t.server()
    url = s.url("/auth")
    r = check_urls(t, [url])
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "blocked", http_status=401)


def test_redirect_to_ftp_is_unsupported_scheme(t):
    s = t.server()
    url = s.url("/redirect-ftp")
    r = check_urls(t, [url], "--retries", "0")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "unsupported_scheme")


def test_dropped_connection_is_network_error(t):
    s = t.server()
    url = s.url("/drop")
    r = check_urls(t, [url], "--retries", "0")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "network")


def test_malformed_urls_in_html_are_invalid_url(t):
    bad = ["http://exa mple.com/", "https://[::1/x"]
    page = t.write("page.html", "<!doctype html><title>bad</title>\n" +
                   "".join('<p><a href="%s">bad %d</a>\n' % (u, i) for i, u in enumerate(bad)))
    r = t.check(page, "--retries", "0")
    t.exit_code(r, 1)
    t.eq(len(r.doc["results"]), 2, "results")
    for u in bad:
        # reported as written, or with the space percent-encoded
        spelled = [x["url"] for x in r.doc["results"] if x["url"] in (u, u.replace(" ", "%20"))]
        t.true(spelled, "no result for %r in %s" % (u, [x["url"] for x in r.doc["results"]]))
        t.expect(r, spelled[0], "broken", "invalid_url")


def test_malformed_ipv6_url_in_text_is_invalid_url(t):
    r = t.check(t.write("links.txt", "see https://[::1/x for details\n"), "--retries", "0")
    t.exit_code(r, 1)
    t.true(r.doc["results"], "no result for the malformed URL")
    for res in r.doc["results"]:
        t.expect(r, res["url"], "broken", "invalid_url")


def test_accept_ranges_make_listed_status_ok(t):
    s = t.server()
    missing, gone = s.url("/missing"), s.url("/gone")
    r = check_urls(t, [missing, gone], "--accept", "200-299,404")
    t.exit_code(r, 1)
    t.expect(r, missing, "ok", http_status=404)
    t.expect(r, gone, "broken", "http", http_status=410)


def test_mixed_run_reports_each_url_once_with_summary(t):
    s = t.server()
    ok, missing, loop, refused = (s.url("/ok"), s.url("/missing"), s.url("/loop-a"),
                                  t.refused_url())
    r = check_urls(t, [ok, missing, ok, loop, refused, missing])
    t.exit_code(r, 1)
    t.expect(r, ok, "ok")
    t.expect(r, missing, "broken", "http", http_status=404)
    t.expect(r, loop, "broken", "too_many_redirects")
    t.expect(r, refused, "broken", "refused")
    t.eq(len(r.doc["results"]), 4, "results for 4 unique URLs")
    sm = r.doc["summary"]
    t.eq((sm["total"], sm["ok"], sm["broken"], sm["excluded"], sm["cached"]),
         (4, 1, 3, 0, 0), "summary total/ok/broken/excluded/cached")


def test_untrusted_certificate_is_tls(t):
    s = t.server(tls=True)
    url = s.url("/ok")
    r = check_urls(t, [url], "--retries", "0")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "tls")
    t.eq(s.total_requests, 0, "HTTP requests that got past the handshake")


def test_insecure_accepts_untrusted_certificate(t):
    s = t.server(tls=True)
    url = s.url("/redirect")
    r = check_urls(t, [url], "--insecure")
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200, final_url=s.url("/ok"))


def test_connect_timeout_is_timeout(t):
    url = t.unanswered_url("/ok")
    r = t.check(t.links_file([url]), "--connect-timeout", "500ms", "--timeout", "10s",
                "--retries", "0")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "timeout")
    t.true(r.secs < 5 * t.scale, "took %.1fs: --connect-timeout 500ms not applied" % r.secs)


def test_method_get_sends_one_get_and_no_head(t):
    s = t.server()
    ok, missing = s.url("/ok"), s.url("/missing")
    r = check_urls(t, [ok, missing], "--method", "get")
    t.exit_code(r, 1)
    t.expect(r, ok, "ok", http_status=200, attempts=1, method="GET")
    t.expect(r, missing, "broken", "http", http_status=404, attempts=1, method="GET")
    methods = [e["method"] for e in s.requests()]
    t.eq(sorted(methods), ["GET", "GET"], "requests with --method get")
