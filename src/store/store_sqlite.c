/*
 * The SQLite backend. WAL mode lets the server's readers run while a
 * writer commits; synchronous=NORMAL keeps every commit safe from a
 * process crash (kill -9) and the file consistent after a power cut.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/backend.h"
#include "store/migrations.h"
#include "store/sql_query.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/timefmt.h"

/* The log file beside the store (see "the log file" below). */
#define LOG_SUFFIX "-log"

/* A relationship.* set kept in temp.drive_set (see "drive sets" below). */
#define DRIVE_SLOTS 16
typedef struct drive_slot {
    int64_t h;         /* the set's key in temp.drive_set; 0: free */
    int64_t version;   /* PRAGMA main.data_version it was read at */
    uint64_t writes;   /* store.writes it was read at */
    uint64_t used;     /* store.drive_clock at its last use */
} drive_slot;

struct store {
    store_head h; /* first: see backend.h */
    sqlite3 *db;
    char err[512];
    sqlite3_stmt *put, *upd, *meta, *meta_json, *exists, *del_e, *del_idx, *del_sort, *del_prel,
        *ins_idx, *ins_sort, *ins_prel, *fix_peid, *ins_change, *ins_tomb;
    /* Entity writes on this connection: PRAGMA data_version tells of other
     * connections' commits only. */
    uint64_t writes;
    int64_t busy_since; /* busy_wait: when the current wait began */
    int drive_table; /* temp.drive_set exists */
    /* A bulk load (store_bulk_begin: STORE_BULK_*, 0 = none): new
     * entities' derived rows go to the stage tables; staged: the stage
     * may hold rows. */
    int bulk, staged;
    int plain_read; /* sq_list: the query reads no derived rows */
    sqlite3_stmt *stg_idx, *stg_sort, *stg_prel;
    uint64_t drive_clock;
    drive_slot drives[DRIVE_SLOTS];
};

struct store_stmt {
    store *st; /* first: see backend.h */
    sqlite3_stmt *s;
};

static const store_ops sqlite_ops;

static int fail(store *st, const char *what)
{
    snprintf(st->err, sizeof st->err, "%s: %s", what, sqlite3_errmsg(st->db));
    return STORE_ERR;
}

static const char *sq_errmsg(store *st)
{
    return st->err;
}

static int sq_exec(store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(st->err, sizeof st->err, "%s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return STORE_ERR;
    }
    return STORE_OK;
}

/* The value of a PRAGMA that answers one integer, or -1. */
static int64_t pragma_int(store *st, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return v;
}

static int sq_schema_version(store *st)
{
    return (int)pragma_int(st, "PRAGMA user_version");
}

/* ---- the log file
 *
 * The request log and the disclosure ledger's journal live in a second
 * file beside the store, PATH-log, attached to every connection as the
 * schema "log". Every response of the server commits a row to them, and
 * in WAL mode a commit to a file makes every other connection discard its
 * page cache for that file at its next read: with these rows in the store's
 * own file, each request read its pages from the OS again, a fifth of a
 * busy server's time. Statements name these tables without a schema (the
 * store's file has none of their names) and are the same on PostgreSQL,
 * where they stay in the one database.
 *
 * A transaction that writes both files is atomic in each file, not across
 * them (SQLite, WAL mode): the writers that do so (the ledger's fold, a
 * purge, migration 14) are written to be safe when only one file commits.
 */
static int log_version(store *st)
{
    return (int)pragma_int(st, "PRAGMA log.user_version");
}

/* Attaches PATH-log (made if missing) and creates its tables. */
static int attach_log(store *st, const char *path)
{
    char lp[4096];
    if (snprintf(lp, sizeof lp, "%s" LOG_SUFFIX, path) >= (int)sizeof lp) {
        snprintf(st->err, sizeof st->err, "the path is too long");
        return STORE_ERR;
    }
    /* ATTACH opens with the store's flags, which do not create a file
     * when the store is only opened: a store older than the log file (or
     * one whose log file was removed) gets an empty one here. */
    sqlite3 *mk = NULL;
    int made = sqlite3_open_v2(lp, &mk, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_close(mk);
    if (made != SQLITE_OK) {
        snprintf(st->err, sizeof st->err, "cannot create the log file '%s' beside the store", lp);
        return STORE_ERR;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "ATTACH ? AS log", -1, &s, NULL) != SQLITE_OK)
        return fail(st, "attaching the log file");
    sqlite3_bind_text(s, 1, lp, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        snprintf(st->err, sizeof st->err, "cannot open the log file '%s' beside the store: %s", lp,
                 sqlite3_errmsg(st->db));
        return STORE_ERR;
    }
    if (store_exec(st, "PRAGMA log.journal_mode=WAL; PRAGMA log.synchronous=NORMAL; PRAGMA log.cache_size=-1024"))
        return STORE_ERR;
    const int want = (int)(sizeof sqlite_log_migrations / sizeof *sqlite_log_migrations);
    int v = log_version(st);
    if (v == want)
        return STORE_OK;
    if (v > want) {
        snprintf(st->err, sizeof st->err,
                 "the log file '%s' has version %d but this skolnav knows only up to %d; use a newer skolnav", lp,
                 v, want);
        return STORE_ERR;
    }
    /* Another connection may be upgrading it at the same moment: the
     * version is read again under the write lock. */
    if (store_exec(st, "BEGIN IMMEDIATE"))
        return STORE_ERR;
    v = log_version(st);
    for (; v >= 0 && v < want; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA log.user_version=%d", v + 1);
        if (store_exec(st, sqlite_log_migrations[v]) || store_exec(st, pragma))
            break;
    }
    if (v != want || store_exec(st, "COMMIT")) {
        char e[512];
        snprintf(e, sizeof e, "upgrading the log file '%s' to version %d: %.400s", lp, v + 1, st->err);
        snprintf(st->err, sizeof st->err, "%s", e);
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return STORE_ERR;
    }
    return STORE_OK;
}

