/*
 * Request -> batch -> response. Status codes and bodies are those of the
 * reference server where it has them (201 {"ids": [...]}, 202
 * {"message": "Accepted"}); errors use the SS12000 Error body with the
 * problems listed beside it.
 */
#include "ingestapi/ingestapi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "sources/batch.h"

void ingestapi_error(buf *out, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf_reset(out);
    buf_adds(out, "{\"code\":");
    buf_add_json_string(out, code);
    buf_adds(out, ",\"message\":");
    buf_add_json_string(out, msg);
    buf_addc(out, '}');
}

static const kind_desc *writable_kind(const char *seg, size_t len)
{
    const kind_desc *k = model_kind_by_path(seg, len);
    if (!k || !k->deleted_key || k->id == K_AGGREGATEDATTENDANCE || k->id == K_SUBSCRIPTION)
        return NULL;
    return k;
}

/* The ids of a record array, lower case when they are UUIDs. */
static json_t *ids_of(json_t *records)
{
    json_t *ids = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        char lower[UUID_STR_LEN];
        if (id && !uuid_valid(id)) {
            uuid_lower(id, lower);
            id = lower;
        }
        json_array_append_new(ids, id ? json_string(id) : json_null());
    }
    return ids;
}

static json_t *parse_body(const char *body, size_t len, ingest_result *res)
{
    if (!len) {
        ingest_problem_add(res, -1, NULL, "", "the request needs a JSON body");
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        ingest_problem_add(res, -1, NULL, "", "the body is not JSON: %s (line %d, column %d)", je.text, je.line,
                           je.column);
        return NULL;
    }
    if (!json_is_object(doc)) {
        ingest_problem_add(res, -1, NULL, "", "the body must be a JSON object");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* The one array of the envelope {"<path>": [...]}. */
static json_t *envelope(json_t *doc, const char *path, ingest_result *res)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        if (strcmp(key, path))
            ingest_problem_add(res, -1, NULL, key, "unexpected member: the body is {\"%s\": [...]}", path);
    }
    json_t *arr = json_object_get(doc, path);
    if (!arr)
        ingest_problem_add(res, -1, NULL, path, "required: the body is {\"%s\": [...]}", path);
    else if (!json_is_array(arr))
        ingest_problem_add(res, -1, NULL, path, "must be an array");
    return res->nproblems ? NULL : arr;
}

static json_t *parse_snapshot(json_t *doc, json_t **ids, ingest_result *res)
{
    json_t *batch = json_object(), *up = json_object(), *full = json_array(), *all = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        const kind_desc *k = writable_kind(key, strlen(key));
        if (!k)
            ingest_problem_add(res, -1, NULL, key, "'%s' is not an entity kind that can be written", key);
        else if (!json_is_array(v))
            ingest_problem_add(res, -1, NULL, key, "must be an array");
        else {
            json_object_set(up, key, v);
            json_array_append_new(full, json_string(key));
            json_t *kid = ids_of(v);
            json_array_extend(all, kid);
            json_decref(kid);
        }
    }
    if (!json_object_size(doc))
        ingest_problem_add(res, -1, NULL, "", "a snapshot names at least one kind, e.g. {\"persons\": [...]}");
    json_object_set_new(batch, "upsert", up);
    json_object_set_new(batch, "full", full);
    if (res->nproblems) {
        json_decref(batch);
        json_decref(all);
        return NULL;
    }
    *ids = all;
    return batch;
}

json_t *ingestapi_parse(const char *method, const char *path, const char *body, size_t len, int *status,
                        json_t **ids, ingest_result *res)
{
    memset(res, 0, sizeof *res);
    *ids = NULL;
    *status = 400;
    if (path[0] != '/' || strchr(path + 1, '/')) {
        *status = 404;
        return NULL;
    }
    const char *seg = path + 1;
    int snapshot = !strcmp(seg, "snapshot");
    const kind_desc *k = snapshot ? NULL : writable_kind(seg, strlen(seg));
    if (!snapshot && !k) {
        *status = 404;
        return NULL;
    }
    int post = !strcmp(method, "POST"), put = !strcmp(method, "PUT"), del = !strcmp(method, "DELETE");
    if (snapshot ? !put : !(post || put || del)) {
        *status = 405;
        return NULL;
    }
    json_t *doc = parse_body(body, len, res);
    if (!doc)
        return NULL;
    json_t *batch = NULL;
    if (snapshot) {
        batch = parse_snapshot(doc, ids, res);
        json_decref(doc);
        return batch;
    }
    json_t *arr = envelope(doc, k->path, res);
    if (arr && del) {
        json_t *list = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(arr, i, r) {
            json_t *id = json_object_get(r, "id");
            char rid[40] = "";
            if (json_is_string(id))
                snprintf(rid, sizeof rid, "%s", json_string_value(id));
            if (!json_is_object(r))
                ingest_problem_add(res, (long)i, NULL, "", "must be an object {\"id\": \"<uuid>\"}");
            else if (!json_is_string(id))
                ingest_problem_add(res, (long)i, NULL, "id", "required: a UUID string");
            else if (uuid_valid(json_string_value(id)))
                ingest_problem_add(res, (long)i, rid, "id", "'%s' is not a UUID", json_string_value(id));
            else
                json_array_append(list, id);
        }
        if (!res->nproblems)
            batch = json_pack("{s:{s:O}}", "delete", k->path, list);
        json_decref(list);
    } else if (arr) {
        batch = json_pack("{s:{s:O}}", "upsert", k->path, arr);
        *ids = ids_of(arr);
    }
    json_decref(doc);
    return batch;
}

