#include "admin/oidc.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/accounts.h"
#include "access/jwt.h"
#include "admin/roles.h"
#include "pull/http.h"
#include "util/timefmt.h"

#define OIDC_TIMEOUT_MS 10000
#define PENDING_TTL_MS (10 * 60 * 1000)
#define LEEWAY_S 60

/* Each VALUE=ROLE of the mapping names a real role. */
static int roles_check(const char *roles, char *err, size_t errlen)
{
    char *dup = xstrdup(roles), *save = NULL;
    int n = 0, rc = 0;
    for (char *t = strtok_r(dup, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
        char *eq = strrchr(t, '=');
        if (!eq || eq == t || !role_by_name(eq + 1)) {
            snprintf(err, errlen, "--roles: '%s' is not VALUE=ROLE with ROLE one of %s", t, role_list());
            rc = -1;
        }
        n++;
    }
    free(dup);
    if (!rc && !n) {
        snprintf(err, errlen, "--roles maps no claim value to a role");
        rc = -1;
    }
    return rc;
}

int oidc_config_check(const oidc_config *c, char *err, size_t errlen)
{
    if (!c->issuer || !c->client_id || !c->redirect_uri || !c->role_claim || !c->roles) {
        snprintf(err, errlen, "give --issuer URL, --client-id ID, --redirect-uri URL, --role-claim CLAIM and --roles "
                              "VALUE=ROLE,... (or --off)");
        return -1;
    }
    if (strncmp(c->issuer, "https://", 8) && strncmp(c->issuer, "http://127.0.0.1", 16) &&
        strncmp(c->issuer, "http://localhost", 16)) {
        snprintf(err, errlen, "--issuer must be an https URL (plain http only on localhost)");
        return -1;
    }
    if (strncmp(c->redirect_uri, "https://", 8) && strncmp(c->redirect_uri, "http://", 7)) {
        snprintf(err, errlen, "--redirect-uri must be the URL of /admin/api/oidc/callback on this server");
        return -1;
    }
    return roles_check(c->roles, err, errlen);
}

int oidc_config_save(store *st, const oidc_config *c)
{
    if (!c)
        return store_setting_set(st, "admin_oidc", "");
    json_t *o = json_pack("{ss ss ss ss ss ss}", "issuer", c->issuer, "clientId", c->client_id, "redirectUri",
                          c->redirect_uri, "roleClaim", c->role_claim, "roles", c->roles, "userClaim",
                          c->user_claim ? c->user_claim : "preferred_username");
    if (c->client_secret)
        json_object_set_new(o, "clientSecret", json_string(c->client_secret));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    int rc = store_setting_set(st, "admin_oidc", s);
    free(s);
    return rc;
}

int oidc_config_load(store *st, json_t **cfg)
{
    *cfg = NULL;
    char *v = NULL;
    int rc = store_setting_get(st, "admin_oidc", &v);
    if (rc == STORE_OK)
        *cfg = *v ? json_loads(v, 0, NULL) : NULL;
    free(v);
    if (rc == STORE_ERR)
        return rc;
    return *cfg ? STORE_OK : STORE_NOTFOUND;
}

static const char *cs(json_t *cfg, const char *k)
{
    return json_string_value(json_object_get(cfg, k));
}

/* GETs a JSON document. */
static json_t *get_json(const char *url, char *err, size_t errlen)
{
    http_client *h = http_new(OIDC_TIMEOUT_MS);
    http_reply r;
    memset(&r, 0, sizeof r);
    buf_init(&r.body);
    json_t *o = NULL;
    if (!h || http_get(h, url, NULL, &r))
        snprintf(err, errlen, "cannot reach %s: %s", url, r.err);
    else if (r.status != 200 || !(o = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL)) ||
             !json_is_object(o))
        snprintf(err, errlen, "%s answered %ld, not a JSON document", url, r.status);
    http_reply_free(&r);
    http_free(h);
    if (o && !json_is_object(o)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static json_t *discovery(json_t *cfg, char *err, size_t errlen)
{
    char url[1024];
    const char *iss = cs(cfg, "issuer");
    size_t n = strlen(iss);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration", (int)(n && iss[n - 1] == '/' ? n - 1 : n), iss);
    json_t *d = get_json(url, err, errlen);
    if (d && (!json_is_string(json_object_get(d, "authorization_endpoint")) ||
              !json_is_string(json_object_get(d, "token_endpoint")) || !json_is_string(json_object_get(d, "jwks_uri")))) {
        snprintf(err, errlen, "the provider's discovery document lacks authorization_endpoint, token_endpoint or jwks_uri");
        json_decref(d);
        d = NULL;
    }
    return d;
}

static void random_b64(char *out, size_t outlen)
{
    unsigned char r[32];
    randombytes_buf(r, sizeof r);
    sodium_bin2base64(out, outlen, r, sizeof r, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static void add_param(buf *b, const char *name, const char *v)
{
    buf_addc(b, b->len && !strchr(buf_cstr(b), '?') ? '?' : '&');
    buf_adds(b, name);
    buf_addc(b, '=');
    http_add_escaped(b, v);
}

int oidc_begin(store *st, json_t *cfg, char **url, char *err, size_t errlen)
{
    *url = NULL;
    json_t *d = discovery(cfg, err, errlen);
    if (!d)
        return -1;
    char state[64], nonce[64], verifier[64], challenge[64];
    random_b64(state, sizeof state);
    random_b64(nonce, sizeof nonce);
    random_b64(verifier, sizeof verifier);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(challenge, sizeof challenge, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    store_stmt *s;
    int rc = store_begin(st);
    if (!rc && !(rc = store_prepare(st, "DELETE FROM admin_oidc_pending WHERE created<?", &s))) {
        store_bind_int(s, 1, time_now_ms() - PENDING_TTL_MS);
        rc = store_step(s) < 0;
        store_finalize(s);
    }
    if (!rc && !(rc = store_prepare(st, "INSERT INTO admin_oidc_pending(state, nonce, verifier, created) VALUES (?, ?, ?, ?)",
                                    &s))) {
        store_bind_text(s, 1, state);
        store_bind_text(s, 2, nonce);
        store_bind_text(s, 3, verifier);
        store_bind_int(s, 4, time_now_ms());
        rc = store_step(s) < 0;
        store_finalize(s);
    }
    if (rc || store_commit(st)) {
        store_rollback(st);
        snprintf(err, errlen, "the store failed: %s", store_errmsg(st));
        json_decref(d);
        return -1;
    }
    buf b;
    buf_init(&b);
    buf_adds(&b, json_string_value(json_object_get(d, "authorization_endpoint")));
    add_param(&b, "response_type", "code");
    add_param(&b, "client_id", cs(cfg, "clientId"));
    add_param(&b, "redirect_uri", cs(cfg, "redirectUri"));
    add_param(&b, "scope", "openid profile");
    add_param(&b, "state", state);
    add_param(&b, "nonce", nonce);
    add_param(&b, "code_challenge", challenge);
    add_param(&b, "code_challenge_method", "S256");
    json_decref(d);
    *url = buf_steal(&b);
    return 0;
}

/* Takes the pending sign-in of state (it is used once). */
static int take_pending(store *st, const char *state, char nonce[64], char verifier[64])
{
    store_stmt *s;
    if (store_begin(st) || store_prepare(st, "SELECT nonce, verifier, created FROM admin_oidc_pending WHERE state=?", &s)) {
        store_rollback(st);
        return -1;
    }
    store_bind_text(s, 1, state);
    int rc = store_step(s);
    int ok = rc == 1 && time_now_ms() - store_col_int(s, 2) <= PENDING_TTL_MS;
    if (rc == 1) {
        snprintf(nonce, 64, "%s", store_col_text(s, 0));
        snprintf(verifier, 64, "%s", store_col_text(s, 1));
    }
    store_finalize(s);
    if (rc == 1 && !store_prepare(st, "DELETE FROM admin_oidc_pending WHERE state=?", &s)) {
        store_bind_text(s, 1, state);
        if (store_step(s) < 0)
            ok = 0;
        store_finalize(s);
    }
    if (store_commit(st)) {
        store_rollback(st);
        return -1;
    }
    return ok ? 0 : -1;
}

static int aud_has(json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return !strcmp(json_string_value(aud), want);
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), want)) return 1;
    return 0;
}

/* The role the claim's value(s) map to, 0 when none. */
static unsigned map_role(const char *roles, json_t *claim)
{
    char *dup = xstrdup(roles), *save = NULL;
    unsigned r = 0;
    for (char *t = strtok_r(dup, ",", &save); t && !r; t = strtok_r(NULL, ",", &save)) {
        char *eq = strrchr(t, '=');
        if (!eq)
            continue;
        *eq = 0;
        if (json_is_string(claim) ? !strcmp(json_string_value(claim), t) : aud_has(claim, t))
            r = role_by_name(eq + 1);
    }
    free(dup);
    return r;
}

static int token_request(json_t *cfg, json_t *d, const char *code, const char *verifier, json_t **tok, char *err,
                         size_t errlen)
{
    buf form;
    buf_init(&form);
    static const char *const names[] = { "grant_type", "code", "redirect_uri", "code_verifier", "client_id" };
    const char *vals[] = { "authorization_code", code, cs(cfg, "redirectUri"), verifier, cs(cfg, "clientId") };
    for (int i = 0; i < 5; i++) {
        if (i)
            buf_addc(&form, '&');
        buf_adds(&form, names[i]);
        buf_addc(&form, '=');
        http_add_escaped(&form, vals[i]);
    }
    http_client *h = http_new(OIDC_TIMEOUT_MS);
    http_reply r;
    memset(&r, 0, sizeof r);
    buf_init(&r.body);
    const char *secret = cs(cfg, "clientSecret");
    const char *url = json_string_value(json_object_get(d, "token_endpoint"));
    *tok = NULL;
    if (!h || http_post_form(h, url, secret ? cs(cfg, "clientId") : NULL, secret, buf_cstr(&form), &r))
        snprintf(err, errlen, "cannot reach the token endpoint: %s", r.err);
    else if (r.status != 200 || !(*tok = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL)))
        snprintf(err, errlen, "the token endpoint answered %ld", r.status);
    http_reply_free(&r);
    http_free(h);
    buf_free(&form);
    return *tok ? 0 : -1;
}

int oidc_finish(store *st, json_t *cfg, const char *code, const char *state, char user[65], unsigned *role, char *err,
                size_t errlen)
{
    char nonce[64], verifier[64];
    if (!code || !state || !*code || strlen(code) > 2000 || strlen(state) > 100) {
        snprintf(err, errlen, "the provider's answer has no code and state");
        return OIDC_FAILED;
    }
    if (take_pending(st, state, nonce, verifier)) {
        snprintf(err, errlen, "the sign-in is unknown or older than 10 minutes (state); start again");
        return OIDC_FAILED;
    }
    json_t *d = discovery(cfg, err, errlen), *tok = NULL, *jwks = NULL, *claims = NULL;
    int rc = OIDC_FAILED;
    if (!d || token_request(cfg, d, code, verifier, &tok, err, errlen))
        goto out;
    const char *idt = json_string_value(json_object_get(tok, "id_token"));
    if (!idt) {
        snprintf(err, errlen, "the token response has no id_token");
        goto out;
    }
    if (!(jwks = get_json(json_string_value(json_object_get(d, "jwks_uri")), err, errlen)) ||
        jwt_verify(idt, jwks, NULL, 0, &claims, err, errlen))
        goto out;
    json_t *exp = json_object_get(claims, "exp");
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    const char *n = json_string_value(json_object_get(claims, "nonce"));
    int64_t now = time_now_ms() / 1000;
    if (!iss || strcmp(iss, cs(cfg, "issuer"))) {
        snprintf(err, errlen, "the id_token's issuer is not %s", cs(cfg, "issuer"));
    } else if (!aud_has(json_object_get(claims, "aud"), cs(cfg, "clientId"))) {
        snprintf(err, errlen, "the id_token is not for this client (aud)");
    } else if (!json_is_integer(exp) || json_integer_value(exp) + LEEWAY_S < now) {
        snprintf(err, errlen, "the id_token has expired");
    } else if (!n || strcmp(n, nonce)) {
        snprintf(err, errlen, "the id_token's nonce does not match this sign-in");
    } else {
        const char *uc = cs(cfg, "userClaim");
        const char *name = json_string_value(json_object_get(claims, uc ? uc : "preferred_username"));
        if (!name || account_name_valid(name)) {
            snprintf(err, errlen, "the id_token's %s claim is not a usable account name", uc ? uc : "preferred_username");
        } else if (!(*role = map_role(cs(cfg, "roles"), json_object_get(claims, cs(cfg, "roleClaim"))))) {
            snprintf(err, errlen, "the %s claim maps to no admin role", cs(cfg, "roleClaim"));
            rc = OIDC_NO_ROLE;
        } else {
            snprintf(user, 65, "%s", name);
            rc = OIDC_OK;
        }
    }
out:
    json_decref(d);
    json_decref(tok);
    json_decref(jwks);
    json_decref(claims);
    return rc;
}
