/*
 * warc.h — the archive's storage layer: writes WARC/1.1 files with one gzip
 * member per record, reads them back, and repairs a file whose writer was
 * killed mid-record. No networking here: callers hand over the bytes of a
 * capture (request as sent, response head and body as received).
 *
 * File life cycle. The caller picks the final name (lk_warc_filename gives
 * the standard one); lk_warc_open creates "<path>.open", writes the warcinfo
 * record first, and lk_warc_close renames it to <path>. A ".open" file left
 * by a killed run is made readable again by lk_warc_repair (cut back to the
 * last complete record) and finished by lk_warc_seal.
 *
 * Records per capture (archiving.md §8.3), all with one WARC-Date:
 *   request  — block = the request bytes as sent; WARC-Concurrent-To the response
 *   response — block = response head + body exactly as received, or
 *   revisit  — block = the response head only (identical-payload-digest profile)
 *   metadata — application/warc-fields lines supplied by the caller
 * Every record has WARC-Record-ID (<urn:uuid:…>, UUIDv4), WARC-Warcinfo-ID
 * (except warcinfo), Content-Length and a sha256 WARC-Block-Digest.
 *
 * Payload digest: sha256 of the response body bytes as they appear in the
 * block — chunk framing and content coding included. That is what warcio.js
 * (our reference reader and ReplayWeb.page's) computes and verifies; the WARC
 * 1.1 text (§6.3.2) would remove the transfer coding first. See the note in
 * warc.c.
 *
 * Threads: a writer is used by one thread at a time (archiving.md §8.4: one
 * writer thread owns the open file). Readers are independent.
 */
#ifndef LINKKEEPER_WARC_H
#define LINKKEEPER_WARC_H

#include <stddef.h>
#include <stdint.h>

#include "linkkeeper/util.h"

/* Sizes of the fixed strings below, NUL included. */
#define LK_WARC_ID_SIZE 48     /* "<urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx>" */
#define LK_WARC_DIGEST_SIZE 72 /* "sha256:" + 64 lower-case hex digits */
#define LK_WARC_DATE_SIZE 32   /* "2026-11-24T12:00:00.123Z" */
#define LK_WARC_FILENAME_SIZE 64

/* The revisit profile we write (WARC 1.1 §6.7.2). */
#define LK_WARC_PROFILE_IDENTICAL \
	"http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"

enum lk_warc_type {
	LK_WARC_NONE = 0, /* no record (a slot of lk_warc_capture_result left empty) */
	LK_WARC_WARCINFO,
	LK_WARC_RESPONSE,
	LK_WARC_RESOURCE,
	LK_WARC_REQUEST,
	LK_WARC_METADATA,
	LK_WARC_REVISIT,
	LK_WARC_CONVERSION,
	LK_WARC_CONTINUATION,
	LK_WARC_UNKNOWN, /* read from a file: a type we do not know */
};

/* "response", "revisit", …; "" for NONE and UNKNOWN. */
const char *lk_warc_type_name(enum lk_warc_type t);
/* The type for a WARC-Type value (case-insensitive); UNKNOWN if none. */
enum lk_warc_type lk_warc_type_from_name(const char *name);

/* A "name: value" pair: an extra WARC header field, a warcinfo line or a
 * metadata line. Borrowed by every function that takes one. */
struct lk_warc_field {
	const char *name;
	const char *value;
};

/* ---- names, ids, digests ------------------------------------------- */

/* "linkkeeper-<YYYYMMDDhhmmssmmm>-<serial %05u>.warc.gz" for UTC now_ms
 * (the Annex C pattern: prefix, timestamp, serial). Returns 0, or -1 when
 * out (outlen bytes) is too small. */
int lk_warc_filename(char *out, size_t outlen, int64_t now_ms, unsigned serial);

/* A fresh "<urn:uuid:…>" (random UUIDv4 from getrandom). Returns 0 or -1. */
int lk_warc_new_record_id(char out[LK_WARC_ID_SIZE]);

/* "sha256:<hex>" of the n bytes at p. Use it for the payload digest of a
 * body before deciding between response and revisit. */
void lk_warc_sha256(const void *p, size_t n, char out[LK_WARC_DIGEST_SIZE]);

