#!/usr/bin/env bash
# bench.sh — `make bench`: linkkeeper against `curl -Z` on a loopback nginx.
#
# Starts one nginx (1 worker, pinned to CPU 1) that listens only on
# 127.0.0.2-9, generates URL lists with a known mix of outcomes, and runs
# linkkeeper and curl alternately on the same list at the same concurrency,
# a warm-up then BENCH_RUNS measured runs each. Every run is bounded by
# `timeout`; nginx is stopped by its pid on any exit. The medians go to
# bench/RESULTS.md (and stdout); raw runs and logs stay in bench/out/.
# bench/README.md explains the scenarios and how to read the table.
#
# Scenarios
#   (a) instant server, N = 10,000 and 100,000, C = 128
#   (b) 100 ms per response, N = 5,000, C = 64 and 512 (curl caps at 300);
#       linkkeeper also with --method get (the same requests as curl)
#   (c) N = 1,000,000 read from stdin, linkkeeper only (BENCH_MILLION=1)
#   (d) `linkkeeper archive` of 5,000 pages of 20 KB, first and unchanged
#       second run, against `check` and curl on the same pages
#
# Environment
#   LINKKEEPER=./linkkeeper  binary under test
#   BENCH_RUNS=3             measured runs per tool and scenario
#   BENCH_QUICK=1            small N (2,000 / 1,000 / 500) for a smoke test;
#                            also runs (c) with N = 2,000 through stdin
#   BENCH_MILLION=1          run (c) with N = 1,000,000 (BENCH_FULL=1 too)
#   BENCH_MILLION_RUNS=1     measured runs for (c)
#   BENCH_SCENARIOS="a b c d"  subset to run
#   BENCH_TIMEOUT=600        seconds per tool run (1800 for (c) at 1M)
#   BENCH_WARMUP=1           0 = no warm-up run
#   BENCH_PER_HOST=          linkkeeper --per-host (default: = C, so
#                            politeness never binds; curl has no such cap)
#   BENCH_LK_ARGS=           extra linkkeeper check arguments; default
#                            "--retries 0" when linkkeeper has that option
#                            (curl does not retry; see bench/README.md)
#   BENCH_PIN=1              0 = do not pin nginx to CPU 1
#   BENCH_KEEP=1             keep the temporary directory (site, lists, dbs)
# Options: --quick (= BENCH_QUICK=1), --million (= BENCH_MILLION=1), --help.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/scripts/bench
cd "$ROOT"

for arg in "$@"; do
	case $arg in
	--quick) BENCH_QUICK=1 ;;
	--million | --full) BENCH_MILLION=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "bench.sh: unknown argument: $arg (try --help)" >&2
		exit 2
		;;
	esac
done

LK=${LINKKEEPER:-./linkkeeper}
RUNS=${BENCH_RUNS:-3}
QUICK=${BENCH_QUICK:-0}
MILLION=${BENCH_MILLION:-${BENCH_FULL:-0}}
MILLION_RUNS=${BENCH_MILLION_RUNS:-1}
SCENARIOS=${BENCH_SCENARIOS:-a b c d}
TIMEOUT=${BENCH_TIMEOUT:-600}
WARMUP=${BENCH_WARMUP:-1}
PIN=${BENCH_PIN:-1}
OUT=$ROOT/bench/out
RESULTS=$ROOT/bench/RESULTS.md
CURL_MAX_PARALLEL=300 # curl 7.88 clamps --parallel-max to 300 (src/tool_main.h)

die() {
	echo "bench.sh: $*" >&2
	exit 2
}
log() { echo "bench.sh: $*" >&2; }

