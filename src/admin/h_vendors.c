/* Vendors (API clients): list, create, contract data, credentials, stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "admin/vendor.h"
#include "util/timefmt.h"

#define DAY_MS 86400000LL

const char *vendor_status(const client *c)
{
    return c->stopped_all ? "stopped" : c->suspended ? "suspended" : c->expired ? "expired" : "active";
}

int path_vendor(admin_ctx *cx, client *c)
{
    int rc = clients_find(cx->st, cx->seg[1], c);
    if (rc == STORE_NOTFOUND)
        reply_error(cx, 404, "NOT_FOUND", "there is no vendor '%.100s'", cx->seg[1]);
    else if (rc == CLIENTS_AMBIGUOUS)
        reply_error(cx, 409, "CONFLICT", "more than one vendor is named '%.100s'; use its id", cx->seg[1]);
    else if (rc)
        reply_store_error(cx);
    return rc ? -1 : 0;
}

json_t *vendor_body(admin_ctx *cx, client *c, int optional)
{
    if (path_vendor(cx, c))
        return NULL;
    return optional && !cx->rq->bodylen ? json_object() : body_object(cx);
}

static int64_t scalar(store *st, const char *sql, const char *id, int64_t since, int *err)
{
    store_stmt *s;
    if (store_prepare(st, sql, &s)) {
        *err = 1;
        return 0;
    }
    store_bind_text(s, 1, id);
    if (since)
        store_bind_int(s, 2, since);
    int rc = store_step(s);
    int64_t v = rc == 1 && !store_col_is_null(s, 0) ? store_col_int(s, 0) : 0;
    if (rc < 0)
        *err = 1;
    store_finalize(s);
    return v;
}

static void add_vendor(void *ctx, const client *c, int64_t created)
{
    (void)created;
    json_array_append_new(ctx, json_pack("{ss ss ss sb}", "id", c->id, "name", c->name, "status", vendor_status(c),
                                         "fullAccess", c->full_access));
}

static json_t *opt_col(store_stmt *s, int i);

void h_vendors_list(admin_ctx *cx)
{
    json_t *items = json_array();
    int err = clients_list(cx->st, add_vendor, items) != STORE_OK || access_ledger_fold(cx->st) != STORE_OK;
    /* The figures after the listing: PostgreSQL runs one statement at a time. */
    int64_t since = time_now_ms() - 30 * DAY_MS;
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        json_object_set_new(v, "lastCall",
                            time_json(scalar(cx->st, "SELECT max(at) FROM request_log WHERE client=?", id, 0, &err)));
        json_object_set_new(v, "requests30d",
                            json_integer(scalar(cx->st, "SELECT count(*) FROM request_log WHERE client=? AND at>?", id,
                                                since, &err)));
        json_object_set_new(v, "persons30d",
                            json_integer(scalar(cx->st, "SELECT count(DISTINCT person) FROM ledger WHERE client=? AND last>?",
                                                id, since, &err)));
        store_stmt *q;
        if (!store_prepare(cx->st, "SELECT vendor FROM client WHERE id=?", &q)) {
            store_bind_text(q, 1, id);
            int rc = store_step(q);
            json_object_set_new(v, "vendor", rc == 1 ? opt_col(q, 0) : json_null());
            err |= rc < 0;
            store_finalize(q);
        } else {
            err = 1;
        }
        /* EGIL service providers are clients too; the list shows them beside the vendors. */
        if (!store_prepare(cx->st, "SELECT count(*) FROM provision_sp WHERE client=?", &q)) {
            store_bind_text(q, 1, id);
            int rc = store_step(q);
            json_object_set_new(v, "serviceProvider", json_boolean(rc == 1 && store_col_int(q, 0) > 0));
            err |= rc < 0;
            store_finalize(q);
        } else {
            err = 1;
        }
        json_object_set_new(v, "failingWebhooks",
                            json_integer(scalar(cx->st, "SELECT count(*) FROM subscription WHERE client=? AND failing<>0",
                                                id, 0, &err)));
    }
    if (err) {
        json_decref(items);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, json_pack("{so}", "items", items));
}

static json_t *opt_col(store_stmt *s, int i)
{
    return store_col_is_null(s, i) ? json_null() : json_string(store_col_text(s, i));
}

