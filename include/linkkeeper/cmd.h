/*
 * cmd.h — the subcommands. Each src/cmd/<name>.c exports one struct
 * lk_cmd; main.c dispatches by table lookup. A command parses its own
 * options (getopt_long), wires the layers together and returns the process
 * exit status: 0 success, 1 "found something wrong" (broken links, no
 * capture), 2 usage, input or runtime error (after one line on stderr that
 * starts with "linkkeeper: ").
 */
#ifndef LINKKEEPER_CMD_H
#define LINKKEEPER_CMD_H

#define LK_EXIT_OK 0
#define LK_EXIT_FOUND 1
#define LK_EXIT_ERROR 2

struct lk_cmd {
	const char *name;
	const char *summary; /* one line, for "linkkeeper --help" */
	const char *usage;   /* the full help text, for "linkkeeper help NAME" */
	int (*exec)(int argc, char **argv);
};

extern const struct lk_cmd lk_cmd_check;
extern const struct lk_cmd lk_cmd_urls;
extern const struct lk_cmd lk_cmd_history;
extern const struct lk_cmd lk_cmd_report;
extern const struct lk_cmd lk_cmd_archive;
extern const struct lk_cmd lk_cmd_restore;
extern const struct lk_cmd lk_cmd_cdx;
extern const struct lk_cmd lk_cmd_export;

/* `check`, and `archive` (archive = 1: as if --archive were given); usage
 * is the text --help prints. Returns the exit status. */
int lk_check_main(int argc, char **argv, const char *usage, int archive);

/* Prints "linkkeeper: <message>\n" on stderr; returns LK_EXIT_ERROR. */
int lk_cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The database path: --db value if given, else $LINKKEEPER_DB, else
 * LK_HISTORY_DEFAULT_PATH. */
const char *lk_cmd_db_path(const char *opt_db);

#endif
