/*
 * warcio_run.h — for unit tests that check our WARC output with warcio.js,
 * the independent reader pinned in tests/js (installed by scripts/js-deps):
 * run a shell command from the repository root, and make sure node and
 * warcio.js are there. Header-only; include after cmocka.h.
 */
#ifndef LINKKEEPER_TESTS_WARCIO_RUN_H
#define LINKKEEPER_TESTS_WARCIO_RUN_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linkkeeper/util.h"

/* Runs a shell command; returns its exit status and (if out) its stdout. */
static inline int run(const char *cmd, struct lk_buf *out)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (out)
			lk_buf_append(out, buf, n);
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Makes sure node and the pinned warcio.js are there (installing with
 * scripts/js-deps when not). */
static inline void need_warcio(void)
{
	assert_int_equal(access("tests/js/verify-warc.mjs", R_OK), 0); /* run from the repo root */
	if (access("tests/js/node_modules/warcio/dist/cli.js", R_OK) != 0)
		assert_int_equal(run("scripts/js-deps >&2", NULL), 0);
	assert_int_equal(run("node --version >/dev/null", NULL), 0);
}

#endif
