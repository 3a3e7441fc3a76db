/* The permission editor: a vendor's grant read and replaced as one object. */
#include <stdlib.h>
#include <string.h>

#include "admin/vendor.h"
#include "model/model.h"
#include "util/uuid.h"

static const char *const protect_names[] = { "exclude", "alias", "full" };

void grant_spec_free(grant_spec *g)
{
    for (size_t i = 0; i < g->norgs; i++)
        free(g->orgs[i]);
    free(g->orgs);
    memset(g, 0, sizeof *g);
}

static void add_org(void *ctx, const char *org)
{
    grant_spec *g = ctx;
    g->orgs = xrealloc(g->orgs, (g->norgs + 1) * sizeof *g->orgs);
    g->orgs[g->norgs++] = xstrdup(org);
}

int grant_read(store *st, const client *c, grant_spec *g)
{
    memset(g, 0, sizeof *g);
    g->all_orgs = c->all_orgs;
    g->cats = c->cats | 1u << CAT_STANDARD;
    g->protect = c->protect;
    g->pseudonyms = c->pseudonyms;
    g->writes = c->writes;
    return clients_orgs(st, c->id, add_org, g);
}

json_t *grant_json(const grant_spec *g)
{
    json_t *orgs = json_array(), *cats = json_array();
    for (size_t i = 0; i < g->norgs; i++)
        json_array_append_new(orgs, json_string(g->orgs[i]));
    for (int i = 0; i < CAT__COUNT; i++)
        if (g->cats & (1u << i))
            json_array_append_new(cats, json_string(model_category_name(i)));
    return json_pack("{sb so so ss sb sb}", "allOrganisations", g->all_orgs, "organisations", orgs, "categories", cats,
                     "protectedIdentities", protect_names[g->protect], "pseudonyms", g->pseudonyms, "writes", g->writes);
}

int grant_parse(admin_ctx *cx, json_t *o, grant_spec *g)
{
    memset(g, 0, sizeof *g);
    json_t *all = json_object_get(o, "allOrganisations"), *orgs = json_object_get(o, "organisations"),
           *cats = json_object_get(o, "categories"), *prot = json_object_get(o, "protectedIdentities"),
           *ps = json_object_get(o, "pseudonyms"), *wr = json_object_get(o, "writes");
    if (!json_is_boolean(all) || !json_is_array(orgs) || !json_is_array(cats) || !json_is_string(prot) ||
        !json_is_boolean(ps) || !json_is_boolean(wr) || json_object_size(o) != 6) {
        reply_error(cx, 400, "INVALID_BODY", "give exactly {\"allOrganisations\": bool, \"organisations\": [ids], "
                                             "\"categories\": [names], \"protectedIdentities\": \"exclude\"|\"alias\"|\"full\", "
                                             "\"pseudonyms\": bool, \"writes\": bool}");
        return -1;
    }
    if (json_array_size(orgs) > GRANT_MAX_ORGS) {
        reply_error(cx, 400, "INVALID_BODY", "at most %d organisations", GRANT_MAX_ORGS);
        return -1;
    }
    g->all_orgs = json_is_true(all);
    g->pseudonyms = json_is_true(ps);
    g->writes = json_is_true(wr);
    g->protect = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(json_string_value(prot), protect_names[i]))
            g->protect = i;
    if (g->protect < 0) {
        reply_error(cx, 400, "INVALID_BODY", "protectedIdentities must be exclude, alias or full");
        return -1;
    }
    g->cats = 1u << CAT_STANDARD;
    size_t i;
    json_t *v;
    json_array_foreach(cats, i, v) {
        int c = json_is_string(v) ? model_category_by_name(json_string_value(v)) : -1;
        if (c < 0) {
            reply_error(cx, 400, "INVALID_BODY", "unknown category '%.64s' (GET /admin/api/meta lists them)",
                        json_is_string(v) ? json_string_value(v) : "(not a string)");
            return -1;
        }
        g->cats |= 1u << c;
    }
    json_array_foreach(orgs, i, v) {
        const char *id = json_string_value(v);
        char low[UUID_STR_LEN];
        if (!id || uuid_valid(id)) {
            reply_error(cx, 400, "INVALID_BODY", "organisations must be organisation ids (UUIDs)");
            grant_spec_free(g);
            return -1;
        }
        uuid_lower(id, low);
        int rc = store_entity_exists(cx->st, K_ORGANISATION, low);
        if (rc != STORE_OK) {
            if (rc != STORE_NOTFOUND)
                reply_store_error(cx);
            else
                reply_error(cx, 400, "INVALID_BODY", "there is no organisation %s", low);
            grant_spec_free(g);
            return -1;
        }
        int dup = 0;
        for (size_t j = 0; j < g->norgs; j++)
            dup |= !strcmp(g->orgs[j], low);
        if (!dup)
            add_org(g, low);
    }
    return 0;
}

int grant_replace(store *st, const char *client_id, const grant_spec *g)
{
    grant_spec old = { 0 };
    client c;
    if (clients_find(st, client_id, &c) || grant_read(st, &c, &old))
        return STORE_ERR;
    int rc = clients_revoke(st, client_id, 1, (const char *const *)old.orgs, old.norgs, ~0u) ||
             clients_grant(st, client_id, g->all_orgs, (const char *const *)g->orgs, g->norgs, g->cats, g->protect,
                           g->pseudonyms, g->writes);
    grant_spec_free(&old);
    return rc ? STORE_ERR : STORE_OK;
}

void h_permissions_get(admin_ctx *cx)
{
    client c;
    grant_spec g;
    if (path_vendor(cx, &c))
        return;
    if (grant_read(cx->st, &c, &g)) {
        grant_spec_free(&g);
        reply_store_error(cx);
        return;
    }
    reply_json(cx, 200, grant_json(&g));
    grant_spec_free(&g);
}

int grant_request(admin_ctx *cx, client *c, grant_spec *g, grant_spec *old)
{
    json_t *b = vendor_body(cx, c, 0);
    if (!b)
        return -1;
    int rc = grant_parse(cx, b, g);
    json_decref(b);
    if (rc)
        return -1;
    if (grant_read(cx->st, c, old)) {
        grant_spec_free(old);
        grant_spec_free(g);
        reply_store_error(cx);
        return -1;
    }
    return 0;
}

void h_permissions_put(admin_ctx *cx)
{
    client c;
    grant_spec g, old;
    if (!grant_request(cx, &c, &g, &old)) {
        if (!audit_txn_begin(cx)) {
            json_t *detail = json_pack("{so so}", "before", grant_json(&old), "after", grant_json(&g));
            if (grant_replace(cx->st, c.id, &g) || clients_event(cx->st, c.id, "grant changed in the admin UI")) {
                store_rollback(cx->st);
                json_decref(detail);
                reply_store_error(cx);
            } else if (audit_txn_commit(cx, "grant-changed", c.id, detail)) {
                reply_store_error(cx);
            } else {
                reply_json(cx, 200, grant_json(&g));
            }
        }
        grant_spec_free(&old);
        grant_spec_free(&g);
    }
}
