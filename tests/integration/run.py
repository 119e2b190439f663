#!/usr/bin/env python3
"""linkkeeper integration tests: the real binary against a scripted loopback server.

    LINKKEEPER=/abs/path/linkkeeper python3 -u tests/integration/run.py [FILTER]
    python3 tests/integration/run.py --server-selftest [FILTER]

Tests live in tests/integration/test_*.py as functions test_NAME(t); t is a
Ctx (below) that owns a temporary directory, starts servers, runs the binary
and asserts. Each test prints "ok   NAME" or "FAIL NAME: reason" (detail lines
indented below it); the run ends with "integration: N passed, M failed" and
exits 1 on any failure.

Environment:
  LINKKEEPER             the binary (default: ./linkkeeper at the repo root)
  LK_TEST_FILTER         run only tests whose name contains this (or argv[1])
  LK_TEST_JOBS           tests run at once (default 4)
  LK_TEST_TIMEOUT_SCALE  multiplies time limits (default 4 for a sanitizer
                         build, detected from the binary, else 1)
  LK_TEST_KEEP=1         keep the temporary directories of failed tests
  LK_TEST_VERBOSE=1      print each test's duration
"""

import concurrent.futures
import gzip
import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import server  # noqa: E402  (tests/integration/server.py)

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "UndefinedBehaviorSanitizer", "WARNING: ThreadSanitizer")
SAN_EXIT = 86  # exit status we ask the sanitizers to use, so it cannot pass for 0/1/2


class Failure(AssertionError):
    """A test's expectation did not hold. The first line is the reason."""


class Strict(dict):
    """A JSON object or database row: a missing key is a test failure (the
    binary's output lacks it), not a KeyError in the test."""

    def __missing__(self, key):
        raise Failure("no %r in %s" % (key, shortened(json.dumps(self, default=str), 300)))


# --------------------------------------------------------------------------
# Running the binary


