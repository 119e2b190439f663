"""`linkkeeper archive` (and `check --archive`) against the loopback server.

What the binary writes is read back with warcio.js, an implementation that
is not ours: tests/js/verify-warc.mjs recomputes every block and payload
digest, and `warcio cdx-index` must index every file. The capture index in
the database must agree with both. scripts/js-deps installs warcio.js when
it is missing (npm; nothing else leaves the machine).
"""

import glob
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import server  # tests/integration/server.py (run.py puts its folder on sys.path)
from warctools import VERIFY, WARCIO_CLI, adir, need_warcio, warc_files

SLOW = ("test_archive_killed_run_is_repaired_by_the_next",
        "test_archive_second_run_writes_revisits_not_bodies")


# --------------------------------------------------------------------------
# helpers


def archive(t, *args, fmt="json", expect_rc=0, timeout=60, cmd="archive"):
    """`linkkeeper archive --no-progress --db T/h.db --archive-dir T/warc ARGS`."""
    argv = [cmd, "--no-progress", "--format", fmt, "--db", t.db, "--archive-dir", adir(t)]
    if cmd == "check":
        argv.append("--archive")
    r = t.run(*(argv + list(args)), timeout=timeout)
    t.exit_code(r, expect_rc)
    if fmt == "json" and r.rc in (0, 1):
        r.doc = t.parse_json(r.out, r)
    return r


def open_files(t):
    return sorted(glob.glob(os.path.join(adir(t), "*.warc.gz.open")))


def disk_bytes(t):
    return sum(os.path.getsize(p) for p in warc_files(t) + open_files(t))


def verify(t, files, must_pass=True):
    """verify-warc.mjs on files: (exit status, summary)."""
    need_warcio(t)
    # Into a file, not a pipe: node's process.exit() does not wait for a
    # pipe to drain, so a long summary would come out cut.
    out = t.path("verify.json")
    with open(out, "wb") as f:
        p = subprocess.run(["node", VERIFY] + list(files), stdout=f, stderr=subprocess.PIPE,
                           timeout=120 * t.scale)
    with open(out, "rb") as f:
        text = f.read()
    try:
        summary = json.loads(text)
    except ValueError:
        raise AssertionError("verify-warc.mjs printed no JSON (exit %d): %s %s"
                             % (p.returncode, text[:300], p.stderr[:300]))
    if must_pass and p.returncode != 0:
        raise AssertionError("warcio.js does not verify the archive: %s"
                             % json.dumps(summary["failures"])[:1500])
    return p.returncode, summary


def cdx_index(t, files):
    """`warcio cdx-index FILES` as parsed lines [(urlkey, ts, dict)]."""
    need_warcio(t)
    p = subprocess.run(["node", WARCIO_CLI, "cdx-index"] + list(files), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120 * t.scale)
    t.eq(p.returncode, 0, "warcio cdx-index exit status (stderr %r)" % p.stderr[:300])
    lines = []
    for line in p.stdout.decode().splitlines():
        key, ts, js = line.split(" ", 2)
        lines.append((key, ts, json.loads(js)))
    return lines


def types_in(summary, files=None):
    """Record type -> count, over the given files (all when None)."""
    out = {}
    for rec in summary["records_list"]:
        if files is None or rec["file"] in files:
            out[rec["type"]] = out.get(rec["type"], 0) + 1
    return out


def captures(t):
    return t.db_query("SELECT * FROM captures ORDER BY id")


def post(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(url, method="POST"), timeout=10) as r:
        r.read()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# tests


