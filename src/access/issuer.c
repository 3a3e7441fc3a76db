#include "access/issuer.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/timefmt.h"

#define MAX_JWT 16384
#define MAX_JWKS (1 << 20)
#define LEEWAY_S 60 /* clock skew allowed on exp and nbf */

static unsigned char *unb64(const char *s, size_t len, size_t *outlen)
{
    unsigned char *out = xmalloc(len + 1);
    if (sodium_base642bin(out, len, s, len, NULL, outlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
        free(out);
        return NULL;
    }
    return out;
}

static json_t *part_json(const char *s, size_t len)
{
    size_t n = 0;
    unsigned char *d = unb64(s, len, &n);
    json_t *j = d ? json_loadb((const char *)d, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(d);
    return j;
}

/* The RSA public key of JWK member k (kty RSA, n and e base64url). */
static EVP_PKEY *rsa_key(json_t *jwk)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *n64 = json_string_value(json_object_get(jwk, "n"));
    const char *e64 = json_string_value(json_object_get(jwk, "e"));
    if (!kty || strcmp(kty, "RSA") || !n64 || !e64)
        return NULL;
    size_t nl = 0, el = 0;
    unsigned char *n = unb64(n64, strlen(n64), &nl), *e = unb64(e64, strlen(e64), &el);
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn = n ? BN_bin2bn(n, (int)nl, NULL) : NULL, *be = e ? BN_bin2bn(e, (int)el, NULL) : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    if (bn && be && bld && nl >= 256 && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) && EVP_PKEY_fromdata_init(ctx) > 0)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    free(n);
    free(e);
    return pkey;
}

static int rs256_ok(EVP_PKEY *key, const char *data, size_t len, const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, sig, siglen, (const unsigned char *)data, len) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* The JWKS file's key with this kid, or NULL. */
static EVP_PKEY *jwks_key(const char *file, const char *kid)
{
    json_error_t err;
    json_t *jwks = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
    EVP_PKEY *key = NULL;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(jwks, "keys"), i, k) {
        const char *id = json_string_value(json_object_get(k, "kid"));
        const char *use = json_string_value(json_object_get(k, "use"));
        if (id && !strcmp(id, kid) && (!use || !strcmp(use, "sig"))) {
            key = rsa_key(k);
            break;
        }
    }
    json_decref(jwks);
    return key;
}

static int aud_ok(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return !strcmp(json_string_value(aud), want);
    size_t i;
    json_t *a;
    json_array_foreach(aud, i, a) {
        if (json_is_string(a) && !strcmp(json_string_value(a), want))
            return 1;
    }
    return 0;
}

/* requested_access[type=ss12000-api].locations holds the location. */
static int location_ok(json_t *ra, const char *loc)
{
    size_t i, j;
    json_t *a, *l;
    json_array_foreach(ra, i, a) {
        const char *t = json_string_value(json_object_get(a, "type"));
        if (!t || strcmp(t, "ss12000-api"))
            continue;
        json_array_foreach(json_object_get(a, "locations"), j, l) {
            if (json_is_string(l) && !strcmp(json_string_value(l), loc))
                return 1;
        }
    }
    return 0;
}

/* Signature and claims of an RS256 token against its issuer's row
 * (jwks_file, audience, location, organization_id, client). */
static int token_ok(const char *jwt, const char *d2, const char *kid, json_t *p, char *const cols[5])
{
    EVP_PKEY *key = jwks_key(cols[0], kid);
    size_t siglen = 0;
    unsigned char *sig = key ? unb64(d2 + 1, strlen(d2 + 1), &siglen) : NULL;
    int ok = sig && rs256_ok(key, jwt, (size_t)(d2 - jwt), sig, siglen);
    free(sig);
    EVP_PKEY_free(key);
    if (!ok)
        return 0;
    int64_t now = time_now_ms() / 1000;
    json_t *exp = json_object_get(p, "exp"), *nbf = json_object_get(p, "nbf");
    const char *loc = cols[2], *org = cols[3];
    const char *orgc = json_string_value(json_object_get(p, "organization_id"));
    return json_is_integer(exp) && json_integer_value(exp) + LEEWAY_S > now &&
           (!nbf || (json_is_integer(nbf) && json_integer_value(nbf) - LEEWAY_S <= now)) &&
           aud_ok(json_object_get(p, "aud"), cols[1]) &&
           (!*loc || location_ok(json_object_get(p, "requested_access"), loc)) &&
           (!*org || (orgc && !strcmp(orgc, org)));
}

