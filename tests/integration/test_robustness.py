"""Inputs that are large, hostile or offline, and the concurrency limits.
t.run already fails a test on a hang (timeout), a signal or a sanitizer
report, and on any exit status but 0, 1 and 2."""

import random
import re

SLOW = ("test_hundred_thousand_urls_are_all_ok", "test_offline_digest_reports_every_link_broken",
        "test_per_host_cap_limits_concurrent_requests", "test_ten_megabyte_line_is_handled",
        "test_concurrency_option_allows_parallel_requests")

FAST = ("--retry-wait", "100ms")


def test_offline_digest_reports_every_link_broken(t):
    # The digest's hosts are on the internet, which tests never reach: every
    # connection goes to a refused loopback port (--connect-to), so not even
    # a DNS query leaves the machine. Every link is reported broken, with
    # its reason and title.
    port = t.refused_url("/").split(":")[2].rstrip("/")
    r = t.check("examples/digest.txt", "--connect-to", "::127.0.0.1:" + port,
                "--retries", "0", cwd=t.repo, timeout=60)
    t.exit_code(r, 1)
    t.true(r.secs < 60, "took %.1fs" % r.secs)
    t.eq(len(r.doc["results"]), 7, "results")
    for res in r.doc["results"]:
        t.expect(r, res["url"], "broken", "refused")
        t.true(res["sources"][0]["title"] != "", "title of %s" % res["url"])
    t.eq(r.doc["summary"]["broken"], 7, "summary.broken")


def test_connect_to_must_have_four_fields(t):
    r = t.run("check", "--connect-to", "127.0.0.1:80", "examples/digest.txt", cwd=t.repo)
    t.exit_code(r, 2)
    t.one_error_line(r)


def test_binary_input_does_not_crash(t):
    s = t.server()
    rnd = random.Random(1234)
    blob = bytearray(rnd.getrandbits(8) for _ in range(256 * 1024))
    blob[1000:1000] = b"\x00\n" + s.url("/ok?id=bin").encode() + b"\n\x00\x00"
    f = t.write("blob.txt", bytes(blob))
    r = t.check(f, *FAST, "--retries", "0")
    t.true(r.rc in (0, 1), "exit status %d" % r.rc)
    t.expect(r, s.url("/ok?id=bin"), "ok")


def test_invalid_utf8_input_is_checked_and_reported_as_valid_json(t):
    s = t.server()
    url = s.url("/ok?id=utf8")
    f = t.write("bad.txt", b"\xff\xfe bad \xc3\x28 title \xe2\x82 " + url.encode() +
                b"\n\x80\x80\xc0\xaf\n")
    r = t.check(f, *FAST)  # t.check fails unless the output parses as JSON
    t.exit_code(r, 0)
    t.expect(r, url, "ok")


def test_ten_megabyte_line_is_handled(t):
    s = t.server()
    urls = [s.url("/ok?id=head"), s.url("/ok?id=mid"), s.url("/ok?id=tail")]
    line = (urls[0] + " " + "word " * (2 * 1024 * 1024) + urls[1] + " " + "word " * 200
            + urls[2] + "\n")
    t.true(len(line) > 10 * 1024 * 1024, "the line is over 10 MB")
    r = t.check(t.write("long.txt", line), *FAST, timeout=60)
    t.exit_code(r, 0)
    t.eq(len(r.doc["results"]), 3, "links found on the 10 MB line")
    for u in urls:
        t.expect(r, u, "ok")


def test_long_url_is_checked(t):
    s = t.server()
    url = s.url("/ok?q=" + "a" * 8000)
    r = t.check(t.links_file([url]), *FAST, "--retries", "0")
    t.exit_code(r, 0)
    t.expect(r, url, "ok", http_status=200)


def test_huge_url_candidate_does_not_crash(t):
    # text.c skips candidates over 8 KiB by design; whatever it does, it
    # must not crash and must still check the link next to it
    s = t.server()
    ok = s.url("/ok?id=next")
    f = t.write("huge.txt", s.url("/ok?q=" + "a" * 100_000) + "\n" + ok + "\n")
    r = t.check(f, *FAST, "--retries", "0")
    t.true(r.rc in (0, 1), "exit status %d" % r.rc)
    t.expect(r, ok, "ok")
    for res in r.doc["results"]:
        t.true(res["status"] in ("ok", "broken"), "status %r" % res["status"])