json_t *vendor_json(admin_ctx *cx, const client *c)
{
    json_t *o = json_pack("{ss ss ss sb so}", "id", c->id, "name", c->name, "status", vendor_status(c), "fullAccess",
                          c->full_access, "created", time_json(c->created));
    store_stmt *s;
    if (!store_prepare(cx->st, "SELECT vendor, contact, dpo, purpose, legal_basis, contract_end FROM client WHERE id=?",
                       &s)) {
        store_bind_text(s, 1, c->id);
        if (store_step(s) == 1) {
            static const char *const names[] = { "vendor", "contact", "dataProtectionContact", "purpose", "legalBasis",
                                                 "contractEnd" };
            for (int i = 0; i < 6; i++)
                json_object_set_new(o, names[i], opt_col(s, i));
        }
        store_finalize(s);
    }
    json_t *keys = json_array();
    if (!store_prepare(cx->st, "SELECT id, created, expires, revoked FROM client_key WHERE client=? ORDER BY created, id",
                       &s)) {
        store_bind_text(s, 1, c->id);
        while (store_step(s) == 1)
            json_array_append_new(keys, json_pack("{ss so so so}", "keyId", store_col_text(s, 0), "created",
                                                  time_json(store_col_int(s, 1)), "expires",
                                                  time_json(store_col_is_null(s, 2) ? 0 : store_col_int(s, 2)),
                                                  "revoked", time_json(store_col_is_null(s, 3) ? 0 : store_col_int(s, 3))));
        store_finalize(s);
    }
    json_object_set_new(o, "keys", keys);
    json_t *hooks = json_array();
    if (!store_prepare(cx->st, "SELECT id, name, target, failing, last_error FROM subscription WHERE client=? ORDER BY id",
                       &s)) {
        store_bind_text(s, 1, c->id);
        while (store_step(s) == 1)
            json_array_append_new(hooks, json_pack("{ss ss ss sb so}", "id", store_col_text(s, 0), "name",
                                                   store_col_text(s, 1), "target", store_col_text(s, 2), "failing",
                                                   store_col_int(s, 3) != 0, "lastError", opt_col(s, 4)));
        store_finalize(s);
    }
    json_object_set_new(o, "webhooks", hooks);
    json_t *ev = json_array();
    if (!store_prepare(cx->st, "SELECT at, what FROM access_event WHERE client=? ORDER BY seq DESC LIMIT 100", &s)) {
        store_bind_text(s, 1, c->id);
        while (store_step(s) == 1)
            json_array_append_new(ev, json_pack("{so ss}", "at", time_json(store_col_int(s, 0)), "what",
                                                store_col_text(s, 1)));
        store_finalize(s);
    }
    json_object_set_new(o, "events", ev);
    return o;
}

/* The contract fields of a body into d; -1 with a 400 sent. */
static int parse_details(admin_ctx *cx, json_t *b, client_details *d)
{
    int bad = 0;
    memset(d, 0, sizeof *d);
    d->vendor = member_str(b, "vendor", &bad);
    d->contact = member_str(b, "contact", &bad);
    d->dpo = member_str(b, "dataProtectionContact", &bad);
    d->purpose = member_str(b, "purpose", &bad);
    d->legal_basis = member_str(b, "legalBasis", &bad);
    d->contract_end = member_str(b, "contractEnd", &bad);
    static const char *const known[] = { "name", "vendor", "contact", "dataProtectionContact", "purpose", "legalBasis",
                                         "contractEnd" };
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        size_t i = 0;
        while (i < sizeof known / sizeof *known && strcmp(known[i], k))
            i++;
        if (i == sizeof known / sizeof *known) {
            reply_error(cx, 400, "INVALID_BODY", "unknown member '%.64s' (see docs/admin-api.md, Vendors)", k);
            return -1;
        }
        if (json_is_string(v) && strlen(json_string_value(v)) > 2000) {
            reply_error(cx, 400, "INVALID_BODY", "'%s' is longer than 2000 characters", k);
            return -1;
        }
    }
    if (bad) {
        reply_error(cx, 400, "INVALID_BODY", "the contract fields are strings (or null)");
        return -1;
    }
    if (d->contract_end && *d->contract_end && time_parse_date(d->contract_end)) {
        reply_error(cx, 400, "INVALID_BODY", "contractEnd must be a date YYYY-MM-DD, not '%.40s'", d->contract_end);
        return -1;
    }
    return 0;
}

