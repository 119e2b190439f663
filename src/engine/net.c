/*
 * net.c — the network thread: one curl multi handle driven by
 * curl_multi_socket_action and epoll, fed by the scheduler (scheduler.h).
 *
 * The loop: fire due retry timers, start every transfer the scheduler
 * allows, wait in epoll_wait until a socket is ready or the nearest of
 * libcurl's timer and the scheduler's timers, hand ready sockets to libcurl,
 * then harvest finished transfers and decide what each means (engine.h):
 * a verdict, a retry timer, GET after HEAD, or the next redirect hop.
 *
 * Easy handles come from a pool of exactly the global cap and are reset and
 * reused, so connections, the DNS cache and TLS sessions stay warm in the
 * multi handle. Bodies are read (and dropped) to the end up to 256 KiB so
 * HTTP/1.1 connections can be reused; larger bodies are cut off.
 */
#include "linkkeeper/engine.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linkkeeper/headtrust.h"
#include "linkkeeper/scheduler.h"
#include "linkkeeper/url.h"
#include "linkkeeper/util.h"

#define BODY_READ_LIMIT (256 * 1024)
#define MAX_HEAD_BYTES (1024 * 1024) /* kept of a capture's request or response head */
#define MAX_EVENTS 256
/* Transfers started per turn of the loop. libcurl connects every added
 * handle in one pass, and no request leaves before that pass ends: 512 at
 * once kept the first request back some 50 ms on loopback. In batches the
 * first requests are on the wire while later handles still connect. */
#define START_BATCH 32
#define PROGRESS_EVERY_MS 250
#define DEFAULT_USER_AGENT "linkkeeper/" LK_VERSION " (link checker)"

struct handle;

/* One URL being checked; lives from the first request to the verdict. */
struct job {
	struct lk_sched_item item; /* first member: the scheduler hands it back */
	struct lk_link *link;
	struct job *next_free;
	char *url;            /* the current hop: link->url, or owned after a redirect */
	int url_owned;
	int use_get;          /* HEAD was not accepted on this hop */
	int head_status;      /* what HEAD answered on this hop, 0 if nothing */
	int head_learned;     /* this hop's GET already taught the HEAD trust */
	int retries_used;     /* on this hop */
	int attempts;         /* requests sent on this hop */
	int64_t started;      /* monotonic ms of the first request */
};

/* Jobs come in slabs: reused through the free list, and all freed at the
 * end, also those still under way when a run is interrupted. */
#define JOB_SLAB 256
struct job_slab {
	struct job_slab *next;
	struct job jobs[JOB_SLAB];
};

/* A pooled easy handle and what its current transfer needs. */
struct handle {
	CURL *easy;
	struct job *job;
	size_t body_bytes;
	int body_cut;
	int time_cut; /* capture: the body was still arriving at the timeout */
	int private_refused;
	int exclude_private;
	char errbuf[CURL_ERROR_SIZE];
	/* archive mode: the exchange as it went over the wire */
	size_t body_limit;
	int capture;
	int64_t sent_at;
	struct lk_buf req;  /* the request as sent */
	struct lk_buf resp; /* the response as received: head, then body */
	size_t head_len;    /* resp[0..head_len) is the head */
};

struct engine {
	const struct lk_engine_opts *o;
	CURLM *multi;
	int epfd;
	int64_t curl_due; /* monotonic ms of libcurl's timer, -1 when none */
	struct lk_sched sched;
	struct lk_head_trust *trust; /* where HEAD errors stand without a GET */
	struct lk_head_trust own_trust; /* when the caller keeps none */
	struct handle *pool;
	struct handle **free_handles;
	size_t nfree;
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	lk_engine_done_fn done;
	void *ctx;
	/* Jobs exist only for links inside the window: the rest of the input
	 * waits as plain links, so memory does not grow with a job per URL. */
	struct lk_link **links;
	size_t nlinks, next_link, live_jobs, window;
	struct job *free_jobs;
	struct job_slab *slabs;   /* every job ever made, freed at the end */
	size_t remaining, broken;
	uint64_t rng;
	int64_t last_progress;
};

