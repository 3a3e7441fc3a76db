/* The per-SP sent state: for each object the SP holds, its type and the
 * JSON last sent (with its hash). Written one object per transaction, right
 * after the SP confirmed the request, so a run that dies loses nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"
#include "util/buf.h"
#include "util/timefmt.h"

int sent_load(store *st, const char *client_id, sent_set *out)
{
    memset(out, 0, sizeof *out);
    store_stmt *s;
    if (store_prepare(st, "SELECT uuid, type, hash, json FROM provision_sent WHERE client=? ORDER BY type, uuid", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client_id);
    int rc;
    while ((rc = store_step(s)) == 1) {
        if (out->n == out->cap) {
            out->cap = out->cap ? 2 * out->cap : 1024;
            out->v = xrealloc(out->v, out->cap * sizeof *out->v);
        }
        sent_obj *o = &out->v[out->n++];
        o->type = (int)store_col_int(s, 1);
        snprintf(o->uuid, sizeof o->uuid, "%s", store_col_text(s, 0));
        snprintf(o->hash, sizeof o->hash, "%s", store_col_text(s, 2));
        o->json = xstrdup(store_col_text(s, 3));
    }
    store_finalize(s);
    if (rc < 0) {
        sent_set_free(out);
        return STORE_ERR;
    }
    return STORE_OK;
}

void sent_set_free(sent_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].json);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int one(store *st, const char *sql, const char *client_id, const egil_obj *o, const char *uuid)
{
    if (store_begin(st))
        return STORE_ERR;
    store_stmt *s;
    int rc = store_prepare(st, sql, &s);
    if (!rc) {
        store_bind_text(s, 1, client_id);
        store_bind_text(s, 2, o ? o->uuid : uuid);
        if (o) {
            store_bind_int(s, 3, o->type);
            store_bind_text(s, 4, o->hash);
            store_bind_text(s, 5, o->json);
            store_bind_int(s, 6, time_now_ms());
        }
        rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
        store_finalize(s);
    }
    if (rc || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

int sent_put(store *st, const char *client_id, const egil_obj *o)
{
    return one(st,
               "INSERT INTO provision_sent(client, uuid, type, hash, json, sent) VALUES(?,?,?,?,?,?)"
               " ON CONFLICT(client, uuid) DO UPDATE SET type=excluded.type, hash=excluded.hash,"
               " json=excluded.json, sent=excluded.sent",
               client_id, o, NULL);
}

int sent_delete(store *st, const char *client_id, const char *uuid)
{
    return one(st, "DELETE FROM provision_sent WHERE client=? AND uuid=?", client_id, NULL, uuid);
}

int sent_clear(store *st, const char *client_id)
{
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM provision_sent WHERE client=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, client_id);
    int rc = store_step(s) < 0 ? STORE_ERR : STORE_OK;
    store_finalize(s);
    return rc;
}
