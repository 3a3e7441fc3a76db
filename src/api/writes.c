/*
 * Writes (see writes.h). Decisions where the specification is silent
 * (docs/api.md "Writes"): a client may send an `id` (a retried create is
 * then recognised: 409 CONFLICT instead of a second record); without one the
 * server assigns a random UUID. `meta` in a body is ignored: the hub keeps
 * its own. The answer to a create is the stored entity as GET /{id} gives it.
 */
#include "api/writes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/serialize.h"
#include "ingest/ingest.h"
#include "util/buf.h"

#define E_CONFLICT "CONFLICT"

/* The access view has already refused a client without write permission
 * for this kind (access_check_request); this is the last line for callers
 * that bypass it. */
int write_allowed(const client *cl, const kind_desc *k)
{
    (void)k;
    return cl && (cl->full_access || cl->writes);
}

/* The first problems of a rejected write, as one message naming the fields. */
static int problems_error(const ingest_result *res, int status, const char *code, api_error *e)
{
    buf b;
    buf_init(&b);
    size_t n = res->nproblems < INGEST_MAX_ERRORS ? res->nproblems : INGEST_MAX_ERRORS;
    for (size_t i = 0; i < n && i < 5; i++) {
        const ingest_problem *p = &res->problems[i];
        if (i)
            buf_adds(&b, "; ");
        if (p->field[0])
            buf_printf(&b, "%s: %s", p->field, p->message);
        else
            buf_adds(&b, p->message);
    }
    if (res->nproblems > 5)
        buf_printf(&b, " (and %zu more)", res->nproblems - 5);
    api_fail(e, status, code, "%s", b.len ? b.data : "the entity was rejected");
    buf_free(&b);
    return -1;
}

int write_body_prepare(const kind_desc *k, const char *body, size_t len, json_t **out, api_error *e)
{
    *out = NULL;
    json_error_t jerr;
    json_t *o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o)
        return api_fail(e, 400, E_INVALID_BODY, "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                        jerr.line, jerr.column);
    if (!json_is_object(o)) {
        json_decref(o);
        return api_fail(e, 400, E_INVALID_BODY, "the body must be one %s as a JSON object", k->name);
    }
    json_t *id = json_object_get(o, "id");
    if (id && (!json_is_string(id) || uuid_valid(json_string_value(id)))) {
        json_decref(o);
        return api_fail(e, 400, E_INVALID_BODY, "id: must be a UUID when given (or leave it out and the server assigns one)");
    }
    if (!id) {
        char nid[UUID_STR_LEN];
        uuid_random(nid);
        json_object_set_new(o, "id", json_string(nid));
    }
    ingest_result *res = xcalloc(1, sizeof *res);
    int rc = 0;
    if (ingest_validate(k->id, o, 0, res))
        rc = problems_error(res, 400, E_INVALID_BODY, e);
    free(res);
    if (rc) {
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

static int forbidden(const kind_desc *k, const char *what, api_error *e)
{
    return api_fail(e, 403, E_FORBIDDEN, "this client may not %s %s records; writing needs a full-access client",
                    what, k->name);
}

int write_create(request *rq, const kind_desc *k, response *rs, api_error *e)
{
    if (!write_allowed(rq->cl, k))
        return forbidden(k, "create", e);
    if (rq->raw_query && *rq->raw_query)
        return api_fail(e, 400, E_UNKNOWN_PARAMETER, "POST /%s takes no query parameters", k->path);
    json_t *ent;
    if (write_body_prepare(k, rq->body, rq->bodylen, &ent, e))
        return -1;
    char id[UUID_STR_LEN];
    uuid_lower(json_string_value(json_object_get(ent, "id")), id);
    json_t *batch = json_array();
    json_array_append_new(batch, ent);
    char source[160];
    snprintf(source, sizeof source, "api:%s", rq->cl->id);
    ingest_opts o = { .source = source, .create_only = 1 };
    ingest_result *res = xcalloc(1, sizeof *res);
    int rc = ingest_batch(rq->st, k->id, batch, &o, res);
    json_decref(batch);
    if (rc) {
        int store_failure = res->nproblems && res->problems[0].index < 0;
        problems_error(res, store_failure ? 500 : res->conflicts ? 409 : 400,
                       store_failure ? E_INTERNAL : res->conflicts ? E_CONFLICT : E_INVALID_BODY, e);
        free(res);
        return -1;
    }
    free(res);
    page pg;
    page_init(&pg);
    const char *ids[] = { id };
    rc = store_fetch_ids(rq->st, k->id, ids, 1, page_collect, &pg);
    if (rc || !pg.n)
        rc = api_fail(e, 500, E_INTERNAL, "the %s was written but cannot be read back: %s", k->name, store_errmsg(rq->st));
    else
        rc = render_items(rq->st, k, 0, 0, &pg, &rs->body, e);
    page_free(&pg);
    rs->status = 200;
    return rc;
}

int write_delete(request *rq, const kind_desc *k, const char *id, response *rs, api_error *e)
{
    if (!write_allowed(rq->cl, k))
        return forbidden(k, "delete", e);
    if (uuid_valid(id))
        return api_fail(e, 400, E_INVALID_ID, "'%s' is not a valid id: ids are UUIDs", id);
    if (rq->raw_query && *rq->raw_query)
        return api_fail(e, 400, E_UNKNOWN_PARAMETER, "DELETE /%s/{id} takes no query parameters", k->path);
    char lower[UUID_STR_LEN];
    uuid_lower(id, lower);
    const char *ids[] = { lower };
    char source[160];
    snprintf(source, sizeof source, "api:%s", rq->cl->id);
    ingest_opts o = { .source = source };
    ingest_result *res = xcalloc(1, sizeof *res);
    int rc = ingest_delete(rq->st, k->id, ids, 1, &o, res);
    if (rc) {
        int store_failure = res->nproblems && res->problems[0].index < 0;
        if (store_failure)
            problems_error(res, 500, E_INTERNAL, e);
        else
            api_fail(e, 404, E_NOT_FOUND, "there is no %s with id %s", k->name, lower);
    }
    free(res);
    if (!rc) {
        rs->status = 204;
        buf_reset(&rs->body);
    }
    return rc;
}
