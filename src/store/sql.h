/*
 * sql.h — private to src/store/: the few SQLite idioms the history and the
 * capture index share (opening a connection, a statement cache slot, a step
 * that must finish, nullable binds, error messages into a caller's buffer).
 *
 * Error messages go to err (errlen bytes, always terminated), so that each
 * store keeps its own buffer.
 */
#ifndef LINKKEEPER_STORE_SQL_H
#define LINKKEEPER_STORE_SQL_H

#include <stddef.h>

#include <sqlite3.h>

/* Formats fmt into err. */
void lk_sql_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes "what: <sqlite3_errmsg(db)>" into err. */
void lk_sql_set_db_err(char *err, size_t errlen, sqlite3 *db, const char *what);

/* Opens path as *db (NOMUTEX: each store is used by one thread at a time).
 * Read-write creates the file and its parent directory when missing;
 * read-only fails on a missing file with the errno's message. 0, or -1 with
 * the reason in err; *db may be set even then and must still be closed. */
int lk_sql_open(const char *path, int readonly, sqlite3 **db, char *err, size_t errlen);

/* Runs sql (any number of statements) with sqlite3_exec. 0, or -1 with
 * SQLite's message in err. */
int lk_sql_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

/* The statement in *slot, prepared from sql on first use (persistent),
 * reset and with its bindings cleared on every later one. NULL when it
 * cannot be prepared, with "prepare: <reason>" in err. */
sqlite3_stmt *lk_sql_prepared_err(sqlite3 *db, sqlite3_stmt **slot, const char *sql, char *err,
                                  size_t errlen);

/* Steps a statement that returns no rows, then resets it. 0 when it ran
 * to SQLITE_DONE, -1 otherwise with "what: <reason>" in err. */
int lk_sql_step_done_err(sqlite3_stmt *st, const char *what, char *err, size_t errlen);

/* Binds s (copied), or NULL when s is NULL. */
void lk_sql_bind_text(sqlite3_stmt *st, int i, const char *s);

/* Copies column i of the current row into dst (size bytes, truncated, ""
 * for NULL). */
void lk_sql_column_copy(sqlite3_stmt *st, int i, char *dst, size_t size);

#endif