int lk_accept_parse(const char *s, struct lk_accept *a)
{
	a->n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10);
		long hi = lo;
		if (end == p)
			return -1;
		p = end;
		if (*p == '-') {
			hi = strtol(p + 1, &end, 10);
			if (end == p + 1)
				return -1;
			p = end;
		}
		if (lo < 100 || hi > 999 || lo > hi || a->n == LK_MAX_ACCEPT_RANGES)
			return -1;
		a->range[a->n].lo = (int)lo;
		a->range[a->n].hi = (int)hi;
		a->n++;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return a->n ? 0 : -1;
}

int lk_accept_match(const struct lk_accept *a, int status)
{
	for (size_t i = 0; i < a->n; i++)
		if (status >= a->range[i].lo && status <= a->range[i].hi)
			return 1;
	return 0;
}

void lk_engine_opts_default(struct lk_engine_opts *o)
{
	memset(o, 0, sizeof *o);
	o->concurrency = 128;
	o->per_host = 6;
	o->timeout_ms = 20000;
	o->connect_timeout_ms = 10000;
	o->retries = 3;
	o->retry_wait_ms = 1000;
	o->retry_after_cap_ms = 60000;
	o->max_redirects = 10;
	o->max_page_size = 50LL * 1024 * 1024;
	lk_accept_parse("200-299", &o->accept);
}

/* ---- libcurl callbacks ------------------------------------------------ */

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct engine *e = userp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
		curl_multi_assign(e->multi, fd, NULL);
		return 0;
	}
	struct epoll_event ev = {0};
	ev.data.fd = fd;
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (socketp) {
		epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
	} else {
		if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 && errno == EEXIST)
			epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
		curl_multi_assign(e->multi, fd, e);
	}
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct engine *e = userp;
	(void)multi;
	e->curl_due = timeout_ms < 0 ? -1 : lk_mono_ms() + timeout_ms;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *userp)
{
	struct handle *h = userp;
	size_t len = size * n;
	if (h->body_bytes + len > h->body_limit) {
		if (h->capture)
			lk_buf_append(&h->resp, data, h->body_limit - h->body_bytes);
		h->body_bytes = h->body_limit;
		h->body_cut = 1;
		return 0;
	}
	h->body_bytes += len;
	if (h->capture)
		lk_buf_append(&h->resp, data, len);
	return len;
}

/* The response head ends with its blank line. */
static int head_ended(const char *head, size_t len)
{
	return (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0) ||
	       (len >= 2 && memcmp(head + len - 2, "\n\n", 2) == 0);
}

/* Raw response head (capture mode only), the start of h->resp. A new
 * status line starts a new head, which drops interim 1xx responses. With
 * transfer decoding off, nothing comes here once the body has begun. */
static size_t on_header(char *data, size_t size, size_t n, void *userp)
{
	struct handle *h = userp;
	size_t len = size * n;
	if (h->body_bytes)
		return len;
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
		lk_buf_reset(&h->resp);
	if (h->resp.len + len <= MAX_HEAD_BYTES)
		lk_buf_append(&h->resp, data, len);
	h->head_len = h->resp.len;
	return len;
}

/* The request bytes as sent, from libcurl's debug stream. */
static int on_debug(CURL *c, curl_infotype type, char *data, size_t size, void *userp)
{
	struct handle *h = userp;
	(void)c;
	if (type == CURLINFO_HEADER_OUT) {
		lk_buf_reset(&h->req);
		lk_buf_append(&h->req, data, size);
		h->sent_at = lk_now_ms();
	} else if (type == CURLINFO_DATA_OUT && h->req.len + size <= MAX_HEAD_BYTES) {
		lk_buf_append(&h->req, data, size);
	}
	return 0;
}

void lk_capture_free(struct lk_capture *c)
{
	if (!c)
		return;
	free(c->url);
	lk_buf_free(&c->request);
	lk_buf_free(&c->response);
	free(c);
}

