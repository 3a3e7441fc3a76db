/*
 * libFuzzer target: the OAuth2 token endpoint and access-token checks.
 * The first byte picks the mode: a token request body (form-encoded) with
 * the rest as its Authorization header after a NUL, or the input as the
 * header and payload of a JWT that is then signed with the store's key, so
 * the claim checks behind the signature are reached; and as an external
 * issuer's token (parsed before any issuer is found). Nothing may crash or
 * leak; a made-up token must never authenticate.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "access/issuer.h"
#include "access/oauth.h"

static store *st;
static unsigned char key[OAUTH_KEYLEN];

static void setup(void)
{
    char err[256];
    if (sodium_init() < 0 || store_open(":memory:", 1, &st, err, sizeof err) || oauth_key(st, key, 1))
        abort();
    char id[UUID_STR_LEN], k[CLIENT_KEY_LEN];
    if (store_begin(st) || clients_add(st, "fuzz", 0, id, k) || store_commit(st))
        abort();
}

static char *b64url(const unsigned char *d, size_t n)
{
    size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = malloc(cap);
    sodium_bin2base64(s, cap, d, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        setup();
    if (size < 1)
        return 0;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        size_t bl = strnlen(in, n);
        char *auth = bl < n ? strndup(in + bl + 1, n - bl - 1) : NULL;
        buf out;
        buf_init(&out);
        int status;
        const char *www;
        oauth_token_request(st, key, auth, "application/x-www-form-urlencoded", in, bl, &status, &out, &www);
        if (status != 400 && status != 401)
            abort(); /* the fuzz client's secret is unknown: never a token */
        buf_free(&out);
        free(auth);
        return 0;
    }
    char *tok = malloc(n + 1);
    memcpy(tok, in, n);
    tok[n] = 0;
    client c;
    if (oauth_verify(st, key, tok, &c) == STORE_OK || issuer_verify(st, tok, &c) == STORE_OK)
        abort();
    /* Signed with the right key: the claims decide. */
    if (!strchr(tok, '.') || strlen(tok) != n) {
        free(tok);
        return 0;
    }
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)tok, n, key);
    char *sig = b64url(mac, sizeof mac);
    size_t tl = n + 1 + strlen(sig) + 1;
    char *signed_tok = malloc(tl);
    snprintf(signed_tok, tl, "%s.%s", tok, sig);
    (void)oauth_verify(st, key, signed_tok, &c); /* no client key has an id a fuzzer guesses */
    free(signed_tok);
    free(sig);
    free(tok);
    return 0;
}
