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
	struct lk_run_counts counts;
	int64_t duration_ms;
	const struct lk_archive_stats *archive; /* when archiving, else NULL */
};

void lk_output_text(const struct lk_run_view *v, FILE *out);
void lk_output_json(const struct lk_run_view *v, FILE *out);
void lk_output_github(const struct lk_run_view *v, FILE *out);

#endif
