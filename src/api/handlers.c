#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/serialize.h"
#include "util/strmap.h"

#define LOOKUP_MAX_IDS 1000
#define DELETED_KIND_NONE (-1)

void api_error_response(const api_error *e, response *rs)
{
    rs->status = e->status;
    buf_reset(&rs->body);
    char *j = api_error_json(e);
    buf_adds(&rs->body, j);
    free(j);
}

static int store_failed(store *st, api_error *e)
{
    return api_fail(e, 500, E_INTERNAL, "the store failed: %s", store_errmsg(st));
}

static int parse_params(request *rq, op_kind op, const kind_desc *k, query *q, api_error *e)
{
    qs in;
    if (qs_parse(rq->raw_query, &in, e))
        return -1;
    int rc = query_parse(op, k, &in, &rq->tc, q, e);
    qs_free(&in);
    return rc;
}

/* ---------------------------------------------------------- GET /{kind} */

static void end_list(response *rs, const char *token)
{
    buf_adds(&rs->body, "],\"pageToken\":");
    if (token)
        buf_add_json_string(&rs->body, token);
    else
        buf_adds(&rs->body, "null");
    buf_addc(&rs->body, '}');
}

static int list_failed(store *st, int rc, api_error *e)
{
    if (rc == STORE_BADCURSOR)
        return api_fail(e, 400, E_INVALID_PAGE_TOKEN,
                        "pageToken was issued by another version of this server; start again without it");
    return store_failed(st, e);
}

/* The fast path: stored bytes from the store straight into the body. */
static int list_as_stored(request *rq, query *q, long limit, response *rs, api_error *e)
{
    page_stream ps;
    buf_adds(&rs->body, "{\"data\":[");
    page_stream_init(&ps, &rs->body, limit);
    int rc = store_list(rq->st, q, limit + 1, page_stream_row, &ps);
    if (rc < 0 || rc == STORE_BADCURSOR) {
        page_stream_free(&ps);
        buf_reset(&rs->body);
        return list_failed(rq->st, rc, e);
    }
    char *token = NULL;
    if (ps.more)
        token = query_next_token(q, &rq->tc, ps.last_id, (const unsigned char *)ps.last_v.data, ps.last_v.len, 0);
    end_list(rs, token);
    free(token);
    page_stream_free(&ps);
    return 0;
}

static int op_list(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e)
{
    (void)id;
    query q;
    if (parse_params(rq, OPK_LIST, k, &q, e))
        return -1;
    long limit = q.limit ? q.limit : LIMIT_DEFAULT;
    if (!q.expand && !q.refnames) {
        int rc = list_as_stored(rq, &q, limit, rs, e);
        query_free(&q);
        return rc;
    }
    page pg;
    page_init(&pg);
    int rc = store_list(rq->st, &q, limit + 1, page_collect, &pg);
    if (rc) {
        list_failed(rq->st, rc, e);
        goto out;
    }
    char *token = NULL;
    if ((long)pg.n > limit) {
        page_pop(&pg);
        page_item *last = &pg.it[pg.n - 1];
        token = query_next_token(&q, &rq->tc, last->id, last->sortv, last->sortvlen, 0);
    }
    buf_adds(&rs->body, "{\"data\":[");
    rc = render_items(rq->st, k, q.expand, q.refnames, &pg, &rs->body, e);
    if (!rc)
        end_list(rs, token);
    free(token);
out:
    page_free(&pg);
    query_free(&q);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------- GET /{kind}/{id} */

static int op_get(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e)
{
    if (uuid_valid(id))
        return api_fail(e, 400, E_INVALID_ID, "'%s' is not a valid id: ids are UUIDs", id);
    char lower[UUID_STR_LEN];
    uuid_lower(id, lower);
    query q;
    if (parse_params(rq, OPK_GET, k, &q, e))
        return -1;
    page pg;
    page_init(&pg);
    const char *ids[] = { lower };
    int rc = store_fetch_ids(rq->st, k->id, ids, 1, page_collect, &pg);
    if (rc)
        rc = store_failed(rq->st, e);
    else if (!pg.n)
        rc = api_fail(e, 404, E_NOT_FOUND, "there is no %s with id %s", k->name, lower);
    else
        rc = render_items(rq->st, k, q.expand, q.refnames, &pg, &rs->body, e);
    page_free(&pg);
    query_free(&q);
    return rc;
}

/* ---------------------------------------------------------- POST /{kind}/lookup */

typedef struct lookup_acc {
    page pg;
    strmap seen;
} lookup_acc;

static int lookup_row(void *ctx, const store_row *row)
{
    lookup_acc *a = ctx;
    if (strmap_get(&a->seen, row->id))
        return 0;
    strmap_put(&a->seen, row->id, (void *)1);
    page_add(&a->pg, row);
    return 0;
}

static const lookup_key *lookup_named(const kind_desc *k, const char *name)
{
    for (const lookup_key *l = k->lookup; l && l->name; l++)
        if (!strcmp(l->name, name))
            return l;
    return NULL;
}

/* Checks the body: an object of known keys, each an array of strings. */
static int lookup_body(const kind_desc *k, json_t *body, api_error *e)
{
    if (!json_is_object(body))
        return api_fail(e, 400, E_INVALID_BODY, "the lookup body must be a JSON object such as {\"ids\": [\"…\"]}");
    size_t total = 0;
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        const lookup_key *l = lookup_named(k, key);
        if (!l) {
            buf b;
            buf_init(&b);
            for (const lookup_key *x = k->lookup; x->name; x++)
                if (lookup_named(k, x->name) == x)
                    buf_printf(&b, "%s%s", b.len ? ", " : "", x->name);
            api_fail(e, 400, E_INVALID_BODY, "unknown lookup key '%s' for /%s/lookup; it takes: %s", key, k->path, b.data);
            buf_free(&b);
            return -1;
        }
        if (!json_is_array(v))
            return api_fail(e, 400, E_INVALID_BODY, "lookup key '%s' must be an array", key);
        size_t i;
        json_t *el;
        json_array_foreach(v, i, el) {
            const char *s = json_string_value(el);
            if (!s)
                return api_fail(e, 400, E_INVALID_BODY, "%s[%zu] must be a string", key, i);
            if (l->type == FT_UUID && uuid_valid(s))
                return api_fail(e, 400, E_INVALID_BODY, "%s[%zu] '%s' is not a UUID", key, i, s);
        }
        total += json_array_size(v);
    }
    if (total > LOOKUP_MAX_IDS)
        return api_fail(e, 400, E_TOO_LARGE, "a lookup takes at most %d values in all, this one has %zu; split it into several",
                        LOOKUP_MAX_IDS, total);
    return 0;
}