static void problems_body(buf *out, const char *code, const char *what, const ingest_result *res, int kind)
{
    buf_reset(out);
    buf_adds(out, "{\"code\":");
    buf_add_json_string(out, code);
    char msg[256];
    snprintf(msg, sizeof msg, "%s: %zu problem%s%s%s", what, res->nproblems, res->nproblems == 1 ? "" : "s",
             kind != K_NONE ? " in " : "", kind != K_NONE ? model_kind(kind)->path : "");
    buf_adds(out, ",\"message\":");
    buf_add_json_string(out, msg);
    buf_printf(out, ",\"problemCount\":%zu,\"problems\":[", res->nproblems);
    size_t shown = res->nproblems < INGESTAPI_MAX_LISTED ? res->nproblems : INGESTAPI_MAX_LISTED;
    for (size_t i = 0; i < shown; i++) {
        const ingest_problem *p = &res->problems[i];
        buf_printf(out, "%s{", i ? "," : "");
        if (p->index >= 0)
            buf_printf(out, "\"index\":%ld,", p->index);
        if (p->id[0]) {
            buf_adds(out, "\"id\":");
            buf_add_json_string(out, p->id);
            buf_addc(out, ',');
        }
        buf_adds(out, "\"field\":");
        buf_add_json_string(out, p->field);
        buf_adds(out, ",\"message\":");
        buf_add_json_string(out, p->message);
        buf_addc(out, '}');
    }
    buf_adds(out, "]}");
}

void ingestapi_handle(store *st, const source_rec *src, const char *method, const char *path, const char *body,
                      size_t len, int *status, buf *out, const char **allow)
{
    ingest_result *res = xcalloc(1, sizeof *res);
    json_t *ids = NULL;
    json_t *batch = ingestapi_parse(method, path, body, len, status, &ids, res);
    *allow = NULL;
    if (!batch) {
        if (*status == 404)
            ingestapi_error(out, "NOT_FOUND", "no ingest endpoint %s (POST, PUT or DELETE /<kind>, e.g. /persons; PUT /snapshot)", path);
        else if (*status == 405) {
            *allow = strcmp(path, "/snapshot") ? "POST, PUT, DELETE" : "PUT";
            ingestapi_error(out, "METHOD_NOT_ALLOWED", "%s is not served on %s (use %s)", method, path, *allow);
        } else
            problems_body(out, "INVALID_BODY", "the batch was rejected, nothing was written", res, K_NONE);
        free(res);
        return;
    }
    char what[96];
    snprintf(what, sizeof what, "push %s %s", method, path);
    batch_opts o = { .what = what };
    batch_outcome oc;
    int s = batch_apply(st, src, batch, &o, &oc, res);
    if (s == BATCH_APPLIED) {
        if (!strcmp(method, "DELETE")) {
            *status = 202;
            buf_adds(out, "{\"message\":\"Accepted\"}");
        } else if (!strcmp(path, "/snapshot")) {
            *status = 201; /* the ids like POST's, and what the snapshot did */
            char *j = json_dumps(ids, JSON_COMPACT);
            buf_printf(out, "{\"ids\":%s,\"created\":%zu,\"updated\":%zu,\"unchanged\":%zu,\"deleted\":%zu}", j,
                       oc.total_created, oc.total_updated, oc.total_unchanged, oc.total_deleted);
            free(j);
        } else {
            *status = 201;
            char *j = json_dumps(ids, JSON_COMPACT);
            buf_printf(out, "{\"ids\":%s}", j);
            free(j);
        }
    } else if (s == BATCH_HELD) {
        *status = 202;
        buf_adds(out, "{\"message\":\"Held for approval\"");
        buf_adds(out, ",\"heldBatch\":");
        buf_add_json_string(out, oc.held_id);
        buf_adds(out, ",\"summary\":");
        buf_adds(out, oc.summary ? oc.summary : "null");
        buf_addc(out, '}');
    } else if (s == BATCH_REJECTED && res->nconflicts) {
        *status = 409;
        problems_body(out, "OWNED_BY_OTHER_SOURCE", "the batch was rejected, nothing was written", res, oc.failed_kind);
    } else if (s == BATCH_REJECTED) {
        *status = oc.forbidden ? 403 : 400;
        problems_body(out, *status == 403 ? "FORBIDDEN" : "INVALID_BODY", "the batch was rejected, nothing was written",
                      res, oc.failed_kind);
    } else {
        *status = 500;
        ingestapi_error(out, "INTERNAL_ERROR", "the batch could not be written: %s",
                        res->nproblems ? res->problems[0].message : "unknown store failure");
    }
    batch_outcome_free(&oc);
    json_decref(batch);
    json_decref(ids);
    free(res);
}
