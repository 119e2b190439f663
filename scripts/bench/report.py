#!/usr/bin/env python3
"""Turns the raw runs written by bench.sh into bench/RESULTS.md.

    report.py OUTDIR > RESULTS.md

Reads OUTDIR/runs.tsv (one row per timed run, header line first),
OUTDIR/facts.tsv (key<TAB>value: machine and setup facts, in order) and
OUTDIR/notes.txt (free-text notes, one per line). Run 0 of a tool is the
warm-up and is left out; every figure is the median over the other runs.
"""

import math
import collections
import os
import statistics
import sys

NA = "n/a"


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=2, unit=""):
    if v is None:
        return NA
    if abs(v) >= 1000:
        return f"{v:,.0f}{unit}"
    return f"{v:.{digits}f}{unit}"


def fmt_int(v):
    return NA if v is None else f"{v:,.0f}"


def parse_verify(s):
    out = {}
    for kv in (s or "").split():
        k, _, v = kv.partition("=")
        out[k] = num(v)
    return out


def load_rows(outdir):
    path = os.path.join(outdir, "runs.tsv")
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    return rows


def load_facts(outdir):
    facts = []
    path = os.path.join(outdir, "facts.tsv")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                if k:
                    facts.append((k, v))
    return facts


def load_notes(outdir):
    path = os.path.join(outdir, "notes.txt")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


class Group:
    """All measured runs of one tool in one scenario."""

    def __init__(self, first):
        self.scen = first["scen"]
        self.title = first["title"]
        self.tool = first["tool"]
        self.settings = first["settings"]
        self.n = num(first["n"])
        self.c = first["c"]
        self.expected = num(first["expected"])
        self.bound = num(first.get("bound_s"))
        self.runs = []

    def add(self, row):
        self.runs.append(row)

    def col(self, name):
        return [num(r.get(name)) for r in self.runs]

    @property
    def unavailable(self):
        return all(r.get("rc") == "NA" for r in self.runs)

    def summary(self):
        walls = self.col("wall_s")
        wall = med(walls)
        rate = med([self.n / w if w and self.n else None for w in walls])
        spread = None
        good = [w for w in walls if w is not None]
        if wall and len(good) > 1:
            spread = 100.0 * (max(good) - min(good)) / wall
        cpu = med([(u or 0) + (s or 0) if u is not None else None
                   for u, s in zip(self.col("user_s"), self.col("sys_s"))])
        ver = [parse_verify(r.get("verify")) for r in self.runs]
        rcs = sorted({r.get("rc", NA) for r in self.runs})
        return {
            "wall": wall,
            "spread": spread,
            "rate": rate,
            "rss_mib": (med(self.col("rss_kb")) or 0) / 1024 if med(self.col("rss_kb")) else None,
            "cpu": cpu,
            "ngx": med(self.col("ngx_cpu_s")),
            "other": med(self.col("other_cpu_s")),
            "conns": med(self.col("conns")),
            "reqs": med(self.col("reqs")),
            "bytes": med(self.col("bytes")),
            "broken": med([v.get("broken") for v in ver]),
            "fp": max([v.get("fp") for v in ver if v.get("fp") is not None], default=None),
            "fn": max([v.get("fn") for v in ver if v.get("fn") is not None], default=None),
            "missing": max([v.get("missing") for v in ver if v.get("missing") is not None],
                           default=None),
            "rcs": ",".join(rcs),
            "nruns": len(self.runs),
        }


def groups_of(rows):
    groups = collections.OrderedDict()
    for r in sorted(rows, key=lambda r: r["scen"]):
        if r.get("run") == "0":
            continue
        key = (r["scen"], r["tool"])
        if key not in groups:
            groups[key] = Group(r)
        groups[key].add(r)
    return list(groups.values())


