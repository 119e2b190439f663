#!/usr/bin/env python3
"""A scripted HTTP/1.1 server on loopback for linkkeeper's integration tests.

Two ways to use it:

  as a module    srv = server.TestServer().start(); srv.url("/ok"); ...; srv.stop()
                 (runs in a thread of the calling process; the request log and
                 counters are read directly from the object)

  as a process   python3 tests/integration/server.py --port-file F [--max-seconds 300]
                 binds a free port on 127.0.0.1, writes it to F, serves until
                 killed (stop it by pid) or until --max-seconds expire; the log
                 and counters are read over HTTP (/__stats, /__log, /count/NAME)

Scenarios (any method GET/HEAD unless stated; the query string is ignored
unless stated):

  /ok                 200
  /redirect           301 -> /ok (absolute Location)
  /redirect-404       302 -> /missing
  /redirect-ftp       302 -> ftp://127.0.0.1:1/file
  /missing            404            /gone   410         /error  500
  /forbidden          403            /auth   401 (WWW-Authenticate)
  /loop-a, /loop-b    302 to each other
  /chain/N            N hops of 302 (relative Location) down to /chain/0, then 200
  /head-405           HEAD -> 405, GET -> 200
  /gone-dir/ANY       404 (a directory of missing pages)
  /head-lies/ANY      HEAD -> 404, GET -> 200 (an app that routes only GET)
  /rate-limited?id=X  first request for X -> 429 with Retry-After: 1, then 200
  /flaky-503?id=X     first request for X -> 503, then 200
  /always-429         always 429 with Retry-After: 1
  /slow?ms=N          sleeps N ms (at most 10 s), then 200
  /stall?bytes=N&ms=M 200 announcing 2N bytes (text/html), sends the first N
                      (seeded noise), then waits M ms (at most 10 s) and
                      closes the connection: a body that never finishes
  /gzip               200, Content-Encoding: gzip
  /chunked            200, Transfer-Encoding: chunked
  /pdf                200, application/pdf
  /drop               closes the connection without answering
  /state/NAME         the status set by POST /__set/NAME?status=N (default 200)
  /page/NAME?size=N&ms=M
                      200 text/html, about N bytes (default 20000, at most
                      1 MiB) of seeded noise that gzip barely shrinks, the
                      same for the same NAME and version; waits M ms first
                      (at most 10 s); POST /__page/NAME?version=V changes it

With tls=True (--tls) it speaks https with a self-signed certificate
(TEST_CERT_PEM) that no client trusts.

Control endpoints (neither logged nor counted):

  POST /__set/NAME?status=N   sets the answer of /state/NAME
  POST /__page/NAME?version=V sets the version of /page/NAME (default 0)
  /__reset                    clears the log, counters and states
  /__stats                    JSON {"requests", "inflight", "max_inflight"}
  /__log                      JSON list of logged requests
  /count/NAME                 JSON {"count", "HEAD", "GET"}: requests whose path
                              is /NAME (any query) or whose ?id= is NAME

Every other request is logged (method, target, path, lower-cased headers,
client port, monotonic time) and counted; the server also tracks how many
requests are being answered at the same time (max_inflight).
"""

import argparse
import gzip
import json
import os
import random
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_SLEEP_MS = 10_000
MAX_CHAIN = 100
PDF_BYTES = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
GZIP_PLAIN = b"<!doctype html><title>gzip</title>" + b"<p>compressible text</p>\n" * 200
GZIP_BYTES = gzip.compress(GZIP_PLAIN, mtime=0)
# /page/NAME bodies are slices of this: seeded, printable, and about as hard
# to compress as prose, so archive sizes in the tests mean something.
_NOISE_ALPHABET = b"abcdefghijklmnopqrstuvwxyz      \n"
PAGE_NOISE = random.Random(20261125).randbytes(1 << 20).translate(
    bytes(_NOISE_ALPHABET[i % len(_NOISE_ALPHABET)] for i in range(256)))
CHUNKS = [b"<!doctype html><title>chunked</title>\n", b"<p>part two</p>\n" * 50, b"<p>end</p>\n"]

