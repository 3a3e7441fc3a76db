/*
 * Scope exits: a person the client received (the ledger says so) who is no
 * longer in its view (moved to a school it does not have, became
 * protected, the grant was narrowed) is reported in /deletedEntities as a
 * deleted person, so the vendor deletes what it may no longer keep. The
 * first time an exit is seen it is stamped (scope_exit.at); a request with
 * `after` gets the exits stamped after it, so a vendor syncing with
 * `after` hears of each exit once, and one syncing from the start hears of
 * all. A person who comes back into view loses the stamp.
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

/* Stamps new exits and clears returns, in one transaction. */
static int refresh(const access_view *av, store *st, int64_t now)
{
    sqlq in, back;
    sqlq_init(&in, 0);
    sqlq_init(&back, 0);
    buf_adds(&in.sql, "INSERT INTO scope_exit(client, person, at) SELECT DISTINCT l.client, l.person, CAST(");
    sqlq_int(&in, now); /* typed: PostgreSQL takes an untyped select-list parameter as text */
    buf_adds(&in.sql, " AS BIGINT) FROM ledger l WHERE l.client=");
    sqlq_text(&in, av->cl.id);
    buf_adds(&in.sql, " AND NOT ");
    sql_scope(&av->scope, K_PERSON, "l.person", &in);
    buf_adds(&in.sql, " ON CONFLICT DO NOTHING");
    buf_adds(&back.sql, "DELETE FROM scope_exit WHERE client=");
    sqlq_text(&back, av->cl.id);
    buf_adds(&back.sql, " AND ");
    sql_scope(&av->scope, K_PERSON, "person", &back);
    /* A person received a moment ago may still be in the journal only. */
    int rc = access_ledger_fold(st) || store_begin(st) || exec_sqlq(st, &in) || exec_sqlq(st, &back) || store_commit(st);
    if (rc)
        store_rollback(st);
    sqlq_free(&in);
    sqlq_free(&back);
    return rc ? STORE_ERR : STORE_OK;
}

int access_scope_exits(access_view *av, store *st, const char *raw_query, json_t **ids)
{
    *ids = NULL;
    if (av->passthrough)
        return 0;
    int64_t after = -1;
    int persons = 1;
    qs in;
    api_error ignored;
    if (raw_query && !qs_parse(raw_query, &in, &ignored)) {
        for (size_t i = 0; i < in.n; i++) {
            if (!strcmp(in.p[i].k, "pageToken"))
                persons = 0; /* exits come with the first page */
            else if (!strcmp(in.p[i].k, "after"))
                time_parse_datetime(in.p[i].v, &after);
            else if (!strcmp(in.p[i].k, "entities") && !strstr(in.p[i].v, "Person"))
                persons = 0;
        }
        qs_free(&in);
    }
    if (!persons || !access_kind_granted(av, K_PERSON))
        return 0;
    if (refresh(av, st, time_now_ms()))
        return -1;
    store_stmt *s;
    if (store_prepare(st, "SELECT person FROM scope_exit WHERE client=? AND at>? ORDER BY person", &s))
        return -1;
    store_bind_text(s, 1, av->cl.id);
    store_bind_int(s, 2, after);
    json_t *a = json_array();
    int rc;
    while ((rc = store_step(s)) == 1)
        json_array_append_new(a, json_string(store_col_text(s, 0)));
    store_finalize(s);
    if (rc < 0 || !json_array_size(a)) {
        json_decref(a);
        return rc < 0 ? -1 : 0;
    }
    *ids = a;
    return 0;
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
    json_t *ps = json_object_get(data, "persons");
    if (!ps) {
        ps = json_array();
        json_object_set_new(data, "persons", ps);
    }
    size_t i;
    json_t *el;
    json_array_foreach(ids, i, el) {
        json_array_append(ps, el);
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
