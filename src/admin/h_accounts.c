/* Accounts (administrator only): list, create, change role or disable,
 * new password. */
#include <stdio.h>
#include <string.h>

#include "admin/handler.h"
#include "admin/roles.h"

static json_t *account_json(const account *a)
{
    return json_pack("{ss ss sb so so sb}", "user", a->name, "role", role_name(a->role), "disabled", a->disabled,
                     "created", time_json(a->created), "lastLogin", time_json(a->last_login), "oidc", a->oidc);
}

static void add_account(void *ctx, const account *a)
{
    json_array_append_new(ctx, account_json(a));
}

void h_accounts_list(admin_ctx *cx)
{
    json_t *items = json_array();
    if (accounts_list(cx->st, add_account, items)) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so}", "items", items));
}

void h_accounts_create(admin_ctx *cx)
{
    json_t *b = body_object(cx);
    if (!b)
        return;
    int bad = 0;
    const char *user = member_str(b, "user", &bad), *role = member_str(b, "role", &bad);
    unsigned r = role_by_name(role);
    if (bad || !user || account_name_valid(user)) {
        reply_error(cx, 400, "INVALID_BODY", "\"user\" must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -");
    } else if (!r) {
        reply_error(cx, 400, "INVALID_BODY", "\"role\" must be %s", role_list());
    } else if (!audit_txn_begin(cx)) {
        char pw[ACCOUNT_PASSWORD_LEN];
        int exists = 0;
        if (accounts_create(cx->st, user, r, pw, &exists)) {
            store_rollback(cx->st);
            if (exists)
                reply_error(cx, 409, "CONFLICT", "an account named '%s' exists already", user);
            else
                reply_store_error(cx);
        } else if (audit_txn_commit(cx, "account-created", user, json_pack("{ss}", "role", role_name(r)))) {
            reply_store_error(cx);
        } else {
            reply_json(cx, 201, json_pack("{ss ss ss}", "user", user, "role", role_name(r), "password", pw));
        }
    }
    json_decref(b);
}

/* The account named by the path, or a 404. */
static int path_account(admin_ctx *cx, account *a)
{
    int rc = account_name_valid(cx->seg[1]) ? STORE_NOTFOUND : accounts_get(cx->st, cx->seg[1], a);
    if (rc == STORE_NOTFOUND)
        reply_error(cx, 404, "NOT_FOUND", "there is no account '%.64s'", cx->seg[1]);
    else if (rc)
        reply_store_error(cx);
    return rc ? -1 : 0;
}

void h_accounts_patch(admin_ctx *cx)
{
    account a;
    if (path_account(cx, &a))
        return;
    json_t *b = body_object(cx);
    if (!b)
        return;
    int bad = 0;
    const char *role = member_str(b, "role", &bad);
    json_t *dis = json_object_get(b, "disabled");
    unsigned r = role ? role_by_name(role) : a.role;
    int self = !strcmp(a.name, cx->acct.name);
    if (bad || !r || (dis && !json_is_boolean(dis)) || json_object_size(b) != (size_t)(!!role + !!dis)) {
        reply_error(cx, 400, "INVALID_BODY", "give {\"role\": %s} and/or {\"disabled\": true|false}", role_list());
    } else if (self && (r != ROLE_ADMINISTRATOR || json_is_true(dis))) {
        reply_error(cx, 400, "INVALID_BODY", "an administrator cannot demote or disable their own account");
    } else if (!audit_txn_begin(cx)) {
        int d = dis ? json_is_true(dis) : a.disabled;
        int failed = accounts_set_role(cx->st, a.name, r) || accounts_set_disabled(cx->st, a.name, d) ||
                     ((d || r != a.role) && session_delete_account(cx->st, a.name));
        json_t *detail = json_pack("{ss ss sb sb}", "roleBefore", role_name(a.role), "role", role_name(r),
                                   "disabledBefore", a.disabled, "disabled", d);
        if (failed) {
            store_rollback(cx->st);
            json_decref(detail);
            reply_store_error(cx);
        } else if (audit_txn_commit(cx, "account-changed", a.name, detail)) {
            reply_store_error(cx);
        } else {
            accounts_get(cx->st, a.name, &a);
            reply_json(cx, 200, account_json(&a));
        }
    }
    json_decref(b);
}

void h_accounts_password(admin_ctx *cx)
{
    account a;
    if (path_account(cx, &a) || audit_txn_begin(cx))
        return;
    char pw[ACCOUNT_PASSWORD_LEN];
    if (accounts_reset_password(cx->st, a.name, pw) || session_delete_account(cx->st, a.name)) {
        store_rollback(cx->st);
        reply_store_error(cx);
    } else if (audit_txn_commit(cx, "password-reset", a.name, NULL)) {
        reply_store_error(cx);
    } else {
        reply_json(cx, 200, json_pack("{ss ss}", "user", a.name, "password", pw));
    }
}