static int lookup_fetch(store *st, const kind_desc *k, const lookup_key *l, json_t *arr, lookup_acc *acc)
{
    size_t n = json_array_size(arr);
    char **vals = xcalloc(n ? n : 1, sizeof *vals);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        char lower[UUID_STR_LEN];
        if (l->type == FT_UUID) {
            uuid_lower(s, lower);
            s = lower;
        }
        vals[i] = xstrdup(s);
    }
    int rc = l->key ? store_fetch_by_key(st, k->id, l->key, l->via_kind, l->via_key, (const char *const *)vals, n,
                                         lookup_row, acc)
                    : store_fetch_ids(st, k->id, (const char *const *)vals, n, lookup_row, acc);
    for (size_t i = 0; i < n; i++)
        free(vals[i]);
    free(vals);
    return rc;
}

static int op_lookup(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e)
{
    (void)id;
    query q;
    if (parse_params(rq, OPK_LOOKUP, k, &q, e))
        return -1;
    json_error_t jerr;
    json_t *body = json_loadb(rq->body ? rq->body : "", rq->bodylen, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    lookup_acc acc;
    page_init(&acc.pg);
    strmap_init(&acc.seen);
    if (!body)
        rc = api_fail(e, 400, E_INVALID_BODY, "the lookup body is not valid JSON: %s (line %d, column %d)", jerr.text,
                      jerr.line, jerr.column);
    else
        rc = lookup_body(k, body, e);
    for (const lookup_key *l = k->lookup; !rc && l && l->name; l++) {
        json_t *arr = json_object_get(body, l->name);
        if (arr && json_array_size(arr) && lookup_fetch(rq->st, k, l, arr, &acc))
            rc = store_failed(rq->st, e);
    }
    if (!rc) {
        buf_addc(&rs->body, '[');
        rc = render_items(rq->st, k, q.expand, q.refnames, &acc.pg, &rs->body, e);
        buf_addc(&rs->body, ']');
    }
    json_decref(body);
    page_free(&acc.pg);
    strmap_free(&acc.seen, NULL);
    query_free(&q);
    return rc;
}

/* ---------------------------------------------------------- GET /deletedEntities */

typedef struct tomb {
    int64_t seq;
    int kind;
    char id[UUID_STR_LEN];
} tomb;

typedef struct tombs {
    tomb *t;
    size_t n, cap;
} tombs;

static int tomb_row(void *ctx, int64_t seq, int kind, const char *id)
{
    tombs *ts = ctx;
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 64;
        ts->t = xrealloc(ts->t, ts->cap * sizeof *ts->t);
    }
    ts->t[ts->n].seq = seq;
    ts->t[ts->n].kind = kind;
    snprintf(ts->t[ts->n].id, UUID_STR_LEN, "%s", id);
    ts->n++;
    return 0;
}

