/*
 * run.c — the writers of output.h. Every URL printed goes through
 * lk_redact_url: tokens in query strings and passwords in userinfo never
 * reach a terminal, a CI log or a JSON file.
 */
#include "linkkeeper/output.h"

#include <stdlib.h>
#include <string.h>

#include "linkkeeper/util.h"

static const char *reason_text(const struct lk_link *l)
{
	return lk_reason_name(l->res.reason);
}

static void describe(struct lk_buf *b, const struct lk_link *l)
{
	const struct lk_result *r = &l->res;
	if (r->reason == LK_REASON_HTTP || r->reason == LK_REASON_BLOCKED ||
	    r->reason == LK_REASON_RATE_LIMITED) {
		lk_buf_printf(b, "%s %d", reason_text(l), r->http_status);
		return; /* the error text would only repeat the status */
	}
	lk_buf_puts(b, reason_text(l));
	if (lk_result_error(r))
		lk_buf_printf(b, " (%s)", lk_result_error(r));
}

void lk_output_text_links(const struct lk_run_view *v, FILE *out)
{
	const struct lk_linkset *s = v->set;
	struct lk_buf b = {0};
	/* Grouped by file, in the order files were read; the broken links are
	 * gathered first, so a chunk costs files × broken, not files × links. */
	size_t *broken = lk_xmalloc((s->n ? s->n : 1) * sizeof *broken);
	size_t nbroken = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->links[i].res.status == LK_STATUS_BROKEN)
			broken[nbroken++] = i;
	for (size_t f = 0; f < s->nfiles && nbroken; f++) {
		const char *file = s->files[f];
		int header = 0;
		for (size_t x = 0; x < nbroken; x++) {
			size_t i = broken[x];
			const struct lk_link *l = &s->links[i];
			for (size_t k = 0; k < l->nsrc; k++) {
				if (l->src[k].file != file)
					continue;
				if (!header) {
					fprintf(out, "%s\n", file);
					header = 1;
				}
				char *url = lk_redact_url(l->url);
				lk_buf_reset(&b);
				describe(&b, l);
				fprintf(out, "  %u: %s %s — %s\n", l->src[k].line,
				        v->verdict[i] == LK_VERDICT_WARN ? "[warn]" : "[fail]", url, b.data);
				if (l->src[k].title[0])
					fprintf(out, "      %s\n", l->src[k].title);
				if (v->verdict[i] == LK_VERDICT_WARN && v->streak)
					fprintf(out, "      tolerated: failing %d run(s) in a row\n", v->streak[i]);
				free(url);
			}
		}
		if (header)
			fputc('\n', out);
	}
	free(broken);
	lk_buf_free(&b);
}

void lk_output_text_close(const struct lk_run_totals *t, FILE *out)
{
	const struct lk_run_counts *c = &t->counts;
	fprintf(out, "%zu links: %zu ok, %zu broken, %zu excluded, %zu cached in %.1f s\n", c->total,
	        c->ok, c->broken, c->excluded, c->cached, (double)t->duration_ms / 1000.0);
}

static void json_sources(struct lk_buf *b, const struct lk_link *l)
{
	lk_buf_puts(b, "\"sources\": [");
	for (size_t k = 0; k < l->nsrc; k++) {
		lk_buf_puts(b, k ? ", {\"file\": " : "{\"file\": ");
		lk_buf_json_string(b, l->src[k].file);
		lk_buf_printf(b, ", \"line\": %u, \"title\": ", l->src[k].line);
		lk_buf_json_string(b, l->src[k].title);
		lk_buf_putc(b, '}');
	}
	lk_buf_putc(b, ']');
}

static void json_redacted(struct lk_buf *b, const char *url)
{
	if (!url) {
		lk_buf_puts(b, "null");
		return;
	}
	char *r = lk_redact_url(url);
	lk_buf_json_string(b, r);
	free(r);
}