/* Before migration 14 drops the store file's request_log and
 * ledger_journal, their rows are copied to the log file in a transaction
 * of their own, which writes only the log file: once it has committed
 * the rows are safe, and a crash before 14 commits only means they are
 * copied again (INSERT OR IGNORE: the same seq is the same row). The log's
 * sequences continue the store's, so a seq is never used twice (the
 * fold relies on it: ledger_fold.c). */
static int log_move_rows(store *st)
{
    return store_exec(st,
                      "BEGIN IMMEDIATE;"
                      "INSERT OR IGNORE INTO log.request_log SELECT * FROM main.request_log;"
                      "INSERT OR IGNORE INTO log.ledger_journal(seq, client, channel, at, persons)"
                      "  SELECT seq, client, channel, at, persons FROM main.ledger_journal;"
                      "DELETE FROM log.sqlite_sequence WHERE name IN ('request_log', 'ledger_journal');"
                      "INSERT INTO log.sqlite_sequence SELECT name, seq FROM main.sqlite_sequence"
                      "  WHERE name IN ('request_log', 'ledger_journal');"
                      "COMMIT");
}

static int migrate(store *st)
{
    int have = store_schema_version(st);
    int want = (int)(sizeof sqlite_migrations / sizeof *sqlite_migrations);
    if (have < 0)
        return fail(st, "reading the schema version");
    if (have > want) {
        snprintf(st->err, sizeof st->err,
                 "the database has schema version %d but this skolnav knows only up to %d; use a newer skolnav",
                 have, want);
        return STORE_ERR;
    }
    for (int v = have; v < want; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        if ((v + 1 == 14 && log_move_rows(st)) || store_exec(st, "BEGIN IMMEDIATE") || store_exec(st, sqlite_migrations[v]) ||
            store_exec(st, pragma) || store_exec(st, "COMMIT")) {
            char e[512];
            snprintf(e, sizeof e, "upgrading the schema to version %d: %.400s", v + 1, st->err);
            snprintf(st->err, sizeof st->err, "%s", e);
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return STORE_ERR;
        }
    }
    return STORE_OK;
}

static int prep(store *st, const char *sql, sqlite3_stmt **s)
{
    if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL) != SQLITE_OK)
        return fail(st, "preparing a statement");
    return STORE_OK;
}

/* prel.peid is the eid of the person entity (kind K_PERSON) a row names
 * (migration 13); the statements say the kind as a literal. */
#define PEID_KIND "1"
_Static_assert(K_PERSON == 1, "PEID_KIND names K_PERSON");

static int prepare_all(store *st)
{
    return prep(st, "INSERT INTO entity(eid,kind,id,json,display,created,modified,pstart,pend,source)"
                    " VALUES((SELECT coalesce(max(eid), ?10) FROM entity WHERE eid >= ?10 AND eid < ?11) + 1,"
                    " ?1,?2,?3,?4,?5,?6,?7,?8,?9)", &st->put) ||
           prep(st, "UPDATE entity SET json=?3, display=?4, created=?5, modified=?6, pstart=?7, pend=?8,"
                    " source=?9 WHERE kind=?1 AND id=?2", &st->upd) ||
           prep(st, "SELECT created, modified FROM entity WHERE kind=? AND id=?", &st->meta) ||
           prep(st, "SELECT created, modified, json, source FROM entity WHERE kind=? AND id=?", &st->meta_json) ||
           prep(st, "SELECT 1 FROM entity WHERE kind=? AND id=?", &st->exists) ||
           prep(st, "DELETE FROM entity WHERE kind=? AND id=?", &st->del_e) ||
           prep(st, "DELETE FROM idx WHERE kind=? AND id=? AND key=? AND value=?", &st->del_idx) ||
           prep(st, "DELETE FROM sortidx WHERE kind=? AND id=? AND skey=? AND v=?", &st->del_sort) ||
           /* Through the person's few rows: prel_org's range of the
            * organisation is a school's thousands (it is keyed by peid,
            * which the row to delete does not know). */
           prep(st, "DELETE FROM prel INDEXED BY prel_person WHERE skind=?1 AND sid=?2 AND type=?3 AND org=?4"
                    " AND person=?5", &st->del_prel) ||
           prep(st, "INSERT OR IGNORE INTO idx(kind,id,key,value) VALUES(?,?,?,?)", &st->ins_idx) ||
           prep(st, "INSERT OR REPLACE INTO sortidx(kind,id,skey,v) VALUES(?,?,?,?)", &st->ins_sort) ||
           prep(st, "INSERT INTO prel(skind,sid,type,org,person,pstart,pend,peid) VALUES(?1,?2,?3,?4,?5,?6,?7,"
                    " (SELECT eid FROM entity WHERE kind=" PEID_KIND " AND id=?5))", &st->ins_prel) ||
           prep(st, "UPDATE prel INDEXED BY prel_person SET peid=(SELECT eid FROM entity WHERE kind=" PEID_KIND
                    " AND id=?1) WHERE person=?1", &st->fix_peid) ||
           prep(st, "INSERT INTO changes(kind,id,op,at) VALUES(?,?,?,?)", &st->ins_change) ||
           prep(st, "INSERT INTO tombstone(kind,id,at) VALUES(?,?,?)", &st->ins_tomb);
}

int sqlite_store_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int sqlite_store_remove(const char *path, char *err, size_t errlen)
{
    const char *suffix[] = { "", "-wal", "-shm", LOG_SUFFIX, LOG_SUFFIX "-wal", LOG_SUFFIX "-shm" };
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        if (unlink(p) && errno != ENOENT) {
            snprintf(err, errlen, "cannot remove '%s': %s", p, strerror(errno));
            return STORE_ERR;
        }
    }
    return STORE_OK;
}

/* SKOLNAV_SQL_TRACE=1: every statement's text and time on stderr, for
 * finding the query behind a slow request (docs/operations.md). */
