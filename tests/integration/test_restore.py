"""`linkkeeper restore`, `cdx` and `export --wacz` on what `linkkeeper archive`
captured from the loopback server.

Each test archives with the server up, STOPS the server, and then asks for
the pages back: whatever restore prints must come from the archive alone,
byte for byte what the server sent (after de-chunking and content decoding).
The indexes are checked against warcio.js (`warcio cdx-index | LC_ALL=C
sort`), the WACZ with Python's zipfile and zlib, independent of our code.
"""

import hashlib
import json
import os
import subprocess
import zipfile
import zlib

import server  # tests/integration/server.py (run.py puts its folder on sys.path)
from warctools import WARCIO_CLI, adir, need_warcio, warc_files

SLOW = ("test_restore_returns_the_bytes_the_server_sent",
        "test_restore_dead_builds_a_folder_of_dead_pages")


# --------------------------------------------------------------------------
# helpers


def archive(t, inputs):
    """`linkkeeper archive` into T/warc and T/h.db; broken links are fine."""
    r = t.run("archive", "--no-progress", "--format", "json", "--db", t.db,
              "--archive-dir", adir(t), inputs, timeout=60)
    t.true(r.rc in (0, 1), "archive failed\n" + r.describe())
    return r


def restore(t, *args, rc=0):
    r = t.run("restore", "--db", t.db, "--archive-dir", adir(t), *args)
    t.exit_code(r, rc)
    return r


def warcio_cdx_sorted(t, files):
    """`warcio cdx-index FILES | LC_ALL=C sort`, as bytes."""
    need_warcio(t)
    p = subprocess.run("node %s cdx-index %s | LC_ALL=C sort" % (
        WARCIO_CLI, " ".join("'%s'" % f for f in files)), shell=True, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=120 * t.scale)
    t.eq(p.returncode, 0, "warcio cdx-index exit status (%s)" % p.stderr.decode()[:300])
    return p.stdout


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def inside(t, root, path):
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    t.true(os.path.dirname(real) == real_root, "%s is not directly inside %s" % (real, root))


# --------------------------------------------------------------------------
# restore URL


def test_restore_returns_the_bytes_the_server_sent(t):
    s = t.server()
    want = {
        "/ok": b"ok\n",
        "/gzip": server.GZIP_PLAIN,
        "/chunked": b"".join(server.CHUNKS),
        "/pdf": server.PDF_BYTES,
        "/redirect": b"ok\n",       # 301 -> /ok, followed in the archive
        "/chain/3": b"end of chain\n",
    }
    links = t.links_file([s.url(p) for p in want])
    archive(t, links)
    # A second visit: unchanged pages are stored as revisits now.
    archive(t, links)
    s.stop()
    kinds = {row["url"]: set() for row in t.db_query("SELECT url FROM captures")}
    for row in t.db_query("SELECT url, record_type FROM captures"):
        kinds[row["url"]].add(row["record_type"])
    t.true("revisit" in kinds.get(s.url("/gzip"), ()), "no revisit of /gzip: %s" % kinds)

    for path, body in want.items():
        r = restore(t, s.url(path))
        t.eq(r.out_bytes, body, "restore %s" % path)
        t.eq(r.err, "", "stderr of restore %s" % path)

    # -o FILE, --headers, --no-follow, a URL written differently.
    out = t.path("doc.pdf")
    restore(t, s.url("/pdf"), "-o", out)
    with open(out, "rb") as f:
        t.eq(f.read(), server.PDF_BYTES, "restore -o FILE")
    r = restore(t, "--headers", s.url("/gzip"))
    head, sep, body = r.out_bytes.partition(b"\r\n\r\n")
    t.true(head.startswith(b"HTTP/1.1 200 ") and b"Content-Encoding: gzip" in head,
           "--headers head: %r" % head[:300])
    t.eq(body, server.GZIP_PLAIN, "--headers body")
    r = restore(t, "--no-follow", "--headers", s.url("/redirect"))
    t.true(r.out_bytes.startswith(b"HTTP/1.1 301 ") and r.out_bytes.endswith(b"\r\n\r\nmoved\n"),
           "--no-follow: %r" % r.out_bytes[:300])
    r = restore(t, "HTTP://127.0.0.1:%d/chunked#part" % s.port)
    t.eq(r.out_bytes, b"".join(server.CHUNKS), "restore of an unnormalised URL")

    # --at with the 14-digit timestamp of the first capture (as cdx prints it).
    first = t.db_query("SELECT ts14 FROM captures WHERE url = ? ORDER BY captured_at",
                       (s.url("/ok"),))[0]["ts14"]
    t.eq(restore(t, "--at", first, s.url("/ok")).out_bytes, b"ok\n", "--at " + first)
    r = restore(t, "--at", "2000-01-01", s.url("/ok"), rc=1)
    t.true("no capture of" in r.err, "--at before every capture: " + r.err)


