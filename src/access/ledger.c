/*
 * The disclosure ledger and the request log. One transaction per response
 * writes the request's log row and appends one journal row per person
 * disclosed, so a crash loses at most the response in flight (committed
 * rows survive kill -9: WAL). The journal is folded into ledger, one row
 * per (client, channel, person), once LEDGER_FOLD_ROWS rows have been
 * journaled by this process, and by every reader of ledger before it
 * reads: an append costs a few pages per commit, where an upsert per
 * person touched a page per person and made a full walk write the whole
 * ledger to the WAL once per page.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "util/log.h"
#include "util/timefmt.h"

/* The precision of the ledger's "last time received" (one minute). */
#define LEDGER_LAST_RESOLUTION_MS "60000"
/* A fold per hundred pages of 1000, not per page. A fold sorts the
 * journal in memory (about 120 bytes a row), so the figure also bounds
 * what a fold adds to the server's RSS. */
#define LEDGER_FOLD_ROWS 100000

static atomic_long journaled;

static int write_ledger(access_view *av, store *st, int64_t now, long *rows)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO ledger_journal(person, client, channel, cats, at) VALUES(?,?,?,?,?)", &s))
        return STORE_ERR;
    int rc = STORE_OK;
    store_bind_text(s, 2, av->cl.id);
    store_bind_text(s, 3, av->channel);
    store_bind_int(s, 5, now);
    for (size_t i = 0; i < av->ledger.cap && !rc; i++) {
        if (!av->ledger.keys[i])
            continue;
        store_bind_text(s, 1, av->ledger.keys[i]);
        store_bind_int(s, 4, (int64_t)(uintptr_t)av->ledger.vals[i]);
        if (store_step(s) < 0)
            rc = STORE_ERR;
        store_reset(s);
        ++*rows;
    }
    store_finalize(s);
    return rc;
}

/* SQLite upserts the journal's rows one by one in key order (the first
 * of a key, its earliest, inserts; the rest OR in their categories).
 * PostgreSQL refuses to change a row twice in one statement, so there
 * the rows of a key are grouped first, with its bit_or aggregate. */
static const char fold_sqlite[] =
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    " SELECT client, channel, person, cats, at, at FROM ledger_journal WHERE true"
    " ORDER BY client, channel, person, at";
static const char fold_pg[] =
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    " SELECT client, channel, person, bit_or(cats), min(at), max(at) FROM ledger_journal"
    " GROUP BY client, channel, person";
/* A row already up to date (same categories, last seen within
 * LEDGER_LAST_RESOLUTION_MS) is not rewritten: repeated syncs then cost
 * a lookup per person, not a page write. */
static const char fold_upsert[] =
    " ON CONFLICT(client, channel, person) DO UPDATE SET cats=ledger.cats|excluded.cats,"
    " last=CASE WHEN excluded.last>ledger.last THEN excluded.last ELSE ledger.last END"
    " WHERE (ledger.cats|excluded.cats)<>ledger.cats OR ledger.last<excluded.last-" LEDGER_LAST_RESOLUTION_MS;

/* 1 when the journal holds a row: folding an empty journal would still
 * be a write transaction, and readers fold on every read. */
static int journal_has_rows(store *st)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT 1 FROM ledger_journal LIMIT 1", &s))
        return -1;
    int rc = store_step(s);
    store_finalize(s);
    return rc;
}

int access_ledger_fold(store *st)
{
    int has = journal_has_rows(st);
    if (has <= 0)
        return has < 0 ? STORE_ERR : STORE_OK;
    int pg = !strcmp(store_backend(st), "postgresql");
    char sql[sizeof fold_sqlite + sizeof fold_pg + sizeof fold_upsert];
    snprintf(sql, sizeof sql, "%s%s", pg ? fold_pg : fold_sqlite, fold_upsert);
    /* On PostgreSQL the lock makes the insert and the delete see the same
     * rows: it waits for the responses journaling now and holds off new
     * ones until the fold commits. SQLite's write transaction does that. */
    int rc = store_begin(st) ||
             (pg && store_exec(st, "LOCK TABLE ledger_journal IN SHARE ROW EXCLUSIVE MODE")) ||
             store_exec(st, sql) || store_exec(st, "DELETE FROM ledger_journal") || store_commit(st);
    if (rc) {
        log_msg(LOG_ERR, "folding the disclosure ledger's journal failed: %s", store_errmsg(st));
        store_rollback(st);
    }
    return rc ? STORE_ERR : STORE_OK;
}