def test_hundred_thousand_urls_are_all_ok(t):
    n = 100_000
    s = t.server_process()  # its own process: 100k requests must not starve other tests
    f = t.links_file([s.url("/ok?i=%d" % i) for i in range(n)])
    r = t.check(f, "-j", "64", "--per-host", "64", *FAST, timeout=100)
    t.exit_code(r, 0)
    sm = r.doc["summary"]
    t.eq((sm["total"], sm["ok"], sm["broken"]), (n, n, 0), "summary total/ok/broken")
    t.eq(len(r.doc["results"]), n, "results")
    bad = [x for x in r.doc["results"] if x["status"] != "ok"]
    t.true(not bad, "%d not ok, e.g. %r" % (len(bad), bad[:1]))
    t.eq(t.db_query("SELECT count(*) AS n FROM checks")[0]["n"], n, "checks rows")
    t.true(s.stats()["requests"] >= n, "server saw %d requests" % s.stats()["requests"])


def test_per_host_cap_limits_concurrent_requests(t):
    s = t.server()
    urls = [s.url("/slow?ms=300&i=%d" % i) for i in range(20)]
    r = t.check(t.links_file(urls), "-j", "8", "--per-host", "2", *FAST)
    t.exit_code(r, 0)
    t.eq(r.doc["summary"]["ok"], 20, "summary.ok")
    t.true(1 <= s.max_inflight <= 2, "server saw %d requests at once" % s.max_inflight)


def test_concurrency_option_allows_parallel_requests(t):
    s = t.server()
    urls = [s.url("/slow?ms=300&i=%d" % i) for i in range(16)]
    r = t.check(t.links_file(urls), "--concurrency", "8", "--per-host", "8", *FAST)
    t.exit_code(r, 0)
    t.eq(r.doc["summary"]["ok"], 16, "summary.ok")
    t.true(s.max_inflight >= 4, "only %d requests at once with -j 8" % s.max_inflight)
    t.true(r.secs < 16 * 0.3, "took %.1fs: requests were serialised" % r.secs)


def test_transfers_to_a_plain_http_host_start_at_once(t):
    # Nothing to wait for on http://: the connection can never carry h2
    # streams, so the second request must not wait for the first answer
    # (CURLOPT_PIPEWAIT made every host's first wave wait one response).
    s = t.server()
    urls = [s.url("/slow?ms=500&i=%d" % i) for i in range(8)]
    r = t.check(t.links_file(urls), "-j", "8", "--per-host", "8", *FAST)
    t.exit_code(r, 0)
    t.eq(s.max_inflight, 8, "requests in flight at once")


def test_make_run_demo_checks_the_digest_on_loopback(t):
    import os
    import subprocess
    env = dict(os.environ, LINKKEEPER=t.bin, LINKKEEPER_DB=t.db)
    p = subprocess.run([os.path.join(t.repo, "scripts", "demo")], cwd=t.repo, env=env,
                       capture_output=True, text=True, timeout=120 * t.scale)
    t.eq(p.returncode, 0, "scripts/demo exit status (%s)" % p.stderr[-400:])
    t.true("7 links: 5 ok, 2 broken" in p.stdout, "demo summary:\n" + p.stdout[-800:])
    t.true("Newly broken (2)" in p.stdout, "demo report:\n" + p.stdout[-800:])


