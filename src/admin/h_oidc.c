/* GET /oidc, /oidc/start, /oidc/callback: sign-in through the
 * municipality's OpenID Connect provider (oidc.h). */
#include <stdlib.h>

#include "admin/audit.h"
#include "admin/handler.h"
#include "admin/oidc.h"

void h_oidc_info(admin_ctx *cx)
{
    json_t *cfg;
    int rc = oidc_config_load(cx->st, &cfg);
    if (rc == STORE_ERR) {
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{sb so}", "enabled", rc == STORE_OK, "issuer",
                                  rc == STORE_OK ? json_incref(json_object_get(cfg, "issuer")) : json_null()));
    json_decref(cfg);
}

static json_t *config(admin_ctx *cx)
{
    json_t *cfg;
    int rc = oidc_config_load(cx->st, &cfg);
    if (rc == STORE_NOTFOUND)
        reply_error(cx, 404, "NOT_FOUND", "OpenID Connect sign-in is not configured (skolnav admin oidc)");
    else if (rc)
        reply_store_error(cx);
    return rc ? NULL : cfg;
}

void h_oidc_start(admin_ctx *cx)
{
    json_t *cfg = config(cx);
    if (!cfg)
        return;
    char *url, err[600];
    if (oidc_begin(cx->st, cfg, &url, err, sizeof err)) {
        reply_error(cx, 502, "OIDC_FAILED", "%s", err);
    } else {
        admin_response_header(cx->rs, "Location", url);
        reply_empty(cx, 302);
        free(url);
    }
    json_decref(cfg);
}

void h_oidc_callback(admin_ctx *cx)
{
    json_t *cfg = config(cx);
    if (!cfg)
        return;
    char *code = query_param(cx, "code"), *state = query_param(cx, "state"), *perr = query_param(cx, "error");
    char user[65], err[600];
    unsigned role = 0;
    int rc = perr ? (snprintf(err, sizeof err, "the provider refused the sign-in: %.200s", perr), OIDC_FAILED)
                  : oidc_finish(cx->st, cfg, code, state, user, &role, err, sizeof err);
    if (rc == OIDC_OK) {
        int r2 = store_begin(cx->st) ? STORE_ERR : accounts_oidc_upsert(cx->st, user, role, &cx->acct);
        if (r2 == STORE_OK && !store_commit(cx->st)) {
            if (!admin_start_session(cx, "oidc")) {
                admin_response_header(cx->rs, "Location", "/admin/");
                reply_empty(cx, 302);
            }
        } else {
            store_rollback(cx->st);
            if (r2 == STORE_NOTFOUND)
                reply_error(cx, 403, "OIDC_NO_ROLE", "the account '%s' is disabled or is a password account", user);
            else
                reply_store_error(cx);
        }
    } else {
        if (store_begin(cx->st) ||
            admin_audit_write(cx->st, NULL, cx->rq->address, "login-failed", "oidc", json_pack("{ss}", "why", err)) ||
            store_commit(cx->st))
            store_rollback(cx->st);
        if (rc == OIDC_NO_ROLE)
            reply_error(cx, 403, "OIDC_NO_ROLE", "%s", err);
        else
            reply_error(cx, 401, "OIDC_FAILED", "%s", err);
    }
    free(code);
    free(state);
    free(perr);
    json_decref(cfg);
}
