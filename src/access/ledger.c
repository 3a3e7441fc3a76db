/*
 * The disclosure ledger and the request log. One transaction per response
 * writes the request's log row and one journal row holding the persons it
 * disclosed, packed as a JSON object {"person": categories}, so a crash
 * loses at most the response in flight (committed rows survive kill -9:
 * WAL). Folding moves the journal into ledger, one row per (client,
 * channel, person), in chunks of FOLD_CHUNK responses per transaction.
 *
 * Who folds: in the server, the folder (a worker) once the journal has
 * been quiet for FOLD_QUIET_MS or has grown by FOLD_PERSONS persons, so a
 * sync's pages never wait for a fold; elsewhere (an export, a
 * provisioning run) the response that crosses FOLD_PERSONS; and every
 * reader of ledger before it reads. A page's cost is then one insert of a
 * few pages; upserting a row per person had made a full walk rewrite the
 * ledger's B-tree into the WAL once per page.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "store/worker.h"
#include "util/log.h"
#include "util/timefmt.h"

/* The precision of the ledger's "last time received" (one minute). */
#define LEDGER_LAST_RESOLUTION_MS "60000"
/* Responses per fold transaction. A chunk's persons fall all over the
 * client's ledger, so each chunk walks most of its leaf pages: fewer,
 * larger chunks fold faster; smaller ones hold the write lock, which a
 * response may wait for, for less time. 100 pages of 1000 persons fold
 * in about half a second on the city store. */
#define FOLD_CHUNK 100
/* Persons journaled since the last fold that make one due at once, quiet
 * or not: a bound on the journal (about 50 bytes a person) for a hub that
 * is never quiet. */
#define FOLD_PERSONS 2000000
/* A journal without appends for this long is folded by the folder. */
#define FOLD_QUIET_MS 2000

static atomic_long journaled;      /* persons since the last fold */
static atomic_llong last_append;   /* time_now_ms() of the last append */

static int write_ledger(access_view *av, store *st, int64_t now, long *persons)
{
    if (!av->ledger.n)
        return STORE_OK;
    buf b;
    buf_init(&b);
    buf_reserve(&b, av->ledger.n * 48 + 2);
    buf_addc(&b, '{');
    for (size_t i = 0; i < av->ledger.cap; i++) {
        if (!av->ledger.keys[i])
            continue;
        if (b.len > 1)
            buf_addc(&b, ',');
        buf_add_json_string(&b, av->ledger.keys[i]);
        buf_addc(&b, ':');
        buf_add_uint(&b, (unsigned long)(uintptr_t)av->ledger.vals[i]);
        ++*persons;
    }
    buf_addc(&b, '}');
    store_stmt *s;
    int rc = STORE_ERR;
    if (!store_prepare(st, "INSERT INTO ledger_journal(client, channel, at, persons) VALUES(?,?,?,?)", &s)) {
        store_bind_text(s, 1, av->cl.id);
        store_bind_text(s, 2, av->channel);
        store_bind_int(s, 3, now);
        store_bind_text(s, 4, buf_cstr(&b));
        rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
        store_finalize(s);
    }
    buf_free(&b);
    return rc;
}

/* SQLite upserts the unpacked rows one by one in journal order, which is
 * time order (the first of a key, its earliest, inserts; the rest OR in
 * their categories; the WHERE keeps the join apart from ON CONFLICT).
 * Sorting them by key first cost more than it saved once the fold has a
 * page cache that holds the client's ledger. PostgreSQL refuses to
 * change a row twice in one statement, so there the rows of a key are
 * grouped first, with its bit_or aggregate. */
static const char fold_sqlite[] =
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    " SELECT j.client, j.channel, e.key, e.value, j.at, j.at FROM ledger_journal j, json_each(j.persons) e"
    " WHERE j.seq <= ?";
static const char fold_pg[] =
    "INSERT INTO ledger(client, channel, person, cats, first, last)"
    " SELECT j.client, j.channel, e.key, bit_or(e.value::bigint), min(j.at), max(j.at)"
    " FROM ledger_journal j, jsonb_each_text(j.persons::jsonb) e WHERE j.seq <= ?"
    " GROUP BY j.client, j.channel, e.key ORDER BY 1, 2, 3";
/* A row already up to date (same categories, last seen within
 * LEDGER_LAST_RESOLUTION_MS) is not rewritten: repeated syncs then cost
 * a lookup per person, not a page write. */
static const char fold_upsert[] =
    " ON CONFLICT(client, channel, person) DO UPDATE SET cats=ledger.cats|excluded.cats,"
    " last=CASE WHEN excluded.last>ledger.last THEN excluded.last ELSE ledger.last END"
    " WHERE (ledger.cats|excluded.cats)<>ledger.cats OR ledger.last<excluded.last-" LEDGER_LAST_RESOLUTION_MS;

/* The seq of the FOLD_CHUNK-th oldest journal row (or of the newest, when
 * fewer), 0 when the journal is empty; -1 on failure. *full: a whole
 * chunk, so more may follow. */