def test_archive_writes_warcs_that_warcio_verifies(t):
    s = t.server()
    urls = [s.url(p) for p in ("/ok", "/gzip", "/chunked", "/pdf", "/redirect")]
    r = archive(t, *urls)
    t.eq(r.doc["summary"]["ok"], 5, "ok links")
    files = warc_files(t)
    t.eq(len(files), 1, "WARC files")
    t.eq(open_files(t), [], ".open files left")
    t.true(os.path.basename(files[0]).startswith("linkkeeper-"), "file name " + files[0])
    _, summary = verify(t, files)
    ty = types_in(summary)
    # /redirect is a 301 hop plus /ok again (a revisit: same body as /ok)
    t.eq(ty, {"warcinfo": 1, "request": 6, "response": 5, "revisit": 1, "metadata": 6},
         "record types")
    t.eq(summary["records_list"][0]["type"], "warcinfo", "first record")
    t.true("archive: 5 responses, 1 revisit" in r.err, "stderr summary: " + r.err)

    # bodies are stored as received: gzip and chunk framing left in
    lines = cdx_index(t, files)
    by_url = {}
    for key, ts, d in lines:
        by_url.setdefault(d["url"], []).append(d)
    t.eq(sorted(by_url), sorted(urls), "indexed URLs")
    gz = by_url[s.url("/gzip")][0]
    t.eq((gz["status"], gz["mime"], gz["digest"]), ("200", "text/html", sha256(server.GZIP_BYTES)),
         "/gzip line")
    framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in server.CHUNKS) + b"0\r\n\r\n"
    t.eq(by_url[s.url("/chunked")][0]["digest"], sha256(framed), "/chunked digest (framing kept)")
    t.eq(by_url[s.url("/pdf")][0]["mime"], "application/pdf", "/pdf mime")
    t.eq(by_url[s.url("/redirect")][0]["status"], "301", "redirect hop status")
    t.eq(sorted(d["mime"] for d in by_url[s.url("/ok")]), ["text/plain", "warc/revisit"],
         "/ok: response and revisit")

    # the capture index agrees with warcio.js, line for line
    rows = captures(t)
    t.eq(len(rows), len(lines), "captures rows vs cdx lines")
    want = sorted((d["url"], int(d["offset"]), int(d["length"]), d["filename"], d["digest"])
                  for _, _, d in lines)
    got = sorted((row["url"], row["offset"], row["length"], row["file"],
                  row["payload_digest"].split(":", 1)[1]) for row in rows)
    t.eq(got, want, "index rows (url, offset, length, file, digest)")
    keys = {(d["url"], key, ts) for key, ts, d in lines}
    t.eq({(row["url"], row["urlkey"], row["ts14"]) for row in rows}, keys, "urlkey and ts14")
    run_id = t.db_query("SELECT max(id) AS id FROM runs")[0]["id"]
    t.eq({row["run_id"] for row in rows}, {run_id}, "run ids")


def test_archive_second_run_writes_revisits_not_bodies(t):
    s = t.server()
    urls = [s.url("/page/p%d" % i) for i in range(12)]
    urls += [s.url(p) for p in ("/gzip", "/chunked", "/pdf", "/redirect")]
    archive(t, *urls)
    first_files = warc_files(t)
    bytes1 = disk_bytes(t)

    r2 = archive(t, *urls)
    bytes2 = disk_bytes(t)
    new_files = [f for f in warc_files(t) if f not in first_files]
    t.eq(len(new_files), 1, "files written by the second run")
    _, summary = verify(t, warc_files(t))
    ty = types_in(summary, new_files)
    t.eq((ty.get("response", 0), ty.get("revisit", 0)), (0, len(urls) + 1),
         "second run: responses, revisits (every page and the redirect's target)")
    added = bytes2 - bytes1
    print("    archive bytes: first run %d, second run adds %d (%.1f %%)"
          % (bytes1, added, 100.0 * added / bytes1))
    t.true(added <= bytes1 // 4, "second run added %d bytes, more than 25 %% of %d"
           % (added, bytes1))
    t.true("0 responses, %d revisits" % (len(urls) + 1) in r2.err, "stderr: " + r2.err)

    # revisits point at the first run's responses
    rows = captures(t)
    originals = {row["record_id"]: row for row in rows if row["record_type"] == "response"}
    for row in rows:
        if row["record_type"] == "revisit":
            orig = originals.get(row["refers_to"])
            t.true(orig is not None, "revisit of %s refers to no response" % row["url"])
            t.eq((orig["url"], orig["payload_digest"]), (row["url"], row["payload_digest"]),
                 "revisit and original")

    # a changed page gets a new response, the others revisits
    post(s.url("/__page/p3?version=1"))
    archive(t, *urls)
    third = [f for f in warc_files(t) if f not in first_files + new_files]
    _, summary = verify(t, warc_files(t))
    t.eq(types_in(summary, third).get("response", 0), 1, "third run responses")
    changed = [rec for rec in summary["records_list"]
               if rec["file"] in third and rec["type"] == "response"]
    t.eq(changed[0]["url"], s.url("/page/p3"), "the changed page")
    cdx_index(t, warc_files(t))