static void json_result(struct lk_buf *b, const struct lk_link *l, enum lk_verdict verdict)
{
	const struct lk_result *r = &l->res;
	char when[32];
	lk_buf_puts(b, "{\"url\": ");
	json_redacted(b, l->url);
	lk_buf_puts(b, ", \"status\": ");
	lk_buf_json_string(b, lk_status_name(r->status));
	lk_buf_puts(b, ", \"reason\": ");
	if (r->reason == LK_REASON_NONE)
		lk_buf_puts(b, "null");
	else
		lk_buf_json_string(b, reason_text(l));
	if (r->http_status)
		lk_buf_printf(b, ", \"http_status\": %d", r->http_status);
	else
		lk_buf_puts(b, ", \"http_status\": null");
	lk_buf_puts(b, ", \"final_url\": ");
	json_redacted(b, lk_result_ended_at(r, l->url));
	lk_buf_puts(b, ", \"redirects\": [");
	size_t nhops;
	const struct lk_hop *hops = lk_result_hops(r, &nhops);
	for (size_t i = 0; i < nhops; i++) {
		lk_buf_puts(b, i ? ", {\"url\": " : "{\"url\": ");
		json_redacted(b, hops[i].url);
		lk_buf_printf(b, ", \"status\": %d}", hops[i].http_status);
	}
	lk_buf_printf(b, "], \"elapsed_ms\": %lld, \"attempts\": %d, \"method\": ",
	              (long long)r->elapsed_ms, r->attempts);
	lk_buf_json_string(b, r->method);
	lk_buf_printf(b, ", \"curl_code\": %d, \"error\": ", r->curl_code);
	lk_buf_json_string(b, lk_result_error(r));
	if (r->checked_at_ms) {
		lk_format_time(r->checked_at_ms, 1, when);
		lk_buf_puts(b, ", \"checked_at\": ");
		lk_buf_json_string(b, when);
	}
	if (r->status == LK_STATUS_CACHED && lk_result_last_ok(r)) {
		lk_format_time(lk_result_last_ok(r), 1, when);
		lk_buf_puts(b, ", \"last_ok\": ");
		lk_buf_json_string(b, when);
	}
	if (r->status == LK_STATUS_BROKEN)
		lk_buf_printf(b, ", \"fails_build\": %s",
		              verdict == LK_VERDICT_FAIL ? "true" : "false");
	lk_buf_puts(b, ", ");
	json_sources(b, l);
	lk_buf_putc(b, '}');
}

void lk_output_json_links(const struct lk_run_view *v, FILE *spool, size_t *nresults)
{
	struct lk_buf b = {0};
	for (size_t i = 0; i < v->set->n; i++) {
		if (!v->set->links[i].res.checked_at_ms)
			continue; /* no verdict: the run was interrupted */
		lk_buf_reset(&b);
		json_result(&b, &v->set->links[i], (enum lk_verdict)v->verdict[i]);
		fputs((*nresults)++ ? ",\n  " : "\n  ", spool);
		fwrite(b.data, 1, b.len, spool);
	}
	lk_buf_free(&b);
}

int lk_output_json_close(const struct lk_run_totals *t, FILE *spool, FILE *out)
{
	const struct lk_run_counts *c = &t->counts;
	fprintf(out,
	        "{\"summary\": {\"total\": %zu, \"ok\": %zu, \"broken\": %zu, \"excluded\": %zu, "
	        "\"cached\": %zu, \"duration_ms\": %lld",
	        c->total, c->ok, c->broken, c->excluded, c->cached, (long long)t->duration_ms);
	if (t->archive) {
		const struct lk_archive_stats *a = t->archive;
		fprintf(out,
		        ", \"archive\": {\"responses\": %zu, \"revisits\": %zu, \"truncated\": %zu, "
		        "\"failed\": %zu, \"files\": %zu, \"bytes\": %llu}",
		        a->responses, a->revisits, a->truncated, a->failed, a->files,
		        (unsigned long long)a->bytes);
	}
	fputs("},\n \"results\": [", out);
	char chunk[65536];
	size_t n;
	rewind(spool);
	while ((n = fread(chunk, 1, sizeof chunk, spool)) > 0)
		fwrite(chunk, 1, n, out);
	int bad = ferror(spool);
	fputs("\n]}\n", out);
	return bad ? -1 : 0;
}

/* GitHub's workflow commands: property values escape %, \r, \n, ':' and
 * ','; the message escapes %, \r and \n. */
static void gh_escape(struct lk_buf *b, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			lk_buf_puts(b, "%25");
		else if (*s == '\r')
			lk_buf_puts(b, "%0D");
		else if (*s == '\n')
			lk_buf_puts(b, "%0A");
		else if (property && *s == ':')
			lk_buf_puts(b, "%3A");
		else if (property && *s == ',')
			lk_buf_puts(b, "%2C");
		else
			lk_buf_putc(b, *s);
	}
}

void lk_output_github_links(const struct lk_run_view *v, FILE *out)
{
	struct lk_buf b = {0};
	for (size_t i = 0; i < v->set->n; i++) {
		const struct lk_link *l = &v->set->links[i];
		if (l->res.status != LK_STATUS_BROKEN)
			continue;
		char *url = lk_redact_url(l->url);
		for (size_t k = 0; k < l->nsrc; k++) {
			lk_buf_reset(&b);
			lk_buf_puts(&b, v->verdict[i] == LK_VERDICT_WARN ? "::warning file=" : "::error file=");
			gh_escape(&b, l->src[k].file, 1);
			lk_buf_printf(&b, ",line=%u::", l->src[k].line ? l->src[k].line : 1);
			struct lk_buf msg = {0};
			lk_buf_printf(&msg, "%s — ", url);
			describe(&msg, l);
			gh_escape(&b, msg.data, 0);
			lk_buf_free(&msg);
			fprintf(out, "%s\n", b.data);
		}
		free(url);
	}
	lk_buf_free(&b);
}

void lk_output_github_close(const struct lk_run_totals *t, FILE *out)
{
	const struct lk_run_counts *c = &t->counts;
	fprintf(out, "%zu links: %zu ok, %zu broken, %zu excluded, %zu cached\n", c->total, c->ok,
	        c->broken, c->excluded, c->cached);
}
