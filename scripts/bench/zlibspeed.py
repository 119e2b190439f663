#!/usr/bin/env python3
"""How fast zlib alone can gzip the benchmark's pages: the ceiling of (d).

    zlibspeed.py DIR NCPU

Compresses every file in DIR (the 20 KB pages of scenario (d)) on one
thread, one gzip member per page as the WARC writer does (deflateInit2 with
windowBits 15+16, memLevel 8), at the writer's default level 6 and at level
1, and prints one line for bench/RESULTS.md: MB/s and pages/s per core, and
the pages/s that NCPU cores could reach doing nothing but compression.
Python's zlib module calls the same system libz as linkkeeper.
"""

import os
import sys
import time
import zlib

MAX_PAGES = 2000  # enough for a stable figure, bounded in time


def rate(pages, level):
    raw = sum(len(p) for p in pages)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        for p in pages:
            z = zlib.compressobj(level, zlib.DEFLATED, 31, 8)
            z.compress(p)
            z.flush()
        dt = time.perf_counter() - t
        best = dt if best is None or dt < best else best
    return raw / best / 1e6, len(pages) / best


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    folder, ncpu = sys.argv[1], int(sys.argv[2])
    names = sorted(os.listdir(folder))[:MAX_PAGES]
    pages = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            pages.append(f.read())
    if not pages:
        sys.exit("zlibspeed.py: no pages in " + folder)
    parts = []
    for level in (6, 1):
        mbs, pps = rate(pages, level)
        parts.append(f"level {level}: {mbs:.0f} MB/s, {pps:,.0f} pages/s per core, "
                     f"at most {ncpu * pps:,.0f} pages/s on {ncpu} cores")
    print(f"(d) zlib {zlib.ZLIB_RUNTIME_VERSION} alone, one gzip member per page "
          f"({len(pages):,} pages): " + "; ".join(parts) +
          ", before any fetching, hashing or writing.")


if __name__ == "__main__":
    main()