static int trace_profile(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    if (type != SQLITE_TRACE_PROFILE)
        return 0;
    char *sql = sqlite3_expanded_sql(p);
    fprintf(stderr, "sql %.3f ms: %.2000s\n", (double)*(sqlite3_int64 *)x / 1e6, sql ? sql : sqlite3_sql(p));
    sqlite3_free(sql);
    return 0;
}

/* How long a statement waits for a lock another connection holds. */
#define BUSY_TIMEOUT_MS 10000

/* SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25... ms between
 * tries. The locks a server's connections wait for are mostly the log
 * file's, which every response takes for a few tens of microseconds to
 * append its row: a wait of milliseconds was the whole tail of a busy
 * server's latency (random GET /persons/{id} at 32 connections on the city
 * store: p99 58 ms with SQLite's timeout, 12.5 ms with this). Short sleeps
 * first, then longer ones, up to the same timeout. */
static int busy_wait(void *ctx, int tries)
{
    store *st = ctx;
    int64_t now = time_now_ms();
    if (tries == 0)
        st->busy_since = now;
    if (now - st->busy_since >= BUSY_TIMEOUT_MS)
        return 0;
    usleep(tries < 50 ? 50 : tries < 200 ? 250 : 2000);
    return 1;
}

/* bulk loads, below */
static void unstage_leftovers(store *st);
static int unstage(store *st);
static void finalize_stage(store *st);

/* SQLite counts every allocation of every connection under one global
 * mutex unless told not to, which the server's request threads then take
 * turns on; nothing here reads those counts. On the city store at 32
 * connections: GET /persons/{id} 5 700 -> 12 400 requests/s, 12 600 ->
 * 32 400 with --no-ledger. Too late once SQLite is initialised (a test
 * that opened a file first): then it keeps counting, which is harmless. */
static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int sqlite_store_open(const char *path, int create, store **out, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_setup);
    *out = NULL;
    store *st = xcalloc(1, sizeof *st);
    st->h.ops = &sqlite_ops;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s%s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory",
                 create ? "" : " (create it first, e.g. with 'skolnav demo --db PATH')");
        sqlite3_close(st->db);
        free(st);
        return STORE_ERR;
    }
    sqlite3_busy_handler(st->db, busy_wait, st);
    const char *trace = getenv("SKOLNAV_SQL_TRACE");
    if (trace && *trace && strcmp(trace, "0"))
        sqlite3_trace_v2(st->db, SQLITE_TRACE_PROFILE, trace_profile, NULL);
    /* No mmap: a mapping counts every page a connection touched in the
     * server's RSS (once per worker), while pread from the OS page cache
     * costs a full walk about a seventh more CPU. Each connection keeps a
     * small page cache of its own; the OS caches the file for all. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"
                          " PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0";
    /* 16 KB pages for a new store file (an existing one keeps its own:
     * WAL mode fixes the size). A connection's cache misses are one pread
     * each, and a walk misses on every page it reads: at 4 KB a page of
     * /persons cost 200 preads, and the full walk of the city ran a fifth
     * slower; reads by id and writes measured the same. */
    if (store_exec(st, "PRAGMA page_size=16384") || store_exec(st, pragmas) || attach_log(st, path) ||
        migrate(st) || prepare_all(st)) {
        snprintf(err, errlen, "database '%s': %s", path, st->err);
        store_close(st);
        return STORE_ERR;
    }
    unstage_leftovers(st);
    *out = st;
    return STORE_OK;
}

static int sq_tune_bulk(store *st, long cache_mb)
{
    char sql[160];
    /* Random ids spread every batch over the whole tree: a cache that holds
     * the working set turns re-reads into hits, and a longer WAL lets a
     * page changed by many batches reach the main file once. */
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld; PRAGMA wal_autocheckpoint=%ld", cache_mb * 1024,
             cache_mb * 64);
    return sq_exec(st, sql);
}

static void sq_close(store *st)
{
    if (!st)
        return;
    sqlite3_stmt **all[] = { &st->put, &st->upd, &st->meta, &st->meta_json, &st->exists, &st->del_e,
                             &st->del_idx, &st->del_sort, &st->del_prel, &st->ins_idx,
                             &st->ins_sort, &st->ins_prel, &st->fix_peid, &st->ins_change, &st->ins_tomb };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sqlite3_finalize(*all[i]);
    if (st->bulk)
        unstage(st);
    finalize_stage(st);
    sqlite3_close(st->db);
    free(st);
}

/* A write transaction with the store file's lock from the start, as
 * BEGIN IMMEDIATE, but not the log file's: BEGIN IMMEDIATE takes the lock
 * of every attached file, and every response appends to the log, so a
 * long ingest batch held up every response (which then fails closed,
 * server.c, after the busy timeout). A write that changes nothing takes
 * the store file's lock; the log file's is taken by the transaction's
 * first write to it, if any (a transaction that reads the log before it
 * writes there would meet SQLITE_BUSY_SNAPSHOT: the purge deletes first). */
static int sq_begin(store *st)
{
    if (store_exec(st, "BEGIN") || store_exec(st, "UPDATE main.setting SET v=v WHERE 0")) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return STORE_ERR;
    }
    return STORE_OK;
}

/* Deferred: an append's statements are all INSERTs, so each file's
 * write lock is taken by the first statement that writes it, waiting in
 * the busy handler, and a response's log row waits only for writers of
 * the log file (BEGIN IMMEDIATE takes every attached file). */
static int sq_begin_append(store *st)
{
    return store_exec(st, "BEGIN");
}

static int sq_commit(store *st)
{
    if (st->bulk == STORE_BULK_BATCH && unstage(st))
        return STORE_ERR;
    return store_exec(st, "COMMIT");
}

static void sq_rollback(store *st)
{
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    /* an unstage inside the transaction may be undone with it */
    if (st->bulk)
        st->staged = 1;
}

