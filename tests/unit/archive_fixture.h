/*
 * archive_fixture.h — the archive fixture test_restore.c and test_wacz.c
 * share: a temporary folder holding an archive directory and a history
 * database (history.h tables + the captures.h index), WARC files written
 * with warc.h, captures written and indexed the way the archiver does, and
 * urls/sources rows inserted with SQL as `linkkeeper check` leaves them.
 *
 *   fx_open_tmp   make the folder, database and first WARC file
 *   fx_next_file  start the archive's next WARC file
 *   fx_seal       close the current WARC file
 *   fx_close      seal, close the index, remove the folder (unless
 *                 LK_KEEP_TMP is set) and free
 *   fx_capture    write one capture and index it
 *   fx_link       add a history link, with one source title (none if NULL)
 *   T0, HOUR      the fixed capture time the tests build on, and an hour
 *
 * Header-only: every function is static inline, so a test that does not
 * use one does not trip -Wunused-function.
 */
#ifndef LK_TEST_ARCHIVE_FIXTURE_H
#define LK_TEST_ARCHIVE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "linkkeeper/captures.h"
#include "linkkeeper/cdxj.h"
#include "linkkeeper/history.h"
#include "linkkeeper/httpdecode.h"
#include "linkkeeper/surt.h"
#include "linkkeeper/util.h"
#include "linkkeeper/warc.h"

#define T0 ((int64_t)1795600000000) /* 2026-11-25T09:46:40Z; also names the WARC files */
#define HOUR ((int64_t)3600 * 1000)

struct fx {
	char root[64];
	char *archive, *db;          /* <root>/archive, <root>/h.db */
	char *warc_name, *warc_path; /* the WARC file being written (or last sealed) */
	struct lk_warc_writer *w;    /* NULL once sealed */
	struct lk_captures *caps;
	unsigned serial;             /* of the next WARC file */
};

static inline int fx_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Closes the WARC file so readers can open it under its final name. */
static inline void fx_seal(struct fx *f)
{
	char err[512];
	if (!f->w)
		return;
	if (lk_warc_close(f->w, err, sizeof(err)) != 0)
		fail_msg("close: %s", err);
	f->w = NULL;
}

/* Seals the current WARC file and starts the next one of the archive. */
static inline void fx_next_file(struct fx *f)
{
	char err[512], name[LK_WARC_FILENAME_SIZE];
	fx_seal(f);
	assert_int_equal(lk_warc_filename(name, sizeof(name), T0, f->serial++), 0);
	free(f->warc_name);
	free(f->warc_path);
	f->warc_name = lk_xstrdup(name);
	f->warc_path = lk_xasprintf("%s/%s", f->archive, name);
	if (lk_warc_open(f->warc_path, NULL, &f->w, err, sizeof(err)) != 0)
		fail_msg("warc: %s", err);
}

/* tmp_template: a mkdtemp(3) template such as "/tmp/lk-test-x-XXXXXX". */
static inline void fx_open_tmp(struct fx *f, const char *tmp_template)
{
	char err[512];
	memset(f, 0, sizeof(*f));
	snprintf(f->root, sizeof(f->root), "%s", tmp_template);
	assert_non_null(mkdtemp(f->root));
	f->archive = lk_xasprintf("%s/archive", f->root);
	f->db = lk_xasprintf("%s/h.db", f->root);
	assert_int_equal(mkdir(f->archive, 0755), 0);
	struct lk_history *h;
	if (lk_history_open(f->db, &h, err, sizeof(err)) != 0)
		fail_msg("history: %s", err);
	lk_history_close(h);
	if (lk_captures_open(f->db, 0, &f->caps, err, sizeof(err)) != 0)
		fail_msg("captures: %s", err);
	fx_next_file(f);
}

static inline void fx_close(struct fx *f)
{
	fx_seal(f);
	lk_captures_close(f->caps);
	if (!getenv("LK_KEEP_TMP"))
		nftw(f->root, fx_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->archive);
	free(f->db);
	free(f->warc_name);
	free(f->warc_path);
}

/* Writes one capture of url (head + body as received) and indexes it the
 * way the archiver does. rev: the capture this one is a revisit of. */
static inline struct lk_warc_capture_result fx_capture(struct fx *f, const char *url, int64_t at,
                                                       const char *head, const void *body,
                                                       size_t body_len,
                                                       const struct lk_warc_capture_result *rev,
                                                       const char *rev_url)
{
	struct lk_warc_revisit_of ro;
	struct lk_warc_capture c = {
		.target_uri = url,
		.date_ms = at,
		.request = "GET / HTTP/1.1\r\n\r\n",
		.request_len = 18,
		.resp_head = head,
		.resp_head_len = strlen(head),
		.resp_body = body,
		.resp_body_len = body_len,
	};
	if (rev) {
		ro = (struct lk_warc_revisit_of){.record_id = rev->response.id,
		                                 .target_uri = rev_url,
		                                 .date = rev->date,
		                                 .payload_digest = rev->response.payload_digest};
		c.revisit = &ro;
	}
	struct lk_warc_capture_result res;
	if (lk_warc_write_capture(f->w, &c, &res) != 0)
		fail_msg("capture: %s", lk_warc_error(f->w));

	struct lk_http_head h;
	assert_int_equal(lk_http_parse_head(head, strlen(head), &h), 0);
	struct lk_capture_row row = {
		.url = (char *)url,
		.urlkey = lk_surt_dup(url),
		.captured_at = at,
		.http_status = h.status,
		.mime = lk_cdxj_http_mime(&h),
		.payload_digest = res.response.payload_digest,
		.record_id = res.response.id,
		.refers_to = rev ? (char *)rev->response.id : NULL,
		.refers_to_url = (char *)rev_url,
		.refers_to_date = rev ? (char *)rev->date : NULL,
		.file = f->warc_name,
		.offset = res.response.offset,
		.length = res.response.length,
		.run_id = 1,
	};
	lk_cdxj_timestamp(res.date, row.ts14);
	snprintf(row.warc_date, sizeof(row.warc_date), "%s", res.date);
	snprintf(row.record_type, sizeof(row.record_type), "%s", rev ? "revisit" : "response");
	if (lk_captures_add(f->caps, &row) != 0)
		fail_msg("index: %s", lk_captures_error(f->caps));
	free(row.urlkey);
	free(row.mime);
	lk_http_head_free(&h);
	return res;
}

/* A history row for url (what check leaves), with one source title; no
 * source row when title is NULL. */
static inline void fx_link(struct fx *f, const char *url, const char *status, const char *title)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	char *sql = sqlite3_mprintf("INSERT INTO urls(url, host, first_seen, last_status)"
	                            " VALUES(%Q, 'h', 1, %Q);",
	                            url, status);
	if (title) /* %z: sqlite3_mprintf frees the statement it appends to */
		sql = sqlite3_mprintf("%zINSERT INTO sources(url_id, file, line, title)"
		                      " VALUES(last_insert_rowid(), 'doc.md', 1, %Q);",
		                      sql, title);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	sqlite3_close(db);
}

#endif