/* WARC-Target-URI must be an RFC 3986 URI: printable ASCII without spaces.
 * Returns uri with every other byte written as %XX (upper-case hex) — the
 * form the writer accepts. Caller frees. */
char *lk_warc_uri_escape(const char *uri);

/* The form under which a URL is archived and indexed: redacted of secrets
 * (lk_redact_url), then escaped (lk_warc_uri_escape). The archiver writes
 * it and restore looks it up. Caller frees. */
char *lk_warc_archived_uri(const char *url);

/* ---- writer ---------------------------------------------------------- */

struct lk_warc_writer;

struct lk_warc_open_opts {
	const char *is_part_of;  /* warcinfo "isPartOf" (run id); NULL omits */
	const char *description; /* warcinfo "description"; NULL omits */
	const char *user_agent;  /* warcinfo "http-header-user-agent"; NULL omits */
	const struct lk_warc_field *extra; /* more warcinfo lines (robots, operator…) */
	size_t n_extra;
	int64_t now_ms; /* WARC-Date of the warcinfo record; 0 = now */
	int level;      /* gzip level 1..9; 0 = LK_WARC_DEFAULT_LEVEL (6) */
};

/* Creates "<path>.open" (it must not exist: a leftover belongs to
 * lk_warc_repair) and writes the warcinfo record, with WARC-Filename set to
 * the base name of path. opts may be NULL. Returns 0 and *out, or -1 with a
 * message in err. */
int lk_warc_open(const char *path, const struct lk_warc_open_opts *opts,
                 struct lk_warc_writer **out, char *err, size_t errlen);

/* The record id of this file's warcinfo record (borrowed). */
const char *lk_warc_warcinfo_id(const struct lk_warc_writer *w);
/* The file offset the next record will start at (bytes written + buffered). */
int64_t lk_warc_offset(const struct lk_warc_writer *w);
/* The last error message of this writer. */
const char *lk_warc_error(const struct lk_warc_writer *w);

/* What was written for one record: enough for the caller's capture index. */
struct lk_warc_written {
	enum lk_warc_type type;             /* LK_WARC_NONE: slot not written */
	char id[LK_WARC_ID_SIZE];           /* WARC-Record-ID, angle brackets included */
	int64_t offset;                     /* file position of the record's gzip member */
	int64_t length;                     /* size of that gzip member in bytes */
	char block_digest[LK_WARC_DIGEST_SIZE];
	char payload_digest[LK_WARC_DIGEST_SIZE]; /* "" when the record has none */
};

enum lk_warc_truncated {
	LK_WARC_TRUNC_NONE = 0,
	LK_WARC_TRUNC_LENGTH,     /* body cut at the size cap */
	LK_WARC_TRUNC_TIME,       /* body cut at the time cap */
	LK_WARC_TRUNC_DISCONNECT, /* the transfer failed mid-body */
};

/* The earlier capture a revisit points to (all strings required). */
struct lk_warc_revisit_of {
	const char *record_id;      /* WARC-Refers-To: the original response's id */
	const char *target_uri;     /* WARC-Refers-To-Target-URI */
	const char *date;           /* WARC-Refers-To-Date: the original's WARC-Date */
	const char *payload_digest; /* the original's WARC-Payload-Digest */
};

/* One capture event. All pointers are borrowed for the duration of the call;
 * the blocks stay in the caller's memory (bounded by its max page size) so
 * lengths and digests are known before the header is written. */
struct lk_warc_capture {
	const char *target_uri; /* required; RFC 3986 (see lk_warc_uri_escape) */
	int64_t date_ms;        /* when the capture began; 0 = now */
	const char *ip;         /* WARC-IP-Address (IPv6 is written RFC 5952-canonical); NULL omits */

	const void *request; /* request bytes as sent; NULL/0 writes no request record */
	size_t request_len;

	/* Response status line + header fields + the blank line, as received
	 * (must end in "\r\n\r\n" or "\n\n"), then the body as received. */
	const void *resp_head;
	size_t resp_head_len;
	const void *resp_body;
	size_t resp_body_len;
	enum lk_warc_truncated truncated; /* response only */
	/* "sha256:…" of resp_body when the caller has it already (the dedup
	 * lookup needs it first): saves hashing the body a second time.
	 * NULL: computed here. */
	const char *payload_digest;