/* Runs a prepared write statement to completion and resets it. */
static int run(store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? STORE_OK : fail(st, what);
}

static void bind_kind_id(sqlite3_stmt *s, int kind, const char *id)
{
    sqlite3_bind_int(s, 1, kind);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
}

static int sq_entity_meta(store *st, int kind, const char *id, int want_json, store_meta *m)
{
    sqlite3_stmt *s = want_json ? st->meta_json : st->meta;
    memset(m, 0, sizeof *m);
    bind_kind_id(s, kind, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        m->created = sqlite3_column_int64(s, 0);
        m->modified = sqlite3_column_int64(s, 1);
        if (want_json) {
            m->json = xstrdup((const char *)sqlite3_column_text(s, 2));
            const char *src = (const char *)sqlite3_column_text(s, 3);
            m->source = src ? xstrdup(src) : NULL;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : fail(st, "reading an entity");
}

static int sq_entity_exists(store *st, int kind, const char *id)
{
    bind_kind_id(st->exists, kind, id);
    int rc = sqlite3_step(st->exists);
    sqlite3_reset(st->exists);
    sqlite3_clear_bindings(st->exists);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : fail(st, "checking an entity");
}

static void bind_opt(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static int idx_row_op(store *st, sqlite3_stmt *s, int kind, const char *id, const idx_row *x)
{
    bind_kind_id(s, kind, id);
    sqlite3_bind_text(s, 3, x->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, x->value, -1, SQLITE_STATIC);
    return run(st, s, "writing index rows");
}

static int sort_row_op(store *st, sqlite3_stmt *s, int kind, const char *id, const sort_row *x)
{
    bind_kind_id(s, kind, id);
    sqlite3_bind_text(s, 3, x->skey, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 4, x->v ? (const void *)x->v : "", (int)x->vlen, SQLITE_STATIC);
    return run(st, s, "writing sort rows");
}

static int prel_row_op(store *st, sqlite3_stmt *s, int kind, const char *id, const prel_row *x, int insert)
{
    bind_kind_id(s, kind, id);
    sqlite3_bind_text(s, 3, x->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, x->org, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, x->person, -1, SQLITE_STATIC);
    if (insert) {
        bind_opt(s, 6, x->start);
        bind_opt(s, 7, x->end);
    }
    return run(st, s, "writing relation rows");
}

/* ---- bulk loads
 *
 * A first load writes millions of entities whose derived rows land at
 * random places in trees larger than the page cache: at nation scale
 * nearly every insert reads its page from disk. Between store_bulk_begin
 * and store_bulk_end the rows of new entities are appended to stage
 * tables in the store file instead, committed with their entities (a
 * crash loses nothing), and unstage() inserts them in key order, so each
 * page of the trees is written once. Whatever reads derived rows on this
 * connection, or replaces an entity's rows, unstages first; opening a
 * store unstages what a killed load left. Organisations are never staged:
 * the organisation tree is rebuilt from their rows after every batch of
 * them, and they are few. */

#define STAGE_TABLES                                                                                         \
    "CREATE TABLE IF NOT EXISTS stage_idx(kind INTEGER NOT NULL, id TEXT NOT NULL, key TEXT NOT NULL,"      \
    " value TEXT NOT NULL);"                                                                                 \
    "CREATE TABLE IF NOT EXISTS stage_sort(kind INTEGER NOT NULL, id TEXT NOT NULL, skey TEXT NOT NULL,"    \
    " v BLOB NOT NULL);"                                                                                     \
    "CREATE TABLE IF NOT EXISTS stage_prel(skind INTEGER NOT NULL, sid TEXT NOT NULL, type TEXT NOT NULL,"  \
    " org TEXT NOT NULL, person TEXT NOT NULL, pstart TEXT, pend TEXT);"

/* In the order of each table's primary key or busiest index; prel's peid
 * is looked up here, when every person of the load is in. */
#define UNSTAGE                                                                                              \
    "INSERT OR IGNORE INTO idx(kind,key,value,id) SELECT kind,key,value,id FROM stage_idx ORDER BY 1,2,3,4;" \
    "INSERT OR REPLACE INTO sortidx(kind,skey,v,id) SELECT kind,skey,v,id FROM stage_sort ORDER BY 1,2,3,4;" \
    "INSERT INTO prel(type,org,peid,person,skind,sid,pstart,pend) SELECT s.type, s.org,"                    \
    " (SELECT eid FROM entity WHERE kind=" PEID_KIND " AND id=s.person), s.person, s.skind, s.sid, s.pstart,"\
    " s.pend FROM stage_prel s ORDER BY 1,2,3,4;"                                                            \
    "DELETE FROM stage_idx; DELETE FROM stage_sort; DELETE FROM stage_prel;"

static int unstage(store *st)
{
    if (!st->staged)
        return STORE_OK;
    int own = sqlite3_get_autocommit(st->db);
    if (own && sq_begin(st))
        return STORE_ERR;
    if (sq_exec(st, UNSTAGE) || (own && sq_exec(st, "COMMIT"))) {
        if (own)
            sq_rollback(st);
        return STORE_ERR;
    }
    st->staged = 0;
    st->writes++;
    return STORE_OK;
}

/* 1 when the stage tables exist and hold rows; 0 when not (or when that
 * cannot be read, which the next statement will report). */
static int stage_holds_rows(store *st)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM main.sqlite_schema WHERE type='table' AND name='stage_idx'", -1,
                           &s, NULL) != SQLITE_OK)
        return 0;
    int exists = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    if (!exists || sqlite3_prepare_v2(st->db, "SELECT EXISTS(SELECT 1 FROM stage_idx) OR EXISTS(SELECT 1 FROM"
                                              " stage_sort) OR EXISTS(SELECT 1 FROM stage_prel)", -1, &s,
                                      NULL) != SQLITE_OK)
        return 0;
    int rows = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rows;
}

