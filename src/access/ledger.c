/*
 * The disclosure ledger and the request log. One transaction per response
 * writes the request's log row and one journal row holding the persons it
 * disclosed, grouped by the categories they were disclosed with,
 * {"categories": ["person", ...]}, so a crash loses at most the response in
 * flight (committed rows survive kill -9: WAL). Entities of other kinds
 * disclosed get a journal row per kind in the same form (kind set), so that
 * their scope exits can be told too (exits.c). Folding moves the journal
 * into ledger_row, one row per (reader, id), a reader being a (client,
 * channel, kind); the view ledger shows the persons (ledger_fold.c).
 *
 * Who folds: in the server, the folder (a worker) once the journal has
 * been quiet for FOLD_QUIET_MS or has grown by FOLD_PERSONS persons, so a
 * sync's pages never wait for a fold; elsewhere (an export, a
 * provisioning run) the response that crosses FOLD_PERSONS; and every
 * reader of ledger before it reads. A page's cost is then one insert of a
 * few pages; upserting a row per person had made a full walk rewrite the
 * ledger's B-tree into the WAL once per page.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "access/ledger_fold.h"
#include "store/worker.h"
#include "util/log.h"
#include "util/timefmt.h"

/* Persons journaled since the last fold that make one due at once, quiet
 * or not: a bound on the journal (about 40 bytes a person) for a hub that
 * is never quiet. */
#define FOLD_PERSONS 2000000
/* A journal without appends for this long is folded by the folder. */
#define FOLD_QUIET_MS 2000

static atomic_long journaled;      /* persons since the last fold */
static atomic_llong last_append;   /* time_now_ms() of the last append */

typedef struct noted {
    uint32_t cats;
    const char *person;
} noted;

static int by_cats(const void *a, const void *b)
{
    uint32_t x = ((const noted *)a)->cats, y = ((const noted *)b)->cats;
    return (x > y) - (x < y);
}

/* The journal's form of the persons noted: one group per categories value
 * (a page of /persons has one), so the value is written once, not once
 * per person. */
static void journal_persons(const access_view *av, buf *b, long *persons)
{
    const strmap *m = &av->ledger;
    noted *v = xmalloc((m->n + av->nledger_all + 1) * sizeof *v);
    size_t n = 0;
    int mixed = 0;
    const char *p = av->ledger_all.data;
    for (size_t i = 0; i < av->nledger_all; i++, p += strlen(p) + 1)
        v[n++] = (noted){ (uint32_t)(~0u >> (32 - CAT__COUNT)) | 1u << CAT_STANDARD, p };
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        v[n] = (noted){ (uint32_t)(uintptr_t)m->vals[i], m->keys[i] };
        mixed |= v[n].cats != v[0].cats;
        n++;
    }
    if (mixed)
        qsort(v, n, sizeof *v, by_cats);
    buf_reserve(b, n * 40 + 16);
    buf_addc(b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i && v[i].cats == v[i - 1].cats) {
            buf_addc(b, ',');
        } else {
            buf_adds(b, i ? "],\"" : "\"");
            buf_add_uint(b, v[i].cats);
            buf_adds(b, "\":[");
        }
        buf_add_json_string(b, v[i].person);
    }
    buf_adds(b, n ? "]}" : "}");
    *persons += (long)n;
    free(v);
}

/* The entities of another kind received, in the persons' form under the
 * Standard category alone: {"<cats>":["id",...]}. */
static void journal_seen(const access_view *av, int kind, buf *b, long *count)
{
    buf_reserve(b, av->seen[kind].len + av->nseen[kind] * 3 + 16);
    buf_printf(b, "{\"%u\":[", 1u << CAT_STANDARD);
    const char *p = av->seen[kind].data;
    for (size_t i = 0; i < av->nseen[kind]; i++, p += strlen(p) + 1) {
        if (i)
            buf_addc(b, ',');
        buf_add_json_string(b, p);
    }
    buf_adds(b, "]}");
    *count += (long)av->nseen[kind];
}

