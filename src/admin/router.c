/*
 * The admin API's router: one table of routes, each with the roles it
 * admits. Every request goes through the same gate, in this order: the
 * session (unless the route is public), the role, and for anything but
 * GET the CSRF token; only then the handler runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/csrf.h"
#include "admin/handler.h"
#include "admin/roles.h"

enum { R_PUBLIC = 1u << 0 }; /* no session needed (login, OIDC) */

typedef struct route {
    const char *method;
    const char *pattern; /* segments; "*" matches one */
    unsigned roles;
    unsigned flags;
    admin_fn fn;
} route;

#define ADM ROLE_ADMINISTRATOR
#define AM ROLE_ACCESS_MANAGER
#define VW ROLE_VIEWER
#define DPO ROLE_DPO

static const route routes[] = {
    { "POST", "/login", ROLE_ALL, R_PUBLIC, h_login },
    { "POST", "/logout", ROLE_ALL, 0, h_logout },
    { "GET", "/me", ROLE_ALL, 0, h_me },
    { "GET", "/meta", ROLE_ALL, 0, h_meta },
    { "GET", "/oidc", ROLE_ALL, R_PUBLIC, h_oidc_info },
    { "GET", "/oidc/start", ROLE_ALL, R_PUBLIC, h_oidc_start },
    { "GET", "/oidc/callback", ROLE_ALL, R_PUBLIC, h_oidc_callback },

    /* The tree is the permission editor's too (access managers). */
    { "GET", "/explorer/organisations", ADM | VW | AM, 0, h_explorer_orgs },
    { "GET", "/explorer/organisations/*", ADM | VW, 0, h_explorer_org },
    { "GET", "/explorer/organisations/*/*", ADM | VW, 0, h_explorer_org_list },
    { "GET", "/explorer/persons", ADM | VW, 0, h_explorer_persons },
    { "GET", "/explorer/persons/*", ADM | VW, 0, h_explorer_person },
    { "GET", "/explorer/entities/*/*", ADM | VW, 0, h_explorer_entity },

    { "GET", "/vendors", ADM | AM, 0, h_vendors_list },
    { "POST", "/vendors", ADM | AM, 0, h_vendors_create },
    { "GET", "/vendors/*", ADM | AM, 0, h_vendor_get },
    { "PATCH", "/vendors/*", ADM | AM, 0, h_vendor_patch },
    { "POST", "/vendors/*/keys", ADM | AM, 0, h_vendor_key_add },
    { "POST", "/vendors/*/keys/rotate", ADM | AM, 0, h_vendor_key_rotate },
    { "POST", "/vendors/*/keys/*/revoke", ADM | AM, 0, h_vendor_key_revoke },
    { "GET", "/vendors/*/permissions", ADM | AM, 0, h_permissions_get },
    { "PUT", "/vendors/*/permissions", ADM | AM, 0, h_permissions_put },
    { "POST", "/vendors/*/permissions/preview", ADM | AM, 0, h_permissions_preview },
    { "POST", "/vendors/*/stop", ADM | AM, 0, h_vendor_stop },
    { "POST", "/vendors/*/resume", ADM | AM, 0, h_vendor_resume },
    { "GET", "/vendors/*/view-as", ADM | AM, 0, h_view_as },
    { "GET", "/stop", ADM | AM, 0, h_global_stop_get },
    { "POST", "/stop", ADM | AM, 0, h_global_stop_set },

    { "GET", "/sources", ADM, 0, h_sources_list },
    { "GET", "/sources/*/runs", ADM, 0, h_source_runs },
    { "POST", "/sources/*/pull", ADM, 0, h_source_pull },
    { "POST", "/sources/*/import", ADM, 0, h_source_import },
    { "GET", "/held", ADM, 0, h_held_list },
    { "POST", "/held/*/approve", ADM, 0, h_held_approve },
    { "POST", "/held/*/discard", ADM, 0, h_held_discard },

    { "GET", "/quality", ADM | VW, 0, h_quality },
    { "GET", "/audit/requests", ADM | DPO, 0, h_audit_requests },
    { "GET", "/audit/ledger/*", ADM | DPO, 0, h_audit_ledger },
    { "GET", "/reports", ADM | DPO, 0, h_reports },
    { "GET", "/admin-audit", ADM | DPO, 0, h_admin_audit },

    { "GET", "/accounts", ADM, 0, h_accounts_list },
    { "POST", "/accounts", ADM, 0, h_accounts_create },
    { "PATCH", "/accounts/*", ADM, 0, h_accounts_patch },
    { "POST", "/accounts/*/password", ADM, 0, h_accounts_password },
};