/* What a killed bulk load staged and committed (checked without a write:
 * every connection of a server opens through here). Another process's
 * load may hold the write lock for longer than the busy timeout: its rows
 * are then left to it, and the store opens all the same. */
static void unstage_leftovers(store *st)
{
    if (!stage_holds_rows(st))
        return;
    st->staged = 1;
    if (unstage(st))
        st->staged = 0;
}

static void finalize_stage(store *st)
{
    sqlite3_finalize(st->stg_idx);
    sqlite3_finalize(st->stg_sort);
    sqlite3_finalize(st->stg_prel);
    st->stg_idx = st->stg_sort = st->stg_prel = NULL;
}

/* The sorter spills to temporary files during a bulk load (a nation's
 * rows would take gigabytes of memory), holding at most about the page
 * cache's size in memory per thread: a load sorts on two threads, a
 * batch (a request's connection) on one. Changing temp_store drops the
 * temp schema, drive sets included. */
static int bulk_pragmas(store *st, int mode)
{
    st->drive_table = 0;
    memset(st->drives, 0, sizeof st->drives);
    return sq_exec(st, mode == STORE_BULK_LOAD    ? "PRAGMA temp_store=FILE; PRAGMA threads=2"
                       : mode == STORE_BULK_BATCH ? "PRAGMA temp_store=FILE; PRAGMA threads=0"
                                                  : "PRAGMA temp_store=MEMORY; PRAGMA threads=0");
}

