/*
 * The pull connector: a source whose data lives behind an upstream
 * SS12000 API. The first run of each kind walks its list endpoint with
 * limit/pageToken (a full snapshot: afterwards the source's entities the
 * walk did not see are deleted); later runs ask for meta.modified.after the
 * last good run's start minus an overlap window (clock skew), and for
 * /deletedEntities after the same moment. Every page is one batch, and
 * the walk's position is saved with it, so a run killed at any point
 * resumes from its last page without losing or duplicating anything.
 */
#ifndef SKOLNAV_PULL_H
#define SKOLNAV_PULL_H

#include <stdatomic.h>
#include <stddef.h>

#include "sources/sources.h"

typedef struct pull_opts {
    int full;            /* walk every kind again (a full snapshot) */
    long page_limit;     /* records asked per page, 0 = 1000 */
    long overlap_s;      /* the overlap window, -1 = PULL_DEFAULT_OVERLAP_S */
    long timeout_ms;     /* per request, 0 = 30 s */
    int max_retries;     /* per request for timeouts, 5xx and 429; 0 = 3 */
    long max_wait_s;     /* the longest Retry-After honoured, 0 = 60 */
    const atomic_int *cancel; /* when set (non-zero): stop before the next page; the next run resumes */
} pull_opts;

#define PULL_DEFAULT_OVERLAP_S 300
#define PULL_MAX_PAGES 1000000L /* per kind and run: a bound on a walk that never ends */

typedef struct pull_report {
    size_t requests, created, updated, deleted, unchanged;
    int held;            /* a batch was held: the run stopped there */
    char error[600];     /* empty when the run succeeded */
} pull_report;

/* One run. 0 when it succeeded; -1 with rep->error (the run is also
 * recorded in the source's health either way). */
int pull_run(store *st, const source_rec *src, const pull_opts *o, pull_report *rep);

/* ---- scheduled pulls (scheduler.c)
 * A thread in the server runs each pull source whose schedule is due (its
 * last pull started at least `schedule` seconds ago, or it never ran).
 * Any number of nodes may run it: a source's run is taken under a store
 * lease ("pull.<name>"), and whether it is due is decided again under the
 * lease, so one node runs it. */
int pull_scheduler_start(const char *db);
void pull_scheduler_stop(void);

#endif
