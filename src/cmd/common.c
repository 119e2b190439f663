/*
 * common.c — what every command shares: the error line and the database
 * path. Kept out of main.c so tests can link the commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/history.h"

int lk_cmd_error(const char *fmt, ...)
{
	va_list ap;
	fputs("linkkeeper: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return LK_EXIT_ERROR;
}

const char *lk_cmd_db_path(const char *opt_db)
{
	if (opt_db && *opt_db)
		return opt_db;
	const char *env = getenv("LINKKEEPER_DB");
	if (env && *env)
		return env;
	return LK_HISTORY_DEFAULT_PATH;
}