static int sq_bulk(store *st, int mode)
{
    if (!sqlite3_get_autocommit(st->db)) {
        snprintf(st->err, sizeof st->err, "a bulk load cannot begin or end inside a transaction");
        return STORE_ERR;
    }
    if (mode == st->bulk)
        return STORE_OK;
    if (st->bulk) {
        int rc = unstage(st), was = st->bulk;
        finalize_stage(st);
        st->bulk = 0;
        if (bulk_pragmas(st, 0) || rc)
            return STORE_ERR;
        /* The unstaging transaction grew the WAL to the size of every tree
         * it wrote (a nation's: over 10 GB), and a WAL file keeps its size:
         * give the disk back now. Busy readers only postpone that. */
        if (was == STORE_BULK_LOAD)
            (void)sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    if (!mode)
        return STORE_OK;
    if (sq_exec(st, STAGE_TABLES) || bulk_pragmas(st, mode) ||
        prep(st, "INSERT INTO stage_idx(kind,id,key,value) VALUES(?,?,?,?)", &st->stg_idx) ||
        prep(st, "INSERT INTO stage_sort(kind,id,skey,v) VALUES(?,?,?,?)", &st->stg_sort) ||
        prep(st, "INSERT INTO stage_prel(skind,sid,type,org,person,pstart,pend) VALUES(?1,?2,?3,?4,?5,?6,?7)",
             &st->stg_prel)) {
        finalize_stage(st);
        (void)bulk_pragmas(st, 0); /* the error that matters is the one above */
        return STORE_ERR;
    }
    st->bulk = mode;
    return STORE_OK;
}

/* Moves an entity's derived rows from `old` (NULL: none) to `new` (NULL:
 * none), touching only the rows that differ: an update that renames a
 * pupil rewrites its name rows, not its relations. */
static int sq_entity_rows(store *st, int kind, const char *id, const entity_rows *old, const entity_rows *new)
{
    st->writes++;
    if (old && unstage(st))
        return STORE_ERR;
    int stage = st->bulk && !old && kind != K_ORGANISATION;
    if (stage)
        st->staged = 1;
    for (size_t i = 0; old && i < old->nidx; i++)
        if (!rows_has_idx(new, &old->idx[i]) && idx_row_op(st, st->del_idx, kind, id, &old->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nsort; i++)
        if (!rows_has_sort(new, &old->sort[i]) && sort_row_op(st, st->del_sort, kind, id, &old->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nprel; i++)
        if (!rows_has_prel(new, &old->prel[i]) && prel_row_op(st, st->del_prel, kind, id, &old->prel[i], 0))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nidx; i++)
        if (!rows_has_idx(old, &new->idx[i]) && idx_row_op(st, stage ? st->stg_idx : st->ins_idx, kind, id, &new->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nsort; i++)
        if (!rows_has_sort(old, &new->sort[i]) &&
            sort_row_op(st, stage ? st->stg_sort : st->ins_sort, kind, id, &new->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nprel; i++)
        if (!rows_has_prel(old, &new->prel[i]) &&
            prel_row_op(st, stage ? st->stg_prel : st->ins_prel, kind, id, &new->prel[i], 1))
            return STORE_ERR;
    return STORE_OK;
}

/* Relation rows other entities wrote for a person (a duty's, a group's,
 * a child's guardians) may predate the person or outlive it: when a person
 * is created or deleted, its rows take its new eid or none, so that a set
 * of peids never names a person that is not there, nor another one that
 * later takes a freed eid. One probe of prel_person. */
static int fix_peid(store *st, int kind, const char *id)
{
    if (kind != K_PERSON)
        return STORE_OK;
    sqlite3_bind_text(st->fix_peid, 1, id, -1, SQLITE_STATIC);
    return run(st, st->fix_peid, "writing relation rows");
}

static int add_change(store *st, int kind, const char *id, const char *op, int64_t at)
{
    bind_kind_id(st->ins_change, kind, id);
    sqlite3_bind_text(st->ins_change, 3, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->ins_change, 4, at);
    return run(st, st->ins_change, "appending to the change feed");
}

static int sq_entity_put(store *st, int kind, const char *id, const char *json, const entity_rows *r,
                         const entity_rows *old, int64_t created, int64_t modified, const char *source)
{
    st->writes++;
    sqlite3_stmt *s = old ? st->upd : st->put;
    bind_kind_id(s, kind, id);
    sqlite3_bind_text(s, 3, json, -1, SQLITE_STATIC);
    bind_opt(s, 4, r->display);
    sqlite3_bind_int64(s, 5, created);
    sqlite3_bind_int64(s, 6, modified);
    bind_opt(s, 7, r->pstart);
    bind_opt(s, 8, r->pend);
    bind_opt(s, 9, source);
    if (!old) {
        sqlite3_bind_int64(s, 10, EID_BASE(kind));
        sqlite3_bind_int64(s, 11, EID_BASE(kind + 1));
    }
    if (run(st, s, "writing an entity"))
        return STORE_ERR;
    if (old && sqlite3_changes(st->db) == 0) {
        snprintf(st->err, sizeof st->err, "updating %s: it does not exist", id);
        return STORE_ERR;
    }
    if ((!old && fix_peid(st, kind, id)) || sq_entity_rows(st, kind, id, old, r))
        return STORE_ERR;
    return add_change(st, kind, id, old ? "update" : "create", modified);
}

static int sq_entity_delete(store *st, int kind, const char *id, const entity_rows *old, int64_t at)
{
    st->writes++;
    bind_kind_id(st->del_e, kind, id);
    if (run(st, st->del_e, "deleting an entity") || sq_entity_rows(st, kind, id, old, NULL) ||
        fix_peid(st, kind, id))
        return STORE_ERR;
    bind_kind_id(st->ins_tomb, kind, id);
    sqlite3_bind_int64(st->ins_tomb, 3, at);
    if (run(st, st->ins_tomb, "writing a tombstone"))
        return STORE_ERR;
    return add_change(st, kind, id, "delete", at);
}

static int sq_orgtree_rebuild(store *st)
{
    st->writes++;
    char sql[512];
    snprintf(sql, sizeof sql,
             "DELETE FROM orgtree;"
             "INSERT INTO orgtree(anc, des) WITH RECURSIVE t(anc, des) AS ("
             " SELECT id, id FROM entity WHERE kind=%d"
             " UNION SELECT t.anc, i.id FROM t JOIN idx i ON i.kind=%d AND i.key='parent' AND i.value=t.des)"
             " SELECT anc, des FROM t",
             K_ORGANISATION, K_ORGANISATION);
    return store_exec(st, sql);
}

/* ---- reads */

static int prepare_q(store *st, sqlq *q, sqlite3_stmt **out)
{
    if (!st->plain_read && unstage(st))
        return STORE_ERR;
    if (sqlite3_prepare_v2(st->db, q->sql.data, (int)q->sql.len, out, NULL) != SQLITE_OK)
        return fail(st, "preparing a query");
    for (size_t i = 0; i < q->nb; i++) {
        const sql_bind *b = &q->b[i];
        int idx = (int)i + 1;
        if (b->t == B_TEXT)
            sqlite3_bind_text(*out, idx, b->s, -1, SQLITE_STATIC);
        else if (b->t == B_INT)
            sqlite3_bind_int64(*out, idx, b->i);
        else
            sqlite3_bind_blob(*out, idx, b->b, (int)b->blen, SQLITE_STATIC);
    }
    return STORE_OK;
}

static void pack_int(unsigned char *out, int64_t v)
{
    uint64_t u = (uint64_t)v ^ (1ull << 63);
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(u >> (56 - 8 * i));
}

static int rows_loop(store *st, sqlq *q, store_row_fn fn, void *ctx)
{
    sqlite3_stmt *s;
    if (prepare_q(st, q, &s))
        return STORE_ERR;
    int rc, stop = 0;
    unsigned char packed[8];
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        store_row row = {
            .id = (const char *)sqlite3_column_text(s, 0),
            .json = (const char *)sqlite3_column_text(s, 1),
            .jsonlen = (size_t)sqlite3_column_bytes(s, 1),
        };
        switch (q->sortv) {
        case SORTV_NONE:
            break;
        case SORTV_BLOB:
            row.sortv = sqlite3_column_blob(s, 2);
            row.sortvlen = (size_t)sqlite3_column_bytes(s, 2);
            break;
        case SORTV_EID:
        case SORTV_MODIFIED:
            pack_int(packed, sqlite3_column_int64(s, 2));
            row.sortv = packed, row.sortvlen = 8;
            break;
        }
        stop = fn(ctx, &row);
    }
    if (!stop && rc != SQLITE_DONE) {
        fail(st, "reading rows");
        sqlite3_finalize(s);
        return STORE_ERR;
    }
    sqlite3_finalize(s);
    return stop;
}

static int64_t scalar(store *st, sqlq *q)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    if (prepare_q(st, q, &s))
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Counts of candidate sets, per thread: a walk asks the same sets for every
 * page, and a busy hub the same school's sets over and over. A count only
 * chooses a plan, so one a minute old is still good enough. */
#define PROBE_SLOTS 64
#define PROBE_TTL_MS 60000
static _Thread_local struct probe_slot {
    uint64_t h;
    int64_t at, n;
} probe_cache[PROBE_SLOTS];

static uint64_t probe_hash(const store *st, const sqlq *q)
{
    return sqlq_hash(q) ^ ((uint64_t)(uintptr_t)st * 0x9e3779b97f4a7c15ull);
}

static int64_t probe_count(store *st, sqlq *q)
{
    uint64_t h = probe_hash(st, q);
    struct probe_slot *slot = &probe_cache[h % PROBE_SLOTS];
    int64_t now = time_now_ms();
    if (slot->h == h && now - slot->at < PROBE_TTL_MS)
        return slot->n;
    int64_t n = scalar(st, q);
    if (n >= 0)
        *slot = (struct probe_slot){ h, now, n };
    return n;
}

/* The filter whose set of ids a page in arrival order should be read
 * through (sqlq.drive), or 0 for the range scan of the kind. SQLite has no
 * statistics to choose by: the scan reads about limit * N / |set| rows of
 * the kind's N to fill a page, the set costs its size in lookups, so the
 * set wins while |set| < sqrt(limit * N). Each candidate set is counted
 * up to that bound (a few ms) and the smallest drives.
 * SKOLNAV_LIST_PLAN=scan|set forces one plan (tests compare the two). */
static int choose_drive(store *st, const query *q, long limit)
{
    if (q->sort || !q->nf || query_find(q, Q_MODIFIED_GT))
        return 0;
    const char *force = getenv("SKOLNAV_LIST_PLAN");
    if (force && !strcmp(force, "scan"))
        return 0;
    int kind = q->kind->id;
    sqlq s;
    sqlq_init(&s, 0);
    buf_printf(&s.sql, "SELECT coalesce(max(eid), 0) FROM entity WHERE eid < %lld", (long long)EID_BASE(kind + 1));
    int64_t top = scalar(st, &s), n = top > EID_BASE(kind) ? top - EID_BASE(kind) : 0;
    sqlq_free(&s);
    long cap = 1000;
    while (cap < n && (double)cap * cap < (double)limit * (double)n)
        cap *= 2;
    if (force && !strcmp(force, "set"))
        cap = LONG_MAX;
    int best = 0;
    int64_t best_n = cap;
    for (size_t i = 0; i < q->nf; i++) {
        sqlq_init(&s, 0);
        int64_t c = sql_list_probe(q, i, cap, &s) ? -1 : probe_count(st, &s);
        sqlq_free(&s);
        if (c >= 0 && c < best_n)
            best = (int)i + 1, best_n = c;
    }
    return best;
}

/* ---- drive sets
 *
 * A page of /persons?relationship.* driven from its set (choose_drive)
 * built the set again for every page and every request: a school's is a
 * few thousand prel rows, the guardians' found through their children,
 * 2-3 ms of a request that otherwise costs about one. The connection
 * keeps the sets it built in a temporary table of its own, by a hash of
 * the set's SQL and values, and reads one again only while the store is
 * as it was: PRAGMA main.data_version unchanged (no other connection has
 * committed to the store's file; the log file's commits, which every
 * response makes, do not count, which is why the log has a file of its
 * own) and no entity written on this connection. The check and the page
 * run in one read transaction, so the set and the page see one snapshot.
 * A set is at most choose_drive's bound (a few times sqrt(limit × N)
 * keys), and DRIVE_SLOTS of them are kept, the least recently used
 * making room. */

static int64_t data_version(store *st)
{
    return pragma_int(st, "PRAGMA main.data_version");
}

static int drop_set(store *st, int64_t h)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM temp.drive_set WHERE h=?", -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(s, 1, h);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(s);
    return rc;
}

/* Reads filter i's set into temp.drive_set under h. */
static int fill_set(store *st, const query *q, size_t i, int64_t h)
{
    if (!st->drive_table) {
        if (sqlite3_exec(st->db, "CREATE TEMP TABLE IF NOT EXISTS drive_set(h INTEGER NOT NULL, eid INTEGER NOT NULL,"
                                 " PRIMARY KEY(h, eid)) WITHOUT ROWID", NULL, NULL, NULL) != SQLITE_OK)
            return -1;
        st->drive_table = 1;
    }
    sqlq ins;
    sqlq_init(&ins, 0);
    /* OR IGNORE: a person named twice is one key, a person not stored
     * (peid NULL) none. */
    buf_adds(&ins.sql, "INSERT OR IGNORE INTO temp.drive_set(h, eid) SELECT ");
    sqlq_int(&ins, h);
    buf_adds(&ins.sql, ", p.* FROM ");
    int rc = sql_list_keyset(q, i, &ins);
    buf_adds(&ins.sql, " p");
    sqlite3_stmt *s;
    if (!rc)
        rc = prepare_q(st, &ins, &s) ? -1 : 0;
    if (!rc) {
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(s);
    }
    sqlq_free(&ins);
    return rc;
}

/* The key of filter i's set in temp.drive_set, read now when it is not
 * there or out of date; 0 when the set cannot be kept (then the page
 * builds it as before). Inside the page's read transaction. */
static int64_t drive_set(store *st, const query *q, size_t i)
{
    sqlq set;
    sqlq_init(&set, 0);
    int64_t h = 0;
    if (!sql_list_keyset(q, i, &set))
        h = (int64_t)(probe_hash(st, &set) >> 1) | 1; /* never 0 */
    sqlq_free(&set);
    int64_t v = h ? data_version(st) : -1;
    if (v < 0)
        return 0;
    drive_slot *slot = NULL, *lru = &st->drives[0];
    for (int k = 0; k < DRIVE_SLOTS && !slot; k++) {
        if (st->drives[k].h == h)
            slot = &st->drives[k];
        else if (st->drives[k].used < lru->used)
            lru = &st->drives[k];
    }
    if (slot && slot->version == v && slot->writes == st->writes) {
        slot->used = ++st->drive_clock;
        return h;
    }
    if (!slot) {
        slot = lru;
        if (slot->h && drop_set(st, slot->h))
            return 0;
    } else if (drop_set(st, h)) {
        return 0;
    }
    *slot = (drive_slot){ 0 };
    if (fill_set(st, q, i, h)) {
        drop_set(st, h);
        return 0;
    }
    *slot = (drive_slot){ .h = h, .version = v, .writes = st->writes, .used = ++st->drive_clock };
    return h;
}

/* A list in arrival order with no filter and no scope reads the entity
 * table alone, so what a bulk load staged may stay staged: the demo's
 * timetable walks the activities and groups it writes lessons for. */
static int reads_entities_only(store *st, const query *q)
{
    return !q->nf && !q->sort && !q->deleted && !q->scope && !store_scope(st);
}

static int sq_list(store *st, const query *q, long limit, store_row_fn fn, void *ctx)
{
    int plain = reads_entities_only(st, q);
    if (!plain && unstage(st))
        return STORE_ERR;
    st->plain_read = plain;
    sqlq s;
    sqlq_init(&s, 0);
    s.drive = choose_drive(st, q, limit);
    /* Only outside a transaction of the caller's, whose snapshot is its own. */
    int txn = s.drive && sqlite3_get_autocommit(st->db) && !getenv("SKOLNAV_NO_DRIVE_SETS") &&
              sql_list_keyset(q, (size_t)s.drive - 1, NULL) == 0;
    if (txn && store_exec(st, "BEGIN"))
        txn = 0;
    if (txn)
        s.drive_set = drive_set(st, q, (size_t)s.drive - 1);
    int rc;
    if (sql_list(q, limit, &s)) {
        snprintf(st->err, sizeof st->err, "the page token's cursor does not fit this list of %s", q->kind->path);
        rc = STORE_BADCURSOR;
    } else {
        rc = rows_loop(st, &s, fn, ctx);
    }
    if (txn && store_exec(st, "COMMIT")) {
        sq_rollback(st);
        rc = rc < 0 ? rc : STORE_ERR;
    }
    st->plain_read = 0;
    sqlq_free(&s);
    return rc;
}

static int sq_fetch_ids(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq s;
    sqlq_init(&s, 0);
    sql_fetch_ids(kind, ids, n, &s);
    st->plain_read = !store_scope(st); /* by id: the entity table alone */
    int rc = rows_loop(st, &s, fn, ctx);
    st->plain_read = 0;
    sqlq_free(&s);
    return rc;
}

static int sq_fetch_by_key(store *st, int kind, const char *key, int via_kind, const char *via_key,
                       const char *const *values, size_t n, store_row_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq s;
    sqlq_init(&s, 0);
    sql_fetch_by_key(kind, key, via_kind, via_key, values, n, &s);
    int rc = rows_loop(st, &s, fn, ctx);
    sqlq_free(&s);
    return rc;
}

static int sq_display_names(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq q;
    sqlq_init(&q, 0);
    sql_display_names(kind, ids, n, &q);
    sqlite3_stmt *s;
    int rc = prepare_q(st, &q, &s);
    sqlq_free(&q);
    if (rc)
        return STORE_ERR;
    buf name;
    buf_init(&name);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        const char *own = (const char *)sqlite3_column_text(s, 1);
        const char *person = kind == K_DUTY ? (const char *)sqlite3_column_text(s, 2) : NULL;
        buf_reset(&name);
        if (person && own && *own)
            buf_printf(&name, "%s (%s)", person, own);
        else
            buf_adds(&name, person ? person : own ? own : "");
        fn(ctx, id, buf_cstr(&name));
    }
    buf_free(&name);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? STORE_OK : fail(st, "reading display names");
}

static int sq_deleted(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx)
{
    sqlq qq;
    sqlq_init(&qq, 0);
    sql_deleted(q, limit, &qq);
    sqlite3_stmt *s;
    int rc = prepare_q(st, &qq, &s);
    sqlq_free(&qq);
    if (rc)
        return STORE_ERR;
    int stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
        stop = fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1),
                  (const char *)sqlite3_column_text(s, 2));
    sqlite3_finalize(s);
    if (stop)
        return stop;
    return rc == SQLITE_DONE ? STORE_OK : fail(st, "reading deletions");
}

