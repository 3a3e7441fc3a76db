/*
 * The SQLite backend. WAL mode lets the server's readers run while a
 * writer commits; synchronous=NORMAL keeps every commit safe from a
 * process crash (kill -9) and the file consistent after a power cut.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/migrations.h"
#include "store/sql_query.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/collate.h"

struct store {
    sqlite3 *db;
    char err[512];
    sqlite3_stmt *put, *upd, *meta, *meta_json, *exists, *del_e, *del_idx, *del_sort, *del_prel,
        *ins_idx, *ins_sort, *ins_prel, *ins_change, *ins_tomb;
};

struct store_stmt {
    store *st;
    sqlite3_stmt *s;
};

static int fail(store *st, const char *what)
{
    snprintf(st->err, sizeof st->err, "%s: %s", what, sqlite3_errmsg(st->db));
    return STORE_ERR;
}

const char *store_errmsg(store *st)
{
    return st->err;
}

int store_exec(store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(st->err, sizeof st->err, "%s", msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return STORE_ERR;
    }
    return STORE_OK;
}

int store_schema_version(store *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            v = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    return v;
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
        if (store_exec(st, "BEGIN IMMEDIATE") || store_exec(st, sqlite_migrations[v]) ||
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
           prep(st, "DELETE FROM prel WHERE skind=? AND sid=? AND type=? AND org=? AND person=?", &st->del_prel) ||
           prep(st, "INSERT OR IGNORE INTO idx(kind,id,key,value) VALUES(?,?,?,?)", &st->ins_idx) ||
           prep(st, "INSERT OR REPLACE INTO sortidx(kind,id,skey,v) VALUES(?,?,?,?)", &st->ins_sort) ||
           prep(st, "INSERT INTO prel(skind,sid,type,org,person,pstart,pend) VALUES(?,?,?,?,?,?,?)", &st->ins_prel) ||
           prep(st, "INSERT INTO changes(kind,id,op,at) VALUES(?,?,?,?)", &st->ins_change) ||
           prep(st, "INSERT INTO tombstone(kind,id,at) VALUES(?,?,?)", &st->ins_tomb);
}

static int rows_refresh(store *st);

static const char *sqlite_path(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

int store_open(const char *url, int create, store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!strncmp(url, "postgres", 8)) {
        snprintf(err, errlen, "PostgreSQL stores are not supported by this build yet: %s", url);
        return STORE_ERR;
    }
    store *st = xcalloc(1, sizeof *st);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    const char *path = sqlite_path(url);
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database '%s': %s%s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory",
                 create ? "" : " (create it first, e.g. with 'skolnav demo --db PATH')");
        sqlite3_close(st->db);
        free(st);
        return STORE_ERR;
    }
    sqlite3_busy_timeout(st->db, 10000);
    /* No mmap: a mapping counts every page a connection touched in the
     * server's RSS (once per worker), while pread from the OS page cache
     * costs a full walk about a seventh more CPU. Each connection keeps a
     * small page cache of its own; the OS caches the file for all. */
    const char *pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF;"
                          " PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0";
    if (store_exec(st, pragmas) ||
        migrate(st) || prepare_all(st) || rows_refresh(st)) {
        snprintf(err, errlen, "database '%s': %s", path, st->err);
        store_close(st);
        return STORE_ERR;
    }
    *out = st;
    return STORE_OK;
}

int store_tune_bulk(store *st, long cache_mb)
{
    char sql[160];
    /* Random ids spread every batch over the whole tree: a cache that holds
     * the working set turns re-reads into hits, and a longer WAL lets a
     * page changed by many batches reach the main file once. */
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld; PRAGMA wal_autocheckpoint=%ld", cache_mb * 1024,
             cache_mb * 64);
    return store_exec(st, sql);
}

void store_close(store *st)
{
    if (!st)
        return;
    sqlite3_stmt **all[] = { &st->put, &st->upd, &st->meta, &st->meta_json, &st->exists, &st->del_e,
                             &st->del_idx, &st->del_sort, &st->del_prel, &st->ins_idx,
                             &st->ins_sort, &st->ins_prel, &st->ins_change, &st->ins_tomb };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        sqlite3_finalize(*all[i]);
    sqlite3_close(st->db);
    free(st);
}

int store_begin(store *st)
{
    return store_exec(st, "BEGIN IMMEDIATE");
}

int store_commit(store *st)
{
    return store_exec(st, "COMMIT");
}

