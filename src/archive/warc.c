/*
 * warc.c — WARC/1.1 records on disk: the writer, the reader and the repair
 * of files left open by a killed run (see warc.h for the record layout).
 *
 * Writer. Each record is built whole before anything is written: the block
 * is in the caller's memory, so Content-Length and the sha256 digests go into
 * the header first (WARC puts them before the block). The record — header,
 * blank line, block, CRLF CRLF — is compressed as one gzip member by an
 * encoder (zlib, windowBits 15+16, Z_FINISH, deflateReset). The writer
 * appends finished members to an in-memory buffer that goes to the file
 * with write(2) when it passes 1 MiB, on lk_warc_flush and on close.
 * Offsets are known exactly because we count the bytes: a member's offset
 * is bytes-on-disk + bytes-buffered. A failed write truncates the file back
 * to the last good length, so the file never ends in half a member written
 * by us.
 *
 * Encoding a capture needs no writer, only the id of the warcinfo record its
 * records point to, so the archiver encodes on several threads
 * (lk_warc_encode_capture) and one thread appends the members in order
 * (lk_warc_append), turning their relative offsets into file offsets.
 *
 * Payload digest. warcio.js (WARCSerializer.digestRecord and
 * WARCRecord.readFully) hashes the payload as the raw bytes after the HTTP
 * head — chunk framing and gzip left in — and so do Python warcio and wget.
 * The WARC 1.1 text says "with any transfer-encoding removed"
 * (iipc/warc-specifications#22), and a few crawlers have moved to that. We
 * follow warcio.js: it is what ReplayWeb.page and our test oracle verify.
 * Consequence: two identical pages sent with different chunk sizes do not
 * dedup against each other.
 *
 * Reader. A small pull parser over a byte source that is either the plain
 * file or the concatenated output of its gzip members. It inflates one
 * member at a time and never starts the next member while bytes of the
 * current one are unread, so it always knows which member (file offset) the
 * current byte came from. That gives each record its member's offset and,
 * when the member ends right after the record, its length. Blocks are kept
 * up to max_block bytes; the rest is skipped, so memory stays bounded on
 * any input.
 *
 * Repair reuses the reader in strict mode (no record may spill into the next
 * member, CRLF CRLF must follow each block) and cuts the file after the last
 * member that ended cleanly.
 */
#include "linkkeeper/warc.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define WARC_VERSION "WARC/1.1"
#define CONFORMS_TO "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"

/* Finished members are written once this many bytes are buffered. */
#define WRITE_THRESHOLD ((size_t)1 << 20)
/* zlib counts in uInt: feed it at most this much per call. */
#define ZSLICE ((size_t)1 << 30)
/* Reader buffers, and the longest WARC header we accept. */
#define RD_IN_SIZE 65536
#define RD_OUT_SIZE 65536
#define MAX_WARC_HEADER (256 * 1024)
#define MAX_WARC_FIELDS 512

static const char *const type_names[] = {
	[LK_WARC_NONE] = "",
	[LK_WARC_WARCINFO] = "warcinfo",
	[LK_WARC_RESPONSE] = "response",
	[LK_WARC_RESOURCE] = "resource",
	[LK_WARC_REQUEST] = "request",
	[LK_WARC_METADATA] = "metadata",
	[LK_WARC_REVISIT] = "revisit",
	[LK_WARC_CONVERSION] = "conversion",
	[LK_WARC_CONTINUATION] = "continuation",
	[LK_WARC_UNKNOWN] = "",
};

const char *lk_warc_type_name(enum lk_warc_type t)
{
	if ((unsigned)t > (unsigned)LK_WARC_UNKNOWN)
		return "";
	return type_names[t];
}

enum lk_warc_type lk_warc_type_from_name(const char *name)
{
	for (int t = LK_WARC_WARCINFO; t < LK_WARC_UNKNOWN; t++)
		if (strcasecmp(name, type_names[t]) == 0)
			return (enum lk_warc_type)t;
	return LK_WARC_UNKNOWN;
}

/* ---- names, ids, digests ------------------------------------------- */

int lk_warc_filename(char *out, size_t outlen, int64_t now_ms, unsigned serial)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	if (!gmtime_r(&secs, &tm))
		return -1;
	int n = snprintf(out, outlen, "linkkeeper-%04d%02d%02d%02d%02d%02d%03d-%05u.warc.gz",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, (int)(now_ms % 1000), serial);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int lk_warc_new_record_id(char out[LK_WARC_ID_SIZE])
{
	unsigned char u[16];
	size_t got = 0;
	while (got < sizeof(u)) {
		ssize_t n = getrandom(u + got, sizeof(u) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, LK_WARC_ID_SIZE,
	         "<urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x>",
	         u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	         u[13], u[14], u[15]);
	return 0;
}

struct piece {
	const void *p;
	size_t n;
};

static void sha256_pieces(const struct piece *pc, size_t npc, char out[LK_WARC_DIGEST_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx) {
		fprintf(stderr, "linkkeeper: out of memory (EVP_MD_CTX)\n");
		abort();
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t i = 0; i < npc; i++)
		if (pc[i].n)
			EVP_DigestUpdate(ctx, pc[i].p, pc[i].n);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < mdlen && i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

void lk_warc_sha256(const void *p, size_t n, char out[LK_WARC_DIGEST_SIZE])
{
	struct piece pc = {p, n};
	sha256_pieces(&pc, 1, out);
}

static int uri_byte_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

char *lk_warc_archived_uri(const char *url)
{
	char *redacted = lk_redact_url(url);
	char *uri = lk_warc_uri_escape(redacted);
	free(redacted);
	return uri;
}

char *lk_warc_uri_escape(const char *uri)
{
	struct lk_buf b = {0};
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++) {
		if (uri_byte_ok(*p))
			lk_buf_putc(&b, (char)*p);
		else
			lk_buf_printf(&b, "%%%02X", *p);
	}
	return lk_buf_detach(&b);
}

/* ---- validation ----------------------------------------------------- */

/* Header field values: no control characters but tab (CR/LF would let a
 * value start a new field). */
static int value_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return 1;
}

