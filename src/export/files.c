#include "export/files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

void export_rec_free(export_rec *r)
{
    free(r->path);
    r->path = NULL;
}

int export_record(store *st, const export_rec *r)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO export_file(id, client, path, created, bytes, entities) VALUES(?,?,?,?,?,?)", &s))
        return STORE_ERR;
    store_bind_text(s, 1, r->id);
    store_bind_text(s, 2, r->client);
    store_bind_text(s, 3, r->path);
    store_bind_int(s, 4, r->created);
    store_bind_int(s, 5, r->bytes);
    store_bind_int(s, 6, r->entities);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

#define REC_COLS "id, client, path, created, bytes, entities"

static void read_rec(store_stmt *s, export_rec *r)
{
    snprintf(r->id, sizeof r->id, "%s", store_col_text(s, 0));
    snprintf(r->client, sizeof r->client, "%s", store_col_text(s, 1));
    r->path = xstrdup(store_col_text(s, 2));
    r->created = store_col_int(s, 3);
    r->bytes = store_col_int(s, 4);
    r->entities = store_col_int(s, 5);
}

int export_latest(store *st, const char *client, export_rec *r)
{
    memset(r, 0, sizeof *r);
    store_stmt *s;
    if (store_prepare(st, "SELECT " REC_COLS " FROM export_file WHERE client=? ORDER BY created DESC, id DESC LIMIT 1",
                      &s))
        return STORE_ERR;
    store_bind_text(s, 1, client);
    int rc = store_step(s);
    if (rc == 1)
        read_rec(s, r);
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int export_list(store *st, const char *client, void (*fn)(void *ctx, const export_rec *r), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, client ? "SELECT " REC_COLS " FROM export_file WHERE client=? ORDER BY created DESC, id DESC"
                                 : "SELECT " REC_COLS " FROM export_file ORDER BY client, created DESC, id DESC",
                      &s))
        return STORE_ERR;
    if (client)
        store_bind_text(s, 1, client);
    int rc;
    while ((rc = store_step(s)) == 1) {
        export_rec r;
        read_rec(s, &r);
        fn(ctx, &r);
        export_rec_free(&r);
    }
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

typedef struct victims {
    export_rec *r;
    size_t n, cap;
    int keep;
    int seen;
} victims;

static void collect_old(void *ctx, const export_rec *r)
{
    victims *v = ctx;
    if (v->seen++ < v->keep)
        return;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->r = xrealloc(v->r, v->cap * sizeof *v->r);
    }
    v->r[v->n] = *r;
    v->r[v->n].path = xstrdup(r->path);
    v->n++;
}

int export_prune(store *st, const char *client, int keep, int *removed)
{
    *removed = 0;
    victims v = { .keep = keep };
    int rc = export_list(st, client, collect_old, &v);
    for (size_t i = 0; i < v.n && !rc; i++) {
        /* The row first: a row without its file would be served as a 404
         * "missing", a file without a row is only disk space. */
        store_stmt *s;
        if (store_prepare(st, "DELETE FROM export_file WHERE id=?", &s)) {
            rc = STORE_ERR;
            break;
        }
        store_bind_text(s, 1, v.r[i].id);
        rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
        store_finalize(s);
        if (rc)
            break;
        if (unlink(v.r[i].path) && errno != ENOENT)
            log_msg(LOG_WARN, "removing the old export %s: %s", v.r[i].path, strerror(errno));
        (*removed)++;
    }
    for (size_t i = 0; i < v.n; i++)
        export_rec_free(&v.r[i]);
    free(v.r);
    return rc;
}

/* ---------------------------------------------------------- schedules */

void export_sched_free(export_sched *s)
{
    free(s->dir);
    free(s->last_result);
    s->dir = s->last_result = NULL;
}

#define SCHED_COLS "client, every_s, dir, keep, next_at, last_at, last_result"

static void read_sched(store_stmt *s, export_sched *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->client, sizeof o->client, "%s", store_col_text(s, 0));
    o->every_s = store_col_int(s, 1);
    o->dir = xstrdup(store_col_text(s, 2));
    o->keep = (int)store_col_int(s, 3);
    o->next_at = store_col_int(s, 4);
    o->last_at = store_col_int(s, 5);
    o->last_result = store_col_is_null(s, 6) ? NULL : xstrdup(store_col_text(s, 6));
}

int export_sched_set(store *st, const export_sched *x)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO export_schedule(client, every_s, dir, keep, next_at, created) VALUES(?,?,?,?,?,?)"
                          " ON CONFLICT(client) DO UPDATE SET every_s=excluded.every_s, dir=excluded.dir,"
                          " keep=excluded.keep, next_at=excluded.next_at",
                      &s))
        return STORE_ERR;
    store_bind_text(s, 1, x->client);
    store_bind_int(s, 2, x->every_s);
    store_bind_text(s, 3, x->dir);
    store_bind_int(s, 4, x->keep);
    store_bind_int(s, 5, x->next_at);
    store_bind_int(s, 6, x->next_at);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int export_sched_get(store *st, const char *client, export_sched *out)
{
    memset(out, 0, sizeof *out);
    store_stmt *s;
    if (store_prepare(st, "SELECT " SCHED_COLS " FROM export_schedule WHERE client=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client);
    int rc = store_step(s);
    if (rc == 1)
        read_sched(s, out);
    store_finalize(s);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int export_sched_remove(store *st, const char *client)
{
    export_sched x;
    int rc = export_sched_get(st, client, &x);
    export_sched_free(&x);
    if (rc)
        return rc;
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM export_schedule WHERE client=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client);
    rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int export_sched_list(store *st, void (*fn)(void *ctx, const export_sched *s), void *ctx)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT " SCHED_COLS " FROM export_schedule ORDER BY client", &s))
        return STORE_ERR;
    int rc;
    while ((rc = store_step(s)) == 1) {
        export_sched x;
        read_sched(s, &x);
        fn(ctx, &x);
        export_sched_free(&x);
    }
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int export_sched_claim(store *st, int64_t now, export_sched *out)
{
    memset(out, 0, sizeof *out);
    store_stmt *s;
    if (store_prepare(st, "SELECT " SCHED_COLS " FROM export_schedule WHERE next_at<=? ORDER BY next_at, client LIMIT 1",
                      &s))
        return STORE_ERR;
    store_bind_int(s, 1, now);
    int rc = store_step(s);
    if (rc == 1)
        read_sched(s, out);
    store_finalize(s);
    if (rc != 1)
        return rc == 0 ? STORE_NOTFOUND : STORE_ERR;
    /* Compare-and-set on next_at: another node that claimed it first has
     * moved it, and this update then changes (and returns) nothing. */
    if (store_prepare(st, "UPDATE export_schedule SET next_at=? WHERE client=? AND next_at=? RETURNING client", &s)) {
        export_sched_free(out);
        return STORE_ERR;
    }
    store_bind_int(s, 1, now + out->every_s * 1000);
    store_bind_text(s, 2, out->client);
    store_bind_int(s, 3, out->next_at);
    rc = store_step(s);
    store_finalize(s);
    if (rc != 1)
        export_sched_free(out);
    return rc == 1 ? STORE_OK : rc == 0 ? STORE_NOTFOUND : STORE_ERR;
}

int export_sched_result(store *st, const char *client, int64_t at, const char *result)
{
    store_stmt *s;
    if (store_prepare(st, "UPDATE export_schedule SET last_at=?, last_result=? WHERE client=?", &s))
        return STORE_ERR;
    store_bind_int(s, 1, at);
    store_bind_text(s, 2, result);
    store_bind_text(s, 3, client);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}