void admin_response_init(admin_response *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->status = 200;
    buf_init(&rs->body);
}

void admin_response_free(admin_response *rs)
{
    buf_free(&rs->body);
    for (int i = 0; i < rs->nheaders; i++) {
        free(rs->hname[i]);
        free(rs->hvalue[i]);
    }
    rs->nheaders = 0;
}

void admin_response_header(admin_response *rs, const char *name, const char *value)
{
    if (rs->nheaders == ADMIN_MAX_HEADERS)
        return;
    rs->hname[rs->nheaders] = xstrdup(name);
    rs->hvalue[rs->nheaders++] = xstrdup(value);
}

/* Splits the path into decoded segments; -1 when there are too many. */
static int split(admin_ctx *cx, const char *path)
{
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (cx->nseg == ADMIN_MAX_SEGS)
            return -1;
        cx->seg[cx->nseg++] = url_decode(p, n);
        p += n;
    }
    return 0;
}

static int matches(const admin_ctx *cx, const char *pattern)
{
    int i = 0;
    const char *p = pattern;
    while (*p) {
        p++; /* the '/' */
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (i >= cx->nseg)
            return 0;
        if (!(n == 1 && *p == '*') && (strlen(cx->seg[i]) != n || strncmp(cx->seg[i], p, n)))
            return 0;
        i++;
        p += n;
    }
    return i == cx->nseg;
}

/* The signed-in session, or an error reply; 0 when signed in. */
static int sign_in(admin_ctx *cx)
{
    char id[SESSION_ID_LEN];
    if (!session_cookie_value(cx->rq->cookie, id)) {
        reply_error(cx, 401, "UNAUTHORIZED", "sign in first: POST /admin/api/login");
        return -1;
    }
    int rc = session_lookup(cx->st, id, &cx->cfg, &cx->sess);
    if (rc == SESSION_EXPIRED) {
        reply_error(cx, 401, "SESSION_EXPIRED", "the session has expired; sign in again");
        return -1;
    }
    if (rc == STORE_OK)
        rc = accounts_get(cx->st, cx->sess.account, &cx->acct);
    if (rc == STORE_ERR) {
        reply_store_error(cx);
        return -1;
    }
    if (rc != STORE_OK || cx->acct.disabled || !cx->acct.role) {
        reply_error(cx, 401, "UNAUTHORIZED", "the session is not valid; sign in again");
        return -1;
    }
    cx->signed_in = 1;
    return 0;
}

void admin_handle(store *st, const admin_request *rq, admin_response *rs)
{
    admin_ctx cx = { .st = st, .rq = rq, .rs = rs };
    admin_settings_load(st, &cx.cfg);
    if (split(&cx, rq->path)) {
        reply_error(&cx, 404, "NOT_FOUND", "no admin API endpoint has this path");
        goto done;
    }
    const route *hit = NULL;
    char allow[128] = "";
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        if (!matches(&cx, routes[i].pattern))
            continue;
        if (!strcmp(routes[i].method, rq->method) || (!strcmp(rq->method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
            hit = &routes[i];
            break;
        }
        if (strlen(allow) + strlen(routes[i].method) + 3 < sizeof allow)
            snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s", *allow ? ", " : "",
                     routes[i].method);
    }
    if (!hit) {
        if (*allow) {
            admin_response_header(rs, "Allow", allow);
            reply_error(&cx, 405, "METHOD_NOT_ALLOWED", "use %s on this path", allow);
        } else {
            reply_error(&cx, 404, "NOT_FOUND", "no admin API endpoint has this path (see docs/admin-api.md)");
        }
        goto done;
    }
    if (!(hit->flags & R_PUBLIC)) {
        if (sign_in(&cx))
            goto done;
        if (!(hit->roles & cx.acct.role)) {
            reply_error(&cx, 403, "FORBIDDEN", "the role %s may not use %s %s", role_name(cx.acct.role), rq->method,
                        hit->pattern);
            goto done;
        }
        if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD") && csrf_check(cx.sess.id, rq->csrf)) {
            reply_error(&cx, 403, "CSRF_TOKEN_INVALID", "send the session's CSRF token in the " CSRF_HEADER
                        " header (GET /admin/api/me returns it)");
            goto done;
        }
    }
    hit->fn(&cx);
done:
    for (int i = 0; i < cx.nseg; i++)
        free(cx.seg[i]);
}
