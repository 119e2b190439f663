"""The SQLite history across runs, --max-age caching, and the `history` and
`urls` commands."""

import json
import re
import time

FAST = ("--retry-wait", "100ms")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def now_ms():
    return int(time.time() * 1000)


def test_ok_check_sets_url_state_and_run_row(t):
    s = t.server()
    url = s.url("/ok")
    before = now_ms()
    r = t.check(t.links_file([url]), *FAST)
    after = now_ms()
    t.exit_code(r, 0)
    _, row = t.expect(r, url, "ok", http_status=200)
    t.true(before - 1000 <= row["checked_at"] <= after + 1000,
           "checked_at %r is not ms since the epoch of this run [%d, %d]"
           % (row["checked_at"], before, after))
    u = t.db_url(url)
    t.eq((u["last_status"], u["last_http"], u["fail_streak"], u["flips"], u["failing_since"]),
         ("ok", 200, 0, 0, None), "urls last_status/last_http/fail_streak/flips/failing_since")
    t.eq(u["last_ok_at"], row["checked_at"], "urls.last_ok_at")
    t.eq(u["last_checked"], row["checked_at"], "urls.last_checked")
    t.true(u["first_seen"] <= u["last_checked"], "first_seen after last_checked")
    runs = t.db_query("SELECT * FROM runs")
    t.eq(len(runs), 1, "runs rows")
    t.eq(row["run_id"], runs[0]["id"], "checks.run_id")
    t.true(before - 1000 <= runs[0]["started_at"] <= runs[0]["finished_at"] <= after + 1000,
           "runs started_at/finished_at %r/%r" % (runs[0]["started_at"], runs[0]["finished_at"]))


def test_second_run_adds_a_check_row(t):
    s = t.server()
    url = s.url("/ok")
    f = t.links_file([url])
    for _ in range(2):
        t.exit_code(t.check(f, *FAST), 0)
    rows = t.db_checks(url)
    t.eq(len(rows), 2, "checks rows after two runs")
    t.true(rows[0]["run_id"] != rows[1]["run_id"], "both checks have the same run_id")
    t.true(rows[0]["checked_at"] <= rows[1]["checked_at"], "checked_at goes backwards")
    t.eq(len(t.db_query("SELECT id FROM runs")), 2, "runs rows")
    t.eq(len(t.db_query("SELECT id FROM urls")), 1, "urls rows")
    t.eq(t.db_url(url)["first_seen"], rows[0]["checked_at"], "first_seen after two runs")
    t.eq(s.count("ok"), 2, "requests to the server")


def test_failure_streak_and_flips_follow_state_changes(t):
    s = t.server()
    url = s.url("/state/flip")
    f = t.links_file([url])
    s.set_status("flip", 404)
    t.exit_code(t.check(f, *FAST), 1)
    t.exit_code(t.check(f, *FAST), 1)
    rows = t.db_checks(url)
    u = t.db_url(url)
    t.eq((u["last_status"], u["last_reason"], u["last_http"], u["fail_streak"], u["flips"]),
         ("broken", "http", 404, 2, 0), "after two broken runs: last_status/reason/http/streak/flips")
    t.eq(u["failing_since"], rows[0]["checked_at"], "failing_since = first broken check")
    t.eq(u["last_ok_at"], None, "last_ok_at of a never-ok URL")
    s.set_status("flip", 200)
    t.exit_code(t.check(f, *FAST), 0)
    rows = t.db_checks(url)
    u = t.db_url(url)
    t.eq((u["last_status"], u["fail_streak"], u["flips"], u["failing_since"]),
         ("ok", 0, 1, None), "after recovering: last_status/streak/flips/failing_since")
    t.eq(u["last_ok_at"], rows[-1]["checked_at"], "last_ok_at after recovering")
    s.set_status("flip", 500)
    t.exit_code(t.check(f, *FAST, "--retries", "0"), 1)
    u = t.db_url(url)
    t.eq((u["last_status"], u["fail_streak"], u["flips"]), ("broken", 1, 2),
         "after breaking again: last_status/streak/flips")
    t.eq(u["failing_since"], t.db_checks(url)[-1]["checked_at"], "failing_since restarts")


