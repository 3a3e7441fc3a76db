/*
 * libFuzzer target: the input (after byte 0, which chooses the kind) as a
 * JSON entity through validate_entity. Accepted entities must validate
 * again to the same canonical form.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/validate.h"
#include "model/model.h"

static ingest_result res;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int kind = data[0] % K__COUNT;
    if (!model_kind(kind)->fields)
        return 0; /* a kind the model does not describe yet */
    json_error_t err;
    json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, &err);
    if (!in)
        return 0;
    memset(&res, 0, sizeof res);
    ref_list refs = { 0 };
    json_t *out = validate_entity(kind, in, 0, &res, &refs);
    if (out) {
        if (res.nproblems)
            abort();
        /* canonical is a fixed point */
        ingest_result r2;
        memset(&r2, 0, sizeof r2);
        json_t *again = validate_entity(kind, out, 0, &r2, NULL);
        if (!again || !json_equal(again, out))
            abort();
        json_decref(again);
        json_decref(out);
    } else if (!res.nproblems) {
        abort(); /* a refusal always says why */
    }
    for (size_t i = 0; i < refs.n; i++)
        if (refs.kind[i] < 0 || refs.kind[i] >= K__COUNT || strlen(refs.id[i]) != 36)
            abort();
    ref_list_free(&refs);
    memset(&res, 0, sizeof res);
    ingest_validate(kind, in, 1, &res);
    json_decref(in);
    return 0;
}
