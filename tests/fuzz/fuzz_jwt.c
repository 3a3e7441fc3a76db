/*
 * libFuzzer target: the JWS verifier (src/access/jwt.c) on made-up tokens
 * against a JWKS with one RSA and one P-256 key: the base64url and JSON of
 * the parts, the key lookup, the ES256 signature conversion, the claim
 * peek and the kid. Nothing may crash or leak, and no made-up token may
 * verify (nobody holds the keys: the RSA modulus is arbitrary and the EC
 * key is the curve's generator).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access/jwt.h"

static json_t *jwks;

static void setup(void)
{
    /* n: 258 bytes decoded from 344 'x' (an odd number; any modulus builds a key). */
    char n[400];
    memset(n, 'x', 344);
    n[344] = 0;
    jwks = json_pack("{s[{ss ss ss ss}{ss ss ss ss ss}]}", "keys",
                     "kty", "RSA", "kid", "r", "n", n, "e", "AQAB",
                     "kty", "EC", "kid", "e", "crv", "P-256",
                     "x", "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY",
                     "y", "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU");
    if (!jwks)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!jwks)
        setup();
    if (size < 1)
        return 0;
    char *tok = malloc(size);
    memcpy(tok, data + 1, size - 1);
    tok[size - 1] = 0;
    json_t *claims = NULL;
    char err[128];
    const char *alg = data[0] & 1 ? "RS256" : NULL;
    if (!jwt_verify(tok, jwks, alg, data[0] & 2, &claims, err, sizeof err))
        abort(); /* a forged token verified */
    json_decref(claims);
    json_decref(jwt_peek_claims(tok));
    char kid[64];
    jwt_kid(tok, kid, sizeof kid);
    free(tok);
    return 0;
}