static int is_private_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		uint32_t a = ntohl(in->sin_addr.s_addr);
		return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 ||
		       (a >> 20) == 0xAC1 ||           /* 172.16.0.0/12 */
		       (a >> 16) == 0xC0A8 ||          /* 192.168.0.0/16 */
		       (a >> 16) == 0xA9FE ||          /* 169.254.0.0/16 */
		       (a >> 22) == (100u << 2 | 1u);  /* 100.64.0.0/10 */
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) || IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			return 1;
		if ((b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80))
			return 1;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			struct sockaddr_in in = {.sin_family = AF_INET};
			memcpy(&in.sin_addr, b + 12, 4);
			return is_private_addr((const struct sockaddr *)(const void *)&in);
		}
	}
	return 0;
}

static curl_socket_t on_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct handle *h = userp;
	(void)purpose;
	if (h->exclude_private && is_private_addr(&addr->addr)) {
		h->private_refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

/* ---- verdicts ------------------------------------------------------------ */

static void finish(struct engine *e, struct job *j, enum lk_status status, enum lk_reason reason,
                   const char *error)
{
	struct lk_result *r = &j->link->res;
	r->status = (uint8_t)status;
	r->reason = (uint8_t)reason;
	r->attempts = j->attempts;
	int64_t elapsed = j->started ? lk_mono_ms() - j->started : 0;
	r->elapsed_ms = elapsed < INT32_MAX ? (int32_t)elapsed : INT32_MAX;
	r->checked_at_ms = lk_now_ms();
	lk_result_take_final_url(r, j->url_owned ? j->url : NULL); /* NULL: where it started */
	j->url = NULL;
	j->url_owned = 0;
	lk_result_set_error(r, error);
	if (status == LK_STATUS_BROKEN)
		e->broken++;
	e->remaining--;
	e->done(e->ctx, j->link);
	j->next_free = e->free_jobs;
	e->free_jobs = j;
	e->live_jobs--;
}

static void set_url(struct job *j, const char *url)
{
	if (j->url_owned)
		free(j->url);
	j->url = lk_xstrdup(url);
	j->url_owned = 1;
}

static long backoff_ms(struct engine *e, int retry)
{
	long base = e->o->retry_wait_ms;
	for (int i = 0; i < retry && base < e->o->retry_after_cap_ms; i++)
		base *= 2;
	if (base > e->o->retry_after_cap_ms)
		base = e->o->retry_after_cap_ms;
	/* ±20 % jitter (xorshift64): retries of many URLs must not march in step. */
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	long span = base / 5;
	if (span > 0)
		base += (long)(e->rng % (uint64_t)(2 * span + 1)) - span;
	return base;
}

static void retry_later(struct engine *e, struct job *j, long delay_ms)
{
	j->retries_used++;
	lk_sched_enqueue_at(&e->sched, j->item.host, &j->item, lk_mono_ms() + delay_ms);
}

static int retryable_status(int s)
{
	return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static int wall_status(int s)
{
	return s == 401 || s == 403 || s == 999;
}

static void follow_redirect(struct engine *e, struct job *j, int status, const char *location)
{
	struct lk_result *r = &j->link->res;
	char key[512];
	if (!lk_url_is_http(location)) {
		lk_result_add_hop(r, j->url, status);
		set_url(j, location);
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_UNSUPPORTED_SCHEME,
		       "redirect to a scheme other than http(s)");
		return;
	}
	size_t nhops;
	const struct lk_hop *hops = lk_result_hops(r, &nhops);
	int loop = strcmp(location, j->url) == 0;
	for (size_t i = 0; i < nhops && !loop; i++)
		loop = strcmp(location, hops[i].url) == 0;
	lk_result_add_hop(r, j->url, status);
	set_url(j, location);
	if (loop) {
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_TOO_MANY_REDIRECTS, "redirect loop");
		return;
	}
	if ((int)nhops + 1 > e->o->max_redirects) { /* with the hop just added */
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_TOO_MANY_REDIRECTS,
		       "more redirects than --max-redirects");
		return;
	}
	if (lk_url_host_key(j->url, key, sizeof key) < 0) {
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_INVALID_URL, "redirect to an invalid URL");
		return;
	}
	j->head_status = 0;
	j->head_learned = 0;
	j->retries_used = 0;
	j->attempts = 0;
	lk_sched_enqueue(&e->sched, lk_sched_host(&e->sched, key), &j->item, 0);
}

