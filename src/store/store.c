/*
 * The store's front: picks the backend from the URL and forwards each call
 * to the backend's operation table (see backend.h). Settings are plain SQL
 * both backends accept, so they live here once.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <stdio.h>

#include "store/backend.h"
#include "store/sql_query.h"
#include "util/buf.h"
#include "util/collate.h"
#include "util/timefmt.h"

static store_head *head(store *st)
{
    return (store_head *)st;
}

static const store_ops *ops(store *st)
{
    return head(st)->ops;
}

static store *stmt_store(store_stmt *s)
{
    return *(store *const *)s;
}

static int is_pg(const char *url)
{
    return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

static const char *sqlite_path(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
}

/* ---- derived rows, rebuilt when their rules change */

/* One entity as the rebuild reads it. */
typedef struct stored {
    int64_t eid, modified;
    int kind;
    char *id, *json;
} stored;

/* Reads up to `max` entities after eid `after`; returns how many, -1 on
 * error. The whole chunk is read before anything is written: a backend may
 * run one statement at a time per connection. */
static long read_chunk(store *st, int64_t after, stored *out, long max)
{
    store_stmt *sel;
    if (store_prepare(st, "SELECT eid, kind, id, json, modified FROM entity WHERE eid > ? ORDER BY eid LIMIT ?", &sel))
        return -1;
    long n = 0;
    int rc;
    store_bind_int(sel, 1, after);
    store_bind_int(sel, 2, max);
    while (n < max && (rc = store_step(sel)) == 1) {
        stored *e = &out[n++];
        e->eid = store_col_int(sel, 0);
        e->kind = (int)store_col_int(sel, 1);
        e->id = xstrdup(store_col_text(sel, 2));
        e->json = xstrdup(store_col_text(sel, 3));
        e->modified = store_col_int(sel, 4);
    }
    store_finalize(sel);
    return rc < 0 ? -1 : n;
}

static int bind_opt_text(store_stmt *s, int i, const char *v)
{
    return v ? store_bind_text(s, i, v) : store_bind_null(s, i);
}

/* Derives and writes the rows of one stored entity. */
static int refresh_one(store *st, store_stmt *upd, const stored *e)
{
    json_t *j = json_loads(e->json, 0, NULL);
    if (!j || !model_kind(e->kind)) {
        json_decref(j);
        return -1;
    }
    entity_rows r;
    rows_build(e->kind, j, e->modified, &r);
    json_decref(j);
    int rc = store_reset(upd) || bind_opt_text(upd, 1, r.display) || bind_opt_text(upd, 2, r.pstart) ||
             bind_opt_text(upd, 3, r.pend) || store_bind_int(upd, 4, e->eid) || store_step(upd) != 0 ||
             ops(st)->entity_rows(st, e->kind, e->id, NULL, &r);
    rows_free(&r);
    return rc ? -1 : 0;
}

#define REFRESH_CHUNK 2000

/* The derived rows are a function of an entity's JSON, of rows_build's
 * rules and of the collation rules: when the last two are not those the
 * rows were built with (an upgrade of skolnav or of ICU, or a store
 * migrated from another), build them all again, in one transaction. */
