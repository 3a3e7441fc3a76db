/*
 * Scope exits: an entity the client received (the ledger says so) that is
 * no longer in its view (a pupil moved to a school it does not have, a
 * person became protected, a group moved, the grant was narrowed) is
 * reported in /deletedEntities as deleted, so the vendor deletes what it
 * may no longer keep. The first time an exit is seen it is stamped
 * (scope_exit.at); a request with `after` gets the exits stamped after it,
 * so a vendor syncing with `after` hears of each exit once, and one
 * syncing from the start hears of all. An entity that comes back into view
 * loses the stamp.
 *
 * What a client received of each kind is in ledger_row, under its readers
 * of that kind (ledger.c journals it, ledger_fold.c folds it); the persons
 * are the ledger's own rows, the other kinds are kept only for this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "api/query_parse.h"
#include "store/sql_query.h"
#include "util/log.h"
#include "util/timefmt.h"

static int exec_sqlq(store *st, sqlq *q)
{
    store_stmt *s;
    if (store_prepare_sqlq(st, q, &s))
        return STORE_ERR;
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

/* The kinds whose exits a client can be told of: granted, and reported by
 * /deletedEntities. */
static uint32_t exit_kinds(const access_view *av, uint32_t kinds)
{
    uint32_t out = 0;
    for (int k = 0; k < K__COUNT; k++) {
        const kind_desc *kd = model_kind(k);
        if ((kinds & (1u << k)) && kd && kd->deleted_key && access_kind_granted(av, k))
            out |= 1u << k;
    }
    return out;
}

/* Stamps kind k's new exits at `now` and clears its returns. */
static int refresh_kind(const access_view *av, store *st, int k, int64_t now)
{
    sqlq in, back;
    sqlq_init(&in, 0);
    sqlq_init(&back, 0);
    buf_adds(&in.sql, "INSERT INTO scope_exit(client, kind, id, at) SELECT DISTINCT r.client, r.kind, l.person, CAST(");
    sqlq_int(&in, now); /* typed: PostgreSQL takes an untyped select-list parameter as text */
    buf_adds(&in.sql, " AS BIGINT) FROM ledger_reader r CROSS JOIN ledger_row l WHERE l.reader=r.id AND r.client=");
    sqlq_text(&in, av->cl.id);
    buf_printf(&in.sql, " AND r.kind=%d AND NOT ", k);
    sql_scope(&av->scope, k, "l.person", &in);
    buf_adds(&in.sql, " ON CONFLICT DO NOTHING");
    buf_adds(&back.sql, "DELETE FROM scope_exit WHERE client=");
    sqlq_text(&back, av->cl.id);
    buf_printf(&back.sql, " AND kind=%d AND ", k);
    sql_scope(&av->scope, k, "id", &back);
    int rc = exec_sqlq(st, &in) || exec_sqlq(st, &back);
    sqlq_free(&in);
    sqlq_free(&back);
    return rc;
}

