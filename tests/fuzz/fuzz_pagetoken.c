/*
 * libFuzzer target: the input as a page token, decoded with a fixed key,
 * and as the pageToken parameter of a list. Forged tokens must be refused
 * without crashing; anything decoded must re-encode to an equal token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/pagetoken.h"
#include "api/query_parse.h"
#include "util/collate.h"

static const unsigned char key[PAGETOKEN_KEYLEN] = "fuzz-fuzz-fuzz-fuzz-fuzz-fuzz-!";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;

    pagetoken t;
    if (pagetoken_decode(key, s, &t) == 0) {
        /* only reachable with a genuine token (e.g. from the seed corpus) */
        char *again = pagetoken_encode(key, &t);
        pagetoken u;
        if (pagetoken_decode(key, again, &u) || u.kind != t.kind || u.seq != t.seq || u.sortvlen != t.sortvlen ||
            strcmp(u.q, t.q) || strcmp(u.client, t.client) || strcmp(u.last_id, t.last_id))
            abort();
        pagetoken_free(&u);
        free(again);
        pagetoken_free(&t);
    } else if (t.q || t.sortv) {
        abort(); /* a refused token leaves nothing to free */
    }

    /* as a query parameter (raw, so percent-escapes in the input count) */
    size_t n = size + 16;
    char *raw = malloc(n);
    memcpy(raw, "pageToken=", 10);
    memcpy(raw + 10, s, size + 1);
    token_ctx tc = { key, "0b5f6c2e-3d4a-4e5f-8a6b-7c8d9e0f1a2b" };
    qs in;
    api_error e;
    if (qs_parse(raw, &in, &e) == 0) {
        for (int kind = 0; kind <= K__COUNT; kind += K__COUNT) {
            const kind_desc *k = kind < K__COUNT ? model_kind(kind) : NULL;
            query q;
            if (query_parse(k ? OPK_LIST : OPK_DELETED, k, &in, &tc, &q, &e) == 0)
                query_free(&q);
            else if (e.status != 400)
                abort();
        }
        qs_free(&in);
    }
    free(raw);
    free(s);
    collate_thread_done();
    return 0;
}