static int rows_refresh(store *st, char *err, size_t errlen)
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
    store_stmt *upd = NULL;
    stored *chunk = xcalloc(REFRESH_CHUNK, sizeof *chunk);
    snprintf(err, errlen, "%s", "");
    int rc = store_exec(st, "DELETE FROM idx") || store_exec(st, "DELETE FROM sortidx") ||
             store_exec(st, "DELETE FROM prel") ||
             store_prepare(st, "UPDATE entity SET display=?, pstart=?, pend=? WHERE eid=?", &upd);
    for (int64_t at = 0; !rc;) {
        long n = read_chunk(st, at, chunk, REFRESH_CHUNK);
        if (n < 0)
            rc = STORE_ERR;
        for (long i = 0; i < n; i++) {
            if (!rc && refresh_one(st, upd, &chunk[i])) {
                snprintf(err, errlen, "entity %s: %s", chunk[i].id,
                         *store_errmsg(st) ? store_errmsg(st) : "its stored JSON does not parse");
                rc = STORE_ERR;
            }
            free(chunk[i].id);
            free(chunk[i].json);
        }
        if (n <= 0)
            break;
        at = chunk[n - 1].eid;
    }
    free(chunk);
    store_finalize(upd);
    if (rc || store_orgtree_rebuild(st) || store_setting_set(st, "rows_version", want) || store_commit(st)) {
        if (!*err)
            snprintf(err, errlen, "%s", store_errmsg(st));
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int store_open(const char *url, int create, store **out, char *err, size_t errlen)
{
    int rc = is_pg(url) ? pg_store_open(url, create, out, err, errlen)
                        : sqlite_store_open(sqlite_path(url), create, out, err, errlen);
    if (rc)
        return rc;
    char why[400];
    if (rows_refresh(*out, why, sizeof why)) {
        snprintf(err, errlen, "rebuilding the index rows of '%s': %s", url, why);
        store_close(*out);
        *out = NULL;
        return STORE_ERR;
    }
    return STORE_OK;
}

int store_exists(const char *url, char *err, size_t errlen)
{
    if (is_pg(url))
        return pg_store_exists(url, err, errlen);
    return sqlite_store_exists(sqlite_path(url));
}

int store_remove(const char *url, char *err, size_t errlen)
{
    if (is_pg(url))
        return pg_store_remove(url, err, errlen);
    return sqlite_store_remove(sqlite_path(url), err, errlen);
}

void store_close(store *st)
{
    if (st)
        ops(st)->close(st);
}

const char *store_backend(store *st) { return ops(st)->name; }
const char *store_errmsg(store *st) { return ops(st)->errmsg(st); }
int store_schema_version(store *st) { return ops(st)->schema_version(st); }
int store_begin(store *st) { return ops(st)->begin(st); }
int store_begin_append(store *st) { return ops(st)->begin_append(st); }
int store_commit(store *st) { return ops(st)->commit(st); }
void store_rollback(store *st) { ops(st)->rollback(st); }
int store_orgtree_rebuild(store *st) { return ops(st)->orgtree_rebuild(st); }
int store_exec(store *st, const char *sql) { return ops(st)->exec(st, sql); }
int store_sequences_sync(store *st) { return ops(st)->sequences_sync(st); }

int store_entity_meta(store *st, int kind, const char *id, int want_json, store_meta *meta)
{
    return ops(st)->entity_meta(st, kind, id, want_json, meta);
}

int store_entity_metas(store *st, int kind, const char *const *ids, size_t n, store_meta *metas, int *found)
{
    if (ops(st)->entity_metas)
        return ops(st)->entity_metas(st, kind, ids, n, metas, found);
    for (size_t i = 0; i < n; i++) {
        found[i] = ops(st)->entity_meta(st, kind, ids[i], 1, &metas[i]);
        if (found[i] == STORE_ERR) {
            for (size_t j = 0; j < i; j++)
                if (found[j] == STORE_OK) {
                    free(metas[j].json);
                    free(metas[j].source);
                    found[j] = STORE_NOTFOUND;
                }
            return STORE_ERR;
        }
    }
    return STORE_OK;
}

int store_entity_exists(store *st, int kind, const char *id)
{
    return ops(st)->entity_exists(st, kind, id);
}

int store_entity_put(store *st, int kind, const char *id, const char *json, const entity_rows *rows,
                     const entity_rows *old, int64_t created, int64_t modified, const char *source)
{
    return ops(st)->entity_put(st, kind, id, json, rows, old, created, modified, source);
}

int store_entity_delete(store *st, int kind, const char *id, const entity_rows *old, int64_t at)
{
    return ops(st)->entity_delete(st, kind, id, old, at);
}

int store_tune_bulk(store *st, long cache_mb)
{
    return ops(st)->tune_bulk(st, cache_mb);
}

int store_bulk_begin(store *st, int mode)
{
    return ops(st)->bulk ? ops(st)->bulk(st, mode) : STORE_OK;
}

int store_bulk_end(store *st)
{
    return ops(st)->bulk ? ops(st)->bulk(st, 0) : STORE_OK;
}

int store_list(store *st, const query *q, long limit, store_row_fn fn, void *ctx)
{
    return ops(st)->list(st, q, limit, fn, ctx);
}

int store_fetch_ids(store *st, int kind, const char *const *ids, size_t n, store_row_fn fn, void *ctx)
{
    return ops(st)->fetch_ids(st, kind, ids, n, fn, ctx);
}

int store_fetch_by_key(store *st, int kind, const char *key, int via_kind, const char *via_key,
                       const char *const *values, size_t n, store_row_fn fn, void *ctx)
{
    return ops(st)->fetch_by_key(st, kind, key, via_kind, via_key, values, n, fn, ctx);
}

int store_display_names(store *st, int kind, const char *const *ids, size_t n, store_name_fn fn, void *ctx)
{
    return ops(st)->display_names(st, kind, ids, n, fn, ctx);
}

int store_deleted(store *st, const query *q, long limit, store_tomb_fn fn, void *ctx)
{
    return ops(st)->deleted(st, q, limit, fn, ctx);
}

int store_prepare(store *st, const char *sql, store_stmt **out)
{
    return ops(st)->prepare(st, sql, out);
}

int store_reset(store_stmt *s) { return ops(stmt_store(s))->reset(s); }
int store_bind_text(store_stmt *s, int i, const char *v) { return ops(stmt_store(s))->bind_text(s, i, v); }
int store_bind_int(store_stmt *s, int i, int64_t v) { return ops(stmt_store(s))->bind_int(s, i, v); }
int store_bind_null(store_stmt *s, int i) { return ops(stmt_store(s))->bind_null(s, i); }
int store_step(store_stmt *s) { return ops(stmt_store(s))->step(s); }
const char *store_col_text(store_stmt *s, int i) { return ops(stmt_store(s))->col_text(s, i); }
int64_t store_col_int(store_stmt *s, int i) { return ops(stmt_store(s))->col_int(s, i); }
int store_col_is_null(store_stmt *s, int i) { return ops(stmt_store(s))->col_is_null(s, i); }

int store_bind_blob(store_stmt *s, int i, const void *v, size_t n)
{
    return ops(stmt_store(s))->bind_blob(s, i, v, n);
}

const void *store_col_blob(store_stmt *s, int i, size_t *n)
{
    return ops(stmt_store(s))->col_blob(s, i, n);
}

int store_prepare_sqlq(store *st, const sqlq *q, store_stmt **out)
{
    if (store_prepare(st, q->sql.data ? q->sql.data : "", out))
        return STORE_ERR;
    for (size_t i = 0; i < q->nb; i++) {
        const sql_bind *b = &q->b[i];
        int rc = b->t == B_TEXT ? store_bind_text(*out, (int)i + 1, b->s)
               : b->t == B_INT  ? store_bind_int(*out, (int)i + 1, b->i)
                                : store_bind_blob(*out, (int)i + 1, b->b, b->blen);
        if (rc) {
            store_finalize(*out);
            *out = NULL;
            return STORE_ERR;
        }
    }
    return STORE_OK;
}

void store_finalize(store_stmt *s)
{
    if (s)
        ops(stmt_store(s))->finalize(s);
}

/* ---- settings */

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

static int setting_write(store *st, const char *sql, const char *key, const char *value)
{
    store_stmt *s;
    if (store_prepare(st, sql, &s))
        return STORE_ERR;
    store_bind_text(s, 1, key);
    store_bind_text(s, 2, value);
    int rc = store_step(s);
    store_finalize(s);
    return rc == 0 ? STORE_OK : STORE_ERR;
}

int store_setting_set(store *st, const char *key, const char *value)
{
    return setting_write(st, "INSERT INTO setting(k, v) VALUES(?, ?) ON CONFLICT(k) DO UPDATE SET v=excluded.v",
                         key, value);
}

/* A lease's value: the expiry as 20 digits, a space, the holder. */
#define LEASE_VALUE_MAX 300

/* Takes the lease for holder when it is free or expired, or held by
 * `from` (a renewal when from is holder). */
static int lease_take(store *st, const char *name, const char *from, const char *holder, int64_t ttl_ms)
{
    char key[128], mine[LEASE_VALUE_MAX];
    snprintf(key, sizeof key, "lease.%s", name);
    int64_t now = time_now_ms();
    snprintf(mine, sizeof mine, "%020lld %s", (long long)(now + ttl_ms), holder);
    if (store_begin(st))
        return STORE_ERR;
    char *cur = NULL;
    int rc = store_setting_get(st, key, &cur);
    int take = rc == STORE_NOTFOUND;
    if (rc == STORE_OK) {
        long long until = strtoll(cur, NULL, 10);
        const char *who = strchr(cur, ' ');
        take = until <= now || (who && !strcmp(who + 1, from));
    }
    free(cur);
    if (rc == STORE_ERR || (take && store_setting_set(st, key, mine)) || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return take ? STORE_OK : STORE_NOTFOUND;
}

int store_lease(store *st, const char *name, const char *holder, int64_t ttl_ms)
{
    return lease_take(st, name, holder, holder, ttl_ms);
}

int store_lease_steal(store *st, const char *name, const char *from, const char *holder, int64_t ttl_ms)
{
    return lease_take(st, name, from, holder, ttl_ms);
}

char *store_lease_holder(store *st, const char *name)
{
    char key[128], *cur = NULL;
    snprintf(key, sizeof key, "lease.%s", name);
    if (store_setting_get(st, key, &cur) != STORE_OK)
        return NULL;
    const char *who = strchr(cur, ' ');
    char *out = who && strtoll(cur, NULL, 10) > time_now_ms() ? xstrdup(who + 1) : NULL;
    free(cur);
    return out;
}

int store_lease_release(store *st, const char *name, const char *holder)
{
    char key[128];
    snprintf(key, sizeof key, "lease.%s", name);
    if (store_begin(st))
        return STORE_ERR;
    char *cur = NULL;
    int rc = store_setting_get(st, key, &cur);
    const char *who = rc == STORE_OK ? strchr(cur, ' ') : NULL;
    if (who && !strcmp(who + 1, holder))
        rc = store_setting_set(st, key, "0 -");
    free(cur);
    if (rc == STORE_ERR || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int store_setting_init(store *st, const char *key, const char *value, char **out)
{
    /* The insert is atomic on both backends: of two nodes starting at
     * once, one inserts and the other's insert does nothing; both then
     * read the winner's value. */
    if (setting_write(st, "INSERT INTO setting(k, v) VALUES(?, ?) ON CONFLICT(k) DO NOTHING", key, value))
        return STORE_ERR;
    return store_setting_get(st, key, out);
}
