/*
 * Scheduled pulls (see pull.h): a worker (store/worker.h), so one thread
 * per server with its own store connection. Each turn it lists the pull
 * sources with a schedule and runs those that are due, one at a time (a
 * pull is mostly waiting on the upstream; running two at once would only
 * share the same two cores).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pull/pull.h"
#include "store/worker.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/timefmt.h"

#define TURN_MS 1000
/* Longer than any pull is expected to take: a node that dies mid-run
 * blocks its source's next scheduled run for at most this long (a
 * clean shutdown gives the lease up at once). */
#define RUN_LEASE_MS (2 * 3600 * 1000LL)

static char holder[UUID_STR_LEN];
static int turn(store *st, worker *w);
static worker scheduler = { .name = "scheduled pulls", .period_ms = TURN_MS, .turn = turn };

typedef struct due_list {
    char (*names)[SOURCE_NAME_MAX + 1];
    size_t n, cap;
} due_list;

static void collect(void *ctx, const source_rec *s)
{
    due_list *d = ctx;
    if (strcmp(s->type, "pull") || s->schedule <= 0)
        return;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->names = xrealloc(d->names, d->cap * sizeof *d->names);
    }
    snprintf(d->names[d->n++], SOURCE_NAME_MAX + 1, "%s", s->name);
}

/* The start of the source's last pull, 0 when it never ran, -1 on error. */
static int64_t last_pull(store *st, const char *name)
{
    store_stmt *q;
    if (store_prepare(st, "SELECT COALESCE(MAX(started), 0) FROM source_run WHERE source=? AND what LIKE 'pull%'",
                      &q))
        return -1;
    store_bind_text(q, 1, name);
    int64_t at = store_step(q) == 1 ? store_col_int(q, 0) : -1;
    store_finalize(q);
    return at;
}

/* 1 when the source has a schedule and is due (src filled; the caller
 * frees it), 0 when not or on error. */
static int due(store *st, const char *name, source_rec *src)
{
    if (sources_get(st, name, src) != STORE_OK)
        return 0;
    int64_t last = last_pull(st, name);
    if (src->schedule > 0 && last >= 0 && time_now_ms() - last >= (int64_t)src->schedule * 1000)
        return 1;
    source_rec_free(src);
    return 0;
}

/* Runs the source when it is due and no other node is running it. */
static void run_if_due(store *st, const char *name)
{
    source_rec src;
    /* A read first: taking the lease is a write, not to be made every turn
     * for a source that is not due. */
    if (!due(st, name, &src))
        return;
    source_rec_free(&src);
    char lease[16 + SOURCE_NAME_MAX];
    snprintf(lease, sizeof lease, "pull.%s", name);
    if (store_lease(st, lease, holder, RUN_LEASE_MS) != STORE_OK)
        return; /* another node runs it, or the store is unreachable (it will say so elsewhere) */
    /* Again under the lease: the schedule may have changed, and another
     * node may have run it just now. */
    if (due(st, name, &src)) {
        pull_opts o = { .overlap_s = -1, .max_wait_s = 10, .cancel = worker_cancel_flag(&scheduler) };
        pull_report rep;
        log_msg(LOG_INFO, "scheduled pull of source %s starts", name);
        if (pull_run(st, &src, &o, &rep))
            log_msg(LOG_WARN, "scheduled pull of source %s: %s", name, rep.error);
        else
            log_msg(LOG_INFO, "scheduled pull of source %s: %zu requests, %zu created, %zu updated, "
                    "%zu deleted, %zu unchanged", name, rep.requests, rep.created, rep.updated, rep.deleted,
                    rep.unchanged);
        source_rec_free(&src);
    }
    store_lease_release(st, lease, holder);
}

static int turn(store *st, worker *w)
{
    /* The names are copied out before anything runs: a PostgreSQL
     * connection runs one statement at a time. */
    due_list d = { 0 };
    int rc = 0;
    if (sources_list(st, collect, &d) != STORE_OK) {
        log_msg(LOG_WARN, "scheduled pulls: listing the sources failed: %s", store_errmsg(st));
        rc = -1; /* a new connection at the next turn */
    }
    for (size_t i = 0; i < d.n && !worker_stopping(w); i++)
        run_if_due(st, d.names[i]);
    free(d.names);
    return rc;
}

int pull_scheduler_start(const char *db)
{
    if (!worker_running(&scheduler))
        uuid_random(holder);
    return worker_start(&scheduler, db);
}

void pull_scheduler_stop(void)
{
    worker_stop(&scheduler);
}