static int64_t chunk_bound(store *st, int *full)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT seq FROM ledger_journal ORDER BY seq LIMIT ?", &s))
        return -1;
    store_bind_int(s, 1, FOLD_CHUNK);
    int64_t bound = 0;
    int n = 0, rc;
    while ((rc = store_step(s)) == 1) {
        bound = store_col_int(s, 0);
        n++;
    }
    store_finalize(s);
    *full = n == FOLD_CHUNK;
    return rc < 0 ? -1 : bound;
}

/* Folds the oldest chunk of the journal; 1 when more may remain. */
static int fold_chunk(store *st, const char *sql)
{
    int full = 0;
    /* Writers take turns (BEGIN IMMEDIATE; PostgreSQL's write lock), so
     * the rows up to the bound stay the same until the delete. */
    if (store_begin(st))
        return -1;
    int64_t bound = chunk_bound(st, &full);
    store_stmt *ins = NULL, *del = NULL;
    int rc = bound < 0 || (bound > 0 && (store_prepare(st, sql, &ins) || store_bind_int(ins, 1, bound) ||
                                         store_step(ins) < 0 ||
                                         store_prepare(st, "DELETE FROM ledger_journal WHERE seq <= ?", &del) ||
                                         store_bind_int(del, 1, bound) || store_step(del) < 0));
    store_finalize(ins);
    store_finalize(del);
    if (rc || store_commit(st)) {
        log_msg(LOG_ERR, "folding the disclosure ledger's journal failed: %s", store_errmsg(st));
        store_rollback(st);
        return -1;
    }
    return full;
}

/* 1 when the journal holds a row: folding an empty journal would still
 * take the write lock, and readers fold before every read. */
static int journal_has_rows(store *st)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT 1 FROM ledger_journal LIMIT 1", &s))
        return -1;
    int rc = store_step(s);
    store_finalize(s);
    return rc;
}

/* SQLite's page cache while folding: the folded clients' ledger rows
 * stay in it from one chunk to the next instead of being read again from
 * the file. The connection's own size comes back after the fold, so that
 * request threads that fold before a read do not keep the memory. */
#define FOLD_CACHE_KIB 65536

static int64_t sqlite_cache_size(store *st, int64_t set)
{
    char sql[64];
    store_stmt *s;
    if (set)
        snprintf(sql, sizeof sql, "PRAGMA cache_size=%lld", (long long)set);
    else
        snprintf(sql, sizeof sql, "PRAGMA cache_size");
    if (set)
        return store_exec(st, sql) ? 0 : set;
    if (store_prepare(st, sql, &s))
        return 0;
    int64_t v = store_step(s) == 1 ? store_col_int(s, 0) : 0;
    store_finalize(s);
    return v;
}

int access_ledger_fold(store *st)
{
    int has = journal_has_rows(st);
    if (has <= 0)
        return has < 0 ? STORE_ERR : STORE_OK;
    int pg = !strcmp(store_backend(st), "postgresql");
    char sql[sizeof fold_sqlite + sizeof fold_pg + sizeof fold_upsert];
    snprintf(sql, sizeof sql, "%s%s", pg ? fold_pg : fold_sqlite, fold_upsert);
    int64_t cache = pg ? 0 : sqlite_cache_size(st, 0);
    if (cache)
        sqlite_cache_size(st, -FOLD_CACHE_KIB);
    atomic_store(&journaled, 0);
    int more;
    while ((more = fold_chunk(st, sql)) == 1)
        ;
    if (cache)
        sqlite_cache_size(st, cache);
    return more < 0 ? STORE_ERR : STORE_OK;
}

/* ---- the folder */

static int folder_turn(store *st, worker *w)
{
    (void)w;
    int64_t quiet = time_now_ms() - atomic_load(&last_append);
    if (atomic_load(&journaled) == 0 ||
        (quiet < FOLD_QUIET_MS && atomic_load(&journaled) < FOLD_PERSONS))
        return 0;
    return access_ledger_fold(st) ? -1 : 0;
}

static worker folder = { .name = "disclosure ledger", .period_ms = FOLD_QUIET_MS / 2, .turn = folder_turn };

int access_folder_start(const char *db)
{
    /* What an earlier run left in the journal is folded at its first turn. */
    atomic_store(&journaled, 1);
    return worker_start(&folder, db);
}

void access_folder_stop(void)
{
    worker_stop(&folder);
}

/* Notes an append of `persons`; a fold is due after FOLD_PERSONS. */
static void fold_when_due(store *st, long persons)
{
    atomic_store(&last_append, time_now_ms());
    long before = atomic_fetch_add(&journaled, persons);
    if (before + persons < FOLD_PERSONS || before >= FOLD_PERSONS)
        return;
    if (worker_running(&folder))
        worker_kick(&folder);
    else
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
        long persons = 0;
        if (store_begin(st) || (rec && ri && write_request(av, st, ri, now)) ||
            (rec && disclosed && write_ledger(av, st, now, &persons)) || (pseudos && access_pseudo_write(av, st)) ||
            store_commit(st)) {
            log_msg(LOG_ERR, "writing the disclosure ledger for client %s failed: %s", av->cl.id, store_errmsg(st));
            store_rollback(st);
            rc = -1;
        } else if (persons) {
            fold_when_due(st, persons);
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