def main_table(groups):
    out = [
        "| scenario | tool | settings | N | C | runs | wall s | spread | links/s | peak RSS MiB "
        "| client CPU s | nginx CPU s | other CPU s | TCP conns | HTTP reqs "
        "| broken / expected | FP | FN | exit |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for g in groups:
        if g.unavailable:
            out.append(f"| {g.title} | {g.tool} | {g.settings} | {fmt_int(g.n)} | {g.c} | – "
                       "| not available |  |  |  |  |  |  |  |  |  |  |  |  |")
            continue
        s = g.summary()
        fp = fmt_int(s["fp"])
        fn = fmt_int(s["fn"])
        if s["missing"]:
            fn += f" ({fmt_int(s['missing'])} missing)"
        out.append(
            f"| {g.title} | {g.tool} | {g.settings} | {fmt_int(g.n)} | {g.c} | {s['nruns']} "
            f"| {fmt(s['wall'], 3)} | {fmt(s['spread'], 0, ' %')} | {fmt_int(s['rate'])} "
            f"| {fmt(s['rss_mib'], 1)} | {fmt(s['cpu'])} | {fmt(s['ngx'])} | {fmt(s['other'])} "
            f"| {fmt_int(s['conns'])} | {fmt_int(s['reqs'])} "
            f"| {fmt_int(s['broken'])} / {fmt_int(g.expected)} | {fp} | {fn} | {s['rcs']} |")
    return out


def ratio_table(groups):
    by_scen = collections.OrderedDict()
    for g in groups:
        by_scen.setdefault(g.scen, {})[g.tool] = g
    out = [
        "| scenario | linkkeeper links/s | curl links/s | speed lk/curl "
        "| RSS lk/curl | client CPU lk/curl |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    any_row = False
    for tools in by_scen.values():
        lk = tools.get("linkkeeper check")
        cu = tools.get("curl -Z")
        if not lk or not cu or lk.unavailable or cu.unavailable:
            continue
        a, b = lk.summary(), cu.summary()

        def ratio(x, y):
            return fmt(x / y, 2, "×") if x and y else NA

        out.append(f"| {lk.title} | {fmt_int(a['rate'])} | {fmt_int(b['rate'])} "
                   f"| {ratio(a['rate'], b['rate'])} | {ratio(a['rss_mib'], b['rss_mib'])} "
                   f"| {ratio(a['cpu'], b['cpu'])} |")
        any_row = True
    return out if any_row else []


# Held responses per link in the mix (gensite.py): 85 % pages, 5 % 404 and
# 3 % 500 take one; 4 % + 2 % redirects take two; 1 % refused take none.
HELD_PER_LINK = 1.05


def ceiling(n, c):
    """The best bound / wall any client can reach: C slots each holding one
    0.1 s response at a time need ceil(responses / C) rounds."""
    rounds = math.ceil(round(n * HELD_PER_LINK) / c)
    return (n * 0.1 / c) / (rounds * 0.1)


def little_table(groups):
    out = [
        "| scenario | tool | C used | Little bound s = N·0.1/C | wall s | bound / wall "
        "| ceiling for any client |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    any_row = False
    for g in groups:
        if g.bound is None or g.unavailable:
            continue
        s = g.summary()
        eff = fmt(100.0 * g.bound / s["wall"], 0, " %") if s["wall"] else NA
        try:
            top = fmt(100.0 * ceiling(g.n, int(g.c)), 0, " %")
        except (TypeError, ValueError, ZeroDivisionError):
            top = NA
        out.append(f"| {g.title} | {g.tool} | {g.c} | {fmt(g.bound, 2)} "
                   f"| {fmt(s['wall'], 2)} | {eff} | {top} |")
        any_row = True
    return out if any_row else []


def archive_table(groups):
    out = [
        "| scenario | tool | wall s | pages/s | peak RSS MiB | bytes on disk (du -sb) | exit |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    any_row = False
    for g in groups:
        if not g.scen.startswith("d"):
            continue
        any_row = True
        if g.unavailable:
            out.append(f"| {g.title} | {g.tool} | not available | | | | |")
            continue
        s = g.summary()
        out.append(f"| {g.title} | {g.tool} | {fmt(s['wall'], 3)} | {fmt_int(s['rate'])} "
                   f"| {fmt(s['rss_mib'], 1)} | {fmt_int(s['bytes']) if s['bytes'] else '–'} "
                   f"| {s['rcs']} |")
    return out if any_row else []


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    rows = load_rows(outdir)
    facts = load_facts(outdir)
    notes = load_notes(outdir)
    groups = groups_of(rows)

    lines = ["# linkkeeper benchmark results", ""]
    lines += ["Written by `scripts/bench.sh` (`make bench`); how to read it: "
              "[bench/README.md](README.md). Every figure is the median of the measured runs "
              "(warm-up excluded); *spread* is (max − min) / median of the wall time.", ""]
    lines += ["## Machine and setup", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in facts]
    lines += [""]
    lines += ["## Results", ""] + main_table(groups) + [""]
    rt = ratio_table(groups)
    if rt:
        lines += ["## linkkeeper vs curl", "",
                  "Speed > 1× means linkkeeper checked more links per second; RSS and CPU "
                  "< 1× mean it used less.", ""] + rt + [""]
    lt = little_table(groups)
    if lt:
        lines += ["## Scenario (b) against Little's law", "",
                  "Each response is held 100 ms, so C transfers in flight can finish at most "
                  "C/0.1 s links per second. The bound counts one response per link; the 6 % "
                  "redirected links need two, and refused links none, so 1.05 responses per "
                  "link are held. *Ceiling* is the best any client can do: each of the C "
                  "slots holds one response at a time, so the run takes at least "
                  "ceil(1.05·N / C) rounds of 0.1 s.", ""] + lt + [""]
    at = archive_table(groups)
    if at:
        lines += ["## Scenario (d): archiving 20 KB pages", ""] + at + [""]
    if notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    sys.stdout.write("\n".join(lines))


if __name__ == "__main__":
    main()