	/* Non-NULL: write a revisit of that capture instead of the response;
	 * resp_body is then not stored (it should hash to the original's
	 * payload digest — the caller's dedup lookup decides that). */
	const struct lk_warc_revisit_of *revisit;
	/* The WARC-Record-ID of the response (or revisit), when the caller
	 * must know it before the records exist (a later capture of the same
	 * page may refer to it); NULL: a fresh one. */
	const char *response_id;

	/* Lines of the metadata record (check result, source file, line,
	 * title…); n_meta == 0 writes none. Names must be tokens; CR, LF and
	 * other control characters in values become spaces. */
	const struct lk_warc_field *meta;
	size_t n_meta;
};

struct lk_warc_capture_result {
	char date[LK_WARC_DATE_SIZE];    /* the shared WARC-Date */
	struct lk_warc_written request;  /* type NONE when no request was given */
	struct lk_warc_written response; /* the response or the revisit */
	struct lk_warc_written metadata; /* type NONE when n_meta == 0 */
};

/* Writes the records of one capture, adjacent: request, response (or
 * revisit), metadata. All or nothing: on error nothing of this capture is in
 * the file. Records sit in the writer's buffer until it fills (1 MiB) or
 * lk_warc_flush; they are durable only after lk_warc_flush returns 0.
 * Returns 0 and fills *res, or -1 (lk_warc_error). An invalid argument
 * leaves the writer usable; an I/O error makes it fail from then on. */
int lk_warc_write_capture(struct lk_warc_writer *w, const struct lk_warc_capture *c,
                          struct lk_warc_capture_result *res);

/* 0 if lk_warc_write_capture or lk_warc_encode_capture would take c,
 * else -1 with the reason in err. */
int lk_warc_check_capture(const struct lk_warc_capture *c, char *err, size_t errlen);

/*
 * Encoding apart from writing. An encoder turns a capture into its gzip
 * members in memory; it needs only the warcinfo id of the file the records
 * will go to. Encoders are independent: one per thread, any number of
 * threads. lk_warc_append then adds the members to the writer's file, in
 * the order the caller chooses, and gives file offsets.
 */
#define LK_WARC_DEFAULT_LEVEL 6 /* zlib's default */
#define LK_WARC_MAX_LEVEL 9

struct lk_warc_encoder;

/* gzip level 1 (fast) .. 9 (small), 0 = LK_WARC_DEFAULT_LEVEL. NULL on a
 * bad level or no memory. */
struct lk_warc_encoder *lk_warc_encoder_new(int level);
void lk_warc_encoder_free(struct lk_warc_encoder *e);

/* The members of one capture, as lk_warc_encode_capture made them. */
struct lk_warc_encoded {
	char warcinfo_id[LK_WARC_ID_SIZE]; /* the file they were made for */
	struct lk_buf bytes;               /* the gzip members, adjacent */
	struct lk_warc_capture_result res; /* offsets relative to bytes */
};

/* Encodes c (all or nothing) into out, reusing its buffer. Returns 0, or
 * -1 with the reason in err. */
int lk_warc_encode_capture(struct lk_warc_encoder *e, const char *warcinfo_id,
                           const struct lk_warc_capture *c, struct lk_warc_encoded *out,
                           char *err, size_t errlen);

/* Appends what lk_warc_encode_capture made; fills *res with file offsets.
 * Returns 0, or -1 (lk_warc_error): the writer failed earlier, or enc was
 * made for another file (the writer stays usable: encode it again). */
int lk_warc_append(struct lk_warc_writer *w, const struct lk_warc_encoded *enc,
                   struct lk_warc_capture_result *res);

void lk_warc_encoded_free(struct lk_warc_encoded *e);

/* Any other record (resource, conversion, …). block = head + body; the
 * payload digest, when asked for, covers body. */