/* After this process journaled LEDGER_FOLD_ROWS rows, the response that
 * crossed the mark folds (one of them, when several cross it at once). */
static void fold_when_due(store *st, long rows)
{
    long before = atomic_fetch_add(&journaled, rows);
    if (before + rows < LEDGER_FOLD_ROWS || before >= LEDGER_FOLD_ROWS)
        return;
    atomic_store(&journaled, 0);
    access_ledger_fold(st);
}

static int write_request(access_view *av, store *st, const access_reqinfo *ri, int64_t now)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO request_log(at, client, credential, method, path, query, status, items,"
                          " bytes, duration_ms) VALUES(?,?,?,?,?,?,?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_int(s, 1, now);
    store_bind_text(s, 2, av->cl.id);
    store_bind_text(s, 3, av->cl.key_id);
    store_bind_text(s, 4, ri->method);
    store_bind_text(s, 5, ri->path);
    if (ri->query)
        store_bind_text(s, 6, ri->query);
    else
        store_bind_null(s, 6);
    store_bind_int(s, 7, ri->status);
    store_bind_int(s, 8, ri->status < 300 ? av->items : 0);
    store_bind_int(s, 9, (int64_t)ri->bytes);
    store_bind_int(s, 10, now - ri->started_ms);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int access_finish(access_view *av, store *st, const access_reqinfo *ri)
{
    int rc = 0;
    store_set_scope(st, NULL);
    int pseudos = av->pmap.n > 0;
    if ((av->record && (ri || av->ledger.n)) || pseudos) {
        int64_t now = time_now_ms();
        /* A failed response disclosed nothing: its ledger notes are dropped. */
        int disclosed = !ri || ri->status < 300;
        int rec = av->record;
        long rows = 0;
        if (store_begin(st) || (rec && ri && write_request(av, st, ri, now)) ||
            (rec && disclosed && write_ledger(av, st, now, &rows)) || (pseudos && access_pseudo_write(av, st)) ||
            store_commit(st)) {
            log_msg(LOG_ERR, "writing the disclosure ledger for client %s failed: %s", av->cl.id, store_errmsg(st));
            store_rollback(st);
            rc = -1;
        } else if (rows) {
            fold_when_due(st, rows);
        }
    }
    strmap_free(&av->ledger, NULL);
    strmap_free(&av->pmap, free);
    strmap_free(&av->inmap, free);
    if (access_current() == av)
        access_unbind();
    return rc;
}

/* Counts, then deletes, the rows of `table` whose `col` is before `before`. */
static int purge_one(store *st, const char *table, const char *col, int64_t before, int64_t *count)
{
    char sql[128];
    store_stmt *s;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s < ?", table, col);
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    store_bind_int(s, 1, before);
    *count = store_step(s) == 1 ? store_col_int(s, 0) : 0;
    store_finalize(s);
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < ?", table, col);
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    store_bind_int(s, 1, before);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int access_purge(store *st, int64_t before_ms, int64_t *requests, int64_t *ledger_rows)
{
    *requests = *ledger_rows = 0;
    int64_t exits = 0;
    if (access_ledger_fold(st) || store_begin(st) || purge_one(st, "request_log", "at", before_ms, requests) ||
        purge_one(st, "ledger", "last", before_ms, ledger_rows) ||
        purge_one(st, "scope_exit", "at", before_ms, &exits) || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}