static int write_ledger(access_view *av, store *st, int64_t now, int kind, const buf *persons)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO ledger_journal(client, channel, at, persons, kind) VALUES(?,?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, av->cl.id);
    store_bind_text(s, 2, av->channel);
    store_bind_int(s, 3, now);
    store_bind_text(s, 4, persons->data);
    store_bind_int(s, 5, kind);
    int rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
    store_finalize(s);
    return rc;
}

/* The journal rows of a response: [K_PERSON] the persons, and one for
 * each other kind it disclosed entities of; an empty buf for none. */
static void journal_all(const access_view *av, buf rows[K__COUNT], long *count)
{
    if (av->ledger.n || av->nledger_all)
        journal_persons(av, &rows[K_PERSON], count);
    for (int k = 0; k < K__COUNT; k++)
        if (k != K_PERSON && av->nseen[k])
            journal_seen(av, k, &rows[k], count);
}

static int write_journal(access_view *av, store *st, int64_t now, const buf rows[K__COUNT])
{
    for (int k = 0; k < K__COUNT; k++)
        if (rows[k].len && write_ledger(av, st, now, k, &rows[k]))
            return STORE_ERR;
    return STORE_OK;
}

/* ---- responses journaled lately
 *
 * A response that discloses to the same client, over the same channel,
 * exactly the persons and categories of one journaled (committed) at most
 * LEDGER_LAST_RESOLUTION_MS ago changes no row of the ledger: each of its
 * rows has those categories, a first no later and a last within the
 * resolution, so a fold would drop all its keys. It is not journaled: a
 * walk repeated within a minute (a retry, a client that polls) costs
 * neither the journal nor the fold. Responses are known by a hash of
 * (client, channel, journal text) in a small table that forgets the
 * oldest; a response missing from it is journaled as usual. Only the
 * server keeps it (with its folder running), which serves one store for
 * its whole life; a process that opens several stores (the tests) must
 * not take one store's response for another's. */
#define RECENT_SLOTS 4096 /* a power of two; 20 full walks of the city store */
#define RECENT_PROBE 8

typedef struct recent {
    unsigned char h[16];
    int64_t at;
} recent;

static recent recents[RECENT_SLOTS];
static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t recent_home(const unsigned char h[16])
{
    size_t i = 0;
    memcpy(&i, h, sizeof i);
    return i & (RECENT_SLOTS - 1);
}

static void recent_hash(const access_view *av, const buf rows[K__COUNT], unsigned char h[16])
{
    crypto_generichash_state g;
    crypto_generichash_init(&g, NULL, 0, 16);
    crypto_generichash_update(&g, (const unsigned char *)av->cl.id, strlen(av->cl.id) + 1);
    crypto_generichash_update(&g, (const unsigned char *)av->channel, strlen(av->channel) + 1);
    for (int k = 0; k < K__COUNT; k++) {
        if (!rows[k].len)
            continue;
        unsigned char kb = (unsigned char)k;
        crypto_generichash_update(&g, &kb, 1);
        crypto_generichash_update(&g, (const unsigned char *)rows[k].data, rows[k].len);
    }
    crypto_generichash_final(&g, h, 16);
}

/* 1 when a response with hash h was journaled within the resolution. */
static int recent_seen(const unsigned char h[16], int64_t now)
{
    size_t home = recent_home(h);
    int seen = 0;
    pthread_mutex_lock(&recent_lock);
    for (size_t p = 0; p < RECENT_PROBE && !seen; p++) {
        const recent *r = &recents[(home + p) & (RECENT_SLOTS - 1)];
        seen = !memcmp(r->h, h, 16) && r->at <= now && now - r->at <= LEDGER_LAST_RESOLUTION_MS;
    }
    pthread_mutex_unlock(&recent_lock);
    return seen;
}

/* Remembers a committed journal row, in its own slot or the oldest of its
 * probe window. */
