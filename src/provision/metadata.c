/*
 * Federation metadata (Skolfederation Moa / the MATF format): a JWS whose
 * payload lists the federation's entities, signed with ES256 by the
 * federation operator. Verified here against the operator's JWKS; only the
 * signature, exp and nbf decide, as the verifiers in the field do. Accepted
 * serializations: general JSON, flattened JSON and compact.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/egil.h"
#include "util/buf.h"

#define MD_MAX (64u << 20)

static unsigned char *b64url(const char *s, size_t *out_len)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    unsigned char *out = xmalloc(n + 1);
    if (sodium_base642bin(out, n + 1, s, n, NULL, out_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
        free(out);
        return NULL;
    }
    out[*out_len] = 0;
    return out;
}

static EVP_PKEY *ec_key(json_t *jwk)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    if (!kty || strcmp(kty, "EC") || !crv || strcmp(crv, "P-256"))
        return NULL;
    size_t xl = 0, yl = 0;
    unsigned char *x = b64url(json_string_value(json_object_get(jwk, "x")), &xl);
    unsigned char *y = b64url(json_string_value(json_object_get(jwk, "y")), &yl);
    EVP_PKEY *pk = NULL;
    if (x && y && xl == 32 && yl == 32) {
        unsigned char pub[65];
        pub[0] = 4;
        memcpy(pub + 1, x, 32);
        memcpy(pub + 33, y, 32);
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (bld && ctx && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) &&
            (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
            EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
            pk = NULL;
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        EVP_PKEY_CTX_free(ctx);
    }
    free(x);
    free(y);
    return pk;
}

/* 1 when sig (r||s, 64 bytes) signs msg with pk. */
static int es256_ok(EVP_PKEY *pk, const unsigned char *sig, size_t siglen, const char *msg, size_t msglen)
{
    if (siglen != 64)
        return 0;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    int ok = 0;
    if (es && r && s && ECDSA_SIG_set0(es, r, s)) {
        r = s = NULL; /* owned by es now */
        unsigned char *der = NULL;
        int derlen = i2d_ECDSA_SIG(es, &der);
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        ok = derlen > 0 && m && EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(m, der, (size_t)derlen, (const unsigned char *)msg, msglen) == 1;
        EVP_MD_CTX_free(m);
        OPENSSL_free(der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return ok;
}

/* The signatures as {protected, signature} objects (new reference). */
static json_t *signatures(const char *jws, size_t len, const char **payload_b64, json_t **doc)
{
    *doc = NULL;
    *payload_b64 = NULL;
    while (len && (*jws == ' ' || *jws == '\n' || *jws == '\r' || *jws == '\t'))
        jws++, len--;
    if (len && *jws == '{') {
        *doc = json_loadb(jws, len, 0, NULL);
        if (!json_is_object(*doc))
            return NULL;
        *payload_b64 = json_string_value(json_object_get(*doc, "payload"));
        json_t *sigs = json_object_get(*doc, "signatures");
        if (json_is_array(sigs))
            return json_incref(sigs);
        if (json_object_get(*doc, "signature"))
            return json_pack("[{s:O,s:O}]", "protected", json_object_get(*doc, "protected"), "signature",
                             json_object_get(*doc, "signature"));
        return NULL;
    }
    /* Compact: protected.payload.signature */
    const char *d1 = memchr(jws, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    if (!d2)
        return NULL;
    size_t tail = len - (size_t)(d2 + 1 - jws);
    while (tail && (d2[tail] == '\n' || d2[tail] == '\r' || d2[tail] == ' '))
        tail--;
    json_t *prot = json_stringn(jws, (size_t)(d1 - jws)), *sig = json_stringn(d2 + 1, tail);
    *doc = json_pack("{s:s%}", "payload", d1 + 1, (size_t)(d2 - d1 - 1));
    if (!prot || !sig || !*doc) {
        json_decref(prot);
        json_decref(sig);
        return NULL;
    }
    *payload_b64 = json_string_value(json_object_get(*doc, "payload"));
    return json_pack("[{s:o,s:o}]", "protected", prot, "signature", sig);
}

int md_verify(const char *jws, size_t jwslen, const char *jwks, size_t jwkslen, int64_t now, json_t **payload,
              int64_t *exp, char *err, size_t errlen)
{
    *payload = NULL;
    *exp = 0;
    if (jwslen > MD_MAX) {
        snprintf(err, errlen, "the metadata is larger than %u MiB", MD_MAX >> 20);
        return -1;
    }
    json_t *keys = json_loadb(jwks, jwkslen, 0, NULL);
    json_t *karr = json_object_get(keys, "keys");
    if (!json_is_array(karr) || !json_array_size(karr)) {
        snprintf(err, errlen, "the JWKS is not a JSON object with a non-empty \"keys\" array");
        json_decref(keys);
        return -1;
    }
    json_t *doc;
    const char *pb64;
    json_t *sigs = signatures(jws, jwslen, &pb64, &doc);
    if (!sigs || !pb64 || !json_array_size(sigs)) {
        snprintf(err, errlen, "the metadata is not a JWS (JSON or compact serialization with a payload and a"
                              " signature)");
        json_decref(sigs);
        json_decref(doc);
        json_decref(keys);
        return -1;
    }
    int verified = 0, expired = 0, badsig = 0, nokey = 0, badhdr = 0;
    size_t i;
    json_t *sg;
    json_array_foreach(sigs, i, sg) {
        const char *pr = json_string_value(json_object_get(sg, "protected"));
        const char *sv = json_string_value(json_object_get(sg, "signature"));
        size_t hl = 0, sl = 0;
        unsigned char *h = b64url(pr, &hl), *sig = b64url(sv, &sl);
        json_t *hdr = h ? json_loadb((const char *)h, hl, 0, NULL) : NULL;
        const char *alg = json_string_value(json_object_get(hdr, "alg"));
        const char *kid = json_string_value(json_object_get(hdr, "kid"));
        json_t *je = json_object_get(hdr, "exp"), *jn = json_object_get(hdr, "nbf");
        if (!hdr || !sig || !alg || strcmp(alg, "ES256") || !json_is_integer(je)) {
            badhdr = 1;
        } else if (json_integer_value(je) <= now || (json_is_integer(jn) && json_integer_value(jn) > now)) {
            expired = 1;
        } else {
            buf msg;
            buf_init(&msg);
            buf_printf(&msg, "%s.%s", pr, pb64);
            size_t k;
            json_t *jwk;
            int tried = 0;
            json_array_foreach(karr, k, jwk) {
                const char *kk = json_string_value(json_object_get(jwk, "kid"));
                if (kid && kk && strcmp(kid, kk))
                    continue;
                EVP_PKEY *pk = ec_key(jwk);
                if (!pk)
                    continue;
                tried = 1;
                if (es256_ok(pk, sig, sl, msg.data, msg.len)) {
                    verified = 1;
                    *exp = json_integer_value(je);
                }
                EVP_PKEY_free(pk);
                if (verified)
                    break;
            }
            buf_free(&msg);
            if (!tried)
                nokey = 1;
            else if (!verified)
                badsig = 1;
        }
        json_decref(hdr);
        free(h);
        free(sig);
        if (verified)
            break;
    }
    json_decref(sigs);
    json_decref(keys);
    if (!verified) {
        snprintf(err, errlen, "%s",
                 badsig   ? "the metadata's signature does not verify with the federation's keys"
                 : expired ? "the metadata has expired (its exp has passed) or is not valid yet"
                 : nokey   ? "no ES256 key of the JWKS matches the metadata's signature (kid)"
                 : badhdr  ? "the metadata's protected header is not usable (it needs alg ES256 and an integer exp)"
                           : "the metadata could not be verified");
        json_decref(doc);
        return -1;
    }
    size_t plen = 0;
    unsigned char *pl = b64url(pb64, &plen);
    json_t *p = pl ? json_loadb((const char *)pl, plen, 0, NULL) : NULL;
    free(pl);
    json_decref(doc);
    if (!json_is_object(p) || !json_is_string(json_object_get(p, "version")) ||
        !json_is_array(json_object_get(p, "entities"))) {
        snprintf(err, errlen, "the metadata's payload is not a metadata document (it needs version and entities)");
        json_decref(p);
        return -1;
    }
    *payload = p;
    return 0;
}

int64_t md_cache_ttl(json_t *payload)
{
    json_t *t = json_object_get(payload, "cache_ttl");
    return json_is_integer(t) && json_integer_value(t) > 0 ? json_integer_value(t) : 3600;
}

static int tags_exactly(json_t *tags, const char *tag)
{
    size_t i, hits = 0;
    json_t *t;
    json_array_foreach(tags, i, t) {
        const char *s = json_string_value(t);
        if (!s || strcmp(s, tag))
            return 0;
        hits++;
    }
    return hits > 0;
}

int md_select(json_t *payload, const char *entity_id, const char *tag, md_server *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t i;
    json_t *en, *ent = NULL;
    json_array_foreach(json_object_get(payload, "entities"), i, en) {
        const char *id = json_string_value(json_object_get(en, "entity_id"));
        if (id && !strcmp(id, entity_id)) {
            ent = en;
            break;
        }
    }
    if (!ent) {
        snprintf(err, errlen, "the metadata has no entity %s", entity_id);
        return -1;
    }
    json_t *sv, *srv = NULL;
    json_array_foreach(json_object_get(ent, "servers"), i, sv) {
        if (tags_exactly(json_object_get(sv, "tags"), tag)) {
            srv = sv;
            break;
        }
    }
    const char *uri = json_string_value(json_object_get(srv, "base_uri"));
    if (!srv || !uri) {
        snprintf(err, errlen, "entity %s has no server tagged exactly \"%s\" with a base_uri", entity_id, tag);
        return -1;
    }
    buf pins;
    buf_init(&pins);
    json_t *pin;
    json_array_foreach(json_object_get(srv, "pins"), i, pin) {
        const char *alg = json_string_value(json_object_get(pin, "alg"));
        const char *dg = json_string_value(json_object_get(pin, "digest"));
        if (!alg) { /* the older form */
            alg = json_string_value(json_object_get(pin, "name"));
            dg = json_string_value(json_object_get(pin, "value"));
        }
        if (dg && strpbrk(dg, "; \t\r\n"))
            continue; /* would split curl's pin list */
        if (alg && dg && !strcmp(alg, "sha256"))
            buf_printf(&pins, "%ssha256//%s", pins.len ? ";" : "", dg);
    }
    if (!pins.len) {
        snprintf(err, errlen, "entity %s's server has no sha256 pin", entity_id);
        buf_free(&pins);
        return -1;
    }
    buf ca;
    buf_init(&ca);
    json_t *is;
    json_array_foreach(json_object_get(ent, "issuers"), i, is) {
        const char *pem = json_string_value(json_object_get(is, "x509certificate"));
        if (pem)
            buf_printf(&ca, "%s\n", pem);
    }
    if (!ca.len) {
        snprintf(err, errlen, "entity %s has no issuers", entity_id);
        buf_free(&pins);
        buf_free(&ca);
        return -1;
    }
    out->base_uri = xstrdup(uri);
    out->pins = buf_steal(&pins);
    out->ca_pem = buf_steal(&ca);
    return 0;
}

void md_server_free(md_server *s)
{
    free(s->base_uri);
    free(s->pins);
    free(s->ca_pem);
    memset(s, 0, sizeof *s);
}