int issuer_verify(store *st, const char *jwt, client *c)
{
    size_t len = strlen(jwt);
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (len > MAX_JWT || !d2 || strchr(d2 + 1, '.'))
        return STORE_NOTFOUND;
    json_t *h = part_json(jwt, (size_t)(d1 - jwt)), *p = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *kid = json_string_value(json_object_get(h, "kid"));
    const char *iss = json_string_value(json_object_get(p, "iss"));
    int rc = STORE_NOTFOUND;
    store_stmt *s = NULL;
    /* The algorithm is the issuer's (RS256), never the token's choice. */
    if (!alg || strcmp(alg, "RS256") || !kid || !iss)
        goto out;
    if (store_prepare(st, "SELECT jwks_file, audience, coalesce(location,''), coalesce(organization_id,''), client"
                          " FROM issuer WHERE iss=?", &s)) {
        rc = STORE_ERR;
        goto out;
    }
    store_bind_text(s, 1, iss);
    if (store_step(s) != 1)
        goto out;
    /* The row is copied and the statement closed before clients_find: a
     * PostgreSQL connection runs one statement at a time. */
    char *cols[5] = { 0 };
    for (int i = 0; i < 5; i++)
        cols[i] = strdup(store_col_text(s, i) ? store_col_text(s, i) : "");
    store_finalize(s);
    s = NULL;
    if (!cols[0] || !cols[1] || !cols[2] || !cols[3] || !cols[4]) {
        rc = STORE_ERR;
    } else if (token_ok(jwt, d2, kid, p, cols)) {
        rc = clients_find(st, cols[4], c);
        if (rc == STORE_OK)
            snprintf(c->key_id, sizeof c->key_id, "jwt:%.11s", kid);
    }
    for (int i = 0; i < 5; i++)
        free(cols[i]);
out:
    store_finalize(s);
    json_decref(h);
    json_decref(p);
    return rc == STORE_ERR ? STORE_ERR : rc == STORE_OK ? STORE_OK : STORE_NOTFOUND;
}

int issuer_put(store *st, const issuer_def *d)
{
    store_stmt *s;
    if (store_prepare(st, "INSERT INTO issuer(iss, jwks_file, audience, location, organization_id, client, created)"
                          " VALUES(?,?,?,?,?,?,?) ON CONFLICT(iss) DO UPDATE SET jwks_file=excluded.jwks_file,"
                          " audience=excluded.audience, location=excluded.location,"
                          " organization_id=excluded.organization_id, client=excluded.client", &s))
        return STORE_ERR;
    store_bind_text(s, 1, d->iss);
    store_bind_text(s, 2, d->jwks_file);
    store_bind_text(s, 3, d->audience);
    if (d->location)
        store_bind_text(s, 4, d->location);
    else
        store_bind_null(s, 4);
    if (d->organization_id)
        store_bind_text(s, 5, d->organization_id);
    else
        store_bind_null(s, 5);
    store_bind_text(s, 6, d->client_id);
    store_bind_int(s, 7, time_now_ms());
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}

int issuer_remove(store *st, const char *iss)
{
    store_stmt *s;
    if (store_prepare(st, "DELETE FROM issuer WHERE iss=?", &s))
        return STORE_ERR;
    store_bind_text(s, 1, iss);
    int rc = store_step(s);
    store_finalize(s);
    return rc < 0 ? STORE_ERR : STORE_OK;
}
