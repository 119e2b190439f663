/*
 * sql.c — the shared SQLite idioms of sql.h.
 */
#include "sql.h"

#include <stddef.h>

sqlite3_stmt *lk_sql_prepared(sqlite3 *db, sqlite3_stmt **slot, const char *sql)
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

int lk_sql_step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void lk_sql_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}
