/*
 * GET/POST /subscriptions and GET/PATCH/DELETE /subscriptions/{id}
 * (DIGEST §2.13). A client sees and changes only its own subscriptions.
 * The signing secret is returned once, in the X-Skolnav-Webhook-Secret
 * header of the 201 (the Subscription schema has no field for it).
 */
#include "api/subscriptions.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbound/outbound.h"
#include "util/buf.h"

static int store_failed(store *st, api_error *e)
{
    return api_fail(e, 500, E_INTERNAL, "the store failed: %s", store_errmsg(st));
}

typedef struct list_acc {
    buf *out;
    long n, limit;
    char last[UUID_STR_LEN];
    int more;
} list_acc;

static int list_one(void *ctx, const subscription *s)
{
    list_acc *a = ctx;
    if (a->n == a->limit) {
        a->more = 1;
        return 1;
    }
    char *j = subs_json(s);
    buf_printf(a->out, "%s%s", a->n ? "," : "", j);
    free(j);
    snprintf(a->last, sizeof a->last, "%s", s->id);
    a->n++;
    return 0;
}

int subs_op_list(request *rq, const char *id, response *rs, api_error *e)
{
    (void)id;
    const kind_desc *k = model_kind(K_SUBSCRIPTION);
    qs in;
    if (qs_parse(rq->raw_query, &in, e))
        return -1;
    query q;
    int rc = query_parse(OPK_LIST, k, &in, &rq->tc, &q, e);
    qs_free(&in);
    if (rc)
        return -1;
    list_acc a = { .out = &rs->body, .limit = q.limit ? q.limit : LIMIT_DEFAULT };
    buf_adds(&rs->body, "{\"data\":[");
    if (subs_list(rq->st, rq->cl->id, q.has_cursor ? q.cur_id : "", a.limit + 1, list_one, &a)) {
        query_free(&q);
        return store_failed(rq->st, e);
    }
    buf_adds(&rs->body, "],\"pageToken\":");
    char *token = a.more ? query_next_token(&q, &rq->tc, a.last, NULL, 0, 0) : NULL;
    if (token)
        buf_add_json_string(&rs->body, token);
    else
        buf_adds(&rs->body, "null");
    buf_addc(&rs->body, '}');
    free(token);
    query_free(&q);
    return 0;
}

/* resourceTypes: objects {"resource": EndPointsEnum} as the schema says;
 * bare strings as the specification's own example writes them. */
static int parse_kinds(json_t *rt, uint32_t *kinds, api_error *e)
{
    if (!json_is_array(rt) || !json_array_size(rt))
        return api_fail(e, 400, E_INVALID_BODY, "resourceTypes must be a non-empty array such as [{\"resource\": \"Person\"}]");
    size_t i;
    json_t *v;
    json_array_foreach(rt, i, v) {
        json_t *r = json_is_object(v) ? json_object_get(v, "resource") : v;
        if (json_is_object(v) && json_object_size(v) != 1)
            return api_fail(e, 400, E_INVALID_BODY, "resourceTypes[%zu] takes only the key 'resource'", i);
        const char *name = json_string_value(r);
        const kind_desc *k = name && model_enum_has(enum_endpoints, name) ? model_kind_by_name(name) : NULL;
        if (!k) {
            char *l = model_enum_list(enum_endpoints);
            api_fail(e, 400, E_INVALID_BODY, "resourceTypes[%zu].resource must be one of %s", i, l);
            free(l);
            return -1;
        }
        *kinds |= 1u << k->id;
    }
    return 0;
}