/* ---- raw statements */

static int sq_prepare(store *st, const char *sql, store_stmt **out)
{
    if (unstage(st))
        return STORE_ERR;
    store_stmt *s = xcalloc(1, sizeof *s);
    s->st = st;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s->s, NULL) != SQLITE_OK) {
        free(s);
        *out = NULL;
        return fail(st, "preparing a statement");
    }
    *out = s;
    return STORE_OK;
}

static int sq_reset(store_stmt *s)
{
    sqlite3_reset(s->s);
    return 0;
}

static int sq_bind_text(store_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s->s, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_int(store_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(s->s, i, v) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_null(store_stmt *s, int i)
{
    return sqlite3_bind_null(s->s, i) == SQLITE_OK ? 0 : -1;
}

static int sq_step(store_stmt *s)
{
    int rc = sqlite3_step(s->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    fail(s->st, "running a statement");
    return -1;
}

static const char *sq_col_text(store_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s->s, i);
    return t ? t : "";
}

static int64_t sq_col_int(store_stmt *s, int i)
{
    return sqlite3_column_int64(s->s, i);
}

static void sq_finalize(store_stmt *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->s);
    free(s);
}

static int sq_bind_blob(store_stmt *s, int i, const void *v, size_t n)
{
    return sqlite3_bind_blob(s->s, i, n ? v : "", (int)n, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static const void *sq_col_blob(store_stmt *s, int i, size_t *n)
{
    *n = (size_t)sqlite3_column_bytes(s->s, i);
    const void *v = sqlite3_column_blob(s->s, i);
    return v ? v : "";
}

static int sq_col_is_null(store_stmt *s, int i)
{
    return sqlite3_column_type(s->s, i) == SQLITE_NULL;
}

/* AUTOINCREMENT continues after the largest seq present: nothing to do. */
static int sq_sequences_sync(store *st)
{
    (void)st;
    return STORE_OK;
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .errmsg = sq_errmsg,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .begin_append = sq_begin_append,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .entity_meta = sq_entity_meta,
    .entity_exists = sq_entity_exists,
    .entity_put = sq_entity_put,
    .entity_delete = sq_entity_delete,
    .entity_rows = sq_entity_rows,
    .tune_bulk = sq_tune_bulk,
    .bulk = sq_bulk,
    .orgtree_rebuild = sq_orgtree_rebuild,
    .list = sq_list,
    .fetch_ids = sq_fetch_ids,
    .fetch_by_key = sq_fetch_by_key,
    .display_names = sq_display_names,
    .deleted = sq_deleted,
    .prepare = sq_prepare,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_null = sq_bind_null,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .finalize = sq_finalize,
    .exec = sq_exec,
    .sequences_sync = sq_sequences_sync,
};