case $RUNS in '' | *[!0-9]* | 0) die "BENCH_RUNS must be a positive integer" ;; esac
case $LK in */*) ;; *) LK=$(command -v "$LK" || echo "$LK") ;; esac

# ---------------------------------------------------------------- packages
# nginx-light pulls in nginx and the echo module; GNU time gives peak RSS.
install_missing() {
	local missing=()
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
	dpkg-query -W -f='${Status}' libnginx-mod-http-echo 2>/dev/null | grep -q "install ok installed" ||
		missing+=(libnginx-mod-http-echo)
	[ -x /usr/bin/time ] || missing+=(time)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	command -v python3 >/dev/null 2>&1 || missing+=(python3)
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	log "installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
install_missing

NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
ECHO_SO=$(dpkg -L libnginx-mod-http-echo | grep '/ngx_http_echo_module\.so$' | head -n1)
[ -n "$ECHO_SO" ] || die "libnginx-mod-http-echo lists no .so"
[ -f "$ECHO_SO" ] || die "echo module .so not found (dpkg -L libnginx-mod-http-echo)"
[ -x "$LK" ] || die "$LK not found or not executable: run make first (or set LINKKEEPER=)"

# Many sockets in flight: lift the soft fd limit to the hard one.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
NOFILE=$(ulimit -n)
[ "$NOFILE" = unlimited ] && NOFILE=65536

NCPU=$(nproc)
PIN_CMD=()
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ]; then
	PIN_CMD=(taskset -c 1)
fi
CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lkbench.XXXXXX")
chmod 755 "$TMP" # when run as root, nginx's worker runs as nobody and reads the site
NGINX_PID=""
CHILD=""

stop_nginx() {
	local pid=$NGINX_PID
	[ -z "$pid" ] && [ -s "$TMP/ngx/nginx.pid" ] && pid=$(cat "$TMP/ngx/nginx.pid")
	[ -z "$pid" ] && return 0
	NGINX_PID=""
	kill -TERM "$pid" 2>/dev/null || return 0
	local i
	for i in $(seq 50); do
		# gone, or a zombie this shell has not reaped yet
		kill -0 "$pid" 2>/dev/null || return 0
		[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
		sleep 0.1
	done
	log "nginx $pid did not stop in 5 s; killing it"
	kill -KILL "$pid" 2>/dev/null || true
	if [ -n "${WORKER:-}" ]; then kill -KILL "$WORKER" 2>/dev/null || true; fi
}

cleanup() {
	local rc=$?
	set +e # a failing kill or wait must not end the cleanup early
	trap - EXIT INT TERM HUP
	# timeout(1) forwards TERM to the whole run it supervises.
	[ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	stop_nginx
	cp "$TMP/ngx/error.log" "$OUT/log/nginx-error.log" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mkdir -p "$OUT/log" "$TMP/ngx/tmp" "$TMP/ngx/site" "$TMP/lists" "$TMP/run"
rm -f "$OUT"/log/* "$OUT/runs.tsv" "$OUT/facts.tsv" "$OUT/notes.txt"
note() { echo "$*" >>"$OUT/notes.txt"; }

# ---------------------------------------------------------------- nginx
read -r FAST SLOW REFUSED < <(python3 "$HERE/ports.py")
[ -n "${REFUSED:-}" ] || die "could not pick ports"
HOSTS="2 3 4 5 6 7 8 9"

start_nginx() {
	local d=$TMP/ngx a
	for a in $HOSTS; do echo "listen 127.0.0.$a:$FAST;"; done >"$d/listen-fast.conf"
	for a in $HOSTS; do echo "listen 127.0.0.$a:$SLOW;"; done >"$d/listen-slow.conf"
	sed -e "s|@DIR@|$d|g" -e "s|@ECHO_SO@|$ECHO_SO|g" -e "s|@NOFILE@|$NOFILE|g" \
		"$HERE/nginx.conf.in" >"$d/nginx.conf"
	"${PIN_CMD[@]}" "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' \
		</dev/null >"$OUT/log/nginx.out" 2>&1 &
	NGINX_PID=$!
	local i
	for i in $(seq 100); do
		if [ -s "$d/nginx.pid" ] && curl -s -o /dev/null --max-time 2 \
			"http://127.0.0.9:$FAST/p/ready" </dev/null; then
			break
		fi
		kill -0 "$NGINX_PID" 2>/dev/null || {
			cat "$OUT/log/nginx.out" "$d/error.log" >&2 2>/dev/null || true
			die "nginx did not start"
		}
		sleep 0.1
	done
	[ "$(cat "$d/nginx.pid" 2>/dev/null)" = "$NGINX_PID" ] || die "nginx did not write its pid file"
	WORKER=$(pgrep -P "$NGINX_PID" | head -n1)
	[ -n "$WORKER" ] || die "no nginx worker"
	# Sanity: every status the mix relies on, on both servers.
	local want got path
	for path in "p/1:200" "missing/1:404" "err/1:500" "r/1:200" "r404/1:404"; do
		want=${path#*:}
		for a in 2 9; do
			got=$(curl -s -L -o /dev/null -w '%{http_code}' --max-time 5 \
				"http://127.0.0.$a:$FAST/${path%:*}" </dev/null || true)
			[ "$got" = "$want" ] || die "fast server: /${path%:*} gave $got, want $want"
		done
		got=$(curl -s -L -o /dev/null -w '%{http_code}' --max-time 5 \
			"http://127.0.0.5:$SLOW/${path%:*}" </dev/null || true)
		[ "$got" = "$want" ] || die "slow server: /${path%:*} gave $got, want $want"
	done
	python3 "$HERE/ports.py" --refused "$REFUSED" || die "port $REFUSED is not refused"
	log "nginx $NGINX_PID (worker $WORKER${PIN_CMD:+, pinned to CPU 1}) on 127.0.0.2-9:$FAST (instant) and :$SLOW (100 ms); refused port $REFUSED"
}

# Worker CPU seconds so far (utime + stime, in clock ticks).
nginx_ticks() { awk '{ print $14 + $15 }' "/proc/$WORKER/stat" 2>/dev/null || echo 0; }
# "accepts requests" from stub_status.
nginx_counts() {
	curl -s --max-time 5 "http://127.0.0.2:$FAST/__status" </dev/null |
		awk 'NR == 3 { print $1, $3 }'
}
# Busy ticks of the whole machine (all CPUs), from /proc/stat.
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# timed TAG LIMIT CMD... — runs CMD under timeout(1) and GNU time, in the
# background so that a signal to this script is handled at once. The
# caller may redirect stdin/stdout. Sets WALL RC RSS USR SYS NGX OTHER CONNS
# REQS LOAD.
timed() {
	local tag=$1 limit=$2
	shift 2
	local tf=$OUT/log/$tag.time
	local t0 t1 ng0 ng1 b0 b1 c0 c1
	LOAD=$(cut -d' ' -f1 /proc/loadavg)
	read -r c0 < <(nginx_counts | tr ' ' ':') || c0=""
	ng0=$(nginx_ticks)
	b0=$(busy_ticks)
	t0=$(date +%s%N)
	# The explicit <&0 keeps the caller's stdin: without it bash gives an
	# asynchronous command /dev/null.
	timeout -k 10 "$limit" /usr/bin/time -v -o "$tf" "$@" <&0 2>"$OUT/log/$tag.err" &
	CHILD=$!
	if wait "$CHILD"; then RC=0; else RC=$?; fi
	CHILD=""
	t1=$(date +%s%N)
	ng1=$(nginx_ticks)
	b1=$(busy_ticks)
	read -r c1 < <(nginx_counts | tr ' ' ':') || c1=""
	WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
	RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$tf" 2>/dev/null)
	USR=$(awk -F': ' '/User time \(seconds\)/ { print $2 }' "$tf" 2>/dev/null)
	SYS=$(awk -F': ' '/System time \(seconds\)/ { print $2 }' "$tf" 2>/dev/null)
	NGX=$(awk -v a="$ng0" -v b="$ng1" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }')
	# Machine CPU not used by the client or nginx: other engineers' builds etc.
	OTHER=$(awk -v a="$b0" -v b="$b1" -v t="$CLK_TCK" -v n="$NGX" -v u="${USR:-0}" -v s="${SYS:-0}" \
		'BEGIN { o = (b - a) / t - n - u - s; if (o < 0) o = 0; printf "%.2f", o }')
	if [ -n "$c0" ] && [ -n "$c1" ]; then
		CONNS=$((${c1%:*} - ${c0%:*} - 1))
		REQS=$((${c1#*:} - ${c0#*:} - 1))
	else
		CONNS=NA REQS=NA
	fi
	[ "$RC" = 124 ] && log "$tag: timed out after $limit s"
	return 0
}

ROWS=$OUT/runs.tsv
printf 'scen\ttitle\ttool\tsettings\trun\tn\tc\texpected\tbound_s\twall_s\trc\trss_kb\tuser_s\tsys_s\tngx_cpu_s\tother_cpu_s\tconns\treqs\tbytes\tload1\tverify\n' >"$ROWS"
# record SCEN TITLE TOOL SETTINGS RUN N C EXPECTED BOUND VERIFY BYTES
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "$WALL" "$RC" "${RSS:-NA}" "${USR:-NA}" \
		"${SYS:-NA}" "$NGX" "$OTHER" "$CONNS" "$REQS" "${11}" "$LOAD" "${10}" >>"$ROWS"
}
record_unavailable() { # SCEN TITLE TOOL SETTINGS N C
	printf '%s\t%s\t%s\t%s\t1\t%s\t%s\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\t\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" >>"$ROWS"
}

# verify KIND RESULT PREFIX TAG — prints the one-line verdict.
verify() {
	python3 "$HERE/verify.py" "$1" "$2" "$3.expected" "$3.urls" 2>"$OUT/log/$4.verify" || true
}

# ---------------------------------------------------------------- linkkeeper options
lk_help() { "$LK" "$1" --help 2>&1 || true; }
CHECK_HELP=$(lk_help check)
if [ -n "${BENCH_LK_ARGS+set}" ]; then
	LK_ARGS=$BENCH_LK_ARGS
elif grep -q -- '--retries' <<<"$CHECK_HELP"; then
	LK_ARGS="--retries 0"
else
	LK_ARGS=""
fi
read -r -a LK_EXTRA <<<"$LK_ARGS"

per_host() { echo "${BENCH_PER_HOST:-$1}"; }

# lk_check TAG PREFIX C [stdin] — one linkkeeper check run on PREFIX.urls.
lk_check() {
	local tag=$1 prefix=$2 c=$3 mode=${4:-file} limit=${5:-$TIMEOUT}
	local db=$TMP/run/$tag.db json=$TMP/run/lk.json
	rm -f "$db" "$db-wal" "$db-shm" "$json"
	local cmd=("$LK" check --no-progress --format json -o "$json" --db "$db"
		-j "$c" --per-host "$(per_host "$c")" "${LK_EXTRA[@]}")
	if [ "$mode" = stdin ]; then
		timed "$tag" "$limit" "${cmd[@]}" - <"$prefix.urls" >"$OUT/log/$tag.out"
	else
		timed "$tag" "$limit" "${cmd[@]}" "$prefix.urls" </dev/null >"$OUT/log/$tag.out"
	fi
	VERIFY=$(verify lk "$json" "$prefix" "$tag")
	rm -f "$db" "$db-wal" "$db-shm"
}
lk_settings() { echo "-j $1 --per-host $(per_host "$1")${LK_ARGS:+ $LK_ARGS}"; }

# curl_run TAG PREFIX C — curl -Z on PREFIX.curl (url/output pairs).
curl_run() {
	local tag=$1 prefix=$2 c=$3 w=$TMP/run/curl.txt
	timed "$tag" "$TIMEOUT" curl -Z --parallel-max "$c" -s -L --max-redirs 10 \
		--connect-timeout 10 --max-time 20 -w '%{http_code} %{url}\n' \
		-K "$prefix.curl" </dev/null >"$w"
	VERIFY=$(verify curl "$w" "$prefix" "$tag")
}
curl_c() { [ "$1" -gt "$CURL_MAX_PARALLEL" ] && echo "$CURL_MAX_PARALLEL" || echo "$1"; }
curl_settings() { echo "--parallel-max $(curl_c "$1") -L, no retries"; }

first_run() { [ "$WARMUP" = 1 ] && echo 0 || echo 1; }

# pair SCEN TITLE PREFIX N C [DELAY] — linkkeeper and curl, alternately;
# with PAIR_GET=1 also linkkeeper --method get (one GET per URL, as curl).
pair() {
	local scen=$1 title=$2 prefix=$3 n=$4 c=$5 delay=${6:-}
	local cc expected r b_lk="NA" b_cu="NA"
	cc=$(curl_c "$c")
	expected=$(wc -l <"$prefix.expected")
	if [ -n "$delay" ]; then
		b_lk=$(awk -v n="$n" -v c="$c" -v d="$delay" 'BEGIN { printf "%.3f", n * d / c }')
		b_cu=$(awk -v n="$n" -v c="$cc" -v d="$delay" 'BEGIN { printf "%.3f", n * d / c }')
	fi
	for r in $(seq "$(first_run)" "$RUNS"); do
		log "$title: run $r/$RUNS linkkeeper"
		lk_check "$scen-lk-$r" "$prefix" "$c"
		record "$scen" "$title" "linkkeeper check" "$(lk_settings "$c")" "$r" "$n" "$c" \
			"$expected" "$b_lk" "$VERIFY" ""
		log "  wall ${WALL}s rc $RC $VERIFY"
		if [ "${PAIR_GET:-0}" = 1 ]; then
			log "$title: run $r/$RUNS linkkeeper --method get"
			local saved=("${LK_EXTRA[@]}")
			LK_EXTRA+=(--method get)
			lk_check "$scen-lkget-$r" "$prefix" "$c"
			LK_EXTRA=("${saved[@]}")
			record "$scen" "$title" "linkkeeper check --method get" \
				"$(lk_settings "$c") --method get" "$r" "$n" "$c" "$expected" "$b_lk" "$VERIFY" ""
			log "  wall ${WALL}s rc $RC $VERIFY"
		fi
		log "$title: run $r/$RUNS curl"
		curl_run "$scen-curl-$r" "$prefix" "$cc"
		record "$scen" "$title" "curl -Z" "$(curl_settings "$c")" "$r" "$n" "$cc" \
			"$expected" "$b_cu" "$VERIFY" ""
		log "  wall ${WALL}s rc $RC $VERIFY"
	done
}

gen_mix() { # NAME N PORT [--no-curl]
	python3 "$HERE/gensite.py" mix --n "$2" --port "$3" --refused-port "$REFUSED" \
		--out "$TMP/lists/$1" ${4:+"$4"}
}

fmt_n() { echo "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

# ---------------------------------------------------------------- scenarios
scenario_a() {
	local sizes="10000 100000" n i=0
	[ "$QUICK" = 1 ] && sizes=2000
	for n in $sizes; do
		i=$((i + 1))
		gen_mix "a$i" "$n" "$FAST"
		pair "a$i" "(a) instant, N=$(fmt_n "$n")" "$TMP/lists/a$i" "$n" 128
	done
}

scenario_b() {
	local n=5000 c i=0
	[ "$QUICK" = 1 ] && n=1000
	gen_mix b "$n" "$SLOW"
	for c in 64 512; do
		i=$((i + 1))
		PAIR_GET=1 pair "b$i" "(b) 100 ms, N=$(fmt_n "$n"), C=$c" "$TMP/lists/b" "$n" "$c" 0.1
	done
	note "(b) curl 7.88 clamps --parallel-max to $CURL_MAX_PARALLEL, so curl ran C=512 as C=$CURL_MAX_PARALLEL; its Little bound uses 300."
}

scenario_c() {
	local n runs=$MILLION_RUNS limit=$TIMEOUT title
	if [ "$MILLION" = 1 ]; then
		n=1000000
		[ "$limit" -lt 1800 ] && limit=1800
	elif [ "$QUICK" = 1 ]; then
		n=2000
		runs=$RUNS
	else
		note "(c) 1,000,000 URLs from stdin was skipped: run with BENCH_MILLION=1 (takes minutes)."
		return 0
	fi
	title="(c) stdin, N=$(fmt_n "$n")"
	gen_mix c "$n" "$FAST" --no-curl
	local expected r
	expected=$(wc -l <"$TMP/lists/c.expected")
	for r in $(seq 1 "$runs"); do
		log "$title: run $r/$runs linkkeeper (check - < urls)"
		lk_check "c-lk-$r" "$TMP/lists/c" 128 stdin "$limit"
		record c "$title" "linkkeeper check" "$(lk_settings 128), input from stdin" "$r" "$n" 128 \
			"$expected" NA "$VERIFY" ""
		log "  wall ${WALL}s rc $RC rss ${RSS:-?} KB $VERIFY"
	done
}

scenario_d() {
	local n=5000 c=128 r title expected
	[ "$QUICK" = 1 ] && n=500
	title="(d) pages 20 KB, N=$(fmt_n "$n")"
	python3 "$HERE/gensite.py" pages --n "$n" --port "$FAST" --site "$TMP/ngx/site" \
		--out "$TMP/lists/d"
	# What compression alone allows: the ceiling of archiving on this machine.
	note "$(python3 "$HERE/zlibspeed.py" "$TMP/ngx/site/page" "$NCPU")"
	expected=0
	local prefix=$TMP/lists/d
	local ahelp aopts=() averify=0 available=1
	if ! "$LK" archive --help >/dev/null 2>&1; then
		available=0
		note "(d) \`linkkeeper archive --help\` failed: the archive subcommand is not available in this build."
	else
		ahelp=$(lk_help archive)
		grep -q -- '--db' <<<"$ahelp" && aopts+=(--db "$TMP/run/archive.db")
		grep -q -- '--no-progress' <<<"$ahelp" && aopts+=(--no-progress)
		grep -q -- '--per-host' <<<"$ahelp" && aopts+=(--per-host "$(per_host "$c")")
		grep -Eq -- '(^|[^-])-j[ ,]|--concurrency' <<<"$ahelp" && aopts+=(-j "$c")
		grep -q -- '--format' <<<"$ahelp" && averify=1
		# extra archive options, e.g. BENCH_ARCHIVE_ARGS="--compress-level 1"
		read -r -a extra <<<"${BENCH_ARCHIVE_ARGS:-}"
		aopts+=("${extra[@]}")
	fi
	local asettings="${aopts[*]:-defaults} --archive-dir DIR (fresh per run pair)"
	asettings=${asettings//$TMP\/run\//}
	for r in $(seq "$(first_run)" "$RUNS"); do
		if [ "$available" = 1 ]; then
			local adir=$TMP/run/archive db=$TMP/run/archive.db json=$TMP/run/archive.json pass
			rm -rf "$adir" "$db" "$db-wal" "$db-shm"
			mkdir -p "$adir"
			for pass in 1 2; do
				local tag="d-archive$pass-$r" fopts=()
				[ "$averify" = 1 ] && fopts=(--format json -o "$json")
				rm -f "$json"
				log "$title: run $r/$RUNS linkkeeper archive, pass $pass"
				timed "$tag" "$TIMEOUT" "$LK" archive --archive-dir "$adir" \
					"${aopts[@]}" "${fopts[@]}" "$prefix.urls" </dev/null >"$OUT/log/$tag.out"
				VERIFY=""
				[ "$averify" = 1 ] && VERIFY=$(verify lk "$json" "$prefix" "$tag")
				local bytes
				bytes=$(du -sb "$adir" | cut -f1)
				local which=first
				[ "$pass" = 2 ] && which="second (unchanged)"
				record "d$pass" "$title" "linkkeeper archive, $which run" "$asettings" "$r" "$n" "$c" \
					"$expected" NA "$VERIFY" "$bytes"
				log "  wall ${WALL}s rc $RC, $bytes bytes on disk $VERIFY"
			done
		elif [ "$r" = 1 ]; then
			record_unavailable d1 "$title" "linkkeeper archive, first run" "-" "$n" "$c"
			record_unavailable d2 "$title" "linkkeeper archive, second (unchanged) run" "-" "$n" "$c"
		fi
		log "$title: run $r/$RUNS linkkeeper check"
		lk_check "d-lk-$r" "$prefix" "$c"
		record d3 "$title" "linkkeeper check" "$(lk_settings "$c")" "$r" "$n" "$c" \
			"$expected" NA "$VERIFY" ""
		log "  wall ${WALL}s rc $RC $VERIFY"
		log "$title: run $r/$RUNS curl (GET, bodies discarded)"
		curl_run "d-curl-$r" "$prefix" "$c"
		record d3 "$title" "curl -Z" "$(curl_settings "$c")" "$r" "$n" "$c" "$expected" NA "$VERIFY" ""
		log "  wall ${WALL}s rc $RC $VERIFY"
	done
}

# ---------------------------------------------------------------- facts
facts() {
	local mode=full
	[ "$QUICK" = 1 ] && mode="QUICK smoke test (small N, not for comparison)"
	local cpu mem distro lkver commit dirty=""
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	# shellcheck source=/dev/null
	distro=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-?}")
	lkver=$("$LK" --version 2>/dev/null | head -n1 | cut -d' ' -f1-2 || true)
	commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")
	[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n1)" ] && dirty=" + uncommitted changes"
	{
		printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
		printf 'mode\t%s; %s measured run(s) per tool%s\n' "$mode" "$RUNS" \
			"$([ "$WARMUP" = 1 ] && echo " after 1 warm-up run" || echo ", no warm-up")"
		printf 'CPU\t%s × %s\n' "$NCPU" "${cpu:-?}"
		printf 'memory\t%s\n' "$mem"
		printf 'kernel / OS\t%s / %s\n' "$(uname -r)" "$distro"
		printf 'linkkeeper\t%s (commit %s%s), built with libcurl %s\n' "${lkver:-?}" "$commit" "$dirty" \
			"$(pkg-config --modversion libcurl 2>/dev/null || echo '?')"
		printf 'curl\t%s\n' "$(curl --version | head -n1)"
		printf 'nginx\t%s, echo module %s\n' "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')" \
			"$(dpkg-query -W -f='${Version}' libnginx-mod-http-echo 2>/dev/null)"
		printf 'server\tnginx, 1 worker, %s, access_log off, keepalive_requests 100000; listens only on 127.0.0.2–9 (8 hosts), port %s instant, port %s +100 ms (echo_sleep); port %s refused\n' \
			"$([ ${#PIN_CMD[@]} -gt 0 ] && echo 'pinned to CPU 1 (taskset -c 1)' || echo 'not pinned')" \
			"$FAST" "$SLOW" "$REFUSED"
		printf 'clients\tunpinned; each run under timeout %s s and GNU time; fd limit %s\n' "$TIMEOUT" "$NOFILE"
		printf 'URL mix\t85 %% 200, 5 %% 404, 3 %% 500, 4 %% 301→200, 2 %% 301→404, 1 %% refused port (broken = last four, 11 %%)\n'
		printf 'linkkeeper command\tcheck --no-progress --format json -o FILE --db FRESH.db %s\n' "$(lk_settings C)"
		printf 'curl command\tcurl -Z --parallel-max C -s -L --max-redirs 10 --connect-timeout 10 --max-time 20 -w "%%{http_code} %%{url}" -K (url + output=/dev/null pairs); broken = final code not 2xx\n'
		printf 'load average at start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$OUT/facts.tsv"
}

# ---------------------------------------------------------------- main
start_nginx
facts
for s in $SCENARIOS; do
	case $s in
	a | b | c | d) "scenario_$s" ;;
	*) die "unknown scenario '$s' in BENCH_SCENARIOS" ;;
	esac
done
python3 "$HERE/report.py" "$OUT" >"$RESULTS"
cat "$RESULTS"
log "wrote $RESULTS (raw runs: $OUT/runs.tsv, logs: $OUT/log/)"