def test_restore_of_url_never_captured_exits_1(t):
    s = t.server()
    archive(t, t.links_file([s.url("/ok")]))
    s.stop()
    r = restore(t, "http://127.0.0.1:1/never", rc=1)
    t.eq(r.err, "linkkeeper: no capture of http://127.0.0.1:1/never\n", "stderr")
    t.eq(r.out, "", "stdout")
    # Errors are 2: no database; WARC files gone.
    r = t.run("restore", "--db", t.path("none.db"), "--archive-dir", adir(t), s.url("/ok"))
    t.one_error_line(r)
    for f in warc_files(t):
        os.unlink(f)
    r = restore(t, s.url("/ok"), rc=2)
    t.one_error_line(r)
    r = t.run("restore", "--db", t.db)
    t.one_error_line(r)


# --------------------------------------------------------------------------
# restore --dead


def test_restore_dead_builds_a_folder_of_dead_pages(t):
    s = t.server()
    names = ["a", "b", "c", "%2e%2e%2f%2e%2e%2fescape", "x/..%2F..%2Fetc%2Fpasswd"]
    doc = "".join("Page %d <b>&%s http://127.0.0.1:%d/state/%s\n" % (i, "'", s.port, n)
                  for i, n in enumerate(names))
    links = t.write("links.txt", doc)
    archive(t, links)
    for n in ("a", "b", names[3], names[4]):
        s.set_status(n, 404 if n != "b" else 410)
    archive(t, links)
    s.stop()

    out = t.path("dead")
    os.makedirs(out)
    # A symlink planted where index.html goes must not be followed.
    victim = t.write("victim.txt", "untouched\n")
    os.symlink(victim, os.path.join(out, "index.html"))
    r = t.run("restore", "--dead", "-d", out, "--db", t.db, "--archive-dir", adir(t))
    t.exit_code(r, 0)
    t.true("4 of 4 dead links restored" in r.err, "summary: " + r.err)
    with open(victim) as f:
        t.eq(f.read(), "untouched\n", "file behind the planted symlink")

    files = os.listdir(out)
    t.eq(len(files), 5, "files in the folder: %s" % files)
    for f in files:
        p = os.path.join(out, f)
        t.true(os.path.isfile(p) and not os.path.islink(p), "%s is not a regular file" % f)
        inside(t, out, p)
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        html = f.read()
    t.true("<b>" not in html and "Page 0 &lt;b&gt;&amp;&#39;" in html,
           "titles are not escaped: " + html[:2000])
    t.true("/state/c" not in html, "a live link is listed")
    import re
    hrefs = re.findall(r'href="([^"]+)"', html)
    t.eq(len(hrefs), 4, "links in index.html")
    for h in hrefs:
        t.true("/" not in h and not h.startswith("."), "href %r is not a plain name" % h)
        with open(os.path.join(out, h), "rb") as f:
            body = f.read()
        t.true(body.startswith(b"state ") and body.endswith(b" is 200\n"),
               "%s holds %r, not the last good page" % (h, body[:100]))


# --------------------------------------------------------------------------
# cdx


def test_restore_cdx_equals_warcio_cdx_index_sorted(t):
    s = t.server()
    links = t.links_file([s.url(p) for p in ("/ok", "/gzip", "/chunked", "/pdf", "/redirect",
                                             "/missing", "/chain/2")])
    archive(t, links)
    archive(t, links)
    s.stop()
    files = warc_files(t)
    t.true(len(files) >= 2, "WARC files: %s" % files)
    theirs = warcio_cdx_sorted(t, files)
    r = t.run("cdx", "--archive-dir", adir(t))
    t.exit_code(r, 0)
    t.true(theirs.count(b"\n") >= 14, "warcio lines: %r" % theirs[:300])
    t.eq(r.out_bytes, theirs, "linkkeeper cdx vs warcio cdx-index | LC_ALL=C sort")
    r = t.run("cdx", files[0])
    t.eq(r.out_bytes, warcio_cdx_sorted(t, files[:1]), "cdx FILE")
    t.one_error_line(t.run("cdx", "--archive-dir", t.path("nowhere")))


# --------------------------------------------------------------------------
# export --wacz


