"""`linkkeeper report` over a history built by real runs against a loopback
server whose answers change between runs, and `check --fail-after`.

Four runs over five links (o = 200, b = 404):
    dies    o o b b   -> broken, dead since run 3, 2 consecutive failures
    back    b b b o   -> recovered
    flap    o b o b   -> flaky
    steady  o o o o   -> ok, uptime 1
    late    - - - o   -> new (first seen in run 4)
"""

import csv
import io
import xml.etree.ElementTree as ET

FAST = ("--retry-wait", "100ms", "--retries", "0")

PLAN = {
    "dies": "oobb",
    "back": "bbbo",
    "flap": "obob",
    "steady": "oooo",
}


def build_history(t):
    s = t.server()
    urls = {name: s.url("/state/" + name) for name in list(PLAN) + ["late"]}
    for run in range(4):
        for name, plan in PLAN.items():
            s.set_status(name, 200 if plan[run] == "o" else 404)
        names = list(PLAN) + (["late"] if run == 3 else [])
        t.links_file([urls[n] for n in names], name="doc.txt")
        r = t.check(t.path("doc.txt"), *FAST)
        t.true(r.rc in (0, 1), "run %d exit %r" % (run + 1, r.rc))
    return s, urls


def first_broken_time(t, url):
    rows = t.db_query(
        "select c.checked_at from checks c join urls u on u.id = c.url_id "
        "where u.url = ? and c.status = 'broken' order by c.checked_at desc", (url,))
    return rows


def report(t, fmt, *args):
    return t.run("report", "--db", t.db, "--format", fmt, *args)


def rfc3339_seconds(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_report_json_states_dates_and_uptime(t):
    _, urls = build_history(t)
    r = report(t, "json")
    t.exit_code(r, 1)
    doc = t.loads(r.out)
    by_url = {u["url"]: u for u in doc["urls"]}

    dies = by_url[urls["dies"]]
    t.eq(dies["state"], "broken", "state of a link that died")
    t.eq(dies["consecutive_failures"], 2, "consecutive failures of dies")
    t.eq(dies["checks"], 4, "checks of dies")
    t.eq(dies["uptime"], 0.5, "uptime of dies")
    broken_times = [row["checked_at"] for row in first_broken_time(t, urls["dies"])]
    t.eq(dies["dead_since"], rfc3339_seconds(min(broken_times)),
         "dead_since is the first failing run's check time")
    t.true(dies["last_ok"] is not None, "dies was ok once")

    back = by_url[urls["back"]]
    t.eq(back["state"], "recovered", "state of a link that came back")
    t.eq(back["dead_since"], None, "dead_since of a live link")
    t.eq(back["consecutive_failures"], 0, "failures of a live link")
    t.eq(back["uptime"], 0.25, "uptime of back")

    t.eq(by_url[urls["flap"]]["state"], "flaky", "state of a flapping link")
    steady = by_url[urls["steady"]]
    t.eq(steady["state"], "ok", "state of a steady link")
    t.eq(steady["uptime"], 1, "uptime of steady")
    t.eq(by_url[urls["late"]]["state"], "new", "state of a link seen once")
    src = steady["sources"][0]
    t.true(src["file"].endswith("doc.txt") and src["line"] == 4,
           "sources of steady: %r" % steady["sources"])


def test_report_changes_list_exactly_what_changed(t):
    _, urls = build_history(t)
    doc = t.loads(report(t, "json").out)
    s = doc["summary"]
    t.eq(sorted(s["newly_broken"] if isinstance(s["newly_broken"][0], str) else
                [x["url"] for x in s["newly_broken"]]), [urls["flap"]], "newly broken")
    fixed = [x if isinstance(x, str) else x["url"] for x in s["fixed"]]
    t.eq(fixed, [urls["back"]], "fixed")
    still = [x if isinstance(x, str) else x["url"] for x in s["still_broken"]]
    t.eq(still, [urls["dies"]], "still broken")


def test_report_junit_csv_markdown_parse(t):
    _, urls = build_history(t)
    root = ET.fromstring(report(t, "junit").out)
    suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
    cases = [c for s in suites for c in s.findall("testcase")]
    failures = [c for c in cases if c.find("failure") is not None]
    t.eq(len(cases), 5, "JUnit test cases")
    t.eq(len(failures), 2, "JUnit failures (dies, flap)")
    t.eq(sum(int(s.get("failures")) for s in suites), 2, "JUnit failures attribute")

    rows = list(csv.DictReader(io.StringIO(report(t, "csv").out)))
    t.eq(len(rows), 5, "CSV rows")
    t.eq({r["url"]: r["state"] for r in rows}[urls["back"]], "recovered", "CSV state")

    md = report(t, "markdown").out
    t.true("| " in md and "---" in md, "Markdown has a table:\n" + md[:400])
    t.true(urls["dies"] in md, "the broken link is in the Markdown table")


def test_fail_after_two_tolerates_first_failure(t):
    s = t.server()
    s.set_status("fa", 404)
    f = t.links_file([s.url("/state/fa")])
    r1 = t.check(f, "--fail-after", "2", *FAST)
    t.exit_code(r1, 0)
    t.eq(t.result(r1, s.url("/state/fa"))["status"], "broken", "still reported broken")
    r2 = t.check(f, "--fail-after", "2", *FAST)
    t.exit_code(r2, 1)


def test_blocked_link_with_ok_history_only_warns(t):
    s = t.server()
    url = s.url("/state/wall")
    f = t.links_file([url])
    s.set_status("wall", 200)
    t.exit_code(t.check(f, *FAST), 0)
    s.set_status("wall", 403)
    r = t.check(f, *FAST)
    t.exit_code(r, 0)
    res = t.result(r, url)
    t.eq((res["status"], res["reason"], res["fails_build"]), ("broken", "blocked", False),
         "a bot wall on a link that was fine")
    t.exit_code(t.check(f, "--strict", *FAST), 1)


def test_blocked_link_never_seen_ok_fails(t):
    s = t.server()
    url = s.url("/forbidden")
    r = t.check(t.links_file([url]), *FAST)
    t.exit_code(r, 1)
    t.eq(t.result(r, url)["fails_build"], True, "blocked and never ok")


def test_make_install_puts_binary_man_page_and_completion(t):
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    dest = t.path("destdir")
    # -o: never rebuild the binary under test (it may be a sanitizer build)
    p = subprocess.run(["make", "-s", "-o", t.bin, "-C", root, "install", "DESTDIR=" + dest, "PREFIX=/usr",
                        "BIN=" + t.bin], capture_output=True, text=True, timeout=120)
    t.eq(p.returncode, 0, "make install exit status (%s)" % p.stderr[-300:])
    for rel in ("usr/bin/linkkeeper", "usr/share/man/man1/linkkeeper.1",
                "usr/share/bash-completion/completions/linkkeeper"):
        t.true(os.path.isfile(os.path.join(dest, rel)), rel + " installed")
    man = subprocess.run(["man", "-l", os.path.join(dest, "usr/share/man/man1/linkkeeper.1")],
                         capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80"))
    t.eq(man.returncode, 0, "man -l exit status (%s)" % man.stderr[-300:])
    t.true("check" in man.stdout and "EXIT" in man.stdout.upper(),
           "the man page renders")
    v = subprocess.run([os.path.join(dest, "usr/bin/linkkeeper"), "--version"],
                       capture_output=True, text=True, timeout=30)
    t.true(v.stdout.startswith("linkkeeper "), "installed binary runs: %r" % v.stdout)
