#!/usr/bin/env python3
"""Compares what a tool reported broken with the generator's expected set.

    verify.py lk   OUT.json  PREFIX.expected PREFIX.urls
    verify.py curl OUT.txt   PREFIX.expected PREFIX.urls

`lk` reads linkkeeper's `--format json` output: {"results": [{"url": ...,
"status": "ok" | "broken" | ..., "reason": ...}, ...]}. `curl` reads the
lines written by `curl -w '%{http_code} %{url}\\n'`; after -L a link is
broken unless its final code is 2xx (000 = no response).

Prints one line on stdout:
    checked=N broken=B fp=X fn=Y missing=M other=O
  checked  distinct input URLs that have a result
  broken   distinct URLs the tool reported broken
  fp       reported broken but expected ok (false positives)
  fn       expected broken but not reported broken, missing ones included
  missing  input URLs with no result at all
  other    results that are neither ok nor broken (excluded, cached, ...)
and on stderr a breakdown of the broken reasons and up to 10 examples of
each kind of mismatch. Exit status 0 when fp = fn = missing = 0, else 1;
an unreadable file is exit 2.
"""

import collections
import json
import sys

MAX_EXAMPLES = 10


def read_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def lk_results(path):
    """{url: (status, reason)} from linkkeeper's JSON report."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    rows = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise ValueError("no \"results\" array")
    out = {}
    for r in rows:
        url = r.get("url")
        if url is None:
            continue
        reason = r.get("reason") or ""
        if r.get("http_status"):
            reason = f"{reason}:{r['http_status']}" if reason else str(r["http_status"])
        out[url] = (r.get("status", "?"), reason)
    return out


def curl_results(path):
    """{url: (status, reason)} from `-w '%{http_code} %{url}\\n'` lines."""
    out = {}
    for line in read_lines(path):
        code, _, url = line.partition(" ")
        if not url:
            continue
        status = "ok" if code.isdigit() and 200 <= int(code) <= 299 else "broken"
        out[url] = (status, "http:" + code)
    return out


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("lk", "curl"):
        sys.exit(__doc__)
    kind, result_path, expected_path, urls_path = sys.argv[1:]
    try:
        res = lk_results(result_path) if kind == "lk" else curl_results(result_path)
        expected = set(read_lines(expected_path))
        urls = set(read_lines(urls_path))
    except (OSError, ValueError) as e:
        print(f"verify.py: {result_path}: {e}", file=sys.stderr)
        print("checked=0 broken=0 fp=NA fn=NA missing=NA other=0")
        sys.exit(2)

    broken = {u for u, (s, _) in res.items() if s == "broken"}
    other = sum(1 for u, (s, _) in res.items() if s not in ("ok", "broken") and u in urls)
    checked = len(urls & res.keys())
    missing = urls - res.keys()
    fp = (broken & urls) - expected
    fn = expected - broken

    reasons = collections.Counter(res[u][1] for u in broken)
    print("broken by reason: " + ", ".join(f"{k or '?'}={v}" for k, v in reasons.most_common()),
          file=sys.stderr)
    for name, items in (("false positive", fp), ("miss", fn - missing), ("missing", missing)):
        for u in sorted(items)[:MAX_EXAMPLES]:
            print(f"  {name}: {u} {res.get(u, ('-', ''))}", file=sys.stderr)
    foreign = len(res.keys() - urls)
    if foreign:
        print(f"  {foreign} result URLs are not in the input list (normalised?)",
              file=sys.stderr)

    print(f"checked={checked} broken={len(broken & urls)} fp={len(fp)} fn={len(fn)} "
          f"missing={len(missing)} other={other}")
    sys.exit(0 if not fp and not fn and not missing else 1)


if __name__ == "__main__":
    main()