static void judge_status(struct engine *e, struct job *j, int status, long retry_after_s,
                         const char *location)
{
	const struct lk_engine_opts *o = e->o;
	struct lk_sched_host *host = j->item.host;
	int redirect = status == 301 || status == 302 || status == 303 || status == 307 ||
	               status == 308;

	if (j->use_get && j->head_status && !j->head_learned) {
		lk_head_trust_learn(e->trust, j->url, j->head_status, status);
		j->head_learned = 1;
	}
	if (redirect && location && !lk_accept_match(&o->accept, status)) {
		follow_redirect(e, j, status, location);
		return;
	}
	if (lk_accept_match(&o->accept, status)) {
		if (!j->use_get)
			lk_head_trust_head_ok(e->trust, j->url);
		lk_sched_success(&e->sched, host);
		finish(e, j, LK_STATUS_OK, LK_REASON_NONE, NULL);
		return;
	}
	long wait = backoff_ms(e, j->retries_used);
	if (retry_after_s > 0) {
		long ra = retry_after_s * 1000 > o->retry_after_cap_ms ? o->retry_after_cap_ms
		                                                       : retry_after_s * 1000;
		if (ra > wait)
			wait = ra;
	}
	/* A 429 on HEAD is about the rate, not the method: wait, then ask
	 * again. Any other HEAD error is asked again with GET, unless HEAD has
	 * proved truthful for this status on this part of the host. */
	if (!j->use_get && status != 429 && !lk_head_trust_believes(e->trust, j->url, status)) {
		j->head_status = status;
		j->use_get = 1;
		lk_sched_enqueue(&e->sched, host, &j->item, 1);
		return;
	}
	if (retryable_status(status) && j->retries_used < o->retries) {
		if (status == 429 || (status == 503 && retry_after_s > 0))
			lk_sched_backoff(&e->sched, host, lk_mono_ms(), wait);
		retry_later(e, j, wait);
		return;
	}
	if (!j->use_get && status == 429) {
		/* HEAD 429 out of retries: GET gets one last word, after the wait
		 * the server asked for. */
		j->head_status = status;
		j->use_get = 1;
		lk_sched_enqueue_at(&e->sched, host, &j->item, lk_mono_ms() + wait);
		return;
	}
	char msg[64];
	snprintf(msg, sizeof msg, "HTTP %d", status);
	if (status == 429)
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_RATE_LIMITED, msg);
	else if (wall_status(status) && wall_status(j->head_status))
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_BLOCKED, msg);
	else
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_HTTP, msg);
}

static int tls_error(CURLcode c)
{
	switch (c) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

static void judge_error(struct engine *e, struct job *j, CURLcode code, const struct handle *h)
{
	char msg[CURL_ERROR_SIZE + 64];
	snprintf(msg, sizeof msg, "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(code));
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_DNS, msg);
		return;
	case CURLE_COULDNT_CONNECT:
		if (h->private_refused)
			finish(e, j, LK_STATUS_EXCLUDED, LK_REASON_PRIVATE,
			       "address is loopback, private or link-local");
		else
			finish(e, j, LK_STATUS_BROKEN, LK_REASON_REFUSED, msg);
		return;
	case CURLE_URL_MALFORMAT:
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_INVALID_URL, msg);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_UNSUPPORTED_SCHEME, msg);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		if (j->retries_used < e->o->retries) {
			retry_later(e, j, backoff_ms(e, j->retries_used));
			return;
		}
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_TIMEOUT, msg);
		return;
	default:
		break;
	}
	if (tls_error(code)) {
		finish(e, j, LK_STATUS_BROKEN, LK_REASON_TLS, msg);
		return;
	}
	/* Resets and empty replies: some servers mishandle HEAD, so try GET
	 * before spending a retry. */
	if (!j->use_get) {
		j->use_get = 1;
		lk_sched_enqueue(&e->sched, j->item.host, &j->item, 1);
		return;
	}
	if (j->retries_used < e->o->retries) {
		retry_later(e, j, backoff_ms(e, j->retries_used));
		return;
	}
	finish(e, j, LK_STATUS_BROKEN, LK_REASON_NETWORK, msg);
}

/* ---- transfers ----------------------------------------------------------- */

