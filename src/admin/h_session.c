/* POST /login, POST /logout, GET /me, GET /meta. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/csrf.h"
#include "admin/handler.h"
#include "admin/roles.h"
#include "admin/throttle.h"
#include "model/model.h"
#include "store/clients.h"

static json_t *me_json(admin_ctx *cx)
{
    char tok[CSRF_TOKEN_LEN];
    csrf_token(cx->sess.id, tok);
    int64_t idle = cx->sess.seen + cx->cfg.idle_ms, abs = cx->sess.created + cx->cfg.lifetime_ms;
    return json_pack("{ss ss ss so so ss}", "user", cx->acct.name, "role", role_name(cx->acct.role), "csrfToken", tok,
                     "idleExpiresAt", time_json(idle < abs ? idle : abs), "expiresAt", time_json(abs), "via",
                     cx->sess.via);
}

/* Starts a session for cx->acct and answers with it (login and OIDC). */
int admin_start_session(admin_ctx *cx, const char *via)
{
    if (store_begin(cx->st) || session_create(cx->st, cx->acct.name, via, &cx->sess) ||
        accounts_touch_login(cx->st, cx->acct.name) || throttle_clear(cx->st, cx->acct.name) ||
        admin_audit_write(cx->st, cx->acct.name, cx->rq->address, "login", cx->acct.name,
                          json_pack("{ss}", "via", via)) ||
        store_commit(cx->st)) {
        store_rollback(cx->st);
        reply_store_error(cx);
        return -1;
    }
    char cookie[256];
    session_set_cookie(cx->sess.id, &cx->cfg, cookie, sizeof cookie);
    admin_response_header(cx->rs, "Set-Cookie", cookie);
    return 0;
}

void h_login(admin_ctx *cx)
{
    json_t *b = body_object(cx);
    if (!b)
        return;
    int bad = 0;
    const char *user = member_str(b, "user", &bad), *pw = member_str(b, "password", &bad);
    if (bad || !user || !pw || !*pw || account_name_valid(user)) {
        reply_error(cx, 400, "INVALID_BODY", "give {\"user\": NAME, \"password\": PASSWORD} (a user name is 1 to 64 "
                                             "characters of A-Z a-z 0-9 . _ @ -)");
        json_decref(b);
        return;
    }
    const char *addr = cx->rq->address ? cx->rq->address : "";
    long retry = 0;
    int blocked = throttle_blocked(cx->st, &cx->cfg, user, addr, &retry);
    if (blocked < 0) {
        reply_store_error(cx);
    } else if (blocked) {
        char v[32];
        snprintf(v, sizeof v, "%ld", retry);
        admin_response_header(cx->rs, "Retry-After", v);
        reply_error(cx, 429, "TOO_MANY_REQUESTS", "too many failed logins for this account or address; try again in %ld s",
                    retry);
    } else {
        int rc = accounts_verify(cx->st, user, pw, &cx->acct);
        if (rc == STORE_ERR) {
            reply_store_error(cx);
        } else if (rc != STORE_OK) {
            if (store_begin(cx->st) || throttle_fail(cx->st, &cx->cfg, user, addr) ||
                admin_audit_write(cx->st, NULL, addr, "login-failed", user, NULL) || store_commit(cx->st))
                store_rollback(cx->st);
            reply_error(cx, 401, "INVALID_CREDENTIALS", "the user name or password is wrong, or the account is disabled");
        } else if (!admin_start_session(cx, "password")) {
            reply_json(cx, 200, me_json(cx));
        }
    }
    json_decref(b);
}

void h_logout(admin_ctx *cx)
{
    if (store_begin(cx->st) || session_delete(cx->st, cx->sess.id) ||
        admin_audit_write(cx->st, cx->acct.name, cx->rq->address, "logout", cx->acct.name, NULL) ||
        store_commit(cx->st)) {
        store_rollback(cx->st);
        reply_store_error(cx);
        return;
    }
    char cookie[256];
    session_set_cookie("", &cx->cfg, cookie, sizeof cookie);
    admin_response_header(cx->rs, "Set-Cookie", cookie);
    reply_empty(cx, 204);
}

void h_me(admin_ctx *cx)
{
    reply_json(cx, 200, me_json(cx));
}

void h_meta(admin_ctx *cx)
{
    json_t *cats = json_array(), *kinds = json_array();
    for (int i = 0; i < CAT__COUNT; i++)
        json_array_append_new(cats, json_string(model_category_name(i)));
    for (int k = 0; k < K__COUNT; k++)
        if (model_kind(k)->ops & OP_LIST)
            json_array_append_new(kinds, json_string(model_kind(k)->path));
    int stopped = 0;
    char *v = NULL;
    if (store_setting_get(cx->st, "stop_all", &v) == STORE_OK)
        stopped = v && !strcmp(v, "1");
    free(v);
    reply_json(cx, 200, json_pack("{so so s[ssss] sb}", "categories", cats, "kinds", kinds, "roles", "administrator",
                                  "access-manager", "viewer", "dpo", "globalStop", stopped));
}