def test_archive_killed_run_is_repaired_by_the_next(t):
    s = t.server_process(max_seconds=240)
    # 800 pages of 100 ms at -j 4 take 20 s at the very least, so the run
    # cannot end before the first batches are on disk, however slow the
    # machine; it is killed as soon as they are.
    slow = [s.url("/page/k%d?ms=100" % i) for i in range(800)]
    links = t.links_file(slow)
    p = t.start("archive", "--no-progress", "--format", "json", "--db", t.db,
                "--archive-dir", adir(t), "-j", "4", links)
    # wait until some batches are on disk and indexed, then kill -9
    deadline = time.monotonic() + 60 * t.scale
    while time.monotonic() < deadline and p.poll() is None:
        opened = open_files(t)
        if opened and os.path.getsize(opened[0]) > 150_000 and t.db_rows_now("captures") > 0:
            break
        time.sleep(0.02)
    t.true(p.poll() is None, "archive finished (rc %s) before it could be killed" % p.poll())
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    t.stderr_of(p)  # no sanitizer report up to the kill
    left = open_files(t)
    t.eq(len(left), 1, ".open files after the kill")
    # A kill between two write(2)s leaves whole gzip members; make sure the
    # tail is also half a member, as a kill in the middle of one leaves it.
    with open(left[0], "rb") as f:
        data = f.read()
    last = data.rfind(b"\x1f\x8b\x08")
    tail = data[last:last + (len(data) - last) // 2]
    with open(left[0], "ab") as f:
        f.write(tail)
    killed = data + tail
    indexed = t.db_query("SELECT count(*) AS n FROM captures")[0]["n"]
    print("    killed after %d bytes (+%d of half a record); %d captures were indexed"
          % (len(data), len(tail), indexed))

    # the next run repairs, indexes and seals it
    r = archive(t, s.url("/ok"))
    t.true("repaired 1 unfinished file (%d bytes cut)" % len(tail) in r.err, "stderr: " + r.err)
    t.eq(open_files(t), [], ".open files after the next run")
    sealed = left[0][:-len(".open")]
    t.true(os.path.exists(sealed), "sealed file " + sealed)
    repaired = open(sealed, "rb").read()
    t.true(len(repaired) <= len(killed) and killed[:len(repaired)] == repaired,
           "the repair only cut the tail")
    _, summary = verify(t, [sealed])
    ty = types_in(summary)
    t.true(ty.get("response", 0) > 5, "records kept: %r" % ty)
    t.eq(ty.get("request"), ty.get("response", 0) + ty.get("revisit", 0), "whole captures")

    # every response in the file is indexed, nothing points past the cut
    ids = {rec["id"] for rec in summary["records_list"] if rec["type"] in ("response", "revisit")}
    name = os.path.basename(sealed)
    rows = t.db_query("SELECT record_id, offset FROM captures WHERE file = ?", (name,))
    t.eq({row["record_id"] for row in rows}, ids, "indexed records of the repaired file")
    t.true(all(row["offset"] < len(repaired) for row in rows), "rows past the cut")
    t.eq(t.db_query("PRAGMA integrity_check")[0]["integrity_check"], "ok", "integrity_check")
    cdx_index(t, warc_files(t))
    verify(t, warc_files(t))

    # restore works on a page captured before the kill, byte for byte
    url = t.db_query("SELECT url FROM captures WHERE file = ? AND record_type = 'response' "
                     "ORDER BY offset LIMIT 1", (name,))[0]["url"]
    r = t.run("restore", "--db", t.db, "--archive-dir", adir(t), url)
    t.exit_code(r, 0)
    served = urllib.request.urlopen(url, timeout=10).read()
    t.eq(r.out_bytes, served,
         "restored page of a killed run")


def test_archive_truncates_pages_over_max_page_size(t):
    s = t.server()
    url = s.url("/page/big?size=100000")
    archive(t, "--max-page-size", "10000", url)
    _, summary = verify(t, warc_files(t))
    row = captures(t)[0]
    t.eq((row["record_type"], row["truncated"]), ("response", "length"), "index row")
    # a truncated capture is no dedup source: the next run stores the body again
    r = archive(t, "--max-page-size", "10000", url)
    t.true("1 truncated" in r.err, "stderr: " + r.err)
    rows = captures(t)
    t.eq([row["record_type"] for row in rows], ["response", "response"], "record types")


def test_archive_keeps_a_body_cut_by_the_time_cap(t):
    # headers and 3,000 of 6,000 bytes, then nothing: at --timeout the
    # capture keeps what came, marked WARC-Truncated: time; the link is ok
    import gzip
    s = t.server()
    url = s.url("/stall?bytes=3000&ms=4000")
    r = archive(t, "--timeout", "1s", "--retries", "0", url, timeout=30)
    t.expect(r, url, "ok", http_status=200)
    t.true("1 response, 0 revisits, 1 truncated" in r.err, "stderr: " + r.err)
    files = warc_files(t)
    verify(t, files)  # the digests cover the bytes kept
    data = b"".join(gzip.open(p).read() for p in files)
    t.true(b"WARC-Truncated: time\r\n" in data, "WARC-Truncated: time in the response")
    t.true(server.PAGE_NOISE[:3000] + b"\r\n\r\n" in data, "the 3,000 bytes received end the block")
    t.true(server.PAGE_NOISE[:3001] not in data, "nothing past what was received")
    row = captures(t)[0]
    t.eq((row["record_type"], row["truncated"]), ("response", "time"), "index row")
    # never a dedup source: the next run stores a response again
    archive(t, "--timeout", "1s", "--retries", "0", url, timeout=30)
    t.eq([row["record_type"] for row in captures(t)], ["response", "response"], "record types")


def test_archive_rolls_files_at_warc_max_size(t):
    s = t.server()
    urls = [s.url("/page/r%d" % i) for i in range(10)]
    r = archive(t, "--warc-max-size", "30000", "-j", "1", *urls)
    files = warc_files(t)
    t.true(len(files) >= 3, "%d files for 10 pages of 20 KB at 30 KB each" % len(files))
    _, summary = verify(t, files)
    first = {}
    for rec in summary["records_list"]:
        first.setdefault(rec["file"], rec["type"])
    t.eq(set(first.values()), {"warcinfo"}, "first record of each file")
    t.eq(types_in(summary).get("response"), 10, "responses")
    t.true("in %d WARC files" % len(files) in r.err, "stderr: " + r.err)
    names = {row["file"] for row in captures(t)}
    t.eq(names, {os.path.basename(f) for f in files}, "files in the index")


def test_check_archive_flag_archives_and_plain_check_does_not(t):
    s = t.server()
    r = t.check(s.url("/ok"), "--archive-dir", adir(t))
    t.exit_code(r, 0)
    t.true(not os.path.exists(adir(t)), "plain check created the archive folder")
    r = archive(t, s.url("/ok"), s.url("/missing"), cmd="check", expect_rc=1)
    t.expect(r, s.url("/missing"), "broken", "http", http_status=404)
    _, summary = verify(t, warc_files(t))
    t.eq(summary["urls"], [s.url("/ok")], "only the page below 400 is archived")


def test_archive_help_and_command_list(t):
    r = t.run("help", "archive")
    t.exit_code(r, 0)
    t.true("--archive-dir" in r.out and "--warc-max-size" in r.out, "help text: " + r.out[:300])
    r = t.run("--help")
    t.true("\n  archive " in r.out, "archive in the command list: " + r.out[:600])
    r = t.run("archive", "--help")
    t.exit_code(r, 0)
    t.true(r.out.startswith("usage: linkkeeper archive"), "archive --help: " + r.out[:100])


def test_archive_folder_in_use_is_an_error(t):
    import fcntl
    os.makedirs(adir(t))
    with open(os.path.join(adir(t), ".linkkeeper-archive.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = archive(t, "http://127.0.0.1:1/x", expect_rc=2)
    t.true("in use by another linkkeeper run" in r.err, "stderr: " + r.err)


def test_archive_compress_level_trades_size_for_speed(t):
    s = t.server()
    urls = [s.url("/page/c%d?size=20000" % i) for i in range(4)]
    archive(t, "--compress-level", "1", *urls)
    fast = warc_files(t)
    verify(t, fast)
    fast_bytes = disk_bytes(t)
    for p in fast:
        os.remove(p)
    t.run("archive", "--no-progress", "--db", t.path("h9.db"), "--archive-dir", adir(t),
          "--compress-level", "9", *urls)
    verify(t, warc_files(t))
    t.true(disk_bytes(t) < fast_bytes,
           "level 9 (%d bytes) smaller than level 1 (%d bytes)" % (disk_bytes(t), fast_bytes))
    for bad in ("0", "10"):
        r = t.run("archive", "--compress-level", bad, urls[0])
        t.exit_code(r, 2)
        t.true("compress-level" in r.err, "stderr names the option: " + r.err)


def test_archive_keeps_no_secrets(t):
    import gzip
    s = t.server()
    url = s.url("/ok?token=tok123&page=2")
    archive(t, "-H", "Authorization: Bearer sekrit42", "-H", "Cookie: sid=cookie99", url)
    files = warc_files(t)
    verify(t, files)  # digests still match what was written
    data = b"".join(gzip.open(p).read() for p in files)
    for secret in (b"tok123", b"sekrit42", b"cookie99"):
        t.true(secret not in data, "%r found in the WARC records" % secret)
        with open(t.db, "rb") as f:
            t.true(secret not in f.read(), "%r found in the database" % secret)
    t.true(b"page=2" in data, "the rest of the query is kept")
    t.true(b"Authorization: REDACTED" in data, "the request record says what was redacted")


def test_restore_finds_a_capture_of_a_url_with_a_secret(t):
    s = t.server()
    url = s.url("/ok?token=tok123")
    archive(t, url)
    r = t.run("restore", "--db", t.db, "--archive-dir", adir(t), url)
    t.exit_code(r, 0)
    t.true(len(r.out) > 0, "restored body is empty")


def test_archive_of_a_large_input_goes_chunk_by_chunk(t):
    s = t.server()
    urls = [s.url("/page/ch%d?size=3000" % i) for i in range(8)]
    env = {"LINKKEEPER_CHUNK": "3"}
    argv = ["archive", "--no-progress", "--format", "json", "--db", t.db,
            "--archive-dir", adir(t), t.links_file(urls)]
    r = t.run(*argv, env=env)
    t.exit_code(r, 0)
    doc = t.parse_json(r.out, r)
    t.eq(doc["summary"]["archive"]["responses"], 8, "responses over all chunks")
    t.true("archive: 8 responses, 0 revisits" in r.err, "one summary line: " + r.err)
    files = warc_files(t)
    t.eq(len(files), 3, "one WARC file per chunk")
    _, summary = verify(t, files)
    t.eq(types_in(summary).get("response"), 8, "responses in the files")
    t.eq(len(captures(t)), 8, "indexed captures")
    # unchanged pages, chunked again: every body deduplicated across chunks
    r = t.run(*argv, env=env)
    t.exit_code(r, 0)
    t.true("archive: 0 responses, 8 revisits" in r.err, "second run: " + r.err)


if __name__ == "__main__":
    sys.exit("run through tests/integration/run.py")
