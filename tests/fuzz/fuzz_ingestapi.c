/*
 * libFuzzer target: a push ingest request body. Byte 0 chooses the method
 * and byte 1 the path (a kind or /snapshot); the rest is the body, through
 * ingestapi_parse and, when it yields a batch, the validation of each
 * record. A refusal must say why; a batch must have the documented shape.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/validate.h"
#include "ingestapi/ingestapi.h"
#include "model/model.h"

static ingest_result res;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const methods[] = { "POST", "PUT", "DELETE", "GET" };
    const char *method = methods[data[0] % 4];
    char path[64];
    int k = data[1] % (K__COUNT + 1);
    snprintf(path, sizeof path, "/%s", k == K__COUNT ? "snapshot" : model_kind(k)->path);
    int status = 0;
    json_t *ids = NULL;
    json_t *batch = ingestapi_parse(method, path, (const char *)data + 2, size - 2, &status, &ids, &res);
    if (!batch) {
        if (status == 400 && !res.nproblems)
            abort(); /* a 400 always lists a problem */
        if (status != 400 && status != 404 && status != 405)
            abort();
        json_decref(ids);
        return 0;
    }
    if (!json_is_object(batch))
        abort();
    const char *key;
    json_t *arr;
    json_object_foreach(json_object_get(batch, "upsert"), key, arr) {
        const kind_desc *kd = model_kind_by_path(key, strlen(key));
        if (!kd || !json_is_array(arr))
            abort();
        size_t i;
        json_t *rec;
        json_array_foreach(arr, i, rec) {
            memset(&res, 0, sizeof res);
            json_t *c = validate_entity(kd->id, rec, (long)i, &res, NULL);
            if (!c && !res.nproblems)
                abort();
            json_decref(c);
        }
    }
    json_object_foreach(json_object_get(batch, "delete"), key, arr) {
        size_t i;
        json_t *id;
        json_array_foreach(arr, i, id)
            if (!json_is_string(id) || uuid_valid(json_string_value(id)))
                abort(); /* parse lets only UUIDs through to a delete */
    }
    json_decref(batch);
    json_decref(ids);
    return 0;
}
