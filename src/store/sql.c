/*
 * sql.c — the shared SQLite idioms of sql.h.
 */
#include "sql.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "linkkeeper/util.h"

void lk_sql_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void lk_sql_set_db_err(char *err, size_t errlen, sqlite3 *db, const char *what)
{
	lk_sql_set_err(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
}

/* Creates the directory part of path when it does not exist yet. 0, or -1
 * with the reason in err. */
static int make_parent_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = lk_xstrndup(path, (size_t)(slash - path));
	int rc = 0;
	struct stat sb;
	if (stat(dir, &sb) < 0 && lk_mkdir_p(dir) < 0) {
		lk_sql_set_err(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
		rc = -1;
	}
	free(dir);
	return rc;
}

int lk_sql_open(const char *path, int readonly, sqlite3 **db, char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_NOMUTEX;
	if (readonly) {
		/* SQLite would only say "unable to open database file"; the errno
		 * is what tells the user that there simply is no file yet. */
		struct stat sb;
		if (stat(path, &sb) < 0) {
			lk_sql_set_err(err, errlen, "%s", strerror(errno));
			return -1;
		}
		flags |= SQLITE_OPEN_READONLY;
	} else {
		if (make_parent_dir(path, err, errlen) < 0)
			return -1;
		flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	if (sqlite3_open_v2(path, db, flags, NULL) == SQLITE_OK)
		return 0;
	/* sqlite3_open_v2 hands out a handle even on failure; it carries the
	 * message and must still be closed. */
	lk_sql_set_err(err, errlen, "%s", *db ? sqlite3_errmsg(*db) : "out of memory");
	return -1;
}

int lk_sql_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	lk_sql_set_err(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

static sqlite3_stmt *prepared(sqlite3 *db, sqlite3_stmt **slot, const char *sql)
{
	sqlite3_stmt *st = *slot;
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	*slot = st;
	return st;
}

sqlite3_stmt *lk_sql_prepared_err(sqlite3 *db, sqlite3_stmt **slot, const char *sql, char *err,
                                  size_t errlen)
{
	sqlite3_stmt *st = prepared(db, slot, sql);
	if (!st)
		lk_sql_set_db_err(err, errlen, db, "prepare");
	return st;
}

int lk_sql_step_done_err(sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	lk_sql_set_db_err(err, errlen, sqlite3_db_handle(st), what);
	return -1;
}

void lk_sql_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void lk_sql_column_copy(sqlite3_stmt *st, int i, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	snprintf(dst, size, "%s", s ? (const char *)s : "");
}
