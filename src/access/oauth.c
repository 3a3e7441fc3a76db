#include "access/oauth.h"

#include "access/access.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/query_parse.h"
#include "util/timefmt.h"

#define MAX_JWT 4096

int oauth_key(store *st, unsigned char key[OAUTH_KEYLEN], int create)
{
    return access_secret(st, "oauth_jwt_key", key, OAUTH_KEYLEN, create);
}

static void b64url(buf *out, const void *data, size_t len)
{
    size_t cap = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *s = xmalloc(cap);
    sodium_bin2base64(s, cap, data, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    buf_adds(out, s);
    free(s);
}

/* Decodes base64url (no padding) into a NUL-terminated malloc'd buffer. */
static char *unb64url(const char *s, size_t len, size_t *outlen)
{
    char *out = xmalloc(len + 1);
    if (sodium_base642bin((unsigned char *)out, len, s, len, NULL, outlen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING)) {
        free(out);
        return NULL;
    }
    out[*outlen] = 0;
    return out;
}

static char *make_jwt(const unsigned char key[OAUTH_KEYLEN], const client *c, int64_t now_s)
{
    unsigned char jti[16];
    char jtihex[33];
    randombytes_buf(jti, sizeof jti);
    sodium_bin2hex(jtihex, sizeof jtihex, jti, sizeof jti);
    json_t *h = json_pack("{ss ss}", "alg", "HS256", "typ", "JWT");
    json_t *p = json_pack("{ss ss ss ss sI sI ss}", "iss", OAUTH_ISSUER, "aud", OAUTH_AUDIENCE, "sub", c->id,
                          "kid", c->key_id, "iat", (json_int_t)now_s, "exp", (json_int_t)(now_s + OAUTH_TOKEN_SECONDS),
                          "jti", jtihex);
    char *hs = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER), *ps = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(h);
    json_decref(p);
    buf t;
    buf_init(&t);
    b64url(&t, hs, strlen(hs));
    buf_addc(&t, '.');
    b64url(&t, ps, strlen(ps));
    free(hs);
    free(ps);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const unsigned char *)t.data, t.len, key);
    buf_addc(&t, '.');
    b64url(&t, mac, sizeof mac);
    return buf_steal(&t);
}

static void oauth_error(int *status, buf *out, int code, const char *error, const char *desc)
{
    *status = code;
    json_t *o = json_pack("{ss ss}", "error", error, "error_description", desc);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    buf_adds(out, s);
    free(s);
    json_decref(o);
}

/* "Basic base64(id:secret)" -> id and secret (malloc'd, form-decoded as
 * RFC 6749 §2.3.1 asks); 0 when parsed. */
static int basic_credentials(const char *h, char **id, char **secret)
{
    *id = *secret = NULL;
    if (strncasecmp(h, "Basic ", 6))
        return -1;
    h += 6;
    while (*h == ' ')
        h++;
    size_t n = strlen(h), dl = 0;
    char *dec = xmalloc(n + 1);
    if (sodium_base642bin((unsigned char *)dec, n, h, n, NULL, &dl, NULL, sodium_base64_VARIANT_ORIGINAL)) {
        free(dec);
        return -1;
    }
    dec[dl] = 0;
    char *colon = memchr(dec, ':', dl);
    if (!colon || strlen(dec) != dl) {
        free(dec);
        return -1;
    }
    *colon = 0;
    buf raw;
    buf_init(&raw);
    buf_printf(&raw, "i=%s&s=%s", dec, colon + 1);
    free(dec);
    qs q;
    api_error e;
    int rc = qs_parse(raw.data, &q, &e);
    buf_free(&raw);
    if (rc || q.n != 2)
        return rc ? -1 : (qs_free(&q), -1);
    *id = xstrdup(q.p[0].v);
    *secret = xstrdup(q.p[1].v);
    qs_free(&q);
    return 0;
}

