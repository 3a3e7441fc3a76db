/*
 * libFuzzer target: federation metadata. The input is tried as a JWS
 * (every serialization) against a fixed JWKS, and as a metadata payload for
 * the server selection. Nothing may crash or leak, and nothing made up may
 * verify: the key's private half exists nowhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"

static const char jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"fuzz\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *p = NULL;
    int64_t exp;
    char err[512];
    if (md_verify((const char *)data, size, jwks, sizeof jwks - 1, 1700000000, &p, &exp, err, sizeof err) == 0)
        abort(); /* a forged signature verified */
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc) {
        md_server s;
        if (md_select(doc, "https://sp.example", "egilv1", &s, err, sizeof err) == 0)
            md_server_free(&s);
        md_cache_ttl(doc);
        json_decref(doc);
    }
    return 0;
}
