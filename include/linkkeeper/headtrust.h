/*
 * headtrust.h — when a HEAD error can stand without a GET.
 *
 * A check asks with HEAD first and, when HEAD is not accepted, asks again
 * with GET, because some servers answer HEAD wrongly (405, 404 or 500 for a
 * page that GET serves). That second request doubles the cost of every
 * broken link, and broken links come in clusters: a host that moved a
 * section answers hundreds of 404s.
 *
 * So the network thread learns, per host and per first directory of the
 * path, whether HEAD tells the truth there. A HEAD error of status S on
 * scheme://host:port/dir/ stands without a GET once
 *   - the host has answered some HEAD with an accepted status (HEAD works
 *     there at all),
 *   - GET has confirmed S after HEAD on that same directory at least
 *     LK_HEAD_TRUST_CONFIRMATIONS times, and
 *   - GET has never contradicted HEAD anywhere on the host.
 * One contradiction (HEAD 404, GET 200) ends trust in the whole host for the
 * rest of the run. Only 404, 410, 500, 502, 503 and 504 can stand; what
 * servers commonly send only to HEAD or to robots (400, 401, 403, 405, 429,
 * 501, 999) always gets its GET.
 *
 * Memory is bounded: at most LK_HEAD_TRUST_MAX entries; once full, nothing
 * new is learnt, which only means more GETs. Single-threaded, like the
 * scheduler: it lives in the network thread.
 */
#ifndef LINKKEEPER_HEADTRUST_H
#define LINKKEEPER_HEADTRUST_H

#include <stddef.h>
#include <stdint.h>

#define LK_HEAD_TRUST_CONFIRMATIONS 3
#define LK_HEAD_TRUST_MAX 65536

struct lk_head_trust_entry {
	uint64_t key;          /* hash of the host, or of host and directory */
	uint32_t count;        /* host: HEADs accepted; directory: GETs that agreed */
	uint16_t status;       /* 0: the host's own entry */
	uint8_t contradicted;  /* host only: GET once disagreed with HEAD */
	uint8_t used;
};

struct lk_head_trust {
	struct lk_head_trust_entry *slots; /* open addressing, power-of-two size */
	size_t cap, n;
};

void lk_head_trust_init(struct lk_head_trust *t);
void lk_head_trust_free(struct lk_head_trust *t);

/* HEAD on url was answered with an accepted status. */
void lk_head_trust_head_ok(struct lk_head_trust *t, const char *url);

/* GET on url answered get_status where HEAD had answered head_status. */
void lk_head_trust_learn(struct lk_head_trust *t, const char *url, int head_status,
                         int get_status);

/* 1 when HEAD's answer status for url may stand without asking GET. */
int lk_head_trust_believes(const struct lk_head_trust *t, const char *url, int status);

#endif