static void recent_note(const unsigned char h[16], int64_t now)
{
    size_t home = recent_home(h), at = home;
    pthread_mutex_lock(&recent_lock);
    for (size_t p = 0; p < RECENT_PROBE; p++) {
        size_t i = (home + p) & (RECENT_SLOTS - 1);
        if (!memcmp(recents[i].h, h, 16)) {
            at = i;
            break;
        }
        if (recents[i].at < recents[at].at)
            at = i;
    }
    memcpy(recents[at].h, h, 16);
    recents[at].at = now;
    pthread_mutex_unlock(&recent_lock);
}

int access_ledger_fold(store *st)
{
    atomic_store(&journaled, 0);
    return ledger_fold_run(st);
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
    int has_notes = av->ledger.n || av->nledger_all;
    for (int k = 0; k < K__COUNT; k++)
        has_notes |= av->nseen[k] != 0;
    if ((av->record && (ri || has_notes)) || pseudos) {
        int64_t now = time_now_ms();
        /* A failed response disclosed nothing: its ledger notes are dropped. */
        int disclosed = !ri || ri->status < 300;
        int rec = av->record;
        long persons = 0;
        buf journal[K__COUNT];
        unsigned char h[16];
        int journal_it = rec && disclosed && has_notes;
        int remember = journal_it && worker_running(&folder);
        for (int k = 0; k < K__COUNT; k++)
            buf_init(&journal[k]);
        if (journal_it) {
            journal_all(av, journal, &persons);
            if (remember)
                recent_hash(av, journal, h);
            journal_it = !remember || !recent_seen(h, now);
        }
        /* Pseudonyms first: they are in the store file, the log rows in
         * the log file, and on SQLite the ledger's fold takes the store
         * file's lock before the log file's. An append that held the log
         * file's lock while it waited for the store file's deadlocked with
         * a fold until the busy timeout, and the response was refused. */
        if (store_begin_append(st) || (pseudos && access_pseudo_write(av, st)) ||
            (rec && ri && write_request(av, st, ri, now)) || (journal_it && write_journal(av, st, now, journal)) ||
            store_commit(st)) {
            log_msg(LOG_ERR, "writing the disclosure ledger for client %s failed: %s", av->cl.id, store_errmsg(st));
            store_rollback(st);
            rc = -1;
        } else if (journal_it) {
            if (remember)
                recent_note(h, now);
            fold_when_due(st, persons);
        }
        for (int k = 0; k < K__COUNT; k++)
            buf_free(&journal[k]);
    }
    strmap_free(&av->ledger, NULL);
    buf_free(&av->ledger_all);
    av->nledger_all = 0;
    for (int k = 0; k < K__COUNT; k++) {
        buf_free(&av->seen[k]);
        av->nseen[k] = 0;
    }
    strmap_free(&av->pmap, free);
    strmap_free(&av->inmap, free);
    if (access_current() == av)
        access_unbind();
    return rc;
}

/* Deletes the rows of `table` whose `col` is before `before`, counting
 * them: a delete first, since reading the log file before writing it
 * could meet another connection's append in between (store_sqlite.c,
 * sq_begin). */
static int purge_one(store *st, const char *table, const char *col, int64_t before, int64_t *count)
{
    char sql[128];
    store_stmt *s;
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < ? RETURNING 1", table, col);
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    store_bind_int(s, 1, before);
    int rc;
    *count = 0;
    while ((rc = store_step(s)) == 1)
        ++*count;
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int access_purge(store *st, int64_t before_ms, int64_t *requests, int64_t *ledger_rows)
{
    *requests = *ledger_rows = 0;
    int64_t exits = 0;
    if (access_ledger_fold(st) || store_begin(st) || purge_one(st, "request_log", "at", before_ms, requests) ||
        purge_one(st, "ledger_row", "last", before_ms, ledger_rows) ||
        purge_one(st, "scope_exit", "at", before_ms, &exits) || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}