static int op_deleted(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e)
{
    (void)k, (void)id;
    query q;
    if (parse_params(rq, OPK_DELETED, NULL, &q, e))
        return -1;
    long limit = q.limit ? q.limit : LIMIT_DEFAULT;
    tombs ts = { 0 };
    int rc = store_deleted(rq->st, &q, limit + 1, tomb_row, &ts);
    if (rc) {
        store_failed(rq->st, e);
        goto out;
    }
    char *token = NULL;
    if ((long)ts.n > limit) {
        ts.n = (size_t)limit;
        token = query_next_token(&q, &rq->tc, NULL, NULL, 0, ts.t[ts.n - 1].seq);
    }
    /* Group the page's ids by kind, in the order kinds first appear. */
    buf_adds(&rs->body, "{\"data\":{");
    int first_kind = 1;
    for (int kind = 0; kind < K__COUNT; kind++) {
        const char *key = model_kind(kind)->deleted_key;
        int any = 0;
        for (size_t i = 0; i < ts.n; i++) {
            if (ts.t[i].kind != kind || !key)
                continue;
            if (!any)
                buf_printf(&rs->body, "%s\"%s\":[", first_kind ? "" : ",", key);
            else
                buf_addc(&rs->body, ',');
            buf_add_json_string(&rs->body, ts.t[i].id);
            any = 1;
            first_kind = 0;
        }
        if (any)
            buf_addc(&rs->body, ']');
    }
    buf_adds(&rs->body, "},\"pageToken\":");
    if (token)
        buf_add_json_string(&rs->body, token);
    else
        buf_adds(&rs->body, "null");
    buf_addc(&rs->body, '}');
    free(token);
out:
    free(ts.t);
    query_free(&q);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------- routing */

typedef enum { R_COLLECTION, R_LOOKUP, R_ITEM, R_DELETED } route_shape;

typedef int (*handler_fn)(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e);

typedef struct route {
    route_shape shape;
    const char *method;
    unsigned need_op; /* the kind must have this operation */
    handler_fn fn;
} route;

/* The route table: every read operation of every kind. Writes (POST to a
 * collection, DELETE of an item) are added with the write issue. */
static const route routes[] = {
    { R_COLLECTION, "GET", OP_LIST, op_list },
    { R_LOOKUP, "POST", OP_LOOKUP, op_lookup },
    { R_ITEM, "GET", OP_GET, op_get },
    { R_DELETED, "GET", 0, op_deleted },
};

/* Kinds whose reads are computed or per-client rather than stored entities. */
static int served_generically(const kind_desc *k)
{
    return k->id != K_AGGREGATEDATTENDANCE && k->id != K_SUBSCRIPTION;
}

static int split_path(const char *path, const kind_desc **k, route_shape *shape, char *id, size_t idlen)
{
    if (*path != '/')
        return -1;
    path++;
    const char *slash = strchr(path, '/');
    size_t seglen = slash ? (size_t)(slash - path) : strlen(path);
    if (seglen == 15 && !strncmp(path, "deletedEntities", 15) && (!slash || !slash[1])) {
        *shape = R_DELETED;
        *k = NULL;
        return 0;
    }
    *k = model_kind_by_path(path, seglen);
    if (!*k || !served_generically(*k))
        return -1;
    if (!slash || !slash[1]) {
        *shape = R_COLLECTION;
        return 0;
    }
    const char *rest = slash + 1;
    if (strchr(rest, '/'))
        return -1;
    if (!strcmp(rest, "lookup")) {
        *shape = R_LOOKUP;
        return 0;
    }
    *shape = R_ITEM;
    snprintf(id, idlen, "%s", rest);
    return 0;
}

int api_routes(const char *method, const char *path)
{
    const kind_desc *k = NULL;
    route_shape shape;
    char id[128];
    if (split_path(path, &k, &shape, id, sizeof id))
        return 0;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const route *r = &routes[i];
        if (r->shape == shape && !strcasecmp(r->method, method) && (!k || !r->need_op || (k->ops & r->need_op)))
            return 1;
    }
    return 0;
}

void api_handle(request *rq, response *rs)
{
    api_error e = { 0 };
    const kind_desc *k = NULL;
    route_shape shape;
    char id[128] = "";
    rs->status = 200;
    if (split_path(rq->path, &k, &shape, id, sizeof id)) {
        api_fail(&e, 404, E_NOT_FOUND, "there is no endpoint %s; see the OpenAPI document at openapi.json", rq->path);
        api_error_response(&e, rs);
        return;
    }
    const route *allowed = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        const route *r = &routes[i];
        if (r->shape != shape || (k && r->need_op && !(k->ops & r->need_op)))
            continue;
        allowed = r;
        if (strcmp(r->method, rq->method))
            continue;
        if (r->fn(rq, k, id, rs, &e))
            api_error_response(&e, rs);
        return;
    }
    if (allowed) {
        rs->allow = allowed->method;
        api_fail(&e, 405, E_METHOD_NOT_ALLOWED, "%s is not allowed on %s; use %s", rq->method, rq->path, allowed->method);
    } else {
        api_fail(&e, 404, E_NOT_FOUND, "there is no endpoint %s", rq->path);
    }
    api_error_response(&e, rs);
}