def test_max_age_reports_recent_ok_url_as_cached(t):
    s = t.server()
    url = s.url("/ok")
    f = t.links_file([url])
    t.exit_code(t.check(f, *FAST), 0)
    first = s.count("ok")
    r = t.check(f, *FAST, "--max-age", "1h")
    t.exit_code(r, 0)
    t.expect(r, url, "cached", "fresh")
    t.eq(s.count("ok") - first, 0, "requests in the --max-age run")
    t.eq(r.doc["summary"]["cached"], 1, "summary.cached")
    rows = t.db_checks(url)
    t.eq([x["status"] for x in rows], ["ok", "cached"], "checks rows")
    u = t.db_url(url)
    t.eq((u["last_status"], u["last_ok_at"]), ("ok", rows[0]["checked_at"]),
         "a cached check leaves last_status/last_ok_at alone")


def test_max_age_never_caches_broken_url(t):
    s = t.server()
    url = s.url("/missing")
    f = t.links_file([url])
    t.exit_code(t.check(f, *FAST), 1)
    first = s.count("missing")
    r = t.check(f, *FAST, "--max-age", "1h")
    t.exit_code(r, 1)
    t.expect(r, url, "broken", "http", http_status=404)
    t.true(s.count("missing") > first, "the broken URL was not requested again")


def test_max_age_older_than_last_check_is_rechecked(t):
    s = t.server()
    url = s.url("/ok")
    f = t.links_file([url])
    t.exit_code(t.check(f, *FAST), 0)
    time.sleep(0.3)
    r = t.check(f, *FAST, "--max-age", "100ms")
    t.exit_code(r, 0)
    t.expect(r, url, "ok")
    t.eq(s.count("ok"), 2, "requests to the server")


def history_json(t, url):
    r = t.run("history", url, "--format", "json", "--db", t.db)
    t.exit_code(r, 0)
    return t.loads(r.out, "history output")


def test_history_json_lists_checks_newest_first(t):
    s = t.server()
    url = s.url("/state/h")
    f = t.links_file([url])
    t.exit_code(t.check(f, *FAST), 0)
    s.set_status("h", 404)
    t.exit_code(t.check(f, *FAST), 1)
    doc = history_json(t, url)
    t.eq(doc.get("url"), url, "history url")
    checks = doc.get("checks")
    t.true(isinstance(checks, list) and len(checks) == 2, "two checks, got %r" % checks)
    t.eq([(c.get("status"), c.get("http_status")) for c in checks],
         [("broken", 404), ("ok", 200)], "history status/http_status, newest first")
    t.eq(checks[0].get("reason"), "http", "reason of the broken check")
    for c in checks:
        t.true(isinstance(c.get("checked_at"), str) and RFC3339.match(c["checked_at"]),
               "checked_at %r is not RFC 3339" % c.get("checked_at"))
    t.true(checks[0]["checked_at"] >= checks[1]["checked_at"], "not newest first")


def test_history_text_format_lists_checks(t):
    s = t.server()
    url = s.url("/state/ht")
    f = t.links_file([url])
    s.set_status("ht", 410)
    t.exit_code(t.check(f, *FAST), 1)
    r = t.run("history", url, "--db", t.db)
    t.exit_code(r, 0)
    t.true("broken" in r.out and "410" in r.out,
           "text history should show the broken 410 check: %r" % r.out[:300])


def test_history_of_unknown_url_has_no_checks(t):
    s = t.server()
    t.exit_code(t.check(t.links_file([s.url("/ok")]), *FAST), 0)
    r = t.run("history", s.url("/never-checked"), "--format", "json", "--db", t.db)
    t.true(r.rc in (0, 1), "exit status %d" % r.rc)
    try:
        doc = json.loads(r.out)
    except ValueError:
        doc = None
    if doc is not None:
        t.eq(doc.get("checks"), [], "checks of an unknown URL")


def test_urls_lists_every_digest_occurrence(t):
    rel = "examples/digest.txt"
    want = []
    with open(t.repo + "/" + rel, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            for m in re.finditer(r"https?://\S+", line):
                want.append((m.group(0), "%s:%d" % (rel, n), line[:m.start()].strip()))
    t.eq(len(want), 7, "occurrences in %s by the test's own reading" % rel)
    r = t.run("urls", rel, cwd=t.repo)
    t.exit_code(r, 0)
    got = [tuple(ln.split("\t")) for ln in r.out.splitlines()]
    t.eq(len(got), 7, "lines printed")
    for g, w in zip(got, want):
        t.eq(g, w, "URL, FILE:LINE, TITLE")