void h_vendors_create(admin_ctx *cx)
{
    json_t *b = body_object(cx);
    if (!b)
        return;
    int bad = 0;
    const char *name = member_str(b, "name", &bad);
    client_details d;
    if (bad || !name || !*name || strlen(name) > 127) {
        reply_error(cx, 400, "INVALID_BODY", "\"name\" is required: 1 to 127 characters");
    } else if (!parse_details(cx, b, &d) && !audit_txn_begin(cx)) {
        char id[UUID_STR_LEN], key[CLIENT_KEY_LEN], kid[CLIENT_KEYID_LEN] = "";
        int failed = clients_add(cx->st, name, 0, id, key) || clients_set_details(cx->st, id, &d) ||
                     clients_event(cx->st, id, "created from the admin UI");
        store_stmt *s;
        if (!failed && !store_prepare(cx->st, "SELECT id FROM client_key WHERE client=?", &s)) {
            store_bind_text(s, 1, id);
            if (store_step(s) == 1)
                snprintf(kid, sizeof kid, "%s", store_col_text(s, 0));
            store_finalize(s);
        }
        if (failed) {
            store_rollback(cx->st);
            reply_store_error(cx);
        } else if (audit_txn_commit(cx, "vendor-created", id, json_pack("{ss}", "name", name))) {
            reply_store_error(cx);
        } else {
            reply_json(cx, 201, json_pack("{ss ss ss ss}", "id", id, "name", name, "key", key, "keyId", kid));
        }
    }
    json_decref(b);
}

void h_vendor_get(admin_ctx *cx)
{
    client c;
    if (!path_vendor(cx, &c))
        reply_json(cx, 200, vendor_json(cx, &c));
}

void h_vendor_patch(admin_ctx *cx)
{
    client c;
    json_t *b = vendor_body(cx, &c, 0);
    if (!b)
        return;
    client_details d;
    if (json_object_get(b, "name")) {
        reply_error(cx, 400, "INVALID_BODY", "a vendor's name cannot be changed here");
    } else if (!parse_details(cx, b, &d) && !audit_txn_begin(cx)) {
        /* A null member clears the field: clients_set_details clears on "". */
        static const char *const names[] = { "vendor", "contact", "dataProtectionContact", "purpose", "legalBasis",
                                             "contractEnd" };
        const char **slots[] = { &d.vendor, &d.contact, &d.dpo, &d.purpose, &d.legal_basis, &d.contract_end };
        for (int i = 0; i < 6; i++)
            if (json_is_null(json_object_get(b, names[i])))
                *slots[i] = "";
        if (clients_set_details(cx->st, c.id, &d) || clients_event(cx->st, c.id, "contract data changed")) {
            store_rollback(cx->st);
            reply_store_error(cx);
        } else if (audit_txn_commit(cx, "vendor-changed", c.id, json_incref(b))) {
            reply_store_error(cx);
        } else {
            clients_find(cx->st, c.id, &c);
            reply_json(cx, 200, vendor_json(cx, &c));
        }
    }
    json_decref(b);
}

/* A key for the vendor: expires_ms 0 never; grace_ms >= 0: a rotation. */
static void new_key(admin_ctx *cx, const client *c, int64_t expires_ms, int64_t grace_ms)
{
    if (audit_txn_begin(cx))
        return;
    char key[CLIENT_KEY_LEN], kid[CLIENT_KEYID_LEN];
    int failed = clients_add_key(cx->st, c->id, expires_ms, key, kid) ||
                 (grace_ms >= 0 && clients_expire_keys(cx->st, c->id, kid, time_now_ms() + grace_ms)) ||
                 clients_event(cx->st, c->id, grace_ms >= 0 ? "key rotated" : "key created");
    json_t *detail = json_pack("{ss}", "keyId", kid);
    if (grace_ms >= 0)
        json_object_set_new(detail, "graceSeconds", json_integer(grace_ms / 1000));
    if (failed) {
        store_rollback(cx->st);
        json_decref(detail);
        reply_store_error(cx);
    } else if (audit_txn_commit(cx, grace_ms >= 0 ? "key-rotated" : "key-created", c->id, detail)) {
        reply_store_error(cx);
    } else {
        reply_json(cx, 201, json_pack("{ss ss}", "keyId", kid, "key", key));
    }
}

void h_vendor_key_add(admin_ctx *cx)
{
    client c;
    json_t *b = vendor_body(cx, &c, 1);
    if (!b)
        return;
    int bad = 0;
    const char *exp = member_str(b, "expiresAt", &bad);
    int64_t ms = 0;
    if (bad || (exp && time_parse_datetime(exp, &ms)) || (exp && ms <= time_now_ms()))
        reply_error(cx, 400, "INVALID_BODY", "expiresAt must be a future RFC 3339 date-time (or null: never)");
    else
        new_key(cx, &c, ms, -1);
    json_decref(b);
}