struct lk_warc_record_spec {
	enum lk_warc_type type;   /* not WARCINFO (lk_warc_open writes it) */
	const char *record_id;    /* NULL: a fresh one */
	const char *target_uri;   /* NULL omits */
	int64_t date_ms;          /* 0 = now */
	const char *content_type; /* NULL omits */
	const struct lk_warc_field *fields; /* extra header fields, written in order */
	size_t n_fields;
	const void *head;
	size_t head_len;
	const void *body;
	size_t body_len;
	int payload_digest; /* 1: write WARC-Payload-Digest of body */
};
int lk_warc_write_record(struct lk_warc_writer *w, const struct lk_warc_record_spec *spec,
                         struct lk_warc_written *out);

/* Writes buffered records and fsyncs the file. Returns 0 or -1. */
int lk_warc_flush(struct lk_warc_writer *w);

/* Flushes, fsyncs, closes and renames "<path>.open" to <path> (then fsyncs
 * the directory). Frees w in every case. Returns 0, or -1 with a message in
 * err; after a failed writer the ".open" file is left for lk_warc_repair. */
int lk_warc_close(struct lk_warc_writer *w, char *err, size_t errlen);

/* ---- repair ---------------------------------------------------------- */

/* For a file whose writer died: walks the gzip members from the start and
 * truncates the file right after the last member that inflates completely
 * and holds complete WARC records (the header parses, Content-Length bytes
 * follow, then CRLF CRLF). *cut = bytes removed, *records = records kept
 * (either may be NULL; 0 records kept means not even the warcinfo record
 * survived: delete the file). Returns 0, or -1 with a message in err. */
int lk_warc_repair(const char *path, int64_t *cut, size_t *records, char *err, size_t errlen);

/* Renames "<name>.open" to "<name>" (path must end in ".open"). Returns 0 or
 * -1 with a message in err. */
int lk_warc_seal(const char *open_path, char *err, size_t errlen);

/* ---- reader ---------------------------------------------------------- */

/* One record read back. Every pointer is owned by the record and valid
 * until lk_warc_record_free (or the next lk_warc_reader_next into it). */
struct lk_warc_record {
	char *version; /* "WARC/1.1" */
	struct lk_warc_field *fields; /* all header fields in order (owned strings) */
	size_t n_fields;

	/* Shortcuts into fields; NULL when absent. */
	enum lk_warc_type type;
	const char *type_name, *record_id, *date, *target_uri, *content_type;
	const char *concurrent_to, *refers_to, *refers_to_target_uri, *refers_to_date;
	const char *block_digest, *payload_digest, *truncated, *profile, *warcinfo_id;
	const char *ip_address, *filename;

	int64_t content_length;
	unsigned char *block; /* the first min(content_length, max_block) bytes, NUL after */
	size_t block_len;
	int block_truncated; /* 1 when content_length > max_block */

	/* Where it sits: the gzip member that holds the record; length is -1
	 * when other records share the member. For a plain .warc: the record's
	 * header and block, without the CRLF CRLF after it (as warcio.js
	 * counts). */
	int64_t offset;
	int64_t length;
};

void lk_warc_record_free(struct lk_warc_record *rec);
/* A header field's value by name (case-insensitive, first match); borrowed. */
const char *lk_warc_record_field(const struct lk_warc_record *rec, const char *name);

struct lk_warc_reader;

/* Opens a WARC file (.warc.gz with any number of gzip members, or plain
 * .warc) to iterate its records. Blocks longer than max_block are kept in
 * part (block_truncated). Returns 0 and *out, or -1 with a message in err. */
int lk_warc_reader_open(const char *path, size_t max_block, struct lk_warc_reader **out,
                        char *err, size_t errlen);

/* Reads the next record into rec (freed first, so it can be reused).
 * Returns 1 (a record), 0 (clean end of file) or -1 (lk_warc_reader_error:
 * a corrupt or truncated file; the records before were fine). */
int lk_warc_reader_next(struct lk_warc_reader *r, struct lk_warc_record *rec);
const char *lk_warc_reader_error(const struct lk_warc_reader *r);
void lk_warc_reader_close(struct lk_warc_reader *r);

/* Reads the one record whose gzip member starts at offset and is length
 * bytes long (length <= 0: up to the member's end) — what a CDXJ line or
 * the capture table points at. Returns 0, or -1 with a message in err. */
int lk_warc_read_record(const char *path, int64_t offset, int64_t length, size_t max_block,
                        struct lk_warc_record *rec, char *err, size_t errlen);

#endif
