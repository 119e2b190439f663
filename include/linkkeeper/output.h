/*
 * output.h — what `check` prints about the run it just did: text for
 * people, JSON for machines, GitHub workflow annotations for CI logs.
 * (Reports over the whole history are report.h's business.)
 */
#ifndef LINKKEEPER_OUTPUT_H
#define LINKKEEPER_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "linkkeeper/archiver.h"
#include "linkkeeper/history.h"
#include "linkkeeper/linkset.h"

/* The run as the writers see it. verdict[i] says what link i means for
 * the exit status: LK_VERDICT_FAIL for a broken link that fails the build,
 * LK_VERDICT_WARN for one reported but tolerated (--fail-after not yet
 * reached, a bot wall on a link that was fine before). */
enum lk_verdict {
	LK_VERDICT_NONE,
	LK_VERDICT_WARN,
	LK_VERDICT_FAIL,
};

struct lk_run_view {
	const struct lk_linkset *set;
	const unsigned char *verdict; /* set->n entries of enum lk_verdict */
	const int *streak;            /* set->n consecutive failures from the history, or NULL */
};

/* A run's output is written in pieces, so that a large input can be
 * checked a chunk of links at a time: the *_links writers print one link
 * set (links without a verdict, after an interrupt, are left out), the
 * closing writers print what covers the whole run. */
struct lk_run_totals {
	struct lk_run_counts counts;
	int64_t duration_ms;
	const struct lk_archive_stats *archive; /* when archiving, else NULL */
};

/* Text: broken links grouped by document, then one summary line. */
void lk_output_text_links(const struct lk_run_view *v, FILE *out);
void lk_output_text_close(const struct lk_run_totals *t, FILE *out);

/* JSON: result objects go to a spool (comma-separated, *nresults counts
 * them); the document {"summary": ..., "results": [spool]} is written at
 * the end, copying the spool. Returns 0, or -1 on a read error. */
void lk_output_json_links(const struct lk_run_view *v, FILE *spool, size_t *nresults);
int lk_output_json_close(const struct lk_run_totals *t, FILE *spool, FILE *out);

/* GitHub workflow annotations, then a summary line. */
void lk_output_github_links(const struct lk_run_view *v, FILE *out);
void lk_output_github_close(const struct lk_run_totals *t, FILE *out);

#endif
