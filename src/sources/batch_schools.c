/*
 * Per-school effect of a batch, for a held batch's summary: how many
 * entities of each kind it creates, updates and deletes at each
 * organisation, so whoever approves it sees "all of Ängsskolan's pupils
 * go" rather than a bare percentage. An entity counts at the organisation
 * that scopes it in the access view (sql_scope.c): a person at the schools
 * of its enrolments, duties and placements, other kinds at the
 * organisation their scope reference names, an organisation at itself. Kinds scoped through another
 * kind (calendar events through activities, ...) are not counted here.
 */
#include "sources/batch_schools.h"

#include <stdio.h>
#include <string.h>

#include "store/sql_query.h"
#include "util/buf.h"

#define CHUNK 400 /* ids per statement */

static void add(json_t *acc, const char *org, int kind, const char *op, int64_t n)
{
    json_t *o = json_object_get(acc, org);
    if (!o) {
        o = json_object();
        json_object_set_new(acc, org, o);
    }
    const char *path = model_kind(kind)->path;
    json_t *k = json_object_get(o, path);
    if (!k) {
        k = json_object();
        json_object_set_new(o, path, k);
    }
    json_int_t had = json_integer_value(json_object_get(k, op));
    json_object_set_new(k, op, json_integer(had + n));
}

/* Opens "SELECT o, count(*) FROM (SELECT DISTINCT <id>, <org> ... IN " for
 * the entities of kind; the caller adds the id list or subquery and
 * close_count ends it. 0 when the kind is not counted per organisation. */
static int open_count(int kind, sqlq *q)
{
    const kind_desc *k = model_kind(kind);
    if (kind == K_PERSON) {
        buf_adds(&q->sql, "SELECT o, count(*) FROM (SELECT DISTINCT r.person AS eid, r.org AS o FROM prel r"
                          " WHERE r.type IN ('enrolment','duty','placement.child') AND r.person IN ");
        return 1;
    }
    if (kind == K_ORGANISATION) {
        buf_printf(&q->sql, "SELECT o, count(*) FROM (SELECT DISTINCT e.id AS eid, e.id AS o FROM entity e"
                            " WHERE e.kind=%d AND e.id IN ", kind);
        return 1;
    }
    if (k->scope_kind != K_ORGANISATION || !k->scope_key)
        return 0;
    buf_printf(&q->sql, "SELECT o, count(*) FROM (SELECT DISTINCT x.id AS eid, x.value AS o FROM idx x"
                        " WHERE x.kind=%d AND x.key='%s' AND x.id IN ", kind, k->scope_key);
    return 1;
}

static int close_count(store *st, sqlq *q, int kind, const char *op, json_t *acc)
{
    buf_adds(&q->sql, ") d GROUP BY o");
    store_stmt *s;
    int rc = store_prepare_sqlq(st, q, &s);
    sqlq_free(q);
    if (rc)
        return -1;
    while ((rc = store_step(s)) == 1)
        add(acc, store_col_text(s, 0), kind, op, store_col_int(s, 1));
    store_finalize(s);
    return rc < 0 ? -1 : 0;
}

int batch_schools_ids(store *st, int kind, const char *const *ids, size_t n, const char *op, json_t *acc)
{
    for (size_t at = 0; at < n; at += CHUNK) {
        sqlq q;
        sqlq_init(&q, 0);
        if (!open_count(kind, &q)) {
            sqlq_free(&q);
            return 0;
        }
        buf_adds(&q.sql, "(");
        for (size_t i = at; i < n && i < at + CHUNK; i++) {
            buf_adds(&q.sql, i > at ? "," : "");
            sqlq_text(&q, ids[i]);
        }
        buf_adds(&q.sql, ")");
        if (close_count(st, &q, kind, op, acc))
            return -1;
    }
    return 0;
}

int batch_schools_changes(store *st, int64_t after_seq, json_t *acc)
{
    static const char *const ops[][2] = { { "create", "created" }, { "update", "updated" } };
    for (int kind = 0; kind < K__COUNT; kind++) {
        for (size_t o = 0; o < 2; o++) {
            sqlq q;
            sqlq_init(&q, 0);
            if (!open_count(kind, &q)) {
                sqlq_free(&q);
                break;
            }
            buf_printf(&q.sql, "(SELECT c.id FROM changes c WHERE c.kind=%d AND c.op='%s' AND c.seq>", kind,
                       ops[o][0]);
            sqlq_int(&q, after_seq);
            buf_adds(&q.sql, ")");
            if (close_count(st, &q, kind, ops[o][1], acc))
                return -1;
        }
    }
    return 0;
}

int batch_schools_name(store *st, json_t *acc)
{
    const char *org;
    json_t *v;
    json_object_foreach(acc, org, v) {
        store_stmt *s;
        if (store_prepare(st, "SELECT display FROM entity WHERE kind=? AND id=?", &s))
            return -1;
        store_bind_int(s, 1, K_ORGANISATION);
        store_bind_text(s, 2, org);
        int rc = store_step(s);
        if (rc == 1)
            json_object_set_new(v, "displayName", json_string(store_col_text(s, 0)));
        store_finalize(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}
