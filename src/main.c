/*
 * main.c — the dispatcher: `linkkeeper <command> [options] ...`.
 * Commands live in src/cmd/, one file each, found here by table lookup.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkkeeper/cmd.h"
#include "linkkeeper/history.h"
#include "linkkeeper/util.h"

static const struct lk_cmd *const commands[] = {
	&lk_cmd_check,
	&lk_cmd_urls,
	&lk_cmd_history,
	&lk_cmd_report,
	&lk_cmd_archive,
	&lk_cmd_restore,
	&lk_cmd_cdx,
	&lk_cmd_export,
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct lk_cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fputs("usage: linkkeeper <command> [options] [INPUT...]\n\n"
	      "Finds every link in documents, checks them, remembers every result.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nRun 'linkkeeper help <command>' for a command's options.\n"
	      "Exit status: 0 nothing broken, 1 broken links found, 2 usage or runtime error.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LK_EXIT_ERROR;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		usage(stdout);
		return LK_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("linkkeeper %s (%s)\n", LK_VERSION, curl_version());
		return LK_EXIT_OK;
	}
	if (strcmp(name, "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return LK_EXIT_OK;
		}
		const struct lk_cmd *c = find(argv[2]);
		if (!c)
			return lk_cmd_error("no such command '%s'", argv[2]);
		fputs(c->usage, stdout);
		return LK_EXIT_OK;
	}
	const struct lk_cmd *c = find(name);
	if (!c) {
		lk_cmd_error("no such command '%s' (see 'linkkeeper --help')", name);
		return LK_EXIT_ERROR;
	}
	signal(SIGPIPE, SIG_IGN); /* libcurl runs with CURLOPT_NOSIGNAL */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return lk_cmd_error("cannot initialise libcurl");
	int rc = c->exec(argc - 1, argv + 1);
	curl_global_cleanup();
	return rc;
}