static void start(struct engine *e, struct job *j)
{
	const struct lk_engine_opts *o = e->o;
	struct handle *h = e->free_handles[--e->nfree];
	CURL *c = h->easy;
	curl_easy_reset(c);
	h->job = j;
	h->body_bytes = 0;
	h->body_cut = 0;
	h->time_cut = 0;
	h->private_refused = 0;
	h->errbuf[0] = '\0';
	h->sent_at = 0;
	lk_buf_reset(&h->req);
	lk_buf_reset(&h->resp);
	h->head_len = 0;
	if (!j->started)
		j->started = lk_mono_ms();
	j->attempts++;

	curl_easy_setopt(c, CURLOPT_URL, j->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 10L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent ? o->user_agent : DEFAULT_USER_AGENT);
	/* Wait for a connection that may multiplex only where one can: h2
	 * comes from TLS ALPN, which answers with the handshake. On http://
	 * (and in capture mode, HTTP/1.1 only) waiting would hold every
	 * host's second transfer until its first response. */
	curl_easy_setopt(c, CURLOPT_PIPEWAIT,
	                 !o->capture && strncmp(j->url, "https://", 8) == 0 ? 1L : 0L);
	if (e->headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, e->headers);
	if (e->connect_to)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, e->connect_to);
	if (o->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	if (o->capture) {
		/* Bytes exactly as they travel: HTTP/1.1 (an h2 exchange has no
		 * HTTP/1.1 bytes to store), chunking and gzip left in place. */
		curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
		curl_easy_setopt(c, CURLOPT_HTTP_CONTENT_DECODING, 0L);
		curl_easy_setopt(c, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, h);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	if (j->use_get)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	else
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_multi_add_handle(e->multi, c);
}

static void emit_capture(struct engine *e, struct handle *h, struct job *j, int status)
{
	struct lk_capture *cap = lk_xcalloc(1, sizeof *cap);
	char *ip = NULL;
	curl_easy_getinfo(h->easy, CURLINFO_PRIMARY_IP, &ip);
	snprintf(cap->ip, sizeof cap->ip, "%s", ip ? ip : "");
	cap->link = j->link;
	cap->url = lk_xstrdup(j->url);
	cap->http_status = status;
	cap->date_ms = h->sent_at ? h->sent_at : lk_now_ms();
	cap->request = h->req;
	cap->header_len = h->head_len;
	cap->response = h->resp; /* handed over whole: the body is not copied */
	cap->truncated = h->body_cut   ? LK_CAPTURE_TRUNCATED_LENGTH
	                 : h->time_cut ? LK_CAPTURE_TRUNCATED_TIME
	                               : LK_CAPTURE_COMPLETE;
	memset(&h->req, 0, sizeof h->req);
	memset(&h->resp, 0, sizeof h->resp);
	e->o->capture_fn(e->o->capture_ctx, cap);
}

static void harvest(struct engine *e)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(e->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *c = msg->easy_handle;
		CURLcode code = msg->data.result;
		struct handle *h;
		long status = 0;
		curl_off_t retry_after = 0;
		char *location = NULL;
		curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&h);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after);
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
		struct job *j = h->job;
		char *loc = location ? lk_xstrdup(location) : NULL;
		curl_multi_remove_handle(e->multi, c);
		e->free_handles[e->nfree++] = h;
		lk_sched_done(&e->sched, j->item.host);

		struct lk_result *r = &j->link->res;
		if (code == CURLE_WRITE_ERROR && h->body_cut)
			code = CURLE_OK; /* we stopped reading a large body on purpose */
		/* The time cap of a capture: the server answered, its body was
		 * still coming at --timeout (or stalled below the low-speed
		 * limit). The page is alive; keep what arrived, marked as such. */
		if (h->capture && code == CURLE_OPERATION_TIMEDOUT && status >= 200 &&
		    head_ended(h->resp.data, h->head_len)) {
			code = CURLE_OK;
			h->time_cut = 1;
		}
		if (h->capture && code == CURLE_OK && status > 0 && status < 400)
			emit_capture(e, h, j, (int)status);
		r->curl_code = (int16_t)code;
		r->method = j->use_get ? "GET" : "HEAD";
		if (status > 0)
			r->http_status = (int)status;
		if (code == CURLE_OK && status > 0)
			judge_status(e, j, (int)status, (long)retry_after, loc);
		else
			judge_error(e, j, code == CURLE_OK ? CURLE_GOT_NOTHING : code, h);
		free(loc);
	}
}