void store_rollback(store *st)
{
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
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

int store_entity_meta(store *st, int kind, const char *id, int want_json, store_meta *m)
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

int store_entity_exists(store *st, int kind, const char *id)
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

static int same_opt(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static int has_idx(const entity_rows *r, const idx_row *x)
{
    for (size_t i = 0; r && i < r->nidx; i++)
        if (!strcmp(r->idx[i].key, x->key) && !strcmp(r->idx[i].value, x->value))
            return 1;
    return 0;
}

static int has_sort(const entity_rows *r, const sort_row *x)
{
    for (size_t i = 0; r && i < r->nsort; i++)
        if (!strcmp(r->sort[i].skey, x->skey) && r->sort[i].vlen == x->vlen &&
            (!x->vlen || !memcmp(r->sort[i].v, x->v, x->vlen)))
            return 1;
    return 0;
}

static int has_prel(const entity_rows *r, const prel_row *x)
{
    for (size_t i = 0; r && i < r->nprel; i++) {
        const prel_row *p = &r->prel[i];
        if (!strcmp(p->person, x->person) && !strcmp(p->type, x->type) && !strcmp(p->org, x->org) &&
            same_opt(p->start, x->start) && same_opt(p->end, x->end))
            return 1;
    }
    return 0;
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

/* Moves an entity's derived rows from `old` (NULL: none) to `new` (NULL:
 * none), touching only the rows that differ: an update that renames a
 * pupil rewrites its name rows, not its relations. */
static int sync_rows(store *st, int kind, const char *id, const entity_rows *old, const entity_rows *new)
{
    for (size_t i = 0; old && i < old->nidx; i++)
        if (!has_idx(new, &old->idx[i]) && idx_row_op(st, st->del_idx, kind, id, &old->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nsort; i++)
        if (!has_sort(new, &old->sort[i]) && sort_row_op(st, st->del_sort, kind, id, &old->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; old && i < old->nprel; i++)
        if (!has_prel(new, &old->prel[i]) && prel_row_op(st, st->del_prel, kind, id, &old->prel[i], 0))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nidx; i++)
        if (!has_idx(old, &new->idx[i]) && idx_row_op(st, st->ins_idx, kind, id, &new->idx[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nsort; i++)
        if (!has_sort(old, &new->sort[i]) && sort_row_op(st, st->ins_sort, kind, id, &new->sort[i]))
            return STORE_ERR;
    for (size_t i = 0; new && i < new->nprel; i++)
        if (!has_prel(old, &new->prel[i]) && prel_row_op(st, st->ins_prel, kind, id, &new->prel[i], 1))
            return STORE_ERR;
    return STORE_OK;
}

static int add_change(store *st, int kind, const char *id, const char *op, int64_t at)
{
    bind_kind_id(st->ins_change, kind, id);
    sqlite3_bind_text(st->ins_change, 3, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st->ins_change, 4, at);
    return run(st, st->ins_change, "appending to the change feed");
}

int store_entity_put(store *st, int kind, const char *id, const char *json, const entity_rows *r,
                     const entity_rows *old, int64_t created, int64_t modified, const char *source)
{
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
    if (sync_rows(st, kind, id, old, r))
        return STORE_ERR;
    return add_change(st, kind, id, old ? "update" : "create", modified);
}

int store_entity_delete(store *st, int kind, const char *id, const entity_rows *old, int64_t at)
{
    bind_kind_id(st->del_e, kind, id);
    if (run(st, st->del_e, "deleting an entity") || sync_rows(st, kind, id, old, NULL))
        return STORE_ERR;
    bind_kind_id(st->ins_tomb, kind, id);
    sqlite3_bind_int64(st->ins_tomb, 3, at);
    if (run(st, st->ins_tomb, "writing a tombstone"))
        return STORE_ERR;
    return add_change(st, kind, id, "delete", at);
}

/* Rebuilds the derived rows of the entities from eid `after` on, a chunk at
 * a time (the scan restarts after each chunk, so the writes never disturb
 * it). Returns the last eid done, 0 when none was left, -1 on error. */
static int64_t refresh_chunk(store *st, sqlite3_stmt *sel, sqlite3_stmt *upd, int64_t after)
{
    int64_t last = 0;
    sqlite3_bind_int64(sel, 1, after);
    while (sqlite3_step(sel) == SQLITE_ROW) {
        last = sqlite3_column_int64(sel, 0);
        int kind = sqlite3_column_int(sel, 1);
        const char *id = (const char *)sqlite3_column_text(sel, 2);
        json_t *e = json_loads((const char *)sqlite3_column_text(sel, 3), 0, NULL);
        if (!e || !model_kind(kind)) {
            json_decref(e);
            snprintf(st->err, sizeof st->err, "rebuilding index rows: entity %s holds no valid JSON", id);
            sqlite3_reset(sel);
            return -1;
        }
        entity_rows r;
        rows_build(kind, e, sqlite3_column_int64(sel, 4), &r);
        json_decref(e);
        bind_opt(upd, 1, r.display);
        bind_opt(upd, 2, r.pstart);
        bind_opt(upd, 3, r.pend);
        sqlite3_bind_int64(upd, 4, last);
        int rc = run(st, upd, "rebuilding entity columns") || sync_rows(st, kind, id, NULL, &r);
        rows_free(&r);
        if (rc) {
            sqlite3_reset(sel);
            return -1;
        }
    }
    sqlite3_reset(sel);
    return last;
}

/* The derived rows are a function of an entity's JSON, of rows_build's
 * rules and of the collation rules: when the last two are not those the
 * rows were built with (an upgrade of skolnav or of ICU), build them again,
 * in one transaction. */
static int rows_refresh(store *st)
{
    char want[96], coll[64];
    collate_version(coll, sizeof coll);
    snprintf(want, sizeof want, "%d/%s", ROWS_VERSION, coll);
    for (int locked = 0; locked < 2; locked++) {
        char *have = NULL;
        int rc = store_setting_get(st, "rows_version", &have);
        int same = rc == STORE_OK && !strcmp(have, want);
        free(have);
        if (rc == STORE_ERR || same) {
            if (locked)
                store_rollback(st);
            return rc == STORE_ERR ? STORE_ERR : STORE_OK;
        }
        if (!locked && store_begin(st))
            return STORE_ERR;
    }
    sqlite3_stmt *sel = NULL, *upd = NULL;
    int rc = store_exec(st, "DELETE FROM idx; DELETE FROM sortidx; DELETE FROM prel") ||
             prep(st, "SELECT eid, kind, id, json, modified FROM entity WHERE eid > ? ORDER BY eid LIMIT 2000", &sel) ||
             prep(st, "UPDATE entity SET display=?, pstart=?, pend=? WHERE eid=?", &upd);
    for (int64_t at = 0; !rc;) {
        int64_t last = refresh_chunk(st, sel, upd, at);
        if (last < 0)
            rc = STORE_ERR;
        if (last <= 0)
            break;
        at = last;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (rc || store_orgtree_rebuild(st) || store_setting_set(st, "rows_version", want) || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int store_orgtree_rebuild(store *st)
{
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

int store_list(store *st, const query *q, long limit, store_row_fn fn, void *ctx)
{
    sqlq s;
    sqlq_init(&s, 0);
    int rc;
    if (sql_list(q, limit, &s)) {
        snprintf(st->err, sizeof st->err, "the page token's cursor does not fit this list of %s", q->kind->path);
        rc = STORE_BADCURSOR;
    } else {
        rc = rows_loop(st, &s, fn, ctx);
    }
    sqlq_free(&s);
    return rc;
}

int store_fetch_ids(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx)
{
    if (!n)
        return STORE_OK;
    sqlq s;
    sqlq_init(&s, 0);
    sql_fetch_ids(kind, ids, n, &s);
    int rc = rows_loop(st, &s, fn, ctx);
    sqlq_free(&s);
    return rc;
}

int store_fetch_by_key(store *st, int kind, const char *key, int via_kind, const char *via_key,
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

int store_display_names(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx)
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

int store_deleted(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx)
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

int store_setting_get(store *st, const char *key, char **value)
{
    store_stmt *s;
    *value = NULL;
    if (store_prepare(st, "SELECT v FROM setting WHERE k=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, key);
    int rc = store_step(s);
    if (rc == 1)
        *value = xstrdup(store_col_text(s, 0));
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int store_setting_set(store *st, const char *key, const char *value)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO setting(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v", &s))
        return STORE_ERR;
    store_bind_text(s, 1, key);
    store_bind_text(s, 2, value);
    int rc = store_step(s);
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

/* ---- raw statements */

int store_prepare(store *st, const char *sql, store_stmt **out)
{
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

int store_bind_text(store_stmt *s, int i, const char *v)
{
    return sqlite3_bind_text(s->s, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int store_bind_int(store_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(s->s, i, v) == SQLITE_OK ? 0 : -1;
}

int store_bind_null(store_stmt *s, int i)
{
    return sqlite3_bind_null(s->s, i) == SQLITE_OK ? 0 : -1;
}

int store_step(store_stmt *s)
{
    int rc = sqlite3_step(s->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    fail(s->st, "running a statement");
    return -1;
}

void store_reset(store_stmt *s)
{
    sqlite3_reset(s->s);
    sqlite3_clear_bindings(s->s);
}

const char *store_col_text(store_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s->s, i);
    return t ? t : "";
}

int64_t store_col_int(store_stmt *s, int i)
{
    return sqlite3_column_int64(s->s, i);
}

void store_finalize(store_stmt *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->s);
    free(s);
}