def test_interrupt_keeps_what_was_checked(t):
    import json
    import signal
    import subprocess
    import time
    s = t.server()
    fast = [s.url("/ok?id=f%d" % i) for i in range(20)]
    slow = [s.url("/slow?ms=8000&id=s%d" % i) for i in range(5)]
    out = t.path("out.json")
    p = t.start("check", "--no-progress", "--format", "json", "-o", out, "--db", t.db,
                "--retries", "0", t.links_file(fast + slow))
    # interrupt once the slow ones are in flight and the fast ones are in
    # the history (not after a guessed pause: a slow machine would lose)
    deadline = time.monotonic() + 20 * t.scale
    while time.monotonic() < deadline and (s.count("slow") < 5 or t.db_rows_now("checks") < 20):
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=10 * t.scale)
    except subprocess.TimeoutExpired:
        raise AssertionError("check did not stop within 10 s of SIGINT")
    err = t.stderr_of(p)
    t.eq(p.returncode, 2, "exit status after SIGINT (stderr %r)" % err[-300:])
    t.true("interrupted" in err, "stderr says why: %r" % err[-300:])
    with open(out) as f:
        doc = json.load(f)
    t.eq(sorted(r["url"] for r in doc["results"]), sorted(fast), "results of the checked links")
    t.eq(doc["summary"]["ok"], 20, "summary of what was checked")
    rows = t.db_query("SELECT count(*) AS n FROM checks")[0]["n"]
    t.eq(rows, 20, "checks recorded before the interrupt")
    t.eq(t.db_query("SELECT count(*) AS n FROM runs WHERE finished_at IS NOT NULL")[0]["n"], 1,
         "the run is closed")


def test_large_input_is_checked_in_chunks_with_the_same_results(t):
    s = t.server()
    urls = [s.url("/ok?id=c%d" % i) for i in range(40)]
    for k in range(5):  # broken links spread over several chunks
        urls.insert(k * 9, s.url("/missing?id=m%d" % k))
    lines = urls + urls[:10] + ["https://[::1/broken"]   # repeats land in later chunks
    f = t.links_file(lines)
    env = {"LINKKEEPER_CHUNK": "7"}
    r = t.check(f, "--retries", "0", env=env)
    t.exit_code(r, 1)
    got = sorted(x["url"] for x in r.doc["results"])
    t.eq(len(got), len(set(got)), "each URL reported once")
    t.eq(len(got), 46, "results (45 URLs + 1 invalid)")
    t.eq((r.doc["summary"]["total"], r.doc["summary"]["ok"], r.doc["summary"]["broken"]),
         (46, 40, 6), "summary over all chunks")
    for u in urls:
        t.eq(s.count(u.split("id=")[1]) >= 1, True, "requested: " + u)
    t.eq(max(s.count("c%d" % i) for i in range(10)), 1, "a repeat in a later chunk is not re-requested")
    t.eq(t.db_query("SELECT count(*) AS n FROM checks")[0]["n"], 46, "checks rows")
    lines_of_first = t.db_query("SELECT s.line FROM sources s JOIN urls u ON u.id = s.url_id "
                                "WHERE u.url = ? ORDER BY s.line", (urls[0],))
    t.eq([row["line"] for row in lines_of_first], [1, 46],
         "a repeat in a later chunk is recorded where it occurs")
    # text and github outputs, chunk by chunk
    r = t.check(f, "--retries", "0", fmt="text", env=env)
    t.exit_code(r, 1)
    t.eq(r.out.count("/missing?id="), 5, "text lists each broken link once")
    t.true(re.search(r"cached in \S+ s\Z", r.out.rstrip()) is not None and
           r.out.count(" links: ") == 1, "one summary line, at the end:\n" + r.out[-300:])
    t.true("46 links: 40 ok, 6 broken" in r.out, "text summary: " + r.out[-200:])
    t.true(r.out.count("links.txt\n") > 1, "checked in several chunks (a header each):\n"
           + r.out[:600])


def test_text_read_in_blocks_keeps_line_numbers(t):
    lines = ["filler line %d without a link" % i for i in range(200000)]
    lines[149999] = "Far down:https://far.example/page"   # line 150000, past the first MiB
    lines[5] = "Near:https://near.example/"
    f = t.write("big.txt", "\n".join(lines) + "\n")
    r = t.run("urls", f)
    t.exit_code(r, 0)
    t.eq(r.out.splitlines(), ["https://near.example/\t%s:6\tNear:" % f,
                              "https://far.example/page\t%s:150000\tFar down:" % f],
         "urls of a 7 MB file")
    r = t.run("urls", "-", stdin=("\n".join(lines) + "\n").encode())
    t.true(r.out.endswith("-:150000\tFar down:\n"), "line numbers from stdin: %r" % r.out[-80:])