class Result:
    """A finished linkkeeper process."""

    def __init__(self, args, rc, out, err, secs):
        self.args = args
        self.rc = rc
        self.out_bytes = out
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        self.secs = secs
        self.doc = None  # parsed JSON for --format json runs

    def describe(self, keep=12):
        """Command, status and the ends of both streams, for failure messages."""
        lines = ["command: " + " ".join(shortened(a) for a in self.args),
                 "exit %s after %.2fs" % (self.rc, self.secs)]
        for name, text in (("stderr", self.err), ("stdout", self.out)):
            text = text.strip()
            if text:
                shown = text.splitlines()
                if len(shown) > keep:
                    shown = shown[:keep // 2] + ["... (%d lines)" % len(shown)] \
                        + shown[-(keep // 2 - 1):]
                lines.append(name + ":")
                lines += ["  " + shortened(s, 300) for s in shown]
        return "\n".join(lines)


def shortened(s, n=120):
    s = str(s)
    return s if len(s) <= n else s[: n // 2] + "...(%d chars)..." % len(s) + s[-n // 4:]


def child_env(extra=None):
    env = dict(os.environ)
    for k in list(env):
        if k.lower() in ("http_proxy", "https_proxy", "all_proxy", "ftp_proxy") \
                or k.startswith("LINKKEEPER"):
            del env[k]
    env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost,::1"
    san = "exitcode=%d" % SAN_EXIT
    env["ASAN_OPTIONS"] = san + ":" + env["ASAN_OPTIONS"] if env.get("ASAN_OPTIONS") else san
    env["UBSAN_OPTIONS"] = (san + ":print_stacktrace=1:" + env["UBSAN_OPTIONS"]
                            if env.get("UBSAN_OPTIONS") else san + ":print_stacktrace=1")
    env.update(extra or {})
    return env


class ProcServer:
    """tests/integration/server.py as a separate process (its own GIL)."""

    def __init__(self, tmp, max_seconds=300):
        self.port_file = os.path.join(tmp, "server.port")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "server.py"), "--port-file", self.port_file,
             "--max-seconds", str(max_seconds)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        deadline = time.monotonic() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise Failure("server process died: " + self.proc.stderr.read().decode())
            if time.monotonic() > deadline:
                self.stop()
                raise Failure("server process did not report its port")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.base = "http://127.0.0.1:%d" % self.port

    def url(self, path):
        return self.base + path

    def control(self, path):
        with NO_PROXY.open(self.url(path), timeout=10) as r:
            return json.loads(r.read())

    def stats(self):
        return self.control("/__stats")

    def count(self, name):
        return self.control("/count/" + name)["count"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc.stderr:
            self.proc.stderr.close()


NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    """A port nothing listens on: bound once to find it, then closed."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------
# The per-test context


class Ctx:
    """What a test gets: a temp dir, servers, the binary, assertions."""

    def __init__(self, name, binary, scale):
        self.name = name
        self.bin = binary
        self.scale = scale
        self.repo = REPO
        self.tmp = tempfile.mkdtemp(prefix="lk-it-%s-" % name[:40])
        self.db = os.path.join(self.tmp, "h.db")
        self._cleanups = []

    def close(self, keep=False):
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:  # noqa: BLE001 — cleanup must go on
                pass
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- servers and files --------------------------------------------------

    def server(self, **kw):
        """A TestServer in this process, stopped when the test ends."""
        s = server.TestServer(**kw).start()
        self._cleanups.append(s.stop)
        return s

    def server_process(self, max_seconds=300):
        """server.py in its own process, stopped (by pid) when the test ends."""
        s = ProcServer(self.tmp, max_seconds)
        self._cleanups.append(s.stop)
        return s

    def refused_url(self, path="/ok"):
        return "http://127.0.0.1:%d%s" % (free_port(), path)

    def unanswered_url(self, path="/ok"):
        """A loopback port whose accept queue is full: the kernel drops new
        SYNs, so connecting hangs until the client's connect timeout."""
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(0)
        port = lsock.getsockname()[1]
        held = [lsock]
        for _ in range(3):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            held.append(c)
        self._cleanups.append(lambda: [x.close() for x in held])
        time.sleep(0.05)
        return "http://127.0.0.1:%d%s" % (port, path)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, data):
        """Writes a file under the temp dir (str as UTF-8); returns its path."""
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        return p

    def links_file(self, urls, name="links.txt"):
        """A text file with one URL per line."""
        return self.write(name, "".join(u + "\n" for u in urls))

    # -- running ------------------------------------------------------------

    def run(self, *args, stdin=None, timeout=30, env=None, cwd=None):
        """Runs the binary; fails on a timeout, a signal or a sanitizer report."""
        argv = [self.bin] + [str(a) for a in args]
        limit = timeout * self.scale
        start = time.monotonic()
        p = subprocess.Popen(argv, cwd=cwd or self.tmp, env=child_env(env),
                             stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(stdin, timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
            r = Result(argv, "killed", out, err, time.monotonic() - start)
            raise Failure("linkkeeper did not finish within %.1fs\n%s" % (limit, r.describe()))
        r = Result(argv, p.returncode, out, err, time.monotonic() - start)
        if any(m in r.err for m in SANITIZER_MARKS):
            raise Failure("sanitizer report\n" + r.describe(keep=60))
        if r.rc < 0:
            raise Failure("killed by signal %d\n%s" % (-r.rc, r.describe()))
        if r.rc not in (0, 1, 2):
            raise Failure("exit status %d is not 0, 1 or 2\n%s" % (r.rc, r.describe()))
        return r

    def start(self, *args):
        """Starts the binary in the background, with run's environment, for a
        test that signals or kills it; stdout and stderr go to files (see
        stderr_of). Killed (its process group) when the test ends."""
        argv = [self.bin] + [str(a) for a in args]
        n = len(self._cleanups)
        with open(self.path("bg%d.out" % n), "wb") as out, \
                open(self.path("bg%d.err" % n), "wb") as err:
            p = subprocess.Popen(argv, cwd=self.tmp, env=child_env(), stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True)
        p.out_path, p.err_path = out.name, err.name

        def stop():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        self._cleanups.append(stop)
        return p

    def stderr_of(self, p):
        """What a started process wrote to stderr; fails on a sanitizer report."""
        with open(p.err_path, "rb") as f:
            err = f.read().decode("utf-8", "replace")
        if any(m in err for m in SANITIZER_MARKS):
            raise Failure("sanitizer report\n" + err[-4000:])
        return err

    def check(self, *args, fmt="json", db=True, **kw):
        """`linkkeeper check --no-progress --format FMT --db T/h.db ARGS...`;
        for JSON, r.doc is the parsed report."""
        argv = ["check", "--no-progress", "--format", fmt]
        if db:
            argv += ["--db", self.db]
        r = self.run(*(argv + list(args)), **kw)
        if fmt == "json" and r.rc in (0, 1):
            r.doc = self.parse_json(r.out, r)
        return r

    def loads(self, text, what="output"):
        """JSON with Strict objects."""
        try:
            return json.loads(text, object_hook=Strict)
        except ValueError as e:
            raise Failure("%s is not JSON (%s): %s" % (what, e, shortened(text, 300)))

    def parse_json(self, text, r=None):
        try:
            doc = json.loads(text, object_hook=Strict)
        except ValueError as e:
            raise Failure("output is not JSON (%s)\n%s" % (e, r.describe() if r else shortened(text)))
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list) \
                or not isinstance(doc.get("summary"), dict):
            raise Failure("JSON has no summary object / results array: " + shortened(text, 300))
        return doc

    # -- reading results ------------------------------------------------------

    def result(self, r, url):
        """The JSON result for url (fails when absent or duplicated)."""
        doc = r.doc if isinstance(r, Result) else r
        found = [x for x in doc["results"] if x.get("url") == url]
        if len(found) != 1:
            urls = [x.get("url") for x in doc["results"]]
            raise Failure("%d results for %s; results are for %s"
                          % (len(found), url, shortened(urls, 400)))
        return found[0]

    def db_query(self, sql, params=()):
        if not os.path.exists(self.db):
            raise Failure("database %s was not created" % self.db)
        con = sqlite3.connect(self.db, timeout=10)
        con.row_factory = sqlite3.Row
        try:
            return [Strict(row) for row in con.execute(sql, params)]
        except sqlite3.Error as e:
            raise Failure("database query failed: %s: %s" % (e, sql))
        finally:
            con.close()

    def db_rows_now(self, table):
        """Rows in table now, read while the binary may still be writing
        (read-only; 0 while the database or the table does not exist)."""
        try:
            con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
            try:
                return con.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
            finally:
                con.close()
        except sqlite3.Error:
            return 0

    def db_checks(self, url):
        """The checks rows of url, oldest first."""
        return self.db_query("SELECT c.* FROM checks c JOIN urls u ON u.id = c.url_id "
                             "WHERE u.url = ? ORDER BY c.id", (url,))

    def db_url(self, url):
        rows = self.db_query("SELECT * FROM urls WHERE url = ?", (url,))
        if len(rows) != 1:
            raise Failure("%d urls rows for %s" % (len(rows), url))
        return rows[0]

    # -- assertions -----------------------------------------------------------

    def eq(self, actual, expected, what):
        if actual != expected:
            raise Failure("%s: expected %r, got %r" % (what, expected, actual))

    def true(self, cond, what):
        if not cond:
            raise Failure(what)

    def exit_code(self, r, code):
        if r.rc != code:
            raise Failure("exit status: expected %s, got %s\n%s" % (code, r.rc, r.describe()))

    def one_error_line(self, r):
        """Exit 2 with exactly one stderr line starting 'linkkeeper: '."""
        self.exit_code(r, 2)
        lines = r.err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("linkkeeper: "):
            raise Failure("stderr should be one 'linkkeeper: ' line, got %r" % r.err[:500])

    def expect(self, r, url, status, reason=None, http_status=None, attempts=None,
               method=None, final_url=None):
        """Asserts url's outcome in the JSON report AND in its newest checks row.
        Returns (json_result, db_row)."""
        res = self.result(r, url)
        ctx = "%s in JSON %s" % (url, shortened(json.dumps(res), 600))

        def field(key):
            if key not in res:
                raise Failure("result has no %r: %s" % (key, ctx))
            return res[key]

        def same(what, got, want):
            if got != want:
                raise Failure("%s: expected %r, got %r; %s" % (what, want, got, ctx))

        same("status", field("status"), status)
        if reason is not None:
            same("reason", field("reason"), reason)
        elif status == "ok" and field("reason") not in (None, ""):
            same("reason", field("reason"), "")
        if http_status is not None:
            same("http_status", field("http_status"), http_status)
        if attempts is not None:
            same("attempts", field("attempts"), attempts)
        if method is not None:
            same("method", field("method"), method)
        if final_url is not None:
            same("final_url", field("final_url"), final_url)

        rows = self.db_checks(url)
        if not rows:
            raise Failure("no checks row in the database for " + url)
        row = rows[-1]
        ctx = "%s in DB %s" % (url, shortened(row, 600))
        same("db status", row["status"], status)
        if reason is not None:
            same("db reason", row["reason"], reason)
        elif status == "ok" and row["reason"] not in (None, ""):
            same("db reason", row["reason"], "")
        if http_status is not None:
            same("db http_status", row["http_status"], http_status)
        if attempts is not None:
            same("db attempts", row["attempts"], attempts)
        if method is not None:
            same("db method", row["method"], method)
        if final_url is not None:
            same("db final_url", row["final_url"], final_url)
        return res, row


# --------------------------------------------------------------------------
# The runner


def discover():
    """[(name, fn, slow)] from test_*.py, in file and definition order."""
    tests, seen = [], set()
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location("lk_it_" + fname[:-3],
                                                      os.path.join(HERE, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        slow = set(getattr(mod, "SLOW", ()))
        for name, fn in vars(mod).items():
            if name.startswith("test_") and callable(fn):
                if name in seen:
                    raise SystemExit("duplicate test name " + name)
                seen.add(name)
                tests.append((name, fn, name in slow))
    return tests


def run_one(name, fn, binary, scale, keep):
    t = Ctx(name, binary, scale)
    start = time.monotonic()
    failed = True
    try:
        fn(t)
        failed = False
        return name, None, time.monotonic() - start
    except AssertionError as e:  # Failure, or a plain assert in a test
        return name, str(e) or "assertion failed", time.monotonic() - start
    except Exception as e:  # noqa: BLE001 — a bug in the test itself
        tb = traceback.format_exc().rstrip().splitlines()
        return name, "test error: %s: %s\n%s" % (type(e).__name__, e, "\n".join(tb[-8:])), \
            time.monotonic() - start
    finally:
        t.close(keep=keep and failed)
        if keep and failed:
            sys.stderr.write("kept %s\n" % t.tmp)


def run_all(tests, binary, scale, label):
    jobs = int(os.environ.get("LK_TEST_JOBS", "4"))
    keep = os.environ.get("LK_TEST_KEEP") == "1"
    verbose = os.environ.get("LK_TEST_VERBOSE") == "1"
    # the slow ones first, so they overlap with the many quick ones
    order = [x for x in tests if x[2]] + [x for x in tests if not x[2]]
    passed = failed = 0
    lock = threading.Lock()
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run_one, name, fn, binary, scale, keep) for name, fn, _ in order]
        for fut in concurrent.futures.as_completed(futures):
            name, err, secs = fut.result()
            with lock:
                if err is None:
                    passed += 1
                    line = "ok   " + name
                else:
                    failed += 1
                    first, _, rest = err.partition("\n")
                    line = "FAIL %s: %s" % (name, first)
                    if rest:
                        line += "\n" + "\n".join("    | " + s for s in rest.splitlines())
                if verbose:
                    line += "  (%.2fs)" % secs if err is None else "\n    (%.2fs)" % secs
                print(line, flush=True)
    if verbose:
        print("(%d tests in %.1fs)" % (passed + failed, time.monotonic() - start))
    print("%s: %d passed, %d failed" % (label, passed, failed), flush=True)
    return 0 if failed == 0 and passed > 0 else 1


def sanitizer_build(binary):
    try:
        with open(binary, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"__asan_init" in data or b"__ubsan_handle" in data


def main(argv):
    selftest = "--server-selftest" in argv
    args = [a for a in argv if not a.startswith("--")]
    pattern = args[0] if args else os.environ.get("LK_TEST_FILTER", "")

    if selftest:
        tests = [(n, fn, False) for n, fn in SELFTESTS]
        binary = "/nonexistent"
        label = "server-selftest"
    else:
        tests = discover()
        binary = os.environ.get("LINKKEEPER") or os.path.join(REPO, "linkkeeper")
        binary = os.path.abspath(binary)
        label = "integration"
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            print("FAIL setup: no executable linkkeeper at %s (set LINKKEEPER)" % binary)
            print("%s: 0 passed, 1 failed" % label)
            return 1
    tests = [x for x in tests if pattern in x[0]]
    if not tests:
        print("no test matches %r" % pattern, file=sys.stderr)
    scale = float(os.environ.get("LK_TEST_TIMEOUT_SCALE") or
                  (4 if not selftest and sanitizer_build(binary) else 1))
    return run_all(tests, binary, scale, label)


# --------------------------------------------------------------------------
# Server self-tests (run.py --server-selftest): every scenario, with urllib
# and http.client, no linkkeeper needed.


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


_RAW = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def fetch(url, method="GET", headers=None, timeout=15):
    """(status, headers, body) without following redirects; never raises on HTTP errors."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _RAW.open(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, e.headers, body


def _st_simple_statuses(t):
    s = t.server()
    want = {"/ok": 200, "/missing": 404, "/gone": 410, "/error": 500, "/forbidden": 403,
            "/auth": 401, "/always-429": 429, "/nope": 404}
    for path, status in want.items():
        for method in ("HEAD", "GET"):
            got = fetch(s.url(path), method)[0]
            t.eq(got, status, "%s %s" % (method, path))
    t.eq(fetch(s.url("/always-429"))[1]["Retry-After"], "1", "Retry-After of /always-429")
    t.true("Basic" in fetch(s.url("/auth"))[1].get("WWW-Authenticate", ""), "401 challenge")


def _st_redirects(t):
    s = t.server()
    st, h, _ = fetch(s.url("/redirect"))
    t.eq((st, h["Location"]), (301, s.url("/ok")), "/redirect")
    st, h, _ = fetch(s.url("/redirect-404"))
    t.eq((st, h["Location"]), (302, s.url("/missing")), "/redirect-404")
    t.eq(fetch(s.url("/loop-a"))[1]["Location"], s.url("/loop-b"), "/loop-a")
    t.eq(fetch(s.url("/loop-b"))[1]["Location"], s.url("/loop-a"), "/loop-b")
    t.eq(fetch(s.url("/redirect-ftp"))[1]["Location"], "ftp://127.0.0.1:1/file", "ftp")
    hops, url = 0, s.url("/chain/4?x=1")
    while True:
        st, h, _ = fetch(url)
        if st != 302:
            break
        hops += 1
        url = s.base + h["Location"]
        t.true(hops <= 4, "chain too long")
    t.eq((hops, st, url), (4, 200, s.url("/chain/0?x=1")), "chain of 4")
    # urllib following them for real
    with NO_PROXY.open(s.url("/redirect"), timeout=10) as r:
        t.eq((r.status, r.geturl()), (200, s.url("/ok")), "followed /redirect")


def _st_head_405(t):
    s = t.server()
    t.eq(fetch(s.url("/head-405"), "HEAD")[0], 405, "HEAD /head-405")
    t.eq(fetch(s.url("/head-405"), "GET")[0], 200, "GET /head-405")
    t.eq([e["method"] for e in s.requests("/head-405")], ["HEAD", "GET"], "logged methods")


def _st_first_request_fails(t):
    s = t.server()
    for path, first in (("/rate-limited", 429), ("/flaky-503", 503)):
        for ident in ("a", "b"):
            st, h, _ = fetch(s.url("%s?id=%s" % (path, ident)))
            t.eq(st, first, "first %s id=%s" % (path, ident))
            if first == 429:
                t.eq(h["Retry-After"], "1", "Retry-After")
            t.eq(fetch(s.url("%s?id=%s" % (path, ident)))[0], 200, "second " + path)
    t.eq(s.count("a"), 4, "requests with id=a")
    fetch(s.url("/__reset"))
    t.eq(fetch(s.url("/rate-limited?id=a"))[0], 429, "after /__reset")


def _st_slow_and_concurrency(t):
    s = t.server()
    start = time.monotonic()
    t.eq(fetch(s.url("/slow?ms=300"))[0], 200, "/slow")
    t.true(time.monotonic() - start >= 0.29, "/slow answered too early")
    threads = [threading.Thread(target=fetch, args=(s.url("/slow?ms=300&i=%d" % i),))
               for i in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    t.eq(s.max_inflight, 3, "max_inflight after 3 parallel /slow")


def _st_bodies(t):
    s = t.server()
    st, h, body = fetch(s.url("/gzip"))
    t.eq((st, h["Content-Encoding"]), (200, "gzip"), "/gzip")
    t.eq(gzip.decompress(body), server.GZIP_PLAIN, "gzip body")
    st, h, body = fetch(s.url("/chunked"))
    t.eq((st, h["Transfer-Encoding"]), (200, "chunked"), "/chunked")
    t.eq(body, b"".join(server.CHUNKS), "chunked body")
    st, h, body = fetch(s.url("/pdf"))
    t.eq((st, h["Content-Type"]), (200, "application/pdf"), "/pdf")
    t.true(body.startswith(b"%PDF-"), "pdf magic")
    st, h, body = fetch(s.url("/pdf"), "HEAD")
    t.eq((st, body, h["Content-Length"]), (200, b"", str(len(server.PDF_BYTES))), "HEAD /pdf")


def _st_keep_alive(t):
    s = t.server()
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    try:
        for path in ("/ok", "/missing", "/chunked", "/gzip", "/redirect", "/head-405"):
            for method in ("HEAD", "GET"):
                c.request(method, path)
                r = c.getresponse()
                r.read()
                t.true(not r.will_close, "%s %s closed the connection" % (method, path))
    finally:
        c.close()
    ports = {e["client_port"] for e in s.requests()}
    t.eq(len(ports), 1, "client ports of 12 keep-alive requests")


def _st_drop(t):
    s = t.server()
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    try:
        c.request("GET", "/drop")
        c.getresponse()
        raise Failure("/drop answered")
    except (http.client.RemoteDisconnected, ConnectionError):
        pass
    finally:
        c.close()


def _st_state_and_count(t):
    s = t.server()
    t.eq(fetch(s.url("/state/x"))[0], 200, "default state")
    st, _, _ = fetch(s.url("/__set/x?status=404"), "POST")
    t.eq(st, 200, "POST /__set")
    t.eq(fetch(s.url("/state/x"))[0], 404, "after set 404")
    s.set_status("x", 410)
    t.eq(fetch(s.url("/state/x"), "HEAD")[0], 410, "after set_status 410")
    st, _, body = fetch(s.url("/count/state/x"))
    t.eq(json.loads(body), {"count": 3, "HEAD": 1, "GET": 2}, "/count/state/x")
    t.eq(s.count("state/x"), 3, "count() of state/x")
    t.eq(s.count("ok"), 0, "count of an untouched path")


def _st_headers_logged(t):
    s = t.server()
    fetch(s.url("/ok?id=h"), headers={"User-Agent": "lk-test/9", "X-Test": "1",
                                       "Authorization": "Bearer abc"})
    e = s.requests(ident="h")[0]
    t.eq((e["headers"]["user-agent"], e["headers"]["x-test"], e["headers"]["authorization"]),
         ("lk-test/9", "1", "Bearer abc"), "logged headers")
    t.eq(e["target"], "/ok?id=h", "logged target")


def _st_refused_port(t):
    url = t.refused_url()
    try:
        fetch(url, timeout=5)
        raise Failure("something answered on " + url)
    except urllib.error.URLError as e:
        t.true(isinstance(e.reason, ConnectionRefusedError), "expected refused, got %r" % e.reason)


def _st_process_mode(t):
    s = t.server_process(max_seconds=30)
    t.eq(fetch(s.url("/ok"))[0], 200, "process /ok")
    fetch(s.url("/missing?id=p"))
    t.eq(s.count("p"), 1, "process /count")
    t.eq(s.stats()["requests"], 2, "process /__stats requests")
    t.eq(len(s.control("/__log")), 2, "process /__log entries")
    pid = s.proc.pid
    s.stop()
    t.true(s.proc.returncode is not None, "server process %d still running" % pid)


def _st_tls(t):
    s = t.server(tls=True)
    t.true(s.base.startswith("https://"), "base " + s.base)
    trusting = ssl.create_default_context(cadata=server.TEST_CERT_PEM)
    c = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=10, context=trusting)
    try:
        c.request("GET", "/redirect")
        r = c.getresponse()
        r.read()
        t.eq((r.status, r.getheader("Location")), (301, s.url("/ok")), "https /redirect")
    finally:
        c.close()
    c = http.client.HTTPSConnection("127.0.0.1", s.port, timeout=10,
                                    context=ssl.create_default_context())
    try:
        c.request("GET", "/ok")
        raise Failure("the self-signed certificate was trusted by default")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        c.close()


SELFTESTS = [
    ("selftest_tls", _st_tls),
    ("selftest_simple_statuses", _st_simple_statuses),
    ("selftest_redirects", _st_redirects),
    ("selftest_head_405", _st_head_405),
    ("selftest_first_request_fails", _st_first_request_fails),
    ("selftest_slow_and_concurrency", _st_slow_and_concurrency),
    ("selftest_bodies", _st_bodies),
    ("selftest_keep_alive", _st_keep_alive),
    ("selftest_drop", _st_drop),
    ("selftest_state_and_count", _st_state_and_count),
    ("selftest_headers_logged", _st_headers_logged),
    ("selftest_refused_port", _st_refused_port),
    ("selftest_process_mode", _st_process_mode),
]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
