#!/usr/bin/env bash
# archive-vs-check.sh — how much `linkkeeper archive` costs over `check`.
#
# Serves N static HTML pages of SIZE bytes (scripts/bench/gensite.py pages:
# seeded pseudo-prose) from a private nginx on 127.0.0.2-9, then runs on the
# same URL list, each once, with a fresh database:
#   check            (HEAD requests, nothing stored)
#   archive, run 1   (GET, every page written to WARC)
#   archive, run 2   (the same pages unchanged: revisit records)
# and prints pages/s for each and the bytes the archive holds after each
# run. Prints, asserts nothing. Every run is bounded by `timeout`; nginx is
# stopped by its pid on any exit. scripts/bench.sh (make bench) is the full
# benchmark; this is the quick look at one question.
#
#   scripts/bench/archive-vs-check.sh [N] [SIZE] [CONCURRENCY]
#   defaults: 5000 pages, 20480 bytes, 64 transfers in flight
# Environment: LINKKEEPER (default ./linkkeeper), BENCH_TIMEOUT (300 s).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/scripts/bench
N=${1:-5000}
SIZE=${2:-20480}
C=${3:-64}
LK=${LINKKEEPER:-$ROOT/linkkeeper}
TIMEOUT=${BENCH_TIMEOUT:-300}
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)

die() {
	echo "archive-vs-check: $*" >&2
	exit 1
}
[ -x "$LK" ] || die "$LK not found: run make first (or set LINKKEEPER=)"
[ -x "$NGINX" ] || die "nginx not found (apt-get install nginx-light)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/lk-archive-bench.XXXXXX")
chmod 755 "$TMP" # nginx's worker may run as nobody and must read the site
NGINX_PID=""
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$NGINX_PID" ]; then
		kill -TERM "$NGINX_PID" 2>/dev/null || true
		wait "$NGINX_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r PORT _ _ < <(python3 "$HERE/ports.py")
[ -n "${PORT:-}" ] || die "could not pick a port"
mkdir -p "$TMP/ngx/tmp" "$TMP/site"
python3 "$HERE/gensite.py" pages --n "$N" --port "$PORT" --size "$SIZE" --site "$TMP/site" \
	--out "$TMP/pages" --no-curl

for a in 2 3 4 5 6 7 8 9; do echo "listen 127.0.0.$a:$PORT;"; done >"$TMP/ngx/listen.conf"
cat >"$TMP/ngx/nginx.conf" <<EOF
worker_processes 1;
pid $TMP/ngx/nginx.pid;
error_log $TMP/ngx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	types { text/html html; }
	keepalive_requests 100000;
	open_file_cache max=20000;
	client_body_temp_path $TMP/ngx/tmp/body;
	proxy_temp_path $TMP/ngx/tmp/proxy;
	fastcgi_temp_path $TMP/ngx/tmp/fastcgi;
	uwsgi_temp_path $TMP/ngx/tmp/uwsgi;
	scgi_temp_path $TMP/ngx/tmp/scgi;
	server { include $TMP/ngx/listen.conf; root $TMP/site; }
}
EOF
"$NGINX" -p "$TMP/ngx" -c "$TMP/ngx/nginx.conf" -e "$TMP/ngx/error.log" -g 'daemon off;' \
	</dev/null >/dev/null 2>&1 &
NGINX_PID=$!
first=$(head -n1 "$TMP/pages.urls")
for _ in $(seq 100); do
	curl -s -o /dev/null --max-time 2 "$first" </dev/null && break
	kill -0 "$NGINX_PID" 2>/dev/null || die "nginx did not start: $(cat "$TMP/ngx/error.log")"
	sleep 0.1
done

OPTS=(--no-progress --format json -j "$C" --per-host "$C" --retries 0)

# run NAME ARGS...: runs linkkeeper once, prints "NAME seconds pages/s".
run() {
	local name=$1 t0 t1 rc=0
	shift
	t0=$(date +%s%N)
	timeout "$TIMEOUT" "$LK" "$@" "${OPTS[@]}" "$TMP/pages.urls" >"$TMP/out.json" \
		2>"$TMP/err.txt" || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq 0 ] || die "$name exited $rc: $(tail -n3 "$TMP/err.txt")"
	awk -v name="$name" -v ns=$((t1 - t0)) -v n="$N" \
		'BEGIN { printf "%-18s %8.2f s %10.0f pages/s\n", name, ns / 1e9, n / (ns / 1e9) }'
	grep '^archive:' "$TMP/err.txt" | sed 's/^/                   /' || true
}

warc_bytes() { du -cb "$TMP"/warc/*.warc.gz 2>/dev/null | tail -n1 | cut -f1; }

echo "$N pages of $SIZE bytes, concurrency $C, nginx on 127.0.0.2-9:$PORT"
run check check --db "$TMP/check.db"
run "archive (run 1)" archive --db "$TMP/archive.db" --archive-dir "$TMP/warc"
b1=$(warc_bytes)
run "archive (run 2)" archive --db "$TMP/archive.db" --archive-dir "$TMP/warc"
b2=$(warc_bytes)
awk -v a="$b1" -v b="$b2" 'BEGIN {
	printf "WARC bytes after run 1: %d; run 2 added %d (%.1f %% of run 1)\n", a, b - a,
	       100 * (b - a) / a }'