void h_vendor_key_rotate(admin_ctx *cx)
{
    client c;
    json_t *b = vendor_body(cx, &c, 1);
    if (!b)
        return;
    json_t *g = json_object_get(b, "graceSeconds");
    if (g && (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) > 90LL * 86400))
        reply_error(cx, 400, "INVALID_BODY", "graceSeconds must be a whole number of seconds from 0 to 7776000");
    else
        new_key(cx, &c, 0, (g ? json_integer_value(g) : 86400) * 1000);
    json_decref(b);
}

void h_vendor_key_revoke(admin_ctx *cx)
{
    client c;
    if (path_vendor(cx, &c) || audit_txn_begin(cx))
        return;
    const char *kid = cx->seg[3];
    int rc = strlen(kid) < CLIENT_KEYID_LEN ? clients_revoke_key(cx->st, c.id, kid) : STORE_NOTFOUND;
    if (rc == STORE_OK)
        rc = clients_event(cx->st, c.id, "key revoked");
    if (rc) {
        store_rollback(cx->st);
        if (rc == STORE_NOTFOUND)
            reply_error(cx, 404, "NOT_FOUND", "the vendor has no unrevoked key '%.40s'", kid);
        else
            reply_store_error(cx);
    } else if (audit_txn_commit(cx, "key-revoked", c.id, json_pack("{ss}", "keyId", kid))) {
        reply_store_error(cx);
    } else {
        reply_json(cx, 200, json_pack("{ss so}", "keyId", kid, "revoked", time_json(time_now_ms())));
    }
}

static void set_suspended(admin_ctx *cx, int on)
{
    client c;
    if (path_vendor(cx, &c))
        return;
    json_t *b = NULL;
    if (on) {
        if (!(b = body_object(cx)))
            return;
        int bad = 0;
        const char *confirm = member_str(b, "confirm", &bad);
        if (!confirm || strcmp(confirm, c.name)) {
            reply_error(cx, 400, "CONFIRMATION_REQUIRED", "to stop this vendor, send {\"confirm\": \"%s\"} (its exact name)",
                        c.name);
            json_decref(b);
            return;
        }
    }
    if (!audit_txn_begin(cx)) {
        if (clients_set_suspended(cx->st, c.id, on) ||
            clients_event(cx->st, c.id, on ? "suspended (emergency stop)" : "resumed")) {
            store_rollback(cx->st);
            reply_store_error(cx);
        } else if (audit_txn_commit(cx, on ? "vendor-stopped" : "vendor-resumed", c.id, NULL)) {
            reply_store_error(cx);
        } else {
            clients_find(cx->st, c.id, &c);
            reply_json(cx, 200, vendor_json(cx, &c));
        }
    }
    json_decref(b);
}

void h_vendor_stop(admin_ctx *cx)
{
    set_suspended(cx, 1);
}

void h_vendor_resume(admin_ctx *cx)
{
    set_suspended(cx, 0);
}

static int global_stopped(store *st)
{
    char *v = NULL;
    int on = store_setting_get(st, "stop_all", &v) == STORE_OK && !strcmp(v, "1");
    free(v);
    return on;
}

void h_global_stop_get(admin_ctx *cx)
{
    reply_json(cx, 200, json_pack("{sb}", "globalStop", global_stopped(cx->st)));
}

void h_global_stop_set(admin_ctx *cx)
{
    json_t *b = body_object(cx);
    if (!b)
        return;
    json_t *on = json_object_get(b, "on");
    int bad = 0;
    const char *confirm = member_str(b, "confirm", &bad);
    if (!json_is_boolean(on)) {
        reply_error(cx, 400, "INVALID_BODY", "give {\"on\": true|false}");
    } else if (json_is_true(on) && (!confirm || strcmp(confirm, "STOP ALL"))) {
        reply_error(cx, 400, "CONFIRMATION_REQUIRED", "to stop every vendor, send {\"on\": true, \"confirm\": \"STOP ALL\"}");
    } else if (!audit_txn_begin(cx)) {
        int o = json_is_true(on);
        if (clients_stop_all(cx->st, o) ||
            clients_event(cx->st, NULL, o ? "emergency stop of all clients" : "all clients resumed")) {
            store_rollback(cx->st);
            reply_store_error(cx);
        } else if (audit_txn_commit(cx, o ? "global-stop" : "global-resume", NULL, NULL)) {
            reply_store_error(cx);
        } else {
            reply_json(cx, 200, json_pack("{sb}", "globalStop", o));
        }
    }
    json_decref(b);
}
