/*
 * sql.h — private to src/store/: the few SQLite idioms the history and the
 * capture index share (a statement cache slot, a step that must finish,
 * nullable binds).
 */
#ifndef LINKKEEPER_STORE_SQL_H
#define LINKKEEPER_STORE_SQL_H

#include <sqlite3.h>

/* The statement in *slot, prepared from sql on first use (persistent),
 * reset and with its bindings cleared on every later one. NULL when it
 * cannot be prepared (sqlite3_errmsg(db) says why). */
sqlite3_stmt *lk_sql_prepared(sqlite3 *db, sqlite3_stmt **slot, const char *sql);

/* Steps a statement that returns no rows, then resets it. 0 when it ran
 * to SQLITE_DONE, -1 otherwise (sqlite3_errmsg says why). */
int lk_sql_step_done(sqlite3_stmt *st);

/* Binds s (copied), or NULL when s is NULL. */
void lk_sql_bind_text(sqlite3_stmt *st, int i, const char *s);

#endif