void oauth_token_request(store *st, const unsigned char key[OAUTH_KEYLEN], const char *authorization,
                         const char *content_type, const char *body, size_t bodylen, int *status, buf *out,
                         const char **www_auth)
{
    *www_auth = NULL;
    if (!content_type || strncasecmp(content_type, "application/x-www-form-urlencoded", 33)) {
        oauth_error(status, out, 400, "invalid_request", "the body must be application/x-www-form-urlencoded");
        return;
    }
    char *text = xstrndup(body ? body : "", bodylen);
    qs q;
    api_error e;
    if (strlen(text) != bodylen || qs_parse(text, &q, &e)) {
        free(text);
        oauth_error(status, out, 400, "invalid_request", "the form body is not well formed");
        return;
    }
    free(text);
    const char *grant = NULL, *bid = NULL, *bsecret = NULL;
    int dup = 0;
    for (size_t i = 0; i < q.n; i++) {
        const char **slot = !strcmp(q.p[i].k, "grant_type") ? &grant : !strcmp(q.p[i].k, "client_id") ? &bid
                          : !strcmp(q.p[i].k, "client_secret") ? &bsecret : NULL;
        if (slot && *slot)
            dup = 1;
        if (slot)
            *slot = q.p[i].v;
    }
    char *hid = NULL, *hsecret = NULL;
    int basic = authorization && !basic_credentials(authorization, &hid, &hsecret);
    const char *id = basic ? hid : bid, *secret = basic ? hsecret : bsecret;
    client c;
    if (dup || !grant) {
        oauth_error(status, out, 400, "invalid_request", dup ? "a parameter is given twice" : "grant_type is missing");
    } else if (strcmp(grant, "client_credentials")) {
        oauth_error(status, out, 400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
    } else if ((basic && (bid || bsecret)) || (authorization && !basic)) {
        oauth_error(status, out, 400, "invalid_request", "give the client credentials once: Basic auth or the body");
    } else if (!id || !secret || uuid_valid(id) || clients_auth_secret(st, id, secret, &c) != STORE_OK ||
               c.suspended || c.stopped_all || c.expired) {
        /* No hint which part was wrong, nor whether the client exists. */
        oauth_error(status, out, 401, "invalid_client", "client authentication failed");
        *www_auth = "Basic realm=\"skolnav\"";
    } else {
        char *jwt = make_jwt(key, &c, time_now_ms() / 1000);
        json_t *o = json_pack("{ss ss si}", "access_token", jwt, "token_type", "Bearer", "expires_in",
                              OAUTH_TOKEN_SECONDS);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        buf_adds(out, s);
        free(s);
        json_decref(o);
        free(jwt);
        *status = 200;
    }
    free(hid);
    free(hsecret);
    qs_free(&q);
}

int oauth_is_jwt(const char *s)
{
    const char *a = strchr(s, '.');
    const char *b = a ? strchr(a + 1, '.') : NULL;
    return b && !strchr(b + 1, '.');
}

int oauth_verify(store *st, const unsigned char key[OAUTH_KEYLEN], const char *jwt, client *c)
{
    size_t len = strlen(jwt);
    const char *d1 = strchr(jwt, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (len > MAX_JWT || !d2)
        return STORE_NOTFOUND;
    size_t mlen = 0;
    char *mac = unb64url(d2 + 1, strlen(d2 + 1), &mlen);
    int ok = mac && mlen == crypto_auth_hmacsha256_BYTES &&
             !crypto_auth_hmacsha256_verify((unsigned char *)mac, (const unsigned char *)jwt, (size_t)(d2 - jwt), key);
    free(mac);
    if (!ok)
        return STORE_NOTFOUND;
    /* Signed by us; still check the header (alg is fixed: no "none", no
     * algorithm chosen by the token) and the claims. */
    size_t hl = 0, pl = 0;
    char *hs = unb64url(jwt, (size_t)(d1 - jwt), &hl), *ps = unb64url(d1 + 1, (size_t)(d2 - d1 - 1), &pl);
    json_t *h = hs ? json_loads(hs, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *p = ps ? json_loads(ps, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(hs);
    free(ps);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *iss = json_string_value(json_object_get(p, "iss"));
    const char *aud = json_string_value(json_object_get(p, "aud"));
    const char *sub = json_string_value(json_object_get(p, "sub"));
    const char *kid = json_string_value(json_object_get(p, "kid"));
    json_t *exp = json_object_get(p, "exp");
    int64_t now = time_now_ms() / 1000;
    ok = alg && !strcmp(alg, "HS256") && iss && !strcmp(iss, OAUTH_ISSUER) && aud && !strcmp(aud, OAUTH_AUDIENCE) &&
         sub && kid && json_is_integer(exp) && json_integer_value(exp) > now;
    /* The key it was issued for must still be live: rotation, revocation
     * and removal end the tokens too. */
    int rc = ok ? clients_auth_key_id(st, sub, kid, c) : STORE_NOTFOUND;
    json_decref(h);
    json_decref(p);
    return rc;
}
