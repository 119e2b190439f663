#!/usr/bin/env python3
"""Stand-in for the hosts of examples/digest.txt, on 127.0.0.1 only.

`make run` checks the example digest; machines without internet (and the
project's CI) cannot reach its hosts, so `linkkeeper check --connect-to`
sends every request here instead, and this server plays a plausible day in
the life of those links, chosen by the Host header:

  www.banquedesterritoires.fr   200
  www.marsouin.org              301 to a new address, then 200
  amenagementparticipatif.fr    200
  www.adcf.org                  404 (the PDF was removed)
  www.echirolles.fr             HEAD 405, GET 200 (a PDF)
  www.lagazettedescommunes.com  503 once, then 200 (retried)
  www.lemonde.fr                403 to HEAD and GET (a bot wall)

    demo-server.py --port-file F [--max-seconds 120]

Speaks https with the self-signed test certificate of the integration tests
(so the check runs with --insecure). Stops by itself after --max-seconds.
"""
import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "tests", "integration"))
import server as testserver  # noqa: E402  (its TLS context for the test certificate)

PAGE = b"<!doctype html><title>%s</title><p>Stand-in page for %s.</p>\n"
PDF = b"%PDF-1.4\n% stand-in\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    served = set()
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", ctype="text/html; charset=utf-8", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def answer(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        page = PAGE % (host.encode(), self.path.encode())
        if host == "www.marsouin.org" and self.path == "/article1375.html":
            return self.send(301, extra=[("Location", "/article1375-nouvelle-adresse.html")])
        if host == "www.adcf.org":
            return self.send(404, b"not found\n", "text/plain")
        if host == "www.echirolles.fr":
            if self.command == "HEAD":
                return self.send(405, extra=[("Allow", "GET")])
            return self.send(200, PDF, "application/pdf")
        if host == "www.lagazettedescommunes.com":
            with self.lock:
                first = host not in self.served
                self.served.add(host)
            if first:
                return self.send(503, b"busy\n", "text/plain", [("Retry-After", "1")])
        if host == "www.lemonde.fr":
            return self.send(403, b"forbidden\n", "text/plain")
        return self.send(200, page)

    do_GET = answer
    do_HEAD = answer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    args = ap.parse_args()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    # the handshake happens in the handler thread: one stalled client does
    # not hold up the accept loop
    httpd.socket = testserver.tls_context().wrap_socket(httpd.socket, server_side=True,
                                                        do_handshake_on_connect=False)
    threading.Timer(args.max_seconds, httpd.shutdown).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(httpd.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    httpd.serve_forever()
    os._exit(0)


if __name__ == "__main__":
    main()
