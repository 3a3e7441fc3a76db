/*
 * POST /vendors/{id}/permissions/preview: what a grant change would give
 * and take away, counted by the same scope SQL that serves the vendor
 * (sql_scope), so the numbers are what the API would return. The
 * hypothetical grants need organisation rows to scope by; they are written
 * under made-up client ids inside a transaction that is always rolled back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/vendor.h"
#include "model/model.h"
#include "store/sql_query.h"

/* Kinds a vendor lists that are stored as entities. */
static int counted(int k)
{
    return (model_kind(k)->ops & OP_LIST) && k != K_SUBSCRIPTION && k != K_AGGREGATEDATTENDANCE;
}

static void scope_of(const grant_spec *g, const char *client_id, query_scope *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->client = client_id;
    sc->all_orgs = g->all_orgs;
    sc->cats = g->cats | 1u << CAT_STANDARD;
    sc->exclude_protected = g->protect == PROTECT_EXCLUDE;
    sc->alias_protected = g->protect == PROTECT_ALIAS;
}

static int put_orgs(store *st, const char *client_id, char *const *orgs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        store_stmt *s;
        if (store_prepare(st, "INSERT INTO client_org(client, org) VALUES (?, ?) ON CONFLICT DO NOTHING", &s))
            return -1;
        store_bind_text(s, 1, client_id);
        store_bind_text(s, 2, orgs[i]);
        int rc = store_step(s);
        store_finalize(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Entities of kind k inside a and not inside b. */
static int64_t count_diff(store *st, int k, const query_scope *a, const query_scope *b, int *err)
{
    sqlq q;
    sqlq_init(&q, 0);
    buf_printf(&q.sql, "SELECT count(*) FROM entity e WHERE e.kind=%d AND ", k);
    sql_scope(a, k, "e.id", &q);
    buf_adds(&q.sql, " AND NOT ");
    sql_scope(b, k, "e.id", &q);
    store_stmt *s;
    int64_t n = 0;
    if (store_prepare(st, buf_cstr(&q.sql), &s)) {
        *err = 1;
        sqlq_free(&q);
        return 0;
    }
    for (size_t i = 0; i < q.nb; i++) {
        const sql_bind *bd = &q.b[i];
        if (bd->t == B_TEXT)
            store_bind_text(s, (int)i + 1, bd->s);
        else if (bd->t == B_INT)
            store_bind_int(s, (int)i + 1, bd->i);
        else
            store_bind_blob(s, (int)i + 1, bd->b, bd->blen);
    }
    int rc = store_step(s);
    if (rc == 1)
        n = store_col_int(s, 0);
    else
        *err = 1;
    store_finalize(s);
    sqlq_free(&q);
    return n;
}

static json_t *diff_counts(store *st, const query_scope *a, const query_scope *b, int *err)
{
    json_t *o = json_object();
    for (int k = 0; k < K__COUNT && !*err; k++)
        if (counted(k))
            json_object_set_new(o, model_kind(k)->path, json_integer(count_diff(st, k, a, b, err)));
    return o;
}

static int has(const grant_spec *g, const char *org)
{
    for (size_t i = 0; i < g->norgs; i++)
        if (!strcmp(g->orgs[i], org))
            return 1;
    return 0;
}

static json_t *field_diff(uint32_t a, uint32_t b)
{
    json_t *o = json_array();
    for (int k = 0; k < K__COUNT; k++) {
        const kind_desc *kd = model_kind(k);
        if (!counted(k))
            continue;
        for (const field *f = kd->fields; f->name; f++) {
            int ca = f->cat == CAT_STANDARD || (a & (1u << f->cat)), cb = f->cat == CAT_STANDARD || (b & (1u << f->cat));
            int ka = kd->cat == CAT_STANDARD || (a & (1u << kd->cat)) || (k == K_PERSON && (a & CAT_PERSON_ROLES));
            if (f->cat != CAT_STANDARD && ca && !cb && ka) {
                char n[160];
                snprintf(n, sizeof n, "%s.%s", kd->path, f->name);
                json_array_append_new(o, json_string(n));
            }
        }
    }
    return o;
}

static json_t *cat_diff(uint32_t a, uint32_t b)
{
    json_t *o = json_array();
    for (int i = 0; i < CAT__COUNT; i++)
        if ((a & (1u << i)) && !(b & (1u << i)))
            json_array_append_new(o, json_string(model_category_name(i)));
    return o;
}

static json_t *org_name(store *st, const char *id)
{
    store_stmt *s;
    json_t *v = json_null();
    if (!store_prepare(st, "SELECT coalesce(display, '') FROM entity WHERE kind=? AND id=?", &s)) {
        store_bind_int(s, 1, K_ORGANISATION);
        store_bind_text(s, 2, id);
        if (store_step(s) == 1) {
            json_decref(v);
            v = json_string(store_col_text(s, 0));
        }
        store_finalize(s);
    }
    return v;
}

static json_t *preview(store *st, const grant_spec *old, const grant_spec *new_, int *err)
{
    static const char OLD[] = "admin-preview-old", NEW[] = "admin-preview-new";
    query_scope so, sn;
    scope_of(old, OLD, &so);
    scope_of(new_, NEW, &sn);
    if (put_orgs(st, OLD, old->orgs, old->norgs) || put_orgs(st, NEW, new_->orgs, new_->norgs)) {
        *err = 1;
        return NULL;
    }
    json_t *totals = json_pack("{so so}", "gained", diff_counts(st, &sn, &so, err), "lost",
                               diff_counts(st, &so, &sn, err));
    /* Per school: what reaches the vendor through this one organisation. */
    json_t *schools = json_array();
    grant_spec both = { 0 };
    char *const *lists[2] = { old->orgs, new_->orgs };
    size_t ns[2] = { old->norgs, new_->norgs };
    for (int l = 0; l < 2; l++)
        for (size_t i = 0; i < ns[l]; i++)
            if (!has(&both, lists[l][i])) {
                both.orgs = xrealloc(both.orgs, (both.norgs + 1) * sizeof *both.orgs);
                both.orgs[both.norgs++] = lists[l][i];
            }
    for (size_t i = 0; i < both.norgs && !*err; i++) {
        char oid[48], nid[48];
        snprintf(oid, sizeof oid, "admin-preview-o%zu", i);
        snprintf(nid, sizeof nid, "admin-preview-n%zu", i);
        grant_spec o1 = *old, n1 = *new_;
        o1.all_orgs = n1.all_orgs = 0;
        char *one = both.orgs[i];
        query_scope so1, sn1;
        scope_of(&o1, oid, &so1);
        scope_of(&n1, nid, &sn1);
        if ((has(old, one) || old->all_orgs) && put_orgs(st, oid, &one, 1))
            *err = 1;
        if ((has(new_, one) || new_->all_orgs) && put_orgs(st, nid, &one, 1))
            *err = 1;
        json_array_append_new(schools, json_pack("{ss so so so}", "id", one, "displayName", org_name(st, one), "gained",
                                                 diff_counts(st, &sn1, &so, err), "lost",
                                                 diff_counts(st, &so1, &sn, err)));
    }
    free(both.orgs);
    uint32_t oc = old->cats | 1u, nc = new_->cats | 1u;
    return json_pack("{so so s{so so} s{so so}}", "schools", schools, "totals", totals, "fields", "gained",
                     field_diff(nc, oc), "lost", field_diff(oc, nc), "categories", "gained", cat_diff(nc, oc), "lost",
                     cat_diff(oc, nc));
}

void h_permissions_preview(admin_ctx *cx)
{
    client c;
    grant_spec g, old;
    if (grant_request(cx, &c, &g, &old))
        return;
    if (c.full_access) {
        old.all_orgs = 1;
        old.cats = ~0u;
        old.protect = PROTECT_FULL;
    }
    int err = 0;
    if (store_begin(cx->st)) {
        reply_store_error(cx);
    } else {
        json_t *o = preview(cx->st, &old, &g, &err);
        store_rollback(cx->st);
        if (err || !o) {
            json_decref(o);
            reply_store_error(cx);
        } else {
            reply_json(cx, 200, o);
        }
    }
    grant_spec_free(&old);
    grant_spec_free(&g);
}
