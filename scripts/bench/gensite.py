#!/usr/bin/env python3
"""Generates the benchmark's URL lists and the static pages nginx serves.

    gensite.py mix   --n N --port P --refused-port R --out PREFIX [--no-curl]
    gensite.py pages --n N --port P --out PREFIX --site DIR [--size BYTES]

`mix` writes a list of N distinct URLs spread round-robin over the eight
loopback addresses 127.0.0.2-9, with a fixed mix of outcomes that the nginx
config in nginx.conf.in produces:

    85 %  /p/ID        200                       ok
     5 %  /missing/ID  404                       broken
     3 %  /err/ID      500                       broken
     4 %  /r/ID        301 -> /p/ID              ok
     2 %  /r404/ID     301 -> /missing/ID        broken
     1 %  port R       nothing listens there     broken (connection refused)

The mix is exact for every block of 100 consecutive URLs (a seeded shuffle
decides the order inside a block), so any N that is a multiple of 100 has
exactly these shares and the expected broken set is known in advance.

`pages` writes N distinct HTML files of exactly --size bytes (default
20480) under DIR/page/, made of seeded pseudo-text so they compress about
like real prose, and a URL list of them (all expected ok).

Outputs, next to PREFIX:
    PREFIX.urls       one URL per line (what linkkeeper reads)
    PREFIX.expected   the URLs that must be reported broken, sorted
    PREFIX.curl       a curl config: `url = ...` / `output = "/dev/null"` pairs

Everything is deterministic: the same arguments give byte-identical files.
"""

import argparse
import os
import random
import sys

HOSTS = [f"127.0.0.{i}" for i in range(2, 10)]

# (kind, share in every block of 100, broken?)
MIX = [
    ("p", 85, False),
    ("missing", 5, True),
    ("err", 3, True),
    ("r", 4, False),
    ("r404", 2, True),
    ("refused", 1, True),
]
BLOCK = sum(share for _, share, _ in MIX)
assert BLOCK == 100

WORDS = (
    "link archive page history status server client request response header "
    "network loopback benchmark document paragraph reference citation record "
    "capture replay index digest content payload timestamp redirect target "
    "broken healthy check report queue host scheduler connection keep alive "
    "the of and to in is that for it as was with be by on not this are at "
    "from or have an they which one you were her all she there would their "
    "we him been has when who will more no if out so said what up its about "
    "into than them can only other new some could time these two may then do "
    "first any my now such like our over man me even most made after also"
).split()


def block_pattern(seed):
    """The kinds of one block of 100 URLs, in a seeded order."""
    kinds = []
    for kind, share, _ in MIX:
        kinds += [kind] * share
    random.Random(seed).shuffle(kinds)
    return kinds


def write_lists(prefix, urls_and_broken, curl):
    """Writes PREFIX.urls/.expected/.curl from an iterable of (url, broken)."""
    expected = []
    with open(prefix + ".urls", "w", encoding="ascii") as fu:
        fc = open(prefix + ".curl", "w", encoding="ascii") if curl else None
        try:
            for url, broken in urls_and_broken:
                fu.write(url + "\n")
                if fc:
                    fc.write(f'url = "{url}"\noutput = "/dev/null"\n')
                if broken:
                    expected.append(url)
        finally:
            if fc:
                fc.close()
    expected.sort()
    with open(prefix + ".expected", "w", encoding="ascii") as fe:
        for url in expected:
            fe.write(url + "\n")
    return len(expected)


def gen_mix(n, port, refused_port, seed):
    broken_kinds = {kind for kind, _, broken in MIX if broken}
    pattern = block_pattern(seed)
    for i in range(n):
        kind = pattern[i % BLOCK]
        host = HOSTS[i % len(HOSTS)]
        if kind == "refused":
            url = f"http://{host}:{refused_port}/p/{i}"
        else:
            url = f"http://{host}:{port}/{kind}/{i}"
        yield url, kind in broken_kinds


def page_text(rng, size, title):
    """HTML of exactly size bytes: pseudo-prose paragraphs, no subresources."""
    head = (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n"
    )
    tail = "</body></html>\n"
    parts = [head]
    used = len(head) + len(tail)
    while True:
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
        para = "<p>" + " ".join(words).capitalize() + ".</p>\n"
        if used + len(para) > size:
            break
        parts.append(para)
        used += len(para)
    pad = size - used
    if pad >= 8:
        parts.append("<!--" + "x" * (pad - 8) + "-->\n")
        pad = 0
    parts.append(" " * pad + tail)
    text = "".join(parts)
    assert len(text.encode("ascii")) == size, (len(text), size)
    return text


def gen_pages(n, port, site, size, seed):
    pagedir = os.path.join(site, "page")
    os.makedirs(pagedir, exist_ok=True)
    for i in range(n):
        name = f"{i:06d}.html"
        rng = random.Random(seed * 1_000_003 + i)
        with open(os.path.join(pagedir, name), "w", encoding="ascii") as f:
            f.write(page_text(rng, size, f"Benchmark page {i}"))
        host = HOSTS[i % len(HOSTS)]
        yield f"http://{host}:{port}/page/{name}", False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=["mix", "pages"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--refused-port", type=int)
    ap.add_argument("--out", required=True, help="output path prefix")
    ap.add_argument("--site", help="document root for `pages`")
    ap.add_argument("--size", type=int, default=20480)
    ap.add_argument("--seed", type=int, default=20240)
    ap.add_argument("--no-curl", action="store_true", help="skip the curl config")
    a = ap.parse_args()

    if a.n <= 0:
        ap.error("--n must be positive")
    if a.kind == "mix":
        if a.refused_port is None:
            ap.error("mix needs --refused-port")
        rows = gen_mix(a.n, a.port, a.refused_port, a.seed)
    else:
        if not a.site:
            ap.error("pages needs --site")
        rows = gen_pages(a.n, a.port, a.site, a.size, a.seed)
    nbroken = write_lists(a.out, rows, not a.no_curl)
    print(f"{a.n} urls, {nbroken} expected broken -> {a.out}.urls", file=sys.stderr)


if __name__ == "__main__":
    main()
