/*
 * libFuzzer target: the input (after byte 0, which chooses one of the
 * writable kinds) as the body of POST /{kind} through write_body_prepare.
 * An accepted body has a UUID id and validates without problems; a refused
 * one is a 400 that says why.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/writes.h"
#include "ingest/ingest.h"
#include "model/model.h"

static ingest_result res;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int kinds[] = { K_ATTENDANCE, K_ATTENDANCEEVENT, K_ATTENDANCESCHEDULE, K_ABSENCE };
    if (size < 1)
        return 0;
    const kind_desc *k = model_kind(kinds[data[0] % 4]);
    api_error e = { 0 };
    json_t *out = NULL;
    int rc = write_body_prepare(k, (const char *)data + 1, size - 1, &out, &e);
    if (rc == 0) {
        const char *id = json_string_value(json_object_get(out, "id"));
        if (!id || uuid_valid(id))
            abort();
        memset(&res, 0, sizeof res);
        if (ingest_validate(k->id, out, 0, &res))
            abort();
        json_decref(out);
    } else if (out || e.status != 400 || !e.message[0] || !e.code[0]) {
        abort();
    }
    return 0;
}
