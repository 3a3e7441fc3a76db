#include "access/jwt.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static unsigned char *unb64(const char *s, size_t len, size_t *outlen)
{
    unsigned char *out = xmalloc(len + 1);
    if (sodium_base642bin(out, len + 1, s, len, NULL, outlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
        free(out);
        return NULL;
    }
    return out;
}

static unsigned char *member_b64(json_t *o, const char *name, size_t *n)
{
    const char *v = json_string_value(json_object_get(o, name));
    return v ? unb64(v, strlen(v), n) : NULL;
}

/* A public key from its parameters (RSA n/e, or an EC point). */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_name(NULL, type, NULL) : NULL;
    EVP_PKEY *pkey = NULL;
    if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_key(json_t *jwk)
{
    size_t nl = 0, el = 0;
    unsigned char *n = member_b64(jwk, "n", &nl), *e = member_b64(jwk, "e", &el);
    BIGNUM *bn = n ? BN_bin2bn(n, (int)nl, NULL) : NULL, *be = e ? BN_bin2bn(e, (int)el, NULL) : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *k = NULL;
    if (bn && be && bld && nl >= 256 && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
        k = from_params("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    free(n);
    free(e);
    return k;
}

static EVP_PKEY *ec_key(json_t *jwk)
{
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    size_t xl = 0, yl = 0;
    unsigned char *x = member_b64(jwk, "x", &xl), *y = member_b64(jwk, "y", &yl);
    EVP_PKEY *k = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (crv && !strcmp(crv, "P-256") && x && y && xl == 32 && yl == 32 && bld) {
        unsigned char pt[65];
        pt[0] = 4; /* uncompressed point */
        memcpy(pt + 1, x, 32);
        memcpy(pt + 33, y, 32);
        if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt))
            k = from_params("EC", bld);
    }
    OSSL_PARAM_BLD_free(bld);
    free(x);
    free(y);
    return k;
}

/* The key of jwks for this kid (or the only one of the right type when the
 * token names none). */
static EVP_PKEY *find_key(json_t *jwks, const char *kid, const char *kty)
{
    size_t i;
    json_t *k;
    json_t *hit = NULL;
    int n = 0;
    json_array_foreach(json_object_get(jwks, "keys"), i, k) {
        const char *t = json_string_value(json_object_get(k, "kty"));
        const char *id = json_string_value(json_object_get(k, "kid"));
        const char *use = json_string_value(json_object_get(k, "use"));
        if (!t || strcmp(t, kty) || (use && strcmp(use, "sig")))
            continue;
        if (kid ? (id && !strcmp(id, kid)) : 1) {
            hit = k;
            n++;
        }
    }
    if (n != 1)
        return NULL;
    return !strcmp(kty, "RSA") ? rsa_key(hit) : ec_key(hit);
}

/* ES256 signatures are r || s (32 bytes each); OpenSSL wants DER. */
static unsigned char *es256_der(const unsigned char *sig, size_t *len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0)
        return NULL;
    *len = (size_t)n;
    return der;
}

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

json_t *jwt_peek_claims(const char *jwt)
{
    const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (strlen(jwt) > JWT_MAX || !d2)
        return NULL;
    size_t n = 0;
    unsigned char *p = unb64(d1 + 1, (size_t)(d2 - d1 - 1), &n);
    json_t *o = p ? json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(p);
    if (!json_is_object(o)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void jwt_kid(const char *jwt, char *out, size_t outlen)
{
    const char *d1 = strchr(jwt, '.');
    size_t n = 0;
    unsigned char *h = d1 && strlen(jwt) <= JWT_MAX ? unb64(jwt, (size_t)(d1 - jwt), &n) : NULL;
    json_t *o = h ? json_loadb((const char *)h, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *kid = json_string_value(json_object_get(o, "kid"));
    snprintf(out, outlen, "%s", kid ? kid : "");
    json_decref(o);
    free(h);
}

int jwt_verify(const char *jwt, json_t *jwks, const char *want_alg, int need_kid, json_t **claims, char *err,
               size_t errlen)
{
    *claims = NULL;
    size_t len = jwt ? strlen(jwt) : 0;
    const char *d1 = jwt ? strchr(jwt, '.') : NULL, *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!len || len > JWT_MAX || !d2 || strchr(d2 + 1, '.'))
        return fail(err, errlen, "the token is not a signed JWT");
    size_t hl = 0, pl = 0, sl = 0;
    unsigned char *h = unb64(jwt, (size_t)(d1 - jwt), &hl), *p = unb64(d1 + 1, (size_t)(d2 - d1 - 1), &pl),
                  *sig = unb64(d2 + 1, strlen(d2 + 1), &sl);
    json_t *hdr = h ? json_loadb((const char *)h, hl, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *pay = p ? json_loadb((const char *)p, pl, JSON_REJECT_DUPLICATES, NULL) : NULL;
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    const char *kid = json_string_value(json_object_get(hdr, "kid"));
    int rc = -1;
    EVP_PKEY *key = NULL;
    unsigned char *der = NULL;
    if (!json_is_object(hdr) || !json_is_object(pay) || !sig) {
        fail(err, errlen, "the token's parts are not base64url JSON");
    } else if (!alg || (strcmp(alg, "RS256") && strcmp(alg, "ES256")) || (want_alg && strcmp(alg, want_alg))) {
        fail(err, errlen, want_alg ? "the token's alg is not the one expected" : "the token's alg must be RS256 or ES256");
    } else if (need_kid && !kid) {
        fail(err, errlen, "the token names no key (kid)");
    } else if (!(key = find_key(jwks, kid, !strcmp(alg, "RS256") ? "RSA" : "EC"))) {
        fail(err, errlen, "no key of the JWKS matches the token");
    } else {
        const unsigned char *s = sig;
        size_t n = sl;
        if (!strcmp(alg, "ES256")) {
            der = sl == 64 ? es256_der(sig, &n) : NULL;
            s = der;
        }
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int ok = s && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
                 EVP_DigestVerify(md, s, n, (const unsigned char *)jwt, (size_t)(d2 - jwt)) == 1;
        EVP_MD_CTX_free(md);
        if (ok) {
            *claims = json_incref(pay);
            rc = 0;
        } else {
            fail(err, errlen, "the token's signature is not valid");
        }
    }
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    json_decref(hdr);
    json_decref(pay);
    free(h);
    free(p);
    free(sig);
    return rc;
}