static int count_stamped(const access_view *av, store *st, int64_t now, long *fresh)
{
    store_stmt *s;
    if (store_prepare(st, "SELECT count(*) FROM scope_exit WHERE client=? AND at=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, av->cl.id);
    store_bind_int(s, 2, now);
    int rc = store_step(s);
    *fresh = rc == 1 ? (long)store_col_int(s, 0) : 0;
    store_finalize(s);
    return rc == 1 ? STORE_OK : STORE_ERR;
}

int access_exits_refresh(access_view *av, store *st, uint32_t kinds, long *fresh)
{
    if (fresh)
        *fresh = 0;
    kinds = av->passthrough ? 0 : exit_kinds(av, kinds);
    if (!kinds)
        return STORE_OK;
    /* What was received a moment ago may still be in the journal only. */
    if (access_ledger_fold(st) || store_begin(st))
        return STORE_ERR;
    int64_t now = time_now_ms();
    int rc = 0;
    for (int k = 0; k < K__COUNT && !rc; k++)
        if (kinds & (1u << k))
            rc = refresh_kind(av, st, k, now);
    if (!rc && fresh)
        rc = count_stamped(av, st, now, fresh);
    if (rc || store_commit(st)) {
        store_rollback(st);
        return STORE_ERR;
    }
    return STORE_OK;
}

/* The kinds a /deletedEntities request asks for (0 when it is a later
 * page, which the exits do not come with) and its `after`. */
static uint32_t asked_kinds(const char *raw_query, int64_t *after)
{
    uint32_t kinds = 0;
    int later = 0;
    *after = -1;
    qs in;
    api_error ignored;
    if (!raw_query || qs_parse(raw_query, &in, &ignored))
        return ~0u;
    for (size_t i = 0; i < in.n; i++) {
        if (!strcmp(in.p[i].k, "pageToken")) {
            later = 1;
        } else if (!strcmp(in.p[i].k, "after")) {
            time_parse_datetime(in.p[i].v, after);
        } else if (!strcmp(in.p[i].k, "entities")) {
            char *names = xstrdup(in.p[i].v), *save = NULL;
            for (char *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
                const kind_desc *kd = model_kind_by_name(n);
                if (kd)
                    kinds |= 1u << kd->id;
            }
            free(names);
        }
    }
    qs_free(&in);
    return later ? 0 : kinds ? kinds : ~0u;
}

int access_scope_exits(access_view *av, store *st, const char *raw_query, json_t **ids)
{
    *ids = NULL;
    if (av->passthrough)
        return 0;
    int64_t after;
    uint32_t kinds = exit_kinds(av, asked_kinds(raw_query, &after));
    if (!kinds)
        return 0;
    if (access_exits_refresh(av, st, kinds, NULL))
        return -1;
    store_stmt *s;
    if (store_prepare(st, "SELECT kind, id FROM scope_exit WHERE client=? AND at>? ORDER BY kind, id", &s))
        return -1;
    store_bind_text(s, 1, av->cl.id);
    store_bind_int(s, 2, after);
    json_t *o = json_object();
    int rc;
    while ((rc = store_step(s)) == 1) {
        int k = (int)store_col_int(s, 0);
        if (k < 0 || k >= K__COUNT || !(kinds & (1u << k)))
            continue;
        const char *key = model_kind(k)->deleted_key;
        json_t *a = json_object_get(o, key);
        if (!a)
            json_object_set_new(o, key, a = json_array());
        json_array_append_new(a, json_string(store_col_text(s, 1)));
    }
    store_finalize(s);
    if (rc < 0 || !json_object_size(o)) {
        json_decref(o);
        return rc < 0 ? -1 : 0;
    }
    *ids = o;
    return 0;
}

/* Appends the ids of `add` missing from `to` (an entity both deleted and
 * out of view is told once). */
static void merge_ids(json_t *to, json_t *add)
{
    strmap have;
    strmap_init(&have);
    size_t i;
    json_t *el;
    json_array_foreach(to, i, el) {
        if (json_is_string(el))
            strmap_put(&have, json_string_value(el), (void *)1);
    }
    json_array_foreach(add, i, el) {
        if (!strmap_get(&have, json_string_value(el)))
            json_array_append(to, el);
    }
    strmap_free(&have, NULL);
}

void access_add_exits(access_view *av, store *st, const char *path, const char *raw_query, int status, buf *body)
{
    /* Not for views that record nothing ("view as"): stamping an exit is
     * telling the client, which only the client's own request may do. */
    if (av->passthrough || !av->record || status != 200 || strcmp(path, "/deletedEntities"))
        return;
    json_t *ids;
    if (access_scope_exits(av, st, raw_query, &ids)) {
        log_msg(LOG_ERR, "client %s: the scope exits could not be computed; /deletedEntities went without them",
                av->cl.id);
        return;
    }
    if (!ids)
        return;
    json_t *j = json_loadb(body->data, body->len, 0, NULL);
    json_t *data = json_object_get(j, "data");
    if (!json_is_object(data)) {
        json_decref(j);
        json_decref(ids);
        return;
    }
    const char *key;
    json_t *add;
    json_object_foreach(ids, key, add) {
        json_t *to = json_object_get(data, key);
        if (!json_is_array(to))
            json_object_set_new(data, key, to = json_array());
        merge_ids(to, add);
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        buf_reset(body);
        buf_adds(body, s);
        free(s);
    }
    json_decref(j);
    json_decref(ids);
}