int subs_op_create(request *rq, const char *id, response *rs, api_error *e)
{
    (void)id;
    if (rq->raw_query && *rq->raw_query)
        return api_fail(e, 400, E_UNKNOWN_PARAMETER, "POST /subscriptions takes no query parameters");
    json_error_t jerr;
    json_t *b = json_loadb(rq->body ? rq->body : "", rq->bodylen, JSON_REJECT_DUPLICATES, &jerr);
    if (!b)
        return api_fail(e, 400, E_INVALID_BODY, "the body is not valid JSON: %s (line %d, column %d)", jerr.text,
                        jerr.line, jerr.column);
    int rc = 0;
    subscription s = { 0 };
    const char *key;
    json_t *v;
    if (!json_is_object(b))
        rc = api_fail(e, 400, E_INVALID_BODY, "the body must be an object {name, target, resourceTypes}");
    else
        json_object_foreach(b, key, v) {
            if (strcmp(key, "name") && strcmp(key, "target") && strcmp(key, "resourceTypes")) {
                rc = api_fail(e, 400, E_INVALID_BODY, "unknown field '%s'; a subscription has name, target and resourceTypes", key);
                break;
            }
        }
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *target = json_string_value(json_object_get(b, "target"));
    char why[256];
    if (!rc && (!name || !*name || strlen(name) > SUB_NAME_MAX))
        rc = api_fail(e, 400, E_INVALID_BODY, "name must be a non-empty string of at most %d characters", SUB_NAME_MAX);
    if (!rc && !target)
        rc = api_fail(e, 400, E_INVALID_BODY, "target (the URL notifications are sent to) is required");
    if (!rc && subs_target_ok(target, why, sizeof why))
        rc = api_fail(e, 400, E_INVALID_BODY, "target: %s", why);
    if (!rc)
        rc = parse_kinds(json_object_get(b, "resourceTypes"), &s.kinds, e);
    if (!rc) {
        snprintf(s.name, sizeof s.name, "%s", name);
        snprintf(s.target, sizeof s.target, "%s", target);
        snprintf(s.client, sizeof s.client, "%s", rq->cl->id);
        char secret[SUB_SECRET_HEX];
        if (subs_create(rq->st, &s, secret)) {
            rc = store_failed(rq->st, e);
        } else {
            char *j = subs_json(&s);
            buf_adds(&rs->body, j);
            free(j);
            rs->status = 201;
            rs->hname = "X-Skolnav-Webhook-Secret";
            snprintf(rs->hvalue, sizeof rs->hvalue, "%s", secret);
        }
    }
    json_decref(b);
    return rc;
}

static int item(request *rq, const char *id, char lower[UUID_STR_LEN], api_error *e)
{
    if (uuid_valid(id))
        return api_fail(e, 400, E_INVALID_ID, "'%s' is not a valid id: ids are UUIDs", id);
    if (rq->raw_query && *rq->raw_query)
        return api_fail(e, 400, E_UNKNOWN_PARAMETER, "/subscriptions/{id} takes no query parameters");
    uuid_lower(id, lower);
    return 0;
}

static int answer(request *rq, int rc, const subscription *s, const char *id, response *rs, api_error *e)
{
    if (rc == STORE_NOTFOUND)
        return api_fail(e, 404, E_NOT_FOUND, "there is no subscription %s of this client", id);
    if (rc)
        return store_failed(rq->st, e);
    char *j = subs_json(s);
    buf_adds(&rs->body, j);
    free(j);
    return 0;
}

int subs_op_get(request *rq, const char *id, response *rs, api_error *e)
{
    char lower[UUID_STR_LEN];
    subscription s;
    if (item(rq, id, lower, e))
        return -1;
    return answer(rq, subs_get(rq->st, rq->cl->id, lower, &s), &s, lower, rs, e);
}

int subs_op_renew(request *rq, const char *id, response *rs, api_error *e)
{
    char lower[UUID_STR_LEN];
    subscription s;
    if (item(rq, id, lower, e))
        return -1;
    int rc = subs_get(rq->st, rq->cl->id, lower, &s);
    if (rc == STORE_OK)
        rc = subs_renew(rq->st, rq->cl->id, lower, &s);
    return answer(rq, rc, &s, lower, rs, e);
}

int subs_op_delete(request *rq, const char *id, response *rs, api_error *e)
{
    char lower[UUID_STR_LEN];
    if (item(rq, id, lower, e))
        return -1;
    int rc = subs_delete(rq->st, rq->cl->id, lower);
    if (rc == STORE_NOTFOUND)
        return api_fail(e, 404, E_NOT_FOUND, "there is no subscription %s of this client", lower);
    if (rc)
        return store_failed(rq->st, e);
    rs->status = 204;
    buf_reset(&rs->body);
    return 0;
}