static void progress(struct engine *e, int final)
{
	int64_t now = lk_mono_ms();
	if (!final && now - e->last_progress < PROGRESS_EVERY_MS)
		return;
	e->last_progress = now;
	fprintf(stderr, "\r\033[K%zu/%zu checked, %zu broken, %d in flight%s",
	        e->nlinks - e->remaining, e->nlinks, e->broken, e->sched.in_flight,
	        final ? "\r\033[K" : "");
	fflush(stderr);
}

static void socket_events(struct engine *e, const struct epoll_event *ev, int n)
{
	int running;
	for (int i = 0; i < n; i++) {
		int flags = 0;
		if (ev[i].events & EPOLLIN)
			flags |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			flags |= CURL_CSELECT_OUT;
		if (ev[i].events & (EPOLLERR | EPOLLHUP))
			flags |= CURL_CSELECT_ERR;
		curl_multi_socket_action(e->multi, ev[i].data.fd, flags, &running);
	}
	if (e->curl_due >= 0 && lk_mono_ms() >= e->curl_due) {
		e->curl_due = -1;
		curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

static long next_wait_ms(struct engine *e, int64_t now)
{
	long wait = -1;
	if (e->curl_due >= 0)
		wait = e->curl_due > now ? (long)(e->curl_due - now) : 0;
	long t = lk_sched_next_timer_ms(&e->sched, now);
	if (t >= 0 && (wait < 0 || t < wait))
		wait = t;
	if (e->o->progress && (wait < 0 || wait > PROGRESS_EVERY_MS))
		wait = PROGRESS_EVERY_MS;
	/* Bounded even if every clock is quiet: nothing waits forever. */
	if (wait < 0 || wait > 1000)
		wait = 1000;
	return wait;
}

/* Turns links into queued jobs while the window has room. */
static void feed(struct engine *e)
{
	const struct lk_engine_opts *o = e->o;
	while (e->live_jobs < e->window && e->next_link < e->nlinks) {
		char key[512];
		if (!e->free_jobs) {
			struct job_slab *slab = lk_xcalloc(1, sizeof *slab);
			slab->next = e->slabs;
			e->slabs = slab;
			for (size_t k = 0; k < JOB_SLAB; k++) {
				slab->jobs[k].next_free = e->free_jobs;
				e->free_jobs = &slab->jobs[k];
			}
		}
		struct job *j = e->free_jobs;
		e->free_jobs = j->next_free;
		memset(j, 0, sizeof *j);
		j->link = e->links[e->next_link++];
		j->url = j->link->url;
		/* GET at once when the page is fetched anyway, or when asked to */
		j->use_get = o->capture || o->get_only;
		e->live_jobs++;
		if (lk_url_host_key(j->url, key, sizeof key) < 0) {
			finish(e, j, LK_STATUS_BROKEN, LK_REASON_INVALID_URL, "cannot parse host");
			continue;
		}
		lk_sched_enqueue(&e->sched, lk_sched_host(&e->sched, key), &j->item, 0);
	}
}

static volatile sig_atomic_t stop_requested;

void lk_engine_request_stop(void)
{
	stop_requested = 1;
}

static int loop(struct engine *e, char *err, size_t errlen)
{
	struct epoll_event ev[MAX_EVENTS];
	while (e->remaining > 0) {
		if (stop_requested) {
			snprintf(err, errlen, "interrupted");
			if (e->o->progress)
				progress(e, 1);
			return -2;
		}
		int64_t now = lk_mono_ms();
		feed(e);
		lk_sched_fire_timers(&e->sched, now);
		struct lk_sched_item *it;
		int nstart = 0;
		while (nstart < START_BATCH && (it = lk_sched_next_ready(&e->sched, now))) {
			start(e, (struct job *)(void *)it);
			nstart++;
		}
		if (lk_sched_idle(&e->sched) && e->next_link == e->nlinks) {
			snprintf(err, errlen, "internal error: %zu links left with nothing to do",
			         e->remaining);
			return -1;
		}
		/* More may start at once: only look at the sockets, do not wait. */
		int wait = nstart == START_BATCH ? 0 : (int)next_wait_ms(e, now);
		int n = epoll_wait(e->epfd, ev, MAX_EVENTS, wait);
		if (n < 0 && errno != EINTR) {
			snprintf(err, errlen, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		socket_events(e, ev, n > 0 ? n : 0);
		harvest(e);
		if (e->o->progress)
			progress(e, 0);
	}
	if (e->o->progress)
		progress(e, 1);
	return 0;
}

static int setup(struct engine *e, char *err, size_t errlen)
{
	const struct lk_engine_opts *o = e->o;
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	e->multi = curl_multi_init();
	if (!e->multi) {
		snprintf(err, errlen, "curl_multi_init failed");
		return -1;
	}
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	/* Safety nets only: the scheduler already keeps within these. */
	/* Room for idle connections of hosts that are not busy right now, so
	 * moving transfers between hosts does not evict warm connections. */
	curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)o->concurrency * 2);
	curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->per_host);
	size_t n = (size_t)o->concurrency;
	e->pool = lk_xcalloc(n, sizeof *e->pool);
	e->free_handles = lk_xcalloc(n, sizeof *e->free_handles);
	for (size_t i = 0; i < n; i++) {
		e->pool[i].easy = curl_easy_init();
		if (!e->pool[i].easy) {
			snprintf(err, errlen, "curl_easy_init failed");
			return -1;
		}
		/* What a handle's transfers share for the whole run. */
		e->pool[i].exclude_private = o->exclude_private;
		e->pool[i].capture = o->capture;
		e->pool[i].body_limit = o->capture ? (size_t)o->max_page_size : BODY_READ_LIMIT;
		e->free_handles[e->nfree++] = &e->pool[i];
	}
	for (size_t i = 0; i < o->nheaders; i++)
		e->headers = curl_slist_append(e->headers, o->headers[i]);
	for (size_t i = 0; i < o->nconnect_to; i++)
		e->connect_to = curl_slist_append(e->connect_to, o->connect_to[i]);
	e->rng = (uint64_t)lk_now_ms() | 1;
	e->curl_due = -1;
	return 0;
}

static void teardown(struct engine *e)
{
	if (e->pool) {
		for (size_t i = 0; i < (size_t)e->o->concurrency; i++) {
			if (!e->pool[i].easy)
				continue;
			if (e->multi)
				curl_multi_remove_handle(e->multi, e->pool[i].easy);
			curl_easy_cleanup(e->pool[i].easy);
			lk_buf_free(&e->pool[i].req);
			lk_buf_free(&e->pool[i].resp);
		}
	}
	if (e->multi)
		curl_multi_cleanup(e->multi);
	if (e->epfd >= 0)
		close(e->epfd);
	curl_slist_free_all(e->headers);
	curl_slist_free_all(e->connect_to);
	free(e->pool);
	free(e->free_handles);
	lk_sched_free(&e->sched);
	lk_head_trust_free(&e->own_trust);
}

int lk_engine_run(const struct lk_engine_opts *o, struct lk_link **links, size_t n,
                  lk_engine_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct engine e = {
		.o = o, .epfd = -1, .done = done, .ctx = ctx, .remaining = n,
		.links = links, .nlinks = n,
		.window = (size_t)o->concurrency * 64 > 65536 ? (size_t)o->concurrency * 64 : 65536,
	};
	int rc = -1;
	lk_sched_init(&e.sched, o->concurrency, o->per_host);
	lk_head_trust_init(&e.own_trust);
	e.trust = o->head_trust ? o->head_trust : &e.own_trust;
	if (setup(&e, err, errlen) < 0)
		goto out;
	rc = loop(&e, err, errlen);
out:
	teardown(&e);
	while (e.slabs) {
		struct job_slab *slab = e.slabs;
		e.slabs = slab->next;
		for (size_t k = 0; k < JOB_SLAB; k++)
			if (slab->jobs[k].url_owned) /* a redirect under way at an interrupt */
				free(slab->jobs[k].url);
		free(slab);
	}
	return rc;
}
