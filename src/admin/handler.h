/*
 * What the endpoint handlers share: the request context the router builds
 * (the signed-in account, the path's segments) and the reply helpers.
 */
#ifndef SKOLNAV_ADMIN_HANDLER_H
#define SKOLNAV_ADMIN_HANDLER_H

#include <jansson.h>
#include <stdint.h>

#include "admin/accounts.h"
#include "admin/admin.h"
#include "admin/sessions.h"

#define ADMIN_MAX_SEGS 8

typedef struct admin_ctx {
    store *st;
    const admin_request *rq;
    admin_response *rs;
    admin_settings cfg;
    int signed_in;
    account acct;      /* the signed-in account */
    session sess;
    char *seg[ADMIN_MAX_SEGS]; /* the path's segments, decoded */
    int nseg;
} admin_ctx;

typedef void (*admin_fn)(admin_ctx *cx);

/* ---- replies (reply.c) */
/* Sends o (stolen) with the status. */
void reply_json(admin_ctx *cx, int status, json_t *o);
void reply_empty(admin_ctx *cx, int status);
/* An error body {"code", "message"}. */
void reply_error(admin_ctx *cx, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 500 with the store's message logged. */
void reply_store_error(admin_ctx *cx);

/* The body as a JSON object, or NULL with a 400 sent. */
json_t *body_object(admin_ctx *cx);
/* A query parameter, decoded (malloc'd), or NULL. */
char *query_param(const admin_ctx *cx, const char *name);
/* offset and limit (defaults 0 and 50, limit 1..500); -1 with a 400 sent. */
int paging(admin_ctx *cx, long *offset, long *limit);
/* {"items", "offset", "limit", "total"} */
json_t *page_json(json_t *items, long offset, long limit, int64_t total);
/* An RFC 3339 string, or null for 0. */
json_t *time_json(int64_t ms);
/* A string member of o, or NULL; *bad = 1 when present and not a string. */
const char *member_str(json_t *o, const char *name, int *bad);
/* Percent-decodes s (malloc'd). */
char *url_decode(const char *s, size_t n);

/* Runs work inside a transaction with the audit row; 0 when committed. */
int audit_txn_begin(admin_ctx *cx);
int audit_txn_commit(admin_ctx *cx, const char *action, const char *target, json_t *detail);

/* Creates the session of cx->acct with its audit row and sets the cookie
 * (password login and OIDC); -1 with a reply sent. */
int admin_start_session(admin_ctx *cx, const char *via);

/* ---- handlers, per screen */
void h_login(admin_ctx *cx);
void h_logout(admin_ctx *cx);
void h_me(admin_ctx *cx);
void h_meta(admin_ctx *cx);

void h_oidc_info(admin_ctx *cx);
void h_oidc_start(admin_ctx *cx);
void h_oidc_callback(admin_ctx *cx);

void h_accounts_list(admin_ctx *cx);
void h_accounts_create(admin_ctx *cx);
void h_accounts_patch(admin_ctx *cx);
void h_accounts_password(admin_ctx *cx);
void h_admin_audit(admin_ctx *cx);

void h_explorer_orgs(admin_ctx *cx);
void h_explorer_org(admin_ctx *cx);
void h_explorer_org_list(admin_ctx *cx);
void h_explorer_persons(admin_ctx *cx);
void h_explorer_person(admin_ctx *cx);
void h_explorer_entity(admin_ctx *cx);

void h_vendors_list(admin_ctx *cx);
void h_vendors_create(admin_ctx *cx);
void h_vendor_get(admin_ctx *cx);
void h_vendor_patch(admin_ctx *cx);
void h_vendor_key_add(admin_ctx *cx);
void h_vendor_key_rotate(admin_ctx *cx);
void h_vendor_key_revoke(admin_ctx *cx);
void h_vendor_stop(admin_ctx *cx);
void h_vendor_resume(admin_ctx *cx);
void h_global_stop_get(admin_ctx *cx);
void h_global_stop_set(admin_ctx *cx);
void h_permissions_get(admin_ctx *cx);
void h_permissions_put(admin_ctx *cx);
void h_permissions_preview(admin_ctx *cx);
void h_view_as(admin_ctx *cx);

void h_sources_list(admin_ctx *cx);
void h_source_runs(admin_ctx *cx);
void h_held_list(admin_ctx *cx);
void h_held_approve(admin_ctx *cx);
void h_held_discard(admin_ctx *cx);
void h_source_pull(admin_ctx *cx);
void h_source_import(admin_ctx *cx);

void h_quality(admin_ctx *cx);
void h_audit_requests(admin_ctx *cx);
void h_audit_ledger(admin_ctx *cx);
void h_reports(admin_ctx *cx);

#endif
