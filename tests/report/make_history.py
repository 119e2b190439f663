#!/usr/bin/env python3
"""Writes a linkkeeper history for the HTML report test, with plain SQL.

    make_history.py DB

The tables follow the schema documented in include/linkkeeper/history.h
(user_version 1, times in ms since the epoch) and the urls state columns
follow its rules: only ok and broken checks change them; failing_since is
the first broken check after the last ok one; fail_streak counts broken
checks in a row; flips counts ok<->broken changes.

Each link has one letter per run: o ok, b broken, x excluded, - not seen.
Titles and URLs carry markup that must stay text in the report, and one
title is an <img> whose load would show up as a network request.
"""
import sqlite3
import sys

T0 = 1793491200000  # 2026-11-01T00:00:00Z
DAY = 86400 * 1000
RUNS = 8

LINKS = [
    # url, runs, file, line, title, reason, http
    ("https://a.example/dies", "oooooobb", "docs/guide.md", 3, "Installation guide",
     "http", 404),
    ("https://b.example/newly", "ooooooob", "docs/guide.md", 9, "API reference", "timeout", 0),
    ("https://c.example/back", "bbbbbbbo", "docs/faq.md", 2,
     'Release notes <script>alert("xss")</script>', "http", 500),
    ("https://d.example/flap", "obobooob", "docs/faq.md", 14, "Status page", "refused", 0),
    ("https://e.example/steady", "oooooooo", "README.md", 1, "Home page", "", 0),
    ("https://f.example/fresh", "-------o", "README.md", 7, "New blog post", "", 0),
    ("https://g.example/img", "oooooooo", "README.md", 12,
     '<img src="x.png" onerror="alert(1)"> Logo', "", 0),
    ("https://h.example/excluded", "xxxxxxxx", "README.md", 20, "Private wiki", "pattern", 0),
    ("javascript:alert(1)", "bbbbbbbb", "docs/faq.md", 30, "Bad link", "invalid_url", 0),
    ("https://i.example/a?q=1&x=%22%3E", "oooooooo", "docs/guide.md", 40,
     "Search & \"quotes\" 'too'", "", 0),
    ("https://j.example/tls", "oooooobb", "docs/guide.md", 41, "Old mirror", "tls", 0),
    ("https://k.example/blocked", "oooooooo", "docs/guide.md", 42, "Forum | thread", "", 0),
]

SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL,
  finished_at INTEGER, tool_version TEXT, args TEXT,
  total INTEGER NOT NULL DEFAULT 0, ok INTEGER NOT NULL DEFAULT 0,
  broken INTEGER NOT NULL DEFAULT 0, excluded INTEGER NOT NULL DEFAULT 0,
  cached INTEGER NOT NULL DEFAULT 0);
CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, host TEXT,
  first_seen INTEGER NOT NULL, last_checked INTEGER, last_status TEXT,
  last_reason TEXT, last_http INTEGER, last_ok_at INTEGER, failing_since INTEGER,
  fail_streak INTEGER NOT NULL DEFAULT 0, flips INTEGER NOT NULL DEFAULT 0);
CREATE TABLE checks (id INTEGER PRIMARY KEY, url_id INTEGER NOT NULL REFERENCES urls(id),
  run_id INTEGER NOT NULL REFERENCES runs(id), checked_at INTEGER NOT NULL,
  status TEXT NOT NULL, reason TEXT, http_status INTEGER, curl_code INTEGER,
  method TEXT, attempts INTEGER, elapsed_ms INTEGER, final_url TEXT,
  redirects TEXT NOT NULL DEFAULT '[]', error TEXT);
CREATE INDEX checks_url_time ON checks(url_id, checked_at);
CREATE INDEX checks_run ON checks(run_id);
CREATE TABLE sources (url_id INTEGER NOT NULL REFERENCES urls(id), file TEXT NOT NULL,
  line INTEGER NOT NULL, title TEXT, run_id INTEGER REFERENCES runs(id),
  PRIMARY KEY (url_id, file, line));
PRAGMA user_version = 1;
"""


def check_time(run, url_id):
    return T0 + run * DAY + url_id * 1000


def url_state(url_id, runs, reason, http):
    """The urls row's state columns after every check of the pattern."""
    st = dict(first_seen=None, last_checked=None, last_status=None, last_reason=None,
              last_http=None, last_ok_at=None, failing_since=None, fail_streak=0, flips=0)
    for run, c in enumerate(runs, 1):
        if c == "-":
            continue
        at = check_time(run, url_id)
        if st["first_seen"] is None:
            st["first_seen"] = at
        if c not in "ob":
            continue
        if st["last_status"] and st["last_status"] != ("ok" if c == "o" else "broken"):
            st["flips"] += 1
        st["last_checked"] = at
        if c == "o":
            st.update(last_status="ok", last_reason=None, last_http=200, last_ok_at=at,
                      failing_since=None, fail_streak=0)
        else:
            st.update(last_status="broken", last_reason=reason, last_http=http or None,
                      fail_streak=st["fail_streak"] + 1)
            if st["failing_since"] is None:
                st["failing_since"] = at
    return st


def main():
    db = sqlite3.connect(sys.argv[1])
    db.executescript(SCHEMA)
    for run in range(1, RUNS + 1):
        db.execute("INSERT INTO runs(id, started_at, finished_at, tool_version, args)"
                   " VALUES(?, ?, ?, '0.1.0', 'check docs README.md')",
                   (run, T0 + run * DAY, T0 + run * DAY + 60000))
    for url_id, (url, runs, file, line, title, reason, http) in enumerate(LINKS, 1):
        st = url_state(url_id, runs, reason, http)
        db.execute("INSERT INTO urls(id, url, first_seen, last_checked, last_status,"
                   " last_reason, last_http, last_ok_at, failing_since, fail_streak, flips)"
                   " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                   (url_id, url, st["first_seen"], st["last_checked"], st["last_status"],
                    st["last_reason"], st["last_http"], st["last_ok_at"],
                    st["failing_since"], st["fail_streak"], st["flips"]))
        last_run = None
        for run, c in enumerate(runs, 1):
            if c == "-":
                continue
            last_run = run
            status = {"o": "ok", "b": "broken", "x": "excluded"}[c]
            db.execute("INSERT INTO checks(url_id, run_id, checked_at, status, reason,"
                       " http_status, error) VALUES(?,?,?,?,?,?,?)",
                       (url_id, run, check_time(run, url_id), status,
                        reason if c != "o" else None,
                        200 if c == "o" else (http or None),
                        None if c == "o" else f"{reason} <b>error</b> text"))
        db.execute("INSERT INTO sources(url_id, file, line, title, run_id) VALUES(?,?,?,?,?)",
                   (url_id, file, line, title, last_run))
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