def read_wacz(t, path):
    """{name: bytes} of a WACZ, after checking every member is STORED and
    that datapackage.json and its digest describe the members."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        for i in infos:
            t.eq(i.compress_type, zipfile.ZIP_STORED, "compression of " + i.filename)
        members = {i.filename: z.read(i) for i in infos}
        offsets = {}
        with open(path, "rb") as f:
            for i in infos:
                f.seek(i.header_offset)
                local = f.read(30)
                n, m = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
                offsets[i.filename] = i.header_offset + 30 + n + m
    dp = json.loads(members["datapackage.json"])
    t.eq((dp["profile"], dp["wacz_version"]), ("data-package", "1.1.1"), "datapackage profile")
    t.true(dp.get("created") and dp.get("software", "").startswith("linkkeeper"),
           "created/software: %s" % dp)
    listed = {res["path"]: res for res in dp["resources"]}
    t.eq(sorted(listed), sorted(n for n in members if not n.startswith("datapackage")),
         "resources of datapackage.json")
    for p, res in listed.items():
        t.eq(res["hash"], sha256(members[p]), "hash of " + p)
        t.eq(res["bytes"], len(members[p]), "bytes of " + p)
    digest = json.loads(members["datapackage-digest.json"])
    t.eq(digest, {"path": "datapackage.json", "hash": sha256(members["datapackage.json"])},
         "datapackage-digest.json")
    return members, offsets


def check_index(t, path, members, offsets):
    """Every CDXJ line points at a gzip member of the .wacz holding a WARC
    record of its URL: what a replay tool's range request gets."""
    lines = members["indexes/index.cdxj"].decode().splitlines()
    t.true(lines, "empty index")
    t.eq(lines, sorted(lines), "index order")
    with open(path, "rb") as f:
        for line in lines:
            key, ts, js = line.split(" ", 2)
            e = json.loads(js)
            f.seek(offsets["archive/" + e["filename"]] + int(e["offset"]))
            raw = f.read(int(e["length"]))
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            rec = d.decompress(raw)
            t.true(d.eof and not d.unused_data, "%s: not exactly one gzip member" % line)
            head = rec.split(b"\r\n\r\n", 1)[0].decode()
            t.true(head.startswith("WARC/1.1\r\n"), "%s: no WARC record" % line)
            t.true("\r\nWARC-Target-URI: %s\r\n" % e["url"] in head,
                   "%s: record is for another URL:\n%s" % (line, head))
    return lines


def pages_of(t, members):
    lines = members["pages/pages.jsonl"].decode().splitlines()
    t.eq(lines[0], '{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}',
         "pages.jsonl header")
    pages = [json.loads(x) for x in lines[1:]]
    for p in pages:
        t.true(p["ts"].endswith("Z") and "T" in p["ts"] and p["id"], "page line %s" % p)
    return {p["url"]: p for p in pages}


def test_restore_export_wacz_is_a_valid_package(t):
    s = t.server()
    doc = t.write("doc.md", "# Doc\n\n[The PDF](%s) and [moved](%s).\n" % (
        s.url("/pdf"), s.url("/redirect")))
    other = t.links_file([s.url("/gzip"), s.url("/missing"), s.url("/chunked")], "other.txt")
    archive(t, doc)
    archive(t, other)
    archive(t, doc)
    s.stop()

    # The whole archive.
    whole = t.path("all.wacz")
    r = t.run("export", "--wacz", whole, "--db", t.db, "--archive-dir", adir(t))
    t.exit_code(r, 0)
    members, offsets = read_wacz(t, whole)
    t.eq(sorted(n for n in members if n.startswith("archive/")),
         sorted("archive/" + os.path.basename(f) for f in warc_files(t)), "archive/ members")
    t.eq(members["indexes/index.cdxj"], warcio_cdx_sorted(t, warc_files(t)),
         "index.cdxj of the whole archive vs warcio")
    check_index(t, whole, members, offsets)
    pages = pages_of(t, members)
    t.eq(sorted(pages), sorted(s.url(p) for p in ("/pdf", "/redirect", "/gzip", "/chunked")),
         "pages of the whole archive (404 left out)")
    t.eq(pages[s.url("/pdf")]["title"], "The PDF", "title from the history")

    # Only the links of doc.md.
    part = t.path("doc.wacz")
    r = t.run("export", "--wacz", part, "--db", t.db, "--archive-dir", adir(t), doc)
    t.exit_code(r, 0)
    members, offsets = read_wacz(t, part)
    t.eq(sorted(n for n in members if n.startswith("archive/")), ["archive/data.warc.gz"],
         "archive/ of a document's export")
    lines = check_index(t, part, members, offsets)
    urls = {json.loads(x.split(" ", 2)[2])["url"] for x in lines}
    t.eq(urls, {s.url("/pdf"), s.url("/redirect"), s.url("/ok")},
         "URLs in the document's package (with the redirect's target)")
    data = t.write("data.warc.gz", members["archive/data.warc.gz"])
    t.eq(members["indexes/index.cdxj"], warcio_cdx_sorted(t, [data]),
         "index.cdxj of data.warc.gz vs warcio")
    revisits = [x for x in lines if '"mime":"warc/revisit"' in x]
    t.true(revisits, "the second visit's revisits are in the package")
    t.eq(sorted(pages_of(t, members)), sorted([s.url("/pdf"), s.url("/redirect")]),
         "pages of the document's package")

    # Nothing captured: exit 1 and no file.
    nothing = t.links_file(["http://127.0.0.1:1/never"], "never.txt")
    empty = t.path("none.wacz")
    r = t.run("export", "--wacz", empty, "--db", t.db, "--archive-dir", adir(t), nothing)
    t.exit_code(r, 1)
    t.true(not os.path.exists(empty), "a package was written for no capture")
    t.one_error_line(t.run("export", "--db", t.db))