static int token_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(isalnum(*p) || strchr("!#$%&'*+-.^_`|~", *p)))
			return 0;
	return 1;
}

static int uri_ok(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!uri_byte_ok(*p))
			return 0;
	return 1;
}

static int id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 3 && s[0] == '<' && s[n - 1] == '>' && uri_ok(s);
}

/* Appends "name: value\r\n" with control characters in value turned into
 * spaces: titles and file names come from the web and from users. */
static void put_field_line(struct lk_buf *b, const char *name, const char *value)
{
	lk_buf_puts(b, name);
	lk_buf_puts(b, ": ");
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		lk_buf_putc(b, (*p < 0x20 || *p == 0x7f) ? ' ' : (char)*p);
	lk_buf_puts(b, "\r\n");
}

/* ---- writer ---------------------------------------------------------- */

struct lk_warc_writer {
	int fd;
	char *path;      /* final name */
	char *open_path; /* path + ".open", the file being written */
	char warcinfo_id[LK_WARC_ID_SIZE];
	struct lk_warc_encoder *enc; /* for the records written through the writer */
	struct lk_buf pending; /* finished gzip members not yet written */
	int64_t written;       /* bytes in the file */
	int failed;            /* an I/O error happened: nothing more is written */
	char err[512];
};

static int wfail(struct lk_warc_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int wfail(struct lk_warc_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->err, sizeof(w->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *lk_warc_warcinfo_id(const struct lk_warc_writer *w)
{
	return w->warcinfo_id;
}

int64_t lk_warc_offset(const struct lk_warc_writer *w)
{
	return w->written + (int64_t)w->pending.len;
}

const char *lk_warc_error(const struct lk_warc_writer *w)
{
	return w->err;
}

/* ---- encoder: records to gzip members -------------------------------- */

struct lk_warc_encoder {
	z_stream z;
	struct lk_buf header; /* scratch: the WARC header being built */
};

struct lk_warc_encoder *lk_warc_encoder_new(int level)
{
	if (level < 0 || level > LK_WARC_MAX_LEVEL)
		return NULL;
	struct lk_warc_encoder *e = lk_xcalloc(1, sizeof(*e));
	if (deflateInit2(&e->z, level ? level : LK_WARC_DEFAULT_LEVEL, Z_DEFLATED, 15 + 16, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(e);
		return NULL;
	}
	return e;
}

void lk_warc_encoder_free(struct lk_warc_encoder *e)
{
	if (!e)
		return;
	deflateEnd(&e->z);
	lk_buf_free(&e->header);
	free(e);
}

/* Feeds n bytes at p to the compressor, output going to dst; with finish
 * set, ends the gzip member after them. */
static void deflate_bytes(z_stream *z, struct lk_buf *dst, const unsigned char *p, size_t n,
                          int finish)
{
	do {
		size_t step = n < ZSLICE ? n : ZSLICE;
		int last = finish && step == n;
		int rc;
		z->next_in = (unsigned char *)(uintptr_t)p;
		z->avail_in = (uInt)step;
		do {
			lk_buf_reserve(dst, 65536);
			z->next_out = (unsigned char *)dst->data + dst->len;
			z->avail_out = 65536;
			rc = deflate(z, last ? Z_FINISH : Z_NO_FLUSH);
			dst->len += 65536 - z->avail_out;
		} while (last ? rc != Z_STREAM_END : z->avail_in > 0);
		if (step)
			p += step;
		n -= step;
	} while (n > 0);
}

/* Compresses the pieces as one gzip member appended to dst. */
static void deflate_member(struct lk_warc_encoder *e, struct lk_buf *dst, const struct piece *pc,
                           size_t npc)
{
	for (size_t i = 0; i < npc; i++)
		if (pc[i].n)
			deflate_bytes(&e->z, dst, pc[i].p, pc[i].n, 0);
	deflate_bytes(&e->z, dst, NULL, 0, 1);
	deflateReset(&e->z);
}

/* Writes everything buffered. On failure the file is cut back to the last
 * length known good and the writer fails from then on. */
static int write_pending(struct lk_warc_writer *w)
{
	if (w->failed)
		return -1;
	size_t off = 0;
	while (off < w->pending.len) {
		ssize_t n = write(w->fd, w->pending.data + off, w->pending.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			if (ftruncate(w->fd, (off_t)w->written) == 0)
				lseek(w->fd, (off_t)w->written, SEEK_SET);
			w->failed = 1;
			return wfail(w, "cannot write %s: %s", w->open_path, strerror(e));
		}
		off += (size_t)n;
	}
	w->written += (int64_t)w->pending.len;
	lk_buf_reset(&w->pending);
	return 0;
}

/* Everything one record needs; strings are validated by the caller. */
struct rec {
	enum lk_warc_type type;
	const char *id;
	const char *date;
	const char *target_uri;     /* NULL omits */
	const struct lk_warc_field *fields;
	size_t n_fields;
	const char *content_type;   /* NULL omits */
	const char *payload_digest; /* given digest (revisit), or NULL */
	int hash_payload;           /* 1: payload digest = sha256(body) */
	struct piece head, body;
};

/* Where an encoded record goes: dst, whose byte 0 is at offset base. */
struct sink {
	struct lk_warc_encoder *e;
	const char *warcinfo_id;
	struct lk_buf *dst;
	int64_t base;
};

/* Builds the header and appends the record's gzip member to the sink. */
static void emit_record(const struct sink *k, const struct rec *r, struct lk_warc_written *out)
{
	struct piece block[2] = {r->head, r->body};
	memset(out, 0, sizeof(*out));
	out->type = r->type;
	snprintf(out->id, sizeof(out->id), "%s", r->id);
	sha256_pieces(block, 2, out->block_digest);
	if (r->hash_payload)
		sha256_pieces(&r->body, 1, out->payload_digest);
	else if (r->payload_digest)
		snprintf(out->payload_digest, sizeof(out->payload_digest), "%s", r->payload_digest);

	struct lk_buf *h = &k->e->header;
	lk_buf_reset(h);
	lk_buf_puts(h, WARC_VERSION "\r\n");
	lk_buf_printf(h, "WARC-Type: %s\r\n", lk_warc_type_name(r->type));
	lk_buf_printf(h, "WARC-Record-ID: %s\r\n", r->id);
	if (r->type != LK_WARC_WARCINFO)
		lk_buf_printf(h, "WARC-Warcinfo-ID: %s\r\n", k->warcinfo_id);
	lk_buf_printf(h, "WARC-Date: %s\r\n", r->date);
	if (r->target_uri)
		lk_buf_printf(h, "WARC-Target-URI: %s\r\n", r->target_uri);
	for (size_t i = 0; i < r->n_fields; i++)
		lk_buf_printf(h, "%s: %s\r\n", r->fields[i].name, r->fields[i].value);
	if (r->content_type)
		lk_buf_printf(h, "Content-Type: %s\r\n", r->content_type);
	if (out->payload_digest[0])
		lk_buf_printf(h, "WARC-Payload-Digest: %s\r\n", out->payload_digest);
	lk_buf_printf(h, "WARC-Block-Digest: %s\r\n", out->block_digest);
	lk_buf_printf(h, "Content-Length: %zu\r\n\r\n", r->head.n + r->body.n);

	struct piece pc[4] = {{h->data, h->len}, r->head, r->body, {"\r\n\r\n", 4}};
	out->offset = k->base + (int64_t)k->dst->len;
	deflate_member(k->e, k->dst, pc, 4);
	out->length = k->base + (int64_t)k->dst->len - out->offset;
}

/* The writer's own sink: its buffer of members not yet written. */
static struct sink writer_sink(struct lk_warc_writer *w)
{
	return (struct sink){w->enc, w->warcinfo_id, &w->pending, w->written};
}

static int write_out_if_full(struct lk_warc_writer *w)
{
	return w->pending.len >= WRITE_THRESHOLD ? write_pending(w) : 0;
}

static void format_date(int64_t ms, char out[LK_WARC_DATE_SIZE])
{
	lk_format_time(ms ? ms : lk_now_ms(), 1, out);
}

static int write_warcinfo(struct lk_warc_writer *w, const struct lk_warc_open_opts *o)
{
	struct lk_buf block = {0};
	char date[LK_WARC_DATE_SIZE];
	put_field_line(&block, "software", "linkkeeper/" LK_VERSION);
	put_field_line(&block, "format", "WARC File Format 1.1");
	put_field_line(&block, "conformsTo", CONFORMS_TO);
	if (o->is_part_of)
		put_field_line(&block, "isPartOf", o->is_part_of);
	if (o->description)
		put_field_line(&block, "description", o->description);
	if (o->user_agent)
		put_field_line(&block, "http-header-user-agent", o->user_agent);
	for (size_t i = 0; i < o->n_extra; i++) {
		if (!token_ok(o->extra[i].name) || !o->extra[i].value) {
			lk_buf_free(&block);
			return wfail(w, "invalid warcinfo field name");
		}
		put_field_line(&block, o->extra[i].name, o->extra[i].value);
	}

	const char *base = strrchr(w->path, '/');
	base = base ? base + 1 : w->path;
	struct lk_warc_field fname = {"WARC-Filename", base};
	format_date(o->now_ms, date);
	struct rec r = {
		.type = LK_WARC_WARCINFO,
		.id = w->warcinfo_id,
		.date = date,
		.fields = &fname,
		.n_fields = value_ok(base) ? 1 : 0,
		.content_type = "application/warc-fields",
		.body = {block.data, block.len},
	};
	struct lk_warc_written out;
	struct sink k = writer_sink(w);
	emit_record(&k, &r, &out);
	lk_buf_free(&block);
	return write_pending(w);
}

static void writer_free(struct lk_warc_writer *w)
{
	lk_warc_encoder_free(w->enc);
	lk_buf_free(&w->pending);
	free(w->path);
	free(w->open_path);
	free(w);
}

int lk_warc_open(const char *path, const struct lk_warc_open_opts *opts,
                 struct lk_warc_writer **out, char *err, size_t errlen)
{
	static const struct lk_warc_open_opts no_opts;
	const struct lk_warc_open_opts *o = opts ? opts : &no_opts;
	*out = NULL;
	if (o->level < 0 || o->level > LK_WARC_MAX_LEVEL) {
		snprintf(err, errlen, "invalid gzip level %d", o->level);
		return -1;
	}
	struct lk_warc_writer *w = lk_xcalloc(1, sizeof(*w));
	w->fd = -1;
	w->path = lk_xstrdup(path);
	w->open_path = lk_xasprintf("%s.open", path);
	w->enc = lk_warc_encoder_new(o->level);
	if (!w->enc) {
		snprintf(err, errlen, "zlib: deflateInit2 failed");
		writer_free(w);
		return -1;
	}
	if (lk_warc_new_record_id(w->warcinfo_id) < 0) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		writer_free(w);
		return -1;
	}
	w->fd = open(w->open_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", w->open_path, strerror(errno));
		writer_free(w);
		return -1;
	}
	if (write_warcinfo(w, o) < 0) {
		snprintf(err, errlen, "%s", w->err);
		close(w->fd);
		unlink(w->open_path);
		writer_free(w);
		return -1;
	}
	*out = w;
	return 0;
}

/* NULL when the fields are fine, else what is wrong. */
static const char *fields_problem(const struct lk_warc_field *f, size_t n, int values_verbatim)
{
	for (size_t i = 0; i < n; i++) {
		if (!token_ok(f[i].name))
			return "invalid field name";
		if (!f[i].value || (values_verbatim && !value_ok(f[i].value)))
			return "invalid field value";
	}
	return NULL;
}

/* The IP as WARC-IP-Address wants it; IPv6 in RFC 5952 form. */
static int canonical_ip(const char *ip, char out[INET6_ADDRSTRLEN])
{
	unsigned char addr[16];
	if (inet_pton(AF_INET, ip, addr) == 1)
		return inet_ntop(AF_INET, addr, out, INET6_ADDRSTRLEN) ? 0 : -1;
	if (inet_pton(AF_INET6, ip, addr) == 1)
		return inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN) ? 0 : -1;
	return -1;
}

static int head_complete(const unsigned char *p, size_t n)
{
	return (n >= 4 && memcmp(p + n - 4, "\r\n\r\n", 4) == 0) ||
	       (n >= 2 && memcmp(p + n - 2, "\n\n", 2) == 0);
}

/* NULL when c can be written, else what is wrong; fills ip (canonical, or
 * "" when c has none). */
static const char *capture_problem(const struct lk_warc_capture *c, char ip[INET6_ADDRSTRLEN])
{
	*ip = '\0';
	if (!uri_ok(c->target_uri))
		return "target URI is not an RFC 3986 URI (escape it first)";
	if (!c->resp_head || !head_complete(c->resp_head, c->resp_head_len))
		return "response head missing or not ended by a blank line";
	if (c->resp_body_len && !c->resp_body)
		return "response body is NULL";
	if (c->request_len && !c->request)
		return "request is NULL";
	const char *bad_meta = c->n_meta ? fields_problem(c->meta, c->n_meta, 0) : NULL;
	if (bad_meta)
		return bad_meta;
	if (c->response_id && !id_ok(c->response_id))
		return "invalid response record id";
	const struct lk_warc_revisit_of *rv = c->revisit;
	if (rv && (!id_ok(rv->record_id) || !uri_ok(rv->target_uri) || !rv->date ||
	           !value_ok(rv->date) || !rv->payload_digest || !*rv->payload_digest ||
	           !uri_ok(rv->payload_digest)))
		return "incomplete or invalid revisit reference";
	if (c->ip && canonical_ip(c->ip, ip) < 0)
		return "invalid IP address";
	return NULL;
}

int lk_warc_check_capture(const struct lk_warc_capture *c, char *err, size_t errlen)
{
	char ip[INET6_ADDRSTRLEN];
	const char *why = capture_problem(c, ip);
	if (why && err && errlen)
		snprintf(err, errlen, "%s", why);
	return why ? -1 : 0;
}

/* What the records of one capture share. */
struct capture_ids {
	const char *date;
	const char *ip; /* "" when none */
	char req[LK_WARC_ID_SIZE], resp[LK_WARC_ID_SIZE], meta[LK_WARC_ID_SIZE];
};

static void emit_request(const struct sink *k, const struct lk_warc_capture *c,
                         const struct capture_ids *ids, struct lk_warc_written *out)
{
	struct lk_warc_field f[2];
	size_t nf = 0;
	f[nf++] = (struct lk_warc_field){"WARC-Concurrent-To", ids->resp};
	if (*ids->ip)
		f[nf++] = (struct lk_warc_field){"WARC-IP-Address", ids->ip};
	struct rec q = {
		.type = LK_WARC_REQUEST,
		.id = ids->req,
		.date = ids->date,
		.target_uri = c->target_uri,
		.fields = f,
		.n_fields = nf,
		.content_type = "application/http;msgtype=request",
		.body = {c->request, c->request_len},
	};
	emit_record(k, &q, out);
}

/* The response, or the revisit when c->revisit is set. */
static void emit_response(const struct sink *k, const struct lk_warc_capture *c,
                          const struct capture_ids *ids, struct lk_warc_written *out)
{
	static const char *const trunc_names[] = {"", "length", "time", "disconnect"};
	const struct lk_warc_revisit_of *rv = c->revisit;
	struct lk_warc_field f[6];
	size_t nf = 0;
	if (*ids->ip)
		f[nf++] = (struct lk_warc_field){"WARC-IP-Address", ids->ip};
	if (rv) {
		f[nf++] = (struct lk_warc_field){"WARC-Profile", LK_WARC_PROFILE_IDENTICAL};
		f[nf++] = (struct lk_warc_field){"WARC-Refers-To", rv->record_id};
		f[nf++] = (struct lk_warc_field){"WARC-Refers-To-Target-URI", rv->target_uri};
		f[nf++] = (struct lk_warc_field){"WARC-Refers-To-Date", rv->date};
		f[nf++] = (struct lk_warc_field){"WARC-Truncated", "length"};
	} else if (c->truncated > LK_WARC_TRUNC_NONE && c->truncated <= LK_WARC_TRUNC_DISCONNECT) {
		f[nf++] = (struct lk_warc_field){"WARC-Truncated", trunc_names[c->truncated]};
	}
	struct rec r = {
		.type = rv ? LK_WARC_REVISIT : LK_WARC_RESPONSE,
		.id = ids->resp,
		.date = ids->date,
		.target_uri = c->target_uri,
		.fields = f,
		.n_fields = nf,
		.content_type = "application/http;msgtype=response",
		.payload_digest = rv ? rv->payload_digest : c->payload_digest,
		.hash_payload = !rv && !c->payload_digest,
		.head = {c->resp_head, c->resp_head_len},
		/* A revisit stores the head only (WARC-Truncated: length). */
		.body = {rv ? NULL : c->resp_body, rv ? 0 : c->resp_body_len},
	};
	emit_record(k, &r, out);
}

static void emit_metadata(const struct sink *k, const struct lk_warc_capture *c,
                          const struct capture_ids *ids, struct lk_warc_written *out)
{
	struct lk_buf block = {0};
	for (size_t i = 0; i < c->n_meta; i++)
		put_field_line(&block, c->meta[i].name, c->meta[i].value);
	struct lk_warc_field refers = {"WARC-Refers-To", ids->resp};
	struct rec m = {
		.type = LK_WARC_METADATA,
		.id = ids->meta,
		.date = ids->date,
		.target_uri = c->target_uri,
		.fields = &refers,
		.n_fields = 1,
		.content_type = "application/warc-fields",
		.body = {block.data, block.len},
	};
	emit_record(k, &m, out);
	lk_buf_free(&block);
}

/* Encodes a checked capture into the sink: request, response (or revisit),
 * metadata, adjacent. Returns 0, or -1 when no record id could be made
 * (nothing was added then). */
static int encode_capture(const struct sink *k, const struct lk_warc_capture *c, const char *ip,
                          struct lk_warc_capture_result *res)
{
	struct capture_ids ids = {.date = res->date, .ip = ip};
	memset(res, 0, sizeof(*res));
	if (c->response_id)
		snprintf(ids.resp, sizeof(ids.resp), "%s", c->response_id);
	else if (lk_warc_new_record_id(ids.resp) < 0)
		return -1;
	if (lk_warc_new_record_id(ids.req) < 0 || lk_warc_new_record_id(ids.meta) < 0)
		return -1;
	format_date(c->date_ms, res->date);
	if (c->request_len)
		emit_request(k, c, &ids, &res->request);
	emit_response(k, c, &ids, &res->response);
	if (c->n_meta)
		emit_metadata(k, c, &ids, &res->metadata);
	return 0;
}

int lk_warc_write_capture(struct lk_warc_writer *w, const struct lk_warc_capture *c,
                          struct lk_warc_capture_result *res)
{
	char ip[INET6_ADDRSTRLEN];
	memset(res, 0, sizeof(*res));
	if (w->failed)
		return wfail(w, "writer failed earlier: %s", w->err);
	const char *why = capture_problem(c, ip);
	if (why)
		return wfail(w, "%s", why);
	/* Everything is checked: from here on the capture goes into the
	 * buffer whole, so a capture is never half in the file. */
	struct sink k = writer_sink(w);
	if (encode_capture(&k, c, ip, res) < 0)
		return wfail(w, "getrandom: %s", strerror(errno));
	return write_out_if_full(w);
}

int lk_warc_encode_capture(struct lk_warc_encoder *e, const char *warcinfo_id,
                           const struct lk_warc_capture *c, struct lk_warc_encoded *out,
                           char *err, size_t errlen)
{
	char ip[INET6_ADDRSTRLEN];
	lk_buf_reset(&out->bytes);
	memset(&out->res, 0, sizeof(out->res));
	if (warcinfo_id != out->warcinfo_id)
		snprintf(out->warcinfo_id, sizeof(out->warcinfo_id), "%s", warcinfo_id);
	const char *why = !id_ok(warcinfo_id) ? "invalid warcinfo id" : capture_problem(c, ip);
	struct sink k = {e, warcinfo_id, &out->bytes, 0};
	if (!why && encode_capture(&k, c, ip, &out->res) < 0)
		why = "getrandom failed";
	if (why && err && errlen)
		snprintf(err, errlen, "%s", why);
	return why ? -1 : 0;
}

static void shift(struct lk_warc_written *r, int64_t by)
{
	if (r->type != LK_WARC_NONE)
		r->offset += by;
}

int lk_warc_append(struct lk_warc_writer *w, const struct lk_warc_encoded *enc,
                   struct lk_warc_capture_result *res)
{
	memset(res, 0, sizeof(*res));
	if (w->failed)
		return wfail(w, "writer failed earlier: %s", w->err);
	if (strcmp(enc->warcinfo_id, w->warcinfo_id) != 0)
		return wfail(w, "records encoded for another WARC file");
	int64_t base = lk_warc_offset(w);
	lk_buf_append(&w->pending, enc->bytes.data, enc->bytes.len);
	*res = enc->res;
	shift(&res->request, base);
	shift(&res->response, base);
	shift(&res->metadata, base);
	return write_out_if_full(w);
}

void lk_warc_encoded_free(struct lk_warc_encoded *e)
{
	lk_buf_free(&e->bytes);
}

int lk_warc_write_record(struct lk_warc_writer *w, const struct lk_warc_record_spec *s,
                         struct lk_warc_written *out)
{
	char id[LK_WARC_ID_SIZE], date[LK_WARC_DATE_SIZE];
	memset(out, 0, sizeof(*out));
	if (w->failed)
		return wfail(w, "writer failed earlier: %s", w->err);
	if (s->type <= LK_WARC_WARCINFO || s->type >= LK_WARC_UNKNOWN)
		return wfail(w, "cannot write a record of that type");
	if (s->target_uri && !uri_ok(s->target_uri))
		return wfail(w, "target URI is not an RFC 3986 URI (escape it first)");
	if (s->content_type && !value_ok(s->content_type))
		return wfail(w, "invalid content type");
	const char *bad = fields_problem(s->fields, s->n_fields, 1);
	if (bad)
		return wfail(w, "%s", bad);
	if ((s->head_len && !s->head) || (s->body_len && !s->body))
		return wfail(w, "block is NULL");
	if (s->record_id && !id_ok(s->record_id))
		return wfail(w, "invalid record id");
	if (!s->record_id && lk_warc_new_record_id(id) < 0)
		return wfail(w, "getrandom: %s", strerror(errno));
	format_date(s->date_ms, date);
	struct rec r = {
		.type = s->type,
		.id = s->record_id ? s->record_id : id,
		.date = date,
		.target_uri = s->target_uri,
		.fields = s->fields,
		.n_fields = s->n_fields,
		.content_type = s->content_type,
		.hash_payload = s->payload_digest != 0,
		.head = {s->head, s->head_len},
		.body = {s->body, s->body_len},
	};
	struct sink k = writer_sink(w);
	emit_record(&k, &r, out);
	return write_out_if_full(w);
}

int lk_warc_flush(struct lk_warc_writer *w)
{
	if (write_pending(w) < 0)
		return -1;
	if (fsync(w->fd) < 0) {
		w->failed = 1;
		return wfail(w, "fsync %s: %s", w->open_path, strerror(errno));
	}
	return 0;
}

/* fsync the directory holding path so a rename survives a crash. */
static void sync_dir_of(const char *path)
{
	char *dir = lk_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int lk_warc_close(struct lk_warc_writer *w, char *err, size_t errlen)
{
	int rc = -1;
	if (!w)
		return 0;
	if (lk_warc_flush(w) < 0) {
		snprintf(err, errlen, "%s", w->err);
		goto out;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		snprintf(err, errlen, "close %s: %s", w->open_path, strerror(errno));
		goto out;
	}
	w->fd = -1;
	if (rename(w->open_path, w->path) < 0) {
		snprintf(err, errlen, "rename %s: %s", w->open_path, strerror(errno));
		goto out;
	}
	sync_dir_of(w->path);
	rc = 0;
out:
	if (w->fd >= 0)
		close(w->fd);
	writer_free(w);
	return rc;
}

/* ---- reader ---------------------------------------------------------- */

struct lk_warc_reader {
	int fd;
	char *path;
	size_t max_block;
	int strict; /* repair: records end in CRLF CRLF, no record spans members */
	int gz;

	unsigned char in[RD_IN_SIZE]; /* gz: compressed input; in[in_pos..in_len) unread */
	size_t in_pos, in_len;
	int64_t file_pos; /* file offset after the last byte read from fd */
	int64_t limit;    /* never read at or past this offset */

	unsigned char out[RD_OUT_SIZE]; /* bytes for the parser; out[out_pos..out_len) unread */
	size_t out_pos, out_len;

	z_stream z;
	int z_ready;
	int in_member;           /* gz: inflating a member that has not ended */
	int64_t member_start;    /* gz: file offset of the member out[] came from */
	int64_t member_end;      /* gz: its end, once it ended */
	unsigned member_records; /* records that began in the current member */
	int at_boundary;         /* the last record ended where its member ended */

	char err[512];
};

static int rfail(struct lk_warc_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int rfail(struct lk_warc_reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

const char *lk_warc_reader_error(const struct lk_warc_reader *r)
{
	return r->err;
}

/* Reads more file bytes into dst; returns the count, 0 at end, -1. */
static ssize_t read_file(struct lk_warc_reader *r, unsigned char *dst, size_t cap)
{
	if (r->file_pos >= r->limit)
		return 0;
	if ((int64_t)cap > r->limit - r->file_pos)
		cap = (size_t)(r->limit - r->file_pos);
	for (;;) {
		ssize_t n = read(r->fd, dst, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rfail(r, "read %s: %s", r->path, strerror(errno));
		r->file_pos += n;
		return n;
	}
}

/* Offset in the file of the next compressed byte inflate will see. */
static int64_t gz_raw_pos(const struct lk_warc_reader *r)
{
	return r->file_pos - (int64_t)(r->in_len - r->in_pos);
}

/* Offset in the file of out[out_pos] (plain files only). */
static int64_t plain_raw_pos(const struct lk_warc_reader *r)
{
	return r->file_pos - (int64_t)(r->out_len - r->out_pos);
}

/* Makes out[] non-empty. Returns 1, 0 at the end of the data (or, when
 * new_member is 0, at the end of the current gzip member), -1 on error. */
static int fill(struct lk_warc_reader *r, int new_member)
{
	if (r->out_pos < r->out_len)
		return 1;
	r->out_pos = r->out_len = 0;
	if (!r->gz) {
		ssize_t n = read_file(r, r->out, sizeof(r->out));
		if (n < 0)
			return -1;
		r->out_len = (size_t)n;
		return n > 0;
	}
	for (;;) {
		if (!r->in_member && !new_member)
			return 0;
		if (r->in_pos == r->in_len) {
			ssize_t n = read_file(r, r->in, sizeof(r->in));
			if (n < 0)
				return -1;
			r->in_pos = 0;
			r->in_len = (size_t)n;
			if (n == 0 && r->in_member)
				return rfail(r, "truncated gzip member at offset %lld",
				             (long long)r->member_start);
			if (n == 0)
				return 0;
		}
		if (!r->in_member) {
			/* Only now, with the previous member's bytes all read, does
			 * the next member begin: member_start stays exact. */
			r->member_start = gz_raw_pos(r);
			r->member_records = 0;
			inflateReset(&r->z);
			r->in_member = 1;
		}
		r->z.next_in = r->in + r->in_pos;
		r->z.avail_in = (uInt)(r->in_len - r->in_pos);
		r->z.next_out = r->out;
		r->z.avail_out = (uInt)sizeof(r->out);
		int rc = inflate(&r->z, Z_NO_FLUSH);
		r->in_pos = r->in_len - r->z.avail_in;
		r->out_len = sizeof(r->out) - r->z.avail_out;
		if (rc == Z_STREAM_END) {
			r->in_member = 0;
			r->member_end = gz_raw_pos(r);
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			return rfail(r, "corrupt gzip data in the member at offset %lld",
			             (long long)r->member_start);
		}
		if (r->out_len > 0)
			return 1;
	}
}

/* Appends bytes up to and including the blank line that ends a WARC header
 * to b. Returns 0, or -1 (r->err) on end of data or a header too long. */
static int read_header(struct lk_warc_reader *r, struct lk_buf *b, int64_t offset)
{
	int newline_run = 0; /* LFs seen with only CRs between them */
	for (;;) {
		int rc = fill(r, !r->strict);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return rfail(r, "truncated WARC header at offset %lld", (long long)offset);
		while (r->out_pos < r->out_len) {
			unsigned char c = r->out[r->out_pos++];
			lk_buf_putc(b, (char)c);
			if (c == '\n') {
				if (++newline_run == 2)
					return 0;
			} else if (c != '\r') {
				newline_run = 0;
			}
			if (b->len > MAX_WARC_HEADER)
				return rfail(r, "WARC header longer than %d bytes at offset %lld",
				             MAX_WARC_HEADER, (long long)offset);
		}
	}
}

/* Splits the header text into the version and fields of rec. */
static int parse_header(struct lk_warc_reader *r, char *text, struct lk_warc_record *rec,
                        int64_t offset)
{
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	size_t cap = 0;
	if (!line || strncmp(line, "WARC/", 5) != 0)
		return rfail(r, "no WARC record at offset %lld", (long long)offset);
	line[strcspn(line, "\r")] = '\0';
	rec->version = lk_xstrdup(line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n)
			break;
		if ((*line == ' ' || *line == '\t') && rec->n_fields) {
			/* obs-fold: continues the previous value */
			struct lk_warc_field *f = &rec->fields[rec->n_fields - 1];
			char *v = lk_xasprintf("%s %s", f->value, line + strspn(line, " \t"));
			free((char *)f->value);
			f->value = v;
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon || rec->n_fields == MAX_WARC_FIELDS)
			continue;
		if (rec->n_fields == cap) {
			cap = cap ? cap * 2 : 16;
			rec->fields = lk_xrealloc(rec->fields, cap * sizeof(*rec->fields));
		}
		char *end = colon;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		char *v = colon + 1 + strspn(colon + 1, " \t");
		size_t vn = strlen(v);
		while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		rec->fields[rec->n_fields].name = lk_xstrndup(line, (size_t)(end - line));
		rec->fields[rec->n_fields].value = lk_xstrndup(v, vn);
		rec->n_fields++;
	}
	return 0;
}

const char *lk_warc_record_field(const struct lk_warc_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->n_fields; i++)
		if (strcasecmp(rec->fields[i].name, name) == 0)
			return rec->fields[i].value;
	return NULL;
}

static void set_shortcuts(struct lk_warc_record *rec)
{
	rec->type_name = lk_warc_record_field(rec, "WARC-Type");
	rec->type = rec->type_name ? lk_warc_type_from_name(rec->type_name) : LK_WARC_UNKNOWN;
	rec->record_id = lk_warc_record_field(rec, "WARC-Record-ID");
	rec->date = lk_warc_record_field(rec, "WARC-Date");
	rec->target_uri = lk_warc_record_field(rec, "WARC-Target-URI");
	rec->content_type = lk_warc_record_field(rec, "Content-Type");
	rec->concurrent_to = lk_warc_record_field(rec, "WARC-Concurrent-To");
	rec->refers_to = lk_warc_record_field(rec, "WARC-Refers-To");
	rec->refers_to_target_uri = lk_warc_record_field(rec, "WARC-Refers-To-Target-URI");
	rec->refers_to_date = lk_warc_record_field(rec, "WARC-Refers-To-Date");
	rec->block_digest = lk_warc_record_field(rec, "WARC-Block-Digest");
	rec->payload_digest = lk_warc_record_field(rec, "WARC-Payload-Digest");
	rec->truncated = lk_warc_record_field(rec, "WARC-Truncated");
	rec->profile = lk_warc_record_field(rec, "WARC-Profile");
	rec->warcinfo_id = lk_warc_record_field(rec, "WARC-Warcinfo-ID");
	rec->ip_address = lk_warc_record_field(rec, "WARC-IP-Address");
	rec->filename = lk_warc_record_field(rec, "WARC-Filename");
}

static int parse_content_length(const char *s, int64_t *out)
{
	int64_t v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Reads the block: keeps the first max_block bytes, skips the rest. */
static int read_block(struct lk_warc_reader *r, struct lk_warc_record *rec)
{
	uint64_t left = (uint64_t)rec->content_length;
	size_t keep = left < r->max_block ? (size_t)left : r->max_block;
	rec->block = lk_xmalloc(keep + 1);
	rec->block_truncated = left > keep;
	while (left > 0) {
		int rc = fill(r, !r->strict);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return rfail(r, "truncated record at offset %lld (Content-Length %lld)",
			             (long long)rec->offset, (long long)rec->content_length);
		size_t avail = r->out_len - r->out_pos;
		size_t n = left < avail ? (size_t)left : avail;
		if (rec->block_len < keep) {
			size_t k = keep - rec->block_len < n ? keep - rec->block_len : n;
			memcpy(rec->block + rec->block_len, r->out + r->out_pos, k);
			rec->block_len += k;
		}
		r->out_pos += n;
		left -= n;
	}
	rec->block[rec->block_len] = '\0';
	return 0;
}

/* Consumes the CRLF CRLF after a block. Lenient: any run of up to four CR
 * or LF bytes in the same member. Strict: exactly "\r\n\r\n". */
static int read_trailer(struct lk_warc_reader *r, int64_t offset)
{
	static const char want[] = "\r\n\r\n";
	for (int i = 0; i < 4; i++) {
		int rc = fill(r, 0);
		if (rc < 0)
			return -1;
		unsigned char c = rc ? r->out[r->out_pos] : 0;
		if (r->strict && c != (unsigned char)want[i])
			return rfail(r, "record at offset %lld not followed by CRLF CRLF", (long long)offset);
		if (c != '\r' && c != '\n')
			return 0;
		r->out_pos++;
	}
	return 0;
}

/* Skips blank bytes between records. Returns 1 at a record, 0 at the end. */
static int skip_to_record(struct lk_warc_reader *r)
{
	for (;;) {
		int rc = fill(r, 1);
		if (rc <= 0)
			return rc;
		unsigned char c = r->out[r->out_pos];
		if (c != '\r' && c != '\n')
			return 1;
		r->out_pos++;
	}
}

void lk_warc_record_free(struct lk_warc_record *rec)
{
	if (!rec)
		return;
	for (size_t i = 0; i < rec->n_fields; i++) {
		free((char *)rec->fields[i].name);
		free((char *)rec->fields[i].value);
	}
	free(rec->fields);
	free(rec->version);
	free(rec->block);
	memset(rec, 0, sizeof(*rec));
}

int lk_warc_reader_next(struct lk_warc_reader *r, struct lk_warc_record *rec)
{
	struct lk_buf head = {0};
	int ret = -1;
	lk_warc_record_free(rec);
	int rc = skip_to_record(r);
	if (rc <= 0)
		return rc;
	int shared = 0;
	if (r->gz) {
		rec->offset = r->member_start;
		shared = r->member_records++ > 0;
	} else {
		rec->offset = plain_raw_pos(r);
	}
	if (read_header(r, &head, rec->offset) < 0 || parse_header(r, head.data, rec, rec->offset) < 0)
		goto out;
	set_shortcuts(rec);
	if (parse_content_length(lk_warc_record_field(rec, "Content-Length"), &rec->content_length) < 0) {
		rfail(r, "record at offset %lld has no valid Content-Length", (long long)rec->offset);
		goto out;
	}
	if (read_block(r, rec) < 0)
		goto out;
	/* Plain files: header and block, the span warcio.js reports. */
	int64_t block_end = r->gz ? 0 : plain_raw_pos(r);
	if (read_trailer(r, rec->offset) < 0)
		goto out;
	if (!r->gz) {
		r->at_boundary = 1;
		rec->length = block_end - rec->offset;
	} else {
		rc = fill(r, 0); /* has the member ended right after the record? */
		if (rc < 0)
			goto out;
		r->at_boundary = rc == 0;
		rec->length = rc == 0 && !shared ? r->member_end - rec->offset : -1;
	}
	ret = 1;
out:
	lk_buf_free(&head);
	return ret;
}

static int reader_open_at(const char *path, int64_t offset, int64_t length, size_t max_block,
                          int strict, struct lk_warc_reader **out, char *err, size_t errlen)
{
	*out = NULL;
	struct lk_warc_reader *r = lk_xcalloc(1, sizeof(*r));
	r->path = lk_xstrdup(path);
	r->max_block = max_block;
	r->strict = strict;
	r->limit = length > 0 ? offset + length : INT64_MAX;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (offset > 0 && lseek(r->fd, (off_t)offset, SEEK_SET) < 0) {
		snprintf(err, errlen, "cannot seek %s: %s", path, strerror(errno));
		goto fail;
	}
	r->file_pos = offset;
	if (inflateInit2(&r->z, 15 + 16) != Z_OK) {
		snprintf(err, errlen, "zlib: inflateInit2 failed");
		goto fail;
	}
	r->z_ready = 1;
	/* gzip or plain? Look at the first two bytes. */
	ssize_t n = read_file(r, r->in, 2);
	if (n < 0) {
		snprintf(err, errlen, "%s", r->err);
		goto fail;
	}
	r->in_len = (size_t)n;
	r->gz = n == 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
	if (!r->gz) {
		memcpy(r->out, r->in, r->in_len);
		r->out_len = r->in_len;
		r->in_len = 0;
	}
	*out = r;
	return 0;
fail:
	lk_warc_reader_close(r);
	return -1;
}

int lk_warc_reader_open(const char *path, size_t max_block, struct lk_warc_reader **out,
                        char *err, size_t errlen)
{
	return reader_open_at(path, 0, 0, max_block, 0, out, err, errlen);
}

void lk_warc_reader_close(struct lk_warc_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->z_ready)
		inflateEnd(&r->z);
	free(r->path);
	free(r);
}

int lk_warc_read_record(const char *path, int64_t offset, int64_t length, size_t max_block,
                        struct lk_warc_record *rec, char *err, size_t errlen)
{
	struct lk_warc_reader *r;
	memset(rec, 0, sizeof(*rec));
	if (offset < 0) {
		snprintf(err, errlen, "negative offset");
		return -1;
	}
	if (reader_open_at(path, offset, length, max_block, 0, &r, err, errlen) < 0)
		return -1;
	int rc = lk_warc_reader_next(r, rec);
	if (rc == 0)
		snprintf(err, errlen, "no record at offset %lld of %s", (long long)offset, path);
	else if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, r->err);
	lk_warc_reader_close(r);
	if (rc <= 0) {
		lk_warc_record_free(rec);
		return -1;
	}
	return 0;
}

/* ---- repair ---------------------------------------------------------- */

/* Offset just past the last byte the reader has consumed, valid between
 * records: for gzip at a member boundary, for plain files anywhere. */
static int64_t reader_boundary(const struct lk_warc_reader *r)
{
	return r->gz ? r->member_end : plain_raw_pos(r);
}

int lk_warc_repair(const char *path, int64_t *cut, size_t *records, char *err, size_t errlen)
{
	struct lk_warc_reader *r = NULL;
	struct lk_warc_record rec = {0};
	struct stat st;
	int64_t good_end = 0;
	size_t kept = 0;
	int ret = -1;

	if (cut)
		*cut = 0;
	if (records)
		*records = 0;
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		return -1;
	}
	/* Only block sizes matter here, not contents: keep none. */
	if (reader_open_at(path, 0, 0, 0, 1, &r, err, errlen) < 0)
		return -1;
	int rc;
	size_t seen = 0;
	while ((rc = lk_warc_reader_next(r, &rec)) == 1) {
		seen++;
		if (r->at_boundary) {
			good_end = reader_boundary(r);
			kept = seen;
		}
	}
	if (rc == 0 && !r->gz)
		good_end = plain_raw_pos(r);
	lk_warc_record_free(&rec);

	if (good_end < (int64_t)st.st_size && truncate(path, (off_t)good_end) < 0) {
		snprintf(err, errlen, "cannot truncate %s: %s", path, strerror(errno));
		goto out;
	}
	if (cut)
		*cut = (int64_t)st.st_size - good_end;
	if (records)
		*records = kept;
	ret = 0;
out:
	lk_warc_reader_close(r);
	return ret;
}

int lk_warc_seal(const char *open_path, char *err, size_t errlen)
{
	size_t n = strlen(open_path);
	if (n <= 5 || strcmp(open_path + n - 5, ".open") != 0) {
		snprintf(err, errlen, "%s does not end in .open", open_path);
		return -1;
	}
	char *final = lk_xstrndup(open_path, n - 5);
	int rc = rename(open_path, final);
	if (rc < 0)
		snprintf(err, errlen, "rename %s: %s", open_path, strerror(errno));
	else
		sync_dir_of(final);
	free(final);
	return rc;
}
