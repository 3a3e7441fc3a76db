/*
 * libFuzzer target: a push ingest request body through the streaming
 * parser (ingestapi/body.h). Byte 0 chooses the method, byte 1 the path (a
 * kind or /snapshot) and byte 2 the size of the pieces the body arrives
 * in; the rest is the body. Checked on every input:
 * - the outcome does not depend on how the body is cut: fed in pieces and
 *   fed whole, the status, the problems and the ids are the same;
 * - the body is "not JSON" exactly when jansson, parsing it whole as the
 *   old parser did, rejects it (the scanner only cuts, it never accepts
 *   what jansson would not, nor refuses what it would take);
 * - a refusal says why; a batch has the documented shape, one id per
 *   record, and a DELETE only ever carries UUIDs.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingestapi/body.h"
#include "model/model.h"
#include "util/uuid.h"

static ingest_result res_a, res_b;

/* The nesting a whole-body parse would see, over-counted (brackets in
 * strings count too): jansson refuses more than 2048 levels, and a record
 * parsed on its own sits two levels higher. */
static size_t max_depth(const uint8_t *d, size_t n)
{
    size_t depth = 0, max = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '[' || d[i] == '{')
            max = ++depth > max ? depth : max;
        else if ((d[i] == ']' || d[i] == '}') && depth)
            depth--;
    }
    return max;
}

static json_t *run(const char *method, const char *path, const char *body, size_t len, size_t piece, int *status,
                   ingest_result *res, char **ids, size_t counts[K__COUNT])
{
    ingest_body *b = ingest_body_new(method, path);
    for (size_t off = 0; off < len; off += piece)
        ingest_body_feed(b, body + off, len - off < piece ? len - off : piece);
    json_t *batch = ingest_body_finish(b, status, res);
    *ids = batch ? strdup(ingest_body_ids(b)) : NULL;
    for (int k = 0; k < K__COUNT; k++)
        counts[k] = ingest_body_streams(b)[k] ? ingest_stream_count(ingest_body_streams(b)[k]) : 0;
    ingest_body_free(b);
    return batch;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    static const char *const methods[] = { "POST", "PUT", "DELETE", "GET" };
    const char *method = methods[data[0] % 4];
    char path[64];
    int k = data[1] % (K__COUNT + 1);
    snprintf(path, sizeof path, "/%s", k == K__COUNT ? "snapshot" : model_kind(k)->path);
    int route = ingest_body_route(method, path);
    if (route) {
        if (route != 404 && route != 405)
            abort();
        return 0;
    }
    size_t piece = (size_t)data[2] % 17 + 1;
    const char *body = (const char *)data + 3;
    size_t len = size - 3;
    int sa = 0, sb = 0;
    char *ids_a, *ids_b;
    size_t ca[K__COUNT], cb[K__COUNT];
    json_t *a = run(method, path, body, len, piece, &sa, &res_a, &ids_a, ca);
    json_t *b = run(method, path, body, len, len ? len : 1, &sb, &res_b, &ids_b, cb);
    /* the same outcome however the body was cut */
    if (sa != sb || (a == NULL) != (b == NULL) || res_a.nproblems != res_b.nproblems || memcmp(ca, cb, sizeof ca))
        abort();
    size_t shown = res_a.nproblems < INGEST_MAX_ERRORS ? res_a.nproblems : INGEST_MAX_ERRORS;
    for (size_t i = 0; i < shown; i++)
        if (res_a.problems[i].index != res_b.problems[i].index || strcmp(res_a.problems[i].field, res_b.problems[i].field) ||
            strcmp(res_a.problems[i].message, res_b.problems[i].message))
            abort();
    if ((ids_a || ids_b) && (!ids_a || !ids_b || strcmp(ids_a, ids_b)))
        abort();
    /* "not JSON" exactly when jansson says so of the whole body */
    if (len && max_depth((const uint8_t *)body, len) < 1000) {
        json_error_t je;
        json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
        int not_json = !a && res_a.nproblems == 1 && !strncmp(res_a.problems[0].message, "the body is not JSON", 20);
        if ((doc == NULL) != not_json)
            abort();
        json_decref(doc);
    }
    if (!a) {
        if (sa == 400 && !res_a.nproblems)
            abort(); /* a 400 always lists a problem */
        if (sa != 400 && sa != 500)
            abort();
    } else {
        if (!json_is_object(a))
            abort();
        const char *key;
        json_t *arr;
        size_t records = 0;
        json_object_foreach(json_object_get(a, "upsert"), key, arr) {
            const kind_desc *kd = model_kind_by_path(key, strlen(key));
            if (!kd || !json_is_array(arr) || json_array_size(arr))
                abort(); /* streamed kinds are named with an empty array */
            records += ca[kd->id];
        }
        if (!strcmp(method, "DELETE") && strcmp(ids_a, "[]"))
            abort(); /* a DELETE answers without ids */
        {
            json_t *ids = json_loads(ids_a, 0, NULL);
            if (!json_is_array(ids) || json_array_size(ids) != records)
                abort(); /* one id (or null) per record, in the 201 body */
            json_decref(ids);
        }
        json_object_foreach(json_object_get(a, "delete"), key, arr) {
            size_t i;
            json_t *id;
            json_array_foreach(arr, i, id)
                if (!json_is_string(id) || uuid_valid(json_string_value(id)))
                    abort(); /* the parser lets only UUIDs through to a delete */
        }
    }
    json_decref(a);
    json_decref(b);
    free(ids_a);
    free(ids_b);
    return 0;
}