# A self-signed certificate for 127.0.0.1, ::1 and localhost (valid until
# 2126), made for these tests with `openssl req -x509 -newkey ec ...`. It is
# deliberately not trusted by anything: https checks without --insecure must
# fail with reason tls.
TEST_CERT_PEM = """\
-----BEGIN CERTIFICATE-----
MIIB+zCCAaKgAwIBAgIUYvulWeAdJeNFUuzdNqh9NPM+uXYwCgYIKoZIzj0EAwIw
OzESMBAGA1UEAwwJMTI3LjAuMC4xMSUwIwYDVQQKDBxsaW5ra2VlcGVyIGludGVn
cmF0aW9uIHRlc3RzMCAXDTI2MTEyNTIxMDMyNloYDzIxMjYxMTAxMjEwMzI2WjA7
MRIwEAYDVQQDDAkxMjcuMC4wLjExJTAjBgNVBAoMHGxpbmtrZWVwZXIgaW50ZWdy
YXRpb24gdGVzdHMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASToG62XuiTuGnp
XxZzEWvsYJuP/d1+w35LwKiKgQIHjFWltwZQUCgA3H1PXAWcM6aSuHOgKioqJLpu
swI36Tbao4GBMH8wHQYDVR0OBBYEFPa4HlqGXjfGWKXt9C4tL0Z+PpQmMB8GA1Ud
IwQYMBaAFPa4HlqGXjfGWKXt9C4tL0Z+PpQmMA8GA1UdEwEB/wQFMAMBAf8wLAYD
VR0RBCUwI4cEfwAAAYcQAAAAAAAAAAAAAAAAAAAAAYIJbG9jYWxob3N0MAoGCCqG
SM49BAMCA0cAMEQCIEKXsROYFRUVzxtSkvMLxrItiY2W5GZnGsF1bVcIGOFKAiAY
VFsXMDqFyO2bZ4DZm6/0+Vj1iv8GxUT29HWAR0YL3w==
-----END CERTIFICATE-----
"""
TEST_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6KxnX98fs3kGDpqc
DLs0aFKFWRj9yv4dCG4WcOM2FEShRANCAASToG62XuiTuGnpXxZzEWvsYJuP/d1+
w35LwKiKgQIHjFWltwZQUCgA3H1PXAWcM6aSuHOgKioqJLpuswI36Tba
-----END PRIVATE KEY-----
"""


class State:
    """Everything the server remembers; shared by all handler threads."""

    def __init__(self, log_limit=50_000):
        self.lock = threading.Lock()
        self.log_limit = log_limit
        self.reset()

    def reset(self):
        with self.lock:
            self.log = []           # dicts, oldest first, at most log_limit
            self.requests = 0       # every logged request, even past log_limit
            self.counts = {}        # key -> {"count", "HEAD", "GET", ...}
            self.per_id = {}        # (route, id) -> requests so far
            self.states = {}        # NAME -> status for /state/NAME
            self.inflight = 0
            self.max_inflight = 0

    def begin(self, entry, keys):
        with self.lock:
            self.requests += 1
            if len(self.log) < self.log_limit:
                self.log.append(entry)
            for k in keys:
                c = self.counts.setdefault(k, {"count": 0})
                c["count"] += 1
                c[entry["method"]] = c.get(entry["method"], 0) + 1
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)

    def end(self):
        with self.lock:
            self.inflight -= 1

    def bump(self, route, ident):
        """Counts a request for (route, ident); returns the new count."""
        with self.lock:
            n = self.per_id.get((route, ident), 0) + 1
            self.per_id[(route, ident)] = n
            return n

    def count(self, name):
        with self.lock:
            c = self.counts.get(name, {})
            return {"count": c.get("count", 0), "HEAD": c.get("HEAD", 0), "GET": c.get("GET", 0)}

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "inflight": self.inflight,
                    "max_inflight": self.max_inflight}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lk-test-server/1"
    sys_version = ""
    timeout = 30  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, fmt, *args):  # silence the default stderr log
        pass

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    # -- plumbing ---------------------------------------------------------

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _redirect(self, status, location):
        self._send(status, "moved\n", headers={"Location": location})

    def _json(self, obj):
        self._send(200, json.dumps(obj) + "\n", ctype="application/json")

    def _base(self):
        host, port = self.server.server_address[:2]
        if ":" in host:
            host = "[%s]" % host
        scheme = "https" if isinstance(self.request, ssl.SSLSocket) else "http"
        return "%s://%s:%d" % (scheme, host, port)

    # -- routing ----------------------------------------------------------

    def _dispatch(self):
        state = self.server.state
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query)
        self._read_body()
        if path.startswith("/__") or path.startswith("/count/"):
            return self._control(state, path, query)
        ident = query.get("id", [""])[0]
        entry = {
            "method": self.command,
            "target": self.path,
            "path": path,
            "id": ident,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "client_port": self.client_address[1],
            "t": time.monotonic(),
        }
        keys = [path.lstrip("/")]
        if ident and ident != keys[0]:
            keys.append(ident)
        state.begin(entry, keys)
        try:
            self._scenario(state, path, query, ident)
        finally:
            state.end()

    def _control(self, state, path, query):
        if path.startswith("/__set/"):
            name = path[len("/__set/"):]
            try:
                status = int(query.get("status", ["200"])[0])
            except ValueError:
                return self._send(400, "bad status\n")
            with state.lock:
                state.states[name] = status
            return self._send(200, "set %s %d\n" % (name, status))
        if path.startswith("/__page/"):
            try:
                version = int(query.get("version", ["0"])[0])
            except ValueError:
                return self._send(400, "bad version\n")
            with state.lock:
                state.states["page:" + path[len("/__page/"):]] = version
            return self._send(200, "page version %d\n" % version)
        if path == "/__reset":
            state.reset()
            return self._send(200, "reset\n")
        if path == "/__stats":
            return self._json(state.stats())
        if path == "/__log":
            with state.lock:
                log = list(state.log)
            return self._json(log)
        if path.startswith("/count/"):
            return self._json(state.count(path[len("/count/"):]))
        return self._send(404, "unknown control endpoint\n")

    def _scenario(self, state, path, query, ident):
        base = self._base()
        if path == "/ok":
            return self._send(200, "ok\n")
        if path == "/redirect":
            return self._redirect(301, base + "/ok")
        if path == "/redirect-404":
            return self._redirect(302, base + "/missing")
        if path == "/redirect-ftp":
            return self._redirect(302, "ftp://127.0.0.1:1/file")
        if path == "/missing":
            return self._send(404, "not found\n")
        if path == "/gone":
            return self._send(410, "gone\n")
        if path == "/error":
            return self._send(500, "internal error\n")
        if path == "/forbidden":
            return self._send(403, "forbidden: are you a robot?\n")
        if path == "/auth":
            return self._send(401, "login required\n",
                              headers={"WWW-Authenticate": 'Basic realm="test"'})
        if path == "/loop-a":
            return self._redirect(302, base + "/loop-b")
        if path == "/loop-b":
            return self._redirect(302, base + "/loop-a")
        if path.startswith("/chain/"):
            try:
                n = min(int(path[len("/chain/"):]), MAX_CHAIN)
            except ValueError:
                return self._send(400, "bad chain length\n")
            if n <= 0:
                return self._send(200, "end of chain\n")
            q = urlsplit(self.path).query
            return self._redirect(302, "/chain/%d%s" % (n - 1, "?" + q if q else ""))
        if path.startswith("/gone-dir/"):
            return self._send(404, "not found\n")
        if path.startswith("/head-lies/"):
            return self._send(404 if self.command == "HEAD" else 200, "page\n")
        if path == "/head-405":
            if self.command == "HEAD":
                return self._send(405, "", headers={"Allow": "GET"})
            return self._send(200, "get only\n")
        if path == "/rate-limited":
            if state.bump("rate-limited", ident) == 1:
                return self._send(429, "slow down\n", headers={"Retry-After": "1"})
            return self._send(200, "ok now\n")
        if path == "/flaky-503":
            if state.bump("flaky-503", ident) == 1:
                return self._send(503, "try again\n")
            return self._send(200, "ok now\n")
        if path == "/always-429":
            return self._send(429, "slow down\n", headers={"Retry-After": "1"})
        if path == "/slow":
            try:
                ms = int(query.get("ms", ["1000"])[0])
            except ValueError:
                ms = 1000
            time.sleep(max(0, min(ms, MAX_SLEEP_MS)) / 1000.0)
            return self._send(200, "slept %d ms\n" % ms)
        if path == "/stall":
            try:
                n = max(1, min(int(query.get("bytes", ["4000"])[0]), len(PAGE_NOISE) // 2))
                ms = int(query.get("ms", ["3000"])[0])
            except ValueError:
                return self._send(400, "bad bytes or ms\n")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(2 * n))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(PAGE_NOISE[:n])
                self.wfile.flush()
                time.sleep(max(0, min(ms, MAX_SLEEP_MS)) / 1000.0)
            self.close_connection = True
            return None
        if path == "/gzip":
            return self._send(200, GZIP_BYTES, ctype="text/html; charset=utf-8",
                              headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        if path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                for c in CHUNKS:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                self.wfile.write(b"0\r\n\r\n")
            return None
        if path == "/pdf":
            return self._send(200, PDF_BYTES, ctype="application/pdf")
        if path == "/drop":
            self.close_connection = True
            return None
        if path.startswith("/state/"):
            name = path[len("/state/"):]
            with state.lock:
                status = state.states.get(name, 200)
            return self._send(status, "state %s is %d\n" % (name, status))
        if path.startswith("/page/"):
            return self._page(state, path[len("/page/"):], query)
        return self._send(404, "no such scenario\n")

    def _page(self, state, name, query):
        try:
            size = max(0, min(int(query.get("size", ["20000"])[0]), len(PAGE_NOISE)))
            ms = max(0, min(int(query.get("ms", ["0"])[0]), MAX_SLEEP_MS))
        except ValueError:
            return self._send(400, "bad size or ms\n")
        if ms:
            time.sleep(ms / 1000.0)
        with state.lock:
            version = state.states.get("page:" + name, 0)
        head = "<!doctype html><title>%s v%d</title><pre>\n" % (name, version)
        start = zlib.crc32(head.encode()) % (len(PAGE_NOISE) - size + 1)
        body = head.encode() + PAGE_NOISE[start:start + size] + b"</pre>\n"
        return self._send(200, body, ctype="text/html; charset=utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # many parallel connects must not overflow the backlog

    def handle_error(self, request, client_address):
        # clients that reject the certificate or hang up mid-request are
        # part of the tests, not errors worth a traceback
        pass


def tls_context():
    with tempfile.TemporaryDirectory(prefix="lk-test-tls-") as d:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        with open(cert, "w") as f:
            f.write(TEST_CERT_PEM)
        with open(key, "w") as f:
            f.write(TEST_KEY_PEM)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
    return ctx


class _Server6(_Server):
    address_family = socket.AF_INET6


class TestServer:
    """The server in a thread of this process. start() binds a free port."""

    __test__ = False  # not a test case

    def __init__(self, host="127.0.0.1", log_limit=50_000, tls=False):
        self.host = host
        self.tls = tls
        self.state = State(log_limit)
        self.httpd = None
        self.thread = None
        self.port = None

    def start(self):
        cls = _Server6 if ":" in self.host else _Server
        self.httpd = cls((self.host, 0), Handler)
        self.httpd.state = self.state
        if self.tls:
            self.httpd.socket = tls_context().wrap_socket(
                self.httpd.socket, server_side=True,
                do_handshake_on_connect=False)  # handshake in the handler thread
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       name="lk-test-server-%d" % self.port, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)
            self.httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what the tests use ----------------------------------------------

    @property
    def base(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "%s://%s:%d" % ("https" if self.tls else "http", host, self.port)

    def url(self, path):
        return self.base + path

    def set_status(self, name, status):
        with self.state.lock:
            self.state.states[name] = status

    def reset(self):
        self.state.reset()

    def count(self, name):
        """Requests whose path is /NAME or whose ?id= is NAME."""
        return self.state.count(name)["count"]

    def requests(self, path=None, ident=None):
        """Logged requests, oldest first, optionally for one path or id."""
        with self.state.lock:
            log = list(self.state.log)
        return [e for e in log
                if (path is None or e["path"] == path) and (ident is None or e["id"] == ident)]

    @property
    def total_requests(self):
        return self.state.stats()["requests"]

    @property
    def max_inflight(self):
        return self.state.stats()["max_inflight"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True, help="write the bound port here")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--max-seconds", type=float, default=300.0,
                    help="exit after this long even if nobody stops the server")
    ap.add_argument("--log-limit", type=int, default=20_000)
    ap.add_argument("--tls", action="store_true", help="https with the self-signed test certificate")
    args = ap.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        ap.error("loopback only")

    srv = TestServer(args.host, args.log_limit, args.tls).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.port)
    os.replace(tmp, args.port_file)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait(args.max_seconds)
    srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
